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
# *Time: about 70 min (reading 30 min + exercises 40 min).*
#
# **Learning goals.** After this lesson you can
# - define sigmoid, tanh, ReLU and pReLU, give their ranges, and sketch their derivatives,
# - state the pReLU derivative (1 for $x > 0$, $\alpha$ for $x \le 0$) and what $\alpha$ changes,
# - train pReLU's $\alpha$ by gradient descent and watch it move,
# - explain the vanishing-gradient problem of deep sigmoid networks, measure it, and tell the
#   activation's part from the initialisation's.

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
np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## Four activation functions
#
# *Time: about 8 min (reading 6 min + exercises 2 min).*
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
for ax in axes[:, 0]:
    ax.set_ylabel("f(x) and f'(x)")
fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
plt.show()
print(f"largest sigmoid'(x) on the grid: {nl.sigmoid_derivative(x).max():.4f} (at x = "
      f"{x[np.argmax(nl.sigmoid_derivative(x))]:g}); largest tanh'(x): {nl.tanh_derivative(x).max():.4f}")

# %% [markdown]
# **Think! (2 min).** Compare the four dashed curves. Which derivative is never larger than
# $\tfrac14$, and which are small or zero over a whole half-line? What does each mean for a
# gradient that flows back through many layers of such units? (Going back through a layer, the
# chain rule multiplies the gradient by that layer's $f'$; the section *Vanishing gradients* below
# shows it.)

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# The sigmoid's derivative peaks at 0.25 at $x = 0$ (printed under the figure) and falls towards 0
# on both sides; tanh's peaks at 1 and also falls to 0 for large $|x|$. ReLU's derivative is 0 for
# every $x \le 0$ and 1 for $x > 0$; pReLU's is 0.2 for $x \le 0$ and 1 for $x > 0$. A gradient
# going back through a sigmoid layer is multiplied by the sigmoid's derivative, at most
# $\tfrac14$, at every layer (and by the weights), so unless the weights make up for it, it
# shrinks geometrically with depth; through ReLU it passes unchanged where the unit is active and is
# stopped completely where it is not; pReLU always lets at least 0.2 of it through.
# ### END SOLUTION

# %% [markdown]
# A few values make the ranges concrete.

# %%
points = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
print("x          ", points)
print("sigmoid(x) ", nl.sigmoid(points))
print("tanh(x)    ", nl.tanh(points))
print("relu(x)    ", nl.relu(points))
print("prelu(x)   ", nl.prelu(points, alpha))
print("prelu'(x)  ", nl.prelu_derivative(points, alpha))

# %% [markdown]
# The sigmoid of $\pm 1000$ prints as 0 and 1, the very ends that the open interval $(0, 1)$
# excludes. Mathematically $\sigma(x)$ never reaches them; the computer's numbers do. A float64
# holds about 16 significant digits, so $1 - 10^{-17}$ is stored as exactly 1.0, and $e^{-1000}$ is
# far below the smallest positive float64 and is stored as 0.0: the stored value **rounds to the
# end** of the range. (This rounding is a property of the number format; the *saturation* of an
# activation, its derivative close to 0 for large $|x|$, is a property of the function and is
# there in exact arithmetic too. As
# a bonus, `nl.sigmoid` never computes $e^{1000}$, which would overflow to `inf`.) The 16 digits
# are relative to the size of the number, so the two ends saturate at very different places:

# %%
whole = np.arange(0, 800.0)
print("sigmoid(1000) == 1.0:", nl.sigmoid(1000.0) == 1.0, "  sigmoid(-1000) == 0.0:",
      nl.sigmoid(-1000.0) == 0.0)
print("smallest whole x with sigmoid(x) == 1.0 exactly:", int(whole[nl.sigmoid(whole) == 1][0]))
print("smallest whole x with sigmoid(-x) == 0.0 exactly:", int(whole[nl.sigmoid(-whole) == 0][0]))
print(f"sigmoid(-40) = {nl.sigmoid(-40.0):.3g}, but sigmoid(40) == 1.0: {nl.sigmoid(40.0) == 1.0}")
print(f"gap between 1.0 and the next float64: {np.spacing(1.0):.1e}; smallest positive float64: "
      f"{np.finfo(np.float64).smallest_subnormal:.1e}")

