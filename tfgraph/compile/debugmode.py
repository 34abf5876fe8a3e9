"""Checking modes: DebugMode and NanGuardMode.

Both add run-time checks to the traced graph, beside each op's output (and,
for NanGuardMode, each input); every update of a shared variable waits for
all of them, so a failed check changes nothing. The call raises

- ``InvalidValueError`` (a ``FloatingPointError``) from DebugMode,
- ``NanGuardError`` (an ``InvalidValueError`` and an ``AssertionError``, as
  Theano's NanGuardMode raised) from NanGuardMode,

naming the op as ``pp`` prints it, the function, and the inputs it depends on
with their values. Both run without XLA (it drops assertions).
"""
from tfgraph import dtypes
from tfgraph.compile.errors import InvalidValueError, NanGuardError  # noqa: F401
from tfgraph.compile.modes import Mode, register_mode_class
from tfgraph.printing import pp
from tfgraph._tf import tf
from tensorflow.python.framework import tensor_util

# Theano code catches DebugModeError, the base of its DebugMode's errors.
DebugModeError = InvalidValueError

# NanGuardMode's threshold for big_is_error, as Theano's.
BIG = 1e10


def _is_inexact(dtype):
    return dtypes.kind(dtype) in "fc"


def _parts(tensor):
    """Real tensors whose non-finite values are ``tensor``'s."""
    if tensor.dtype.is_complex:
        return [tf.math.real(tensor), tf.math.imag(tensor)]
    return [tensor]


def _static_value(tensor):
    """``tensor``'s value if TensorFlow knows it while tracing, else None.
    Integer scalars and vectors (shape arithmetic, where shapes are static)
    are evaluated by TensorFlow's constant folding, which reaches further than
    tf.get_static_value (slices of a shape, maxima)."""
    value = tf.get_static_value(tensor)
    if value is not None or tf.executing_eagerly() or not tensor.dtype.is_integer or \
            tensor.shape.rank not in (0, 1):
        return value
    try:
        return tensor_util.try_evaluate_constant(tensor)
    except Exception:  # noqa: BLE001 - TensorFlow's own API; not knowing is fine
        return None


def _after(checks, tensor):
    """``tensor``, made to wait for ``checks`` (assertion ops)."""
    if not checks:
        return tensor
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


class DebugMode(Mode):
    """Check every op's output: no NaN or Inf, and the dtype, number of
    dimensions and broadcastable dimensions (length 1) its type says.

    A failure raises ``InvalidValueError``, naming the op as ``pp`` prints it,
    the function and its inputs. A dtype or rank that differs from the type
    is a bug in the op's lowering and raises ``TypeError`` when compiling.
    ``DebugMode(linker='py')`` runs the checks eagerly, op by op.
    """

    name = "DebugMode"

    def __init__(self, linker=None, optimizer="default", **unused):
        super().__init__(linker, optimizer, jit_compile=False)

    def checker(self, checks):
        def check(node, inputs, outputs):
            return [self._check(checks, var, tensor) for var, tensor in zip(node.outputs, outputs)]
        return check

    def _check(self, checks, var, tensor):
        if not isinstance(tensor, tf.Tensor):
            return tensor  # a sparse matrix's arrays: checked where they become dense
        static = tensor.shape
        if tensor.dtype.name != var.dtype or (static.rank is not None
                                              and static.rank != var.ndim):
            raise TypeError(
                f"DebugMode: {pp(var)} in function \"{checks.function_name}\" computes a "
                f"{tensor.dtype.name} tensor of shape {static} where the graph says "
                f"{var.type}: a bug in the lowering of {var.owner.op}")
        asserts = []
        broadcastable = [d for d, b in enumerate(var.broadcastable) if b]
        if static.rank is not None and not tf.executing_eagerly():
            wrong = [d for d in broadcastable if static[d] is not None and static[d] != 1]
            if wrong:
                raise TypeError(
                    f"DebugMode: {pp(var)} in function \"{checks.function_name}\" has static "
                    f"shape {static} but its type {var.type} says dimensions {wrong} have "
                    f"length 1: a bug in the lowering of {var.owner.op}")
            broadcastable = [d for d in broadcastable if static[d] is None]
        if broadcastable:
            marker = checks.mark(self.name, var, "shape")
            shape = tf.shape(tensor)
            ok = tf.reduce_all(tf.equal(tf.gather(shape, broadcastable), 1))
            asserts.append(tf.debugging.Assert(ok, [marker, shape]))
        if _is_inexact(var.dtype):
            marker = checks.mark(self.name, var, "output")
            message = f"DebugMode: NaN or Inf in the output of {var} {marker}"
            if tensor.dtype.is_complex:
                asserts.extend(tf.debugging.check_numerics(part, message).op
                               for part in _parts(tensor))
            else:
                tensor = tf.debugging.check_numerics(tensor, message)
        return _after(asserts, tensor)


