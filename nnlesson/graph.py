"""A tiny tensor autodiff that records its computational graph, backpropagates, and draws itself.

Every operation on a :class:`Tensor` returns a new Tensor that remembers its ``parents`` and the
operator ``op`` that made it: together they form the computational graph. ``loss.backward()``
visits that graph in reverse topological order and applies the chain rule at each node: the
gradient the node received, times the operator's local derivative, is passed on to each parent.
Each operator's local derivative is written right under its forward.

``draw(tensor)`` pictures the graph with matplotlib alone (no graphviz needed).
"""

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
        other = _operand(other, "+")
        out = Tensor(self.data + other.data, parents=(self, other), op="+")
        out.local = "d(a + b)/da = 1,  d(a + b)/db = 1"
        out._backward = lambda: [(self, out.grad), (other, out.grad)]
        return out

    def __mul__(self, other):
        other = _operand(other, "*")
        out = Tensor(self.data * other.data, parents=(self, other), op="*")
        out.local = "d(a * b)/da = b,  d(a * b)/db = a"
        out._backward = lambda: [(self, out.grad * other.data), (other, out.grad * self.data)]
        return out

    def __sub__(self, other):
        other = _operand(other, "-")
        out = Tensor(self.data - other.data, parents=(self, other), op="-")
        out.local = "d(a - b)/da = 1,  d(a - b)/db = -1"
        out._backward = lambda: [(self, out.grad), (other, -out.grad)]
        return out

    def __truediv__(self, other):
        other = _operand(other, "/")
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
        out = Tensor(self.data ** n, parents=(self,), op=f"**{n:g}")
        out.local = f"d(a^{n:g})/da = {n:g} a^{n - 1:g}"
        out._backward = lambda: [(self, out.grad * n * self.data ** (n - 1))]
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
        out = Tensor(np.where(negative, alpha.data * self.data, self.data),
                     parents=(self, alpha), op="prelu")
        out.local = "d prelu/da = 1 (a > 0) or alpha (a <= 0),  d prelu/dalpha = a (a <= 0)"
        out._backward = lambda: [
            (self, np.where(negative, alpha.data * out.grad, out.grad)),
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


def _operand(x, op):
    """``x`` as a Tensor for the operator ``op``, or a TypeError naming both."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except TypeError:
        raise TypeError(
            f"Tensor {op}: the other operand must be a Tensor, a number or a numeric array, "
            f"got {type(x).__name__}"
        ) from None


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
def layout(root):
    """Where :func:`draw` puts each node: a dict with ``variables``, ``operators`` and ``edges``.

    Every tensor is a variable node; every tensor made by an operator also has an operator node
    between its parents and itself. Columns run left to right from the inputs to ``root``, and
    every node sits as far right as its consumers allow (one column left of the first operator
    that uses it), which keeps edges short. Computed tensors take the top rows.
    Positions are ``(column, row)``; edges are pairs of node keys ``("var", id)``/``("op", id)``.
    """
    order = topological_order(root)
    column = {("var", id(root)): 0}
    for node in reversed(order):  # every consumer of a node comes before it in this order
        if node.op:
            op_col = column[("var", id(node))] - 1
            column[("op", id(node))] = op_col
            for p in node.parents:
                key = ("var", id(p))
                column[key] = min(column.get(key, op_col - 1), op_col - 1)
    first = min(column.values())
    computed = [node for node in order if node.op]
    keys = [("op", id(n)) for n in computed] + [("var", id(n)) for n in computed]
    keys += [("var", id(n)) for n in order if not n.op]
    rows_used, position = {}, {}
    for key in keys:
        col = column[key] - first
        position[key] = (col, rows_used.get(col, 0))
        rows_used[col] = rows_used.get(col, 0) + 1
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
    return np.array2string(np.asarray(a), precision=3, suppress_small=True, separator=", ")


def variable_label(node, with_grad=True):
    """A variable's label: name and shape, and for small tensors its value (and gradient)."""
    head = f"{node.name or 'tensor'} {node.shape if node.shape else '(scalar)'}"
    if node.data.size > 6:
        return head
    lines = [head, f"value {_fmt(node.data)}"]
    if with_grad:
        lines.append(f"grad {_fmt(node.grad)}")
    return "\n".join(lines)


def draw(tensor, ax=None, *, with_grad=True):
    """Draw the computational graph that produced ``tensor``; returns the matplotlib Figure.

    Inputs on the left, ``tensor`` on the right. Variables are rounded boxes labelled with their
    name, shape and (for tensors of at most 6 elements) value and gradient; operators are circles.
    Each artist's gid names its node ("var:<name>", "op:<symbol>") or edge ("edge"), so the
    figure can be inspected. Needs only matplotlib.
    """
    return _draw(tensor, ax, with_grad)[0]


def _draw(tensor, ax, with_grad):
    """Draw; return (figure, {node key: its text box}) so that the explorer can find nodes."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    class GraphFigure(Figure):
        """A Figure that shows itself in a notebook even before pyplot has set up inline plots."""

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()

    from .plot import BLUE, ORANGE

    spec = layout(tensor)
    positions = {**spec["variables"], **spec["operators"]}
    n_cols = 1 + max(col for col, _ in positions.values())
    n_rows = 1 + max(row for _, row in positions.values())
    if ax is None:
        fig = GraphFigure(figsize=(max(4.0, 1.7 * n_cols), max(2.0, 1.25 * n_rows)))
        ax = fig.add_subplot()
    fig = ax.figure

    def xy(key):
        col, row = positions[key]
        return col, -row

    patches = {}
    for key in spec["variables"]:
        node = spec["nodes"][key[1]]
        text = ax.text(*xy(key), variable_label(node, with_grad), ha="center", va="center",
                       fontsize=7, family="monospace", zorder=3,
                       bbox={"boxstyle": "round,pad=0.4", "facecolor": "white",
                             "edgecolor": BLUE, "linewidth": 1.5})
        text.set_gid(f"var:{node.name or 'tensor'}")
        patches[key] = text
    for key in spec["operators"]:
        node = spec["nodes"][key[1]]
        text = ax.text(*xy(key), node.op, ha="center", va="center", fontsize=10, zorder=3,
                       fontweight="bold",
                       bbox={"boxstyle": "circle,pad=0.3", "facecolor": "#FFF3D6",
                             "edgecolor": ORANGE, "linewidth": 1.5})
        text.set_gid(f"op:{node.op}")
        patches[key] = text
    for start, end in spec["edges"]:
        arrow = FancyArrowPatch(xy(start), xy(end), arrowstyle="-|>", mutation_scale=12,
                                shrinkA=28, shrinkB=22, color="#555555", zorder=1)
        arrow.set_gid("edge")
        ax.add_patch(arrow)
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-n_rows + 0.4, 0.6)
    ax.axis("off")
    ax.set_title("Computational graph: inputs (left) to output (right); "
                 "boxes are variables, circles operators", fontsize=9)
    return fig, patches
