"""Theano 1.0 behaviours that legacy code relies on, each against the place in
Theano 1.0.5's source that defines it."""
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.config import config


def test_truth_value_true_except_comparisons():
    """theano/tensor/var.py, _tensor_py_operators.__bool__: every variable is
    true; results of < <= > >= raise TypeError (so a < b < c fails)."""
    W = theano.shared(np.zeros(3), "W")
    x = T.dvector("x")
    assert W and x and (x + 1) and not (not W)
    for comparison in (x < 1, x <= 1, x > 1, x >= 1):
        with pytest.raises(TypeError, match="boolean operations"):
            bool(comparison)
    with pytest.raises(TypeError):
        0 < x < 1  # noqa: B015
    assert bool(T.lt(x, 1))  # only the operators mark their result, as in Theano


def test_outputs_are_writable_arrays_the_caller_owns():
    """theano/compile/function_module.py: outputs are fresh ndarrays
    (code does ``grad += batch_grad(i)``)."""
    x = T.dvector("x")
    f = theano.function([x], [x * 2, x.sum()])
    total = np.zeros(3)
    for _ in range(2):
        a, s = f(np.ones(3))
        assert a.flags.writeable and s.flags.writeable
        a += 1
        total += a
    np.testing.assert_array_equal(total, [6.0, 6.0, 6.0])
    np.testing.assert_array_equal(f(np.ones(3))[0], [2.0, 2.0, 2.0])  # not aliased


def test_config_carries_theano_options_with_theano_defaults():
    """theano/configdefaults.py: names and defaults."""
    assert config.compute_test_value == "off"
    assert config.on_unused_input == "raise"
    assert config.exception_verbosity == "low"
    assert config.optimizer == "o4"
    assert config.allow_gc is True and config.profile is False
    assert config.cast_policy == "custom"
    assert config.warn.subtensor_merge_bug is False  # warn_default('0.5') with ignore_bug_before 0.9
    assert config.warn.inc_subtensor1_opt is True  # warn_default('0.10')
    assert config.scan.allow_gc is False and config.gpuarray.preallocate == 0.0
    assert config.dnn.conv.algo_fwd == "small" and config.dnn.enabled == "auto"
    config.warn.subtensor_merge_bug = True
    config.lib.cnmem = 0.8
    config.blas.ldflags = "-lopenblas"
    assert (config.warn.subtensor_merge_bug, config.lib.cnmem) == (True, 0.8)
    with pytest.raises(ValueError, match="compute_test_value"):
        config.compute_test_value = "sometimes"
    with pytest.raises(AttributeError):
        config.no_such_option  # noqa: B018


def test_flags_string_accepts_theano_options():
    from tfgraph.config import Config
    c = Config({"THEANO_FLAGS": "optimizer=fast_compile,lib.cnmem=0.5,allow_gc=False,"
                                "floatX=float32,warn.round=True"})
    assert (c.optimizer, c.lib.cnmem, c.allow_gc, c.floatX, c.warn.round) == \
        ("fast_compile", 0.5, False, "float32", True)


def test_on_unused_input_default_comes_from_config():
    """theano/compile/function_module.py: on_unused_input=None means
    config.on_unused_input."""
    x, y = T.dscalars("x", "y")
    with pytest.raises(ValueError, match="not part of the graph"):
        theano.function([x, y], x * 2)
    config.on_unused_input = "ignore"
    assert theano.function([x, y], x * 2)(1.0, 5.0) == 2.0


