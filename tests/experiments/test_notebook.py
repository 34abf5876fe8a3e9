"""The Theano tutorial as a Jupyter notebook, run as a person runs it.

examples/theano_tutorial.ipynb holds the second seed document's 24 code cells in order
(Python 3 ``print``; cell 1 loads tfgraph's IPython extension), then cells showing what
tfgraph adds. Here it runs headless in a fresh Jupyter kernel of this interpreter
(nbclient, ipykernel), cell by cell as Jupyter runs it: no cell may fail but cell 15, which
raises as the seed's does; the seed's cells print what they print in Theano, draw their
figures as PNGs, and nothing reaches stderr (TensorFlow's start-up lines are dropped). The
network's training is checked against NumPy on the seed's own draws, and, while the kernel
runs, the TensorBoard that ``%tensorboard`` started is asked over HTTP what it reads.

Below that, the extension's edges, in an in-process IPython shell.
"""
import ast
import base64
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import types
import urllib.request
import warnings
from pathlib import Path

import matplotlib.image
import nbformat
import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from tensorboard import manager as tensorboard_manager
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from test_experiments import numpy_training

from tfgraph.graph_plot import graph_png
from tfgraph.theano_alias import AliasError

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "theano_tutorial.ipynb"
SEED_CELLS = 24
KERNEL_NAME = "tfgraph-test-python"
CELL_TIMEOUT = 600  # seconds; a cell takes at most a few here


def _literal(text):
    return re.escape(text)


# What the seed's cells print, by cell number (In [n]): Theano 1.0's values, printed by
# NumPy 2 (`array(91.)` where NumPy 1 printed `array(91.0)`). Cell 3's first line names the
# variable's class, which is tfgraph's here (Theano's was theano.tensor.var.TensorVariable).
SEED_STDOUT = {
    3: r"<class '[\w.]+\.TensorVariable'>\n"
       + _literal("TensorType(float64, scalar)\n(foo ** TensorConstant{2})\n"),
    4: _literal("9.0\n"),
    5: _literal("9.0\n"),
    6: _literal("9.0\n"),
    7: _literal("[array([18., 37.]), array(91.)]\n[array([14., 32.]), array(91.)]\n"),
    8: _literal("<TensorType(float64, matrix)>\n"),
    9: _literal("[[3. 4.]\n [2. 1.]]\n"),
    10: _literal("[[ 9. 16.]\n [ 4.  1.]]\n"),
    11: _literal("shared_var before subtracting [[1, 1], [1, 1]] using function_2:\n"
                 "[[3. 4.]\n [2. 1.]]\n"
                 "shared_var after calling function_2:\n"
                 "[[2. 3.]\n [1. 0.]]\n"
                 "New output of function_1() (shared_var**2):\n"
                 "[[4. 9.]\n [1. 0.]]\n"),
    13: _literal("[[9. 8. 7.]\n [4. 5. 6.]]\n"),
    14: _literal("5.0\nnan\n"),
    16: _literal("cpu\nfloat64\n"),
    18: _literal("<TensorType(float64, vector)>\n<TensorType(float32, vector)>\n"),
}
SEED_RESULT = {12: "array(20.)"}  # Out[12]: the gradient of foo**2 at 10
SEED_ERROR = {15: ("InvalidValueError", "NaN in the output of (num / den)")}  # DebugMode
SEED_FIGURES = {22: 1, 24: 20}  # the data, then one figure per training iteration
# plt.figure(figsize=(8, 8)) is 800 x 800 pixels at the inline backend's 100 dpi, which crops
# the margins (bbox_inches='tight'): the axes' square and their labels are left.
FIGURE_PIXELS = range(600, 801)

# Questions to the kernel after a seed cell (by number), asked as Jupyter's protocol lets a
# client ask (silently, as user expressions: the kernel's execution counts and history stay
# those of a person's run). Each expression's value is a JSON string.
PROBES = {
    2: "__import__('json').dumps([theano is __import__('sys').modules['tfgraph'], "
       "T is __import__('sys').modules['tfgraph.tensor']])",
    24: "__import__('json').dumps({'cost': float(current_cost), 'accuracy': float(accuracy), "
        "'X': X.tolist(), 'y': y.tolist()})",
}


