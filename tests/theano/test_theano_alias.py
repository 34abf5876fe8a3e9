"""The explicit ``theano`` alias: python -m tfgraph.run and install_theano_alias()."""
import os
import subprocess
import sys
import textwrap

import pytest

import tfgraph
from tfgraph import run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_python(code, *args, module_args=None, tmp_path=None):
    """Run ``code`` in a fresh interpreter with this checkout on the path."""
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    command = [sys.executable, *(module_args or []), str(script), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_run_executes_a_script_with_theano_as_tfgraph(tmp_path):
    result = run_python("""
        import sys
        import numpy
        import theano
        import theano.tensor as T
        from theano.tensor.nnet import sigmoid
        import tfgraph
        assert theano is tfgraph and T is tfgraph.tensor and sigmoid is tfgraph.tensor.nnet.sigmoid
        x = T.dvector('x')
        f = theano.function([x], (x * 2).sum())
        print(f(numpy.arange(4.0)), sys.argv[1:], __name__)
        """, "a", "--b", module_args=["-m", "tfgraph.run"], tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "12.0 ['a', '--b'] __main__"
    # `import tfgraph` does not import tfgraph.run, which runpy would warn of.
    assert "RuntimeWarning" not in result.stderr, result.stderr


def test_run_refuses_when_a_real_theano_is_imported(tmp_path):
    (tmp_path / "theano").mkdir()
    (tmp_path / "theano" / "__init__.py").write_text("REAL = True\n")
    result = run_python("""
        import sys
        sys.path.insert(0, sys.argv[1])
        import theano
        import tfgraph
        try:
            tfgraph.install_theano_alias()
        except ImportError as error:
            print("refused:", error)
        print(theano.REAL)
        """, str(tmp_path), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "refused: A real Theano is already imported" in result.stdout
    assert "True" in result.stdout


def test_alias_shares_module_objects(theano_alias):
    import theano
    import theano.compile.ops
    import theano.gof.graph
    import theano.tensor
    assert theano.tensor is tfgraph.tensor
    assert theano.compile.ops is sys.modules["tfgraph.compile.ops"]
    assert theano.gof.graph.inputs is tfgraph.gof.graph.inputs
    tfgraph.install_theano_alias()  # twice is harmless
    assert sys.modules["theano"] is tfgraph


@pytest.mark.parametrize("module, kind", [
    ("theano.sandbox.cuda", "GPU-only"),
    ("theano.sandbox.cuda.dnn", "GPU-only"),
    ("theano.gpuarray.basic_ops", "GPU-only"),
    ("theano.tensor.signal.downsample", "deprecated"),
    ("theano.tensor.nnet.Conv3D", "deprecated"),
    ("theano.no_such_module", "does not support it yet"),
])
def test_missing_submodules_raise_import_error_saying_why(theano_alias, module, kind):
    import importlib
    with pytest.raises(ImportError) as info:
        importlib.import_module(module)
    assert module in str(info.value) and kind in str(info.value)
    assert module not in sys.modules  # no stand-in module left behind
    if kind == "deprecated" and "downsample" in module:
        assert "pool_2d" in str(info.value)


def test_unsupported_message_classifies():
    assert "GPU-only" in run.unsupported_message("theano.misc.pycuda_init")
    assert "conv3d" in run.unsupported_message("theano.tensor.nnet.Conv3D")


def test_usage_without_arguments(capsys):
    assert run.main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_gpuarray_says_there_is_no_pygpu_backend(theano_alias):
    # Theano 1.0 imported theano.gpuarray on every machine, with
    # pygpu_activated False without pygpu: layer libraries branch on it.
    import theano.gpuarray
    from theano.gpuarray import dnn
    assert theano.gpuarray.pygpu_activated is False
    assert dnn.dnn_present() is False and dnn.dnn_available() is False
    assert "TensorFlow" in dnn.dnn_available.msg


def test_equal_computations(theano_alias):
    from theano.scan_module.scan_utils import equal_computations
    import theano.tensor as T
    x, y = T.dvector("x"), T.dvector("y")
    assert equal_computations([x * 2 + 1], [x * 2 + 1])
    assert not equal_computations([x * 2], [x * 3])
    assert not equal_computations([x * 2], [y * 2])
    assert equal_computations([x * 2], [y * 2], [x], [y])
