"""``theano.compile.ops``: ``as_op`` (a Python function as an op) and the
small ops of Theano's compile module: views and copies (identities on
TensorFlow's immutable tensors), ``shape``, ``Shape_i`` and ``SpecifyShape``."""
import functools
import importlib

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.persist import pickle_by_name
from tfgraph.ops.rebroadcast import Rebroadcast  # noqa: F401
from tfgraph.ops.shape import Shape
from tfgraph._tf import tf

shape = pickle_by_name(Shape(), __name__, "shape")
# Theano's list of types whose variables scan may stack; tfgraph's scan takes tensors.
expandable_types = ()


def as_op(itypes, otypes, infer_shape=None):
    """Decorator making ``fn(*arrays) -> array or list of arrays`` an op with
    input types ``itypes`` and output types ``otypes`` (e.g. ``T.dmatrix``),
    run through ``perform`` (see tfgraph.python_op: no XLA, no GPU)."""
    itypes, otypes = ([_as_type(t) for t in (types if isinstance(types, (list, tuple))
                                             else [types])] for types in (itypes, otypes))

    def decorate(fn):
        return FromFunctionOp(fn, itypes, otypes, infer_shape)
    return decorate


def _as_type(t):
    """A TensorType, from itself or from a constructor such as ``T.dmatrix``."""
    return t if isinstance(t, TensorType) else t().type


class FromFunctionOp(Op):
    __props__ = ("fn", "itypes", "otypes")

    def __init__(self, fn, itypes, otypes, infer_shape):
        self.fn, self.itypes, self.otypes = fn, tuple(itypes), tuple(otypes)
        self.name = getattr(fn, "__name__", "as_op")
        if infer_shape is not None:
            self.infer_shape = lambda node, shapes: infer_shape(node, shapes)

    def make_node(self, *inputs):
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self.name} takes {len(self.itypes)} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(v) for v in inputs]
        for position, (var, type_) in enumerate(zip(inputs, self.itypes)):
            if var.type != type_:
                raise TypeError(f"{self.name}: input {position} ({var}) is {var.type}, "
                                f"expected {type_}")
        return Apply(self, inputs, list(self.otypes))

    def perform(self, node, inputs, output_storage):
        results = self.fn(*inputs)
        if len(self.otypes) == 1:
            results = [results]
        for storage, value in zip(output_storage, results):
            storage[0] = value


def load_back(module, name):
    """``module.name``, importing the module (how pickles find ``as_op`` functions)."""
    return getattr(importlib.import_module(module), name)


class ViewOp(Op):
    """Its input unchanged (Theano's output may alias the input; TensorFlow's
    tensors are immutable, so a view and a copy are the same)."""
    __props__ = ()

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def lower(self, node, inputs, ctx):
        return [tf.identity(inputs[0])]

    def __str__(self):
        return type(self).__name__


class OutputGuard(ViewOp):
    """Theano's deprecated guard of a function's outputs: a view."""


class DeepCopyOp(ViewOp):
    """A copy of its input, which Theano puts before outputs that would alias
    another's memory; tfgraph's outputs never alias."""


view_op = pickle_by_name(ViewOp(), __name__, "view_op")
deep_copy_op = pickle_by_name(DeepCopyOp(), __name__, "deep_copy_op")


class Shape_i(Op):
    """The length of axis ``i`` of its input, an int64 scalar."""
    __props__ = ("i",)

    def __init__(self, i):
        self.i = int(i)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not -x.ndim <= self.i < x.ndim:
            raise TypeError(f"Shape_i({self.i}): {x} has only {x.ndim} dimensions")
        return Apply(self, [x], [TensorType("int64", ())])

    def lower(self, node, inputs, ctx):
        return [tf.shape(inputs[0], out_type=tf.int64)[self.i]]

    def __str__(self):
        return f"Shape_i{{{self.i}}}"


@functools.lru_cache(maxsize=None)
def shape_i_op(i):
    """One Shape_i op per axis."""
    return Shape_i(i)


def shape_i(var, i, fgraph=None):
    """The length of axis ``i`` of ``var``, symbolic."""
    return shape_i_op(i)(var)


class SpecifyShape(Op):
    """Its input, with a check at run time that its shape is ``shape``."""
    __props__ = ()

    def make_node(self, x, shape):
        x, shape = as_tensor_variable(x), as_tensor_variable(shape)
        if shape.ndim != 1 or not dtypes.is_discrete(shape.dtype):
            raise TypeError(f"specify_shape: the shape {shape} must be a vector of integers")
        if isinstance(shape, Constant) and shape.data.size != x.ndim:
            raise AssertionError(f"specify_shape: {x} has {x.ndim} dimensions, the shape "
                                 f"{shape.data.tolist()} has {shape.data.size}")
        return Apply(self, [x, shape], [x.type()])

    def can_fail(self, node):
        return True

    def valid(self, node, inputs):
        x, shape = inputs
        actual = tf.shape(x, out_type=tf.int64)
        wanted = tf.cast(shape, tf.int64)
        return tf.logical_and(tf.equal(tf.size(actual), tf.size(wanted)),
                              tf.reduce_all(tf.equal(actual, tf.reshape(wanted, [-1]))))

    def lower(self, node, inputs, ctx):
        check = tf.debugging.Assert(self.valid(node, inputs),
                                    ["specify_shape: got shape", tf.shape(inputs[0]),
                                     "expected", inputs[1]])
        with tf.control_dependencies([check]):
            return [tf.identity(inputs[0])]


specify_shape = pickle_by_name(SpecifyShape(), __name__, "specify_shape")
