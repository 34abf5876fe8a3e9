"""``theano.gof.graph``: the graph's classes and traversals under Theano's names."""
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
    return toposort(outputs)


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
