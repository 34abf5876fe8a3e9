"""Compile-time rewrites (tfgraph.compile.rewrite): stable forms, proven
against NumPy references at extreme inputs, values and gradients, the same in
every mode."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.rewrite import rewrite
from tfgraph.graph import toposort
from tfgraph.ops.elemwise import OPS, Cast
from tfgraph.ops.nnet import CrossentropySoftmax, Softmax
from tfgraph.ops.subtensor import Subtensor

MODES = ["FAST_RUN", "FAST_COMPILE", "DebugMode", "NanGuardMode"]
EXTREME = np.array([-1000.0, -800.0, -40.0, -1.0, 0.0, 1e-300, 1.0, 40.0, 800.0, 1000.0])


def np_log_sigmoid(x):
    return -np.logaddexp(0, -x)


def np_sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


@pytest.mark.parametrize("mode", MODES)
def test_log_sigmoid_forms_are_exact_at_extremes(mode):
    x = T.dvector("x")
    one_minus = T.log(1 - T.nnet.sigmoid(x))
    plain = T.log(T.nnet.sigmoid(x))
    f = theano.function([x], [plain, one_minus, T.grad(plain.sum(), x),
                              T.grad(one_minus.sum(), x)], mode=mode)
    value, value_1m, grad, grad_1m = f(EXTREME)
    np.testing.assert_allclose(value, np_log_sigmoid(EXTREME), rtol=1e-14)
    np.testing.assert_allclose(value_1m, np_log_sigmoid(-EXTREME), rtol=1e-14)
    np.testing.assert_allclose(grad, np_sigmoid(-EXTREME), rtol=1e-14)      # 1 - sigmoid(x)
    np.testing.assert_allclose(grad_1m, -np_sigmoid(EXTREME), rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_the_classic_nll_stays_finite_with_a_logit_at_minus_800(mode):
    z = T.dmatrix("z")
    y = T.lvector("y")
    W = theano.shared(np.eye(3), "W")
    logits = T.dot(z, W)
    p = T.nnet.softmax(logits)
    loss = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    f = theano.function([z, y], [loss, T.log(p)], updates=[(W, W - 0.1 * T.grad(loss, W))],
                        mode=mode)
    data = np.array([[-800.0, 20.0, 30.0], [1.0, 2.0, 3.0]])
    labels = np.array([0, 2])
    value, log_p = f(data, labels)
    shifted = data - data.max(axis=1, keepdims=True)
    np_log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(log_p, np_log_p, rtol=1e-13)
    np.testing.assert_allclose(value, -np_log_p[[0, 1], labels].mean(), rtol=1e-13)
    assert 400 < value < 420
    # d loss / d logits = (softmax - onehot) / n; d loss / d W = z.T @ that.
    onehot = np.eye(3)[labels]
    grad_W = data.T @ ((np.exp(np_log_p) - onehot) / 2)
    np.testing.assert_allclose(W.get_value(), np.eye(3) - 0.1 * grad_W, rtol=1e-13)
    assert np.isfinite(W.get_value()).all()


def test_rewrites_replace_the_literal_forms_and_only_those():
    z, x = T.dmatrix("z"), T.dvector("x")
    log_p = T.log(T.nnet.softmax(z))
    (rewritten,) = rewrite([log_p])
    assert isinstance(rewritten.owner.op, Softmax) and rewritten.owner.op.log
    untouched = [T.log(T.nnet.softmax(z) + 1), T.log(2 - T.nnet.sigmoid(x)), T.exp(x)]
    assert all(a is b for a, b in zip(rewrite(untouched), untouched))
    # The original graph is not changed.
    assert not getattr(log_p.owner.op, "log", False)


def _ops(outputs):
    return [node.op for node in toposort(rewrite(outputs))]


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_the_nll_becomes_one_fused_crossentropy_that_checks_its_labels(mode):
    z, y = T.dmatrix("z"), T.lvector("y")
    W = theano.shared(np.eye(3), "W")
    log_p = T.log(T.nnet.softmax(T.dot(z, W)))
    loss = -T.mean(log_p[T.arange(y.shape[0]), y])
    ops = _ops([loss])
    assert any(isinstance(op, CrossentropySoftmax) for op in ops)
    assert not any(isinstance(op, Subtensor) and ("array", 0) in op.spec for op in ops)
    # Rows that are not arange(len(labels)) keep the literal indexing.
    assert not any(isinstance(op, CrossentropySoftmax)
                   for op in _ops([log_p[T.arange(2), y[:2]].sum()]))
    f = theano.function([z, y], loss, updates=[(W, W - 0.1 * T.grad(loss, W))], mode=mode)
    data, labels = np.array([[1.0, 2.0, 30.0], [3.0, -2.0, 0.5]]), np.array([2, 0])
    np_log_p = data - np.log(np.exp(data).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(f(data, labels), -np_log_p[[0, 1], labels].mean(), rtol=1e-13)
    grad_W = data.T @ ((np.exp(np_log_p) - np.eye(3)[labels]) / 2)
    np.testing.assert_allclose(W.get_value(), np.eye(3) - 0.1 * grad_W, rtol=1e-12)
    before = W.get_value()
    # As Theano's fused op: a label out of range, or fewer labels than rows, raise.
    for bad in (np.array([2, 3]), np.array([1])):
        with pytest.raises(ValueError, match="label|labels"):
            f(data, bad)
        np.testing.assert_array_equal(W.get_value(), before)


def test_a_slice_of_a_cast_casts_only_the_slice():
    stored = theano.shared(np.arange(10.0) + 0.75, "stored")
    i = T.lscalar("i")
    labels = T.cast(stored, "int32")[i * 3:(i + 1) * 3]
    cast_node = next(n for n in toposort(rewrite([labels])) if isinstance(n.op, Cast))
    assert cast_node.inputs[0].owner is not None and isinstance(cast_node.inputs[0].owner.op,
                                                                Subtensor)
    f = theano.function([i], labels)
    np.testing.assert_array_equal(f(1), (np.arange(10.0) + 0.75).astype("int32")[3:6])
    assert f(1).dtype == np.int32


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_a_square_is_a_multiply_with_its_gradient(mode):
    x = T.dvector("x")
    assert OPS["sqr"] in _ops([x ** 2]) and OPS["pow"] not in _ops([x ** 2])
    assert OPS["pow"] in _ops([x ** 3])
    value = np.array([-3.0, 0.0, 1.5, 1e150])
    f = theano.function([x], [(x ** 2).sum(), T.grad((x ** 2).sum(), x)], mode=mode)
    total, grad = f(value)
    np.testing.assert_array_equal(total, np.sum(value ** 2))
    np.testing.assert_array_equal(grad, 2 * value)


def test_a_cast_of_an_exact_cast_casts_once():
    """A dropout mask cast(binomial, floatX), the binomial's dtype int64."""
    x, b, i = T.dvector("x"), T.bvector("b"), T.ivector("i")
    once = [T.cast(T.cast(x < 0.5, "int64"), "float32"), T.cast(T.cast(b, "int64"), "float32"),
            T.cast(T.cast(i, "int64"), "float64")]
    for expression in once:
        casts = [op for op in _ops([expression]) if isinstance(op, Cast)]
        assert len(casts) == 1 and casts[0].dtype == expression.dtype
    # An inner cast that can change the value stays: truncation, narrowing, kinds.
    for expression in (T.cast(T.cast(x, "int32"), "float64"), T.cast(T.cast(i, "int8"), "int32"),
                       T.cast(T.cast(i, "float32"), "int32")):
        assert len([op for op in _ops([expression]) if isinstance(op, Cast)]) == 2
    f = theano.function([x, b, i], once + [T.cast(T.cast(x, "int32"), "float64")])
    xv, bv, iv = np.array([0.25, 0.75, -1.5]), np.array([-128, 0, 127], "int8"), \
        np.array([-2**31, 0, 2**31 - 1], "int32")
    mask, small, wide, truncated = f(xv, bv, iv)
    np.testing.assert_array_equal(mask, np.array([1, 0, 1], "float32"))
    np.testing.assert_array_equal(small, bv.astype("float32"))
    np.testing.assert_array_equal(wide, iv.astype("float64"))
    np.testing.assert_array_equal(truncated, [0.0, 0.0, -1.0])


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_a_penalty_weighted_by_zero_is_neither_computed_nor_differentiated(mode):
    """The MLP tutorial's ``L1_reg * L1`` with ``L1_reg = 0.00``: Theano's
    FAST_RUN made ``mul(0, ...)`` a zero, even of an inf or NaN."""
    W = theano.shared(np.array([[1.0, np.inf], [np.nan, -3.0]], "float32"), "W")
    V = theano.shared(np.array([1.0, -2.0], "float32"), "V")
    cost = 0.0 * abs(W).sum() + 0.5 * T.sqr(V).sum()
    ops = _ops([cost])
    assert OPS["abs_"] not in ops and OPS["mul"] in ops
    # Only a scalar product becomes a constant: a zero tensor of x's shape
    # would still need x.
    matrix = T.dmatrix("matrix")
    assert OPS["mul"] in _ops([0.0 * matrix])
    f = theano.function([], [cost] + T.grad(cost, [W, V]), mode=mode)
    value, grad_W, grad_V = f()
    assert value == 2.5 and value.dtype == np.float32
    np.testing.assert_array_equal(grad_W, np.zeros((2, 2), "float32"))
    np.testing.assert_array_equal(grad_V, [1.0, -2.0])
    if mode == "FAST_RUN":   # FAST_COMPILE has no one graph to look into
        assert not any(op.type in ("Abs", "Sign") for op in
                       f.concrete_function.graph.get_operations())
    x = T.dscalar("x")
    np.testing.assert_array_equal(theano.function([x], 0 * x, mode=mode)(np.nan), 0.0)
    # A product whose other factor can fail at run time still fails.
    i = T.lscalar("i")
    indexed = theano.function([i], 0 * V[i], mode=mode)
    assert indexed(1) == 0
    with pytest.raises(IndexError):
        indexed(2)
    np.testing.assert_array_equal(theano.function([matrix], 0 * matrix, mode=mode)(
        np.array([[np.inf, 1.0]])), [[np.nan, 0.0]])


