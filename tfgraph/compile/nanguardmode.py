"""Theano's ``theano.compile.nanguardmode`` module name: see ``tfgraph.compile.debugmode``."""
from tfgraph.compile.debugmode import NanGuardMode, NanGuardError  # noqa: F401
