"""A restricted Boltzmann machine in the style of the classic tutorial
(rbm.py): binomial samples from RandomStreams, the Gibbs chain by
theano.scan, persistent contrastive divergence (the chain's end kept in a
shared variable through the updates scan returned), the gradient with
consider_constant, and the pseudo-likelihood cost with a shared bit index
(``if persistent:`` relies on a shared variable being true); then sampling
by a second scan whose updates dict gets the visible chain's own update."""
from __future__ import print_function

import numpy
import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams


class RBM(object):
    def __init__(self, input=None, n_visible=784, n_hidden=500, W=None, hbias=None, vbias=None,
                 numpy_rng=None, theano_rng=None):
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        if numpy_rng is None:
            numpy_rng = numpy.random.RandomState(1234)
        if theano_rng is None:
            theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))
        if W is None:
            initial_W = numpy.asarray(numpy_rng.uniform(
                low=-4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                high=4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                size=(n_visible, n_hidden)), dtype=theano.config.floatX)
            W = theano.shared(value=initial_W, name='W', borrow=True)
        if hbias is None:
            hbias = theano.shared(value=numpy.zeros(n_hidden, dtype=theano.config.floatX),
                                  name='hbias', borrow=True)
        if vbias is None:
            vbias = theano.shared(value=numpy.zeros(n_visible, dtype=theano.config.floatX),
                                  name='vbias', borrow=True)
        self.input = input
        if not input:
            self.input = T.matrix('input')
        self.W = W
        self.hbias = hbias
        self.vbias = vbias
        self.theano_rng = theano_rng
        self.params = [self.W, self.hbias, self.vbias]

    def free_energy(self, v_sample):
        wx_b = T.dot(v_sample, self.W) + self.hbias
        vbias_term = T.dot(v_sample, self.vbias)
        hidden_term = T.sum(T.log(1 + T.exp(wx_b)), axis=1)
        return -hidden_term - vbias_term

    def propup(self, vis):
        pre_sigmoid_activation = T.dot(vis, self.W) + self.hbias
        return [pre_sigmoid_activation, T.nnet.sigmoid(pre_sigmoid_activation)]

    def sample_h_given_v(self, v0_sample):
        pre_sigmoid_h1, h1_mean = self.propup(v0_sample)
        h1_sample = self.theano_rng.binomial(size=h1_mean.shape, n=1, p=h1_mean,
                                             dtype=theano.config.floatX)
        return [pre_sigmoid_h1, h1_mean, h1_sample]

    def propdown(self, hid):
        pre_sigmoid_activation = T.dot(hid, self.W.T) + self.vbias
        return [pre_sigmoid_activation, T.nnet.sigmoid(pre_sigmoid_activation)]

    def sample_v_given_h(self, h0_sample):
        pre_sigmoid_v1, v1_mean = self.propdown(h0_sample)
        v1_sample = self.theano_rng.binomial(size=v1_mean.shape, n=1, p=v1_mean,
                                             dtype=theano.config.floatX)
        return [pre_sigmoid_v1, v1_mean, v1_sample]

    def gibbs_hvh(self, h0_sample):
        pre_sigmoid_v1, v1_mean, v1_sample = self.sample_v_given_h(h0_sample)
        pre_sigmoid_h1, h1_mean, h1_sample = self.sample_h_given_v(v1_sample)
        return [pre_sigmoid_v1, v1_mean, v1_sample, pre_sigmoid_h1, h1_mean, h1_sample]

    def gibbs_vhv(self, v0_sample):
        pre_sigmoid_h1, h1_mean, h1_sample = self.sample_h_given_v(v0_sample)
        pre_sigmoid_v1, v1_mean, v1_sample = self.sample_v_given_h(h1_sample)
        return [pre_sigmoid_h1, h1_mean, h1_sample, pre_sigmoid_v1, v1_mean, v1_sample]

    def get_cost_updates(self, lr=0.1, persistent=None, k=1):
        pre_sigmoid_ph, ph_mean, ph_sample = self.sample_h_given_v(self.input)
        if persistent is None:
            chain_start = ph_sample
        else:
            chain_start = persistent
        (
            [pre_sigmoid_nvs, nv_means, nv_samples, pre_sigmoid_nhs, nh_means, nh_samples],
            updates
        ) = theano.scan(self.gibbs_hvh, outputs_info=[None, None, None, None, None, chain_start],
                        n_steps=k, name="gibbs_hvh")
        # The whole chain, for the record.
        self.chain = [nv_means, nv_samples, nh_means, nh_samples]
        chain_end = nv_samples[-1]
        cost = T.mean(self.free_energy(self.input)) - T.mean(self.free_energy(chain_end))
        gparams = T.grad(cost, self.params, consider_constant=[chain_end])
        for gparam, param in zip(gparams, self.params):
            updates[param] = param - gparam * T.cast(lr, dtype=theano.config.floatX)
        if persistent:
            updates[persistent] = nh_samples[-1]
        monitoring_cost = self.get_pseudo_likelihood_cost(updates)
        return monitoring_cost, updates

    def get_pseudo_likelihood_cost(self, updates):
        bit_i_idx = theano.shared(value=0, name='bit_i_idx')
        xi = T.round(self.input)
        fe_xi = self.free_energy(xi)
        xi_flip = T.set_subtensor(xi[:, bit_i_idx], 1 - xi[:, bit_i_idx])
        fe_xi_flip = self.free_energy(xi_flip)
        cost = T.mean(self.n_visible * T.log(T.nnet.sigmoid(fe_xi_flip - fe_xi)))
        updates[bit_i_idx] = (bit_i_idx + 1) % self.n_visible
        return cost


