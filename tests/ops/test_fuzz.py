"""Differential testing against NumPy: random expression graphs over the tensor
namespace (see ``fuzz_strategies``), compiled and compared with a NumPy
evaluation of the same graph, value and dtype.

Each graph is compiled once with all its op nodes as outputs (FAST_COMPILE:
eager, so a graph costs milliseconds, not a trace) and checked node by node:
each node's value must equal NumPy's op applied to the values tfgraph computed
for the node's parents (so float rounding does not pile up along the graph and
tolerances can stay at a few ulps), with the dtype Theano's rules give, the
shape NumPy gives, and length 1 in every broadcastable dimension. Nodes whose
whole graph is integer or boolean are also compared with the NumPy evaluation
of the whole graph, exactly. Some graphs are also compiled FAST_RUN (traced)
and DebugMode, which must agree with FAST_COMPILE (DebugMode must raise exactly
when some float node holds NaN or Inf).

CI runs ``TFGRAPH_FUZZ_EXAMPLES`` graphs (default 300: about 15 s).
A long run::

    TFGRAPH_FUZZ_EXAMPLES=5000 TFGRAPH_FUZZ_LOG=/tmp/fuzz.jsonl \\
        python -m pytest tests/ops/test_fuzz.py -k random_graphs -p no:cacheprovider

``TFGRAPH_FUZZ_LOG`` makes the run record every mismatch (with a script that
reproduces it) and go on, instead of stopping at the first; the test fails at
the end if any was found, and prints a summary either way.
"""
import collections
import json
import os
import re
import time
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import tfgraph as theano
from tfgraph.compile import ExecutionError, InvalidValueError
from tfgraph.compile.debugmode import DebugMode
from tfgraph.ops import elemwise
from tfgraph.ops.elemwise import TABLE

import fuzz_strategies as fs

EXAMPLES = int(os.environ.get("TFGRAPH_FUZZ_EXAMPLES", "300"))
LOG = os.environ.get("TFGRAPH_FUZZ_LOG")
CROSS_EVERY = int(os.environ.get("TFGRAPH_FUZZ_CROSS_EVERY", "15"))


class Mismatch(AssertionError):
    pass


class Stats:
    def __init__(self):
        self.graphs = self.nodes = self.fast_run = self.debug = 0
        self.ops = collections.Counter()
        self.mismatches = []
        self.signatures = collections.Counter()
        self.started = time.time()


STATS = Stats()


# --- comparing one node -------------------------------------------------------------------

def _subnormal(value):
    value = np.asarray(value)
    if value.dtype.kind != "f" or not value.size:
        return False
    tiny = np.finfo(value.dtype).tiny
    return bool(np.any((value != 0) & (np.abs(value) < tiny)))


def _flush(value):
    value = np.asarray(value)
    if value.dtype.kind != "f":
        return value
    subnormal = (value != 0) & (np.abs(value) < np.finfo(value.dtype).tiny)
    return np.where(subnormal, np.copysign(np.zeros_like(value), value), value)


def _value_problem(node, actual, expected, parent_values):
    """Why ``actual`` differs from ``expected`` in value, or None."""
    if actual.shape != expected.shape:
        return None  # reported as a shape problem
    if expected.dtype.kind != "f":
        return None if np.array_equal(actual, expected) else "values differ"
    a, e = actual.astype("float64"), expected.astype("float64")
    if not np.array_equal(np.isnan(a), np.isnan(e)):
        return "NaN in different places"
    a, e = np.where(np.isnan(a), 0, a), np.where(np.isnan(e), 0, e)
    inf_a, inf_e = np.isinf(a), np.isinf(e)
    big = np.finfo(expected.dtype).max / 2
    # At the overflow boundary one side may round to Inf, the other not.
    boundary = (inf_a ^ inf_e) & (np.abs(np.where(inf_a, e, a)) >= big) & (np.sign(a) == np.sign(e))
    if np.any((inf_a | inf_e) & ~boundary & (a != e)):
        return "Inf in different places"
    finite = ~(inf_a | inf_e)
    rtol, atol = (0.0, 0.0)
    if node.tolerance is not None:
        rtol, atol = node.tolerance(expected.dtype.name, parent_values)
    atol = max(atol, float(np.finfo(expected.dtype).tiny))  # subnormals flushed
    with np.errstate(all="ignore"):
        error = np.abs(a - e)[finite]
        bound = (atol + rtol * np.abs(e))[finite]
    if np.all(error <= bound):
        return None
    worst = int(np.argmax(error - bound))
    return (f"values differ beyond rtol={rtol:.2g}, atol={atol:.2g}: e.g. "
            f"{a[finite][worst]!r} vs {e[finite][worst]!r}")


