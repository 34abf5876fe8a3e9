"""Symbolic differentiation, as ``theano.gradient``: ``grad``, ``jacobian``,
``hessian``, ``Lop``, ``Rop``, ``verify_grad`` and the gradient-shaping
identities ``disconnected_grad``, ``zero_grad``, ``grad_clip``, ``grad_scale``.

Results are symbolic variables, usable in further expressions (updates,
gradients of gradients). Each is the output of a ``Gradient`` node
(``tfgraph.ops.grad``), lowered through ``tf.GradientTape`` inside the
function's one trace: see ``tfgraph.compile.lower`` for how a cost and all
its gradients share one forward pass and one backward sweep.
"""
import builtins
import collections
import warnings

import numpy as np

from tfgraph.graph import TensorType, Variable, ancestors, toposort
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS, cast
from tfgraph.ops.grad import (DisconnectedGrad, GradClip, Gradient, GradScale, UndefinedGrad,
                              ZeroGrad, connection_pattern, differentiable, gradient_dtype)
from tfgraph.ops.shape import ones_like, zeros_like
from tfgraph.persist import pickle_by_name

__all__ = [
    "DisconnectedInputError", "DisconnectedType", "GradientError", "Lop", "NullTypeGradError",
    "Rop", "consider_constant", "disconnected_grad", "disconnected_type", "format_as", "grad",
    "ConsiderConstant", "NullType", "consider_constant_", "disconnected_grad_", "grad_undefined",
    "grad_not_implemented", "undefined_grad_", "zero_grad_",
    "grad_clip", "grad_scale", "hessian", "jacobian", "numeric_grad", "subgraph_grad",
    "undefined_grad", "verify_grad", "zero_grad",
]


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

    def __str__(self):
        return "NullType"

    __repr__ = __str__


def grad_undefined(op, x_pos, x, comment=""):
    """What an op's ``grad`` returns for input ``x_pos`` (``x``) whose
    gradient is mathematically undefined: ``grad`` through it raises
    ``NullTypeGradError``."""
    return NullType(f"This variable is Null because the grad method for input {x_pos} ({x}) "
                    f"of the {op} op is mathematically undefined. {comment}")()


def grad_not_implemented(op, x_pos, x, comment=""):
    """What an op's ``grad`` returns for input ``x_pos`` (``x``) whose
    gradient is not implemented: ``grad`` through it raises
    ``NullTypeGradError``."""
    return NullType(f"This variable is Null because the grad method for input {x_pos} ({x}) "
                    f"of the {op} op is not implemented. {comment}")()


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


# Theano's op instances behind the functions above
consider_constant_ = pickle_by_name(ConsiderConstant(), __name__, "consider_constant_")
zero_grad_ = pickle_by_name(ZeroGrad(), __name__, "zero_grad_")
disconnected_grad_ = pickle_by_name(DisconnectedGrad(), __name__, "disconnected_grad_")
undefined_grad_ = pickle_by_name(UndefinedGrad(), __name__, "undefined_grad_")


# --- grad -----------------------------------------------------------------------

_DISCONNECTED_POLICIES = ("ignore", "warn", "raise")


def _as_list(value, what):
    if isinstance(value, set):
        raise TypeError(f"{what} must not be a set. sets have no defined iteration order, "
                        f"so we can't return gradients in a matching order.")
    if isinstance(value, (list, tuple)):
        return list(value), isinstance(value, list), isinstance(value, tuple)
    return [value], False, False


def _check_variables(items, what):
    for item in items:
        if not isinstance(item, Variable):
            raise TypeError(f"{what}: expected a symbolic Variable, got {item!r} of type "
                            f"{type(item).__name__}")


def _check_policy(disconnected_inputs):
    if disconnected_inputs not in _DISCONNECTED_POLICIES:
        raise ValueError(f"Invalid value for keyword 'disconnected_inputs': "
                         f"{disconnected_inputs!r}; valid values are 'ignore', 'warn' "
                         f"and 'raise'.")


