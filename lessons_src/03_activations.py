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
# # Lesson 3: Activation functions and their derivatives
#
# **Learning goals.** After this lesson you can
# - define sigmoid, tanh, ReLU and pReLU, give their ranges, and sketch their derivatives,
# - state the pReLU derivative (1 for $x > 0$, $\alpha$ for $x \le 0$) and what $\alpha$ changes,
# - explain the vanishing-gradient problem of deep sigmoid networks and measure it.

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

# %% [markdown]
# ## Four activation functions
#
# | name | $f(x)$ | range | $f'(x)$ |
# | --- | --- | --- | --- |
# | sigmoid | $\sigma(x) = \dfrac{1}{1 + e^{-x}}$ | $(0, 1)$ | $\sigma(x)\,(1 - \sigma(x)) \le \tfrac14$ |
# | tanh | $\tanh(x) = \dfrac{e^{x} - e^{-x}}{e^{x} + e^{-x}}$ | $(-1, 1)$ | $1 - \tanh^2(x) \le 1$ |
# | ReLU | $\max(0, x)$ | $[0, \infty)$ | $1$ for $x > 0$, $0$ for $x \le 0$ |
# | pReLU | $x$ for $x > 0$, $\alpha x$ for $x \le 0$ | $\mathbb{R}$ (for $\alpha > 0$) | $1$ for $x > 0$, $\alpha$ for $x \le 0$ |
#
# Sigmoid squashes any number into $(0, 1)$, which reads as a probability; tanh squashes into
# $(-1, 1)$ and is centred at zero. ReLU passes positive inputs unchanged and blocks negative ones.
# pReLU (parametric ReLU) lets a fraction $\alpha$ of the negative side through, and **learns**
# $\alpha$ like a weight. At the kink $x = 0$ the derivative is not defined; by convention we use
# the left slope there: 0 for ReLU, $\alpha$ for pReLU.

# %%
x = np.linspace(-5, 5, 501)
alpha = 0.2
curves = [("sigmoid", nl.sigmoid(x), nl.sigmoid_derivative(x)),
          ("tanh", nl.tanh(x), nl.tanh_derivative(x)),
          ("ReLU", nl.relu(x), nl.relu_derivative(x)),
          (f"pReLU, alpha = {alpha}", nl.prelu(x, alpha), nl.prelu_derivative(x, alpha))]

fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
for ax, (name, f, df) in zip(axes.flat, curves):
    ax.plot(x, f, color=nlplot.BLUE, label="f(x)")
    ax.plot(x, df, color=nlplot.VERMILLION, ls="--", label="f'(x)")
    ax.axhline(0, color=nlplot.GREY, lw=0.8)
    ax.set_title(name)
    ax.set_ylim(-1.5, 2.5)
    ax.legend(loc="upper left")
for ax in axes[1]:
    ax.set_xlabel("x")
fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
fig.tight_layout()
plt.show()

# %% [markdown]
# A few values make the ranges concrete. Note that the sigmoid of $\pm 1000$ is exactly 0 and 1:
# `nl.sigmoid` never computes $e^{1000}$, which would overflow.

# %%
points = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
print("x          ", points)
print("sigmoid(x) ", nl.sigmoid(points))
print("tanh(x)    ", nl.tanh(points))
print("relu(x)    ", nl.relu(points))
print("prelu(x)   ", nl.prelu(points, alpha))
print("prelu'(x)  ", nl.prelu_derivative(points, alpha))

# %% [markdown]
# ## pReLU's alpha is learned
#
# As a layer, `nl.PReLU` holds $\alpha$ as a `Parameter`. Its backward returns
# $\partial L / \partial x$ (the incoming gradient times 1 or $\alpha$) and also stores
# $\partial L / \partial \alpha = \sum_{x_i \le 0} \frac{\partial L}{\partial y_i}\, x_i$,
# since $y_i = \alpha x_i$ on the negative side.

# %%
layer = nl.PReLU(alpha=0.25)
x_small = np.array([[-2.0, -1.0, 0.5, 3.0]])
print("y        =", layer(x_small))
print("dL/dx    =", layer.backward(np.ones_like(x_small)), " (for dL/dy = 1)")
print("dL/dalpha =", layer.alpha.grad, " (= -2 + -1)")

# %% [markdown]
# **Explore.** Move $\alpha$: the left plot shows pReLU and its derivative, the right one what a
# layer outputs for Gaussian inputs. With $\alpha = 0$ (ReLU) half of the inputs are cut to exactly
# 0, and no gradient flows back through them; with $\alpha > 0$ some signal and some gradient
# pass. Negative $\alpha$ folds the negative side up: the function is no longer monotonic.

# %%
from nnlesson.widgets import activation_explorer, prelu_explorer

prelu_explorer()

