"""tfgraph.tensorboard: event files read back with TensorBoard's own reader.

The compiled Function and shared variables are stand-ins with the attributes the core
provides (`.name`, `.concrete_function`; `.name`, `.get_value()`, `.variable`), so these
tests do not depend on the rest of tfgraph.

What EventAccumulator exposes (TF2 summaries all arrive as *tensors*):
- graph:     acc.Tags()["graph"] is True; acc.Graph() is a GraphDef (node names in .node).
- scalar:    tag in acc.Tags()["tensors"] (not "scalars"); acc.Tensors(tag) -> events with
             .step and .tensor_proto (a 0-d float); plugin name "scalars".
- histogram: tag in acc.Tags()["tensors"] (not "histograms"); the tensor is [buckets, 3]
             (left edge, right edge, count); plugin name "histograms".
"""
import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator as ea

from tfgraph._tf import tf
from tfgraph import tensorboard as tb


class StandInFunction:
    def __init__(self, name, concrete_function):
        self.name = name
        self.concrete_function = concrete_function


class StandInShared:
    def __init__(self, value, name=None):
        self.name = name
        self.variable = tf.Variable(value)

    def get_value(self):
        return self.variable.numpy()


@pytest.fixture(scope="module")
def mlp():
    """A one-layer net traced the way the core lowers it: name scopes after variables."""
    W = StandInShared(np.arange(6, dtype=np.float32).reshape(3, 2), name="W")
    b = StandInShared(np.zeros(2, np.float32), name="b")

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def forward(x):
        with tf.name_scope("mlp_input"):
            x = tf.identity(x)
        with tf.name_scope("W"):
            w = W.variable.read_value()
        with tf.name_scope("b"):
            bias = b.variable.read_value()
        return tf.tanh(tf.matmul(x, w) + bias)

    return forward, W, b


def load(logdir):
    # 0 keeps every event; the defaults would sample tensors down.
    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.TENSORS: 0, ea.GRAPH: 0})
    acc.Reload()
    return acc


def node_names(acc):
    return [node.name for node in acc.Graph().node]


def plugin(acc, tag):
    return acc.SummaryMetadata(tag).plugin_data.plugin_name


def test_write_graph_of_compiled_function(mlp, tmp_path):
    forward, _, _ = mlp
    f = StandInFunction("train step", forward.get_concrete_function())
    run_dir = tb.write_graph(f, tmp_path)
    assert run_dir == str(tmp_path / "train_step")  # one run per function
    acc = load(run_dir)
    assert acc.Tags()["graph"]
    names = node_names(acc)
    for scope in ("W", "b", "mlp_input"):
        assert any(n.startswith(scope + "/") for n in names), (scope, names)


@pytest.mark.parametrize("kind", ["concrete", "tf.function", "tf.Graph", "unnamed Function"])
def test_write_graph_of_tensorflow_objects(mlp, tmp_path, kind):
    forward, _, _ = mlp
    concrete = forward.get_concrete_function()
    function = {"concrete": concrete, "tf.function": forward, "tf.Graph": concrete.graph,
                "unnamed Function": StandInFunction(None, concrete)}[kind]
    run_dir = tb.write_graph(function, tmp_path)
    assert run_dir == str(tmp_path)  # no user name: written to logdir itself
    assert "mlp_input/Identity" in node_names(load(run_dir))


def test_write_graph_explicit_name(mlp, tmp_path):
    run_dir = tb.write_graph(mlp[0], tmp_path, name="forward")
    assert run_dir == str(tmp_path / "forward")
    assert load(run_dir).Tags()["graph"]


def test_write_graph_rejects_other_objects(tmp_path):
    with pytest.raises(TypeError, match="ConcreteFunction"):
        tb.write_graph(lambda x: x, tmp_path)


def test_scalars_read_back(tmp_path):
    with tb.SummaryLogger(tmp_path) as log:
        for step, cost in enumerate([0.5, 0.25, 0.125]):
            log.scalars(step, cost=cost, error=np.float32(1 - cost))
        log.scalar("lr", np.array(0.01), step=7)
    acc = load(tmp_path)
    tags = acc.Tags()
    assert tags["scalars"] == []  # TF2 summaries are tensors, not legacy scalars
    assert {"cost", "error", "lr"} <= set(tags["tensors"])
    assert plugin(acc, "cost") == "scalars"

    def read(tag):
        return [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]

    assert read("cost") == [(0, 0.5), (1, 0.25), (2, 0.125)]
    assert read("error") == [(0, 0.5), (1, 0.75), (2, 0.875)]
    assert read("lr") == [(7, pytest.approx(0.01))]


def test_histograms_per_shared_variable(mlp, tmp_path):
    _, W, b = mlp
    unnamed = StandInShared(np.ones(4))
    other_W = StandInShared(np.ones(5, np.float32), name="W")
    with tb.SummaryLogger(tmp_path) as log:
        for step in range(2):
            log.histograms(step, [W, b, unnamed, other_W])
    acc = load(tmp_path)
    for tag, size in [("W", 6), ("b", 2), ("shared_2", 4), ("W_1", 5)]:
        assert plugin(acc, tag) == "histograms"
        events = acc.Tensors(tag)
        assert [e.step for e in events] == [0, 1]
        buckets = tf.make_ndarray(events[0].tensor_proto)  # rows: left, right, count
        assert buckets.shape[1] == 3 and buckets[:, 2].sum() == size


def test_logger_graph_and_flush(mlp, tmp_path):
    log = tb.SummaryLogger(tmp_path)
    log.graph(StandInFunction("f", mlp[0].get_concrete_function()))
    log.scalar("cost", 1.0, step=0)
    log.flush()  # readable before close
    acc = load(tmp_path)
    assert acc.Tags()["graph"] and "cost" in acc.Tags()["tensors"]
    log.close()
