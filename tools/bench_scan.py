"""Scan workloads for tools/bench.py: a recurrent net's training step.

  rnn   tanh RNN, hidden 128, input 128, 100 steps, batch 32, float32:
        h_t = tanh(x_t Wx + h_{t-1} Wh + b), cost = mean((h - y)**2), one SGD step
  lstm  the LSTM layer of the classic sentiment tutorial (lstm.py) at its size:
        dim_proj 128, batch 16, 100 steps, float32, masked (mask[:, :, None]),
        mean pooling over the mask, a softmax classifier over 2 labels, one SGD step

Systems: NumPy by hand (manual backprop through time; the reference), the step
written by hand in TensorFlow (tf.while_loop with TensorArrays and tf.scan, in a
tf.function with GradientTape: called, as concrete function with tensor or
NumPy arguments, with XLA), the
Theano program on PyTensor (default mode, C VM) and on tfgraph (called with
NumPy arrays, with tensors, and with XLA).
"""
import dataclasses

import numpy as np

from tools.bench_common import NumpyByHand, TheanoProgram
from tools.bench_limits import dense_flops, nbytes, step_cost
import tensorflow as tf

SCAN_WORKLOADS = ("rnn", "lstm")


@dataclasses.dataclass
class ScanProblem:
    workload: str
    inputs: tuple     # (x, y) for rnn; (x, mask, labels) for lstm
    params: list
    rtol: float
    lr: float = 0.01
    floatX: str = "float32"
    steps: int = 100

    @property
    def reference_trainer(self):
        return NumpyRNN if self.workload == "rnn" else NumpyLSTM

    def step_cost(self):
        """FLOPs and bytes of one step, for the limit column (tools/bench_limits.py)."""
        steps, batch, dim = self.inputs[0].shape
        units = self.params[1].shape[1]  # rnn: dim; lstm: the four gates, 4 * dim
        # per time step: x_t W forward and its weight gradient; h U forward, its
        # weight gradient and h's gradient; the lstm's classifier on the mean of h
        flops = 5 * 2 * steps * batch * dim * units
        if self.workload == "lstm":
            flops += dense_flops(batch, [dim, self.params[3].shape[1]], input_grad=True)
        # the parameters read and written, the inputs read
        return step_cost(flops, 2 * nbytes(self.params) + nbytes(self.inputs), self.floatX)


