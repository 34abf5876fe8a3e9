"""Theano's ``theano.tensor.shared_randomstreams``: ``RandomStreams``."""
from tfgraph.random.streams import RandomStreams  # noqa: F401

__all__ = ["RandomStreams"]
