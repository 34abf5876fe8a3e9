"""Lowering: turning a symbolic graph into TensorFlow ops, inside a trace.

Nodes are lowered in topological order, each under a ``tf.name_scope`` built
from the user's scopes and variable names, so TensorBoard shows the graph in
the user's terms. Gradient nodes read persistent tapes opened around the whole
walk (see ``tfgraph.ops.grad``).
"""
import contextlib
import re

from tfgraph.graph import Constant, toposort
from tfgraph.ops.grad import Gradient, gradient_depths
from tfgraph._tf import tf


def scope_name(text):
    """A TensorFlow-legal scope name close to ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(text)).strip("_") or "op"
    return cleaned if re.match(r"[A-Za-z0-9.]", cleaned) else "v" + cleaned


class Lowering:
    """One walk over a graph. ``check(node, tensors)`` may return replacement
    tensors (with checks attached) for each node's outputs; modes use it."""

    def __init__(self, check=None):
        self.check = check
        self.tapes = {}
        self.depths = {}
        self.watch = {}

    def tape_for(self, node):
        return self.tapes[self.depths[id(node)]]

    def run(self, targets, values):
        """Lower the graph computing ``targets``; ``values`` maps root
        variables (inputs, shared variables) to tensors. Returns the map
        extended to every variable computed."""
        values = dict(values)
        order = toposort(targets)
        self.depths = gradient_depths(targets)
        for node in order:
            if isinstance(node.op, Gradient):
                *_, wrt = node.op.split(node.inputs)
                for w in wrt:
                    self.watch.setdefault(id(w), set()).add(self.depths[id(node)])
        with contextlib.ExitStack() as stack:
            # Deepest tape outermost: it must record the gradients of the inner ones.
            for depth in sorted(set(self.depths.values()), reverse=True):
                tape = tf.GradientTape(persistent=True, watch_accessed_variables=False)
                self.tapes[depth] = stack.enter_context(tape)
            for var_id, tensor in list(values.items()):
                self._watch(var_id, tensor)
            for node in order:
                self._lower_node(node, values)
        return values

    def _watch(self, var_id, tensor):
        for depth in self.watch.get(var_id, ()):
            self.tapes[depth].watch(tensor)

    def _lower_node(self, node, values):
        inputs = []
        for var in node.inputs:
            if id(var) not in values:
                if not isinstance(var, Constant):
                    raise KeyError(f"no value for {var} while lowering {node.op}")
                values[id(var)] = tf.constant(var.data)
            inputs.append(values[id(var)])
        with contextlib.ExitStack() as scopes:
            for part in node.scope:
                scopes.enter_context(tf.name_scope(scope_name(part)))
            named = node.outputs[0].name
            scopes.enter_context(tf.name_scope(scope_name(named or str(node.op))))
            outputs = node.op.lower(node, inputs, self)
            if self.check is not None:
                outputs = self.check(node, outputs)
        for var, tensor in zip(node.outputs, outputs):
            values[id(var)] = tensor
            self._watch(id(var), tensor)
