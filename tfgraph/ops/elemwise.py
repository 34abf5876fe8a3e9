"""Elementwise ops, one table row each: name, TF lowering, dtype rule, NumPy reference.

Inputs broadcast as in NumPy (a shorter input is padded with broadcastable
dimensions on the left). Each input is cast to the op's compute dtype before
the TF function runs, since TF kernels want equal dtypes.
"""
import numpy as np

from tfgraph import dtypes
from tfgraph.config import config
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import (as_tensor_variable, broadcast_patterns, broadcast_tensors,
                              cast_tensor, result_dtype)
from tfgraph._tf import tf


# --- dtype rules: inputs -> (compute dtype, output dtype) ----------------------

def same(inputs):
    dtype = result_dtype(inputs)
    return dtype, dtype


def min8(inputs):
    # NumPy: bool ** bool, bool // bool, bool % bool and square(bool) are int8.
    dtype = result_dtype(inputs)
    dtype = "int8" if dtype == "bool" else dtype
    return dtype, dtype


def to_float(inputs):
    dtype = dtypes.upgrade_to_float(result_dtype(inputs))
    return dtype, dtype


def true_div_rule(inputs):
    # Theano: integers divided by integers give floatX.
    dtype = result_dtype(inputs)
    dtype = config.floatX if dtypes.is_discrete(dtype) else dtype
    return dtype, dtype


def to_bool(inputs):
    return result_dtype(inputs), "bool"


def switch_rule(inputs):
    dtype = result_dtype(inputs[1:])
    return dtype, dtype


def abs_rule(inputs):
    dtype = result_dtype(inputs)
    return dtype, {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


class Elemwise(Op):
    def __init__(self, name, lowering, dtype_rule, nin, reference, symbol=None):
        self.name = name
        self.lowering = lowering
        self.dtype_rule = dtype_rule
        self.nin = nin
        self.reference = reference  # the NumPy function it matches
        self.symbol = symbol  # infix/prefix operator for pp, if any

    def make_node(self, *inputs):
        if len(inputs) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        compute_dtype, out_dtype = self.dtype_rule(inputs)
        pattern = broadcast_patterns(*(v.broadcastable for v in inputs))
        node = Apply(self, inputs, [TensorType(out_dtype, pattern)])
        # Kept from build time: rules that read floatX must not change later.
        node.compute_dtype = compute_dtype
        return node

    def lower(self, node, inputs, ctx):
        compute_dtype, out_dtype = node.compute_dtype, node.outputs[0].dtype
        if self.dtype_rule is switch_rule:
            cond = inputs[0] if inputs[0].dtype == tf.bool else tf.not_equal(inputs[0], 0)
            args = [cond] + [cast_tensor(t, compute_dtype) for t in inputs[1:]]
        else:
            args = [cast_tensor(t, compute_dtype) for t in inputs]
        return [cast_tensor(self.lowering(*args), out_dtype)]

    def __reduce_ex__(self, protocol):
        # An op of the table pickles as a reference to its row, so a loaded graph
        # holds the very op objects (``node.op is T.nnet.sigmoid`` stays true).
        if TABLES.get(self.name) is self:
            return (table_op, (self.name,))
        return super().__reduce_ex__(protocol)

    def can_fail(self, node):
        # Integer // and % by zero raise in TensorFlow's kernels, not in XLA's.
        return self.name in ("int_div", "mod") and dtypes.is_discrete(node.compute_dtype)

    def valid(self, node, inputs):
        return tf.reduce_all(tf.not_equal(inputs[1], 0))

    def pp(self, node, args):
        if self.symbol and len(args) == 2:
            return f"({args[0]} {self.symbol} {args[1]})"
        if self.symbol and len(args) == 1:
            return f"{self.symbol}{args[0]}"
        return super().pp(node, args)


# The lowerings that pick a TF function by dtype are small classes rather than
# closures, so that an op holding one pickles (by reference to these definitions).

class _OnBool:
    """One lowering for booleans, another for numbers: NumPy's + * & | ^ ~ on
    booleans are logical; TF's arithmetic and bitwise kernels take no bools."""

    def __init__(self, tf_logical, tf_arithmetic):
        self.tf_logical, self.tf_arithmetic = tf_logical, tf_arithmetic

    def __call__(self, *args):
        return (self.tf_logical if args[0].dtype == tf.bool else self.tf_arithmetic)(*args)


class _BoolAsInt8:
    """TF has no bool kernels for max/min, comparisons, abs, relu, clip: compute
    on NumPy's 0/1 in int8 (the result is cast back to the rule's dtype)."""

    def __init__(self, tf_function):
        self.tf_function = tf_function

    def __call__(self, *args):
        if any(a.dtype == tf.bool for a in args):
            args = [tf.cast(a, tf.int8) for a in args]
        return self.tf_function(*args)


def _relu(x):
    """max(x, 0) with Theano 1.0.5's gradient: its relu is 0.5 * (x + abs(x)),
    so the derivative at 0 is 0.5 (TensorFlow's is 0)."""
    if not x.dtype.is_floating:
        return tf.nn.relu(x)

    @tf.custom_gradient
    def relu(x):
        return tf.nn.relu(x), lambda g: g * (0.5 + 0.5 * tf.sign(x))
    return relu(x)


def _clip(x, lo, hi):
    # tf.clip_by_value keeps x's shape: broadcast first (lo or hi may be larger).
    return tf.clip_by_value(*broadcast_tensors(x, lo, hi))


def _sigmoid_binary_crossentropy(z, t):
    # The TF function wants equal shapes: broadcast first.
    z, t = broadcast_tensors(z, t)
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=z)


