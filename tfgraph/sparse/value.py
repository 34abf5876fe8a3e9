"""A sparse matrix inside a traced graph, and the TensorFlow kernels the
sparse ops share.

Inside a graph a csr or csc matrix is its four compressed arrays, exactly as
SciPy stores them (``SparseArrays``): ``data``, ``indices`` (int32),
``indptr`` (int32) and ``shape`` (int32, length 2). The format is not in the
value: it is in the variable's type, which every op reads when it builds the
graph. Ops that compute build what they need from the arrays: coordinates
(COO, as ``tf.sparse.SparseTensor`` holds them) for TensorFlow's sparse
matmul, sums and scatters, or a dense matrix where only that is correct.
"""
import collections

import numpy as np
import scipy.sparse

from tfgraph import devices
from tfgraph._tf import tf

try:  # an internal name, so keep a way back: pauses every GradientTape
    from tensorflow.python.eager.record import stop_recording as _tapes_paused
except ImportError:  # pragma: no cover - other TensorFlow versions: the COO kernel only
    _tapes_paused = None

SparseArrays = collections.namedtuple("SparseArrays", "data indices indptr shape")
SparseArrays.__doc__ = """A csr or csc matrix as its compressed arrays: ``data`` and
``indices`` have one entry per stored element, ``indptr`` one per row (csr) or
column (csc) plus one, ``shape`` is (rows, columns)."""

INDEX = "int32"  # SciPy's and Theano's index dtype

MATRIX_CLASS = {"csr": scipy.sparse.csr_matrix, "csc": scipy.sparse.csc_matrix}

# TensorFlow's COO sparse matmul kernel takes these; its CSR kernel the second;
# other dtypes multiply by gathering.
_MATMUL_DTYPES = ("float16", "float32", "float64", "complex64", "complex128", "int32")
_CSR_DTYPES = ("float32", "float64")


# --- crossing the boundary of a traced function -----------------------------------

def spec(dtype, name=None):
    """The ``tf.function`` signature of a matrix of ``dtype``."""
    prefix = f"{name}_" if name else ""
    return SparseArrays(tf.TensorSpec([None], dtype, name=f"{prefix}data"),
                        tf.TensorSpec([None], INDEX, name=f"{prefix}indices"),
                        tf.TensorSpec([None], INDEX, name=f"{prefix}indptr"),
                        tf.TensorSpec([2], INDEX, name=f"{prefix}shape"))


def from_scipy(matrix):
    """The arrays of a SciPy csr or csc matrix (the matrix's own data array)."""
    return SparseArrays(matrix.data, matrix.indices.astype(INDEX, copy=False),
                        matrix.indptr.astype(INDEX, copy=False),
                        np.asarray(matrix.shape, INDEX))


def to_scipy(arrays, format):
    """A SciPy matrix of ``format`` from arrays (NumPy arrays or eager tensors)."""
    data, indices, indptr, shape = (np.array(a) for a in arrays)
    return MATRIX_CLASS[format]((data, indices, indptr), shape=tuple(int(n) for n in shape))


def constant(matrix):
    """Constant tensors holding a SciPy matrix."""
    return SparseArrays(*(tf.constant(a) for a in from_scipy(matrix)))


class SparseStorage(tf.Module):
    """A csr or csc matrix in four ``tf.Variable``s, one per array, each of
    free length: an assignment may change the shape and the number of
    stored elements."""

    def __init__(self, matrix, format):
        super().__init__(name="shared")
        self.format = format
        with devices.placement():
            # One TensorFlow name for all: TensorFlow keeps memory for each name.
            self.arrays = SparseArrays(*(
                tf.Variable(array, shape=[2] if field == "shape" else [None], trainable=False,
                            name="shared")
                for field, array in zip(SparseArrays._fields, from_scipy(matrix))))

    def read_value(self):
        return SparseArrays(*(v.read_value() for v in self.arrays))

    def assign(self, new):
        """Store ``new``: a SciPy matrix of the format, or arrays (tensors)."""
        arrays = from_scipy(new) if scipy.sparse.issparse(new) else new
        return tf.group(*(v.assign(a) for v, a in zip(self.arrays, arrays)))

    def numpy(self):
        """The value, a new SciPy matrix."""
        return to_scipy(self.read_value(), self.format)


# --- coordinates ---------------------------------------------------------------------

def major_axis(format):
    """The axis ``indptr`` runs along: rows for csr, columns for csc."""
    return 0 if format == "csr" else 1


