"""``theano.scalar.basic``: scalar types and scalar ops.

Scalars are 0-d tensors here: ``Scalar('int8')`` is the type of a 0-d int8
tensor (printed ``int8``, as Theano prints it, so ``T.matrix(dtype=str(t))``
works), and a scalar op called on scalars gives the 0-d result. The op
classes (``Add``, ``Exp``, ...) and instances (``add``, ``exp``, ...) are
those of the elementwise tables (tfgraph.ops.elemwise, tfgraph.ops.special):
``T.add.scalar_op is theano.scalar.add``.
"""
import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Constant, TensorVariable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.base import constant as tensor_constant
from tfgraph.ops.elemwise import OPS, SCALAR_OP_CLASSES
from tfgraph.ops.scalar import (  # noqa: F401  (Theano's names for the dtype rules)
    BinaryBitOp, BinaryScalarOp, Cast, FixedLogicalComparison, LogicalComparison, Scalar,
    ScalarOp, UnaryBitOp, UnaryScalarOp, float_out, float_out_nocomplex, get_scalar_type,
    int_out, int_out_nocomplex, same_out, same_out_float_only, same_out_nobool,
    same_out_nocomplex, specific_out, transfer_type, upcast_out_no_complex, upcast_out_nobool,
    upgrade_to_float_no_complex)
from tfgraph.ops.scalar import abs_rule as real_out  # noqa: F401
from tfgraph.ops.scalar import min8 as same_out_min8  # noqa: F401
from tfgraph.ops.scalar import min8 as upcast_out_min8  # noqa: F401
from tfgraph.ops.scalar import same as upcast_out  # noqa: F401
from tfgraph.ops.scalar import to_float as upgrade_to_float  # noqa: F401
from tfgraph.ops.special import OPS as SPECIAL
from tfgraph.ops.special import to_float64 as upgrade_to_float64  # noqa: F401
from tfgraph.dtypes import autocast_float, autocast_float_as, autocast_int  # noqa: F401

builtin_bool, builtin_complex, builtin_int, builtin_float = bool, complex, int, float


class ComplexError(NotImplementedError):
    """An operation not defined on complex numbers."""


class IntegerDivisionError(Exception):
    """``/`` between integers, where Theano asks for ``//`` or a cast."""


def upcast(dtype, *dtypes_):
    """The dtype that values of all the given dtypes combine to (NumPy's rule)."""
    return dtypes.upcast(dtype, *dtypes_)


def as_common_dtype(*variables):
    dtype = upcast(*[v.dtype for v in variables])
    return tuple(v.astype(dtype) for v in variables)


def as_scalar(x, name=None):
    """``x`` as a scalar (a 0-d tensor); TypeError for anything else."""
    x = as_tensor_variable(x, name=name)
    if x.ndim != 0:
        raise TypeError(f"Cannot convert {x} ({x.type}) to a scalar: it has {x.ndim} "
                        f"dimensions")
    return x


def constant(x, name=None, dtype=None):
    """A scalar constant (Theano's ``scalar.constant``)."""
    return tensor_constant(np.asarray(x) if dtype is None else x, name=name, dtype=dtype, ndim=0)


ScalarVariable = TensorVariable
ScalarConstant = Constant

bool = Scalar("bool")  # noqa: A001
int8, int16, int32, int64 = (Scalar(d) for d in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (Scalar(d) for d in ("uint8", "uint16", "uint32", "uint64"))
float16, float32, float64 = (Scalar(d) for d in ("float16", "float32", "float64"))
complex64, complex128 = Scalar("complex64"), Scalar("complex128")
int_types = (int8, int16, int32, int64)
uint_types = (uint8, uint16, uint32, uint64)
float_types = (float16, float32, float64)
complex_types = (complex64, complex128)
integer_types = int_types + uint_types
discrete_types = (bool,) + integer_types
continuous_types = float_types + complex_types
all_types = discrete_types + continuous_types


def _multi(type_):
    """Variables of ``type_``, one per name: ``floats('a', 'b')``."""
    def make(*names):
        if len(names) == 1 and isinstance(names[0], builtin_int):
            return [type_() for _ in range(names[0])]
        return type_(names[0]) if len(names) == 1 else [type_(n) for n in names]
    return make


ints, floats = _multi(int64), _multi(float64)
complexs, complexs64, complexs128 = _multi(complex128), _multi(complex64), _multi(complex128)

# The scalar op classes (also where they pickle from) and instances.
globals().update(SCALAR_OP_CLASSES)
_TENSOR_ONLY = ("sigmoid", "softplus", "relu", "sigmoid_binary_crossentropy", "xlogx", "xlogy0")
globals().update({name: op.scalar_op for name, op in {**OPS, **SPECIAL}.items()
                  if name not in _TENSOR_ONLY})
floor_div = OPS["int_div"].scalar_op

_CONVERSIONS = {dtype: Cast(Scalar(dtype), name=f"convert_to_{dtype}") for dtype in dtypes.ALL}
globals().update({f"convert_to_{dtype}": op for dtype, op in _CONVERSIONS.items()})


def cast(x, dtype):
    """``x`` converted to ``dtype`` (a scalar)."""
    x = as_scalar(x)
    return x if x.dtype == dtypes.check_dtype(dtype) else \
        _CONVERSIONS[dtypes.check_dtype(dtype)](x)


def round_half_away_from_zero_vec(a):
    """``round_half_away_from_zero`` on a NumPy array (C's ``round()``: halves
    go away from zero, where ``numpy.round`` takes them to even); float32
    stays float32."""
    return round_half_away_from_zero.impl(np.asarray(a))  # noqa: F821  (a table op, above)
