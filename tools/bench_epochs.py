"""The classic minibatch loops, as Theano's tutorials train: the dataset in
shared variables, a compiled step called with a minibatch index, ``givens``
slicing the data. One timed step of these workloads is one epoch: every
minibatch once, each a call from Python.

  logreg-epoch  logistic regression 784 -> 10, batch 600, 50,000 examples,
                float32, SGD lr 0.13 (the first tutorial's loop)
  mlp-epoch     784-500-10 tanh MLP, batch 20, L1 (0.0) + L2 (0.0001)
                regularisation, SGD lr 0.01 (the MLP tutorial's loop)

Systems: NumPy by hand, the step by hand in TensorFlow (a tf.function over
tf.Variables holding the data, called with the index, as a concrete
function), PyTensor (numba and C VM), tfgraph.
"""
import dataclasses

import numpy as np

from tools.bench_common import NumpyByHand, TheanoProgram
from tools.bench_limits import dense_flops, nbytes, step_cost

EPOCH_WORKLOADS = ("logreg-epoch", "mlp-epoch")


@dataclasses.dataclass
class EpochProblem:
    workload: str
    X: np.ndarray          # (examples, 784) float32
    y: np.ndarray          # (examples,) int32 labels
    params: list           # [W, b] or [W1, b1, W2, b2], W as (n_in, n_out)
    batch: int
    lr: float
    l1: float = 0.0
    l2: float = 0.0
    rtol: float = 2e-3
    floatX: str = "float32"
    is_mlp: bool = False

    @property
    def n_batches(self):
        return self.X.shape[0] // self.batch

    def numpy_trainer(self):
        return NumpyEpoch(self)

    def step_cost(self):
        """FLOPs and bytes of one epoch, for the limit column (tools/bench_limits.py)."""
        # every minibatch's products, its parameters read and written, the data read once
        used = self.n_batches * self.batch
        sizes = [self.params[0].shape[0]] + [W.shape[1] for W in self.params[::2]]
        moved = self.n_batches * 2 * nbytes(self.params) + nbytes(self.X[:used], self.y[:used])
        return step_cost(dense_flops(used, sizes), moved, self.floatX)


def make_epoch_problem(workload, quick=False):
    rng = np.random.RandomState(1234)
    examples = 1200 if quick else 50000
    X = rng.rand(examples, 784).astype("float32")
    y = rng.randint(0, 10, examples).astype("int32")
    if workload == "logreg-epoch":
        # Dense features in [0, 1] make lr 0.13 chaotic (float32 rounding then
        # decides the costs): MNIST's pixels are mostly 0, so scale these down.
        X = X * np.float32(0.1)
        # The tutorial starts from zeros; small random weights make the check stricter.
        params = [(rng.randn(784, 10) * 0.01).astype("float32"), np.zeros(10, "float32")]
        return EpochProblem(workload, X, y, params, batch=600, lr=0.13)
    bound = np.sqrt(6.0 / (784 + 500))
    params = [rng.uniform(-bound, bound, (784, 500)).astype("float32"),
              np.zeros(500, "float32"),
              (rng.randn(500, 10) * 0.01).astype("float32"), np.zeros(10, "float32")]
    return EpochProblem(workload, X, y, params, batch=20, lr=0.01, l1=0.0, l2=0.0001,
                        is_mlp=True)


class NumpyEpoch(NumpyByHand):
    """Forward pass and backprop by hand."""

    def _minibatch(self, i):
        p = self.problem
        x, y = p.X[i * p.batch:(i + 1) * p.batch], p.y[i * p.batch:(i + 1) * p.batch]
        if p.is_mlp:
            W1, b1, W, b = self._params
            h = np.tanh(x @ W1 + b1)
        else:
            W, b = self._params
            h = x
        z = h @ W + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        n = len(y)
        cost = -logp[np.arange(n), y].mean()
        dz = np.exp(logp)
        dz[np.arange(n), y] -= 1
        dz /= n
        grads = [h.T @ dz, dz.sum(axis=0)]
        if p.is_mlp:
            dh = (dz @ W.T) * (1 - h * h)
            grads = [x.T @ dh, dh.sum(axis=0)] + grads
            weights = (0, 2)
            cost += p.l1 * (np.abs(W1).sum() + np.abs(W).sum()) + p.l2 * (
                (W1 ** 2).sum() + (W ** 2).sum())
            for k in weights:
                grads[k] = grads[k] + p.l1 * np.sign(self._params[k]) + 2 * p.l2 * self._params[k]
        for param, grad in zip(self._params, grads):
            param -= p.lr * grad
        return cost

    def step(self):
        return np.array([self._minibatch(i) for i in range(self.problem.n_batches)])


