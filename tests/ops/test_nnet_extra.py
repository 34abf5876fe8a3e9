"""``T.nnet`` beyond the basics: Theano 1.0's activations, softmax of a
vector, losses, batch normalization, images2neibs, h_softmax, and the
classic LeNet trained step by step against NumPy."""
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.tensor.nnet import bn, neighbours
from tfgraph.tensor.signal import pool
from tools.bench_lenet import lenet_params, numpy_lenet_step, theano_lenet


def np_softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_softmax_of_a_vector_is_a_row():
    v = T.dvector("v")
    for fn, expected in ((T.nnet.softmax, np_softmax), (T.nnet.logsoftmax,
                                                         lambda z: np.log(np_softmax(z)))):
        out = fn(v)
        assert out.broadcastable == (True, False)
        result = out.eval({v: np.array([1.0, 2.0, 3.0])})
        assert result.shape == (1, 3)
        np.testing.assert_allclose(result[0], expected(np.array([1.0, 2.0, 3.0])), rtol=1e-12)


def _ultra_fast(x):
    a = np.abs(x / 2)
    t = np.where(a < 1.7, 1.5 * a / (1 + a),
                 np.where(a < 3, 0.935409070603099 + 0.0458812946797165 * (a - 1.7),
                          0.99505475368673))
    return 0.5 * (np.sign(x) * t + 1)


def test_activations_match_theano_formulas():
    x = T.dvector("x")
    alpha = theano.shared(0.3, "alpha")
    nn = T.nnet
    outs = [nn.relu(x, 0.1), nn.relu(x, alpha), nn.elu(x), nn.elu(x, 0.5), nn.selu(x),
            nn.softsign(x), nn.hard_sigmoid(x), nn.ultra_fast_sigmoid(x),
            nn.sigmoid_binary_crossentropy(x, 0.3)]
    xv = np.linspace(-8, 8, 41)
    scale, a = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    expected = [np.where(xv > 0, xv, 0.1 * xv), np.where(xv > 0, xv, 0.3 * xv),
                np.where(xv > 0, xv, np.expm1(xv)), np.where(xv > 0, xv, 0.5 * np.expm1(xv)),
                scale * np.where(xv > 0, xv, a * np.expm1(xv)), xv / (1 + np.abs(xv)),
                np.clip(0.2 * xv + 0.5, 0, 1), _ultra_fast(xv),
                -(0.3 * np.log(1 / (1 + np.exp(-xv))) + 0.7 * np.log(1 - 1 / (1 + np.exp(-xv))))]
    for out, result, want in zip(outs, theano.function([x], outs)(xv), expected):
        np.testing.assert_allclose(result, want, rtol=1e-10, atol=1e-12, err_msg=str(out))
    assert np.max(np.abs(_ultra_fast(xv) - 1 / (1 + np.exp(-xv)))) < 0.03
    assert T.nnet.hard_sigmoid(T.fvector()).dtype == "float32"


def test_activation_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    xv = rng.uniform(0.2, 2, 6) * rng.choice([-1, 1], 6)   # away from the kinks
    nn = T.nnet
    T.verify_grad(lambda x: nn.elu(x) + nn.selu(x) + nn.softsign(x) + nn.relu(x, 0.2)
                  + nn.hard_sigmoid(x), [xv], rng=rng)
    T.verify_grad(lambda x, a: nn.relu(x, a), [xv, np.array(0.3)], rng=rng)


def test_crossentropy_softmax_1hot():
    rng = np.random.default_rng(1)
    z, y = T.dmatrix("z"), T.ivector("y")
    nll, sm = T.nnet.crossentropy_softmax_1hot(z, y)
    zv, yv = rng.standard_normal((4, 5)) * 30, np.array([0, 4, 2, 2], "int32")
    nll_v, sm_v = theano.function([z, y], [nll, sm])(zv, yv)
    np.testing.assert_allclose(sm_v, np_softmax(zv), rtol=1e-12)
    logp = zv - zv.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    np.testing.assert_allclose(nll_v, -logp[np.arange(4), yv], rtol=1e-10)


