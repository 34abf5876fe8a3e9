"""theano.sparse on TensorFlow: each op against scipy.sparse (with random
shapes, densities, formats and dtypes), gradients against Theano's rules and
finite differences, shared sparse matrices, and the errors bad input gets."""
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import sparse
from tfgraph.compile.errors import ExecutionIndexError, ExecutionValueError
from tfgraph.gradient import NullTypeGradError
from tfgraph.sparse.type import SparseTypeError

from conftest import HYPOTHESIS

FORMATS = ["csr", "csc"]


def random_matrix(rng, shape, density, format="csr", dtype="float64", low=-2.0, high=2.0):
    """A SciPy matrix of ``format`` with about ``density`` of its places stored."""
    where = rng.random_sample(shape) < density
    values = rng.uniform(low, high, size=shape)
    if np.dtype(dtype).kind in "iu":
        values = rng.randint(1, 9, size=shape)
    return sp.csr_matrix(np.where(where, values, 0).astype(dtype)).asformat(format)


def unsorted_with_zero(format):
    """A matrix whose indices are out of order within a row (column), with an
    explicit zero and a duplicate, as SciPy allows."""
    cls = sp.csr_matrix if format == "csr" else sp.csc_matrix
    data = np.array([3.0, 0.0, 1.0, 2.0, 5.0, 4.0])
    indices = np.array([2, 0, 1, 3, 1, 1], dtype="int32")
    indptr = np.array([0, 3, 3, 6], dtype="int32")
    shape = (3, 4) if format == "csr" else (4, 3)
    return cls((data, indices, indptr), shape=shape)


def same_arrays(result, expected):
    """``result`` is a SciPy matrix of ``expected``'s format and dtype with
    the same stored arrays."""
    assert type(result) is type(expected), (type(result), type(expected))
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result.indptr, expected.indptr)
    np.testing.assert_array_equal(result.indices, expected.indices)
    np.testing.assert_array_equal(result.data, expected.data)


def same_matrix(result, expected, format=None, rtol=1e-10):
    """``result`` is a SciPy matrix (of ``format``) equal to ``expected`` in value and dtype."""
    assert sp.issparse(result), type(result)
    if format is not None:
        assert result.format == format, (result.format, format)
    assert result.dtype == np.asarray(expected.toarray() if sp.issparse(expected)
                                      else expected).dtype
    expected = expected.toarray() if sp.issparse(expected) else np.asarray(expected)
    np.testing.assert_allclose(result.toarray(), expected, rtol=rtol, atol=1e-12)


matrices = st.builds(lambda seed, rows, cols, density: (seed, (rows, cols), density),
                     st.integers(0, 2 ** 31), st.integers(1, 7), st.integers(1, 7),
                     st.sampled_from([0.0, 0.2, 0.5, 1.0]))


# --- types, variables, values crossing the boundary -----------------------------------

def test_types_and_constructors_are_theanos():
    x = sparse.csr_matrix("x", dtype="float32")
    assert x.type == sparse.csr_fmatrix and x.type != sparse.csc_fmatrix
    assert str(x.type) == "Sparse[float32, csr]" and str(x) == "x"
    assert str(sparse.csr_fmatrix()) == "SparseVariable{csr,float32}"
    assert theano.pp(sparse.structured_dot(x, T.fmatrix("W"))) == "StructuredDot(x, W)"
    assert x.format == "csr" and x.ndim == 2 and x.dtype == "float32"
    assert sparse.csc_matrix().type == sparse.SparseType("csc", theano.config.floatX)
    assert sparse.csc_dmatrix("y").type.dtype == "float64"
    assert hash(sparse.SparseType("csr", "int8")) == hash(sparse.SparseType("csr", "int8"))
    with pytest.raises(NotImplementedError, match="unsupported dtype"):
        sparse.SparseType("csr", "bool")
    with pytest.raises(NotImplementedError, match="unsupported format"):
        sparse.SparseType("coo", "float64")
    assert sparse.bsr_matrix("b").type.format == "bsr"
    assert sparse.enable_sparse and sparse.shared is sparse.sparse_constructor


def test_filter_follows_theano():
    t = sparse.csr_dmatrix
    m = sp.csr_matrix(np.eye(3))
    assert t.filter(m) is m
    # Not strict: SciPy converts another format or a dense array (the dtype must match).
    converted = t.filter(sp.csc_matrix(np.eye(3)))
    assert isinstance(converted, sp.csr_matrix) and (converted != m).nnz == 0
    assert isinstance(t.filter(np.eye(3)), sp.csr_matrix)
    with pytest.raises(SparseTypeError, match="Expected float64 dtype but got float32"):
        t.filter(sp.csr_matrix(np.eye(3, dtype="float32")))
    assert issubclass(SparseTypeError, TypeError) and issubclass(SparseTypeError,
                                                                 NotImplementedError)
    assert t.filter(sp.csr_matrix(np.eye(3, dtype="float32")), allow_downcast=True).dtype == \
        "float64"
    with pytest.raises(TypeError, match="strict"):
        t.filter(sp.csc_matrix(np.eye(3)), strict=True)
    with pytest.raises(TypeError, match="cannot make a csr matrix"):
        t.filter(np.zeros((2, 2, 2)))
    assert t.values_eq(m, m.copy()) and not t.values_eq(m, 2 * m)
    assert t.values_eq_approx(m, m + sp.csr_matrix(np.eye(3) * 1e-9))
    assert t.is_valid_value(m) and not t.is_valid_value(m.tocsc())


