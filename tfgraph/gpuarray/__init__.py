"""``theano.gpuarray`` on a machine without Theano's GPU back-end.

Theano 1.0 imported this module everywhere and set ``pygpu_activated`` to
False where pygpu was missing; code tests that flag to choose its CPU path
(layer libraries skip their GPU tests by it). tfgraph has no pygpu back-end:
it runs whole graphs on a GPU through TensorFlow instead (``config.device =
'cuda'``), so the flag is always False and the back-end's submodules
(``theano.gpuarray.dnn``, ...) raise ImportError saying they are GPU-only.
"""
pygpu_activated = False
pygpu = None   # as Theano's module has it where pygpu is not installed
from tfgraph.gpuarray import dnn  # noqa: E402,F401  (Theano imported it with the package)
