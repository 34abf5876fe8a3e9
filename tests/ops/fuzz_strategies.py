"""Random expression graphs over the tensor namespace, each with a NumPy
evaluation of the same graph: the strategy behind ``test_fuzz.py``.

A drawn ``Graph`` holds symbolic inputs of mixed dtypes, shapes and
broadcastable patterns, with values; and a list of op nodes built on them
(elementwise ops from ``tfgraph.ops.elemwise.TABLE`` with their NumPy
references, casts, reductions, dot, shape ops, indexing). Every node carries

- ``var``: the symbolic variable tfgraph built,
- ``ref(*parent_values)``: NumPy's version of the op, applying Theano 1.0's
  dtype rules (written out below, independently of ``tfgraph.dtypes``),
- ``value``: the NumPy evaluation of the whole graph up to that node,
- ``code``: the Python expression that built it, so a failure prints a
  script reproducing it (``Graph.program()``).

Cases where NumPy and Theano 1.0 genuinely differ, or where the result is
undefined in C (and so was in Theano), are not generated; each is listed in
``EXCLUDED`` with its reason. Everything else is generated: a tfgraph bug the
fuzzer finds is fixed, not listed.
"""
import math
import warnings

import numpy as np
from hypothesis import strategies as st

import tfgraph.tensor as T
from tfgraph.config import config
from tfgraph.graph import TensorType
from tfgraph.ops.elemwise import OPS, TABLE

ARITY = {row[0]: row[4] for row in TABLE}

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64"]
# Most graphs use the common dtypes; the rarer ones still come up.
COMMON_DTYPES = ["float64", "float32", "int64", "int32", "int8", "bool", "uint8"]

# Real differences to NumPy that Theano 1.0 had too, and values whose result
# is undefined in C: not generated.
EXCLUDED = {
    "integer division by zero": "NumPy gives 0 with a warning; Theano's C code was undefined; "
                                "tfgraph raises ExecutionValueError (tested in test_errors).",
    "INT_MIN // -1": "overflows (SIGFPE in C for 32/64-bit ints).",
    "integer ** negative integer": "NumPy raises; Theano's C code was undefined.",
    "float to integer cast of NaN, Inf or out-of-range values": "undefined in C.",
    "argmax/argmin of NaN": "NumPy returns the first NaN; Theano's C loop (like TF) skips NaN.",
    "argmax/argmin/max/min over an empty axis": "NumPy raises; undefined.",
    "clip with lower bound > upper bound": "NumPy gives the upper bound, Theano's C code (like "
                                           "TF's clip_by_value) the lower bound.",
    "set_subtensor with repeated indices": "which write wins is unspecified.",
    "subnormal floats": "TensorFlow flushes subnormals to zero on CPU; both results are accepted.",
    "float floor division": "NumPy floors the exact quotient (7 // 0.001 == 6999, 126 // -inf "
                            "== -1); Theano's C code, like TF, computes floor(x / y) (7000, -0).",
    "var/std with ddof > the number of elements": "NumPy gives NaN; Theano divides by "
                                                  "N - ddof < 0, as tfgraph does.",
}

# --- Theano 1.0's dtype rules (independent of tfgraph.dtypes) ------------------------

_UPGRADE = {"bool": "float32", "int8": "float32", "uint8": "float32", "int16": "float32",
            "uint16": "float32", "int32": "float64", "uint32": "float64", "int64": "float64",
            "uint64": "float64"}


def kind(dtype):
    return np.dtype(dtype).kind


def upcast(*dtypes):
    return np.result_type(*[np.dtype(d) for d in dtypes]).name


