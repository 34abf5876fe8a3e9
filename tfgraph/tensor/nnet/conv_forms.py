"""Convolutions Theano 1.0 built from its abstract ones: separable (depthwise
then pointwise), causal 1-d, and bilinear upsampling (a transposed
convolution with a bilinear kernel)."""
from math import gcd

from tfgraph import config
from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.ops.base import as_tensor_variable
from tfgraph.tensor.nnet.conv_shapes import get_conv_output_shape


def _separable(convdim, input, depthwise_filters, pointwise_filters, num_channels,
               input_shape, depthwise_filter_shape, pointwise_filter_shape, border_mode,
               subsample, filter_flip, filter_dilation):
    conv = T.nnet.abstract_conv.conv2d if convdim == 2 else T.nnet.abstract_conv.conv3d
    depthwise = conv(as_tensor_variable(input), as_tensor_variable(depthwise_filters),
                     input_shape, depthwise_filter_shape, border_mode, subsample,
                     filter_flip, filter_dilation, num_groups=num_channels)
    depthwise_shape = None
    if input_shape is not None and depthwise_filter_shape is not None:
        depthwise_shape = get_conv_output_shape(input_shape, depthwise_filter_shape,
                                                border_mode, subsample, filter_dilation)
    return conv(depthwise, pointwise_filters, depthwise_shape, pointwise_filter_shape,
                "valid", (1,) * convdim, filter_flip, (1,) * convdim)


def separable_conv2d(input, depthwise_filters, pointwise_filters, num_channels,
                     input_shape=None, depthwise_filter_shape=None,
                     pointwise_filter_shape=None, border_mode="valid", subsample=(1, 1),
                     filter_flip=True, filter_dilation=(1, 1)):
    """A depthwise convolution (``depthwise_filters`` (num_channels *
    multiplier, 1, rows, cols), one group per input channel) followed by a
    pointwise one (``pointwise_filters`` (out, num_channels * multiplier, 1, 1))."""
    return _separable(2, input, depthwise_filters, pointwise_filters, num_channels,
                      input_shape, depthwise_filter_shape, pointwise_filter_shape,
                      border_mode, subsample, filter_flip, filter_dilation)


def separable_conv3d(input, depthwise_filters, pointwise_filters, num_channels,
                     input_shape=None, depthwise_filter_shape=None,
                     pointwise_filter_shape=None, border_mode="valid", subsample=(1, 1, 1),
                     filter_flip=True, filter_dilation=(1, 1, 1)):
    """``separable_conv2d`` in three dimensions."""
    return _separable(3, input, depthwise_filters, pointwise_filters, num_channels,
                      input_shape, depthwise_filter_shape, pointwise_filter_shape,
                      border_mode, subsample, filter_flip, filter_dilation)


def causal_conv1d(input, filters, filter_shape, input_shape=None, subsample=1,
                  filter_flip=True, filter_dilation=1, num_groups=1, unshared=False):
    """1-d convolution of (batch, channels, time) whose output at time t sees
    the input up to t only (zero padding on the left alone); ``filter_shape``
    (out, in, width) is required."""
    input, filters = as_tensor_variable(input), as_tensor_variable(filters)
    if input.ndim != 3:
        raise ValueError(f"causal_conv1d: input {input} should be 3D for causal convolution.")
    if filters.ndim != 3:
        raise ValueError(f"causal_conv1d: filters {filters} should be 3D for causal "
                         f"convolution")
    if input_shape is not None:
        if len(input_shape) != 3:
            raise ValueError(f"causal_conv1d: input_shape {input_shape} must have 3 entries")
        input_shape = tuple(input_shape) + (1,)
    if filter_shape is None or len(filter_shape) != 3:
        raise ValueError(f"causal_conv1d: filter_shape {filter_shape} must have 3 entries")
    filter_shape = tuple(filter_shape) + (1,)
    left = filter_dilation * (filter_shape[2] - 1)
    op = T.nnet.abstract_conv.AbstractConv2d(
        input_shape, filter_shape, ((left, 0), 0), (subsample, 1), filter_flip,
        (filter_dilation, 1), num_groups, unshared)
    return op(input.dimshuffle(0, 1, 2, "x"), filters.dimshuffle(0, 1, 2, "x"))[:, :, :, 0]


def bilinear_kernel_1D(ratio, normalize=True):
    """The 1-d bilinear kernel of ``ratio``: 1, 2, ..., ratio, ..., 2, 1
    (divided by ``ratio`` if ``normalize``), in floatX."""
    half = T.arange(1, ratio + 1, dtype=config.floatX)
    kernel = T.concatenate([half, half[-2::-1]])
    if normalize:
        kernel = kernel / T.cast(ratio, config.floatX)
    return kernel


def bilinear_kernel_2D(ratio, normalize=True):
    """The outer product of the 1-d bilinear kernels of ``ratio`` (an int, or
    (rows, cols))."""
    rows, cols = ratio if isinstance(ratio, tuple) else (ratio, ratio)
    return bilinear_kernel_1D(rows, normalize).dimshuffle(0, "x") * \
        bilinear_kernel_1D(cols, normalize).dimshuffle("x", 0)


