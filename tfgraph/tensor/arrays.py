"""The rest of Theano 1.0's ``theano.tensor`` namespace: array construction
and manipulation (tile, roll, split, triangles, diagonals, nonzero, grids,
choose, ...), comparisons with tolerance, and small compositions of the core
ops, each as Theano composes it (so each has Theano's gradient)."""
import builtins
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.config import config
from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.graph import Constant, TensorType, Variable
from tfgraph.ops.base import (  # noqa: F401  (Theano's tensor namespace holds them)
    EmptyConstantError, NotScalarConstantError, as_tensor_variable, get_scalar_constant_value)
from tfgraph.persist import pickle_by_name
from tfgraph.ops.elemwise import OPS, cast
from tfgraph.ops.linalg import BatchedTensorDot
from tfgraph.ops.reduce import reduce
from tfgraph.ops.shape import (alloc, arange, concatenate, dimshuffle, flatten,  # noqa: F401
                               join, ones_like, reshape, stack)
from tfgraph.ops.shape import get_vector_length  # noqa: F401
from tfgraph.ops.shape import fill as second  # noqa: F401  (Theano's name for fill)
from tfgraph.ops.rebroadcast import (Rebroadcast, addbroadcast, patternbroadcast,  # noqa: F401
                                     shape_padaxis, shape_padleft, shape_padright,
                                     unbroadcast)
from tfgraph.ops.subtensor import (AdvancedIncSubtensor, AdvancedIncSubtensor1,
                                   AdvancedSubtensor, AdvancedSubtensor1)
from tfgraph.ops.structure import (AllocDiag, Choose, ExtractDiag, InversePermutation,  # noqa: F401
                                   Nonzero, Split, Tri)

isnan_, isinf_ = OPS["isnan"], OPS["isinf"]
bitwise_and, bitwise_or, bitwise_xor = OPS["and_"], OPS["or_"], OPS["xor"]
bitwise_not = OPS["invert"]
square = OPS["sqr"]
floor_div = OPS["int_div"]


# Theano's dtype lists and type tuples (code tests ``x.dtype in T.float_dtypes``).
complex_dtypes = ["complex64", "complex128"]
float_dtypes = ["float16", "float32", "float64"]
continuous_dtypes = float_dtypes + complex_dtypes
int_dtypes = ["int8", "int16", "int32", "int64"]
uint_dtypes = ["uint8", "uint16", "uint32", "uint64"]
integer_dtypes = int_dtypes + uint_dtypes
discrete_dtypes = ["bool"] + integer_dtypes
all_dtypes = discrete_dtypes + continuous_dtypes


def _types(dtype_names, pattern):
    return tuple(TensorType(d, pattern) for d in dtype_names)


int_types = int_scalar_types = _types(int_dtypes, ())
float_types = float_scalar_types = _types(["float32", "float64"], ())
complex_types = complex_scalar_types = _types(complex_dtypes, ())
int_vector_types = _types(int_dtypes, (False,))
float_vector_types = _types(["float32", "float64"], (False,))
complex_vector_types = _types(complex_dtypes, (False,))
int_matrix_types = _types(int_dtypes, (False, False))
float_matrix_types = _types(["float32", "float64"], (False, False))
complex_matrix_types = _types(complex_dtypes, (False, False))

round_half_away_from_zero = OPS["round_half_away_from_zero"]
round_half_to_even = OPS["round_half_to_even"]


def tensor_copy(x):
    """A copy of ``x`` (a new variable of the same value)."""
    return OPS["add"](x, 0) if as_tensor_variable(x).dtype != "bool" else OPS["or_"](x, False)


# Theano's functional forms of indexing: op instances called as functions.
advanced_subtensor1 = pickle_by_name(AdvancedSubtensor1(), __name__, "advanced_subtensor1")
advanced_subtensor = pickle_by_name(AdvancedSubtensor(), __name__, "advanced_subtensor")
advanced_inc_subtensor1 = pickle_by_name(AdvancedIncSubtensor1(), __name__,
                                         "advanced_inc_subtensor1")
advanced_set_subtensor1 = pickle_by_name(AdvancedIncSubtensor1(set_instead_of_inc=True),
                                         __name__, "advanced_set_subtensor1")
advanced_inc_subtensor = pickle_by_name(AdvancedIncSubtensor(), __name__,
                                        "advanced_inc_subtensor")
