"""What a call of ``function(...)`` asks for, checked: its inputs, outputs,
updates (with the default updates of the shared variables it uses) and
givens, read once and kept as read, so that a ``zip`` or a generator given
for any of them serves pickling and copies as well as the first compilation.

Errors, raised here at compile time: ``TypeError`` for inputs, outputs,
updates or givens of the wrong kind or type (an update whose type differs
from its shared variable's); ``MissingInputError`` / ``UnusedInputError``
(both ``ValueError``) for a graph that needs a variable that is not an input,
or an input it does not need.
"""
import warnings

import numpy as np

from tfgraph.compile.inputs import In
from tfgraph.graph import (Constant, MissingInputError, TensorType, UnusedInputError, Variable,
                           ancestors, clone_replace)
from tfgraph.ops.base import as_tensor_variable
from tfgraph.printing import pp
from tfgraph.shared import SharedVariable, shared


class Definition:
    """A function's definition (see the module docstring).

    - ``arguments``: the arguments of ``function(...)`` as read (lists for
      every iterable), which rebuild it: pickling and ``copy`` use them;
    - ``inputs``: ``In`` for each input; ``outputs``: the output variables and
      ``unpack(values)``, giving the outputs the form they were asked in;
    - ``updates``: (shared variable, new value) pairs, default updates included;
    - ``updated_inputs``: the positions of the inputs with an ``update``;
    - ``graph_outputs``, ``graph_updates``: the same after givens, the
      outputs followed by the new values of the updated inputs;
      ``shared_variables``: the shared variables they read.
    """

    def __init__(self, name, inputs, outputs=None, updates=None, givens=None,
                 no_default_updates=False, allow_input_downcast=None,
                 on_unused_input="raise", rebuild_strict=True):
        self.name = name
        if on_unused_input not in ("raise", "warn", "ignore"):
            raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore', "
                             f"got {on_unused_input!r}")
        outputs = _read_outputs(outputs)
        updates, givens = _pairs(updates, "updates"), _pairs(givens, "givens")
        if no_default_updates is None:
            no_default_updates = False
        if not isinstance(no_default_updates, (bool, list)):  # as Theano's pfunc
            raise TypeError(f"function {name!r}: no_default_updates must be a bool or a "
                            f"list of shared variables, got {no_default_updates!r}")
        self.arguments = dict(inputs=list(inputs) if not isinstance(inputs, (Variable, In))
                              else inputs, outputs=outputs, updates=updates, givens=givens,
                              no_default_updates=no_default_updates,
                              allow_input_downcast=allow_input_downcast,
                              on_unused_input=on_unused_input, rebuild_strict=rebuild_strict)
        self.inputs = self._check_inputs(inputs, allow_input_downcast)
        self.outputs, self.unpack = self._check_outputs(outputs)
        # In(x, update=expr): expr's value is computed as an output after the
        # function's own and stored as x's default (``updated_inputs``).
        self.updated_inputs = [p for p, spec in enumerate(self.inputs)
                               if spec.update is not None]
        input_updates = [self.inputs[p].update for p in self.updated_inputs]
        # Default updates of shared variables that the outputs, updates or
        # givens' values use (a random draw given for an input, say).
        # A value given for a variable that is not symbolic is held by a
        # shared variable, as in Theano's rebuild_collect_shared.
        givens = [(k, v if isinstance(v, Variable) else shared(v)) for k, v in givens]
        self.updates = self._check_updates(updates, no_default_updates,
                                           [v for _, v in givens] + input_updates,
                                           [k for k, _ in givens])
        self.graph_outputs, self.graph_updates = self._apply_givens(givens, input_updates,
                                                                    rebuild_strict)
        self._check_graph(on_unused_input)

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
                    f"function {self.name!r}: Cannot use a shared variable ({var}) as explicit "
                    f"input (index {position}); shared variables are implicit inputs. To "
                    f"feed another value, substitute it with givens=")
            if isinstance(var, Constant):
                raise TypeError(f"function {self.name!r}: input {position} is a constant "
                                f"({var}); constants cannot be inputs")
            if any(s.variable is var for s in specs):
                raise UnusedInputError(f"function {self.name!r}: variable {var} is given "
                                       f"twice as an input (index {position}); a value given "
                                       f"for the second would be ignored")
            if spec.allow_downcast is None:
                spec.allow_downcast = allow_input_downcast
            specs.append(spec)
        # Several inputs may share a name (Lasagne's layers all call theirs
        # 'input'), as in Theano; passing such a name by keyword raises. An
        # intermediate variable as input cuts the graph there.
        return specs

    @staticmethod
    def _check_outputs(outputs):
        if outputs is None:
            return [], lambda values: []
        if isinstance(outputs, dict):
            for key in outputs:
                if not isinstance(key, str):
                    raise OutputKeyError(f"the keys of a dict of outputs must be strings, "
                                         f"got {key!r}")
            keys = sorted(outputs)  # Theano's order of the outputs (function.py)
            variables = [as_variable(outputs[k]) for k in keys]
            return variables, lambda values: dict(zip(keys, values))
        if isinstance(outputs, list):
            return [as_variable(o) for o in outputs], list
        return [as_variable(outputs)], lambda values: values[0]

    def _check_updates(self, pairs, no_default_updates, given_values=(), given_keys=()):
        updates, seen = [], set()
        for target, value in pairs:
            if not isinstance(target, SharedVariable):
                raise TypeError(f"function {self.name!r}: update target {target!r} is not "
                                f"a shared variable")
            if id(target) in seen:
                raise ValueError(f"function {self.name!r}: shared variable {target} is "
                                 f"updated twice")
            seen.add(id(target))
            if not isinstance(value, Variable):  # a constant of the target's type
                value = Constant(target.type, target.type.filter(value))
            updates.append((target, check_update_type(target, value, self.name)))
        if no_default_updates is not True:
            # As Theano's rebuild_collect_shared: the default updates of the
            # shared variables the graph reads up to its inputs and givens' keys,
            # then of those their default updates read, and so on.
            skip = {id(v) for v in [*(no_default_updates or []), *given_keys]}
            blockers = [s.variable for s in self.inputs] + list(given_keys)
            pending = self.outputs + [v for _, v in updates] + list(given_values)
            while pending:
                found = []
                for var in ancestors(pending, blockers=blockers):
                    default = getattr(var, "default_update", None)
                    if default is not None and id(var) not in seen and id(var) not in skip:
                        seen.add(id(var))
                        default = check_update_type(var, as_variable(default), self.name)
                        updates.append((var, default))
                        found.append(default)
                pending = found
        return updates

    def _apply_givens(self, givens, input_updates=(), rebuild_strict=True):
        replace = {}
        input_ids = {id(s.variable) for s in self.inputs}
        for key, value in givens:
            if not isinstance(key, Variable) or isinstance(key, Constant):
                raise TypeError(f"function {self.name!r}: givens keys must be symbolic "
                                f"variables, got {key!r}")
            if id(key) in input_ids:  # as Theano's pfunc: replacing an input does nothing
                raise RuntimeError(
                    f"function {self.name!r}: givens replaces {key}, which is an input of the "
                    f"function; replacing an input has no effect. Make a new input y and "
                    f"give {{{key}: g(y)}}, or use theano.clone on the outputs.")
            value = as_variable(value)
            # As Theano: the same type, or one that converts to it (broadcastable
            # wherever the key is); a row may not stand for a matrix. With
            # rebuild_strict=False, any type: the graph below is built again on it.
            if rebuild_strict and not converts(value, key):
                raise TypeError(
                    f"function {self.name!r}: givens replaces {key} ({key.type}) by "
                    f"{value} ({value.type}): Cannot convert Type {value.type} (of Variable "
                    f"{value}) into Type {key.type}. You can try to manually convert "
                    f"{value} into a {key.type}.")
            replace[key] = value
        outputs = self.outputs + list(input_updates)
        targets = outputs + [v for _, v in self.updates]
        replaced = clone_replace(targets, replace) if replace else targets
        n = len(outputs)
        return replaced[:n], list(zip([t for t, _ in self.updates], replaced[n:]))

    def _check_graph(self, on_unused_input):
        inputs = [s.variable for s in self.inputs]
        targets = self.graph_outputs + [v for _, v in self.graph_updates]
        needed = ancestors(targets, blockers=inputs)
        needed_ids = {id(v) for v in needed}
        input_ids = {id(v) for v in inputs}
        # Unused inputs first, as Theano's FunctionMaker: an input with an
        # update is used (its default keeps state).
        for position, spec in enumerate(self.inputs):
            if id(spec.variable) not in needed_ids and spec.update is None:
                message = (f"function {self.name!r} was asked to take input {spec.variable} at "
                           f"index {position}, but it is not part of the graph computing "
                           f"the outputs and updates. Pass on_unused_input='warn' or "
                           f"'ignore' to allow this.")
                if on_unused_input == "raise":
                    raise UnusedInputError(message)
                if on_unused_input == "warn":
                    warnings.warn(message)
        for var in needed:
            if (var.owner is None and id(var) not in input_ids
                    and not isinstance(var, (Constant, SharedVariable))):
                user = next((n.outputs[0] for n in (v.owner for v in needed if v.owner)
                             if any(i is var for i in n.inputs)), var)
                raise MissingInputError(
                    f"function {self.name!r}: the graph needs input {var} ({var.type}) to "
                    f"compute {pp(user)}, but it is not among the inputs "
                    f"[{', '.join(str(v) for v in inputs)}] and no givens= supplies it")
        self.shared_variables = [v for v in needed if isinstance(v, SharedVariable)
                                 and id(v) not in input_ids]


