"""Command-line helpers for tfgraph (benchmark, graph export); not part of the package."""