def test_rbm(learning_rate=0.1, training_epochs=2, batch_size=4, n_hidden=5, k=3, n_chains=3,
             n_samples=2, plot_every=3, seed=123):
    rng = numpy.random.RandomState(seed)
    data = (rng.rand(12, 8) > 0.5).astype(theano.config.floatX)
    train_set_x = theano.shared(data, borrow=True)
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    theano_rng = RandomStreams(rng.randint(2 ** 30))
    persistent_chain = theano.shared(numpy.zeros((batch_size, n_hidden),
                                                 dtype=theano.config.floatX), borrow=True)
    rbm = RBM(input=x, n_visible=8, n_hidden=n_hidden, numpy_rng=rng, theano_rng=theano_rng)
    initial = [p.get_value() for p in rbm.params]
    cost, updates = rbm.get_cost_updates(lr=learning_rate, persistent=persistent_chain, k=k)
    train_rbm = theano.function(
        [index], [cost] + rbm.chain, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size]}, name='train_rbm')

    costs, chains = [], []
    for epoch in range(training_epochs):
        mean_cost = []
        for batch_index in range(n_train_batches):
            outputs = train_rbm(batch_index)
            mean_cost.append(outputs[0])
            chains.append(outputs[1:])
        costs.extend(mean_cost)
        print('Training epoch %d, cost is ' % epoch, numpy.mean(mean_cost))
    final = [p.get_value() for p in rbm.params]

    # Sampling from the trained RBM: persistent chains started from test rows.
    test_set_x = theano.shared((rng.rand(6, 8) > 0.5).astype(theano.config.floatX))
    number_of_test_samples = test_set_x.get_value(borrow=True).shape[0]
    test_idx = rng.randint(number_of_test_samples - n_chains)
    start = test_set_x.get_value(borrow=True)[test_idx:test_idx + n_chains]
    persistent_vis_chain = theano.shared(numpy.asarray(start, dtype=theano.config.floatX))
    (
        [presig_hids, hid_mfs, hid_samples, presig_vis, vis_mfs, vis_samples],
        updates
    ) = theano.scan(rbm.gibbs_vhv, outputs_info=[None, None, None, None, None,
                                                  persistent_vis_chain],
                    n_steps=plot_every, name="gibbs_vhv")
    updates.update({persistent_vis_chain: vis_samples[-1]})
    sample_fn = theano.function([], [hid_mfs[0], hid_samples[-1], vis_mfs[-1], vis_samples[-1]],
                                updates=updates, name='sample_fn')
    samples = [sample_fn() for idx in range(n_samples)]
    return dict(costs=costs, chains=chains, initial=initial, final=final, data=data,
                hyper=(learning_rate, batch_size, k), start=start, samples=samples)


if __name__ == '__main__':
    test_rbm()
