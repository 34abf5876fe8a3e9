"""theano.tensor.extra_ops against NumPy: values, dtypes, gradients (finite
differences) and errors."""
import numpy as np
import pytest

import tfgraph
import tfgraph.tensor as T
from tfgraph.compile.errors import ExecutionError
from tfgraph.gradient import verify_grad
from tfgraph.tensor import extra_ops

from conftest import assert_result

RNG = np.random.default_rng(14)


def test_values_against_numpy():
    x, v, i = T.dmatrix("x"), T.dvector("v"), T.lvector("i")
    b = T.bvector("b")
    X = RNG.normal(size=(3, 4))
    V = np.array([0.5, -1.0, 2.0, 0.5, 0.0, 2.0])
    I = np.array([3, 0, 2, 3, 1])
    B = np.array([1, 5, 3], dtype="int8")
    cases = [
        (extra_ops.cumsum(x), np.cumsum(X)),
        (extra_ops.cumsum(x, axis=1), np.cumsum(X, axis=1)),
        (extra_ops.cumprod(x, axis=0), np.cumprod(X, axis=0)),
        (extra_ops.cumprod(x, axis=-1), np.cumprod(X, axis=-1)),
        (extra_ops.cumsum(b), np.cumsum(B).astype("int8")),  # Theano keeps the dtype
        (extra_ops.diff(x), np.diff(X)),
        (extra_ops.diff(x, n=2, axis=0), np.diff(X, n=2, axis=0)),
        (extra_ops.bincount(i), np.bincount(I)),
        (extra_ops.bincount(i, minlength=7), np.bincount(I, minlength=7)),
        (extra_ops.bincount(i, weights=v[:5]), np.bincount(I, weights=V[:5])),
        (extra_ops.squeeze(T.shape_padleft(x[0])), X[0]),
        (extra_ops.repeat(x, 2, axis=1), np.repeat(X, 2, axis=1)),
        (extra_ops.repeat(x, 3), np.repeat(X, 3)),
        (extra_ops.repeat(v[:5], i), np.repeat(V[:5], I)),
        (extra_ops.searchsorted(T.sort(v), x), np.searchsorted(np.sort(V), X)),
        (extra_ops.searchsorted(v, x, side="right", sorter=T.argsort(v)),
         np.searchsorted(V, X, side="right", sorter=np.argsort(V, kind="stable"))),
        (extra_ops.fill_diagonal(x, 7.0), _np_fill_diagonal(X, 7.0)),
        (extra_ops.fill_diagonal(x.T, 7.0), _np_fill_diagonal(X.T, 7.0)),
        (extra_ops.fill_diagonal_offset(x, 7.0, 2), _np_fill_offset(X, 7.0, 2)),
        (extra_ops.fill_diagonal_offset(x, 7.0, -1), _np_fill_offset(X, 7.0, -1)),
        (extra_ops.to_one_hot(i, 5), np.eye(5)[I].astype(tfgraph.config.floatX)),
        (extra_ops.compress(v > 0, v), np.compress(V > 0, V)),
        (extra_ops.compress(v[:3] > 0, x, axis=1), np.compress(V[:3] > 0, X, axis=1)),
        (extra_ops.bartlett(7), np.bartlett(7)),
        (extra_ops.bartlett(1), np.bartlett(1)),
        (extra_ops.ravel_multi_index((i, i[::-1]), (4, 5)), np.ravel_multi_index((I, I[::-1]), (4, 5))),
        (extra_ops.ravel_multi_index((i, i), (3, 2), mode="clip", order="F"),
         np.ravel_multi_index((I, I), (3, 2), mode="clip", order="F")),
        (extra_ops.ravel_multi_index((i, i), (3, 2), mode="wrap"),
         np.ravel_multi_index((I, I), (3, 2), mode="wrap")),
    ]
    for k, (var, order) in enumerate([(extra_ops.unravel_index(i, (2, 3)), "C"),
                                      (extra_ops.unravel_index(i, (3, 2), order="F"), "F")]):
        shape = (2, 3) if order == "C" else (3, 2)
        cases += list(zip(var, np.unravel_index(I, shape, order=order)))
    for flags in [(False, False, False), (True, True, True), (False, True, False)]:
        ours = extra_ops.unique(v, *flags)
        ours = ours if isinstance(ours, list) else [ours]
        theirs = np.unique(V, *flags)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        cases += list(zip(ours, [np.asarray(t, dtype=o.dtype) for o, t in zip(ours, theirs)]))
    f = tfgraph.function([x, v, i, b], [c[0] for c in cases], on_unused_input="ignore")
    for (var, expected), result in zip(cases, f(X, V, I, B)):
        assert_result(var, result, expected)


def _np_fill_diagonal(a, val):
    a = a.copy()
    n = min(a.shape)
    a[np.arange(n), np.arange(n)] = val
    return a


def _np_fill_offset(a, val, offset):
    a = a.copy()
    rows, cols = np.indices(a.shape)
    a[cols - rows == offset] = val
    return a


