"""Gradients where the tape cannot go: through sparse matrices, and through
ops that only give a symbolic rule (an op with neither a lowering nor
``perform``, as Theano's tests write them), as Theano gives them.

``tf.GradientTape`` differentiates tensors: a sparse matrix's gradient would
be only that of its stored values, always in its own structure. Theano's
sparse ops say otherwise: a structured op's gradient keeps the input's
structure (``structured_dot``, ``sp_sum(sparse_grad=True)``), another's may
store elements the input does not (``sp_sum``'s default, ``true_dot``,
``add`` of two sparse matrices), and a dense matrix made sparse
(``csr_from_dense``) gets its gradient at every element. And an op that
computes nothing TensorFlow can record has only its rule. So where such a
node lies on the path from a ``wrt`` variable to the cost, ``grad``
differentiates in two ways at once (``differentiate``, registered with
tfgraph.symbolic_grad):

- the *region*: every node on that path that takes or makes a sparse
  matrix, or whose op only gives a rule. Its gradient is symbolic, each
  op's ``L_op`` (Theano's rule) applied in reverse topological order, so
  the gradient is the very variable the rule returns;
- between the region's nodes, dense tensors. The gradient at a dense
  variable v is what the region's ops give it directly, plus, by the tape
  (a ``Gradient`` node of ``grad``), the vector-Jacobian product of the
  dense ops from v to the cost and to the region's dense inputs downstream
  (whose gradients are then known), with the region's dense outputs held
  constant so that the tape never goes through a sparse op.

Where no such node on the path depends on a ``wrt`` variable (a sparse
input times dense weights, differentiated with respect to the weights) the
tape differentiates the whole graph, sparse ops' lowerings included.
"""
import collections
import functools

from tfgraph import symbolic_grad
from tfgraph.symbolic_grad import DisconnectedType, NullType, NullTypeGradError
from tfgraph.graph import Op, TensorType, toposort
from tfgraph.ops.grad import connection_pattern, gradient_dtype
from tfgraph.ops.shape import zeros_like


def _is_sparse(var):
    """Whether ``var`` holds what the tape cannot differentiate: not a
    tensor (a sparse matrix)."""
    return not isinstance(var.type, TensorType)


def _by_rule_only(node, on_path):
    """Whether ``node`` lies on the path (an input and an output on it) and
    its op gives its gradient rule and nothing the tape can record: neither
    a lowering nor ``perform``."""
    op = node.op
    return (op.defines_grad() and type(op).lower is Op.lower
            and not op.lowered_by_perform(node)
            and any(id(v) in on_path for v in node.inputs)
            and any(id(v) in on_path for v in node.outputs))


def _downstream(starts, nodes, constants):
    """Ids of the variables that depend, through differentiable connections,
    on a variable of ``starts`` (included); nothing passes a constant."""
    blocked = {id(c) for c in constants}
    found = {id(v) for v in starts}
    for node in nodes:
        pattern = connection_pattern(node)
        for j, out in enumerate(node.outputs):
            if id(out) not in blocked and any(
                    id(inp) in found and pattern[i][j] for i, inp in enumerate(node.inputs)):
                found.add(id(out))
    return found


def _upstream(ends, nodes, constants):
    """Ids of the variables ``ends`` depend on through differentiable
    connections (``ends`` included); nothing passes a constant."""
    blocked = {id(c) for c in constants}
    found = {id(v) for v in ends}
    for node in reversed(nodes):
        pattern = connection_pattern(node)
        for j, out in enumerate(node.outputs):
            if id(out) in found and id(out) not in blocked:
                found.update(id(inp) for i, inp in enumerate(node.inputs) if pattern[i][j])
    return found


def _total(parts):
    """The sum of gradient contributions (sparse or dense), None for none."""
    return functools.reduce(lambda a, b: a + b, parts) if parts else None


