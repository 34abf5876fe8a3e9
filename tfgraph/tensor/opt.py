"""``theano.tensor.opt``: of Theano's tensor rewrites, the ops and helpers
other code uses: ``MakeVector`` (a vector of scalars), ``Assert`` (a value
checked at run time), ``Shape_i``. The rewrites themselves are not here:
TensorFlow optimises tfgraph's graphs (and tfgraph/compile/rewrite.py makes
the few that change results, as Theano's stabilisations)."""
from tfgraph.compile.ops import Shape_i, shape_i  # noqa: F401
from tfgraph.ops.shape import MakeVector
from tfgraph.ops.structure import Assert
from tfgraph.persist import pickle_by_name

make_vector = pickle_by_name(MakeVector(), __name__, "make_vector")
assert_op = assert_ = pickle_by_name(Assert(), __name__, "assert_op")
