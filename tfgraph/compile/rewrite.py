"""Graph rewrites applied when a function is compiled, in every mode (so all
modes compute the same thing): numerically stable forms of expressions that
Theano users wrote literally, because Theano rewrote them too.

Each rewrite is a function of a node returning the variable to use in place
of the node's output, or None; ``REWRITES`` lists them in the order they are
tried. To add one, write such a function and append it (with a test against
a NumPy reference at extreme inputs, values and gradients: tests/test_rewrite.py).

- ``log(softmax(z))`` -> ``logsoftmax(z)``: the classic negative
  log-likelihood ``-mean(log(softmax(z))[arange(n), y])`` stays finite where
  a probability underflows to 0.
- ``log(sigmoid(x))`` -> ``-softplus(-x)``.
- ``log(1 - sigmoid(x))`` -> ``-softplus(x)``.
"""
import numpy as np

from tfgraph.graph import Constant, toposort
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.nnet import Softmax


def _producer(var, op=None, kind=None):
    """``var``'s node if it is made by ``op`` (or an op of class ``kind``)."""
    node = var.owner
    if node is None or (op is not None and node.op is not op) or (
            kind is not None and not isinstance(node.op, kind)):
        return None
    return node


def log_softmax(node):
    if node.op is not OPS["log"]:
        return None
    inner = _producer(node.inputs[0], kind=Softmax)
    if inner is None or inner.op.log:
        return None
    return Softmax(log=True)(inner.inputs[0])


def log_sigmoid(node):
    if node.op is not OPS["log"]:
        return None
    inner = _producer(node.inputs[0], op=OPS["sigmoid"])
    if inner is None:
        return None
    return OPS["neg"](OPS["softplus"](OPS["neg"](inner.inputs[0])))


def log_one_minus_sigmoid(node):
    if node.op is not OPS["log"]:
        return None
    difference = _producer(node.inputs[0], op=OPS["sub"])
    if difference is None or not _is_one(difference.inputs[0]):
        return None
    inner = _producer(difference.inputs[1], op=OPS["sigmoid"])
    if inner is None:
        return None
    return OPS["neg"](OPS["softplus"](inner.inputs[0]))


def _is_one(var):
    return isinstance(var, Constant) and var.data.size == 1 and np.all(var.data == 1)


REWRITES = [log_softmax, log_sigmoid, log_one_minus_sigmoid]


def rewrite(outputs):
    """``outputs`` with every rewrite applied wherever it matches. Only the
    nodes downstream of a rewrite are rebuilt; a rewrite that would change
    a variable's type is not applied."""
    memo = {}
    for node in toposort(outputs):
        original = node.outputs
        inputs = [memo.get(id(i), i) for i in node.inputs]
        if any(a is not b for a, b in zip(inputs, node.inputs)):
            node = node.op.make_node(*inputs)
            for old, new in zip(original, node.outputs):
                new.name = old.name
                memo[id(old)] = new
        if len(node.outputs) != 1:
            continue
        for rule in REWRITES:
            replacement = rule(node)
            if replacement is not None and replacement.type == node.outputs[0].type:
                replacement.name = original[0].name
                replacement.owner.scope = node.scope  # TensorBoard: where the user wrote it
                memo[id(original[0])] = replacement
                break
    return [memo.get(id(v), v) for v in outputs]
