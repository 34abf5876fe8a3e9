"""``grad``: the gradient of a cost as symbolic ``Gradient`` nodes
(``tfgraph.ops.grad``), with the types, errors and gradient-shaping identities
of Theano's ``theano.gradient``, and ``subgraph_grad``.

``grad`` checks its arguments, finds which ``wrt`` the cost reaches through
differentiable edges (each op's ``connection_pattern``) and which paths pass
through an undefined gradient, then builds one ``Gradient`` node for all the
rest. The helpers that do so also serve the Jacobians and the L and R
operators (``tfgraph.derivatives``). Public as ``tfgraph.gradient``.
"""
import warnings

import numpy as np

from tfgraph.graph import (Apply, Op, TensorType, Variable, ancestors, register_grad_deriver,
                           toposort)
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.grad import (DisconnectedGrad, GradClip, Gradient, GradScale, InputSlot,
                              UndefinedGrad, ZeroGrad, connection_pattern, differentiable,
                              gradient_dtype)
from tfgraph.ops.shape import ones_like, zeros_like
from tfgraph.persist import pickle_by_name
from tfgraph.printing import pp


class DisconnectedInputError(ValueError):
    """``grad`` was asked for the gradient with respect to a variable the cost
    does not depend on (or only through non-differentiable operations)."""


class NullTypeGradError(TypeError):
    """A gradient asked for is mathematically undefined: it would pass
    through an input of an op that has none (a random draw's parameters,
    ``undefined_grad``). Raised by ``grad`` when building the gradient."""


class DisconnectedType:
    """The type of the placeholder ``grad(..., return_disconnected='Disconnected')``
    returns for a disconnected input: a zero that says *why* it is zero."""

    ndim = None
    dtype = None

    def __call__(self, name=None):
        return Variable(self, name=name)

    def __str__(self):
        return "DisconnectedType"

    __repr__ = __str__


class NullType:
    """The type of an uncomputable gradient (``grad_undefined``,
    ``grad_not_implemented``): ``why_null`` says why."""

    ndim = None
    dtype = None

    def __init__(self, why_null="(no explanation given)"):
        self.why_null = why_null

    def __call__(self, name=None):
        return Variable(self, name=name)

    def make_variable(self, owner=None, index=None, name=None):
        return Variable(self, owner=owner, index=index, name=name)

    def __str__(self):
        return "NullType"

    __repr__ = __str__


def null_grads(node):
    """{input index: why} for the inputs whose gradient the op of ``node``,
    one giving its own rule (``defines_grad``: a Theano-style op), declares
    uncomputable (``grad_undefined``, ``grad_not_implemented``), asked of its
    ``L_op`` on stand-ins."""
    op = node.op
    if not op.defines_grad():
        return {}
    try:
        grads = op.L_op(*([v.type() for v in vs] for vs in (node.inputs, node.outputs,
                                                              node.outputs)))
    except Exception:  # noqa: BLE001  (the gradient's own errors show when it is lowered)
        return {}
    return {i: g.type.why_null for i, g in enumerate(grads or ())
            if isinstance(getattr(g, "type", None), NullType)}


def apply_rule(op, inputs, outputs, output_grads):
    """``op.L_op(inputs, outputs, output_grads)``, checked as Theano checks an
    op's answer (gradient.py, ``_populate_grad_dict``): a list with one term
    per input. (A None term, which Theano refuses, means no gradient here.)"""
    grads = op.L_op(inputs, outputs, output_grads)
    if grads is None:
        raise TypeError(f"{op}.grad returned NoneType, expected iterable.")
    grads = list(grads)
    if len(grads) != len(inputs):
        raise ValueError(f"{op}.grad returned the wrong number of gradient terms: "
                         f"{len(grads)} for {len(inputs)} inputs")
    return grads


class NullGradient(Op):
    """The op of an uncomputable gradient: no inputs, one ``NullType``
    output. A function computing it fails when compiled, with a TypeError
    saying why (Theano's: a graph holding a null gradient cannot run)."""

    name = "null_gradient"

    def __init__(self, why_null):
        self.why_null = why_null

    def make_node(self):
        return Apply(self, [], [NullType(self.why_null)])

    def lower(self, node, inputs, ctx):
        raise TypeError(f"{self.why_null} The graph computes this undefined gradient, so it "
                        f"cannot run.")


