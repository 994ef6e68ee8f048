"""A tiny tensor autodiff that records its computational graph, backpropagates, and draws itself.

Every operation on a :class:`Tensor` returns a new Tensor that remembers its ``parents`` and the
operator ``op`` that made it: together they form the computational graph. ``loss.backward()``
visits that graph in reverse topological order and applies the chain rule at each node: the
gradient the node received, times the operator's local derivative, is passed on to each parent.
Each operator's local derivative is written right under its forward.

``draw(tensor)`` pictures the graph with matplotlib alone (no graphviz needed).
"""

import functools
import io

import numpy as np

from ._util import check_number, float_array
from .activations import sigmoid
from .losses import SoftmaxCrossEntropy


class Tensor:
    """An array in the computational graph: ``data``, its gradient ``grad``, and how it was made.

    ``parents`` are the tensors it was computed from, ``op`` the operator's symbol ("" for an
    input), ``name`` an optional label for drawings. Values are float64 (real numbers only).
    Numbers and numpy arrays combine with a Tensor on either side of ``+ - * / @``.
    """

    __array_ufunc__ = None  # numpy leaves `array * tensor` to Tensor.__rmul__ (no object arrays)

    def __init__(self, data, name="", parents=(), op=""):
        self.data = np.array(float_array(data, "Tensor"), dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self.name = name
        self.parents = tuple(parents)
        self.op = op
        self.local = ""  # the local derivative in words, for drawings and the explorer
        self._backward = None  # () -> [(parent, dL/dparent contribution)]

    @property
    def shape(self):
        return self.data.shape

    @property
    def T(self):
        out = Tensor(self.data.T, parents=(self,), op="T")
        out.local = "d(aᵀ)/da: transpose the gradient back"
        out._backward = lambda: [(self, out.grad.T)]
        return out

    def __repr__(self):
        label = f"{self.name}, " if self.name else ""
        return f"Tensor({label}shape={self.shape}, op={self.op!r})"

    # -- element-wise arithmetic (with broadcasting) -------------------------------------------
    def __add__(self, other):
        other = _operand(other, "+", self)
        out = Tensor(self.data + other.data, parents=(self, other), op="+")
        out.local = "d(a + b)/da = 1,  d(a + b)/db = 1"
        out._backward = lambda: [(self, out.grad), (other, out.grad)]
        return out

    def __mul__(self, other):
        other = _operand(other, "*", self)
        out = Tensor(self.data * other.data, parents=(self, other), op="*")
        out.local = "d(a * b)/da = b,  d(a * b)/db = a"
        out._backward = lambda: [(self, out.grad * other.data), (other, out.grad * self.data)]
        return out

    def __sub__(self, other):
        other = _operand(other, "-", self)
        out = Tensor(self.data - other.data, parents=(self, other), op="-")
        out.local = "d(a - b)/da = 1,  d(a - b)/db = -1"
        out._backward = lambda: [(self, out.grad), (other, -out.grad)]
        return out

    def __truediv__(self, other):
        other = _operand(other, "/", self)
        out = Tensor(self.data / other.data, parents=(self, other), op="/")
        out.local = "d(a / b)/da = 1/b,  d(a / b)/db = -a/b²"
        out._backward = lambda: [(self, out.grad / other.data),
                                 (other, -out.grad * self.data / other.data ** 2)]
        return out

    def __neg__(self):
        out = Tensor(-self.data, parents=(self,), op="neg")
        out.local = "d(-a)/da = -1"
        out._backward = lambda: [(self, -out.grad)]
        return out

    def __pow__(self, n):
        if isinstance(n, Tensor):
            raise TypeError("Tensor ** expects a plain number as the exponent, got a Tensor")
        n = check_number(n, "the exponent", "Tensor **")
        if not n.is_integer() and np.any(self.data < 0):
            raise ValueError(f"Tensor ** {n:g}: a non-integer power of a negative number is not "
                             f"a real number; every element must be >= 0")
        out = Tensor(self.data ** n, parents=(self,), op=f"**{n:g}")
        out.local = f"d(a^{n:g})/da = {n:g} a^{n - 1:g}"
        # a^0 is the constant 1: its derivative is 0 everywhere, also at a = 0 (where 0 * 0^-1
        # would give 0 * inf = NaN)
        out._backward = lambda: [(self, np.zeros_like(self.data) if n == 0
                                  else out.grad * n * self.data ** (n - 1))]
        return out

    def __radd__(self, other):
        return _operand(other, "+") + self

    def __rsub__(self, other):
        return _operand(other, "-") - self

    def __rmul__(self, other):
        return _operand(other, "*") * self

    def __rtruediv__(self, other):
        return _operand(other, "/") / self

    def __rmatmul__(self, other):
        return _operand(other, "@") @ self

    # -- matrix product ------------------------------------------------------------------------
    def __matmul__(self, other):
        other = _operand(other, "@")
        if self.data.ndim != 2 or other.data.ndim != 2:
            raise ValueError(
                f"Tensor @ expects two 2-D tensors, got shapes {self.shape} and {other.shape}"
            )
        if self.shape[1] != other.shape[0]:
            raise ValueError(
                f"Tensor @: shapes {self.shape} and {other.shape} do not match "
                f"({self.shape[1]} != {other.shape[0]})"
            )
        out = Tensor(self.data @ other.data, parents=(self, other), op="@")
        out.local = "d(A @ B)/dA: G @ Bᵀ,  d(A @ B)/dB: Aᵀ @ G"
        out._backward = lambda: [(self, out.grad @ other.data.T), (other, self.data.T @ out.grad)]
        return out

    # -- reductions ----------------------------------------------------------------------------
    def sum(self):
        out = Tensor(self.data.sum(), parents=(self,), op="sum")
        out.local = "d(sum a)/da = 1 for every element"
        out._backward = lambda: [(self, np.full(self.shape, out.grad))]
        return out

    def mean(self):
        n = self.data.size
        if n == 0:
            raise ValueError("Tensor.mean: the tensor is empty (shape "
                             f"{self.shape}); a mean needs at least one element")
        out = Tensor(self.data.mean(), parents=(self,), op="mean")
        out.local = f"d(mean a)/da = 1/n = 1/{n} for every element"
        out._backward = lambda: [(self, np.full(self.shape, out.grad / n))]
        return out

    # -- element-wise functions ----------------------------------------------------------------
    def exp(self):
        y = np.exp(self.data)
        out = Tensor(y, parents=(self,), op="exp")
        out.local = "d(exp a)/da = exp a"
        out._backward = lambda: [(self, out.grad * y)]
        return out

    def log(self):
        if np.any(self.data <= 0):
            raise ValueError("Tensor.log: every element must be positive")
        out = Tensor(np.log(self.data), parents=(self,), op="log")
        out.local = "d(log a)/da = 1/a"
        out._backward = lambda: [(self, out.grad / self.data)]
        return out

    def relu(self):
        positive = self.data > 0
        # np.where, not data * positive: -inf * 0 and an infinite gradient * 0 would give nan
        out = Tensor(np.where(positive, self.data, 0.0), parents=(self,), op="relu")
        out.local = "d relu(a)/da = 1 if a > 0 else 0"
        out._backward = lambda: [(self, np.where(positive, out.grad, 0.0))]
        return out

    def sigmoid(self):
        y = sigmoid(self.data)
        out = Tensor(y, parents=(self,), op="sigmoid")
        out.local = "d sigmoid(a)/da = y (1 - y)"
        out._backward = lambda: [(self, out.grad * y * (1 - y))]
        return out

    def tanh(self):
        y = np.tanh(self.data)
        out = Tensor(y, parents=(self,), op="tanh")
        out.local = "d tanh(a)/da = 1 - y²"
        out._backward = lambda: [(self, out.grad * (1 - y * y))]
        return out

    def prelu(self, alpha):
        alpha = as_tensor(alpha)
        if alpha.data.size != 1:
            raise ValueError(f"Tensor.prelu: alpha must be a scalar, got shape {alpha.shape}")
        negative = self.data <= 0
        a = alpha.data.reshape(())  # an alpha of shape (1, 1) must not reshape the output
        out = Tensor(np.where(negative, a * self.data, self.data),
                     parents=(self, alpha), op="prelu")
        out.local = "d prelu/da = 1 (a > 0) or alpha (a <= 0),  d prelu/dalpha = a (a <= 0)"
        out._backward = lambda: [
            (self, np.where(negative, a * out.grad, out.grad)),
            (alpha, np.sum(out.grad * self.data * negative).reshape(alpha.shape)),
        ]
        return out

    # -- the backward pass ---------------------------------------------------------------------
    def backward(self):
        """Backpropagate from this scalar: set ``.grad`` of every tensor in its graph.

        Gradients are set, not added to: ``backward()`` first zeroes every gradient in the graph,
        so calling it twice gives the same gradients. Returns the nodes in the order processed.
        """
        if self.data.size != 1:
            raise ValueError(
                f"backward() starts from a scalar loss, got a tensor of shape {self.shape}"
            )
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data)
        self.grad = np.ones_like(self.data)  # dL/dL = 1
        for node in reversed(order):
            if node._backward is not None:
                for parent, contribution in node._backward():
                    parent.grad = parent.grad + unbroadcast(contribution, parent.shape)
        return list(reversed(order))


