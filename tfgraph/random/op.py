"""``RandomDraw``: one draw from a distribution, its type rule beside its
TensorFlow lowering, and the table of distributions it draws from.

A draw's inputs are its stream's state (an int64 shared vector ``[key,
counter]``), the size (an int64 vector, or none when the parameters' shape
is used) and the distribution's parameters; its outputs are the next state
(the counter plus one) and the sample. The state is the seed of TensorFlow's
counter-based generator, so a draw depends on nothing but the state: each
node draws once per call, whatever uses it, and the same state gives the same
numbers in every mode.
"""
import collections

import numpy as np

from tfgraph.graph import Apply, Constant, Op, TensorType
from tfgraph.ops.base import broadcast_patterns
from tfgraph.ops.elemwise import Cast
from tfgraph.ops.grad import UndefinedGrad
from tfgraph.ops.shape import MakeVector, Shape
from tfgraph.ops.subtensor import Subtensor
from tfgraph.random import draws
from tfgraph._tf import tf

# A check on parameter values: ``test(*values)`` is true where they are valid;
# it uses only operators, so it runs on NumPy arrays (constants, at build
# time) and on tensors (at run time).
Check = collections.namedtuple("Check", "params test message")


def _sums_to_one(p):
    total = p.sum(-1) if isinstance(p, np.ndarray) else tf.reduce_sum(p, -1)
    tolerance = 2e-4 if p.dtype in (np.float32, tf.float32, np.float16, tf.float16) else 1e-7
    return abs(total - 1) <= tolerance


def _integral(x):
    return x % 1 == 0


class Distribution:
    """What a draw samples: ``params`` (names, in input order), ``checks`` on
    their values, ``extra_dims`` the sample adds after the size (1 for
    permutation and multinomial) and ``sample(seed, shape, params, op,
    require)``, where ``require(condition, message)`` adds a run-time check."""

    def __init__(self, name, params, sample, checks=(), extra_dims=0, auto_shape=None):
        self.name, self.params, self.sample = name, tuple(params), sample
        self.checks, self.extra_dims = tuple(checks), extra_dims
        # The shape when size is None: from which parameters (default all).
        self.auto_shape = auto_shape

    def __repr__(self):
        return self.name

    def __reduce__(self):
        # Samplers and checks are functions of this module: pickle the name.
        return (distribution, (self.name,))


def distribution(name):
    """The distribution called ``name`` (what a pickled one refers to)."""
    return DISTRIBUTIONS[name]


def _choice(seed, shape, params, op, require):
    a, p = params
    population = a if a.shape.rank == 0 else tf.shape(a, out_type=tf.int64)[0]
    population = tf.cast(population, tf.int64)
    if op.replace:
        if op.weighted:
            index = draws.categorical(seed, shape, p, tf.int64)
        else:
            index = draws.integers(seed, shape, tf.constant(0, tf.int64), population - 1, tf.int64)
    else:
        k = tf.reduce_prod(shape)
        require(k <= population, f"{op}: cannot take a larger sample than the population "
                                  f"(a) when replace=False")
        keys = (draws.weighted_keys(seed, tf.reshape(population, [1]), p) if op.weighted
                else tf.cast(draws.sort_keys(seed, tf.reshape(population, [1])), tf.float64))
        index = tf.reshape(tf.math.top_k(keys, tf.cast(k, tf.int32)).indices, shape)
    values = index if a.shape.rank == 0 else tf.gather(a, index)
    return tf.cast(values, op.dtype)


def _binomial(seed, shape, params, op, require):
    n, p = params
    if op.unit_n:
        return draws.bernoulli(seed, shape, tf.cast(p, op.work_dtype), op.dtype)
    return draws.binomial(seed, shape, n, p, op.dtype)



def _plain(draw):
    """A sampler calling ``draw(seed, shape, *params, dtype)``."""
    return lambda seed, shape, params, op, require: draw(seed, shape, *params, op.dtype)


# Rules of parameters, which MRG_RandomStreams checks too (tfgraph.random.mrg_ops).
ORDERED = Check((0, 1), lambda low, high: low <= high, "low must not exceed high")
COUNT = Check((0,), lambda n: n >= 0, "n must be non-negative")
DEVIATION = Check((1,), lambda std: std >= 0, "std must be non-negative")
PROBABILITY = Check((1,), lambda p: (p >= 0) & (p <= 1), "p must be in [0, 1]")
# By name, for ops that keep (and pickle) the rules they check.
RULES = {"ordered": ORDERED, "count": COUNT, "deviation": DEVIATION, "probability": PROBABILITY}

