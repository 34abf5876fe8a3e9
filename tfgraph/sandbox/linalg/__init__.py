"""``theano.sandbox.linalg``: Theano's first home of its linear algebra, now
in ``theano.tensor.nlinalg`` and ``slinalg`` (the same functions), and two
of its own: ``psd`` and ``spectral_radius_bound``."""
from tfgraph.ops.base import as_tensor_variable
from tfgraph.tensor import dot
from tfgraph.tensor.nlinalg import (alloc_diag, det, diag, eig, eigh,  # noqa: F401
                                    extract_diag, matrix_inverse, trace)
from tfgraph.tensor.slinalg import cholesky, eigvalsh, solve  # noqa: F401


def psd(x):
    """``x``, marked positive semi-definite: a hint for Theano's rewrites of
    linear algebra, which tfgraph does not make, so ``x`` itself."""
    return as_tensor_variable(x)


def spectral_radius_bound(X, log2_exponent):
    """An upper bound on the largest absolute eigenvalue of the square
    matrix ``X``: trace(X^(2^k)) ^ (1 / 2^k) for k = ``log2_exponent``."""
    X = as_tensor_variable(X)
    if X.ndim != 2:
        raise TypeError("spectral_radius_bound requires a matrix argument", X)
    if not isinstance(log2_exponent, int) or log2_exponent <= 0:
        raise ValueError("spectral_radius_bound requires a strictly positive exponent",
                         log2_exponent)
    power = X
    for _ in range(log2_exponent):
        power = dot(power, power)
    return trace(power) ** (2.0 ** -log2_exponent)
