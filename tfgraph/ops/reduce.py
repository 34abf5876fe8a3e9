"""Reductions over axes, as Theano's ops: ``CAReduce(scalar_op, axis)`` (a
commutative, associative scalar op folded along axes), ``Sum`` and ``Prod``
(with Theano's output and accumulator dtypes: a float32 sum accumulates in
float64, ``Sum{acc_dtype=float64}``), ``All``, ``Any``, ``MaxAndArgmax``;
and the functions building Theano's graphs of them (``reduce('mean', x)``
is Theano's ``sum(x) / n``). var and std are one op each (``Moments``).
"""
import copy

from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, axis_list, cast_tensor, normalize_axis
from tfgraph.ops.custom_gradient import custom_gradient
from tfgraph.ops.elemwise import OPS, SCALAR_OP_CLASSES, Elemwise, cast
from tfgraph.ops.shape import Shape, dimshuffle
from tfgraph._tf import tf


# --- TensorFlow reductions, by scalar op -------------------------------------

def _extreme(reduction, bool_reduction):
    """max / min whose gradient goes in full to every extreme element, as
    Theano 1.0.5's (MaxAndArgmax.grad: eq(max, x) * gz); TensorFlow's splits
    it among ties."""
    def lowering(x, axes):
        if x.dtype == tf.bool:
            return bool_reduction(x, axes)
        if not x.dtype.is_floating or not axes:
            return reduction(x, axes)

        @custom_gradient
        def extreme(x):
            y = reduction(x, axes, keepdims=True)
            return y, lambda g: g * tf.cast(tf.equal(x, y), g.dtype)
        return tf.squeeze(extreme(x), axes)
    return lowering


def _bitwise(kind):
    """A bitwise and / or / xor along axes (logical on booleans). TensorFlow
    has no such reductions: each bit is reduced on its own."""
    def lowering(x, axes):
        if x.dtype == tf.bool:
            if kind == "xor":
                return tf.equal(tf.math.floormod(
                    tf.reduce_sum(tf.cast(x, tf.int64), axes), 2), 1)
            return (tf.reduce_all if kind == "and" else tf.reduce_any)(x, axes)
        unsigned = tf.as_dtype(f"uint{x.dtype.size * 8}")
        bits = tf.bitcast(x, unsigned)
        result = tf.zeros_like(tf.reduce_max(bits, axes))
        for k in range(x.dtype.size * 8):
            bit = tf.bitwise.bitwise_and(tf.bitwise.right_shift(bits, k), tf.ones([], unsigned))
            if kind == "and":  # the minimum over no element is the largest value: 1 here
                reduced = tf.minimum(tf.reduce_min(bit, axes), tf.ones([], unsigned))
            elif kind == "or":
                reduced = tf.reduce_max(bit, axes)
            else:
                reduced = tf.math.floormod(tf.reduce_sum(bit, axes), tf.constant(2, unsigned))
            result = tf.bitwise.bitwise_or(result, tf.bitwise.left_shift(reduced, k))
        return tf.bitcast(result, x.dtype)
    return lowering


def _sum(x, axes):
    return tf.reduce_any(x, axes) if x.dtype == tf.bool else tf.reduce_sum(x, axes)


def _prod(x, axes):
    return tf.reduce_all(x, axes) if x.dtype == tf.bool else tf.reduce_prod(x, axes)


# scalar op class -> TensorFlow reduction(x, axes)
_REDUCTIONS = {
    "Add": _sum, "Mul": _prod,
    "Maximum": _extreme(tf.reduce_max, tf.reduce_any),
    "Minimum": _extreme(tf.reduce_min, tf.reduce_all),
    "AND": _bitwise("and"), "OR": _bitwise("or"), "XOR": _bitwise("xor"),
}


def _reduction(scalar_op):
    for class_name, reduction in _REDUCTIONS.items():
        if isinstance(scalar_op, SCALAR_OP_CLASSES[class_name]):
            return reduction
    raise NotImplementedError(f"no TensorFlow reduction for scalar op {scalar_op}")


def _widened_sum(x, axes, acc_dtype, out_dtype):
    """The sum of float ``x`` along ``axes`` accumulated in the wider float
    ``acc_dtype``. Its gradient is the output's gradient spread over x's
    shape in x's dtype: the tape's own, through the casts, spreads it in
    ``acc_dtype`` and casts it back, two more passes over a copy of x twice
    its size (a float32 weight matrix's L2 penalty)."""
    @custom_gradient
    def widened_sum(x):
        def spread(dy):
            return tf.broadcast_to(_unreduced(dy, axes, x.dtype), tf.shape(x))
        return cast_tensor(tf.reduce_sum(cast_tensor(x, acc_dtype), axes), out_dtype), spread
    return widened_sum(x)


