"""Theano's ``MRG_RandomStreams`` (``theano.sandbox.rng_mrg``): draws from
L'Ecuyer's MRG31k3p generator that give Theano 1.0.5's numbers for a seed.

The stream keeps ``rstate``, six int32 values. Each draw of uniforms gets
``nstreams`` streams (``guess_n_streams(size)`` unless given) starting 2**72
steps apart from ``rstate``, held in a shared int32 (nstreams, 6) variable
whose ``default_update`` is the state after the draw; ``rstate`` then jumps
2**134 steps for the next one. Every other distribution is made of uniform
draws as Theano makes it: ``binomial`` compares them with p, ``normal`` is
Box-Muller over an even count of them (``truncate`` redraws the values
outside two deviations from a second draw), ``multinomial`` and ``choice``
walk each row's cumulative probabilities.
"""
import numbers
import warnings

import numpy as np

from tfgraph import dtypes
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import cast
from tfgraph.ops.shape import Shape
from tfgraph.ops.subtensor import getitem
from tfgraph.random import mrg31k3p
from tfgraph.random.mrg31k3p import M1, M2, guess_n_streams
from tfgraph.random.mrg_ops import BoxMuller, TruncationCount, checked, mrg_uniform
from tfgraph.random.op import undefined_grad
from tfgraph.random.size import as_param, float_dtype, is_constant, normalize_size
from tfgraph.sandbox.multinomial import ChoiceFromUniform, MultinomialFromUniform
from tfgraph.shared import shared

# 1 / 0.87962566103423978 is the deviation of a standard normal cut at +-2
# (scipy.stats.truncnorm.std(-2, 2)): truncated_normal divides std by it.
_TRUNCATED_STD = .87962566103423978