def grad_undefined(op, x_pos, x, comment=""):
    """What an op's ``grad`` returns for input ``x_pos`` (``x``) whose
    gradient is mathematically undefined: ``grad`` through it raises
    ``NullTypeGradError``, and a function computing it a TypeError."""
    return NullGradient(f"This variable is Null because the grad method for input {x_pos} "
                        f"({x}) of the {op} op is mathematically undefined. {comment}")()


def grad_not_implemented(op, x_pos, x, comment=""):
    """What an op's ``grad`` returns for input ``x_pos`` (``x``) whose
    gradient is not implemented: ``grad`` through it raises
    ``NullTypeGradError``, and a function computing it a TypeError."""
    return NullGradient(f"This variable is Null because the grad method for input {x_pos} "
                        f"({x}) of the {op} op is not implemented. {comment}")()


def disconnected_type():
    """A new symbolic placeholder of ``DisconnectedType``."""
    return DisconnectedType()()


def format_as(use_list, use_tuple, outputs):
    """``outputs`` as a list, a tuple, or a single variable (Theano's helper)."""
    if use_list and use_tuple:
        raise ValueError("format_as: use_list and use_tuple cannot both be true")
    if use_list or use_tuple:
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        return outputs if use_list else tuple(outputs)
    if isinstance(outputs, (list, tuple)):
        if len(outputs) != 1:
            raise ValueError(f"format_as: expected one output, got {len(outputs)}")
        return outputs[0]
    return outputs


# --- gradient-shaping identities ------------------------------------------------

def disconnected_grad(x):
    """``x``, through which no gradient passes: what it depends on is, for
    ``grad``, disconnected (a ``DisconnectedInputError`` if that is the only
    path to a ``wrt``). Use ``zero_grad`` to get zeros instead."""
    return DisconnectedGrad()(x)


def zero_grad(x):
    """``x``, whose gradient is truncated to zero (still connected, so no
    ``DisconnectedInputError``)."""
    return ZeroGrad()(x)


def undefined_grad(x):
    """``x``, through which the gradient is undefined: ``grad`` raises
    ``NullTypeGradError`` if asked for a gradient that passes through it."""
    return UndefinedGrad()(x)


def consider_constant(x):
    """Deprecated in Theano 1.0: use ``zero_grad`` or ``disconnected_grad``."""
    warnings.warn("consider_constant() is deprecated, use zero_grad() or "
                  "disconnected_grad() instead.", DeprecationWarning, stacklevel=2)
    return consider_constant_(x)


def grad_clip(x, lower_bound, upper_bound):
    """``x`` in the forward pass; in the backward pass the gradient reaching
    ``x`` is clipped elementwise to [lower_bound, upper_bound]::

        z = T.grad(grad_clip(x, -1, 1) ** 2, x)   # at x = 2: 1.0, not 4.0
    """
    return GradClip(lower_bound, upper_bound)(x)


def grad_scale(x, multiplier):
    """``x`` in the forward pass; the gradient reaching ``x`` is multiplied by
    ``multiplier`` (-1 reverses it)."""
    return GradScale(multiplier)(x)


class ConsiderConstant(ZeroGrad):
    """The op of ``consider_constant``: a zero gradient passes."""
    name = "consider_constant"


# Theano's op instances behind the functions above, pickled by their public name
_PUBLIC = "tfgraph.gradient"
consider_constant_ = pickle_by_name(ConsiderConstant(), _PUBLIC, "consider_constant_")
zero_grad_ = pickle_by_name(ZeroGrad(), _PUBLIC, "zero_grad_")
disconnected_grad_ = pickle_by_name(DisconnectedGrad(), _PUBLIC, "disconnected_grad_")
undefined_grad_ = pickle_by_name(UndefinedGrad(), _PUBLIC, "undefined_grad_")


# --- grad (its argument checks and graph walks also serve tfgraph.derivatives) ----

