"""``theano.compile.mode``: the compilation modes (tfgraph/compile/modes.py),
the predefined ones by name, and ``AddFeatureOptimizer``."""
from tfgraph.compile.extras import FAST_COMPILE, FAST_RUN, predefined_modes  # noqa: F401
from tfgraph.compile.modes import (FastCompile, FastRun, Mode, get_default_mode,  # noqa: F401
                                   get_mode)


class AddFeatureOptimizer:
    """Attaches ``feature`` to a FunctionGraph (tfgraph.gof.fg), the one
    thing this step of Theano's optimizer does."""

    def __init__(self, feature):
        self.feature = feature

    def add_requirements(self, fgraph):
        fgraph.attach_feature(self.feature)

    def apply(self, fgraph):
        self.add_requirements(fgraph)

    def __str__(self):
        return f"AddFeatureOptimizer({self.feature})"
