"""The errors a compiled function raises when its graph fails while running,
and their translation from TensorFlow's.

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
                                                        ``TypeError`` raised by ``function``)
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
import re

import numpy as np


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


def tf_node_name(message):
    """The graph node TensorFlow names in a graph execution error, if any."""
    match = re.search(r"\{\{node ([^}]+)\}\}", message) or re.search(
        r"Detected at node '?([^\s']+)'? defined at", message)
    return match.group(1) if match else None


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
    from tfgraph._tf import tf
    if isinstance(tf_error, tf.errors.ResourceExhaustedError):
        return ExecutionMemoryError
    if _NO_KERNEL.search(text):
        return ExecutionTypeError
    if text.startswith("LinAlgError: "):
        return ExecutionLinAlgError
    if isinstance(tf_error, (tf.errors.InvalidArgumentError, tf.errors.OutOfRangeError,
                             ValueError)):
        return ExecutionIndexError if _INDEX_WORDS.search(text) else ExecutionValueError
    return ExecutionRuntimeError


__all__ = ["ExecutionError", "InvalidValueError", "NanGuardError", "ExecutionIndexError",
           "ExecutionTypeError", "ExecutionLinAlgError",
           "ExecutionValueError", "ExecutionMemoryError", "ExecutionRuntimeError"]
