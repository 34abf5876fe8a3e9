"""``theano.tensor.nlinalg``: NumPy's linear algebra on symbolic matrices."""
import numbers

from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.linalg import Dot
from tfgraph.ops.nlinalg import (QR, SVD, Det, Eig, Eigh, MatrixInverse,  # noqa: F401
                                 MatrixPinv, lstsq, matrix_input)
from tfgraph.ops.reduce import reduce
from tfgraph.ops.shape import reshape, transpose
from tfgraph.ops.slinalg import Solve
from tfgraph.ops.structure import AllocDiag, ExtractDiag  # noqa: F401
from tfgraph.gradient import DisconnectedType
from tfgraph.ops.shape import zeros_like
from tfgraph.tensor.arrays import nonzero
from tfgraph.tensor.tape_gradient import TapeGradient

matrix_inverse = MatrixInverse()
pinv = MatrixPinv()
det = Det()
eig = Eig()
alloc_diag = AllocDiag()
extract_diag = ExtractDiag()
QRFull = QRIncomplete = QR


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of symmetric ``a``."""
    return Eigh(UPLO)(a)


def qr(a, mode="reduced"):
    """q, r with a = q r ('reduced', 'complete'), or r alone ('r')."""
    return QR(mode)(a)


def svd(a, full_matrices=1, compute_uv=1):
    """u, s, vt with a = u diag(s) vt; s alone without ``compute_uv``."""
    return SVD(full_matrices, compute_uv)(a)


def matrix_dot(*args):
    """The matrix product of all arguments, left to right."""
    result = args[0]
    for a in args[1:]:
        result = Dot()(result, a)
    return result


def diag(x):
    """The diagonal of a matrix, or the square matrix with vector x on its diagonal."""
    x = as_tensor_variable(x)
    if x.ndim == 1:
        return alloc_diag(x)
    if x.ndim == 2:
        return extract_diag(x)
    raise TypeError(f"diag requires vector or matrix argument, got {x} ({x.type})")


def trace(X):
    """The sum of the diagonal of matrix X."""
    return reduce("sum", extract_diag(matrix_input(X, "trace: X")))


def matrix_power(M, n):
    """M raised to the non-negative Python int power n (1 when n is 0, as Theano)."""
    if not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"matrix_power: n must be a non-negative Python int, got {n!r}")
    if n == 0:
        return 1
    result = as_tensor_variable(M)
    for _ in range(n - 1):
        result = Dot()(result, M)
    return result


def norm(x, ord):  # noqa: A002
    """Vector norms (None: 2-norm, 'inf', '-inf', 0 and p) and matrix norms
    (None / 'fro', 'inf', '-inf', 1, -1), as Theano's."""
    x = as_tensor_variable(x)
    absolute = OPS["abs_"]
    if x.ndim == 0:
        raise ValueError("'axis' entry is out of bounds.")
    if x.ndim == 1:
        if ord is None:
            return OPS["pow"](reduce("sum", OPS["sqr"](x)), 0.5)
        if ord == "inf":
            return reduce("max", absolute(x))
        if ord == "-inf":
            return reduce("min", absolute(x))
        if ord == 0:
            return nonzero(x)[0].shape[0]
        if isinstance(ord, str):
            raise ValueError("Invalid norm order for vectors.")
        return OPS["pow"](reduce("sum", absolute(OPS["pow"](x, ord))), 1.0 / ord)
    if x.ndim == 2:
        if ord is None or ord == "fro":
            return OPS["pow"](reduce("sum", absolute(OPS["sqr"](x))), 0.5)
        rows, cols = reduce("sum", absolute(x), axis=1), reduce("sum", absolute(x), axis=0)
        choices = {"inf": ("max", rows), "-inf": ("min", rows), 1: ("max", cols),
                   -1: ("min", cols)}
        if ord not in choices:
            raise ValueError(f"Invalid norm order {ord!r} for matrices.")
        kind, sums = choices[ord]
        return reduce(kind, sums)
    raise NotImplementedError("We don't support norm with ndim > 2")


def tensorinv(a, ind=2):
    """The inverse of ``a`` for tensordot over its first ``ind`` axes."""
    a = as_tensor_variable(a)
    shape = a.shape
    rows = reduce("prod", shape[:ind])
    inverse = matrix_inverse(reshape(a, [rows, OPS["int_div"](reduce("prod", shape), rows)]))
    return reshape(inverse, [shape[i] for i in range(ind, a.ndim)] +
                   [shape[i] for i in range(ind)])


def tensorsolve(a, b, axes=None):
    """x with tensordot(a, x, b.ndim) = b."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if axes is not None:
        moved = [d for d in range(a.ndim) if d not in [x % a.ndim for x in axes]]
        a = transpose(a, moved + [x % a.ndim for x in axes])
    rest = [a.shape[i] for i in range(b.ndim, a.ndim)]
    rows = reduce("prod", b.shape) if b.ndim else 1
    square = reshape(a, [rows, OPS["int_div"](reduce("prod", a.shape), rows)])
    solution = Solve()(square, reshape(b, [rows]))
    return reshape(solution, rest)


class TensorInv:
    """Theano's op class: ``TensorInv(ind=2)(a)`` is ``tensorinv(a, ind)``."""
    __props__ = ("ind",)

    def __init__(self, ind=2):
        self.ind = int(ind)

    def __call__(self, a):
        return tensorinv(a, self.ind)


class TensorSolve:
    """Theano's op class: ``TensorSolve(axes=None)(a, b)`` is ``tensorsolve(a, b, axes)``."""
    __props__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = axes

    def __call__(self, a, b):
        return tensorsolve(a, b, self.axes)


class EighGrad(TapeGradient):
    """``EighGrad(UPLO)(x, w, v, gw, gv)``: the gradient through ``eigh(x)``
    (whose values are ``w``, ``v``) of output gradients ``gw`` and ``gv``
    (lower-triangular for 'L', as eigh reads that triangle only)."""
    __props__ = ("UPLO",)
    FORWARD, GRADS, WRT = (0,), (3, 4), (0,)

    def __init__(self, UPLO="L"):
        self.UPLO = UPLO

    def forward_op(self):
        return Eigh(self.UPLO)


def _zero_disconnected(outputs, grads):
    """``grads`` with each disconnected one (DisconnectedType) replaced by
    zeros shaped as its output."""
    return [zeros_like(o) if isinstance(g.type, DisconnectedType) else g
            for o, g in zip(outputs, grads)]
