"""An MLP with L1 and L2 penalties (mlp.py style: a HiddenLayer class, a
layer stack, updates as an OrderedDict), and a tied-weight autoencoder
(dA.py's class with corruption_level=0)."""
from __future__ import print_function

from collections import OrderedDict

import numpy
import theano
import theano.tensor as T

from denoising_autoencoder import dA


class HiddenLayer(object):
    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=T.tanh):
        self.input = input
        if W is None:
            W_values = numpy.asarray(rng.uniform(low=-numpy.sqrt(6. / (n_in + n_out)),
                                                 high=numpy.sqrt(6. / (n_in + n_out)),
                                                 size=(n_in, n_out)),
                                     dtype=theano.config.floatX)
            W = theano.shared(value=W_values, name='W', borrow=True)
        if b is None:
            b = theano.shared(value=numpy.zeros((n_out,), dtype=theano.config.floatX),
                              name='b', borrow=True)
        self.W, self.b = W, b
        lin_output = T.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]


class MLP(object):
    def __init__(self, rng, input, n_in, n_hidden, n_out):
        self.hiddenLayer = HiddenLayer(rng=rng, input=input, n_in=n_in, n_out=n_hidden)
        self.outputLayer = HiddenLayer(rng=rng, input=self.hiddenLayer.output,
                                       n_in=n_hidden, n_out=n_out, activation=T.nnet.softmax)
        self.L1 = abs(self.hiddenLayer.W).sum() + abs(self.outputLayer.W).sum()
        self.L2_sqr = (self.hiddenLayer.W ** 2).sum() + (self.outputLayer.W ** 2).sum()
        self.p_y_given_x = self.outputLayer.output
        self.params = self.hiddenLayer.params + self.outputLayer.params

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])


def train_mlp(steps=20, learning_rate=0.05, L1_reg=0.001, L2_reg=0.0001, seed=3):
    rng = numpy.random.RandomState(seed)
    data_x = rng.randn(60, 6)
    data_y = (data_x[:, 0] + data_x[:, 1] > 0).astype('int32') + (data_x[:, 2] > 1)
    x, y = T.matrix('x'), T.ivector('y')
    classifier = MLP(rng=rng, input=x, n_in=6, n_hidden=8, n_out=3)
    initial = [p.get_value() for p in classifier.params]
    cost = (classifier.negative_log_likelihood(y) + L1_reg * classifier.L1
            + L2_reg * classifier.L2_sqr)
    gparams = [T.grad(cost, param) for param in classifier.params]
    updates = OrderedDict()
    for param, gparam in zip(classifier.params, gparams):
        updates[param] = param - learning_rate * gparam
    train_model = theano.function(inputs=[x, y], outputs=cost, updates=updates)
    costs = [float(train_model(data_x, data_y.astype('int32'))) for _ in range(steps)]
    return dict(costs=costs, initial=initial, final=[p.get_value() for p in classifier.params],
                data=(data_x, data_y), hyper=(learning_rate, L1_reg, L2_reg))


def train_autoencoder(steps=15, learning_rate=0.1, seed=5):
    rng = numpy.random.RandomState(seed)
    data = (rng.rand(40, 8) > 0.5).astype(theano.config.floatX)
    x = T.matrix('x')
    da = dA(numpy_rng=rng, input=x, n_visible=8, n_hidden=5)
    initial = [p.get_value() for p in da.params]
    cost, updates = da.get_cost_updates(corruption_level=0., learning_rate=learning_rate)
    train_da = theano.function([x], cost, updates=updates)
    costs = [float(train_da(data)) for _ in range(steps)]
    return dict(costs=costs, initial=initial, final=[p.get_value() for p in da.params],
                data=data, learning_rate=learning_rate)


if __name__ == '__main__':
    print('mlp cost %f, autoencoder cost %f' % (train_mlp()['costs'][-1],
                                                 train_autoencoder()['costs'][-1]))
