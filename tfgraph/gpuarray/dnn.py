"""``theano.gpuarray.dnn`` on a machine without Theano's GPU back-end: as
Theano 1.0 answered there, cuDNN is neither present nor available, with the
reason in ``.msg``. (Convolutions and pooling run on TensorFlow's kernels,
cuDNN included on a GPU, through ``theano.tensor.nnet`` and
``theano.tensor.signal.pool``.)"""

_WHY = ("Theano's GPU back-end (pygpu) is not part of tfgraph; tfgraph runs whole "
        "graphs on a GPU through TensorFlow instead (config.device = 'cuda')")


def dnn_present():
    """False: no Theano cuDNN back-end (the reason is ``dnn_present.msg``)."""
    return False


def dnn_available(context_name=None):
    """False: no Theano cuDNN back-end (the reason is ``dnn_available.msg``)."""
    return False


dnn_present.msg = dnn_available.msg = _WHY
