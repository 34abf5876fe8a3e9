"""Theano's ``theano.sandbox.rng_mrg``: ``MRG_RandomStreams`` and the parts
of its MRG31k3p generator (constants, jumps, the reference step, the ops)."""
from tfgraph.random.mrg31k3p import (  # noqa: F401
    A1p72, A1p134, A2p72, A2p134, M1, M2, MASK12, MASK13, MASK2, MULT2, NORM, ff_2p72, ff_2p134,
    guess_n_streams, matVecModM, mrg_next_value, multMatVect, np_int32_vals)
from tfgraph.random.mrg_ops import DotModulo, mrg_uniform, mrg_uniform_base  # noqa: F401
from tfgraph.random.mrg_streams import MRG_RandomStreams  # noqa: F401

__all__ = ["MRG_RandomStreams", "guess_n_streams", "mrg_uniform", "mrg_uniform_base",
           "DotModulo", "ff_2p72", "ff_2p134", "mrg_next_value", "matVecModM", "multMatVect",
           "M1", "M2", "MASK12", "MASK13", "MASK2", "MULT2", "NORM", "A1p72", "A2p72", "A1p134",
           "A2p134", "np_int32_vals"]
