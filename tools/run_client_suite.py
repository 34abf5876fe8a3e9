"""Run a Theano-era library's own test suite on tfgraph through the alias.

    python tools/run_client_suite.py SNAPSHOT [TEST_PATH ...] [-- PYTEST_ARGS ...]

SNAPSHOT is a checked-out source tree, or a git directory without a work
tree (such as a mirror of github:Lasagne/Lasagne), whose HEAD is then
extracted into a temporary directory; nothing is copied into this
repository. TEST_PATHs are relative to the tree (default: the paths the
library's own pytest configuration names, in its ``addopts`` or
``testpaths``, so that the conftest.py files there register their options).
The suite runs in a fresh interpreter with ``-p tfgraph.pytest_alias`` (the
alias installed before any test module is imported) and the library's pytest
options (coverage, pep8, doctests) left out. A test module that cannot be
imported (code written for an older NumPy) counts as an error and the others
run. Prints pytest's summary and returns its exit status.
"""
import argparse
import configparser
import os
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def checkout(snapshot, into):
    """The source tree of ``snapshot``: itself if it has files, else its git
    HEAD extracted under ``into``."""
    if os.path.isdir(os.path.join(snapshot, "objects")) and os.path.isfile(
            os.path.join(snapshot, "HEAD")):
        archive = subprocess.run(["git", "--git-dir", snapshot, "archive", "HEAD"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
        return into
    return snapshot


def run_suite(snapshot, tests=(), pytest_args=()):
    with tempfile.TemporaryDirectory(prefix="client-suite-") as scratch:
        tree = checkout(os.path.abspath(snapshot), scratch)
        command = pytest_command(tree, ["-q", "-rfE", *(tests or configured_paths(tree)),
                                        *pytest_args])
        return subprocess.run(command, cwd=tree, env=suite_environment(tree)).returncode


def pytest_command(tree, arguments):
    """pytest in a fresh interpreter with the alias installed before any test
    module is imported, the tree's own pytest options left out, and a module
    that does not import counted as an error while the others run."""
    return [sys.executable, "-m", "pytest", "-p", "tfgraph.pytest_alias",
            "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", tree,
            "--continue-on-collection-errors", *_quiet_removal_warnings(), *arguments]


def suite_environment(*paths):
    """The environment of that interpreter: this repository's tfgraph (and
    ``paths``) first on the path, TensorFlow's start-up lines off."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, *paths]),
                TF_CPP_MIN_LOG_LEVEL="3")


def configured_paths(tree):
    """The paths in the tree that the library's pytest configuration names
    (pytest.ini, tox.ini or setup.cfg: ``testpaths``, and the arguments of
    ``addopts`` that are paths). pytest registers the options of a
    conftest.py only below the paths it is given."""
    for name, section in (("pytest.ini", "pytest"), ("tox.ini", "pytest"),
                          ("setup.cfg", "tool:pytest")):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(os.path.join(tree, name))
        if parser.has_section(section):
            options = parser[section]
            words = shlex.split(options.get("testpaths", "")) + shlex.split(
                options.get("addopts", ""))
            return [w for w in words
                    if not w.startswith("-") and os.path.exists(os.path.join(tree, w))]
    return []


def _quiet_removal_warnings():
    """Theano-era conftests use hook arguments newer pytests deprecate: filter
    the deprecation classes this pytest has (naming one it lacks is an error)."""
    import pytest
    return [arg for name in ("PytestRemovedIn9Warning", "PytestRemovedIn10Warning")
            if hasattr(pytest, name) for arg in ("-W", f"ignore::pytest.{name}")]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", help="source tree or git directory of the library")
    parser.add_argument("tests", nargs="*", help="test files or directories in the tree")
    options = parser.parse_args(argv)
    return run_suite(options.snapshot, options.tests, pytest_args)


if __name__ == "__main__":
    sys.exit(main())
