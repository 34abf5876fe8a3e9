"""``op.grad(inputs, output_grads)`` and ``op.L_op`` on every op, with the
contract of Theano 1.0.5's ``Op.grad``: what ``theano/gradient.py``'s
``_populate_grad_dict`` checks of each op's answer (one term per input, never
None; a float dtype; ``DisconnectedType`` exactly where ``connection_pattern``
says no output with a gradient depends on the input; zeros for an input
connected only through integer outputs; ``NullType`` where undefined), and the
tests that call it directly (``makeTester``'s ``test_grad_none`` in
``theano/tensor/tests/test_basic.py``).
"""
import numpy as np
import pytest

import tfgraph
import tfgraph.tensor as T
from tfgraph import gradient
from tfgraph.gradient import DisconnectedType, NullType


def values(outputs, inputs, *arrays):
    return tfgraph.function(inputs, outputs)(*arrays)


def test_an_elementwise_op_of_the_tables_gives_its_partial_derivatives():
    # theano/scalar/basic.py Sub.L_op: (gz, -gz), also for sub(x, x), whose
    # total derivative would be 0: op.grad is per input slot.
    x, gz = T.dmatrix("x"), T.dmatrix("gz")
    first, second = T.sub.grad([x, x], [gz])
    ones, g = np.ones((2, 3)), np.arange(6.0).reshape(2, 3)
    a, b = values([first, second], [x, gz], ones, g)
    np.testing.assert_array_equal(a, g)
    np.testing.assert_array_equal(b, -g)


def test_a_slot_that_another_input_depends_on_gets_only_its_own_partial():
    # d(x * exp(x))/d(slot 0) is exp(x) * gz: not the path through slot 1.
    x, gz = T.dvector("x"), T.dvector("gz")
    gx, gy = T.mul.grad([x, T.exp(x)], [gz])
    data, g = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    a, b = values([gx, gy], [x, gz], data, g)
    np.testing.assert_allclose(a, np.exp(data) * g)
    np.testing.assert_allclose(b, data * g)


def test_a_broadcast_input_gets_a_gradient_of_its_own_pattern():
    # theano/tensor/elemwise.py Elemwise.L_op sums out the broadcast dimensions.
    r, m, gz = T.drow("r"), T.dmatrix("m"), T.dmatrix("gz")
    gr, gm = T.add.grad([r, m], [gz])
    assert gr.broadcastable == (True, False) and gm.broadcastable == (False, False)
    g = np.arange(6.0).reshape(2, 3)
    a, b = values([gr, gm], [r, m, gz], np.ones((1, 3)), np.ones((2, 3)), g)
    np.testing.assert_array_equal(a, g.sum(0, keepdims=True))
    np.testing.assert_array_equal(b, g)


def test_an_integer_input_gets_float_zeros_and_a_float32_one_float32():
    # theano/scalar/basic.py Mul.grad: the gradient of an integer input is
    # zeros in floatX (gradient.py: "illegally returned an integer-valued
    # variable" otherwise).
    f, i, gz = T.fvector("f"), T.lvector("i"), T.fvector("gz")
    gf, gi = T.mul.grad([f, i], [gz])
    assert gf.dtype == "float32"
    assert gi.dtype == tfgraph.config.floatX and gi.broadcastable == (False,)
    a, b = values([gf, gi], [f, i, gz], np.ones(3, "float32"), np.array([1, 2, 3]),
                  np.ones(3, "float32"))
    np.testing.assert_array_equal(a, [1, 2, 3])
    np.testing.assert_array_equal(b, [0, 0, 0])


def test_inputs_connected_only_through_integer_outputs_get_zeros():
    # theano/scalar/basic.py LogicalComparison.L_op: zeros in floatX.
    x, y, g = T.dvector("x"), T.dvector("y"), T.dvector("g")
    grads = T.lt.grad([x, y], [g])
    assert all(not isinstance(v.type, DisconnectedType) for v in grads)
    for value in values(grads, [x, y], np.ones(2), np.ones(2)):
        np.testing.assert_array_equal(value, [0, 0])
    # An integer output gradient (test_basic.py's scalar_from_tensor case)
    # is accepted; the integer output carries none.
    t = T.lscalar("t")
    s = T.scalar_from_tensor(t)
    (gt,) = s.owner.op.grad([t], [s])
    assert values(gt, [t], 5) == 0


def test_disconnected_where_no_output_with_a_gradient_depends_on_the_input():
    # theano/compile/ops.py Shape: connection_pattern [[False]], grad
    # DisconnectedType; an output whose gradient is DisconnectedType gives
    # its inputs none (gradient.py: "returned DisconnectedType for input").
    x = T.dmatrix("x")
    shape = T.shape(x)
    (g,) = shape.owner.op.grad([x], [T.lvector()])
    assert isinstance(g.type, DisconnectedType)
    grads = T.add.grad([x, x], [gradient.DisconnectedType()()])
    assert all(isinstance(v.type, DisconnectedType) for v in grads)


