"""The ways to run a Program: one small class each, with one ``__call__``.

Each takes the inputs as a list of eager tensors (``inputs.py`` makes them;
an input whose type's value is several arrays, a sparse matrix, gives a nest
of them) and returns the outputs likewise, having assigned the updates
if and only if the call succeeded. A failure is TensorFlow's own error
(``tfgraph.compile.errors`` translates it), or ``LoweringFailed`` from an
eager run.

- ``Traced``: the program's graph as one concrete function, its ops run on
  the calling thread where TensorFlow allows it and calls found that faster
  (``one_thread``).
- ``Eager``: op by op, on every call (FAST_COMPILE).
- ``Xla``: the graph compiled by XLA; a call whose validity flags do not all
  hold assigns nothing and runs again as ``Traced``, which raises the op's
  own error.
- ``Auto``: ``Traced`` or ``Xla``, chosen per input shape by measurement
  (``tfgraph.compile.xla.Choice``).
- ``Mesh`` (tfgraph.compile.mesh): on a mesh of devices.

``choose`` picks one for a function, by the XLA policy. Tracing holds Ctrl-C
back until it is done (``transaction.interrupts_deferred``): an interrupt
inside TensorFlow's graph building would leave its global state broken.
"""
import time
import warnings

from tfgraph.compile import one_thread, transaction, xla
from tfgraph.compile.lower import all_valid
from tfgraph.compile.mesh import Mesh
from tfgraph._tf import tf


def trace(tf_function):
    """``tf_function``'s concrete function, traced with Ctrl-C held back."""
    with transaction.interrupts_deferred():
        return tf_function.get_concrete_function()


def call_concrete(concrete_function, tensors):
    """Run a concrete function on a list of tensors of its signature's types.
    ``_call_flat`` skips binding the arguments to the signature again, the
    most costly Python step of a call; the public call where it is missing."""
    call_flat = getattr(concrete_function, "_call_flat", None)
    if call_flat is None:  # pragma: no cover - other TensorFlow versions
        return concrete_function(*tensors)
    return call_flat(tensors, concrete_function.captured_inputs)


def shapes(tensors):
    """The shapes of eager tensors, as a key: ``_shape_tuple`` is one call
    into C, where ``tensor.shape`` builds a TensorShape (4 us a call)."""
    try:
        return tuple(t._shape_tuple() for t in tensors)
    except AttributeError:  # pragma: no cover - other TensorFlow versions
        return tuple(tuple(t.shape) for t in tensors)


class Traced:
    """The program's graph, traced once for every input shape."""

    def __init__(self, program):
        self.program = program
        self.concrete_function = trace(tf.function(
            self._body, input_signature=program.signature(), autograph=False))
        # Whether calls run on one thread: False, or decided by a trial.
        self.one_thread = False
        self.trial = (one_thread.Trial() if one_thread.runs_on_one_thread(
            self.concrete_function) else None)

    def _body(self, *args):
        self.program.trace_count += 1
        return self.program.body(*args)

    def __call__(self, tensors):
        trial = self.trial
        if trial is None:
            return self._run(tensors, self.one_thread)
        single = trial.next_single()
        start = time.perf_counter()
        results = self._run(tensors, single)
        decided = trial.record(single, time.perf_counter() - start)
        if decided is not None:
            self.one_thread, self.trial = decided, None
        return results

    @property
    def settled(self):
        """Whether the executor its calls use is decided."""
        return self.trial is None

    def _run(self, tensors, single):
        flat = self.program.flat(tensors)
        if single:
            return one_thread.call_on_one_thread(call_concrete, self.concrete_function, flat)
        return call_concrete(self.concrete_function, flat)


class Eager:
    """The lowering run op by op on every call: a debugger can step through
    it. Everything is computed, then assigned; an exception before or during
    the assignments leaves every shared variable as it was, and Ctrl-C waits
    for the end of the call, whose assignments are many separate steps."""

    concrete_function = None

    def __init__(self, program):
        self.program = program

    def __call__(self, tensors):
        program = self.program
        with transaction.interrupts_deferred(), tf.device(program.device):
            program.trace_count += 1
            updated = [target.variable for target, _ in program.updates]
            before = transaction.snapshot(updated)
            lowered = program.lower(tensors)
            transaction.assign_all(updated, lowered.new_values, before)
            return lowered.outputs


