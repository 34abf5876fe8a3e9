"""Theano 1.0's shape helpers of ``abstract_conv``: the output shape of a
convolution and the input or filter shapes its gradients imply, axis by
axis; shape checks; ``border_mode_to_pad``. Sizes are ints, symbolic
scalars, or None where unknown."""
import numbers

from tfgraph import config
from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.ops.structure import Assert
from tfgraph.tensor.arrays import NotScalarConstantError, get_scalar_constant_value


def _pads(border_mode, dilated_kernel):
    """(left, right) padding of one axis; ValueError if negative."""
    if border_mode == "half":
        return dilated_kernel // 2, dilated_kernel // 2
    if border_mode == "full":
        return dilated_kernel - 1, dilated_kernel - 1
    if border_mode == "valid":
        return 0, 0
    left, right = border_mode if isinstance(border_mode, tuple) else (border_mode,) * 2
    if _known(left) and _known(right) and (left < 0 or right < 0):
        raise ValueError("border_mode must be >= 0")
    return left, right


def _known(n):
    return isinstance(n, numbers.Integral)


def _any_none(*values):
    return any(v is None for v in values)


def get_conv_shape_1axis(image_shape, kernel_shape, border_mode, subsample, dilation=1):
    """The output length of a convolution along one axis (None if unknown)."""
    if _any_none(image_shape, kernel_shape, border_mode, subsample, dilation):
        return None
    dilated = (kernel_shape - 1) * dilation + 1
    left, right = _pads(border_mode, dilated)
    return (image_shape - dilated + left + right) // subsample + 1


def _per_axis(border_mode, convdim):
    return list(border_mode) if isinstance(border_mode, tuple) else [border_mode] * convdim


def get_conv_output_shape(image_shape, kernel_shape, border_mode, subsample,
                          filter_dilation=None):
    """(batch, output channels, *spatial) of a convolution of ``image_shape``
    by ``kernel_shape`` (its last axes the spatial ones, also when unshared)."""
    convdim = len(image_shape) - 2
    dilation = filter_dilation if filter_dilation is not None else (1,) * len(subsample)
    borders = _per_axis(border_mode, len(subsample))
    return (image_shape[0], kernel_shape[0]) + tuple(
        get_conv_shape_1axis(image_shape[2 + i], kernel_shape[-convdim + i], borders[i],
                             subsample[i], dilation[i]) for i in range(len(subsample)))


def get_conv_gradweights_shape_1axis(image_shape, top_shape, border_mode, subsample,
                                     dilation):
    """The filter length along one axis implied by the input and output
    lengths; None if unknown or ambiguous (subsample > 1, 'half')."""
    if _any_none(image_shape, top_shape, border_mode, subsample, dilation):
        return None
    if subsample != 1 or border_mode == "half":
        return None
    if border_mode == "full":
        extent = top_shape - image_shape
    elif border_mode == "valid":
        extent = image_shape - top_shape
    else:
        left, right = _pads(border_mode, None)
        extent = image_shape + left + right - top_shape
    if dilation > 1:
        extent = extent // dilation
    return extent + 1


def get_conv_gradweights_shape(image_shape, top_shape, border_mode, subsample,
                               filter_dilation=None, num_groups=1, unshared=False):
    """The filter shape implied by the input and output shapes (None where
    unknown)."""
    channels, top_channels = image_shape[1], top_shape[1]
    dilation = filter_dilation if filter_dilation is not None else (1,) * len(subsample)
    if num_groups > 1:
        top_channels = top_channels // num_groups
    borders = _per_axis(border_mode, len(subsample))
    spatial = tuple(get_conv_gradweights_shape_1axis(
        image_shape[2 + i], top_shape[2 + i], borders[i], subsample[i], dilation[i])
        for i in range(len(subsample)))
    if unshared:
        return (top_channels,) + tuple(top_shape[2:]) + (channels,) + spatial
    return (top_channels, channels) + spatial


def get_conv_gradinputs_shape_1axis(kernel_shape, top_shape, border_mode, subsample,
                                    dilation):
    """The input length along one axis implied by the filter and output
    lengths; None if unknown or ambiguous (subsample > 1)."""
    if _any_none(kernel_shape, top_shape, border_mode, subsample, dilation):
        return None
    if subsample != 1:
        return None
    dilated = (kernel_shape - 1) * dilation + 1
    left, right = _pads(border_mode, dilated)
    return top_shape + dilated - 1 - left - right


