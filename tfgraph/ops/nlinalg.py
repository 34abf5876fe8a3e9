"""Linear algebra ops of ``theano.tensor.nlinalg`` (NumPy's linalg), lowered
to ``tf.linalg``, and what they share with ``tfgraph.ops.slinalg``.

Output dtypes follow Theano's ops, which mostly keep the input's dtype
(an integer matrix's inverse is computed in float64 and cast back, as
Theano's ``np.linalg.inv(x).astype(x.dtype)``). A failure NumPy or SciPy
reports as ``LinAlgError`` (a singular matrix to ``matrix_inverse`` or
``solve``, a matrix that is not positive definite to ``cholesky``) raises
``tfgraph.compile.errors.ExecutionLinAlgError``, a ``numpy.linalg.LinAlgError``
with NumPy's or SciPy's words.
"""
import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph._tf import tf

# Marks a run-time check's message so the error reads as NumPy's LinAlgError
# (see tfgraph.compile.errors).
LINALG_ERROR = "LinAlgError: "


def compute_dtype(dtype):
    """The dtype tf.linalg computes a ``dtype`` matrix in."""
    if dtypes.kind(dtype) == "c":
        return dtype
    return {"float32": "float32", "float64": "float64"}.get(dtype, "float32" if dtype == "float16"
                                                          else "float64")


def matrix_input(x, what, square=False):
    """``x`` as a symbolic matrix, or a TypeError naming ``what``; with
    ``square``, a ValueError for a constant that is not square."""
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"{what} must be a matrix (2 dimensions), got {x} with {x.ndim} "
                        f"({x.type})")
    if dtypes.kind(x.dtype) == "b":
        raise TypeError(f"{what} must be numeric, got {x} ({x.type})")
    if square:
        shape = x.data.shape if isinstance(x, Constant) else None
        if shape is not None and shape[0] != shape[1]:
            raise ValueError(f"{what} must be a square matrix, got shape {shape}")
    return x


def as_compute(t, dtype):
    return cast_tensor(t, compute_dtype(dtype))


class LinalgOp(Op):
    """One matrix in, outputs of the types ``output_types(x)``; the lowering
    computes in ``compute_dtype`` and casts each output to its type."""
    square = False
    argument = "x"

    def output_types(self, x):
        return [x.type]

    def make_node(self, x):
        x = matrix_input(x, f"{self.name}: {self.argument}", self.square)
        return Apply(self, [x], self.output_types(x))

    def lower(self, node, inputs, ctx):
        x = as_compute(inputs[0], node.inputs[0].dtype)
        results = self.compute(x, ctx)
        results = results if isinstance(results, (list, tuple)) else [results]
        return [cast_tensor(r, out.dtype) for r, out in zip(results, node.outputs)]

    def compute(self, x, ctx):
        raise NotImplementedError


class MatrixInverse(LinalgOp):
    name = "matrix_inverse"
    square = True

    def compute(self, x, ctx):
        return tf.linalg.inv(x)

    def can_fail(self, node):
        return True   # a singular matrix: TensorFlow's kernel raises, XLA's does not


@tf.custom_gradient
def _pinv(x):
    z = tf.linalg.pinv(x)

    def grad(gz):
        # Theano's MatrixPinv.L_op (Moore-Penrose derivative), also right
        # where the rank is deficient.
        xz, zx = tf.matmul(x, z), tf.matmul(z, x)
        eye_xz = tf.eye(tf.shape(xz)[0], dtype=x.dtype) - xz
        eye_zx = tf.eye(tf.shape(zx)[0], dtype=x.dtype) - zx
        zt = tf.transpose(z)
        return tf.transpose(-tf.matmul(tf.matmul(z, tf.transpose(gz)), z)
                            + tf.matmul(tf.matmul(tf.matmul(z, zt), gz), eye_xz)
                            + tf.matmul(tf.matmul(tf.matmul(eye_zx, gz), zt), z))
    return z, grad


class MatrixPinv(LinalgOp):
    name = "pinv"

    def compute(self, x, ctx):
        return _pinv(x)


class Det(LinalgOp):
    name = "det"
    square = True

    def output_types(self, x):
        return [TensorType(x.dtype, ())]

    def compute(self, x, ctx):
        return tf.linalg.det(x)


class Eig(LinalgOp):
    """Eigenvalues and right eigenvectors; Theano casts NumPy's (possibly
    complex) results to the input's dtype, keeping the real part."""
    name = "eig"
    square = True

    def output_types(self, x):
        return [TensorType(x.dtype, (False,)), TensorType(x.dtype, (False, False))]

    def compute(self, x, ctx):
        w, v = tf.linalg.eig(x)
        if not x.dtype.is_complex:
            w, v = tf.math.real(w), tf.math.real(v)
        return [w, v]


