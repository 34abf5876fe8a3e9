"""Building sparse matrices and taking them apart: ``CSM`` and
``CSMProperties``, dense and sparse conversions, casts, transposes,
negation, and the ops that tidy the stored elements (``Remove0``,
``EnsureSortedIndices``).

Each op: its type rule (``make_node``), its TensorFlow lowering (``lower``)
and Theano's gradient (``grad``, symbolic; see tfgraph.sparse.backprop).
"""
import numpy as np

from tfgraph import dtypes, tensor as T
from tfgraph.graph import Apply, Op, TensorType, Variable
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.sparse import value
from tfgraph.sparse.core import (as_sparse_variable, check_format, complex_dtypes,
                                 continuous_dtypes, discrete_dtypes, sparse_output,
                                 _is_sparse_variable)
from tfgraph.sparse.value import SparseArrays
from tfgraph._tf import tf


class CSMProperties(Op):
    """(data, indices, indptr, shape) of a csr or csc matrix: its arrays as
    stored (explicit zeros and the order of the indices kept)."""
    __props__ = ()

    def __init__(self, kmap=None):
        if kmap is not None:
            raise ValueError("Do not use kmap, it is removed")

    def make_node(self, csm):
        csm = as_sparse_variable(csm)
        check_format(csm, self)
        return Apply(self, [csm], [TensorType(csm.dtype, (False,))] +
                     [TensorType(value.INDEX, (False,))] * 3)

    def lower(self, node, inputs, ctx):
        return list(inputs[0])

    def connection_pattern(self, node):
        return [[True, False, False, False]]  # the index arrays carry no gradient

    def grad(self, inputs, output_grads):
        (csm,) = inputs
        if output_grads[0] is None:
            return [sp_zeros_like(csm)]
        _, indices, indptr, shape = csm_properties(csm)
        return [CSM(csm.format)(output_grads[0], indices, indptr, shape)]


csm_properties = CSMProperties()


def csm_data(csm):
    """The data array of a sparse variable."""
    return csm_properties(csm)[0]


def csm_indices(csm):
    """The indices array of a sparse variable."""
    return csm_properties(csm)[1]


def csm_indptr(csm):
    """The indptr array of a sparse variable."""
    return csm_properties(csm)[2]


def csm_shape(csm):
    """The shape (an int32 vector) of a sparse variable."""
    return csm_properties(csm)[3]


def _index_vector(x, what):
    if not isinstance(x, Variable):
        array = np.asarray(x)
        as_int32 = array.astype(value.INDEX)
        if not np.array_equal(array, as_int32):
            raise TypeError(f"{what} {x!r} does not fit in int32")
        x = as_int32
    x = as_tensor_variable(x)
    if x.ndim != 1 or x.dtype not in discrete_dtypes:
        raise TypeError(f"{what} must be a vector of integers, got {x} ({x.type})")
    return x


class CSM(Op):
    """A csr or csc matrix from its arrays (data, indices, indptr, shape)."""
    __props__ = ("format",)

    def __init__(self, format, kmap=None):
        if format not in ("csr", "csc"):
            raise ValueError("format must be one of: 'csr', 'csc'", format)
        if kmap is not None:
            raise ValueError("Do not use kmap, it is removed")
        self.format = format

    def make_node(self, data, indices, indptr, shape):
        data = as_tensor_variable(data)
        if data.ndim != 1:
            raise TypeError(f"data argument must be a vector, got {data} ({data.type})")
        inputs = [data, _index_vector(indices, "indices"), _index_vector(indptr, "indptr"),
                  _index_vector(shape, "shape")]
        return Apply(self, inputs, [sparse_output(self.format, data.dtype)])

    def lower(self, node, inputs, ctx):
        data, indices, indptr, shape = inputs
        shape = value.checked(tf.cast(shape, value.INDEX), value.check(
            tf.equal(tf.size(shape), 2), "Shape should be an array of length 2"))
        n_major = shape[value.major_axis(self.format)]
        indices, indptr = tf.cast(indices, value.INDEX), tf.cast(indptr, value.INDEX)
        indptr = value.checked(indptr, value.check(
            tf.equal(tf.size(indptr), n_major + 1),
            "index pointer size should be one more than the number of rows (csr) or "
            "columns (csc)"))
        data = value.checked(data, value.check(
            tf.equal(tf.size(data), tf.size(indices)),
            "Data must have the same number of elements as indices"))
        nnz = indptr[-1]  # SciPy keeps the elements indptr covers
        return [SparseArrays(data[:nnz], indices[:nnz], indptr, shape)]

    def connection_pattern(self, node):
        return [[True], [False], [False], [False]]

    def grad(self, inputs, output_grads):
        data, indices, indptr, shape = inputs
        g_data, g_indices, g_indptr, g_shape = csm_properties(output_grads[0])
        return [csm_grad()(data, indices, indptr, shape, g_data, g_indices, g_indptr, g_shape),
                None, None, None]

    def __str__(self):
        return f"CSM{{{self.format}}}"


