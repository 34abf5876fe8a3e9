"""Calls, loops and snapshots over any number of shared variables: the locks
of a call are taken without recursion (tfgraph.compile.transaction.holding)."""
import sys
import threading

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile import transaction

from test_interrupt_points import interrupt_at_every_point, on_one_thread_from_now

pytestmark = pytest.mark.usefixtures("python_sigint")  # tests/conftest.py


def _depth():
    frame, n = sys._getframe(1), 0
    while frame is not None:
        frame, n = frame.f_back, n + 1
    return n


def test_holding_takes_100000_locks_without_recursion_and_releases_them_all():
    locks = tuple(threading.RLock() for _ in range(100_000))
    base = _depth()
    seen = {}

    def action(a, b):
        seen["depth"] = _depth() - base
        seen["owned"] = sum(lock._is_owned() for lock in locks[::997])
        return a + b

    assert transaction.holding(locks, action, 2, 3) == 5
    assert seen["depth"] <= 4                    # holding, _holding_many, action
    assert seen["owned"] == len(locks[::997])    # every lock held during the action
    assert not any(lock._is_owned() for lock in locks)


def test_holding_many_locks_releases_them_when_the_action_fails():
    locks = tuple(threading.RLock() for _ in range(500))

    def failing():
        raise ValueError("inside")

    try:
        transaction.holding(locks, failing)
    except ValueError as error:
        assert str(error) == "inside"
    else:
        raise AssertionError("the action's error was lost")
    assert not any(lock._is_owned() for lock in locks)


def test_holding_many_locks_excludes_another_thread_until_done():
    locks = tuple(threading.RLock() for _ in range(200))
    entered, release = threading.Event(), threading.Event()
    order = []

    def slow():
        entered.set()
        release.wait(10)
        order.append("first")

    worker = threading.Thread(target=transaction.holding, args=(locks, slow))
    worker.start()
    entered.wait(10)
    # Another thread wanting only the last lock waits for the whole action.
    other = threading.Thread(target=transaction.holding,
                             args=(locks[-1:], lambda: order.append("second")))
    other.start()
    other.join(0.2)
    assert order == []
    release.set()
    worker.join(10)
    other.join(10)
    assert order == ["first", "second"]


class _StackOf:
    """``with _StackOf(frames):`` lets the code inside use only ``frames`` more
    Python frames (the recursion limit lowered to that): a call whose locks
    took frames in proportion to its shared variables would fail."""

    def __init__(self, frames):
        self.frames = frames

    def __enter__(self):
        self.limit = sys.getrecursionlimit()
        sys.setrecursionlimit(_depth() + self.frames)

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.limit)


def test_calls_and_loops_of_a_function_over_many_shared_variables_use_no_frame_per_lock():
    # 600 one-element weights, a third of the 3,100 that overflowed Python's
    # default stack, within a stack of 150 frames.
    x = T.dvector("x")
    weights = [theano.shared(np.array([1.0 + 1e-4 * k]), name=f"w{k}") for k in range(600)]
    y = x * T.stack(weights).prod()
    scale = float(np.prod([1.0 + 1e-4 * k for k in range(600)]))
    f = theano.function([x], y.sum(), updates=[(weights[0], weights[0] * 2.0)])
    np.testing.assert_allclose(f(np.ones(2)), 2 * scale)        # traced
    np.testing.assert_allclose(f.loop(1, np.ones(2)), [4 * scale])
    with _StackOf(150):
        np.testing.assert_allclose(f(np.ones(2)), 8 * scale)
        out = f.loop(2, np.ones(2))
    np.testing.assert_allclose(out, [16 * scale, 32 * scale])
    assert weights[0].get_value()[0] == 32.0
    assert not any(w.lock._is_owned() for w in weights)


def test_an_interrupt_at_any_point_of_a_many_lock_call_leaves_no_lock_held():
    # Just past the nested fast paths: the looping path, walked point by point.
    n = transaction.NESTED_LOCKS + 2
    counters = [theano.shared(np.int64(0), name=f"c{k}") for k in range(n)]
    f = theano.function([], [], updates=[(c, c + 1) for c in counters])
    f()
    on_one_thread_from_now(f)

    def applied():
        values = {int(c.get_value()) for c in counters}
        return values.pop() if len(values) == 1 else None

    interrupt_at_every_point(f, applied, counters, 1)
