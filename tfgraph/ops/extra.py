"""The ops of ``theano.tensor.extra_ops``: cumulative sums and products,
differences, searchsorted, repeat, diagonal filling, unique, index
(un)ravelling, bartlett."""
import numbers

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, broadcast_patterns, cast_tensor, checked
from tfgraph.ops.sort import static_axis
from tfgraph._tf import tf


def _integer(var, what):
    if not dtypes.is_discrete(var.dtype) or var.dtype == "bool":
        raise TypeError(f"{what} must have an integer dtype, got {var} ({var.type})")
    return var


class CumOp(Op):
    """Cumulative sum (``mode='add'``) or product (``'mul'``) along ``axis``;
    over the flattened input when ``axis`` is None (NumPy's cumsum/cumprod)."""

    def __init__(self, axis=None, mode="add"):
        if mode not in ("add", "mul"):
            raise ValueError(f'CumOp: Unknown mode "{mode}"')
        self.axis, self.mode = axis, mode

    def __str__(self):
        return f"CumOp{{{self.axis}, {self.mode}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is None:
            return Apply(self, [x], [TensorType(x.dtype, (False,))])
        if not isinstance(self.axis, numbers.Integral) or not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"axis(={self.axis}) out of bounds for {x} ({x.ndim} dimensions)")
        return Apply(self, [x], [x.type])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        axis = 0 if self.axis is None else self.axis % node.inputs[0].ndim
        if self.axis is None:
            x = tf.reshape(x, [-1])
        # NumPy accumulates booleans as int64 -- but Theano keeps the input's
        # dtype (its C code passes it to PyArray_CumSum).
        compute = "int8" if x.dtype == tf.bool else x.dtype.name
        function = tf.cumsum if self.mode == "add" else tf.math.cumprod
        return [cast_tensor(function(cast_tensor(x, compute), axis=axis),
                            node.outputs[0].dtype)]


class DiffOp(Op):
    """The n-th discrete difference along ``axis`` (NumPy's diff)."""

    def __init__(self, n=1, axis=-1):
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
        self.n, self.axis = int(n), axis
        self.name = "diff"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise ValueError(f"diff requires input that is at least one dimensional, got {x}")
        static_axis(self.axis, x, "diff")
        pattern = list(x.broadcastable)
        pattern[static_axis(self.axis, x, "diff")] = pattern[self.axis] and self.n == 0
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        axis = static_axis(self.axis, node.inputs[0], "diff")
        head = [slice(None)] * axis
        for _ in range(self.n):
            later, earlier = x[tuple(head + [slice(1, None)])], x[tuple(head + [slice(None, -1)])]
            x = tf.not_equal(later, earlier) if x.dtype == tf.bool else later - earlier
        return [x]


class Searchsorted(Op):
    """Insertion points of ``v`` in sorted vector ``x`` (NumPy's searchsorted)."""
    name = "searchsorted"

    def __init__(self, side="left"):
        if side not in ("left", "right"):
            raise ValueError(f"'{side}' is an invalid value for keyword 'side'")
        self.side = side

    def make_node(self, x, v, sorter=None):
        x, v = as_tensor_variable(x), as_tensor_variable(v)
        if x.ndim != 1:
            raise TypeError(f"searchsorted: x must be a vector, got {x} ({x.type})")
        inputs = [x, v]
        if sorter is not None:
            sorter = as_tensor_variable(sorter)
            if sorter.ndim != 1:
                raise TypeError(f"searchsorted: sorter must be an integer vector, got {sorter}")
            inputs.append(_integer(sorter, "searchsorted: sorter"))
        return Apply(self, inputs, [TensorType("int64", v.broadcastable)])

    def lower(self, node, inputs, ctx):
        x, v = inputs[:2]
        if len(inputs) == 3:
            x = tf.gather(x, cast_tensor(inputs[2], "int64"))
        dtype = node.inputs[0].dtype if node.inputs[0].dtype == node.inputs[1].dtype else \
            dtypes.upcast(node.inputs[0].dtype, node.inputs[1].dtype)
        x, v = cast_tensor(x, dtype), cast_tensor(v, dtype)
        flat = tf.reshape(v, [-1])
        found = tf.searchsorted(x, flat, side=self.side, out_type=tf.int64)
        return [tf.reshape(found, tf.shape(v))]


