"""Turning Python and NumPy values into symbolic variables, and small helpers
shared by the op modules."""
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Constant, TensorType, Variable
from tfgraph._tf import tf

_LITERALS = (bool, int, float, complex)


def constant(value, name=None, dtype=None, ndim=None):
    """A ``TensorConstant`` holding ``value`` (Theano's ``T.constant``)."""
    weak = type(value) in _LITERALS and dtype is None
    if dtype is not None:
        dtype = dtypes.check_dtype(dtype)
    elif weak:
        dtype = dtypes.literal_dtype(value)
    data = np.asarray(value, dtype=dtype)
    if data.dtype.kind not in "biufc":
        raise TypeError(f"Cannot make a tensor constant from {type(value).__name__} "
                        f"{value!r}: expected numbers")
    if ndim is not None and data.ndim != ndim:
        raise ValueError(f"constant {value!r} has {data.ndim} dimensions, expected {ndim}")
    type_ = TensorType(data.dtype.name, [s == 1 for s in data.shape])
    return Constant(type_, data, name=name, weak=weak)


class AsTensorError(TypeError):
    """A value that cannot be made a tensor (Theano's name for this TypeError)."""


# A list or tuple holding symbolic variables becomes one tensor by ``stack``,
# made of shape ops that convert their own inputs here: tfgraph.ops.shape
# registers it.
_sequence = {}


def register_stack(stack):
    """``as_tensor_variable`` of a list or tuple holding symbolic variables
    returns ``stack(list of tensors)``."""
    _sequence["stack"] = stack


def as_tensor_variable(x, name=None, ndim=None):
    """``x`` itself if symbolic, else a constant of it (Theano's name)."""
    if hasattr(x, "_as_TensorVariable"):   # Theano's protocol (compile.Out, ...)
        x = x._as_TensorVariable()
    if isinstance(x, Variable):
        if ndim is not None and x.ndim != ndim:
            raise TypeError(f"{x} has {x.ndim} dimensions where {ndim} are needed")
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(e, Variable) for e in x):
        return _sequence["stack"]([as_tensor_variable(e) for e in x])
    if isinstance(x, tf.Variable):
        raise TypeError("got a tf.Variable; wrap values with tfgraph.shared(...) instead")
    try:
        return constant(x, name=name, ndim=ndim)
    except (TypeError, ValueError) as error:
        raise AsTensorError(f"Cannot convert {x!r} to a symbolic tensor: {error}") from None


def is_weak_literal(var):
    return isinstance(var, Constant) and var.weak


def result_dtype(inputs):
    """The dtype inputs combine to: NumPy promotion with weak Python literals."""
    strong = [v.dtype for v in inputs if not is_weak_literal(v)]
    weak = [v.data.item() for v in inputs if is_weak_literal(v)]
    return dtypes.combine(strong, weak)


def broadcast_patterns(*patterns):
    """Broadcastable pattern of an elementwise result (shorter ones padded left)."""
    ndim = max((len(p) for p in patterns), default=0)
    padded = [(True,) * (ndim - len(p)) + tuple(p) for p in patterns]
    return tuple(all(p[d] for p in padded) for d in range(ndim))


def broadcast_tensors(*tensors):
    """The tensors broadcast to one shape, for TF functions that do not broadcast."""
    shape = tf.shape(tensors[0])
    for t in tensors[1:]:
        shape = tf.broadcast_dynamic_shape(shape, tf.shape(t))
    return [tf.broadcast_to(t, shape) for t in tensors]


def axis_list(axis):
    """``axis`` as Theano's reductions take it (an int, a 0-d array, a
    constant, or a sequence of those) as None or a list of Python ints;
    TypeError for a symbolic axis, whose value is known only at run time."""
    if axis is None:
        return None
    if isinstance(axis, Constant):
        axis = axis.data
    elif isinstance(axis, Variable):
        raise TypeError(f"Computation needs a constant axis. Got {axis}")
    if isinstance(axis, (numbers.Integral, np.integer)) or (
            isinstance(axis, np.ndarray) and axis.ndim == 0):
        return [int(axis)]
    try:
        return [int(a.data) if isinstance(a, Constant) else int(a) for a in axis]
    except TypeError:
        raise TypeError(f"Axis must be an integer, tuple, list of integers or a constant; "
                        f"got {axis!r}") from None


