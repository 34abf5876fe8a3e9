"""Logistic regression by conjugate gradients (logistic_cg.py style): one
flat shared parameter vector, compiled cost and gradient functions called by
scipy.optimize.fmin_cg."""
from __future__ import print_function

import numpy
import scipy.optimize
import theano
import theano.tensor as T


def cg_optimization(n_in=4, n_out=3, seed=7, maxiter=30):
    rng = numpy.random.RandomState(seed)
    centers = rng.randn(n_out, n_in) * 2
    labels = rng.randint(n_out, size=150)
    data_x = centers[labels] + rng.randn(150, n_in)
    train_set_x = theano.shared(numpy.asarray(data_x, dtype=theano.config.floatX))
    train_set_y = T.cast(theano.shared(numpy.asarray(labels, dtype=theano.config.floatX)),
                         'int32')

    x, y = T.matrix(), T.ivector()
    theta = theano.shared(value=numpy.zeros(n_in * n_out + n_out, dtype=theano.config.floatX),
                          name='theta', borrow=True)
    W = theta[0:n_in * n_out].reshape((n_in, n_out))
    b = theta[n_in * n_out:n_in * n_out + n_out]
    p_y_given_x = T.nnet.softmax(T.dot(x, W) + b)
    cost = -T.mean(T.log(p_y_given_x)[T.arange(y.shape[0]), y])

    batch_cost = theano.function([], cost, givens={x: train_set_x, y: train_set_y},
                                 name="batch_cost")
    batch_grad = theano.function([], T.grad(cost, theta),
                                 givens={x: train_set_x, y: train_set_y}, name="batch_grad")

    def train_fn(theta_value):
        theta.set_value(theta_value, borrow=True)
        return batch_cost()

    def train_fn_grad(theta_value):
        theta.set_value(theta_value, borrow=True)
        return batch_grad()

    best = scipy.optimize.fmin_cg(f=train_fn, x0=numpy.zeros(n_in * n_out + n_out),
                                  fprime=train_fn_grad, disp=0, maxiter=maxiter)
    return dict(theta=best, cost=float(train_fn(best)), data=(data_x, labels))


if __name__ == '__main__':
    print('final cost %f' % cg_optimization()['cost'])
