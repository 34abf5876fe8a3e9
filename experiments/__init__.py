"""The seeds as absl experiment runners, end to end on tfgraph.

    python -m experiments                    # all of them, writing plots and logs under runs/
    python -m experiments.minimal_training   # seed 000: the minimal training script
    python -m experiments.theano_tutorial    # seed 001: every cell of the Theano tutorial
    python -m experiments.mlp_gaussian       # seed 001's MLP, with plots and TensorBoard logs

Each module also has a plain function (``minimal_training.train``,
``theano_tutorial.run_tutorial``, ``mlp_gaussian.train_mlp``) that its absl ``main``
calls, so tests and notebooks can run it in-process without parsing flags.
"""
import os

# TensorFlow's C++ INFO and WARNING lines (CUDA stubs, oneDNN notices, the rendezvous
# warning when DebugMode stops a graph on purpose) drown the experiments' output. It is
# read when TensorFlow is imported, so set it here, before any experiment imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
