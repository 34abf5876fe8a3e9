"""Compilation modes: how a function's graph is run and checked.

A mode is given to ``function(..., mode=...)`` as a name or an object, or
chosen for every function by ``config.mode``:

- ``'FAST_RUN'`` / ``Mode()`` (default): one traced ``tf.function``.
- ``'FAST_COMPILE'`` / ``FastCompile()`` (or ``Mode(linker='py')``): the same
  lowering run eagerly, op by op, on every call, so a debugger can step
  through it; same results, no tracing.
- ``'DebugMode'`` / ``DebugMode()``: traced, with every op's output checked
  (NaN/Inf, and its dtype and shape against the type the graph inferred); see
  ``tfgraph.compile.debugmode``.
- ``'NanGuardMode'`` / ``NanGuardMode(nan_is_error, inf_is_error,
  big_is_error)``: Theano's NaN / Inf / big-value checks on the function's
  inputs and on every op's output.

Checks are part of the graph; every shared variable update waits for all of
them, so a call that fails a check changes nothing.
"""
import copy

from tfgraph.config import config


class Mode:
    """A compilation mode (Theano's ``theano.compile.Mode``).

    ``linker`` and ``optimizer`` are accepted for compatibility; TensorFlow
    optimises the graph itself. ``linker='py'`` (Theano's pure-Python linker)
    runs op by op, as FAST_COMPILE. ``jit_compile`` asks XLA or not (default:
    ``config.xla``; see tfgraph.compile.xla).
    """

    name = "FAST_RUN"
    eager = False

    def __init__(self, linker=None, optimizer="default", jit_compile=None):
        self.linker, self.optimizer = linker, optimizer
        self.jit_compile = jit_compile
        if linker == "py":
            self.eager = True

    def checker(self, checks):
        """A ``check(node, inputs, outputs) -> outputs`` hook for the
        lowering (``inputs``, ``outputs``: the node's tensors; None for an
        input a lazy op lowers itself), or None.

        ``checks`` is the program's ``Checks`` registry
        (tfgraph.compile.checks): a hook that adds a run-time check marks its
        message with ``checks.mark(...)``, so the error it raises can name the
        node and the function."""
        return None

    def input_checker(self, checks):
        """A ``check(variable, tensor, position) -> tensor`` hook for the
        function's inputs (``position`` their index, None for shared
        variables), or None."""
        return None

    # Theano's optimizer-database queries: nothing to configure here.
    def including(self, *tags):
        return copy.copy(self)

    excluding = requiring = including

    def __repr__(self):
        return f"{type(self).__name__}()"


class FastRun(Mode):
    name = "FAST_RUN"


class FastCompile(Mode):
    name = "FAST_COMPILE"
    eager = True


# Mode classes by the names config.mode and function(mode=...) take; the
# checking modes of tfgraph.compile.debugmode register theirs.
_BY_NAME = {"FAST_RUN": FastRun, "FAST_COMPILE": FastCompile, "Mode": FastRun}


def register_mode_class(name, mode_class):
    """``get_mode(name)`` makes a ``mode_class()``."""
    _BY_NAME[name] = mode_class


def get_mode(mode):
    """A Mode from None (config.mode), a name, or a Mode."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if mode not in _BY_NAME:
        raise ValueError(f"unknown mode {mode!r}; use one of {sorted(_BY_NAME)} or a Mode "
                         f"object")
    return _BY_NAME[mode]()


def get_default_mode():
    """The mode ``config.mode`` names (Theano's ``compile.mode.get_default_mode``)."""
    return get_mode(None)
