"""Comparing values as Theano's types do (``TensorType.values_eq`` and
``values_eq_approx``, tensor/type.py), with the tolerances of the narrower
dtype (``_allclose``, tensor/basic.py). Pure NumPy: the graph's types and
the test helpers share it."""
import numpy as np

# The tolerances of Theano's value comparisons, by the narrowest dtype compared.
float16_atol, float16_rtol = 1e-3, 1e-3
float32_atol, float32_rtol = 1e-5, 1e-5
float64_atol, float64_rtol = 1e-8, 1e-5   # NumPy's allclose defaults


def atol_rtol(a, b):
    """(atol, rtol) for comparing arrays ``a`` and ``b``."""
    names = {str(a.dtype), str(b.dtype)}
    if "float16" in names:
        return float16_atol, float16_rtol
    if names & {"float32", "complex64"}:
        return float32_atol, float32_rtol
    return float64_atol, float64_rtol


def allclose(a, b, rtol=None, atol=None):
    """NumPy's allclose with the tolerances of the narrower dtype."""
    a, b = np.asarray(a), np.asarray(b)
    default_atol, default_rtol = atol_rtol(a, b)
    return bool(np.allclose(a, b, atol=default_atol if atol is None else atol,
                            rtol=default_rtol if rtol is None else rtol))


def values_eq(a, b, force_same_dtype=True):
    """Whether arrays ``a`` and ``b`` hold the same values, NaN equal to NaN;
    of the same dtype too unless ``force_same_dtype`` is False."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or (force_same_dtype and a.dtype != b.dtype):
        return False
    nan_too = a.dtype.kind in "fc" and b.dtype.kind in "fc"
    return bool(np.array_equal(a, b, equal_nan=nan_too))


def values_eq_approx(a, b, allow_remove_inf=False, allow_remove_nan=False, rtol=None,
                     atol=None):
    """Whether ndarrays ``a`` and ``b``, of one shape and dtype, are close
    (the tolerances of their dtype, exact for integers). NaN matches NaN and
    an infinity one of its sign; with ``allow_remove_inf`` / ``allow_remove_nan``
    an inf / NaN in ``a`` matches anything in ``b``. Anything but two
    ndarrays is not equal."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        return False
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.all(a == b))
    default_atol, default_rtol = atol_rtol(a, b)
    close = np.isclose(a, b, rtol=default_rtol if rtol is None else rtol,
                       atol=default_atol if atol is None else atol, equal_nan=True)
    if allow_remove_inf:
        close |= np.isinf(a)
    if allow_remove_nan:
        close |= np.isnan(a)
    return bool(np.all(close))


def values_eq_approx_remove_inf(a, b):
    return values_eq_approx(a, b, allow_remove_inf=True)


def values_eq_approx_remove_nan(a, b):
    return values_eq_approx(a, b, allow_remove_nan=True)


def values_eq_approx_remove_inf_nan(a, b):
    return values_eq_approx(a, b, allow_remove_inf=True, allow_remove_nan=True)
