"""Unmodified Theano code on tfgraph: the tutorial-style logistic regression
(experiments/legacy/logreg_sgd.py, which says ``import theano``) run through
the explicit alias, as ``python -m tfgraph.run experiments/legacy/logreg_sgd.py``
would run it.

    $ python -m experiments.legacy_tutorial
"""
import os
import runpy

from absl import app

import tfgraph
from experiments.common import check_no_arguments

PROGRAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "legacy", "logreg_sgd.py")


def run_legacy(path=PROGRAM):
    """Run the program at ``path`` as ``__main__`` with ``theano`` resolving to
    tfgraph; returns its globals."""
    tfgraph.install_theano_alias()
    print(f"python -m tfgraph.run {os.path.relpath(path)}")
    return runpy.run_path(path, run_name="__main__")


def main(argv):
    check_no_arguments(argv)
    run_legacy()


if __name__ == "__main__":
    app.run(main)