class Eigh(LinalgOp):
    """Eigenvalues (ascending) and eigenvectors of a symmetric/Hermitian
    matrix, read from its lower (UPLO='L') or upper ('U') triangle."""
    name = "eigh"
    square = True

    def __init__(self, UPLO="L"):
        if UPLO not in ("L", "U"):
            raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def output_types(self, x):
        # NumPy's eigh: real eigenvalues, float32 for float32/complex64 input.
        w_dtype = "float32" if x.dtype in ("float16", "float32", "complex64") else "float64"
        return [TensorType(w_dtype, (False,)), TensorType(x.dtype, (False, False))]

    def compute(self, x, ctx):
        if self.UPLO == "U":  # tf.linalg.eigh reads the lower triangle
            x = tf.linalg.adjoint(x)
        w, v = tf.linalg.eigh(x)
        if self.UPLO == "U" and x.dtype.is_complex:
            v = tf.math.conj(v)
        return [w, v]


class QR(LinalgOp):
    """q, r (modes 'reduced', 'complete') or r alone (mode 'r')."""
    name = "qr"

    def __init__(self, mode="reduced"):
        if mode not in ("reduced", "complete", "r"):
            raise NotImplementedError(
                f"qr: mode {mode!r} is not supported (TensorFlow exposes no Householder "
                f"reflectors for 'raw'); use 'reduced', 'complete' or 'r'")
        self.mode = mode

    def output_types(self, x):
        count = 1 if self.mode == "r" else 2
        return [TensorType(x.dtype, (False, False))] * count

    def compute(self, x, ctx):
        q, r = tf.linalg.qr(x, full_matrices=self.mode == "complete")
        return [r] if self.mode == "r" else [q, r]


class SVD(LinalgOp):
    """u, s, vt (NumPy's order), or s alone without ``compute_uv``."""
    name = "svd"

    def __init__(self, full_matrices=True, compute_uv=True):
        self.full_matrices, self.compute_uv = bool(full_matrices), bool(compute_uv)

    def output_types(self, x):
        s = TensorType(x.dtype, (False,))
        if not self.compute_uv:
            return [s]
        return [TensorType(x.dtype, (False, False)), s, TensorType(x.dtype, (False, False))]

    def compute(self, x, ctx):
        if not self.compute_uv:
            return [tf.linalg.svd(x, compute_uv=False)]
        s, u, v = tf.linalg.svd(x, full_matrices=self.full_matrices)
        return [u, s, tf.linalg.adjoint(v)]


def tril(x):
    return tf.linalg.band_part(x, -1, 0)


def symmetric(m, lower=True):
    """The symmetric (Hermitian) matrix of m's lower (upper) triangle."""
    part = tril(m) if lower else tf.linalg.band_part(m, 0, -1)
    return part + tf.linalg.adjoint(part) - tf.linalg.diag(tf.linalg.diag_part(m))


class lstsq(Op):  # noqa: N801  (Theano's name: ``lstsq()(x, y, rcond)``)
    """NumPy's least squares: solution, residuals (sums of squared residuals,
    empty unless x has full column rank and more rows than columns), rank,
    and x's singular values; singular values up to ``rcond`` times the
    largest count as zero (machine precision when ``rcond`` <= 0 or >= 1)."""
    name = "lstsq"

    def make_node(self, x, y, rcond):
        x = matrix_input(x, "lstsq: x")
        y, rcond = as_tensor_variable(y), as_tensor_variable(rcond)
        if y.ndim not in (1, 2):
            raise TypeError(f"lstsq: y must be a vector or a matrix, got {y} ({y.type})")
        if rcond.ndim != 0:
            raise TypeError(f"lstsq: rcond must be a scalar, got {rcond} ({rcond.type})")
        dtype = compute_dtype(dtypes.upcast(x.dtype, y.dtype))
        return Apply(self, [x, y, rcond], [
            TensorType(dtype, (False,) * y.ndim), TensorType(dtype, (False,)),
            TensorType("int64", ()), TensorType(dtype, (False,))])

    def lower(self, node, inputs, ctx):
        dtype = node.outputs[0].dtype
        x, y = (cast_tensor(t, dtype) for t in inputs[:2])
        rcond = cast_tensor(inputs[2], dtype)
        vector = node.inputs[1].ndim == 1
        rhs = y[:, None] if vector else y
        s, u, v = tf.linalg.svd(x, full_matrices=False)
        eps = tf.constant(float(np.finfo(dtype).eps), dtype)
        # LAPACK's gelsd (NumPy's lstsq) takes rcond <= 0 or >= 1 as machine precision.
        cutoff = tf.where((rcond <= 0) | (rcond >= 1), eps, rcond) * tf.reduce_max(s)
        kept = s > cutoff
        inverse_s = tf.where(kept, 1 / tf.where(kept, s, tf.ones_like(s)), tf.zeros_like(s))
        solution = tf.matmul(v, inverse_s[:, None] * tf.matmul(u, rhs, adjoint_a=True))
        rank = tf.reduce_sum(tf.cast(kept, tf.int64))
        m, n = tf.shape(x, out_type=tf.int64)[0], tf.shape(x, out_type=tf.int64)[1]
        squares = tf.reduce_sum(tf.square(rhs - tf.matmul(x, solution)), axis=0)
        residuals = tf.cond(tf.logical_and(tf.equal(rank, n), m > n),
                            lambda: squares, lambda: tf.zeros([0], dtype))
        return [solution[:, 0] if vector else solution, residuals, rank, s]
