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
# # Lesson 4: Backpropagation through the computational graph
#
# *Time: about 95 min (reading 30 min + exercises 65 min).*
#
# **Learning goals.** After this lesson you can
# - draw a computation as a graph of variables and operators,
# - run the forward pass and say which intermediate values must be stored,
# - apply the chain rule backwards through the graph, by hand with numbers and for whole tensors,
# - check a backward pass against numerical gradients and read the relative error,
# - take one step of gradient descent.

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
import matplotlib.pyplot as plt
import numpy as np

import nnlesson as nl
from nnlesson import checks
from nnlesson.viz import plot as nlplot

nlplot.use_style()
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## The computational graph
#
# *Time: about 2 min of reading.*
#
# Every computation a network does is a chain (more generally, a directed acyclic graph) of simple
# operations. Take $Y = f(X)$ and $Z = g(Y)$: the variables $X$, $Y$, $Z$ are nodes, the operators
# $f$ and $g$ are nodes between them, and the edges point from inputs to outputs:
#
# $$ X \xrightarrow{\;f\;} Y \xrightarrow{\;g\;} Z. $$
#
# **Forward pass:** evaluate the graph from the inputs to the output, **storing** every intermediate
# value ($Y$ here), because the derivatives need them.
#
# **Backward pass:** the chain rule says
#
# $$ \frac{\partial Z}{\partial X} = \frac{\partial Z}{\partial Y} \cdot \frac{\partial Y}{\partial X}. $$
#
# We start at the output with $\partial Z / \partial Z = 1$ and traverse the graph in **reverse
# order**: each operator receives the gradient of the output with respect to *its* output, multiplies
# by its local derivative, and passes the product on to its input. For tensors, "multiply" is the
# product that matches the shapes (a matrix product, or an element-wise product for element-wise
# operators), written $\mathrm{prod}(\partial Z/\partial Y, \partial Y/\partial X)$.
#
# `nnlesson.graph` records this graph while it computes. Every operation on a `Tensor` returns a new
# `Tensor` that remembers its inputs and its operator; `backward()` then walks the graph in reverse
# and `draw` pictures it. Here $Y = f(X) = \tanh(X)$ and $Z = g(Y) = \sum_i Y_i$: the boxes are
# variables (with value and gradient), the circles operators.

# %%
import copy

from nnlesson.graph import Tensor, cross_entropy
from nnlesson.viz.graph_draw import draw

X_ = Tensor(np.array([0.5, -1.0, 2.0]), name="X")
Y_ = X_.tanh()  # Y = f(X)
Y_.name = "Y"
Z_ = Y_.sum()  # Z = g(Y)
Z_.name = "Z"
Z_.backward()
print("dZ/dY =", Y_.grad, "   dZ/dX = dZ/dY * (1 - Y^2) =", X_.grad)
draw(Z_)

# %% [markdown]
# ## A worked example by hand
#
# *Time: about 2 min of reading.*
#
# One neuron with a sigmoid, and a squared error against a target $t$:
#
# $$ z = w x + b, \qquad a = \sigma(z), \qquad L = (a - t)^2. $$
#
# With $x = 2$, $w = 0.5$, $b = -0.5$ and $t = 1$:

# %%
x, w, b, t = 2.0, 0.5, -0.5, 1.0

# forward, storing every intermediate
z = w * x + b
a = nl.sigmoid(z)
L = (a - t) ** 2
print(f"forward:  z = {z:.4f}   a = sigmoid(z) = {a:.4f}   L = {L:.4f}")

# backward, in reverse order: each line is (gradient received) x (local derivative)
dL_da = 2 * (a - t)          # d/da (a - t)^2
dL_dz = dL_da * a * (1 - a)  # sigmoid'(z) = a (1 - a): uses the stored a
dL_dw = dL_dz * x            # dz/dw = x: uses the stored input
dL_db = dL_dz * 1            # dz/db = 1
print(f"backward: dL/da = {dL_da:.4f}   dL/dz = {dL_dz:.4f}   dL/dw = {dL_dw:.4f}   dL/db = {dL_db:.4f}")

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: which stored value each backward line needs. Ask them
# to point, for every line of the backward block, at the forward value it reads ($a$ for the
# sigmoid's derivative, $x$ for $\partial L/\partial w$). Then ask what the backward pass would
# have to do if the forward pass had not stored $a$ (compute $\sigma(z)$ again): that trade-off is
# lesson 5's subject, memory against compute.

