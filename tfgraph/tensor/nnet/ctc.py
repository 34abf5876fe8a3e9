"""``theano.tensor.nnet.ctc``: the connectionist temporal classification loss
(Theano binds Baidu's warp-ctc library; here it is TensorFlow's
``tf.nn.ctc_loss``, which gives the gradient)."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph._tf import tf


def ctc_present():
    """Whether a CTC implementation is there: TensorFlow's always is."""
    return True


def ctc_available():
    """Whether ``ctc`` can be used: always."""
    return True


class ConnectionistTemporalClassification(Op):
    """The CTC loss of each sequence of a minibatch: activations (time,
    batch, alphabet) before the softmax, labels (batch, length) padded with
    negative values, the blank being symbol 0, and each sequence's number of
    time steps."""
    __props__ = ("compute_grad",)

    def __init__(self, compute_grad=True, openmp=None):
        self.compute_grad = compute_grad

    def make_node(self, activations, labels, input_lengths):
        activations, labels, lengths = (as_tensor_variable(v)
                                        for v in (activations, labels, input_lengths))
        if activations.ndim != 3 or not activations.dtype.startswith("float"):
            raise TypeError(f"ctc: activations must be a 3-d float tensor, got "
                            f"{activations.type}")
        for var, ndim, what in ((labels, 2, "labels"), (lengths, 1, "input_lengths")):
            if var.ndim != ndim or not dtypes.is_discrete(var.dtype):
                raise TypeError(f"ctc: {what} must be a {ndim}-d integer tensor, got {var.type}")
        return Apply(self, [activations, labels, lengths],
                     [TensorType(activations.dtype, (False,))])

    def lower(self, node, inputs, ctx):
        activations, labels, lengths = inputs
        labels = tf.cast(labels, tf.int32)
        label_lengths = tf.reduce_sum(tf.cast(labels >= 0, tf.int32), axis=1)
        costs = tf.nn.ctc_loss(tf.maximum(labels, 0), activations, label_lengths,
                               tf.cast(lengths, tf.int32), logits_time_major=True,
                               blank_index=0)
        return [tf.cast(costs, node.outputs[0].dtype)]


def ctc(activations, labels, input_lengths):
    """The CTC loss of each sequence: see ConnectionistTemporalClassification."""
    return ConnectionistTemporalClassification()(activations, labels, input_lengths)
