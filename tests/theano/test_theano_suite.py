"""tools/run_theano_suite.py and its pytest plugin: Theano-era test files run
in a fresh interpreter, ``theano.*.tests.*`` served from the sdist, nose's
conventions and NumPy 1's names restored for the test code only, and the
table and the causes it prints are the outcomes pytest saw."""
import json
import re

import numpy as np
import pytest

from tools import run_theano_suite as suite
from tools import theano_suite_plugin as plugin

SMALL_TEST = '''
import time
import unittest

import numpy as np
from numpy.testing import dec

import theano
import theano.tensor as T
from theano.tests.helper import double, make_tester   # served from the sdist's tests


def check_double(value):
    assert double(value) == 2 * value


def test_generated():                    # nose: each yield is a test
    for value in (1, 2, 3):
        yield check_double, value
    yield check_double, "not a number"   # str * 2 is "..." twice: passes too


class TestPlain(object):                 # nose calls setUp on plain classes
    def setUp(self):
        self.x = T.dvector("x")

    def test_function(self):
        f = theano.function([self.x], self.x * np.float(2))   # NumPy 1's np.float
        assert list(f([1.0, 2.0])) == [2.0, 4.0]

    def test_fails(self):
        assert np.cast["int8"](3.7) == 4, "cast truncates"


# nose ran a class imported from another module as if defined here (its
# setUp finds it by <__module__>.<__name__>, as makeTester's does)
NamedTester = make_tester("NamedTester")


class TestCase(unittest.TestCase):
    def test_tensor_is_tfgraphs(self):
        import tfgraph
        self.assertIs(theano.tensor, tfgraph.tensor)

    @dec.skipif(True, "skipped as nose would")
    def test_skipped(self):
        raise AssertionError("not run")

    def test_slow(self):
        time.sleep(30)
'''


HELPER = '''
import unittest

import theano


def double(x):
    return 2 * x


def make_tester(name):
    class Checker(unittest.TestCase):
        def setUp(self):
            eval(self.__class__.__module__ + "." + self.__class__.__name__)

        def test_named(self):
            assert self.__class__.__name__ == name
    Checker.__name__ = Checker.__qualname__ = name
    return Checker
'''


def pytest_counts(line):
    """(passed, failed, errors, skipped) from pytest's last line."""
    found = dict((word.rstrip("s"), int(n)) for n, word in re.findall(r"(\d+) (\w+)", line))
    return tuple(found.get(key, 0) for key in ("passed", "failed", "error", "skipped"))


def make_sdist(root):
    """A tree shaped as Theano's sdist with one test file and its helper."""
    theano_dir = root / "theano"
    (theano_dir / "tests").mkdir(parents=True)
    (theano_dir / "tensor" / "tests").mkdir(parents=True)
    (theano_dir / "__init__.py").write_text("raise ImportError('the real theano is not used')\n")
    (theano_dir / "configdefaults.py").write_text("")
    (theano_dir / "tensor" / "__init__.py").write_text("")
    for package in ("tests", "tensor/tests"):
        (theano_dir / package / "__init__.py").write_text("")
    (theano_dir / "tests" / "helper.py").write_text(HELPER)
    (theano_dir / "tensor" / "tests" / "test_small.py").write_text(SMALL_TEST)
    (theano_dir / "tensor" / "tests" / "test_broken.py").write_text(
        "import theano.tensor.no_such_module\n")
    return str(root)


def test_a_file_runs_with_the_plugin_and_its_row_is_what_pytest_saw(tmp_path):
    sdist = make_sdist(tmp_path / "sdist")
    row = suite.run_file(sdist, "tensor/tests/test_small.py", timeout=3)
    # 4 yielded + test_function + NamedTester's + the TestCase's test: 7 passed;
    # test_fails and the slow test (stopped at 3 s) failed; one skipped. As
    # pytest counted.
    counts = (row["passed"], row["failed"], row["errors"], row["skipped"])
    assert counts == (7, 2, 0, 1) == pytest_counts(row["pytest"]), row
    assert row["note"] == ""
    causes = {suite.normalise(c) for c in row["failures"].values()}
    assert causes == {"AssertionError: cast truncates",
                      "TestTimeout: the test ran longer than N s"}, causes
    broken = suite.run_file(sdist, "tensor/tests/test_broken.py")
    assert pytest_counts(broken["pytest"]) == (0, 0, 1, 0) and broken["errors"] == 1
    assert broken["note"].startswith("does not import: ModuleNotFoundError: No module named "
                                     "'theano.tensor.no_such_module'"), broken["note"]
    grouped = suite.causes([row, broken])
    assert [count for count, _, _ in grouped] == [1, 1, 1]
    lines = suite.table([row, broken])
    assert lines[1].split()[:5] == ["tensor/tests/test_small.py", "7", "2", "0", "1"]
    assert lines[-1].split()[:5] == ["total", "7", "2", "1", "1"]


