"""The gradient of every differentiable op of the tensor namespace against
central finite differences, on random shapes and values, with ``verify_grad``.

Each case builds its inputs from a hypothesis-drawn shape and seed, keeping
values inside the op's domain and away from its kinks (|x| = 0 for abs,
ties for max, integers for floor, ...), where finite differences mean
nothing. verify_grad compiles two small functions (~10-20 ms) per example.
"""
import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tfgraph.tensor as T
from tfgraph import gradient
from tfgraph.gradient import GradientError, verify_grad

EXAMPLES = settings(max_examples=4, deadline=None)

Case = collections.namedtuple("Case", "name build tol", defaults=[None])
CASES = []


def case(name, tol=None):
    """Register ``build(rng, dims) -> (fun, [arrays])`` as a test case."""
    def register(build):
        CASES.append(Case(name, build, tol))
        return build
    return register


def uniform(rng, shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def away_from_zero(rng, shape, lo=0.3, hi=2.0):
    return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def away_from_integers(rng, shape, lo=-3.0, hi=3.0):
    return np.floor(rng.uniform(lo, hi, size=shape)) + rng.uniform(0.2, 0.8, size=shape)


def distinct(rng, shape, spacing=0.3):
    """Values whose pairwise differences are at least ``spacing`` (no ties)."""
    n = int(np.prod(shape))
    values = rng.permutation(n) * spacing + rng.uniform(-0.05, 0.05, n) - n * spacing / 2
    return values.reshape(shape)


# --- elementwise -------------------------------------------------------------------

UNARY = {
    # name: (function, value sampler)
    "neg": (T.neg, uniform),
    "abs_": (T.abs_, away_from_zero),
    "sqr": (T.sqr, uniform),
    "exp": (T.exp, uniform),
    "expm1": (T.expm1, uniform),
    "log": (T.log, lambda r, s: uniform(r, s, 0.3, 3.0)),
    "log1p": (T.log1p, lambda r, s: uniform(r, s, -0.7, 3.0)),
    "log2": (T.log2, lambda r, s: uniform(r, s, 0.3, 3.0)),
    "log10": (T.log10, lambda r, s: uniform(r, s, 0.3, 3.0)),
    "sqrt": (T.sqrt, lambda r, s: uniform(r, s, 0.3, 3.0)),
    "sin": (T.sin, uniform),
    "cos": (T.cos, uniform),
    "tan": (T.tan, lambda r, s: uniform(r, s, -1.2, 1.2)),
    "arcsin": (T.arcsin, lambda r, s: uniform(r, s, -0.9, 0.9)),
    "arccos": (T.arccos, lambda r, s: uniform(r, s, -0.9, 0.9)),
    "arctan": (T.arctan, uniform),
    "sinh": (T.sinh, uniform),
    "cosh": (T.cosh, uniform),
    "tanh": (T.tanh, uniform),
    "erf": (T.erf, uniform),
    "sigmoid": (T.nnet.sigmoid, lambda r, s: uniform(r, s, -5, 5)),
    "softplus": (T.nnet.softplus, lambda r, s: uniform(r, s, -5, 5)),
    "ultra_fast_sigmoid": (T.nnet.ultra_fast_sigmoid, uniform),
    "hard_sigmoid": (T.nnet.hard_sigmoid, uniform),
    "relu": (T.nnet.relu, away_from_zero),
    "leaky_relu": (lambda x: T.nnet.relu(x, alpha=0.1), away_from_zero),
    # Piecewise constant: the gradient is zero away from the steps.
    "sgn": (T.sgn, away_from_zero),
    "floor": (T.floor, away_from_integers),
    "ceil": (T.ceil, away_from_integers),
    "round": (T.round, lambda r, s: away_from_integers(r, s) + 0.5),
    "round_half_to_even": (lambda x: T.round(x, "half_to_even"),
                           lambda r, s: away_from_integers(r, s) + 0.5),
    # Methods and aliases.
    "copy": (lambda x: x.copy(), uniform),
    "clip_method": (lambda x: x.clip(-1.0, 1.0), lambda r, s: away_from_zero(r, s, 0.1, 0.9) * 1.5),
}

for _name, (_fn, _sample) in UNARY.items():
    def _build(rng, dims, fn=_fn, sample=_sample):
        return fn, [sample(rng, dims[:2])]
    case(_name)(_build)


def _offset(rng, a, lo=0.3, hi=1.0):
    return a + away_from_zero(rng, a.shape, lo, hi)


BINARY = {
    "add": (T.add, uniform, uniform),
    "sub": (T.sub, uniform, uniform),
    "mul": (T.mul, uniform, uniform),
    "true_div": (T.true_div, uniform, away_from_zero),
    "pow": (T.pow, lambda r, s: uniform(r, s, 0.3, 2.0), uniform),
    "operator_pow": (lambda a, b: a ** b, lambda r, s: uniform(r, s, 0.3, 2.0), uniform),
    "mod": (T.mod, None, None),
    "int_div": (T.int_div, None, None),
    "maximum": (T.maximum, None, None),
    "minimum": (T.minimum, None, None),
}


def _binary_values(name, rng, shape_a, shape_b):
    if name in ("mod", "int_div"):
        b = uniform(rng, shape_a, 0.5, 2.0)
        return away_from_integers(rng, shape_a) * b, b  # a / b stays between integers
    if name in ("maximum", "minimum"):
        a = uniform(rng, shape_a)
        return a, _offset(rng, a)  # never tied
    _, sample_a, sample_b = BINARY[name]
    return sample_a(rng, shape_a), sample_b(rng, shape_b)


for _name, (_fn, _, _) in BINARY.items():
    def _build(rng, dims, fn=_fn, name=_name):
        shape = dims[:2]
        other = (1, dims[1]) if dims[2] % 2 else shape  # sometimes a broadcast row
        return fn, list(_binary_values(name, rng, shape, other))
    case(_name)(_build)


@case("switch")
def _switch(rng, dims):
    shape = dims[:2]
    return (lambda c, a, b: T.switch(c > 0, a * 2, b * 3),
            [away_from_zero(rng, shape), uniform(rng, shape), uniform(rng, shape)])


@case("second")
def _second(rng, dims):
    # fill(model, value): the value's gradient sums over the model's shape;
    # the model's is zero (only its shape is used).
    return (lambda m, v: T.second(m * 2, v * v),
            [uniform(rng, dims[:2]), uniform(rng, (1, dims[1]))])


@case("where_scalar_branch")
def _where(rng, dims):
    return (lambda c, a, s: T.where(T.lt(c, 0), a, s),
            [away_from_zero(rng, dims[:2]), uniform(rng, dims[:2]), np.array(0.7)])


@case("clip_all_inputs")
def _clip(rng, dims):
    x = away_from_zero(rng, dims[:2], 0.1, 2.0)
    # Bounds near +-1, never within 0.05 of an x.
    lo, hi = np.array(-1.0), np.array(1.0)
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.05, x * 0.9, x)
    return T.clip, [x, lo, hi]


