"""Every configuration option, declared once (``theano.configdefaults``).

Theano 1.0.5's options come from the table in tfgraph/theano_options.py
(extracted from its configdefaults.py, and checked against it by
tests/theano/test_config_registry.py): each is declared here with Theano's kind,
default and allowed values, and with tfgraph's own check in place of each
check Theano names (``CHECKS``). Where Theano computes a default when it
starts (the C++ compiler it finds, cache directories), ``COMPUTED`` gives
tfgraph's value. tfgraph's own options follow. Which options change what
tfgraph does, and why the others change nothing: docs/legacy.md.
"""
import os
import platform
import re
import struct
import sys

from tfgraph.configparser import (AddConfigVar, BoolParam, Computed, ConfigParam, EnumStr,
                                  TypedParam, config)
from tfgraph.theano_options import OPTIONS as THEANO_OPTIONS

# The options that change what tfgraph does; the others are kept, read back
# and checked as Theano checks them, and change nothing (docs/legacy.md).
EFFECTIVE = ("floatX", "device", "mode", "xla", "compute_test_value", "on_unused_input",
             "conv.assert_shape", "unittests.rseed")

FLOAT_DTYPES = ("float16", "float32", "float64")
MODES = ("Mode", "FAST_RUN", "FAST_COMPILE", "DebugMode", "DEBUG_MODE", "NanGuardMode")
_DEVICE = re.compile(r"^(cpu|gpu|cuda)(\d*)$")


def floatX_convert(value):
    """'32' for 'float32', as Theano allows."""
    return {"16": "float16", "32": "float32", "64": "float64"}.get(value, value)


def check_device(value):
    """tfgraph places graphs on 'cpu', 'gpu' or 'cuda', each with an optional
    index (Theano 1.0 refused 'gpu', its removed back-end; tfgraph takes it
    as 'cuda')."""
    if not isinstance(value, str) or not _DEVICE.match(value):
        raise ValueError("device must be 'cpu', 'gpu', 'cuda', or one of those with an "
                         "index such as 'gpu0' or 'cuda1'")
    return value


def check_gpu_device(value):
    """Theano's init_gpu_device: empty, or a GPU's name (cuda*, opencl*)."""
    if value != "" and not str(value).startswith(("cuda", "opencl")):
        raise ValueError("valid values are '' or start with 'cuda' or 'opencl'")
    return value


def check_contexts(value):
    """Theano's multi-GPU map 'name->device;name2->device2'."""
    for entry in filter(None, str(value).split(";")):
        name, arrow, _ = entry.partition("->")
        if not arrow:
            raise ValueError(f"malformed context map entry {entry!r}")
        if name == "cpu" or name.startswith(("cuda", "opencl")):
            raise ValueError(f"cannot use {name!r} as a context name")
    return value


def check_mode(value):
    """A mode's name or a Mode object (tfgraph.compile.modes, if loaded:
    configuration is read before the compiler exists)."""
    modes = sys.modules.get("tfgraph.compile.modes")
    if value in MODES or (modes is not None and isinstance(value, modes.Mode)):
        return value
    raise ValueError(f"expected one of {MODES} or a Mode object")


def check_xla(value):
    """True, False, or None for "auto" (tfgraph.compile.xla)."""
    if value is None or (isinstance(value, str) and value.lower() == "auto"):
        return None
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false",
                                                     "no", "off"):
        return value.lower() in ("1", "true", "yes", "on")
    if isinstance(value, bool):
        return value
    raise ValueError("expected a boolean (true or false) or auto")


def refuse_removed(option, instead):
    """Theano's checks of removed options: any value but the empty one raises.
    (Theano's check returns True, which is then the option's value.)"""
    def check(value):
        if value:
            raise RuntimeError(f"The option `{option}` has been removed and should not be "
                               f"used anymore; use {instead} instead.")
        return True
    return check


def check_gpuarray_sync(value):
    if value not in (False, "False", "false", "0", 0, ""):
        raise RuntimeError("Flag gpuarray.sync is deprecated and will be removed in the next "
                           "Theano release.")
    return False


def check_seed(value):
    """An integer seed or 'random'."""
    if value != "random":
        int(value)
    return True


def check_preallocated_output(value):
    """':'-separated kinds of DebugMode's pre-allocated output checks."""
    kinds = ("initial", "previous", "c_contiguous", "f_contiguous", "strided", "wrong_size",
             "ALL", "")
    return isinstance(value, str) and all(part in kinds for part in value.split(":"))


def check_vm_lazy(value):
    for text, meaning in (("None", None), ("True", True), ("False", False)):
        if value == text or value is meaning:
            return meaning
    raise ValueError("expected None, False or True")


def expand_path(path):
    """A cache directory: ``~`` expanded. tfgraph compiles no C code, so it
    never creates one."""
    return os.path.expanduser(str(path))


