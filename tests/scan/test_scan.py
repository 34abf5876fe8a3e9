"""theano.scan: every feature against NumPy references."""
import collections

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile import executables
from tfgraph.compile.function import MissingInputError
from tfgraph.graph import clone_replace, toposort
from tfgraph.scan_module import until

RNG = np.random.default_rng(0)


def rand(*shape, dtype="float64"):
    return RNG.standard_normal(shape).astype(dtype)


# --- the basics -------------------------------------------------------------------

def test_tanh_rnn_outputs_and_gradients_against_numpy_and_finite_differences():
    X = T.dmatrix("X")
    h0 = T.dvector("h0")
    W = theano.shared(rand(4, 4) * 0.5, "W")
    U = theano.shared(rand(3, 4) * 0.5, "U")

    def step(x_t, h_prev, W, U):
        return T.tanh(T.dot(h_prev, W) + T.dot(x_t, U))

    hs, updates = theano.scan(step, sequences=X, outputs_info=h0, non_sequences=[W, U])
    assert not updates
    cost = (hs ** 2).sum()
    grads = theano.grad(cost, [W, U, h0, X])
    f = theano.function([X, h0], [hs, cost] + grads)
    x, h = rand(6, 3), rand(4)
    got_hs, got_cost, *got = f(x, h)

    def forward(Wv, Uv, hv, xv):
        out = []
        for t in range(len(xv)):
            hv = np.tanh(hv @ Wv + xv[t] @ Uv)
            out.append(hv)
        return np.array(out)
    want = forward(W.get_value(), U.get_value(), h, x)
    np.testing.assert_allclose(got_hs, want, rtol=1e-12)
    np.testing.assert_allclose(got_cost, (want ** 2).sum(), rtol=1e-12)
    params = [W.get_value(), U.get_value(), h, x]
    for k, g in enumerate(got):
        numeric = np.zeros_like(params[k])
        for idx in np.ndindex(params[k].shape):
            for sign in (1, -1):
                p = [q.copy() for q in params]
                p[k][idx] += sign * 1e-6
                numeric[idx] += sign * (forward(*p) ** 2).sum() / 2e-6
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7)
    # One gradient call: TensorFlow differentiates the loop itself, without
    # wrapping it in a function that outputs (and differentiates) every
    # intermediate value of every step, as it does for a persistent tape.
    library = f.concrete_function.graph.as_graph_def().library.function
    assert [fn.signature.name for fn in library if "body" in fn.signature.name]
    assert not [fn.signature.name for fn in library if "cflow_gradient" in fn.signature.name]


def test_several_outputs_of_any_rank_nit_and_sit_sot_mixed():
    x = T.dvector("x")
    M0 = T.dmatrix("M0")

    def step(x_t, M):
        return [x_t * 2, M + x_t, (M * x_t).sum()]

    (doubled, Ms, sums), _ = theano.scan(step, sequences=x, outputs_info=[None, M0, None])
    f = theano.function([x, M0], [doubled, Ms, sums])
    xv, m = rand(5), rand(2, 3)
    d, ms, s = f(xv, m)
    np.testing.assert_allclose(d, xv * 2)
    want_m, want_s = [], []
    for t in range(5):
        want_s.append((m * xv[t]).sum())  # the previous M, as fn sees it
        m = m + xv[t]
        want_m.append(m)
    np.testing.assert_allclose(ms, want_m)
    np.testing.assert_allclose(s, want_s)
    assert ms.shape == (5, 2, 3)


def test_fibonacci_with_taps_minus_two_minus_one():
    init = T.lvector("init")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info=dict(initial=init, taps=[-2, -1]),
                         n_steps=10)
    f = theano.function([init], fib)
    want, a, b = [], 0, 1
    for _ in range(10):
        a, b = b, a + b
        want.append(b)
    np.testing.assert_array_equal(f([0, 1]), want)


def test_sequence_taps_and_argument_order():
    x = T.dvector("x")
    s0 = T.dscalar("s0")
    w = T.dscalar("w")
    seen = []

    def step(x_m2, x_p1, y_m3, y_m1, w_):
        seen.append([v.name for v in (x_m2, x_p1, y_m3, y_m1)])
        return x_m2 * 10 + x_p1 + y_m3 * w_ + y_m1

    ys, _ = theano.scan(step, sequences=dict(input=x, taps=[-2, 1]),
                        outputs_info=dict(initial=T.stack([s0, s0 + 1, s0 + 2]), taps=[-3, -1]),
                        non_sequences=w)
    assert seen == [["x[t-2]", "x[t+1]", None, None]]
    f = theano.function([x, s0, w], ys)
    xv, s, wv = rand(8), 0.5, 0.3
    got = f(xv, s, wv)
    y = [s, s + 1, s + 2]
    n = len(xv) - 3  # taps span 3
    for t in range(n):
        y.append(xv[t] * 10 + xv[t + 3] + y[-3] * wv + y[-1])
    np.testing.assert_allclose(got, y[3:])


