"""Run Theano 1.0.5's own CPU tests, unmodified, on tfgraph.

    python tools/run_theano_suite.py [--sdist PATH] [--files F ...] [--timeout S] [--json]

The sdist is PATH (its unpacked directory or the .tar.gz), else
``$THEANO_SDIST``, else ``pip download --no-deps theano==1.0.5`` into
``~/.cache/tfgraph``. Each test file runs in a fresh interpreter under pytest
with ``theano`` resolved to tfgraph (``-p tfgraph.pytest_alias``) and
tools/theano_suite_plugin.py, which serves only the ``theano.*.tests.*``
modules from the sdist and restores what the 2017 test code needs from nose
and NumPy 1. Prints one row per file (passed, failed, errors, skipped; a file
that does not import is one error) and the failures grouped by cause: the
exception's type and first line, with numbers and addresses normalised.

Each failure is also classified by the evidence it shows (``classify``): a
test that asserts Theano's internals rather than its semantics -- the graph
its optimizer produced, inplace destroy/view maps, its C code, or NumPy's
MT19937 draws -- or none of these. The pass rate is printed over the tests
that assert none of them (passed / (passed + failures of no category)).
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a script: tools/ is on the path, not the repository
    sys.path.insert(0, ROOT)
from tools.run_client_suite import pytest_command, suite_environment  # noqa: E402

VERSION = "1.0.5"
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "tfgraph")
# A test of this suite compiles up to a few hundred functions (a tfgraph
# function is traced in 50 to 300 ms) and runs numerical gradients: the
# slowest that pass take about a minute on 2 cores. 300 s leaves them
# room and still stops a test that hangs.
TEST_TIMEOUT = 300
FILE_TIMEOUT = 3 * 3600   # a file whose process hangs where SIGALRM cannot reach it

FILES = [f"{folder}/tests/test_{name}.py" for folder, names in [
    ("tensor", "basic elemwise subtensor inc_subtensor extra_ops nlinalg slinalg sharedvar var "
               "shared_randomstreams raw_random sort io keepdims casting xlogx utils complex "
               "misc type_other"),
    ("tensor/nnet", "nnet conv abstract_conv conv3d2d bn neighbours sigm"),
    ("tensor/signal", "pool"),
    ("scan_module", "scan scan_checkpoints"),
    ("", "gradient 2nd_order_grads ifelse printing rop pickle_unpickle_theano_fn "
         "dictionary_output updates"),
    ("compile", "function_module function function_name pfunc shared builders debugmode "
                "nanguardmode monitormode ops misc mode modes"),
    ("sandbox", "rng_mrg multinomial"),
    ("misc", "pkl_utils may_share_memory"),
    ("gof", "compute_test_value"),
    ("sparse", "basic"),
] for name in names.split()]
FILES = [f.lstrip("/") for f in FILES]


def find_sdist(path=None):
    """The directory holding the sdist's ``theano`` package."""
    path = path or os.environ.get("THEANO_SDIST")
    if path is None:
        path = os.path.join(CACHE, f"Theano-{VERSION}")
        if not os.path.isdir(path):
            os.makedirs(CACHE, exist_ok=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            f"theano=={VERSION}", "-d", CACHE], check=True)
            path = os.path.join(CACHE, f"Theano-{VERSION}.tar.gz")
    if os.path.isfile(path):
        unpacked = os.path.join(os.path.dirname(os.path.abspath(path)), f"Theano-{VERSION}")
        if not os.path.isdir(unpacked):
            with tarfile.open(path) as archive:
                archive.extractall(os.path.dirname(unpacked), filter="data")
        path = unpacked
    if not os.path.isfile(os.path.join(path, "theano", "configdefaults.py")):
        raise SystemExit(f"run_theano_suite: {path} is not Theano's sdist (no theano/ in it)")
    return os.path.abspath(path)


def run_file(sdist, name, timeout=TEST_TIMEOUT, file_timeout=FILE_TIMEOUT):
    """One test file in a fresh interpreter: its row of the table and its records."""
    with tempfile.TemporaryDirectory(prefix="theano-suite-") as scratch:
        report = os.path.join(scratch, "report.jsonl")
        env = dict(suite_environment(), THEANO_SUITE_SDIST=sdist, THEANO_SUITE_REPORT=report,
                   THEANO_SUITE_TIMEOUT=str(timeout))
        command = pytest_command(sdist, ["-p", "tools.theano_suite_plugin", "-q", "--tb=no",
                                         os.path.join(sdist, "theano", name)])
        start, killed, output = time.monotonic(), False, ""
        try:
            output = subprocess.run(command, cwd=scratch, env=env, timeout=file_timeout,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True).stdout
        except subprocess.TimeoutExpired:
            killed = True
        records = []
        if os.path.exists(report):
            with open(report) as lines:
                records = [json.loads(line) for line in lines]
    row = summarise(name, records, round(time.monotonic() - start), killed, file_timeout)
    # pytest's own last line ("3 passed, 1 failed in 9.1s"), which the counts must agree with.
    row["pytest"] = ([line for line in output.strip().splitlines() if " in " in line] or [""])[-1]
    return row


