"""Operators and NumPy-like methods of symbolic tensors, as in Theano."""
from tfgraph.graph import TensorVariable
from tfgraph.ops.base import AsTensorError
from tfgraph.ops.elemwise import OPS
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


def _T():
    import tfgraph.tensor as T
    return T


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

    def __matmul__(self, other):
        return _T().dot(self, other)

    def __rmatmul__(self, other):
        return _T().dot(other, self)

    shape = property(lambda self: _T().shape(self))
    size = property(lambda self: _T().prod(self.shape))
    T = property(lambda self: _T().transpose(self))

    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().prod(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _T().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _T().min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _T().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _T().argmin(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _T().var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _T().std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _T().all(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _T().any(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return _T().dot(self, other)

    def reshape(self, shape, ndim=None):
        return _T().reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1):
        return _T().flatten(self, ndim)

    def dimshuffle(self, *pattern):
        return _T().dimshuffle(self, *pattern)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return _T().transpose(self, axes or None)

    def squeeze(self):
        return _T().squeeze(self)

    def astype(self, dtype):
        return _T().cast(self, dtype)

    def clip(self, a_min, a_max):
        return OPS["clip"](self, a_min, a_max)

    def round(self, mode="half_away_from_zero"):
        return _T().round(self, mode)

    def zeros_like(self, dtype=None):
        return _T().zeros_like(self, dtype)

    def ones_like(self, dtype=None):
        return _T().ones_like(self, dtype)

    def copy(self, name=None):
        return OPS["add"](self, 0) if name is None else _named(OPS["add"](self, 0), name)

    def nonzero_values(self):
        return self[OPS["neq"](self, 0)]


def _named(var, name):
    var.name = name
    return var


for _key, _value in vars(_Methods).items():
    if not _key.startswith("__") or _key in (
            "__neg__", "__pos__", "__abs__", "__invert__", "__getitem__",
            "__matmul__", "__rmatmul__"):
        setattr(TensorVariable, _key, _value)