# %% [markdown]
# The numbers can be checked without any calculus: nudge $w$ a little up and down and watch $L$.
# This is the *central difference* $\frac{L(w + \epsilon) - L(w - \epsilon)}{2 \epsilon}$:

# %%
def loss_of(w, b):
    return (nl.sigmoid(w * x + b) - t) ** 2


eps = 1e-6
print(f"numerical dL/dw = {(loss_of(w + eps, b) - loss_of(w - eps, b)) / (2 * eps):.4f}")
print(f"numerical dL/db = {(loss_of(w, b + eps) - loss_of(w, b - eps)) / (2 * eps):.4f}")

# %% [markdown]
# ## When a value is used twice, its gradients add
#
# *Time: about 7 min (reading 2 min + exercises 5 min).*
#
# So far every value fed exactly one operator: the graph was a chain. Often a value feeds
# several: the graph **forks**. Take $L = u \cdot \sigma(u)$ (the Swish activation of lesson 3):
# $u$ goes into the product directly and into the sigmoid. Nudging $u$ changes $L$ along both
# paths, and for a small nudge the two changes add up. So the multivariable chain rule says: a
# value's gradient is the **sum** over everything that uses it,
#
# $$ \frac{\partial L}{\partial u} = \underbrace{\sigma(u)}_{\text{direct use}}
#    + \underbrace{u \cdot \sigma(u)\,(1 - \sigma(u))}_{\text{through } \sigma}. $$
#
# The graph engine does exactly this: in `backward()` each operator *adds* its contribution to
# its parents' `.grad` (`parent.grad = parent.grad + ...`), it never overwrites it.

# %%
u_value = 1.5
sigma_u = nl.sigmoid(u_value)
direct, through_sigmoid = sigma_u, u_value * sigma_u * (1 - sigma_u)
print(f"path 1 (direct): {direct:.4f}   path 2 (through the sigmoid): {through_sigmoid:.4f}   "
      f"sum: {direct + through_sigmoid:.4f}")

u_ = Tensor(u_value, name="u")
sig_ = u_.sigmoid()
sig_.name = "sigmoid(u)"
fork_loss = u_ * sig_
fork_loss.name = "L"
fork_loss.backward()
numeric_fork = ((u_value + 1e-6) * nl.sigmoid(u_value + 1e-6)
                - (u_value - 1e-6) * nl.sigmoid(u_value - 1e-6)) / 2e-6
print(f"graph engine's dL/du: {u_.grad:.4f}   central difference: {numeric_fork:.4f}")
draw(fork_loss)  # u feeds the sigmoid and, by the edge on the right, the product

# %% [markdown]
# Either path alone is wrong (0.8176 or 0.2237, printed above); their sum, 1.0413, is what the
# engine and the central difference give. Forks are everywhere in a network: a bias is added to
# every row of a batch, a weight multiplies every example, an input feeds every unit of the next
# layer. The next section uses this rule to derive the linear layer's backward.
#
# **Your turn: a fork (code, 5 min).** Write `my_swish_derivative(x)`, the derivative of
# $x\,\sigma(x)$ element-wise, using `nl.sigmoid`. Its check tells you which path a wrong answer
# left out.

# %%
def my_swish_derivative(x):
    ### BEGIN SOLUTION
    s = nl.sigmoid(x)
    return s + x * s * (1 - s)
    ### END SOLUTION


