"""Theano's pretty-printer machinery (``theano.printing.PPrinter`` and the
printers ops register with it), and its small printing helpers. ``pprint``
here prints ops nobody assigned a printer to with their own form (as
``printing.pp`` does)."""
import copy
import hashlib
import importlib.util

import numpy as np

from tfgraph.graph import Op, Variable
from tfgraph.persist import pickle_by_name

VALID_ASSOC = {"left", "right", "either"}
use_ascii = True
greek = {name: "\\" + name for name in ("alpha", "beta", "gamma", "delta", "epsilon")}
special = {"middle_dot": "\\dot", "big_sigma": "\\Sigma"}
# pydotprint's node colours by op name (Theano's defaults)
default_colorCodes = {"GpuFromHost": "red", "HostFromGpu": "red", "Scan": "yellow",
                      "Shape": "brown", "IfElse": "magenta", "Elemwise": "#FFAABB",
                      "Subtensor": "#FFAAFF", "Alloc": "#FFAA22", "Output": "blue"}
pydot_imported = any(importlib.util.find_spec(m) is not None for m in ("pydot_ng", "pydot"))
pydot_imported_msg = "" if pydot_imported else \
    "Install the python package pydot or pydot-ng. Install graphviz."


class PrinterState:
    """What printers pass down while printing a graph: the ``pprinter``, the
    strings already made (``memo``) and any other attributes given."""

    def __init__(self, props=None, **more_props):
        if isinstance(props, PrinterState):
            self.__dict__.update(props.__dict__)
        elif props:
            self.__dict__.update(props)
        self.__dict__.update(more_props)
        self.memo = {}


def _remember(method):
    """A ``process`` that returns the memoised string of an output seen before."""
    def process(self, output, pstate):
        if output not in pstate.memo:
            pstate.memo[output] = method(self, output, pstate)
        return pstate.memo[output]
    return process


def _with_precedence(pstate, precedence, var):
    old = getattr(pstate, "precedence", None)
    pstate.precedence = precedence
    try:
        return pstate.pprinter.process(var, pstate)
    finally:
        pstate.precedence = old


def _owner(output, what):
    if output.owner is None:
        raise TypeError(f"{what} cannot represent a variable that is not the result of an "
                        f"operation")
    return output.owner


class OperatorPrinter:
    """``(a op b op c)``, or ``op a`` for one input, always parenthesised."""

    def __init__(self, operator, precedence, assoc="left"):
        if assoc not in VALID_ASSOC:
            raise ValueError(f"assoc must be one of {sorted(VALID_ASSOC)}, got {assoc!r}")
        self.operator, self.precedence, self.assoc = operator, precedence, assoc

    @_remember
    def process(self, output, pstate):
        node = _owner(output, f"operator {self.operator}")
        last = len(node.inputs) - 1
        parts = []
        for i, var in enumerate(node.inputs):
            shifted = (self.assoc == "left" and i != 0) or (self.assoc == "right" and i != last)
            parts.append(_with_precedence(pstate, self.precedence + (1e-6 if shifted else 0),
                                          var))
        text = self.operator + parts[0] if len(parts) == 1 else \
            f" {self.operator} ".join(parts)
        return f"({text})"


class PatternPrinter:
    """One %-pattern per output, e.g. ``'%(0)s[%(1)s]'``, optionally given
    as (pattern, precedence of each input)."""

    def __init__(self, *patterns):
        self.patterns = [(p, ()) if isinstance(p, str) else (p[0], tuple(p[1:]))
                         for p in patterns]

    @_remember
    def process(self, output, pstate):
        node = _owner(output, f"patterns {self.patterns}")
        pattern, precedences = self.patterns[node.outputs.index(output)]
        precedences = precedences + (1000,) * len(node.inputs)
        return pattern % {str(i): _with_precedence(pstate, p, var)
                          for i, (var, p) in enumerate(zip(node.inputs, precedences))}


class FunctionPrinter:
    """``name(input, ...)``, one name per output."""

    def __init__(self, *names):
        self.names = names

    @_remember
    def process(self, output, pstate):
        node = _owner(output, f"function {self.names}")
        name = self.names[node.outputs.index(output)]
        return f"{name}({', '.join(_with_precedence(pstate, -1000, v) for v in node.inputs)})"


class IgnorePrinter:
    """Prints an op's first input as if the op were not there."""

    @_remember
    def process(self, output, pstate):
        return _with_precedence(pstate, getattr(pstate, "precedence", None),
                                _owner(output, "IgnorePrinter").inputs[0])


class LeafPrinter:
    """A variable by its name (greek names as TeX) or its ``str``."""

    @_remember
    def process(self, output, pstate):
        return greek.get(output.name, str(output))


leaf_printer = LeafPrinter()


class DefaultPrinter:
    """Leaves by ``leaf_printer``; an op's output by the op's own form."""

    @_remember
    def process(self, output, pstate):
        node = output.owner
        if node is None:
            return leaf_printer.process(output, pstate)
        args = [_with_precedence(pstate, -1000, v) for v in node.inputs]
        text = node.op.pp(node, args)
        return text + (f"[{output.index}]" if len(node.outputs) > 1 else "")


