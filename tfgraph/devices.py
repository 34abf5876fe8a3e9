"""Mapping Theano device names (cpu, gpu, cuda1, ...) to TensorFlow devices."""
import contextlib
import re

from tfgraph.config import config
from tfgraph._tf import tf


class DeviceError(ValueError):
    """The requested device does not exist on this machine."""


def tf_device_name(device):
    """'cpu' -> '/device:CPU:0', 'gpu1' or 'cuda1' -> '/device:GPU:1'."""
    match = re.match(r"^(cpu|gpu|cuda)(\d*)$", device)
    if not match:
        raise DeviceError(f"unknown device {device!r}; use cpu, gpu, cuda, gpu0, cuda1, ...")
    kind = "CPU" if match.group(1) == "cpu" else "GPU"
    return f"/device:{kind}:{int(match.group(2) or 0)}"


def available_devices():
    return [d.name for d in tf.config.list_logical_devices()]


def resolve(device=None):
    """The TF device name for ``device`` (default config.device), checked to exist."""
    device = device or config.device
    name = tf_device_name(device)
    present = available_devices()
    if not any(p.upper().endswith(name.split("device:")[1].upper()) for p in present):
        raise DeviceError(
            f"device {device!r} ({name}) is not available; this machine has: "
            f"{', '.join(present)}. Set config.device, TFGRAPH_FLAGS=device=... or --device.")
    return name


@contextlib.contextmanager
def placement(device=None):
    """Run the body with ops and variables placed on ``device`` (default config.device)."""
    with tf.device(resolve(device)):
        yield
