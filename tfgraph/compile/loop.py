"""Many steps of a compiled function in one graph call (``Function.loop``).

Theano users had to rewrite a training loop with ``scan`` to keep it inside
the graph; here any compiled function can run ``n_steps`` times in one
``tf.while_loop``, each step computing its outputs and applying its updates
exactly as a call would, and every step's outputs come back stacked.

A loop is one transaction (see ``tfgraph.compile.transaction``): it holds its
shared variables' locks throughout, and if anything goes wrong (a step fails,
Ctrl-C, any exception) every shared variable is put back as it was before the
loop. Steps assign as they go, so the values before the loop are kept.

- **Interrupts.** TensorFlow cannot interrupt a graph call, so a long loop
  runs as several calls ("chunks") of about ``CHUNK_SECONDS`` each (measured
  as it runs; the first chunk has ``FIRST_CHUNK`` steps), and an interrupt is
  raised between two chunks, after the rollback.
- **Failing steps.** Without XLA, a failing op raises in its step; the loop
  finds which step by running the failed chunk again (bisecting its length),
  and raises the error that step raises as a call would, with the values the
  shared variables had then, prefixed by the step number. XLA computes such
  ops without failing (a clamped index, garbage for a division by zero), so
  under XLA each op that can fail (``Op.valid``) gives a validity flag, the
  loop stops at the first step whose flags are not all set, and the step is
  run again without XLA to raise its error.
"""
import math
import operator
import time

import numpy as np

from tfgraph.compile import transaction
from tfgraph.compile.errors import ExecutionRuntimeError
from tfgraph.distribute import StepCalls
from tfgraph.graph import TensorType
from tfgraph._tf import tf

CHUNK_SECONDS = 0.25
FIRST_CHUNK = 128
MAX_STEPS = 2 ** 31 - 1   # the loop counter is an int32


class StepLoop:
    """The traced loop of one Function, built on first use.

    ``sliced=False``: every step gets the same arguments.
    ``sliced=True``: each argument is stacked along a new first axis and step
    i gets slice i; the number of steps is that axis's length.

    Called with ``n_steps`` and the arguments, it returns the first failed
    step (-1 if none; only XLA loops detect failures this way) and the
    outputs of each step, stacked.
    """

    def __init__(self, function, sliced, jit_compile):
        self.function, self.sliced = function, sliced
        self.jit_compile = bool(jit_compile)
        self.step_seconds = None     # measured on chunk sizes already compiled
        self.sizes_run = set()
        signature = function._signature()
        if sliced:
            signature = [tf.TensorSpec([None] + spec.shape.as_list(), spec.dtype, spec.name)
                         for spec in signature]
        n_steps = tf.TensorSpec([], tf.int32, "n_steps")
        with tf.device(function.device):
            self.traced = tf.function(self._loop, input_signature=[n_steps] + signature,
                                      autograph=False, jit_compile=self.jit_compile or None)
            self.concrete = self.traced.get_concrete_function()

    def _loop(self, n_steps, *args):
        function = self.function
        with tf.device(function.device):
            out_vars = function._graph_outputs
            arrays = [tf.TensorArray(v.dtype, size=n_steps, element_shape=None,
                                     infer_shape=False) for v in out_vars]
            updated = [target for target, _ in function._graph_updates]

            def body(i, failed, *arrays):
                step_args = [a[i] for a in args] if self.sliced else list(args)
                flags = [] if self.jit_compile else None
                # Reads of step i must follow the assignments of step i - 1:
                # they all hang on the loop counter, which waits for them below.
                with tf.control_dependencies([i]):
                    outputs = function._lower_and_update(step_args, validity=flags)
                if flags:
                    failed = tf.where(tf.reduce_all(tf.stack(flags)), failed, i)
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
        failed, *results = self.concrete(tf.constant(n_steps, tf.int32), *arrays)
        if compiled and n_steps:  # XLA compiles once per size: time only compiled runs
            self.step_seconds = (time.perf_counter() - start) / n_steps
        self.sizes_run.add(n_steps)
        return int(failed), results


class _StepFailed(Exception):
    """Step ``step`` of a chunk failed (chunk-relative), as XLA's flags say."""

    def __init__(self, step):
        super().__init__(step)
        self.step = step


