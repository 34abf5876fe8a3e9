"""``theano.compile.sharedvalue``: shared variables and their constructor registry."""
from tfgraph.gof.type import generic  # noqa: F401
from tfgraph.shared import SharedVariable, shared, shared_constructor  # noqa: F401