def node_problems(node, actual, parent_values):
    """What is wrong with ``actual``, the value tfgraph computed for ``node``."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = np.asarray(node.ref(*parent_values))
        except fs.Excluded:
            return [], None
        except Exception as error:  # noqa: BLE001
            return [f"NumPy cannot evaluate the node on these values ({error})"], None
    problems = []
    var = node.var
    if var.dtype != expected.dtype.name:
        problems.append(f"static dtype {var.dtype}, expected {expected.dtype.name}")
    if actual.dtype != np.dtype(var.dtype):
        problems.append(f"result dtype {actual.dtype}, but the variable's type says {var.dtype}")
    if actual.dtype != expected.dtype and var.dtype == expected.dtype.name:
        pass  # already reported
    if actual.shape != expected.shape:
        problems.append(f"shape {actual.shape}, expected {expected.shape}")
    if actual.ndim != var.ndim:
        problems.append(f"result has {actual.ndim} dimensions, its type {var.ndim}")
    else:
        for axis, (b, size) in enumerate(zip(var.broadcastable, actual.shape)):
            if b and size != 1:
                problems.append(f"type {var.type} says dimension {axis} broadcasts, but the "
                                f"result has shape {actual.shape}")
    if not problems:
        value = _value_problem(node, actual, expected.astype(actual.dtype), parent_values)
        if value is not None and any(_subnormal(v) for v in parent_values):
            # TensorFlow flushes subnormal inputs to zero: accept that result too.
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    flushed = np.asarray(node.ref(*[_flush(v) for v in parent_values]))
                    if _value_problem(node, actual, flushed.astype(actual.dtype),
                                      parent_values) is None:
                        value = None
                except Exception:  # noqa: BLE001
                    pass
        if value is not None:
            problems.append(value)
    return problems, expected


def _describe_values(parent_values, actual, expected):
    def short(v):
        text = np.array2string(np.asarray(v), threshold=20, separator=", ")
        return " ".join(text.split())
    lines = [f"  parent {i}: {short(v)} ({np.asarray(v).dtype})"
             for i, v in enumerate(parent_values)]
    lines.append(f"  tfgraph: {short(actual)} ({np.asarray(actual).dtype})")
    if expected is not None:
        lines.append(f"  NumPy:   {short(expected)} ({np.asarray(expected).dtype})")
    return "\n".join(lines)


# --- checking a graph ---------------------------------------------------------------------

def _leaf_value(node):
    return node.weak if node.weak is not None else node.value


def _discrete_chain(node, memo):
    if id(node) not in memo:
        memo[id(node)] = node.dtype in ("bool",) or node.value.dtype.kind in "iu"
        memo[id(node)] = memo[id(node)] and all(_discrete_chain(p, memo) for p in node.parents)
    return memo[id(node)]


def _error_signature(error):
    """What kind of failure ``error`` is, for counting distinct mismatches."""
    node = getattr(error, "node", None)
    op = str(node.op) if node is not None else "?"
    dtypes = tuple(v.dtype for v in node.inputs) if node is not None else ()
    original = getattr(error, "tf_error", None) or error
    text = getattr(original, "message", None) or str(original)
    text = re.sub(r"\d+|\(.*?\)|\[.*?\]|'.*?'", "#", text.strip().split("\n")[-1])[-60:]
    return ("run", type(error).__name__, op, dtypes, text)


def run_graph(graph, mode):
    function = theano.function([n.var for n in graph.inputs], [n.var for n in graph.ops],
                               mode=mode, on_unused_input="ignore", name="fuzz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*[n.value for n in graph.inputs])


def check_graph(graph, cross):
    """A list of (signature, report) mismatches for ``graph``."""
    found = []

    def report(signature, text, mode="FAST_COMPILE"):
        found.append((signature, f"{text}\n--- reproduction ---\n{graph.program(mode)}"))

    for code, error in graph.build_errors:
        signature = ("build", code.split("=", 1)[1].split("(")[0].strip())
        report(signature, f"tfgraph refused to build what NumPy computes:\n  {code}\n  {error}")
    if not graph.ops:
        return found
    try:
        results = run_graph(graph, "FAST_COMPILE")
    except Exception as error:  # noqa: BLE001
        report(_error_signature(error), f"FAST_COMPILE call failed: {type(error).__name__}: "
                                        f"{error}")
        return found
    values = {id(n): _leaf_value(n) for n in graph.nodes if n.is_leaf}
    values.update({id(n): r for n, r in zip(graph.ops, results)})
    chain = {}
    for node, actual in zip(graph.ops, results):
        STATS.ops[node.op] += 1
        parent_values = [values[id(p)] if p.weak is None else p.weak for p in node.parents]
        problems, expected = node_problems(node, actual, parent_values)
        if not problems and _discrete_chain(node, chain) and not np.array_equal(actual, node.value):
            problems.append(f"whole-graph NumPy evaluation differs: {node.value!r}")
        if problems:
            signature = (node.op, tuple(p.dtype for p in node.parents), problems[0][:25])
            report(signature, f"node {node.name} = {node.code}: " + "; ".join(problems) + "\n"
                   + _describe_values(parent_values, actual, expected))
            break  # later nodes were computed from a wrong value
    STATS.nodes += len(graph.ops)
    if found or cross != 0:
        return found
    # FAST_RUN (traced) and DebugMode must agree with FAST_COMPILE.
    STATS.fast_run += 1
    STATS.debug += 1
    nonfinite = any(np.asarray(r).dtype.kind == "f" and not np.all(np.isfinite(r))
                    for r in results)
    for mode in ["FAST_RUN", DebugMode(linker="py")]:
        label = "FAST_RUN" if mode == "FAST_RUN" else "DebugMode"
        try:
            other = run_graph(graph, mode)
        except InvalidValueError:
            if label == "DebugMode" and nonfinite:
                continue
            raise
        except ExecutionError as error:
            report((label, "error"), f"{label} failed where FAST_COMPILE did not: {error}",
                   "FAST_RUN")
            continue
        if label == "DebugMode" and nonfinite:
            report(("DebugMode", "missed NaN/Inf"), "DebugMode let NaN or Inf through")
            continue
        for node, a, b in zip(graph.ops, results, other):
            if a.dtype != b.dtype or a.shape != b.shape or not np.allclose(
                    a, b, rtol=1e-5 if a.dtype.kind == "f" else 0, equal_nan=True):
                report((label, node.op), f"{label} differs from FAST_COMPILE at node "
                       f"{node.name} = {node.code}:\n  {label}: {b!r}\n  FAST_COMPILE: {a!r}",
                       "FAST_RUN")
                break
    return found


@settings(max_examples=EXAMPLES, deadline=None, database=None if LOG else settings().database,
          suppress_health_check=list(HealthCheck), print_blob=True)
@given(graph=fs.graphs(), cross=st.integers(0, CROSS_EVERY - 1))
def _fuzz(graph, cross):
    STATS.graphs += 1
    found = check_graph(graph, cross)
    if not found:
        return
    if LOG:
        with open(LOG, "a") as log:
            for signature, text in found:
                STATS.signatures[signature] += 1
                if STATS.signatures[signature] == 1:
                    STATS.mismatches.append((signature, text))
                    log.write(json.dumps({"signature": [str(s) for s in signature],
                                          "report": text}) + "\n")
        return
    raise Mismatch("\n\n".join(text for _, text in found))


def test_random_graphs_match_numpy():
    global STATS
    STATS = Stats()
    try:
        _fuzz()
    finally:
        elapsed = time.time() - STATS.started
        summary = (f"fuzz: {STATS.graphs} graphs, {STATS.nodes} op nodes, "
                   f"{STATS.fast_run} also FAST_RUN and DebugMode, {elapsed:.0f} s; "
                   f"{len(STATS.mismatches)} distinct mismatches "
                   f"({sum(STATS.signatures.values())} in all)\n"
                   f"ops: {dict(sorted(STATS.ops.items()))}")
        print(summary)
        if LOG:
            with open(LOG + ".summary", "w") as out:
                out.write(summary + "\n")
                for signature, count in STATS.signatures.most_common():
                    out.write(f"{count:6d}  {signature}\n")
    assert not STATS.mismatches, "\n\n".join(text for _, text in STATS.mismatches[:5])


def test_every_elementwise_op_is_fuzzed():
    """A new row in the elementwise TABLE needs a dtype rule here."""
    assert {row[0] for row in TABLE} <= set(fs.ELEMWISE), set(row[0] for row in TABLE) - set(
        fs.ELEMWISE)


def test_the_oracle_catches_a_wrong_op(monkeypatch):
    """The comparison is not vacuous: a lowering that is off by one ulp-ish
    amount, or of the wrong dtype, is reported."""
    from tfgraph.ops import elemwise
    graph = fs.Graph("float64")
    x = graph.add_input("float64", (False,), np.array([0.5, 1.5, -2.0]))
    ref = fs.elemwise_reference("exp", "float64", "float64")
    graph.add_op("exp", elemwise.OPS["exp"], "OPS['exp']({0})", [x], ref,
                 fs.elementwise_tolerance(64))
    assert check_graph(graph, cross=1) == []
    monkeypatch.setattr(type(elemwise.OPS["exp"].scalar_op), "lowering",
                        staticmethod(lambda t: elemwise.tf.exp(t) * 1.001))
    found = check_graph(graph, cross=1)
    assert found and "values differ" in found[0][1] and "OPS['exp'](n0)" in found[0][1]


def test_reproduction_scripts_run(capsys):
    """What a mismatch report prints is a script that rebuilds the graph."""
    graph = fs.Graph("float64")
    x = graph.add_input("int8", (False, True), np.array([[1], [-2]], dtype="int8"))
    c = graph.add_constant(np.array([0.5, np.nan]))
    graph.add_op("add", elemwise.OPS["add"], "OPS['add']({0}, {1})", [x, c],
                 fs.elemwise_reference("add", "float64", "float64"))
    graph.add_op("sum", lambda v: theano.tensor.sum(v, axis=0), "T.sum({0}, axis=0)",
                 [graph.ops[0]], lambda v: np.sum(v, axis=0))
    exec(compile(graph.program(), "<reproduction>", "exec"), {})
    printed = capsys.readouterr().out
    assert "n2 array([[ 1.5,  nan],\n       [-1.5,  nan]])" in printed
    assert "n3 array([ 0., nan])" in printed
