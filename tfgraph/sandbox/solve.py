"""``theano.sandbox.solve``: ``solve``, now ``theano.tensor.slinalg.solve``."""
import warnings

from tfgraph.tensor.slinalg import solve  # noqa: F401

message = ("The module theano.sandbox.solve will soon be deprecated.\n"
           "Please use tensor.slinalg.solve instead.")
warnings.warn(message, DeprecationWarning, stacklevel=2)
