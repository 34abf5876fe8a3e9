"""Sparse shared variables: a SciPy matrix kept as TensorFlow state (its four
arrays in ``tf.Variable``s, see ``value.SparseStorage``), usable in any graph."""
import scipy.sparse

from tfgraph.shared import SharedVariable, shared_constructor
from tfgraph.sparse.type import SparseType
from tfgraph.sparse.variable import _sparse_py_operators


class SparseTensorSharedVariable(_sparse_py_operators, SharedVariable):
    """A shared sparse matrix. ``get_value()`` returns a new SciPy matrix;
    ``set_value`` takes a matrix the type's ``filter`` accepts (the shape and
    the number of stored elements may change)."""

    def get_value(self, borrow=False, return_internal_type=False):
        with self.lock:  # never a loop's intermediate step
            return self.variable.numpy()  # a new matrix: borrowing would change nothing


@shared_constructor
def sparse_constructor(value_, name=None, strict=False, allow_downcast=None, borrow=False,
                       format=None, broadcastable=None):
    """A ``SparseTensorSharedVariable`` holding a copy of SciPy matrix
    ``value_`` (in ``format``, default its own); TypeError for any other value."""
    if not scipy.sparse.issparse(value_):
        raise TypeError("Expected a sparse matrix in the sparse shared variable constructor. "
                        f"Received: {value_.__class__}")
    if broadcastable not in (None, (False, False), [False, False]):
        raise TypeError(f"a sparse matrix broadcasts no dimension; got broadcastable="
                        f"{broadcastable}")
    type_ = SparseType(format=format or value_.format, dtype=value_.dtype)
    matrix = type_.filter(value_, allow_downcast=True)
    return SparseTensorSharedVariable(matrix, name=name, type=type_, strict=strict,
                                      allow_downcast=allow_downcast)
