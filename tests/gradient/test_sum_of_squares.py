"""``sum(x ** 2)``'s gradient is lowered as ``2 x dy`` in one pass
(tfgraph.ops.reduce._sum_of_squares): the same bits as the tape's three
passes, and only where no gradient asks for, or stops at, the squares."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
import tfgraph.ops.reduce as reduce_ops


def _both(build):
    """``build()``'s function lowered with the fused gradient and without."""
    fused = build()
    keep = reduce_ops._squared_operand
    reduce_ops._squared_operand = lambda var, ctx: None
    try:
        plain = build()
    finally:
        reduce_ops._squared_operand = keep
    return fused, plain


def _spreads(fn):
    """How many ops spread a sum's gradient over its input's shape."""
    graph = fn.executable.concrete_function.graph
    return sum(o.type in ("BroadcastTo", "Tile") for o in graph.get_operations())


@pytest.mark.parametrize("dtype, axis", [("float32", None), ("float32", 1), ("float64", None),
                                         ("float64", (0, 2)), ("float32", -1)])
def test_same_bits_as_the_tapes_gradient(dtype, axis):
    rng = np.random.default_rng(3)
    value = rng.standard_normal((4, 5, 3)).astype(dtype)
    x = T.tensor3("x", dtype=dtype)

    def build():
        penalty = (x ** 2).sum(axis=axis)   # its gradient differs from sum to sum:
        cost = 1e-4 * (penalty * T.cos(penalty)).sum() + T.tanh(x).sum()
        return theano.function([x], [cost, T.grad(cost, x)])
    fused, plain = _both(build)
    for got, expected in zip(fused(value), plain(value)):
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
    # the sum's gradient is not spread over x's shape first
    assert _spreads(fused) == _spreads(plain) - 1


def test_partial_sums_weighted_differently_get_their_own_gradient():
    x = T.matrix("x")
    rows = (x ** 2).sum(axis=1)
    cost = (rows * T.constant(np.array([1.0, 10.0, 100.0]))).sum()
    f = theano.function([x], T.grad(cost, x))
    value = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(f(value), 2 * value * np.array([[1.0], [10.0], [100.0]]))


def test_a_gradient_with_respect_to_the_squares_still_reaches_them():
    x = T.vector("x")
    squares = x ** 2
    cost = 3 * squares.sum()
    f = theano.function([x], [T.grad(cost, squares), T.grad(cost, x)])
    by_squares, by_x = f(np.array([1.0, -2.0]))
    np.testing.assert_array_equal(by_squares, [3.0, 3.0])
    np.testing.assert_array_equal(by_x, [6.0, -12.0])


def test_consider_constant_on_the_squares_stops_the_gradient():
    x = T.vector("x")
    squares = x ** 2
    cost = squares.sum() + x.sum()
    f = theano.function([x], T.grad(cost, x, consider_constant=[squares]))
    np.testing.assert_array_equal(f(np.array([1.0, -2.0])), [1.0, 1.0])


def test_second_derivative():
    x, v = T.vector("x"), T.vector("v")
    cost = (x ** 2).sum() * x[0]
    g = T.grad(cost, x)
    hv = T.grad((g * v).sum(), x)   # Hessian times v
    f = theano.function([x, v], hv)
    xv, vv = np.array([1.5, -2.0, 0.5]), np.array([0.3, 1.0, -2.0])
    # cost = x0 * |x|^2: H = 2 x0 I + 2 (e0 x^T + x e0^T)
    hessian = 2 * xv[0] * np.eye(3) + 2 * (np.outer(np.eye(3)[0], xv) + np.outer(xv, np.eye(3)[0]))
    np.testing.assert_allclose(f(xv, vv), hessian @ vv, rtol=1e-12)
