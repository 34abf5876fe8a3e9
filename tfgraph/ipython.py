"""tfgraph in IPython and Jupyter: ``%load_ext tfgraph``.

Loading the extension, before anything imports ``theano``:

- installs the ``theano`` alias for the kernel (``tfgraph.install_theano_alias``), so a
  notebook written for Theano runs with its own ``import theano`` lines;
- adds ``%tfgraph_graph f``, which draws a compiled function's TensorFlow graph in the
  notebook (tfgraph/graph_plot.py);
- loads TensorBoard's own notebook extension, so that ``%tensorboard --logdir DIR`` shows
  TensorBoard in the notebook, reading the event files ``tfgraph.tensorboard`` writes;

and says so in one line. ``import tfgraph`` alone never imports IPython: tfgraph's
``load_ipython_extension`` imports this module when IPython asks for it.

A kernel shows under the running cell whatever is written to file descriptor 2, so the
lines TensorFlow's C++ runtime logs as it runs would show there too: four lines when XLA
first compiles (``f.loop`` uses it), and, for every graph call that fails, the error that
Python then raises anyway. As tfgraph does for TensorFlow's import (tfgraph/_tf.py), the
extension, in a kernel, drops exactly those lines for the kernel's life and lets every
other line through; ``TF_CPP_MIN_LOG_LEVEL=0`` shows them all.
"""
import contextlib
import os
import shutil
import sys

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import Image, display

from tfgraph._tf import StderrFilter, _filtering, tf
from tfgraph.graph_plot import graph_png
from tfgraph.tensorboard import write_graph
from tfgraph.theano_alias import install_theano_alias

TENSORBOARD_EXTENSION = "tensorboard"
RUNTIME_NOISE = (
    r"service\.cc:\d+\] XLA service 0x[0-9a-f]+ initialized for platform",
    r"service\.cc:\d+\]\s+StreamExecutor \[\d+\]",
    r"dump_mlir_util\.cc:\d+\] disabling MLIR crash reproducer",
    r"device_compiler\.h:\d+\] Compiled cluster using XLA",
    r"local_rendezvous\.cc:\d+\] Local rendezvous is aborting",
    r"^\s+\[\[\{\{node [^}]+\}\}\]\]\s*$",  # the node named under such an error
)
_runtime_filter = []  # the process's one filter, kept active while the kernel runs


@magics_class
class TfgraphMagics(Magics):

    @magic_arguments()
    @argument("function", help="a compiled function (any expression giving one: f, net.train)")
    @argument("--depth", type=int, default=1,
              help="name-scope levels per box: 1 (default) is TensorBoard's first view; "
                   "2 opens every scope one level, as a double-click in TensorBoard does")
    @argument("--logdir", default=None,
              help="also write the graph for TensorBoard, as the run LOGDIR/FUNCTION "
                   "(then: %%tensorboard --logdir LOGDIR)")
    @line_magic
    def tfgraph_graph(self, line):
        """Draw the TensorFlow graph of a compiled function here, one box per name scope.

        A picture rather than TensorBoard's interactive view: it shows at once, stays in the
        saved notebook and is shown wherever the notebook is read, trusted or not, with no
        server running. Its boxes are those TensorBoard's Graphs tab opens with (each
        top-level name scope collapsed; tfgraph names the scopes after the variables of the
        user's graph, so they read like the code), with the dtype and shape of the inputs,
        shared variables and outputs, the op of each single-op box, and the variable each
        update assigns. For the interactive view, add ``--logdir DIR`` and run
        ``%tensorboard --logdir DIR``.
        """
        args = parse_argstring(self.tfgraph_graph, line)
        try:
            function = self.shell.ev(args.function)
        except Exception as error:  # noqa: BLE001  (any error of the user's expression)
            raise UsageError(f"%tfgraph_graph: cannot evaluate {args.function!r}: "
                             f"{type(error).__name__}: {error}") from None
        try:
            png = graph_png(function, depth=args.depth)
        except (TypeError, ValueError) as error:
            raise UsageError(f"%tfgraph_graph {args.function}: {error}") from None
        display(Image(png, format="png"))
        if args.logdir is not None:
            # One run per expression, named as the user wrote it (an unnamed function's own
            # name is where it was defined, a temporary file's name in a notebook).
            run_dir = write_graph(function, args.logdir, name=args.function)
            print(f"graph written to {run_dir}; interactive: %tensorboard --logdir {args.logdir}")


def load_ipython_extension(ipython):
    """``%load_ext tfgraph``: the alias, the magics, TensorBoard's extension; one line."""
    tfgraph = install_theano_alias()
    _drop_runtime_noise(ipython)
    ipython.register_magics(TfgraphMagics)
    print(f"tfgraph {tfgraph.__version__} (TensorFlow {tf.__version__}): `import theano` now "
          f"imports tfgraph; {_load_tensorboard(ipython)}")


def _drop_runtime_noise(ipython):
    """In a kernel, start dropping RUNTIME_NOISE from file descriptor 2, once per process.
    (A terminal's IPython shows them as a script run from the terminal does.)"""
    if ipython.has_trait("kernel") and _filtering() and not _runtime_filter:
        active = contextlib.ExitStack()
        active.enter_context(StderrFilter(RUNTIME_NOISE).active())
        _runtime_filter.append(active)


def _load_tensorboard(ipython):
    """Load TensorBoard's notebook extension; what to tell the user about it."""
    try:  # None when loaded; IPython says why not in a few words or an exception
        refused = ipython.extension_manager.load_extension(TENSORBOARD_EXTENSION)
    except Exception as error:  # noqa: BLE001  (any failure: say how to load it by hand)
        refused = f"{type(error).__name__}: {error}"
    if refused not in (None, "already loaded"):
        return (f"magic %tfgraph_graph f; %tensorboard failed to load ({refused}): "
                f"try %load_ext {TENSORBOARD_EXTENSION}")
    # %tensorboard starts the program `tensorboard` found on PATH; a kernel started from
    # a virtual environment that is not activated has the one beside its Python instead.
    beside_python = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    if "TENSORBOARD_BINARY" not in os.environ and shutil.which("tensorboard") is None \
            and os.access(beside_python, os.X_OK):
        os.environ["TENSORBOARD_BINARY"] = beside_python
    return "magics %tfgraph_graph f and %tensorboard --logdir DIR."