def _code_cells(nb):
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]


def _extra_cell(nb, start):
    """Index of the one code cell past the seed's whose source starts with `start`."""
    found = [i for i in _code_cells(nb)[SEED_CELLS:] if nb.cells[i].source.startswith(start)]
    assert len(found) == 1, f"{len(found)} cells past the seed's start with {start!r}"
    return found[0]


def _kernel_manager(tmp):
    """A kernel of this interpreter, from a kernelspec made here: whatever kernels the
    machine has installed, the notebook runs on the Python running the tests."""
    spec_dir = tmp / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tfgraph tests", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")])
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def _kernel_environment():
    """This process's environment as a person's shell has it: the tests' quieting of
    TensorFlow (conftest) removed, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _stdout(cell):
    return "".join(o.text for o in cell.outputs
                   if o.output_type == "stream" and o.name == "stdout")


def _ask(client, expression):
    """The value of `expression` in the kernel, a JSON string, decoded."""
    reply = run_sync(client.kc.execute_interactive)(
        "", silent=True, user_expressions={"value": expression}, timeout=CELL_TIMEOUT)
    value = reply["content"]["user_expressions"]["value"]
    assert value["status"] == "ok", value
    return json.loads(ast.literal_eval(value["data"]["text/plain"]))


def _tensorboard_port(cell):
    html = "".join(o.data.get("text/html", "") for o in cell.outputs
                   if o.output_type == "display_data")
    found = re.search(r"const port = (\d+);", html)
    assert found, f"no TensorBoard frame in the %tensorboard cell's output: {cell.outputs}"
    return int(found.group(1))


def _ask_tensorboard(port, run, deadline_s=60):
    """What TensorBoard's HTTP API says about `run` (it loads event files in the
    background, so ask until the run's scalars are there)."""
    def get(path):
        with urllib.request.urlopen(f"http://localhost:{port}{path}", timeout=10) as reply:
            return json.load(reply)
    deadline = time.monotonic() + deadline_s
    while True:
        tags = get("/data/plugin/scalars/tags")
        if run in tags or time.monotonic() > deadline:
            return {"runs": get("/data/runs"), "scalars": tags,
                    "graphs": get("/data/plugin/graphs/info")}
        time.sleep(1)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The notebook, executed from a clean kernel in a scratch directory, with the probes'
    answers and TensorBoard's, and the time it took (printed; 79 s with the machine's 2 cores
    shared by a load average of 10, for 42 s of CPU in all)."""
    tmp = tmp_path_factory.mktemp("notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:  # the saved outputs go: what is checked is this run's
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    seed = _code_cells(nb)[:SEED_CELLS]  # seed[n - 1]: the index of the seed's cell n
    tensorboard_cell = _extra_cell(nb, "%tensorboard")
    logging_cell = _extra_cell(nb, "import tfgraph.tensorboard")
    loop_cell = _extra_cell(nb, "costs = train.loop(")
    graph_cell = _extra_cell(nb, "%tfgraph_graph")
    probes = {seed[number - 1]: expression for number, expression in PROBES.items()}
    probes[logging_cell] = ("__import__('json').dumps({'cost': float(current_cost), "
                            "'accuracy': float(accuracy)})")
    probes[loop_cell] = "__import__('json').dumps([float(c) for c in costs])"
    probes[graph_cell] = (
        "(lambda L: __import__('json').dumps({'size': [L.width, L.height], "
        "'boxes': [b.key for b in L.boxes], 'kinds': [b.kind for b in L.boxes]}))"
        "(__import__('tfgraph.graph_plot').graph_plot.graph_layout(train))")

    kernel = _kernel_manager(tmp)
    client = NotebookClient(nb, km=kernel, timeout=CELL_TIMEOUT, startup_timeout=120,
                            resources={"metadata": {"path": str(tmp)}})
    answers, tensorboard, tensorboard_pids, left_running = {}, None, [], []
    start = time.monotonic()
    try:
        with client.setup_kernel(env=_kernel_environment()):
            for index in _code_cells(nb):
                client.execute_cell(nb.cells[index], index)  # raises on an error, unless tagged
                if index in probes:
                    answers[index] = _ask(client, probes[index])
                if index == tensorboard_cell:
                    port = _tensorboard_port(nb.cells[index])
                    tensorboard_pids = [i.pid for i in tensorboard_manager.get_all() if i.port == port]
                    tensorboard = _ask_tensorboard(port, "theano_tutorial")
        seconds = time.monotonic() - start
    finally:
        if kernel.has_kernel:  # a kernel we started: nbclient leaves it to us
            run_sync(kernel.shutdown_kernel)()
        left_running += [pid for pid in tensorboard_pids if _stop(pid)]
    print(f"\nthe notebook ran in {seconds:.1f} s")
    return types.SimpleNamespace(
        nb=nb, saved=nbformat.read(NOTEBOOK, as_version=4),
        seed=[nb.cells[i] for i in seed], answers=answers, tensorboard=tensorboard,
        tensorboard_pids=tensorboard_pids, left_running=left_running,
        seed_answer=lambda number: answers[seed[number - 1]], seconds=seconds,
        logging_cell=logging_cell, loop_cell=loop_cell, graph_cell=graph_cell)


def _stop(pid, wait_s=10):
    """Whether process `pid` (a TensorBoard the notebook started) was still running after
    its kernel stopped; if so, it is stopped here."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.2)
    os.kill(pid, signal.SIGTERM)
    return True


