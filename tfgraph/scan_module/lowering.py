"""Lowering a Scan node to one ``tf.while_loop``.

Loop variables: the step counter, the last ``-min(taps)`` values of each
state, the shared variables' current values, one ``TensorArray`` per stacked
output, and (for ``until``) whether to go on. Sequences are read from
``TensorArray``s, the implicit inputs are captured. The inner graph is
lowered in the body by a nested lowering walk (``ctx.nested()``), with the
function's mode checks, so its ops are checked step by step as any other.
Under XLA, which drops assertions, the loop carries whether every op of every
step was valid, and the scan ``require``s it with its rules on the number of
steps: its validity is data, returned with the walk's.
"""
from tfgraph.compile.lower import all_valid
from tfgraph.graph import toposort
from tfgraph.ops.base import cast_tensor
from tfgraph._tf import tf


def lower_scan(op, node, inputs, ctx):
    n_given, seqs, inits, shareds, implicit = op.split_outer(inputs)
    new_states, nits, _, condition = op.split_inner_outputs()

    slices, lengths = _sequence_slices(op, seqs)
    n = _number_of_steps(op, node, n_given, lengths, ctx)
    # A sequence longer than n steps is read whole: the loop reads its first n
    # entries, and no slice (with its gradient, a copy of the whole sequence)
    # is needed.
    seq_arrays = [tf.TensorArray(s.dtype, size=n, infer_shape=True).unstack(s)
                  for s in slices]
    slots = [_initial_slots(init, taps) for init, taps in zip(inits, op.state_taps)]
    # Stacked outputs nothing reads (an LSTM's cells) are not written at all.
    out_vars = node.outputs[:len(new_states) + len(nits)]
    used = _used(out_vars, ctx.targets)
    out_arrays = [tf.TensorArray(v.dtype, size=0 if op.as_while else n,
                                 dynamic_size=op.as_while, infer_shape=True)
                  for v, needed in zip(out_vars, used) if needed]
    recorder = _step_recorder(op, node, ctx)
    truncate = op.truncate_gradient

    # Under XLA, which computes a failing op without failing (and drops
    # assertions), the loop carries whether every step's ops were valid.
    checks_validity = ctx.xla

    def body(i, slots, shared_values, arrays, *extra):
        frozen = None
        if truncate is not None and truncate >= 0:
            frozen = i < n - truncate  # gradients flow back through the last steps only
        with tf.control_dependencies([recorder.assign(tf.cast(i, tf.int64))]
                                     if recorder is not None else []):
            states_out, nit_out, shared_out, stop, flags = run_step(
                op, ctx, [array.read(i) for array in seq_arrays], slots, shared_values,
                implicit, frozen)
        new_slots = [state[1:] + [y] for state, y in zip(slots, states_out)]
        written = [y for y, needed in zip(states_out + nit_out, used) if needed]
        arrays = [a.write(i, y) for a, y in zip(arrays, written)]
        go, ok = extra[:len(go0)], extra[len(go0):]
        if stop is not None:  # until: go on while the condition is false
            go = (tf.logical_not(tf.cast(stop, tf.bool)),)
        if checks_validity:
            ok = (all_valid(flags, ok[0]),)
        return (i + 1, new_slots, shared_out, arrays, *go, *ok)

    # The until flag and the validity flag are loop variables only for loops
    # that have them.
    go0 = (tf.constant(True),) if condition is not None else ()
    ok0 = (tf.constant(True),) if checks_validity else ()
    start = (tf.constant(0, tf.int32), slots, list(shareds), out_arrays, *go0, *ok0)

    def more(i, _slots, _shared, _arrays, *extra):
        return tf.logical_and(i < n, extra[0]) if go0 else i < n

    def loop(shape):
        invariants = (tf.TensorShape([]), [[shape(t) for t in state] for state in slots],
                      [shape(t) for t in shareds], [tf.TensorShape(None)] * len(out_arrays),
                      *[tf.TensorShape([])] * (len(go0) + len(ok0)))
        return tf.while_loop(more, body, start, shape_invariants=invariants,
                             maximum_iterations=n,
                             # Steps one at a time when recording which step fails.
                             parallel_iterations=1 if recorder is not None else 10)
    try:
        # The states keep their initial static shapes when each step keeps them:
        # TensorFlow's gradient of the step then needs fewer shape computations.
        final = loop(lambda t: t.shape)
    except ValueError as error:
        if "enters the loop with shape" not in str(error):
            raise
        final = loop(_relaxed)
    _, final_slots, shared_final, arrays = final[:4]
    kept_shapes = shape_checks(op, node, [state[0] for state in slots] + list(shareds),
                               [state[-1] for state in final_slots] + list(shared_final), ctx)
    if checks_validity:
        ctx.require(final[-1], f"scan {op.scan_name!r}: an op of a step failed")
    with tf.control_dependencies(kept_shapes):
        stacked = iter([a.stack() for a in arrays])
        shared_final = [tf.identity(v) for v in shared_final] if kept_shapes else shared_final
    outputs = [next(stacked) if needed else tf.zeros([0] * v.ndim, v.dtype)
               for v, needed in zip(out_vars, used)] + list(shared_final)
    if recorder is not None:
        with tf.control_dependencies(outputs):
            recorder.assign(tf.constant(-1, tf.int64))
    return outputs