def test_batch_normalization_functions():
    rng = np.random.default_rng(2)
    x = T.dtensor4("x")
    gamma, beta = T.dvector("gamma"), T.dvector("beta")
    rmean, rvar = T.dvector("rmean"), T.dvector("rvar")
    out, mean, invstd, new_mean, new_var = bn.batch_normalization_train(
        x, gamma, beta, "spatial", 1e-3, 0.2, rmean, rvar)
    test_out = bn.batch_normalization_test(x, gamma, beta, rmean, rvar, "spatial", 1e-3)
    plain = bn.batch_normalization(x, gamma.dimshuffle("x", 0, "x", "x"),
                                   beta.dimshuffle("x", 0, "x", "x"),
                                   rmean.dimshuffle("x", 0, "x", "x"),
                                   T.sqrt(rvar.dimshuffle("x", 0, "x", "x")))
    f = theano.function([x, gamma, beta, rmean, rvar],
                        [out, mean, invstd, new_mean, new_var, test_out, plain])
    xv = rng.standard_normal((4, 3, 2, 5))
    gv, bv, mv, vv = (rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3),
                      rng.uniform(0.5, 2, 3))
    results = f(xv, gv, bv, mv, vv)
    axes = (0, 2, 3)
    m, v = xv.mean(axes), xv.var(axes)
    c = lambda a: a[None, :, None, None]  # noqa: E731
    count = xv.size / 3
    expected = [(xv - c(m)) * c(gv / np.sqrt(v + 1e-3)) + c(bv), m, 1 / np.sqrt(v + 1e-3),
                0.8 * mv + 0.2 * m, 0.8 * vv + 0.2 * v * count / (count - 1),
                (xv - c(mv)) * c(gv / np.sqrt(vv + 1e-3)) + c(bv),
                (xv - c(mv)) * c(gv / np.sqrt(vv)) + c(bv)]
    for result, want in zip(results, expected):
        np.testing.assert_allclose(result, want, rtol=1e-10)
    T.verify_grad(lambda a, g: bn.batch_normalization_train(a, g, T.zeros_like(g))[0],
                  [rng.standard_normal((5, 3)), rng.standard_normal(3)], rng=rng)
    with pytest.raises(ValueError, match="epsilon"):
        bn.batch_normalization_train(x, gamma, beta, epsilon=1e-6)
    with pytest.raises(ValueError, match="gamma must have 1 dimensions"):
        bn.batch_normalization_test(x, T.dmatrix(), beta, rmean, rvar, "spatial")