def test_fill_diagonal_of_a_cube_and_methods():
    c = T.dtensor3("c")
    x = T.dvector("x")
    C = RNG.normal(size=(3, 3, 3))
    expected = C.copy()
    np.fill_diagonal(expected, -1.0)
    f = tfgraph.function([c, x], [extra_ops.fill_diagonal(c, -1.0), x.cumsum(), x.cumprod(),
                                   T.sort(x).searchsorted(0.1), x.repeat(2),
                                   (x > 0).compress(x)])  # Theano: self is the condition
    X = np.array([0.5, -2.0, 3.0])
    cube, cs, cp, ss, rep, comp = f(C, X)
    np.testing.assert_array_equal(cube, expected)
    np.testing.assert_allclose(cs, np.cumsum(X))
    np.testing.assert_allclose(cp, np.cumprod(X))
    assert ss == np.searchsorted(np.sort(X), 0.1)
    np.testing.assert_array_equal(rep, np.repeat(X, 2))
    np.testing.assert_array_equal(comp, X[X > 0])


def test_types():
    x = T.fmatrix("x")
    assert extra_ops.cumsum(x).type == T.fvector().type
    assert extra_ops.cumsum(x, axis=0).type == x.type
    assert extra_ops.searchsorted(T.fvector(), x).dtype == "int64"
    assert extra_ops.to_one_hot(T.ivector(), 3, dtype="int8").dtype == "int8"
    assert extra_ops.unique(x, True, True, True)[0].type == T.fvector().type
    assert extra_ops.bartlett(3).dtype == "float64"
    r = T.frow("r")
    assert extra_ops.repeat(r, 1, axis=0).broadcastable == (True, False)
    assert extra_ops.repeat(r, 2, axis=0).broadcastable == (False, False)
    assert extra_ops.CumsumOp is extra_ops.CumOp
    assert T.cumsum is extra_ops.cumsum and T.DiffOp is extra_ops.DiffOp


@pytest.mark.parametrize("fun, pt", [
    (lambda x: extra_ops.cumsum(x, axis=1), [RNG.normal(size=(3, 4))]),
    (lambda x: extra_ops.cumsum(x), [RNG.normal(size=(3, 4))]),
    (lambda x: extra_ops.cumprod(x, axis=0), [RNG.uniform(0.5, 2, size=(3, 4))]),
    (lambda x: extra_ops.diff(x, n=2), [RNG.normal(size=(6,))]),
    (lambda x: extra_ops.repeat(x, 3, axis=0), [RNG.normal(size=(2, 3))]),
    (lambda a, v: extra_ops.fill_diagonal(a, v), [RNG.normal(size=(3, 4)), np.array(0.7)]),
    (lambda a, v: extra_ops.fill_diagonal_offset(a, v, -1), [RNG.normal(size=(4, 3)), np.array(0.7)]),
])
def test_gradients(fun, pt):
    verify_grad(fun, pt, rng=np.random.RandomState(1))


def test_build_errors_name_the_argument():
    with pytest.raises(TypeError, match="bincount: x must be a vector"):
        extra_ops.bincount(T.lmatrix())
    with pytest.raises(ValueError, match="axis"):
        extra_ops.cumsum(T.dmatrix(), axis=2)
    with pytest.raises(TypeError, match="fill_diagonal: a must have at least two"):
        extra_ops.fill_diagonal(T.dvector(), 1.0)
    with pytest.raises(TypeError, match="val .* must not be an upcast"):
        extra_ops.fill_diagonal(T.fmatrix(), T.dscalar())
    with pytest.raises(TypeError, match="repeats must have an integer dtype"):
        extra_ops.repeat(T.dvector(), T.dscalar())
    with pytest.raises(TypeError, match="searchsorted: x must be a vector"):
        extra_ops.searchsorted(T.dmatrix(), 1.0)
    with pytest.raises(TypeError, match="dims must be a 1D array"):
        extra_ops.unravel_index(T.lvector(), T.lmatrix(), ndim=2)
    with pytest.raises(ValueError, match="pass ndim="):
        extra_ops.unravel_index(T.lvector(), T.lvector())
    with pytest.raises(TypeError, match="multi_index must be a tuple"):
        extra_ops.ravel_multi_index(T.lvector(), (2, 2))


def test_run_time_errors_leave_shared_variables_alone():
    i = T.lvector("i")
    counter = tfgraph.shared(np.int64(0), "counter")
    f = tfgraph.function([i], [extra_ops.ravel_multi_index((i,), (3,)),
                               extra_ops.unravel_index(i, (3,))[0],
                               extra_ops.bincount(i, assert_nonneg=True)],
                         updates=[(counter, counter + 1)])
    f([0, 2])
    for bad, words in [([3], "invalid entry in coordinates array"),
                       ([-1], "invalid entry|out of bounds|negative values")]:
        with pytest.raises(ExecutionError, match=words):
            f(bad)
    assert counter.get_value() == 1
