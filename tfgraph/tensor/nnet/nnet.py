"""``theano.tensor.nnet.nnet``: softmax and the cross-entropies, the same
objects as ``theano.tensor.nnet``'s, and the ops of their gradients that
Theano code builds by hand (``SoftmaxGrad``, ...): tfgraph's gradients
themselves come from TensorFlow's tape."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.persist import pickle_by_name
from tfgraph._tf import tf
from tfgraph.tensor.nnet import (  # noqa: F401
    binary_crossentropy, categorical_crossentropy, confusion_matrix,
    crossentropy_categorical_1hot, crossentropy_softmax_1hot,
    crossentropy_softmax_1hot_with_bias, crossentropy_softmax_argmax_1hot_with_bias,
    crossentropy_softmax_max_and_argmax_1hot,
    crossentropy_softmax_max_and_argmax_1hot_with_bias, CrossentropyCategorical1Hot,
    CrossentropySoftmaxArgmax1HotWithBias, elu, h_softmax, LogSoftmax, logsoftmax,
    logsoftmax_op, prepend_0_to_each_row, prepend_1_to_each_row,
    Prepend_scalar_constant_to_each_row, Prepend_scalar_to_each_row, prepend_scalar_to_each_row,
    relu, selu, sigmoid_binary_crossentropy, Softmax, softmax, softmax_graph, softmax_op,
    softmax_with_bias, SoftmaxWithBias, softsign
)


class SoftmaxGrad(Op):
    """The gradient of softmax over rows: ``(dy - sum(dy * sm, 1)) * sm``,
    given the output gradient ``dy`` and the softmax ``sm``."""
    __props__ = ()

    def make_node(self, dy, sm):
        dy, sm = as_tensor_variable(dy), as_tensor_variable(sm)
        if dy.ndim != 2 or sm.ndim != 2:
            raise ValueError(f"SoftmaxGrad takes matrices, got {dy.type} and {sm.type}")
        return Apply(self, [dy, sm], [sm.type()])

    def lower(self, node, inputs, ctx):
        dy, sm = (cast_tensor(t, node.outputs[0].dtype) for t in inputs)
        return [(dy - tf.reduce_sum(dy * sm, axis=1, keepdims=True)) * sm]


softmax_grad = pickle_by_name(SoftmaxGrad(), __name__, "softmax_grad")


class CrossentropySoftmax1HotWithBiasDx(Op):
    """The gradient, with respect to the logits, of the cross-entropy of a
    softmax with integer labels: ``dy[:, None] * (sm - onehot(y_idx))``."""
    __props__ = ()

    def make_node(self, dy, sm, y_idx, **kwargs):
        dy, sm, y_idx = (as_tensor_variable(v) for v in (dy, sm, y_idx))
        if dy.ndim != 1 or sm.ndim != 2 or y_idx.ndim != 1 or not dtypes.is_discrete(
                y_idx.dtype):
            raise ValueError(f"CrossentropySoftmax1HotWithBiasDx takes a vector, a matrix and "
                             f"integer labels, got {dy.type}, {sm.type}, {y_idx.type}")
        return Apply(self, [dy, sm, y_idx], [sm.type()])

    def lower(self, node, inputs, ctx):
        dy, sm, y_idx = inputs
        dtype = node.outputs[0].dtype
        onehot = tf.one_hot(tf.cast(y_idx, tf.int64), tf.shape(sm)[1], dtype=dtype)
        return [cast_tensor(dy, dtype)[:, None] * (cast_tensor(sm, dtype) - onehot)]


crossentropy_softmax_1hot_with_bias_dx = pickle_by_name(
    CrossentropySoftmax1HotWithBiasDx(), __name__, "crossentropy_softmax_1hot_with_bias_dx")


class CrossentropyCategorical1HotGrad(Op):
    """The gradient of ``crossentropy_categorical_1hot``: ``-g_y / p`` at each
    row's true class, 0 elsewhere."""
    __props__ = ()

    def make_node(self, g_y, coding_dist, true_one_of_n):
        g_y, coding, labels = (as_tensor_variable(v) for v in (g_y, coding_dist, true_one_of_n))
        return Apply(self, [g_y, coding, labels], [coding.type()])

    def lower(self, node, inputs, ctx):
        g_y, coding, labels = inputs
        dtype = node.outputs[0].dtype
        onehot = tf.one_hot(tf.cast(labels, tf.int64), tf.shape(coding)[1], dtype=dtype)
        picked = tf.reduce_sum(cast_tensor(coding, dtype) * onehot, axis=1)
        return [onehot * (-cast_tensor(g_y, dtype) / picked)[:, None]]


crossentropy_categorical_1hot_grad = pickle_by_name(
    CrossentropyCategorical1HotGrad(), __name__, "crossentropy_categorical_1hot_grad")