def _unreduced(dy, axes, dtype):
    """A sum's output gradient ``dy`` in ``dtype`` with the summed ``axes``
    (sorted) back, of size 1: it broadcasts against the sum's input."""
    dy = tf.cast(dy, dtype)
    for a in axes:
        dy = tf.expand_dims(dy, a)
    return dy


def _squared_operand(var, ctx):
    """The tensor ``x`` where the float ``var`` is ``sqr(x)``, else None; None
    too where a gradient is asked with respect to ``var`` itself or must not
    go through it (a tape watches or blocks it), which the fused gradient of
    ``_sum_of_squares`` would step over."""
    owner = var.owner
    if (owner is None or not isinstance(owner.op, Elemwise)
            or not isinstance(owner.op.scalar_op, SCALAR_OP_CLASSES["Sqr"])
            or owner.inputs[0].dtype != var.dtype):
        return None
    if ctx.tapes is not None and ctx.tapes.involves(id(var)):
        return None
    return ctx.values.get(id(owner.inputs[0]))


def _sum_of_squares(squares, x, axes, acc_dtype, out_dtype):
    """The sum of ``squares`` (``x`` squared, already computed) along ``axes``,
    accumulated in ``acc_dtype``; its gradient ``2 x dy`` in one pass over x,
    Theano's gradient of sum(x ** 2). The tape's own (the sum's spread over
    x's shape, then the square's ``dy * (2 * x)``) makes three passes: for
    the tutorial MLP's L2 penalty, 784 x 500 floats, 122-149 us against 71-76
    us. The values are the same: doubling is exact."""
    @custom_gradient
    def sum_of_squares(x):
        def grad(dy):
            return x * (2 * _unreduced(dy, axes, x.dtype))
        return cast_tensor(tf.reduce_sum(cast_tensor(squares, acc_dtype), axes), out_dtype), grad
    return sum_of_squares(x)


def _reduced_pattern(broadcastable, axes):
    return tuple(b for d, b in enumerate(broadcastable) if d not in axes)


# --- the ops ---------------------------------------------------------------------

class CAReduce(Op):
    """``scalar_op`` (commutative and associative: add, mul, maximum,
    minimum, and_, or_, xor) folded along ``axis`` (an int, a list of them,
    or None for all), as Theano's ``CAReduce``."""

    __props__ = ("scalar_op", "axis")

    def __init__(self, scalar_op, axis=None):
        if scalar_op.nin not in (-1, 2) or scalar_op.nout != 1:
            raise NotImplementedError("CAReduce only supports binary functions with a single "
                                      "output.")
        self.scalar_op = scalar_op
        axes = axis_list(axis)
        self.axis = None if axes is None else tuple(sorted(set(axes)))

    @property
    def name(self):
        return str(self.scalar_op)

    def _output_dtype(self, input_dtype):
        return input_dtype

    def _prepared(self, x):
        """This op with its axes made non-negative for ``x`` (as Theano's
        make_node, which copies the op)."""
        axes = normalize_axis(self.axis, x.ndim, x)
        if self.axis is None or tuple(axes) == self.axis:
            return self, axes
        op = copy.copy(self)
        op.axis = axes
        return op, axes

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is not None:
            for a in self.axis:
                if a >= x.ndim or a < -x.ndim:
                    raise ValueError(f"Not enough dimensions on {x} to reduce on axis {a}")
        op, axes = self._prepared(x)
        return Apply(op, [x], [TensorType(op._output_dtype(x.dtype),
                                          _reduced_pattern(x.broadcastable, axes))])

    def _axes(self, node):
        return list(normalize_axis(self.axis, node.inputs[0].ndim, node.inputs[0]))

    def lower(self, node, inputs, ctx):
        x, out_dtype = inputs[0], node.outputs[0].dtype
        acc_dtype = getattr(self, "acc_dtype", None) or x.dtype.name
        if isinstance(self.scalar_op, SCALAR_OP_CLASSES["Add"]) and x.dtype.is_floating:
            base = _squared_operand(node.inputs[0], ctx)
            if base is not None:
                return [_sum_of_squares(x, base, self._axes(node), acc_dtype, out_dtype)]
            if acc_dtype != x.dtype.name and dtypes.kind(acc_dtype) == "f":
                return [_widened_sum(x, self._axes(node), acc_dtype, out_dtype)]
        result = _reduction(self.scalar_op)(cast_tensor(x, acc_dtype), self._axes(node))
        return [cast_tensor(result, out_dtype)]

    def pp(self, node, args):
        axis = "" if self.axis is None else f", axis={list(self.axis)}"
        return f"{self.name}({args[0]}{axis})"

    def __str__(self):
        if self.axis is not None:
            return f"Reduce{{{self.scalar_op}}}{{{', '.join(str(a) for a in self.axis)}}}"
        return f"Reduce{{{self.scalar_op}}}"


