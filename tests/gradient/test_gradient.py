"""theano.gradient on tfgraph: grad's full signature and behaviour, gradients of
gradients, Jacobians and Hessians against closed forms, Lop/Rop, the
gradient-shaping identities, verify_grad, printing, and the promise that a
cost and its gradients share one forward pass (counted in the traced graph).

Per-op gradients against finite differences are in test_gradient_ops.py.
"""
import collections
import re
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import gradient
from tfgraph.gradient import (DisconnectedInputError, DisconnectedType, GradientError, Lop,
                              Rop, hessian, jacobian, verify_grad)


def op_counts(f):
    """How many ops of each type the traced graph of Function ``f`` has."""
    return collections.Counter(n.op for n in f.concrete_function.graph.as_graph_def().node)


RNG = np.random.RandomState(1234)


# --- the seed tutorial ---------------------------------------------------------------

def test_tutorial_gradient_cell():
    foo = T.scalar("foo")
    bar = foo ** 2
    bar_grad = T.grad(bar, foo)
    result = bar_grad.eval({foo: 10})
    assert isinstance(result, np.ndarray) and result.shape == ()
    assert result.dtype == theano.config.floatX
    assert result == 20.0
    assert theano.pp(bar_grad) == "grad((foo ** TensorConstant{2}), wrt=[foo])"


def test_tutorial_jacobian_cell(capsys):
    A, x, b = T.matrix("A"), T.vector("x"), T.vector("b")
    y = T.dot(A, x) + b
    y_J = theano.gradient.jacobian(y, x)
    linear_mix_J = theano.function([A, x, b], y_J)
    result = linear_mix_J(np.array([[9, 8, 7], [4, 5, 6]]), np.array([1, 2, 3]),
                          np.array([4, 5]))
    np.testing.assert_array_equal(result, [[9, 8, 7], [4, 5, 6]])
    assert result.dtype == theano.config.floatX and y_J.ndim == 2
    print(result)
    assert capsys.readouterr().out == "[[9. 8. 7.]\n [4. 5. 6.]]\n"


# --- grad: arguments and errors --------------------------------------------------------

def test_non_scalar_cost_is_a_type_error():
    x = T.dvector("x")
    message = r"cost must be a scalar. \(x \*\* TensorConstant\{2\}\) has 1 dim"
    with pytest.raises(TypeError, match=message):
        T.grad(x ** 2, x)


def test_wrt_forms_give_matching_result_forms():
    x, y = T.dscalar("x"), T.dscalar("y")
    cost = x * y
    assert isinstance(T.grad(cost, x), theano.Variable)
    assert isinstance(T.grad(cost, [x, y]), list) and len(T.grad(cost, [x, y])) == 2
    assert isinstance(T.grad(cost, (x, y)), tuple)
    with pytest.raises(TypeError, match="must not be a set"):
        T.grad(cost, {x, y})
    with pytest.raises(TypeError, match="expected a symbolic Variable"):
        T.grad(cost, [x, 3.0])
    with pytest.raises(TypeError, match="can't both be None"):
        gradient.grad(None, x)


def test_gradients_are_named_after_cost_and_wrt():
    x = T.dvector("x")
    cost = T.sum(x ** 2)
    cost.name = "cost"
    assert T.grad(cost, x).name == "(dcost/dx)"
    assert T.grad(cost, x, add_names=False).name is None