def _erf(x):
    # TF's erf kernel squares x, so |x| > ~1.3e154 gives NaN. Beyond 30, erf is
    # +-1 and its derivative exp(-x**2) is 0 in float64: clipping changes neither.
    return tf.math.erf(tf.clip_by_value(x, -30.0, 30.0))


class _OnUnsigned:
    """TF has no neg / abs / sign / pow kernels for unsigned integers."""

    def __init__(self, tf_signed, tf_unsigned):
        self.tf_signed, self.tf_unsigned = tf_signed, tf_unsigned

    def __call__(self, *args):
        return (self.tf_unsigned if args[0].dtype.is_unsigned else self.tf_signed)(*args)


def _pow_in_int64(a, b):
    # Same bits as NumPy's wrapping unsigned power: products mod 2**64, then narrowed.
    return tf.cast(tf.pow(tf.cast(a, tf.int64), tf.cast(b, tf.int64)), a.dtype)


def _neg_unsigned(x):
    # NumPy's wrapping -x as ~x + 1 (grappler would turn 0 - x back into Neg).
    return tf.bitwise.invert(x) + tf.ones([], x.dtype)


def _sub_unsigned(x, y):
    # x + (-y), wrapping: grappler rewrites 0 - y into Neg, which has no unsigned kernel.
    return x + _neg_unsigned(y)


class _FloatTest:
    """isnan / isinf: never true for integers (TF's kernels take floats only)."""

    def __init__(self, tf_test):
        self.tf_test = tf_test

    def __call__(self, x):
        return self.tf_test(x) if x.dtype.is_floating else tf.zeros_like(x, tf.bool)


def _sign_unsigned(x):
    return tf.cast(x > 0, x.dtype)


def _log2(x):
    return tf.math.log(x) / _LOG2


def _log10(x):
    return tf.math.log(x) / _LOG10


def _round_half_away(x):
    return tf.sign(x) * tf.floor(tf.abs(x) + 0.5)


def _np_round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _int_div(a, b):
    return tf.math.floordiv(a, b)


def _np_relu(x):
    return np.maximum(x, 0)


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_softplus(x):
    return np.logaddexp(0, x)


def _np_sigmoid_binary_crossentropy(z, t):
    return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))


_LOG2 = float(np.log(2.0))
_LOG10 = float(np.log(10.0))

