"""Dtype rules (DESIGN.md), constructors, and how types and variables print.

Tensors combine by NumPy promotion; Python literals are weak (they adapt to
the tensors they meet, except that a float literal meeting integers gives
floatX); comparisons give bool; integer division with / gives floatX.
"""
import itertools

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.config import config

PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32",
            "d": "float64", "c": "complex64"}
KINDS = {"scalar": (), "vector": (False,), "matrix": (False, False), "row": (True, False),
         "col": (False, True), "tensor3": (False,) * 3, "tensor4": (False,) * 4}
PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows",
           "col": "cols", "tensor3": "tensor3s", "tensor4": "tensor4s"}
NUMERIC = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "float32",
           "float64", "complex64", "complex128"]


def var(dtype, ndim=1, name=None):
    return T.TensorType(dtype, (False,) * ndim)(name)


# --- tensors combine by NumPy promotion -------------------------------------------------

@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(NUMERIC, 2)))
def test_tensor_promotion_is_numpys(a, b):
    expected = np.result_type(a, b).name
    cond = T.bvector("cond")
    for op in (T.add, T.mul, T.maximum, lambda x, y: T.switch(cond, x, y)):
        assert op(var(a), var(b)).dtype == expected, (a, b)
        assert op(var(b), var(a)).dtype == expected, (b, a)


@pytest.mark.parametrize("a,b,expected", [
    ("float32", "float64", "float64"), ("int8", "float32", "float32"),
    ("int32", "float32", "float64"), ("int16", "float32", "float32"),
    ("uint8", "int8", "int16"), ("bool", "int8", "int8"), ("int64", "uint64", "float64"),
    ("int8", "int16", "int16"), ("float32", "complex64", "complex64"),
    ("float64", "complex64", "complex128")])
def test_design_examples_of_promotion(a, b, expected):
    assert (var(a) + var(b)).dtype == expected


def test_promotion_holds_at_run_time():
    x, y, i = T.fvector("x"), T.dvector("y"), T.bvector("i")
    f = theano.function([x, y, i], [x + y, x * i, i + i, x * 0.1, i * 2, i + 1000])
    results = f(np.ones(2, "float32"), np.ones(2), np.ones(2, "int8"))
    assert [r.dtype.name for r in results] == [o.dtype for o in f.outputs] == [
        "float64", "float32", "int8", "float32", "int8", "int16"]
    np.testing.assert_array_equal(results[5], [1001, 1001])


# --- weak Python literals -----------------------------------------------------------------

@pytest.mark.parametrize("floatX_value", ["float64", "float32"])
@pytest.mark.parametrize("dtype,literal,expected", [
    ("float32", 0.1, "float32"), ("float32", 2, "float32"), ("float32", 1e30, "float32"),
    ("float64", 0.1, "float64"), ("float64", 3, "float64"),
    ("int8", 1, "int8"), ("int8", 127, "int8"), ("int8", 1000, "int16"),
    ("int8", -129, "int16"), ("int8", 100000, "int32"), ("int8", 2 ** 40, "int64"),
    ("int16", 2, "int16"), ("int32", 7, "int32"), ("int64", 7, "int64"),
    ("uint8", 3, "uint8"), ("bool", 1, "int8"), ("bool", True, "bool"),
    ("complex64", 0.5, "complex64"), ("complex64", 2, "complex64"),
    ("float32", 1e300, "float64"), ("float32", -np.inf, "float32"),
])
def test_weak_literals_adapt_to_the_tensor(floatX, floatX_value, dtype, literal, expected):
    floatX(floatX_value)
    x = var(dtype)
    for result in (x * literal, literal * x, x + literal, literal - x if dtype != "bool" else
                   x * literal, T.maximum(x, literal)):
        assert result.dtype == expected, (dtype, literal)


