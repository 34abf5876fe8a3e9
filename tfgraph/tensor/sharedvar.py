"""``theano.tensor.sharedvar``: shared variables holding tensors. tfgraph's
are all of one class, so ``TensorSharedVariable`` is it:
``isinstance(theano.shared(np.zeros(2)), TensorSharedVariable)`` holds."""
import numbers

import numpy as np

from tfgraph.shared import SharedVariable, shared

TensorSharedVariable = SharedVariable


def tensor_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False,
                       broadcastable=None, target="cpu"):
    """A shared variable holding the NumPy array ``value`` (TypeError for
    anything else, as Theano's constructor)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"tensor_constructor takes a NumPy array, got {type(value).__name__}")
    return shared(value, name=name, strict=strict, allow_downcast=allow_downcast,
                  borrow=borrow, broadcastable=broadcastable)


def scalar_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False,
                       target="cpu"):
    """A 0-d shared variable holding the number ``value`` (TypeError for
    anything else)."""
    if not isinstance(value, (numbers.Number, np.number)) or isinstance(value, np.ndarray):
        raise TypeError(f"scalar_constructor takes a number, got {type(value).__name__}")
    return shared(np.asarray(value), name=name, strict=strict, allow_downcast=allow_downcast)


def load_shared_variable(val):
    """A shared variable holding ``val`` (how old pickles rebuild one)."""
    return tensor_constructor(np.asarray(val))
