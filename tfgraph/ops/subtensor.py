"""Indexing ops, as Theano's: ``x[...]`` builds a ``Subtensor`` (ints and
slices), an ``AdvancedSubtensor1`` (one integer vector on the first axis),
an ``AdvancedSubtensor`` (other integer arrays) or an
``AdvancedBooleanSubtensor`` (a mask); ``set_subtensor`` / ``inc_subtensor``
of each build the matching ``IncSubtensor``, ``AdvancedIncSubtensor1``,
``AdvancedIncSubtensor`` or ``AdvancedBooleanIncSubtensor``. Each prints as
Theano 1.0 prints it (``Subtensor{int64::}``, ``IncSubtensor{Set;int64}``).

All share one index language (tfgraph.ops.indexing): every op holds its
index as a static ``spec``; the advanced ones derive from ``Subtensor`` and
``IncSubtensor`` here, so that a rewrite matching ``Subtensor`` sees them all.
"""
import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.ops.scalar import Scalar
from tfgraph.ops.indexing import (apply_index, index_items, index_valid, is_advanced,
                                  parse_index)
from tfgraph.ops.shape import dimshuffle
from tfgraph._tf import tf


class _Indexing(Op):
    """An op indexing by a spec: it fails on an index out of range, and its
    index inputs are not differentiable."""

    n_values = 1  # inputs before the index: x (and y for the updates)

    def can_fail(self, node):
        return any(e[0] in ("int", "array", "mask") for e in self.spec)

    def connection_pattern(self, node):
        return [[i < self.n_values] for i in range(len(node.inputs))]

    def valid(self, node, inputs):
        return index_valid(inputs[0], self.spec, inputs[self.n_values:])

    @property
    def idx_list(self):
        """The index as Theano's ``idx_list``: a scalar type per integer
        (int64 for a constant), a slice of them per slice."""
        return tuple(_theano_entry(e) for e in self.spec)

    def _index_text(self):
        parts = []
        for entry in self.idx_list:
            if isinstance(entry, slice):
                parts.append(":".join("" if p is None else str(p)
                                      for p in (entry.start, entry.stop, entry.step)))
            else:
                parts.append(str(entry))
        return ", ".join(parts)


def _theano_entry(entry):
    def type_of(part):
        if part is None:
            return None
        return Scalar(part[2] if isinstance(part, tuple) else "int64")
    if entry[0] == "slice":
        return slice(*(type_of(p) for p in entry[1:]))
    if entry[0] == "int":
        return type_of(entry[1])
    return entry[0]


class Subtensor(_Indexing):
    """``x[index]`` with integers and slices (Theano's ``Subtensor``)."""

    __props__ = ("spec", "pattern")
    name = "subtensor"

    def __init__(self, spec=None, pattern=None):
        self.spec = None if spec is None else tuple(spec)
        self.pattern = None if pattern is None else tuple(pattern)

    def make_node(self, x, *index_inputs):
        x = as_tensor_variable(x)
        if self.spec is None:  # as Theano's advanced ops are called: op(x, *index)
            return self._from_index(x, index_inputs)
        return Apply(self, [x, *index_inputs], [TensorType(x.dtype, self.pattern)])

    def _from_index(self, x, index):
        spec, inputs, pattern = parse_index(x, tuple(index))
        return type(self)(spec=spec, pattern=pattern).make_node(x, *inputs)

    def lower(self, node, inputs, ctx):
        result = apply_index(inputs[0], self.spec, inputs[1:])
        if any(e[0] == "slice" and not (e[3] is None or isinstance(e[3], int) and e[3] > 0)
               for e in self.spec):
            # TF's shape inference fails on a reversed slice of tf.shape(x) used
            # as a shape (reshape(x, x.shape[::-1])); identity hides it.
            result = tf.identity(result)
        return [result]

    def vector_length(self, node, length_of):
        """The length of a static slice of a vector of known length."""
        if len(self.spec) == 1 and self.spec[0][0] == "slice" and node.inputs[0].ndim == 1 \
                and not any(isinstance(p, tuple) for p in self.spec[0][1:]):
            _, start, stop, step = self.spec[0]
            return len(range(length_of(node.inputs[0]))[start:stop:step])
        return None

    def pp(self, node, args):
        return f"{args[0]}[{format_spec(self.spec, args[1:])}]"

    def __str__(self):
        return f"{type(self).__name__}{{{self._index_text()}}}"


class AdvancedSubtensor1(Subtensor):
    """``x[v]`` for an integer vector ``v`` along the first axis."""

    name = "advanced_subtensor1"

    def __init__(self, sparse_grad=False, spec=None, pattern=None):
        super().__init__(spec, pattern)
        self.sparse_grad = sparse_grad

    def _from_index(self, x, index):
        if len(index) != 1:
            raise TypeError(f"{self} takes one index vector, got {len(index)} indices")
        ilist = as_tensor_variable(index[0])
        if not dtypes.is_discrete(ilist.dtype) or ilist.dtype == "bool":
            raise TypeError(f"index must be integers, got {ilist} ({ilist.type})")
        if ilist.ndim != 1:
            raise TypeError(f"index must be vector, got {ilist} ({ilist.type})")
        if x.ndim == 0:
            raise TypeError(f"cannot index into a scalar ({x})")
        return super()._from_index(x, [ilist])

    def __str__(self):
        return type(self).__name__