class All(CAReduce):
    """Logical and along axes (nonzero is true)."""

    __props__ = ("axis",)

    def __init__(self, axis=None):
        super().__init__(OPS["and_"].scalar_op, axis)

    name = "all"

    def _output_dtype(self, input_dtype):
        return "bool"

    def make_node(self, x):
        x = as_tensor_variable(x)
        return super().make_node(x if x.dtype == "bool" else OPS["neq"](x, 0))

    def __str__(self):
        return "All" if self.axis is None else f"All{{{', '.join(map(str, self.axis))}}}"


class Any(All):
    """Logical or along axes (nonzero is true)."""

    def __init__(self, axis=None):
        CAReduce.__init__(self, OPS["or_"].scalar_op, axis)

    name = "any"

    def __str__(self):
        return "Any" if self.axis is None else f"Any{{{', '.join(map(str, self.axis))}}}"


# Theano's accumulator and output dtypes of sums and products.
_WIDER_OUT = {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
              "uint8": "uint64", "uint16": "uint64", "uint32": "uint64"}
_WIDER_ACC = dict(_WIDER_OUT, float16="float32", float32="float64", complex64="complex128")


class CAReduceDtype(CAReduce):
    """A CAReduce computed in ``acc_dtype`` and given in ``dtype``, by
    default wider than the input's: integers in 64 bits, float32 in float64."""

    __props__ = ("scalar_op", "axis", "dtype", "acc_dtype")

    def __init__(self, scalar_op, axis=None, dtype=None, acc_dtype=None):
        super().__init__(scalar_op, axis)
        self.dtype = None if dtype is None else dtypes.check_dtype(dtype)
        self.acc_dtype = None if acc_dtype is None else dtypes.check_dtype(acc_dtype)

    def _output_dtype(self, input_dtype):
        return self.dtype or _WIDER_OUT.get(input_dtype, input_dtype)

    def _acc_dtype(self, input_dtype):
        if self.acc_dtype is None:
            return _WIDER_ACC.get(input_dtype, input_dtype)
        if dtypes.is_discrete(input_dtype) and dtypes.kind(self.acc_dtype) in "fc":
            return self.acc_dtype
        upcast = dtypes.upcast(input_dtype, self.acc_dtype)
        if upcast != self.acc_dtype:
            raise TypeError(
                f"Cannot build {self} node with input dtype {input_dtype} and acc_dtype "
                f"{self.acc_dtype}, as precision would be lost. To correct this error, you "
                f"can: not specify acc_dtype; use an acc_dtype at least as precise as "
                f"{upcast}; or specify dtype instead of acc_dtype, so the reduction is "
                f"precise but its result cast to dtype at the end.")
        return self.acc_dtype

    def _prepared(self, x):
        op, axes = super()._prepared(x)
        dtype, acc_dtype = self._output_dtype(x.dtype), self._acc_dtype(x.dtype)
        if (dtype, acc_dtype) != (op.dtype, op.acc_dtype):
            op = copy.copy(op)
            op.dtype, op.acc_dtype = dtype, acc_dtype
        return op, axes

    def __str__(self):
        name = type(self).__name__
        if name == "CAReduceDtype":
            name = f"ReduceDtype{{{self.scalar_op}}}"
        axis = "" if self.axis is None else f"axis=[{', '.join(str(a) for a in self.axis)}], "
        return f"{name}{{{axis}acc_dtype={self.acc_dtype}}}"


class Sum(CAReduceDtype):
    """The sum along axes (Theano's ``Sum``; ``T.sum`` builds one)."""

    __props__ = ("axis", "dtype", "acc_dtype")

    def __init__(self, axis=None, dtype=None, acc_dtype=None):
        super().__init__(OPS["add"].scalar_op, axis, dtype, acc_dtype)

    name = "sum"


class Prod(CAReduceDtype):
    """The product along axes. ``no_zeros_in_input`` is Theano's promise
    that lets it simplify the gradient; the gradient here is exact either way."""

    __props__ = ("axis", "dtype", "acc_dtype")

    def __init__(self, axis=None, dtype=None, acc_dtype=None, no_zeros_in_input=False):
        super().__init__(OPS["mul"].scalar_op, axis, dtype, acc_dtype)
        self.no_zeros_in_input = no_zeros_in_input

    name = "prod"


