"""A small LeNet in the style of the classic tutorial (convolutional_mlp.py):
two LeNetConvPoolLayers (conv2d, then pool_2d, then tanh with a dimshuffled
bias), a HiddenLayer and a LogisticRegression on top, shared datasets, and
minibatch SGD through givens with a symbolic index."""
from __future__ import print_function

import numpy
import theano
import theano.tensor as T
from theano.tensor.nnet import conv2d
from theano.tensor.signal import pool

from logreg_sgd import LogisticRegression, shared_dataset
from mlp_autoencoder import HiddenLayer


class LeNetConvPoolLayer(object):
    def __init__(self, rng, input, filter_shape, image_shape, poolsize=(2, 2)):
        assert image_shape[1] == filter_shape[1]
        fan_in = numpy.prod(filter_shape[1:])
        fan_out = (filter_shape[0] * numpy.prod(filter_shape[2:]) // numpy.prod(poolsize))
        W_bound = numpy.sqrt(6. / (fan_in + fan_out))
        self.W = theano.shared(
            numpy.asarray(rng.uniform(low=-W_bound, high=W_bound, size=filter_shape),
                          dtype=theano.config.floatX), borrow=True)
        b_values = numpy.asarray(rng.uniform(-0.1, 0.1, size=(filter_shape[0],)),
                                 dtype=theano.config.floatX)
        self.b = theano.shared(value=b_values, borrow=True)
        conv_out = conv2d(input=input, filters=self.W, filter_shape=filter_shape,
                          input_shape=image_shape)
        pooled_out = pool.pool_2d(input=conv_out, ws=poolsize, ignore_border=True)
        self.output = T.tanh(pooled_out + self.b.dimshuffle('x', 0, 'x', 'x'))
        self.params = [self.W, self.b]
        self.input = input


def evaluate_lenet5(learning_rate=0.1, n_epochs=2, nkerns=(2, 3), batch_size=5, seed=23455):
    rng = numpy.random.RandomState(seed)
    # Three classes of 12 x 12 images: a bright row, a bright column, or noise.
    labels = rng.randint(3, size=35)
    images = rng.rand(35, 12, 12) * 0.5
    for image, label in zip(images, labels):
        if label == 0:
            image[rng.randint(12), :] += 1.0
        elif label == 1:
            image[:, rng.randint(12)] += 1.0
    data_x = images.reshape(35, 144)
    train_set_x, train_set_y = shared_dataset((data_x[:20], labels[:20]))
    valid_set_x, valid_set_y = shared_dataset((data_x[20:], labels[20:]))
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    layer0_input = x.reshape((batch_size, 1, 12, 12))
    layer0 = LeNetConvPoolLayer(rng, input=layer0_input, image_shape=(batch_size, 1, 12, 12),
                                filter_shape=(nkerns[0], 1, 3, 3), poolsize=(2, 2))
    layer1 = LeNetConvPoolLayer(rng, input=layer0.output, image_shape=(batch_size, nkerns[0], 5, 5),
                                filter_shape=(nkerns[1], nkerns[0], 2, 2), poolsize=(2, 2))
    layer2_input = layer1.output.flatten(2)
    layer2 = HiddenLayer(rng, input=layer2_input, n_in=nkerns[1] * 2 * 2, n_out=8,
                         activation=T.tanh)
    layer3 = LogisticRegression(input=layer2.output, n_in=8, n_out=3)
    cost = layer3.negative_log_likelihood(y)

    validate_model = theano.function(
        [index], layer3.errors(y),
        givens={x: valid_set_x[index * batch_size: (index + 1) * batch_size],
                y: valid_set_y[index * batch_size: (index + 1) * batch_size]})
    params = layer3.params + layer2.params + layer1.params + layer0.params
    initial = [p.get_value() for p in params]
    grads = T.grad(cost, params)
    updates = [(param_i, param_i - learning_rate * grad_i)
               for param_i, grad_i in zip(params, grads)]
    train_model = theano.function(
        [index], cost, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
                y: train_set_y[index * batch_size: (index + 1) * batch_size]})

    costs, validation = [], []
    for epoch in range(n_epochs):
        for minibatch_index in range(n_train_batches):
            costs.append(float(train_model(minibatch_index)))
        validation.append(numpy.mean([validate_model(i) for i in range(n_valid_batches)]))
        print('epoch %i, validation error %f %%' % (epoch + 1, validation[-1] * 100.))
    return dict(costs=costs, validation=validation, initial=initial,
                final=[p.get_value() for p in params], data=(data_x, labels),
                learning_rate=learning_rate, batch_size=batch_size)


if __name__ == '__main__':
    evaluate_lenet5()
