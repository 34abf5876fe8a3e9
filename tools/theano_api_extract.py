"""Write tools/theano_api.txt, the list of Theano 1.0's modules and their public
names, from a Theano 1.0.5 source tree (not needed to run tools/api_coverage.py)::

    python tools/theano_api_extract.py /path/to/Theano-1.0.5/theano > tools/theano_api.txt

Every module under ``theano/`` but the tests is listed. A module tfgraph
leaves out whole (GPU back ends, C code, the optimizer's machinery,
developer scripts) is one line with its reason (``MODULE_REASONS``). For
the others, a module's public names are what ``from module import *`` would
give a user: its ``__all__`` if it has one; else its top-level functions,
classes and assignments not starting with ``_`` (those under a top-level
``if`` or ``try`` too), and, for a package's ``__init__``, the names it
imports (``import *`` expanded). Names are then sorted into those tfgraph
provides and those left out on purpose, with the reason (see ``REASONS``).
"""
import ast
import os
import re
import sys

_C = "C code generation, compilation and its cache: tfgraph generates no C code"
_OPTIMIZER = ("Theano's graph optimizer and its rewrites: TensorFlow's graph optimizer "
              "(Grappler) and tfgraph's few compile-time rewrites take its place")
_GPU = "GPU-only (Theano's own CUDA back-end): tfgraph runs whole graphs on a GPU instead"
_SCRIPT = "a developer script of Theano's, run from the command line, not imported by users"
# Modules left out whole: (module or package, reason). The first prefix that matches wins.
MODULE_REASONS = [
    ("theano.gpuarray", _GPU), ("theano.sandbox.cuda", _GPU),
    ("theano.misc.burn_gpu", _GPU), ("theano.misc.check_multi_gpu", _GPU),
    ("theano.misc.latence_gpu_transfert", _GPU),
    ("theano.gof.callcache", _C), ("theano.gof.cc", _C), ("theano.gof.cmodule", _C),
    ("theano.gof.compiledir", _C), ("theano.gof.compilelock", _C), ("theano.gof.cutils", _C),
    ("theano.gof.lazylinker_c", _C), ("theano.tensor.blas_c", _C),
    ("theano.tensor.blas_headers", _C), ("theano.tensor.elemwise_cgen", _C),
    ("theano.tensor.inc_code", _C), ("theano.scan_module.scan_perform_ext", _C),
    ("theano.gof.params_type", "the parameters of Theano's C ops: " + _C),
    ("theano.gof.link", "Theano's linkers, which run its compiled graphs: tfgraph's graphs run "
                        "as one TensorFlow function"),
    ("theano.gof.vm", "Theano's virtual machine, which runs its compiled graphs: tfgraph's "
                      "graphs run as one TensorFlow function"),
    ("theano.gof.destroyhandler", "the bookkeeping of Theano's in-place optimizations: "
                                  "TensorFlow manages memory itself"),
    ("theano.gof.optdb", _OPTIMIZER), ("theano.gof.sched", _OPTIMIZER),
    ("theano.gof.unify", _OPTIMIZER), ("theano.tensor.opt_uncanonicalize", _OPTIMIZER),
    ("theano.tensor.nnet.opt", _OPTIMIZER), ("theano.scan_module.scan_opt", _OPTIMIZER),
    ("theano.tensor.blas", "the BLAS ops Theano's optimizer puts in place of dot (Gemm, Gemv, "
                           "Ger, Dot22): TensorFlow's MatMul and oneDNN take their place"),
    ("theano.tensor.blas_scipy", "the SciPy BLAS ops Theano's optimizer puts in place of dot: "
                                 "TensorFlow's MatMul takes their place"),
    ("theano.compile.profiling", "Theano's profiler: TensorFlow's profiler (TensorBoard) "
                                 "profiles tfgraph's graphs"),
    ("theano.compile.sandbox", "an empty package of Theano's"),
    ("theano.d3viz", "Theano's interactive HTML view of a compiled graph: tfgraph's graphs "
                     "are shown by TensorBoard (tfgraph.tensorboard.write_graph)"),
    ("theano.typed_list", "typed lists of variables as variables: tfgraph has no list-valued "
                          "variables (a Python list of variables serves)"),
    ("theano._version", "Theano's release number (tfgraph's is tfgraph.__version__)"),
    ("theano.version", "Theano's release number (tfgraph's is tfgraph.__version__)"),
    ("theano.pathparse", "parses the paths Theano searches for its C compiler: " + _C),
    ("theano.misc.windows", "subprocess helpers for compiling C code on Windows: " + _C),
    ("theano.misc.cpucount", "counts CPUs for Theano's OpenMP C code: " + _C),
    ("theano.misc.strutil", "string templates for Theano's C code: " + _C),
    ("theano.misc.frozendict", "a container of Theano's graph internals"),
    ("theano.misc.ordered_set", "a container of Theano's graph internals"),
    ("theano.misc.buildbot_filter", _SCRIPT), ("theano.misc.check_blas", _SCRIPT),
    ("theano.misc.check_duplicate_key", _SCRIPT), ("theano.misc.elemwise_openmp_speedup", _SCRIPT),
    ("theano.misc.elemwise_time_test", _SCRIPT), ("theano.misc.gh_api", _SCRIPT),
    ("theano.misc.doubleop", "the example op of Theano's documentation on writing ops"),
    ("theano.sandbox.minimal", "the example op of Theano's documentation on writing ops"),
    ("theano.sparse.sandbox.test_sp", "a module of Theano's own tests"),
    ("theano.sparse.sandbox", "experimental in Theano (sparse convolutions, random sparse "
                              "matrices, a sparse-sparse dot), not part of its API"),
    ("theano.tensor.io", "memory-mapped loading (LoadFromDisk) and MPI send/receive ops: "
                         "tf.data and tf.distribute serve tfgraph's programs"),
    ("theano.tensor.fourier", "Theano's deprecated NumPy-backed FFT op: theano.tensor.fft "
                              "replaces it"),
    ("theano.sandbox.fourier", "Theano's deprecated NumPy-backed FFT ops: theano.tensor.fft "
                               "replaces them"),
    ("theano.sandbox.linalg.ops", "hints (psd, ...) for Theano's rewrites of linear algebra, "
                                  "which tfgraph does not make; theano.sandbox.linalg has psd "
                                  "and spectral_radius_bound"),
]
# The reason for any name of these modules that tfgraph leaves out (its
# other names are provided).
MODULE_NAME_REASONS = {
    "theano.configdefaults": "a helper of Theano's own declarations of its options: tfgraph "
                             "declares the same options in tfgraph/configdefaults.py",
    "theano.configparser": "tfgraph reads no .theanorc file: options come from THEANO_FLAGS, "
                           "TFGRAPH_FLAGS and assignments",
    "theano.tensor.opt": _OPTIMIZER,
    "theano.gof.opt": _OPTIMIZER,
    "theano.tensor.nnet.sigm": "a helper of Theano's sigmoid rewrites: " + _OPTIMIZER,
    "theano.gof.toolbox": "a feature of FunctionGraph for Theano's optimizer: " + _OPTIMIZER,
    "theano.gof.utils": "a helper of Theano's graph unification, which its optimizer uses",
    "theano.compile.function_module": "Theano's function-building internals (FunctionMaker's "
                                      "storage, aliasing and deep copies): tfgraph compiles a "
                                      "function into one TensorFlow graph",
    "theano.compile.mode": "Theano's optimizer database and its queries: " + _OPTIMIZER,
    "theano.compile.debugmode": "DebugMode's checks of Theano's C against its Python code, of "
                                "its destroy and view maps and of its rewrites: tfgraph's "
                                "DebugMode checks values (InvalidValueError)",
    "theano.compile.nanguardmode": "a NumPy helper of Theano's NanGuardMode, which checks "
                                   "values in Python; tfgraph's checks are in the graph",
    "theano.scan_module.scan_utils": "an internal of Theano's Scan construction and its "
                                     "rewrites",
}

