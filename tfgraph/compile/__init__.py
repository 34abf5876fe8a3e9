"""Compilation: ``function``, inputs (``In``/``Param``), modes and run-time errors."""
from tfgraph.compile.debugmode import DebugMode, InvalidValueError, NanGuardMode  # noqa: F401
from tfgraph.compile.errors import (ExecutionError, ExecutionIndexError,  # noqa: F401
                                    ExecutionMemoryError, ExecutionRuntimeError,
                                    ExecutionTypeError, ExecutionValueError, NanGuardError)
from tfgraph.compile.function import (Function, In, MissingInputError, Param,  # noqa: F401
                                      UnusedInputError, function)
from tfgraph.compile.modes import (FastCompile, FastRun, Mode, get_default_mode,  # noqa: F401
                                   get_mode)
from tfgraph.compile.ops import as_op  # noqa: F401
from tfgraph.shared import SharedVariable  # noqa: F401  (theano.compile.SharedVariable)
from tfgraph.compile.builders import OpFromGraph  # noqa: F401,E402
from tfgraph.compile.extras import (FAST_COMPILE, FAST_RUN, MonitorMode, Out,  # noqa: F401,E402
                                    SymbolicInput, SymbolicOutput, function_dump, pfunc,
                                    predefined_modes)
from tfgraph.shared import shared, shared_constructor  # noqa: F401,E402
from tfgraph.tensor import shape  # noqa: F401,E402
