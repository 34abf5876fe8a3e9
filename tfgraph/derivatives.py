"""Derivatives beyond the gradient: ``jacobian``, ``hessian``, and the L and R
operators ``Lop`` (a vector-Jacobian product) and ``Rop`` (a Jacobian-vector
product), each made of ``Gradient`` nodes as ``grad`` is. Public as
``tfgraph.gradient``.
"""
import collections

from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import cast
from tfgraph.ops.grad import Gradient, gradient_dtype
from tfgraph.ops.shape import zeros_like
from tfgraph.printing import pp
from tfgraph.symbolic_grad import (as_list, check_consider_constant, check_defined,
                                   check_policy, check_variables, constants_in, format_as, grad,
                                   handle_disconnected, true_ancestors)


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """d expression[i...] / d wrt[j...], shaped ``expression.shape + wrt.shape``,
    for a variable or a list/tuple of them (the result has the same form).

    Computed in one vectorized pass (``GradientTape.jacobian`` with pfor), not
    a loop over elements. Theano takes a vector (or scalar) ``expression``;
    any number of dimensions works here.
    """
    expression = as_tensor_variable(expression)
    wrt_list, using_list, using_tuple = as_list(wrt, "wrt")
    check_variables(wrt_list, "jacobian: wrt")
    check_policy(disconnected_inputs)
    constants = check_consider_constant(consider_constant)
    if expression.ndim == 0:
        return format_as(using_list, using_tuple,
                         grad(expression, wrt_list, consider_constant=constants,
                              disconnected_inputs=disconnected_inputs))
    reachable = true_ancestors([expression], constants)
    for w in wrt_list:
        if id(w) not in reachable:
            handle_disconnected(w, disconnected_inputs, expression)
    check_defined([expression], wrt_list, constants, reachable)
    consts = constants_in(constants, [expression])
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
        raise TypeError(f"hessian: cost must be a scalar, but {pp(cost)} has {cost.ndim} "
                        f"dimensions ({cost.type})")
    wrt_list, using_list, using_tuple = as_list(wrt, "wrt")
    check_variables(wrt_list, "hessian: wrt")
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
    _, using_list, using_tuple = as_list(wrt, "wrt")
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
    check_variables(wrt_list, "Rop: wrt")
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
