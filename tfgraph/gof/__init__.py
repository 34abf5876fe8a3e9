"""``theano.gof``: the names user code imports from Theano's graph core, on
tfgraph's graph (tfgraph/graph.py)."""
from tfgraph.gof import graph  # noqa: F401
from tfgraph.gof.fg import (CachedConstantError, FunctionGraph,  # noqa: F401
                            InconsistencyError, MissingInputError)
from tfgraph.gof.link import (CLinker, Container, DualLinker, Linker,  # noqa: F401
                              LocalLinker, OpWiseCLinker, PerformLinker, WrapLinker)
from tfgraph.gof.op import PureOp  # noqa: F401
from tfgraph.gof.toolbox import (Feature, NoOutputFromInplace,  # noqa: F401
                                 ReplacementDidntRemovedError)
from tfgraph.gof.type import Generic, Type, generic  # noqa: F401
from tfgraph.gof.utils import MethodNotDefined, hashtype  # noqa: F401
from tfgraph.graph import Apply, Constant, Op, Variable  # noqa: F401
from tfgraph.shared import SharedVariable  # noqa: F401
