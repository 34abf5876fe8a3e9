"""The errors a compiled function raises when its graph fails while running,
and their translation from TensorFlow's (``translate``: the one place that
does it, for calls, loops and meshes alike).

A failed call raises one of these, never a ``tf.errors.OpError``; each is also
the built-in exception Theano users catch for that kind of failure:

==========================  ==========================  ============================================
error                       also a                      raised for
==========================  ==========================  ============================================
``InvalidValueError``       ``FloatingPointError``      a DebugMode check: NaN or Inf in an op's
                                                        output, or an output whose shape breaks its
                                                        type (a broadcastable dimension not of
                                                        length 1)
``NanGuardError``           ``InvalidValueError``,      a NanGuardMode check (Theano's NanGuardMode
                            ``AssertionError``          raises ``AssertionError``)
``ExecutionIndexError``     ``IndexError``              an index out of range
``ExecutionTypeError``      ``TypeError``               TensorFlow has no kernel for an op on these
                                                        dtypes (when tracing, this is a plain
                                                        ``TypeError`` raised by ``function``); a
                                                        run-time check whose message begins
                                                        "TypeError: ", where Theano's op raises
                                                        one (images2neibs' inconsistent shapes)
``ExecutionLinAlgError``    ``numpy.linalg.LinAlgError`` a linear algebra failure NumPy or SciPy report
                            (a ``ValueError``)          so: a singular matrix to ``matrix_inverse`` or
                                                        ``solve``, a matrix that is not positive
                                                        definite to ``cholesky``; in their words
``ExecutionValueError``     ``ValueError``              any other invalid value: shapes that do not
                                                        match (``Incompatible shapes``, ``reshape``,
                                                        ``dot``), integer division by zero, ...
``ExecutionMemoryError``    ``MemoryError``             TensorFlow ran out of memory
``ExecutionRuntimeError``   ``RuntimeError``            anything else TensorFlow reports
==========================  ==========================  ============================================

All derive from ``ExecutionError``, whose attributes say where it happened:
``function`` (the function's name), ``node`` (the failing ``Apply`` node, or
None when it cannot be told), ``tf_error`` (TensorFlow's original error, kept
for reference; its traceback is not chained, as it points into TensorFlow).
"""
import os
import re

import numpy as np

from tfgraph.compile.transaction import interrupted
from tfgraph.graph import ancestors
from tfgraph.printing import pp
from tfgraph._tf import tf


class ExecutionError(Exception):
    """A compiled function failed while running; nothing was updated."""

    function = None
    node = None
    tf_error = None
    step = None      # in a loop, the step that failed (0-based)


class InvalidValueError(ExecutionError, FloatingPointError):
    """An op produced a value its mode forbids (DebugMode: NaN or Inf, or a
    shape its type does not allow)."""


class NanGuardError(InvalidValueError, AssertionError):
    """NanGuardMode found NaN, Inf or a big value (an ``AssertionError``, as
    Theano's NanGuardMode raised)."""


class ExecutionIndexError(ExecutionError, IndexError):
    """An index was out of range while the graph ran."""


class ExecutionTypeError(ExecutionError, TypeError):
    """TensorFlow has no kernel for an op on these dtypes (eager runs; traced
    graphs report this when compiling)."""


class ExecutionValueError(ExecutionError, ValueError):
    """The graph met values it cannot compute with (shapes that do not match,
    integer division by zero, ...)."""


class ExecutionLinAlgError(ExecutionValueError, np.linalg.LinAlgError):
    """A linear algebra failure, as NumPy's and SciPy's ``LinAlgError``."""


class ExecutionMemoryError(ExecutionError, MemoryError):
    """TensorFlow ran out of memory."""


class ExecutionRuntimeError(ExecutionError, RuntimeError):
    """TensorFlow failed in a way none of the other errors describe."""


# --- reading TensorFlow's messages ---------------------------------------------

