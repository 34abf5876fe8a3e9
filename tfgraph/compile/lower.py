"""Lowering: turning a symbolic graph into TensorFlow ops, inside a trace.

Nodes are lowered in topological order, each under a ``tf.name_scope`` built
from the user's scopes and variable names, so TensorBoard shows the graph in
the user's terms.

Gradient nodes (``tfgraph.ops.grad.Gradient``) read persistent
``tf.GradientTape``s opened around the whole walk, one per *tape group*: the
nesting depth of the gradient (1 + the deepest gradient its targets depend
on) and the set of variables it must not differentiate through. So:

- the forward pass is lowered once, and each tape records the part of it
  downstream of the variables that tape watches;
- a depth-d gradient is computed with every tape of depth <= d paused, while
  the deeper tapes record it, so gradients of gradients work to any order;
- all Gradient nodes of one group with the same targets and seeds share one
  ``tape.gradient`` call (one backward sweep), however many ``grad`` calls
  made them;
- a variable a group must not differentiate through (``consider_constant``,
  or a target whose gradient ``known_grads`` fixes) reaches its consumers
  through a ``tf.identity`` made while that group's tape is paused: the
  other tapes see through it, that one does not, and the forward pass is
  still computed once.
"""
import collections
import contextlib
import re

import numpy as np

from tfgraph.graph import Constant, ancestors, toposort
from tfgraph.ops.base import cast_tensor
from tfgraph.ops.grad import Gradient, differentiable, gradient_depths
from tfgraph.ops.sibling_slices import SiblingSlices
from tfgraph._tf import tf


def scope_name(text):
    """A TensorFlow-legal scope name close to ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(text)).strip("_") or "op"
    return cleaned if re.match(r"[A-Za-z0-9.]", cleaned) else "v" + cleaned


# --- values crossing the boundary of a traced graph ---------------------------------
# A tensor crosses as one array. A type whose values are several arrays (a sparse
# matrix: tfgraph.sparse) says how: tensor_spec(name), its part of the signature;
# to_graph(value), a value its filter returned as those arrays; from_graph(result),
# the arrays a graph returned as the user's value.

def input_spec(type_, name):
    """The ``tf.function`` signature of an input of ``type_``."""
    own = getattr(type_, "tensor_spec", None)
    if own is not None:
        return own(name)
    return tf.TensorSpec([1 if b else None for b in type_.broadcastable], type_.dtype, name=name)


def graph_value(type_, value):
    """``value`` (of ``type_``, filtered) as a traced graph takes it."""
    own = getattr(type_, "to_graph", None)
    return value if own is None else own(value)


def output_converter(type_):
    """The function making what a traced graph returned for ``type_`` the user's value."""
    return getattr(type_, "from_graph", np.array)


_Group = collections.namedtuple("_Group", "depth blocked")


class _TapePlan:
    """Which tapes a graph needs, what each watches and blocks, and which
    Gradient nodes share a backward sweep."""

    def __init__(self, targets):
        depths = gradient_depths(targets)
        self.group = {}                                  # node id -> _Group
        self.batch = {}                                  # node id -> batch key
        self.batches = collections.defaultdict(list)     # batch key -> nodes
        self.watch = collections.defaultdict(set)        # var id -> groups
        self.block = collections.defaultdict(set)        # var id -> groups
        for node in toposort(targets):
            if not isinstance(node.op, Gradient):
                continue
            op = node.op
            node_targets, seeds, consts, wrt = op.split(node.inputs)
            blocked = [c for c in consts if c.owner is not None]
            if op.isolate_targets and len(node_targets) > 1:
                blocked += _targets_behind_others(node_targets)
            group = _Group(depths[id(node)], frozenset(id(v) for v in blocked))
            key = (group, op.jacobian, op.isolate_targets,
                   tuple(id(v) for v in node_targets), tuple(id(v) for v in seeds))
            self.group[id(node)] = group
            self.batch[id(node)] = key
            self.batches[key].append(node)
            for w in wrt:
                if differentiable(w.dtype):
                    self.watch[id(w)].add(group)
            for v in blocked:
                self.block[id(v)].add(group)

    def groups(self):
        return set(self.group.values())

    def persistent(self, group):
        """Whether ``group``'s tape must serve more than one sweep. A tape
        serving one gradient call is not persistent: TensorFlow then
        differentiates a ``tf.while_loop`` (scan) directly, where a persistent
        tape makes it wrap the loop in a function that outputs, and
        differentiates, every intermediate value of every step."""
        keys = [key for key in self.batches if key[0] == group]
        return not (len(self.groups()) == 1 and len(keys) == 1
                    and len(self.batches[keys[0]]) == 1 and not keys[0][1])


