"""``function``: compile symbolic inputs, outputs and updates into a callable
that runs them as one TensorFlow graph and takes NumPy values by Theano's
rules.

Building and calling are apart. ``function(...)`` checks what it is asked
(``tfgraph.compile.definition``), builds a ``Program`` (the graph after givens
and rewrites, ready to lower: ``tfgraph.compile.program``) and picks one
``Executable`` for it by its mode and the XLA policy
(``tfgraph.compile.executables``, ``tfgraph.compile.xla``). A call converts
its arguments (``tfgraph.compile.inputs``), holds the locks of the shared
variables the program uses (``tfgraph.compile.transaction``), runs the
executable, and translates a failure (``tfgraph.compile.errors``).

Errors, and when they are raised:

- compiling: ``TypeError`` for inputs, outputs, updates or givens of the wrong
  kind or type; ``MissingInputError`` / ``UnusedInputError`` (both
  ``ValueError``) for a graph that needs a variable that is not an input, or
  an input it does not need.
- calling, before anything runs: ``TypeError`` for a wrong number of
  arguments, an unknown keyword, and an argument that does not convert to its
  input's type (wrong number of dimensions, a length other than 1 in a
  broadcastable dimension, an unsafe downcast, ragged or non-numeric data),
  in Theano's words: ``Bad input argument with name "x" to function "train"
  at index 0 (0-based): Wrong number of dimensions: expected 1, got 2 with
  shape (2, 2).``
- calling, while the graph runs: an ``ExecutionError`` (see
  ``tfgraph.compile.errors``): ``ExecutionIndexError`` (an ``IndexError``),
  ``ExecutionValueError`` (a ``ValueError``), ``InvalidValueError`` (a
  ``FloatingPointError``, from DebugMode), ``NanGuardError`` (an
  ``AssertionError``, from NanGuardMode), ... naming the op as ``pp`` prints
  it, the function, and the inputs the op depends on.

A call that raises, for any reason, changes no shared variable: updates are
assigned only after every output and new value is computed and checked.
"""
import os
import pickle
import sys

from tfgraph import distribute, export, persist
from tfgraph.compile import errors, executables, loop as loops, transaction
from tfgraph.compile.definition import Definition
from tfgraph.graph import MissingInputError, UnusedInputError
from tfgraph.compile.errors import LoweringFailed
from tfgraph.compile.inputs import Arguments, In, Param
from tfgraph.compile.modes import get_mode
from tfgraph.compile.program import Program
from tfgraph.config import config
from tfgraph.graph import register_evaluator
from tfgraph.shared import SharedVariable

__all__ = ["function", "Function", "In", "Param", "MissingInputError", "UnusedInputError"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(__file__))


def _caller_name():
    """Theano names an anonymous function after the line that compiled it."""
    # Walk raw frames: inspect.stack() reads every caller's source (~0.1 s).
    frame = sys._getframe(2)
    while frame is not None:
        if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "function"


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None,
             rebuild_strict=True, allow_input_downcast=None, profile=None,
             on_unused_input=None):
    """Compile a callable computing ``outputs`` from ``inputs`` and applying
    ``updates`` to shared variables, as ``theano.function``.

    ``mode`` is a name ('FAST_RUN', 'FAST_COMPILE', 'DebugMode', 'NanGuardMode')
    or a Mode object (``compile.Mode``, ``DebugMode()``, ``NanGuardMode(...)``);
    None means ``config.mode``. See ``tfgraph.compile.modes``.

    Raises ``TypeError``, ``MissingInputError`` or ``UnusedInputError`` when the
    graph cannot be compiled as asked; calling the result raises ``TypeError``
    for bad arguments and an ``ExecutionError`` (an ``IndexError``,
    ``ValueError``, ``FloatingPointError``, ...) when the graph fails while
    running, leaving every shared variable as it was (see this module's
    docstring and ``tfgraph.compile.errors``).
    """
    return Function(inputs, outputs, mode=mode, updates=updates, givens=givens,
                    no_default_updates=no_default_updates,
                    name=name or _caller_name(),
                    allow_input_downcast=allow_input_downcast,
                    on_unused_input=on_unused_input or config.on_unused_input)


