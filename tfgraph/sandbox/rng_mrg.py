"""Theano's ``theano.sandbox.rng_mrg``: ``MRG_RandomStreams``."""
from tfgraph.random.streams import M1, M2, MRG_RandomStreams, guess_n_streams  # noqa: F401

__all__ = ["MRG_RandomStreams", "guess_n_streams"]