MARKER = "[tfgraph-check:{}]"
_MARKER = re.compile(r"\[tfgraph-check:(\d+)\]")
_FLAGS = re.compile(r"[\s'\]]*(True|False|\[1\]|\[0\])")
_NO_KERNEL = re.compile(r"not in the list of allowed values|No OpKernel was registered|"
                        r"Could not find (?:a )?(?:valid )?device for node")
_INDEX_WORDS = re.compile(r"out of bounds|out of range|is not in \[|outside of|"
                          r"boolean index did not match|"
                          r"index .* (?:is )?invalid", re.IGNORECASE)


def check_marker(message):
    """(check number, flags that follow the marker) if ``message`` comes from
    one of our checks, else None."""
    match = _MARKER.search(message)
    if match is None:
        return None
    flags, rest = [], message[match.end():]
    while True:
        flag = _FLAGS.match(rest)
        if flag is None:
            break
        flags.append(flag.group(1) in ("True", "[1]"))
        rest = rest[flag.end():]
    return int(match.group(1)), flags


# TensorFlow's linear algebra failures, in the words NumPy or SciPy use for them
# (numpy.linalg.inv, scipy.linalg.solve, numpy.linalg.cholesky, det); and the
# checks tfgraph.ops.nlinalg adds, marked "LinAlgError: ".
_LINALG = [
    (re.compile(r"Cholesky decomposition was not successful"), "Matrix is not positive definite"),
    (re.compile(r"Input matrix is not invertible"), "Matrix is singular"),
    (re.compile(r"Input is not invertible"), "Singular matrix"),
    (re.compile(r"Input matrix must be square|Input matrices must be squares"),
     "Last 2 dimensions of the array must be square"),
    (re.compile(r"LinAlgError: ([^\]\n'\"]*)"), None),
]


def linalg_text(text):
    """NumPy's / SciPy's words for a linear algebra failure in ``text``, or None."""
    for pattern, words in _LINALG:
        match = pattern.search(text)
        if match:
            return words or match.group(1).strip()
    return None


def essential(message):
    """TensorFlow's message without its graph-construction traceback, node
    annotations and device prefixes: what actually went wrong."""
    text = message
    if "defined at (most recent call last):" in text:
        # "Graph execution error:\n\nDetected at node N defined at (most recent
        # call last):\n  File ...\n\nMSG\n\t [[{{node N}}]]"
        lines = text.split("\n")
        kept, skipping = [], False
        for line in lines:
            if line.startswith("Detected at node") or line.startswith("Graph execution error"):
                skipping = line.startswith("Detected at node")
                continue
            if skipping and (line.startswith("  File ") or not line.strip()):
                continue
            skipping = False
            kept.append(line)
        text = "\n".join(kept)
    # The single-threaded executor (tfgraph.compile.one_thread) gives the
    # heading without the node's traceback: "Graph execution error:\n\nMSG".
    text = re.sub(r"^\s*Graph execution error:\s*", "", text)
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", text)
    text = re.sub(r"\s*\[\[\{\{node [^}]*\}\}\]\]", "", text)
    text = re.sub(r"\s*\[Op:[^\]]*\]( name: \S*)?", "", text)
    text = re.sub(r"\s*\[\[[^\]]*\]\]", "", text)
    text = re.sub(r"^\d+ root error\(s\) found\.\s*", "", text.strip())
    text = re.sub(r"^\(\d+\) [A-Z_]+:\s*", "", text)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return message.strip()
    text = lines[0]
    linalg = linalg_text(text)
    if linalg:
        return f"LinAlgError: {linalg}"
    # tf.debugging.Assert(cond, [text]) prints "assertion failed: [text]",
    # with the text's quotes escaped: the text is the message.
    asserted = re.fullmatch(r"assertion failed: \[(.*)\]", text)
    return asserted.group(1).replace("\\'", "'") if asserted else text