class ProdWithoutZeros(CAReduceDtype):
    """The product of the nonzero elements along axes; its gradient is
    undefined (Theano's)."""

    __props__ = ("axis", "dtype", "acc_dtype")

    def __init__(self, axis=None, dtype=None, acc_dtype=None):
        super().__init__(OPS["mul"].scalar_op, axis, dtype, acc_dtype)

    name = "prod_without_zeros"

    def lower(self, node, inputs, ctx):
        x = cast_tensor(inputs[0], self.acc_dtype)
        ones = tf.where(tf.equal(x, tf.zeros([], x.dtype)), tf.ones([], x.dtype), x)
        return [cast_tensor(_prod(ones, self._axes(node)), node.outputs[0].dtype)]

    def undefined_grads(self, node):
        return {0: "The gradient of ProdWithoutZeros is undefined."}


def _as_number(x):
    # TF's max and argmax have no bool kernels; False < True as 0 < 1.
    return tf.cast(x, tf.int8) if x.dtype == tf.bool else x


def _flat_argmax(x, axes):
    """Where the maximum of ``x`` along ``axes`` is: the index within those
    axes moved last and merged (NumPy's order)."""
    kept = [d for d in range(len(x.shape)) if d not in axes]
    moved = tf.transpose(x, kept + axes)
    flat = tf.reshape(moved, tf.concat([tf.shape(moved)[:len(kept)], [-1]], 0))
    return tf.argmax(flat, axis=-1, output_type=tf.int64)


class MaxAndArgmax(Op):
    """The maximum along ``axis`` (a list of ints) and where it is: the flat
    index within the reduced axes (NumPy's argmax of ``x`` with those axes
    moved last and merged). Theano's ``T.max`` and ``T.argmax`` are its two
    outputs; the gradient of the maximum goes to every maximal element."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = tuple(axis)

    name = "max_and_argmax"

    def make_node(self, x):
        x = as_tensor_variable(x)
        pattern = _reduced_pattern(x.broadcastable, self.axis)
        node = Apply(self, [x], [TensorType(x.dtype, pattern), TensorType("int64", pattern)])
        node.outputs[0].name, node.outputs[1].name = "max", "argmax"
        return node

    def lower(self, node, inputs, ctx):
        x, axes = _as_number(inputs[0]), list(self.axis)
        maximum = cast_tensor(_REDUCTIONS["Maximum"](x, axes), inputs[0].dtype.name)
        return [maximum, _flat_argmax(x, axes)]

    def pp_output(self, node, args, index):
        everything = len(self.axis) == node.inputs[0].ndim
        axis = "" if everything else f", axis={list(self.axis)}"
        return f"{('max', 'argmax')[index]}({args[0]}{axis})"

    def __str__(self):
        return f"MaxAndArgmax{{axis={self.axis}}}"


class Argmax(MaxAndArgmax):
    """The argmax output of ``MaxAndArgmax`` alone (Theano's ``Argmax(axis)``;
    ``axis`` None for all axes)."""

    __props__ = ("axis",)
    name = "argmax"

    def __init__(self, axis):
        self.axis = None if axis is None else tuple(axis)

    def make_node(self, x):
        x = as_tensor_variable(x)
        op = Argmax(range(x.ndim)) if self.axis is None else self
        return Apply(op, [x], [TensorType("int64",
                                          _reduced_pattern(x.broadcastable, op.axis))])

    def lower(self, node, inputs, ctx):
        return [_flat_argmax(_as_number(inputs[0]), list(self.axis))]

    def pp(self, node, args):
        return self.pp_output(node, args, 1)

    def __str__(self):
        return f"Argmax{{axis={self.axis}}}"


class Mean(CAReduce):
    """The mean along ``axis`` (None or one axis), in float64 whatever the
    input (Theano's ``Mean`` op, which ``mean(x, op=True)`` builds)."""

    def __init__(self, axis=None):
        super().__init__(OPS["add"].scalar_op, axis)
        if self.axis is not None and len(self.axis) != 1:
            raise ValueError(f"Mean takes one axis or None, got {axis}")

    name = "mean"

    def _output_dtype(self, input_dtype):
        return "float64"     # as Theano's, against overflow

    def lower(self, node, inputs, ctx):
        return [tf.reduce_mean(cast_tensor(inputs[0], "float64"), axis=self._axes(node))]

    def __str__(self):
        return "Mean" if self.axis is None else f"Mean{{{', '.join(map(str, self.axis))}}}"


class Moments(Op):
    """The variance (or standard deviation) along axes, with ``ddof``: NumPy's
    var and std, in the input's float dtype (float64 for integers)."""

    def __init__(self, kind, axis, keepdims=False, ddof=0):
        self.kind, self.axis, self.keepdims, self.ddof = kind, axis, keepdims, ddof
        self.name = kind

    def make_node(self, x):
        x = as_tensor_variable(x)
        axes = normalize_axis(self.axis, x.ndim, x)
        out_dtype = "float64" if dtypes.is_discrete(x.dtype) else x.dtype
        pattern = tuple(True if d in axes else b for d, b in enumerate(x.broadcastable)
                        if self.keepdims or d not in axes)
        return Apply(self, [x], [TensorType(out_dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x = cast_tensor(inputs[0], node.outputs[0].dtype)
        axes = list(normalize_axis(self.axis, node.inputs[0].ndim, node.inputs[0]))
        mean = tf.reduce_mean(x, axis=axes, keepdims=True)
        squares = tf.reduce_sum(tf.square(x - mean), axis=axes, keepdims=self.keepdims)
        # An explicit int32 axis list: an empty one (a 0-d x) would become float32.
        count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), tf.constant(axes, tf.int32))),
                        x.dtype)
        variance = squares / (count - self.ddof)
        return [tf.sqrt(variance) if self.kind == "std" else variance]

    def pp(self, node, args):
        axis = "" if self.axis is None else f", axis={self.axis}"
        return f"{self.kind}({args[0]}{axis})"


