"""Theano's ``printing.Print``: the identity, printing its input's value each
time the function runs (a host callback ordered before the output)."""
import numpy as np

from tfgraph.graph import Apply, Op
from tfgraph.ops.base import as_tensor_variable
from tfgraph._tf import tf


def _print_fn(op, value):
    """Theano's default: ``message attr = value.attr`` (called if callable)
    for each of the op's ``attrs``."""
    for attr in op.attrs:
        shown = getattr(value, attr)
        print(op.message, attr, "=", shown() if callable(shown) else shown)


class Print(Op):
    """``Print(message, attrs=('__str__',), global_fn=_print_fn)(x)`` is ``x``;
    running it calls ``global_fn(op, value of x)``, which prints ``message``
    and each attribute in ``attrs`` of the value (``('shape',)`` prints its
    shape). Gradients pass through unchanged."""
    __props__ = ("message", "attrs", "global_fn")

    def __init__(self, message="", attrs=("__str__",), global_fn=_print_fn):
        self.message = message
        self.attrs = tuple(attrs)
        self.global_fn = global_fn
        self.name = f"Print{{{message}}}" if message else "Print"

    def make_node(self, xin):
        xin = as_tensor_variable(xin)
        return Apply(self, [xin], [xin.type])

    def xla_compilable(self, node):
        return False   # it calls back into Python to print

    def lower(self, node, inputs, ctx):
        x = inputs[0]

        def show(value):
            self.global_fn(self, np.asarray(value))
            return np.bool_(True)
        shown = tf.numpy_function(show, [x], tf.bool, stateful=True, name="Print")
        with tf.control_dependencies([shown]):
            return [tf.identity(x)]

    def pp(self, node, args):
        return f"{self}({args[0]})"

    def __setstate__(self, state):
        state.setdefault("global_fn", _print_fn)
        self.__dict__.update(state)