def test_disconnected_input_raises_warns_or_ignores():
    x, unused = T.dvector("x"), T.dmatrix("unused")
    cost = T.sum(x)
    with pytest.raises(DisconnectedInputError, match="unused"):
        T.grad(cost, unused)
    with pytest.warns(UserWarning, match="not part of the computational graph"):
        g = T.grad(cost, [x, unused], disconnected_inputs="warn")[1]
    np.testing.assert_array_equal(
        theano.function([unused], g)(np.ones((2, 3))), np.zeros((2, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = T.grad(cost, unused, disconnected_inputs="ignore")
    assert g.type == unused.type
    with pytest.raises(ValueError, match="disconnected_inputs"):
        T.grad(cost, x, disconnected_inputs="sometimes")


def test_return_disconnected_forms():
    x, unused = T.dvector("x"), T.ivector("unused")
    cost = T.sum(x)
    zero = T.grad(cost, unused, disconnected_inputs="ignore")
    assert zero.dtype == theano.config.floatX  # zeros like an int input are floats
    np.testing.assert_array_equal(zero.eval({unused: [1, 2]}), [0.0, 0.0])
    assert T.grad(cost, unused, disconnected_inputs="ignore", return_disconnected="None") is None
    placeholder = T.grad(cost, unused, disconnected_inputs="ignore",
                         return_disconnected="Disconnected")
    assert isinstance(placeholder.type, DisconnectedType)
    with pytest.raises(ValueError, match="return_disconnected"):
        T.grad(cost, unused, return_disconnected="zeros")


@pytest.mark.parametrize("build", [
    lambda x: T.sum(x.shape) * 1.0,                        # through a shape
    lambda x: T.sum(gradient.disconnected_grad(x) ** 2),   # through disconnected_grad
    lambda x: T.sum(T.zeros((x.shape[0], 2))),             # through an alloc's shape
], ids=["shape", "disconnected_grad", "alloc_shape"])
def test_non_differentiable_paths_are_disconnected(build):
    x = T.dvector("x")
    with pytest.raises(DisconnectedInputError):
        T.grad(build(x), x)
    g = T.grad(build(x), x, disconnected_inputs="ignore")
    np.testing.assert_array_equal(g.eval({x: [1.0, 2.0]}), [0.0, 0.0])


def test_zero_grad_is_connected_and_zero():
    x = T.dvector("x")
    g = T.grad(T.sum(gradient.zero_grad(x) ** 2 + x), x)  # no error: connected
    np.testing.assert_array_equal(g.eval({x: [3.0, -2.0]}), [1.0, 1.0])


def test_comparisons_and_switch_conditions_have_zero_gradient():
    x = T.dvector("x")
    g = T.grad(T.sum(T.switch(x > 0, 1.0, 2.0) * 3.0 + (x > 1)), x)
    np.testing.assert_array_equal(g.eval({x: [-1.0, 2.0]}), [0.0, 0.0])
    h = T.grad(x[T.argmax(x)] * 2.0, x)  # gradient flows to the selected element only
    np.testing.assert_array_equal(h.eval({x: [1.0, 5.0, 3.0]}), [0.0, 2.0, 0.0])


def test_integer_inputs_get_float_zeros():
    i = T.ivector("i")
    x = T.dscalar("x")
    cost = T.sum(i * 2.5) * x
    gi, gx = T.grad(cost, [i, x])
    assert gi.type == T.TensorType(theano.config.floatX, (False,))
    f = theano.function([i, x], [gi, gx])
    value_i, value_x = f([1, 2, 3], 2.0)
    np.testing.assert_array_equal(value_i, [0.0, 0.0, 0.0])
    assert value_x == 15.0
    # An integer cost has zero gradient everywhere, even through a cast.
    xs = T.dvector("xs")
    g = T.grad(T.sum(T.cast(xs * 3, "int32")), xs)
    np.testing.assert_array_equal(g.eval({xs: [1.5, 2.5]}), [0.0, 0.0])


def test_float32_gradients_keep_their_dtype():
    x = T.fvector("x")
    w = theano.shared(np.array([1.0, 2.0]), name="w")  # float64
    g_x, g_w = T.grad(T.sum(T.cast(x, "float64") * w), [x, w])
    assert (g_x.dtype, g_w.dtype) == ("float32", "float64")
    value = theano.function([x], g_x)(np.array([1.0, 1.0], "float32"))
    assert value.dtype == np.float32
    np.testing.assert_array_equal(value, [1.0, 2.0])


def test_gradient_with_respect_to_shared_constant_and_intermediate_variables():
    x = T.dvector("x")
    w = theano.shared(np.array([0.5, -1.0]), name="w")
    c = T.constant(3.0)
    h = x * w
    cost = T.sum(h ** 2) * c + T.sum(h)
    g_w, g_c, g_h = T.grad(cost, [w, c, h])
    f = theano.function([x], [g_w, g_c, g_h])
    xv = np.array([2.0, 4.0])
    hv = xv * w.get_value()
    out = f(xv)
    np.testing.assert_allclose(out[0], (6 * hv + 1) * xv)
    np.testing.assert_allclose(out[1], np.sum(hv ** 2))
    np.testing.assert_allclose(out[2], 6 * hv + 1)


def test_wrt_aliasing_an_input_counts_only_its_own_paths():
    # x.dimshuffle(0) lowers to x's own tensor; the gradient must still see
    # only the paths through y.
    x = T.dvector("x")
    y = x.dimshuffle(0)
    for cost in (T.sum(x * 3) + T.sum(y ** 2), T.sum(y ** 2) + T.sum(x * 3)):  # both orders
        np.testing.assert_array_equal(T.grad(cost, y).eval({x: [1.0, 2.0]}), [2.0, 4.0])


def test_wrt_the_cost_itself_is_one():
    x = T.dscalar("x")
    cost = x ** 3
    assert T.grad(cost, cost).eval({x: 2.0}) == 1.0


# --- consider_constant and known_grads ---------------------------------------------------

def test_consider_constant_stops_backpropagation():
    s = T.dscalar("s")
    c = s * s
    e = c * s
    g_const = T.grad(e, s, consider_constant=[c])
    g_full = T.grad(e, s)
    f = theano.function([s], [e, g_const, g_full])
    assert [float(v) for v in f(2.0)] == [8.0, 4.0, 12.0]
    with pytest.raises(TypeError, match="iterable"):
        T.grad(e, s, consider_constant=c)
    with pytest.raises(TypeError, match="must be variables"):
        T.grad(e, s, consider_constant=[1.0])


def test_consider_constant_disconnects_what_is_only_behind_it():
    x = T.dvector("x")
    h = T.exp(x)
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(h * 2), x, consider_constant=[h])


def test_consider_constant_keeps_one_forward_pass():
    x = T.dvector("x")
    h = T.sin(x)
    cost = T.sum(h * x)
    f = theano.function([x], [cost, T.grad(cost, x, consider_constant=[h]), T.grad(cost, x)])
    xv = np.array([0.3, 1.1])
    value, g_const, g_full = f(xv)
    np.testing.assert_allclose(value, np.sum(np.sin(xv) * xv))
    np.testing.assert_allclose(g_const, np.sin(xv))
    np.testing.assert_allclose(g_full, np.sin(xv) + np.cos(xv) * xv)
    assert op_counts(f)["Sin"] == 1  # not recomputed for the constant version


def test_known_grads_start_backpropagation():
    x, v = T.dvector("x"), T.dvector("v")
    h = T.tanh(x)
    g = T.grad(None, x, known_grads={h: v})
    xv, vv = np.array([0.2, -0.5]), np.array([2.0, 3.0])
    np.testing.assert_allclose(theano.function([x, v], g)(xv, vv), (1 - np.tanh(xv) ** 2) * vv)
    # With a cost as well, both contributions add up.
    cost = T.sum(x ** 2)
    g2 = T.grad(cost, x, known_grads={h: v})
    np.testing.assert_allclose(theano.function([x, v], g2)(xv, vv),
                               2 * xv + (1 - np.tanh(xv) ** 2) * vv)


def test_known_grads_fix_the_gradient_at_their_variables():
    # As in Theano, the gradient at h is the one given: the cost's own path
    # through h does not add to it.
    x = T.dvector("x")
    h = x * 2
    cost = T.sum(h ** 2) + T.sum(x)
    g = T.grad(cost, x, known_grads={h: T.ones_like(h)})
    np.testing.assert_array_equal(g.eval({x: [1.0, 5.0]}), [3.0, 3.0])  # 2 * 1 + 1
    assert T.grad(cost, h, known_grads={h: T.ones_like(h) * 7}).eval({x: [1.0]})[0] == 7.0


def test_known_grads_must_be_float_and_shaped_like_their_variable():
    x = T.dvector("x")
    h = x * 2
    with pytest.raises(TypeError, match="continuous"):
        T.grad(None, x, known_grads={h: T.ivector()})
    with pytest.raises(TypeError, match="dimensions"):
        T.grad(None, x, known_grads={h: T.dmatrix()})


def test_subgraph_grad_backpropagates_layer_by_layer():
    x = T.dvector("x")
    w1 = theano.shared(RNG.randn(3, 4), name="w1")
    w2 = theano.shared(RNG.randn(4, 2), name="w2")
    a1 = T.tanh(T.dot(x, w1))
    a2 = T.tanh(T.dot(a1, w2))
    cost = T.sum(a2 ** 2)
    (g_w2,), (g_a1,) = gradient.subgraph_grad(wrt=[w2], end=[a1], cost=cost)
    (g_w1,), _ = gradient.subgraph_grad(wrt=[w1], end=[x], start={a1: g_a1})
    f = theano.function([x], [g_w1, g_w2] + T.grad(cost, [w1, w2]))
    layerwise_w1, layerwise_w2, direct_w1, direct_w2 = f(np.array([0.1, -0.2, 0.3]))
    np.testing.assert_allclose(layerwise_w1, direct_w1)
    np.testing.assert_allclose(layerwise_w2, direct_w2)


# --- gradients of gradients ----------------------------------------------------------------

def test_second_and_third_derivatives_of_sin_x_times_x():
    x = T.dscalar("x")
    f = T.sin(x) * x
    g1 = T.grad(f, x)
    g2 = T.grad(g1, x)
    g3 = T.grad(g2, x)
    fn = theano.function([x], [f, g1, g2, g3])
    for v in (0.7, -2.3):
        expected = [np.sin(v) * v, np.cos(v) * v + np.sin(v),
                    2 * np.cos(v) - np.sin(v) * v, -3 * np.sin(v) - np.cos(v) * v]
        np.testing.assert_allclose(fn(v), expected, rtol=1e-12)


def test_mixed_partial_derivatives():
    x, y = T.dscalars("x", "y")
    f = x ** 2 * y ** 3
    d_dx = T.grad(f, x)
    d2_dxdy = T.grad(d_dx, y)
    d3_dx2dy = T.grad(T.grad(d_dx, x), y)
    fn = theano.function([x, y], [d2_dxdy, d3_dx2dy])
    np.testing.assert_allclose(fn(1.5, 2.0), [6 * 1.5 * 4.0, 6 * 4.0])


def test_derivatives_of_a_matrix_expression_to_third_order():
    # f(x) = sum((A x)^3): gradient A^T 3u^2, Hessian A^T diag(6u) A,
    # third derivative sum_k 6 A_ki A_kj A_kl, with u = A x.
    A, x = T.dmatrix("A"), T.dvector("x")
    cost = T.sum(T.dot(A, x) ** 3)
    g1 = T.grad(cost, x)
    g2 = jacobian(g1, x)
    g3 = jacobian(g2, x)
    fn = theano.function([A, x], [g1, g2, g3, T.grad(T.sum(g1 ** 2), x)])
    Av, xv = RNG.randn(4, 3), RNG.randn(3)
    u = Av @ xv
    r1, r2, r3, r4 = fn(Av, xv)
    np.testing.assert_allclose(r1, Av.T @ (3 * u ** 2))
    np.testing.assert_allclose(r2, Av.T @ np.diag(6 * u) @ Av)
    np.testing.assert_allclose(r3, np.einsum("ki,kj,kl->ijl", Av, Av, Av) * 6)
    np.testing.assert_allclose(r4, 2 * r2 @ r1)  # d/dx |g|^2 = 2 H g


def test_every_gradient_level_shares_one_forward_pass():
    X = T.dmatrix("X")
    w = T.dvector("w")
    cost = T.sum(T.nnet.sigmoid(T.dot(X, w)) ** 2)
    g = T.grad(cost, w)
    f = theano.function([X, w], [cost, g, hessian(cost, w), T.grad(T.sum(g ** 2), w)])
    counts = op_counts(f)
    assert counts["Sigmoid"] == 1, counts  # the forward pass, once for all levels
    s = 1 / (1 + np.exp(-(Xv := RNG.randn(5, 3)) @ (wv := RNG.randn(3))))
    value, grad_value, hess_value, _ = f(Xv, wv)
    np.testing.assert_allclose(value, np.sum(s ** 2))
    np.testing.assert_allclose(grad_value, Xv.T @ (2 * s * s * (1 - s)))
    d2 = 2 * s ** 2 * (1 - s) * (2 - 3 * s)  # d2/dz2 of sigmoid(z)^2
    np.testing.assert_allclose(hess_value, Xv.T @ np.diag(d2) @ Xv)


# --- one forward pass for a training step ----------------------------------------------------

def _mlp():
    X, y = T.dmatrix("X"), T.dmatrix("y")
    params = [theano.shared(RNG.randn(3, 5) * 0.5, name="W1"),
              theano.shared(np.zeros(5), name="b1"),
              theano.shared(RNG.randn(5, 2) * 0.5, name="W2"),
              theano.shared(np.zeros(2), name="b2")]
    W1, b1, W2, b2 = params
    hidden = T.nnet.sigmoid(T.dot(X, W1) + b1)
    out = T.nnet.sigmoid(T.dot(hidden, W2) + b2)
    cost = T.sum((out - y) ** 2)
    return X, y, params, cost


def test_training_step_computes_the_forward_pass_once():
    X, y, params, cost = _mlp()
    cost_only = op_counts(theano.function([X, y], cost))
    together = theano.function([X, y], [cost] + T.grad(cost, params))
    one_by_one = theano.function([X, y], [cost] + [T.grad(cost, p) for p in params])
    assert cost_only["MatMul"] == 2 and cost_only["Sigmoid"] == 2
    for f in (together, one_by_one):
        counts = op_counts(f)
        # Forward: 2 sigmoids, 2 matmuls; backward: SigmoidGrads and 3 matmuls
        # (no gradient for the input X), in one sweep for all parameters.
        assert counts["Sigmoid"] == 2 and counts["SigmoidGrad"] == 2, counts
        assert counts["MatMul"] == 5, counts
    a = together(RNG.randn(4, 3), RNG.rand(4, 2))
    b = one_by_one(*[np.asarray(v) for v in (RNG.randn(4, 3), RNG.rand(4, 2))])
    assert len(a) == len(b) == 5


def test_training_step_with_updates_matches_numpy_and_converges():
    X, y, params, cost = _mlp()
    learning_rate = 0.5
    grads = T.grad(cost, params)
    train = theano.function([X, y], cost,
                            updates=[(p, p - learning_rate * g) for p, g in zip(params, grads)])
    Xv, yv = RNG.randn(8, 3), (RNG.rand(8, 2) > 0.5).astype(float)
    W1, b1, W2, b2 = [p.get_value() for p in params]
    h = 1 / (1 + np.exp(-(Xv @ W1 + b1)))
    o = 1 / (1 + np.exp(-(h @ W2 + b2)))
    d_o = 2 * (o - yv) * o * (1 - o)
    d_h = d_o @ W2.T * h * (1 - h)
    expected = [W1 - learning_rate * Xv.T @ d_h, b1 - learning_rate * d_h.sum(0),
                W2 - learning_rate * h.T @ d_o, b2 - learning_rate * d_o.sum(0)]
    first = train(Xv, yv)
    np.testing.assert_allclose(first, np.sum((o - yv) ** 2))
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.get_value(), e, rtol=1e-10)
    costs = [train(Xv, yv) for _ in range(50)]
    assert costs[-1] < 0.5 * first


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1])
@pytest.mark.parametrize("jit_compile", [False, True])
def test_a_float32_sum_accumulated_in_float64_is_differentiated_in_float32(axis, jit_compile):
    """Theano's float32 sum accumulates in float64; its gradient (first and
    second order) is the output's gradient spread in float32, with no
    float64 tensor of x's shape in the traced graph beyond the forward cast."""
    x = T.ftensor3("x")
    xv = RNG.randn(3, 4, 5).astype("float32") + np.float32(1e4)
    total = x.sum(axis=axis)
    cost = T.sqr(total).sum()
    g = T.grad(cost, x)
    h = T.grad(T.sqr(g).sum(), x)
    f = theano.function([x], [total, g, h], mode=theano.Mode(jit_compile=jit_compile))
    value, grad, second = f(xv)
    reference = xv.astype("float64").sum(axis=axis)
    np.testing.assert_array_equal(value, reference.astype("float32"))
    spread = np.broadcast_to(reference if axis is None else np.expand_dims(reference, axis),
                             xv.shape)
    np.testing.assert_allclose(grad, 2 * spread, rtol=1e-6)
    count = xv.size // np.size(reference)   # elements per sum: d sum(g**2) = 8 count spread
    np.testing.assert_allclose(second, 8 * count * spread, rtol=1e-5)
    assert grad.dtype == second.dtype == np.float32
    if not jit_compile:
        wide = [op for op in f.concrete_function.graph.get_operations()
                if op.type != "Cast" and any(t.dtype.name == "float64" and t.shape.rank == 3
                                             for t in op.outputs)]
        assert wide == []


