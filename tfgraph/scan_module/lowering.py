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
    _, _, shared_final, arrays = final[:4]
    if checks_validity:
        ctx.require(final[-1], f"scan {op.scan_name!r}: an op of a step failed")
    stacked = iter(a.stack() for a in arrays)
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
    and each sequence's number of steps once cut for its taps."""
    slices, lengths = [], []
    for seq, taps in zip(seqs, op.seq_taps):
        low, high = min(min(taps), 0), max(max(taps), 0)
        length = tf.shape(seq)[0] - (high - low)
        for k in taps:
            start = k - low
            # Tap 0 alone reads the whole sequence: no slice to make.
            piece = seq if high == low else seq[start:start + tf.maximum(length, 0)]
            slices.append(tf.reverse(piece, [0]) if op.go_backwards else piece)
        lengths.append(length)
    return slices, lengths


def _number_of_steps(op, node, n_given, lengths, ctx):
    """The number of steps (int32), required (``ctx.require``) to follow
    Theano's rules."""
    name = op.scan_name
    rules = []  # (holds, what the error says, the values it shows)
    if op.n_steps_given:
        n = tf.cast(n_given, tf.int32)
        rules.append((n >= 0, f"scan {name!r} was asked to run for a negative number of steps "
                              f"(n_steps out of range):", [n_given]))
        for length, seq in zip(lengths, node.inputs[1:1 + len(op.seq_taps)]):
            rules.append((length >= n, f"scan {name!r}: sequence {seq} is shorter than the "
                                       f"required number of steps (n_steps, length of the "
                                       f"sequence once cut for its taps):", [n, length]))
    else:
        n = lengths[0]
        for length in lengths[1:]:
            n = tf.minimum(n, length)
    rules.append((n != 0, f"scan {name!r} has no step to run (0 steps): scan needs at least "
                          f"one step, as Theano's", []))
    checks = [check for holds, message, shown in rules
              for check in ctx.require(holds, message, *shown)]
    with tf.control_dependencies(checks):
        return tf.identity(n)


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