def _edge_padded(input):
    """(batch * channels, 1, rows + 2, cols + 2): each image with its first
    and last rows and columns repeated once."""
    rows, cols = input.shape[2], input.shape[3]
    images = input.reshape((-1, 1, rows, cols))
    images = T.concatenate([images[:, :, :1, :], images, images[:, :, -1:, :]], axis=2)
    return T.concatenate([images[:, :, :, :1], images, images[:, :, :, -1:]], axis=3)


def bilinear_upsampling(input, ratio=None, frac_ratio=None, batch_size=None,
                        num_input_channels=None, use_1D_kernel=True):
    """(batch, channels, rows * ratio, cols * ratio): ``input`` upsampled by
    bilinear interpolation with replicated edges, as Theano's (a transposed
    convolution with the bilinear kernel); ``frac_ratio`` for fractional
    ratios (with ``use_1D_kernel=False``)."""
    if ratio and frac_ratio:
        raise ValueError("bilinear_upsampling: can't use ratio and frac_ratio together")
    if not (ratio or frac_ratio):
        raise ValueError("bilinear_upsampling: no ratio (or frac_ratio) provided")
    if frac_ratio:
        if use_1D_kernel:
            raise ValueError("bilinear_upsampling: for fractional ratios the 1D kernel method "
                             "is not implemented; pass use_1D_kernel=False")
        return frac_bilinear_upsampling(input, frac_ratio)
    input = as_tensor_variable(input)
    try:
        images = batch_size * num_input_channels
    except TypeError:
        images = None
    rows, cols = input.shape[2], input.shape[3]
    padded = _edge_padded(input)
    pad = 2 * ratio - (ratio - 1) // 2 - 1
    kernel = bilinear_kernel_1D(ratio, normalize=True)
    if use_1D_kernel:
        by_rows = T.nnet.abstract_conv.conv2d_grad_wrt_inputs(
            padded, kernel.dimshuffle("x", "x", 0, "x"), (images, 1, rows * ratio, cols + 2),
            (1, 1, None, 1), (pad, 0), (ratio, 1), True, (1, 1))
        upsampled = T.nnet.abstract_conv.conv2d_grad_wrt_inputs(
            by_rows, kernel.dimshuffle("x", "x", "x", 0), (images, 1, rows * ratio,
                                                          cols * ratio),
            (1, 1, 1, None), (0, pad), (1, ratio), True, (1, 1))
    else:
        upsampled = T.nnet.abstract_conv.conv2d_grad_wrt_inputs(
            padded, bilinear_kernel_2D(ratio).dimshuffle("x", "x", 0, 1),
            (images, 1, rows * ratio, cols * ratio), (1, 1, None, None), (pad, pad),
            (ratio, ratio), True, (1, 1))
    return upsampled.reshape((input.shape[0], input.shape[1], rows * ratio, cols * ratio))


def frac_bilinear_upsampling(input, frac_ratio):
    """Bilinear upsampling by a fraction: ``frac_ratio`` (p, q) scales both
    axes by p/q, ((p1, q1), (p2, q2)) each axis by its own; a dilated
    convolution of the zero-framed bilinear kernel with the edge-padded
    images, strided by q, as Theano's."""
    input = as_tensor_variable(input)
    if not isinstance(frac_ratio, tuple):
        raise ValueError("frac_bilinear_upsampling: frac_ratio must be a tuple")
    pairs = frac_ratio if isinstance(frac_ratio[0], tuple) else (frac_ratio, frac_ratio)
    pairs = [(p // gcd(p, q), q // gcd(p, q)) for p, q in pairs]
    ratio, subsample = tuple(p for p, _ in pairs), tuple(q for _, q in pairs)
    rows, cols = input.shape[2], input.shape[3]
    padded = _edge_padded(input)
    double_pad = [(2 * n - 1) * r + 1 for n, r in zip((rows, cols), ratio)]
    pad = [d // 2 for d in double_pad]
    kernel = bilinear_kernel_2D(ratio).dimshuffle("x", "x", 0, 1)
    kh, kw = kernel.shape[2], kernel.shape[3]
    floatX = config.floatX
    framed = T.concatenate([T.zeros((1, 1, pad[0], kw), dtype=floatX), kernel,
                            T.zeros((1, 1, double_pad[0] - pad[0], kw), dtype=floatX)], axis=2)
    height = framed.shape[2]
    framed = T.concatenate([T.zeros((1, 1, height, pad[1]), dtype=floatX), framed,
                            T.zeros((1, 1, height, double_pad[1] - pad[1]), dtype=floatX)],
                           axis=3)
    # the framed kernel is the "image", the padded images the "filters"
    upsampled = T.nnet.abstract_conv.conv2d(
        framed, padded, border_mode="valid", filter_dilation=ratio, subsample=subsample)
    return upsampled.reshape((input.shape[0], input.shape[1], upsampled.shape[2],
                              upsampled.shape[3]))


__all__ = ["separable_conv2d", "separable_conv3d", "causal_conv1d", "bilinear_kernel_1D",
           "bilinear_kernel_2D", "bilinear_upsampling", "frac_bilinear_upsampling"]
