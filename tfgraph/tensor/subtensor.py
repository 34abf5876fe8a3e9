"""``theano.tensor.subtensor``: the indexing ops and the functions building
them, the same objects as ``theano.tensor``'s (tfgraph.ops.subtensor)."""
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS
from tfgraph.persist import pickle_by_name
from tfgraph.ops.subtensor import (  # noqa: F401
    AdvancedBooleanIncSubtensor, AdvancedBooleanSubtensor, AdvancedIncSubtensor,
    AdvancedIncSubtensor1, AdvancedSubtensor, AdvancedSubtensor1, IncSubtensor, Subtensor,
    inc_subtensor, set_subtensor)
from tfgraph.tensor.arrays import (  # noqa: F401
    advanced_inc_subtensor, advanced_inc_subtensor1, advanced_set_subtensor,
    advanced_set_subtensor1, advanced_subtensor, advanced_subtensor1, take)


class AdvancedIndexingError(TypeError):
    """An index of a kind basic indexing (``Subtensor``) does not take."""


class AdvancedBooleanIndexingError(TypeError):
    """A boolean mask where basic indexing was asked for."""


# Theano's base classes of the advanced ops, by their names.
BaseAdvancedSubtensor = AdvancedSubtensor
BaseAdvancedIncSubtensor = AdvancedIncSubtensor

advanced_boolean_subtensor = pickle_by_name(AdvancedBooleanSubtensor(), __name__,
                                            "advanced_boolean_subtensor")
advanced_boolean_inc_subtensor = pickle_by_name(AdvancedBooleanIncSubtensor(), __name__,
                                                "advanced_boolean_inc_subtensor")
advanced_boolean_set_subtensor = pickle_by_name(
    AdvancedBooleanIncSubtensor(set_instead_of_inc=True), __name__,
    "advanced_boolean_set_subtensor")


def get_canonical_form_slice(theslice, length):
    """``theslice`` of a dimension of ``length`` as ``(slice(start, stop,
    step), reverse)`` with 0 <= start <= stop <= length and step > 0, such
    that ``a[theslice]`` is ``a[start:stop:step][::reverse]``; an integer
    index as ``(index + length if negative, 1)``. Symbolic, as Theano's."""
    switch, lt, ge = OPS["switch"], OPS["lt"], OPS["ge"]
    length = as_tensor_variable(length)
    if not isinstance(theslice, slice):
        value = as_tensor_variable(theslice)
        return switch(lt(value, 0), value + length, value), 1
    step = as_tensor_variable(1 if theslice.step is None else theslice.step)
    negative = lt(step, 0)
    size = abs(step)

    def bound(value, default_forward, default_backward):
        """A bound made non-negative (Python's rules), kept within [-1, length]."""
        if value is None:
            return switch(negative, default_backward, default_forward)
        value = as_tensor_variable(value)
        value = switch(lt(value, 0), value + length, value)
        low = switch(negative, -1, 0)
        high = switch(negative, length - 1, length)
        return switch(lt(value, low), low, switch(ge(value, high), high, value))

    start = bound(theslice.start, 0, length - 1)
    stop = bound(theslice.stop, length, -1)
    # Going backward, the elements are start, start - size, ... above stop.
    count = switch(lt(stop, start), (start - stop - 1) // size + 1, 0)
    backward = (switch(ge(count, 1), start - (count - 1) * size, 0),
                switch(ge(count, 1), start + 1, 0))
    forward = (start, switch(lt(stop, start), start, stop))
    canonical = slice(switch(negative, backward[0], forward[0]),
                      switch(negative, backward[1], forward[1]), size)
    return canonical, switch(negative, -1, 1)