class Xla:
    """The program compiled by XLA. XLA computes a failing op without failing
    (a clamped index, garbage for an integer division by zero) and drops
    assertions, so every rule is a validity flag (``Lowering.require``,
    ``Op.valid``): the flags come back with the outputs, the assignments run
    only if all hold, and a call where one does not runs again without XLA
    (``fallback``, a Traced) to raise the op's own error. A graph XLA cannot
    compile runs without XLA from its first call on."""

    def __init__(self, program, fallback):
        self.program, self._fallback = program, fallback
        self.flag_nodes = []    # the node of each validity flag, set when traced
        self.unguarded = []     # nodes that can fail but give no flag: see ``safe``
        self.concrete_function = trace(tf.function(
            self._body, input_signature=program.signature(), autograph=False,
            jit_compile=True))
        self.compiles = None    # known after the first call
        self.fallback_calls = 0  # calls that ran again without XLA

    def _body(self, *args):
        program = self.program
        program.trace_count += 1
        with tf.device(program.device):
            lowered = program.lower(args, xla=True)
            self.unguarded = lowered.unguarded
            if not lowered.validity:
                return program.assign(lowered.outputs, lowered.new_values)
            self.flag_nodes = [node for node, _ in lowered.validity]
            flags = tf.stack([flag for _, flag in lowered.validity])

            def assign():
                program.assign(lowered.outputs, lowered.new_values)
                return tf.constant(True)
            with tf.control_dependencies(tf.nest.flatten(lowered.outputs + lowered.new_values)):
                tf.cond(all_valid(lowered.validity), assign, lambda: tf.constant(False))
            return tf.nest.map_structure(tf.identity, lowered.outputs) + [flags]

    @property
    def safe(self):
        """Whether every node that can fail at run time gives XLA a validity
        flag: else XLA would compute it wrongly without a word (a singular
        matrix's inverse), and the graph must run without XLA."""
        return not self.unguarded

    def fallback(self):
        """The Traced graph without XLA, made when first needed."""
        if not isinstance(self._fallback, Traced):
            self._fallback = Traced(self.program)
        self.fallback_calls += 1
        return self._fallback

    def __call__(self, tensors):
        if self.compiles is False:
            return self.fallback()(tensors)
        try:
            results = call_concrete(self.concrete_function, self.program.flat(tensors))
        except tf.errors.InvalidArgumentError as error:
            if "tf2xla conversion failed" not in (error.message or ""):
                raise
            # Nothing ran: XLA could not compile the graph for these arguments.
            # Without XLA the call raises the op's own error (a value XLA needs
            # as a constant, a shape it rejects), or it runs: then, if XLA never
            # compiled it, the graph goes on without XLA.
            results = self.fallback()(tensors)
            self.compiles = self.compiles or False
            return results
        self.compiles = True
        if self.flag_nodes:
            *results, flags = results
            if not all(flags.numpy()):
                return self.fallback()(tensors)  # nothing was assigned
        return results


class Auto:
    """``Traced`` or ``Xla``, per input shape, as measurement says
    (``tfgraph.compile.xla``)."""

    def __init__(self, program, plain):
        self.program, self.plain = program, plain
        self.concrete_function = plain.concrete_function
        self.choice = xla.Choice()
        self.xla = None   # made when a shape first tries it
        self.decided = {}  # input shapes -> the executable chosen for them

    @property
    def settled(self):
        """Whether the way to run is decided for every input shape met so far
        (a long run's steady state: benchmarks wait for it)."""
        if not (self.plain.settled or self.decided and all(
                run is self.xla for run in self.decided.values())):
            return False
        return isinstance(self.choice, _Never) or self.choice.settled()

    def __call__(self, tensors):
        key = shapes(self.program.flat(tensors))
        decided = self.decided.get(key)
        if decided is not None:   # a long run's calls: nothing more to measure
            return decided(tensors)
        use_xla = self.choice.use_xla(key)
        if use_xla and self.xla is None:
            self.xla = Xla(self.program, self.plain)
            if not self.xla.safe:
                self.choice, use_xla = _Never(), False
        run = self.xla if use_xla else self.plain
        start = time.perf_counter()
        results = run(tensors)
        if use_xla and self.xla.compiles is False:   # XLA cannot compile it: never again
            self.choice = _Never()
        else:
            self.choice.record(key, use_xla, time.perf_counter() - start)
            chosen = self.choice.chosen(key)
            if chosen is not None:
                self.decided[key] = self.xla if chosen else self.plain
        return results


class _Never:
    """The choice of a graph XLA cannot compile."""

    def settled(self):
        return True

    def use_xla(self, key):
        return False

    def chosen(self, key):
        return False

    def record(self, key, used_xla, seconds):
        pass


def choose(program, mesh=None):
    """The executable for ``program``: by its mode and the XLA policy."""
    setting = xla.setting(program.mode)
    if mesh is not None:  # traced even in FAST_COMPILE (see tfgraph.compile.mesh)
        return Mesh(program, mesh, xla=setting is True and program.may_use_xla())
    if program.mode.eager:
        return Eager(program)
    if setting is False or not program.may_use_xla():
        return Traced(program)
    if setting is True:
        compiled = Xla(program, None)
        if compiled.safe:
            return compiled
        warnings.warn(f"function {program.name!r} runs without XLA, though asked to: XLA "
                      f"would not report a failure of {_nodes_text(compiled.unguarded)}, "
                      f"which TensorFlow's own kernels raise", stacklevel=4)
        return compiled.fallback()
    return Auto(program, Traced(program))


def _nodes_text(nodes):
    ops = sorted({str(node.op) for node in nodes})
    return ", ".join(ops[:3]) + (", ..." if len(ops) > 3 else "")