def run_step(op, ctx, seq_values, slots, shared_values, implicit, frozen=None):
    """One step: the inner graph lowered on the sequences' slices, the states'
    slots (per state, the last ``-min(taps)`` values), the shared values and
    the implicit inputs. ``frozen``: a bool or boolean tensor, true where no
    gradient may flow back into the step. Returns (new states cast to their
    slots' dtype, nit outputs, new shared values, the until condition or None,
    the step's validity flags: [(node, flag)], under XLA)."""
    seq_in, state_in, shared_in, implicit_in = op.split_inner_inputs()
    new_states, nits, new_shared, condition = op.split_inner_outputs()
    values = {id(var): t for var, t in zip(seq_in, seq_values)}
    at = 0
    for taps, state in zip(op.state_taps, slots):
        for k in taps:
            values[id(state_in[at])] = state[len(state) + k]
            at += 1
    values.update((id(v), t) for v, t in zip(shared_in, shared_values))
    values.update((id(v), t) for v, t in zip(implicit_in, implicit))
    if frozen is True:
        values = {k: tf.stop_gradient(t) for k, t in values.items()}
    elif frozen is not None and frozen is not False:
        values = {k: tf.where(frozen, tf.stop_gradient(t), t) for k, t in values.items()}
    walk = ctx.nested()
    lowered = walk.run(op.inner_outputs, values)
    results = [_value(lowered, y) for y in op.inner_outputs]
    a, b = len(new_states), len(new_states) + len(nits)
    states = [cast_tensor(y, state[0].dtype.name) for state, y in zip(slots, results[:a])]
    return (states, results[a:b], results[b:b + len(new_shared)],
            results[-1] if condition is not None else None, walk.validity)


def _used(variables, targets):
    """For each of ``variables``, whether the graph computing ``targets``
    reads it (all, when ``targets`` is None: not known)."""
    if targets is None:
        return [True] * len(variables)
    read = {id(t) for t in targets}
    for other in toposort(targets):
        read.update(id(v) for v in other.inputs)
    return [id(v) in read for v in variables]


def _value(lowered, var):
    if id(var) in lowered:
        return lowered[id(var)]
    return tf.constant(var.data, dtype=var.dtype)  # an inner output that is a constant


def _relaxed(tensor):
    """The shape a loop variable may take across steps: its rank, any lengths."""
    return tf.TensorShape([None] * tensor.shape.rank)


def _sequence_slices(op, seqs):
    """Each sequence's slice for each of its taps (reversed for go_backwards),
    and each sequence's number of steps once cut for its taps (int64; below
    zero when its taps reach further apart than it is long)."""
    slices, lengths = [], []
    for seq, taps in zip(seqs, op.seq_taps):
        low, high = min(min(taps), 0), max(max(taps), 0)
        length = tf.shape(seq, out_type=tf.int64)[0] - (high - low)
        for k in taps:
            start = k - low
            # Tap 0 alone reads the whole sequence: no slice to make.
            piece = seq if high == low else seq[start:start + tf.maximum(length, 0)]
            slices.append(tf.reverse(piece, [0]) if op.go_backwards else piece)
        lengths.append(length)
    return slices, lengths


# The loop counts its steps in int32: more cannot be asked for.
MAX_STEPS = 2 ** 31 - 1


