"""``theano.tensor.signal``: pooling (``pool``) and the 2-d convolution of
single-channel images (``conv``)."""
from tfgraph.tensor.signal import conv, pool  # noqa: F401
