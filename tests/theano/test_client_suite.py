"""tools/run_client_suite.py runs a library's own tests through the alias,
from a source tree and from a git snapshot without a work tree."""
import subprocess
import textwrap

from tools import run_client_suite


def make_library(root):
    (root / "minilib" / "tests").mkdir(parents=True)
    (root / "minilib" / "__init__.py").write_text(textwrap.dedent("""
        import theano
        import theano.tensor as T

        def double(x):
            return x * 2
        """))
    (root / "minilib" / "tests" / "__init__.py").write_text("")
    (root / "minilib" / "tests" / "test_double.py").write_text(textwrap.dedent("""
        import numpy as np
        import theano
        import theano.tensor as T
        import minilib

        def test_double_runs_on_tfgraph():
            import tfgraph
            assert theano is tfgraph
            x = T.dvector('x')
            assert list(theano.function([x], minilib.double(x))(np.ones(2))) == [2.0, 2.0]

        def test_fails():
            assert theano.config.floatX == 'float16'

        @pytest.mark.slow
        def test_slow():
            pass
        """).replace("import numpy as np", "import numpy as np\nimport pytest"))
    # As Lasagne: an option of its own in a conftest.py below the path its
    # configuration names, options the runner leaves out, and a module that
    # no longer imports.
    (root / "minilib" / "tests" / "conftest.py").write_text(textwrap.dedent("""
        import pytest

        def pytest_addoption(parser):
            parser.addoption("--runslow", action="store_true")

        def pytest_configure(config):
            config.addinivalue_line("markers", "slow: a slow test")

        def pytest_runtest_setup(item):
            if 'slow' in item.keywords and not item.config.getoption("--runslow"):
                pytest.skip("need --runslow option to run")
        """))
    (root / "minilib" / "tests" / "test_old_numpy.py").write_text("import numpy\nnumpy.zeros(3)[[slice(1)]]\n")
    (root / "setup.cfg").write_text("[tool:pytest]\naddopts = -v --pep8 --cov=minilib minilib/\n"
                                    "python_files = test*py\n")


def test_runs_a_git_snapshot_through_the_alias(tmp_path, capfd):
    tree = tmp_path / "tree"
    make_library(tree)
    assert run_client_suite.checkout(str(tree), str(tmp_path / "unused")) == str(tree)
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run(["git", "-C", str(tree), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "library"], check=True)
    bare = tmp_path / "snapshot.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(tree), str(bare)], check=True)
    # One run (a fresh interpreter imports TensorFlow), of the configured path:
    # one test passes, one fails, one skips itself, one module does not import.
    assert run_client_suite.configured_paths(str(tree)) == ["minilib/"]
    status = run_client_suite.main([str(bare)])
    out = capfd.readouterr().out
    assert status == 1 and "1 failed, 1 passed, 1 skipped, 1 error" in out, out
    assert "test_fails" in out and "test_old_numpy" in out
