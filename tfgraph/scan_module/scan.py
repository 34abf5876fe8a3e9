"""``scan``: build a Scan node from a Python step function, as Theano's.

``fn`` is called once, on placeholder variables standing for one step's
slices of the sequences, the previous values of the outputs (per tap), and
the non-sequences, in that order. What it returns (outputs, an updates dict
or list of pairs, an ``until`` condition) becomes the node's inner graph.
Shared variables it updates, or that have a ``default_update``, become
loop-carried state; every other outer value its graph reads (non-sequences,
shared variables, free variables, and expressions of them alone) becomes an
implicit input, computed once before the loop.
"""
import inspect
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import (Constant, MissingInputError, TensorType, Variable, ancestors,
                           clone_replace, toposort)
from tfgraph.ops.base import as_tensor_variable, constant
from tfgraph.ops.grad import Gradient
from tfgraph.scan_module.scan_op import Scan
from tfgraph.shared import SharedVariable
from tfgraph.updates import OrderedUpdates


class until:
    """Returned by a step function (last) to stop the loop after the step at
    which ``condition`` is true (Theano's ``theano.scan_module.until``)."""

    def __init__(self, condition):
        self.condition = as_tensor_variable(condition)
        if self.condition.ndim != 0:
            raise TypeError(f"until: the condition must be a scalar, got {self.condition} "
                            f"({self.condition.type})")


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient=-1, go_backwards=False, mode=None, name=None, profile=False,
         allow_gc=None, strict=False, return_list=False):
    """Apply ``fn`` step by step over ``sequences``, feeding back outputs, as
    Theano's ``theano.scan``; returns ``(outputs, updates)``.

    ``sequences``: variables (iterated over their first axis) or dicts
    ``dict(input=x, taps=[-1, 0, 1])``. ``outputs_info``: per output, an
    initial value (fed back as tap -1), None (not fed back), or a dict with
    ``initial`` and negative ``taps``. ``non_sequences``: passed unchanged at
    every step. ``n_steps``: a number or int scalar; by default the length of
    the shortest sequence. ``fn`` receives the sequences' slices, then the
    outputs' previous values, then the non-sequences, and returns outputs,
    updates (dict or pairs), ``until(condition)``, in that order.

    ``outputs`` is one variable, or a list (always with ``return_list=True``),
    each stacked over the steps; ``updates`` is an OrderedUpdates mapping each
    shared variable the steps update to its value after the last step: pass
    it to ``function(updates=...)``. ``mode``, ``profile`` and ``allow_gc``
    are accepted for compatibility.
    """
    seqs = [_sequence_spec(s, i) for i, s in enumerate(_as_list(sequences))]
    infos = [_output_spec(o, i) for i, o in enumerate(_as_list(outputs_info))]
    non_seqs = [v if isinstance(v, Variable) else as_tensor_variable(v)
                for v in _as_list(non_sequences)]
    n_steps_var = _n_steps(n_steps, seqs)
    if truncate_gradient is None:
        truncate_gradient = -1
    truncate_gradient = int(truncate_gradient)
    if truncate_gradient == 0 or truncate_gradient < -1:
        raise ValueError(f"scan: truncate_gradient must be -1 (no truncation) or a "
                         f"positive number of steps, got {truncate_gradient}")

    seq_in = [_slice_placeholder(seq, k) for seq, taps in seqs for k in taps]
    relax = [()] * len(infos)
    for _attempt in range(2):
        state_in = [_state_placeholders(info, relax[i]) if info else []
                    for i, info in enumerate(infos)]
        args = seq_in + [p for group in state_in for p in group] + non_seqs
        condition, outputs, updates = _call(fn, args, len(seqs), state_in, non_seqs)
        if infos and len(outputs) != len(infos):
            raise ValueError("Please provide None as outputs_info for any output that does "
                             "not feed back into scan (i.e. it behaves like a map) "
                             f"(fn returned {len(outputs)} outputs, outputs_info has "
                             f"{len(infos)} entries)")
        if not infos:
            infos = [None] * len(outputs)
            relax = [()] * len(infos)
            state_in = [[] for _ in infos]
        new_relax = _check_states(infos, state_in, outputs)
        if new_relax == relax:
            break
        relax = new_relax

    updates = _with_default_updates(updates, outputs, condition)
    state_outputs = [(i, y) for i, y in enumerate(outputs) if infos[i]]
    nit_outputs = [(i, y) for i, y in enumerate(outputs) if not infos[i]]
    updated = [target for target, _ in updates]
    shared_in = [_copy_of(v, "_copy") for v in updated]
    inner_outputs = ([y for _, y in state_outputs] + [y for _, y in nit_outputs]
                     + [_update_value(t, v) for t, v in updates]
                     + ([condition] if condition is not None else []))
    if shared_in:
        inner_outputs = clone_replace(inner_outputs, dict(zip(updated, shared_in)))
    state_flat = [p for group in state_in for p in group]
    implicit_outer, implicit_in, inner_outputs = _hoist_free_values(
        inner_outputs, seq_in + state_flat + shared_in)
    if strict:
        _check_strict(implicit_outer, non_seqs)

    op = Scan(seq_in + state_flat + shared_in + implicit_in, inner_outputs,
              seq_taps=[taps for _, taps in seqs],
              state_taps=[infos[i]["taps"] for i, _ in state_outputs],
              n_nit=len(nit_outputs), n_shared=len(updated), name=name,
              go_backwards=go_backwards, truncate_gradient=truncate_gradient,
              as_while=condition is not None, n_steps_given=n_steps is not None)
    inits = [infos[i]["initial"] for i, _ in state_outputs]
    node = op.make_node(n_steps_var, *[s for s, _ in seqs], *inits, *updated,
                        *implicit_outer)
    results = [None] * len(outputs)
    for position, (i, _) in enumerate(state_outputs + nit_outputs):
        results[i] = node.outputs[position]
    finals = node.outputs[len(results):]
    new_updates = OrderedUpdates(zip(updated, finals))
    if not return_list and len(results) == 1:
        return results[0], new_updates
    if not results and not return_list:
        return None, new_updates
    return results, new_updates


