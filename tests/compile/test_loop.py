"""Function.loop: many steps in one graph call equal the same steps called one by one."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T


def seed_step():
    x, target = T.fvector("x"), T.fscalar("target")
    W = theano.shared(np.asarray([0.2, 0.7]), "W")
    y = (x * W).sum()
    (gW,) = T.grad(T.sqr(target - y), [W])
    return W, theano.function([x, target], [y, gW], updates=[(W, W - 0.1 * gW)])


@pytest.mark.parametrize("jit_compile", [False, True])
def test_repeated_arguments_match_step_by_step(jit_compile):
    W, f = seed_step()
    stepwise = [f([1.0, 1.0], 20.0) for _ in range(7)]
    after_steps = W.get_value()
    W.set_value(np.asarray([0.2, 0.7]))
    ys, grads = f.loop(7, [1.0, 1.0], 20.0, jit_compile=jit_compile)
    assert ys.shape == (7,) and grads.shape == (7, 2)
    np.testing.assert_allclose(ys, [s[0] for s in stepwise], rtol=1e-12)
    np.testing.assert_allclose(grads, [s[1] for s in stepwise], rtol=1e-12)
    np.testing.assert_allclose(W.get_value(), after_steps, rtol=1e-12)
    assert f.trace_count == 1  # the loop has its own trace; the step's is untouched


def test_sliced_arguments_take_one_slice_per_step():
    W, f = seed_step()
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(5, 2)).astype(np.float32)
    targets = rng.normal(size=5).astype(np.float32)
    stepwise = [f(x, t)[0] for x, t in zip(xs, targets)]
    after_steps = W.get_value()
    W.set_value(np.asarray([0.2, 0.7]))
    ys, _ = f.loop(None, xs, targets, sliced=True)
    np.testing.assert_allclose(ys, stepwise, rtol=1e-12)
    np.testing.assert_allclose(W.get_value(), after_steps, rtol=1e-12)


def test_sliced_arguments_are_checked_like_call_arguments():
    W, f = seed_step()
    with pytest.raises(TypeError, match='name "x".*index 0.*loss of precision'):
        f.loop(None, np.ones((3, 2)), np.ones(3, np.float32), sliced=True)
    with pytest.raises(ValueError, match="different numbers of steps"):
        f.loop(None, np.ones((3, 2), np.float32), np.ones(4, np.float32), sliced=True)
    np.testing.assert_array_equal(W.get_value(), [0.2, 0.7])


def test_a_failing_step_leaves_shared_variables_as_before_the_loop():
    counter = theano.shared(np.int64(0), "counter")
    index = T.lscalar("index")
    table = theano.shared(np.arange(3.0), "table")
    f = theano.function([index], table[index + counter], updates=[(counter, counter + 1)],
                        name="f")
    with pytest.raises(IndexError, match=r"function \"f\"") as info:  # as a call would say
        f.loop(5, 0, jit_compile=False)  # step 3 indexes table[3]
    assert "index (index 0): 0" in str(info.value)
    assert counter.get_value() == 0
    np.testing.assert_array_equal(f.loop(3, 0), [0.0, 1.0, 2.0])
    assert counter.get_value() == 3


def test_a_loop_that_indexes_by_value_checks_its_indices_as_calls_do():
    """XLA clamps an out-of-range gather or dynamic slice into range; the loop
    checks each such index's validity flag, with or without XLA, and raises
    as a call does, naming the step."""
    counter = theano.shared(np.int64(0), "counter")
    table = theano.shared(np.arange(3.0), "table")
    i, v = T.lscalar("i"), T.lvector("v")
    by_int = theano.function([i], table[i + counter], updates=[(counter, counter + 1)])
    by_array = theano.function([v], table[v + counter], updates=[(counter, counter + 1)])
    for f, arg in ((by_int, 0), (by_array, np.array([0]))):
        for jit in (None, True, False):
            counter.set_value(0)
            with pytest.raises(IndexError, match=r"(?s)^Step 3 \(0-based\).*counter: 3"):
                f.loop(5, arg, jit_compile=jit)  # step 3 reads table[3]
            assert counter.get_value() == 0


def test_a_call_compiled_with_xla_checks_what_xla_would_not():
    """XLA clamps an index and divides by zero without failing: a function
    compiled with it checks its ops' validity flags and raises the error the
    graph raises without XLA, changing nothing."""
    v = T.lvector("v")
    table = theano.shared(np.arange(3.0), "table")
    d = theano.shared(np.int64(1), "d")
    xla = theano.compile.Mode(jit_compile=True)
    lookup = theano.function([v], table[v], mode=xla, name="lookup")
    divide = theano.function([], 100 // d, updates=[(d, d - 1)], mode=xla)
    np.testing.assert_array_equal(lookup([2, -3]), [2.0, 0.0])
    with pytest.raises(IndexError, match="lookup"):
        lookup([3])
    assert divide() == 100
    with pytest.raises(ValueError, match="division by zero"):
        divide()
    assert d.get_value() == 0
