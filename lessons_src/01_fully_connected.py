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
# # Lesson 1: Fully connected layers
#
# **Learning goals.** After this lesson you can
# - describe a neuron as a weighted sum of its inputs plus a bias,
# - read a fully connected layer as a weighted directed graph and as the formula $y = Wx + b$,
# - compute a layer for one example and for a whole batch, and say the shape of every array,
# - build a multi-layer perceptron (MLP) from at least three fully connected layers with `nnlesson`.

# %%
# On Colab, or anywhere nnlesson is missing, install it first (Binder and local installs have it).
try:
    import nnlesson  # noqa: F401
except ModuleNotFoundError:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "nnlesson @ git+https://github.com/nnlesson/nnlesson"], check=True)

# %%
import matplotlib.pyplot as plt
import numpy as np

import nnlesson as nl
from nnlesson import checks
from nnlesson import plot as nlplot

np.set_printoptions(precision=3, suppress=True)
rng = np.random.default_rng(0)

# %% [markdown]
# ## One neuron
#
# A neuron receives inputs $x_1, \dots, x_n$, multiplies each by a weight $w_i$, adds them up and adds
# a bias $b$:
#
# $$ y = w_1 x_1 + w_2 x_2 + \dots + w_n x_n + b = w^\top x + b. $$
#
# The weights say how much each input matters and with which sign; the bias shifts the result.

# %%
x = np.array([1.0, -2.0, 0.5])
w = np.array([0.4, 0.1, -1.0])
b = 0.2
print(f"w.x + b = {w @ x + b:.2f}")

# %% [markdown]
# ## Neurons stacked in a layer
#
# A *fully connected* layer is several neurons that all read the same inputs. Give neuron $j$ the
# weights in row $j$ of a matrix $W$ and the bias $b_j$; then all outputs at once are
#
# $$ y = W x + b, \qquad W \in \mathbb{R}^{m \times n},\; x \in \mathbb{R}^{n},\; b, y \in \mathbb{R}^{m}. $$
#
# $W$ has one row per **output** and one column per **input**: `W.shape == (out_features, in_features)`.
# Drawn as a graph, every input is joined to every output by an edge that carries the weight
# $W_{ji}$: that is why the layer is called *fully connected*.

# %%
W = rng.normal(0, 1, size=(4, 3))
nlplot.draw_layer(W)
plt.show()

# %% [markdown]
# Row $j$ of $W$ holds the weights of the edges that end in output $y_j$. Computing $y$ neuron by
# neuron with loops gives the same numbers as the matrix product:

# %%
b = np.array([0.1, 0.0, -0.3, 0.5])
y_loops = np.array([sum(W[j, i] * x[i] for i in range(3)) + b[j] for j in range(4)])
y_matrix = W @ x + b
print("loops :", y_loops)
print("W x + b:", y_matrix)
print("shapes: W", W.shape, " x", x.shape, " b", b.shape, " y", y_matrix.shape)

# %% [markdown]
# ## A whole batch at once
#
# We rarely feed one example at a time. Stack a batch of $N$ examples as the **rows** of a matrix
# $X$ of shape $(N, n)$. Applying $y = Wx + b$ to every row at once is
#
# $$ Y = X W^\top + b, $$
#
# where $b$ is added to every row (numpy's *broadcasting*). Row $k$ of $Y$ is $W x_k + b$.
# This is exactly what `nnlesson.Linear` computes: `y = x @ W.T + b`.

# %%
X = rng.normal(0, 1, size=(5, 3))  # 5 examples, 3 features each
Y = X @ W.T + b
print("X", X.shape, "@ W.T", W.T.shape, "+ b", b.shape, "->", Y.shape)
print("row 2 of Y equals W x_2 + b:", np.allclose(Y[2], W @ X[2] + b))

# %% [markdown]
# ## The same layer in nnlesson
#
# `nl.Linear(in_features, out_features)` holds $W$ and $b$ as `Parameter`s (each with `.data` and,
# after training starts, `.grad`). It draws $W$ at random from a seed and starts $b$ at zero.