def test_a_graph_no_rewrite_matches_comes_back_as_it_is():
    x = T.dmatrix("x")
    outputs = [T.tanh(x).sum(), T.grad(T.tanh(x).sum(), x)]
    assert all(a is b for a, b in zip(rewrite(outputs), outputs))
    assert all(a is b for a, b in zip(rewrite(outputs, platform="mesh"), outputs))


def test_a_scan_step_is_rewritten_too():
    """log(softmax) inside a loop's step becomes logsoftmax there as well:
    finite where the probability underflows."""
    x = T.dmatrix("x")
    logs, _ = theano.scan(lambda row: T.log(T.nnet.softmax(row)), sequences=x)
    step = toposort(rewrite([logs])[0].owner.op.inner_outputs)
    assert any(isinstance(n.op, Softmax) and n.op.log for n in step)
    assert not any(n.op is OPS["log"] for n in step)
    rows = np.array([[0.0, -800.0], [1.0, 2.0]])
    f = theano.function([x], [logs, T.grad(logs[:, 0, 0].sum(), x)])
    value, grad = f(rows)
    expected = rows - np.logaddexp.reduce(rows, axis=1, keepdims=True)
    np.testing.assert_allclose(value[:, 0], expected, rtol=1e-14)
    np.testing.assert_allclose(grad, np.eye(2)[[0, 0]] - np.exp(expected), rtol=1e-12, atol=1e-300)
