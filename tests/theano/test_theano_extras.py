"""theano.printing.Print and the pretty-printer machinery, theano.gradient's
op instances and grad_undefined / grad_not_implemented, and the rest of
theano.compile (Out, pfunc, function_dump, MonitorMode, predefined modes,
shared_constructor)."""
import pickle

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import compile, gradient, printing


def test_print_prints_at_run_time_and_passes_value_and_gradient(capfd):
    x = T.dvector("x")
    shown = printing.Print("x is")(x)
    shapes = printing.Print("shape of x", attrs=("shape",))(x * 2)
    cost = (shown ** 2).sum() + shapes.sum()
    f = theano.function([x], [cost, T.grad(cost, x)])
    capfd.readouterr()
    value, g = f([1.0, 2.0])
    out = capfd.readouterr().out
    assert "x is __str__ = [1. 2.]" in out and "shape of x shape = (2,)" in out
    assert value == 11.0
    np.testing.assert_allclose(g, [4.0, 6.0])
    f([3.0, 4.0])
    assert "x is __str__ = [3. 4.]" in capfd.readouterr().out   # every call
    seen = []
    mine = printing.Print("m", global_fn=lambda op, v: seen.append((op.message, v.sum())))
    theano.function([x], mine(x), mode="FAST_COMPILE")([1.0, 5.0])
    assert seen == [("m", 6.0)]


def test_pretty_printers():
    x, y = T.dscalar("x"), T.dscalar("y")
    z = x * y + x
    pp = printing.pprint.clone()
    assert pp(z) == printing.pp(z)          # unassigned ops print in their own form
    mul, add = z.owner.inputs[0].owner.op, z.owner.op
    pp.assign(type(mul), printing.OperatorPrinter("*", 1, "either"))
    pp.assign(add, printing.FunctionPrinter("plus"))
    assert pp(z) == "plus((x * y), x)"
    pp.assign(type(mul), printing.PatternPrinter("times(%(0)s, %(1)s)"))
    assert pp(z) == "plus(times(x, y), x)"
    pp.assign(type(mul), printing.IgnorePrinter())
    assert pp(z) == "plus(x, x)"
    alpha = T.dscalar("alpha")
    assert printing.pprint(alpha, printing.PrinterState()) == "\\alpha"
    with pytest.raises(TypeError, match="not the result of an operation"):
        printing.FunctionPrinter("f").process(x, printing.PrinterState(pprinter=pp))
    with pytest.raises(ValueError, match="assoc"):
        printing.OperatorPrinter("+", 1, "middle")
    a = np.arange(6.0).reshape(2, 3)
    assert printing.hex_digest(a).endswith("|strides=[24,8]|shape=[2,3]")
    assert printing.hex_digest(a) != printing.hex_digest(a.T.copy())
    d = printing.var_descriptor(z)
    assert d.startswith("A=") and "x" in d and " at 0x" not in d
    assert printing.var_descriptor(x + x).count("<") == 1       # the repeat by tag
    assert printing.position_independent_str(x) == "theano_var{type=" + str(x.type) + "}"
    assert printing.VALID_ASSOC == {"left", "right", "either"} and printing.use_ascii


class Floor(theano.Op):
    """A Theano-style op whose gradient is undefined for x, not implemented for n."""
    __props__ = ()

    def make_node(self, x, n):
        x, n = T.as_tensor_variable(x), T.as_tensor_variable(n)
        return theano.Apply(self, [x, n], [x.type()])

    def perform(self, node, inputs, out):
        out[0][0] = np.floor(inputs[0]) * inputs[1]

    def grad(self, inputs, grads):
        return [gradient.grad_undefined(self, 0, inputs[0], "floor jumps"),
                gradient.grad_not_implemented(self, 1, inputs[1])]


def test_gradient_ops_and_null_gradients():
    x = T.dscalar("x")
    for op, connected in ((gradient.zero_grad_, True), (gradient.consider_constant_, True),
                          (gradient.disconnected_grad_, False)):
        cost = op(x) * x
        assert float(theano.function([x], T.grad(cost, x))(3.0)) == 3.0
        if not connected:
            with pytest.raises(gradient.DisconnectedInputError):
                T.grad(op(x) * 2, x)
    assert isinstance(gradient.consider_constant_, gradient.ConsiderConstant)
    with pytest.raises(gradient.NullTypeGradError, match="undefined"):
        T.grad(gradient.undefined_grad_(x) * 2, x)
    n = T.dscalar("n")
    y = Floor()(x, n)
    assert float(theano.function([x, n], y)(2.5, 3.0)) == 6.0
    with pytest.raises(gradient.NullTypeGradError, match="mathematically undefined. floor"):
        T.grad(y, x)
    with pytest.raises(gradient.NullTypeGradError, match="not implemented"):
        T.grad(y, n)
    assert isinstance(gradient.grad_undefined(Floor(), 0, x).type, gradient.NullType)
    # a gradient through the op's other path is still fine
    z = T.dscalar("z")
    assert float(theano.function([x, n, z], T.grad(Floor()(x, n) + z * z, z))(1, 2, 3)) == 6


