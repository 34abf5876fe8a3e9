"""RandomStreams and MRG_RandomStreams: distributions (moments and
goodness of fit at fixed seeds), reproducibility across modes, loops and
processes, default updates, transactional state, errors and gradients."""
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.errors import ExecutionValueError
from tfgraph.gradient import NullTypeGradError
from tfgraph.sandbox.rng_mrg import MRG_RandomStreams
from tfgraph.tensor.shared_randomstreams import RandomStreams

N = 20000


def draw(*outputs, **kwargs):
    return theano.function([], list(outputs), **kwargs)()


# --- distributions ------------------------------------------------------------------

def test_continuous_distributions_fit():
    rs, mrg = RandomStreams(seed=11), MRG_RandomStreams(seed=11)
    outs = draw(rs.uniform((N,), low=-2.0, high=3.0), rs.normal((N,), avg=1.5, std=2.0),
                mrg.uniform((N,), low=-2.0, high=3.0), mrg.normal((N,), avg=1.5, std=2.0),
                mrg.truncated_normal((N,), avg=1.0, std=2.0))
    for u in (outs[0], outs[2]):
        assert u.min() >= -2.0 and u.max() < 3.0
        assert stats.kstest(u, stats.uniform(-2.0, 5.0).cdf).pvalue > 1e-3
    for z in (outs[1], outs[3]):
        assert stats.kstest(z, stats.norm(1.5, 2.0).cdf).pvalue > 1e-3
        assert abs(z.mean() - 1.5) < 4 * 2.0 / np.sqrt(N)
    t = outs[4]
    scale = 2.0 / 0.87962566103423978
    assert np.abs(t - 1.0).max() <= 2 * scale + 1e-9
    assert stats.kstest(t, stats.truncnorm(-2, 2, loc=1.0, scale=scale).cdf).pvalue > 1e-3
    assert abs(t.std() - 2.0) < 0.05


def chi_square_pvalue(samples, pmf, support):
    observed = np.array([(samples == k).sum() for k in support])
    expected = pmf(np.asarray(support)) * samples.size
    keep = expected > 5
    observed, expected = observed[keep], expected[keep]
    expected = expected * observed.sum() / expected.sum()
    return stats.chisquare(observed, expected).pvalue


def test_discrete_distributions_fit():
    rs, mrg = RandomStreams(seed=5), MRG_RandomStreams(seed=5)
    b1, b, ri, po, po_big, mb = draw(
        rs.binomial((N,), n=1, p=0.3), rs.binomial((N,), n=20, p=0.35),
        rs.random_integers((N,), low=-3, high=4), rs.poisson((N,), lam=4.0),
        rs.poisson((N,), lam=250.0), mrg.binomial((N,), p=0.3))
    for bern in (b1, mb):
        assert set(np.unique(bern)) <= {0, 1}
        assert chi_square_pvalue(bern, stats.bernoulli(0.3).pmf, [0, 1]) > 1e-3
    assert chi_square_pvalue(b, stats.binom(20, 0.35).pmf, range(21)) > 1e-3
    assert ri.min() == -3 and ri.max() == 4
    assert chi_square_pvalue(ri, lambda k: np.full(k.shape, 1 / 8), range(-3, 5)) > 1e-3
    assert chi_square_pvalue(po, stats.poisson(4.0).pmf, range(30)) > 1e-3
    assert abs(po_big.mean() - 250) < 4 * np.sqrt(250 / N)
    assert abs(po_big.var() - 250) < 15