def major_ids(x):
    """For each stored element, its row (csr) or column (csc)."""
    n_major = tf.size(x.indptr) - 1
    return tf.repeat(tf.range(n_major, dtype=INDEX), x.indptr[1:] - x.indptr[:-1])


def coords(x, format):
    """(rows, columns) of the stored elements, in storage order."""
    major = major_ids(x)
    return (major, x.indices) if format == "csr" else (x.indices, major)


def to_dense(x, format):
    """The dense matrix (duplicates summed, as SciPy's ``toarray``)."""
    rows, cols = coords(x, format)
    return tf.scatter_nd(tf.stack([rows, cols], axis=1), x.data, x.shape)


def gather(dense, rows, cols):
    """``dense[rows[k], cols[k]]`` for each k."""
    return tf.gather_nd(dense, tf.stack([rows, cols], axis=1))


def _major_minor(rows, cols, shape, format):
    if format == "csr":
        return rows, cols, shape[1]
    return cols, rows, shape[0]


def compress(rows, cols, data, shape, format):
    """Arrays of ``format`` from elements already in its storage order (by
    row for csr, by column for csc)."""
    major, minor, _ = _major_minor(rows, cols, shape, format)
    n_major = shape[major_axis(format)]
    counts = tf.math.bincount(tf.cast(major, INDEX), minlength=n_major, maxlength=n_major,
                              dtype=tf.int32)
    indptr = tf.concat([tf.zeros([1], tf.int32), tf.cumsum(counts)], axis=0)
    return SparseArrays(data, tf.cast(minor, INDEX), indptr, tf.cast(shape, INDEX))


def keys(rows, cols, shape, format):
    """One int64 key per element, ordered as ``format`` stores elements."""
    major, minor, n_minor = _major_minor(rows, cols, shape, format)
    return tf.cast(major, tf.int64) * tf.cast(n_minor, tf.int64) + tf.cast(minor, tf.int64)


def from_keys(keys_, data, shape, format):
    """Arrays of ``format`` from elements given by sorted keys (see ``keys``)."""
    n_minor = tf.cast(shape[1 - major_axis(format)], tf.int64)
    major, minor = keys_ // n_minor, keys_ % n_minor
    rows, cols = (major, minor) if format == "csr" else (minor, major)
    return compress(rows, cols, data, shape, format)


def sort(rows, cols, data, shape, format):
    """Arrays of ``format`` from elements in any order: sorted by row then
    column (csr; by column then row for csc), duplicates kept in order."""
    order = tf.argsort(keys(rows, cols, shape, format), stable=True)
    return compress(tf.gather(rows, order), tf.gather(cols, order), tf.gather(data, order),
                    shape, format)


def nonzero(data):
    """Where ``data`` is not zero."""
    return tf.not_equal(data, tf.zeros([], data.dtype))


def summed(keys_, data):
    """(sorted unique keys, data summed per key) of elements in any order."""
    order = tf.argsort(keys_, stable=True)
    unique, segment = tf.unique(tf.gather(keys_, order), out_idx=tf.int32)
    return unique, tf.math.segment_sum(tf.gather(data, order), segment)


def canonical(rows, cols, data, shape, format, drop_zeros=True):
    """Arrays of ``format`` in SciPy's canonical form: sorted, duplicates
    summed and (``drop_zeros``) no stored zeros, as SciPy's arithmetic
    returns them."""
    unique, total = summed(keys(rows, cols, shape, format), data)
    if drop_zeros:
        kept = nonzero(total)
        unique, total = tf.boolean_mask(unique, kept), tf.boolean_mask(total, kept)
    return from_keys(unique, total, shape, format)


def canonical_of(x, format, drop_zeros=True):
    """``x`` (arrays of ``format``) in SciPy's canonical form."""
    rows, cols = coords(x, format)
    return canonical(rows, cols, x.data, x.shape, format, drop_zeros)


def from_dense(dense, format):
    """The nonzero elements of a dense matrix, as SciPy's ``csr_matrix(dense)``."""
    shape = tf.shape(dense, out_type=tf.int32)
    oriented = dense if format == "csr" else tf.transpose(dense)
    where = tf.where(nonzero(oriented))  # in storage order
    major, minor = tf.cast(where[:, 0], INDEX), tf.cast(where[:, 1], INDEX)
    rows, cols = (major, minor) if format == "csr" else (minor, major)
    return compress(rows, cols, tf.gather_nd(oriented, where), shape, format)


