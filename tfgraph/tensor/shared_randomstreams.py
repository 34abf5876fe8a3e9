"""Theano's ``theano.tensor.shared_randomstreams``: ``RandomStreams``, and
shared random states made from ``numpy.random.RandomState`` values (for
``raw_random``'s draws)."""
import numpy as np

from tfgraph.random.streams import RandomStreams  # noqa: F401
from tfgraph.shared import SharedVariable, shared_constructor
from tfgraph.tensor.raw_random import RandomStateType, state_of


class RandomStateSharedVariable(SharedVariable):
    """A shared random state: set from a ``numpy.random.RandomState`` (or a
    [key, counter] vector); its value is the [key, counter] vector."""

    def set_value(self, value, borrow=False):
        super().set_value(state_of(value), borrow=borrow)


def randomstate_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False,
                            **kwargs):
    """``shared(numpy.random.RandomState(...))``: a RandomStateSharedVariable
    (a TypeError for other values, so ``shared`` tries its other constructors)."""
    if not isinstance(value, np.random.RandomState):
        raise TypeError("randomstate_constructor takes a numpy.random.RandomState")
    variable = RandomStateSharedVariable(state_of(value), name=name, type=RandomStateType(),
                                         strict=strict, allow_downcast=allow_downcast)
    variable.tag.is_rng = True
    return variable


shared_constructor(randomstate_constructor)

__all__ = ["RandomStreams", "RandomStateSharedVariable", "randomstate_constructor"]