def test_bad_arguments_are_refused_naming_the_input():
    x = sparse.csr_matrix("x", dtype="float64")
    f = theano.function([x], sparse.dense_from_sparse(x), name="f")
    with pytest.raises(TypeError, match=r'Bad input argument with name "x" to function "f" at '
                                        r'index 0 \(0-based\): Expected float64 dtype'):
        f(sp.csr_matrix(np.eye(2, dtype="int64")))
    with pytest.raises(TypeError, match='name "x".*cannot make a csr matrix'):
        f("not a matrix")
    with pytest.raises(TypeError, match='name "x".*cannot make a csr matrix'):
        f(np.ones((2, 2, 2)))
    strict = theano.function([theano.In(x, strict=True)], sparse.dense_from_sparse(x))
    with pytest.raises(TypeError, match='name "x".*is not a csr matrix.*strict'):
        strict(sp.csc_matrix(np.eye(2)))
    with pytest.raises(TypeError, match='name "x".*is not a csr matrix.*strict'):
        strict(np.eye(2))
    # What Theano's filter accepts: another format or a dense array of the dtype.
    np.testing.assert_array_equal(f(sp.csc_matrix(np.eye(2))), np.eye(2))
    np.testing.assert_array_equal(f(np.eye(2)), np.eye(2))


@pytest.mark.parametrize("format", FORMATS)
def test_a_matrix_goes_in_and_out_as_stored(format):
    x = sparse.matrix(format, "x", dtype="float64")
    f = theano.function([x], [x, sparse.csm_data(x), sparse.csm_indices(x),
                              sparse.csm_indptr(x), sparse.csm_shape(x)])
    m = unsorted_with_zero(format)
    out, data, indices, indptr, shape = f(m)
    same_arrays(out, m)  # explicit zero, duplicate and order kept
    np.testing.assert_array_equal(data, m.data)
    assert indices.dtype == indptr.dtype == shape.dtype == "int32"
    np.testing.assert_array_equal(indices, m.indices)
    np.testing.assert_array_equal(shape, m.shape)
    assert out.data is not m.data  # the caller's own copy
    empty = sp.csr_matrix((0, 5)).asformat(format)
    same_arrays(f(empty)[0], empty)


@pytest.mark.parametrize("executable", ["Traced", "Eager", "Xla", "Auto"])
def test_every_executable_takes_and_returns_matrices(executable):
    x = sparse.csr_matrix("x", dtype="float64")
    w = T.dmatrix("w")
    s = theano.shared(sp.csc_matrix(np.eye(3)), name="s")
    mode = {"Traced": theano.compile.Mode(jit_compile=False), "Eager": "FAST_COMPILE",
            "Xla": theano.compile.Mode(jit_compile=True), "Auto": None}[executable]
    f = theano.function([x, w], [sparse.structured_dot(x, w), x * 2, s],
                        updates=[(s, s * 2)], mode=mode)
    assert type(f.executable).__name__ == executable
    m = unsorted_with_zero("csr")
    for rows in (4, 5, 4):   # Auto times each shape; Traced takes any
        b = np.arange(rows * 2.0).reshape(rows, 2)
        matrix = m if rows == 4 else sp.csr_matrix(np.arange(rows * rows, dtype="float64")
                                                   .reshape(rows, rows))
        product, doubled, before = f(matrix, b)
        np.testing.assert_allclose(product, matrix @ b)
        same_matrix(doubled, 2 * matrix, "csr")
    same_matrix(before, sp.csc_matrix(np.eye(3) * 4), "csc")
    same_matrix(s.get_value(), sp.csc_matrix(np.eye(3) * 8), "csc")


def test_a_failing_call_names_the_sparse_input_and_changes_nothing():
    x = sparse.csr_matrix("x", dtype="float64")
    w = T.dmatrix("w")
    s = theano.shared(sp.csr_matrix(np.eye(2)), name="s")
    f = theano.function([x, w], sparse.structured_dot(x, w), updates=[(s, s * 2)], name="f")
    with pytest.raises(ValueError, match=r"(?s)function \"f\".*Inputs it depends on: x \(index "
                                         r"0\): <Compressed Sparse Row"):
        f(sp.csr_matrix(np.eye(2)), np.ones((3, 2)))   # 2 columns times 3 rows
    same_matrix(s.get_value(), sp.csr_matrix(np.eye(2)), "csr")


def test_meshes_loops_and_export_refuse_sparse_values_naming_them(tmp_path):
    from tfgraph import distribute
    x = sparse.csr_matrix("x", dtype="float64")
    v = T.dvector("v")
    with distribute.mesh(batch=1):   # one device: this process's TensorFlow has started
        with pytest.raises(TypeError, match=r"function 'f': a mesh of devices takes dense "
                                            r"tensors only, but input x \(index 0\) is "
                                            r"Sparse\[float64, csr\]"):
            theano.function([x], sparse.dense_from_sparse(x), name="f")
        with pytest.raises(TypeError, match=r"but output 0 .* is Sparse\[float64, csr\]"):
            theano.function([v], sparse.csr_from_dense(v.dimshuffle("x", 0)), name="f")
        s = theano.shared(sp.csr_matrix(np.eye(2)), name="s")
        with pytest.raises(distribute.MeshError, match="holds dense tensors only, but shared "
                                                       "variable s is Sparse"):
            theano.function([v], sparse.dense_from_sparse(s).sum() + v, name="f")
        dense = theano.function([v], v * 2)   # dense functions still run on the mesh
        assert dense.mesh is not None and np.array_equal(dense(np.ones(2)), [2.0, 2.0])
    f = theano.function([x], sparse.dense_from_sparse(x), name="f")
    with pytest.raises(TypeError, match=r"Function.loop takes dense tensors only, but input x"):
        f.loop(2, sp.csr_matrix(np.eye(2)))
    with pytest.raises(TypeError, match=r"export_saved_model takes dense tensors only"):
        f.export_saved_model(str(tmp_path / "model"))


def test_csm_builds_a_matrix_and_checks_its_arrays():
    data, indices, indptr, shape = T.dvector(), T.ivector(), T.ivector(), T.ivector()
    f = theano.function([data, indices, indptr, shape],
                        sparse.CSR(data, indices, indptr, shape))
    m = unsorted_with_zero("csr")
    same_arrays(f(m.data, m.indices, m.indptr, np.int32(m.shape)), m)
    with pytest.raises(ExecutionValueError, match="Shape should be an array of length 2"):
        f(m.data, m.indices, m.indptr, np.int32([3, 4, 1]))
    with pytest.raises(ExecutionValueError, match="same number of elements as indices"):
        f(m.data[:-1], m.indices, m.indptr, np.int32(m.shape))
    with pytest.raises(ExecutionValueError, match="index pointer size"):
        f(m.data, m.indices, m.indptr[:-1], np.int32(m.shape))
    with pytest.raises(TypeError, match="data argument must be a vector"):
        sparse.CSR(T.dmatrix(), indices, indptr, shape)
    with pytest.raises(TypeError, match="indices must be a vector of integers"):
        sparse.CSR(data, T.dvector(), indptr, shape)


