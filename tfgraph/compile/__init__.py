"""Compilation: ``function``, inputs (``In``/``Param``) and modes."""
from tfgraph.compile.debugmode import DebugMode, InvalidValueError, NanGuardMode  # noqa: F401
from tfgraph.compile.function import (Function, In, MissingInputError, Param,  # noqa: F401
                                      UnusedInputError, function)
from tfgraph.compile.modes import FastCompile, FastRun, Mode, get_mode  # noqa: F401
