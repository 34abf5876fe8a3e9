"""Elementwise ops, one table row each: name, Theano's scalar op class, TF
lowering, dtype rule, NumPy reference.

Each row makes a scalar op (``theano.scalar.add`` is an ``Add``, see
tfgraph.ops.scalar) and the ``Elemwise`` applying it to tensors
(``T.add``, printed ``Elemwise{add,no_inplace}`` as in Theano). Inputs
broadcast as in NumPy (a shorter input is padded with broadcastable
dimensions on the left). Each input is cast to the op's compute dtype before
the TF function runs, since TF kernels want equal dtypes.
"""
import functools

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.custom_gradient import custom_gradient
from tfgraph.ops.base import (as_tensor_variable, broadcast_patterns, broadcast_tensors,
                              cast_tensor)
from tfgraph.ops.scalar import (Cast as ScalarCast, ScalarOp, abs_rule, min8, same, scalar_op_class,
                                second_rule, switch_rule, to_bool, to_float, transfer_type,
                                true_div_rule)
from tfgraph._tf import tf


class Elemwise(Op):
    """A scalar op applied to every element of tensors that broadcast together
    (Theano's ``theano.tensor.elemwise.Elemwise``): ``Elemwise(scalar.add)``
    adds tensors, as ``T.add`` does.

    ``inplace_pattern`` ({output: input}) is accepted and printed, as in
    Theano; the values are the same either way (TensorFlow allocates its
    own buffers). ``name`` is what ``str()`` prints.
    """

    __props__ = ("scalar_op", "inplace_pattern")

    def __init__(self, scalar_op, inplace_pattern=None, name=None, nfunc_spec=None,
                 openmp=None):
        if not isinstance(scalar_op, ScalarOp):
            raise TypeError(f"Elemwise takes a scalar op (such as theano.scalar.add), got "
                            f"{scalar_op!r}")
        self.scalar_op = scalar_op
        self.inplace_pattern = dict(inplace_pattern or {})
        self.label = name
        # The short name: the TensorFlow scope of its nodes, and what pp prints.
        self.name = str(scalar_op)
        self.nfunc_spec = nfunc_spec

    nin = property(lambda self: self.scalar_op.nin)
    nout = property(lambda self: self.scalar_op.nout)
    reference = property(lambda self: self.scalar_op.reference)
    destroy_map = property(lambda self: {o: [i] for o, i in self.inplace_pattern.items()})

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(x) for x in inputs]
        compute_dtype, out_dtype = self.scalar_op.output_dtypes(inputs)
        pattern = broadcast_patterns(*(v.broadcastable for v in inputs))
        self._check_inplace(inputs, pattern, out_dtype)
        node = Apply(self, inputs, [TensorType(out_dtype, pattern)])
        # Kept from build time: rules that read floatX must not change later.
        node.compute_dtype = compute_dtype
        return node

    def _check_inplace(self, inputs, pattern, out_dtype):
        # As Theano: an output can overwrite an input only of its dtype and shape.
        for _, i in sorted(self.inplace_pattern.items()):
            padded = (True,) * (len(pattern) - inputs[i].ndim) + inputs[i].broadcastable
            if any(b and not ob for b, ob in zip(padded, pattern)):
                raise ValueError(f"{self}: the operation cannot be done in place on input "
                                 f"{i} ({inputs[i]}), which has broadcasted dimensions")
            if inputs[i].dtype != out_dtype:
                raise TypeError(f"{self}: cannot do an in-place operation on input {i} "
                                f"({inputs[i].type}) giving {out_dtype}: incompatible dtypes")

    def lowered_by_perform(self, node):
        return self.scalar_op.lowering is None   # a scalar op written for Theano: its impl

    def lower(self, node, inputs, ctx):
        scalar_op = self.scalar_op
        compute_dtype, out_dtype = node.compute_dtype, node.outputs[0].dtype
        if getattr(scalar_op.rule, "condition_first", False):
            cond = inputs[0] if inputs[0].dtype == tf.bool else tf.not_equal(inputs[0], 0)
            args = [cond] + [cast_tensor(t, compute_dtype) for t in inputs[1:]]
        else:
            args = [cast_tensor(t, compute_dtype) for t in inputs]
        return [cast_tensor(scalar_op.lowering(*args), out_dtype)]

    def perform(self, node, inputs, output_storage):
        """The scalar op's Python ``impl`` at every element (for scalar ops
        written for Theano, which have no TensorFlow lowering)."""
        ufunc = np.frompyfunc(self.scalar_op.impl, len(inputs), 1)
        output_storage[0][0] = np.asarray(ufunc(*inputs), dtype=node.outputs[0].dtype)

    def defines_grad(self):
        return self.scalar_op.defines_grad()

    def grad(self, inputs, output_grads):
        """The scalar op's own ``grad`` applied to the tensors (it is
        elementwise), summed over the dimensions an input was broadcast
        along; or, for a scalar op of the tables, the rule derived from the
        lowering (``Op.grad``)."""
        if not self.scalar_op.defines_grad():
            return super().grad(inputs, output_grads)
        grads = self.scalar_op.grad(inputs, output_grads)
        return [_unbroadcast(g, x) for g, x in zip(grads, inputs)]

    def undefined_grads(self, node):
        """{input: why} for the inputs whose gradient the scalar op declares
        undefined or not implemented (only scalar ops written for Theano)."""
        if self.scalar_op.lowering is not None or not self.scalar_op.defines_grad():
            return {}
        stand_ins = [v.type() for v in node.inputs]
        grads = self.scalar_op.grad(stand_ins, [v.type() for v in node.outputs])
        return {i: getattr(g.type, "why_null", "") for i, g in enumerate(grads)
                if hasattr(g.type, "why_null")}

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
        symbol = self.scalar_op.symbol
        if symbol and len(args) >= 2:
            return "(" + f" {symbol} ".join(args) + ")"
        if symbol and len(args) == 1:
            return f"{symbol}{args[0]}"
        return f"{self.name}({', '.join(args)})"

    def __hash__(self):
        return hash((Elemwise, self.scalar_op, tuple(sorted(self.inplace_pattern.items()))))

    def __str__(self):
        if self.label is not None:
            return self.label
        if self.inplace_pattern:
            return f"Elemwise{{{self.scalar_op}}}{sorted(self.inplace_pattern.items())}"
        return f"Elemwise{{{self.scalar_op}}}"


