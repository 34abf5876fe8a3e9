"""Pooling over the last 2 or 3 axes (Theano's ``signal.pool.Pool``), and
``images2neibs``' windows; type rules and lowerings side by side.

Theano's output shapes and edges differ from TensorFlow's SAME/VALID: with
``ignore_border=False`` a partial window at the end of an axis still makes an
output; ``pad`` adds margins that ``max`` and ``sum`` ignore and that
``average_inc_pad`` counts; averages divide by the number of elements actually
in each window. The lowering pads explicitly (-inf for max, 0 otherwise) so
that a TensorFlow VALID pooling has exactly Theano's windows, then divides
averages by per-window counts, which are separable (an outer product of one
vector per axis).

The pooling is computed channels-last; ``ChannelsLastPool`` is that form as an
op of its own, which the compile-time layout rewrite (tfgraph.compile.layout)
puts between channels-last layers. On a mesh of devices averages are lowered
by a convolution, a rule registered beside the ops.
"""
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType, Variable
from tfgraph.platforms import register_lowering
from tfgraph.ops.base import as_tensor_variable, checked_all
from tfgraph.ops.custom_gradient import custom_gradient
from tfgraph.ops.layout import to_channels_first, to_channels_last
from tfgraph.ops.spatial import describe, patches, static_vector, vjp
from tfgraph._tf import tf

MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


def _int_tuple(value, nd, what, fname):
    if isinstance(value, Constant):
        value = value.data.tolist()
    if hasattr(value, "owner"):
        raise NotImplementedError(f"{fname}: {what} must be given as {nd} Python ints; "
                                  f"symbolic {what} is not supported")
    value = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value,)
    if len(value) != nd or not all(isinstance(v, numbers.Integral) for v in value):
        raise ValueError(f"{fname}: {what} must be a tuple of {nd} ints, got {value!r}")
    return tuple(int(v) for v in value)


def _static_ints(value):
    """``value`` (ints, int constants, or a sequence of them) as a tuple of
    Python ints, or None when some part is symbolic."""
    if isinstance(value, Constant):
        value = value.data.tolist()
    if isinstance(value, Variable):
        return None
    value = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value,)
    ints = []
    for v in value:
        if isinstance(v, Constant) and v.ndim == 0:
            v = v.data.item()
        if isinstance(v, Variable):
            return None
        ints.append(v)
    return tuple(ints)


def _int_vector(value, nd, what, fname):
    """Symbolic ``value`` (an int vector, or a sequence of int scalars and
    ints) as an int64 vector variable of ``nd`` elements."""
    if not isinstance(value, Variable):
        value = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value,)
        if len(value) != nd:
            raise ValueError(f"{fname}: {what} must have {nd} elements, got {len(value)}")
        for v in value:
            if isinstance(v, Variable) and v.ndim != 0:
                raise TypeError(f"{fname}: each element of {what} must be a scalar, got "
                                f"{describe(v)} with {v.ndim} dimensions")
    vector = as_tensor_variable(value)
    if vector.ndim != 1 or not dtypes.is_discrete(vector.dtype) or vector.dtype == "bool":
        raise TypeError(f"{fname}: {what} must be ints, got {describe(vector)} of dtype "
                        f"{vector.dtype} with {vector.ndim} dimensions")
    return vector


