"""Differentiation ops: ``Gradient`` nodes and the gradient-shaping identities
(``disconnected_grad``, ``zero_grad``, ``undefined_grad``, ``grad_clip``,
``grad_scale``).

A ``Gradient`` node stands for a whole reverse-mode sweep. Its inputs are, in
order: the *targets* to differentiate, optional *seeds* (the gradients of some
outer cost with respect to the targets; ones when absent), *constants* (the
``consider_constant`` variables, which no gradient passes through), and the
*wrt* variables; it has one output per wrt.

It lowers through ``tf.GradientTape`` (see ``tfgraph.compile.lower``): the
lowering keeps one persistent tape per nesting depth (and per set of
constants) open around the whole graph walk, so a cost and its gradients
share one forward computation, gradients of gradients work to any order, and
all ``Gradient`` nodes with the same targets share one backward sweep.
"""
from tfgraph import dtypes
from tfgraph.config import config
from tfgraph.graph import Apply, Op, TensorType, toposort
from tfgraph.ops.base import as_tensor_variable
from tfgraph.printing import pp
from tfgraph._tf import tf


def differentiable(dtype):
    """Whether values of ``dtype`` carry gradients (TF: floats and complex)."""
    return dtypes.is_float(dtype) or dtypes.kind(dtype) == "c"


def gradient_dtype(dtype):
    """The dtype of a gradient with respect to a ``dtype`` variable: the same
    for floats, floatX for integers and booleans (Theano's rule)."""
    return dtype if differentiable(dtype) else config.floatX


class Gradient(Op):
    """d(sum_i <seeds_i, targets_i>) / d wrt_j, or the Jacobian of one target.

    ``isolate_targets`` gives Theano's ``known_grads`` meaning: the gradient at
    each target is its seed alone, so a target that another target depends on
    passes on only its own seed (a plain vector-Jacobian product, as Rop needs,
    sums both). ``label`` names the node in ``pp`` and ``debugprint``.
    """

    def __init__(self, n_targets, n_seeds=0, n_consts=0, jacobian=False,
                 isolate_targets=True, label=None):
        if n_seeds not in (0, n_targets):
            raise ValueError(f"a Gradient node takes 0 or {n_targets} seeds, got {n_seeds}")
        if jacobian and (n_targets != 1 or n_seeds):
            raise ValueError("a Jacobian node differentiates one target, without seeds")
        self.n_targets, self.n_seeds, self.n_consts = n_targets, n_seeds, n_consts
        self.jacobian = jacobian
        self.isolate_targets = isolate_targets
        self.label = label or ("jacobian" if jacobian else "grad")
        self.name = self.label

    def split(self, inputs):
        """(targets, seeds, constants, wrt) of a node's ``inputs``."""
        t, s, c = self.n_targets, self.n_seeds, self.n_consts
        inputs = list(inputs)
        return inputs[:t], inputs[t:t + s], inputs[t + s:t + s + c], inputs[t + s + c:]

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(v) for v in inputs]
        targets, seeds, _, wrt = self.split(inputs)
        if not wrt:
            raise ValueError("a Gradient node needs at least one wrt variable")
        for target, seed in zip(targets, seeds):
            if seed.ndim != target.ndim:
                raise TypeError(f"the gradient given for {target} ({target.type}) has "
                                f"{seed.ndim} dimensions ({seed.type}); it must have "
                                f"{target.ndim}")
        types = []
        for w in wrt:
            pattern = w.broadcastable
            if self.jacobian:
                pattern = targets[0].broadcastable + pattern
            types.append(TensorType(gradient_dtype(w.dtype), pattern))
        return Apply(self, inputs, types)

    def lower(self, node, inputs, ctx):
        return ctx.differentiate(node, inputs)

    def __str__(self):
        # debugprint shows this above the node's inputs: say which are which.
        t, s, c = self.n_targets, self.n_seeds, self.n_consts
        what = "expression" if self.jacobian else ("cost" if not s else "output")
        parts = [f"{t} {what}{'s' if t > 1 else ''}" if t > 1 else what]
        if s:
            parts.append(f"{s} known grad{'s' if s > 1 else ''}")
        if c:
            parts.append(f"{c} constant{'s' if c > 1 else ''}")
        parts.append("wrt...")
        return f"{self.label}{{{', '.join(parts)}}}"

    def pp(self, node, args):
        if self.label == "Rop":
            return _pp_rop(node, args)
        targets, seeds, consts, wrt = self.split(args)
        of = targets[0] if len(targets) == 1 else "[" + ", ".join(targets) + "]"
        text = f"{self.label}({of}, wrt=[{', '.join(wrt)}]"
        if seeds:
            text += f", known_grads=[{', '.join(seeds)}]"
        if consts:
            text += f", consider_constant=[{', '.join(consts)}]"
        return text + ")"


