"""``theano.tensor.nnet.corr``: Theano's correlation ops (its CPU convolution
by matrix products): the convolution ops without flipped filters, with
CorrMM's constructor, ``CorrMM(border_mode, subsample, filter_dilation,
num_groups, unshared)(img, kern)``."""
from tfgraph.ops.conv import Conv, ConvGradInputs, ConvGradWeights


def correlation_class(name, base, convdim):
    """``base`` (tfgraph's convolution op or one of its gradients) as Theano's
    correlation op ``name`` for ``convdim`` dimensions: filter_flip=False."""
    ones = (1,) * convdim

    def __init__(self, border_mode="valid", subsample=ones, filter_dilation=ones,
                 num_groups=1, unshared=False):
        base.__init__(self, convdim, None, None, border_mode, subsample, False,
                      filter_dilation, num_groups, unshared)
    cls = type(name, (base,), {"__init__": __init__, "__doc__": (
        f"Theano's {name}: {base.__name__} over {convdim}-d images, filters not flipped.")})
    cls.__module__ = __name__
    return cls


CorrMM = correlation_class("CorrMM", Conv, 2)
CorrMM_gradInputs = correlation_class("CorrMM_gradInputs", ConvGradInputs, 2)
CorrMM_gradWeights = correlation_class("CorrMM_gradWeights", ConvGradWeights, 2)
