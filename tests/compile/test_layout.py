"""Channels-last layers as a compile-time rewrite (tfgraph.compile.layout):
the compiled graph shows the channels-last ops, with transposes only at the
network's ends; gradients with respect to a layer's result, or blocked at it,
are those of the plain graph; the layout ops' type rules; and average
pooling's mesh lowering, registered beside the op."""
import re

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.lower import Lowering
from tfgraph.platforms import lowering_rule
from tfgraph.ops.conv import ChannelsLastConv, Conv
from tfgraph.ops.layout import Relayout, channels_first, channels_last
from tfgraph.ops.pool import ChannelsLastPool, Pool
from tfgraph.tensor.signal import pool
from tfgraph._tf import tf
from tools.bench_lenet import lenet_params, theano_lenet


def _nodes(text, op_name):
    """The distinct nodes of ``op_name`` in a debugprint."""
    return set(re.findall(rf"^[ |>]*{re.escape(op_name)} \[id (\w+)\]", text, re.M))


def test_a_lenet_step_is_compiled_channels_last_between_its_layers():
    params = lenet_params(np.random.RandomState(0), nkerns=(3, 4), hidden=10)
    train, _ = theano_lenet(theano, T, params, batch=2)
    text = theano.printing.debugprint(train, file="str")
    assert len(_nodes(text, "ChannelsLastAbstractConv2d{valid, (1, 1), True, (1, 1), 1}")) == 2
    assert len(_nodes(text, "ChannelsLastPool{max, ws=(2, 2), stride=(2, 2), pad=(0, 0), "
                            "ignore_border=True}")) == 2
    assert "AbstractConv2d{" not in text.replace("ChannelsLastAbstractConv2d{", "")
    # the input and the first bias go channels-last; only the last layer comes back
    assert len(_nodes(text, "channels_last")) == 2 and len(_nodes(text, "channels_first")) == 1


def _layers(image, W0, W1, b):
    c = T.nnet.conv2d(image, W0)
    p = pool.pool_2d(c, (2, 2), ignore_border=True)
    h = T.tanh(p + b.dimshuffle("x", 0, "x", "x"))
    return c, p, h, T.nnet.conv2d(h, W1)


def _shared(rng):
    return (theano.shared(rng.standard_normal((3, 2, 3, 3)), "W0"),
            theano.shared(rng.standard_normal((2, 3, 2, 2)), "W1"),
            theano.shared(rng.standard_normal(3), "b"))


def test_gradients_with_respect_to_each_layer_result_are_those_of_the_plain_graph():
    """d cost / d c for c, the pooling, the activation between layers: the
    same as with that value given as an input (a root, which no rewrite
    bypasses). A channels-last path that skipped the variable would give 0."""
    rng = np.random.default_rng(3)
    W0, W1, b = _shared(rng)
    x = T.dtensor4("x")
    layers = _layers(x, W0, W1, b)
    cost = lambda y: (y ** 2).sum()  # noqa: E731
    xv = rng.standard_normal((2, 2, 10, 10))
    grads = theano.function([x], T.grad(cost(layers[-1]), list(layers[:3])))(xv)
    values = theano.function([x], list(layers[:3]))(xv)
    c_in, p_in, h_in = T.dtensor4("c"), T.dtensor4("p"), T.dtensor4("h")
    after = {  # the rest of the network from each layer's result
        "c": (c_in, cost(T.nnet.conv2d(T.tanh(pool.pool_2d(c_in, (2, 2), ignore_border=True)
                                              + b.dimshuffle("x", 0, "x", "x")), W1))),
        "p": (p_in, cost(T.nnet.conv2d(T.tanh(p_in + b.dimshuffle("x", 0, "x", "x")), W1))),
        "h": (h_in, cost(T.nnet.conv2d(h_in, W1)))}
    for (name, (root, rest)), value, grad in zip(after.items(), values, grads):
        expected = theano.function([root], T.grad(rest, root))(value)
        assert np.count_nonzero(expected)
        np.testing.assert_allclose(grad, expected, rtol=1e-12, err_msg=name)


