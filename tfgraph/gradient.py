"""Symbolic differentiation, as ``theano.gradient``: ``grad``, ``jacobian``,
``hessian``, ``Lop``, ``Rop``, ``verify_grad`` and the gradient-shaping
identities ``disconnected_grad``, ``zero_grad``, ``grad_clip``, ``grad_scale``.

Results are symbolic variables, usable in further expressions (updates,
gradients of gradients). Each is the output of a ``Gradient`` node
(``tfgraph.ops.grad``), lowered through ``tf.GradientTape`` inside the
function's one trace: see ``tfgraph.compile.lower`` for how a cost and all
its gradients share one forward pass and one backward sweep.

The names are defined, from the bottom of the import order up, in
``tfgraph.symbolic_grad`` (``grad``, its types, errors and identities),
``tfgraph.derivatives`` (Jacobians, Hessians, the L and R operators) and
``tfgraph.gradient_check`` (``verify_grad``, which compiles functions).
"""
from tfgraph import backprop  # noqa: F401  (grad's routine where the tape cannot go)
from tfgraph.derivatives import Lop, Rop, hessian, jacobian
from tfgraph.gradient_check import GradientError, numeric_grad, verify_grad
from tfgraph.ops.grad import (DisconnectedGrad, GradClip, GradScale,  # noqa: F401 (Theano's)
                              UndefinedGrad, ZeroGrad)
from tfgraph.symbolic_grad import (ConsiderConstant, DisconnectedInputError, DisconnectedType,
                                   NullType, NullTypeGradError, consider_constant,
                                   consider_constant_, disconnected_grad, disconnected_grad_,
                                   disconnected_type, format_as, grad, grad_clip,
                                   grad_not_implemented, grad_scale, grad_undefined,
                                   subgraph_grad, undefined_grad, undefined_grad_, zero_grad,
                                   zero_grad_)

__all__ = [
    "DisconnectedInputError", "DisconnectedType", "GradientError", "Lop", "NullTypeGradError",
    "Rop", "consider_constant", "disconnected_grad", "disconnected_type", "format_as", "grad",
    "ConsiderConstant", "NullType", "consider_constant_", "disconnected_grad_", "grad_undefined",
    "grad_not_implemented", "undefined_grad_", "zero_grad_",
    "grad_clip", "grad_scale", "hessian", "jacobian", "numeric_grad", "subgraph_grad",
    "undefined_grad", "verify_grad", "zero_grad",
]