CSC = CSM("csc")
CSR = CSM("csr")


class CSMGrad(Op):
    """The gradient of CSM's data: for each stored element of x, the sum of
    the gradient's elements at its place (zero where the gradient has none),
    whatever the order of either's indices."""
    __props__ = ()

    def __init__(self, kmap=None):
        if kmap is not None:
            raise ValueError("Do not use kmap, it is removed")

    def make_node(self, x_data, x_indices, x_indptr, x_shape,
                  g_data, g_indices, g_indptr, g_shape):
        inputs = [as_tensor_variable(v) for v in (x_data, x_indices, x_indptr, x_shape,
                                                  g_data, g_indices, g_indptr, g_shape)]
        return Apply(self, inputs, [inputs[4].type])

    def lower(self, node, inputs, ctx):
        x_data, x_indices, x_indptr, x_shape, g_data, g_indices, g_indptr, g_shape = inputs
        # One key per place; the same for x and g whichever axis indptr runs along.
        width = tf.cast(tf.reduce_max(x_shape) + 1, tf.int64)

        def keys(indices, indptr):
            major = value.major_ids(SparseArrays(None, indices, indptr, None))
            return tf.cast(major, tf.int64) * width + tf.cast(indices[:tf.size(major)], tf.int64)

        x_keys, g_keys = keys(x_indices, x_indptr), keys(g_indices, g_indptr)
        unique, place = tf.unique(tf.concat([g_keys, x_keys], 0), out_idx=tf.int32)
        n_g = tf.size(g_keys)
        sums = tf.math.unsorted_segment_sum(g_data[:n_g], place[:n_g], tf.size(unique))
        out = tf.gather(sums, place[n_g:])
        return [tf.pad(out, [[0, tf.size(x_data) - tf.size(out)]])]

    def connection_pattern(self, node):
        return [[False]] * 4 + [[True], [False], [False], [False]]


csm_grad = CSMGrad