@case("sigmoid_binary_crossentropy")
def _sbce(rng, dims):
    return (T.nnet.sigmoid_binary_crossentropy,
            [uniform(rng, dims[:2], -4, 4), uniform(rng, dims[:2], 0.0, 1.0)])


@case("binary_crossentropy_of_sigmoid")
def _bce_sigmoid(rng, dims):
    return (lambda z, t: T.nnet.binary_crossentropy(T.nnet.sigmoid(z), t),
            [uniform(rng, dims[:2], -4, 4), uniform(rng, dims[:2], 0.0, 1.0)])


@case("binary_crossentropy")
def _bce(rng, dims):
    return (T.nnet.binary_crossentropy,
            [uniform(rng, dims[:2], 0.1, 0.9), uniform(rng, dims[:2], 0.0, 1.0)])


@case("cast_float32_float64", tol=1e-2)
def _cast(rng, dims):
    return (lambda x: T.cast(x, "float64") * T.cast(x * 2, "float32"),
            [uniform(rng, dims[:2]).astype("float32")])


@case("float32_inputs", tol=1e-2)
def _float32(rng, dims):
    return (lambda a, b: T.tanh(a) * T.exp(b),
            [uniform(rng, dims[:2]).astype("float32"), uniform(rng, dims[:2]).astype("float32")])