def _handle_disconnected(var, policy, cost=None):
    message = (f"grad method was asked to compute the gradient with respect to a variable "
               f"that is not part of the computational graph of the cost, or is used only "
               f"by a non-differentiable operator: {var}")
    if policy == "warn":
        warnings.warn(message, stacklevel=3)
    elif policy == "raise":
        raise DisconnectedInputError(
            f"{message} ({var.type}). The cost{f' {_pp(cost)}' if cost is not None else ''} "
            f"does not depend on it (paths through shapes, indices, disconnected_grad "
            f"and consider_constant do not count). Pass disconnected_inputs='warn' or "
            f"'ignore' to get zeros instead.")


def _pp(var):
    from tfgraph.printing import pp
    return pp(var)


def _float_zeros_like(x):
    if not isinstance(x.type, TensorType):  # (a sparse matrix's zeros are its own)
        return x.zeros_like()
    return zeros_like(x, dtype=gradient_dtype(x.dtype))


def _float_ones_like(x):
    return ones_like(x, dtype=gradient_dtype(x.dtype))


def _true_ancestors(outputs, constants):
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


def _constants_in(consider_constant, targets):
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


def _check_consider_constant(consider_constant):
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
            raise TypeError(f"cost must be a scalar. {_pp(cost)} has {cost.ndim} dimensions "
                            f"({cost.type}); reduce it with T.sum or T.mean, or use "
                            f"gradient.jacobian or Lop for a non-scalar expression.")
    wrt_list, using_list, using_tuple = _as_list(wrt, "wrt")
    _check_variables(wrt_list, "grad: wrt")
    constants = _check_consider_constant(consider_constant)
    _check_policy(disconnected_inputs)
    if return_disconnected not in ("zero", "None", "Disconnected", None):
        raise ValueError(f"return_disconnected must be 'zero', 'None' or 'Disconnected', "
                         f"got {return_disconnected!r}")
    if null_gradients not in ("raise", "return"):
        raise ValueError(f"null_gradients must be 'raise' or 'return', got {null_gradients!r}")

    # Targets, each with its seed (the gradient of the implicit cost at it).
    targets, seeds = [], []
    known = list((known_grads or {}).items())
    given = [g for v, g in known if v is cost]
    if cost is not None:
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

    reachable = _true_ancestors(targets, constants)
    results = [None] * len(wrt_list)
    differentiate = []
    for i, w in enumerate(wrt_list):
        seed = next((s for t, s in zip(targets, seeds) if t is w), None)
        if seed is not None:
            results[i] = seed  # the gradient at a target is its seed
        elif id(w) in reachable:
            differentiate.append(i)
        else:
            _handle_disconnected(w, disconnected_inputs, cost)
            if return_disconnected == "zero":
                results[i] = _float_zeros_like(w)
            elif return_disconnected == "Disconnected":
                results[i] = disconnected_type()
    if differentiate and null_gradients == "raise":
        _check_defined(targets, [wrt_list[i] for i in differentiate], constants, reachable)
    if differentiate:
        chosen = [wrt_list[i] for i in differentiate]
        outputs = next((r for r in (routine(targets, seeds, chosen, constants)
                                    for routine in _ROUTINES) if r is not None), None)
        if outputs is None:  # the tape
            consts = _constants_in(constants, targets)
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


def _check_defined(targets, wrt, constants, reachable):
    """Raise NullTypeGradError if a gradient from ``targets`` to ``wrt`` must
    pass through an input whose gradient its op leaves undefined (an op says
    which with ``undefined_grads(node) -> {input index: comment}``)."""
    from tfgraph.python_op import null_grads
    wrt_ids = {id(w) for w in wrt}
    for node in toposort(targets):
        undefined = getattr(node.op, "undefined_grads", None)
        if not any(id(o) in reachable for o in node.outputs):
            continue
        if undefined is not None:
            reasons = {i: (f"This variable is Null because the grad method for input {i} "
                           f"({node.inputs[i]}) of the {node.op} op is mathematically "
                           f"undefined. {comment}")
                       for i, comment in undefined(node).items()}
        else:
            reasons = null_grads(node)    # a Theano-style op's grad() saying so
        for index, reason in reasons.items():
            var = node.inputs[index]
            if id(var) in reachable and wrt_ids & _true_ancestors([var], constants):
                raise NullTypeGradError(f"tensor.grad encountered a NaN. {reason}".rstrip())