# Left out on purpose: (pattern on the name, reason). First match wins.
REASONS = [
    (r"(?i)gpu|cuda|cudnn|dnn|pygpu|_gpu", "GPU-only (TensorFlow places ops itself)"),
    (r"(?i)inplace|_inplace$", "in-place variant: an optimizer internal"),
    (r"^(local_|opt_|register_|optdb|Opt|.*_opt$|.*Optimizer$|.*optimizer$)",
     "graph-optimizer internals (TensorFlow optimises the graph)"),
    (r"^(c_|CLinker|OpWiseCLinker|DualLinker|.*Linker$|.*linker$|VM|Stack|cmodule)",
     "C code generation and linkers"),
    (r"^(absolute_import|print_function|division|izip|xrange|imap|ifilter|builtins|"
     r"python_all|python_any|python_complex|integer_types|string_types|PY3|"
     r"reduce|partial|OrderedDict|izip_longest|StringIO|BytesIO|cPickle|copyreg)$",
     "Python 2 compatibility or a standard-library import"),
    (r"^(np|numpy|theano|logging|warnings|sys|os|time|copy|gof|scal|elemwise|config|"
     r"logger|_logger|__docformat__|__authors__|__copyright__|__license__|__contact__|"
     r"basic|opt|blas|blas_c|blas_scipy|opt_uncanonicalize|sharedvar|io|printing|"
     r"pprint|pp|tensor|integer_types|scalar|compile|sandbox|utils)$",
     "a module or helper imported there, not an API of its own"),
    (r"(?i)profil", "Theano's profiler (use TensorFlow's profiler)"),
    (r"^(Grad$|GradOp$|ProfileMode|ProfileStats|DeepCopyOp|deep_copy_op|ViewOp|view_op|"
     r"OutputGuard|_output_guard|Rebroadcast$|Shape_i|shape_i|register_.*_c_code|"
     r"SpecifyShape|specify_shape|FromFunctionOp|as_op|Composite|CAReduceDtype|"
     r"Elemwise|DimShuffle|CAReduce|MakeVector|make_vector|Alloc$|AllocEmpty|Split$|"
     r"Join$|ARange|TensorFromScalar|ScalarFromTensor|scalar_from_tensor|"
     r"tensor_from_scalar|PermuteRowElements|Argmax|MaxAndArgmax|Mean|Sum|Prod|All|Any|"
     r"Nonzero$|Tile|Tri$|Eye$|Flatten|Reshape|Subtensor|IncSubtensor|"
     r"AdvancedSubtensor1?|AdvancedIncSubtensor1?|AdvancedBoolean.*|Default|Dot$)",
     "an Op class of Theano's graph: tfgraph has its own ops behind the same functions"),
    (r"^(ConvOp|conv3D|Conv3D|conv3d2d|Corr|BaseCorr|CorrMM|Corr3dMM|"
     r"Pool.*Grad|DownsampleFactorMaxGradGrad|MaxPoolGrad|AveragePoolGrad|"
     r"PoolGrad|pool_2d_same_size|max_pool_2d_same_size_grad|CrossentropySoftmax1HotWithBiasDx|"
     r"CrossentropyCategorical1HotGrad|crossentropy_categorical_1hot_grad|"
     r"crossentropy_softmax_1hot_with_bias_dx|SoftmaxGrad|softmax_grad|"
     r".*Grad$|.*_grad$|.*GradInputs$|.*GradWeights$)",
     "a gradient's Op: gradients come from TensorFlow's tape"),
]
# Names TensorFlow has no counterpart for, or that Theano itself deprecated.
SPECIFIC = {
    "jv": "no TensorFlow kernel for Bessel functions of arbitrary order",
    "iv": "no TensorFlow kernel for Bessel functions of arbitrary order",
    "transfer": "device transfer: TensorFlow places tensors itself",
    "register_transfer": "device transfer: TensorFlow places tensors itself",
    "bartlett_": "an op instance kept for unpickling",
    "fill_diagonal_": "an op instance kept for unpickling",
    "fill_diagonal_offset_": "an op instance kept for unpickling",
    "numpy_diagonal_return_view": "a NumPy feature probe",
    "check_equal_numpy": "a helper of Theano's own tests",
    "constant_cache": "a constant-folding cache of Theano's graph",
    "alloc_validate_shape": "an internal of Alloc",
    "get_scalar_constant_value_elemwises": "an internal of get_scalar_constant_value",
    "values_eq_approx_always_true": "an internal of Theano's DebugMode",
    "min_informative_str": "a printing helper of Theano's DebugMode",
    "TensorConstantSignature": "a constant-merging internal",
    "constructor": "a decorator for Theano's documentation",
    "is_flat": "an internal of flatten",
    "makeKeepDims": "an internal of keepdims",
    "check_and_normalize_axes": "an internal of reductions",
    "div_proxy": "Python 2 division operator",
    "int32": "a NumPy alias imported there",
    "int32_t": "a C type for Theano's ParamsType",
    "Generic": "Theano's generic (non-tensor) type",
    "ParamsType": "Theano's C op parameters",
    "numpy_scalar": "an internal of get_scalar_constant_value",
    "x": "a module-level probe array, not an API",
    "sparse_module_ref": "a reference to theano.sparse, which tfgraph does not provide",
    "LoadFromDisk": "theano.tensor.io's memory-mapped loading op",
    "load": "theano.tensor.io's memory-mapped loading op",
    "Container": "Theano's function storage internals",
    "FunctionGraph": "Theano's graph-rewriting structure (TensorFlow rewrites the graph)",
    "FunctionMaker": "Theano's function storage internals",
    "OpenMPOp": "Theano's ops with OpenMP C code: tfgraph generates no C code",
    "toolbox": "Theano's graph-rewriting structure (TensorFlow rewrites the graph)",
    "InconsistencyError": "Theano's graph-rewriting structure (TensorFlow rewrites the graph)",
    "object2": "Python 2 compatibility",
    "rpath": "a path helper of Theano's setup",
    "disable_log_handler": "Theano's logging setup",
    "has_handlers": "Theano's logging setup",
    "logging_default_formatter": "Theano's logging setup",
    "logging_default_handler": "Theano's logging setup",
    "theano_logger": "Theano's logging setup",
    "predefined_linkers": "Theano's linkers (TensorFlow runs the graph)",
    "predefined_optimizers": "Theano's optimizers (TensorFlow optimises the graph)",
    "gen_conv_code_unroll_batch_kern": "C code generation: tfgraph generates no C code",
    "CpuContiguous": "a memory-layout op: TensorFlow tensors are always contiguous",
    "cpu_contiguous": "a memory-layout op: TensorFlow tensors are always contiguous",
}
for _name in ("MPIRecv", "MPIRecvWait", "MPISend", "MPISendWait", "irecv", "isend", "recv",
              "send", "mpi_cmps", "mpi_keys", "mpi_send_wait_cmp", "mpi_send_wait_key",
              "mpi_tag_cmp", "mpi_tag_key"):
    SPECIFIC[_name] = "MPI ops of theano.tensor.io (use tf.distribute)"

