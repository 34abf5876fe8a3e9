"""Training programs run on one device and on meshes by tests/distribute/test_distribute.py:
each returns {name: array} of everything the run computed (outputs, updates)."""
import dataclasses

import numpy as np

import tfgraph as theano
import tfgraph.tensor as T

# Points are columns in both MLPs (the tutorial's convention): split their second axis.
LAYOUTS = {"tutorial_mlp": {"mlp_input": [None, "batch"]},
           "large_mlp": {"mlp_input": [None, "batch"], "mlp_target": [None, "batch"]},
           "errors": {"z": [None, "batch"]}}
LAYOUTS["modes"] = LAYOUTS["tutorial_mlp"]


def tutorial_mlp(steps=3, points=48):
    """The tutorial's MLP (2-4-1, float64, momentum) on the Gaussian clouds:
    `steps` calls of train, the output function, then two steps of train.loop."""
    from experiments.mlp_gaussian import build_network, gaussian_clouds, initial_parameters
    rng = np.random.default_rng(0)
    X, y = gaussian_clouds(rng, points)
    W_init, b_init, activations = initial_parameters([2, 4, 1], rng)
    net = build_network(W_init, b_init, activations)
    costs = [net.train(X, y.astype("float64")) for _ in range(steps)]
    result = {"costs": np.array(costs), "output": net.mlp_output(X),
              "loop_costs": net.train.loop(2, X, y.astype("float64"))}
    result.update(_params(net.mlp.params + [v for v, _ in net.updates]))
    return result


def large_mlp(steps=2):
    """The benchmark's large MLP step (784-1024-1024-10 there), at small sizes
    and in float64: 64 points through 16-32-32-10, sigmoid, momentum."""
    from tools.bench import make_problem, theano_program
    problem = make_problem("mlp-large", quick=True)
    problem = dataclasses.replace(
        problem, inputs=tuple(a.astype("float64") for a in problem.inputs),
        params=[p.astype("float64") for p in problem.params], floatX="float64")
    train, params = theano_program(theano, T, problem, T.nnet.sigmoid, theano.shared,
                                   name="train")
    costs = [train(*problem.inputs) for _ in range(steps)]
    result = {"costs": np.array(costs),
              "loop_costs": train.loop(None, *[np.stack([a, a]) for a in problem.inputs],
                                       sliced=True)}
    result.update(_params(params))
    return result


def lenet(steps=2, batch=8):
    """The deep learning tutorial's LeNet step (tools/bench_lenet.py's Theano
    program: conv2d, 2x2 max pooling, tanh, a tanh layer, the softmax negative
    log-likelihood by advanced indexing, SGD), small and in float64: 1x28x28
    images, 2 and 3 filters, 8 hidden units. The softmax layer starts random
    (the tutorial's zeros would leave the other gradients zero at first).
    `steps` calls, then two steps of loop."""
    from tools.bench_lenet import lenet_params, theano_lenet
    rng = np.random.RandomState(0)
    params = lenet_params(rng, (2, 3), 8)
    params[6] = rng.uniform(-0.5, 0.5, params[6].shape)
    x = rng.uniform(0, 1, (batch, 784))
    y = rng.randint(0, 10, batch).astype("int32")
    train, shared = theano_lenet(theano, T, params, batch)
    costs = [train(x, y) for _ in range(steps)]
    result = {"costs": np.array(costs), "loop_costs": train.loop(2, x, y)}
    result.update(_params(shared))
    return result


def softmax_nll(steps=2, batch=8):
    """The tutorial's logistic regression step: softmax, the negative
    log-likelihood by advanced indexing (arange(y.shape[0]), y), SGD."""
    rng = np.random.RandomState(2)
    x, y = T.matrix("x"), T.ivector("y")
    W = theano.shared(rng.uniform(-1, 1, (6, 4)), name="W")
    b = theano.shared(np.zeros(4), name="b")
    p_y = T.nnet.softmax(T.dot(x, W) + b)
    cost = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
    train = theano.function([x, y], cost, name="train", updates=[
        (q, q - 0.5 * g) for q, g in zip([W, b], T.grad(cost, [W, b]))])
    inputs = rng.uniform(-1, 1, (batch, 6)), rng.randint(0, 4, batch).astype("int32")
    result = {"costs": np.array([train(*inputs) for _ in range(steps)])}
    result.update(_params([W, b]))
    return result