def summarise(name, records, seconds, killed=False, file_timeout=FILE_TIMEOUT):
    """A file's row: counts per outcome, one outcome per test (its worst)."""
    rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
    outcome, cause = {}, {}
    for record in records:
        test = record["test"]
        if rank[record["outcome"]] >= rank.get(outcome.get(test), -1):
            outcome[test] = record["outcome"]
            cause[test] = record["cause"]
    counts = collections.Counter(outcome.values())
    imports = [cause[t] for t in outcome if t.endswith(".py") and outcome[t] == "error"]
    note = "does not import: " + normalise(imports[0]) if imports else ""
    if killed:
        note = f"killed after {file_timeout} s" + (f"; {note}" if note else "")
    failures = {t: cause[t] for t in outcome if outcome[t] in ("failed", "error")}
    category = {}
    for record in records:
        if record["test"] in failures and record["outcome"] == outcome[record["test"]]:
            category[record["test"]] = classify(record)
    return {"file": name, "passed": counts["passed"], "failed": counts["failed"],
            "errors": counts["error"], "skipped": counts["skipped"], "seconds": seconds,
            "note": note, "failures": failures, "categories": category}


def pass_rate(rows):
    """(passed, counted, {category: failures}): the tests counted are those
    passed or failing in no category (skipped ones are not counted)."""
    passed = sum(row["passed"] for row in rows)
    by_category = collections.Counter(
        row.get("categories", {}).get(test) for row in rows for test in row["failures"])
    internal = {c: n for c, n in by_category.items() if c is not None}
    return passed, passed + by_category.get(None, 0), internal


# --- classifying failures by what they assert ----------------------------------

# The statement of the test code that failed (the last traceback frame in the
# sdist), or the exception's text, shows what the test asserts.
_OPTIMIZER = re.compile(r"\btopo(?:_\w+)?\b|toposort\(|\.fgraph\b|\boptdb\b|local_optimizer|"
                        r"\bgof\.opt\b|check_stack_trace")
_OPTIMIZER_FRAME = re.compile(r"isinstance\(\w+\.op\b|\btopo\w*\b")
_INPLACE = re.compile(r"destroy_map|view_map|destroyhandler|DestroyHandler|\binplace\b")
_C_CODE = re.compile(r"\bc_code\w*|CLinker|\bcmodule\b|\bcthunk|c_support_code|\bgof\.cc\b|"
                     r"c_init_code|c_compile_args|\bCOp\b|openmp")
_NUMPY_DRAW = re.compile(r"\bnumpy_\w+")

CATEGORIES = {
    "optimizer": "asserts the graph Theano's optimizer produced (ops present or removed "
                 "in f.maker.fgraph or a list of its nodes, InferShapeTester's op checks, "
                 "optdb)",
    "inplace": "asserts inplace destroy or view maps, or that an op overwrote or aliases "
               "its input",
    "c_code": "asserts Theano's C code (c_code, CLinker, cmodule)",
    "mt19937": "compares with draws of NumPy's MT19937 RandomState",
}


def _test_frame(frames, sdist_marker="/theano/"):
    """The last traceback frame in Theano's code (the test, or its helper)."""
    inside = [f for f in frames if sdist_marker in f["file"] and "/tests/" in f["file"]]
    return inside[-1] if inside else None