def _pp_rop(node, args):
    """Print a double-VJP Rop as ``Rop(f, wrt=[x], eval_points=[v])`` rather
    than as the two Gradient nodes it is built from."""
    _, eval_points, _, _ = node.op.split(args)
    inner = node.inputs[0].owner
    fs, _, _, wrt = inner.op.split(inner.inputs)
    of = pp(fs[0]) if len(fs) == 1 else "[" + ", ".join(pp(f) for f in fs) + "]"
    return (f"Rop({of}, wrt=[{', '.join(pp(w) for w in wrt)}], "
            f"eval_points=[{', '.join(eval_points)}])")


def gradient_depths(outputs):
    """Nesting depth of each Gradient node computing ``outputs`` (by node id):
    1 plus the deepest Gradient its targets and seeds depend on."""
    depths = {}
    gradient_nodes = []
    for node in toposort(outputs):
        if isinstance(node.op, Gradient):
            targets, seeds, _, _ = node.op.split(node.inputs)
            depths[id(node)] = 1 + max((_depth(v, depths) for v in targets + seeds), default=0)
            gradient_nodes.append(node)
        else:
            depths[id(node)] = max((_depth(v, depths) for v in node.inputs), default=0)
    return {id(n): depths[id(n)] for n in gradient_nodes}


def _depth(var, depths):
    return depths[id(var.owner)] if var.owner is not None else 0


# --- connectivity ------------------------------------------------------------

def connection_pattern(node):
    """``pattern[i][j]``: whether output j of ``node`` is differentiable with
    respect to input i (the op's ``connection_pattern`` hook, Theano's).
    ``grad`` calls an input that reaches the cost only through unconnected
    edges *disconnected* (``DisconnectedInputError``), as Theano does for
    shapes, indices and ``disconnected_grad``."""
    return node.op.connection_pattern(node)


# --- identities that shape the gradient ------------------------------------------

class _GradientIdentity(Op):
    """The identity in the forward pass; subclasses say what the backward does."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type])

    def pp(self, node, args):
        return f"{self}({args[0]})"


class DisconnectedGrad(_GradientIdentity):
    """No gradient passes, and ``grad`` treats what is behind it as
    disconnected (Theano's ``disconnected_grad``)."""
    name = "disconnected_grad"

    def connection_pattern(self, node):
        return [[False]]

    def lower(self, node, inputs, ctx):
        return [tf.stop_gradient(inputs[0])]


class ZeroGrad(_GradientIdentity):
    """A zero gradient passes: still connected, so no DisconnectedInputError
    (Theano's ``zero_grad``)."""
    name = "zero_grad"

    def lower(self, node, inputs, ctx):
        return [tf.stop_gradient(inputs[0])]


class UndefinedGrad(_GradientIdentity):
    """A gradient through it is undefined: ``grad`` raises
    ``NullTypeGradError`` (Theano's ``undefined_grad``)."""
    name = "undefined_grad"

    def undefined_grads(self, node):
        return {0: ""}

    def lower(self, node, inputs, ctx):
        return [tf.identity(inputs[0])]


class GradClip(_GradientIdentity):
    """The gradient passing backward is clipped elementwise to [lower, upper]."""

    def __init__(self, lower, upper):
        if not lower <= upper:
            raise ValueError(f"grad_clip: lower bound {lower} exceeds upper bound {upper}")
        self.lower_bound, self.upper_bound = float(lower), float(upper)
        self.name = f"grad_clip{{{lower}, {upper}}}"

    def lower(self, node, inputs, ctx):
        low, high = self.lower_bound, self.upper_bound

        @tf.custom_gradient
        def clipped(x):
            def backward(dy):
                return tf.clip_by_value(dy, tf.constant(low, dy.dtype), tf.constant(high, dy.dtype))
            return tf.identity(x), backward
        return [clipped(inputs[0])]


class GradScale(_GradientIdentity):
    """The gradient passing backward is multiplied by ``multiplier``."""

    def __init__(self, multiplier):
        self.multiplier = float(multiplier)
        self.name = f"grad_scale{{{multiplier}}}"

    def lower(self, node, inputs, ctx):
        k = self.multiplier

        @tf.custom_gradient
        def scaled(x):
            def backward(dy):
                return dy * tf.constant(k, dy.dtype)
            return tf.identity(x), backward
        return [scaled(inputs[0])]


class InputSlot(_GradientIdentity):
    """The identity, marking one input slot of an op (``Op.grad``'s default,
    tfgraph.symbolic_grad.derived_grad): the derivative with respect to it
    is the partial one through that slot alone, even where the same variable
    fills another slot too, or another slot depends on it. Each instance
    equals only itself, so no rewrite merges two slots."""
    name = "input_slot"

    def lower(self, node, inputs, ctx):
        return [tf.identity(inputs[0])]

