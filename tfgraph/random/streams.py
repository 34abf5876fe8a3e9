"""Random streams: ``RandomStreams`` (Theano's
``tensor.shared_randomstreams``) and ``MRG_RandomStreams`` (Theano's
``sandbox.rng_mrg``).

Each random variable gets its own state, a shared int64 vector ``[key,
counter]`` whose ``default_update`` is the next state (the counter plus one),
so every call of a function using the variable draws new numbers, and a
call that fails leaves the state as it was. The keys come from the stream's
seed and the variable's rank among the stream's variables, so re-seeding
with the seed a stream was made with gives back its first numbers.
"""
import numbers
import sys
import warnings

import numpy as np

from tfgraph import dtypes
from tfgraph.config import config
from tfgraph.graph import Constant, Variable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import cast
from tfgraph.ops.shape import Shape
from tfgraph.ops.subtensor import getitem
from tfgraph.random.op import PermuteRowElements, RandomDraw, undefined_grad
from tfgraph.random.size import as_param, normalize_size
from tfgraph.shared import shared


class _RandomStateKeys:
    """RandomStreams' keys, as Theano's seeds: each variable's is the next
    randint(2**30) of a RandomState seeded with the stream's seed. An object
    rather than a generator so that a stream pickles, and a loaded one goes
    on with the keys the original would have given."""

    def __init__(self, seed):
        self.generator = np.random.RandomState(seed)

    def __next__(self):
        return int(self.generator.randint(2 ** 30))


class _SeedSequenceKeys:
    """MRG_RandomStreams' keys: the i-th from NumPy's SeedSequence of the
    seed's ints and i (33 bits: NanGuardMode calls values above 1e10 big,
    states included). Picklable, as ``_RandomStateKeys``."""

    def __init__(self, seed):
        self.entropy = [int(s) for s in (seed if isinstance(seed, (list, tuple, np.ndarray))
                                         else [seed])]
        self.index = 0

    def __next__(self):
        state = np.random.SeedSequence(self.entropy + [self.index]).generate_state(1, np.uint64)
        self.index += 1
        return int(state[0] >> np.uint64(31))


class _Streams:
    """What both kinds of streams share: states, seeding, bookkeeping."""

    def __init__(self, seed):
        self.default_instance_seed = seed
        self.state_updates = []
        self._states = []
        self._keys = self._key_source(seed)

    def updates(self):
        """The (state, next state) pairs of every variable drawn so far."""
        return list(self.state_updates)

    def seed(self, seed=None):
        """Re-seed every random variable of this stream (with the stream's
        own seed when ``seed`` is None)."""
        if seed is None:
            seed = self.default_instance_seed
        keys = self._key_source(seed)
        for state in self._states:
            state.set_value(np.array([next(keys), 0], dtype="int64"))
        self._keys = keys

    def _draw(self, dist, size, params, dtype, label, pattern, **options):
        """A RandomDraw node on a new state: (state, next state, sample)."""
        state = shared(np.array([next(self._keys), 0], dtype="int64"), name="rng_state")
        state.tag.is_rng = True
        new_state, sample = draw_on(state, dist, size, params, dtype, label, pattern, **options)
        state.default_update = new_state
        self._states.append(state)
        return state, new_state, sample


def draw_on(state, dist, size, params, dtype, label, pattern, **options):
    """(next state, sample) of a RandomDraw node on the int64 [key, counter]
    vector ``state``."""
    op = RandomDraw(dist, dtype, pattern, label, sized=size is not None, **options)
    op.check_constants(params, label)
    return op.make_node(state, size, *params).outputs


def _float_dtype(dtype, *params):
    return dtype if dtype is not None else dtypes.upcast(config.floatX, *[p.dtype for p in params])


def _require_integer(var, name, what):
    if not dtypes.is_discrete(var.dtype) or var.dtype == "bool":
        raise TypeError(f"{what}: {name} must be an integer, got {var} ({var.type})")


