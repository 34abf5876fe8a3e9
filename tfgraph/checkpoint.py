"""Checkpoints of shared variables, so that training resumes after a crash.

    checkpoints = tfgraph.checkpoint.Checkpoints([W, b], "runs/ckpt", max_to_keep=3)
    start = checkpoints.restore() or 0        # the step saved last, or None
    for step in range(start + 1, n_steps + 1):
        train(X, y)
        checkpoints.save(step)

A checkpoint is TensorFlow's pair of files ``<name>-<step>.index`` and
``.data-00000-of-00001`` (``tf.train.load_checkpoint`` reads them), and the
directory's ``checkpoint`` state file, in TensorFlow's format
(``tf.train.latest_checkpoint`` reads it), names the latest and the others
kept, with a CRC-32 of its own.

What is guaranteed (docs/persistence.md says it in full):

- **Killed at any moment** (SIGKILL included), a save leaves the previous
  checkpoint or the new one as the latest, whole. A save never writes over
  the files of a checkpoint that may be the latest: it writes into a
  temporary directory, fsyncs, renames the data file and then the index file
  to a name no file has (re-saving step 7 writes ``ckpt-7_2``), fsyncs the
  directory, and only then replaces the state file (written aside, fsynced,
  renamed, the directory fsynced again). Files no longer named are deleted
  last, the index first.
- **Damaged files never restart training silently.** ``restore()`` reads the
  state file's latest checkpoint; with the state file missing or damaged, the
  newest checkpoint whole on disk (and says so in a warning). A checkpoint
  that does not read back whole (every value is checked against its
  checksum) raises ``CheckpointDamagedError`` naming it. ``restore()``
  returns None only when the directory holds no checkpoint at all.
- **Snapshots between calls.** ``save`` reads the variables holding their
  locks, as a call does, so it saves the state between two calls;
  ``restore`` assigns them all holding their locks, in one step that no call
  sees half done, after checking everything it read.
"""
import logging
import os
import re
import secrets
import shutil
import threading
import zlib

import numpy as np

from tfgraph import persist
from tfgraph.compile import transaction
from tfgraph.shared import SharedVariable
from tfgraph._tf import tf

_VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"
_STEP, _GENERATION = "step" + _VALUE, "generation" + _VALUE
_DATA = ".data-00000-of-00001"
STATE_FILE = "checkpoint"
_TAG = "# tfgraph "
_log = logging.getLogger(__name__)
# What TensorFlow's checkpoint reader raises for files that do not read back.
_UNREADABLE = (tf.errors.OpError, ValueError, IndexError, RuntimeError, OverflowError)


class CheckpointMismatchError(ValueError):
    """A checkpoint whose variables differ from those asked to be restored."""


class CheckpointDamagedError(Exception):
    """A checkpoint (or state file) that does not read back as it was written."""