def test_go_backwards_and_n_steps_shorter_than_the_sequence():
    x = T.dvector("x")
    n = T.iscalar("n")
    acc, _ = theano.scan(lambda v, a: a * 2 + v, sequences=x, outputs_info=T.constant(0.0),
                         go_backwards=True, n_steps=n)
    f = theano.function([x, n], acc)
    xv = rand(6)
    a, want = 0.0, []
    for v in xv[::-1][:4]:
        a = a * 2 + v
        want.append(a)
    np.testing.assert_allclose(f(xv, 4), want)


def test_number_of_steps_is_the_shortest_sequence():
    a, b = T.dvector("a"), T.dvector("b")
    out, _ = theano.scan(lambda x, y: x * y, sequences=[a, b])
    av, bv = rand(5), rand(3)
    np.testing.assert_allclose(theano.function([a, b], out)(av, bv), av[:3] * bv)


def test_polynomial_evaluation():
    coefficients = T.dvector("coefficients")
    x = T.dscalar("x")
    components, _ = theano.scan(lambda c, power, free_var: c * (free_var ** power),
                                sequences=[coefficients, T.arange(1000)],
                                non_sequences=x)
    polynomial = components.sum()
    f = theano.function([coefficients, x], polynomial)
    c = np.array([1.0, 0.0, 2.0])
    np.testing.assert_allclose(f(c, 3.0), 1 + 2 * 9)


def test_power_iteration_and_a_free_variable_found_without_non_sequences():
    A = T.dmatrix("A")
    v0 = T.dvector("v0")

    def step(v):
        w = T.dot(A, v)          # A is not passed: scan finds it
        return w / T.sqrt((w ** 2).sum())
    vs, _ = theano.scan(step, outputs_info=v0, n_steps=50)
    f = theano.function([A, v0], vs[-1])
    m = rand(4, 4)
    m = m @ m.T
    got = f(m, np.ones(4))
    vals, vecs = np.linalg.eigh(m)
    np.testing.assert_allclose(abs(got), abs(vecs[:, -1]), rtol=1e-6)


def test_until_stops_after_the_step_where_the_condition_holds():
    x0 = T.dscalar("x0")
    xs, _ = theano.scan(lambda x: (x * 2, until(x * 2 > 100)), outputs_info=x0, n_steps=1000)
    f = theano.function([x0], xs)
    np.testing.assert_allclose(f(3.0), [6, 12, 24, 48, 96, 192])


def test_symbolic_n_steps_and_return_list():
    n = T.lscalar("n")
    out, _ = theano.scan(lambda a: a + 1, outputs_info=T.constant(np.int64(0)), n_steps=n,
                         return_list=True)
    assert isinstance(out, list) and len(out) == 1
    f = theano.function([n], out[0])
    np.testing.assert_array_equal(f(4), [1, 2, 3, 4])
    np.testing.assert_array_equal(f(7), np.arange(1, 8))


def test_map_reduce_foldl_foldr():
    x = T.dvector("x")
    squares, _ = theano.map(lambda v: v ** 2, x)
    total, _ = theano.reduce(lambda v, a: a + v, x, T.constant(0.0))
    left, _ = theano.foldl(lambda v, a: a * 2 + v, x, T.constant(0.0))
    right, _ = theano.foldr(lambda v, a: a * 2 + v, x, T.constant(0.0))
    f = theano.function([x], [squares, total, left, right])
    xv = rand(5)
    got = f(xv)
    l = r = 0.0
    for v in xv:
        l = l * 2 + v
    for v in xv[::-1]:
        r = r * 2 + v
    np.testing.assert_allclose(got[0], xv ** 2)
    np.testing.assert_allclose(got[1], xv.sum())
    np.testing.assert_allclose(got[2], l)
    np.testing.assert_allclose(got[3], r)


