"""``function``: compile symbolic inputs, outputs and updates into one
``tf.function`` graph, and call it with NumPy values by Theano's rules.

Errors, and when they are raised:

- compiling: ``TypeError`` for inputs, outputs, updates or givens of the wrong
  kind or type (an update whose type differs from its shared variable's);
  ``MissingInputError`` / ``UnusedInputError`` (both ``ValueError``) for a
  graph that needs a variable that is not an input, or an input it does not
  need.
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
import re
import sys
import time
import warnings

import numpy as np

from tfgraph import devices, distribute
from tfgraph.compile import errors, transaction
from tfgraph.compile.fastcall import FastCall
from tfgraph.compile.lower import (Lowering, graph_value, input_spec, output_converter,
                                   scope_name)
from tfgraph.compile.modes import Checks, get_mode
from tfgraph.compile.rewrite import rewrite
from tfgraph.compile.transaction import ensure_fits
from tfgraph.compile.xla_choice import XlaChoice, may_choose
from tfgraph.config import config
from tfgraph.graph import Constant, TensorType, Variable, ancestors, clone_replace, toposort
from tfgraph.ops.base import as_tensor_variable
from tfgraph.scan_module.scan_op import Scan
from tfgraph.shared import SharedVariable
from tfgraph._tf import tf


class MissingInputError(ValueError):
    """The graph needs a variable that is neither an input nor given."""


class UnusedInputError(ValueError):
    """An input is not needed to compute the outputs or updates."""


class In:
    """An input with options: a ``name`` for keyword calls, a default ``value``,
    and its own ``strict``/``allow_downcast`` conversion rules."""

    _NO_VALUE = object()

    def __init__(self, variable, name=None, value=_NO_VALUE, update=None, mutable=False,
                 strict=False, allow_downcast=None, autoname=True, implicit=False,
                 borrow=False, shared=False):
        if not isinstance(variable, Variable):
            raise TypeError(f"In() takes a symbolic variable, got {variable!r}")
        if update is not None:
            raise NotImplementedError("In(update=...) is not supported; use a shared "
                                      "variable and function(updates=...) instead")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.strict, self.allow_downcast = strict, allow_downcast

    @property
    def has_default(self):
        return self.value is not In._NO_VALUE

    def __getstate__(self):
        # The no-default marker is this module's object: pickle the fact, not it.
        state = dict(self.__dict__)
        if not self.has_default:
            del state["value"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("value", In._NO_VALUE)


class Param(In):
    """Theano's older spelling of ``In``, with ``default=`` for the value."""

    def __init__(self, variable, default=In._NO_VALUE, name=None, mutable=False,
                 strict=False, allow_downcast=None, implicit=None, borrow=None):
        super().__init__(variable, name=name, value=default, strict=strict,
                         allow_downcast=allow_downcast)


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


def _pairs(mapping, what):
    if mapping is None:
        return []
    if isinstance(mapping, dict):
        return list(mapping.items())
    pairs = list(mapping)
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"{what} must be a dict or a list of (variable, value) pairs, "
                            f"got an item {pair!r}")
    return [tuple(p) for p in pairs]