def _known_grad(var, g):
    if not isinstance(g, Variable):
        g = as_tensor_variable(np.asarray(g))
    if not differentiable(g.dtype):
        raise TypeError(f"Gradients must always be continuous, but grad was given a "
                        f"known_grad of type {g.type} for {var}")
    if g.ndim != var.ndim:
        raise TypeError(f"known_grads: the gradient {g} ({g.type}) given for {var} "
                        f"({var.type}) has {g.ndim} dimensions; it must have {var.ndim}")
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


# --- Jacobians, Hessians, L and R operators ---------------------------------------

def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """d expression[i...] / d wrt[j...], shaped ``expression.shape + wrt.shape``,
    for a variable or a list/tuple of them (the result has the same form).

    Computed in one vectorized pass (``GradientTape.jacobian`` with pfor), not
    a loop over elements. Theano takes a vector (or scalar) ``expression``;
    any number of dimensions works here.
    """
    expression = as_tensor_variable(expression)
    wrt_list, using_list, using_tuple = _as_list(wrt, "wrt")
    _check_variables(wrt_list, "jacobian: wrt")
    _check_policy(disconnected_inputs)
    constants = _check_consider_constant(consider_constant)
    if expression.ndim == 0:
        return format_as(using_list, using_tuple,
                         grad(expression, wrt_list, consider_constant=constants,
                              disconnected_inputs=disconnected_inputs))
    reachable = _true_ancestors([expression], constants)
    for w in wrt_list:
        if id(w) not in reachable:
            _handle_disconnected(w, disconnected_inputs, expression)
    _check_defined([expression], wrt_list, constants, reachable)
    consts = _constants_in(constants, [expression])
    op = Gradient(1, 0, len(consts), jacobian=True)
    results = op.make_node(expression, *consts, *wrt_list).outputs
    return format_as(using_list, using_tuple, results)


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The matrix of second derivatives of scalar ``cost`` with respect to each
    variable in ``wrt`` (a variable or a list/tuple; the result has the same
    form): for a vector ``x`` of length n, an n x n matrix. For a variable of
    shape s it has shape s + s. The gradient is one backward sweep, its
    Jacobian one vectorized pass."""
    cost = as_tensor_variable(cost)
    if cost.ndim != 0:
        raise TypeError(f"hessian: cost must be a scalar, but {_pp(cost)} has {cost.ndim} "
                        f"dimensions ({cost.type})")
    wrt_list, using_list, using_tuple = _as_list(wrt, "wrt")
    _check_variables(wrt_list, "hessian: wrt")
    hessians = []
    for w in wrt_list:
        first = grad(cost, w, consider_constant=consider_constant,
                     disconnected_inputs=disconnected_inputs)
        # The gradient may not depend on w (a linear cost): zeros, no error.
        hessians.append(jacobian(first, w, consider_constant=consider_constant,
                                 disconnected_inputs="ignore"))
    return format_as(using_list, using_tuple, hessians)


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs="raise"):
    """The L operator: sum_i eval_points[i] . d f[i] / d wrt[j] (a
    vector-Jacobian product), one result per ``wrt`` (same form as ``wrt``)."""
    fs = list(f) if isinstance(f, (list, tuple)) else [f]
    points = list(eval_points) if isinstance(eval_points, (list, tuple)) else [eval_points]
    if len(fs) != len(points):
        raise ValueError(f"Lop: {len(fs)} expressions but {len(points)} eval_points")
    _, using_list, using_tuple = _as_list(wrt, "wrt")
    known = collections.OrderedDict(zip([as_tensor_variable(v) for v in fs], points))
    result = grad(None, wrt, consider_constant=consider_constant, known_grads=known,
                  disconnected_inputs=disconnected_inputs)
    return format_as(using_list, using_tuple, result)


def Rop(f, wrt, eval_points):
    """The R operator: sum_j d f[i] / d wrt[j] . eval_points[j] (a
    Jacobian-vector product), one result per ``f`` (same form as ``f``).

    Computed by the double-VJP trick: with u a dummy of f's shape,
    g(u) = J^T u is linear in u, and the gradient of <g(u), v> with respect
    to u is J v. Both are Gradient nodes, so Rop composes with everything
    else (Hessian-vector products are ``Rop(grad(c, x), x, v)``) in the same
    one trace; TensorFlow prunes the parts of J^T u that J v does not need.
    """
    using_list, using_tuple = isinstance(f, list), isinstance(f, tuple)
    fs = [as_tensor_variable(v) for v in (f if isinstance(f, (list, tuple)) else [f])]
    wrt_list = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    points = list(eval_points) if isinstance(eval_points, (list, tuple)) else [eval_points]
    _check_variables(wrt_list, "Rop: wrt")
    if len(wrt_list) != len(points):
        raise ValueError(f"Rop: {len(wrt_list)} wrt variables but {len(points)} eval_points")
    points = [as_tensor_variable(p) for p in points]
    for i, (w, p) in enumerate(zip(wrt_list, points)):
        if w.ndim != p.ndim:
            raise ValueError(f"Element {i} of wrt/eval_point have mismatched dimensionality: "
                             f"{w.ndim} versus {p.ndim} ({w} and {p})")
    results = [None] * len(fs)
    pending = []
    for i, out in enumerate(fs):
        j = next((j for j, w in enumerate(wrt_list) if w is out), None)
        if j is not None:
            results[i] = points[j]
        else:
            pending.append(i)
    if pending:
        outs = [fs[i] for i in pending]
        dummies = [zeros_like(o, dtype=gradient_dtype(o.dtype)) for o in outs]
        # g_j = sum_i J_ij^T u_i: a plain VJP, every path summed.
        transposed = Gradient(len(outs), len(outs), isolate_targets=False,
                              label="Rop_transpose").make_node(*outs, *dummies, *wrt_list)
        vjps = transposed.outputs
        rop = Gradient(len(vjps), len(vjps), isolate_targets=False, label="Rop").make_node(
            *vjps, *[cast(p, v.dtype) for p, v in zip(points, vjps)], *dummies).outputs
        for i, r in zip(pending, rop):
            results[i] = r
    return format_as(using_list, using_tuple, results)


# --- verify_grad -----------------------------------------------------------------

class GradientError(Exception):
    """The symbolic gradient differs from finite differences.

    ``arg`` is the input's position, ``err_pos`` the flat position in it and
    ``index`` the same as an index tuple; ``abs_err`` and ``rel_err`` the
    errors there, ``numeric`` and ``analytic`` the two gradients there.
    """

    def __init__(self, arg, err_pos, abs_err, rel_err, abs_tol, rel_tol, index=None,
                 numeric=None, analytic=None, shape=None):
        super().__init__(arg, err_pos, abs_err, rel_err)
        self.arg, self.err_pos = arg, err_pos
        self.abs_err, self.rel_err = abs_err, rel_err
        self.abs_tol, self.rel_tol = abs_tol, rel_tol
        self.index, self.numeric, self.analytic, self.shape = index, numeric, analytic, shape

    def __str__(self):
        where = f"At position {self.err_pos} of argument {self.arg}"
        if self.index is not None:
            where += f" (index {self.index} of an array of shape {self.shape})"
        values = ""
        if self.numeric is not None:
            values = (f"\n    numeric gradient = {self.numeric!r}, "
                      f"analytic gradient = {self.analytic!r}")
        return (f"GradientError: numeric gradient and analytic gradient exceed tolerance:\n"
                f"    {where},\n"
                f"    abs. error = {self.abs_err:g},  abs. tolerance = {self.abs_tol:g}\n"
                f"    rel. error = {self.rel_err:g},  rel. tolerance = {self.rel_tol:g}"
                f"{values}")


# Central differences: error O(eps^2) from truncation plus O(u/eps) from
# rounding, smallest near eps ~ u^(1/3) for machine epsilon u.
_TYPE_EPS = {"float64": 1e-6, "float32": 1e-3, "float16": 1e-1}
_TYPE_TOL = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}


def _numeric_jacobians(f, pt, eps):
    """For each array in ``pt``: d f(*pt) / d pt[i], shaped (pt[i].size,) +
    f's output shape, by central differences; and f(*pt)."""
    base = np.asarray(f(*pt), dtype=np.float64)
    jacobians = []
    for i, p in enumerate(pt):
        flat = p.reshape(-1)
        rows = np.empty((flat.size,) + base.shape)
        for k in range(flat.size):
            step = eps if eps is not None else _TYPE_EPS[p.dtype.name]
            up, down = flat.copy(), flat.copy()
            up[k] = flat[k] + step
            down[k] = flat[k] - step
            # The step actually taken, after rounding to the input's dtype.
            width = np.float64(up[k]) - np.float64(down[k])
            args_up = list(pt)
            args_down = list(pt)
            args_up[i] = up.reshape(p.shape)
            args_down[i] = down.reshape(p.shape)
            rows[k] = (np.asarray(f(*args_up), np.float64)
                       - np.asarray(f(*args_down), np.float64)) / width
        jacobians.append(rows)
    return jacobians, base