_INDEXING = "an internal of Theano's indexing (Subtensor) implementation"
_SLICE_TYPE = ("Theano's symbolic slice type (tfgraph indexes with Python slices of symbolic "
               "bounds, which make_slice gives)")
_MRG = ("an internal of Theano's MRG31k3p generator (tfgraph's MRG_RandomStreams draws from "
        "its own counter-based generator)")
_OPT = "graph-optimizer internals (TensorFlow optimises the graph)"
_STORAGE = "Theano's function storage internals"
for _name in ("adv_index_broadcastable_pattern", "check_advanced_indexing_dimensions",
              "check_and_reject_bool", "get_canonical_form_slice", "get_idx_list",
              "make_constant", "BaseAdvancedIncSubtensor", "BaseAdvancedSubtensor"):
    SPECIFIC[f"theano.tensor.{_name}"] = _INDEXING
for _name in ("MakeSlice", "SliceConstant", "SliceType", "slicetype"):
    SPECIFIC[f"theano.tensor.{_name}"] = _SLICE_TYPE
for _name in ("crossentropy_to_crossentropy_with_softmax",
              "crossentropy_to_crossentropy_with_softmax_with_bias",
              "graph_merge_softmax_with_crossentropy_softmax", "softmax_simplifier"):
    SPECIFIC[f"theano.tensor.nnet.{_name}"] = _OPT
    SPECIFIC[f"theano.tensor.nnet.nnet.{_name}"] = _OPT
