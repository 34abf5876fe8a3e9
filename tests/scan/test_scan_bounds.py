"""The bounds scan checks when it runs: its number of steps in int64, its
sequences against their taps, its states' shapes; with XLA too (which drops
assertions: the same rules are validity flags there), and unrolled (as on a mesh).
And a mesh spec that names an axis twice."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import distribute
from tfgraph.config import config
from tfgraph.scan_module.scan_op import Scan
from tfgraph.scan_module.unrolled import lower_scan_unrolled

WAYS = ["loop", "loop with XLA", "unrolled"]


@pytest.fixture(params=WAYS)
def way(request, monkeypatch):
    if request.param == "loop with XLA":
        config.xla = True
    elif request.param == "unrolled":
        # Lowered by its mesh rule (steps unrolled when traced), on this one device.
        monkeypatch.setattr(Scan, "lower", lower_scan_unrolled)
    return request.param


def _run(way, make, value, name):
    """The value of ``make(v)`` for a variable ``v`` named ``name`` holding
    ``value``: an input of the function, or, unrolled (where lengths must be
    known when tracing), a constant."""
    if way == "unrolled":
        return theano.function([], make(T.constant(np.asarray(value), name=name)))()
    var = T.TensorType("float64", (False,) * np.ndim(value))(name)
    return theano.function([var], make(var))(value)


def _doubled(n_steps):
    return lambda x: theano.scan(lambda xt: xt * 2, sequences=[x], n_steps=n_steps,
                                 name="doubler")[0]


@pytest.mark.parametrize("steps", [2 ** 32 + 2, 2 ** 40, 2 ** 63 - 1])
def test_n_steps_beyond_int32_over_a_short_sequence_raises_naming_it(way, steps):
    np.testing.assert_array_equal(_run(way, _doubled(3), np.arange(5.0), "x"), [0, 2, 4])
    with pytest.raises(ValueError, match=rf"(?s)shorter than the required number of steps "
                                         rf"\(n_steps.*{steps}"):
        _run(way, _doubled(steps), np.arange(5.0), "x")  # a constant n_steps


def test_a_run_time_n_steps_beyond_int32_raises_naming_it():
    for xla in (False, True):
        config.xla = xla
        n, x = T.lscalar("n"), T.dvector("x")
        f = theano.function([x, n], _doubled(n)(x))
        np.testing.assert_array_equal(f(np.arange(5.0), 3), [0.0, 2.0, 4.0])
        for steps in (2 ** 32 + 2, 2 ** 40):
            with pytest.raises(ValueError, match=rf"(?s)n_steps.*{steps}"):
                f(np.arange(5.0), steps)
        with pytest.raises(IndexError, match="negative number of steps"):
            f(np.arange(5.0), -(2 ** 32) + 2)   # int32 would read +2


def test_n_steps_beyond_int32_without_sequences_is_refused(way):
    def counter(n):
        return lambda h0: theano.scan(lambda h: h + 1, outputs_info=[h0], n_steps=n,
                                      name="counter")[0]
    np.testing.assert_array_equal(_run(way, counter(3), 1.0, "h0"), [2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"(?s)n_steps.*larger than the 2147483647 steps"):
        _run(way, counter(2 ** 40), 1.0, "h0")
    if way != "unrolled":
        n, h0 = T.lscalar("n"), T.dscalar("h0")
        f = theano.function([h0, n], counter(n)(h0))
        with pytest.raises(ValueError, match=r"(?s)n_steps.*larger than the 2147483647"):
            f(1.0, 2 ** 40)
        np.testing.assert_array_equal(f(1.0, 2), [2.0, 3.0])


@pytest.mark.parametrize("start, step, size", [
    ((3,), lambda h: h[:2], 2),                          # shrinks
    ((1,), lambda h: T.concatenate([h, h, h]), 9),      # grows: 3, then 9
    ((3,), lambda h: h[:1], 1),                          # a length of 1 is not repeated
])
def test_a_state_whose_step_changes_its_shape_raises_naming_it(way, start, step, size):
    def scanned(h0):
        return theano.scan(step, outputs_info=[h0], n_steps=2, name="reshaper")[0]
    with pytest.raises(ValueError, match=rf"(?s)state 0 \(initial value h0\) has shape.*"
                                         rf"{size}.*after the last step, but a state keeps the "
                                         rf"shape of its initial value.*{start[0]}"):
        _run(way, scanned, np.ones(start), "h0")


def test_states_that_keep_their_shape_run_with_any_length(way):
    W = theano.shared(np.eye(3) * 0.5, name="W")

    def scanned(h0):
        return theano.scan(lambda h: T.dot(h, W) + 1.0, outputs_info=[h0], n_steps=3)[0]
    for rows in (1, 4):
        expected, h = [], np.zeros((rows, 3))
        for _ in range(3):
            h = h @ (np.eye(3) * 0.5) + 1.0
            expected.append(h)
        np.testing.assert_allclose(_run(way, scanned, np.zeros((rows, 3)), "h0"), expected)


def test_a_shared_variable_whose_update_changes_its_shape_in_a_scan_raises_naming_it(way):
    acc = theano.shared(np.zeros(3), name="acc")
    _, updates = theano.scan(lambda: {acc: T.concatenate([acc, acc])[:4]}, n_steps=2,
                             name="grower")
    f = theano.function([], [], updates=updates)
    with pytest.raises(ValueError, match=r"(?s)shared variable acc has shape.*4.*after the last step"):
        f()
    np.testing.assert_array_equal(acc.get_value(), np.zeros(3))


@pytest.mark.parametrize("given", [False, True])
@pytest.mark.parametrize("length", [5, 4, 1])
def test_taps_reaching_beyond_the_sequence_raise_naming_the_sequence_and_taps(way, given,
                                                                             length):
    def scanned(x):
        return theano.scan(lambda a, b: a + b, sequences=[dict(input=x, taps=[-3, 2])],
                           n_steps=1 if given else None, name="taps")[0]
    np.testing.assert_array_equal(_run(way, scanned, np.arange(6.0), "x"), [5.0])
    with pytest.raises(ValueError, match=r"sequence x is too short for its taps \[-3, 2\]"):
        _run(way, scanned, np.arange(float(length)), "x")


def test_parse_mesh_refuses_an_axis_named_twice():
    assert distribute.parse_mesh("batch=4,model=2") == {"batch": 4, "model": 2}
    with pytest.raises(distribute.MeshError, match=r"names axis 'batch' twice \(batch=4 and "
                                                   r"batch=2\)"):
        distribute.parse_mesh("batch=4,batch=2")
    with pytest.raises(distribute.MeshError, match="'model' twice"):
        distribute.parse_mesh("model=1, batch=2, model=1")
