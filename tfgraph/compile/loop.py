"""Many steps of a compiled function in one graph call (``Function.loop``).

Theano users had to rewrite a training loop with ``scan`` to keep it inside
the graph; here any compiled function can run ``n_steps`` times in one
``tf.while_loop``, each step computing its outputs and applying its updates
exactly as a call would, and every step's outputs come back stacked.
"""
import numpy as np

from tfgraph.distribute import StepCalls
from tfgraph.graph import TensorType
from tfgraph._tf import tf


class StepLoop:
    """The traced loop of one Function, built on first use.

    ``sliced=False``: every step gets the same arguments.
    ``sliced=True``: each argument is stacked along a new first axis and step
    i gets slice i; the number of steps is that axis's length.
    """

    def __init__(self, function, sliced, jit_compile):
        self.function, self.sliced = function, sliced
        signature = function._signature()
        if sliced:
            signature = [tf.TensorSpec([None] + spec.shape.as_list(), spec.dtype, spec.name)
                         for spec in signature]
        n_steps = tf.TensorSpec([], tf.int32, "n_steps")
        with tf.device(function.device):
            self.traced = tf.function(self._loop, input_signature=[n_steps] + signature,
                                      autograph=False, jit_compile=jit_compile or None)
            self.concrete = self.traced.get_concrete_function()

    def _loop(self, n_steps, *args):
        function = self.function
        with tf.device(function.device):
            out_vars = function._graph_outputs
            arrays = [tf.TensorArray(v.dtype, size=n_steps, element_shape=None,
                                     infer_shape=False) for v in out_vars]
            updated = [target for target, _ in function._graph_updates]

            def body(i, *arrays):
                step_args = [a[i] for a in args] if self.sliced else list(args)
                # Reads of step i must follow the assignments of step i - 1:
                # they all hang on the loop counter, which waits for them below.
                with tf.control_dependencies([i]):
                    outputs = function._lower_and_update(step_args)
                arrays = [a.write(i, o) for a, o in zip(arrays, outputs)]
                settled = [t.variable.read_value() for t in updated]
                with tf.control_dependencies(settled + list(outputs)):
                    return (i + 1, *arrays)

            _, *arrays = tf.while_loop(lambda i, *_: i < n_steps, body,
                                       (tf.constant(0), *arrays))
            return [a.stack() for a in arrays]


def loop(function, n_steps=None, *args, sliced=False, jit_compile=None):
    """Run ``function`` for ``n_steps`` steps (or, with ``sliced=True``, one
    step per slice of the stacked arguments) inside one graph call, and return
    each output stacked over steps, as NumPy arrays.

    The loop is compiled with XLA unless ``jit_compile=False`` (or the mode
    says otherwise): a loop of small steps is where XLA pays most, once per
    distinct number of steps. A graph XLA cannot compile runs without it, and
    so, unless asked for XLA, does a graph that indexes by run-time values
    (XLA would clamp an out-of-range index where a call raises IndexError).
    """
    if jit_compile is None:
        jit_compile = function.mode.jit_compile
        if jit_compile is None:
            jit_compile = not function.mode.eager and not function.xla_clamped_indexing()
    cache = function.__dict__.setdefault("_loops", {})
    key = (sliced, bool(jit_compile))
    if function.mesh is not None:
        stepper = cache[key] = StepCalls(function, sliced)
    elif key not in cache:
        if jit_compile:
            function.warn_if_xla_clamps("the loop of function", stacklevel=4)
        cache[key] = StepLoop(function, sliced, jit_compile)
    stepper = cache[key]
    if sliced:
        arrays = [_stacked(function, position, value) for position, value in enumerate(args)]
        lengths = {a.shape[0] for a in arrays}
        if len(lengths) != 1:
            raise ValueError(f"loop of function {function.name!r}: the stacked arguments "
                             f"have different numbers of steps: {sorted(lengths)}")
        steps = lengths.pop()
        if n_steps is not None and n_steps != steps:
            raise ValueError(f"loop of function {function.name!r}: n_steps={n_steps} but "
                             f"the stacked arguments hold {steps} steps")
    else:
        if n_steps is None or int(n_steps) < 0:
            raise ValueError(f"loop of function {function.name!r} needs n_steps >= 0")
        steps = int(n_steps)
        arrays = function._convert(function._bind(args, {}))
    # Steps assign as they go: keep the values before the loop, so that a step
    # that fails leaves every shared variable as it was, as a failed call does.
    updated = [target.variable for target, _ in function._graph_updates]
    before = [v.read_value() for v in updated]
    n = tf.constant(steps, tf.int32)
    try:
        try:
            results = stepper.concrete(n, *arrays)
        except tf.errors.InvalidArgumentError as error:
            if not jit_compile or "XLA" not in str(error) and "compil" not in str(error):
                raise
            cache[key] = StepLoop(function, sliced, False)
            results = cache[key].concrete(n, *arrays)
    except Exception as error:  # noqa: BLE001  (translated as a call's error, or re-raised)
        for variable, value in zip(updated, before):
            variable.assign(value)
        translated = function._translate(error, arrays)
        if translated is None:
            raise
        raise translated from None
    return function._unpack([np.array(r) for r in results])  # writable, the caller's own


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
