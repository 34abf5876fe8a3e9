"""Running a Program on a mesh of devices (``tfgraph.distribute``).

A call sends each device its part of every argument (by the input's layout),
runs the program's graph as DTensor expands it (one program per device, with
the collectives it needs), and gathers the outputs. The graph computes the
outputs and the updates' new values only; the new values are assigned after
it succeeded, all or none. Assigning inside the graph, as on one device,
is not safe here: when one device fails (an index out of range), the others
go on, and their assignments would land.

A failing call raises the error the same call raises on one device (and
clears the devices' executors, which would otherwise fail every later
operation with it, reading a shared variable included): the
devices' own error is often only a collective cancelled because another
device failed, so the call is run again, op by op, on one device, on the
same arguments and shared values, where the failing op raises its own
error, named by the lowering.

Each set of argument shapes is traced anew: DTensor lays out static shapes
only.
"""
import numpy as np

from tfgraph.compile import transaction
from tfgraph.compile.lower import all_valid
from tfgraph._tf import tf
from tensorflow.experimental import dtensor


class Mesh:
    """Calls of ``program`` on ``mesh``; ``xla``: compiled by XLA."""

    concrete_function = None

    def __init__(self, program, mesh, xla=False):
        program.require_dense("a mesh of devices")  # DTensor lays out tensors, not nests
        self.program, self.mesh, self.xla = program, mesh, xla
        self.specs = [mesh.input_spec(var, name or str(var))
                      for var, name in zip(program.inputs, program.input_names)]
        # Traced in FAST_COMPILE too: eager gradients on DTensors mix in
        # regular tensors, which DTensor refuses.
        self._graph = tf.function(self._compute, autograph=False, jit_compile=xla or None)

    def _compute(self, *args):
        self.program.trace_count += 1
        lowered = self.program.lower(args, xla=self.xla)
        # Read on every device, this says the whole call finished there: a
        # device's error shows only when something that device made is read.
        with tf.control_dependencies(lowered.outputs + lowered.new_values):
            done = tf.identity(all_valid(lowered.validity))
        return lowered.outputs, lowered.new_values, done

    def __call__(self, tensors):
        program, mesh = self.program, self.mesh
        arrays = [np.asarray(t) for t in tensors]
        for position, (spec, array, name) in enumerate(zip(self.specs, arrays,
                                                           program.input_names)):
            mesh.check_shape(spec, array.shape,
                             f"Bad input argument with name \"{name or program.inputs[position]}"
                             f"\" to function \"{program.name}\" at index {position} (0-based)")
        updated = [target.variable for target, _ in program.updates]
        with transaction.interrupts_deferred():   # tracing, and the assignments
            try:
                outputs, new_values, done = self._graph(
                    *[mesh.to_device(a, s) for a, s in zip(arrays, self.specs)])
                if not all(bool(part) for part in dtensor.unpack(done)):
                    raise _Invalid()
            except (tf.errors.OpError, _Invalid) as error:
                _recover(mesh)
                shared = [v.variable.numpy() for v in program.shared_variables]
                failed = program.replay(arrays, shared)   # the op's own error
                if failed is not None:
                    raise failed from None
                raise error if isinstance(error, tf.errors.OpError) else RuntimeError(
                    f"function {program.name!r}: a check failed on the mesh that holds on "
                    f"one device") from None
            transaction.assign_all(updated, new_values, transaction.snapshot(updated))
        return [mesh.to_numpy(o) for o in outputs]


def _recover(mesh, attempts=3):
    """Make ``mesh``'s devices usable after a failed call. They run their
    parts asynchronously, and a failure makes every later operation fail
    with it until it is cleared; once cleared, DTensor (TF 2.21) still fails
    the next operation the devices run (cancelled, or a value it cannot
    compute): a small one takes that."""
    for _ in range(attempts):
        tf.experimental.async_clear_error()
        try:
            probe = tf.identity(mesh.to_device(np.zeros((), "float32"), []))
            if all(part.numpy() == 0 for part in dtensor.unpack(probe)):
                return
        except tf.errors.OpError:
            continue


class _Invalid(Exception):
    """XLA's validity flags say an op failed."""
