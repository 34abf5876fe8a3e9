"""The rest of theano.tensor's namespace against NumPy/SciPy: special
functions, sorting, array manipulation, tolerant comparisons, xlogx; with
gradients against finite differences and Theano's definitions."""
import numpy as np
import pytest
import scipy.special
import scipy.stats

import tfgraph
import tfgraph.tensor as T
from tfgraph.gradient import verify_grad
from tfgraph.ops.special import OPS as SPECIAL, TABLE

from conftest import assert_result

RNG = np.random.default_rng(21)


def _reference(name):
    custom = {
        "tri_gamma": lambda x: scipy.special.polygamma(1, x),
        "gammau": lambda k, x: scipy.special.gammaincc(k, x) * scipy.special.gamma(k),
        "gammal": lambda k, x: scipy.special.gammainc(k, x) * scipy.special.gamma(k),
        "complex": lambda re, im: re + 1j * im,
        "complex_from_polar": lambda r, t: r * np.exp(1j * t),
        "xlogx": lambda x: scipy.special.xlogy(x, x),
    }
    if name in custom:
        return custom[name]
    module, _, attribute = TABLE_REFERENCES[name].rpartition(".")
    target = {"numpy": np, "scipy.special": scipy.special, "scipy.stats.chi2": scipy.stats.chi2}
    return getattr(target[module], attribute)


TABLE_REFERENCES = {row[0]: row[5] for row in TABLE}
DOMAINS = {"arccosh": (1.1, 5), "arctanh": (-0.9, 0.9), "erfinv": (-0.95, 0.95),
           "erfcinv": (0.05, 1.95), "gammaln": (0.1, 8), "psi": (0.1, 8), "tri_gamma": (0.1, 8),
           "chi2sf": (0.1, 8), "gammainc": (0.2, 5), "gammaincc": (0.2, 5), "gammau": (0.2, 5),
           "gammal": (0.2, 5), "xlogx": (0, 3), "xlogy0": (0, 3), "i0": (-3, 3), "i1": (-3, 3),
           "complex_from_polar": (0.1, 3)}


def test_every_special_function_against_scipy_in_float64_and_float32():
    """One function computes every row of the table on float64 and float32
    inputs; each matches its SciPy/NumPy reference, in the dtype Theano gives."""
    inputs, outputs, rows = [], [], []
    for name, _, _, _, nin, _ in TABLE:
        for dtype in ("float64", "float32"):
            args = [T.TensorType(dtype, (False,))(f"{name}_{dtype}_{k}") for k in range(nin)]
            inputs += args
            outputs.append(SPECIAL[name](*args))
            rows.append((name, dtype, nin))
    values = []
    for name, dtype, nin in rows:
        lo, hi = DOMAINS.get(name, (-3, 3))
        values += [RNG.uniform(lo, hi, size=7).astype(dtype) for _ in range(nin)]
    values_iter = iter(values)
    args_of = [[next(values_iter) for _ in range(nin)] for _, _, nin in rows]
    f = tfgraph.function(inputs, outputs)
    for (name, dtype, nin), var, args, result in zip(rows, outputs, args_of, f(*values)):
        with np.errstate(all="ignore"):
            expected = _reference(name)(*[a.astype("float64") for a in args])
        expected = np.asarray(expected).astype(var.dtype)
        rtol = 2e-4 if dtype == "float32" else 1e-9
        assert result.dtype == var.dtype, name
        np.testing.assert_allclose(result, expected, rtol=rtol, atol=rtol, err_msg=name)


def test_special_dtype_rules():
    assert T.erfinv(T.ivector()).dtype == "float64"
    assert T.gamma(T.bvector()).dtype == "float32"
    assert T.chi2sf(T.fvector(), T.fvector()).dtype == "float64"   # upgrade_to_float64
    assert T.real(T.cvector()).dtype == "float32" and T.imag(T.zvector()).dtype == "float64"
    assert T.angle(T.fvector()).dtype == "float64"
    assert T.complex(T.fvector(), T.fvector()).dtype == "complex64"
    assert T.complex(T.fvector(), T.dvector()).dtype == "complex128"
    with pytest.raises(TypeError, match="complex"):
        T.erfc(T.cvector())


