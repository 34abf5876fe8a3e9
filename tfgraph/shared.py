"""Shared variables: symbolic tensors with a value that persists across calls,
stored in one ``tf.Variable`` whichever functions use them."""
import itertools
import threading

import numpy as np

from tfgraph import devices, distribute, dtypes, persist
from tfgraph.graph import TensorType, TensorVariable
from tfgraph._tf import tf

# Creation numbers: the order calls take the variables' locks in
# (tfgraph.compile.transaction), so that no two calls wait for each other.
_serials = itertools.count()


class SharedVariable(TensorVariable):
    """A tensor with a value, usable in any graph without being an input."""

    def __init__(self, value, name=None, type=None, strict=False, allow_downcast=None,
                 layout=None):
        super().__init__(type, name=name)
        self.strict, self.allow_downcast = strict, allow_downcast
        self.default_update = None
        self.lock, self.serial = threading.RLock(), next(_serials)
        # As Theano's SharedVariable: the value is what its type makes of it.
        value = type.filter(value, strict=strict, allow_downcast=allow_downcast)
        self.variable = _make_variable(self, value, name, type, layout)

    def get_value(self, borrow=False, return_internal_type=False):
        """The current value as a NumPy array (a copy unless ``borrow=True``)."""
        with self.lock:  # never a loop's intermediate step
            value = self.variable.numpy()
        return value if borrow else np.array(value, copy=True)

    def set_value(self, value, borrow=False):
        """Replace the value; the shape may change but not the ndim, the dtype
        (beyond a lossless conversion) or a broadcastable dimension. A bad value
        raises and leaves the old one in place."""
        try:
            data = self.type.filter(value, strict=self.strict,
                                    allow_downcast=self.allow_downcast)
        except TypeError as error:  # a ConversionError stays one (also a ValueError)
            raise type(error)(f"set_value of shared variable {self}: {error}") from None
        with self.lock:  # between calls, never inside one
            self.variable.assign(data)

    def clone(self):
        return self

    def __getstate__(self):
        # The value goes as an array; loading makes a new tf.Variable for it.
        state = super().__getstate__()
        for key in ("variable", "lock", "serial"):  # made anew when loaded
            state.pop(key, None)
        state["_pickled_value"] = persist.value_to_pickle(self)
        return state

    def __setstate__(self, state):
        state = persist.checked(state, f"shared variable {state.get('name')!r}")
        value = state.pop("_pickled_value")
        self.__dict__.update(state)
        self.lock, self.serial = threading.RLock(), next(_serials)
        self.variable = _make_variable(self, value, self.name, self.type)


def _make_variable(owner, value, name, type, layout=None):
    """The storage of shared variable ``owner``: its type's own if it has one
    (``TensorType.shared_storage``), else on the active mesh if there is one
    (tfgraph.distribute), else one tf.Variable on config.device.

    One TensorFlow name for all: TensorFlow keeps about 36 KB for each
    distinct variable name, never freed. Graphs show the shared variable's
    own name (the name scope of its read)."""
    if type.shared_storage is not None:  # a value of several arrays (a sparse matrix)
        return type.shared_storage(value)
    on_mesh = distribute.mesh_variable(owner, value, "shared", layout)
    if on_mesh is not None:
        return on_mesh
    shape = tf.TensorShape([1 if b else None for b in type.broadcastable])
    with devices.placement():
        return tf.Variable(value, shape=shape, dtype=value.dtype, trainable=False,
                           name="shared")


_CONSTRUCTORS = []


def shared_constructor(ctor, remove=False):
    """Register (or with ``remove=True`` unregister) ``ctor(value, name=,
    strict=, allow_downcast=, borrow=, broadcastable=)`` for ``shared`` to
    try before its own, the latest first; a ``TypeError`` from it means
    "not a value I take". Returns ``ctor`` (usable as a decorator)."""
    if remove:
        _CONSTRUCTORS.remove(ctor)
    elif ctor not in _CONSTRUCTORS:
        _CONSTRUCTORS.append(ctor)
    return ctor


def shared(value, name=None, strict=False, allow_downcast=None, borrow=False,
           broadcastable=None, layout=None):
    """A shared variable holding ``value`` (Theano's ``theano.shared``).

    The dtype is the value's: a Python float gives float64 and an int int64,
    whatever floatX is. ``broadcastable`` marks dimensions of length 1 that
    broadcast in expressions; by default none do.
    """
    if isinstance(value, SharedVariable):
        raise TypeError("shared() takes a value, not another shared variable; "
                        "use .get_value() to copy one")
    for constructor in reversed(_CONSTRUCTORS):   # the latest registered first
        try:
            return constructor(value, name=name, strict=strict, allow_downcast=allow_downcast,
                               borrow=borrow, broadcastable=broadcastable)
        except TypeError:
            continue                               # not a value it takes
    # borrow=True may keep the caller's array; anything else is converted anew.
    data = value if borrow and isinstance(value, np.ndarray) else np.array(value)
    if data.dtype.kind not in "biufc":
        raise TypeError(f"shared {name or ''}: cannot make a shared variable from "
                        f"{type(value).__name__} of dtype {data.dtype}; expected numbers")
    if data.dtype.name not in dtypes.ALL:
        raise TypeError(f"shared {name or ''}: dtype {data.dtype} is not supported")
    if broadcastable is None:
        broadcastable = (False,) * data.ndim
    broadcastable = tuple(bool(b) for b in broadcastable)
    if len(broadcastable) != data.ndim:
        raise ValueError(f"shared {name or ''}: broadcastable {broadcastable} has "
                         f"{len(broadcastable)} entries but the value has {data.ndim} dimensions")
    type_ = TensorType(data.dtype.name, broadcastable)
    type_.check_shape(data.shape)
    return SharedVariable(data, name=name, type=type_, strict=strict,
                          allow_downcast=allow_downcast, layout=layout)
