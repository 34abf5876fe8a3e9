"""Changing which dimensions broadcast: ``addbroadcast``, ``unbroadcast``,
``patternbroadcast`` (Theano's Rebroadcast), and the padding helpers
``shape_padleft``, ``shape_padright``, ``shape_padaxis``."""
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, checked
from tfgraph.ops.shape import dimshuffle, shape_padaxis  # noqa: F401  (with the other pads)
from tfgraph._tf import tf


class Rebroadcast(Op):
    """``x`` with some dimensions marked (or unmarked) broadcastable. A
    dimension newly marked broadcastable must have length 1 when the graph
    runs, else the call raises ValueError, as in Theano."""
    name = "rebroadcast"

    def __init__(self, *axis_flags):
        self.axis = dict((int(a), bool(f)) for a, f in axis_flags)

    def make_node(self, x):
        x = as_tensor_variable(x)
        pattern = list(x.broadcastable)
        for axis, flag in self.axis.items():
            if not -x.ndim <= axis < x.ndim:
                raise ValueError(f"rebroadcast: axis {axis} is out of range for {x}, "
                                 f"which has {x.ndim} dimensions")
            pattern[axis] = flag
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x, = inputs
        for axis, flag in self.axis.items():
            if flag and not node.inputs[0].broadcastable[axis]:
                x = checked(ctx, x, tf.equal(tf.shape(x)[axis], 1),
                            f"Dimension {axis} in Rebroadcast's input was supposed to be 1: "
                            f"it must have length 1 to be broadcastable")
        return [x if x is not inputs[0] else tf.identity(x)]

    def __str__(self):
        flags = ",".join(f"{a}:{int(f)}" for a, f in sorted(self.axis.items()))
        return f"Rebroadcast{{{flags}}}"


def _rebroadcast(x, pairs):
    x = as_tensor_variable(x)
    changed = [(a, f) for a, f in pairs if x.broadcastable[a] != bool(f)]
    return Rebroadcast(*changed)(x) if changed else x


def addbroadcast(x, *axes):
    """``x`` broadcastable in ``axes`` (each must have length 1 at run time)."""
    return _rebroadcast(x, [(a, True) for a in axes])


def unbroadcast(x, *axes):
    """``x`` not broadcastable in ``axes``."""
    return _rebroadcast(x, [(a, False) for a in axes])


def patternbroadcast(x, broadcastable):
    """``x`` with the broadcastable pattern ``broadcastable``."""
    return _rebroadcast(x, list(enumerate(broadcastable)))


def shape_padleft(t, n_ones=1):
    """``t`` with ``n_ones`` broadcastable dimensions added on the left."""
    t = as_tensor_variable(t)
    return dimshuffle(t, ["x"] * n_ones + list(range(t.ndim)))


def shape_padright(t, n_ones=1):
    """``t`` with ``n_ones`` broadcastable dimensions added on the right."""
    t = as_tensor_variable(t)
    return dimshuffle(t, list(range(t.ndim)) + ["x"] * n_ones)
