"""Theano's configuration machinery (``theano.configparser``).

An option is declared once, by ``AddConfigVar(name, doc, param)``, where the
``*Param`` holds its default and what it accepts; ``config`` reads and sets
it as an attribute (``config.floatX``, ``config.dnn.conv.algo_fwd``).
tfgraph/configdefaults.py declares every option of Theano 1.0.5 and
tfgraph's own; user code may declare more, as with Theano.

A value comes, highest priority first, from an assignment at run time
(``config.floatX = 'float32'``, ``change_flags``), a registered source
(absl flags: tfgraph/flags.py), ``TFGRAPH_FLAGS``, ``THEANO_FLAGS``, and the
option's default. Every value passes the option's check, defaults included,
as in Theano: a bad one raises ``ValueError`` naming the option (and the
variable it came from); an option declared with ``allow_override=False``
refuses a change once read, as Theano's do.
"""
import functools
import hashlib
import os
import shlex
import warnings


class TheanoConfigWarning(Warning):
    """A flag that names no option, or has no value."""


class Computed:
    """A default Theano computes when it starts (a path, the compiler found);
    tfgraph/configdefaults.py gives tfgraph's value for each."""

    def __init__(self, source):
        self.source = source

    def __eq__(self, other):
        return isinstance(other, Computed) and other.source == self.source

    def __hash__(self):
        return hash(self.source)

    def __repr__(self):
        return f"Computed({self.source!r})"


class ConfigParam:
    """An option's default (a value or a function giving it), its check
    (``filter``: the value, converted, or an exception), and whether it may
    change once read (``allow_override``)."""

    def __init__(self, default, filter=None, allow_override=True):
        self.default, self.filter, self.allow_override = default, filter, allow_override
        self.fullname, self.doc, self.in_c_key = None, "", True

    def convert(self, value):
        """``value`` as the option holds it; ValueError naming the option."""
        if self.filter is None:
            return value
        try:
            return self.filter(value)
        except (ValueError, TypeError) as error:
            raise ValueError(f"Invalid value ({value!r}) for configuration variable "
                             f"{self.fullname!r}: {error}") from None

    def default_value(self):
        return self.convert(self.default() if callable(self.default) else self.default)

    def __str__(self):
        return f"{self.fullname} ({type(self).__name__})"


class EnumStr(ConfigParam):
    """One of the given strings; the first is the default."""

    def __init__(self, default, *options, convert=None, allow_override=True):
        self.all = (default,) + options
        if not all(isinstance(value, str) for value in self.all):
            raise ValueError(f"Valid values for an EnumStr parameter should be strings: "
                             f"{self.all}")

        def check(value):
            value = convert(value) if convert else value
            if value not in self.all:
                raise ValueError(f"valid options are {self.all}")
            return value
        super().__init__(default, check, allow_override)

    def __str__(self):
        return f"{self.fullname} {self.all}"


class TypedParam(ConfigParam):
    """A value of ``mytype`` (converted from a string), for which ``is_valid``
    (if given) holds."""

    def __init__(self, default, mytype, is_valid=None, allow_override=True):
        self.mytype = mytype

        def check(value):
            converted = mytype(value)
            if is_valid is not None and not is_valid(converted):
                raise ValueError(f"{converted!r} is not allowed")
            return converted
        super().__init__(default, check, allow_override)


def StrParam(default, is_valid=None, allow_override=True):
    return TypedParam(default, str, is_valid, allow_override)


def IntParam(default, is_valid=None, allow_override=True):
    return TypedParam(default, int, is_valid, allow_override)


def FloatParam(default, is_valid=None, allow_override=True):
    return TypedParam(default, float, is_valid, allow_override)


_TRUE, _FALSE = ("True", "true", "1", True, 1), ("False", "false", "0", False, 0)


def _bool(value):
    """Theano's booleans: True, False and their strings ('true', '0', ...)."""
    if isinstance(value, str) and value.lower() in ("yes", "on", "no", "off"):
        value = value.lower() in ("yes", "on")  # tfgraph's flags accepted these too
    if value in _TRUE and not isinstance(value, float):
        return True
    if value in _FALSE and not isinstance(value, float):
        return False
    raise ValueError("expected True, False, 'true', 'false', '1' or '0'")


def BoolParam(default, is_valid=None, allow_override=True):
    return TypedParam(default, _bool, is_valid, allow_override)


def parse_config_string(config_string, issue_warnings=True):
    """``'floatX=float32,dnn.conv.algo_fwd=small'`` as a dict of strings (a
    later setting of a name wins; a part without ``=`` is warned about)."""
    splitter = shlex.shlex(config_string, posix=True)
    splitter.whitespace, splitter.whitespace_split = ",", True
    values = {}
    for part in splitter:
        name, equals, value = part.strip().partition("=")
        if not equals:
            if name and issue_warnings:
                warnings.warn(f"Config key {name!r} has no value, ignoring it",
                              TheanoConfigWarning, stacklevel=2)
            continue
        values[name.strip()] = value.strip()
    return values


