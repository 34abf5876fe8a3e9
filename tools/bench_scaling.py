"""How build time and memory grow: each measurement in a fresh subprocess, so
that caches, traces and peak memory of one case do not leak into the next.

  build-scaling  build (symbolic graph, ``function``) plus first call of graphs
                 of 1,000, 10,000 and 50,000 nodes, and of their gradients:
                   chain  a deep elementwise chain, y = tanh(y) * 0.9 repeated
                   mlp    an MLP of width 10, three nodes (dot, add, tanh) a
                          layer: 333 layers at 1,000 nodes, weights shared
                   sum    a wide sum of small terms, sqr(x - i) added up
                 tfgraph against PyTensor (default mode and C VM); the rows
                 give each time's growth over the next smaller size.
  memory         peak resident memory (VmHWM) of a process that builds and
                 runs a few steps of mlp-large and of mlp-epoch, tfgraph against
                 the step by hand in TensorFlow (its concrete function), and of
                 a process that only imports both (the floor).

A case that exceeds its time limit or fails (PyTensor's gradient recurses once a
level per node and overflows Python's stack on deep chains) is reported with its
status, not timed.
"""
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SCALING_WORKLOADS = ("build-scaling", "memory")
FAMILIES = ("chain", "mlp", "sum")
SIZES, QUICK_SIZES = (1000, 10000, 50000), (30, 90)
SCALING_SYSTEMS = {"tfgraph": "tfgraph", "pytensor": "pytensor", "pytensor-c": "pytensor C"}
MEMORY_CASES = ("mlp-large", "mlp-epoch")
# The 50,000-node MLP (33,333 shared variables) took 68 minutes to build and
# call once on a loaded 2-core machine: time enough for each case to finish.
TIME_LIMIT_S = 7200
ROOT = Path(__file__).resolve().parents[1]


# --- the graphs ---------------------------------------------------------------------

