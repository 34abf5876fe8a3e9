"""Activations of ``theano.tensor.nnet`` built from elementwise ops, with
Theano 1.0's formulas (so values and gradients match it), and h_softmax."""
from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph import dtypes
from tfgraph.ops.base import as_tensor_variable, constant
from tfgraph.ops.elemwise import OPS

_switch, _gt, _mul, _add = OPS["switch"], OPS["gt"], OPS["mul"], OPS["add"]


def elu(x, alpha=1):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere."""
    x = as_tensor_variable(x)
    return _switch(_gt(x, 0), x, _mul(alpha, OPS["expm1"](x)))


def selu(x):
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return _mul(1.0507009873554804934193349852946,
                elu(x, 1.6732632423543772848170429916717))


def softsign(x):
    """x / (1 + |x|)."""
    x = as_tensor_variable(x)
    return OPS["true_div"](x, _add(1, OPS["abs_"](x)))


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1), computed in x's float dtype."""
    x = as_tensor_variable(x)
    dtype = dtypes.upgrade_to_float(x.dtype)
    scaled = _add(_mul(x, constant(0.2, dtype=dtype)), constant(0.5, dtype=dtype))
    return OPS["clip"](scaled, 0, 1)


def ultra_fast_sigmoid(x):
    """Theano's piecewise approximation of the sigmoid (error below 0.03):
    0.5 * (1 + t(x / 2)), with t a three-piece approximation of tanh."""
    x = as_tensor_variable(x)
    half = _mul(0.5, x)
    a = OPS["abs_"](half)
    lt = OPS["lt"]
    t = _switch(lt(a, 1.7), OPS["true_div"](_mul(1.5, a), _add(1, a)),
                _switch(lt(a, 3), _add(0.935409070603099, _mul(0.0458812946797165,
                                                                OPS["sub"](a, 1.7))),
                        0.99505475368673))
    return _mul(0.5, _add(_mul(OPS["sgn"](half), t), 1))


def h_softmax(x, batch_size, n_outputs, n_classes, n_outputs_per_class, W1, b1, W2, b2,
              target=None):
    """Two-level hierarchical softmax (Theano's ``h_softmax``): x (batch,
    features); W1 (features, n_classes), b1 (n_classes,); W2 (n_classes,
    features, n_outputs_per_class), b2 (n_classes, n_outputs_per_class).
    Without ``target``: the probabilities of all ``n_outputs`` outputs,
    (batch, n_outputs); with integer ``target`` (batch,): the probability of
    each target."""
    x, W1, b1, W2, b2 = (as_tensor_variable(v) for v in (x, W1, b1, W2, b2))
    class_probs = T.nnet.softmax(T.dot(x, W1) + b1)
    if target is None:
        # every output of every class: (batch, n_classes, per_class)
        activations = T.tensordot(x, W2, (1, 1)) + b2
        output_probs = T.nnet.softmax(activations.reshape((-1, n_outputs_per_class)))
        output_probs = output_probs.reshape((batch_size, n_classes, -1))
        output_probs = class_probs.dimshuffle(0, 1, "x") * output_probs
        output_probs = output_probs.reshape((batch_size, -1))
        return output_probs[:, :n_outputs]
    target = as_tensor_variable(target).flatten()
    target_classes = target // n_outputs_per_class
    target_outputs_in_class = target % n_outputs_per_class
    activations = T.sum(x.dimshuffle(0, 1, "x") * W2[target_classes], axis=1) + \
        b2[target_classes]
    output_probs = T.nnet.softmax(activations)
    rows = T.arange(batch_size)
    return class_probs[rows, target_classes] * output_probs[rows, target_outputs_in_class]