def test_nested_scan():
    M = T.dmatrix("M")

    def row_cumsum(row):
        sums, _ = theano.scan(lambda v, a: a + v, sequences=row, outputs_info=T.constant(0.0))
        return sums
    out, _ = theano.scan(row_cumsum, sequences=M)
    cost = (out ** 2).sum()
    f = theano.function([M], [out, theano.grad(cost, M)])
    m = rand(3, 4)
    got, g = f(m)
    np.testing.assert_allclose(got, np.cumsum(m, axis=1))
    c = np.cumsum(m, axis=1)
    want_g = np.cumsum((2 * c)[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_allclose(g, want_g)


# --- updates ----------------------------------------------------------------------

def test_accumulator_update_returned_by_fn():
    acc = theano.shared(np.float64(0.0), "acc")
    v = T.dvector("v")
    out, updates = theano.scan(lambda x: {acc: acc + x}, sequences=v)
    assert out is None
    assert isinstance(updates, collections.OrderedDict) and list(updates) == [acc]
    f = theano.function([v], [], updates=updates)
    f([1.0, 2.0, 3.5])
    assert acc.get_value() == 6.5
    f([1.0])
    assert acc.get_value() == 7.5


def test_outputs_and_updates_together_read_the_running_value():
    acc = theano.shared(np.float64(10.0), "acc")
    v = T.dvector("v")
    out, updates = theano.scan(lambda x: (acc * x, {acc: acc + x}), sequences=v)
    f = theano.function([v], out, updates=updates)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0]), [10.0, 22.0, 39.0])
    assert acc.get_value() == 16.0


def test_default_update_of_a_shared_variable_used_inside_is_carried():
    counter = theano.shared(np.int64(0), "counter")
    counter.default_update = counter + 1
    x = T.dvector("x")
    out, updates = theano.scan(lambda v: v * counter, sequences=x)
    assert list(updates) == [counter]
    f = theano.function([x], out, updates=updates)
    np.testing.assert_allclose(f([1.0, 1.0, 1.0]), [0.0, 1.0, 2.0])
    assert counter.get_value() == 3
    np.testing.assert_allclose(f([2.0, 2.0]), [6.0, 8.0])
    assert counter.get_value() == 5


def test_gradient_with_respect_to_a_shared_variable_used_inside_and_initial_state():
    w = theano.shared(np.float64(0.9), "w")
    x0 = T.dscalar("x0")
    xs, _ = theano.scan(lambda x: x * w, outputs_info=x0, n_steps=5)
    gw, gx0 = theano.grad(xs[-1], [w, x0])
    f = theano.function([x0], [gw, gx0])
    got_w, got_x0 = f(2.0)
    np.testing.assert_allclose(got_w, 5 * 2.0 * 0.9 ** 4)
    np.testing.assert_allclose(got_x0, 0.9 ** 5)


def test_second_derivative_and_jacobian_through_scan():
    a = T.dscalar("a")
    xs, _ = theano.scan(lambda x, a_: x * a_, outputs_info=T.constant(1.0), non_sequences=a,
                        n_steps=4)
    y = xs[-1]                    # a ** 4
    g = theano.grad(y, a)
    h = theano.grad(g, a)
    jac = T.jacobian(xs, a)
    f = theano.function([a], [g, h, jac])
    got_g, got_h, got_j = f(1.5)
    np.testing.assert_allclose(got_g, 4 * 1.5 ** 3)
    np.testing.assert_allclose(got_h, 12 * 1.5 ** 2)
    np.testing.assert_allclose(got_j, [k * 1.5 ** (k - 1) for k in range(1, 5)])


def test_truncate_gradient_keeps_only_the_last_steps():
    x = T.dvector("x")
    w = T.dscalar("w")
    hs, _ = theano.scan(lambda v, h, w_: h * w_ + v, sequences=x, outputs_info=T.constant(0.0),
                        non_sequences=w, truncate_gradient=2)
    gx, gw = theano.grad(hs[-1], [x, w])
    f = theano.function([x, w], [gx, gw])
    xv, wv = rand(5), 0.7
    got_x, got_w = f(xv, wv)
    # h4 = h3 w + x4, h3 = h2 w + x3: only the last two steps are differentiated,
    # with h2 a constant.
    h = [0.0]
    for v in xv:
        h.append(h[-1] * wv + v)
    np.testing.assert_allclose(got_x, [0, 0, 0, wv, 1])
    np.testing.assert_allclose(got_w, h[4] + h[3] * wv)


# --- classic programs -----------------------------------------------------------------