def test_ops_with_their_own_gradient_copy_nothing_for_it():
    """relu (Theano's gradient at 0), max pooling (to every maximum), advanced
    indexing and max (to every extreme) define their gradients themselves:
    the traced step holds no zeros of an input's shape made for them (what
    tf.custom_gradient's pass-through of the inputs cost), and their gradients
    are right, first and second order."""
    from tfgraph.tensor.signal import pool
    x = theano.shared(np.array([[-1.0, 0.0, 2.0, 2.0], [3.0, -4.0, 5.0, 0.5]]), "x")
    images = x.reshape((1, 1, 2, 4))
    cost = (T.nnet.relu(x).sum() + pool.pool_2d(images, (2, 2), True).sum()
            + (x[[0, 1, 1], [3, 0, 0]] ** 2).sum() + T.max(x, axis=1).sum())
    g = T.grad(cost, x)
    f = theano.function([], [g, T.grad(T.sqr(g).sum(), x)])
    grad, second = f()
    relu = np.array([[0, 0.5, 1, 1], [1, 0, 1, 1]])
    pooled = np.array([[0, 0, 0, 0], [1, 0, 1, 0]])        # the maxima of the two 2x2 windows
    indexed = np.array([[0, 0, 0, 4.0], [12.0, 0, 0, 0]])  # 2 * x, x[1, 0] taken twice
    extreme = np.array([[0, 0, 1, 1], [0, 0, 1, 0]])       # both 2.0s are row 0's maximum
    expected = relu + pooled + indexed + extreme
    np.testing.assert_array_equal(grad, expected)
    # Only the indexed term is not linear: d sum(g**2) = 2 g * d g, d g = 2 per take.
    np.testing.assert_array_equal(second, 2 * expected * np.array([[0, 0, 0, 2], [4, 0, 0, 0]]))
    # (The second order's own selections and signs have zero gradients: zeros_like.)
    assert not {"ZerosLike", "IdentityN"} & set(op_counts(theano.function([], g)))