ScalarOp.tensor_op = Elemwise


def _unbroadcast(g, x):
    """Gradient ``g`` of input ``x`` summed back to ``x``'s shape."""
    if getattr(g, "ndim", None) is None or g.broadcastable == x.broadcastable:
        return g
    return _SumToShapeOf()(g, x)


class _SumToShapeOf(Op):
    """``g`` summed over the dimensions along which ``x`` was broadcast: the
    gradient of a broadcast input."""

    name = "sum_to_shape"

    def make_node(self, g, x):
        return Apply(self, [g, x], [TensorType(g.dtype, x.broadcastable)])

    def lower(self, node, inputs, ctx):
        g, x = inputs
        axes, _ = tf.raw_ops.BroadcastGradientArgs(s0=tf.shape(x), s1=tf.shape(g))
        return [tf.reshape(tf.reduce_sum(g, axes), tf.shape(x))]


# The lowerings that pick a TF function by dtype are small classes rather than
# closures, so that an op holding one pickles (by reference to these definitions).

class _OnBool:
    """One lowering for booleans, another for numbers: NumPy's + * & | ^ ~ on
    booleans are logical; TF's arithmetic and bitwise kernels take no bools."""

    def __init__(self, tf_logical, tf_arithmetic):
        self.tf_logical, self.tf_arithmetic = tf_logical, tf_arithmetic

    def __call__(self, *args):
        return (self.tf_logical if args[0].dtype == tf.bool else self.tf_arithmetic)(*args)


class _Folded:
    """A binary function folded over any number of arguments: Theano's
    ``add`` and ``mul`` take any number of inputs (``Add`` and ``Mul`` are
    ScalarOps of ``nin = -1``), ``T.add(a, b, c)``."""

    def __init__(self, binary):
        self.binary = binary

    def __call__(self, *args):
        return functools.reduce(self.binary, args)


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

    @custom_gradient
    def relu(x):
        return tf.nn.relu(x), lambda g: g * (0.5 + 0.5 * tf.sign(x))
    return relu(x)


def _divide(x, y):
    """x / y. By a constant scalar (inverted dropout's ``/ keep``), with x's
    gradient only: TensorFlow's RealDiv gradient also computes the
    denominator's, -x / y**2 summed, four passes over the quotient for nothing."""
    if not (x.dtype.is_floating and y.shape.rank == 0 and tf.get_static_value(y) is not None):
        return tf.divide(x, y)

    @custom_gradient
    def by_constant(x):
        return tf.divide(x, y), lambda g: tf.divide(g, y)
    return by_constant(x)


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


