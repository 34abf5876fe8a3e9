"""Where compiled functions run: meshes of devices, and layouts on them.

A mesh names the axes a set of devices is arranged along
(``mesh(batch=4)``, ``mesh(batch=2, model=2)``); a layout says, for each
dimension of a tensor, which mesh axis it is split over (or ``None``: the
dimension is whole on every device). Everything runs on TensorFlow's DTensor:
a function compiled for a mesh is the same ``tf.function`` as on one device,
which DTensor expands into one program per device (SPMD), inserting the
collectives itself. Layouts change where the work happens, never what is
computed, so the model code stays as it is::

    import tfgraph.distribute as distribute
    with distribute.mesh(batch=2, model=2, layouts={"W1": [None, "model"]}):
        ...build shared variables and compile functions as usual...

- Shared variables created while a mesh is active live on it: replicated,
  unless ``theano.shared(..., layout=[...])`` or a ``layouts=`` rule (names
  matched with ``fnmatch``) says otherwise.
- Inputs are split along their first dimension over the ``batch`` axis (when
  the mesh has one and the input has a non-broadcastable first dimension),
  unless a ``layouts=`` rule names them. Every process passes the whole
  arguments; each sends only its own devices' parts to them.
- Outputs come back whole, as NumPy arrays, on every process.

A function runs on the mesh active when it is compiled or, if none is, on the
mesh of its shared variables. See docs/distribute.md.

Devices: one host's CPU becomes n devices with ``split_cpu(n)``, which must
run before TensorFlow initializes its devices (before the first shared
variable or function); ``mesh()`` does it by itself when it can. Several
hosts: one process per host, with DTensor's variables ``DTENSOR_CLIENT_ID``,
``DTENSOR_NUM_CLIENTS``, ``DTENSOR_JOB_NAME`` and ``DTENSOR_JOBS`` set; the
mesh then spans every process's devices.
"""
import contextlib
import fnmatch
import os
import threading

import numpy as np

from tfgraph._tf import tf
from tensorflow.experimental import dtensor

BATCH_AXIS = "batch"


class MeshError(ValueError):
    """A mesh that cannot be made here, or a layout that does not fit."""


# --- devices -----------------------------------------------------------------------