class AdvancedSubtensor(AdvancedSubtensor1):
    """``x[index]`` with integer arrays (NumPy's advanced indexing)."""

    name = "advanced_subtensor"

    def _from_index(self, x, index):
        return Subtensor._from_index(self, x, index)


class AdvancedBooleanSubtensor(AdvancedSubtensor):
    """``x[mask]`` with a boolean mask."""

    name = "advanced_boolean_subtensor"


def format_spec(spec, args):
    """An index as pp shows it: Theano's ``Constant{1}`` for a constant
    integer, the printed input for a symbolic one, slices with their bounds."""
    def show(part):
        if part is None:
            return ""
        return args[part[1]] if isinstance(part, tuple) else str(part)
    parts = []
    for entry in spec:
        if entry[0] == "newaxis":
            parts.append("None")
        elif entry[0] == "slice":
            text = f"{show(entry[1])}:{show(entry[2])}"
            parts.append(text + (f":{show(entry[3])}" if entry[3] is not None else ""))
        elif entry[0] == "int":
            parts.append(args[entry[1][1]] if isinstance(entry[1], tuple)
                         else f"Constant{{{entry[1]}}}")
        else:
            parts.append(args[entry[1]])
    return ", ".join(parts)


def _reading_class(spec, inputs):
    kinds = [e[0] for e in spec]
    if "mask" in kinds:
        return AdvancedBooleanSubtensor
    if "array" not in kinds:
        return Subtensor
    if kinds[0] == "array" and inputs[spec[0][1]].ndim == 1 and all(
            e[0] == "slice" and e[1:] == (None, None, None) for e in spec[1:]):
        return AdvancedSubtensor1
    return AdvancedSubtensor


def getitem(x, index):
    """``x[index]``, as Theano 1.0's ``__getitem__``: ``None`` in a basic
    index is a dimshuffle of the axes given (``x[:, None]`` is
    ``x.dimshuffle(0, 'x')``), which drops an axis left out if it is
    broadcastable and refuses to if not."""
    items, _ = index_items(x, index)
    if any(item is None for item in items) and not any(is_advanced(i) for i in items):
        order, counter = [], 0
        for item in items:
            order.append("x" if item is None else counter)
            counter += item is not None
        dropped = [d for d in range(counter, x.ndim) if not x.broadcastable[d]]
        if dropped:
            raise ValueError(
                f"{x}[{_show_index(index)}]: an index with None is a dimshuffle of the axes "
                f"it gives (as in Theano 1.0), which would drop dimension {dropped[0]} of {x} "
                f"({x.type}), and only a broadcastable dimension can be dropped; give every "
                f"axis, as in x[:, :, None]")
        view = dimshuffle(x, order)
        rest = tuple(slice(None) if item is None else item for item in items)
        if all(isinstance(i, slice) and i == slice(None) for i in rest):
            return view
        return getitem(view, rest)
    spec, inputs, pattern = parse_index(x, index)
    return _reading_class(spec, inputs)(spec=spec, pattern=pattern)(x, *inputs)


def _show_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return ", ".join(":" if i == slice(None) else repr(i) for i in items)


