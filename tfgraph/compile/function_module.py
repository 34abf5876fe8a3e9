"""``theano.compile.function_module``: ``Function``, the compiled function,
the errors ``function`` raises about its inputs, and ``FunctionMaker``: what
Theano code reads of ``f.maker`` (``f.maker.fgraph.toposort()`` to look at
the graph a function computes)."""
from tfgraph.compile.function import Function, UnusedInputError  # noqa: F401
from tfgraph.gof.fg import FunctionGraph, MissingInputError  # noqa: F401
from tfgraph.graph import Constant, ancestors


class FunctionMaker:
    """The compiled graph of ``function``: ``fgraph`` computes its outputs,
    then its updates' new values, as tfgraph compiles them (givens applied,
    rewritten), from its inputs, then the shared variables it reads;
    ``inputs``, ``outputs`` and ``mode`` are the function's."""

    def __init__(self, function):
        self.function, self.mode = function, function.mode
        self.inputs, self.outputs = function.inputs, function.outputs
        program = function.program
        targets = [*program.outputs, *(value for _, value in program.updates)]
        declared = [i.variable for i in function.inputs]
        roots = [v for v in ancestors(targets) if v.owner is None
                 and not isinstance(v, Constant) and all(v is not d for d in declared)]
        self.fgraph = FunctionGraph(declared + roots, targets, clone=False)


# ``f.maker``, as Theano's functions have it (made when read: the graph is the function's).
Function.maker = property(FunctionMaker)
