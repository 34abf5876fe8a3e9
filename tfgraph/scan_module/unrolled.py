"""Lowering a Scan node for a mesh: the steps unrolled in the graph.

DTensor (TF 2.21) lays out neither ``TensorArray``s (``TensorListFromTensor``,
``TensorListStack``) nor the gradient of a ``tf.while_loop``, whose
accumulators are tensor lists too (``EmptyTensorList``). A function compiled
for a mesh is traced for each set of argument shapes, so the number of steps
is known when it is traced: each step's graph is lowered once per step,
reading the sequences' steps from ``tf.unstack`` and stacking the outputs with
``tf.stack``, which DTensor lays out. One device keeps the loop (lowering.py).
"""
from tfgraph.compile.lower import all_valid
from tfgraph.scan_module.lowering import MAX_STEPS, run_step, shape_change_text, shape_checks
from tfgraph._tf import tf


def lower_scan_unrolled(op, node, inputs, ctx):
    n_given, seqs, inits, shareds, implicit = op.split_outer(inputs)
    new_states, nits, _, _ = op.split_inner_outputs()
    if op.as_while:
        raise NotImplementedError(
            f"scan {op.scan_name!r} stops on a condition (until), which a function compiled "
            f"for a mesh cannot run yet: its number of steps must be known when it is traced")
    steps, length = _sequence_steps(op, node, seqs)
    n = _number_of_steps(op, node, n_given, length)
    slots = [_initial_slots(init, taps) for init, taps in zip(inits, op.state_taps)]
    initial = [state[0] for state in slots] + list(shareds)
    shared_values = list(shareds)
    stacked = [[] for _ in range(len(new_states) + len(nits))]
    truncate = op.truncate_gradient
    flags = []
    for t in range(n):
        with tf.name_scope(f"step_{t}"):
            # Gradients flow back through the last `truncate` steps only.
            frozen = truncate is not None and 0 <= truncate and t < n - truncate
            states, nit_out, shared_values, _, step_flags = run_step(
                op, ctx, [seq_steps(t) for seq_steps in steps], slots, shared_values,
                implicit, frozen)
        flags += step_flags
        slots = [state[1:] + [y] for state, y in zip(slots, states)]
        for column, y in zip(stacked, states + nit_out):
            column.append(y)
    checks = _shapes_kept(op, node, initial,
                          [state[-1] for state in slots] + list(shared_values), ctx)
    if flags:   # under XLA
        ctx.require(all_valid(flags), f"scan {op.scan_name!r}: an op of a step failed")
    with tf.control_dependencies(checks):
        return [tf.stack(column) for column in stacked] + [
            tf.identity(v) if checks else v for v in shared_values]


def _sequence_steps(op, node, seqs):
    """For each tap of each sequence, a function of the step giving its slice,
    and the number of steps the shortest sequence gives once cut for its taps
    (None without sequences). A sequence too short for one step of its taps
    raises, naming it and its taps."""
    steps, length = [], None
    for seq, var, taps in zip(seqs, node.inputs[1:], op.seq_taps):
        low, high = min(min(taps), 0), max(max(taps), 0)
        rows = _rows(seq, f"a sequence of scan {op.scan_name!r}")
        if high > low and len(rows) <= high - low:
            raise ValueError(f"scan {op.scan_name!r}: sequence {var} is too short for its "
                             f"taps {taps}, which read entries {high - low} apart: one step "
                             f"needs {high - low + 1} entries, it has {len(rows)}")
        cut = max(len(rows) - (high - low), 0)
        length = cut if length is None else min(length, cut)
        for k in taps:
            start = k - low
            if op.go_backwards:  # each tap's slice reversed, as in the loop
                steps.append(lambda t, rows=rows, first=start + cut - 1: rows[first - t])
            else:
                steps.append(lambda t, rows=rows, first=start: rows[first + t])
    return steps, length


def _rows(tensor, what, count=None):
    """``tensor``'s entries along its first dimension, as a list of tensors
    (``tf.unstack``: DTensor lays out its gradient, not that of ``x[t]``)."""
    size = tensor.shape[0] if tensor.shape.rank else None
    if size is None:
        raise NotImplementedError(
            f"{what} has no static length; on a mesh, scan unrolls its steps and needs it")
    return tf.unstack(tensor)[:count]


def _number_of_steps(op, node, n_given, length):
    """The number of steps, known at trace time, checked by Theano's rules."""
    name = op.scan_name
    if not op.n_steps_given:
        n = length
    else:
        n = tf.get_static_value(n_given)
        if n is None:
            raise NotImplementedError(
                f"scan {name!r}: its n_steps is computed when the function runs; on a mesh, "
                f"scan unrolls its steps and needs their number when the function is traced")
        n = int(n)
        if n < 0:
            raise IndexError(f"scan {name!r} was asked to run for a negative number of steps "
                             f"(n_steps out of range): {n}")
        if length is None and n > MAX_STEPS:
            raise ValueError(f"scan {name!r}: n_steps {n} is larger than the {MAX_STEPS} "
                             f"steps a scan can run")
        if length is not None and length < n:
            raise ValueError(f"scan {name!r}: a sequence is shorter than the required number "
                             f"of steps (n_steps {n}, length of the sequence once cut for its "
                             f"taps {length})")
    if n == 0:
        raise ValueError(f"scan {name!r} has no step to run (0 steps): scan needs at least "
                         f"one step, as Theano's")
    return n


def _shapes_kept(op, node, initial, final, ctx):
    """The loop's check (lowering.shape_checks) that each state and updated
    shared variable ends with the shape of its initial value; shapes known
    when the steps are unrolled (all of them, on a mesh) are checked then."""
    n_state, n_seq = len(op.state_taps), len(op.seq_taps)
    outer = node.inputs[1 + n_seq:1 + n_seq + n_state + op.n_shared]
    for k, (var, start, end) in enumerate(zip(outer, initial, final)):
        if start.shape.is_fully_defined() and end.shape.is_fully_defined() and \
                start.shape != end.shape:
            raise ValueError(f"{shape_change_text(op.scan_name, k < n_state, k, var)} "
                             f"{end.shape.as_list()} after the last step, but a state keeps "
                             f"the shape of its initial value, {start.shape.as_list()}")
    return shape_checks(op, node, initial, final, ctx)


def _initial_slots(init, taps):
    """As the loop's: ``[init]`` for taps ``[-1]``, else the first
    ``-min(taps)`` entries of ``init``."""
    if taps == [-1]:
        return [init]
    return _rows(init, "an initial state with several taps", -min(taps))