# --- reductions ---------------------------------------------------------------------

def _axes(dims, ndim):
    """An axis argument chosen from the drawn dims: None, an int, or a tuple."""
    choice = dims[2] % 4
    return [None, 0, ndim - 1, (0, ndim - 1)][choice]


for _kind in ("sum", "mean", "prod", "var", "std", "max", "min"):
    def _build(rng, dims, kind=_kind):
        shape = (dims[0] + 1, dims[1] + 1, 2)  # std is not differentiable at 0
        axis = _axes(dims, 3)
        keepdims = bool(dims[0] % 2)
        if kind in ("max", "min"):
            x = distinct(rng, shape)
        elif kind == "prod":
            x = away_from_zero(rng, shape, 0.5, 1.5)
        else:
            x = uniform(rng, shape)
        fn = getattr(T, kind)
        return (lambda v: fn(v, axis=axis, keepdims=keepdims)), [x]
    case(_kind)(_build)


@case("var_ddof_method")
def _var_ddof(rng, dims):
    return (lambda v: v.var(axis=0, ddof=1)), [uniform(rng, (dims[0] + 1, dims[1]))]


@case("sum_method_dtype")
def _sum_dtype(rng, dims):
    return (lambda v: (v ** 2).sum(axis=-1)), [uniform(rng, dims)]


# --- products -----------------------------------------------------------------------

DOT_SHAPES = {
    "dot_matrix_matrix": lambda n, m, k: [(n, m), (m, k)],
    "dot_matrix_vector": lambda n, m, k: [(n, m), (m,)],
    "dot_vector_matrix": lambda n, m, k: [(m,), (m, k)],
    "dot_vector_vector": lambda n, m, k: [(m,), (m,)],
    "dot_tensor3_matrix": lambda n, m, k: [(n, 2, m), (m, k)],
    "dot_scalar_matrix": lambda n, m, k: [(), (m, k)],
}

for _name, _shapes in DOT_SHAPES.items():
    def _build(rng, dims, shapes=_shapes):
        return T.dot, [uniform(rng, s) for s in shapes(*dims)]
    case(_name)(_build)


@case("matmul_operator")
def _matmul(rng, dims):
    n, m, k = dims
    return (lambda a, b: a @ b), [uniform(rng, (n, m)), uniform(rng, (m, k))]


@case("tensordot_int_axes")
def _tensordot(rng, dims):
    n, m, k = dims
    return (lambda a, b: T.tensordot(a, b, 2)), [uniform(rng, (n, m, k)), uniform(rng, (m, k, 2))]


@case("tensordot_axis_pairs")
def _tensordot_pairs(rng, dims):
    n, m, k = dims
    return (lambda a, b: T.tensordot(a, b, [[0, 2], [1, 0]])), [
        uniform(rng, (n, m, k)), uniform(rng, (k, n, 3))]


for _name, _shapes in {"batched_dot_3_3": lambda b, m, k: [(b, 2, m), (b, m, k)],
                       "batched_dot_3_2": lambda b, m, k: [(b, k, m), (b, m)],
                       "batched_dot_2_3": lambda b, m, k: [(b, m), (b, m, k)],
                       "batched_dot_2_2": lambda b, m, k: [(b, m), (b, m)]}.items():
    def _build(rng, dims, shapes=_shapes):
        return T.batched_dot, [uniform(rng, s) for s in shapes(*dims)]
    case(_name)(_build)


@case("outer")
def _outer(rng, dims):
    return T.outer, [uniform(rng, (dims[0],)), uniform(rng, (dims[1],))]


# --- shapes -------------------------------------------------------------------------

