"""The large MLP step on 1, 2 and 4 logical CPU devices: the cost of running on a
mesh (tfgraph.distribute, on DTensor), and the two engines TensorFlow offers for
it written by hand (DTensor, and tf.distribute's MirroredStrategy).

Devices must be split before TensorFlow starts, and meshes of different sizes
in one process clash in DTensor's collectives, so each device count runs as a
process of its own: tfgraph on one device and on the mesh, side by side, timed
round-robin by tools/bench.py's machinery (each system's steps checked against
NumPy's first):

    python tools/bench_mesh.py --devices 2 [--quick] [--repeats N] [--strategies]

prints the rows as JSON; ``python tools/bench.py --workloads mlp-large-mesh``
runs it for 1, 2 and 4 devices and shows the rows in its table (the ratio of
each mesh row is over tfgraph on one device in the same process). On a machine
with 2 cores no speed-up is expected: the rows show what the machinery costs.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from tools import bench  # noqa: E402  (imports TensorFlow, sets its environment)
from tfgraph import distribute  # noqa: E402

tf = bench.tf
WORKLOAD = "mlp-large-mesh"
DEVICES = (1, 2, 4)  # one process each
# The benchmark's MLP takes points as columns: split the second axis over the batch.
POINTS_AS_COLUMNS = {"mlp_input": [None, "batch"], "mlp_target": [None, "batch"]}


class MeshTrainer(bench.TheanoTrainer):
    """tfgraph's program, with its shared variables and function on a mesh."""

    def __init__(self, problem, n_devices):
        super().__init__(problem, f"tfgraph, mesh batch={n_devices}", bench.tfgraph_api)
        self.n_devices = n_devices

    def prepare(self):
        super().prepare()
        self.mesh = distribute.mesh(batch=self.n_devices, layouts=POINTS_AS_COLUMNS)

    def build(self):
        with self.mesh:
            super().build()


class DTensorTrainer(bench.TFTrainer):
    """The hand-written step, unchanged, on DVariables and a batch-split input."""

    def __init__(self, problem, n_devices):
        self.problem, self.name, self.n_devices = problem, f"tf DTensor, {n_devices}", n_devices

    def build(self):
        from tensorflow.experimental import dtensor
        p = self.problem
        mesh = distribute.mesh(batch=self.n_devices)
        self._mesh = mesh
        self._params = [dtensor.DVariable(mesh.to_device(v, [None] * v.ndim))
                        for v in p.params]
        velocities = [dtensor.DVariable(mesh.to_device(np.zeros_like(v), [None] * v.ndim))
                      for v in p.params]
        self._fn = tf.function(bench._tf_mlp_step(p, self._params, velocities))
        self._pack = lambda: [mesh.to_device(a, [None, "batch"]) for a in p.inputs]

    def step(self):
        return self._mesh.to_numpy(self._fn(*self._pack()))

    def params(self):
        return [self._mesh.to_numpy(v.read_value()) for v in self._params]


class MirroredTrainer(bench.TFTrainer):
    """The step by hand on tf.distribute.MirroredStrategy: one replica per device,
    each with its columns, gradients summed across replicas."""

    def __init__(self, problem, n_devices):
        self.problem, self.name, self.n_devices = problem, f"tf Mirrored, {n_devices}", n_devices

    def build(self):
        p, n = self.problem, self.n_devices
        strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(n)])
        first = tf.VariableAggregation.ONLY_FIRST_REPLICA  # replicas agree after the sum
        with strategy.scope():
            params = [tf.Variable(v, aggregation=first) for v in p.params]
            velocities = [tf.Variable(np.zeros_like(v), aggregation=first) for v in p.params]
        self._params = params

        def replica_step(X, Y):
            with tf.GradientTape() as tape:
                cost = bench._tf_mlp_cost(params, X, Y)
            context = tf.distribute.get_replica_context()
            grads = context.all_reduce("sum", tape.gradient(cost, params))
            bench._tf_momentum_updates(p, params, velocities, grads)
            return context.all_reduce("sum", cost)

        @tf.function
        def step(X, Y):
            return strategy.run(replica_step, args=(X, Y))

        columns = p.inputs[0].shape[1] // n

        def parts(context):
            i = context.replica_id_in_sync_group
            return tuple(a[:, i * columns:(i + 1) * columns] for a in p.inputs)

        def call():
            return step(*strategy.experimental_distribute_values_from_function(parts))
        self._strategy, self._call = strategy, call

    def step(self):
        cost = self._call()
        return self._strategy.experimental_local_results(cost)[0].numpy()

    def params(self):
        return [v.numpy() for v in self._params]


def systems(problem, n_devices, strategies):
    found = [bench.TheanoTrainer(problem, "tfgraph", bench.tfgraph_api),
             MeshTrainer(problem, n_devices)]
    if strategies:
        found.append(bench.TFTrainer(problem, "tf.function"))
        if n_devices > 1:
            found += [DTensorTrainer(problem, n_devices), MirroredTrainer(problem, n_devices)]
    return found


def rows_from_subprocess(quick, repeats, log, timeout_s=1800):
    """This benchmark's rows for 1, 2 and 4 devices, each device count run in a
    process of its own (for tools/bench.py)."""
    rows = []
    for n in DEVICES:
        log(f"{WORKLOAD}: {n} device(s), in a process of its own")
        command = [sys.executable, __file__, "--devices", str(n), "--repeats", str(repeats)]
        try:
            done = subprocess.run(command + (["--quick"] if quick else []), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=timeout_s)
        except subprocess.TimeoutExpired:
            done = None
        if done is None or done.returncode != 0:
            last = "timed out" if done is None else \
                (done.stderr.strip().splitlines() or ["no output"])[-1]
            rows.append({"workload": WORKLOAD, "system": f"tfgraph, mesh batch={n}",
                         "status": f"error: {last}"})
            continue
        for row in json.loads(done.stdout):
            if row["system"] == "tfgraph":  # the reference of this process's ratios
                row["system"] = f"tfgraph, no mesh ({n} device{'s' * (n > 1)} split)"
            rows.append(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=2, help="logical CPU devices")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--strategies", action="store_true",
                        help="also the hand-written DTensor and MirroredStrategy steps")
    args = parser.parse_args(argv)
    distribute.split_cpu(args.devices)
    problem = bench.make_problem("mlp-large", args.quick)
    problem.workload = WORKLOAD
    repeats = args.repeats or (3 if args.quick else bench.REPEATS["mlp-large"])
    rows = bench.run_workload(problem, systems(problem, args.devices, args.strategies),
                              repeats, 0.002 if args.quick else 0.1,
                              lambda message: print(message, file=sys.stderr, flush=True))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