def test_constants_and_eval():
    m = unsorted_with_zero("csc")
    c = sparse.as_sparse_variable(m)
    assert isinstance(c, sparse.SparseConstant) and c.owner is None
    assert str(c) == "SparseConstant{csc,float64,shape=(4, 3),nnz=6}"
    assert c.data is not m and (c.data != m).nnz == 0
    same_arrays(theano.function([], c)(), m)
    same_matrix(theano.function([], c * 2)(), m * 2, "csc")
    np.testing.assert_allclose(sparse.dense_from_sparse(c).eval(), m.toarray())
    assert c.signature() == sparse.as_sparse_variable(m).signature()
    with pytest.raises(TypeError, match="sparse"):
        sparse.as_sparse_variable(T.dmatrix("d"))
    with pytest.raises(TypeError, match="Cannot convert"):
        sparse.as_sparse_variable(np.eye(2))


def test_sparse_variables_are_not_tensors():
    x = sparse.csr_matrix("x")
    with pytest.raises(T.AsTensorError, match="is sparse"):
        T.exp(x)
    with pytest.raises(TypeError, match="at least one sparse"):
        sparse.structured_dot(T.dmatrix(), T.dmatrix())
    with pytest.raises(TypeError, match="at least one sparse"):
        sparse.add(T.dmatrix(), T.dmatrix())
    with pytest.raises(TypeError, match="csr or csc"):
        sparse.transpose(sparse.bsr_matrix("b"))
    b = sparse.bsr_matrix("b")
    with pytest.raises(NotImplementedError, match="bsr matrices can be declared"):
        theano.function([b], b)
    with pytest.raises(NotImplementedError, match="MulSV not implemented for differing"):
        sparse.mul_s_v(sparse.csr_dmatrix(), T.fvector())


# --- ops against SciPy ---------------------------------------------------------------

UNARY = {
    "transpose": (lambda x: x.T, lambda m: m.T),
    "neg": (lambda x: -x, lambda m: -m),
    "dense_from_sparse": (sparse.dense_from_sparse, lambda m: m.toarray()),
    "sp_ones_like": (sparse.sp_ones_like, lambda m: (m != 0).astype(m.dtype) * 1),
    "times_scalar": (lambda x: x * 3, lambda m: m * 3),
    "sp_sum": (sparse.sp_sum, lambda m: np.asarray(m.sum())),
    "sp_sum_0": (lambda x: sparse.sp_sum(x, axis=0), lambda m: np.asarray(m.sum(0)).ravel()),
    "sp_sum_1": (lambda x: sparse.sp_sum(x, axis=1), lambda m: np.asarray(m.sum(1)).ravel()),
    "sqr": (sparse.sqr, lambda m: m.multiply(m)),
    "structured_exp": (sparse.structured_exp, lambda m: m.expm1() + (m != 0)),
    "sin": (sparse.sin, lambda m: m.sin()),
    "log1p_abs": (lambda x: sparse.log1p(sparse.sqr(x)), lambda m: m.multiply(m).log1p()),
    "structured_pow": (lambda x: sparse.structured_pow(x, 3), lambda m: m.power(3)),
    "structured_minimum": (lambda x: sparse.structured_minimum(x, 0.5),
                           lambda m: m.minimum(0.5)),
    "structured_add": (lambda x: sparse.structured_add(x, 1.5),
                       lambda m: m + (m != 0) * 1.5),
    "cast": (lambda x: sparse.cast(x, "float32"), lambda m: m.astype("float32")),
    "clean": (sparse.clean, lambda m: m),
    "x_plus_x": (lambda x: x + x, lambda m: m + m),
    "x_minus_x_T_T": (lambda x: x - x.T.T * 2, lambda m: m - m * 2),
    "x_times_x": (lambda x: x * x, lambda m: m.multiply(m)),
    "hstack": (lambda x: sparse.hstack([x, x], format="csr"), lambda m: sp.hstack([m, m])),
    "vstack": (lambda x: sparse.vstack([x, sparse.neg(x)]), lambda m: sp.vstack([m, -m])),
    "mul_s_v": (lambda x: sparse.mul_s_v(x, T.arange(x.shape[1]).astype("float64")),
                lambda m: m.multiply(np.arange(m.shape[1])[None, :])),
    "structured_add_s_v": (
        lambda x: sparse.structured_add_s_v(x, T.arange(x.shape[1]).astype("float64")),
        lambda m: m + (m != 0).multiply(np.arange(m.shape[1])[None, :])),
    "row_scale": (lambda x: sparse.row_scale(x, T.arange(x.shape[0]).astype("float64")),
                  lambda m: sp.diags(np.arange(m.shape[0], dtype=float)) @ m),
    "col_scale": (lambda x: sparse.col_scale(x, T.arange(x.shape[1]).astype("float64")),
                  lambda m: m @ sp.diags(np.arange(m.shape[1], dtype=float))),
    "getitem_slices": (lambda x: x[1:, ::2], lambda m: m[1:, ::2]),
    "getitem_negative_steps": (lambda x: x[::-2, -1::-1], lambda m: m[::-2, -1::-1]),
    "getitem_rows": (lambda x: x[0:2], lambda m: m[0:2]),
    "getitem_list": (lambda x: x[[0, 0, -1]], lambda m: m[[0, 0, -1]]),
    "getitem_2lists": (lambda x: x[[0, -1, 0], [0, 0, -1]],
                       lambda m: np.asarray(m[[0, -1, 0], [0, 0, -1]]).ravel()),
    "getitem_scalar": (lambda x: x[-1, 0], lambda m: np.asarray(m[-1, 0])),
    "ensure_sorted_indices": (sparse.ensure_sorted_indices, lambda m: m.sorted_indices()),
    "remove0": (sparse.remove0, lambda m: m),
}


