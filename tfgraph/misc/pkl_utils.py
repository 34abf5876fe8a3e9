"""Theano's ``theano.misc.pkl_utils``: ``dump`` and ``load`` of any object in
a zip file whose arrays are stored apart, as ``.npy`` data, and ``StripPickler``.

The zip holds a member ``pkl``, the pickle of the object, in which each NumPy
array (a shared variable's value included) is replaced by a persistent id
``'ndarray.<member>'``; member ``<member>`` holds the array in NumPy's ``.npy``
format, named after its shared variable where it has one (``W``, then ``W_2``,
... for repeated names), else ``array_0``, ``array_1``, ... As Theano's, the
file opens with ``numpy.load`` too (``numpy.load('model.zip')['W']``).
"""
import io
import pickle
import shutil
import struct
import sys
import tempfile
import zipfile
import zlib
from collections import defaultdict

import numpy as np

from tfgraph import persist

Pickler = pickle.Pickler
# Theano raised the recursion limit to this, for pickling deep graphs.
min_recursion = 3000
if sys.getrecursionlimit() < min_recursion:
    sys.setrecursionlimit(min_recursion)
from tfgraph.graph import _Tag
from tfgraph.shared import SharedVariable

DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL


class CompatUnpickler(pickle.Unpickler):
    """An Unpickler for pickles written by Python 2 (give ``encoding="latin1"``
    to read their NumPy arrays)."""


class StripPickler(pickle.Pickler):
    """A Pickler that leaves out the debugging annotations of variables
    (``tag.trace``, ``tag.test_value`` and the names in
    ``extra_tag_to_remove``), without changing the objects pickled::

        with open('case.pkl', 'wb') as f:
            StripPickler(f, protocol=-1).dump(dict(inputs=inputs, outputs=outputs))
    """

    def __init__(self, file, protocol=0, extra_tag_to_remove=None):
        super().__init__(file, protocol)
        self.tag_to_remove = ["trace", "test_value"] + list(extra_tag_to_remove or [])

    def reducer_override(self, obj):
        if type(obj) is _Tag:
            kept = {k: v for k, v in vars(obj).items() if k not in self.tag_to_remove}
            return (_Tag, (), kept)
        return NotImplemented


class PersistentNdarrayID:
    """The persistent id of each NumPy array met while pickling: the array
    goes to its own member of ``zip_file``, named ``array_<n>`` (the first
    such name not taken)."""

    def __init__(self, zip_file):
        self.zip_file = zip_file
        self.count = 0
        self.seen = {}
        self.members = {"pkl"}  # member names taken: each array gets its own
        self._keep = []  # arrays whose ids are in ``seen`` must outlive the dump

    def _resolve_name(self, obj):
        name = f"array_{self.count}"
        while name in self.members:
            self.count += 1
            name = f"array_{self.count}"
        self.count += 1
        return name

    def _member_name(self, name):
        """``name``, or, if a member has it, ``name_2``, ``name_3``, ...: the
        first not taken."""
        unique, n = name, 1
        while unique in self.members:
            n += 1
            unique = f"{name}_{n}"
        self.members.add(unique)
        return unique

    def __call__(self, obj):
        if type(obj) is not np.ndarray:
            return None
        if id(obj) not in self.seen:
            name = self._member_name(self._resolve_name(obj))
            zipadd(lambda f: np.lib.format.write_array(f, obj, allow_pickle=False),
                   self.zip_file, name)
            self.seen[id(obj)] = f"ndarray.{name}"
            self._keep.append(obj)
        return self.seen[id(obj)]


class PersistentSharedVariableID(PersistentNdarrayID):
    """As ``PersistentNdarrayID``, naming a shared variable's value after the
    variable (``W``; a second ``W`` as ``W_2``, or the next name free).
    ``allow_unnamed=False`` rejects unnamed shared variables and
    ``allow_duplicates=False`` two with the same name (``ValueError``)."""

    def __init__(self, zip_file, allow_unnamed=True, allow_duplicates=True):
        super().__init__(zip_file)
        self.name_counter = defaultdict(int)
        self.ndarray_names = {}
        self.allow_unnamed = allow_unnamed
        self.allow_duplicates = allow_duplicates
        self.shared_seen = set()

    def _resolve_name(self, obj):
        name = self.ndarray_names.get(id(obj))
        if name is None:
            return super()._resolve_name(obj)
        if self.name_counter[name] and not self.allow_duplicates:
            raise ValueError(f"multiple shared variables with the name `{name}` found")
        self.name_counter[name] += 1
        return name

    def __call__(self, obj):
        if isinstance(obj, SharedVariable) and id(obj) not in self.shared_seen:
            self.shared_seen.add(id(obj))
            if obj.name:
                if obj.name == "pkl":
                    raise ValueError("can't pickle a shared variable named `pkl`: the zip "
                                     "member of that name holds the pickle itself")
                # The very array the variable will pickle as its value.
                value = persist.value_to_pickle(obj)
                self.ndarray_names[id(value)] = obj.name
                self._keep.append(value)
            elif not self.allow_unnamed:
                raise ValueError(f"unnamed shared variable, {obj}")
        return super().__call__(obj)


