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
from tfgraph.checkpoint import CheckpointDamagedError, CheckpointMismatchError, Checkpoints
from tfgraph._tf import tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


# --- damaged and missing files ------------------------------------------------------------

def _saved_steps(directory, steps=(5, 6, 7)):
    """Checkpoints of ``steps`` whose values are the step (W) and minus it (b)."""
    W, b = _variables()
    checkpoints = Checkpoints([W, b], directory, max_to_keep=5)
    for step in steps:
        W.set_value(np.full((2, 3), float(step)))
        b.set_value(np.full(3, -step, dtype="float32"))
        checkpoints.save(step)
    return W, b


def _restore_fresh(W, b, directory):
    """A new Checkpoints restoring into W and b (zeroed first): its step, or the error."""
    W.set_value(np.zeros((2, 3)))
    b.set_value(np.zeros(3, dtype="float32"))
    try:
        return Checkpoints({"layer0/W": W, "b": b}, directory, max_to_keep=5).restore()
    except Exception as error:  # noqa: BLE001  (each kind is checked by the caller)
        return error


def _holds(W, b, step):
    return np.all(W.get_value() == step) and np.all(b.get_value() == -step)


def test_a_damaged_or_missing_state_file_restores_the_newest_whole_checkpoint(tmp_path, caplog):
    W, b = _saved_steps(tmp_path)
    state = tmp_path / "checkpoint"
    data = state.read_bytes()
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-7")  # TensorFlow reads it
    for position in range(len(data)):
        for change in (0x01, 0xFF):
            damaged = bytearray(data)
            damaged[position] ^= change
            state.write_bytes(bytes(damaged))
            caplog.clear()
            result = _restore_fresh(W, b, tmp_path)
            assert result == 7 and _holds(W, b, 7), f"byte {position}: {result!r}"
            assert "the state file" in caplog.text and "ckpt-7" in caplog.text  # said
    state.unlink()
    assert _restore_fresh(W, b, tmp_path) == 7 and _holds(W, b, 7)
    # Saving again writes a whole state file.
    Checkpoints([W, b], tmp_path).save(8)
    caplog.clear()
    assert _restore_fresh(W, b, tmp_path) == 8 and not caplog.text


def test_without_a_state_file_the_newest_save_wins_not_the_highest_step(tmp_path):
    W, b = _saved_steps(tmp_path, steps=(5, 6, 7, 3))  # back to step 3, as after a restore(path)
    (tmp_path / "checkpoint").unlink()
    assert _restore_fresh(W, b, tmp_path) == 3 and _holds(W, b, 3)


@pytest.mark.parametrize("part", [".index", ".data-00000-of-00001"])
def test_a_damaged_checkpoint_raises_naming_it_and_changes_nothing(tmp_path, part):
    W, b = _saved_steps(tmp_path)
    path = tmp_path / ("ckpt-7" + part)
    data = path.read_bytes()
    raised = 0
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        path.write_bytes(bytes(damaged))
        result = _restore_fresh(W, b, tmp_path)
        if isinstance(result, CheckpointDamagedError):
            assert "ckpt-7 does not read back whole" in str(result)
            assert "the others kept, oldest first:" in str(result) and "ckpt-6" in str(result)
            assert _holds(W, b, 0), f"byte {position}: changed the variables"
            raised += 1
        else:  # a byte nothing reads (padding): what loads is as saved
            assert result == 7 and _holds(W, b, 7), f"byte {position}: {result!r}"
    assert raised > len(data) // 2
    path.write_bytes(data)
    assert _restore_fresh(W, b, tmp_path) == 7


def test_a_damaged_latest_without_a_state_file_is_not_passed_over_silently(tmp_path):
    W, b = _saved_steps(tmp_path)
    (tmp_path / "checkpoint").unlink()
    data = tmp_path / "ckpt-7.data-00000-of-00001"
    data.write_bytes(b"\0" * len(data.read_bytes()))
    result = _restore_fresh(W, b, tmp_path)
    assert isinstance(result, CheckpointDamagedError)
    assert "state file is missing" in str(result) and "ckpt-7" in str(result)
    assert "restore(path=" in str(result) and "ckpt-6" in str(result)
    assert Checkpoints([W, b], tmp_path).restore(str(tmp_path / "ckpt-6")) == 6
    assert _holds(W, b, 6)


def test_restore_returns_none_only_for_a_directory_without_checkpoints(tmp_path):
    W, b = _variables()
    assert Checkpoints([W, b], tmp_path / "absent").restore() is None
    (tmp_path / "checkpoint").write_text("garbage")
    (tmp_path / ".ckpt-3.tmp-1-ab").mkdir()  # what a save killed early leaves
    assert Checkpoints([W, b], tmp_path).restore() is None
    _saved_steps(tmp_path, steps=(3,))
    (tmp_path / "ckpt-3.index").unlink()
    with pytest.raises(CheckpointDamagedError, match="ckpt-3"):
        Checkpoints([W, b], tmp_path).restore()


def test_saving_the_latest_step_again_writes_a_new_checkpoint_before_dropping_the_old(tmp_path):
    W, b = _saved_steps(tmp_path, steps=(7,))
    W.set_value(np.full((2, 3), 70.0))
    path = Checkpoints([W, b], tmp_path).save(7)
    assert path.endswith("ckpt-7_2")
    assert sorted(f for f in os.listdir(tmp_path) if "ckpt" in f) == [
        "ckpt-7_2.data-00000-of-00001", "ckpt-7_2.index"]
    assert _restore_fresh(W, b, tmp_path) == 7 and np.all(W.get_value() == 70.0)
    assert Checkpoints([W, b], tmp_path).save(7).endswith("ckpt-7")  # the old name is free
