"""Smaller names of Theano 1.0's ``theano.tensor``: its error classes, the
``None`` constant, symbolic slices as Python slices of symbolic bounds,
``default``, ``permute_row_elements``, ``join_``, ``Tensor``."""
from tfgraph.graph import Constant, TensorType, Variable
from tfgraph.ops.base import AsTensorError, as_tensor_variable  # noqa: F401
from tfgraph import dtypes
from tfgraph.persist import pickle_by_name
from tfgraph.random.op import PermuteRowElements
from tfgraph.ops.shape import join_  # noqa: F401  (Theano's Join() instance)
from tfgraph.tensor.arrays import inverse_permutation
from tfgraph.tensor.subtensor import (  # noqa: F401
    AdvancedIndexingError, advanced_boolean_inc_subtensor, advanced_boolean_set_subtensor,
    advanced_boolean_subtensor)

Tensor = TensorType   # Theano's older name


class ShapeError(Exception):
    """Theano's error for a shape that cannot be computed."""


class NoneTypeT:
    """The type of ``NoneConst``: the value None (the absent argument of
    some of Theano's ops)."""
    ndim = None
    dtype = None

    def filter(self, x, strict=False, allow_downcast=None):
        if x is not None:
            raise TypeError(f"Expected None, got {x!r}")
        return x

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "none_type_t"

    def __call__(self, name=None):
        return Variable(self, name=name)


none_type_t = pickle_by_name(NoneTypeT(), __name__, "none_type_t")
NoneConst = Constant(none_type_t, None, name="NoneConst")


def make_slice(start, stop=None, step=None):
    """A slice with symbolic (or int, or None) bounds, for indexing:
    ``x[make_slice(a, b)]`` is ``x[a:b]``; a slice given is returned."""
    if isinstance(start, slice):
        return start
    return slice(*(None if b is None else _index_scalar(b, "slice bound")
                   for b in (start, stop, step)))


def _index_scalar(value, what):
    var = as_tensor_variable(value)
    if var.ndim != 0 or not dtypes.is_discrete(var.dtype) or var.dtype == "bool":
        raise TypeError(f"{what} must be an integer scalar, got {var} ({var.type})")
    return var


def as_int_none_variable(x):
    """None as ``NoneConst``, else ``x`` as an integer scalar variable."""
    return NoneConst if x is None else _index_scalar(x, "as_int_none_variable: x")


def as_index_variable(idx):
    """An index entry as Theano's indexing takes it: None as ``NoneConst``, a
    slice with symbolic bounds, or an integer (or bool) tensor."""
    if idx is None:
        return NoneConst
    if isinstance(idx, slice):
        return make_slice(idx)
    var = as_tensor_variable(idx)
    if not dtypes.is_discrete(var.dtype):
        raise TypeError(f"index {var} must be integers or booleans, got {var.type}")
    return var


def default(x, default):
    """``x``, or ``default`` where ``x`` is None. Tensors are never None here,
    so this checks the types match (as Theano) and gives ``x``."""
    x, default = as_tensor_variable(x), as_tensor_variable(default)
    if x.type != default.type:
        raise TypeError(f"Both default() arguments must have same type: {x.type} and "
                        f"{default.type}")
    return x


setdefault = default   # Theano's legacy name


def permute_row_elements(x, y, inverse=0):
    """``x`` with the elements of each row (last axis) reordered by the
    permutations ``y`` (broadcast against x's rows): out[..., i] =
    x[..., y[..., i]], or with ``inverse`` out[..., y[..., i]] = x[..., i]."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if not dtypes.is_discrete(y.dtype) or y.dtype == "bool":
        raise TypeError(f"permute_row_elements: y {y} must be integer permutations")
    return PermuteRowElements()(x, inverse_permutation(y) if inverse else y)


def is_flat(var, ndim=None, outdim=None):
    """Whether ``var`` has ``ndim`` dimensions (Theano's check after
    ``flatten``; ``outdim`` is its old name for ``ndim``, default 1)."""
    if outdim is not None and ndim is not None:
        raise ValueError("is_flat: give ndim only (outdim is its deprecated name)")
    ndim = ndim if ndim is not None else (outdim if outdim is not None else 1)
    return var.ndim == ndim