class _Backprop:
    """One differentiation of ``targets`` (with ``seeds``) through a region."""

    def __init__(self, targets, seeds, constants, nodes, on_path):
        self.targets, self.seeds, self.constants = targets, seeds, list(constants)
        self.nodes, self.on_path = nodes, on_path
        self.region = [n for n in nodes if _by_rule_only(n, on_path) or any(
            _is_sparse(v) and id(v) in on_path for v in n.inputs + n.outputs)]
        outputs = [o for n in self.region for o in n.outputs]
        output_ids = {id(o) for o in outputs}
        # The tape stops at the region's dense outputs (their gradients flow
        # symbolically) and starts again from its dense inputs on the path.
        self.dense_outputs = [o for o in outputs if not _is_sparse(o)]
        self.dense_inputs = []
        for node in self.region:
            for v in node.inputs:
                if (not _is_sparse(v) and id(v) in on_path and id(v) not in output_ids and
                        all(v is not w for w in self.dense_inputs)):
                    self.dense_inputs.append(v)
        self.parts = collections.defaultdict(list)  # var id -> symbolic contributions
        self.totals = {}                             # var id -> gradient (or None)
        for target, seed in zip(targets, seeds):
            if _is_sparse(target):
                self.parts[id(target)].append(seed)

    def run(self, wrt):
        for node in reversed(self.region):
            output_grads = [self.total(o) if id(o) in self.on_path else None
                            for o in node.outputs]
            if all(g is None for g in output_grads):
                continue
            if not node.op.defines_grad():
                raise NotImplementedError(f"{node.op} has no grad() method: grad cannot go "
                                          f"through it to a sparse matrix")
            input_grads = symbolic_grad.apply_rule(node.op, list(node.inputs),
                                                   list(node.outputs), output_grads)
            for i, (inp, g) in enumerate(zip(node.inputs, input_grads)):
                if id(inp) not in self.on_path or g is None or \
                        isinstance(g.type, DisconnectedType):
                    continue
                if isinstance(g.type, NullType):
                    raise NullTypeGradError(f"tensor.grad encountered a NaN. {g.type.why_null}")
                self.parts[id(inp)].append(g)
        return [self._result(w) for w in wrt]

    def total(self, var):
        """The whole gradient at ``var`` (once every consumer of it in the
        region has given its part)."""
        if id(var) not in self.totals:
            parts = list(self.parts[id(var)])
            if not _is_sparse(var):
                through_tape = self._by_tape(var)
                if through_tape is not None:
                    parts.append(through_tape)
            self.totals[id(var)] = _total(parts)
        return self.totals[id(var)]

    def _by_tape(self, var):
        """The gradient reaching dense ``var`` through dense ops: from the
        targets, and from the region's dense inputs that depend on it."""
        known = collections.OrderedDict((t, s) for t, s in zip(self.targets, self.seeds)
                                        if not _is_sparse(t))  # (those flow symbolically)
        blocked = self.constants + self.dense_outputs
        after = [c for c in self.dense_inputs if c is not var and
                 id(var) in _upstream([c], self.nodes, blocked)]
        for c in after:
            g = self.total(c)
            if g is not None:
                known[c] = g
        return symbolic_grad.grad(None, var, known_grads=known, consider_constant=blocked,
                             disconnected_inputs="ignore", return_disconnected="None",
                             add_names=False)

    def _result(self, w):
        g = self.total(w)
        if g is None:  # only through integers or undefined paths: zero, as Theano
            return w.zeros_like() if _is_sparse(w) else zeros_like(
                w, dtype=gradient_dtype(w.dtype))
        dtype = gradient_dtype(w.dtype)
        return g if g.dtype == dtype else g.astype(dtype)


def differentiate(targets, seeds, wrt, constants):
    """The gradients of ``targets`` (weighted by ``seeds``) with respect to
    ``wrt``, when a sparse matrix or an op that only gives a rule on the
    path from ``wrt`` to ``targets`` depends on a ``wrt``; None (the tape
    does it all) otherwise."""
    nodes = toposort(targets)
    dense_constants = [c for c in constants if not _is_sparse(c)]
    from_wrt = _downstream(wrt, nodes, constants)
    to_targets = _upstream(targets, nodes, constants)
    on_path = from_wrt & to_targets
    if not any(_by_rule_only(n, on_path) or any(_is_sparse(o) and id(o) in on_path
                                                for o in n.outputs) for n in nodes) \
            and not any(_is_sparse(w) for w in wrt):
        return None
    return _Backprop(targets, seeds, dense_constants, nodes, on_path).run(wrt)


symbolic_grad.register_gradient_routine(differentiate)
