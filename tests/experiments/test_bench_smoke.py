"""Smoke test of tools/bench.py: quick mode, in this process, JSON output."""
import importlib.util
import json
import subprocess
import sys
import time
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
    # The limit column: the machine's peaks measured in the same run, and every
    # timed row of these (all counted) workloads a fraction of them.
    peaks = result["meta"]["peaks"]
    assert set(peaks["gemm_gflops"]) == {"float32", "float64"}
    assert all(rate > 0 for rate in peaks["gemm_gflops"].values()) and peaks["copy_gbs"] > 0
    assert set(peaks["gemm_library"].values()) <= {"numpy", "tensorflow"}
    header = next(line for line in table.splitlines() if line.startswith("workload"))
    assert "machine peak: GEMM float32" in table and " limit " in header
    for (workload, system), row in rows.items():
        if row["status"] == "ok":
            assert row["flops"] > 0 and row["bytes"] > 0, row
            assert 0 < row["limit"] <= 1.5, row
            assert row["limit_bound"] in ("gemm", "copy")


def test_mlp_large_step_cost_is_its_products_and_its_state(bench):
    cost = bench.make_problem("mlp-large").step_cost()
    # 4,096 points through 784-1024-1024-10: each layer's product forward and its
    # weight gradient, and the gradient of the two upper layers' inputs.
    forward = 2 * 4096 * (784 * 1024 + 1024 * 1024 + 1024 * 10)
    input_grads = 2 * 4096 * (1024 * 1024 + 1024 * 10)
    assert cost["flops"] == 2 * forward + input_grads == 39_174_799_360
    # float32 weights and biases, and as many velocities, each read and written;
    # X (784 x 4096) and one-hot Y (10 x 4096) read.
    state = 4 * 4 * (1024 * 784 + 1024 + 1024 * 1024 + 1024 + 10 * 1024 + 10)
    assert cost["bytes"] == state + 4 * 4096 * (784 + 10)
    assert cost["dtype"] == "float32"
    seed = bench.make_problem("seed").step_cost()  # 2 elements; W float64, x and target float32
    assert seed == {"flops": 12, "bytes": 2 * 16 + 8 + 4, "dtype": "float64"}


def test_limit_is_the_tighter_of_the_two_peaks():
    from tools.bench_limits import add_limits, fmt_limit
    peaks = {"gemm_gflops": {"float32": 100.0, "float64": 50.0}, "copy_gbs": 10.0}
    rows = [{"step_s": 1.0}, {"step_s": 0.5}, {"status": "error: no step"}]
    add_limits(rows, {"flops": 25e9, "bytes": 1e9, "dtype": "float64"}, peaks)
    assert rows[0]["limit"] == pytest.approx(0.5) and rows[0]["limit_bound"] == "gemm"
    assert rows[1]["limit"] == pytest.approx(1.0)   # twice as fast: twice the fraction
    assert "limit" not in rows[2]                   # untimed rows stay without one
    add_limits(rows[:1], {"flops": 1e9, "bytes": 8e9, "dtype": "float32"}, peaks)
    assert rows[0]["limit"] == pytest.approx(0.8) and rows[0]["limit_bound"] == "copy"
    uncounted = [{"step_s": 1.0}]
    add_limits(uncounted, None, peaks)
    assert uncounted == [{"step_s": 1.0}]
    assert fmt_limit(None) == "-" and fmt_limit(0.4123) == "41%"
    with pytest.raises(KeyError):  # a dtype with no measured peak is not guessed
        add_limits([{"step_s": 1.0}], {"flops": 1, "bytes": 1, "dtype": "int8"}, peaks)


def test_busy_meter_counts_the_workloads_subprocesses_as_its_own(bench):
    # mlp-large-mesh, memory and build-scaling run in subprocesses: their CPU
    # time is the benchmark's, not other processes' disturbing it.
    before = bench.own_cpu_s()
    subprocess.run([sys.executable, "-c",
                    "import time\nend = time.process_time() + 0.5\n"
                    "while time.process_time() < end: pass"], check=True)
    assert bench.own_cpu_s() - before >= 0.5


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc/stat")
def test_busy_meter_reads_the_machine_and_the_hypervisors_share(bench):
    # Steal: time the host gave these CPUs to other virtual machines, which
    # slows every system without showing as a process here.
    before_busy, before_steal = bench.machine_cpu_s()
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    after_busy, after_steal = bench.machine_cpu_s()
    assert after_busy - before_busy >= 0.15   # this test's own 0.2 s, in ticks
    assert after_steal >= before_steal >= 0


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
