"""Programs written for Theano 1.0, unmodified (they say ``import theano``):
run them with ``python -m tfgraph.run experiments/legacy/logreg_sgd.py``."""
