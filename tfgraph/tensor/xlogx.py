"""``theano.tensor.xlogx``: x * log(x) and x * log(y), zero where x is zero."""
from tfgraph.ops.special import OPS

xlogx = OPS["xlogx"]
xlogy0 = OPS["xlogy0"]
# theano.scalar ops in Theano; tfgraph's scalars are 0-d tensors
scalar_xlogx = xlogx
scalar_xlogy0 = xlogy0
