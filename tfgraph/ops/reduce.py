"""Reductions over axes: sum, prod, mean, max, min, all, any, var, std, argmax, argmin."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor, normalize_axis
from tfgraph._tf import tf


def accumulate_dtype(dtype):
    """Theano sums small integers and booleans in 64 bits."""
    k = dtypes.kind(dtype)
    return {"b": "int64", "i": "int64", "u": "uint64"}.get(k, dtype)


def _moments(x, axis, keepdims, ddof):
    mean = tf.reduce_mean(x, axis=axis, keepdims=True)
    squares = tf.reduce_sum(tf.square(x - mean), axis=axis, keepdims=keepdims)
    # An explicit int32 axis list: an empty one (a 0-d x) would become float32.
    count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), tf.constant(axis, tf.int32))),
                    x.dtype)
    return squares / (count - ddof)


def mean_dtype(dtype):
    """Theano divides an int64 sum by a float64 count: integer means are float64."""
    return "float64" if dtypes.is_discrete(dtype) else dtype


def _extreme(reduction, bool_reduction):
    """max / min whose gradient goes in full to every extreme element, as
    Theano 1.0.5's (MaxAndArgmax.grad: eq(max, x) * gz); TensorFlow's splits
    it among ties."""
    def lowering(x, axes, keepdims, ddof):
        if x.dtype == tf.bool:
            return bool_reduction(x, axes, keepdims)
        if not x.dtype.is_floating or not axes:
            return reduction(x, axes, keepdims)

        @tf.custom_gradient
        def extreme(x):
            y = reduction(x, axes, keepdims=True)
            return y, lambda g: g * tf.cast(tf.equal(x, y), g.dtype)
        y = extreme(x)
        return y if keepdims else tf.squeeze(y, axes)
    return lowering


#          name      (input dtype -> output dtype)          lowering(x, axes, keepdims, ddof)
TABLE = {
    "sum":  (accumulate_dtype,          lambda x, a, k, d: tf.reduce_sum(x, a, k)),
    "prod": (accumulate_dtype,          lambda x, a, k, d: tf.reduce_prod(x, a, k)),
    "mean": (mean_dtype,                lambda x, a, k, d: tf.reduce_mean(x, a, k)),
    "max":  (lambda dt: dt,             _extreme(tf.reduce_max, tf.reduce_any)),
    "min":  (lambda dt: dt,             _extreme(tf.reduce_min, tf.reduce_all)),
    "all":  (lambda dt: "bool",         lambda x, a, k, d: tf.reduce_all(tf.cast(x, tf.bool), a, k)),
    "any":  (lambda dt: "bool",         lambda x, a, k, d: tf.reduce_any(tf.cast(x, tf.bool), a, k)),
    "var":  (mean_dtype,                lambda x, a, k, d: _moments(x, list(a), k, d)),
    "std":  (mean_dtype,                lambda x, a, k, d: tf.sqrt(_moments(x, list(a), k, d))),
}


class Reduce(Op):
    def __init__(self, kind, axis, keepdims=False, dtype=None, ddof=0):
        self.kind, self.axis, self.keepdims = kind, axis, keepdims
        self.dtype, self.ddof = dtype, ddof
        self.name = kind

    def make_node(self, x):
        x = as_tensor_variable(x)
        axes = normalize_axis(self.axis, x.ndim, x)
        self.axes = axes
        out_dtype = dtypes.check_dtype(self.dtype) if self.dtype else TABLE[self.kind][0](x.dtype)
        pattern = tuple(True if d in axes else b for d, b in enumerate(x.broadcastable)
                        if self.keepdims or d not in axes)
        return Apply(self, [x], [TensorType(out_dtype, pattern)])

    def lower(self, node, inputs, ctx):
        out_dtype = node.outputs[0].dtype
        compute = out_dtype if self.kind not in ("all", "any") else inputs[0].dtype.name
        x = cast_tensor(inputs[0], compute)
        return [TABLE[self.kind][1](x, list(self.axes), self.keepdims, self.ddof)]

    def pp(self, node, args):
        axis = "" if self.axis is None else f", axis={self.axis}"
        return f"{self.kind}({args[0]}{axis})"


class ArgReduce(Op):
    """argmax / argmin; with ``axis=None`` over the flattened tensor."""

    def __init__(self, kind, axis, keepdims=False):
        self.kind, self.axis, self.keepdims = kind, axis, keepdims
        self.name = kind

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is not None and len(normalize_axis(self.axis, x.ndim, x)) != 1:
            raise ValueError(f"{self.kind} takes one axis or None, got {self.axis}")
        axes = normalize_axis(self.axis, x.ndim, x)
        pattern = tuple(True if d in axes else b for d, b in enumerate(x.broadcastable)
                        if self.keepdims or d not in axes)
        return Apply(self, [x], [TensorType("int64", pattern)])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        find = tf.argmax if self.kind == "argmax" else tf.argmin
        if x.dtype == tf.bool:
            x = tf.cast(x, tf.int8)
        if self.axis is None:
            result = find(tf.reshape(x, [-1]), axis=0)
            if self.keepdims:
                result = tf.reshape(result, [1] * node.inputs[0].ndim)
            return [result]
        axis = normalize_axis(self.axis, node.inputs[0].ndim, node.inputs[0])[0]
        if node.inputs[0].ndim == 0:
            return [tf.constant(0, tf.int64)]
        result = find(x, axis=axis)
        return [tf.expand_dims(result, axis) if self.keepdims else result]


def reduce(kind, x, axis=None, keepdims=False, **params):
    if kind in ("argmax", "argmin"):
        return ArgReduce(kind, axis, keepdims)(x)
    return Reduce(kind, axis, keepdims, **params)(x)