checks.check_swish_derivative(my_swish_derivative)
### BEGIN HIDDEN TESTS
assert checks.check_swish_derivative(my_swish_derivative, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## The same for tensors: a one-hidden-layer network
#
# *Time: about 5 min of reading.*
#
# For a batch $X$ of shape $(N, n)$, a hidden layer of $m$ ReLU units and $k$ outputs:
#
# $$ H = X W_1^\top + b_1, \quad A = \mathrm{relu}(H), \quad S = A W_2^\top + b_2, \quad
#    L = \mathrm{CrossEntropy}(S, y). $$
#
# **The linear layer's backward, derived.** Write one layer $Y = X W^\top + b$ entry by entry:
# $Y_{ij} = \sum_r X_{ir} W_{jr} + b_j$ for example $i$ and output $j$ ($r$ runs over the
# inputs). Suppose the layer above has given us $\partial L / \partial Y$, of $Y$'s shape
# $(N, m)$. Each parameter is used by several
# entries of $Y$, so its gradient sums over them (the fork rule):
#
# - $W_{jr}$ appears in $Y_{ij}$ for every example $i$, with factor $X_{ir}$:
#   $\dfrac{\partial L}{\partial W_{jr}} = \sum_i \dfrac{\partial L}{\partial Y_{ij}} X_{ir}$,
#   which is entry $(j, r)$ of $(\partial L / \partial Y)^\top X$;
# - $b_j$ appears in $Y_{ij}$ for every example $i$, with factor 1:
#   $\dfrac{\partial L}{\partial b_j} = \sum_i \dfrac{\partial L}{\partial Y_{ij}}$, the column
#   sums of $\partial L / \partial Y$ (the bias is shared by the whole batch);
# - $X_{ir}$ appears in $Y_{ij}$ for every output $j$, with factor $W_{jr}$:
#   $\dfrac{\partial L}{\partial X_{ir}} = \sum_j \dfrac{\partial L}{\partial Y_{ij}} W_{jr}$,
#   entry $(i, r)$ of $(\partial L / \partial Y)\, W$.
#
# A check that catches many slips (a missing transpose, a sum over the wrong axis): each gradient
# has the shape of its variable ($W$: $(m, n)$ from $(m, N) \cdot (N, n)$; $b$: $(m,)$; $X$:
# $(N, n)$ from $(N, m) \cdot (m, n)$). A wrong value of the right shape (a wrong sign, a mean in
# place of a sum) passes it: the section "Gradient checking" below catches those. We compare one
# entry of the sum with the matrix formula:

# %%
rng = np.random.default_rng(0)
X_small, W_small, dY_small = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=(5, 4))
j, r = 2, 1
entry_by_sum = sum(dY_small[i, j] * X_small[i, r] for i in range(5))
print(f"dL/dW[{j},{r}] as a sum over the 5 examples: {entry_by_sum:.6f};  "
      f"from (dL/dY)^T X: {(dY_small.T @ X_small)[j, r]:.6f}")
print("shapes: dW", (dY_small.T @ X_small).shape, " db", dY_small.sum(axis=0).shape,
      " dX", (dY_small @ W_small).shape)

# %% [markdown]
# Going backwards through the whole network, each step is the chain rule with the shapes worked
# out (the linear rows are the rule just derived):
#
# | step | gradient | shape |
# | --- | --- | --- |
# | loss | $\partial L / \partial S = (\mathrm{softmax}(S) - \mathrm{onehot}(y)) / N$ (derived in lesson 1) | $(N, k)$ |
# | $S = A W_2^\top + b_2$ | $\partial L/\partial W_2 = (\partial L/\partial S)^\top A$, $\;\partial L/\partial b_2 = \sum_\text{rows} \partial L/\partial S$, $\;\partial L/\partial A = (\partial L/\partial S)\, W_2$ | $(k, m)$, $(k,)$, $(N, m)$ |
# | $A = \mathrm{relu}(H)$ | $\partial L/\partial H = \partial L/\partial A \odot [H > 0]$ | $(N, m)$ |
# | $H = X W_1^\top + b_1$ | $\partial L/\partial W_1 = (\partial L/\partial H)^\top X$, $\;\partial L/\partial b_1 = \sum_\text{rows} \partial L/\partial H$ | $(m, n)$, $(m,)$ |
#
# Written out in numpy, next to the same network built from `nnlesson` layers:

# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(8, 3))
y = rng.integers(0, 2, size=8)
net = nl.Sequential(nl.Linear(3, 4, rng=1), nl.ReLU(), nl.Linear(4, 2, rng=2))
W1, b1, W2, b2 = (p.data for p in net.parameters())

# forward, by hand
H = X @ W1.T + b1
A = np.maximum(H, 0)
S = A @ W2.T + b2
P = nl.softmax(S)
loss = -np.mean(np.log(P[np.arange(len(y)), y]))

