"""``theano.tensor.signal.pool``: ``pool_2d``, ``pool_3d`` and
``max_pool_2d_same_size`` with Theano 1.0's windows and output shapes (see
``tfgraph.ops.pool`` and docs/conv.md)."""
import warnings

import numpy as np

from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.pool import (MaxPoolSameSize, Pool, _static_ints,  # noqa: F401
                              pool_output_length)
from tfgraph.graph import Variable
from tfgraph.tensor import get_vector_length, maximum, zeros_like
from tfgraph.tensor.tape_gradient import TapeGradient


def _renamed(new, old, new_name, old_name, default=None):
    """Theano's deprecated argument names: ds -> ws, st -> stride, padding -> pad."""
    if old is None:
        return new
    if new is not None and new != default:
        raise ValueError(f"You can't provide a tuple value to both '{new_name}' and "
                         f"'{old_name}'. Please provide a value only to '{new_name}'.")
    warnings.warn(f"DEPRECATION: the '{old_name}' parameter is not going to exist anymore as "
                  f"it is going to be replaced by the parameter '{new_name}'.", stacklevel=3)
    return old


def _pool(ndim, input, ws, ignore_border, stride, pad, mode, ds, st, padding):
    fname = f"pool_{ndim}d"
    ws = _renamed(ws, ds, "ws", "ds")
    if ws is None:
        raise ValueError(f"{fname}: you must provide a tuple value for the window size (ws)")
    stride = _renamed(stride, st, "stride", "st")
    pad = _renamed(pad, padding, "pad", "padding", default=(0,) * ndim)
    if getattr(input, "ndim", ndim) < ndim:
        raise NotImplementedError(f"{fname} requires a dimension >= {ndim}")
    if ignore_border is None:
        # Theano 1.0 warns likewise and uses False.
        warnings.warn(f"{fname}() will have the parameter ignore_border default value "
                      f"changed to True (currently False). To have consistent behavior with "
                      f"all Theano versions, explicitly add the parameter ignore_border=True.",
                      stacklevel=3)
        ignore_border = False
    if all(_static_ints(v) is not None for v in (ws, ws if stride is None else stride,
                                                 (0,) * ndim if pad is None else pad)):
        return Pool(ws, stride, pad, ignore_border, mode, ndim)(input)
    # sizes computed in the graph (from the input's shape, say): node inputs
    return Pool(ignore_border=ignore_border, mode=mode, ndim=ndim)(input, ws, stride, pad)


def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0), mode="max",
            ds=None, st=None, padding=None):
    """Pool the last two axes of ``input`` with windows ``ws`` moved by
    ``stride`` (default ``ws``), Python ints or symbolic int scalars; ``mode`` 'max', 'sum', 'average_inc_pad' or
    'average_exc_pad'; ``ignore_border=False`` (Theano 1.0's default, with a
    warning) keeps partial windows at the ends; ``pad`` needs ignore_border=True."""
    return _pool(2, input, ws, ignore_border, stride, pad, mode, ds, st, padding)


def pool_3d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0, 0), mode="max",
            ds=None, st=None, padding=None):
    """``pool_2d`` over the last three axes."""
    return _pool(3, input, ws, ignore_border, stride, pad, mode, ds, st, padding)


def max_pool_2d_same_size(input, patch_size):
    """``input`` with everything but the maximum of each non-overlapping
    ``patch_size`` patch set to zero (same shape)."""
    return MaxPoolSameSize(patch_size)(input)


