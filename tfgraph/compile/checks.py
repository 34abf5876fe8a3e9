"""What a program's lowering records so that a failed call can say where it
failed: its modes' run-time checks and the step each scan loop was at.

Every check a mode adds (DebugMode's NaN and shape checks, NanGuardMode's) is
numbered here, and its assertion's message carries the number (``MARKER``),
which leads back to the node and what was checked. Any other failure of a
traced call is named by running the call again op by op
(``Program.replay``): the lowering walk knows which node it is lowering.
"""
from tfgraph.compile.errors import MARKER
from tfgraph._tf import tf


class Check:
    """One run-time check: which mode made it (``mode``: 'rule' for an op's
    own rule, 'DebugMode', 'NanGuardMode'), on what (``subject``, a
    variable), ``what`` it checks ('output', 'input', 'shared', 'shape',
    'rule'), the input's ``position``, and ``labels`` naming the flags its
    assertion reports (e.g. ('NaN', 'Inf', 'big value'))."""

    def __init__(self, mode, subject, what, position=None, labels=()):
        self.mode, self.subject, self.what = mode, subject, what
        self.position, self.labels = position, tuple(labels)


class Checks:
    """The mode checks of one program, and its scans' step recorders."""

    def __init__(self, function_name):
        self.function_name = function_name
        self.entries = []
        self.step_recorders = {}  # id(scan node) -> (node, tf.Variable)

    def mark(self, mode, subject, what, position=None, labels=()):
        """Record a check; returns the marker to put in its message."""
        self.entries.append(Check(mode, subject, what, position, labels))
        return MARKER.format(len(self.entries) - 1)

    def entry(self, number):
        """Check ``number``, or None when it is not one of this program's."""
        return self.entries[number] if 0 <= number < len(self.entries) else None

    def step_recorder(self, node):
        """A variable holding the step scan ``node`` is at (-1 when it is not
        running), made when first asked."""
        entry = self.step_recorders.get(id(node))
        if entry is None:
            with tf.init_scope():
                variable = tf.Variable(tf.constant(-1, tf.int64), trainable=False,
                                       name="scan_step")
            entry = self.step_recorders[id(node)] = (node, variable)
        return entry[1]

    def failed_steps_text(self):
        """' (scan 'name', step k counting from 0; ...)' for each scan a failed
        call left inside its loop (outermost first), or ''. Resets what it
        reads, so that the next failure is read afresh."""
        found = []
        for node, variable in self.step_recorders.values():
            step = int(variable.numpy())
            if step >= 0:
                found.append(f"scan {node.op.scan_name!r}, step {step} counting from 0")
                variable.assign(-1)
        return f" ({'; '.join(found)})" if found else ""
