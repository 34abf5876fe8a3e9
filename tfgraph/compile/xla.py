"""The one XLA policy: whether a graph is compiled with XLA
(``jit_compile=True``).

Everything that may compile with XLA asks ``setting``: a function's calls, its
``loop``, and, through the lowering (``ctx.xla``), the scans and random
draws inside it. The answer comes from, in order of precedence:

1. an explicit request: ``f.loop(..., jit_compile=True/False)``;
2. the mode: ``Mode(jit_compile=True/False)``; FAST_COMPILE runs eagerly and
   the checking modes (DebugMode, NanGuardMode, MonitorMode) never use XLA,
   since XLA drops assertions and cannot call back into Python;
3. ``config.xla`` (``--xla``/``--noxla``, ``TFGRAPH_FLAGS=xla=...``): true,
   false, or unset ("auto").

Auto means: a function *measures* (``Choice`` below), per input shape; a
loop uses XLA, since a loop of small steps is where XLA pays most (each
chunk size compiles once). A graph XLA cannot compile (an op that calls
back into Python) runs without it whatever the setting.

Why measure rather than pick: XLA fuses a graph into few kernels, which cuts a
small step's call by a third or more (the seed's training step: 92 us with
XLA against 142 us without, here), and compiles a scan's loop, forward and
backward, into one kernel (the sentiment tutorial's LSTM: 0.72x the time).
But it compiles again for every input shape (0.1 to 2 s each), and its
large float32 matrix products are slower than oneDNN's (0.8x); an RNN of
batch 128 and 256 units took 2.06x the time with it. So, per input shape:

1. run without XLA until that shape's calls (but the first, which may pay
   one-time costs) have taken longer than one compilation (taken to be 1 s
   until one has been measured), so a shape met a few times never pays for
   one;
2. then run with XLA: the first call compiles, the next ones are timed, at
   least ``TRIALS`` of them and ``TRIAL_SECONDS`` in all (a tiny step's
   calls are many: their medians hold against the machine's noise);
3. from then on run the way that was faster for that shape: the median of
   those calls against the median of the last ``WINDOW`` calls without XLA.
   A trial call taking more than half a compilation ends the trial at once:
   XLA is compiling again (it takes values that set a shape, such as a
   minibatch's slice bounds, as constants, and compiles anew for each).

Checks are never lost: under XLA every op's run-time rule is a validity flag
(``Lowering.require``, ``Op.valid``), and a call whose flags do not all hold
assigns nothing and runs again without XLA, which raises the op's own error.
"""
import collections
import statistics

from tfgraph.config import config

TRIALS = 5             # timed calls with XLA, at least
TRIAL_SECONDS = 0.2    # and at least this long in all
WINDOW = 1001          # calls without XLA whose median is compared
FIRST_COMPILE_GUESS = 1.0  # seconds, until a compilation has been measured


def setting(mode, requested=None):
    """True (XLA), False (none) or None (auto: measure) for a graph compiled
    in ``mode``; ``requested`` is an explicit ``jit_compile`` argument."""
    if requested is not None:
        return bool(requested)
    if mode.eager:
        return False
    if mode.jit_compile is not None:
        return bool(mode.jit_compile)
    return config.xla


class _Shape:
    __slots__ = ("plain_calls", "plain_total", "plain_times", "xla_calls", "xla_times",
                 "use_xla")

    def __init__(self):
        self.plain_calls, self.plain_total = 0, 0.0
        self.plain_times = collections.deque(maxlen=WINDOW)
        self.xla_calls, self.xla_times = 0, []
        self.use_xla = None  # decided: True or False


class Choice:
    """Per input shape: which way to run the next call, and what the calls took."""

    def __init__(self):
        self.shapes = {}
        self.compile_seconds = FIRST_COMPILE_GUESS

    def settled(self):
        """Whether every input shape met so far has been decided."""
        return all(shape.use_xla is not None for shape in self.shapes.values())

    def use_xla(self, key):
        shape = self.shapes.get(key)
        if shape is None:
            shape = self.shapes[key] = _Shape()
        if shape.use_xla is not None:
            return shape.use_xla
        if shape.xla_calls:
            return True  # on trial
        return len(shape.plain_times) >= TRIALS and shape.plain_total >= self.compile_seconds

    def chosen(self, key):
        """True (XLA) or False for ``key``'s shapes once decided, else None."""
        return self.shapes[key].use_xla

    def record(self, key, used_xla, seconds):
        """A call with ``key``'s shapes took ``seconds`` (with XLA or not)."""
        shape = self.shapes[key]
        if shape.use_xla is not None:
            return
        if not used_xla:
            shape.plain_calls += 1
            if shape.plain_calls > 1:  # the first may include one-time costs
                shape.plain_total += seconds
                shape.plain_times.append(seconds)
            return
        shape.xla_calls += 1
        plain = statistics.median(shape.plain_times)
        if shape.xla_calls == 1:  # compiled, then ran
            self.compile_seconds = max(seconds - plain, 0.1)
            return
        shape.xla_times.append(seconds)
        if seconds > self.compile_seconds / 2:   # compiling again
            shape.use_xla = False
        elif len(shape.xla_times) >= TRIALS and sum(shape.xla_times) >= TRIAL_SECONDS or \
                len(shape.xla_times) >= WINDOW:
            shape.use_xla = statistics.median(shape.xla_times) < plain
