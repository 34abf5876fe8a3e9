"""The short way through a call of a traced function.

Most calls pass arrays that already have their inputs' exact types: NumPy
arrays (or eager tensors) of the right dtype and number of dimensions. For
them the general conversion by Theano's rules (``TensorType.filter``) would
return the argument unchanged, so ``FastCall`` checks only that, makes each
array a tensor, and runs the concrete function's graph without re-binding
the arguments to its Python signature. Any other argument sends the call
down the general path, which gives the same results and the errors.
"""
import numpy as np

from tfgraph._tf import tf

try:  # half the cost of tf.constant; an internal name, so keep a way back
    from tensorflow.python.eager import context as _context
    from tensorflow.python.framework.constant_op import convert_to_eager_tensor as _to_eager

    def _tensor(array, dtype):
        return _to_eager(array, _context.context(), dtype)
except ImportError:  # pragma: no cover - other TensorFlow versions
    def _tensor(array, dtype):
        return tf.constant(array, dtype=dtype)


class FastCall:
    """Runs ``concrete_function`` on arguments of exactly the inputs' types."""

    def __init__(self, concrete_function, input_types):
        self._function = concrete_function
        # _call_flat skips binding the arguments to the signature again (the
        # most costly Python step of a call); keep the public call otherwise.
        self._call_flat = getattr(concrete_function, "_call_flat", None)
        self._types = [(np.dtype(t.dtype), tf.as_dtype(t.dtype), t.ndim,
                        [axis for axis, b in enumerate(t.broadcastable) if b])
                       for t in input_types]

    def tensors(self, args):
        """``args`` as tensors, or None when one is not exactly of its type."""
        if len(args) != len(self._types):
            return None
        tensors = []
        for value, (np_dtype, tf_dtype, ndim, unit_axes) in zip(args, self._types):
            if ndim == 0 and type(value) in (int, float) and _exact_scalar(value, np_dtype):
                # A minibatch index or a learning rate, the commonest scalar
                # arguments: the general path would convert it to the same value.
                tensors.append(_tensor(value, tf_dtype))
                continue
            if type(value) is np.ndarray or type(value) is np_dtype.type:  # array or scalar
                if value.dtype != np_dtype or value.ndim != ndim:
                    return None
                shape = value.shape
                value = _tensor(value, tf_dtype)
            elif isinstance(value, tf.Tensor) and tf.executing_eagerly():
                if value.dtype != tf_dtype or value.shape.rank != ndim:
                    return None
                shape = value.shape
            else:
                return None
            if any(shape[axis] != 1 for axis in unit_axes):
                return None
            tensors.append(value)
        return tensors

    def __call__(self, tensors):
        if self._call_flat is None:
            return self._function(*tensors)
        return self._call_flat(tensors, self._function.captured_inputs)


def _exact_scalar(value, np_dtype):
    """Whether Python int or float ``value`` is held exactly by ``np_dtype``
    (Theano's filter accepts it then, and converts it to that value)."""
    if type(value) is float:
        return np_dtype == np.float64
    if np_dtype.kind not in "iu":
        return False
    bounds = np.iinfo(np_dtype)
    return bounds.min <= value <= bounds.max
