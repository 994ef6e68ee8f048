"""Drawing the computational graph of a :class:`~nnlesson.graph.Tensor` with matplotlib alone.

``draw(tensor)`` pictures every variable and operator node between the inputs and ``tensor``
(no graphviz needed); :func:`layout` decides where each node sits.
"""

import functools
import io

import numpy as np

from ..graph import Tensor, topological_order

# -- drawing -----------------------------------------------------------------------------------
MAX_DRAWN_NODES = 60  # variables + operators; a bigger picture is unreadable at notebook width
SMALL_VALUE = 4  # tensors of at most this many elements show their value and gradient
FONT_SIZE = 9  # points, as displayed at 100 dpi: the course's smallest readable text
_PAD = 0.4 * FONT_SIZE / 72  # the boxes' padding around their text, inches
_GAP_X, _GAP_Y, _MARGIN, _TITLE = 0.25, 0.24, 0.15, 0.55  # inches


def layout(root):
    """Where :func:`draw` puts each node: a dict with ``variables``, ``operators`` and ``edges``.

    Every tensor is a variable node; every tensor made by an operator also has an operator node
    between its parents and itself. Nodes sit on levels, from the inputs (level 0) to ``root``;
    every node sits as close to ``root`` as its consumers allow (one level before the first
    operator that uses it), which keeps edges short. Within a level, nodes are ordered by where
    their consumers are, which keeps edges from crossing. Positions are ``(level, index in the
    level)``; edges are pairs of node keys ``("var", id)``/``("op", id)``, always from a lower
    level to a higher one.
    """
    order = topological_order(root)
    column = {("var", id(root)): 0}
    consumers = {}
    for node in reversed(order):  # every consumer of a node comes before it in this order
        if node.op:
            op_col = column[("var", id(node))] - 1
            column[("op", id(node))] = op_col
            consumers[("op", id(node))] = [(("var", id(node)), 0)]
            for i, p in enumerate(node.parents):
                key = ("var", id(p))
                column[key] = min(column.get(key, op_col - 1), op_col - 1)
                consumers.setdefault(key, []).append((("op", id(node)), i))
    first = min(column.values())
    levels = {}
    for key, col in column.items():
        levels.setdefault(col - first, []).append(key)
    position = {}
    for level in sorted(levels, reverse=True):  # from root's level towards the inputs
        def where(key):  # mean index of the node's consumers (already ordered), then which input
            seats = [(position[c][1], i) for c, i in consumers.get(key, []) if c in position]
            return tuple(np.mean(seats, axis=0)) if seats else (0.0, 0.0)

        for index, key in enumerate(sorted(levels[level], key=where)):
            position[key] = (level, index)
    nodes = {id(node): node for node in order}
    edges = []
    for node in order:
        if node.op:
            edges += [(("var", id(p)), ("op", id(node))) for p in node.parents]
            edges.append((("op", id(node)), ("var", id(node))))
    return {
        "variables": {key: position[key] for key in position if key[0] == "var"},
        "operators": {key: position[key] for key in position if key[0] == "op"},
        "edges": edges,
        "nodes": nodes,
    }


def short_values(a):
    """A short one-line form of a small array: 3 significant digits, no line breaks."""
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return f"{a.item():.3g}"
    return "[" + " ".join(f"{v:.3g}" for v in a.ravel()) + "]"


def variable_label(node, with_grad=True, *, values=True, grad=None):
    """A variable's label: name and shape, and for small tensors its value (and gradient).

    ``grad`` replaces ``node.grad`` (the explorer shows the gradients computed so far; "?" for a
    gradient not computed yet).
    """
    head = node.name or "tensor"
    if node.shape:  # scalars are named only: the label stays short
        head += f" {node.shape}"
    if not values or node.data.size > SMALL_VALUE:
        return head
    lines = [head, f"value {short_values(node.data)}"]
    if with_grad:
        g = node.grad if grad is None else grad
        lines.append(f"grad {g if isinstance(g, str) else short_values(g)}")
    return "\n".join(lines)