_DISCONNECTED_POLICIES = ("ignore", "warn", "raise")


def as_list(value, what):
    """(``value`` as a list, whether it was a list, whether a tuple)."""
    if isinstance(value, set):
        raise TypeError(f"{what} must not be a set. sets have no defined iteration order, "
                        f"so we can't return gradients in a matching order.")
    if isinstance(value, (list, tuple)):
        return list(value), isinstance(value, list), isinstance(value, tuple)
    return [value], False, False


def check_variables(items, what):
    for item in items:
        if not isinstance(item, Variable):
            raise TypeError(f"{what}: expected a symbolic Variable, got {item!r} of type "
                            f"{type(item).__name__}")


def check_policy(disconnected_inputs):
    if disconnected_inputs not in _DISCONNECTED_POLICIES:
        raise ValueError(f"Invalid value for keyword 'disconnected_inputs': "
                         f"{disconnected_inputs!r}; valid values are 'ignore', 'warn' "
                         f"and 'raise'.")


def handle_disconnected(var, policy, cost=None):
    message = (f"grad method was asked to compute the gradient with respect to a variable "
               f"that is not part of the computational graph of the cost, or is used only "
               f"by a non-differentiable operator: {var}")
    if policy == "warn":
        warnings.warn(message, stacklevel=3)
    elif policy == "raise":
        raise DisconnectedInputError(
            f"{message} ({var.type}). The cost{f' {pp(cost)}' if cost is not None else ''} "
            f"does not depend on it (paths through shapes, indices, disconnected_grad "
            f"and consider_constant do not count). Pass disconnected_inputs='warn' or "
            f"'ignore' to get zeros instead.")


def _float_zeros_like(x):
    if not isinstance(x.type, TensorType):  # (a sparse matrix's zeros are its own)
        return x.zeros_like()
    return zeros_like(x, dtype=gradient_dtype(x.dtype))


def _float_ones_like(x):
    return ones_like(x, dtype=gradient_dtype(x.dtype))


def true_ancestors(outputs, constants):
    """The ids of the variables ``outputs`` are differentiable functions of,
    following each op's connection pattern and stopping at ``constants``."""
    stop = {id(c) for c in constants}
    seen, stack = set(), list(outputs)
    while stack:
        var = stack.pop()
        if id(var) in seen:
            continue
        seen.add(id(var))
        if id(var) in stop or var.owner is None:
            continue
        node = var.owner
        pattern = connection_pattern(node)
        index = next(i for i, o in enumerate(node.outputs) if o is var)
        stack.extend(inp for inp, row in zip(node.inputs, pattern) if row[index])
    return seen


def constants_in(consider_constant, targets):
    """The consider_constant variables worth blocking: computed (not roots,
    which nothing flows through anyway) and used by the targets."""
    if not consider_constant:
        return []
    used = {id(v) for v in ancestors(targets)}
    chosen = []
    for c in consider_constant:
        if c.owner is not None and id(c) in used and all(c is not d for d in chosen):
            chosen.append(c)
    return chosen


def check_consider_constant(consider_constant):
    if consider_constant is None:
        return []
    try:
        items = list(consider_constant)
    except TypeError:
        raise TypeError(f"consider_constant must be an iterable collection, got "
                        f"{type(consider_constant).__name__}") from None
    for item in items:
        if not isinstance(item, Variable):
            raise TypeError(f"Elements of consider_constant must be variables, but got "
                            f"{item!r}")
    return items


# Routines differentiating graphs the tape cannot differentiate alone (a sparse
# matrix on the path from a wrt variable to the cost: tfgraph.sparse registers
# one): routine(targets, seeds, wrt, constants) -> the gradients, or None.
_ROUTINES = []


