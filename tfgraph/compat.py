"""``theano.compat``: the Python 2/3 names Theano-era code imports, as they
are on Python 3 (``izip`` is ``zip``, ``PY3`` is True, ...)."""
import configparser  # noqa: F401
import importlib
import io
import operator
import os
from collections import OrderedDict  # noqa: F401
from collections.abc import Callable, Iterable, Mapping, ValuesView  # noqa: F401
from collections.abc import MutableMapping as DictMixin  # noqa: F401

PY3 = True
BytesIO = io.BytesIO
StringIO = io.StringIO
next = next  # noqa: A001,PLW0127
reload = importlib.reload
operator_div = operator.truediv
izip, imap, ifilter = zip, map, filter

__all__ = ["PY3", "b", "BytesIO", "Callable", "next", "configparser", "reload", "cmp",
           "operator_div", "DictMixin", "Iterable", "Mapping", "OrderedDict", "ValuesView",
           "decode", "decode_iter", "get_unbound_function", "imap", "izip", "ifilter",
           "DefaultOrderedDict", "maybe_add_to_os_environ_pathlist"]


def b(text):
    """A str literal as bytes (six.b)."""
    return text.encode("latin-1")


def exc_message(error):
    """The message of an exception, unwrapping an exception re-raised inside
    another's arguments."""
    message = error.args[0]
    return exc_message(message) if isinstance(message, Exception) else message


def cmp(x, y):
    """-1, 0 or 1 as x is less than, equal to or greater than y."""
    return (x > y) - (x < y)


def get_unbound_function(method):
    return getattr(method, "__func__", method)


def decode(x):
    return x.decode()


def decode_iter(iterable):
    return (x.decode() for x in iterable)


def decode_with(x, encoding):
    return x.decode(encoding)


class DefaultOrderedDict(OrderedDict):
    """An OrderedDict that makes missing values with ``default_factory``."""

    def __init__(self, default_factory=None, *args, **kwargs):
        if default_factory is not None and not callable(default_factory):
            raise TypeError("first argument must be callable")
        super().__init__(*args, **kwargs)
        self.default_factory = default_factory

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        self[key] = value = self.default_factory()
        return value

    def __reduce__(self):
        args = () if self.default_factory is None else (self.default_factory,)
        return type(self), args, None, None, iter(self.items())

    def copy(self):
        return type(self)(self.default_factory, self)

    __copy__ = copy


def maybe_add_to_os_environ_pathlist(var, newpath):
    """Put the absolute path ``newpath`` first in ``os.environ[var]`` unless it
    is there already."""
    if os.path.isabs(newpath):
        paths = os.environ.get(var, "").split(os.pathsep)
        if newpath not in paths:
            os.environ[var] = os.pathsep.join([newpath] + [p for p in paths if p])