def make_problem(workload, quick=False):
    rng = np.random.RandomState(0)
    steps, batch, dim = (100, 32, 128) if workload == "rnn" else (100, 16, 128)
    if quick:
        steps, batch, dim = 5, 4, 8
    f32 = np.float32
    if workload == "rnn":
        x = rng.randn(steps, batch, dim).astype(f32)
        y = rng.uniform(-0.5, 0.5, (steps, batch, dim)).astype(f32)
        params = [(rng.randn(dim, dim) / np.sqrt(dim)).astype(f32),
                  (np.linalg.qr(rng.randn(dim, dim))[0] * 0.9).astype(f32),
                  np.zeros(dim, f32)]
        return ScanProblem(workload, (x, y), params, rtol=2e-3, steps=steps)
    x = (rng.randn(steps, batch, dim) * 0.5).astype(f32)       # embedded words
    lengths = rng.randint(steps // 2, steps + 1, batch)
    mask = (np.arange(steps)[:, None] < lengths[None, :]).astype(f32)
    labels = rng.randint(0, 2, batch).astype(np.int64)
    scale = 0.01  # the tutorial's ortho_weight / 0.01 * randn initialisation
    W = np.concatenate([np.linalg.qr(rng.randn(dim, dim))[0] for _ in range(4)], 1).astype(f32)
    U = np.concatenate([np.linalg.qr(rng.randn(dim, dim))[0] for _ in range(4)], 1).astype(f32)
    params = [W, U, np.zeros(4 * dim, f32), (scale * rng.randn(dim, 2)).astype(f32),
              np.zeros(2, f32)]
    return ScanProblem(workload, (x, mask, labels), params, rtol=2e-3, steps=steps)


# --- NumPy by hand -----------------------------------------------------------------

class _Numpy(NumpyByHand):
    def step(self):
        cost, grads = self.cost_and_grads(*self.problem.inputs)
        for p, g in zip(self._params, grads):
            p -= self.problem.lr * g
        return cost


class NumpyRNN(_Numpy):
    def cost_and_grads(self, x, y):
        Wx, Wh, b = self._params
        steps = len(x)
        hs = np.empty_like(y)
        h = np.zeros((x.shape[1], Wh.shape[0]), x.dtype)
        for t in range(steps):
            h = np.tanh(x[t] @ Wx + h @ Wh + b)
            hs[t] = h
        diff = hs - y
        cost = (diff ** 2).mean()
        dhs = 2 * diff / diff.size
        gWx, gWh, gb = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dh = np.zeros_like(hs[0])
        for t in reversed(range(steps)):
            dz = (dh + dhs[t]) * (1 - hs[t] ** 2)
            prev = hs[t - 1] if t else np.zeros_like(hs[0])
            gWx += x[t].T @ dz
            gWh += prev.T @ dz
            gb += dz.sum(0)
            dh = dz @ Wh.T
        return cost, [gWx, gWh, gb]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


class NumpyLSTM(_Numpy):
    def cost_and_grads(self, x, mask, labels):
        W, U, b, V, c = self._params
        steps, batch, _ = x.shape
        d = U.shape[0]
        below = x @ W + b
        h = np.zeros((batch, d), x.dtype)
        cell = np.zeros((batch, d), x.dtype)
        saved = []
        for t in range(steps):
            pre = below[t] + h @ U
            i, f, o = (_sigmoid(pre[:, k * d:(k + 1) * d]) for k in range(3))
            g = np.tanh(pre[:, 3 * d:])
            m = mask[t][:, None]
            c_new = m * (f * cell + i * g) + (1 - m) * cell
            tc = np.tanh(c_new)
            h_new = m * (o * tc) + (1 - m) * h
            saved.append((h, cell, i, f, o, g, tc))
            h, cell = h_new, c_new
            if t == 0:
                hs = np.empty((steps, batch, d), x.dtype)
            hs[t] = h
        counts = mask.sum(0)[:, None]
        proj = (hs * mask[:, :, None]).sum(0) / counts
        logits = proj @ V + c
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        cost = -np.log(p[np.arange(batch), labels] + 1e-8).mean()
        dlogits = p.copy()
        dlogits[np.arange(batch), labels] -= 1
        dlogits *= (p[np.arange(batch), labels] / (p[np.arange(batch), labels] + 1e-8))[:, None]
        dlogits /= batch
        gV, gc = proj.T @ dlogits, dlogits.sum(0)
        dproj = dlogits @ V.T
        dhs = mask[:, :, None] * (dproj / counts)[None]
        gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
        dh = np.zeros((batch, d), x.dtype)
        dcell = np.zeros((batch, d), x.dtype)
        dbelow = np.empty_like(below)
        for t in reversed(range(steps)):
            h_prev, c_prev, i, f, o, g, tc = saved[t]
            m = mask[t][:, None]
            dh_total = dh + dhs[t]
            do = m * dh_total * tc
            dc = dcell + m * dh_total * o * (1 - tc ** 2)
            dc_inner = m * dc
            di, df, dg = dc_inner * g, dc_inner * c_prev, dc_inner * i
            dpre = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o),
                                   dg * (1 - g ** 2)], 1)
            dbelow[t] = dpre
            gU += h_prev.T @ dpre
            dh = (1 - m) * dh_total + dpre @ U.T
            dcell = (1 - m) * dc + dc_inner * f
        gW = np.tensordot(x, dbelow, axes=([0, 1], [0, 1]))
        gb = dbelow.sum((0, 1))
        return cost, [gW, gU, gb, gV, gc]


# --- TensorFlow by hand --------------------------------------------------------------

def _tf_rnn_cost(params, x, y, use_tf_scan):
    Wx, Wh, b = params
    h0 = tf.zeros([tf.shape(x)[1], tf.shape(Wh)[0]], x.dtype)
    below = tf.einsum("tbi,ij->tbj", x, Wx) + b
    if use_tf_scan:
        hs = tf.scan(lambda h, z: tf.tanh(z + tf.matmul(h, Wh)), below, initializer=h0)
    else:
        n = tf.shape(x)[0]
        inputs = tf.TensorArray(x.dtype, size=n).unstack(below)
        outputs = tf.TensorArray(x.dtype, size=n)

        def body(t, h, outputs):
            h = tf.tanh(inputs.read(t) + tf.matmul(h, Wh))
            return t + 1, h, outputs.write(t, h)
        _, _, outputs = tf.while_loop(lambda t, *_: t < n, body, (0, h0, outputs),
                                      maximum_iterations=n)
        hs = outputs.stack()
    return tf.reduce_mean(tf.square(hs - y))