# %% [markdown]
# The last line says why. Next to 1, neighbouring float64 numbers are about $2 \cdot 10^{-16}$
# apart, so $\sigma(x)$ becomes 1.0 as soon as $e^{-x}$ shrinks to about that size, already at
# $x = 37$. Near 0 the float64 numbers crowd far closer, down to about $5 \cdot 10^{-324}$, and
# $\sigma(-x)$ becomes 0.0 only at $x = 746$.

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: "sigmoid(-40) = 4.25e-18, but sigmoid(40) == 1.0"
# looks like a bug, since $\sigma(-x) = 1 - \sigma(x)$. Have them print `1 - nl.sigmoid(40.0)`
# (0.0) and `nl.sigmoid(-40.0)` side by side: the mathematical values are equal, but float64 keeps
# about 16 significant digits, so next to 1 a difference of $10^{-18}$ is lost while next to 0 it
# is kept. The misconception to watch for is that `sigmoid(40) == 1.0` means the sigmoid reaches 1:
# the function never does (that rounding is the number format's); what *is* the function's is its
# saturation, a derivative near 0 for large $|x|$ ($\sigma'(40) \approx 4 \cdot 10^{-18}$ in
# exact arithmetic too), which is what slows learning. (`nl.sigmoid_derivative(40.0)` prints 0.0
# for the same rounding reason: it computes $s(1-s)$ with $s$ stored as 1.0.)

# %% [markdown]
# ## Dying ReLUs, and why pReLU lets the negative side through
#
# *Time: about 5 min of reading.*
#
# A ReLU unit whose input is negative (or 0) for **every** example outputs 0 for all of them, and
# its derivative there is 0: no gradient reaches its weights, so no later step can change them.
# The unit is **dead**. A large step can push a unit's bias or weights there. We train the same
# 64 -> 64 -> 10 ReLU network on the digits for 3 epochs at two learning rates, and count the
# hidden units that output 0 for all 1,797 images (`nl.Linear` starts from random weights of a
# scale this lesson explains later, "He initialisation"):

# %%
def dead_units(layer, X):
    """How many units of `layer` (an nl.Linear feeding a ReLU) have a non-positive input on every row of X."""
    return int(np.sum(np.all(layer(X) <= 0, axis=0)))


def train_relu_net(lr, seed=0, activation=nl.ReLU):
    """64 -> 64 -> 10 trained for 3 epochs; only the two Linear layers' weights are trained."""
    net = nl.Sequential(nl.Linear(64, 64, rng=seed), activation(), nl.Linear(64, 10, rng=seed + 100))
    before = dead_units(net[0], images)
    weights = [*net[0].parameters(), *net[2].parameters()]  # a leaky slope stays fixed
    nl.fit(net, nl.SoftmaxCrossEntropy(), nl.SGD(weights, lr=lr), (images, labels),
           epochs=3, batch_size=32, rng=seed)
    return net, before


def units_with_gradient(net, X, y):
    """(units at or below 0 on every row of X, how many of them get a gradient; the same for
    the rest)."""
    loss_fn = nl.SoftmaxCrossEntropy()
    loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    below = np.all(net[0](X) <= 0, axis=0)
    moving = np.any(net[0].W.grad != 0, axis=1)
    return int(below.sum()), int(moving[below].sum()), int((~below).sum()), int(moving[~below].sum())


images, labels = nl.load_digits()
for lr in [0.05, 1.0]:
    net, before = train_relu_net(lr)
    print(f"learning rate {lr:4}: dead hidden units {before} at the start, "
          f"{dead_units(net[0], images)} of 64 after 3 epochs")

# %% [markdown]
# At learning rate 1.0, 6 of the 64 hidden units are dead after 3 epochs, against 1 (dead from the
# start) at 0.05 (printed above): those units compute nothing for any of the 1,797 images, and
# training on these images cannot bring them back if no gradient reaches them. We check that none
# does:

# %%
dead, dead_moving, live, live_moving = units_with_gradient(net, images, labels)
print(f"ReLU: {dead_moving} of the {dead} dead units get a non-zero gradient; "
      f"{live_moving} of the {live} others do")

