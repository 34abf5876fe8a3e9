"""Convolutions (Theano's abstract convolution ops), type rule and lowering.

Theano lays images out as (batch, channels, *spatial) and filters as
(out channels, in channels / groups, *spatial); ``filter_flip=True`` (the
default) is a true convolution, which flips the filters, where TensorFlow
correlates. On CPU TensorFlow's convolutions are fastest channels-last: the
convolution is computed on NHWC / NDHWC images. ``ChannelsLastConv`` is that
form as an op of its own, which the compile-time layout rewrite
(tfgraph.compile.layout) puts between channels-last layers.

Three ops per dimensionality, as in Theano: the forward convolution, its
gradient with respect to the inputs (the transposed convolution) and with
respect to the filters. The two gradients are lowered as the vector-Jacobian
products of the forward lowering, so all three share one implementation of
borders, strides, dilation, groups and unshared filters, and each has
gradients itself.
"""
import numbers

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor, checked_all
from tfgraph.ops.layout import to_channels_first, to_channels_last
from tfgraph.ops.spatial import describe, patches, static_vector, vjp
from tfgraph._tf import tf

BORDER_NAMES = ("valid", "full", "half")


def normalize_border_mode(border_mode, convdim):
    """Theano's normal form of ``border_mode``: 'valid', 'full', 'half', or a
    tuple with one int (symmetric) or (left, right) pair per spatial axis."""
    if isinstance(border_mode, numbers.Integral) and not isinstance(border_mode, bool):
        if border_mode < 0:
            raise ValueError(f"invalid border_mode {border_mode}: a padding must be >= 0")
        border_mode = (int(border_mode),) * convdim
    elif isinstance(border_mode, (tuple, list)):
        border_mode = tuple(border_mode)
        if len(border_mode) != convdim:
            raise ValueError(f"invalid border_mode {border_mode}: it must have {convdim} "
                             f"elements, one per spatial axis")
        normal = []
        for mode in border_mode:
            if isinstance(mode, (tuple, list)) and len(mode) == 2 and all(
                    isinstance(m, numbers.Integral) and m >= 0 for m in mode):
                if convdim != 2:
                    raise NotImplementedError(f"asymmetric padding {border_mode} is only "
                                              f"implemented for 2-d convolutions")
                mode = int(mode[0]) if mode[0] == mode[1] else (int(mode[0]), int(mode[1]))
            elif not (isinstance(mode, numbers.Integral) and mode >= 0):
                raise ValueError(f"invalid border_mode {border_mode}: its elements must be "
                                 f"non-negative ints or (left, right) pairs of them")
            normal.append(mode if isinstance(mode, tuple) else int(mode))
        border_mode = tuple(normal)
        if all(m == 0 for m in border_mode):
            border_mode = "valid"
    elif border_mode not in BORDER_NAMES:
        raise ValueError(f"invalid border_mode {border_mode!r}: use 'valid', 'full', 'half', "
                         f"an int or a tuple of {convdim}")
    return border_mode


