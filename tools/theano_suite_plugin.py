"""pytest plugin for Theano 1.0.5's own test files, run unmodified on tfgraph
(tools/run_theano_suite.py loads it with ``-p``, after ``-p tfgraph.pytest_alias``).

In the test process only, it

- serves ``theano.*.tests.*`` modules (the test infrastructure, such as
  ``theano.tests.unittest_tools``) from the sdist named by ``THEANO_SUITE_SDIST``;
  every other ``theano.X`` stays tfgraph's, through the alias;
- restores what the 2017 test code relies on and pytest 9 and NumPy 2 dropped:
  nose's ``yield`` tests, ``setUp``/``tearDown`` on plain classes, test
  classes imported from another module run as if defined in the importing one,
  ``numpy.testing.dec.skipif``, ``np.float``, ``np.complex``, ``np.cast``,
  ``np.product``, ``np.find_common_type``, ``np.MAXDIMS``;
- reads the data files Theano installed beside its modules (the MRG31k3p
  reference draws of ``sandbox/tests/test_rng_mrg.py``, found from
  ``theano.__file__``) from the sdist, when tfgraph has no such file;
- stops a test after ``THEANO_SUITE_TIMEOUT`` seconds (SIGALRM);
- writes one JSON line per test outcome to ``THEANO_SUITE_REPORT``, for a
  failure with its evidence: the traceback's frames (file, line, function,
  statement) and the names of the test code's locals holding a
  ``numpy.random.RandomState`` (tools/run_theano_suite.py classifies by it).

Nothing here is part of tfgraph: ``import tfgraph`` changes none of it.
"""
import functools
import importlib.abc
import importlib.util
import inspect
import json
import os
import signal
import sys
import types
import unittest

import numpy as np
import numpy.testing
import scipy.linalg
import pytest
from _pytest.assertion.rewrite import AssertionRewritingHook
from _pytest.unittest import UnitTestCase

SDIST = os.environ.get("THEANO_SUITE_SDIST", "")
TIMEOUT = float(os.environ.get("THEANO_SUITE_TIMEOUT", "0") or 0)
REPORT = os.environ.get("THEANO_SUITE_REPORT", "")


class SdistTests(importlib.abc.MetaPathFinder):
    """Finds ``theano.<...>.tests[.<...>]`` in the sdist's source tree, ahead
    of the alias (which would look for ``tfgraph.<...>.tests``)."""

    def __init__(self, root, rewriter=None):
        self.root, self.rewriter = root, rewriter

    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split(".")
        if parts[0] != "theano" or "tests" not in parts[1:]:
            return None
        base = os.path.join(self.root, *parts)
        if os.path.isdir(base):
            return importlib.util.spec_from_file_location(
                fullname, os.path.join(base, "__init__.py"), submodule_search_locations=[base])
        if not os.path.isfile(base + ".py"):
            return None
        # pytest's assertion rewriting for the test modules, as for any test file.
        spec = self.rewriter and self.rewriter.find_spec(fullname, [os.path.dirname(base)])
        return spec or importlib.util.spec_from_file_location(fullname, base + ".py")


# --- NumPy 1.x names the test code uses (NumPy 2 removed them) -------------

def _skipif(condition, msg=None):
    """numpy.testing.dec.skipif: skip when ``condition`` (or its result) holds."""
    def decorate(function):
        skip = condition() if callable(condition) else condition
        if not skip:
            return function

        @functools.wraps(function)
        def skipped(*args, **kwargs):
            raise unittest.SkipTest(msg or "skipped by dec.skipif")
        return skipped
    return decorate


def _find_common_type(array_types, scalar_types):
    """NumPy 1's find_common_type: the arrays' result type, unless the scalars
    are of a higher kind (an integer array with a float scalar)."""
    kinds = "buifc"
    arrays = np.result_type(*array_types) if array_types else None
    scalars = np.result_type(*scalar_types) if scalar_types else None
    if arrays is None or scalars is None:
        return arrays if scalars is None else scalars
    if kinds.find(scalars.kind) > kinds.find(arrays.kind) >= 0:
        return np.promote_types(arrays, scalars)
    return arrays


class _Cast:
    """``np.cast['float32'](x)``."""

    def __getitem__(self, dtype):
        return lambda value: np.asarray(value).astype(dtype)


def restore_numpy_names():
    numpy.testing.dec = types.SimpleNamespace(skipif=_skipif)
    sys.modules["numpy.testing.dec"] = numpy.testing.dec
    for name, value in (("float", float), ("complex", complex), ("cast", _Cast()),
                        ("product", np.prod), ("find_common_type", _find_common_type),
                        ("MAXDIMS", 64)):  # NumPy 2's limit on dimensions
        if name not in np.__dict__:
            setattr(np, name, value)
    if not hasattr(scipy.linalg, "kron"):  # SciPy 1.15 dropped it
        scipy.linalg.kron = _scipy_kron


def _scipy_kron(a, b):
    """SciPy's kron before 1.15, the tests' reference: the blocks a[i, j] * b
    laid out along the first two axes (not numpy.kron's rule for n-d)."""
    blocks = np.multiply.outer(np.asarray(a), np.asarray(b))
    return np.concatenate(np.concatenate(blocks, axis=1), axis=1)


# --- nose's conventions ----------------------------------------------------

class YieldedTests(pytest.Collector):
    """A nose test generator: each ``(function, *args)`` it yields is a test
    (or a bare callable, which nose also ran)."""

    def collect(self):
        cls = self.parent.obj if isinstance(self.parent, pytest.Class) else None
        instance = None
        if cls is not None:
            if hasattr(cls, "setup_class"):
                cls.setup_class()
            instance = cls()
            generator = getattr(instance, self.name)()
        else:
            generator = getattr(self.parent.obj, self.name)()
        for index, yielded in enumerate(generator):
            function, *args = (yielded,) if callable(yielded) else yielded
            item = pytest.Function.from_parent(
                self, name=f"{self.name}[{index}]",
                callobj=functools.partial(function, *args))
            item._instance = getattr(function, "__self__", instance)
            yield item


