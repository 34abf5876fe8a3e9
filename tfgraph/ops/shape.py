"""Shape ops: shape, reshape, dimshuffle, flatten, concatenate, stack, alloc,
arange, eye."""
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType, Variable
from tfgraph.ops.base import (as_tensor_variable, cast_tensor, connected_inputs, constant,
                              register_stack, result_dtype)
from tfgraph.ops.elemwise import OPS
from tfgraph._tf import tf


class Shape(Op):
    name = "shape"

    def make_node(self, x):
        x = as_tensor_variable(x)
        node = Apply(self, [x], [TensorType("int64", (x.ndim == 1,))])
        node.outputs[0].static_length = x.ndim
        return node

    def lower(self, node, inputs, ctx):
        return [tf.shape(inputs[0], out_type=tf.int64)]

    def connection_pattern(self, node):
        return connected_inputs(node, lambda i: False)


def get_vector_length(v):
    """The length of symbolic vector ``v`` when the graph fixes it (a shape, a
    vector made of scalars, a constant, a static slice of those), as Theano's
    ``get_vector_length``; ValueError when only running the graph tells."""
    v = as_tensor_variable(v)
    if v.ndim != 1:
        raise TypeError(f"argument must be a symbolic vector, got {v} ({v.type})")
    if v.broadcastable[0]:
        return 1
    if isinstance(v, Constant):
        return len(v.data)
    length = getattr(v, "static_length", None)
    if length is not None:
        return length
    node = v.owner
    # An op whose output length follows from its inputs' says so (a join of
    # vectors, a static slice).
    length = None if node is None else node.op.vector_length(node, get_vector_length)
    if length is not None:
        return length
    raise ValueError(f"length not known: {v} is a vector whose length only running the "
                     f"graph tells")


class MakeVector(Op):
    """An int64 vector from scalars: the symbolic form of a shape tuple."""
    name = "make_vector"

    def make_node(self, *scalars):
        scalars = [as_tensor_variable(s) for s in scalars]
        for s in scalars:
            if s.ndim != 0 or not dtypes.is_discrete(s.dtype):
                raise TypeError(f"shape entries must be integer scalars, got {s} ({s.type})")
        node = Apply(self, scalars, [TensorType("int64", (len(scalars) == 1,))])
        node.outputs[0].static_length = len(scalars)
        return node

    def lower(self, node, inputs, ctx):
        if not inputs:
            return [tf.zeros([0], tf.int64)]
        return [tf.stack([cast_tensor(t, "int64") for t in inputs])]

    def pp(self, node, args):
        return "[" + ", ".join(args) + "]"


def as_shape(shape, what):
    """A shape given as a tuple of ints/scalars or as a symbolic vector ->
    (int64 vector variable, its length, per-entry static value or None)."""
    if isinstance(shape, Variable) and shape.ndim == 1:
        length = getattr(shape, "static_length", None)
        if length is None:
            raise ValueError(f"{what}: the length of shape {shape} is not known; pass ndim=")
        return shape, length, [None] * length
    if isinstance(shape, (numbers.Integral, Variable)):
        shape = (shape,)
    entries = list(shape)
    static = [int(e) if isinstance(e, numbers.Integral) else
              (int(e.data) if isinstance(e, Constant) else None) for e in entries]
    return MakeVector()(*entries), len(entries), static


class Reshape(Op):
    name = "reshape"

    def __init__(self, ndim, static):
        self.ndim, self.static = ndim, static

    def make_node(self, x, shape):
        x = as_tensor_variable(x)
        return Apply(self, [x, shape], [TensorType(x.dtype, [s == 1 for s in self.static])])

    def lower(self, node, inputs, ctx):
        return [tf.reshape(inputs[0], inputs[1])]

    def connection_pattern(self, node):
        return connected_inputs(node, lambda i: i == 0)   # not the shape