class PersistentNdarrayLoad:
    """Reads back the arrays ``PersistentNdarrayID`` stored in ``zip_file``."""

    def __init__(self, zip_file):
        self.zip_file = zip_file
        self.cache = {}

    def __call__(self, persid):
        kind, _, name = persid.partition(".")
        if kind != "ndarray":
            raise pickle.UnpicklingError(
                f"this file stores an array of kind {kind!r} ({persid!r}); tfgraph reads "
                f"NumPy arrays only (GPU arrays: load them with Theano and save them as NumPy)")
        if name not in self.cache:
            with self.zip_file.open(name) as f:
                self.cache[name] = np.lib.format.read_array(f, allow_pickle=False)
        return self.cache[name]


def dump(obj, file_handler, protocol=DEFAULT_PROTOCOL,
         persistent_id=PersistentSharedVariableID):
    """Pickle ``obj`` into the zip file ``file_handler`` (a binary file object
    or a path), its arrays stored apart (see this module's docstring). The
    shared variables' values are those of one moment between calls, as with
    ``pickle`` (docs/persistence.md)."""
    with zipfile.ZipFile(file_handler, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zip_file:
        ids = persistent_id(zip_file)

        def write_pickle(f):
            pickler = pickle.Pickler(f, protocol=protocol)
            pickler.persistent_id = ids
            pickler.dump(obj)
        zipadd(write_pickle, zip_file, "pkl")


# What reading a damaged zip file raises, in zipfile and zlib.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error, OverflowError,
           NotImplementedError, RuntimeError, KeyError, OSError)


def load(f, persistent_load=PersistentNdarrayLoad):
    """The object ``dump`` wrote to ``f`` (a binary file object or a path).

    Every member is read and checked against its CRC-32 first: a file that is
    not such a zip, was cut short or has any byte of its members changed
    raises ``tfgraph.persist.CorruptPickleError`` (an ``UnpicklingError``)
    naming it, before anything is built."""
    zip_file = _whole_zip(f)
    with zip_file:
        try:
            data = zip_file.read("pkl")
        except KeyError:
            raise persist.CorruptPickleError(
                f"{_describe(f)} has no member 'pkl': not a file written by "
                f"pkl_utils.dump") from None
        unpickler = pickle.Unpickler(io.BytesIO(data))
        unpickler.persistent_load = persistent_load(zip_file)
        try:
            return unpickler.load()
        except persist.PickleFormatError:
            raise
        except (EOFError, KeyError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
            raise persist.CorruptPickleError(
                f"{_describe(f)} is damaged: {type(error).__name__}: {error}") from None


def _whole_zip(f):
    """``f`` opened as a zip file whose every member reads back with its
    CRC-32, or ``CorruptPickleError``."""
    zip_file = None
    try:
        zip_file = zipfile.ZipFile(f, "r")
        bad = zip_file.testzip()  # reads every member, checking its CRC-32
        if bad is not None:
            raise zipfile.BadZipFile(f"member {bad!r} fails its CRC-32 check")
        return zip_file
    except _DAMAGE as error:
        if zip_file is not None:
            zip_file.close()
        raise persist.CorruptPickleError(
            f"{_describe(f)} is not a complete pkl_utils.dump zip file (damaged, truncated or "
            f"of another kind): {type(error).__name__}: {error}") from None


def _describe(f):
    name = getattr(f, "name", f)
    return f"file {name!r}" if isinstance(name, str) else "the file"


def zipadd(func, zip_file, name):
    """Write member ``name`` of ``zip_file`` with ``func(file_object)``."""
    with tempfile.TemporaryFile() as temp:
        func(temp)
        temp.seek(0)
        with zip_file.open(name, "w", force_zip64=True) as member:
            shutil.copyfileobj(temp, member)