class Function:
    """A compiled function. Call it with values for the inputs (positionally or
    by name); it returns NumPy arrays and applies its updates."""

    def __init__(self, inputs, outputs=None, mode=None, updates=None, givens=None,
                 no_default_updates=False, name="function", allow_input_downcast=None,
                 on_unused_input="raise"):
        self.name = name
        self.mode = get_mode(mode)
        self._spec = dict(inputs=inputs, outputs=outputs, mode=mode, updates=updates,
                          givens=givens, no_default_updates=no_default_updates,
                          allow_input_downcast=allow_input_downcast,
                          on_unused_input=on_unused_input)
        if on_unused_input not in ("raise", "warn", "ignore"):
            raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore', "
                             f"got {on_unused_input!r}")
        self.inputs = self._check_inputs(inputs, allow_input_downcast)
        self.outputs, self._unpack = self._check_outputs(outputs)
        self._output_converters = [output_converter(v.type) for v in self.outputs]
        # Default updates of shared variables that the outputs, updates or
        # givens' values use (a random draw given for an input, say).
        given_values = [v for _, v in _pairs(givens, "givens") if isinstance(v, Variable)]
        self.updates = self._check_updates(_pairs(updates, "updates"), no_default_updates,
                                           given_values)
        graph_outputs, graph_updates = self._apply_givens(_pairs(givens, "givens"))
        graph_outputs, graph_updates = _rewritten(graph_outputs, graph_updates)
        self._graph_outputs = graph_outputs
        self._graph_updates = graph_updates
        # What the graph computes: the outputs, then the new values of the updates.
        self._targets = graph_outputs + [v for _, v in graph_updates]
        self._check_graph(on_unused_input)
        self.trace_count = 0
        self._checks = Checks(self.name)
        self._build()
        self.mesh = distribute.place(self)  # on a mesh, calls go through its runner
        if self.mesh is not None:
            self._xla_choice = None

    # --- compile-time checks --------------------------------------------------

    def _check_inputs(self, inputs, allow_input_downcast):
        if isinstance(inputs, (Variable, In)):
            raise TypeError(f"function {self.name!r}: inputs must be a list, got {inputs!r}; "
                            f"write [{inputs}]")
        specs = []
        for position, item in enumerate(inputs):
            spec = item if isinstance(item, In) else (
                In(item) if isinstance(item, Variable) else None)
            if spec is None:
                raise TypeError(f"function {self.name!r}: input {position} is not a symbolic "
                                f"variable: {item!r}")
            var = spec.variable
            if isinstance(var, SharedVariable):
                raise TypeError(
                    f"function {self.name!r}: cannot use shared variable {var} as explicit "
                    f"input {position}; shared variables are implicit inputs. To feed "
                    f"another value, substitute it with givens=")
            if isinstance(var, Constant):
                raise TypeError(f"function {self.name!r}: input {position} is a constant "
                                f"({var}); constants cannot be inputs")
            if var.owner is not None and not isinstance(item, In):
                pass  # An intermediate variable as input cuts the graph there.
            if any(s.variable is var for s in specs):
                raise ValueError(f"function {self.name!r}: variable {var} is given twice "
                                 f"as an input")
            if spec.allow_downcast is None:
                spec.allow_downcast = allow_input_downcast
            specs.append(spec)
        # Several inputs may share a name (Lasagne's layers all call theirs
        # 'input'), as in Theano; passing such a name by keyword raises.
        return specs

    def _check_outputs(self, outputs):
        if outputs is None:
            return [], lambda values: []
        if isinstance(outputs, dict):
            keys = list(outputs)
            variables = [_as_variable(outputs[k]) for k in keys]
            return variables, lambda values: dict(zip(keys, values))
        if isinstance(outputs, (list, tuple)):
            return [_as_variable(o) for o in outputs], list
        return [_as_variable(outputs)], lambda values: values[0]

    def _check_updates(self, pairs, no_default_updates, given_values=()):
        updates, seen = [], set()
        for target, value in pairs:
            if not isinstance(target, SharedVariable):
                raise TypeError(f"function {self.name!r}: update target {target!r} is not "
                                f"a shared variable")
            if id(target) in seen:
                raise ValueError(f"function {self.name!r}: shared variable {target} is "
                                 f"updated twice")
            seen.add(id(target))
            value = _as_variable(value)
            updates.append((target, _check_update_type(target, value, self.name)))
        if no_default_updates is not True:
            skip = {id(v) for v in (no_default_updates or [])}
            for var in ancestors(self.outputs + [v for _, v in updates] + list(given_values)):
                default = getattr(var, "default_update", None)
                if default is not None and id(var) not in seen and id(var) not in skip:
                    updates.append((var, _check_update_type(var, default, self.name)))
        return updates

    def _apply_givens(self, givens):
        replace = {}
        for key, value in givens:
            if not isinstance(key, Variable) or isinstance(key, Constant):
                raise TypeError(f"function {self.name!r}: givens keys must be symbolic "
                                f"variables, got {key!r}")
            value = _as_variable(value)
            # As Theano: the same type, or one that converts to it (broadcastable
            # wherever the key is); a row may not stand for a matrix.
            if not _converts(value, key):
                raise TypeError(
                    f"function {self.name!r}: givens replaces {key} ({key.type}) by "
                    f"{value} ({value.type}): Cannot convert Type {value.type} (of Variable "
                    f"{value}) into Type {key.type}. You can try to manually convert "
                    f"{value} into a {key.type}.")
            replace[key] = value
        targets = self.outputs + [v for _, v in self.updates]
        replaced = clone_replace(targets, replace) if replace else targets
        n = len(self.outputs)
        return replaced[:n], list(zip([t for t, _ in self.updates], replaced[n:]))

    def _check_graph(self, on_unused_input):
        inputs = [s.variable for s in self.inputs]
        needed = ancestors(self._targets, blockers=inputs)
        needed_ids = {id(v) for v in needed}
        input_ids = {id(v) for v in inputs}
        for var in needed:
            if (var.owner is None and id(var) not in input_ids
                    and not isinstance(var, (Constant, SharedVariable))):
                user = next((n.outputs[0] for n in (v.owner for v in needed if v.owner)
                             if any(i is var for i in n.inputs)), var)
                from tfgraph.printing import pp
                raise MissingInputError(
                    f"function {self.name!r}: the graph needs input {var} ({var.type}) to "
                    f"compute {pp(user)}, but it is not among the inputs "
                    f"[{', '.join(str(v) for v in inputs)}] and no givens= supplies it")
        for position, spec in enumerate(self.inputs):
            if id(spec.variable) not in needed_ids:
                message = (f"function {self.name!r} was asked to take input {spec.variable} at "
                           f"index {position}, but it is not part of the graph computing "
                           f"the outputs and updates. Pass on_unused_input='warn' or "
                           f"'ignore' to allow this.")
                if on_unused_input == "raise":
                    raise UnusedInputError(message)
                if on_unused_input == "warn":
                    warnings.warn(message)
        self.shared_variables = [v for v in needed if isinstance(v, SharedVariable)
                                 and id(v) not in input_ids]
        self._used_inputs = needed_ids & input_ids
        self._locks = transaction.lock_order(
            self.shared_variables + [target for target, _ in self._graph_updates])

    # --- building the graph ---------------------------------------------------

    def _signature(self):
        return [input_spec(s.variable.type, scope_name(s.name or f"input_{i}"))
                for i, s in enumerate(self.inputs)]

    def _body(self, *args):
        self.trace_count += 1
        # The device scope must be entered inside the trace to reach its ops.
        with tf.device(self.device):
            return self._lower_and_update(args)

    def _guarded_body(self, *args):
        """For XLA, which computes an op that can fail (an index out of range,
        an integer division by zero) without failing: the outputs, new values
        and the ops' validity flags computed by XLA, then, outside it, an
        assertion that the flags hold, which the assignments wait for. When
        it fails, the call runs again without XLA to raise the op's error."""
        def compute(*args):
            flags = []
            outputs, new_values = self._compute(args, flags)
            return outputs, new_values, tf.reduce_all(tf.stack(flags))

        self.trace_count += 1
        with tf.device(self.device):
            compute = tf.function(compute, jit_compile=True, autograph=False)
            outputs, new_values, valid = compute(*args)
            marker = self._checks.mark("XLA", None, "validity")
            check = tf.debugging.Assert(valid, [marker], name="xla_validity")
            with tf.control_dependencies(tf.nest.flatten([check] + outputs + new_values)):
                for (target, _), value in zip(self._graph_updates, new_values):
                    target.variable.assign(value)
                return tf.nest.map_structure(tf.identity, outputs)

    def _lower_and_update(self, args, validity=None):
        outputs, new_values = self._compute(args, validity)
        # Assign only once every output and new value exists (and passed its
        # checks), so a failing call leaves every shared variable as it was.
        with tf.control_dependencies(tf.nest.flatten(outputs + new_values)):
            for (target, _), value in zip(self._graph_updates, new_values):
                target.variable.assign(value)
        return outputs

    def _compute(self, args, validity=None):
        """The outputs and the updates' new values, lowered from ``args``;
        ``validity``: a list to collect the ops' validity flags in."""
        values = {id(s.variable): t for s, t in zip(self.inputs, args)}
        for var in self.shared_variables:
            with tf.name_scope(scope_name(var.name or "shared")):
                values[id(var)] = var.variable.read_value()
        check_input = self.mode.input_checker(self._checks)
        if check_input is not None:
            for position, spec in enumerate(self.inputs):
                var = spec.variable
                if id(var) in self._used_inputs:  # a check nothing waits for could not stop updates
                    values[id(var)] = check_input(var, values[id(var)], position)
            for var in self.shared_variables:
                values[id(var)] = check_input(var, values[id(var)], None)
        lowering = Lowering(check=self._node_hook(), validity=validity)
        values = lowering.run(self._targets, values)
        for var in self._targets:
            if isinstance(var, Constant) and id(var) not in values:  # an output with no op
                values[id(var)] = tf.nest.map_structure(tf.constant,
                                                        graph_value(var.type, var.data))
        outputs = [values[id(v)] for v in self._graph_outputs]
        new_values = [ensure_fits(values[id(v)], target) for target, v in self._graph_updates]
        return outputs, new_values

    def _node_hook(self):
        """The lowering's per-node hook: the mode's checks and, when tracing, a
        record of the name scope each node is lowered in (at trace time only;
        it lets a TensorFlow error name its node)."""
        mode_check = self.mode.checker(self._checks)
        if self.mode.eager:
            return mode_check  # eager errors find their node in the traceback
        scopes = self._checks.scopes

        def check(node, outputs):
            scopes[tf.get_current_name_scope()] = node
            return outputs if mode_check is None else mode_check(node, outputs)
        check.mode_checks = mode_check is not None  # loops record their step for errors
        return check

    def _build(self):
        self.device = devices.resolve()
        self._xla_choice = self._xla = None
        with tf.device(self.device):
            if self.mode.eager:
                self._run = self._run_eagerly
                self.concrete_function = self._fast = None
                return
            setting = self.mode.use_xla()  # True, False, or None: XLA where it pays
            self._tf_function = self._traced(xla=bool(setting))
            try:
                self.concrete_function = self._tf_function.get_concrete_function()
            except (TypeError, ValueError, NotImplementedError) as error:
                clearer = self._lowering_failure(error)
                if clearer is None:
                    raise
                raise clearer from None
            self._run = self.concrete_function
            self._fast = self._fast_call(self.concrete_function)
            if not setting:
                self._plain = self.concrete_function
            if setting is None and any(isinstance(node.op, Scan) for node in
                                       toposort(self._targets)) and \
                    may_choose(self.concrete_function.graph):
                self._xla_choice = XlaChoice()  # see tfgraph.compile.xla_choice

    def _traced(self, xla):
        """This function's graph as a tf.function, with XLA or without."""
        guarded = xla and any(node.op.can_fail(node) for node in toposort(self._targets))
        return tf.function(self._guarded_body if guarded else self._body,
                           input_signature=self._signature(),
                           jit_compile=(xla and not guarded) or None, autograph=False)

    def _with_xla(self):
        """(concrete function, FastCall) of this function's graph compiled with
        XLA, for a function that chooses (built when first needed)."""
        if self._xla is None:
            with tf.device(self.device):
                concrete = self._traced(xla=True).get_concrete_function()
            self._xla = (concrete, self._fast_call(concrete))
        return self._xla

    def _fast_call(self, concrete_function):
        types = [s.variable.type for s in self.inputs]
        if any(hasattr(t, "to_graph") for t in types):
            return None  # an input of several arrays (sparse): the general path converts it
        return FastCall(concrete_function, types)

    def _is_xla_validity_error(self, error):
        marked = errors.check_marker(error.message)
        return marked is not None and marked[0] < len(self._checks.entries) and \
            self._checks.entries[marked[0]].mode == "XLA"

    def _without_xla(self):
        """This function's graph traced without XLA (built when first needed)."""
        if getattr(self, "_plain", None) is None:
            with tf.device(self.device):
                self._plain = self._traced(xla=False).get_concrete_function()
        return self._plain

    def _run_eagerly(self, *args):
        # Compute everything, then assign: an exception before or during the
        # assignments leaves every shared variable as it was. Ctrl-C waits for
        # the end of the call, whose assignments are many separate steps.
        with transaction.interrupts_deferred(), tf.device(self.device):
            self.trace_count += 1
            updated = [target.variable for target, _ in self._graph_updates]
            before = transaction.snapshot(updated)
            outputs, new_values = self._compute([tf.nest.map_structure(tf.convert_to_tensor, a)
                                                 for a in args])
            transaction.assign_all(updated, new_values, before)
            return outputs

    # --- calling ---------------------------------------------------------------

    def _bind(self, args, kwargs):
        n = len(self.inputs)
        if len(args) > n:
            raise TypeError(f"function {self.name!r} takes {n} argument(s) "
                            f"({self._input_list()}), got {len(args)}")
        values = list(args) + [In._NO_VALUE] * (n - len(args))
        for key, value in kwargs.items():
            positions = [i for i, s in enumerate(self.inputs) if s.name == key]
            if len(positions) > 1:
                raise TypeError(f"function {self.name!r}: ambiguous name {key!r}: inputs "
                                f"{positions} all have it; pass them by position")
            position = positions[0] if positions else None
            if position is None:
                raise TypeError(f"function {self.name!r} got an unexpected keyword argument "
                                f"{key!r}; its inputs are {self._input_list()}")
            if values[position] is not In._NO_VALUE:
                raise TypeError(f"function {self.name!r} got multiple values for input "
                                f"{key!r} (index {position})")
            values[position] = value
        for position, (spec, value) in enumerate(zip(self.inputs, values)):
            if value is In._NO_VALUE:
                if not spec.has_default:
                    raise TypeError(f"function {self.name!r}: missing input "
                                    f"{spec.name or spec.variable} at index {position}; "
                                    f"its inputs are {self._input_list()}")
                values[position] = spec.value
        return values

    def _input_list(self):
        return ", ".join(str(s.name or s.variable) for s in self.inputs)

    def _convert(self, values):
        arrays = []
        for position, (spec, value) in enumerate(zip(self.inputs, values)):
            try:
                type_ = spec.variable.type
                arrays.append(graph_value(type_, type_.filter(
                    value, strict=spec.strict, allow_downcast=spec.allow_downcast)))
            except (TypeError, ValueError) as error:
                name = spec.name or spec.variable
                raise type(error)(f"Bad input argument with name \"{name}\" to function "
                                  f"\"{self.name}\" at index {position} (0-based): "
                                  f"{error}") from None
        return arrays

    def __call__(self, *args, **kwargs):
        tensors = self._fast.tensors(args) if self._fast is not None and not kwargs else None
        if tensors is None:
            arrays = self._convert(self._bind(args, kwargs))
        else:
            arrays = args
        # serializable, and a lock is never left held: see compile.transaction
        results = transaction.holding(self._locks, self._call_held, tensors, arrays)
        # writable arrays (or sparse matrices), the caller's own
        return self._unpack([convert(r) for convert, r in zip(self._output_converters, results)])

    def _call_held(self, tensors, arrays):
        if self._xla_choice is not None:
            return self._call_choosing(self._xla_choice, tensors, arrays)
        return self._call_with(self._run, self._fast, tensors, arrays)

    def _call_choosing(self, choice, tensors, arrays):
        """A call of a function that chooses XLA by measurement, timed."""
        key = tuple(tuple(a.shape) for a in (arrays if tensors is None else tensors))
        use_xla = choice.use_xla(key)
        run, fast = self._with_xla() if use_xla else (self._run, self._fast)
        start = time.perf_counter()
        results = self._call_with(run, fast, tensors, arrays)
        if self._xla_choice is not None:  # (None: XLA could not compile it)
            choice.record(key, use_xla, time.perf_counter() - start)
        return results

    def _call_with(self, run, fast, tensors, arrays):
        try:
            try:
                return run(*arrays) if tensors is None else fast(tensors)
            except tf.errors.InvalidArgumentError as error:
                if self._is_xla_validity_error(error):
                    return self._without_xla()(*arrays)  # raises the op's own error
                if not _xla_could_not_compile(error) or self.mesh is not None:
                    raise
                # Nothing ran. Without XLA, the call raises the op's own error
                # (inputs XLA's fixed shapes reject: a scan of no steps, shapes
                # that do not broadcast), or it runs: then TensorFlow runs what
                # XLA cannot compile, and this function goes on without XLA.
                results = self._without_xla()(*arrays)
                self._run, self._fast = self._plain, self._fast_call(self._plain)
                self._xla_choice = None
                return results
        except Exception as error:  # noqa: BLE001  (translated, or re-raised as is)
            self._reraise(error, arrays)

    # --- errors while running ----------------------------------------------------

    def _reraise(self, error, arrays):
        """Raise, for ``error`` from running the graph (being handled by the
        caller), what the user sees: KeyboardInterrupt for an interrupt
        TensorFlow reported its own way, else the translated error, else
        ``error`` itself."""
        if transaction.interrupted(error):
            raise KeyboardInterrupt from None
        translated = self._translate(error, arrays)
        if translated is None:
            raise error
        raise translated from None

    def _translate(self, error, arrays):
        """The ExecutionError to raise for ``error`` from running the graph,
        or None to re-raise it as it is."""
        node = _node_in_traceback(error)
        if isinstance(error, (TypeError, NotImplementedError)):
            return self._lowering_failure(error)  # eager: as when tracing
        if isinstance(error, tf.errors.OpError):
            message = error.message
        elif isinstance(error, ValueError) and node is not None:
            message = str(error)  # eager TensorFlow's own shape checks
        else:
            return None
        marked = errors.check_marker(message)
        if marked is not None and marked[0] < len(self._checks.entries):
            cls, headline, node, subject = self._check_failure(
                self._checks.entries[marked[0]], marked[1], message)
        else:
            text = errors.essential(message)
            cls = errors.error_class(error, text)
            tf_name = errors.tf_node_name(message)
            if node is None and tf_name is not None:
                node = self._node_of_scope(tf_name)
            where = (f"{_describe(node.outputs[0])} in " if node is not None else
                     f"TensorFlow node {tf_name!r} in " if tf_name is not None else "")
            headline = f"{where}function \"{self.name}\": {text.rstrip('.')}."
            subject = node.outputs[0] if node is not None else None
        from tfgraph.scan_module.report import failed_steps_text
        headline = headline[:-1] + failed_steps_text(self._targets) + "."
        context = "" if headline.startswith("Bad input") else self._inputs_text(subject, arrays)
        translated = cls(headline + context)
        translated.function, translated.node, translated.tf_error = self.name, node, error
        return translated

    def _lowering_failure(self, error):
        """For ``error`` raised inside TensorFlow while lowering a node (a kernel
        or shape check refusing what the graph asks), the same kind of error
        saying which op of which function; None for any other error."""
        node = _node_in_traceback(error)
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if node is None or tb is None or f"{os.sep}tensorflow{os.sep}" not in \
                tb.tb_frame.f_code.co_filename:
            return None
        kinds = [k for k in (TypeError, NotImplementedError, ValueError) if isinstance(error, k)]
        types = ", ".join(str(v.type) for v in node.inputs)
        text = str(error).strip().split("\n")[0]
        clearer = kinds[0](f"function \"{self.name}\": TensorFlow cannot compute "
                           f"{_describe(node.outputs[0])} (op {node.op} on {types}): {text}")
        clearer.tf_error, clearer.node = error, node
        return clearer

    def _check_failure(self, check, flags, message):
        """(error class, headline, node, subject) for a failed mode check."""
        var, name = check.subject, self.name
        node = var.owner
        found = [label for label, flag in zip(check.labels, flags) if flag]
        if check.mode == "DebugMode":
            cls = errors.InvalidValueError
            if check.what == "shape":
                shape = tuple(int(n) for n in re.findall(r"-?\d+", message.split(
                    errors.MARKER.format(self._checks.entries.index(check)))[-1])[:var.ndim])
                dims = [d for d, b in enumerate(var.broadcastable) if b]
                return cls, (f"DebugMode: the output of {_describe(var)} has shape {shape}, "
                             f"but its type {var.type} says dimensions {dims} have length 1, "
                             f"in function \"{name}\"."), node, var
            if not found:
                found = [w for w in ("NaN", "Inf") if w in message.split("Tensor had")[-1]] \
                    or ["NaN or Inf"]
            return cls, (f"DebugMode: {' and '.join(found)} in the output of {_describe(var)}, "
                         f"in function \"{name}\"."), node, var
        cls = errors.NanGuardError
        what = " and ".join(found or check.labels) + " detected"
        if check.what == "input":
            return cls, (f"Bad input argument with name \"{self.inputs[check.position].name or var}"
                         f"\" to function \"{name}\" at index {check.position} (0-based): "
                         f"NanGuardMode: {what}."), None, var
        if check.what == "shared":
            return cls, (f"NanGuardMode: {what} in shared variable {var}, read by function "
                         f"\"{name}\"."), None, var
        return cls, (f"NanGuardMode: {what} in the output of {_describe(var)}, in function "
                     f"\"{name}\"."), node, var

    def _node_of_scope(self, tf_name):
        """The node lowered in the longest recorded name scope containing the
        TensorFlow node ``tf_name``."""
        best, node = -1, None
        for scope, candidate in self._checks.scopes.items():
            if (tf_name == scope or tf_name.startswith(scope + "/")) and len(scope) > best:
                best, node = len(scope), candidate
        return node

    def _inputs_text(self, subject, arrays):
        """The inputs and shared variables ``subject`` depends on, with values."""
        if subject is None:
            needed = None
        else:
            inputs = [s.variable for s in self.inputs]
            needed = {id(v) for v in ancestors([subject], blockers=inputs)}
        lines = []
        for position, (spec, value) in enumerate(zip(self.inputs, arrays)):
            if needed is None or id(spec.variable) in needed:
                value = output_converter(spec.variable.type)(value)  # the caller's value
                lines.append(f"{spec.name or spec.variable} (index {position}): {_summary(value)}")
        for var in self.shared_variables:
            if needed is not None and id(var) in needed:
                lines.append(f"shared {var}: {_summary(var.get_value(borrow=True))}")
        if not lines:
            return ""
        return "\nInputs it depends on: " + "; ".join(lines)

    def loop(self, n_steps=None, *args, sliced=False, jit_compile=None):
        """Run this function ``n_steps`` times in one graph call and return each
        output stacked over steps; ``sliced=True`` takes step i's arguments from
        slice i of stacked arrays. See ``tfgraph.compile.loop``."""
        from tfgraph.compile.loop import loop
        return loop(self, n_steps, *args, sliced=sliced, jit_compile=jit_compile)

    # --- copies ------------------------------------------------------------------

    def copy(self, share_memory=False, swap=None, delete_updates=False, name=None):
        """A new Function like this one; ``swap`` maps shared variables to others
        to use in their place, ``delete_updates`` drops the updates."""
        spec = dict(self._spec)
        swap = dict(swap or {})
        for old, new in swap.items():
            if not isinstance(old, SharedVariable) or not isinstance(new, SharedVariable):
                raise TypeError("copy(swap=...) maps shared variables to shared variables")
            if old.type != new.type:
                raise TypeError(f"copy(swap=...): {old} ({old.type}) and {new} ({new.type}) "
                                f"differ in type")
        givens = _pairs(spec["givens"], "givens") + list(swap.items())
        updates = [] if delete_updates else [(swap.get(t, t), v) for t, v in self.updates]
        # The copy takes the same arguments, even those only the deleted updates used.
        on_unused_input = "ignore" if delete_updates else spec["on_unused_input"]
        return Function(spec["inputs"], spec["outputs"], mode=spec["mode"], updates=updates,
                        givens=givens, no_default_updates=True,
                        name=name or self.name,
                        allow_input_downcast=spec["allow_input_downcast"],
                        on_unused_input=on_unused_input)

    # --- persistence -------------------------------------------------------------

    def __reduce_ex__(self, protocol):
        """Pickle (and copy.deepcopy) as the arguments that built this function;
        loading compiles it again. See ``tfgraph.persist``."""
        from tfgraph import persist
        return (persist.rebuild_function, (persist.function_state(self),))

    def export_saved_model(self, path, include_updates=False, signature_name="serving_default"):
        """Write this function as a TensorFlow SavedModel at ``path``, served
        without tfgraph; see ``tfgraph.export.export_saved_model``."""
        from tfgraph.export import export_saved_model
        return export_saved_model(self, path, include_updates=include_updates,
                                  signature_name=signature_name)

    def __repr__(self):
        return f"<tfgraph.Function {self.name!r} ({self._input_list()})>"