# Every declared option, by full name, in the order declared.
REGISTRY = {}
FLAG_VARIABLES = ("THEANO_FLAGS", "TFGRAPH_FLAGS")  # the later wins
THEANO_FLAGS = os.environ.get("THEANO_FLAGS", "")
THEANO_FLAGS_DICT = parse_config_string(THEANO_FLAGS, issue_warnings=False)


class TheanoConfigParser:
    """``theano.config``: the options of REGISTRY as attributes, with
    sections (``config.warn``, ``config.dnn.conv``) as objects of their own.
    ``environ`` supplies THEANO_FLAGS and TFGRAPH_FLAGS."""

    def __init__(self, environ=os.environ):
        flags = {}
        for variable in FLAG_VARIABLES:
            for name, value in parse_config_string(environ.get(variable, "")).items():
                flags[name] = (value, variable)
        for name, state in (("_assigned", {}), ("_sources", []), ("_flags", flags),
                            ("_read", {})):
            object.__setattr__(self, name, state)
        for name in flags:
            if name in REGISTRY:
                self._from_flags(REGISTRY[name])

    def _from_flags(self, param):
        value, variable = self._flags[param.fullname]
        try:
            return param.convert(value)
        except ValueError as error:
            raise ValueError(f"{variable}: {error}") from None

    def unknown_flags(self):
        """Names in THEANO_FLAGS / TFGRAPH_FLAGS that no option has."""
        return sorted(name for name in self._flags if name not in REGISTRY)

    def add_source(self, lookup):
        """Register ``lookup(name) -> value or None``, consulted before the
        environment (tfgraph.flags: absl command-line flags)."""
        self._sources.append(lookup)

    def _value(self, param):
        name = param.fullname
        if name in self._assigned:
            return self._assigned[name]
        for lookup in self._sources:
            value = lookup(name)
            if value is not None:
                return param.convert(value)
        if name not in self._read:
            self._read[name] = (self._from_flags(param) if name in self._flags
                                else param.default_value())
        return self._read[name]

    def __getattr__(self, name):
        if name in REGISTRY:
            return self._value(REGISTRY[name])
        if any(option.startswith(name + ".") for option in REGISTRY):
            return _Section(self, name)
        raise AttributeError(f"config has no option {name!r}")

    def __setattr__(self, name, value):
        if name not in REGISTRY:
            raise AttributeError(f"config has no option {name!r}")
        param = REGISTRY[name]
        value = param.convert(value)
        if not param.allow_override and value != self._value(param):
            raise Exception(f"Can't change the value of the configuration variable {name!r} "
                            f"after initialization!")
        self._assigned[name] = value

    def __delattr__(self, name):
        """Drop a run-time assignment: flags and the default show through again."""
        self._assigned.pop(name, None)

    def __dir__(self):
        return sorted({name.split(".")[0] for name in REGISTRY})

    def __str__(self):
        return "\n".join(f"{name}\n    Doc:  {param.doc}\n    Value:  {getattr(self, name)!r}\n"
                         for name, param in REGISTRY.items())

    def __repr__(self):
        return f"<theano.config: {len(REGISTRY)} options>"


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

    def __dir__(self):
        start = self._prefix + "."
        return sorted({n[len(start):].split(".")[0] for n in REGISTRY if n.startswith(start)})


config = TheanoConfigParser()


def AddConfigVar(name, doc, configparam, root=config, in_c_key=True):
    """Declare option ``name`` (``'section.option'`` for a section): its value
    from the flags is checked now, as Theano checks it at import."""
    if name in REGISTRY:
        raise AttributeError("This name is already taken", name)
    if any(option.startswith(name + ".") for option in REGISTRY) or any(
            name.startswith(option + ".") for option in REGISTRY):
        raise TypeError(f"{name!r} would be both an option and a section")
    configparam.fullname, configparam.doc, configparam.in_c_key = name, doc, in_c_key
    REGISTRY[name] = configparam
    if name in root._flags:
        root._from_flags(configparam)


def fetch_val_for_key(key, delete_key=False):
    """The value THEANO_FLAGS gives option ``key`` (a string); KeyError if
    none. (tfgraph reads no .theanorc file.)"""
    return THEANO_FLAGS_DICT.pop(key) if delete_key else THEANO_FLAGS_DICT[key]


def get_config_hash():
    """A hex digest of the options declared ``in_c_key`` and their values:
    equal for equal configurations."""
    text = "\n".join(f"{name} = {getattr(config, name)}"
                     for name, param in sorted(REGISTRY.items()) if param.in_c_key)
    return hashlib.sha256(text.encode()).hexdigest()


class change_flags:
    """Set options for a block or a function, then put back what was there
    (``theano.change_flags``, also ``config.change_flags``)::

        with theano.change_flags(floatX="float32"): ...

        @theano.change_flags(compute_test_value="off")
        def build(): ...
    """

    def __init__(self, args=(), **options):
        self.options = dict(args, **options)
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
        @functools.wraps(function)
        def with_flags(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        return with_flags