@pytest.mark.parametrize("format", FORMATS)
@given(case=matrices)
@HYPOTHESIS
def test_unary_ops_match_scipy(format, case):
    names = sorted(UNARY)

    def build():
        x = sparse.matrix(format, "x", dtype="float64")
        return theano.function([x], [UNARY[name][0](x) for name in names])
    f = _compiled(("unary", format), build)
    seed, shape, density = case
    m = random_matrix(np.random.RandomState(seed), shape, density, format)
    for name, result in zip(names, f(m)):
        expected = UNARY[name][1](m.copy())  # (SciPy tidies some matrices in place)
        out_format = {"csr": "csc", "csc": "csr"}[format] if name == "transpose" else format
        _check(result, expected, out_format, name)


_CACHE = {}


def _compiled(key, make):
    """Functions compile once per format; hypothesis varies the values."""
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def _check(result, expected, format, name):
    if sp.issparse(expected) or sp.issparse(result):
        expected = expected if sp.issparse(expected) else sp.csr_matrix(expected)
        # hstack / vstack give the format they are asked for
        try:
            same_matrix(result, expected, None if name in ("hstack", "vstack") else format)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None
    else:
        np.testing.assert_allclose(result, np.asarray(expected), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
        assert np.asarray(result).dtype == np.asarray(expected).dtype, name


@pytest.mark.parametrize("format", FORMATS)
def test_structure_of_results_is_scipys(format):
    m = unsorted_with_zero(format)
    x = sparse.matrix(format, "x", dtype="float64")
    f = theano.function([x], [x * 2, sparse.remove0(x), sparse.ensure_sorted_indices(x),
                              x + x, sparse.structured_exp(x), sparse.cast(x, "float32")])
    scaled, no_zeros, sorted_, summed, exp, cast = f(m)
    same_arrays(scaled, m * 2)                    # times a scalar: the structure kept
    no_zeros_ref = m.copy()
    no_zeros_ref.eliminate_zeros()
    same_arrays(no_zeros, no_zeros_ref)
    same_arrays(sorted_, m.sorted_indices())      # sorted, duplicates and zeros kept
    same_arrays(summed, m + m)                    # canonical
    assert exp.nnz == m.nnz and np.allclose(exp.data, np.exp(m.data))  # zeros too
    # (SciPy's astype now sums duplicates first; the cast keeps them, as x * 2 does.)
    assert cast.nnz == m.nnz and cast.dtype == "float32"
    same_matrix(cast, m.astype("float32"), format)


@pytest.mark.parametrize("x_format, y_format", [("csr", "csr"), ("csr", "csc"), ("csc", "csr")])
@given(case=matrices, other=st.integers(0, 2 ** 31), density=st.sampled_from([0.0, 0.3, 1.0]))
@HYPOTHESIS
def test_binary_ops_match_scipy(x_format, y_format, case, other, density):
    seed, shape, d = case
    rng = np.random.RandomState(seed)
    a = random_matrix(rng, shape, d, x_format)
    b = random_matrix(np.random.RandomState(other), shape, density, y_format)
    dense = np.random.RandomState(other).uniform(-1, 1, size=shape)

    def build():
        x, y = sparse.matrix(x_format, "x", "float64"), sparse.matrix(y_format, "y", "float64")
        d = T.dmatrix("d")
        outputs = [x + y, x - y, x * y, x + d, d - x, x * d, d * x, sparse.lt(x, d),
                   sparse.gt(d, x), sparse.ge(x, d)]
        if x_format == y_format:  # (comparing two formats is NotImplementedError, as Theano)
            outputs += [sparse.eq(x, y), sparse.neq(x, y), x < y, x >= y]
        else:
            with pytest.raises(NotImplementedError, match="one format"):
                sparse.eq(x, y)
        return theano.function([x, y, d], outputs)
    f = _compiled(("binary", x_format, y_format), build)
    results = f(a, b, dense)
    expected = [a + b, a - b, a.multiply(b), a + dense, dense - a, a.multiply(dense),
                a.multiply(dense), (a.toarray() < dense).astype("uint8"),
                (a.toarray() < dense).astype("uint8"), (a.toarray() >= dense).astype("uint8"),
                (a.toarray() == b.toarray()).astype("uint8"), (a != b).astype("uint8"),
                (a < b).astype("uint8"), (a.toarray() >= b.toarray()).astype("uint8")]
    for i, (r, e) in enumerate(zip(results, expected)):
        if sp.issparse(r):
            same_matrix(r, e if sp.issparse(e) else sp.csr_matrix(e), x_format)
        else:
            np.testing.assert_allclose(r, np.asarray(e), err_msg=str(i))
            assert r.dtype == np.asarray(e).dtype, i
    # A product of two sparse matrices stores only nonzeros, sorted (canonical).
    product = results[2]
    assert product.has_canonical_format and np.all(product.data != 0)


@pytest.mark.parametrize("format", FORMATS)
@given(case=matrices, k=st.integers(1, 4), seed=st.integers(0, 2 ** 31))
@HYPOTHESIS
def test_products_match_scipy(format, case, k, seed):
    s, shape, density = case
    m = random_matrix(np.random.RandomState(s), shape, density, format)
    rng = np.random.RandomState(seed)
    right = rng.uniform(-1, 1, size=(shape[1], k))
    left = rng.uniform(-1, 1, size=(k, shape[0]))
    vector = rng.uniform(-1, 1, size=shape[1])
    other = random_matrix(rng, (shape[1], k), 0.5, format)
    sample_x, sample_y = rng.uniform(size=(shape[0], 3)), rng.uniform(size=(shape[1], 3))

    def build():
        x, o = sparse.matrix(format, "x", "float64"), sparse.matrix(format, "o", "float64")
        r, lft, v = T.dmatrix("r"), T.dmatrix("l"), T.dvector("v")
        sx, sy = T.dmatrix("sx"), T.dmatrix("sy")
        outputs = [sparse.structured_dot(x, r), sparse.structured_dot(lft, x),
                   sparse.structured_dot(x, o), sparse.dot(x, r), sparse.dot(lft, x),
                   sparse.dot(x, v), sparse.dot(x, o), sparse.true_dot(x, r),
                   sparse.true_dot(x, o), sparse.true_dot(lft, x),
                   sparse.sampling_dot(sx, sy, x),
                   sparse.usmm(T.constant(2.0), x, r, T.ones_like(sparse.dot(x, r)))]
        return theano.function([x, o, r, lft, v, sx, sy], outputs)
    f = _compiled(("products", format), build)
    results = f(m, other, right, left, vector, sample_x, sample_y)
    expected = [m @ right, left @ m, m @ other, m @ right, left @ m, m @ vector,
                (m @ other).toarray(), sp.csr_matrix(m @ right), m @ other,
                sp.csr_matrix(left @ m), m.multiply(sample_x @ sample_y.T), 2 * (m @ right) + 1]
    for i, (r, e) in enumerate(zip(results, expected)):
        if sp.issparse(r):
            same_matrix(r, e, None)
        else:
            np.testing.assert_allclose(r, np.asarray(e), rtol=1e-10, atol=1e-12, err_msg=str(i))
    assert results[2].format == results[7].format == format      # a's format
    assert results[10].nnz == m.nnz                                # p's structure kept
    assert results[0].shape == (shape[0], k)


@pytest.mark.parametrize("format", FORMATS)
def test_products_of_matrices_in_any_stored_order(format):
    """TensorFlow's CSR kernel takes canonical matrices only; others (indices
    out of order, duplicates apart) take another kernel: the same values, and
    the same gradients, to second order."""
    m = unsorted_with_zero(format)
    tidy = m.copy()
    tidy.sum_duplicates()
    x, W = sparse.matrix(format, "x", "float64"), T.dmatrix("W")
    y = sparse.structured_dot(x, W)
    gW = theano.grad(T.sum(y ** 3), W)
    hW = theano.grad(T.sum(gW ** 2), W)
    f = theano.function([x, W], [y, gW, hW, theano.dot(W.T, x.T)])
    Wv = np.arange(m.shape[1] * 2.0).reshape(-1, 2) / 10
    M = m.toarray()
    Y = M @ Wv
    G = M.T @ (3 * Y ** 2)
    for matrix in (m, tidy):
        product, grad, second, transposed = f(matrix, Wv)
        np.testing.assert_allclose(product, Y)
        np.testing.assert_allclose(grad, G)
        np.testing.assert_allclose(second, M.T @ (12 * Y * (M @ G)))
        np.testing.assert_allclose(transposed, Y.T)


def test_diag_square_diagonal_and_construct_from_list():
    x = sparse.csc_dmatrix("x")
    v = T.dvector("v")
    f = theano.function([x, v], [sparse.diag(x), sparse.square_diagonal(v)])
    m = sp.csc_matrix(np.array([[1.0, 0, 2], [0, 0, 3], [4, 5, 6]]))
    diagonal, square = f(m, np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(diagonal, [1, 0, 6])
    assert square.format == "csc" and square.nnz == 3  # the zero is stored
    np.testing.assert_array_equal(square.toarray(), np.diag([1.0, 0.0, 2.0]))
    with pytest.raises(ExecutionValueError, match="Diag only apply on square matrix"):
        f(sp.csc_matrix(np.ones((2, 3))), np.ones(1))
    d, values, rows = T.dmatrix("d"), T.dmatrix("values"), T.ivector("rows")
    g = theano.function([d, values, rows], sparse.construct_sparse_from_list(d, values, rows))
    built = g(np.zeros((4, 2)), np.array([[1.0, 2], [3, 4]]), np.int32([3, 1]))
    assert built.format == "csc"
    np.testing.assert_array_equal(built.toarray(), [[0, 0], [3, 4], [0, 0], [1, 2]])


def test_int_dtypes_and_add_s_s_data():
    x = sparse.csr_matrix("x", dtype="int32")
    y = sparse.csr_matrix("y", dtype="int32")
    w = T.imatrix("w")
    f = theano.function([x, y, w], [sparse.structured_dot(x, w), sparse.add_s_s_data(x, y),
                                    sparse.sp_sum(x), -x])
    m = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0]], dtype="int32"))
    product, summed, total, negated = f(m, m * 2, np.arange(6, dtype="int32").reshape(3, 2))
    np.testing.assert_array_equal(product, m @ np.arange(6).reshape(3, 2))
    assert product.dtype == "int32" and total == 6 and total.dtype == "int32"
    same_arrays(summed, m * 3)
    same_arrays(negated, -m)
    with pytest.raises(ExecutionValueError, match="one shape and one structure"):
        f(m, sp.csr_matrix(np.eye(2, 3, dtype="int32")), np.ones((3, 2), "int32"))


