# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 2: Build your own autodiff engine
#
# *Time: about 153 min (reading 19 min + exercises 134 min).*
#
# In lesson 4, `nnlesson.graph` recorded every operation and ran the chain rule backwards for us.
# In this assignment you build that machinery yourself, the way micrograd and PyTorch's autograd
# work inside: a small engine whose values are numpy arrays, that remembers how each array was
# made and can then compute the gradient of a loss with respect to every input.
#
# **What you will build.**
# - Part 1: the backward rules of `+` and `*`, with numpy's broadcasting;
# - Part 2: the backward rules of `@`, `sum`, `exp`, `log`, ReLU and `tanh`;
# - Part 3: the topological order of a graph (without recursion) and the backward pass;
# - Part 4: a two-layer network written with your engine, trained on the moons, whose gradients
#   you compare with nnlesson's.
#
# **How it works.** Each task is one small function. Write it where it says so, then run the
# cell: the check under your function tries it at once on seeded cases and prints one line, either
# that it is correct or what is wrong. The checks compare your gradients with **central
# differences** (lesson 4) in float64 and accept a relative error up to $10^{-6}$. Each rule's
# check in Parts 1 and 2, but ReLU's, also has a large case (arrays of 300 x 400; 200 x 300 for
# `@`) that a derived rule finishes in milliseconds: a rule that takes central differences
# itself, element by element, runs out of time there (and loses its digits where log's input is
# near 0 and where tanh saturates). The large cases of `*`, exp and log expect the formula's values
# to round-off ($10^{-12}$): for exp and log no derivative taken numerically, even over whole
# arrays at once, gets that close. Tasks build on
# each other: the engine's class below calls your functions, so Part 4 runs once Parts 1 to 3 are
# done. Each task's points are counted by hidden tests that repeat its check.

# %%
# On Colab, or anywhere nnlesson is missing, install the version this notebook was written for,
# with what the lessons need. Binder and local installs have it already.
try:
    import nnlesson  # noqa: F401