def register_gradient_routine(routine):
    """Have ``grad`` ask ``routine`` first (see ``_ROUTINES``)."""
    if routine not in _ROUTINES:
        _ROUTINES.append(routine)


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True,
         known_grads=None, return_disconnected="zero", null_gradients="raise"):
    """The gradient of scalar ``cost`` with respect to ``wrt``: a variable, or a
    list or tuple of them (the result has the same form), each gradient of its
    variable's type (floatX for integer variables, whose gradient is zero).

    - ``consider_constant``: variables not to backpropagate through.
    - ``disconnected_inputs``: for a ``wrt`` the cost does not depend on,
      ``'raise'`` a ``DisconnectedInputError``, ``'warn'``, or ``'ignore'``.
    - ``add_names``: name gradients ``(dcost/dx)`` when both are named.
    - ``known_grads``: a dict from variables to their gradients (of some cost
      not given); backpropagation starts from them (and from ``cost`` if not
      None). The gradient at each of these variables is the one given.
    - ``return_disconnected``: the result for a disconnected ``wrt``:
      ``'zero'`` (zeros like it), ``'None'``, or ``'Disconnected'`` (a
      ``DisconnectedType`` placeholder).
    - ``null_gradients``: ``'raise'`` (default) a ``NullTypeGradError`` when a
      gradient passes through an input whose gradient is undefined (a random
      draw's parameters, ``undefined_grad``); ``'return'`` computes the rest
      (an undefined part counts as zero, where Theano returned a null variable).
    """
    if cost is None and not known_grads:
        raise TypeError("grad: cost and known_grads can't both be None.")
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.ndim != 0:
            raise TypeError(f"cost must be a scalar. {pp(cost)} has {cost.ndim} dimensions "
                            f"({cost.type}); reduce it with T.sum or T.mean, or use "
                            f"gradient.jacobian or Lop for a non-scalar expression.")
    wrt_list, using_list, using_tuple = as_list(wrt, "wrt")
    check_variables(wrt_list, "grad: wrt")
    constants = check_consider_constant(consider_constant)
    check_policy(disconnected_inputs)
    if return_disconnected not in ("zero", "None", "Disconnected", None):
        raise ValueError(f"return_disconnected must be 'zero', 'None' or 'Disconnected', "
                         f"got {return_disconnected!r}")
    if null_gradients not in ("raise", "return"):
        raise ValueError(f"null_gradients must be 'raise' or 'return', got {null_gradients!r}")

    # Targets, each with its seed (the gradient of the implicit cost at it).
    targets, seeds = [], []
    known = _usable_known_grads(known_grads, wrt_list, constants, null_gradients)
    given = [g for v, g in known if v is cost]
    if cost is not None and (given or not any(v is cost for v in (known_grads or {}))):
        targets.append(cost)
        seeds.append(_known_grad(cost, given[0]) if given else _float_ones_like(cost))
    for var, g in known:
        if var is cost:
            continue
        if not isinstance(var, Variable):
            raise TypeError(f"grad: known_grads keys must be variables, got {var!r}")
        targets.append(var)
        seeds.append(_known_grad(var, g))
    plain = cost is not None and len(targets) == 1 and not given  # seed is 1

    reachable = true_ancestors(targets, constants)
    results = [None] * len(wrt_list)
    differentiate = []
    for i, w in enumerate(wrt_list):
        seed = next((s for t, s in zip(targets, seeds) if t is w), None)
        if seed is not None:
            results[i] = seed  # the gradient at a target is its seed
        elif id(w) in reachable:
            differentiate.append(i)
        else:
            handle_disconnected(w, disconnected_inputs, cost)
            if return_disconnected == "zero":
                results[i] = _float_zeros_like(w)
            elif return_disconnected == "Disconnected":
                results[i] = disconnected_type()
    if differentiate and null_gradients == "raise":
        check_defined(targets, [wrt_list[i] for i in differentiate], constants, reachable)
    if differentiate and all(isinstance(t.type, TensorType) and not differentiable(t.dtype)
                             for t in targets):
        # An integer cost: every path to it ends in an integer output, whose
        # gradient Theano's contract makes zero (gradient.py, only_connected_to_int).
        for i in differentiate:
            results[i] = _float_zeros_like(wrt_list[i])
        differentiate = []
    if differentiate:
        chosen = [wrt_list[i] for i in differentiate]
        outputs = next((r for r in (routine(targets, seeds, chosen, constants)
                                    for routine in _ROUTINES) if r is not None), None)
        if outputs is None:  # the tape
            consts = constants_in(constants, targets)
            node_seeds = [] if plain else seeds
            op = Gradient(len(targets), len(node_seeds), len(consts),
                          label="grad" if cost is not None else "Lop")
            outputs = op.make_node(*targets, *node_seeds, *consts, *chosen).outputs
        for i, out in zip(differentiate, outputs):
            if add_names and cost is not None and cost.name and wrt_list[i].name:
                out.name = f"(d{cost.name}/d{wrt_list[i].name})"
            results[i] = out
    if using_tuple:
        return tuple(results)
    return results if using_list else results[0]


