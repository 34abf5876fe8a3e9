"""Running a traced graph's ops on the calling thread.

TensorFlow's default executor hands each ready op of a function to its
inter-op thread pool. For the small ops of a typical training step, the
hand-off costs more than the op: measured here on 2 cores, the seed's step
took 213 us a call with the default executor and 170 us with the
single-threaded one; the tutorial's MLP step 362 and 324 us. The
single-threaded executor runs the ops in order on the thread that calls;
each kernel still uses the intra-op threads (a large product is as parallel
as before).

It refuses some graphs when it first builds them: control flow (a scan, an
``ifelse``, an assertion's guard), collectives, and graphs whose ops sit on
more than one device (their partitions talk through send and receive ops).
``runs_on_one_thread`` keeps those, and graphs calling back into Python, on
the default executor: a Python op that called a TensorFlow function would
otherwise run that function on one thread too.
"""
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
except ImportError:  # pragma: no cover - other TensorFlow versions
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


def call_on_one_thread(call, *args):
    """``call(*args)`` with the function calls it makes run by the
    single-threaded executor; the thread's options are restored after."""
    options = _call_options()
    previous = options.executor_type
    options.executor_type = SINGLE_THREADED
    try:
        return call(*args)
    finally:
        options.executor_type = previous
