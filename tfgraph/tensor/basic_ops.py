"""Op classes of Theano's ``tensor/basic.py`` that tfgraph's own functions do
not build on, for code that names and applies them: the scalar/tensor
conversions (tfgraph's scalars are 0-d tensors, so both are identities),
``Default``, the deprecated ``Tile`` op and ``AllocEmpty``. Each has its
type rule and its lowering side by side."""
from tfgraph import dtypes
from tfgraph.compile.ops import ViewOp
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.persist import pickle_by_name
from tfgraph._tf import tf


class _ScalarIdentity(ViewOp):
    """A 0-d variable, as a scalar or as a tensor: the same value."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim != 0:
            raise TypeError(f"{type(self).__name__} takes a scalar, got {x} ({x.type})")
        return super().make_node(x)


class TensorFromScalar(_ScalarIdentity):
    """Theano's scalar -> 0-d tensor."""


class ScalarFromTensor(_ScalarIdentity):
    """Theano's 0-d tensor -> scalar."""


tensor_from_scalar = pickle_by_name(TensorFromScalar(), __name__, "tensor_from_scalar")
scalar_from_tensor = pickle_by_name(ScalarFromTensor(), __name__, "scalar_from_tensor")


class Default(Op):
    """``x``, or ``default`` where ``x`` is None (a tensor's value never is)."""
    __props__ = ()

    def make_node(self, x, default):
        x, default = as_tensor_variable(x), as_tensor_variable(default)
        if x.type != default.type:
            raise TypeError(f"Both default() arguments must have same type: {x.type} and "
                            f"{default.type}")
        return Apply(self, [x, default], [x.type()])

    def lower(self, node, inputs, ctx):
        return [tf.identity(inputs[0])]


class Tile(Op):
    """Theano's deprecated op for NumPy's ``tile(x, reps)`` with ``ndim``
    dimensions (``T.tile`` is the function to use)."""
    __props__ = ("ndim",)

    def __init__(self, ndim):
        self.ndim = ndim

    def make_node(self, x, reps):
        x, reps = as_tensor_variable(x), as_tensor_variable(reps)
        if reps.ndim != 1 or not dtypes.is_discrete(reps.dtype):
            raise TypeError(f"Tile: reps {reps} must be a vector of integers")
        if x.ndim > self.ndim:
            raise ValueError(f"Tile({self.ndim}): {x} has more dimensions ({x.ndim})")
        return Apply(self, [x, reps], [TensorType(x.dtype, (False,) * self.ndim)])

    def lower(self, node, inputs, ctx):
        x, reps = inputs
        x = tf.reshape(x, tf.concat([tf.ones([self.ndim - node.inputs[0].ndim], tf.int64),
                                     tf.shape(x, out_type=tf.int64)], 0))
        return [tf.tile(x, tf.cast(reps, tf.int64))]


class AllocEmpty(Op):
    """A tensor of ``dtype`` and the given shape whose values are not set
    (Theano leaves the memory as it was; tfgraph's are zeros)."""
    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtypes.check_dtype(dtype)

    def make_node(self, *shape):
        shape = [as_tensor_variable(s) for s in shape]
        for s in shape:
            if s.ndim != 0 or not dtypes.is_discrete(s.dtype):
                raise TypeError(f"AllocEmpty: shape entries must be integer scalars, got {s}")
        broadcastable = tuple(getattr(s, "data", None) == 1 for s in shape)
        return Apply(self, shape, [TensorType(self.dtype, broadcastable)])

    def lower(self, node, inputs, ctx):
        return [tf.zeros(tf.stack([tf.cast(s, tf.int64) for s in inputs]) if inputs else [],
                         self.dtype)]
