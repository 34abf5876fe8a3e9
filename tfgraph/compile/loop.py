"""Many steps of a compiled function in one graph call (``Function.loop``).

Theano users had to rewrite a training loop with ``scan`` to keep it inside
the graph; here any compiled function can run ``n_steps`` times in one
``tf.while_loop``, each step computing its outputs and applying its updates
exactly as a call would, and every step's outputs come back stacked. The
loop lowers the function's ``Program`` in its body; it is compiled with XLA
as the XLA policy says (``tfgraph.compile.xla``: an explicit ``jit_compile``,
the mode, ``config.xla``; unset, a loop uses XLA).

A loop is one transaction (see ``tfgraph.compile.transaction``): it holds its
shared variables' locks throughout, and if anything goes wrong (a step fails,
Ctrl-C, any exception) every shared variable is put back as it was before the
loop. Steps assign as they go, so the values before the loop are kept.

- **Interrupts.** TensorFlow cannot interrupt a graph call, so a long loop
  runs as several calls ("chunks") of about ``CHUNK_SECONDS`` each (measured
  as it runs; the first chunk has ``FIRST_CHUNK`` steps), and an interrupt is
  raised between two chunks, after the rollback. Tracing the loop holds
  Ctrl-C back until it is done.
- **Failing steps.** Without XLA, a failing op raises in its step; the loop
  finds which step by running the failed chunk again (bisecting its length),
  and raises the error that step raises as a call would, with the values the
  shared variables had then, prefixed by the step number. XLA computes such
  ops without failing (a clamped index, garbage for a division by zero), so
  under XLA every rule is a validity flag (``Lowering.require``,
  ``Op.valid``), the loop stops at the first step whose flags are not all
  set, and the step is run again without XLA to raise its error.
- **Meshes.** On a mesh of devices the steps are calls of the function's
  mesh executable, one per step (``StepCalls``).
"""
import math
import operator
import time

import numpy as np

from tfgraph.compile import errors, transaction, xla
from tfgraph.compile.errors import ExecutionRuntimeError
from tfgraph.compile.executables import call_concrete, trace
from tfgraph.compile.lower import all_valid
from tfgraph._tf import tf

CHUNK_SECONDS = 0.25
FIRST_CHUNK = 128
MAX_STEPS = 2 ** 31 - 1   # the loop counter is an int32


class StepLoop:
    """The traced loop of one Program, built on first use.

    ``sliced=False``: every step gets the same arguments.
    ``sliced=True``: each argument is stacked along a new first axis and step
    i gets slice i; the number of steps is that axis's length.

    Called with ``n_steps`` and the arguments, it returns the first failed
    step (-1 if none; only XLA loops detect failures this way) and the
    outputs of each step, stacked.
    """

    def __init__(self, program, sliced, jit_compile):
        self.program, self.sliced = program, sliced
        self.jit_compile = bool(jit_compile)
        self.step_seconds = None     # measured on chunk sizes already compiled
        self.sizes_run = set()
        self.unguarded = []          # under XLA: see tfgraph.compile.executables.Xla.safe
        n_steps = tf.TensorSpec([], tf.int32, "n_steps")
        with tf.device(program.device):
            self.concrete = trace(tf.function(
                self._loop, input_signature=[n_steps] + program.signature(stacked=sliced),
                autograph=False, jit_compile=self.jit_compile or None))

    def _loop(self, n_steps, *args):
        program = self.program
        with tf.device(program.device):
            arrays = [tf.TensorArray(v.dtype, size=n_steps, element_shape=None,
                                     infer_shape=False) for v in program.outputs]
            updated = [target for target, _ in program.updates]

            def body(i, failed, *arrays):
                step_args = [a[i] for a in args] if self.sliced else list(args)
                # Reads of step i must follow the assignments of step i - 1:
                # they all hang on the loop counter, which waits for them below.
                with tf.control_dependencies([i]):
                    lowered = program.lower(step_args, xla=self.jit_compile)
                    outputs = program.assign(lowered.outputs, lowered.new_values)
                self.unguarded = lowered.unguarded
                if lowered.validity:
                    failed = tf.where(all_valid(lowered.validity), failed, i)
                arrays = [a.write(i, o) for a, o in zip(arrays, outputs)]
                settled = [t.variable.read_value() for t in updated]
                with tf.control_dependencies(settled + list(outputs)):
                    return (i + 1, failed, *arrays)

            _, failed, *arrays = tf.while_loop(
                lambda i, failed, *_: tf.logical_and(i < n_steps, failed < 0), body,
                (tf.constant(0), tf.constant(-1), *arrays))
            return [failed] + [a.stack() for a in arrays]

    def chunk_size(self, remaining):
        """Steps in the next chunk: about CHUNK_SECONDS' worth, a power of two."""
        if self.step_seconds is None:
            return min(remaining, FIRST_CHUNK)
        steps = CHUNK_SECONDS / max(self.step_seconds, 1e-9)
        return min(remaining, 2 ** max(0, int(math.log2(max(steps, 1)))))

    def run(self, n_steps, arrays):
        """(first failed step or -1, stacked outputs) of ``n_steps`` steps."""
        compiled = n_steps in self.sizes_run or not self.jit_compile
        start = time.perf_counter()
        failed, *results = call_concrete(self.concrete, [tf.constant(n_steps, tf.int32)] + [
            tf.constant(a) for a in arrays])
        if compiled and n_steps:  # XLA compiles once per size: time only compiled runs
            self.step_seconds = (time.perf_counter() - start) / n_steps
        self.sizes_run.add(n_steps)
        return int(failed), results