def _rewritten(outputs, updates):
    """Outputs and updates with the compile-time rewrites applied (stable
    forms; see tfgraph.compile.rewrite)."""
    targets = rewrite([*outputs, *(v for _, v in updates)])
    n = len(outputs)
    return targets[:n], [(t, v) for (t, _), v in zip(updates, targets[n:])]


def _node_in_traceback(error):
    """The node being lowered when ``error`` was raised (eager runs), or None."""
    node, tb = None, error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "_lower_node" and "node" in frame.f_locals:
            node = frame.f_locals["node"]
        tb = tb.tb_next
    return node


def _describe(var, limit=200):
    """``var`` as ``pp`` prints it, or, if that is long, its op applied to
    short forms of its inputs."""
    from tfgraph.printing import pp
    if var.owner is None or len(ancestors([var])) <= 60:
        text = pp(var)
        if len(text) <= limit:
            return text
    node = var.owner
    args = []
    for v in node.inputs:
        text = pp(v) if v.owner is None or len(ancestors([v])) <= 20 else ""
        args.append(text if text and len(text) <= 40 else (v.name or f"<{v.type}>"))
    text = node.op.pp(node, args)
    return text if len(text) <= 2 * limit else text[:2 * limit] + "..."


def _summary(value):
    """A short account of an argument's value."""
    array = np.asarray(value)
    if array.size <= 10:
        text = (re.sub(r"\s*\n\s*", " ", np.array2string(array, separator=", "))
                if array.ndim else repr(array.item()))
    else:
        text = f"{array.dtype} array of shape {array.shape}"
        if array.dtype.kind in "fc":
            nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
            text += "".join(f", {n} {w}" for n, w in ((nan, "NaN"), (inf, "Inf")) if n)
    return text


def _as_variable(x):
    """``x`` if symbolic (a tensor, a sparse matrix, ...), else a tensor constant of it."""
    return x if isinstance(x, Variable) else as_tensor_variable(x)


def _converts(value, target):
    """Whether ``value`` can stand for ``target``: the same dtype and ndim, and
    broadcastable wherever ``target`` is (Theano's convert_variable)."""
    if not (isinstance(value.type, TensorType) and isinstance(target.type, TensorType)):
        return value.type == target.type  # other types (sparse matrices): only the same one
    return value.dtype == target.dtype and value.ndim == target.ndim and not any(
        t and not v for t, v in zip(target.broadcastable, value.broadcastable))


def _check_update_type(target, value, function_name):
    if not _converts(value, target):
        raise TypeError(
            f"function {function_name!r}: an update must have the same type as the shared "
            f"variable it replaces: {target} is {target.type} but its update {value} is "
            f"{value.type}. Cast the update (e.g. .astype('{target.dtype}')) or give the "
            f"shared variable the type you want.")
    return value


def _xla_could_not_compile(error):
    """Whether ``error`` is XLA failing to compile a graph (before running any of it)."""
    return "tf2xla conversion failed" in (error.message or "")