def reshape(x, shape, ndim=None):
    x = as_tensor_variable(x)
    if ndim is not None and isinstance(shape, Variable):
        shape.static_length = getattr(shape, "static_length", ndim)
    vector, length, static = as_shape(shape, f"reshape of {x}")
    if ndim is not None and ndim != length:
        raise ValueError(f"reshape of {x}: ndim={ndim} but the shape has {length} entries")
    if sum(s == -1 for s in static) > 1:
        raise ValueError(f"reshape of {x}: only one dimension can be -1, got {shape}")
    return Reshape(length, static)(x, vector)


class DimShuffle(Op):
    """Permute axes, insert broadcastable axes ('x'), drop broadcastable ones
    (Theano's ``DimShuffle(input_broadcastable, new_order)``: output
    dimension i is input dimension ``new_order[i]``, or a new one for 'x').

    As in Theano 1.0.5 the op is always "in place" (its result a view of its
    input), and prints so: ``InplaceDimShuffle{x,0}``.
    """

    __props__ = ("input_broadcastable", "new_order", "inplace")

    def __init__(self, input_broadcastable, new_order, inplace=True):
        if inplace is not True:
            raise ValueError("DimShuffle is inplace by default and hence the inplace for "
                             "DimShuffle must be true")
        self.input_broadcastable = tuple(bool(b) for b in input_broadcastable)
        self.new_order = tuple(new_order)
        self.inplace = True
        ndim = len(self.input_broadcastable)
        for i, j in enumerate(self.new_order):
            if j == "x":
                continue
            if not isinstance(j, (numbers.Integral, np.integer)) or isinstance(j, bool):
                raise TypeError(f"DimShuffle indices must be Python ints or 'x', got {j!r} "
                                f"in {self.new_order}")
            if not 0 <= j < ndim:
                raise ValueError(f"new_order[{i}] is {j}, but the input only has {ndim} axes")
            if j in self.new_order[i + 1:]:
                raise ValueError(f"The same input dimension may not appear twice in the list "
                                 f"of output dimensions: {self.new_order}")
        self.shuffle = [int(j) for j in self.new_order if j != "x"]
        self.drop = [d for d in range(ndim) if d not in self.shuffle]
        for d in self.drop:
            if not self.input_broadcastable[d]:
                raise ValueError(f"You cannot drop a non-broadcastable dimension: dimension "
                                 f"{d} of input broadcastable pattern "
                                 f"{self.input_broadcastable} is missing from new order "
                                 f"{self.new_order}")
        self.augment = [i for i, j in enumerate(self.new_order) if j == "x"]

    view_map = {0: [0]}

    def make_node(self, x):
        x = as_tensor_variable(x)
        if len(x.broadcastable) != len(self.input_broadcastable):
            raise TypeError(f"The number of dimensions of the input is incorrect for this op. "
                            f"Expected {self.input_broadcastable}, got {x.broadcastable} ({x})")
        if any(expected and not b for expected, b in zip(self.input_broadcastable,
                                                         x.broadcastable)):
            raise TypeError(f"The broadcastable pattern of the input is incorrect for this op. "
                            f"Expected {self.input_broadcastable}, got {x.broadcastable} ({x})")
        pattern = [True if j == "x" else x.broadcastable[j] for j in self.new_order]
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x, kept = inputs[0], self.shuffle
        if self.drop:
            x = tf.squeeze(x, self.drop)
            kept = [p - sum(d < p for d in self.drop) for p in kept]
        if kept != sorted(kept):
            x = tf.transpose(x, kept)
        for axis in self.augment:
            x = tf.expand_dims(x, axis)
        return [x]

    def pp(self, node, args):
        # As Theano's DimShufflePrinter: leading new axes are not shown.
        order = list(self.new_order)
        while order and order[0] == "x":
            order.pop(0)
        ndim = node.inputs[0].ndim
        if order == list(range(ndim)):
            return args[0]
        if order == list(reversed(range(ndim))):
            return f"{args[0]}.T"
        return f"DimShuffle{{{', '.join(map(str, order))}}}({args[0]})"

    def __str__(self):
        return f"InplaceDimShuffle{{{','.join(str(j) for j in self.new_order)}}}"