def loop(function, n_steps=None, *args, sliced=False, jit_compile=None):
    """Run ``function`` for ``n_steps`` steps (or, with ``sliced=True``, one
    step per slice of the stacked arguments) inside one graph call, and return
    each output stacked over steps, as NumPy arrays.

    The loop is compiled with XLA unless ``jit_compile=False`` (or the mode
    says otherwise): a loop of small steps is where XLA pays most, once per
    distinct number of steps in a chunk. A graph XLA cannot compile runs
    without it. Ops that can fail raise as they do without XLA (see the
    module's docstring).
    """
    if jit_compile is None:
        jit_compile = function.mode.jit_compile
        if jit_compile is None:
            jit_compile = not function.mode.eager
    if sliced:
        arrays = [_stacked(function, position, value) for position, value in enumerate(args)]
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
        arrays = function._convert(function._bind(args, {}))
    if steps > MAX_STEPS:
        raise ValueError(f"loop of function {function.name!r}: {steps} steps are more than "
                         f"a loop can run ({MAX_STEPS}); split it into several loops")
    stepper = _stepper(function, sliced, jit_compile)
    updated = [target.variable for target, _ in function._graph_updates]
    # Ctrl-C is held back to the end of the current chunk (see _run), and the
    # loop then rolls back in full; locks: see compile.transaction.
    with transaction.interrupts_deferred():
        results = transaction.holding(function._locks, _run_held, function, stepper, steps,
                                      arrays, sliced, updated)
    return function._unpack(results)


def _run_held(function, stepper, steps, arrays, sliced, updated):
    before = transaction.snapshot(updated)
    try:
        return _run(function, stepper, steps, arrays, sliced, updated)
    except BaseException as error:
        transaction.restore(updated, before)
        if not transaction.interrupted(error) and (
                not isinstance(error, Exception) or getattr(error, "step", None) is not None):
            raise  # an interrupt, or a step's error already raised as a call would
        function._reraise(error, arrays)


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
    if function.mesh is not None:  # one call per step: tfgraph.distribute.StepCalls
        return StepCalls(function, sliced)
    cache = function.__dict__.setdefault("_loops", {})
    key = (sliced, bool(jit_compile))
    if key not in cache:
        cache[key] = StepLoop(function, sliced, jit_compile)
    return cache[key]


def _run(function, stepper, steps, arrays, sliced, updated):
    """Run the chunks; the stacked outputs as NumPy arrays."""
    if steps == 0:
        return _no_steps(function, arrays, sliced)
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
                stepper = function._loops[(sliced, True)] = _stepper(function, sliced, False)
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
        except tf.errors.OpError:
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
    except tf.errors.OpError as failure:
        own = failure
    if own is None and isinstance(error, _StepFailed):
        return None
    translated = function._translate(own if own is not None else error, step_args)
    prefix = f"Step {done + step} (0-based) of the loop of function \"{function.name}\": "
    if translated is None:
        translated = ExecutionRuntimeError(f"function \"{function.name}\": {error}")
    result = type(translated)(prefix + str(translated))
    result.__dict__.update(translated.__dict__)
    result.step = done + step
    return result


def _no_steps(function, arrays, sliced):
    """Zero steps: each output stacked over no steps, of length 0, its other
    dimensions those one step would give (computed, not assigned)."""
    if sliced:
        arrays = [np.zeros(a.shape[1:], a.dtype) for a in arrays]
    try:
        with tf.device(function.device):
            outputs, _ = function._compute([tf.convert_to_tensor(a) for a in arrays])
        shapes = [tuple(o.shape) for o in outputs]
    except Exception:  # noqa: BLE001  (a step of these values would fail: no data)
        shapes = [tuple(1 if b else 0 for b in v.broadcastable)
                  for v in function._graph_outputs]
    return [np.zeros((0,) + shape, v.dtype)
            for shape, v in zip(shapes, function._graph_outputs)]


def _stacked(function, position, value):
    """One input's values for all steps, checked as a tensor with a leading steps axis."""
    spec = function.inputs[position]
    stacked_type = TensorType(spec.variable.dtype, (False,) + spec.variable.broadcastable)
    try:
        return stacked_type.filter(value, strict=spec.strict, allow_downcast=spec.allow_downcast)
    except (TypeError, ValueError) as error:
        raise type(error)(f"Bad input argument with name \"{spec.name or spec.variable}\" "
                          f"to the loop of function \"{function.name}\" at index {position} "
                          f"(0-based), stacked over steps: {error}") from None
