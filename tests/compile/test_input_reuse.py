"""The short call path passes again the tensor it made for an input's small
array when the same array comes back with the same bytes
(tfgraph.compile.inputs): the results are those of a fresh conversion, an
array changed in place is seen changed, and large arrays are not kept."""
import numpy as np

import tfgraph
import tfgraph.tensor as T
from tfgraph.compile import inputs


def test_the_same_unchanged_array_reuses_its_tensor():
    x = T.dmatrix("x")
    f = tfgraph.function([x], x.sum())
    X = np.arange(6.0).reshape(2, 3)
    first = f.arguments.exact([X])[0]
    assert f.arguments.exact([X])[0] is first
    assert f.arguments.exact([X.copy()])[0] is not first   # another array: converted
    assert float(f(X)) == 15.0


def test_an_array_changed_in_place_is_converted_again():
    x = T.dvector("x")
    f = tfgraph.function([x], x * 2)
    X = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(f(X), [2.0, 4.0, 6.0])
    X[1] = 10.0
    np.testing.assert_array_equal(f(X), [2.0, 20.0, 6.0])
    X[...] = np.nan
    assert np.isnan(f(X)).all()
    X[0] = -0.0   # the same value as 0.0, other bytes: converted again
    assert np.signbit(f(X)[0])


def test_outputs_never_alias_a_kept_tensor():
    x = T.dvector("x")
    f = tfgraph.function([x], x)
    X = np.array([1.0, 2.0])
    out = f(X)
    out[0] = 99.0   # the caller's own array
    np.testing.assert_array_equal(f(X), [1.0, 2.0])


def test_large_arrays_are_not_kept():
    x = T.dvector("x")
    f = tfgraph.function([x], x.sum())
    big = np.ones(inputs._REUSE_BYTES // 8 + 1)
    assert f.arguments.exact([big])[0] is not f.arguments.exact([big])[0]
    assert float(f(big)) == big.size


def test_a_training_loop_on_one_batch_matches_numpy():
    rng = np.random.RandomState(1)
    X, y = rng.randn(20, 3), rng.randn(20)
    W = tfgraph.shared(np.zeros(3))
    x, t = T.dmatrix("x"), T.dvector("t")
    cost = T.sqr(T.dot(x, W) - t).mean()
    step = tfgraph.function([x, t], cost, updates=[(W, W - 0.1 * T.grad(cost, W))])
    w = np.zeros(3)
    for i in range(5):
        if i == 3:
            X[0, 0] += 1.0   # the batch changed between calls
        step(X, y)
        w = w - 0.1 * (2 * X.T @ (X @ w - y) / len(y))
    np.testing.assert_allclose(W.get_value(), w, rtol=1e-12)


def test_concurrent_callers_with_their_own_arrays(concurrently):
    x = T.dvector("x")
    f = tfgraph.function([x], x.sum())
    arrays = [np.full(8, float(k)) for k in range(4)]
    results = concurrently(lambda k: {float(f(arrays[k])) for _ in range(100)}, 4)
    assert results == {k: {8.0 * k} for k in range(4)}
