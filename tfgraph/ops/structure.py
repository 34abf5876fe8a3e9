"""Structural ops of ``theano.tensor`` beyond shape.py: tri, nonzero, split
(and SplitSlices, slices by one split), diagonals (ExtractDiag, AllocDiag),
choose."""
import numbers

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor, checked, checked_all
from tfgraph._tf import tf


def _int_scalar(value, what):
    var = as_tensor_variable(value)
    if var.ndim != 0 or not dtypes.is_discrete(var.dtype) or var.dtype == "bool":
        raise TypeError(f"{what} must be an integer scalar, got {var} ({var.type})")
    return var


class Tri(Op):
    """An N x M matrix with ones at and below diagonal k (NumPy's tri)."""
    name = "tri"

    def __init__(self, dtype):
        self.dtype = dtypes.check_dtype(dtype)

    def make_node(self, n, m, k):
        inputs = [_int_scalar(v, what) for v, what in ((n, "tri: N"), (m, "tri: M"), (k, "tri: k"))]
        return Apply(self, inputs, [TensorType(self.dtype, (False, False))])

    def undefined_grads(self, node):
        """As Theano's: the gradients of N, M and k are undefined."""
        return {i: "" for i in range(3)}

    def lower(self, node, inputs, ctx):
        n, m, k = (cast_tensor(t, "int64") for t in inputs)
        rows = tf.range(n, dtype=tf.int64)[:, None]
        cols = tf.range(m, dtype=tf.int64)[None, :]
        return [tf.cast(cols - rows <= k, self.dtype)]


class Nonzero(Op):
    """The indices of the non-zero elements, as an (ndim, count) int64 matrix."""
    name = "nonzero"

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.ndim == 0:
            raise ValueError(f"nonzero only supports non-scalar arrays, got scalar {a}")
        return Apply(self, [a], [TensorType("int64", (False, False))])

    def undefined_grads(self, node):
        """As Theano's: the indices of the nonzero elements have no gradient."""
        return {0: ""}

    def lower(self, node, inputs, ctx):
        a = inputs[0]
        mask = a if a.dtype == tf.bool else tf.not_equal(a, tf.zeros([], a.dtype))
        return [tf.transpose(tf.where(mask))]


class Split(Op):
    """Theano's Split: ``Split(len_splits)(x, axis, splits)`` cuts ``x``
    along ``axis`` (an integer scalar, which may be symbolic) into
    ``len_splits`` pieces of the lengths in the integer vector ``splits``."""
    __props__ = ("len_splits",)

    def __init__(self, len_splits):
        if not isinstance(len_splits, numbers.Integral) or len_splits < 1:
            raise ValueError(f"split: n_splits must be a positive int, got {len_splits!r}")
        self.len_splits = int(len_splits)

    def __str__(self):
        return f"Split{{{self.len_splits}}}"

    def make_node(self, x, axis, splits):
        x, splits = as_tensor_variable(x), as_tensor_variable(splits)
        if splits.ndim != 1 or not dtypes.is_discrete(splits.dtype) or splits.dtype == "bool":
            raise TypeError(f"split: splits_size must be an integer vector, got {splits} "
                            f"({splits.type})")
        axis = _int_scalar(axis, "split: axis")
        if isinstance(axis, Constant) and not -x.ndim <= int(axis.data) < x.ndim:
            raise ValueError(f"split: axis {int(axis.data)} is out of range for {x} "
                             f"({x.ndim} dimensions)")
        return Apply(self, [x, axis, splits], [x.type for _ in range(self.len_splits)])

    def connection_pattern(self, node):
        return [[True] * self.len_splits, [False] * self.len_splits,
                [False] * self.len_splits]

    def lower(self, node, inputs, ctx):
        x, axis, sizes = inputs
        axis, sizes = cast_tensor(axis, "int64"), cast_tensor(sizes, "int64")
        length = tf.shape(x, out_type=tf.int64)[axis]
        sizes = checked_all(ctx, sizes, [
            (tf.equal(tf.size(sizes), self.len_splits),
             f"split: splits must hold {self.len_splits} sizes"),
            (tf.reduce_all(sizes >= 0), "split: a size in splits is negative"),
            (tf.equal(tf.reduce_sum(sizes), length),
             "split: the sizes must add up to the length of the axis")])
        return tf.split(x, sizes, axis=cast_tensor(axis, "int32"), num=self.len_splits)


