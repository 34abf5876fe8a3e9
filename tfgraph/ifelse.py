"""``ifelse``: a lazy conditional (Theano's ``theano.ifelse``).

``ifelse(c, a, b)`` is ``a`` when the scalar ``c`` is non-zero, else ``b``;
unlike the elementwise ``T.switch``, only the branch taken is computed. The
node's branch inputs are *lazy* (see ``tfgraph.compile.lower``): the walk does
not lower what only they need, and the node lowers each branch's own part of
the graph inside a branch of one ``tf.cond``. What the rest of the graph
needs anyway is computed once, outside.
"""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph._tf import tf


class IfElse(Op):
    """Inputs: the condition, the ``n_outs`` values of the then branch, the
    ``n_outs`` of the else branch; outputs: the branch taken's values."""

    def __init__(self, n_outs, as_view=False, gpu=False, name=None):
        self.n_outs = n_outs
        self.ifelse_name = name
        self.name = f"if{{{name}}}" if name else "if{}"

    def make_node(self, condition, *branches):
        condition = as_tensor_variable(condition)
        if condition.ndim != 0:
            raise TypeError(f"ifelse: the condition must be a scalar, got {condition} "
                            f"({condition.type})")
        if len(branches) != 2 * self.n_outs:
            raise TypeError(f"{self} takes a condition and {2 * self.n_outs} values, got "
                            f"{len(branches)} values")
        then_values = [as_tensor_variable(v) for v in branches[:self.n_outs]]
        else_values = [as_tensor_variable(v) for v in branches[self.n_outs:]]
        for a, b in zip(then_values, else_values):
            if a.type != b.type:
                raise TypeError(
                    f"The two branches should have identical types, but they are {a.type} "
                    f"and {b.type} respectively. This error could be raised if for example "
                    f"you provided a one element list on the `then` branch but a tensor on "
                    f"the `else` branch.")
        return Apply(self, [condition] + then_values + else_values,
                     [v.type for v in then_values])

    def lazy_inputs(self, node):
        return range(1, 1 + 2 * self.n_outs)

    def lower(self, node, inputs, ctx):
        n = self.n_outs
        then_vars, else_vars = node.inputs[1:1 + n], node.inputs[1 + n:]
        condition = inputs[0]
        if condition.dtype != tf.bool:
            condition = tf.not_equal(condition, tf.zeros([], condition.dtype))

        def branch(variables):
            def run():
                tensors, valid = ctx.lower_lazily(variables)
                return [cast_tensor(t, v.dtype) for t, v in zip(tensors, node.outputs)] + [valid]
            return run
        *outputs, valid = tf.cond(condition, branch(then_vars), branch(else_vars))
        if ctx.xla:  # the branch's ops' validity flags, carried out of the branch
            ctx.require(valid, f"{self}: an op of the branch taken failed")
        return outputs

    def pp(self, node, args):
        n = self.n_outs
        then = args[1] if n == 1 else "[" + ", ".join(args[1:1 + n]) + "]"
        other = args[1 + n] if n == 1 else "[" + ", ".join(args[1 + n:]) + "]"
        return f"ifelse({args[0]}, {then}, {other})"


def ifelse(condition, then_branch, else_branch, name=None):
    """``then_branch`` if the scalar ``condition`` is non-zero, else
    ``else_branch``, computing only the branch taken. Each branch is a
    variable or a list (or tuple) of them, matching one to one in type; the
    result has the then branch's form."""
    kind = type(then_branch) if type(then_branch) in (list, tuple) else None
    then_values = list(then_branch) if kind else [then_branch]
    else_values = list(else_branch) if type(else_branch) in (list, tuple) else [else_branch]
    if len(then_values) != len(else_values):
        raise ValueError(f"The number of values on the `then` branch should have the same "
                         f"number of variables as the `else` branch : (variables on `then` "
                         f"{len(then_values)}, variables on `else` {len(else_values)})")
    condition = as_tensor_variable(condition)
    if not (dtypes.is_discrete(condition.dtype) or dtypes.is_float(condition.dtype)):
        raise TypeError(f"ifelse: the condition {condition} must be a number, got "
                        f"{condition.type}")
    outputs = IfElse(len(then_values), name=name).make_node(
        condition, *then_values, *else_values).outputs
    if kind is None:
        return outputs[0]
    return kind(outputs)


__all__ = ["IfElse", "ifelse"]
