"""Theano 1.0 has no ``theano.tensor.signal.downsample``: its
``max_pool_2d`` became ``theano.tensor.signal.pool.pool_2d``."""
raise ImportError("theano.tensor.signal.downsample does not exist in Theano 1.0: use "
                  "theano.tensor.signal.pool.pool_2d (downsample.max_pool_2d(input, ds, "
                  "ignore_border) is pool.pool_2d(input, ws=ds, ignore_border=ignore_border))")
