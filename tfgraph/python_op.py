"""User-defined ops in Theano's style: ``make_node`` + ``perform`` (+ ``grad``).

    class DoubleOp(theano.Op):
        __props__ = ()
        def make_node(self, x):
            x = T.as_tensor_variable(x)
            return theano.Apply(self, [x], [x.type()])
        def perform(self, node, inputs, output_storage):
            output_storage[0][0] = inputs[0] * 2
        def grad(self, inputs, output_grads):
            return [output_grads[0] * 2]

``perform`` runs through ``tf.numpy_function`` inside the traced graph, so a
function using such an op is still one ``tf.function``; the call leaves the
graph for Python at that node. TensorFlow cannot compile such a node with XLA
or place it on a GPU (it runs on the host, and values are copied there and
back). ``grad``, when the op defines it, is the op's gradient: the symbolic
graph it returns is lowered inside the backward pass (``tf.custom_gradient``).
Without ``grad``, asking for a gradient through the op raises NotImplementedError.
``infer_shape`` is accepted; shapes come from the values ``perform`` makes.
"""
import re

import numpy as np

from tfgraph.ops.base import cast_tensor
from tfgraph.symbolic_grad import NullType, apply_rule
from tfgraph._tf import tf


def lower_perform(node, inputs, ctx):
    """The TensorFlow outputs of ``node``, an op with a ``perform`` method,
    lowered in walk ``ctx`` (whose settings its gradient graph takes)."""
    op = node.op
    dtypes = [out.dtype for out in node.outputs]

    def run(*arrays):
        storage = [[None] for _ in node.outputs]
        op.perform(node, [np.asarray(a) for a in arrays], storage)
        results = []
        for out, (value,) in zip(node.outputs, storage):
            if value is None:
                raise ValueError(f"{op}.perform did not set output {out.index} "
                                 f"(output_storage[{out.index}][0])")
            value = np.asarray(value)
            if value.ndim != out.ndim:
                raise ValueError(f"{op}.perform gave output {out.index} {value.ndim} "
                                 f"dimensions; its type {out.type} has {out.ndim}")
            results.append(value.astype(out.dtype, copy=False))
        return results

    def forward(*tensors):
        outputs = tf.numpy_function(run, list(tensors), [tf.as_dtype(d) for d in dtypes],
                                    stateful=False, name=_tf_name(op))
        for tensor, var in zip(outputs, node.outputs):
            tensor.set_shape([1 if b else None for b in var.broadcastable])
        return outputs

    @tf.custom_gradient
    def with_gradient(*tensors):
        outputs = forward(*tensors)

        def backward(*output_grads):
            if not op.defines_grad():  # reached only when a gradient goes through it
                raise NotImplementedError(
                    f"{op} has no grad() method, so the gradient through it is not defined")
            return _lower_grad(node, tensors, outputs, output_grads, ctx)
        return outputs, backward

    outputs = with_gradient(*inputs)
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _lower_grad(node, input_tensors, output_tensors, grad_tensors, ctx):
    """The op's symbolic ``L_op`` (``grad`` unless the op overrides it)
    applied to stand-ins of its inputs, outputs and output gradients,
    lowered on the actual tensors."""
    inputs = [v.type() for v in node.inputs]
    outputs = [v.type() for v in node.outputs]
    output_grads = [v.type() for v in node.outputs]
    grads = apply_rule(node.op, inputs, outputs, output_grads)
    values = {id(v): t for v, t in zip(inputs, input_tensors)}
    values.update({id(v): t for v, t in zip(outputs, output_tensors)})
    values.update({id(v): cast_tensor(tf.convert_to_tensor(t), v.dtype)
                   for v, t in zip(output_grads, grad_tensors)})
    grads = [None if _is_null(g) else g for g in grads]
    symbolic = [g for g in grads if g is not None]
    computed = ctx.nested().run(symbolic, values) if symbolic else {}
    results = []
    for g, var, tensor in zip(grads, node.inputs, input_tensors):
        if g is None or not (var.dtype.startswith("float") or var.dtype.startswith("complex")):
            results.append(None)
            continue
        value = computed.get(id(g))
        if value is None:  # a constant gradient
            value = tf.constant(g.data)
        results.append(tf.broadcast_to(cast_tensor(value, var.dtype), tf.shape(tensor)))
    return results


def _is_null(g):
    return isinstance(getattr(g, "type", None), NullType)


def _tf_name(op):
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", str(op)) or "python_op"