def literal_dtype(value):
    """Theano's autocast of a Python literal on its own."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        for dtype in ("int8", "int16", "int32", "int64"):
            if np.iinfo(dtype).min <= value <= np.iinfo(dtype).max:
                return dtype
        return "uint64"
    return config.floatX


def combine(operands):
    """Result dtype of an elementwise op: NumPy promotion of the tensors, with
    Python literals weak (they take the tensors' dtype when their value fits;
    a float literal meeting integers gives floatX)."""
    strong = [o.dtype for o in operands if o.weak is None]
    weak = [o.weak for o in operands if o.weak is not None]
    if not strong:
        return upcast(*[literal_dtype(v) for v in weak])
    dtype = upcast(*strong)
    for value in weak:
        lk, k = kind(literal_dtype(value)), kind(dtype)
        if lk == "f" and k in "biu":
            dtype = upcast(dtype, config.floatX)
        elif lk in "iu" and k == "b":
            dtype = literal_dtype(value)
        elif lk in "iu" and k in "iu":
            info = np.iinfo(dtype)
            if not info.min <= value <= info.max:
                dtype = upcast(dtype, literal_dtype(value))
    return dtype


def to_float(dtype):
    return _UPGRADE.get(dtype, dtype)


def sum_dtype(dtype):
    return {"b": "int64", "i": "int64", "u": "uint64"}.get(kind(dtype), dtype)


def mean_dtype(dtype):
    # Theano divides the int64 sum by a float64 count.
    return "float64" if kind(dtype) in "biu" else dtype


def _erf(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


def _round_half_away(x):
    # Exact, unlike sign(x) * floor(|x| + 0.5), which rounds 0.49999997 up.
    r = np.trunc(x)
    return r + np.where(np.abs(x - r) >= 0.5, np.sign(x), 0).astype(x.dtype)


# name -> (rule, NumPy function or None to use TABLE's reference)
# rule: "same" (output = compute dtype), "min8" (same, but bool -> int8, as NumPy's
# bool ** bool, //, % and square give int8), "float" (Theano's upgrade_to_float),
# "true_div", "bool" (comparisons), "abs", "switch".
ELEMWISE = {
    "add": "same", "sub": "same", "mul": "same", "true_div": "true_div", "int_div": "min8",
    "mod": "min8", "pow": "min8", "maximum": "same", "minimum": "same", "lt": "bool",
    "gt": "bool", "le": "bool", "ge": "bool", "eq": "bool", "neq": "bool", "and_": "same",
    "or_": "same", "xor": "same", "invert": "same", "neg": "same", "abs_": "abs", "sgn": "same",
    "sqr": "min8", "exp": "float", "expm1": "float", "log": "float", "log1p": "float",
    "log2": "float", "log10": "float", "sqrt": "float", "sin": "float", "cos": "float",
    "tan": "float", "arcsin": "float", "arccos": "float", "arctan": "float", "sinh": "float",
    "cosh": "float", "tanh": "float", "erf": "float", "floor": "float", "ceil": "float",
    "round_half_away_from_zero": "float", "round_half_to_even": "float", "isnan": "bool",
    "isinf": "bool", "sigmoid": "float", "softplus": "float", "relu": "same",
    "sigmoid_binary_crossentropy": "float", "clip": "same", "switch": "switch",
    "second": "switch",  # the dtype of the value, as switch's of its branches
}
# Our own references where TABLE's is missing or not exact.
REFERENCES = {"erf": _erf, "round_half_away_from_zero": _round_half_away,
              "relu": lambda x: np.maximum(x, np.zeros_like(x))}
TABLE_REFERENCES = {row[0]: row[5] for row in TABLE}
# Outputs exact up to rounding of one operation; the rest get a few ulps more.
EXACT_OPS = {"add", "sub", "mul", "true_div", "int_div", "mod", "maximum", "minimum", "lt", "gt",
             "le", "ge", "eq", "neq", "and_", "or_", "xor", "invert", "neg", "abs_", "sgn", "sqr",
             "floor", "ceil", "round_half_away_from_zero", "round_half_to_even", "isnan",
             "isinf", "relu", "clip", "switch", "sqrt"}


def elemwise_dtypes(name, operands):
    """(compute dtype, output dtype) of elementwise op ``name``."""
    rule = ELEMWISE[name]
    if rule == "switch":
        dtype = combine(operands[1:])
        return dtype, dtype
    dtype = combine(operands)
    if rule == "same":
        return dtype, dtype
    if rule == "min8":
        dtype = "int8" if dtype == "bool" else dtype
        return dtype, dtype
    if rule == "float":
        return to_float(dtype), to_float(dtype)
    if rule == "true_div":
        out = config.floatX if kind(dtype) in "biu" else to_float(dtype)
        return out, out
    if rule == "bool":
        return dtype, "bool"
    if rule == "abs":
        return dtype, {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)
    raise KeyError(rule)


class Excluded(Exception):
    """These values fall in an EXCLUDED case: no comparison is possible."""


def _literal_value(value):
    """A Python literal as the constant Theano makes of it (a float one of
    floatX: 0.001 with floatX=float32 is float32's 0.001); arrays unchanged."""
    if type(value) in (bool, int, float):
        return np.asarray(value, dtype=literal_dtype(value))
    return value


def _cast(value, dtype):
    if type(value) in (bool, int, float):
        # A Python literal is first a constant of its own dtype (a float one
        # of floatX: 0.001 with floatX=float32 is float32's 0.001).
        value = np.asarray(value, dtype=literal_dtype(value))
    return np.asarray(value).astype(dtype)


def elemwise_reference(name, compute, out):
    function = REFERENCES.get(name) or TABLE_REFERENCES[name]

    def ref(*values):
        if name == "switch":
            cond, a, b = values
            result = np.where(np.asarray(cond) != 0, _cast(a, compute), _cast(b, compute))
        else:
            args = [_cast(v, compute) for v in values]
            _check_domain(name, compute, args)
            result = function(*args)
        return _cast(result, out)
    return ref


def _check_domain(name, compute, args):
    if name == "int_div" and kind(compute) == "f":
        a, b = np.broadcast_arrays(*args)
        theano_c = np.floor(a / b)
        if not np.array_equal(theano_c, np.floor_divide(a, b), equal_nan=True):
            raise Excluded("float floor division")
    if kind(compute) in "iu":
        if name in ("int_div", "mod"):
            if np.any(args[1] == 0):
                raise Excluded("integer division by zero")
            if kind(compute) == "i" and np.any(args[1] == -1) and np.any(
                    args[0] == np.iinfo(compute).min):
                raise Excluded("INT_MIN // -1")
        if name == "pow" and np.any(args[1] < 0):
            raise Excluded("integer ** negative integer")
    if name == "clip" and np.any(np.broadcast_arrays(*args)[1] > np.broadcast_arrays(*args)[2]):
        raise Excluded("clip with lower bound > upper bound")


def cast_reference(dtype):
    def ref(x):
        x = np.asarray(x)
        if kind(x.dtype) == "f" and kind(dtype) in "iu":
            if not np.all(np.isfinite(x)):
                raise Excluded("float to integer cast of NaN, Inf or out-of-range values")
            info = np.iinfo(dtype)
            t = np.trunc(x)
            if np.any(t < info.min) or np.any(t > info.max):
                raise Excluded("float to integer cast of NaN, Inf or out-of-range values")
        return x.astype(dtype)
    return ref


# --- graphs ---------------------------------------------------------------------------

class Node:
    """A leaf (input, constant, literal) or an op applied to parent nodes."""

    def __init__(self, name, var, value, code, parents=(), ref=None, op=None, weak=None,
                 tolerance=None):
        self.name, self.var, self.value, self.code = name, var, value, code
        self.parents, self.ref, self.op, self.weak = tuple(parents), ref, op, weak
        self.tolerance = tolerance  # parents' values -> (rtol, atol); None for exact ops
        self.kind = "input" if ref is None and weak is None and var is not None else (
            "literal" if weak is not None else "op")

    @property
    def dtype(self):
        return self.value.dtype.name if self.weak is None else literal_dtype(self.weak)

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def ndim(self):
        return np.ndim(self.value)

    @property
    def is_leaf(self):
        return self.ref is None

    def __repr__(self):
        return f"{self.name} = {self.code}"


class Graph:
    def __init__(self, floatX):
        self.floatX = floatX
        self.nodes, self.inputs, self.ops = [], [], []
        self.build_errors = []  # (code, error) where tfgraph refused what NumPy computes

    def name(self):
        return f"n{len(self.nodes)}"

    def add_input(self, dtype, broadcastable, value):
        name = self.name()
        var = TensorType(dtype, broadcastable)(name)
        node = Node(name, var, np.asarray(value, dtype=dtype),
                    f"TensorType({dtype!r}, {tuple(broadcastable)!r})({name!r})")
        self.nodes.append(node)
        self.inputs.append(node)
        return node

    def add_constant(self, value):
        value = np.asarray(value)
        name = self.name()
        node = Node(name, T.constant(value), value, f"T.constant({_array_code(value)})")
        node.kind = "const"
        self.nodes.append(node)
        return node

    def add_op(self, op, build, code, parents, ref, tolerance=None):
        """Add ``build(*parent vars)`` unless NumPy cannot evaluate it (or the
        values fall in an EXCLUDED case); returns the node or None."""
        values = [p.value if p.weak is None else p.weak for p in parents]
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = np.asarray(ref(*values))
        except Excluded:
            return None
        except (TypeError, ValueError, IndexError, OverflowError, np.exceptions.AxisError,
                ZeroDivisionError):
            return None  # NumPy cannot do it either: not a case to compare.
        if value.dtype.name not in DTYPES:
            return None
        name = self.name()
        code = code.format(*[_operand_code(p) for p in parents])
        try:
            var = build(*[p.var if p.weak is None else p.weak for p in parents])
        except Exception as error:  # noqa: BLE001  (NumPy can, tfgraph cannot: a finding)
            self.build_errors.append((f"{name} = {code}", f"{type(error).__name__}: {error}"))
            return None
        node = Node(name, var, value, code, parents, ref, op, tolerance=tolerance)
        self.nodes.append(node)
        self.ops.append(node)
        return node

    def program(self, mode="FAST_COMPILE"):
        """A script that rebuilds and runs this graph."""
        lines = ["import numpy as np", "import tfgraph as theano", "import tfgraph.tensor as T",
                 "from tfgraph.config import config", "from tfgraph.graph import TensorType",
                 "from tfgraph.ops.elemwise import OPS", "nan, inf = np.nan, np.inf",
                 f"config.floatX = {self.floatX!r}"]
        for node in self.nodes:
            lines.append(f"{node.name} = {node.code}")
        inputs = ", ".join(n.name for n in self.inputs)
        outputs = ", ".join(n.name for n in self.ops)
        lines.append(f"f = theano.function([{inputs}], [{outputs}], mode={mode!r}, "
                     f"on_unused_input='ignore')")
        args = ", ".join(_array_code(n.value) for n in self.inputs)
        lines.append(f"for name, value in zip({[n.name for n in self.ops]!r}, f({args})):")
        lines.append("    print(name, repr(value))")
        return "\n".join(lines)


def _operand_code(node):
    return repr(node.weak) if node.weak is not None else node.name


def _array_code(value):
    value = np.asarray(value)
    return (f"np.array({value.tolist()!r}, dtype={value.dtype.name!r})"
            f".reshape({value.shape!r})")


def literal(value):
    """A Python literal operand (weak)."""
    return Node(repr(value), None, np.asarray(value), repr(value), weak=value)


# --- values ---------------------------------------------------------------------------

FLOAT_SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-3, 1e3]
FLOAT_SIMPLE = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, -1.5, 2.5, 3.0, -3.0]


