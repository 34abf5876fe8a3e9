"""A ``Program``: what a compiled function computes, ready to be lowered.

A Program holds the graph after ``givens`` and the compile-time rewrites
(``outputs``, ``updates``), the shared variables it reads and writes (and the
locks a call takes, in their one order), its input signature, and its
run-time checks. It does not run anything: the executables
(``tfgraph.compile.executables``) trace or run its ``lower`` in the way they
are made for, and ``loop``, meshes, persistence and export use the same
interface.

``lower(args)`` returns, for tensors of the inputs, the outputs, the updates'
new values and the validity flags (``Lowered``): each new value has been
checked to fit its shared variable's type, nothing is assigned.
``assign(new_values)`` then makes the assignments, each waiting for every
output, new value and check, so that a call that fails changes nothing.
"""
import collections

from tfgraph import devices
from tfgraph.compile import transaction
from tfgraph.compile.checks import Checks
from tfgraph.compile.errors import LoweringFailed
from tfgraph.compile.lower import Lowering, constant, scope_name
from tfgraph.compile.rewrite import rewrite
from tfgraph.graph import Constant, TensorType, ancestors, toposort
from tfgraph.shared import SharedVariable
from tfgraph._tf import tf

# validity: [(node, flag)] under XLA; unguarded: nodes that can fail but gave
# no flag there (tfgraph.compile.lower.Lowering).
Lowered = collections.namedtuple("Lowered", "outputs new_values validity unguarded")


