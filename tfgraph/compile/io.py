"""``theano.compile.io``: a function's inputs and outputs with options."""
from tfgraph.compile.extras import Out, SymbolicInput, SymbolicOutput  # noqa: F401
from tfgraph.compile.function import In  # noqa: F401