def elements(dtype, special):
    k = kind(dtype)
    if k == "b":
        return st.booleans()
    if k in "iu":
        info = np.iinfo(dtype)
        small = st.integers(max(info.min, -4), min(info.max, 8 if k == "u" else 4))
        if not special:
            return small
        edges = [info.min, info.max, info.max - 1, info.min + 1 if k == "i" else 1]
        return st.one_of(small, small, st.sampled_from(edges))
    width = 32 if dtype == "float32" else 64
    finite = st.one_of(st.sampled_from(FLOAT_SIMPLE), st.floats(-10, 10, width=width),
                       st.floats(-1e3, 1e3, width=width))
    if not special:
        return finite
    return st.one_of(finite, finite, st.sampled_from(FLOAT_SPECIALS))


def array_values(draw, dtype, shape):
    special = draw(st.integers(0, 4)) == 0
    flat = draw(st.lists(elements(dtype, special), min_size=int(np.prod(shape, dtype=int)),
                         max_size=int(np.prod(shape, dtype=int))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array(flat, dtype=dtype).reshape(shape)


def draw_dtype(draw):
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(DTYPES))
    return draw(st.sampled_from(COMMON_DTYPES))


def draw_literal(draw, dtype=None):
    k = kind(dtype) if dtype else draw(st.sampled_from("bif"))
    if k == "b":
        return draw(st.booleans())
    if k in "iu":
        return draw(st.sampled_from([1, 2, 0, -1, 3, -2, 7, 127, 128, 300, -129, 70000,
                                     2 ** 31, -(2 ** 31) - 1]))
    return draw(st.sampled_from([0.5, 2.0, -1.5, 1.0, 0.0, 1e-3, 3.25, 1e10]))


def pick(draw, candidates):
    """One of ``candidates``, preferring recent ones (so graphs grow deep)."""
    if not candidates:
        return None
    return candidates[len(candidates) - 1 - draw(st.integers(0, len(candidates) - 1))]


def operands(graph, predicate=lambda n: True):
    return [n for n in graph.nodes if predicate(n)]


def tensors(graph, predicate=lambda n: True):
    """Operands usable with tensor methods (x.T, x[i], ...)."""
    return [n for n in graph.nodes if predicate(n)]


def _broadcasts(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


# --- tolerances -----------------------------------------------------------------------

def _eps(dtype):
    return float(np.finfo(dtype).eps) if kind(dtype) in "fc" else 0.0


def _max_abs(values):
    finite = [np.abs(np.asarray(v, dtype="float64")) for v in values if np.size(v)]
    finite = [v[np.isfinite(v)] for v in finite]
    return max([float(v.max()) for v in finite if v.size] + [1.0])


def elementwise_tolerance(ulps):
    def tolerance(out_dtype, values):
        eps = _eps(out_dtype)
        return ulps * eps, ulps * eps * _max_abs(values)
    return tolerance


def reduction_tolerance(count, squared=False, root=False):
    def tolerance(out_dtype, values):
        eps = _eps(out_dtype)
        with np.errstate(all="ignore"):
            scale = float(np.float64(_max_abs(values)) ** (2 if squared else 1))
        atol = 8 * (count + 1) * eps * scale * max(count, 1)
        return 8 * (count + 1) * eps, math.sqrt(atol) if root else atol
    return tolerance


# --- op families -----------------------------------------------------------------------

def unary(draw, graph):
    name = draw(st.sampled_from(sorted(n for n, a in ARITY.items() if a == 1)))
    x = pick(draw, operands(graph))
    if x is None:
        return
    compute, out = elemwise_dtypes(name, [x])
    tolerance = None if name in EXACT_OPS and kind(out) != "f" else elementwise_tolerance(
        4 if name in EXACT_OPS else 64)
    graph.add_op(name, OPS[name], f"OPS[{name!r}]({{0}})", [x],
                 elemwise_reference(name, compute, out), tolerance)


def binary(draw, graph):
    name = draw(st.sampled_from(sorted(n for n, a in ARITY.items() if a == 2)))
    a = pick(draw, operands(graph))
    if a is None:
        return
    mode = draw(st.integers(0, 3))
    if mode == 0:
        b = literal(draw_literal(draw, draw(st.sampled_from([None, a.dtype]))))
    else:
        b = pick(draw, operands(graph, lambda n: _broadcasts(n.shape, a.shape)))
    pair = [a, b] if draw(st.booleans()) else [b, a]
    compute, out = elemwise_dtypes(name, pair)
    tolerance = None if kind(out) != "f" else elementwise_tolerance(
        4 if name in EXACT_OPS else 64)
    graph.add_op(name, OPS[name], f"OPS[{name!r}]({{0}}, {{1}})", pair,
                 elemwise_reference(name, compute, out), tolerance)


def ternary(draw, graph):
    name = draw(st.sampled_from(["clip", "switch"]))
    x = pick(draw, operands(graph))
    if x is None:
        return
    others = []
    for _ in range(2):
        if draw(st.integers(0, 2)) == 0:
            others.append(literal(draw_literal(draw, draw(st.sampled_from([None, x.dtype])))))
        else:
            other = pick(draw, operands(graph, lambda n: _broadcasts(n.shape, x.shape)))
            others.append(other if other is not None else literal(1))
    parts = [x] + others
    if not _broadcasts(*[p.shape for p in parts]):
        return
    compute, out = elemwise_dtypes(name, parts)
    tolerance = None if kind(out) != "f" else elementwise_tolerance(4)
    graph.add_op(name, OPS[name], f"OPS[{name!r}]({{0}}, {{1}}, {{2}})", parts,
                 elemwise_reference(name, compute, out), tolerance)


def cast(draw, graph):
    x = pick(draw, operands(graph))
    if x is None:
        return
    dtype = draw_dtype(draw)
    graph.add_op("cast", lambda v: T.cast(v, dtype), f"T.cast({{0}}, {dtype!r})", [x],
                 cast_reference(dtype))


REDUCTIONS = ["sum", "prod", "mean", "max", "min", "all", "any", "var", "std", "argmax",
              "argmin"]


def reduction(draw, graph):
    x = pick(draw, operands(graph))
    if x is None:
        return
    kind_ = draw(st.sampled_from(REDUCTIONS))
    ndim = x.ndim
    choice = draw(st.integers(0, 3))
    if choice == 0 or ndim == 0:
        axis = None
    elif choice == 1 or kind_ in ("argmax", "argmin"):
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axis = tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1))))
    keepdims = draw(st.booleans())
    ddof = draw(st.sampled_from([0, 0, 1])) if kind_ in ("var", "std") else 0
    axes = tuple(range(ndim)) if axis is None else (
        (axis % ndim,) if isinstance(axis, int) else axis)
    count = int(np.prod([x.shape[a] for a in axes], dtype=int))
    out = {"sum": sum_dtype, "prod": sum_dtype, "mean": mean_dtype, "var": mean_dtype,
           "std": mean_dtype, "max": str, "min": str, "all": lambda d: "bool",
           "any": lambda d: "bool", "argmax": lambda d: "int64",
           "argmin": lambda d: "int64"}[kind_](x.dtype)

    def ref(v):
        v = np.asarray(v)
        if kind_ in ("argmax", "argmin", "max", "min") and count == 0:
            raise Excluded("argmax/argmin/max/min over an empty axis")
        if kind_ in ("argmax", "argmin"):
            if kind(v.dtype) == "f" and np.isnan(v).any():
                raise Excluded("argmax/argmin of NaN")
            return getattr(np, kind_)(v, axis=axis, keepdims=keepdims)
        if kind_ in ("var", "std"):
            if count < ddof:
                raise Excluded("var/std with ddof > the number of elements")
            return getattr(np, kind_)(v.astype(out), axis=axes, ddof=ddof, keepdims=keepdims)
        if kind_ in ("all", "any"):
            return getattr(np, kind_)(v, axis=axes, keepdims=keepdims)
        if kind_ in ("max", "min"):
            return getattr(np, kind_)(v, axis=axes, keepdims=keepdims)
        if kind_ == "mean" and kind(v.dtype) in "biu":
            # Theano 1.0.5 tensor/basic.py mean: the sum in sum()'s dtype (int64 for
            # integers, wrapping as it does), then divided by the count in floatX's width.
            total = np.sum(v, axis=axes, keepdims=keepdims, dtype=sum_dtype(x.dtype))
            with np.errstate(all="ignore"):
                return (total.astype(out) / count).astype(out)
        return getattr(np, kind_)(v.astype(out), axis=axes, keepdims=keepdims)

    extra = f", ddof={ddof}" if ddof else ""
    build = {"var": lambda v: T.var(v, axis=axis, ddof=ddof, keepdims=keepdims),
             "std": lambda v: T.std(v, axis=axis, ddof=ddof, keepdims=keepdims)}.get(
        kind_, lambda v: getattr(T, kind_)(v, axis=axis, keepdims=keepdims))
    tolerance = None
    if kind(out) == "f":
        tolerance = {"prod": elementwise_tolerance(8 * (count + 1)),
                     "var": reduction_tolerance(count, squared=True),
                     "std": reduction_tolerance(count, squared=True, root=True)}.get(
            kind_, reduction_tolerance(count))
        if kind_ in ("max", "min"):
            tolerance = None
    graph.add_op(kind_, build, f"T.{kind_}({{0}}, axis={axis!r}, keepdims={keepdims}{extra})",
                 [x], ref, tolerance)


