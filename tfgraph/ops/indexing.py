"""The index language of the indexing ops (tfgraph.ops.subtensor): an
index of ``x[...]`` parsed into a static spec, and applied in TensorFlow.

A spec has one entry per index item given (a trailing whole slice left out
is not there, as in Theano's ``idx_list``), whose symbolic parts (scalar or
array indices, slice bounds) are inputs of the node: ``("int", i)``,
``("slice", start, stop, step)``, ``("newaxis",)``, ``("array", k)`` and
``("mask", k)``, where ``k`` is an input position and ``i``, ``start``, ...
are Python ints or None for static values, or ``("input", k, dtype)`` for a
symbolic scalar.
"""
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Variable
from tfgraph.ops.structure import Nonzero
from tfgraph.ops.custom_gradient import custom_gradient
from tfgraph.ops.base import (as_tensor_variable, broadcast_patterns, broadcast_tensors,
                              cast_tensor, result_dtype)
from tfgraph._tf import tf


def index_items(x, index):
    """The items of index ``index`` of ``x``, one per indexed dimension (or
    new axis), its ellipsis replaced by whole slices, and how many
    dimensions of ``x`` are left after them. An empty list is an
    empty int64 array, as in Theano (``x[:, []]`` has shape (n, 0))."""
    # A list holding a slice is a tuple of indices, as in Theano 1.0 (and old NumPy).
    as_tuple = isinstance(index, tuple) or (
        isinstance(index, list) and any(isinstance(i, slice) for i in index))
    items = [_empty_as_int64(it) for it in (list(index) if as_tuple else [index])]
    consumed = sum(1 for it in items if it is not None and it is not Ellipsis
                   and not _is_mask(it)) + sum(_as_var(it).ndim for it in items if _is_mask(it))
    if sum(it is Ellipsis for it in items) > 1:
        raise IndexError(f"an index of {x} can only have one ellipsis (...)")
    if consumed > x.ndim:
        raise IndexError(f"too many indices for {x}: it has {x.ndim} dimensions, "
                         f"the index {index!r} uses {consumed}")
    if any(it is Ellipsis for it in items):
        at = next(i for i, it in enumerate(items) if it is Ellipsis)
        items[at:at + 1] = [slice(None)] * (x.ndim - consumed)
        consumed = x.ndim
    return items, x.ndim - consumed


def _empty_as_int64(item):
    if (isinstance(item, (list, tuple)) and len(item) == 0) or (
            isinstance(item, np.ndarray) and item.size == 0):
        return np.array(item, dtype=np.int64)
    return item


def is_advanced(item):
    """Whether index item ``item`` is an array or a mask (NumPy's advanced indexing)."""
    if item is None or item is Ellipsis or isinstance(item, slice):
        return False
    if isinstance(item, (numbers.Integral, np.integer)):
        return False
    return _is_mask(item) or _as_var(item).ndim > 0


def parse_index(x, index):
    """(spec, symbolic inputs, output broadcastable pattern) of ``x[index]``."""
    items, rest = index_items(x, index)
    if sum(map(is_advanced, items)) > 1 and any(map(_is_mask, items)):
        items = _masks_as_arrays(items)
    # The dimensions left out are whole: in the output pattern, not in the spec.
    padded = items + [slice(None)] * rest
    spec, inputs, pattern, axis = [], [], [], 0

    def symbolic(value, what):
        if value is None or isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return None if value is None else int(value)
        var = as_tensor_variable(value)
        if var.ndim != 0 or not dtypes.is_discrete(var.dtype):
            raise TypeError(f"{what} of an index of {x} must be an integer scalar, got {var} "
                            f"({var.type})")
        inputs.append(var)
        return ("input", len(inputs) - 1, var.dtype)

    array_patterns = []
    for position, item in enumerate(padded):
        given = position < len(items)
        if item is None:
            spec.append(("newaxis",))
            pattern.append(True)
        elif isinstance(item, slice):
            parts = [symbolic(getattr(item, p), f"slice {p}") for p in ("start", "stop", "step")]
            if parts[2] == 0:
                raise ValueError(f"slice step cannot be zero in an index of {x}")
            if given:
                spec.append(("slice", *parts))
            pattern.append(x.broadcastable[axis] and item == slice(None))
            axis += 1
        elif _is_mask(item):
            mask = _as_var(item)
            inputs.append(mask)
            spec.append(("mask", len(inputs) - 1))
            array_patterns.append(None)
            pattern.append(("mask", (False,)))
            axis += mask.ndim
        elif isinstance(item, (numbers.Integral, Variable)) and _as_var(item).ndim == 0:
            if isinstance(item, numbers.Integral) and not isinstance(item, Variable):
                spec.append(("int", int(item)))
            else:
                spec.append(("int", symbolic(item, "an integer index")))
            axis += 1
        else:
            array = _as_var(item)
            if not dtypes.is_discrete(array.dtype) or array.dtype == "bool":
                raise IndexError(f"index arrays of {x} must be integers, got {array} "
                                 f"({array.type})")
            inputs.append(array)
            spec.append(("array", len(inputs) - 1))
            array_patterns.append(array.broadcastable)
            pattern.append(("array", array.broadcastable))
            axis += 1
    if any(s[0] == "mask" for s in spec) and len(array_patterns) > 1:
        raise IndexError(f"a boolean mask index of {x} cannot be combined with other "
                         f"array indices")
    # The index arrays broadcast together into one block of dimensions, in
    # place of the first one, or first of all when they are apart (NumPy's rule).
    block = broadcast_patterns(*[p[1] for p in pattern if isinstance(p, tuple)])
    out = [p for p in pattern if not isinstance(p, tuple)]
    if any(isinstance(p, tuple) for p in pattern):
        at = 0 if advanced_first(spec) else next(
            i for i, p in enumerate(pattern) if isinstance(p, tuple))
        out[at:at] = block
    return tuple(spec), inputs, tuple(out)


