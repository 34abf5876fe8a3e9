"""Linear algebra ops of ``theano.tensor.slinalg`` (SciPy's linalg): cholesky,
solve and its triangular forms, eigvalsh, expm; lowered to ``tf.linalg``.
Dtypes and errors as described in ``tfgraph.ops.nlinalg``."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor, checked
from tfgraph.ops.nlinalg import (LINALG_ERROR, LinalgOp, compute_dtype, matrix_input,
                                 symmetric, tril)
from tfgraph._tf import tf


@tf.custom_gradient
def _expm(a):
    def grad(g):
        # Theano's ExpmGrad, through the eigendecomposition a = V diag(w) V^-1
        # (TensorFlow's own gradient differentiates its Pade loop, and takes
        # seconds to trace).
        w, v = tf.linalg.eig(a)
        u = tf.transpose(tf.linalg.inv(v))
        exp_w = tf.exp(w)
        gaps = w[:, None] - w[None, :]
        # (e^wi - e^wj) / (wi - wj), whose limit at wi = wj is e^wi (Theano's
        # gives NaN for repeated eigenvalues).
        same = tf.equal(gaps, tf.zeros([], gaps.dtype))
        safe = tf.where(same, tf.ones_like(gaps), gaps)
        x = tf.where(same, tf.broadcast_to(exp_w[:, None], tf.shape(gaps)),
                     (exp_w[:, None] - exp_w[None, :]) / safe)
        vt = tf.transpose(v)
        inner = tf.matmul(tf.matmul(vt, tf.cast(g, w.dtype)), u) * x
        result = tf.matmul(tf.matmul(u, inner), vt)
        return tf.cast(tf.math.real(result), a.dtype) if not a.dtype.is_complex else result
    return _expm_pade13(a), grad


# Higham's scaling and squaring with a degree-13 Pade approximant (as SciPy's
# expm): a few matmuls and one solve, plus a loop of squarings. Much smaller
# to trace than tf.linalg.expm, which builds every Pade order.
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm_pade13(a):
    b = _PADE13
    norm = tf.reduce_max(tf.reduce_sum(tf.abs(a), axis=0))
    squarings = tf.maximum(tf.math.ceil(tf.math.log(norm / _THETA13) / tf.math.log(
        tf.constant(2.0, norm.dtype))), 0)
    squarings = tf.where(tf.math.is_finite(squarings), squarings, tf.zeros_like(squarings))
    a = a / tf.cast(tf.pow(tf.constant(2.0, norm.dtype), squarings), a.dtype)
    eye = tf.eye(tf.shape(a)[0], dtype=a.dtype)
    a2 = tf.matmul(a, a)
    a4 = tf.matmul(a2, a2)
    a6 = tf.matmul(a4, a2)
    u = tf.matmul(a, tf.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
                  + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = tf.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) \
        + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    result = tf.linalg.solve(v - u, v + u)
    _, result = tf.while_loop(lambda i, r: i < tf.cast(squarings, tf.int32),
                              lambda i, r: (i + 1, tf.matmul(r, r)), (tf.constant(0), result))
    return result


class Expm(LinalgOp):
    name = "expm"
    square = True

    def compute(self, x, ctx):
        return _expm(x)


def _cholesky_grad(chol, dz):
    """Theano's Cholesky.L_op (Murray 2016): only the lower triangle of x is
    read, so only it gets a gradient (TensorFlow's symmetrises instead)."""
    def tril_halved(m):
        return tril(m) - tf.linalg.diag(tf.linalg.diag_part(m) / 2)
    inner = tril_halved(tf.matmul(chol, dz, transpose_a=True))
    upper = tf.transpose(chol)
    step = tf.transpose(tf.linalg.triangular_solve(upper, tf.transpose(inner), lower=False))
    s = tf.linalg.triangular_solve(upper, step, lower=False)
    return tril(s + tf.transpose(s)) - tf.linalg.diag(tf.linalg.diag_part(s))


def _failed(chol):
    """Whether TensorFlow's Cholesky failed: it does not raise, but leaves
    NaNs on the factor's diagonal (and garbage above it)."""
    return tf.reduce_any(tf.math.is_nan(tf.math.real(tf.linalg.diag_part(chol))))


@tf.custom_gradient
def _cholesky_lower(x):
    chol = tf.linalg.cholesky(x)
    return chol, lambda dz: _cholesky_grad(chol, dz)


@tf.custom_gradient
def _cholesky_lower_or_nan(x):
    """The lower factor, or NaNs (and a gradient of NaNs) when x is not
    positive definite: Theano's ``on_error='nan'``."""
    chol = tf.linalg.cholesky(x)
    failed = _failed(chol)
    nans = tf.fill(tf.shape(x), tf.constant(float("nan"), x.dtype))

    def grad(dz):
        # As Theano: a factor of ones stands in for the failed one, and NaNs
        # replace its gradient.
        safe = tf.where(failed, tf.eye(tf.shape(x)[0], dtype=x.dtype), chol)
        return tf.where(failed, nans, _cholesky_grad(safe, dz))
    return tf.where(failed, nans, chol), grad


class Cholesky(LinalgOp):
    """The lower (or upper) triangular L with L L^T = x, read from the lower
    triangle of x; ``on_error='nan'`` gives NaNs where 'raise' raises."""
    name = "cholesky"
    square = True

    def __init__(self, lower=True, on_error="raise"):
        if on_error not in ("raise", "nan"):
            raise ValueError('on_error must be one of "raise" or "nan"')
        # (Theano's ``lower`` attribute; the name is taken by Op.lower here.)
        self.lower_factor, self.on_error = bool(lower), on_error

    def compute(self, x, ctx):
        if not self.lower_factor:
            # SciPy's upper factor reads x's upper triangle: U = L(x^T)^T.
            x = tf.transpose(x)
        if self.on_error == "nan":
            chol = _cholesky_lower_or_nan(x)
        else:
            chol = _cholesky_lower(x)
            chol = checked(ctx, chol, tf.logical_not(_failed(chol)),
                           f"{LINALG_ERROR}Matrix is not positive definite")
        return chol if self.lower_factor else tf.transpose(chol)


_STRUCTURES = ("general", "symmetric", "lower_triangular", "upper_triangular")


def solve_dtype(a_dtype, b_dtype):
    """SciPy's solve: LAPACK's promotion of the two (integers -> float64)."""
    return compute_dtype(dtypes.upcast(a_dtype, b_dtype))


class Solve(Op):
    """x with a x = b, for a square ``a`` and a vector or matrix ``b``;
    ``A_structure`` 'lower_triangular' / 'upper_triangular' use a triangular
    solve (SciPy's solve_triangular), 'general' and 'symmetric' an LU one."""

    def __init__(self, A_structure="general", lower=False, overwrite_A=False,
                 overwrite_b=False, trans=0, unit_diagonal=False):
        if A_structure not in _STRUCTURES:
            raise ValueError(f"Invalid matrix structure argument {A_structure!r}; use one of "
                             f"{_STRUCTURES}")
        self.A_structure, self.lower_flag = A_structure, lower
        self.overwrite_A, self.overwrite_b = overwrite_A, overwrite_b
        self.trans, self.unit_diagonal = trans, unit_diagonal
        self.name = "solve" if A_structure in ("general", "symmetric") else "solve_triangular"

    def can_fail(self, node):
        # A singular a: TensorFlow's LU kernel raises, XLA's does not (the
        # triangular solves check their diagonal themselves: a rule).
        return self.A_structure in ("general", "symmetric")

    def make_node(self, a, b):
        a = matrix_input(a, f"{self.name}: a", square=True)
        b = as_tensor_variable(b)
        if b.ndim not in (1, 2):
            raise TypeError(f"{self.name}: b must be a vector or a matrix, got {b} with "
                            f"{b.ndim} dimensions")
        return Apply(self, [a, b], [TensorType(solve_dtype(a.dtype, b.dtype), b.broadcastable)])

    def lower(self, node, inputs, ctx):
        dtype = node.outputs[0].dtype
        a, b = (cast_tensor(t, dtype) for t in inputs)
        vector = node.inputs[1].ndim == 1
        rhs = b[:, None] if vector else b
        if self.A_structure in ("general", "symmetric"):
            x = tf.linalg.solve(a, rhs)
        else:
            lower = self.A_structure == "lower_triangular"
            if self.unit_diagonal:
                a = tf.linalg.set_diag(a, tf.ones_like(tf.linalg.diag_part(a)))
            adjoint = self.trans in (1, 2, "T", "C")
            a = checked(ctx, a, tf.not_equal(tf.linalg.diag_part(a), tf.zeros([], a.dtype)),
                        f"{LINALG_ERROR}singular matrix: a zero on the diagonal of a")
            x = tf.linalg.triangular_solve(a, rhs, lower=lower, adjoint=adjoint)
        return [x[:, 0] if vector else x]


class Eigvalsh(Op):
    """Eigenvalues of symmetric ``a`` (ascending), or of the generalized
    problem a v = w b v with ``b`` symmetric positive definite; both read
    from their lower (``lower=True``) or upper triangle."""
    name = "eigvalsh"

    def __init__(self, lower=True):
        self.from_lower = bool(lower)

    def make_node(self, a, b=None):
        a = matrix_input(a, "eigvalsh: a", square=True)
        if b is None:
            return Apply(self, [a], [TensorType(a.dtype, (False,))])
        b = matrix_input(b, "eigvalsh: b", square=True)
        return Apply(self, [a, b], [TensorType(dtypes.upcast(a.dtype, b.dtype), (False,))])

    def lower(self, node, inputs, ctx):
        dtype = compute_dtype(node.outputs[0].dtype)
        a = symmetric(cast_tensor(inputs[0], dtype), self.from_lower)
        if len(inputs) == 1:
            return [cast_tensor(tf.linalg.eigvalsh(a), node.outputs[0].dtype)]
        b = symmetric(cast_tensor(inputs[1], dtype), self.from_lower)
        chol = Cholesky().compute(b, ctx)  # raises if b is not positive definite
        # L^-1 a L^-T has the generalized problem's eigenvalues.
        half = tf.linalg.triangular_solve(chol, a, lower=True)
        c = tf.linalg.triangular_solve(chol, tf.linalg.adjoint(half), lower=True)
        return [cast_tensor(tf.linalg.eigvalsh(symmetric(c)), node.outputs[0].dtype)]
