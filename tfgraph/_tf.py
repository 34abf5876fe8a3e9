"""The one place tfgraph imports TensorFlow.

oneDNN kernels are much faster on these CPUs but TensorFlow only reads
TF_ENABLE_ONEDNN_OPTS at import time, so we turn it on here when we are the first
to import TensorFlow and the user has not chosen.

TensorFlow's C++ runtime greets every import with lines about oneDNN, CPU
instructions and missing CUDA drivers (and, when the runtime starts, a failed
``cuInit``), written straight to file descriptor 2 before its logging is set
up, so ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them. tfgraph passes what
TensorFlow writes to stderr through a filter while it imports TensorFlow and
starts its runtime: the known, harmless lines are dropped and every other line
goes through as it was written (on a CPU-only machine, importing tfgraph
lists the physical devices for this reason). ``TF_CPP_MIN_LOG_LEVEL=0`` (TensorFlow's "show
everything") turns the filter off.
"""
import contextlib
import os
import re
import sys
import threading

_ABSL_PREAMBLE = r"^WARNING: All log messages before absl::InitializeLog\(\) is called"
_NO_CUDA_DRIVERS = r"cudart_stub\.cc:\d+\] Could not find cuda drivers"
# Lines printed by the import itself, on any machine.
IMPORT_NOISE = (
    _ABSL_PREAMBLE,
    r"port\.cc:\d+\] oneDNN custom operations are on",
    _NO_CUDA_DRIVERS,
    r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized",
    r"^To enable the following instructions: .*rebuild TensorFlow",
)
# Printed when the devices are first listed: harmless only where the import
# already found no CUDA drivers (on a GPU machine it says the GPU is unusable).
NO_GPU_NOISE = (r"cuda_(platform|executor)\.cc:\d+\] failed call to cuInit",)


class StderrFilter:
    """While active, lines written to file descriptor 2 (by C++ or Python)
    matching one of ``patterns`` are dropped; all others are passed on to the
    original stderr as they arrive. ``seen`` collects the dropped lines."""

    def __init__(self, patterns):
        self.patterns = [re.compile(p) for p in patterns]
        self.seen = []

    def _forward(self, read_fd, out_fd):
        with os.fdopen(read_fd, "rb") as pipe:
            for line in pipe:
                text = line.decode("utf-8", "replace")
                if any(p.search(text) for p in self.patterns):
                    self.seen.append(text)
                else:
                    os.write(out_fd, line)

    @contextlib.contextmanager
    def active(self):
        try:
            sys.stderr.flush()
            saved = os.dup(2)
            read_fd, write_fd = os.pipe()
        except (OSError, ValueError, AttributeError):  # no usable fd 2: nothing to filter
            yield self
            return
        forwarder = threading.Thread(target=self._forward, args=(read_fd, saved), daemon=True)
        forwarder.start()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        try:
            yield self
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)  # closes the pipe's last write end: the forwarder ends
            forwarder.join(timeout=10)
            os.close(saved)


def _filtering():
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() != "0"


if "tensorflow" not in sys.modules:
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    _import_filter = StderrFilter(IMPORT_NOISE if _filtering() else ())
    with _import_filter.active():
        import tensorflow as tf  # noqa: E402
    if _filtering() and any(re.search(_NO_CUDA_DRIVERS, line) for line in _import_filter.seen):
        # Enumerating the physical devices calls cuInit, which fails loudly without
        # drivers; absl's app.run would do it first (tf.distribute registers a
        # callback). Do it now, quietly: logical devices can still be configured.
        with StderrFilter(NO_GPU_NOISE).active():
            tf.config.list_physical_devices()
else:
    import tensorflow as tf  # noqa: E402

__all__ = ["tf", "StderrFilter"]