def check_defined(targets, wrt, constants, reachable):
    """Raise NullTypeGradError if a gradient from ``targets`` to ``wrt`` must
    pass through an input whose gradient its op leaves undefined (an op says
    which with ``undefined_grads(node) -> {input index: comment}``)."""
    wrt_ids = {id(w) for w in wrt}
    for node in toposort(targets):
        if not any(id(o) in reachable for o in node.outputs):
            continue
        reasons = {i: (f"This variable is Null because the grad method for input {i} "
                       f"({node.inputs[i]}) of the {node.op} op is mathematically "
                       f"undefined. {comment}")
                   for i, comment in node.op.undefined_grads(node).items()}
        reasons = reasons or null_grads(node)    # a Theano-style op's grad() saying so
        for index, reason in reasons.items():
            var = node.inputs[index]
            if id(var) in reachable and wrt_ids & true_ancestors([var], constants):
                raise NullTypeGradError(f"tensor.grad encountered a NaN. {reason}".rstrip())


def _usable_known_grads(known_grads, wrt, constants, null_gradients):
    """The (variable, gradient) pairs of ``known_grads`` that backpropagate,
    as Theano reads them: a ``DisconnectedType`` gradient says the variable
    contributes nothing (it is dropped); a ``NullType`` one that it has no
    gradient, a NullTypeGradError if a ``wrt`` depends on it."""
    usable = []
    wrt_ids = {id(w) for w in wrt}
    for var, g in (known_grads or {}).items():
        kind = getattr(g, "type", None)
        if isinstance(kind, DisconnectedType):
            continue
        if isinstance(kind, NullType):
            if null_gradients == "raise" and wrt_ids & true_ancestors([var], constants):
                raise NullTypeGradError(f"tensor.grad encountered a NaN. The gradient given "
                                        f"for {var} in known_grads is null: {kind.why_null}")
            continue
        usable.append((var, g))
    return usable


def _known_grad(var, g):
    if not isinstance(g, Variable):
        g = as_tensor_variable(np.asarray(g))
    if not differentiable(g.dtype):
        raise TypeError(f"Gradients must always be continuous, but grad was given a "
                        f"known_grad of type {g.type} for {var}")
    if g.ndim > var.ndim:
        raise TypeError(f"known_grads: the gradient {g} ({g.type}) given for {var} "
                        f"({var.type}) has {g.ndim} dimensions; it can have at most "
                        f"{var.ndim}")
    if g.ndim < var.ndim:  # Theano takes it as given; broadcast, as its ops would
        g = zeros_like(var, dtype=g.dtype) + g
    return g


def subgraph_grad(wrt, end, start=None, cost=None, details=False):
    """Gradients with respect to ``wrt`` and ``end`` of ``cost`` and/or of the
    gradients ``start`` (a dict, as ``known_grads``), not backpropagating past
    ``end``: layer-by-layer backpropagation, as Theano's ``subgraph_grad``."""
    if cost is None and start is None:
        raise TypeError("subgraph_grad needs a cost or start gradients")
    if not isinstance(end, list) or not isinstance(wrt, list):
        raise TypeError("subgraph_grad: wrt and end must be lists")
    params = []
    for v in wrt + end:
        if all(v is not p for p in params):
            params.append(v)
    start_grads = cost_grads = None
    if start is not None:
        start_grads = list(grad(None, params, known_grads=start, consider_constant=end,
                                disconnected_inputs="ignore"))
    if cost is not None:
        cost_grads = list(grad(cost, params, consider_constant=end,
                               disconnected_inputs="ignore"))
    if start_grads is None:
        grads = cost_grads
    else:
        grads = start_grads if cost_grads is None else [
            a + b for a, b in zip(start_grads, cost_grads)]
    by_param = [(p, g) for p, g in zip(params, grads)]

    def lookup(v):
        return next(g for p, g in by_param if p is v)
    wrt_grads, end_grads = [lookup(v) for v in wrt], [lookup(v) for v in end]
    if details:
        return wrt_grads, end_grads, start_grads, cost_grads
    return wrt_grads, end_grads


