"""Smoke test of tools/bench.py: quick mode, in this process, JSON output."""
import importlib.util
import json
from pathlib import Path

import pytest

BENCH_PATH = Path(__file__).resolve().parents[2] / "tools" / "bench.py"
TF_ROWS = ("tf.function", "tf.function NumPy args", "tf concrete fn", "tf XLA",
           "tf XLA concrete fn")


@pytest.fixture(scope="module")
def bench():
    # Loaded by path: tools/ is not an installed package, and a `tools` module
    # elsewhere on sys.path must not be picked up instead.
    spec = importlib.util.spec_from_file_location("tfgraph_tools_bench", BENCH_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_quick(bench, capsys, *args):
    exit_code = bench.main(["--quick", "--json", *args])
    result = json.loads(capsys.readouterr().out)
    return exit_code, result, {(r["workload"], r["system"]): r for r in result["rows"]}


def test_numpy_and_tf_rows_agree_and_are_timed(bench, capsys):
    # Every row is checked against NumPy's steps before it is timed.
    step_workloads = [w for w in bench.WORKLOADS if w not in bench.SCALING_WORKLOADS]
    _, result, rows = run_quick(bench, capsys, "--systems", "numpy,tf,tfgraph",
                                "--workloads", ",".join(step_workloads))
    assert result["meta"]["quick"] is True
    for workload in step_workloads:
        epoch = workload in bench.EPOCH_WORKLOADS
        # The epoch and scan workloads have their own hand-written TF rows.
        tf_rows = (("tf concrete fn",) if epoch else
                   tuple(bench.bench_scan.TFScanTrainer.VARIANTS)
                   if workload in bench.bench_scan.SCAN_WORKLOADS else TF_ROWS)
        for system in ("numpy",) + tf_rows:
            row = rows[workload, system]
            assert row["status"] == "ok", row
            assert row["check"] == "ok"
            assert row["step_s"] > 0 and row["build_s"] >= 0 and row["first_call_s"] > 0
        for system in ("tfgraph",) if epoch else ("tfgraph", "tfgraph XLA"):
            assert rows[workload, system]["status"] == "ok", rows[workload, system]
            assert rows[workload, system]["check"] == "ok"
    for workload in ("seed", "mlp-small"):
        loop = rows[workload, "tfgraph loop, 5 steps"]
        assert loop["status"] == "ok" and loop["check"] == "ok", loop
    table = bench.format_table(result)
    assert "tf XLA" in table and "mlp-large" in table


def test_build_scaling_graphs_have_their_sizes_and_gradients():
    # In this process, tiny: the graphs build, compile and run, value and gradient.
    import numpy as np
    import tfgraph
    import tfgraph.tensor as T
    from tfgraph.graph import toposort
    from tools import bench_scaling
    for family in bench_scaling.FAMILIES:
        x, cost = bench_scaling.build_graph(T, tfgraph.shared, family, 60)
        assert 50 <= len(toposort([cost])) <= 70, family
        value, grad = tfgraph.function([x], [cost, T.grad(cost, x)])(np.ones(10))
        assert np.isfinite(value) and grad.shape == (10,) and np.isfinite(grad).all()
    times = bench_scaling.measure_build("tfgraph", "chain", 20, grad=True)
    assert times["build_s"] >= times["compile_s"] > 0 and times["first_call_s"] > 0


def test_memory_row_runs_in_a_fresh_process():
    from tools import bench_scaling
    row = bench_scaling._run_child(["memory", "tfgraph", "mlp-epoch"], quick=True)
    assert row["status"] == "ok", row
    assert 50 * 2**20 < row["peak_rss_bytes"] < 8 * 2**30


def test_pytensor_row(bench, capsys):
    # pytensor comes with the `bench` extra, which the test command installs.
    # The seed workload only: on a fresh machine PyTensor's numba compiles each
    # MLP for about 20 s before caching it on disk.
    exit_code, _, rows = run_quick(bench, capsys, "--systems", "numpy,pytensor",
                                   "--workloads", "seed")
    assert exit_code == 0
    assert rows["seed", "pytensor"]["status"] == "ok"
    assert rows["seed", "pytensor"]["step_s"] > 0


def test_rejects_unknown_workload(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(["--workloads", "nonesuch"])