class NanGuardMode(Mode):
    """Theano's NanGuardMode: raise when a value has NaN (``nan_is_error``),
    Inf (``inf_is_error``) or an absolute value above 1e10 (``big_is_error``),
    checking the function's inputs, its shared variables and every op's
    output.

    As in Theano: None for a switch means True; NaN and Inf are looked for in
    float (and complex) values only, big values in any numeric value (an Inf
    is big, a NaN is not); an empty array passes; a variable with
    ``var.tag.nan_guard_mode_check = False`` is not checked. A failure raises
    ``NanGuardError``, an ``AssertionError``; for a NaN passed in, the message
    names the input as a bad argument.
    """

    name = "NanGuardMode"

    def __init__(self, nan_is_error=None, inf_is_error=None, big_is_error=None,
                 optimizer="default", linker=None):
        super().__init__(linker, optimizer, jit_compile=False)
        self.nan_is_error = True if nan_is_error is None else bool(nan_is_error)
        self.inf_is_error = True if inf_is_error is None else bool(inf_is_error)
        self.big_is_error = True if big_is_error is None else bool(big_is_error)
        if not (self.nan_is_error or self.inf_is_error or self.big_is_error):
            raise ValueError("NanGuardMode needs at least one of nan_is_error, inf_is_error "
                             "and big_is_error to be true")

    def __repr__(self):
        return (f"NanGuardMode(nan_is_error={self.nan_is_error}, inf_is_error="
                f"{self.inf_is_error}, big_is_error={self.big_is_error})")

    def checker(self, checks):
        def check(node, inputs, outputs):
            return [self._guard(checks, var, tensor, "output")
                    for var, tensor in zip(node.outputs, outputs)]
        return check

    def input_checker(self, checks):
        def check(var, tensor, position):
            return self._guard(checks, var, tensor, "shared" if position is None else "input",
                               position)
        return check

    def _guard(self, checks, var, tensor, what, position=None):
        if not isinstance(tensor, tf.Tensor) or \
                not getattr(var.tag, "nan_guard_mode_check", True):  # (not: sparse arrays)
            return tensor
        static = _static_value(tensor)
        if static is not None:
            with tf.init_scope():  # eagerly, on the value known while tracing
                fine = not any(bool(tf.reduce_any(m)) for _, masks in
                               self._tests(var, tf.constant(static, tensor.dtype))
                               for m in masks)
            if fine:
                # Nothing to check at run time; and a shape stays known to
                # TensorFlow's shape inference (on a mesh DTensor lays out
                # static shapes only: arange(y.shape[0]) must keep its length).
                return tensor
        tests = self._tests(var, tensor)
        if not tests:
            return tensor
        flags = []
        for _, masks in tests:
            found = tf.reduce_any(masks[0])
            for mask in masks[1:]:
                found = tf.logical_or(found, tf.reduce_any(mask))
            flags.append(found)
        marker = checks.mark(self.name, var, what, position, [label for label, _ in tests])
        failed = flags[0]
        for flag in flags[1:]:
            failed = tf.logical_or(failed, flag)
        return _after([tf.debugging.Assert(tf.logical_not(failed), [marker] + flags)], tensor)

    def _tests(self, var, tensor):
        """[(what is looked for, [boolean masks of where it is found])]."""
        tests = []
        if _is_inexact(var.dtype):
            parts = _parts(tensor)
            if self.nan_is_error:
                tests.append(("NaN", [tf.math.is_nan(p) for p in parts]))
            if self.inf_is_error:
                tests.append(("Inf", [tf.math.is_inf(p) for p in parts]))
            if self.big_is_error:
                magnitude = tf.abs(tensor)
                tests.append(("big value", [magnitude > tf.constant(BIG, magnitude.dtype)]))
        elif self.big_is_error and var.dtype in ("int64", "uint64"):
            # Narrower integers cannot exceed 1e10.
            big = tf.constant(int(BIG), tensor.dtype)
            tests.append(("big value", [tensor > big] if var.dtype == "uint64"
                          else [tf.logical_or(tensor > big, tensor < -big)]))
        return tests


register_mode_class("DebugMode", DebugMode)
register_mode_class("DEBUG_MODE", DebugMode)
register_mode_class("NanGuardMode", NanGuardMode)

__all__ = ["DebugMode", "NanGuardMode", "InvalidValueError", "DebugModeError", "NanGuardError"]
