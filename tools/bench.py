"""Benchmark tfgraph against hand-written TensorFlow, PyTensor and NumPy.

Workloads (--workloads, comma-separated):
  seed       seed 000's training step, per call: x fvector, target fscalar, W shared
             float64 [0.2, 0.7], y = (x * W).sum(), W <- W - 0.1 * grad(sqr(target - y))
  mlp-small  seed 001's MLP step: 1,000 points as columns, 2-4-1, float64, sigmoid
             layers, cost sum((out - y)**2), momentum (lr 0.01, momentum 0.9)
  mlp-large  the same step with 4,096 points, 784-1024-1024-10, float32
  mlp-dropout  mlp-large with dropout (p=0.5, inverted) on both hidden layers: masks
             from MRG_RandomStreams (tfgraph), RandomStream (PyTensor), tf.random.Generator
             (TF), NumPy's RandomState; checked on the cost only (the masks differ)
  logreg-epoch, mlp-epoch
             the tutorials' minibatch loops, one epoch of calls per step:
             see tools/bench_epochs.py
  lenet      the tutorial's LeNet step, batch 500 (tools/bench_lenet.py; systems numpy,
             tf NHWC, tf NCHW, tfgraph); only when asked: --workloads lenet
  mlp-large-mesh  mlp-large on 1, 2 and 4 logical CPU devices (tfgraph.distribute), in a
             process of its own (tools/bench_mesh.py); not in --quick unless named
  build-scaling, memory
             build time as graphs grow, and peak memory, each case in a fresh
             process: see tools/bench_scaling.py
Build and first call are timed for every system and workload too, once each: that
is what a user waits for.

Systems (--systems, comma-separated groups):
  numpy      the step by hand, manual backprop; also the reference for the check
  tf         the step by hand as a tf.function with GradientTape and tf.Variables:
             tensor arguments, NumPy arguments, its concrete function, XLA
  pytensor   the Theano program on PyTensor, default mode (numba)
  pytensor-c the same on PyTensor's C virtual machine (Theano 1.0's FAST_RUN)
  tfgraph    the Theano program on tfgraph (skipped with a message if unusable)

All systems run in this one process. Before timing, each system's outputs and
parameters after CHECK_STEPS steps are compared with NumPy's; a mismatch is
reported and makes the exit status 1. Then each system runs untimed for 2 s (or
200 calls), so that what adapts as it runs has settled (tfgraph's choice of XLA for
a scan: docs/scan.md). Steps are timed in rounds, each system
once per round in a new order each round, so that noise on a shared machine hits
them alike and no system always follows the same one; the table shows medians
and ratios tfgraph/other.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python tools/bench.py
    python tools/bench.py --quick                  # tiny sizes: a smoke test
    python tools/bench.py --workloads seed --systems numpy,tf --json
"""
import argparse
import dataclasses
import gc
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# TensorFlow reads this only at import, and leaves oneDNN off on these AMD CPUs
# although it is much faster. setdefault: TF_ENABLE_ONEDNN_OPTS=0 still compares.
TF_IMPORTED_BEFORE = "tensorflow" in sys.modules
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
import tensorflow as tf  # noqa: E402  (after the environment above)

# Run as a script, benchmark the working tree's tfgraph rather than an installed one.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from tools import bench_lenet  # noqa: E402
from tools import bench_scan  # noqa: E402  (the scan workloads: rnn, lstm)
from tools.bench_common import NumpyByHand, TheanoProgram  # noqa: E402
from tools.bench_limits import (add_limits, dense_flops, describe_peaks, fmt_limit,  # noqa: E402
                                measure_peaks, nbytes, step_cost)
from tools.bench_epochs import (EPOCH_WORKLOADS, make_epoch_problem,  # noqa: E402
                                make_epoch_systems)
from tools.bench_scaling import SCALING_WORKLOADS, run_scaling_workload  # noqa: E402