def _masks_as_arrays(items):
    """NumPy's rule for a boolean mask among other index arrays: it stands
    for the integer arrays of its true entries' positions, one per dimension
    it covers (``mask.nonzero()``), which broadcast with the others."""
    expanded = []
    for item in items:
        if _is_mask(item):
            mask = _as_var(item)
            positions = Nonzero()(mask)
            expanded.extend(positions[axis] for axis in range(mask.ndim))
        else:
            expanded.append(item)
    return expanded


def advanced_first(spec):
    """NumPy puts the dimensions of advanced indices (arrays, masks, and ints
    along with them) first when the advanced indices are not next to each other."""
    kinds = ("array", "mask", "int") if any(s[0] in ("array", "mask") for s in spec) else ()
    at = [i for i, s in enumerate(spec) if s[0] in kinds]
    return bool(at) and at != list(range(at[0], at[-1] + 1))


def _is_mask(item):
    return isinstance(item, Variable) and item.dtype == "bool" and item.ndim > 0 or (
        not isinstance(item, (Variable, slice, numbers.Integral)) and item is not None
        and item is not Ellipsis and getattr(_safe_array(item), "dtype", None) == "bool"
        and _safe_array(item).ndim > 0)


def _safe_array(item):
    try:
        return np.asarray(item)
    except Exception:
        return None


def _as_var(item):
    if isinstance(item, Variable):
        return item
    if isinstance(item, numbers.Integral):
        return as_tensor_variable(int(item))
    return as_tensor_variable(item)


def _resolve(part, tensors):
    if isinstance(part, tuple):
        # TF's strided_slice takes int32/int64 bounds of one dtype only.
        return cast_tensor(tensors[part[1]], "int64")
    return part


def apply_index(x, spec, tensors):
    """``x`` indexed as ``spec`` says, in TensorFlow."""
    basic, positions, gathers = [], [], []
    for entry in spec:
        kind = entry[0]
        if kind == "newaxis":
            basic.append(tf.newaxis)
        elif kind == "slice":
            basic.append(slice(*(_resolve(p, tensors) for p in entry[1:])))
        elif kind == "int":
            basic.append(_resolve(entry[1], tensors))
        else:
            # Array and mask indices are applied after the basic ones: take
            # everything here for now, and note where it lands in the result.
            gathers.append(entry)
            positions.append(sum(1 for b in basic if not _is_int_part(b)))
            basic.extend([slice(None)] * (len(tensors[entry[1]].shape) if kind == "mask" else 1))
    if not gathers and all(_is_new_axis(b) or _is_whole(b) for b in basic):
        # Only new axes (``m[:, None]``): a reshape, whose gradient is one too,
        # where a strided slice's gradient writes into a new zero tensor.
        for axis, part in enumerate(basic):
            if _is_new_axis(part):
                x = tf.expand_dims(x, axis)
        return x
    result = x[tuple(basic)] if basic else x
    if not gathers:
        return result
    # NumPy's place for the block of indexed dimensions.
    target = 0 if advanced_first(spec) else positions[0]
    if gathers[0][0] == "mask":
        mask = tensors[gathers[0][1]]
        # tf.boolean_mask takes a shorter mask silently; NumPy raises.
        with tf.control_dependencies([_check_mask(result, mask, positions[0])]):
            taken = tf.boolean_mask(result, mask, axis=positions[0])
        at, block = positions[0], 1
    else:
        shape = tf.shape(result, out_type=tf.int64)
        indices = [_wrap_negative(cast_tensor(tensors[e[1]], "int64"), shape[p])
                   for e, p in zip(gathers, positions)]
        if len(indices) == 1:
            taken = tf.gather(result, indices[0], axis=positions[0])
            at, block = positions[0], len(indices[0].shape)
        else:
            # Several arrays: move their dimensions first and gather them together.
            moved = tf.experimental.numpy.moveaxis(result, positions, list(range(len(indices))))
            stacked = tf.stack(broadcast_tensors(*indices), axis=-1)
            taken, at, block = _gather_nd(moved, stacked), 0, len(stacked.shape) - 1
    if block and at != target:
        taken = tf.experimental.numpy.moveaxis(
            taken, list(range(at, at + block)), list(range(target, target + block)))
    return taken


