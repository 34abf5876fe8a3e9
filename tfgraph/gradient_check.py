"""Checking symbolic gradients against finite differences, as
``theano.gradient``'s ``verify_grad``, ``numeric_grad`` and ``GradientError``
(exported by tfgraph.gradient)."""
import builtins

import numpy as np

from tfgraph.compile.debugmode import DebugMode
from tfgraph.compile.function import function
from tfgraph.compile.modes import get_mode
from tfgraph.gradient import grad
from tfgraph.graph import TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.reduce import reduce


class GradientError(Exception):
    """The symbolic gradient differs from finite differences.

    ``arg`` is the input's position, ``err_pos`` the flat position in it and
    ``index`` the same as an index tuple; ``abs_err`` and ``rel_err`` the
    errors there, ``numeric`` and ``analytic`` the two gradients there.
    """

    def __init__(self, arg, err_pos, abs_err, rel_err, abs_tol, rel_tol, index=None,
                 numeric=None, analytic=None, shape=None):
        super().__init__(arg, err_pos, abs_err, rel_err)
        self.arg, self.err_pos = arg, err_pos
        self.abs_err, self.rel_err = abs_err, rel_err
        self.abs_tol, self.rel_tol = abs_tol, rel_tol
        self.index, self.numeric, self.analytic, self.shape = index, numeric, analytic, shape

    def __str__(self):
        where = f"At position {self.err_pos} of argument {self.arg}"
        if self.index is not None:
            where += f" (index {self.index} of an array of shape {self.shape})"
        values = ""
        if self.numeric is not None:
            values = (f"\n    numeric gradient = {self.numeric!r}, "
                      f"analytic gradient = {self.analytic!r}")
        return (f"GradientError: numeric gradient and analytic gradient exceed tolerance:\n"
                f"    {where},\n"
                f"    abs. error = {self.abs_err:g},  abs. tolerance = {self.abs_tol:g}\n"
                f"    rel. error = {self.rel_err:g},  rel. tolerance = {self.rel_tol:g}"
                f"{values}")


# Central differences: error O(eps^2) from truncation plus O(u/eps) from
# rounding, smallest near eps ~ u^(1/3) for machine epsilon u.
_TYPE_EPS = {"float64": 1e-6, "float32": 1e-3, "float16": 1e-1}
_TYPE_TOL = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}


def _numeric_jacobians(f, pt, eps):
    """For each array in ``pt``: d f(*pt) / d pt[i], shaped (pt[i].size,) +
    f's output shape, by central differences; and f(*pt)."""
    base = np.asarray(f(*pt), dtype=np.float64)
    jacobians = []
    for i, p in enumerate(pt):
        flat = p.reshape(-1)
        rows = np.empty((flat.size,) + base.shape)
        for k in range(flat.size):
            step = eps if eps is not None else _TYPE_EPS[p.dtype.name]
            up, down = flat.copy(), flat.copy()
            up[k] = flat[k] + step
            down[k] = flat[k] - step
            # The step actually taken, after rounding to the input's dtype.
            width = np.float64(up[k]) - np.float64(down[k])
            args_up = list(pt)
            args_down = list(pt)
            args_up[i] = up.reshape(p.shape)
            args_down[i] = down.reshape(p.shape)
            rows[k] = (np.asarray(f(*args_up), np.float64)
                       - np.asarray(f(*args_down), np.float64)) / width
        jacobians.append(rows)
    return jacobians, base


class numeric_grad:
    """The gradient of a scalar-valued function ``f`` at ``pt`` (an array or a
    list of arrays) by central finite differences: ``self.gf``."""

    def __init__(self, f, pt, eps=None, out_type=None):
        packed = not isinstance(pt, (list, tuple))
        arrays = [np.array(p) for p in ([pt] if packed else pt)]
        jacobians, _ = _numeric_jacobians(f, arrays, eps)
        self.gf = [j.reshape(p.shape) for j, p in zip(jacobians, arrays)]
        if packed:
            self.gf = self.gf[0]

    @staticmethod
    def abs_rel_err(a, b):
        """(|a - b|, |a - b| / max(|a| + |b|, 1e-8)), elementwise."""
        abs_err = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
        rel_err = abs_err / np.maximum(np.abs(a) + np.abs(b), 1e-8)
        return abs_err, rel_err

    def abs_rel_errors(self, g_pt):
        gf = self.gf if isinstance(self.gf, list) else [self.gf]
        if len(g_pt) != len(gf):
            raise ValueError(f"argument has wrong number of elements: {len(g_pt)}")
        errors = []
        for i, (a, b) in enumerate(zip(g_pt, gf)):
            if np.shape(a) != np.shape(b):
                raise ValueError(f"argument element {i} has wrong shape "
                                 f"{(np.shape(a), np.shape(b))}")
            errors.append(self.abs_rel_err(a, b))
        return errors

    def max_err(self, g_pt, abs_tol, rel_tol):
        """(argument, flat position, abs error, rel error) where
        min(abs_err / abs_tol, rel_err / rel_tol) is largest."""
        best = None
        for arg, (abs_err, rel_err) in enumerate(self.abs_rel_errors(g_pt)):
            scaled = np.minimum(abs_err / abs_tol, rel_err / rel_tol).reshape(-1)
            if scaled.size == 0:
                continue
            scaled = np.where(np.isnan(scaled), np.inf, scaled)
            pos = int(np.argmax(scaled))
            if best is None or scaled[pos] > best[0]:
                best = (scaled[pos], arg, pos, float(abs_err.reshape(-1)[pos]),
                        float(rel_err.reshape(-1)[pos]))
        if best is None:
            return 0, 0, 0.0, 0.0
        return best[1:]