def test_the_plugin_changes_numpy_only_in_the_test_process():
    import tfgraph  # noqa: F401
    assert "float" not in np.__dict__ and not hasattr(np.testing, "dec")
    source = open(plugin.__file__).read()
    assert "restore_numpy_names()" in source.split("def pytest_configure")[1]


def test_numpy_1_names_as_numpy_1_had_them():
    assert plugin._find_common_type([np.dtype("int8")], [np.dtype("float16")]) == "float16"
    assert plugin._find_common_type([np.dtype("int32")], [np.dtype("float16")]) == "float64"
    assert plugin._find_common_type([np.dtype("float32")], [np.dtype("float64")]) == "float32"
    assert plugin._find_common_type([], [np.dtype("int16")]) == "int16"
    assert plugin._Cast()["float32"]([1, 2]).dtype == "float32"

    @plugin._skipif(lambda: False)
    def kept():
        return 1
    assert kept() == 1
    with pytest.raises(Exception, match="because"):
        plugin._skipif(True, "because")(kept)()


def test_summaries_normalise_and_rank():
    records = [{"test": "f.py::t", "outcome": "passed", "cause": ""},
               {"test": "f.py::t", "outcome": "error", "cause": "RuntimeError: teardown 3"},
               {"test": "f.py::u", "outcome": "skipped", "cause": "skip"}]
    row = suite.summarise("f.py", records, seconds=3, killed=True, file_timeout=60)
    assert (row["passed"], row["errors"], row["skipped"]) == (0, 1, 1)
    assert row["note"] == "killed after 60 s"
    assert suite.normalise("ValueError: at 0x7f00ab, 12 items of 3.5e-3\nmore") == \
        "ValueError: at 0x?, N items of N"
    assert suite.normalise("E: in /a/b/tfgraph/ops/x.py") == "E: in tfgraph/ops/x.py"
    assert suite.normalise("tfgraph.compile.errors.ExecutionValueError: float32 x2") == \
        "ExecutionValueError: float32 x2"


def test_files_and_the_sdist_are_checked(tmp_path):
    assert len(suite.FILES) == 57 and "tensor/tests/test_basic.py" in suite.FILES
    with pytest.raises(SystemExit):
        suite.main(["--sdist", str(tmp_path), "--files", "tests/test_nothing.py"])
    with pytest.raises(SystemExit, match="not Theano's sdist"):
        suite.find_sdist(str(tmp_path))


@pytest.mark.sdist
def test_the_runner_on_two_files_of_the_real_sdist(capsys):
    """Needs Theano 1.0.5's sdist ($THEANO_SDIST or a pip download): each
    row's counts are what pytest itself counted in that file."""
    suite.main(["--files", "compile/tests/test_function_name.py", "tests/test_updates.py",
                "--json"])
    report = json.loads(capsys.readouterr().out)
    for row in report["files"]:
        counts = (row["passed"], row["failed"], row["errors"], row["skipped"])
        assert counts == pytest_counts(row["pytest"]) and sum(counts) > 0, row
    assert report["files"][0]["passed"] == 1   # test_function_name: the name is kept
    assert sum(c["count"] for c in report["causes"]) == sum(
        row["failed"] + row["errors"] for row in report["files"])


def test_main_prints_the_table_causes_and_progress(capsys, monkeypatch):
    row = suite.summarise("tensor/tests/test_a.py", [
        {"test": "a::x", "outcome": "failed", "cause": "KeyError: 'no value for input 1'"},
        {"test": "a::y", "outcome": "failed", "cause": "KeyError: 'no value for input 2'"},
        {"test": "a::z", "outcome": "passed", "cause": ""}], seconds=5)
    row["pytest"] = "2 failed, 1 passed in 5.0s"
    monkeypatch.setattr(suite, "find_sdist", lambda path: "/sdist")
    monkeypatch.setattr(suite, "run_file", lambda sdist, name, timeout: row)
    suite.main(["--files", "tensor/tests/test_basic.py"])
    out, err = capsys.readouterr()
    assert "tensor/tests/test_a.py" in out and "total" in out
    assert "     2  KeyError: 'no value for input N'" in out   # one cause, normalised
    assert err == "tensor/tests/test_basic.py: 2 failed, 1 passed in 5.0s\n"   # progress


# --- classifying failures by what they assert -------------------------------------------