def test_lstm_step_of_the_sentiment_tutorial_with_masking():
    theano.config.floatX = "float32"     # as the tutorial runs
    n_steps, n_samples, dim = 5, 3, 4
    state_below = T.tensor3("state_below")    # x W + b, for the four gates
    mask = T.matrix("mask")
    U = theano.shared(rand(dim, 4 * dim, dtype="float32") * 0.3, "U")

    def _slice(_x, n, d):
        return _x[:, n * d:(n + 1) * d]

    def _step(m_, x_, h_, c_):
        preact = T.dot(h_, U) + x_
        i = T.nnet.sigmoid(_slice(preact, 0, dim))
        f = T.nnet.sigmoid(_slice(preact, 1, dim))
        o = T.nnet.sigmoid(_slice(preact, 2, dim))
        c = T.tanh(_slice(preact, 3, dim))
        c = f * c_ + i * c
        c = m_[:, None] * c + (1. - m_)[:, None] * c_
        h = o * T.tanh(c)
        h = m_[:, None] * h + (1. - m_)[:, None] * h_
        return h, c

    zeros = T.alloc(np.float32(0.), n_samples, dim)
    (h, c), _ = theano.scan(_step, sequences=[mask, state_below], outputs_info=[zeros, zeros],
                            name="lstm_layers", n_steps=n_steps)
    proj = (h * mask[:, :, None]).sum(axis=0) / mask.sum(axis=0)[:, None]
    cost = proj.sum()
    f = theano.function([state_below, mask], [h, proj, theano.grad(cost, U)])
    x = rand(n_steps, n_samples, 4 * dim, dtype="float32")
    m = np.ones((n_steps, n_samples), "float32")
    m[3:, 0] = 0
    m[4:, 1] = 0
    got_h, got_proj, got_g = f(x, m)

    def sig(z):
        return 1 / (1 + np.exp(-z))

    def forward(Uv):
        hh = np.zeros((n_samples, dim))
        cc = np.zeros((n_samples, dim))
        hs = []
        for t in range(n_steps):
            p = hh @ Uv + x[t]
            i, f_, o, g = (sig(p[:, :dim]), sig(p[:, dim:2 * dim]), sig(p[:, 2 * dim:3 * dim]),
                           np.tanh(p[:, 3 * dim:]))
            c_new = f_ * cc + i * g
            c_new = m[t][:, None] * c_new + (1 - m[t])[:, None] * cc
            h_new = o * np.tanh(c_new)
            hh = m[t][:, None] * h_new + (1 - m[t])[:, None] * hh
            cc = c_new
            hs.append(hh)
        hs = np.array(hs)
        return hs, (hs * m[:, :, None]).sum(0) / m.sum(0)[:, None]
    Uv = U.get_value().astype("float64")
    want_h, want_proj = forward(Uv)
    assert got_h.dtype == np.float32
    np.testing.assert_allclose(got_h, want_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_proj, want_proj, rtol=1e-4, atol=1e-5)
    numeric = np.zeros_like(Uv)
    for idx in [(0, 0), (1, 5), (3, 15), (2, 9)]:
        for sign in (1, -1):
            p = Uv.copy()
            p[idx] += sign * 1e-5
            numeric[idx] += sign * forward(p)[1].sum() / 2e-5
        np.testing.assert_allclose(got_g[idx], numeric[idx], rtol=2e-2, atol=1e-4)


def test_rbm_gibbs_chain_with_fixed_noise():
    W = theano.shared(rand(6, 4) * 0.5, "W")
    bv = theano.shared(rand(6) * 0.1, "bv")
    bh = theano.shared(rand(4) * 0.1, "bh")
    v0 = T.dmatrix("v0")
    noise_h, noise_v = T.tensor3("noise_h"), T.tensor3("noise_v")

    def gibbs_step(u_h, u_v, v):
        ph = T.nnet.sigmoid(T.dot(v, W) + bh)
        h = T.cast(u_h < ph, "float64")
        pv = T.nnet.sigmoid(T.dot(h, W.T) + bv)
        return pv, T.cast(u_v < pv, "float64")

    (pvs, vs), _ = theano.scan(gibbs_step, sequences=[noise_h, noise_v],
                               outputs_info=[None, v0])
    f = theano.function([v0, noise_h, noise_v], [pvs, vs])
    k, batch = 7, 3
    v = (rand(batch, 6) > 0).astype("float64")
    uh, uv = RNG.random((k, batch, 4)), RNG.random((k, batch, 6))
    got_p, got_v = f(v, uh, uv)
    Wv, b1, b2 = W.get_value(), bv.get_value(), bh.get_value()
    for t in range(k):
        ph = 1 / (1 + np.exp(-(v @ Wv + b2)))
        h = (uh[t] < ph).astype(float)
        pv = 1 / (1 + np.exp(-(h @ Wv.T + b1)))
        v = (uv[t] < pv).astype(float)
        np.testing.assert_allclose(got_p[t], pv, rtol=1e-12)
        np.testing.assert_array_equal(got_v[t], v)


