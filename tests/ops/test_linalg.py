"""theano.tensor.nlinalg and slinalg against NumPy and SciPy: values, dtypes,
gradients (finite differences, Theano's definitions) and errors."""
import numpy as np
import pytest
import scipy.linalg

import tfgraph
import tfgraph.tensor as T
from tfgraph.compile.errors import ExecutionLinAlgError
from tfgraph.gradient import verify_grad
from tfgraph.tensor import nlinalg, slinalg

RNG = np.random.default_rng(7)


def spd(n, rng=RNG):
    m = rng.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def test_values_against_numpy_and_scipy():
    a, b, v = T.dmatrix("a"), T.dmatrix("b"), T.dvector("v")
    A, B = spd(4), spd(4)
    R = RNG.normal(size=(4, 3))
    V = RNG.normal(size=4)
    lower, upper = np.tril(A), np.triu(A)
    cases = [
        (nlinalg.matrix_inverse(a), np.linalg.inv(A)),
        (nlinalg.det(a), np.linalg.det(A)),
        (nlinalg.pinv(b[:, :3]), np.linalg.pinv(B[:, :3])),
        (nlinalg.trace(a), np.trace(A)),
        (nlinalg.diag(a), np.diag(A)),
        (nlinalg.diag(v), np.diag(V)),
        (nlinalg.matrix_dot(a, b, a), A @ B @ A),
        (nlinalg.matrix_power(a, 3), np.linalg.matrix_power(A, 3)),
        (nlinalg.norm(v, None), np.linalg.norm(V)),
        (nlinalg.norm(v, 3), np.linalg.norm(V, 3)),
        (nlinalg.norm(v, "inf"), np.linalg.norm(V, np.inf)),
        (nlinalg.norm(v, "-inf"), np.linalg.norm(V, -np.inf)),
        (nlinalg.norm(a, "fro"), np.linalg.norm(A, "fro")),
        (nlinalg.norm(a, "inf"), np.linalg.norm(A, np.inf)),
        (nlinalg.norm(a, -1), np.linalg.norm(A, -1)),
        (nlinalg.eigh(a)[0], np.linalg.eigh(A)[0]),
        (nlinalg.eigh(a, "U")[0], np.linalg.eigh(upper, "U")[0]),
        (nlinalg.svd(b, compute_uv=False), np.linalg.svd(B, compute_uv=False)),
        (nlinalg.qr(a, "r"), None),
        (nlinalg.tensorinv(T.reshape(a, (2, 2, 2, 2)), 2),
         np.linalg.tensorinv(A.reshape(2, 2, 2, 2), 2)),
        (nlinalg.tensorsolve(T.reshape(a, (2, 2, 4)), T.reshape(v, (2, 2))),
         np.linalg.tensorsolve(A.reshape(2, 2, 4), V.reshape(2, 2))),
        (slinalg.cholesky(a), scipy.linalg.cholesky(A, lower=True)),
        (slinalg.Cholesky(lower=False)(a), scipy.linalg.cholesky(A, lower=False)),
        (slinalg.solve(a, v), scipy.linalg.solve(A, V)),
        (slinalg.solve(a, b), scipy.linalg.solve(A, B)),
        (slinalg.solve_lower_triangular(T.tril(a), v), scipy.linalg.solve_triangular(lower, V, lower=True)),
        (slinalg.solve_upper_triangular(T.triu(a), b), scipy.linalg.solve_triangular(upper, B)),
        (slinalg.solve_triangular(T.triu(a), v, trans=1, unit_diagonal=True),
         scipy.linalg.solve_triangular(upper, V, trans=1, unit_diagonal=True)),
        (slinalg.eigvalsh(a, None), scipy.linalg.eigvalsh(A)),
        (slinalg.eigvalsh(a, b), scipy.linalg.eigvalsh(A, B)),
        (slinalg.eigvalsh(T.tril(a), T.tril(b)), scipy.linalg.eigvalsh(A, B)),
        (slinalg.expm(a / 4), scipy.linalg.expm(A / 4)),
        (slinalg.kron(a, b), np.kron(A, B)),  # scipy.linalg.kron, for matrices
        # Theano's kron of a vector and a matrix: a vector, rows of b outermost.
        (slinalg.kron(v, b), np.multiply.outer(V, B).transpose(1, 0, 2).ravel()),
    ]
    w, vectors = nlinalg.eigh(a)
    q, r = nlinalg.qr(b[:, :3])
    qc, rc = nlinalg.qr(b[:, :3], "complete")
    u, s, vt = nlinalg.svd(b[:, :3])
    ur, sr, vtr = nlinalg.svd(b[:, :3], full_matrices=False)
    ew, ev = nlinalg.eig(a)
    extra = [vectors, q, r, qc, rc, u, s, vt, ur, sr, vtr, ew, ev]
    f = tfgraph.function([a, b, v], [c[0] for c in cases] + extra)
    results = f(A, B, V)
    for (var, expected), result in zip(cases, results):
        assert result.dtype == var.dtype and result.ndim == var.ndim, var
        if expected is not None:
            np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-10, err_msg=str(var))
    vectors, q, r, qc, rc, u, s, vt, ur, sr, vtr, ew, ev = results[len(cases):]
    Bm = B[:, :3]
    np.testing.assert_allclose(A @ vectors, vectors * np.linalg.eigh(A)[0], atol=1e-9)
    np.testing.assert_allclose(q @ r, Bm, atol=1e-10)
    assert q.shape == (4, 3) and qc.shape == (4, 4) and rc.shape == (4, 3)
    np.testing.assert_allclose(qc @ rc, Bm, atol=1e-10)
    np.testing.assert_allclose(np.abs(r), np.abs(np.linalg.qr(Bm, "r")), atol=1e-10)
    assert u.shape == (4, 4) and vt.shape == (3, 3) and ur.shape == (4, 3)
    np.testing.assert_allclose(u[:, :3] * s @ vt, Bm, atol=1e-10)
    np.testing.assert_allclose(ur * sr @ vtr, Bm, atol=1e-10)
    np.testing.assert_allclose(np.sort(ew), np.sort(np.linalg.eigvals(A).real), atol=1e-9)
    np.testing.assert_allclose(A @ ev, ev * ew, atol=1e-9)