def dot(draw, graph):
    a = pick(draw, operands(graph, lambda n: n.ndim <= 3))
    if a is None:
        return

    def fits(b):
        if b.ndim > 2:
            return False
        if a.ndim == 0 or b.ndim == 0:
            return True
        return a.shape[-1] == b.shape[-2 if b.ndim > 1 else -1]
    b = pick(draw, operands(graph, fits))
    if b is None:
        return
    pair = [a, b]
    out = combine(pair)
    count = a.shape[-1] if a.ndim and b.ndim else 1

    def ref(u, v):
        if np.ndim(u) == 0 or np.ndim(v) == 0:
            # np.dot with a 0-d operand calls BLAS scal, which turns NaN * 0 into 0.
            return np.multiply(_cast(u, out), _cast(v, out))
        return np.dot(_cast(u, out), _cast(v, out))

    def tolerance(out_dtype, values):
        eps = _eps(out_dtype)
        return 8 * count * eps, 8 * (count + 1) * eps * _max_abs(values[:1]) * _max_abs(values[1:])
    graph.add_op("dot", T.dot, "T.dot({0}, {1})", pair, ref,
                 tolerance if kind(out) == "f" else None)


def tensordot(draw, graph):
    a = pick(draw, operands(graph, lambda n: n.ndim >= 1))
    if a is None:
        return
    k = draw(st.integers(0, min(a.ndim, 2)))
    b = pick(draw, operands(graph, lambda n: n.ndim >= k and tuple(n.shape[:k]) == tuple(
        a.shape[a.ndim - k:]) and a.ndim + n.ndim - 2 * k <= 3))
    if b is None:
        return
    out = combine([a, b])
    count = int(np.prod(a.shape[a.ndim - k:], dtype=int))

    def tolerance(out_dtype, values):
        eps = _eps(out_dtype)
        return 8 * (count + 1) * eps, 8 * (count + 1) * eps * _max_abs(values[:1]) * _max_abs(
            values[1:])
    def ref(u, v):
        if k == 0:  # np.tensordot's BLAS call turns inf * 0 into 0
            return np.multiply.outer(_cast(u, out), _cast(v, out))
        return np.tensordot(_cast(u, out), _cast(v, out), k)
    graph.add_op("tensordot", lambda u, v: T.tensordot(u, v, k), f"T.tensordot({{0}}, {{1}}, {k})",
                 [a, b], ref,
                 tolerance if kind(out) == "f" else None)


