"""Scalar ops: what an elementwise op computes at each element, as Theano's
``theano.scalar`` has them (``theano.scalar.add`` is an ``Add``), and the
dtype rules ("output types preferences") that pick their result's dtype.

A ``ScalarOp`` here carries what the element computes: its TensorFlow
lowering, its NumPy reference and its dtype rule. The tables of
``tfgraph.ops.elemwise`` and ``tfgraph.ops.special`` make one ``ScalarOp``
subclass per row (``Add``, ``Exp``, ...); ``Elemwise(scalar_op)`` applies one
to tensors. Scalars are 0-d tensors here, so ``Scalar('int8')`` is the
0-d tensor type of int8 (printed ``int8``, as Theano prints it), and calling
a scalar op on scalars gives the 0-d result.

A dtype rule is called with the input variables (so that Python literals
stay weak, ``float32_var * 0.1`` stays float32) and returns the dtype the
TensorFlow function computes in and the result's dtype. Theano's own rules,
which map Scalar types to Scalar types (``lambda *types: [float64]``), are
accepted as well.
"""
import numpy as np

from tfgraph import dtypes
from tfgraph.config import config
from tfgraph.graph import Op, TensorType
from tfgraph.ops.base import result_dtype


class Scalar(TensorType):
    """The type of a 0-d tensor of ``dtype``; printed as its dtype, as
    Theano prints its scalar types (``str(theano.scalar.int8) == 'int8'``)."""

    def __init__(self, dtype):
        super().__init__(dtype, ())

    def __str__(self):
        return self.dtype

    def __repr__(self):
        return f"Scalar({self.dtype})"

    def __reduce__(self):
        return (Scalar, (self.dtype,))


def get_scalar_type(dtype):
    return Scalar(dtypes.check_dtype(dtype))


# --- dtype rules: input variables -> (compute dtype, output dtype) -------------

def dtype_rule(rule):
    """Mark ``rule`` as one of ours (called with the input variables)."""
    rule.on_inputs = True
    return rule


@dtype_rule
def same(inputs):
    dtype = result_dtype(inputs)
    return dtype, dtype


@dtype_rule
def min8(inputs):
    # NumPy: bool ** bool, bool // bool, bool % bool and square(bool) are int8.
    dtype = result_dtype(inputs)
    dtype = "int8" if dtype == "bool" else dtype
    return dtype, dtype


@dtype_rule
def to_float(inputs):
    dtype = dtypes.upgrade_to_float(result_dtype(inputs))
    return dtype, dtype


@dtype_rule
def true_div_rule(inputs):
    # Theano: integers divided by integers give floatX.
    dtype = result_dtype(inputs)
    dtype = config.floatX if dtypes.is_discrete(dtype) else dtype
    return dtype, dtype


@dtype_rule
def to_bool(inputs):
    return result_dtype(inputs), "bool"


@dtype_rule
def switch_rule(inputs):
    dtype = result_dtype(inputs[1:])
    return dtype, dtype


switch_rule.condition_first = True  # the condition is not cast to the compute dtype


