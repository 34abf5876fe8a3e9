"""``OpFromGraph``: a graph packaged as an op that applies it to new inputs."""
from tfgraph.graph import Variable, clone_replace
from tfgraph.ops.base import as_tensor_variable


class OpFromGraph:
    """``OpFromGraph(inputs, outputs)(*new_inputs)``: ``outputs`` computed from
    ``new_inputs`` in place of ``inputs``. The graph is inlined where it is
    applied (Theano's ``inline=True``), so gradients and the compiled graph see
    through it."""

    def __init__(self, inputs, outputs, inline=True, **kwargs):
        if not all(isinstance(v, Variable) for v in inputs):
            raise TypeError("OpFromGraph: inputs must be symbolic variables")
        self.inputs = list(inputs)
        self.single = not isinstance(outputs, (list, tuple))
        self.outputs = [outputs] if self.single else list(outputs)

    def __call__(self, *inputs):
        if len(inputs) != len(self.inputs):
            raise TypeError(f"OpFromGraph takes {len(self.inputs)} inputs, got {len(inputs)}")
        replace = {}
        for position, (old, new) in enumerate(zip(self.inputs, inputs)):
            new = as_tensor_variable(new)
            if new.dtype != old.dtype or new.ndim != old.ndim:
                raise TypeError(f"OpFromGraph: input {position} is {new.type}, expected "
                                f"{old.type}")
            replace[old] = new
        results = clone_replace(self.outputs, replace)
        return results[0] if self.single else results
