"""Configuration: floatX, device and mode from defaults, environment, absl flags
and run-time assignment; device placement on logical CPU devices."""
import os
import subprocess
import sys
import textwrap

import pytest

from tfgraph.config import Config, parse_flags_string


def run_python(code, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("TFGRAPH_FLAGS", "THEANO_FLAGS")}
    env.update(env_extra or {})
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            capture_output=True, text=True, timeout=120)
    return result


def test_defaults_are_theanos():
    config = Config(environ={})
    # Theano's default mode is 'Mode': FAST_RUN's optimizer and linker.
    assert (config.floatX, config.device, config.mode) == ("float64", "cpu", "Mode")


def test_environment_flags_and_precedence():
    config = Config(environ={"THEANO_FLAGS": "device=cpu,floatX=float32,mode=DebugMode",
                             "TFGRAPH_FLAGS": "mode=FAST_COMPILE"})
    assert config.floatX == "float32"
    assert config.mode == "FAST_COMPILE"  # TFGRAPH_FLAGS wins over THEANO_FLAGS
    config.floatX = "float64"  # run-time assignment wins over both
    assert config.floatX == "float64"
    del config.floatX
    assert config.floatX == "float32"


def test_bad_values_raise_naming_the_source():
    with pytest.raises(ValueError, match="TFGRAPH_FLAGS: Invalid value .'float128'. for "
                                         "configuration variable 'floatX'"):
        parse_flags_string("floatX=float128", "TFGRAPH_FLAGS")
    with pytest.raises(ValueError, match="expected name=value"):
        parse_flags_string("float32", "THEANO_FLAGS")
    config = Config(environ={})
    with pytest.raises(ValueError, match="device must be"):
        config.device = "tpu"
    with pytest.raises(AttributeError, match="no option 'floatx'"):
        config.floatx = "float32"


def test_unknown_options_warn_and_theano_options_are_kept():
    # Theano's own options (optimizer, lib.cnmem) are accepted: docs/legacy.md.
    with pytest.warns(UserWarning, match="ignoring unknown option 'no_such_flag'"):
        values = parse_flags_string("optimizer=fast_compile,no_such_flag=1,floatX=float32",
                                    "THEANO_FLAGS")
    assert values == {"optimizer": "fast_compile", "floatX": "float32"}


def test_floatx_from_environment_reaches_constructors():
    result = run_python("""
        import tfgraph.tensor as T
        print(T.matrix().dtype, T.dmatrix().dtype)
    """, {"THEANO_FLAGS": "floatX=float32"})
    assert result.stdout.split() == ["float32", "float64"], result.stderr


def test_absl_flags_feed_config():
    result = run_python("""
        from absl import app
        import tfgraph as theano
        import tfgraph.flags  # noqa: F401
        def main(argv):
            print(theano.config.floatX, theano.config.mode)
        app.run(main, argv=["prog", "--floatX=float32", "--mode=FAST_COMPILE"])
    """, {"TFGRAPH_FLAGS": "floatX=float64"})
    assert result.stdout.split() == ["float32", "FAST_COMPILE"], result.stderr


def test_onednn_enabled_unless_user_chose():
    code = "import os, tfgraph; print(os.environ['TF_ENABLE_ONEDNN_OPTS'])"
    assert run_python(code).stdout.strip() == "1"
    assert run_python(code, {"TF_ENABLE_ONEDNN_OPTS": "0"}).stdout.strip() == "0"


def test_device_placement_on_logical_cpus():
    # Two logical CPUs stand in for two accelerators: variables and the graph
    # must go where config.device says.
    result = run_python("""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import numpy as np
        import tfgraph as theano
        import tfgraph.tensor as T
        theano.config.device = "cpu1"
        W = theano.shared(np.ones(3), "W")
        x = T.dvector("x")
        f = theano.function([x], (x * W).sum(), updates=[(W, W * 2)])
        print(f([1.0, 2.0, 3.0]))
        print(W.variable.device)
        ops = [op for op in f.concrete_function.graph.get_operations() if op.type == "Mul"]
        print(sorted({op.device for op in ops}))
    """)
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "6.0", result.stderr
    assert lines[1].endswith("CPU:1")
    assert "CPU:1" in lines[2] and "CPU:0" not in lines[2]


def test_missing_device_is_a_clear_error():
    result = run_python("""
        import numpy as np
        import tfgraph as theano
        theano.config.device = "cuda1"
        try:
            theano.shared(np.ones(2))
        except theano.DeviceError as error:
            print(error)
    """)
    assert "device 'cuda1' (/device:GPU:1) is not available" in result.stdout, result.stderr
    assert "/device:CPU:0" in result.stdout