def test_undefined_gradients_are_null():
    # theano/gradient.py UndefinedGrad.grad: grad_undefined.
    x, g = T.dvector("x"), T.dvector("g")
    (gx,) = gradient.undefined_grad_.grad([x], [g])
    assert isinstance(gx.type, NullType) and "mathematically undefined" in gx.type.why_null
    # A null output gradient passes to the inputs connected to that output
    # (gradient.py: "Need to propagate the NullType gradients").
    null = gradient.grad_undefined(T.exp, 0, x)
    (gx,) = T.exp.grad([x], [null])
    assert gx is null


def test_the_derived_gradient_is_a_graph_that_differentiates_again():
    x, gz = T.dvector("x"), T.dvector("gz")
    (gx,) = T.exp.grad([x], [gz])
    second = T.grad(gx.sum(), x)
    data, g = np.array([0.0, 1.0]), np.array([2.0, 3.0])
    np.testing.assert_allclose(values(second, [x, gz], data, g), np.exp(data) * g)


def test_every_op_of_a_cost_answers_grad_without_none():
    # makeTester's test_grad_none, on the ops of a small network's cost.
    x, w, y = T.dmatrix("x"), T.dmatrix("w"), T.lvector("y")
    p = T.nnet.softmax(T.dot(x, w))
    cost = T.nnet.categorical_crossentropy(p, y).mean() + (w ** 2).sum()
    seen = 0
    for node in tfgraph.graph.toposort([cost]):
        grads = [o.type() if o.dtype.startswith("float") else T.TensorType(
            "float64", o.broadcastable)() for o in node.outputs]
        result = node.op.grad(list(node.inputs), grads)
        assert len(result) == len(node.inputs) and None not in result, node.op
        assert all(isinstance(r.type, (DisconnectedType, NullType)) or
                   r.dtype.startswith("float") for r in result), node.op
        seen += 1
    assert seen >= 8


class Double(tfgraph.Op):
    """A Theano-style op: perform, and a gradient only as L_op."""
    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return tfgraph.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 2

    def L_op(self, inputs, outputs, output_grads):
        # reads the output: d(2x)/dx = out / x
        return [output_grads[0] * outputs[0] / inputs[0]]


class NoGrad(Double):
    L_op = tfgraph.Op.L_op


def test_an_op_giving_only_l_op_defines_its_gradient():
    # theano/gof/op.py: Op.L_op(inputs, outputs, output_grads) defaults to
    # grad(inputs, output_grads); theano.grad calls L_op.
    assert Double().defines_grad() and not NoGrad().defines_grad()
    x = T.dvector("x")
    g = T.grad(Double()(x).sum(), x)
    np.testing.assert_allclose(values(g, [x], np.array([1.0, 3.0])), [2.0, 2.0])


def test_an_op_run_by_perform_without_a_rule_has_no_gradient():
    x = T.dvector("x")
    with pytest.raises(NotImplementedError, match="no grad"):
        NoGrad().grad([x], [T.dvector()])
    g = T.grad(NoGrad()(x).sum(), x)
    with pytest.raises(NotImplementedError, match="no grad"):
        values(g, [x], np.array([1.0]))


def test_ops_of_the_tables_leave_differentiation_to_the_tape():
    x = T.dvector("x")
    assert not T.exp(x).owner.op.defines_grad()
    assert not T.dot(x, x).owner.op.defines_grad()


def test_wrong_number_of_output_gradients():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="2 output gradients given for 1 outputs"):
        T.exp.grad([x], [x, x])


class Abstract(tfgraph.Op):
    """An op of Theano's test_gradient.py: neither perform nor a lowering,
    a grad rule, and outputs given by keyword (Theano's Apply signature)."""
    __props__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def make_node(self, x):
        return tfgraph.Apply(self, inputs=[x], outputs=[x.type()])

    def grad(self, inputs, output_grads):
        return [getattr(gradient, self.rule)(self, 0, inputs[0])]


@pytest.mark.parametrize("rule", ["grad_undefined", "grad_not_implemented"])
def test_grad_raises_through_an_op_whose_rule_says_undefined(rule):
    # theano/tests/test_gradient.py test_undefined_grad_grad and
    # test_unimplemented_grad_grad: grad raises TypeError (NullTypeGradError)
    # at build, whatever the op's implementation.
    a = T.dscalar("a")
    with pytest.raises(TypeError, match="is Null because the grad method for input 0"):
        gradient.grad(Abstract(rule)(a), a)
    # not through an input the cost does not depend on
    b = T.dscalar("b")
    assert gradient.grad(Abstract(rule)(a) * b, b, disconnected_inputs="ignore") is not None