class SplitSlices(Op):
    """The slices ``x[..., start:stop, ...]`` along ``axis``, one output per
    constant ``(start, stop)`` of ``bounds`` (ints or None, step 1), cut by
    one split: the form the compile-time rewrite gives sibling slices
    (tfgraph.compile.sibling_slices). An LSTM step cuts its gates so: one
    split forward and one concatenation backward, where slices would each
    write their gradient into zeros the size of the whole input.

    Where a split cannot give exactly what the slices give (bounds from the
    end of an axis whose length is unknown while tracing, or, once resolved,
    overlapping or empty), it is lowered as the slices."""
    __props__ = ("axis", "bounds")

    def __init__(self, axis, bounds):
        self.axis, self.bounds = int(axis), tuple(tuple(b) for b in bounds)
        if len(self.bounds) < 2 or len(set(self.bounds)) != len(self.bounds) or not all(
                len(b) == 2 and all(p is None or isinstance(p, numbers.Integral) for p in b)
                for b in self.bounds):
            raise ValueError(f"SplitSlices: bounds must be two or more different (start, "
                             f"stop) pairs of ints or None, got {bounds!r}")
        self.name = f"split{{axis {self.axis}: " + ", ".join(
            f"{'' if a is None else a}:{'' if b is None else b}" for a, b in self.bounds) + "}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.axis < x.ndim:
            raise ValueError(f"{self.name}: axis {self.axis} is out of range for {x} "
                             f"({x.ndim} dimensions)")
        pattern = [b and axis != self.axis for axis, b in enumerate(x.broadcastable)]
        return Apply(self, [x], [TensorType(x.dtype, pattern) for _ in self.bounds])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        pieces = _split_at(x, self.axis, self.bounds)
        if pieces is None:
            index = (slice(None),) * self.axis
            return [x[index + (slice(start, stop),)] for start, stop in self.bounds]
        return [pieces[b] for b in self.bounds]


def _split_at(x, axis, bounds):
    """{(start, stop): tensor} for the given bounds, cut from ``x`` by one
    split, or None when a split cannot give exactly what the slices give."""
    length = x.shape[axis] if x.shape.rank is not None else None
    if length is not None:
        resolved = {b: slice(*b).indices(length)[:2] for b in bounds}
    elif all(p is None or p >= 0 for b in bounds for p in b):
        # The length is known only when the step runs: the cuts are clamped
        # to it then, as slicing clamps its bounds.
        resolved = {(start, stop): (start or 0, _END if stop is None else stop)
                    for start, stop in bounds}
    else:
        return None  # a bound counted from the end of an axis of unknown length
    spans = sorted(set(resolved.values()))
    if any(start >= stop for start, stop in spans) or any(
            a[1] > b[0] for a, b in zip(spans, spans[1:])):
        return None  # empty, or overlapping
    cuts = sorted({0, *(p for span in spans for p in span)} - {_END})
    if length is not None:
        sizes = [b - a for a, b in zip(cuts, cuts[1:] + [length])]
    else:
        total = tf.shape(x, out_type=tf.int64)[axis]
        ends = tf.minimum(tf.constant(cuts[1:] + [_END], tf.int64), total)
        sizes = ends - tf.minimum(tf.constant(cuts, tf.int64), total)
    pieces = tf.split(x, sizes, axis=axis, num=len(cuts))
    parts = dict(zip(zip(cuts, cuts[1:] + [_END if length is None else length]), pieces))
    return {b: parts[span] for b, span in resolved.items()}


_END = 2 ** 62  # the end of an axis, in a bound


class ExtractDiag(Op):
    """The diagonal at ``offset`` of the 2-d sub-arrays on axes ``axis1``,
    ``axis2``, as a last axis (NumPy's diagonal)."""

    def __init__(self, offset=0, axis1=0, axis2=1):
        self.offset, self.axis1, self.axis2 = int(offset), axis1, axis2
        self.name = "ExtractDiag"

    def axes(self, x):
        """(axis1, axis2) of ``x`` as non-negative ints, or a clear error."""
        axes = []
        for a in (self.axis1, self.axis2):
            if not -x.ndim <= a < x.ndim:
                raise ValueError(f"diagonal: axis {a} is out of range for {x} ({x.ndim} dims)")
            axes.append(a % x.ndim)
        if axes[0] == axes[1]:
            raise ValueError(f"diagonal: axis1 and axis2 cannot be the same ({axes[0]})")
        return tuple(axes)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim < 2:
            raise ValueError(f"diagonal needs at least 2 dimensions, {x} has {x.ndim}")
        axes = self.axes(x)
        pattern = tuple(b for d, b in enumerate(x.broadcastable) if d not in axes)
        return Apply(self, [x], [TensorType(x.dtype, pattern + (False,))])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        ndim = node.inputs[0].ndim
        a1, a2 = self.axes(node.inputs[0])
        perm = [d for d in range(ndim) if d not in (a1, a2)] + [a1, a2]
        moved = tf.transpose(x, perm)
        if moved.dtype == tf.bool:
            return [tf.cast(tf.linalg.diag_part(tf.cast(moved, tf.int8), k=self.offset), tf.bool)]
        return [tf.linalg.diag_part(moved, k=self.offset)]


