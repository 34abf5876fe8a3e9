"""``theano.tensor.nnet.corr3d``: Theano's 3-d correlation ops (see corr.py)."""
from tfgraph.ops.conv import Conv, ConvGradInputs, ConvGradWeights
from tfgraph.tensor.nnet.corr import correlation_class

Corr3dMM = correlation_class("Corr3dMM", Conv, 3)
Corr3dMM_gradInputs = correlation_class("Corr3dMM_gradInputs", ConvGradInputs, 3)
Corr3dMM_gradWeights = correlation_class("Corr3dMM_gradWeights", ConvGradWeights, 3)
for _cls in (Corr3dMM, Corr3dMM_gradInputs, Corr3dMM_gradWeights):
    _cls.__module__ = __name__