def test_shape_mismatches_raise_naming_the_op():
    x, y = sparse.csr_dmatrix("x"), sparse.csr_dmatrix("y")
    d = T.dmatrix("d")
    f = theano.function([x, y, d], [x + y, sparse.structured_dot(x, d)])
    with pytest.raises(ExecutionValueError, match="inconsistent shapes") as info:
        f(sp.csr_matrix(np.eye(2)), sp.csr_matrix(np.eye(3)), np.ones((2, 1)))
    assert "AddSS" in str(info.value)
    with pytest.raises(ExecutionValueError, match="shape mismatch"):
        f(sp.csr_matrix(np.eye(2)), sp.csr_matrix(np.eye(2)), np.ones((3, 1)))


def test_indexing_errors():
    x = sparse.csr_dmatrix("x")
    i = T.iscalar("i")
    f = theano.function([x, i], x[i, 0])
    m = sp.csr_matrix(np.arange(6.0).reshape(2, 3))
    assert f(m, -1) == 3.0
    with pytest.raises(ExecutionIndexError, match="row index out of range"):
        f(m, 2)
    with pytest.raises(NotImplementedError, match="no sparse vector"):
        x[1, 0:2]
    with pytest.raises(ValueError, match="Advanced indexing is not implemented"):
        x[T.ivector(), 0:2]
    g = theano.function([x], x[::T.constant(0, dtype="int64")])
    with pytest.raises(ExecutionValueError, match="slice step cannot be zero"):
        g(m)
    assert x[[0, 1]].owner.op == sparse.get_item_list


