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
"""
import numbers

import numpy as np

from tfgraph import distribute, dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.conv import (_checked, _patches, _vjp, channels_last, describe,
                              remember_channels_last)
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


def pool_output_length(size, ws, stride, pad, ignore_border):
    """Theano's number of windows along one axis (``size`` int or tensor)."""
    size = size + 2 * pad
    if ignore_border:
        out = (size - ws) // stride + 1
        return max(out, 0) if isinstance(out, int) else tf.maximum(out, 0)
    if stride >= ws:
        return (size - 1) // stride + 1
    out = (size - 1 - ws + stride) // stride
    return (max(out, 0) if isinstance(out, int) else tf.maximum(out, 0)) + 1


class Pool(Op):
    """``Pool(ws, stride, pad, ignore_border, mode, ndim)(x)`` pools the last
    ``ndim`` axes of ``x``."""

    def __init__(self, ws, stride=None, pad=None, ignore_border=False, mode="max", ndim=2):
        self.fname = f"pool_{ndim}d"
        if mode == "max_deterministic":
            mode = "max"
        if mode not in MODES:
            raise ValueError(f"{self.fname}: mode must be one of {MODES}, got {mode!r}")
        self.ndim = ndim
        self.ws = _int_tuple(ws, ndim, "ws", self.fname)
        self.stride = _int_tuple(self.ws if stride is None else stride, ndim, "stride",
                                 self.fname)
        self.pad = _int_tuple((0,) * ndim if pad is None else pad, ndim, "pad", self.fname)
        self.ignore_border, self.mode = bool(ignore_border), mode
        if min(self.ws) < 1 or min(self.stride) < 1 or min(self.pad) < 0:
            raise ValueError(f"{self.fname}: ws {self.ws} and stride {self.stride} must be "
                             f">= 1 and pad {self.pad} >= 0")
        if any(self.pad) and not self.ignore_border:
            raise NotImplementedError(f"{self.fname}: padding works only with "
                                      f"ignore_border=True")
        if any(p >= w for p, w in zip(self.pad, self.ws)):
            raise NotImplementedError(f"{self.fname}: pad {self.pad} must be smaller than "
                                      f"ws {self.ws}")
        self.name = f"Pool{{{mode}, ws={self.ws}, stride={self.stride}, pad={self.pad}, " \
                    f"ignore_border={self.ignore_border}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim < self.ndim:
            raise TypeError(f"{self.fname}: input {describe(x)} needs at least {self.ndim} "
                            f"dimensions, got {x.ndim}")
        if x.dtype.startswith("complex") or x.dtype == "bool":
            raise TypeError(f"{self.fname}: input {describe(x)} must be real numbers, "
                            f"got {x.dtype}")
        if self.ignore_border:
            known = [1 if b else (x.data.shape[i] if isinstance(x, Constant) else None)
                     for i, b in enumerate(x.broadcastable)][-self.ndim:]
            for axis, (n, w, p) in enumerate(zip(known, self.ws, self.pad)):
                if n is not None and n + 2 * p < w:
                    raise ValueError(self._too_small(x, axis, n))
        pattern = x.broadcastable[:-self.ndim] + (False,) * self.ndim
        return Apply(self, [x], [TensorType(x.dtype, pattern)])

    def _too_small(self, x, axis, n):
        return (f"{self.fname}: ws {self.ws} is larger than input {describe(x)} "
                f"(axis {x.ndim - self.ndim + axis} has length {n}, padded by "
                f"{self.pad[axis]} on each side) with ignore_border=True, which leaves no "
                f"window")

    def lower(self, node, inputs, ctx):
        out, out_last = self.pooled(node.inputs[0], inputs[0], ctx)
        if out_last is not None:
            remember_channels_last(ctx, node.outputs[0], out_last)
        return [out]

    def pooled(self, var, x, ctx):
        """(pooled ``x``, its channels-last form or None) for input variable ``var``."""
        nd = self.ndim
        # (batch, *spatial, channels): 4-d/5-d NCHW inputs channels-last, the
        # others with all leading axes as channels.
        if var.ndim == nd + 2:
            batched = channels_last(ctx, var)
            spatial = [tf.shape(batched)[1 + i] for i in range(nd)]
        else:
            shape = tf.shape(x)
            spatial = [shape[var.ndim - nd + i] for i in range(nd)]
            batched = tf.reshape(x, tf.concat([[1, -1], spatial], 0))
            batched = tf.transpose(batched, [0] + list(range(2, 2 + nd)) + [1])
        if self.ignore_border:
            batched = _checked(batched, [(tf.greater_equal(n + 2 * p, w), self._too_small(
                var, i, f"less than ws - 2 * pad = {w - 2 * p}"))
                for i, (n, w, p) in enumerate(zip(spatial, self.ws, self.pad))])
        dtype = batched.dtype
        work = dtype if dtype.is_floating else tf.float64
        lengths = [pool_output_length(n, w, s, p, self.ignore_border)
                   for n, w, s, p in zip(spatial, self.ws, self.stride, self.pad)]
        out_last = tf.cast(self._pool(tf.cast(batched, work), spatial, lengths), dtype)
        out = tf.transpose(out_last, [0, nd + 1] + list(range(1, nd + 1)))
        if var.ndim != nd + 2:
            out = tf.reshape(out, tf.concat([tf.shape(x)[:var.ndim - nd], lengths], 0))
            out_last = None
        return out, out_last

    def _pool(self, x, spatial, lengths):
        """Pool channels-last ``x`` with Theano's windows."""
        if self.ignore_border and not any(self.pad):
            pass  # VALID's windows are Theano's: no copy of x for padding
        else:
            fill = -np.inf if self.mode == "max" else 0
            pads = []
            for n, w, s, p, o in zip(spatial, self.ws, self.stride, self.pad, lengths):
                # with ignore_border, windows end within the padded input
                right = p if self.ignore_border else tf.maximum((o - 1) * s + w - n - p, 0)
                pads.append([p, right])
            x = tf.pad(x, [[0, 0]] + pads + [[0, 0]], constant_values=fill)
        if self.mode == "max":
            return _window_reduce(x, self.ws, self.stride, tf.nn.max_pool2d)
        average = tf.nn.avg_pool2d if distribute.lowering_for() is None else _average_by_conv2d
        total = _window_reduce(x, self.ws, self.stride, average) * np.prod(self.ws)
        if self.mode == "sum" or (self.mode == "average_inc_pad" and self.ignore_border):
            # every window lies inside the padded input: ws elements each
            return total if self.mode == "sum" else total / np.prod(self.ws)
        counts = None
        for axis, (n, w, s, p, o) in enumerate(zip(spatial, self.ws, self.stride, self.pad,
                                                    lengths)):
            lo, hi = (0, n + 2 * p) if self.mode == "average_inc_pad" else (p, n + p)
            starts = tf.range(o) * s
            count = tf.minimum(starts + w, hi) - tf.maximum(starts, lo)
            shape = [1] * (len(self.ws) + 2)
            shape[axis + 1] = -1
            count = tf.reshape(tf.cast(count, total.dtype), shape)
            counts = count if counts is None else counts * count
        return total / counts


