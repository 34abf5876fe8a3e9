"""Compilation modes: FAST_RUN, FAST_COMPILE (eager), DebugMode, NanGuardMode,
given as strings, objects or config.mode; their checks and their errors."""
import numpy as np
import pytest

import tfgraph as theano
from tfgraph.compile import xla
import tfgraph.tensor as T
from tfgraph import compile as tcompile
from tfgraph.compile import modes
from tfgraph.compile.debugmode import DebugMode, InvalidValueError, NanGuardMode
from tfgraph.compile.errors import ExecutionError, NanGuardError
from tfgraph.config import config
from tfgraph.graph import Apply, Op, TensorType
from tfgraph._tf import tf


# --- choosing a mode -------------------------------------------------------------

@pytest.mark.parametrize("mode, cls", [
    ("FAST_RUN", modes.FastRun), ("FAST_COMPILE", modes.FastCompile),
    ("DebugMode", DebugMode), ("DEBUG_MODE", DebugMode), ("NanGuardMode", NanGuardMode),
    (None, modes.FastRun)])
def test_modes_by_name(mode, cls):
    x = T.dvector("x")
    f = theano.function([x], x * 2, mode=mode)
    assert type(f.mode) is cls
    np.testing.assert_array_equal(f([1.0, 2.0]), [2.0, 4.0])


def test_mode_objects_and_theano_spellings():
    assert theano.Mode is tcompile.Mode
    assert tcompile.DebugMode is DebugMode and tcompile.NanGuardMode is NanGuardMode
    from tfgraph.compile.nanguardmode import NanGuardMode as Aliased
    from tfgraph.compile.mode import get_default_mode
    assert Aliased is NanGuardMode
    x = T.dvector("x")
    for mode in [theano.Mode(), theano.Mode(linker="cvm", optimizer=None), DebugMode(),
                 NanGuardMode(nan_is_error=True, inf_is_error=False, big_is_error=False),
                 get_default_mode().excluding("fusion").including("fast_run")]:
        f = theano.function([x], x + 1, mode=mode)
        assert f.mode is mode or type(f.mode) is type(mode)
        np.testing.assert_array_equal(f([1.0]), [2.0])
    assert theano.Mode(linker="py").eager  # Theano's Python linker: op by op


def test_config_mode_is_the_default(monkeypatch):
    x = T.dvector("x")
    config.mode = "FAST_COMPILE"
    assert theano.function([x], x).mode.eager
    config.mode = "DebugMode"
    f = theano.function([x], T.log(x))
    with pytest.raises(InvalidValueError):
        f([-1.0])
    config.mode = "NanGuardMode"
    assert isinstance(theano.function([x], x).mode, NanGuardMode)
    with pytest.raises(ValueError, match="Invalid value .'SLOW_RUN'. for configuration "
                                         "variable 'mode'"):
        config.mode = "SLOW_RUN"


def test_unknown_mode_is_a_clear_error():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="unknown mode 'FAST_WALK'"):
        theano.function([x], x, mode="FAST_WALK")


# --- FAST_COMPILE: eager, same results --------------------------------------------

class _RecordEager(Op):
    """Identity that records whether its lowering ran eagerly."""
    name = "record_eager"

    def __init__(self):
        self.calls = []

    def make_node(self, x):
        return Apply(self, [x], [x.type])

    def lower(self, node, inputs, ctx):
        self.calls.append(tf.executing_eagerly())
        return [tf.identity(inputs[0])]


def test_fast_compile_runs_op_by_op_on_every_call():
    op = _RecordEager()
    x = T.dvector("x")
    fast_compile = theano.function([x], op(x) * 2, mode="FAST_COMPILE")
    assert fast_compile.concrete_function is None
    fast_compile([1.0]), fast_compile([2.0])
    # Lowered again, eagerly, at each call: a debugger can stop there.
    assert op.calls == [True, True]
    op.calls.clear()
    fast_run = theano.function([x], op(x) * 2, mode="FAST_RUN")
    fast_run([1.0]), fast_run([2.0])
    assert op.calls == [False]  # traced once


def _training_step(mode):
    """A logistic-regression step as in the seed: outputs, grad, updates."""
    rng = np.random.default_rng(0)
    X, y = T.dmatrix("X"), T.dvector("y")
    w = theano.shared(rng.normal(size=3), name="w")
    b = theano.shared(0.5, name="b")
    p = T.nnet.sigmoid((X * w).sum(axis=1) + b)
    cost = T.nnet.binary_crossentropy(p, y).mean() + 0.01 * (w ** 2).sum()
    gw, gb = theano.grad(cost, [w, b])
    step = theano.function([X, y], [cost, p > 0.5, X[1:, ::2].sum(axis=0)],
                           updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)], mode=mode)
    data = rng.normal(size=(5, 3)), (rng.random(5) > 0.5).astype("float64")
    results = [step(*data) for _ in range(3)]
    return results, w.get_value(), b.get_value()


