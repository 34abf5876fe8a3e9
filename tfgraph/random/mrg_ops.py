"""The ops of ``MRG_RandomStreams``, each with its type rule and lowering:

- ``mrg_uniform``: a draw of uniforms from MRG31k3p streams (Theano's op of
  that name; its state input is an int32 (n_streams, 6) matrix, its outputs
  the next state and the sample);
- ``DotModulo``: Theano's matrix-vector product modulo m of two triples;
- ``BoxMuller`` and ``TruncationCount``: normals from a draw of uniforms, as
  Theano composes them (the first half radii, the second angles);
- ``CheckedParams``: parameters passed through once their rules hold.
"""
import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph.random import mrg31k3p
from tfgraph.ops.shape import MakeVector
from tfgraph.random.op import (RULES, Check, check_constants, constant_of, non_negative_size,
                               run_after)
from tfgraph.random.size import normalize_size
from tfgraph._tf import tf

_NO_GRAD = "No gradient defined through random sampling op"


class mrg_uniform_base(Op):
    """What Theano's MRG ops share: the output type, ``inplace`` (accepted
    for Theano's signature; TensorFlow's assignment decides), no gradient."""
    __props__ = ("output_type", "inplace")

    def __init__(self, output_type, inplace=False):
        self.output_type = output_type
        self.inplace = inplace

    def __str__(self):
        return (f"{type(self).__name__}{{{self.output_type},"
                f"{'inplace' if self.inplace else 'no_inplace'}}}")

    def undefined_grads(self, node):
        return {i: _NO_GRAD for i in range(len(node.inputs))}

    def connection_pattern(self, node):
        # The sample depends on every input (so that grad reports an undefined
        # gradient rather than a disconnected one); the next state on none.
        return [[False, True] for _ in node.inputs]


class mrg_uniform(mrg_uniform_base):
    """Uniforms in (0, 1) of shape ``size`` drawn from the streams ``rstate``:
    value i (in C order) from stream i % n_streams. Outputs: the next
    ``rstate`` and the sample."""

    def make_node(self, rstate, size):
        rstate, size = as_tensor_variable(rstate), as_tensor_variable(size)
        if rstate.ndim != 2 or rstate.dtype != "int32":
            raise TypeError(f"{self}: rstate must be an int32 matrix (n_streams, 6), got "
                            f"{rstate} ({rstate.type})")
        if size.ndim != 1 or not dtypes.is_discrete(size.dtype):
            raise TypeError(f"{self}: size must be an integer vector, got {size} ({size.type})")
        # As Theano's: the dimensions whose size is the constant 1 broadcast.
        entries = _size_entries(size) or [None] * self.output_type.ndim
        pattern = [b or (e is not None and e == 1)
                   for b, e in zip(self.output_type.broadcastable, entries)]
        return Apply(self, [rstate, size],
                     [rstate.type, TensorType(self.output_type.dtype, pattern)])

    @classmethod
    def new(cls, rstate, ndim, dtype, size):
        """The (next state, sample) of a draw of ``size`` (a tuple of ints and
        integer scalars, or an integer vector; ``ndim`` when its length is
        not known) from ``rstate``."""
        vector, _, pattern = normalize_size(size, ndim, [], "mrg_uniform", positive=True)
        return cls(TensorType(dtype, pattern))(as_tensor_variable(rstate), vector)

    def can_fail(self, node):
        return _limits(node) != []

    def lower(self, node, inputs, ctx):
        rstate, size = inputs
        size = tf.cast(size, tf.int64)
        n = tf.reduce_prod(size)
        checks = []
        if "sign" in _limits(node):
            checks += ctx.require(tf.reduce_all(size >= 0),
                                  f"{self}: size must be non-negative, got", size)
        if "count" in _limits(node):
            checks += ctx.require(n <= mrg31k3p.MAX_SAMPLES,
                                  "rng_mrg does not support more then (2**31 -1) samples")
        new_state, sample = mrg31k3p.draw(rstate, run_after(checks, n),
                                          self.output_type.dtype)
        sample = tf.reshape(sample, size)
        return [new_state, sample]