# --- errors --------------------------------------------------------------------------

def test_fn_signature_mismatch_says_what_scan_passes():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"cannot take the 2 arguments.*1 sequence slice"):
        theano.scan(lambda a: a, sequences=x, outputs_info=T.constant(0.0))


def test_dtype_change_between_steps_tells_to_cast():
    x0 = T.fscalar("x0")
    w = T.dscalar("w")
    with pytest.raises(ValueError, match=r"has dtype float32, while the result of the inner "
                                         r"function \(`fn`\) has dtype float64.*astype"):
        theano.scan(lambda x: x * w, outputs_info=x0, n_steps=3)


def test_outputs_info_must_list_outputs_that_do_not_feed_back():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="Please provide None as outputs_info"):
        theano.scan(lambda v, a: [v, a + v], sequences=x, outputs_info=[T.constant(0.0)])


def test_bad_taps_and_missing_steps():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="smaller than 0"):
        theano.scan(lambda a: a, outputs_info=dict(initial=x, taps=[0]), n_steps=2)
    with pytest.raises(ValueError, match="No information about the number of steps"):
        theano.scan(lambda a: a + 1, outputs_info=T.constant(0.0))
    with pytest.raises(ValueError, match="n_steps must be an int"):
        theano.scan(lambda a: a + 1, outputs_info=T.constant(0.0), n_steps=T.dscalar())
    with pytest.raises(IndexError, match="negative number of step"):
        theano.scan(lambda a: a + 1, outputs_info=T.constant(0.0), n_steps=-2)


def test_negative_n_steps_and_short_sequences_at_run_time():
    x = T.dvector("x")
    n = T.lscalar("n")
    out, _ = theano.scan(lambda v, a: a + v, sequences=x, outputs_info=T.constant(0.0),
                         n_steps=n, name="summing")
    f = theano.function([x, n], out)
    with pytest.raises(IndexError, match="negative number of steps"):
        f([1.0, 2.0], -1)
    with pytest.raises(ValueError, match="shorter than the required number of steps"):
        f([1.0, 2.0], 3)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0], 2), [1.0, 3.0])


def test_strict_requires_shared_variables_among_non_sequences():
    w = theano.shared(2.0, "w")
    x = T.dvector("x")
    with pytest.raises(MissingInputError, match="non_sequences"):
        theano.scan(lambda v: v * w, sequences=x, strict=True)
    out, _ = theano.scan(lambda v, w_: v * w_, sequences=x, non_sequences=w, strict=True)
    np.testing.assert_allclose(theano.function([x], out)([1.0, 2.0]), [2.0, 4.0])
    # A non_sequence may be an expression of shared variables (Lasagne's LSTM
    # passes its weights concatenated): strict does not look past it.
    both = T.stack([w, w + 1])
    out, _ = theano.scan(lambda v, b: v * b[1], sequences=x, non_sequences=both, strict=True)
    np.testing.assert_allclose(theano.function([x], out)([1.0, 2.0]), [3.0, 6.0])


def test_unparseable_return_value():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="may only be made of lists, tuples, or dictionaries"):
        theano.scan(lambda v: 3, sequences=x)


# --- modes, loop, errors at run time, printing ----------------------------------------

def _rnn(name="rnn"):
    X = T.dmatrix("X")
    h0 = T.dvector("h0")
    W = theano.shared(np.eye(3) * 0.5, "W")
    hs, _ = theano.scan(lambda x, h: T.tanh(T.dot(W, h) + x), sequences=X, outputs_info=h0,
                        name=name)
    return X, h0, W, hs


def test_every_mode_gives_the_same_values_and_gradients():
    X, h0, W, hs = _rnn()
    outputs = [hs, theano.grad(hs.sum(), W)]
    x, h = rand(4, 3), rand(3)
    want = theano.function([X, h0], outputs)(x, h)
    for mode in ("FAST_COMPILE", "DebugMode", "NanGuardMode"):
        got = theano.function([X, h0], outputs, mode=mode)(x, h)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12)


