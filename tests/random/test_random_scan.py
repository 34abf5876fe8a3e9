"""Random variables inside ``theano.scan``: an RBM trained by CD-k, its Gibbs
chain drawn in a scan, as in the deeplearning.net tutorial.

The draws' states are shared variables with a ``default_update``; scan
carries them through its loop and returns their final values in its updates,
which ``function(..., updates=updates)`` applies.
"""
import numpy as np

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.sandbox.rng_mrg import MRG_RandomStreams
from tfgraph.tensor.shared_randomstreams import RandomStreams


def make_rbm(theano_rng, k=3, n_visible=12, n_hidden=6, lr=0.1):
    rng = np.random.RandomState(1234)
    floatX = theano.config.floatX
    bound = 4 * np.sqrt(6.0 / (n_hidden + n_visible))
    W = theano.shared(rng.uniform(-bound, bound, (n_visible, n_hidden)).astype(floatX), "W")
    hbias = theano.shared(np.zeros(n_hidden, floatX), "hbias")
    vbias = theano.shared(np.zeros(n_visible, floatX), "vbias")
    params = [W, hbias, vbias]
    x = T.matrix("x")

    def free_energy(v):
        wx_b = T.dot(v, W) + hbias
        return -T.dot(v, vbias) - T.sum(T.log(1 + T.exp(wx_b)), axis=1)

    def sample_h_given_v(v):
        h_mean = T.nnet.sigmoid(T.dot(v, W) + hbias)
        return h_mean, theano_rng.binomial(size=h_mean.shape, n=1, p=h_mean, dtype=floatX)

    def sample_v_given_h(h):
        v_mean = T.nnet.sigmoid(T.dot(h, W.T) + vbias)
        return v_mean, theano_rng.binomial(size=v_mean.shape, n=1, p=v_mean, dtype=floatX)

    def gibbs_hvh(h0):
        v1_mean, v1 = sample_v_given_h(h0)
        h1_mean, h1 = sample_h_given_v(v1)
        return [v1_mean, v1, h1_mean, h1]

    _, chain_start = sample_h_given_v(x)
    (v_means, v_samples, h_means, h_samples), updates = theano.scan(
        gibbs_hvh, outputs_info=[None, None, None, chain_start], n_steps=k)
    chain_end = v_samples[-1]
    cost = T.mean(free_energy(x)) - T.mean(free_energy(chain_end))
    gparams = T.grad(cost, params, consider_constant=[chain_end])
    for gparam, param in zip(gparams, params):
        updates[param] = param - gparam * T.cast(lr, dtype=floatX)
    reconstruction = T.mean(T.sqr(x - v_means[-1]))
    train = theano.function([x], [reconstruction, chain_end], updates=updates)
    return train, params, updates


def _data():
    rng = np.random.RandomState(0)
    prototypes = (rng.rand(2, 12) > 0.5)
    picks = rng.randint(0, 2, 40)
    noise = rng.rand(40, 12) < 0.05
    return (prototypes[picks] ^ noise).astype(theano.config.floatX)


def _train(make_streams, steps=40):
    train, params, updates = make_rbm(make_streams())
    data = _data()
    results = [train(data) for _ in range(steps)]
    return results, [p.get_value() for p in params], updates


def test_rbm_cd_k_with_a_gibbs_chain_in_scan():
    for make_streams in (lambda: RandomStreams(seed=7), lambda: MRG_RandomStreams(seed=7)):
        results, params, updates = _train(make_streams)
        # scan returned the random states' updates, so every call draws anew.
        rng_states = [v for v in updates if getattr(v.tag, "is_rng", False)]
        assert rng_states
        chains = [chain for _, chain in results]
        assert set(np.unique(chains[0])) <= {0, 1}
        assert not all(np.array_equal(chains[0], c) for c in chains[1:])
        errors = [float(e) for e, _ in results]
        assert np.mean(errors[-5:]) < np.mean(errors[:5])
        # The same seed trains the same RBM again.
        again, again_params, _ = _train(make_streams)
        assert [float(e) for e, _ in again] == errors
        for a, b in zip(params, again_params):
            np.testing.assert_array_equal(a, b)


def test_scan_advances_rng_state_once_per_step():
    srng = RandomStreams(seed=3)
    u = srng.uniform((2,))
    values, updates = theano.scan(lambda: u, n_steps=4)
    f = theano.function([], values, updates=updates)
    first = f()
    assert first.shape == (4, 2)
    assert len({tuple(row) for row in first.tolist()}) == 4   # a new draw each step
    second = f()
    assert not np.array_equal(first, second)                 # the state moved on
    assert u.rng.get_value()[1] == 8
