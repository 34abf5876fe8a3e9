"""Every op of the tensor namespace against NumPy, on random shapes and values.

Each test compiles one function per op signature (compiling costs ~50-100 ms)
and lets hypothesis vary the shapes and values fed to it. Every result is
checked for its value, its dtype, and agreement with the variable's static
type (dtype, ndim, broadcastable dimensions of length 1): see
``conftest.assert_result``.
"""
import math

import numpy as np
import pytest
from hypothesis import assume, given, note, strategies as st
from hypothesis.extra import numpy as hnp

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.config import config
from tfgraph.ops.elemwise import OPS, TABLE

from conftest import HYPOTHESIS, assert_result

# Theano's upgrade_to_float: the dtype that exp, sqrt, ... compute in.
THEANO_FLOAT = {"bool": "float32", "int8": "float32", "uint8": "float32", "int16": "float32",
                "uint16": "float32", "int32": "float64", "uint32": "float64",
                "int64": "float64", "uint64": "float64"}

_COMPILED = {}


def compiled(key, build):
    """``build()`` -> (inputs, output) compiled once per ``key``; returns
    (function, output variable)."""
    if key not in _COMPILED:
        inputs, output = build()
        _COMPILED[key] = (theano.function(inputs, output, on_unused_input="ignore",
                                            name=str(key)), output)
    return _COMPILED[key]


# --- value strategies ----------------------------------------------------------

def elements(dtype, lo=-20, hi=20, nonzero=False, special=False, int_lo=None):
    """Hypothesis elements of ``dtype`` in [lo, hi] (|x| >= 0.5 when ``nonzero``;
    integers from ``int_lo`` if given)."""
    kind = np.dtype(dtype).kind
    lo = int_lo if int_lo is not None and kind in "iu" else lo
    if kind == "b":
        return st.booleans()
    if kind in "iu":
        info = np.iinfo(dtype)
        ints = st.integers(max(math.ceil(lo), info.min), min(math.floor(hi), info.max))
        return ints.filter(bool) if nonzero else ints
    width = 32 if dtype == "float32" else 64
    if special:
        return st.floats(width=width)  # NaN and infinities too
    if nonzero:
        return st.one_of(st.floats(0.5, hi, width=width), st.floats(lo, -0.5, width=width))
    # TensorFlow flushes subnormal floats to zero (so does any FTZ kernel):
    # keep values, and most results, clear of them.
    floats = st.floats(lo, hi, width=width, exclude_min=lo == 0 and hi > 0).map(
        lambda v: v if abs(v) > 1e-6 else (1e-6 if lo == 0 and hi > 0 else 0.0))
    # Exact halves exercise rounding ties; small integers the exact cases.
    halves = st.integers(int(2 * math.ceil(lo)), int(2 * math.floor(hi))).map(lambda n: n / 2)
    return st.one_of(floats, halves.filter(lambda v: lo < v <= hi or (lo == v and lo != 0)))


def _bulk(rng, dtype, size, lo, hi, nonzero, special, int_lo):
    """``size`` random values of ``dtype`` in [lo, hi], drawn by NumPy."""
    kind = np.dtype(dtype).kind
    lo = int_lo if int_lo is not None and kind in "iu" else lo
    if kind == "b":
        return rng.random(size) < 0.5
    if kind in "iu":
        info = np.iinfo(dtype)
        values = rng.integers(max(math.ceil(lo), info.min), min(math.floor(hi), info.max) + 1,
                              size)
        return np.where(values == 0, 1, values) if nonzero else values
    values = rng.uniform(max(lo, 1e-6) if lo == 0 and hi > 0 else lo, hi, size)
    values = np.where(rng.random(size) < 0.3, np.clip(np.round(2 * values) / 2, lo, hi), values)
    if nonzero:
        values = np.where(np.abs(values) < 0.5, np.where(values < 0, -0.5, 0.5), values)
    if special:
        values = np.where(rng.random(size) < 0.2,
                          rng.choice([np.nan, np.inf, -np.inf, 0.0], size), values)
    return values


@st.composite
def arrays(draw, dtype, shape, lo=-20, hi=20, nonzero=False, special=False, int_lo=None):
    """An array of ``dtype`` and ``shape`` (or a strategy for it) with values in
    [lo, hi]. Drawing every element through hypothesis costs ~0.2 ms each, so
    the bulk comes from a NumPy generator seeded by hypothesis, and hypothesis
    places a few edge-case elements of its choosing (shrinkable) on top."""
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    size = math.prod(shape)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    values = _bulk(rng, dtype, size, lo, hi, nonzero, special, int_lo).astype(dtype)
    if size:
        chosen = st.tuples(st.integers(0, size - 1),
                           elements(dtype, lo, hi, nonzero, special, int_lo))
        for position, value in draw(st.lists(chosen, max_size=3), label="chosen elements"):
            values[position] = value
    return values.reshape(shape)


shapes2 = hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=5)
shapes3 = hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=4)


# --- elementwise: the table, row by row ------------------------------------------

TO_BOOL = {"lt", "gt", "le", "ge", "eq", "neq", "isnan", "isinf"}
TO_FLOAT = {"exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "sin", "cos", "tan",
            "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "erf", "floor", "ceil",
            "round_half_away_from_zero", "round_half_to_even", "sigmoid", "softplus",
            "sigmoid_binary_crossentropy"}


def expected_dtype(name, in_dtypes):
    """The output dtype Theano gives ``name`` on inputs of ``in_dtypes``."""
    if name in TO_BOOL:
        return "bool"
    if name in ("switch", "second"):
        in_dtypes = in_dtypes[1:]
    up = np.result_type(*in_dtypes).name
    if name == "true_div":
        return config.floatX if all(np.dtype(d).kind in "biu" for d in in_dtypes) else up
    if name in TO_FLOAT:
        return THEANO_FLOAT.get(up, up)
    return up


# Per op: the dtype signatures to test and each input's domain (lo, hi, options).
FLOAT_UNARY = [("float64",), ("float32",), ("int32",), ("int8",)]
SIGNED = [("float64",), ("float32",), ("int64",), ("int8",), ("uint8",)]
ARITH = [("float64", "float64"), ("float32", "float32"), ("int64", "int64"), ("int8", "int8"),
         ("int8", "float32"), ("float32", "float64"), ("int32", "float32"), ("int16", "int32"),
         ("uint8", "uint8"), ("uint16", "int8")]
COMPARE = [("float64", "float64"), ("float32", "float64"), ("int32", "int32"),
           ("int8", "float32"), ("uint8", "int8")]
