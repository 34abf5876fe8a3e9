"""Checkpoints of shared variables, so that training resumes after a crash.

    checkpoints = tfgraph.checkpoint.Checkpoints([W, b], "runs/ckpt", max_to_keep=3)
    start = checkpoints.restore() or 0        # the step saved last, or None
    for step in range(start + 1, n_steps + 1):
        train(X, y)
        checkpoints.save(step)

Saving goes through ``tf.train.Checkpoint`` and ``tf.train.CheckpointManager``,
which keeps the last ``max_to_keep``. A save is atomic: TensorFlow writes the
data under temporary names and renames them, and only then points the
directory's ``checkpoint`` file at the new checkpoint; a process killed while
saving leaves the previous checkpoint as the latest, whole.

Restoring first checks that the checkpoint holds exactly these variables, by
name, with their dtypes and shapes; any difference raises
``CheckpointMismatchError`` naming the variable, and changes nothing.
"""
import contextlib
import logging

from tfgraph.shared import SharedVariable
from tfgraph._tf import tf

_VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"


class CheckpointMismatchError(ValueError):
    """A checkpoint whose variables differ from those asked to be restored."""


class Checkpoints:
    """Save and restore ``variables`` (a list of shared variables with distinct
    names, or a dict from names to shared variables) in ``directory``.

    ``max_to_keep`` checkpoints are kept (None: all); ``save(step)`` writes one
    numbered ``step``; ``restore()`` reads the latest (or ``path``) back.
    """

    def __init__(self, variables, directory, max_to_keep=5, checkpoint_name="ckpt"):
        self.variables = _by_name(variables)
        self.directory = str(directory)
        self._step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self._checkpoint = tf.train.Checkpoint(
            step=self._step, shared={name: v.variable for name, v in self.variables.items()})
        self.manager = tf.train.CheckpointManager(self._checkpoint, self.directory,
                                                  max_to_keep=max_to_keep,
                                                  checkpoint_name=checkpoint_name)

    @property
    def latest(self):
        """The path of the latest checkpoint, or None."""
        return self.manager.latest_checkpoint

    def save(self, step):
        """Write the variables' values as checkpoint ``step``; returns its path."""
        self._step.assign(int(step))
        with _quiet():
            return self.manager.save(checkpoint_number=int(step))

    def restore(self, path=None):
        """Set the variables to the values of checkpoint ``path`` (default: the
        latest in the directory); returns its step, or None when there is no
        checkpoint yet. Raises ``CheckpointMismatchError`` (changing nothing)
        when the checkpoint's variables differ from these."""
        path = path or self.latest
        if path is None:
            return None
        self.check(path)
        before = {name: v.get_value() for name, v in self.variables.items()}
        try:
            status = self._checkpoint.read(path)
            status.assert_existing_objects_matched().expect_partial()
        except Exception:
            for name, value in before.items():  # a failed read leaves no half-restored set
                self.variables[name].variable.assign(value)
            raise
        return int(self._step.numpy())

    def check(self, path):
        """Raise ``CheckpointMismatchError`` unless checkpoint ``path`` holds
        exactly these variables, with their dtypes and shapes."""
        reader = tf.train.load_checkpoint(path)
        shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
        stored = {key: key for key in shapes if key.startswith("shared/") and
                  key.endswith(_VALUE)}
        held = sorted(_name_of(k) for k in stored)
        for name, var in self.variables.items():
            key = _key(name)
            if key not in stored:
                raise CheckpointMismatchError(
                    f"checkpoint {path} has no variable {name!r}; it holds {held}")
            del stored[key]
            dtype, shape = dtypes[key].name, tuple(shapes[key])
            if dtype != var.dtype:
                raise CheckpointMismatchError(
                    f"checkpoint {path}: variable {name!r} is stored as {dtype}, but the "
                    f"shared variable is {var.dtype}")
            current = tuple(var.get_value(borrow=True).shape)
            if shape != current:
                raise CheckpointMismatchError(
                    f"checkpoint {path}: variable {name!r} is stored with shape {shape}, "
                    f"but the shared variable has shape {current}")
        if stored:
            raise CheckpointMismatchError(
                f"checkpoint {path} holds variables not asked for: "
                f"{sorted(_name_of(k) for k in stored)}")


@contextlib.contextmanager
def _quiet():
    """TensorFlow logs every save at INFO level: keep training loops quiet."""
    loggers = [logging.getLogger(name) for name in ("absl", "tensorflow")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.level, logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


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