@pytest.mark.parametrize("floatX_value", ["float64", "float32"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8"])
def test_int_tensor_times_python_float_gives_floatX(floatX, floatX_value, dtype):
    """The float literal is a floatX constant: floatX with the default float64;
    with float32, int32 and int64 tensors still give float64 (as in Theano)."""
    floatX(floatX_value)
    x = var(dtype)
    expected = np.result_type(dtype, floatX_value).name
    assert expected == floatX_value or dtype in ("int32", "int64")
    assert (x * 0.5).dtype == expected
    assert (0.5 + x).dtype == expected
    assert (x / 2.0).dtype == expected
    assert (x / 2).dtype == floatX_value  # integer / integer is true division in floatX
    assert (x / x).dtype == floatX_value


def test_float32_times_literal_computes_in_float32():
    x = T.fvector("x")
    y = x * 0.1
    result = theano.function([x], y)(np.array([1, 3], "float32"))
    assert y.dtype == "float32" and result.dtype == np.float32
    np.testing.assert_array_equal(result, np.array([1, 3], "float32") * np.float32(0.1))


def test_int8_plus_1000_upcasts_and_does_not_wrap():
    x = T.bvector("x")
    y = x + 1000
    result = theano.function([x], y)(np.array([100, -100], "int8"))
    assert y.dtype == "int16" and result.dtype == np.int16
    np.testing.assert_array_equal(result, [1100, 900])


def test_numpy_scalars_are_not_weak():
    x = T.fvector("x")
    assert (x * np.float64(0.1)).dtype == "float64"
    assert (x * np.float32(0.1)).dtype == "float32"
    assert (T.bvector() + np.int64(1)).dtype == "int64"
    assert (x * np.array(2.0)).dtype == "float64"


def test_literals_alone():
    assert T.constant(2).dtype == "int8"
    assert T.constant(300).dtype == "int16"
    assert T.constant(2 ** 40).dtype == "int64"
    assert T.constant(True).dtype == "bool"
    assert T.constant(0.5, dtype="float32").dtype == "float32"
    assert T.as_tensor_variable([1.0, 2.0]).dtype == "float64"
    assert T.as_tensor_variable(np.arange(3, dtype="int32")).dtype == "int32"


def test_literal_floats_follow_floatX(floatX):
    floatX("float32")
    assert T.constant(0.5).dtype == "float32"
    assert (T.constant(0.5) + 1).dtype == "float32"
    floatX("float64")
    assert T.constant(0.5).dtype == "float64"


# --- other op-specific dtype rules ------------------------------------------------------------

@pytest.mark.parametrize("op", [T.lt, T.gt, T.le, T.ge, T.eq, T.neq])
@pytest.mark.parametrize("a,b", [("float32", "float64"), ("int8", "int64"), ("int32", "float32")])
def test_comparisons_give_bool(op, a, b):
    assert op(var(a), var(b)).dtype == "bool"
    assert op(var(a), 1).dtype == "bool"
    assert op(var(a), 0.5).dtype == "bool"
    assert T.isnan(var(a)).dtype == "bool"


def test_comparisons_give_bool_at_run_time():
    x = T.ivector("x")
    result = theano.function([x], [x < 2, T.eq(x, 2), x >= 0.5])(np.array([1, 2, 3], "int32"))
    assert all(r.dtype == np.bool_ for r in result)
    np.testing.assert_array_equal(result[0], [True, False, False])


@pytest.mark.parametrize("dtype,expected", [
    ("bool", "float32"), ("int8", "float32"), ("int16", "float32"), ("uint8", "float32"),
    ("int32", "float64"), ("int64", "float64"), ("float32", "float32"), ("float64", "float64")])
def test_float_functions_of_integers(dtype, expected, floatX):
    floatX("float32")  # these do not depend on floatX
    x = var(dtype)
    for op in (T.exp, T.log, T.sqrt, T.sin, T.tanh, T.nnet.sigmoid, T.floor, T.ceil, T.round):
        assert op(x).dtype == expected, op


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "float32", "float64"])
def test_dtype_preserving_ops(dtype):
    x = var(dtype)
    for result in (-x, abs(x), T.sgn(x), T.sqr(x), x // x, x % x, x ** 2, T.maximum(x, x),
                   T.clip(x, 0, 1), x[0], x.max(), x.reshape((-1,)), x.dimshuffle("x", 0)):
        assert result.dtype == dtype


def test_reduction_dtypes():
    assert T.bvector().sum().dtype == "int64"
    assert T.bvector().prod().dtype == "int64"
    assert T.fvector().sum().dtype == "float32"
    assert T.ivector().mean().dtype == "float64"
    assert T.fvector().mean().dtype == "float32"
    assert T.bvector().max().dtype == "int8"
    assert T.fvector().argmax().dtype == "int64"
    assert T.fvector().any().dtype == "bool"
    assert T.ivector().sum(dtype="float32").dtype == "float32"


# --- constructors ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("prefix", list(PREFIXES))
def test_prefixed_constructors(prefix, kind):
    x = getattr(T, prefix + kind)("x")
    assert x.name == "x"
    assert x.dtype == PREFIXES[prefix]
    assert x.broadcastable == KINDS[kind]
    assert x.ndim == len(KINDS[kind])
    assert x.type == T.TensorType(PREFIXES[prefix], KINDS[kind])
    unnamed = getattr(T, prefix + kind)()
    assert unnamed.name is None and unnamed.type == x.type and unnamed is not x


@pytest.mark.parametrize("kind", list(KINDS))
def test_plural_constructors(kind):
    plural = PLURALS[kind]
    a, b = getattr(T, "d" + plural)("a", "b")
    assert (a.name, b.name) == ("a", "b")
    assert a.type == b.type == T.TensorType("float64", KINDS[kind])
    three = getattr(T, "i" + plural)(3)
    assert len(three) == 3 and all(v.dtype == "int32" and v.name is None for v in three)
    assert len({id(v) for v in three}) == 3
    # Theano's _multi: one string is one variable per character; one character, one variable.
    single = getattr(T, "f" + plural)("w")
    assert single.name == "w" and single.dtype == "float32"
    assert [v.name for v in getattr(T, "f" + plural)("only")] == ["o", "n", "l", "y"]
    x, y = getattr(T, plural)("x", "y")
    assert x.dtype == y.dtype == config.floatX