# %%
layer = nl.Linear(3, 4, rng=1)
print(layer)
print("W:", layer.W.data.shape, " b:", layer.b.data.shape)
layer.W.data[:] = W  # use our weights, so we can compare
layer.b.data[:] = b
print("same as X @ W.T + b:", np.allclose(layer(X), Y))

# %% [markdown]
# Shapes are the most common source of bugs. A layer checks its input and says what it expected:

# %%
try:
    layer(np.ones((5, 2)))
except ValueError as error:
    print(error)

# %% [markdown]
# ## A multi-layer perceptron
#
# An MLP chains fully connected layers: an **input** layer that reads the features, one or more
# **hidden** layers, and an **output** layer with one output per class (or per predicted value).
# Each layer's output is the next layer's input, so the shapes must line up:
# `out_features` of one layer is `in_features` of the next. Between the layers sits a nonlinear
# *activation* function; lesson 2 shows why it is needed.
#
# Here is an MLP for the 8x8 digit images: 64 pixels in, two hidden layers, 10 classes out.

# %%
mlp = nl.Sequential(
    nl.Linear(64, 32, rng=2), nl.ReLU(),  # input layer -> first hidden representation
    nl.Linear(32, 16, rng=3), nl.ReLU(),  # hidden layer
    nl.Linear(16, 10, rng=4),             # output layer: one score per digit
)
print(mlp)

images, labels = nl.load_digits()
h = images[:8]
print(f"{'input':>22}: {h.shape}")
for layer in mlp:
    h = layer(h)
    print(f"{layer!r:>22}: {h.shape}")

# %% [markdown]
# Every weight and bias is a number to learn. Counting them shows where a network's size comes from:
# a layer from $n$ to $m$ units has $m \cdot n$ weights and $m$ biases.

# %%
for name, p in mlp.named_parameters():
    print(f"{name:4} {str(p.shape):9} {p.data.size:5d} numbers")
print("total:", sum(p.data.size for p in mlp.parameters()))

# %% [markdown]
# ## Summary
#
# - A neuron computes $w^\top x + b$; a fully connected layer stacks $m$ neurons: $y = Wx + b$ with
#   $W$ of shape $(m, n)$, one row per output neuron.
# - For a batch stored as rows, $Y = XW^\top + b$; `nl.Linear` computes exactly this.
# - An MLP chains layers whose shapes line up, with activations in between; its size is the number
#   of weights and biases.
#
# ## Exercises
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it.
#
# **Exercise 1 (code).** Write `my_linear_forward(x, W, b)` that returns the output of a fully
# connected layer for a batch `x` of shape `(batch, in_features)`, with `W` of shape
# `(out_features, in_features)` and `b` of shape `(out_features,)`.

# %%
def my_linear_forward(x, W, b):
    ### BEGIN SOLUTION
    return x @ W.T + b
    ### END SOLUTION


checks.check_linear_forward(my_linear_forward)
### BEGIN HIDDEN TESTS
assert checks.check_linear_forward(my_linear_forward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (short answer).** How many learnable numbers does an MLP with layers
# 784 -> 256 -> 10 have? Which layer holds most of them, and why?

# %% [markdown]
# ### BEGIN SOLUTION
# 784 x 256 + 256 = 200,960 in the first layer and 256 x 10 + 10 = 2,570 in the second: 203,530 in
# all. The first layer holds almost all of them because it connects every one of the 784 inputs to
# every one of the 256 hidden units.
# ### END SOLUTION

# %% [markdown]
# **Exercise 3 (short answer).** Why does `nl.Linear` store `W` with shape
# `(out_features, in_features)` and compute `x @ W.T`, rather than storing `W.T`?

# %% [markdown]
# ### BEGIN SOLUTION
# So that the code reads like the formula $y = Wx + b$: row $j$ of $W$ is the weight vector of output
# neuron $j$. For a batch stored as rows, transposing both sides of $y = Wx + b$ gives
# $y^\top = x^\top W^\top + b^\top$, which is `x @ W.T + b`.
# ### END SOLUTION
