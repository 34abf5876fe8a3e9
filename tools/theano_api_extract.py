"""Write tools/theano_api.txt, the list of Theano 1.0's public names, from a
Theano 1.0.5 source tree (not needed to run tools/api_coverage.py)::

    python tools/theano_api_extract.py /path/to/Theano-1.0.5/theano > tools/theano_api.txt

A module's public names are what ``from module import *`` would give a user:
its ``__all__`` if it has one; else its top-level functions, classes and
assignments not starting with ``_``, and, for a package's ``__init__``, the
names it imports (``import *`` expanded). Names are then sorted into those
tfgraph provides and those left out on purpose, with the reason (see
``REASONS``).
"""
import ast
import os
import re
import sys

MODULES = [
    "theano", "theano.tensor", "theano.tensor.nnet", "theano.tensor.nnet.conv",
    "theano.tensor.nnet.abstract_conv", "theano.tensor.nnet.bn",
    "theano.tensor.nnet.neighbours", "theano.tensor.signal.pool", "theano.tensor.extra_ops",
    "theano.tensor.nlinalg", "theano.tensor.slinalg", "theano.tensor.xlogx",
    "theano.tensor.sort", "theano.tensor.shared_randomstreams",
    "theano.tensor.raw_random", "theano.sandbox.rng_mrg", "theano.ifelse", "theano.scan_module",
    "theano.gradient", "theano.printing", "theano.compile", "theano.misc.pkl_utils",
    "theano.updates",
]

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
    "check_equal_numpy": "a test helper",
    "constant_cache": "a constant-folding cache of Theano's graph",
    "alloc_validate_shape": "an internal of Alloc",
    "get_scalar_constant_value_elemwises": "an internal of get_scalar_constant_value",
    "values_eq_approx_always_true": "DebugMode internal",
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
    "OpenMPOp": "Theano's C ops",
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
    "gen_conv_code_unroll_batch_kern": "C code generation",
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
SPECIFIC.update({
    "theano.generic": "Theano's generic (non-tensor) type",
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
    "theano.scan_module.clone": "a helper imported there (theano.clone is the same function)",
})


def _parse(path):
    with open(path) as source:
        return ast.parse(source.read())


def _module_file(root, module):
    parts = module.split(".")[1:]
    base = os.path.join(root, *parts)
    return os.path.join(base, "__init__.py") if os.path.isdir(base) else base + ".py"


def public_names(root, module, seen=None):
    path = _module_file(root, module)
    tree = _parse(path)
    is_package = path.endswith("__init__.py")
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try:
                return sorted(set(ast.literal_eval(node.value)))
            except ValueError:
                pass
    for node in tree.body:
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


def reason(module, name):
    for key in (f"{module}.{name}", name):
        if key in SPECIFIC:
            return SPECIFIC[key]
    for pattern, why in REASONS:
        if re.search(pattern, name):
            return why
    return ""


def main(root):
    print("# Theano 1.0.5's public names, one per line: module, name, and the reason")
    print("# when tfgraph leaves the name out on purpose (after ' -- ').")
    print("# Written by tools/theano_api_extract.py from Theano 1.0.5's sources.")
    for module in MODULES:
        print(f"\n[{module}]")
        for name in public_names(root, module):
            why = reason(module, name)
            print(f"{name} -- {why}" if why else name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/theano_api_extract.py /path/to/Theano-1.0.5/theano")
    main(sys.argv[1])