def verify_grad(fun, pt, n_tests=2, rng=None, eps=None, out_type=None, abs_tol=None,
                rel_tol=None, mode=None, cast_to_output_type=False, no_debug_ref=True):
    """Check the symbolic gradient of ``fun`` at ``pt`` against finite
    differences; raise ``GradientError`` (saying where, and by how much) if
    they differ by more than both ``abs_tol`` and ``rel_tol``.

    ``fun`` takes symbolic variables (one per array of ``pt``, a list of
    float arrays) and returns one symbolic variable o. Each of the
    ``n_tests`` tests compares the gradients of sum(r * o) for a random
    projection r (drawn from ``rng``, a NumPy RandomState or Generator;
    seeded when None).

    Differences are central, with step ``eps`` (default 1e-6 for float64,
    1e-3 for float32). The tolerances default to 1e-4 (float64) and 1e-2
    (float32), as Theano's. The output's finite differences are taken once
    and projected for every test, so extra tests cost one gradient call.
    """

    if not isinstance(pt, (list, tuple)):
        raise TypeError(f"verify_grad: pt must be a list or tuple of arrays, got "
                        f"{type(pt).__name__}")
    pt = [np.array(p) for p in pt]
    for i, p in enumerate(pt):
        if p.dtype.name not in _TYPE_TOL:
            raise TypeError(f"verify_grad can work only with floating point inputs, but "
                            f"input {i} has dtype \"{p.dtype}\".")
    if abs_tol is None:
        abs_tol = builtins.max(_TYPE_TOL[p.dtype.name] for p in pt)
    if rel_tol is None:
        rel_tol = builtins.max(_TYPE_TOL[p.dtype.name] for p in pt)
    if rng is None:
        rng = np.random.RandomState(666)
    inputs = [TensorType(p.dtype.name, [s == 1 for s in p.shape])(f"input {i}")
              for i, p in enumerate(pt)]
    output = fun(*inputs)
    if isinstance(output, (list, tuple)):
        raise NotImplementedError("verify_grad cannot (yet) check a function with "
                                  "several outputs; check each one")
    output = as_tensor_variable(output)
    projection_dtype = ("float32" if cast_to_output_type and output.dtype == "float32"
                        else "float64")
    projection = TensorType(projection_dtype, output.broadcastable)("random_projection")
    cost = reduce("sum", OPS["mul"](projection, output))
    symbolic = grad(cost, inputs, disconnected_inputs="ignore")
    options = {"allow_input_downcast": True, "on_unused_input": "ignore"}
    forward_mode = mode
    if no_debug_ref and isinstance(get_mode(mode), DebugMode):
        forward_mode = "FAST_RUN"
    forward = function(inputs, output, mode=forward_mode, name="verify_grad forward",
                       **options)
    gradient = function(inputs + [projection], symbolic, mode=mode,
                        name="verify_grad gradient", **options)

    jacobians, base = _numeric_jacobians(forward, pt, eps)
    out_axes = list(range(1, base.ndim + 1))
    for _ in range(n_tests):
        r = np.asarray(rng.uniform(0.5, 1.5, size=base.shape), projection_dtype)
        numeric = [np.tensordot(j, np.asarray(r, np.float64), axes=(out_axes, list(
            range(base.ndim)))).reshape(p.shape) for j, p in zip(jacobians, pt)]
        analytic = gradient(*pt, r)
        checker = numeric_grad.__new__(numeric_grad)
        checker.gf = numeric
        arg, pos, abs_err, rel_err = checker.max_err(analytic, abs_tol, rel_tol)
        if not (abs_err <= abs_tol or rel_err <= rel_tol):  # also catches NaN
            shape = pt[arg].shape
            raise GradientError(arg, pos, abs_err, rel_err, abs_tol, rel_tol,
                                index=tuple(int(k) for k in np.unravel_index(pos, shape)),
                                numeric=float(numeric[arg].reshape(-1)[pos]),
                                analytic=float(np.asarray(analytic[arg]).reshape(-1)[pos]),
                                shape=shape)


verify_grad.E_grad = GradientError