WORKLOADS = ("seed", "mlp-small", "mlp-large", "mlp-dropout", "rnn", "lstm") + EPOCH_WORKLOADS
EXTRA_WORKLOADS = ("lenet",) + SCALING_WORKLOADS  # run only when named
MESH_WORKLOAD = "mlp-large-mesh"  # needs devices split before TensorFlow starts
SYSTEM_GROUPS = ("numpy", "tf", "pytensor", "pytensor-c", "tfgraph")
# Timing rounds: about a minute on 2 cores in all; mlp-large's steps take ~0.1 s each.
REPEATS = {"seed": 11, "mlp-small": 11, "mlp-large": 15,  # mlp-large: the tightest target
           "mlp-dropout": 15, "rnn": 9, "lstm": 9, "logreg-epoch": 7, "mlp-epoch": 3,
           "lenet": 11, MESH_WORKLOAD: 15, "build-scaling": 1, "memory": 1}
CHECK_STEPS = 4  # with momentum, parameters move only from the second step on


# --- workloads -------------------------------------------------------------------

@dataclasses.dataclass
class Problem:
    workload: str
    inputs: tuple   # NumPy arrays given to every step
    params: list    # initial values: [W] or [W1, b1, W2, b2, ...], each b a column
    rtol: float     # for the check against NumPy
    lr: float
    momentum: float = 0.0
    floatX: str = "float64"  # what a Theano user sets config.floatX to for this run
    dropout: float = 0.0     # probability of dropping a hidden unit

    @property
    def is_mlp(self):
        return self.workload != "seed"

    def step_cost(self):
        """FLOPs and bytes of one step, for the limit column (tools/bench_limits.py)."""
        X = self.inputs[0]
        if self.is_mlp:  # the products of the layers, points as columns
            sizes = [X.shape[0]] + [W.shape[0] for W in self.params[::2]]
            flops = dense_flops(X.shape[1], sizes)
        else:  # elementwise: x * W and its sum, the gradient, the update
            flops = 6 * X.size
        # the parameters (and velocities) read and written, the inputs read
        moved = (4 if self.momentum else 2) * nbytes(self.params) + nbytes(self.inputs)
        return step_cost(flops, moved, self.floatX)


def make_problem(workload, quick=False):
    if workload in EPOCH_WORKLOADS:
        return make_epoch_problem(workload, quick)
    if workload == "lenet":
        return bench_lenet.make_problem(quick)
    if workload in bench_scan.SCAN_WORKLOADS:
        return bench_scan.make_problem(workload, quick)
    if workload == "seed":
        # NumPy arrays rather than the seed's [1.0, 1.0], 20.0: every system is
        # given the same ready-made arrays, so list conversion is timed nowhere.
        inputs = (np.array([1.0, 1.0], np.float32), np.asarray(20.0, np.float32))
        return Problem(workload, inputs, [np.asarray([0.2, 0.7])], rtol=1e-5, lr=0.1)
    points, sizes, dtype = {"mlp-small": (1000, [2, 4, 1], "float64"),
                            "mlp-large": (4096, [784, 1024, 1024, 10], "float32"),
                            "mlp-dropout": (4096, [784, 1024, 1024, 10], "float32")}[workload]
    if quick:
        points, sizes = (50, sizes) if workload == "mlp-small" else (64, [16, 32, 32, 10])
    rng = np.random.RandomState(0)
    X = rng.randn(sizes[0], points)
    labels = rng.randint(0, max(sizes[-1], 2), points)
    # Seed 001 has one output and a vector of 0/1 targets; more outputs get one-hot columns.
    Y = labels.astype(float) if sizes[-1] == 1 else np.eye(sizes[-1])[:, labels]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        # Seed 001's initialisation (W normal, b ones), W scaled so wide layers don't saturate.
        params += [rng.randn(n_out, n_in) / np.sqrt(n_in), np.ones((n_out, 1))]
    dropout = 0.5 if workload == "mlp-dropout" else 0.0
    return Problem(workload, (X.astype(dtype), Y.astype(dtype)),
                   [p.astype(dtype) for p in params],
                   # With dropout only the cost is compared, and the masks differ.
                   rtol=0.05 if dropout else 1e-5 if dtype == "float64" else 1e-3,
                   lr=0.01, momentum=0.9, floatX=dtype, dropout=dropout)


# --- systems: prepare() untimed (imports), build(), step(), params() ----------------

