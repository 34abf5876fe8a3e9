"""The ops of Theano's modules that tfgraph's own functions do not build on
but Theano code applies by hand: FFTs, the 3-d convolution of conv3d2d,
correlations, the signal convolution, gradient ops, multinomial draws from
uniforms, CTC, block-sparse products, the sigmoid rewrites' product trees.
Each is checked against NumPy/SciPy or against tfgraph's own gradient."""
import numpy as np
import pytest
import scipy.signal

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.gradient import verify_grad

RNG = np.random.RandomState(42)


def compiled(inputs, outputs):
    return theano.function(inputs, outputs)


@pytest.mark.parametrize("shape", [(3, 8), (3, 7), (2, 4, 6)])
@pytest.mark.parametrize("norm", [None, "ortho", "no_norm"])
def test_rfft_and_irfft_match_numpy(shape, norm):
    """theano/tensor/fft.py: (m, ..., n) -> (m, ..., n//2+1, 2) and back."""
    from tfgraph.tensor import fft
    x = T.TensorType("float64", (False,) * len(shape))()
    value = RNG.rand(*shape)
    spectrum = compiled([x], fft.rfft(x, norm=norm))(value)
    expected = np.fft.rfftn(value, axes=tuple(range(1, len(shape))),
                            norm="ortho" if norm == "ortho" else None)
    np.testing.assert_allclose(spectrum[..., 0], expected.real, atol=1e-10)
    np.testing.assert_allclose(spectrum[..., 1], expected.imag, atol=1e-10)
    z = T.TensorType("float64", (False,) * (len(shape) + 1))()
    back = compiled([z], fft.irfft(z, norm=norm, is_odd=shape[-1] % 2 == 1))(spectrum)
    scale = np.prod(shape[1:]) if norm == "no_norm" else 1
    np.testing.assert_allclose(back, value * scale, atol=1e-9)


def test_fft_refuses_bad_arguments_and_has_a_gradient():
    from tfgraph.tensor import fft
    x = T.dmatrix()
    with pytest.raises(ValueError, match="norm"):
        fft.rfft(x, norm="unit")
    with pytest.raises(ValueError, match="is_odd"):
        fft.irfft(T.dtensor3(), is_odd="yes")
    with pytest.raises(TypeError, match="dimension"):
        fft.rfft_op(T.dvector())
    verify_grad(lambda v: fft.rfft(v).sum() * 1.0, [RNG.rand(2, 6)], rng=RNG)