def _second(model, value):
    return tf.broadcast_to(value, tf.broadcast_dynamic_shape(tf.shape(model), tf.shape(value)))


def _np_second(model, value):
    return np.broadcast_to(value, np.broadcast_shapes(np.shape(model), np.shape(value))).copy()


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

#    name        Theano class TF lowering                         rule      nin  NumPy reference  pp symbol
TABLE = [
    ("add",      "Add",  _Folded(_OnBool(tf.logical_or, tf.add)),    same,    -1, _Folded(np.add),       "+"),
    ("sub",      "Sub",      _OnUnsigned(tf.subtract, _sub_unsigned), same,     2, np.subtract,           "-"),
    ("mul",      "Mul",  _Folded(_OnBool(tf.logical_and, tf.multiply)), same, -1, _Folded(np.multiply), "*"),
    ("true_div", "TrueDiv",  _divide,                            true_div_rule, 2, np.true_divide,        "/"),
    ("int_div",  "IntDiv",   _int_div,                                min8,     2, np.floor_divide,       "//"),
    ("mod",      "Mod",      tf.math.floormod,                        min8,     2, np.mod,                "%"),
    ("pow",      "Pow",      _OnUnsigned(tf.pow, _pow_in_int64),      min8,     2, np.power,              "**"),
    ("maximum",  "Maximum",  _BoolAsInt8(tf.maximum),                 same,     2, np.maximum,            None),
    ("minimum",  "Minimum",  _BoolAsInt8(tf.minimum),                 same,     2, np.minimum,            None),
    ("lt",       "LT",       _BoolAsInt8(tf.less),                    to_bool,  2, np.less,               "<"),
    ("gt",       "GT",       _BoolAsInt8(tf.greater),                 to_bool,  2, np.greater,            ">"),
    ("le",       "LE",       _BoolAsInt8(tf.less_equal),              to_bool,  2, np.less_equal,         "<="),
    ("ge",       "GE",       _BoolAsInt8(tf.greater_equal),           to_bool,  2, np.greater_equal,      ">="),
    ("eq",       "EQ",       tf.equal,                                to_bool,  2, np.equal,              "=="),
    ("neq",      "NEQ",      tf.not_equal,                            to_bool,  2, np.not_equal,          "!="),
    ("and_",     "AND",      _OnBool(tf.logical_and, tf.bitwise.bitwise_and), same, 2, np.bitwise_and,  "&"),
    ("or_",      "OR",       _OnBool(tf.logical_or, tf.bitwise.bitwise_or),   same, 2, np.bitwise_or,    "|"),
    ("xor",      "XOR",      _OnBool(tf.math.logical_xor, tf.bitwise.bitwise_xor), same, 2, np.bitwise_xor, "^"),
    ("invert",   "Invert",   _OnBool(tf.logical_not, tf.bitwise.invert),      same, 1, np.invert,        "~"),
    ("neg",      "Neg",      _OnUnsigned(tf.negative, _neg_unsigned), same,     1, np.negative,           "-"),
    ("abs_",     "Abs",      _BoolAsInt8(_OnUnsigned(tf.abs, tf.identity)), abs_rule, 1, np.abs,        None),
    ("sgn",      "Sgn",      _OnUnsigned(tf.sign, _sign_unsigned),    same,     1, np.sign,               None),
    ("sqr",      "Sqr",      tf.square,                               min8,     1, np.square,             None),
    ("exp",      "Exp",      tf.exp,                                  to_float, 1, np.exp,                None),
    ("expm1",    "Expm1",    tf.math.expm1,                           to_float, 1, np.expm1,              None),
    ("log",      "Log",      tf.math.log,                             to_float, 1, np.log,                None),
    ("log1p",    "Log1p",    tf.math.log1p,                           to_float, 1, np.log1p,              None),
    ("log2",     "Log2",     _log2,                                   to_float, 1, np.log2,               None),
    ("log10",    "Log10",    _log10,                                  to_float, 1, np.log10,              None),
    ("sqrt",     "Sqrt",     tf.sqrt,                                 to_float, 1, np.sqrt,               None),
    ("sin",      "Sin",      tf.sin,                                  to_float, 1, np.sin,                None),
    ("cos",      "Cos",      tf.cos,                                  to_float, 1, np.cos,                None),
    ("tan",      "Tan",      tf.tan,                                  to_float, 1, np.tan,                None),
    ("arcsin",   "ArcSin",   tf.asin,                                 to_float, 1, np.arcsin,             None),
    ("arccos",   "ArcCos",   tf.acos,                                 to_float, 1, np.arccos,             None),
    ("arctan",   "ArcTan",   tf.atan,                                 to_float, 1, np.arctan,             None),
    ("sinh",     "Sinh",     tf.sinh,                                 to_float, 1, np.sinh,               None),
    ("cosh",     "Cosh",     tf.cosh,                                 to_float, 1, np.cosh,               None),
    ("tanh",     "Tanh",     tf.tanh,                                 to_float, 1, np.tanh,               None),
    ("erf",      "Erf",      _erf,                                    to_float, 1, None,                  None),
    ("floor",    "Floor",    tf.floor,                                to_float, 1, np.floor,              None),
    ("ceil",     "Ceil",     tf.math.ceil,                            to_float, 1, np.ceil,               None),
    ("round_half_away_from_zero", "RoundHalfAwayFromZero",
                             _round_half_away,                        to_float, 1, _np_round_half_away,   None),
    ("round_half_to_even", "RoundHalfToEven",
                             tf.round,                                to_float, 1, np.round,              None),
    ("isnan",    "IsNan",    _FloatTest(tf.math.is_nan),              to_bool,  1, np.isnan,              None),
    ("isinf",    "IsInf",    _FloatTest(tf.math.is_inf),              to_bool,  1, np.isinf,              None),
    ("sigmoid",  "ScalarSigmoid", tf.sigmoid,                         to_float, 1, _np_sigmoid,           None),
    ("softplus", "ScalarSoftplus", tf.math.softplus,                  to_float, 1, _np_softplus,          None),
    ("relu",     "Relu",     _BoolAsInt8(_relu),                      same,     1, _np_relu,              None),
    ("sigmoid_binary_crossentropy", "SigmoidBinaryCrossentropy",
                             _sigmoid_binary_crossentropy,            to_float, 2,
                                                                      _np_sigmoid_binary_crossentropy, None),
    ("clip",     "Clip",     _BoolAsInt8(_clip),                      same,     3, np.clip,               None),
    ("switch",   "Switch",   tf.where,                                switch_rule, 3, np.where,           None),
    ("second",   "Second",   _second,                                 second_rule, 2, _np_second,         None),
]