def split_cpu(n):
    """Make this process's CPU appear as ``n`` logical devices. Must run before
    TensorFlow initializes its devices; calling it again with the same ``n``
    does nothing."""
    n = int(n)
    if n < 1:
        raise MeshError(f"split_cpu needs n >= 1, got {n}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == n:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    except RuntimeError:
        have = len(tf.config.list_logical_devices("CPU"))
        raise MeshError(
            f"split_cpu({n}): TensorFlow has already initialized its devices (this process "
            f"has {have} CPU device(s)). Call tfgraph.distribute.split_cpu({n}), or create "
            f"the mesh, before any shared variable, function or TensorFlow op; from the "
            f"command line, --mesh does this for you.") from None


def _clients():
    """How many processes share the mesh (DTensor's DTENSOR_NUM_CLIENTS)."""
    return int(os.environ.get("DTENSOR_NUM_CLIENTS", "1"))


_cluster = {"joined": False}


def _join_cluster(n_local):
    """Start DTensor's multi-process mode once, with ``n_local`` CPUs here."""
    if _cluster["joined"]:
        return
    try:
        dtensor.initialize_accelerator_system("CPU", num_logical_cpu_devices=n_local)
    except (RuntimeError, ValueError) as error:
        raise MeshError(f"cannot join the DTensor cluster "
                        f"(DTENSOR_JOBS={os.environ.get('DTENSOR_JOBS')!r}): {error}") from None
    _cluster["joined"] = True


def _local_devices(n_local):
    """The names of ``n_local`` CPU devices of this process, split off if need be."""
    have = tf.config.get_logical_device_configuration(tf.config.list_physical_devices("CPU")[0])
    if n_local > (1 if have is None else len(have)):
        split_cpu(n_local)
    return [d.name for d in tf.config.list_logical_devices("CPU")][:n_local]


# --- meshes -------------------------------------------------------------------------

class Mesh:
    """Named axes over devices, and layout rules. Use it as a context manager,
    or make it the default with ``set_mesh``."""

    def __init__(self, axes, layouts=None):
        self.axes = dict(axes)
        if not self.axes:
            raise MeshError("a mesh needs at least one axis, e.g. mesh(batch=4)")
        for name, size in self.axes.items():
            if not isinstance(size, (int, np.integer)) or size < 1:
                raise MeshError(f"mesh axis {name!r} needs a positive number of devices, "
                                f"got {size!r}")
        self.layouts = dict(layouts or {})
        for pattern, spec in self.layouts.items():
            _check_spec(spec, self.axes, f"layout rule {pattern!r}")
        size, clients = int(np.prod(list(self.axes.values()))), _clients()
        if size % clients:
            raise MeshError(f"mesh {self} has {size} devices, which the "
                            f"{clients} processes (DTENSOR_NUM_CLIENTS) cannot share evenly")
        dims = list(self.axes.items())
        if clients > 1:
            _join_cluster(size // clients)
            self.tf_mesh = dtensor.create_distributed_mesh(dims, device_type="CPU")
        else:
            local = _local_devices(size)
            if len(local) < size:
                raise MeshError(f"mesh {self} needs {size} devices; this process has "
                                f"{len(local)}")
            self.tf_mesh = dtensor.create_mesh(dims, devices=local)
        self._layouts = {}

    def __str__(self):
        return ",".join(f"{k}={v}" for k, v in self.axes.items())

    def __repr__(self):
        return f"<tfgraph.distribute.Mesh {self}>"

    def __enter__(self):
        _active.stack.append(self)
        return self

    def __exit__(self, *exc):
        _active.stack.pop()

    # --- layouts

    def layout(self, spec):
        """The DTensor layout for ``spec`` (one mesh axis name or None per dimension)."""
        key = tuple(spec)
        if key not in self._layouts:
            self._layouts[key] = dtensor.Layout(
                [dtensor.UNSHARDED if a is None else a for a in key], self.tf_mesh)
        return self._layouts[key]

    def rule_for(self, name):
        """The spec a ``layouts=`` rule gives to a variable called ``name``, or None."""
        if name is None:
            return None
        for pattern, spec in self.layouts.items():
            if fnmatch.fnmatchcase(name, pattern):
                return spec
        return None

    def input_spec(self, var, name):
        spec = self.rule_for(name)
        if spec is not None:
            return _fit_spec(spec, var, self.axes, f"input {name!r}")
        spec = [None] * var.ndim
        if var.ndim and BATCH_AXIS in self.axes and not var.broadcastable[0]:
            spec[0] = BATCH_AXIS
        return spec

    def shared_spec(self, var, name, explicit):
        spec = explicit if explicit is not None else self.rule_for(name)
        if spec is None:
            return [None] * var.ndim
        return _fit_spec(spec, var, self.axes, f"shared variable {name!r}")

    def check_shape(self, spec, shape, what):
        """Raise MeshError unless every split dimension of ``shape`` divides evenly."""
        for dim, axis in enumerate(spec):
            if axis is not None and shape[dim] % self.axes[axis]:
                raise MeshError(
                    f"{what}: its dimension {dim} has length {shape[dim]}, which mesh axis "
                    f"{axis!r} ({self.axes[axis]} devices) does not divide; use a multiple "
                    f"of {self.axes[axis]}, or another layout (mesh(..., layouts=...))")

    # --- values

    def to_device(self, array, spec):
        """A NumPy array as a DTensor laid out by ``spec``: each local device
        gets its own part, sliced on the host."""
        layout = self.layout(spec)
        parts = []
        for coords in self.tf_mesh.local_device_locations():
            index = tuple(slice(None) if axis is None else _part(array.shape[d], self.axes[axis],
                                                                 coords[axis])
                          for d, axis in enumerate(spec))
            parts.append(array[index])
        return dtensor.pack(parts, layout)

    def to_numpy(self, tensor):
        """A DTensor's whole value as a NumPy array."""
        layout = dtensor.fetch_layout(tensor)
        if not layout.is_fully_replicated():
            tensor = dtensor.relayout(tensor, self.layout([None] * tensor.shape.rank))
        return dtensor.unpack(tensor)[0].numpy()


def _part(length, parts, index):
    step = length // parts
    return slice(index * step, (index + 1) * step)


def _check_spec(spec, axes, what):
    if isinstance(spec, str) or not hasattr(spec, "__iter__"):
        raise MeshError(f"{what}: a layout is a list with one mesh axis name or None per "
                        f"dimension, e.g. [None, 'model'], got {spec!r}")
    spec = list(spec)
    for axis in spec:
        if axis is not None and axis not in axes:
            raise MeshError(f"{what}: layout {spec} names axis {axis!r}, which the mesh "
                            f"({', '.join(axes)}) does not have")
    used = [a for a in spec if a is not None]
    if len(set(used)) != len(used):
        raise MeshError(f"{what}: layout {spec} splits two dimensions over the same axis")
    return spec


def _fit_spec(spec, var, axes, what):
    spec = _check_spec(spec, axes, what)
    if len(spec) != var.ndim:
        raise MeshError(f"{what}: layout {spec} has {len(spec)} entries but the variable has "
                        f"{var.ndim} dimensions ({var.type})")
    for dim, axis in enumerate(spec):
        if axis is not None and var.broadcastable[dim]:
            raise MeshError(f"{what}: layout {spec} splits dimension {dim}, which is "
                            f"broadcastable (length 1)")
    return spec


def parse_mesh(text):
    """'batch=4,model=2' -> {'batch': 4, 'model': 2}."""
    axes = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, size = item.partition("=")
        if not sep or not name.strip() or not size.strip().isdigit():
            raise MeshError(f"--mesh expects axis=size pairs like batch=4,model=2, "
                            f"got {text!r}")
        name = name.strip()
        if name in axes:
            raise MeshError(f"--mesh names axis {name!r} twice ({name}={axes[name]} and "
                            f"{name}={int(size)}) in {text!r}; each axis appears once")
        axes[name] = int(size)
    return axes


def parse_layouts(text):
    """'W=-:model,mlp_input=-:batch' -> {'W': [None, 'model'], 'mlp_input': [None, 'batch']}
    (one rule per comma, dimensions separated by ':', '-' for a whole dimension)."""
    rules = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        pattern, sep, dims = item.partition("=")
        if not sep or not pattern.strip():
            raise MeshError(f"--mesh_layouts expects pattern=dims rules like W=-:model, "
                            f"got {text!r}")
        rules[pattern.strip()] = [None if d.strip() in ("-", "") else d.strip()
                                  for d in dims.split(":")]
    return rules


# --- the active mesh ------------------------------------------------------------------

class _Active(threading.local):
    def __init__(self):
        self.stack = []


_active = _Active()
_default = {"mesh": None, "sources": []}


def mesh(layouts=None, **axes):
    """A mesh with the given axes (in order), e.g. ``mesh(batch=2, model=2)``;
    ``layouts`` maps variable-name patterns to layouts. Use it in a ``with``
    block, or pass it to ``set_mesh``."""
    return Mesh(axes, layouts=layouts)


def set_mesh(value):
    """Make ``value`` (a Mesh, or None for one device) the mesh used outside
    any ``with mesh(...)`` block."""
    if value is not None and not isinstance(value, Mesh):
        raise TypeError(f"set_mesh takes a Mesh or None, got {value!r}")
    _default["mesh"] = value


def add_source(source):
    """``source()`` returns (axes, layout rules) or None; sources are asked
    (command-line flags, over TFGRAPH_MESH and TFGRAPH_MESH_LAYOUTS) when a
    mesh is needed and none was set; the first mesh made is kept."""
    _default["sources"].append(source)


def current():
    """The active mesh, or None (run on one device)."""
    if _active.stack:
        return _active.stack[-1]
    if _default["mesh"] is None:
        text = os.environ.get("TFGRAPH_MESH")
        given = (parse_mesh(text), parse_layouts(os.environ.get("TFGRAPH_MESH_LAYOUTS", ""))) \
            if text else None
        for source in _default["sources"]:
            given = source() or given
        if given:  # fixed from then on: later changes would not move variables
            _default["mesh"] = Mesh(given[0], layouts=given[1])
    return _default["mesh"]


# --- shared variables -----------------------------------------------------------------

class MeshVariable(dtensor.DVariable):
    """A shared variable's storage on a mesh: assigning relays the value out
    as the variable's layout; ``numpy()`` gathers the whole value."""

    def __init__(self, mesh, spec, array, name, shared_name=None):
        # ``name`` is TensorFlow's; ``shared_name`` the shared variable's own.
        self.mesh, self.spec = mesh, list(spec)
        self.shared_name = shared_name = shared_name or name
        mesh.check_shape(self.spec, array.shape, f"shared variable {shared_name!r}")
        # A static shape: DTensor lays out only graphs whose shapes it knows.
        super().__init__(mesh.to_device(array, self.spec), trainable=False, name=name)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        if isinstance(value, (np.ndarray, np.generic)):  # set_value
            if value.shape != tuple(self.shape):
                raise MeshError(f"set_value of shared variable {self.shared_name!r}: on a "
                                f"mesh the shape stays {tuple(self.shape)}, got {value.shape}")
            value = self.mesh.to_device(value, self.spec)
        else:  # in a graph, whatever layout sharding propagation gave the new value
            value = dtensor.relayout(value, self.mesh.layout(self.spec))
        return super().assign(value, use_locking=use_locking, name=name,
                              read_value=read_value)

    def numpy(self):
        return self.mesh.to_numpy(self.read_value())


def mesh_variable(var, array, name, layout=None):
    """The storage of shared variable ``var`` on the active mesh, or None
    without a mesh (``layout`` is then ignored: it says where, not what)."""
    mesh = current()
    if mesh is None:
        return None
    spec = mesh.shared_spec(var, var.name, layout)
    return MeshVariable(mesh, spec, array, name, var.name)


# --- compiled functions ---------------------------------------------------------------

def function_mesh(name, shared_variables):
    """The mesh function ``name`` runs on (None: one device): the active one,
    or else the one its ``shared_variables`` live on, checked against them."""
    mesh = current()
    homes = {id(v.variable.mesh): v.variable.mesh for v in shared_variables
             if isinstance(v.variable, MeshVariable)}
    if mesh is None and len(homes) > 1:
        raise MeshError(f"function {name!r} uses shared variables on different "
                        f"meshes; compile it inside `with mesh:` for one of them")
    mesh = mesh or next(iter(homes.values()), None)
    if mesh is None:
        return None
    for var in shared_variables:
        if var.type.shared_storage is not None:  # kept its own way (a sparse matrix)
            raise MeshError(f"function {name!r} is compiled for mesh {mesh}, which holds "
                            f"dense tensors only, but shared variable {var} is {var.type}")
        if getattr(var.variable, "mesh", None) is not mesh:
            where = (f"mesh {var.variable.mesh}" if isinstance(var.variable, MeshVariable)
                     else "one device, outside any mesh")
            raise MeshError(
                f"function {name!r} is compiled for mesh {mesh}, but shared variable "
                f"{var} lives on {where}; create the shared variables while the mesh is "
                f"active (inside `with mesh:`, or after set_mesh / --mesh)")
    return mesh
