"""A stacked denoising autoencoder in the style of the classic tutorial
(SdA.py): sigmoid HiddenLayers whose weights the dA layers share, a
LogisticRegression on top, greedy layer-wise pretraining by one compiled
function per layer (corruption level and learning rate as inputs with
defaults, through theano.In), then fine-tuning of the whole stack;
minibatches through givens with a symbolic index."""
from __future__ import print_function

import numpy
import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams

from denoising_autoencoder import dA
from logreg_sgd import LogisticRegression, shared_dataset
from mlp_autoencoder import HiddenLayer


class SdA(object):
    def __init__(self, numpy_rng, theano_rng=None, n_ins=784, hidden_layers_sizes=[500, 500],
                 n_outs=10, corruption_levels=[0.1, 0.1]):
        self.sigmoid_layers = []
        self.pretraining_layers = []
        self.params = []
        self.n_layers = len(hidden_layers_sizes)
        assert self.n_layers > 0
        if not theano_rng:
            theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))
        self.x = T.matrix('x')
        self.y = T.ivector('y')
        for i in range(self.n_layers):
            if i == 0:
                input_size = n_ins
                layer_input = self.x
            else:
                input_size = hidden_layers_sizes[i - 1]
                layer_input = self.sigmoid_layers[-1].output
            sigmoid_layer = HiddenLayer(rng=numpy_rng, input=layer_input, n_in=input_size,
                                        n_out=hidden_layers_sizes[i], activation=T.nnet.sigmoid)
            self.sigmoid_layers.append(sigmoid_layer)
            self.params.extend(sigmoid_layer.params)
            self.pretraining_layers.append(self.pretraining_layer(
                numpy_rng, theano_rng, sigmoid_layer, input_size, hidden_layers_sizes[i]))
        self.logLayer = LogisticRegression(input=self.sigmoid_layers[-1].output,
                                           n_in=hidden_layers_sizes[-1], n_out=n_outs)
        self.params.extend(self.logLayer.params)
        self.finetune_cost = self.logLayer.negative_log_likelihood(self.y)
        self.errors = self.logLayer.errors(self.y)

    @property
    def dA_layers(self):
        return self.pretraining_layers

    def pretraining_layer(self, numpy_rng, theano_rng, sigmoid_layer, n_in, n_out):
        """The layer trained greedily on the sigmoid layer's input, sharing
        its weights and hidden biases (a DBN puts an RBM there)."""
        return dA(numpy_rng=numpy_rng, theano_rng=theano_rng, input=sigmoid_layer.input,
                  n_visible=n_in, n_hidden=n_out, W=sigmoid_layer.W, bhid=sigmoid_layer.b)

    def pretraining_functions(self, train_set_x, batch_size):
        index = T.lscalar('index')
        corruption_level = T.scalar('corruption')
        learning_rate = T.scalar('lr')
        batch_begin = index * batch_size
        batch_end = batch_begin + batch_size
        pretrain_fns = []
        for dA_layer in self.dA_layers:
            cost, updates = dA_layer.get_cost_updates(corruption_level, learning_rate)
            # The corrupted layer input is returned too, for the record.
            fn = theano.function(
                inputs=[index, theano.In(corruption_level, value=0.2),
                        theano.In(learning_rate, value=0.1)],
                outputs=[cost, dA_layer.tilde_x], updates=updates,
                givens={self.x: train_set_x[batch_begin: batch_end]})
            pretrain_fns.append(fn)
        return pretrain_fns

    def build_finetune_functions(self, datasets, batch_size, learning_rate):
        (train_set_x, train_set_y) = datasets[0]
        (valid_set_x, valid_set_y) = datasets[1]
        (test_set_x, test_set_y) = datasets[2]
        n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
        n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size
        index = T.lscalar('index')
        gparams = T.grad(self.finetune_cost, self.params)
        updates = [(param, param - gparam * learning_rate)
                   for param, gparam in zip(self.params, gparams)]
        train_fn = theano.function(
            inputs=[index], outputs=self.finetune_cost, updates=updates,
            givens={self.x: train_set_x[index * batch_size: (index + 1) * batch_size],
                    self.y: train_set_y[index * batch_size: (index + 1) * batch_size]},
            name='train')
        test_score_i = theano.function(
            [index], self.errors,
            givens={self.x: test_set_x[index * batch_size: (index + 1) * batch_size],
                    self.y: test_set_y[index * batch_size: (index + 1) * batch_size]},
            name='test')
        valid_score_i = theano.function(
            [index], self.errors,
            givens={self.x: valid_set_x[index * batch_size: (index + 1) * batch_size],
                    self.y: valid_set_y[index * batch_size: (index + 1) * batch_size]},
            name='valid')

        def valid_score():
            return [valid_score_i(i) for i in range(n_valid_batches)]

        def test_score():
            return [test_score_i(i) for i in range(n_test_batches)]

        return train_fn, valid_score, test_score