def test_fast_compile_gives_the_same_results_as_fast_run():
    run, w_run, b_run = _training_step("FAST_RUN")
    eager, w_eager, b_eager = _training_step("FAST_COMPILE")
    debug, w_debug, b_debug = _training_step("DebugMode")
    for other, w, b in [(eager, w_eager, b_eager), (debug, w_debug, b_debug)]:
        for a, e in zip(run, other):
            for ra, re in zip(a, e):
                assert ra.dtype == re.dtype and ra.shape == re.shape
                np.testing.assert_allclose(ra, re, rtol=1e-12)
        np.testing.assert_allclose(w, w_run, rtol=1e-12)
        np.testing.assert_allclose(b, b_run, rtol=1e-12)


# --- DebugMode --------------------------------------------------------------------

def test_seed_cells_14_and_15():
    num, den = T.scalar("num"), T.scalar("den")
    divide = theano.function([num, den], num / den, name="divide")
    assert divide(10, 2) == 5.0
    assert np.isnan(divide(0, 0))  # FAST_RUN lets the NaN through
    divide = theano.function([num, den], num / den, mode="DebugMode", name="divide")
    assert divide(10, 2) == 5.0
    with pytest.raises(InvalidValueError) as info:
        divide(0, 0)
    message = str(info.value)
    assert message.startswith('DebugMode: NaN in the output of (num / den), in function "divide".')
    assert "num (index 0): 0.0; den (index 1): 0.0" in message
    assert isinstance(info.value, FloatingPointError)
    assert info.value.node.op.name == "true_div"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_debugmode_names_the_op_that_made_the_nan_not_its_users():
    x, y = T.dvector("x"), T.dvector("y")
    inner = T.log(x)
    f = theano.function([x, y], [(inner * 2).sum(), y + 1], mode="DebugMode", name="f")
    with pytest.raises(InvalidValueError,
                       match=r"NaN in the output of log\(x\), in function \"f\"") as info:
        f([1.0, -1.0], [0.0])
    assert "x (index 0): [ 1., -1.]" in str(info.value)
    assert "y (index 1)" not in str(info.value)  # not an input that led there
    with pytest.raises(InvalidValueError,
                       match=r"Inf in the output of \(TensorConstant\{1\.0?\} / x\)"):
        theano.function([x], (1.0 / x).sum(), mode="DebugMode")([0.0])


def test_debugmode_checks_shared_values_and_large_inputs_summarised():
    W = theano.shared(np.full((20, 20), np.inf), name="W")
    x = T.dmatrix("x")
    f = theano.function([x], T.dot(x, W) - T.dot(x, W), mode="DebugMode", name="f")
    with pytest.raises(InvalidValueError) as info:
        f(np.ones((2, 20)))
    message = str(info.value)
    assert "shared W: float64 array of shape (20, 20), 400 Inf" in message
    assert "x (index 0): float64 array of shape (2, 20)" in message


class _Mistyped(Op):
    """Claims a broadcastable (length-1) output but returns its input."""
    name = "mistyped"

    def __init__(self, dtype=None):
        self.dtype = dtype

    def make_node(self, x):
        return Apply(self, [x], [TensorType(self.dtype or x.dtype, (True,))])

    def lower(self, node, inputs, ctx):
        return [inputs[0]]


def test_debugmode_checks_shapes_against_the_inferred_type():
    x = T.dvector("x")
    out = _Mistyped()(x) + 1
    # FAST_RUN trusts the type...
    assert theano.function([x], out)(np.ones(3)).shape == (3,)
    f = theano.function([x], out, mode="DebugMode", name="f")
    assert f(np.ones(1)).shape == (1,)
    with pytest.raises(InvalidValueError,
                       match=r"DebugMode: the output of mistyped\(x\) has shape \(3,\), but its "
                             r"type TensorType\(float64, \(True,\)\) says dimensions \[0\] have "
                             r"length 1"):
        f(np.ones(3))
    with pytest.raises(InvalidValueError, match="has shape"):
        theano.function([x], out, mode=DebugMode(linker="py"))(np.ones(3))


def test_debugmode_rejects_a_lowering_of_the_wrong_dtype_when_compiling():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"DebugMode: mistyped\(x\) in function \"f\" computes a "
                                        r"float64 tensor .* where the graph says "
                                        r"TensorType\(float32"):
        theano.function([x], _Mistyped("float32")(x), mode="DebugMode", name="f")


