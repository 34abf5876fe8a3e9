"""theano.ifelse: lazy, several outputs, gradients, inside scan."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.ifelse import IfElse, ifelse


def test_picks_the_branch_and_keeps_the_form():
    c = T.lscalar("c")
    x, y = T.dvector("x"), T.dvector("y")
    single = ifelse(c, x * 2, y + 1)
    as_list = ifelse(c, [x, y], [y, x])
    as_tuple = ifelse(c, (x,), (y,))
    assert isinstance(single.owner.op, IfElse)
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple)
    f = theano.function([c, x, y], [single] + as_list + list(as_tuple))
    xv, yv = np.array([1.0, 2.0]), np.array([5.0, 7.0])
    for cv, want in ((1, [xv * 2, xv, yv, xv]), (0, [yv + 1, yv, xv, yv]),
                     (-3, [xv * 2, xv, yv, xv])):
        for got, w in zip(f(cv, xv, yv), want):
            np.testing.assert_array_equal(got, w)


def test_the_branch_not_taken_never_runs():
    c = T.dscalar("c")
    x = T.dvector("x")
    i = T.lscalar("i")
    # The else branch fails when run (index out of range) and is costly (a big
    # product); the then branch is cheap.
    big = T.dot(T.outer(x, x), T.outer(x, x)).sum()
    out = ifelse(c, x.sum(), x[i] + big)
    f = theano.function([c, x, i], out)
    assert f(1.0, [1.0, 2.0], 10) == 3.0
    with pytest.raises(IndexError):
        f(0.0, [1.0, 2.0], 10)
    # DebugMode would reject the NaN of the branch not taken, were it computed.
    d = theano.function([c, x], ifelse(c, x.sum(), T.log(-x).sum()), mode="DebugMode")
    assert d(1.0, [1.0, 2.0]) == 3.0
    with pytest.raises(FloatingPointError, match="NaN"):
        d(0.0, [1.0, 2.0])
    # Eagerly too.
    e = theano.function([c, x, i], out, mode="FAST_COMPILE")
    assert e(1.0, [1.0, 2.0], 10) == 3.0


def test_lazy_branch_of_a_large_product_costs_nothing():
    import time
    c = T.dscalar("c")
    M = T.dmatrix("M")
    heavy = M
    for _ in range(20):
        heavy = T.dot(heavy, M)
    f = theano.function([c, M], ifelse(c, M.sum(), heavy.sum()))
    m = np.eye(400) * 0.5
    f(1.0, m), f(0.0, m)
    start = time.perf_counter()
    for _ in range(3):
        f(1.0, m)
    cheap = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(3):
        f(0.0, m)
    costly = time.perf_counter() - start
    assert cheap * 3 < costly


def test_gradients_through_each_branch():
    c = T.lscalar("c")
    x = T.dvector("x")
    w = theano.shared(np.array([1.0, -2.0]), "w")
    a, b = ifelse(c, [x * w, (x ** 2).sum()], [x * 3.0, (w * x).sum()])
    cost = a.sum() + b
    gx, gw = theano.grad(cost, [x, w])
    f = theano.function([c, x], [gx, gw])
    xv = np.array([0.5, 4.0])
    got_x, got_w = f(1, xv)
    np.testing.assert_allclose(got_x, w.get_value() + 2 * xv)
    np.testing.assert_allclose(got_w, xv)
    got_x, got_w = f(0, xv)
    np.testing.assert_allclose(got_x, 3.0 + w.get_value())
    np.testing.assert_allclose(got_w, xv)


def test_shared_subexpressions_nested_ifelse_and_updates():
    c1, c2 = T.lscalar("c1"), T.lscalar("c2")
    x = T.dvector("x")
    s = x.sum()                     # used outside and inside both branches
    out = ifelse(c1, ifelse(c2, s * 2, s * 3), s * 4) + s
    counter = theano.shared(np.float64(0), "counter")
    f = theano.function([c1, c2, x], out, updates=[(counter, counter + ifelse(c1, s, -s))])
    xv = [1.0, 2.0]
    assert f(1, 1, xv) == 9.0 and counter.get_value() == 3.0
    assert f(1, 0, xv) == 12.0 and counter.get_value() == 6.0
    assert f(0, 0, xv) == 15.0 and counter.get_value() == 3.0


def test_ifelse_inside_scan_at_each_step():
    x = T.dvector("x")
    out, _ = theano.scan(lambda v, acc: ifelse(T.gt(v, 0), acc + v, acc * 0.5),
                         sequences=x, outputs_info=T.constant(1.0))
    g = theano.grad(out[-1], x)
    f = theano.function([x], [out, g])
    xv = np.array([1.0, -1.0, 2.0, -3.0])
    got, got_g = f(xv)
    np.testing.assert_allclose(got, [2.0, 1.0, 3.0, 1.5])
    np.testing.assert_allclose(got_g, [0.25, 0.0, 0.5, 0.0])  # halved twice, once


def test_errors_as_theano():
    c = T.lscalar("c")
    x, y = T.dvector("x"), T.fvector("y")
    with pytest.raises(TypeError, match="The two branches should have identical types"):
        ifelse(c, x, y)
    with pytest.raises(ValueError, match="number of values on the `then` branch"):
        ifelse(c, [x, x], [x])
    with pytest.raises(TypeError, match="condition must be a scalar"):
        ifelse(x, x, x)


def test_pp_and_debugprint():
    c = T.lscalar("c")
    x = T.dvector("x")
    out = ifelse(c, x * 2, x, name="double")
    assert theano.pp(out) == "ifelse(c, (x * TensorConstant{2}), x)"
    text = theano.printing.debugprint(out, file="str")
    assert text.splitlines()[0].rstrip() == "if{double} [id A] ''"
