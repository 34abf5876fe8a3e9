"""Operators and NumPy-like methods of symbolic tensors, as in Theano
(``theano.tensor.var``: ``TensorVariable``, ``TensorConstant``)."""
import numpy as np

from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.graph import Constant as TensorConstant  # noqa: F401
from tfgraph.graph import TensorVariable
from tfgraph.ops.base import AsTensorError
from tfgraph.ops.elemwise import OPS, TABLES
from tfgraph.ops.shape import get_vector_length
from tfgraph.ops.subtensor import getitem


def _operator(name, reflected=False):
    def apply(self, other):
        try:
            return OPS[name](other, self) if reflected else OPS[name](self, other)
        except AsTensorError:
            # As Theano: Python then asks ``other`` (a sparse matrix's operators
            # take a tensor), or says the operand is not supported.
            return NotImplemented
    return apply


for _symbol, _name in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "true_div"),
                       ("floordiv", "int_div"), ("mod", "mod"), ("pow", "pow"),
                       ("and", "and_"), ("or", "or_"), ("xor", "xor")]:
    setattr(TensorVariable, f"__{_symbol}__", _operator(_name))
    setattr(TensorVariable, f"__r{_symbol}__", _operator(_name, reflected=True))
def _comparison(name):
    def compare(self, other):
        result = _operator(name)(self, other)
        if result is NotImplemented:
            return result
        result._is_nonzero = False  # bool() of it raises (see TensorVariable.__bool__)
        return result
    return compare


for _symbol, _name in [("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")]:
    setattr(TensorVariable, f"__{_symbol}__", _comparison(_name))


# NumPy's ufuncs called on a symbolic tensor give the symbolic op, as with
# Theano 1.0, whose variables NumPy treated as objects with methods:
# numpy.exp(x) is T.exp(x), and ndarray * x is T.mul(ndarray, x). np.equal and
# np.not_equal are left out, so that ndarray == x stays Python's comparison.
_UFUNCS = {
    np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "true_div",
    np.floor_divide: "int_div", np.remainder: "mod", np.power: "pow", np.maximum: "maximum",
    np.minimum: "minimum", np.less: "lt", np.greater: "gt", np.less_equal: "le",
    np.greater_equal: "ge", np.bitwise_and: "and_", np.bitwise_or: "or_",
    np.bitwise_xor: "xor", np.invert: "invert", np.negative: "neg", np.absolute: "abs_",
    np.sign: "sgn", np.square: "sqr", np.exp: "exp", np.expm1: "expm1", np.log: "log",
    np.log1p: "log1p", np.log2: "log2", np.log10: "log10", np.sqrt: "sqrt", np.sin: "sin",
    np.cos: "cos", np.tan: "tan", np.arcsin: "arcsin", np.arccos: "arccos",
    np.arctan: "arctan", np.sinh: "sinh", np.cosh: "cosh", np.tanh: "tanh",
    np.floor: "floor", np.ceil: "ceil", np.rint: "round_half_to_even", np.isnan: "isnan",
    np.isinf: "isinf", np.arccosh: "arccosh", np.arcsinh: "arcsinh", np.arctanh: "arctanh",
    np.arctan2: "arctan2", np.deg2rad: "deg2rad", np.rad2deg: "rad2deg", np.exp2: "exp2",
    np.reciprocal: "inv", np.trunc: "trunc", np.conjugate: "conj",
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if ufunc in (np.equal, np.not_equal) and method == "__call__" and len(inputs) == 2:
        return (inputs[0] is inputs[1]) == (ufunc is np.equal)
    name = _UFUNCS.get(ufunc)
    if method != "__call__" or name is None or kwargs:
        return NotImplemented
    if name in ("lt", "le", "gt", "ge"):
        return _comparison(name)(*inputs)
    return TABLES[name](*inputs)


TensorVariable.__array_ufunc__ = _array_ufunc


def equal_slices(s1, s2):
    """Whether slices ``s1`` and ``s2`` have the same start, stop and step."""
    return s1.start == s2.start and s1.stop == s2.stop and s1.step == s2.step


class _Methods:
    """Copied onto TensorVariable below; each forwards to tfgraph.tensor."""

    def __neg__(self):
        return OPS["neg"](self)

    def __pos__(self):
        return self

    def __abs__(self):
        return OPS["abs_"](self)

    def __invert__(self):
        return OPS["invert"](self)

    def __getitem__(self, index):
        return getitem(self, index)

    def __iter__(self):
        """The entries of a vector whose length the graph fixes (``rows, cols =
        x.shape``), as Theano 1.0 allowed; TypeError for any other."""
        try:
            length = get_vector_length(self)
        except (TypeError, ValueError):
            raise TypeError(f"{self} is symbolic and cannot be iterated over (its length is "
                            f"not known before the graph runs); index it instead. Maybe you "
                            f"are using builtin sum instead of T.sum?") from None
        return (self[i] for i in range(length))

    def __matmul__(self, other):
        return T.dot(self, other)

    def __rmatmul__(self, other):
        return T.dot(other, self)

    shape = property(lambda self: T.shape(self))
    size = property(lambda self: T.prod(self.shape))
    T = property(lambda self: T.transpose(self))

    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return T.sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return T.prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return T.mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def max(self, axis=None, keepdims=False):
        return T.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return T.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return T.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return T.argmin(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return T.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return T.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return T.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return T.any(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return T.dot(self, other)

    def reshape(self, shape, ndim=None):
        return T.reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1):
        return T.flatten(self, ndim)

    def dimshuffle(self, *pattern):
        return T.dimshuffle(self, *pattern)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return T.transpose(self, axes or None)

    def squeeze(self):
        return T.squeeze(self)

    def astype(self, dtype):
        return T.cast(self, dtype)

    def clip(self, a_min, a_max):
        return OPS["clip"](self, a_min, a_max)

    def round(self, mode="half_away_from_zero"):
        return T.round(self, mode)

    def zeros_like(self, dtype=None):
        return T.zeros_like(self, dtype)

    def ones_like(self, dtype=None):
        return T.ones_like(self, dtype)

    def copy(self, name=None):
        return OPS["add"](self, 0) if name is None else _named(OPS["add"](self, 0), name)

    def nonzero_values(self):
        return self[OPS["neq"](self, 0)]


def _named(var, name):
    var.name = name
    return var


for _key, _value in vars(_Methods).items():
    if not _key.startswith("__") or _key in (
            "__neg__", "__pos__", "__abs__", "__invert__", "__getitem__", "__iter__",
            "__matmul__", "__rmatmul__"):
        setattr(TensorVariable, _key, _value)
