"""Random numbers in graphs: Theano's ``RandomStreams`` (drawn with
TensorFlow's counter-based generators) and ``MRG_RandomStreams`` (Theano's
MRG31k3p generator, giving Theano's numbers), both with their states in
shared variables. See docs/random.md."""
from tfgraph.random.op import undefined_grad  # noqa: F401
from tfgraph.random.streams import RandomStreams  # noqa: F401
from tfgraph.random.mrg_streams import MRG_RandomStreams  # noqa: F401
