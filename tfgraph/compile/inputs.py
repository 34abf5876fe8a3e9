"""A compiled function's inputs: ``In``/``Param`` (names, defaults, conversion
rules) and the turning of a call's arguments into tensors of the inputs'
types, by Theano's rules.

Most calls pass arrays that already have their inputs' exact types: NumPy
arrays (or eager tensors) of the right dtype and number of dimensions, or a
Python int or float its input's dtype holds exactly. For them the general
conversion (``TensorType.filter``) would return the argument unchanged, so
``Arguments.tensors`` checks only that and makes each a tensor; any other
call takes the general path, which binds keywords and defaults and converts
each argument, with Theano's errors naming the input.

A training loop often passes the same arrays on every call (a full batch,
``train(X, y)``). Making a tensor of an array costs TensorFlow 11 to 17 us
whatever its size up to tens of kilobytes, more than comparing the array's
bytes with those it had last time (under 1 us for 16 KB). So for each input,
the short path keeps the last small array it converted, a copy of its bytes
and its tensor, and passes that tensor again when the same array comes back
with the same bytes: the same values, bit for bit. An array changed in place
(or any other array) is converted anew.
"""
import math

import numpy as np

from tfgraph.compile.container import Container
from tfgraph.graph import TensorType, Variable
from tfgraph._tf import tf

try:  # half the cost of tf.constant; an internal name, so keep a way back
    from tensorflow.python.eager import context as _context
    from tensorflow.python.framework.constant_op import convert_to_eager_tensor as _to_eager

    def as_tensor(array, dtype):
        return _to_eager(array, _context.context(), dtype)
except ImportError:  # pragma: no cover - other TensorFlow versions
    def as_tensor(array, dtype):
        return tf.constant(array, dtype=dtype)


class In:
    """An input with options (``theano.compile.io.In``): a ``name`` for
    keyword calls; a default ``value`` (None: none, the input is required),
    or a ``Container`` (``f.container[x]``) whose value is the default and
    which the functions using it share; an ``update``, an expression whose
    value the function stores as the default after each call that succeeded
    (the default then keeps state from call to call); its own
    ``strict``/``allow_downcast`` conversion rules; ``implicit``: a value the
    caller may not give (the default for a Container value).

    ``mutable`` and ``borrow`` say what Theano may do to the array passed
    (overwrite it, alias an output to it): tfgraph never does either, as it
    converts every argument to a tensor of its own; a mutable default is
    copied by ``Function.copy`` instead of being shared.
    """

    def __init__(self, variable, name=None, value=None, update=None, mutable=None,
                 strict=False, allow_downcast=None, autoname=True, implicit=None,
                 borrow=None, shared=False):
        if not isinstance(variable, Variable):
            raise TypeError(f"In() takes a symbolic variable, got {variable!r}")
        self.variable = variable
        self.name = variable.name if autoname and name is None else name
        if self.name is not None and not isinstance(self.name, str):
            raise TypeError(f"In({variable}): name must be a string, got {self.name!r}")
        if update is not None and (not isinstance(update, Variable)
                                   or update.type != variable.type):
            raise TypeError(f"In({variable}): the update {update!r} must be a variable of the "
                            f"input's type {variable.type}, got "
                            f"{getattr(update, 'type', type(update).__name__)}")
        self.update = update
        self.mutable = (update is not None) if mutable is None else mutable
        self.borrow = self.mutable if borrow is None else borrow
        if self.mutable and not self.borrow:
            raise AssertionError(f"In({variable}): mutable=True implies borrow=True (an "
                                 f"input that may be overwritten may also be aliased)")
        self.value = value
        self.implicit = is_container(value) if implicit is None else implicit
        if self.implicit and value is None:
            raise TypeError(f"In({variable}): an implicit input must be given a default value")
        self.strict, self.allow_downcast = strict, allow_downcast
        self.shared = shared

    @property
    def has_default(self):
        return self.value is not None

    def __setstate__(self, state):
        # Pickles of older versions marked "no default" by leaving value out.
        state.setdefault("value", None)
        for key, default in (("update", None), ("mutable", False), ("borrow", False),
                             ("implicit", False), ("shared", False)):
            state.setdefault(key, default)
        self.__dict__.update(state)

    def __str__(self):
        return f"In({self.variable} -> {self.update})" if self.update is not None else \
            f"In({self.variable})"

    __repr__ = __str__


