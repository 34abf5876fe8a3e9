"""``theano.gof.opt``: of Theano's graph optimizer, what code outside it
uses: ``check_stack_trace``. tfgraph's graphs are optimised by TensorFlow
(and tfgraph/compile/rewrite.py), so the optimizer classes are not here."""
import warnings

from tfgraph.gof.fg import FunctionGraph
from tfgraph.graph import toposort


def _nodes_and_outputs(f_or_fgraph):
    """(the graph's nodes in order, its outputs) of a FunctionGraph or of a
    compiled function."""
    if isinstance(f_or_fgraph, FunctionGraph):
        return f_or_fgraph.toposort(), f_or_fgraph.outputs
    outputs = getattr(f_or_fgraph, "outputs", None)
    if outputs is None:
        raise ValueError("The type of f_or_fgraph is not supported: give a compiled "
                         "function or a FunctionGraph")
    outputs = [getattr(o, "variable", o) for o in outputs]   # Out(...) wrappers
    return toposort(outputs), outputs


def _matches(node, wanted):
    if isinstance(wanted, type):
        return isinstance(node.op, wanted)
    if hasattr(wanted, "make_node"):   # an op
        return node.op == wanted
    return bool(wanted(node))          # a predicate on nodes


def check_stack_trace(f_or_fgraph, ops_to_check="last", bug_print="raise"):
    """Whether the outputs of the checked nodes carry a creation stack trace
    (``tag.trace``). ``ops_to_check``: 'last' (the nodes computing the
    outputs), 'all', an op, an op class, a list of those, or a predicate on
    nodes. With no node to check, ``bug_print`` 'raise' raises ValueError,
    'warn' warns, 'ignore' returns True."""
    nodes, outputs = _nodes_and_outputs(f_or_fgraph)
    if ops_to_check == "last":
        chosen = [o.owner for o in outputs if o.owner is not None]
    elif ops_to_check == "all":
        chosen = nodes
    else:
        wanted = ops_to_check if isinstance(ops_to_check, (list, tuple)) else [ops_to_check]
        chosen = [node for node in nodes if any(_matches(node, w) for w in wanted)]
    if not chosen:
        message = "Provided op instances/classes are not in the graph or the graph is empty"
        if bug_print == "raise":
            raise ValueError(message)
        if bug_print == "warn":
            warnings.warn(message)
        return True
    return all(getattr(out.tag, "trace", None) for node in chosen for out in node.outputs)
