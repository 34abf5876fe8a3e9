"""Theano's ``theano.sandbox``: ``rng_mrg``, ``multinomial``, ``linalg`` and the
modules kept there for compatibility (``neighbours``, ``softsign``, ``solve``,
``conv``)."""