for _name in ("A1p134", "A1p72", "A2p134", "A2p72", "DotModulo", "MASK12", "MASK13", "MASK2",
              "MULT2", "NORM", "ff_2p134", "ff_2p72", "matVecModM", "mrg_next_value",
              "mrg_uniform", "mrg_uniform_base", "multMatVect", "np_int32_vals"):
    SPECIFIC[f"theano.sandbox.rng_mrg.{_name}"] = _MRG
for _name in ("CondMerge", "acceptable_ops", "cond_merge_ifs_false", "cond_merge_ifs_true",
              "cond_merge_random_op", "cond_remove_identical",
              "ifelse_lift_single_if_through_acceptable_ops"):
    SPECIFIC[f"theano.ifelse.{_name}"] = _OPT
for _name in ("OPT_FAST_COMPILE", "OPT_FAST_RUN", "OPT_FAST_RUN_STABLE", "OPT_MERGE",
              "OPT_NONE", "OPT_O2", "OPT_O3", "OPT_STABILIZE", "OPT_UNSAFE", "exclude"):
    SPECIFIC[f"theano.compile.{_name}"] = "Theano's optimizer queries (TensorFlow optimises " \
                                          "the graph)"
for _name in ("AddDestroyHandler", "Supervisor", "insert_deepcopy", "std_fgraph",
              "fgraph_updated_vars", "PrintCurrentFunctionGraph", "inline_ofg_expansion"):
    SPECIFIC[f"theano.compile.{_name}"] = _OPT
