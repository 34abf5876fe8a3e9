"""More NumPy-like methods of symbolic tensors, as Theano 1.0's
``_tensor_py_operators`` has them (sort, cumsum, diagonal, take, ...)."""
from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.graph import TensorVariable
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.special import OPS as SPECIAL


class _Methods:
    real = property(lambda self: SPECIAL["real"](self))
    imag = property(lambda self: SPECIAL["imag"](self))

    def ravel(self):
        return T.flatten(self)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return T.diagonal(self, offset, axis1, axis2)

    def take(self, indices, axis=None, mode="raise"):
        return T.take(self, indices, axis, mode)

    def norm(self, L, axis=None, keepdims=False):
        if L == 0 or L in (float("inf"), float("-inf")):
            raise NotImplementedError(f"norm of order {L} is not implemented")
        summed = T.sum(T.pow(abs(self), L), axis=axis, keepdims=keepdims)
        return T.pow(summed, 1.0 / L)

    def nonzero(self, return_matrix=False):
        return T.nonzero(self, return_matrix=return_matrix)

    def sort(self, axis=-1, kind="quicksort", order=None):
        return T.sort(self, axis, kind, order)

    def argsort(self, axis=-1, kind="quicksort", order=None):
        return T.argsort(self, axis, kind, order)

    def conj(self):
        return SPECIAL["conj"](self)

    conjugate = conj

    def repeat(self, repeats, axis=None):
        return T.extra_ops.repeat(self, repeats, axis)

    def trace(self):
        return T.nlinalg.trace(self)

    def get_scalar_constant_value(self):
        return T.get_scalar_constant_value(self)

    def cumsum(self, axis=None):
        return T.extra_ops.cumsum(self, axis)

    def cumprod(self, axis=None):
        return T.extra_ops.cumprod(self, axis)

    def searchsorted(self, v, side="left", sorter=None):
        return T.extra_ops.searchsorted(self, v, side, sorter)

    def ptp(self, axis=None):
        return T.ptp(self, axis)

    def swapaxes(self, axis1, axis2):
        return T.swapaxes(self, axis1, axis2)

    def fill(self, value):
        return T.fill(self, value)

    def choose(self, choices, out=None, mode="raise"):
        return T.choose(self, choices, out, mode)

    def compress(self, a, axis=None):
        return T.extra_ops.compress(self, a, axis=axis)


def _unary(op):
    return lambda self: op(self)


for _key, _value in vars(_Methods).items():
    if not _key.startswith("__"):
        setattr(TensorVariable, _key, _value)
for _name in ("arccos", "arcsin", "arctan", "ceil", "cos", "cosh", "exp", "expm1", "floor",
              "log", "log10", "log1p", "log2", "sin", "sinh", "sqrt", "tan", "tanh"):
    setattr(TensorVariable, _name, _unary(OPS[_name]))
for _name in ("arccosh", "arcsinh", "arctanh", "deg2rad", "exp2", "rad2deg", "trunc"):
    setattr(TensorVariable, _name, _unary(SPECIAL[_name]))