# %% [markdown]
# ## Vanishing gradients
#
# Backpropagation multiplies, layer after layer, by the derivative of the activation. The sigmoid's
# derivative is at most $\tfrac14$, so after $L$ sigmoid layers the gradient reaching the first layer
# has been multiplied by at most $(\tfrac14)^L$ on that account: it **vanishes**, and the first
# layers barely learn. ReLU's derivative is exactly 1 wherever the unit is active, so the gradient
# keeps its size.
#
# We build two deep networks of 12 layers of 64 units, one with sigmoids (Glorot initialisation,
# made for them) and one with ReLUs (He initialisation), push a batch through, backpropagate the
# cross-entropy loss, and measure the size $\lVert \partial L / \partial W_l \rVert$ of the gradient of
# every layer's weights.

# %%
def deep_net(activation, depth, width, rng):
    init = "he" if activation is nl.ReLU else "glorot"
    layers = [nl.Linear(64, width, rng=rng, init=init), activation()]
    for _ in range(depth - 2):
        layers += [nl.Linear(width, width, rng=rng, init=init), activation()]
    layers.append(nl.Linear(width, 10, rng=rng, init=init))
    return nl.Sequential(*layers)


def gradient_norms(net, X, y):
    """||dL/dW|| of every Linear layer, first layer first."""
    loss = nl.SoftmaxCrossEntropy()
    loss(net(X), y)
    net.backward(loss.backward())
    return [np.linalg.norm(layer.W.grad) for layer in net if isinstance(layer, nl.Linear)]


images, labels = nl.load_digits()
X, y = images[:256], labels[:256]
depth = 12
norms = {name: gradient_norms(deep_net(act, depth, 64, np.random.default_rng(0)), X, y)
         for name, act in [("sigmoid", nl.Sigmoid), ("ReLU", nl.ReLU)]}

fig, ax = plt.subplots(figsize=(6.5, 4))
for (name, g), color in zip(norms.items(), [nlplot.VERMILLION, nlplot.BLUE]):
    ax.semilogy(np.arange(1, depth + 1), g, "o-", color=color, label=name)
ax.set_xlabel("layer (1 = next to the input)")
ax.set_ylabel("gradient norm ||dL/dW|| (log scale)")
ax.set_title(f"Gradient size per layer in a {depth}-layer network")
ax.legend()
plt.show()

for name, g in norms.items():
    print(f"{name:8} gradient of the last layer / the first: {g[-1] / g[0]:.1g}")

# %% [markdown]
# In the sigmoid network the first layers receive gradients several orders of magnitude smaller
# than the last: a step that changes the last layer noticeably leaves the first almost untouched.
# The ReLU network's gradients stay within a small factor across all 12 layers. This is the main
# reason ReLU-family activations replaced the sigmoid in hidden layers.
#
# **Explore.** Choose an activation and a depth and watch the gradient per layer. Try tanh: its
# derivative reaches 1 at 0, and with Glorot initialisation its gradients stay within a small
# factor even 30 layers deep, while the sigmoid's, never above 1/4 per layer, fall by 10^18.

# %%
activation_explorer()

# %% [markdown]
# ## Summary
#
# - sigmoid maps to $(0, 1)$, tanh to $(-1, 1)$; both saturate: for large $|x|$ their derivative is
#   close to 0.
# - ReLU is 0 or the identity; pReLU replaces the 0 by a learned slope $\alpha$, so negative inputs
#   still pass some signal and gradient ($f'(x) = \alpha$ for $x \le 0$, 1 for $x > 0$).
# - Gradients are products of derivatives across layers: with sigmoids ($f' \le \tfrac14$) they vanish
#   in deep networks; with ReLUs they do not.
#
# ## Exercises
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it.
#
# **Exercise 1 (code).** Write `my_sigmoid_derivative(x)` using only `nl.sigmoid` (no other
# derivative function).

# %%
def my_sigmoid_derivative(x):
    ### BEGIN SOLUTION
    s = nl.sigmoid(x)
    return s * (1 - s)
    ### END SOLUTION


checks.check_sigmoid_derivative(my_sigmoid_derivative)

# %% [markdown]
# **Exercise 2 (code).** Write the pReLU backward: given the input `x`, the slope `alpha` and the
# incoming gradient `dout`, return `(dx, dalpha)`.

# %%
def my_prelu_backward(x, alpha, dout):
    ### BEGIN SOLUTION
    negative = x <= 0
    dx = np.where(negative, alpha * dout, dout)
    dalpha = np.sum(dout * x * negative)
    return dx, dalpha
    ### END SOLUTION


checks.check_prelu_backward(my_prelu_backward)

# %% [markdown]
# **Exercise 3 (short answer).** What happens to pReLU when $\alpha = 0$, when $\alpha = 1$, and
# when $\alpha < 0$?

# %% [markdown]
# ### BEGIN SOLUTION
# $\alpha = 0$ gives the ReLU. $\alpha = 1$ gives the identity: the layer becomes linear and, as
# lesson 2 showed, adds no expressive power. $\alpha < 0$ makes the function non-monotonic (negative
# inputs give positive outputs), which is allowed but rarely useful.
# ### END SOLUTION
