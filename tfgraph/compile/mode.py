"""Theano's ``theano.compile.mode`` module name: see ``tfgraph.compile.modes``."""
from tfgraph.compile.modes import (FastCompile, FastRun, Mode, get_default_mode,  # noqa: F401
                                   get_mode)