except ModuleNotFoundError:
    import subprocess
    import sys

    # pip's own messages are printed in this cell: if it fails, they say why
    command = [sys.executable, "-m", "pip", "install",
               "nnlesson[lessons] @ git+https://github.com/nnlesson/nnlesson@v0.1.0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as pip:
        for line in pip.stdout:
            print(line, end="")
    if pip.returncode != 0:
        raise RuntimeError("pip could not install nnlesson: see its messages above") from None

# %%
import numpy as np

from nnlesson.checks import a2
from nnlesson.viz import plot as nlplot

nlplot.use_style()
np.set_printoptions(precision=4, suppress=True)

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** 38 points in all: 36 autograded (thirteen code tasks) and 2 graded by hand
# (two written answers). Most checks run the student's function alone, on their own cases: the rules
# of Part 2 and `topological_order` (with nodes of its own) do not depend on earlier answers, so a
# mistake in Part 1 does not cost points in Part 3. Some tasks do build on earlier ones, as the
# tasks say, but `add_backward` and `mul_backward` are checked with a correct `unbroadcast` in
# place of the student's (their verdict says so when the student's own fails its check), so a
# wrong `unbroadcast` costs only its own 3 points in Part 1; `backprop` calls
# `topological_order` (up to 9). Part 4 runs the student's whole engine, `unbroadcast` and every
# rule included, on purpose (the graded work there is the engine): a wrong earlier function also
# fails Tasks 4.1 and 4.2 (up to 7 more points), and their verdicts then name it ("your
# unbroadcast (Task 1.1) does not pass its own check yet"). Each graded task refuses all of
# nnlesson's own code (`graph.Tensor`, `nl.relu_derivative`, ...), torch, sklearn and scipy, in
# its check and hidden test; Part 3 also refuses the libraries that sort a graph (`graphlib`,
# `networkx`). The two Think! answers are graded by hand (1 point each).

# %% [markdown]
# ## The engine you will complete
#
# *Time: about 7 min of reading.*
#
# A `Var` (a *variable* of the graph, your engine's tensor) holds a numpy array `data` and, after
# the backward pass, its gradient `grad` of the same shape. Every operation makes a new `Var` that
# remembers its `parents` (the Vars it was computed from) and a `backward_rule`: a function that
# takes the gradient of the loss with respect to the new Var, `out_grad`, and returns the gradient
# with respect to each parent. Those rules are yours to write; the class only wires them up. An
# input (a leaf) has no parents and `backward_rule = None`.
#
# Read the class once: each operation computes its result with numpy, and its rule calls the
# function you will write, with the arrays it needs. `-a`, `a - b` and `a * 2.0` are made from
# `+` and `*`, so they need no rule of their own, and `.T` (the transpose) comes with its rule.

# %%
class Var:
    """A numpy array in YOUR computational graph (nnlesson.graph.Tensor is the package's own).

    data: float64 array; grad: same shape, dLoss/d(data) after backward(); parents: the Vars it
    was computed from; op: the operation's symbol ("" for an input); backward_rule: None for an
    input, else a function out_grad -> a tuple with one gradient per parent.
    """

    __array_ufunc__ = None  # `array * var` and `array @ var` go to Var.__rmul__/__rmatmul__

    def __init__(self, data, parents=(), op="", backward_rule=None):
        self.data = np.array(data, dtype=np.float64)  # a copy: training changes it in place
        self.grad = np.zeros_like(self.data)
        self.parents = tuple(parents)
        self.op = op
        self.backward_rule = backward_rule

    def __repr__(self):
        return f"Var(shape={self.data.shape}, op={self.op!r})"

    def __add__(self, other):
        other = as_var(other)
        a, b = self.data, other.data
        return Var(a + b, (self, other), "+", lambda g: add_backward(g, a, b))

    def __mul__(self, other):
        other = as_var(other)
        a, b = self.data, other.data
        return Var(a * b, (self, other), "*", lambda g: mul_backward(g, a, b))

    def __matmul__(self, other):
        other = as_var(other)
        a, b = self.data, other.data
        return Var(a @ b, (self, other), "@", lambda g: matmul_backward(g, a, b))

    def sum(self, axis=None):
        a = self.data
        return Var(a.sum(axis=axis), (self,), "sum", lambda g: (sum_backward(g, a, axis),))

    def exp(self):
        a, out = self.data, np.exp(self.data)
        return Var(out, (self,), "exp", lambda g: (exp_backward(g, a, out),))

    def log(self):
        a, out = self.data, np.log(self.data)
        return Var(out, (self,), "log", lambda g: (log_backward(g, a, out),))

    def relu(self):
        a, out = self.data, np.maximum(self.data, 0)
        return Var(out, (self,), "relu", lambda g: (relu_backward(g, a, out),))

    def tanh(self):
        a, out = self.data, np.tanh(self.data)
        return Var(out, (self,), "tanh", lambda g: (tanh_backward(g, a, out),))

    @property
    def T(self):
        return Var(self.data.T, (self,), "T", lambda g: (g.T,))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-as_var(other))

    def __radd__(self, other):
        return as_var(other) + self

    def __rsub__(self, other):
        return as_var(other) - self

    def __rmul__(self, other):
        return as_var(other) * self

    def __rmatmul__(self, other):
        return as_var(other) @ self

    def backward(self):
        """Fill .grad of every Var this one depends on (this one must be a scalar loss)."""
        backprop(self)


def as_var(x):
    """x itself if it is a Var, else a constant Var (an input) holding it."""
    return x if isinstance(x, Var) else Var(x)


# %% [markdown]
# ## Part 1: Broadcasting, addition and multiplication
#
# *Time: about 21 min (reading 1 min + exercises 20 min).*
#
# The chain rule for one operation $\text{out} = f(a, b)$ inside a bigger computation with loss
# $L$: if we know $G = \partial L / \partial\,\text{out}$ (the `out_grad`, an array of the shape of
# `out`), then
#
# $$ \frac{\partial L}{\partial a} = G \cdot \frac{\partial\, \text{out}}{\partial a}, $$
#
# computed element by element. For $\text{out} = a + b$ the local derivative is 1, so both inputs
# receive $G$; for $\text{out} = a \cdot b$, $a$ receives $G \cdot b$ and $b$ receives $G \cdot a$.
#
# There is one complication: **broadcasting**. numpy lets you add a bias of shape `(4,)` to a batch
# of shape `(3, 4)`: it stretches the bias to `(3, 4)` by repeating it along a new first axis.
# Likewise a `(3, 1)` column plus a `(1, 4)` row gives a `(3, 4)` table, and a scalar (shape `()`)
# combines with anything. The output, and so $G$, has the stretched shape, but the gradient of
# `b` must have `b`'s own shape. Each element of `b` was **used several times** (once per copy),
# and each use passes a gradient back: the gradient of the element is the **sum** over its
# copies. So we sum $G$ over the axes numpy stretched: the axes numpy added in front, and the axes
# where `b` has size 1 (keeping those with `keepdims=True`).
#
# **Task 1.1 (code, 3 points, 10 min).** Write `unbroadcast(grad, shape)`: sum `grad` over the axes that
# numpy stretched when it broadcast an array of shape `shape` to `grad.shape`, and return an
# array of shape `shape`. Examples: `(3, 4)` to `(3, 1)` sums over axis 1 with `keepdims=True`;
# `(3, 4)` to `(4,)` sums over axis 0; `(3, 4)` to `()` sums everything.

