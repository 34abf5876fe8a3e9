"""The ``Scan`` op: a loop whose body is a symbolic inner graph.

A Scan node holds its inner graph (placeholder inner inputs and the inner
outputs computed from them) and applies it once per step. Its outer inputs
are, in order::

    n_steps, sequences..., initial states..., shared initial values..., implicit...

- ``n_steps``: an int64 scalar; -1 when the number of steps comes from the
  sequences (the shortest, once cut for its taps).
- a sequence gives one inner input per tap (``seq_taps``); tap ``k`` at step
  ``t`` reads ``seq[t + k - min(0, min taps)]``.
- an initial state gives one inner input per tap (``state_taps``); taps
  ``[-1]`` take an initial value of the output's rank, other taps a stack of
  the ``-min(taps)`` values before the first step.
- a shared initial value is the value, before the loop, of a shared variable
  the loop updates; its inner input is the value at the step's start.
- implicit inputs are every other outer value the inner graph reads (the
  non-sequences, shared variables without updates, free variables).

The inner outputs are the new states, the outputs that do not feed back
("nit"), the new shared values, and, for ``until``, the stopping condition.
The node's outputs are each state and nit output stacked over the steps, and
each shared variable's value after the last step.

It lowers to one ``tf.while_loop`` carrying the states and shared values,
with ``TensorArray``s for the sequences and the stacked outputs, the inner
graph lowered by a nested lowering walk inside the loop body; the function's
gradient tapes record the loop as one op and differentiate through it
(lowering.py). On a mesh of devices, its registered mesh lowering unrolls the
steps instead (unrolled.py).
"""
from tfgraph.graph import Apply, Op, TensorType, toposort
from tfgraph.platforms import register_lowering
from tfgraph.scan_module.lowering import lower_scan
from tfgraph.scan_module.unrolled import lower_scan_unrolled


class Scan(Op):
    """One scan loop (see the module docstring for its inputs and outputs)."""

    def __init__(self, inner_inputs, inner_outputs, seq_taps, state_taps, n_nit,
                 n_shared, name=None, go_backwards=False, truncate_gradient=-1,
                 as_while=False, n_steps_given=True):
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        self.seq_taps = [list(t) for t in seq_taps]
        self.state_taps = [list(t) for t in state_taps]
        self.n_nit, self.n_shared = n_nit, n_shared
        self.scan_name = name or "scan"
        self.name = f"scan{{{self.scan_name}}}" if name else "scan"
        self.go_backwards = go_backwards
        self.truncate_gradient = truncate_gradient
        self.as_while = as_while
        self.n_steps_given = n_steps_given
        self.n_seq_slices = sum(len(t) for t in self.seq_taps)
        self.n_state_slices = sum(len(t) for t in self.state_taps)
        self.n_implicit = (len(self.inner_inputs) - self.n_seq_slices - self.n_state_slices
                           - n_shared)
        self.records_steps = _can_fail(self.inner_outputs)

    # --- layout ------------------------------------------------------------------

    def split_outer(self, inputs):
        """(n_steps, sequences, initial states, shared values, implicit)."""
        n_seq, n_state = len(self.seq_taps), len(self.state_taps)
        inputs = list(inputs)
        a, b, c = 1 + n_seq, 1 + n_seq + n_state, 1 + n_seq + n_state + self.n_shared
        return inputs[0], inputs[1:a], inputs[a:b], inputs[b:c], inputs[c:]

    def can_fail(self, node):
        # Its number of steps is checked when it runs (negative, more than a
        # sequence has, none), and its inner ops may fail: its lowering
        # requires both (ctx.require), as validity flags under XLA.
        return True

    def split_inner_inputs(self):
        """(sequence slices, state taps, shared values, implicit) placeholders."""
        s, t, h = self.n_seq_slices, self.n_state_slices, self.n_shared
        x = self.inner_inputs
        return x[:s], x[s:s + t], x[s + t:s + t + h], x[s + t + h:]

    def split_inner_outputs(self):
        """(new states, nit outputs, new shared values, condition or None)."""
        n_state = len(self.state_taps)
        y = self.inner_outputs
        a, b, c = n_state, n_state + self.n_nit, n_state + self.n_nit + self.n_shared
        return y[:a], y[a:b], y[b:c], (y[c] if self.as_while else None)

    # --- the type rule ------------------------------------------------------------

    def make_node(self, *inputs):
        n_steps, seqs, inits, shared, implicit = self.split_outer(inputs)
        expected = 1 + len(self.seq_taps) + len(self.state_taps) + self.n_shared + self.n_implicit
        if len(inputs) != expected:
            raise TypeError(f"{self} takes {expected} inputs, got {len(inputs)}")
        _, _, shared_in, implicit_in = self.split_inner_inputs()
        for outer, inner in zip(shared + implicit, shared_in + implicit_in):
            if outer.dtype != inner.dtype or outer.ndim != inner.ndim:
                raise TypeError(f"{self}: input {outer} ({outer.type}) does not match the "
                                f"inner input {inner} ({inner.type}) it feeds")
        _, state_in, _, _ = self.split_inner_inputs()
        new_states, nits, _, _ = self.split_inner_outputs()
        types = []
        for state, placeholders in zip(new_states, self._state_placeholders(state_in)):
            types.append(TensorType(placeholders[0].dtype,
                                    (False,) + placeholders[0].broadcastable))
        types += [TensorType(y.dtype, (False,) + y.broadcastable) for y in nits]
        types += [v.type for v in shared]
        return Apply(self, inputs, types)

    def _state_placeholders(self, state_in):
        groups, at = [], 0
        for taps in self.state_taps:
            groups.append(state_in[at:at + len(taps)])
            at += len(taps)
        return groups

    # --- lowering ------------------------------------------------------------------

    def lower(self, node, inputs, ctx):
        return lower_scan(self, node, inputs, ctx)

    # --- printing -------------------------------------------------------------------

    def pp(self, node, args):
        """``scan{name}(sequences=[...], outputs_info=[...], ...)``, each part
        present only when not empty."""
        n_steps, seqs, inits, shared, implicit = self.split_outer(args)
        parts = [f"n_steps={n_steps}"] if self.n_steps_given else []
        for label, values in (("sequences", seqs), ("outputs_info", inits),
                              ("updates", shared), ("non_sequences", implicit)):
            if values:
                parts.append(f"{label}=[{', '.join(values)}]")
        if self.go_backwards:
            parts.append("go_backwards=True")
        return f"{self}({', '.join(parts)})"



# DTensor lays out neither TensorArrays nor a loop's gradient: on a mesh the
# steps are unrolled.
register_lowering(Scan, lower_scan_unrolled, platform="mesh")



def _can_fail(outputs):
    """Whether the inner graph indexes (the run-time failure users meet inside
    loops: an index out of range), or holds a loop that does: then the loop
    records its step, to report it. Not for others, as recording makes the
    steps run one at a time."""
    for node in toposort(outputs):
        op = node.op
        if isinstance(op, Scan):  # its own checks report no step of this loop
            if op.records_steps:
                return True
            continue
        if op.can_fail(node):
            return True
    return False
