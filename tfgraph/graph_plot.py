"""A compiled function's TensorFlow graph as a picture, one box per name scope.

tfgraph lowers each node under a name scope made from the variable it computes, so the
graph of a compiled ``train`` reads like the code that built it: the inputs, the shared
variables (``W``, ``b``), ``dot``, ``add``, ``sigmoid``, ..., ``gradient_tape`` (the whole
backward pass) and the assignments of the updates. Collapsing each top-level scope into
one box is the view TensorBoard's Graphs tab opens with; drawn here as a PNG, it shows at
once, stays in a saved notebook, is shown by Jupyter even before the notebook is trusted
(an SVG is not) and wherever a notebook is rendered, and needs no server
(``%tfgraph_graph f`` in a notebook, tfgraph/ipython.py). ``depth=2`` opens every scope one
level further, as a double-click does in TensorBoard.

Only data edges are drawn (TensorBoard draws control edges dashed and off to the side;
here they would only tie every assignment to everything). Data flows down: inputs and
variables at the top, outputs and assignments at the bottom. Layout: layers by longest
path, each box then moved down to just above its first use; long edges routed through one
point per layer they cross; each layer ordered by the mean position of its neighbours (a
few sweeps down and up); boxes pulled towards their neighbours without overlapping.
"""
import dataclasses
import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from tfgraph._tf import tf
from tfgraph.tensorboard import _graph_of

__all__ = ["GraphLayout", "graph_figure", "graph_layout", "graph_png"]

# Lengths are pixels of the picture, drawn at DPI dots per inch (a point is DPI / 72 pixels).
DPI = 100
POINTS_PER_PIXEL = 72 / DPI
NAME_SIZE, DETAIL_SIZE, LEGEND_SIZE = 12, 10.5, 11
BOX_HEIGHT, LAYER_GAP, BOX_GAP, MARGIN, PADDING = 38, 34, 16, 12, 8
LEGEND_HEIGHT, LEGEND_SQUARE, ARROW_LENGTH = 26, 12, 8
DUMMY_WIDTH = 8
SWEEPS = 4
EDGE_COLOR = "#8a8a8a"
VARIABLE_READ = ("Placeholder", "ReadVariableOp", "Identity")  # a variable's scope: its read
# Per kind of box (set in _classify): fill, stroke, and its name in the legend.
COLORS = {"input": ("#fde9c4", "#d99a2b", "input"),
          "variable": ("#dcecf9", "#4a8bc9", "shared variable"),
          "scope": ("#e3f2dc", "#5e9c48", "name scope"),
          "op": ("#ffffff", "#8c8c8c", "op"),
          "output": ("#efe3f7", "#8c5bb0", "output"),
          "assign": ("#fbe2e2", "#c85050", "update")}


@dataclasses.dataclass
class _Box:
    key: str              # the scope (or op name) the box stands for; a routing point's own
    order: int            # index of its first op in the graph: code order
    ops: list = dataclasses.field(default_factory=list)  # none: a routing point of an edge
    kind: str = "op"
    detail: str = ""      # the line under the name: an op type, a dtype and shape, ...
    width: float = DUMMY_WIDTH
    layer: int = 0
    index: int = 0        # place in its layer while ordering
    x: float = 0.0        # centre
    y: float = 0.0        # top

    @property
    def dummy(self):
        return not self.ops


@dataclasses.dataclass
class GraphLayout:
    """Where everything goes: `boxes` (name scopes, top-down in layers), `edges` (the
    tensors each data edge carries, by (source key, target key)), `paths` (each edge's
    points, from source to target) and the picture's size in whole pixels."""
    boxes: list
    edges: dict
    paths: dict
    width: float
    height: float

    def box(self, key):
        return next(box for box in self.boxes if box.key == key)