class Param(In):
    """Theano's older spelling of ``In``, with ``default=`` for the value."""

    def __init__(self, variable, default=None, name=None, mutable=False,
                 strict=False, allow_downcast=None, implicit=None, borrow=None):
        super().__init__(variable, name=name, value=default, mutable=mutable, strict=strict,
                         allow_downcast=allow_downcast, implicit=implicit, borrow=borrow)


def is_container(value):
    return isinstance(value, Container)


_MISSING = object()   # an argument not given
_REUSE_BYTES = 1 << 18   # arrays up to 256 KiB: their tensors are kept for reuse


class Arguments:
    """A call's arguments as tensors of the inputs' types (``specs``: the
    function's ``In``s; ``containers``: their defaults' storage, None for
    none), for function ``name``."""

    def __init__(self, name, specs, containers=None):
        self.name, self.specs = name, list(specs)
        self.containers = list(containers) if containers is not None else [None] * len(specs)
        types = [s.variable.type for s in self.specs]
        self._graph_specs = [t.tensor_spec() for t in types]
        self._last = [None] * len(self.specs)   # per input: (array, its bytes, its tensor)
        # The short path knows dense tensors only: with an input of another
        # type (a sparse matrix), or one the caller may not give, every call
        # takes the general one.
        self._types = None if not all(isinstance(t, TensorType) for t in types) or any(
            s.implicit for s in self.specs) else [
            (np.dtype(t.dtype), tf.as_dtype(t.dtype), t.ndim,
             [axis for axis, b in enumerate(t.broadcastable) if b]) for t in types]

    def tensors(self, args, kwargs):
        """The arguments as eager tensors (a nest of them for a type whose
        value is several arrays): by the short path when each has its input's
        exact type, else bound and converted by Theano's rules."""
        tensors = None if kwargs else self.exact(args)
        if tensors is None:
            tensors = [tf.nest.map_structure(lambda spec, a: as_tensor(a, spec.dtype), spec,
                                             s.variable.type.to_graph(value))
                       for s, spec, value in zip(self.specs, self._graph_specs,
                                                 self.arrays(args, kwargs))]
        return tensors

    def exact(self, args):
        """``args`` as tensors, or None when one is not exactly of its type
        (or an input is not a dense tensor)."""
        if self._types is None or len(args) != len(self._types):
            return None
        tensors = []
        for index, (value, (np_dtype, tf_dtype, ndim, unit_axes)) in enumerate(
                zip(args, self._types)):
            if ndim == 0 and type(value) in (int, float) and _exact_scalar(value, np_dtype):
                # A minibatch index or a learning rate, the commonest scalar
                # arguments: the general path would convert it to the same value.
                tensors.append(_number_tensor(value, value, tf_dtype))
                continue
            if type(value) is np.ndarray or type(value) is np_dtype.type:  # array or scalar
                if value.dtype != np_dtype or value.ndim != ndim:
                    return None
                shape = value.shape
                # A 0-d array converts as its Python number (the same value,
                # exactly: float32 and int64 values are Python floats and ints)
                # in a tenth of the time TensorFlow takes for a 0-d array.
                value = (_number_tensor(value.item(), value, tf_dtype) if ndim == 0
                         else self._tensor_of(index, value, tf_dtype))
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

    def _tensor_of(self, index, array, tf_dtype):
        """``array`` as a tensor: the one made last time for input ``index``
        if this is the same array with the same bytes (see the module's doc)."""
        if array.nbytes > _REUSE_BYTES:
            return as_tensor(array, tf_dtype)
        contents = array.tobytes()
        last = self._last[index]
        if last is not None and last[0] is array and last[1] == contents:
            return last[2]
        tensor = as_tensor(array, tf_dtype)
        self._last[index] = (array, contents, tensor)   # one assignment: thread-safe
        return tensor

    def arrays(self, args, kwargs):
        """The arguments bound to the inputs (keywords, defaults) and converted
        to NumPy arrays of their types, by Theano's rules."""
        return self.convert(self.bind(args, kwargs))

    def bind(self, args, kwargs):
        n = len(self.specs)
        if len(args) > n:
            raise TypeError(f"function {self.name!r} takes {n} argument(s) "
                            f"({self.listing()}), got {len(args)}")
        values = list(args) + [_MISSING] * (n - len(args))
        for key, value in kwargs.items():
            positions = [i for i, s in enumerate(self.specs) if s.name == key]
            if len(positions) > 1:
                raise TypeError(f"function {self.name!r}: ambiguous name {key!r}: inputs "
                                f"{positions} all have it; pass them by position")
            if not positions:
                raise TypeError(f"function {self.name!r} got an unexpected keyword argument "
                                f"{key!r}; its inputs are {self.listing()}")
            position = positions[0]
            if values[position] is not _MISSING:
                raise TypeError(f"function {self.name!r} got multiple values for input "
                                f"{key!r} (index {position})")
            values[position] = value
        for position, (spec, container, value) in enumerate(
                zip(self.specs, self.containers, values)):
            if value is not _MISSING:
                if spec.implicit:
                    raise TypeError(f"function {self.name!r}: input {spec.name or spec.variable}"
                                    f" at index {position} is implicit: its value is its "
                                    f"default, and a call may not give one")
                continue
            default = None if container is None else container.value
            if default is None:
                raise TypeError(f"function {self.name!r}: missing input "
                                f"{spec.name or spec.variable} at index {position}; "
                                f"its inputs are {self.listing()}")
            values[position] = default
        return values

    def convert(self, values, stacked=False, what=None):
        """``values`` as arrays of the inputs' types; ``stacked``: each with a
        leading axis (a loop's steps), ``what`` naming the call in errors."""
        arrays = []
        for position, (spec, value) in enumerate(zip(self.specs, values)):
            type_ = spec.variable.type
            if stacked:
                type_ = type(type_)(type_.dtype, (False,) + type_.broadcastable)
            try:
                arrays.append(type_.filter(value, strict=spec.strict,
                                           allow_downcast=spec.allow_downcast))
            except (TypeError, ValueError) as error:
                raise type(error)(f"Bad input argument with name \"{spec.name or spec.variable}"
                                  f"\" to {what or 'function'} \"{self.name}\" at index "
                                  f"{position} (0-based){', stacked over steps' if stacked else ''}"
                                  f": {error}") from None
        return arrays

    def listing(self):
        return ", ".join(str(s.name or s.variable) for s in self.specs)


def _number_tensor(number, value, tf_dtype):
    """The tensor of Python number ``number``, the item of argument ``value``.
    TensorFlow keeps the tensors it made of Python numbers and finds them by
    equality, where -0.0 == 0.0: so a zero with a negative sign (in either
    part of a complex number) is converted from ``value``, as an array, which
    it does not keep, else a call after one with 0.0 would receive 0.0."""
    if (number == 0 or type(number) is complex) and _negative_zero(number):
        return as_tensor(np.asarray(value), tf_dtype)
    return as_tensor(number, tf_dtype)


def _negative_zero(number):
    """Whether ``number`` (either part, of a complex one) is -0.0."""
    parts = (number.real, number.imag) if type(number) is complex else (number,)
    return any(part == 0 and math.copysign(1.0, part) < 0 for part in parts)


def _exact_scalar(value, np_dtype):
    """Whether Python int or float ``value`` is held exactly by ``np_dtype``
    (Theano's filter accepts it then, and converts it to that value)."""
    if type(value) is float:
        return np_dtype == np.float64
    if np_dtype.kind not in "iu":
        return False
    bounds = np.iinfo(np_dtype)
    return bounds.min <= value <= bounds.max
