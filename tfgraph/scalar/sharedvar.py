"""``theano.scalar.sharedvar``: shared variables holding one number (Theano's
scan used them for its step counter). tfgraph's scalars are 0-d tensors, so
``ScalarSharedVariable`` is the one shared variable class and ``shared``
makes a 0-d one, of the number's own dtype (int64 or float64 for Python's)."""
from tfgraph.tensor.sharedvar import TensorSharedVariable
from tfgraph.tensor.sharedvar import scalar_constructor as shared  # noqa: F401

ScalarSharedVariable = TensorSharedVariable