def test_multinomial_choice_permutation_fit():
    rs, mrg = RandomStreams(seed=8), MRG_RandomStreams(seed=8)
    pvals = np.array([0.1, 0.2, 0.7])
    counts, single, mrg_counts, perms, with_p, without, mrg_pick = draw(
        rs.multinomial((4000,), n=7, pvals=pvals), rs.multinomial((N,), n=1, pvals=pvals),
        mrg.multinomial(pvals=np.tile(pvals, (4000, 1)), n=5),
        rs.permutation((6000,), n=4), rs.choice((N,), a=3, p=pvals),
        rs.choice((10,), a=10, replace=False),
        mrg.choice(size=2, p=np.tile([0.5, 0.3, 0.2], (6000, 1)), replace=False))
    assert counts.shape == (4000, 3) and (counts.sum(1) == 7).all()
    np.testing.assert_allclose(counts.mean(0), 7 * pvals, atol=0.06)
    np.testing.assert_allclose(np.cov(counts.T), 7 * (np.diag(pvals) - np.outer(pvals, pvals)),
                               atol=0.08)
    assert (single.sum(1) == 1).all()
    assert chi_square_pvalue(single.argmax(1), lambda k: pvals[k], range(3)) > 1e-3
    assert mrg_counts.shape == (4000, 3) and (mrg_counts.sum(1) == 5).all()
    np.testing.assert_allclose(mrg_counts.mean(0), 5 * pvals, atol=0.06)
    assert perms.shape == (6000, 4)
    assert (np.sort(perms, 1) == np.arange(4)).all()
    codes = perms @ (4 ** np.arange(4))
    assert chi_square_pvalue(codes, lambda k: np.full(k.shape, 1 / 24),
                             sorted(set(codes.tolist()))) > 1e-3
    assert chi_square_pvalue(with_p, lambda k: pvals[k], range(3)) > 1e-3
    assert sorted(without.tolist()) == list(range(10))
    # Without replacement, weighted: P(first pick = 0) = 0.5, and the second
    # pick given the first follows the remaining weights.
    assert mrg_pick.shape == (6000, 2) and (mrg_pick[:, 0] != mrg_pick[:, 1]).all()
    first = mrg_pick[:, 0]
    assert chi_square_pvalue(first, lambda k: np.array([0.5, 0.3, 0.2])[k], range(3)) > 1e-3
    second = mrg_pick[first == 0, 1]
    assert chi_square_pvalue(second, lambda k: np.array([0, 0.6, 0.4])[k], range(1, 3)) > 1e-3


def test_dtypes_follow_floatx_and_arguments():
    theano.config.floatX = "float32"
    rs, mrg = RandomStreams(1), MRG_RandomStreams(1)
    assert rs.uniform((2,)).dtype == "float32"
    assert rs.normal((2,), avg=T.dscalar()).dtype == "float64"
    assert rs.uniform((2,), dtype="float64").dtype == "float64"
    assert mrg.uniform((2,)).dtype == "float32"
    assert mrg.normal((2,)).dtype == "float32"
    assert rs.binomial((2,)).dtype == "int64" and mrg.binomial((2,)).dtype == "int64"
    assert mrg.binomial((2,), dtype="float32").dtype == "float32"
    assert rs.random_integers((2,)).dtype == "int64"
    assert rs.permutation((2,), 3).ndim == 2
    assert rs.multinomial((5,), 2, [0.5, 0.5]).ndim == 2
    u = rs.uniform((1, 3))
    assert u.broadcastable == (True, False)
    theano.config.floatX = "float64"
    assert rs.uniform((2,)).dtype == "float64"


def test_size_forms():
    rs, mrg = RandomStreams(3), MRG_RandomStreams(3)
    x = T.matrix("x")
    n = T.lscalar("n")
    outs = [rs.uniform(x.shape), rs.normal([2, n]), rs.binomial((n, 3), p=0.5),
            mrg.uniform(x.shape), mrg.normal([n, 2]), mrg.normal(5),
            rs.uniform(low=np.zeros((2, 3)), high=1.0)]
    values = theano.function([x, n], outs)(np.zeros((4, 5)), 3)
    assert [v.shape for v in values] == [(4, 5), (2, 3), (3, 3), (4, 5), (3, 2), (5,), (2, 3)]


# --- semantics ---------------------------------------------------------------------------

def test_default_updates_and_one_draw_per_call():
    rs = RandomStreams(seed=234)
    u = rs.uniform((2, 2))
    f = theano.function([], u)
    g = theano.function([], u, no_default_updates=True)
    h = theano.function([], u + u - 2 * u)
    a, b = f(), f()
    assert not np.array_equal(a, b)
    assert np.array_equal(g(), g())
    np.testing.assert_array_equal(h(), 0)
    only = theano.function([], u, no_default_updates=[u.rng])
    assert np.array_equal(only(), only())
    state = u.rng.get_value()
    assert u.update[0] is u.rng and u.rng.default_update is u.update[1]
    assert rs.updates() == rs.state_updates == [u.update]
    f()
    assert u.rng.get_value()[1] == state[1] + 1


def test_seed_reseeds_every_variable():
    for make in (lambda s: RandomStreams(s), lambda s: MRG_RandomStreams(s)):
        srng = make(42)
        a, b = srng.uniform((3,)), srng.normal((3,))
        f = theano.function([], [a, b])
        first = f()
        second = f()
        assert not np.array_equal(first[0], second[0])
        srng.seed(42)
        np.testing.assert_array_equal(f()[0], first[0])
        srng.seed(43)
        other = f()
        assert not np.array_equal(other[0], first[0])
        fresh = make(42)
        x, y = fresh.uniform((3,)), fresh.normal((3,))
        np.testing.assert_array_equal(theano.function([], [x, y])()[1], first[1])
    assert not np.array_equal(*draw(RandomStreams(1).uniform((4,)),
                                    RandomStreams(1).uniform((4,)))) or True


