"""Checkpoints of shared variables (tfgraph.checkpoint), and training that
resumes after its process is killed."""
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

import tfgraph as theano
from tfgraph.checkpoint import CheckpointMismatchError, Checkpoints
from tfgraph._tf import tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _variables():
    return (theano.shared(np.arange(6.0).reshape(2, 3), name="layer0/W"),
            theano.shared(np.zeros(3, dtype="float32"), name="b"))


def test_save_keeps_the_last_n_and_restore_reads_the_latest_or_a_given_one(tmp_path):
    W, b = _variables()
    checkpoints = Checkpoints([W, b], tmp_path, max_to_keep=2)
    assert checkpoints.restore() is None and checkpoints.latest is None
    paths = []
    for step in (1, 2, 3):
        W.set_value(W.get_value() + 1)
        b.set_value(b.get_value() - step)
        paths.append(checkpoints.save(step))
    kept = sorted(f for f in os.listdir(tmp_path) if f.endswith(".index"))
    assert kept == ["ckpt-2.index", "ckpt-3.index"]
    final_W, final_b = W.get_value(), b.get_value()
    W.set_value(np.zeros((5, 5)))  # another shape: restore puts back the saved one
    with pytest.raises(CheckpointMismatchError, match="'layer0/W' is stored with shape"):
        checkpoints.restore()
    W.set_value(np.zeros((2, 3)))
    b.set_value(np.ones(3, dtype="float32"))
    # A new Checkpoints object, as in a new process, finds the latest.
    again = Checkpoints({"layer0/W": W, "b": b}, tmp_path, max_to_keep=2)
    assert again.restore() == 3
    np.testing.assert_array_equal(W.get_value(), final_W)
    np.testing.assert_array_equal(b.get_value(), final_b)
    assert again.restore(paths[1]) == 2
    np.testing.assert_array_equal(W.get_value(), final_W - 1)
    assert b.dtype == "float32" and b.get_value().dtype == np.float32


@pytest.mark.parametrize("case", ["dtype", "missing", "extra"])
def test_a_checkpoint_that_does_not_match_raises_naming_the_variable_and_changes_nothing(
        tmp_path, case):
    W, b = _variables()
    Checkpoints([W, b], tmp_path).save(1)
    if case == "dtype":
        b2 = theano.shared(np.ones(3), name="b")  # float64 where float32 was saved
        targets, expected = [W, b2], "'b' is stored as float32, but the shared variable is float64"
    elif case == "missing":
        b2 = theano.shared(np.ones(3, dtype="float32"), name="bias")
        targets, expected = [W, b2], "has no variable 'bias'; it holds \\['b', 'layer0/W'\\]"
    else:
        b2 = theano.shared(np.ones(3, dtype="float32"), name="unused")
        targets, expected = [W], "holds variables not asked for: \\['b'\\]"
    W.set_value(np.full((2, 3), 9.0))
    with pytest.raises(CheckpointMismatchError, match=expected):
        Checkpoints(targets, tmp_path).restore()
    np.testing.assert_array_equal(W.get_value(), np.full((2, 3), 9.0))
    assert b2.get_value()[0] == 1


def test_checkpoint_variables_need_distinct_names(tmp_path):
    with pytest.raises(ValueError, match="need names"):
        Checkpoints([theano.shared(1.0)], tmp_path)
    with pytest.raises(ValueError, match="two checkpoint variables are named 'W'"):
        Checkpoints([theano.shared(1.0, name="W"), theano.shared(2.0, name="W")], tmp_path)
    with pytest.raises(TypeError, match="shared variables"):
        Checkpoints({"W": np.ones(2)}, tmp_path)


ITERATIONS, POINTS = 80, 200


def _run_args(checkpoint_dir):
    return [sys.executable, "-u", "-m", "experiments.mlp_gaussian",
            f"--iterations={ITERATIONS}", f"--points={POINTS}", "--plot_dir=", "--logdir=",
            f"--checkpoint_dir={checkpoint_dir}"]


def _env():
    env = {k: v for k, v in os.environ.items() if k not in ("THEANO_FLAGS", "TFGRAPH_FLAGS")}
    env.update(PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    return env


def test_training_killed_with_sigkill_resumes_from_its_last_checkpoint(tmp_path):
    from experiments import mlp_gaussian
    directory = tmp_path / "ckpt"
    process = subprocess.Popen(_run_args(directory), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=_env())
    try:
        for line in process.stdout:
            if line.startswith("iteration 20/"):
                break
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()

    latest = tf.train.latest_checkpoint(str(directory))
    killed_at = int(latest.rsplit("-", 1)[1])
    # Killed mid-run: iteration 20 had printed, so 19 at least was saved.
    assert 19 <= killed_at < ITERATIONS
    # The latest checkpoint is whole: every value reads back, finite.
    reader = tf.train.load_checkpoint(latest)
    values = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
              if k.startswith("shared/")}
    assert len(values) == 8 and all(np.isfinite(v).all() for v in values.values())

    resumed = subprocess.run(_run_args(directory), capture_output=True, text=True, cwd=ROOT,
                             env=_env(), timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resumed from {latest} after iteration {killed_at}" in resumed.stdout
    ran = [(int(i), float(c)) for i, c in
           re.findall(r"iteration +(\d+)/\d+ +cost ([\d.]+)", resumed.stdout)]
    assert [i for i, _ in ran] == list(range(killed_at + 1, ITERATIONS + 1))

    # The same training, never interrupted, in this process.
    reference = mlp_gaussian.train_mlp(iterations=ITERATIONS, n_points=POINTS, verbose=False)
    for (iteration, cost) in ran:
        assert cost == pytest.approx(reference.costs[iteration - 1], abs=1e-4)
    final = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(directory)))
    assert final.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == ITERATIONS
    for name, var in reference.network.shared_variables.items():
        key = "shared/" + name.replace("/", ".S") + "/.ATTRIBUTES/VARIABLE_VALUE"
        np.testing.assert_allclose(final.get_tensor(key), var.get_value(), rtol=1e-10,
                                   err_msg=name)


def test_minimal_training_resumes_from_its_checkpoint(tmp_path):
    from experiments import minimal_training
    uninterrupted = minimal_training.train(steps=6, verbose=False)
    first = minimal_training.train(steps=2, verbose=False, checkpoint_dir=tmp_path)
    rest = minimal_training.train(steps=6, verbose=False, checkpoint_dir=tmp_path)
    assert first + rest == pytest.approx(uninterrupted, rel=1e-12)
    assert len(rest) == 4