def _output_length(size, ws, stride, pad, ignore_border):
    """Theano's number of windows along one axis; ``size`` may be symbolic."""
    if isinstance(size, int):
        return pool_output_length(size, ws, stride, pad, ignore_border)
    size = size + 2 * pad
    if ignore_border:
        return maximum((size - ws) // stride + 1, 0)
    partial = maximum((size - 1 - ws + stride) // stride, 0) + 1
    return (size - 1) // stride + 1 if stride >= ws else partial


def out_shape(imgshape, ws=None, ignore_border=False, stride=None, pad=None, ndim=2,
              ds=None, st=None, padding=None):
    """The shape pooling gives an input of shape ``imgshape`` (its last
    ``ndim`` entries pooled; ints or symbolic scalars), Theano's
    ``Pool.out_shape``."""
    ws = _renamed(ws, ds, "ws", "ds")
    stride = _renamed(stride, st, "stride", "st")
    pad = _renamed(pad, padding, "pad", "padding")
    if isinstance(imgshape, Variable):   # a symbolic shape vector, of known length
        imgshape = [imgshape[i] for i in range(get_vector_length(imgshape))]
    if len(imgshape) < ndim:
        raise TypeError(f"imgshape must have at least {ndim} dimensions")
    stride = ws if stride is None else stride
    pad = (0,) * ndim if pad is None else pad
    spatial = [int(n) if isinstance(n, (int, np.integer)) else n for n in imgshape[-ndim:]]
    return list(imgshape[:-ndim]) + [
        _output_length(n, w, s, p, ignore_border) for n, w, s, p in zip(spatial, ws, stride, pad)]


# As Theano's Pool op has it (the op's class is tfgraph.ops.pool's).
Pool.out_shape = staticmethod(out_shape)


def _window(ws, stride, pad):
    """Theano's defaults: the stride is the window, the padding zeros."""
    ws = as_tensor_variable(ws)
    return ws, ws if stride is None else stride, zeros_like(ws) if pad is None else pad


class _PoolGradient(TapeGradient):
    __props__ = ("ignore_border", "mode", "ndim")

    def __init__(self, ignore_border, mode="max", ndim=2):
        self.ignore_border, self.mode, self.ndim = ignore_border, mode, ndim

    def forward_op(self):
        return Pool(self.ignore_border, self.mode, self.ndim)


class MaxPoolGrad(_PoolGradient):
    """``MaxPoolGrad(ignore_border, ndim)(x, maxout, gz, ws, stride, pad)``:
    the gradient through max pooling (its value ``maxout``) of ``gz``."""
    FORWARD, GRADS, WRT = (0, 3, 4, 5), (2,), (0,)

    def __init__(self, ignore_border, ndim=2, openmp=None):
        super().__init__(ignore_border, "max", ndim)

    def make_node(self, x, maxout, gz, ws, stride=None, pad=None):
        return super().make_node(x, maxout, gz, *_window(ws, stride, pad))


class AveragePoolGrad(_PoolGradient):
    """``AveragePoolGrad(ignore_border, mode, ndim)(x, gz, ws, stride, pad)``:
    the gradient through average pooling of ``gz``."""
    FORWARD, GRADS, WRT = (0, 2, 3, 4), (1,), (0,)

    def __init__(self, ignore_border, mode="average_inc_pad", ndim=2):
        super().__init__(ignore_border, mode, ndim)

    def make_node(self, x, gz, ws, stride=None, pad=None, dummy=None):
        return super().make_node(x, gz, *_window(ws, stride, pad))


class DownsampleFactorMaxGradGrad(TapeGradient):
    """``DownsampleFactorMaxGradGrad(ignore_border, mode, ndim)(x, maxout, gz,
    ws, stride, pad)``: the gradient of MaxPoolGrad with respect to its output
    gradient, applied to ``gz`` (shaped as x): for each window, gz where x
    is the window's maximum. MaxPoolGrad is linear in its output gradient, so
    ``maxout`` stands in for it."""
    __props__ = ("ignore_border", "mode", "ndim")
    FORWARD, GRADS, WRT = (0, 1, 1, 3, 4, 5), (2,), (2,)

    def __init__(self, ignore_border, mode="max", ndim=2, openmp=None):
        self.ignore_border, self.mode, self.ndim = ignore_border, mode, ndim

    def forward_op(self):
        return MaxPoolGrad(self.ignore_border, self.ndim)

    def make_node(self, x, maxout, gz, ws, stride=None, pad=None):
        return super().make_node(x, maxout, gz, *_window(ws, stride, pad))