def _tf_lstm_cost(params, x, mask, labels, use_tf_scan):
    W, U, b, V, c = params
    d = tf.shape(U)[0]
    below = tf.einsum("tbi,ij->tbj", x, W) + b
    zeros = tf.zeros([tf.shape(x)[1], d], x.dtype)

    def step(h, cell, m, pre_below):
        pre = pre_below + tf.matmul(h, U)
        i, f, o, g = tf.split(pre, 4, axis=1)
        i, f, o, g = tf.sigmoid(i), tf.sigmoid(f), tf.sigmoid(o), tf.tanh(g)
        m = m[:, None]
        c_new = m * (f * cell + i * g) + (1 - m) * cell
        h_new = m * (o * tf.tanh(c_new)) + (1 - m) * h
        return h_new, c_new

    if use_tf_scan:
        hs, _ = tf.scan(lambda carry, seq: step(carry[0], carry[1], seq[0], seq[1]),
                        (mask, below), initializer=(zeros, zeros))
    else:
        n = tf.shape(x)[0]
        masks = tf.TensorArray(x.dtype, size=n).unstack(mask)
        belows = tf.TensorArray(x.dtype, size=n).unstack(below)
        outputs = tf.TensorArray(x.dtype, size=n)

        def body(t, h, cell, outputs):
            h, cell = step(h, cell, masks.read(t), belows.read(t))
            return t + 1, h, cell, outputs.write(t, h)
        _, _, _, outputs = tf.while_loop(lambda t, *_: t < n, body, (0, zeros, zeros, outputs),
                                         maximum_iterations=n)
        hs = outputs.stack()
    proj = tf.reduce_sum(hs * mask[:, :, None], 0) / tf.reduce_sum(mask, 0)[:, None]
    p = tf.nn.softmax(tf.matmul(proj, V) + c)
    picked = tf.gather(p, labels, batch_dims=1)
    return -tf.reduce_mean(tf.math.log(picked + 1e-8))


class TFScanTrainer:
    failure = "error"
    steps_per_call = 1
    # name: (use tf.scan, jit_compile, call the concrete function, NumPy arguments)
    # Tensor arguments are made once; NumPy arguments are converted at every
    # call, as tfgraph's are (a Theano program passes NumPy arrays).
    VARIANTS = {"tf while_loop": (False, False, False, False),
                "tf while_loop concrete fn": (False, False, True, False),
                "tf while_loop concrete fn NumPy args": (False, False, True, True),
                "tf while_loop XLA": (False, True, True, False),
                "tf.scan": (True, False, False, False)}

    def __init__(self, problem, name):
        self.problem, self.name = problem, name

    def prepare(self):
        pass

    def build(self):
        p = self.problem
        use_tf_scan, jit, concrete, numpy_args = self.VARIANTS[self.name]
        self._params = [tf.Variable(v) for v in p.params]
        cost_fn = _tf_rnn_cost if p.workload == "rnn" else _tf_lstm_cost

        def step(*inputs):
            with tf.GradientTape() as tape:
                cost = cost_fn(self._params, *inputs, use_tf_scan)
            for v, g in zip(self._params, tape.gradient(cost, self._params)):
                v.assign_sub(p.lr * g)
            return cost
        signature = [tf.TensorSpec([None] * a.ndim, a.dtype) for a in p.inputs]
        fn = tf.function(step, input_signature=signature, jit_compile=jit or None)
        self._fn = fn.get_concrete_function() if concrete else fn
        self._args = p.inputs if numpy_args else [tf.constant(a) for a in p.inputs]

    def step(self):
        return self._fn(*self._args).numpy()

    def params(self):
        return [v.numpy() for v in self._params]


# --- the Theano program -----------------------------------------------------------------

def theano_rnn(theano, T, sigmoid, shared, problem, **kwargs):
    x, y = T.tensor3("x"), T.tensor3("y")
    Wx, Wh, b = [shared(v.copy(), name=n) for v, n in zip(problem.params, ("Wx", "Wh", "b"))]
    below = T.dot(x, Wx) + b

    def step(z_t, h_prev):
        return T.tanh(z_t + T.dot(h_prev, Wh))
    h0 = T.zeros((x.shape[1], Wh.shape[0]), dtype="float32")
    hs, _ = theano.scan(step, sequences=below, outputs_info=h0)
    cost = T.mean((hs - y) ** 2)
    params = [Wx, Wh, b]
    grads = T.grad(cost, params)
    f = theano.function([x, y], cost, updates=[(p, p - problem.lr * g)
                                               for p, g in zip(params, grads)], **kwargs)
    return f, params