class Checkpoints:
    """Save and restore ``variables`` (a list of shared variables with distinct
    names, or a dict from names to shared variables) in ``directory``, which
    this object alone writes.

    ``max_to_keep`` checkpoints are kept (None: all); ``save(step)`` writes one
    for ``step``; ``restore()`` reads the latest (or ``path``) back.
    """

    def __init__(self, variables, directory, max_to_keep=5, checkpoint_name="ckpt"):
        self.variables = _by_name(variables)
        self.directory = str(directory)
        if max_to_keep is not None and int(max_to_keep) < 1:
            raise ValueError(f"max_to_keep must be a positive number or None, got {max_to_keep!r}")
        self.max_to_keep = None if max_to_keep is None else int(max_to_keep)
        if not re.fullmatch(r"[\w+-][\w.+-]*", str(checkpoint_name)):
            raise ValueError(f"checkpoint_name must be a file name of letters, digits and "
                             f"'_.+-' (not starting with '.'), got {checkpoint_name!r}")
        self.checkpoint_name = str(checkpoint_name)
        self._pattern = re.compile(re.escape(self.checkpoint_name) + r"-(-?\d+)(?:_\d+)?")
        # Restoring assigns them together: lock_order makes them one group.
        self._locks = transaction.lock_order(self.variables.values())
        self._files = threading.Lock()  # one save or restore of this object at a time

    # --- saving --------------------------------------------------------------------

    def save(self, step):
        """Write the variables' values, as they are between two calls, as the
        checkpoint of ``step``; returns its path."""
        step = int(step)
        values = transaction.holding(self._locks, self._read_values)
        with self._files:
            return self._write(step, values)

    def _write(self, step, values):
        os.makedirs(self.directory, exist_ok=True)
        kept, problem = self._state()
        generation = 1 + max([0] + [g for _, _, g in kept] + [
            _generation_of(self._path(prefix)) for prefix in self._on_disk()
            if problem is not None])
        name = self._free_name(step)
        temporary = os.path.join(self.directory, f".{name}.tmp-{os.getpid()}-"
                                                 f"{secrets.token_hex(4)}")
        names = [_STEP, _GENERATION] + [_key(n) for n in values]
        tensors = [tf.constant(step, tf.int64), tf.constant(generation, tf.int64),
                   *values.values()]
        tf.raw_ops.SaveV2(prefix=os.path.join(temporary, "data"), tensor_names=names,
                          shape_and_slices=[""] * len(names), tensors=tensors)
        for suffix in (_DATA, ".index"):
            _fsync_file(os.path.join(temporary, "data" + suffix))
        _fsync_directory(temporary)
        # The index last: a checkpoint exists once its index does.
        for suffix in (_DATA, ".index"):
            os.rename(os.path.join(temporary, "data" + suffix), self._path(name) + suffix)
        _fsync_directory(self.directory)
        kept = [entry for entry in kept if entry[1] != step] + [(name, step, generation)]
        if self.max_to_keep is not None:
            kept = kept[-self.max_to_keep:]
        self._write_state(kept)
        self._delete_all_but([entry[0] for entry in kept])
        return self._path(name)

    def _read_values(self):
        """Each variable's value now (to be called holding their locks)."""
        return dict(zip(self.variables, persist.values_now(self.variables.values())))

    def _free_name(self, step):
        """``<name>-<step>``, or ``<name>-<step>_<k>`` when files of that name
        exist (a checkpoint of that step, perhaps the latest, or what an
        interrupted save left)."""
        taken = set(os.listdir(self.directory))
        base = f"{self.checkpoint_name}-{step}"
        name, k = base, 1
        while name + ".index" in taken or name + _DATA in taken:
            k += 1
            name = f"{base}_{k}"
        return name

    def _write_state(self, kept):
        """Replace the state file atomically: written aside, fsynced, renamed
        over the old one, the directory fsynced."""
        lines = [f'model_checkpoint_path: "{kept[-1][0]}"\n'] + [
            f'all_model_checkpoint_paths: "{name}"\n' for name, _, _ in kept]
        lines.append(_TAG + "checkpoints " + " ".join(f"{n}:{s}:{g}" for n, s, g in kept) + "\n")
        text = "".join(lines)
        text += f"{_TAG}crc32 {zlib.crc32(text.encode()):08x}\n"
        temporary = os.path.join(self.directory, f".{STATE_FILE}.tmp-{os.getpid()}-"
                                                 f"{secrets.token_hex(4)}")
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, os.path.join(self.directory, STATE_FILE))
        _fsync_directory(self.directory)

    def _delete_all_but(self, kept):
        """Delete this object's checkpoints not in ``kept`` (index first, so
        that a deletion cut short leaves no checkpoint half there) and what
        interrupted saves left."""
        kept = set(kept)
        for entry in sorted(os.listdir(self.directory), key=lambda e: not e.endswith(".index")):
            path = os.path.join(self.directory, entry)
            prefix = entry[:-len(".index")] if entry.endswith(".index") else \
                entry[:-len(_DATA)] if entry.endswith(_DATA) else None
            if prefix is not None and self._pattern.fullmatch(prefix) and prefix not in kept:
                os.remove(path)
            elif entry.startswith(f".{self.checkpoint_name}-") and ".tmp-" in entry:
                shutil.rmtree(path, ignore_errors=True)
            elif entry.startswith(f".{STATE_FILE}.tmp-"):
                os.remove(path)

    # --- restoring -----------------------------------------------------------------

    @property
    def latest(self):
        """The path of the checkpoint ``restore()`` reads (the state file's
        latest, or, without a readable state file, the newest whole one on
        disk), or None."""
        kept, problem = self._state()
        if problem is None:
            return self._path(kept[-1][0]) if kept else None
        newest = self._newest_whole()[0]
        return None if newest is None else newest[0]

    def restore(self, path=None):
        """Set the variables to the values of checkpoint ``path`` (default: the
        latest in the directory) in one step between calls; returns its step,
        or None when the directory holds no checkpoint at all.

        Raises ``CheckpointMismatchError`` when the checkpoint's variables
        differ from these, and ``CheckpointDamagedError`` when it does not read
        back whole (naming it, and the others to try); both change nothing."""
        with self._files:
            latest = path is None
            if latest:
                path = self._latest_to_restore()
                if path is None:
                    return None
            try:
                step, values = self._read_checkpoint(path)
            except CheckpointDamagedError as error:
                if not latest:
                    raise
                others = [self._path(name) for name, _, _ in self._state()[0][:-1]]
                raise CheckpointDamagedError(
                    f"{error}. It is the latest checkpoint of {self.directory}" +
                    (f"; the others kept, oldest first: {', '.join(others)}: "
                     f"restore(path=...) to go on from one of them" if others else "")) from None
        names = list(self.variables)
        with transaction.interrupts_deferred():  # a Ctrl-C lands before or after, in full
            transaction.holding(self._locks, self._assign, path, names,
                                [values[name] for name in names])
        return step

    def _assign(self, path, names, values):
        """Check the shapes and assign every value (to be called holding the
        locks, so that no call sees them half assigned)."""
        variables = [self.variables[name] for name in names]
        for name, var, value in zip(names, variables, values):
            _check_shape(path, name, value.shape, var)
        storage = [var.variable for var in variables]
        transaction.assign_all(storage, values, transaction.snapshot(storage))

    def _latest_to_restore(self):
        kept, problem = self._state()
        if problem is None:
            return self._path(kept[-1][0]) if kept else None
        (newest, damaged) = self._newest_whole()
        later = [d for d in damaged if newest is None or d[1] >= newest[1]]
        if later:
            raise CheckpointDamagedError(
                f"cannot tell which checkpoint of {self.directory} is the latest: its state "
                f"file {problem}, and " + "; ".join(f"{p}: {why}" for p, _, why in later) +
                (f". The newest whole one is {newest[0]} (step {newest[1]}): "
                 f"restore(path={newest[0]!r}) to go on from it" if newest else
                 ". No checkpoint there reads back whole"))
        if newest is None:
            return None
        _log.warning("checkpoints in %s: the state file %s; restoring the newest whole "
                     "checkpoint, %s (step %d)", self.directory, problem, newest[0], newest[1])
        return newest[0]

    def _newest_whole(self):
        """((path, step, generation) of the newest checkpoint of this object's
        name that reads back whole, or None), [(path, step, why) of those that
        do not])."""
        whole, damaged = [], []
        for prefix in self._on_disk():
            path = self._path(prefix)
            try:
                step, values = self._read_checkpoint(path)
                whole.append((path, step, values[_GENERATION]))
            except CheckpointDamagedError as error:
                damaged.append((path, int(self._pattern.fullmatch(prefix).group(1)),
                                str(error)))
        newest = max(whole, key=lambda e: (e[2], e[1]), default=None)
        return newest, damaged

    def _on_disk(self):
        """Prefixes of this object's checkpoints that have an index file."""
        if not os.path.isdir(self.directory):
            return []
        return [entry[:-len(".index")] for entry in os.listdir(self.directory)
                if entry.endswith(".index") and self._pattern.fullmatch(entry[:-len(".index")])]

    def _read_checkpoint(self, path):
        """(step, {name: array}, with the generation under its key) of
        checkpoint ``path``, every value checked against its checksum; raises
        ``CheckpointDamagedError`` or ``CheckpointMismatchError``."""
        reader, shapes = self._reader(path)
        values = {}
        try:
            for name in self.variables:
                values[name] = np.asarray(reader.get_tensor(_key(name)))
            step = int(reader.get_tensor(_STEP)) if _STEP in shapes else 0
            values[_GENERATION] = (int(reader.get_tensor(_GENERATION))
                                   if _GENERATION in shapes else 0)
        except _UNREADABLE as error:
            raise CheckpointDamagedError(_damage(path, error)) from None
        return step, values

    def check(self, path):
        """Raise ``CheckpointMismatchError`` unless checkpoint ``path`` holds
        exactly these variables, with their dtypes and current shapes."""
        _, shapes = self._reader(path)
        for name, var in self.variables.items():
            _check_shape(path, name, tuple(shapes[_key(name)]), var)

    def _reader(self, path):
        """TensorFlow's reader of checkpoint ``path`` and its map of shapes,
        once checked to hold exactly these variables, with their dtypes."""
        try:
            reader = tf.train.load_checkpoint(path)
            shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
        except _UNREADABLE as error:
            raise CheckpointDamagedError(_damage(path, error)) from None
        self._check_names(path, shapes, dtypes)
        return reader, shapes

    def _check_names(self, path, shapes, dtypes):
        stored = {key for key in shapes if key.startswith("shared/") and key.endswith(_VALUE)}
        held = sorted(_name_of(k) for k in stored)
        for name, var in self.variables.items():
            key = _key(name)
            if key not in stored:
                raise CheckpointMismatchError(
                    f"checkpoint {path} has no variable {name!r}; it holds {held}")
            stored.discard(key)
            if dtypes[key].name != var.dtype:
                raise CheckpointMismatchError(
                    f"checkpoint {path}: variable {name!r} is stored as {dtypes[key].name}, "
                    f"but the shared variable is {var.dtype}")
        if stored:
            raise CheckpointMismatchError(
                f"checkpoint {path} holds variables not asked for: "
                f"{sorted(_name_of(k) for k in stored)}")

    # --- the state file --------------------------------------------------------------

    def _state(self):
        """([(name, step, generation)] the state file lists, oldest first; None
        or what is wrong with it: 'is missing', 'is damaged: ...')."""
        path = os.path.join(self.directory, STATE_FILE)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return [], "is missing"
        if _TAG.encode() + b"crc32 " not in data and b"model_checkpoint_path" in data:
            return [], "has no CRC-32 (written by TensorFlow or an older tfgraph)"
        try:
            return _parse_state(data, self._pattern), None
        except ValueError as error:
            return [], f"is damaged: {error}"

    def _path(self, name):
        return os.path.join(self.directory, name)


