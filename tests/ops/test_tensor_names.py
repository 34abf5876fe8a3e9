"""The rest of theano.tensor's names: raw_random on explicit states, the
sort / nlinalg / batch-norm op classes, xlogx's scalar forms, and the small
names of theano.tensor, against NumPy."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.tensor import raw_random, shared_randomstreams
from tfgraph.tensor.nnet import bn
from tfgraph.tensor import nlinalg, xlogx
from tfgraph.tensor.sort import ArgSortOp, SortOp, TopKOp


def test_raw_random_draws_on_a_shared_random_state():
    rng = theano.shared(np.random.RandomState(42), "rng")
    assert isinstance(rng, shared_randomstreams.RandomStateSharedVariable)
    assert isinstance(rng.type, raw_random.RandomStateType)
    with pytest.raises(TypeError, match="RandomState"):
        shared_randomstreams.randomstate_constructor(np.zeros(2))
    new_rng, u = raw_random.uniform(rng, size=(2000,), low=2.0, high=3.0)
    new_rng2, k = raw_random.random_integers(new_rng, size=(2000,), low=-1, high=1)
    f = theano.function([], [u, k], updates=[(rng, new_rng2)])
    first, ints = f()
    second, _ = f()
    assert 2.0 <= first.min() and first.max() < 3.0 and abs(first.mean() - 2.5) < 0.03
    assert set(np.unique(ints)) == {-1, 0, 1}
    assert not np.array_equal(first, second)
    assert rng.get_value()[1] == 4                   # two draws a call, two calls
    rng.set_value(np.random.RandomState(42))         # back to the start
    np.testing.assert_array_equal(f()[0], first)
    with pytest.raises(TypeError, match="random state"):
        raw_random.normal(T.dvector("notastate"), (2,))


def test_raw_random_functions_and_random_function_on_a_symbolic_state():
    r = raw_random.random_state_type("r")
    new_r, n = raw_random.normal(r, (4000,), avg=1.0, std=2.0)
    _, b = raw_random.binomial(new_r, (4000,), n=5, p=0.3)
    _, perm = raw_random.permutation(r, (), n=6)
    _, c = raw_random.choice(r, (5,), a=10, replace=False)
    _, m = raw_random.multinomial(r, (3,), n=7, pvals=[0.2, 0.8])
    _, pois = raw_random.poisson(r, (4000,), lam=3.0)
    state, sample = raw_random.RandomFunction("uniform", T.dmatrix)(r, (2, 3), 0.0, 1.0)
    f = theano.function([r], [new_r, n, b, perm, c, m, pois, state, sample])
    nr, nv, bv, pv, cv, mv, po, st, sv = f(np.array([7, 0]))
    np.testing.assert_array_equal(nr, [7, 1])
    assert abs(nv.mean() - 1.0) < 0.15 and abs(nv.std() - 2.0) < 0.15
    assert abs(bv.mean() - 1.5) < 0.1 and bv.min() >= 0 and bv.max() <= 5
    assert sorted(pv) == list(range(6)) and len(set(cv)) == 5
    assert mv.shape == (3, 2) and (mv.sum(axis=1) == 7).all()
    assert abs(po.mean() - 3.0) < 0.15
    assert sv.shape == (2, 3) and sv.dtype == np.float64 and (0 <= sv).all()


def test_random_streams_base():
    class Streams(raw_random.RandomStreamsBase):
        def __init__(self):
            self.updates = []

        def gen(self, op, *args, **kwargs):
            state = theano.shared(np.random.RandomState(0))
            new_state, sample = op(state, *args, **kwargs)
            self.updates.append((state, new_state))
            return sample
    streams = Streams()
    x = streams.normal((3,)) + streams.uniform((3,))
    f = theano.function([], x, updates=streams.updates)
    assert not np.array_equal(f(), f())
    assert isinstance(shared_randomstreams.RandomStreams(1), raw_random.RandomStreamsBase)
    with pytest.raises(TypeError):
        raw_random.RandomStreamsBase()


def test_op_classes():
    x = T.dmatrix("x")
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((3, 4))
    f = theano.function([x], [SortOp("quicksort")(x, 0), SortOp("mergesort")(x, None),
                              ArgSortOp("quicksort")(x), *TopKOp(axis=1)(x, 2),
                              nlinalg.TensorInv(ind=1)(x[:, :3]),
                              xlogx.scalar_xlogx(x[0, 0] ** 2), xlogx.scalar_xlogy0(0.0, x[0, 0])])
    s0, sflat, args, top, topi, inv, xl, xy = f(xv)
    np.testing.assert_array_equal(s0, np.sort(xv, 0))
    np.testing.assert_array_equal(sflat, np.sort(xv, None))
    np.testing.assert_array_equal(args, np.argsort(xv, -1))
    np.testing.assert_array_equal(top, -np.sort(-xv, 1)[:, :2])
    np.testing.assert_array_equal(topi, np.argsort(-xv, 1)[:, :2])
    np.testing.assert_allclose(inv, np.linalg.inv(xv[:, :3]), rtol=1e-10)
    np.testing.assert_allclose(xl, xv[0, 0] ** 2 * np.log(xv[0, 0] ** 2))
    assert xy == 0.0
    a, b = T.dmatrix("a"), T.dvector("b")
    av, bv = rng.standard_normal((3, 3)), rng.standard_normal(3)
    np.testing.assert_allclose(theano.function([a, b], nlinalg.TensorSolve()(a, b))(av, bv),
                               np.linalg.solve(av, bv), rtol=1e-10)
    axis = T.lscalar("axis")
    on_axis = SortOp("quicksort")(x, axis)
    assert isinstance(on_axis.owner.op, SortOp)
    np.testing.assert_array_equal(theano.function([x, axis], on_axis)(xv, 0), np.sort(xv, 0))


def test_batch_norm_op_classes():
    x, g, b = T.dmatrix("x"), T.drow("g"), T.drow("b")
    rm, rv = T.drow("rm"), T.drow("rv")
    out, mean, invstd, new_rm, new_rv = bn.AbstractBatchNormTrain((0,))(x, g, b, 1e-4, 0.5,
                                                                          rm, rv)
    test = bn.AbstractBatchNormInference((0,))(x, g, b, rm, rv, 1e-3)
    rng = np.random.default_rng(1)
    xv, gv, bv = rng.standard_normal((5, 3)), rng.standard_normal((1, 3)), rng.standard_normal(
        (1, 3))
    rmv, rvv = rng.standard_normal((1, 3)), rng.random((1, 3)) + 0.5
    got = theano.function([x, g, b, rm, rv], [out, mean, invstd, new_rm, new_rv, test])(
        xv, gv, bv, rmv, rvv)
    mu, var = xv.mean(0, keepdims=True), xv.var(0, keepdims=True)
    expected = [(xv - mu) / np.sqrt(var + 1e-4) * gv + bv, mu, 1 / np.sqrt(var + 1e-4),
                rmv * 0.5 + mu * 0.5, rvv * 0.5 + var * 5 / 4 * 0.5,
                (xv - rmv) * gv / np.sqrt(rvv + 1e-3) + bv]
    for g_, e in zip(got, expected):
        np.testing.assert_allclose(g_, e, rtol=1e-10)


def test_small_tensor_names():
    x = T.dmatrix("x")
    xv = np.arange(12.0).reshape(3, 4)
    a, n = T.lscalar("a"), T.lscalar("n")
    mask = x > 5
    f = theano.function([x, a, n], [
        x[T.make_slice(a, n)], x[:, T.make_slice(slice(1, None))],
        T.advanced_boolean_subtensor(x, mask),
        T.advanced_boolean_set_subtensor(x, 0.0, mask),
        T.advanced_boolean_inc_subtensor(x, 1.0, mask),
        T.permute_row_elements(x, T.constant(np.array([3, 0, 2, 1]))),
        T.join_(1, x, x), T.default(x, T.zeros_like(x))])
    rows, cols, picked, zeroed, incremented, permuted, joined, same = f(xv, 1, 3)
    np.testing.assert_array_equal(rows, xv[1:3])
    np.testing.assert_array_equal(cols, xv[:, 1:])
    np.testing.assert_array_equal(picked, xv[xv > 5])
    np.testing.assert_array_equal(zeroed, np.where(xv > 5, 0, xv))
    np.testing.assert_array_equal(incremented, np.where(xv > 5, xv + 1, xv))
    np.testing.assert_array_equal(permuted, xv[:, [3, 0, 2, 1]])
    np.testing.assert_array_equal(joined, np.hstack([xv, xv]))
    np.testing.assert_array_equal(same, xv)
    assert T.as_index_variable(None) is T.NoneConst and T.as_int_none_variable(None) is \
        T.NoneConst
    assert T.NoneConst.type == T.none_type_t and isinstance(T.none_type_t, T.NoneTypeT)
    assert isinstance(T.as_index_variable(slice(a, None)), slice)
    with pytest.raises(T.AsTensorError):
        T.as_tensor_variable(object())
    assert issubclass(T.AsTensorError, TypeError) and issubclass(T.AdvancedIndexingError,
                                                                 TypeError)
    assert issubclass(T.ShapeError, Exception) and T.Tensor is T.TensorType
    with pytest.raises(TypeError, match="same type"):
        T.default(x, T.dvector())
    with pytest.raises(TypeError, match="integer scalar"):
        T.make_slice(T.dscalar(), None)
    with pytest.raises(TypeError, match="integers or booleans"):
        T.as_index_variable(T.dvector())
