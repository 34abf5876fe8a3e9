"""Pickles of everything a program holds: random streams (alone and inside the
model that keeps them), functions built from iterables read once, and
pkl_utils archives with unique names that refuse damaged files."""
import copy
import io
import pickle
import zipfile

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import persist
from tfgraph.misc import pkl_utils
from tfgraph.sandbox.rng_mrg import MRG_RandomStreams
from tfgraph.tensor.shared_randomstreams import RandomStreams

COPIES = {"pickle": lambda obj: pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)),
          "protocol 0": lambda obj: pickle.loads(pickle.dumps(obj, 0)),
          "deepcopy": copy.deepcopy}


# --- random streams ------------------------------------------------------------------------

class DenoisingAutoencoder:
    """The tutorial's dA: it keeps its ``theano_rng`` to corrupt its input."""

    def __init__(self, streams, n_visible=6, n_hidden=3):
        rng = np.random.RandomState(1)
        self.theano_rng = streams
        self.W = theano.shared(rng.uniform(-0.5, 0.5, (n_visible, n_hidden)), name="W")
        self.b = theano.shared(np.zeros(n_hidden), name="b")
        self.x = T.dmatrix("x")
        tilde = self.theano_rng.binomial(size=self.x.shape, n=1, p=0.7, dtype="float64") * self.x
        self.hidden = T.nnet.sigmoid(T.dot(tilde, self.W) + self.b)
        cost = T.mean((T.dot(self.hidden, self.W.T) - self.x) ** 2)
        self.train = theano.function([self.x], cost, updates=[
            (p, p - 0.1 * g) for p, g in zip([self.W, self.b], T.grad(cost, [self.W, self.b]))])


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("kind", [RandomStreams, MRG_RandomStreams])
def test_random_streams_copy_and_continue_the_original_sequence(kind, how):
    streams = kind(42)
    u = streams.uniform((3,))
    draw = theano.function([], u)
    draw()
    loaded, loaded_u, loaded_draw = COPIES[how]((streams, u, draw))
    assert loaded is not streams and loaded_draw is not draw
    # The next numbers of the original, from the loaded function and a new one.
    expected = [draw() for _ in range(3)]
    np.testing.assert_array_equal([loaded_draw() for _ in range(3)], expected)
    np.testing.assert_array_equal(theano.function([], loaded_u)(), draw())
    # New variables drawn after loading get the keys the original gives next.
    np.testing.assert_array_equal(theano.function([], loaded.normal((2,)))(),
                                  theano.function([], streams.normal((2,)))())
    # Re-seeding the copy reseeds the copy only.
    loaded.seed(7)
    streams.seed(7)
    np.testing.assert_array_equal(loaded_draw(), draw())


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("kind", [RandomStreams, MRG_RandomStreams])
def test_a_model_keeping_its_random_streams_pickles_and_trains_on_as_the_original(kind, how):
    model = DenoisingAutoencoder(kind(5))
    data = np.random.RandomState(2).rand(8, 6)
    model.train(data)
    loaded = COPIES[how](model)
    assert loaded.W is not model.W and loaded.theano_rng is not model.theano_rng
    np.testing.assert_array_equal([loaded.train(data) for _ in range(3)],
                                  [model.train(data) for _ in range(3)])
    np.testing.assert_array_equal(loaded.W.get_value(), model.W.get_value())


# --- iterables read once ---------------------------------------------------------------------

def _counting_function(updates_of, givens_of=None, outputs_of=None):
    x = T.dscalar("x")
    W, b = theano.shared(1.0, name="W"), theano.shared(0.0, name="b")
    z = T.dscalar("z")
    given = {} if givens_of is None else {"givens": givens_of([(z, x * 2)])}
    outputs = [W + z, b] if givens_of else [W + x, b]
    f = theano.function([x], outputs_of(outputs) if outputs_of else outputs,
                        updates=updates_of([(W, W + x), (b, b + 1)]), **given)
    return f, W, b


