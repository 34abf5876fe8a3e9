"""Small helpers shared by the experiment runners."""
import contextlib
import glob
import os

from tfgraph.config import config


def format_float(value):
    """A float as Python 2's ``print`` showed it: 12 significant digits
    (0.8999999999999999 prints 0.9, 19.8075160064 stays whole)."""
    return f"{float(value):.12g}"


@contextlib.contextmanager
def configured(**options):
    """Set tfgraph config options (floatX=, device=, ...) for the body, then put back
    what was there. ``None`` leaves an option alone, so a runner called from an absl
    ``main`` with no explicit value keeps what the command-line flags say."""
    saved = {name: getattr(config, name) for name in options}
    try:
        for name, value in options.items():
            if value is not None:
                setattr(config, name, value)
        yield config
    finally:
        for name, old in saved.items():
            # Drop our assignment so flags and the environment show through again;
            # re-assign only if something else had assigned another value before us.
            delattr(config, name)
            if getattr(config, name) != old:
                setattr(config, name, old)


@contextlib.contextmanager
def restored_config():
    """Put back every config option on exit, whatever the body assigns (the tutorial
    sets ``theano.config.floatX`` at run time)."""
    from tfgraph.config import OPTIONS
    with configured(**{name: None for name in OPTIONS}):
        yield config


def fresh_logdir(logdir):
    """Make `logdir` and remove event files an earlier run left directly in it.

    TensorBoard reads every event file of a run directory in turn: a second run's steps
    would restart at 1 on top of the first's. Like the PNGs, a rerun replaces its logs.
    Only ``events.out.tfevents.*`` files directly in `logdir` are removed.
    """
    logdir = os.fspath(logdir)
    os.makedirs(logdir, exist_ok=True)
    for path in glob.glob(os.path.join(glob.escape(logdir), "events.out.tfevents.*")):
        os.remove(path)
    return logdir


def check_no_arguments(argv):
    """absl apps take flags only; reject stray positional arguments."""
    from absl import app
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])} (flags only; "
                             f"see --help)")
