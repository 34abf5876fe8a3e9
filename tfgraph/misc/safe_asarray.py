"""``theano.misc.safe_asarray``: ``_asarray``, NumPy's asarray with the dtype
it is asked for (``'floatX'`` meaning ``config.floatX``)."""
import numpy as np

from tfgraph.config import config


def _asarray(a, dtype, order=None):
    dtype = np.dtype(config.floatX if str(dtype) == "floatX" else dtype)
    result = np.asarray(a, dtype=dtype, order=order)
    return result if result.dtype == dtype else result.view(dtype)
