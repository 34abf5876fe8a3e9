"""What every sparse module uses: making sparse variables and constants,
telling sparse from dense, the type constructors and dtype lists (Theano's
``theano.sparse.basic``, first part)."""
import numpy as np
import scipy.sparse

from tfgraph.config import config
from tfgraph.graph import Apply, TensorType, Variable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.sparse.type import SparseType

sparse_formats = ["csc", "csr"]

# Sparse matrix classes to test with, and their format names.
_mtypes = [scipy.sparse.csc_matrix, scipy.sparse.csr_matrix]
_mtype_to_str = {scipy.sparse.csc_matrix: "csc", scipy.sparse.csr_matrix: "csr"}

all_dtypes = SparseType.dtype_set
complex_dtypes = [t for t in all_dtypes if t[:7] == "complex"]
float_dtypes = [t for t in all_dtypes if t[:5] == "float"]
int_dtypes = [t for t in all_dtypes if t[:3] == "int"]
uint_dtypes = [t for t in all_dtypes if t[:4] == "uint"]
integer_dtypes = int_dtypes + uint_dtypes
continuous_dtypes = complex_dtypes + float_dtypes
discrete_dtypes = int_dtypes + uint_dtypes


def _type_is(x, type_class):
    if not isinstance(x, Variable):
        raise NotImplementedError("this function should only be called on *variables* (of "
                                  "type sparse.SparseType or tensor.TensorType, for "
                                  "instance), not ", x)
    return isinstance(x.type, type_class)


def _is_sparse_variable(x):
    """Whether variable ``x`` is sparse (a ``SparseType``)."""
    return _type_is(x, SparseType)


def _is_dense_variable(x):
    """Whether variable ``x`` is a dense tensor (a ``TensorType``)."""
    return _type_is(x, TensorType)


def _is_dense(x):
    """Whether ``x`` is an ndarray (rather than a SciPy sparse matrix)."""
    if not (scipy.sparse.issparse(x) or isinstance(x, np.ndarray)):
        raise NotImplementedError("this function should only be called on "
                                  "sparse.scipy.sparse.spmatrix or numpy.ndarray, not,", x)
    return isinstance(x, np.ndarray)


def as_sparse_variable(x, name=None):
    """``x`` if it is a sparse variable, a ``SparseConstant`` of a SciPy
    matrix; TypeError for anything else."""
    if isinstance(x, Apply):
        if len(x.outputs) != 1:
            raise ValueError("It is ambiguous which output of a multi-output Op has to be "
                             "fetched.", x)
        x = x.outputs[0]
    if isinstance(x, Variable):
        if not isinstance(x.type, SparseType):
            raise TypeError(f"{x} is not sparse ({x.type}); a sparse matrix is needed here "
                            f"(csr_from_dense or csc_from_dense make one)")
        return x
    try:
        return constant(x, name=name)
    except TypeError:
        raise TypeError(f"Cannot convert {type(x).__name__} {x!r} to a sparse "
                        f"variable") from None


as_sparse = as_sparse_variable


def as_sparse_or_tensor_variable(x, name=None):
    """``as_sparse_variable(x)``, or a tensor variable if ``x`` is not sparse."""
    try:
        return as_sparse_variable(x, name)
    except (ValueError, TypeError):
        return as_tensor_variable(x, name)


def constant(x, name=None):
    """A ``SparseConstant`` holding a copy of SciPy matrix ``x``."""
    if not scipy.sparse.issparse(x):
        raise TypeError("sparse.constant must be called on a scipy.sparse.spmatrix")
    try:
        type_ = SparseType(format=x.format, dtype=x.dtype)
    except NotImplementedError:
        raise TypeError(f"Could not convert {x!r} to SparseType") from None
    return SparseType.Constant(type_, type_.filter(x.copy()), name=name)


def matrix(format, name=None, dtype=None):
    """A sparse matrix variable of ``format`` ('csr' or 'csc') and ``dtype``
    (default floatX)."""
    return SparseType(format=format, dtype=dtype or config.floatX)(name)


def csc_matrix(name=None, dtype=None):
    return matrix("csc", name, dtype)


def csr_matrix(name=None, dtype=None):
    return matrix("csr", name, dtype)


def bsr_matrix(name=None, dtype=None):
    return matrix("bsr", name, dtype)


csc_dmatrix = SparseType(format="csc", dtype="float64")
csr_dmatrix = SparseType(format="csr", dtype="float64")
bsr_dmatrix = SparseType(format="bsr", dtype="float64")
csc_fmatrix = SparseType(format="csc", dtype="float32")
csr_fmatrix = SparseType(format="csr", dtype="float32")
bsr_fmatrix = SparseType(format="bsr", dtype="float32")


def check_format(x, op, formats=("csr", "csc")):
    """Raise TypeError unless sparse variable ``x`` is in one of ``formats``."""
    if x.type.format not in formats:
        raise TypeError(f"{op} takes a {' or '.join(formats)} matrix; {x} is {x.type}")


def sparse_output(format, dtype):
    """A new sparse output type (for ``Apply``)."""
    return SparseType(format=format, dtype=dtype)
