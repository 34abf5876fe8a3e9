"""``theano.tensor.sort``: sort, argsort, topk, argtopk, topk_and_argtopk."""
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.shape import flatten
from tfgraph.ops.sort import Sort, TopK


def _flat_if_none(a, axis):
    a = as_tensor_variable(a)
    return (flatten(a), 0) if axis is None else (a, axis)


def sort(a, axis=-1, kind="quicksort", order=None):
    """A sorted copy of ``a`` along ``axis`` (flattened when None)."""
    if order is not None:
        raise ValueError("sort: order applies to structured arrays, which tensors are not")
    a, axis = _flat_if_none(a, axis)
    return Sort(axis)(a)


def argsort(a, axis=-1, kind="quicksort", order=None):
    """The int64 indices that sort ``a`` along ``axis`` (flattened when None)."""
    if order is not None:
        raise ValueError("argsort: order applies to structured arrays, which tensors are not")
    a, axis = _flat_if_none(a, axis)
    return Sort(axis, indices=True)(a)


def topk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):  # noqa: A002
    """The ``kth`` largest elements along ``axis`` (the ``-kth`` smallest if
    kth < 0), largest (smallest) first."""
    x, axis = _flat_if_none(x, axis)
    return TopK(axis, True, False, idx_dtype)(x, kth)


def argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):  # noqa: A002
    """The indices of ``topk(x, kth, axis)``."""
    x, axis = _flat_if_none(x, axis)
    return TopK(axis, False, True, idx_dtype)(x, kth)


def topk_and_argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):  # noqa: A002
    x, axis = _flat_if_none(x, axis)
    return tuple(TopK(axis, True, True, idx_dtype)(x, kth))
