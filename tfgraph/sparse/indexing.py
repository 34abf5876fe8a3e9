"""Indexing sparse matrices: slices (``GetItem2d``), one element
(``GetItemScalar``), lists of rows (``GetItemList``) and of elements
(``GetItem2Lists``), their gradients, and ``ConstructSparseFromList``.

Indices follow NumPy: negative ones count from the end, and one out of
range raises ``IndexError``.
"""
import numbers

import numpy as np

from tfgraph import dtypes, tensor as T
from tfgraph.graph import Apply, Op, TensorType, Variable
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.sparse import value
from tfgraph.sparse.construct import dense_from_sparse
from tfgraph.sparse.core import (as_sparse_variable, check_format, integer_dtypes,
                                 sparse_output, _is_sparse_variable)
from tfgraph.symbolic_grad import grad_undefined
from tfgraph._tf import tf

# A slice bound left out (``x[:3]``): no index is this small.
_NONE = np.iinfo(np.int64).min


def _index_vector(index, what):
    index = as_tensor_variable(index)
    if index.ndim != 1 or index.dtype not in integer_dtypes:
        raise TypeError(f"{what} must be a vector of integers, got {index} ({index.type})")
    return index


def _in_range(index, size, what):
    """``index`` (int tensor) with negative entries counted from the end,
    after an assertion that each lies in [-size, size)."""
    index, size = tf.cast(index, tf.int64), tf.cast(size, tf.int64)
    inside = tf.reduce_all(tf.logical_and(index >= -size, index < size))
    index = value.checked(index, value.check(inside, f"{what} index out of range"))
    return tf.where(index < 0, index + size, index)


def _rows_of(x, format, rows):
    """The elements of rows ``rows`` (in range, any order, repeats allowed)
    of ``x``: (position in ``rows``, column, value), row by row."""
    by_row = x if format == "csr" else value.sort(*value.coords(x, format), x.data, x.shape,
                                                  "csr")
    starts = tf.gather(by_row.indptr, rows)
    ends = tf.gather(by_row.indptr, rows + 1)
    positions = tf.ragged.range(starts, ends)
    owner = tf.cast(positions.value_rowids(), value.INDEX)
    taken = positions.flat_values
    return owner, tf.gather(by_row.indices, taken), tf.gather(by_row.data, taken)


class GetItemList(Op):
    """``x[index]``: the rows of sparse ``x`` listed in ``index`` (an int
    vector), as a sparse matrix of x's format."""
    __props__ = ()

    def make_node(self, x, index):
        x = as_sparse_variable(x)
        check_format(x, self)
        return Apply(self, [x, _index_vector(index, "index")], [x.type])

    def lower(self, node, inputs, ctx):
        (x, index), format = inputs, node.inputs[0].format
        rows = tf.cast(_in_range(index, x.shape[0], "row"), value.INDEX)
        owner, cols, data = _rows_of(x, format, rows)
        shape = tf.stack([tf.size(rows), x.shape[1]])
        if format == "csr":
            return [value.compress(owner, cols, data, shape, format)]
        return [value.sort(owner, cols, data, shape, format)]

    def grad(self, inputs, output_grads):
        (x, index), (gz,) = inputs, output_grads
        return [get_item_list_grad(x, index, gz),
                grad_undefined(self, 1, index, "No gradient for this input")]


get_item_list = GetItemList()


class GetItemListGrad(Op):
    """The gradient of ``GetItemList``: x's shape and format, row
    ``index[a]`` holding row ``a`` of ``gz``; a repeated row holds their sum
    (Theano kept the last one: the gradient of ``x[[i, i]]`` is twice
    that of ``x[[i]]``)."""
    __props__ = ()

    def make_node(self, x, index, gz):
        x, gz = as_sparse_variable(x), as_sparse_variable(gz)
        check_format(x, self)
        check_format(gz, self)
        return Apply(self, [x, _index_vector(index, "index"), gz], [x.type])

    def lower(self, node, inputs, ctx):
        (x, index, gz), format = inputs, node.inputs[0].format
        rows = tf.cast(_in_range(index, x.shape[0], "row"), value.INDEX)
        owner, cols = value.coords(gz, node.inputs[2].format)
        data = cast_tensor(gz.data, node.outputs[0].dtype)
        return [value.canonical(tf.gather(rows, owner), cols, data, x.shape, format,
                                drop_zeros=False)]