def _limits(node):
    """The run-time checks a draw needs: "sign" when its size may be
    negative, "count" when it may exceed Theano's 2**31 - 1 values."""
    size = node.inputs[1]
    static = _static_size(size)
    if static is not None:
        return [] if np.prod(static.astype("float64")) <= mrg31k3p.MAX_SAMPLES else ["count"]
    return ([] if non_negative_size(size) else ["sign"]) + ["count"]


def _size_entries(size):
    """The entries of a size vector, each an int or None where not a
    constant; None when its length is not known."""
    constant = constant_of(size)
    if constant is not None:
        return [int(e) for e in np.asarray(constant.data)]
    if size.owner is not None and isinstance(size.owner.op, MakeVector):
        entries = [constant_of(v) for v in size.owner.inputs]
        return [None if e is None else int(e.data) for e in entries]
    return None


def _static_size(size):
    """The entries of a size vector built of constants, else None."""
    entries = _size_entries(size)
    return None if entries is None or None in entries else np.array(entries)


class DotModulo(Op):
    """(A @ s) mod m followed by (A2 @ s2) mod m2, one vector: the jump of an
    MRG31k3p state by the matrices A and A2 (Theano's ``DotModulo``)."""
    __props__ = ()

    def make_node(self, A, s, m, A2, s2, m2):
        inputs = [as_tensor_variable(v) for v in (A, s, m, A2, s2, m2)]
        for name, var, ndim in zip(("A", "s", "m", "A2", "s2", "m2"), inputs, (2, 1, 0) * 2):
            if var.ndim != ndim or not dtypes.is_discrete(var.dtype):
                raise TypeError(f"DotModulo: {name} must be an integer tensor of {ndim} "
                                f"dimensions, got {var} ({var.type})")
        return Apply(self, inputs, [inputs[1].type])

    def lower(self, node, inputs, ctx):
        A, s, m, A2, s2, m2 = (tf.cast(v, tf.int64) for v in inputs)

        def product(A, s, m):   # each term reduced before the sum: no int64 overflow
            return tf.math.floormod(tf.reduce_sum(tf.math.floormod(A * s[tf.newaxis], m), 1), m)
        return [tf.cast(tf.concat([product(A, s, m), product(A2, s2, m2)], 0),
                        node.outputs[0].dtype)]


# --- normals from uniforms ------------------------------------------------------------

def _rounded(function, x):
    """``function`` of x in float64, rounded to x's dtype: a correctly rounded
    float32 log, cos or sin (what C's float functions give, to within
    their last bit), the same with and without XLA."""
    if x.dtype == tf.float64:
        return function(x)
    return tf.cast(function(tf.cast(x, tf.float64)), x.dtype)


def _polar(u):
    """(radius, cos theta, sin theta) of Theano's Box-Muller: the first half
    of ``u`` gives the radii sqrt(-2 log u1), the second the angles 2 pi u2,
    every step rounded to u's dtype as Theano's elementwise code rounds."""
    half = tf.shape(u)[0] // 2
    radius = tf.sqrt(tf.constant(-2.0, u.dtype) * _rounded(tf.math.log, u[:half]))
    theta = tf.constant(np.asarray(2.0 * np.pi, u.dtype.as_numpy_dtype)) * u[half:]
    return radius, _rounded(tf.cos, theta), _rounded(tf.sin, theta)


def _outside(z):
    return (z < -2.0) | (z > 2.0)


class TruncationCount(Op):
    """How many of the normals ``BoxMuller`` makes of ``u`` fall outside
    [-2, 2] (an int64 scalar): the size of the draw that replaces them."""
    __props__ = ()

    def make_node(self, u):
        return Apply(self, [u], [TensorType("int64", ())])

    def lower(self, node, inputs, ctx):
        radius, cos_theta, sin_theta = _polar(inputs[0])
        outside = tf.concat([_outside(radius * cos_theta), _outside(radius * sin_theta)], 0)
        return [tf.reduce_sum(tf.cast(outside, tf.int64))]

    def connection_pattern(self, node):
        return [[False]]


