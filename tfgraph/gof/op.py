"""``theano.gof.op``: ``Op`` (``PureOp``: tfgraph's ops have no C code), and
the helpers of test values (``get_test_value``, ``get_debug_values``)."""
import warnings

from tfgraph import test_values
from tfgraph.config import config
from tfgraph.graph import Op

PureOp = Op


def get_test_value(v):
    """The test value of ``v`` (a constant's data, a shared variable's value,
    else ``v.tag.test_value``); AttributeError if it has none."""
    return test_values.test_value(v)


def missing_test_message(msg):
    """Report a missing test value as ``config.compute_test_value`` says:
    'raise' (and 'pdb') raise AttributeError, 'warn' warns, others ignore."""
    action = config.compute_test_value
    if action in ("raise", "pdb"):
        raise AttributeError(msg)
    if action == "warn":
        warnings.warn(msg, stacklevel=2)


def debug_error_message(msg):
    """Report ``msg`` as ``config.compute_test_value`` says (Theano's helper
    for ops checking their inputs' test values)."""
    action = config.compute_test_value
    if action in ("raise", "pdb"):
        raise ValueError(msg)
    if action == "warn":
        warnings.warn(msg, stacklevel=2)


def debug_assert(condition, msg=None):
    """``debug_error_message(msg)`` unless ``condition``."""
    if not condition:
        debug_error_message(msg or "debug_assert failed")


def get_debug_values(*args):
    """[(test value of each arg)] when test values are on, else []: the
    idiom ``for x_value, in get_debug_values(x): ...`` runs only then. An
    argument without one is reported by ``missing_test_message``."""
    if config.compute_test_value == "off":
        return []
    try:
        return [tuple(get_test_value(arg) for arg in args)]
    except AttributeError:
        missing_test_message("Argument to get_debug_values has no test value")
        return []