# --- gradients ------------------------------------------------------------------------

def _values_gradient(f_of_data, data, eps=1e-6):
    """Central differences of scalar ``f_of_data`` with respect to each entry."""
    grad = np.zeros_like(data)
    for k in range(data.size):
        up, down = data.copy(), data.copy()
        up[k] += eps
        down[k] -= eps
        grad[k] = (f_of_data(up) - f_of_data(down)) / (2 * eps)
    return grad


@pytest.mark.parametrize("format", FORMATS)
def test_structured_gradient_keeps_the_input_structure(format):
    rng = np.random.RandomState(0)
    m = random_matrix(rng, (5, 4), 0.4, format)
    m.data[0] = 0.0  # an explicit zero: still a place of the gradient
    W = theano.shared(rng.uniform(size=(4, 3)), name="W")
    x = sparse.matrix(format, "x", "float64")
    cost = T.sum(T.tanh(sparse.structured_dot(x, W)) ** 2)
    gx, gW = theano.grad(cost, [x, W])
    assert isinstance(gx, sparse.SparseVariable) and gx.type == x.type
    f = theano.function([x], [cost, gx, gW])
    _, gx_value, gW_value = f(m)
    # The gradient stores exactly x's elements, with d cost / d value at each.
    np.testing.assert_array_equal(gx_value.indices, m.indices)
    np.testing.assert_array_equal(gx_value.indptr, m.indptr)
    cost_of = theano.function([x], cost)

    def with_data(data):
        changed = m.copy()
        changed.data = data
        return float(cost_of(changed))
    np.testing.assert_allclose(gx_value.data, _values_gradient(with_data, m.data), rtol=1e-6,
                               atol=1e-8)
    a = m @ W.get_value()
    np.testing.assert_allclose(gW_value, m.T @ (2 * np.tanh(a) * (1 - np.tanh(a) ** 2)))


@pytest.mark.parametrize("format", FORMATS)
def test_gradients_store_what_theano_stores(format):
    m = random_matrix(np.random.RandomState(1), (3, 4), 0.5, format)
    x = sparse.matrix(format, "x", "float64")
    v = T.dvector("v")
    cases = {
        # sp_sum's default gradient is not structured: every element.
        "sp_sum": (sparse.sp_sum(x), np.ones((3, 4)), 12),
        "sp_sum structured": (sparse.sp_sum(x, sparse_grad=True), (m != 0).toarray(), m.nnz),
        "dense_from_sparse": (T.sum(sparse.dense_from_sparse(x) * 3), 3 * (m != 0).toarray(),
                              m.nnz),
        "non-structured dense": (T.sum(sparse.DenseFromSparse(structured=False)(x) * 3),
                                 np.full((3, 4), 3.0), 12),
        "sp_sum axis 0 structured": (T.dot(sparse.sp_sum(x, axis=0, sparse_grad=True), v),
                                     (m != 0).toarray() * np.arange(4.0), None),
    }
    for name, (cost, expected, nnz) in cases.items():
        g = theano.grad(cost, x)
        result = theano.function([x, v], g, on_unused_input="ignore")(m, np.arange(4.0))
        assert sp.issparse(result) and result.format == format, name
        np.testing.assert_allclose(result.toarray(), expected, err_msg=name)
        if nnz is not None:
            assert result.nnz == nnz, name


POINT = np.array([[0.7, 0.0, 1.3], [0.0, 0.0, 0.9], [1.1, 0.6, 0.0]])
PATTERN = sp.csr_matrix(np.array([[1.0, 0, 2], [0, 0, 1], [3, 0, 0]]))


def _dense(out):
    """A sparse result made dense with a gradient that is not structured."""
    if isinstance(out.type, sparse.SparseType):
        return sparse.DenseFromSparse(structured=False)(out)
    return out


@pytest.mark.parametrize("build", [
    lambda x: sparse.true_dot(x, T.constant(np.arange(6.0).reshape(3, 2))),
    lambda x: sparse.true_dot(x, x.T),
    lambda x: x * sparse.csc_from_dense(sparse.dense_from_sparse(x) * 2),
    lambda x: x + sparse.transpose(x),
    lambda x: x - sparse.csc_from_dense(T.ones((3, 3))),
    lambda x: sparse.hstack([x, x * 2]),
    lambda x: sparse.vstack([x, -x], format="csr"),
    lambda x: sparse.sp_sum(x, axis=1),
    lambda x: sparse.sp_sum(x) * T.ones((1,)),
    lambda x: sparse.mul_s_v(x, T.constant(np.arange(1.0, 4.0))),
    lambda x: sparse.dot(x, T.constant(np.arange(6.0).reshape(3, 2))),
    lambda x: sparse.diag(x),
    lambda x: x[[2, 0, 2]],
    lambda x: x[[0, 2], [1, 1]],
    lambda x: sparse.sampling_dot(_dense(x), T.ones((3, 3)), PATTERN),
], ids=["true_dot", "true_dot_sparse", "mul_s_s", "add_s_s", "sub_s_s", "hstack", "vstack",
        "sp_sum_axis1", "sp_sum", "mul_s_v", "dot", "diag", "getitem_list",
        "getitem_2lists", "sampling_dot"])
def test_regular_gradients_match_finite_differences(build):
    """Theano's ``verify_grad_sparse(structured=False)``: from a dense point
    (with zeros) made sparse, so a gradient that is not structured reaches
    the zeros too."""
    theano.gradient.verify_grad(lambda d: _dense(build(sparse.csr_from_dense(d))), [POINT],
                                rng=np.random.RandomState(0))


