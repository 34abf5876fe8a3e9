"""``theano.gof.graph``: the graph's classes and traversals under Theano's
names, on tfgraph's graph (tfgraph/graph.py)."""
from tfgraph.graph import (Apply, Constant, Variable, clone_replace,  # noqa: F401
                           graph_inputs, toposort)


def ancestors(variable_list, blockers=None):
    """Every variable ``variable_list`` depends on (themselves included), in
    Theano's order: a left-recursive depth-first search that starts from the
    last variable of the list (code relies on this order, e.g. to list
    parameters)."""
    blocked = {id(b) for b in blockers or ()}
    stack, seen, found = list(variable_list), set(), []
    while stack:
        var = stack.pop()
        if id(var) in seen:
            continue
        seen.add(id(var))
        found.append(var)
        if var.owner is not None and id(var) not in blocked:
            stack.extend(reversed(var.owner.inputs))
    return found


def inputs(variable_list, blockers=None):
    """The variables without an owner that ``variable_list`` depend on, in
    the order of ``ancestors``."""
    return [v for v in ancestors(variable_list, blockers) if v.owner is None]


def io_toposort(inputs, outputs):
    """The Apply nodes between ``inputs`` and ``outputs``, in an order that
    computes each after the nodes it needs."""
    between = ops(inputs, outputs)
    return [node for node in toposort(outputs) if node in between]


def _same_op(a, b):
    """Equal ops: equal by ``__props__``, or of one class with equal parameters."""
    if a == b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(vars(a) == vars(b))
    except (TypeError, ValueError):  # parameters that do not compare to one bool
        return False


def is_same_graph(var1, var2, givens=None):
    """Whether ``var1`` and ``var2`` compute the same thing the same way:
    the same ops (by equality) on the same roots, in the same places."""
    givens = dict(givens or {})
    memo = {}

    def same(a, b):
        a = givens.get(a, a)
        if a is b:
            return True
        key = (id(a), id(b))
        if key not in memo:
            if a.owner is None or b.owner is None:
                memo[key] = (isinstance(a, Constant) and isinstance(b, Constant)
                             and a.type == b.type and (a.data == b.data).all())
            else:
                memo[key] = (a.index == b.index and _same_op(a.owner.op, b.owner.op)
                             and len(a.owner.inputs) == len(b.owner.inputs)
                             and all(same(x, y) for x, y in zip(a.owner.inputs,
                                                                 b.owner.inputs)))
        return memo[key]
    return same(var1, var2)


def clone(output, replace=None, strict=True, share_inputs=True):
    """``output`` (a variable or a list) computed with each key of ``replace``
    (a dict or pairs) swapped for its value: ``theano.clone``."""
    replace = dict(replace.items() if isinstance(replace, dict) else (replace or []))
    outputs = list(output) if isinstance(output, (list, tuple)) else [output]
    if strict:
        for key, value in replace.items():
            if getattr(value, "type", None) != key.type:
                raise TypeError(f"clone: {key} ({key.type}) is replaced by {value} of "
                                f"another type ({getattr(value, 'type', type(value).__name__)})")
    result = clone_replace(outputs, replace)
    return type(output)(result) if isinstance(output, (list, tuple)) else result[0]


def ops(i, o):
    """The Apply nodes between inputs ``i`` and outputs ``o`` (Theano's
    ``graph.ops``): those computing what ``o`` needs and ``i`` does not give."""
    blocked = {id(v) for v in i}
    return {v.owner for v in ancestors(list(o), list(i))
            if v.owner is not None and id(v) not in blocked}

def variables_and_orphans(i, o):
    """(every variable between ``i`` and ``o``, the orphans: those without an
    owner that are not among ``i``)."""
    blocked = list(i)
    found = ancestors(list(o), blocked)
    return set(found), {v for v in found if v.owner is None and v not in blocked}


