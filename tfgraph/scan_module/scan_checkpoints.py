"""``theano.scan_module.scan_checkpoints``: a scan that keeps only some steps'
states for its gradient."""
from tfgraph.scan_module.checkpoints import scan_checkpoints  # noqa: F401
