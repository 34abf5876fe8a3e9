"""Symbolic input constructors: ``scalar vector matrix row col tensor3`` to ``tensor7``,
their dtype-prefixed forms (``b w i l f d c``) and plurals (``dmatrices``)."""
from tfgraph.config import config
from tfgraph.graph import TensorType

PATTERNS = {"scalar": (), "vector": (False,), "matrix": (False, False),
            "row": (True, False), "col": (False, True),
            "tensor3": (False,) * 3, "tensor4": (False,) * 4,
            "tensor5": (False,) * 5, "tensor6": (False,) * 6, "tensor7": (False,) * 7}
PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64",
            "f": "float32", "d": "float64", "c": "complex64", "z": "complex128"}
PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows",
           "col": "cols", "tensor3": "tensor3s", "tensor4": "tensor4s", "tensor5": "tensor5s",
           "tensor6": "tensor6s", "tensor7": "tensor7s"}


def _single(kind, fixed_dtype):
    def make(name=None, dtype=None):
        return TensorType(fixed_dtype or dtype or config.floatX, PATTERNS[kind])(name)
    make.__name__ = (f"{_prefix(fixed_dtype)}{kind}")
    make.__doc__ = (f"A symbolic {kind} of dtype {fixed_dtype or 'dtype (default floatX)'}.")
    return make


def _plural(single):
    def make(*names):
        """As Theano 1.0 parses them: an int n gives n unnamed variables, a
        single string one variable per character (``matrices('pt')`` is ``p``,
        ``t``; ``matrices('x')`` is one variable), several names one each."""
        if names and isinstance(names[0], int):
            return [single() for _ in range(names[0])]
        if len(names) == 1:
            names = names[0]
        if len(names) == 1:
            return single(names[0] if not isinstance(names, str) else names)
        return [single(name) for name in names]
    return make


def _prefix(dtype):
    return next((p for p, d in PREFIXES.items() if d == dtype), "")


def build_namespace():
    namespace = {}
    for kind in PATTERNS:
        for prefix, dtype in [("", None), *PREFIXES.items()]:
            single = _single(kind, dtype)
            namespace[prefix + kind] = single
            namespace[prefix + PLURALS[kind]] = _plural(single)
    for name, make in namespace.items():
        # Where they are found, so that they pickle by reference (T.dmatrix
        # kept in a model object).
        make.__module__, make.__qualname__, make.__name__ = "tfgraph.tensor", name, name
    return namespace


def tensor(dtype=None, broadcastable=(), name=None):
    """A symbolic tensor of any type: ``tensor('float32', (False, True), 'x')``."""
    return TensorType(dtype or config.floatX, broadcastable)(name)
