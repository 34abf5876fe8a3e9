"""Theano 1.0's configuration options that tfgraph accepts beside its own.

Code of the Theano era reads and sets these (``theano.config.warn.
subtensor_merge_bug = False``, ``if theano.config.compute_test_value !=
'off'``, ``THEANO_FLAGS=optimizer=fast_compile,lib.cnmem=0.8``). Each has
Theano 1.0's default (from its ``configdefaults.py``) and the values Theano
allowed; ``EFFECTIVE`` are the ones that change what tfgraph does. The
others are kept and returned, and change nothing: docs/legacy.md says why
for each group.
"""

_BOOL = (True, False)


def _warn_default(version):
    """Theano's warn.* default: warn only about bugs fixed after version 0.9
    (its default ``warn.ignore_bug_before``)."""
    return tuple(int(p) for p in version.split(".")) > (0, 9)


# name -> (Theano 1.0's default, allowed values or None for any)
OPTIONS = {
    # Meaningful in tfgraph (see EFFECTIVE).
    "compute_test_value": ("off", ("off", "ignore", "warn", "raise", "pdb")),
    "on_unused_input": ("raise", ("raise", "warn", "ignore")),
    # Accepted, no effect: graph building, optimisation and code generation.
    "exception_verbosity": ("low", ("low", "high")),
    "optimizer": ("o4", ("o4", "o3", "o2", "o1", "unsafe", "fast_run", "fast_compile",
                         "merge", "None")),
    "optimizer_excluding": ("", None),
    "optimizer_including": ("", None),
    "optimizer_requiring": ("", None),
    "optimizer_verbose": (False, _BOOL),
    "on_opt_error": ("warn", ("warn", "raise", "pdb", "ignore")),
    "linker": ("cvm", ("cvm", "c|py", "py", "c", "c|py_nogc", "vm", "vm_nogc", "cvm_nogc")),
    "allow_gc": (True, _BOOL),
    "profile": (False, _BOOL),
    "profile_optimizer": (False, _BOOL),
    "profile_memory": (False, _BOOL),
    "cast_policy": ("custom", ("custom", "numpy+floatX")),
    "int_division": ("int", ("int", "raise", "floatX")),
    "deterministic": ("default", ("default", "more")),
    "warn_float64": ("ignore", ("ignore", "warn", "raise", "pdb")),
    "print_test_value": (False, _BOOL),
    "check_input": (True, _BOOL),
    "on_shape_error": ("warn", ("warn", "raise")),
    "traceback.limit": (8, None),
    "nocleanup": (False, _BOOL),
    "openmp": (False, _BOOL),
    "openmp_elemwise_minsize": (200000, None),
    "cxx": ("", None),
    "gcc.cxxflags": ("", None),
    "blas.ldflags": ("", None),
    "blas.check_openmp": (True, _BOOL),
    "compiledir": ("", None),
    "base_compiledir": ("", None),
    "cmodule.warn_no_version": (False, _BOOL),
    "cmodule.compilation_warning": (False, _BOOL),
    "numpy.seterr_all": ("ignore", ("ignore", "warn", "raise", "call", "print", "log", "None")),
    "tensor.cmp_sloppy": (0, None),
    "unpickle_function": (True, _BOOL),
    "reoptimize_unpickled_function": (False, _BOOL),
    "pickle_test_value": (True, _BOOL),
    "vm.lazy": (None, None),
    "scan.allow_gc": (False, _BOOL),
    "scan.allow_output_prealloc": (True, _BOOL),
    "scan.debug": (False, _BOOL),
    "NanGuardMode.nan_is_error": (True, _BOOL),
    "NanGuardMode.inf_is_error": (True, _BOOL),
    "NanGuardMode.big_is_error": (True, _BOOL),
    "NanGuardMode.action": ("raise", ("raise", "warn", "pdb")),
    "DebugMode.patience": (10, None),
    "DebugMode.check_c": (True, _BOOL),
    "DebugMode.check_py": (True, _BOOL),
    "DebugMode.check_finite": (True, _BOOL),
    "DebugMode.check_strides": (0, None),
    "profiling.n_apply": (20, None),
    "profiling.n_ops": (20, None),
    "profiling.destination": ("stderr", None),
    # Accepted, no effect: Theano's GPU back-ends (tfgraph: config.device).
    "init_gpu_device": ("", None),
    "force_device": (False, _BOOL),
    "print_active_device": (True, _BOOL),
    "contexts": ("", None),
    "gpuarray.sync": (False, _BOOL),
    "gpuarray.preallocate": (0.0, None),
    "gpuarray.sched": ("default", ("default", "multi", "single")),
    "gpuarray.single_stream": (True, _BOOL),
    "gpuarray.cache_path": ("", None),
    "cuda.root": ("", None),
    "cuda.include_path": ("", None),
    "dnn.enabled": ("auto", ("auto", "True", "False", "no_check")),
    "dnn.conv.algo_fwd": ("small", None),
    "dnn.conv.algo_bwd_data": ("none", None),
    "dnn.conv.algo_bwd_filter": ("none", None),
    "dnn.conv.precision": ("as_input_f32", None),
    "dnn.conv.workmem": ("", None),
    "dnn.conv.workmem_bwd": ("", None),
    "dnn.base_path": ("", None),
    "dnn.include_path": ("", None),
    "dnn.library_path": ("", None),
    "dnn.bin_path": ("", None),
    "magma.enabled": (False, _BOOL),
    "lib.amdlibm": (False, _BOOL),
    # Theano 0.8/0.9's CUDA memory pool, still set by many scripts.
    "lib.cnmem": (0.0, None),
    "warn.ignore_bug_before": ("0.9", None),
    # abstract_conv.assert_shape checks shapes only when this is set, as in Theano.
    "conv.assert_shape": (False, _BOOL),
}
for _name, _version in [("argmax_pushdown_bug", "0.3"), ("gpusum_01_011_0111_bug", "0.3"),
                        ("sum_sum_bug", "0.3"), ("sum_div_dimshuffle_bug", "0.3"),
                        ("subtensor_merge_bug", "0.5"), ("gpu_set_subtensor1", "0.6"),
                        ("signal_conv2d_interface", "0.7"), ("inc_set_subtensor1", "0.7"),
                        ("reduce_join", "0.7"),
                        ("round", "0.9"), ("inc_subtensor1_opt", "0.10"),
                        ("identify_1pexp_bug", "0.4.1")]:
    OPTIONS[f"warn.{_name}"] = (_warn_default(_version), _BOOL)
OPTIONS["warn.vm_gc_bug"] = (False, _BOOL)

# The options that change what tfgraph does (the rest are accepted and kept).
EFFECTIVE = ("compute_test_value", "on_unused_input", "conv.assert_shape")

SECTIONS = frozenset(name.rsplit(".", 1)[0] for name in OPTIONS if "." in name) | frozenset(
    ".".join(name.split(".")[:i]) for name in OPTIONS for i in range(1, name.count(".")))


def check(name, value):
    """``value`` converted to the option's kind, or ValueError naming the option."""
    default, allowed = OPTIONS[name]
    if isinstance(default, bool) and isinstance(value, str):
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            value = lowered in ("1", "true", "yes", "on")
    elif isinstance(default, (int, float)) and not isinstance(default, bool) \
            and isinstance(value, str):
        try:
            value = type(default)(value)
        except ValueError:
            raise ValueError(f"config.{name} must be a number, got {value!r}") from None
    if allowed is not None and value not in allowed:
        raise ValueError(f"config.{name} must be one of {allowed}, got {value!r}")
    return value