def dimshuffle(x, *pattern):
    """``x`` with its axes in ``pattern`` (ints and 'x'), as ``x.dimshuffle``."""
    if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
        pattern = pattern[0]
    x = as_tensor_variable(x)
    try:
        op = DimShuffle(x.broadcastable, pattern)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{x}.dimshuffle{tuple(pattern)} ({x.type}): {error}") from None
    return op(x)


def transpose(x, axes=None):
    x = as_tensor_variable(x)
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
    return dimshuffle(x, axes)


class Flatten(Op):
    name = "flatten"

    def __init__(self, outdim):
        self.outdim = outdim

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 1 <= self.outdim <= max(x.ndim, 1):
            raise ValueError(f"flatten of {x}: outdim must be in 1..{max(x.ndim, 1)}, "
                             f"got {self.outdim}")
        last = all(x.broadcastable[self.outdim - 1:])
        pattern = x.broadcastable[:self.outdim - 1] + (last,)
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        head = tf.shape(x)[:self.outdim - 1]
        return [tf.reshape(x, tf.concat([head, [-1]], axis=0))]


def flatten(x, outdim=1, ndim=None):
    return Flatten(ndim if ndim is not None else outdim)(x)


class Join(Op):
    """concatenate along an existing axis."""
    name = "concatenate"

    def __init__(self, axis):
        self.axis = axis

    def make_node(self, *tensors):
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("concatenate needs at least one tensor")
        ndim = tensors[0].ndim
        for t in tensors:
            if t.ndim != ndim:
                raise TypeError(f"concatenate: {t} has {t.ndim} dimensions, {tensors[0]} has {ndim}")
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"concatenate: axis {self.axis} is out of range for {ndim}-d tensors")
        axis = self.axis % ndim
        pattern = [all(t.broadcastable[d] for t in tensors) for d in range(ndim)]
        pattern[axis] = len(tensors) == 1 and tensors[0].broadcastable[axis]
        return Apply(self, tensors, [TensorType(result_dtype(tensors), pattern)])

    def lower(self, node, inputs, ctx):
        dtype = node.outputs[0].dtype
        return [tf.concat([cast_tensor(t, dtype) for t in inputs], axis=self.axis)]

    def vector_length(self, node, length_of):
        return sum(length_of(t) for t in node.inputs)


def concatenate(tensor_list, axis=0):
    return Join(axis)(*tensor_list)


