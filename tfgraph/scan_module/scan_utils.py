"""``theano.scan_module.scan_utils``: the helpers of it that user code
imports (``until``, ``clone``, ``equal_computations``, ``safe_new``)."""
from tfgraph.gof.graph import clone, equal_computations  # noqa: F401
from tfgraph.graph import Constant
from tfgraph.scan_module.scan import until  # noqa: F401


def safe_new(x, tag="", dtype=None):
    """A new variable of ``x``'s type (or of ``dtype``), named after it; a
    constant stays itself."""
    if isinstance(x, Constant) and dtype is None:
        return x
    type_ = x.type if dtype is None else type(x.type)(dtype, x.broadcastable)
    return type_(None if x.name is None else x.name + tag)