class RuleOnly(tfgraph.Op):
    """Theano's test ops (tests/test_gradient.py testgrad_sources_inputs,
    tensor/tests/test_basic.py test_grad.Obj1): no computation, a rule that
    returns given variables."""
    __props__ = None

    def __init__(self, n_in, n_out, answer):
        self.n_in, self.n_out, self.answer = n_in, n_out, answer

    def make_node(self):
        return tfgraph.Apply(self, [T.dmatrix() for _ in range(self.n_in)],
                             [T.dmatrix() for _ in range(self.n_out)])

    def grad(self, inputs, output_grads):
        return self.answer(inputs, output_grads) if callable(self.answer) else self.answer


def test_grad_applies_the_rule_of_an_op_that_only_gives_one():
    # gradient.py _populate_grad_dict calls op.L_op and uses its terms as
    # they are: grad returns the very variables the rule gives.
    g0, g1 = T.dmatrix("g0"), T.dmatrix("g1")
    node = RuleOnly(2, 2, [g0, g1]).make_node()
    assert gradient.grad(node.outputs[0].sum(), node.inputs[0]) is g0
    assert gradient.grad(node.outputs[0].sum(), node.inputs) == [g0, g1]
    # a known gradient of fewer dimensions (Theano's grad_sources_inputs
    # passes a scalar 1.0 for a matrix) is accepted, broadcast
    known = gradient.grad(None, node.inputs, known_grads={node.outputs[1]: T.constant(1.0)})
    assert known == [g0, g1]
    # ... but not one of more
    with pytest.raises(TypeError, match="it can have at most 2"):
        gradient.grad(None, node.inputs[0], known_grads={node.outputs[1]: T.dtensor3()})


def test_a_rule_answering_the_wrong_number_of_terms_is_refused():
    # gradient.py: "returned the wrong number of gradient terms" (ValueError)
    # and "returned NoneType, expected iterable" (TypeError).
    one_term = RuleOnly(2, 1, [T.dmatrix()]).make_node()
    with pytest.raises(ValueError, match="wrong number of gradient terms: 1 for 2 inputs"):
        gradient.grad(one_term.outputs[0].sum(), one_term.inputs[0])
    nothing = RuleOnly(1, 1, None).make_node()
    with pytest.raises(TypeError, match="returned NoneType, expected iterable"):
        gradient.grad(nothing.outputs[0].sum(), nothing.inputs[0])


def test_the_tape_and_a_rule_meet_between_dense_ops():
    # cost = sum(exp(out)): the tape gives d cost/d out = exp(out) (here the
    # output is given), the rule passes it on times 3.
    node = RuleOnly(1, 1, lambda inputs, grads: [grads[0] * 3]).make_node()
    (x,), (out,) = node.inputs, node.outputs
    g = gradient.grad(T.exp(out).sum(), x)
    f = tfgraph.function([x, out], g, on_unused_input="ignore")
    np.testing.assert_allclose(f(np.zeros((2, 2)), np.log([[1.0, 2.0], [3.0, 4.0]])),
                               [[3.0, 6.0], [9.0, 12.0]])


def test_the_gradient_of_an_integer_cost_is_a_constant_zero():
    # tensor/tests/test_basic.py T_max_and_argmax.test_arg_grad: the gradient
    # of argmax(x).sum() is 0, known at build (gradient.py: an input connected
    # only to integer outputs gets zeros).
    x = T.dmatrix("x")
    gx = gradient.grad(T.argmax(x, axis=0).sum(), x)
    assert T.get_scalar_constant_value(gx) == 0 and gx.dtype == "float64"
    np.testing.assert_array_equal(values(gx, [x], np.ones((2, 3))), np.zeros((2, 3)))
    # still an error for a variable the cost does not depend on
    with pytest.raises(gradient.DisconnectedInputError):
        gradient.grad(T.argmax(x, axis=0).sum(), T.dmatrix("y"))


def test_a_float_arange_has_the_gradient_of_start_and_step():
    # tensor/basic.py ARange.L_op: start gets sum(gz), step sum(gz * i), stop
    # is disconnected (it only sets the length). TensorFlow gives tf.range
    # no gradient.
    start, stop, step = T.dscalars("start", "stop", "step")
    r = T.arange(start, stop, step)
    g_start, g_step = gradient.grad((r ** 2).sum(), [start, step])
    got = values([g_start, g_step], [start, stop, step], 1.0, 4.0, 0.5)
    expected = np.arange(1.0, 4.0, 0.5)
    np.testing.assert_allclose(got, [2 * expected.sum(),
                                     (2 * expected * np.arange(len(expected))).sum()])
    with pytest.raises(gradient.DisconnectedInputError):
        gradient.grad(r.sum(), stop)
    gradient.verify_grad(lambda a, s: (T.arange(a, 10.0, s) ** 2).sum(),
                         [np.array(1.3), np.array(0.7)], rng=np.random.RandomState(0))
