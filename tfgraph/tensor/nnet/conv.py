"""``theano.tensor.nnet.conv``: the legacy ``conv2d`` (deprecated in Theano
1.0 but still used by old code, e.g. the classic LeNet tutorial)."""
import warnings

from tfgraph.tensor.nnet.abstract_conv import AbstractConv2d


def conv2d(input, filters, image_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), **kwargs):
    """True 2-d convolution of (batch, channels, rows, cols) images with
    (filters, channels, rows, cols) filters; ``border_mode`` 'valid' or 'full'."""
    warnings.warn("theano.tensor.nnet.conv.conv2d is deprecated. Use "
                  "theano.tensor.nnet.conv2d instead.", stacklevel=2)
    if border_mode not in ("valid", "full"):
        raise ValueError(f"conv.conv2d: border_mode must be 'valid' or 'full', got "
                         f"{border_mode!r} (theano.tensor.nnet.conv2d takes more)")
    return AbstractConv2d(image_shape, filter_shape, border_mode, tuple(subsample))(
        input, filters)

imported_scipy_signal = True   # Theano's flag of SciPy having imported: tfgraph requires SciPy