# --- Theano's functions building them ------------------------------------------

def keep_dims(x, y, axes):
    """``y``, a reduction of ``x`` along ``axes``, with those axes put back
    as broadcastable dimensions (Theano's makeKeepDims)."""
    order, i = [], 0
    for d in range(x.ndim):
        if d in axes:
            order.append("x")
        else:
            order.append(i)
            i += 1
    return dimshuffle(y, order)


def max_and_argmax(x, axis=None, keepdims=False):
    x = as_tensor_variable(x)
    axes = list(normalize_axis(axis, x.ndim, x))
    maximum, argmax = MaxAndArgmax(axes)(x)
    if keepdims:
        return keep_dims(x, maximum, axes), keep_dims(x, argmax, axes)
    return maximum, argmax


def _negated(x):
    # An order-reversing map: -x for floats, ~x for integers and bools (no overflow).
    return OPS["neg"](x) if dtypes.kind(x.dtype) in "fc" else OPS["invert"](x)


def reduce(kind, x, axis=None, keepdims=False, dtype=None, acc_dtype=None, ddof=0):
    """The ``kind`` reduction of ``x`` along ``axis`` as Theano 1.0 builds it
    (``T.sum``, ``T.mean``, ``T.max``, ...)."""
    x = as_tensor_variable(x)
    if kind in ("var", "std"):
        return Moments(kind, axis, keepdims, ddof)(x)
    axes = normalize_axis(axis, x.ndim, x)
    if kind == "mean":
        result = _mean(x, axis, axes, dtype, acc_dtype)
    elif kind in ("max", "argmax"):
        result = MaxAndArgmax(list(axes))(x)[kind == "argmax"]
    elif kind == "min":
        result = _negated(MaxAndArgmax(list(axes))(_negated(x))[0])
    elif kind == "argmin":
        result = MaxAndArgmax(list(axes))(_negated(x))[1]
    else:
        op = {"sum": Sum, "prod": Prod}.get(kind)
        if op is not None:
            result = op(axis, dtype=dtype, acc_dtype=acc_dtype)(x)
        else:
            result = {"all": All, "any": Any}[kind](axis)(x)
    return keep_dims(x, result, axes) if keepdims else result


def _mean(x, axis, axes, dtype, acc_dtype):
    """Theano's mean: a sum (float16 summed in float32) divided by each
    reduced length, in float32 for float32 sums and float64 otherwise."""
    sum_dtype = dtype if dtype is not None else ("float32" if x.dtype == "float16" else None)
    total = Sum(axis, dtype=sum_dtype, acc_dtype=acc_dtype)(x)
    shape = cast(Shape()(x), "float32" if total.dtype in ("float16", "float32", "complex64")
                 else "float64")
    for a in axes:
        total = OPS["true_div"](total, shape[a])
    if dtypes.is_discrete(total.dtype):
        total = cast(total, shape.dtype)
    if dtype == "float16" or (dtype is None and x.dtype == "float16"):
        total = cast(total, "float16")
    total.name = "mean"
    return total
