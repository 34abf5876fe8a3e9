"""Programs written for Theano 1.0, unmodified (they say ``import theano``):
run them with ``python -m tfgraph.run experiments/legacy/logreg_sgd.py``.

They import one another by module name, as the tutorials' scripts did
(``from logreg_sgd import LogisticRegression``): a script's directory is on
the path when it runs, and importing this package puts it there too (last,
so that it shadows nothing)."""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.append(_HERE)