# backward, by hand, in reverse order
dS = P.copy()
dS[np.arange(len(y)), y] -= 1
dS /= len(y)
dW2, db2, dA = dS.T @ A, dS.sum(axis=0), dS @ W2
dH = dA * (H > 0)
dW1, db1 = dH.T @ X, dH.sum(axis=0)

# the layers do the same
loss_fn = nl.SoftmaxCrossEntropy()
print(f"loss by hand {loss:.6f}, by the layers {loss_fn(net(X), y):.6f}")
net.backward(loss_fn.backward())
for name, mine, p in zip(["W1", "b1", "W2", "b2"], [dW1, db1, dW2, db2], net.parameters()):
    print(f"d{name}: same as the layers' backward: {np.allclose(mine, p.grad)}")

# %% [markdown]
# ## The network's graph, step by step
#
# *Time: about 8 min (reading 6 min + exercises 2 min).*
#
# The same network on one example, computed with graph tensors. We take `X[3]`, the fourth example
# of the batch (numpy counts from 0): its pre-activations $H$ have both signs (the cell prints
# them), so the ReLU visibly does something: it zeroes the negative ones, and in the backward
# pass it blocks their gradient. The drawing shows every intermediate the forward pass stored
# and, after `backward()`, the gradient each one received; a tensor of more than 4 numbers (the
# weights `W1` and `W2`) shows only its name and shape: the question below asks what `W1`'s
# rows get.

# %%
row = 3
W1_, b1_, W2_, b2_ = (Tensor(p.data, name=name)
                      for name, p in zip(["W1", "b1", "W2", "b2"], net.parameters()))
x_ = Tensor(X[row:row + 1], name="x")
W1T_, W2T_ = W1_.T, W2_.T
xW1T_ = x_ @ W1T_
H_ = xW1T_ + b1_
A_ = H_.relu()
AW2T_ = A_ @ W2T_
S_ = AW2T_ + b2_
L_ = cross_entropy(S_, y[row:row + 1])
# every intermediate named, so that no box in the drawing is a bare "tensor" next to H
for tensor, name in [(W1T_, "W1.T"), (xW1T_, "x W1.T"), (H_, "H"), (A_, "A"), (W2T_, "W2.T"),
                     (AW2T_, "A W2.T"), (S_, "S"), (L_, "L")]:
    tensor.name = name
L_.backward()
print("H  =", H_.data[0], "   dL/dH =", H_.grad[0])
print("A  =", A_.data[0] + 0.0, "   dL/dA =", A_.grad[0])  # + 0.0 prints relu's -0.0 as 0.0
draw(L_)

# %% [markdown]
# **Think! (2 min).** In the drawing, A's gradient is non-zero in all four entries, but H's
# gradient is 0 in the first and the last. Why? What gradient do the weights into those two hidden
# units (the first and the last rows of W1, `W1[0]` and `W1[3]`) get from this example?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# H is [-0.764, 0.901, 0.271, -0.3]: its first and last entries are negative, so the ReLU's local
# derivative $[H > 0]$ is [0, 1, 1, 0]. The backward pass multiplies A's gradient [0.85, 0.88,
# 0.0462, 1.7] by it and gets [0, 0.88, 0.0462, 0]. The first and the last rows of W1, `W1[0]` and
# `W1[3]` (and `b1[0]` and `b1[3]`, whose gradient is drawn as [0, 0.88, 0.0462, 0]), get a zero
# gradient from this example: the two
# units were off, did not contribute to its output, and learn nothing from it.
# ### END SOLUTION

# %% [markdown]
# Where $H < 0$ the ReLU outputs $A = 0$, and $\partial L/\partial H$ is 0 there although
# $\partial L/\partial A$ is not: the local derivative $[H > 0]$ stops the gradient. Those hidden
# units did not contribute to this example's output, so their weights get no gradient from it.

