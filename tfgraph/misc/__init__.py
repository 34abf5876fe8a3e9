"""Theano's ``theano.misc`` modules that Theano code imports: ``pkl_utils``,
``may_share_memory``, ``safe_asarray``."""
