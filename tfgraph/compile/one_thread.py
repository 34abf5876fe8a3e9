"""Running a traced graph's ops on the calling thread, where that is faster.

TensorFlow's default executor hands each ready op of a function to its
inter-op thread pool. For the small ops of a typical training step, the
hand-off costs more than the op: measured here on 2 cores, the seed's step
took 213 us a call with the default executor and 170 us with the
single-threaded one; the tutorial's MLP step 362 and 324 us. The
single-threaded executor runs the ops in order on the thread that calls;
each kernel still uses the intra-op threads. But a step whose independent
ops are large (the MLP tutorial's minibatch step, with its penalties over a
784 x 500 weight matrix) is faster when those run side by side: 1.09x slower
on one thread, on a quiet machine. So a graph's calls try both (``Trial``)
and keep the faster, as the XLA policy does for XLA.

It refuses some graphs when it first builds them: control flow (a scan, an
``ifelse``, an assertion's guard), collectives, and graphs whose ops sit on
more than one device (their partitions talk through send and receive ops).
``runs_on_one_thread`` keeps those, and graphs calling back into Python, on
the default executor: a Python op that called a TensorFlow function would
otherwise run that function on one thread too.
"""
import statistics

from tfgraph._tf import tf

SINGLE_THREADED = "SINGLE_THREADED_EXECUTOR"

_CONTROL_FLOW = {"If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase",
                 "Switch", "RefSwitch", "Merge", "RefMerge", "Enter", "RefEnter", "Exit",
                 "RefExit", "NextIteration", "RefNextIteration", "LoopCond"}
_PYTHON = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}

try:  # the options TensorFlow reads for each function call, one set per thread
    from tensorflow.python.eager import context as _context

    def _call_options():
        return _context.context().function_call_options

    _context.FunctionCallOptions._executor_type   # the slot call_on_one_thread writes
except (ImportError, AttributeError):  # pragma: no cover - other TensorFlow versions
    _call_options = None


def _refused(op_type):
    return (op_type in _CONTROL_FLOW or op_type in _PYTHON or op_type.startswith("Collective")
            or op_type.startswith("Nccl") or op_type in ("_Send", "_Recv", "_HostSend",
                                                          "_HostRecv"))


def _device(name):
    """A device string's type and index ('' for none given)."""
    if not name:
        return ""
    spec = tf.DeviceSpec.from_string(name)
    return f"{spec.device_type}:{spec.device_index or 0}"


def runs_on_one_thread(concrete_function):
    """Whether the single-threaded executor can run ``concrete_function``:
    no op it refuses, in the graph or in any function the graph calls, and
    every op and captured variable on one device."""
    if _call_options is None:
        return False
    graph_def = concrete_function.graph.as_graph_def()
    nodes = list(graph_def.node)
    for function in graph_def.library.function:
        nodes.extend(function.node_def)
    if any(_refused(node.op) for node in nodes):
        return False
    devices = {_device(node.device) for node in nodes} - {""}
    devices |= {_device(t.device) for t in concrete_function.captured_inputs
                if hasattr(t, "device")} - {""}
    return len(devices) <= 1


class Trial:
    """Which executor a graph's next call uses while undecided, and the
    decision: after one untimed call with each (their first calls build the
    executors), ``CALLS`` timed calls with each, alternating; the one with
    the smaller median is kept."""

    CALLS = 5

    def __init__(self):
        self.calls = 0
        self.seconds = {True: [], False: []}   # single-threaded or not: call times

    def next_single(self):
        """Whether the next call runs on one thread."""
        return self.calls % 2 == 1

    def record(self, single, seconds):
        """Count a call; the decision (True: one thread) once made, else None."""
        self.calls += 1
        if self.calls > 2:
            self.seconds[single].append(seconds)
        if min(len(times) for times in self.seconds.values()) < self.CALLS:
            return None
        return statistics.median(self.seconds[True]) < statistics.median(self.seconds[False])


def call_on_one_thread(call, *args):
    """``call(*args)`` with the function calls it makes run by the
    single-threaded executor; the thread's options are restored after.

    Ctrl-C must not leave this thread's later TensorFlow calls on one
    thread. Python raises an interrupt where Python code starts, after a
    call into C and at a loop's jump back: so the executor type is written
    to its slot directly (a slot's store runs no Python code, where the
    property's setter could be interrupted before it stores), and the
    result is stored inside the ``try`` (a ``return`` there would run the
    restore as the first instruction after the call, outside the ``try``)."""
    options = _call_options()
    previous = options._executor_type
    try:
        options._executor_type = SINGLE_THREADED
        results = call(*args)   # kept inside the try: see above
    finally:
        options._executor_type = previous
    return results
