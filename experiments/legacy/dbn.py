"""A deep belief network in the style of the classic tutorial (DBN.py):
sigmoid HiddenLayers whose weights and hidden biases RBMs share, greedy
layer-wise pretraining by contrastive divergence (CD-k, the RBM class's Gibbs
chain by scan), one compiled function per layer with the learning rate as an
input with a default (theano.In), then fine-tuning of the whole stack with a
LogisticRegression on top; minibatches through givens."""
from __future__ import print_function

import numpy
import theano
import theano.tensor as T

from logreg_sgd import shared_dataset
from rbm import RBM
from stacked_autoencoder import SdA, finetune


class DBN(SdA):
    """The stacked autoencoder's sigmoid stack and fine-tuning, with RBMs as
    the layers pretrained greedily."""

    def __init__(self, numpy_rng, theano_rng=None, n_ins=784, hidden_layers_sizes=[500, 500],
                 n_outs=10):
        SdA.__init__(self, numpy_rng, theano_rng=theano_rng, n_ins=n_ins,
                     hidden_layers_sizes=hidden_layers_sizes, n_outs=n_outs)
        self.rbm_layers = self.pretraining_layers

    def pretraining_layer(self, numpy_rng, theano_rng, sigmoid_layer, n_in, n_out):
        return RBM(numpy_rng=numpy_rng, theano_rng=theano_rng, input=sigmoid_layer.input,
                   n_visible=n_in, n_hidden=n_out, W=sigmoid_layer.W, hbias=sigmoid_layer.b)

    def pretraining_functions(self, train_set_x, batch_size, k):
        index = T.lscalar('index')
        learning_rate = T.scalar('lr')
        batch_begin = index * batch_size
        batch_end = batch_begin + batch_size
        pretrain_fns = []
        for rbm in self.rbm_layers:
            cost, updates = rbm.get_cost_updates(learning_rate, persistent=None, k=k)
            # The Gibbs chain is returned too, for the record.
            fn = theano.function(
                inputs=[index, theano.In(learning_rate, value=0.1)],
                outputs=[cost] + rbm.chain, updates=updates,
                givens={self.x: train_set_x[batch_begin:batch_end]})
            pretrain_fns.append(fn)
        return pretrain_fns


def test_DBN(finetune_lr=0.1, pretraining_epochs=2, pretrain_lr=0.05, k=2, training_epochs=2,
             batch_size=5, seed=123):
    numpy_rng = numpy.random.RandomState(seed)
    data_x = (numpy_rng.rand(30, 8) > 0.5).astype(theano.config.floatX)
    data_y = numpy.argmax(numpy.dot(data_x - 0.5, numpy_rng.randn(8, 3)), axis=1)
    datasets = [shared_dataset((data_x[a:b], data_y[a:b])) for a, b in ((0, 15), (15, 20),
                                                                          (20, 30))]
    train_set_x, train_set_y = datasets[0]
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    dbn = DBN(numpy_rng=numpy_rng, n_ins=8, hidden_layers_sizes=[6, 4], n_outs=3)
    initial = [p.get_value() for p in dbn.params]
    initial_vbias = [rbm.vbias.get_value() for rbm in dbn.rbm_layers]

    pretraining_fns = dbn.pretraining_functions(train_set_x=train_set_x, batch_size=batch_size,
                                                k=k)
    pretrain_costs, chains = [], []
    for i in range(dbn.n_layers):
        for epoch in range(pretraining_epochs):
            c = []
            for batch_index in range(n_train_batches):
                outputs = pretraining_fns[i](index=batch_index, lr=pretrain_lr)
                c.append(outputs[0])
                chains.append(outputs[1:])
            pretrain_costs.extend(c)
            print('Pre-training layer %i, epoch %d, cost ' % (i, epoch), numpy.mean(c))
    pretrained = [p.get_value() for p in dbn.params]
    pretrained_vbias = [rbm.vbias.get_value() for rbm in dbn.rbm_layers]

    finetuned = finetune(dbn, datasets, finetune_lr, training_epochs, batch_size)
    return dict(data=(data_x, data_y), initial=initial, initial_vbias=initial_vbias,
                pretrain_costs=pretrain_costs, chains=chains, pretrained=pretrained,
                pretrained_vbias=pretrained_vbias, final=[p.get_value() for p in dbn.params],
                hyper=(pretrain_lr, k, finetune_lr, batch_size), **finetuned)


if __name__ == '__main__':
    test_DBN()
