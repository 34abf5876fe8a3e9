"""``theano.scan_module.scan_utils``: the helper of it that user code imports."""
from tfgraph.gof.graph import is_same_graph


def equal_computations(xs, ys, in_xs=None, in_ys=None):
    """Whether each graph of ``xs`` computes what the graph at the same place
    of ``ys`` computes, the same way, reading ``in_xs[i]`` as ``in_ys[i]``
    (Theano 1.0's ``equal_computations``)."""
    xs, ys = list(xs), list(ys)
    in_xs, in_ys = list(in_xs or []), list(in_ys or [])
    if len(xs) != len(ys) or len(in_xs) != len(in_ys):
        return False
    if any(a.type != b.type for a, b in zip(in_xs, in_ys)):
        return False
    givens = dict(zip(in_xs, in_ys))
    return all(x.type == y.type and is_same_graph(x, y, givens=givens) for x, y in zip(xs, ys))