def test_test_values_flow_and_errors_raise_where_the_node_is_built():
    """theano/gof/op.py, PureOp.__call__ with compute_test_value."""
    config.compute_test_value = "raise"
    x = T.dmatrix("x")
    x.tag.test_value = np.ones((3, 4))
    W = theano.shared(np.full((4, 2), 0.5), "W")
    h = T.tanh(T.dot(x, W))
    np.testing.assert_allclose(h.tag.test_value, np.tanh(np.full((3, 2), 2.0)))
    cost = (h ** 2).sum()
    g = T.grad(cost, W)
    np.testing.assert_allclose(
        g.tag.test_value, np.ones((3, 4)).T @ (2 * np.tanh(2.0) * (1 - np.tanh(2.0) ** 2)
                                               * np.ones((3, 2))))
    V = theano.shared(np.ones((5, 2)), "V")
    with pytest.raises(ValueError, match="test value"):
        T.dot(x, V)
    y = T.dvector("y")
    with pytest.raises(ValueError, match="missing default value"):
        y * 2
    with pytest.raises(TypeError):
        y.tag.test_value = np.ones((2, 2))  # filtered through the type
    config.compute_test_value = "pdb"  # accepted; no debugger is opened, it raises
    with pytest.raises(ValueError, match="missing default value"):
        y * 2
    config.compute_test_value = "warn"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        z = y * 2
    assert any("missing default value" in str(w.message) for w in caught)
    assert not hasattr(z.tag, "test_value")
    config.compute_test_value = "ignore"
    assert not hasattr((y * 3).tag, "test_value")


def test_iterating_vectors_of_known_length():
    """theano/tensor/var.py __iter__ through basic.get_vector_length."""
    x = T.dtensor3("x")
    rows, cols, depth = x.shape
    f = theano.function([x], [rows, cols, depth] + [s for s in x.shape[1:]])
    assert [int(v) for v in f(np.zeros((2, 3, 4)))] == [2, 3, 4, 3, 4]
    assert T.get_vector_length(T.stack([rows, cols])) == 2
    assert T.get_vector_length(T.constant(np.arange(5))) == 5
    with pytest.raises(TypeError, match="cannot be iterated"):
        list(T.dvector("v"))
    with pytest.raises(ValueError, match="length not known"):
        T.get_vector_length(T.dvector("v"))


def test_constructor_plurals_as_theano_parses_them():
    """theano/tensor/basic.py _multi: a single string is split into characters."""
    p, t = T.matrices("pt")
    assert (p.name, t.name) == ("p", "t")
    assert [v.name for v in T.dmatrices(3)] == [None, None, None]
    assert T.dmatrices("x").name == "x"
    assert [v.name for v in T.dscalars("a", "b")] == ["a", "b"]
    assert [v.name for v in T.dscalars(["a", "b"])] == ["a", "b"]


def test_stack_both_forms_and_broadcasting_helpers():
    """basic.stack(*tensors), shape_padleft/right/axis, addbroadcast,
    unbroadcast, patternbroadcast (compile/ops.py Rebroadcast), inv."""
    a, b, c = T.dscalars("abc")
    m = T.dmatrix("m")
    padded = [T.shape_padleft(m), T.shape_padright(m, 2), T.shape_padaxis(m, 1)]
    assert [v.broadcastable for v in padded] == [
        (True, False, False), (False, False, True, True), (False, True, False)]
    row = T.addbroadcast(m, 0)
    assert row.broadcastable == (True, False)
    assert T.unbroadcast(row, 0).broadcastable == (False, False)
    assert T.patternbroadcast(m, (False, True)).broadcastable == (False, True)
    x = T.TensorType("float64", (False,))(name="x")
    assert x.name == "x" and T.inv(T.bvector()).dtype == "float32"
    f = theano.function([a, b, c, m, x], [T.stack(a, b, c), T.stack([a, b], axis=0),
                                          row + 1, T.inv(x)])
    s1, s2, r, inv = f(1.0, 2.0, 3.0, np.ones((1, 2)), np.array([2.0, 4.0]))
    np.testing.assert_array_equal(s1, [1, 2, 3])
    np.testing.assert_array_equal(s2, [1, 2])
    np.testing.assert_array_equal(r, [[2.0, 2.0]])
    np.testing.assert_array_equal(inv, [0.5, 0.25])
    with pytest.raises(ValueError, match="supposed to be 1"):
        f(1.0, 2.0, 3.0, np.ones((2, 2)), np.array([2.0]))