class MRG_RandomStreams:
    """Theano's ``MRG_RandomStreams(seed=12345)``: ``uniform``, ``normal``,
    ``truncated_normal``, ``binomial`` (n=1), ``multinomial``, ``choice``.

    ``seed`` is a positive int below 2147462579 (used six times) or six
    ints: the first three below M1, not all 0, the last three below M2, not
    all 0."""

    def __init__(self, seed=12345):
        # (state, next state, size, nstreams) of every draw, as Theano's.
        self.state_updates = []
        self.default_instance_seed = seed
        self.set_rstate(seed)

    def updates(self):
        """The (state, next state, size, nstreams) of every draw so far."""
        return list(self.state_updates)

    def set_rstate(self, seed):
        """Check ``seed`` as Theano does and make it the generator's state."""
        self.rstate = _rstate_of(seed)

    def seed(self, seed=None):
        """Start the generator again from ``seed`` (the stream's own seed when
        None) and give every draw made so far, in order, the streams it would
        have had: seeding with the seed a stream was made with gives back its
        first numbers."""
        if seed is None:
            seed = self.default_instance_seed
        rstate = _rstate_of(seed)   # a bad seed changes nothing
        self.rstate = rstate
        for state, new_state, size, nstreams in self.state_updates:
            if nstreams is None:
                nstreams = self.n_streams(size)
            state.set_value(self.get_substream_rstates(nstreams, new_state.dtype), borrow=True)

    def inc_rstate(self):
        """Move ``rstate`` 2**134 steps on, to the start of the next stream."""
        self.rstate = mrg31k3p.ff_2p134(self.rstate)

    def get_substream_rstates(self, n_streams, dtype, inc_rstate=True):
        """(n_streams, 6) int32 states 2**72 steps apart from ``rstate``,
        which then moves on (``inc_rstate``) unless told not to."""
        if not 0 < n_streams < 2 ** 72:
            raise ValueError(f"n_streams must be positive, got {n_streams}")
        states = mrg31k3p.substreams(self.rstate, int(n_streams))
        if inc_rstate:
            self.inc_rstate()
        return states

    def n_streams(self, size):
        return guess_n_streams(size)

    def pretty_return(self, node_rstate, new_rstate, sample, size, nstreams):
        """Record a draw: its state, update and arguments."""
        sample.rstate = node_rstate
        sample.update = (node_rstate, new_rstate)
        self.state_updates.append((node_rstate, new_rstate, size, nstreams))
        node_rstate.default_update = new_rstate
        return sample

    def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None,
                **kwargs):
        """Uniform floats in (low, high); dtype at least floatX. The gradient
        with respect to low and high is undefined, as in Theano 1.0."""
        low, high = as_param(low, "low", "uniform"), as_param(high, "high", "uniform")
        dtype = float_dtype(dtype, low, high)
        if low.ndim == high.ndim == 0 and is_constant(low, 0) and is_constant(high, 1):
            # (0, 1), binomial's and dropout's: u * 1 + 0 is u, two passes
            # over the sample saved (u > 0, so not even a zero's sign changes)
            return self._uniform(size, ndim, dtype, nstreams, kwargs, "uniform")
        low, high = checked("uniform", ("low", "high"), [("ordered", (0, 1))],
                            undefined_grad(cast(low, dtype)), undefined_grad(cast(high, dtype)))
        u = self._uniform(size, ndim, dtype, nstreams, kwargs, "uniform")
        result = u * (high - low) + low
        if result.broadcastable != u.broadcastable:
            raise NotImplementedError("Increase the size to match the broadcasting pattern "
                                      "of `low` and `high` arguments")
        return _labelled(result, u)

    def _uniform(self, size, ndim, dtype, nstreams, kwargs, what):
        """A draw of uniforms in (0, 1) on new streams (the sample of an
        mrg_uniform node, recorded)."""
        _check_kwargs(kwargs, what)
        if nstreams is not None and not (isinstance(nstreams, numbers.Integral) and nstreams > 0):
            raise ValueError(f"{what}: nstreams must be a positive int, got {nstreams!r}")
        vector, ndim, pattern = normalize_size(size, ndim, [], what, positive=True)
        rstates = self.get_substream_rstates(nstreams or self.n_streams(size), dtype)
        node_rstate = shared(rstates)
        node_rstate.tag.is_rng = True
        new_rstate, u = mrg_uniform.new(node_rstate, ndim, dtype, vector)
        return self.pretty_return(node_rstate, new_rstate, u, size, nstreams)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None,
                 **kwargs):
        """1 where a uniform draw is below ``p``, else 0 (n=1 only, as Theano's)."""
        if not (isinstance(n, numbers.Integral) and n == 1 or is_constant(n, 1)):
            raise NotImplementedError("MRG_RandomStreams.binomial with n > 1")
        if size is None:
            raise TypeError("binomial: size is required by MRG_RandomStreams")
        p, = checked("binomial", ("p",), [("probability", (0,))],
                     undefined_grad(as_param(p, "p", "binomial")))
        u = self.uniform(size=size, ndim=ndim, nstreams=nstreams, **kwargs)
        return _labelled(cast(u < p, dtype), u)

    def multinomial(self, size=None, n=1, pvals=None, ndim=None, dtype="int64",
                    nstreams=None, **kwargs):
        """Counts of ``n`` draws per row of ``pvals`` (a matrix): the result
        has pvals' shape. Draw c of row r is uniform c * rows + r."""
        if pvals is None:
            raise TypeError("You have to specify pvals")
        pvals = as_param(pvals, "pvals", "multinomial")
        if size is not None:
            if any(isinstance(i, numbers.Integral) and i <= 0 for i in size):
                raise ValueError("The specified size contains a dimension with value <= 0", size)
            raise ValueError("Provided a size argument to MRG_RandomStreams.multinomial, "
                             "which does not use the size argument.")
        if ndim is not None:
            raise ValueError("Provided an ndim argument to MRG_RandomStreams.multinomial, "
                             "which does not use the ndim argument.")
        if pvals.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial only implemented for "
                                      "pvals.ndim = 2")
        n = as_param(n, "n", "multinomial")
        if not dtypes.is_discrete(n.dtype) or n.dtype == "bool":
            raise TypeError(f"multinomial: n must be an integer, got {n} ({n.type})")
        pvals = undefined_grad(pvals)   # unchecked, as Theano's: [[-2, 2]] draws [[0, 0]]
        n, = checked("multinomial", ("n",), [("count", (0,))], n)
        u = self._rows_uniforms(pvals, n, nstreams, kwargs, "multinomial")
        return _labelled(MultinomialFromUniform(dtype)(pvals, u, n), u)

    def choice(self, size=1, a=None, replace=True, p=None, ndim=None, dtype="int64",
               nstreams=None, **kwargs):
        """``size`` indices per row of ``p`` (a matrix), drawn with the row's
        probabilities: a matrix (rows of p, size). Theano implemented only
        ``replace=False``; both work here."""
        if a is not None:
            raise TypeError("For now, a has to be None in MRG_RandomStreams.choice. Sampled "
                            "values are between 0 and p.shape[1]-1")
        if p is None:
            raise TypeError("For now, p has to be specified in MRG_RandomStreams.choice.")
        if ndim is not None:
            raise ValueError("ndim argument to MRG_RandomStreams.choice is not used.")
        p = as_param(p, "p", "choice")
        if p.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.choice is only implemented for "
                                      "p.ndim = 2")
        p = undefined_grad(p)   # unchecked, as Theano's
        size = as_tensor_variable(size)
        u = self._rows_uniforms(p, size, nstreams, kwargs, "choice")
        return _labelled(ChoiceFromUniform(odtype=dtype, replace=bool(replace))(p, u, size), u)

    def _rows_uniforms(self, p, n, nstreams, kwargs, what):
        """n uniforms per row of p (floatX, as Theano's)."""
        count = getitem(Shape()(p), slice(0, 1)) * cast(n, "int64")
        return self.uniform(size=count, ndim=1, nstreams=nstreams, **kwargs)

    def multinomial_wo_replacement(self, size=None, n=1, pvals=None, ndim=None,
                                   dtype="int64", nstreams=None, **kwargs):
        warnings.warn("MRG_RandomStreams.multinomial_wo_replacement() is deprecated and will "
                      "be removed in the next release of Theano. Please use "
                      "MRG_RandomStreams.choice() instead.")
        if size is not None:
            raise ValueError("multinomial_wo_replacement: size must be None")
        return self.choice(size=n, a=None, replace=False, p=pvals, dtype=dtype,
                           nstreams=nstreams, ndim=ndim, **kwargs)

    def normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None,
               truncate=False, **kwargs):
        """Normal floats avg + std * z by Box-Muller; with ``truncate``, the z
        outside [-2, 2] are drawn again. The gradient with respect to avg and
        std is undefined, as in Theano 1.0."""
        vector, ndim, pattern = normalize_size(size, ndim, [], "normal", positive=True)
        avg, std = as_param(avg, "avg", "normal"), as_param(std, "std", "normal")
        dtype = float_dtype(dtype, avg, std)
        avg, std = checked("normal", ("avg", "std"), [("deviation", (1,))],
                           undefined_grad(cast(avg, dtype)), undefined_grad(cast(std, dtype)))
        _check_kwargs(kwargs, "normal")
        n_odd = vector.prod(dtype="int64")
        n_even = n_odd + n_odd % 2
        u = self.uniform((n_even,), low=0.0, high=1.0, ndim=1, dtype=dtype, nstreams=nstreams,
                         **kwargs)
        if truncate:
            lower = as_tensor_variable(np.asarray(1.0 / np.e ** 2, dtype=dtype))
            u_fix = self.uniform((TruncationCount()(u),), low=lower, high=1.0, ndim=1,
                                 dtype=dtype, nstreams=nstreams, **kwargs)
            z = BoxMuller(dtype, pattern, truncate=True)(u, u_fix, vector)
        else:
            z = BoxMuller(dtype, pattern)(u, vector)
        return _labelled(z * std + avg, u)

    def truncated_normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None,
                         **kwargs):
        """A normal cut at two standard deviations, rescaled so that its
        standard deviation is ``std`` (as Theano's)."""
        std = as_param(std, "std", "truncated_normal") / as_tensor_variable(_TRUNCATED_STD)
        return self.normal(size, avg=avg, std=std, ndim=ndim, dtype=dtype, nstreams=nstreams,
                           truncate=True, **kwargs)