# --- arguments ---------------------------------------------------------------------

def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _sequence_spec(seq, position):
    """(variable, taps) of one entry of ``sequences``."""
    if isinstance(seq, dict):
        if "input" not in seq:
            raise ValueError(f"scan: sequence {position} is a dict without 'input': {seq!r}")
        var, taps = seq["input"], seq.get("taps")
        taps = [0] if taps is None else [int(t) for t in _as_list(taps)]
    else:
        var, taps = seq, [0]
    var = as_tensor_variable(var)
    if var.ndim < 1:
        raise TypeError(f"scan: sequence {position} ({var}, {var.type}) is a scalar; a "
                        f"sequence is iterated over its first dimension")
    if not taps or len(set(taps)) != len(taps):
        raise ValueError(f"scan: the taps of sequence {position} ({var}) must be distinct "
                         f"integers, got {taps}")
    return var, taps


def _output_spec(info, position):
    """None (not fed back) or {'initial': variable, 'taps': [...]}, checked
    as Theano does."""
    if info is None:
        return None
    if isinstance(info, dict):
        if info.get("return_steps") is not None:
            raise ValueError("Using `return_steps` has been deprecated. Simply select the "
                             "entries you need using a subtensor. Scan will optimize memory "
                             "consumption, so do not worry about that.")
        initial, taps = info.get("initial"), info.get("taps")
        if initial is None and taps is not None:
            raise ValueError("If you are using slices of an output you need to provide a "
                             f"initial state for it (outputs_info[{position}]: {info!r})")
        if initial is None:
            return None
        taps = [-1] if taps is None else [int(t) for t in _as_list(taps)]
        if not taps:
            return None
        if len(set(taps)) != len(taps):
            raise ValueError(f"All the taps must be different in `outputs_info` "
                             f"(outputs_info[{position}]: taps {taps})")
        if any(t >= 0 for t in taps):
            raise ValueError(f"All the tap values must be smaller than 0. "
                             f"(outputs_info[{position}]: taps {taps})")
    else:
        initial, taps = info, [-1]
    initial = as_tensor_variable(initial)
    if taps != [-1] and initial.ndim < 1:
        raise ValueError(f"scan: outputs_info[{position}] has taps {taps}, so its initial "
                         f"value must stack the {-min(taps)} values before the first step "
                         f"along a first dimension; got {initial} ({initial.type})")
    return {"initial": initial, "taps": taps}


def _n_steps(n_steps, seqs):
    """The node's n_steps input: the given number (int64 scalar) or -1."""
    if n_steps is None:
        if not seqs:
            raise ValueError("No information about the number of steps provided. Either "
                             "provide a value for n_steps argument of scan or provide an "
                             "input sequence")
        return constant(np.int64(-1))
    if isinstance(n_steps, (numbers.Number, np.number)) and not isinstance(n_steps, Variable):
        if int(n_steps) != n_steps:
            raise ValueError(f" n_steps must be an int. got {n_steps!r}")
        if int(n_steps) < 0:
            raise IndexError(f"Scan was asked to run for negative number of step {int(n_steps)}")
        return constant(np.int64(n_steps))
    var = as_tensor_variable(n_steps)
    if not dtypes.is_discrete(var.dtype) or var.dtype == "bool" or var.ndim != 0:
        raise ValueError(f" n_steps must be an int. dtype provided is {var.dtype}"
                         + (f" (and it must be a scalar, got {var.type})" if var.ndim else ""))
    return var


