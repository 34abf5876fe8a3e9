"""Neural-network ops whose stable forms need more than one elementwise op."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
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
        return Apply(self, [x], [TensorType(dtypes.upgrade_to_float(x.dtype), x.broadcastable)])

    def lower(self, node, inputs, ctx):
        x = cast_tensor(inputs[0], node.outputs[0].dtype)
        return [(tf.nn.log_softmax if self.log else tf.nn.softmax)(x, axis=-1)]


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