def stack(*tensors, axis=0):
    """Tensors stacked along a new ``axis``: ``stack([a, b, c], axis)``, or
    Theano's older ``stack(a, b, c)``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    elif len(tensors) == 2 and isinstance(tensors[0], (list, tuple)) \
            and isinstance(tensors[1], int):
        tensors, axis = tensors
    tensors = [as_tensor_variable(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    ndim = tensors[0].ndim
    axis = axis % (ndim + 1)
    pattern = list(range(ndim))
    pattern.insert(axis, "x")
    return concatenate([dimshuffle(t, pattern) for t in tensors], axis=axis)


register_stack(stack)


class Alloc(Op):
    """``value`` broadcast to ``shape``."""
    name = "alloc"

    def __init__(self, static=None):
        self.static = static

    def make_node(self, value, *shape):
        value = as_tensor_variable(value)
        if self.static is None:  # as Theano's Alloc()(value, *shape): the lengths one by one
            vector, _, static = as_shape(shape, "alloc")
            return Alloc(static).make_node(value, vector)
        shape, = shape
        pattern = [s == 1 for s in self.static]
        return Apply(self, [value, shape], [TensorType(value.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        return [tf.broadcast_to(inputs[0], inputs[1])]

    def connection_pattern(self, node):
        return connected_inputs(node, lambda i: i == 0)   # not the shape


def alloc(value, *shape):
    value = as_tensor_variable(value)
    vector, _, static = as_shape(shape, "alloc")
    return Alloc(static)(value, vector)


def zeros(shape, dtype=None):
    dtype = dtypes.check_dtype(dtype or "floatX")
    return alloc(constant(0, dtype=dtype), *_as_tuple(shape))


def ones(shape, dtype=None):
    dtype = dtypes.check_dtype(dtype or "floatX")
    return alloc(constant(1, dtype=dtype), *_as_tuple(shape))


def _as_tuple(shape):
    if isinstance(shape, Variable) and shape.ndim == 1:
        length = getattr(shape, "static_length", None)
        if length is None:
            raise ValueError(f"the length of shape {shape} is not known")
        return tuple(shape[i] for i in range(length))
    return tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)


def zeros_like(x, dtype=None):
    x = as_tensor_variable(x)
    return fill(x, constant(0, dtype=dtype or x.dtype))


def ones_like(x, dtype=None):
    x = as_tensor_variable(x)
    return fill(x, constant(1, dtype=dtype or x.dtype))


# Theano's fill(model, value), also named second: the elementwise op keeping
# its second input, broadcast to the shape of both.
fill = OPS["second"]


class ARange(Op):
    name = "arange"

    def __init__(self, dtype):
        self.dtype = dtype

    def make_node(self, start, stop, step):
        inputs = [as_tensor_variable(v) for v in (start, stop, step)]
        for v in inputs:
            if v.ndim != 0:
                raise TypeError(f"arange takes scalars, got {v} ({v.type})")
        return Apply(self, inputs, [TensorType(self.dtype, (False,))])

    def lower(self, node, inputs, ctx):
        # tf.range takes int32/int64/float32/float64 only: small dtypes go through 64 bits.
        compute = self.dtype if self.dtype in ("int32", "int64", "float32", "float64") else (
            "int64" if dtypes.is_discrete(self.dtype) else "float64")
        start, stop, step = (cast_tensor(t, compute) for t in inputs)
        # NumPy gives an empty range where TF's range raises (stop before start).
        stop = tf.where(step > 0, tf.maximum(start, stop), tf.minimum(start, stop))
        make = _float_range if dtypes.is_float(compute) else tf.range
        return [cast_tensor(make(start, stop, step), self.dtype)]

    def connection_pattern(self, node):
        return connected_inputs(node, lambda i: i != 1)   # start and step, as Theano


@tf.custom_gradient
def _float_range(start, stop, step):
    """tf.range, with the gradient TensorFlow does not give it: element i is
    start + i * step, so start gets sum(gz) and step sum(gz * i); stop only
    sets the length (Theano's ARange.L_op)."""
    values = tf.range(start, stop, step)

    def backward(gz):
        index = tf.range(tf.size(values), dtype=tf.int32)
        return tf.reduce_sum(gz), None, tf.reduce_sum(gz * tf.cast(index, gz.dtype))
    return values, backward


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    inputs = [as_tensor_variable(v) for v in (start, stop, step)]
    if dtype is None:
        dtype = result_dtype(inputs)
        if all(isinstance(v, Constant) and v.weak for v in inputs) and dtypes.is_discrete(dtype):
            dtype = "int64"  # as numpy.arange of Python ints
    return ARange(dtypes.check_dtype(dtype))(*inputs)


class Eye(Op):
    name = "eye"

    def __init__(self, dtype):
        self.dtype = dtype

    def make_node(self, n, m, k):
        inputs = [as_tensor_variable(v) for v in (n, m, k)]
        return Apply(self, inputs, [TensorType(self.dtype, (False, False))])

    def undefined_grads(self, node):
        """As Theano's: the gradients of n, m and k are undefined."""
        return {i: "" for i in range(3)}

    def lower(self, node, inputs, ctx):
        n, m, k = (cast_tensor(t, "int64") for t in inputs)
        rows = tf.range(n, dtype=tf.int64)[:, None]
        cols = tf.range(m, dtype=tf.int64)[None, :]
        return [tf.cast(tf.equal(cols - rows, k), self.dtype)]

    def connection_pattern(self, node):
        return connected_inputs(node, lambda i: False)


def eye(n, m=None, k=0, dtype=None):
    return Eye(dtypes.check_dtype(dtype or "floatX"))(n, n if m is None else m, k)


def identity_like(x, dtype=None):
    x = as_tensor_variable(x)
    shape = x.shape
    return eye(shape[0], shape[1], 0, dtype or x.dtype)