class StepCalls:
    """A loop on a mesh: one call of the function's mesh executable per step.
    DTensor (TF 2.21) has no layout rule for stacking a TensorArray, which the
    one-graph loop needs. It runs as ``StepLoop`` does: ``run`` returns (-1,
    the stacked outputs), and a failing step raises (the loop then finds it)."""
    jit_compile = False

    def __init__(self, program, executable, sliced):
        self.program, self.executable, self.sliced = program, executable, sliced
        self.sizes_run = set()

    def chunk_size(self, remaining):
        return remaining  # one call per step already: nothing to chunk

    def run(self, n_steps, arrays):
        outputs = []
        for i in range(int(n_steps)):
            step_args = [a[i] for a in arrays] if self.sliced else arrays
            outputs.append(self.executable([tf.constant(a) for a in step_args]))
        self.sizes_run.add(n_steps)
        if not outputs:
            return -1, [np.zeros((0,), dtype=v.dtype) for v in self.program.outputs]
        return -1, [np.stack([np.asarray(o) for o in column]) for column in zip(*outputs)]


class _StepFailed(Exception):
    """Step ``step`` of a chunk failed (chunk-relative), as XLA's flags say."""

    def __init__(self, step):
        super().__init__(step)
        self.step = step


def loop(function, n_steps=None, *args, sliced=False, jit_compile=None):
    """Run ``function`` for ``n_steps`` steps (or, with ``sliced=True``, one
    step per slice of the stacked arguments) inside one graph call, and return
    each output stacked over steps, as NumPy arrays.

    The loop is compiled with XLA as the XLA policy says (unset: with XLA),
    once per distinct number of steps in a chunk; a graph XLA cannot compile
    runs without it. Ops that can fail raise as they do without XLA (see the
    module's docstring).
    """
    program, arguments = function.program, function.arguments
    program.require_dense("Function.loop")  # steps are stacked in TensorArrays of tensors
    if sliced:
        arrays = arguments.convert(args, stacked=True, what="the loop of function")
        lengths = {a.shape[0] for a in arrays}
        if len(lengths) != 1:
            raise ValueError(f"loop of function {function.name!r}: the stacked arguments "
                             f"have different numbers of steps: {sorted(lengths)}")
        steps = lengths.pop()
        if n_steps is not None and _n_steps(function, n_steps) != steps:
            raise ValueError(f"loop of function {function.name!r}: n_steps={n_steps} but "
                             f"the stacked arguments hold {steps} steps")
    else:
        steps = _n_steps(function, n_steps)
        arrays = arguments.arrays(args, {})
    if steps > MAX_STEPS:
        raise ValueError(f"loop of function {function.name!r}: {steps} steps are more than "
                         f"a loop can run ({MAX_STEPS}); split it into several loops")
    setting = xla.setting(program.mode, jit_compile)
    use_xla = setting is not False and program.may_use_xla()
    updated = [target.variable for target, _ in program.updates]
    # Ctrl-C is held back to the end of the current chunk (see _run), and the
    # loop then rolls back in full; locks: see compile.transaction.
    with transaction.interrupts_deferred():
        stepper = _stepper(function, sliced, use_xla)   # traced here: Ctrl-C held back
        results = transaction.holding(program.locks, _run_held, function, stepper, steps,
                                      arrays, sliced, updated)
    return function.definition.unpack(results)


def _run_held(function, stepper, steps, arrays, sliced, updated):
    before = transaction.snapshot(updated)
    try:
        return _run(function, stepper, steps, arrays, sliced, updated)
    except BaseException as error:
        transaction.restore(updated, before)
        if not transaction.interrupted(error) and (
                not isinstance(error, Exception) or getattr(error, "step", None) is not None):
            raise  # an interrupt, or a step's error already raised as a call would
        errors.raise_translated(error, function.program, arrays)


def _n_steps(function, n_steps):
    if n_steps is None:
        raise ValueError(f"loop of function {function.name!r} needs n_steps (an int >= 0) "
                         f"unless sliced=True")
    try:
        steps = operator.index(n_steps)
    except TypeError:
        raise TypeError(f"loop of function {function.name!r}: n_steps must be an integer, "
                        f"got {n_steps!r}") from None
    if steps < 0:
        raise ValueError(f"loop of function {function.name!r} needs n_steps >= 0, "
                         f"got {steps}")
    return steps


