"""theano.config: every option of Theano 1.0.5's configdefaults.py, declared
once (tfgraph/configdefaults.py from the table tfgraph/theano_options.py),
with Theano's default and kind, settable as in Theano, and bad values
refused as Theano refuses them."""
import os
import subprocess
import sys
import textwrap

import pytest

from tfgraph import configdefaults, theano_options
from tfgraph.config import Config, change_flags, config
from tfgraph.configparser import REGISTRY, AddConfigVar, Computed, IntParam
from tools import run_theano_suite, theano_config_extract


@pytest.mark.sdist
def test_the_table_is_what_theanos_configdefaults_declares():
    """The committed table equals a fresh extraction from the sdist, so the
    list of options cannot drift from Theano's."""
    theano_dir = os.path.join(run_theano_suite.find_sdist(), "theano")
    extracted = theano_config_extract.extract(theano_dir)
    assert extracted == list(theano_options.OPTIONS)
    assert len(extracted) == 140  # 141 AddConfigVar calls, `linker` twice


def test_every_option_is_declared_with_theanos_default_and_kind():
    for name, kind, default, values, check, override, _ in theano_options.OPTIONS:
        param = REGISTRY[name]
        assert param.allow_override == override or name == "device", name
        if kind == "enum":
            assert set(param.all) == set(values) and param.default == default, name
        if not isinstance(default, Computed):
            assert Config(environ={}).__getattr__(name) == param.convert(default), name
        assert check is None or check in configdefaults.CHECKS, (name, check)
        assert not isinstance(default, Computed) or default.source in configdefaults.COMPUTED


def test_values_as_theano_gives_them():
    fresh = Config(environ={})
    # Defaults pass the option's check, as in Theano: StrParam(666) reads '666'.
    assert fresh.unittests.rseed == "666"
    assert fresh.gpuarray.preallocate == 0.0 and isinstance(fresh.gpuarray.preallocate, float)
    assert fresh.cmodule.age_thresh_use == 60 * 60 * 24 * 24
    assert (fresh.cycle_detection, fresh.compute_test_value_opt) == ("regular", "off")
    assert (fresh.tensor.cmp_sloppy, fresh.blas.ldflags, fresh.cxx) == (0, "", "")
    assert fresh.linker == "vm" and fresh.DebugMode.check_c is False  # as without g++
    assert fresh.warn.round is False and fresh.warn.inc_subtensor1_opt is True
    assert fresh.dnn.conv.algo_fwd == "small" and fresh.dnn.conv.workmem is True
    assert fresh.compile.timeout == 120  # compile.wait * 24
    assert fresh.optdb.position_cutoff == float("inf")


def test_flags_set_options_of_every_section():
    fresh = Config(environ={"THEANO_FLAGS": "unittests.rseed=42,dnn.conv.algo_fwd=fft,"
                                            "floatX=32,warn.round=True,cycle_detection=fast",
                            "TFGRAPH_FLAGS": "cycle_detection=regular"})
    assert fresh.unittests.rseed == "42" and fresh.dnn.conv.algo_fwd == "fft"
    assert fresh.floatX == "float32" and fresh.warn.round is True
    assert fresh.cycle_detection == "regular"  # TFGRAPH_FLAGS wins


@pytest.mark.parametrize("flags, message", [
    ("cycle_detection=slow", "THEANO_FLAGS: Invalid value .'slow'. for configuration "
                             "variable 'cycle_detection'"),
    ("unittests.rseed=abc", "'unittests.rseed'"),
    ("tensor.cmp_sloppy=3", "'tensor.cmp_sloppy'"),
    ("profiling.n_apply=0", "'profiling.n_apply'"),
    ("warn.round=maybe", "'warn.round'"),
    ("device=tpu", "device must be"),
])
def test_bad_flags_are_refused_naming_the_variable(flags, message):
    with pytest.raises(ValueError, match=message):
        Config(environ={"THEANO_FLAGS": flags})


