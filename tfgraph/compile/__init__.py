"""Compilation: ``function``, inputs (``In``/``Param``), modes and run-time errors."""
from tfgraph.compile.debugmode import DebugMode, InvalidValueError, NanGuardMode  # noqa: F401
from tfgraph.compile.errors import (ExecutionError, ExecutionIndexError,  # noqa: F401
                                    ExecutionMemoryError, ExecutionRuntimeError,
                                    ExecutionTypeError, ExecutionValueError, NanGuardError)
from tfgraph.compile.function import (Function, In, MissingInputError, Param,  # noqa: F401
                                      UnusedInputError, function)
from tfgraph.compile.modes import (FastCompile, FastRun, Mode, get_default_mode,  # noqa: F401
                                   get_mode)
from tfgraph.compile.ops import (DeepCopyOp, FromFunctionOp, OutputGuard, Rebroadcast,  # noqa: F401
                                 Shape, Shape_i, SpecifyShape, ViewOp, as_op, deep_copy_op,
                                 shape, specify_shape, view_op)
from tfgraph.shared import SharedVariable  # noqa: F401  (theano.compile.SharedVariable)
from tfgraph.compile.builders import OpFromGraph  # noqa: F401,E402
from tfgraph.compile.extras import (FAST_COMPILE, FAST_RUN, MonitorMode, Out,  # noqa: F401,E402
                                    SymbolicInput, SymbolicOutput, function_dump,
                                    predefined_modes)
# As Theano's compile/__init__: the module compile.pfunc, then its function by that name.
from tfgraph.compile.pfunc import pfunc, rebuild_collect_shared  # noqa: F401,E402
from tfgraph.shared import shared, shared_constructor  # noqa: F401,E402
from tfgraph.compile.mode import AddFeatureOptimizer  # noqa: F401,E402
from tfgraph.compile import function_module  # noqa: F401,E402  (gives Function its ``maker``)
from tfgraph.config import config  # noqa: F401,E402