class NumpyTrainer(NumpyByHand):
    """The step by hand: forward pass, manual backprop, in-place updates."""

    def build(self):
        super().build()
        self._velocities = [np.zeros_like(p) for p in self._params]
        self._rng = np.random.RandomState(1)
        self.step = self._mlp_step if self.problem.is_mlp else self._seed_step

    def _seed_step(self):
        x, target = self.problem.inputs
        (W,) = self._params
        y = (x * W).sum()
        W -= self.problem.lr * (-2.0 * (target - y) * x)  # d/dW of (target - y)**2
        return y

    def _mlp_step(self):
        p = self.problem
        X, Y = p.inputs
        layers = list(zip(self._params[::2], self._params[1::2]))
        activations, masks = [X], []
        for i, (W, b) in enumerate(layers):
            h = 1.0 / (1.0 + np.exp(-(W @ activations[-1] + b)))
            if p.dropout and i < len(layers) - 1:
                keep = 1.0 - p.dropout
                masks.append((self._rng.rand(*h.shape) < keep).astype(h.dtype) / keep)
                h = h * masks[-1]
            activations.append(h)
        out = activations.pop()
        diff = out - Y
        cost = (diff * diff).sum()
        delta = 2 * diff * out * (1 - out)  # d cost / d (last layer's W h + b)
        grads = [None] * len(self._params)
        for i in reversed(range(len(layers))):
            h = activations[i]
            grads[2 * i], grads[2 * i + 1] = delta @ h.T, delta.sum(axis=1, keepdims=True)
            if i:  # no gradient for the data: that product would be the largest of all
                if masks:   # h = sigmoid(z) * mask: d h / d z = s (1 - s) mask
                    s = h / np.where(masks[i - 1] == 0, 1, masks[i - 1])
                    delta = (layers[i][0].T @ delta) * masks[i - 1] * s * (1 - s)
                else:
                    delta = (layers[i][0].T @ delta) * h * (1 - h)
        for param, velocity, grad in zip(self._params, self._velocities, grads):
            param -= p.lr * velocity  # seed 001 steps with the *previous* velocity
            velocity *= p.momentum
            velocity += (1.0 - p.momentum) * grad
        return cost


def _tf_seed_step(problem, W):
    def step(x, target):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.cast(x, W.dtype) * W)
            cost = tf.square(tf.cast(target, W.dtype) - y)
        W.assign_sub(problem.lr * tape.gradient(cost, W))
        return y
    return step


def _tf_mlp_cost(params, X, Y, generator=None, keep=1.0):
    """Seed 001's cost; with a generator, inverted dropout on the hidden layers."""
    h = X
    layers = list(zip(params[::2], params[1::2]))
    for i, (W, b) in enumerate(layers):
        h = tf.sigmoid(tf.matmul(W, h) + b)
        if generator is not None and i < len(layers) - 1:
            mask = tf.cast(generator.uniform(tf.shape(h), dtype=h.dtype) < keep, h.dtype)
            h = h * mask / keep
    return tf.reduce_sum(tf.square(h - Y))


def _tf_momentum_updates(problem, params, velocities, grads):
    for param, velocity, grad in zip(params, velocities, grads):
        # Automatic control dependencies keep program order: the parameter
        # reads the velocity before the velocity is overwritten.
        param.assign_sub(problem.lr * velocity)
        velocity.assign(problem.momentum * velocity + (1.0 - problem.momentum) * grad)


def _tf_mlp_step(problem, params, velocities):
    generator = tf.random.Generator.from_seed(1) if problem.dropout else None
    keep = 1.0 - problem.dropout

    def step(X, Y):
        with tf.GradientTape() as tape:
            cost = _tf_mlp_cost(params, X, Y, generator, keep)
        _tf_momentum_updates(problem, params, velocities, tape.gradient(cost, params))
        return cost
    return step


