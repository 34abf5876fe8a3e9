"""``theano.tensor.signal.conv``: the 2-d convolution of single-channel
images, 2-d or a 3-d stack, with one 2-d filter or a 3-d stack of them."""
from tfgraph.ops.base import as_tensor_variable
from tfgraph.tensor import join, reshape, stack
from tfgraph.tensor.nnet import conv


def conv2d(input, filters, image_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), **kwargs):
    """([images,] rows, cols) convolved with ([filters,] rows, cols): a
    (images, filters, rows, cols) tensor, less the axes neither argument had
    (2-d with a 2-d image and a 2-d filter). ``border_mode`` 'valid' or
    'full', as ``theano.tensor.nnet.conv.conv2d``."""
    input, filters = as_tensor_variable(input), as_tensor_variable(filters)
    if input.ndim not in (2, 3) or filters.ndim not in (2, 3):
        raise TypeError(f"signal.conv2d takes 2-d or 3-d images and filters, got "
                        f"{input.type} and {filters.type}")
    images = input.shape[0] if input.ndim == 3 else 1
    kernels = filters.shape[0] if filters.ndim == 3 else 1
    input4d = reshape(input, join(0, stack([images, 1]), input.shape[-2:]), ndim=4)
    filters4d = reshape(filters, join(0, stack([kernels, 1]), filters.shape[-2:]), ndim=4)
    output = conv.conv2d(input4d, filters4d, border_mode=border_mode, subsample=subsample)
    if input.ndim == 2 and filters.ndim == 2:
        return output[0, 0]
    if input.ndim == 2:
        return output[0]
    if filters.ndim == 2:
        return output[:, 0]
    return output
