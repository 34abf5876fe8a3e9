"""abstract_conv's shape helpers, separable and causal convolutions and
bilinear upsampling, against NumPy/SciPy and against the convolutions
themselves."""
import numpy as np
import pytest
from scipy import signal

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.errors import ExecutionValueError
from tfgraph.tensor import nnet
from tfgraph.tensor.nnet import abstract_conv as A

IMAGE = (2, 3, 9, 8)
CONFIGS = [  # kernel shape, border_mode, subsample, dilation
    ((4, 3, 3, 2), "valid", (1, 1), (1, 1)),
    ((4, 3, 3, 2), "full", (1, 1), (2, 1)),
    ((4, 3, 3, 3), "half", (2, 3), (1, 1)),
    ((4, 3, 2, 3), (1, (2, 0)), (1, 1), (1, 2)),
    ((4, 3, 2, 3), 2, (1, 1), (1, 1)),
]


def test_shape_helpers_agree_with_the_convolution():
    x = T.dtensor4("x")
    ws = [T.dtensor4(f"w{i}") for i in range(len(CONFIGS))]
    outs = [nnet.conv2d(x, w, border_mode=b, subsample=s, filter_dilation=d)
            for w, (_, b, s, d) in zip(ws, CONFIGS)]
    rng = np.random.default_rng(0)
    got = theano.function([x] + ws, outs)(rng.standard_normal(IMAGE),
                                          *[rng.standard_normal(c[0]) for c in CONFIGS])
    for out, (kshp, b, s, d) in zip(got, CONFIGS):
        assert A.get_conv_output_shape(IMAGE, kshp, b, s, d) == out.shape
        assert A.check_conv_gradinputs_shape(IMAGE, kshp, out.shape, b, s, d)
        assert not A.check_conv_gradinputs_shape(IMAGE, kshp, out.shape[:2] + (1, 1), b, s, d)
        if s == (1, 1):
            assert A.get_conv_gradinputs_shape(kshp, out.shape, b, s, d) == IMAGE
            if b != "half":
                assert A.get_conv_gradweights_shape(IMAGE, out.shape, b, s, d) == kshp
    assert A.get_conv_gradweights_shape(IMAGE, (2, 4, 5, 3), "half", (2, 3)) == (4, 3, None,
                                                                                  None)
    assert A.get_conv_shape_1axis(None, 3, "valid", 1) is None
    assert A.get_conv_gradinputs_shape_1axis(3, 7, "valid", 2, 1) is None
    assert A.get_conv_gradweights_shape_1axis(9, 7, "valid", 1, 1) == 3
    assert A.get_conv_gradweights_shape((2, 3, 9, 8), (2, 4, 7, 6), "valid", (1, 1),
                                        unshared=True) == (4, 7, 6, 3, 3, 3)
    with pytest.raises(ValueError, match=">= 0"):
        A.get_conv_shape_1axis(9, 3, -1, 1)
    # symbolic sizes stay symbolic
    n = T.lscalar("n")
    assert int(A.get_conv_shape_1axis(n, 3, "full", 2).eval({n: 9})) == 6


def test_border_mode_to_pad():
    assert A.border_mode_to_pad("valid", 2, (3, 5)) == ((0, 0), (0, 0))
    assert A.border_mode_to_pad("full", 2, (3, 5)) == ((2, 2), (4, 4))
    assert A.border_mode_to_pad("half", 3, (3, 5, 4)) == ((1, 1), (2, 2), (2, 2))
    assert A.border_mode_to_pad((1, (2, 3)), 2, (3, 3)) == ((1, 1), (2, 3))
    with pytest.raises(ValueError, match="tuple of length 2"):
        A.border_mode_to_pad((1, 2, 3), 2, (3, 3))
    with pytest.raises(ValueError, match="invalid border_mode"):
        A.border_mode_to_pad("same", 2, (3, 3))


def test_assert_conv_shape_and_assert_shape():
    with pytest.raises(ValueError, match=r"dim\[2\]: 0 <= 0"):
        A.assert_conv_shape((2, 3, 0, 4))
    x = T.dmatrix("x")
    shape = A.assert_conv_shape((x.shape[0], 3, x.shape[1] - 2, 4))
    f = theano.function([x], T.stack(shape))
    np.testing.assert_array_equal(f(np.zeros((2, 5))), [2, 3, 3, 4])
    with pytest.raises(ExecutionValueError, match="invalid shape"):
        f(np.zeros((2, 2)))
    assert A.assert_shape(x, (2, None)) is x        # conv.assert_shape is off by default
    with theano.change_flags(**{"conv.assert_shape": True}):
        g = theano.function([x], A.assert_shape(x, (2, None), "not two rows"))
    assert g(np.zeros((2, 7))).shape == (2, 7)
    with pytest.raises(ExecutionValueError, match="not two rows"):
        g(np.zeros((3, 7)))


def test_abstract_base_classes_are_the_conv_ops():
    op = A.AbstractConv(2, border_mode="half")
    assert isinstance(A.AbstractConv2d(), A.AbstractConv)
    assert isinstance(A.AbstractConv2d_gradInputs(), A.AbstractConv_gradInputs)
    assert isinstance(A.AbstractConv3d_gradWeights(), A.AbstractConv_gradWeights)
    assert all(issubclass(c, A.BaseAbstractConv) for c in (
        A.AbstractConv, A.AbstractConv_gradInputs, A.AbstractConv_gradWeights))
    x, w = T.dtensor4("x"), T.dtensor4("w")
    rng = np.random.default_rng(1)
    xv, wv = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    np.testing.assert_allclose(theano.function([x, w], op(x, w))(xv, wv),
                               theano.function([x, w], nnet.abstract_conv2d(
                                   x, w, border_mode="half"))(xv, wv))