class RepeatOp(Op):
    """Each element repeated ``repeats`` times along ``axis`` (over the
    flattened input when None); ``repeats`` a scalar or one count per element."""
    name = "repeat"

    def __init__(self, axis=None):
        self.axis = axis

    def make_node(self, x, repeats):
        x, repeats = as_tensor_variable(x), as_tensor_variable(repeats)
        _integer(repeats, "repeat: repeats")
        if repeats.ndim > 1:
            raise ValueError("The dimension of repeats should not exceed 1.")
        if repeats.dtype == "uint64":
            raise TypeError("repeat: repeats of dtype uint64 are not supported")
        if self.axis is None:
            pattern = (False,)
        else:
            axis = static_axis(self.axis, x, "repeat")
            pattern = list(x.broadcastable)
            once = isinstance(repeats, Constant) and repeats.ndim == 0 and int(repeats.data) == 1
            pattern[axis] = pattern[axis] and once
        return Apply(self, [x, repeats], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x, repeats = inputs
        repeats = cast_tensor(repeats, "int64")
        if self.axis is None:
            return [tf.repeat(tf.reshape(x, [-1]), repeats, axis=0)]
        return [tf.repeat(x, repeats, axis=static_axis(self.axis, node.inputs[0], "repeat"))]


class FillDiagonal(Op):
    """A copy of ``a`` with ``val`` on its main diagonal a[i, i, ..., i]."""
    name = "fill_diagonal"

    def make_node(self, a, val):
        a, val = as_tensor_variable(a), as_tensor_variable(val)
        if a.ndim < 2:
            raise TypeError(f"fill_diagonal: a must have at least two dimensions, got {a} "
                            f"({a.type})")
        if val.ndim != 0:
            raise TypeError(f"fill_diagonal: val must be a scalar, got {val} ({val.type})")
        if dtypes.upcast(a.dtype, val.dtype) != a.dtype:
            raise TypeError(f"fill_diagonal: val ({val.dtype}) must not be an upcast of "
                            f"a ({a.dtype})")
        return Apply(self, [a, val], [a.type])

    def lower(self, node, inputs, ctx):
        a, val = inputs
        ndim = node.inputs[0].ndim
        val = cast_tensor(val, a.dtype.name)
        n = tf.reduce_min(tf.shape(a, out_type=tf.int64))
        if ndim > 2:
            n = checked(ctx, n, tf.equal(tf.reduce_max(tf.shape(a, out_type=tf.int64)), n),
                        "fill_diagonal: all dimensions of a must be of equal length")
        index = tf.tile(tf.range(n)[:, None], [1, ndim])
        return [tf.tensor_scatter_nd_update(a, index, tf.fill([n], val))]


class FillDiagonalOffset(Op):
    """A copy of matrix ``a`` with ``val`` on its diagonal at ``offset``."""
    name = "fill_diagonal_offset"

    def make_node(self, a, val, offset):
        a, val, offset = (as_tensor_variable(v) for v in (a, val, offset))
        if a.ndim != 2:
            raise TypeError(f"fill_diagonal_offset: a must be a matrix, got {a} ({a.type})")
        if val.ndim != 0:
            raise TypeError(f"fill_diagonal_offset: val must be a scalar, got {val}")
        if offset.ndim != 0:
            raise TypeError(f"fill_diagonal_offset: offset must be a scalar, got {offset}")
        _integer(offset, "fill_diagonal_offset: offset")
        if dtypes.upcast(a.dtype, val.dtype) != a.dtype:
            raise TypeError(f"fill_diagonal_offset: val ({val.dtype}) must not be an upcast of "
                            f"a ({a.dtype})")
        return Apply(self, [a, val, offset], [a.type])

    def lower(self, node, inputs, ctx):
        a, val, offset = inputs
        rows = tf.range(tf.shape(a, out_type=tf.int64)[0])[:, None]
        cols = tf.range(tf.shape(a, out_type=tf.int64)[1])[None, :]
        on_diagonal = tf.equal(cols - rows, cast_tensor(offset, "int64"))
        return [tf.where(on_diagonal, cast_tensor(val, a.dtype.name), a)]


class Unique(Op):
    """NumPy's unique: the sorted distinct values of the flattened input, or
    with ``axis`` its distinct slices along that axis in lexicographic order;
    optionally the index of each one's first occurrence, the inverse (each
    element's or slice's position among the distinct ones) and the counts."""
    __props__ = ("return_index", "return_inverse", "return_counts", "axis")

    def __init__(self, return_index=False, return_inverse=False, return_counts=False,
                 axis=None):
        if axis is not None and not isinstance(axis, numbers.Integral):
            raise TypeError(f"Unique: axis must be None or an int, got {axis!r}")
        self.return_index, self.return_inverse = return_index, return_inverse
        self.return_counts, self.axis = return_counts, axis

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is None:
            pattern = (False,)
        else:
            if not -x.ndim <= self.axis < x.ndim:
                raise ValueError(f"Unique: axis {self.axis} is outside of the input "
                                 f"{x}'s {x.ndim} dimensions")
            axis = self.axis % x.ndim
            pattern = tuple(b and d != axis for d, b in enumerate(x.broadcastable))
        index = TensorType("int64", (False,))
        extra = [index] * (self.return_index + self.return_inverse + self.return_counts)
        return Apply(self, [x], [TensorType(x.dtype, pattern)] + extra)

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        if self.axis is None:
            axis, moved = 0, tf.reshape(x, [-1, 1])
        else:
            axis = self.axis % x.shape.rank
            order = [axis] + [d for d in range(x.shape.rank) if d != axis]
            moved = tf.transpose(x, order)
            moved = tf.reshape(moved, tf.stack([tf.shape(moved)[0], -1]))
        rows = tf.cast(moved, tf.int8) if moved.dtype == tf.bool else moved
        order = _lexicographic_order(rows)
        ordered = tf.gather(rows, order)
        first = tf.concat([tf.ones([tf.minimum(tf.shape(ordered)[0], 1)], tf.bool),
                          tf.reduce_any(tf.not_equal(ordered[1:], ordered[:-1]), axis=1)], 0)
        distinct = tf.boolean_mask(tf.gather(moved, order), first)
        if self.axis is None:
            distinct = tf.reshape(distinct, [-1])
        else:
            rest = tf.shape(tf.transpose(x, [d for d in range(x.shape.rank) if d != axis]
                                         + [axis]))[:-1]
            distinct = tf.reshape(distinct, tf.concat([[-1], rest], 0))
            back = list(range(1, axis + 1)) + [0] + list(range(axis + 1, x.shape.rank))
            distinct = tf.transpose(distinct, back)
        outputs = [distinct]
        if self.return_index:
            outputs.append(tf.cast(tf.boolean_mask(order, first), tf.int64))
        if self.return_inverse:
            group = tf.cumsum(tf.cast(first, tf.int64)) - 1
            outputs.append(tf.scatter_nd(tf.cast(order, tf.int64)[:, None], group,
                                         tf.shape(order, out_type=tf.int64)))
        if self.return_counts:
            starts = tf.where(first)[:, 0]
            ends = tf.concat([starts[1:], tf.shape(ordered, out_type=tf.int64)[:1]], 0)
            outputs.append(ends - starts)
        return outputs


def _lexicographic_order(rows):
    """The stable order sorting the rows of a matrix lexicographically (as
    NumPy's lexsort of its columns, the first column the primary key): one
    stable sort per column, from the last to the first."""
    def by_column(column, order):
        keys = tf.gather(rows[:, column], order)
        return column - 1, tf.gather(order, tf.argsort(keys, stable=True))
    order = tf.range(tf.shape(rows)[0])
    _, order = tf.while_loop(lambda column, _: column >= 0, by_column,
                             (tf.shape(rows)[1] - 1, order))
    return order


class UnravelIndex(Op):
    """Flat indices into a ``dims``-shaped array -> one coordinate array per
    dimension (NumPy's unravel_index)."""
    name = "unravel_index"

    def __init__(self, ndim, order="C"):
        if order not in ("C", "F"):
            raise ValueError(f"unravel_index: order must be 'C' or 'F', got {order!r}")
        if not isinstance(ndim, numbers.Integral) or ndim < 1:
            raise ValueError("ndim must be an integer greater than 0")
        self.ndim, self.order = int(ndim), order

    def make_node(self, indices, dims):
        indices, dims = as_tensor_variable(indices), as_tensor_variable(dims)
        _integer(indices, "unravel_index: indices")
        _integer(dims, "unravel_index: dims")
        if dims.ndim != 1:
            raise TypeError(f"unravel_index: dims must be a 1D array, got {dims} ({dims.type})")
        return Apply(self, [indices, dims],
                     [TensorType("int64", indices.broadcastable)] * self.ndim)

    def lower(self, node, inputs, ctx):
        indices, dims = (cast_tensor(t, "int64") for t in inputs)
        size = tf.reduce_prod(dims)
        rest = checked(ctx, indices, (indices >= 0) & (indices < size),
                       "unravel_index: index is out of bounds for the array of shape dims")
        axes = range(self.ndim - 1, -1, -1) if self.order == "C" else range(self.ndim)
        coords = [None] * self.ndim
        for d in axes:
            coords[d] = tf.math.floormod(rest, dims[d])
            rest = tf.math.floordiv(rest, dims[d])
        return coords


class RavelMultiIndex(Op):
    """One index array per dimension -> flat indices into a ``dims``-shaped
    array (NumPy's ravel_multi_index), out-of-range ones by ``mode``."""
    name = "ravel_multi_index"

    def __init__(self, mode="raise", order="C"):
        if mode not in ("raise", "wrap", "clip"):
            raise ValueError(f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', "
                             f"got {mode!r}")
        if order not in ("C", "F"):
            raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
        self.mode, self.order = mode, order

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(v) for v in inputs]
        *index, dims = inputs
        for i in index:
            _integer(i, "ravel_multi_index: multi_index")
        _integer(dims, "ravel_multi_index: dims")
        if dims.ndim != 1:
            raise TypeError(f"ravel_multi_index: dims must be a 1D array, got {dims}")
        pattern = broadcast_patterns(*(i.broadcastable for i in index))
        return Apply(self, inputs, [TensorType("int64", pattern)])

    def lower(self, node, inputs, ctx):
        *index, dims = (cast_tensor(t, "int64") for t in inputs)
        fixed = []
        for d, i in enumerate(index):
            size = dims[d]
            if self.mode == "wrap":
                i = tf.math.floormod(i, size)
            elif self.mode == "clip":
                i = tf.clip_by_value(i, 0, size - 1)
            else:
                i = checked(ctx, i, (i >= 0) & (i < size),
                            "ravel_multi_index: invalid entry in coordinates array")
            fixed.append(i)
        axes = range(len(fixed)) if self.order == "C" else range(len(fixed) - 1, -1, -1)
        flat = tf.zeros([], tf.int64)
        for d in axes:
            flat = flat * dims[d] + fixed[d]
        return [flat]


class Bartlett(Op):
    """The Bartlett (triangular) window of M points (NumPy's bartlett)."""
    name = "bartlett"

    def make_node(self, m):
        m = as_tensor_variable(m)
        if m.ndim != 0:
            raise TypeError(f"bartlett only works on scalar input, got {m} ({m.type})")
        _integer(m, "bartlett: M")
        return Apply(self, [m], [TensorType("float64", (False,))])

    def lower(self, node, inputs, ctx):
        m = tf.cast(tf.maximum(cast_tensor(inputs[0], "int64"), 0), tf.float64)
        n = tf.range(m, dtype=tf.float64)
        half = (m - 1) / 2
        window = 1 - tf.abs(n - half) / tf.maximum(half, 1e-300)
        return [tf.where(m > 1, window, tf.ones_like(n))]


