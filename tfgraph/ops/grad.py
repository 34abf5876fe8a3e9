"""Symbolic differentiation nodes, lowered through ``tf.GradientTape``.

A ``Gradient`` node holds the targets to differentiate, optional output
gradients (for vector-Jacobian products) and the variables to differentiate
with respect to. The lowering (``compile.lower``) keeps one persistent tape per
nesting depth open around the whole graph: a gradient of depth d reads tape d,
whose recording starts before the forward pass, so cost and gradient share one
forward computation, and the tapes of depth > d record the gradient itself, so
gradients of gradients work to any order.
"""
from tfgraph import dtypes
from tfgraph.config import config
from tfgraph.graph import Apply, Op, TensorType, toposort
from tfgraph.ops.base import cast_tensor
from tfgraph._tf import tf


class Gradient(Op):
    """d(sum_i <output_gradients_i, targets_i>)/d wrt, or the Jacobian of one target."""

    def __init__(self, n_targets, n_output_gradients, jacobian=False):
        self.n_targets = n_targets
        self.n_output_gradients = n_output_gradients
        self.jacobian = jacobian
        self.name = "jacobian" if jacobian else "grad"

    def split(self, inputs):
        t, g = self.n_targets, self.n_output_gradients
        return inputs[:t], inputs[t:t + g], inputs[t + g:]

    def make_node(self, *inputs):
        targets, _, wrt = self.split(list(inputs))
        types = []
        for w in wrt:
            dtype = w.dtype if dtypes.is_float(w.dtype) or dtypes.kind(w.dtype) == "c" \
                else config.floatX
            if self.jacobian:
                types.append(TensorType(dtype, targets[0].broadcastable + w.broadcastable))
            else:
                types.append(TensorType(dtype, w.broadcastable))
        return Apply(self, inputs, types)

    def lower(self, node, inputs, ctx):
        targets, output_gradients, wrt = self.split(inputs)
        tape = ctx.tape_for(node)
        with tape.stop_recording():
            if self.jacobian:
                results = tape.jacobian(targets[0], wrt,
                                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
            else:
                results = tape.gradient(targets, wrt, output_gradients=output_gradients or None,
                                        unconnected_gradients=tf.UnconnectedGradients.ZERO)
        outputs = []
        for result, w, out in zip(results, wrt, node.outputs):
            if result is None or not w.dtype.is_floating and not w.dtype.is_complex:
                # Integer inputs have zero gradient, as in Theano.
                shape = tf.shape(w) if not self.jacobian else tf.concat(
                    [tf.shape(targets[0]), tf.shape(w)], 0)
                result = tf.zeros(shape, out.dtype)
            outputs.append(cast_tensor(result, out.dtype))
        return outputs

    def pp(self, node, args):
        targets, gradients, wrt = self.split(args)
        of = targets[0] if len(targets) == 1 else "[" + ", ".join(targets) + "]"
        seed = f", known={', '.join(gradients)}" if gradients else ""
        return f"{self.name}({of}, wrt=[{', '.join(wrt)}]{seed})"


def gradient_depths(outputs):
    """Nesting depth of each Gradient node computing ``outputs``: 1 plus the
    deepest Gradient its targets depend on."""
    depths = {}
    for node in toposort(outputs):
        below = [depths[id(i.owner)] for i in node.inputs if i.owner is not None]
        own = 1 if isinstance(node.op, Gradient) else 0
        if own:
            targets, seeds, _ = node.op.split(node.inputs)
            below = [_max_depth(v, depths) for v in targets + seeds]
        depths[id(node)] = own + max(below, default=0)
    return {id(n): depths[id(n)] for n in toposort(outputs) if isinstance(n.op, Gradient)}


def _max_depth(var, depths):
    return depths[id(var.owner)] if var.owner is not None else 0