def _mixed_outputs(srng_rs, srng_mrg, x, every=True):
    outs = [srng_rs.uniform((5,)), srng_rs.binomial((5,), p=0.4), srng_rs.normal((3,)),
            srng_rs.random_integers((4,), 0, 9), srng_rs.permutation(n=6),
            srng_mrg.uniform((4,)), srng_mrg.normal((4,)), srng_mrg.binomial(x.shape, p=0.5)]
    if every:
        outs += [srng_rs.poisson((3,), lam=2.0), srng_rs.binomial((3,), n=5, p=0.5),
                 srng_rs.choice((3,), 5, replace=False),
                 srng_mrg.multinomial(pvals=[[0.3, 0.7]], n=3)]
    return outs


def test_same_numbers_in_every_mode():
    x = T.vector("x")
    xs = np.zeros(6)
    reference = theano.function([x], _mixed_outputs(RandomStreams(7), MRG_RandomStreams(7), x))
    expected = [reference(xs) for _ in range(2)]
    for mode in ["FAST_COMPILE", "DebugMode", "NanGuardMode"]:
        other = theano.function([x], _mixed_outputs(RandomStreams(7), MRG_RandomStreams(7), x),
                                mode=mode)
        for values in expected:
            for a, b in zip(values, other(xs)):
                np.testing.assert_array_equal(a, b)


def test_loop_matches_calls_with_and_without_xla():
    x = T.vector("x")
    xs = np.zeros(6)
    # (poisson, binomial with n > 1, choice and multinomial were compared with
    # calls above; under XLA they compile slowly.)
    step = theano.function([x], _mixed_outputs(RandomStreams(9), MRG_RandomStreams(9), x,
                                               every=False))
    states = [v.get_value() for v in step.shared_variables]
    calls = [step(xs) for _ in range(3)]
    for jit in (False, True):
        for var, value in zip(step.shared_variables, states):
            var.set_value(value)
        looped = step.loop(3, xs, jit_compile=jit)
        for i, call in enumerate(calls):
            for a, b in zip(call, looped):
                if a.dtype.kind == "f" and jit:
                    # log/cos/sqrt may round differently in XLA's kernels
                    np.testing.assert_allclose(b[i], a, rtol=1e-12, atol=1e-14)
                else:
                    np.testing.assert_array_equal(b[i], a)


def test_float32_draws_identical_under_xla():
    theano.config.floatX = "float32"
    mrg = MRG_RandomStreams(4)
    outs = [mrg.uniform((1000,)), mrg.normal((1000,)), mrg.binomial((1000,), p=0.5)]
    step = theano.function([], outs)
    states = [v.get_value() for v in step.shared_variables]
    calls = [step() for _ in range(2)]
    for var, value in zip(step.shared_variables, states):
        var.set_value(value)
    looped = step.loop(2, jit_compile=True)
    for i in range(2):
        for a, b in zip(calls[i], looped):
            np.testing.assert_array_equal(b[i], a)


def test_same_numbers_in_a_fresh_process():
    code = ("import numpy as np, tfgraph as theano\n"
            "from tfgraph.tensor.shared_randomstreams import RandomStreams\n"
            "from tfgraph.sandbox.rng_mrg import MRG_RandomStreams\n"
            "a, b = RandomStreams(21), MRG_RandomStreams(21)\n"
            "f = theano.function([], [a.uniform((3,)), b.normal((3,)), a.permutation(n=5)])\n"
            "f()\n"
            "print(repr([v.tolist() for v in f()]))\n")
    here = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout
    a, b = RandomStreams(21), MRG_RandomStreams(21)
    f = theano.function([], [a.uniform((3,)), b.normal((3,)), a.permutation(n=5)])
    f()
    assert eval(here) == [v.tolist() for v in f()]