def test_a_quotient_by_a_constant_differentiates_its_numerator_only():
    """Inverted dropout's ``h * mask / keep``: TensorFlow's RealDiv gradient
    would also compute -h / keep**2 for the constant, over h's whole size."""
    x, y = T.fmatrix("x"), T.fscalar("y")
    cost = T.sqr(x / 0.5).sum() + (x / y).sum() + (2.0 / x).sum()
    f = theano.function([x, y], [cost] + T.grad(cost, [x, y]))
    xv = np.array([[1.0, 2.0], [4.0, -0.5]], "float32")
    value, gx, gy = f(xv, 4.0)
    np.testing.assert_allclose(value, ((2 * xv) ** 2).sum() + xv.sum() / 4 + (2 / xv).sum())
    np.testing.assert_allclose(gx, 8 * xv + 0.25 - 2 / xv ** 2)
    np.testing.assert_allclose(gy, -xv.sum() / 16)
    quotient = theano.function([x], T.grad((x / 0.5).sum(), x))
    np.testing.assert_array_equal(quotient(xv), np.full((2, 2), 2.0, "float32"))
    assert "Neg" not in op_counts(quotient)   # no -x / y**2


# --- Jacobians and Hessians ----------------------------------------------------------------

def test_jacobian_closed_forms_and_forms():
    x, W = T.dvector("x"), T.dmatrix("W")
    y = T.tanh(T.dot(W, x))
    J_x, J_W = jacobian(y, [x, W])
    single = jacobian(y, x)
    as_tuple = jacobian(y, (x,))
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 1
    f = theano.function([x, W], [J_x, J_W, single])
    xv, Wv = RNG.randn(3), RNG.randn(2, 3)
    d = 1 - np.tanh(Wv @ xv) ** 2
    rx, rW, rs = f(xv, Wv)
    np.testing.assert_allclose(rx, d[:, None] * Wv)
    np.testing.assert_allclose(rs, rx)
    expected_W = np.zeros((2, 2, 3))
    for i in range(2):
        expected_W[i, i] = d[i] * xv
    np.testing.assert_allclose(rW, expected_W)
    assert (J_x.ndim, J_W.ndim) == (2, 3)


