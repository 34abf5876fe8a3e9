"""Ctrl-C at every point of a call, one point at a time.

Python raises ``KeyboardInterrupt`` in the main thread where its interpreter
checks for pending signals; a trace function of single opcodes sees those
places. This test counts them inside tfgraph's own code during one call, then runs the
call again once per point with an interrupt delivered exactly there (raised,
or noted by the handler when tfgraph holds interrupts back, as the signal
would be) and checks after each that no lock is left held, the SIGINT
handler is back, and every shared variable holds the value before the call
or after it, nothing in between. Random timing (``test_stress.py``) finds
such windows only by luck; this walks them all.
"""
import dis
import gc
import os
import signal
import sys

import numpy as np
import pytest
from tensorflow.python.eager import context

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile import loop as loop_module
from tfgraph.compile import transaction

pytestmark = pytest.mark.usefixtures("python_sigint")  # tests/conftest.py

PACKAGE = os.path.dirname(theano.__file__)


CALLS = {"CALL", "CALL_FUNCTION_EX"}


def _opnames(code, cache={}):  # noqa: B006  (a cache on purpose)
    if code not in cache:
        cache[code] = {i.offset: i.opname for i in dis.get_instructions(code)}
    return cache[code]


class Interrupter:
    """A trace function that counts the points in tfgraph's code where
    CPython (3.11) checks for a pending signal: entering a Python function,
    after a call into C, after a backward jump. Or, with ``at``, delivers an
    interrupt at point number ``at``."""

    def __init__(self, at=None):
        self.at, self.seen, self.delivered = at, 0, False
        self.previous = {}    # frame -> the opcode it ran last
        self.inlined = set()  # frames whose last CALL entered a Python function

    roots = (PACKAGE,)   # the code whose points count

    def __call__(self, frame, event, arg):
        if not frame.f_code.co_filename.startswith(self.roots):
            return None
        if event == "call":
            frame.f_trace_opcodes = True
            if frame.f_back in self.previous:
                self.inlined.add(frame.f_back)  # no check when it returns
            self._point(frame)
        elif event == "opcode":
            last = self.previous.get(frame)
            if last == "JUMP_BACKWARD" or (last in CALLS and frame not in self.inlined):
                self._point(frame)
            self.previous[frame] = _opnames(frame.f_code).get(frame.f_lasti)
            self.inlined.discard(frame)
        return self

    def _point(self, frame):
        self.seen += 1
        if self.seen - 1 == self.at:
            self.delivered = True
            if signal.getsignal(signal.SIGINT) is transaction._note_interrupt:
                transaction._note_interrupt(signal.SIGINT, frame)  # held back
            else:
                raise KeyboardInterrupt


def run_traced(action, tracer, collect=True):
    # The cyclic garbage collector runs finalizers (TensorFlow's deleters) at
    # moments set by earlier allocations; an interrupt delivered inside one
    # is lost by Python itself ("Exception ignored in"), not by tfgraph. With
    # it off, every run of ``action`` passes the same points. Collecting first
    # (0.15 s with TensorFlow loaded) only bounds the garbage a walk leaves.
    if collect:
        gc.collect()
    gc.disable()
    sys.settrace(tracer)
    try:
        action()
    finally:
        sys.settrace(None)
        gc.enable()


def make(mode):
    a = theano.shared(np.zeros(3), "a")
    b = theano.shared(np.int64(0), "b")
    c = theano.shared(np.ones(2), "c")
    i = T.lscalar("i")
    f = theano.function([i], a.sum() + i, mode=mode,
                        updates=[(a, a + 1), (b, b + 1), (c, c * 2)])
    return f, [a, b, c]


def consistent(shared):
    """The number of calls ``shared``'s values say were applied, or None if
    they disagree (a partial call)."""
    a, b, c = (v.get_value() for v in shared)
    n = int(b)
    ok = np.all(a == n) and np.all(c == 2.0 ** n)
    return n if ok else None


@pytest.mark.parametrize("kind", ["FAST_RUN call", "FAST_COMPILE call", "loop", "chunked loop"])
def test_an_interrupt_at_any_point_leaves_no_lock_held_and_no_partial_update(kind, monkeypatch):
    # One chunk per loop, whatever the machine's speed: the same points each run.
    # A chunked loop: steps of one each, Ctrl-C noted in one is acted on after it.
    monkeypatch.setattr(loop_module, "CHUNK_SECONDS", 1e-12 if kind == "chunked loop" else 1e9)
    monkeypatch.setattr(loop_module, "FIRST_CHUNK", 1)
    mode = "FAST_COMPILE" if kind.startswith("FAST_COMPILE") else "FAST_RUN"
    f, shared = make(mode)
    looping = kind.endswith("loop")
    action = (lambda: f.loop(3, 1, jit_compile=False)) if looping else (lambda: f(1))
    steps = 3 if looping else 1
    action()  # traced, and the lowering cached: the points of an ordinary call
    on_one_thread_from_now(f)
    interrupt_at_every_point(action, lambda: consistent(shared), shared, steps)


