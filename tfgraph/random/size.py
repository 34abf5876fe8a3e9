"""The ``size`` argument of random draws: a tuple or list of ints and
symbolic integer scalars, a symbolic integer vector (``x.shape``), an int,
or None (the shape the parameters broadcast to)."""
import numbers

import numpy as np

from tfgraph import dtypes
from tfgraph.config import config
from tfgraph.graph import Constant, Variable
from tfgraph.ops.base import as_tensor_variable, broadcast_patterns
from tfgraph.ops.elemwise import cast
from tfgraph.ops.shape import MakeVector


def _static_length(vector):
    if isinstance(vector, Constant):
        return len(np.asarray(vector.data))
    return getattr(vector, "static_length", None)


def normalize_size(size, ndim, params, what, positive=False):
    """(int64 size vector or None, ndim, broadcastable) for a draw of ``size``.

    None means the parameters' broadcast shape. Negative (or, with
    ``positive``, zero) constant entries and non-integer entries raise here,
    naming ``what``; symbolic entries are checked when the graph runs."""
    least = max((p.ndim for p in params), default=0)
    if size is None:
        if not params:
            raise TypeError(f"{what}: size is None and there are no parameters to take "
                            f"the shape from; pass size=")
        pattern = broadcast_patterns(*[p.broadcastable for p in params])
        if ndim is not None and ndim != len(pattern):
            raise ValueError(f"{what}: ndim={ndim} but the parameters have {len(pattern)} "
                             f"dimensions and size is None")
        return None, len(pattern), pattern
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size,)
    if isinstance(size, np.ndarray):
        size = tuple(size.tolist()) if size.ndim == 1 else size
    if isinstance(size, (tuple, list)):
        entries, pattern = [], []
        for i, entry in enumerate(size):
            if isinstance(entry, Variable):
                if entry.ndim != 0 or not dtypes.is_discrete(entry.dtype) or entry.dtype == "bool":
                    raise TypeError(f"{what}: size[{i}] must be an integer scalar, got {entry} "
                                    f"({entry.type})")
                static = int(entry.data) if isinstance(entry, Constant) else None
            elif isinstance(entry, numbers.Integral) and not isinstance(entry, bool):
                static = int(entry)
            else:
                raise TypeError(f"{what}: size[{i}] must be an integer or an integer scalar "
                                f"variable, got {entry!r}")
            if static is not None and (static < 0 or positive and static == 0):
                raise ValueError(f"{what}: size[{i}] is {static}; sizes must be "
                                 f"{'positive' if positive else 'non-negative'} "
                                 f"(size={tuple(size)!r})")
            entries.append(entry)
            pattern.append(static == 1)
        if ndim is not None and ndim != len(entries):
            raise ValueError(f"{what}: ndim={ndim} but size {size!r} has {len(entries)} entries")
        vector = MakeVector()(*entries)
    elif isinstance(size, Variable):
        if size.ndim != 1 or not dtypes.is_discrete(size.dtype) or size.dtype == "bool":
            raise TypeError(f"{what}: size must be an integer vector, a tuple or a list, got "
                            f"{size} ({size.type})")
        length = _static_length(size)
        if ndim is None:
            if length is None:
                raise ValueError(f"{what}: the length of size {size} is not known; pass ndim=")
            ndim = length
        elif length is not None and length != ndim:
            raise ValueError(f"{what}: ndim={ndim} but size {size} has {length} entries")
        if isinstance(size, Constant):
            values = np.asarray(size.data)
            if (values < 0).any() or positive and (values == 0).any():
                raise ValueError(f"{what}: size {values.tolist()} has a "
                                 f"{'non-positive' if positive else 'negative'} entry")
        vector, pattern = cast(size, "int64"), [False] * ndim
        ndim = len(pattern)
    else:
        raise TypeError(f"{what}: size must be a tuple or list of ints and integer scalars, "
                        f"an integer vector variable or None, got {size!r}")
    if least > len(pattern):
        raise ValueError(f"{what}: the parameters have {least} dimensions, more than the "
                         f"{len(pattern)} of size {size!r}")
    return vector, len(pattern), tuple(pattern)


def as_param(value, name, what):
    """A parameter as a symbolic tensor, with a message naming it if it is not one."""
    try:
        return as_tensor_variable(value)
    except TypeError as error:
        raise TypeError(f"{what}: {name} {error}") from None


def is_constant(param, value):
    """Whether ``param`` is a constant every element of which is ``value``
    (a parameter a draw can take a shortcut for, as ``n=1``)."""
    return isinstance(param, Constant) and bool(np.all(np.asarray(param.data) == value))


def float_dtype(dtype, *params):
    """``dtype``, or when None Theano's default for a float draw: floatX
    upcast with the parameters' dtypes."""
    return dtype if dtype is not None else dtypes.upcast(config.floatX, *[p.dtype for p in params])