@pytest.mark.parametrize("build", [
    lambda x: sparse.structured_dot(x, T.constant(np.arange(6.0).reshape(3, 2))),
    lambda x: sparse.structured_dot(T.constant(np.arange(6.0).reshape(2, 3)), x),
    lambda x: sparse.structured_exp(x) * sparse.sqrt(sparse.structured_add(sparse.sqr(x), 1)),
    lambda x: sparse.structured_add_s_v(x, T.constant(np.arange(1.0, 4.0))),
    lambda x: sparse.row_scale(x, T.constant(np.arange(1.0, 4.0))),
    lambda x: sparse.col_scale(x, T.constant(np.arange(1.0, 4.0))),
    lambda x: sparse.sp_sum(x, axis=0, sparse_grad=True),
    lambda x: sparse.add_s_s_data(x, x),
    lambda x: x * T.constant(np.arange(9.0).reshape(3, 3)),
    lambda x: sparse.structured_sigmoid(x) + sparse.structured_pow(x, 2),
    lambda x: sparse.clean(x) * 2,
    lambda x: sparse.dense_from_sparse(x) ** 2,
], ids=["structured_dot", "structured_dot_left", "exp_sqrt", "structured_add_s_v",
        "row_scale", "col_scale", "sp_sum", "add_s_s_data", "mul_s_d", "sigmoid_pow",
        "clean", "dense_from_sparse"])
def test_structured_gradients_match_finite_differences(build):
    """Theano's ``verify_grad_sparse(structured=True)``: with respect to the
    stored values of a matrix of fixed structure."""
    def of_data(data):
        return _dense(build(sparse.CSR(data, PATTERN.indices, PATTERN.indptr, PATTERN.shape)))
    theano.gradient.verify_grad(of_data, [PATTERN.data * 0.7], rng=np.random.RandomState(0))


def test_gradient_with_respect_to_a_sparse_and_dense_mix():
    """A cost where a dense variable meets the sparse one before and after
    the sparse ops: every path counts once."""
    x = sparse.csr_dmatrix("x")
    w = T.dvector("w")
    scaled = sparse.col_scale(x, w)
    cost = T.sum(sparse.structured_dot(scaled, T.outer(w, w)) ** 2) + T.sum(w ** 3)
    gx, gw = theano.grad(cost, [x, w])
    f = theano.function([x, w], [cost, gx, gw])
    m = random_matrix(np.random.RandomState(5), (4, 3), 0.6, "csr")
    wv = np.array([0.5, -1.0, 2.0])
    _, gx_value, gw_value = f(m, wv)
    cost_of = theano.function([x, w], cost)
    np.testing.assert_allclose(gw_value, _values_gradient(lambda v: float(cost_of(m, v)), wv),
                               rtol=1e-6)

    def with_data(data):
        changed = m.copy()
        changed.data = data
        return float(cost_of(changed, wv))
    np.testing.assert_allclose(gx_value.data, _values_gradient(with_data, m.data), rtol=1e-6)


def test_gradient_of_data_through_csm_and_structured_ops():
    data = T.dvector("data")
    indices, indptr, shape = np.int32([0, 2, 1]), np.int32([0, 2, 3]), np.int32([2, 3])
    x = sparse.CSR(data, indices, indptr, shape)
    cost = T.sum(sparse.dense_from_sparse(sparse.sqrt(sparse.structured_exp(x)))) + \
        sparse.sp_sum(x * x)
    g = theano.grad(cost, data)
    value = np.array([0.1, -0.5, 2.0])
    np.testing.assert_allclose(theano.function([data], g)(value),
                               0.5 * np.exp(value / 2) + 2 * value)


def test_gradients_theano_leaves_undefined_raise():
    x, y, p = T.dmatrix("x"), T.dmatrix("y"), sparse.csr_dmatrix("p")
    cost = sparse.sp_sum(sparse.sampling_dot(x, y, p))
    with pytest.raises(NullTypeGradError, match="SamplingDot"):
        theano.grad(cost, p)
    gx = theano.grad(cost, x)  # the other inputs have one
    pv = sp.csr_matrix(np.array([[1.0, 0], [0, 2]]))
    np.testing.assert_allclose(theano.function([x, y, p], gx)(np.ones((2, 2)), np.ones((2, 2)),
                                                              pv), pv @ np.ones((2, 2)))


def test_indexing_gradients():
    """Theano defines none for slices and single elements; lists of rows
    or elements give theirs (a repeated index adds up)."""
    x = sparse.csr_dmatrix("x")
    with pytest.raises(NotImplementedError, match="GetItem2d has no grad"):
        theano.grad(sparse.sp_sum(x[0:2]), x)
    with pytest.raises(NotImplementedError, match="GetItemScalar has no grad"):
        theano.grad(x[0, 1], x)
    g_rows = theano.grad(sparse.sp_sum(x[[1, 1, 0]], sparse_grad=True), x)
    g_places = theano.grad(T.sum(x[[1, 1, 0], [0, 0, 1]] * [1.0, 2.0, 3.0]), x)
    f = theano.function([x], [g_rows, g_places])
    rows, places = f(sp.csr_matrix(np.array([[1.0, 2.0], [0.0, 3.0]])))
    np.testing.assert_array_equal(rows.toarray(), [[1, 1], [0, 2]])
    np.testing.assert_array_equal(places.toarray(), [[0, 3], [3, 0]])


def test_disconnected_and_integer_gradients():
    x = sparse.csr_dmatrix("x")
    d = T.dmatrix("d")
    g = theano.grad(T.sum(d), x, disconnected_inputs="ignore")
    zeros = theano.function([x], g)(sp.csr_matrix(np.eye(2)))
    assert zeros.nnz == 0 and zeros.shape == (2, 2)
    with pytest.raises(theano.gradient.DisconnectedInputError):
        theano.grad(T.sum(d), x)


# --- shared sparse matrices -------------------------------------------------------------