def reference_neibs(x, shape, step, mode):
    c, d = shape
    pad = {"half": (c // 2, d // 2), "full": (c - 1, d - 1)}.get(mode, (0, 0))
    x = np.pad(x, [(0, 0), (0, 0), (pad[0],) * 2, (pad[1],) * 2])
    rows = []
    for n in range(x.shape[0]):
        for s in range(x.shape[1]):
            for a in range((x.shape[2] - c) // step[0] + 1):
                for b in range((x.shape[3] - d) // step[1] + 1):
                    rows.append(x[n, s, a * step[0]:a * step[0] + c,
                                  b * step[1]:b * step[1] + d].ravel())
    return np.array(rows)


@pytest.mark.parametrize("shape, step, mode, image", [
    ((2, 2), None, "valid", (2, 3, 4, 6)),
    ((3, 2), (1, 2), "valid", (1, 2, 5, 6)),
    ((2, 3), None, "ignore_borders", (2, 1, 5, 7)),
    ((3, 3), (2, 2), "half", (1, 2, 5, 5)),
    ((2, 3), (1, 1), "full", (1, 1, 3, 4)),
])
def test_images2neibs(shape, step, mode, image):
    x = T.dtensor4("x")
    xv = np.random.default_rng(3).standard_normal(image)
    result = theano.function([x], neighbours.images2neibs(x, shape, step, mode))(xv)
    np.testing.assert_array_equal(result, reference_neibs(xv, shape, step or shape, mode))


def test_images2neibs_inverse_gradient_and_errors():
    x = T.dtensor4("x")
    xv = np.random.default_rng(4).standard_normal((2, 2, 4, 6))
    neibs = neighbours.images2neibs(x, (2, 3))
    back = neighbours.neibs2images(neibs, (2, 3), x.shape)
    f = theano.function([x], back)
    np.testing.assert_array_equal(f(xv), xv)
    T.verify_grad(lambda a: neighbours.images2neibs(a, (2, 2), (1, 2)), [xv], rng=np.random)
    # Images2Neibs.perform in Theano 1.0.5 (tensor/nnet/neighbours.py): a TypeError.
    with pytest.raises(TypeError, match="not consistent"):
        f(np.ones((1, 1, 5, 6)))
    with pytest.raises(TypeError, match="4-d"):
        neighbours.images2neibs(T.dmatrix("m"), (2, 2))


def test_h_softmax_matches_the_two_level_product():
    rng = np.random.default_rng(5)
    batch, features, n_classes, per_class, n_outputs = 4, 3, 3, 4, 10
    x, target = T.dmatrix("x"), T.ivector("target")
    W1, b1 = rng.standard_normal((features, n_classes)), rng.standard_normal(n_classes)
    W2 = rng.standard_normal((n_classes, features, per_class))
    b2 = rng.standard_normal((n_classes, per_class))
    args = (batch, n_outputs, n_classes, per_class, W1, b1, W2, b2)
    all_probs = T.nnet.h_softmax(x, *args)
    picked = T.nnet.h_softmax(x, *args, target=target)
    xv, tv = rng.standard_normal((batch, features)), np.array([0, 9, 5, 3], "int32")
    all_v, picked_v = theano.function([x, target], [all_probs, picked])(xv, tv)
    class_p = np_softmax(xv @ W1 + b1)
    within = np_softmax(np.einsum("bf,cfo->bco", xv, W2) + b2)
    expected = (class_p[:, :, None] * within).reshape(batch, -1)[:, :n_outputs]
    np.testing.assert_allclose(all_v, expected, rtol=1e-10)
    np.testing.assert_allclose(picked_v, expected[np.arange(batch), tv], rtol=1e-10)


# --- the classic LeNet, in Theano style, against NumPy ----------------------------------
# The Theano program and the NumPy step by hand are the benchmark's (tools/bench_lenet.py).

def test_lenet_trains_as_numpy():
    rng = np.random.default_rng(6)
    batch, lr = 12, 0.1
    params = lenet_params(rng, nkerns=(6, 8), hidden=40)
    train, shared = theano_lenet(theano, T, params, batch, lr)
    reference = [p.copy() for p in params]
    for step in range(3):
        xv = rng.uniform(0, 1, (batch, 784))
        yv = rng.integers(0, 10, batch).astype("int32")
        expected_cost, reference = numpy_lenet_step(reference, xv, yv, lr)
        cost = train(xv, yv)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-10)
        for var, want in zip(shared, reference):
            np.testing.assert_allclose(var.get_value(), want, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{var.name} after step {step}")
    assert not np.allclose(shared[0].get_value(), params[0])


def test_lenet_with_the_tutorial_sizes_builds_and_runs_float32():
    """The tutorial's own sizes (20 and 50 filters, 500 hidden), one step in
    float32 on a small batch."""
    rng = np.random.default_rng(7)
    batch = 4
    params = lenet_params(rng, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no deprecation warnings on this path
        x, y = T.fmatrix("x"), T.ivector("y")
        W0 = theano.shared(params[0], "W0")
        conv0 = T.nnet.conv2d(x.reshape((batch, 1, 28, 28)), W0, filter_shape=(20, 1, 5, 5),
                              input_shape=(batch, 1, 28, 28))
        pooled = pool.pool_2d(conv0, ws=(2, 2), ignore_border=True)
    out = theano.function([x], pooled)(rng.uniform(0, 1, (batch, 784)).astype("float32"))
    assert out.shape == (batch, 20, 12, 12) and out.dtype == np.float32


def test_lenet_benchmark_rows_agree_with_numpy(capsys):
    """tools/bench.py --workloads lenet, tiny: every system's steps are checked
    against NumPy's before timing."""
    from tools import bench
    assert bench.main(["--quick", "--json", "--workloads", "lenet", "--repeats", "1",
                       "--systems", "numpy,tf,tfgraph"]) == 0
    import json
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["system"]: r["status"] for r in rows} == {
        "numpy": "ok", "tf NHWC": "ok", "tf NCHW": "ok", "tfgraph": "ok"}