# %% [markdown]
# **Explore.** The single neuron we worked out by hand, as a graph. Move the slider to walk its
# backward pass. Each step takes the next operator in reverse order: the tensor it made has
# received its gradient from everything downstream; the operator multiplies it by its local
# derivative and passes the product on to its inputs. That is the chain rule, one node at a time,
# and the numbers are those of our hand computation ($t$ is a `Tensor` too, so it also gets a
# gradient, which nothing uses). The explorer opens at its last step (the stored picture), every
# gradient filled in: move the slider to 1 and walk forward.

# %%
from IPython.display import display

from nnlesson.viz.explorers import backprop_explorer

w_, xn_, b_, t_ = (Tensor(v, name=n) for v, n in [(0.5, "w"), (2.0, "x"), (-0.5, "b"), (1.0, "t")])
wx_ = w_ * xn_
z_ = wx_ + b_
a_ = z_.sigmoid()
error_ = a_ - t_
neuron_loss = error_ ** 2
for tensor, name in [(wx_, "wx"), (z_, "z"), (a_, "a"), (error_, "a-t"), (neuron_loss, "L")]:
    tensor.name = name
walk = backprop_explorer(neuron_loss)
walk.step.value = len(walk.steps)  # open at the last step: every gradient filled in
display(walk)

# %% [markdown]
# Three ways to the same gradients, on the whole batch: the layers' hand-written `backward`, the
# graph's automatic one, and central differences. `nl.rel_error(a, b)` measures how far two
# gradients are apart: the **relative error** $\max|a - b| / \max(|a|, |b|)$, the largest
# difference over the largest entry (0 when they agree exactly; the next section reads its values).

# %%
W1_, b1_, W2_, b2_ = (Tensor(p.data) for p in net.parameters())
graph_loss = cross_entropy((Tensor(X) @ W1_.T + b1_).relu() @ W2_.T + b2_, y)
graph_loss.backward()
loss_fn(net(X), y)
net.backward(loss_fn.backward())
print("relative error     layers vs graph   layers vs numerical")
for name, p, t in zip(["W1", "b1", "W2", "b2"], net.parameters(), [W1_, b1_, W2_, b2_]):
    # numerical_gradient nudges p.data in place, one entry at a time; the function it is given
    # reads that change through net, so it can ignore the array it is passed
    numeric = nl.numerical_gradient(lambda _: loss_fn(net(X), y), p.data)
    print(f"d{name:17} {nl.rel_error(p.grad, t.grad):15.1e}   {nl.rel_error(p.grad, numeric):19.1e}")

# %% [markdown]
# The layers and the graph do the same arithmetic in the same order: they agree to the last bit
# (the printed errors are 0; round-off would show as about $10^{-16}$, float64's resolution).
# Central differences are an approximation, so they agree only to about $10^{-10}$.

# %% [markdown]
# ## Gradient checking
#
# *Time: about 9 min (reading 6 min + exercises 3 min).*
#
# Every backward pass we write can be checked the way we checked the single neuron:
# `nl.gradcheck` compares each parameter's gradient (and the input's) with central differences and
# reports their relative error (`nl.rel_error`, defined above), and passes a gradient when that
# error is below its tolerance `tol` (default $10^{-6}$, printed on the report's last line). In
# float64:
#
# | relative error | meaning |
# | --- | --- |
# | around $10^{-2}$ or more | a bug: a wrong sign, a missing term, a forgotten sum |
# | around $10^{-4}$ | suspicious: maybe float32 was used, or an input sits near a kink of ReLU |
# | below $10^{-6}$ (`gradcheck`'s tolerance) | correct; a correct backward usually gives $10^{-8}$ or less |
#
# A kink can land in any row: when the step $\epsilon$ carries a ReLU's input across 0, the two
# sides of the central difference see different slopes, and the error can take any size, a bug's
# included (the plot of the error against $\epsilon$ at the end of this section shows such a
# jump).
#
# These thresholds are adapted from cs231n's notes, which state them for each entry's relative
# error $|a_i - b_i| / \max(|a_i|, |b_i|)$ and ask for $10^{-7}$ or less; the $10^{-6}$ line is
# this course's own tolerance. `gradcheck` divides the largest difference by the largest
# entry instead, so a tiny entry whose two values differ in relative terms (both near 0) cannot
# fail the check alone; a difference is judged against the gradient's overall size.

# %%
print(nl.gradcheck(net, X, loss_fn, y))

