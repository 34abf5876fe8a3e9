"""The deep-learning tutorial programs of experiments/legacy/ (LeNet, the
denoising autoencoder, the RBM with a Gibbs chain by scan, the sentiment LSTM),
unmodified ``import theano`` code run through the alias, against NumPy
references written out here (forward pass and hand-derived gradients)."""
import numpy as np
from test_legacy_programs import check_minibatch_sgd, softmax, tied_autoencoder_step

from tools.bench_lenet import numpy_lenet_grads


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# --- LeNet -----------------------------------------------------------------------

def lenet_step(params, xb, yb):
    """The cost, gradients and predictions of the tutorial's 2-conv-layer LeNet
    on one minibatch: the benchmark's NumPy LeNet, with the parameters in the
    tutorial's order (the layers' from the last: W3, b3, ..., W0, b0)."""
    pairs = [params[i:i + 2] for i in range(0, len(params), 2)][::-1]
    cost, grads, predictions = numpy_lenet_grads([p for pair in pairs for p in pair], xb, yb)
    grad_pairs = [grads[i:i + 2] for i in range(0, len(grads), 2)][::-1]
    return cost, [g for pair in grad_pairs for g in pair], predictions


def test_lenet_conv_pool_layers_with_shared_datasets_and_givens(legacy_program):
    result = legacy_program("lenet")["evaluate_lenet5"]()
    (data_x, labels), lr, bs = result["data"], result["learning_rate"], result["batch_size"]
    params = [p.copy() for p in result["initial"]]
    check_minibatch_sgd(result, lenet_step, params, data_x, labels, lr, bs, n_batches=4,
                        valid_starts=range(20, 35, bs))
    assert result["costs"][-1] != result["costs"][0]  # it trained


# --- denoising autoencoder ------------------------------------------------------

