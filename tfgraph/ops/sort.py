"""Sorting: ``sort`` and ``argsort`` along an axis (None: of the flattened tensor)."""
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, normalize_axis
from tfgraph.ops.shape import flatten
from tfgraph._tf import tf


class Sort(Op):
    """Values sorted ascending along ``axis`` (``indices=False``), or the
    int64 indices that sort them (``indices=True``). Ties keep their order
    (a stable sort), which NumPy's default quicksort does not promise."""

    def __init__(self, axis, indices):
        self.axis, self.indices = axis, indices
        self.name = "argsort" if indices else "sort"

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.ndim == 0:
            raise ValueError(f"{self.name}: {a} is a scalar; sort needs at least one axis")
        normalize_axis(self.axis, a.ndim, a)  # checks the axis
        dtype = "int64" if self.indices else a.dtype
        return Apply(self, [a], [TensorType(dtype, a.broadcastable)])

    def lower(self, node, inputs, ctx):
        x, = inputs
        axis = self.axis % node.inputs[0].ndim
        if x.dtype == tf.bool:
            x = tf.cast(x, tf.int8)
        if self.indices:
            return [tf.cast(tf.argsort(x, axis=axis, stable=True), tf.int64)]
        result = tf.sort(x, axis=axis)
        return [tf.cast(result, node.outputs[0].dtype)]


def sort(a, axis=-1, kind="quicksort", order=None):
    """``a`` sorted along ``axis`` (Theano's ``T.sort``)."""
    a = as_tensor_variable(a)
    if axis is None:
        a, axis = flatten(a), 0
    return Sort(axis, indices=False)(a)


def argsort(a, axis=-1, kind="quicksort", order=None):
    """The int64 indices that sort ``a`` along ``axis`` (Theano's ``T.argsort``)."""
    a = as_tensor_variable(a)
    if axis is None:
        a, axis = flatten(a), 0
    return Sort(axis, indices=True)(a)