CHECKS = {
    "floatX_convert": floatX_convert,
    "filter_mode": check_mode,
    "warn_cxx": lambda value: True,       # Theano only warns, and only on macOS
    "deprecated_gpuarray_sync": check_gpuarray_sync,
    "safe_no_dnn_workmem": refuse_removed("dnn.conv.workmem", "dnn.conv.algo_fwd"),
    "safe_no_dnn_workmem_bwd": refuse_removed(
        "dnn.conv.workmem_bwd", "dnn.conv.algo_bwd_filter and dnn.conv.algo_bwd_data"),
    "safe_no_dnn_algo_bwd": refuse_removed(
        "dnn.conv.algo_bwd", "dnn.conv.algo_bwd_filter and dnn.conv.algo_bwd_data"),
    "good_seed_param": check_seed,
    "is_valid_check_preallocated_output_param": check_preallocated_output,
    "filter_vm_lazy": check_vm_lazy,
    "filter_base_compiledir": expand_path,
    "filter_compiledir": lambda path: os.path.realpath(expand_path(path)),
    "lambda i: i in (0, 1, 2)": lambda i: i in (0, 1, 2),
    "lambda i: i > 0": lambda i: i > 0,
    "lambda i: i >= 0": lambda i: i >= 0,
    "lambda x: x": bool,
}


def local_bitwidth():
    """64 on a 64-bit machine, 32 on a 32-bit one (the size of a pointer)."""
    return struct.calcsize("P") * 8


def python_int_bitwidth():
    """The width of a C long, Python 2's int (Theano's tests read it)."""
    return struct.calcsize("l") * 8


def _cache_root():
    return os.path.join(os.path.expanduser("~"), ".theano")


def _compiledir():
    name = config.compiledir_format % {
        "short_platform": platform.platform(), "processor": platform.processor(),
        "python_version": platform.python_version(),
        "python_bitwidth": local_bitwidth()}
    return os.path.join(config.base_compiledir, re.sub(r"[()\s,]+", "_", name))


def _cuda_root():
    return os.environ.get("CUDA_ROOT") or os.environ.get("CUDA_PATH") or ""


# tfgraph's values for the defaults Theano computes at start-up.
COMPUTED = {
    "param": "",                          # cxx: no C++ compiler is used (Theano without g++)
    "lambda: bool(theano.config.cxx)": lambda: bool(config.cxx),   # DebugMode.check_c
    "get_cuda_root": _cuda_root,
    "default_cuda_include": lambda: os.path.join(config.cuda.root, "include")
    if config.cuda.root else "",
    "default_dnn_base_path": lambda: "",  # no cuDNN is loaded: TensorFlow brings its own
    "default_dnn_inc_path": lambda: "",
    "default_dnn_lib_path": lambda: "",
    "default_dnn_bin_path": lambda: "",
    "np.inf": float("inf"),
    "default_openmp": False,              # Theano's too: "disable it by default for now"
    "default_blas_ldflags": "",           # TensorFlow's kernels, not a BLAS Theano links
    "_timeout_default": lambda: config.compile.wait * 24,
    "default_compiledir_format": "compiledir_%(short_platform)s-%(processor)s-"
                                 "%(python_version)s-%(python_bitwidth)s",
    "default_base_compiledir": _cache_root,
    "default_compiledir": _compiledir,
    "lambda: os.path.join(config.compiledir, 'gpuarray_kernels')":
        lambda: os.path.join(config.compiledir, "gpuarray_kernels"),
}

_TYPES = {"int": int, "float": float, "str": str}


def theano_param(kind, default, values, check, allow_override):
    """The Param declaring one row of Theano's table."""
    if isinstance(default, Computed):
        default = COMPUTED[default.source]
    if kind == "enum":
        return EnumStr(default, *(v for v in values if v != default),
                       convert=CHECKS.get(check), allow_override=allow_override)
    if kind == "bool":
        return BoolParam(default, CHECKS.get(check), allow_override)
    if kind in _TYPES:
        return TypedParam(default, _TYPES[kind], CHECKS.get(check), allow_override)
    if kind == "contexts":
        return ConfigParam(default, check_contexts, allow_override)
    if kind == "device":
        return ConfigParam(default, check_gpu_device, allow_override)
    return ConfigParam(default, CHECKS.get(check), allow_override)


# Where tfgraph's option means more than Theano's (docs/legacy.md): tfgraph
# places graphs again when the device changes, so it may change at run time,
# and 'gpu' is taken as 'cuda'.
OWN = {"device": ConfigParam("cpu", check_device)}
HELP = {
    "floatX": "dtype of float tensors made without an explicit dtype",
    "device": "device for shared variables and compiled graphs: cpu, gpu, cuda, gpu0, "
              "cuda1, ...",
    "mode": "default compilation mode for function(): Mode (the same as FAST_RUN), "
            "FAST_RUN, FAST_COMPILE, DebugMode, NanGuardMode",
}

for _name, _kind, _default, _values, _check, _override, _in_c_key in THEANO_OPTIONS:
    AddConfigVar(_name, HELP.get(_name, "Theano 1.0.5's option: see docs/legacy.md"),
                 OWN.get(_name) or theano_param(_kind, _default, _values, _check, _override),
                 in_c_key=_in_c_key)

AddConfigVar("xla", "compile graphs with XLA (jit_compile=True): true, false, or auto (the "
                    "default: each function uses XLA for the input shapes where it is measured "
                    "to be faster; see docs/execution.md)", ConfigParam(None, check_xla), in_c_key=False)
# Theano 0.8/0.9's CUDA memory pool, gone from 1.0 but still set by many scripts.
AddConfigVar("lib.cnmem", "Theano 0.8's CUDA memory pool (no effect)",
             TypedParam(0.0, float), in_c_key=False)
