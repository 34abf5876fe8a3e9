"""``theano.scalar``: scalar types (``theano.scalar.int8``, printed ``int8``)
and scalar ops (``theano.scalar.add``, an ``Add``), as in Theano 1.0."""
from tfgraph.scalar.basic import *  # noqa: F401,F403
from tfgraph.scalar.basic import upcast  # noqa: F401
from tfgraph.scalar import basic, basic_scipy, sharedvar  # noqa: F401
