"""Sparse variables and constants, with Theano's operators:
``x + y``, ``x * y``, ``-x``, ``x.T``, ``x[a:b, c:d]``, ``x.toarray()``, ...
"""
import numpy as np

from tfgraph import tensor as T
from tfgraph.graph import Constant, Variable
from tfgraph.ops.base import AsTensorError
from tfgraph.sparse import arith
from tfgraph.sparse.construct import cast, csm_data, csm_shape, dense_from_sparse, \
    neg, sp_zeros_like, transpose
from tfgraph.sparse.dots import structured_dot
from tfgraph.sparse.indexing import get_item_2d, get_item_2lists, get_item_list, \
    get_item_scalar
from tfgraph.sparse.type import SparseType


def _is_int_scalar(index):
    if isinstance(index, Variable):
        return index.ndim == 0 and index.dtype.startswith(("int", "uint"))
    return np.isscalar(index) and np.issubdtype(type(index), np.integer)


class _sparse_py_operators:  # noqa: N801  (Theano's name)
    """Operators and methods of sparse variables and constants."""

    # NumPy arrays defer to us: ndarray * x calls x.__rmul__.
    __array_ufunc__ = None
    __array_priority__ = 1001

    T = property(lambda self: transpose(self), doc="The transpose (in the other format).")

    def _as_TensorVariable(self):  # noqa: N802  (Theano's protocol)
        # As Theano: a sparse matrix is not a tensor; making it dense is explicit.
        raise AsTensorError(f"{self} ({self.type}) is sparse; dense tensor operations do not "
                            f"take it: use theano.sparse's operations, or make it dense "
                            f"with theano.sparse.dense_from_sparse (x.toarray())")

    def astype(self, dtype):
        return cast(self, dtype)

    def __neg__(self):
        return neg(self)

    def __add__(left, right):  # noqa: N805
        return arith.add(left, right)

    def __radd__(right, left):  # noqa: N805
        return arith.add(left, right)

    def __sub__(left, right):  # noqa: N805
        return arith.sub(left, right)

    def __rsub__(right, left):  # noqa: N805
        return arith.sub(left, right)

    def __mul__(left, right):  # noqa: N805
        return arith.mul(left, right)

    def __rmul__(left, right):  # noqa: N805  (as Theano: x * y with x sparse)
        return arith.mul(left, right)

    def __lt__(self, other):
        return arith.lt(self, other)

    def __le__(self, other):
        return arith.le(self, other)

    def __gt__(self, other):
        return arith.gt(self, other)

    def __ge__(self, other):
        return arith.ge(self, other)

    def __dot__(left, right):  # noqa: N805
        return structured_dot(left, right)

    def __rdot__(right, left):  # noqa: N805
        return structured_dot(left, right)

    def toarray(self):
        return dense_from_sparse(self)

    # The shape from the stored arrays, without making the matrix dense.
    shape = property(lambda self: T.cast(csm_shape(self), "int64"))
    ndim = property(lambda self: self.type.ndim)
    dtype = property(lambda self: self.type.dtype)
    format = property(lambda self: self.type.format)
    broadcastable = property(lambda self: self.type.broadcastable)
    # The number of stored elements (explicit zeros included), as SciPy's size.
    size = property(lambda self: csm_data(self).size)

    def zeros_like(model):  # noqa: N805
        return sp_zeros_like(model)

    def __getitem__(self, args):
        args = args if isinstance(args, tuple) else (args,)
        if len(args) == 2 and _is_int_scalar(args[0]) and _is_int_scalar(args[1]):
            return get_item_scalar(self, args)
        if isinstance(args[0], list):
            return get_item_2lists(self, *args) if len(args) == 2 else get_item_list(self,
                                                                                     args[0])
        return get_item_2d(self, args)


class SparseVariable(_sparse_py_operators, Variable):
    """A symbolic sparse matrix (a variable of a ``SparseType``)."""

    def __str__(self):
        # Its name if it has one (printers and messages show it), else Theano's form.
        if self.name is not None:
            return self.name
        return f"{type(self).__name__}{{{self.format},{self.dtype}}}"

    __repr__ = __str__


class SparseConstantSignature(tuple):
    """(type, matrix) of a sparse constant, compared by value."""

    def __eq__(self, other):
        (a, b), (x, y) = self, other
        return (a == x and b.dtype == y.dtype and type(b) is type(y) and b.shape == y.shape
                and abs(b - y).sum() < 1e-6 * b.nnz)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        (a, b) = self
        return hash(type(self)) ^ hash(a) ^ hash(type(b))


class SparseConstant(_sparse_py_operators, Constant):
    """A sparse matrix constant; ``data`` is its SciPy matrix."""

    def __init__(self, type, data, name=None):
        super().__init__(type, data, name=name)

    def signature(self):
        return SparseConstantSignature((self.type, self.data))

    def __str__(self):
        return (f"{type(self).__name__}{{{self.format},{self.dtype},shape={self.data.shape},"
                f"nnz={self.data.nnz}}}")

    __repr__ = __str__


SparseType.Variable = SparseVariable
SparseType.Constant = SparseConstant
