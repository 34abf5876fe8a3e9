"""Theano's ``theano.misc`` modules that Theano code imports: ``pkl_utils``."""
