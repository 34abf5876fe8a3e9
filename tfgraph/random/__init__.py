"""Random numbers in graphs: Theano's ``RandomStreams`` and
``MRG_RandomStreams``, drawn with TensorFlow's counter-based generators from
states held in shared variables. See docs/random.md."""
from tfgraph.random.op import undefined_grad  # noqa: F401
from tfgraph.random.streams import MRG_RandomStreams, RandomStreams  # noqa: F401
