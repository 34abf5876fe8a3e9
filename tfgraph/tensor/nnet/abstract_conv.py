"""``theano.tensor.nnet.abstract_conv``: the convolution ops under Theano's
names and signatures, as layer libraries call them, e.g.
``AbstractConv2d_gradInputs(imshp, kshp, border_mode, subsample,
filter_flip)(W, x, output_size)``. The ops themselves are in
``tfgraph.ops.conv``."""
from tfgraph.graph import Variable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.conv import (BaseConv, Conv, ConvGradInputs, ConvGradWeights,  # noqa: F401
                              border_pads, normalize_border_mode, output_length)
from tfgraph.tensor.nnet.conv_forms import (  # noqa: F401
    bilinear_kernel_1D, bilinear_kernel_2D, bilinear_upsampling, causal_conv1d,
    frac_bilinear_upsampling, separable_conv2d, separable_conv3d)
from tfgraph.tensor.nnet.conv_shapes import (  # noqa: F401
    assert_conv_shape, assert_shape, border_mode_to_pad, check_conv_gradinputs_shape,
    get_conv_gradinputs_shape, get_conv_gradinputs_shape_1axis, get_conv_gradweights_shape,
    get_conv_gradweights_shape_1axis, get_conv_output_shape, get_conv_shape_1axis)

# Theano's n-d classes (convdim the first argument), the bases of the 2-d and 3-d ones
BaseAbstractConv, AbstractConv = BaseConv, Conv
AbstractConv_gradInputs, AbstractConv_gradWeights = ConvGradInputs, ConvGradWeights


def _conv_class(base, convdim, doc):
    """``base`` with Theano's constructor for ``convdim`` dimensions."""
    if convdim == 2:
        def __init__(self, imshp=None, kshp=None, border_mode="valid", subsample=(1, 1),
                     filter_flip=True, filter_dilation=(1, 1), num_groups=1, unshared=False):
            base.__init__(self, 2, imshp, kshp, border_mode, subsample, filter_flip,
                          filter_dilation, num_groups, unshared)
    else:
        def __init__(self, imshp=None, kshp=None, border_mode="valid", subsample=(1, 1, 1),
                     filter_flip=True, filter_dilation=(1, 1, 1), num_groups=1):
            base.__init__(self, 3, imshp, kshp, border_mode, subsample, filter_flip,
                          filter_dilation, num_groups)
    return {"__init__": __init__, "__doc__": doc}


AbstractConv2d = type("AbstractConv2d", (Conv,), _conv_class(
    Conv, 2, "2-d convolution: ``AbstractConv2d(...)(input, filters)``."))
AbstractConv3d = type("AbstractConv3d", (Conv,), _conv_class(
    Conv, 3, "3-d convolution: ``AbstractConv3d(...)(input, filters)``."))
AbstractConv2d_gradInputs = type("AbstractConv2d_gradInputs", (ConvGradInputs,), _conv_class(
    ConvGradInputs, 2, "Gradient of a 2-d convolution wrt its input: "
    "``AbstractConv2d_gradInputs(...)(filters, output_grad, input_rows_cols)``."))
AbstractConv3d_gradInputs = type("AbstractConv3d_gradInputs", (ConvGradInputs,), _conv_class(
    ConvGradInputs, 3, "Gradient of a 3-d convolution wrt its input."))
AbstractConv2d_gradWeights = type("AbstractConv2d_gradWeights", (ConvGradWeights,), _conv_class(
    ConvGradWeights, 2, "Gradient of a 2-d convolution wrt its filters: "
    "``AbstractConv2d_gradWeights(...)(input, output_grad, filter_rows_cols)``."))
AbstractConv3d_gradWeights = type("AbstractConv3d_gradWeights", (ConvGradWeights,), _conv_class(
    ConvGradWeights, 3, "Gradient of a 3-d convolution wrt its filters."))
for _cls in (AbstractConv2d, AbstractConv3d, AbstractConv2d_gradInputs,
             AbstractConv3d_gradInputs, AbstractConv2d_gradWeights, AbstractConv3d_gradWeights):
    _cls.__module__ = __name__


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), filter_flip=True, filter_dilation=(1, 1), num_groups=1,
           unshared=False):
    return AbstractConv2d(input_shape, filter_shape, border_mode, subsample, filter_flip,
                          filter_dilation, num_groups, unshared)(input, filters)