for _name in ("AliasedMemoryError", "DUPLICATE", "NODEFAULT", "alias_root", "check_equal",
              "convert_function_input", "get_info_on_inputs", "infer_reuse_pattern",
              "instantiated_default_mode", "orig_function", "rebuild_collect_shared",
              "view_tree_set"):
    SPECIFIC[f"theano.compile.{_name}"] = _STORAGE
for _name in ("choice_helper", "multinomial_helper", "permutation_helper",
              "random_integers_helper"):
    SPECIFIC[f"theano.tensor.raw_random.{_name}"] = (
        "a NumPy helper of Theano's RandomFunction perform (draws here run in TensorFlow)")
for _name in ("MakeSlice", "SliceConstant", "SliceType", "slicetype"):
    SPECIFIC[f"theano.tensor.type_other.{_name}"] = _SLICE_TYPE
SPECIFIC.update({
    "theano.test": "runs Theano's own test suite with nose: tools/run_theano_suite.py runs it "
                   "on tfgraph",
    "theano.compile.sharedvalue.generic_constructor": "shared variables holding any Python "
        "object: tfgraph's shared variables hold tensors (tf.Variable)",
    "theano.tensor.sharedvar.ScalarSharedVariable": "Theano's class of shared variables made "
        "from a Python number: tfgraph's shared variables are all of one class",
    "theano.gof.graph.Node": "the common base of Apply and Variable in Theano's graph; "
                             "tfgraph's Apply and Variable have none",
    "theano.gof.graph.NoParams": "the parameters of Theano's C ops: " + _C,
    "theano.gof.graph.is_same_graph_with_merge": _OPTIMIZER,
    "theano.gof.graph.nodes_constructed": "records the nodes a rewrite builds, for Theano's "
                                          "optimizer",
    "view_roots": "the bookkeeping of Theano's in-place optimizations",
    "ops_with_inner_function": "the ops Theano's optimizer looks inside",
    "COp": _C, "apply_meth": _C, "simple_meth": _C, "HideC": _C, "Params": _C,
    "EnumType": _C, "EnumList": _C, "CEnumType": _C, "CDataType": _C, "CDataTypeConstant": _C,
    "MetaObject": "Theano's Python 2 metaclass giving ops their __props__ (tfgraph's Op "
                  "handles __props__ itself)",
    "WrapLinkerMany": "Theano's linkers: tfgraph's graphs run as one TensorFlow function",
    "imported_scipy": "a flag of whether SciPy imported: tfgraph requires SciPy",
    "imported_scipy_signal": "a flag of whether SciPy imported: tfgraph requires SciPy",
    "theano.compile.Shape": "an Op class of Theano's graph: tfgraph has its own ops behind the "
                            "same functions",
    "theano.tensor.nnet.bn.BNComposite": "a theano.scalar Composite op of Theano's batch-norm "
                                         "graph",
    "theano.tensor.nnet.bn.bn_groupopt": _OPT,
    "theano.tensor.signal.pool.MaxPoolRop": "an Op class of Theano's graph: the R-op of "
                                            "pooling comes from TensorFlow's autodiff",
    "theano.tensor.signal.pool.PoolingMode_t": "Theano's C ops' parameter type",
    "theano.tensor.xlogx.XlogX": "a theano.scalar op class (tfgraph's elementwise ops are not "
                                 "built from scalar ops; xlogx is the op)",
    "theano.tensor.xlogx.XlogY0": "a theano.scalar op class (tfgraph's elementwise ops are not "
                                  "built from scalar ops; xlogy0 is the op)",
    "theano.gradient.grad_time": "Theano's profiling counter of the time spent in grad",
    "theano.gradient.mode_not_slow": "a helper of Theano's own test suite",
    "theano.misc.pkl_utils.load_reduce": "Python 2 compatibility (loading Python 2 pickles)",
    "theano.compile.builders.inline_ofg_expansion": _OPT,
    "theano.scan_module.clone": "a helper imported there: theano.clone (and "
                                "theano.scan_module.scan_utils.clone) is the same function",
})


def _parse(path):
    with open(path) as source:
        return ast.parse(source.read())


def _module_file(root, module):
    parts = module.split(".")[1:]
    base = os.path.join(root, *parts)
    return os.path.join(base, "__init__.py") if os.path.isdir(base) else base + ".py"


