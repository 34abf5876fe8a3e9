"""Graph rewrites applied when a function is compiled, in every mode (so all
modes compute the same thing), to its graph and to the inner graphs of its
loops: numerically stable forms of expressions that Theano users wrote
literally, because Theano rewrote them too; then, for speed, layouts.

Each node rewrite is a function of a node returning the variable to use in
place of the node's output, or None; ``REWRITES`` lists them in the order
they are tried. To add one, write such a function and append it (with a test
against a NumPy reference at extreme inputs, values and gradients:
tests/compile/test_rewrite.py). Rewrites that need the whole graph are modules of
their own, each a ``replace(node, current)`` for ``rebuild``: channels-last
layers (tfgraph.compile.layout) and sibling slices cut by one split
(tfgraph.compile.sibling_slices).

- ``log(softmax(z))`` -> ``logsoftmax(z)``: the classic negative
  log-likelihood ``-mean(log(softmax(z))[arange(n), y])`` stays finite where
  a probability underflows to 0.
- ``log(sigmoid(x))`` -> ``-softplus(-x)``.
- ``log(1 - sigmoid(x))`` -> ``-softplus(x)``.

And, for speed, as Theano's FAST_RUN did:

- ``logsoftmax(z)[arange(y.shape[0]), y]`` -> ``-crossentropy_softmax(z, y)``:
  the negative log-likelihood as one fused kernel (TensorFlow's sparse
  softmax cross-entropy, whose gradient is softmax minus one-hot) instead of
  an advanced-indexing gather and its scatter-back gradient. Like Theano's
  ``crossentropy_softmax_argmax_1hot_with_bias``, it requires as many labels
  as rows, and raises otherwise.
- ``cast(x)[a:b]`` -> ``cast(x[a:b])``: a minibatch of labels stored as
  floats (the tutorials' ``T.cast(shared_y, 'int32')[i * n:(i + 1) * n]``)
  casts n labels a call, not the whole dataset. Basic indexing only, which
  never makes more elements.
- ``x ** 2`` -> ``sqr(x)`` (the L2 penalty): a multiply, not ``pow``, and a
  simpler gradient.
- ``cast(cast(x, t1), t2)`` -> ``cast(x, t2)`` where t1 holds every value
  of x's dtype exactly (a boolean, or a wider number of the same kind): a
  dropout mask, ``cast(binomial(...), floatX)`` with the binomial's int64
  dtype, is no int64 tensor (8 bytes a unit) made to be converted again.
- ``0 * x`` -> ``0`` for a scalar product: a penalty switched off by its
  weight (the MLP tutorial's ``L1_reg=0.00``) is neither computed nor
  differentiated, as Theano's FAST_RUN (``local_mul_specialize``) removed
  it. As there, the product is 0 even where x is inf or NaN; but where x
  can fail at run time (an index out of range), it is left to fail.
"""
import copy

import numpy as np

from tfgraph import dtypes
from tfgraph.compile.layout import ChannelsLastLayers
from tfgraph.compile.sibling_slices import SiblingSlices
from tfgraph.graph import Constant, toposort
from tfgraph.ops.base import constant
from tfgraph.ops.elemwise import OPS, Cast
from tfgraph.ops.nnet import CrossentropySoftmax, Softmax
from tfgraph.ops.shape import ARange, Shape
from tfgraph.ops.subtensor import Subtensor
from tfgraph.scan_module.scan_op import Scan


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
    if difference is None or not _is_constant(difference.inputs[0], 1):
        return None
    inner = _producer(difference.inputs[1], op=OPS["sigmoid"])
    if inner is None:
        return None
    return OPS["neg"](OPS["softplus"](inner.inputs[0]))


def nll_of_logsoftmax(node):
    if not isinstance(node.op, Subtensor) or node.op.spec != (("array", 0), ("array", 1)):
        return None
    log_probabilities, rows, labels = node.inputs
    producer = _producer(log_probabilities, kind=Softmax)
    if (producer is None or not producer.op.log or log_probabilities.ndim != 2
            or labels.ndim != 1 or not dtypes.is_discrete(labels.dtype)
            or labels.dtype == "bool" or not _is_arange_over(rows, labels)):
        return None
    return OPS["neg"](CrossentropySoftmax()(producer.inputs[0], labels))


def _is_arange_over(rows, labels):
    """Whether ``rows`` is ``arange(labels.shape[0])`` (0 to the labels'
    length, step 1), as Theano's rewrite required."""
    arange = _producer(rows, kind=ARange)
    if arange is None:
        return False
    start, stop, step = arange.inputs
    length = _producer(stop, kind=Subtensor)
    if not (_is_constant(start, 0) and _is_constant(step, 1) and length is not None
            and length.op.spec == (("int", 0),)):
        return False
    shape = _producer(length.inputs[0], kind=Shape)
    return shape is not None and shape.inputs[0] is labels