class TFTrainer:
    """The step by hand as one tf.function over tf.Variables, in its best setup
    (oneDNN on, input_signature so it traces once) and some variants."""
    failure = "error"
    steps_per_call = 1
    # name: (jit_compile, tensor arguments, call the concrete function)
    VARIANTS = {"tf.function": (False, True, False),
                "tf.function NumPy args": (False, False, False),
                "tf concrete fn": (False, True, True),
                "tf XLA": (True, True, False),
                "tf XLA concrete fn": (True, True, True)}

    def __init__(self, problem, name):
        self.problem, self.name = problem, name

    def prepare(self):
        pass

    def build(self):
        p = self.problem
        jit_compile, tensor_args, concrete = self.VARIANTS[self.name]
        self._params = [tf.Variable(v) for v in p.params]
        if p.is_mlp:
            velocities = [tf.Variable(tf.zeros_like(v)) for v in self._params]
            body = _tf_mlp_step(p, self._params, velocities)
        else:
            body = _tf_seed_step(p, self._params[0])
        signature = [tf.TensorSpec([None] * a.ndim, a.dtype) for a in p.inputs]
        fn = tf.function(body, input_signature=signature, jit_compile=jit_compile)
        self._fn = fn.get_concrete_function() if concrete else fn
        self._args = [tf.constant(a) for a in p.inputs] if tensor_args else p.inputs

    def step(self):
        # .numpy(): tfgraph, PyTensor and NumPy all hand back host values too.
        return self._fn(*self._args).numpy()

    def params(self):
        return [v.numpy() for v in self._params]


def theano_program(theano, T, problem, sigmoid, shared, streams=None, **function_kwargs):
    """Seeds 000 and 001 as their authors wrote them, names aside: the program that
    tfgraph and PyTensor both run. Returns the training function and its parameters."""
    if problem.workload == "seed":
        x = T.fvector("x")
        target = T.fscalar("target")
        W = shared(problem.params[0].copy(), "W")
        y = (x * W).sum()
        cost = T.sqr(target - y)
        gradients = T.grad(cost, [W])
        W_updated = W - (0.1 * gradients[0])
        f = theano.function([x, target], y, updates=[(W, W_updated)], **function_kwargs)
        return f, [W]
    mlp_input = T.matrix("mlp_input")
    mlp_target = (T.vector if problem.inputs[1].ndim == 1 else T.matrix)("mlp_target")
    params, output = [], mlp_input
    srng = streams() if problem.dropout else None
    layers = list(zip(problem.params[::2], problem.params[1::2]))
    for i, (W_init, b_init) in enumerate(layers):
        W = shared(W_init.copy(), name="W", borrow=True)
        b = shared(b_init.copy(), name="b", borrow=True, broadcastable=(False, True))
        output = sigmoid(T.dot(W, output) + b)
        if srng is not None and i < len(layers) - 1:
            keep = 1.0 - problem.dropout
            mask = srng.binomial(n=1, p=keep, size=output.shape)
            output = output * T.cast(mask, theano.config.floatX) / keep
        params += [W, b]
    cost = T.sum((output - mlp_target) ** 2)
    learning_rate, momentum = problem.lr, problem.momentum
    updates = []
    for param in params:  # seed 001's gradient_updates_momentum
        param_update = shared(param.get_value() * 0., broadcastable=param.broadcastable)
        updates.append((param, param - learning_rate * param_update))
        updates.append((param_update,
                        momentum * param_update + (1. - momentum) * T.grad(cost, param)))
    train = theano.function([mlp_input, mlp_target], cost, updates=updates, **function_kwargs)
    return train, params


def tfgraph_api():
    import tfgraph as theano
    import tfgraph.tensor as T
    from tfgraph.sandbox.rng_mrg import MRG_RandomStreams
    return theano, T, T.nnet.sigmoid, theano.shared, lambda: MRG_RandomStreams(1)


def tfgraph_xla_api():
    """tfgraph with XLA for every function, as --xla or TFGRAPH_FLAGS=xla=True give."""
    theano, T, sigmoid, shared, streams = tfgraph_api()

    class XLA:  # theano.function with an XLA mode, leaving config.xla alone
        config = theano.config

        @staticmethod
        def function(*args, **kwargs):
            return theano.function(*args, mode=theano.compile.Mode(jit_compile=True), **kwargs)
    return XLA, T, sigmoid, shared, streams


