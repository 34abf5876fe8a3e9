"""``SparseType``: the type of a sparse matrix variable (Theano's
``theano.sparse.type``), and how its values cross a compiled function's
boundary."""
import numpy as np
import scipy.sparse

from tfgraph.sparse import value


def _is_sparse(x):
    """Whether ``x`` is a SciPy sparse matrix (rather than an ndarray, a tuple
    or a list; anything else raises NotImplementedError, as in Theano)."""
    if not (scipy.sparse.issparse(x) or isinstance(x, (np.ndarray, tuple, list))):
        raise NotImplementedError("this function should only be called on "
                                  "sparse.scipy.sparse.spmatrix or numpy.ndarray, not,", x)
    return scipy.sparse.issparse(x)


class SparseTypeError(TypeError, NotImplementedError):
    """A value a sparse type cannot hold without converting its dtype. A
    ``TypeError`` (so that calls name the input, as for tensors) and a
    ``NotImplementedError`` (what Theano's ``SparseType.filter`` raised)."""


class SparseType:
    """The type of a 2-d sparse matrix of ``dtype`` stored in ``format``
    ('csr', 'csc', or 'bsr', which types can name but no op takes).

    Calling a compiled function converts each argument with ``filter``, by
    Theano's rules: a SciPy matrix of the format and dtype passes as it is;
    otherwise (unless ``strict``) SciPy converts it to the format (a dense
    array or a matrix of the other format too), and its dtype must then be
    the type's exactly, unless ``allow_downcast``.
    """

    format_cls = {"csr": scipy.sparse.csr_matrix, "csc": scipy.sparse.csc_matrix,
                  "bsr": scipy.sparse.bsr_matrix}
    dtype_set = {"int8", "int16", "int32", "int64", "float32", "uint8", "uint16", "uint32",
                 "uint64", "float64", "complex64", "complex128"}
    ndim = 2
    broadcastable = (False, False)  # a sparse matrix broadcasts no dimension

    # The classes of variables and constants (set by tfgraph.sparse.variable).
    Variable = None
    Constant = None

    def __init__(self, format, dtype):
        dtype = str(dtype)
        if dtype not in self.dtype_set:
            raise NotImplementedError(f'unsupported dtype "{dtype}" not in list',
                                      sorted(self.dtype_set))
        if not isinstance(format, str) or format not in self.format_cls:
            raise NotImplementedError(f'unsupported format "{format}" not in list',
                                      list(self.format_cls))
        self.dtype, self.format = dtype, format

    def filter(self, value, strict=False, allow_downcast=None):
        matrix_class = self.format_cls[self.format]
        if isinstance(value, matrix_class) and value.dtype == self.dtype:
            return value
        got = getattr(value, "dtype", None)
        if strict:
            raise TypeError(f"{_describe(value)} is not a {self.format} matrix of dtype "
                            f"{self.dtype} (strict=True; got dtype {got})")
        try:
            matrix = matrix_class(value, dtype=self.dtype if allow_downcast else None)
        except (TypeError, ValueError) as error:
            raise TypeError(f"cannot make a {self.format} matrix of {_describe(value)}: "
                            f"{error}") from None
        if matrix.dtype.name != self.dtype:
            raise SparseTypeError(f"Expected {self.dtype} dtype but got {matrix.dtype} (a "
                                  f"{self} holds {self.dtype} values; cast the matrix, or "
                                  f"pass allow_input_downcast=True)")
        return matrix

    @staticmethod
    def may_share_memory(a, b):
        if _is_sparse(a) and _is_sparse(b):
            return (SparseType.may_share_memory(a, b.data) or
                    SparseType.may_share_memory(a, b.indices) or
                    SparseType.may_share_memory(a, b.indptr))
        if _is_sparse(b) and isinstance(a, np.ndarray):
            a, b = b, a
        if _is_sparse(a) and isinstance(b, np.ndarray):
            return any(np.may_share_memory(part, b) for part in (a.data, a.indices, a.indptr))
        return False

    def make_variable(self, name=None, owner=None, index=None):
        return self.Variable(self, owner=owner, index=index, name=name)

    def __call__(self, name=None):
        """A new symbolic variable of this type."""
        return self.make_variable(name)

    def __eq__(self, other):
        return type(self) is type(other) and other.dtype == self.dtype and \
            other.format == self.format

    def __hash__(self):
        return hash(self.dtype) ^ hash(self.format)

    def __str__(self):
        return f"Sparse[{self.dtype}, {self.format}]"

    __repr__ = __str__

    def values_eq_approx(self, a, b, eps=1e-6):
        if not scipy.sparse.issparse(a) or not scipy.sparse.issparse(b):
            return False
        diff = abs(a - b)
        return diff.nnz == 0 or bool(np.max(diff.data) < eps)

    def values_eq(self, a, b):
        return scipy.sparse.issparse(a) and scipy.sparse.issparse(b) and \
            abs(a - b).sum() == 0.0

    def is_valid_value(self, a):
        return scipy.sparse.issparse(a) and a.format == self.format

    def get_shape_info(self, obj):
        obj = self.filter(obj)
        return obj.shape, obj.data.size, obj.indices.size, obj.indptr.size, obj.nnz

    def get_size(self, shape_info):
        return (shape_info[1] * np.dtype(self.dtype).itemsize +
                (shape_info[2] + shape_info[3]) * np.dtype(value.INDEX).itemsize)

    # --- crossing a compiled function's boundary: the hooks TensorType declares
    # (tfgraph.graph); a matrix goes in and out of the traced graph as its arrays.

    def tensor_spec(self, name=None):
        self._check_graph_format()
        return value.spec(self.dtype, name)

    def to_graph(self, matrix):
        """The arrays of a value ``filter`` returned."""
        self._check_graph_format()
        return value.from_scipy(matrix)

    def from_graph(self, arrays):
        """The SciPy matrix of the arrays a traced graph returned."""
        return value.to_scipy(arrays, self.format)

    def shared_storage(self, matrix):
        """Where a shared variable of this type keeps ``matrix`` (see tfgraph.shared)."""
        self._check_graph_format()
        return value.SparseStorage(matrix, self.format)

    def _check_graph_format(self):
        if self.format not in value.MATRIX_CLASS:
            raise NotImplementedError(f"{self}: bsr matrices can be declared, but no op "
                                      f"takes them (Theano's ops assert csr or csc); use "
                                      f"csr or csc")


def _describe(value_):
    text = " ".join(repr(value_).split())
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value_).__name__} {text}"
