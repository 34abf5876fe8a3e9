"""Lowering: turning a symbolic graph into TensorFlow ops, inside a trace (or
eagerly, op by op).

Nodes are lowered in topological order, each under a ``tf.name_scope`` built
from the user's scopes and variable names, so TensorBoard shows the graph in
the user's terms. Each node is lowered by its op's ``lower(node, inputs,
ctx)``, or by the rule registered for the walk's platform
(``tfgraph.platforms.register_lowering``), or, for a Theano-style op that gives
only ``perform``, through ``tf.numpy_function`` (``tfgraph.python_op``).

The ``Lowering`` is also the context every lowering receives (``ctx``); its
fields are declared below and nothing else is kept on it. An op's run-time
rule (a shape that must match, a parameter that must be positive) goes
through ``ctx.require``: an assertion in a plain graph, a validity flag under
XLA, which drops assertions. Gradient nodes read the tapes opened around the
whole walk (``tfgraph.compile.tapes``). A value whose type is not a dense
tensor (a sparse matrix) is a nest of tensors, as its type's ``to_graph``
makes it.
"""
import contextlib
import re

from tfgraph.compile.checks import Checks
from tfgraph.compile.errors import LoweringFailed
from tfgraph.compile.tapes import Tapes
from tfgraph.graph import Constant, Op, toposort
from tfgraph.platforms import lowering_rule
from tfgraph.python_op import lower_perform
from tfgraph._tf import tf


