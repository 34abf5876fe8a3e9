"""Pooling: Theano's windows, output shapes and edges against a NumPy
reference written from its definition, gradients, and bad input."""
import importlib
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.errors import ExecutionValueError
from tfgraph.tensor.signal import pool


def reference_pool(x, ws, ignore_border, stride=None, pad=None, mode="max"):
    """Theano's pooling over the last len(ws) axes, window by window."""
    nd = len(ws)
    stride = stride or ws
    pad = pad or (0,) * nd
    sizes = [n + 2 * p for n, p in zip(x.shape[-nd:], pad)]
    lengths = []
    for v, w, s in zip(sizes, ws, stride):
        if ignore_border:
            lengths.append(max((v - w) // s + 1, 0))
        elif s >= w:
            lengths.append((v - 1) // s + 1)
        else:
            lengths.append(max(0, (v - 1 - w + s) // s) + 1)
    padded = np.zeros(x.shape[:-nd] + tuple(sizes))
    padded[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(pad, x.shape[-nd:]))] = x
    out = np.zeros(x.shape[:-nd] + tuple(lengths))
    for index in np.ndindex(*lengths):
        window = []
        for i, v, w, s, p in zip(index, sizes, ws, stride, pad):
            start, end = i * s, min(i * s + w, v)
            if mode != "average_inc_pad":
                start, end = max(start, p), min(end, v - p)
            window.append(slice(start, end))
        region = padded[(Ellipsis,) + tuple(window)]
        region = region.reshape(region.shape[:-nd] + (-1,))
        reduce = {"max": np.max, "sum": np.sum}.get(mode, np.mean)
        out[(Ellipsis,) + index] = reduce(region, axis=-1)
    return out


CASES = [
    # input shape, ws, ignore_border, stride, pad
    ((2, 3, 6, 6), (2, 2), True, None, (0, 0)),
    ((2, 3, 7, 5), (2, 2), False, None, (0, 0)),
    ((2, 3, 7, 5), (3, 2), True, (2, 1), (0, 0)),
    ((2, 3, 7, 5), (3, 3), False, (2, 2), (0, 0)),
    ((2, 3, 7, 8), (2, 3), False, (3, 4), (0, 0)),
    ((2, 3, 7, 5), (3, 3), True, (2, 2), (1, 2)),
    ((1, 2, 5, 6), (4, 3), True, (1, 2), (2, 1)),
    ((2, 2, 3), (2, 2), False, (1, 1), (0, 0)),
    ((3, 2, 2, 5, 4), (3, 2), False, (2, 1), (0, 0)),
    ((4, 5), (5, 2), False, (1, 1), (0, 0)),
]


@pytest.mark.parametrize("shape, ws, ignore_border, stride, pad", CASES)
def test_pool_2d_matches_theano_windows(shape, ws, ignore_border, stride, pad):
    rng = np.random.default_rng(sum(shape))
    x = T.TensorType("float64", (False,) * len(shape))("x")
    modes = ["max", "sum", "average_inc_pad", "average_exc_pad"]
    f = theano.function([x], [pool.pool_2d(x, ws, ignore_border, stride, pad, mode)
                              for mode in modes])
    xv = rng.standard_normal(shape) - 2     # negative: a padding zero would show in max
    for mode, result in zip(modes, f(xv)):
        expected = reference_pool(xv, ws, ignore_border, stride, pad, mode)
        assert result.shape == expected.shape, mode
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12, err_msg=mode)


def test_pool_float32_and_integers():
    rng = np.random.default_rng(0)
    x, i = T.ftensor4("x"), T.itensor4("i")
    f = theano.function([x, i], [pool.pool_2d(x, (2, 2), True, mode="average_exc_pad"),
                                 pool.pool_2d(i, (3, 2), False)])
    xv = rng.standard_normal((2, 2, 5, 4)).astype("float32")
    iv = rng.integers(-100, 100, (2, 2, 5, 4)).astype("int32")
    a, b = f(xv, iv)
    assert a.dtype == np.float32 and b.dtype == np.int32
    np.testing.assert_allclose(a, reference_pool(xv, (2, 2), True, mode="average_exc_pad"),
                               rtol=1e-6)
    np.testing.assert_array_equal(b, reference_pool(iv, (3, 2), False))


@pytest.mark.parametrize("ignore_border, stride, pad", [(True, None, (0, 0, 0)),
                                                        (False, (1, 2, 1), (0, 0, 0)),
                                                        (True, (2, 1, 2), (1, 1, 0))])
def test_pool_3d_matches_theano_windows(ignore_border, stride, pad):
    rng = np.random.default_rng(3)
    x = T.TensorType("float64", (False,) * 5)("x")
    modes = ["max", "sum", "average_inc_pad", "average_exc_pad"]
    f = theano.function([x], [pool.pool_3d(x, (2, 3, 2), ignore_border, stride, pad, mode)
                              for mode in modes])
    xv = rng.standard_normal((2, 2, 5, 6, 5)) - 2
    for mode, result in zip(modes, f(xv)):
        np.testing.assert_allclose(result, reference_pool(xv, (2, 3, 2), ignore_border, stride,
                                                          pad, mode), rtol=1e-12, err_msg=mode)


@pytest.mark.parametrize("mode", ["max", "sum", "average_inc_pad", "average_exc_pad"])
def test_pool_gradients_match_finite_differences(mode):
    rng = np.random.default_rng(4)
    # distinct values, so that max has one maximum per window
    xv = rng.permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) / 10.0
    T.verify_grad(lambda x: pool.pool_2d(x, (3, 2), False, (2, 2), mode=mode), [xv], rng=rng)
    T.verify_grad(lambda x: pool.pool_2d(x, (3, 3), True, (2, 1), (1, 2), mode=mode), [xv],
                  rng=rng)


def test_pool_3d_gradient():
    rng = np.random.default_rng(5)
    xv = rng.permutation(2 * 4 * 3 * 5).reshape(1, 2, 4, 3, 5) / 10.0
    T.verify_grad(lambda x: pool.pool_3d(x, (2, 2, 3), False, (2, 1, 2)), [xv], rng=rng)
    T.verify_grad(lambda x: pool.pool_3d(x, (2, 2, 2), True, mode="average_exc_pad",
                                         pad=(1, 1, 1)), [xv], rng=rng)


def test_max_pool_2d_same_size():
    x = T.dtensor4("x")
    f = theano.function([x], pool.max_pool_2d_same_size(x, (2, 2)))
    xv = np.array([[[[1., 5, 2, 2, 9],
                     [3, 4, 2, 1, 9],
                     [0, 0, 7, 1, 9]]]])
    expected = np.array([[[[0., 5, 2, 2, 0],
                           [0, 0, 2, 0, 0],
                           [0, 0, 0, 0, 0]]]])
    np.testing.assert_array_equal(f(xv), expected)


def test_default_ignore_border_warns_and_is_false():
    x = T.dtensor4("x")
    with pytest.warns(UserWarning, match="ignore_border"):
        y = pool.pool_2d(x, (2, 2))
    assert theano.function([x], y)(np.ones((1, 1, 5, 5))).shape == (1, 1, 3, 3)


def test_deprecated_argument_names():
    x = T.dtensor4("x")
    with pytest.warns(UserWarning) as record:
        y = pool.pool_2d(x, ds=(2, 2), ignore_border=True, st=(1, 1), padding=(1, 1))
    assert all(any(f"'{old}'" in str(w.message) for w in record)
               for old in ("ds", "st", "padding"))
    xv = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    np.testing.assert_allclose(theano.function([x], y)(xv),
                               reference_pool(xv, (2, 2), True, (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="both 'ws' and 'ds'"):
        pool.pool_2d(x, ws=(2, 2), ds=(2, 2), ignore_border=True)
    with pytest.raises(ValueError, match="window size"):
        pool.pool_2d(x, ignore_border=True)


def test_downsample_does_not_exist(theano_alias):
    # Theano 1.0.5 has no signal.downsample: the alias says where pooling went.
    with pytest.raises(ImportError, match="pool.pool_2d"):
        importlib.import_module("theano.tensor.signal.downsample")


def test_bad_input():
    x = T.dtensor4("x")
    with pytest.raises(NotImplementedError, match="ignore_border=True"):
        pool.pool_2d(x, (2, 2), ignore_border=False, pad=(1, 1))
    with pytest.raises(NotImplementedError, match="smaller than ws"):
        pool.pool_2d(x, (2, 2), ignore_border=True, pad=(2, 0))
    with pytest.raises(ValueError, match="mode"):
        pool.pool_2d(x, (2, 2), ignore_border=True, mode="median")
    with pytest.raises(NotImplementedError, match="requires a dimension >= 2"):
        pool.pool_2d(T.dvector("v"), (2, 2), ignore_border=True)
    # the rows are known to be 1 (broadcastable): a 2-row window cannot fit
    row_images = T.TensorType("float64", (False, False, True, False))("rows")
    with pytest.raises(ValueError, match="ws \\(2, 2\\) is larger than input 'rows'"):
        pool.pool_2d(row_images, (2, 2), ignore_border=True)
    small = np.ones((1, 1, 3, 3))
    with pytest.raises(ValueError, match="larger than input"):
        pool.pool_2d(T.constant(small), (4, 4), ignore_border=True)


def test_run_time_window_too_large_changes_nothing():
    x = T.dtensor4("x")
    w = theano.shared(np.float64(1.0), "w")
    cost = pool.pool_2d(x * w, (3, 3), ignore_border=True).sum()
    f = theano.function([x], cost, updates=[(w, w + 1)])
    with pytest.raises(ExecutionValueError, match="ws \\(3, 3\\) is larger than input"):
        f(np.ones((1, 1, 2, 5)))
    assert w.get_value() == 1.0
    assert f(np.ones((1, 1, 3, 5))) == 1.0 and w.get_value() == 2.0


def test_ignore_border_false_keeps_partial_windows_unlike_valid():
    x = T.dtensor4("x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = theano.function([x], [pool.pool_2d(x, (2, 2), False),
                                  pool.pool_2d(x, (2, 2), True)])
    xv = np.arange(25.0).reshape(1, 1, 5, 5)
    partial, whole = f(xv)
    np.testing.assert_array_equal(partial[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    np.testing.assert_array_equal(whole[0, 0], [[6, 8], [16, 18]])


def reference_max_pool_grad(x, gz, ws, ignore_border, stride=None, pad=None):
    """Theano 1.0.5's MaxPoolGrad: every element of a window equal to the
    window's maximum receives that window's output gradient in full."""
    nd = len(ws)
    stride = stride or ws
    pad = pad or (0,) * nd
    maxout = reference_pool(x, ws, ignore_border, stride, pad, "max")
    gx = np.zeros_like(x)
    sizes = x.shape[-nd:]
    for index in np.ndindex(*maxout.shape[-nd:]):
        window = []
        for i, n, w, s, p in zip(index, sizes, ws, stride, pad):
            start, end = max(i * s - p, 0), min(i * s + w - p, n)
            window.append(slice(start, end))
        region = (Ellipsis,) + tuple(window)
        top = maxout[(Ellipsis,) + index][(Ellipsis,) + (None,) * nd]
        gx[region] += np.where(x[region] == top, gz[(Ellipsis,) + index][
            (Ellipsis,) + (None,) * nd], 0)
    return gx


@pytest.mark.parametrize("ws, ignore_border, stride, pad", [
    ((2, 2), True, None, (0, 0)),        # non-overlapping
    ((3, 2), False, (2, 1), (0, 0)),     # overlapping, partial windows
    ((3, 3), True, (1, 2), (1, 1)),      # padded
])
def test_max_pool_gradient_at_ties_goes_to_every_maximum(ws, ignore_border, stride, pad):
    rng = np.random.default_rng(7)
    x, gz = T.dtensor4("x"), T.dtensor4("gz")
    y = pool.pool_2d(x, ws, ignore_border, stride, pad)
    # the gradient of sum(y * gz) with respect to x is MaxPoolGrad(x, y, gz)
    f = theano.function([x, gz], T.grad((y * gz).sum(), x))
    xv = rng.integers(0, 3, (2, 2, 6, 5)).astype("float64")      # many ties
    gzv = rng.standard_normal(reference_pool(xv, ws, ignore_border, stride, pad).shape)
    expected = reference_max_pool_grad(xv, gzv, ws, ignore_border, stride, pad)
    np.testing.assert_allclose(f(xv, gzv), expected, rtol=1e-12)
    assert (xv == 2).sum() > 0 and not np.allclose(expected, 0)


@pytest.mark.parametrize("ignore_border", [True, False])
def test_max_pool_gradient_of_tiling_windows_is_differentiable_again(ignore_border):
    """The common case's gradient (windows tiling the image, fused into one
    XLA loop) is linear in the output's gradient: verify_grad with respect
    to it, float32 with ties, rows and columns past the last window."""
    rng = np.random.default_rng(11)
    xv = rng.integers(0, 3, (2, 3, 7, 6)).astype("float32")
    x = theano.shared(xv, "x")
    y = pool.pool_2d(x, (2, 2), ignore_border)
    gzv = rng.standard_normal(reference_pool(xv, (2, 2), ignore_border).shape)
    f = theano.function([], T.grad((y * gzv.astype("float32")).sum(), x))
    np.testing.assert_allclose(f(), reference_max_pool_grad(xv, gzv, (2, 2), ignore_border),
                               rtol=1e-6)
    x64 = theano.shared(xv.astype("float64"), "x64")    # float64: a numeric gradient to 1e-4
    y64 = pool.pool_2d(x64, (2, 2), ignore_border)
    T.verify_grad(lambda gz: T.grad((y64 * gz).sum(), x64), [gzv], rng=rng)


def spp_pool(x, bins, mode, ignore_border=True):
    """Lasagne's spatial pyramid pooling: window and stride from the input's
    (symbolic) shape, so that there are ``bins`` windows per axis."""
    size = x.shape[2:]
    ws = tuple((size[i] + bins[i] - 1) // bins[i] for i in range(2))
    stride = tuple(size[i] // bins[i] for i in range(2))
    return pool.pool_2d(x, ws=ws, stride=stride, mode=mode, ignore_border=ignore_border)


def test_pool_with_symbolic_window_stride_and_pad():
    x = T.dtensor4("x")
    p = T.iscalar("p")
    modes = ["max", "sum", "average_inc_pad", "average_exc_pad"]
    outs = [spp_pool(x, (2, 3), mode) for mode in modes]
    outs += [pool.pool_2d(x, (p + 1, 2), True, (1, p), (p, 0), mode) for mode in modes]
    outs.append(spp_pool(x, (3, 1), "max", ignore_border=False))
    f = theano.function([x, p], outs)
    rng = np.random.default_rng(8)
    for shape, pv in (((2, 3, 7, 9), 1), ((1, 2, 4, 6), 2)):
        xv = rng.standard_normal(shape) - 2
        ws = tuple((n + b - 1) // b for n, b in zip(shape[2:], (2, 3)))
        stride = tuple(n // b for n, b in zip(shape[2:], (2, 3)))
        results = f(xv, pv)
        for mode, result in zip(modes, results[:4]):
            np.testing.assert_allclose(result, reference_pool(xv, ws, True, stride, None, mode),
                                       rtol=1e-12, err_msg=mode)
            assert result.shape[2:] == (2, 3)
        for mode, result in zip(modes, results[4:8]):
            np.testing.assert_allclose(result, reference_pool(xv, (pv + 1, 2), True, (1, pv),
                                                              (pv, 0), mode), rtol=1e-12)
        ws = ((shape[2] + 2) // 3, shape[3])
        np.testing.assert_allclose(results[8], reference_pool(
            xv, ws, False, (shape[2] // 3, shape[3]), None, "max"), rtol=1e-12)


def test_symbolic_pool_gradients():
    rng = np.random.default_rng(9)
    xv = rng.permutation(2 * 6 * 7).reshape(1, 2, 6, 7) / 10.0
    for mode in ("max", "average_exc_pad"):
        T.verify_grad(lambda x: spp_pool(x, (2, 3), mode), [xv], rng=rng)
    # ties, with windows known only at run time
    x, gz = T.dtensor4("x"), T.dtensor4("gz")
    y = spp_pool(x, (2, 2), "max")
    f = theano.function([x, gz], T.grad((y * gz).sum(), x))
    xv = rng.integers(0, 2, (1, 2, 5, 6)).astype("float64")
    gzv = rng.standard_normal((1, 2, 2, 2))
    np.testing.assert_allclose(f(xv, gzv), reference_max_pool_grad(xv, gzv, (3, 3), True,
                                                                   (2, 3)), rtol=1e-12)


def test_theano_pool_op_takes_window_as_inputs():
    x, w = T.dtensor4("x"), T.lscalar("w")
    op = pool.Pool(ignore_border=True, mode="sum")
    f = theano.function([x, w], [op(x, (w, w)), op(x, (2, 2), (1, 1)),
                                 pool.Pool(False, "max", 2)(x, T.stack([w, 2]))])
    xv = np.random.default_rng(10).standard_normal((1, 1, 5, 5))
    a, b, c = f(xv, 3)
    np.testing.assert_allclose(a, reference_pool(xv, (3, 3), True, mode="sum"))
    np.testing.assert_allclose(b, reference_pool(xv, (2, 2), True, (1, 1), mode="sum"))
    np.testing.assert_allclose(c, reference_pool(xv, (3, 2), False))


def test_symbolic_pool_bad_input():
    x, w = T.dtensor4("x"), T.lscalar("w")
    with pytest.raises(TypeError, match="ws must be ints"):
        pool.pool_2d(x, (T.dscalar("f"), 2), ignore_border=True)
    with pytest.raises(ValueError, match="ws must have 2 elements"):
        pool.pool_2d(x, (w, w, w), ignore_border=True)
    f = theano.function([x, w], pool.pool_2d(x, (w, 2), ignore_border=True, stride=(w, 1)))
    with pytest.raises(ExecutionValueError, match="ws and stride must be >= 1"):
        f(np.ones((1, 1, 4, 4)), 0)
    with pytest.raises(ExecutionValueError, match="larger than input"):
        f(np.ones((1, 1, 4, 4)), 5)
    g = theano.function([x, w], pool.pool_2d(x, (2, 2), ignore_border=False, pad=(w, 0)))
    with pytest.raises(ExecutionValueError, match="ignore_border=True"):
        g(np.ones((1, 1, 4, 4)), 1)


def test_pool_3d_with_symbolic_window():
    x = T.TensorType("float64", (False,) * 5)("x")
    w = T.lscalar("w")
    modes = ["max", "average_exc_pad"]
    f = theano.function([x, w], [pool.pool_3d(x, (w, 2, w), False, (1, w, 2), mode=m)
                                 for m in modes] +
                        [T.grad(pool.pool_3d(x, (w, 2, w), True).sum(), x)])
    xv = np.random.default_rng(11).integers(0, 3, (1, 2, 4, 5, 4)).astype("float64")
    *results, grad = f(xv, 2)
    for mode, result in zip(modes, results):
        np.testing.assert_allclose(result, reference_pool(xv, (2, 2, 2), False, (1, 2, 2),
                                                          mode=mode), rtol=1e-12)
    ones = np.ones(reference_pool(xv, (2, 2, 2), True).shape)
    np.testing.assert_allclose(grad, reference_max_pool_grad(xv, ones, (2, 2, 2), True))
