"""Programs written for Theano 1.0 (experiments/legacy/*.py, in the style of the
classic deep learning tutorials: they say ``import theano``) run through the
alias, and give the numbers of a NumPy reference."""
import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def nll_and_grads(x, y, W, b):
    """Mean negative log-likelihood of softmax regression and its gradients."""
    p = softmax(x @ W + b)
    n = len(y)
    delta = p.copy()
    delta[np.arange(n), y] -= 1
    return -np.mean(np.log(p[np.arange(n), y])), x.T @ delta / n, delta.mean(axis=0)


def test_logistic_regression_sgd_with_givens_and_early_stopping(legacy_program):
    result = legacy_program("logreg_sgd")["sgd_optimization"](n_epochs=6)
    (train_x, train_y), (valid_x, valid_y) = result["data"]
    W, b, costs, best = np.zeros((5, 3)), np.zeros(3), [], np.inf
    for epoch in range(6):
        for i in range(10):
            sl = slice(i * 20, (i + 1) * 20)
            cost, gW, gb = nll_and_grads(train_x[sl], train_y[sl], W, b)
            costs.append(cost)
            W, b = W - 0.13 * gW, b - 0.13 * gb
            if (epoch * 10 + i + 1) % 10 == 0:
                errors = np.mean([np.mean(np.argmax(valid_x[j * 20:(j + 1) * 20] @ W + b, 1)
                                          != valid_y[j * 20:(j + 1) * 20]) for j in range(5)])
                best = min(best, errors)
    np.testing.assert_allclose(result["costs"], costs, rtol=1e-9)
    np.testing.assert_allclose(result["W"], W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result["b"], b, rtol=1e-9, atol=1e-12)
    assert result["best_validation_loss"] == best and result["epochs"] == 6


def test_logistic_regression_conjugate_gradients_with_scipy(legacy_program):
    import scipy.optimize
    result = legacy_program("logreg_cg")["cg_optimization"]()
    x, y = result["data"]

    def unpack(theta):
        return theta[:12].reshape(4, 3), theta[12:]

    def cost(theta):
        return nll_and_grads(x, y, *unpack(theta))[0]

    def grad(theta):
        _, gW, gb = nll_and_grads(x, y, *unpack(theta))
        return np.concatenate([gW.ravel(), gb])
    best = scipy.optimize.fmin_cg(cost, np.zeros(15), fprime=grad, disp=0, maxiter=30)
    # 30 CG steps amplify last-bit differences in the parameters (the optimum
    # is flat), not in the cost.
    np.testing.assert_allclose(result["theta"], best, atol=1e-4)
    np.testing.assert_allclose(result["cost"], cost(best), rtol=1e-6)
    np.testing.assert_allclose(result["cost"], cost(result["theta"]), rtol=1e-12)
    assert result["cost"] < cost(np.zeros(15)) / 2


def test_mlp_with_l1_l2_and_ordered_dict_updates(legacy_program):
    result = legacy_program("mlp_autoencoder")["train_mlp"]()
    x, y = result["data"]
    lr, l1, l2 = result["hyper"]
    W1, b1, W2, b2 = [p.copy() for p in result["initial"]]
    n, costs = len(y), []
    for _ in range(20):
        h = np.tanh(x @ W1 + b1)
        p = softmax(h @ W2 + b2)
        costs.append(-np.mean(np.log(p[np.arange(n), y])) + l1 * (np.abs(W1).sum()
                     + np.abs(W2).sum()) + l2 * ((W1 ** 2).sum() + (W2 ** 2).sum()))
        d2 = p.copy()
        d2[np.arange(n), y] -= 1
        d2 /= n
        d1 = (d2 @ W2.T) * (1 - h ** 2)
        gW2 = h.T @ d2 + l1 * np.sign(W2) + 2 * l2 * W2
        gW1 = x.T @ d1 + l1 * np.sign(W1) + 2 * l2 * W1
        W1, b1, W2, b2 = W1 - lr * gW1, b1 - lr * d1.sum(0), W2 - lr * gW2, b2 - lr * d2.sum(0)
    np.testing.assert_allclose(result["costs"], costs, rtol=1e-9)
    for got, want in zip(result["final"], [W1, b1, W2, b2]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    assert costs[-1] < costs[0]


def minibatch_error(step, params, x, y, starts, bs):
    """The mean error rate of ``step``'s predictions over the minibatches at ``starts``."""
    return np.mean([np.mean(step(params, x[j:j + bs], y[j:j + bs])[2] != y[j:j + bs])
                    for j in starts])


def check_minibatch_sgd(result, step, params, x, y, lr, bs, n_batches, valid_starts,
                        costs_key="costs"):
    """2 epochs of SGD with ``step(params, x, y) -> (cost, grads, predictions)``
    on the first ``n_batches`` minibatches, the validation error after each
    epoch: checked against the program's ``result``. Returns the final params."""
    costs, validation = [], []
    for epoch in range(2):
        for i in range(n_batches):
            cost, grads, _ = step(params, x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs])
            costs.append(cost)
            params = [p - lr * g for p, g in zip(params, grads)]
        validation.append(minibatch_error(step, params, x, y, valid_starts, bs))
    np.testing.assert_allclose(result[costs_key], costs, rtol=1e-9)
    for got, want in zip(result["final"], params):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(result["validation"], validation)
    return params


