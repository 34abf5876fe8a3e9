"""Theano's ``theano.sandbox``: only ``rng_mrg`` is provided."""