def conv_pools(steps=2, batch=8):
    """A small convolutional net through every pooling mode, with the options
    Theano LeNets use (ignore_border either way, strides, padding): a 'half'
    convolution and relu, five poolings of it side by side, a softmax layer
    trained on categorical_crossentropy; also the error rate (argmax)."""
    from tfgraph.tensor.signal.pool import pool_2d
    rng = np.random.RandomState(1)
    x, y = T.tensor4("x"), T.ivector("y")
    W = theano.shared(rng.uniform(-0.5, 0.5, (3, 1, 3, 3)), name="W")
    maps = T.nnet.relu(T.nnet.conv2d(x, W, border_mode="half"))          # (batch, 3, 9, 9)
    pooled = [pool_2d(maps, ws=(2, 2), ignore_border=False),              # 5x5 each
              pool_2d(maps, ws=(3, 3), stride=(2, 2), pad=(1, 1), ignore_border=True),
              pool_2d(maps, ws=(3, 3), stride=(2, 2), ignore_border=False, mode="sum"),  # 4x4
              pool_2d(maps, ws=(2, 2), pad=(1, 1), ignore_border=True, mode="average_inc_pad"),
              pool_2d(maps, ws=(3, 3), stride=(2, 2), pad=(1, 1), ignore_border=True,
                      mode="average_exc_pad")]
    features = T.concatenate([p.flatten(2) for p in pooled], axis=1)      # 3 * 116
    V = theano.shared(rng.uniform(-0.3, 0.3, (348, 5)), name="V")
    b = theano.shared(np.zeros(5), name="b")
    p_y = T.nnet.softmax(T.dot(features, V) + b)
    cost = T.mean(T.nnet.categorical_crossentropy(p_y, y))
    errors = T.mean(T.neq(T.argmax(p_y, axis=1), y))
    params = [W, V, b]
    train = theano.function([x, y], [cost, errors], name="train", updates=[
        (q, q - 0.5 * g) for q, g in zip(params, T.grad(cost, params))])
    images = rng.uniform(0, 1, (batch, 1, 9, 9))
    labels = rng.randint(0, 5, batch).astype("int32")
    runs = np.array([train(images, labels) for _ in range(steps)])
    result = {"costs": runs[:, 0], "errors": runs[:, 1]}
    result.update(_params(params))
    return result


def _params(shared_variables):
    return {f"param{i}": v.get_value() for i, v in enumerate(shared_variables)}


CASES = {"tutorial_mlp": tutorial_mlp, "large_mlp": large_mlp, "lenet": lenet,
         "conv_pools": conv_pools, "softmax_nll": softmax_nll}


def errors():
    """What bad batches and layouts raise, and that nothing ran: messages as strings."""
    from tfgraph.distribute import MeshError
    messages = {}
    x = T.matrix("x")
    W = theano.shared(np.ones((3, 4)), name="W")
    f = theano.function([x], T.dot(x, W).sum(), updates=[(W, W * 2)], name="f")
    try:
        f(np.ones((6, 3)))  # 6 rows on 4 devices
    except MeshError as error:
        messages["batch"] = str(error)
    messages["W_unchanged"] = str(np.array_equal(W.get_value(), np.ones((3, 4))))
    try:
        W.set_value(np.ones((4, 4)))
    except MeshError as error:
        messages["set_value"] = str(error)
    W.set_value(np.arange(12.0).reshape(3, 4))
    messages["set_value_same_shape"] = str(np.array_equal(W.get_value(),
                                                          np.arange(12.0).reshape(3, 4)))
    try:
        theano.shared(np.ones((3, 6)), name="V", layout=[None, "batch"])
    except MeshError as error:
        messages["shared"] = str(error)
    try:
        theano.shared(np.ones((3, 6)), name="V", layout=["batch"])
    except MeshError as error:
        messages["shared_ndim"] = str(error)
    try:
        z = T.vector("z")
        theano.function([z], z * 2)
    except MeshError as error:
        messages["rule"] = str(error)
    return {k: np.array(v) for k, v in messages.items()}


def modes():
    """tutorial_mlp eagerly (traced on a mesh all the same) and with XLA, the
    two ways a mesh builds its function differently, and softmax_nll in
    NanGuardMode (whose checks must leave shape arithmetic static):
    {mode/name: array}."""
    from tfgraph.config import config
    result = {}
    for mode, xla, case in (("FAST_COMPILE", False, tutorial_mlp),
                            ("FAST_RUN", True, tutorial_mlp), ("NanGuardMode", False, softmax_nll)):
        config.mode, config.xla = mode, xla
        try:
            name = "XLA" if xla else mode
            result.update({f"{name}/{k}": v for k, v in case().items()})
        finally:
            del config.mode, config.xla
    return result


CASES["errors"] = errors
CASES["modes"] = modes