def _average_by_conv2d(x, ws, stride, padding):
    """tf.nn.avg_pool2d as a convolution with a filter of ones on the diagonal of
    the channels: DTensor (TF 2.21) has no layout rule for AvgPoolGrad, the
    pooling's gradient, and has one for the convolution's. Used on meshes only:
    on one device it took 1.1-3.8x the pooling's time."""
    channels = x.shape[-1] if x.shape[-1] is not None else tf.shape(x)[-1]
    filters = tf.ones([*ws, 1, 1], x.dtype) * tf.eye(channels, dtype=x.dtype)
    return tf.nn.conv2d(x, filters, [1, *stride, 1], padding) / np.prod(ws)


def _window_reduce(x, ws, stride, pool2d):
    """VALID pooling of channels-last ``x`` over its 2 or 3 spatial axes with
    TensorFlow's 2-d pooling (3-d pooling kernels lack float64): a 3-d window
    is a 2-d one over (rows, cols) followed by one over depth."""
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
        pooled = self.pool.pooled(node.inputs[0], x, ctx)[0]
        r, c = self.patch_size
        up = tf.repeat(tf.repeat(pooled, r, axis=-2), c, axis=-1)
        shape, ups = tf.shape(x), tf.shape(up)
        rank = x.shape.rank
        pads = [[0, 0]] * (rank - 2) + [[0, shape[-2] - ups[-2]], [0, shape[-1] - ups[-1]]]
        up = tf.pad(up, pads)
        # the border left out of every patch is zero, as in Theano
        inside = tf.pad(tf.ones(ups, tf.bool), pads)
        return [tf.where(tf.logical_and(inside, tf.equal(x, up)), x, tf.zeros_like(x))]