get_item_list_grad = GetItemListGrad()


def _place_keys(x, rows, cols):
    return rows * tf.cast(x.shape[1], tf.int64) + cols


class GetItem2Lists(Op):
    """``x[ind1, ind2]``: the elements at (ind1[k], ind2[k]), a dense vector."""
    __props__ = ()

    def make_node(self, x, ind1, ind2):
        x = as_sparse_variable(x)
        check_format(x, self)
        inputs = [x, _index_vector(ind1, "ind1"), _index_vector(ind2, "ind2")]
        return Apply(self, inputs, [TensorType(x.dtype, (False,))])

    def lower(self, node, inputs, ctx):
        (x, ind1, ind2), format = inputs, node.inputs[0].format
        rows, cols = value.coords(x, format)
        stored, data = value.summed(_place_keys(x, tf.cast(rows, tf.int64),
                                                tf.cast(cols, tf.int64)), x.data)
        wanted = _place_keys(x, _in_range(ind1, x.shape[0], "row"),
                             _in_range(ind2, x.shape[1], "column"))
        return [_lookup(stored, data, wanted)]

    def grad(self, inputs, output_grads):
        (x, ind1, ind2), (gz,) = inputs, output_grads
        return [get_item_2lists_grad(x, ind1, ind2, gz),
                grad_undefined(self, 1, ind1, "No gradient for this input"),
                grad_undefined(self, 2, ind2, "No gradient for this input")]


def _lookup(stored, data, wanted):
    """The values of ``wanted`` keys among the sorted ``stored`` ones (whose
    values are ``data``), 0 where absent."""
    at = tf.searchsorted(stored, wanted)  # where it is, if it is there
    padded_keys = tf.concat([stored, [-1]], 0)  # -1: no key; gathered past the end
    padded_data = tf.concat([data, tf.zeros([1], data.dtype)], 0)
    found = tf.equal(tf.gather(padded_keys, at), wanted)
    return tf.where(found, tf.gather(padded_data, at), tf.zeros([], data.dtype))


get_item_2lists = GetItem2Lists()


class GetItem2ListsGrad(Op):
    """The gradient of ``GetItem2Lists``: x's shape and format, holding
    ``gz[k]`` at (ind1[k], ind2[k]); a repeated place holds their sum (Theano
    kept the last one)."""
    __props__ = ()

    def make_node(self, x, ind1, ind2, gz):
        x = as_sparse_variable(x)
        check_format(x, self)
        inputs = [x, _index_vector(ind1, "ind1"), _index_vector(ind2, "ind2"),
                  as_tensor_variable(gz)]
        return Apply(self, inputs, [x.type])

    def lower(self, node, inputs, ctx):
        (x, ind1, ind2, gz), format = inputs, node.inputs[0].format
        rows = _in_range(ind1, x.shape[0], "row")
        cols = _in_range(ind2, x.shape[1], "column")
        data = cast_tensor(gz, node.outputs[0].dtype)
        return [value.canonical(rows, cols, data, x.shape, format, drop_zeros=False)]


get_item_2lists_grad = GetItem2ListsGrad()


def _bound(bound, what):
    """A slice bound as an int64 scalar variable (``_NONE`` if left out)."""
    if bound is None:
        return T.constant(_NONE, dtype="int64")
    if not isinstance(bound, Variable):
        if not isinstance(bound, numbers.Integral):
            raise ValueError(f"Impossible to index into a sparse matrix with slice where "
                             f"{what}={bound!r}")
        return T.constant(int(bound), dtype="int64")
    if bound.ndim != 0 or not dtypes.is_discrete(bound.dtype):
        raise ValueError(f"Impossible to index into a sparse matrix with slice where "
                         f"{what}={bound} ({bound.type})")
    return bound