def reference_conv3d(signals, filters, border_mode):
    """The convolution over (time, rows, cols) of (batch, time, channels,
    rows, cols) movies, summed over channels (SciPy)."""
    mode = "valid" if border_mode == "valid" else "full"
    out = np.array([[sum(scipy.signal.convolve(s[:, c], f[:, c], mode=mode)
                         for c in range(s.shape[1])) for f in filters] for s in signals])
    if border_mode == "half":
        t, h, w = (k // 2 for k in (filters.shape[1], filters.shape[3], filters.shape[4]))
        out = out[:, :, t:t + signals.shape[1], h:h + signals.shape[3], w:w + signals.shape[4]]
    return out.transpose(0, 2, 1, 3, 4)


@pytest.mark.parametrize("border_mode", ["valid", "full", "half"])
def test_conv3d2d_is_a_3d_convolution(border_mode):
    """theano/tensor/nnet/conv3d2d.py: flipped filters, (batch, time, ...)."""
    from tfgraph.tensor.nnet.conv3d2d import conv3d
    signals, filters = RNG.rand(2, 5, 3, 6, 6), RNG.rand(4, 3, 3, 3, 3)
    s, f = T.dtensor5(), T.dtensor5()
    out = compiled([s, f], conv3d(s, f, border_mode=border_mode))(signals, filters)
    np.testing.assert_allclose(out, reference_conv3d(signals, filters, border_mode), atol=1e-9)
    with pytest.raises(NotImplementedError, match="height and width"):
        conv3d(s, f, border_mode=("valid", "full", "valid"))


def test_diagonal_subtensor_view_and_ops():
    """conv3d2d's diagonal subtensors (Theano's test values) and their gradient."""
    from tfgraph.tensor.nnet.conv3d2d import (diagonal_subtensor, get_diagonal_subtensor_view,
                                              inc_diagonal_subtensor)
    x = np.arange(20).reshape(5, 4).astype("float32")
    assert np.asarray(get_diagonal_subtensor_view(x, 0, 1)).tolist() == [[12, 9, 6, 3],
                                                                         [16, 13, 10, 7]]
    value = RNG.rand(4, 3, 2)
    v = T.dtensor3()
    np.testing.assert_array_equal(compiled([v], diagonal_subtensor(v, 0, 1))(value),
                                  get_diagonal_subtensor_view(value, 0, 1))
    added = compiled([v], inc_diagonal_subtensor(v, 0, 1, T.ones_like(
        diagonal_subtensor(v, 0, 1))))(value)
    assert np.isclose(added.sum(), value.sum() + get_diagonal_subtensor_view(value, 0, 1).size)
    verify_grad(lambda t: diagonal_subtensor(t, 0, 1), [value], rng=RNG)


def test_correlations_do_not_flip_filters():
    """theano/tensor/nnet/corr.py and corr3d.py."""
    from tfgraph.tensor.nnet.corr import CorrMM, CorrMM_gradInputs
    from tfgraph.tensor.nnet.corr3d import Corr3dMM
    img, kern = RNG.rand(1, 1, 5, 6), RNG.rand(1, 1, 3, 2)
    x, w = T.dtensor4(), T.dtensor4()
    out = compiled([x, w], CorrMM(subsample=(1, 1))(x, w))(img, kern)
    np.testing.assert_allclose(out[0, 0], scipy.signal.correlate2d(img[0, 0], kern[0, 0],
                                                                   "valid"))
    grad = compiled([x, w], CorrMM_gradInputs()(w, x, (5, 6)))(out, kern)
    assert grad.shape == (1, 1, 5, 6)
    assert Corr3dMM().convdim == 3 and not CorrMM().filter_flip


def test_signal_conv2d_shapes_and_values():
    """theano/tensor/signal/conv.py: 2-d or 3-d images and filters."""
    from tfgraph.tensor.signal.conv import conv2d
    image, images = RNG.rand(6, 5), RNG.rand(3, 6, 5)
    kernel, kernels = RNG.rand(3, 2), RNG.rand(2, 3, 2)
    cases = [(T.dmatrix(), image, T.dmatrix(), kernel, (4, 4)),
             (T.dmatrix(), image, T.dtensor3(), kernels, (2, 4, 4)),
             (T.dtensor3(), images, T.dmatrix(), kernel, (3, 4, 4)),
             (T.dtensor3(), images, T.dtensor3(), kernels, (3, 2, 4, 4))]
    for x, xv, w, wv, shape in cases:
        out = compiled([x, w], conv2d(x, w))(xv, wv)
        assert out.shape == shape
    np.testing.assert_allclose(out[2, 1], scipy.signal.convolve2d(images[2], kernels[1],
                                                                  "valid"))
    full = compiled([x, w], conv2d(x, w, border_mode="full"))(images, kernels)
    assert full.shape == (3, 2, 8, 6)
    with pytest.raises(TypeError, match="2-d or 3-d"):
        conv2d(T.dtensor4(), w)


def test_softmax_and_crossentropy_gradient_ops_equal_grad():
    """theano/tensor/nnet/nnet.py: SoftmaxGrad, CrossentropySoftmax1HotWithBiasDx,
    CrossentropyCategorical1HotGrad against tfgraph's gradients."""
    from tfgraph.tensor.nnet import nnet
    z, dy, y = T.dmatrix("z"), T.dmatrix("dy"), T.lvector("y")
    values = RNG.rand(3, 4), RNG.rand(3, 4), np.array([0, 3, 1])
    sm = nnet.softmax(z)
    by_op, by_grad = compiled([z, dy], [nnet.softmax_grad(dy, sm),
                                        theano.grad((sm * dy).sum(), z)])(*values[:2])
    np.testing.assert_allclose(by_op, by_grad)
    g = T.dvector("g")
    loss = nnet.crossentropy_softmax_1hot(z, y)[0] if hasattr(
        nnet, "crossentropy_softmax_1hot") else nnet.categorical_crossentropy(sm, y)
    by_op, by_grad = compiled([z, y, g], [nnet.crossentropy_softmax_1hot_with_bias_dx(g, sm, y),
                                          theano.grad((loss * g).sum(), z)])(
        values[0], values[2], np.array([1.0, 2.0, 0.5]))
    np.testing.assert_allclose(by_op, by_grad)
    p = nnet.softmax(z)
    ce = nnet.crossentropy_categorical_1hot(p, y)
    by_op, by_grad = compiled([z, y, g], [nnet.crossentropy_categorical_1hot_grad(g, p, y),
                                          theano.grad((ce * g).sum(), p)])(
        values[0], values[2], np.array([1.0, 2.0, 0.5]))
    np.testing.assert_allclose(by_op, by_grad)
    with pytest.raises(ValueError, match="matrices"):
        nnet.softmax_grad(T.dvector(), T.dvector())


def test_linear_algebra_gradient_ops_equal_grad():
    """theano/tensor/slinalg.py CholeskyGrad, EigvalshGrad; nlinalg.py EighGrad."""
    from tfgraph.tensor import nlinalg, slinalg
    a, b, dz = T.dmatrix("a"), T.dmatrix("b"), T.dmatrix("dz")
    root = RNG.rand(3, 3)
    spd, weights = root.dot(root.T) + 3 * np.eye(3), RNG.rand(3, 3)
    chol = slinalg.cholesky(a)
    by_op, by_grad = compiled([a, dz], [slinalg.CholeskyGrad()(a, chol, dz),
                                        theano.grad((chol * dz).sum(), a)])(spd, weights)
    np.testing.assert_allclose(by_op, by_grad)
    w, v = nlinalg.eigh(a)
    gw, gv = T.dvector("gw"), T.dmatrix("gv")
    by_op, by_grad = compiled([a, gw, gv], [nlinalg.EighGrad()(a, w, v, gw, gv),
                                            theano.grad((w * gw).sum() + (v * gv).sum(), a)])(
        spd, np.ones(3), weights)
    np.testing.assert_allclose(by_op, by_grad)
    values = slinalg.eigvalsh(a, b)
    ga, gb = compiled([a, b, gw], slinalg.EigvalshGrad()(a, b, gw))(spd, np.eye(3), np.ones(3))
    np.testing.assert_allclose(ga, compiled([a, b], theano.grad(values.sum(), a))(spd, np.eye(3)))
    assert gb.shape == (3, 3)
    assert slinalg.CholeskyGrad(False) != slinalg.CholeskyGrad()


def test_pool_gradient_ops_equal_grad():
    """theano/tensor/signal/pool.py: MaxPoolGrad, AveragePoolGrad,
    DownsampleFactorMaxGradGrad."""
    from tfgraph.tensor.signal import pool
    x, gz, gx = T.dtensor4("x"), T.dtensor4("gz"), T.dtensor4("gx")
    image, out_grad, in_grad = RNG.rand(2, 1, 5, 5), RNG.rand(2, 1, 2, 2), RNG.rand(2, 1, 5, 5)
    pooled = pool.pool_2d(x, (2, 2), ignore_border=True)
    average = pool.pool_2d(x, (2, 2), ignore_border=True, mode="average_inc_pad")
    max_grad, avg_grad, grad_grad, expected_max, expected_avg = compiled(
        [x, gz, gx], [pool.MaxPoolGrad(True)(x, pooled, gz, (2, 2)),
                      pool.AveragePoolGrad(True)(x, gz, (2, 2)),
                      pool.DownsampleFactorMaxGradGrad(True)(x, pooled, gx, (2, 2)),
                      theano.grad((pooled * gz).sum(), x), theano.grad((average * gz).sum(), x)])(
        image, out_grad, in_grad)
    np.testing.assert_allclose(max_grad, expected_max)
    np.testing.assert_allclose(avg_grad, expected_avg)
    # For each window, gx where x is the window's maximum.
    windows = image[:, :, :4, :4].reshape(2, 1, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    picked = in_grad[:, :, :4, :4].reshape(2, 1, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    flat = windows.reshape(2, 1, 2, 2, 4).argmax(-1)
    expected = np.take_along_axis(picked.reshape(2, 1, 2, 2, 4), flat[..., None], -1)[..., 0]
    np.testing.assert_allclose(grad_grad, expected)


def test_multinomial_from_uniform_draws():
    """theano/sandbox/multinomial.py."""
    from tfgraph.sandbox.multinomial import ChoiceFromUniform, MultinomialFromUniform
    p, u = T.dmatrix("p"), T.dvector("u")
    counts = compiled([p, u], MultinomialFromUniform("auto")(p, u, 3))(
        np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([0.1, 0.9, 0.3, 0.6, 0.7, 0.2]))
    np.testing.assert_array_equal(counts, [[1, 2], [1, 2]])
    choose = compiled([p, u], ChoiceFromUniform("auto")(p, u, 2))
    picks = choose(np.array([[0.2, 0.3, 0.5], [0.5, 0.25, 0.25]]), np.array([0.1, 0.9, 0.3, 0.6]))
    np.testing.assert_array_equal(picks, [[0, 1], [2, 0]])
    assert picks.dtype == "int64"
    many = choose(np.full((50, 3), 1 / 3), RNG.rand(100))
    assert all(len(set(row)) == 2 for row in many)          # without replacement
    with pytest.raises(Exception, match="bigger than the size"):
        compiled([p, u], ChoiceFromUniform("auto")(p, u, 4))(np.full((1, 3), 1 / 3),
                                                              RNG.rand(4))
    with pytest.raises(Exception, match="unis.shape"):
        compiled([p, u], MultinomialFromUniform("auto")(p, u, 2))(np.full((2, 2), 0.5),
                                                                   RNG.rand(3))


def test_sandbox_linalg():
    """theano/sandbox/linalg: the same functions, psd, spectral_radius_bound."""
    from tfgraph.sandbox import linalg
    from tfgraph.tensor import nlinalg
    assert linalg.matrix_inverse is nlinalg.matrix_inverse
    x = T.dmatrix()
    value = RNG.rand(4, 4)
    value = value + value.T
    bound = compiled([x], linalg.spectral_radius_bound(linalg.psd(x), 3))(value)
    assert bound >= np.abs(np.linalg.eigvalsh(value)).max() - 1e-9
    with pytest.raises(ValueError, match="positive exponent"):
        linalg.spectral_radius_bound(x, 0)


def test_ctc_loss():
    """theano/tensor/nnet/ctc.py: one frame, one label: -log softmax."""
    from tfgraph.tensor.nnet.ctc import ctc, ctc_available
    assert ctc_available()
    a, labels, lengths = T.ftensor3("a"), T.imatrix("labels"), T.ivector("lengths")
    cost = ctc(a, labels, lengths)
    activations = RNG.rand(1, 2, 3).astype("float32")
    costs = compiled([a, labels, lengths], cost)(activations, np.array([[1, -1], [2, -1]], "int32"),
                                                 np.array([1, 1], "int32"))
    logp = activations[0] - np.log(np.exp(activations[0]).sum(-1, keepdims=True))
    np.testing.assert_allclose(costs, [-logp[0, 1], -logp[1, 2]], rtol=1e-5)
    grad = compiled([a, labels, lengths], theano.grad(cost.sum(), a))(
        RNG.rand(4, 2, 3).astype("float32"), np.array([[1, 2], [2, -1]], "int32"),
        np.array([4, 3], "int32"))
    assert grad.shape == (4, 2, 3) and np.isfinite(grad).all()
    with pytest.raises(TypeError, match="labels"):
        ctc(a, T.fmatrix(), lengths)


def test_sparse_block_dot():
    """theano/tensor/nnet/blocksparse.py, against its definition."""
    from tfgraph.tensor.nnet.blocksparse import sparse_block_dot, sparse_block_outer
    W, h, b = T.dtensor4("W"), T.dtensor3("h"), T.dmatrix("b")
    inputs, outputs = T.imatrix("inputs"), T.imatrix("outputs")
    Wv, hv, bv = RNG.rand(5, 4, 3, 2), RNG.rand(2, 2, 3), RNG.rand(4, 2)
    iv, ov = np.array([[0, 3], [1, 4]], "int32"), np.array([[1, 2, 0], [3, 0, 1]], "int32")
    out = sparse_block_dot(W, h, inputs, b, outputs)
    result = compiled([W, h, inputs, b, outputs], out)(Wv, hv, iv, bv, ov)
    expected = np.array([[bv[ov[e, j]] + sum(hv[e, i].dot(Wv[iv[e, i], ov[e, j]])
                                             for i in range(2)) for j in range(3)]
                         for e in range(2)])
    np.testing.assert_allclose(result, expected)
    g = T.dtensor3("g")
    by_op, by_grad = compiled([W, h, inputs, b, outputs, g], [
        sparse_block_outer(T.zeros_like(W), h, g, inputs, outputs),
        theano.grad((out * g).sum(), W)])(Wv, hv, iv, bv, ov, RNG.rand(2, 3, 2))
    np.testing.assert_allclose(by_op, by_grad)
    with pytest.raises(TypeError, match="one dimension less"):
        sparse_block_dot(W, h, T.ivector(), b, outputs)


def test_product_trees_of_the_sigmoid_rewrites():
    """theano/tensor/nnet/sigm.py: parse_mul_tree, compute_mul, simplify_mul,
    is_1pexp, perform_sigm_times_exp (Theano's own cases)."""
    from tfgraph.tensor.nnet import sigm
    x, y, z = T.dscalars("x", "y", "z")
    assert sigm.parse_mul_tree(x * y) == [False, [[False, x], [False, y]]]
    assert sigm.parse_mul_tree(-(x * y)) == [True, [[False, x], [False, y]]]
    assert sigm.parse_mul_tree(-x * y) == [False, [[True, x], [False, y]]]
    assert sigm.parse_mul_tree(-x) == [True, x]
    assert sigm.is_1pexp(1 + T.exp(x), False) == (False, x)
    assert sigm.is_1pexp(T.exp(x) + 1, False) == (False, x)
    assert sigm.is_1pexp(1 - T.exp(x), False) is None and sigm.is_1pexp(2 + T.exp(x), False) is None
    tree = sigm.parse_mul_tree(T.exp(x) * sigm.sigmoid(-x) * -y)
    assert sigm.perform_sigm_times_exp(tree)
    rewritten = sigm.compute_mul(sigm.simplify_mul(tree))
    f = compiled([x, y], [rewritten, T.exp(x) * sigm.sigmoid(-x) * -y])
    np.testing.assert_allclose(*f(0.3, 2.0))
    assert sigm.parse_mul_tree(sigm.compute_mul(sigm.parse_mul_tree(x * -y))) == \
        sigm.parse_mul_tree(x * -y)
    with pytest.raises(AssertionError, match="simplify_mul"):
        sigm.compute_mul([False, None])
    assert sigm.register_local_1msigmoid is False
