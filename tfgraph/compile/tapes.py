"""Gradient nodes lowered through ``tf.GradientTape``s opened around a whole
lowering walk.

There is one persistent tape per *tape group*: the nesting depth of a
gradient (1 + the deepest gradient its targets depend on) and the set of
variables it must not differentiate through. So:

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

from tfgraph.graph import ancestors, toposort
from tfgraph.ops.base import cast_tensor
from tfgraph.ops.grad import Gradient, differentiable, gradient_depths
from tfgraph._tf import tf

_Group = collections.namedtuple("_Group", "depth blocked")


class TapePlan:
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


def _targets_behind_others(targets):
    """The targets that another target depends on."""
    behind = []
    for t in targets:
        if t.owner is not None and any(
                o is not t and any(a is t for a in ancestors([o])) for o in targets):
            behind.append(t)
    return behind


class Tapes:
    """The open tapes of one walk (``open`` them around it), the values they
    record, and the gradients swept from them."""

    def __init__(self, targets):
        self.plan = TapePlan(targets)
        self.tapes = {}          # _Group -> GradientTape
        self.unblocked = {}      # var id -> tensor before a blocking identity
        self.results = {}        # batch key -> {wrt var id: gradient tensor}

    def open(self, stack):
        """Enter every tape on ``stack`` (a contextlib.ExitStack)."""
        # Deepest tape outermost (the order tapes nest in, conventionally).
        for group in sorted(self.plan.groups(), key=lambda g: -g.depth):
            tape = tf.GradientTape(persistent=self.plan.persistent(group),
                                   watch_accessed_variables=False)
            self.tapes[group] = stack.enter_context(tape)

    def involves(self, var_id):
        """Whether a tape watches or blocks the variable."""
        return var_id in self.plan.watch or var_id in self.plan.block

    def record(self, var_id, tensor):
        """The tensor consumers of the variable read: ``tensor``, behind a
        blocking identity where a group must not differentiate through it;
        watched by the tapes that differentiate with respect to it."""
        blocking = self.plan.block.get(var_id)
        if blocking:
            self.unblocked[var_id] = tensor
            with self._paused(blocking):
                tensor = tf.identity(tensor)
        self.watch(var_id, tensor)
        return tensor

    def watch(self, var_id, tensor):
        for group in self.plan.watch.get(var_id, ()):
            self.tapes[group].watch(tensor)

    @contextlib.contextmanager
    def _paused(self, groups):
        with contextlib.ExitStack() as stack:
            for group in groups:
                stack.enter_context(self.tapes[group].stop_recording())
            yield

    def differentiate(self, node, values):
        """The outputs of Gradient ``node``: computed, with every other node of
        its batch, by one ``tape.gradient`` (or ``tape.jacobian``) call;
        ``values`` maps variable ids to the walk's tensors."""
        key = self.plan.batch[id(node)]
        if key not in self.results:
            wrt = []
            for other in self.plan.batches[key]:
                for w in other.op.split(other.inputs)[3]:
                    if id(w) in values and all(w is not v for v in wrt):
                        wrt.append(w)
            self.results[key] = self._sweep(node, wrt, values)
        results = self.results[key]
        _, _, _, wrt = node.op.split(node.inputs)
        if any(id(w) not in results for w in wrt):  # not lowered when the batch ran
            results = self._sweep(node, wrt, values)
        return [cast_tensor(results[id(w)], out.dtype) for w, out in zip(wrt, node.outputs)]

    def _sweep(self, node, wrt, values):
        """{id(w): d targets / d w} for the ``wrt`` variables."""
        op = node.op
        group = self.plan.group[id(node)]
        tape = self.tapes[group]
        targets, seeds, _, _ = op.split(node.inputs)
        target_tensors = [self.unblocked.get(id(t), values[id(t)]) for t in targets]
        seed_tensors = [values[id(s)] for s in seeds] or [None] * len(targets)
        # Only floats carry gradients: the others contribute zero.
        pairs = [(t, s) for var, t, s in zip(targets, target_tensors, seed_tensors)
                 if differentiable(var.dtype)]
        sources = [w for w in wrt if differentiable(w.dtype)]
        results = {}
        if pairs and sources:
            source_tensors = [values[id(w)] for w in sources]
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
                results[id(w)] = _zeros(op, target_tensors, values[id(w)])
        return results


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