def _require_float(var, name, what):
    if not dtypes.is_float(var.dtype):
        raise TypeError(f"{what}: {name} must be floats, got {var} ({var.type})")


# --- RandomStreams ------------------------------------------------------------------

class RandomStreams(_Streams):
    """Theano's ``RandomStreams(seed=None)``: NumPy-like draws (``uniform``,
    ``normal``, ``binomial``, ``random_integers``, ``choice``, ``poisson``,
    ``permutation``, ``multinomial``, ``shuffle_row_elements``), each a
    symbolic variable with its state in ``rv.rng``."""

    def __init__(self, seed=None):
        super().__init__(seed)
        self.gen_seedgen = None

    _key_source = _RandomStateKeys

    def __getitem__(self, item):
        return item.get_value(borrow=True)

    def __setitem__(self, item, value):
        item.set_value(value, borrow=True)

    def _gen(self, dist, what, size, ndim, params, dtype, shape_params=None,
             extra_pattern=(), **options):
        vector, ndim, pattern = normalize_size(
            size, ndim, params if shape_params is None else shape_params, what)
        state, new_state, out = self._draw(dist, vector, params, dtype, f"RandomFunction{{{what}}}",
                                           pattern + tuple(extra_pattern), **options)
        out.rng = state
        out.update = (state, new_state)
        self.state_updates.append(out.update)
        return out

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Uniform floats in [low, high); dtype at least floatX."""
        low, high = as_param(low, "low", "uniform"), as_param(high, "high", "uniform")
        return self._gen("uniform", "uniform", size, ndim, [low, high],
                         _float_dtype(dtype, low, high))

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        """Normal floats of mean ``avg`` and standard deviation ``std``."""
        avg, std = as_param(avg, "avg", "normal"), as_param(std, "std", "normal")
        return self._gen("normal", "normal", size, ndim, [avg, std],
                         _float_dtype(dtype, avg, std))

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        """Successes in ``n`` trials of probability ``p`` (``prob``: Theano's
        deprecated name for ``p``)."""
        if prob is not None:
            p = prob
            print("DEPRECATION WARNING: the parameter prob to the binomal fct have been "
                  "renamed to p to have the same name as numpy.", file=sys.stderr)
        n, p = as_param(n, "n", "binomial"), as_param(p, "p", "binomial")
        _require_integer(n, "n", "binomial")
        out = self._gen("binomial", "binomial", size, ndim, [n, p], dtype,
                        unit_n=_is_one(n), work_dtype=_work_dtype(p))
        return out

    def random_integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        """Uniform integers in [low, high], both included."""
        low = as_param(low, "low", "random_integers")
        high = as_param(high, "high", "random_integers")
        _require_integer(low, "low", "random_integers")
        _require_integer(high, "high", "random_integers")
        return self._gen("random_integers", "random_integers", size, ndim, [low, high], dtype)

    def choice(self, size=None, a=2, replace=True, p=None, ndim=None, dtype="int64"):
        """Samples of ``a`` (a vector, or range(a) for a scalar), with or
        without replacement, uniformly or with probabilities ``p``."""
        if size is None:
            raise TypeError("choice: size is required (Theano's choice cannot infer it)")
        a = as_param(a, "a", "choice")
        if a.ndim > 1:
            raise ValueError(f"choice: a must be a scalar or a vector, got {a} ({a.type})")
        if a.ndim == 0:
            _require_integer(a, "a", "choice")
        if isinstance(replace, Constant):
            replace = bool(replace.data)
        if not isinstance(replace, (bool, np.bool_, numbers.Integral)):
            raise TypeError(f"choice: replace must be a Python bool, got {replace!r}")
        # As Theano's ``p or []``: a p that is false (None, 0, an empty list)
        # means no weights.
        weighted = isinstance(p, Variable) or (p is not None and np.size(p) > 0 and (
            np.ndim(p) > 0 or bool(p)))
        p = as_param(p if weighted else np.zeros(0), "p", "choice")
        if p.ndim != 1:
            raise ValueError(f"choice: p must be a vector, got {p} ({p.type})")
        return self._gen("choice", "choice", size, ndim, [a, p], dtype, shape_params=[],
                         replace=bool(replace), weighted=weighted)

    def poisson(self, size=None, lam=None, ndim=None, dtype="int64"):
        """Poisson counts of mean ``lam``."""
        if lam is None:
            raise TypeError("poisson: lam is required")
        lam = as_param(lam, "lam", "poisson")
        return self._gen("poisson", "poisson", size, ndim, [lam], dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype="int64"):
        """Permutations of range(n), one per entry of ``size``: the result
        has one more dimension, of length n."""
        n = as_param(n, "n", "permutation")
        _require_integer(n, "n", "permutation")
        if n.ndim != 0:
            raise ValueError(f"permutation: n must be a scalar, got {n} ({n.type})")
        if size is None or (isinstance(size, (tuple, list)) and len(size) == 0):
            if ndim not in (None, 1):
                raise TypeError("You asked for just one permutation but asked for more then "
                                "1 dimensions.")
            size, ndim = (), 0
        return self._gen("permutation", "permutation", size, ndim, [n], dtype,
                         shape_params=[], extra_pattern=(False,))

    def multinomial(self, size=None, n=1, pvals=(0.5, 0.5), ndim=None, dtype="int64"):
        """Counts of ``n`` draws among the outcomes of ``pvals`` (last axis):
        shape size + (len(pvals[-1]),)."""
        n = as_param(n, "n", "multinomial")
        pvals = as_param(list(pvals) if isinstance(pvals, tuple) else pvals, "pvals",
                         "multinomial")
        _require_integer(n, "n", "multinomial")
        _require_float(pvals, "pvals", "multinomial")
        if pvals.ndim < 1:
            raise ValueError(f"multinomial: pvals must have at least one dimension, got {pvals}")
        rows = _drop_last_axis(pvals)
        return self._gen("multinomial", "multinomial", size, ndim, [n, pvals], dtype,
                         shape_params=[n, rows], extra_pattern=(pvals.broadcastable[-1],))

    def shuffle_row_elements(self, input):
        """``input`` with the elements of each row (last axis) shuffled; the
        permutation used is the result's ``permutation`` attribute."""
        input = as_tensor_variable(input)
        if input.ndim < 1:
            raise ValueError(f"shuffle_row_elements: {input} has no rows")
        shape = Shape()(input)
        perm = self.permutation(size=getitem(shape, slice(None, -1)),
                                n=getitem(shape, -1), ndim=input.ndim - 1)
        shuffled = PermuteRowElements()(input, perm)
        shuffled.permutation = perm
        return shuffled


