"""``theano.gof.link`` and ``theano.gof.cc``: linkers turn a FunctionGraph
into a Python callable. Theano had one per back end (Python ``perform``, C,
both compared); tfgraph has one, TensorFlow, so each linker compiles the
graph with ``function`` and they differ only in name. ``make_function``
returns the single output itself when there is one (Theano's
``unpack_single``)."""
import copy

from tfgraph.compile.container import Container  # noqa: F401  (a function input's storage)
from tfgraph.compile.function import function


class Linker:
    """``linker.accept(fgraph).make_function()``: ``fgraph`` compiled."""

    def __init__(self, allow_gc=None, schedule=None):
        self.fgraph = None

    def accept(self, fgraph, no_recycling=None, profile=None):
        """A copy of this linker bound to ``fgraph`` (Theano returns the linker
        itself when it is unbound)."""
        linker = copy.copy(self) if self.fgraph is not None else self
        linker.fgraph = fgraph
        return linker

    def make_function(self, unpack_single=True, **kwargs):
        if self.fgraph is None:
            raise AssertionError(f"{type(self).__name__}: accept a FunctionGraph first")
        compiled = function(list(self.fgraph.inputs), list(self.fgraph.outputs),
                            on_unused_input="ignore")
        if unpack_single and len(self.fgraph.outputs) == 1:
            return lambda *args: compiled(*args)[0]
        return compiled


class LocalLinker(Linker):
    """Theano's base of the linkers that run one node at a time."""


class PerformLinker(LocalLinker):
    """Theano's linker of the ops' Python ``perform``: here, TensorFlow."""


class CLinker(Linker):
    """Theano's C linker: here, TensorFlow's kernels."""


class OpWiseCLinker(LocalLinker):
    """Theano's per-op C linker: here, TensorFlow's kernels."""


class DualLinker(Linker):
    """Theano ran two linkers and compared them; with one back end, it runs one."""

    def __init__(self, checker=None, schedule=None):
        super().__init__()
        self.checker = checker


class WrapLinker(Linker):
    """Theano's linker of several linkers run side by side; here, one."""

    def __init__(self, linkers=(), wrapper=None):
        super().__init__()
        self.linkers, self.wrapper = list(linkers), wrapper
