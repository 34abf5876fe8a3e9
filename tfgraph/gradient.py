"""Symbolic differentiation: ``grad``, ``jacobian``, ``hessian`` and friends.

Results are symbolic variables, usable in further expressions; they lower
through ``tf.GradientTape`` inside the function's one trace (see
``tfgraph.ops.grad``).
"""
import warnings

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, Variable, clone_replace, depends_on
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.grad import Gradient
from tfgraph.ops.shape import zeros_like
from tfgraph._tf import tf


class DisconnectedInputError(ValueError):
    """``grad`` was asked for the gradient with respect to a variable the cost
    does not depend on."""


class GradientError(Exception):
    """``verify_grad`` found the symbolic and numeric gradients to differ."""


class StopGradient(Op):
    """Identity in the forward pass; no gradient flows through it."""
    name = "disconnected_grad"

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type])

    def lower(self, node, inputs, ctx):
        return [tf.stop_gradient(inputs[0])]


def disconnected_grad(x):
    """``x``, treated as a constant by ``grad``."""
    return StopGradient()(x)


zero_grad = disconnected_grad


def _as_list(wrt):
    if isinstance(wrt, (list, tuple)):
        return list(wrt), True
    return [wrt], False


def _check_wrt(wrt, what):
    for w in wrt:
        if not isinstance(w, Variable):
            raise TypeError(f"{what}: wrt must be symbolic variables, got {w!r}")
        if isinstance(w, Constant):
            raise TypeError(f"{what}: cannot differentiate with respect to constant {w}")


def _name_gradient(result, cost, w):
    if cost is not None and cost.name and w.name:
        result.name = f"(d{cost.name}/d{w.name})"


def _disconnected(w, cost, policy, return_disconnected):
    message = (f"grad method was asked to compute the gradient with respect to a "
               f"variable that is not part of the computational graph of the cost, or "
               f"is used only by a non-differentiable operator: {w}")
    if policy == "raise":
        raise DisconnectedInputError(
            message + ". Pass disconnected_inputs='warn' or 'ignore' to allow this.")
    if policy == "warn":
        warnings.warn(message)
    elif policy != "ignore":
        raise ValueError(f"disconnected_inputs must be 'raise', 'warn' or 'ignore', "
                         f"got {policy!r}")
    if return_disconnected == "zero":
        dtype = w.dtype if dtypes.is_float(w.dtype) else None
        from tfgraph.config import config
        return zeros_like(w, dtype=dtype or config.floatX)
    return None


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True,
         known_grads=None, return_disconnected="zero", null_gradients="raise"):
    """The gradient of scalar ``cost`` with respect to ``wrt`` (a variable or a
    list of them), as symbolic variables of the same types.

    ``consider_constant`` lists variables through which no gradient flows;
    ``known_grads`` maps variables to gradients of the cost with respect to
    them, to start backpropagation from (``cost`` may then be None).
    """
    wrt_list, was_list = _as_list(wrt)
    _check_wrt(wrt_list, "grad")
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.ndim != 0:
            raise TypeError(f"grad: cost must be a scalar, but {cost} has {cost.ndim} "
                            f"dimensions ({cost.type}); use T.sum or T.mean to reduce it, "
                            f"or gradient.jacobian / Lop for non-scalar outputs")
    targets, seeds = ([cost] if cost is not None else []), []
    for var, g in (known_grads or {}).items():
        targets.append(var)
        seeds.append(as_tensor_variable(g))
    if not targets:
        raise TypeError("grad needs a cost or known_grads")
    if seeds and cost is not None:
        from tfgraph.ops.shape import ones_like
        seeds.insert(0, ones_like(cost))
    if consider_constant:
        replace = {c: disconnected_grad(c) for c in consider_constant}
        targets = clone_replace(targets, replace)
    results = [None] * len(wrt_list)
    connected = [i for i, w in enumerate(wrt_list)
                 if any(depends_on(t, w) for t in targets)]
    for i, w in enumerate(wrt_list):
        if i not in connected:
            results[i] = _disconnected(w, cost, disconnected_inputs, return_disconnected)
    if connected:
        node_outputs = Gradient(len(targets), len(seeds))(
            *targets, *seeds, *[wrt_list[i] for i in connected])
        if not isinstance(node_outputs, list):
            node_outputs = [node_outputs]
        for i, result in zip(connected, node_outputs):
            if add_names:
                _name_gradient(result, cost, wrt_list[i])
            results[i] = result
    return results if was_list else results[0]


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """d expression[i...] / d wrt[j...], shaped expression.shape + wrt.shape,
    computed in one vectorized pass (not a loop over elements)."""
    expression = as_tensor_variable(expression)
    wrt_list, was_list = _as_list(wrt)
    _check_wrt(wrt_list, "jacobian")
    if consider_constant:
        expression = clone_replace([expression],
                                   {c: disconnected_grad(c) for c in consider_constant})[0]
    results = []
    for w in wrt_list:
        if not depends_on(expression, w):
            _disconnected(w, expression, disconnected_inputs, "zero")
        result = Gradient(1, 0, jacobian=True)(expression, w)
        results.append(result)
    return results if was_list else results[0]


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The matrix of second derivatives of scalar ``cost`` for each vector in ``wrt``."""
    wrt_list, was_list = _as_list(wrt)
    results = []
    for w in wrt_list:
        first = grad(cost, w, consider_constant=consider_constant,
                     disconnected_inputs=disconnected_inputs)
        results.append(jacobian(first, w, disconnected_inputs="ignore"))
    return results if was_list else results[0]