def variables(i, o):
    """Every variable ``o`` depends on, down to ``i``."""
    return variables_and_orphans(i, o)[0]


def orphans(i, o):
    """The variables without an owner that ``o`` depends on and that are not
    among ``i`` (constants, shared variables, undeclared inputs)."""
    return variables_and_orphans(i, o)[1]


def stack_search(start, expand, mode="bfs", build_inv=False):
    """Every node reachable from the deque ``start`` through ``expand(node) ->
    list or None``, breadth- or depth-first, each once (Theano's helper)."""
    if mode not in ("bfs", "dfs"):
        raise ValueError("mode should be bfs or dfs", mode)
    todo, seen, order, inverse = list(start), set(), [], {}
    while todo:
        node = todo.pop(0) if mode == "bfs" else todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        for child in expand(node) or ():
            todo.append(child)
            inverse.setdefault(child, []).append(node)
    return (order, inverse) if build_inv else order


def general_toposort(outputs, deps):
    """The nodes ``outputs`` depend on through ``deps(node) -> list``, each
    after everything it depends on."""
    order, done, active = [], set(), set()

    def visit(node):
        if id(node) in done:
            return
        if id(node) in active:
            raise ValueError("graph contains cycles")
        active.add(id(node))
        for dependency in deps(node) or ():
            visit(dependency)
        active.discard(id(node))
        done.add(id(node))
        order.append(node)
    for output in outputs:
        visit(output)
    return order


def list_of_nodes(inputs, outputs):
    """The Apply nodes on the paths from ``inputs`` to ``outputs``."""
    return [node for node in io_toposort(inputs, outputs)
            if any(is_in_ancestors(node, i) or i in node.inputs for i in inputs)]


def is_in_ancestors(l_node, f_node):
    """Whether variable or node ``f_node`` is an ancestor of node ``l_node``."""
    targets = f_node.outputs if hasattr(f_node, "outputs") else [f_node]
    return any(id(v) in {id(t) for t in targets} for v in ancestors(l_node.inputs))


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


def clone_get_equiv(inputs, outputs, copy_inputs_and_orphans=True, memo=None):
    """{original: copy} for every variable and node between ``inputs`` and
    ``outputs``, the graph rebuilt on copies of its inputs (and of its
    orphans when ``copy_inputs_and_orphans``)."""
    memo = {} if memo is None else memo
    for var in inputs:
        memo.setdefault(var, var.clone() if copy_inputs_and_orphans else var)
    for node in io_toposort(inputs, outputs):
        for var in node.inputs:
            if var not in memo:
                memo[var] = var.clone() if copy_inputs_and_orphans else var
        new_node = node.op.make_node(*[memo[v] for v in node.inputs])
        memo[node] = new_node
        for old, new in zip(node.outputs, new_node.outputs):
            new.name = old.name
            memo[old] = new
    return memo


def io_connection_pattern(inputs, outputs):
    """[[whether output j depends on input i for j] for i]."""
    return [[any(v is i for v in ancestors([o])) for o in outputs] for i in inputs]


def default_leaf_formatter(leaf):
    return str(leaf)


def default_node_formatter(op, argstrings):
    return f"{op}({', '.join(argstrings)})"


def op_as_string(i, op, leaf_formatter=default_leaf_formatter,
                 node_formatter=default_node_formatter):
    """The expression of node ``op`` (an Apply) down to the variables ``i``."""
    return as_string(i, op.outputs, leaf_formatter, node_formatter)[0]


def as_string(i, o, leaf_formatter=default_leaf_formatter,
              node_formatter=default_node_formatter):
    """The expressions computing ``o`` from ``i``, one string each."""
    memo = {}

    def show(var):
        if var in i or var.owner is None:
            return leaf_formatter(var)
        if var not in memo:
            node = var.owner
            memo[var] = node_formatter(node.op, [show(v) for v in node.inputs])
        return memo[var]
    return [show(var) for var in o]