# %% [markdown]
# The fix is to let a little of the negative side through. **Leaky ReLU** (Maas et al., 2013) uses
# a small fixed slope, $f(x) = x$ for $x > 0$ and $0.01\,x$ otherwise: its derivative on the
# negative side is 0.01, not 0, so a unit pushed there still gets a (small) gradient and can come
# back (the run below shows the gradient, not a recovery: after 3 epochs as many units or more sit
# at or below 0 on every image, 8 against ReLU's 6, both printed, but none of them is cut off from
# learning). **pReLU** (He et al., 2015) makes that slope a parameter $\alpha$ and learns it.
#
# Two smooth activations used in large models today, **GELU**, $x\,\Phi(x)$ with $\Phi$ the standard
# normal distribution function (in BERT and GPT), and **Swish** (also called SiLU), $x\,\sigma(x)$,
# are close to ReLU for large $|x|$ and slightly negative for $x < 0$, most negative near
# $x \approx -1$ (GELU's minimum is $-0.17$ at $x = -0.75$, Swish's $-0.28$ at $x = -1.28$).
# Their derivative is 0 only at that minimum, not on the whole negative side as ReLU's is; it
# still shrinks towards 0 for very negative inputs. The same training with a leaky ReLU
# (`nl.PReLU(alpha=0.01)`, its slope kept fixed) in place of ReLU:

# %%
net, before = train_relu_net(1.0, activation=lambda: nl.PReLU(alpha=0.01))
dead, dead_moving, live, live_moving = units_with_gradient(net, images, labels)
print(f"leaky ReLU: {dead_moving} of the {dead} units at or below 0 on every image get a "
      f"non-zero gradient; {live_moving} of the {live} others do")

# %% [markdown]
# ## pReLU's alpha is learned
#
# *Time: about 4 min of reading.*
#
# As a layer, `nl.PReLU` holds $\alpha$ as a `Parameter`. Its backward returns
# $\partial L / \partial x$ (the incoming gradient times 1 or $\alpha$) and also stores
# $\partial L / \partial \alpha = \sum_{x_i \le 0} \frac{\partial L}{\partial y_i}\, x_i$,
# since $y_i = \alpha x_i$ on the negative side.

# %%
layer = nl.PReLU(alpha=0.25)
x_small = np.array([[-2.0, -1.0, 0.5, 3.0]])
print(f"y        = {layer(x_small)}")  # one string: the output is stored as one piece
print("dL/dx    =", layer.backward(np.ones_like(x_small)), " (for dL/dy = 1)")
print("dL/dalpha =", layer.alpha.grad, " (= -2 + -1)")

# %% [markdown]
# Like any weight, $\alpha$ then moves against its gradient. We make data with a slope of 0.6 on
# the negative side (plus a little noise), start a lone `nl.PReLU` at $\alpha = 0.25$, and train it
# with the loop of lesson 1 (`nl.fit`, mini-batch SGD), this time on the mean squared error
# `nl.MSELoss`, the mean of $(y - t)^2$ over the batch for outputs $y$ and targets $t$, recording
# $\alpha$ after every epoch.

# %%
data_rng = np.random.default_rng(0)
x_data = data_rng.normal(size=(200, 1))
y_data = nl.prelu(x_data, 0.6) + data_rng.normal(0, 0.05, size=x_data.shape)

prelu_layer = nl.PReLU(alpha=0.25)
alphas = [float(prelu_layer.alpha.data)]
nl.fit(nl.Sequential(prelu_layer), nl.MSELoss(), nl.SGD(prelu_layer.parameters(), lr=0.1),
       (x_data, y_data), epochs=15, batch_size=20, rng=1,
       callback=lambda epoch, model: alphas.append(float(prelu_layer.alpha.data)))