LOGICAL = [("bool", "bool"), ("int8", "int8"), ("int64", "int32")]
WIDE = (-20, 20)
ELEMWISE = {
    "add": (ARITH + [("bool", "bool"), ("bool", "float32")], [WIDE, WIDE]),
    "sub": (ARITH + [("bool", "float32")], [WIDE, WIDE]),
    "mul": (ARITH + [("bool", "bool"), ("bool", "float32")], [(-10, 10), (-10, 10)]),
    "true_div": (ARITH, [WIDE, (-20, 20, {"nonzero": True})]),
    "int_div": (ARITH[:5] + ARITH[-2:], [WIDE, (-20, 20, {"nonzero": True})]),
    "mod": (ARITH[:5] + ARITH[-2:], [WIDE, (-20, 20, {"nonzero": True})]),
    "pow": ([("float64", "float64"), ("float32", "float32"), ("float32", "float64"),
             ("int32", "int32"), ("int64", "int8"), ("uint8", "uint8")],
            [(0, 10), (-3, 3, {"int_lo": 0})]),  # NumPy refuses negative integer powers
    "maximum": (COMPARE + [("float32", "float32")], [WIDE, WIDE]),
    "minimum": (COMPARE + [("float32", "float32")], [WIDE, WIDE]),
    "lt": (COMPARE, [WIDE, WIDE]), "gt": (COMPARE, [WIDE, WIDE]),
    "le": (COMPARE, [WIDE, WIDE]), "ge": (COMPARE, [WIDE, WIDE]),
    "eq": (COMPARE + [("bool", "bool")], [(-3, 3), (-3, 3)]),
    "neq": (COMPARE + [("bool", "bool")], [(-3, 3), (-3, 3)]),
    "and_": (LOGICAL, [(-100, 100), (-100, 100)]),
    "or_": (LOGICAL, [(-100, 100), (-100, 100)]),
    "xor": (LOGICAL, [(-100, 100), (-100, 100)]),
    "invert": ([("bool",), ("int8",), ("int32",)], [(-100, 100)]),
    "neg": (SIGNED, [WIDE]),
    "abs_": (SIGNED, [WIDE]),
    "sgn": (SIGNED, [WIDE]),
    "sqr": (SIGNED, [(-11, 11)]),
    "exp": (FLOAT_UNARY, [WIDE]),
    "expm1": (FLOAT_UNARY, [WIDE]),
    "log": (FLOAT_UNARY, [(0, 100)]),
    "log1p": (FLOAT_UNARY, [(-1, 100)]),
    "log2": (FLOAT_UNARY, [(0, 100)]),
    "log10": (FLOAT_UNARY, [(0, 100)]),
    "sqrt": (FLOAT_UNARY, [(0, 100)]),
    "sin": (FLOAT_UNARY, [WIDE]),
    "cos": (FLOAT_UNARY, [WIDE]),
    "tan": (FLOAT_UNARY, [(-1.5, 1.5)]),
    "arcsin": (FLOAT_UNARY, [(-1, 1)]),
    "arccos": (FLOAT_UNARY, [(-1, 1)]),
    "arctan": (FLOAT_UNARY, [WIDE]),
    "sinh": (FLOAT_UNARY, [WIDE]),
    "cosh": (FLOAT_UNARY, [WIDE]),
    "tanh": (FLOAT_UNARY, [WIDE]),
    "erf": (FLOAT_UNARY, [(-5, 5)]),
    "floor": (FLOAT_UNARY, [WIDE]),
    "ceil": (FLOAT_UNARY, [WIDE]),
    "round_half_away_from_zero": (FLOAT_UNARY, [WIDE]),
    "round_half_to_even": (FLOAT_UNARY, [WIDE]),
    "isnan": ([("float64",), ("float32",), ("int32",)], [(-5, 5, {"special": True})]),
    "isinf": ([("float64",), ("float32",), ("int32",)], [(-5, 5, {"special": True})]),
    "sigmoid": (FLOAT_UNARY, [(-50, 50)]),
    "softplus": (FLOAT_UNARY, [(-50, 50)]),
    "relu": ([("float64",), ("float32",), ("int32",)], [WIDE]),
    "sigmoid_binary_crossentropy": ([("float64", "float64"), ("float32", "float32")],
                                    [(-50, 50), (0, 1)]),
    "clip": ([("float64", "float64", "float64"), ("float32", "float32", "float32"),
              ("int32", "int32", "int32")], [WIDE, (-10, 0), (0, 10)]),
    "switch": ([("bool", "float64", "float64"), ("int8", "float32", "float64"),
                ("bool", "int32", "int8")], [(-1, 1), WIDE, WIDE]),
    "second": ([("float64", "float64"), ("int8", "float32"), ("float32", "bool")], [WIDE, WIDE]),
}


def _np_erf(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


REFERENCE = {name: ref for name, _, _, _, _, ref, _ in TABLE}
REFERENCE["erf"] = _np_erf
# Theano's C code floors the quotient: floor(x / y) (NumPy's floor_divide
# differs on a few float cases, e.g. 1 // 0.1 == 9).
REFERENCE["int_div"] = lambda x, y: (np.floor(x / y) if x.dtype.kind == "f" else x // y)


def numpy_elemwise(name, values, out_dtype):
    """NumPy's answer, computed in the dtype Theano computes in."""
    if name in TO_BOOL:
        compute = np.result_type(*values)
    elif name in ("switch", "second"):
        compute = None
    else:
        compute = np.dtype(out_dtype)
    if compute is not None:
        values = [v.astype(compute) for v in values]
    else:
        values = [values[0]] + [v.astype(out_dtype) for v in values[1:]]
    with np.errstate(all="ignore"):
        return np.asarray(REFERENCE[name](*values)).astype(out_dtype)


def test_every_table_row_is_tested():
    assert {row[0] for row in TABLE} == set(ELEMWISE)


@pytest.mark.parametrize("name", list(ELEMWISE))
@HYPOTHESIS
@given(data=st.data())
def test_elemwise_against_numpy(name, data):
    """One function per op computes it on every dtype signature listed."""
    signatures, domains = ELEMWISE[name]
    ndims = [2, 0, 0] if name == "clip" else [2] * len(domains)

    def build():
        inputs, outputs = [], []
        for k, signature in enumerate(signatures):
            args = [T.TensorType(d, (False,) * n)(f"in{k}_{i}")
                    for i, (d, n) in enumerate(zip(signature, ndims))]
            inputs += args
            outputs.append(OPS[name](*args))
        return inputs, outputs
    f, outs = compiled(("elemwise", name), build)
    shape = data.draw(shapes2, label="shape")
    values = []
    for signature in signatures:
        for dtype, ndim, (lo, hi, *options) in zip(signature, ndims, domains):
            values.append(data.draw(arrays(dtype, shape if ndim else (), lo=lo, hi=hi,
                                           **(options[0] if options else {}))))
    results = f(*values)
    for k, (signature, out, result) in enumerate(zip(signatures, outs, results)):
        args = values[k * len(ndims):(k + 1) * len(ndims)]
        out_dtype = expected_dtype(name, signature)
        expected = numpy_elemwise(name, args, out_dtype)
        rtol = 1e-4 if name in ("sigmoid_binary_crossentropy", "pow") \
            and out_dtype == "float32" else None
        note(f"{name}{signature} of {args}")
        assert_result(out, result, expected, rtol=rtol)


NAMESPACE = ("add sub mul true_div int_div mod pow maximum minimum lt gt le ge eq neq and_ or_ "
             "xor invert neg abs_ sgn sqr exp expm1 log log1p log2 log10 sqrt sin cos tan "
             "arcsin arccos arctan sinh cosh tanh erf floor ceil isnan isinf clip switch").split()


@pytest.mark.parametrize("name", NAMESPACE)
def test_table_ops_are_in_the_tensor_namespace(name):
    assert getattr(T, name) is OPS[name]


def test_other_namespace_names():
    x = T.dvector("x")
    assert T.abs(x).owner.op is OPS["abs_"] and T.where(x, x, x).owner.op is OPS["switch"]
    assert T.nnet.sigmoid is T.sigmoid is OPS["sigmoid"]
    assert T.round(x).owner.op is OPS["round_half_away_from_zero"]
    assert x.round("half_to_even").owner.op is OPS["round_half_to_even"]
    for name in ("cast", "sum", "mean", "prod", "max", "min", "argmax", "argmin", "var", "std",
                 "all", "any", "dot", "tensordot", "outer", "batched_dot", "reshape", "flatten",
                 "dimshuffle", "transpose", "concatenate", "stack", "shape", "zeros_like",
                 "ones_like", "zeros", "ones", "alloc", "fill", "arange", "eye",
                 "set_subtensor", "inc_subtensor", "grad"):
        assert callable(getattr(T, name)), name
    for name in ("sigmoid", "softmax", "relu", "softplus", "binary_crossentropy",
                 "categorical_crossentropy"):
        assert callable(getattr(T.nnet, name)), name


def test_comparisons_and_literals_build_the_right_ops():
    x = T.dmatrix("x")
    for function, name in [(T.lt, "lt"), (T.gt, "gt"), (T.le, "le"), (T.ge, "ge"),
                           (T.eq, "eq"), (T.neq, "neq"), (T.maximum, "maximum"),
                           (T.minimum, "minimum"), (T.pow, "pow")]:
        assert function(x, 1).owner.op.name == name
    assert T.switch is T.where
    assert T.abs_ is T.abs


# --- broadcasting ------------------------------------------------------------------

PATTERNS = {"matrix": (False, False), "row": (True, False), "col": (False, True),
            "scalar": (), "vector": (False,)}


@pytest.mark.parametrize("a,b", [("matrix", "row"), ("col", "matrix"), ("row", "col"),
                                 ("matrix", "scalar"), ("vector", "matrix"), ("row", "row")])
@HYPOTHESIS
@given(data=st.data())
def test_broadcasting(a, b, data):
    def build():
        x = T.TensorType("float64", PATTERNS[a])("x")
        y = T.TensorType("float32", PATTERNS[b])("y")
        return [x, y], x * y - y
    f, out = compiled(("broadcast", a, b), build)
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))

    def shape(p):
        full = {"matrix": (n, m), "row": (1, m), "col": (n, 1), "scalar": (), "vector": (m,)}
        return full[p]
    x = data.draw(arrays("float64", shape(a)))
    y = data.draw(arrays("float32", shape(b)))
    expected = x * y.astype("float64") - y.astype("float64")
    assert_result(out, f(x, y), expected)