class OutputKeyError(TypeError, AssertionError):
    """A dict of outputs with a key that is not a string: a TypeError, and
    the AssertionError Theano raised for it (code may catch either)."""


def _read_outputs(outputs):
    """``outputs`` read once: None, a variable, a dict, or a list (from any
    other iterable: a tuple, a generator, a dict view)."""
    if outputs is None or isinstance(outputs, (Variable, dict, np.ndarray)) or hasattr(
            outputs, "_as_TensorVariable") or not hasattr(outputs, "__iter__"):
        return outputs
    return list(outputs)


def _pairs(mapping, what):
    """``mapping`` (a dict, or any iterable of (variable, value) pairs: a list,
    a zip, a generator, a dict's items) read once, as a list of pairs."""
    if mapping is None:
        return []
    if isinstance(mapping, dict):
        return list(mapping.items())
    if isinstance(mapping, Variable) or not hasattr(mapping, "__iter__"):
        raise TypeError(f"{what} must be a dict or an iterable of (variable, value) pairs, "
                        f"got {mapping!r}")
    pairs = list(mapping)
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"{what} must be a dict or an iterable of (variable, value) "
                            f"pairs, got an item {pair!r}")
    return [tuple(p) for p in pairs]


def as_variable(x):
    """``x`` if symbolic (a tensor, a sparse matrix, which refuses to be taken
    for a tensor), else a tensor constant of it."""
    return x if isinstance(x, Variable) else as_tensor_variable(x)


def converts(value, target):
    """Whether ``value`` can stand for ``target``: the same dtype and ndim, and
    broadcastable wherever ``target`` is (Theano's convert_variable); of types
    other than tensors (sparse matrices), only the same type."""
    if not (isinstance(value.type, TensorType) and isinstance(target.type, TensorType)):
        return value.type == target.type
    return value.dtype == target.dtype and value.ndim == target.ndim and not any(
        t and not v for t, v in zip(target.broadcastable, value.broadcastable))


def check_update_type(target, value, function_name):
    """``value`` if it has exactly ``target``'s type (Theano's
    ``filter_variable(allow_convert=False)``: a broadcastable dimension the
    shared variable does not have is refused too), else a ``TypeError``."""
    if value.type != target.type:
        raise TypeError(
            f"function {function_name!r}: an update must have the same type as the shared "
            f"variable it replaces: {target} is {target.type} but its update {value} is "
            f"{value.type}. Cast the update (e.g. .astype('{target.dtype}')), remove a "
            f"broadcastable dimension with T.unbroadcast, or give the shared variable the "
            f"type you want.")
    return value
