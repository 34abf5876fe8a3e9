"""Channels-last layout: Theano lays images out as (batch, channels, *spatial);
TensorFlow's CPU convolutions and poolings are fastest with the channels last,
(batch, *spatial, channels). ``channels_last`` and ``channels_first`` move the
channels axis there and back. The compile-time layout rewrite
(tfgraph.compile.layout) puts them around the channels-last forms of
convolution and pooling, and cancels the pairs that meet between layers.
"""
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph._tf import tf


def to_channels_last(ndim):
    """The permutation taking (batch, channels, *spatial) to (batch, *spatial, channels)."""
    return [0] + list(range(2, ndim)) + [1]


def to_channels_first(ndim):
    """The permutation taking (batch, *spatial, channels) to (batch, channels, *spatial)."""
    return [0, ndim - 1] + list(range(1, ndim - 1))


class Relayout(Op):
    """Moves the channels axis of a batch of images last (``channels="last"``)
    or back to axis 1 (``channels="first"``)."""
    __props__ = ("channels",)

    def __init__(self, channels):
        if channels not in ("last", "first"):
            raise ValueError(f"channels must be 'last' or 'first', got {channels!r}")
        self.channels = channels
        self.name = f"channels_{channels}"

    def permutation(self, ndim):
        return (to_channels_last if self.channels == "last" else to_channels_first)(ndim)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim < 3:
            raise TypeError(f"{self.name}: {x} must have a batch, a channels and at least "
                            f"one spatial axis, got {x.ndim} dimensions")
        pattern = [x.broadcastable[axis] for axis in self.permutation(x.ndim)]
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        return [tf.transpose(inputs[0], self.permutation(node.inputs[0].ndim))]


channels_last = Relayout("last")
channels_first = Relayout("first")
