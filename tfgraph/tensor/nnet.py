"""``theano.tensor.nnet``: activations and losses, in numerically stable forms."""
from tfgraph import dtypes
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.nnet import CrossentropyCategorical1Hot, CrossentropySoftmax, Softmax

sigmoid = OPS["sigmoid"]
softplus = OPS["softplus"]


def relu(x, alpha=0):
    """max(x, 0), or a leaky ReLU ``max(x, alpha * x)`` when ``alpha`` is given."""
    if alpha == 0:
        return OPS["relu"](x)
    x = as_tensor_variable(x)
    return OPS["switch"](OPS["gt"](x, 0), x, OPS["mul"](alpha, x))


def softmax(x):
    """exp(x) / sum(exp(x)) over the last axis (rows of a matrix)."""
    return Softmax()(x)


def logsoftmax(x):
    return Softmax(log=True)(x)


def ultra_fast_sigmoid(x):
    return sigmoid(x)


hard_sigmoid = ultra_fast_sigmoid


def binary_crossentropy(output, target):
    """-(target * log(output) + (1 - target) * log(1 - output)).

    When ``output`` is ``sigmoid(z)`` this is computed from ``z`` directly, so
    it stays finite where the sigmoid saturates (Theano rewrites it likewise).
    """
    output, target = as_tensor_variable(output), as_tensor_variable(target)
    if output.owner is not None and output.owner.op is sigmoid:
        return OPS["sigmoid_binary_crossentropy"](output.owner.inputs[0], target)
    mul, sub, log = OPS["mul"], OPS["sub"], OPS["log"]
    return OPS["neg"](OPS["add"](mul(target, log(output)),
                                 mul(sub(1, target), log(sub(1, output)))))


def sigmoid_binary_crossentropy(logits, target):
    return OPS["sigmoid_binary_crossentropy"](logits, target)


def categorical_crossentropy(coding_dist, true_dist):
    """Cross-entropy between rows of ``coding_dist`` and ``true_dist``, which is
    either one-hot/probability rows or a vector of integer class indices.

    When ``coding_dist`` is ``softmax(z)`` it is computed from ``z`` directly.
    """
    coding_dist, true_dist = as_tensor_variable(coding_dist), as_tensor_variable(true_dist)
    if coding_dist.owner is not None and isinstance(coding_dist.owner.op, Softmax) \
            and not coding_dist.owner.op.log:
        return CrossentropySoftmax()(coding_dist.owner.inputs[0], true_dist)
    if dtypes.is_discrete(true_dist.dtype) and true_dist.ndim == coding_dist.ndim - 1:
        return CrossentropyCategorical1Hot()(coding_dist, true_dist)
    if true_dist.ndim != coding_dist.ndim:
        raise TypeError(f"categorical_crossentropy: true_dist {true_dist} must have the "
                        f"ndim of coding_dist {coding_dist} or one less (class indices)")
    from tfgraph.ops.reduce import reduce
    return OPS["neg"](reduce("sum", OPS["mul"](true_dist, OPS["log"](coding_dist)), axis=-1))
