"""``theano.tensor.signal``: pooling (``pool``)."""
from tfgraph.tensor.signal import pool  # noqa: F401