@dtype_rule
def abs_rule(inputs):
    dtype = result_dtype(inputs)
    return dtype, {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


@dtype_rule
def second_rule(inputs):
    # fill(model, value): the value's dtype (Theano's transfer_type(1)).
    dtype = result_dtype(inputs[1:])
    return dtype, dtype


def _refuse(dtype, kinds, what):
    if dtypes.kind(dtype) in kinds:
        raise TypeError(f"{what} inputs are not supported (got {dtype})")
    return dtype


# Theano's other rules, by its names.

def _refusing(name, kinds, what, first_only=False):
    """The rule ``name``: the upcast of the inputs (or the first input's
    dtype), a TypeError for a dtype of ``kinds``."""
    def rule(inputs):
        dtype = _refuse(inputs[0].dtype if first_only else result_dtype(inputs), kinds, what)
        return dtype, dtype
    rule.__name__ = rule.__qualname__ = name  # pickled by that name
    return dtype_rule(rule)


upcast_out_nobool = _refusing("upcast_out_nobool", "b", "bool")
upcast_out_no_complex = _refusing("upcast_out_no_complex", "c", "complex")
same_out_nobool = _refusing("same_out_nobool", "b", "bool", first_only=True)
same_out_nocomplex = _refusing("same_out_nocomplex", "c", "complex", first_only=True)
same_out_float_only = _refusing("same_out_float_only", "biuc", "non-float", first_only=True)


@dtype_rule
def same_out(inputs):
    return inputs[0].dtype, inputs[0].dtype


@dtype_rule
def upgrade_to_float_no_complex(inputs):
    _refuse(result_dtype(inputs), "c", "complex")
    return to_float(inputs)


@dtype_rule
def int_out(inputs):
    return result_dtype(inputs), "int64"


@dtype_rule
def float_out(inputs):
    return result_dtype(inputs), "float64"


@dtype_rule
def int_out_nocomplex(inputs):
    return _refuse(result_dtype(inputs), "c", "complex"), "int64"


@dtype_rule
def float_out_nocomplex(inputs):
    return _refuse(result_dtype(inputs), "c", "complex"), "float64"


class specific_out:
    """Theano's rule "always this dtype"."""

    on_inputs = True

    def __init__(self, *spec):
        self.spec = spec

    def __call__(self, inputs):
        out = self.spec[0]
        return result_dtype(inputs), getattr(out, "dtype", out)


class transfer_type:
    """Theano's rule "the dtype of input i" (``transfer_type(0)`` is the rule
    of an in-place op, whose result overwrites its first input)."""

    on_inputs = True

    def __init__(self, *transfer):
        self.transfer = transfer

    def __call__(self, inputs):
        index = self.transfer[0] if self.transfer else None
        out = result_dtype(inputs) if index is None else inputs[index].dtype
        return result_dtype(inputs), out

    def __eq__(self, other):
        return type(other) is transfer_type and other.transfer == self.transfer

    def __hash__(self):
        return hash((transfer_type, self.transfer))

    def __str__(self):
        return f"transfer_type{{{self.transfer}}}"


def apply_rule(rule, inputs):
    """(compute dtype, output dtype) of ``rule`` on the input variables."""
    if getattr(rule, "on_inputs", False):
        return rule(inputs)
    # A rule written for Theano: Scalar types in, a list of Scalar types out.
    out = rule(*[Scalar(v.dtype) for v in inputs])[0]
    out = getattr(out, "dtype", out)
    return result_dtype(inputs), out


# --- scalar ops ----------------------------------------------------------------

class ScalarOp(Op):
    """One function on scalars (Theano's ``theano.scalar.ScalarOp``).

    Subclasses made from the elementwise tables have a ``lowering`` (the
    TensorFlow function, given inputs cast to the compute dtype), a
    ``reference`` (the NumPy function) and a ``default_rule``. A subclass
    written for Theano gives ``impl`` (Python, on NumPy scalars) and
    ``grad`` instead; ``Elemwise`` runs it through ``tf.numpy_function``.
    """

    nin = -1
    nout = 1
    lowering = None
    reference = None
    symbol = None  # infix/prefix operator for pp, if any
    default_rule = None

    def __init__(self, output_types_preference=None, name=None):
        if output_types_preference is not None:
            if not callable(output_types_preference):
                raise TypeError(f"Expected a callable for the 'output_types_preference' "
                                f"argument to {type(self).__name__}, got "
                                f"{output_types_preference!r}")
            self.output_types_preference = output_types_preference
        self.name = name

    @property
    def rule(self):
        rule = getattr(self, "output_types_preference", None) or type(self).default_rule
        if rule is None:
            raise NotImplementedError(f"Cannot calculate the output types for {self}")
        return rule

    def output_dtypes(self, inputs):
        """(compute dtype, output dtype) for these input variables."""
        if self.nin >= 0 and len(inputs) != self.nin:
            raise TypeError(f"Wrong number of inputs for {self}: got {len(inputs)}, "
                            f"expected {self.nin}")
        return apply_rule(self.rule, inputs)

    # The op applying a scalar op to tensors: tfgraph.ops.elemwise's Elemwise,
    # which sets it (it is defined after this module, with its tables).
    tensor_op = None

    def make_node(self, *inputs):
        """The scalar op applied to 0-d tensors (its Elemwise's node)."""
        return self.tensor_op(self).make_node(*inputs)

    def impl(self, *inputs):
        if self.reference is None or isinstance(self.reference, str):
            raise NotImplementedError(f"{self} has no Python implementation")
        return self.reference(*inputs)

    def __eq__(self, other):
        return type(self) is type(other) and getattr(
            self, "output_types_preference", None) == getattr(
            other, "output_types_preference", None)

    def __hash__(self):
        return hash((type(self), getattr(self, "output_types_preference", None)))

    def __str__(self):
        return self.name or type(self).__name__


class UnaryScalarOp(ScalarOp):
    nin = 1


class BinaryScalarOp(ScalarOp):
    nin = 2


class LogicalComparison(BinaryScalarOp):
    """A comparison of two scalars, giving a bool."""


class FixedLogicalComparison(UnaryScalarOp):
    """A test of one scalar (isnan, isinf), giving a bool."""


class UnaryBitOp(UnaryScalarOp):
    pass


class BinaryBitOp(BinaryScalarOp):
    pass


def _base(nin, rule):
    if rule is to_bool:
        return {1: FixedLogicalComparison, 2: LogicalComparison}[nin]
    return {1: UnaryScalarOp, 2: BinaryScalarOp}.get(nin, ScalarOp)


def scalar_op_class(class_name, lowering, rule, nin, reference, symbol=None, module=None):
    """The ScalarOp subclass of one table row (``Add``, ``Exp``, ...)."""
    namespace = {"nin": nin, "lowering": staticmethod(lowering), "default_rule": staticmethod(rule),
                 "reference": staticmethod(reference) if callable(reference) else reference,
                 "symbol": symbol, "__module__": module or __name__,
                 "__doc__": f"The scalar op of one elementwise table row ({class_name})."}
    return type(class_name, (_base(nin, rule),), namespace)


class Cast(UnaryScalarOp):
    """Conversion to ``o_type`` (NumPy's astype: floats to ints truncate,
    numbers to bool test for nonzero)."""

    def __init__(self, o_type, name=None):
        self.o_type = o_type if isinstance(o_type, Scalar) else get_scalar_type(o_type)
        super().__init__(name=name)

    @property
    def rule(self):
        return self._cast_rule

    @dtype_rule
    def _cast_rule(self, inputs):
        return inputs[0].dtype, self.o_type.dtype

    def lowering(self, x):
        if self.o_type.dtype == "bool" and x.dtype.name != "bool":
            return x != 0
        return x

    def impl(self, x):
        return np.asarray(x).astype(self.o_type.dtype)

    def __eq__(self, other):
        return type(self) is type(other) and self.o_type == other.o_type

    def __hash__(self):
        return hash((Cast, self.o_type.dtype))

    def __str__(self):
        return f"Cast{{{self.o_type.dtype}}}"