def _text_style(kind):
    """The font of a node's label: monospace for a variable ("var"), bold for an operator's
    symbol ("op")."""
    if kind == "var":
        return {"fontsize": FONT_SIZE, "family": "monospace"}
    return {"fontsize": FONT_SIZE + 1, "fontweight": "bold"}


@functools.lru_cache(maxsize=1)
def _measuring_figure():
    """A figure and its Agg renderer, made once (cached) and kept to measure labels with."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plot import DPI

    fig = Figure(dpi=DPI)
    return fig, FigureCanvasAgg(fig).get_renderer()


@functools.lru_cache(maxsize=4096)
def _text_size(kind, label):
    """(width, height) in inches of ``label`` as Agg draws it at the course's dpi.

    Measured, not estimated from a character count: at 100 dpi the hinted glyphs of a 9 pt
    monospace font advance 8 pixels, not the 7.5 their nominal width gives, and a box sized from
    the nominal width let long lines run over its edges.
    """
    from .plot import DPI

    fig, renderer = _measuring_figure()
    text = fig.text(0, 0, label, **_text_style(kind))
    try:
        extent = text.get_window_extent(renderer)
    finally:
        text.remove()  # the figure stays empty: every label is measured alone
    return extent.width / DPI, extent.height / DPI


def _box_size(key, labels):
    """(width, height) in inches of a node's box: rounded box for a variable, circle for an op.

    Big enough for each of ``labels`` (one string, or several the node shows in turn) with
    ``_PAD`` to spare on every side; a circle holds the corners of its text.
    """
    sizes = [_text_size(key[0], label) for label in
             ([labels] if isinstance(labels, str) else labels)]
    width = max(w for w, _ in sizes)
    height = max(h for _, h in sizes)
    if key[0] == "op":
        width = height = float(np.hypot(width, height)) + 2 * _PAD
        return width, height
    return width + 2 * _PAD, height + 2 * _PAD


def _place(spec, labels):
    """Centres (x, y) in inches, top to bottom, of every node; the boxes' sizes; the drawing's
    width and height; and ``{edge: x}`` of the edges that go around boxes (None for a straight
    edge, see :func:`_detour`).

    Levels are rows (inputs at the top). In each row the boxes keep their order and sit as close
    as they can to the mean x of their consumers in the row below, never nearer each other than
    ``_GAP_X``.
    """
    positions = {**spec["variables"], **spec["operators"]}
    size = {key: _box_size(key, labels[key]) for key in positions}  # labels: str or tuple
    rows = {}
    for key, (level, index) in positions.items():
        rows.setdefault(level, []).append((index, key))
    consumers = {}
    for start, end in spec["edges"]:
        consumers.setdefault(start, []).append(end)
    main = set(spec["operators"]) | {("var", id(node.parents[0]))
                                     for node in spec["nodes"].values() if node.op}
    x = {}
    for level in sorted(rows, reverse=True):
        keys = [key for _, key in sorted(rows[level])]
        wanted = [np.mean([x[c] for c in consumers.get(k, []) if c in x] or [0.0]) for k in keys]
        # Push each box right of its left neighbour, then shift the row so that on average the
        # boxes on the main path (operators, first inputs) sit where they want to be: a side
        # input (a bias, a constant) goes beside its operator and does not pull the path sideways.
        placed = []
        for key, want in zip(keys, wanted):
            if placed:
                prev, prev_x = placed[-1]
                want = max(want, prev_x + (size[prev][0] + size[key][0]) / 2 + _GAP_X)
            placed.append((key, want))
        weights = [1.0 if key in main else 0.0 for key in keys]
        if not any(weights):
            weights = [1.0] * len(keys)
        shift = float(np.average(np.array(wanted) - [p for _, p in placed], weights=weights))
        for key, px in placed:
            x[key] = px + shift
    left = min(x[k] - size[k][0] / 2 for k in x)
    right = max(x[k] + size[k][0] / 2 for k in x)
    y, top = {}, _TITLE
    for level in sorted(rows):
        height = max(size[key][1] for _, key in rows[level])
        for _, key in rows[level]:
            y[key] = -(top + height / 2)
        top += height + _GAP_Y
    centres = {k: (x[k] - left + _MARGIN, y[k]) for k in x}
    # the edges that go around boxes (forks): where they pass, and room for them
    detours = {(start, end): _detour(start, end, centres, size) for start, end in spec["edges"]}
    width = max([right - left + 2 * _MARGIN]
                + [x + _MARGIN for x in detours.values() if x is not None])
    return centres, size, width, top - _GAP_Y + _MARGIN, detours


def draw(tensor, ax=None, *, with_grad=True, values=True):
    """Draw the computational graph that produced ``tensor``; returns the matplotlib Figure.

    Inputs at the top, ``tensor`` at the bottom: each arrow goes from a variable (rounded box:
    name and shape, and for tensors of at most ``SMALL_VALUE`` elements, value and gradient) to
    the operator (circle) that uses it, and from the operator to the variable it made.
    ``values=False`` leaves the numbers out; they are also left out when they would make the
    picture wider than a notebook (``nnlesson.plot.MAX_WIDTH``). Graphs of more than
    ``MAX_DRAWN_NODES`` nodes are refused: draw a smaller piece of the computation instead.
    Each artist's gid names its node ("var:<name>", "op:<symbol>") or edge ("edge"), so the
    figure can be inspected. Needs only matplotlib. ``ax``, if given, should be at least as large
    as the figure ``draw`` would make, or boxes overlap.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plot import DPI

    class GraphFigure(Figure):
        """A Figure that shows itself in a notebook even before pyplot has set up inline plots."""

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()

        def __repr__(self):  # what a notebook stores as text: stable when the layout changes
            return f"<computational graph of {name}: {n_tensors} tensors, {n_ops} operators>"

    geometry = graph_geometry(tensor, with_grad=with_grad, values=values)
    name = tensor.name or "a tensor"
    n_tensors, n_ops = len(geometry["spec"]["variables"]), len(geometry["spec"]["operators"])
    if ax is None:
        fig = GraphFigure(figsize=(geometry["width"], geometry["height"]), dpi=DPI,
                          layout="none")
        FigureCanvasAgg(fig)  # a canvas that can measure text, without pyplot
        ax = fig.add_axes((0, 0, 1, 1))
    paint_graph(ax, geometry)
    return ax.figure


