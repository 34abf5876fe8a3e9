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

A call that raises, for any reason, changes no shared variable and no
input default (``In(x, value=..., update=...)``, kept in a ``Container``):
updates are assigned, and new defaults stored, only after every output and
new value is computed and checked.
"""
import copy as pycopy
import os
import pickle
import sys

from tfgraph import distribute, export, persist
from tfgraph.compile import errors, executables, loop as loops, transaction
from tfgraph.compile.container import Container, InputStorage
from tfgraph.compile.definition import Definition
from tfgraph.graph import MissingInputError, UnusedInputError
from tfgraph.compile.errors import LoweringFailed
from tfgraph.compile.inputs import Arguments, In, Param, is_container
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
                    on_unused_input=on_unused_input or config.on_unused_input,
                    rebuild_strict=rebuild_strict)


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
                 on_unused_input="raise", rebuild_strict=True):
        self.name = name
        self.mode = get_mode(mode)
        self.definition = Definition(name, inputs, outputs, updates, givens,
                                     no_default_updates, allow_input_downcast, on_unused_input,
                                     rebuild_strict)
        self.definition.arguments["mode"] = mode
        self.inputs = self.definition.inputs
        self.outputs, self.updates = self.definition.outputs, self.definition.updates
        self.containers = [_container_of(spec) for spec in self.inputs]
        self.arguments = Arguments(name, self.inputs, self.containers)
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
        # In(x, update=...): a call reads and stores defaults, holding their locks too.
        self._updated_inputs = self.definition.updated_inputs
        self._locks = self.program.locks if not self._updated_inputs else transaction.lock_order(
            [*self.program.shared_variables, *(t for t, _ in self.program.updates)],
            [c for spec, c in zip(self.inputs, self.containers) if spec.has_default])
        self.value = InputStorage(name, self.inputs, self.containers, values=True)
        self.container = InputStorage(name, self.inputs, self.containers, values=False)

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
        if self._updated_inputs:
            with transaction.interrupts_deferred():  # the defaults stored, or none
                return self.definition.unpack(transaction.holding(
                    self._locks, self._run_storing, args, kwargs))
        tensors = self.arguments.tensors(args, kwargs)
        # serializable, and a lock is never left held: see compile.transaction
        results = transaction.holding(self.program.locks, self._run, tensors)
        return self.definition.unpack(self._caller_values(results))

    def _caller_values(self, results):
        """The caller's value of each result (outputs, then In updates' values)."""
        return [convert(r) for convert, r in zip(self._from_graph, results)]

    def _run_storing(self, args, kwargs):
        """A call of a function with ``In(x, update=...)`` inputs: the outputs,
        after storing each update's value as its input's default, only if
        everything succeeded."""
        values = self._caller_values(self._run(self.arguments.tensors(args, kwargs)))
        n = len(self.outputs)
        for position, value in zip(self._updated_inputs, values[n:]):
            self.containers[position].storage[0] = value
        return values[:n]

    # --- input defaults: f[x], f[x] = value, f.value, f.container ---------------------

    def __getitem__(self, key):
        return self.value[key]

    def __setitem__(self, key, value):
        self.value[key] = value

    def __contains__(self, key):
        return key in self.value

    def _run(self, tensors):
        try:
            return self.executable(tensors)
        except Exception as error:  # noqa: BLE001  (translated, or re-raised as is)
            errors.raise_translated(error, self.program, tensors)

    def loop(self, n_steps=None, *args, sliced=False, jit_compile=None):
        """Run this function ``n_steps`` times in one graph call and return each
        output stacked over steps; ``sliced=True`` takes step i's arguments from
        slice i of stacked arrays. See ``tfgraph.compile.loop``."""
        self._refuse_input_updates("loop")
        return loops.loop(self, n_steps, *args, sliced=sliced, jit_compile=jit_compile)

    def _refuse_input_updates(self, what):
        if self._updated_inputs:
            raise NotImplementedError(
                f"function {self.name!r}: {what} of a function with In(..., update=...) "
                f"inputs ({', '.join(str(self.inputs[p]) for p in self._updated_inputs)}) "
                f"is not supported; keep such state in a shared variable with updates=")

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
        return Function(self._copied_inputs(delete_updates), arguments["outputs"],
                        mode=arguments["mode"],
                        updates=updates, givens=givens, no_default_updates=True,
                        name=name or self.name,
                        allow_input_downcast=arguments["allow_input_downcast"],
                        on_unused_input=on_unused_input,
                        rebuild_strict=arguments.get("rebuild_strict", True))

    __copy__ = copy

    def _copied_inputs(self, delete_updates=False):
        """The inputs of a copy, as Theano's ``Function.copy`` makes them: a
        default given as a container stays shared; any other default gets a
        container of its own, holding the same value if the input is not
        mutable, else the input's first default anew; ``delete_updates``
        drops the inputs' updates too."""
        copies = []
        for spec, container in zip(self.inputs, self.containers):
            spec = pycopy.copy(spec)
            if delete_updates:
                spec.update = None
            if spec.has_default and not is_container(spec.value) and not spec.mutable:
                spec.value = Container(spec.variable, [container.value], strict=spec.strict,
                                       allow_downcast=spec.allow_downcast, name=spec.name)
            copies.append(spec)
        return copies

    # --- persistence -------------------------------------------------------------

    def __reduce_ex__(self, protocol):
        """Pickle (and copy.deepcopy) as the arguments that built this function;
        loading compiles it again. See ``tfgraph.persist``."""
        state = persist.function_state(self)
        # The inputs with their containers: the defaults as they are now, and a
        # container two functions share stays shared (within one pickle).
        state["inputs"] = [_with_value(spec, container)
                           for spec, container in zip(self.inputs, self.containers)]
        return (persist.rebuild_function, (state,))

    def export_saved_model(self, path, include_updates=False, signature_name="serving_default"):
        """Write this function as a TensorFlow SavedModel at ``path``, served
        without tfgraph; see ``tfgraph.export.export_saved_model``."""
        self._refuse_input_updates("export_saved_model")
        return export.export_saved_model(self, path, include_updates=include_updates,
                                  signature_name=signature_name)

    def __repr__(self):
        return f"<tfgraph.Function {self.name!r} ({self.arguments.listing()})>"

def _container_of(spec):
    """The container of input ``spec`` (an ``In``): its value if that is a
    container (shared with the function it came from), else a new one holding
    its default, converted to the input's type (None: no default)."""
    if is_container(spec.value):
        return spec.value
    container = Container(spec.variable, [None], strict=spec.strict,
                          allow_downcast=spec.allow_downcast, name=spec.name)
    if spec.has_default:
        try:
            container.value = spec.value
        except (TypeError, ValueError) as error:
            raise type(error)(f"default value of input {spec.name or spec.variable}: "
                              f"{error}") from None
    return container


def _with_value(spec, container):
    """A copy of input ``spec`` whose value is ``container`` (a required
    input's stays None)."""
    spec = pycopy.copy(spec)
    if spec.has_default:
        spec.value = container
    return spec


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
