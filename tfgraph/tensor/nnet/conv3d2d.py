"""``theano.tensor.nnet.conv3d2d``: the 3-d convolution of movies laid out
(batch, time, channels, rows, cols), as Theano computes it from 2-d
convolutions, and the diagonal-subtensor ops it sums over time with."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from tfgraph.graph import Apply, Op
from tfgraph.ops.base import as_tensor_variable
from tfgraph.persist import pickle_by_name
from tfgraph.tensor import dimshuffle, zeros_like
from tfgraph.tensor.nnet.abstract_conv import conv3d as abstract_conv3d


def get_diagonal_subtensor_view(x, i0, i1):
    """A view of the NumPy array ``x`` whose entry (.., j, .., k, ..) along
    axes ``i0`` and ``i1`` is x[.., j + (n1 - 1) - k, .., k, ..], n1 the length
    of axis ``i1`` (the diagonals of each (i0, i1) matrix, read upwards)."""
    i0, i1 = int(i0), int(i1)
    if x.shape[i0] < x.shape[i1]:
        raise NotImplementedError("is this allowed?")
    index = [slice(None)] * x.ndim
    index[i0] = slice(x.shape[i1] - 1, None)
    view = x[tuple(index)]
    if x.shape[i1] == 1:
        return view
    strides = list(view.strides)
    strides[i1] -= strides[i0]
    return as_strided(view, view.shape, strides)


class DiagonalSubtensor(Op):
    """``get_diagonal_subtensor_view(x, i0, i1)`` as an op (a copy: tfgraph's
    values are never views of one another)."""
    __props__ = ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = inplace

    def make_node(self, x, i0, i1):
        x, i0, i1 = as_tensor_variable(x), as_tensor_variable(i0), as_tensor_variable(i1)
        return Apply(self, [x, i0, i1], [x.type()])

    def perform(self, node, inputs, output_storage):
        x, i0, i1 = inputs
        output_storage[0][0] = np.array(get_diagonal_subtensor_view(x, i0, i1))

    def grad(self, inputs, output_grads):
        x, i0, i1 = inputs
        return [inc_diagonal_subtensor(zeros_like(x), i0, i1, output_grads[0]), None, None]


class IncDiagonalSubtensor(Op):
    """``x`` with ``amt`` added to its diagonal subtensor (the gradient of
    DiagonalSubtensor)."""
    __props__ = ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = inplace

    def make_node(self, x, i0, i1, amt):
        x, amt = as_tensor_variable(x), as_tensor_variable(amt)
        return Apply(self, [x, as_tensor_variable(i0), as_tensor_variable(i1), amt], [x.type()])

    def perform(self, node, inputs, output_storage):
        x, i0, i1, amt = inputs
        result = np.array(x)
        view = get_diagonal_subtensor_view(result, i0, i1)
        view += amt   # the strides of the view write each entry of result once
        output_storage[0][0] = result

    def grad(self, inputs, output_grads):
        x, i0, i1, amt = inputs
        gy = output_grads[0]
        return [gy, None, None, diagonal_subtensor(gy, i0, i1)]


diagonal_subtensor = pickle_by_name(DiagonalSubtensor(False), __name__, "diagonal_subtensor")
inc_diagonal_subtensor = pickle_by_name(IncDiagonalSubtensor(False), __name__,
                                        "inc_diagonal_subtensor")

_PADDING = {"valid": lambda k: 0, "full": lambda k: k - 1, "half": lambda k: k // 2}


def conv3d(signals, filters, signals_shape=None, filters_shape=None, border_mode="valid"):
    """The convolution (flipped filters) of ``signals`` (batch, time,
    channels, rows, cols) with ``filters`` (filters, time, channels, rows,
    cols): (batch, time', filters, rows', cols'). ``border_mode``: 'valid',
    'full', 'half', or one of those per axis (time, rows, cols); rows and
    cols must agree, as in Theano."""
    signals, filters = as_tensor_variable(signals), as_tensor_variable(filters)
    modes = (border_mode,) * 3 if isinstance(border_mode, str) else tuple(border_mode)
    if modes[1] != modes[2]:
        raise NotImplementedError("height and width bordermodes must match")
    if any(mode not in _PADDING for mode in modes):
        raise ValueError("invalid border mode", border_mode)
    if len(set(modes)) == 1:
        mode = modes[0]
    elif filters_shape is None:
        raise NotImplementedError("conv3d: border modes that differ between time and space "
                                  "need filters_shape")
    else:
        mode = tuple(_PADDING[m](k) for m, k in zip(modes, filters_shape[1::2][:1]
                                                     + tuple(filters_shape[3:])))
    output = abstract_conv3d(dimshuffle(signals, 0, 2, 1, 3, 4),
                             dimshuffle(filters, 0, 2, 1, 3, 4), border_mode=mode)
    return dimshuffle(output, 0, 2, 1, 3, 4)