class TFEpoch:
    """The minibatch step by hand: data in tf.Variables, index argument."""
    failure = "error"
    steps_per_call = 1
    # No XLA row: an XLA cluster reads the whole dataset variable (157 MB for
    # 50,000 examples) into its own buffer on every call, so each call costs
    # hundreds of milliseconds.
    VARIANTS = {"tf concrete fn": False}

    def __init__(self, problem, name):
        self.problem, self.name = problem, name

    def prepare(self):
        pass

    def build(self):
        import tensorflow as tf
        p = self.problem
        data_x, data_y = tf.Variable(p.X), tf.Variable(p.y)
        self._params = params = [tf.Variable(v) for v in p.params]

        def step(index):
            # The minibatch: begin from the index, a static size.
            start = index * p.batch
            x = tf.slice(data_x, [start, 0], [p.batch, data_x.shape[1]])
            y = tf.slice(data_y, [start], [p.batch])
            with tf.GradientTape() as tape:
                h = tf.tanh(tf.matmul(x, params[0]) + params[1]) if p.is_mlp else x
                z = tf.matmul(h, params[-2]) + params[-1]
                cost = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z))
                if p.is_mlp:
                    weights = (params[0], params[2])
                    cost += p.l1 * tf.add_n([tf.reduce_sum(tf.abs(w)) for w in weights])
                    cost += p.l2 * tf.add_n([tf.reduce_sum(tf.square(w)) for w in weights])
            for param, grad in zip(params, tape.gradient(cost, params)):
                param.assign_sub(p.lr * grad)
            return cost

        fn = tf.function(step, input_signature=[tf.TensorSpec([], tf.int64)],
                         jit_compile=self.VARIANTS[self.name])
        self._fn = fn.get_concrete_function()
        self._indices = [tf.constant(i, tf.int64) for i in range(p.n_batches)]

    def step(self):
        return np.array([self._fn(i).numpy() for i in self._indices])

    def params(self):
        return [v.numpy() for v in self._params]


def theano_epoch_program(theano, T, softmax, problem, **function_kwargs):
    """The tutorials' code (logistic_sgd.py, mlp.py), sizes from ``problem``."""
    p = problem
    train_set_x = theano.shared(p.X, borrow=True)
    # The tutorials store labels as floatX and cast them back: GPUs kept floats only.
    train_set_y = T.cast(theano.shared(p.y.astype(p.floatX), borrow=True), "int32")
    index = T.lscalar()
    x = T.matrix("x")
    y = T.ivector("y")
    params = [theano.shared(v.copy(), borrow=True) for v in p.params]
    if p.is_mlp:
        W1, b1, W, b = params
        h = T.tanh(T.dot(x, W1) + b1)
    else:
        W, b = params
        h = x
    p_y_given_x = softmax(T.dot(h, W) + b)
    cost = -T.mean(T.log(p_y_given_x)[T.arange(y.shape[0]), y])
    if p.is_mlp:
        L1 = abs(W1).sum() + abs(W).sum()
        L2_sqr = (W1 ** 2).sum() + (W ** 2).sum()
        cost = cost + p.l1 * L1 + p.l2 * L2_sqr
    updates = [(param, param - p.lr * T.grad(cost, param)) for param in params]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * p.batch:(index + 1) * p.batch],
                y: train_set_y[index * p.batch:(index + 1) * p.batch]},
        **function_kwargs)
    return train_model, params


class TheanoEpoch(TheanoProgram):
    def program(self, theano, T, softmax):
        return theano_epoch_program(theano, T, softmax, self.problem, **self._kwargs)

    def step(self):
        return np.array([self._fn(i) for i in range(self.problem.n_batches)])


def _tfgraph():
    import tfgraph as theano
    import tfgraph.tensor as T
    return theano, T, T.nnet.softmax


def _pytensor():
    import pytensor
    import pytensor.tensor as pt

    def softmax(z):  # PyTensor's softmax takes the whole matrix unless told an axis
        return pt.special.softmax(z, axis=-1)
    return pytensor, pt, softmax


def make_epoch_systems(problem, groups):
    systems = []
    if "numpy" in groups:
        systems.append(NumpyEpoch(problem))
    if "tf" in groups:
        systems += [TFEpoch(problem, name) for name in TFEpoch.VARIANTS]
    if "pytensor" in groups:
        systems.append(TheanoEpoch(problem, "pytensor", _pytensor))
    if "pytensor-c" in groups:
        systems.append(TheanoEpoch(problem, "pytensor C", _pytensor, mode="CVM"))
    if "tfgraph" in groups:
        # No XLA row: XLA takes the bounds of x[i * b:(i + 1) * b] as compile-time
        # constants and compiles the step again for every minibatch index.
        systems.append(TheanoEpoch(problem, "tfgraph", _tfgraph))
    return systems
