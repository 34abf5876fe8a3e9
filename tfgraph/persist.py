"""Pickling and copying of tfgraph objects: variables, graphs, shared
variables and compiled functions (see docs/persistence.md).

Graphs pickle as plain Python objects (ops by reference to their definition);
a shared variable pickles its value as a NumPy array and gets a new
``tf.Variable`` when loaded; a compiled function pickles as what built it
(inputs, outputs, updates, givens, mode, name, defaults) and is traced again
when loaded. Within one pickle (or one ``copy.deepcopy``) every object keeps
its identity, so a loaded function updates the loaded shared variables.

Each pickled variable and function carries ``FORMAT``; loading one written
with a newer format raises ``PickleFormatError`` rather than building
something that half works.
"""
import pickle
import sys

# Bump when a pickled object's state changes in a way older code cannot read.
FORMAT = 1
_KEY = "_tfgraph_format"


class PickleFormatError(pickle.UnpicklingError):
    """A pickle written by a tfgraph whose format this one cannot read."""


class CorruptPickleError(pickle.UnpicklingError):
    """A file cut short or of another kind where a tfgraph pickle was expected."""


# Graphs pickle recursively, a few levels per node: a graph thousands of nodes
# deep needs more than Python's default limit of 1000 (Theano asked its users
# to raise it; pickling raises it to this, once, if it is lower).
RECURSION_LIMIT = 20000


def ensure_recursion_limit():
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


def stamp(state):
    """``state`` (a dict) marked with this tfgraph's pickle format."""
    state[_KEY] = FORMAT
    return state


def checked(state, what):
    """``state`` without its format mark, after checking that this tfgraph
    can read it; ``what`` names the object in the error."""
    state = dict(state)
    version = state.pop(_KEY, None)
    if not isinstance(version, int) or version > FORMAT:
        raise PickleFormatError(
            f"cannot load {what}: it was pickled by a tfgraph with pickle format "
            f"{version!r}, and this tfgraph reads formats up to {FORMAT}. Load it with "
            f"the tfgraph that wrote it, or with a newer one.")
    return state


# --- shared variables ------------------------------------------------------------

# Values fetched ahead of pickling, by id of their shared variable: lets
# ``pkl_utils.dump`` see (and name) the very array a shared variable pickles.
_prefetched_values = {}


def prefetch_value(shared):
    """The array ``shared`` will pickle as its value, fetched now."""
    value = _prefetched_values.get(id(shared))
    if value is None:
        value = _prefetched_values[id(shared)] = shared.get_value()
    return value


def value_to_pickle(shared):
    """The value array to pickle for ``shared`` (a prefetched one, once)."""
    value = _prefetched_values.pop(id(shared), None)
    return shared.get_value() if value is None else value


def forget_prefetched(shared_ids):
    """Drop values prefetched for a pickling that has ended."""
    for key in shared_ids:
        _prefetched_values.pop(key, None)


# --- compiled functions ------------------------------------------------------------

def function_state(function):
    """What rebuilds ``function``: the arguments of ``function(...)`` as read
    (its ``definition``), with its inputs as ``In``s and its mode resolved."""
    state = dict(function.definition.arguments, name=function.name,
                 inputs=list(function.inputs), mode=function.mode)
    return stamp(state)


_compilers = {}


def register_function_class(function_class):
    """Loading a pickled function builds a ``function_class(**state)``
    (tfgraph.compile.function registers Function: this module is below it)."""
    _compilers["Function"] = function_class


def rebuild_function(state):
    """A Function compiled again from ``function_state``'s result."""
    Function = _compilers["Function"]
    state = checked(state, f"function {state.get('name', '')!r}")
    return Function(**state)


# --- module-level instances, pickled as references to their name ------------------

_NAMED = {}   # id(instance) -> (instance, module name, attribute name)


def pickle_by_name(instance, module, name):
    """Make ``instance`` (an op object kept at ``module.name``) pickle as a
    reference to that name, so that a loaded graph holds the very object
    (``node.op is softmax_op`` stays true). Returns the instance."""
    import copyreg
    _NAMED[id(instance)] = (instance, module, name)
    copyreg.pickle(type(instance), _reduce_named)
    return instance


def _reduce_named(instance):
    entry = _NAMED.get(id(instance))
    if entry is not None and entry[0] is instance:
        return (load_named, entry[1:])
    return instance.__reduce_ex__(pickle.DEFAULT_PROTOCOL)   # other instances: by value


def load_named(module, name):
    """The object ``pickle_by_name`` recorded at ``module.name``."""
    import importlib
    return getattr(importlib.import_module(module), name)
