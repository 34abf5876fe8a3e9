"""Theano 1.0.5's ops and types as its own code and tests use them: ``Join``
and ``Split`` with the axis as an input, ``stack`` of scalars as a
``MakeVector``, the prefixed constructors as ``TensorType`` instances, the
value comparisons of ``TensorType``, ``Constant.value``. Each test cites
the source in Theano 1.0.5 it follows."""
import pickle
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.tensor.basic import Join, Split, join_
from tfgraph.tensor.opt import MakeVector


# --- Join: tensor/basic.py, class Join ----------------------------------------------------

def test_join_takes_the_axis_first_and_it_may_be_symbolic():
    """Join.make_node(*axis_and_tensors): the axis is input 0, an int or an
    integer scalar; a symbolic axis leaves no dimension broadcastable."""
    a, b = T.dmatrix("a"), T.dmatrix("b")
    axis = T.lscalar("axis")
    joined = join_(axis, a, b)
    assert isinstance(joined.owner.op, Join) and joined.owner.inputs[0] is axis
    f = theano.function([axis, a, b], joined)
    A, B = np.ones((2, 3)), np.zeros((2, 3))
    np.testing.assert_array_equal(f(0, A, B), np.concatenate([A, B], 0))
    np.testing.assert_array_equal(f(-1, A, B), np.concatenate([A, B], 1))
    # Join.perform: an axis out of bounds is an IndexError, at run time for a symbolic one.
    with pytest.raises(IndexError, match="out of bounds"):
        f(2, A, B)
    with pytest.raises(IndexError, match="out of range"):
        join_(-3, a, b)
    with pytest.raises(ValueError, match="out of range"):
        join_(2, a, b)


def test_join_broadcastable_rule_and_errors():
    """_make_node_internal: a dimension other than the axis broadcasts when any
    input's does (they must all have length 1 there); the axis never does;
    a constant axis folded through a cast counts as constant."""
    a = T.TensorType("float64", (False, False, True))("a")
    b = T.TensorType("float64", (True, False, False))("b")
    for axis in (1, T.constant(1), T.cast(T.constant(1), "int32")):
        assert join_(axis, a, b).broadcastable == (True, False, True)
    assert join_(T.lscalar(), a, b).broadcastable == (False, False, False)
    one = T.TensorType("float64", (True, False, True))("one")
    assert join_(0, one).broadcastable == (True, False, True)   # a single input keeps its own
    with pytest.raises(TypeError, match="0-d"):
        join_(0, T.dscalar(), T.dscalar())
    with pytest.raises(TypeError, match="same number of dimensions"):
        join_(0, T.dmatrix(), T.dvector())
    with pytest.raises(TypeError, match="integer scalar"):
        join_(T.dscalar("axis"), a, b)
    with pytest.raises(ValueError, match="empty list"):
        join_(0)


def test_join_view_str_and_equality():
    """Join(view=-1): __props__ = ("view",); __str__ is Join or Join{view=0}."""
    assert str(join_) == "Join" and str(Join(view=0)) == "Join{view=0}"
    assert Join() == join_ and Join(view=0) != join_
    x, s = T.dvector("x"), T.lscalar("s")
    z = T.zeros((s,))
    f = theano.function([x, s], Join(view=0)(0, x, z, z))
    np.testing.assert_array_equal(f(np.array([3.0, 4.0]), 0), [3.0, 4.0])
    np.testing.assert_array_equal(f(np.array([3.0]), 1), [3.0, 0.0, 0.0])
    assert pickle.loads(pickle.dumps(join_)) is join_


def test_concatenate_and_join_of_one_tensor_give_it_back():
    """join: "will not add the op in the graph when it is not useful";
    concatenate refuses tensors not given as a list or tuple."""
    x = T.fmatrix("x")
    assert T.concatenate([x], axis=1) is x and T.join(0, x) is x
    with pytest.raises(TypeError, match="tuple or a list"):
        T.concatenate(x, x)


def test_join_gradient_with_a_symbolic_axis():
    """Join.grad splits the output gradient along the axis joined."""
    a, b = T.dmatrix("a"), T.dmatrix("b")
    axis = T.lscalar("axis")
    weights = T.dmatrix("w")
    cost = (join_(axis, a, b) * weights).sum()
    ga, gb = theano.grad(cost, [a, b])
    f = theano.function([axis, a, b, weights], [ga, gb])
    W = np.arange(12.0).reshape(2, 6)
    grad_a, grad_b = f(1, np.ones((2, 3)), np.ones((2, 3)), W)
    np.testing.assert_array_equal(grad_a, W[:, :3])
    np.testing.assert_array_equal(grad_b, W[:, 3:])


# --- Split: tensor/basic.py, class Split ---------------------------------------------------

