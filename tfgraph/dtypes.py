"""Dtype rules, as in Theano 1.0 with NumPy promotion.

Tensors combine by NumPy promotion (float32 + float64 -> float64). Python
literals are *weak*: they adapt to the tensors they meet (float32 * 0.1 stays
float32; int8 + 1 stays int8), except that a float literal meeting integers
counts as a floatX tensor, and a literal the tensor's dtype cannot hold (int8 +
1000, float32 * 1e300) upcasts as NumPy would.
"""
import numpy as np

from tfgraph.config import config

BOOL = ("bool",)
INTEGER = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
FLOAT = ("float16", "float32", "float64")
COMPLEX = ("complex64", "complex128")
ALL = BOOL + INTEGER + FLOAT + COMPLEX

# Theano's upgrade_to_float: small integers fit exactly in float32.
_TO_FLOAT = {"bool": "float32", "int8": "float32", "uint8": "float32",
             "int16": "float32", "uint16": "float32", "int32": "float64",
             "uint32": "float64", "int64": "float64", "uint64": "float64"}


def kind(dtype):
    """'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex."""
    return np.dtype(dtype).kind


def is_float(dtype):
    return dtype in FLOAT


def is_discrete(dtype):
    return kind(dtype) in "biu"


def upcast(*dtypes):
    """NumPy promotion of dtypes given as strings."""
    return np.result_type(*[np.dtype(d) for d in dtypes]).name


def upgrade_to_float(dtype):
    """The float dtype an op like exp or true division computes in."""
    return _TO_FLOAT.get(dtype, dtype)


class Autocaster:
    """The dtypes a Python literal of one kind may take (Theano's
    ``theano.scalar.autocast_float`` and ``autocast_int``); ``autocast_float_as``
    narrows them for a ``with`` block."""

    def __init__(self, dtypes):
        self.dtypes = tuple(dtypes)


autocast_int = Autocaster(("int8", "int16", "int32", "int64"))
autocast_float = Autocaster(("float16", "float32", "float64"))


class autocast_float_as:  # noqa: N801  (Theano's name)
    """``with autocast_float_as('float32'):`` Python floats in graphs become
    float32 (Theano's ``theano.scalar.autocast_float_as``)."""

    def __init__(self, *dtypes):
        for dtype in dtypes:
            if dtype not in FLOAT:
                raise ValueError(f"autocast_float_as takes float dtypes, got {dtype!r}")
        self.dtypes = dtypes

    def __enter__(self):
        self.old_dtypes, autocast_float.dtypes = autocast_float.dtypes, self.dtypes

    def __exit__(self, *exc):
        autocast_float.dtypes = self.old_dtypes


def literal_dtype(value):
    """The dtype a Python literal gets on its own (Theano's autocast)."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, int):
        for dtype in ("int8", "int16", "int32", "int64"):
            info = np.iinfo(dtype)
            if info.min <= value <= info.max:
                return dtype
        return "uint64"
    if isinstance(value, float):
        allowed = [d for d in autocast_float.dtypes if d != "float16" or config.floatX == "float16"]
        if config.floatX in allowed and _fits(value, config.floatX):
            return config.floatX
        return allowed[-1]
    if isinstance(value, complex):
        return "complex64" if config.floatX == "float32" else "complex128"
    raise TypeError(f"not a Python literal: {value!r}")


def _fits(value, dtype):
    if kind(dtype) in "iu":
        info = np.iinfo(dtype)
        return info.min <= value <= info.max
    if kind(dtype) == "f":
        return not np.isfinite(value) or abs(value) <= float(np.finfo(dtype).max)
    return True


def combine(strong, weak=()):
    """Result dtype of tensors of dtypes ``strong`` with literals ``weak``.

    ``weak`` holds the Python literal values themselves.
    """
    if not strong:
        return upcast(*[literal_dtype(v) for v in weak])
    dtype = upcast(*strong)
    for value in weak:
        literal = literal_dtype(value)
        k, lk = kind(dtype), kind(literal)
        if lk == "c" and k != "c":
            dtype = upcast(dtype, literal)
        elif lk == "f" and k in "biu":
            # Theano's float literal is a floatX constant, promoted as usual:
            # floatX itself, except int32/int64 with float32 give float64.
            dtype = upcast(dtype, config.floatX)
        elif lk == "f" and k == "f" and not _fits(value, dtype):
            dtype = upcast(dtype, "float64")
        elif lk in "iu" and k == "b":
            dtype = literal
        elif lk in "iu" and k in "iu" and not _fits(value, dtype):
            dtype = upcast(dtype, literal)
    return dtype


def can_cast_safely(from_dtype, to_dtype):
    """Theano's rule for accepting a NumPy array: no precision may be lost."""
    return upcast(from_dtype, to_dtype) == to_dtype


def check_dtype(dtype):
    """Normalise a dtype spelling ('floatX', np.float32, 'float32') to a name."""
    if dtype == "floatX":
        return config.floatX
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype") from None
    if name not in ALL:
        raise TypeError(f"dtype {name!r} is not supported; use one of {ALL}")
    return name


def to_array(value, dtype, strict, allow_downcast):
    """``value`` as an ndarray of ``dtype`` by Theano's rules for a function's
    argument (``TensorType.filter``): TypeError for a conversion that could
    lose precision (unless ``allow_downcast``) or any conversion (``strict``)."""
    if isinstance(value, np.ndarray) and value.dtype.name == dtype:
        return value
    if strict:
        got = value.dtype.name if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(f"Expected an array of dtype {dtype} (strict=True), got {got}.")
    if allow_downcast:
        return _convert(value, dtype)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        if can_cast_safely(value.dtype.name, dtype):
            return value.astype(dtype)
        raise TypeError(_lossy_message(dtype, value.dtype.name))
    if allow_downcast is None and type(value) is float and dtype == config.floatX:
        return np.asarray(value, dtype=dtype)
    converted = _convert(value, dtype)
    original = np.asarray(value)
    if original.dtype.kind not in "biufc" or not np.array_equal(
            original, converted, equal_nan=original.dtype.kind in "fc"):
        raise TypeError(_lossy_message(dtype, original.dtype.name, value))
    return converted


class ConversionError(TypeError, ValueError):
    """Data that is no array of numbers (text, a ragged sequence): a TypeError
    for tfgraph's rules, and the ValueError NumPy's conversion gives in
    Theano's ``TensorType.filter``."""


def _convert(value, dtype):
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"non-numeric data of dtype {array.dtype.name}")
        with np.errstate(all="ignore"):
            return array.astype(dtype)
    except (TypeError, ValueError, OverflowError) as error:
        reason = ("a ragged sequence: its rows have different lengths"
                  if "inhomogeneous" in str(error) else error)
        raise ConversionError(f"Could not convert {type(value).__name__} {_short(value)} to an "
                              f"array of dtype {dtype} ({reason}).") from None


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lossy_message(dtype, from_dtype, value=None):
    what = f"value {_short(value)}" if value is not None else f"value of dtype {from_dtype}"
    return (f"TensorType({dtype}) cannot store a {what} without risking loss of "
            f"precision. If you do not mind this loss, you can: 1) explicitly cast "
            f"your data to {dtype}, or 2) set \"allow_input_downcast=True\" when "
            f"calling \"function\".")