# --- operators, reflected forms and literals ---------------------------------------

OPERATORS = {
    "x + y": (lambda x, y: x + y), "x - y": (lambda x, y: x - y),
    "x * y": (lambda x, y: x * y), "x / y": (lambda x, y: x / y),
    "x // y": (lambda x, y: x // y), "x % y": (lambda x, y: x % y),
    "x ** 2": (lambda x, y: x ** 2), "-x": (lambda x, y: -x), "+x": (lambda x, y: +x),
    "abs(x)": (lambda x, y: abs(x)),
    "x < y": (lambda x, y: x < y), "x > y": (lambda x, y: x > y),
    "x <= y": (lambda x, y: x <= y), "x >= y": (lambda x, y: x >= y),
    "2 + x": (lambda x, y: 2 + x), "2 - x": (lambda x, y: 2 - x),
    "3 * x": (lambda x, y: 3 * x), "1.5 / y": (lambda x, y: 1.5 / y),
    "7 // y": (lambda x, y: 7 // y), "7 % y": (lambda x, y: 7 % y),
    "2 ** x": (lambda x, y: 2 ** x), "x * 0.5": (lambda x, y: x * 0.5),
    "arr - x": (lambda x, y: np.array([[1.0, 2.0, 3.0]]) - x),
    "arr * x": (lambda x, y: np.array([2.0, -1.0, 0.5]) * x),
    "x @ y.T": (lambda x, y: x @ y.T),
    "(x > 0) & (y > 0)": (lambda x, y: (x > 0) & (y > 0)),
    "(x > 0) | (y > 0)": (lambda x, y: (x > 0) | (y > 0)),
    "(x > 0) ^ (y > 0)": (lambda x, y: (x > 0) ^ (y > 0)),
    "~(x > 0)": (lambda x, y: ~(x > 0)),
    "x.clip(-1, 1)": (lambda x, y: np.clip(x, -1, 1) if isinstance(x, np.ndarray)
                      else x.clip(-1, 1)),
    "T.round(x)": (lambda x, y: np.sign(x) * np.floor(np.abs(x) + 0.5)
                   if isinstance(x, np.ndarray) else T.round(x)),
    "T.where(x > y, x, 0)": (lambda x, y: (np.where if isinstance(x, np.ndarray)
                                           else T.where)(x > y, x, 0.0)),
}


@pytest.mark.parametrize("expr", list(OPERATORS))
@HYPOTHESIS
@given(data=st.data())
def test_operators_against_numpy(expr, data):
    formula = OPERATORS[expr]

    def build():
        x, y = T.dmatrix("x"), T.dmatrix("y")
        return [x, y], formula(x, y)
    f, out = compiled(("operator", expr), build)
    n = data.draw(st.integers(1, 4))
    x = data.draw(arrays("float64", (n, 3), lo=-4, hi=4))
    y = data.draw(arrays("float64", (n, 3), lo=-4, hi=4, nonzero=True))
    with np.errstate(all="ignore"):
        expected = formula(x, y)
    if expr == "x // y":
        expected = np.floor(x / y)
    assert_result(out, f(x, y), expected)


@pytest.mark.parametrize("expr", ["x + 1", "1 - x", "x * 2", "x // 2", "x % 3", "x ** 2",
                                  "x / 2", "x * 0.5", "-x", "abs(x)"])
@HYPOTHESIS
@given(data=st.data())
def test_integer_operators(expr, data):
    """int32 stays int32 with int literals; / and float literals give floatX."""
    def build():
        x = T.ivector("x")
        return [x], eval(expr, {"x": x})
    f, out = compiled(("int operator", expr), build)
    x = data.draw(arrays("int32", st.integers(0, 6).map(lambda n: (n,)), lo=-50, hi=50))
    expected = eval(expr, {"x": x})
    if expr in ("x / 2", "x * 0.5"):
        expected = expected.astype(config.floatX)
    else:
        expected = expected.astype("int32")
    assert_result(out, f(x), expected)


# --- cast / astype --------------------------------------------------------------------

CASTS = [("float64", "int32"), ("float64", "int8"), ("float32", "float64"),
         ("float64", "float32"), ("int64", "float32"), ("int32", "bool"),
         ("float64", "bool"), ("bool", "float64"), ("bool", "int32"), ("int64", "int16"),
         ("int16", "uint8"), ("float64", "complex128")]


@pytest.mark.parametrize("src,dst", CASTS)
@HYPOTHESIS
@given(data=st.data())
def test_cast_and_astype(src, dst, data):
    def build():
        x = T.TensorType(src, (False, False))("x")
        return [x], [T.cast(x, dst), x.astype(dst)]
    f, (out, out2) = compiled(("cast", src, dst), build)
    x = data.draw(arrays(src, shapes2, lo=-100, hi=100))
    if np.dtype(dst).kind in "iu":
        info = np.iinfo(dst)
        assume(src == "float64" or np.all((x >= info.min) & (x <= info.max)))
        if src == "float64":
            x = np.clip(x, info.min, info.max)  # out-of-range float casts are undefined
    with np.errstate(all="ignore"):
        expected = x.astype(dst)
    r1, r2 = f(x)
    assert_result(out, r1, expected)
    assert_result(out2, r2, expected)


def test_cast_to_same_dtype_is_identity():
    x = T.fmatrix()
    assert T.cast(x, "float32") is x
    assert x.astype("floatX" if config.floatX == "float32" else "float32") is x


# --- reductions -----------------------------------------------------------------------

REDUCTIONS = {
    "sum": (np.sum, lambda d: {"b": "int64", "i": "int64", "u": "uint64"}.get(np.dtype(d).kind, d)),
    "prod": (np.prod, lambda d: {"b": "int64", "i": "int64", "u": "uint64"}.get(np.dtype(d).kind, d)),
    "mean": (np.mean, lambda d: "float64" if np.dtype(d).kind in "biu" else d),
    "max": (np.max, lambda d: d),
    "min": (np.min, lambda d: d),
    "var": (np.var, lambda d: "float64" if np.dtype(d).kind in "biu" else d),
    "std": (np.std, lambda d: "float64" if np.dtype(d).kind in "biu" else d),
    "all": (np.all, lambda d: "bool"),
    "any": (np.any, lambda d: "bool"),
    "argmax": (np.argmax, lambda d: "int64"),
    "argmin": (np.argmin, lambda d: "int64"),
}
AXES = [None, 0, 1, -1, (0, 2), (2, 0, 1)]


def _axes(kind):
    return AXES if not kind.startswith("arg") else [None, 0, 1, -1]


def numpy_reduce(kind, x, axis, keepdims, **kw):
    function, rule = REDUCTIONS[kind]
    out_dtype = rule(x.dtype.name)
    if kind.startswith("arg"):
        result = function(x, axis=axis, keepdims=keepdims)
    elif kind in ("all", "any", "max", "min"):
        result = function(x, axis=axis, keepdims=keepdims)
    else:
        result = function(x.astype(out_dtype), axis=axis, keepdims=keepdims, **kw)
    return np.asarray(result).astype(out_dtype)


@pytest.mark.parametrize("kind", list(REDUCTIONS))
@HYPOTHESIS
@given(data=st.data())
def test_reductions(kind, data):
    """T.<kind> and the method x.<kind>, over every axis choice, with and without keepdims."""
    cases = [(axis, keepdims) for axis in _axes(kind) for keepdims in (False, True)]

    def build():
        x = T.dtensor3("x")
        return [x], [out for axis, keepdims in cases
                     for out in (getattr(T, kind)(x, axis=axis, keepdims=keepdims),
                                 getattr(x, kind)(axis=axis, keepdims=keepdims))]
    f, outs = compiled(("reduce", kind), build)
    x = data.draw(arrays("float64", shapes3, lo=-3, hi=3))
    results = f(x)
    for k, (axis, keepdims) in enumerate(cases):
        note(f"{kind}(axis={axis}, keepdims={keepdims})")
        expected = numpy_reduce(kind, x, axis, keepdims)
        assert_result(outs[2 * k], results[2 * k], expected, rtol=1e-9)
        assert_result(outs[2 * k + 1], results[2 * k + 1], expected, rtol=1e-9)


@pytest.mark.parametrize("dtype", ["int8", "int32", "bool", "float32"])
@HYPOTHESIS
@given(data=st.data())
def test_reduction_dtypes(dtype, data):
    kinds = [k for k in REDUCTIONS if not (dtype == "bool" and k in ("var", "std"))]

    def build():
        x = T.TensorType(dtype, (False, False))("x")
        return [x], [getattr(T, kind)(x, axis=1) for kind in kinds]
    f, outs = compiled(("reduce dtype", dtype), build)
    shape = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5)
    x = data.draw(arrays(dtype, shape, lo=-100, hi=100))
    for kind, out, result in zip(kinds, outs, f(x)):
        note(kind)
        expected = numpy_reduce(kind, x, 1, False)
        assert_result(out, result, expected, rtol=1e-4 if dtype == "float32" else None)


@pytest.mark.parametrize("ddof", [0, 1])
@HYPOTHESIS
@given(data=st.data())
def test_var_std_ddof(ddof, data):
    def build():
        x = T.dmatrix("x")
        return [x], [T.var(x, axis=0, ddof=ddof), x.std(axis=1, ddof=ddof, keepdims=True)]
    f, (v, s) = compiled(("ddof", ddof), build)
    x = data.draw(arrays("float64", hnp.array_shapes(min_dims=2, max_dims=2, min_side=2,
                                                      max_side=5), lo=-3, hi=3))
    rv, rs = f(x)
    assert_result(v, rv, np.var(x, axis=0, ddof=ddof), rtol=1e-9)
    assert_result(s, rs, np.std(x, axis=1, ddof=ddof, keepdims=True), rtol=1e-9, atol=1e-7)


def test_reduction_of_scalar_and_sum_dtype_argument():
    x = T.dscalar("x")
    m = T.imatrix("m")
    f = theano.function([x, m], [x.sum(), T.max(x), m.sum(dtype="float32"),
                                 T.sum(m, axis=0, dtype="int32")])
    s, mx, total, cols = f(2.5, np.array([[1, 2], [3, 4]], "int32"))
    assert s.shape == () and s == 2.5 and mx == 2.5
    assert total.dtype == np.float32 and total == 10
    assert cols.dtype == np.int32 and cols.tolist() == [4, 6]


def test_reduction_bad_axis_is_a_build_time_error():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="axis 2"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="repeated"):
        x.sum(axis=(0, 0))