class numeric_grad:
    """The gradient of a scalar-valued function ``f`` at ``pt`` (an array or a
    list of arrays) by central finite differences: ``self.gf``."""

    def __init__(self, f, pt, eps=None, out_type=None):
        packed = not isinstance(pt, (list, tuple))
        arrays = [np.array(p) for p in ([pt] if packed else pt)]
        jacobians, _ = _numeric_jacobians(f, arrays, eps)
        self.gf = [j.reshape(p.shape) for j, p in zip(jacobians, arrays)]
        if packed:
            self.gf = self.gf[0]

    @staticmethod
    def abs_rel_err(a, b):
        """(|a - b|, |a - b| / max(|a| + |b|, 1e-8)), elementwise."""
        abs_err = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
        rel_err = abs_err / np.maximum(np.abs(a) + np.abs(b), 1e-8)
        return abs_err, rel_err

    def abs_rel_errors(self, g_pt):
        gf = self.gf if isinstance(self.gf, list) else [self.gf]
        if len(g_pt) != len(gf):
            raise ValueError(f"argument has wrong number of elements: {len(g_pt)}")
        errors = []
        for i, (a, b) in enumerate(zip(g_pt, gf)):
            if np.shape(a) != np.shape(b):
                raise ValueError(f"argument element {i} has wrong shape "
                                 f"{(np.shape(a), np.shape(b))}")
            errors.append(self.abs_rel_err(a, b))
        return errors

    def max_err(self, g_pt, abs_tol, rel_tol):
        """(argument, flat position, abs error, rel error) where
        min(abs_err / abs_tol, rel_err / rel_tol) is largest."""
        best = None
        for arg, (abs_err, rel_err) in enumerate(self.abs_rel_errors(g_pt)):
            scaled = np.minimum(abs_err / abs_tol, rel_err / rel_tol).reshape(-1)
            if scaled.size == 0:
                continue
            scaled = np.where(np.isnan(scaled), np.inf, scaled)
            pos = int(np.argmax(scaled))
            if best is None or scaled[pos] > best[0]:
                best = (scaled[pos], arg, pos, float(abs_err.reshape(-1)[pos]),
                        float(rel_err.reshape(-1)[pos]))
        if best is None:
            return 0, 0, 0.0, 0.0
        return best[1:]