default_printer = DefaultPrinter()


class PPrinter:
    """Printers chosen by op (instance or class, ``assign(op, printer)``) or
    by a condition ``(pstate, var) -> bool``, the latest assigned first."""

    def __init__(self):
        self.printers = []
        self.printers_dict = {}

    def assign(self, condition, printer):
        if isinstance(condition, (type, Op)):
            self.printers_dict[condition] = printer
        else:
            self.printers.insert(0, (condition, printer))

    def process(self, r, pstate=None):
        if pstate is None:
            pstate = PrinterState(pprinter=self)
        elif isinstance(pstate, dict):
            pstate = PrinterState(pprinter=self, **pstate)
        node = getattr(r, "owner", None)
        if node is not None:
            for key in (node.op, type(node.op)):
                try:
                    printer = self.printers_dict.get(key)
                except TypeError:          # an unhashable op
                    printer = None
                if printer is not None:
                    return printer.process(r, pstate)
        for condition, printer in self.printers:
            if condition(pstate, r):
                return printer.process(r, pstate)
        return default_printer.process(r, pstate)

    def clone(self):
        twin = copy.copy(self)
        twin.printers, twin.printers_dict = list(self.printers), dict(self.printers_dict)
        return twin

    def clone_assign(self, condition, printer):
        twin = self.clone()
        twin.assign(condition, printer)
        return twin

    def __call__(self, *args):
        if len(args) == 1 or (len(args) == 2 and isinstance(args[1], (PrinterState, dict))):
            return self.process(*args)
        raise TypeError("PPrinter takes a variable (and optionally a PrinterState)")


pprint = pickle_by_name(PPrinter(), __name__, "pprint")  # the one instance, when pickled


def position_independent_str(obj):
    """A description of a variable without memory addresses."""
    if not isinstance(obj, Variable):
        raise NotImplementedError(f"position_independent_str of {type(obj).__name__}")
    return f"theano_var{{type={obj.type}}}"


def hex_digest(x):
    """The SHA-256 of an ndarray's bytes, with its strides and shape."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"hex_digest takes a numpy.ndarray, got {type(x).__name__}")
    return (hashlib.sha256(x.tobytes()).hexdigest() +
            f"|strides=[{','.join(str(s) for s in x.strides)}]"
            f"|shape=[{','.join(str(s) for s in x.shape)}]")


def var_descriptor(obj, _prev_obs=None, _tag_generator=None):
    """One line describing how ``obj`` is computed, without memory
    addresses: repeated sub-graphs by tag (``A=...``, then ``<A>``)."""
    seen = {} if _prev_obs is None else _prev_obs
    tags = _tag_generator if _tag_generator is not None else _Tags()
    if id(obj) in seen:
        return f"<{seen[id(obj)]}>"
    tag = seen[id(obj)] = tags.next()
    if hasattr(obj, "__array__") and not hasattr(obj, "owner"):
        array = np.asarray(obj)
        name = (f"<ndarray:strides=[{','.join(str(s) for s in array.strides)}],"
                f"digest={hashlib.sha256(array.tobytes()).hexdigest()}>")
    elif getattr(obj, "owner", None) is not None:
        inner = ",".join(var_descriptor(v, seen, tags) for v in obj.owner.inputs)
        name = f"{obj.owner.op}({inner})"
    elif getattr(obj, "name", None) is not None:
        name = obj.name
    else:
        name = str(obj)
        if " at 0x" in name:
            name = position_independent_str(obj)
    return f"{tag}={name}"


def min_informative_str(obj, indent_level=0, _prev_obs=None, _tag_generator=None):
    """``obj``'s graph as indented lines, each node tagged A., B., ...,
    expanded only down to constants and named variables; a node met again
    prints as its tag, <A>. Theano's short form for error messages."""
    _prev_obs = {} if _prev_obs is None else _prev_obs
    _tag_generator = _tag_generator or _Tags()
    indent = " " * indent_level
    if id(obj) in _prev_obs:
        return f"{indent}<{_prev_obs[id(obj)]}>"
    tag = _prev_obs[id(obj)] = _tag_generator.next()
    if hasattr(obj, "__array__") and not hasattr(obj, "owner"):
        name = "<ndarray>"
    elif getattr(obj, "name", None) is not None:
        name = obj.name
    elif getattr(obj, "owner", None) is not None:
        name = str(obj.owner.op) + "".join(
            "\n" + min_informative_str(i, indent_level + 1, _prev_obs, _tag_generator)
            for i in obj.owner.inputs)
    else:
        name = str(obj)
    return f"{indent}{tag}. {name}"


class _Tags:
    """A, B, ..., Z, AA, AB, ...: short tags for ``var_descriptor``."""

    def __init__(self):
        self.count = 0

    def next(self):
        n, tag = self.count, ""
        self.count += 1
        while True:
            tag = chr(ord("A") + n % 26) + tag
            n = n // 26 - 1
            if n < 0:
                return tag
