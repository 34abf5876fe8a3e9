"""TensorBoard for tfgraph: the graph of a compiled function, and training summaries.

Graphs::

    f = tfgraph.function([x], cost, updates=updates, name="train")
    tfgraph.tensorboard.write_graph(f, "logs")      # writes logs/train/events.out.tfevents...

Scalars and histograms while training::

    with tfgraph.tensorboard.SummaryLogger("logs/run1") as log:
        log.graph(f)
        for step in range(steps):
            log.scalars(step, cost=f(data))
            log.histograms(step, [W, b])

Then look at them with::

    tensorboard --logdir logs

and open http://localhost:6006 (Graphs tab for graphs; Scalars, Histograms and
Distributions tabs for summaries). Every subdirectory of ``--logdir`` holding event files
shows up as one run.
"""
import os
import re
from collections.abc import Mapping

from tfgraph._tf import tf

__all__ = ["SummaryLogger", "write_graph"]


def _graph_of(function):
    """The tf.Graph (or GraphDef) behind a compiled Function or a TensorFlow function."""
    if isinstance(function, (tf.Graph, tf.compat.v1.GraphDef)):
        return function
    concrete = getattr(function, "concrete_function", function)
    if not isinstance(concrete, tf.types.experimental.ConcreteFunction):
        if not hasattr(concrete, "get_concrete_function"):
            raise TypeError(
                f"expected a compiled tfgraph Function, a tf.function or a ConcreteFunction, "
                f"got {type(function).__name__}")
        # Only a tf.function with an input_signature has a single concrete function.
        concrete = concrete.get_concrete_function()
    return concrete.graph


def _run_name(name):
    """A run name safe to use as one directory name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "function"


def write_graph(function, logdir, name=None):
    """Write the graph of `function` so TensorBoard's Graphs tab shows it.

    `function` is a compiled `tfgraph.function(...)`, a `tf.function` with an
    `input_signature`, a ConcreteFunction, a `tf.Graph` or a `GraphDef`.

    TensorBoard shows one graph per run (directory), so each function gets its own run:
    the event file goes to ``logdir/name``, where `name` defaults to the compiled
    Function's `name`; with neither, it goes to `logdir` itself. Returns that directory;
    view it with ``tensorboard --logdir <logdir>``.
    """
    if name is None and hasattr(function, "concrete_function"):
        # Only a tfgraph Function's name is the user's; TensorFlow's are generated.
        name = function.name
    logdir = os.fspath(logdir)
    run_dir = os.path.join(logdir, _run_name(name)) if name else logdir
    with SummaryLogger(run_dir) as log:
        log.graph(function)
    return run_dir


class SummaryLogger:
    """Scalars, histograms and graphs for TensorBoard, written to one event directory.

    A thin layer over `tf.summary.create_file_writer`::

        with SummaryLogger("logs/run1") as log:
            log.scalars(step, cost=c, error=e)
            log.histograms(step, [W, b])   # one histogram per shared variable

    View with ``tensorboard --logdir logs``.
    """

    def __init__(self, logdir):
        self.logdir = os.fspath(logdir)  # TensorFlow takes str, not pathlib.Path
        self._writer = tf.summary.create_file_writer(self.logdir)

    def scalar(self, tag, value, step):
        with self._writer.as_default():
            tf.summary.scalar(tag, value, step=step)

    def scalars(self, step, **values):
        """Log each keyword as a scalar: ``log.scalars(step, cost=0.3, error=0.1)``."""
        with self._writer.as_default():
            for tag, value in values.items():
                tf.summary.scalar(tag, value, step=step)

    def histograms(self, step, shared_variables):
        """Log a histogram of each shared variable's value, tagged with its name.

        Unnamed variables are tagged by position (`shared_0`, `shared_1`, ...) and repeated
        names get a suffix (`W`, `W_1`), so passing the same list every step keeps the
        tags stable. A dict ``{tag: variable}`` chooses the tags instead; a '/' in a tag
        groups it in TensorBoard (``{"layer0/W": W0, "layer1/W": W1}``).
        """
        if isinstance(shared_variables, Mapping):
            tags, shared_variables = list(shared_variables), list(shared_variables.values())
        else:
            shared_variables = list(shared_variables)
            tags = _tags(shared_variables)
        with self._writer.as_default():
            for tag, var in zip(tags, shared_variables):
                value = var.get_value() if hasattr(var, "get_value") else var
                tf.summary.histogram(tag, value, step=step)

    def graph(self, function):
        """Write the graph of `function` (see `write_graph`). TensorBoard shows one graph
        per run: a second call here replaces the first in the Graphs tab."""
        with self._writer.as_default():
            tf.summary.graph(_graph_of(function))

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _tags(variables):
    tags, seen = [], set()
    for i, var in enumerate(variables):
        base = getattr(var, "name", None) or f"shared_{i}"
        tag, n = base, 0
        while tag in seen:
            n += 1
            tag = f"{base}_{n}"
        seen.add(tag)
        tags.append(tag)
    return tags