def _slice(start, stop, step, size):
    """(first, step, count) of Python's ``slice(start, stop, step)`` over
    ``range(size)``; int64 scalars, ``_NONE`` for a bound left out."""
    size = tf.cast(size, tf.int64)
    start, stop, step = (tf.cast(b, tf.int64) for b in (start, stop, step))
    step = tf.where(tf.equal(step, _NONE), tf.constant(1, tf.int64), step)
    step = value.checked(step, value.check(tf.not_equal(step, 0), "slice step cannot be zero"))
    forward = step > 0
    zero, one = tf.constant(0, tf.int64), tf.constant(1, tf.int64)
    lower, upper = tf.where(forward, zero, -one), tf.where(forward, size, size - one)

    def clamp(bound, default):
        clamped = tf.where(bound < 0, tf.maximum(bound + size, lower), tf.minimum(bound, upper))
        return tf.where(tf.equal(bound, _NONE), default, clamped)

    first = clamp(start, tf.where(forward, lower, upper))
    last = clamp(stop, tf.where(forward, upper, lower))
    span = tf.where(forward, last - first, first - last)
    count = tf.maximum((span + tf.abs(step) - 1) // tf.abs(step), 0)
    return first, step, count


def _selected(index, first, step, count):
    """(taken, position in the slice) of each int64 ``index``."""
    offset = tf.cast(index, tf.int64) - first
    position = offset // step
    taken = tf.logical_and(tf.equal(offset % step, 0),
                           tf.logical_and(position >= 0, position < count))
    return taken, tf.cast(position, value.INDEX)


class GetItem2d(Op):
    """``x[a:b:c, d:e:f]`` (or ``x[a:b]``): a sparse matrix of x's format.
    Bounds are ints or int scalar variables; an int index (``x[1, 2:3]``)
    would make a sparse vector, which Theano has not: use ``x[1:2, 2:3]``."""
    __props__ = ()

    def make_node(self, x, *index):
        x = as_sparse_variable(x)
        check_format(x, self)
        if len(index) == 6:  # the bounds themselves (graph copies rebuild nodes so)
            return Apply(self, [x] + [as_tensor_variable(b) for b in index], [x.type])
        (index,) = index
        index = tuple(index) if isinstance(index, (list, tuple)) else (index,)
        if len(index) not in (1, 2):
            raise IndexError(f"a sparse matrix takes 1 or 2 indices, got {len(index)}")
        bounds = []
        for ind in index + (slice(None),) * (2 - len(index)):
            if isinstance(ind, slice):
                bounds += [_bound(ind.start, "start"), _bound(ind.stop, "stop"),
                           _bound(ind.step, "step")]
            elif np.isscalar(ind) or getattr(ind, "ndim", None) == 0:
                raise NotImplementedError("Theano has no sparse vector. Use X[a:b, c:d], "
                                          "X[a:b, c:c+1] or X[a:b] instead.")
            else:
                raise ValueError(f"Advanced indexing is not implemented for sparse matrices. "
                                 f"Argument not supported: {ind}")
        return Apply(self, [x] + bounds, [x.type])

    def lower(self, node, inputs, ctx):
        x, format = inputs[0], node.inputs[0].format
        rows_slice = _slice(*inputs[1:4], x.shape[0])
        cols_slice = _slice(*inputs[4:7], x.shape[1])
        rows, cols = value.coords(x, format)
        take_rows, new_rows = _selected(rows, *rows_slice)
        take_cols, new_cols = _selected(cols, *cols_slice)
        taken = tf.logical_and(take_rows, take_cols)
        new_rows, new_cols = tf.boolean_mask(new_rows, taken), tf.boolean_mask(new_cols, taken)
        data = tf.boolean_mask(x.data, taken)
        shape = tf.cast(tf.stack([rows_slice[2], cols_slice[2]]), value.INDEX)
        # A negative step reverses rows (or columns): regroup, keeping the
        # order of the elements within each.
        major = new_rows if format == "csr" else new_cols
        order = tf.argsort(major, stable=True)
        return [value.compress(tf.gather(new_rows, order), tf.gather(new_cols, order),
                               tf.gather(data, order), shape, format)]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * 6


get_item_2d = GetItem2d()


class GetItemScalar(Op):
    """``x[i, j]``: one element (duplicates summed), a dense scalar."""
    __props__ = ()

    def make_node(self, x, *index):
        x = as_sparse_variable(x)
        check_format(x, self)
        if len(index) == 1:
            index = tuple(index[0])
        if len(index) != 2:
            raise IndexError(f"GetItemScalar takes 2 indices, got {len(index)}")
        inputs = [x]
        for ind in index:
            if isinstance(ind, slice):
                raise TypeError("GetItemScalar called with a slice as index!")
            ind = as_tensor_variable(ind) if not isinstance(ind, Variable) else ind
            if ind.ndim != 0 or not dtypes.is_discrete(ind.dtype):
                raise NotImplementedError(f"GetItemScalar takes integer scalars; got {ind} "
                                          f"({ind.type})")
            inputs.append(ind)
        return Apply(self, inputs, [TensorType(x.dtype, ())])

    def lower(self, node, inputs, ctx):
        (x, i, j), format = inputs, node.inputs[0].format
        i = _in_range(i, x.shape[0], "row")
        j = _in_range(j, x.shape[1], "column")
        rows, cols = value.coords(x, format)
        here = tf.logical_and(tf.equal(tf.cast(rows, tf.int64), i),
                              tf.equal(tf.cast(cols, tf.int64), j))
        return [tf.reduce_sum(tf.boolean_mask(x.data, here))]

    def connection_pattern(self, node):
        return [[True], [False], [False]]


get_item_scalar = GetItemScalar()


class ConstructSparseFromList(Op):
    """A csc matrix of ``x``'s shape and ``values``' dtype whose row
    ``ilist[k]`` holds row ``k`` of ``values`` (the sparse gradient of
    ``x[ilist]``)."""
    __props__ = ()

    def make_node(self, x, values, ilist):
        x, values, ilist = (as_tensor_variable(v) for v in (x, values, ilist))
        if ilist.dtype not in integer_dtypes:
            raise TypeError("index must be integers")
        if ilist.ndim != 1:
            raise TypeError("index must be vector")
        if values.ndim != 2:
            raise TypeError(f"cannot create a sparse matrix from values with {values.ndim} ndim")
        # x, or its shape (graph copies rebuild the node from its inputs)
        if not (x.ndim == 1 and x.dtype in integer_dtypes):
            if x.ndim != 2:
                raise TypeError(f"cannot create a sparse matrix with {x.ndim} dimensions")
            x = x.shape
        return Apply(self, [x, values, ilist], [sparse_output("csc", values.dtype)])

    def lower(self, node, inputs, ctx):
        shape, values, ilist = inputs
        n_rows, n_cols = tf.unstack(tf.shape(values, out_type=tf.int32))
        rows = _in_range(ilist, shape[0], "row")
        rows = value.checked(rows, value.equal_sizes(tf.size(ilist), n_rows,
                                                     "values must have one row per index"))
        indices = tf.tile(tf.cast(rows, value.INDEX), [n_cols])
        indptr = tf.range(n_cols + 1) * n_rows
        data = cast_tensor(tf.reshape(tf.transpose(values), [-1]), node.outputs[0].dtype)
        return [value.SparseArrays(data, indices, indptr, tf.cast(shape, value.INDEX))]

    def connection_pattern(self, node):
        return [[False], [True], [False]]

    def grad(self, inputs, output_grads):
        (_, _, ilist), (g,) = inputs, output_grads
        dense = dense_from_sparse(g) if _is_sparse_variable(g) else g
        return [None, T.advanced_subtensor1(dense, ilist), None]


construct_sparse_from_list = ConstructSparseFromList()