def _labelled(result, u):
    """``result``, carrying the state and update of the draw ``u`` it is
    made of (Theano puts them on the uniform sample only)."""
    result.rstate, result.update = u.rstate, u.update
    return result


def _rstate_of(seed):
    """The six int32 values of a seed, checked as Theano checks them."""
    if isinstance(seed, (numbers.Integral, np.integer)) and not isinstance(seed, bool):
        if seed == 0:
            raise ValueError("seed should not be 0", seed)
        if seed >= M2:
            raise ValueError(f"seed should be less than {int(M2)}", seed)
        if seed < 0:
            raise ValueError("seed should be positive", seed)
        return np.asarray([seed] * 6, dtype="int32")
    if isinstance(seed, (list, tuple, np.ndarray)) and len(seed) == 6:
        values = [int(s) for s in seed]
        if not any(values[:3]):
            raise ValueError("The first 3 values of seed should not be all 0", seed)
        if not any(values[3:]):
            raise ValueError("The last 3 values of seed should not be all 0", seed)
        if any(s >= M1 for s in values[:3]):
            raise ValueError(f"The first 3 values of seed should be less than {int(M1)}", seed)
        if any(s >= M2 for s in values[3:]):
            raise ValueError(f"The last 3 values of seed should be less than {int(M2)}", seed)
        if any(s < 0 for s in values):
            raise ValueError("seed values should be positive", seed)
        return np.asarray(values, dtype="int32")
    raise TypeError("seed should be 1 integer or 6 integers")


def _check_kwargs(kwargs, what):
    kwargs = {k: v for k, v in kwargs.items() if k != "target"}
    if kwargs:
        raise TypeError(f"{what}() got unexpected keyword arguments {sorted(kwargs)}")


__all__ = ["MRG_RandomStreams", "guess_n_streams"]
