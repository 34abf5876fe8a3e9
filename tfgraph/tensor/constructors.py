"""Symbolic input constructors: ``scalar vector matrix row col tensor3`` to ``tensor7``,
their dtype-prefixed forms (``b w i l f d c z``) and plurals (``dmatrices``).

As in Theano's tensor/basic.py, a prefixed constructor is the type itself
(``lscalar = TensorType('int64', ())``): calling it makes a variable, and
``x.type == T.lscalar`` holds. The unprefixed ones are functions, which read
``config.floatX`` when called."""
from tfgraph.config import config
from tfgraph.graph import TensorType
from tfgraph.persist import pickle_by_name

PATTERNS = {"scalar": (), "vector": (False,), "matrix": (False, False),
            "row": (True, False), "col": (False, True),
            "tensor3": (False,) * 3, "tensor4": (False,) * 4,
            "tensor5": (False,) * 5, "tensor6": (False,) * 6, "tensor7": (False,) * 7}
PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64",
            "f": "float32", "d": "float64", "c": "complex64", "z": "complex128"}
PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows",
           "col": "cols", "tensor3": "tensor3s", "tensor4": "tensor4s", "tensor5": "tensor5s",
           "tensor6": "tensor6s", "tensor7": "tensor7s"}


def _floatx_single(kind):
    def make(name=None, dtype=None):
        return TensorType(dtype or config.floatX, PATTERNS[kind])(name)
    make.__doc__ = f"A symbolic {kind} of dtype ``dtype`` (default floatX)."
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


def build_namespace():
    namespace = {}
    for kind in PATTERNS:
        for prefix, dtype in [("", None), *PREFIXES.items()]:
            single = TensorType(dtype, PATTERNS[kind]) if dtype else _floatx_single(kind)
            namespace[prefix + kind] = single
            namespace[prefix + PLURALS[kind]] = _plural(single)
    # Where they are found, so that they pickle by reference (T.dmatrix kept
    # in a model object is T.dmatrix again when loaded).
    for name, value in namespace.items():
        if isinstance(value, TensorType):
            pickle_by_name(value, "tfgraph.tensor", name)
        else:
            value.__module__, value.__qualname__, value.__name__ = "tfgraph.tensor", name, name
    return namespace


def tensor(dtype=None, broadcastable=(), name=None):
    """A symbolic tensor of any type: ``tensor('float32', (False, True), 'x')``."""
    return TensorType(dtype or config.floatX, broadcastable)(name)