def _check_mask(x, mask, axis):
    """An assertion that ``mask`` has the shape of the dimensions it indexes."""
    expected = tf.shape(x, out_type=tf.int64)[axis:axis + len(mask.shape)]
    found = tf.shape(mask, out_type=tf.int64)
    return tf.debugging.Assert(
        tf.reduce_all(tf.equal(expected, found)),
        ["boolean index did not match the indexed array: the dimensions it indexes have "
         "lengths", expected, "but the boolean index has shape", found],
        name="check_mask")


def index_valid(x, spec, tensors):
    """False when an index of ``spec`` is out of range for ``x`` (or a mask's
    shape does not match): the condition under which TensorFlow raises, for
    XLA, which clamps instead. None when nothing can be out of range."""
    shape = tf.shape(x, out_type=tf.int64)
    flags, axis = [], 0
    for entry in spec:
        kind = entry[0]
        if kind == "newaxis":
            continue
        if kind == "mask":
            mask = tensors[entry[1]]
            rank = len(mask.shape)
            flags.append(tf.reduce_all(tf.equal(shape[axis:axis + rank],
                                                tf.shape(mask, out_type=tf.int64))))
            axis += rank
            continue
        if kind == "int" or kind == "array":
            size = shape[axis]
            index = _resolve(entry[1], tensors) if kind == "int" else \
                cast_tensor(tensors[entry[1]], "int64")
            flags.append(tf.reduce_all((index >= -size) & (index < size)))
        axis += 1
    return tf.reduce_all(tf.stack(flags))


def _is_int_part(part):
    return not isinstance(part, slice) and part is not tf.newaxis


def _is_new_axis(part):
    return part is tf.newaxis


def _is_whole(part):
    return isinstance(part, slice) and part.start is None and part.stop is None \
        and part.step is None


@custom_gradient
def _gather_nd(params, indices):
    """tf.gather_nd, which refuses empty params even where the result is empty,
    differentiated by a segment sum over the flattened indexed dimensions
    rather than by TensorFlow's ScatterNd: DTensor (TF 2.21) expands a
    ScatterNd with an int32 shape whatever its indices' dtype (int64 here),
    which it then cannot run; and on CPU the segment sum is the faster one."""
    def empty():
        shape = tf.concat([tf.shape(indices, out_type=tf.int64)[:-1],
                           tf.shape(params, out_type=tf.int64)[indices.shape[-1]:]], 0)
        return tf.zeros(shape, params.dtype)
    size = params.shape.num_elements()  # known when the shapes are (on a mesh, always)
    if size is None:
        taken = tf.cond(tf.size(params) > 0, lambda: tf.gather_nd(params, indices), empty)
    else:
        taken = tf.gather_nd(params, indices) if size else empty()

    def gradient(dy):
        depth = indices.shape[-1]
        shape = tf.shape(params, out_type=indices.dtype)
        strides = tf.math.cumprod(shape[:depth], exclusive=True, reverse=True)
        rows = tf.reshape(tf.reduce_sum(indices * strides, -1), [-1])
        values = tf.reshape(tf.convert_to_tensor(dy),
                            tf.concat([[-1], tf.shape(params)[depth:]], 0))
        summed = tf.math.unsorted_segment_sum(values, rows, tf.reduce_prod(shape[:depth]))
        return tf.reshape(summed, shape), None
    return taken, gradient


def _wrap_negative(index, size):
    return tf.where(index < 0, index + size, index)