def error_class(tf_error, text):
    """The ExecutionError subclass for a TensorFlow error."""
    if isinstance(tf_error, tf.errors.ResourceExhaustedError):
        return ExecutionMemoryError
    if _NO_KERNEL.search(text) or text.startswith("TypeError: "):
        return ExecutionTypeError
    if text.startswith("LinAlgError: "):
        return ExecutionLinAlgError
    if isinstance(tf_error, (tf.errors.InvalidArgumentError, tf.errors.OutOfRangeError,
                             ValueError)):
        return ExecutionIndexError if _INDEX_WORDS.search(text) else ExecutionValueError
    return ExecutionRuntimeError


# --- translating a failed call ---------------------------------------------------

def raise_translated(error, program, arrays):
    """Raise, for ``error`` from running ``program`` on ``arrays`` (being
    handled by the caller), what the user sees: KeyboardInterrupt for an
    interrupt TensorFlow reported its own way, else the translated error,
    else ``error`` itself."""
    if interrupted(error):
        raise KeyboardInterrupt from None
    translated = translate(error, program, arrays)
    if translated is error:
        raise error
    raise translated from None


def translate(error, program, arrays):
    """The error to raise for ``error``, raised while ``program`` ran on
    ``arrays`` (its inputs' values): an ExecutionError naming the op (as
    ``pp`` prints it), the function and the inputs the op depends on; for a
    node TensorFlow refused (``LoweringFailed``), what ``refused`` gives;
    else ``error`` itself."""
    node = None
    if isinstance(error, LoweringFailed):
        node, error = error.node, error.error
        if not isinstance(error, (tf.errors.OpError, ValueError)) or _raised_in_python(error):
            return refused(node, error, program)
    if isinstance(error, tf.errors.OpError):
        message = error.message
    elif isinstance(error, ValueError) and node is not None:
        message = str(error)  # eager TensorFlow's own shape checks
    else:
        return error
    marked = check_marker(message)
    check = program.checks.entry(marked[0]) if marked is not None else None
    if check is not None and check.mode != "rule":
        cls, headline, node, subject = _check_failure(check, marked, message, program)
    else:
        text = essential(message)
        cls = error_class(error, text)
        if node is None:   # a traced call: run again op by op, the walk names the node
            replayed = program.replay(arrays)
            node = replayed.node if replayed is not None else None
        where = f"{describe(node.outputs[0])} in " if node is not None else ""
        headline = f"{where}function \"{program.name}\": {text.rstrip('.')}."
        subject = node.outputs[0] if node is not None else None
    headline = headline[:-1] + program.checks.failed_steps_text() + "."
    context = "" if headline.startswith("Bad input") else _inputs_text(program, subject, arrays)
    translated = cls(headline + context)
    translated.function, translated.node, translated.tf_error = program.name, node, error
    return translated


class LoweringFailed(Exception):
    """TensorFlow refused ``node`` while it was lowered (a kernel or shape
    check while tracing; any failure when running eagerly); ``error`` is what
    TensorFlow raised. Raised by the lowering walk, which names the node."""

    def __init__(self, node, error):
        super().__init__(str(error))
        self.node, self.error = node, error