def verify_grad(fun, pt, n_tests=2, rng=None, eps=None, out_type=None, abs_tol=None,
                rel_tol=None, mode=None, cast_to_output_type=False, no_debug_ref=True):
    """Check the symbolic gradient of ``fun`` at ``pt`` against finite
    differences; raise ``GradientError`` (saying where, and by how much) if
    they differ by more than both ``abs_tol`` and ``rel_tol``.

    ``fun`` takes symbolic variables (one per array of ``pt``, a list of
    float arrays) and returns one symbolic variable o. Each of the
    ``n_tests`` tests compares the gradients of sum(r * o) for a random
    projection r (drawn from ``rng``, a NumPy RandomState or Generator;
    seeded when None).

    Differences are central, with step ``eps`` (default 1e-6 for float64,
    1e-3 for float32). The tolerances default to 1e-4 (float64) and 1e-2
    (float32), as Theano's. The output's finite differences are taken once
    and projected for every test, so extra tests cost one gradient call.
    """
    from tfgraph.compile.debugmode import DebugMode
    from tfgraph.compile.function import function
    from tfgraph.compile.modes import get_mode
    from tfgraph.ops.reduce import reduce

    if not isinstance(pt, (list, tuple)):
        raise TypeError(f"verify_grad: pt must be a list or tuple of arrays, got "
                        f"{type(pt).__name__}")
    pt = [np.array(p) for p in pt]
    for i, p in enumerate(pt):
        if p.dtype.name not in _TYPE_TOL:
            raise TypeError(f"verify_grad can work only with floating point inputs, but "
                            f"input {i} has dtype \"{p.dtype}\".")
    if abs_tol is None:
        abs_tol = builtins.max(_TYPE_TOL[p.dtype.name] for p in pt)
    if rel_tol is None:
        rel_tol = builtins.max(_TYPE_TOL[p.dtype.name] for p in pt)
    if rng is None:
        rng = np.random.RandomState(666)
    inputs = [TensorType(p.dtype.name, [s == 1 for s in p.shape])(f"input {i}")
              for i, p in enumerate(pt)]
    output = fun(*inputs)
    if isinstance(output, (list, tuple)):
        raise NotImplementedError("verify_grad cannot (yet) check a function with "
                                  "several outputs; check each one")
    output = as_tensor_variable(output)
    projection_dtype = ("float32" if cast_to_output_type and output.dtype == "float32"
                        else "float64")
    projection = TensorType(projection_dtype, output.broadcastable)("random_projection")
    cost = reduce("sum", OPS["mul"](projection, output))
    symbolic = grad(cost, inputs, disconnected_inputs="ignore")
    options = {"allow_input_downcast": True, "on_unused_input": "ignore"}
    forward_mode = mode
    if no_debug_ref and isinstance(get_mode(mode), DebugMode):
        forward_mode = "FAST_RUN"
    forward = function(inputs, output, mode=forward_mode, name="verify_grad forward",
                       **options)
    gradient = function(inputs + [projection], symbolic, mode=mode,
                        name="verify_grad gradient", **options)

    jacobians, base = _numeric_jacobians(forward, pt, eps)
    out_axes = list(range(1, base.ndim + 1))
    for _ in range(n_tests):
        r = np.asarray(rng.uniform(0.5, 1.5, size=base.shape), projection_dtype)
        numeric = [np.tensordot(j, np.asarray(r, np.float64), axes=(out_axes, list(
            range(base.ndim)))).reshape(p.shape) for j, p in zip(jacobians, pt)]
        analytic = gradient(*pt, r)
        checker = numeric_grad.__new__(numeric_grad)
        checker.gf = numeric
        arg, pos, abs_err, rel_err = checker.max_err(analytic, abs_tol, rel_tol)
        if not (abs_err <= abs_tol or rel_err <= rel_tol):  # also catches NaN
            shape = pt[arg].shape
            raise GradientError(arg, pos, abs_err, rel_err, abs_tol, rel_tol,
                                index=tuple(int(k) for k in np.unravel_index(pos, shape)),
                                numeric=float(numeric[arg].reshape(-1)[pos]),
                                analytic=float(np.asarray(analytic[arg]).reshape(-1)[pos]),
                                shape=shape)


verify_grad.E_grad = GradientError
