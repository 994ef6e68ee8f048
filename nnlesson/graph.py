"""A tiny tensor autodiff that records its computational graph and backpropagates through it.

Every operation on a :class:`Tensor` returns a new Tensor that remembers its ``parents`` and the
operator ``op`` that made it: together they form the computational graph. ``loss.backward()``
visits that graph in reverse topological order and applies the chain rule at each node: the
gradient the node received, times the operator's local derivative, is passed on to each parent.
Each operator's local derivative is written right under its forward.

``nnlesson.viz.graph_draw.draw(tensor)`` pictures the graph (``viz/graph_draw.py``).
"""

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
