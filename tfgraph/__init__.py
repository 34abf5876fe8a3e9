"""tfgraph: Theano's programming model on TensorFlow 2.

    import tfgraph as theano
    import tfgraph.tensor as T

Symbolic inputs, shared variables on ``tf.Variable``, ``function(...)``
compiled into one ``tf.function`` graph with explicit updates, and symbolic
``grad`` lowered through ``tf.GradientTape``.
"""
from tfgraph._tf import tf  # noqa: F401  (sets TF_ENABLE_ONEDNN_OPTS first)
from tfgraph.config import config  # noqa: F401
from tfgraph import compile, gradient, printing, tensor  # noqa: F401,A004
from tfgraph import test_values  # noqa: F401  (computes test values as nodes are built)
from tfgraph.compile import In, Mode, Param, function  # noqa: F401
from tfgraph.compile.container import Container  # noqa: F401
from tfgraph.devices import DeviceError  # noqa: F401
from tfgraph.gradient import Lop, Rop, grad, subgraph_grad  # noqa: F401
from tfgraph.graph import Apply, Constant, Op, Variable, name_scope  # noqa: F401
from tfgraph.printing import debugprint, pp  # noqa: F401
from tfgraph.shared import SharedVariable, shared  # noqa: F401
from tfgraph import gof, scalar  # noqa: F401,E402
from tfgraph.compile.builders import OpFromGraph  # noqa: F401
from tfgraph.gof.graph import clone  # noqa: F401
from tfgraph.graph import TensorType  # noqa: F401
from tfgraph.theano_alias import install_theano_alias  # noqa: F401

__version__ = "0.1.0"
from tfgraph import scan_module  # noqa: E402,F401
from tfgraph.scan_module import foldl, foldr, map, reduce, scan  # noqa: E402,F401,A004
from tfgraph import ifelse  # noqa: E402,F401
from tfgraph import updates  # noqa: E402,F401
from tfgraph.config import change_flags  # noqa: E402,F401
from tfgraph.tensor import get_scalar_constant_value  # noqa: E402,F401


def dot(l, r):  # noqa: E741  (Theano's names)
    """``theano.dot``: ``l.__dot__(r)`` or ``r.__rdot__(l)`` when an operand
    has them (a sparse matrix: ``structured_dot``), else ``tensor.dot``."""
    if hasattr(l, "__dot__"):
        return l.__dot__(r)
    if hasattr(r, "__rdot__"):
        return r.__rdot__(l)
    return tensor.dot(l, r)


from tfgraph.updates import OrderedUpdates  # noqa: E402,F401
from tfgraph.compile.extras import (Out, SymbolicInput, SymbolicOutput,  # noqa: E402,F401
                                    function_dump, predefined_modes)
from tfgraph.gof import (FunctionGraph, Generic, InconsistencyError, Type,  # noqa: E402,F401
                         generic)
from tfgraph.scan_module import scan_checkpoints  # noqa: E402,F401
from tfgraph.misc.safe_asarray import _asarray  # noqa: E402,F401  (theano._asarray)


def load_ipython_extension(ipython):
    """``%load_ext tfgraph`` in IPython or Jupyter: the ``theano`` alias, ``%tfgraph_graph``
    and ``%tensorboard`` (tfgraph/ipython.py)."""
    from tfgraph import ipython as extension  # here, so that `import tfgraph` needs no IPython
    extension.load_ipython_extension(ipython)