def _raised_in_python(error):
    """Whether ``error`` (a ValueError or TypeError) was raised by tfgraph's own
    code (a lowering's clear error) rather than inside TensorFlow."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is None or f"{os.sep}tensorflow{os.sep}" not in tb.tb_frame.f_code.co_filename


def refused(node, error, program):
    """The error to raise for ``error``, raised while lowering ``node`` (when
    tracing, or an eager run's TypeError): TensorFlow refusing what the graph
    asks (no kernel for these dtypes, shapes it cannot combine) gets a
    clearer error of the same kind, naming the op and the function;
    tfgraph's own errors pass as they are."""
    kinds = [k for k in (TypeError, NotImplementedError, ValueError) if isinstance(error, k)]
    if not kinds or _raised_in_python(error):
        return error
    types = ", ".join(str(v.type) for v in node.inputs)
    text = str(error).strip().split("\n")[0]
    clearer = kinds[0](f"function \"{program.name}\": TensorFlow cannot compute "
                       f"{describe(node.outputs[0])} (op {node.op} on {types}): {text}")
    clearer.tf_error, clearer.node = error, node
    return clearer


def _check_failure(check, marked, message, program):
    """(error class, headline, node, subject) for a failed mode check."""
    var, name = check.subject, program.name
    node = var.owner
    found = [label for label, flag in zip(check.labels, marked[1]) if flag]
    if check.mode == "DebugMode":
        cls = InvalidValueError
        if check.what == "shape":
            shape = tuple(int(n) for n in re.findall(r"-?\d+", message.split(
                MARKER.format(marked[0]))[-1])[:var.ndim])
            dims = [d for d, b in enumerate(var.broadcastable) if b]
            return cls, (f"DebugMode: the output of {describe(var)} has shape {shape}, "
                         f"but its type {var.type} says dimensions {dims} have length 1, "
                         f"in function \"{name}\"."), node, var
        if not found:
            found = [w for w in ("NaN", "Inf") if w in message.split("Tensor had")[-1]] \
                or ["NaN or Inf"]
        return cls, (f"DebugMode: {' and '.join(found)} in the output of {describe(var)}, "
                     f"in function \"{name}\"."), node, var
    cls = NanGuardError
    what = " and ".join(found or check.labels) + " detected"
    if check.what == "input":
        input_name = program.input_names[check.position] or var
        return cls, (f"Bad input argument with name \"{input_name}\" to function \"{name}\" "
                     f"at index {check.position} (0-based): NanGuardMode: {what}."), None, var
    if check.what == "shared":
        return cls, (f"NanGuardMode: {what} in shared variable {var}, read by function "
                     f"\"{name}\"."), None, var
    return cls, (f"NanGuardMode: {what} in the output of {describe(var)}, in function "
                 f"\"{name}\"."), node, var


def _inputs_text(program, subject, arrays):
    """The inputs and shared variables ``subject`` depends on, with values."""
    needed = None if subject is None else {
        id(v) for v in ancestors([subject], blockers=program.inputs)}
    lines = []
    for position, (var, name, value) in enumerate(zip(program.inputs, program.input_names,
                                                      arrays)):
        if needed is None or id(var) in needed:
            value = var.type.from_graph(value)   # the caller's value (a SciPy matrix, ...)
            lines.append(f"{name or var} (index {position}): {summary(value)}")
    for var in program.shared_variables:
        if needed is not None and id(var) in needed:
            lines.append(f"shared {var}: {summary(var.get_value(borrow=True))}")
    if not lines:
        return ""
    return "\nInputs it depends on: " + "; ".join(lines)


def describe(var, limit=200):
    """``var`` as ``pp`` prints it, or, if that is long, its op applied to
    short forms of its inputs."""
    if var.owner is None or len(ancestors([var])) <= 60:
        text = pp(var)
        if len(text) <= limit:
            return text
    node = var.owner
    args = []
    for v in node.inputs:
        text = pp(v) if v.owner is None or len(ancestors([v])) <= 20 else ""
        args.append(text if text and len(text) <= 40 else (v.name or f"<{v.type}>"))
    text = node.op.pp(node, args)
    return text if len(text) <= 2 * limit else text[:2 * limit] + "..."


def summary(value):
    """A short account of an argument's value."""
    array = np.asarray(value)
    if array.size <= 10:
        text = (re.sub(r"\s*\n\s*", " ", np.array2string(array, separator=", "))
                if array.ndim else " ".join(repr(array.item()).split()))  # a SciPy matrix too
    else:
        text = f"{array.dtype} array of shape {array.shape}"
        if array.dtype.kind in "fc":
            nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
            text += "".join(f", {n} {w}" for n, w in ((nan, "NaN"), (inf, "Inf")) if n)
    return text


__all__ = ["ExecutionError", "InvalidValueError", "NanGuardError", "ExecutionIndexError",
           "ExecutionTypeError", "ExecutionLinAlgError",
           "ExecutionValueError", "ExecutionMemoryError", "ExecutionRuntimeError"]