# --- Op.grad's default: the rule of one op, derived ----------------------------

def derived_grad(op, inputs, output_grads):
    """``op.grad(inputs, output_grads)`` for an op that gives no rule of its
    own, by Theano's contract for ``Op.grad`` (gradient.py,
    ``_populate_grad_dict``): the partial derivative through each input slot
    (a ``Gradient`` node of ``op`` applied to ``inputs``, seeded with
    ``output_grads``), of the input's broadcast pattern and a float dtype;
    a ``DisconnectedType`` variable for an input that no output with a
    gradient depends on (``connection_pattern``); zeros for one connected
    only through integer outputs; a ``NullType`` one where the op leaves the
    gradient undefined, or where a connected output's gradient is null."""
    inputs = list(inputs)
    slots = [_slot(v, i, inputs) for i, v in enumerate(inputs)]
    node = op.make_node(*slots)
    if op.lowered_by_perform(node):
        raise NotImplementedError(f"{op} has no grad() method, so the gradient through it is "
                                  f"not defined")
    if len(output_grads) != len(node.outputs):
        raise ValueError(f"{op}.grad: {len(output_grads)} output gradients given for "
                         f"{len(node.outputs)} outputs")
    pattern = op.connection_pattern(node) if len(node.inputs) == len(inputs) else None
    seeded = [g is not None and not isinstance(getattr(g, "type", None), DisconnectedType)
              for g in output_grads]
    known = {}
    for out, g, has_grad in zip(node.outputs, output_grads, seeded):
        if has_grad and differentiable(out.dtype) and not isinstance(g.type, NullType):
            g = as_tensor_variable(g)
            # Theano casts a float output's gradient to the output's dtype.
            known[out] = g if g.dtype == out.dtype else g.astype(out.dtype)
    wrt = [i for i, v in enumerate(slots) if isinstance(getattr(v, "type", None), TensorType)]
    found = grad(None, [slots[i] for i in wrt], known_grads=known, disconnected_inputs="ignore",
                 return_disconnected="Disconnected", null_gradients="return",
                 add_names=False) if known and wrt else [disconnected_type() for _ in wrt]
    results = [disconnected_type() for _ in inputs]
    for i, g in zip(wrt, found):
        results[i] = g
    undefined = op.undefined_grads(node) if pattern is not None else {}
    for i, x in enumerate(inputs):
        connected = [j for j, has_grad in enumerate(seeded)
                     if has_grad and (pattern is None or pattern[i][j])]
        if not connected:
            results[i] = disconnected_type()
        elif i in undefined:
            results[i] = grad_undefined(op, i, x, undefined[i])
        elif any(isinstance(output_grads[j].type, NullType) for j in connected):
            results[i] = next(output_grads[j] for j in connected
                              if isinstance(output_grads[j].type, NullType))
        elif isinstance(results[i].type, DisconnectedType) and i in wrt:
            results[i] = _float_zeros_like(x)   # connected only through integers
    return results


def _slot(var, index, inputs):
    """``var`` as input ``index`` of ``inputs``, marked by an ``InputSlot``
    where another input is ``var`` or depends on it (so that the gradient
    with respect to this slot is the partial one)."""
    if not isinstance(var, Variable) or not isinstance(var.type, TensorType):
        return var
    shared = any(isinstance(other, Variable) and any(a is var for a in ancestors([other]))
                 for j, other in enumerate(inputs) if j != index)
    return InputSlot()(var) if shared else var


register_grad_deriver(derived_grad)
