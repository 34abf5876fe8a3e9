"""Functions on meshes of devices (tfgraph.distribute, on DTensor) compute what
they compute on one device. Meshes need devices split before TensorFlow starts,
so each mesh run is a process of its own (tests/distribute/mesh_worker.py); the reference
is computed here, on this process's one device."""
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tfgraph import distribute
from tfgraph._tf import tf
from tests.distribute.mesh_cases import CASES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(ROOT, "tests", "distribute", "mesh_worker.py")
TIMEOUT_S = 300
_references = {}


def reference(case):
    if case not in _references:
        _references[case] = CASES[case]()
    return _references[case]


def assert_same(results, run_name, case):
    want = reference(case)
    for name, value in want.items():
        got = results[f"{run_name}/{name}"]
        np.testing.assert_allclose(got, value, rtol=1e-6, atol=1e-12,
                                   err_msg=f"{run_name}: {name}")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DTENSOR_")}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT, **extra)
    return env


def _failure(what, proc_out):
    return f"{what} failed:\n" + "\n".join(proc_out.splitlines()[-30:])


def run_worker(tmp_path, *runs):
    out = str(tmp_path / "result.npz")
    proc = subprocess.run([sys.executable, WORKER, out, *runs], cwd=ROOT, env=_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT_S)
    assert proc.returncode == 0, _failure("mesh worker", proc.stdout)
    return dict(np.load(out))


def test_four_devices_data_and_model_parallel(tmp_path):
    results = run_worker(tmp_path, "tutorial_mlp@batch=4", "large_mlp@batch=4",
                         "large_mlp@batch=2,model=2@W=-:model", "lenet@batch=4",
                         "conv_pools@batch=4", "errors@batch=4")
    assert results["tutorial_mlp@batch=4/n_devices"] == 4
    for run in ("tutorial_mlp@batch=4", "large_mlp@batch=4", "large_mlp@batch=2,model=2",
                "lenet@batch=4", "conv_pools@batch=4"):
        assert_same(results, run, run.split("@")[0])
    messages = {k.split("/")[1]: str(v) for k, v in results.items()
                if k.startswith("errors@")}
    assert 'Bad input argument with name "x" to function "f" at index 0' in messages["batch"]
    assert "dimension 0 has length 6" in messages["batch"]
    assert "'batch' (4 devices) does not divide" in messages["batch"]
    assert messages["W_unchanged"] == "True"
    assert "shape stays (3, 4), got (4, 4)" in messages["set_value"]
    assert messages["set_value_same_shape"] == "True"
    assert "shared variable 'V': its dimension 1 has length 6" in messages["shared"]
    assert "has 1 entries but the variable has 2 dimensions" in messages["shared_ndim"]
    assert "input 'z'" in messages["rule"] and "2 entries" in messages["rule"]


def test_failing_calls_and_loops_raise_what_one_device_raises_and_change_nothing(tmp_path):
    """An index or a label out of range in a call, a loop's failing step: on 2
    and 4 devices the error is the one-device error (not a cancelled
    collective), nothing of the failed call or loop stays, and the next calls
    give the one-device numbers."""
    runs = ("failures@batch=2", "failures@batch=4")
    results = {}
    for run in runs:   # a process splits its CPU once
        results.update(run_worker(tmp_path, run))
    want = reference("failures")
    assert str(want["error/index"]).startswith("ExecutionIndexError")
    assert str(want["error/label"]).startswith("Execution")
    assert str(want["error/loop"]).startswith("ExecutionIndexError: Step 2 (0-based)")
    for run in runs:
        for name, value in want.items():
            got = results[f"{run}/{name}"]
            if name.startswith("error/"):
                assert str(got) == str(value), f"{run}: {name}"
            else:
                np.testing.assert_allclose(got, value, rtol=1e-6, err_msg=f"{run}: {name}")


def test_lenet_on_two_devices(tmp_path):
    results = run_worker(tmp_path, "lenet@batch=2")
    assert results["lenet@batch=2/n_devices"] == 2
    assert_same(results, "lenet@batch=2", "lenet")


def test_eight_devices_and_every_mode(tmp_path):
    results = run_worker(tmp_path, "tutorial_mlp@batch=8",
                         "large_mlp@batch=4,model=2@W=-:model", "modes@batch=8")
    assert results["large_mlp@batch=4,model=2/n_devices"] == 8
    assert_same(results, "tutorial_mlp@batch=8", "tutorial_mlp")
    assert_same(results, "large_mlp@batch=4,model=2", "large_mlp")
    for mode in ("FAST_COMPILE", "XLA"):
        assert_same(results, f"modes@batch=8/{mode}", "tutorial_mlp")
    assert_same(results, "modes@batch=8/NanGuardMode", "softmax_nll")