class Cast(Op):
    """A sparse matrix with its values cast to ``out_type``."""
    __props__ = ("out_type",)

    def __init__(self, out_type):
        self.out_type = out_type

    def make_node(self, x):
        x = as_sparse_variable(x)
        check_format(x, self)
        return Apply(self, [x], [sparse_output(x.format, self.out_type)])

    def lower(self, node, inputs, ctx):
        return [value.with_data(inputs[0], cast_tensor(inputs[0].data, self.out_type))]

    def grad(self, inputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        if gz.dtype in complex_dtypes or x.dtype in complex_dtypes:
            raise NotImplementedError("grad not implemented for complex types")
        if gz.dtype in discrete_dtypes or x.dtype in discrete_dtypes:
            return [None]  # no gradient through integers
        return [Cast(x.dtype)(gz)]

    def __str__(self):
        return f"Cast({self.out_type})"


bcast, wcast, icast, lcast = Cast("int8"), Cast("int16"), Cast("int32"), Cast("int64")
fcast, dcast, ccast, zcast = Cast("float32"), Cast("float64"), Cast("complex64"), \
    Cast("complex128")


def cast(variable, dtype):
    """``variable`` (sparse) with its values cast to ``dtype``."""
    return Cast(dtype)(variable)


class DenseFromSparse(Op):
    """The dense matrix of a sparse one. Its gradient is structured (it keeps
    the input's sparsity pattern) unless ``structured=False``."""
    __props__ = ()  # as Theano: the gradient's kind does not make ops differ

    def __init__(self, structured=True):
        self.sparse_grad = structured

    def make_node(self, x):
        x = as_sparse_variable(x)
        check_format(x, self)
        return Apply(self, [x], [TensorType(x.dtype, (False, False))])

    def lower(self, node, inputs, ctx):
        return [value.to_dense(inputs[0], node.inputs[0].format)]

    def grad(self, inputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        if _is_sparse_variable(gz):
            gz = dense_from_sparse(gz)
        if not self.sparse_grad:
            return [SparseFromDense(x.format)(gz)]
        # Both operands in one dtype, as Theano upcasts them (float32 with float64).
        dtype = dtypes.upcast(x.dtype, gz.dtype)
        return [cast_if(sp_ones_like(x), dtype) * T.cast(gz, dtype)]

    def __str__(self):
        return f"DenseFromSparse{{structured_grad={self.sparse_grad}}}"


def cast_if(x, dtype):
    """Sparse ``x`` cast to ``dtype`` unless it has it."""
    return x if x.dtype == dtype else cast(x, dtype)


dense_from_sparse = DenseFromSparse()


class SparseFromDense(Op):
    """The nonzero elements of a dense matrix (a vector makes one row, a
    scalar a 1x1 matrix), as SciPy's ``csr_matrix(dense)``."""
    __props__ = ("format",)

    def __init__(self, format):
        self.format = format

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim > 2:
            raise TypeError(f"Theano does not have sparse tensor types with more than 2 "
                            f"dimensions, but {x}.ndim = {x.ndim}")
        if x.ndim < 2:
            x = x.dimshuffle(*(["x"] * (2 - x.ndim) + list(range(x.ndim))))
        return Apply(self, [x], [sparse_output(self.format, x.dtype)])

    def lower(self, node, inputs, ctx):
        return [value.from_dense(inputs[0], self.format)]

    def grad(self, inputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        gx = dense_from_sparse(gz) if _is_sparse_variable(gz) else gz
        return [T.patternbroadcast(gx, x.broadcastable)]

    def __str__(self):
        return f"SparseFromDense{{{self.format}}}"


csr_from_dense = SparseFromDense("csr")
csc_from_dense = SparseFromDense("csc")


def sp_ones_like(x):
    """A sparse matrix of ones where ``x`` stores elements."""
    data, indices, indptr, shape = csm_properties(x)
    return CSM(x.format)(T.ones_like(data), indices, indptr, shape)


def sp_zeros_like(x):
    """A sparse matrix of ``x``'s shape, format and dtype storing nothing."""
    _, _, indptr, shape = csm_properties(x)
    return CSM(x.format)(np.array([], dtype=x.type.dtype), np.array([], dtype=value.INDEX),
                         T.zeros_like(indptr), shape)


class _SameType(Op):
    """An op whose output has its sparse input's type."""
    __props__ = ()

    def make_node(self, x):
        x = as_sparse_variable(x)
        check_format(x, self)
        return Apply(self, [x], [x.type])


class Transpose(_SameType):
    """The transpose, in the other format (csr <-> csc): the same arrays."""
    format_map = {"csr": "csc", "csc": "csr"}

    def make_node(self, x):
        x = as_sparse_variable(x)
        check_format(x, self)
        return Apply(self, [x], [sparse_output(self.format_map[x.format], x.dtype)])

    def lower(self, node, inputs, ctx):
        return [value.transposed(inputs[0])]

    def grad(self, inputs, output_grads):
        return [transpose(output_grads[0])]

    def __str__(self):
        return "SparseTranspose"


transpose = Transpose()


class Neg(_SameType):
    """-x, element by element."""

    def lower(self, node, inputs, ctx):
        data = inputs[0].data
        return [value.with_data(inputs[0], tf.zeros_like(data) - data)]  # uints wrap, as NumPy

    def grad(self, inputs, output_grads):
        return [-output_grads[0]]

    def __str__(self):
        return "SparseNeg"


neg = Neg()


class Remove0(_SameType):
    """``x`` without its explicitly stored zeros (order kept)."""
    __props__ = ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = inplace

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        return [value.keep(x, node.inputs[0].format, value.nonzero(x.data))]

    def grad(self, inputs, output_grads):
        return [output_grads[0]]

    def __str__(self):
        return f"Remove0{{{'inplace' if self.inplace else ''}}}"


remove0 = Remove0()


class EnsureSortedIndices(_SameType):
    """``x`` with the indices of each row (csr) or column (csc) in order;
    duplicates and zeros are kept, as SciPy's ``sorted_indices``."""
    __props__ = ("inplace",)

    def __init__(self, inplace):
        self.inplace = inplace

    def lower(self, node, inputs, ctx):
        x, format = inputs[0], node.inputs[0].format
        rows, cols = value.coords(x, format)
        return [value.sort(rows, cols, x.data, x.shape, format)]

    def grad(self, inputs, output_grads):
        return [output_grads[0]]

    def __str__(self):
        return f"EnsureSortedIndices{{{'inplace' if self.inplace else 'no_inplace'}}}"


ensure_sorted_indices = EnsureSortedIndices(inplace=False)


def clean(x):
    """``x`` without explicit zeros, with its indices sorted."""
    return ensure_sorted_indices(remove0(x))


def gradient_dtypes(inputs):
    """For each input, whether its gradient exists (float or complex dtype)."""
    return [x.dtype in continuous_dtypes for x in inputs]
