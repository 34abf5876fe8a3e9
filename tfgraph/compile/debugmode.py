"""Checking modes: DebugMode and NanGuardMode."""
from tfgraph import dtypes
from tfgraph.compile.modes import Mode
from tfgraph._tf import tf


class InvalidValueError(FloatingPointError):
    """An op produced a value its mode forbids (NaN, Inf, or too large)."""


class DebugMode(Mode):
    """Check every op's outputs: no NaN or Inf, and the dtype and rank the
    graph inferred."""

    name = "DebugMode"

    def checker(self, function_name):
        from tfgraph.printing import pp

        def check(node, outputs):
            checked = []
            for var, tensor in zip(node.outputs, outputs):
                if tensor.dtype.name != var.dtype or len(tensor.shape) != var.ndim:
                    raise TypeError(
                        f"DebugMode: {pp(var)} in function {function_name!r} has dtype "
                        f"{tensor.dtype.name} and {len(tensor.shape)} dimensions where the "
                        f"graph says {var.type}")
                if dtypes.is_float(var.dtype):
                    tensor = tf.debugging.check_numerics(
                        tensor, f"DebugMode: NaN or Inf in the output of {pp(var)} "
                                f"in function {function_name!r}")
                checked.append(tensor)
            return checked
        return check


class NanGuardMode(Mode):
    """Theano's NanGuardMode: raise when an op's output has NaN
    (``nan_is_error``), Inf (``inf_is_error``) or an absolute value above 1e10
    (``big_is_error``)."""

    name = "NanGuardMode"

    def __init__(self, nan_is_error=True, inf_is_error=True, big_is_error=True,
                 optimizer=None, linker=None):
        super().__init__(linker, optimizer)
        self.nan_is_error, self.inf_is_error = nan_is_error, inf_is_error
        self.big_is_error = big_is_error

    def checker(self, function_name):
        from tfgraph.printing import pp

        def check(node, outputs):
            checked = []
            for var, tensor in zip(node.outputs, outputs):
                if not dtypes.is_float(var.dtype):
                    checked.append(tensor)
                    continue
                assertions = []
                where = f"in the output of {pp(var)} in function {function_name!r}"
                if self.nan_is_error:
                    assertions.append(tf.debugging.Assert(
                        tf.logical_not(tf.reduce_any(tf.math.is_nan(tensor))),
                        [f"NanGuardMode: NaN detected {where}"]))
                if self.inf_is_error:
                    assertions.append(tf.debugging.Assert(
                        tf.logical_not(tf.reduce_any(tf.math.is_inf(tensor))),
                        [f"NanGuardMode: Inf detected {where}"]))
                if self.big_is_error:
                    finite = tf.where(tf.math.is_finite(tensor), tensor, tf.zeros_like(tensor))
                    assertions.append(tf.debugging.Assert(
                        tf.reduce_all(tf.abs(finite) <= 1e10),
                        [f"NanGuardMode: big value (> 1e10) detected {where}"]))
                with tf.control_dependencies(assertions):
                    checked.append(tf.identity(tensor))
            return checked
        return check


__all__ = ["DebugMode", "NanGuardMode", "InvalidValueError"]
