"""``theano.compile.monitormode``: ``MonitorMode`` and its NaN finder."""
import numpy as np

from tfgraph.compile.extras import MonitorMode  # noqa: F401


def detect_nan(i, node, fn):
    """A ``post_func`` for MonitorMode: prints the op and its inputs and
    outputs when one of its outputs has a NaN (Theano's example)."""
    for output in fn.outputs:
        value = output[0]
        if isinstance(value, np.ndarray) and value.dtype.kind in "fc" and np.isnan(value).any():
            print("*** NaN detected ***")
            print(node)
            print("Inputs : %s" % [inp[0] for inp in fn.inputs])
            print("Outputs: %s" % [out[0] for out in fn.outputs])
            break
