"""``theano.gof.toolbox``: the error classes code outside Theano's optimizer
catches, ``Feature`` (an observer of a FunctionGraph's edits) and
``NoOutputFromInplace``."""


class AlreadyThere(Exception):
    """A feature attached twice to a FunctionGraph."""


class ReplacementDidntRemovedError(Exception):
    """A replacement that left the replaced node in the graph."""


class BadOptimization(Exception):
    """A rewrite that changed what the graph computes (Theano's DebugMode
    reports it; tfgraph has no such rewrites to check)."""


class Feature:
    """An observer of a FunctionGraph (tfgraph.gof.fg): it may define
    ``on_attach(fgraph)``, ``on_detach(fgraph)`` and ``on_change_input(fgraph,
    node, i, r, new_r, reason)``, called as the graph is edited."""

    def on_attach(self, fgraph):
        pass

    def on_detach(self, fgraph):
        pass


class NoOutputFromInplace(Feature):
    """Theano's guarantee that no output of a function is computed in place
    (over one of its inputs' memory). tfgraph's ops never compute in place,
    so it always holds and this feature has nothing to check."""

    def __init__(self, first_output_idx=0, last_output_idx=None):
        self.first_idx, self.last_idx = first_output_idx, last_output_idx
