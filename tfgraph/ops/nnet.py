"""Neural-network ops whose stable forms need more than one elementwise op."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.ops.shape import dimshuffle
from tfgraph._tf import tf


class Softmax(Op):
    """softmax (or log-softmax) over the last axis, as Theano's on rows."""

    def __init__(self, log=False):
        self.log = log
        self.name = "logsoftmax" if log else "softmax"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise TypeError(f"{self.name} needs at least one dimension, got scalar {x}")
        if x.ndim == 1:
            # Theano 1.0's op takes a vector as a 1 x n row
            x = dimshuffle(x, "x", 0)
        return Apply(self, [x], [TensorType(dtypes.upgrade_to_float(x.dtype), x.broadcastable)])

    def lower(self, node, inputs, ctx):
        x = cast_tensor(inputs[0], node.outputs[0].dtype)
        return [(tf.nn.log_softmax if self.log else tf.nn.softmax)(x, axis=-1)]


class LogSoftmax(Softmax):
    """Theano's ``LogSoftmax`` op: log(softmax(x)) over the last axis."""

    def __init__(self):
        super().__init__(log=True)


def _floats(var, ndim, what, op):
    var = as_tensor_variable(var)
    if var.ndim != ndim or not var.dtype.startswith("float"):
        raise ValueError(f"{op}: {what} {var} must be a {ndim}-d tensor of floats, got "
                         f"{var.ndim}-d {var.dtype}")
    return var


class SoftmaxWithBias(Op):
    """softmax(x + b) of a matrix ``x`` and a vector ``b`` (one per column)."""
    name = "softmax_with_bias"

    def make_node(self, x, b):
        x, b = _floats(x, 2, "x", self.name), _floats(b, 1, "b", self.name)
        return Apply(self, [x, b], [TensorType(x.dtype, x.broadcastable)])

    def lower(self, node, inputs, ctx):
        x, b = (cast_tensor(t, node.outputs[0].dtype) for t in inputs)
        return [tf.nn.softmax(x + b, axis=-1)]

class _IntegerLabels(Op):
    """An op whose integer labels must be class indices (TensorFlow raises
    otherwise; XLA does not)."""

    def can_fail(self, node):
        return dtypes.is_discrete(node.inputs[1].dtype)

    def valid(self, node, inputs):
        classes = tf.shape(inputs[0], out_type=tf.int64)[-1]
        target = cast_tensor(inputs[1], "int64")
        return tf.reduce_all((target >= 0) & (target < classes))


class CrossentropySoftmax(_IntegerLabels):
    """categorical_crossentropy(softmax(z), t) computed from the logits z, so
    that it stays finite where softmax underflows to 0."""
    name = "crossentropy_softmax"

    def make_node(self, logits, target):
        logits, target = as_tensor_variable(logits), as_tensor_variable(target)
        return Apply(self, [logits, target],
                     [TensorType(logits.dtype, logits.broadcastable[:-1])])

    def lower(self, node, inputs, ctx):
        logits, target = inputs
        if dtypes.is_discrete(node.inputs[1].dtype):
            return [tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=cast_tensor(target, "int64"), logits=logits)]
        return [tf.nn.softmax_cross_entropy_with_logits(
            labels=cast_tensor(target, logits.dtype.name), logits=logits, axis=-1)]


class CrossentropyCategorical1Hot(_IntegerLabels):
    """-log(p[i, t[i]]) for integer targets t."""
    name = "crossentropy_categorical_1hot"

    def make_node(self, coding, target):
        coding, target = as_tensor_variable(coding), as_tensor_variable(target)
        return Apply(self, [coding, target], [TensorType(coding.dtype, coding.broadcastable[:-1])])

    def lower(self, node, inputs, ctx):
        coding, target = inputs
        picked = tf.gather(coding, cast_tensor(target, "int64"), axis=-1, batch_dims=len(target.shape))
        return [-tf.math.log(picked)]


class CrossentropySoftmaxArgmax1HotWithBias(_IntegerLabels):
    """(the negative log-likelihood of each row's class ``y_idx`` under
    softmax(x + b), softmax(x + b), argmax(x + b)) for a matrix ``x``, a
    vector ``b`` and integer classes ``y_idx``, one per row."""
    name = "crossentropy_softmax_argmax_1hot_with_bias"

    def make_node(self, x, b, y_idx):
        x, b = _floats(x, 2, "x", self.name), _floats(b, 1, "b", self.name)
        y_idx = as_tensor_variable(y_idx)
        if y_idx.ndim != 1 or not dtypes.is_discrete(y_idx.dtype) or y_idx.dtype == "bool":
            raise ValueError(f"{self.name}: y_idx {y_idx} must be a vector of ints, got "
                             f"{y_idx.ndim}-d {y_idx.dtype}")
        return Apply(self, [x, b, y_idx], [TensorType(x.dtype, y_idx.broadcastable),
                                           TensorType(x.dtype, x.broadcastable),
                                           TensorType(y_idx.dtype, y_idx.broadcastable)])

    def valid(self, node, inputs):
        return super().valid(node, [inputs[0], inputs[2]])

    def lower(self, node, inputs, ctx):
        x, b, y_idx = inputs
        z = x + cast_tensor(b, x.dtype.name)
        nll = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=cast_tensor(y_idx, "int64"), logits=z)
        return [nll, tf.nn.softmax(z, axis=-1), tf.cast(tf.argmax(z, axis=-1), y_idx.dtype)]


class PrependToEachRow(Op):
    """A first column of ``val`` before a matrix; ``val`` fixed on the op
    (Theano's ``Prepend_scalar_constant_to_each_row(val)``) or its first
    input (``Prepend_scalar_to_each_row()(val, mat)``)."""

    def __init__(self, val=None):
        self.val = val
        self.name = "prepend_scalar_to_each_row" if val is None else \
            f"prepend_{val}_to_each_row"

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(v) for v in inputs]
        mat = inputs[-1]
        if mat.broadcastable != (False, False):
            raise TypeError(f"{self.name}: expected a matrix (not broadcastable) as input, "
                            f"got {mat} with broadcastable {mat.broadcastable}")
        if self.val is None and inputs[0].ndim != 0:
            raise TypeError(f"{self.name}: val {inputs[0]} must be a scalar")
        return Apply(self, inputs, [TensorType(mat.dtype, mat.broadcastable)])

    def lower(self, node, inputs, ctx):
        mat = inputs[-1]
        val = self.val if self.val is not None else inputs[0]
        column = tf.fill(tf.stack([tf.shape(mat)[0], 1]), tf.cast(val, mat.dtype))
        return [tf.concat([column, mat], axis=1)]
