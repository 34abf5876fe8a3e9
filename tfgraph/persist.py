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
import threading
import weakref

from tfgraph import distribute
from tfgraph.compile import transaction

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


# --- shared variables: values of one moment between calls ---------------------------
#
# A shared variable pickles its value (``value_to_pickle``). The first one of
# a group (transaction.group_of: the variables calls change together) met in
# a pickling reads the whole group at once, holding its locks as a call does:
# a ``_Snapshot``. The others of the group met in the same pickling take
# their values from it. Groups read one after the other give a state between
# two calls (no call changes two groups), so everything one pickling saves
# is the state between two calls.
#
# Pickle has no hook at its end: a snapshot lasts as long as the arrays it
# gave out, which the pickling keeps (its memo holds each shared variable's
# state, with the array) until it ends: the end of pickle.dumps/dump,
# copy.deepcopy, pkl_utils.dump, or a Pickler's clear_memo(). Snapshots are
# per thread: another thread's pickling reads values of its own.

class _Snapshot:
    """The values of a group of shared variables, read at one moment."""

    def __init__(self, variables):
        self.tensors = {}
        self.arrays = {}  # id(shared variable) -> weak reference to the array given out
        transaction.holding(transaction.lock_order(variables), self._read, variables)
        for var in variables:
            _snapshots.by_variable[id(var)] = weakref.ref(self)

    def _read(self, variables):
        for var, value in zip(variables, values_now(variables)):
            self.tensors[id(var)] = (var, value)

    def array(self, shared):
        """A copy of ``shared``'s value (the same one while it lives): a NumPy
        array, or what its type makes of its tensors (a SciPy matrix)."""
        given = self.arrays.get(id(shared))
        array = given() if given is not None else None
        if array is None:
            array = shared.type.from_graph(self.tensors[id(shared)][1])
            self.arrays[id(shared)] = weakref.ref(array)
            weakref.finalize(array, _keep_alive_until_freed, self)
        return array


def values_now(shared_variables):
    """The values of ``shared_variables`` now (to be called holding their
    locks), copying nothing: an eager read shares the buffer, and the next
    assignment writes a new one. A mesh variable's value is gathered."""
    return [var.variable.numpy() if isinstance(var.variable, distribute.MeshVariable)
            else var.variable.read_value() for var in shared_variables]


def _keep_alive_until_freed(snapshot):
    """Called as each array a snapshot gave out is freed: the snapshot lives
    until the last one is (it is this call's argument until then)."""


class _Snapshots(threading.local):
    def __init__(self):
        self.by_variable = {}  # id(shared variable) -> weak reference to its _Snapshot


_snapshots = _Snapshots()


def value_to_pickle(shared):
    """The array to pickle as ``shared``'s value: read with its whole group,
    at one moment between calls, unless this thread's pickling already read
    that group (see above)."""
    ref = _snapshots.by_variable.get(id(shared))
    snapshot = ref() if ref is not None else None
    if snapshot is None or id(shared) not in snapshot.tensors:
        if len(_snapshots.by_variable) > 1000:  # drop entries of snapshots gone
            _snapshots.by_variable = {k: r for k, r in _snapshots.by_variable.items()
                                      if r() is not None}
        snapshot = _Snapshot(transaction.group_of(shared))
    return snapshot.array(shared)


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
