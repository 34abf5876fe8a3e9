"""``theano.compile.pfunc``: ``pfunc`` (``function`` under its older name),
``Param`` and ``rebuild_collect_shared``."""
from tfgraph.compile.extras import pfunc  # noqa: F401
from tfgraph.compile.function import Param  # noqa: F401
from tfgraph.graph import Constant, Variable, ancestors, clone_replace
from tfgraph.shared import SharedVariable


def iter_over_pairs(pairs):
    """The (key, value) pairs of a dict, or the pairs of a list of pairs."""
    return pairs.items() if isinstance(pairs, dict) else pairs


def rebuild_collect_shared(outputs, inputs=None, replace=None, updates=None,
                           rebuild_strict=True, copy_inputs_over=True,
                           no_default_updates=False):
    """Theano's preparation of a function's graph: ``outputs`` (a variable, a
    list, or None) and the update expressions rebuilt with ``replace``
    applied, and the shared variables they use collected. Returns
    ``(input_variables, cloned_outputs, [shared_inputs, cloned_updates,
    cloned_shared_variables])``, as Theano; shared variables are not copied
    (tfgraph's are used by every function that reads them)."""
    replace = dict(iter_over_pairs(replace or {}))
    for old, new in replace.items():
        if rebuild_strict and getattr(new, "type", None) != old.type:
            raise TypeError(f"rebuild_collect_shared: {old} ({old.type}) is replaced by {new} "
                            f"of another type ({getattr(new, 'type', type(new).__name__)})")
    updates = list(iter_over_pairs(updates or []))
    single = isinstance(outputs, Variable)
    wanted = [] if outputs is None else [outputs] if single else list(outputs)
    values = [getattr(o, "variable", o) for o in wanted] + [u for _, u in updates]
    rebuilt = clone_replace(values, replace) if replace else values
    cloned_outputs = rebuilt[:len(wanted)]
    cloned_updates = list(zip([v for v, _ in updates], rebuilt[len(wanted):]))
    shared = []
    for var in ancestors(rebuilt + [v for v, _ in updates]):
        if isinstance(var, SharedVariable) and var not in shared:
            shared.append(var)
    if not no_default_updates:
        updated = {v for v, _ in cloned_updates}
        for var in shared:
            default = getattr(var, "default_update", None)
            if default is not None and var not in updated:
                cloned_updates.append((var, default))
    input_variables = [getattr(i, "variable", i) for i in inputs or []]
    outputs_back = cloned_outputs[0] if single else cloned_outputs
    if outputs is None:
        outputs_back = []
    shared_inputs = [v for v in shared if not isinstance(v, Constant)]
    return input_variables, outputs_back, [shared_inputs, cloned_updates, shared]