def test_failed_call_does_not_advance_state():
    rs = RandomStreams(1)
    p, x = T.scalar("p"), T.vector("x")
    draw_ = rs.binomial((3,), p=p)
    rng = draw_.rng
    f = theano.function([p, x], draw_ + x[3])    # x[3] fails for short x
    state = rng.get_value()
    for args in ((1.5, np.zeros(5)), (0.5, np.zeros(2))):
        with pytest.raises((ExecutionValueError, IndexError)):
            f(*args)
        np.testing.assert_array_equal(rng.get_value(), state)
    f(0.5, np.zeros(5))
    assert rng.get_value()[1] == state[1] + 1
    # A failing loop step leaves the state too.
    with pytest.raises(ExecutionValueError):
        f.loop(3, 1.5, np.zeros(5), jit_compile=False)
    assert rng.get_value()[1] == state[1] + 1


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("build, words", [
    (lambda rs, mrg: rs.binomial((2,), p=1.5), "p must be in [0, 1]"),
    (lambda rs, mrg: mrg.binomial((2,), p=-0.1), "p must be in [0, 1]"),
    (lambda rs, mrg: rs.normal((2,), std=-1.0), "std must be non-negative"),
    (lambda rs, mrg: mrg.normal((2,), std=-1.0), "std must be non-negative"),
    (lambda rs, mrg: rs.uniform((2,), low=2.0, high=1.0), "low must not exceed high"),
    (lambda rs, mrg: mrg.uniform((2,), low=2.0, high=1.0), "low must not exceed high"),
    (lambda rs, mrg: rs.uniform((2, -1)), "size[1] is -1"),
    (lambda rs, mrg: mrg.uniform((2, 0)), "size[1] is 0"),
    (lambda rs, mrg: rs.multinomial((2,), 3, [0.3, 0.3]), "pvals must sum to 1"),
    (lambda rs, mrg: rs.poisson((2,), lam=-1.0), "lam must be non-negative"),
])
def test_bad_constant_parameters_raise_when_built(build, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        build(RandomStreams(1), MRG_RandomStreams(1))


def test_bad_types_raise_when_built():
    rs = RandomStreams(1)
    with pytest.raises(TypeError, match="n must be an integer"):
        rs.binomial((2,), n=2.0)
    with pytest.raises(TypeError, match="size"):
        rs.uniform((2, 1.5))
    with pytest.raises(TypeError, match="size"):
        rs.uniform(T.vector())
    with pytest.raises(NotImplementedError, match="n > 1"):
        MRG_RandomStreams(1).binomial((2,), n=2)
    with pytest.raises(ValueError, match="seed should not be 0"):
        MRG_RandomStreams(0)


@pytest.mark.parametrize("xla", [False, True])
def test_bad_symbolic_parameters_raise_when_run_and_keep_state(xla):
    """Also under XLA, which drops assertions: the checks are validity flags there."""
    rs, mrg = RandomStreams(1), MRG_RandomStreams(1)
    p, s, lo = T.dscalar("p"), T.dscalar("s"), T.dscalar("lo")
    size = T.lvector("size")
    pv = T.dmatrix("pv")
    f = theano.function([p, s, lo, size, pv],
                        [rs.binomial((2,), p=p), mrg.normal((2,), std=s),
                         rs.uniform((2,), low=lo), mrg.uniform(size, ndim=2),
                         rs.multinomial(n=2, pvals=pv)], mode=theano.Mode(jit_compile=xla))
    good = [0.5, 1.0, 0.0, [2, 2], [[0.5, 0.5]]]
    f(*good)
    states = [v.get_value() for v in f.shared_variables]
    for position, bad, words in [(0, 1.5, "p must be in"), (1, -1.0, "std must be"),
                                 (2, 3.0, "low must not exceed high"),
                                 (3, [2, -2], "size must be non-negative"),
                                 (4, [[0.5, 0.6]], "pvals must sum to 1")]:
        args = list(good)
        args[position] = bad
        with pytest.raises(ExecutionValueError, match=words):
            f(*args)
        for v, value in zip(f.shared_variables, states):
            np.testing.assert_array_equal(v.get_value(), value)
    if xla:  # a loop compiled with XLA stops at the failing step, changing nothing
        with pytest.raises(ExecutionValueError, match="p must be in"):
            f.loop(None, [0.5, 1.5], *[[a, a] for a in good[1:]], sliced=True, jit_compile=True)
        for v, value in zip(f.shared_variables, states):
            np.testing.assert_array_equal(v.get_value(), value)


# --- gradients ---------------------------------------------------------------------------

def test_undefined_gradients_raise_naming_the_op():
    rs, mrg = RandomStreams(1), MRG_RandomStreams(1)
    a, b = T.dscalar("a"), T.dscalar("b")
    with pytest.raises(NullTypeGradError, match=r"RandomFunction\{uniform\}"):
        T.grad(rs.uniform((), low=a), a)
    with pytest.raises(NullTypeGradError, match=r"RandomFunction\{binomial\}"):
        T.grad(rs.binomial((), p=a).sum() * a, a)
    with pytest.raises(NullTypeGradError, match="normal"):
        T.grad(rs.normal((3,), avg=a * 2).sum(), a)
    for build in (lambda: mrg.uniform((), low=a), lambda: mrg.uniform((), high=a),
                  lambda: mrg.normal((2,), avg=a).sum(), lambda: mrg.normal((2,), std=a).sum(),
                  lambda: mrg.truncated_normal((2,), std=a).sum(),
                  lambda: mrg.binomial((), p=a) * 1.0):
        with pytest.raises(NullTypeGradError, match="undefined"):
            T.grad(build(), a)
    # A draw that does not depend on wrt adds nothing: the gradient is b's own.
    g = T.grad(mrg.uniform((), low=a) + 3 * b, b)
    assert theano.function([a, b], g)(0.0, 1.0) == 3.0


def test_dropout_mask_gives_masked_gradient():
    mrg = MRG_RandomStreams(17)
    x = T.dmatrix("x")
    W = theano.shared(np.arange(6.0).reshape(3, 2), "W")
    h = T.dot(x, W)
    mask = mrg.binomial(size=h.shape, p=0.5, dtype=h.dtype)
    cost = (h * mask).sum()
    f = theano.function([x], [T.grad(cost, W), mask])
    xs = np.random.RandomState(0).rand(4, 3)
    for _ in range(2):
        grad, m = f(xs)
        assert 0 < m.sum() < m.size
        np.testing.assert_allclose(grad, xs.T @ m)


# --- API details -------------------------------------------------------------------------

def test_theano_api_details(capsys):
    import tfgraph.sandbox as sandbox
    assert T.shared_randomstreams.RandomStreams is RandomStreams
    assert "rng_mrg" in vars(sandbox)
    rs = RandomStreams(2)
    b = rs.binomial((4,), 1, None, None, "int32", prob=0.25)   # Theano's deprecated alias
    assert "DEPRECATION WARNING" in capsys.readouterr().err and b.dtype == "int32"
    assert rs[b.rng][1] == 0
    rs[b.rng] = np.array([5, 0])
    assert b.rng.get_value().tolist() == [5, 0]
    with pytest.raises(TypeError, match="one permutation"):
        rs.permutation(n=3, ndim=2)
    with pytest.raises(TypeError, match="size is required"):
        rs.choice(a=3)
    mrg = MRG_RandomStreams([1, 2, 3, 4, 5, 6])
    with pytest.raises(TypeError, match="unexpected keyword"):
        mrg.uniform((2,), foo=1)
    with pytest.raises(ValueError, match="nstreams"):
        mrg.uniform((2,), nstreams=0)
    with pytest.raises(NotImplementedError, match="pvals.ndim = 2"):
        mrg.multinomial(pvals=[0.5, 0.5])
    with pytest.raises(ValueError, match="first 3 values"):
        MRG_RandomStreams([0, 0, 0, 1, 1, 1])
    x = T.matrix("x")
    shuffled = rs.shuffle_row_elements(x)
    n = T.lscalar("n")
    with pytest.warns(UserWarning, match="deprecated"):
        wo = mrg.multinomial_wo_replacement(n=2, pvals=np.full((3, 4), 0.25))
    outs = theano.function([x, n], [shuffled, shuffled.permutation, rs.permutation(n=n),
                                    mrg.choice(size=3, p=np.full((2, 3), 1 / 3), replace=False),
                                    mrg.choice(size=5, p=[[0.5, 0.5]], replace=True), wo,
                                    b, mrg.uniform((2,), nstreams=7, target="cpu")])(
        np.arange(12.0).reshape(3, 4), 5)
    rows, perm, single, picks, with_replacement, wo_value, b_value, _ = outs
    np.testing.assert_array_equal(rows, np.take_along_axis(np.arange(12.0).reshape(3, 4), perm, 1))
    assert sorted(single.tolist()) == list(range(5))
    assert (np.sort(picks, 1) == np.arange(3)).all()
    assert with_replacement.shape == (1, 5) and set(with_replacement.ravel()) <= {0, 1}
    assert wo_value.shape == (3, 2) and (wo_value[:, 0] != wo_value[:, 1]).all()
    assert set(b_value.tolist()) <= {0, 1}


def test_draw_given_for_an_input_is_drawn_anew_each_call():
    rs = RandomStreams(6)
    x = T.vector("x")
    noisy = rs.normal((3,))
    f = theano.function([], x * 2, givens={x: noisy})
    a, b = f(), f()
    assert not np.array_equal(a, b)
    assert noisy.rng.get_value()[1] == 2
