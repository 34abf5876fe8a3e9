"""Test values (Theano's ``config.compute_test_value``): each node is run when
it is built, on the test values of its inputs, so a shape or type error is
raised at the line of user code that built the bad node.

    theano.config.compute_test_value = 'raise'
    x = T.matrix('x'); x.tag.test_value = numpy.zeros((3, 4))
    y = T.dot(x, W)          # ValueError here if W's rows are not 4

A constant's test value is its data, a shared variable's its current value,
any other variable's its ``tag.test_value``. An input without one makes
'raise' raise ValueError, 'warn' warn, and 'ignore' skip the node silently
(its outputs get no test value); 'pdb' raises as 'raise' does. Each node runs through the op's own
TensorFlow lowering, eagerly, so its result is what the compiled graph
computes.
"""
import warnings

import numpy as np

from tfgraph.compile.errors import LoweringFailed, essential
from tfgraph.compile.lower import Lowering
from tfgraph.config import config
from tfgraph.graph import Constant, ancestors, register_test_value_computer
from tfgraph.ops.grad import Gradient
from tfgraph.printing import pp
from tfgraph.shared import SharedVariable
from tfgraph._tf import tf


def enabled():
    return config.compute_test_value != "off"


def test_value(var):
    """The test value of ``var``; AttributeError when it has none."""
    if isinstance(var, Constant):
        return var.data
    if isinstance(var, SharedVariable):
        return var.get_value(borrow=True)
    return var.tag.test_value


def compute(node):
    """Attach test values to ``node``'s outputs, by the rule of
    ``config.compute_test_value``."""
    mode = config.compute_test_value
    values = []
    for i, var in enumerate(node.inputs):
        try:
            values.append(test_value(var))
        except AttributeError:
            message = (f"Cannot compute test value: input {i} ({var}) of Op {node.op} "
                       f"missing default value")
            if mode in ("raise", "pdb"):  # no debugger here: 'pdb' raises
                raise ValueError(message + ". Give it one with var.tag.test_value = ...") \
                    from None
            if mode == "warn":
                warnings.warn(message, stacklevel=4)
            return
    try:
        try:
            outputs = _run(node, values)
        except LoweringFailed as failed:   # a gradient's forward pass, lowered whole
            raise failed.error from None
    except (tf.errors.OpError, ValueError) as error:
        message = essential(error.message) if isinstance(error, tf.errors.OpError) \
            else str(error)
        raise ValueError(f"{_describe(node)}: computing its test value failed: "
                         f"{message.strip().splitlines()[0]}; input shapes "
                         f"{[np.shape(v) for v in values]}") from None
    for var, value in zip(node.outputs, outputs):
        var.tag.test_value = value


def _describe(node):
    text = pp(node.outputs[0])
    return text if len(text) <= 200 else f"{node.op} of {[str(v) for v in node.inputs]}"


def _run(node, values):
    tensors = [tf.constant(v) for v in values]
    with tf.device("/cpu:0"):
        if isinstance(node.op, Gradient):
            # A gradient needs the forward pass on its tapes: lower the whole
            # graph behind it from its roots' test values.
            try:
                roots = {id(v): tf.constant(test_value(v)) for v in ancestors(node.outputs)
                         if v.owner is None}
            except AttributeError:
                raise ValueError("Cannot compute test value: an input of the gradient "
                                 "has no test value") from None
            computed = Lowering().run(node.outputs, roots)
            outputs = [computed[id(v)] for v in node.outputs]
        else:
            outputs = Lowering().apply(node, tensors)
    return [np.array(t) for t in outputs]


register_test_value_computer(compute)
