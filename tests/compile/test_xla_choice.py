"""Functions choose XLA or not by measurement, per input shape, when
config.xla is not set (tfgraph.compile.xla)."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile import executables, xla
from tfgraph.compile.xla import Choice as XlaChoice
from tfgraph.sandbox.rng_mrg import MRG_RandomStreams


def _run(choice, key, plain_s, xla_s, calls, compile_s=1.5):
    """``calls`` calls with ``key``, each taking plain_s or xla_s (the first
    XLA call compiles: compile_s more); the ways taken, 'p' or 'x'."""
    taken, compiled = "", False
    for _ in range(calls):
        use_xla = choice.use_xla(key)
        seconds = xla_s if use_xla else plain_s
        if use_xla and not compiled:
            seconds, compiled = seconds + compile_s, True
        choice.record(key, use_xla, seconds)
        taken += "x" if use_xla else "p"
    return taken


def test_a_shape_runs_without_xla_until_its_calls_have_taken_a_compilations_time():
    choice = XlaChoice()
    # 0.3 s calls: the first is not counted, then 5 (TRIALS) make 1.5 s >= 1 s;
    # one call compiles, 5 are timed.
    assert _run(choice, "a", 0.3, 0.1, 13) == "p" * 6 + "x" * 7
    assert choice.shapes["a"].use_xla is True
    assert choice.compile_seconds == pytest.approx(1.5 + 0.1 - 0.3)


def test_the_slower_way_is_left_after_its_trial():
    choice = XlaChoice()
    assert _run(choice, "a", 0.3, 0.6, 14) == "p" * 6 + "x" * 6 + "pp"
    assert choice.shapes["a"].use_xla is False


def test_shapes_are_chosen_for_one_by_one_and_rare_ones_never_compile():
    choice = XlaChoice()
    assert _run(choice, "rare", 0.05, 0.01, 10) == "p" * 10
    assert _run(choice, "common", 0.5, 0.1, 8, compile_s=3.0) == "p" * 6 + "xx"
    # The measured compilation (3.1 s for a 0.1 s call, 0.5 s without XLA:
    # 2.6 s) is now the bar, where 1 s was: 0.3 s calls need 9, not 5.
    assert choice.compile_seconds == pytest.approx(2.6)
    assert _run(choice, "next", 0.3, 0.1, 12) == "p" * 10 + "xx"
    assert choice.shapes["rare"].use_xla is None


def _at_once(monkeypatch):
    """Try XLA at once, and decide after TRIALS calls however short."""
    monkeypatch.setattr(xla, "FIRST_COMPILE_GUESS", 0.0)
    monkeypatch.setattr(xla, "TRIAL_SECONDS", 0.0)


def _rnn_function(**kwargs):
    x = T.dmatrix("x")
    W = theano.shared(np.array([[0.5, -0.2], [0.1, 0.3]]), "W")
    hs, _ = theano.scan(lambda x_t, h: T.tanh(T.dot(h, W) + x_t), sequences=x,
                        outputs_info=T.zeros((2,)), name="rnn")
    cost = (hs ** 2).sum()
    step = theano.function([x], cost, updates={W: W - 0.01 * T.grad(cost, W)}, **kwargs)
    return step, W


def _numpy_step(W, x):
    h, hs = np.zeros(2), []
    for row in x:
        h = np.tanh(h @ W + row)
        hs.append(h)
    cost = sum((h ** 2).sum() for h in hs)
    grad, dh = np.zeros_like(W), np.zeros(2)
    for t in reversed(range(len(x))):
        dz = (dh + 2 * hs[t]) * (1 - hs[t] ** 2)
        prev = hs[t - 1] if t else np.zeros(2)
        grad += np.outer(prev, dz)
        dh = dz @ W.T
    return cost, W - 0.01 * grad


def test_a_scan_function_tries_xla_and_gives_the_same_numbers_either_way(monkeypatch):
    _at_once(monkeypatch)
    step, W = _rnn_function()
    assert isinstance(step.executable, executables.Auto)
    want_W = W.get_value()
    x = np.random.RandomState(0).randn(5, 2)
    for _ in range(14):  # 6 without XLA, one compiling, 5 timed: chosen
        want, want_W = _numpy_step(want_W, x)
        assert step(x) == pytest.approx(want, rel=1e-12)
        np.testing.assert_allclose(W.get_value(), want_W, rtol=1e-12)
    assert step.executable.xla is not None  # it ran with XLA
    chosen = step.executable.choice.shapes[((5, 2),)].use_xla
    assert chosen is not None  # and chose, and runs that way from then on
    assert step.executable.decided[((5, 2),)] is (step.executable.xla if chosen
                                                   else step.executable.plain)
    # A new shape starts without XLA again.
    assert not step.executable.choice.use_xla(((3, 2),))


def test_a_call_on_trial_with_xla_still_raises_theanos_errors_and_changes_nothing(monkeypatch):
    _at_once(monkeypatch)
    x, idx = T.dvector("x"), T.lvector("idx")
    total = theano.shared(np.float64(0), "total")
    _, updates = theano.scan(lambda i: {total: total + x[i]}, sequences=idx, name="gather")
    f = theano.function([x, idx], [], updates=updates)
    for _ in range(7):  # the first uncounted, five timed, then XLA
        f([1.0, 2.0, 3.0], [0, 2])
    assert f.executable.xla is not None and total.get_value() == 28.0
    assert f.executable.choice.use_xla(((3,), (2,)))  # on trial
    with pytest.raises(IndexError, match=r"\(scan 'gather', step 1 counting from 0\)"):
        f([1.0, 2.0, 3.0], [0, 7])
    assert total.get_value() == 28.0


def test_every_function_may_choose_unless_xla_would_lose_a_check_or_a_call(monkeypatch):
    _at_once(monkeypatch)
    x = T.dvector("x")
    assert isinstance(theano.function([x], x * 2).executable, executables.Auto)
    step, _ = _rnn_function()
    assert isinstance(step.executable, executables.Auto)
    # A Gibbs chain: its draws' checks of p are validity flags under XLA.
    rng, W = MRG_RandomStreams(1), theano.shared(np.full((3, 2), 0.1), "W")

    def gibbs(v):
        h = rng.binomial(size=(v.shape[0], 2), p=T.nnet.sigmoid(T.dot(v, W)), dtype="float64")
        return rng.binomial(size=v.shape, p=T.nnet.sigmoid(T.dot(h, W.T)), dtype="float64")
    v0 = T.dmatrix("v0")
    chain, updates = theano.scan(gibbs, outputs_info=v0, n_steps=3)
    assert isinstance(theano.function([v0], chain[-1], updates=updates).executable,
                      executables.Auto)
    # Print calls back into Python: XLA cannot compile it.
    shown = theano.function([x], theano.printing.Print("x")(x) * 2)
    assert isinstance(shown.executable, executables.Traced)
    # Set either way, config.xla decides.
    assert isinstance(_rnn_function(mode=theano.Mode(jit_compile=False))[0].executable,
                      executables.Traced)
    forced = _rnn_function(mode=theano.Mode(jit_compile=True))[0]
    assert isinstance(forced.executable, executables.Xla) and forced.executable.safe


def test_a_rule_checked_by_assertion_holds_once_xla_is_chosen(monkeypatch):
    """The split sizes must sum to the length: a rule of the op's lowering
    (ctx.require), an assertion without XLA and a validity flag with it."""
    _at_once(monkeypatch)
    x, sizes = T.dvector("x"), T.lvector("sizes")
    total = theano.shared(np.float64(0), "total")
    a, b = theano.tensor.split(x * 2, sizes, 2)
    f = theano.function([x, sizes], [a, b], updates={total: total + 1})
    for _ in range(14):
        f([1.0, 2.0, 3.0], [1, 2])
    assert f.executable.choice.shapes[((3,), (2,))].use_xla is not None   # chosen
    f.executable.choice.shapes[((3,), (2,))].use_xla = True               # with XLA
    f.executable.decided.clear()                                           # asked again
    with pytest.raises(ValueError, match="split"):
        f([1.0, 2.0, 3.0], [1, 1])
    assert total.get_value() == 14.0
    assert f.executable.xla.fallback_calls == 1   # ran again without XLA, to raise


def test_an_op_whose_failure_xla_would_not_report_keeps_a_function_off_xla(monkeypatch):
    """XLA inverts a singular matrix without a word, where TensorFlow's kernel
    raises: such a function never chooses XLA, and asked for it, warns."""
    _at_once(monkeypatch)
    a = T.dmatrix("a")
    f = theano.function([a], theano.tensor.nlinalg.matrix_inverse(a))
    for _ in range(14):
        f(np.eye(2) * 2)
    assert f.executable.xla is not None and not f.executable.xla.safe   # traced, then refused
    assert not f.executable.choice.use_xla(((2, 2),))
    with pytest.raises(np.linalg.LinAlgError):
        f(np.ones((2, 2)))
    with pytest.warns(UserWarning, match="runs without XLA.*matrix_inverse"):
        forced = theano.function([a], theano.tensor.nlinalg.matrix_inverse(a),
                                 mode=theano.Mode(jit_compile=True))
    with pytest.raises(np.linalg.LinAlgError):
        forced(np.ones((2, 2)))


def test_config_xla_takes_auto_true_and_false():
    saved = theano.config.xla
    try:
        for text, value in (("auto", None), ("true", True), ("0", False)):
            theano.config.xla = text
            assert theano.config.xla is value
        with pytest.raises(ValueError, match="boolean"):
            theano.config.xla = "sometimes"
    finally:
        del theano.config.xla
    assert theano.config.xla is saved is None


def test_a_trial_call_that_compiles_again_ends_the_trial():
    """XLA compiling again for every minibatch index (slice bounds taken as
    constants) shows as a trial call taking half a compilation or more: the
    first one decides."""
    choice = XlaChoice()
    assert _run(choice, "a", 0.3, 1.5, 9) == "p" * 6 + "xx" + "p"
    assert choice.shapes["a"].use_xla is False
