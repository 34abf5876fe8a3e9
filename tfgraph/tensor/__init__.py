"""The ``theano.tensor`` namespace: ``import tfgraph.tensor as T``."""
import numpy as np  # noqa: F401  (Theano's namespace has it: ``from theano.tensor import *`` gives np)

# And what theano/tensor/basic.py imports, which ``from theano.tensor import *``
# hands on (it has no __all__): theano itself, compile, config, gof, ...
import tfgraph as theano  # noqa: F401
from tfgraph import compile, config, gof, printing  # noqa: F401,A004
from tfgraph.gof import Apply, Constant, Generic, Op  # noqa: F401
from tfgraph.gradient import DisconnectedType, grad_not_implemented, grad_undefined  # noqa: F401
from tfgraph.printing import pprint  # noqa: F401

from tfgraph import dtypes
from tfgraph.graph import Constant as TensorConstant  # noqa: F401
# As Theano 1.0's theano/tensor/__init__.py: ``from theano.gradient import Rop, Lop,
# grad, numeric_grad, verify_grad, jacobian, hessian, consider_constant``; plus
# zero_grad and disconnected_grad. The same objects as in tfgraph.gradient.
from tfgraph.gradient import (Lop, Rop, consider_constant, disconnected_grad, grad,  # noqa: F401
                              hessian, jacobian, numeric_grad, verify_grad, zero_grad)
from tfgraph.graph import TensorType, TensorVariable, Variable  # noqa: F401
from tfgraph.ops.base import as_tensor_variable, constant  # noqa: F401
from tfgraph.ops.elemwise import OPS as _ELEMWISE, cast  # noqa: F401
from tfgraph.ops.linalg import BatchedDot, Dot, TensorDot
from tfgraph.ops.reduce import reduce as _reduce
from tfgraph.ops.shape import (Shape, alloc, arange, concatenate, dimshuffle,  # noqa: F401
                               eye, fill, flatten, identity_like, ones, ones_like,
                               reshape, stack, transpose, zeros, zeros_like)
from tfgraph.ops.rebroadcast import (Rebroadcast, addbroadcast, patternbroadcast,  # noqa: F401
                                     shape_padaxis, shape_padleft, shape_padright,
                                     unbroadcast)
from tfgraph.ops.shape import get_vector_length  # noqa: F401
from tfgraph.ops.subtensor import inc_subtensor, set_subtensor  # noqa: F401
from tfgraph.tensor import nnet  # noqa: F401
from tfgraph.tensor.constructors import build_namespace, tensor  # noqa: F401
from tfgraph.tensor import var as _var  # noqa: F401  (operators and methods)

globals().update(build_namespace())
globals().update({name: op for name, op in _ELEMWISE.items()
                  if not name.startswith(("round_", "sigmoid", "softplus", "relu"))})

as_tensor = as_tensor_variable
where = _ELEMWISE["switch"]
abs = _ELEMWISE["abs_"]  # noqa: A001  (Theano exports both abs_ and abs)
sigmoid = nnet.sigmoid
square = _ELEMWISE["sqr"]


def inv(a):
    """1.0 / a, in a float dtype (Theano's ``inv``: int8 and int16 give float32)."""
    a = as_tensor_variable(a)
    return _ELEMWISE["true_div"](1, cast(a, dtypes.upgrade_to_float(a.dtype)))
softplus = nnet.softplus


def round(a, mode="half_away_from_zero"):  # noqa: A001
    """Round to the nearest integer; ties away from zero (Theano's default) or
    to even (``mode='half_to_even'``, NumPy's)."""
    if mode not in ("half_away_from_zero", "half_to_even"):
        raise ValueError(f"round: mode must be 'half_away_from_zero' or 'half_to_even', got {mode!r}")
    return _ELEMWISE["round_" + mode](a)