def dimshuffle(draw, graph):
    x = pick(draw, tensors(graph))
    if x is None:
        return
    bcast = x.var.broadcastable
    kept = [d for d in range(x.ndim) if not bcast[d] or draw(st.booleans())]
    kept = draw(st.permutations(kept))
    pattern = list(kept)
    for _ in range(draw(st.integers(0, 2))):
        pattern.insert(draw(st.integers(0, len(pattern))), "x")
    pattern = tuple(pattern)

    def ref(v):
        dropped = tuple(d for d in range(np.ndim(v)) if d not in kept)
        remap = {d: i for i, d in enumerate(d for d in range(np.ndim(v)) if d not in dropped)}
        y = np.squeeze(v, axis=dropped) if dropped else np.asarray(v)
        y = np.transpose(y, [remap[p] for p in kept])
        for i, p in enumerate(pattern):
            if p == "x":
                y = np.expand_dims(y, i)
        return y
    graph.add_op("dimshuffle", lambda v: v.dimshuffle(*pattern),
                 f"{{0}}.dimshuffle{pattern!r}" if len(pattern) != 1
                 else f"{{0}}.dimshuffle({pattern[0]!r})", [x], ref)


def shape_op(draw, graph):
    x = pick(draw, tensors(graph))
    if x is None:
        return
    choice = draw(st.sampled_from(["T", "flatten", "reshape", "concatenate", "stack", "shape",
                                   "shape_i", "zeros_like", "ones_like", "fill", "alloc",
                                   "squeeze", "arange", "eye"]))
    if choice == "T":
        graph.add_op("transpose", lambda v: v.T, "{0}.T", [x], lambda v: np.transpose(v))
    elif choice == "flatten" and x.ndim >= 1:
        outdim = draw(st.integers(1, x.ndim))
        graph.add_op("flatten", lambda v: T.flatten(v, outdim), f"T.flatten({{0}}, {outdim})",
                     [x], lambda v: np.reshape(v, np.shape(v)[:outdim - 1] + (-1,)))
    elif choice == "reshape":
        shape = _factorization(draw, x.value.size)
        if x.value.size and draw(st.booleans()) and shape:
            shape = list(shape)
            shape[draw(st.integers(0, len(shape) - 1))] = -1
            shape = tuple(shape)
        graph.add_op("reshape", lambda v: T.reshape(v, shape), f"T.reshape({{0}}, {shape!r})",
                     [x], lambda v: np.reshape(v, shape))
    elif choice in ("concatenate", "stack"):
        axis = draw(st.integers(0, x.ndim if choice == "stack" else max(x.ndim - 1, 0)))
        if choice == "concatenate" and x.ndim == 0:
            return
        others = operands(graph, lambda n: n.ndim == x.ndim and all(
            s == t or (choice == "concatenate" and d == axis)
            for d, (s, t) in enumerate(zip(n.shape, x.shape))))
        parts = [x] + [pick(draw, others) for _ in range(draw(st.integers(0, 2)))]
        dtype = combine(parts)
        function = getattr(T, choice)
        code = f"T.{choice}([{', '.join('{%d}' % i for i in range(len(parts)))}], axis={axis})"
        graph.add_op(choice, lambda *vs: function(list(vs), axis=axis), code, parts,
                     lambda *vs: getattr(np, choice)([_cast(v, dtype) for v in vs], axis=axis))
    elif choice == "shape":
        graph.add_op("shape", lambda v: v.shape, "{0}.shape", [x],
                     lambda v: np.array(np.shape(v), dtype="int64"))
    elif choice == "shape_i" and x.ndim >= 1:
        i = draw(st.integers(0, x.ndim - 1))
        graph.add_op("shape_i", lambda v: v.shape[i], f"{{0}}.shape[{i}]", [x],
                     lambda v: np.array(np.shape(v)[i], dtype="int64"))
    elif choice in ("zeros_like", "ones_like"):
        graph.add_op(choice, getattr(T, choice), f"T.{choice}({{0}})", [x],
                     lambda v: getattr(np, choice)(v))
    elif choice == "fill":
        value = pick(draw, operands(graph, lambda n: n.ndim == 0))
        if value is None:
            value = literal(draw_literal(draw))
        dtype = value.dtype
        graph.add_op("fill", T.fill, "T.fill({0}, {1})", [x, value],
                     lambda m, v: np.full(np.shape(m), v, dtype=dtype))
    elif choice == "alloc":
        value = pick(draw, operands(graph, lambda n: n.ndim <= 1))
        if value is None:
            return
        shape = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
        if value.ndim == 1:
            shape = shape + (value.shape[0],)
        graph.add_op("alloc", lambda v: T.alloc(v, *shape), f"T.alloc({{0}}, *{shape!r})",
                     [value], lambda v: np.broadcast_to(v, shape).copy())
    elif choice == "squeeze":
        bcast = x.var.broadcastable
        graph.add_op("squeeze", T.squeeze, "T.squeeze({0})", [x],
                     lambda v: np.squeeze(v, axis=tuple(d for d, b in enumerate(bcast) if b)))
    elif choice == "arange":
        start = draw(st.integers(-3, 3))
        stop = start + draw(st.integers(0, 5))
        step = draw(st.sampled_from([1, 1, 2, 3]))
        graph.add_op("arange", lambda: T.arange(start, stop, step),
                     f"T.arange({start}, {stop}, {step})", [],
                     lambda: np.arange(start, stop, step, dtype="int64"))
    elif choice == "eye":
        n, m, k = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(-2, 2))
        graph.add_op("eye", lambda: T.eye(n, m, k), f"T.eye({n}, {m}, {k})", [],
                     lambda: np.eye(n, m, k, dtype=config.floatX))


