"""The experiment runners, in-process with few iterations, and the command line once.

TensorBoard's own EventAccumulator reads the logs back: TF2 summaries arrive as tensors
(see tests/experiments/test_tensorboard_module.py).
"""
import os
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator as ea

import tfgraph as theano
from experiments import minimal_training, mlp_gaussian, theano_tutorial
from experiments.common import configured, format_float, fresh_logdir
from tfgraph._tf import tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SEED_OUTPUT = ["0.9", "8.54", "13.124", "15.8744", "17.52464", "18.514784", "19.1088704",
               "19.46532224", "19.679193344", "19.8075160064"]


def load(logdir):
    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.TENSORS: 0, ea.GRAPH: 0})
    acc.Reload()
    return acc


def read_scalars(acc, tag):
    return [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]


def node_names(acc):
    return [node.name for node in acc.Graph().node]


# --- seed 000 ------------------------------------------------------------------------------

def test_minimal_training_prints_the_seed_values(tmp_path, capsys):
    outputs = minimal_training.train(logdir=tmp_path)
    assert capsys.readouterr().out.split() == SEED_OUTPUT
    np.testing.assert_allclose(outputs, [float(v) for v in SEED_OUTPUT], rtol=0, atol=1e-9)

    acc = load(tmp_path)
    assert acc.Tags()["graph"]
    names = node_names(acc)
    assert {"x", "target"} <= set(names)
    assert any(n.startswith("W/") for n in names)
    assert [step for step, _ in read_scalars(acc, "y")] == list(range(1, 11))
    np.testing.assert_allclose([v for _, v in read_scalars(acc, "y")], outputs, atol=1e-9)
    assert acc.SummaryMetadata("W").plugin_data.plugin_name == "histograms"


def test_minimal_training_flags_change_the_run(capsys):
    outputs = minimal_training.train(steps=3, learning_rate=0.05, target=10.0)
    # y = W.sum() with x = [1, 1]; each step moves W.sum() by 2 * 0.05 * 2 * (10 - y).
    expected, y = [], 0.9
    for _ in range(3):
        expected.append(y)
        y += 0.2 * (10.0 - y)
    np.testing.assert_allclose(outputs, expected, atol=1e-9)
    assert capsys.readouterr().out.split() == [format_float(v) for v in outputs]


def test_format_float_is_python2_print():
    assert format_float(0.8999999999999999) == "0.9"
    assert format_float(19.8075160064) == "19.8075160064"
    assert format_float(np.float64(13.124000000000002)) == "13.124"


# --- seed 001: the tutorial ----------------------------------------------------------------

def test_tutorial_runs_every_cell(tmp_path, capsys):
    floatX_before = theano.config.floatX
    results = theano_tutorial.run_tutorial(plot_dir=tmp_path, iterations=2)
    out = capsys.readouterr().out

    headers = [line.split(":")[0] for line in out.splitlines() if line.startswith("In [")]
    assert headers == [f"In [{n}]" for n in range(1, 25)]
    for text in ["(foo ** TensorConstant{2})", "TensorType(float64, scalar)",
                 "[array([18., 37.]), array(91.)]", "[array([14., 32.]), array(91.)]",
                 "<TensorType(float64, matrix)>",
                 "shared_var before subtracting [[1, 1], [1, 1]] using function_2:",
                 "shared_var after calling function_2:", "Out[12]: 20.0", "nan",
                 "<TensorType(float64, vector)>", "<TensorType(float32, vector)>"]:
        assert text in out, text
    assert float(results["f(3)"]) == 9.0
    np.testing.assert_array_equal(results["shared_after"], [[2, 3], [1, 0]])
    assert float(results["bar_grad"]) == 20.0
    np.testing.assert_array_equal(results["jacobian"], [[9, 8, 7], [4, 5, 6]])
    assert np.isnan(results["0/0"])
    # DebugMode refuses the NaN and says which op made it.
    assert isinstance(results["debugmode_error"], FloatingPointError)
    assert "DebugMode" in out and "(num / den)" in out
    assert (results["trap"], results["trap_fixed"]) == (
        "<TensorType(float64, vector)>", "<TensorType(float32, vector)>")
    # Cell 17 set floatX; the runner put it back.
    assert theano.config.floatX == floatX_before
    # Cells 22 and 24: the data and one plot per iteration.
    assert sorted(os.listdir(tmp_path)) == ["data.png", "iteration_01.png", "iteration_02.png"]
    assert "Cost: 337.385, Accuracy: 0.464" in out
    assert len(results["costs"]) == 2


