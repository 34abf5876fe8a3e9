"""The one place tfgraph imports TensorFlow.

oneDNN kernels are much faster on these CPUs but TensorFlow only reads
TF_ENABLE_ONEDNN_OPTS at import time, so we turn it on here when we are the first
to import TensorFlow and the user has not chosen.
"""
import os
import sys

if "tensorflow" not in sys.modules:
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import tensorflow as tf  # noqa: E402

__all__ = ["tf"]
