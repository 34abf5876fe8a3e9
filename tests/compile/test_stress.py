"""Stress: calls and loops in every mode, from several threads, with random
Ctrl-C (``_thread.interrupt_main`` from a timer) and failing calls mixed in.

After each round every shared variable must hold a value some serial order of
the calls would give: each completed call applied in full, each failed call
not at all, each interrupted call in full or not at all. Function j adds 1
to its own counter ``cnt[j]`` (``steps`` per loop call), 1 to every element
of its own 20,000-element vector, and 1 << (10 * j) to a ``total`` all
functions share, so a partial update, a lost one or a torn one shows.

The interrupts are raised while the main thread is inside a call (from its
first line to its return); outside calls the harness ignores them, because
its own loops could be broken anywhere by one.

Runs a short version by default; ``TFGRAPH_STRESS=long`` (and optionally
``TFGRAPH_STRESS_CALLS=N``, default 10,000) runs until N calls were
interrupted or failed, and prints the counts.
"""
import _thread
import os
import random
import signal
import sys
import threading
import time

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T

pytestmark = pytest.mark.usefixtures("python_sigint")  # tests/conftest.py

STEPS = 5          # steps per loop call
BITS = 10          # bits of `total` per function: at most 1023 applied steps a round
RUNNING, OK, FAILED, INTERRUPTED = "running", "ok", "failed", "interrupted"
# Interrupts (delivered to the main thread) are raised only while it is inside
# a call: the harness's own loops are Python code an interrupt could break
# anywhere, and tfgraph's calls are what is under test.
CALLING = threading.local()   # .armed: this thread is inside a call


def _interrupt_if_armed(signum, frame):
    if getattr(CALLING, "armed", False):   # runs in the main thread: its flag
        raise KeyboardInterrupt


