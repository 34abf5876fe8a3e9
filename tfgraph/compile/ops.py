"""``theano.compile.ops``: ``as_op``, a Python function as an op."""
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable


def as_op(itypes, otypes, infer_shape=None):
    """Decorator making ``fn(*arrays) -> array or list of arrays`` an op with
    input types ``itypes`` and output types ``otypes`` (e.g. ``T.dmatrix``),
    run through ``perform`` (see tfgraph.python_op: no XLA, no GPU)."""
    itypes, otypes = [_as_type(t) for t in itypes], [_as_type(t) for t in otypes]

    def decorate(fn):
        return _FromFunction(fn, itypes, otypes, infer_shape)
    return decorate


def _as_type(t):
    """A TensorType, from itself or from a constructor such as ``T.dmatrix``."""
    return t if isinstance(t, TensorType) else t().type


class _FromFunction(Op):
    __props__ = ("fn", "itypes", "otypes")

    def __init__(self, fn, itypes, otypes, infer_shape):
        self.fn, self.itypes, self.otypes = fn, tuple(itypes), tuple(otypes)
        self.name = getattr(fn, "__name__", "as_op")
        if infer_shape is not None:
            self.infer_shape = lambda node, shapes: infer_shape(node, shapes)

    def make_node(self, *inputs):
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self.name} takes {len(self.itypes)} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(v) for v in inputs]
        for position, (var, type_) in enumerate(zip(inputs, self.itypes)):
            if var.type != type_:
                raise TypeError(f"{self.name}: input {position} ({var}) is {var.type}, "
                                f"expected {type_}")
        return Apply(self, inputs, list(self.otypes))

    def perform(self, node, inputs, output_storage):
        results = self.fn(*inputs)
        if len(self.otypes) == 1:
            results = [results]
        for storage, value in zip(output_storage, results):
            storage[0] = value
