"""Readable forms of graphs: ``pp`` (an expression) and ``debugprint`` (a tree)."""
import io
import sys

from tfgraph.graph import Constant, Variable, toposort


def toposort_with_inner(outputs):
    """The nodes computing ``outputs``, and those of the inner graphs of their
    loops (ops with ``inner_outputs``), outer graph first."""
    nodes = toposort(outputs)
    for node in list(nodes):
        if node.op.inner_outputs:
            nodes += toposort_with_inner(node.op.inner_outputs)
    return nodes


def _roots(obj):
    """The variables to print for ``obj``: a compiled function's (anything
    with a ``program``: its outputs and its updates' new values, as
    compiled), a variable, or a list of variables."""
    program = getattr(obj, "program", None)
    if program is not None:
        return list(program.outputs) + [value for _, value in program.updates]
    if isinstance(obj, Variable):
        return [obj]
    if isinstance(obj, (list, tuple)) and all(isinstance(v, Variable) for v in obj):
        return list(obj)
    raise TypeError(f"expected a variable, a list of variables or a compiled function, got "
                    f"{type(obj).__name__} {obj!r}")


def pp(var):
    """The expression computing ``var``, e.g. ``(foo ** TensorConstant{2})``;
    one line per output for a compiled function."""
    program = getattr(var, "program", None)
    if program is not None:
        return "\n".join(pp(o) for o in program.outputs)
    memo = {}

    def show(v):
        if id(v) in memo:
            return memo[id(v)]
        if v.owner is None or isinstance(v, Constant):
            text = str(v)
        else:
            node = v.owner
            args = [show(i) for i in node.inputs]
            text = node.op.pp_output(node, args, v.index)
        memo[id(v)] = text
        return text
    return show(var)


def debugprint(obj, depth=-1, print_type=False, file=None, ids="CHAR", stop_on_name=False,
               done=None, print_storage=False, print_clients=False, used_ids=None):
    """Print the graph of a variable, a list of them, or a Function, one
    variable a line with the inputs of its node indented below, as Theano
    1.0's ``debugprint`` prints it::

        Elemwise{add,no_inplace} [id A] ''
         |x [id B]
         |TensorConstant{1} [id C]

    A node seen before is printed once more without its inputs. ``ids``:
    'CHAR' (A, B, ...), 'int' (0, 1, ...), 'id' (Python ids) or '' (none);
    ``stop_on_name`` does not expand a named variable; ``depth`` limits the
    depth (-1: all). A Function's lines (its graph as compiled: after givens
    and rewrites, as Theano printed its optimised graph) end with each node's
    position in its graph's order. Returns the text when ``file='str'``."""
    roots = _roots(obj)
    order = toposort(roots) if getattr(obj, "program", None) is not None else None
    out = io.StringIO()
    printer = _DebugPrinter(out, print_type, ids, stop_on_name, order,
                            {} if used_ids is None else used_ids)
    for root in roots:
        printer.walk(root, "", "", depth)
    # As Theano's: the inner graph of each loop below the outer graph.
    inner_nodes, seen = [], set()
    for node in toposort_with_inner(roots):
        if node.op.inner_outputs and id(node) not in seen:
            seen.add(id(node))
            inner_nodes.append(node)
    if inner_nodes:
        out.write("\nInner graphs:\n")
        for node in inner_nodes:
            out.write(f"\n{node.op} {printer.ident(node)} ''\n")
            for inner in node.op.inner_outputs:
                printer.walk(inner, " >", " >", depth)
    text = out.getvalue()
    if file == "str":
        return text
    (file or sys.stdout).write(text)
    return file


class _DebugPrinter:
    """The state of one debugprint: the ids given so far, and the nodes printed."""

    def __init__(self, out, print_type, ids, stop_on_name, order, used_ids):
        if ids not in ("CHAR", "int", "id", ""):
            raise ValueError(f"debugprint: ids must be 'CHAR', 'int', 'id' or '', got {ids!r}")
        self.out, self.print_type, self.ids = out, print_type, ids
        self.stop_on_name, self.order, self.used = stop_on_name, order, used_ids
        self.printed = set()

    def ident(self, thing):
        key = id(thing)
        if key not in self.used:
            n = len(self.used)
            self.used[key] = {"CHAR": lambda: f"[id {_letters(n)}]", "int": lambda: f"[id {n}]",
                              "id": lambda: f"[id {key}]", "": lambda: ""}[self.ids]()
        return self.used[key]

    def walk(self, var, prefix, prefix_child, depth):
        if depth == 0:
            return
        typ = f" <{var.type}>" if self.print_type else ""
        node = var.owner
        if node is None or isinstance(var, Constant):
            self.out.write(f"{prefix}{var} {self.ident(var)}{typ}\n")
            return
        first_time = id(node) not in self.printed
        self.printed.add(id(node))
        suffix = f".{var.index}" if len(node.outputs) > 1 else ""
        position = "" if self.order is None else str(self.order.index(node))
        self.out.write(f"{prefix}{node.op}{suffix} {self.ident(node)}{typ} "
                       f"'{var.name or ''}'   {position}\n")
        if not first_time or (self.stop_on_name and var.name is not None):
            return
        for k, i in enumerate(node.inputs):
            last = k == len(node.inputs) - 1
            self.walk(i, prefix_child + " |", prefix_child + ("  " if last else " |"), depth - 1)


def _letters(n):
    """0 -> A, 25 -> Z, 26 -> BA, ...: Theano's ids (char_from_number)."""
    label = ""
    while True:
        label = chr(ord("A") + n % 26) + label
        n //= 26
        if n == 0:
            return label


def min_informative_str(obj, indent_level=0, _prev_obs=None, _tag_generator=None):
    """A short tree of ``obj``: each variable on its line, tagged A., B., ...,
    expanded down to named variables and constants (a variable seen before
    is its tag, ``<B>``), as Theano's::

        A. Elemwise{add,no_inplace}
         B. C
         C. Elemwise{add,no_inplace}
          D. D
          E. E
    """
    seen = {} if _prev_obs is None else _prev_obs
    tags = iter(range(10 ** 9)) if _tag_generator is None else _tag_generator

    def show(var, depth):
        indent = " " * depth
        if id(var) in seen:
            return f"{indent}<{seen[id(var)]}>"
        tag = seen[id(var)] = _letters(next(tags))
        if getattr(var, "name", None) is not None:
            text = var.name
        elif getattr(var, "owner", None) is not None:
            text = "\n".join([str(var.owner.op)] + [show(i, depth + 1)
                                                    for i in var.owner.inputs])
        else:
            text = str(var)
        return f"{indent}{tag}. {text}"
    return show(obj, indent_level)


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