def conv3d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1, 1), filter_flip=True, filter_dilation=(1, 1, 1), num_groups=1):
    """3-d convolution of (batch, channels, depth, rows, cols) images with
    (out channels, in channels / num_groups, depth, rows, cols) filters."""
    return AbstractConv3d(input_shape, filter_shape, border_mode, subsample, filter_flip,
                          filter_dilation, num_groups)(input, filters)


def _split_shape(shape, spatial, what):
    """(the hint with symbolic entries as None, the spatial part as given)."""
    if shape is None or len(shape) < spatial:
        raise ValueError(f"{what} must give the {spatial} spatial sizes, got {shape!r}")
    shape = tuple(shape)
    hint = tuple(None if isinstance(s, Variable) and not hasattr(s, "data") else s
                 for s in shape)
    return hint, shape[-spatial:]


def _grad_wrt_inputs(cls, convdim, output_grad, filters, input_shape, filter_shape,
                     border_mode, subsample, filter_flip, filter_dilation, num_groups,
                     **unshared):
    hint, spatial = _split_shape(input_shape, convdim, "input_shape")
    op = cls(hint, filter_shape, border_mode, subsample, filter_flip, filter_dilation,
             num_groups, **unshared)
    return op(as_tensor_variable(filters), as_tensor_variable(output_grad), spatial)


def _grad_wrt_weights(cls, convdim, input, output_grad, filter_shape, input_shape,
                      border_mode, subsample, filter_flip, filter_dilation, num_groups,
                      **unshared):
    hint, spatial = _split_shape(filter_shape, convdim, "filter_shape")
    op = cls(input_shape, hint, border_mode, subsample, filter_flip, filter_dilation,
             num_groups, **unshared)
    return op(as_tensor_variable(input), as_tensor_variable(output_grad), spatial)


def conv2d_grad_wrt_inputs(output_grad, filters, input_shape, filter_shape=None,
                           border_mode="valid", subsample=(1, 1), filter_flip=True,
                           filter_dilation=(1, 1), num_groups=1, unshared=False):
    """The gradient of ``conv2d`` wrt its input, for an input of shape
    ``input_shape`` (its last two entries may be symbolic scalars)."""
    return _grad_wrt_inputs(AbstractConv2d_gradInputs, 2, output_grad, filters, input_shape,
                            filter_shape, border_mode, subsample, filter_flip,
                            filter_dilation, num_groups, unshared=unshared)


def conv3d_grad_wrt_inputs(output_grad, filters, input_shape, filter_shape=None,
                           border_mode="valid", subsample=(1, 1, 1), filter_flip=True,
                           filter_dilation=(1, 1, 1), num_groups=1):
    return _grad_wrt_inputs(AbstractConv3d_gradInputs, 3, output_grad, filters, input_shape,
                            filter_shape, border_mode, subsample, filter_flip,
                            filter_dilation, num_groups)


def conv2d_grad_wrt_weights(input, output_grad, filter_shape, input_shape=None,
                            border_mode="valid", subsample=(1, 1), filter_flip=True,
                            filter_dilation=(1, 1), num_groups=1, unshared=False):
    """The gradient of ``conv2d`` wrt its filters, of shape ``filter_shape``
    (its last two entries may be symbolic scalars)."""
    return _grad_wrt_weights(AbstractConv2d_gradWeights, 2, input, output_grad, filter_shape,
                             input_shape, border_mode, subsample, filter_flip,
                             filter_dilation, num_groups, unshared=unshared)


def conv3d_grad_wrt_weights(input, output_grad, filter_shape, input_shape=None,
                            border_mode="valid", subsample=(1, 1, 1), filter_flip=True,
                            filter_dilation=(1, 1, 1), num_groups=1):
    return _grad_wrt_weights(AbstractConv3d_gradWeights, 3, input, output_grad, filter_shape,
                             input_shape, border_mode, subsample, filter_flip,
                             filter_dilation, num_groups)

imported_scipy_signal = True   # Theano's flag of SciPy having imported: tfgraph requires SciPy
