"""``theano.misc.may_share_memory``: whether two arrays may share memory."""
import numpy as np
import scipy.sparse


def may_share_memory(a, b, raise_other_type=True):
    """Whether NumPy arrays (or SciPy sparse matrices) ``a`` and ``b`` may
    use the same memory; other values raise TypeError (or give False when
    ``raise_other_type`` is false)."""
    kinds = (np.ndarray, scipy.sparse.spmatrix)
    if not (isinstance(a, kinds) and isinstance(b, kinds)):
        if raise_other_type:
            raise TypeError("may_share_memory support only ndarray and scipy.sparse type")
        return False
    return any(np.may_share_memory(x, y) for x in _buffers(a) for y in _buffers(b))


def _buffers(value):
    if isinstance(value, np.ndarray):
        return [value]
    return [getattr(value, name) for name in ("data", "indices", "indptr", "row", "col")
            if isinstance(getattr(value, name, None), np.ndarray)]