class BoxMuller(Op):
    """Standard normals of shape ``size`` from the uniforms ``u`` (of even
    length, at least prod(size)): r cos theta for the first half, then
    r sin theta, the first prod(size) of them in C order.

    With ``truncate``, a second input ``u_fix`` (uniforms in (e**-2, 1))
    gives new radii to the values outside [-2, 2], which go after the valid
    ones of their half: the cosine half's valid values, its fixed ones, then
    the sine half's (Theano's layout)."""
    __props__ = ("dtype", "broadcastable", "truncate")

    def __init__(self, dtype, broadcastable, truncate=False):
        self.dtype, self.broadcastable = dtype, tuple(broadcastable)
        self.truncate = truncate

    def make_node(self, u, *rest):
        *fix, size = rest
        if len(fix) != int(self.truncate):
            raise TypeError(f"{self}: takes u{', u_fix' if self.truncate else ''} and size")
        return Apply(self, [u, *fix, size], [TensorType(self.dtype, self.broadcastable)])

    def __str__(self):
        return f"BoxMuller{{{self.dtype}{',truncate' if self.truncate else ''}}}"

    def lower(self, node, inputs, ctx):
        u, *fix, size = inputs
        radius, cos_theta, sin_theta = _polar(u)
        if not self.truncate:
            z = tf.concat([radius * cos_theta, radius * sin_theta], 0)
        else:
            z0, z1 = radius * cos_theta, radius * sin_theta
            out0, out1 = _outside(z0), _outside(z1)
            n0 = tf.reduce_sum(tf.cast(out0, tf.int32))
            fix_radius = tf.sqrt(tf.constant(-2.0, u.dtype) * _rounded(tf.math.log, fix[0]))
            z = tf.concat([z0[~out0], fix_radius[:n0] * cos_theta[out0],
                           z1[~out1], fix_radius[n0:] * sin_theta[out1]], 0)
        size = tf.cast(size, tf.int64)
        return [tf.reshape(z[:tf.reduce_prod(size)], size)]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)


# --- parameter rules -----------------------------------------------------------------------

class CheckedParams(Op):
    """The parameters themselves, once their rules hold: ``rules`` are
    (name in tfgraph.random.op.RULES, positions of the parameters it
    reads), ``names`` the parameters' names for messages. Constant
    parameters are checked when the graph is built, the others when it runs."""
    __props__ = ("what", "names", "rules")

    def __init__(self, what, names, rules):
        self.what, self.names = what, tuple(names)
        self.rules = tuple((name, tuple(positions)) for name, positions in rules)

    def __str__(self):
        return f"CheckedParams{{{self.what}}}"

    def checks(self):
        return [Check(positions, RULES[name].test, RULES[name].message)
                for name, positions in self.rules]

    def make_node(self, *params):
        params = [as_tensor_variable(p) for p in params]
        check_constants(self.checks(), self.names, params, self.what)
        return Apply(self, params, [p.type for p in params])

    def can_fail(self, node):
        return bool(self._run_time(node))

    def _run_time(self, node):
        return [c for c in self.checks()
                if any(constant_of(node.inputs[i]) is None for i in c.params)]

    def lower(self, node, inputs, ctx):
        guards = []
        for rule in self._run_time(node):
            guards += ctx.require(tf.reduce_all(rule.test(*[inputs[i] for i in rule.params])),
                                  f"{self.what}: {rule.message}")
        return [run_after(guards, x) for x in inputs]

    def connection_pattern(self, node):
        return [[i == j for j in range(len(node.outputs))] for i in range(len(node.inputs))]


def checked(what, names, rules, *params):
    """``params`` passed through a CheckedParams node (a list)."""
    return CheckedParams(what, names, rules)(*params, return_list=True)
