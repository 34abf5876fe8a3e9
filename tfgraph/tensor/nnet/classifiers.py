"""The rest of Theano 1.0's ``theano.tensor.nnet`` classifier API: its softmax
op instances, softmax with a bias, the cross-entropy op with softmax and
argmax outputs, the prepend ops and ``confusion_matrix``."""
from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.ops.base import as_tensor_variable
from tfgraph.persist import pickle_by_name
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.shape import zeros_like
from tfgraph.tensor.arrays import max_and_argmax
from tfgraph.tensor.extra_ops import unique
from tfgraph.ops.nnet import (CrossentropyCategorical1Hot,  # noqa: F401
                              CrossentropySoftmaxArgmax1HotWithBias, LogSoftmax,
                              PrependToEachRow, Softmax, SoftmaxWithBias)

softmax_op = pickle_by_name(Softmax(), __name__, "softmax_op")
logsoftmax_op = pickle_by_name(LogSoftmax(), __name__, "logsoftmax_op")
softmax_with_bias = pickle_by_name(SoftmaxWithBias(), __name__, "softmax_with_bias")
crossentropy_categorical_1hot = pickle_by_name(CrossentropyCategorical1Hot(), __name__,
                                               "crossentropy_categorical_1hot")
crossentropy_softmax_argmax_1hot_with_bias = pickle_by_name(
    CrossentropySoftmaxArgmax1HotWithBias(), __name__,
    "crossentropy_softmax_argmax_1hot_with_bias")
# a theano.scalar op in Theano; tfgraph's scalars are 0-d tensors
scalar_sigmoid = OPS["sigmoid"]


def softmax_graph(c):
    """softmax written out as exp(c) / sum(exp(c)) over the last axis (not
    stabilised, as Theano's)."""
    e = T.exp(as_tensor_variable(c))
    return e / e.sum(axis=-1, keepdims=True)


def crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y_idx, **kwargs):
    """(cross-entropy, softmax(x + b), its maximum and argmax per row)."""
    xent, softmax, _ = crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)
    max_pr, argmax = max_and_argmax(softmax, axis=-1)
    return xent, softmax, max_pr, argmax


def crossentropy_softmax_max_and_argmax_1hot(x, y_idx, **kwargs):
    x = as_tensor_variable(x)
    return crossentropy_softmax_max_and_argmax_1hot_with_bias(x, zeros_like(x[0, :]), y_idx)


class Prepend_scalar_constant_to_each_row(PrependToEachRow):  # noqa: N801 (Theano's name)
    """``Prepend_scalar_constant_to_each_row(val)(mat)``: a first column of ``val``."""

    def __init__(self, val=0):
        super().__init__(val.data.item() if hasattr(val, "data") else val)


class Prepend_scalar_to_each_row(PrependToEachRow):  # noqa: N801 (Theano's name)
    """``Prepend_scalar_to_each_row()(val, mat)``: a first column of scalar ``val``."""

    def __init__(self):
        super().__init__(None)


prepend_scalar_to_each_row = pickle_by_name(Prepend_scalar_to_each_row(), __name__,
                                            "prepend_scalar_to_each_row")
prepend_0_to_each_row = pickle_by_name(Prepend_scalar_constant_to_each_row(0.), __name__,
                                       "prepend_0_to_each_row")
prepend_1_to_each_row = pickle_by_name(Prepend_scalar_constant_to_each_row(1.), __name__,
                                       "prepend_1_to_each_row")


def confusion_matrix(actual, pred):
    """[confusion matrix (int64; rows: actual, columns: predicted), the sorted
    distinct labels of both that index its rows and columns]."""
    actual, pred = as_tensor_variable(actual), as_tensor_variable(pred)
    if actual.ndim != 1:
        raise ValueError(f"confusion_matrix: actual {actual} must be 1-d tensor variable")
    if pred.ndim != 1:
        raise ValueError(f"confusion_matrix: pred {pred} must be 1-d tensor variable")
    order = unique(T.concatenate([actual, pred]))
    one_hot_actual = T.eq(actual.dimshuffle(0, "x"), order).astype("int64")
    one_hot_pred = T.eq(pred.dimshuffle(0, "x"), order).astype("int64")
    return [T.dot(one_hot_actual.T, one_hot_pred), order]
