"""Run-time configuration: ``config.floatX``, ``config.device``, ``config.mode``.

Values come, highest priority first, from assignments at run time
(``config.floatX = 'float32'``), absl flags (see ``tfgraph.flags``), the
``TFGRAPH_FLAGS`` environment variable, the legacy ``THEANO_FLAGS`` variable,
and the defaults below (Theano's: float64 on the CPU, FAST_RUN).
"""
import os
import re
import warnings

from tfgraph import theano_options

FLOAT_DTYPES = ("float16", "float32", "float64")
MODES = ("FAST_RUN", "FAST_COMPILE", "DebugMode", "NanGuardMode")
_DEVICE_PATTERN = re.compile(r"^(cpu|gpu|cuda)(\d*)$")


def _check_floatX(value):
    if value not in FLOAT_DTYPES:
        raise ValueError(f"floatX must be one of {FLOAT_DTYPES}, got {value!r}")
    return value


def _check_device(value):
    if not isinstance(value, str) or not _DEVICE_PATTERN.match(value):
        raise ValueError(
            f"device must be 'cpu', 'gpu', 'cuda', or one of those with an index "
            f"such as 'gpu0' or 'cuda1', got {value!r}")
    return value


def _check_xla(value):
    """True, False, or None for "auto" (see tfgraph.compile.xla)."""
    if value is None or (isinstance(value, str) and value.lower() == "auto"):
        return None
    return _check_bool(value)


def _check_mode(value):
    if not isinstance(value, str) or value not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {value!r}")
    return value


def _check_bool(value):
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected a boolean, got {value!r}")
    return bool(value)


# name -> (default, validator, help)
OPTIONS = {
    "floatX": ("float64", _check_floatX,
               "dtype of float tensors made without an explicit dtype"),
    "device": ("cpu", _check_device,
               "device for shared variables and compiled graphs: cpu, gpu, cuda, gpu0, cuda1, ..."),
    "mode": ("FAST_RUN", _check_mode, "default compilation mode for function()"),
    "xla": (None, _check_xla, "compile graphs with XLA (jit_compile=True): true, false, or "
                              "auto (the default: functions with a scan use XLA for the input "
                              "shapes where it is measured to be faster)"),
}


def parse_flags_string(text, source):
    """Parse 'device=cpu,floatX=float32' into a dict, validating each value."""
    values = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        if "=" not in item:
            raise ValueError(f"{source}: expected name=value, got {item!r}")
        name, value = (s.strip() for s in item.split("=", 1))
        if name in theano_options.OPTIONS:
            try:
                values[name] = theano_options.check(name, value)
            except ValueError as error:
                raise ValueError(f"{source}: {error}") from None
            continue
        if name not in OPTIONS:
            # Options Theano never had: say so instead of failing.
            warnings.warn(f"{source}: ignoring unknown option {name!r}; "
                          f"known options are {sorted(OPTIONS)}")
            continue
        try:
            values[name] = OPTIONS[name][1](value)
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
    return values


class Config:
    """Attribute access to the options; assignment validates the value."""

    def __init__(self, environ=os.environ):
        object.__setattr__(self, "_assigned", {})
        object.__setattr__(self, "_sources", [])
        env = {}
        for variable in ("THEANO_FLAGS", "TFGRAPH_FLAGS"):  # later wins
            env.update(parse_flags_string(environ.get(variable, ""), variable))
        object.__setattr__(self, "_environment", env)

    def add_source(self, lookup):
        """Register ``lookup(name) -> value or None``, consulted before the
        environment (used by tfgraph.flags for absl command-line flags)."""
        self._sources.append(lookup)

    def __getattr__(self, name):
        if name in theano_options.OPTIONS:
            return self._assigned.get(name, self._environment.get(
                name, theano_options.OPTIONS[name][0]))
        if name in theano_options.SECTIONS:
            return _Section(self, name)
        if name not in OPTIONS:
            raise AttributeError(f"config has no option {name!r}; options are {sorted(OPTIONS)}")
        if name in self._assigned:
            return self._assigned[name]
        for lookup in self._sources:
            value = lookup(name)
            if value is not None:
                return OPTIONS[name][1](value)
        return self._environment.get(name, OPTIONS[name][0])

    def __setattr__(self, name, value):
        if name in theano_options.OPTIONS:
            self._assigned[name] = theano_options.check(name, value)
            return
        if name not in OPTIONS:
            raise AttributeError(f"config has no option {name!r}; options are {sorted(OPTIONS)}")
        self._assigned[name] = OPTIONS[name][1](value)

    def __delattr__(self, name):
        self._assigned.pop(name, None)

    def __repr__(self):
        return "Config(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in OPTIONS) + ")"


class _Section:
    """``config.warn``, ``config.dnn.conv``, ...: the options under a dotted
    prefix, read and set as attributes (Theano's sections)."""

    def __init__(self, root, prefix):
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name):
        return getattr(self._root, f"{self._prefix}.{name}")

    def __setattr__(self, name, value):
        setattr(self._root, f"{self._prefix}.{name}", value)


config = Config()


class change_flags:
    """Set config options for a block or a function, then put back what was
    there (Theano's ``theano.change_flags``)::

        with theano.change_flags(floatX="float32"):
            ...

        @theano.change_flags(compute_test_value="off")
        def build(): ...
    """

    def __init__(self, *args, **options):
        for mapping in args:
            options.update(mapping)
        self.options = options
        self._saved = []

    def __enter__(self):
        self._saved.append(dict(config._assigned))
        try:
            for name, value in self.options.items():
                setattr(config, name, value)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return config

    def __exit__(self, *exc_info):
        saved = self._saved.pop()
        config._assigned.clear()
        config._assigned.update(saved)

    def __call__(self, function):
        import functools

        @functools.wraps(function)
        def with_flags(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        return with_flags