def conv_valid(image, kernel):
    return signal.convolve2d(image, kernel, mode="valid")


def test_separable_conv2d_matches_scipy():
    rng = np.random.default_rng(2)
    x, dw, pw = T.dtensor4("x"), T.dtensor4("dw"), T.dtensor4("pw")
    y = nnet.separable_conv2d(x, dw, pw, 2, input_shape=(2, 2, 6, 5),
                              depthwise_filter_shape=(4, 1, 3, 2),
                              pointwise_filter_shape=(3, 4, 1, 1))
    xv, dwv, pwv = (rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((4, 1, 3, 2)),
                    rng.standard_normal((3, 4, 1, 1)))
    # depthwise: output channel k reads input channel k // multiplier
    depth = np.array([[conv_valid(xv[b, k // 2], dwv[k, 0]) for k in range(4)]
                      for b in range(2)])
    expected = np.einsum("bkij,ok->boij", depth, pwv[:, :, 0, 0])
    np.testing.assert_allclose(theano.function([x, dw, pw], y)(xv, dwv, pwv), expected,
                               rtol=1e-10)
    T.verify_grad(lambda d, p: nnet.separable_conv2d(xv[:1], d, p, 2), [dwv, pwv], rng=rng)
    x5 = T.TensorType("float64", (False,) * 5)("x5")
    y3 = A.separable_conv3d(x5, T.constant(np.ones((2, 1, 2, 2, 2))),
                            T.constant(np.ones((1, 2, 1, 1, 1))), 2)
    np.testing.assert_allclose(theano.function([x5], y3)(np.ones((1, 2, 3, 3, 3))),
                               np.full((1, 1, 2, 2, 2), 16.0))


def test_causal_conv1d_sees_only_the_past():
    rng = np.random.default_rng(3)
    x, w = T.dtensor3("x"), T.dtensor3("w")
    f = theano.function([x, w], A.causal_conv1d(x, w, (4, 2, 3), filter_dilation=2))
    xv, wv = rng.standard_normal((2, 2, 10)), rng.standard_normal((4, 2, 3))
    padded = np.concatenate([np.zeros((2, 2, 4)), xv], axis=2)      # dilation * (3 - 1)
    expected = np.zeros((2, 4, 10))
    for t in range(10):
        taps = padded[:, :, t:t + 5:2]                               # (b, c, 3)
        expected[:, :, t] = np.einsum("bck,ock->bo", taps, wv[:, :, ::-1])
    got = f(xv, wv)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    later = xv.copy()
    later[:, :, 6:] += 1.0
    np.testing.assert_array_equal(f(later, wv)[:, :, :6], got[:, :, :6])
    with pytest.raises(ValueError, match="3D"):
        A.causal_conv1d(T.dmatrix(), w, (4, 2, 3))


def reference_bilinear_1d(v, r):
    """Theano's bilinear upsampling along the last axis: edges repeated once,
    then the transposed convolution with the bilinear kernel at stride r."""
    kernel = np.concatenate([np.arange(1, r + 1), np.arange(r - 1, 0, -1)]) / r
    padded = np.concatenate([v[..., :1], v, v[..., -1:]], axis=-1)
    n = v.shape[-1]
    full = np.zeros(v.shape[:-1] + ((n + 1) * r + len(kernel),))
    for j in range(n + 2):
        full[..., j * r:j * r + len(kernel)] += padded[..., j:j + 1] * kernel
    pad = 2 * r - (r - 1) // 2 - 1
    return full[..., pad:pad + n * r]


def test_bilinear_upsampling_matches_numpy():
    x = T.dtensor4("x")
    f = theano.function([x], [A.bilinear_upsampling(x, 2), A.bilinear_upsampling(x, 3),
                              A.bilinear_upsampling(x, 3, use_1D_kernel=False),
                              A.bilinear_upsampling(x, frac_ratio=(2, 1), use_1D_kernel=False),
                              A.frac_bilinear_upsampling(x, ((3, 2), (1, 1)))])
    xv = np.random.default_rng(4).standard_normal((2, 3, 4, 5))
    up2, up3, up3_2d, frac2, frac = f(xv)
    for r, got in ((2, up2), (3, up3), (3, up3_2d)):
        expected = reference_bilinear_1d(np.swapaxes(reference_bilinear_1d(xv, r), 2, 3), r)
        np.testing.assert_allclose(got, np.swapaxes(expected, 2, 3), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(frac2, up2, rtol=1e-10, atol=1e-12)
    assert frac.shape == (2, 3, 6, 5)
    constant = f(np.full((1, 1, 4, 5), 2.5))
    for result in constant:
        np.testing.assert_allclose(result, 2.5, rtol=1e-12)
    np.testing.assert_allclose(A.bilinear_kernel_1D(3).eval(), np.array([1, 2, 3, 2, 1]) / 3)
    np.testing.assert_allclose(A.bilinear_kernel_2D((2, 3), normalize=False).eval(),
                               np.outer([1, 2, 1], [1, 2, 3, 2, 1]))
    with pytest.raises(ValueError, match="ratio and frac_ratio"):
        A.bilinear_upsampling(x, 2, frac_ratio=(3, 2))
    with pytest.raises(ValueError, match="use_1D_kernel"):
        A.bilinear_upsampling(x, frac_ratio=(3, 2))