@case("reshape")
def _reshape(rng, dims):
    n, m, k = dims
    return (lambda x: T.reshape(x, (m, n * k)) * T.arange(n * k)), [uniform(rng, (n, m, k))]


@case("reshape_symbolic_shape")
def _reshape_symbolic(rng, dims):
    return (lambda x: x.reshape((x.shape[0] * x.shape[1],)) ** 2), [uniform(rng, dims[:2])]


@case("flatten")
def _flatten(rng, dims):
    return (lambda x: T.flatten(x, 2) ** 2), [uniform(rng, dims)]


@case("dimshuffle")
def _dimshuffle(rng, dims):
    return (lambda x: x.dimshuffle(2, "x", 0, 1) * T.arange(dims[1])), [uniform(rng, dims)]


@case("transpose")
def _transpose(rng, dims):
    return (lambda x: x.T * x.T.sum(axis=0)), [uniform(rng, dims[:2])]


@case("squeeze")
def _squeeze(rng, dims):
    return (lambda x: T.squeeze(x) ** 3), [uniform(rng, (dims[0], 1, dims[1]))]


@case("concatenate")
def _concatenate(rng, dims):
    n, m, k = dims
    return ((lambda a, b: T.concatenate([a, b * 2, a], axis=1) ** 2),
            [uniform(rng, (n, m)), uniform(rng, (n, k))])


@case("stack")
def _stack(rng, dims):
    return ((lambda a, b: T.stack([a, b, a * b], axis=1) ** 2),
            [uniform(rng, dims[:2]), uniform(rng, dims[:2])])


@case("alloc")
def _alloc(rng, dims):
    n, m, _ = dims
    return (lambda v: T.alloc(v, n, m) ** 2), [uniform(rng, (m,))]


@case("fill_value")
def _fill(rng, dims):
    return (lambda model, v: T.fill(model, v) * model), [uniform(rng, dims[:2]), np.array(0.6)]


@case("zeros_like_ones_like")
def _likes(rng, dims):
    return (lambda x: (x + T.ones_like(x)) * (x + T.zeros_like(x))), [uniform(rng, dims[:2])]


# --- indexing -----------------------------------------------------------------------

@case("subtensor_basic")
def _basic_index(rng, dims):
    n, m, k = dims
    return (lambda x: x[1:, ::2, -1] ** 2), [uniform(rng, (n + 1, m, k))]


@case("subtensor_scalar_index_and_newaxis")
def _int_index(rng, dims):
    return (lambda x: x[0, None, :] * x[-1]), [uniform(rng, dims[:2])]