# --- products ---------------------------------------------------------------------------

DOT_CASES = {"vector.vector": (1, 1), "matrix.vector": (2, 1), "vector.matrix": (1, 2),
             "matrix.matrix": (2, 2), "tensor3.matrix": (3, 2), "matrix.tensor3": (2, 3),
             "scalar.matrix": (0, 2), "vector.tensor3": (1, 3)}


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float64"),
                                    ("int32", "int32"), ("float32", "float32")])
@HYPOTHESIS
@given(data=st.data())
def test_dot(dtypes, data):
    """T.dot and a.dot(b) for every pair of ndims in DOT_CASES, as NumPy's dot."""
    def build():
        a = [T.TensorType(dtypes[0], (False,) * n)(f"a{n}") for n in range(4)]
        b = [T.TensorType(dtypes[1], (False,) * n)(f"b{n}") for n in range(4)]
        outs = [out for na, nb in DOT_CASES.values()
                for out in (T.dot(a[na], b[nb]), a[na].dot(b[nb]))]
        return a + b, outs
    f, outs = compiled(("dot", dtypes), build)
    n, k, m, p = (data.draw(st.integers(0, 4)) for _ in range(4))
    a = [data.draw(arrays(dtypes[0], shape, lo=-5, hi=5))
         for shape in [(), (k,), (n, k), (p, n, k)]]
    b = [data.draw(arrays(dtypes[1], shape, lo=-5, hi=5))
         for shape in [(), (k,), (k, m), (p, k, m)]]
    results = f(*a, *b)
    tolerance = dict(rtol=1e-4, atol=1e-4) if "float32" in dtypes else {}
    for i, (case, (na, nb)) in enumerate(DOT_CASES.items()):
        note(case)
        expected = np.dot(a[na], b[nb]).astype(np.result_type(a[na], b[nb]))
        assert_result(outs[2 * i], results[2 * i], expected, **tolerance)
        assert_result(outs[2 * i + 1], results[2 * i + 1], expected, **tolerance)


@pytest.mark.parametrize("axes", [2, 1, 0, [[1], [0]], [[0, 2], [1, 0]], [[2], [1]]])
@HYPOTHESIS
@given(data=st.data())
def test_tensordot(axes, data):
    def build():
        a, b = T.dtensor3("a"), T.dtensor3("b")
        return [a, b], T.tensordot(a, b, axes)
    f, out = compiled(("tensordot", str(axes)), build)
    sizes = [data.draw(st.integers(1, 3)) for _ in range(6)]
    a_shape = tuple(sizes[:3])
    if isinstance(axes, int):
        b_shape = a_shape[3 - axes:] + tuple(sizes[3:3 + 3 - axes])
    else:
        b_shape = list(sizes[3:])
        for i, j in zip(*axes):
            b_shape[j] = a_shape[i]
        b_shape = tuple(b_shape)
    a = data.draw(arrays("float64", a_shape, lo=-5, hi=5))
    b = data.draw(arrays("float64", b_shape, lo=-5, hi=5))
    assert_result(out, f(a, b), np.tensordot(a, b, axes))


@HYPOTHESIS
@given(data=st.data())
def test_outer(data):
    f, out = compiled(("outer",), lambda: ((lambda x, y: ([x, y], T.outer(x, y)))(
        T.fvector("x"), T.dvector("y"))))
    x = data.draw(arrays("float32", st.integers(0, 5).map(lambda n: (n,))))
    y = data.draw(arrays("float64", st.integers(0, 5).map(lambda n: (n,))))
    assert_result(out, f(x, y), np.outer(x, y))


@pytest.mark.parametrize("na,nb", [(3, 3), (3, 2), (2, 3), (2, 2)])
@HYPOTHESIS
@given(data=st.data())
def test_batched_dot(na, nb, data):
    def build():
        a = T.TensorType("float64", (False,) * na)("a")
        b = T.TensorType("float64", (False,) * nb)("b")
        return [a, b], T.batched_dot(a, b)
    f, out = compiled(("batched_dot", na, nb), build)
    batch, n, k, m = (data.draw(st.integers(1, 4)) for _ in range(4))
    a = data.draw(arrays("float64", (batch, n, k)[:na] if na == 3 else (batch, k), lo=-5, hi=5))
    b = data.draw(arrays("float64", (batch, k, m) if nb == 3 else (batch, k), lo=-5, hi=5))
    expected = np.stack([np.dot(a[i], b[i]) for i in range(batch)])
    assert_result(out, f(a, b), expected)


# --- shape ops ----------------------------------------------------------------------------