def subtensor_of_cast(node):
    if not isinstance(node.op, Subtensor) or any(
            part[0] not in ("slice", "int") for part in node.op.spec):
        return None
    cast = _producer(node.inputs[0], kind=Cast)
    if cast is None:
        return None
    part = Subtensor(node.op.spec, node.op.pattern)(cast.inputs[0], *node.inputs[1:])
    return Cast(cast.op.dtype)(part)


def square(node):
    if node.op is not OPS["pow"] or not _is_constant(node.inputs[1], 2):
        return None
    return OPS["sqr"](node.inputs[0])


def cast_of_exact_cast(node):
    inner = _producer(node.inputs[0], kind=Cast) if isinstance(node.op, Cast) else None
    if inner is None:
        return None
    source, middle = inner.inputs[0].dtype, inner.op.dtype
    exact = source == "bool" or (dtypes.kind(source) == dtypes.kind(middle)
                                 and dtypes.can_cast_safely(source, middle))
    return Cast(node.op.dtype)(inner.inputs[0]) if exact else None


def scalar_times_zero(node):
    # Scalars only: a zero tensor of another shape would still need x's
    # shape, hence x computed, when TensorFlow does not know it statically.
    # Nor where x can fail at run time (an index out of range): the call
    # still raises, as without the rewrite.
    if node.op is not OPS["mul"] or node.outputs[0].ndim != 0 or not any(
            _is_constant(i, 0) for i in node.inputs):
        return None
    if any(n.op.can_fail(n) for n in toposort(node.inputs)):
        return None
    return constant(np.zeros((), node.outputs[0].dtype))


def _is_constant(var, value):
    return isinstance(var, Constant) and var.data.size == 1 and np.all(var.data == value)


REWRITES = [log_softmax, log_sigmoid, log_one_minus_sigmoid, nll_of_logsoftmax,
            subtensor_of_cast, square, cast_of_exact_cast, scalar_times_zero]


def rewrite(outputs, platform=None):
    """``outputs`` with every rewrite applied wherever it matches: the node
    rewrites, then channels-last layers, then sibling slices cut by one
    split, except for a mesh of devices (``platform="mesh"``), where DTensor
    gives a split's pieces their input's layout, which an uneven cut cannot
    have. Only the nodes downstream of a rewrite are rebuilt."""
    nodes = toposort(outputs)
    outputs, nodes = _rewritten(outputs, nodes, lambda node, current: _node_rewrites(
        node, current, platform))
    for graph_rewrite in [ChannelsLastLayers] + ([SiblingSlices] if platform != "mesh" else []):
        found = graph_rewrite(nodes)
        if found.matches:
            outputs, nodes = _rewritten(outputs, nodes, found.replace)
    return outputs


def _rewritten(outputs, nodes, replace):
    """(outputs, the nodes computing them in topological order) once
    ``replace`` is applied (``nodes``: those before)."""
    new = rebuild(outputs, replace, nodes)
    if all(a is b for a, b in zip(new, outputs)):
        return outputs, nodes
    return new, toposort(new)


def rebuild(outputs, replace, nodes=None):
    """``outputs`` with nodes replaced, in topological order (``nodes``, if
    known): ``replace(node, current)`` gets a node of the graph and
    ``current``, which maps each variable upstream of it to its new form, and
    returns new variables for the node's outputs, or None. A node left alone
    whose inputs changed is made again from them. A new variable of another
    type than the one it replaces is not used."""
    memo = {}

    def current(var):
        return memo.get(id(var), var)

    for node in toposort(outputs) if nodes is None else nodes:
        new = replace(node, current)
        if new is None and any(current(i) is not i for i in node.inputs):
            new = node.op.make_node(*map(current, node.inputs)).outputs
        for old, var in zip(node.outputs, new or ()):
            if var is not old and var.type == old.type:
                var.name = old.name
                if var.owner is not None:
                    var.owner.scope = node.scope  # TensorBoard: where the user wrote it
                memo[id(old)] = var
    return [current(v) for v in outputs]


def _node_rewrites(node, current, platform):
    """The first node rewrite matching ``node`` made from its new inputs; for
    a loop, the loop with its step rewritten."""
    inputs = [current(i) for i in node.inputs]
    if isinstance(node.op, Scan):
        return _loop_rewritten(node, inputs, platform)
    changed = any(a is not b for a, b in zip(inputs, node.inputs))
    made = node.op.make_node(*inputs) if changed else node
    if len(made.outputs) == 1:
        for rule in REWRITES:
            replacement = rule(made)
            if replacement is not None and replacement.type == made.outputs[0].type:
                return [replacement]
    return made.outputs if changed else None


def _loop_rewritten(node, inputs, platform):
    """A Scan node whose step's graph is rewritten as the function's is, or
    None when the rewrites change nothing in it."""
    inner = rewrite(node.op.inner_outputs, platform)
    if all(a is b for a, b in zip(inner, node.op.inner_outputs)):
        return None
    op = copy.copy(node.op)
    op.inner_outputs = inner
    return op.make_node(*inputs).outputs