class Program:
    """What a compiled function computes (see the module docstring).

    - ``name``: the function's name; ``mode``: its Mode;
    - ``inputs``: the input variables, in order; ``input_names``: their names;
    - ``outputs``: the output variables; ``updates``: (shared variable, new
      value) pairs; both after givens and rewrites;
    - ``shared_variables``: the shared variables the graph reads (not given as
      inputs); ``locks``: the locks a call holds;
    - ``platform``: None (one device) or ``"mesh"``; ``device``: where it runs;
    - ``checks``: its modes' checks and scan steps (``Checks``).
    """

    def __init__(self, name, mode, inputs, input_names, outputs, updates, platform=None):
        self.name, self.mode = name, mode
        self.inputs, self.input_names = list(inputs), list(input_names)
        self.platform = platform
        targets = rewrite([*outputs, *(v for _, v in updates)], platform=platform)
        n = len(outputs)
        self.outputs = targets[:n]
        self.updates = [(t, v) for (t, _), v in zip(updates, targets[n:])]
        self.targets = targets
        needed = ancestors(targets, blockers=self.inputs)
        input_ids = {id(v) for v in self.inputs}
        self.used_inputs = {id(v) for v in needed} & input_ids
        self.shared_variables = [v for v in needed if isinstance(v, SharedVariable)
                                 and id(v) not in input_ids]
        self.locks = transaction.lock_order(
            self.shared_variables + [target for target, _ in self.updates])
        self.checks = Checks(name)
        # An input whose value is several tensors (a sparse matrix's arrays) makes
        # a concrete function take its arguments flattened (``flat``).
        self.nested_inputs = any(tf.nest.is_nested(spec) for spec in self.signature())
        self.device = devices.resolve()
        self.trace_count = 0   # the times an executable traced (or ran eagerly) a call

    # --- what executables ask ----------------------------------------------------

    def signature(self, stacked=False):
        """The inputs' ``tf.TensorSpec``s, as their types declare them
        (``tensor_spec``: for a tensor, length 1 in a broadcastable dimension,
        any length otherwise; a nest of them for a sparse matrix);
        ``stacked``: with a leading axis of any length (a loop's steps, which
        take tensors only)."""
        specs = [var.type.tensor_spec(scope_name(name or f"input_{i}"))
                 for i, (var, name) in enumerate(zip(self.inputs, self.input_names))]
        if stacked:
            specs = [tf.TensorSpec([None, *spec.shape], spec.dtype, name=spec.name)
                     for spec in specs]
        return specs

    def flat(self, tensors):
        """The inputs' tensors as a concrete function of ``signature()`` takes
        them: flattened if an input's value is a nest."""
        return tf.nest.flatten(tensors) if self.nested_inputs else tensors

    def require_dense(self, runner):
        """Raise TypeError naming the first input, output or shared variable
        that is not a dense tensor (a sparse matrix): ``runner`` (a mesh of
        devices, a loop) takes dense tensors only."""
        named = [(f"input {name or var} (index {i})", var)
                 for i, (var, name) in enumerate(zip(self.inputs, self.input_names))]
        named += [(f"output {i} ({var})", var) for i, var in enumerate(self.outputs)]
        named += [(f"shared variable {var}", var)
                  for var in self.shared_variables + [t for t, _ in self.updates]]
        for what, var in named:
            if not isinstance(var.type, TensorType):
                raise TypeError(f"function {self.name!r}: {runner} takes dense tensors "
                                f"only, but {what} is {var.type}")

    def may_use_xla(self):
        """Whether XLA can compile the whole graph: no op of it (or of an
        inner graph, a scan's step) calls back into Python."""
        return all(node.op.xla_compilable(node) for node in self._nodes())

    def _nodes(self):
        """Every node, those of inner graphs (scan steps) included."""
        stack, seen = list(toposort(self.targets)), set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            stack.extend(toposort(node.op.inner_outputs))

    def lower(self, args, xla=False, shared_values=None, platform=False):
        """``Lowered(outputs, new_values, validity, unguarded)`` for ``args``, tensors of
        the inputs. The shared variables are read here unless
        ``shared_values`` gives their tensors (in ``shared_variables``'
        order); ``platform`` defaults to the program's."""
        values = {id(var): t for var, t in zip(self.inputs, args)}
        if shared_values is None:
            for var in self.shared_variables:
                with tf.name_scope(scope_name(var.name or "shared")):
                    values[id(var)] = var.variable.read_value()
        else:
            values.update((id(var), t) for var, t in zip(self.shared_variables, shared_values))
        check_input = self.mode.input_checker(self.checks)
        if check_input is not None:
            for position, var in enumerate(self.inputs):
                if id(var) in self.used_inputs:  # a check nothing waits for could not stop updates
                    values[id(var)] = check_input(var, values[id(var)], position)
            for var in self.shared_variables:
                values[id(var)] = check_input(var, values[id(var)], None)
        lowering = Lowering(self.platform if platform is False else platform, xla, self.checks,
                            self.mode.checker(self.checks))
        values = lowering.run(self.targets, values)
        for var in self.targets:
            if isinstance(var, Constant) and id(var) not in values:  # an output with no op
                values[id(var)] = constant(var)
        outputs = [values[id(v)] for v in self.outputs]
        new_values = [_fitted(lowering, values[id(v)], target) for target, v in self.updates]
        return Lowered(outputs, new_values, lowering.validity, lowering.unguarded)

    def replay(self, arrays, shared_values=None):
        """Run a call op by op (eagerly, on one device), on ``arrays`` (as
        ``to_graph`` makes them, or tensors) and the
        shared variables' values (or ``shared_values``), assigning nothing:
        the ``LoweringFailed`` naming the node where it fails, or None. A
        failed traced call names its node this way: the lowering walk knows
        which node it is lowering."""
        values = {id(var): tf.nest.map_structure(tf.constant, a)
                  for var, a in zip(self.inputs, arrays)}
        for position, var in enumerate(self.shared_variables):
            value = (var.get_value(borrow=True) if shared_values is None
                     else shared_values[position])
            values[id(var)] = tf.nest.map_structure(tf.constant, var.type.to_graph(value))
        with tf.device(self.device):
            try:
                Lowering(checks=self.checks).run(self.targets, values)
            except LoweringFailed as failed:
                return failed
        return None

    def assign(self, outputs, new_values):
        """Assign the updates' ``new_values`` (in a graph), once every output
        and new value exists and passed its checks, so a failing call leaves
        every shared variable as it was. Returns the outputs."""
        with tf.control_dependencies(tf.nest.flatten(outputs + new_values)):
            for (target, _), value in zip(self.updates, new_values):
                target.variable.assign(value)
        return outputs

    def body(self, *args):
        """One call as a graph: lower, then assign (no XLA)."""
        with tf.device(self.device):
            lowered = self.lower(args)
            return self.assign(lowered.outputs, lowered.new_values)


def _fitted(lowering, value, shared_variable):
    """``value`` checked (at run time) to have length 1 in every broadcastable
    dimension of ``shared_variable``, so that no call stores a value its type
    forbids."""
    static = value.shape
    axes = [d for d, b in enumerate(shared_variable.broadcastable)
            if b and (static.rank is None or static[d] != 1)]  # else known at trace time
    if not axes:
        return value
    if lowering.xla:
        lowering.node = None
        lowering.require(tf.reduce_all(tf.equal(tf.gather(tf.shape(value), axes), 1)),
                         f"the update of {shared_variable} has a dimension of length other "
                         f"than 1 where its type {shared_variable.type} broadcasts")
        return value
    return tf.ensure_shape(value, [1 if b else None for b in shared_variable.broadcastable])
