"""``theano.tensor.sort``: sort, argsort, topk, argtopk, topk_and_argtopk."""
import copy
import numbers

from tfgraph.graph import Constant, Variable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.shape import flatten
from tfgraph.ops.sort import Sort, TopK


def _flat_if_none(a, axis):
    a = as_tensor_variable(a)
    return (flatten(a), 0) if axis is None else (a, axis)


def _sorted(a, axis, indices):
    """The sort (or argsort) of ``a`` along ``axis``: an int, None (the
    flattened ``a``), a constant, or a symbolic scalar known when it runs."""
    return (ArgSortOp() if indices else SortOp())(a, axis)


def sort(a, axis=-1, kind="quicksort", order=None):
    """A sorted copy of ``a`` along ``axis`` (flattened when None)."""
    _check_order(order, "sort")
    return _sorted(a, axis, indices=False)


def argsort(a, axis=-1, kind="quicksort", order=None):
    """The int64 indices that sort ``a`` along ``axis`` (flattened when None)."""
    _check_order(order, "argsort")
    return _sorted(a, axis, indices=True)


def _check_order(order, what):
    if order:
        raise ValueError(f"{what}: order applies to structured arrays, which tensors are not")


def topk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):  # noqa: A002
    """The ``kth`` largest elements along ``axis`` (the ``-kth`` smallest if
    kth < 0), largest (smallest) first."""
    x, axis = _flat_if_none(x, axis)
    return TopKOp(axis, sorted, idx_dtype, return_indices=False)(x, kth)


def argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):  # noqa: A002
    """The indices of ``topk(x, kth, axis)``."""
    x, axis = _flat_if_none(x, axis)
    return TopKOp(axis, sorted, idx_dtype, return_values=False)(x, kth)


def topk_and_argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):  # noqa: A002
    x, axis = _flat_if_none(x, axis)
    return tuple(TopKOp(axis, sorted, idx_dtype)(x, kth))


def _axis_of(axis):
    """A Python int or None from an axis given as one or as a constant; a
    symbolic axis as it is."""
    if isinstance(axis, Constant):
        return None if axis.data is None else int(axis.data)
    return axis


class SortOp(Sort):
    """Theano's op class: ``SortOp(kind, order=None)(input, axis=-1)``."""

    __props__ = ("kind", "order", "axis", "indices")   # axis: the copy a node holds

    def __init__(self, kind="quicksort", order=None, axis=-1, indices=False):
        _check_order(order, "sort")
        self.kind, self.order = kind, None
        super().__init__(axis, indices)

    def make_node(self, input, axis=-1):
        axis, op = _axis_of(axis), copy.copy(self)
        if isinstance(axis, Variable):
            op.axis = None
            return Sort.make_node(op, input, axis)
        input, op.axis = _flat_if_none(input, axis)
        return Sort.make_node(op, input)


class ArgSortOp(SortOp):
    """Theano's op class: ``ArgSortOp(kind, order=None)(input, axis=-1)``."""

    def __init__(self, kind="quicksort", order=None, axis=-1):
        super().__init__(kind, order, axis, indices=True)


class TopKOp(TopK):
    """Theano's op class: ``TopKOp(axis=-1, sorted=True, idx_dtype='int64',
    return_values=True, return_indices=True)(x, kth)`` (values sorted here)."""

    def __init__(self, axis=-1, sorted=True, idx_dtype="int64",  # noqa: A002
                 return_values=True, return_indices=True):
        if not isinstance(axis, numbers.Integral):
            raise TypeError(f'"axis" parameter must be integer, got "{type(axis)}"')
        if not (return_values or return_indices):
            raise ValueError("Neither return_values nor return_indices is True, this isn't "
                             "allowed")
        self.sorted = sorted
        super().__init__(int(axis), return_values, return_indices, idx_dtype)