def test_scan_rnn_on_four_devices(tmp_path):
    """A scan RNN's training step, split over the batch: the loop is unrolled
    on a mesh (DTensor lays out no TensorArray), with the one-device numbers."""
    results = run_worker(tmp_path, "scan_rnn@batch=4")
    assert results["scan_rnn@batch=4/n_devices"] == 4
    assert_same(results, "scan_rnn@batch=4", "scan_rnn")


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_processes_form_one_mesh(tmp_path):
    jobs = ",".join(f"127.0.0.1:{port}" for port in _free_ports(2))
    runs = ["tutorial_mlp@batch=4", "large_mlp@batch=2,model=2@W=-:model", "lenet@batch=4"]
    procs = []
    try:
        for client in range(2):
            env = _env(DTENSOR_CLIENT_ID=str(client), DTENSOR_NUM_CLIENTS="2",
                       DTENSOR_JOB_NAME="worker", DTENSOR_JOBS=jobs)
            procs.append(subprocess.Popen(
                [sys.executable, WORKER, str(tmp_path / f"client{client}.npz"), *runs],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True))
        outputs = [p.communicate(timeout=TIMEOUT_S)[0] for p in procs]
    finally:
        for p in procs:  # a client left waiting for the other would never end
            if p.poll() is None:
                p.kill()
                p.wait()
    for client, (p, out) in enumerate(zip(procs, outputs)):
        assert p.returncode == 0, _failure(f"client {client}", out)
    for client in range(2):
        results = dict(np.load(tmp_path / f"client{client}.npz"))
        assert results["tutorial_mlp@batch=4/n_devices"] == 4
        assert_same(results, "tutorial_mlp@batch=4", "tutorial_mlp")
        assert_same(results, "large_mlp@batch=2,model=2", "large_mlp")
        assert_same(results, "lenet@batch=4", "lenet")


def test_devices_cannot_be_split_once_tensorflow_started():
    tf.config.list_logical_devices()  # this process has started TensorFlow, with one CPU
    with pytest.raises(distribute.MeshError, match=r"split_cpu\(4\).*before any shared"):
        distribute.split_cpu(4)
    with pytest.raises(distribute.MeshError, match="already initialized"):
        distribute.mesh(batch=4)


def test_mesh_and_layout_specs_are_checked():
    assert distribute.parse_mesh("batch=4, model=2") == {"batch": 4, "model": 2}
    assert distribute.parse_layouts("W=-:model,x=batch") == {"W": [None, "model"],
                                                             "x": ["batch"]}
    with pytest.raises(distribute.MeshError, match="axis=size"):
        distribute.parse_mesh("batch:4")
    with pytest.raises(distribute.MeshError, match="positive number"):
        distribute.mesh(batch=0)
    with pytest.raises(distribute.MeshError, match="does not have"):
        distribute.mesh(batch=1, layouts={"W": [None, "model"]})


def test_benchmark_rows_check_against_numpy():
    # tools/bench_mesh.py, tiny sizes: tfgraph on one device and on a 2-device
    # mesh, DTensor and MirroredStrategy by hand, each checked against NumPy.
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bench_mesh.py"),
                           "--devices", "2", "--quick", "--strategies", "--repeats", "1"],
                          cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, _failure("bench_mesh", done.stderr)
    rows = {r["system"]: r for r in json.loads(done.stdout)}
    assert set(rows) == {"tfgraph", "tfgraph, mesh batch=2", "tf.function", "tf DTensor, 2",
                         "tf Mirrored, 2"}
    for row in rows.values():
        assert row["status"] == "ok" and row["step_s"] > 0, row


def test_mesh_from_the_command_line():
    code = """
import numpy as np
from absl import app
import tfgraph as theano
import tfgraph.flags  # noqa: F401  (--mesh, --mesh_layouts)
from tfgraph import distribute

def main(argv):
    W = theano.shared(np.arange(12.0).reshape(3, 4), name="W")
    x = theano.tensor.matrix("x")
    f = theano.function([x], theano.tensor.dot(x, W).sum(), updates=[(W, W + 1)])
    print(distribute.current(), W.variable.spec, f(np.ones((4, 3))), W.get_value().sum())

app.run(main)
"""
    done = subprocess.run([sys.executable, "-c", code, "--mesh", "batch=2",
                           "--mesh_layouts", "W=-:batch"], cwd=ROOT, env=_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT_S)
    assert done.returncode == 0, _failure("absl app", done.stdout)
    # 4 rows of ones times W: 4 * sum(W) = 264; W + 1 sums to 66 + 12.
    assert done.stdout.strip().splitlines()[-1] == "batch=2 [None, 'batch'] 264.0 78.0"


def test_functions_follow_their_shared_variables_mesh():
    # A one-device mesh works in this process, whose TensorFlow has started.
    import tfgraph as theano
    mesh = distribute.mesh(batch=1)
    outside = theano.shared(np.ones(3), name="outside")
    x = theano.tensor.vector("x")
    with mesh:
        inside = theano.shared(np.arange(3.0), name="inside")
        with pytest.raises(distribute.MeshError, match="shared variable outside lives on one"):
            theano.function([x], (x * outside).sum())
    f = theano.function([x], (x * inside).sum(), updates=[(inside, inside * 2)])
    assert f.mesh is mesh and distribute.current() is None
    assert f(np.ones(3)) == 3.0 and np.array_equal(inside.get_value(), [0.0, 2.0, 4.0])