@case("subtensor_symbolic_bounds")
def _symbolic_index(rng, dims):
    return (lambda x: x[x.shape[0] // 2:] ** 2), [uniform(rng, dims[:2])]


@case("advanced_index_repeated")
def _advanced(rng, dims):
    n = dims[0] + 1
    index = rng.randint(0, n, size=5).tolist()
    return (lambda x: x[index] ** 2), [uniform(rng, (n, dims[1]))]


@case("advanced_index_two_arrays")
def _advanced_pair(rng, dims):
    n, m = dims[0] + 1, dims[1] + 1
    rows, cols = rng.randint(0, n, size=4).tolist(), rng.randint(0, m, size=4).tolist()
    return (lambda x: x[rows, cols] ** 2), [uniform(rng, (n, m))]


@case("boolean_mask")
def _mask(rng, dims):
    return (lambda x: x[x > 0] ** 2), [away_from_zero(rng, dims[:2])]


@case("set_subtensor")
def _set_subtensor(rng, dims):
    n, m, _ = dims
    return ((lambda x, y: T.set_subtensor(x[1:, :], y) ** 2),
            [uniform(rng, (n + 1, m)), uniform(rng, (n, m))])


@case("inc_subtensor_repeated_indices")
def _inc_subtensor(rng, dims):
    n = dims[0] + 1
    index = rng.randint(0, n, size=4).tolist()
    return ((lambda x, y: T.inc_subtensor(x[index], y) ** 2),
            [uniform(rng, (n, dims[1])), uniform(rng, (4, dims[1]))])


# --- neural-network ops -------------------------------------------------------------

@case("softmax")
def _softmax(rng, dims):
    return T.nnet.softmax, [uniform(rng, (dims[0], dims[1] + 1))]


@case("logsoftmax")
def _logsoftmax(rng, dims):
    return T.nnet.logsoftmax, [uniform(rng, (dims[0], dims[1] + 1))]


@case("softmax_vector")
def _softmax_vector(rng, dims):
    return T.nnet.softmax, [uniform(rng, (dims[1] + 1,))]


@case("crossentropy_softmax_probabilities")
def _xent_probs(rng, dims):
    n, k = dims[0], dims[1] + 1
    target = rng.dirichlet(np.ones(k), size=n)
    return ((lambda z, t: T.nnet.categorical_crossentropy(T.nnet.softmax(z), t)),
            [uniform(rng, (n, k)), target])


@case("crossentropy_softmax_indices")
def _xent_indices(rng, dims):
    n, k = dims[0], dims[1] + 1
    labels = rng.randint(0, k, size=n).astype("int32")
    return ((lambda z: T.nnet.categorical_crossentropy(T.nnet.softmax(z), labels)),
            [uniform(rng, (n, k))])


@case("crossentropy_categorical_1hot")
def _xent_1hot(rng, dims):
    n, k = dims[0], dims[1] + 1
    labels = rng.randint(0, k, size=n).astype("int64")
    return ((lambda p: T.nnet.categorical_crossentropy(p, labels)),
            [rng.uniform(0.1, 1.0, size=(n, k))])


@case("categorical_crossentropy_probabilities")
def _xent_plain(rng, dims):
    n, k = dims[0], dims[1] + 1
    return (T.nnet.categorical_crossentropy,
            [rng.uniform(0.1, 1.0, size=(n, k)), rng.dirichlet(np.ones(k), size=n)])


# --- gradient ops themselves -----------------------------------------------------------

@case("grad_as_an_op")
def _grad_op(rng, dims):
    # The gradient of a gradient: verify_grad differentiates grad(...) again.
    return ((lambda x: T.grad(T.sum(T.sin(x) * x ** 2), x)), [uniform(rng, dims[:2])])


@case("jacobian_as_an_op")
def _jacobian_op(rng, dims):
    return ((lambda x: gradient.jacobian(T.tanh(x) * x.sum(), x)), [uniform(rng, (dims[0],))])


ALL = {c.name: c for c in CASES}


@pytest.mark.parametrize("name", sorted(ALL))
@EXAMPLES
@given(dims=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
       seed=st.integers(0, 2 ** 31 - 1))
def test_gradient_matches_finite_differences(name, dims, seed):
    rng = np.random.RandomState(seed)
    fun, pt = ALL[name].build(rng, dims)
    tol = ALL[name].tol
    verify_grad(fun, pt, rng=rng, abs_tol=tol, rel_tol=tol)


def test_every_differentiable_elementwise_op_is_covered():
    """A new elementwise op of the table must get a case here (or be listed
    as not differentiable)."""
    from tfgraph.ops.elemwise import OPS
    not_differentiable = {"lt", "gt", "le", "ge", "eq", "neq", "and_", "or_", "xor",
                          "invert", "isnan", "isinf"}
    covered = set(ALL) | {"clip", "round_half_away_from_zero"}
    missing = set(OPS) - not_differentiable - covered
    assert not missing, f"no gradient test for {sorted(missing)}"


@pytest.mark.parametrize("wrong", [
    lambda x: gradient.grad_scale(x, 1.5) ** 2,
    lambda x: gradient.grad_clip(x * 3, -1, 1).sum(),
])
def test_verify_grad_catches_wrong_gradients(wrong):
    """The cases above can fail: a gradient that is off is reported."""
    with pytest.raises(GradientError):
        verify_grad(wrong, [np.array([0.5, -1.0, 2.0])], rng=np.random.RandomState(0))