# %%
def unbroadcast(grad, shape):
    ### BEGIN SOLUTION
    while grad.ndim > len(shape):  # axes numpy added in front
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):  # axes where the input had size 1
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
    ### END SOLUTION


a2.check_unbroadcast(unbroadcast)
### BEGIN HIDDEN TESTS (3 points)
assert a2.check_unbroadcast(unbroadcast, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 1.2 (code, 2 points, 5 min).** Write `add_backward(out_grad, a, b)` for `out = a + b`: return
# `(da, db)`, the gradients with respect to `a` and `b`, with the shapes of `a` and `b` (use your
# `unbroadcast`).

# %%
def add_backward(out_grad, a, b):
    ### BEGIN SOLUTION
    return unbroadcast(out_grad, a.shape), unbroadcast(out_grad, b.shape)
    ### END SOLUTION


a2.check_add_backward(add_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_add_backward(add_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 1.3 (code, 2 points, 5 min).** Write `mul_backward(out_grad, a, b)` for `out = a * b`
# (element-wise, with broadcasting): return `(da, db)`.

# %%
def mul_backward(out_grad, a, b):
    ### BEGIN SOLUTION
    return unbroadcast(out_grad * b, a.shape), unbroadcast(out_grad * a, b.shape)
    ### END SOLUTION


a2.check_mul_backward(mul_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_mul_backward(mul_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: Matrix product, sum and the element-wise functions
#
# *Time: about 41 min (reading 1 min + exercises 40 min).*
#
# **Matrix product.** For $\text{out} = A B$ with $A$ of shape $(n, k)$ and $B$ of shape
# $(k, m)$, each $\text{out}_{ij} = \sum_l A_{il} B_{lj}$, so
# $\partial L/\partial A_{il} = \sum_j G_{ij} B_{lj}$: in matrix form
#
# $$ \frac{\partial L}{\partial A} = G B^\top \;(n, k), \qquad
#    \frac{\partial L}{\partial B} = A^\top G \;(k, m). $$
#
# The shapes tell you where the transposes go: the gradient of an input always has that input's
# shape. (Lesson 4's linear layer is this rule with $B = W^\top$.)
#
# **Task 2.1 (code, 3 points, 10 min).** Write `matmul_backward(out_grad, a, b)` for `out = a @ b`
# (both 2-D): return `(da, db)`.

# %%
def matmul_backward(out_grad, a, b):
    ### BEGIN SOLUTION
    return out_grad @ b.T, a.T @ out_grad
    ### END SOLUTION


a2.check_matmul_backward(matmul_backward)
### BEGIN HIDDEN TESTS (3 points)
assert a2.check_matmul_backward(matmul_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Sum.** Every element of `a` contributes with weight 1 to the sum it falls into, so it
# receives that sum's gradient. `a.sum()` (`axis=None`) has one sum: every element receives the
# scalar `out_grad`. `a.sum(axis=1)` on a `(3, 4)` array has three row sums, so `out_grad` has
# shape `(3,)`, and element `[i, j]` receives `out_grad[i]`. Broadcasting can spread `out_grad`
# over `a`'s shape, but only once the summed axis is back in place: `np.expand_dims(out_grad, 1)`
# has shape `(3, 1)`.
#
# **Task 2.2 (code, 2 points, 10 min).** Write `sum_backward(out_grad, a, axis)` for `out = a.sum(axis=axis)`,
# where `axis` is `None` or an integer: return `da`, of `a`'s shape.

# %%
def sum_backward(out_grad, a, axis):
    ### BEGIN SOLUTION
    if axis is not None:
        out_grad = np.expand_dims(out_grad, axis)
    return np.ones_like(a) * out_grad
    ### END SOLUTION


a2.check_sum_backward(sum_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_sum_backward(sum_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Element-wise functions.** For $\text{out} = f(a)$ applied element by element, each input
# element affects only its own output element: $\partial L/\partial a = G \cdot f'(a)$. Each rule
# also receives `out` $= f(a)$, already computed by the forward pass: for some functions the
# derivative is quickest written with it.
#
# | $f(a)$ | $f'(a)$ |
# | --- | --- |
# | $e^a$ | $e^a$ |
# | $\log a$ | $1/a$ |
# | $\mathrm{relu}(a) = \max(a, 0)$ | 1 where $a > 0$, else 0 (0 at the kink $a = 0$, as nnlesson's ReLU; a central difference at exactly $a = 0$ would give $\tfrac12$, but random inputs are never exactly 0) |
# | $\tanh a$ | $1 - \tanh^2 a$ |
#
# **Task 2.3 (code, 2 points, 5 min).** Write `exp_backward(out_grad, a, out)` for `out = np.exp(a)`.

# %%
def exp_backward(out_grad, a, out):
    ### BEGIN SOLUTION
    return out_grad * out
    ### END SOLUTION


a2.check_exp_backward(exp_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_exp_backward(exp_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 2.4 (code, 2 points, 5 min).** Write `log_backward(out_grad, a, out)` for `out = np.log(a)`
# (every element of `a` positive).

# %%
def log_backward(out_grad, a, out):
    ### BEGIN SOLUTION
    return out_grad / a
    ### END SOLUTION


a2.check_log_backward(log_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_log_backward(log_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 2.5 (code, 2 points, 5 min).** Write `relu_backward(out_grad, a, out)` for `out = np.maximum(a, 0)`,
# with the derivative 0 at `a = 0`.

# %%
def relu_backward(out_grad, a, out):
    ### BEGIN SOLUTION
    return np.where(a > 0, out_grad, 0.0)
    ### END SOLUTION


a2.check_relu_backward(relu_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_relu_backward(relu_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 2.6 (code, 2 points, 5 min).** Write `tanh_backward(out_grad, a, out)` for `out = np.tanh(a)`.

# %%
def tanh_backward(out_grad, a, out):
    ### BEGIN SOLUTION
    return out_grad * (1 - out ** 2)
    ### END SOLUTION


a2.check_tanh_backward(tanh_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a2.check_tanh_backward(tanh_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3: The graph: topological order and the backward pass
#
# *Time: about 47 min (reading 3 min + exercises 44 min).*
#
# The rules say what one operation does with the gradient it receives. The backward pass must
# call them in an order where every node has received **all** of its gradient before it passes
# it on. Here is a small graph drawn by the package's own engine, `nnlesson.graph`: `x` is used
# twice (by `*` and by `tanh`), so its gradient has two contributions.

# %%
from nnlesson import graph
from nnlesson.viz.graph_draw import draw

x_ = graph.Tensor(np.array([0.5, -1.0]), name="x")
w_ = graph.Tensor(np.array([2.0, 3.0]), name="w")
a_, b_ = x_ * w_, x_.tanh()
s_ = a_ + b_
a_.name, b_.name, s_.name = "a", "b", "s"
L_ = s_.sum()
L_.name = "L"
L_.backward()
print("a topological order (the order we built the nodes in; the drawing puts nodes of the same "
      "depth side by side, in no order):", [t.name for t in (x_, w_, a_, b_, s_, L_)])
print("dL/dx =", x_.grad, "= w + (1 - b^2): one term through *, one through tanh")
draw(L_)

# %% [markdown]
# A **topological order** lists every node after all of its parents: inputs first, the loss last
# (the printed one is an example; a graph can have several). Walked **backwards**, it visits every
# node after all the nodes that use it: by then its gradient is complete.
#
# The natural way to find such an order is a depth-first search: a node is listed once all of its
# parents are listed. Written recursively (`visit(node)` calls `visit(parent)`), it needs one
# nested call per node along the longest path, and Python stops at about 1000 nested calls
# (`RecursionError`): a network unrolled over 5000 steps would crash. Write it with an explicit
# **stack** instead: a list of nodes still to be finished. A stack entry can be
# `(node, parents_done)`: the first time you pop a node, push it back marked as done, then push
# its parents; when you pop it marked as done, all of its parents are listed, so list it. Keep a
# set of the nodes you have already expanded (Python's `set` works with `Var`s): a node reached
# along two paths must be listed once. Add a node to that set only when you expand it, not when
# you push it.
#
# **Task 3.1 (code, 5 points, 25 min).** Write `topological_order(root)`: a list of every node that `root`
# depends on, `root` included, each after all of its `parents`, without recursion. Use only each
# node's `parents` (a library's sort, `graphlib` or `networkx`, is refused here and in Task 3.2:
# the walk is the task). The check tries a chain of 5000 nodes, and a ladder of 25 diamonds in which
# there are $2^{25}$ paths from the root to the input: list each node once, and visit it once.

# %%
def topological_order(root):
    ### BEGIN SOLUTION
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:  # every parent is listed: list the node
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # finish it after its parents
            stack.extend((parent, False) for parent in node.parents if parent not in visited)
    return order
    ### END SOLUTION


a2.check_topological_order(topological_order)
### BEGIN HIDDEN TESTS (5 points)
assert a2.check_topological_order(topological_order, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# Now the backward pass itself, `backprop(root)` (called by `Var.backward()`). When it returns,
# every node's `grad` must hold $\partial L/\partial(\text{node})$, with $L$ the root, as an array
# of the node's shape. What you have: your `topological_order(root)`; $\partial L/\partial L = 1$;
# and each node's `backward_rule(grad)`, which takes the node's complete gradient and returns one
# gradient per parent, in the order of `parents` (`backward_rule` is None for an input, which has
# nothing to pass on). Design the loop yourself; the check tests three requirements:
#
# - a node passes its gradient on only once that gradient is complete (which order of the nodes
#   guarantees it?);
# - a node used by several others (like `x` above) receives all of their contributions;
# - calling `backprop` a second time on the same graph gives the same gradients, not twice as
#   much.
#
# **Task 3.2 (code, 4 points, 15 min).** Write `backprop(root)` (it returns nothing; it fills the `grad` of
# every node).

# %%
def backprop(root):
    ### BEGIN SOLUTION
    order = topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.backward_rule is not None:
            for parent, parent_grad in zip(node.parents, node.backward_rule(node.grad)):
                parent.grad += parent_grad
    ### END SOLUTION


a2.check_backprop(backprop)
### BEGIN HIDDEN TESTS (4 points)
assert a2.check_backprop(backprop, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Think! (2 min).** The model answer adds each contribution with `parent.grad += ...`. What would
# `x.grad` be in the graph drawn above if it used `parent.grad = ...` instead, and why is the sum
# the right answer?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# With `=`, `x.grad` would hold only the contribution written last: either $w$ (through `*`)
# or $1 - b^2$ (through `tanh`), whichever rule ran last. The sum is right because $L$ depends on
# $x$ along both paths: nudging $x$ changes $L$ through each of them, and the changes add up (the
# chain rule over several paths: $\partial L/\partial x$ is the sum over the paths of the product
# of the local derivatives along each path).
# ### END SOLUTION

# %% [markdown]
# **Think! (2 min).** Why must `backprop` visit the nodes in *reverse* topological order? What
# would go wrong in the graph above if it visited `a` before `a + b`?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# A node passes its gradient on once, when it is visited, so by then it must have received every
# contribution: every node that uses it must have been visited before it. Those nodes come after
# it in a topological order, so the reverse order visits them first. If `a` were visited before
# `a + b`, its gradient would still be zero (only the rule of `+` fills it), so it would pass
# zeros on: `w.grad` would be 0 and `x.grad` would miss the $w$ term.
# ### END SOLUTION

# %% [markdown]
# ## Part 4: Train a network with your engine
#
# *Time: about 32 min (reading 2 min + exercises 30 min).*
#
# Your engine can now differentiate anything built from its operations. Here is the network of
# lesson 4, written with it: for a batch `X` of shape `(N, 2)`, a hidden layer of ReLU units and
# logits $S$ of shape `(N, k)`,
#
# $$ S = \mathrm{relu}(X W_1^\top + b_1)\, W_2^\top + b_2 . $$
#
# The mean softmax cross-entropy, with the labels given one-hot (`Y[i, c] = 1` for the class $c$
# of example $i$), is
#
# $$ L = \frac{1}{N} \sum_i \Big( \log \sum_j e^{S_{ij}} - \sum_j Y_{ij} S_{ij} \Big). $$
#
# Computed this way, $e^{S_{ij}}$ overflows for a logit above about 710. The fix: subtract each
# row's largest logit first, $Z = S - \max_j S_{ij}$, which leaves $L$ unchanged (the $\max$ cancels
# between the two terms). The maximum can be a **constant** (a numpy array, not part of the
# graph): since it cancels, its gradient would be zero anyway. `S.sum(axis=1)` sums each row, and
# `Var` has no division: divide by $N$ as `* (1.0 / N)`.
#
# **Task 4.1 (code, 4 points, 20 min).** Write `mlp_loss(X, Y, W1, b1, W2, b2)`: `X` and `Y` are numpy
# arrays, the parameters are `Var`s (`W1` of shape `(hidden, d)` for `d` input features, `b1` `(hidden,)`, `W2`
# `(k, hidden)`, `b2` `(k,)`). Return $L$ as a scalar `Var`, built only from `Var` operations, so
# that `loss.backward()` fills every parameter's `grad`. The check compares your loss and
# gradients with nnlesson's layers (relative difference at most $10^{-8}$), including logits in
# the tens of thousands, and prints the largest difference from `nnlesson.graph` as well.

# %%
def mlp_loss(X, Y, W1, b1, W2, b2):
    ### BEGIN SOLUTION
    S = (Var(X) @ W1.T + b1).relu() @ W2.T + b2
    Z = S - S.data.max(axis=1, keepdims=True)  # a constant shift: exp cannot overflow
    log_sum_exp = Z.exp().sum(axis=1).log()  # (N,)
    return (log_sum_exp.sum() - (Z * Y).sum()) * (1.0 / len(X))
    ### END SOLUTION


a2.check_mlp_loss(mlp_loss, Var)
### BEGIN HIDDEN TESTS (4 points)
assert a2.check_mlp_loss(mlp_loss, Var, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 4.2 (code, 3 points, 10 min).** Write `train(params, X, Y, lr, steps)`: `steps` steps of full-batch
# gradient descent on `mlp_loss(X, Y, *params)`, with `params = [W1, b1, W2, b2]` (Vars). Each
# step computes the loss, calls `loss.backward()`, and updates every parameter **in place**:
# `p.data -= lr * p.grad`. Return the list of the losses, one number per step, each recorded
# before its update (`loss.data.item()`).

# %%
def train(params, X, Y, lr, steps):
    ### BEGIN SOLUTION
    losses = []
    for _ in range(steps):
        loss = mlp_loss(X, Y, *params)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        losses.append(loss.data.item())
    return losses
    ### END SOLUTION


a2.check_train(train, Var)
### BEGIN HIDDEN TESTS (3 points)
assert a2.check_train(train, Var, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# Time to train: a 2-16-2 ReLU network on 200 noisy moons (seeded), 300 steps of gradient
# descent, with your engine, and beside it the same training done by nnlesson's layers, from the
# same starting weights. (`a2.train_on_moons` calls your `train`; it prints what it measured.)

# %%
trained = a2.train_on_moons(train, Var)

# %% [markdown]
# Finally, at the trained weights, your engine's gradients on the whole data set next to those
# of `nnlesson.graph` and of the layers, as the largest relative difference per parameter
# (`nnlesson.rel_error`):

# %%
a2.compare_gradients(mlp_loss, Var, trained)

# %% [markdown]
# Your engine, `nnlesson.graph` and the layers compute the same gradients in different ways (your
# cross-entropy goes through `exp`, `sum` and `log`; theirs uses the softmax formula), and the
# table shows them agreeing to the round-off of float64, far below the tolerance $10^{-8}$. Your
# engine differentiates any composition of its operations: adding one is a forward line in `Var`
# and one backward rule, which is how the big frameworks grow too.
