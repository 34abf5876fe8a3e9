"""``theano.raise_op``: ``Raise``, an op that raises an exception when run."""
from tfgraph.graph import Apply, Op
from tfgraph.ops.base import as_tensor_variable


class Raise(Op):
    """Its input, except that running it raises ``exc(msg)``."""
    __props__ = ("msg", "exc")

    def __init__(self, msg="", exc=NotImplementedError):
        self.msg, self.exc = msg, exc

    def __str__(self):
        return f"Raise{{{self.exc}({self.msg})}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        raise self.exc(self.msg)
