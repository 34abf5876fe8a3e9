"""MRG_RandomStreams against a NumPy reference of Theano 1.0.5's MRG31k3p:
its int32 step (shifts, masks and wrap-around), streams 2**72 steps apart,
the generator's jump of 2**134 steps per draw, value i from stream i % n,
Theano's float32 and float64 scaling, Box-Muller and the binomial."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.sandbox import rng_mrg
from tfgraph.sandbox.rng_mrg import MRG_RandomStreams

M1, M2 = 2147483647, 2147462579


def _mod_vector(matrix, vector, m):
    return [sum(int(a) * int(b) for a, b in zip(row, vector)) % m for row in matrix]


def _jump(state, first, second):
    return np.array(_mod_vector(first, state[:3], M1) + _mod_vector(second, state[3:], M2),
                    dtype="int32")


def _step_int32(x):
    """Theano's step of every row of x (n, 6) int32, in int32 arithmetic:
    (next x, k)."""
    i32 = np.int32
    with np.errstate(over="ignore"):
        x11, x12, x13, x21, x22, x23 = (x[:, j].copy() for j in range(6))

        def fold(y, m):
            return np.where((y < 0) | (y >= m), (y - i32(m)).astype("int32"), y)
        y1 = (((x12 & i32(511)) << i32(22)) + (x12 >> i32(9))
              + ((x13 & i32(16777215)) << i32(7)) + (x13 >> i32(24)))
        y1 = fold(fold(y1, M1) + x13, M1)
        a = ((x21 & i32(65535)) << i32(15)) + i32(21069) * (x21 >> i32(16))
        a = fold(a, M2)
        b = ((x23 & i32(65535)) << i32(15)) + i32(21069) * (x23 >> i32(16))
        b = fold(fold(b, M2) + x23, M2)
        y2 = fold(b + a, M2)
        k = np.where(y1 <= y2, y1.astype("int64") - y2 + M1, y1.astype("int64") - y2)
    return np.stack([y1, x11, x12, y2, x21, x22], 1).astype("int32"), k


class Reference:
    """What a stream seeded with ``seed`` draws, computed in NumPy."""

    def __init__(self, seed):
        self.rstate = np.array([seed] * 6 if np.ndim(seed) == 0 else seed, dtype="int32")

    def streams(self, n_streams):
        states = [self.rstate]
        for _ in range(n_streams - 1):
            states.append(_jump(states[-1], rng_mrg.A1p72, rng_mrg.A2p72))
        self.rstate = _jump(self.rstate, rng_mrg.A1p134, rng_mrg.A2p134)
        return np.array(states)


def draw(states, n):
    """(states after, k of the n values), value i from stream i % n_streams."""
    states, ks = states.copy(), []
    while len(ks) < n:
        moving = min(len(states), n - len(ks))
        states[:moving], k = _step_int32(states[:moving])
        ks.extend(k.tolist())
    return states, np.array(ks)


def scaled(k, dtype):
    if dtype == "float32":
        return k.astype("float32") * np.float32(4.6566126e-10)
    return k * 2.0 ** -31


def test_the_int32_step_and_the_generators_step_agree():
    states = np.random.RandomState(0).randint(0, M2, (5000, 6)).astype("int32")
    expected, k = _step_int32(states)
    for row, want, want_k in zip(states[:50], expected, k):
        new = np.zeros(6, "int32")
        value = rng_mrg.mrg_next_value(row, new, NORM=rng_mrg.NORM, mask=0xFFFFFFFF, offset=0)
        np.testing.assert_array_equal(new, want)
        assert value == want_k * 2.0 ** -31
    np.testing.assert_array_equal(rng_mrg.ff_2p72(states[0]),
                                  _jump(states[0], rng_mrg.A1p72, rng_mrg.A2p72))


@pytest.mark.parametrize("n_streams, n", [(1, 0), (1, 9), (7, 0), (7, 3), (7, 7), (7, 8),
                                         (7, 20), (7, 21), (300, 299), (300, 1201)])
def test_the_graph_draw_at_its_edges(n_streams, n):
    """The XLA draw against the int32 reference: no values, fewer values
    than streams, whole and partial last steps (the streams that do not
    draw in the last step keep their state)."""
    from tfgraph._tf import tf
    from tfgraph.random import mrg31k3p
    states = np.random.RandomState(n_streams + n).randint(1, M2, (n_streams, 6)).astype("int32")
    want_states, want_k = draw(states, n)
    got_states, got = mrg31k3p.draw(tf.constant(states), tf.constant(n, tf.int64), "float64")
    np.testing.assert_array_equal(got_states.numpy(), want_states)
    np.testing.assert_array_equal(got.numpy(), scaled(want_k, "float64"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_two_calls_draw_theanos_numbers_and_leave_theanos_state(dtype):
    """35 values over 3 streams: 12 steps, the last moving two streams."""
    srng = MRG_RandomStreams(1234)
    u = srng.uniform((5, 7), nstreams=3, dtype=dtype)
    f = theano.function([], u)
    reference = Reference(1234)
    states = reference.streams(3)
    assert u.rstate.get_value().dtype == "int32"
    np.testing.assert_array_equal(u.rstate.get_value(), states)
    for _ in range(2):
        states, k = draw(states, 35)
        value = f()
        assert value.dtype == dtype
        np.testing.assert_array_equal(value, scaled(k, dtype).reshape(5, 7))
        np.testing.assert_array_equal(u.rstate.get_value(), states)
    np.testing.assert_array_equal(srng.rstate, reference.rstate)


def test_symbolic_size_and_default_number_of_streams():
    srng = MRG_RandomStreams(7)
    x = T.matrix("x")
    constant, symbolic = srng.uniform((10, 20), dtype="float64"), srng.uniform(x.shape,
                                                                             dtype="float64")
    f = theano.function([x], [constant, symbolic])
    reference = Reference(7)
    first, second = reference.streams(200 // 6), reference.streams(60 * 256)
    a, b = f(np.zeros((3, 4), "float32"))
    np.testing.assert_array_equal(a, scaled(draw(first, 200)[1], "float64").reshape(10, 20))
    second, k = draw(second, 12)
    np.testing.assert_array_equal(b, scaled(k, "float64").reshape(3, 4))
    # A larger size on the next call continues each stream from where it was.
    b = f(np.zeros((2, 9), "float32"))[1]
    np.testing.assert_array_equal(b, scaled(draw(second, 18)[1], "float64").reshape(2, 9))


def test_seed_gives_each_draw_its_streams_again():
    srng = MRG_RandomStreams(55)
    u, v = srng.uniform((4,), nstreams=2, dtype="float64"), srng.uniform((3,), dtype="float64")
    f = theano.function([], [u, v])
    first = f()
    f()
    srng.seed()
    np.testing.assert_array_equal(f()[0], first[0])
    srng.seed(99)
    reference = Reference(99)
    expected = [scaled(draw(reference.streams(2), 4)[1], "float64"),
                scaled(draw(reference.streams(3), 3)[1], "float64")]   # guess_n_streams((3,))
    for value, want in zip(f(), expected):
        np.testing.assert_array_equal(value, want)
    with pytest.raises(ValueError, match="seed should not be 0"):
        srng.seed(0)
    np.testing.assert_array_equal(srng.rstate, reference.rstate)   # unchanged by the failure


def test_normal_is_box_muller_over_an_even_count_and_binomial_compares():
    srng = MRG_RandomStreams(3)
    z = srng.normal((3, 3), avg=1.0, std=2.0, dtype="float64")   # 10 uniforms, 15360 streams
    b = srng.binomial((5,), p=0.3, dtype="int8", nstreams=2)
    values, bits = theano.function([], [z, b])()
    reference = Reference(3)
    u = scaled(draw(reference.streams(60 * 256), 10)[1], "float64")
    radius = np.sqrt(-2.0 * np.log(u[:5]))
    expected = np.concatenate([radius * np.cos(2 * np.pi * u[5:]),
                               radius * np.sin(2 * np.pi * u[5:])])[:9]
    np.testing.assert_allclose(values, (expected * 2.0 + 1.0).reshape(3, 3), rtol=1e-14)
    theano.config.floatX = "float64"
    u = scaled(draw(reference.streams(2), 5)[1], "float64")
    np.testing.assert_array_equal(bits, (u < 0.3).astype("int8"))


def test_uniforms_on_the_unit_interval_are_the_draw_itself():
    """uniform() and binomial() with (0, 1) use the mrg_uniform sample as it
    is (u * 1 + 0 is u): the same numbers as bounds given at run time."""
    low, high = T.fscalar("low"), T.fscalar("high")
    plain = MRG_RandomStreams(42).uniform((3, 50), dtype="float32")
    assert isinstance(plain.owner.op, rng_mrg.mrg_uniform)
    bounded = MRG_RandomStreams(42).uniform((3, 50), low=low, high=high, dtype="float32")
    assert not isinstance(bounded.owner.op, rng_mrg.mrg_uniform)
    a = theano.function([], plain)()
    b = theano.function([low, high], bounded)(0.0, 1.0)
    np.testing.assert_array_equal(a, b)
    assert 0 < a.min() and a.max() < 1


def test_float32_draws_are_never_0_or_1():
    k = np.array([1, 21069, M1 - 1, M1])
    values = scaled(k, "float32")
    assert (values > 0).all() and (values < 1).all()
    mrg_uniform = rng_mrg.mrg_uniform.new(theano.shared(np.array([[1, 2, 3, 1, 2, 3]], "int32")),
                                          None, "float32", (4,))
    assert str(mrg_uniform[1].owner.op).startswith("mrg_uniform{TensorType(float32, vector)")


def test_a_draw_too_large_or_negative_fails_when_run_and_keeps_the_state():
    srng = MRG_RandomStreams(1)
    size = T.lvector("size")
    u = srng.uniform(size, ndim=1, nstreams=4)
    f = theano.function([size], u)
    before = u.rstate.get_value()
    for bad, words in [([-1], "size must be non-negative"), ([2 ** 31], "2\\*\\*31 -1")]:
        with pytest.raises(ValueError, match=words):
            f(bad)
        np.testing.assert_array_equal(u.rstate.get_value(), before)
