"""Readable forms of graphs: ``pp`` (an expression) and ``debugprint`` (a tree)."""
import io
import sys

from tfgraph.graph import Constant, Variable, toposort


def toposort_with_inner(outputs):
    """The nodes computing ``outputs``, and those of the inner graphs of their
    loops (ops with ``inner_outputs``), outer graph first."""
    nodes = toposort(outputs)
    for node in list(nodes):
        inner = getattr(node.op, "inner_outputs", None)
        if inner is not None:
            nodes += toposort_with_inner(inner)
    return nodes


def pp(var):
    """The expression computing ``var``, e.g. ``(foo ** TensorConstant{2})``."""
    from tfgraph.compile.function import Function
    if isinstance(var, Function):
        return "\n".join(pp(o) for o in var.outputs)
    memo = {}

    def show(v):
        if id(v) in memo:
            return memo[id(v)]
        if v.owner is None or isinstance(v, Constant):
            text = str(v)
        else:
            node = v.owner
            text = node.op.pp(node, [show(i) for i in node.inputs])
            if len(node.outputs) > 1:
                text += f"[{v.index}]"
        memo[id(v)] = text
        return text
    return show(var)


def debugprint(obj, file=None, print_type=False, ids="CHAR"):
    """Print the graph of a variable, a list of them, or a Function, one node a
    line with its inputs indented below, as Theano's ``debugprint``.

    Returns the text when ``file='str'``."""
    from tfgraph.compile.function import Function
    if isinstance(obj, Function):
        roots = list(obj.outputs) + [v for _, v in obj.updates]
    elif isinstance(obj, Variable):
        roots = [obj]
    else:
        roots = list(obj)
    names, out = {}, io.StringIO()

    def ident(v):
        if id(v) not in names:
            n, label = len(names), ""
            while True:
                label = chr(ord("A") + n % 26) + label
                n = n // 26 - 1
                if n < 0:
                    break
            names[id(v)] = label
        return names[id(v)]

    def walk(v, prefix):
        typ = f" <{v.type}>" if print_type else ""
        first_time = id(v) not in names
        label = ident(v)
        if v.owner is None or isinstance(v, Constant):
            out.write(f"{prefix}{str(v)} [id {label}]{typ}\n")
            return
        suffix = f".{v.index}" if len(v.owner.outputs) > 1 else ""
        name = f" '{v.name}'" if v.name else " ''"
        out.write(f"{prefix}{v.owner.op}{suffix} [id {label}]{name}{typ}\n")
        if not first_time:
            return
        for i in v.owner.inputs:
            walk(i, prefix + " |")

    for root in roots:
        walk(root, "")
    # As Theano's: the inner graph of each loop below the outer graph.
    inner_nodes, seen = [], set()
    for node in toposort_with_inner(roots):
        if getattr(node.op, "inner_outputs", None) is not None and id(node) not in seen:
            seen.add(id(node))
            inner_nodes.append(node)
    if inner_nodes:
        out.write("\nInner graphs:\n")
        for node in inner_nodes:
            out.write(f"\n{node.op} [id {ident(node.outputs[0])}]\n")
            for inner in node.op.inner_outputs:
                walk(inner, " >")
    text = out.getvalue()
    if file == "str":
        return text
    (file or sys.stdout).write(text)
    return file


def pydotprint(fct, outfile=None, format="png", **kwargs):
    """An image of the graph of a Function or variable, drawn with pydot
    (Graphviz). Without pydot, ImportError pointing to TensorBoard's view of
    the same graph: ``tfgraph.tensorboard.write_graph(f, logdir)``."""
    try:
        import pydot
    except ImportError:
        raise ImportError(
            "pydotprint needs pydot and Graphviz (pip install pydot). The compiled graph "
            "can be viewed in TensorBoard instead: tfgraph.tensorboard.write_graph(f, "
            "logdir), then tensorboard --logdir logdir.") from None
    from tfgraph.compile.function import Function
    from tfgraph.graph import toposort
    roots = list(fct.outputs) + [v for _, v in fct.updates] if isinstance(fct, Function) \
        else (list(fct) if isinstance(fct, (list, tuple)) else [fct])
    graph = pydot.Dot(graph_type="digraph")
    for node in toposort(roots):
        node_id = f"n{id(node)}"
        graph.add_node(pydot.Node(node_id, label=str(node.op), shape="box"))
        for var in node.inputs:
            if var.owner is None:
                graph.add_node(pydot.Node(f"v{id(var)}", label=str(var), shape="ellipse"))
                graph.add_edge(pydot.Edge(f"v{id(var)}", node_id))
            else:
                graph.add_edge(pydot.Edge(f"n{id(var.owner)}", node_id))
    outfile = outfile or f"graph.{format}"
    graph.write(outfile, format=format)
    return outfile


# Theano's debug-print op and pretty-printer machinery
from tfgraph.ops.print_op import Print, _print_fn  # noqa: E402,F401
from tfgraph.printers import (VALID_ASSOC, FunctionPrinter, IgnorePrinter,  # noqa: E402,F401
                              LeafPrinter, OperatorPrinter, PatternPrinter, PPrinter,
                              PrinterState, default_colorCodes, default_printer, hex_digest,
                              greek, leaf_printer, min_informative_str,
                              position_independent_str, pprint, pydot_imported,
                              pydot_imported_msg, special, use_ascii, var_descriptor)
