"""``theano.tensor.nnet``: activations and losses in numerically stable forms,
convolutions (``conv2d``, ``conv3d``, ``conv2d_transpose``; the ops in
``abstract_conv``, the legacy ``conv.conv2d``), batch normalization (``bn``)
and ``neighbours.images2neibs``."""
import numbers
import warnings

import numpy as np

from tfgraph import dtypes
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.nnet import CrossentropyCategorical1Hot, CrossentropySoftmax, Softmax
from tfgraph.ops.reduce import reduce
from tfgraph.ops.shape import dimshuffle
from tfgraph.tensor.nnet import abstract_conv, bn, conv, neighbours  # noqa: F401
from tfgraph.tensor.nnet.abstract_conv import (conv2d_grad_wrt_inputs,  # noqa: F401
                                               conv2d_grad_wrt_weights, conv3d,
                                               separable_conv2d)
from tfgraph.tensor.nnet.abstract_conv import conv2d as abstract_conv2d  # noqa: F401
from tfgraph.tensor.nnet.activations import (elu, h_softmax, hard_sigmoid, selu,  # noqa: F401
                                             softsign, ultra_fast_sigmoid)
from tfgraph.tensor.nnet.bn import batch_normalization  # noqa: F401
from tfgraph.tensor.nnet.classifiers import (  # noqa: F401
    CrossentropySoftmaxArgmax1HotWithBias, LogSoftmax, Prepend_scalar_constant_to_each_row,
    Prepend_scalar_to_each_row, SoftmaxWithBias, confusion_matrix, crossentropy_categorical_1hot,
    crossentropy_softmax_argmax_1hot_with_bias, crossentropy_softmax_max_and_argmax_1hot,
    crossentropy_softmax_max_and_argmax_1hot_with_bias, logsoftmax_op, prepend_0_to_each_row,
    prepend_1_to_each_row, prepend_scalar_to_each_row, scalar_sigmoid, softmax_graph, softmax_op,
    softmax_with_bias)
from tfgraph.tensor.nnet.neighbours import images2neibs, neibs2images  # noqa: F401

sigmoid = OPS["sigmoid"]
softplus = OPS["softplus"]


def relu(x, alpha=0):
    """max(x, 0), or a leaky ReLU when ``alpha`` is given (a number or a
    tensor, e.g. a shared variable for a learnt slope): as Theano,
    ``0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * abs(x)``."""
    if not hasattr(alpha, "owner") and alpha == 0:
        if isinstance(x, (numbers.Number, np.ndarray, np.generic)):
            # Theano 1.0 computes ``0.5 * (x + abs(x))`` here, so a NumPy value
            # gives a NumPy value (tests build references with it).
            return 0.5 * (x + abs(x))
        return OPS["relu"](x)
    mul, add, sub = OPS["mul"], OPS["add"], OPS["sub"]
    if hasattr(alpha, "owner"):
        rising, falling = mul(0.5, add(1, alpha)), mul(0.5, sub(1, alpha))
    else:   # Python numbers stay weak literals: float32 x stays float32
        rising, falling = 0.5 * (1 + alpha), 0.5 * (1 - alpha)
    x = as_tensor_variable(x)
    return add(mul(rising, x), mul(falling, OPS["abs_"](x)))


def _as_rows(x):
    """Theano 1.0's softmax takes a vector as a 1 x n row."""
    x = as_tensor_variable(x)
    if x.ndim == 1:
        return dimshuffle(x, "x", 0)
    return x


def softmax(x):
    """exp(x) / sum(exp(x)) over the last axis (rows of a matrix); a vector
    gives a 1 x n row, as in Theano 1.0."""
    return Softmax()(_as_rows(x))


def logsoftmax(x):
    return Softmax(log=True)(_as_rows(x))


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
    return OPS["neg"](reduce("sum", OPS["mul"](true_dist, OPS["log"](coding_dist)), axis=-1))


def crossentropy_softmax_1hot(x, y_idx, **kwargs):
    """(cross-entropy of softmax(x) with the integer targets ``y_idx``,
    softmax(x)): Theano's pair, the first computed from the logits."""
    x = _as_rows(x)
    return CrossentropySoftmax()(x, y_idx), softmax(x)


def crossentropy_softmax_1hot_with_bias(x, b, y_idx, **kwargs):
    return crossentropy_softmax_1hot(OPS["add"](x, b), y_idx)


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), filter_flip=True, image_shape=None, filter_dilation=(1, 1),
           num_groups=1, unshared=False, **kwargs):
    """Convolve a batch of images (batch, channels, rows, cols) with filters
    (out channels, in channels / num_groups, rows, cols), as Theano 1.0's
    ``theano.tensor.nnet.conv2d``; see docs/conv.md."""
    if "imshp_logical" in kwargs or "kshp_logical" in kwargs:
        raise ValueError("conv2d: imshp_logical and kshp_logical are not supported (as in "
                         "Theano 1.0)")
    if kwargs:
        warnings.warn(f"conv2d: {sorted(kwargs)} are deprecated and ignored", stacklevel=2)
    if image_shape is not None:
        warnings.warn("conv2d: the image_shape argument is deprecated, use input_shape",
                      stacklevel=2)
        if input_shape is not None:
            raise ValueError("conv2d: give input_shape or image_shape, not both")
        input_shape = image_shape
    return abstract_conv.conv2d(input, filters, input_shape, filter_shape, border_mode,
                                subsample, filter_flip, filter_dilation, num_groups, unshared)


def conv2d_transpose(input, filters, output_shape, filter_shape=None, border_mode="valid",
                     input_dilation=(1, 1), filter_flip=True, filter_dilation=(1, 1),
                     num_groups=1, unshared=False):
    """The transposed convolution: the gradient of ``conv2d`` (with
    ``subsample=input_dilation``) with respect to its input, of shape
    ``output_shape``. ``filters`` is (input channels, output channels, rows,
    cols), the reverse of conv2d's."""
    return conv2d_grad_wrt_inputs(input, filters, output_shape, filter_shape, border_mode,
                                  input_dilation, filter_flip, filter_dilation, num_groups,
                                  unshared)


# Theano's nnet/__init__ also exports the gradient ops of nnet.nnet and the
# in-place sigmoid of nnet.sigm, which build on the names above.
from tfgraph.tensor.nnet.nnet import (  # noqa: E402,F401
    CrossentropyCategorical1HotGrad, CrossentropySoftmax1HotWithBiasDx, SoftmaxGrad,
    crossentropy_categorical_1hot_grad, crossentropy_softmax_1hot_with_bias_dx, softmax_grad)
from tfgraph.tensor.nnet.sigm import sigmoid_inplace  # noqa: E402,F401