def test_scalar_gof_and_compile_names():
    """theano.scalar.upcast, theano.gof.*, theano.compile.SharedVariable, clone."""
    assert theano.scalar.upcast("int8", "float32") == "float32"
    assert theano.scalar.float32().dtype == "float32" and theano.scalar.int64.ndim == 0
    x = T.dvector("x")
    y = x * 2 + 1
    assert isinstance(y, theano.gof.Variable) and isinstance(y.owner, theano.gof.Apply)
    assert isinstance(y.owner.op, theano.gof.Op)
    assert {str(v) for v in theano.gof.graph.inputs([y])} == \
        {"x", "TensorConstant{2}", "TensorConstant{1}"}
    assert issubclass(theano.compile.SharedVariable, theano.gof.Variable)
    z = T.dvector("z")
    y2 = theano.clone(y, replace={x: z})
    assert theano.function([z], y2)(np.array([1.0]))[0] == 3.0
    assert theano.gof.graph.is_same_graph(y2, theano.clone(y, replace={x: z}))


def test_op_from_graph_and_pydotprint():
    x, y = T.dvectors("x", "y")
    op = theano.OpFromGraph([x, y], [x * y + 1])
    a, b = T.dvectors("a", "b")
    out = op(a, b)   # one output: the variable itself, as Theano's Op.__call__ gives it
    f = theano.function([a, b], [out, T.grad(out.sum(), a)])
    v, g = f(np.array([2.0]), np.array([3.0]))
    assert (v[0], g[0]) == (7.0, 3.0)
    try:
        import pydot  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="tensorboard.write_graph"):
            theano.printing.pydotprint(f)


class DoubleOp(theano.Op):
    """The op of Theano's "Creating a new Op" tutorial (doc/extending/extending_theano.txt)."""
    __props__ = ("factor",)

    def __init__(self, factor=2.0):
        self.factor = factor

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return theano.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * self.factor

    def infer_shape(self, node, input_shapes):
        return input_shapes

    def grad(self, inputs, output_grads):
        return [output_grads[0] * self.factor]


def test_user_defined_op_runs_perform_and_its_grad_in_one_graph():
    assert DoubleOp(2.0) == DoubleOp(2.0) and DoubleOp(2.0) != DoubleOp(3.0)
    assert hash(DoubleOp(2.0)) == hash(DoubleOp(2.0))
    x = T.dvector("x")
    W = theano.shared(np.array([1.0, 2.0, 3.0]), "W")
    y = DoubleOp(3.0)(x * W)
    cost = (y ** 2).sum()
    g = T.grad(cost, W)
    f = theano.function([x], [y, cost, g], updates=[(W, W - 0.01 * g)])
    xv = np.array([1.0, -1.0, 2.0])
    w0 = W.get_value()
    out, c, gv = f(xv)
    np.testing.assert_allclose(out, 3 * xv * w0)
    np.testing.assert_allclose(c, np.sum((3 * xv * w0) ** 2))
    np.testing.assert_allclose(gv, 18 * xv ** 2 * w0)
    np.testing.assert_allclose(W.get_value(), w0 - 0.01 * gv)
    ops = {op.type for op in f.concrete_function.graph.get_operations()}
    assert any("PyFunc" in t for t in ops)  # perform runs inside the traced graph


def test_as_op_wraps_a_python_function():
    @theano.compile.ops.as_op(itypes=[T.dmatrix], otypes=[T.dvector])
    def row_norms(m):
        return np.sqrt((m ** 2).sum(axis=1))
    m = T.dmatrix("m")
    value = np.array([[3.0, 4.0], [6.0, 8.0]])
    np.testing.assert_allclose(theano.function([m], row_norms(m) + 1)(value), [6.0, 11.0])
    with pytest.raises(TypeError, match="expected"):
        row_norms(T.fmatrix())
    with pytest.raises(NotImplementedError, match="no grad"):
        theano.function([m], T.grad(row_norms(m).sum(), m))


