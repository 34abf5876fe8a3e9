"""``theano.gof.fg``: ``FunctionGraph``, a graph from given inputs to given
outputs that user code inspects (its nodes in order, each variable's
clients) and edits (``replace``), on tfgraph's graph (tfgraph/graph.py)."""
from tfgraph.compile.function import MissingInputError  # noqa: F401  (the error function() raises)
from tfgraph.gof.graph import ancestors, clone_get_equiv, io_toposort
from tfgraph.gradient import NullType  # noqa: F401
from tfgraph.graph import Constant, clone_replace


class InconsistencyError(Exception):
    """An edit of a FunctionGraph that one of its features refuses."""


class CachedConstantError(Exception):
    """Theano's error for a cached constant given as an input."""


class FunctionGraph:
    """The graph computing ``outputs`` from ``inputs``. With ``clone`` (the
    default) it works on a copy, so editing it leaves the caller's graph as
    it was. Every variable without an owner that the outputs need must be an
    input or a constant, else ``MissingInputError`` (as Theano)."""

    def __init__(self, inputs, outputs, features=None, clone=True, update_mapping=None):
        inputs, outputs = list(inputs), list(outputs)
        if clone:  # the graph on copies of the inputs; nodes are never changed in place
            fresh = {var: var.clone() for var in inputs}
            inputs, outputs = [fresh[v] for v in inputs], clone_replace(outputs, fresh)
        self.inputs, self.outputs = inputs, outputs
        self.update_mapping = update_mapping
        self._features = []
        self._index()
        for feature in features or ():
            self.attach_feature(feature)

    def _index(self):
        """The nodes and variables between the inputs and the outputs, and
        each variable's clients; checks that no input is missing."""
        declared = {id(v) for v in self.inputs}
        for var in ancestors(self.outputs, self.inputs):
            if var.owner is None and id(var) not in declared and not isinstance(var, Constant):
                raise MissingInputError(
                    f"Undeclared input: {var} is needed to compute the outputs but is not "
                    f"among the inputs {self.inputs}")
        self._order = io_toposort(self.inputs, self.outputs)
        self.apply_nodes = set(self._order)
        self.variables = set(self.inputs) | {v for node in self._order
                                             for v in node.inputs + node.outputs}
        self._clients = {}
        for node in self._order:
            for position, var in enumerate(node.inputs):
                self._clients.setdefault(var, []).append((node, position))
        for position, var in enumerate(self.outputs):
            self._clients.setdefault(var, []).append(("output", position))

    def toposort(self):
        """The Apply nodes, each after those computing its inputs."""
        return list(self._order)

    def clients(self, var):
        """[(node, input position)] using ``var``; ('output', i) for an output."""
        return list(self._clients.get(var, []))

    def replace(self, r, new_r, reason=None, verbose=None):
        """Compute with ``new_r`` wherever ``r`` was used (same type only)."""
        if r.type != new_r.type:
            raise TypeError(f"The type of the replacement ({new_r.type}) must be the same "
                            f"as the type of the original variable ({r.type})", r, new_r)
        self.outputs = [new_r if out is r else out
                        for out in clone_replace(self.outputs, {r: new_r})]
        self._index()
        for feature in self._features:
            if hasattr(feature, "on_change_input"):
                feature.on_change_input(self, None, None, r, new_r, reason=reason)

    def replace_all(self, pairs, reason=None):
        for r, new_r in pairs:
            self.replace(r, new_r, reason=reason)

    def attach_feature(self, feature):
        """Add an observer; its ``on_attach(fgraph)`` is called now (Theano's
        features, which the optimizer uses, see the same calls)."""
        if feature not in self._features:
            self._features.append(feature)
            if hasattr(feature, "on_attach"):
                feature.on_attach(self)

    def remove_feature(self, feature):
        if feature in self._features:
            self._features.remove(feature)
            if hasattr(feature, "on_detach"):
                feature.on_detach(self)

    def check_integrity(self):
        """Every node's inputs computed before it, every client recorded."""
        self._index()

    def clone(self, check_integrity=True):
        return FunctionGraph(self.inputs, self.outputs, clone=True)

    def clone_get_equiv(self, check_integrity=True, attach_feature=True):
        """(a copy, {original variable or node: its copy})."""
        equiv = clone_get_equiv(self.inputs, self.outputs)
        return FunctionGraph([equiv[v] for v in self.inputs],
                             [equiv.get(v, v) for v in self.outputs], clone=False), equiv

    def __str__(self):
        from_io = {id(v) for v in self.inputs}
        return "[" + ", ".join(_expression(v, from_io) for v in self.outputs) + "]"

    def __repr__(self):
        return self.__str__()


def _expression(var, inputs):
    if id(var) in inputs or var.owner is None:
        return str(var)
    return f"{var.owner.op}({', '.join(_expression(v, inputs) for v in var.owner.inputs)})"
