"""``theano.sandbox.conv``: empty since Theano 0.6, which moved its
convolution to ``theano.tensor.nnet.conv``."""
import warnings

warnings.warn("theano.sandbox.conv no longer provides conv. They have been moved to "
              "theano.tensor.nnet.conv", DeprecationWarning, stacklevel=2)
