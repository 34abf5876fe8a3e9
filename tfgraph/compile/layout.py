"""Channels-last layers, as a graph rewrite.

A Theano model computes between its convolution and pooling layers in
(batch, channels, *spatial) order: ``tanh(pool(conv(x, W)) + b.dimshuffle('x',
0, 'x', 'x'))``; TensorFlow's CPU kernels are fastest channels-last. So every
convolution, and every pooling of a batch of images, takes its channels-last
form between two layout ops (tfgraph.ops.layout)::

    conv(x, W)  ->  channels_first(ChannelsLastConv(channels_last(x), W))

and each layer's ``channels_last`` input moves up through the elementwise ops
and per-channel biases between it and the layer before, where it meets that
layer's ``channels_first`` and both go. Layers in a row stay channels-last;
the elementwise ops between them run on channels-last tensors; only the
network's input, the biases and the last layer's output are transposed.

A variable that a gradient is taken with respect to, or that a gradient
treats as given (``consider_constant``, the targets and known gradients of
``known_grads``), keeps its plain form, and the layers after it read that:
the gradient follows the path through it.
"""
from tfgraph.ops.conv import ChannelsLastConv, Conv
from tfgraph.ops.elemwise import Elemwise
from tfgraph.ops.grad import Gradient
from tfgraph.ops.layout import channels_first, channels_last
from tfgraph.ops.pool import ChannelsLastPool, Pool


def _channels_last_layer(op, image):
    """The channels-last form of ``op`` applied to ``image``, or None."""
    if isinstance(op, Conv):
        return ChannelsLastConv(op)
    if isinstance(op, Pool) and image.ndim == op.ndim + 2:
        return ChannelsLastPool(op)
    return None


def _is_per_channel(var):
    """Whether ``var`` is broadcastable on every axis but the channels (a
    bias): its channels-last form is a reshape."""
    return all(var.broadcastable[:1] + var.broadcastable[2:])


class ChannelsLastLayers:
    """The rewrite of one graph, given as its ``nodes`` in topological order:
    ``replace(node, current)`` (see tfgraph.compile.rewrite.rebuild) gives
    each convolution and pooling its channels-last form; ``matches``: whether
    the graph has one."""

    def __init__(self, nodes):
        self.matches = any(node.inputs and _channels_last_layer(node.op, node.inputs[0])
                           for node in nodes)
        self.plain = {id(v) for node in nodes if isinstance(node.op, Gradient)
                      for v in node.inputs}
        self.last = {}        # variable id -> its channels-last form without transposes, or None
        self.transposed = {}  # variable id -> its channels-last transpose

    def replace(self, node, current):
        image = node.inputs[0] if node.inputs else None
        layer = _channels_last_layer(node.op, image) if image is not None else None
        if layer is None:
            return None
        out = layer(self.channels_last(image, current), *map(current, node.inputs[1:]))
        self.last[id(node.outputs[0])] = self._stands_for(out, node.outputs[0])
        return [channels_first(out)]

    def channels_last(self, var, current):
        """``var`` (batch, channels, *spatial) channels-last: its form from
        the layers before when it has one, else a transpose."""
        found = self._without_transposes(var, current)
        if found is None:
            if id(var) not in self.transposed:
                self.transposed[id(var)] = self._stands_for(channels_last(current(var)), var)
            found = self.transposed[id(var)]
        return found

    def _without_transposes(self, var, current):
        """``var`` channels-last, computed from the layers' channels-last
        results, scalars and biases only; or None."""
        if id(var) in self.plain:
            return None
        if id(var) not in self.last:   # each variable once, found or not
            self.last[id(var)] = self._layout_free(var, current)
        return self.last[id(var)]

    def _layout_free(self, var, current):
        if _is_per_channel(var):
            return self._stands_for(channels_last(current(var)), var)
        node = var.owner
        if node is None or not isinstance(node.op, Elemwise):
            return None
        inputs = []
        for i in node.inputs:
            if i.ndim == 0:
                inputs.append(current(i))
                continue
            # an input of fewer axes broadcasts from the left: not layout-free
            form = self._without_transposes(i, current) if i.ndim == var.ndim else None
            if form is None:
                return None
            inputs.append(form)
        return self._stands_for(node.op(*inputs), var)

    @staticmethod
    def _stands_for(form, var):
        """``form``, named and placed (for TensorBoard) as ``var``."""
        form.name = var.name
        if var.owner is not None:
            form.owner.scope = var.owner.scope
        return form
