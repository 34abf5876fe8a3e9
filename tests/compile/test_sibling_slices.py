"""Constant slices of one variable along one axis are cut by one split, a
compile-time rewrite (tfgraph.compile.sibling_slices): the same values and
gradients as slicing, in every case slicing has (clamped bounds, gaps,
repeats, overlaps, bounds from the end), one SplitV op where the split
applies, none for a mesh of devices."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.rewrite import rewrite
from tfgraph.graph import toposort
from tfgraph.ops.structure import SplitSlices
from tfgraph.ops.subtensor import Subtensor


def _op_types(f):
    """Op types of the function's graph and of every function in its library
    (loop bodies, branches; not the copies TensorFlow rewrote for gradients)."""
    graph = f.concrete_function.graph
    types = [op.type for op in graph.get_operations()]
    for fn in graph.as_graph_def().library.function:
        if not fn.signature.name.endswith("_rewritten"):
            types += [node.op for node in fn.node_def]
    return types


def _weighted_sum(pieces):
    """sum_k sum((k + 1) * piece_k ** 2): every piece's gradient differs."""
    return sum(((k + 1) * p ** 2).sum() for k, p in enumerate(pieces))


def _numpy(value, bounds, axis):
    index = [slice(None)] * value.ndim
    pieces = []
    for start, stop in bounds:
        index[axis] = slice(start, stop)
        pieces.append(value[tuple(index)])
    grad = np.zeros_like(value)
    for k, (start, stop) in enumerate(bounds):
        index[axis] = slice(start, stop)
        grad[tuple(index)] += 2 * (k + 1) * value[tuple(index)]
    return pieces, grad


def _check(bounds, shape, axis=1, value=None):
    x = T.tensor3("x") if len(shape) == 3 else T.matrix("x")
    index = [slice(None)] * len(shape)
    pieces = []
    for start, stop in bounds:
        index[axis] = slice(start, stop)
        pieces.append(x[tuple(index)])
    cost = _weighted_sum(pieces)
    f = theano.function([x], [T.grad(cost, x), *pieces])
    if value is None:
        value = np.random.RandomState(0).randn(*shape).astype(theano.config.floatX)
    grad, *got = f(value)
    want, want_grad = _numpy(value, bounds, axis)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-5)
    return f


def test_lstm_gates_are_cut_by_one_split_with_a_concatenation_as_gradient():
    d = 3
    f = _check([(k * d, (k + 1) * d) for k in range(4)], (2, 4 * d))
    types = _op_types(f)
    assert types.count("SplitV") == 1 and "ConcatV2" in types
    assert "StridedSliceGrad" not in types  # no slice, so no slice's gradient


def test_bounds_past_the_end_are_clamped_as_slicing_clamps():
    # The length is known only when the function runs: the cuts are clamped then.
    f = _check([(0, 2), (2, 5), (6, None)], (2, 8))
    assert _op_types(f).count("SplitV") == 1
    for columns in (6, 4, 2, 1):
        _check([(0, 2), (2, 5), (6, None)], (2, columns))


def test_gaps_repeats_and_open_ends():
    _check([(None, 2), (3, 5), (None, 2), (7, None)], (3, 9))
    _check([(1, 2), (4, 6)], (5, 3, 7), axis=0)
    _check([(0, 1), (1, 2), (2, 3)], (2, 2, 3), axis=2)


def test_overlapping_slices_are_sliced_one_by_one():
    f = _check([(0, 4), (2, 6)], (2, 8))
    types = _op_types(f)
    assert "SplitV" not in types and types.count("StridedSliceGrad") == 2


def test_bounds_from_the_end_of_an_axis_of_unknown_length_are_sliced_one_by_one():
    f = _check([(-4, -2), (-2, None)], (2, 8))
    assert "SplitV" not in _op_types(f)


def test_bounds_from_the_end_with_a_static_length_share_a_split():
    x = T.matrix("x")
    square = T.alloc(np.float32(1), 4, 6) * x.sum()  # a (4, 6) shape known when tracing
    pieces = [square[:, -6:-3], square[:, -3:]]
    f = theano.function([x], [T.grad(_weighted_sum(pieces), x), *pieces])
    grad, a, b = f(np.full((1, 1), 2, theano.config.floatX))
    assert a.shape == b.shape == (4, 3) and np.all(a == 2) and np.all(b == 2)
    np.testing.assert_allclose(grad, [[sum(2 * k * 2 * 12 for k in (1, 2))]])
    assert _op_types(f).count("SplitV") == 1


