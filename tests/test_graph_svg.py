"""tfgraph.graph_svg: a compiled function's TensorFlow graph drawn as SVG, one box per name
scope, as the notebook's ``%tfgraph_graph`` shows it."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph._tf import tf
from tfgraph.graph_svg import graph_svg

SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg):
    """{name: (detail, fill)} of every box, and the number of arrows."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(SVG + "g"):
        name, detail = [t.text for t in group.iter(SVG + "text")]
        found[name] = (detail, group.find(SVG + "rect").get("fill"))
    arrows = [p for p in root.iter(SVG + "path") if p.get("marker-end")]
    return found, len(arrows)


def test_seed_function_input_op_output():
    foo = T.scalar("foo")
    f = theano.function([foo], foo ** 2)
    found, arrows = boxes(graph_svg(f))
    assert found == {"foo": ("float64 ()", "#fde9c4"), "sqr": ("Square", "#ffffff"),
                     "Identity": ("float64 ()", "#efe3f7")}
    assert arrows == 2


def test_update_boxes_name_their_variable_and_no_control_edges():
    W = theano.shared(np.zeros((2, 3)), name="W")
    step = T.matrix("step")
    f = theano.function([step], W.sum(), updates=[(W, W - step)])
    svg = graph_svg(f)
    found, arrows = boxes(svg)
    assert found["W"] == ("float64 (?, ?)", "#dcecf9")
    assert found["step"][0] == "float64 (?, ?)"
    (assign,) = [name for name in found if name.startswith("AssignVariableOp")]
    assert found[assign][0] == "assigns W"
    assert not any(name.startswith("NoOp") for name in found)  # control edges only
    # W -> sub, step -> sub, sub -> assign; W -> sum -> output; no resource edge W -> assign.
    assert arrows == 5
    assert "<title>" in svg  # each box lists its ops when hovered


def test_depth_opens_scopes_and_gradient_tape_is_one_box():
    x = T.vector("x")
    w = theano.shared(np.ones(3), name="w")
    cost = T.sum(T.tanh(x * w))
    f = theano.function([x], cost, updates=[(w, w - 0.1 * theano.grad(cost, w))])
    top, _ = boxes(graph_svg(f))
    assert top["gradient_tape"][0].endswith(" ops")
    opened, _ = boxes(graph_svg(f, depth=2))
    assert "gradient_tape" not in opened
    assert any(name.startswith("gradient_tape/") for name in opened)
    assert len(opened) > len(top)


def test_tensorflow_graphs_and_graphdefs():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def double(v):
        return v * 2.0

    from_function, _ = boxes(graph_svg(double))
    from_graphdef, _ = boxes(graph_svg(double.get_concrete_function().graph.as_graph_def()))
    assert "v" in from_function and "mul" in from_function
    assert set(from_graphdef) == set(from_function)


def test_a_cycle_between_scopes_is_drawn():
    """Grouping by scope can make a cycle (a -> b -> a): every box and arrow is still drawn."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(1.0, name="a/x")
        y = tf.identity(x, name="b/y")
        tf.identity(y, name="a/z")
    found, arrows = boxes(graph_svg(graph))
    assert set(found) == {"a", "b"} and arrows == 2


@pytest.mark.parametrize("depth", [0, -1, 1.5, "1"])
def test_bad_depth(depth):
    s = T.scalar("s")
    f = theano.function([s], s * 2)
    with pytest.raises(ValueError, match=re.escape(f"depth must be a positive integer, got {depth!r}")):
        graph_svg(f, depth=depth)


def test_eager_function_and_non_function():
    foo = T.scalar("foo")
    eager = theano.function([foo], foo + 1, mode="FAST_COMPILE", name="eager")
    with pytest.raises(ValueError, match="function 'eager' runs op by op .mode FAST_COMPILE."):
        graph_svg(eager)
    with pytest.raises(TypeError, match="expected a compiled tfgraph Function"):
        graph_svg(foo)
