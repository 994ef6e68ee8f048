"""A tiny tensor autodiff that records its computational graph and backpropagates through it.

Every operation on a :class:`Tensor` returns a new Tensor that remembers its ``parents`` and the
operator ``op`` that made it: together they form the computational graph. ``loss.backward()``
visits that graph in reverse topological order and applies the chain rule at each node: the
gradient the node received, times the operator's local derivative, is passed on to each parent.
Each operator's local derivative is written right under its forward.

One rule for every operator: **backward uses the values of the forward that built the graph.**
Each operator keeps, when it runs, the values its local derivative needs (copies of its inputs,
its own result, a mask) and its backward reads nothing else. So changing a tensor's numbers
after the forward pass (a training step's ``w.data -= lr * w.grad``) cannot mix old and new
values: ``loss.backward()`` always gives the gradients of the ``loss.data`` it computed, and the
gradients at the new values need a new forward pass. (PyTorch keeps references instead and
raises an error when a tensor changed, counting versions; the copies are affordable at this
engine's sizes.) A tensor keeps its shape: ``.data`` may be given new numbers, not a new shape.

Numbers and numpy arrays combine with a Tensor on either side of ``+ - * / @``. Other numpy
functions (``np.exp(t)``, ``np.sum(t)``) and in-place arithmetic (``w -= ...``) are refused with a
TypeError naming what to write instead: both would silently leave the graph.

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
    ``local`` says the operator's local derivative in words (the drawings and the explorer show
    it); ``_backward()`` returns, for each parent, the gradient it receives from this node.
    """

    def __init__(self, data, name="", parents=(), op=""):
        self._data = np.array(float_array(data, "Tensor"), dtype=np.float64)
        self.grad = np.zeros_like(self._data)
        self.name = name
        self.parents = tuple(parents)
        self.op = op
        self.local = ""
        self._backward = None  # () -> [(parent, dL/dparent contribution)]

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        # New numbers, yes (`w.data -= lr * w.grad` comes here too); a new shape, no: the graphs
        # already built from this tensor, and its .grad, have its shape.
        value = np.asarray(float_array(value, "Tensor.data"), dtype=np.float64)
        if value.shape != self._data.shape:
            raise ValueError(f"Tensor.data: a tensor keeps its shape {self._data.shape}, got new "
                             f"data of shape {value.shape}: make a new Tensor instead")
        self._data = value

    @property
    def shape(self):
        return self._data.shape

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

    def __sub__(self, other):
        other = _operand(other, "-", self)
        out = Tensor(self.data - other.data, parents=(self, other), op="-")
        out.local = "d(a - b)/da = 1,  d(a - b)/db = -1"
        out._backward = lambda: [(self, out.grad), (other, -out.grad)]
        return out

    def __mul__(self, other):
        other = _operand(other, "*", self)
        a, b = self.data.copy(), other.data.copy()  # the values of this forward, for backward
        out = Tensor(a * b, parents=(self, other), op="*")
        out.local = "d(a * b)/da = b,  d(a * b)/db = a"
        out._backward = lambda: [(self, out.grad * b), (other, out.grad * a)]
        return out

    def __truediv__(self, other):
        other = _operand(other, "/", self)
        a, b = self.data.copy(), other.data.copy()
        out = Tensor(a / b, parents=(self, other), op="/")
        out.local = "d(a / b)/da = 1/b,  d(a / b)/db = -a/b²"
        out._backward = lambda: [(self, out.grad / b), (other, -out.grad * a / b ** 2)]
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
        a = self.data.copy()
        out = Tensor(a ** n, parents=(self,), op=f"**{n:g}")
        out.local = f"d(a^{n:g})/da = {n:g} a^{n - 1:g}"
        # a^0 is the constant 1: its derivative is 0 everywhere, also at a = 0 (where 0 * 0^-1
        # would give 0 * inf = NaN)
        out._backward = lambda: [(self, np.zeros_like(a) if n == 0
                                  else out.grad * n * a ** (n - 1))]
        return out

    # -- matrix product and transpose ----------------------------------------------------------
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
        A, B = self.data.copy(), other.data.copy()
        out = Tensor(A @ B, parents=(self, other), op="@")
        out.local = "d(A @ B)/dA: G @ Bᵀ,  d(A @ B)/dB: Aᵀ @ G"
        out._backward = lambda: [(self, out.grad @ B.T), (other, A.T @ out.grad)]
        return out

    @property
    def T(self):
        out = Tensor(self.data.T, parents=(self,), op="T")
        out.local = "d(aᵀ)/da: transpose the gradient back"
        out._backward = lambda: [(self, out.grad.T)]
        return out

    # -- a number or a numpy array on the left: `2 * t`, `x @ W` -------------------------------
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
        a = self.data.copy()
        out = Tensor(np.log(a), parents=(self,), op="log")
        out.local = "d(log a)/da = 1/a"
        out._backward = lambda: [(self, out.grad / a)]
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
        a, slope = self.data.copy(), float(alpha.data.item())  # a float: the output keeps a's shape
        negative = a <= 0
        out = Tensor(np.where(negative, slope * a, a), parents=(self, alpha), op="prelu")
        out.local = "d prelu/da = 1 (a > 0) or alpha (a <= 0),  d prelu/dalpha = a (a <= 0)"
        out._backward = lambda: [
            (self, np.where(negative, slope * out.grad, out.grad)),
            (alpha, np.sum(out.grad * a * negative).reshape(alpha.shape)),
        ]
        return out

    # -- what would leave the graph: refused with the idiom to use ----------------------------
    def _in_place(self, other):
        raise TypeError(
            "Tensor +=, -=, *=, /=, @=, **=: a Tensor cannot be changed in place. "
            "`w -= lr * w.grad` would make w a new tensor computed from the old w, so the graph "
            "would grow at every training step (and backward get slower and slower). To update a "
            "parameter, change its numbers: `w.data -= lr * w.grad` (w stays the same input; the "
            "next forward pass builds a new graph). To compute a new tensor, write `y = y + x`."
        )

    __iadd__ = __isub__ = __imul__ = __itruediv__ = __imatmul__ = __ipow__ = _in_place

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy calls this for `array * tensor` (as np.multiply(array, tensor)) and np.exp(t).

        Arithmetic is done by the Tensor's own operator, so it enters the graph. Every other numpy
        function would compute with the numbers alone, out of the graph: it is refused.
        """
        arithmetic = _NUMPY_ARITHMETIC.get(ufunc) if method == "__call__" else None
        if arithmetic is None or kwargs:  # kwargs: out=, where=... (`array += tensor`)
            raise TypeError(_numpy_refusal(ufunc.__name__, kwargs))
        return arithmetic(*(as_tensor(x) for x in inputs))

    def __array_function__(self, func, types, args, kwargs):
        """np.sum(t), np.dot(a, t) and numpy's other functions: refused, naming the method."""
        raise TypeError(_numpy_refusal(func.__name__))

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
    loss = SoftmaxCrossEntropy()  # it keeps softmax(z) of this forward for its backward
    out = Tensor(loss(logits.data, np.array(labels)), parents=(logits,), op="CE")
    out.local = "d CE/dz = (softmax(z) - onehot(y)) / batch"
    out._backward = lambda: [(logits, out.grad * loss.backward())]
    return out


