"""``theano.gof``: the names user code imports from Theano's graph core."""
from tfgraph.gof import graph  # noqa: F401
from tfgraph.graph import Apply, Constant, Op, Variable  # noqa: F401
from tfgraph.graph import TensorType as Type  # noqa: F401
from tfgraph.shared import SharedVariable  # noqa: F401