def lazy_inputs(node):
    """Positions of the inputs of ``node`` that its op computes itself, only
    when needed (the branches of ``ifelse``)."""
    own = getattr(node.op, "lazy_inputs", None)
    return own(node) if own is not None else ()


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
        lazy = lazy_inputs(node)
        stack.extend(v for i, v in enumerate(node.inputs) if i not in lazy)
    return [node for node in toposort(targets) if id(node) in needed]


def _targets_behind_others(targets):
    """The targets that another target depends on."""
    behind = []
    for t in targets:
        if t.owner is not None and any(
                o is not t and any(a is t for a in ancestors([o])) for o in targets):
            behind.append(t)
    return behind


class Lowering:
    """One walk over a graph. ``check(node, tensors)`` may return replacement
    tensors (with checks attached) for each node's outputs; modes use it."""

    def __init__(self, check=None, validity=None):
        self.check = check
        # A list to collect, from each op that can fail at run time, a boolean
        # tensor that is false when it fails (for XLA, which fails silently).
        self.validity = validity
        self.tapes = {}          # _Group -> GradientTape
        self.values = {}         # var id -> tensor its consumers read
        self.unblocked = {}      # var id -> tensor before a blocking identity
        self.results = {}        # batch key -> {wrt var id: gradient tensor}
        self.plan = None
        self.targets = None      # what run() computes (None: not known)
        self.sibling_slices = None  # constant slices of one variable, cut by one split

    def run(self, targets, values):
        """Lower the graph computing ``targets``; ``values`` maps root
        variables (inputs, shared variables) to tensors. Returns the map
        extended to every variable computed."""
        self.values = dict(values)
        self.targets = list(targets)  # ops may ask which of their outputs are needed
        self.plan = _TapePlan(targets)
        self.sibling_slices = SiblingSlices(toposort(targets))
        current = tf.get_current_name_scope()
        self.root_scope = f"{current}/" if current else ""
        with contextlib.ExitStack() as stack:
            # Deepest tape outermost (the order tapes nest in, conventionally).
            for group in sorted(self.plan.groups(), key=lambda g: -g.depth):
                tape = tf.GradientTape(persistent=self.plan.persistent(group),
                                       watch_accessed_variables=False)
                self.tapes[group] = stack.enter_context(tape)
            for var_id, tensor in list(self.values.items()):
                self._watch(var_id, tensor)
            for node in eager_nodes(targets, self.values):
                self._lower_node(node)
        return self.values

    def lower_lazily(self, variables):
        """Tensors for ``variables``, lowering here (in a branch of the
        caller's ``tf.cond``) the nodes the walk left to a lazy op; what is
        lowered stays local to the branch."""
        saved = dict(self.values)
        try:
            for node in eager_nodes(variables):
                if any(id(o) not in self.values for o in node.outputs):
                    self._lower_node(node)
            return [self._input(v) for v in variables]
        finally:
            self.values = saved

    # --- the walk --------------------------------------------------------------

    def _input(self, var):
        if id(var) not in self.values:
            if not isinstance(var, Constant):
                raise KeyError(f"no value for {var} while lowering")
            tensor = tf.nest.map_structure(tf.constant, graph_value(var.type, var.data))
            self.values[id(var)] = tensor
            self._watch(id(var), tensor)
        return self.values[id(var)]

    def _lower_node(self, node):
        with contextlib.ExitStack() as scopes:
            if node.scope:
                # One absolute scope ("a/b/"): entering "a" then "b" per node
                # would make TensorFlow number the repeats (a_1, a_2, ...).
                path = "/".join(scope_name(part) for part in node.scope)
                scopes.enter_context(tf.name_scope(f"{self.root_scope}{path}/"))
            named = node.outputs[0].name
            scopes.enter_context(tf.name_scope(scope_name(named or str(node.op.name or node.op))))
            lazy = lazy_inputs(node)
            inputs = [None if i in lazy else self._input(var)  # constants in the user's scope
                      for i, var in enumerate(node.inputs)]
            outputs = node.op.lower(node, inputs, self)
            if self.validity is not None and node.op.can_fail(node):
                self.validity.append(node.op.valid(node, inputs))
            if self.check is not None:
                outputs = self.check(node, outputs)
        for var, tensor in zip(node.outputs, outputs):
            if any(tensor is t for t in inputs) and (
                    id(var) in self.plan.watch or id(var) in self.plan.block):
                # The op passed an input through unchanged: give this variable
                # a tensor of its own, or watching or blocking it would act on
                # the input too.
                tensor = tf.identity(tensor)
            blocking = self.plan.block.get(id(var))
            if blocking:
                self.unblocked[id(var)] = tensor
                with self._paused(blocking):
                    tensor = tf.identity(tensor)
            self.values[id(var)] = tensor
            self._watch(id(var), tensor)

    def _watch(self, var_id, tensor):
        for group in self.plan.watch.get(var_id, ()):
            self.tapes[group].watch(tensor)

    @contextlib.contextmanager
    def _paused(self, groups):
        with contextlib.ExitStack() as stack:
            for group in groups:
                stack.enter_context(self.tapes[group].stop_recording())
            yield

    # --- gradients -------------------------------------------------------------

    def differentiate(self, node, inputs):
        """The outputs of Gradient ``node``: computed, with every other node of
        its batch, by one ``tape.gradient`` (or ``tape.jacobian``) call."""
        key = self.plan.batch[id(node)]
        if key not in self.results:
            wrt = []
            for other in self.plan.batches[key]:
                for w in other.op.split(other.inputs)[3]:
                    if id(w) in self.values and all(w is not v for v in wrt):
                        wrt.append(w)
            self.results[key] = self._sweep(node, wrt)
        results = self.results[key]
        _, _, _, wrt = node.op.split(node.inputs)
        if any(id(w) not in results for w in wrt):  # not lowered when the batch ran
            results = self._sweep(node, wrt)
        return [cast_tensor(results[id(w)], out.dtype) for w, out in zip(wrt, node.outputs)]

    def _sweep(self, node, wrt):
        """{id(w): d targets / d w} for the ``wrt`` variables."""
        op = node.op
        group = self.plan.group[id(node)]
        tape = self.tapes[group]
        targets, seeds, _, _ = op.split(node.inputs)
        target_tensors = [self.unblocked.get(id(t), self.values[id(t)]) for t in targets]
        seed_tensors = [self.values[id(s)] for s in seeds] or [None] * len(targets)
        # Only floats carry gradients: the others contribute zero.
        pairs = [(t, s) for var, t, s in zip(targets, target_tensors, seed_tensors)
                 if differentiable(var.dtype)]
        sources = [w for w in wrt if differentiable(w.dtype)]
        results = {}
        if pairs and sources:
            source_tensors = [self.values[id(w)] for w in sources]
            # Pause every tape of this depth or less; deeper tapes record the
            # sweep, so that they can differentiate it in turn.
            paused = [g for g in self.tapes if g.depth <= group.depth]
            with self._paused(paused):
                if op.jacobian:
                    grads = _jacobian(tape, pairs[0][0], source_tensors)
                else:
                    ts = [t for t, _ in pairs]
                    ss = [None if s is None else cast_tensor(s, t.dtype.name) for t, s in pairs]
                    grads = tape.gradient(ts, source_tensors,
                                          output_gradients=None if ss[0] is None else ss,
                                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
            for w, g in zip(sources, grads):
                results[id(w)] = tf.convert_to_tensor(g)  # IndexedSlices from gathers
        for w in wrt:
            if id(w) not in results:
                results[id(w)] = self._zeros(op, target_tensors, self.values[id(w)])
        return results

    @staticmethod
    def _zeros(op, target_tensors, w):
        shape = tf.shape(w)
        if op.jacobian:
            shape = tf.concat([tf.shape(target_tensors[0]), shape], 0)
        return tf.zeros(shape, w.dtype if w.dtype.is_floating or w.dtype.is_complex
                        else tf.float64)


def _jacobian(tape, target, sources):
    """Vectorized (pfor) Jacobians, falling back to a loop for ops that pfor
    cannot vectorize."""
    try:
        return tape.jacobian(target, sources, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    except (ValueError, NotImplementedError, TypeError):
        return tape.jacobian(target, sources, unconnected_gradients=tf.UnconnectedGradients.ZERO,
                             experimental_use_pfor=False)