def _parse_state(data, pattern):
    """The (name, step, generation) entries of a state file this module wrote,
    or ValueError saying what is wrong."""
    text, sep, tail = data.rpartition(_TAG.encode() + b"crc32 ")
    if not sep:
        raise ValueError("its CRC-32 line is gone")
    try:
        crc = int(tail.decode("ascii").strip(), 16)
    except ValueError:
        raise ValueError(f"its CRC line reads {tail!r}") from None
    if zlib.crc32(text) != crc or not tail.endswith(b"\n"):
        raise ValueError(f"its contents' CRC-32 is {zlib.crc32(text):08x}, not the "
                         f"{crc:08x} written")
    entries = []
    for line in text.decode().splitlines():
        if line.startswith(_TAG + "checkpoints "):
            for item in line[len(_TAG + "checkpoints "):].split():
                name, step, generation = item.rsplit(":", 2)
                if not pattern.fullmatch(name):
                    raise ValueError(f"it names {name!r}, not a checkpoint of this name")
                entries.append((name, int(step), int(generation)))
    if not entries:
        raise ValueError("it lists no checkpoint")
    return entries


def _check_shape(path, name, stored, var):
    current = tuple(var.get_value(borrow=True).shape)
    if tuple(stored) != current:
        raise CheckpointMismatchError(
            f"checkpoint {path}: variable {name!r} is stored with shape {tuple(stored)}, "
            f"but the shared variable has shape {current}")