def test_debugmode_and_nanguardmode_name_the_op_and_the_step():
    a = T.dvector("a")
    ys, _ = theano.scan(lambda v: T.log(v), sequences=a, name="logs")
    for mode, error in (("DebugMode", FloatingPointError), ("NanGuardMode", AssertionError)):
        f = theano.function([a], ys, mode=mode)
        with pytest.raises(error, match=r"NaN.*log\(a\[t\]\).*\(scan 'logs', step 2 counting "
                                        r"from 0\)"):
            f([1.0, 2.0, -1.0, 3.0])
        np.testing.assert_allclose(f([1.0, 2.0]), np.log([1.0, 2.0]))


def test_out_of_range_index_at_step_k_names_the_scan_and_k_and_changes_nothing():
    x = T.dvector("x")
    idx = T.lvector("idx")
    total = theano.shared(np.float64(0), "total")
    out, updates = theano.scan(lambda i: {total: total + x[i]}, sequences=idx, name="gather")
    f = theano.function([x, idx], [], updates=updates)
    f([1.0, 2.0, 3.0], [0, 2])
    assert total.get_value() == 4.0
    with pytest.raises(IndexError, match=r"\(scan 'gather', step 2 counting from 0\)"):
        f([1.0, 2.0, 3.0], [0, 1, 5, 1])
    assert total.get_value() == 4.0
    f([1.0, 2.0, 3.0], [1])
    assert total.get_value() == 6.0


def test_under_xla_a_scan_that_indexes_carries_its_validity_out_of_the_loop():
    """XLA clamps an out-of-range index: the loop carries whether every step's
    indices were in range, so a valid call runs under XLA alone, and a failing
    one runs again without XLA to raise the op's own error, naming the step."""
    x, idx = T.dvector("x"), T.lvector("idx")
    total = theano.shared(np.float64(0), "total")
    out, updates = theano.scan(lambda i: (2 * x[i], {total: total + x[i]}), sequences=idx,
                               name="gather")
    f = theano.function([x, idx], out, updates=updates,
                        mode=theano.Mode(jit_compile=True))
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0], [0, 2]), [2.0, 6.0])
    assert total.get_value() == 4.0
    assert f.executable.compiles and f.executable.fallback_calls == 0  # XLA alone
    with pytest.raises(IndexError, match=r"\(scan 'gather', step 2 counting from 0\)"):
        f([1.0, 2.0, 3.0], [0, 1, 5, 1])
    assert total.get_value() == 4.0
    with pytest.raises(IndexError, match=r"(?s)^Step 1 \(0-based\).*scan 'gather', step 0"):
        f.loop(None, [[1.0, 2.0, 3.0]] * 3, [[1], [3], [0]], sliced=True, jit_compile=True)
    assert total.get_value() == 4.0  # a failed loop changes nothing


def test_under_xla_the_number_of_steps_is_checked_as_without_it():
    """XLA drops assertions and compiles for fixed shapes: a scan's rules on
    its number of steps (not negative, not more than a sequence has, not none)
    are validity flags there, and a call XLA cannot compile runs again without
    XLA; each raises Theano's error and changes nothing, in calls and loops."""
    x, n = T.dmatrix("x"), T.iscalar("n")
    W = theano.shared(np.eye(2), "W")
    hs, _ = theano.scan(lambda x_t, h: T.tanh(T.dot(h, W) + x_t), sequences=x,
                        outputs_info=T.zeros((2,)), n_steps=n, name="rnn")
    f = theano.function([x, n], hs.sum(), updates={W: W * 0.5},
                        mode=theano.Mode(jit_compile=True))
    rows = np.ones((4, 2))
    assert f(rows, 3) == pytest.approx(_rnn_sum(rows[:3]))
    assert W.get_value()[0, 0] == 0.5
    for args, error, message in (((rows, -1), IndexError, "negative number of steps"),
                                 ((rows, 6), ValueError, "shorter than the required number"),
                                 ((rows[:0], 0), ValueError, "no step to run")):
        with pytest.raises(error, match=message):
            f(*args)
        assert W.get_value()[0, 0] == 0.5
    with pytest.raises(ValueError, match="shorter than the required number"):
        f.loop(None, [rows, rows], [2, 5], sliced=True, jit_compile=True)
    assert W.get_value()[0, 0] == 0.5  # the loop's first step is rolled back too
    assert f.executable.compiles  # still compiled with XLA
    assert f(rows, 3) == pytest.approx(_rnn_sum(rows[:3], 0.5))