def transplanted(cls, module_name):
    """nose's loader ran a test class imported from another module as a
    subclass that says it lives in the importing module (nose.util's
    ``transplant_class``). Theano's testers rely on it: ``makeTester``'s
    ``setUp`` evaluates ``<cls.__module__>.<cls.__name__>``, which names the
    tester only in the module that defines the variable (test_sigm's
    ``SigmoidTester``, made by test_basic's ``makeBroadcastTester``)."""
    return type(cls.__name__, (cls,), {"__module__": module_name,
                                       "__qualname__": cls.__qualname__})


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    if (isinstance(collector, pytest.Module) and inspect.isclass(obj)
            and issubclass(obj, unittest.TestCase) and not inspect.isabstract(obj)
            and obj.__module__ != collector.obj.__name__):
        tester = UnitTestCase.from_parent(collector, name=name)
        tester.obj = transplanted(obj, collector.obj.__name__)  # (from_parent ignores obj=)
        return tester
    if (collector.funcnamefilter(name) and inspect.isgeneratorfunction(obj)
            and not (isinstance(collector, pytest.Class)
                     and issubclass(collector.obj, unittest.TestCase))):
        return YieldedTests.from_parent(collector, name=name)
    return None


@pytest.fixture(autouse=True)
def _nose_set_up(request):
    """nose called ``setUp``/``tearDown`` on plain test classes too."""
    instance = getattr(request.node, "instance", None)
    plain = instance is not None and not isinstance(instance, unittest.TestCase)
    if plain and hasattr(instance, "setUp"):
        instance.setUp()
    yield
    if plain and hasattr(instance, "tearDown"):
        instance.tearDown()


# --- timeouts and the report -------------------------------------------------

class TestTimeout(Exception):
    """The test ran longer than THEANO_SUITE_TIMEOUT seconds."""


def _expire(signum, frame):
    raise TestTimeout(f"the test ran longer than {TIMEOUT:g} s")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if TIMEOUT:
        signal.signal(signal.SIGALRM, _expire)
        signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        return (yield)
    finally:
        if TIMEOUT:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _record(**fields):
    if REPORT:
        with open(REPORT, "a") as report:
            report.write(json.dumps(fields) + "\n")


def _cause(report):
    """The exception's type and message (for a module that does not import,
    the last ``E`` line of pytest's text)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    lines = str(report.longrepr or "").strip().splitlines() or [""]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return errors[-1] if errors else lines[-1]


def _evidence(excinfo):
    """What a failure shows: each traceback frame (file, line, function, the
    statement), and the locals of the frames in the sdist's test code that
    hold a NumPy RandomState (an MT19937 generator) or a compiled graph's
    nodes (a non-empty list of Apply nodes, as from ``fgraph.toposort()``)."""
    frames, generators, graphs = [], set(), set()
    for entry in excinfo.traceback:
        try:
            statement = str(entry.statement).strip()
        except Exception:   # no source (a frame of compiled code)
            statement = ""
        path = str(entry.path)
        frames.append({"file": path, "line": entry.lineno + 1, "function": entry.name,
                       "statement": statement[:500]})
        if SDIST and path.startswith(SDIST):
            for name, value in entry.frame.f_locals.items():
                if isinstance(value, np.random.RandomState):
                    generators.add(name)
                elif _graph_nodes(value):
                    graphs.add(name)
    return {"exception": excinfo.typename, "frames": frames,
            "random_states": sorted(generators), "graph_nodes": sorted(graphs)}


def _graph_nodes(value):
    return isinstance(value, (list, tuple)) and value and all(
        hasattr(v, "op") and hasattr(v, "inputs") and hasattr(v, "outputs") for v in value)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None and report.failed:
        report.evidence = _evidence(call.excinfo)
    return report


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        outcome = report.outcome
        if report.outcome == "failed" and report.when != "call":
            outcome = "error"
        _record(test=report.nodeid, outcome=outcome, when=report.when,
                cause=_cause(report) if report.outcome != "passed" else "",
                seconds=round(report.duration, 3),
                evidence=getattr(report, "evidence", None))


def pytest_collectreport(report):
    if report.failed:
        _record(test=report.nodeid, outcome="error", when="collect", cause=_cause(report),
                seconds=0)


def pytest_configure(config):
    if SDIST:
        rewriters = [f for f in sys.meta_path if isinstance(f, AssertionRewritingHook)]
        sys.meta_path.insert(0, SdistTests(SDIST, rewriters[0] if rewriters else None))
        serve_package_data(os.path.join(SDIST, "theano"))
    restore_numpy_names()


def serve_package_data(sdist_package):
    """``numpy.loadtxt`` of a missing file under tfgraph's package directory (where
    ``theano.__file__`` points) reads the same path under the sdist's ``theano/``."""
    import tfgraph
    package = os.path.dirname(os.path.abspath(tfgraph.__file__))
    loadtxt = np.loadtxt

    @functools.wraps(loadtxt)
    def loadtxt_with_package_data(fname, *args, **kwargs):
        if isinstance(fname, (str, os.PathLike)) and not os.path.exists(fname):
            relative = os.path.relpath(os.path.abspath(fname), package)
            if not relative.startswith(os.pardir):
                fname = os.path.join(sdist_package, relative)
        return loadtxt(fname, *args, **kwargs)

    np.loadtxt = loadtxt_with_package_data
