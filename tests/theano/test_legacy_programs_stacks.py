"""The stacked tutorial programs of experiments/legacy/ (the stacked denoising
autoencoder, the deep belief network): greedy layer-wise pretraining, then
fine-tuning of the whole stack, unmodified ``import theano`` code run through
the alias, against NumPy references."""
import numpy as np
from test_legacy_programs import (check_minibatch_sgd, minibatch_error, softmax,
                                  tied_autoencoder_step)
from test_legacy_programs_deep import check_binary_draws, free_energy, sigmoid


def stack_step(params, x, y):
    """Sigmoid layers then softmax regression (params: W, b per layer, the
    regression's last): the mean NLL, its gradients, the predictions."""
    acts = [x]
    for W, b in zip(params[:-2:2], params[1:-2:2]):
        acts.append(sigmoid(acts[-1] @ W + b))
    W_log, b_log = params[-2:]
    p = softmax(acts[-1] @ W_log + b_log)
    n = len(y)
    cost = -np.mean(np.log(p[np.arange(n), y]))
    d = p.copy()
    d[np.arange(n), y] -= 1
    d /= n
    grads = [acts[-1].T @ d, d.sum(0)]
    delta = d @ W_log.T
    for layer in range(len(acts) - 1, 0, -1):
        delta = delta * acts[layer] * (1 - acts[layer])
        grads[:0] = [acts[layer - 1].T @ delta, delta.sum(0)]
        delta = delta @ params[2 * (layer - 1)].T
    return cost, grads, np.argmax(p, axis=1)


def encode(x, params, n_layers):
    """``x`` through the first ``n_layers`` sigmoid layers: the data the next
    layer is pretrained on."""
    for W, b in zip(params[:2 * n_layers:2], params[1:2 * n_layers:2]):
        x = sigmoid(x @ W + b)
    return x


def check_finetuning(result, params, x_all, y_all, lr, bs):
    """From the pretrained ``params``: 2 epochs of SGD on the 3 training
    minibatches, the validation error (rows 15-20) after each, the test
    error (rows 20-30) at the end."""
    params = check_minibatch_sgd(result, stack_step, params, x_all, y_all, lr, bs, n_batches=3,
                                 valid_starts=range(15, 20, bs), costs_key="finetune_costs")
    np.testing.assert_allclose(result["test_error"],
                               minibatch_error(stack_step, params, x_all, y_all,
                                               range(20, 30, bs), bs))
    assert result["finetune_costs"][-1] != result["finetune_costs"][0]  # it trained


def test_stacked_denoising_autoencoder_pretraining_then_finetuning(legacy_program):
    """Pretraining: given the corrupted layer inputs the program returns, each
    layer's costs and its dA's parameters (W and the hidden bias shared with
    the sigmoid layer, the visible bias its own) are NumPy's, the input of the
    second layer being the first's sigmoid output after its pretraining; each
    corrupted value is the input's or 0. Fine-tuning: every cost, all six
    parameters, the validation and test errors."""
    result = legacy_program("stacked_autoencoder")["test_SdA"]()
    (x_all, y_all), (pre_lr, levels, lr, bs) = result["data"], result["hyper"]
    params = [p.copy() for p in result["initial"]]
    corrupted = iter(result["corrupted"])
    costs, zeroed = [], []
    for layer in range(2):
        W, b, bv = params[2 * layer], params[2 * layer + 1], result["initial_bvis"][layer]
        layer_input = encode(x_all[:15], params, layer)
        for step in range(6):
            x = layer_input[(step % 3) * bs:(step % 3 + 1) * bs]
            tilde_x = next(corrupted)
            # The second layer's input is computed here too: equal up to rounding.
            assert np.all(np.isclose(tilde_x, x, rtol=1e-12, atol=0) | (tilde_x == 0))
            zeroed.append(np.mean(tilde_x == 0))
            cost, (gW, gb, gbv) = tied_autoencoder_step(tilde_x, x, W, b, bv)
            costs.append(cost)
            W, b, bv = W - pre_lr * gW, b - pre_lr * gb, bv - pre_lr * gbv
        params[2 * layer], params[2 * layer + 1] = W, b
        np.testing.assert_allclose(result["pretrained_bvis"][layer], bv, rtol=1e-8, atol=1e-12)
        # The zeroed share within 5 standard deviations of the layer's level.
        level, n_values = levels[layer], 6 * x.size
        assert abs(np.mean(zeroed[-6:]) - level) < 5 * np.sqrt(level * (1 - level) / n_values)
    np.testing.assert_allclose(result["pretrain_costs"], costs, rtol=1e-9)
    for got, want in zip(result["pretrained"], params):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    # The regression on top is untouched by pretraining.
    for got, want in zip(result["pretrained"][4:], result["initial"][4:]):
        np.testing.assert_array_equal(got, want)
    check_finetuning(result, params, x_all, y_all, lr, bs)