def build_graph(T, shared, family, nodes):
    """(input, scalar cost) of a graph of about `nodes` Apply nodes."""
    import numpy as np
    x = T.dvector("x")
    if family == "chain":
        y = x
        for _ in range(nodes // 2):
            y = T.tanh(y) * 0.9
    elif family == "mlp":
        rng = np.random.RandomState(0)
        y = x.dimshuffle("x", 0)  # one row of 10 features
        for _ in range(nodes // 3):
            W = shared(rng.uniform(-0.3, 0.3, (10, 10)))
            b = shared(np.zeros(10))
            y = T.tanh(T.dot(y, W) + b)
    elif family == "sum":
        y = T.sqr(x)
        for i in range(1, nodes // 3):
            y = y + T.sqr(x - float(i))
    else:
        raise ValueError(f"unknown family {family!r}")
    return x, y.sum()


def _library(system):
    if system == "tfgraph":
        import tfgraph as theano
        import tfgraph.tensor as T
        return theano, T, {}
    import pytensor as theano
    import pytensor.tensor as T
    return theano, T, ({"mode": "CVM"} if system == "pytensor-c" else {})


def measure_build(system, family, nodes, grad):
    import numpy as np
    theano, T, kwargs = _library(system)
    start = time.perf_counter()
    x, cost = build_graph(T, theano.shared, family, nodes)
    out = T.grad(cost, x) if grad else cost
    graph_s = time.perf_counter()
    f = theano.function([x], out, **kwargs)
    built = time.perf_counter()
    f(np.ones(10))
    called = time.perf_counter()
    return {"graph_s": graph_s - start, "build_s": built - start,
            "compile_s": built - graph_s, "first_call_s": called - built}


def peak_rss_bytes():
    """This process's peak resident memory. VmHWM rather than ru_maxrss: Linux
    carries ru_maxrss over from the parent across fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_memory(system, case):
    """Peak RSS after building and running a few steps of `case`."""
    sys.path.insert(0, str(ROOT))
    from tools import bench
    if case != "imports only":
        import tfgraph  # noqa: F401  (both systems import the same libraries)
        problem = bench.make_problem(case, quick=os.environ.get("BENCH_QUICK") == "1")
        group = "tf" if system.startswith("tf ") else "tfgraph"
        chosen = [s for s in bench.make_systems(problem, [group], quick=False)
                  if s.name == system]
        trainer = chosen[0]
        trainer.prepare()
        trainer.build()
        for _ in range(3):
            trainer.step()
    else:
        import tfgraph  # noqa: F401,F811
    return {"peak_rss_bytes": peak_rss_bytes()}


# --- running each case in its own process -------------------------------------------

def _run_child(args, quick):
    env = dict(os.environ, BENCH_QUICK="1" if quick else "0")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    limit = 300 if quick else TIME_LIMIT_S  # quick: TensorFlow's import on a busy machine
    try:
        done = subprocess.run([sys.executable, "-m", "tools.bench_scaling", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout: over {limit} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"error: {last[:200]}"}
    return dict(json.loads(lines[-1]), status="ok")


def run_build_scaling(groups, quick, log):
    sizes = QUICK_SIZES if quick else SIZES
    rows = []
    for family in FAMILIES:
        for grad in (False, True):
            for group, name in SCALING_SYSTEMS.items():
                if group not in groups:
                    continue
                previous = None
                for nodes in sizes:
                    case = f"{family} {nodes}{' grad' if grad else ''}"
                    log(f"build-scaling: {name}, {case}")
                    row = {"workload": "build-scaling", "system": f"{name}: {case}",
                           "library": name, "family": family, "nodes": nodes, "grad": grad}
                    if previous is not None and previous.get("status") != "ok":
                        row["status"] = "skipped: the smaller size failed"
                    else:
                        row.update(_run_child(["build", group, family, str(nodes),
                                               "grad" if grad else "value"], quick))
                    if row["status"] == "ok" and previous and previous["status"] == "ok":
                        total = row["build_s"] + row["first_call_s"]
                        row["growth"] = total / (previous["build_s"] + previous["first_call_s"])
                        row["status"] = (f"ok; {row['growth']:.3g}x the time of "
                                         f"{previous['nodes']} nodes")
                    rows.append(row)
                    previous = row
    _add_build_ratios(rows)
    return rows


def _add_build_ratios(rows):
    ours = {(r["family"], r["nodes"], r["grad"]): r for r in rows if r["library"] == "tfgraph"}
    for row in rows:
        mine = ours.get((row["family"], row["nodes"], row["grad"]))
        if mine and "build_s" in mine and "build_s" in row:
            row["tfgraph_over_this_build"] = ((mine["build_s"] + mine["first_call_s"])
                                              / (row["build_s"] + row["first_call_s"]))


def run_memory(groups, quick, log):
    if not {"tf", "tfgraph"} & set(groups):
        return []
    rows = []
    floor = _run_child(["memory", "tfgraph", "imports only"], quick)
    rows.append(dict(floor, workload="memory", system="imports only (tf + tfgraph)"))
    for case in MEMORY_CASES:
        tf_name = "tf concrete fn"
        found = {}
        for system in (tf_name, "tfgraph"):
            if ("tf" if system == tf_name else "tfgraph") not in groups:
                continue
            log(f"memory: {system}, {case}")
            row = dict(_run_child(["memory", system, case], quick), workload="memory",
                       system=f"{system}: {case}")
            found[system] = row
            rows.append(row)
        if all(found.get(s, {}).get("status") == "ok" for s in (tf_name, "tfgraph")):
            ratio = found["tfgraph"]["peak_rss_bytes"] / found[tf_name]["peak_rss_bytes"]
            found["tfgraph"]["tfgraph_over_this_memory"] = ratio
    for row in rows:
        if row.get("status") == "ok":
            row["status"] = f"ok; peak {row['peak_rss_bytes'] / 2**20:.0f} MiB" + (
                f", {row['tfgraph_over_this_memory']:.3g}x tf"
                if "tfgraph_over_this_memory" in row else "")
    return rows


def run_scaling_workload(workload, groups, quick, log):
    if workload == "build-scaling":
        return run_build_scaling(groups, quick, log)
    return run_memory(groups, quick, log)


def _child(argv):
    if argv[0] == "build":
        system, family, nodes, what = argv[1:]
        result = measure_build(system, family, int(nodes), what == "grad")
    else:
        result = measure_memory(argv[1], argv[2])
    print(json.dumps(result))


if __name__ == "__main__":
    _child(sys.argv[1:])