def theano_lstm(theano, T, sigmoid, shared, problem, **kwargs):
    """The tutorial's lstm_layer and its pooling and classifier, as written there."""
    x, mask, labels = T.tensor3("x"), T.matrix("mask"), T.lvector("y")
    names = ("lstm_W", "lstm_U", "lstm_b", "U", "b")
    W, U, b, V, c = [shared(v.copy(), name=n) for v, n in zip(problem.params, names)]
    dim = problem.params[1].shape[0]
    n_samples = x.shape[1]

    def _slice(_x, n, d):
        return _x[:, n * d:(n + 1) * d]

    def _step(m_, x_, h_, c_):
        preact = T.dot(h_, U) + x_
        i = sigmoid(_slice(preact, 0, dim))
        f = sigmoid(_slice(preact, 1, dim))
        o = sigmoid(_slice(preact, 2, dim))
        cc = T.tanh(_slice(preact, 3, dim))
        cc = f * c_ + i * cc
        cc = m_[:, None] * cc + (1. - m_)[:, None] * c_
        h = o * T.tanh(cc)
        h = m_[:, None] * h + (1. - m_)[:, None] * h_
        return h, cc

    state_below = T.dot(x, W) + b
    zeros = T.alloc(np.float32(0.), n_samples, dim)
    (h, _), _ = theano.scan(_step, sequences=[mask, state_below], outputs_info=[zeros, zeros],
                            name="lstm_layers")
    proj = (h * mask[:, :, None]).sum(axis=0) / mask.sum(axis=0)[:, None]
    if hasattr(T, "nnet"):
        pred = T.nnet.softmax(T.dot(proj, V) + c)
    else:  # PyTensor's place for it, where it normalises over every axis unless told
        pred = T.special.softmax(T.dot(proj, V) + c, axis=-1)
    cost = -T.log(pred[T.arange(n_samples), labels] + 1e-8).mean()
    params = [W, U, b, V, c]
    grads = T.grad(cost, params)
    f = theano.function([x, mask, labels], cost,
                        updates=[(p, p - problem.lr * g) for p, g in zip(params, grads)],
                        **kwargs)
    return f, params


class TheanoScanTrainer(TheanoProgram):
    def program(self, theano, T, sigmoid, shared, *streams):
        # The API tuples start (theano, T, sigmoid, shared); a streams factory may follow.
        program = theano_rnn if self.problem.workload == "rnn" else theano_lstm
        return program(theano, T, sigmoid, shared, self.problem, **self._kwargs)


class TensorArgs(TheanoScanTrainer):
    """The same program called with tensors made once, as the hand-written
    rows' are (tfgraph takes them as it takes NumPy arrays)."""

    def build(self):
        super().build()
        self._tensors = [tf.constant(a) for a in self.problem.inputs]

    def step(self):
        return self._fn(*self._tensors)


def make_systems(problem, groups, apis):
    """``apis``: bench.py's tfgraph_api, tfgraph_xla_api and pytensor_api."""
    systems = []
    if "numpy" in groups:
        systems.append(problem.reference_trainer(problem))
    if "tf" in groups:
        systems += [TFScanTrainer(problem, name) for name in TFScanTrainer.VARIANTS]
    if "pytensor" in groups:
        systems.append(TheanoScanTrainer(problem, "pytensor", apis["pytensor"]))
    if "pytensor-c" in groups:
        systems.append(TheanoScanTrainer(problem, "pytensor C", apis["pytensor"], mode="CVM"))
    if "tfgraph" in groups:
        systems.append(TheanoScanTrainer(problem, "tfgraph", apis["tfgraph"]))
        systems.append(TensorArgs(problem, "tfgraph tensor args", apis["tfgraph"]))
        systems.append(TheanoScanTrainer(problem, "tfgraph XLA", _with_scan(apis["tfgraph_xla"])))
    return systems


def _with_scan(api):
    """bench.py's XLA stand-in for the theano module, given scan too."""
    def with_scan():
        theano, *rest = api()
        import tfgraph
        theano.scan = staticmethod(tfgraph.scan)
        return (theano, *rest)
    return with_scan