# %% [markdown]
# A check must be able to fail. Here is a Linear layer with a classic bug: its bias gradient takes
# only the first example of the batch instead of summing over all of them.

# %%
class ForgetfulLinear(nl.Linear):
    def backward(self, dout):
        dx = super().backward(dout)
        self.b.grad = dout[0]  # bug: should be dout.sum(axis=0)
        return dx


buggy = nl.Sequential(nl.Linear(3, 4, rng=1), nl.ReLU(), ForgetfulLinear(4, 2, rng=2))
report = nl.gradcheck(buggy, X, loss_fn, y)
print(report)

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** What to do live in a lab: let students plant their own bug in
# `ForgetfulLinear.backward` and predict which line of the report fails and roughly with what error
# before running it. A gradient that is twice too large gives a relative error of about 0.5 (exactly
# 0.5 against the exact gradient, by the formula $|2b - b| / |2b|$; gradcheck compares with central
# differences); a wrong sign gives about 2; a gradient from one example of the batch
# instead of the sum over eight can give any error (`2.b` shows 0.126 here), because that one
# example's gradient is not a fixed multiple of the sum.

# %% [markdown]
# The report points at `2.b`, the bias of `buggy[2]` (it numbers the layers of the `Sequential`
# from 0, so this is the second `Linear`), and nothing else.
#
# How small $\epsilon$ should be is a trade-off: the error of the central difference shrinks like
# $\epsilon^2$, but a tiny $\epsilon$ loses digits to round-off ($L(w+\epsilon)$ and $L(w-\epsilon)$
# become almost equal). In float64 the sweet spot lies in between (the line printed under the
# plot):

# %%
epsilons = np.logspace(-12, -1, 23)
dW1_exact = net[0].W.grad.copy()
frozen = copy.deepcopy(net)  # this network as it is now: Exercise 2 measures it again, after the SGD step


def loss_at(W1):
    """The loss of the frozen network with W1 as its first layer's weights (put back after):
    a numerical gradient may nudge W1 in place or nudge a copy, both work."""
    kept, frozen[0].W.data = frozen[0].W.data, W1
    try:
        return loss_fn(frozen(X), y)
    finally:
        frozen[0].W.data = kept


def epsilon_errors(numerical_gradient):
    """The relative error of `numerical_gradient`'s dL/dW1 at every step size of `epsilons`."""
    return [nl.rel_error(dW1_exact, numerical_gradient(loss_at, frozen[0].W.data, eps=e))
            for e in epsilons]


def draw_epsilon_errors(errors, title):
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.loglog(epsilons, errors, "o-", color=nlplot.BLUE)
    ax.set_xticks(np.logspace(-12, 0, 7))  # label only decades inside the plotted range
    ax.set_yticks(np.logspace(-10, 0, 6))
    ax.set_xlabel("step size epsilon")
    ax.set_ylabel("relative error of dL/dW1")
    ax.set_title(title)


errors = epsilon_errors(nl.numerical_gradient)
draw_epsilon_errors(errors, "Central differences: round-off (left), truncation then ReLU kinks (right)")
plt.show()
print(f"smallest relative error {min(errors):.1e}, at epsilon = {epsilons[np.argmin(errors)]:.0e}")
# a step eps in W1[j, k] moves the pre-activation H[i, j] by eps * |X[i, k]|: it crosses the
# kink once eps * (the largest |x| of example i) exceeds |H[i, j]|
H_frozen = X @ frozen[0].W.data.T + frozen[0].b.data
i, j = np.unravel_index(np.argmin(np.abs(H_frozen)), H_frozen.shape)
first_crossing = np.min(np.abs(H_frozen) / np.abs(X).max(axis=1, keepdims=True))
print(f"smallest |H| in the batch {abs(H_frozen[i, j]):.1e} (example {i}), largest |x| of that "
      f"example {np.abs(X[i]).max():.2f}: the first kink is crossed at epsilon "
      f"{first_crossing:.1e}")

