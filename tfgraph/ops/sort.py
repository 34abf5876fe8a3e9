"""Sorting: sort, argsort, topk / argtopk (Theano's ``theano.tensor.sort``)."""
import numbers

from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor, checked
from tfgraph._tf import tf


def static_axis(axis, x, what):
    """``axis`` of ``x`` as a non-negative Python int, or a clear error."""
    if not isinstance(axis, numbers.Integral):
        raise TypeError(f"{what}: axis must be a Python int or None, got {axis!r}")
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"{what}: axis {axis} is out of range for {x}, which has "
                         f"{x.ndim} dimensions")
    return int(axis) % max(x.ndim, 1)


def _sortable(t):
    # TF's sort has no bool kernel; NumPy orders False before True, as 0 < 1.
    return tf.cast(t, tf.int8) if t.dtype == tf.bool else t


class Sort(Op):
    """Sorted copy along ``axis`` (ascending; ties keep their order), or the
    indices that sort. ``axis=None`` here means the axis is the node's
    second input, a scalar known only when the graph runs (as Theano's
    ``sort(x, axis)`` with a symbolic axis)."""

    def __init__(self, axis, indices=False):
        self.axis, self.indices = axis, indices
        self.name = "argsort" if indices else "sort"

    def make_node(self, x, *axis):
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise TypeError(f"{self.name}: {x} is a scalar; give it at least one dimension")
        if self.axis is None:
            if len(axis) != 1:
                raise TypeError(f"{self.name}: give the axis as an input")
            axis = [as_tensor_variable(axis[0])]
            if axis[0].ndim != 0 or dtypes.kind(axis[0].dtype) not in "iuf":
                raise TypeError(f"{self.name}: the axis must be a number, got {axis[0]} "
                                f"({axis[0].type})")
        else:
            static_axis(self.axis, x, self.name)
            axis = []
        dtype = "int64" if self.indices else x.dtype
        return Apply(self, [x, *axis], [TensorType(dtype, x.broadcastable)])

    def undefined_grads(self, node):
        """As Theano's: the gradient of the axis (an input or not) is undefined."""
        return {1: "The gradient of sort is not defined with respect to the integer axes "
                   "itself"} if len(node.inputs) > 1 else {}

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        if self.axis is None:
            return [self._along_input_axis(ctx, x, inputs[1], node.inputs[0].ndim)]
        axis = static_axis(self.axis, node.inputs[0], self.name)
        order = tf.argsort(_sortable(x), axis=axis, stable=True)
        if self.indices:
            return [tf.cast(order, tf.int64)]
        # Gathering (rather than tf.sort) keeps the bool dtype and gives the
        # gradient that scatters back through the permutation, as Theano's.
        return [_gather_along(x, order, axis)]

    def _along_input_axis(self, ctx, x, axis, ndim):
        """Sorted along an axis given as a tensor: that axis moved last by a
        transposition computed when the graph runs, sorted, moved back."""
        whole = tf.equal(axis, tf.round(axis)) if axis.dtype.is_floating else True
        axis = checked(ctx, axis, whole, f"{self.name}: the axis must be an integer")
        axis = tf.cast(axis, tf.int32)
        axis = tf.where(axis < 0, axis + ndim, axis)
        axis = checked(ctx, axis, (axis >= 0) & (axis < ndim),
                       f"{self.name}: the axis is out of range for {ndim} dimensions")
        dims = tf.range(ndim)
        perm = tf.concat([tf.boolean_mask(dims, tf.not_equal(dims, axis)), [axis]], 0)
        moved = tf.transpose(x, perm)
        order = tf.argsort(_sortable(moved), axis=-1, stable=True)
        result = tf.cast(order, tf.int64) if self.indices else tf.gather(
            moved, order, axis=ndim - 1, batch_dims=ndim - 1)
        return tf.transpose(result, tf.argsort(perm))


def _gather_along(x, order, axis):
    # Move ``axis`` last, gather there, move it back.
    ndim = len(x.shape)
    if axis == ndim - 1:
        return tf.gather(x, order, axis=axis, batch_dims=axis)
    perm = [d for d in range(ndim) if d != axis] + [axis]
    inverse = [perm.index(d) for d in range(ndim)]
    moved_x, moved_order = tf.transpose(x, perm), tf.transpose(order, perm)
    gathered = tf.gather(moved_x, moved_order, axis=ndim - 1, batch_dims=ndim - 1)
    return tf.transpose(gathered, inverse)


class TopK(Op):
    """The ``kth`` largest elements along ``axis`` (the -kth smallest when kth
    < 0), in descending (ascending) order, and/or their indices."""

    def __init__(self, axis, return_values=True, return_indices=False, idx_dtype="int64"):
        self.axis = axis
        self.return_values, self.return_indices = return_values, return_indices
        self.idx_dtype = dtypes.check_dtype(idx_dtype)
        if not dtypes.is_discrete(self.idx_dtype) or self.idx_dtype == "bool":
            raise TypeError(f"topk: idx_dtype must be an integer dtype, got {idx_dtype!r}")
        self.name = "topk" if return_values else "argtopk"

    def make_node(self, x, kth):
        x, kth = as_tensor_variable(x), as_tensor_variable(kth)
        if x.ndim == 0:
            raise TypeError(f"{self.name}: {x} is a scalar")
        if kth.ndim != 0 or not dtypes.is_discrete(kth.dtype):
            raise TypeError(f"{self.name}: kth must be an integer scalar, got {kth} ({kth.type})")
        static_axis(self.axis, x, self.name)
        pattern = list(x.broadcastable)
        pattern[static_axis(self.axis, x, self.name)] = False
        types = ([TensorType(x.dtype, pattern)] if self.return_values else []) + (
            [TensorType(self.idx_dtype, pattern)] if self.return_indices else [])
        return Apply(self, [x, kth], types)

    def undefined_grads(self, node):
        """As Theano's: kth is not differentiable."""
        return {1: "topk: k is not differentiable"}

    def lower(self, node, inputs, ctx):
        x, kth = inputs
        ndim = node.inputs[0].ndim
        axis = static_axis(self.axis, node.inputs[0], self.name)
        kth = cast_tensor(kth, "int32")
        size = tf.shape(x)[axis]
        kth = checked(ctx, kth, tf.not_equal(kth, 0), f"{self.name}: kth cannot be zero")
        k = checked(ctx, tf.abs(kth), tf.abs(kth) <= size,
                    f"{self.name}: kth cannot be larger than the size of axis {axis}")
        perm = [d for d in range(ndim) if d != axis] + [axis]
        inverse = [perm.index(d) for d in range(ndim)]
        moved = tf.transpose(_sortable(x), perm)
        # Negative kth: the smallest, found as the largest of -x (integers
        # via their order, so that -x cannot overflow).
        keys = tf.where(kth > 0, moved, -moved) if moved.dtype.is_floating else tf.where(
            kth > 0, tf.argsort(tf.argsort(moved, stable=True), stable=True),
            tf.argsort(tf.argsort(-tf.cast(moved, tf.int64), stable=True), stable=True))
        _, index = tf.math.top_k(keys, k=k, sorted=True)
        outputs = []
        if self.return_values:
            values = tf.gather(tf.transpose(x, perm), index, axis=ndim - 1, batch_dims=ndim - 1)
            outputs.append(tf.transpose(values, inverse))
        if self.return_indices:
            outputs.append(cast_tensor(tf.transpose(index, inverse), self.idx_dtype))
        return outputs