def _factorization(draw, size):
    """A shape of 0 to 3 dimensions holding ``size`` elements."""
    if size == 0:
        return tuple(draw(st.permutations([0] + [draw(st.integers(1, 2))
                                                 for _ in range(draw(st.integers(0, 2)))])))
    factors, rest = [], size
    for _ in range(draw(st.integers(0, 2))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divisors))
        factors.append(d)
        rest //= d
    if rest != 1 or draw(st.booleans()) or not factors:
        factors.append(rest)
    if size == 1 and draw(st.booleans()):
        return ()
    return tuple(draw(st.permutations(factors)))


# --- indexing ----------------------------------------------------------------------------

def _index_scalar(draw, graph, value, dtype=None):
    """``value`` as a Python int or, sometimes, a symbolic integer scalar input
    (of ``dtype`` if given)."""
    if draw(st.integers(0, 3)) == 0:
        dtype = dtype or draw(st.sampled_from(["int64", "int32", "int16", "int8"]))
        info = np.iinfo(dtype)
        if info.min <= value <= info.max:
            return graph.add_input(dtype, (), value)
    return value


def _basic_index(draw, graph, x):
    """The items of a basic index of ``x``: ("int", i), ("newaxis", None) or
    ("slice", (start, stop, step)), each part a number or a symbolic scalar."""
    items = []
    n_axes = draw(st.integers(1, x.ndim)) if x.ndim else 0
    dtype = None  # each symbolic part of the index draws its own dtype
    for axis in range(n_axes):
        size = x.shape[axis]
        choice = draw(st.integers(0, 5))
        if choice == 0 and size > 0:
            i = draw(st.integers(-size, size - 1))
            item = _index_scalar(draw, graph, i, dtype)
            items.append(("int", item))
        elif choice == 1:
            items.append(("newaxis", None))
        else:
            bounds = st.one_of(st.none(), st.integers(-size - 2, size + 2))
            start, stop = draw(bounds), draw(bounds)
            step = draw(st.sampled_from([None, None, 1, 2, -1, -2, 3]))
            start = _index_scalar(draw, graph, start, dtype) if start is not None else None
            stop = _index_scalar(draw, graph, stop, dtype) if stop is not None else None
            items.append(("slice", (start, stop, step)))
    if any(kind_ == "newaxis" for kind_, _ in items):
        # With None, Theano 1.0 drops the axes left out (a dimshuffle of the
        # axes given): give them all, as NumPy's meaning needs.
        given = sum(kind_ != "newaxis" for kind_, _ in items)
        items += [("slice", (None, None, None))] * (x.ndim - given)
    return items


