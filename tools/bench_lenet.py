"""The ``lenet`` workload of tools/bench.py: one training step of the deep
learning tutorial's LeNet (batch 500 of 1x28x28 images, 20 and 50 filters of
5x5 each followed by 2x2 max pooling and tanh, a 500-unit tanh layer, a
10-way softmax, SGD on the mean negative log-likelihood, float32).

Systems: NumPy by hand (also the reference); the same step written by hand in
TensorFlow, channels-last (NHWC, filters stored pre-flipped as TensorFlow
correlates) and channels-first (NCHW convolutions, pooling by reshape);
tfgraph running the Theano program. The Theano program and the NumPy step are
also what tests/ops/test_nnet_extra.py checks tfgraph against.
"""
import dataclasses

import numpy as np

from tools.bench_common import NumpyByHand, adapting
from tools.bench_limits import dense_flops, nbytes, step_cost
from numpy.lib.stride_tricks import sliding_window_view

NKERNS, HIDDEN, LR = (20, 50), 500, 0.1


@dataclasses.dataclass
class LeNetProblem:
    workload: str
    inputs: tuple        # x (batch, 784) float32, y (batch,) int32
    params: list         # W0, b0, W1, b1, W2, b2, W3, b3 in Theano's layouts
    rtol: float
    lr: float = LR
    nkerns: tuple = NKERNS
    floatX: str = "float32"
    is_mlp = False

    def step_cost(self):
        """FLOPs and bytes of one step, for the limit column (tools/bench_limits.py)."""
        x = self.inputs[0]
        batch, side = x.shape[0], int(round(np.sqrt(x.shape[1])))
        (k0, k1), hidden = self.nkerns, self.params[4].shape[1]
        side0 = side - 4            # 5x5 valid convolutions, then 2x2 pooling
        side1 = side0 // 2 - 4
        # products: conv0 forward and its filters' gradient; conv1 forward, its
        # filters' and its input's gradients; both dense layers forward and back
        flops = (2 * 2 * batch * k0 * side0 ** 2 * 25 + 3 * 2 * batch * k1 * side1 ** 2 * k0 * 25
                 + dense_flops(batch, [k1 * (side1 // 2) ** 2, hidden, 10], input_grad=True))
        # the parameters read and written, the inputs read
        return step_cost(flops, 2 * nbytes(self.params) + nbytes(self.inputs), self.floatX)


def lenet_params(rng, nkerns=NKERNS, hidden=HIDDEN, dtype="float64"):
    """The tutorial's initialisation: uniform in +-sqrt(6 / (fan_in + fan_out)),
    zero biases, a zero softmax layer."""
    def uniform(shape, fan_in, fan_out):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, shape)
    params = [uniform((nkerns[0], 1, 5, 5), 25, nkerns[0] * 25 / 4), np.zeros(nkerns[0]),
              uniform((nkerns[1], nkerns[0], 5, 5), nkerns[0] * 25, nkerns[1] * 25 / 4),
              np.zeros(nkerns[1]),
              uniform((nkerns[1] * 16, hidden), nkerns[1] * 16, hidden), np.zeros(hidden),
              np.zeros((hidden, 10)), np.zeros(10)]
    return [p.astype(dtype) for p in params]


def make_problem(quick=False):
    rng = np.random.RandomState(0)
    batch, nkerns, hidden = (8, (4, 6), 20) if quick else (500, NKERNS, HIDDEN)
    x = rng.uniform(0, 1, (batch, 784)).astype("float32")
    y = rng.randint(0, 10, batch).astype("int32")
    return LeNetProblem("lenet", (x, y), lenet_params(rng, nkerns, hidden, "float32"),
                        rtol=2e-3, nkerns=nkerns)


# --- the Theano program --------------------------------------------------------------

def theano_lenet(theano, T, params, batch, lr=LR):
    """The tutorial's LeNet as its Theano code builds it; returns the training
    function (x, y) -> cost and the shared parameters."""
    from importlib import import_module
    pool = import_module(T.__name__ + ".signal.pool")
    names = ["W0", "b0", "W1", "b1", "W2", "b2", "W3", "b3"]
    W0, b0, W1, b1, W2, b2, W3, b3 = shared = [theano.shared(p.copy(), n)
                                               for p, n in zip(params, names)]
    x, y = T.matrix("x"), T.ivector("y")
    nkerns = params[0].shape[0], params[2].shape[0]
    layer0_input = x.reshape((batch, 1, 28, 28))
    conv0 = T.nnet.conv2d(input=layer0_input, filters=W0, filter_shape=params[0].shape,
                          input_shape=(batch, 1, 28, 28))
    layer0 = T.tanh(pool.pool_2d(input=conv0, ws=(2, 2), ignore_border=True)
                    + b0.dimshuffle("x", 0, "x", "x"))
    conv1 = T.nnet.conv2d(input=layer0, filters=W1, filter_shape=params[2].shape,
                          input_shape=(batch, nkerns[0], 12, 12))
    layer1 = T.tanh(pool.pool_2d(input=conv1, ws=(2, 2), ignore_border=True)
                    + b1.dimshuffle("x", 0, "x", "x"))
    hidden = T.tanh(T.dot(layer1.flatten(2), W2) + b2)
    p_y_given_x = T.nnet.softmax(T.dot(hidden, W3) + b3)
    cost = -T.mean(T.log(p_y_given_x)[T.arange(y.shape[0]), y])
    grads = T.grad(cost, shared)
    train = theano.function([x, y], cost,
                            updates=[(p, p - lr * g) for p, g in zip(shared, grads)])
    return train, shared


# --- NumPy by hand ---------------------------------------------------------------------

def _patches(x, k):
    """(batch * rows * cols, channels * k * k) windows of x: im2col."""
    b, c, h, w = x.shape
    windows = sliding_window_view(x, (k, k), axis=(2, 3))     # (b, c, h', w', k, k)
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(b * (h - k + 1) * (w - k + 1), -1)


def _to_maps(rows, b, h, w):
    return rows.reshape(b, h, w, -1).transpose(0, 3, 1, 2)


def _conv(x, w):
    """Theano's valid convolution (filters flipped), as one matrix product."""
    o, c, k, _ = w.shape
    b, _, h, wd = x.shape
    flipped = w[:, :, ::-1, ::-1].reshape(o, -1)
    return _to_maps(_patches(x, k) @ flipped.T, b, h - k + 1, wd - k + 1)


def _conv_grads(x, w, dy, need_dx=True):
    o, c, k, _ = w.shape
    dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (dy_rows.T @ _patches(x, k)).reshape(w.shape)[:, :, ::-1, ::-1]
    if not need_dx:
        return None, dw
    padded = np.pad(dy, [(0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)])
    dx = _patches(padded, k) @ w.transpose(0, 2, 3, 1).reshape(o * k * k, c)
    return _to_maps(dx, x.shape[0], x.shape[2], x.shape[3]), dw


def _pool(x):
    b, c, h, w = x.shape
    blocks = x.reshape(b, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    return out, blocks == out[:, :, :, None, :, None]


def _unpool(dy, mask):
    b, c, h, _, w, _ = mask.shape
    return (mask * dy[:, :, :, None, :, None]).reshape(b, c, 2 * h, 2 * w)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def numpy_lenet_grads(params, x, y):
    """(cost, gradients, predicted labels) of LeNet (params W0, b0, ..., W3,
    b3) on flattened square images ``x``, backpropagated by hand."""
    W0, b0, W1, b1, W2, b2, W3, b3 = params
    n = x.shape[0]
    side = int(round(np.sqrt(x.shape[1])))  # square images, one channel
    a0 = x.reshape(n, 1, side, side)
    p0, m0 = _pool(_conv(a0, W0))
    h0 = np.tanh(p0 + b0[None, :, None, None])
    p1, m1 = _pool(_conv(h0, W1))
    h1 = np.tanh(p1 + b1[None, :, None, None])
    flat = h1.reshape(n, -1)
    h2 = np.tanh(flat @ W2 + b2)
    probs = _softmax(h2 @ W3 + b3)
    cost = -np.mean(np.log(probs[np.arange(n), y]))
    d_logits = probs.copy()
    d_logits[np.arange(n), y] -= 1
    d_logits /= n
    d_h2 = (d_logits @ W3.T) * (1 - h2 ** 2)
    d_p1 = (d_h2 @ W2.T).reshape(h1.shape) * (1 - h1 ** 2)
    d_h0, dW1 = _conv_grads(h0, W1, _unpool(d_p1, m1))
    d_p0 = d_h0 * (1 - h0 ** 2)
    _, dW0 = _conv_grads(a0, W0, _unpool(d_p0, m0), need_dx=False)
    grads = [dW0, d_p0.sum((0, 2, 3)), dW1, d_p1.sum((0, 2, 3)), flat.T @ d_h2,
             d_h2.sum(0), h2.T @ d_logits, d_logits.sum(0)]
    return cost, grads, np.argmax(h2 @ W3 + b3, axis=1)


def numpy_lenet_step(params, x, y, lr=LR):
    """(cost, new parameters) of one SGD step."""
    cost, grads, _ = numpy_lenet_grads(params, x, y)
    return cost, [(p - lr * g).astype(p.dtype) for p, g in zip(params, grads)]


class NumpyLeNet(NumpyByHand):
    def step(self):
        cost, self._params = numpy_lenet_step(self._params, *self.problem.inputs,
                                              self.problem.lr)
        return cost


# --- TensorFlow by hand ----------------------------------------------------------------

class TFLeNet:
    """The step written directly in TensorFlow, as a concrete function called
    with tensors (the fastest way to call it). Parameters live in the layout
    the data format wants; params() gives them back in Theano's for the check."""
    failure = "error"
    steps_per_call = 1

    def __init__(self, problem, data_format):
        self.problem, self.data_format = problem, data_format
        self.name = f"tf {data_format}"

    def prepare(self):
        pass

    def build(self):
        import tensorflow as tf
        p, nhwc = self.problem, self.data_format == "NHWC"
        W0, b0, W1, b1, W2, b2, W3, b3 = p.params
        c1 = W1.shape[0]
        # filters flipped (TF correlates), as (rows, cols, in, out) in both formats
        W0, W1 = (np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(2, 3, 1, 0))
                  for w in (W0, W1))
        if nhwc:  # the dense layer reads features in (rows, cols, channels) order
            W2 = W2.reshape(c1, 4, 4, -1).transpose(1, 2, 0, 3).reshape(16 * c1, -1)
        self._vars = [tf.Variable(v) for v in (W0, b0, W1, b1, W2, b2, W3, b3)]
        lr = p.lr
        fmt = self.data_format

        def pool(h):
            if nhwc:
                return tf.nn.max_pool2d(h, 2, 2, "VALID")
            s = tf.shape(h)   # CPU max pooling is NHWC-only: reduce 2x2 blocks
            blocks = tf.reshape(h, [s[0], s[1], s[2] // 2, 2, s[3] // 2, 2])
            return tf.reduce_max(blocks, axis=[3, 5])

        def bias(b):
            return b if nhwc else b[:, None, None]

        def step(x, y):
            W0, b0, W1, b1, W2, b2, W3, b3 = self._vars
            with tf.GradientTape() as tape:
                images = tf.reshape(x, [-1, 28, 28, 1] if nhwc else [-1, 1, 28, 28])
                h = tf.tanh(pool(tf.nn.conv2d(images, W0, 1, "VALID", data_format=fmt))
                            + bias(b0))
                h = tf.tanh(pool(tf.nn.conv2d(h, W1, 1, "VALID", data_format=fmt)) + bias(b1))
                h = tf.tanh(tf.matmul(tf.reshape(h, [tf.shape(x)[0], -1]), W2) + b2)
                logits = tf.matmul(h, W3) + b3
                cost = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
            for var, grad in zip(self._vars, tape.gradient(cost, self._vars)):
                var.assign_sub(lr * grad)
            return cost

        signature = [tf.TensorSpec([None, 784], tf.float32), tf.TensorSpec([None], tf.int32)]
        self._fn = tf.function(step, input_signature=signature).get_concrete_function()
        self._args = [tf.constant(a) for a in p.inputs]

    def step(self):
        return self._fn(*self._args).numpy()

    def params(self):
        W0, b0, W1, b1, W2, b2, W3, b3 = [v.numpy() for v in self._vars]
        W0, W1 = (w.transpose(3, 2, 0, 1)[:, :, ::-1, ::-1] for w in (W0, W1))
        if self.data_format == "NHWC":
            c1 = W1.shape[0]
            W2 = W2.reshape(4, 4, c1, -1).transpose(2, 0, 1, 3).reshape(16 * c1, -1)
        return [W0, b0, W1, b1, W2, b2, W3, b3]


class TfgraphLeNet:
    """theano_lenet() on tfgraph, called with the NumPy arrays."""
    name = "tfgraph"
    failure = "error"
    steps_per_call = 1

    def __init__(self, problem):
        self.problem = problem

    def prepare(self):
        import tfgraph
        import tfgraph.tensor
        self._library = tfgraph, tfgraph.tensor

    def build(self):
        theano, T = self._library
        saved, theano.config.floatX = theano.config.floatX, self.problem.floatX
        try:
            self._fn, self._shared = theano_lenet(theano, T, self.problem.params,
                                                  self.problem.inputs[0].shape[0],
                                                  self.problem.lr)
        finally:
            theano.config.floatX = saved

    def step(self):
        return self._fn(*self.problem.inputs)

    def adapting(self):
        return adapting(self._fn)

    def params(self):
        return [s.get_value() for s in self._shared]


def make_systems(problem, groups):
    systems = []
    if "numpy" in groups:
        systems.append(NumpyLeNet(problem))
    if "tf" in groups:
        systems += [TFLeNet(problem, "NHWC"), TFLeNet(problem, "NCHW")]
    if "tfgraph" in groups:
        systems.append(TfgraphLeNet(problem))
    return systems
