"""A contractive autoencoder in the style of the classic tutorial (cA.py):
sigmoid hidden layer, tied weights (W_prime = W.T), the cross-entropy
reconstruction cost plus contraction_level times the mean squared Frobenius
norm of the encoder's Jacobian, built from h * (1 - h) and W by reshapes and
broadcasting; SGD on minibatches through givens and a symbolic index. The
model extends denoising_autoencoder.dA, as the tutorials built on each other."""
from __future__ import print_function

import numpy
import theano
import theano.tensor as T

from denoising_autoencoder import dA


class cA(dA):
    """The denoising autoencoder's parameters and layers (tied weights), with
    the Jacobian penalty instead of corruption."""

    def __init__(self, numpy_rng, input=None, n_visible=784, n_hidden=100, n_batchsize=1,
                 W=None, bhid=None, bvis=None):
        dA.__init__(self, numpy_rng, input=input, n_visible=n_visible, n_hidden=n_hidden,
                    W=W, bhid=bhid, bvis=bvis)
        self.n_batchsize = n_batchsize

    def get_jacobian(self, hidden, W):
        """The Jacobian of the hidden layer with respect to the input, one
        (n_visible, n_hidden) matrix per example."""
        return T.reshape(hidden * (1 - hidden), (self.n_batchsize, 1, self.n_hidden)) * \
            T.reshape(W, (1, self.n_visible, self.n_hidden))

    def get_cost_updates(self, contraction_level, learning_rate):
        y = self.get_hidden_values(self.x)
        z = self.get_reconstructed_input(y)
        J = self.get_jacobian(y, self.W)
        self.L_rec = - T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1)
        # The squared Frobenius norm of the Jacobian, averaged over the minibatch
        # (true division: floor division would floor it, and Theano gives floor
        # division a zero gradient, leaving the penalty without effect).
        self.L_jacob = T.sum(J ** 2) / self.n_batchsize
        cost = T.mean(self.L_rec) + contraction_level * T.mean(self.L_jacob)
        gparams = T.grad(cost, self.params)
        updates = []
        for param, gparam in zip(self.params, gparams):
            updates.append((param, param - learning_rate * gparam))
        return (cost, updates)


def test_cA(learning_rate=0.1, training_epochs=3, batch_size=4, contraction_level=.5,
            seed=123):
    rng = numpy.random.RandomState(seed)
    data = rng.rand(12, 7)
    train_set_x = theano.shared(numpy.asarray(data, dtype=theano.config.floatX), borrow=True)
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    ca = cA(numpy_rng=rng, input=x, n_visible=7, n_hidden=5, n_batchsize=batch_size)
    initial = [p.get_value() for p in ca.params]
    cost, updates = ca.get_cost_updates(contraction_level=contraction_level,
                                        learning_rate=learning_rate)
    train_ca = theano.function(
        [index], [T.mean(ca.L_rec), ca.L_jacob], updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size]})

    costs = []
    for epoch in range(training_epochs):
        c = []
        for batch_index in range(n_train_batches):
            c.append(train_ca(batch_index))
        costs.extend(c)
        c_array = numpy.vstack(c)
        print('Training epoch %d, reconstruction cost ' % epoch, numpy.mean(c_array[:, 0]),
              ' jacobian norm ', numpy.mean(numpy.sqrt(c_array[:, 1])))
    return dict(costs=costs, initial=initial, final=[p.get_value() for p in ca.params],
                data=data, hyper=(learning_rate, batch_size, contraction_level))


if __name__ == '__main__':
    test_cA()
