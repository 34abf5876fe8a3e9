"""``theano.tensor.extra_ops``: NumPy-like functions beyond the core."""
from tfgraph.compile.ops import ViewOp
from tfgraph.config import config
from tfgraph.graph import Variable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS, cast
from tfgraph.ops.extra import (Bartlett, CumOp, DiffOp, FillDiagonal,  # noqa: F401
                               FillDiagonalOffset, RavelMultiIndex, RepeatOp,
                               Searchsorted as SearchsortedOp, Unique, UnravelIndex)
from tfgraph.ops.reduce import reduce
from tfgraph.ops.shape import MakeVector, arange, dimshuffle, zeros
from tfgraph.ops.structure import Assert
from tfgraph.ops.subtensor import inc_subtensor, set_subtensor
from tfgraph.tensor.arrays import flatnonzero, get_vector_length, take

# Theano kept these names for unpickling old graphs; both are CumOp.
CumsumOp = CumprodOp = CumOp


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (of the flattened ``x`` when None)."""
    return CumOp(axis=axis, mode="add")(x)


def cumprod(x, axis=None):
    """Cumulative product along ``axis`` (of the flattened ``x`` when None)."""
    return CumOp(axis=axis, mode="mul")(x)


def diff(x, n=1, axis=-1):
    """The n-th order discrete difference along ``axis``."""
    return DiffOp(n=n, axis=axis)(x)


def searchsorted(x, v, side="left", sorter=None):
    """Where to insert ``v`` in sorted vector ``x`` to keep it sorted (int64)."""
    return SearchsortedOp(side=side)(x, v, sorter)


def bincount(x, weights=None, minlength=None, assert_nonneg=False):
    """Occurrences of each value 0..max(x) in integer vector ``x`` (summed
    ``weights`` instead, if given), at least ``minlength`` bins."""
    x = as_tensor_variable(x)
    if x.ndim != 1:
        raise TypeError(f"bincount: x must be a vector (dimension 1), got {x} ({x.type})")
    if assert_nonneg:
        x = Assert("Input to bincount has negative values!")(x, reduce("all", OPS["ge"](x, 0)))
    bins = cast(OPS["add"](reduce("max", x), 1), "int64")
    if minlength is not None:
        bins = OPS["maximum"](bins, minlength)
    if weights is None:
        return inc_subtensor(zeros([bins], dtype=x.dtype)[x], 1)
    weights = as_tensor_variable(weights)
    return inc_subtensor(zeros([bins], dtype=weights.dtype)[x], weights)


def squeeze(x):
    """``x`` without its broadcastable dimensions."""
    x = as_tensor_variable(x)
    return dimshuffle(x, [d for d, b in enumerate(x.broadcastable) if not b])


def compress(condition, x, axis=None):
    """The slices of ``x`` along ``axis`` where ``condition`` is non-zero."""
    return take(x, flatnonzero(condition), axis=axis)


def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (a
    flat result when None); ``repeats`` a scalar or one count per element."""
    repeats = as_tensor_variable(repeats)
    if repeats.ndim > 1:
        raise ValueError("The dimension of repeats should not exceed 1.")
    if repeats.ndim == 1 and repeats.broadcastable[0]:
        repeats = repeats[0]
    x = as_tensor_variable(x)
    if axis is not None and axis >= x.ndim:
        raise ValueError("Axis should not exceed x.ndim-1.")
    return RepeatOp(axis=axis)(x, repeats)


def bartlett(M):
    """The Bartlett window of ``M`` points (float64)."""
    return Bartlett()(M)


def fill_diagonal(a, val):
    """A copy of ``a`` with scalar ``val`` on its main diagonal."""
    return FillDiagonal()(a, val)


def fill_diagonal_offset(a, val, offset):
    """A copy of matrix ``a`` with scalar ``val`` on its diagonal at ``offset``."""
    return FillDiagonalOffset()(a, val, offset)


def to_one_hot(y, nb_class, dtype=None):
    """A (len(y), nb_class) matrix whose row i is the one-hot code of y[i]."""
    y = as_tensor_variable(y)
    out = zeros((y.shape[0], nb_class), dtype=dtype or config.floatX)
    return set_subtensor(out[arange(y.shape[0]), y], 1)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None):
    """NumPy's unique (of the flattened input)."""
    return Unique(return_index, return_inverse, return_counts, axis)(ar)


def unravel_index(indices, dims, order="C", ndim=None):
    """Flat indices into a ``dims``-shaped array -> tuple of coordinate arrays."""
    if ndim is None:
        try:
            ndim = len(dims) if isinstance(dims, (list, tuple)) else get_vector_length(dims)
        except (ValueError, TypeError):
            raise ValueError(
                f"The length of the provided dimension list ({dims}) cannot be automatically "
                f"determined; pass ndim= to unravel_index") from None
    result = UnravelIndex(ndim=ndim, order=order)(indices, _int_vector(dims))
    return (result,) if ndim == 1 else tuple(result)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """A tuple of index arrays -> flat indices into a ``dims``-shaped array."""
    if not isinstance(multi_index, (tuple, list)):
        raise TypeError("multi_index must be a tuple or a list.")
    return RavelMultiIndex(mode=mode, order=order)(*multi_index, _int_vector(dims))


def _int_vector(dims):
    if isinstance(dims, (list, tuple)) and any(isinstance(d, Variable) for d in dims):
        return MakeVector()(*dims)
    return as_tensor_variable(dims)


class CpuContiguous(ViewOp):
    """Its input in C-contiguous memory, as Theano's C code needs it:
    TensorFlow's tensors always are, so the value itself."""


cpu_contiguous = CpuContiguous()