def graph_layout(function, depth=1):
    """The layout of `function`'s graph, one box per name scope.

    `function` is what ``tfgraph.tensorboard.write_graph`` takes: a compiled
    ``tfgraph.function``, a ``tf.function`` with an ``input_signature``, a ConcreteFunction,
    a ``tf.Graph`` or a ``GraphDef``. Ops are grouped by the first `depth` parts of their
    names. A function compiled to run op by op (mode ``FAST_COMPILE``) has no graph:
    ``ValueError``.
    """
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    if getattr(function, "concrete_function", True) is None:
        raise ValueError(f"function {function.name!r} runs op by op (mode "
                         f"{getattr(function.mode, 'name', function.mode)}): it has no "
                         f"TensorFlow graph to draw")
    graph = _as_graph(_graph_of(function))
    boxes, edges = _groups(graph, depth)
    layers, chains = _layout(boxes, edges)
    return _placed(layers, chains, edges)


def graph_figure(function, depth=1):
    """The picture of `graph_layout(function, depth)`, a matplotlib Figure (save it as PNG,
    SVG or PDF with ``savefig``)."""
    layout = graph_layout(function, depth)
    figure = Figure(figsize=(layout.width / DPI, layout.height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, layout.width)
    axes.set_ylim(layout.height, 0)
    axes.axis("off")
    for points in layout.paths.values():
        _draw_edge(axes, points)
    for box in layout.boxes:
        _draw_box(axes, box)
    _draw_legend(axes, _kinds(layout.boxes), layout.height - LEGEND_HEIGHT / 2)
    return figure


def graph_png(function, depth=1):
    """The picture of `function`'s graph as PNG bytes."""
    out = io.BytesIO()
    graph_figure(function, depth).savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _as_graph(graph):
    if isinstance(graph, tf.compat.v1.GraphDef):
        with tf.Graph().as_default() as imported:
            tf.graph_util.import_graph_def(graph, name="")
        return imported
    return graph


def _shape(tensor):
    if tensor.shape.rank is None:
        return "(?)"
    dims = ["?" if d is None else str(d) for d in tensor.shape.as_list()]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _describe(tensor):
    return f"{tensor.dtype.name} {_shape(tensor)}"


def _text_width(text, size, weight="normal"):
    return TextPath((0, 0), text, size=size, prop=FontProperties(weight=weight)).get_extents().width


def _groups(graph, depth):
    """Boxes keyed by scope, and the data edges between them: {(src, dst): [tensor, ...]}."""
    boxes = {}
    for order, op in enumerate(graph.get_operations()):
        key = "/".join(op.name.split("/")[:depth])
        boxes.setdefault(key, _Box(key, order)).ops.append(op)
    outputs = {t.op for t in getattr(graph, "outputs", [])}
    box_of = {op: box for box in boxes.values() for op in box.ops}
    for box in boxes.values():
        _classify(box, outputs, box_of)
    boxes = {key: box for key, box in boxes.items()
             if any(op.type != "NoOp" for op in box.ops)}  # NoOps carry control edges only
    edges = {}
    for box in boxes.values():
        for op in box.ops:
            for tensor in op.inputs:
                source = box_of[tensor.op]
                if box.kind == "assign" and tensor.dtype == tf.resource:
                    continue  # the box says which variable it assigns
                if source is not box and source.key in boxes:
                    edges.setdefault((source.key, box.key), []).append(tensor)
    for box in boxes.values():
        box.width = 2 * PADDING + max(_text_width(box.key, NAME_SIZE, "bold"),
                                      _text_width(box.detail, DETAIL_SIZE), 44)
    return boxes, edges


def _classify(box, outputs, box_of):
    """Set the box's kind and the short line written under its name."""
    working = [op for op in box.ops if op.type != "Const"] or box.ops
    reads = [op for op in box.ops if op.type == "ReadVariableOp"]
    if reads and all(op.type in VARIABLE_READ for op in box.ops):
        box.kind, box.detail = "variable", _describe(reads[0].outputs[0])
    elif len(working) == 1 and working[0].type == "Placeholder":
        box.kind, box.detail = "input", _describe(working[0].outputs[0])
    elif len(working) == 1 and working[0] in outputs:
        box.kind, box.detail = "output", _describe(working[0].outputs[0])
    elif len(working) == 1 and working[0].type == "AssignVariableOp":
        box.kind, box.detail = "assign", "assigns " + box_of[working[0].inputs[0].op].key
    elif len(working) == 1:
        box.kind, box.detail = "op", working[0].type
    else:
        box.kind, box.detail = "scope", f"{len(box.ops)} ops"


def _layout(boxes, edges):
    """Layers of boxes (routing points included) with x set, and each edge's chain of
    boxes from its upper end to its lower end."""
    successors = {key: [] for key in boxes}
    for source, target in edges:
        successors[source].append(target)
    order = _topological(boxes, edges)
    place = {key: i for i, key in enumerate(order)}
    for key in order:
        for target in successors[key]:
            if place[target] > place[key]:  # a cycle's back edge places nothing
                boxes[target].layer = max(boxes[target].layer, boxes[key].layer + 1)
    # Then down towards what uses them, so that edges stay short; inputs and variables
    # stay at the top, where a function starts.
    for key in reversed(order):
        below = [boxes[t].layer for t in successors[key] if place[t] > place[key]]
        if below and boxes[key].kind not in ("input", "variable"):
            boxes[key].layer = max(boxes[key].layer, min(below) - 1)
    layers = [[] for _ in range(1 + max((b.layer for b in boxes.values()), default=0))]
    for box in sorted(boxes.values(), key=lambda b: b.order):
        layers[box.layer].append(box)
    paths = {}
    for (source, target) in edges:
        top, bottom = sorted((boxes[source], boxes[target]), key=lambda b: b.layer)
        chain = [top]
        for layer in range(top.layer + 1, bottom.layer):
            dummy = _Box(f"{source}->{target}@{layer}", top.order, layer=layer)  # no ops
            layers[layer].append(dummy)
            chain.append(dummy)
        paths[(source, target)] = chain + [bottom]
    above, below = _neighbours(paths)
    for _ in range(SWEEPS):
        for layer in layers[1:]:
            _order_by(layer, above)
        for layer in reversed(layers[:-1]):
            _order_by(layer, below)
    for layer in layers:
        _pack(layer, [box.x for box in layer])
    for _ in range(SWEEPS):
        for layer in layers[1:]:
            _pull(layer, above)
        for layer in reversed(layers[:-1]):
            _pull(layer, below)
    return layers, paths


def _topological(boxes, edges):
    """Keys in an order where every edge goes forward, except those of a cycle (grouping by
    scope can make one): then the earliest box in code order goes first."""
    incoming = {key: set() for key in boxes}
    for source, target in edges:
        incoming[target].add(source)
    done, order = set(), []
    remaining = sorted(boxes, key=lambda key: boxes[key].order)
    while remaining:
        ready = [key for key in remaining if incoming[key] <= done] or remaining[:1]
        for key in ready:
            done.add(key)
            order.append(key)
        remaining = [key for key in remaining if key not in done]
    return order


def _neighbours(paths):
    above, below = {}, {}
    for chain in paths.values():
        for upper, lower in zip(chain, chain[1:]):
            above.setdefault(id(lower), []).append(upper)
            below.setdefault(id(upper), []).append(lower)
    return above, below


def _order_by(layer, neighbours):
    """Reorder a layer by the mean position of each box's neighbours in the next layer."""
    def position(box):
        near = neighbours.get(id(box))
        return sum(n.index for n in near) / len(near) if near else box.index
    for index, box in enumerate(layer):
        box.index = index
    layer.sort(key=position)
    for index, box in enumerate(layer):
        box.index = index


def _pack(layer, wanted):
    """x for each box, in order, as close to `wanted` as non-overlapping allows: packed
    left to right from the wanted places, then shifted so that on average they match."""
    x = None
    for box, want in zip(layer, wanted):
        box.x = want if x is None else max(want, x + BOX_GAP + (box.width + previous) / 2)
        x, previous = box.x, box.width
    if layer:
        shift = sum(w - box.x for box, w in zip(layer, wanted)) / len(layer)
        for box in layer:
            box.x += shift


def _pull(layer, neighbours):
    wanted = []
    for box in layer:
        near = neighbours.get(id(box))
        wanted.append(sum(n.x for n in near) / len(near) if near else box.x)
    _pack(layer, wanted)


def _kinds(boxes):
    return [kind for kind in COLORS if any(box.kind == kind for box in boxes)]


def _placed(layers, chains, edges):
    """Pixel positions: each box's top-left corner and each edge's points."""
    every = [box for layer in layers for box in layer]
    left = min((box.x - box.width / 2 for box in every), default=0)
    right = max((box.x + box.width / 2 for box in every), default=0)
    for box in every:
        box.x += MARGIN - left
        box.y = MARGIN + box.layer * (BOX_HEIGHT + LAYER_GAP)
    boxes = [box for box in every if not box.dummy]
    paths = {}
    for (source, target), chain in chains.items():
        points = [(box.x, box.y + BOX_HEIGHT / 2) if box.dummy
                  else (box.x, box.y + BOX_HEIGHT if i == 0 else box.y)
                  for i, box in enumerate(chain)]
        paths[(source, target)] = points if chain[0].key == source else points[::-1]
    width = math.ceil(max(right - left, _legend_width(_kinds(boxes))) + 2 * MARGIN)
    height = len(layers) * (BOX_HEIGHT + LAYER_GAP) - LAYER_GAP + 2 * MARGIN + LEGEND_HEIGHT
    return GraphLayout(boxes, edges, paths, width, height)


def _draw_edge(axes, points):
    """A smooth curve through `points`, leaving and entering vertically, and its arrowhead."""
    vertices, codes = [points[0]], [Path.MOVETO]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        middle = (y0 + y1) / 2
        vertices += [(x0, middle), (x1, middle), (x1, y1)]
        codes += [Path.CURVE4] * 3
    axes.add_patch(PathPatch(Path(vertices, codes), fill=False, edgecolor=EDGE_COLOR,
                             linewidth=1.2 * POINTS_PER_PIXEL, zorder=1))
    (x, y), before = points[-1], points[-2][1]
    back = -ARROW_LENGTH if y > before else ARROW_LENGTH  # the arrow points down, or up
    axes.add_patch(Polygon([(x, y), (x - ARROW_LENGTH / 2, y + back),
                            (x + ARROW_LENGTH / 2, y + back)], closed=True,
                           facecolor=EDGE_COLOR, edgecolor="none", zorder=1))


def _draw_box(axes, box):
    fill, stroke, _ = COLORS[box.kind]
    radius = 12 if box.kind == "scope" else 4
    axes.add_patch(FancyBboxPatch((box.x - box.width / 2, box.y), box.width, BOX_HEIGHT,
                                  boxstyle=f"round,pad=0,rounding_size={radius}",
                                  facecolor=fill, edgecolor=stroke,
                                  linewidth=POINTS_PER_PIXEL, zorder=2))
    axes.text(box.x, box.y + 16, box.key, ha="center", va="baseline", weight="bold",
              fontsize=NAME_SIZE * POINTS_PER_PIXEL, color="#222222", zorder=3)
    axes.text(box.x, box.y + 30, box.detail, ha="center", va="baseline",
              fontsize=DETAIL_SIZE * POINTS_PER_PIXEL, color="#555555", zorder=3)


def _legend_entry_width(kind):
    return LEGEND_SQUARE + 4 + _text_width(COLORS[kind][2], LEGEND_SIZE) + 14


def _legend_width(kinds):
    return sum(_legend_entry_width(kind) for kind in kinds)


def _draw_legend(axes, kinds, y):
    x = MARGIN
    for kind in kinds:
        fill, stroke, name = COLORS[kind]
        axes.add_patch(Rectangle((x, y - LEGEND_SQUARE / 2), LEGEND_SQUARE, LEGEND_SQUARE,
                                 facecolor=fill, edgecolor=stroke, linewidth=POINTS_PER_PIXEL))
        axes.text(x + LEGEND_SQUARE + 4, y, name, va="center",
                  fontsize=LEGEND_SIZE * POINTS_PER_PIXEL, color="#555555")
        x += _legend_entry_width(kind)
