"""Logistic regression by minibatch SGD, in the style of the classic Theano
tutorial (logistic_sgd.py): shared datasets, givens with a symbolic minibatch
index, the indexed negative log-likelihood, an early-stopping loop."""
from __future__ import print_function

import numpy
import theano
import theano.tensor as T


def shared_dataset(data_xy, borrow=True):
    data_x, data_y = data_xy
    shared_x = theano.shared(numpy.asarray(data_x, dtype=theano.config.floatX), borrow=borrow)
    shared_y = theano.shared(numpy.asarray(data_y, dtype=theano.config.floatX), borrow=borrow)
    return shared_x, T.cast(shared_y, 'int32')


class LogisticRegression(object):
    def __init__(self, input, n_in, n_out):
        self.W = theano.shared(value=numpy.zeros((n_in, n_out), dtype=theano.config.floatX),
                               name='W', borrow=True)
        self.b = theano.shared(value=numpy.zeros((n_out,), dtype=theano.config.floatX),
                               name='b', borrow=True)
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]
        self.input = input

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        if y.ndim != self.y_pred.ndim:
            raise TypeError('y should have the same shape as self.y_pred')
        if y.dtype.startswith('int'):
            return T.mean(T.neq(self.y_pred, y))
        raise NotImplementedError()


def make_data(rng, n, centers):
    y = rng.randint(centers.shape[0], size=n)
    x = centers[y] + rng.randn(n, centers.shape[1])
    return x, y


def sgd_optimization(learning_rate=0.13, n_epochs=30, batch_size=20, seed=1234):
    rng = numpy.random.RandomState(seed)
    centers = rng.randn(3, 5) * 2
    train, valid = make_data(rng, 200, centers), make_data(rng, 100, centers)
    train_set_x, train_set_y = shared_dataset(train)
    valid_set_x, valid_set_y = shared_dataset(valid)
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    classifier = LogisticRegression(input=x, n_in=5, n_out=3)
    cost = classifier.negative_log_likelihood(y)

    validate_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: valid_set_x[index * batch_size: (index + 1) * batch_size],
                y: valid_set_y[index * batch_size: (index + 1) * batch_size]})
    g_W = T.grad(cost=cost, wrt=classifier.W)
    g_b = T.grad(cost=cost, wrt=classifier.b)
    updates = [(classifier.W, classifier.W - learning_rate * g_W),
               (classifier.b, classifier.b - learning_rate * g_b)]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
                y: train_set_y[index * batch_size: (index + 1) * batch_size]})

    patience, patience_increase, improvement_threshold = 500, 2, 0.995
    validation_frequency = min(n_train_batches, patience // 2)
    best_validation_loss = numpy.inf
    costs, epoch, done_looping = [], 0, False
    while (epoch < n_epochs) and (not done_looping):
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            costs.append(float(train_model(minibatch_index)))
            iter = (epoch - 1) * n_train_batches + minibatch_index
            if (iter + 1) % validation_frequency == 0:
                this_validation_loss = numpy.mean(
                    [validate_model(i) for i in range(n_valid_batches)])
                if this_validation_loss < best_validation_loss:
                    if this_validation_loss < best_validation_loss * improvement_threshold:
                        patience = max(patience, iter * patience_increase)
                    best_validation_loss = this_validation_loss
            if patience <= iter:
                done_looping = True
                break
    return dict(costs=costs, best_validation_loss=best_validation_loss, epochs=epoch,
                W=classifier.W.get_value(), b=classifier.b.get_value(),
                data=(train, valid))


if __name__ == '__main__':
    result = sgd_optimization()
    print('epochs %d, last cost %f, best validation error %f %%' % (
        result['epochs'], result['costs'][-1], result['best_validation_loss'] * 100.))