def test_dtypes_follow_theano():
    f32, i32 = T.fmatrix(), T.imatrix()
    assert nlinalg.matrix_inverse(f32).dtype == "float32"
    assert nlinalg.det(i32).dtype == "int32" and nlinalg.det(i32).ndim == 0
    assert [o.dtype for o in nlinalg.eigh(i32)] == ["float64", "int32"]
    assert [o.dtype for o in nlinalg.eigh(f32)] == ["float32", "float32"]
    assert slinalg.solve(f32, T.fvector()).dtype == "float32"
    assert slinalg.solve(i32, T.ivector()).dtype == "float64"
    assert slinalg.solve(f32, T.dmatrix()).dtype == "float64"
    assert slinalg.solve(f32, T.frow()).broadcastable == (True, False)
    # Theano: np.linalg.inv(x).astype(x.dtype) -- an integer matrix stays integer.
    x = T.imatrix("x")
    f = tfgraph.function([x], [nlinalg.matrix_inverse(x), nlinalg.det(x)])
    m = np.array([[2, 0], [0, 4]], dtype="int32")
    inverse, determinant = f(m)
    np.testing.assert_array_equal(inverse, np.linalg.inv(m).astype("int32"))
    # NumPy's det here is 7.999999999999998, which Theano's astype makes 7.
    assert determinant == np.asarray(np.linalg.det(m)).astype("int32")
    assert determinant.dtype == "int32"


def _sym(rng, n):
    return spd(n, rng)


@pytest.mark.parametrize("name, fun, make", [
    ("matrix_inverse", nlinalg.matrix_inverse, lambda r: [_sym(r, 3)]),
    ("det", nlinalg.det, lambda r: [r.normal(size=(3, 3))]),
    ("pinv", nlinalg.pinv, lambda r: [r.normal(size=(4, 3))]),
    ("trace", nlinalg.trace, lambda r: [r.normal(size=(3, 3))]),
    ("eigh values", lambda a: nlinalg.eigh(a)[0], lambda r: [_sym(r, 3)]),
    ("eigh vectors", lambda a: abs(nlinalg.eigh(a)[1]), lambda r: [_sym(r, 3)]),
    ("eigh upper", lambda a: nlinalg.eigh(a, "U")[0], lambda r: [_sym(r, 3)]),
    ("cholesky", slinalg.cholesky, lambda r: [_sym(r, 3)]),
    ("cholesky upper", slinalg.Cholesky(lower=False), lambda r: [_sym(r, 3)]),
    ("solve", slinalg.solve, lambda r: [_sym(r, 3), r.normal(size=(3, 2))]),
    ("solve vector", slinalg.solve, lambda r: [_sym(r, 3), r.normal(size=3)]),
    ("solve_lower_triangular", lambda a, b: slinalg.solve_lower_triangular(a, b),
     lambda r: [np.tril(_sym(r, 3)), r.normal(size=3)]),
    ("solve_upper_triangular", lambda a, b: slinalg.solve_upper_triangular(a, b),
     lambda r: [np.triu(_sym(r, 3)), r.normal(size=(3, 2))]),
    ("eigvalsh", lambda a: slinalg.eigvalsh(a, None), lambda r: [_sym(r, 3)]),
    ("eigvalsh generalized", lambda a, b: slinalg.eigvalsh(a, b),
     lambda r: [_sym(r, 3), _sym(r, 3)]),
    ("expm", slinalg.expm, lambda r: [r.normal(size=(3, 3)) / 3]),
    ("kron", slinalg.kron, lambda r: [r.normal(size=(2, 3)), r.normal(size=(3, 2))]),
    ("norm", lambda v: nlinalg.norm(v, 3), lambda r: [r.uniform(0.5, 2, size=4)]),
])
def test_gradients_against_finite_differences(name, fun, make):
    verify_grad(fun, make(np.random.default_rng(3)), rng=np.random.RandomState(2))