def pytensor_api():
    import pytensor
    import pytensor.tensor as pt

    def shared(value, name=None, borrow=False, broadcastable=None):
        # PyTensor spells Theano's broadcastable pattern as a static shape.
        shape = None if broadcastable is None else tuple(1 if b else None for b in broadcastable)
        return pytensor.shared(value, name=name, borrow=borrow, shape=shape)

    def streams():
        import warnings
        from pytensor.tensor.random.utils import RandomStream
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return RandomStream(1)
    return pytensor, pt, pt.sigmoid, shared, streams


class TheanoTrainer(TheanoProgram):
    """theano_program() on a library with Theano's API, called with NumPy arrays."""

    def program(self, theano, T, *rest):
        return theano_program(theano, T, self.problem, *rest, **self._kwargs)


class TfgraphLoop(TheanoTrainer):
    # ---- tfgraph `Function.loop` row ---------------------------------------------
    # Function.loop(n_steps, *args) -> stacked outputs runs many steps in one call,
    # if tfgraph has it. Nothing else about it is assumed: anything failing here
    # reports the row "unavailable". Timed per step; its first call's outputs
    # are checked against the first `steps` NumPy steps.
    failure = "unavailable"

    def __init__(self, problem, steps):
        super().__init__(problem, f"tfgraph loop, {steps} steps", tfgraph_api)
        self.steps_per_call = steps

    def build(self):
        super().build()
        if not hasattr(self._fn, "loop"):
            raise AttributeError("tfgraph's Function has no loop()")

    def step(self):
        return self._fn.loop(self.steps_per_call, *self.problem.inputs)

    def adapting(self):
        # A loop's way to run is fixed when it is made (tfgraph.compile.loop);
        # the single call's executable, which adapts, is never called here.
        return False


def make_systems(problem, groups, quick):
    if problem.workload in EPOCH_WORKLOADS:
        return make_epoch_systems(problem, groups)
    if problem.workload == "lenet":
        return bench_lenet.make_systems(problem, groups)
    if problem.workload in bench_scan.SCAN_WORKLOADS:
        return bench_scan.make_systems(problem, groups, dict(
            tfgraph=tfgraph_api, tfgraph_xla=tfgraph_xla_api, pytensor=pytensor_api))
    systems = []
    if "numpy" in groups:
        systems.append(NumpyTrainer(problem))
    if "tf" in groups:
        systems += [TFTrainer(problem, name) for name in TFTrainer.VARIANTS]
    if "pytensor" in groups:
        systems.append(TheanoTrainer(problem, "pytensor", pytensor_api))
    if "pytensor-c" in groups:
        systems.append(TheanoTrainer(problem, "pytensor C", pytensor_api, mode="CVM"))
    if "tfgraph" in groups:
        systems.append(TheanoTrainer(problem, "tfgraph", tfgraph_api))
        systems.append(TheanoTrainer(problem, "tfgraph XLA", tfgraph_xla_api))
        # Many small steps per call is where one graph call per step costs most.
        loop_steps = {"seed": 1000, "mlp-small": 100}.get(problem.workload)
        if loop_steps:
            systems.append(TfgraphLoop(problem, steps=5 if quick else loop_steps))
    return systems


# --- running ------------------------------------------------------------------------

def warm_up(groups):
    """Pay one-time library start-up (TF's first trace, XLA's compiler, PyTensor's
    first compile) before timing, or it lands on whichever system builds first."""
    one = tf.constant(1.0)
    tf.function(lambda v: v + 1)(one)
    tf.function(lambda v: v + 1, jit_compile=True)(one)
    for group, mode in (("pytensor", None), ("pytensor-c", "CVM")):
        if group in groups:
            try:
                api = pytensor_api()
                v = api[1].dscalar()
                api[0].function([v], v + 1, mode=mode)(1.0)
            except Exception:  # reported when the system itself is prepared
                pass


def describe(error):
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def reference(problem, steps):
    """NumPy's outputs of the first `steps` steps and its parameters after them."""
    if hasattr(problem, "numpy_trainer"):
        trainer = problem.numpy_trainer()
    else:
        trainer = getattr(problem, "reference_trainer", bench_lenet.NumpyLeNet
                          if problem.workload == "lenet" else NumpyTrainer)(problem)
    trainer.build()
    return [trainer.step() for _ in range(steps)], trainer.params()


