"""Sums, diagonals, scaling by a vector and stacking of sparse matrices."""
from tfgraph import dtypes, tensor as T
from tfgraph.config import config
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.sparse import value
from tfgraph.sparse.construct import (SparseFromDense, dense_from_sparse, gradient_dtypes,
                                      sp_ones_like, csm_shape)
from tfgraph.sparse.core import (as_sparse_variable, check_format, continuous_dtypes,
                                 sparse_output, _is_sparse_variable)
from tfgraph.sparse.value import SparseArrays
from tfgraph._tf import tf


class SpSum(Op):
    """The sum of a sparse matrix's elements (``axis`` None), of each column
    (axis 0) or of each row (axis 1): dense. The gradient is structured
    (keeps the input's sparsity pattern) if ``sparse_grad``, else it stores
    every element of the input's shape."""
    __props__ = ("axis",)  # as Theano: the gradient's kind does not make ops differ

    def __init__(self, axis=None, sparse_grad=True):
        if axis not in (None, 0, 1):
            raise ValueError("Illegal value for self.axis.")
        self.axis, self.structured = axis, sparse_grad

    def make_node(self, x):
        x = as_sparse_variable(x)
        check_format(x, self)
        pattern = () if self.axis is None else (False,)
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        if self.axis is None:
            return [tf.reduce_sum(x.data)]
        rows, cols = value.coords(x, node.inputs[0].format)
        segments, n = (cols, x.shape[1]) if self.axis == 0 else (rows, x.shape[0])
        return [tf.math.unsorted_segment_sum(x.data, segments, n)]

    def grad(self, inputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        if x.dtype not in continuous_dtypes:
            return [None]
        if self.structured:
            ones = sp_ones_like(x)
            if self.axis is None:
                return [gz * ones]
            return [col_scale(ones, gz) if self.axis == 0 else row_scale(ones, gz)]
        dense = dense_from_sparse(x)
        if _is_sparse_variable(gz):
            gz = dense_from_sparse(gz)
        if self.axis is None:
            full = T.second(dense, gz)
        else:
            pattern = ("x", 0) if self.axis == 0 else (0, "x")
            full = T.addbroadcast(gz.dimshuffle(*pattern), self.axis) * T.ones_like(dense)
        return [SparseFromDense(x.format)(full)]

    def __str__(self):
        return f"SpSum{{axis={self.axis}}}"


def sp_sum(x, axis=None, sparse_grad=False):
    """The sum of sparse ``x`` over ``axis`` (None: every element), dense.
    ``sparse_grad=True`` makes the gradient structured."""
    return SpSum(axis, sparse_grad)(x)


class Diag(Op):
    """The diagonal of a square sparse matrix, dense."""
    __props__ = ()

    def make_node(self, x):
        x = as_sparse_variable(x)
        check_format(x, self)
        return Apply(self, [x], [TensorType(x.dtype, (False,))])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        n = value.checked(x.shape[0], value.equal_sizes(
            x.shape[0], x.shape[1], "Diag only apply on square matrix"))
        rows, cols = value.coords(x, node.inputs[0].format)
        on = tf.equal(rows, cols)
        return [tf.math.unsorted_segment_sum(tf.boolean_mask(x.data, on),
                                             tf.boolean_mask(rows, on), n)]

    def grad(self, inputs, output_grads):
        return [square_diagonal(output_grads[0])]


diag = Diag()


class SquareDiagonal(Op):
    """A square csc matrix with a dense vector on its diagonal (every
    element stored, zeros too)."""
    __props__ = ()

    def make_node(self, diagonal):
        diagonal = as_tensor_variable(diagonal)
        if diagonal.ndim != 1:
            raise TypeError(f"data argument must be a vector, got {diagonal} ({diagonal.type})")
        return Apply(self, [diagonal], [sparse_output("csc", diagonal.dtype)])

    def lower(self, node, inputs, ctx):
        diagonal = inputs[0]
        n = tf.size(diagonal, out_type=tf.int32)
        return [SparseArrays(diagonal, tf.range(n), tf.range(n + 1), tf.stack([n, n]))]

    def grad(self, inputs, output_grads):
        return [diag(output_grads[0])]


square_diagonal = SquareDiagonal()


class _ScaleCSC(Op):
    """Each element of a csc matrix times ``s`` at its column (``ColScaleCSC``)
    or row (``RowScaleCSC``); the structure is kept."""
    __props__ = ()
    axis = None

    def make_node(self, x, s):
        x, s = as_sparse_variable(x), as_tensor_variable(s)
        if x.format != "csc":
            raise ValueError(f"x was not a csc matrix: {x} is {x.type}")
        if s.ndim != 1:
            raise TypeError(f"{self} scales by a vector; {s} has {s.ndim} dimensions")
        return Apply(self, [x, s], [x.type])

    def lower(self, node, inputs, ctx):
        x, s = inputs
        s = value.checked(s, value.equal_sizes(
            tf.size(s), x.shape[self.axis], f"{self}: the vector's length is not the "
                                            f"matrix's number of {('rows', 'columns')[self.axis]}"))
        at = value.coords(x, "csc")[self.axis]
        dtype = x.data.dtype.name
        return [value.with_data(x, cast_tensor(x.data * cast_tensor(tf.gather(s, at), dtype),
                                               dtype))]


class ColScaleCSC(_ScaleCSC):
    axis = 1

    def grad(self, inputs, output_grads):
        (x, s), (gz,) = inputs, output_grads
        return [col_scale(gz, s), sp_sum(x * gz, axis=0)]


class RowScaleCSC(_ScaleCSC):
    axis = 0

    def grad(self, inputs, output_grads):
        (x, s), (gz,) = inputs, output_grads
        return [row_scale(gz, s), sp_sum(x * gz, axis=1)]


def col_scale(x, s):
    """Each column j of sparse ``x`` times ``s[j]``: sparse, x's structure
    and format; the gradient is structured."""
    x = as_sparse_variable(x)
    check_format(x, "col_scale")
    if x.format == "csc":
        return ColScaleCSC()(x, s)
    return RowScaleCSC()(x.T, s).T


def row_scale(x, s):
    """Each row i of sparse ``x`` times ``s[i]``: sparse, x's structure and
    format; the gradient is structured."""
    return col_scale(as_sparse_variable(x).T, s).T


class HStack(Op):
    """Sparse matrices side by side (SciPy's ``hstack``), in ``format``
    (default csc) and ``dtype`` (required)."""
    __props__ = ("format", "dtype")
    axis = 1  # the axis the blocks are joined along

    def __init__(self, format=None, dtype=None):
        if dtype is None:
            raise ValueError("The output dtype must be specified.")
        self.format, self.dtype = format or "csc", dtype

    def make_node(self, *blocks):
        if not blocks:
            raise ValueError("Cannot join an empty list of sparses.")
        blocks = [as_sparse_variable(b) for b in blocks]
        for b in blocks:
            check_format(b, self)
        return Apply(self, blocks, [sparse_output(self.format, self.dtype)])

    def lower(self, node, inputs, ctx):
        axis, other = self.axis, 1 - self.axis
        rows, cols, data, offset = [], [], [], tf.constant(0, value.INDEX)
        checks = []
        for block, var in zip(inputs, node.inputs):
            r, c = value.coords(block, var.format)
            r, c = (r, c + offset) if axis == 1 else (r + offset, c)
            rows.append(r)
            cols.append(c)
            data.append(cast_tensor(block.data, self.dtype))
            offset += block.shape[axis]
            checks.append(value.equal_sizes(block.shape[other], inputs[0].shape[other],
                                            f"{self}: blocks have incompatible "
                                            f"{('row', 'column')[other]} dimensions"))
        shape = tf.tensor_scatter_nd_update(inputs[0].shape, [[axis]], [offset])
        shape = value.checked(shape, *checks)
        return [value.sort(tf.concat(rows, 0), tf.concat(cols, 0), tf.concat(data, 0), shape,
                           self.format)]

    def grad(self, inputs, output_grads):
        (gz,) = output_grads
        if _is_sparse_variable(gz):
            gz = dense_from_sparse(gz)
        sizes = T.stack([csm_shape(b)[self.axis] for b in inputs])
        pieces = T.split(gz, sizes, len(inputs), axis=self.axis)
        pieces = pieces if isinstance(pieces, (list, tuple)) else [pieces]
        return [SparseFromDense(self.format)(p) if differentiable else None
                for p, differentiable in zip(pieces, gradient_dtypes(inputs))]

    def __str__(self):
        return f"{type(self).__name__}({self.format},{self.dtype})"


class VStack(HStack):
    """Sparse matrices one above the other (SciPy's ``vstack``)."""
    axis = 0


def _stacked(op_class, blocks, format, dtype):
    blocks = [as_sparse_variable(b) for b in blocks]
    if dtype is None:
        dtype = dtypes.upcast(*(b.dtype for b in blocks)) if blocks else config.floatX
    return op_class(format=format, dtype=dtype)(*blocks)


def hstack(blocks, format=None, dtype=None):
    """Sparse ``blocks`` side by side, in ``format`` (default csc) and
    ``dtype`` (default: the blocks' common dtype)."""
    return _stacked(HStack, blocks, format, dtype)


def vstack(blocks, format=None, dtype=None):
    """Sparse ``blocks`` one above the other, in ``format`` (default csc) and
    ``dtype`` (default: the blocks' common dtype)."""
    return _stacked(VStack, blocks, format, dtype)