def test_dmatrices_as_in_theano():
    a, b = T.dmatrices("a", "b")
    assert str(a) == "a" and str(b) == "b"
    assert a.type == b.type == T.dmatrix().type


@pytest.mark.parametrize("kind", list(KINDS))
def test_unprefixed_constructors_use_floatX_at_call_time(floatX, kind):
    floatX("float32")
    assert getattr(T, kind)().dtype == "float32"
    floatX("float64")
    assert getattr(T, kind)("v").dtype == "float64"
    assert getattr(T, kind)("v", dtype="int32").dtype == "int32"


def test_tensor_type_call_makes_variables():
    t = T.TensorType("float32", (False, True))
    x = t("x")
    assert isinstance(x, T.TensorVariable) and x.type is t and x.name == "x"
    assert x.broadcastable == (False, True) and x.ndim == 2 and x.dtype == "float32"
    assert t() is not t() and t().name is None
    assert T.TensorType("float64", [False]) == T.dvector().type
    assert hash(T.TensorType("float64", [False])) == hash(T.dvector().type)
    assert T.TensorType("float64", [False]) != T.TensorType("float32", [False])
    assert T.TensorType("float64", [False]) != T.TensorType("float64", [True])
    assert T.TensorType(np.float32, ()).dtype == "float32"
    assert T.tensor("int16", (False, False, True), "z").type == T.TensorType("int16", (0, 0, 1))


def test_tensor_type_floatX(floatX):
    floatX("float32")
    assert T.TensorType("floatX", ()).dtype == "float32"


def test_bad_dtypes_raise():
    with pytest.raises(TypeError):
        T.TensorType("string", ())
    with pytest.raises(TypeError):
        T.TensorType("object", (False,))
    with pytest.raises(TypeError):
        T.vector("v", dtype="no such dtype")


def test_complex_constructors():
    assert T.cscalar().dtype == "complex64"
    assert T.zmatrix().dtype == "complex128"


# --- printing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("variable,text", [
    (lambda: T.dscalar().type, "TensorType(float64, scalar)"),
    (lambda: T.fvector().type, "TensorType(float32, vector)"),
    (lambda: T.imatrix().type, "TensorType(int32, matrix)"),
    (lambda: T.drow().type, "TensorType(float64, row)"),
    (lambda: T.dcol().type, "TensorType(float64, col)"),
    (lambda: T.ftensor3().type, "TensorType(float32, 3D)"),
    (lambda: T.ltensor4().type, "TensorType(int64, 4D)"),
    (lambda: T.TensorType("float64", (True, True)), "TensorType(float64, (True, True))"),
    (lambda: T.TensorType("int8", (False, True, False)),
     "TensorType(int8, (False, True, False))"),
])
def test_types_print_as_in_theano(variable, text):
    assert str(variable()) == text
    assert repr(variable()) == text


def test_variables_print_as_in_theano():
    assert str(T.dscalar("x")) == "x"
    assert str(T.dmatrix()) == "<TensorType(float64, matrix)>"
    assert repr(T.fvector()) == "<TensorType(float32, vector)>"
    shared = theano.shared(np.zeros((2, 2)))
    assert str(shared.type()) == "<TensorType(float64, matrix)>"


def test_pp_as_in_theano():
    foo = T.scalar("foo")
    assert theano.pp(foo ** 2) == "(foo ** TensorConstant{2})"
    assert theano.printing.pp(foo ** 2) == "(foo ** TensorConstant{2})"
    x, y = T.dvectors("x", "y")
    assert theano.pp(x + y) == "(x + y)"
    assert theano.pp(x * y - x) == "((x * y) - x)"


# --- floatX at run time -------------------------------------------------------------------------

def test_floatX_changes_at_run_time(floatX):
    floatX("float32")
    x = T.matrix("x")
    i = T.ivector("i")
    assert x.dtype == "float32"
    assert (T.bvector() * 0.5).dtype == "float32"
    assert (i * 0.5).dtype == "float64"  # int32 with a float32 constant, as in Theano
    assert (i / i).dtype == "float32"
    assert T.zeros((2, 2)).dtype == "float32"
    assert T.eye(2).dtype == "float32"
    result = theano.function([x], x * 2.5)(np.ones((1, 2), "float32"))
    assert result.dtype == np.float32
    floatX("float64")
    assert T.matrix().dtype == "float64"
    assert (i * 0.5).dtype == "float64"
    assert x.dtype == "float32"  # variables keep the type they were made with


def test_types_fixed_at_build_time_hold_when_floatX_changes_before_compiling(floatX):
    floatX("float64")
    i = T.ivector("i")
    outputs = [i / 2, i * 0.5, T.exp(i), i + 1.5]
    floatX("float32")
    results = theano.function([i], outputs, name="f")(np.array([1, 2], "int32"))
    assert [r.dtype.name for r in results] == [o.dtype for o in outputs] == ["float64"] * 4
    np.testing.assert_array_equal(results[0], [0.5, 1.0])


def test_floatX_rejects_non_floats():
    with pytest.raises(ValueError, match="floatX"):
        config.floatX = "int32"
    with pytest.raises(ValueError):
        config.floatX = "float128"