def _is_one(n):
    return isinstance(n, Constant) and np.all(np.asarray(n.data) == 1)


def _work_dtype(p):
    """The float dtype to compare uniforms with p in: float32 for float32 p
    and for a Python literal under floatX=float32."""
    return "float32" if p.dtype in ("float16", "float32") else "float64"


class _RowsTemplate:
    """The broadcastable pattern of pvals without its last axis, for shape
    inference only."""

    def __init__(self, pvals):
        self.broadcastable = pvals.broadcastable[:-1]
        self.ndim = pvals.ndim - 1


def _drop_last_axis(pvals):
    return _RowsTemplate(pvals)


# --- MRG_RandomStreams ----------------------------------------------------------

M1 = 2147483647
M2 = 2147462579


def guess_n_streams(size, warn=False):
    """Theano's guess at a good number of streams for a draw of ``size``
    (kept for code that calls it; draws here do not depend on it)."""
    if isinstance(size, (tuple, list)) and all(isinstance(i, numbers.Integral) for i in size):
        r = int(np.prod(size)) if size else 1
        if r > 6:
            r = r // 6
        return min(r, 60 * 256)
    if warn:
        warnings.warn(f"MRG_RandomStreams Can't determine #streams from size ({size}), "
                      f"guessing 60*256", stacklevel=3)
    return 60 * 256