def compare(got_outputs, got_params, want_outputs, want_params, rtol):
    """'ok', or what differs. atol scales with each array: entries that cancel to
    near zero are compared with the array's size, not their own."""
    if len(got_params) != len(want_params):
        return f"{len(got_params)} parameters, expected {len(want_params)}"
    pairs = [(f"output of step {i + 1}", g, w)
             for i, (g, w) in enumerate(zip(got_outputs, want_outputs))]
    pairs += [(f"parameter {i} after {len(want_outputs)} steps", g, w)
              for i, (g, w) in enumerate(zip(got_params, want_params))]
    for what, got, want in pairs:
        got, want = np.asarray(got), np.asarray(want)
        if got.shape != want.shape:
            return f"{what}: shape {got.shape}, expected {want.shape}"
        if not np.allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max()):
            err = np.abs(got.astype(float) - want).max()
            return f"{what}: max abs error {err:.3g} (rtol {rtol})"
    return "ok"


def time_batch(step, number):
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: collections would land on whichever system runs
    try:
        start = time.perf_counter()
        for _ in range(number):
            step()
        return time.perf_counter() - start
    finally:
        if gc_was_enabled:
            gc.enable()


def settle(system, settle_s, max_calls=200, adapting_s=120):
    """Call ``system.step`` for ``settle_s`` seconds, or ``max_calls`` times if
    sooner; and on while the system still adapts how it runs (tfgraph's XLA
    choice, made by measurement), up to ``adapting_s`` seconds."""
    start = time.perf_counter()
    for _ in range(max_calls):
        system.step()
        if time.perf_counter() >= start + settle_s:
            break
    adapting = getattr(system, "adapting", lambda: False)
    while adapting() and time.perf_counter() < start + adapting_s:
        system.step()


def run_workload(problem, systems, repeats, min_batch_s, log):
    rows, timed, references = [], [], {}
    for system in systems:
        row = {"workload": problem.workload, "system": system.name}
        rows.append(row)
        log(f"{problem.workload}: building {system.name}")
        try:
            system.prepare()
        except Exception as error:
            row["status"] = f"skipped: {describe(error)}"
            continue
        try:
            start = time.perf_counter()
            system.build()
            built = time.perf_counter()
            outputs = [system.step()]
            row.update(build_s=built - start, first_call_s=time.perf_counter() - built)
            if system.steps_per_call == 1:
                # An epoch is thousands of steps already: check one.
                check_steps = 1 if problem.workload in EPOCH_WORKLOADS else CHECK_STEPS
                outputs += [system.step() for _ in range(check_steps - 1)]
            else:  # one call ran many steps: its outputs come stacked
                stacked = outputs[0]
                outputs = list(stacked[0] if isinstance(stacked, (list, tuple)) else stacked)
            if len(outputs) not in references:
                references[len(outputs)] = reference(problem, len(outputs))
            want_outputs, want_params = references[len(outputs)]
            if getattr(problem, "dropout", 0.0):  # the masks differ: compare costs only
                want_params, params = [], []
            else:
                params = system.params()
            row["check"] = compare(outputs, params, want_outputs, want_params, problem.rtol)
        except Exception as error:
            row["status"] = f"{system.failure}: {describe(error)}"
            continue
        row["status"] = "ok" if row["check"] == "ok" else "check failed"
        timed.append((system, row))

    # Calls per timed batch: enough to last min_batch_s, so timer resolution and
    # per-batch overhead vanish. Systems are warm: they have stepped already, and
    # then for a while more, so that what adapts as it runs (tfgraph's choice of
    # XLA for a scan, caches) has settled: the table is a long run's steady state.
    numbers, samples, once = {}, {}, {}
    for system, row in timed:
        try:
            settle(system, settle_s=20 * min_batch_s)
            once[system] = time_batch(system.step, 1)
            numbers[system] = max(1, round(min_batch_s / max(once[system], 1e-9)))
            samples[system] = []
        except Exception as error:
            row["status"] = f"{system.failure}: {describe(error)}"
    log(f"{problem.workload}: timing {len(samples)} systems, {repeats} rounds")
    for round_index in range(repeats):
        # Every system once per round, so drifting machine load hits all alike;
        # in a new order each round, so that none always follows the same one
        # (a system timed after another can pay for its threads and caches).
        order = list(timed)
        random.Random(round_index).shuffle(order)
        for system, row in order:
            if system not in samples:
                continue
            try:
                if once[system] < 0.5:  # steps of seconds need no waking
                    system.step()  # untimed: wake this system's threads and caches
                elapsed = time_batch(system.step, numbers[system])
                samples[system].append(elapsed / numbers[system] / system.steps_per_call)
            except Exception as error:
                row["status"] = f"{system.failure}: {describe(error)}"
                del samples[system]
    for system, row in timed:
        if system in samples:
            row.update(step_s=statistics.median(samples[system]), step_samples=samples[system],
                       calls_per_sample=numbers[system], steps_per_call=system.steps_per_call)
    add_ratios(rows)
    return rows