def test_a_gradient_blocked_at_a_layer_result_stops_there():
    rng = np.random.default_rng(4)
    W0, W1, b = _shared(rng)
    x = T.dtensor4("x")
    _, _, h, y = _layers(x, W0, W1, b)
    cost = (y ** 2).sum() + (W0 ** 2).sum()
    f = theano.function([x], T.grad(cost, [W0, W1], consider_constant=[h]) + T.grad(cost, [W1]))
    g0, g1, g1_plain = f(rng.standard_normal((2, 2, 10, 10)))
    # W0 reaches the first term only through h
    np.testing.assert_allclose(g0, 2 * W0.get_value(), rtol=1e-12)
    assert np.count_nonzero(g1)
    np.testing.assert_allclose(g1, g1_plain, rtol=1e-12)


def test_layout_ops_type_rules_and_values():
    x = T.TensorType("float64", (False, True, False, False))("x")
    last = channels_last(x)
    assert last.broadcastable == (False, False, False, True)
    assert channels_first(last).broadcastable == x.broadcastable
    value = np.arange(2 * 1 * 3 * 4, dtype="float64").reshape(2, 1, 3, 4)
    got_last, got_back = theano.function([x], [last, channels_first(last)])(value)
    np.testing.assert_array_equal(got_last, value.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(got_back, value)
    assert channels_last == Relayout("last") and channels_last != channels_first
    with pytest.raises(ValueError, match="'last' or 'first'"):
        Relayout("middle")
    with pytest.raises(TypeError, match="channels_last.*2 dimensions"):
        channels_last(T.dmatrix("m"))
    conv = Conv(2)
    with pytest.raises(TypeError, match="must be 4-d"):
        ChannelsLastConv(conv)(T.dtensor3("i"), T.dtensor4("w"))
    with pytest.raises(TypeError, match="filters 'w'"):
        ChannelsLastConv(conv)(T.dtensor4("i"), T.dmatrix("w"))
    with pytest.raises(TypeError, match="must be 4-d"):
        ChannelsLastPool(Pool((2, 2), ignore_border=True))(T.dtensor3("i"))


@pytest.mark.parametrize("mode", ["average_inc_pad", "average_exc_pad", "sum"])
def test_average_pooling_on_a_mesh_is_lowered_by_a_convolution(mode):
    """DTensor has no layout rule for AvgPoolGrad: the mesh rule registered
    beside the op averages by a convolution, with the same values and
    gradients as the default lowering."""
    rng = np.random.default_rng(5)
    value = tf.constant(rng.standard_normal((2, 3, 7, 7)))
    plain = Pool((3, 3), stride=(2, 2), pad=(1, 1), ignore_border=True, mode=mode)
    x = T.dtensor4("x")
    cases = [(plain, plain.make_node(x), value)]
    last = ChannelsLastPool(plain)
    cases.append((last, last.make_node(channels_last(x)), tf.transpose(value, [0, 2, 3, 1])))
    for op, node, tensor in cases:
        rule = lowering_rule(op, "mesh")
        assert rule is not None and lowering_rule(op, None) is None

        def lowered(lower):
            @tf.function
            def run(t):
                with tf.GradientTape() as tape:
                    tape.watch(t)
                    out = lower(t)
                    cost = tf.reduce_sum(out * out)
                return out, tape.gradient(cost, t)
            graph = run.get_concrete_function(tensor).graph
            ops = {o.type for o in graph.get_operations()}
            return [r.numpy() for r in run(tensor)], ops
        (out, grad), default_ops = lowered(lambda t: op.lower(node, [t], Lowering())[0])
        (mesh_out, mesh_grad), mesh_ops = lowered(
            lambda t: rule(op, node, [t], Lowering("mesh"))[0])
        np.testing.assert_allclose(mesh_out, out, rtol=1e-12)
        np.testing.assert_allclose(mesh_grad, grad, rtol=1e-12)
        assert "AvgPool" in default_ops and "AvgPoolGrad" in default_ops
        assert not {"AvgPool", "AvgPoolGrad"} & mesh_ops and "Conv2D" in mesh_ops


def test_max_pooling_on_a_mesh_is_the_default_lowering():
    op = Pool((2, 2), ignore_border=True)
    node = op.make_node(T.dtensor4("x"))
    value = tf.constant(np.random.default_rng(6).standard_normal((1, 2, 4, 4)))
    rule = lowering_rule(op, "mesh")
    np.testing.assert_array_equal(rule(op, node, [value], Lowering("mesh"))[0].numpy(),
                                  op.lower(node, [value], Lowering())[0].numpy())