def tied_autoencoder_step(encoded, x, W, b, bv):
    """Cross-entropy cost of reconstructing ``x`` from ``encoded`` (``x``
    itself, or a corrupted ``x``) with tied weights, and its gradients."""
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    h = sig(encoded @ W + b)
    z = sig(h @ W.T + bv)
    cost = np.mean(-np.sum(x * np.log(z) + (1 - x) * np.log(1 - z), axis=1))
    dz = (z - x) / len(x)
    dh = (dz @ W) * h * (1 - h)
    gW = encoded.T @ dh + dz.T @ h  # the encoder's and the decoder's (tied) use
    return cost, [gW, dh.sum(0), dz.sum(0)]


def test_tied_weight_autoencoder(legacy_program):
    result = legacy_program("mlp_autoencoder")["train_autoencoder"]()
    x, lr = result["data"], result["learning_rate"]
    W, b, bv = [p.copy() for p in result["initial"]]
    costs = []
    for _ in range(15):
        cost, (gW, gb, gbv) = tied_autoencoder_step(x, x, W, b, bv)
        costs.append(cost)
        W, b, bv = W - lr * gW, b - lr * gb, bv - lr * gbv
    np.testing.assert_allclose(result["costs"], costs, rtol=1e-9)
    for got, want in zip(result["final"], [W, b, bv]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)


def test_experiment_runs_the_program_unmodified(theano_alias, capsys):
    from experiments import legacy_tutorial
    result = legacy_tutorial.run_legacy()
    out = capsys.readouterr().out
    assert "python -m tfgraph.run" in out and "best validation error 0.000000 %" in out
    assert result["__name__"] == "__main__" and result["theano"].__name__ == "tfgraph"


def contractive_autoencoder_step(x, W, b, bv, level):
    """The reconstruction cost and the mean squared Frobenius norm of the
    encoder's Jacobian (``sum_j (h_j (1 - h_j))^2 sum_i W_ij^2`` per example),
    and the gradients of ``reconstruction + level * norm``."""
    cost, (gW, gb, gbv) = tied_autoencoder_step(x, x, W, b, bv)
    h = 1 / (1 + np.exp(-(x @ W + b)))
    a = h * (1 - h)
    column_norms = np.sum(W ** 2, axis=0)
    jacobian = np.sum(a ** 2 * column_norms) / len(x)
    # d/dh of a^2 is 2 a (1 - 2 h); through the sigmoid, times a again.
    d_pre = level * 2 * a ** 2 * (1 - 2 * h) * column_norms / len(x)
    gW = gW + level * 2 * W * np.sum(a ** 2, axis=0) / len(x) + x.T @ d_pre
    return (cost, jacobian), [gW, gb + d_pre.sum(0), gbv]


def test_contractive_autoencoder_jacobian_penalty(legacy_program):
    result = legacy_program("contractive_autoencoder")["test_cA"]()
    data, (lr, bs, level) = result["data"], result["hyper"]
    W, b, bv = [p.copy() for p in result["initial"]]
    costs = []
    for step in range(9):
        x = data[(step % 3) * bs:(step % 3 + 1) * bs]
        cost, (gW, gb, gbv) = contractive_autoencoder_step(x, W, b, bv, level)
        costs.append(cost)
        W, b, bv = W - lr * gW, b - lr * gb, bv - lr * gbv
    np.testing.assert_allclose(np.array(result["costs"], dtype=float), costs, rtol=1e-9)
    for got, want in zip(result["final"], [W, b, bv]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    # The penalty moved the parameters: without it they end elsewhere.
    W0, b0, bv0 = [p.copy() for p in result["initial"]]
    for step in range(9):
        x = data[(step % 3) * bs:(step % 3 + 1) * bs]
        _, (gW, gb, gbv) = contractive_autoencoder_step(x, W0, b0, bv0, 0.0)
        W0, b0, bv0 = W0 - lr * gW, b0 - lr * gb, bv0 - lr * gbv
    assert np.max(np.abs(W0 - result["final"][0])) > 1e-3