print("alpha after epochs 0, 1, 2, 3, 15:", np.round([alphas[i] for i in (0, 1, 2, 3, 15)], 3))
negative = x_data <= 0  # only these points depend on alpha
best_alpha = np.sum(x_data[negative] * y_data[negative]) / np.sum(x_data[negative] ** 2)
print(f"from epoch 5 on: between {min(alphas[5:]):.3f} and {max(alphas[5:]):.3f}; "
      f"the best slope for this sample (least squares): {best_alpha:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(np.arange(len(alphas)), alphas, "o-", color=nlplot.BLUE, label="learned alpha")
ax.axhline(0.6, color=nlplot.BLACK, ls="--", lw=1, label="slope used to make the data")
ax.set(xlabel="epoch", ylabel="alpha", ylim=(0.2, 0.7), title="pReLU learns its negative slope")
ax.legend(loc="lower right")
plt.show()

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A good extension question: what happens to $\alpha$ if every $x$ in the data is
# positive? ($\partial L / \partial \alpha$ sums only over $x_i \le 0$, so it is 0 and $\alpha$
# stays at 0.25; exercise 4's check has this case, "positive inputs only".) Then: with this data,
# why does $\alpha$ end at 0.599, not at this sample's best slope 0.601? (The noise added to the
# targets moves the best slope from 0.6 to 0.601, printed above; and each mini-batch of 20 has its
# own best slope, so SGD with a fixed learning rate keeps $\alpha$ wandering around 0.601, between
# 0.597 and 0.602 from epoch 5 on, instead of settling on it: it stops wherever the last batch
# left it.)

# %% [markdown]
# $\alpha$ climbs from 0.25 towards the slope in the data within a few epochs and then stays
# there (the printed values). In a network it is learned the same way, together with the weights:
# exercise 4 asks you to write this descent yourself.
#
# **Explore.** Move $\alpha$: the left plot shows pReLU and its derivative, the right one what a
# layer outputs for Gaussian inputs (counts on a log scale, so that the tails' tens and, at
# $\alpha = 0$, the spike at 0 show together). For $0 < \alpha < 1$ the bars left of 0 are
# higher: $\alpha$ squeezes the negative inputs into a range $1/\alpha$ times narrower (4 times
# at the opening $\alpha = 0.25$), so each bar there holds that many times as many outputs. The
# plot stops at 3: the few outputs above 3 are not drawn. With $\alpha = 0$ (ReLU) half of the
# inputs are cut to exactly 0, and no gradient flows back through them; with $\alpha > 0$ some
# signal and some gradient pass. Negative $\alpha$ folds the negative side up: the function is no longer monotonic.

# %%
from nnlesson.viz.explorers import activation_explorer, prelu_explorer

prelu_explorer()

# %% [markdown]
# ## Vanishing gradients
#
# *Time: about 13 min (reading 10 min + exercises 3 min).*
#
# How a gradient travels back through layers is the **chain rule**: the derivative of a function
# of a function is the product of their derivatives. Take two layers of one unit each,
# $h = f(w_1 x)$ and $y = f(w_2 h)$. Nudging $x$ changes $w_1 x$ by $w_1$ times the nudge, $h$ by
# $f'(w_1 x)$ times that, $w_2 h$ by $w_2$ times that, and $y$ by $f'(w_2 h)$ times that:
#
# $$ \frac{dy}{dx} = f'(w_2 h)\, w_2 \cdot f'(w_1 x)\, w_1 . $$
#
# Each layer adds one factor, its activation's slope times its weight; a gradient that reaches
# the first layer of a deep network is a product of such factors, one per layer above it (lesson 4
# does this for whole layers: the forward pass multiplies by $W^\top$, the backward pass by $W$). So
# backpropagation multiplies, layer after layer, by the derivative of the activation (and by the
# weights). The sigmoid's derivative is at most $\tfrac14$ (printed under the
# first figure), so after $d$ sigmoid layers the gradient reaching the first layer has been
# multiplied by at most $(\tfrac14)^d$ on that account: it **vanishes**, and the first layers
# barely learn. ReLU's derivative is exactly 1 wherever the unit is active.
#
# The weights matter too, so the experiment below changes one thing at a
# time. Two common scales for the initial weights:
#
# - **Glorot** (Glorot and Bengio, 2010): $\mathrm{Var}(W) = 2 / (n_\text{in} + n_\text{out})$.
#   It is derived for an activation that is symmetric with slope 1 at 0 (tanh near 0, or none):
#   then, in a layer with as many outputs as inputs, the size of the signal stays the same going
#   forward and of the gradient going backward (otherwise it is a compromise between the two).
#   It is not made for the sigmoid, whose slope at 0 is $\tfrac14$ and whose outputs are not
#   centred at 0.
# - **He** (He et al., 2015): $\mathrm{Var}(W) = 2 / n_\text{in}$, the same calculation redone for
#   ReLU, which sets half of its inputs to 0 and so halves the mean square $E[h^2]$ of the signal
#   at every layer (the quantity that calculation tracks; the variance of the ReLU's output is
#   smaller still, about a third of its input's, since its mean is no longer 0).
#
# We build deep networks of 12 layers with weights (11 hidden layers of 64 units, then the 10
# outputs) with sigmoid, tanh and ReLU, each with both initialisations, push a batch of digits
# through, backpropagate the cross-entropy loss, and measure the size
# $\lVert \partial L / \partial W_l \rVert$ of the gradient of every layer's weights.

# %%
def deep_net(activation, init, depth, width, rng):
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
    return np.array([np.linalg.norm(layer.W.grad) for layer in net if isinstance(layer, nl.Linear)])


images, labels = nl.load_digits()
X, y = images[:256], labels[:256]
depth = 12
activations = {"sigmoid": nl.Sigmoid, "tanh": nl.Tanh, "ReLU": nl.ReLU}
norms = {(name, init): gradient_norms(deep_net(act, init, depth, 64, np.random.default_rng(0)), X, y)
         for init in ("glorot", "he") for name, act in activations.items()}

print("activation  init     first layer   last layer   last / first   per layer   "
      "largest / smallest")
for (name, init), g in norms.items():
    per_layer = (g[-1] / g[0]) ** (1 / (depth - 1))  # geometric mean of the 11 steps' factors
    print(f"{name:10}  {init:6}   {g[0]:11.2g}   {g[-1]:10.2g}   {g[-1] / g[0]:12.2g}   "
          f"{per_layer:9.2g}   {g.max() / g.min():18.2g}")
he_over_glorot = norms["ReLU", "he"] / norms["ReLU", "glorot"]  # layer by layer
relu_he_over_glorot = np.exp(np.mean(np.log(he_over_glorot)))
print(f"ReLU: the gradients with He weights are {relu_he_over_glorot:.0f} times those with Glorot "
      f"weights (geometric mean over the {depth} layers; {he_over_glorot[0]:.0f} times at layer 1, "
      f"{he_over_glorot[-1]:.0f} at layer {depth})")


def signal_sizes(net, X):
    """The root mean square of every activation layer's output, first hidden layer first."""
    sizes, h = [], X
    for layer in net:
        h = layer(h)
        if not isinstance(layer, nl.Linear):
            sizes.append(np.sqrt(np.mean(h ** 2)))
    return np.array(sizes)


for init in ("glorot", "he"):
    size = signal_sizes(deep_net(nl.ReLU, init, depth, 64, np.random.default_rng(0)), X)
    print(f"ReLU, {init:6}: size (rms) of the signal after hidden layer 1: {size[0]:.3f}, "
          f"after hidden layer {depth - 1}: {size[-1]:.3f}")

# %%
colors = {"sigmoid": nlplot.VERMILLION, "tanh": nlplot.GREEN, "ReLU": nlplot.BLUE}
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for ax, init in zip(axes, ("glorot", "he")):
    for name in activations:
        ax.semilogy(np.arange(1, depth + 1), norms[name, init], "o-", ms=4, color=colors[name],
                    label=name)
    ax.set(xlabel="layer (1 = next to the input)",
           title=f"{'Glorot' if init == 'glorot' else 'He'} initialisation")
axes[0].set_ylabel("gradient norm ||dL/dW|| (log scale)")
axes[1].legend(loc="lower right")
fig.suptitle(f"Gradient size per layer in a {depth}-layer network")
plt.show()

# %% [markdown]
# **Think! (3 min).** On the log scale the sigmoid's curve is close to a straight line, in both
# panels. What does a straight line on a log scale say about how the gradient changes from one
# layer to the next? And which change of the initialisation helps ReLU, and by how much?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# A straight line on a log scale means the gradient is multiplied by about the same factor at every
# layer on its way back. With Glorot weights the sigmoid's gradient goes from 0.7 at layer 12 to
# $1.1 \cdot 10^{-7}$ at layer 1, a factor $6.4 \cdot 10^6$ over 11 layers, about 4 per layer (the
# per-layer column prints $4.2 = (6.4 \cdot 10^6)^{1/11}$): a
# slope of at most $\tfrac14$, times Glorot weights that roughly keep the gradient's size. The
# weights are part of the factor: with He weights (larger) the line is less steep (a factor
# $3 \cdot 10^5$, about 3.1 per layer) but still a straight line. ReLU's curve is nearly flat in
# both panels (its gradients stay within a factor of 3 of each other: the largest / smallest
# column); He weights lift it from about $10^{-2}$ (0.012 at layer 1) to about 1 (1.2), 146 times
# larger on average over the 12 layers (printed under the table).
# ### END SOLUTION

# %% [markdown]
# Read the table and the two panels one change at a time:
#
# - **The sigmoid vanishes with either initialisation**: its first layer gets a gradient many
#   orders of magnitude smaller than its last (the last / first column). He's larger weights
#   shrink the ratio but do not come close to fixing it: the slope of at most $\tfrac14$ does the
#   damage.
# - **tanh keeps its gradients within a small factor** across all 12 layers (the largest /
#   smallest column): 1.3 with Glorot weights, the case Glorot's scale was derived for, and 1.2
#   with He weights; at this depth either scale works for tanh.
# - **ReLU with Glorot weights is nearly flat but low.** Its gradients stay within a factor of 3
#   of each other across the 12 layers (He's: 1.5, the largest / smallest column), yet every layer's
#   gradient is many times smaller (the factor printed under the table). The halving does not
#   show as a slope: with Glorot weights each ReLU layer shrinks the signal going forward (its
#   size falls from 0.317 after layer 1 to 0.012 after layer 11, printed) and, by the same
#   argument run backward, should shrink the gradient going backward (not printed here). A weight's gradient $\partial L / \partial W_l$ is the product of the two, the
#   signal coming into layer $l$ and the gradient coming back to it (lesson 4 derives
#   $\partial L / \partial W = (\partial L / \partial Y)^\top X$ for a layer with input $X$ and
#   output $Y$), so near the input a large signal meets a small
#   gradient and near the output the reverse: the shrinkings roughly balance into a flat but low
#   curve. With He weights the signal keeps its size (0.535 to 0.605), and so, by the same
#   argument, should the gradient.
#
# The sigmoid's vanishing gradients are the main reason ReLU-family activations, with He
# initialisation, replaced it in hidden layers. (`nl.Linear` uses He by default.)
#
# **Explore.** Choose an activation, the initial weights (Glorot or He) and a depth, and watch
# the gradient per layer (the explorer uses its own random inputs and a width of 32; it starts
# with 30 sigmoid layers and Glorot weights). How deep can a sigmoid network be before its first
# layer's gradient is a million times smaller than its last? Does tanh stay flat at 30 layers?
# Give ReLU Glorot weights instead of He's: does its curve stay flat, and how low does it sit?

# %%
activation_explorer(depth=30)

# %% [markdown]
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - sigmoid maps to $(0, 1)$, tanh to $(-1, 1)$; both saturate: for large $|x|$ their derivative is
#   close to 0.
# - ReLU is 0 or the identity; pReLU replaces the 0 by a learned slope $\alpha$, so negative inputs
#   still pass some signal and gradient ($f'(x) = \alpha$ for $x \le 0$, 1 for $x > 0$).
# - Gradients are products of derivatives (and weights) across layers: with sigmoids
#   ($f' \le \tfrac14$) they vanish in deep networks with either initialisation; with tanh they
#   kept their size with both initialisations here; with ReLU the curve was nearly flat across
#   layers with both, but with Glorot's weights it sat about 146 times lower than with He's (the
#   geometric mean over the layers: 97 times at layer 1, 325 at layer 12), and the signal shrank
#   with depth; only He-scaled weights kept the signal and the gradients at their size.
# - A ReLU unit whose input is negative (or 0) for every example is dead: no gradient reaches
#   it. Leaky ReLU and pReLU keep a slope on the negative side, so such a unit still receives a
#   gradient (a recovery is not shown here); GELU and Swish are smooth relatives used in large
#   models.
#
# ## Exercises
#
# *Time: about 36 min (reading 1 min + exercises 35 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it. They get harder as they go. As in lesson
# 01, a check refuses nnlesson's own implementation of what it asks for and nnlesson's other
# functions (`nl.sigmoid_derivative`, `nl.PReLU`, ... fail with "not allowed here"), but lets you
# call the activations `nl.sigmoid`, `nl.tanh`, `nl.relu`, `nl.prelu` and `nl.softmax`; numpy
# is always allowed.
#
# **Exercise 1 (code, 5 min).** Write `my_sigmoid_derivative(x)` using only `nl.sigmoid` (no other
# derivative function).

# %%
def my_sigmoid_derivative(x):
    ### BEGIN SOLUTION
    s = nl.sigmoid(x)
    return s * (1 - s)
    ### END SOLUTION


checks.check_sigmoid_derivative(my_sigmoid_derivative)
### BEGIN HIDDEN TESTS
assert checks.check_sigmoid_derivative(my_sigmoid_derivative, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 10 min).** Write the pReLU backward: given the input `x`, the slope `alpha` and the
# incoming gradient `dout`, return `(dx, dalpha)`. At $x = 0$ use the slope $\alpha$, as in the
# table above.

# %%
def my_prelu_backward(x, alpha, dout):
    ### BEGIN SOLUTION
    negative = x <= 0
    dx = np.where(negative, alpha * dout, dout)
    dalpha = np.sum(dout * x * negative)
    return dx, dalpha
    ### END SOLUTION


checks.check_prelu_backward(my_prelu_backward)
### BEGIN HIDDEN TESTS
assert checks.check_prelu_backward(my_prelu_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3 (short answer, 5 min).** What happens to pReLU when $\alpha = 0$, when $\alpha = 1$, and
# when $\alpha < 0$?

# %% [markdown]
# ### BEGIN SOLUTION
# $\alpha = 0$ gives the ReLU. $\alpha = 1$ gives the identity: the layer becomes linear and, as
# lesson 2 showed, adds no expressive power. $\alpha < 0$ makes the function non-monotonic (negative
# inputs give positive outputs), which is allowed but rarely useful.
# ### END SOLUTION

# %% [markdown]
# **Exercise 4 (code, a loop, 15 min).** Write `alpha_descent(x, target, alpha0, lr, steps)`: plain
# gradient descent on the slope $\alpha$ of $\mathrm{prelu}(x, \alpha)$ for the loss
# $L(\alpha) = \mathrm{mean}\big((\mathrm{prelu}(x, \alpha) - \text{target})^2\big)$ over all
# elements of `x`. Start at `alpha0`; each step computes $\partial L / \partial \alpha$ (the chain
# rule: $\partial L / \partial y$ times $\partial y / \partial \alpha$, summed) and moves
# $\alpha$ by `-lr` times it. Return the `steps + 1` values of $\alpha$, `alpha0` first. The cell
# then draws your $\alpha$ step by step on the lesson's data: compare with the expected output.

# %%
def alpha_descent(x, target, alpha0, lr, steps):
    ### BEGIN SOLUTION
    alphas = [alpha0]
    alpha = alpha0
    for _ in range(steps):
        dy = 2 * (nl.prelu(x, alpha) - target) / x.size  # dL/dy for the mean
        dalpha = np.sum(dy * x * (x <= 0))  # dy/dalpha = x where x <= 0, else 0
        alpha = alpha - lr * dalpha
        alphas.append(alpha)
    return np.array(alphas)
    ### END SOLUTION


checks.check_alpha_descent(alpha_descent)
# Your descent on the lesson's data (slope 0.6 on the negative side), from alpha = 0.25: compare
# with the expected output
try:
    path = alpha_descent(x_data, y_data, 0.25, 0.5, 20)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(np.arange(len(path)), path, "o-", color=nlplot.BLUE, label="your alpha_descent")
    ax.axhline(best_alpha, color=nlplot.BLACK, ls="--", lw=1, label="best slope for this sample")
    ax.set(xlabel="step", ylabel="alpha", ylim=(0.2, 0.7), xticks=range(0, len(path), 5),
           title="Gradient descent on alpha (learning rate 0.5)")
    ax.legend(loc="lower right")
    plt.show()
except NotImplementedError:
    print("nothing to draw until alpha_descent is written")
### BEGIN HIDDEN TESTS
assert checks.check_alpha_descent(alpha_descent, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## In PyTorch
#
# *Time: about 1 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). PyTorch has the same
# activations (`torch.sigmoid`, `torch.tanh`, `torch.relu`, `torch.nn.PReLU` with a learnable
# alpha), and its autograd finds the derivatives this lesson wrote out:

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    z = np.linspace(-4, 4, 9) + 0.05  # away from ReLU's kink at 0
    for name, f, derivative in [("sigmoid", torch.sigmoid, nl.sigmoid_derivative),
                                ("tanh", torch.tanh, nl.tanh_derivative),
                                ("relu", torch.relu, nl.relu_derivative)]:
        zt = torch.tensor(z, requires_grad=True)
        f(zt).sum().backward()  # d(sum)/dz_i is f'(z_i)
        print(f"{name:8s} largest difference of the derivatives: "
              f"{np.max(np.abs(zt.grad.numpy() - derivative(z))):.2e}")
    prelu = torch.nn.PReLU(init=0.25)
    print(f"torch.nn.PReLU's learnable alpha starts at {prelu.weight.item():.2f}")
