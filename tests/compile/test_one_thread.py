"""A traced graph's ops run on the calling thread (TensorFlow's single-threaded
executor) when its calls find that faster, unless the graph has what that
executor refuses: control flow, Python ops, collectives, ops on several
devices (tfgraph.compile.one_thread)."""
import numpy as np
import pytest

import tfgraph
import tfgraph.tensor as T
from tfgraph.compile import one_thread
from tfgraph.compile.errors import ExecutionIndexError
from tfgraph._tf import tf


def traced(**kwargs):
    return dict(mode=tfgraph.compile.Mode(jit_compile=False), **kwargs)


def on_one_thread(f):
    """``f`` with its calls on one thread from now on, whatever a trial says."""
    assert f.executable.trial is not None, "the graph may not run on one thread"
    f.executable.one_thread, f.executable.trial = True, None
    return f


def test_a_training_step_runs_on_one_thread_and_gives_the_same_numbers():
    rng = np.random.RandomState(0)
    X, y = rng.randn(5, 3), rng.randn(5)
    W = tfgraph.shared(np.zeros(3), name="W")
    x, t = T.dmatrix("x"), T.dvector("t")
    cost = T.sqr(T.dot(x, W) - t).mean()
    step = on_one_thread(tfgraph.function([x, t], cost,
                                          updates=[(W, W - 0.1 * T.grad(cost, W))], **traced()))
    costs = [float(step(X, y)) for _ in range(3)]

    w, expected = np.zeros(3), []
    for _ in range(3):
        r = X @ w - y
        expected.append((r ** 2).mean())
        w = w - 0.1 * (2 * X.T @ r / len(y))
    np.testing.assert_allclose(costs, expected, rtol=1e-12)
    np.testing.assert_allclose(W.get_value(), w, rtol=1e-12)


def test_the_threads_own_call_options_are_restored():
    # TensorFlow's public API has no reader for them: its context has.
    from tensorflow.python.eager import context
    options = context.context().function_call_options
    before, options.executor_type = options.executor_type, ""   # the default executor
    try:
        x = T.dvector("x")
        f = on_one_thread(tfgraph.function([x], x[0] * 2, **traced()))
        f(np.ones(2))
        assert options.executor_type == ""
        with pytest.raises(IndexError):
            f(np.ones(0))
        assert options.executor_type == ""
    finally:
        options.executor_type = before


def test_a_failing_op_is_named_as_with_the_default_executor():
    x, i = T.dvector("x"), T.lscalar("i")
    f = on_one_thread(tfgraph.function([x, i], x[i], **traced()))
    with pytest.raises(ExecutionIndexError, match=r'x\[i\] in function .*out of bounds') as info:
        f(np.ones(3), 5)
    assert "Graph execution error" not in str(info.value)


@pytest.mark.parametrize("build", ["scan", "ifelse", "print"])
def test_graphs_the_executor_refuses_keep_the_default_one(build):
    x = T.dvector("x")
    if build == "scan":
        out, _ = tfgraph.scan(lambda v, acc: acc + v, sequences=x, outputs_info=T.constant(0.0))
        out, expected = out[-1], 6.0
    elif build == "ifelse":
        from tfgraph.ifelse import ifelse
        out, expected = ifelse(T.gt(x.sum(), 0), x.sum(), -x.sum()), 6.0
    else:
        out, expected = tfgraph.printing.Print("sum")(x.sum()), 6.0
    f = tfgraph.function([x], out, **traced())
    assert f.executable.trial is None and not f.executable.one_thread
    assert float(f(np.array([1.0, 2.0, 3.0]))) == expected


def test_ops_on_two_devices_keep_the_default_executor():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def on_two(x):
        with tf.device("/device:CPU:0"):
            a = x * 2
        with tf.device("/device:CPU:1"):
            return a + 1

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def on_one(x):
        with tf.device("/job:localhost/replica:0/task:0/device:CPU:0"):
            a = x * 2
        with tf.device("/device:CPU:0"):
            return a + 1

    assert not one_thread.runs_on_one_thread(on_two.get_concrete_function())
    assert one_thread.runs_on_one_thread(on_one.get_concrete_function())


def test_concurrent_callers_get_their_own_results(concurrently):
    x = T.dvector("x")
    f = on_one_thread(tfgraph.function([x], (x * x).sum(), **traced()))
    results = concurrently(lambda k: [float(f(np.full(4, float(k)))) for _ in range(50)], 4)
    assert results == {k: [4.0 * k * k] * 50 for k in range(4)}


def test_a_trial_times_both_executors_and_keeps_the_faster(monkeypatch):
    x = T.dvector("x")
    f = tfgraph.function([x], (x * 3).sum(), **traced())
    executable = f.executable
    assert executable.trial is not None and not executable.settled
    used = []
    run = executable._run
    monkeypatch.setattr(executable, "_run", lambda tensors, single: (
        used.append(single), run(tensors, single))[1])
    # The single-threaded calls are made to look slower: the default is kept.
    clock = iter(range(10 ** 6))
    monkeypatch.setattr("tfgraph.compile.executables.time.perf_counter",
                        lambda: next(clock) * (3 if used and used[-1] else 1))
    values = [float(f(np.full(3, float(k)))) for k in range(2 * one_thread.Trial.CALLS + 2)]
    assert values == [9.0 * k for k in range(len(values))]
    assert used == [False, True] * (one_thread.Trial.CALLS + 1)
    assert executable.settled and executable.one_thread is False
    f(np.ones(3))
    assert used[-1] is False


def test_the_trial_decides_by_the_medians():
    def decision(single_seconds, default_seconds):
        trial, decided = one_thread.Trial(), None
        for _ in range(2 * one_thread.Trial.CALLS + 2):
            single = trial.next_single()
            decided = trial.record(single, single_seconds if single else default_seconds)
        return decided
    assert decision(1.0, 2.0) is True
    assert decision(2.0, 1.0) is False