def scope_name(text):
    """A TensorFlow-legal scope name close to ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(text)).strip("_") or "op"
    return cleaned if re.match(r"[A-Za-z0-9.]", cleaned) else "v" + cleaned


def eager_nodes(targets, given=()):
    """The nodes computing ``targets`` in topological order, leaving out those
    needed only through lazy inputs (a lazy op lowers them itself) and those
    behind the variables in ``given`` (ids of variables with a value: an
    intermediate variable given as a function input cuts the graph there)."""
    needed, stack = set(), list(targets)
    while stack:
        var = stack.pop()
        node = var.owner
        if node is None or id(node) in needed or id(var) in given:
            continue
        needed.add(id(node))
        lazy = node.op.lazy_inputs(node)
        stack.extend(v for i, v in enumerate(node.inputs) if i not in lazy)
    return [node for node in toposort(targets) if id(node) in needed]


class Lowering:
    """One walk over a graph, and the context each op's lowering receives.

    Set when the walk is made:

    - ``platform``: None (one device) or ``"mesh"``, which selects the ops'
      registered mesh lowerings;
    - ``xla``: the graph is compiled by XLA, so ``require`` makes validity
      flags, not assertions;
    - ``checks``: the program's ``Checks`` (mode checks, scan steps);
    - ``node_hook``: a mode's ``check(node, inputs, outputs) -> outputs``
      (DebugMode, NanGuardMode, MonitorMode), or None.

    Filled by the walk:

    - ``values``: variable id -> the tensor its consumers read;
    - ``targets``: the variables the walk computes (ops may ask which of
      their outputs anything reads);
    - ``validity``: ``[(node, boolean tensor)]``, under XLA: false where a
      node's inputs make it fail;
    - ``unguarded``: under XLA, the nodes that can fail at run time but gave
      no validity flag (XLA would compute them wrongly without a word:
      such a graph must not run under XLA); shared with nested walks;
    - ``node``: the node being lowered; ``tapes``: the gradient tapes.
    """

    __slots__ = ("platform", "xla", "checks", "node_hook", "values", "targets",
                 "validity", "unguarded", "node", "tapes", "root_scope")

    def __init__(self, platform=None, xla=False, checks=None, node_hook=None, unguarded=None):
        self.platform, self.xla = platform, xla
        self.checks = checks if checks is not None else Checks("lowering")
        self.node_hook = node_hook
        self.values, self.targets, self.validity = {}, None, []
        self.unguarded = [] if unguarded is None else unguarded
        self.node, self.tapes, self.root_scope = None, None, ""

    def nested(self):
        """A new walk with this one's settings, for a graph lowered inside
        this one (a loop's body, a Python op's gradient)."""
        return Lowering(self.platform, self.xla, self.checks, self.node_hook, self.unguarded)

    def run(self, targets, values):
        """Lower the graph computing ``targets``; ``values`` maps root
        variables (inputs, shared variables) to tensors. Returns the map
        extended to every variable computed."""
        self.values = dict(values)
        self.targets = list(targets)  # ops may ask which of their outputs are needed
        self.tapes = Tapes(targets)
        current = tf.get_current_name_scope()
        self.root_scope = f"{current}/" if current else ""
        with contextlib.ExitStack() as stack:
            self.tapes.open(stack)
            for var_id, tensor in list(self.values.items()):
                self.tapes.watch(var_id, tensor)
            for node in eager_nodes(targets, self.values):
                self._lower_node(node)
        return self.values

    # --- what lowerings may ask ----------------------------------------------------

    def require(self, condition, message, *shown):
        """A run-time rule of the node being lowered: ``condition`` (a boolean
        tensor) must hold, else the call fails with ``message`` followed by
        the ``shown`` tensors' values. Returns what the results the rule
        guards must wait for (control dependencies: ``tf.control_dependencies
        (ctx.require(...))``). Under XLA the rule is a validity flag of the
        call instead, which the call checks before it assigns anything."""
        if self.xla:
            self.validity.append((self.node, tf.reduce_all(condition)))
            return []
        check = tf.debugging.Assert(condition, [message, *shown])
        return [] if check is None else [check]   # None: eager, and it held

    def lower_lazily(self, variables):
        """(tensors for ``variables``, a boolean tensor: whether their ops
        were valid), lowering here (in a branch of the caller's ``tf.cond``)
        the nodes the walk left to a lazy op; what is lowered stays local to
        the branch, and so do its validity flags, which the caller returns
        from the branch and ``require``s."""
        saved_values, saved_validity = dict(self.values), self.validity
        self.validity = []
        try:
            for node in eager_nodes(variables):
                if any(id(o) not in self.values for o in node.outputs):
                    self._lower_node(node)
            return [self._input(v) for v in variables], all_valid(self.validity)
        finally:
            self.values, self.validity = saved_values, saved_validity

    def differentiate(self, node, inputs):
        """The outputs of Gradient ``node`` (see tfgraph.compile.tapes)."""
        return self.tapes.differentiate(node, self.values)

    # --- the walk --------------------------------------------------------------

    def _input(self, var):
        if id(var) not in self.values:
            if not isinstance(var, Constant):
                raise KeyError(f"no value for {var} while lowering")
            tensor = constant(var)
            self.values[id(var)] = tensor
            self.tapes.watch(id(var), tensor)
        return self.values[id(var)]

    def _lower_node(self, node):
        outer, self.node = self.node, node
        try:
            with contextlib.ExitStack() as scopes:
                if node.scope:
                    # One absolute scope ("a/b/"): entering "a" then "b" per node
                    # would make TensorFlow number the repeats (a_1, a_2, ...).
                    path = "/".join(scope_name(part) for part in node.scope)
                    scopes.enter_context(tf.name_scope(f"{self.root_scope}{path}/"))
                named = node.outputs[0].name
                scopes.enter_context(tf.name_scope(scope_name(named or str(node.op.name
                                                                             or node.op))))
                lazy = node.op.lazy_inputs(node)
                inputs = [None if i in lazy else self._input(var)  # constants in the user's scope
                          for i, var in enumerate(node.inputs)]
                flags_before = len(self.validity)
                outputs = self.apply(node, inputs)
                if self.xla and node.op.can_fail(node):
                    valid = node.op.valid(node, inputs)
                    if valid is not None:
                        self.validity.append((node, valid))
                    elif len(self.validity) == flags_before:   # nor did it require anything
                        self.unguarded.append(node)
                if self.node_hook is not None:
                    outputs = self.node_hook(node, inputs, outputs)
        except LoweringFailed:
            raise
        except (tf.errors.OpError, TypeError, ValueError, NotImplementedError) as error:
            raise LoweringFailed(node, error) from error
        finally:
            self.node = outer
        for var, tensor in zip(node.outputs, outputs):
            if any(tensor is t for t in inputs) and self.tapes.involves(id(var)):
                # The op passed an input through unchanged: give this variable
                # a tensor of its own, or watching or blocking it would act on
                # the input too.
                tensor = tf.identity(tensor)
            self.values[id(var)] = self.tapes.record(id(var), tensor)

    def apply(self, node, inputs):
        """``node``'s output tensors for these input tensors: the rule
        registered for the walk's platform, else the op's ``lower``, else,
        for a Theano-style op with only ``perform``, that."""
        op = node.op
        rule = lowering_rule(op, self.platform)
        if rule is not None:
            return rule(op, node, inputs, self)
        if op.lowered_by_perform(node):
            return lower_perform(node, inputs, self)  # a user's Theano-style op
        return op.lower(node, inputs, self)


def constant(var):
    """Constant tensors of ``Constant`` ``var``'s value: one, or the nest of
    them its type makes (``to_graph``: a sparse matrix's arrays)."""
    return tf.nest.map_structure(tf.constant, var.type.to_graph(var.data))


def all_valid(flags, so_far=None):
    """A boolean scalar: ``so_far`` (true if None) and every flag of
    ``flags`` (a list of tensors, or of (node, tensor) pairs)."""
    tensors = [f[1] if isinstance(f, tuple) else f for f in flags]
    valid = tf.constant(True) if so_far is None else so_far
    return tf.logical_and(valid, tf.reduce_all(tf.stack(tensors))) if tensors else valid
