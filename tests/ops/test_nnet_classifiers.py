"""theano.tensor.nnet's classifier ops (softmax forms, cross-entropies with
bias and argmax, prepend ops, confusion_matrix) against NumPy."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.tensor import nnet


def np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_forms_and_crossentropies_match_numpy():
    rng = np.random.default_rng(0)
    x, b, v, y = T.dmatrix("x"), T.dvector("b"), T.dvector("v"), T.lvector("y")
    outs = [nnet.softmax_op(x), nnet.softmax_op(v), nnet.logsoftmax_op(x),
            nnet.softmax_with_bias(x, b), nnet.softmax_graph(x),
            nnet.crossentropy_categorical_1hot(nnet.softmax_op(x), y)]
    outs += nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    outs += nnet.crossentropy_softmax_max_and_argmax_1hot(x, y)
    f = theano.function([x, b, v, y], outs)
    xv, bv, vv = rng.standard_normal((4, 5)), rng.standard_normal(5), rng.standard_normal(5)
    yv = np.array([0, 4, 2, 2])
    got = f(xv, bv, vv, yv)
    sm, smb = np_softmax(xv), np_softmax(xv + bv)
    rows = np.arange(4)
    expected = [sm, np_softmax(vv)[None, :], np.log(sm), smb, sm, -np.log(sm[rows, yv]),
                -np.log(smb[rows, yv]), smb, np.argmax(xv + bv, axis=1),
                -np.log(sm[rows, yv]), sm, sm.max(axis=1), sm.argmax(axis=1)]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, i
        np.testing.assert_allclose(g, e, rtol=1e-10, err_msg=str(i))
    assert got[8].dtype == np.int64 and got[1].shape == (1, 5)


def test_classifier_gradients():
    rng = np.random.default_rng(1)
    yv = np.array([1, 0, 2])
    T.verify_grad(lambda x, b: nnet.softmax_with_bias(x, b) * np.arange(4.0), [
        rng.standard_normal((3, 4)), rng.standard_normal(4)], rng=rng)
    T.verify_grad(lambda x, b: nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, yv)[0],
                  [rng.standard_normal((3, 4)), rng.standard_normal(4)], rng=rng)
    T.verify_grad(lambda x: nnet.logsoftmax_op(x), [rng.standard_normal((3, 4))], rng=rng)
    T.verify_grad(lambda v, m: nnet.prepend_scalar_to_each_row(v, m),
                  [np.asarray(0.5), rng.standard_normal((3, 2))], rng=rng)


def test_prepend_to_each_row():
    m, s = T.fmatrix("m"), T.fscalar("s")
    f = theano.function([m, s], [nnet.prepend_0_to_each_row(m), nnet.prepend_1_to_each_row(m),
                                 nnet.prepend_scalar_to_each_row(s, m),
                                 nnet.Prepend_scalar_constant_to_each_row(7)(m)])
    mv = np.arange(6, dtype="float32").reshape(3, 2)
    zero, one, scalar, seven = f(mv, 2.5)
    for result, value in ((zero, 0), (one, 1), (scalar, 2.5), (seven, 7)):
        assert result.dtype == np.float32
        np.testing.assert_array_equal(result, np.hstack([np.full((3, 1), value, "float32"), mv]))
    with pytest.raises(TypeError, match="matrix"):
        nnet.prepend_0_to_each_row(T.row("r"))


def test_confusion_matrix_as_theano_docs():
    x, y = T.dvector("x"), T.dvector("y")
    conf, order = theano.function([x, y], nnet.confusion_matrix(x, y))(
        [2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])
    np.testing.assert_array_equal(conf, [[2, 0, 0], [0, 0, 1], [1, 0, 2]])
    np.testing.assert_array_equal(order, [0.0, 1.0, 2.0])
    assert conf.dtype == np.int64
    with pytest.raises(ValueError, match="actual"):
        nnet.confusion_matrix(T.dmatrix(), y)


def test_bad_input_names_the_argument():
    x, y = T.dmatrix("x"), T.lvector("y")
    with pytest.raises(ValueError, match="b .* 1-d tensor of floats"):
        nnet.softmax_with_bias(x, T.lmatrix("b"))
    with pytest.raises(ValueError, match="y_idx"):
        nnet.crossentropy_softmax_argmax_1hot_with_bias(x, T.dvector("b"), T.dvector("yf"))
    assert float(nnet.scalar_sigmoid(T.constant(0.0)).eval()) == 0.5


def test_op_instances_are_of_theano_classes():
    assert isinstance(nnet.softmax_with_bias, nnet.SoftmaxWithBias)
    assert isinstance(nnet.logsoftmax_op, nnet.LogSoftmax)
    assert isinstance(nnet.crossentropy_softmax_argmax_1hot_with_bias,
                      nnet.CrossentropySoftmaxArgmax1HotWithBias)
    assert isinstance(nnet.prepend_scalar_to_each_row, nnet.Prepend_scalar_to_each_row)
    x, b, y = T.dmatrix("x"), T.dvector("b"), T.lvector("y")
    outs = nnet.crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y)
    xv, bv = np.array([[1.0, 2.0, 0.5]]), np.array([0.0, -2.0, 1.0])
    xent, sm, mx, am = theano.function([x, b, y], list(outs))(xv, bv, [2])
    np.testing.assert_allclose(sm, np_softmax(xv + bv))
    assert am[0] == 2 and mx[0] == sm.max() and np.isclose(xent[0], -np.log(sm[0, 2]))