# %% [markdown]
# **Think! (3 min).** Why does the relative error grow on both sides of the minimum? Reading the
# slopes of the two sides, by how much does it change per factor of 10 in $\epsilon$ on each side?
# Which $\epsilon$ would you choose?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Right of the minimum the central difference's truncation error dominates; it shrinks like
# $\epsilon^2$: from $\epsilon = 10^{-3}$ down to the minimum the line falls about 100 times per
# factor of 10 (two decades per decade), to $2.3 \cdot 10^{-11}$ at $\epsilon = 10^{-5}$
# (printed). The jump of four decades just above $\epsilon = 10^{-3}$ is no truncation error: a
# step that large moves a pre-activation across the ReLU's kink (the smallest $|H|$ is
# $2.0 \cdot 10^{-3}$ and the largest $|x|$ of its example 0.64, printed, so the first crossing
# comes at $\epsilon = 2.0 \cdot 10^{-3} / 0.64 = 3.1 \cdot 10^{-3}$, between the plotted steps
# $10^{-3}$ and $10^{-2.5}$): the two sides of the difference then see
# different slopes, and their average is no derivative. Left of the minimum, round-off dominates:
# $L(w + \epsilon)$ and $L(w - \epsilon)$ agree in more and more of their 16 digits, and the
# error grows about 10 times per factor of 10 smaller $\epsilon$, up to about $10^{-4}$ at
# $10^{-12}$. A step near $10^{-5}$ or $10^{-6}$, at the bottom of the V, gives the most accurate
# check.
# ### END SOLUTION

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A good extension question: where would the minimum be in float32? Rule of
# thumb: the best step for a central difference is about the cube root of the format's resolution,
# $(2.2 \cdot 10^{-16})^{1/3} \approx 6 \cdot 10^{-6}$ for float64 (the figure's minimum is at
# $10^{-5}$) and $(1.2 \cdot 10^{-7})^{1/3} \approx 5 \cdot 10^{-3}$ for float32, where the best
# relative error is far larger: this is why `gradcheck` works in float64 and why the table above
# calls $10^{-4}$ "suspicious, or float32".

# %% [markdown]
# ## One step of gradient descent
#
# *Time: about 1 min of reading.*
#
# The gradient points in the direction in which the loss grows fastest; a small step against it
# lowers the loss: $\theta \leftarrow \theta - \eta \, \partial L / \partial \theta$ for every
# parameter $\theta$, with learning rate $\eta$. `nl.SGD` does exactly this.

# %%
loss_before = loss_fn(net(X), y)
net.backward(loss_fn.backward())
nl.SGD(net.parameters(), lr=0.5).step()
loss_after = loss_fn(net(X), y)
print(f"loss before the step {loss_before:.4f}, after {loss_after:.4f}")

# %% [markdown]
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - A computation is a graph of variables and operators; the forward pass evaluates it and stores
#   the intermediates.
# - The backward pass traverses the graph in reverse order; each operator multiplies the gradient
#   it receives by its local derivative: $\partial Z/\partial X = \mathrm{prod}(\partial Z/\partial Y, \partial Y/\partial X)$.
# - A value used in several places gets the **sum** of the gradients from each use (a fork).
# - For a linear layer $Y = XW^\top + b$ (derived entry by entry, each a sum over a fork): $\partial L/\partial W = (\partial L/\partial Y)^\top X$,
#   $\partial L/\partial b = $ the column sums of $\partial L/\partial Y$, $\partial L/\partial X = (\partial L/\partial Y) W$.
# - Check every backward against central differences: `gradcheck` passes a relative error below
#   $10^{-6}$ in float64; a correct backward usually gives $10^{-8}$ or less.
#
# ## Exercises
#
# *Time: about 56 min (reading 1 min + exercises 55 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it. The exercises rise in difficulty; the last
# code exercise takes several steps. As in lesson 01, a check refuses nnlesson's own implementation
# of what it asks for (`nl.ReLU`, `nl.Linear`, `nl.gradcheck`, ...) but lets you call the
# activations `nl.relu`, `nl.sigmoid`, `nl.tanh`, `nl.prelu` and `nl.softmax` where they are not
# the exercise's subject; numpy is always allowed.
#
# **Exercise 1 (code, one line, 5 min).** Write `my_relu_backward(h, dout)`: the gradient with respect to
# the ReLU's input `h`, given the gradient `dout` of its output. At $h = 0$ take the derivative 0,
# as `nl.ReLU` does.