class MRG_RandomStreams(_Streams):
    """Theano's ``MRG_RandomStreams(seed=12345)``: ``uniform``, ``normal``,
    ``truncated_normal``, ``binomial`` (n=1), ``multinomial``, ``choice``.

    ``seed`` is a positive int below 2147462579 or six ints, as Theano's.
    ``nstreams`` is accepted and checked; it does not change the numbers."""

    def __init__(self, seed=12345):
        _check_mrg_seed(seed)
        super().__init__(seed)

    _key_source = _SeedSequenceKeys

    def set_rstate(self, seed):
        """Check ``seed`` as Theano does and make it this stream's seed."""
        _check_mrg_seed(seed)
        self._keys = self._key_source(seed)

    def seed(self, seed=None):
        if seed is not None:
            _check_mrg_seed(seed)
        super().seed(seed)

    def n_streams(self, size):
        return guess_n_streams(size)

    def _raw(self, dist, size, ndim, params, dtype, nstreams, kwargs, what, pattern=None,
             **options):
        """A draw; ``pattern`` (the broadcastable pattern) is given when the
        shape comes from the parameters instead of ``size``."""
        _check_kwargs(kwargs, what)
        _check_nstreams(nstreams, what)
        vector = None
        if pattern is None:
            vector, ndim, pattern = normalize_size(size, ndim, [], what, positive=True)
        state, new_state, sample = self._draw(dist, vector, params, dtype, f"mrg_{dist}",
                                              pattern, **options)
        self.state_updates.append((state, new_state, size, nstreams))
        return state, new_state, sample

    def _returned(self, result, sample, state, new_state):
        for var in {id(result): result, id(sample): sample}.values():
            var.rstate = state
            var.update = (state, new_state)
        return result

    def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None,
                **kwargs):
        """Uniform floats in (low, high); dtype at least floatX. The gradient
        with respect to low and high is undefined, as in Theano 1.0."""
        low, high = as_param(low, "low", "uniform"), as_param(high, "high", "uniform")
        dtype = _float_dtype(dtype, low, high)
        low, high = undefined_grad(cast(low, dtype)), undefined_grad(cast(high, dtype))
        state, new_state, u = self._raw("uniform", size, ndim, [low, high], dtype, nstreams,
                                        kwargs, "uniform", standard=True)
        result = u * (high - low) + low
        if result.broadcastable != u.broadcastable:
            raise NotImplementedError("Increase the size to match the broadcasting pattern "
                                      "of `low` and `high` arguments")
        return self._returned(result, u, state, new_state)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None,
                 **kwargs):
        """1 with probability ``p``, else 0 (only n=1, as Theano's)."""
        if not (isinstance(n, numbers.Integral) and n == 1 or _is_one(n)):
            raise NotImplementedError("MRG_RandomStreams.binomial with n > 1")
        p = undefined_grad(as_param(p, "p", "binomial"))
        n = as_tensor_variable(np.int8(1))
        if size is None:
            raise TypeError("binomial: size is required by MRG_RandomStreams")
        state, new_state, sample = self._raw("binomial", size, ndim, [n, p], dtype, nstreams,
                                             kwargs, "binomial", unit_n=True,
                                             work_dtype=_float_dtype(None))
        return self._returned(sample, sample, state, new_state)

    def multinomial(self, size=None, n=1, pvals=None, ndim=None, dtype="int64",
                    nstreams=None, **kwargs):
        """Counts of ``n`` draws per row of ``pvals`` (a matrix): the result
        has pvals' shape."""
        if pvals is None:
            raise TypeError("You have to specify pvals")
        pvals = undefined_grad(as_param(pvals, "pvals", "multinomial"))
        if size is not None:
            raise ValueError("Provided a size argument to MRG_RandomStreams.multinomial, "
                             "which does not use the size argument.")
        if ndim is not None:
            raise ValueError("Provided an ndim argument to MRG_RandomStreams.multinomial, "
                             "which does not use the ndim argument.")
        if pvals.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial only implemented for "
                                      "pvals.ndim = 2")
        n = as_param(n, "n", "multinomial")
        _require_integer(n, "n", "multinomial")
        state, new_state, sample = self._raw(
            "multinomial", None, None, [n, pvals], dtype, nstreams, kwargs, "multinomial",
            pattern=pvals.broadcastable)
        return self._returned(sample, sample, state, new_state)

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
        p = undefined_grad(as_param(p, "p", "choice"))
        if p.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.choice is only implemented for "
                                      "p.ndim = 2")
        rows = getitem(Shape()(p), 0)
        shape = [rows, size]
        state, new_state, sample = self._raw("mrg_choice", shape, 2, [p], dtype, nstreams,
                                             kwargs, "choice", replace=bool(replace))
        return self._returned(sample, sample, state, new_state)

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
        """Normal floats: avg + std * z; with ``truncate``, z is cut at +-2.
        The gradient with respect to avg and std is undefined, as in Theano 1.0."""
        avg, std = as_param(avg, "avg", "normal"), as_param(std, "std", "normal")
        dtype = _float_dtype(dtype, avg, std)
        avg, std = undefined_grad(cast(avg, dtype)), undefined_grad(cast(std, dtype))
        dist = "truncated_normal" if truncate else "normal"
        state, new_state, z = self._raw(dist, size, ndim, [avg, std], dtype, nstreams, kwargs,
                                        "normal", standard=True)
        result = z * std + avg
        return self._returned(result, z, state, new_state)

    def truncated_normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None,
                         **kwargs):
        """A normal cut at two standard deviations, rescaled so that its
        standard deviation is ``std`` (as Theano's)."""
        std = as_param(std, "std", "truncated_normal")
        std = std / as_tensor_variable(np.asarray(0.87962566103423978, dtype=std.dtype)
                                       if dtypes.is_float(std.dtype) else 0.87962566103423978)
        return self.normal(size, avg=avg, std=std, ndim=ndim, dtype=dtype, nstreams=nstreams,
                           truncate=True, **kwargs)


