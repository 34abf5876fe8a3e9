"""Loops in the graph: ``scan`` and its shortcuts (Theano's ``theano.scan_module``)."""
from tfgraph.scan_module.scan import scan, until  # noqa: F401
from tfgraph.scan_module.scan_op import Scan  # noqa: F401
from tfgraph.scan_module.views import foldl, foldr, map, reduce  # noqa: F401,A004
from tfgraph.scan_module.scan_checkpoints import scan_checkpoints  # noqa: F401,E402