def _render(items, names):
    """(Python index from values, code) for index ``items``; ``names`` maps
    symbolic parts (nodes) to the values or codes to use."""
    def part(p):
        if isinstance(p, Node):
            return names[id(p)]
        return p
    index, code = [], []
    for kind_, item in items:
        if kind_ == "int":
            index.append(part(item))
            code.append(str(part(item)))
        elif kind_ == "newaxis":
            index.append(None)
            code.append("None")
        elif kind_ == "slice":
            start, stop, step = (part(p) for p in item)
            index.append(slice(start, stop, step))
            code.append(":".join("" if p is None else str(p) for p in (start, stop))
                        + ("" if step is None else f":{step}"))
        elif kind_ == "array":
            index.append(part(item))
            code.append(str(part(item)))
    return tuple(index), ", ".join(code)


def _symbolic_parts(items):
    parts = []
    for kind_, item in items:
        pieces = item if kind_ == "slice" else (item,)
        parts.extend(p for p in pieces if isinstance(p, Node))
    return parts


def indexing(draw, graph):
    x = pick(draw, tensors(graph, lambda n: n.ndim >= 1))
    if x is None:
        return
    choice = draw(st.sampled_from(["basic", "basic", "array", "array", "mask", "set", "inc",
                                   "aset", "ainc"]))
    if choice == "mask":
        mask = pick(draw, operands(graph, lambda n: n.dtype == "bool" and n.ndim >= 1
                                   and n.shape == x.shape[:n.ndim]))
        if mask is None:  # make one: x > 0
            mask = graph.add_op("gt", lambda v: OPS["gt"](v, 0), "OPS['gt']({0}, 0)", [x],
                                elemwise_reference("gt", *elemwise_dtypes("gt", [x, literal(0)])))
            if mask is None:
                return
        graph.add_op("mask", lambda v, m: v[m], "{0}[{1}]", [x, mask],
                     lambda v, m: np.asarray(v)[np.asarray(m)])
        return
    if choice in ("array", "aset", "ainc"):
        _advanced(draw, graph, x, choice)
        return
    items = _basic_index(draw, graph, x)
    symbolic = _symbolic_parts(items)
    parts = [x] + symbolic
    code_names = {id(p): "{%d}" % (i + 1) for i, p in enumerate(symbolic)}
    _, code = _render(items, code_names)

    def values_of(vals):
        return {id(p): int(np.asarray(v)) for p, v in zip(symbolic, vals)}

    def vars_of(vs):
        return {id(p): v for p, v in zip(symbolic, vs)}

    if choice == "basic":
        graph.add_op("subtensor", lambda v, *idx: v[_render(items, vars_of(idx))[0]],
                     "{0}[" + code + "]", parts,
                     lambda v, *idx: np.asarray(v)[_render(items, values_of(idx))[0]])
        return
    # set_subtensor / inc_subtensor on a basic index (without newaxis: Theano's
    # inc_subtensor takes views of x only).
    if any(k == "newaxis" for k, _ in items):
        return
    static_index = _render(items, {id(p): int(p.value) for p in symbolic})[0]
    view_shape = np.asarray(x.value)[static_index].shape
    y = pick(draw, operands(graph, lambda n: _broadcasts(n.shape, view_shape)
                            and np.broadcast_shapes(n.shape, view_shape) == view_shape
                            and np.can_cast(n.dtype, x.dtype, "safe")
                            and n.ndim <= len(view_shape)))
    if y is None or draw(st.integers(0, 3)) == 0:
        y = literal(draw_literal(draw, x.dtype))
    function = T.set_subtensor if choice == "set" else T.inc_subtensor
    name = "set_subtensor" if choice == "set" else "inc_subtensor"
    n = len(symbolic)

    def ref(v, yv, *idx):
        result = np.array(v, copy=True)
        index = _render(items, values_of(idx))[0]
        yv = _literal_value(yv)
        if choice == "set":
            result[index] = yv
        else:
            result[index] += np.asarray(yv).astype(result.dtype)
        return result

    def build(v, yv, *idx):
        return function(v[_render(items, vars_of(idx))[0]], yv)
    code_names = {id(p): "{%d}" % (i + 2) for i, p in enumerate(symbolic)}
    _, code = _render(items, code_names)
    graph.add_op(name, build, f"T.{name}({{0}}[{code}], {{1}})", [x, y] + symbolic, ref)
    del n


