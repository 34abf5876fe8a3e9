"""Theano-style models that draw random numbers in their graphs: a denoising
autoencoder's training step and a dropout MLP, run unchanged and
reproducibly."""
import numpy as np

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.sandbox.rng_mrg import MRG_RandomStreams
from tfgraph.tensor.shared_randomstreams import RandomStreams


def make_dae(seed):
    """The deeplearning.net denoising autoencoder (dA), as written for Theano."""
    numpy_rng = np.random.RandomState(123)
    theano_rng = RandomStreams(seed)
    n_visible, n_hidden = 20, 8
    bound = 4 * np.sqrt(6.0 / (n_hidden + n_visible))
    W = theano.shared(np.asarray(numpy_rng.uniform(-bound, bound, (n_visible, n_hidden)),
                                 dtype=theano.config.floatX), name="W", borrow=True)
    b = theano.shared(np.zeros(n_hidden, dtype=theano.config.floatX), name="b")
    b_prime = theano.shared(np.zeros(n_visible, dtype=theano.config.floatX), name="b'")
    x = T.matrix("x")
    corruption_level = 0.3
    tilde_x = theano_rng.binomial(size=x.shape, n=1, p=1 - corruption_level,
                                  dtype=theano.config.floatX) * x
    y = T.nnet.sigmoid(T.dot(tilde_x, W) + b)
    z = T.nnet.sigmoid(T.dot(y, W.T) + b_prime)
    L = -T.sum(x * T.log(z) + (1 - x) * T.log(1 - z), axis=1)
    cost = T.mean(L)
    params = [W, b, b_prime]
    gparams = T.grad(cost, params)
    updates = [(p, p - 0.1 * g) for p, g in zip(params, gparams)]
    train = theano.function([x], cost, updates=updates)
    return train, params, tilde_x, x


def test_denoising_autoencoder_trains_reproducibly():
    data = (np.random.RandomState(0).rand(50, 20) > 0.5).astype(theano.config.floatX)
    runs = []
    for _ in range(2):
        train, params, _, _ = make_dae(seed=2)
        costs = [float(train(data)) for _ in range(30)]
        runs.append((costs, [p.get_value() for p in params]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    costs = runs[0][0]
    assert costs[-1] < costs[0]


def test_denoising_autoencoder_corruption_matches_numpy_step():
    """One step by hand in NumPy, with the mask the graph drew."""
    data = (np.random.RandomState(1).rand(10, 20) > 0.5).astype("float64")
    train, params, tilde_x, x = make_dae(seed=3)
    W0, b0, bp0 = [p.get_value() for p in params]
    corrupt = theano.function([x], tilde_x, no_default_updates=True)
    noisy = corrupt(data)
    assert np.all((noisy == 0) | (noisy == data))
    kept = (noisy != 0).sum() / max((data != 0).sum(), 1)
    assert 0.5 < kept < 0.9

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))
    y = sigmoid(noisy @ W0 + b0)
    z = sigmoid(y @ W0.T + bp0)
    expected = np.mean(-np.sum(data * np.log(z) + (1 - data) * np.log(1 - z), axis=1))
    np.testing.assert_allclose(train(data), expected, rtol=1e-10)


def test_dropout_mlp_in_theano_style():
    theano.config.floatX = "float32"
    rng = np.random.RandomState(4)
    srng = MRG_RandomStreams(seed=1234)
    X, y = T.matrix("X"), T.ivector("y")
    sizes = [10, 32, 32, 3]
    Ws = [theano.shared(rng.normal(0, 0.3, (a, b)).astype("float32"), name=f"W{i}")
          for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
    bs = [theano.shared(np.zeros(b, "float32"), name=f"b{i}") for i, b in enumerate(sizes[1:])]

    def dropout(h, p):
        mask = srng.binomial(n=1, p=1 - p, size=h.shape, dtype=theano.config.floatX)
        return h * mask / (1 - p)

    h = X
    for W, b in zip(Ws[:-1], bs[:-1]):
        h = dropout(T.nnet.relu(T.dot(h, W) + b), 0.5)
    p_y = T.nnet.softmax(T.dot(h, Ws[-1]) + bs[-1])
    cost = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
    params = Ws + bs
    grads = T.grad(cost, params)
    train = theano.function([X, y], cost,
                            updates=[(p, p - 0.05 * g) for p, g in zip(params, grads)])
    # Evaluation without dropout: the deterministic net.
    h_eval = X
    for W, b in zip(Ws[:-1], bs[:-1]):
        h_eval = T.nnet.relu(T.dot(h_eval, W) + b)
    predict = theano.function([X], T.argmax(T.dot(h_eval, Ws[-1]) + bs[-1], axis=1))

    centers = rng.normal(0, 2, (3, 10))
    labels = rng.randint(0, 3, 300).astype("int32")
    data = (centers[labels] + rng.normal(0, 0.5, (300, 10))).astype("float32")
    start = [p.get_value() for p in params]
    costs = [float(train(data, labels)) for _ in range(60)]
    assert costs[-1] < costs[0] / 2
    assert (predict(data) == labels).mean() > 0.9
    # Again from the same start and seed: the same costs, step for step.
    for p, v in zip(params, start):
        p.set_value(v)
    srng.seed(1234)
    assert [float(train(data, labels)) for _ in range(5)] == costs[:5]
    # And as one loop of 5 steps.
    for p, v in zip(params, start):
        p.set_value(v)
    srng.seed(1234)
    # (The loop runs under XLA, which may round float32 sums differently.)
    np.testing.assert_allclose(train.loop(5, data, labels), np.float32(costs[:5]), rtol=1e-6)