@pytest.mark.parametrize("format", FORMATS)
def test_shared_sparse_matrix_is_tensorflow_state(format):
    m = unsorted_with_zero(format)
    s = theano.shared(m, name="s")
    assert isinstance(s, sparse.SparseTensorSharedVariable) and s.type.format == format
    value = s.get_value()
    same_arrays(value, m)
    value.data[:] = 99  # a copy: the shared value does not change
    same_arrays(s.get_value(), m)
    total = m.toarray().sum()  # (SciPy's own sum would tidy m's duplicates in place)
    f = theano.function([], sparse.sp_sum(s), updates=[(s, s * 2)])
    assert f() == total and f() == 2 * total
    same_arrays(s.get_value(), m * 4)
    s.set_value(sp.eye(5, format=format) * 3.0)  # another shape and number of elements
    assert f() == 15.0 and s.get_value().shape == (5, 5)


def test_shared_sparse_errors_change_nothing():
    s = theano.shared(sp.csr_matrix(np.eye(3)), name="s")
    with pytest.raises(TypeError, match="set_value of shared variable s.*Expected float64"):
        s.set_value(sp.csr_matrix(np.eye(3, dtype="int64")))
    d = T.dmatrix("d")
    f = theano.function([d], [], updates=[(s, s + sparse.csr_from_dense(d))])
    with pytest.raises(ExecutionValueError, match="inconsistent shapes"):
        f(np.ones((2, 2)))
    same_arrays(s.get_value(), sp.csr_matrix(np.eye(3)))
    with pytest.raises(TypeError, match="same type"):
        theano.function([], [], updates=[(s, sparse.transpose(s))])
    with pytest.raises(TypeError, match="Expected a sparse matrix"):
        sparse.shared(np.eye(2))
    assert isinstance(theano.shared(np.eye(2)), theano.SharedVariable)  # dense as before


def test_shared_sparse_pickles():
    s = theano.shared(sp.csc_matrix(np.arange(6.0).reshape(2, 3)), name="s")
    copy = pickle.loads(pickle.dumps(s))
    assert copy is not s and copy.type == s.type
    same_arrays(copy.get_value(), s.get_value())


# --- operators, modes, the alias ----------------------------------------------------------

def test_operators_take_either_side():
    x, d = sparse.csr_dmatrix("x"), T.dmatrix("d")
    f = theano.function([x, d], [d + x, d - x, d * x, 2 * x, x.shape, x.size, x.toarray(),
                                 theano.dot(x, d), x.astype("float32")])
    m = sp.csr_matrix(np.array([[1.0, 0], [0, 2]]))
    dv = np.array([[1.0, 2], [3, 4]])
    plus, minus, times, doubled, shape, size, dense, product, cast = f(m, dv)
    np.testing.assert_array_equal(plus, dv + m.toarray())
    np.testing.assert_array_equal(minus, dv - m.toarray())
    same_matrix(times, m.multiply(dv), "csr")
    same_matrix(doubled, 2 * m, "csr")
    np.testing.assert_array_equal(shape, [2, 2])
    assert size == 2 and shape.dtype == "int64"
    np.testing.assert_array_equal(dense, m.toarray())
    np.testing.assert_array_equal(product, m @ dv)  # theano.dot: Theano's __dot__ protocol
    np.testing.assert_array_equal(theano.function([x, d], theano.dot(d, x))(m, dv), dv @ m)
    assert isinstance(theano.dot(d, d).type, T.TensorType)
    assert cast.dtype == "float32"
    with pytest.raises(TypeError, match="unsupported operand"):
        d + object()


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "DebugMode", "NanGuardMode"])
def test_modes_run_sparse_graphs(mode):
    x = sparse.csc_dmatrix("x")
    W = T.dmatrix("W")
    y = sparse.structured_dot(x, W)
    f = theano.function([x, W], [y, x * 2, theano.grad(T.sum(y), x)], mode=mode)
    m = sp.csc_matrix(np.array([[1.0, 0], [0, 2]]))
    product, doubled, g = f(m, np.ones((2, 2)))
    np.testing.assert_array_equal(product, m @ np.ones((2, 2)))
    same_matrix(doubled, 2 * m, "csc")
    same_matrix(g, sp.csc_matrix(np.array([[2.0, 0], [0, 2]])), "csc")
    if mode != "FAST_COMPILE":  # the dense values sparse matrices meet are checked
        with pytest.raises(FloatingPointError):
            f(m, np.full((2, 2), np.nan))


def test_from_theano_import_sparse(theano_alias):
    from theano import sparse as theano_sparse
    import theano.sparse.basic
    import theano.sparse.opt
    import theano.sparse.sharedvar
    from theano.sparse.type import SparseType
    assert theano_sparse is sparse and SparseType is sparse.SparseType
    assert theano.sparse.basic.structured_dot is sparse.structured_dot
    assert theano.sparse.sharedvar.SparseTensorSharedVariable is \
        sparse.SparseTensorSharedVariable
    x = theano_sparse.csr_matrix("x")
    assert isinstance(theano.sparse.opt.sd_csr, theano.sparse.opt.StructuredDotCSR)
    assert theano.sparse.basic._is_sparse_variable(x)


def test_specialised_ops_of_theanos_optimizer_compute_the_same():
    from tfgraph.sparse import opt
    m = random_matrix(np.random.RandomState(7), (4, 3), 0.5, "csc")
    b = np.random.RandomState(8).uniform(size=(3, 2))
    val, ind, ptr = T.dvector(), T.ivector(), T.ivector()
    n, bm, z = T.iscalar(), T.dmatrix(), T.dmatrix()
    f = theano.function([val, ind, ptr, n, bm, z], [
        opt.sd_csc(val, ind, ptr, n, bm),
        opt.usmm_csc_dense(T.constant(np.ones((1, 1)) * 2), val, ind, ptr, n, bm, z)])
    product, usmm = f(m.data, m.indices, m.indptr, 4, b, np.ones((4, 2)))
    np.testing.assert_allclose(product, m @ b)
    np.testing.assert_allclose(usmm, 2 * (m @ b) + 1)
    c = m.tocsr()
    g = theano.function([val, ind, ptr, bm], opt.mul_s_d_csr(val, ind, ptr, bm))
    dense = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(g(c.data, c.indices, c.indptr, dense),
                               c.multiply(dense).tocsr().data)
