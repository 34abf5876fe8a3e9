"""Run-time configuration: ``config.floatX``, ``config.device``, ``config.mode``,
``config.xla`` and every option of Theano 1.0.5.

The machinery is tfgraph/configparser.py (Theano's ``theano.configparser``);
the options are declared once, in tfgraph/configdefaults.py. Values come,
highest priority first, from assignments at run time (``config.floatX =
'float32'``, ``change_flags``), absl flags (see ``tfgraph.flags``), the
``TFGRAPH_FLAGS`` environment variable, the legacy ``THEANO_FLAGS`` variable,
and the defaults (Theano's: float64 on the CPU, mode ``Mode``, which is
FAST_RUN).
"""
import warnings

from tfgraph import configdefaults  # noqa: F401  (declares the options)
from tfgraph.configparser import (REGISTRY, TheanoConfigParser, change_flags,  # noqa: F401
                                  config, parse_config_string)
from tfgraph.configdefaults import FLOAT_DTYPES, MODES  # noqa: F401

Config = TheanoConfigParser
# tfgraph's own options (tfgraph.flags gives each a command-line flag).
OPTIONS = ("floatX", "device", "mode", "xla")
TheanoConfigParser.change_flags = change_flags  # config.change_flags(...), as theano.change_flags


def parse_flags_string(text, source):
    """'device=cpu,floatX=float32' as a dict of checked values (a malformed
    part or a bad value raises, naming ``source``; an unknown name is warned
    about and dropped)."""
    values = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ValueError(f"{source}: expected name=value, got {part!r}")
    for name, value in parse_config_string(text).items():
        if name not in REGISTRY:
            warnings.warn(f"{source}: ignoring unknown option {name!r}")
            continue
        try:
            values[name] = REGISTRY[name].convert(value)
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
    return values


# As Theano does once its options are declared: flags no option has.
for _name in config.unknown_flags():
    warnings.warn(f"Theano does not recognise this flag: {_name} "
                  f"(in THEANO_FLAGS or TFGRAPH_FLAGS); it is ignored")