def _top_level(body):
    """The statements of a module's body, those under top-level ``if`` and
    ``try`` included (Theano defines names per Python version there)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body + node.orelse + node.finalbody
                                  + [n for h in node.handlers for n in h.body])


def _declared_all(tree):
    """The names of ``__all__ = [...]`` plus any ``__all__ += [...]``, or None."""
    names = None
    for node in _top_level(tree.body):
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "__all__":
            try:
                value = list(ast.literal_eval(node.value))
            except ValueError:
                continue
            names = value if isinstance(node, ast.Assign) else (names or []) + value
    return names


def modules(root):
    """Every module of the source tree (``theano`` is ``root``), tests left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "tests")
        for file in sorted(files):
            if file.endswith(".py"):
                path = os.path.relpath(os.path.join(folder, file), os.path.dirname(root))
                name = path[:-3].replace(os.sep, ".")
                found.append(name[:-len(".__init__")] if name.endswith(".__init__") else name)
    return sorted(found)


def module_reason(module):
    for prefix, why in MODULE_REASONS:
        if module == prefix or module.startswith(prefix + "."):
            return why
    return ""


def public_names(root, module, seen=None):
    path = _module_file(root, module)
    tree = _parse(path)
    is_package = path.endswith("__init__.py")
    names = []
    declared = _declared_all(tree)
    if declared is not None:
        return sorted(set(declared))
    for node in _top_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for t in ([target] if isinstance(target, ast.Name) else
                          getattr(target, "elts", [])):
                    if isinstance(t, ast.Name):
                        names.append(t.id)
        elif isinstance(node, ast.ImportFrom) and is_package and node.module != "__future__":
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[:len(module.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:
                if alias.name == "*":
                    try:
                        names += public_names(root, base)
                    except (OSError, SyntaxError):
                        pass
                else:
                    names.append(alias.asname or alias.name)
    return sorted({n for n in names if not n.startswith("_")})


def origins(root, module, seen=()):
    """For a package, {name: the sdist module defining it} for the names its
    ``__init__`` imports from the sdist (``theano.tensor``: ``dot`` from
    ``theano.tensor.basic``), followed through re-exports; not submodules."""
    path = _module_file(root, module)
    if not path.endswith("__init__.py") or module in seen:
        return {}
    found = {}
    for node in _top_level(_parse(path).body):
        if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
            continue
        base = node.module or ""
        if node.level:
            base = ".".join(module.split(".")[:len(module.split(".")) - node.level + 1]
                            + ([base] if base else []))
        if (base == module or not base.startswith("theano")
                or not os.path.exists(_module_file(root, base))):
            continue
        deeper = origins(root, base, seen + (module,))
        for alias in node.names:
            names = public_names(root, base) if alias.name == "*" else [alias.name]
            for name in names:
                if not os.path.exists(_module_file(root, f"{base}.{name}")):
                    found[alias.asname or name] = deeper.get(name, base)
    return {name: where for name, where in found.items() if not name.startswith("_")}


def reason(module, name, origin=""):
    """Why tfgraph leaves ``module.name`` out, or '' where it provides it.
    A package's name imported from a module takes that module's reasons."""
    for key in (f"{module}.{name}", name):
        if key in SPECIFIC:
            return SPECIFIC[key]
    for where in filter(None, (module, origin)):
        if where in MODULE_NAME_REASONS:
            return MODULE_NAME_REASONS[where]
        if module_reason(where):
            return module_reason(where)
    for pattern, why in REASONS:
        if re.search(pattern, name):
            return why
    return ""


def main(root):
    print("# Theano 1.0.5's modules and their public names, one per line, with the reason")
    print("# when tfgraph leaves a module or a name out on purpose (after ' -- ').")
    print("# Written by tools/theano_api_extract.py from Theano 1.0.5's sources.")
    reported = set()
    for module in modules(root):
        why = module_reason(module)
        if why:
            prefix = next(p for p, _ in MODULE_REASONS if module == p or module.startswith(p + "."))
            if prefix not in reported:  # a package left out whole: one line
                print(f"\n[{prefix}] -- {why}")
                reported.add(prefix)
            continue
        print(f"\n[{module}]")
        source = origins(root, module)
        for name in public_names(root, module):
            why = reason(module, name, source.get(name, ""))
            origin = f" @ {source[name]}" if source.get(name, module) != module else ""
            print(f"{name}{origin} -- {why}" if why else name + origin)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/theano_api_extract.py /path/to/Theano-1.0.5/theano")
    main(sys.argv[1])