def test_what_a_layer_library_leans_on():
    """Found by Lasagne's own tests: gof.graph.inputs in Theano's order
    (gof/graph.py ancestors: left-recursive depth-first, from the last
    variable), TensorType(..., name=), a list of slices as an index
    (tensor/var.py __getitem__), sort/argsort (tensor/sort.py)."""
    x, y, z = (theano.shared(0.0, name=n) for n in "xyz")
    inputs = theano.gof.graph.inputs
    assert [v.name for v in inputs([(x + y) + z])] == ["x", "y", "z"]
    assert [v.name for v in inputs([x, y, z])] == ["z", "y", "x"]
    assert T.TensorType("float64", (False,), name="vec")().dtype == "float64"
    m = T.dmatrix("m")
    value = np.arange(12.0).reshape(3, 4)
    values = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    f = theano.function([m], [m[[slice(None), slice(1, 3)]], T.argsort(m), T.sort(m, axis=0),
                              T.argsort(m, axis=None)])
    cropped, order, by_column, flat = f(value)
    np.testing.assert_array_equal(cropped, value[:, 1:3])
    cropped, order, by_column, flat = f(values)
    np.testing.assert_array_equal(order, np.argsort(values, axis=-1))
    np.testing.assert_array_equal(by_column, np.sort(values, axis=0))
    np.testing.assert_array_equal(flat, np.argsort(values, axis=None))
    assert order.dtype == np.int64


def test_an_intermediate_variable_given_as_input_cuts_the_graph():
    """compile/function_module.py std_fgraph: the function's graph is a clone
    of the graph between its inputs and outputs, and gof/graph.py
    clone_get_equiv gives each cloned input no owner. So ``h.eval({h: v})``
    is ``v``, and a graph behind ``h`` (here a scan) is never run. Lasagne's
    ``test_recurrent_bck`` does ``out.eval({out: x})``."""
    x = T.dtensor3("x")
    sums, _ = theano.scan(lambda row, total: total + row.sum(axis=1),
                          sequences=x.dimshuffle(1, 0, 2), outputs_info=T.zeros((x.shape[0],)))
    h = sums.dimshuffle(1, 0)
    value = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(h.eval({h: value}), value)
    f = theano.function([x, h], [h * 2, x.sum()])
    cube = np.ones((2, 5, 4))   # h's own graph would give a 2 x 5 result
    doubled, total = f(cube, value)
    np.testing.assert_array_equal(doubled, value * 2)
    assert total == 40.0
    np.testing.assert_array_equal(theano.function([x], h)(cube), np.cumsum(cube.sum(2), 1))


def test_strict_scan_concerns_only_shared_variables():
    """scan_module/scan.py, step 4: free variables of the step function that
    are not shared become extra non_sequences; step 5.6: ``strict`` keeps
    only the shared variables passed as non_sequences (so a missing one is a
    MissingInputError). Lasagne's CustomRecurrentLayer steps through layers
    whose output is a new variable, with strict=True."""
    from tfgraph.compile.function import MissingInputError
    x, bias = T.dvector("x"), T.dscalar("bias")
    w = theano.shared(2.0, "w")
    out, _ = theano.scan(lambda v: v + bias, sequences=x, strict=True)
    np.testing.assert_allclose(theano.function([x, bias], out)([1.0, 2.0], 0.5), [1.5, 2.5])
    with pytest.raises(MissingInputError, match="w"):
        theano.scan(lambda v: v * w + bias, sequences=x, strict=True)


def test_relu_of_a_numpy_value_is_a_numpy_value():
    """tensor/nnet/nnet.py relu: with alpha=0 it is ``0.5 * (x + abs(x))``,
    plain arithmetic, so a NumPy value gives a NumPy value (Lasagne's
    objectives test compares ``rectify(numpy_array)`` with a result); with
    another alpha, ``as_tensor_variable(alpha)`` makes it symbolic."""
    values = np.array([[-1.5, 0.0], [2.0, -0.25]], dtype="float32")
    rectified = T.nnet.relu(values)
    assert isinstance(rectified, np.ndarray) and rectified.dtype == np.float32
    np.testing.assert_array_equal(rectified, np.maximum(values, 0))
    assert T.nnet.relu(-3.0) == 0.0 and T.nnet.relu(np.float64(2.5)) == 2.5
    leaky = T.nnet.relu(values, 0.5)
    assert isinstance(leaky, theano.gof.Variable)
    np.testing.assert_allclose(leaky.eval(), np.where(values > 0, values, 0.5 * values))
    m = T.fmatrix("m")
    assert isinstance(T.nnet.relu(m), theano.gof.Variable)
    np.testing.assert_array_equal(theano.function([m], T.nnet.relu(m))(values), rectified)