def _divisor_pairs(total):
    return [(d, total // d) for d in range(1, total + 1) if total % d == 0]


@HYPOTHESIS
@given(data=st.data())
def test_reshape_and_flatten(data):
    def build():
        x, rows = T.dtensor3("x"), T.lscalar("rows")
        return [x, rows], [x.reshape((rows, -1)), T.reshape(x, (-1,)), x.flatten(),
                           T.flatten(x, 2), x.reshape(x.shape[::-1], ndim=3),
                           x.reshape((1, rows, -1))]
    f, outs = compiled(("reshape",), build)
    x = data.draw(arrays("float64", hnp.array_shapes(min_dims=3, max_dims=3, min_side=1,
                                                      max_side=4)))
    rows, _ = data.draw(st.sampled_from(_divisor_pairs(x.size)))
    results = f(x, rows)
    expected = [x.reshape(rows, -1), x.reshape(-1), x.flatten(), x.reshape(x.shape[0], -1),
                x.reshape(x.shape[::-1]), x.reshape(1, rows, -1)]
    for out, result, want in zip(outs, results, expected):
        assert_result(out, result, want)
    assert outs[5].broadcastable == (True, False, False)


DIMSHUFFLES = [((0, 1, 2), (2, 0, 1)), ((0, 1, 2), (1, 0, 2)), ((0, 1), ("x", 0, 1)),
               ((0, 1), (1, "x", 0)), ((0, 1), (0, 1, "x")), ((True, 0), (1,)),
               ((0, True), (0,)), ((True, 0), ("x", 1, "x")), ((True, True), ())]


@pytest.mark.parametrize("pattern,order", DIMSHUFFLES)
@HYPOTHESIS
@given(data=st.data())
def test_dimshuffle(pattern, order, data):
    broadcastable = [p is True for p in pattern]

    def build():
        x = T.TensorType("float64", broadcastable)("x")
        return [x], x.dimshuffle(*order)
    f, out = compiled(("dimshuffle", pattern, order), build)
    shape = tuple(1 if b else data.draw(st.integers(0, 4)) for b in broadcastable)
    x = data.draw(arrays("float64", shape))
    # NumPy's version: drop the dropped axes, permute, then insert the new ones.
    kept = [o for o in order if o != "x"]
    dropped = tuple(d for d in range(x.ndim) if d not in kept)
    y = np.squeeze(x, dropped) if dropped else x
    remaining = [d for d in range(x.ndim) if d not in dropped]
    y = np.transpose(y, [remaining.index(k) for k in kept])
    for i, o in enumerate(order):
        if o == "x":
            y = np.expand_dims(y, i)
    assert_result(out, f(x), y)
    assert out.broadcastable == tuple(True if o == "x" else broadcastable[o] for o in order)


def test_dimshuffle_errors():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="drop"):
        x.dimshuffle(0)
    with pytest.raises(ValueError, match="twice"):
        x.dimshuffle(0, 0)
    with pytest.raises(ValueError):
        x.dimshuffle(0, 2)


@HYPOTHESIS
@given(data=st.data())
def test_transpose(data):
    def build():
        x = T.dtensor3("x")
        return [x], [x.T, T.transpose(x), x.transpose(1, 2, 0), T.transpose(x, (0, 2, 1)),
                     x.transpose([2, 0, 1])]
    f, outs = compiled(("transpose",), build)
    x = data.draw(arrays("float64", shapes3))
    expected = [x.T, np.transpose(x), x.transpose(1, 2, 0), x.transpose(0, 2, 1),
                x.transpose(2, 0, 1)]
    for out, result, want in zip(outs, f(x), expected):
        assert_result(out, result, want)


@pytest.mark.parametrize("axis", [0, 1, -1])
@HYPOTHESIS
@given(data=st.data())
def test_concatenate_and_stack(axis, data):
    def build():
        a, b = T.dmatrix("a"), T.fmatrix("b")
        return [a, b], [T.concatenate([a, b, a], axis=axis), T.stack([a, b], axis=axis)]
    f, (cat, stacked) = compiled(("concatenate", axis), build)
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    a = data.draw(arrays("float64", (n, m)))
    b_same = data.draw(arrays("float32", (n, m)))
    r_cat, r_stack = f(a, b_same)
    assert_result(cat, r_cat, np.concatenate([a, b_same.astype("float64"), a], axis=axis))
    assert_result(stacked, r_stack, np.stack([a, b_same.astype("float64")], axis=axis))


@pytest.mark.parametrize("axis", [0, 1])
@HYPOTHESIS
@given(data=st.data())
def test_concatenate_unequal_lengths(axis, data):
    def build():
        a, b = T.dmatrix("a"), T.imatrix("b")
        return [a, b], T.concatenate([a, b], axis=axis)
    f, out = compiled(("concatenate unequal", axis), build)
    n, m, k = (data.draw(st.integers(0, 4)) for _ in range(3))
    a = data.draw(arrays("float64", (n, m)))
    b = data.draw(arrays("int32", (k, m) if axis == 0 else (n, k)))
    assert_result(out, f(a, b), np.concatenate([a, b], axis=axis))


@HYPOTHESIS
@given(data=st.data())
def test_shape_and_filled_like(data):
    def build():
        x = T.imatrix("x")
        return [x], [x.shape, T.shape(x), T.zeros_like(x), T.ones_like(x),
                     T.zeros_like(x, dtype="float32"), x.ones_like(dtype="int8"),
                     T.fill(x, 2.5), x.shape[1], x.size]
    f, outs = compiled(("shape and like",), build)
    x = data.draw(arrays("int32", shapes2))
    expected = [np.array(x.shape, "int64"), np.array(x.shape, "int64"), np.zeros_like(x),
                np.ones_like(x), np.zeros(x.shape, "float32"), np.ones(x.shape, "int8"),
                np.full(x.shape, 2.5, config.floatX), np.int64(x.shape[1]),
                np.int64(x.size)]
    for out, result, want in zip(outs, f(x), expected):
        assert_result(out, result, want)


@HYPOTHESIS
@given(data=st.data())
def test_zeros_ones_alloc(data):
    def build():
        n, m = T.lscalar("n"), T.iscalar("m")
        v = T.drow("v")
        return [n, m, v], [T.zeros((n, m)), T.ones((n, 3), dtype="int32"),
                           T.alloc(np.float32(1.5), n, m), T.alloc(v, n, v.shape[1]),
                           T.zeros((2,)), T.ones(n, dtype="int8"),
                           T.alloc(v, 1, v.shape[1])]
    f, outs = compiled(("zeros ones alloc",), build)
    n, m = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    v = data.draw(arrays("float64", (1, data.draw(st.integers(1, 4)))))
    expected = [np.zeros((n, m), config.floatX), np.ones((n, 3), "int32"),
                np.full((n, m), 1.5, "float32"), np.broadcast_to(v, (n, v.shape[1])),
                np.zeros(2, config.floatX), np.ones(n, "int8"), v]
    for out, result, want in zip(outs, f(n, m, v), expected):
        assert_result(out, result, want)
    assert outs[6].broadcastable == (True, False)


@HYPOTHESIS
@given(data=st.data())
def test_arange(data):
    def build():
        a, b = T.lscalar("a"), T.lscalar("b")
        s = T.lscalar("s")
        x, y = T.dscalar("x"), T.dscalar("y")
        return [a, b, s, x, y], [T.arange(b), T.arange(a, b), T.arange(a, b, s),
                                 T.arange(x, y, 0.5), T.arange(b, dtype="float32"),
                                 T.arange(a, b, s, dtype="int8"), T.arange(b, dtype="uint16")]
    f, outs = compiled(("arange",), build)
    a, b = data.draw(st.integers(-5, 5)), data.draw(st.integers(-5, 10))
    s = data.draw(st.integers(-3, 3).filter(bool))
    x, y = data.draw(st.integers(-6, 6)) / 2, data.draw(st.integers(-6, 6)) / 2
    expected = [np.arange(b), np.arange(a, b), np.arange(a, b, s), np.arange(x, y, 0.5),
                np.arange(b, dtype="float32"), np.arange(a, b, s, dtype="int8"),
                np.arange(max(b, 0), dtype="uint16")]
    for out, result, want in zip(outs, f(a, b, s, x, y), expected):
        assert_result(out, result, want)


def test_arange_of_literals_dtype():
    assert T.arange(5).dtype == "int64"
    assert T.arange(0.0, 1.0, 0.25).dtype == config.floatX
    np.testing.assert_array_equal(T.arange(2, 9, 3).eval(), np.arange(2, 9, 3))


@HYPOTHESIS
@given(data=st.data())
def test_eye(data):
    def build():
        n, m, k = T.lscalar("n"), T.lscalar("m"), T.lscalar("k")
        return [n, m, k], [T.eye(n), T.eye(n, m, k), T.eye(n, m, k, dtype="int32")]
    f, outs = compiled(("eye",), build)
    n, m, k = data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5)), data.draw(st.integers(-5, 5))
    expected = [np.eye(n, dtype=config.floatX), np.eye(n, m, k, dtype=config.floatX),
                np.eye(n, m, k, dtype="int32")]
    for out, result, want in zip(outs, f(n, m, k), expected):
        assert_result(out, result, want)


# --- indexing -----------------------------------------------------------------------------

# (With None, every axis is given: Theano 1.0 drops the axes left out, see
# tests/ops/test_op_semantics.py.)
BASIC_INDEXES = {
    "x[1]": lambda x: x[1], "x[-1]": lambda x: x[-1], "x[1:3]": lambda x: x[1:3],
    "x[::-1]": lambda x: x[::-1], "x[:, 0]": lambda x: x[:, 0],
    "x[None, :, 1, :]": lambda x: x[None, :, 1, :], "x[..., 0]": lambda x: x[..., 0],
    "x[1:, ::2]": lambda x: x[1:, ::2], "x[-2:, -1]": lambda x: x[-2:, -1],
    "x[0, None, :, :]": lambda x: x[0, None, :, :], "x[:, None, ...]": lambda x: x[:, None, ...],
    "x[1, 2, ...]": lambda x: x[1, 2, ...], "x[:10:3]": lambda x: x[:10:3],
    "x[::-2, 1::-1]": lambda x: x[::-2, 1::-1], "x[...]": lambda x: x[...],
}


