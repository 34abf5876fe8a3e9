"""Every package the main job needs is installed by ``pip install -e .``.

TensorFlow 2.21 stopped requiring TensorBoard, whose absence only showed when
the main job wrote its first summary. So this runs the main job in a fresh
interpreter in which every installed distribution that pyproject.toml's base
dependencies do not bring in (themselves, or what they require without
extras) cannot be imported, as on a machine where it was never installed.
Packages that merely try an optional import (IPython, boto3, ...) go on
without it; a real dependency fails the run and names itself.
"""
import importlib.metadata as metadata
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Import every module of tfgraph and experiments, then run the main job (one
# iteration, into a temporary directory): imports made lazily, such as
# TensorBoard's by tf.summary, happen only when the code runs.
PROBE = r"""
import importlib.abc, importlib.metadata, json, os, sys

ALLOWED = set(json.loads(os.environ["ALLOWED_DISTRIBUTIONS"]))
SKIPPED = {"experiments.__main__", *json.loads(os.environ["EXTRA_MODULES"])}
SOURCES = importlib.metadata.packages_distributions()

def normalized(name):
    import re
    return re.sub(r"[-_.]+", "-", name).lower()

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        dists = {normalized(d) for d in SOURCES.get(top, ())}
        if dists and not dists & ALLOWED and top not in sys.stdlib_module_names:
            raise ModuleNotFoundError(f"No module named {top!r} (distribution "
                                      f"{sorted(dists)} is not a base dependency)", name=top)
        return None

sys.meta_path.insert(0, NotInstalled())

import contextlib, importlib, io, pkgutil, tempfile
import tfgraph, experiments
for package in (tfgraph, experiments):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name not in SKIPPED:
            importlib.import_module(info.name)
from experiments.__main__ import run_all
with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
    run_all(output_dir=out, iterations=1)
print("main job ran")
"""


# Modules that only an extra's packages import: IPython imports tfgraph.ipython for
# `%load_ext tfgraph`, where IPython is installed (the notebook extra brings Jupyter).
EXTRA_MODULES = ["tfgraph.ipython"]


def _requirement_name(text):
    return re.match(r"\s*([A-Za-z0-9._-]+)", text).group(1)


def _normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def base_dependencies():
    """The names in pyproject.toml's ``[project] dependencies`` list."""
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        text = f.read()
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M).group(1)
    return {_normalized(_requirement_name(item)) for item in re.findall(r'"([^"]+)"', block)}


def installed_closure(names):
    """``names`` and every distribution they require, not counting extras."""
    closure, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if not re.search(r"extra\s*==", requirement):
                todo.append(_normalized(_requirement_name(requirement)))
    return closure


def run_main_job_with_only(dependencies):
    allowed = sorted(installed_closure(dependencies) | {"tfgraph"})
    env = dict(os.environ, ALLOWED_DISTRIBUTIONS=json.dumps(allowed),
               EXTRA_MODULES=json.dumps(EXTRA_MODULES))
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=env)


def test_base_dependencies_cover_the_main_job():
    dependencies = base_dependencies()
    assert {"tensorflow", "numpy", "tensorboard"} <= dependencies
    result = run_main_job_with_only(dependencies)
    assert result.returncode == 0 and "main job ran" in result.stdout, (
        "the main job needs a package that pyproject.toml's base dependencies do not "
        "install:\n" + result.stderr[-3000:])


def test_a_missing_dependency_is_found():
    # The pyproject.toml of before: without tensorboard the first summary fails.
    result = run_main_job_with_only(base_dependencies() - {"tensorboard"})
    assert result.returncode != 0
    assert "tensorboard" in result.stderr.lower()


def test_closure_reads_requirements():
    assert "numpy" in installed_closure({"tensorflow"})
    assert "tensorboard" not in installed_closure({"numpy"})
