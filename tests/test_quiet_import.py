"""Importing tfgraph does not greet the user with TensorFlow's start-up lines
(oneDNN, CPU instructions, missing CUDA drivers, cuInit), yet every other line
written to stderr, by C++ or Python, still gets through."""
import os
import re
import subprocess
import sys

from tfgraph._tf import IMPORT_NOISE, NO_GPU_NOISE

NOISE = [re.compile(p, re.M) for p in IMPORT_NOISE + NO_GPU_NOISE]

# An absl app that builds and runs a function: absl's app.run lists the
# physical devices (the cuInit line), the function starts the runtime.
ABSL_APP = """
from absl import app
import tfgraph as theano, tfgraph.tensor as T
def main(argv):
    x = T.dvector('x')
    print(theano.function([x], (x * theano.shared(2.0)).sum())([1.0, 2.0]))
app.run(main)
"""


def run_python(code, **env):
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environ.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ, timeout=300)


def noise_in(text):
    return [p.pattern for p in NOISE if p.search(text)]


def test_import_and_first_run_print_no_start_up_lines():
    result = run_python(ABSL_APP)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "6.0"
    assert noise_in(result.stderr) == [], result.stderr


def test_log_level_zero_shows_everything():
    # The lines exist, so the test above could fail: TensorFlow's "show all" keeps them.
    result = run_python(ABSL_APP, TF_CPP_MIN_LOG_LEVEL="0")
    assert result.returncode == 0, result.stderr
    assert "oneDNN custom operations are on" in result.stderr


def test_other_lines_reach_stderr_while_filtering():
    # What C++ code writes to file descriptor 2 while the filter is on, and a
    # Python warning: only the known start-up line is dropped, in order.
    code = r"""
import os, sys, warnings
from tfgraph._tf import IMPORT_NOISE, StderrFilter
with StderrFilter(IMPORT_NOISE).active() as f:
    os.write(2, b"E0000 00:00:1.0  1 disk.cc:7] the disk is on fire\n")
    os.write(2, b"I0000 00:00:1.0  1 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n")
    warnings.warn("a real warning")
    os.write(2, b"no newline at the end")
print(len(f.seen))
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].endswith("disk.cc:7] the disk is on fire")
    assert "UserWarning: a real warning" in result.stderr
    assert lines[-1] == "no newline at the end"
    assert "cuda drivers" not in result.stderr
    assert result.stdout.strip() == "1"


def test_a_failing_import_still_shows_its_error():
    # An error raised while TensorFlow is imported under the filter reaches the user.
    code = """
import sys
class Broken:
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow.python.pywrap_tensorflow":
            raise ImportError("libtensorflow_framework.so.2: cannot open shared object file")
sys.meta_path.insert(0, Broken())
import tfgraph
"""
    result = run_python(code)
    assert result.returncode != 0
    assert "cannot open shared object file" in result.stderr