def normalize_axis(axis, ndim, var):
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    result = []
    for a in axis_list(axis):
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for {var}, which has {ndim} dimensions")
        result.append(int(a) % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"repeated axis in {axis} for {var}")
    return tuple(sorted(result))


def checked(ctx, tensor, condition, message):
    """``tensor``, computed only once ``condition`` holds everywhere (a rule
    the walk ``ctx`` requires: an assertion, or a validity flag under XLA);
    else the call fails with ``message``."""
    return checked_all(ctx, tensor, [(condition, message)])


def checked_all(ctx, tensor, rules):
    """``tensor``, computed only once every (condition, message) of ``rules``
    holds (see ``checked``)."""
    waits = [w for condition, message in rules
             for w in ctx.require(tf.reduce_all(condition), message)]
    if not waits:
        return tensor
    with tf.control_dependencies(waits):
        return tf.identity(tensor)


def connected_inputs(node, connected):
    """A connection pattern (``Op.connection_pattern``) in which input i
    connects to every output exactly when ``connected(i)``: for ops whose
    shape or index inputs carry no gradient."""
    return [[bool(connected(i))] * len(node.outputs) for i in range(len(node.inputs))]


def cast_tensor(t, dtype):
    return t if t.dtype.name == dtype else tf.cast(t, dtype)


class NotScalarConstantError(Exception):
    """``get_scalar_constant_value`` found no constant value."""


EmptyConstantError = NotScalarConstantError


def get_scalar_constant_value(v, elemwise=True, only_process_constants=False,
                              max_recur=10):
    """The value of ``v`` if the graph makes it a constant scalar (a
    constant, a cast, fill or alloc of one, an entry of a shape whose length
    is static in a broadcastable dimension), else NotScalarConstantError."""
    if isinstance(v, (numbers.Number, np.ndarray, np.generic)):
        data = np.asarray(v)
        if data.size == 1:
            return data.reshape(())
        raise NotScalarConstantError(f"{v!r} is not a scalar")
    if isinstance(v, Constant):
        data = np.asarray(v.data)
        if data.size == 1:
            return data.reshape(())
        if data.size and (data == data.flat[0]).all():
            return data.flat[0]
    elif isinstance(v, Variable) and v.owner is not None and not only_process_constants \
            and max_recur > 0:
        op = v.owner.op
        if type(op).__name__ == "Cast":
            value = get_scalar_constant_value(v.owner.inputs[0], elemwise, False, max_recur - 1)
            return np.asarray(value).astype(v.dtype)
        if type(op).__name__ in ("DimShuffle", "Rebroadcast", "Alloc"):
            return get_scalar_constant_value(v.owner.inputs[0], elemwise, False, max_recur - 1)
        if type(op).__name__ == "Elemwise" and type(op.scalar_op).__name__ == "Second":
            # fill(model, value) is value everywhere, whatever the model (even
            # with elemwise=False: Theano looks through it as through Alloc)
            value = get_scalar_constant_value(v.owner.inputs[1], elemwise, False, max_recur - 1)
            return np.asarray(value).astype(v.dtype)
        if elemwise and type(op).__name__ == "Elemwise" and callable(op.reference):
            # Theano folds elementwise arithmetic on constants (T.constant(3) * 2 is 6).
            values = [get_scalar_constant_value(i, elemwise, False, max_recur - 1)
                      for i in v.owner.inputs]
            with np.errstate(all="ignore"):
                return np.asarray(op.reference(*values)).astype(v.dtype)
    raise NotScalarConstantError(f"{v} is not a constant scalar")