def _check_mrg_seed(seed):
    if isinstance(seed, (numbers.Integral, np.integer)) and not isinstance(seed, bool):
        if seed == 0:
            raise ValueError("seed should not be 0", seed)
        if seed >= M2:
            raise ValueError(f"seed should be less than {M2}", seed)
        if seed < 0:
            raise ValueError("seed should be positive", seed)
        return
    if isinstance(seed, (list, tuple, np.ndarray)) and len(seed) == 6:
        seed = [int(s) for s in seed]
        if not any(seed[:3]):
            raise ValueError("The first 3 values of seed should not be all 0", seed)
        if not any(seed[3:]):
            raise ValueError("The last 3 values of seed should not be all 0", seed)
        if any(s >= M1 for s in seed[:3]):
            raise ValueError(f"The first 3 values of seed should be less than {M1}", seed)
        if any(s >= M2 for s in seed[3:]):
            raise ValueError(f"The last 3 values of seed should be less than {M2}", seed)
        return
    raise TypeError("seed should be 1 integer or 6 integers")


def _check_kwargs(kwargs, what):
    kwargs = {k: v for k, v in kwargs.items() if k != "target"}
    if kwargs:
        raise TypeError(f"{what}() got unexpected keyword arguments {sorted(kwargs)}")


def _check_nstreams(nstreams, what):
    if nstreams is not None and not (isinstance(nstreams, numbers.Integral) and nstreams > 0):
        raise ValueError(f"{what}: nstreams must be a positive int, got {nstreams!r}")


__all__ = ["RandomStreams", "MRG_RandomStreams", "guess_n_streams"]