@pytest.mark.parametrize("expr", list(BASIC_INDEXES))
@HYPOTHESIS
@given(data=st.data())
def test_basic_indexing(expr, data):
    index = BASIC_INDEXES[expr]

    def build():
        x = T.dtensor3("x")
        return [x], index(x)
    f, out = compiled(("index", expr), build)
    x = data.draw(arrays("float64", hnp.array_shapes(min_dims=3, max_dims=3, min_side=3,
                                                      max_side=5)))
    assert_result(out, f(x), index(x))


@HYPOTHESIS
@given(data=st.data())
def test_symbolic_slices_match_python_slices(data):
    def build():
        x = T.dvector("x")
        a, b, c, i = T.lscalar("a"), T.lscalar("b"), T.lscalar("c"), T.iscalar("i")
        return [x, a, b, c, i], [x[a:b:c], x[a:], x[:b], x[::c], x[i], x[a:b]]
    f, outs = compiled(("symbolic slices",), build)
    n = data.draw(st.integers(1, 7))
    x = data.draw(arrays("float64", (n,)))
    a, b = data.draw(st.integers(-9, 9)), data.draw(st.integers(-9, 9))
    c = data.draw(st.integers(-3, 3).filter(bool))
    i = data.draw(st.integers(-n, n - 1))
    expected = [x[a:b:c], x[a:], x[:b], x[::c], x[i], x[a:b]]
    for out, result, want in zip(outs, f(x, a, b, c, i), expected):
        assert_result(out, result, np.asarray(want))


ADVANCED_INDEXES = {
    "x[ivec]": (lambda x, i, j, m: x[i]),
    "x[:, ivec]": (lambda x, i, j, m: x[:, i]),
    "x[imat]": (lambda x, i, j, m: x[m]),
    "x[ivec, jvec]": (lambda x, i, j, m: x[i, j]),
    "x[1:, ivec]": (lambda x, i, j, m: x[1:, i]),
    "x[ivec, 0]": (lambda x, i, j, m: x[i, 0]),
    "x[ivec][::-1]": (lambda x, i, j, m: x[i][::-1]),
}


@pytest.mark.parametrize("expr", list(ADVANCED_INDEXES))
@HYPOTHESIS
@given(data=st.data())
def test_integer_array_indexing(expr, data):
    index = ADVANCED_INDEXES[expr]

    def build():
        x, i, j, m = T.dmatrix("x"), T.lvector("i"), T.ivector("j"), T.lmatrix("m")
        return [x, i, j, m], index(x, i, j, m)
    f, out = compiled(("advanced", expr), build)
    n = data.draw(st.integers(2, 5))
    x = data.draw(arrays("float64", (n, n)))
    k = data.draw(st.integers(0, 5))
    positions = st.integers(-n, n - 1)
    i = np.array(data.draw(st.lists(positions, min_size=k, max_size=k)), "int64")
    j = np.array(data.draw(st.lists(positions, min_size=k, max_size=k)), "int32")
    m = np.array(data.draw(st.lists(positions, min_size=6, max_size=6)), "int64").reshape(2, 3)
    assert_result(out, f(x, i, j, m), index(x, i, j, m))


def test_integer_array_index_from_a_list():
    x = T.dvector("x")
    value = np.arange(5.0)
    np.testing.assert_array_equal(x[[0, 2, 0]].eval({x: value}), value[[0, 2, 0]])


@HYPOTHESIS
@given(data=st.data())
def test_boolean_mask_indexing(data):
    def build():
        x, mask = T.dmatrix("x"), T.bvector("mask")
        return [x, mask], [x[x > 0], x[T.neq(mask, 0)], x[T.neq(mask, 0)].sum(),
                           x.nonzero_values()]
    f, outs = compiled(("mask",), build)
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    x = data.draw(arrays("float64", (n, m), lo=-3, hi=3))
    mask = data.draw(arrays("int8", (n,), lo=0, hi=1))
    expected = [x[x > 0], x[mask != 0], x[mask != 0].sum(), x[x != 0]]
    for out, result, want in zip(outs, f(x, mask), expected):
        assert_result(out, result, np.asarray(want))


SET_INC = {
    "x[1:3]": (lambda x: x[1:3], (2, "m")),
    "x[0]": (lambda x: x[0], ("m",)),
    "x[:, -1]": (lambda x: x[:, -1], ("n",)),
    "x[::2, 1:]": (lambda x: x[::2, 1:], ("n2", "m-1")),
    "x[ivec]": (lambda x: x[x.shape[0] - 1:], ()),
}


@pytest.mark.parametrize("expr", [e for e in SET_INC if "ivec" not in e])
@pytest.mark.parametrize("how", ["set", "inc"])
@HYPOTHESIS
@given(data=st.data())
def test_set_and_inc_subtensor(expr, how, data):
    index = SET_INC[expr][0]

    def build():
        x = T.dmatrix("x")
        view = index(x)
        y = T.TensorType("float64", (False,) * view.ndim)("y")
        update = T.set_subtensor if how == "set" else T.inc_subtensor
        return [x, y], update(view, y)
    f, out = compiled(("set/inc", expr, how), build)
    n, m = data.draw(st.integers(3, 5)), data.draw(st.integers(2, 5))
    x = data.draw(arrays("float64", (n, m)))
    shape = index(x).shape
    y = data.draw(arrays("float64", shape))
    expected = x.copy()
    if how == "set":
        expected[tuple_index(expr, x)] = y
    else:
        expected[tuple_index(expr, x)] += y
    assert_result(out, f(x, y), expected)


def tuple_index(expr, x):
    return {"x[1:3]": np.s_[1:3], "x[0]": np.s_[0], "x[:, -1]": np.s_[:, -1],
            "x[::2, 1:]": np.s_[::2, 1:]}[expr]


@HYPOTHESIS
@given(data=st.data())
def test_inc_subtensor_repeated_indices_add_up(data):
    def build():
        x, i, y = T.dvector("x"), T.lvector("i"), T.dvector("y")
        return [x, i, y], [T.inc_subtensor(x[i], y), T.inc_subtensor(x[i], 1.0)]
    f, (out, out_scalar) = compiled(("inc repeated",), build)
    n = data.draw(st.integers(1, 5))
    x = data.draw(arrays("float64", (n,)))
    k = data.draw(st.integers(0, 8))
    i = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=k, max_size=k)), "int64")
    y = data.draw(arrays("float64", (k,)))
    expected = x.copy()
    np.add.at(expected, i, y)
    expected_ones = x.copy()
    np.add.at(expected_ones, i, 1.0)
    r, r_ones = f(x, i, y)
    assert_result(out, r, expected)
    assert_result(out_scalar, r_ones, expected_ones)


@HYPOTHESIS
@given(data=st.data())
def test_set_subtensor_with_array_index_and_broadcast_value(data):
    def build():
        x, i = T.dmatrix("x"), T.lvector("i")
        return [x, i], [T.set_subtensor(x[i], 0.0), T.set_subtensor(x[:, i], x[:, i] * 2),
                        T.inc_subtensor(x[1:, 0], 5)]
    f, outs = compiled(("set array",), build)
    n, m = data.draw(st.integers(2, 5)), data.draw(st.integers(2, 5))
    x = data.draw(arrays("float64", (n, m)))
    i = np.array(data.draw(st.lists(st.integers(0, min(n, m) - 1), unique=True, max_size=3)),
                 "int64")
    e1 = x.copy()
    e1[i] = 0.0
    e2 = x.copy()
    e2[:, i] = x[:, i] * 2
    e3 = x.copy()
    e3[1:, 0] += 5
    for out, result, want in zip(outs, f(x, i), [e1, e2, e3]):
        assert_result(out, result, want)


@HYPOTHESIS
@given(data=st.data())
def test_inc_subtensor_with_boolean_mask(data):
    def build():
        x = T.dvector("x")
        return [x], [T.inc_subtensor(x[x > 0], 1.0), T.set_subtensor(x[x < 0], 0.0)]
    f, outs = compiled(("inc mask",), build)
    x = data.draw(arrays("float64", st.integers(0, 6).map(lambda n: (n,))))
    e1, e2 = x.copy(), x.copy()
    e1[x > 0] += 1
    e2[x < 0] = 0
    for out, result, want in zip(outs, f(x), [e1, e2]):
        assert_result(out, result, want)


