"""``Container``: the storage of a compiled function's input default
(``theano.gof.link.Container``).

Every input of a ``Function`` has one: it holds the input's default value
(None for an input without one) in ``storage``, a one-element list, and
converts what is stored in it by the input's type (``value = ...`` filters,
as ``TensorType.filter``, with the input's ``strict``/``allow_downcast``).
``In(x, value=f.container[x])`` makes two functions share one container;
``In(x, value=..., update=expr)`` makes a function store ``expr``'s value in
it after each call that succeeded (``tfgraph.compile.function``).

A call that stores into containers holds their locks (``lock``, taken in the
order of ``serial`` with the shared variables' locks: see
``tfgraph.compile.transaction``), as ``f[x] = value`` does.
"""
import threading

from tfgraph import shared as shared_module


class Container:
    """A default's storage: ``storage[0]`` is the value (None: no value).

    ``r`` is a variable (its type and name are taken) or a type; ``value``
    (also ``data``) reads the stored value and, set, stores what the type
    makes of the given one, raising its ``TypeError``/``ValueError`` (the
    stored value stays as it was) or, if ``readonly``, a ``TypeError``.
    """

    def __init__(self, r, storage, readonly=False, strict=False, allow_downcast=None,
                 name=None):
        if not isinstance(storage, list) or len(storage) < 1:
            raise TypeError(f"Container: storage must be a list of length at least one, "
                            f"got {storage!r}")
        self.type = getattr(r, "type", r)
        self.name = getattr(r, "name", None) if name is None else name
        self.storage = storage
        self.readonly, self.strict, self.allow_downcast = readonly, strict, allow_downcast
        self.lock, self.serial = threading.RLock(), next(shared_module._serials)

    def filtered(self, value):
        """``value`` as the type stores it (None stays None), or the type's error
        naming this container."""
        if value is None:
            return None
        try:
            return self.type.filter(value, strict=self.strict,
                                    allow_downcast=self.allow_downcast)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{error} (container {self.name!r})") from None

    @property
    def value(self):
        return self.storage[0]

    @value.setter
    def value(self, value):
        if self.readonly:
            raise TypeError(f"container {self.name!r} is read-only")
        value = self.filtered(value)
        with self.lock:  # between calls, never inside one
            self.storage[0] = value

    data = value

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["lock"], state["serial"]  # made anew when loaded
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock, self.serial = threading.RLock(), next(shared_module._serials)

    def __str__(self):
        return f"<{self.storage[0]}>"

    def __repr__(self):
        return f"<{self.storage[0]!r}>"


class InputStorage:
    """``f.container`` (``values=False``) and ``f.value`` (``values=True``): a
    function's input containers, or their values, by the input's position,
    variable or name; ``f.value[x] = v`` stores ``v`` as ``x``'s default."""

    def __init__(self, function_name, specs, containers, values):
        self._function_name, self._values = function_name, values
        self._by_key, self._ambiguous = {}, set()
        for position, (spec, container) in enumerate(zip(specs, containers)):
            self._by_key[position] = self._by_key[spec.variable] = container
            if spec.name is not None:
                if spec.name in self._by_key:
                    self._ambiguous.add(spec.name)
                self._by_key[spec.name] = container

    def _find(self, key):
        if isinstance(key, str) and key in self._ambiguous:
            raise TypeError(f"function {self._function_name!r}: ambiguous name {key!r}: "
                            f"several inputs have it; use the variable or the position")
        try:
            return self._by_key[key]
        except (KeyError, TypeError):
            raise TypeError(f"function {self._function_name!r}: unknown input or state: "
                            f"{key!r}") from None

    def __getitem__(self, key):
        container = self._find(key)
        return container.value if self._values else container

    def __setitem__(self, key, value):
        if not self._values:
            raise TypeError(f"function {self._function_name!r}: containers cannot be "
                            f"replaced; set the value with f[{key!r}] = value")
        self._find(key).value = value

    def __contains__(self, key):
        try:
            return key in self._by_key
        except TypeError:  # an unhashable key
            return False