def _check_drawable(tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw expects a graph Tensor, got {type(tensor).__name__}")
    order = topological_order(tensor)
    n_nodes = len(order) + sum(1 for node in order if node.op)
    if n_nodes > MAX_DRAWN_NODES:
        raise ValueError(
            f"draw: this graph has {n_nodes} nodes ({len(order)} tensors and "
            f"{n_nodes - len(order)} operators); draw() shows at most {MAX_DRAWN_NODES}, beyond "
            f"which no picture is readable at notebook width. Draw a smaller graph: the same "
            f"computation on one example, or for one layer."
        )


def graph_geometry(tensor, *, with_grad=True, values=True, label_sets=None):
    """Labels, box centres and sizes (inches), and the picture's width and height.

    ``label_sets``: several labellings of the variables ({node key: label} each); every box is
    made big enough for the longest, and the first is shown (the explorer relabels per step).
    """
    from .plot import MAX_WIDTH

    _check_drawable(tensor)
    spec = layout(tensor)

    def labels_for(show_values):
        labels = {key: spec["nodes"][key[1]].op for key in spec["operators"]}
        for key in spec["variables"]:
            labels[key] = variable_label(spec["nodes"][key[1]], with_grad, values=show_values)
        return labels

    if label_sets:
        labels = {**labels_for(values), **label_sets[0]}
        sizing = {key: (label,) for key, label in labels.items()}
        for other in label_sets[1:]:
            for key, label in other.items():
                sizing[key] += (label,)
        centres, size, width, height, detours = _place(spec, sizing)
    else:
        labels = labels_for(values)
        centres, size, width, height, detours = _place(spec, labels)
        if values and width > MAX_WIDTH:  # the numbers make it too wide: names and shapes only
            labels = labels_for(False)
            centres, size, width, height, detours = _place(spec, labels)
    if width > MAX_WIDTH:
        raise ValueError(
            f"draw: this graph is {width:.1f} inches wide (at most {MAX_WIDTH:g}, the width of a "
            f"notebook): draw a smaller graph, or give the tensors shorter names"
        )
    # 4.6 inches: room for the title; a narrower graph is centred under it (review r10: left
    # aligned, it left the right half of the picture blank)
    shift = max(0.0, (4.6 - width) / 2)
    centres = {key: (x + shift, y) for key, (x, y) in centres.items()}
    detours = {edge: None if x is None else x + shift for edge, x in detours.items()}
    return {"spec": spec, "labels": labels, "centres": centres, "size": size, "detours": detours,
            "width": max(width, 4.6), "height": height}


def _detour(start, end, centres, size):
    """Where an edge must pass to go around the boxes between its ends (the x of a vertical line
    right of them, inches), or None when the straight line between its ends crosses no box.

    An edge that skips rows (a value used again further down the graph, where it forks) would
    otherwise run straight behind the boxes of the rows it skips, and the fork would not show."""
    (x0, y0), (x1, y1) = centres[start], centres[end]
    between = [k for k in centres if k not in (start, end)
               and min(y0, y1) < centres[k][1] < max(y0, y1)]

    def crosses(k):
        cx, cy = centres[k]
        x = x0 + (x1 - x0) * (cy - y0) / (y1 - y0)  # the straight edge at the box's height
        return abs(x - cx) < size[k][0] / 2 + _GAP_X / 4

    if not any(crosses(k) for k in between):
        return None
    right = [centres[k][0] + size[k][0] / 2 for k in between if crosses(k)]
    return max(right + [x0 + size[start][0] / 2, x1 + size[end][0] / 2]) + _GAP_X


def paint_graph(ax, geometry, *, title=True):
    """Draw the boxes, circles and arrows of ``graph_geometry`` into ``ax`` (units: inches).

    Returns {node key: its Text}. The boxes are patches of the size the layout computed, so that
    the arrows end exactly on their edges.
    """
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path

    from .._threads import limit_for
    from .plot import BLUE, ORANGE

    spec, labels, centres, size = (geometry[k] for k in ("spec", "labels", "centres", "size"))
    width, height = geometry["width"], geometry["height"]
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    texts = {}
    with limit_for(0):
        for key, (cx, cy) in centres.items():
            node = spec["nodes"][key[1]]
            w, h = size[key]
            if key[0] == "var":
                box = FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, facecolor="white",
                                     boxstyle=f"round,pad=0,rounding_size={_PAD}",
                                     edgecolor=BLUE, linewidth=1.5, zorder=3)
                text = ax.text(cx, cy, labels[key], ha="center", va="center", zorder=4,
                               **_text_style(key[0]))
                text.set_gid(f"var:{node.name or 'tensor'}")
            else:
                box = Circle((cx, cy), w / 2, facecolor="#FFF3D6", edgecolor=ORANGE,
                             linewidth=1.5, zorder=3)
                text = ax.text(cx, cy, labels[key], ha="center", va="center", zorder=4,
                               **_text_style(key[0]))
                text.set_gid(f"op:{node.op}")
            box.set_gid(f"box:{key[0]}")
            ax.add_patch(box)
            texts[key] = text
        for start, end in spec["edges"]:
            (x0, y0), (x1, y1) = centres[start], centres[end]
            tail = (x0, y0 - size[start][1] / 2)  # bottom of the source box
            head = (x1, y1 + size[end][1] / 2)  # top of the target box
            clear = geometry["detours"][start, end]
            if clear is None:
                arrow = FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=11,
                                        shrinkA=1, shrinkB=1, color="#555555", linewidth=1.1,
                                        zorder=2)
            else:  # a value used again further down (a fork): around the boxes, on their right
                tail = (x0 + size[start][0] / 2, y0)
                head = (x1 + size[end][0] / 2, y1)
                path = Path([tail, (clear, y0), (clear, y1), head])
                arrow = FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=11,
                                        shrinkA=1, shrinkB=1, color="#555555", linewidth=1.1,
                                        zorder=2)
            arrow.set_gid("edge")
            ax.add_patch(arrow)
        if title:
            ax.text(width / 2, -0.08, "Computational graph: inputs at the top, output at the "
                    "bottom\nboxes are variables, circles operators", ha="center", va="top",
                    fontsize=FONT_SIZE)
    return texts