def with_data(x, data):
    """``x`` with other values in the same places."""
    return SparseArrays(data, x.indices, x.indptr, x.shape)


def transposed(x):
    """The arrays of the transpose, in the other format: the same arrays."""
    return SparseArrays(x.data, x.indices, x.indptr, tf.reverse(x.shape, axis=[0]))


def keep(x, format, mask):
    """``x`` with only the elements where ``mask`` holds (order kept)."""
    rows, cols = coords(x, format)
    return compress(tf.boolean_mask(rows, mask), tf.boolean_mask(cols, mask),
                    tf.boolean_mask(x.data, mask), x.shape, format)


# --- products ---------------------------------------------------------------------

def matmul(x, format, dense):
    """``x @ dense`` as a dense matrix; ``x`` and ``dense`` of one dtype.

    For real floats, TensorFlow's CSR kernel (``SparseMatrixMatMul``,
    multithreaded) runs where it can: on a matrix in canonical form (each
    row, or column for csc, sorted without duplicates: SciPy's usual case),
    which it needs; otherwise the COO kernel, or, for the dtypes neither
    takes, a gather and a segment sum."""
    if x.data.dtype.name not in _CSR_DTYPES or _tapes_paused is None:
        return _coo_matmul(x, format, dense)

    # The gradient is written out, and the tapes paused while the product is
    # computed: TensorFlow cannot build the CSR kernel's own gradient inside
    # the tf.cond that chooses it (nor would it use it).
    @tf.custom_gradient
    def product(data, dense):
        arrays = with_data(x, data)
        major = major_ids(arrays)
        rows, cols = (major, x.indices) if format == "csr" else (x.indices, major)
        stored = keys(rows, cols, x.shape, format)
        canonical = tf.reduce_all(stored[1:] > stored[:-1])
        with _tapes_paused():
            result = tf.cond(canonical, lambda: _csr_matmul(arrays, format, dense, major),
                             lambda: _coo_matmul(arrays, format, dense))

        def backward(grad):
            other = "csc" if format == "csr" else "csr"
            return (tf.reduce_sum(tf.gather(grad, rows) * tf.gather(dense, cols), axis=1),
                    matmul(transposed(arrays), other, grad))
        return result, backward
    return product(x.data, dense)


def _csr_matmul(x, format, dense, major):
    # A csc matrix's arrays are the csr arrays of its transpose.
    oriented = x.shape if format == "csr" else tf.reverse(x.shape, axis=[0])
    indices = tf.cast(tf.stack([major, x.indices], axis=1), tf.int64)
    matrix = tf.raw_ops.SparseTensorToCSRSparseMatrix(
        indices=indices, values=x.data, dense_shape=tf.cast(oriented, tf.int64))
    return tf.raw_ops.SparseMatrixMatMul(a=matrix, b=dense, transpose_a=format == "csc")


def _coo_matmul(x, format, dense):
    rows, cols = coords(x, format)
    if x.data.dtype.name in _MATMUL_DTYPES:
        operand = tf.sparse.SparseTensor(tf.cast(tf.stack([rows, cols], axis=1), tf.int64),
                                         x.data, tf.cast(x.shape, tf.int64))
        return tf.sparse.sparse_dense_matmul(operand, dense)
    products = x.data[:, None] * tf.gather(dense, cols)
    return tf.math.unsorted_segment_sum(products, rows, x.shape[0])


def dense_matmul(dense, x, format):
    """``dense @ x`` as a dense matrix: (x.T @ dense.T).T."""
    other = "csc" if format == "csr" else "csr"
    return tf.transpose(matmul(transposed(x), other, tf.transpose(dense)))


def check(condition, message):
    """An assertion that raises ``message`` (as an InvalidArgumentError,
    reported as a ValueError naming the op) when ``condition`` is false."""
    return tf.debugging.Assert(condition, [message])


def checked(tensors, *assertions):
    """``tensors`` (a structure), made to wait for ``assertions``."""
    with tf.control_dependencies(assertions):
        return tf.nest.map_structure(tf.identity, tensors)


def equal_sizes(a, b, message):
    """An assertion that int tensors ``a`` and ``b`` (sizes, shapes) are equal."""
    return check(tf.reduce_all(tf.equal(tf.cast(a, tf.int64), tf.cast(b, tf.int64))), message)
