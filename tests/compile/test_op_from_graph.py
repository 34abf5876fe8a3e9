"""``OpFromGraph`` as Theano 1.0.5 defines it (theano/compile/builders.py):
an op whose node computes its graph on new inputs, with the graph's shared
variables as extra inputs, its connection pattern, and gradient overrides
(``grad_overrides``, ``lop_overrides``)."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.builders import OpFromGraph
from tfgraph.gradient import DisconnectedType
from tfgraph.graph import MissingInputError
from tfgraph.symbolic_grad import NullType, NullTypeGradError


def test_an_op_applies_its_graph_and_returns_one_variable_for_one_output():
    x, y, z = T.dmatrices("x", "y", "z")
    op = OpFromGraph([x, y, z], [x + y * z])
    out = op(x, y, z) - op(y, z, x)
    assert out.owner.inputs[0].owner.op is op      # a node of the op, not its graph inlined
    v = np.ones((2, 2))
    np.testing.assert_allclose(theano.function([x, y, z], out)(v, 3 * v, 5 * v), 8.0)
    assert isinstance(op(x, y, z, return_list=True), list)
    assert str(op) == "OpFromGraph{inline=False}"


def test_shapes_follow_the_inputs():
    x, y, z = T.dmatrices("x", "y", "z")
    op = OpFromGraph([x, y], [T.dot(x, y)])
    f = theano.function([x, y, z], op(x, op(y, z)))
    res = f(np.ones((2, 3)), 3 * np.ones((3, 4)), 5 * np.ones((4, 5)))
    assert res.shape == (2, 5) and np.all(res == 180.0)


def test_bad_inputs_are_refused_at_build_time():
    x, y = T.dvectors("x", "y")
    op = OpFromGraph([x, y], [x * y])
    with pytest.raises(ValueError, match="expected 2 inputs"):
        op(x)
    with pytest.raises(TypeError, match="cannot stand for"):
        op(T.dmatrix(), y)
    with pytest.raises(TypeError, match="cannot stand for"):
        op(T.fvector(), y)
    with pytest.raises(TypeError, match="outputs must be a list"):
        OpFromGraph([x], x * 2)
    with pytest.raises(ValueError, match="mutually exclusive"):
        OpFromGraph([x], [x * 2], grad_overrides=lambda i, g: g, lop_overrides=lambda i, o, g: g)
    with pytest.raises(MissingInputError, match="not among the inputs"):
        OpFromGraph([x], [x * y])
    with pytest.raises(NotImplementedError, match="rop_overrides"):
        OpFromGraph([x], [x * 2], rop_overrides=lambda i, e: e)


def test_shared_variables_are_inputs_of_the_node_and_get_gradients():
    x, y, z = T.dmatrices("x", "y", "z")
    s = theano.shared(np.random.rand(2, 2), name="s")
    op = OpFromGraph([x, y, z], [x + y * z + s])
    assert op.shared_inputs == [s]
    out = op(x, y, z)
    assert out.owner.inputs[-1] is s
    v = np.ones((2, 2))
    f = theano.function([x, y, z], out - T.grad(T.sum(out), s))
    np.testing.assert_allclose(f(v, 3 * v, 5 * v), 15.0 + s.get_value())
    s.set_value(np.zeros((2, 2)))                  # read at each call, not baked in
    np.testing.assert_allclose(f(v, 3 * v, 5 * v), 15.0)


def test_gradients_and_second_gradients_through_the_op():
    x, y, z = T.dmatrices("x", "y", "z")
    op = OpFromGraph([x, y, z], [x + y * z])
    f = op(x, y, z)
    f = f - T.grad(T.sum(f), y)
    f = f - T.grad(T.sum(f), y)
    v = np.ones((2, 2))
    np.testing.assert_allclose(theano.function([x, y, z], f)(v, 3 * v, 5 * v), 6.0)


def test_grad_overrides_callable_op_and_per_input_list():
    x, y = T.dvectors("x", "y")

    def go(inps, gs):
        return [gs[0] * inps[1] * 2, gs[0] * inps[0] * 1.5]

    dedz = T.dvector("dedz")
    by_op = OpFromGraph([x, y, dedz], go([x, y], [dedz]))
    xx, yy = T.dvectors("xx", "yy")
    xv, yv = np.random.rand(5), np.random.rand(5)
    for override in (go, by_op):
        op = OpFromGraph([x, y], [x * y], grad_overrides=override)
        dx, dy = T.grad(T.sum(op(xx, yy)), [xx, yy])
        dxv, dyv = theano.function([xx, yy], [dx, dy])(xv, yv)
        np.testing.assert_allclose(dxv, yv * 2)
        np.testing.assert_allclose(dyv, xv * 1.5)
    w, b = T.dvectors("w", "b")
    op = OpFromGraph([x, w, b], [x * w + b],
                     grad_overrides=[lambda i, g: g[0] * i[1] * 2, "default", "default"])
    ww, bb = T.dvectors("ww", "bb")
    grads = T.grad(T.sum(op(xx, ww, bb) ** 2), [xx, ww, bb])
    out = xv * yv + xv
    dxv, dwv, dbv = theano.function([xx, ww, bb], grads)(xv, yv, xv)
    np.testing.assert_allclose(dxv, 2 * out * yv * 2)
    np.testing.assert_allclose(dwv, 2 * out * xv)
    np.testing.assert_allclose(dbv, 2 * out)
    with pytest.raises(ValueError, match="override 3 gradients"):
        OpFromGraph([x, w, b], [x * w + b], grad_overrides=["default"]).connection_pattern(None)


def test_lop_override_sees_the_outputs():
    x = T.dvector()
    y = 1.0 / (1.0 + T.exp(-x))
    op = OpFromGraph([x], [y], lop_overrides=lambda i, o, g: [2.0 * o[0] * (1.0 - o[0]) * g[0]])
    xx = T.dvector()
    f = theano.function([xx], [2.0 * T.grad(T.sum(T.nnet.sigmoid(xx)), xx),
                               T.grad(T.sum(op(xx)), xx)])
    a, b = f(np.random.rand(7))
    np.testing.assert_allclose(a, b)


def test_null_and_disconnected_overrides():
    x, w, b = T.dvectors("x", "w", "b")
    op = OpFromGraph([x, w, b], [x * w + b],
                     grad_overrides=[lambda i, g: g[0] * 2, NullType()(), DisconnectedType()()])
    xx, ww, bb = T.dvectors("xx", "ww", "bb")
    cost = T.sum(op(xx, ww, bb))
    assert op.connection_pattern(None) == [[True], [True], [False]]
    with pytest.raises(NullTypeGradError):
        T.grad(cost, ww)
    with pytest.raises(theano.gradient.DisconnectedInputError):
        T.grad(cost, bb)
    dx = T.grad(cost, xx)
    np.testing.assert_allclose(theano.function([xx, ww, bb], dx, on_unused_input="ignore")(
        np.ones(3), np.ones(3), np.ones(3)), 2.0)


def test_connection_pattern_of_the_graph_and_as_given():
    x, y, z = T.dmatrices("x", "y", "z")
    op1 = OpFromGraph([x, y, z], [x * y, y * z])
    assert op1.connection_pattern(None) == [[True, False], [True, True], [False, True]]
    m, n, p, q = T.dmatrices("m", "n", "p", "q")
    o1, o2 = op1(m, n, p)
    op2 = OpFromGraph([m, n, p, q], op1(o1, q, o2))
    assert op2.connection_pattern(None) == [[True, False], [True, True], [False, True],
                                           [True, True]]
    # A shape is not a differentiable connection.
    op3 = OpFromGraph([x, y], [T.zeros(x.shape) + T.sum(y)])
    assert op3.connection_pattern(None) == [[False], [True]]
    given = OpFromGraph([x, y], [y + T.round(y)], grad_overrides=lambda i, g: [g[0], g[0]],
                        connection_pattern=[[True], [False]], on_unused_input="ignore")
    assert given.connection_pattern(None) == [[True], [False]]
    gx = theano.grad(given(x, y).sum(), x)
    np.testing.assert_allclose(gx.eval({x: np.ones((2, 2)), y: np.ones((2, 2))}), 1.0)


def test_a_random_draw_inside_keeps_its_default_update():
    from tfgraph.tensor.shared_randomstreams import RandomStreams
    srng = RandomStreams(seed=234)
    x = T.dmatrix("x")
    op = OpFromGraph([x], [x + srng.uniform((2, 2))])
    f = theano.function([x], op(x))
    a, b = f(np.zeros((2, 2))), f(np.zeros((2, 2)))
    assert not np.allclose(a, b)                  # the stream's state moved on