def test_split_takes_x_axis_and_splits():
    """Split(len_splits)(x, axis, splits); split(x, splits_size, n_splits, axis)."""
    m = theano.shared(np.arange(24.0).reshape(4, 6))
    axis = T.lscalar("axis")
    pieces = Split(2)(m, axis, [4, 2])
    assert str(pieces[0].owner.op) == "Split{2}" and Split(2) == Split(2) != Split(3)
    first, second = theano.function([axis], pieces)(1)
    np.testing.assert_array_equal(first, m.get_value()[:, :4])
    np.testing.assert_array_equal(second, m.get_value()[:, 4:])
    empty = theano.function([], Split(2)(m, 0, [4, 0]))()   # Split.perform: zero-length pieces
    assert empty[0].shape == (4, 6) and empty[1].shape == (0, 6)
    sizes = T.lvector("sizes")
    f = theano.function([sizes], T.split(m, sizes, 2, axis=0))
    # Split.perform: negative sizes and sizes that do not add up are ValueErrors.
    with pytest.raises(ValueError, match="negative"):
        f([5, -1])
    with pytest.raises(ValueError, match="add up"):
        f([1, 2])
    with pytest.raises(TypeError, match="axis must be an integer scalar"):
        Split(2)(m, T.dscalar(), [2, 2])
    with pytest.raises(ValueError, match="positive"):
        Split(0)


# --- stack: tensor/basic.py, def stack ------------------------------------------------------

def test_stack_of_scalars_is_a_make_vector_of_their_dtype():
    """stack: "If all tensors are scalars of the same type, call make_vector"
    with the upcast dtype (opt.py, class MakeVector(dtype))."""
    a, b = T.fscalar("a"), T.fscalar("b")
    s = T.stack([a, b, a])
    assert isinstance(s.owner.op, MakeVector) and s.dtype == "float32"
    np.testing.assert_array_equal(theano.function([a, b], s)(1, 2), [1, 2, 1])
    triple = T.as_tensor_variable((T.lscalar("x"), T.dscalar("y"), 9.0))
    assert triple.dtype == "float64" and T.get_vector_length(triple) == 3
    assert MakeVector("int32") == MakeVector("int32") != MakeVector()
    with pytest.raises(TypeError, match="upcast to int32"):
        MakeVector("int32")(T.dscalar())