def test_cholesky_gradient_is_theanos_lower_triangle():
    """Only the lower triangle is read, so only it gets a gradient (TF's own
    gradient is symmetrised, and finite differences disagree with it)."""
    a = T.dmatrix("a")
    g = T.grad(slinalg.cholesky(a).sum(), a)
    grad = tfgraph.function([a], g)(spd(3))
    assert np.all(np.triu(grad, 1) == 0) and np.any(np.tril(grad, -1) != 0)


def test_singular_and_indefinite_matrices_raise_linalg_errors():
    a, v = T.dmatrix("a"), T.dvector("v")
    w = tfgraph.shared(np.ones(3), "w")
    step = tfgraph.function([a, v], [slinalg.solve(a, v), nlinalg.matrix_inverse(a),
                                     slinalg.cholesky(a)], updates=[(w, w * 2)])
    step(spd(3), np.ones(3))
    before = w.get_value()
    singular = np.array([[1.0, 2, 3], [2, 4, 6], [0, 0, 1]])
    # Three ops fail on it; which one TensorFlow's executor runs first varies.
    with pytest.raises(np.linalg.LinAlgError, match="[Ss]ingular|not positive definite"):
        step(singular, np.ones(3))
    with pytest.raises(ExecutionLinAlgError, match="not positive definite") as info:
        step(-spd(3), np.ones(3))
    assert "cholesky" in str(info.value)
    np.testing.assert_array_equal(w.get_value(), before)
    tri = tfgraph.function([a, v], slinalg.solve_lower_triangular(a, v))
    with pytest.raises(np.linalg.LinAlgError, match="singular matrix"):
        tri(np.tril(singular) * [[1], [0], [1]], np.ones(3))
    eager = tfgraph.function([a], slinalg.cholesky(a), mode="FAST_COMPILE")
    with pytest.raises(ExecutionLinAlgError, match="not positive definite\\.\n"):
        eager(-spd(2))
    nan = tfgraph.function([a], slinalg.Cholesky(on_error="nan")(a))
    assert np.isnan(nan(-spd(2))).all()
    with pytest.raises(np.linalg.LinAlgError, match="must be square"):
        tfgraph.function([a], nlinalg.det(a))(np.ones((2, 3)))


def test_build_errors_name_the_argument():
    with pytest.raises(TypeError, match="det: x must be a matrix"):
        nlinalg.det(T.dvector())
    with pytest.raises(ValueError, match="det: x must be a square matrix, got shape \\(2, 3\\)"):
        nlinalg.det(np.ones((2, 3)))
    with pytest.raises(TypeError, match="cholesky: x must be a matrix"):
        slinalg.cholesky(T.dtensor3())
    with pytest.raises(TypeError, match="solve: b must be a vector or a matrix"):
        slinalg.solve(T.dmatrix(), T.dtensor3())
    with pytest.raises(ValueError, match="solve: a must be a square matrix"):
        slinalg.solve(np.ones((2, 3)), T.dvector())
    with pytest.raises(ValueError, match="on_error"):
        slinalg.Cholesky(on_error="ignore")
    with pytest.raises(TypeError, match="kron: inputs dimensions must sum to 3"):
        slinalg.kron(T.dvector(), T.dvector())
    with pytest.raises(NotImplementedError, match="raw"):
        nlinalg.qr(T.dmatrix(), "raw")


def test_lstsq_against_numpy():
    x, y, Y = T.dmatrix("x"), T.dvector("y"), T.dmatrix("Y")
    f = tfgraph.function([x, y, Y], nlinalg.lstsq()(x, y, -1) + nlinalg.lstsq()(x, Y, 1e-10))
    X = RNG.normal(size=(6, 3))
    rank_deficient = np.hstack([X[:, :2], X[:, :1]])
    for matrix in (X, rank_deficient, X[:2]):
        vector, block = RNG.normal(size=len(matrix)), RNG.normal(size=(len(matrix), 2))
        results = f(matrix, vector, block)
        expected = (np.linalg.lstsq(matrix, vector, rcond=-1)
                    + np.linalg.lstsq(matrix, block, rcond=1e-10))
        for result, theirs in zip(results, expected):
            np.testing.assert_allclose(result, theirs, rtol=1e-8, atol=1e-10)


def test_eigvalsh_takes_none_const_for_the_standard_problem():
    # Theano 1.0.5 test_slinalg.py test_eigvalsh: eigvalsh(A, NoneConst).
    A = T.dmatrix("A")
    f = tfgraph.function([A], slinalg.eigvalsh(A, T.NoneConst))
    a = np.random.RandomState(0).randn(5, 5)
    a = a + a.T
    np.testing.assert_allclose(f(a), scipy.linalg.eigvalsh(a), rtol=1e-10, atol=1e-12)