DISTRIBUTIONS = {d.name: d for d in [
    Distribution("uniform", ["low", "high"], _plain(draws.uniform), [ORDERED]),
    Distribution("normal", ["avg", "std"], _plain(draws.normal), [DEVIATION]),
    Distribution("binomial", ["n", "p"], _binomial, [COUNT, PROBABILITY]),
    Distribution("random_integers", ["low", "high"], _plain(draws.integers), [ORDERED]),
    Distribution("poisson", ["lam"], _plain(draws.poisson),
                 [Check((0,), lambda lam: lam >= 0, "lam must be non-negative")]),
    Distribution("permutation", ["n"], _plain(draws.permutations), [COUNT], extra_dims=1),
    Distribution("multinomial", ["n", "pvals"], _plain(draws.multinomial),
                 [COUNT, Check((1,), lambda p: p >= 0, "pvals must be non-negative"),
                  Check((1,), _sums_to_one, "pvals must sum to 1 along their last axis")],
                 extra_dims=1, auto_shape="multinomial"),
    Distribution("choice", ["a", "p"], _choice,
                 [Check((1,), lambda p: p >= 0, "p must be non-negative"),
                  Check((1,), _sums_to_one, "p must sum to 1")]),
]}


class RandomDraw(Op):
    """A draw of ``dist`` with output type (``dtype``, ``broadcastable``).

    ``label`` is the op's printed name (Theano's: ``RandomFunction{uniform}``
    or ``mrg_uniform``); ``options`` are static settings (``replace``,
    ``weighted``, ``unit_n``); ``sized`` is False when the shape comes from
    the parameters."""

    def __init__(self, dist, dtype, broadcastable, label, sized=True, **options):
        self.dist = DISTRIBUTIONS[dist]
        self.dtype, self.broadcastable = dtype, tuple(broadcastable)
        self.name, self.sized = label, sized
        self.replace = options.pop("replace", True)
        self.weighted = options.pop("weighted", False)
        self.unit_n = options.pop("unit_n", False)
        self.work_dtype = options.pop("work_dtype", "float64")
        assert not options, options

    def make_node(self, state, size, *params):
        inputs = [state] + ([size] if self.sized else []) + list(params)
        return Apply(self, inputs, [state.type, TensorType(self.dtype, self.broadcastable)])

    def split(self, inputs):
        """(state, size or None, params)."""
        if self.sized:
            return inputs[0], inputs[1], list(inputs[2:])
        return inputs[0], None, list(inputs[1:])

    def check_constants(self, params, what):
        check_constants(self.dist.checks, self.dist.params, params, what)

    def can_fail(self, node):
        """Whether the draw checks anything when it runs: a size or parameters
        not known when the graph was built, or a sample without replacement."""
        _, size_var, param_vars = self.split(node.inputs)
        return (size_var is not None and not non_negative_size(size_var)) or not self.replace or any(
            any(constant_of(param_vars[i]) is None for i in check.params)
            for check in self.dist.checks)

    def lower(self, node, inputs, ctx):
        # The draw's rules go through ctx.require: assertions, or, under XLA,
        # which drops assertions, the draw's validity flags.
        state, size, params = self.split(inputs)
        _, size_var, param_vars = self.split(node.inputs)
        asserts = []
        if size is not None and not non_negative_size(size_var):
            asserts += ctx.require(tf.reduce_all(size >= 0),
                                   f"{self}: size must be non-negative, got", size)
        for rule in self.dist.checks:
            if all(constant_of(param_vars[i]) is not None for i in rule.params):
                continue  # checked when the graph was built
            ok = tf.reduce_all(rule.test(*[params[i] for i in rule.params]))
            asserts += ctx.require(ok, f"{self}: {rule.message}")
        shape = size if size is not None else self._auto_shape(params)
        shape = run_after(asserts, shape)   # no draw from bad parameters
        late = []

        def require(condition, message):
            late.extend(ctx.require(condition, message))
        sample = self.dist.sample(state, shape, params, self, require)
        # The sample and the next state, hence every output and update that
        # uses either, wait for the checks.
        checks = asserts + late
        return [run_after(checks, state + tf.constant([0, 1], tf.int64)), run_after(late, sample)]

    def _auto_shape(self, params):
        if self.dist.auto_shape == "multinomial":
            n, pvals = params
            return tf.broadcast_dynamic_shape(tf.shape(n, out_type=tf.int64),
                                              tf.shape(pvals, out_type=tf.int64)[:-1])
        shape = tf.zeros([0], tf.int64)
        for p in params:
            shape = tf.broadcast_dynamic_shape(shape, tf.shape(p, out_type=tf.int64))
        return shape

    def undefined_grads(self, node):
        """Theano: no gradient through random draws, for any input."""
        return {i: "No gradient defined through random numbers op"
                for i in range(len(node.inputs))}

    def connection_pattern(self, node):
        # The sample depends on every input (so that grad reports an undefined
        # gradient rather than a disconnected one); the next state on none.
        return [[False, True] for _ in node.inputs]

    def pp(self, node, args):
        _, size, params = self.split(args)
        named = [f"size={size}"] if size is not None else []
        named += [f"{n}={a}" for n, a in zip(self.dist.params, params)]
        return f"{self}({', '.join(named)})"


