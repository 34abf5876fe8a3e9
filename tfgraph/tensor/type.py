"""``theano.tensor.type``: ``TensorType`` and the value comparisons Theano's
types offer (``values_eq_approx`` with the dtype's tolerances)."""
import numpy as np

from tfgraph.graph import TensorType  # noqa: F401
from tfgraph.tensor.basic import _get_atol_rtol


def values_eq_approx(a, b, allow_remove_inf=False, allow_remove_nan=False, rtol=None,
                     atol=None):
    """Whether arrays ``a`` and ``b`` are close (the tolerances of their
    dtypes); with ``allow_remove_inf`` / ``allow_remove_nan``, an inf / NaN in
    ``a`` matches anything in ``b``."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        return bool(np.all(a == b))
    default_atol, default_rtol = _get_atol_rtol(a, b)
    close = np.isclose(a, b, rtol=default_rtol if rtol is None else rtol,
                       atol=default_atol if atol is None else atol, equal_nan=True)
    if allow_remove_inf:
        close |= np.isinf(a)
    if allow_remove_nan:
        close |= np.isnan(a)
    both_nan = np.isnan(a) & np.isnan(b)
    both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    return bool(np.all(close | both_nan | both_inf))


def values_eq_approx_remove_inf(a, b):
    return values_eq_approx(a, b, allow_remove_inf=True)


def values_eq_approx_remove_nan(a, b):
    return values_eq_approx(a, b, allow_remove_nan=True)


def values_eq_approx_remove_inf_nan(a, b):
    return values_eq_approx(a, b, allow_remove_inf=True, allow_remove_nan=True)