def test_denoising_autoencoder_with_random_streams_corruption(legacy_program):
    """The program returns each corrupted minibatch it trained on: given those,
    the costs and parameters are NumPy's; the corruption itself is checked
    for what it must be (each value kept or zeroed, about the requested share
    zeroed, a new mask at every call)."""
    result = legacy_program("denoising_autoencoder")["test_dA"]()
    data, (lr, bs, level) = result["data"], result["hyper"]
    W, b, bv = [p.copy() for p in result["initial"]]
    costs = []
    for step, tilde_x in enumerate(result["corrupted"]):
        x = data[(step % 4) * bs:(step % 4 + 1) * bs]
        assert np.all((tilde_x == x) | (tilde_x == 0))
        cost, (gW, gb, gbv) = tied_autoencoder_step(tilde_x, x, W, b, bv)
        costs.append(cost)
        W, b, bv = W - lr * gW, b - lr * gb, bv - lr * gbv
    np.testing.assert_allclose(result["costs"], costs, rtol=1e-9)
    for got, want in zip(result["final"], [W, b, bv]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    zeroed = np.array([np.mean(t == 0) for t in result["corrupted"]])
    # 600 Bernoulli(0.3) draws: 5 standard deviations are 0.094.
    assert abs(zeroed.mean() - level) < 5 * np.sqrt(level * (1 - level) / 600)
    first, again = result["corrupted"][0] == 0, result["corrupted"][4] == 0  # batch 0, twice
    assert np.any(first != again)


# --- RBM ---------------------------------------------------------------------------

def free_energy(v, W, hbias, vbias):
    return -np.sum(np.log(1 + np.exp(v @ W + hbias)), axis=1) - v @ vbias


def check_binary_draws(samples, means, record):
    """Each sample is 0 or 1, and is recorded with the probability it was
    drawn with (pooled later into statistics)."""
    assert set(np.unique(samples)) <= {0.0, 1.0}
    record.append((samples.ravel(), means.ravel()))


def draws_are_fresh(samples, means):
    """``samples``, ``means``: the units' consecutive draws along axis 0. Were
    a draw to reuse the previous one's random numbers, a 1 drawn with p would
    stay 1 whenever the next p is not smaller: find the counterexample."""
    ones_kept = (samples[:-1] == 1) & (means[1:] >= means[:-1])
    return np.any(ones_kept & (samples[1:] == 0))


def test_rbm_persistent_gibbs_chain_by_scan(legacy_program):
    """The random numbers are the program's own: given its samples, every
    probability of the chain, the persistent state, the parameter updates and
    the pseudo-likelihood are NumPy's; the samples are checked for being
    draws with those probabilities (their total within 5 standard deviations
    of the expected, fresh numbers at every Gibbs step and every call)."""
    result = legacy_program("rbm")["test_rbm"]()
    data, (lr, bs, k) = result["data"], result["hyper"]
    W, hbias, vbias = [p.copy() for p in result["initial"]]
    h_chain = np.zeros((bs, len(hbias)))  # the persistent chain starts at zeros
    draws, hidden_units, costs = [], [], []
    for step, (v_means, v_samples, h_means, h_samples) in enumerate(result["chains"]):
        x = data[(step % 3) * bs:(step % 3 + 1) * bs]
        for t in range(k):
            np.testing.assert_allclose(v_means[t], sigmoid(h_chain @ W.T + vbias), rtol=1e-10)
            check_binary_draws(v_samples[t], v_means[t], draws)
            np.testing.assert_allclose(h_means[t], sigmoid(v_samples[t] @ W + hbias), rtol=1e-10)
            check_binary_draws(h_samples[t], h_means[t], draws)
            hidden_units.append((h_samples[t], h_means[t]))
            h_chain = h_samples[t]
        bit = step % 8
        flipped = x.copy()
        flipped[:, bit] = 1 - flipped[:, bit]
        costs.append(np.mean(8 * np.log(sigmoid(free_energy(flipped, W, hbias, vbias)
                                                 - free_energy(x, W, hbias, vbias)))))
        end = v_samples[-1]
        data_h, model_h = sigmoid(x @ W + hbias), sigmoid(end @ W + hbias)
        W = W - lr * (end.T @ model_h - x.T @ data_h) / bs
        hbias = hbias - lr * (model_h - data_h).mean(0)
        vbias = vbias - lr * (end - x).mean(0)
    np.testing.assert_allclose(result["costs"], costs, rtol=1e-9)
    for got, want in zip(result["final"], [W, hbias, vbias]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)

    # Sampling: chains persist from call to call, from the final parameters.
    v_start = result["start"]
    for h_first_means, h_last, v_last_means, v_last in result["samples"]:
        np.testing.assert_allclose(h_first_means, sigmoid(v_start @ W + hbias), rtol=1e-10)
        np.testing.assert_allclose(v_last_means, sigmoid(h_last @ W.T + vbias), rtol=1e-10)
        assert set(np.unique(h_last)) <= {0.0, 1.0}
        check_binary_draws(v_last, v_last_means, draws)
        v_start = v_last

    samples, means = (np.concatenate(a) for a in zip(*draws))
    spread = np.sqrt(np.sum(means * (1 - means)))
    assert abs(np.sum(samples - means)) < 5 * spread
    assert draws_are_fresh(*(np.array(a) for a in zip(*hidden_units)))


# --- LSTM --------------------------------------------------------------------------

def lstm_cost_and_grads(params, x, mask, y, decay_c):
    """The sentiment LSTM's cost (mean-pooled masked LSTM states, softmax,
    -log(p + 1e-8), decay_c * |U|^2) and its gradients by backpropagation
    through time."""
    Wemb, W, U, b, U_out, b_out = params
    steps, n = x.shape
    d = Wemb.shape[1]
    emb = Wemb[x.ravel()].reshape(steps, n, d)
    h, c = np.zeros((steps + 1, n, d)), np.zeros((steps + 1, n, d))  # h[t + 1] after step t
    gates = []
    for t in range(steps):
        m = mask[t][:, None]
        pre = h[t] @ U + emb[t] @ W + b
        i, f, o = (sigmoid(pre[:, k * d:(k + 1) * d]) for k in range(3))
        g = np.tanh(pre[:, 3 * d:])
        c[t + 1] = m * (f * c[t] + i * g) + (1 - m) * c[t]
        h[t + 1] = m * (o * np.tanh(c[t + 1])) + (1 - m) * h[t]
        gates.append((i, f, o, g))
    counts = mask.sum(0)[:, None]
    proj = (h[1:] * mask[:, :, None]).sum(0) / counts
    p = softmax(proj @ U_out + b_out)
    picked = p[np.arange(n), y] + 1e-8
    cost = -np.mean(np.log(picked)) + decay_c * np.sum(U_out ** 2)

    d_p = np.zeros_like(p)
    d_p[np.arange(n), y] = -1 / (n * picked)
    d_logits = p * (d_p - np.sum(d_p * p, axis=1, keepdims=True))
    d_proj = d_logits @ U_out.T
    grads = [np.zeros_like(a) for a in (Wemb, W, U, b)]
    d_h, d_c = np.zeros((n, d)), np.zeros((n, d))
    for t in reversed(range(steps)):
        m = mask[t][:, None]
        i, f, o, g = gates[t]
        d_h = d_h + d_proj * m / counts
        d_new_h = m * d_h
        tanh_c = np.tanh(c[t + 1])
        d_c = d_c + d_new_h * o * (1 - tanh_c ** 2)
        d_new_c = m * d_c
        d_pre = np.concatenate([d_new_c * g * i * (1 - i), d_new_c * c[t] * f * (1 - f),
                                d_new_h * tanh_c * o * (1 - o), d_new_c * i * (1 - g ** 2)], axis=1)
        grads[2] += h[t].T @ d_pre
        grads[1] += emb[t].T @ d_pre
        grads[3] += d_pre.sum(0)
        np.add.at(grads[0], x[t], d_pre @ W.T)
        d_h = (1 - m) * d_h + d_pre @ U.T
        d_c = (1 - m) * d_c + d_new_c * f
    grads += [proj.T @ d_logits + 2 * decay_c * U_out, d_logits.sum(0)]
    return cost, grads, p


def test_lstm_scan_over_time_with_mask_and_adadelta(legacy_program):
    namespace = legacy_program("lstm")
    result = namespace["train_lstm"]()
    (seqs, labels), (decay_c, bs) = result["data"], result["hyper"]
    assert result["names"] == ["Wemb", "lstm_W", "lstm_U", "lstm_b", "U", "b"]
    params = [p.copy() for p in result["initial"]]
    grad2, up2 = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    costs = []
    for epoch in range(2):
        for start in range(0, len(seqs), bs):
            x, mask, y = namespace["prepare_data"](seqs[start:start + bs],
                                                   labels[start:start + bs])
            cost, grads, _ = lstm_cost_and_grads(params, x, mask, np.array(y), decay_c)
            costs.append(cost)
            # adadelta: f_grad_shared, then f_update (both from the old running averages)
            grad2 = [0.95 * r + 0.05 * g ** 2 for r, g in zip(grad2, grads)]
            steps = [-np.sqrt(u + 1e-6) / np.sqrt(r + 1e-6) * g
                     for u, r, g in zip(up2, grad2, grads)]
            up2 = [0.95 * u + 0.05 * s ** 2 for u, s in zip(up2, steps)]
            params = [p + s for p, s in zip(params, steps)]
    np.testing.assert_allclose(result["costs"], costs, rtol=1e-10)
    for got, want in zip(result["final"], params):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-14)
    x, mask, y = namespace["prepare_data"](seqs, labels)
    _, _, probs = lstm_cost_and_grads(params, x, mask, np.array(y), decay_c)
    np.testing.assert_allclose(result["probs"], probs, rtol=1e-10)
    assert result["train_err"] == np.mean(probs.argmax(1) != np.array(labels))


