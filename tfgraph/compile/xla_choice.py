"""XLA or not, chosen by measurement: for functions with a scan, when
``config.xla`` is not set.

XLA compiles a scan's loop, forward and backward, into one kernel, where
TensorFlow's executor runs each op of each step on its own. On a 2-core CPU
(tfgraph's own measurements, training steps of 100 steps): the sentiment
tutorial's LSTM took 0.72x the time with XLA, an RNN of 32 units 0.63x, the
RBM tutorial's CD-15 step 0.86x, but an RNN of batch 128 and 256 units 2.06x
(XLA's matrix products are slower than oneDNN's). XLA also compiles once per input shape, 1 to 2 seconds each. So
such a function, for each input shape it is called with:

1. runs without XLA until its calls with that shape (but the first, which
   may pay one-time costs) have taken longer than one compilation (taken to
   be 1 s until one has been measured), so a shape met a few times never
   pays for one;
2. then runs with XLA: the first call compiles, the next ``TRIALS`` are timed;
3. from then on runs the way that was faster for that shape: the median of
   those calls against the median of its last ``TRIALS`` calls without XLA
   (medians, as the machine's load may slow any one call).

Only graphs whose checks all hold under XLA take part: XLA drops assertions,
so a graph that checks values by assertion (other than a scan's number of
steps and a random draw's parameters, which are validity flags under XLA too)
always runs without XLA, as does one that calls back into Python.
"""
import statistics

TRIALS = 5  # calls compared each way: the last ones without XLA, the first ones with it
FIRST_COMPILE_GUESS = 1.0  # seconds, until a compilation has been measured
# Names of the assertions whose conditions are also their ops' validity flags
# (Op.valid), which XLA checks though it drops assertions: a scan's number of
# steps (scan_module.lowering), a random draw's parameters (random.op).
SCAN_STEP_CHECK = "number_of_steps"
RANDOM_DRAW_CHECK = "parameter_check"
_COVERED = (SCAN_STEP_CHECK, RANDOM_DRAW_CHECK)
_CALLS_BACK = ("PyFunc", "PyFuncStateless", "EagerPyFunc")


def may_choose(graph):
    """Whether the traced ``graph`` (a FuncGraph, with the functions it calls)
    may run under XLA without losing a check: no assertion but those whose
    conditions are validity flags too, no call back into Python."""
    nodes = [(op.type, op.name) for op in graph.get_operations()]
    for fn in graph.as_graph_def().library.function:
        nodes += [(node.op, node.name) for node in fn.node_def]
    return not any(kind in _CALLS_BACK or (kind == "Assert" and not any(
        covered in name for covered in _COVERED)) for kind, name in nodes)


class _Shape:
    __slots__ = ("plain_calls", "plain_total", "plain_recent", "xla_calls", "xla_times",
                 "use_xla")

    def __init__(self):
        self.plain_calls, self.plain_total, self.plain_recent = 0, 0.0, []
        self.xla_calls, self.xla_times = 0, []
        self.use_xla = None  # decided: True or False


class XlaChoice:
    """Per input shape: which way to run the next call, and what the calls took."""

    def __init__(self):
        self.shapes = {}
        self.compile_seconds = FIRST_COMPILE_GUESS

    def use_xla(self, key):
        shape = self.shapes.get(key)
        if shape is None:
            shape = self.shapes[key] = _Shape()
        if shape.use_xla is not None:
            return shape.use_xla
        if shape.xla_calls:
            return True  # on trial
        return len(shape.plain_recent) >= TRIALS and shape.plain_total >= self.compile_seconds

    def record(self, key, used_xla, seconds):
        """A call with ``key``'s shapes took ``seconds`` (with XLA or not)."""
        shape = self.shapes[key]
        if shape.use_xla is not None:
            return
        if not used_xla:
            if shape.plain_calls == 0:  # may include one-time costs (a graph's first run)
                shape.plain_calls = 1
                return
            shape.plain_total += seconds
            shape.plain_recent = (shape.plain_recent + [seconds])[-TRIALS:]
            return
        shape.xla_calls += 1
        if shape.xla_calls == 1:  # compiled, then ran
            self.compile_seconds = max(seconds - statistics.median(shape.plain_recent), 0.1)
            return
        shape.xla_times.append(seconds)
        if len(shape.xla_times) >= TRIALS:
            shape.use_xla = (statistics.median(shape.xla_times)
                             < statistics.median(shape.plain_recent))