def _rnn_sum(rows, w=1.0):
    h, total = np.zeros(2), 0.0
    for row in rows:
        h = np.tanh(w * h + row)
        total += h.sum()
    return total


def test_a_function_xla_cannot_compile_runs_without_it():
    """Print calls back into Python, which XLA cannot compile: asked for XLA,
    the function runs without it (the op says so: Op.xla_compilable)."""
    x = T.dvector("x")
    shown = theano.printing.Print("x is")(x)
    f = theano.function([x], shown * 2, mode=theano.Mode(jit_compile=True))
    np.testing.assert_array_equal(f([1.0, 2.0]), [2.0, 4.0])
    assert isinstance(f.executable, executables.Traced)
    np.testing.assert_array_equal(f([3.0]), [6.0])


def test_nested_scans_name_both_steps():
    M = T.dmatrix("M")
    idx = T.lmatrix("idx")

    def row(r, ix):
        picked, _ = theano.scan(lambda i: r[i], sequences=ix, name="inner")
        return picked
    out, _ = theano.scan(row, sequences=[M, idx], name="outer")
    f = theano.function([M, idx], out)
    np.testing.assert_array_equal(f([[1.0, 2.0], [3.0, 4.0]], [[1, 0], [0, 0]]),
                                  [[2.0, 1.0], [3.0, 3.0]])
    with pytest.raises(IndexError, match=r"scan 'outer', step 1 counting from 0; "
                                         r"scan 'inner', step 0 counting from 0"):
        f([[1.0, 2.0], [3.0, 4.0]], [[1, 0], [7, 0]])


def test_function_loop_around_a_function_with_a_scan():
    acc = theano.shared(np.float64(0), "acc")
    x = T.dvector("x")
    sums, updates = theano.scan(lambda v, s: (s + v, {acc: acc + v}), sequences=x,
                                outputs_info=T.constant(0.0))
    f = theano.function([x], sums[-1], updates=updates)
    got = f.loop(3, [1.0, 2.0])
    np.testing.assert_allclose(got, [3.0, 3.0, 3.0])
    assert acc.get_value() == 9.0
    got = f.loop(None, [[1.0, 1.0], [2.0, 2.0]], sliced=True)
    np.testing.assert_allclose(got, [2.0, 4.0])
    assert acc.get_value() == 15.0


def test_tensorboard_shows_a_scan_as_one_named_box():
    X, h0, W, hs = _rnn(name="recurrence")
    f = theano.function([X, h0], hs)
    graph = f.concrete_function.graph
    loops = [op.name for op in graph.get_operations() if op.type in ("While", "StatelessWhile")]
    assert loops and all(name.startswith("recurrence/") or name.startswith("scan_recurrence/")
                         for name in loops), loops


def test_pp_and_debugprint_show_the_scan_and_its_inner_graph():
    X, h0, W, hs = _rnn()
    assert theano.pp(hs) == "scan{rnn}(sequences=[X], outputs_info=[h0], non_sequences=[W])"
    text = theano.printing.debugprint(hs, file="str")
    assert "scan{rnn} [id A] ''" in text
    inner = text.split("Inner graphs:")[1]
    assert "tanh" in inner and "X[t]" in inner and "h0[t-1]" in inner and "W_copy" in inner


def test_gradient_inside_the_step_and_through_it():
    x0 = T.dvector("x0")
    a = T.dscalar("a")
    xs, _ = theano.scan(lambda x: x - a * T.grad((x ** 2).sum(), x), outputs_info=x0,
                        n_steps=3)           # gradient descent on |x|^2, as HMC's leapfrog
    f = theano.function([x0, a], [xs, theano.grad(xs[-1].sum(), a)])
    got, got_g = f([1.0, 2.0], 0.1)
    np.testing.assert_allclose(got[-1], np.array([1.0, 2.0]) * 0.8 ** 3)
    np.testing.assert_allclose(got_g, -6 * 0.8 ** 2 * 3.0)