# --- Elman RNN for slot filling ---------------------------------------------------

def elman_nll_and_grads(params, windows, y):
    """The sentence's mean NLL under the Elman network (context windows of
    embeddings, sigmoid recurrence from h0, a softmax per word) and its
    gradients by backpropagation through time."""
    emb, wx, wh, w, bh, b, h0 = params
    steps = len(windows)
    x = emb[windows].reshape(steps, -1)  # index -1 is the padding row, emb's last
    h = [h0]
    probs = []
    for t in range(steps):
        h.append(sigmoid(x[t] @ wx + h[-1] @ wh + bh))
        probs.append(softmax((h[-1] @ w + b)[None])[0])
    probs = np.array(probs)
    nll = -np.mean(np.log(probs[np.arange(steps), y]))

    d_logits = probs.copy()
    d_logits[np.arange(steps), y] -= 1
    d_logits /= steps
    grads = [np.zeros_like(p) for p in params]
    d_h = np.zeros_like(h0)
    for t in reversed(range(steps)):
        grads[3] += np.outer(h[t + 1], d_logits[t])
        grads[5] += d_logits[t]
        d_h = d_h + w @ d_logits[t]
        d_pre = d_h * h[t + 1] * (1 - h[t + 1])
        grads[1] += np.outer(x[t], d_pre)
        grads[2] += np.outer(h[t], d_pre)
        grads[4] += d_pre
        np.add.at(grads[0], windows[t], (wx @ d_pre).reshape(len(windows[t]), -1))
        d_h = wh @ d_pre
    grads[6] = d_h
    return nll, grads, probs


def test_elman_rnn_slot_filling_with_context_windows_and_normalised_embeddings(legacy_program):
    namespace = legacy_program("rnn_slot_filling")
    result = namespace["main"]()
    win, lr, nepochs = result["hyper"]
    assert namespace["contextwin"]([5, 6, 7], 3) == [[-1, 5, 6], [5, 6, 7], [6, 7, -1]]
    params = [p.copy() for p in result["initial"]]
    nlls = []
    for _ in range(nepochs):
        for sentence, y in zip(result["sentences"], result["labels"]):
            windows = np.array(namespace["contextwin"](sentence, win))
            nll, grads, _ = elman_nll_and_grads(params, windows, y)
            nlls.append(nll)
            params = [p - lr * g for p, g in zip(params, grads)]
            params[0] = params[0] / np.sqrt((params[0] ** 2).sum(axis=1))[:, None]
    np.testing.assert_allclose(np.array(result["nlls"], dtype=float), nlls, rtol=1e-10)
    for got, want in zip(result["final"], params):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(result["final"][0], axis=1), 1)
    # h0 is a parameter too: the gradient reaches it through the first step.
    assert np.all(result["final"][6] != 0)
    for sentence, predicted in zip(result["sentences"], result["predictions"]):
        windows = np.array(namespace["contextwin"](sentence, win))
        _, _, probs = elman_nll_and_grads(params, windows, np.zeros(len(sentence), int))
        np.testing.assert_array_equal(predicted, probs.argmax(1))
    assert len(set(np.concatenate(result["predictions"]))) > 1