def pool_output_length(size, ws, stride, pad, ignore_border):
    """Theano's number of windows along one axis (each of ``size``, ``ws``,
    ``stride``, ``pad`` an int or an int tensor)."""
    size = size + 2 * pad
    if ignore_border:
        return _at_least_0((size - ws) // stride + 1)
    partial = _at_least_0((size - 1 - ws + stride) // stride) + 1
    if all(isinstance(v, int) for v in (size, ws, stride)):
        return (size - 1) // stride + 1 if stride >= ws else partial
    return tf.where(stride >= ws, (size - 1) // stride + 1, partial)


def _at_least_0(n):
    return max(n, 0) if isinstance(n, int) else tf.maximum(n, 0)


class Pool(Op):
    """``Pool(ws, stride, pad, ignore_border, mode, ndim)(x)`` pools the last
    ``ndim`` axes of ``x`` with windows fixed when the graph is built.

    Theano's own form, ``Pool(ignore_border, mode, ndim)(x, ws, stride, pad)``,
    takes the window parameters as inputs, which may be symbolic (computed
    from the input's shape, as in spatial pyramid pooling)."""

    def __init__(self, ws=None, stride=None, pad=None, ignore_border=False, mode="max",
                 ndim=2, openmp=None):
        if ws is None or isinstance(ws, bool):
            # Pool(ignore_border, mode, ndim), possibly positional
            if isinstance(ws, bool):
                ignore_border = ws
                mode = stride if isinstance(stride, str) else mode
                ndim = pad if isinstance(pad, int) else ndim
            ws = stride = pad = None
        self.fname = f"pool_{ndim}d"
        if mode == "max_deterministic":
            mode = "max"
        if mode not in MODES:
            raise ValueError(f"{self.fname}: mode must be one of {MODES}, got {mode!r}")
        self.ndim, self.ignore_border, self.mode = ndim, bool(ignore_border), mode
        if ws is None:
            self.ws = self.stride = self.pad = None     # inputs of each node
            self.name = f"Pool{{{mode}, ignore_border={self.ignore_border}}}"
            return
        self.ws = _int_tuple(ws, ndim, "ws", self.fname)
        self.stride = _int_tuple(self.ws if stride is None else stride, ndim, "stride",
                                 self.fname)
        self.pad = _int_tuple((0,) * ndim if pad is None else pad, ndim, "pad", self.fname)
        self._check_params(self.ws, self.stride, self.pad)
        self.name = f"Pool{{{mode}, ws={self.ws}, stride={self.stride}, pad={self.pad}, " \
                    f"ignore_border={self.ignore_border}}}"

    def _check_params(self, ws, stride, pad):
        if min(ws) < 1 or min(stride) < 1 or min(pad) < 0:
            raise ValueError(f"{self.fname}: ws {ws} and stride {stride} must be "
                             f">= 1 and pad {pad} >= 0")
        if any(pad) and not self.ignore_border:
            raise NotImplementedError(f"{self.fname}: padding works only with "
                                      f"ignore_border=True")
        if any(p >= w for p, w in zip(pad, ws)):
            raise NotImplementedError(f"{self.fname}: pad {pad} must be smaller than ws {ws}")

    def make_node(self, x, ws=None, stride=None, pad=None):
        x = as_tensor_variable(x)
        if x.ndim < self.ndim:
            raise TypeError(f"{self.fname}: input {describe(x)} needs at least {self.ndim} "
                            f"dimensions, got {x.ndim}")
        if x.dtype.startswith("complex") or x.dtype == "bool":
            raise TypeError(f"{self.fname}: input {describe(x)} must be real numbers, "
                            f"got {x.dtype}")
        params = []
        if self.ws is None:
            if ws is None:
                raise ValueError(f"{self.fname}: you must provide the window size (ws)")
            stride = ws if stride is None else stride
            pad = (0,) * self.ndim if pad is None else pad
            static = [_static_ints(v) for v in (ws, stride, pad)]
            if all(s is not None for s in static):
                static = [_int_tuple(s, self.ndim, what, self.fname)
                          for s, what in zip(static, ("ws", "stride", "pad"))]
                self._check_params(*static)
            params = [_int_vector(v, self.ndim, what, self.fname)
                      for v, what in zip((ws, stride, pad), ("ws", "stride", "pad"))]
        elif ws is not None or stride is not None or pad is not None:
            raise TypeError(f"{self.fname}: this Pool has its window fixed ({self.name}); "
                            f"use Pool(ignore_border, mode, ndim) to give it as inputs")
        if self.ignore_border and self.ws is not None:
            known = [1 if b else (x.data.shape[i] if isinstance(x, Constant) else None)
                     for i, b in enumerate(x.broadcastable)][-self.ndim:]
            for axis, (n, w, p) in enumerate(zip(known, self.ws, self.pad)):
                if n is not None and n + 2 * p < w:
                    raise ValueError(self._too_small(x, axis, n))
        pattern = x.broadcastable[:-self.ndim] + (False,) * self.ndim
        return Apply(self, [x] + params, [TensorType(x.dtype, pattern)])

    def _too_small(self, x, axis, n):
        if self.ws is None:
            return (f"{self.fname}: the window (ws) is larger than input {describe(x)} (axis "
                    f"{x.ndim - self.ndim + axis}, padded by pad on each side) with "
                    f"ignore_border=True, which leaves no window")
        return (f"{self.fname}: ws {self.ws} is larger than input {describe(x)} "
                f"(axis {x.ndim - self.ndim + axis} has length {n}, padded by "
                f"{self.pad[axis]} on each side) with ignore_border=True, which leaves no "
                f"window")

    def lower(self, node, inputs, ctx):
        return self.lower_with(node, inputs, ctx, tf.nn.avg_pool2d)

    def lower_with(self, node, inputs, ctx, average):
        """The pooled input; ``average`` is the 2-d average pooling used for
        windows known when the graph is built (tf.nn.avg_pool2d's signature)."""
        var, x, nd = node.inputs[0], inputs[0], self.ndim
        if var.ndim == nd + 2:   # (batch, channels, *spatial): channels-last and back
            out, _ = self.pooled(node, tf.transpose(x, to_channels_last(var.ndim)),
                                 inputs[1:], ctx, average)
            return [tf.transpose(out, to_channels_first(var.ndim))]
        # all leading axes as channels
        shape = tf.shape(x)
        batched = tf.reshape(x, tf.concat([[1, -1], shape[var.ndim - nd:]], 0))
        out, lengths = self.pooled(node, tf.transpose(batched, to_channels_last(nd + 2)),
                                   inputs[1:], ctx, average)
        out = tf.transpose(out, to_channels_first(nd + 2))
        return [tf.reshape(out, tf.concat([shape[:var.ndim - nd], lengths], 0))]

    def _params(self, node, params, ctx):
        """(ws, stride, pad, run-time checks): tuples of ints when known when
        the graph is built, else lists of int32 scalar tensors, checked;
        ``params`` the tensors of the window's inputs, if it has them."""
        if self.ws is not None:
            return self.ws, self.stride, self.pad, []
        static = [static_vector(v) for v in node.inputs[1:]]
        if all(s is not None for s in static):
            return (*static, [])
        ws, stride, pad = ([tf.cast(v[i], tf.int32) for i in range(self.ndim)]
                           for v in params)
        name = self.fname
        checks = [(tf.reduce_all(tf.stack([w >= 1 for w in ws] + [s >= 1 for s in stride])),
                   f"{name}: ws and stride must be >= 1"),
                  (tf.reduce_all(tf.stack([tf.logical_and(p >= 0, p < w)
                                           for p, w in zip(pad, ws)])),
                   f"{name}: pad must be >= 0 and smaller than ws")]
        if not self.ignore_border:
            checks.append((tf.reduce_all(tf.stack([tf.equal(p, 0) for p in pad])),
                           f"{name}: padding works only with ignore_border=True"))
        # Everything computed from the sizes waits for their checks: the output
        # length divides by the stride, which would fail first for a zero one.
        ws, stride, pad = [[checked_all(ctx, v, checks) for v in group]
                           for group in (ws, stride, pad)]
        return ws, stride, pad, []

    def pooled(self, node, batched, params, ctx, average):
        """(pooled, output lengths) of channels-last ``batched`` (batch,
        *spatial, channels), the result channels-last; ``node`` (this op's or
        its ChannelsLastPool's) names the input in the run-time checks'
        messages, ``params`` as for ``_params``."""
        var, nd = node.inputs[0], self.ndim
        ws, stride, pad, checks = self._params(node, params, ctx)
        spatial = [tf.shape(batched)[1 + i] for i in range(nd)]
        if self.ignore_border:
            checks += [(tf.greater_equal(n + 2 * p, w), self._too_small(
                var, i, f"less than ws - 2 * pad = {w - 2 * p}" if self.ws else None))
                for i, (n, w, p) in enumerate(zip(spatial, ws, pad))]
        batched = checked_all(ctx, batched, checks)
        dtype = batched.dtype
        work = dtype if dtype.is_floating else tf.float64
        lengths = [pool_output_length(n, w, s, p, self.ignore_border)
                   for n, w, s, p in zip(spatial, ws, stride, pad)]
        windows = _Windows(ws, stride, pad, lengths, spatial, self.ignore_border, self.mode,
                           average)
        return tf.cast(windows.pool(tf.cast(batched, work)), dtype), lengths


class ChannelsLastPool(Op):
    """``pool`` (a ``Pool``) of channels-last images (batch, *spatial,
    channels), its result channels-last too: the form the compile-time layout
    rewrite gives a pooling of (batch, channels, *spatial) images, so that
    layers in a row stay channels-last."""
    __props__ = ("pool",)

    def __init__(self, pool):
        self.pool = pool

    def __str__(self):
        return f"ChannelsLast{self.pool}"

    def make_node(self, x, *params):
        x = as_tensor_variable(x)
        nd = self.pool.ndim
        if x.ndim != nd + 2:
            raise TypeError(f"{self}: input {describe(x)} must be {nd + 2}-d (batch, "
                            f"*spatial, channels), got {x.ndim}-d")
        pattern = (x.broadcastable[0],) + (False,) * nd + (x.broadcastable[-1],)
        return Apply(self, [x, *params], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        return self.lower_with(node, inputs, ctx, tf.nn.avg_pool2d)

    def lower_with(self, node, inputs, ctx, average):
        return [self.pool.pooled(node, inputs[0], inputs[1:], ctx, average)[0]]


def _lower_on_mesh(op, node, inputs, ctx):
    """On a mesh, averages by a convolution: DTensor (TF 2.21) has no layout
    rule for AvgPoolGrad, the average pooling's gradient."""
    return op.lower_with(node, inputs, ctx, _average_by_conv2d)


register_lowering(Pool, _lower_on_mesh, platform="mesh")
register_lowering(ChannelsLastPool, _lower_on_mesh, platform="mesh")


class _Windows:
    """Theano's pooling windows over the spatial axes of a channels-last
    (batch, *spatial, channels) tensor. Window parameters are Python ints
    (TensorFlow's pooling kernels, ``average`` for averages) or int tensors
    (the windows gathered)."""

    def __init__(self, ws, stride, pad, lengths, spatial, ignore_border, mode, average):
        self.ws, self.stride, self.pad, self.lengths = ws, stride, pad, lengths
        self.spatial, self.ignore_border, self.mode = spatial, ignore_border, mode
        self.average = average
        self.static = all(isinstance(v, int) for v in (*ws, *stride, *pad))

    def pool(self, x):
        x = self.padded(x)
        if self.mode == "max":
            return self.max(x)
        if self.static:
            total = _window_reduce(x, self.ws, self.stride, self.average) * _prod(self.ws)
        else:
            total = self.reduce(x, tf.reduce_sum)
        if self.mode == "sum":
            return total
        return total / self.counts(total.dtype)

    def padded(self, x):
        """``x`` with Theano's margins (-inf for max, 0 otherwise), so that
        every window lies inside it."""
        if self.ignore_border and self.static and not any(self.pad):
            return x  # VALID's windows are Theano's: no copy of x for padding
        fill = -np.inf if self.mode == "max" else 0
        pads = []
        for n, w, s, p, o in zip(self.spatial, self.ws, self.stride, self.pad, self.lengths):
            # with ignore_border, windows end within the padded input
            right = p if self.ignore_border else tf.maximum((o - 1) * s + w - n - p, 0)
            pads.append([p, right])
        return tf.pad(x, [[0, 0]] + pads + [[0, 0]], constant_values=fill)

    def counts(self, dtype):
        """The number of elements each average divides by: separable, an
        outer product of one vector per axis."""
        if self.mode == "average_inc_pad" and self.ignore_border:
            return tf.cast(_prod(self.ws), dtype)  # every window lies inside the padded input
        counts = None
        for axis, (n, w, s, p, o) in enumerate(zip(self.spatial, self.ws, self.stride,
                                                    self.pad, self.lengths)):
            lo, hi = (0, n + 2 * p) if self.mode == "average_inc_pad" else (p, n + p)
            starts = tf.range(o) * s
            count = tf.minimum(starts + w, hi) - tf.maximum(starts, lo)
            shape = [1] * (len(self.ws) + 2)
            shape[axis + 1] = -1
            count = tf.reshape(tf.cast(count, dtype), shape)
            counts = count if counts is None else counts * count
        return counts

    def max(self, x):
        """Window maxima whose gradient, as Theano's MaxPoolGrad, goes in full
        to every element of a window equal to its maximum (TensorFlow's goes
        to one of them)."""
        @custom_gradient
        def pooled(x):
            if self.static:
                out = _window_reduce(x, self.ws, self.stride, tf.nn.max_pool2d)
            else:
                out = self.reduce(x, tf.reduce_max)

            def grad(dy):
                if self.tiling():
                    return _tiled_maxima_gradient(x, out, dy, *self.ws)
                found = self.flat(x)
                hits = tf.equal(found, tf.reshape(out, [-1, 1]))
                chosen = tf.where(hits, tf.reshape(dy, [-1, 1]), tf.zeros((), dy.dtype))
                return vjp(self.flat, x, chosen)
            return out, grad
        return pooled(x)

    def tiling(self):
        """Whether the windows tile 2-d images (stride = ws, known), the
        common case, where a crop and a reshape find them."""
        return self.static and len(self.ws) == 2 and self.ws == self.stride

    def reduce(self, x, reduction):
        """``reduction`` over each window of padded ``x``."""
        shape = tf.shape(x)
        out_shape = tf.stack([shape[0]] + list(self.lengths) + [shape[-1]])
        return tf.reshape(reduction(self.flat(x), -1), out_shape)

    def flat(self, x):
        """(batch * o1 * o2 * ... * channels, w1 * w2 * ...): the windows of
        padded ``x``, one a row (a rank low enough for TensorFlow to
        broadcast against)."""
        nd = len(self.ws)
        windows = self.gather(x)
        order = [0] + [1 + 2 * i for i in range(nd)] + [1 + 2 * nd] + \
            [2 + 2 * i for i in range(nd)]
        return tf.reshape(tf.transpose(windows, order), tf.stack([-1, _prod(self.ws)]))

    def gather(self, x):
        """(batch, o1, w1, o2, w2, ..., channels): the windows of padded ``x``."""
        for i, (w, s, o) in enumerate(zip(self.ws, self.stride, self.lengths)):
            axis = 1 + 2 * i
            shape = tf.shape(x)
            if isinstance(w, int) and isinstance(s, int) and w == s:
                # non-overlapping windows: a crop and a reshape
                size = tf.concat([shape[:axis], [o * w], shape[axis + 1:]], 0)
                x = tf.slice(x, tf.zeros_like(shape), size)
                x = tf.reshape(x, tf.concat([shape[:axis], [o, w], shape[axis + 1:]], 0))
            else:
                x = tf.gather(x, tf.range(o)[:, None] * s + tf.range(w)[None, :], axis=axis)
        return x


# One fused loop (XLA) for the common case's gradient: as separate
# TensorFlow ops, the comparison and the selection each make a pass over a
# tensor of the input's size (LeNet's first pooling: 500 x 24 x 24 x 20),
# twice the time of TensorFlow's own MaxPoolGrad; fused, 1.2x.
@tf.function(jit_compile=True, reduce_retracing=True)
def _tiled_maxima_gradient(x, out, dy, w1, w2):
    """The gradient of 2-d max pooling ``out`` of channels-last ``x`` by
    windows of w1 x w2 tiling it (stride = window): ``dy`` of a window to
    each of its elements equal to its maximum, zero elsewhere and in the
    rows and columns past the last window."""
    shape, pooled = tf.shape(x), tf.shape(out)
    o1, o2, channels = pooled[1], pooled[2], pooled[3]
    windows = tf.reshape(tf.slice(x, [0, 0, 0, 0], [shape[0], o1 * w1, o2 * w2, channels]),
                         [-1, w1, o2, w2, channels])

    def per_window(values):
        return tf.reshape(values, [-1, 1, o2, 1, channels])
    chosen = tf.where(tf.equal(windows, per_window(out)), per_window(dy),
                      tf.zeros((), dy.dtype))
    chosen = tf.reshape(chosen, [shape[0], o1 * w1, o2 * w2, channels])
    return tf.pad(chosen, [[0, 0], [0, shape[1] - o1 * w1], [0, shape[2] - o2 * w2], [0, 0]])


def _prod(values):
    total = 1
    for v in values:
        total = total * v
    return total


def _average_by_conv2d(x, ws, stride, padding):
    """tf.nn.avg_pool2d as a convolution with a filter of ones on the diagonal of
    the channels: DTensor (TF 2.21) has no layout rule for AvgPoolGrad, the
    pooling's gradient, and has one for the convolution's. Used on meshes only:
    on one device it took 1.1-3.8x the pooling's time."""
    channels = x.shape[-1] if x.shape[-1] is not None else tf.shape(x)[-1]
    filters = tf.ones([*ws, 1, 1], x.dtype) * tf.eye(channels, dtype=x.dtype)
    return tf.nn.conv2d(x, filters, [1, *stride, 1], padding) / np.prod(ws)


def _window_reduce(x, ws, stride, pool2d):
    """VALID pooling of channels-last ``x`` over its 1, 2 or 3 spatial axes
    with TensorFlow's 2-d pooling (3-d pooling kernels lack float64): a 1-d
    window is a 2-d one of width 1, a 3-d window a 2-d one over (rows, cols)
    followed by one over depth."""
    if len(ws) == 1:
        wide = pool2d(tf.expand_dims(x, 2), [ws[0], 1], [stride[0], 1], "VALID")
        return tf.squeeze(wide, 2)
    if len(ws) == 2:
        return pool2d(x, ws, stride, "VALID")
    shape = tf.shape(x)
    flat = tf.reshape(x, tf.concat([[-1], shape[2:]], 0))                    # (n*d, r, c, ch)
    flat = pool2d(flat, ws[1:], stride[1:], "VALID")
    inner = tf.shape(flat)
    x = tf.reshape(flat, tf.stack([shape[0], shape[1], inner[1] * inner[2], inner[3]]))
    x = pool2d(x, [ws[0], 1], [stride[0], 1], "VALID")                       # over depth
    out = tf.shape(x)
    return tf.reshape(x, tf.stack([out[0], out[1], inner[1], inner[2], out[3]]))


class MaxPoolSameSize(Op):
    """Keeps the maximum of each non-overlapping patch where it is (every
    element equal to it), zero elsewhere; Theano's ``max_pool_2d_same_size``."""

    def __init__(self, patch_size):
        self.patch_size = _int_tuple(patch_size, 2, "patch_size", "max_pool_2d_same_size")
        self.pool = Pool(self.patch_size, ignore_border=True, mode="max")
        self.name = f"max_pool_2d_same_size{self.patch_size}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        self.pool.make_node(x)  # its checks
        return Apply(self, [x], [TensorType(x.dtype, x.broadcastable)])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        pooled = self.pool.lower(node, inputs, ctx)[0]
        r, c = self.patch_size
        up = tf.repeat(tf.repeat(pooled, r, axis=-2), c, axis=-1)
        shape, ups = tf.shape(x), tf.shape(up)
        rank = x.shape.rank
        pads = [[0, 0]] * (rank - 2) + [[0, shape[-2] - ups[-2]], [0, shape[-1] - ups[-1]]]
        up = tf.pad(up, pads)
        # the border left out of every patch is zero, as in Theano
        inside = tf.pad(tf.ones(ups, tf.bool), pads)
        return [tf.where(tf.logical_and(inside, tf.equal(x, up)), x, tf.zeros_like(x))]


NEIB_MODES = ("valid", "ignore_borders", "half", "full", "wrap_centered")

_TYPE_ERROR = "TypeError: "   # a check failing so raises TypeError (compile/errors.py)


class Images2Neibs(Op):
    """Windows of (n, s, rows, cols) images as rows of a matrix, in Theano's
    order (image by image, then window rows, then window columns):
    ``Images2Neibs(mode)(ten4, neib_shape, neib_step)``, the window's shape
    and step two-int vectors (the step defaults to the shape). Modes, as
    Theano's: 'valid' (the windows must tile the image), 'ignore_borders'
    (what is left over is dropped), 'half' and 'full' (valid after padding
    with shape // 2 or shape - 1 zeros), 'wrap_centered' (odd windows centred
    on every step-th pixel, wrapping around the image's edges)."""
    __props__ = ("mode",)

    def __init__(self, mode="valid"):
        if mode not in NEIB_MODES:
            raise NotImplementedError(f"images2neibs: only modes {', '.join(NEIB_MODES)} are "
                                      f"implemented, got {mode!r}")
        self.mode = mode

    def __str__(self):
        return f"Images2Neibs{{{self.mode}}}"

    def make_node(self, ten4, neib_shape, neib_step=None):
        ten4 = as_tensor_variable(ten4)
        if ten4.ndim != 4:
            raise TypeError(f"images2neibs: ten4 {describe(ten4)} must be a 4-d tensor, got "
                            f"{ten4.ndim}-d")
        neib_shape = _int_vector(neib_shape, 2, "neib_shape", "images2neibs")
        neib_step = neib_shape if neib_step is None else \
            _int_vector(neib_step, 2, "neib_step", "images2neibs")
        return Apply(self, [ten4, neib_shape, neib_step], [TensorType(ten4.dtype, (False, False))])

    def connection_pattern(self, node):
        return [[True], [False], [False]]

    def lower(self, node, inputs, ctx):
        x, shape, step = inputs[0], tf.cast(inputs[1], tf.int32), tf.cast(inputs[2], tf.int32)
        c, d = shape[0], shape[1]
        size = tf.shape(x)
        checks = [(tf.reduce_all(step > 0), "images2neibs: neib_step must be positive"),
                  (tf.reduce_all(shape > 0), "images2neibs: neib_shape must be positive")]
        if self.mode == "wrap_centered":
            checks += [(tf.reduce_all(shape % 2 == 1),
                        _TYPE_ERROR + "images2neibs: mode wrap_centered needs windows of "
                        "odd shapes"),
                       (tf.reduce_all(size[2:] >= shape),
                        _TYPE_ERROR + "images2neibs: mode wrap_centered needs images no "
                        "smaller than the window")]
            x = checked_all(ctx, x, checks)
            rows = _wrapped(size[2], c, step[0])                    # (grid rows, c)
            cols = _wrapped(size[3], d, step[1])                    # (grid cols, d)
            windows = tf.gather(tf.gather(x, rows, axis=2), cols, axis=4)
            windows = tf.transpose(windows, [0, 1, 2, 4, 3, 5])     # (n, s, gr, gc, c, d)
            return [tf.reshape(windows, tf.stack([-1, c * d]))]
        pads = {"half": shape // 2, "full": shape - 1}.get(self.mode, tf.zeros([2], tf.int32))
        if self.mode != "ignore_borders":
            for axis in (0, 1):
                padded = size[2 + axis] + 2 * pads[axis]
                checks.append((tf.logical_and(size[2 + axis] >= shape[axis],
                                              tf.equal((padded - shape[axis]) % step[axis], 0)),
                               f"{_TYPE_ERROR}images2neibs: neib_shape, neib_step and the "
                               f"input's axis {2 + axis} are not consistent in mode "
                               f"'{self.mode}' (windows must tile it exactly)"))
        x = checked_all(ctx, x, checks)
        images = tf.reshape(x, tf.concat([[-1], size[2:], [1]], 0))
        images = tf.pad(images, tf.stack([[0, 0], [pads[0]] * 2, [pads[1]] * 2, [0, 0]]))
        windows = patches(images, c, d, (step[0], step[1]), (1, 1))   # (ns, gr, gc, c, d, 1)
        return [tf.reshape(windows, tf.stack([-1, c * d]))]


def _wrapped(length, window, step):
    """(ceil(length / step), window) indices of windows centred on every
    step-th position, wrapping around an axis of ``length``."""
    starts = tf.range(0, length, step)[:, None] - window // 2
    return (starts + tf.range(window)[None, :]) % length


class Neibs2Images(Op):
    """The inverse of ``Images2Neibs`` for windows that tile the images
    (step = shape): ``Neibs2Images(mode)(neibs, neib_shape, original_shape)``,
    in mode 'valid', or 'ignore_borders' with zeros where no window reached
    (Theano's ``neibs2images`` supports these two)."""
    __props__ = ("mode",)

    def __init__(self, mode="valid"):
        if mode not in ("valid", "ignore_borders"):
            raise NotImplementedError(f"neibs2images does not support mode={mode!r}")
        self.mode = mode

    def __str__(self):
        return "Neibs2Images"

    def make_node(self, neibs, neib_shape, original_shape):
        neibs, original_shape = as_tensor_variable(neibs), as_tensor_variable(original_shape)
        if neibs.ndim != 2:
            raise TypeError(f"neibs2images: neibs {describe(neibs)} must be a matrix")
        if original_shape.ndim != 1 or not dtypes.is_discrete(original_shape.dtype):
            raise TypeError("neibs2images: original_shape must be a vector of 4 ints")
        neib_shape = _int_vector(neib_shape, 2, "neib_shape", "neibs2images")
        return Apply(self, [neibs, neib_shape, original_shape],
                     [TensorType(neibs.dtype, (False,) * 4)])

    def connection_pattern(self, node):
        return [[True], [False], [False]]

    def lower(self, node, inputs, ctx):
        neibs, window, shape = (inputs[0], tf.cast(inputs[1], tf.int32),
                                tf.cast(inputs[2], tf.int32))
        shape = checked_all(ctx, shape, [(tf.equal(tf.size(shape), 4),
                                          "neibs2images: original_shape must have 4 entries")])
        grid = shape[2:] // window                           # windows along rows, columns
        blocks = tf.reshape(neibs, tf.concat([shape[:2], grid, window], 0))
        images = tf.reshape(tf.transpose(blocks, [0, 1, 2, 4, 3, 5]),
                            tf.concat([shape[:2], grid * window], 0))
        if self.mode == "ignore_borders":   # zeros where the windows did not reach
            margin = shape[2:] - grid * window
            images = tf.pad(images, tf.stack([[0, 0], [0, 0], [0, margin[0]], [0, margin[1]]]))
        return [tf.reshape(images, shape)]