def make_datasets(rng, n_ins, n_outs):
    """Inputs in (0, 1) (the dA's cross-entropy needs them there), labels
    from a random linear map; train, valid and test sets."""
    x = rng.rand(30, n_ins)
    y = numpy.argmax(numpy.dot(x - 0.5, rng.randn(n_ins, n_outs)), axis=1)
    return [shared_dataset((x[a:b], y[a:b])) for a, b in ((0, 15), (15, 20), (20, 30))], x, y


def finetune(model, datasets, finetune_lr, training_epochs, batch_size):
    """Fine-tuning of a pretrained stack (SdA or DBN): its costs, the
    validation error after each epoch, the final test error."""
    n_train_batches = datasets[0][0].get_value(borrow=True).shape[0] // batch_size
    train_fn, validate_model, test_model = model.build_finetune_functions(
        datasets=datasets, batch_size=batch_size, learning_rate=finetune_lr)
    finetune_costs, validation = [], []
    for epoch in range(training_epochs):
        for minibatch_index in range(n_train_batches):
            finetune_costs.append(float(train_fn(minibatch_index)))
        validation.append(numpy.mean(validate_model()))
        print('epoch %i, validation error %f %%' % (epoch + 1, validation[-1] * 100.))
    return dict(finetune_costs=finetune_costs, validation=validation,
                test_error=numpy.mean(test_model()))


def test_SdA(finetune_lr=0.1, pretraining_epochs=2, pretrain_lr=0.05, training_epochs=2,
             batch_size=5, seed=89677):
    numpy_rng = numpy.random.RandomState(seed)
    datasets, data_x, data_y = make_datasets(numpy_rng, 8, 3)
    train_set_x, train_set_y = datasets[0]
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    sda = SdA(numpy_rng=numpy_rng, n_ins=8, hidden_layers_sizes=[6, 4], n_outs=3)
    initial = [p.get_value() for p in sda.params]
    initial_bvis = [layer.b_prime.get_value() for layer in sda.dA_layers]

    pretraining_fns = sda.pretraining_functions(train_set_x=train_set_x, batch_size=batch_size)
    corruption_levels = [.1, .2]
    pretrain_costs, corrupted = [], []
    for i in range(sda.n_layers):
        for epoch in range(pretraining_epochs):
            c = []
            for batch_index in range(n_train_batches):
                cost, tilde_x = pretraining_fns[i](index=batch_index,
                                                   corruption=corruption_levels[i],
                                                   lr=pretrain_lr)
                c.append(cost)
                corrupted.append(tilde_x)
            pretrain_costs.extend(c)
            print('Pre-training layer %i, epoch %d, cost %f' % (i, epoch, numpy.mean(c)))
    pretrained = [p.get_value() for p in sda.params]
    pretrained_bvis = [layer.b_prime.get_value() for layer in sda.dA_layers]

    finetuned = finetune(sda, datasets, finetune_lr, training_epochs, batch_size)
    return dict(data=(data_x, data_y), initial=initial, initial_bvis=initial_bvis,
                pretrain_costs=pretrain_costs, corrupted=corrupted, pretrained=pretrained,
                pretrained_bvis=pretrained_bvis, final=[p.get_value() for p in sda.params],
                hyper=(pretrain_lr, corruption_levels, finetune_lr, batch_size), **finetuned)


if __name__ == '__main__':
    test_SdA()