def non_negative_size(size):
    """Whether a size (or an entry of one) is known to be non-negative without
    looking at it: a shape, part of one, or constants (checked when built)."""
    while size.owner is not None and isinstance(size.owner.op, (Cast, Subtensor)):
        size = size.owner.inputs[0]
    if size.owner is not None and isinstance(size.owner.op, Shape):
        return True
    if size.owner is not None and isinstance(size.owner.op, MakeVector):
        return all(non_negative_size(v) for v in size.owner.inputs)
    return constant_of(size) is not None


def constant_of(var):
    """The Constant ``var`` is, or is a cast or undefined_grad of, else None."""
    while var.owner is not None and isinstance(var.owner.op, (Cast, UndefinedGrad)):
        var = var.owner.inputs[0]
    return var if isinstance(var, Constant) else None


def check_constants(checks, names, params, what):
    """Raise ValueError, naming the parameter, for constant ``params`` (named
    ``names``) that break one of the ``checks``."""
    for check in checks:
        values = [constant_of(params[i]) for i in check.params]
        if all(v is not None for v in values):
            arrays = [np.asarray(v.data) for v in values]
            if arrays[0].size and not np.all(check.test(*arrays)):
                shown = ", ".join(f"{names[i]}={_short(a)}" for i, a in zip(check.params, arrays))
                raise ValueError(f"{what}: {check.message}, got {shown}")


def undefined_grad(x):
    """``x``, whose gradient is undefined: ``grad`` through it raises."""
    return UndefinedGrad()(x)


def run_after(checks, tensor):
    """``tensor``, computed after the ``checks`` (None when eager: an eager
    check has already raised or passed)."""
    checks = [c for c in checks if c is not None]
    if not checks:
        return tensor
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


def _short(array):
    text = np.array2string(np.asarray(array), threshold=6, separator=", ")
    return text if len(text) <= 60 else text[:57] + "..."


class PermuteRowElements(Op):
    """``x`` with the elements of each row (last axis) reordered by
    ``permutation`` (Theano's ``permute_row_elements``, without inverse)."""
    name = "permute_row_elements"

    def make_node(self, x, permutation):
        pattern = broadcast_patterns(x.broadcastable, permutation.broadcastable)
        return Apply(self, [x, permutation], [TensorType(x.dtype, pattern)])

    def lower(self, node, inputs, ctx):
        x, perm = inputs
        ndim = max(node.inputs[0].ndim, node.inputs[1].ndim)
        x = tf.reshape(x, tf.concat([tf.ones([ndim - x.shape.rank], tf.int32), tf.shape(x)], 0))
        perm = tf.reshape(perm, tf.concat([tf.ones([ndim - perm.shape.rank], tf.int32),
                                           tf.shape(perm)], 0))
        x, perm = _broadcast_rows(x, perm)
        return [tf.gather(x, perm, batch_dims=ndim - 1)]

    def connection_pattern(self, node):
        return [[True], [False]]


def _broadcast_rows(x, perm):
    batch = tf.broadcast_dynamic_shape(tf.shape(x)[:-1], tf.shape(perm)[:-1])
    return (tf.broadcast_to(x, tf.concat([batch, tf.shape(x)[-1:]], 0)),
            tf.broadcast_to(perm, tf.concat([batch, tf.shape(perm)[-1:]], 0)))
