"""A compiled function's TensorFlow graph as an SVG picture, one box per name scope.

tfgraph lowers each node under a name scope made from the variable it computes, so the
graph of a compiled ``train`` reads like the code that built it: the inputs, the shared
variables (``W``, ``b``), ``dot``, ``add``, ``sigmoid``, ..., ``gradient_tape`` (the whole
backward pass) and the assignments of the updates. Collapsing each top-level scope into
one box is the view TensorBoard's Graphs tab opens with; drawn here as a static image, it
stays in a saved notebook, renders where the notebook is shown, and needs no server
(``%tfgraph_graph f`` in a notebook, tfgraph/ipython.py). ``depth=2`` opens every scope
one level further, as a double-click does in TensorBoard.

Only data edges are drawn (TensorBoard draws control edges dashed and off to the side;
here they would only tie every assignment to everything). Data flows down: inputs and
variables at the top, outputs and assignments at the bottom. Layout: layers by longest
path, long edges routed through one point per layer they cross, each layer ordered by the
mean position of its neighbours (a few sweeps down and up), boxes pulled towards their
neighbours without overlapping.
"""
import dataclasses
import html

from tfgraph._tf import tf
from tfgraph.tensorboard import _graph_of

__all__ = ["graph_svg"]

FONT = "font-family:Helvetica,Arial,sans-serif"
BOX_HEIGHT, LAYER_GAP, BOX_GAP, MARGIN = 38, 34, 16, 12
DUMMY_WIDTH = 8
SWEEPS = 4
MAX_LISTED_OPS = 25
LEGEND_HEIGHT = 26
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
    key: str              # the scope (or op name) the box stands for
    order: int            # index of its first op in the graph: code order
    ops: list = dataclasses.field(default_factory=list)
    kind: str = "op"
    detail: str = ""
    width: float = DUMMY_WIDTH
    layer: int = 0
    index: int = 0        # place in its layer while ordering
    x: float = 0.0

    @property
    def dummy(self):
        return not self.ops


def graph_svg(function, depth=1):
    """The graph of `function` as the text of an SVG image.

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
    layers, paths = _layout(boxes, edges)
    return _svg(layers, paths, edges)


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
        box.width = max(7.2 * len(box.key), 6.3 * len(box.detail), 44) + 16
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
    """Layers of boxes (dummies included) with x set, and each edge's chain of boxes."""
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
            dummy = _Box(f"{source}->{target}@{layer}", top.order, layer=layer)
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


def _svg(layers, paths, edges):
    left = min((box.x - box.width / 2 for layer in layers for box in layer), default=0)
    right = max((box.x + box.width / 2 for layer in layers for box in layer), default=0)
    kinds = [kind for kind in COLORS
             if any(box.kind == kind and not box.dummy for layer in layers for box in layer)]
    width = max(right - left + 2 * MARGIN, _legend_width(kinds) + 2 * MARGIN)
    height = len(layers) * (BOX_HEIGHT + LAYER_GAP) - LAYER_GAP + 2 * MARGIN + LEGEND_HEIGHT

    def at(box):
        return box.x - left + MARGIN, MARGIN + box.layer * (BOX_HEIGHT + LAYER_GAP)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" style="{FONT}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker>'
             '</defs>']
    for key, chain in paths.items():
        points = []
        for i, box in enumerate(chain):
            x, y = at(box)
            if box.dummy:
                points.append((x, y + BOX_HEIGHT / 2))
            else:
                points.append((x, y + BOX_HEIGHT if i == 0 else y))
        if chain[0].key != key[0]:  # a back edge: the arrow points up
            points.reverse()
        d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            mid = (y0 + y1) / 2
            d += f" C{x0:.1f},{mid:.1f} {x1:.1f},{mid:.1f} {x1:.1f},{y1:.1f}"
        carried = "\n".join(f"{t.name} {_describe(t)}" for t in edges[key])
        parts.append(f'<path d="{d}" fill="none" stroke="#999" stroke-width="1.2" '
                     f'marker-end="url(#arrow)"><title>{html.escape(carried)}</title></path>')
    for layer in layers:
        for box in layer:
            if not box.dummy:
                parts.append(_box_svg(box, *at(box)))
    parts.append(_legend(kinds, height - LEGEND_HEIGHT / 2))
    parts.append("</svg>")
    return "\n".join(parts)


def _legend_entry_width(kind):
    return 16 + 6.5 * len(COLORS[kind][2]) + 14


def _legend_width(kinds):
    return sum(_legend_entry_width(kind) for kind in kinds)


def _legend(kinds, y):
    parts, x = [], MARGIN
    for kind in kinds:
        fill, stroke, name = COLORS[kind]
        parts.append(f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="12" height="12" rx="2" '
                     f'fill="{fill}" stroke="{stroke}"/><text x="{x + 16:.1f}" y="{y + 4:.1f}" '
                     f'font-size="11" fill="#555">{name}</text>')
        x += _legend_entry_width(kind)
    return "".join(parts)


def _box_svg(box, x, y):
    fill, stroke, _ = COLORS[box.kind]
    listed = [f"{op.name} ({op.type})" for op in box.ops[:MAX_LISTED_OPS]]
    if len(box.ops) > MAX_LISTED_OPS:
        listed.append(f"... and {len(box.ops) - MAX_LISTED_OPS} more")
    radius = 12 if box.kind == "scope" else 4
    return (f'<g><title>{html.escape(chr(10).join(listed))}</title>'
            f'<rect x="{x - box.width / 2:.1f}" y="{y:.1f}" width="{box.width:.1f}" '
            f'height="{BOX_HEIGHT}" rx="{radius}" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" font-size="12" '
            f'font-weight="bold" fill="#222">{html.escape(box.key)}</text>'
            f'<text x="{x:.1f}" y="{y + 30:.1f}" text-anchor="middle" font-size="10.5" '
            f'fill="#555">{html.escape(box.detail)}</text></g>')
