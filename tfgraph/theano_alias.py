"""The explicit ``theano`` alias: ``install_theano_alias()`` makes ``import
theano`` and every ``theano.X`` resolve to ``tfgraph.X`` (the same module
objects, so ``theano.tensor is tfgraph.tensor``) for the rest of the process;
``python -m tfgraph.run script.py`` (tfgraph/run.py) runs a script with it.

Nothing is taken over silently: the alias exists only when asked for, and it
refuses if a real ``theano`` is already imported. A ``theano.X`` that tfgraph
does not provide raises ``ImportError`` at the import, naming it and saying
whether it is GPU-only, deprecated or not yet supported, rather than giving
a stand-in module that would fail later.
"""
import importlib
import importlib.abc
import importlib.util
import sys

ALIAS, TARGET = "theano", "tfgraph"

# Theano modules that only drive NVIDIA GPUs through Theano's own back-ends.
# tfgraph places whole graphs on a GPU instead: config.device = 'cuda'.
_GPU_ONLY = ("theano.gpuarray", "theano.sandbox.cuda", "theano.sandbox.gpuarray",
             "theano.misc.pycuda_init", "theano.misc.pycuda_utils",
             "theano.sandbox.cuda.dnn", "theano.tensor.nnet.cudnn")

_OLD_CONV3D = "the old conv3d interface, removed in Theano 1.0; use theano.tensor.nnet.conv3d"

# Modules Theano 1.0 had removed or kept only as deprecated redirections.
_DEPRECATED = {
    "theano.tensor.signal.downsample":
        "absent from Theano 1.0; use theano.tensor.signal.pool.pool_2d",
    "theano.tensor.nnet.Conv3D": _OLD_CONV3D,
    "theano.tensor.nnet.ConvGrad3D": _OLD_CONV3D,
    "theano.tensor.nnet.ConvTransp3D": _OLD_CONV3D,
}


def _within(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def unsupported_message(name):
    """Why ``theano`` submodule ``name`` cannot be imported through the alias."""
    for prefix in _GPU_ONLY:
        if _within(name, prefix):
            return (f"No module named {name!r}: it is GPU-only (Theano's own CUDA back-end), "
                    f"and tfgraph has no counterpart; tfgraph runs whole graphs on a GPU "
                    f"instead (config.device = 'cuda').")
    for prefix, advice in _DEPRECATED.items():
        if _within(name, prefix):
            return f"No module named {name!r}: it is deprecated: {advice}."
    return (f"No module named {name!r}: tfgraph does not support it yet "
            f"(it would be {TARGET + name[len(ALIAS):]!r}).")


class _ExistingModule(importlib.abc.Loader):
    """Loads ``theano.X`` as the already imported module ``tfgraph.X``."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class TheanoAlias(importlib.abc.MetaPathFinder):
    """Finds ``theano`` and ``theano.X`` as ``tfgraph`` and ``tfgraph.X``.

    Generic: any module tfgraph has, now or later, is reachable."""

    def find_spec(self, fullname, path=None, target=None):
        if not _within(fullname, ALIAS):
            return None
        real = TARGET + fullname[len(ALIAS):]
        try:
            found = importlib.util.find_spec(real)
        except ImportError:  # a parent that is a module, not a package
            found = None
        if found is None:
            requested = _requested_below(fullname)
            raise ModuleNotFoundError(unsupported_message(requested), name=requested)
        module = importlib.import_module(real)
        return importlib.util.spec_from_loader(fullname, _ExistingModule(module),
                                               is_package=hasattr(module, "__path__"))


def _requested_below(fullname):
    """The module whose import is importing ``fullname`` as a parent (for
    ``import theano.sandbox.cuda``, Python imports ``theano.sandbox`` first),
    so the error can say why that one is missing; else ``fullname``."""
    frame, requested = sys._getframe(1), fullname
    while frame is not None:
        name = frame.f_locals.get("name") if frame.f_code.co_name in (
            "_find_and_load", "_find_and_load_unlocked", "_gcd_import") else None
        if isinstance(name, str) and name.startswith(fullname + ".") \
                and len(name) > len(requested):
            requested = name
        frame = frame.f_back
    return requested


class AliasError(ImportError):
    """A real Theano is already imported, so ``theano`` cannot be tfgraph."""


def install_theano_alias():
    """Make ``import theano`` (and ``theano.X``) give tfgraph's modules from now
    on, in this process. Refuses, with ``AliasError``, if a real ``theano``
    is already imported; installing twice is harmless."""
    present = sys.modules.get(ALIAS)
    tfgraph = importlib.import_module(TARGET)
    if present is not None and present is not tfgraph:
        raise AliasError(
            f"A real Theano is already imported (from {getattr(present, '__file__', '?')}); "
            f"tfgraph will not replace it. Install the alias before anything imports "
            f"theano, or run the program with `python -m tfgraph.run script.py`.")
    if not any(isinstance(f, TheanoAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, TheanoAlias())
    sys.modules[ALIAS] = tfgraph
    # Submodules already imported under their own names: the same objects.
    for name, module in list(sys.modules.items()):
        if _within(name, TARGET) and module is not None:
            sys.modules.setdefault(ALIAS + name[len(TARGET):], module)
    return tfgraph