def test_assignment_sections_and_refusals():
    with change_flags(compute_test_value_opt="warn"):
        config.unittests.rseed = 1234
        assert config.unittests.rseed == "1234"
        config.cycle_detection = "fast"
        assert config.cycle_detection == "fast"
        with pytest.raises(ValueError, match="'cycle_detection'"):
            config.cycle_detection = "slow"
        assert config.cycle_detection == "fast"
        assert config.compute_test_value_opt == "warn"
    # Options Theano fixes at start-up refuse a change, but not their own value.
    with pytest.raises(Exception, match="after initialization"):
        config.tensor.cmp_sloppy = 1
    config.tensor.cmp_sloppy = 0
    with pytest.raises(Exception, match="after initialization"):
        with change_flags(**{"numpy.seterr_all": "raise"}):
            pass
    # Removed options raise as in Theano.
    with pytest.raises(RuntimeError, match="dnn.conv.workmem"):
        config.dnn.conv.workmem = "small"
    with pytest.raises(AttributeError, match="no option 'unittests.seed'"):
        config.unittests.seed = 1


def test_change_flags_in_with_and_as_decorator_puts_back_what_was_there():
    config.floatX = "float64"
    with pytest.raises(ZeroDivisionError):
        with config.change_flags({"floatX": "float32"}, **{"warn.round": True}):
            assert (config.floatX, config.warn.round) == ("float32", True)
            1 / 0
    assert (config.floatX, config.warn.round) == ("float64", False)
    with pytest.raises(ValueError):  # the second value is bad: nothing stays changed
        with change_flags(floatX="float32", compute_test_value="sometimes"):
            pass
    assert config.floatX == "float64"

    @change_flags(compute_test_value="raise")
    def inside():
        return config.compute_test_value
    assert inside() == "raise" and config.compute_test_value == "off"


def test_user_code_declares_options_as_with_theano():
    name = "mylib.depth"
    try:
        AddConfigVar(name, "a library's option", IntParam(3, lambda i: i > 0))
        assert config.mylib.depth == 3
        config.mylib.depth = "5"
        assert config.mylib.depth == 5
        with pytest.raises(ValueError, match="'mylib.depth'"):
            config.mylib.depth = 0
        with pytest.raises(AttributeError, match="already taken"):
            AddConfigVar(name, "again", IntParam(1))
    finally:
        REGISTRY.pop(name, None)
        config._assigned.pop(name, None)


def run_python(code, flags):
    env = dict(os.environ, THEANO_FLAGS=flags)
    env.pop("TFGRAPH_FLAGS", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300)


def test_theano_flags_at_start_up_and_unknown_ones_warned():
    result = run_python("""
        import tfgraph as theano
        print(theano.config.unittests.rseed, theano.config.cycle_detection,
              theano.config.gpuarray.preallocate)
    """, "unittests.rseed=7,cycle_detection=fast,gpuarray.preallocate=0.5,no_such.flag=1")
    assert result.stdout.split() == ["7", "fast", "0.5"], result.stderr
    assert "Theano does not recognise this flag: no_such.flag" in result.stderr
    result = run_python("import tfgraph", "compute_test_value_opt=sometimes")
    assert result.returncode != 0
    assert "Invalid value ('sometimes') for configuration variable " \
           "'compute_test_value_opt'" in result.stderr


def test_docs_give_each_option_that_changes_nothing_one_reason():
    """docs/legacy.md groups the options that change nothing on TensorFlow,
    one reason per group: every option is effective or in exactly one group."""
    import fnmatch
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "legacy.md")) as docs:
        text = docs.read().split("## Configuration options")[1].split("\n## ")[0]
    groups = [re.findall(r"`([^`]+)`", row.split("|")[1]) for row in text.splitlines()
              if row.startswith("| `")]
    assert len(groups) >= 8
    for name in REGISTRY:
        matches = [g for g in groups if any(fnmatch.fnmatchcase(name, p) for p in g)]
        if name in configdefaults.EFFECTIVE:
            assert not matches, name
        else:
            assert len(matches) == 1, (name, matches)
