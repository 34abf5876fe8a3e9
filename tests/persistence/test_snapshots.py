"""What checkpoints, pickles, deep copies and pkl_utils archives save while
another thread trains is the state between two calls, and a restore during
training is one step: a thread calls a function that adds 1 to 20 variables
together, while this one saves, pickles and restores again and again."""
import copy
import io
import pickle
import sys
import threading

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.checkpoint import Checkpoints
from tfgraph.misc import pkl_utils
from tfgraph._tf import tf

N_VARIABLES, ROUNDS = 20, 25


class Model:
    """A user's object holding the variables (and a trained scalar of its own)."""

    def __init__(self):
        self.params = [theano.shared(np.zeros(4), name=f"p{k}") for k in range(N_VARIABLES)]
        self.note = "kept"


class Trainer:
    """Calls ``step`` from a thread until stopped, Python switching threads
    every few microseconds (rather than 5 ms) so that it interleaves with
    anything short."""

    def __init__(self, step):
        self.step, self.calls, self.stop = step, 0, threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        while not self.stop.is_set():
            self.step()
            self.calls += 1

    def __enter__(self):
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(60)
        sys.setswitchinterval(self.switch)


def _one_value(values, what):
    """The one number every variable holds, or an assertion naming the mix."""
    distinct = sorted({float(x) for value in values for x in np.ravel(value)})
    assert len(distinct) == 1, f"{what} mixes calls: values {distinct}"
    return distinct[0]


@pytest.fixture
def model():
    held = Model()
    held.train = theano.function([], [], updates=[(p, p + 1) for p in held.params])
    held.train()
    return held


def test_checkpoints_save_the_state_between_two_calls(model, tmp_path):
    checkpoints = Checkpoints(model.params, tmp_path, max_to_keep=2)
    seen = []
    with Trainer(model.train) as trainer:
        for step in range(ROUNDS):
            path = checkpoints.save(step)
            reader = tf.train.load_checkpoint(path)
            seen.append(_one_value([reader.get_tensor(f"shared/p{k}/.ATTRIBUTES/VARIABLE_VALUE")
                                    for k in range(N_VARIABLES)], f"checkpoint {step}"))
    assert trainer.calls > ROUNDS and len(set(seen)) > 1  # saved while training went on


@pytest.mark.parametrize("how", ["pickle", "pickle with its function", "deepcopy", "pkl_utils"])
def test_pickles_and_copies_of_a_users_object_hold_the_state_between_two_calls(model, how):
    def copied():
        if how == "pickle":
            return pickle.loads(pickle.dumps(_Holder(model.params)))
        if how == "pickle with its function":
            return pickle.loads(pickle.dumps(model))
        if how == "deepcopy":
            return copy.deepcopy(_Holder(model.params))
        buffer = io.BytesIO()
        pkl_utils.dump(_Holder(model.params), buffer)
        return pkl_utils.load(io.BytesIO(buffer.getvalue()))

    rounds = 4 if how == "pickle with its function" else ROUNDS  # loading compiles it
    seen = []
    with Trainer(model.train) as trainer:
        for _ in range(rounds):
            loaded = copied()
            seen.append(_one_value([p.get_value() for p in loaded.params], how))
    assert trainer.calls > rounds and len(set(seen)) > 1
    if how == "pickle with its function":  # the loaded function trains the loaded copy
        loaded.train()
        assert _one_value([p.get_value() for p in loaded.params], how) == seen[-1] + 1


class _Holder:
    """A user's object with the variables, pickled without the function."""

    def __init__(self, params):
        self.params = list(params)
        self.other = np.arange(3)


def test_restore_during_training_is_one_step(model, tmp_path):
    checkpoints = Checkpoints(model.params, tmp_path)
    checkpoints.save(0)
    with Trainer(model.train) as trainer:
        for _ in range(ROUNDS):
            assert checkpoints.restore() == 0
    assert trainer.calls > ROUNDS
    # Every call added 1 to all: a restore that was not one step would leave
    # some variables behind the others for good.
    _one_value([p.get_value() for p in model.params], "the variables after restores")


def test_pickling_one_variable_of_a_group_then_the_rest_later_reads_them_afresh(model):
    first = pickle.dumps(model.params[0])
    model.train()
    second = pickle.loads(pickle.dumps(model.params[1]))
    assert float(pickle.loads(first).get_value()[0]) + 1 == float(second.get_value()[0])