def as_tensor(x):
    """``x`` itself if it is a Tensor, else a constant Tensor holding it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _operand(x, op, partner=None):
    """``x`` as a Tensor for the operator ``op``, or a TypeError naming both.

    With ``partner`` (the other operand of an element-wise operator) the two shapes must
    broadcast: otherwise a ValueError naming the operator, not numpy's from deep inside.
    """
    if not isinstance(x, Tensor):
        try:
            x = Tensor(x)
        except TypeError:
            raise TypeError(
                f"Tensor {op}: the other operand must be a Tensor, a number or a numeric array, "
                f"got {type(x).__name__}"
            ) from None
    if partner is not None:
        try:
            np.broadcast_shapes(partner.shape, x.shape)
        except ValueError:
            raise ValueError(
                f"Tensor {op}: shapes {partner.shape} and {x.shape} do not broadcast (numpy "
                f"lines up the last axes; each pair of sizes must be equal or 1): reshape or "
                f"transpose one of them"
            ) from None
    return x


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes numpy broadcast when it stretched an array of ``shape``.

    A bias of shape (n,) added to a (batch, n) array was used once per row: its gradient is the
    sum of the rows.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def topological_order(root):
    """Every tensor ``root`` depends on, each after all of its parents (inputs first).

    An explicit stack instead of recursion, so a graph thousands of nodes deep cannot hit
    Python's recursion limit.
    """
    order, seen = [], {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


# -- losses ------------------------------------------------------------------------------------
def mse(pred, target):
    """Mean squared error mean((pred - target)²), as a graph of -, ** 2 and mean.

    pred and target must have the same shape (a (3, 1) column minus a (3,) row would broadcast
    into a (3, 3) table of differences).
    """
    pred, target = _operand(pred, "mse"), _operand(target, "mse")
    if pred.shape != target.shape:
        raise ValueError(f"mse expected pred and target of the same shape, got pred {pred.shape} "
                         f"and target {target.shape}")
    return ((pred - target) ** 2).mean()


def cross_entropy(logits, labels):
    """Softmax cross-entropy of (batch, classes) logits with integer labels, averaged.

    One node, computed by the layers' own :class:`SoftmaxCrossEntropy`: its local derivative
    (softmax(z) - onehot(y)) / batch is simpler and more stable than the chain through exp, sum
    and log.
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy expected logits as a Tensor (batch, classes), got "
                        f"{type(logits).__name__}")
    loss = SoftmaxCrossEntropy()
    out = Tensor(loss(logits.data, labels), parents=(logits,), op="CE")
    out.local = "d CE/dz = (softmax(z) - onehot(y)) / batch"
    out._backward = lambda: [(logits, out.grad * loss.backward())]
    return out


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