def test_indexing_errors_at_build_time():
    x = T.dmatrix("x")
    with pytest.raises(IndexError, match="too many"):
        x[0, 0, 0]
    with pytest.raises(TypeError):
        x[T.dscalar("d")]
    with pytest.raises(TypeError, match="subtensor"):
        T.set_subtensor(x, 1.0)


# --- nnet ---------------------------------------------------------------------------------

def np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@HYPOTHESIS
@given(data=st.data())
def test_nnet_activations(dtype, data):
    def build():
        z = T.TensorType(dtype, (False, False))("z")
        nn = T.nnet
        return [z], [nn.sigmoid(z), nn.softmax(z), nn.relu(z), nn.relu(z, alpha=0.1),
                     nn.softplus(z), T.sigmoid(z), T.nnet.logsoftmax(z)]
    f, outs = compiled(("activations", dtype), build)
    z = data.draw(arrays(dtype, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1,
                                                  max_side=5), lo=-800, hi=800))
    z64 = z.astype("float64")
    with np.errstate(over="ignore"):
        expected = [1 / (1 + np.exp(-z64)), np_softmax(z64), np.maximum(z64, 0),
                    np.where(z64 > 0, z64, 0.1 * z64), np.logaddexp(0, z64),
                    1 / (1 + np.exp(-z64)), np_log_softmax(z64)]
    for out, result, want in zip(outs, f(z), expected):
        assert np.all(np.isfinite(result))
        assert_result(out, result, want.astype(dtype), rtol=1e-5 if dtype == "float32" else 1e-9,
                      atol=1e-6 if dtype == "float32" else 1e-12)


@HYPOTHESIS
@given(data=st.data())
def test_binary_crossentropy(data):
    def build():
        z, t = T.dmatrix("z"), T.dmatrix("t")
        p = T.nnet.sigmoid(z)
        return [z, t], [T.nnet.binary_crossentropy(p, t),
                        T.nnet.binary_crossentropy(p.clip(1e-7, 1 - 1e-7), t)]
    f, (stable, naive) = compiled(("bce",), build)
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    z = data.draw(arrays("float64", (n, m), lo=-1000, hi=1000))
    t = data.draw(arrays("float64", (n, m), lo=0, hi=1))
    expected = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    r_stable, r_naive = f(z, t)
    assert np.all(np.isfinite(r_stable))
    assert_result(stable, r_stable, expected, rtol=1e-9, atol=1e-9)
    p = np.clip(1 / (1 + np.exp(-np.clip(z, -700, 700))), 1e-7, 1 - 1e-7)
    assert_result(naive, r_naive, -(t * np.log(p) + (1 - t) * np.log(1 - p)), rtol=1e-7)


def test_binary_crossentropy_is_finite_where_the_naive_formula_overflows():
    z, t = T.dvector("z"), T.dvector("t")
    loss = T.nnet.binary_crossentropy(T.nnet.sigmoid(z), t)
    result = theano.function([z, t], loss)([1000.0, -1000.0, 50.0], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(result, [1000.0, 1000.0, np.log1p(np.exp(-50.0))], rtol=1e-12)


@HYPOTHESIS
@given(data=st.data())
def test_categorical_crossentropy(data):
    def build():
        z, onehot, labels = T.dmatrix("z"), T.dmatrix("onehot"), T.lvector("labels")
        p = T.nnet.softmax(z)
        cce = T.nnet.categorical_crossentropy
        q = z.clip(1e-3, 1.0)  # a probability-like matrix not made by softmax
        return [z, onehot, labels], [cce(p, onehot), cce(p, labels), cce(q, onehot),
                                     cce(q, labels)]
    f, outs = compiled(("cce",), build)
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 5))
    z = data.draw(arrays("float64", (n, m), lo=-1000, hi=1000))
    labels = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n)), "int64")
    onehot = np.eye(m)[labels]
    q = np.clip(z, 1e-3, 1.0)
    expected = [-(onehot * np_log_softmax(z)).sum(-1), -np_log_softmax(z)[np.arange(n), labels],
                -(onehot * np.log(q)).sum(-1), -np.log(q[np.arange(n), labels])]
    for out, result, want in zip(outs, f(z, onehot, labels), expected):
        assert np.all(np.isfinite(result))
        assert_result(out, result, want, rtol=1e-9, atol=1e-9)


def test_categorical_crossentropy_is_finite_where_softmax_underflows():
    z, labels = T.dmatrix("z"), T.lvector("labels")
    loss = T.nnet.categorical_crossentropy(T.nnet.softmax(z), labels)
    result = theano.function([z, labels], loss)([[1000.0, -1000.0]], [1])
    np.testing.assert_allclose(result, [2000.0])


def test_softmax_of_a_vector_and_float32_types():
    v = T.fvector("v")
    sm = T.nnet.softmax(v)
    result = sm.eval({v: np.array([1, 2, 3], "float32")})
    assert sm.dtype == "float32" and result.dtype == np.float32
    np.testing.assert_allclose(result.reshape(-1), np_softmax(np.array([1.0, 2, 3])), rtol=1e-6)


# --- regressions: cases NumPy computes that once failed or differed -----------------------

def _bool_vec(name):
    return T.TensorType("bool", (False,))(name)


