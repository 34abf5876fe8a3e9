"""``theano.scan_module.scan_views``: ``map``, ``reduce``, ``foldl``, ``foldr``."""
from tfgraph.scan_module.views import foldl, foldr, map, reduce  # noqa: F401,A004
