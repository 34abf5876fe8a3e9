"""Shape ops: shape, reshape, dimshuffle, flatten, concatenate, stack, alloc,
arange, eye."""
import numbers
import warnings

import numpy as np

from tfgraph import dtypes
from tfgraph.persist import pickle_by_name
from tfgraph.graph import Apply, Constant, Op, TensorType, Variable
from tfgraph.ops.base import (NotScalarConstantError, as_tensor_variable, cast_tensor, checked,
                              connected_inputs, constant, get_scalar_constant_value,
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
    """A vector of ``dtype`` from scalars (Theano's ``MakeVector(dtype)``):
    the symbolic form of a shape tuple (int64), and ``stack`` of scalars."""
    __props__ = ("dtype",)

    def __init__(self, dtype="int64"):
        self.dtype = dtypes.check_dtype(dtype)

    def __str__(self):
        return "MakeVector" if self.dtype == "int64" else f"MakeVector{{dtype='{self.dtype}'}}"

    def make_node(self, *scalars):
        scalars = [as_tensor_variable(s) for s in scalars]
        for s in scalars:
            if s.ndim != 0:
                raise TypeError(f"MakeVector: entries must be scalars, got {s} ({s.type})")
            # Entries upcast to the vector's dtype, never down (Theano's rule).
            if result_dtype([TensorType(self.dtype, ())(), s]) != self.dtype:
                what = "shape entries must be integer scalars" if self.dtype == "int64" \
                    else f"MakeVector{{{self.dtype}}} takes entries that upcast to {self.dtype}"
                raise TypeError(f"{what}, got {s} ({s.type})")
        node = Apply(self, scalars, [TensorType(self.dtype, (len(scalars) == 1,))])
        node.outputs[0].static_length = len(scalars)
        return node

    def lower(self, node, inputs, ctx):
        if not inputs:
            return [tf.zeros([0], self.dtype)]
        return [tf.stack([cast_tensor(t, self.dtype) for t in inputs])]

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


def shape_padaxis(t, axis):
    """``t`` with a broadcastable dimension inserted at ``axis``."""
    t = as_tensor_variable(t)
    ndim = t.ndim + 1
    if not -ndim <= axis < ndim:
        raise IndexError(f"axis {axis} is out of bounds [-{ndim}, {ndim})")
    pattern = list(range(t.ndim))
    pattern.insert(axis % ndim, "x")
    return dimshuffle(t, pattern)


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
    """Concatenation along an axis, Theano's way: the axis is the first input
    (``Join()(axis, *tensors)``; an int or an integer scalar, which may be
    symbolic). ``view`` is Theano's aliasing hint (which tensor the result
    may be a view of when the others are empty); the values do not depend on it."""
    __props__ = ("view",)

    def __init__(self, view=-1):
        self.view = view

    def __str__(self):
        return "Join" if self.view == -1 else f"Join{{view={self.view!r}}}"

    def make_node(self, axis, *tensors):
        if not tensors:
            raise ValueError("Join: cannot join an empty list of tensors")
        tensors = [as_tensor_variable(t) for t in tensors]
        if not all(t.ndim for t in tensors):
            raise TypeError(f"Join cannot join 0-d tensors ({', '.join(map(str, tensors))}); "
                            f"to join scalars into a vector use stack")
        ndim = tensors[0].ndim
        for t in tensors[1:]:
            if t.ndim != ndim:
                raise TypeError(f"Join can only join tensors with the same number of "
                                f"dimensions: {t} has {t.ndim}, {tensors[0]} has {ndim}")
        axis_var = as_tensor_variable(axis)
        if axis_var.ndim != 0 or not dtypes.is_discrete(axis_var.dtype) \
                or axis_var.dtype == "bool":
            raise TypeError(f"Join: the axis must be an integer scalar, got {axis!r} "
                            f"({axis_var.type})")
        static_axis = _static_int(axis_var)
        if len(tensors) == 1:
            pattern = list(tensors[0].broadcastable)
        elif static_axis is None:
            pattern = [False] * ndim   # the axis varies: no dimension is known to be 1
        else:
            if not -ndim <= static_axis < ndim:
                error = IndexError if static_axis < -ndim else ValueError
                raise error(f"Join: axis {static_axis} is out of range for {ndim}-d tensors")
            static_axis %= ndim
            # Another dimension has length 1 if any input's has: the join
            # fails at run time otherwise (Theano's rule).
            pattern = [d != static_axis and any(t.broadcastable[d] for t in tensors)
                       for d in range(ndim)]
        return Apply(self, [axis_var, *tensors], [TensorType(result_dtype(tensors), pattern)])

    def lower(self, node, inputs, ctx):
        dtype = node.outputs[0].dtype
        axis, tensors = inputs[0], inputs[1:]
        ndim = len(node.outputs[0].broadcastable)
        if _static_int(node.inputs[0]) is None:
            axis = checked(ctx, axis, (axis >= -ndim) & (axis < ndim),
                           f"Join: the axis is out of bounds [-{ndim}, {ndim})")
        # An int32 axis: TensorFlow's gradient of concat takes no other.
        return [tf.concat([cast_tensor(t, dtype) for t in tensors],
                          axis=cast_tensor(axis, "int32"))]

    def connection_pattern(self, node):
        return connected_inputs(node, lambda i: i > 0)   # not the axis

    def vector_length(self, node, length_of):
        return sum(length_of(t) for t in node.inputs[1:])

    def pp(self, node, args):
        return f"join({', '.join(args)})"


def _static_int(var):
    """The value of an integer scalar the graph makes constant (a constant,
    a cast of one, ...), or None when only running the graph tells."""
    try:
        return int(get_scalar_constant_value(var))
    except NotScalarConstantError:
        return None


join_ = pickle_by_name(Join(), __name__, "join_")


def join(axis, *tensors):
    """``tensors`` concatenated along ``axis`` (an int or an integer scalar):
    Theano's join, which gives a single tensor back as it is."""
    if len(tensors) == 1:
        return as_tensor_variable(tensors[0])
    return join_(axis, *tensors)


def concatenate(tensor_list, axis=0):
    """``join(axis, *tensor_list)`` with NumPy's signature."""
    if not isinstance(tensor_list, (tuple, list)):
        raise TypeError(f"concatenate: the tensors must be given as a tuple or a list "
                        f"(concatenate([x, y]), not concatenate(x, y)); got {tensor_list!r}")
    return join(axis, *tensor_list)


def stack(*args, tensors=None, axis=0):
    """Tensors stacked along a new ``axis``: ``stack([a, b, c], axis)`` or
    ``stack(tensors=[a, b, c], axis=axis)``; Theano's older ``stack(a, b, c)``
    (axis 0) warns that it is deprecated, as Theano's does. Scalars make a
    ``MakeVector`` of the dtype they combine to, as in Theano."""
    if tensors is None:
        if args and isinstance(args[0], (list, tuple)):
            if len(args) > 2:
                raise TypeError(f"stack(tensors, axis): got {len(args)} arguments")
            tensors, axis = args[0], (args[1] if len(args) == 2 else axis)
        else:
            warnings.warn("stack(*tensors) is deprecated, use stack(tensors, axis=0) instead",
                          DeprecationWarning, stacklevel=2)
            tensors, axis = args, 0
    tensors = [as_tensor_variable(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    if all(t.ndim == 0 for t in tensors):
        return MakeVector(result_dtype(tensors))(*tensors)
    return concatenate([shape_padaxis(t, axis) for t in tensors], axis=axis)


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
