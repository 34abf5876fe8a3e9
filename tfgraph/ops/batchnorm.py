"""Theano's batch-normalization ops (tensor/nnet/bn.py): the training
statistics and output, the inference output from given statistics, and the
gradient of the training form. ``theano.tensor.nnet.bn``'s functions build
the same formulas from elementwise ops and reductions; these are for code
that applies the ops themselves. Each op is differentiable (TensorFlow's tape
differentiates the lowering), the gradient op to second order."""
from tfgraph.graph import Apply, Op
from tfgraph.ops.base import as_tensor_variable, cast_tensor, result_dtype
from tfgraph.ops.elemwise import cast
from tfgraph._tf import tf


class _AxesOp(Op):
    """An op normalizing over ``axes`` (a non-empty tuple of ints)."""
    __props__ = ("axes",)

    def __init__(self, axes=(0,)):
        if not isinstance(axes, (tuple, list)) or not axes:
            raise ValueError(f"{type(self).__name__}: axes must be a non-empty tuple of ints, "
                             f"got {axes!r}")
        self.axes = tuple(int(a) for a in axes)

    def _common(self, tensors, scalars):
        """The tensors in their common dtype (all of one ndim, axes in range)
        and the scalars as they are."""
        tensors = [as_tensor_variable(t) for t in tensors]
        ndim = tensors[0].ndim
        if any(t.ndim != ndim for t in tensors):
            raise TypeError(f"{type(self).__name__}: the tensors must all have {ndim} "
                            f"dimensions, got {[t.ndim for t in tensors]}")
        if min(self.axes) < 0 or max(self.axes) >= ndim:
            raise ValueError(f"axes should be less than ndim (<{ndim}), but {self.axes} given")
        dtype = result_dtype(tensors)
        tensors = [t if t.dtype == dtype else cast(t, dtype) for t in tensors]
        return tensors, [as_tensor_variable(s) for s in scalars]

    def _moments(self, x):
        mean = tf.reduce_mean(x, axis=self.axes, keepdims=True)
        return mean, tf.reduce_mean(tf.square(x - mean), axis=self.axes, keepdims=True)


class AbstractBatchNormTrain(_AxesOp):
    """(x, scale, bias, epsilon, running_average_factor[, running_mean,
    running_var]) -> (out, mean, invstd[, new running mean, new running var]):
    the batch's statistics (biased variance), the running variance updated
    with the unbiased one."""

    def make_node(self, x, scale, bias, epsilon=1e-4, running_average_factor=0.1,
                  running_mean=None, running_var=None):
        if (running_mean is None) != (running_var is None):
            raise ValueError("running_mean and running_var must both be given or both be None")
        running = [] if running_mean is None else [running_mean, running_var]
        tensors, scalars = self._common([x, scale, bias, *running],
                                        [epsilon, running_average_factor])
        x, scale = tensors[:2]
        inputs = tensors[:3] + scalars + tensors[3:]
        return Apply(self, inputs, [x.type] + [scale.type] * (2 + len(running)))

    def lower(self, node, inputs, ctx):
        x, scale, bias, epsilon, factor = inputs[:5]
        epsilon, factor = cast_tensor(epsilon, x.dtype.name), cast_tensor(factor, x.dtype.name)
        mean, var = self._moments(x)
        invstd = tf.math.rsqrt(var + epsilon)
        outputs = [(x - mean) * (scale * invstd) + bias, mean, invstd]
        if len(inputs) > 5:
            running_mean, running_var = inputs[5:]
            count = tf.cast(tf.size(x) // tf.size(scale), x.dtype)
            outputs += [running_mean * (1 - factor) + mean * factor,
                        running_var * (1 - factor) + count / (count - 1) * var * factor]
        return outputs


class AbstractBatchNormInference(_AxesOp):
    """(x, scale, bias, estimated_mean, estimated_variance, epsilon) -> out."""

    def make_node(self, x, scale, bias, estimated_mean, estimated_variance, epsilon=1e-4):
        tensors, scalars = self._common([x, scale, bias, estimated_mean, estimated_variance],
                                        [epsilon])
        return Apply(self, tensors + scalars, [tensors[0].type])

    def connection_pattern(self, node):
        return [[True]] * 5 + [[False]]   # not epsilon

    def lower(self, node, inputs, ctx):
        x, scale, bias, mean, var, epsilon = inputs
        epsilon = cast_tensor(epsilon, x.dtype.name)
        return [(x - mean) * (scale * tf.math.rsqrt(var + epsilon)) + bias]


class AbstractBatchNormTrainGrad(_AxesOp):
    """(x, dy, scale, x_mean, x_invstd, epsilon) -> the gradients of the
    training form's output with respect to x, scale and bias, for the output
    gradient dy."""

    def make_node(self, x, dy, scale, x_mean, x_invstd, epsilon=1e-4):
        tensors, scalars = self._common([x, dy, scale, x_mean, x_invstd], [epsilon])
        x, scale = tensors[0], tensors[2]
        return Apply(self, tensors + scalars, [x.type, scale.type, scale.type])

    def connection_pattern(self, node):
        return [[True, True, False], [True, True, True], [True, False, False],
                [True, True, False], [True, True, False], [False, False, False]]

    def lower(self, node, inputs, ctx):
        x, dy, scale, mean, invstd, _ = inputs
        diff = x - mean
        mean_dy_diff = tf.reduce_mean(dy * diff, axis=self.axes, keepdims=True)
        c = dy * invstd - diff * mean_dy_diff * invstd ** 3
        return [scale * (c - tf.reduce_mean(c, axis=self.axes, keepdims=True)),
                tf.reduce_sum(dy * invstd * diff, axis=self.axes, keepdims=True),
                tf.reduce_sum(dy, axis=self.axes, keepdims=True)]
