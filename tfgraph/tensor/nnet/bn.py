"""``theano.tensor.nnet.bn``: batch normalization, with Theano 1.0's formulas
(training statistics are the biased variance; the running variance is updated
with the unbiased one)."""
import numpy as np

from tfgraph import tensor as T  # the namespace being built: read at call time
from tfgraph.config import config
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.batchnorm import (  # noqa: F401  (Theano's ops, for code applying them)
    AbstractBatchNormInference, AbstractBatchNormTrain, AbstractBatchNormTrainGrad)


def batch_normalization(inputs, gamma, beta, mean, std, mode="low_mem"):
    """(inputs - mean) * (gamma / std) + beta, all broadcast together."""
    if mode not in ("low_mem", "high_mem"):
        raise ValueError(f"batch_normalization: mode must be 'low_mem' or 'high_mem', got {mode!r}")
    inputs = as_tensor_variable(inputs)
    return (inputs - mean) * (as_tensor_variable(gamma) / std) + beta


def _axes(axes, ndim):
    """(normalized axes, the others) for 'per-activation', 'spatial' or a tuple."""
    if axes == "per-activation":
        axes = (0,)
    elif axes == "spatial":
        axes = (0,) + tuple(range(2, ndim))
    elif isinstance(axes, (tuple, list, np.ndarray)):
        axes = tuple(int(a) for a in axes)
    else:
        raise ValueError(f"invalid axes {axes!r}: use 'per-activation', 'spatial' or a tuple")
    axes = tuple(sorted(axes))
    if not axes:
        raise ValueError("there should be at least one normalization axis")
    if min(axes) < 0 or max(axes) >= ndim:
        raise ValueError(f"axes should be less than ndim (<{ndim}), but {axes} given")
    return axes, tuple(i for i in range(ndim) if i not in axes)


def _params(ndim, non_bc, named):
    """The parameters broadcast against the inputs: those with one dimension per
    non-normalized axis get broadcastable dimensions inserted."""
    params_ndim = named[0][1].ndim if named[0][1].ndim == ndim else len(non_bc)
    pattern = ["x"] * ndim
    for i, axis in enumerate(non_bc):
        pattern[axis] = i
    result = []
    for name, p in named:
        p = as_tensor_variable(p)
        if p.ndim != params_ndim:
            raise ValueError(f"{name} must have {params_ndim} dimensions (one per "
                             f"non-normalized axis, or as many as the inputs), got {p.ndim}")
        result.append(p if params_ndim == ndim else p.dimshuffle(*pattern))
    return params_ndim, result


def _check_epsilon(epsilon):
    if np.asarray(epsilon, dtype=config.floatX) < 1e-5:
        raise ValueError(f"epsilon must be at least 1e-5, got {epsilon}")


def batch_normalization_train(inputs, gamma, beta, axes="per-activation", epsilon=1e-4,
                              running_average_factor=0.1, running_mean=None,
                              running_var=None):
    """(output, mean, invstd) of the batch, and the new running mean and
    variance when both ``running_mean`` and ``running_var`` are given."""
    inputs = as_tensor_variable(inputs)
    ndim = inputs.ndim
    axes, non_bc = _axes(axes, ndim)
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be given or both be None")
    _check_epsilon(epsilon)
    named = [("gamma", gamma), ("beta", beta)]
    if running_mean is not None:
        named += [("running_mean", running_mean), ("running_var", running_var)]
    params_ndim, params = _params(ndim, non_bc, named)
    gamma, beta = params[:2]
    mean = T.mean(inputs, axis=axes, keepdims=True)
    var = T.var(inputs, axis=axes, keepdims=True)
    invstd = 1.0 / T.sqrt(var + epsilon)
    out = (inputs - mean) * (gamma * invstd) + beta
    results = [out, mean, invstd]
    if running_mean is not None:
        factor = running_average_factor
        count = T.cast(T.prod(T.shape(inputs)), inputs.dtype) / T.cast(
            T.prod(T.shape(gamma)), inputs.dtype)
        results.append(params[2] * (1.0 - factor) + mean * factor)
        results.append(params[3] * (1.0 - factor) + (count / (count - 1)) * var * factor)
    if params_ndim != ndim:
        results = [results[0]] + [r.dimshuffle(*non_bc) for r in results[1:]]
    return tuple(results)


def batch_normalization_test(inputs, gamma, beta, mean, var, axes="per-activation",
                             epsilon=1e-4):
    """(inputs - mean) * gamma / sqrt(var + epsilon) + beta with given statistics."""
    inputs = as_tensor_variable(inputs)
    _, non_bc = _axes(axes, inputs.ndim)
    _check_epsilon(epsilon)
    _, (gamma, beta, mean, var) = _params(inputs.ndim, non_bc, [
        ("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var)])
    return (inputs - mean) * (gamma / T.sqrt(var + epsilon)) + beta


def _op_axes(axes, what):
    if not isinstance(axes, (tuple, list)) or not axes:
        raise ValueError(f"{what}: axes must be a non-empty tuple, got {axes!r}")
    return tuple(int(a) for a in axes)


class AbstractBatchNormTrain:
    """Theano's op class: ``AbstractBatchNormTrain(axes)(x, scale, bias,
    epsilon=1e-4, running_average_factor=0.1, running_mean=None,
    running_var=None)`` -> [output, mean, invstd (, new running mean and
    variance)], the statistics shaped as ``scale``."""

    def __init__(self, axes=(0,)):
        self.axes = _op_axes(axes, "AbstractBatchNormTrain")

    def __call__(self, x, scale, bias, epsilon=1e-4, running_average_factor=0.1,
                 running_mean=None, running_var=None):
        return list(batch_normalization_train(x, scale, bias, self.axes, epsilon,
                                              running_average_factor, running_mean,
                                              running_var))


class AbstractBatchNormInference:
    """Theano's op class: ``AbstractBatchNormInference(axes)(x, scale, bias,
    estimated_mean, estimated_variance, epsilon=1e-4)``."""

    def __init__(self, axes=(0,)):
        self.axes = _op_axes(axes, "AbstractBatchNormInference")

    def __call__(self, x, scale, bias, estimated_mean, estimated_variance, epsilon=1e-4):
        return batch_normalization_test(x, scale, bias, estimated_mean, estimated_variance,
                                        self.axes, epsilon)