ITERABLES = {"zip": lambda pairs: zip(*zip(*pairs)),
             "generator": lambda pairs: (p for p in pairs),
             "dict items": lambda pairs: dict(pairs).items(),
             "map": lambda pairs: map(tuple, pairs)}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("iterable", list(ITERABLES))
def test_updates_given_as_an_iterable_are_read_once_and_kept_by_copies(iterable, how):
    f, W, b = _counting_function(ITERABLES[iterable])
    assert f(2.0) == [3.0, 0.0] and (W.get_value(), b.get_value()) == (3.0, 1.0)
    loaded = COPIES[how](f)
    assert len(loaded.updates) == 2
    assert loaded(1.0) == [4.0, 1.0]
    (W2, b2) = sorted(loaded.shared_variables, key=lambda v: v.name)[:2]
    assert (W2.get_value(), b2.get_value()) == (4.0, 2.0)  # the copy trained
    assert (W.get_value(), b.get_value()) == (3.0, 1.0)    # the original did not
    assert f(1.0) == [4.0, 1.0]                            # and still trains


@pytest.mark.parametrize("iterable", list(ITERABLES))
def test_givens_and_outputs_given_as_iterables(iterable):
    f, W, b = _counting_function(list, givens_of=ITERABLES[iterable],
                                 outputs_of=lambda outs: (o for o in outs))
    assert f(2.0) == [5.0, 0.0]
    loaded = pickle.loads(pickle.dumps(f))
    assert loaded(1.0) == [5.0, 1.0]
    values = theano.function([], {"a": W * 1, "b": b * 1}.values())
    assert values() == [3.0, 1.0]


# --- pkl_utils --------------------------------------------------------------------------------

def _dump(obj):
    buffer = io.BytesIO()
    pkl_utils.dump(obj, buffer)
    return buffer.getvalue()


def _load(data):
    return pkl_utils.load(io.BytesIO(data))


def test_pkl_utils_gives_each_array_its_own_member():
    first, second = theano.shared(np.ones(2), name="W"), theano.shared(np.full(2, 2.0), name="W")
    third = theano.shared(np.full(2, 3.0), name="W_2")
    data = _dump([first, second, third])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len(names) == len(set(names)) and {"W", "W_2", "pkl"} <= set(names)
    assert [v.get_value().tolist() for v in _load(data)] == [[1, 1], [2, 2], [3, 3]]


@pytest.mark.parametrize("order", ["array first", "shared first"])
def test_pkl_utils_keeps_a_plain_array_apart_from_a_shared_variable_named_like_it(order):
    named = theano.shared(np.arange(3.0), name="array_0")
    plain = np.array([[7, 8]])
    objects = [plain, named] if order == "array first" else [named, plain]
    loaded = _load(_dump(objects))
    got_plain, got_named = loaded if order == "array first" else loaded[::-1]
    np.testing.assert_array_equal(got_plain, plain)
    np.testing.assert_array_equal(got_named.get_value(), np.arange(3.0))


def test_pkl_utils_refuses_a_damaged_file_wherever_the_damage_is():
    saved = [theano.shared(np.arange(3.0), name="W"), theano.shared(np.ones(2), name="W"),
             np.array([5, 6, 7], dtype="int32")]
    data = _dump(saved)
    positions = range(0, len(data), 3)  # a third of the bytes: every part of the zip
    refused = 0
    for position in positions:
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        try:
            W, W2, array = _load(bytes(damaged))
        except persist.CorruptPickleError as error:
            assert "damaged" in str(error) or "no member" in str(error), (position, error)
            refused += 1
            continue
        # Bytes that nothing reads (a date, a version) may change: what loads is as saved.
        np.testing.assert_array_equal(W.get_value(), np.arange(3.0), err_msg=str(position))
        np.testing.assert_array_equal(W2.get_value(), np.ones(2), err_msg=str(position))
        np.testing.assert_array_equal(array, saved[2], err_msg=str(position))
    assert refused > len(positions) // 2  # most bytes matter
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        with pytest.raises(persist.CorruptPickleError):
            _load(data[:cut])