def _number_of_steps(op, node, n_given, lengths, ctx):
    """The number of steps (int32), required (``ctx.require``) to follow
    Theano's rules, in int64 (a number of steps too large for int32 is
    refused, not wrapped). The rules are checked in the order listed, so the
    first rule broken is the one reported; when one is broken the loop is
    given no step to run (under XLA, which drops assertions, the rules are
    validity flags and the result is void)."""
    name = op.scan_name
    sequences = node.inputs[1:1 + len(op.seq_taps)]
    rules = []  # (holds, what the error says, the values it shows)
    for length, seq, taps in zip(lengths, sequences, op.seq_taps):
        span = max(max(taps), 0) - min(min(taps), 0)
        if span:
            rules.append((length >= 1, f"scan {name!r}: sequence {seq} is too short for its "
                                       f"taps {taps}, which read entries {span} apart: one "
                                       f"step needs {span + 1} entries (the sequence's "
                                       f"length, then its taps' span):",
                          [length + span, tf.constant(span, tf.int64)]))
    if op.n_steps_given:
        n = tf.cast(n_given, tf.int64)
        rules.append((n >= 0, f"scan {name!r} was asked to run for a negative number of steps "
                              f"(n_steps out of range):", [n]))
        for length, seq in zip(lengths, sequences):
            rules.append((length >= n, f"scan {name!r}: sequence {seq} is shorter than the "
                                       f"required number of steps (n_steps, length of the "
                                       f"sequence once cut for its taps):", [n, length]))
        if not lengths:
            rules.append((n <= MAX_STEPS, f"scan {name!r}: n_steps is larger than the "
                                          f"{MAX_STEPS} steps a scan can run:", [n]))
    else:
        n = lengths[0]
        for length in lengths[1:]:
            n = tf.minimum(n, length)
    rules.append((n != 0, f"scan {name!r} has no step to run (0 steps): scan needs at least "
                          f"one step, as Theano's", []))
    checks = require_in_order(ctx, rules)
    valid = tf.reduce_all(tf.stack([holds for holds, _, _ in rules]))
    with tf.control_dependencies(checks):
        steps = tf.where(valid, tf.clip_by_value(n, 0, MAX_STEPS), tf.constant(0, tf.int64))
        return tf.cast(steps, tf.int32)


def require_in_order(ctx, rules):
    """``ctx.require`` each (holds, message, shown values) rule of ``rules``,
    each checked once the one before held, so that the first rule broken is
    the one reported; returns the assertions (none under XLA)."""
    checks = []
    for holds, message, shown in rules:
        with tf.control_dependencies(checks[-1:]):
            checks += ctx.require(holds, message, *shown)
    return checks


def shape_checks(op, node, initial, final, ctx):
    """The assertions (none under XLA: validity flags) that each state and
    updated shared variable ends the loop with the shape of its initial value
    (``initial``, ``final``: their values before the first step and after
    the last), naming the first that does not.

    Theano's scan writes each new value into a row of a buffer shaped like
    the initial value, so a step cannot change a state's shape (NumPy's
    assignment would repeat a length of 1, where this refuses it: see
    docs/scan.md). Checked once, after the loop: a per-step check costs every
    step of every scan, and a shape that changed does not change back in any
    step function met in practice (the stacked outputs, whose rows must all
    have one shape, would catch one that did). A shape the loop's static
    shapes already keep costs nothing."""
    name = op.scan_name
    n_state, n_seq = len(op.state_taps), len(op.seq_taps)
    outer = node.inputs[1 + n_seq:1 + n_seq + n_state + op.n_shared]
    rules = []
    for k, (var, start, end) in enumerate(zip(outer, initial, final)):
        if start.shape.is_fully_defined() and end.shape == start.shape:
            continue
        got, kept = tf.shape(end), tf.shape(start)
        rules.append((tf.reduce_all(tf.equal(got, kept)),
                      shape_change_text(name, k < n_state, k, var),
                      [got, "after the last step, but a state keeps the shape of its "
                            "initial value,", kept]))
    return require_in_order(ctx, rules)   # the first state that fails is named


def shape_change_text(scan_name, is_state, k, var):
    """How the error of a state (or updated shared variable) that changed
    shape begins."""
    what = f"state {k} (initial value {var})" if is_state else f"shared variable {var}"
    return f"scan {scan_name!r}: {what} has shape"


def _initial_slots(init, taps):
    """The values a state's taps read at the first step: ``[init]`` for taps
    ``[-1]``, else the first ``-min(taps)`` entries of ``init``."""
    if taps == [-1]:
        return [init]
    depth = -min(taps)
    return [init[m] for m in range(depth)]


def _step_recorder(op, node, ctx):
    """A variable holding the step the loop is at (-1 once it has finished), so
    that an error inside the loop can say at which step it happened; only for
    inner graphs whose ops can fail on values, or checked by the mode, and
    not under XLA (which raises no error inside the loop)."""
    if ctx.xla or not (op.records_steps or ctx.node_hook is not None):
        return None
    return ctx.checks.step_recorder(node)
