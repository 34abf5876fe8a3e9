"""Shared test set-up: quiet TensorFlow, restore the config after each test, and
hypothesis settings that keep CI fast."""
import os
import signal

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from tfgraph.config import config  # noqa: E402

# Compiling a function costs ~50-100 ms, so tests compile once per op
# signature and let hypothesis vary only the values and shapes fed to it, a
# modest number of times: TFGRAPH_EXAMPLES=300 for a thorough run.
HYPOTHESIS = settings(
    max_examples=int(os.environ.get("TFGRAPH_EXAMPLES", "25")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def _restore_config():
    """Tests may set config.floatX / config.mode; put the previous values back."""
    saved = dict(config._assigned)
    yield
    config._assigned.clear()
    config._assigned.update(saved)


@pytest.fixture
def python_sigint():
    """Python's own Ctrl-C handler for the test. A process started in the
    background by a shell inherits SIGINT ignored; an interrupt the test
    delivers by hand and tfgraph holds back would then be re-raised through
    that, which drops it, where a real Ctrl-C could never have arrived."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def floatX():
    """Set ``config.floatX`` for one test: ``floatX('float32')``."""
    def set_floatX(value):
        config.floatX = value
        return value
    return set_floatX


def assert_result(var, result, expected, rtol=None, atol=None):
    """``result`` (what a compiled function returned for ``var``) equals
    ``expected`` in value, dtype and shape, and agrees with ``var``'s static
    type: same dtype, ndim, and length 1 in every broadcastable dimension."""
    expected = np.asarray(expected)
    assert isinstance(result, np.ndarray), f"got {type(result).__name__}, not an ndarray"
    assert var.dtype == expected.dtype.name, (
        f"static dtype {var.dtype} of {var}, expected {expected.dtype}")
    assert result.dtype == expected.dtype, f"result dtype {result.dtype}, expected {expected.dtype}"
    assert var.ndim == result.ndim, f"static ndim {var.ndim} but the result has shape {result.shape}"
    assert result.shape == expected.shape, f"shape {result.shape}, expected {expected.shape}"
    for axis, (b, size) in enumerate(zip(var.broadcastable, result.shape)):
        assert not b or size == 1, (
            f"{var.type} says dimension {axis} broadcasts, but the result has shape {result.shape}")
    if expected.dtype.kind in "fc":
        if rtol is None:
            rtol = {"float16": 1e-2, "float32": 2e-5, "complex64": 2e-5}.get(expected.dtype.name, 1e-10)
        if atol is None:
            atol = {"float16": 1e-2, "float32": 1e-6, "complex64": 1e-6}.get(expected.dtype.name, 1e-12)
        np.testing.assert_allclose(result, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(result, expected)


@pytest.fixture
def theano_alias():
    """``import theano`` resolving to tfgraph for one test, then undone."""
    import sys

    import tfgraph
    saved_path = list(sys.meta_path)
    saved = {k: v for k, v in sys.modules.items() if k == "theano" or k.startswith("theano.")}
    tfgraph.install_theano_alias()
    yield
    sys.meta_path[:] = saved_path
    for key in [k for k in sys.modules if k == "theano" or k.startswith("theano.")]:
        del sys.modules[key]
    sys.modules.update(saved)


@pytest.fixture
def legacy_program(theano_alias, monkeypatch):
    """Load experiments/legacy/NAME.py with ``theano`` resolving to tfgraph,
    its directory on the path (the programs import each other, as the
    tutorials did); gives the module's namespace."""
    import runpy
    import sys
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "experiments", "legacy")
    monkeypatch.syspath_prepend(here)
    yield lambda name: runpy.run_path(os.path.join(here, name + ".py"), run_name="legacy")
    for name, module in list(sys.modules.items()):
        if os.path.dirname(getattr(module, "__file__", None) or "") == here:
            del sys.modules[name]


@pytest.fixture
def concurrently():
    """``concurrently(call, n)``: ``call(k)`` in ``n`` threads at once, k = 0..n-1;
    the results by k, or the first exception a thread raised."""
    import threading

    def run(call, n):
        results, errors = {}, []

        def one(k):
            try:
                results[k] = call(k)
            except BaseException as error:  # noqa: BLE001  (re-raised below)
                errors.append(error)
        threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results
    return run
