"""``theano.tensor.fft``: FFTs of real batches (``rfft``) and their inverse
(``irfft``), with complex values as pairs of floats in a last axis of 2,
as Theano lays them out; computed by TensorFlow's FFTs, which give the
gradients."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.persist import pickle_by_name
from tfgraph.tensor import set_subtensor, sqrt
from tfgraph._tf import tf

_COMPLEX = {"float32": tf.complex64, "float64": tf.complex128}


def _fit(x, axis, n):
    """``x`` cut or zero-padded to length ``n`` along ``axis``."""
    length = tf.shape(x)[axis]
    x = tf.gather(x, tf.range(tf.minimum(length, n)), axis=axis)
    padding = [[0, 0]] * axis + [[0, tf.maximum(n - length, 0)]] + [[0, 0]] * (
        len(x.shape) - axis - 1)
    return tf.pad(x, padding)


def _along(x, axis, transform):
    """``transform`` (acting on the last axis) applied along ``axis``."""
    order = list(range(len(x.shape)))
    order[axis], order[-1] = order[-1], order[axis]
    return tf.transpose(transform(tf.transpose(x, order)), order)


def _lengths(s, op):
    s = as_tensor_variable(s)
    if not dtypes.is_discrete(s.dtype):
        raise TypeError(f"{op}: length of the transformed axis must be of type integer")
    return s


class RFFTOp(Op):
    """The n-dimensional FFT of each real input of a batch (first axis), over
    the lengths ``s`` of its other axes: (m, ..., n//2+1, 2)."""
    __props__ = ()

    def make_node(self, a, s=None):
        a = as_tensor_variable(a)
        if a.ndim < 2:
            raise TypeError("RFFTOp: input must have dimension > 2, with first dimension "
                            "batches")
        s = _lengths(a.shape[1:] if s is None else s, "RFFTOp")
        return Apply(self, [a, s], [TensorType(a.dtype, (False,) * (a.ndim + 1))])

    def lower(self, node, inputs, ctx):
        a, s = inputs
        s = tf.cast(s, tf.int32)
        last = len(a.shape) - 1
        x = tf.signal.rfft(tf.cast(a, _COMPLEX[node.outputs[0].dtype].real_dtype),
                           fft_length=s[-1:])
        for axis in range(last - 1, 0, -1):
            x = _along(_fit(x, axis, s[axis - 1]), axis, tf.signal.fft)
        return [tf.stack([tf.math.real(x), tf.math.imag(x)], axis=-1)]


class IRFFTOp(Op):
    """The inverse of RFFTOp, not normalised: real outputs of lengths ``s``."""
    __props__ = ()

    def make_node(self, a, s=None):
        a = as_tensor_variable(a)
        if a.ndim < 3:
            raise TypeError("IRFFTOp: input must have dimension >= 3, with first dimension "
                            "batches and last real/imag parts")
        if s is None:
            s = a.shape[1:-1]
            s = set_subtensor(s[-1], (s[-1] - 1) * 2)
        s = _lengths(s, "IRFFTOp")
        return Apply(self, [a, s], [TensorType(a.dtype, (False,) * (a.ndim - 1))])

    def lower(self, node, inputs, ctx):
        a, s = inputs
        s = tf.cast(s, tf.int32)
        x = tf.complex(a[..., 0], a[..., 1])
        for axis in range(1, len(x.shape) - 1):
            x = _along(_fit(x, axis, s[axis - 1]), axis, tf.signal.ifft)
        out = tf.signal.irfft(x, fft_length=s[-1:])
        return [tf.cast(out * tf.cast(tf.reduce_prod(s), out.dtype), node.outputs[0].dtype)]


rfft_op = pickle_by_name(RFFTOp(), __name__, "rfft_op")
irfft_op = pickle_by_name(IRFFTOp(), __name__, "irfft_op")


def _unitary(norm):
    if norm not in (None, "ortho", "no_norm"):
        raise ValueError(f"Invalid value {norm} for norm, must be None, 'ortho' or 'no norm'")
    return norm


def rfft(inp, norm=None):
    """The FFT of each real input of the batch ``inp`` (m, ..., n): (m, ...,
    n//2+1, 2), real and imaginary parts last. ``norm``: None (NumPy's: not
    normalised), 'ortho' (divided by sqrt of the size), 'no_norm'."""
    inp = as_tensor_variable(inp)
    s = inp.shape[1:]
    if _unitary(norm) == "ortho":
        return rfft_op(inp, s) / sqrt(s.prod().astype(inp.dtype))
    return rfft_op(inp, s)


def irfft(inp, norm=None, is_odd=False):
    """The inverse of ``rfft``: (m, ..., n//2+1, 2) -> (m, ..., n), with n
    odd if ``is_odd``. ``norm``: None (divided by the size, as NumPy), 'ortho'
    (by its square root), 'no_norm'."""
    if is_odd not in (True, False):
        raise ValueError(f"Invalid value {is_odd} for is_odd, must be True or False")
    inp = as_tensor_variable(inp)
    s = inp.shape[1:-1]
    s = set_subtensor(s[-1], (s[-1] - 1) * 2 + (1 if is_odd else 0))
    norm = _unitary(norm)
    if norm is None:
        return irfft_op(inp, s) / s.prod().astype(inp.dtype)
    if norm == "ortho":
        return irfft_op(inp, s) / sqrt(s.prod().astype(inp.dtype))
    return irfft_op(inp, s)
