"""``theano.gof.null_type``: the type of a gradient that cannot be computed
(``grad_undefined``, ``grad_not_implemented``), tfgraph.gradient's."""
from tfgraph.gradient import NullType

null_type = NullType()