def test_large_arguments_stay_finite():
    x = T.dvector("x")
    f = tfgraph.function([x], [T.erfcx(x), T.gamma(x)])
    big = np.array([10.0, 30.0, 1e3, 1e8])
    erfcx, _ = f(big)
    np.testing.assert_allclose(erfcx, scipy.special.erfcx(big), rtol=1e-12)
    _, gamma = f(np.array([-0.5, -1.5, -2.5, 0.0]))
    np.testing.assert_allclose(gamma, scipy.special.gamma([-0.5, -1.5, -2.5, 0.0]), rtol=1e-12)


@pytest.mark.parametrize("name, lo, hi", [
    ("erfc", -2, 2), ("erfcx", -2, 2), ("erfinv", -0.9, 0.9), ("erfcinv", 0.1, 1.9),
    ("gamma", 0.5, 4), ("gammaln", 0.5, 4), ("psi", 0.5, 4), ("tri_gamma", 0.5, 4),
    ("j0", -3, 3), ("j1", -3, 3), ("i0", -3, 3), ("i1", -3, 3), ("arcsinh", -2, 2),
    ("arctan2", 0.5, 2), ("xlogx", 0.2, 3), ("xlogy0", 0.2, 3),
])
def test_special_gradients(name, lo, hi):
    op = SPECIAL[name]
    pt = [np.random.default_rng(5).uniform(lo, hi, size=4) for _ in range(op.nin)]
    verify_grad(op, pt, rng=np.random.RandomState(0))


def test_xlogx_gradients_follow_theano_at_zero():
    """Theano's XlogY0: d/dx x log(y) = log(y) even at x = 0 (TensorFlow's
    xlogy gives 0 there); XlogX: 1 + log(x), -inf at 0."""
    x, y = T.dvector("x"), T.dvector("y")
    gx = T.grad(T.xlogx.xlogy0(x, y).sum(), x)
    gxx = T.grad(T.xlogx.xlogx(x).sum(), x)
    f = tfgraph.function([x, y], [T.xlogx.xlogy0(x, y), gx, gxx])
    value, grad, grad_xx = f([0.0, 2.0], [3.0, 5.0])
    np.testing.assert_allclose(value, [0.0, 2 * np.log(5)])
    np.testing.assert_allclose(grad, np.log([3.0, 5.0]))
    assert grad_xx[0] == -np.inf and np.isclose(grad_xx[1], 1 + np.log(2))


def test_sorting_against_numpy():
    x, v = T.dmatrix("x"), T.dvector("v")
    X = RNG.normal(size=(4, 5))
    V = np.array([3.0, -1.0, 2.0, 7.0, 0.5])
    b = T.bvector("b")
    B = np.array([3, -2, 3, 0], dtype="int8")
    cases = [
        (T.sort(x), np.sort(X)), (T.sort(x, axis=0), np.sort(X, axis=0)),
        (T.sort(x, axis=None), np.sort(X, axis=None)),
        (T.argsort(x), np.argsort(X, kind="stable")),
        (T.argsort(x, axis=0), np.argsort(X, axis=0, kind="stable")),
        (x.sort(axis=1), np.sort(X, axis=1)), (v.argsort(), np.argsort(V)),
        (T.sort(b), np.sort(B)), (T.argsort(b), np.argsort(B, kind="stable")),
        (T.topk(v, 2), np.array([7.0, 3.0])), (T.topk(v, -2), np.array([-1.0, 0.5])),
        (T.argtopk(v, 3), np.array([3, 0, 2])), (T.topk(x, 1, axis=0), np.max(X, 0, keepdims=True)),
        (T.topk(b, 2), np.array([3, 3], dtype="int8")),
    ]
    f = tfgraph.function([x, v, b], [c[0] for c in cases])
    for (var, expected), result in zip(cases, f(X, V, B)):
        assert_result(var, result, np.asarray(expected).astype(var.dtype))
    values, indices = T.topk_and_argtopk(v, -1)
    assert indices.dtype == "int64"