# --- placeholders -------------------------------------------------------------------

def _tap_name(base, k):
    if base is None:
        return None
    return f"{base}[t]" if k == 0 else f"{base}[t{k:+d}]"


def _slice_placeholder(seq, k):
    return TensorType(seq.dtype, seq.broadcastable[1:])(name=_tap_name(seq.name, k))


def _state_placeholders(info, relaxed):
    """One placeholder per tap of an output fed back; ``relaxed`` lists the
    dimensions that must not be broadcastable (the step's result varies)."""
    initial, taps = info["initial"], info["taps"]
    pattern = initial.broadcastable if taps == [-1] else initial.broadcastable[1:]
    pattern = tuple(b and d not in relaxed for d, b in enumerate(pattern))
    return [TensorType(initial.dtype, pattern)(name=_tap_name(initial.name, k)) for k in taps]


def _copy_of(var, suffix):
    return var.type(name=f"{var.name}{suffix}" if var.name else None)


# --- calling fn -----------------------------------------------------------------------

def _call(fn, args, n_seqs, state_in, non_seqs):
    """(condition, outputs, updates) from ``fn(*args)``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        try:
            signature.bind(*args)
        except TypeError as error:
            n_states = sum(len(g) for g in state_in)
            raise TypeError(
                f"scan: fn {getattr(fn, '__name__', fn)}{signature} cannot take the "
                f"{len(args)} arguments scan passes it ({error}): {n_seqs} sequence slice(s), "
                f"then {n_states} previous output value(s) (one per tap of each output with "
                f"an initial value in outputs_info), then {len(non_seqs)} non-sequence(s), "
                f"in that order") from None
    return _parse_return(fn(*args))


def _parse_return(value):
    """Theano's reading of what a step function returns: outputs, updates,
    condition, in that order, any of them absent."""
    _check_returned(value)
    if _is_outputs(value):
        return None, [as_tensor_variable(v) for v in _as_list(value)], []
    if _is_updates(value):
        return None, [], _update_pairs(value)
    error = ValueError(f"Scan cannot parse the return value of your lambda expression, "
                       f"which is: {value!r}")
    if isinstance(value, until):
        return value.condition, [], []
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise error
    parts = list(value)
    condition = None
    if isinstance(parts[-1], until):
        condition = parts.pop().condition
    if len(parts) == 2:
        if not (_is_outputs(parts[0]) and _is_updates(parts[1])):
            if _is_updates(parts[0]) and _is_outputs(parts[1]):
                raise ValueError("The return value of the lambda function has been "
                                 "restricted. you have to always return first the outputs "
                                 "(if any), afterwards the updates (if any) and at the end "
                                 "the conclusion")
            raise error
        return condition, [as_tensor_variable(v) for v in _as_list(parts[0])], \
            _update_pairs(parts[1])
    if len(parts) == 1 and condition is not None:
        if _is_outputs(parts[0]):
            return condition, [as_tensor_variable(v) for v in _as_list(parts[0])], []
        if _is_updates(parts[0]):
            return condition, [], _update_pairs(parts[0])
    raise error


def _check_returned(value):
    ok = (lambda x: isinstance(x, (Variable, until)) or
          isinstance(x, (list, tuple)) and all(ok(y) for y in x) or
          isinstance(x, dict) and all(ok(k) and ok(v) for k, v in x.items()))
    if not ok(value):
        raise ValueError("The return value of your scan lambda expression may only be made "
                         "of lists, tuples, or dictionaries containing Theano variables (or "
                         "`theano.scan_module.until` objects for conditions). In particular "
                         "if you need to use constant values, you can use `tensor.constant` "
                         "to turn them into Theano variables.")


def _is_outputs(x):
    return isinstance(x, Variable) or (isinstance(x, (list, tuple)) and
                                       all(isinstance(y, Variable) for y in x))


def _is_updates(x):
    return isinstance(x, dict) or (isinstance(x, (list, tuple)) and all(
        isinstance(y, (list, tuple)) and len(y) == 2 for y in x))


def _update_pairs(updates):
    pairs = list(updates.items()) if isinstance(updates, dict) else [tuple(p) for p in updates]
    for target, _ in pairs:
        if not isinstance(target, SharedVariable):
            raise TypeError(f"scan: the step function returned an update of {target!r}, "
                            f"which is not a shared variable")
    return pairs


# --- checks ------------------------------------------------------------------------------

def _check_states(infos, state_in, outputs):
    """Theano's checks of each fed-back output against its initial value;
    returns, per output, the dimensions whose broadcastability the step's
    result does not keep (the placeholders are rebuilt without it)."""
    relax = []
    for i, (info, y) in enumerate(zip(infos, outputs)):
        if not info:
            relax.append(())
            continue
        initial, placeholder = info["initial"], state_in[i][0]
        if y.dtype != initial.dtype:
            raise ValueError(
                f"When compiling the inner function of scan the following error has been "
                f"encountered: The initial state (`outputs_info` in scan nomenclature) of "
                f"variable {initial} (argument number {i}) has dtype {initial.dtype}, while "
                f"the result of the inner function (`fn`) has dtype {y.dtype}. This can "
                f"happen if the inner function of scan results in an upcast or downcast. "
                f"Cast the result (e.g. .astype('{initial.dtype}')) or give the initial "
                f"state the dtype you want.")
        if y.ndim != placeholder.ndim:
            extra = "" if info["taps"] == [-1] else (
                " (with taps other than [-1], the initial state stacks the values before "
                "the first step: it has one dimension more than the result)")
            raise ValueError(
                f"When compiling the inner function of scan the following error has been "
                f"encountered: The initial state (`outputs_info` in scan nomenclature) of "
                f"variable {initial} (argument number {i}) has {initial.ndim} dimension(s), "
                f"while the corresponding variable in the result of the inner function of "
                f"scan (`fn`) has {y.ndim} dimension(s){extra}.")
        relax.append(tuple(d for d, (b, c) in enumerate(
            zip(placeholder.broadcastable, y.broadcastable)) if b and not c))
    return relax


def _with_default_updates(updates, outputs, condition):
    """The step's updates plus, for each shared variable its graph reads that
    has a ``default_update`` and no update here, that default update (as
    Theano's scan does: the update happens at every step)."""
    pairs = list(updates)
    seen = {id(t) for t, _ in pairs}
    if len(seen) != len(pairs):
        raise ValueError("scan: the step function updates a shared variable twice")
    roots = outputs + [as_tensor_variable(v) for _, v in pairs] + (
        [condition] if condition is not None else [])
    for var in ancestors(roots):
        default = getattr(var, "default_update", None)
        if isinstance(var, SharedVariable) and default is not None and id(var) not in seen:
            pairs.append((var, default))
            seen.add(id(var))
    return pairs


def _update_value(target, value):
    value = as_tensor_variable(value)
    if value.dtype != target.dtype or value.ndim != target.ndim:
        raise TypeError(
            f"scan: the step's update of shared variable {target} ({target.type}) has type "
            f"{value.type}; an update must have the type of its shared variable. Cast the "
            f"update (e.g. .astype('{target.dtype}')).")
    return value


def _hoist_free_values(outputs, placeholders):
    """Replace each outer value the inner graph reads (anything not depending
    on a placeholder, but constants) by a new placeholder: returns (outer
    values, their placeholders, the rebuilt inner outputs)."""
    # A gradient the step takes is recorded by a tape as the step computes its
    # cost: what lies between a wrt variable and the cost is computed in the
    # step from a placeholder of that variable, never hoisted.
    wrt = {id(w): w for node in toposort(outputs) if isinstance(node.op, Gradient)
           for w in node.op.split(node.inputs)[3] if not isinstance(w, Constant)}
    inside = {id(p) for p in placeholders}
    depends = inside | set(wrt)
    for node in toposort(outputs):
        if any(id(i) in depends for i in node.inputs):
            depends.update(id(o) for o in node.outputs)
    depends -= set(wrt) - inside     # outer wrt variables: hoisted themselves
    free, seen = [], set()

    def consider(var):
        if id(var) not in depends and not isinstance(var, Constant) and id(var) not in seen:
            seen.add(id(var))
            free.append(var)
    for node in toposort(outputs):
        if id(node.outputs[0]) in depends:
            for var in node.inputs:
                consider(var)
    for var in outputs:
        consider(var)
    copies = [_copy_of(v, "_copy") for v in free]
    if free:
        outputs = clone_replace(outputs, dict(zip(free, copies)))
    return free, copies, outputs


def _check_strict(free, non_seqs):
    allowed = {id(v) for v in non_seqs}
    # As Theano 1.0 (scan.py, step 5.6): strict concerns shared variables
    # only; other free variables become implicit non_sequences either way. A
    # non_sequence may be an expression (Lasagne passes concatenated
    # weights): what it is computed from is the caller's business.
    for var in ancestors(free, blockers=non_seqs):
        if isinstance(var, SharedVariable) and id(var) not in allowed:
            raise MissingInputError(
                f"scan (strict=True): the step function uses {var} ({var.type}), which is "
                f"not among the non_sequences.\nPlease pass this variable to the scan's inner "
                f"function. Do not forget to also pass it to the `non_sequences` attribute "
                f"of scan.")
