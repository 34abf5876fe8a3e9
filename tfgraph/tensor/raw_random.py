"""Theano's ``theano.tensor.raw_random``: draws on a random state given
explicitly, each returning (next state, sample), and the base class of
random streams built on them.

A random state here is tfgraph's: an int64 vector [key, counter]
(``random_state_type``, or a shared variable made from a
``numpy.random.RandomState`` by ``shared_randomstreams``), not a NumPy
generator; the next state is the same key with the counter plus one::

    rng = theano.shared(np.random.RandomState(42))
    new_rng, u = raw_random.uniform(rng, size=(3,))
    f = theano.function([], u, updates=[(rng, new_rng)])
"""
import abc
import copy

import numpy as np

from tfgraph.graph import TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.random.streams import RandomStreams, draw_on


def state_of(value):
    """A tfgraph random state [key, counter] for ``value``: a NumPy
    RandomState (the next ``randint(2**30)`` of a copy of it is the key, so
    the same state gives the same key, and ``value`` itself is left as it
    was) or a state already."""
    if isinstance(value, np.random.RandomState):
        return np.array([copy.deepcopy(value).randint(2 ** 30), 0], dtype="int64")
    state = np.asarray(value)
    if state.shape != (2,) or state.dtype.kind not in "iu":
        raise TypeError(f"a random state is a numpy.random.RandomState or an int vector "
                        f"[key, counter], got {value!r}")
    return state.astype("int64")


class RandomStateType(TensorType):
    """The type of a random state: an int64 vector [key, counter]; a
    ``numpy.random.RandomState`` given for one is converted (``state_of``)."""

    def __init__(self):
        super().__init__("int64", (False,))

    def filter(self, value, strict=False, allow_downcast=None):
        return super().filter(state_of(value), strict=False, allow_downcast=allow_downcast)


random_state_type = RandomStateType()


def _as_state(random_state):
    state = as_tensor_variable(random_state)
    if state.dtype != "int64" or state.ndim != 1:
        raise TypeError(f"random_state {state} must be a random state (an int64 vector "
                        f"[key, counter]), got {state.type}")
    return state


class _OnState(RandomStreams):
    """RandomStreams' draws, on one given state instead of new ones."""

    def __init__(self, state):
        super().__init__(None)
        self.state = _as_state(state)

    def _draw(self, dist, size, params, dtype, label, pattern, **options):
        return (self.state, *draw_on(self.state, dist, size, params, dtype, label, pattern,
                                     **options))


def _drawn(method):
    """A raw_random function: ``method`` of RandomStreams on ``random_state``."""
    def draw(random_state, *args, **kwargs):
        sample = getattr(_OnState(random_state), method)(*args, **kwargs)
        return sample.update[1], sample
    draw.__name__ = method
    draw.__doc__ = (f"(next state, sample) of ``RandomStreams.{method}`` drawn from "
                    f"``random_state``.")
    return draw


uniform = _drawn("uniform")
normal = _drawn("normal")
binomial = _drawn("binomial")
random_integers = _drawn("random_integers")
choice = _drawn("choice")
poisson = _drawn("poisson")
permutation = _drawn("permutation")
multinomial = _drawn("multinomial")
_BY_NAME = {f.__name__: f for f in (uniform, normal, binomial, random_integers, choice,
                                    poisson, permutation, multinomial)}


class RandomFunction:
    """``RandomFunction(fn, outtype, inplace=False, ndim_added=0)(random_state,
    size, *args)`` -> [next state, sample]: ``fn`` a distribution's name
    ('uniform', 'normal', 'binomial', 'random_integers', 'choice', 'poisson',
    'permutation', 'multinomial') or a NumPy RandomState method of that name,
    ``outtype`` the sample's type (its dtype and number of dimensions)."""

    def __init__(self, fn, outtype, inplace=False, ndim_added=0):
        # ``inplace`` (Theano's: the state object is overwritten) only shows
        # in destroy_map: the state here is a value, and the next one is returned.
        self.inplace = bool(inplace)
        self.destroy_map = {0: [0]} if inplace else {}
        name = fn if isinstance(fn, str) else getattr(fn, "__name__", repr(fn))
        if name not in _BY_NAME:
            raise NotImplementedError(f"RandomFunction: no distribution {name!r}; use one of "
                                      f"{sorted(_BY_NAME)}")
        if not hasattr(outtype, "ndim"):      # a constructor such as T.dvector
            outtype = outtype().type
        self.fn, self.outtype, self.ndim_added = name, outtype, ndim_added
        self.name = f"RandomFunction{{{name}}}"

    def __call__(self, random_state, size, *args, **kwargs):
        ndim = self.outtype.ndim - self.ndim_added
        new_state, sample = _BY_NAME[self.fn](random_state, size, *args, ndim=ndim,
                                              dtype=self.outtype.dtype, **kwargs)
        return [new_state, sample]


class RandomStreamsBase(abc.ABC):
    """Theano's base of random streams: each draw calls
    ``self.gen(fn, *args, **kwargs)``, with ``fn`` a function of this module
    (``fn(random_state, *args, **kwargs) -> (next state, sample)``); a
    subclass's ``gen`` makes the state and keeps its update. tfgraph's
    ``RandomStreams`` counts as one."""

    @abc.abstractmethod
    def gen(self, op, *args, **kwargs):
        """The sample of ``op`` on a state this stream provides."""

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        return self.gen(uniform, size, low, high, ndim=ndim, dtype=dtype)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        return self.gen(normal, size, avg, std, ndim=ndim, dtype=dtype)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        return self.gen(binomial, size, n, p, ndim=ndim, dtype=dtype, prob=prob)

    def random_integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        return self.gen(random_integers, size, low, high, ndim=ndim, dtype=dtype)

    def choice(self, size=None, a=2, replace=True, p=None, ndim=None, dtype="int64"):
        return self.gen(choice, size, a, replace, p, ndim=ndim, dtype=dtype)

    def poisson(self, size=None, lam=None, ndim=None, dtype="int64"):
        return self.gen(poisson, size, lam, ndim=ndim, dtype=dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype="int64"):
        return self.gen(permutation, size, n, ndim=ndim, dtype=dtype)

    def multinomial(self, size=None, n=1, pvals=(0.5, 0.5), ndim=None, dtype="int64"):
        return self.gen(multinomial, size, n, pvals, ndim=ndim, dtype=dtype)


RandomStreamsBase.register(RandomStreams)