def shape(x):
    """The shape of ``x`` as a symbolic int64 vector."""
    return Shape()(x)


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):  # noqa: A001
    return _reduce("sum", input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None,
         no_zeros_in_input=False):
    return _reduce("prod", input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):
    return _reduce("mean", input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("max", x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("min", x, axis, keepdims)


def argmax(x, axis=None, keepdims=False):
    return _reduce("argmax", x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _reduce("argmin", x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("all", x, axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("any", x, axis, keepdims)


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    return _reduce("var", input, axis, keepdims, ddof=ddof)


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    return _reduce("std", input, axis, keepdims, ddof=ddof)


def dot(a, b):
    """NumPy's dot: inner product of vectors, matrix product, and for N-d the
    sum over the last axis of ``a`` and the second-to-last of ``b``."""
    return Dot()(a, b)


def tensordot(a, b, axes=2):
    return TensorDot(axes)(a, b)


def batched_dot(a, b):
    return BatchedDot()(a, b)


def outer(x, y):
    """The outer product of two vectors (higher-dimensional inputs are flattened)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    x = x if x.ndim == 1 else flatten(x)
    y = y if y.ndim == 1 else flatten(y)
    return dimshuffle(x, 0, "x") * dimshuffle(y, "x", 0)



# The rest of Theano 1.0's namespace: docs/tensor.md.
from tfgraph.ops.special import OPS as _SPECIAL  # noqa: E402
from tfgraph.tensor import extra_ops, nlinalg, slinalg, sort as _sort_module, xlogx  # noqa: E402,F401
from tfgraph.tensor.arrays import *  # noqa: E402,F401,F403
from tfgraph.tensor.extra_ops import (DiffOp, bartlett, bincount, cumprod, cumsum,  # noqa: E402,F401
                                      fill_diagonal, fill_diagonal_offset, ravel_multi_index,
                                      repeat, squeeze, unravel_index)
from tfgraph.tensor.sort import argsort, argtopk, sort, topk, topk_and_argtopk  # noqa: E402,F401
from tfgraph.tensor import var_more as _var_more  # noqa: E402,F401  (more methods)

globals().update({name: op for name, op in _SPECIAL.items() if name not in ("xlogx", "xlogy0")})
from tfgraph.tensor import shared_randomstreams  # noqa: E402,F401
from tfgraph.tensor.basic_extras import (  # noqa: E402,F401
    AdvancedIndexingError, AsTensorError, NoneConst, NoneTypeT, ShapeError, Tensor,
    advanced_boolean_inc_subtensor, advanced_boolean_set_subtensor, advanced_boolean_subtensor,
    as_index_variable, as_int_none_variable, default, is_flat, join_, make_slice, none_type_t,
    permute_row_elements, setdefault)
from tfgraph.tensor import raw_random  # noqa: E402,F401
from tfgraph.tensor.bessel import iv, jv  # noqa: E402,F401
from tfgraph.tensor import elemwise, inplace, subtensor  # noqa: E402,F401
from tfgraph.ops.elemwise import Elemwise  # noqa: E402,F401
from tfgraph.ops.reduce import Argmax, CAReduce, MaxAndArgmax, Mean  # noqa: E402,F401
from tfgraph.ops.shape import DimShuffle  # noqa: E402,F401
from tfgraph.tensor.subtensor import (  # noqa: E402,F401
    AdvancedBooleanIncSubtensor, AdvancedBooleanSubtensor, AdvancedIncSubtensor,
    AdvancedIncSubtensor1, AdvancedSubtensor, AdvancedSubtensor1, IncSubtensor, Subtensor)
from tfgraph.ops.shape import ARange, Alloc, Eye, Flatten, Join, Reshape  # noqa: E402,F401
from tfgraph.random.op import PermuteRowElements  # noqa: E402,F401
from tfgraph.tensor.basic_ops import (AllocEmpty, Default, ScalarFromTensor,  # noqa: E402,F401
                                      TensorFromScalar, Tile, scalar_from_tensor,
                                      tensor_from_scalar)
from tfgraph.compile.ops import SpecifyShape, specify_shape  # noqa: E402,F401
from tfgraph import scalar as scal  # noqa: E402,F401  (as Theano's tensor module names it)
from tfgraph.tensor.sharedvar import tensor_constructor as _shared  # noqa: E402,F401
from tfgraph.tensor import basic  # noqa: E402,F401  (theano.tensor.basic, as in Theano)
from tfgraph.tensor.basic import (float16_atol, float16_rtol, float32_atol,  # noqa: E402,F401
                                  float32_rtol, float64_atol, float64_rtol)