# -- numpy on a Tensor --------------------------------------------------------------------------
# numpy's arithmetic on an array and a Tensor, done by the Tensor's operators
_NUMPY_ARITHMETIC = {
    np.add: lambda a, b: a + b,
    np.subtract: lambda a, b: a - b,
    np.multiply: lambda a, b: a * b,
    np.true_divide: lambda a, b: a / b,
    np.matmul: lambda a, b: a @ b,
    np.negative: lambda a: -a,
}
# the Tensor's way to do what a numpy function would
_TENSOR_WAY = {
    "exp": "t.exp()", "log": "t.log()", "tanh": "t.tanh()", "maximum": "t.relu() for max(t, 0)",
    "expit": "t.sigmoid()", "sum": "t.sum()", "mean": "t.mean()", "transpose": "t.T",
    "dot": "a @ b", "matmul": "a @ b", "power": "t ** n (n a number)", "square": "t ** 2",
    "sqrt": "t ** 0.5", "reciprocal": "1 / t", "add": "a + b", "subtract": "a - b",
    "multiply": "a * b", "divide": "a / b", "negative": "-t",
}


def _numpy_refusal(name, kwargs=None):
    """The TypeError message for the numpy function ``name`` called on a Tensor."""
    way = _TENSOR_WAY.get(name)
    if kwargs:
        why = (f"numpy cannot store a Tensor in an array (got {', '.join(kwargs)}=): write "
               f"{way or 'the Tensor expression'}, which gives a new Tensor")
    else:
        why = ("numpy would compute with the numbers alone, and backward would not know of it: "
               + (f"use {way}" if way else "use the Tensor's own operators and methods"))
    return (f"np.{name} does not work on a Tensor: {why}. A Tensor has + - * / @ ** (a number), "
            f".T, .sum(), .mean(), .exp(), .log(), .relu(), .sigmoid(), .tanh() and "
            f".prelu(alpha); t.data gives its numbers outside the graph")
