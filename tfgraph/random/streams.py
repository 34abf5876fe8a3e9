"""Random streams: ``RandomStreams`` (Theano's
``tensor.shared_randomstreams``; ``MRG_RandomStreams`` is in mrg_streams.py).

Each random variable gets its own state, a shared int64 vector ``[key,
counter]`` whose ``default_update`` is the next state (the counter plus one),
so every call of a function using the variable draws new numbers, and a
call that fails leaves the state as it was. The keys come from the stream's
seed and the variable's rank among the stream's variables, so re-seeding
with the seed a stream was made with gives back its first numbers.
"""
import numbers
import sys

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Constant, Variable
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.shape import Shape
from tfgraph.ops.subtensor import getitem
from tfgraph.random.op import PermuteRowElements, RandomDraw
from tfgraph.random.size import as_param, float_dtype, is_constant, normalize_size
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
                         float_dtype(dtype, low, high))

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        """Normal floats of mean ``avg`` and standard deviation ``std``."""
        avg, std = as_param(avg, "avg", "normal"), as_param(std, "std", "normal")
        return self._gen("normal", "normal", size, ndim, [avg, std],
                         float_dtype(dtype, avg, std))

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
                        unit_n=is_constant(n, 1), work_dtype=_work_dtype(p))
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


__all__ = ["RandomStreams"]