def on_one_thread_from_now(f):
    """Every call of ``f`` on the same executor (no trial alternating between
    two, whose calls pass different points), and on the one that changes the
    thread's TensorFlow call options: an interrupt must never leave them changed."""
    plain = getattr(f.executable, "plain", f.executable)
    if getattr(plain, "trial", None) is not None:
        plain.one_thread, plain.trial = True, None


def interrupt_at_every_point(action, applied, shared, steps):
    """Run ``action`` once for each point where an interrupt can land, with
    one delivered there, checking after each that ``applied()`` (how many
    calls the shared variables say were applied, None for a partial one)
    went up by 0 or ``steps``, that no lock of ``shared`` is left held and
    that the SIGINT handler is back."""
    counter = Interrupter()
    run_traced(action, counter)
    assert counter.seen > 10
    handler = signal.getsignal(signal.SIGINT)
    call_options = context.context().function_call_options
    executor = call_options.executor_type
    interrupted = 0
    for at in range(counter.seen):
        before = applied()
        tracer = Interrupter(at)
        try:
            run_traced(action, tracer, collect=at % 64 == 0)
        except KeyboardInterrupt:
            interrupted += 1
        assert tracer.delivered
        after = applied()
        assert after in (before, before + steps), f"point {at}: a partial update"
        assert not any(v.lock._is_owned() for v in shared), f"point {at}: a lock left held"
        assert signal.getsignal(signal.SIGINT) is handler, f"point {at}: the handler"
        assert transaction._Deferral.depth == 0
        assert call_options.executor_type == executor, f"point {at}: the executor left set"
    assert interrupted == counter.seen  # every delivered interrupt reached the caller


TENSORFLOW = os.path.dirname(theano._tf.tf.__file__)


class InterrupterEverywhere(Interrupter):
    """An Interrupter over tfgraph's code and TensorFlow's Python code: tracing
    a graph runs mostly inside TensorFlow, between its context managers'
    entries and exits, where an interrupt left its graph stack broken."""

    roots = (PACKAGE, TENSORFLOW)


def _usable(shared):
    """TensorFlow and tfgraph work after an interrupt: eager ops, reading and
    setting shared variables, compiling and calling a new function."""
    assert float(theano._tf.tf.constant(2.0) * 3) == 6.0
    values = [v.get_value() for v in shared]
    shared[0].set_value(values[0])
    x = T.dscalar("x")
    assert theano.function([x], x * 2)(4.0) == 8.0


@pytest.mark.parametrize("kind", ["compiling a function", "a loop's first use"])
def test_an_interrupt_while_tracing_is_raised_once_and_leaves_tensorflow_usable(kind):
    """Tracing holds Ctrl-C back (it lands inside TensorFlow's graph building,
    which an interrupt would leave half done) and raises it once traced."""
    samples = 8   # points spread over the whole trace: a few seconds each
    build = (lambda: make("FAST_RUN")) if kind.startswith("compiling") else None
    f, shared = make("FAST_RUN")

    def action():
        if build is not None:
            build()
        else:
            fresh, _ = make("FAST_RUN")
            fresh.loop(2, 1, jit_compile=False)
    action()  # what a first trace in this process adds (TensorFlow's caches) is not counted
    counter = InterrupterEverywhere()
    run_traced(action, counter)
    assert counter.seen > 1000
    # Later traces pass a few points fewer or more than the counted one (names
    # TensorFlow makes unique as it goes): the samples stop 0.1% short of the end.
    last = counter.seen - 1 - counter.seen // 1000
    handler = signal.getsignal(signal.SIGINT)
    for at in np.linspace(0, last, samples).astype(int):
        tracer = InterrupterEverywhere(int(at))
        raised = False
        try:
            run_traced(action, tracer)
        except KeyboardInterrupt:
            raised = True
        assert tracer.delivered, f"point {at} of {counter.seen}: not reached ({tracer.seen} passed)"
        assert raised, f"point {at}: the interrupt was lost"
        assert signal.getsignal(signal.SIGINT) is handler, f"point {at}: the handler"
        assert transaction._Deferral.depth == 0
        _usable(shared)
        before = consistent(shared)
        f(1)
        assert consistent(shared) == before + 1


def test_an_interrupt_never_leaves_the_thread_on_the_single_threaded_executor():
    """``one_thread.call_on_one_thread`` switches this thread's TensorFlow call
    options and back: an interrupt at any point, in tfgraph's code or
    TensorFlow's, leaves them as they were."""
    from tfgraph.compile import one_thread
    options = context.context().function_call_options
    before = options.executor_type

    def action():   # what runs inside is any call: its own points are not the switch's
        one_thread.call_on_one_thread(lambda: None)
    action()
    counter = InterrupterEverywhere()
    run_traced(action, counter)
    assert counter.seen >= 4   # the switch's frame, TensorFlow's context lookups
    for at in range(counter.seen):
        tracer = InterrupterEverywhere(at)
        with pytest.raises(KeyboardInterrupt):
            run_traced(action, tracer)
        assert tracer.delivered
        assert options.executor_type == before, f"point {at}: the executor left set"
