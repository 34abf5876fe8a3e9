"""The rest of ``theano.compile``'s public names: output wrappers (``Out``),
``pfunc``, ``function_dump``, the predefined modes, ``MonitorMode``, and
the ``shared`` constructor registry."""
import numpy as np

from tfgraph.compile.debugmode import DebugMode, NanGuardMode
from tfgraph.compile.function import In, function, function_dump  # noqa: F401
from tfgraph.compile.modes import FastCompile, FastRun, Mode
from tfgraph.graph import Variable
from tfgraph._tf import tf

# Theano's In is its SymbolicInput with a default value; tfgraph has the one class.
SymbolicInput = In


class SymbolicOutput:
    """An output of ``function`` with options: ``Out(variable, borrow=False)``.
    ``borrow`` is accepted; tfgraph's outputs are always arrays of their own."""

    def __init__(self, variable, borrow=False):
        if not isinstance(variable, Variable):
            raise TypeError(f"Out() takes a symbolic variable, got {variable!r}")
        self.variable, self.borrow = variable, borrow

    def _as_TensorVariable(self):   # Theano's protocol, read by as_tensor_variable
        return self.variable

    def __str__(self):
        return f"Out({self.variable}{', borrow=True' if self.borrow else ''})"


Out = SymbolicOutput


def pfunc(params, outputs=None, mode=None, updates=None, givens=None, no_default_updates=False,
          accept_inplace=False, name=None, rebuild_strict=True, allow_input_downcast=None,
          profile=None, on_unused_input=None, output_keys=None):
    """Theano's ``function`` under its older name (``params`` the inputs)."""
    if output_keys is not None:
        outputs = dict(zip(output_keys, outputs))
    return function(params, outputs, mode=mode, updates=updates, givens=givens,
                    no_default_updates=no_default_updates, name=name,
                    allow_input_downcast=allow_input_downcast, on_unused_input=on_unused_input)



class _Thunk:
    """What MonitorMode's callbacks get as ``fn``: the node's input and
    output values in one-element lists, as Theano's storage."""

    def __init__(self, inputs, outputs):
        self.inputs, self.outputs = inputs, outputs


class MonitorMode(Mode):
    """Calls ``pre_func(i, node, fn)`` and ``post_func(i, node, fn)`` for each
    op run (``i`` its position, ``fn.inputs`` / ``fn.outputs`` lists of
    one-element lists of values), e.g. to find the first op making a NaN.
    Both are called once the op's outputs are computed; ``pre_func`` sees its
    outputs as None. Runs without XLA (the calls leave the graph)."""

    name = "MonitorMode"

    def __init__(self, pre_func=None, post_func=None, optimizer="default", linker=None):
        super().__init__(linker, optimizer, jit_compile=False)
        self.pre_func, self.post_func = pre_func, post_func

    def checker(self, checks):
        count = iter(range(1 << 62))

        def check(node, inputs, outputs):
            index = next(count)
            missing = [i for i, t in enumerate(inputs) if t is None]   # lazy branches

            def call(*values):
                ins = [[np.asarray(v)] for v in values[:len(inputs)]]
                for i in missing:
                    ins.insert(i, [None])
                if self.pre_func is not None:
                    self.pre_func(index, node, _Thunk(ins, [[None] for _ in outputs]))
                if self.post_func is not None:
                    outs = [[np.asarray(v)] for v in values[len(inputs):]]
                    self.post_func(index, node, _Thunk(ins, outs))
                return np.bool_(True)
            present = [t for t in inputs if t is not None]
            done = tf.numpy_function(call, present + list(outputs), tf.bool, stateful=True,
                                     name="MonitorMode")
            with tf.control_dependencies([done]):
                return [tf.identity(t) for t in outputs]
        return check

    def __repr__(self):
        return f"MonitorMode(pre_func={self.pre_func}, post_func={self.post_func})"


FAST_COMPILE = FastCompile()
FAST_RUN = FastRun()


predefined_modes = {"FAST_COMPILE": FAST_COMPILE, "FAST_RUN": FAST_RUN, "DebugMode": DebugMode(),
                    "DEBUG_MODE": DebugMode(), "NanGuardMode": NanGuardMode()}
