"""Compilation modes: how a function's graph is run and checked.

- ``FAST_RUN`` (default): one traced ``tf.function``.
- ``FAST_COMPILE``: the same lowering run eagerly, op by op, on every call, so
  a debugger can step through it.
- ``DebugMode``: traced, with every op's output checked for NaN/Inf, dtype and
  rank; the error names the op as ``pp`` prints it.
- ``NanGuardMode``: traced, with Theano's NaN / Inf / big-value checks on the
  inputs and outputs of every op.
"""
from tfgraph.config import config


class Mode:
    """A compilation mode. ``eager`` skips tracing; ``jit_compile`` asks XLA."""

    name = "FAST_RUN"
    eager = False

    def __init__(self, linker=None, optimizer=None, jit_compile=None):
        self.linker, self.optimizer = linker, optimizer
        self.jit_compile = jit_compile

    def use_xla(self):
        return config.xla if self.jit_compile is None else self.jit_compile

    def checker(self, function_name):
        """A ``check(node, outputs)`` hook for the lowering, or None."""
        return None

    def __repr__(self):
        return f"{type(self).__name__}()"


class FastRun(Mode):
    name = "FAST_RUN"


class FastCompile(Mode):
    name = "FAST_COMPILE"
    eager = True


def get_mode(mode):
    """A Mode from None (config.mode), a name, or a Mode."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    from tfgraph.compile import debugmode
    known = {"FAST_RUN": FastRun, "FAST_COMPILE": FastCompile,
             "DebugMode": debugmode.DebugMode, "DEBUG_MODE": debugmode.DebugMode,
             "NanGuardMode": debugmode.NanGuardMode}
    if mode not in known:
        raise ValueError(f"unknown mode {mode!r}; use one of {sorted(known)} or a Mode object")
    return known[mode]()