#    name        TF lowering                               rule      nin  NumPy reference       pp symbol
TABLE = [
    ("add",      _OnBool(tf.logical_or, tf.add),          same,     2, np.add,                "+"),
    ("sub",      _OnUnsigned(tf.subtract, _sub_unsigned), same,     2, np.subtract,           "-"),
    ("mul",      _OnBool(tf.logical_and, tf.multiply),    same,     2, np.multiply,           "*"),
    ("true_div", tf.divide,                          true_div_rule, 2, np.true_divide,        "/"),
    ("int_div",  _int_div,                                  min8,     2, np.floor_divide,       "//"),
    ("mod",      tf.math.floormod,                          min8,     2, np.mod,                "%"),
    ("pow",      _OnUnsigned(tf.pow, _pow_in_int64),      min8,     2, np.power,              "**"),
    ("maximum",  _BoolAsInt8(tf.maximum),                 same,     2, np.maximum,            None),
    ("minimum",  _BoolAsInt8(tf.minimum),                 same,     2, np.minimum,            None),
    ("lt",       _BoolAsInt8(tf.less),                    to_bool,  2, np.less,               "<"),
    ("gt",       _BoolAsInt8(tf.greater),                 to_bool,  2, np.greater,            ">"),
    ("le",       _BoolAsInt8(tf.less_equal),              to_bool,  2, np.less_equal,         "<="),
    ("ge",       _BoolAsInt8(tf.greater_equal),           to_bool,  2, np.greater_equal,      ">="),
    ("eq",       tf.equal,                                  to_bool,  2, np.equal,              "=="),
    ("neq",      tf.not_equal,                              to_bool,  2, np.not_equal,          "!="),
    ("and_",     _OnBool(tf.logical_and, tf.bitwise.bitwise_and), same, 2, np.bitwise_and,    "&"),
    ("or_",      _OnBool(tf.logical_or, tf.bitwise.bitwise_or),   same, 2, np.bitwise_or,      "|"),
    ("xor",      _OnBool(tf.math.logical_xor, tf.bitwise.bitwise_xor), same, 2, np.bitwise_xor, "^"),
    ("invert",   _OnBool(tf.logical_not, tf.bitwise.invert),      same, 1, np.invert,          "~"),
    ("neg",      _OnUnsigned(tf.negative, _neg_unsigned), same,  1, np.negative,           "-"),
    ("abs_",     _BoolAsInt8(_OnUnsigned(tf.abs, tf.identity)), abs_rule, 1, np.abs,                None),
    ("sgn",      _OnUnsigned(tf.sign, _sign_unsigned), same, 1, np.sign,               None),
    ("sqr",      tf.square,                                 min8,     1, np.square,             None),
    ("exp",      tf.exp,                                    to_float, 1, np.exp,                None),
    ("expm1",    tf.math.expm1,                             to_float, 1, np.expm1,              None),
    ("log",      tf.math.log,                               to_float, 1, np.log,                None),
    ("log1p",    tf.math.log1p,                             to_float, 1, np.log1p,              None),
    ("log2",     _log2,                                     to_float, 1, np.log2,               None),
    ("log10",    _log10,                                    to_float, 1, np.log10,         None),
    ("sqrt",     tf.sqrt,                                   to_float, 1, np.sqrt,               None),
    ("sin",      tf.sin,                                    to_float, 1, np.sin,                None),
    ("cos",      tf.cos,                                    to_float, 1, np.cos,                None),
    ("tan",      tf.tan,                                    to_float, 1, np.tan,                None),
    ("arcsin",   tf.asin,                                   to_float, 1, np.arcsin,             None),
    ("arccos",   tf.acos,                                   to_float, 1, np.arccos,             None),
    ("arctan",   tf.atan,                                   to_float, 1, np.arctan,             None),
    ("sinh",     tf.sinh,                                   to_float, 1, np.sinh,               None),
    ("cosh",     tf.cosh,                                   to_float, 1, np.cosh,               None),
    ("tanh",     tf.tanh,                                   to_float, 1, np.tanh,               None),
    ("erf",      _erf,                                      to_float, 1, None,                  None),
    ("floor",    tf.floor,                                  to_float, 1, np.floor,              None),
    ("ceil",     tf.math.ceil,                              to_float, 1, np.ceil,               None),
    ("round_half_away_from_zero", _round_half_away,         to_float, 1, _np_round_half_away,   None),
    ("round_half_to_even", tf.round,                        to_float, 1, np.round,              None),
    ("isnan",    _FloatTest(tf.math.is_nan),               to_bool,  1, np.isnan,              None),
    ("isinf",    _FloatTest(tf.math.is_inf),               to_bool,  1, np.isinf,              None),
    ("sigmoid",  tf.sigmoid,                                to_float, 1, _np_sigmoid,           None),
    ("softplus", tf.math.softplus,                          to_float, 1, _np_softplus,          None),
    ("relu",     _BoolAsInt8(_relu),                      same,     1, _np_relu, None),
    ("sigmoid_binary_crossentropy",
     _sigmoid_binary_crossentropy,
                                                            to_float, 2, _np_sigmoid_binary_crossentropy, None),
    ("clip",     _BoolAsInt8(_clip),                      same,     3, np.clip,               None),
    ("switch",   tf.where,                                  switch_rule, 3, np.where,           None),
]

OPS = {name: Elemwise(name, lowering, rule, nin, reference, symbol)
       for name, lowering, rule, nin, reference, symbol in TABLE}


# Every table's ops by name (this module's and those that add more, such as
# tfgraph.ops.special): what a pickled table op refers to.
TABLES = dict(OPS)


def register_table(ops):
    """Make the ops of another table pickle by name, as this module's do."""
    clashes = [name for name in ops if TABLES.get(name, ops[name]) is not ops[name]]
    if clashes:
        raise ValueError(f"elementwise ops {clashes} are already in a table")
    TABLES.update(ops)
    return ops


def table_op(name):
    """The elementwise op of the table named ``name`` (what its pickle refers to)."""
    return TABLES[name]


class Cast(Op):
    """Convert to another dtype (NumPy's astype; floats to ints truncate)."""

    def __init__(self, dtype):
        self.dtype = dtypes.check_dtype(dtype)
        self.name = f"cast{{{self.dtype}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType(self.dtype, x.broadcastable)])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        if self.dtype == "bool" and x.dtype != tf.bool:
            return [tf.not_equal(x, tf.zeros([], x.dtype))]
        return [cast_tensor(x, self.dtype)]


def cast(x, dtype):
    x = as_tensor_variable(x)
    dtype = dtypes.check_dtype(dtype)
    return x if x.dtype == dtype else Cast(dtype)(x)