class Rig:
    """The shared variables and the compiled functions of the stress test."""

    def __init__(self):
        self.total = theano.shared(np.int64(0), "total")
        self.table = theano.shared(np.arange(2), "table")
        i = T.lscalar("i")
        # (mode, how it is called): calls in each mode, loops with and without XLA.
        # NanGuardMode without big_is_error: `total` is big by design.
        nan_guard = theano.compile.NanGuardMode(True, True, False)
        self.kinds = [("FAST_RUN", "call"), ("FAST_COMPILE", "call"), ("DebugMode", "call"),
                      (nan_guard, "call"), ("FAST_RUN", "xla loop"), ("FAST_RUN", "loop")]
        self.cnt, self.vec, self.functions = [], [], []
        for j, (mode, _) in enumerate(self.kinds):
            cnt = theano.shared(np.int64(0), f"cnt{j}")
            vec = theano.shared(np.zeros(20_000), f"vec{j}")
            # Fails (index 2 of a length-2 table) when i == 1 and cnt % 5 == 4,
            # so failing loops fail in a middle step.
            probe = T.minimum(self.table[i + cnt % 5 // 4], 0)   # 0, or fails
            f = theano.function([i], [], mode=mode, updates=[
                (cnt, cnt + 1 + probe), (vec, vec + 1),
                (self.total, self.total + (1 << (BITS * j)))])
            self.cnt.append(cnt)
            self.vec.append(vec)
            self.functions.append(f)

    def reset(self):
        for v in [self.total, *self.cnt, *self.vec]:
            v.set_value(np.zeros_like(v.get_value()))

    def call(self, j, i):
        kind = self.kinds[j][1]
        if kind == "call":
            self.functions[j](i)
        else:
            self.functions[j].loop(STEPS, i, jit_compile=kind == "xla loop")

    def steps(self, j):
        return 1 if self.kinds[j][1] == "call" else STEPS


def _run_one(rig, j, i, log):
    """One call, its outcome recorded in ``log`` whatever interrupts it."""
    entry = [j, RUNNING]
    log.append(entry)
    try:
        try:
            CALLING.armed = True   # from here on, an interrupt is the call's
            rig.call(j, i)
            entry[1] = OK
        except IndexError:
            entry[1] = FAILED
        finally:
            CALLING.armed = False
    except KeyboardInterrupt:
        if entry[1] == RUNNING:
            entry[1] = INTERRUPTED


def _worker(rig, seed, calls, log):
    rng = random.Random(seed)
    for _ in range(calls):
        _run_one(rig, rng.randrange(len(rig.kinds)), rng.randrange(2), log)


def _interrupter(stop, stopped, rng, max_delay):
    while not stop.wait(rng.uniform(0, max_delay)):
        _thread.interrupt_main()
    stopped.set()


def _absorb_interrupts(seconds):
    """Let an interrupt already sent land here."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        try:
            time.sleep(0.001)
        except KeyboardInterrupt:
            pass


def run_round(rig, seed, calls, workers=2, max_delay=0.02):
    """One round; the counts of outcomes and the corruptions found."""
    # A process started in the background ignores SIGINT, and then
    # interrupt_main() does nothing: have a Python handler for the round.
    previous = signal.signal(signal.SIGINT, _interrupt_if_armed)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _finalizers_lose_interrupts(previous_hook)
    try:
        return _round(rig, seed, calls, workers, max_delay)
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook


def _finalizers_lose_interrupts(previous_hook):
    """An unraisable-exception hook that drops KeyboardInterrupts. A Ctrl-C
    landing in a finalizer or weakref callback (TensorFlow runs some during
    calls) cannot propagate: Python reports it and goes on, and that Ctrl-C
    is lost. The harness's interrupts land there too; they are not errors of
    the calls under test, so they are dropped rather than reported (pytest's
    own hook, interrupted in turn, would fail the test)."""
    def hook(unraisable):
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            return
        armed, CALLING.armed = getattr(CALLING, "armed", False), False  # report it whole
        try:
            previous_hook(unraisable)
        finally:
            CALLING.armed = armed
    return hook


def _round(rig, seed, calls, workers, max_delay):
    rig.reset()
    rng = random.Random(seed)
    main_log, worker_logs = [], [[] for _ in range(workers)]
    threads = [threading.Thread(target=_worker, args=(rig, seed * 100 + w, calls // 2, log))
               for w, log in enumerate(worker_logs)]
    stop, stopped = threading.Event(), threading.Event()
    timer = threading.Thread(target=_interrupter, args=(stop, stopped, rng, max_delay))
    for t in threads:
        t.start()
    done, timing = 0, False
    try:
        while True:
            try:
                if not timing:
                    timing = True
                    timer.start()   # its first interrupt may land in here
                while done < calls:
                    _run_one(rig, rng.randrange(len(rig.kinds)), rng.randrange(2), main_log)
                    done += 1
                break
            except KeyboardInterrupt:
                pass   # landed between calls
    finally:
        stop.set()
    # Thread.join and is_alive are not safe to interrupt (an interrupt there
    # can leave a thread looking alive for ever): wait on flags first.
    while not stopped.is_set():
        _absorb_interrupts(0.01)
    _absorb_interrupts(0.05)
    timer.join()
    for t in threads:
        t.join()
    return _verify(rig, main_log + [e for log in worker_logs for e in log])


def _verify(rig, log):
    counts = {OK: 0, FAILED: 0, INTERRUPTED: 0, "calls": len(log)}
    corruptions = []
    expected_total = 0
    for j in range(len(rig.kinds)):
        # A call still "running" was interrupted before its try: block.
        outcomes = [INTERRUPTED if status == RUNNING else status for k, status in log if k == j]
        for status in outcomes:
            counts[status] += 1
        ok, interrupted = outcomes.count(OK), outcomes.count(INTERRUPTED)
        steps = rig.steps(j)
        applied = int(rig.cnt[j].get_value())
        vec = rig.vec[j].get_value()
        name = f"{getattr(rig.kinds[j][0], 'name', rig.kinds[j][0])} {rig.kinds[j][1]}"
        if applied % steps or not ok * steps <= applied <= (ok + interrupted) * steps:
            corruptions.append(f"{name}: counter {applied} with {ok} completed and "
                               f"{interrupted} interrupted calls of {steps} steps")
        if not np.all(vec == applied):
            corruptions.append(f"{name}: vector holds {sorted(set(vec.tolist()))[:5]}, "
                               f"counter {applied}")
        expected_total += applied << (BITS * j)
    if int(rig.total.get_value()) != expected_total:
        corruptions.append(f"total {int(rig.total.get_value()):#x} where the counters "
                           f"say {expected_total:#x}")
    return counts, corruptions


def test_stress_short():
    rig = Rig()
    counts, corruptions = run_round(rig, seed=1, calls=40)
    assert corruptions == []
    assert counts[OK] > 0 and counts[FAILED] > 0 and counts[INTERRUPTED] > 0


def main(target):
    rig = Rig()
    totals = {OK: 0, FAILED: 0, INTERRUPTED: 0, "calls": 0}
    corruptions, seed, start = [], 0, time.perf_counter()
    while totals[FAILED] + totals[INTERRUPTED] < target:
        seed += 1
        counts, found = run_round(rig, seed, calls=150)
        for key in totals:
            totals[key] += counts[key]
        corruptions += found
        print(f"round {seed}: {counts}, corruptions so far {len(corruptions)}", flush=True)
    print(f"{totals['calls']} calls: {totals[OK]} completed, {totals[INTERRUPTED]} "
          f"interrupted, {totals[FAILED]} failed; {len(corruptions)} corruptions; "
          f"{time.perf_counter() - start:.0f} s")
    for text in corruptions:
        print("CORRUPTION:", text)
    return corruptions


if os.environ.get("TFGRAPH_STRESS") == "long":
    def test_stress_long():
        assert main(int(os.environ.get("TFGRAPH_STRESS_CALLS", "10000"))) == []
