"""``theano.sandbox.neighbours``: moved to ``theano.tensor.nnet.neighbours``
(this module stays for compatibility, as in Theano)."""
from tfgraph.tensor.nnet.neighbours import Images2Neibs, images2neibs, neibs2images  # noqa: F401

__all__ = ["images2neibs", "neibs2images", "Images2Neibs"]