def test_out_pfunc_symbolic_io_and_function_dump(tmp_path):
    x = T.dvector("x")
    f = theano.function([compile.SymbolicInput(x)], [theano.Out(x * 2, borrow=True),
                                                     compile.SymbolicOutput(x.sum())])
    doubled, total = f([1.0, 2.0])
    np.testing.assert_array_equal(doubled, [2.0, 4.0])
    assert total == 3.0
    w = theano.shared(np.float64(1.0), "w")
    g = compile.pfunc([x], (x * w).sum(), updates=[(w, w + 1)])
    assert g([1.0, 1.0]) == 2.0 and w.get_value() == 2.0
    assert compile.pfunc([x], [x.sum()], output_keys=["s"])([1.0, 4.0]) == {"s": 5.0}
    path = str(tmp_path / "dump.pkl")
    theano.function_dump(path, [x], (x * w).sum(), updates=[(w, w * 3)], name="dumped")
    with open(path, "rb") as file:
        args = pickle.load(file)
    assert args["name"] == "dumped"
    h = theano.function(**args)
    assert h([1.0, 2.0]) == 6.0                      # its own copy of w (2.0)
    with pytest.raises(TypeError, match="Out\\(\\) takes a symbolic variable"):
        theano.Out(3)


def test_predefined_modes_and_monitor_mode(capsys):
    assert set(theano.predefined_modes) >= {"FAST_COMPILE", "FAST_RUN", "DebugMode"}
    assert compile.FAST_COMPILE.eager and not compile.FAST_RUN.eager
    x = T.dvector("x")
    seen = []

    def detect_nan(i, node, fn):
        for output in fn.outputs:
            if np.isnan(output[0]).any():
                seen.append((i, str(node.op), [inp[0].tolist() for inp in fn.inputs]))
    pre = []
    mode = compile.MonitorMode(pre_func=lambda i, node, fn: pre.append(fn.outputs[0][0]),
                               post_func=detect_nan)
    f = theano.function([x], [T.log(x) * x], mode=mode)
    result = f(np.array([1.0, -1.0]))
    assert np.isnan(result[0][1]) and result[0][0] == 0
    assert seen[0][2] == [[1.0, -1.0]] and "log" in seen[0][1]
    assert len(seen) == 2 and pre == [None, None]      # log, then the product


def test_shared_constructor_registry():
    class Box:
        def __init__(self, value):
            self.value = value

    @compile.shared_constructor
    def box_constructor(value, name=None, **kwargs):
        if not isinstance(value, Box):
            raise TypeError("not a Box")
        return theano.shared(np.asarray(value.value, dtype="float32"), name=name)
    try:
        s = theano.shared(Box([1, 2]), "boxed")
        assert s.dtype == "float32" and s.name == "boxed"
        assert theano.shared(np.zeros(2)).dtype == "float64"     # others as before
    finally:
        compile.shared_constructor(box_constructor, remove=True)
    with pytest.raises(TypeError):
        theano.shared(Box([1]))


def test_scan_checkpoints_keeps_every_nth_step_and_its_gradient():
    x, w = T.dvector("x"), T.dscalar("w")
    outs, updates = theano.scan_checkpoints(lambda xt, h, w: h * w + xt, sequences=[x],
                                            outputs_info=[T.zeros_like(w)], non_sequences=[w],
                                            save_every_N=3)
    f = theano.function([x, w], [outs, T.grad(outs[-1], w)], updates=updates)
    xv = np.arange(1.0, 8.0)
    h, hs = 0.0, []
    for xt in xv:
        h = h * 0.5 + xt
        hs.append(h)
    got, g = f(xv, 0.5)
    np.testing.assert_allclose(got, [hs[2], hs[5], hs[6]])
    eps = 1e-6
    numeric = (f(xv, 0.5 + eps)[0][-1] - f(xv, 0.5 - eps)[0][-1]) / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=1e-6)
    with pytest.raises(RuntimeError, match="taps"):
        theano.scan_checkpoints(lambda h: h, outputs_info=[{"initial": x, "taps": [-2]}],
                                n_steps=3)
    from tfgraph.misc import pkl_utils
    assert pkl_utils.Pickler is pickle.Pickler and pkl_utils.min_recursion == 3000


def test_printer_objects_and_constants():
    x = T.dscalar("x")
    state = printing.PrinterState(pprinter=printing.PPrinter())
    assert printing.leaf_printer.process(x, state) == "x"
    assert isinstance(printing.leaf_printer, printing.LeafPrinter)
    assert printing.default_printer.process(x * 2, state) == printing.pp(x * 2)
    assert printing.default_colorCodes["Scan"] == "yellow"
    assert isinstance(printing.pydot_imported, bool) and isinstance(
        printing.pydot_imported_msg, str)