def _elementwise_jacobian(derivative):
    """The Jacobian of an elementwise map with this derivative: the derivative on
    the diagonal of an array of shape ``derivative.shape * 2``."""
    return np.diag(derivative.ravel()).reshape(derivative.shape * 2)


def test_jacobian_of_a_matrix_and_of_a_scalar():
    X = T.dmatrix("X")
    J = jacobian(X ** 2, X)
    Xv = RNG.randn(2, 3)
    np.testing.assert_allclose(J.eval({X: Xv}), _elementwise_jacobian(2 * Xv))
    np.testing.assert_allclose(jacobian(T.sum(X ** 2), X).eval({X: Xv}), 2 * Xv)


def test_jacobian_and_hessian_are_vectorized_not_looped():
    x = T.dvector("x")
    f = theano.function([x], [jacobian(T.sin(x) * x.sum(), x), hessian(T.sum(T.exp(x) * x), x)])
    counts = op_counts(f)
    assert not any("While" in op for op in counts), counts


def test_jacobian_disconnected():
    x, unused = T.dvector("x"), T.dvector("unused")
    with pytest.raises(DisconnectedInputError):
        jacobian(x * 2, unused)
    J = jacobian(x * 2, unused, disconnected_inputs="ignore")
    out = theano.function([x, unused], J)(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(out, np.zeros((2, 3)))


def test_hessian_closed_forms():
    x, A = T.dvector("x"), T.dmatrix("A")
    quadratic = 0.5 * T.sum(x * T.dot(A, x))
    H = hessian(quadratic, x)
    Av, xv = RNG.randn(3, 3), RNG.randn(3)
    np.testing.assert_allclose(theano.function([x, A], H)(xv, Av), (Av + Av.T) / 2)
    H_sin = hessian(T.sum(T.sin(x) * x), x)
    np.testing.assert_allclose(H_sin.eval({x: xv}),
                               np.diag(2 * np.cos(xv) - np.sin(xv) * xv))
    y = T.dvector("y")
    H_x, H_y = hessian(T.sum(x ** 2) * T.sum(y ** 3), [x, y])
    fx = theano.function([x, y], [H_x, H_y])
    yv = RNG.randn(2)
    hx, hy = fx(xv, yv)
    np.testing.assert_allclose(hx, 2 * np.eye(3) * np.sum(yv ** 3))
    np.testing.assert_allclose(hy, np.diag(6 * yv) * np.sum(xv ** 2))


def test_hessian_of_a_linear_cost_is_zero_and_of_a_matrix_is_4d():
    x, W = T.dvector("x"), T.dmatrix("W")
    np.testing.assert_array_equal(hessian(T.sum(x * 3), x).eval({x: np.ones(2)}), np.zeros((2, 2)))
    H = hessian(T.sum(W ** 3), W)
    Wv = RNG.randn(2, 2)
    np.testing.assert_allclose(H.eval({W: Wv}), _elementwise_jacobian(6 * Wv))
    with pytest.raises(TypeError, match="scalar"):
        hessian(x ** 2, x)


# --- L and R operators ------------------------------------------------------------------------

def _layer():
    W, x, v, u = T.dmatrix("W"), T.dvector("x"), T.dvector("v"), T.dvector("u")
    y = T.tanh(T.dot(W, x))
    Wv, xv = RNG.randn(2, 3), RNG.randn(3)
    J = (1 - np.tanh(Wv @ xv) ** 2)[:, None] * Wv
    return W, x, v, u, y, Wv, xv, J


def test_lop_is_a_vector_jacobian_product():
    W, x, _, u, y, Wv, xv, J = _layer()
    lx = Lop(y, x, u)
    lx_list = Lop(y, [x], u)
    assert isinstance(lx_list, list)
    uv = RNG.randn(2)
    out = theano.function([W, x, u], [lx, lx_list[0]])(Wv, xv, uv)
    np.testing.assert_allclose(out[0], J.T @ uv)
    np.testing.assert_allclose(out[1], J.T @ uv)


def test_rop_is_a_jacobian_vector_product():
    W, x, v, _, y, Wv, xv, J = _layer()
    r = Rop(y, x, v)
    r_list = Rop([y, x], [x], [v])
    assert isinstance(r_list, list) and r_list[1] is v  # an output that is a wrt: its point
    vv = RNG.randn(3)
    f = theano.function([W, x, v], [y, r, r_list[0]])
    out = f(Wv, xv, vv)
    np.testing.assert_allclose(out[1], J @ vv)
    np.testing.assert_allclose(out[2], J @ vv)
    assert op_counts(f)["Tanh"] == 1  # the double-VJP trick adds no forward pass
    with pytest.raises(ValueError, match="mismatched dimensionality"):
        Rop(y, x, T.dmatrix())
    with pytest.raises(ValueError, match="eval_points"):
        Rop(y, [x, W], [v])


def test_rop_with_several_wrt_and_outputs():
    a, b = T.dvector("a"), T.dvector("b")
    va, vb = T.dvector("va"), T.dvector("vb")
    f1, f2 = a * b, T.sum(T.exp(a)) * b
    r1, r2 = Rop([f1, f2], [a, b], [va, vb])
    av, bv, vav, vbv = (RNG.randn(3) for _ in range(4))
    out = theano.function([a, b, va, vb], [r1, r2])(av, bv, vav, vbv)
    np.testing.assert_allclose(out[0], vav * bv + av * vbv)
    np.testing.assert_allclose(out[1], np.sum(np.exp(av) * vav) * bv + np.sum(np.exp(av)) * vbv)


def test_hessian_vector_product_by_rop_of_grad():
    x, v = T.dvector("x"), T.dvector("v")
    cost = T.sum(T.sin(x) * x)
    hv = Rop(T.grad(cost, x), x, v)
    xv, vv = RNG.randn(3), RNG.randn(3)
    np.testing.assert_allclose(theano.function([x, v], hv)(xv, vv),
                               (2 * np.cos(xv) - np.sin(xv) * xv) * vv)
    assert theano.pp(hv) == ("Rop(grad(sum((sin(x) * x)), wrt=[x]), wrt=[x], "
                             "eval_points=[v])")


# --- gradient-shaping identities ------------------------------------------------------------

def test_grad_clip_clips_only_the_backward_pass():
    x = T.dscalar("x")
    clipped = gradient.grad_clip(x, -1, 1)
    z, z2 = T.grad(clipped ** 2, x), T.grad(x ** 2, x)
    f = theano.function([x], [clipped, z, z2])
    assert [float(v) for v in f(2.0)] == [2.0, 1.0, 4.0]  # Theano's docstring example
    assert [float(v) for v in f(0.25)] == [0.25, 0.5, 0.5]
    # Second order: the gradient reaching x is clipped again, as in Theano.
    assert T.grad(z, x).eval({x: 0.2}) == 1.0
    with pytest.raises(ValueError, match="exceeds"):
        gradient.grad_clip(x, 1, -1)


def test_grad_scale_and_disconnected_grad_forward_values():
    x = T.dscalar("x")
    fx = T.sin(x)
    reversed_grad = T.grad(gradient.grad_scale(fx, -1.0), x)
    f = theano.function([x], [T.grad(fx, x), reversed_grad, gradient.disconnected_grad(fx)])
    forward, backward, identity = f(2.0)
    np.testing.assert_allclose([forward, backward, identity], [np.cos(2), -np.cos(2), np.sin(2)])


# --- verify_grad ---------------------------------------------------------------------------

def test_verify_grad_passes_correct_gradients():
    verify_grad(T.tanh, [np.asarray([[2.0, 3, 4], [-1, 3.3, 9.9]])], rng=np.random)
    verify_grad(lambda a, b: T.dot(a, b) ** 2, [RNG.randn(2, 3), RNG.randn(3)], n_tests=3)
    verify_grad(lambda a: T.exp(a).sum(), [RNG.randn(3).astype("float32")],
                rng=np.random.default_rng(0))


def test_verify_grad_reports_where_the_gradient_is_wrong():
    def wrong_at_one_element(a):
        # a, except that the gradient reaching a[1, 2] is tripled.
        return T.set_subtensor(a[1, 2], gradient.grad_scale(a[1, 2], 3.0)) * 2

    with pytest.raises(GradientError) as info:
        verify_grad(lambda b, a: b + wrong_at_one_element(a),
                    [np.ones(1), RNG.randn(2, 3)], rng=RNG)
    error = info.value
    assert (error.arg, error.err_pos, error.index) == (1, 5, (1, 2))
    assert error.abs_err > error.abs_tol and error.rel_err > error.rel_tol
    np.testing.assert_allclose(error.analytic, 3 * error.numeric, rtol=1e-6)
    text = str(error)
    assert re.search(r"At position 5 of argument 1 \(index \(1, 2\) of an array of shape "
                     r"\(2, 3\)\)", text), text
    assert "abs. error" in text and "rel. error" in text and "numeric gradient" in text


def test_verify_grad_tolerances_and_argument_checks():
    def scaled(a):
        return gradient.grad_scale(a, 1.001) * 1.0

    verify_grad(scaled, [np.array([1.0, 2.0])], abs_tol=1e-2, rel_tol=1e-2)
    with pytest.raises(GradientError):
        verify_grad(scaled, [np.array([1.0, 2.0])])
    with pytest.raises(TypeError, match="floating point"):
        verify_grad(T.neg, [np.array([1, 2])])
    with pytest.raises(TypeError, match="list or tuple"):
        verify_grad(T.neg, np.array([1.0, 2.0]))
    with pytest.raises(NotImplementedError):
        verify_grad(lambda a: [a, a], [np.array([1.0])])


def test_numeric_grad_matches_theano_interface():
    ng = gradient.numeric_grad(lambda a: np.sum(a ** 2), np.array([1.0, -2.0]))
    np.testing.assert_allclose(ng.gf, [2.0, -4.0], rtol=1e-8)
    abs_err, rel_err = gradient.numeric_grad.abs_rel_err(np.array(1.0), np.array(1.5))
    assert (abs_err, rel_err) == (0.5, 0.2)


# --- printing ------------------------------------------------------------------------------

def test_pp_shows_gradient_nodes():
    x, v = T.dvector("x"), T.dvector("v")
    cost = T.sum(x ** 2)
    assert theano.pp(T.grad(cost, x)) == "grad(sum((x ** TensorConstant{2})), wrt=[x])"
    assert theano.pp(jacobian(x * 2, x)) == "jacobian((x * TensorConstant{2}), wrt=[x])"
    y = T.tanh(x)
    assert theano.pp(Lop(y, x, v)) == "Lop(tanh(x), wrt=[x], known_grads=[v])"
    c = T.exp(x)
    assert theano.pp(T.grad(T.sum(c * x), x, consider_constant=[c])) == (
        "grad(sum((exp(x) * x)), wrt=[x], consider_constant=[exp(x)])")
    assert theano.pp(T.grad(T.grad(T.sum(x ** 3), x).sum(), x)).count("grad(") == 2
    assert theano.pp(gradient.grad_clip(x, -1, 1)) == "grad_clip{-1, 1}(x)"


def test_debugprint_shows_gradient_nodes():
    foo = T.dscalar("foo")
    bar = foo ** 2
    bar.name = "bar"
    text = theano.debugprint(T.grad(bar, foo), file="str")
    lines = text.splitlines()
    assert lines[0].startswith("grad{cost, wrt...} [id A] '(dbar/dfoo)'"), text
    assert "Elemwise{pow,no_inplace} [id B] 'bar'" in lines[1] and "foo" in lines[-1]


# --- modes and givens ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["FAST_COMPILE", "DebugMode"])
def test_gradients_in_other_modes(mode):
    x = T.dvector("x")
    cost = T.sum(T.sin(x) * x)
    g = T.grad(cost, x)
    outputs = [g, hessian(cost, x), Rop(g, x, x)]
    xv = np.array([0.3, -0.7])
    expected = theano.function([x], outputs)(xv)
    for got, want in zip(theano.function([x], outputs, mode=mode)(xv), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_givens_replace_a_wrt_variable():
    x, y = T.dvector("x"), T.dvector("y")
    g = T.grad(T.sum(x ** 2), x)
    f = theano.function([y], g, givens={x: y * 2})
    np.testing.assert_array_equal(f([1.0, 3.0]), [4.0, 12.0])


# --- the names Theano users write --------------------------------------------------------
# Theano 1.0's theano/__init__.py has ``from theano.gradient import Rop, Lop, grad,
# subgraph_grad`` and its theano/tensor/__init__.py ``from theano.gradient import Rop, Lop,
# grad, numeric_grad, verify_grad, jacobian, hessian, consider_constant``; tfgraph.tensor
# adds zero_grad and disconnected_grad. Each name is the very object of tfgraph.gradient.

THEANO_GRADIENT_NAMES = ["grad", "Rop", "Lop", "subgraph_grad"]
TENSOR_GRADIENT_NAMES = ["grad", "jacobian", "hessian", "Rop", "Lop", "verify_grad",
                         "numeric_grad", "consider_constant", "zero_grad", "disconnected_grad"]


def test_theano_gradient_is_the_module():
    import sys

    import tfgraph.gradient
    assert theano.gradient is tfgraph.gradient is sys.modules["tfgraph.gradient"]
    assert gradient is tfgraph.gradient


@pytest.mark.parametrize("name", THEANO_GRADIENT_NAMES)
def test_theano_exports_gradient_names(name):
    assert getattr(theano, name) is getattr(gradient, name)
    assert name in gradient.__all__


@pytest.mark.parametrize("name", TENSOR_GRADIENT_NAMES)
def test_tensor_exports_gradient_names(name):
    assert getattr(T, name) is getattr(gradient, name)
    assert getattr(theano.tensor, name) is getattr(gradient, name)
    assert name in gradient.__all__


def test_tensor_grad_forwards_every_argument_positionally_and_by_keyword():
    assert T.grad is theano.grad is theano.gradient.grad
    s = T.dscalar("s")
    c = s * s
    e = c * s
    by_keyword = T.grad(e, s, consider_constant=[c])
    positional = T.grad(e, s, [c])
    full = T.grad(e, s)
    f = theano.function([s], [by_keyword, positional, full])
    assert [float(v) for v in f(2.0)] == [4.0, 4.0, 12.0]
    # disconnected_inputs, add_names, known_grads, return_disconnected, all positionally
    x, unused = T.dvector("x"), T.dvector("unused")
    cost = T.sum(x ** 2)
    gx, gu = T.grad(cost, [x, unused], None, "ignore", True, None, "zero", "raise")
    np.testing.assert_array_equal(gx.eval({x: [1.0, -3.0]}), [2.0, -6.0])
    np.testing.assert_array_equal(gu.eval({unused: [5.0, 6.0]}), [0.0, 0.0])
    gx, gu = T.grad(cost, [x, unused], None, "ignore", True, None, "None")
    assert gu is None
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, unused, None, "raise")


def test_tensor_jacobian_and_hessian_closed_forms():
    x = T.dvector("x")
    W = T.dmatrix("W")
    xv = np.array([0.5, -1.5, 2.0])
    Wv = RNG.randn(2, 3)
    np.testing.assert_allclose(T.jacobian(x ** 3, x).eval({x: xv}), np.diag(3 * xv ** 2))
    np.testing.assert_allclose(T.jacobian(T.tanh(T.dot(W, x)), x).eval({W: Wv, x: xv}),
                               (1 - np.tanh(Wv @ xv) ** 2)[:, None] * Wv, rtol=1e-12)
    np.testing.assert_allclose(T.hessian(T.sum(x ** 3), x).eval({x: xv}), np.diag(6 * xv))


def test_tensor_and_theano_rop_lop_are_jacobian_products():
    x, u, v = T.dvector("x"), T.dvector("u"), T.dvector("v")
    W = T.dmatrix("W")
    Wv, xv = RNG.randn(2, 3), RNG.randn(3)
    uv, vv = RNG.randn(2), RNG.randn(3)
    y = T.dot(W, x)
    for Rop_, Lop_ in [(T.Rop, T.Lop), (theano.Rop, theano.Lop)]:
        np.testing.assert_allclose(Rop_(y, x, v).eval({W: Wv, x: xv, v: vv}), Wv @ vv)
        np.testing.assert_allclose(Lop_(y, x, u).eval({W: Wv, x: xv, u: uv}), Wv.T @ uv)


def test_theano_subgraph_grad_equals_grad():
    x = T.dvector("x")
    w = T.dvector("w")
    h = T.tanh(x)
    cost = T.sum(T.sin(h * w))
    (g_w,), (g_h,) = theano.subgraph_grad(wrt=[w], end=[h], cost=cost)
    (g_x,), _ = theano.subgraph_grad(wrt=[x], end=[x], start={h: g_h})
    f = theano.function([x, w], [g_w, g_h, g_x] + T.grad(cost, [w, x]))
    xv, wv = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    hv = np.tanh(xv)
    got_w, got_h, got_x, direct_w, direct_x = f(xv, wv)
    np.testing.assert_allclose(got_w, np.cos(hv * wv) * hv)
    np.testing.assert_allclose(got_h, np.cos(hv * wv) * wv)
    np.testing.assert_allclose(got_x, np.cos(hv * wv) * wv * (1 - hv ** 2))
    np.testing.assert_allclose(got_w, direct_w)
    np.testing.assert_allclose(got_x, direct_x)


def test_tensor_verify_grad_and_numeric_grad():
    T.verify_grad(lambda a: T.sin(a) * a, [np.array([0.3, -0.8, 1.5])],
                  rng=np.random.RandomState(0))
    with pytest.raises(GradientError):
        T.verify_grad(lambda a: gradient.grad_scale(a, 3.0) ** 2, [np.array([0.3, -0.8])],
                      rng=np.random.RandomState(0))
    ng = T.numeric_grad(lambda a: np.sum(a ** 3), np.array([1.0, -2.0]))
    np.testing.assert_allclose(ng.gf, [3.0, 12.0], rtol=1e-6)


def test_tensor_gradient_shaping_identities():
    x = T.dvector("x")
    xv = [3.0, -2.0]
    np.testing.assert_array_equal(T.grad(T.sum(T.zero_grad(x) ** 2 + x), x).eval({x: xv}),
                                  [1.0, 1.0])
    np.testing.assert_array_equal(
        T.grad(T.sum(T.disconnected_grad(x) ** 2 + x), x).eval({x: xv}), [1.0, 1.0])
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.disconnected_grad(x) ** 2), x)
    with pytest.warns(DeprecationWarning, match="consider_constant"):
        held = T.consider_constant(x)
    np.testing.assert_array_equal(held.eval({x: xv}), xv)
    np.testing.assert_array_equal(T.grad(T.sum(held ** 2 + x), x).eval({x: xv}), [1.0, 1.0])