def _index_array(draw, graph, size, shape):
    """An integer index array node of ``shape`` with values in [-size, size)."""
    count = int(np.prod(shape, dtype=int))
    values = np.array(draw(st.lists(st.integers(-size, size - 1), min_size=count,
                                    max_size=count)), dtype="int64")
    dtype = draw(st.sampled_from(["int64", "int32", "int8", "uint8"]))
    if dtype == "uint8":
        values = values % size
    if size > 127:
        dtype = "int64"
    values = values.astype(dtype).reshape(shape)
    if draw(st.booleans()):
        return graph.add_input(dtype, (False,) * values.ndim, values)
    return graph.add_constant(values)


def _advanced(draw, graph, x, choice):
    """x[..., a] or x[..., a, b] with integer index arrays (maybe after an
    int index, which NumPy also counts as advanced), read, set or incremented."""
    items = []
    for _ in range(draw(st.integers(0, x.ndim - 1))):
        size = x.shape[len(items)]
        if size and draw(st.integers(0, 4)) == 0:
            items.append(("int", draw(st.integers(-size, size - 1))))
        else:
            items.append(("slice", (None, None, None)))
    n_arrays = draw(st.integers(1, min(2, x.ndim - len(items))))
    # x[a, :, b]: arrays apart (their dimensions go first, as after an int and a slice).
    apart = n_arrays == 2 and x.ndim - len(items) >= 3 and draw(st.booleans())
    shape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    arrays = []
    for k in range(n_arrays):
        if k and apart:
            items.append(("slice", (None, None, None)))
        size = x.shape[len(items)]
        if size == 0:
            return
        own = shape if k == 0 or draw(st.booleans()) else shape[len(shape) - 1:]
        node = _index_array(draw, graph, size, own)
        arrays.append(node)
        items.append(("array", node))
    names = {id(a): "{%d}" % (i + 1) for i, a in enumerate(arrays)}
    _, code = _render(items, names)

    def index_of(idx):
        return _render(items, {id(a): v for a, v in zip(arrays, idx)})[0]

    if choice == "array":
        graph.add_op("advanced_subtensor", lambda v, *idx: v[index_of(idx)],
                     "{0}[" + code + "]", [x] + arrays,
                     lambda v, *idx: np.asarray(v)[index_of([np.asarray(i) for i in idx])])
        return
    view_shape = np.asarray(x.value)[index_of([a.value for a in arrays])].shape
    y = pick(draw, operands(graph, lambda n: _broadcasts(n.shape, view_shape)
                            and np.broadcast_shapes(n.shape, view_shape) == view_shape
                            and np.can_cast(n.dtype, x.dtype, "safe")))
    if y is None or draw(st.integers(0, 3)) == 0:
        y = literal(draw_literal(draw, x.dtype))
    name = "set_subtensor" if choice == "aset" else "inc_subtensor"
    function = getattr(T, name)

    def ref(v, yv, *idx):
        result = np.array(v, copy=True)
        index = index_of([np.asarray(i) for i in idx])
        yv = _literal_value(yv)
        if choice == "aset":
            flat = np.arange(result.size).reshape(result.shape)[index].ravel()
            if len(set(flat.tolist())) != flat.size:
                raise Excluded("set_subtensor with repeated indices")
            result[index] = yv
        else:
            # Broadcast y first: NumPy 2.4's add.at mis-broadcasts y against
            # a 2-d index array (it applies only the first row).
            y = np.broadcast_to(np.asarray(yv).astype(result.dtype), result[index].shape)
            np.add.at(result, index, y)
        return result

    names = {id(a): "{%d}" % (i + 2) for i, a in enumerate(arrays)}
    _, code = _render(items, names)
    graph.add_op(name, lambda v, yv, *idx: function(v[index_of(idx)], yv),
                 f"T.{name}({{0}}[{code}], {{1}})", [x, y] + arrays, ref)


FAMILIES = ([binary] * 6 + [unary] * 4 + [reduction] * 3 + [shape_op] * 2 + [indexing] * 3
            + [dimshuffle] + [dot] + [cast] + [ternary] + [tensordot])


@st.composite
def graphs(draw, max_inputs=3, max_ops=8):
    """A random Graph (see the module docstring). Sets ``config.floatX``."""
    floatX = draw(st.sampled_from(["float64", "float32"]))
    config.floatX = floatX
    graph = Graph(floatX)
    sizes = draw(st.lists(st.sampled_from([1, 2, 3, 1, 2, 3, 4, 0]), min_size=3, max_size=3))
    if 0 in sizes and draw(st.integers(0, 3)):
        sizes = [s or 2 for s in sizes]  # empty arrays, but not too often
    for _ in range(draw(st.integers(1, max_inputs))):
        dtype = draw_dtype(draw)
        ndim = draw(st.integers(0, 3))
        broadcastable = tuple(draw(st.integers(0, 4)) == 0 for _ in range(ndim))
        shape = tuple(1 if b else s for b, s in zip(broadcastable, sizes[3 - ndim:]))
        graph.add_input(dtype, broadcastable, array_values(draw, dtype, shape))
    if draw(st.integers(0, 4)) == 0:
        dtype = draw_dtype(draw)
        graph.add_constant(array_values(draw, dtype, tuple(sizes[3 - draw(st.integers(0, 2)):])))
    for _ in range(draw(st.integers(1, max_ops))):
        draw(st.sampled_from(FAMILIES))(draw, graph)
    return graph
