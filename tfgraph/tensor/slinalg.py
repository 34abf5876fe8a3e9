"""``theano.tensor.slinalg``: SciPy's linear algebra on symbolic matrices."""
import tfgraph.tensor as T
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.shape import concatenate, dimshuffle, flatten, reshape
from tfgraph.ops.slinalg import Cholesky, Eigvalsh, Expm, Solve  # noqa: F401
from tfgraph.tensor.arrays import get_vector_length  # noqa: F401
from tfgraph.tensor.basic_extras import NoneConst
from tfgraph.tensor.tape_gradient import TapeGradient

MATRIX_STRUCTURES = ("general", "symmetric", "lower_triangular", "upper_triangular")

cholesky = Cholesky()
solve = Solve()
solve_lower_triangular = Solve(A_structure="lower_triangular", lower=True)
solve_upper_triangular = Solve(A_structure="upper_triangular", lower=False)
solve_symmetric = Solve(A_structure="symmetric")
expm = Expm()


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False):
    """x with a x = b for triangular ``a`` (SciPy's solve_triangular: ``trans``
    1 or 'T' solves a^T x = b; ``unit_diagonal`` takes a's diagonal as ones)."""
    structure = "lower_triangular" if lower else "upper_triangular"
    return Solve(structure, lower=lower, trans=trans, unit_diagonal=unit_diagonal)(a, b)


def eigvalsh(a, b, lower=True):
    """Eigenvalues of symmetric ``a``, or of a v = w b v (``b`` positive
    definite); ``b`` None (or Theano's ``NoneConst``) for the standard problem."""
    return Eigvalsh(lower)(a) if b is None or b is NoneConst else Eigvalsh(lower)(a, b)


def kron(a, b):
    """The Kronecker product (SciPy's kron for matrices; a.ndim + b.ndim must be >= 3)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim + b.ndim <= 2:
        raise TypeError(f"kron: inputs dimensions must sum to 3 or more. You passed "
                        f"{a.ndim} and {b.ndim}.")
    o = reshape(T.outer(a, b), concatenate([a.shape, b.shape]), a.ndim + b.ndim)
    if o.ndim == 3:
        return flatten(dimshuffle(o, 1, 0, 2))
    shuffled = dimshuffle(o, 0, 2, 1, *range(3, o.ndim))
    return reshape(shuffled, [o.shape[0] * o.shape[2], o.shape[1] * o.shape[3]]
                   + [o.shape[i] for i in range(4, o.ndim)])


class CholeskyGrad(TapeGradient):
    """``CholeskyGrad(lower)(x, L, dz)``: the gradient through ``cholesky(x)``
    (whose value is ``L``) of output gradient ``dz``."""
    __props__ = ("lower_triangle",)
    FORWARD, GRADS, WRT = (0,), (2,), (0,)

    def __init__(self, lower=True):
        self.lower_triangle = lower   # (``lower`` is the op's lowering)

    def forward_op(self):
        return Cholesky(self.lower_triangle)


class EigvalshGrad(TapeGradient):
    """``EigvalshGrad(lower)(a, b, gw)``: the gradients with respect to ``a``
    and ``b`` through ``eigvalsh(a, b)`` of output gradient ``gw``."""
    __props__ = ("lower_triangle",)
    FORWARD, GRADS, WRT = (0, 1), (2,), (0, 1)

    def __init__(self, lower=True):
        self.lower_triangle = lower

    def forward_op(self):
        return Eigvalsh(self.lower_triangle)

imported_scipy = True   # Theano's flag of SciPy having imported: tfgraph requires SciPy