def classify(record):
    """The category (a key of CATEGORIES) of a failed test's record, or None:
    decided by its evidence (tools/theano_suite_plugin.py), never by its name alone."""
    evidence = record.get("evidence") or {}
    frames = evidence.get("frames") or []
    cause = record.get("cause") or ""
    test_frame = _test_frame(frames)
    statement = test_frame["statement"] if test_frame else ""
    if _C_CODE.search(statement) or _C_CODE.search(cause) or any(
            "/gof/cc" in f["file"] or "/gof/cmodule" in f["file"] for f in frames):
        return "c_code"
    # makeBroadcastTester's inplace_check: the op overwrote its first input.
    if _INPLACE.search(statement) or re.search(r"destroy_map|view_map|check: inplace_check",
                                                cause) or (
            "inplace" in record["test"].rsplit("::", 1)[-1].lower()
            and re.search(r"\bis\b", statement)):
        return "inplace"
    # InferShapeTester._compile_and_check asserts, before it compares shapes,
    # that its op is missing from the shape graph and present in the output's.
    if test_frame and (test_frame["function"] == "_compile_and_check"
                       and _OPTIMIZER_FRAME.search(statement)
                       or test_frame["function"] != "_compile_and_check"
                       and _OPTIMIZER.search(statement)) \
            or re.search(r"optdb|local_optimizer|has no attribute '(?:fgraph|maker)'", cause) \
            or any(re.search(rf"\b{re.escape(name)}\b", statement)
                   for name in evidence.get("graph_nodes") or ()):
        return "optimizer"
    if evidence.get("random_states") and _NUMPY_DRAW.search(statement):
        return "mt19937"
    return None


def normalise(cause):
    """The exception's type and first line, numbers and addresses replaced."""
    first = (cause or "?").strip().splitlines()[0] if (cause or "").strip() else "?"
    first = re.sub(r"^[\w.]+\.(\w+:)", r"\1", first)   # the exception's class, unqualified
    first = re.sub(r"0x[0-9a-fA-F]+", "0x?", first)
    first = re.sub(r"/\S*/(tfgraph|theano)/", r"\1/", first)
    first = re.sub(r"(?<![\w.])\d+(\.\d+)?(e[-+]?\d+)?(?!\w)", "N", first)
    return first[:200]


def causes(rows):
    """[(count, cause, some tests)], most frequent first."""
    grouped = collections.defaultdict(list)
    for row in rows:
        for test, cause in row["failures"].items():
            grouped[normalise(cause)].append(test)
    return sorted(((len(tests), cause, tests) for cause, tests in grouped.items()),
                  key=lambda entry: (-entry[0], entry[1]))


def table(rows):
    lines = [f"{'file':42s} {'passed':>6s} {'failed':>6s} {'errors':>6s} {'skipped':>7s} "
             f"{'time':>6s}  note"]
    total = collections.Counter()
    for row in rows:
        lines.append(f"{row['file']:42s} {row['passed']:6d} {row['failed']:6d} "
                     f"{row['errors']:6d} {row['skipped']:7d} {row['seconds']:5d}s  {row['note']}")
        total.update({k: row[k] for k in ("passed", "failed", "errors", "skipped", "seconds")})
    lines.append(f"{'total':42s} {total['passed']:6d} {total['failed']:6d} "
                 f"{total['errors']:6d} {total['skipped']:7d} {total['seconds']:5d}s")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", help="Theano 1.0.5's sdist: its directory or .tar.gz")
    parser.add_argument("--files", nargs="+", default=FILES, metavar="FILE",
                        help="test files under theano/ (default: all %d)" % len(FILES))
    parser.add_argument("--timeout", type=float, default=TEST_TIMEOUT,
                        help="seconds a test may take (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=1, help="files run at once")
    parser.add_argument("--causes", type=int, default=30, help="causes listed (default 30)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    options = parser.parse_args(argv)
    unknown = [f for f in options.files if f not in FILES]
    if unknown:
        parser.error(f"not among the suite's files: {unknown}; they are: {FILES}")
    sdist = find_sdist(options.sdist)

    def run(name):
        row = run_file(sdist, name, options.timeout)
        print(f"{name}: {row['pytest'] or row['note']}", file=sys.stderr, flush=True)
        return row
    with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
        rows = list(pool.map(run, options.files))
    grouped = causes(rows)
    if options.json:
        passed, counted, internal = pass_rate(rows)
        json.dump({"sdist": sdist, "files": rows,
                   "pass_rate": {"passed": passed, "counted": counted, "left_out": internal},
                   "causes": [{"count": n, "cause": c, "tests": t} for n, c, t in grouped]},
                  sys.stdout, indent=1)
        print()
    else:
        print("\n".join(table(rows)))
        passed, counted, internal = pass_rate(rows)
        print(f"\nPass rate over the tests asserting none of Theano's internals: "
              f"{passed}/{counted} = {100 * passed / max(counted, 1):.1f}%")
        for category, count in sorted(internal.items()):
            print(f"  left out, {count:5d}: {CATEGORIES[category]}")
        print(f"\nFailures and errors by cause (top {options.causes} of {len(grouped)}):")
        for count, cause, tests in grouped[:options.causes]:
            print(f"{count:6d}  {cause}\n        e.g. {tests[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
