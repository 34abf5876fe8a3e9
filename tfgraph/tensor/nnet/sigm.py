"""``theano.tensor.nnet.sigm``: the sigmoid family, the same objects as
``theano.tensor.nnet``'s. The ``_inplace`` forms compute the same values
(computing in place is an optimisation TensorFlow makes itself)."""
from tfgraph.tensor.nnet import (  # noqa: F401
    hard_sigmoid, scalar_sigmoid, sigmoid, softplus, ultra_fast_sigmoid
)

sigmoid_inplace = sigmoid
ultra_fast_sigmoid_inplace = ultra_fast_sigmoid
