"""``theano.tensor.xlogx``: x * log(x) and x * log(y), zero where x is zero."""
from tfgraph.ops.special import OPS

xlogx = OPS["xlogx"]
xlogy0 = OPS["xlogy0"]
