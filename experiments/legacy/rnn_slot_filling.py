"""An Elman recurrent network for slot filling in the style of the classic
tutorial (rnnslu.py's elman): a word-embedding matrix indexed by a matrix of
context windows of word indices (the padding index -1 picks the extra last
row), theano.scan over the words with a softmax per word (T.nnet.softmax of a
vector is a row, hence s[:, 0, :]), the sentence's mean NLL, SGD on every
parameter (the initial state h0 too) through an OrderedDict, and the
embeddings normalised after each sentence by a function with updates only."""
from __future__ import print_function

from collections import OrderedDict

import numpy
import theano
from theano import tensor as T


def contextwin(l, win):
    """The window of ``win`` word indices centred on each word, padded with -1."""
    assert (win % 2) == 1
    assert win >= 1
    l = list(l)
    lpadded = win // 2 * [-1] + l + win // 2 * [-1]
    out = [lpadded[i:(i + win)] for i in range(len(l))]
    assert len(out) == len(l)
    return out


class RNNSLU(object):
    """nh: hidden units, nc: classes, ne: vocabulary size, de: embedding
    size, cs: context window size."""

    def __init__(self, nh, nc, ne, de, cs):
        # one more row, for the padding index -1
        self.emb = theano.shared(name='embeddings', value=0.2 * numpy.random.uniform(
            -1.0, 1.0, (ne + 1, de)).astype(theano.config.floatX))
        self.wx = theano.shared(name='wx', value=0.2 * numpy.random.uniform(
            -1.0, 1.0, (de * cs, nh)).astype(theano.config.floatX))
        self.wh = theano.shared(name='wh', value=0.2 * numpy.random.uniform(
            -1.0, 1.0, (nh, nh)).astype(theano.config.floatX))
        self.w = theano.shared(name='w', value=0.2 * numpy.random.uniform(
            -1.0, 1.0, (nh, nc)).astype(theano.config.floatX))
        self.bh = theano.shared(name='bh', value=numpy.zeros(nh, dtype=theano.config.floatX))
        self.b = theano.shared(name='b', value=numpy.zeros(nc, dtype=theano.config.floatX))
        self.h0 = theano.shared(name='h0', value=numpy.zeros(nh, dtype=theano.config.floatX))
        self.params = [self.emb, self.wx, self.wh, self.w, self.bh, self.b, self.h0]

        idxs = T.imatrix()
        x = self.emb[idxs].reshape((idxs.shape[0], de * cs))
        y_sentence = T.ivector('y_sentence')

        def recurrence(x_t, h_tm1):
            h_t = T.nnet.sigmoid(T.dot(x_t, self.wx) + T.dot(h_tm1, self.wh) + self.bh)
            s_t = T.nnet.softmax(T.dot(h_t, self.w) + self.b)
            return [h_t, s_t]

        [h, s], _ = theano.scan(fn=recurrence, sequences=x, outputs_info=[self.h0, None],
                                n_steps=x.shape[0])

        p_y_given_x_sentence = s[:, 0, :]
        y_pred = T.argmax(p_y_given_x_sentence, axis=1)

        lr = T.scalar('lr')
        sentence_nll = -T.mean(T.log(p_y_given_x_sentence)[T.arange(x.shape[0]), y_sentence])
        sentence_gradients = T.grad(sentence_nll, self.params)
        sentence_updates = OrderedDict((p, p - lr * g)
                                       for p, g in zip(self.params, sentence_gradients))

        self.classify = theano.function(inputs=[idxs], outputs=y_pred)
        self.sentence_train = theano.function(inputs=[idxs, y_sentence, lr],
                                              outputs=sentence_nll, updates=sentence_updates)
        self.normalize = theano.function(
            inputs=[], updates={self.emb: self.emb / T.sqrt((self.emb ** 2).sum(axis=1))
                                .dimshuffle(0, 'x')})

    def train(self, x, y, window_size, learning_rate):
        cwords = contextwin(x, window_size)
        words = list(map(lambda x: numpy.asarray(x).astype('int32'), cwords))
        labels = y
        nll = self.sentence_train(words, labels, learning_rate)
        self.normalize()
        return nll


def main(nh=5, nc=3, ne=7, de=4, win=3, nepochs=3, clr=1.0, seed=345):
    numpy.random.seed(seed)
    sentences = [numpy.random.randint(0, ne, size=n).astype('int32') for n in (4, 3, 6)]
    labels = [numpy.random.randint(0, nc, size=len(s)).astype('int32') for s in sentences]
    rnn = RNNSLU(nh=nh, nc=nc, ne=ne, de=de, cs=win)
    initial = [p.get_value() for p in rnn.params]
    nlls = []
    for e in range(nepochs):
        for i, (x, y) in enumerate(zip(sentences, labels)):
            nlls.append(rnn.train(x, y, win, clr))
        print('[learning] epoch %i >> mean nll %f' % (e, numpy.mean(nlls[-len(sentences):])))
    predictions = [rnn.classify(numpy.asarray(contextwin(x, win)).astype('int32'))
                   for x in sentences]
    return dict(sentences=sentences, labels=labels, initial=initial, nlls=nlls,
                final=[p.get_value() for p in rnn.params], predictions=predictions,
                hyper=(win, clr, nepochs))


if __name__ == '__main__':
    main()