BOOL_GRID = (np.array([True, True, False, False]), np.array([True, False, True, False]))


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_bool_inputs_to_ops_without_a_tf_bool_kernel(mode):
    """NumPy's results and dtypes: max/min of bools are or/and, comparisons
    compare 0 and 1, abs/relu/clip stay bool, and ``**``, ``//``, ``%``,
    square give int8."""
    a, b, d = _bool_vec("a"), _bool_vec("b"), _bool_vec("d")  # d: a divisor, all True
    binary = {"pow": np.power, "maximum": np.maximum, "minimum": np.minimum, "lt": np.less,
              "gt": np.greater, "le": np.less_equal, "ge": np.greater_equal,
              "int_div": np.floor_divide, "mod": np.mod}
    unary = {"abs_": np.abs, "sqr": np.square,
             "relu": lambda x: np.maximum(x, np.zeros_like(x))}
    x, y, ones = np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool), np.ones(4, bool)

    divides = ("int_div", "mod")
    outs = ([OPS[n](a, d if n in divides else b) for n in binary] + [OPS[n](a) for n in unary]
            + [OPS["clip"](a, b, True), a ** True, a // True, T.maximum(a, 0)])
    expected = ([binary[n](x, ones if n in divides else y) for n in binary]
                + [unary[n](x) for n in unary]
                + [np.clip(x, y, True), np.power(x, True), np.floor_divide(x, True),
                   np.maximum(x, np.int8(0))])
    f = theano.function([a, b, d], outs, mode=mode)
    for out, result, want in zip(outs, f(x, y, ones), expected):
        assert_result(out, result, want)


def test_clip_bounds_with_more_dimensions_than_x():
    x, v, m = T.dscalar("x"), T.dvector("v"), T.dmatrix("m")
    outs = [T.clip(x, 0, v), T.clip(v, m, 3.0), T.clip(x, -v, v)]
    xv, vv, mv = 0.5, np.array([1.0, 0.25, 0.0]), np.array([[0.0, 2.0, -1.0], [1.0, 1.0, 1.0]])
    expected = [np.clip(xv, 0, vv), np.clip(vv, mv, 3.0), np.clip(xv, -vv, vv)]
    for out, result, want in zip(outs, theano.function([x, v, m], outs)(xv, vv, mv), expected):
        assert_result(out, result, want)


def test_sigmoid_binary_crossentropy_broadcasts():
    m, v = T.dmatrix("m"), T.dvector("v")
    sbce = OPS["sigmoid_binary_crossentropy"]
    outs = [sbce(m, v), sbce(v, m), sbce(m, 0.25)]
    mv, vv = np.array([[0.0, 2.0, -30.0], [1.0, -1.0, 40.0]]), np.array([1.0, 0.0, 0.5])
    ref = REFERENCE["sigmoid_binary_crossentropy"]
    expected = [ref(mv, vv), ref(vv, mv), ref(mv, 0.25)]
    for out, result, want in zip(outs, theano.function([m, v], outs)(mv, vv), expected):
        assert_result(out, result, want)


def test_var_and_std_of_a_scalar():
    x = T.dscalar("x")
    outs = [T.var(x), T.std(x), T.var(x, keepdims=True), x.std(axis=())]
    for out, result, want in zip(outs, theano.function([x], outs)(1.5),
                                 [np.var(1.5), np.std(1.5), np.var(1.5), 0.0]):
        assert_result(out, result, np.float64(want))


def test_erf_of_huge_and_infinite_float64():
    x = T.dvector("x")
    values = np.array([np.inf, -np.inf, 1e300, -1.5e154, 27.0, -6.5, np.nan, 0.5])
    assert_result(T.erf(x), theano.function([x], T.erf(x))(values), _np_erf(values))
    g = theano.function([x], T.grad(T.erf(x).sum(), x))(np.array([0.5, 5.0]))
    np.testing.assert_allclose(g, 2 / np.sqrt(np.pi) * np.exp(-np.array([0.25, 25.0])))


def test_small_and_mixed_integer_scalar_indices():
    x, m = T.dvector("x"), T.dmatrix("m")
    i8, i16, u8 = T.TensorType("int8", ())("i8"), T.wscalar("i16"), T.TensorType("uint8", ())("u8")
    i32, i64 = T.iscalar("i32"), T.lscalar("i64")
    outs = [x[i8], x[i16:], x[:u8], x[i8:i16:u8], m[i32, i64:], m[i64:, i32], m[i8, :i32]]
    xv, mv = np.arange(6.0), np.arange(12.0).reshape(3, 4)
    values = dict(i8=-2, i16=1, u8=3, i32=1, i64=2)
    f = theano.function([x, m, i8, i16, u8, i32, i64], outs)
    s = type("S", (), values)
    expected = [xv[s.i8], xv[s.i16:], xv[:s.u8], xv[s.i8:s.i16:s.u8], mv[s.i32, s.i64:],
                mv[s.i64:, s.i32], mv[s.i8, :s.i32]]
    for out, result, want in zip(outs, f(xv, mv, *values.values()), expected):
        assert_result(out, result, np.asarray(want))


def test_inc_subtensor_of_bools_is_logical_or():
    b, c = _bool_vec("b"), _bool_vec("c")
    index = np.array([0, 0, 3, 1])
    outs = [T.inc_subtensor(b[0], True), T.inc_subtensor(b[1:], c[1:]),
            T.inc_subtensor(b[index], True), T.inc_subtensor(b[index], c), T.inc_subtensor(b[2], 1)]
    bv, cv = np.array([False, True, False, False]), np.array([True, False, True, False])
    e = [bv.copy() for _ in outs]
    e[0][0] += True
    e[1][1:] += cv[1:]
    np.add.at(e[2], index, True)
    np.add.at(e[3], index, cv)
    e[4][2] += True
    for out, result, want in zip(outs, theano.function([b, c], outs)(bv, cv), e):
        assert_result(out, result, want)


# NumPy's rule: advanced indices (arrays, masks, and the ints beside them) that
# are not next to each other put their dimensions first.
APART = {
    "x[0, :, a]": lambda x, a, b: x[0, :, a],
    "x[a, :, 0]": lambda x, a, b: x[a, :, 0],
    "x[a, :, b]": lambda x, a, b: x[a, :, b],
    "x[1, None, b]": lambda x, a, b: x[1, None, b],
    "x[b, ..., 1]": lambda x, a, b: x[b, ..., 1],
    "x[None, 0, :, a]": lambda x, a, b: x[None, 0, :, a],
    "x[1:, b, None, 0]": lambda x, a, b: x[1:, b, None, 0],
    "x[0, :, mask]": lambda x, a, b: x[0, :, np.array([True, False, True, True, False])],
    # Next to each other: in place.
    "x[:, 0, b]": lambda x, a, b: x[:, 0, b],
    "x[:, a, b]": lambda x, a, b: x[:, a, b],
    "x[a, 1, b]": lambda x, a, b: x[a, 1, b],
    "x[:, mask, 0]": lambda x, a, b: x[:, np.array([True, False, True, True]), 0],
}


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_advanced_indices_apart_put_their_dimensions_first(mode):
    x, a, b = T.dtensor3("x"), T.lmatrix("a"), T.ivector("b")
    outs = [index(x, a, b) for index in APART.values()]
    xv, av, bv = np.arange(60.0).reshape(3, 4, 5), np.array([[0, 2], [1, -1]]), np.array([1, 0],
                                                                                          "int32")
    f = theano.function([x, a, b], outs, mode=mode, on_unused_input="ignore")
    for name, out, result in zip(APART, outs, f(xv, av, bv)):
        try:
            assert_result(out, result, APART[name](xv, av, bv))
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None
    # set/inc_subtensor write where NumPy's x[0, :, a] and x[a, :, 0] read.
    y = T.dtensor3("y")
    both = [T.set_subtensor(x[0, :, a], y), T.inc_subtensor(x[a, :, 0], y)]
    f = theano.function([x, a, y], both, mode=mode)
    av = np.array([[0, 2], [1, -1]])  # no repeats: set_subtensor's winner is unspecified
    yv = np.arange(16.0).reshape(2, 2, 4) + 100
    e_set, e_inc = xv.copy(), xv.copy()
    e_set[0, :, av] = yv
    np.add.at(e_inc, (av, slice(None), 0), yv)
    for out, result, want in zip(both, f(xv, av, yv), [e_set, e_inc]):
        assert_result(out, result, want)


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_two_index_arrays_on_an_empty_tensor(mode):
    """tf.gather_nd refuses empty params even where the result is empty."""
    x = T.dtensor3("x")
    cases = [(np.s_[:, [0], [0]], [(0, 1, 1), (2, 1, 1)]),
             (np.s_[[0, 0], [0], :], [(1, 1, 0), (1, 2, 3)]),
             (np.s_[:, [0, -1], [[0], [0]]], [(0, 2, 1), (3, 2, 1)])]
    for index, shapes in cases:
        out = x[tuple(np.array(i) if isinstance(i, list) else i for i in index)]
        f = theano.function([x], out, mode=mode)
        for shape in shapes:
            value = np.arange(float(np.prod(shape))).reshape(shape)
            assert_result(out, f(value), value[index])


def test_numpy_integer_arrays_as_indices():
    x = T.dmatrix("x")
    xv = np.arange(12.0).reshape(3, 4)
    i = np.array([0, 2])
    outs = [x[i], x[i, 1], x[1, i], x[i, ...], x[..., i], x[(i,)], x[np.int64(1), i]]
    expected = [xv[i], xv[i, 1], xv[1, i], xv[i, ...], xv[..., i], xv[(i,)], xv[1, i]]
    for out, result, want in zip(outs, theano.function([x], outs)(xv), expected):
        assert_result(out, result, want)


def test_pp_shows_constants_as_theano():
    x, f = T.dscalar("x"), T.fscalar("f")
    assert theano.pp(x ** 2) == "(x ** TensorConstant{2})"
    assert theano.pp(x + 1.0) == "(x + TensorConstant{1.0})"
    assert theano.pp(f * 0.1) == "(f * TensorConstant{0.1})"
    assert theano.pp(x * np.ones(3)) == "(x * TensorConstant{(3,) of 1.0})"
    assert theano.pp(x * np.array([1.0, 2.5])) == "(x * TensorConstant{[1.  2.5]})"
    assert theano.pp(x * np.arange(12.0)) == "(x * TensorConstant{[ 0.  1.  ... 10. 11.]})"
    assert "TensorConstant{2.0} [id" in theano.printing.debugprint(x ** 2.0, file="str")


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32", "uint64"])
@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_unsigned_subtraction_from_zero_wraps_as_numpy(dtype, mode):
    # Traced, TensorFlow's optimizer turns 0 - x into Neg, which has no unsigned kernel.
    x, y = T.TensorType(dtype, (False,))("x"), T.TensorType(dtype, (False,))("y")
    f = theano.function([x, y], [False - x, 0 - x, x - y], mode=mode)
    a, b = np.array([0, 6, 250], dtype), np.array([1, 7, 3], dtype)
    for got, want in zip(f(a, b), [np.subtract(False, a), np.subtract(a.dtype.type(0), a), a - b]):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_casting_complex_to_real_is_refused_as_in_theano():
    # Theano 1.0.5 tensor/basic.py, cast: complex to real is ambiguous.
    z = T.zvector("z")
    with pytest.raises(TypeError, match="ambiguous: consider real"):
        T.cast(z, "float64")
    assert T.cast(z, "complex64").dtype == "complex64"
    assert T.cast(T.real(z), "float32").dtype == "float32"
