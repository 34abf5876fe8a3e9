"""Convolutions: values against SciPy, gradients against finite differences,
the abstract ops called as layer libraries call them, and bad input."""
import warnings

import numpy as np
import pytest
from scipy import signal

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph._tf import tf
from tfgraph.compile.errors import ExecutionValueError
from tfgraph.compile.lower import Lowering
from tfgraph.tensor.nnet import abstract_conv
from tfgraph.tensor.nnet.abstract_conv import (AbstractConv2d, AbstractConv2d_gradInputs,
                                               AbstractConv2d_gradWeights)


# --- a reference written from Theano's definition -------------------------------------

def _pads(border, dilated):
    if border == "valid":
        return [(0, 0)] * len(dilated)
    if border == "full":
        return [(k - 1, k - 1) for k in dilated]
    if border == "half":
        return [(k // 2, k // 2) for k in dilated]
    if isinstance(border, int):
        return [(border, border)] * len(dilated)
    return [b if isinstance(b, tuple) else (b, b) for b in border]


def reference_conv(x, w, border="valid", subsample=None, dilation=None, flip=True, groups=1):
    """Theano's convolution by SciPy: zero-pad, convolve each (image, filter)
    pair of channels of a group with the dilated kernel, subsample."""
    nd = x.ndim - 2
    subsample, dilation = subsample or (1,) * nd, dilation or (1,) * nd
    if not flip:
        w = w[(slice(None),) * 2 + (slice(None, None, -1),) * nd]
    dilated = np.zeros(w.shape[:2] + tuple((k - 1) * d + 1 for k, d in zip(w.shape[2:], dilation)))
    dilated[(slice(None),) * 2 + tuple(slice(None, None, d) for d in dilation)] = w
    x = np.pad(x, [(0, 0)] * 2 + _pads(border, dilated.shape[2:]))
    out_per_group, in_per_group = w.shape[0] // groups, w.shape[1]
    convolve = signal.convolve2d if nd == 2 else signal.convolve
    out = []
    for b in range(x.shape[0]):
        maps = []
        for o in range(w.shape[0]):
            g = o // out_per_group
            maps.append(sum(convolve(x[b, g * in_per_group + c], dilated[o, c], "valid")
                            for c in range(in_per_group)))
        out.append(maps)
    out = np.array(out)
    return out[(slice(None),) * 2 + tuple(slice(None, None, s) for s in subsample)]


def _rand(rng, *shape):
    return rng.standard_normal(shape)


CASES_2D = [
    # border, subsample, dilation, flip, groups
    ("valid", (1, 1), (1, 1), True, 1),
    ("valid", (1, 1), (1, 1), False, 1),
    ("full", (1, 1), (1, 1), True, 1),
    ("half", (1, 1), (1, 1), True, 1),
    (2, (1, 1), (1, 1), True, 1),
    ((1, 2), (2, 1), (1, 1), True, 1),
    (((1, 0), (2, 1)), (1, 1), (1, 1), False, 1),
    ("valid", (2, 3), (1, 1), True, 1),
    ("full", (2, 2), (1, 1), True, 1),
    ("valid", (1, 1), (2, 2), True, 1),
    ("half", (1, 1), (2, 1), True, 1),
    ("full", (2, 1), (1, 2), False, 1),
    ("valid", (1, 1), (1, 1), True, 2),
    ("half", (2, 2), (2, 1), True, 2),
    (1, (1, 1), (1, 1), False, 4),
]


@pytest.mark.parametrize("border, subsample, dilation, flip, groups", CASES_2D)
def test_conv2d_matches_scipy(border, subsample, dilation, flip, groups):
    rng = np.random.default_rng(len(str((border, subsample, dilation, flip, groups))))
    x, w = T.dtensor4("x"), T.dtensor4("w")
    y = T.nnet.conv2d(x, w, border_mode=border, subsample=subsample, filter_dilation=dilation,
                      filter_flip=flip, num_groups=groups)
    f = theano.function([x, w], y)
    xv, wv = _rand(rng, 2, 4, 9, 8), _rand(rng, 4, 4 // groups, 3, 2)
    expected = reference_conv(xv, wv, border, subsample, dilation, flip, groups)
    result = f(xv, wv)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-10, atol=1e-10)


def test_conv2d_float32_and_shape_hints():
    rng = np.random.default_rng(1)
    x, w = T.ftensor4("x"), T.ftensor4("w")
    y = T.nnet.conv2d(x, w, input_shape=(None, 3, 10, 10), filter_shape=(5, 3, 5, 5),
                      border_mode="half")
    assert y.dtype == "float32" and y.broadcastable == (False,) * 4
    xv, wv = _rand(rng, 2, 3, 10, 10).astype("float32"), _rand(rng, 5, 3, 5, 5).astype("float32")
    result = theano.function([x, w], y)(xv, wv)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, reference_conv(xv, wv, "half"), rtol=1e-4, atol=1e-4)


GRAD_CASES = [
    ("valid", (1, 1), (1, 1), True, 1),
    ("full", (2, 1), (1, 1), False, 1),
    ("half", (1, 2), (2, 1), True, 1),
    (((1, 0), (0, 2)), (2, 2), (1, 1), True, 2),
]


@pytest.mark.parametrize("border, subsample, dilation, flip, groups", GRAD_CASES)
def test_conv2d_gradients_match_finite_differences(border, subsample, dilation, flip, groups):
    rng = np.random.default_rng(7)
    T.verify_grad(lambda x, w: T.nnet.conv2d(x, w, border_mode=border, subsample=subsample,
                                             filter_dilation=dilation, filter_flip=flip,
                                             num_groups=groups),
                  [_rand(rng, 2, 2, 6, 5), _rand(rng, 2, 2 // groups, 3, 2)], rng=rng)


def _top_grad_and_ops(border, subsample, flip):
    x, w, top = T.dtensor4("x"), T.dtensor4("w"), T.dtensor4("top")
    y = T.nnet.conv2d(x, w, border_mode=border, subsample=subsample, filter_flip=flip)
    gx, gw = T.grad((y * top).sum(), [x, w])
    grad_inputs = AbstractConv2d_gradInputs(None, None, border, subsample, flip)(w, top,
                                                                                  x.shape[-2:])
    grad_weights = AbstractConv2d_gradWeights(None, None, border, subsample, flip)(
        x, top, w.shape[-2:])
    return [x, w, top], [y, gx, gw, grad_inputs, grad_weights]


@pytest.mark.parametrize("border, subsample, flip", [("valid", (1, 1), True),
                                                     ("half", (2, 2), False),
                                                     ((2, 1), (1, 3), True)])
def test_abstract_gradient_ops_equal_the_gradients(border, subsample, flip):
    rng = np.random.default_rng(3)
    inputs, outputs = _top_grad_and_ops(border, subsample, flip)
    xv, wv = _rand(rng, 2, 3, 8, 7), _rand(rng, 4, 3, 3, 3)
    shape = reference_conv(xv, wv, border, subsample, flip=flip).shape
    topv = _rand(rng, *shape)
    y, gx, gw, grad_inputs, grad_weights = theano.function(inputs, outputs)(xv, wv, topv)
    assert gx.shape == xv.shape and gw.shape == wv.shape
    np.testing.assert_allclose(grad_inputs, gx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_weights, gw, rtol=1e-10, atol=1e-10)
    # the gradient wrt the filters by finite differences of the reference
    eps, k = 1e-6, (1, 2, 0, 1)
    bumped = wv.copy()
    bumped[k] += eps
    numeric = ((reference_conv(xv, bumped, border, subsample, flip=flip) -
                reference_conv(xv, wv, border, subsample, flip=flip)) * topv).sum() / eps
    assert abs(gw[k] - numeric) < 1e-4


def test_gradient_ops_have_gradients():
    rng = np.random.default_rng(5)
    grad_inputs = AbstractConv2d_gradInputs((None, 2, 6, 5), (3, 2, 3, 2), "half", (2, 1), True)
    T.verify_grad(lambda w, top: grad_inputs(w, top, (6, 5)),
                  [_rand(rng, 3, 2, 3, 2), _rand(rng, 2, 3, 3, 6)], rng=rng)
    grad_weights = AbstractConv2d_gradWeights(None, None, "valid", (1, 1), False)
    T.verify_grad(lambda x, top: grad_weights(x, top, (3, 2)),
                  [_rand(rng, 2, 2, 5, 4), _rand(rng, 2, 3, 3, 3)], rng=rng)


def test_conv2d_transpose_inverts_the_shape_of_a_strided_conv2d():
    rng = np.random.default_rng(2)
    x, w = T.dtensor4("x"), T.dtensor4("w")
    up = T.nnet.conv2d_transpose(x, w, output_shape=(None, 2, 9, 8), border_mode="half",
                                 input_dilation=(2, 2))
    f = theano.function([x, w], up)
    xv, wv = _rand(rng, 1, 3, 5, 4), _rand(rng, 3, 2, 3, 3)
    result = f(xv, wv)
    assert result.shape == (1, 2, 9, 8)
    # <conv(u, w), x> == <u, conv_transpose(x, w)> for every u
    u = _rand(rng, 1, 2, 9, 8)
    forward = reference_conv(u, wv, "half", (2, 2))
    np.testing.assert_allclose((forward * xv).sum(), (u * result).sum(), rtol=1e-10)
    with pytest.raises(ExecutionValueError, match="output gradient"):
        f(_rand(rng, 1, 3, 6, 4), wv)


def test_grad_wrt_inputs_and_weights_functions():
    rng = np.random.default_rng(4)
    x, w, top = T.dtensor4("x"), T.dtensor4("w"), T.dtensor4("top")
    gi = abstract_conv.conv2d_grad_wrt_inputs(top, w, (2, 3, x.shape[2], x.shape[3]),
                                             border_mode="full")
    gw = abstract_conv.conv2d_grad_wrt_weights(x, top, (4, 3, 2, 3), border_mode="full")
    y = T.nnet.conv2d(x, w, border_mode="full")
    ex, ew = T.grad((y * top).sum(), [x, w])
    f = theano.function([x, w, top], [gi, gw, ex, ew])
    xv, wv = _rand(rng, 2, 3, 5, 4), _rand(rng, 4, 3, 2, 3)
    gi_v, gw_v, ex_v, ew_v = f(xv, wv, _rand(rng, 2, 4, 6, 6))
    np.testing.assert_allclose(gi_v, ex_v, rtol=1e-10)
    np.testing.assert_allclose(gw_v, ew_v, rtol=1e-10)


@pytest.mark.parametrize("border, subsample, dilation, groups", [
    ("valid", (1, 1, 1), (1, 1, 1), 1),
    ("half", (2, 1, 2), (1, 2, 1), 1),
    ((1, 0, 2), (1, 1, 1), (1, 1, 1), 2),
])
def test_conv3d_matches_scipy_and_has_gradients(border, subsample, dilation, groups):
    rng = np.random.default_rng(8)
    x, w = T.TensorType("float64", (False,) * 5)("x"), T.TensorType("float64", (False,) * 5)("w")
    y = T.nnet.conv3d(x, w, border_mode=border, subsample=subsample, filter_dilation=dilation,
                      num_groups=groups)
    xv, wv = _rand(rng, 2, 2, 5, 6, 4), _rand(rng, 2, 2 // groups, 2, 3, 2)
    np.testing.assert_allclose(theano.function([x, w], y)(xv, wv),
                               reference_conv(xv, wv, border, subsample, dilation, True, groups),
                               rtol=1e-10, atol=1e-10)
    if groups == 1:
        T.verify_grad(lambda a, b: T.nnet.conv3d(a, b, border_mode=border, subsample=subsample,
                                                 filter_dilation=dilation),
                      [_rand(rng, 1, 2, 4, 5, 3), _rand(rng, 2, 2, 2, 2, 2)], rng=rng)


def reference_unshared(x, w, subsample, flip):
    """Locally connected: each output position (i, j) has its own filter."""
    n, c = x.shape[:2]
    o, oh, ow, _, kh, kw = w.shape
    if flip:
        w = w[..., ::-1, ::-1]
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * subsample[0]:i * subsample[0] + kh,
                      j * subsample[1]:j * subsample[1] + kw]
            out[:, :, i, j] = np.einsum("ncab,ocab->no", patch, w[:, i, j])
    return out


def test_unshared_conv2d_matches_a_loop_and_has_gradients():
    rng = np.random.default_rng(9)
    x, w = T.dtensor4("x"), T.TensorType("float64", (False,) * 6)("w")
    y = T.nnet.conv2d(x, w, subsample=(2, 1), unshared=True)
    xv, wv = _rand(rng, 2, 3, 7, 5), _rand(rng, 4, 3, 3, 3, 3, 3)
    np.testing.assert_allclose(theano.function([x, w], y)(xv, wv),
                               reference_unshared(xv, wv, (2, 1), True), rtol=1e-10)
    T.verify_grad(lambda a, b: T.nnet.conv2d(a, b, unshared=True, filter_flip=False),
                  [_rand(rng, 1, 2, 4, 4), _rand(rng, 2, 3, 3, 2, 2, 2)], rng=rng)


def test_legacy_conv2d_warns_and_convolves():
    rng = np.random.default_rng(11)
    x, w = T.dtensor4("x"), T.dtensor4("w")
    from tfgraph.tensor.nnet import conv
    with pytest.warns(UserWarning, match="deprecated"):
        y = conv.conv2d(x, w, image_shape=(2, 3, 6, 6), filter_shape=(2, 3, 3, 3),
                        border_mode="full", subsample=(2, 2))
    xv, wv = _rand(rng, 2, 3, 6, 6), _rand(rng, 2, 3, 3, 3)
    np.testing.assert_allclose(theano.function([x, w], y)(xv, wv),
                               reference_conv(xv, wv, "full", (2, 2)), rtol=1e-10)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="'valid' or 'full'"):
        conv.conv2d(x, w, border_mode="half")
    with pytest.warns(UserWarning, match="image_shape"):
        T.nnet.conv2d(x, w, image_shape=(2, 3, 6, 6))


# --- bad input ------------------------------------------------------------------------

def test_build_time_errors_name_the_argument():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    with pytest.raises(TypeError, match="input 'img'.*4-d"):
        T.nnet.conv2d(T.dtensor3("img"), w)
    with pytest.raises(TypeError, match="filters 'w'.*4-d"):
        T.nnet.conv2d(x, T.dmatrix("w"))
    with pytest.raises(ValueError, match="input 'x' has 3 channels but filters 'w' expect 4"):
        T.nnet.conv2d(x, w, input_shape=(None, 3, 8, 8), filter_shape=(5, 4, 3, 3))
    with pytest.raises(ValueError, match="do not fit"):
        T.nnet.conv2d(x, w, input_shape=(None, 3, 4, 8), filter_shape=(5, 3, 5, 3))
    with pytest.raises(ValueError, match="border_mode"):
        T.nnet.conv2d(x, w, border_mode="same")
    with pytest.raises(ValueError, match="num_groups"):
        T.nnet.conv2d(x, w, num_groups=0)
    with pytest.raises(ValueError, match="subsample"):
        T.nnet.conv2d(x, w, subsample=(1,))


def test_run_time_channel_mismatch_names_both_and_changes_nothing():
    x = T.dtensor4("x")
    w = theano.shared(np.ones((2, 3, 2, 2)), "W")
    cost = T.nnet.conv2d(x, w).sum()
    f = theano.function([x], cost, updates=[(w, w - 0.1 * T.grad(cost, w))])
    with pytest.raises(ExecutionValueError, match="channels of input 'x'.*filters 'W'"):
        f(np.ones((1, 4, 5, 5)))
    np.testing.assert_array_equal(w.get_value(), np.ones((2, 3, 2, 2)))
    f(np.ones((1, 3, 5, 5)))
    assert not np.array_equal(w.get_value(), np.ones((2, 3, 2, 2)))


def test_declared_shapes_are_hints_as_in_theano():
    # Theano checks them only with conv.assert_shape=True (default False)
    x, w = T.dtensor4("x"), T.dtensor4("w")
    f = theano.function([x, w], T.nnet.conv2d(x, w, input_shape=(2, 3, 6, 6)))
    assert f(np.ones((1, 3, 6, 6)), np.ones((1, 3, 2, 2))).shape == (1, 1, 5, 5)


def test_abstract_conv_called_as_an_op_and_output_shape():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    op = AbstractConv2d(imshp=(None, 1, 28, 28), kshp=(20, 1, 5, 5))
    y = op(x, w)
    assert isinstance(y.owner.op, AbstractConv2d)
    assert theano.function([x, w], y)(np.ones((2, 1, 28, 28)), np.ones((20, 1, 5, 5))).shape \
        == (2, 20, 24, 24)
    assert abstract_conv.get_conv_output_shape((2, 1, 28, 28), (20, 1, 5, 5), "half", (2, 2)) \
        == (2, 20, 14, 14)
    assert abstract_conv.get_conv_output_shape((2, 1, None, 9), (3, 1, 3, 3), (1, 2), (1, 1),
                                               (2, 2)) == (2, 3, None, 9)


def test_warnings_are_quiet_for_the_new_interface():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        T.nnet.conv2d(x, w, input_shape=(1, 1, 5, 5), filter_shape=(1, 1, 2, 2))


def test_channels_last_path_in_every_mode_and_gradient_wrt_an_intermediate():
    """conv -> pool -> tanh(+ bias) -> conv keeps channels last in between;
    the results, and a gradient wrt the intermediate (which keeps the plain
    path), agree in every mode and with the reference."""
    from tfgraph.tensor.signal import pool
    rng = np.random.default_rng(12)
    x = T.dtensor4("x")
    W, W1 = theano.shared(_rand(rng, 3, 2, 3, 3), "W"), theano.shared(_rand(rng, 2, 3, 2, 2), "W1")
    b = theano.shared(_rand(rng, 3), "b")
    h = T.tanh(pool.pool_2d(T.nnet.conv2d(x, W), (2, 2), ignore_border=True)
               + b.dimshuffle("x", 0, "x", "x"))
    y = T.nnet.conv2d(h, W1)
    outputs = [y, T.grad(y.sum(), h)] + T.grad(y.sum(), [W, b])
    xv = _rand(rng, 2, 2, 10, 10)
    conv0 = reference_conv(xv, W.get_value())
    pooled = conv0.reshape(2, 3, 4, 2, 4, 2).max(axis=(3, 5))
    hv = np.tanh(pooled + b.get_value()[None, :, None, None])
    expected_y = reference_conv(hv, W1.get_value())
    results = {mode: theano.function([x], outputs, mode=mode)(xv)
               for mode in ("FAST_RUN", "FAST_COMPILE", "DebugMode")}
    np.testing.assert_allclose(results["FAST_RUN"][0], expected_y, rtol=1e-10)
    for mode, values in results.items():
        for got, want in zip(values, results["FAST_RUN"]):
            np.testing.assert_allclose(got, want, rtol=1e-10, err_msg=mode)


def test_filters_flip_by_reverse_on_one_device_and_by_a_slice_on_a_mesh():
    """The same convolution and filter gradient either way; ``tf.reverse`` on
    one device (4x faster than a reversing slice), the slice on a mesh, where
    DTensor has no layout rule for ReverseV2."""
    rng = np.random.default_rng(7)
    x, w = T.dtensor4("x"), T.dtensor4("w")
    node = T.nnet.conv2d(x, w).owner
    xv, wv = tf.constant(_rand(rng, 2, 3, 7, 6)), tf.constant(_rand(rng, 4, 3, 3, 2))

    def lowered(platform):
        @tf.function
        def run(image, filters):
            with tf.GradientTape() as tape:
                tape.watch(filters)
                out = node.op.lower(node, [image, filters], Lowering(platform))[0]
                cost = tf.reduce_sum(out * out)
            return out, tape.gradient(cost, filters)
        graph = run.get_concrete_function(xv, wv).graph
        # slices of the 4-d filters (not of shape vectors)
        ops = {o.type for o in graph.get_operations()
               if o.type != "StridedSlice" or o.inputs[0].shape.rank == 4}
        return [r.numpy() for r in run(xv, wv)], ops

    (out, grad), ops = lowered(None)
    (mesh_out, mesh_grad), mesh_ops = lowered("mesh")
    np.testing.assert_allclose(out, reference_conv(xv.numpy(), wv.numpy()), rtol=1e-10)
    np.testing.assert_allclose(mesh_out, out, rtol=1e-12)
    np.testing.assert_allclose(mesh_grad, grad, rtol=1e-12)
    assert "ReverseV2" in ops and "StridedSlice" not in ops
    assert "StridedSlice" in mesh_ops and "ReverseV2" not in mesh_ops