def _fmt(a):
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
    lines = [head, f"value {_fmt(node.data)}"]
    if with_grad:
        g = node.grad if grad is None else grad
        lines.append(f"grad {g if isinstance(g, str) else _fmt(g)}")
    return "\n".join(lines)


_MEASURE = {}  # a figure and renderer kept to measure labels with


def _text_style(kind):
    """The font of a node's label: monospace for a variable ("var"), bold for an operator's
    symbol ("op")."""
    if kind == "var":
        return {"fontsize": FONT_SIZE, "family": "monospace"}
    return {"fontsize": FONT_SIZE + 1, "fontweight": "bold"}


@functools.lru_cache(maxsize=4096)
def _text_size(kind, label):
    """(width, height) in inches of ``label`` as Agg draws it at the course's dpi.

    Measured, not estimated from a character count: at 100 dpi the hinted glyphs of a 9 pt
    monospace font advance 8 pixels, not the 7.5 their nominal width gives, and a box sized from
    the nominal width let long lines run over its edges.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plot import DPI

    if not _MEASURE:
        fig = Figure(dpi=DPI)
        _MEASURE.update(fig=fig, renderer=FigureCanvasAgg(fig).get_renderer())
    text = _MEASURE["fig"].text(0, 0, label, **_text_style(kind))
    try:
        extent = text.get_window_extent(_MEASURE["renderer"])
    finally:
        text.remove()
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
    """Centres (x, y) in inches, top to bottom, of every node; and the drawing's width and height.

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
    return centres, size, right - left + 2 * _MARGIN, top - _GAP_Y + _MARGIN


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
        centres, size, width, height = _place(spec, sizing)
    else:
        labels = labels_for(values)
        centres, size, width, height = _place(spec, labels)
        if values and width > MAX_WIDTH:  # the numbers make it too wide: names and shapes only
            labels = labels_for(False)
            centres, size, width, height = _place(spec, labels)
    if width > MAX_WIDTH:
        raise ValueError(
            f"draw: this graph is {width:.1f} inches wide (at most {MAX_WIDTH:g}, the width of a "
            f"notebook): draw a smaller graph, or give the tensors shorter names"
        )
    return {"spec": spec, "labels": labels, "centres": centres, "size": size,
            "width": max(width, 4.6), "height": height}  # 4.6 inches: room for the title


def paint_graph(ax, geometry, *, title=True):
    """Draw the boxes, circles and arrows of ``graph_geometry`` into ``ax`` (units: inches).

    Returns {node key: its Text}. The boxes are patches of the size the layout computed, so that
    the arrows end exactly on their edges.
    """
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    from .plot import BLUE, ORANGE
    from .threads import limit_for

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
            arrow = FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=11,
                                    shrinkA=1, shrinkB=1, color="#555555", linewidth=1.1,
                                    zorder=2)
            arrow.set_gid("edge")
            ax.add_patch(arrow)
        if title:
            ax.text(width / 2, -0.08, "Computational graph: inputs at the top, output at the "
                    "bottom\nboxes are variables, circles operators", ha="center", va="top",
                    fontsize=FONT_SIZE)
    return texts
