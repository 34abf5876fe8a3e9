"""``theano.updates.OrderedUpdates``: a mapping from shared variables to
their new values, in a fixed order, that ``+`` joins."""
import collections
import warnings

from tfgraph.shared import SharedVariable


class OrderedUpdates(collections.OrderedDict):
    """Updates in the order they were given. Keys must be shared variables;
    ``a + b`` is the union of two sets of updates, and giving a variable two
    different new values is a ``KeyError`` ("Collision")."""

    def __init__(self, *args, **kwargs):
        if args and isinstance(args[0], dict) and len(args[0]) > 1 and \
                not isinstance(args[0], collections.OrderedDict):
            warnings.warn("Initializing an OrderedUpdates from a non-ordered dictionary "
                          "with 2+ elements could make your code non-deterministic",
                          stacklevel=2)
        super().__init__()
        self.update(collections.OrderedDict(*args, **kwargs))

    def __setitem__(self, key, value):
        if not isinstance(key, SharedVariable):
            raise TypeError(f"OrderedUpdates keys must be shared variables, got {key!r}")
        super().__setitem__(key, value)

    def update(self, other=None, **kwargs):
        if other is None:
            return
        if isinstance(other, dict) and len(other) > 1 and \
                not isinstance(other, collections.OrderedDict):
            warnings.warn("Updating an OrderedUpdates with a non-ordered dictionary with "
                          "2+ elements could make your code non-deterministic", stacklevel=2)
        for key, value in collections.OrderedDict(other).items():
            if key in self:
                if self[key] is value:
                    continue
                raise KeyError("Collision", key)
            self[key] = value

    def __add__(self, other):
        joined = OrderedUpdates()
        joined.update(self)
        joined.update(other)
        return joined

    def __radd__(self, other):
        joined = OrderedUpdates()
        joined.update(other)
        joined.update(self)
        return joined