def test_debugmode_leaves_integers_and_finite_values_alone():
    i, x = T.lvector("i"), T.dvector("x")
    f = theano.function([i, x], [i // 2, (x * 1e300) * 1e-300, T.switch(x > 0, x, 0)],
                        mode="DebugMode")
    out = f([3, -3], [1.0, -1.0])
    np.testing.assert_array_equal(out[0], [1, -2])
    np.testing.assert_allclose(out[1], [1.0, -1.0])


def test_debugmode_eager():
    x = T.dvector("x")
    f = theano.function([x], T.sqrt(x), mode=DebugMode(linker="py"), name="f")
    assert f.concrete_function is None
    with pytest.raises(InvalidValueError,
                       match=r"NaN in the output of sqrt\(x\), in function \"f\""):
        f([-1.0])


def test_checking_modes_never_use_xla():
    config.xla = True
    assert xla.setting(DebugMode()) is False and xla.setting(NanGuardMode()) is False
    assert xla.setting(theano.compile.MonitorMode()) is False
    assert xla.setting(theano.Mode()) is True
    assert xla.setting(theano.Mode(), requested=False) is False   # loop(jit_compile=False)
    config.xla = False
    assert xla.setting(theano.Mode(jit_compile=True)) is True
    assert xla.setting(theano.Mode(linker="py"), requested=True) is True
    config.xla = None
    assert xla.setting(theano.Mode()) is None and xla.setting(theano.Mode(linker="py")) is False


# --- NanGuardMode -------------------------------------------------------------------

def _guarded(mode, out=lambda x: x * 2, dtype="float64"):
    x = T.vector("x", dtype=dtype)
    return theano.function([x], out(x), mode=mode, name="g")


@pytest.mark.parametrize("value, nan, inf, big, error", [
    (np.nan, True, True, True, "NaN"),
    (np.nan, False, True, True, None),
    (np.inf, True, True, True, "Inf and big value"),
    (np.inf, True, False, True, "big value"),  # as in Theano: an Inf is big
    (np.inf, True, False, False, None),
    (1e11, True, True, True, "big value"),
    (1e11, True, True, False, None),
    (1e9, True, True, True, None),
])
def test_nanguardmode_switches(value, nan, inf, big, error):
    mode = NanGuardMode(nan_is_error=nan, inf_is_error=inf, big_is_error=big)
    f = _guarded(mode, out=lambda x: x * 1.0 + 0.0)
    inside = theano.shared(np.array([value, 1.0]), name="inside")
    y = T.dvector("y")
    g = theano.function([y], y * inside, mode=mode, name="g")  # the value arises inside
    if error is None:
        np.testing.assert_array_equal(g([1.0, 1.0]), [value, 1.0])
        return
    with pytest.raises(NanGuardError, match=f"NanGuardMode: {error} detected in shared variable "
                                            f"inside, read by function \"g\""):
        g([1.0, 1.0])
    with pytest.raises(NanGuardError, match=f"Bad input argument with name \"x\" to function \"g\" "
                                            f"at index 0 \\(0-based\\): NanGuardMode: {error} "
                                            f"detected"):
        f([value])


def test_nanguardmode_output_errors_are_assertion_errors_naming_the_op():
    mode = NanGuardMode(nan_is_error=True, inf_is_error=True, big_is_error=True)
    f = _guarded(mode, out=lambda x: T.exp(x).sum())
    with pytest.raises(AssertionError,
                       match=r"NanGuardMode: Inf and big value detected in the output of "
                             r"exp\(x\), in function \"g\"") as info:
        f([1.0, 1000.0])
    assert isinstance(info.value, (NanGuardError, FloatingPointError, ExecutionError))
    assert "x (index 0): [   1., 1000.]" in str(info.value)


def test_nanguardmode_big_integers_and_opt_out():
    mode = NanGuardMode()
    i = T.lvector("i")
    f = theano.function([i], i * 1000, mode=mode, name="g")
    np.testing.assert_array_equal(f([10 ** 6]), [10 ** 9])
    with pytest.raises(NanGuardError, match=r"big value detected in the output of \(i \* "):
        f([10 ** 8])
    x = T.dvector("x")
    x.tag.nan_guard_mode_check = False
    assert np.isnan(theano.function([x], x, mode=mode)([np.nan])[0])


def test_nanguardmode_checks_values_known_while_tracing():
    # Constants and shape arithmetic (static on a mesh) are checked while
    # tracing and left unchecked at run time when fine; a bad one still raises.
    mode = NanGuardMode()
    x = T.dvector("x")
    big = T.constant(np.int64(10 ** 6)) * T.constant(np.int64(10 ** 5))
    f = theano.function([x], [x.sum(), big], mode=mode, name="g")
    with pytest.raises(NanGuardError, match=r"big value detected in the output of "
                                            r"\(TensorConstant\{1000000\} \* "):
        f([1.0])
    g = theano.function([x], [x.sum(), T.arange(3) * 2], mode=mode)
    np.testing.assert_array_equal(g([1.0])[1], [0, 2, 4])


def test_nanguardmode_needs_a_switch_on():
    with pytest.raises(ValueError, match="at least one"):
        NanGuardMode(False, False, False)
    assert NanGuardMode(None, None, None).nan_is_error


def test_nanguardmode_passes_empty_arrays_and_clean_values():
    f = _guarded(NanGuardMode(), out=lambda x: T.log(x))
    assert f(np.zeros(0)).shape == (0,)
    np.testing.assert_allclose(f([1.0, np.e]), [0.0, 1.0])