def border_pads(border_mode, dilated_kernel):
    """(left, right) zero padding per spatial axis; ``dilated_kernel`` holds
    ints or scalar tensors (the kernel extents after dilation)."""
    if border_mode == "valid":
        return [(0, 0)] * len(dilated_kernel)
    if border_mode == "full":
        return [(k - 1, k - 1) for k in dilated_kernel]
    if border_mode == "half":
        return [(k // 2, k // 2) for k in dilated_kernel]
    return [m if isinstance(m, tuple) else (m, m) for m in border_mode]


def output_length(size, kernel, border, stride, dilation):
    """Theano's output length of one axis (None if ``size`` or ``kernel`` is)."""
    if size is None or kernel is None:
        return None
    dilated = (kernel - 1) * dilation + 1
    (left, right), = border_pads(border if isinstance(border, str) else (border,), [dilated])
    return (size + left + right - dilated) // stride + 1


def _ints(values, length, what):
    values = tuple(values)
    if len(values) != length or not all(isinstance(v, numbers.Integral) for v in values):
        raise ValueError(f"{what} must be a tuple of {length} ints, got {values}")
    return tuple(int(v) for v in values)


def _shape_hint(shape, length, what):
    """A user's imshp/kshp: a tuple of ints or None (unknown), or None."""
    if not shape:
        return (None,) * length
    shape = tuple(shape)
    if len(shape) != length:
        raise ValueError(f"{what} must have {length} elements, got {shape}")
    hint = []
    for s in shape:
        if isinstance(s, Constant):
            s = s.data.item()
        if s is not None and not isinstance(s, numbers.Integral):
            raise ValueError(f"{what} should be None or a tuple of constant ints, got {shape}")
        hint.append(None if s is None else int(s))
    return tuple(hint)


def known_shape(var, hint=None):
    """What is known of ``var``'s shape at build time: the given hint, a
    constant's shape, 1 for broadcastable dimensions; None elsewhere."""
    if isinstance(var, Constant):
        return tuple(var.data.shape)
    hint = hint or (None,) * var.ndim
    return tuple(h if h is not None else (1 if b else None)
                 for h, b in zip(hint, var.broadcastable))


class BaseConv(Op):
    """Parameters shared by the forward convolution and its two gradients."""

    def __init__(self, convdim, imshp=None, kshp=None, border_mode="valid", subsample=None,
                 filter_flip=True, filter_dilation=None, num_groups=1, unshared=False):
        if convdim not in (2, 3):
            raise ValueError(f"convolutions are 2-d or 3-d, not {convdim}-d")
        if unshared and convdim != 2:
            raise NotImplementedError("unshared convolution is only implemented in 2-d")
        self.convdim = convdim
        self.border_mode = normalize_border_mode(border_mode, convdim)
        self.subsample = _ints(subsample or (1,) * convdim, convdim, "subsample")
        self.filter_dilation = _ints(filter_dilation or (1,) * convdim, convdim,
                                     "filter_dilation")
        if any(s < 1 for s in self.subsample + self.filter_dilation):
            raise ValueError(f"subsample {self.subsample} and filter_dilation "
                             f"{self.filter_dilation} must be >= 1")
        if not isinstance(num_groups, numbers.Integral) or num_groups < 1:
            raise ValueError(f"num_groups must be an int greater than zero, got {num_groups!r}")
        self.num_groups = int(num_groups)
        self.filter_flip = bool(filter_flip)
        self.unshared = bool(unshared)
        self.imshp = _shape_hint(imshp, 2 + convdim, "imshp (input_shape)")
        self.kshp = _shape_hint(kshp, (2 + 2 * convdim) if unshared else (2 + convdim),
                                "kshp (filter_shape)")

    def _props(self):
        return (type(self), self.convdim, self.border_mode, self.subsample, self.filter_flip,
                self.filter_dilation, self.num_groups, self.unshared, self.imshp, self.kshp)

    def __eq__(self, other):
        return isinstance(other, BaseConv) and self._props() == other._props()

    def __hash__(self):
        return hash(self._props())

    def __str__(self):
        return f"{type(self).__name__}{{{self.border_mode}, {self.subsample}, " \
               f"{self.filter_flip}, {self.filter_dilation}, {self.num_groups}}}"

    # --- build-time checks -----------------------------------------------------

    def _check_ndim(self, var, what, ndim=None):
        ndim = ndim or 2 + self.convdim
        if var.ndim != ndim:
            raise TypeError(f"{self.fname}: {what} {describe(var)} must be a {ndim}-d tensor "
                            f"({self._layout(what)}), got {var.ndim}-d {var.type}")
        if var.dtype.startswith("complex"):
            raise TypeError(f"{self.fname}: {what} {describe(var)} must be real, got {var.dtype}")

    def _layout(self, what):
        spatial = ("rows", "cols") if self.convdim == 2 else ("depth", "rows", "cols")
        if what == "filters":
            head = ("out channels", "rows", "cols", "in channels") if self.unshared \
                else ("out channels", "in channels")
        else:
            head = ("batch", "channels")
        return ", ".join(head + spatial)

    def _check_channels(self, image_channels, kernel_channels, image, kernel):
        if image_channels is not None and image_channels % self.num_groups:
            raise ValueError(f"{self.fname}: input {describe(image)} has {image_channels} "
                             f"channels, not a multiple of num_groups={self.num_groups}")
        if image_channels is not None and kernel_channels is not None \
                and image_channels != kernel_channels * self.num_groups:
            raise ValueError(
                f"{self.fname}: input {describe(image)} has {image_channels} channels but "
                f"filters {describe(kernel)} expect {kernel_channels * self.num_groups} "
                f"({kernel_channels} per group x num_groups={self.num_groups})")

    @property
    def fname(self):
        return f"conv{self.convdim}d"

    def axis_borders(self):
        """The border mode of each spatial axis."""
        b = self.border_mode
        return [b] * self.convdim if isinstance(b, str) else list(b)

    def spatial_shape(self, shape, hint, what, hint_name):
        """A gradient op's ``shape`` argument (the spatial sizes of the
        ``what`` it computes the gradient wrt) as an int vector variable."""
        if shape is None:
            shape = hint[-self.convdim:]
            if None in shape:
                raise ValueError(f"{self.fname} gradient wrt {what}: give their spatial "
                                 f"shape, as `shape` or in {hint_name}")
        shape = as_tensor_variable(shape)
        if shape.ndim != 1 or not dtypes.is_discrete(shape.dtype):
            raise TypeError(f"{self.fname} gradient wrt {what}: shape must be a vector of "
                            f"{self.convdim} ints, got {shape.type}")
        return shape

    # --- lowering helpers --------------------------------------------------------

    def spatial_kernel(self, kernel, hint):
        """The filters' spatial extents: ints where known, else tensors."""
        dynamic = tf.shape(kernel)[-self.convdim:]
        return [h if h is not None else dynamic[i]
                for i, h in enumerate(hint[-self.convdim:])]

    def forward(self, image, kernel, kernel_extent, platform=None):
        """The convolution of channels-last ``image`` with Theano-layout
        ``kernel``, as Theano defines it, channels-last; ``kernel_extent`` the
        filters' spatial sizes; ``platform`` the lowering's (flips differ)."""
        nd = self.convdim
        if self.filter_flip:
            kernel = _flipped(kernel, nd, platform)
        dilated = [(k - 1) * d + 1 for k, d in zip(kernel_extent, self.filter_dilation)]
        pads = border_pads(self.border_mode, dilated)
        if self.unshared:
            return self._unshared(image, kernel, pads)
        kernel = tf.transpose(kernel, list(range(2, 2 + nd)) + [1, 0])  # (*K, in, out)
        return self._shared(image, kernel, pads)

    def forward_channels_first(self, image, kernel, kernel_extent, platform=None):
        """``forward`` of an (batch, channels, *spatial) image, laid out so."""
        ndim = self.convdim + 2
        out = self.forward(tf.transpose(image, to_channels_last(ndim)), kernel, kernel_extent,
                           platform)
        return tf.transpose(out, to_channels_first(ndim))

    def _shared(self, image, kernel, pads):
        nd = self.convdim
        static = all(isinstance(p, int) for pair in pads for p in pair)
        if nd == 2 and static:
            padding = "VALID" if not any(l or r for l, r in pads) else \
                [[0, 0]] + [list(p) for p in pads] + [[0, 0]]
        else:
            image = _pad(image, pads)
            padding = "VALID"
        conv = tf.nn.conv2d if nd == 2 else tf.nn.conv3d
        strides = [1, *self.subsample, 1]
        # TensorFlow's CPU gradients of dilated convolutions are missing:
        # dilate the kernel itself (zeros between its taps) instead.
        kernel = _dilate(kernel, self.filter_dilation)
        dilations = [1] * (nd + 2)
        if self.num_groups == 1:
            return conv(image, kernel, strides, padding, dilations=dilations)
        # one convolution per group: TensorFlow's CPU kernels have no gradients
        # of grouped convolutions
        images = tf.split(image, self.num_groups, axis=-1)
        kernels = tf.split(kernel, self.num_groups, axis=-1)
        return tf.concat([conv(i, k, strides, padding, dilations=dilations)
                          for i, k in zip(images, kernels)], axis=-1)

    def _unshared(self, image, kernel, pads):
        """Locally connected: filters (out, rows, cols, in/groups, kr, kc), one
        per output position; patches of the image times the matching filter."""
        image = _pad(image, pads)
        g = self.num_groups
        kr, kc = tf.shape(kernel)[4], tf.shape(kernel)[5]
        windows = patches(image, kr, kc, self.subsample, self.filter_dilation)
        # windows: (batch, out rows, out cols, kr, kc, channels)
        shape = tf.shape(windows)
        windows = tf.reshape(windows, tf.concat([shape[:5], [g, shape[5] // g]], 0))
        ks = tf.shape(kernel)
        kernel = tf.reshape(kernel, tf.concat([[g, ks[0] // g], ks[1:]], 0))
        out = tf.einsum("nijabgc,goijcab->nijgo", windows, kernel)
        s = tf.shape(out)
        return tf.reshape(out, tf.concat([s[:3], [s[3] * s[4]]], 0))


def _flipped(kernel, nd, platform):
    """``kernel`` reversed along its last ``nd`` (spatial) axes. On one device
    by ``tf.reverse``: the reversing slice (strides of -1) took 4x its time
    (385 against 83 us for LeNet's 50 x 20 x 5 x 5 filters, and as much again
    for its gradient). On a mesh by the slice: DTensor (tfgraph.distribute)
    has no layout rule for ReverseV2."""
    rank = kernel.shape.rank
    if platform != "mesh":
        return tf.reverse(kernel, list(range(rank - nd, rank)))
    return kernel[tuple([slice(None)] * (rank - nd) + [slice(None, None, -1)] * nd)]


def _dilate(kernel, dilation):
    """``kernel`` (*K, in, out) with d - 1 zeros between taps along each axis."""
    for axis, d in enumerate(dilation):
        if d == 1:
            continue
        shape = tf.shape(kernel)
        taps = tf.expand_dims(kernel, axis + 1)
        zeros_shape = tf.tensor_scatter_nd_update(tf.shape(taps), [[axis + 1]], [d - 1])
        spread = tf.concat([taps, tf.zeros(zeros_shape, kernel.dtype)], axis + 1)
        merged = tf.concat([shape[:axis], [shape[axis] * d], shape[axis + 1:]], 0)
        kernel = tf.reshape(spread, merged)
        kernel = kernel[(slice(None),) * axis + (slice(None, (shape[axis] - 1) * d + 1),)]
    return kernel


def _pad(image, pads):
    """Zero-pad the spatial axes of a channels-last image."""
    if all(isinstance(p, int) and p == 0 for pair in pads for p in pair):
        return image
    return tf.pad(image, [[0, 0]] + [[l, r] for l, r in pads] + [[0, 0]])


class Conv(BaseConv):
    """The forward convolution: ``Conv(...)(image, filters)``."""

    def make_node(self, img, kern):
        img, kern = as_tensor_variable(img), as_tensor_variable(kern)
        self._check_ndim(img, "input")
        self._check_ndim(kern, "filters", 2 + (2 if self.unshared else 1) * self.convdim)
        imshape, kshape = known_shape(img, self.imshp), known_shape(kern, self.kshp)
        self._check_channels(imshape[1], kshape[-self.convdim - 1], img, kern)
        self._check_extent(imshape, kshape, img, kern)
        dtype = dtypes.upgrade_to_float(img.dtype)
        out = TensorType(dtype, (img.broadcastable[0], kern.broadcastable[0]) +
                         (False,) * self.convdim)
        return Apply(self, [img, kern], [out])

    def _check_extent(self, imshape, kshape, img, kern):
        nd = self.convdim
        lengths = [output_length(i, k, b, s, d) for i, k, b, s, d in zip(
            imshape[2:], kshape[-nd:], self.axis_borders(), self.subsample,
            self.filter_dilation)]
        if any(n is not None and n < 1 for n in lengths):
            raise ValueError(f"{self.fname}: filters {describe(kern)} of spatial shape "
                             f"{kshape[-nd:]} (dilation {self.filter_dilation}) do not fit in "
                             f"input {describe(img)} of spatial shape {imshape[2:]} with "
                             f"border_mode={self.border_mode!r}")

    def lower(self, node, inputs, ctx):
        ndim = self.convdim + 2
        image = tf.transpose(inputs[0], to_channels_last(ndim))
        return [tf.transpose(self.lower_channels_last(node, image, inputs[1], ctx),
                             to_channels_first(ndim))]

    def lower_channels_last(self, node, image, kern, ctx):
        """The convolution of channels-last ``image``, channels-last. ``node``
        (this op's or its ChannelsLastConv's) names the input and the filters
        in the run-time checks' messages."""
        dtype = node.outputs[0].dtype
        image, kern = cast_tensor(image, dtype), cast_tensor(kern, dtype)
        kshape = known_shape(node.inputs[1], self.kshp)
        kern = checked_all(ctx, kern, self.input_checks(node, tf.shape(image)[-1], kern))
        return self.forward(image, kern, self.spatial_kernel(kern, kshape), ctx.platform)

    def input_checks(self, node, channels, kern):
        """Run-time rules, (condition, message) pairs, of what the types could
        not tell: channel counts.
        (The declared imshp/kshp are hints, not checked, as with Theano's
        default conv.assert_shape=False.)"""
        i_name, k_name = describe(node.inputs[0]), describe(node.inputs[1])
        kchannels = tf.shape(kern)[-self.convdim - 1]
        checks = [(tf.equal(channels, kchannels * self.num_groups),
                   f"{self.fname}: the channels of input {i_name} (its shape[1]) must equal "
                   f"those of filters {k_name} (shape[{1 if not self.unshared else 3}]) "
                   f"times num_groups={self.num_groups}")]
        if self.num_groups > 1:
            checks.append((tf.equal(tf.shape(kern)[0] % self.num_groups, 0),
                           f"{self.fname}: the number of filters {k_name} must be a multiple "
                           f"of num_groups={self.num_groups}"))
        return checks


class ChannelsLastConv(Op):
    """``conv`` (a ``Conv``) of a channels-last image (batch, *spatial,
    channels), its result channels-last too: the form the compile-time layout
    rewrite gives a convolution, so that layers in a row stay channels-last."""
    __props__ = ("conv",)

    def __init__(self, conv):
        self.conv = conv

    def __str__(self):
        return f"ChannelsLast{self.conv}"

    def make_node(self, image, kern):
        image, kern = as_tensor_variable(image), as_tensor_variable(kern)
        nd = self.conv.convdim
        if image.ndim != nd + 2:
            raise TypeError(f"{self}: image {describe(image)} must be {nd + 2}-d "
                            f"(batch, *spatial, channels), got {image.ndim}-d")
        self.conv._check_ndim(kern, "filters", 2 + (2 if self.conv.unshared else 1) * nd)
        dtype = dtypes.upgrade_to_float(image.dtype)
        pattern = (image.broadcastable[0],) + (False,) * nd + (kern.broadcastable[0],)
        return Apply(self, [image, kern], [TensorType(dtype, pattern)])

    def lower(self, node, inputs, ctx):
        return [self.conv.lower_channels_last(node, *inputs, ctx)]


class ConvGradInputs(BaseConv):
    """The gradient of ``Conv`` with respect to its input (the transposed
    convolution): ``ConvGradInputs(...)(filters, output_grad, input_spatial_shape)``."""

    def __call__(self, kern, topgrad, shape=None, add_assert_shape=True):
        return self.make_node(kern, topgrad, shape).outputs[0]

    def make_node(self, kern, topgrad, shape=None):
        kern, topgrad = as_tensor_variable(kern), as_tensor_variable(topgrad)
        self._check_ndim(kern, "filters", 2 + (2 if self.unshared else 1) * self.convdim)
        self._check_ndim(topgrad, "output gradient")
        shape = self.spatial_shape(shape, self.imshp, "inputs", "imshp")
        dtype = dtypes.upgrade_to_float(kern.dtype)
        channels = False if self.num_groups > 1 else kern.broadcastable[-self.convdim - 1]
        out = TensorType(dtype, (topgrad.broadcastable[0], channels) + (False,) * self.convdim)
        return Apply(self, [kern, topgrad, shape], [out])

    def lower(self, node, inputs, ctx):
        dtype = node.outputs[0].dtype
        kern, top, shape = cast_tensor(inputs[0], dtype), cast_tensor(inputs[1], dtype), inputs[2]
        nd = self.convdim
        spatial = static_vector(node.inputs[2]) or tf.cast(shape, tf.int32)
        channels = tf.shape(kern)[-nd - 1] * self.num_groups
        image_shape = tf.concat([[tf.shape(top)[0], channels], spatial], 0)
        kshape = known_shape(node.inputs[0], self.kshp)
        extent = self.spatial_kernel(kern, kshape)
        top = checked_all(ctx, top, self._top_checks(top, spatial, extent, node))
        image = tf.zeros(image_shape, dtype)
        return [vjp(lambda x: self.forward_channels_first(x, kern, extent, ctx.platform),
                    image, top)]

    def _top_checks(self, top, spatial, extent, node):
        tshape = tf.shape(top)
        checks = []
        for i in range(self.convdim):
            expected = output_length(spatial[i], extent[i], self.axis_borders()[i],
                                     self.subsample[i], self.filter_dilation[i])
            checks.append((tf.equal(tshape[2 + i], expected),
                           f"{self.fname} gradient wrt inputs: the input shape given "
                           f"({describe(node.inputs[2])}) would give an output whose axis "
                           f"{2 + i} differs from that of the output gradient "
                           f"{describe(node.inputs[1])}"))
        return checks


class ConvGradWeights(BaseConv):
    """The gradient of ``Conv`` with respect to its filters:
    ``ConvGradWeights(...)(image, output_grad, filter_spatial_shape)``."""

    def __call__(self, img, topgrad, shape=None, add_assert_shape=True):
        return self.make_node(img, topgrad, shape).outputs[0]

    def make_node(self, img, topgrad, shape=None):
        img, topgrad = as_tensor_variable(img), as_tensor_variable(topgrad)
        self._check_ndim(img, "input")
        self._check_ndim(topgrad, "output gradient")
        shape = self.spatial_shape(shape, self.kshp, "filters", "kshp")
        dtype = dtypes.upgrade_to_float(img.dtype)
        if self.unshared:
            pattern = (topgrad.broadcastable[1],) + (False,) * self.convdim + \
                (img.broadcastable[1],) + (False,) * self.convdim
        else:
            pattern = (topgrad.broadcastable[1], img.broadcastable[1]) + (False,) * self.convdim
        return Apply(self, [img, topgrad, shape], [TensorType(dtype, pattern)])

    def lower(self, node, inputs, ctx):
        dtype = node.outputs[0].dtype
        img, top, shape = cast_tensor(inputs[0], dtype), cast_tensor(inputs[1], dtype), inputs[2]
        nd = self.convdim
        static = static_vector(node.inputs[2])
        extent = list(static) if static else [tf.cast(shape[i], tf.int32) for i in range(nd)]
        head = [tf.shape(top)[1]]
        if self.unshared:
            head += [tf.shape(top)[2 + i] for i in range(nd)]
        head.append(tf.shape(img)[1] // self.num_groups)
        kernel = tf.zeros(tf.stack(head + extent), dtype)
        return [vjp(lambda k: self.forward_channels_first(img, k, extent, ctx.platform),
                    kernel, top)]