class Function:
    """A compiled function. Call it with values for the inputs (positionally or
    by name); it returns NumPy arrays (SciPy matrices for sparse outputs) and
    applies its updates.

    ``program`` is what it computes, ``executable`` how it runs, ``definition``
    what built it; ``inputs`` (``In``s), ``outputs`` and ``updates`` are as
    asked (before givens and rewrites), ``mesh`` the mesh it runs on (None:
    one device)."""

    def __init__(self, inputs, outputs=None, mode=None, updates=None, givens=None,
                 no_default_updates=False, name="function", allow_input_downcast=None,
                 on_unused_input="raise"):
        self.name = name
        self.mode = get_mode(mode)
        self.definition = Definition(name, inputs, outputs, updates, givens,
                                     no_default_updates, allow_input_downcast, on_unused_input)
        self.definition.arguments["mode"] = mode
        self.inputs = self.definition.inputs
        self.outputs, self.updates = self.definition.outputs, self.definition.updates
        self.arguments = Arguments(name, self.inputs)
        self.mesh = distribute.function_mesh(name, self.definition.shared_variables)
        self.program = Program(name, self.mode, [s.variable for s in self.inputs],
                               [s.name for s in self.inputs], self.definition.graph_outputs,
                               self.definition.graph_updates,
                               platform=None if self.mesh is None else "mesh")
        self.loops = {}   # loop executables made so far: tfgraph.compile.loop
        try:
            self.executable = executables.choose(self.program, self.mesh)
        except LoweringFailed as failed:
            raise errors.refused(failed.node, failed.error, self.program) from None
        # The caller's value of each output: a writable array of its own, or what
        # the output's type makes of its tensors (a SciPy matrix).
        self._from_graph = [var.type.from_graph for var in self.program.outputs]

    # --- what others read -----------------------------------------------------------

    @property
    def shared_variables(self):
        return self.program.shared_variables

    @property
    def trace_count(self):
        """How many times the function's graph was traced (run, when eager)."""
        return self.program.trace_count

    @property
    def concrete_function(self):
        """The traced ``tf.function`` graph (None when it runs eagerly)."""
        return self.executable.concrete_function

    # --- calling ---------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        tensors = self.arguments.tensors(args, kwargs)
        # serializable, and a lock is never left held: see compile.transaction
        results = transaction.holding(self.program.locks, self._run, tensors)
        return self.definition.unpack([convert(r) for convert, r in
                                       zip(self._from_graph, results)])

    def _run(self, tensors):
        try:
            return self.executable(tensors)
        except Exception as error:  # noqa: BLE001  (translated, or re-raised as is)
            errors.raise_translated(error, self.program, tensors)

    def loop(self, n_steps=None, *args, sliced=False, jit_compile=None):
        """Run this function ``n_steps`` times in one graph call and return each
        output stacked over steps; ``sliced=True`` takes step i's arguments from
        slice i of stacked arrays. See ``tfgraph.compile.loop``."""
        return loops.loop(self, n_steps, *args, sliced=sliced, jit_compile=jit_compile)

    # --- copies ------------------------------------------------------------------

    def copy(self, share_memory=False, swap=None, delete_updates=False, name=None):
        """A new Function like this one; ``swap`` maps shared variables to others
        to use in their place, ``delete_updates`` drops the updates."""
        arguments = self.definition.arguments
        swap = dict(swap or {})
        for old, new in swap.items():
            if not isinstance(old, SharedVariable) or not isinstance(new, SharedVariable):
                raise TypeError("copy(swap=...) maps shared variables to shared variables")
            if old.type != new.type:
                raise TypeError(f"copy(swap=...): {old} ({old.type}) and {new} ({new.type}) "
                                f"differ in type")
        givens = arguments["givens"] + list(swap.items())
        updates = [] if delete_updates else [(swap.get(t, t), v) for t, v in self.updates]
        # The copy takes the same arguments, even those only the deleted updates used.
        on_unused_input = "ignore" if delete_updates else arguments["on_unused_input"]
        return Function(arguments["inputs"], arguments["outputs"], mode=arguments["mode"],
                        updates=updates, givens=givens, no_default_updates=True,
                        name=name or self.name,
                        allow_input_downcast=arguments["allow_input_downcast"],
                        on_unused_input=on_unused_input)

    # --- persistence -------------------------------------------------------------

    def __reduce_ex__(self, protocol):
        """Pickle (and copy.deepcopy) as the arguments that built this function;
        loading compiles it again. See ``tfgraph.persist``."""
        return (persist.rebuild_function, (persist.function_state(self),))

    def export_saved_model(self, path, include_updates=False, signature_name="serving_default"):
        """Write this function as a TensorFlow SavedModel at ``path``, served
        without tfgraph; see ``tfgraph.export.export_saved_model``."""
        return export.export_saved_model(self, path, include_updates=include_updates,
                                  signature_name=signature_name)

    def __repr__(self):
        return f"<tfgraph.Function {self.name!r} ({self.arguments.listing()})>"

def function_dump(filename, inputs, outputs=None, mode=None, updates=None, givens=None,
                  no_default_updates=False, accept_inplace=False, name=None,
                  rebuild_strict=True, allow_input_downcast=None, profile=None,
                  on_unused_input=None, extra_tag_to_remove=None):
    """Pickle the arguments of a ``function`` call to ``filename``, so that
    ``function(**pickle.load(f))`` compiles the same function elsewhere
    (Theano's way of sending a function to be looked at)."""
    dumped = dict(inputs=inputs, outputs=outputs, mode=mode, updates=updates, givens=givens,
                  no_default_updates=no_default_updates, accept_inplace=accept_inplace,
                  name=name, rebuild_strict=rebuild_strict,
                  allow_input_downcast=allow_input_downcast, profile=profile,
                  on_unused_input=on_unused_input)
    with open(filename, "wb") as file:
        pickle.dump(dumped, file, protocol=pickle.HIGHEST_PROTOCOL)


# Variable.eval compiles with function, and a pickled function loads as a
# Function: the graph and the pickling below know no compiler.
register_evaluator(function)
persist.register_function_class(Function)