def get_conv_gradinputs_shape(kernel_shape, top_shape, border_mode, subsample,
                              filter_dilation=None, num_groups=1):
    """The input shape implied by the filter and output shapes (None where
    unknown)."""
    convdim = len(top_shape) - 2
    channels = kernel_shape[1]
    dilation = filter_dilation if filter_dilation is not None else (1,) * len(subsample)
    if num_groups > 1:
        channels = channels * num_groups
    borders = _per_axis(border_mode, len(subsample))
    return (top_shape[0], channels) + tuple(get_conv_gradinputs_shape_1axis(
        kernel_shape[-convdim + i], top_shape[2 + i], borders[i], subsample[i], dilation[i])
        for i in range(len(subsample)))


def check_conv_gradinputs_shape(image_shape, kernel_shape, output_shape, border_mode,
                                subsample, filter_dilation=None):
    """False if a convolution of ``image_shape`` by ``kernel_shape`` cannot
    give ``output_shape``; True otherwise, also where a size is not known."""
    image_shape, kernel_shape = tuple(image_shape), tuple(kernel_shape)
    output_shape = tuple(output_shape)
    if len(image_shape) != len(kernel_shape) or len(image_shape) != len(output_shape):
        return False
    if len(image_shape) - 2 != len(subsample):
        return False
    if filter_dilation is not None and len(image_shape) - 2 != len(filter_dilation):
        return False
    computed = get_conv_output_shape(image_shape, kernel_shape, border_mode, subsample,
                                     filter_dilation)

    def agrees(given, expected):
        if given is None or expected is None:
            return True
        try:
            return int(get_scalar_constant_value(given)) == \
                int(get_scalar_constant_value(expected))
        except NotScalarConstantError:
            return True
    return all(agrees(g, e) for g, e in zip(output_shape, computed))


def assert_conv_shape(shape):
    """``shape`` with each size checked: batch and channels (the first two)
    >= 0, the spatial ones > 0; a ValueError now for constants, a run-time
    check for symbolic sizes."""
    checked = []
    for i, n in enumerate(shape):
        relation = ">=" if i < 2 else ">"
        message = f"The convolution would produce an invalid shape (dim[{i}] " \
                  f"{'<' if i < 2 else '<='} 0)."
        try:
            value = get_scalar_constant_value(n)
        except NotScalarConstantError:
            condition = T.ge(n, 0) if relation == ">=" else T.gt(n, 0)
            checked.append(Assert(message)(n, condition))
            continue
        if (value < 0) if i < 2 else (value <= 0):
            raise ValueError(f"The convolution would produce an invalid shape (dim[{i}]: "
                             f"{value} {'<' if i < 2 else '<='} 0).")
        checked.append(n)
    return tuple(checked)


def assert_shape(x, expected_shape, msg="Unexpected shape."):
    """``x``, checked at run time to have ``expected_shape`` (None entries
    not checked) when ``config.conv.assert_shape`` is set (Theano's default
    is not to check)."""
    if expected_shape is None or not config.conv.assert_shape:
        return x
    tests = [T.eq(x.shape[i], expected_shape[i]) for i in range(x.ndim)
             if expected_shape[i] is not None]
    return Assert(msg)(x, *tests) if tests else x


def border_mode_to_pad(mode, convdim, kshp):
    """``convdim`` (left, right) paddings for ``mode`` ('valid', 'full',
    'half', or a tuple of ints or pairs) and spatial kernel shape ``kshp``."""
    if isinstance(mode, tuple):
        if len(mode) != convdim:
            raise ValueError(f"invalid border_mode {mode} which must be a tuple of length "
                             f"{convdim}")
        pads = []
        for m in mode:
            if isinstance(m, int) and m >= 0:
                pads.append((m, m))
            elif isinstance(m, tuple) and all(isinstance(b, int) for b in m) and min(m) >= 0:
                if len(m) != 2:
                    raise NotImplementedError(f"Asymmetric padding not implemented for "
                                              f"{len(m)}d")
                pads.append((m[0], m[1]))
            else:
                raise ValueError(f"invalid border mode {mode}. The tuple can only contain "
                                 f"integers or tuples of length 2")
        return tuple(pads)
    if mode == "full":
        return tuple((kshp[i] - 1,) * 2 for i in range(convdim))
    if mode == "half":
        return tuple((kshp[i] // 2,) * 2 for i in range(convdim))
    if mode == "valid":
        return ((0, 0),) * convdim
    raise ValueError(f"invalid border_mode {mode}, which must be either \"valid\", \"full\", "
                     f"\"half\", an integer or a tuple of length {convdim}")