def test_tutorial_under_float32_shows_theanos_downcast_errors(capsys):
    """The notebook assumes floatX=float64: with float32, the cells passing int64 arrays are
    refused as Theano refused them; the runner shows the error and goes on."""
    with configured(floatX="float32"):
        results = theano_tutorial.run_tutorial(plot_dir=None, iterations=1)
        assert theano.config.floatX == "float32"
    out = capsys.readouterr().out
    # Cell 7's int64 default is refused when its function is built (Theano 1.0.5
    # function_module.py: the default goes into the input's container, which filters
    # it); cells 11 and 13 pass int64 arrays to a call.
    assert out.count("TypeError: default value of input b: TensorType(float32)") == 1
    assert out.count("TypeError: Bad input argument") == 2
    assert results["jacobian"] is None and "In [24]:" in out
    assert results["trap"] == "<TensorType(float64, vector)>"


# --- seed 001: the MLP -----------------------------------------------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_reference(iterations, seed=0, N=1000, hidden=4, learning_rate=0.01, momentum=0.9):
    """The tutorial's data drawn from NumPy 2's Generator as experiments.mlp_gaussian draws
    them, and its training in NumPy (numpy_training)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, N)
    means = np.array([[-1, 1], [-1, 1]])
    covariances = rng.random((2, 2)) + 1
    X = np.vstack([rng.standard_normal(N) * covariances[0, y] + means[0, y],
                   rng.standard_normal(N) * covariances[1, y] + means[1, y]])
    sizes = [2, hidden, 1]
    params = []
    for n_input, n_output in zip(sizes[:-1], sizes[1:]):
        params += [rng.standard_normal((n_output, n_input)), np.ones((n_output, 1))]
    costs, accuracies = numpy_training(X, y, params, iterations, learning_rate, momentum)
    return X, y, costs, accuracies


def numpy_training(X, y, params, iterations, learning_rate=0.01, momentum=0.9):
    """The tutorial's training of its 2-layer sigmoid MLP in NumPy, float64: manual
    backprop, momentum as the tutorial writes it (step with the old update, then mix the
    new gradient into it). `params` is [W0, b0, W1, b1], the biases as columns. Returns
    each iteration's cost (before its update) and accuracy (after it)."""
    steps = [np.zeros_like(p) for p in params]
    costs, accuracies = [], []
    for _ in range(iterations):
        W0, b0, W1, b1 = params
        h = sigmoid(W0 @ X + b0)
        out = sigmoid(W1 @ h + b1)
        costs.append(np.sum((out - y) ** 2))
        d_z1 = 2 * (out - y) * out * (1 - out)
        d_z0 = (W1.T @ d_z1) * h * (1 - h)
        grads = [d_z0 @ X.T, d_z0.sum(axis=1, keepdims=True),
                 d_z1 @ h.T, d_z1.sum(axis=1, keepdims=True)]
        params = [p - learning_rate * s for p, s in zip(params, steps)]
        steps = [momentum * s + (1 - momentum) * g for s, g in zip(steps, grads)]
        W0, b0, W1, b1 = params
        out = sigmoid(W1 @ sigmoid(W0 @ X + b0) + b1)
        accuracies.append(np.mean((out.ravel() > .5) == y))
    return costs, accuracies


ITERATIONS = 5


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlp")
    result = mlp_gaussian.train_mlp(iterations=ITERATIONS, plot_dir=root / "plots",
                                    logdir=root / "logs", verbose=False)
    return result, root


def test_mlp_matches_numpy_reference(mlp_run):
    result, _ = mlp_run
    X, y, costs, accuracies = numpy_reference(ITERATIONS)
    np.testing.assert_array_equal(result.X, X)
    np.testing.assert_array_equal(result.y, y)
    np.testing.assert_allclose(result.costs, costs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.accuracies, accuracies, rtol=0, atol=1e-12)
    assert max(result.accuracies[1:]) > result.accuracies[0]
    assert result.accuracies[-1] > result.accuracies[0]