NEIB_MODES = ("valid", "ignore_borders", "half", "full")


class Images2Neibs(Op):
    """Windows of (n, s, rows, cols) images as rows of a matrix, in Theano's
    order (image by image, then window rows, then window columns)."""

    def __init__(self, neib_shape, neib_step=None, mode="valid"):
        if mode == "wrap_centered":
            raise NotImplementedError("images2neibs: mode 'wrap_centered' is not implemented")
        if mode not in NEIB_MODES:
            raise ValueError(f"images2neibs: mode must be one of {NEIB_MODES}, got {mode!r}")
        self.shape = _int_tuple(neib_shape, 2, "neib_shape", "images2neibs")
        self.step = _int_tuple(self.shape if neib_step is None else neib_step, 2,
                               "neib_step", "images2neibs")
        if min(self.shape) < 1 or min(self.step) < 1:
            raise ValueError(f"images2neibs: neib_shape {self.shape} and neib_step "
                             f"{self.step} must be positive")
        self.mode = mode
        self.name = f"Images2Neibs{{{mode}}}"

    def make_node(self, ten4):
        ten4 = as_tensor_variable(ten4)
        if ten4.ndim != 4:
            raise TypeError(f"images2neibs: ten4 {describe(ten4)} must be a 4-d tensor, got "
                            f"{ten4.ndim}-d")
        return Apply(self, [ten4], [TensorType(ten4.dtype, (False, False))])

    def lower(self, node, inputs, ctx):
        x = inputs[0]
        shape = tf.shape(x)
        (c, d), (sr, sc) = self.shape, self.step
        pads = {"half": (c // 2, d // 2), "full": (c - 1, d - 1)}.get(self.mode, (0, 0))
        checks = []
        if self.mode in ("valid", "half", "full"):
            for axis, k, step, p in ((2, c, sr, pads[0]), (3, d, sc, pads[1])):
                padded = shape[axis] + 2 * p
                checks.append((tf.logical_and(shape[axis] >= k,
                                              tf.equal((padded - k) % step, 0)),
                               f"images2neibs: neib_shape {self.shape}, neib_step {self.step} "
                               f"and the input's axis {axis} are not consistent in mode "
                               f"'{self.mode}' (windows must tile it exactly)"))
        x = _checked(x, checks)
        images = tf.reshape(x, tf.concat([[-1], shape[2:], [1]], 0))
        images = tf.pad(images, [[0, 0], [pads[0]] * 2, [pads[1]] * 2, [0, 0]])
        windows = _patches(images, c, d, self.step, (1, 1))     # (ns, gr, gc, c, d, 1)
        return [tf.reshape(windows, [-1, c * d])]


class Neibs2Images(Op):
    """The adjoint of ``Images2Neibs``: windows summed back into images of
    ``original_shape`` (for non-overlapping windows, their exact inverse)."""

    def __init__(self, neib_shape, mode="valid"):
        self.neibs = Images2Neibs(neib_shape, None, mode)
        self.name = "Neibs2Images"

    def make_node(self, neibs, original_shape):
        neibs, original_shape = as_tensor_variable(neibs), as_tensor_variable(original_shape)
        if neibs.ndim != 2:
            raise TypeError(f"neibs2images: neibs {describe(neibs)} must be a matrix")
        if original_shape.ndim != 1 or not dtypes.is_discrete(original_shape.dtype):
            raise TypeError("neibs2images: original_shape must be a vector of 4 ints")
        return Apply(self, [neibs, original_shape],
                     [TensorType(neibs.dtype, (False,) * 4)])

    def lower(self, node, inputs, ctx):
        neibs, shape = inputs
        images = tf.zeros(tf.cast(shape, tf.int32), neibs.dtype)
        return [_vjp(lambda x: self.neibs.lower(node, [x], ctx)[0], images, neibs)]