def scan_rnn(steps=3):
    """A tanh RNN's training step (the benchmark's rnn, at 6 steps, batch 8,
    4 units, float64): `steps` calls, then its hidden states; a second
    scan reading a sequence backwards with taps [-1, 0] into a state with taps
    [-2, -1], with its gradient; and a gated step cutting its pre-activation
    into gates, as an LSTM's does (one split), beside constant slices of the
    batch axis, the one split over the devices."""
    rng = np.random.default_rng(0)
    x_value, y_value = rng.normal(size=(6, 8, 4)), rng.uniform(-0.5, 0.5, (6, 8, 4))
    x, y = T.tensor3("x"), T.tensor3("y")
    Wx, Wh = [theano.shared(rng.normal(size=(4, 4)) / 2, name=n) for n in ("Wx", "Wh")]
    b = theano.shared(np.zeros(4), name="b")

    def step(z_t, h_prev):
        return T.tanh(z_t + T.dot(h_prev, Wh))
    hs, _ = theano.scan(step, sequences=T.dot(x, Wx) + b,
                        outputs_info=T.zeros((x.shape[1], 4), dtype="float64"))
    cost = T.mean((hs - y) ** 2)
    params = [Wx, Wh, b]
    grads = T.grad(cost, params)
    train = theano.function([x, y], cost, name="train",
                            updates=[(p, p - 0.1 * g) for p, g in zip(params, grads)])
    costs = [train(x_value, y_value) for _ in range(steps)]
    states = theano.function([x], hs, name="states")(x_value)

    def mix(x_prev, x_now, s_2, s_1):
        return 0.5 * s_2 + T.tanh(x_prev * x_now + s_1)
    s0 = T.as_tensor_variable(np.zeros((2, 8)))
    mixed, _ = theano.scan(mix, sequences=dict(input=x.sum(axis=2), taps=[-1, 0]),
                           outputs_info=dict(initial=s0 + b.sum(), taps=[-2, -1]),
                           go_backwards=True)
    backwards = theano.function([x], [mixed, T.grad(mixed.sum(), b)], name="backwards")
    result = {"costs": np.array(costs), "states": states}
    result.update(zip(("mixed", "mixed_grad"), backwards(x_value)))
    result.update(_params(params))

    U = theano.shared(rng.normal(size=(4, 8)) / 2, name="U")

    def gated(z_t, h_prev):
        pre = T.dot(h_prev, U) + T.concatenate([z_t, z_t], axis=1)
        return T.nnet.sigmoid(pre[:, :4]) * T.tanh(pre[:, 4:])
    gates, _ = theano.scan(gated, sequences=x, outputs_info=T.zeros((x.shape[1], 4)))
    halves = (gates[:, :3] ** 2).sum() + gates[:, 3:].sum()
    result.update(zip(("gated", "gated_grad"), theano.function(
        [x], [halves, T.grad(halves, U)], name="gated")(x_value)))
    return result


CASES["scan_rnn"] = scan_rnn
# Data parallel over the batch, the second axis of a sequence.
LAYOUTS["scan_rnn"] = {"x": [None, "batch", None], "y": [None, "batch", None]}


def failures():
    """Calls and loops that fail midway on a mesh as on one device: what they
    raise (as 'error/<name>': 'ExceptionClass: message'), and that what they
    did is undone, so the next calls give the one-device numbers. An index
    out of range; a label out of range in the softmax negative
    log-likelihood; a sliced loop whose step 2 fails; a loop whose every step
    reads an index out of range."""
    result = {}

    def attempt(name, action):
        try:
            action()
            result[f"error/{name}"] = np.array("no error")
        except Exception as error:  # noqa: BLE001  (what it is, compared below)
            result[f"error/{name}"] = np.array(f"{type(error).__name__}: {error}")

    x, i = T.vector("x"), T.lvector("i")
    s = theano.shared(np.float64(2), name="s")
    f = theano.function([x, i], x[i].sum() * s, updates=[(s, s * 2)], name="gather")
    points = np.arange(8, dtype=theano.config.floatX)
    result["first"] = f(points, [1, 2])                       # 3 * 2; s -> 4
    attempt("index", lambda: f(points, [1, 9]))
    result["s_after_index"] = s.get_value()                   # still 4
    result["next"] = f(points, [1, 2])                        # 3 * 4; s -> 8
    steps = np.stack([points] * 4)
    attempt("loop", lambda: f.loop(None, steps, [[0, 1], [1, 2], [0, 9], [1, 1]],
                                   sliced=True))
    result["s_after_loop"] = s.get_value()                    # still 8
    attempt("loop_every_step", lambda: f.loop(2, points, [9, 9]))
    result["s_after_loops"] = s.get_value()                   # still 8
    result["loop"] = f.loop(None, steps[:2], [[0, 1], [1, 2]], sliced=True)  # s -> 32

    rng = np.random.RandomState(3)
    inputs, labels = T.matrix("inputs"), T.ivector("labels")
    W = theano.shared(rng.uniform(-1, 1, (3, 4)), name="W")
    p_y = T.nnet.softmax(T.dot(inputs, W))
    cost = -T.mean(T.log(p_y)[T.arange(labels.shape[0]), labels])
    train = theano.function([inputs, labels], cost, updates=[(W, W - 0.5 * T.grad(cost, W))],
                            name="train")
    batch = rng.uniform(-1, 1, (8, 3))
    good = np.array([0, 1, 2, 3, 0, 1, 2, 3], dtype="int32")
    result["cost"] = train(batch, good)
    attempt("label", lambda: train(batch, np.array([0, 1, 2, 7, 0, 1, 2, 3], dtype="int32")))
    result["W_after_label"] = W.get_value()
    result["cost_next"] = train(batch, good)
    result["W"] = W.get_value()
    result["s"] = s.get_value()
    return result


CASES["failures"] = failures
LAYOUTS["failures"] = {"i": [None]}   # the indices whole on every device