advanced_set_subtensor = pickle_by_name(AdvancedIncSubtensor(set_instead_of_inc=True),
                                        __name__, "advanced_set_subtensor")


def extract_constant(x, elemwise=True, only_process_constants=False):
    """A constant's value, or ``x`` itself when it is not constant."""
    try:
        return get_scalar_constant_value(x, elemwise, only_process_constants)
    except NotScalarConstantError:
        return x



# --- elementwise compositions --------------------------------------------------

def power(x, y):
    return OPS["pow"](x, y)


def iround(a, mode=None):
    """round, then int64."""
    return cast(T.round(a, mode or "half_away_from_zero"), "int64")


def isclose(a, b, rtol=1.e-5, atol=1.e-8, equal_nan=False):
    """|a - b| <= atol + rtol * |b|, elementwise; infinities equal when of one
    sign; NaNs equal only with ``equal_nan``."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    absolute, le, and_, or_, invert = OPS["abs_"], OPS["le"], OPS["and_"], OPS["or_"], \
        OPS["invert"]
    close = le(absolute(OPS["sub"](a, b)), OPS["add"](atol, OPS["mul"](rtol, absolute(b))))
    a_nan, b_nan, a_inf, b_inf = isnan_(a), isnan_(b), isinf_(a), isinf_(b)
    close = and_(close, invert(or_(or_(a_nan, b_nan), or_(a_inf, b_inf))))
    same_inf = and_(and_(a_inf, b_inf), OPS["eq"](OPS["sgn"](a), OPS["sgn"](b)))
    close = or_(close, same_inf)
    return or_(close, and_(a_nan, b_nan)) if equal_nan else close


def allclose(a, b, rtol=1.e-5, atol=1.e-8, equal_nan=False):
    return reduce("all", isclose(a, b, rtol, atol, equal_nan))


def largest(*args):
    """Elementwise maximum of the arguments (Theano's: ``switch(a > b, a, b)``
    for two, the max of their stack for more)."""
    if len(args) == 2:
        a, b = args
        return OPS["switch"](OPS["gt"](a, b), a, b)
    return reduce("max", stack(list(args)), axis=0)


def smallest(*args):
    if len(args) == 2:
        a, b = args
        return OPS["switch"](OPS["lt"](a, b), a, b)
    return reduce("min", stack(list(args)), axis=0)


def ptp(a, axis=None):
    """max - min along ``axis`` (peak to peak)."""
    return OPS["sub"](reduce("max", a, axis), reduce("min", a, axis))


def mod_check(x, y):
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if dtypes.kind(x.dtype) == "c" or dtypes.kind(y.dtype) == "c":
        raise TypeError("Theano does not support the mod operator (%) on complex numbers")
    return OPS["mod"](x, y)


def divmod(x, y):  # noqa: A001
    return floor_div(x, y), mod_check(x, y)


def ceil_intdiv(a, b):
    """ceil(a / b) for integers."""
    quotient = floor_div(a, b)
    return OPS["add"](cast(OPS["neq"](OPS["mod"](a, b), 0), quotient.dtype), quotient)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """Covariance matrix of the rows (variables) of ``m`` (NumPy's cov)."""
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not implemented")
    m = as_tensor_variable(m)
    if not rowvar:
        m = m.T
    if y is not None:
        y = as_tensor_variable(y)
        m = concatenate([m, y if rowvar else y.T], axis=0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    centred = OPS["sub"](m, reduce("mean", m, axis=1, keepdims=True))
    products = T.dot(centred, centred.T)
    return T.squeeze(OPS["true_div"](products, OPS["sub"](m.shape[1], ddof)))


# --- shapes and broadcasting ---------------------------------------------------







def swapaxes(y, axis1, axis2):
    y = as_tensor_variable(y)
    order = list(range(y.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return dimshuffle(y, order)








def tile(x, reps, ndim=None):
    """``x`` repeated ``reps[i]`` times along each axis i (NumPy's tile)."""
    x = as_tensor_variable(x)
    if ndim is not None and ndim < x.ndim:
        raise ValueError("ndim should be equal or larger than x.ndim")
    if isinstance(reps, Variable) and reps.ndim == 1:
        if ndim is None:
            raise ValueError("if reps is tensor.vector, you should specify the ndim")
        reps = [reps[i] for i in range(ndim)]
    elif not isinstance(reps, (list, tuple)):
        reps = [reps]
    for r in reps:
        if not (isinstance(r, numbers.Integral) or (isinstance(r, Variable) and r.ndim == 0
                                                    and dtypes.is_discrete(r.dtype))):
            raise ValueError("elements of reps must be scalars of integer dtype")
    reps = list(reps)
    if ndim is not None and len(reps) > ndim:
        raise ValueError("len(reps) should be equal or less than ndim")
    ndim = ndim if ndim is not None else builtins.max(len(reps), x.ndim)
    reps = [1] * (ndim - len(reps)) + reps
    shape = [1] * (ndim - x.ndim) + [x.shape[i] for i in range(x.ndim)]
    # Broadcast to (reps..., shape...), interleave to (r0, s0, r1, s1, ...), merge pairs.
    tiled = alloc(x, *(reps + shape))
    order = [k for d in range(ndim) for k in (d, ndim + d)]
    return reshape(dimshuffle(tiled, order),
                   [OPS["mul"](s, r) for s, r in zip(shape, reps)])


def roll(x, shift, axis=None):
    """Elements shifted cyclically by ``shift`` along ``axis`` (flattened when None)."""
    x = as_tensor_variable(x)
    if axis is None:
        if x.ndim > 1:
            return reshape(roll(flatten(x), shift, axis=0), x.shape)
        axis = 0
    axis = axis % x.ndim
    shift = OPS["mod"](shift, x.shape[axis])
    head = (slice(None),) * axis
    return concatenate([x[head + (slice(OPS["neg"](shift), None),)],
                        x[head + (slice(0, OPS["neg"](shift)),)]], axis=axis)


def split(x, splits_size, n_splits, axis=0):
    """``x`` cut along ``axis`` into ``n_splits`` pieces of ``splits_size``."""
    return Split(n_splits)(x, axis, splits_size)


def stacklists(arg):
    """Nested lists of scalars (or tensors) stacked into one tensor."""
    if isinstance(arg, (tuple, list)):
        return stack([stacklists(a) for a in arg])
    return arg


def horizontal_stack(*args):
    if len(args) < 2 or any(as_tensor_variable(a).ndim != 2 for a in args):
        raise TypeError("horizontal_stack takes two or more matrices")
    return concatenate(args, axis=1)


def vertical_stack(*args):
    if len(args) < 2 or any(as_tensor_variable(a).ndim != 2 for a in args):
        raise TypeError("vertical_stack takes two or more matrices")
    return concatenate(args, axis=0)


def batched_tensordot(x, y, axes=2):
    """tensordot of x[i] and y[i] for each i of the first axis."""
    return BatchedTensorDot(axes)(x, y)


def max_and_argmax(a, axis=None, keepdims=False):
    return reduce("max", a, axis, keepdims), reduce("argmax", a, axis, keepdims)


# --- triangles, diagonals, nonzero, grids, choose -------------------------------

def tri(N, M=None, k=0, dtype=None):
    """An N x M matrix with ones at and below the k-th diagonal."""
    return Tri(dtype or config.floatX)(N, N if M is None else M, k)


def tril(m, k=0):
    """The lower triangle of matrix m, zero above the k-th diagonal."""
    m = as_tensor_variable(m)
    return OPS["mul"](m, tri(m.shape[0], m.shape[1], k=k, dtype=m.dtype))


def triu(m, k=0):
    """The upper triangle of matrix m, zero below the k-th diagonal."""
    m = as_tensor_variable(m)
    return OPS["mul"](m, OPS["sub"](1, tri(m.shape[0], m.shape[1], k=k - 1, dtype=m.dtype)))


def diagonal(a, offset=0, axis1=0, axis2=1):
    return ExtractDiag(offset, axis1, axis2)(a)


def diag(v, k=0):
    """The k-th diagonal of a matrix, or the matrix with vector v on its k-th diagonal."""
    v = as_tensor_variable(v)
    if v.ndim == 1:
        return AllocDiag(k)(v)
    if v.ndim >= 2:
        return diagonal(v, offset=k)
    raise ValueError(f"diag: the input must have v.ndim >= 1, got scalar {v}")


def nonzero(a, return_matrix=False):
    """Indices of the non-zero elements: a tuple of one vector per dimension,
    or with ``return_matrix`` one (ndim, count) matrix."""
    a = as_tensor_variable(a)
    matrix = Nonzero()(a)
    if return_matrix:
        return matrix
    return tuple(matrix[i] for i in range(a.ndim))


def flatnonzero(a):
    a = as_tensor_variable(a)
    if a.ndim == 0:
        raise ValueError("Nonzero only supports non-scalar arrays.")
    return Nonzero()(flatten(a))[0]


def nonzero_values(a):
    a = as_tensor_variable(a)
    return flatten(a)[flatnonzero(a)]


def choose(a, choices, out=None, mode="raise"):
    """``choices[a]`` elementwise (NumPy's choose); ``choices`` a list of
    tensors or one tensor whose first axis indexes them."""
    if out is not None:
        raise ValueError("choose: out is not supported")
    if isinstance(choices, (list, tuple)):
        choices = stack([as_tensor_variable(c) for c in choices])
    return Choose(mode)(a, choices)


def take(a, indices, axis=None, mode="raise"):
    """Elements of ``a`` at ``indices`` along ``axis`` (flattened when None)."""
    a, indices = as_tensor_variable(a), as_tensor_variable(indices)
    if axis is None:
        a, axis = flatten(a), 0
    axis = axis % a.ndim
    if mode == "clip":
        indices = OPS["clip"](indices, 0, OPS["sub"](a.shape[axis], 1))
    elif mode == "wrap":
        indices = OPS["mod"](indices, a.shape[axis])
    elif mode != "raise":
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    return a[(slice(None),) * axis + (indices,)]


class _Grid:
    """``mgrid[0:5, 0:3]`` (dense) and ``ogrid[...]`` (open) grids of ranges."""

    def __init__(self, sparse):
        self.sparse = sparse

    def __getitem__(self, slices):
        slices = slices if isinstance(slices, tuple) else (slices,)
        ndim = len(slices)
        ranges = []
        for j, sl in enumerate(slices):
            r = arange(sl.start or 0, sl.stop, sl.step or 1)
            ranges.append(reshape(r, [1] * j + [r.shape[0]] + [1] * (ndim - 1 - j)))
        if self.sparse:
            return ranges
        grids = []
        for i in range(ndim):
            grid = ranges[i]
            for j in range(ndim):
                if j != i:
                    grid = OPS["mul"](grid, ones_like(ranges[j]))
            grids.append(grid)
        return grids


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


def inverse_permutation(perm):
    """The inverse of each permutation in the last axis of ``perm``."""
    return InversePermutation()(perm)





__all__ = ["addbroadcast", "advanced_inc_subtensor", "advanced_inc_subtensor1",
           "advanced_set_subtensor", "advanced_set_subtensor1", "advanced_subtensor",
           "advanced_subtensor1", "all_dtypes", "allclose", "AllocDiag", "batched_tensordot",
           "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "ceil_intdiv", "Choose",
           "choose", "complex_dtypes", "complex_matrix_types", "complex_scalar_types",
           "complex_types", "complex_vector_types", "continuous_dtypes", "cov", "diag",
           "diagonal", "discrete_dtypes", "divmod", "EmptyConstantError", "extract_constant",
           "ExtractDiag", "flatnonzero", "float_dtypes", "float_matrix_types",
           "float_scalar_types", "float_types", "float_vector_types", "floor_div",
           "get_scalar_constant_value", "get_vector_length", "horizontal_stack", "int_dtypes",
           "int_matrix_types", "int_scalar_types", "int_types", "int_vector_types",
           "integer_dtypes", "inverse_permutation", "InversePermutation", "iround", "isclose",
           "isinf_", "isnan_", "join", "largest", "max_and_argmax", "mgrid", "mod_check",
           "nonzero", "Nonzero", "nonzero_values", "NotScalarConstantError", "ogrid",
           "patternbroadcast", "power", "ptp", "Rebroadcast", "roll",
           "round_half_away_from_zero", "round_half_to_even", "second", "shape_padaxis",
           "shape_padleft", "shape_padright", "smallest", "Split", "split", "square",
           "stacklists", "swapaxes", "take", "tensor_copy", "tile", "tri", "Tri", "tril",
           "triu", "uint_dtypes", "unbroadcast", "vertical_stack"]