def test_mlp_plots(mlp_run):
    result, root = mlp_run
    names = sorted(os.listdir(root / "plots"))
    assert names == (["data.png"] + [f"iteration_{i:02d}.png"
                                     for i in range(1, ITERATIONS + 1)] + ["summary.png"])
    assert len(result.plots) == len(names)
    for name in names:
        image = matplotlib.image.imread(root / "plots" / name)
        expected = (1000, 1200) if name == "summary.png" else (800, 800)
        assert image.shape[:2] == expected, name
        assert image[..., :3].std() > 0.05, name  # not blank


def test_mlp_tensorboard_logs(mlp_run):
    result, root = mlp_run
    acc = load(root / "logs")
    assert acc.Tags()["graph"]
    names = node_names(acc)
    assert "mlp_input" in names and "mlp_target" in names
    for scope in ("W", "b", "layer0", "layer1", "squared_error"):
        assert any(n.startswith(scope + "/") for n in names), scope
    assert any(n.startswith("gradient_tape/") for n in names)

    steps = list(range(1, ITERATIONS + 1))
    assert [step for step, _ in read_scalars(acc, "cost")] == steps
    # Summaries store float32.
    assert [v for _, v in read_scalars(acc, "cost")] == pytest.approx(result.costs)
    assert [v for _, v in read_scalars(acc, "accuracy")] == pytest.approx(result.accuracies)
    for tag, size in [("layer0/W", 8), ("layer0/b", 4), ("layer1/W", 4), ("layer1/b", 1),
                      ("momentum/layer0/W", 8), ("momentum/layer1/b", 1)]:
        assert acc.SummaryMetadata(tag).plugin_data.plugin_name == "histograms", tag
        events = acc.Tensors(tag)
        assert [e.step for e in events] == steps
        assert tf.make_ndarray(events[-1].tensor_proto)[:, 2].sum() == size


def test_mlp_graph_has_one_scope_per_layer(mlp_run):
    _, root = mlp_run
    tops = {n.split("/")[0] for n in node_names(load(root / "logs"))}
    assert not any(t.startswith(("layer0_", "layer1_", "squared_error_")) for t in tops), tops


def test_mlp_float32_and_config_restored():
    floatX_before = theano.config.floatX
    result = mlp_gaussian.train_mlp(iterations=3, floatX="float32", hidden=[3, 2],
                                    verbose=False)
    assert theano.config.floatX == floatX_before
    assert [p.dtype for p in result.network.mlp.params] == ["float32"] * 6
    assert result.output.dtype == np.float32 and result.output.shape == (1, 1000)
    assert np.all(np.isfinite(result.costs))


def test_configured_and_fresh_logdir(tmp_path):
    before = theano.config.floatX
    with configured(floatX="float16" if before != "float16" else "float32"):
        assert theano.config.floatX != before
    assert theano.config.floatX == before
    stale = tmp_path / "events.out.tfevents.123.host.0.v2"
    other = tmp_path / "notes.txt"
    stale.write_text("old")
    other.write_text("keep")
    assert fresh_logdir(tmp_path) == str(tmp_path)
    assert not stale.exists() and other.exists()


# --- the command line, once --------------------------------------------------------------------

def test_python_m_experiments(tmp_path):
    """`python -m experiments` end to end (absl flags, every runner, the final summary)."""
    out_dir = tmp_path / "runs"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments", "--iterations=2", f"--output_dir={out_dir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    lines = out.splitlines()
    start = lines.index(next(l for l in lines if l.startswith("Seed 000"))) + 2
    assert lines[start:start + 10] == SEED_OUTPUT
    assert "In [24]:" in out and "iteration  2/2" in out
    assert f"tensorboard --logdir {out_dir / 'logs'}" in out
    assert sorted(os.listdir(out_dir / "logs")) == ["minimal_training", "mlp_gaussian"]
    assert len(os.listdir(out_dir / "plots" / "mlp_gaussian")) == 4  # data, 2 iterations, summary
