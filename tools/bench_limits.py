"""How far each benchmark row is from what this machine can do (tools/bench.py).

Each workload counts the work of one step (``step_cost()`` next to where it
defines its problem): the FLOPs of its matrix products, and a lower bound on
the bytes it moves. This module measures the machine's peaks in the same run,
a large GEMM (GFLOP/s, float32 and float64, NumPy or TensorFlow, whichever is
faster) and a large array copy (GB/s, bytes read plus bytes written), and
gives each timed row its ``limit``: the larger of FLOPs/s over the GEMM peak
of the workload's dtype and bytes/s over the copy bandwidth. A step near 1 is
bounded by arithmetic or memory; a step far below 1 by something else, such
as the cost of each call.
"""
import time

import numpy as np

GEMM_SIZE = 2048          # square float matrices: a second or two in all
COPY_BYTES = 256 * 2**20  # far beyond any cache
REPEATS = 3


# --- counting ----------------------------------------------------------------------

def step_cost(flops, nbytes, dtype):
    """What one step of a workload costs at least, as ``add_limits`` reads it."""
    return {"flops": int(flops), "bytes": int(nbytes), "dtype": str(np.dtype(dtype))}


def dense_flops(batch, sizes, input_grad=False):
    """FLOPs of the products of a chain of dense layers ``sizes[0] -> ... ->
    sizes[-1]`` over ``batch`` examples, forward and backward: each layer's
    product forward, its weight gradient, and the gradient of its input for
    every layer but the first (and the first too with ``input_grad``)."""
    flops = 0
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        products = 3 if i or input_grad else 2
        flops += products * 2 * batch * n_in * n_out
    return flops


def nbytes(*arrays):
    """Total bytes of arrays, or of lists of them."""
    return sum(nbytes(*a) if isinstance(a, (list, tuple)) else np.asarray(a).nbytes
               for a in arrays)


# --- the machine's peaks -------------------------------------------------------------

def _best_seconds(run, repeats=REPEATS):
    run()  # untimed: threads started, pages touched
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def gemm_peak(dtype, size):
    """(GFLOP/s, which library) of the faster of np.matmul and tf.linalg.matmul
    on two ``size`` x ``size`` matrices, on all cores, best of a few."""
    import tensorflow as tf
    rng = np.random.RandomState(0)
    a, b = (rng.rand(size, size).astype(dtype) for _ in range(2))
    ta, tb = tf.constant(a), tf.constant(b)
    out = np.empty_like(a)
    seconds = {"numpy": _best_seconds(lambda: np.matmul(a, b, out=out)),
               # .numpy(): the product is finished, not only dispatched
               "tensorflow": _best_seconds(lambda: tf.linalg.matmul(ta, tb).numpy())}
    library = min(seconds, key=seconds.get)
    return 2 * size ** 3 / seconds[library] / 1e9, library


def copy_bandwidth(copy_bytes=COPY_BYTES):
    """GB/s of np.copyto between two arrays of ``copy_bytes``, counting the
    bytes read and the bytes written, best of a few."""
    source = np.ones(copy_bytes // 8)
    target = np.zeros_like(source)
    return 2 * copy_bytes / _best_seconds(lambda: np.copyto(target, source), 5) / 1e9


def measure_peaks(size=GEMM_SIZE):
    gemm = {dtype: gemm_peak(dtype, size) for dtype in ("float32", "float64")}
    return {"gemm_gflops": {d: rate for d, (rate, _) in gemm.items()},
            "gemm_library": {d: library for d, (_, library) in gemm.items()},
            "gemm_size": size, "copy_gbs": copy_bandwidth(), "copy_bytes": COPY_BYTES}


# --- the column ----------------------------------------------------------------------

def add_limits(rows, cost, peaks):
    """Give every timed row its cost and ``limit``, the fraction of the machine's
    peak the row reaches; ``cost`` None (a workload not counted) leaves them out."""
    if cost is None:
        return
    flop_rate = peaks["gemm_gflops"][cost["dtype"]] * 1e9
    byte_rate = peaks["copy_gbs"] * 1e9
    for row in rows:
        if "step_s" not in row:
            continue
        by_flops = cost["flops"] / row["step_s"] / flop_rate
        by_bytes = cost["bytes"] / row["step_s"] / byte_rate
        row.update(flops=cost["flops"], bytes=cost["bytes"], limit=max(by_flops, by_bytes),
                   limit_bound="gemm" if by_flops >= by_bytes else "copy")


def fmt_limit(fraction):
    return "-" if fraction is None else f"{100 * fraction:.2g}%"


def describe_peaks(peaks):
    gemm = ", ".join(f"{d} {rate:.3g} ({peaks['gemm_library'][d]})"
                     for d, rate in peaks["gemm_gflops"].items())
    return (f"machine peak: GEMM {gemm} GFLOP/s on {peaks['gemm_size']}^2 matrices; copy "
            f"{peaks['copy_gbs']:.3g} GB/s (read + written); limit: a step's FLOPs/s or "
            "bytes/s as a fraction of these, whichever is larger")