def test_slices_in_a_scan_step_and_in_a_lazy_branch():
    x = T.matrix("x")
    W = theano.shared(np.random.RandomState(1).randn(2, 6).astype(theano.config.floatX), "W")

    def step(x_t, h):
        pre = T.dot(h, W) + x_t
        return T.tanh(pre[:, :2]) * T.nnet.sigmoid(pre[:, 2:4]) + pre[:, 4:]
    hs, _ = theano.scan(step, sequences=x.dimshuffle(0, "x", 1),
                        outputs_info=T.zeros((1, 2), theano.config.floatX))
    c = T.scalar("c")
    chosen = theano.ifelse.ifelse(c > 0, x[:, :3].sum() * x[:, 3:].sum(), x.sum())
    cost = hs.sum() + chosen
    f = theano.function([x, c], [cost, *T.grad(cost, [x, W])])
    value = np.random.RandomState(2).randn(5, 6).astype(theano.config.floatX)

    def numpy_cost(xv, Wv, cv):
        h, total = np.zeros((1, 2)), 0.0
        for row in xv:
            pre = h @ Wv + row
            h = np.tanh(pre[:, :2]) / (1 + np.exp(-pre[:, 2:4])) + pre[:, 4:]
            total += h.sum()
        return total + (xv[:, :3].sum() * xv[:, 3:].sum() if cv > 0 else xv.sum())

    for cv in (1.0, -1.0):
        got, gx, gW = f(value, cv)
        Wv = W.get_value().astype(float)
        np.testing.assert_allclose(got, numpy_cost(value.astype(float), Wv, cv), rtol=1e-4)
        eps = 1e-3
        for point, grad, which in ((value, gx, "x"), (Wv, gW, "W")):
            for i in np.ndindex(*point.shape[:1], 2):
                bumped = [value.astype(float).copy(), Wv.copy()]
                target = bumped[0 if which == "x" else 1]
                target[i] += eps
                up = numpy_cost(bumped[0], bumped[1], cv)
                target[i] -= 2 * eps
                down = numpy_cost(bumped[0], bumped[1], cv)
                assert grad[i] == pytest.approx((up - down) / (2 * eps), rel=2e-2, abs=2e-2)
    assert _op_types(f).count("SplitV") == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(-7, 9)),
                          st.one_of(st.none(), st.integers(-7, 9))), min_size=2, max_size=5),
       st.integers(1, 8))
def test_any_constant_bounds_give_what_slicing_gives(bounds, columns):
    _check(bounds, (2, columns))


def test_the_compiled_graph_shows_one_split_node_and_a_mesh_keeps_the_slices():
    x = T.matrix("x")
    gates = [x[:, k * 2:(k + 1) * 2] for k in range(3)] + [x[:, :2]]
    f = theano.function([x], gates)
    text = theano.printing.debugprint(f, file="str")
    for k in range(4):   # :2 and 0:2 are one piece, cut once
        assert f"split{{axis 1: 0:2, 2:4, 4:6, :2}}.{k} [id" in text
    assert "subtensor" not in text
    nodes = toposort(rewrite(gates))
    assert [type(n.op) for n in nodes] == [SplitSlices]
    on_mesh = toposort(rewrite(gates, platform="mesh"))
    assert len(on_mesh) == 4 and all(isinstance(n.op, Subtensor) for n in on_mesh)


def test_split_slices_checks_its_bounds_and_axis():
    with pytest.raises(ValueError, match="two or more different"):
        SplitSlices(1, [(0, 2)])
    with pytest.raises(ValueError, match="two or more different"):
        SplitSlices(1, [(0, 2), (0, 2)])
    with pytest.raises(ValueError, match="two or more different"):
        SplitSlices(1, [(0, 2.5), (3, None)])
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        SplitSlices(2, [(0, 2), (2, None)])(T.matrix("m"))
    pieces = SplitSlices(0, [(0, 1), (1, None)])(T.TensorType("float64", (True, False))("r"))
    assert [p.broadcastable for p in pieces] == [(False, False)] * 2