def _failure(test, statement, function="test_x", cause="AssertionError", **evidence):
    frame = {"file": "/sdist/theano/tensor/tests/test_basic.py", "line": 10,
             "function": function, "statement": statement}
    deeper = evidence.pop("deeper", [])
    return {"test": test, "outcome": "failed", "cause": cause,
            "evidence": {"exception": "AssertionError", "frames": [frame] + deeper,
                         "random_states": evidence.get("random_states", []),
                         "graph_nodes": evidence.get("graph_nodes", [])}}


def test_classify_by_the_evidence_of_each_failure():
    """Each category from what the failing statement asserts; a failure with
    no such evidence is in none, whatever the test is called."""
    classify = suite.classify
    # InferShapeTester: the op checks are the optimizer's; the shape comparison is not.
    assert classify(_failure("f::T::test_infer_shape",
                             "assert not any(isinstance(t.op, cls) for t in topo_shape)",
                             function="_compile_and_check")) == "optimizer"
    assert classify(_failure("f::T::test_infer_shape",
                             "assert np.all(out.shape == shape), (out.shape, shape)",
                             function="_compile_and_check")) is None
    assert classify(_failure("f::t", "assert [n for n in f.maker.fgraph.toposort()]")) == \
        "optimizer"
    assert classify(_failure("f::t", "assert len(nodes) == 1", graph_nodes=["nodes"])) == \
        "optimizer"
    assert classify(_failure("f::t", "assert len(nodes) == 1")) is None
    assert classify(_failure("f::t", "x = theano.function([a], b)",
                             cause="AttributeError: module has no attribute 'optdb'")) == \
        "optimizer"
    # Inplace: destroy/view maps, or an identity check in a test of inplace behaviour.
    assert classify(_failure("f::t", "assert rf.destroy_map == {0: [0]}")) == "inplace"
    assert classify(_failure("f::test_join_inplace", "assert f(data, 0) is data")) == "inplace"
    assert classify(_failure("f::test_join", "assert f(data, 0) is data")) is None
    assert classify(_failure("f::AddInplaceTester::test_good", "self.fail(msg)",
                             cause="AssertionError: Test add_inplace::same_shapes: Failed "
                                   "check: inplace_check (inputs were ...)")) == "inplace"
    # C code: the statement, the exception, or a frame in Theano's C linker.
    assert classify(_failure("f::t", "code = op.c_code(node, 'n', [], [], {})")) == "c_code"
    assert classify(_failure("f::t", "f()", deeper=[
        {"file": "/sdist/theano/gof/cmodule.py", "line": 1, "function": "compile",
         "statement": "x"}])) == "c_code"
    # MT19937: a comparison with numpy_* in a test that holds a RandomState.
    assert classify(_failure("f::t", "assert np.allclose(fn_val0, numpy_val0)",
                             random_states=["rng"])) == "mt19937"
    assert classify(_failure("f::t", "assert np.allclose(fn_val0, numpy_val0)")) is None
    assert classify(_failure("f::t", "assert np.allclose(a, b)", random_states=["rng"])) is None
    # No evidence (an import error, a value mismatch): none of them.
    assert classify({"test": "f.py", "outcome": "error", "cause": "ImportError"}) is None


def test_pass_rate_counts_only_tests_of_no_category():
    records = [{"test": "f::a", "outcome": "passed", "cause": ""},
               {"test": "f::b", "outcome": "skipped", "cause": "skip"},
               _failure("f::c", "assert [n for n in topo]"),
               _failure("f::d", "assert np.allclose(x, y)")]
    row = suite.summarise("f.py", records, seconds=1)
    assert row["categories"] == {"f::c": "optimizer", "f::d": None}
    assert suite.pass_rate([row]) == (1, 2, {"optimizer": 1})


EVIDENCE_TEST = '''
import numpy as np
import theano
import theano.tensor as T


def test_graph():
    x = T.dvector("x")
    f = theano.function([x], x * 2)
    nodes = f.maker.fgraph.toposort()
    assert len(nodes) == 42


def test_draws():
    rng = np.random.RandomState(3)
    numpy_val0 = rng.uniform(size=3)
    assert np.allclose(np.zeros(3), numpy_val0)


def test_values():
    assert np.allclose(np.zeros(3), np.ones(3))
'''


def test_the_plugin_records_the_evidence_classify_reads(tmp_path):
    sdist = make_sdist(tmp_path / "sdist")
    (tmp_path / "sdist" / "theano" / "tensor" / "tests" / "test_evidence.py").write_text(
        EVIDENCE_TEST)
    row = suite.run_file(sdist, "tensor/tests/test_evidence.py")
    categories = {test.rsplit("::", 1)[-1]: c for test, c in row["categories"].items()}
    assert categories == {"test_graph": "optimizer", "test_draws": "mt19937",
                          "test_values": None}, row
