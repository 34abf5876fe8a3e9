"""tfgraph.graph_plot: a compiled function's TensorFlow graph drawn one box per name scope,
as the notebook's ``%tfgraph_graph`` shows it."""
import io
import re

import matplotlib.image
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph._tf import tf
from tfgraph.graph_plot import BOX_HEIGHT, graph_layout, graph_png


def boxes(layout):
    return {box.key: (box.kind, box.detail) for box in layout.boxes}


def test_seed_function_input_op_output():
    foo = T.scalar("foo")
    f = theano.function([foo], foo ** 2)
    layout = graph_layout(f)
    assert boxes(layout) == {"foo": ("input", "float64 ()"), "sqr": ("op", "Square"),
                             "Identity": ("output", "float64 ()")}
    assert set(layout.paths) == {("foo", "sqr"), ("sqr", "Identity")}
    # Top-down, one layer each, each edge from the bottom of one box to the top of the next.
    assert [layout.box(k).y for k in ("foo", "sqr", "Identity")] == sorted(
        layout.box(k).y for k in ("foo", "sqr", "Identity"))
    (start, *_, end) = layout.paths[("foo", "sqr")]
    assert start[1] == layout.box("foo").y + BOX_HEIGHT and end[1] == layout.box("sqr").y


def test_png_is_the_layout_drawn():
    foo = T.scalar("foo")
    f = theano.function([foo], foo ** 2)
    layout, image = graph_layout(f), matplotlib.image.imread(io.BytesIO(graph_png(f)), "png")
    assert image.shape[:2] == (layout.height, layout.width)
    assert image[..., :3].std() > 0.05  # boxes and text, not a blank picture


def test_update_boxes_name_their_variable_and_no_control_edges():
    W = theano.shared(np.zeros((2, 3)), name="W")
    step = T.matrix("step")
    f = theano.function([step], W.sum(), updates=[(W, W - step)])
    layout = graph_layout(f)
    found = boxes(layout)
    assert found["W"] == ("variable", "float64 (?, ?)")
    assert found["step"] == ("input", "float64 (?, ?)")
    (assign,) = [name for name, (kind, _) in found.items() if kind == "assign"]
    assert found[assign][1] == "assigns W"
    assert not any(name.startswith("NoOp") for name in found)  # control edges only
    # W -> sub -> assign, step -> sub, W -> sum -> output; no resource edge W -> assign.
    assert len(layout.edges) == 5 and ("W", assign) not in layout.edges
    # The update is computed from the old value and assigned after it: below W.
    assert layout.box(assign).layer > layout.box("W").layer


def test_depth_opens_scopes_and_gradient_tape_is_one_box():
    x = T.vector("x")
    w = theano.shared(np.ones(3), name="w")
    cost = T.sum(T.tanh(x * w))
    f = theano.function([x], cost, updates=[(w, w - 0.1 * theano.grad(cost, w))])
    top = boxes(graph_layout(f))
    assert top["gradient_tape"][0] == "scope" and top["gradient_tape"][1].endswith(" ops")
    opened = boxes(graph_layout(f, depth=2))
    assert "gradient_tape" not in opened
    assert any(name.startswith("gradient_tape/") for name in opened)
    assert len(opened) > len(top)


def test_tensorflow_functions_and_graphdefs():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def double(v):
        return v * 2.0

    from_function = boxes(graph_layout(double))
    from_graphdef = boxes(graph_layout(double.get_concrete_function().graph.as_graph_def()))
    assert from_function["v"] == ("input", "float32 (?,)") and "mul" in from_function
    assert set(from_graphdef) == set(from_function)


def test_a_cycle_between_scopes_is_drawn():
    """Grouping by scope can make a cycle (a -> b -> a): both boxes and both edges are
    drawn, the edge back pointing up."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(1.0, name="a/x")
        y = tf.identity(x, name="b/y")
        tf.identity(y, name="a/z")
    layout = graph_layout(graph)
    assert set(boxes(layout)) == {"a", "b"} and set(layout.edges) == {("a", "b"), ("b", "a")}
    down, up = layout.paths[("a", "b")], layout.paths[("b", "a")]
    assert down[0][1] < down[-1][1] and up[0][1] > up[-1][1]
    assert len(graph_png(graph)) > 0


@pytest.mark.parametrize("depth", [0, -1, 1.5, "1"])
def test_bad_depth(depth):
    s = T.scalar("s")
    f = theano.function([s], s * 2)
    with pytest.raises(ValueError, match=re.escape(f"depth must be a positive integer, got {depth!r}")):
        graph_layout(f, depth=depth)


def test_eager_function_and_non_function():
    foo = T.scalar("foo")
    eager = theano.function([foo], foo + 1, mode="FAST_COMPILE", name="eager")
    with pytest.raises(ValueError, match="function 'eager' runs op by op .mode FAST_COMPILE."):
        graph_png(eager)
    with pytest.raises(TypeError, match="expected a compiled tfgraph Function"):
        graph_png(foo)