def _generation_of(path):
    """The save number of checkpoint ``path`` (0 if it has none or cannot say)."""
    try:
        return int(tf.train.load_checkpoint(path).get_tensor(_GENERATION))
    except _UNREADABLE:
        return 0


def _damage(path, error):
    text = getattr(error, "message", None) or str(error)
    return (f"checkpoint {path} does not read back whole ({type(error).__name__}: "
            f"{text.strip().splitlines()[0] if text.strip() else text})")


def _fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path):
    """Make the renames and creations in directory ``path`` durable."""
    _fsync_file(path)


def _by_name(variables):
    items = list(variables.items()) if isinstance(variables, dict) else [
        (getattr(v, "name", None), v) for v in variables]
    named = {}
    for name, var in items:
        if not isinstance(var, SharedVariable):
            raise TypeError(f"checkpoints hold shared variables, got {var!r}")
        if not name:
            raise ValueError(f"checkpoint variables need names: {var} has none; name it "
                             f"(shared(..., name=...)) or pass a dict of names")
        if name in named:
            raise ValueError(f"two checkpoint variables are named {name!r}; pass a dict of "
                             f"distinct names")
        named[str(name)] = var
    return named


def _key(name):
    # tf.train.Checkpoint's escaping of object names in its keys.
    return "shared/" + name.replace(".", "..").replace("/", ".S") + _VALUE


def _name_of(key):
    return key[len("shared/"):-len(_VALUE)].replace(".S", "/").replace("..", ".")