def add_ratios(rows):
    """tfgraph/this for per-step time and for build + first call."""
    ours = next((r for r in rows if r["system"] == "tfgraph"), {})
    for row in rows:
        if "step_s" in ours and "step_s" in row:
            row["tfgraph_over_this_step"] = ours["step_s"] / row["step_s"]
        if "build_s" in ours and "build_s" in row:
            row["tfgraph_over_this_build"] = ((ours["build_s"] + ours["first_call_s"])
                                              / (row["build_s"] + row["first_call_s"]))


def machine_cpu_s():
    """(CPU seconds the whole machine has been busy, CPU seconds the hypervisor
    gave this machine's CPUs to other machines: steal) from Linux's
    /proc/stat, or None. With our own CPU time the first tells how much other
    processes disturbed the run; the second, other virtual machines on the
    same host, which no process here shows."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
        tick = os.sysconf("SC_CLK_TCK")
        return (user + nice + system + irq + softirq) / tick, steal / tick
    except (OSError, ValueError):
        return None


def own_cpu_s():
    """CPU seconds this process and its finished subprocesses have used: the
    workloads run in subprocesses (mlp-large-mesh, memory, build-scaling)
    are the benchmark's own work, not other processes'."""
    user, system, children_user, children_system, _ = os.times()
    return user + system + children_user + children_system


def versions():
    found = {"python": sys.version.split()[0], "numpy": np.__version__,
             "tensorflow": tf.__version__}
    for name in ("pytensor", "tfgraph"):
        module = sys.modules.get(name)
        found[name] = getattr(module, "__version__", "?") if module else None
    return found


# --- reporting ----------------------------------------------------------------------

def fmt_time(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale * 0.9995:  # what rounds to 1000 ms prints as 1 s
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_ratio(ratio):
    if ratio is None:
        return "-"
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def format_table(result):
    header = ("workload", "system", "per step", "tfgraph/x", "limit", "build", "1st call",
              "tfgraph/x", "status")
    lines = [(r["workload"], r["system"], fmt_time(r.get("step_s")),
              fmt_ratio(r.get("tfgraph_over_this_step")), fmt_limit(r.get("limit")),
              fmt_time(r.get("build_s")),
              fmt_time(r.get("first_call_s")), fmt_ratio(r.get("tfgraph_over_this_build")),
              (r["status"] if r["status"] != "check failed"
               else f"CHECK FAILED: {r['check']}")[:100])
             for r in result["rows"]]
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header) - 1)]
    meta = result["meta"]
    out = [", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v),
           f"TF_ENABLE_ONEDNN_OPTS={meta['TF_ENABLE_ONEDNN_OPTS']}"
           + (" (tensorflow was imported before the benchmark: may not apply)"
              if meta["tensorflow_imported_before"] else "")
           + "; per step: median of " + ", ".join(f"{n} ({w})" for w, n in meta["repeats"].items())
           + " rounds (systems in a new order each round); build and 1st call: once;"
           + " ratios tfgraph/this (build ratio on build + 1st call)"]
    if meta.get("peaks"):
        out.append(describe_peaks(meta["peaks"]))
    if meta["other_processes_cores"] is not None:
        out.append(f"other processes kept {meta['other_processes_cores']:.2f} of "
                   f"{meta['cpu_count']} cores busy during the run, and the hypervisor gave "
                   f"{meta['steal_cores']:.2f} of them to other machines (steal)")
    out.append("")
    for i, line in enumerate([header] + lines):
        if i > 1 and line[0] != lines[i - 2][0]:
            out.append("")  # a blank line between workloads
        cells = [c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths))]
        out.append("  ".join(cells + [line[-1]]))
    return "\n".join(out)


def parse_args(argv):
    def choices(allowed):
        def parse(text):
            names = [n.strip() for n in text.split(",") if n.strip()]
            unknown = set(names) - set(allowed)
            if unknown:
                raise argparse.ArgumentTypeError(
                    f"unknown {sorted(unknown)}; choose from {', '.join(allowed)}")
            return names
        return parse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", "--tiny", action="store_true",
                        help="tiny sizes and few repeats: a smoke test")
    parser.add_argument("--json", action="store_true",
                        help="print machine-readable results instead of the table")
    named = WORKLOADS + EXTRA_WORKLOADS + (MESH_WORKLOAD,)
    parser.add_argument("--workloads", type=choices(named), default=None,
                        help=f"comma-separated, of {', '.join(named)} (default: "
                        f"{', '.join(WORKLOADS)} and {MESH_WORKLOAD}, not with --quick)")
    parser.add_argument("--systems", type=choices(SYSTEM_GROUPS), default=list(SYSTEM_GROUPS),
                        help=f"comma-separated, of {', '.join(SYSTEM_GROUPS)} (default: all)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timing rounds per workload (default: 3 quick, else "
                        + ", ".join(f"{n} {w}" for w, n in REPEATS.items()) + ")")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.workloads is None:
        args.workloads = list(WORKLOADS) + ([] if args.quick else [MESH_WORKLOAD])
    repeats = {w: args.repeats or (3 if args.quick else REPEATS[w]) for w in args.workloads}
    min_batch_s = 0.002 if args.quick else 0.1

    def log(message):  # stderr, so that --json output stays parseable
        print(message, file=sys.stderr, flush=True)

    started, machine_before, ours_before = time.perf_counter(), machine_cpu_s(), own_cpu_s()
    warm_up(args.systems)
    log("measuring this machine's peaks: GEMM and copy")
    peaks = measure_peaks()
    rows = []
    for workload in args.workloads:
        if workload in SCALING_WORKLOADS:  # one fresh process per case: no steps to time
            # No limit: these rows time builds and measure memory, not steps.
            rows += run_scaling_workload(workload, args.systems, args.quick, log)
            continue
        if workload == MESH_WORKLOAD:
            if "tfgraph" in args.systems:
                from tools.bench_mesh import rows_from_subprocess
                mesh_rows = rows_from_subprocess(args.quick, repeats[workload], log)
                # the whole step on all devices: mlp-large's count
                add_limits(mesh_rows, make_problem("mlp-large", args.quick).step_cost(), peaks)
                rows += mesh_rows
            continue
        problem = make_problem(workload, args.quick)
        workload_rows = run_workload(problem, make_systems(problem, args.systems, args.quick),
                                     repeats[workload], min_batch_s, log)
        add_limits(workload_rows, problem.step_cost(), peaks)
        rows += workload_rows
    others = stolen = None
    if machine_before is not None:
        (busy_before, steal_before), (busy_after, steal_after) = machine_before, machine_cpu_s()
        elapsed = time.perf_counter() - started
        # Tick rounding can make the difference slightly negative on a quiet machine.
        others = max(0.0, ((busy_after - busy_before) - (own_cpu_s() - ours_before)) / elapsed)
        stolen = (steal_after - steal_before) / elapsed
    result = {"meta": {"versions": versions(), "quick": args.quick, "repeats": repeats,
                       "min_batch_s": min_batch_s, "check_steps": CHECK_STEPS,
                       "cpu_count": os.cpu_count(), "other_processes_cores": others,
                       "steal_cores": stolen,
                       "peaks": peaks,
                       "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
                       "tensorflow_imported_before": TF_IMPORTED_BEFORE},
              "rows": rows}
    print(json.dumps(result, indent=1) if args.json else format_table(result))
    return 1 if any(r["status"] == "check failed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
