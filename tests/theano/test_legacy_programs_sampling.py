"""The Hamiltonian Monte Carlo program of experiments/legacy/ (hmc.py), unmodified
``import theano`` code run through the alias: given the momentum and uniforms
it drew, every step of the chain is NumPy's; the draws and the samples are
checked statistically."""
import numpy as np


def leapfrog(pos, vel, stepsize, n_steps, grad):
    """The tutorial's integrator: half step of velocity, n_steps - 1 full
    steps of both, last position step, half step of velocity."""
    vel = vel - 0.5 * stepsize * grad(pos)
    pos = pos + stepsize * vel
    for _ in range(n_steps - 1):
        vel = vel - stepsize * grad(pos)
        pos = pos + stepsize * vel
    return pos, vel - 0.5 * stepsize * grad(pos)


def test_hmc_leapfrog_by_scan_metropolis_and_stepsize_adaptation(legacy_program):
    result = legacy_program("hmc")["sampler_on_nd_gaussian"]()
    mu, cov, n_steps = result["mu"], result["cov"], result["n_steps"]
    cov_inv = np.linalg.inv(cov)

    def energy(x):
        return 0.5 * np.sum(((x - mu) @ cov_inv) * (x - mu), axis=1)

    def grad(x):
        return 0.5 * (x - mu) @ (cov_inv + cov_inv.T)

    trace = result["trace"]
    rejected = 0
    for step, (pos, stepsize, rate, vel, uniform, accept) in enumerate(trace):
        final_pos, final_vel = leapfrog(pos, vel, stepsize, n_steps, grad)
        h_before = energy(pos) + 0.5 * np.sum(vel ** 2, axis=1)
        h_after = energy(final_pos) + 0.5 * np.sum(final_vel ** 2, axis=1)
        want_accept = np.exp(h_before - h_after) - uniform >= 0
        np.testing.assert_array_equal(accept, want_accept)
        rejected += np.sum(~want_accept)
        new_pos = np.where(want_accept[:, None], final_pos, pos)
        new_stepsize = np.clip(stepsize * (1.02 if rate > 0.9 else 0.98), 0.001, 0.5)
        new_rate = 0.9 * rate + 0.1 * np.mean(want_accept)
        if step + 1 < len(trace):
            got_pos, got_stepsize, got_rate = trace[step + 1][:3]
            np.testing.assert_allclose(got_pos, new_pos, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(got_stepsize, new_stepsize, rtol=1e-12)
            np.testing.assert_allclose(got_rate, new_rate, rtol=1e-12)
    # The stepsize went up from 0.1 and came down at times, and some proposals
    # were rejected, so both sides of each T.switch were checked.
    stepsizes = np.array([t[1] for t in trace])
    assert stepsizes[0] == 0.1 and stepsizes.max() > 0.4
    assert np.any(np.diff(stepsizes) > 0) and np.any(np.diff(stepsizes) < 0)
    assert 0 < rejected < 0.2 * 4 * len(trace)

    # The draws: standard normal momentum, uniforms in [0, 1), fresh at each call.
    vels = np.concatenate([t[3] for t in trace]).ravel()
    uniforms = np.concatenate([t[4] for t in trace])
    n = len(vels)
    assert abs(vels.mean()) < 5 / np.sqrt(n) and abs(vels.var() - 1) < 5 * np.sqrt(2 / n)
    assert uniforms.min() >= 0 and uniforms.max() < 1
    assert abs(uniforms.mean() - 0.5) < 5 * np.sqrt(1 / 12 / len(uniforms))
    assert not np.any(trace[0][3] == trace[1][3])

    # The samples: 400 steps of 4 chains. Run with other seeds, the program's
    # mean was within 0.14 of the target's and its covariance within 0.06; a
    # wrong sign, integrator or acceptance test moves them by far more.
    samples = result["samples"].reshape(-1, len(mu))
    np.testing.assert_allclose(samples.mean(0), mu, atol=0.25)
    np.testing.assert_allclose(np.cov(samples.T), cov, atol=0.2)
    assert abs(result["final_acceptance_rate"] - 0.9) < 0.1