# %%
def my_relu_backward(h, dout):
    ### BEGIN SOLUTION
    return dout * (h > 0)
    ### END SOLUTION


checks.check_relu_backward(my_relu_backward)
### BEGIN HIDDEN TESTS
assert checks.check_relu_backward(my_relu_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 15 min).** Write `my_numerical_gradient(f, x, eps=1e-6)` that returns the central
# difference gradient of the scalar function `f(x)` with respect to the array `x`. Leave `x`
# unchanged when you return. The cell then redraws the lesson's error-against-step-size figure
# with your function: compare with the expected output.

# %%
def my_numerical_gradient(f, x, eps=1e-6):
    ### BEGIN SOLUTION
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
    ### END SOLUTION


checks.check_numerical_gradient(my_numerical_gradient)
# Your function at every step size of the lesson's figure: compare with the expected output
try:
    draw_epsilon_errors(epsilon_errors(my_numerical_gradient),
                        "Your central differences: error against the step size")
    plt.show()
except NotImplementedError:
    print("nothing to draw until my_numerical_gradient is written")
### BEGIN HIDDEN TESTS
assert checks.check_numerical_gradient(my_numerical_gradient, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3 (code, 10 min).** Write the backward pass of a linear layer: given the cached input `x`
# (shape `(N, n)`), the weights `W` (shape `(m, n)`) and `dout` (shape `(N, m)`), return
# `(dx, dW, db)`.

# %%
def my_linear_backward(x, W, dout):
    ### BEGIN SOLUTION
    return dout @ W, dout.T @ x, dout.sum(axis=0)
    ### END SOLUTION


checks.check_linear_backward(my_linear_backward)
### BEGIN HIDDEN TESTS
assert checks.check_linear_backward(my_linear_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 4 (code, several steps, 25 min).** The whole backward pass of this lesson's network
# with **tanh** in place of the ReLU: `my_tanh_mlp_backward(X, y, W1, b1, W2, b2)` returns
# `(dW1, db1, dW2, db2)`, the gradients of the mean cross-entropy loss of
# $\tanh(X W_1^\top + b_1) W_2^\top + b_2$ with labels `y`. Steps: the forward pass (keep what
# the backward needs), $\partial L/\partial S$ from the softmax, then the table above row by row,
# with the activation's row changed: $\tanh'(H) = 1 - \tanh^2(H)$ (lesson 3). You may reuse
# `my_linear_backward`.

# %%
def my_tanh_mlp_backward(X, y, W1, b1, W2, b2):
    ### BEGIN SOLUTION
    A = np.tanh(X @ W1.T + b1)
    dS = nl.softmax(A @ W2.T + b2)
    dS[np.arange(len(y)), y] -= 1
    dS /= len(y)
    dA, dW2, db2 = my_linear_backward(A, W2, dS)
    _, dW1, db1 = my_linear_backward(X, W1, dA * (1 - A ** 2))  # tanh' from the stored output
    return dW1, db1, dW2, db2
    ### END SOLUTION


checks.check_tanh_mlp_backward(my_tanh_mlp_backward)
### BEGIN HIDDEN TESTS
assert checks.check_tanh_mlp_backward(my_tanh_mlp_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## In PyTorch
#
# *Time: about 2 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). PyTorch records the
# computational graph while the forward runs, and `loss.backward()` runs the chain rule backwards
# through it: the gradients of this lesson's backward passes, without writing them.

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(3, 5, rng=rng), nl.ReLU(), nl.Linear(5, 2, rng=rng))
    twin = nl.to_torch(model)
    x, labels = rng.standard_normal((4, 3)), np.array([0, 1, 1, 0])
    loss_fn = nl.SoftmaxCrossEntropy()
    loss_fn(model(x), labels)
    model.backward(loss_fn.backward())  # nnlesson: each layer's backward, by hand
    torch.nn.functional.cross_entropy(twin(torch.from_numpy(x)), torch.from_numpy(labels)).backward()
    for (name, p), (torch_name, q) in zip(model.named_parameters(), twin.named_parameters()):
        print(f"{name} / {torch_name:8s} largest difference {np.max(np.abs(p.grad - q.grad.numpy())):.2e}")