# Theano names these elementwise ops themselves rather than Elemwise{name,no_inplace}.
_OWN_NAMES = ("sigmoid", "softplus", "xlogx", "xlogy0")

# Every table's scalar op classes by name (this module's and tfgraph.ops.special's);
# tfgraph.scalar.basic exports them, where they pickle from.
SCALAR_OP_CLASSES = {}


def table_ops(table):
    """The Elemwise op of each row of ``table``, by name (as ``T.add``)."""
    ops = {}
    for name, class_name, lowering, rule, nin, reference, *symbol in table:
        cls = scalar_op_class(class_name, lowering, rule, nin, reference, *symbol,
                              module="tfgraph.scalar.basic")
        SCALAR_OP_CLASSES[class_name] = cls
        label = name if name in _OWN_NAMES else f"Elemwise{{{name},no_inplace}}"
        ops[name] = Elemwise(cls(name=name), name=label)
    return register_table(ops)


def inplace_op(name):
    """The in-place form of table op ``name`` (``theano.tensor.inplace``'s
    ``add_inplace``): same values, its result printed as overwriting input 0."""
    scalar_op = type(TABLES[name].scalar_op)(transfer_type(0), name=name)
    return Elemwise(scalar_op, {0: 0}, name=f"{name}_inplace")


# Every table's ops by name (this module's and those that add more, such as
# tfgraph.ops.special): what a pickled table op refers to.
TABLES = {}


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


OPS = table_ops(TABLE)


class Cast(Elemwise):
    """Convert to another dtype (NumPy's astype; floats to ints truncate):
    Theano's ``Elemwise{Cast{float32}}``."""

    def __init__(self, dtype):
        self.dtype = dtypes.check_dtype(dtype)
        super().__init__(ScalarCast(self.dtype))

    def __reduce__(self):
        return (Cast, (self.dtype,))


def cast(x, dtype):
    x = as_tensor_variable(x)
    dtype = dtypes.check_dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.dtype.startswith("complex") and not dtype.startswith("complex"):
        # Theano 1.0.5 tensor/basic.py, cast: which real number is meant?
        raise TypeError(f"Casting {x} from {x.dtype} to {dtype} is ambiguous: consider "
                        f"real(), imag(), angle() or abs()")
    return Cast(dtype)(x)
