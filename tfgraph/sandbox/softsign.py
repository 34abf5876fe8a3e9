"""``theano.sandbox.softsign``: moved to ``theano.tensor.nnet.nnet``."""
import warnings

from tfgraph.tensor.nnet.nnet import softsign  # noqa: F401

warnings.warn("softsign was moved from theano.sandbox.softsign to theano.tensor.nnet.nnet",
              DeprecationWarning, stacklevel=2)