class IncSubtensor(_Indexing):
    """``x`` with ``x[index]`` set to (or incremented by) ``y``.

    The selected positions are found by indexing a tensor of flat positions
    with the same index, so every kind of index shares one scatter. ``y`` is
    cast to ``x``'s dtype as NumPy's assignment casts; an increment must be
    a cast NumPy allows for ``+=`` (same kind: no float into an integer).
    ``inplace`` is accepted and printed: TensorFlow makes a new tensor.
    """

    __props__ = ("spec", "inplace", "set_instead_of_inc")
    n_values = 2

    def __init__(self, spec=None, inplace=False, set_instead_of_inc=False,
                 destroyhandler_tolerate_aliased=None):
        self.spec = None if spec is None else tuple(spec)
        self.inplace, self.set_instead_of_inc = bool(inplace), bool(set_instead_of_inc)
        self.name = "set_subtensor" if set_instead_of_inc else "inc_subtensor"

    def make_node(self, x, y, *index_inputs):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if self.spec is None:  # as Theano's advanced ops are called: op(x, y, *index)
            spec, inputs, _ = parse_index(x, tuple(index_inputs))
            return type(self)(spec=spec, inplace=self.inplace,
                              set_instead_of_inc=self.set_instead_of_inc).make_node(x, y, *inputs)
        # An index array of k dimensions puts k dimensions where it indexes one.
        most = x.ndim + sum(index_inputs[e[1]].ndim - 1 for e in self.spec if e[0] == "array")
        if y.ndim > most:
            raise TypeError(f"{self}: cannot {'set' if self.set_instead_of_inc else 'increment'}"
                            f" a part of at most {most} dimensions of {x} with the "
                            f"{y.ndim}-dimensional {y}")
        weak = y.owner is None and getattr(y, "weak", False)
        if not (self.set_instead_of_inc or weak
                or np.can_cast(y.dtype, x.dtype, casting="same_kind")):
            raise TypeError(f"{self}: cannot add {y} ({y.type}) to {x} ({x.type}): NumPy's "
                            f"+= does not cast {y.dtype} to {x.dtype}; cast it first")
        return Apply(self, [x, y, *index_inputs], [TensorType(x.dtype, x.broadcastable)])

    def lower(self, node, inputs, ctx):
        x, y, index = inputs[0], inputs[1], inputs[2:]
        positions = tf.reshape(tf.range(tf.size(x, out_type=tf.int64)), tf.shape(x))
        selected = apply_index(positions, self.spec, index)
        values = tf.broadcast_to(cast_tensor(y, x.dtype.name), tf.shape(selected))
        flat = tf.reshape(x, [-1])
        where = tf.reshape(selected, [-1, 1])
        update = tf.tensor_scatter_nd_update if self.set_instead_of_inc else tf.tensor_scatter_nd_add
        if x.dtype == tf.bool and not self.set_instead_of_inc:
            # No bool kernel; NumPy's bool += bool is logical or: count in int32.
            counts = update(tf.cast(flat, tf.int32), where, tf.cast(tf.reshape(values, [-1]),
                                                                     tf.int32))
            return [tf.reshape(counts > 0, tf.shape(x))]
        return [tf.reshape(update(flat, where, tf.reshape(values, [-1])), tf.shape(x))]

    def pp(self, node, args):
        return f"{self.name}({args[0]}[{format_spec(self.spec, args[2:])}], {args[1]})"

    def __str__(self):
        action = ("Inplace" if self.inplace else "") + ("Set" if self.set_instead_of_inc
                                                        else "Inc")
        return f"IncSubtensor{{{action};{self._index_text()}}}"


class AdvancedIncSubtensor1(IncSubtensor):
    """``x`` with ``x[v]`` (``v`` an integer vector) set or incremented;
    repeated indices add up."""

    def __init__(self, inplace=False, set_instead_of_inc=False, spec=None):
        super().__init__(spec, inplace, set_instead_of_inc)

    def __str__(self):
        return (f"{type(self).__name__}{{{'inplace' if self.inplace else 'no_inplace'},"
                f"{'set' if self.set_instead_of_inc else 'inc'}}}")


class AdvancedIncSubtensor(AdvancedIncSubtensor1):
    """``x`` with ``x[index]`` (integer arrays) set or incremented."""

    def __str__(self):
        return (f"{type(self).__name__}{{inplace={self.inplace},  "
                f"set_instead_of_inc={self.set_instead_of_inc}}}")


class AdvancedBooleanIncSubtensor(AdvancedIncSubtensor):
    """``x`` with ``x[mask]`` set or incremented."""


_UPDATE_CLASS = {Subtensor: IncSubtensor, AdvancedSubtensor1: AdvancedIncSubtensor1,
                 AdvancedSubtensor: AdvancedIncSubtensor,
                 AdvancedBooleanSubtensor: AdvancedBooleanIncSubtensor}


def _subtensor_of(view, function_name):
    node = view.owner
    if node is None or not isinstance(node.op, Subtensor):
        raise TypeError(f"{function_name} takes a subtensor such as x[2:5], got {view}")
    return node


def _update(view, y, set_instead_of_inc, function_name):
    node = _subtensor_of(view, function_name)
    y = as_tensor_variable(y)
    if y.ndim > view.ndim:
        raise TypeError(f"{function_name}: trying to {'set' if set_instead_of_inc else 'increment'}"
                        f" the {view.ndim}-dimensional subtensor {view} with the "
                        f"{y.ndim}-dimensional value {y} ({y.type})")
    op = _UPDATE_CLASS[type(node.op)](spec=node.op.spec, set_instead_of_inc=set_instead_of_inc)
    return op(node.inputs[0], y, *node.inputs[1:])


def set_subtensor(view, y, inplace=False, tolerate_inplace_aliasing=False):
    """``x`` with ``x[index]`` replaced by ``y``, where ``view`` is ``x[index]``."""
    return _update(view, y, True, "set_subtensor")


def inc_subtensor(view, y, inplace=False, set_instead_of_inc=False,
                  tolerate_inplace_aliasing=False):
    """``x`` with ``y`` added to ``x[index]``; repeated indices add up."""
    return _update(view, y, set_instead_of_inc,
                   "set_subtensor" if set_instead_of_inc else "inc_subtensor")