class AllocDiag(Op):
    """A square matrix with vector ``x`` on its diagonal at ``offset``."""

    def __init__(self, offset=0):
        self.offset = int(offset)
        self.name = "AllocDiag"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim != 1:
            raise TypeError(f"AllocDiag takes a vector, got {x} ({x.type})")
        return Apply(self, [x], [TensorType(x.dtype, (False, False))])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        if x.dtype == tf.bool:
            return [tf.cast(tf.linalg.diag(tf.cast(x, tf.int8), k=self.offset), tf.bool)]
        return [tf.linalg.diag(x, k=self.offset)]


class Choose(Op):
    """NumPy's choose: ``choices[a[i]][i]``, broadcasting ``a`` and each choice."""
    name = "choose"

    def __init__(self, mode="raise"):
        if mode not in ("raise", "wrap", "clip"):
            raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
        self.mode = mode

    def make_node(self, a, choices):
        a, choices = as_tensor_variable(a), as_tensor_variable(choices)
        if not dtypes.is_discrete(a.dtype) or a.dtype == "bool":
            raise TypeError(f"choose: a must have an integer dtype, got {a} ({a.type})")
        if choices.ndim < 1:
            raise TypeError(f"choose: choices must be a sequence or an array of >= 1 dimension")
        ndim = max(a.ndim, choices.ndim - 1)
        pa = (True,) * (ndim - a.ndim) + a.broadcastable
        pc = (True,) * (ndim - choices.ndim + 1) + choices.broadcastable[1:]
        pattern = tuple(x and y for x, y in zip(pa, pc))
        return Apply(self, [a, choices], [TensorType(choices.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        a, choices = inputs
        a = cast_tensor(a, "int64")
        n = tf.shape(choices, out_type=tf.int64)[0]
        shape = tf.broadcast_dynamic_shape(tf.shape(a, out_type=tf.int64),
                                           tf.shape(choices, out_type=tf.int64)[1:])
        if self.mode == "wrap":
            a = tf.math.floormod(a, n)
        elif self.mode == "clip":
            a = tf.clip_by_value(a, 0, n - 1)
        else:
            a = checked(ctx, a, (a >= 0) & (a < n), "choose: invalid entry in choice array")
        ndim = len(node.outputs[0].broadcastable)
        a = tf.broadcast_to(a, shape)
        c = tf.broadcast_to(choices, tf.concat([[n], shape], 0))
        c = tf.transpose(c, list(range(1, ndim + 1)) + [0])
        return [tf.gather(c, a[..., None], batch_dims=ndim)[..., 0]]





class InversePermutation(Op):
    """The inverse of each permutation along the last axis of an integer tensor."""
    name = "inverse_permutation"

    def make_node(self, perm):
        perm = as_tensor_variable(perm)
        if perm.ndim < 1 or not dtypes.is_discrete(perm.dtype) or perm.dtype == "bool":
            raise TypeError(f"inverse_permutation takes an integer tensor, got {perm} "
                            f"({perm.type})")
        return Apply(self, [perm], [perm.type])

    def lower(self, node, inputs, ctx):
        # The positions that sort a permutation are its inverse.
        inverse = tf.argsort(cast_tensor(inputs[0], "int64"), axis=-1, stable=True)
        return [cast_tensor(inverse, node.outputs[0].dtype)]


class Assert(Op):
    """``x`` itself, once every condition holds when the graph runs (Theano's
    ``theano.tensor.opt.Assert``); else the call fails with ``msg``."""
    name = "Assert"

    def __init__(self, msg="Theano Assert failed!"):
        self.msg = msg

    def make_node(self, x, *conditions):
        x = as_tensor_variable(x)
        conditions = [as_tensor_variable(c) for c in conditions]
        for c in conditions:
            if c.ndim != 0:
                raise TypeError(f"Assert: conditions must be scalars, got {c} ({c.type})")
        return Apply(self, [x] + conditions, [x.type])

    def lower(self, node, inputs, ctx):
        x, *conditions = inputs
        for c in conditions:
            x = checked(ctx, x, tf.cast(c, tf.bool), self.msg)
        return [x]