def test_stack_interfaces():
    """stack(tensors, axis), stack(tensors=..., axis=...), and the deprecated
    stack(*tensors); an axis out of bounds is an IndexError."""
    a, b = T.imatrix("a"), T.imatrix("b")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = T.stack(a, b)
    assert [w.category for w in caught] == [DeprecationWarning]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = T.stack([a, b], axis=-1)
        named = T.stack(tensors=[a, b], axis=1)
    f = theano.function([a, b], [old, new, named])
    A, B = [[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]
    for got, axis in zip(f(A, B), (0, -1, 1)):
        np.testing.assert_array_equal(got, np.stack([A, B], axis=axis))
    with pytest.raises(IndexError):
        T.stack([a, b], 4)
    with pytest.raises(IndexError):
        T.stack([a, b], -4)


# --- constructors: tensor/basic.py, ``lscalar = TensorType('int64', ())`` -----------------

def test_prefixed_constructors_are_tensor_types():
    x = T.lscalar("x")
    assert isinstance(T.lscalar, T.TensorType) and x.type == T.lscalar
    assert T.dmatrix == T.TensorType("float64", (False, False)) != T.fmatrix
    assert T.dmatrix(name="m").name == "m" and T.dmatrix().name is None
    assert pickle.loads(pickle.dumps(T.dmatrix)) is T.dmatrix
    assert pickle.loads(pickle.dumps(x)).type == T.lscalar
    # The unprefixed ones are functions that read floatX when called.
    assert not isinstance(T.matrix, T.TensorType) and T.matrix("m", dtype="int8").dtype == "int8"


# --- values: tensor/type.py, TensorType.values_eq, values_eq_approx, filter -----------------

def test_values_eq_approx_as_theanos_test_tensor_values_eq_approx():
    """tensor/type.py, values_eq_approx: inf, -inf and nan equal themselves;
    allow_remove_inf / allow_remove_nan let an inf / nan in a match anything."""
    a = np.asarray([-np.inf, -1, 0, 1, np.inf, np.nan])
    assert T.TensorType.values_eq_approx(a, a)
    assert not T.TensorType.values_eq_approx(a, np.asarray([np.inf, -1, 0, 1, np.inf, np.nan]))
    assert T.TensorType.values_eq_approx(a, np.asarray([np.inf, -1, 0, 1, 5, np.nan]),
                                         allow_remove_inf=True)
    assert not T.TensorType.values_eq_approx(a, np.asarray([np.inf, -1, 0, 1, 5, 6]),
                                             allow_remove_inf=True)
    assert T.TensorType.values_eq_approx(a, np.asarray([-np.inf, -1, 0, 1, np.inf, 6]),
                                         allow_remove_nan=True)
    assert not T.TensorType.values_eq_approx(a, a.astype("float32"))   # dtypes differ
    assert T.TensorType.values_eq_approx(np.float32([1, 2]), np.float32([1, 2 + 1e-6]))
    assert not T.TensorType.values_eq_approx(np.int64([1, 2]), np.int64([1, 3]))


def test_values_eq_nan_and_dtype():
    """TensorType.values_eq: NaN equals NaN; force_same_dtype."""
    a = np.array([1.0, np.nan])
    assert T.dvector.values_eq(a, a.copy())
    assert not T.dvector.values_eq(a, np.array([1.0, 2.0]))
    assert not T.dvector.values_eq(a, a.astype("float32"))
    assert T.dvector.values_eq(a, a.astype("float32"), force_same_dtype=False)
    assert not T.dvector.values_eq(a, a[:1])


def test_filter_refuses_variables_and_optionally_non_finite_values():
    """TensorType.filter: a Variable is a TypeError; filter_checks_isfinite
    makes NaN and inf a ValueError."""
    t = T.TensorType("float64", (False,))
    assert t.filter_checks_isfinite is False
    np.testing.assert_array_equal(t.filter([1.0, np.inf]), [1.0, np.inf])
    with pytest.raises(TypeError, match="found a Variable"):
        t.filter(T.dvector())
    t.filter_checks_isfinite = True
    with pytest.raises(ValueError, match="non-finite"):
        t.filter([1.0, np.nan])
    np.testing.assert_array_equal(t.filter([1.0, 2.0]), [1.0, 2.0])


def test_constant_value_is_its_data():
    """gof/graph.py, Constant: ``value = property(lambda self: self.data)``."""
    c = T.constant(np.arange(6).reshape(2, 3))
    assert c.value is c.data and c.value.shape == (2, 3)


# --- Unique: tensor/extra_ops.py, class Unique (axis, __props__) ---------------------------

@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_unique_along_an_axis_matches_numpy(axis):
    """Unique(return_index, return_inverse, return_counts, axis): np.unique's
    outputs; the inverse stays a vector (Theano's output type) without an axis."""
    from tfgraph.tensor.extra_ops import Unique
    x = T.dmatrix("x")
    op = Unique(True, True, True, axis=axis)
    outs = theano.function([x], op(x, return_list=True))(
        np.array([[1, 2, 2], [1, 2, 2], [0, 5, 5], [1, 2, 2]], "float64"))
    expected = np.unique(np.array([[1, 2, 2], [1, 2, 2], [0, 5, 5], [1, 2, 2]]), True, True,
                         True, axis=axis)
    for got, want in zip(outs, expected):
        np.testing.assert_array_equal(got, want.ravel() if axis is None else want)
    assert op == Unique(True, True, True, axis=axis) != Unique(axis=axis)


def test_unique_axis_errors_and_broadcast_pattern():
    from tfgraph.tensor.extra_ops import Unique
    row = T.TensorType("float64", (True, False))("row")
    assert Unique(axis=1)(row).broadcastable == (True, False)
    assert Unique(axis=0)(row).broadcastable == (False, False)
    with pytest.raises(ValueError, match="outside"):
        Unique(axis=2)(row)
    t = T.dtensor3("t")
    value = np.random.default_rng(0).integers(0, 2, (3, 2, 4)).astype("float64")
    np.testing.assert_array_equal(theano.function([t], Unique(axis=1)(t))(value),
                                  np.unique(value, axis=1))


def test_op_call_return_list():
    """gof/op.py, Op.__call__: return_list=True gives a list even for one output."""
    x = T.dvector("x")
    assert isinstance(T.exp(x).owner.op(x, return_list=True), list)


# --- images2neibs: tensor/nnet/neighbours.py --------------------------------------------------

def _wrap_centered(x, c, d, sr, sc):
    """Images2Neibs.perform's loops in mode wrap_centered."""
    n, s, h, w = x.shape
    return np.array([[x[a, b, (i * sr + k - c // 2) % h, (j * sc + m - d // 2) % w]
                      for k in range(c) for m in range(d)]
                     for a in range(n) for b in range(s)
                     for i in range(-(-h // sr)) for j in range(-(-w // sc))])


@pytest.mark.parametrize("shape, step", [((3, 3), None), ((3, 1), (2, 3)), ((5, 5), (1, 1))])
def test_images2neibs_wrap_centered(shape, step):
    from tfgraph.tensor.nnet.neighbours import images2neibs
    x = T.dtensor4("x")
    value = np.random.default_rng(1).standard_normal((2, 3, 5, 7))
    got = theano.function([x], images2neibs(x, shape, step, mode="wrap_centered"))(value)
    np.testing.assert_array_equal(got, _wrap_centered(value, *shape, *(step or shape)))


def test_images2neibs_errors_are_theanos():
    """Images2Neibs.perform: even windows in wrap_centered, images smaller than
    the window, and windows that do not tile are TypeErrors; an unknown
    mode is NotImplementedError (Images2Neibs.__init__)."""
    from tfgraph.tensor.nnet.neighbours import Images2Neibs, images2neibs
    x = T.dtensor4("x")
    value = np.zeros((1, 1, 5, 5))
    for shape, mode in [((2, 2), "wrap_centered"), ((7, 7), "wrap_centered"),
                        ((2, 2), "valid"), ((2, 2), "half"), ((2, 2), "full")]:
        with pytest.raises(TypeError):
            theano.function([x], images2neibs(x, shape, mode=mode))(value)
    with pytest.raises(NotImplementedError):
        Images2Neibs("no such mode")
    assert str(Images2Neibs("half")) == "Images2Neibs{half}"


def test_images2neibs_symbolic_shape_and_neibs2images_round_trip():
    """neib_shape is an input of the op; neibs2images inverts valid and
    ignore_borders windows (zeros where none reached), for integers too."""
    from tfgraph.tensor.nnet.neighbours import images2neibs, neibs2images
    x, window = T.ltensor4("x"), T.lvector("window")
    value = np.arange(2 * 3 * 5 * 7).reshape(2, 3, 5, 7)
    for mode in ("valid", "ignore_borders"):
        back = neibs2images(images2neibs(x, window, mode="ignore_borders"), window, x.shape,
                            mode=mode)
        f = theano.function([x, window], back)
        if mode == "valid":
            np.testing.assert_array_equal(f(value[:, :, :4, :6], [2, 3]), value[:, :, :4, :6])
            with pytest.raises(ValueError):
                f(value, [2, 3])   # 5 x 7 images are not tiled by 2 x 3 windows
        else:
            expected = np.zeros_like(value)
            expected[:, :, :4, :6] = value[:, :, :4, :6]
            np.testing.assert_array_equal(f(value, [2, 3]), expected)
    with pytest.raises(NotImplementedError):
        neibs2images(T.dmatrix(), (2, 2), x.shape, mode="half")


# --- batch normalization ops: tensor/nnet/bn.py --------------------------------------------

def test_batch_norm_ops_compute_theanos_formulas():
    """AbstractBatchNormTrain/Inference/TrainGrad.perform: the training
    output and statistics, the running averages (unbiased variance), the
    inference output, and the gradient of the training output."""
    from tfgraph.tensor.nnet import bn
    rng = np.random.default_rng(2)
    X, Dy = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    S, B, M, V = (rng.standard_normal((1, 3)) for _ in range(4))
    x, dy, s, b, m, v = (T.dmatrix(n) for n in "x dy s b m v".split())
    train = bn.AbstractBatchNormTrain((0,))(x, s, b, 1e-3, 0.3, m, v)
    infer = bn.AbstractBatchNormInference((0,))(x, s, b, m, abs(v), 1e-3)
    grads = bn.AbstractBatchNormTrainGrad((0,))(x, dy, s, train[1], train[2])
    f = theano.function([x, dy, s, b, m, v], train + [infer] + grads)
    out, mean, invstd, new_m, new_v, inferred, gx, gs, gb = f(X, Dy, S, B, M, V)
    want_mean, want_var = X.mean(0, keepdims=True), X.var(0, keepdims=True)
    want_invstd = 1 / np.sqrt(want_var + 1e-3)
    np.testing.assert_allclose(out, (X - want_mean) * S * want_invstd + B)
    np.testing.assert_allclose(invstd, want_invstd)
    np.testing.assert_allclose(new_m, M * 0.7 + want_mean * 0.3)
    np.testing.assert_allclose(new_v, V * 0.7 + 4 / 3 * want_var * 0.3)
    np.testing.assert_allclose(inferred, (X - M) * S / np.sqrt(abs(V) + 1e-3) + B)
    # The gradient op against the tape's gradient of the training output.
    taped = theano.grad(None, [x, s, b], known_grads={train[0]: dy})
    for got, want in zip([gx, gs, gb], theano.function([x, dy, s, b], taped)(X, Dy, S, B)):
        np.testing.assert_allclose(got, want, atol=1e-10)
    with pytest.raises(ValueError, match="axes should be less than ndim"):
        bn.AbstractBatchNormTrain((2,))(x, s, b)
    with pytest.raises(ValueError, match="both be given"):
        bn.AbstractBatchNormTrain((0,))(x, s, b, 1e-3, 0.1, m)