def test_only_the_debugmode_cell_may_raise(run):
    tagged = [cell for cell in run.nb.cells if "raises-exception" in cell.metadata.get("tags", [])]
    assert tagged == [run.seed[14]]


def test_cells_run_in_order_in_one_fresh_kernel(run):
    counts = [cell.execution_count for cell in run.nb.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


def test_load_ext_comes_first_and_installs_theano(run):
    first = run.seed[0]
    assert first.source.splitlines() == ["%load_ext tfgraph", "%matplotlib inline"]
    lines = _stdout(first).splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfgraph ") and "import theano" in lines[0]
    assert run.seed_answer(2) == [True, True]  # cell 2's `import theano` gave tfgraph


def test_seed_cells_print_what_the_seed_prints(run):
    for number, cell in enumerate(run.seed[1:], start=2):  # cell 1: the extension's line
        assert re.fullmatch(SEED_STDOUT.get(number, ""), _stdout(cell)), (
            f"In [{number}] printed {_stdout(cell)!r}")
        results = [o.data["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
        assert results == ([SEED_RESULT[number]] if number in SEED_RESULT else []), number
        errors = [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]
        if number in SEED_ERROR:
            (ename, evalue), = errors
            assert ename == SEED_ERROR[number][0] and SEED_ERROR[number][1] in evalue, evalue
        else:
            assert errors == [], number


def test_no_cell_writes_to_stderr(run):
    """TensorFlow's C++ runtime writes to file descriptor 2, which a kernel shows under the
    cell: its import lines, XLA's start-up lines and the log line of a failing call are
    dropped (cells 1, 15 and the loop would show them)."""
    for cell in run.nb.cells:
        if cell.cell_type == "code":
            stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
            assert stderr == [], (cell.source.splitlines()[0], stderr)


def _pngs(cell):
    return [matplotlib.image.imread(io.BytesIO(base64.b64decode(o.data["image/png"])), "png")
            for o in cell.outputs if o.output_type == "display_data" and "image/png" in o.data]


def test_figure_cells_show_pngs(run):
    for number, cell in enumerate(run.seed, start=1):
        images = _pngs(cell)
        assert len(images) == SEED_FIGURES.get(number, 0), number
        for image in images:
            height, width = image.shape[:2]
            assert height in FIGURE_PIXELS and width in FIGURE_PIXELS, (number, image.shape)
            assert image[..., :3].std() > 0.05, number  # not blank
    (summary,) = _pngs(run.nb.cells[run.loop_cell])  # figsize=(12, 5): two plots side by side
    assert summary.shape[1] > 2 * summary.shape[0] and summary[..., :3].std() > 0.05


def _seed_draws():
    """Cells 22 and 23's draws, made as the seed makes them (np.random.seed(0), then
    random_integers, random_sample and randn), and the network's initial parameters."""
    state = np.random.RandomState(0)
    N = 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        y = state.random_integers(0, 1, N)  # the notebook draws randint(0, 2, N)
    means = np.array([[-1, 1], [-1, 1]])
    covariances = state.random_sample((2, 2)) + 1
    X = np.vstack([state.randn(N) * covariances[0, y] + means[0, y],
                   state.randn(N) * covariances[1, y] + means[1, y]])
    params = []
    for n_input, n_output in [(2, 4), (4, 1)]:
        params += [state.randn(n_output, n_input), np.ones((n_output, 1))]
    return X, y, params


def test_training_matches_numpy_on_the_seeds_data(run):
    X, y, params = _seed_draws()
    costs, accuracies = numpy_training(X, y, params, iterations=240)
    after_seed = run.seed_answer(24)
    np.testing.assert_array_equal(after_seed["X"], X)
    np.testing.assert_array_equal(after_seed["y"], y)
    # Cell 24: 20 iterations (its last figure's title); the logging cell: 20 more.
    assert after_seed["cost"] == pytest.approx(costs[19], rel=0, abs=1e-9)
    assert after_seed["accuracy"] == accuracies[19]
    logged = run.answers[run.logging_cell]
    assert logged["cost"] == pytest.approx(costs[39], rel=0, abs=1e-9)
    assert logged["accuracy"] == accuracies[39]
    assert _stdout(run.nb.cells[run.logging_cell]) == (
        f"Cost: {costs[39]:.3f}, Accuracy: {accuracies[39]:.3f}\n")
    # train.loop(200, X, y): iterations 41 to 240 in one call, compiled with XLA.
    np.testing.assert_allclose(run.answers[run.loop_cell], costs[40:], rtol=1e-9)
    assert accuracies[-1] > accuracies[0]


def test_graph_cell_draws_the_train_function(run):
    (picture,) = _pngs(run.nb.cells[run.graph_cell])
    layout = run.answers[run.graph_cell]  # graph_layout(train), asked in the kernel
    assert list(picture.shape[:2]) == layout["size"][::-1]
    for box in ("mlp_input", "mlp_target", "W", "dot", "sigmoid", "sum", "gradient_tape"):
        assert box in layout["boxes"], box
    assert sum(kind == "assign" for kind in layout["kinds"]) == 8  # 4 parameters, 4 steps


def test_tensorboard_in_the_notebook_reads_tfgraphs_logs(run):
    assert len(run.tensorboard_pids) == 1
    assert run.left_running == [], "TensorBoard outlived the kernel that started it"
    answer = run.tensorboard
    assert "theano_tutorial" in answer["runs"], answer
    assert {"cost", "accuracy"} <= set(answer["scalars"]["theano_tutorial"]), answer
    assert answer["graphs"]["theano_tutorial"]["run_graph"], answer


def test_saved_notebook_holds_its_outputs(run):
    """The notebook in the repository was saved executed: a reader sees what this run
    made, the same text and as many figures."""
    saved_code = [c for c in run.saved.cells if c.cell_type == "code"]
    ran_code = [c for c in run.nb.cells if c.cell_type == "code"]
    assert [c.source for c in saved_code] == [c.source for c in ran_code]
    for number, (saved, ran) in enumerate(zip(saved_code[:SEED_CELLS], ran_code), start=1):
        assert saved.execution_count == number
        if number > 1:  # cell 1's line names the versions installed
            assert _stdout(saved) == _stdout(ran), number
        assert len(_pngs(saved)) == len(_pngs(ran)), number


# --- the extension, in-process --------------------------------------------------------------

@pytest.fixture
def shell(theano_alias):
    """A real IPython shell of this process, dropped afterwards (with the alias)."""
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_import_tfgraph_needs_no_ipython():
    """Without IPython (`import IPython` failing), tfgraph imports and keeps its hook; the
    extension's module is imported only by the hook. (TensorFlow's Keras imports IPython
    when it is installed, so its presence in sys.modules says nothing about tfgraph.)"""
    code = ("import sys; sys.modules['IPython'] = None; import tfgraph; "
            "print('tfgraph.ipython' in sys.modules, callable(tfgraph.load_ipython_extension))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.split() == ["False", "True"]


def test_load_ext_installs_the_alias_the_magics_and_tensorboards(shell, capsys):
    shell.extension_manager.load_extension("tfgraph")
    (line,) = capsys.readouterr().out.splitlines()
    assert "`import theano` now imports tfgraph" in line and "%tensorboard --logdir" in line
    shell.run_cell("import theano, theano.tensor as T")
    assert shell.user_ns["theano"] is sys.modules["tfgraph"]
    assert {"tfgraph_graph", "tensorboard"} <= set(shell.magics_manager.magics["line"])


def test_load_ext_says_how_to_load_tensorboard_when_it_cannot(shell, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # a module without the hook
    shell.extension_manager.load_extension("tfgraph")
    (line,) = capsys.readouterr().out.splitlines()
    assert "%tensorboard failed to load (no load function)" in line
    assert line.endswith("try %load_ext tensorboard")
    assert "tfgraph_graph" in shell.magics_manager.magics["line"]
    assert "tensorboard" not in shell.magics_manager.magics["line"]


def test_load_ext_refuses_when_a_real_theano_is_imported(shell, monkeypatch):
    real = types.ModuleType("theano")
    real.__file__ = "/site-packages/theano/__init__.py"
    monkeypatch.setitem(sys.modules, "theano", real)
    with pytest.raises(AliasError, match="A real Theano is already imported"):
        shell.extension_manager.load_extension("tfgraph")
    assert "tfgraph_graph" not in shell.magics_manager.magics["line"]
    assert sys.modules["theano"] is real


def test_tensorboard_found_beside_python_when_not_on_path(shell, monkeypatch, capsys):
    beside = Path(sys.executable).parent / "tensorboard"
    assert beside.exists(), "the tensorboard script is installed beside this Python"
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("TENSORBOARD_BINARY", raising=False)
    shell.extension_manager.load_extension("tfgraph")
    assert os.environ["TENSORBOARD_BINARY"] == str(beside)


def _defined(shell, code):
    result = shell.run_cell(code)
    result.raise_error()


def test_graph_magic_shows_the_picture_and_writes_logs(shell, tmp_path):
    shell.extension_manager.load_extension("tfgraph")
    _defined(shell, "import theano\n"
                    "foo = theano.tensor.scalar('foo')\n"
                    "f = theano.function([foo], foo ** 2, name='square')")
    with capture_output() as shown:
        shell.run_line_magic("tfgraph_graph", f"f --logdir {tmp_path}")
    (output,) = shown.outputs
    assert output.data["image/png"] == base64.b64encode(graph_png(shell.user_ns["f"])).decode()
    assert f"%tensorboard --logdir {tmp_path}" in shown.stdout
    events = EventAccumulator(str(tmp_path / "f"))  # the run is named as the magic's argument
    events.Reload()
    assert events.Tags()["graph"]


@pytest.mark.parametrize("line, message", [
    ("nothing_here", "cannot evaluate 'nothing_here': NameError"),
    ("foo", "expected a compiled tfgraph Function"),
    ("eager", "runs op by op (mode FAST_COMPILE)"),
    ("f --depth 0", "depth must be a positive integer"),
])
def test_graph_magic_errors_name_the_problem(shell, line, message):
    shell.extension_manager.load_extension("tfgraph")
    _defined(shell, "import theano\n"
                    "foo = theano.tensor.scalar('foo')\n"
                    "f = theano.function([foo], foo ** 2)\n"
                    "eager = theano.function([foo], foo ** 2, mode='FAST_COMPILE')")
    with pytest.raises(UsageError, match=re.escape(message)):
        shell.run_line_magic("tfgraph_graph", line)
