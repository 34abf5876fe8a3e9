"""``custom_gradient``: ``tf.custom_gradient`` for functions of tensors,
without its copies.

In a graph, ``tf.custom_gradient`` passes the outputs *and the inputs*
through one ``IdentityN`` op, and when the gradient is taken the tape gives
that op a zero gradient for each input it passed through: a ``ZerosLike``
of every input, each call. For a max pooling's input (LeNet's first layer:
500 x 24 x 24 x 20 floats) that is a 23 MB tensor written for nothing.

Here the forward function runs with the tapes paused, and its outputs are
recorded on them as one operation of the inputs whose backward function is
the given one: the same gradients, first and higher order (the backward
function's own ops are recorded by any tape still active when it runs), and
no other op.
"""
import functools

from tfgraph._tf import tf

try:  # internal names, so keep a way back to TensorFlow's decorator
    from tensorflow.python.eager.record import record_operation as _record_on_tapes
    from tensorflow.python.eager.record import stop_recording as _tapes_paused
except ImportError:  # pragma: no cover - other TensorFlow versions
    _record_on_tapes = None


def custom_gradient(function):
    """As ``tf.custom_gradient``, for ``function(*tensors)`` returning
    ``(outputs, backward)`` with ``backward(*output_gradients)`` returning
    the inputs' gradients (a tensor or None each; a single one may be
    returned bare). Outputs are a tensor or a list or tuple of tensors."""
    if _record_on_tapes is None:  # pragma: no cover
        return tf.custom_gradient(function)

    @functools.wraps(function)
    def recorded(*inputs):
        with _tapes_paused():
            outputs, backward = function(*inputs)
        flat = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

        def input_gradients(*output_gradients):
            grads = backward(*output_gradients)
            return list(grads) if isinstance(grads, (list, tuple)) else [grads]
        _record_on_tapes(function.__name__, flat, list(inputs), input_gradients)
        return outputs
    return recorded