def _stepper(function, sliced, jit_compile):
    """The loop executable of ``function`` for these settings, made when first
    asked and kept in ``function.loops``."""
    if function.mesh is not None:  # one call per step
        return StepCalls(function.program, function.executable, sliced)
    key = (sliced, bool(jit_compile))
    if key not in function.loops:
        made = StepLoop(function.program, sliced, jit_compile)
        if made.unguarded:  # XLA would not report a failure of some op: without it
            made = _stepper(function, sliced, False)
        function.loops[key] = made
    return function.loops[key]


def _run(function, stepper, steps, arrays, sliced, updated):
    """Run the chunks; the stacked outputs as NumPy arrays."""
    if steps == 0:
        return _no_steps(function.program, arrays, sliced)
    pieces, done = [], 0
    while done < steps:
        size = stepper.chunk_size(steps - done)
        chunk = [a[done:done + size] for a in arrays] if sliced else arrays
        start_state = transaction.snapshot(updated)
        try:
            try:
                failed, results = stepper.run(size, chunk)
            except tf.errors.InvalidArgumentError as error:
                if not stepper.jit_compile or stepper.sizes_run or (
                        "XLA" not in str(error) and "compil" not in str(error)):
                    raise
                # A graph XLA cannot compile: run this loop without it from now on.
                stepper = function.loops[(sliced, True)] = _stepper(function, sliced, False)
                failed, results = stepper.run(size, chunk)
            if failed >= 0:
                raise _StepFailed(failed)
        except Exception as error:  # noqa: BLE001  (which step, and its own error)
            if transaction.interrupted(error):
                raise KeyboardInterrupt from None
            transaction.restore(updated, start_state)
            step = error.step if isinstance(error, _StepFailed) else None
            failure = _step_error(function, chunk, sliced, updated, start_state, size, step,
                                  done, error)
            if failure is not None:
                raise failure from None
            # XLA's flags saw a failure the graph without XLA does not have
            # (TensorFlow may drop an op whose value is not needed): the
            # graph without XLA is the reference.
            transaction.restore(updated, start_state)
            _, results = _stepper(function, sliced, False).run(size, chunk)
        pieces.append([np.array(r) for r in results])  # writable, the caller's own
        done += size
        if done < steps and transaction.interrupt_pending():
            raise KeyboardInterrupt   # rolled back by the caller
    if len(pieces) == 1:
        return pieces[0]
    return [np.concatenate(parts) for parts in zip(*pieces)]


def _step_error(function, chunk, sliced, updated, start_state, size, step, done, error):
    """The error of the first failing step of a chunk, raised as a call of the
    function raises it at that step, prefixed with the step's number; None
    if XLA's flags said step ``step`` fails but it does not without XLA."""
    plain = _stepper(function, sliced, False)

    def fails_within(n):
        transaction.restore(updated, start_state)
        try:
            plain.run(n, [a[:n] for a in chunk] if sliced else chunk)
        except (tf.errors.OpError, errors.LoweringFailed):
            return True
        return False

    if step is None:  # bisect: the fewest steps that fail
        low, high = 0, size   # fails_within(high) is known to be true
        while high - low > 1:
            middle = (low + high) // 2
            if fails_within(middle):
                high = middle
            else:
                low = middle
        step = high - 1
    transaction.restore(updated, start_state)
    step_args = [a[step] for a in chunk] if sliced else chunk
    try:
        if step:
            plain.run(step, [a[:step] for a in chunk] if sliced else chunk)
        plain.run(1, [a[step:step + 1] for a in chunk] if sliced else chunk)
        own = None
    except (tf.errors.OpError, errors.LoweringFailed) as failure:
        own = failure
    if own is None and isinstance(error, _StepFailed):
        return None
    translated = errors.translate(own if own is not None else error, function.program,
                                  step_args)
    prefix = f"Step {done + step} (0-based) of the loop of function \"{function.name}\": "
    if not isinstance(translated, errors.ExecutionError):
        translated = ExecutionRuntimeError(f"function \"{function.name}\": {error}")
    result = type(translated)(prefix + str(translated))
    result.__dict__.update(translated.__dict__)
    result.step = done + step
    return result


def _no_steps(program, arrays, sliced):
    """Zero steps: each output stacked over no steps, of length 0, its other
    dimensions those one step would give (computed, not assigned)."""
    if sliced:
        arrays = [np.zeros(a.shape[1:], a.dtype) for a in arrays]
    try:
        with tf.device(program.device):
            outputs = program.lower([tf.convert_to_tensor(a) for a in arrays]).outputs
        shapes = [tuple(o.shape) for o in outputs]
    except Exception:  # noqa: BLE001  (a step of these values would fail: no data)
        shapes = [tuple(1 if b else 0 for b in v.broadcastable) for v in program.outputs]
    return [np.zeros((0,) + shape, v.dtype) for shape, v in zip(shapes, program.outputs)]