def chain_start(v_means, W, vbias):
    """The hidden sample the chain started from (the program does not return
    it): solved from the first visible means, and checked to be binary."""
    logits = np.log(v_means) - np.log1p(-v_means) - vbias
    h0 = np.linalg.lstsq(W, logits.T, rcond=None)[0].T
    assert np.allclose(h0, np.round(h0), atol=1e-6)
    assert set(np.unique(np.round(h0))) <= {0.0, 1.0}
    return np.round(h0)


def test_deep_belief_network_cd_k_pretraining_then_finetuning(legacy_program):
    """Pretraining by CD-k, layer by layer (the RBM class on the sigmoid
    layers' W and biases; the second layer's data are the first's sigmoid
    means): given the samples the program returns, every probability of each
    Gibbs chain, the parameters and the pseudo-likelihood costs are NumPy's;
    each sample is 0 or 1, and their total is within 5 standard deviations of
    its expectation. Fine-tuning: every cost, all six parameters, the
    validation and test errors."""
    result = legacy_program("dbn")["test_DBN"]()
    (x_all, y_all), (pre_lr, k, lr, bs) = result["data"], result["hyper"]
    params = [p.copy() for p in result["initial"]]
    chains = iter(result["chains"])
    costs, draws = [], []
    for layer in range(2):
        W, hbias, vbias = params[2 * layer], params[2 * layer + 1], result["initial_vbias"][layer]
        layer_input = encode(x_all[:15], params, layer)
        n_visible = W.shape[0]
        for step in range(6):
            x = layer_input[(step % 3) * bs:(step % 3 + 1) * bs]
            v_means, v_samples, h_means, h_samples = next(chains)
            h_chain = chain_start(v_means[0], W, vbias)
            for t in range(k):
                np.testing.assert_allclose(v_means[t], sigmoid(h_chain @ W.T + vbias),
                                           rtol=1e-10)
                check_binary_draws(v_samples[t], v_means[t], draws)
                np.testing.assert_allclose(h_means[t], sigmoid(v_samples[t] @ W + hbias),
                                           rtol=1e-10)
                check_binary_draws(h_samples[t], h_means[t], draws)
                h_chain = h_samples[t]
            xi = np.round(x)
            flipped = xi.copy()
            flipped[:, step % n_visible] = 1 - flipped[:, step % n_visible]
            costs.append(np.mean(n_visible * np.log(sigmoid(
                free_energy(flipped, W, hbias, vbias) - free_energy(xi, W, hbias, vbias)))))
            end = v_samples[-1]
            data_h, model_h = sigmoid(x @ W + hbias), sigmoid(end @ W + hbias)
            W = W - pre_lr * (end.T @ model_h - x.T @ data_h) / bs
            hbias = hbias - pre_lr * (model_h - data_h).mean(0)
            vbias = vbias - pre_lr * (end - x).mean(0)
        params[2 * layer], params[2 * layer + 1] = W, hbias
        np.testing.assert_allclose(result["pretrained_vbias"][layer], vbias, rtol=1e-8,
                                   atol=1e-12)
    np.testing.assert_allclose(result["pretrain_costs"], costs, rtol=1e-9)
    for got, want in zip(result["pretrained"], params):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    for got, want in zip(result["pretrained"][4:], result["initial"][4:]):
        np.testing.assert_array_equal(got, want)
    samples, means = (np.concatenate(a) for a in zip(*draws))
    assert abs(np.sum(samples - means)) < 5 * np.sqrt(np.sum(means * (1 - means)))
    check_finetuning(result, params, x_all, y_all, lr, bs)