def test_gradient_of_a_loop_stopped_by_until_and_constant_outputs():
    a = T.dscalar("a")
    ys, _ = theano.scan(lambda y: (y * a, until(y * a > 10)), outputs_info=T.constant(1.0),
                        n_steps=100)
    got, got_g = theano.function([a], [ys, theano.grad(ys[-1], a)])(2.0)
    np.testing.assert_allclose(got, [2.0, 4.0, 8.0, 16.0])
    np.testing.assert_allclose(got_g, 4 * 2.0 ** 3)
    x = T.dvector("x")
    ones, same, sums = theano.scan(lambda v, w: [T.constant(1.0), w, v + w], sequences=x,
                                   non_sequences=a)[0]
    got = theano.function([x, a], [ones, same, sums])([1.0, 2.0], 3.0)
    np.testing.assert_allclose(np.array(got), [[1.0, 1.0], [3.0, 3.0], [4.0, 5.0]])


def test_a_gradient_taken_in_the_step_of_an_outer_expression():
    """Theano 1.0.5 scan_module/tests/test_scan.py test_computing_gradient: the
    step differentiates K[i], K computed outside from a shared variable and
    the non-sequence the gradient is taken with respect to."""
    x1 = T.scalar("x1")
    x2 = theano.shared(np.array([1, 2, 3, 4, 5]), name="x2")
    K = x2 * x1
    out, _ = theano.scan(lambda i, v: T.grad(K[i], v), sequences=T.arange(K.shape[0]),
                         non_sequences=x1)
    f = theano.function([x1], out, allow_input_downcast=True)
    np.testing.assert_allclose(f(3.0), [1, 2, 3, 4, 5])


def test_a_hessian_by_a_scan_over_a_gradient_with_extra_inputs():
    """test_scan.py test_scan_extra_inputs_hessian: the step differentiates an
    outer gradient (a non-sequence) again, scaled by a shared variable."""
    x, A = T.vector("x"), T.matrix("A")
    fc1, fc2 = theano.shared(0.5, name="fc1"), theano.shared(0.9, name="fc2")
    gy = T.grad(fc1 * theano.dot(x * x, theano.dot(A, x)), x)
    hy, _ = theano.scan(lambda i, gy, x: T.grad(gy[i] * fc2, x),
                        sequences=T.arange(gy.shape[0]), non_sequences=[gy, x])
    f = theano.function([x, A], hy, allow_input_downcast=True)
    np.testing.assert_allclose(f([1.0, 1.0], [[1.0, 1.0], [1.0, 0.0]]),
                               [[3.6, 1.8], [1.8, 0.9]], rtol=1e-6)


def test_a_non_sequence_computed_from_a_shared_variable_is_computed_once_outside():
    """A non-sequence that is an expression of an input and a shared variable,
    next to that input itself as another non-sequence, with strict=True: the
    expression is hoisted whole (Theano's scan.py gives every non-sequence
    its own inner placeholder)."""
    ctx = T.ftensor3("ctx")
    W = theano.shared(np.eye(3, dtype="float32"), name="W")

    def step(h_, c_, p_, cc_):
        alpha = T.tanh(p_ + h_[None, :, :]).sum(2)
        c = (cc_ * alpha[:, :, None]).sum(0)
        return h_ + c, c
    init = [T.alloc(np.float32(0), ctx.shape[1], 3)] * 2
    r, _ = theano.scan(step, outputs_info=init, non_sequences=[T.dot(ctx, W), ctx],
                       n_steps=2, strict=True)
    f = theano.function([ctx], r[0][-1])
    value = np.full((4, 2, 3), 0.1, "float32")
    h = c = np.zeros((2, 3), "float32")
    p = value @ np.eye(3, dtype="float32")
    for _ in range(2):
        c = (value * np.tanh(p + h[None]).sum(2)[:, :, None]).sum(0)
        h = h + c
    np.testing.assert_allclose(f(value), h, rtol=1e-5)
    np.testing.assert_allclose(f(value), np.full((2, 3), 0.37896755), rtol=1e-5)


def test_clone_replace_keeps_a_replacement_below_another():
    """Replacing both ``ctx`` and ``dot(ctx, W)`` gives the replacement of the
    product, not the product rebuilt on the replacement of ``ctx``."""
    ctx, W = T.dmatrix("ctx"), T.dmatrix("W")
    p = T.dot(ctx, W)
    new_ctx, new_p = T.dmatrix("new_ctx"), T.dmatrix("new_p")
    out, = clone_replace([p + ctx], {ctx: new_ctx, p: new_p})
    assert set(out.owner.inputs) == {new_p, new_ctx}
    assert not [n for n in toposort([out]) if n.op is p.owner.op]