def test_sort_and_topk_gradients():
    verify_grad(lambda x: T.sort(x, axis=0) * np.arange(12.0).reshape(3, 4),
                [RNG.normal(size=(3, 4))], rng=np.random.RandomState(0))
    verify_grad(lambda x: T.topk(x, 2), [RNG.normal(size=(6,))], rng=np.random.RandomState(0))


def test_array_functions_against_numpy():
    x, v, i = T.dmatrix("x"), T.dvector("v"), T.lvector("i")
    X = RNG.normal(size=(3, 4))
    V = np.array([0.0, 1.5, -2.0, 0.0, 4.0])
    I = np.array([1, 0, 2, 2])
    cases = [
        (T.tile(x, (2, 3)), np.tile(X, (2, 3))), (T.tile(v, 2), np.tile(V, 2)),
        (T.tile(x, (2, 1, 1)), np.tile(X, (2, 1, 1))),
        (T.roll(v, 2), np.roll(V, 2)), (T.roll(x, -1, axis=1), np.roll(X, -1, axis=1)),
        (T.roll(x, 5), np.roll(X, 5)),
        (T.tril(x), np.tril(X)), (T.triu(x, 1), np.triu(X, 1)), (T.tril(x, -1), np.tril(X, -1)),
        (T.tri(3, 4, 1, dtype="int8"), np.tri(3, 4, 1, dtype="int8")),
        (T.nonzero(v)[0], np.nonzero(V)[0]), (T.nonzero(x > 0)[1], np.nonzero(X > 0)[1]),
        (T.nonzero(x > 0, return_matrix=True), np.array(np.nonzero(X > 0))),
        (T.flatnonzero(x > 0), np.flatnonzero(X > 0)), (T.nonzero_values(v), V[V != 0]),
        (T.mgrid[0:3, 1:5:2][0], np.mgrid[0:3, 1:5:2][0]),
        (T.mgrid[0:3, 1:5:2][1], np.mgrid[0:3, 1:5:2][1]),
        (T.ogrid[0:3, 0:2][1], np.ogrid[0:3, 0:2][1]),
        (T.split(v, [2, 3], 2)[1], V[2:]), (T.split(x, [1, 3], 2, axis=1)[1], X[:, 1:]),
        (T.join(1, x, x), np.concatenate([X, X], 1)),
        (T.stacklists([[v, v], [v, v]]), np.array([[V, V], [V, V]])),
        (T.horizontal_stack(x, x), np.hstack([X, X])), (T.vertical_stack(x, x), np.vstack([X, X])),
        (T.largest(x, 0.1), np.maximum(X, 0.1)), (T.smallest(x, -x, 0.2 * x), np.minimum.reduce([X, -X, 0.2 * X])),
        (T.ptp(x, axis=1), np.ptp(X, axis=1)), (T.ptp(x), np.ptp(X)),
        (T.isclose(v, v + 1e-9), np.isclose(V, V + 1e-9)),
        (T.allclose(v, v * 1.1), np.allclose(V, V * 1.1)),
        (T.choose(i, [v[:4], -v[:4], 2 * v[:4]]), np.choose(I, [V[:4], -V[:4], 2 * V[:4]])),
        (T.choose(i + 1, x[:3, :4], mode="wrap"), np.choose(I + 1, X[:3, :4], mode="wrap")),
        (T.choose(i + 1, x[:3, :4], mode="clip"), np.choose(I + 1, X[:3, :4], mode="clip")),
        (T.diagonal(x, 1), np.diagonal(X, 1)), (T.diag(x, -1), np.diag(X, -1)),
        (T.diag(v, 1), np.diag(V, 1)), (x.diagonal(), np.diagonal(X)), (x.trace(), np.trace(X)),
        (T.swapaxes(x, 0, 1), X.T), (T.shape_padaxis(v, 1), V[:, None]),
        (T.shape_padleft(v, 2), V[None, None]), (T.shape_padright(v), V[:, None]),
        (T.iround(v / 4), np.sign(V / 4) * np.floor(np.abs(V / 4) + 0.5)),  # half away from 0
        (T.ceil_intdiv(i, 2), -(-I // 2)), (T.divmod(i, 3)[1], I % 3),
        (T.bitwise_and(i, 3), I & 3), (T.bitwise_not(i), ~I), (T.square(v), V ** 2),
        (T.power(v, 2), V ** 2), (T.inverse_permutation(T.argsort(v)), np.argsort(np.argsort(V, kind="stable"))),
        (T.cov(x), np.cov(X)), (T.cov(x, rowvar=False, bias=True), np.cov(X, rowvar=False, bias=True)),
        (x.take(i[:3], axis=1), X.take(I[:3], axis=1)), (T.take(x, i, mode="wrap"), X.take(I, mode="wrap")),
        (x.ptp(0), np.ptp(X, 0)), (v.cumsum(), np.cumsum(V)), (x.swapaxes(0, 1), X.T),
        (x.ravel(), X.ravel()), (x.norm(2, axis=0), np.linalg.norm(X, axis=0)),
        (v.arcsinh(), np.arcsinh(V)), (v.trunc(), np.trunc(V)), (v.exp2(), np.exp2(V)),
        (T.max_and_argmax(x, 1)[1], X.argmax(1)),
        (T.addbroadcast(x[:1], 0), X[:1]), (T.patternbroadcast(x, (False, False)), X),
    ]
    f = tfgraph.function([x, v, i], [c[0] for c in cases])
    for (var, expected), result in zip(cases, f(X, V, I)):
        expected = np.asarray(expected)
        if expected.dtype != var.dtype:
            expected = expected.astype(var.dtype)
        assert_result(var, result, expected)


def test_array_function_gradients():
    rs = np.random.RandomState(0)
    for fun, pt in [
        (lambda x: T.tile(x, (2, 3)), [RNG.normal(size=(2, 3))]),
        (lambda x: T.roll(x, 1, axis=1), [RNG.normal(size=(2, 3))]),
        (lambda x: T.tril(x) + T.triu(x, 2) * 3, [RNG.normal(size=(3, 3))]),
        (lambda x: T.diagonal(x, 1) + T.diag(T.diag(x)).sum(), [RNG.normal(size=(3, 4))]),
        (lambda x: T.split(x, [1, 2], 2)[1] * 2, [RNG.normal(size=(3,))]),
        (lambda x, y: T.choose(np.array([0, 1, 1]), [x, y]), [RNG.normal(size=3), RNG.normal(size=3)]),
        (lambda x: T.ptp(x, axis=0), [RNG.normal(size=(3, 4))]),
    ]:
        verify_grad(fun, pt, rng=rs)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="ndim should be equal or larger"):
        T.tile(T.dmatrix(), (2,), ndim=1)
    with pytest.raises(TypeError, match="choose: a must have an integer dtype"):
        T.choose(T.dvector(), [T.dvector()])
    with pytest.raises(ValueError, match="Nonzero only supports non-scalar"):
        T.flatnonzero(T.dscalar())
    with pytest.raises(ValueError, match="sort: axis 2 is out of range"):
        T.sort(T.dmatrix(), axis=2)
    with pytest.raises(TypeError, match="split: splits_size must be an integer vector"):
        T.split(T.dvector(), T.dvector(), 2)
    x, sizes = T.dvector("x"), T.lvector("sizes")
    shared = tfgraph.shared(np.zeros(2), "s")
    f = tfgraph.function([x, sizes], T.split(x, sizes, 2)[0], updates=[(shared, shared + 1)])
    with pytest.raises(ValueError, match="sizes must add up"):
        f(np.ones(4), [1, 2])
    k = T.lscalar("k")
    g = tfgraph.function([x, k], T.topk(x, k), updates=[(shared, shared + 1)])
    with pytest.raises(ValueError, match="kth cannot be larger"):
        g(np.ones(3), 5)
    r = tfgraph.function([x], T.addbroadcast(T.shape_padleft(x), 1))
    with pytest.raises(ValueError, match="must have length 1"):
        r(np.ones(3))
    np.testing.assert_array_equal(shared.get_value(), np.zeros(2))


def test_namespace_names():
    for name in ("sort argsort topk argtopk tile roll split join stacklists triu tril tri nonzero "
                 "nonzero_values flatnonzero mgrid ogrid erf erfc erfinv erfcinv erfcx gamma "
                 "gammaln psi tri_gamma chi2sf j0 j1 i0 i1 largest smallest ptp mod int_div "
                 "bitwise_and bitwise_or bitwise_xor bitwise_not isnan isinf isclose allclose "
                 "choose diagonal diag extra_ops nlinalg slinalg xlogx cumsum repeat "
                 "fill_diagonal bincount squeeze get_scalar_constant_value").split():
        assert hasattr(T, name), name
    assert T.get_scalar_constant_value(T.constant(3)) == 3
    assert T.get_scalar_constant_value(T.cast(T.constant(2.5), "float32")) == np.float32(2.5)
    with pytest.raises(T.NotScalarConstantError):
        T.get_scalar_constant_value(T.dscalar())
    assert T.get_vector_length(T.dmatrix().shape) == 2


def test_dtype_lists_constructors_and_functional_indexing():
    assert "float32" in T.float_dtypes and "uint8" in T.discrete_dtypes
    assert set(T.all_dtypes) == set(T.discrete_dtypes) | set(T.continuous_dtypes)
    assert T.fvector().type in T.float_vector_types and T.imatrix().type in T.int_matrix_types
    assert T.tensor7("t", dtype="int8").ndim == 7 and T.dtensor6().dtype == "float64"
    x, i = T.dvector("x"), T.lvector("i")
    X, I = np.array([1.0, 2.0, 3.0]), np.array([2, 2, 0])
    outs = [T.advanced_subtensor1(x, i), T.advanced_inc_subtensor1(x, 1.0, i),
            T.advanced_set_subtensor1(x, 0.0, i), T.tensor_copy(x),
            T.round_half_to_even(x / 2), T.round_half_away_from_zero(x / 2)]
    f = tfgraph.function([x, i], outs)
    sub, inc, set_, copy, even, away = f(X, I)
    expected_inc = X.copy()
    np.add.at(expected_inc, I, 1.0)
    np.testing.assert_array_equal(sub, X[I])
    np.testing.assert_array_equal(inc, expected_inc)
    np.testing.assert_array_equal(set_, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(copy, X)
    np.testing.assert_array_equal(even, np.round(X / 2))
    np.testing.assert_array_equal(away, [1.0, 1.0, 2.0])


def test_batched_tensordot_against_numpy():
    a, b = T.dtensor4("a"), T.dtensor3("b")
    A, B = RNG.normal(size=(2, 3, 4, 5)), RNG.normal(size=(2, 5, 3))
    outs = [T.batched_tensordot(a, b, [[1, 3], [2, 1]]), T.batched_tensordot(a, b, 1)]
    f = tfgraph.function([a, b], outs)
    pairs, last = f(A, B)
    np.testing.assert_allclose(pairs, np.einsum("bijk,bki->bj", A, B), rtol=1e-12)
    np.testing.assert_allclose(last, np.einsum("bijk,bkl->bijl", A, B), rtol=1e-12)
    assert outs[1].ndim == 4
    verify_grad(lambda x, y: T.batched_tensordot(x, y, [[1, 3], [2, 1]]),
                [A[:, :2, :2, :3], B[:, :3, :2]], rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="batch axis 0"):
        T.batched_tensordot(a, b, [[0], [0]])
