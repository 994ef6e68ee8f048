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
# # Lesson 8: Initialisation, and why deep networks explode or vanish
#
# *Time: about 68 min (reading 31 min + exercises 37 min).*
#
# **Learning goals.** After this lesson you can
# - explain why the weights of a layer must not all start equal (symmetry),
# - compute how the variance of the activations and of the gradients changes from layer to layer
#   for a given weight scale, and why it grows or shrinks geometrically with depth,
# - derive the Xavier/Glorot and He initialisations from that variance argument, each for the
#   activation it was made for,
# - measure exploding and vanishing gradients layer by layer for sigmoid, tanh, ReLU and pReLU.

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
from threadpoolctl import threadpool_limits

import nnlesson as nl
from nnlesson import checks
from nnlesson.viz import plot as nlplot

# One BLAS thread for this notebook: its matrices are small, and on a shared machine more threads
# only wait for each other.
threadpool_limits(1, user_api="blas")

nlplot.use_style()
np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## Why not start with all weights equal?
#
# *Time: about 7 min (reading 5 min + exercises 2 min).*
#
# Suppose every weight of a hidden layer starts at the same value. Then every hidden unit
# computes the same function of the input, gets the same output weight, and therefore receives the
# **same gradient**: $\partial L/\partial W_{j,:} = \sum_n \delta_{nj}\, x_n$ with the same
# $\delta_{nj}$ for every unit $j$. After the update they are still equal, and so on forever. The
# layer has 4 units but behaves like one. Random initial weights break this **symmetry**.
#
# We train a 2 -> 4 -> 2 tanh network on the two moons twice: once with every weight 0.5, once
# with random weights of a suitable size (Glorot's rule, derived in a section below).

# %%
X, y = nl.make_moons(300, noise=0.15, rng=0)


def moons_net(constant, seed):
    rng = np.random.default_rng(seed)
    net = nl.Sequential(nl.Linear(2, 4, rng=rng, init="glorot"), nl.Tanh(),
                        nl.Linear(4, 2, rng=rng, init="glorot"))
    if constant:
        for layer in (net[0], net[2]):
            layer.W.data[:] = 0.5
    return net


def train_moons(constant, seed):
    """Train for 60 epochs; returns the net and its hidden weights after every epoch."""
    net, trace = moons_net(constant, seed), []
    nl.fit(net, nl.SoftmaxCrossEntropy(), nl.SGD(net.parameters(), lr=0.1, momentum=0.9),
           (X, y), epochs=60, batch_size=30, rng=seed,
           callback=lambda epoch, model: trace.append(model[0].W.data.copy()))
    return net, np.array(trace)  # trace: (epochs, 4 units, 2 inputs)


SEEDS = range(5)
symmetric = {s: train_moons(True, s) for s in SEEDS}
random_init = {s: train_moons(False, s) for s in SEEDS}
spread = [np.ptp(symmetric[s][1][-1], axis=0).max() for s in SEEDS]
# Printed in full (not rounded to 3 decimals) so that "exactly 0" is what the output shows.
print("constant start: largest difference between the 4 units' weights after training, per seed:",
      ", ".join(f"{d:.1e}" for d in spread), f"(all exactly 0: {all(d == 0 for d in spread)})")
shared = symmetric[0][1][:, 0, 0]  # the first weight, the same in every unit
print(f"seed 0, constant start: that weight is {shared[0]:.2f} after epoch 1, peaks at "
      f"{shared.max():.2f} (epoch {shared.argmax() + 1}) and ends at {shared[-1]:.2f}")
for name, runs in [("constant start", symmetric), ("random start  ", random_init)]:
    acc = np.array([nl.accuracy(runs[s][0](X), y) for s in SEEDS])
    print(f"{name}: training accuracy over 5 seeds: median {np.median(acc):.1%}, "
          f"range [{acc.min():.1%}, {acc.max():.1%}]")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
epochs = np.arange(1, 61)
for ax, (name, runs) in zip(axes, [("all weights 0.5", symmetric), ("random weights", random_init)]):
    trace = runs[0][1]
    for unit, color in zip(range(4), nlplot.PALETTE):
        ax.plot(epochs, trace[:, unit, 0], color=color, lw=3 - 0.6 * unit,
                label=f"unit {unit + 1}")
    ax.set_xlabel("epoch")
    ax.set_title(f"Start: {name}")
axes[0].set_ylabel("weight from input 1")
fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncols=4)
fig.suptitle("The first weight of each of the 4 hidden units during training (seed 0)")
plt.show()

# %% [markdown]
# **Think! (2 min).** In the left panel the four units' weights move during training but stay on
# top of each other; in the right panel they separate. Why can training never separate units that
# start equal, and what does that cost this network?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Units with equal weights compute the same output, get the same output weights and so receive the
# same gradient and the same update: they stay equal for ever (the printed largest difference is
# exactly 0 on all 5 seeds), even though the shared weight itself moves (on seed 0 from 0.5 up to
# 0.85 and down to 0.25, as printed). The 4 hidden units act as one, and the network fits the
# moons worse: training accuracy median 89.3% against 100.0% from random weights.
# ### END SOLUTION

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: "the biases will break the symmetry". Here the biases
# start at zero in every unit, so they are equal too and receive equal gradients. Extension
# question: would random biases with equal weights break the symmetry? (Yes, in principle: the
# units then compute different functions and receive different gradients; random weights are simply
# the standard, stronger way to do it.)

# %% [markdown]
# With a constant start the four lines lie on top of each other for the whole of training (the
# printed difference is exactly 0 on every seed): four units doing the work of one. That is also
# why the network fits the moons worse. (Biases may start at zero: once the weights differ, the
# units already differ.)
#
# ## How the signal grows or shrinks with depth
#
# *Time: about 9 min (reading 7 min + exercises 2 min).*
#
# Take one linear layer without bias, $y = x W^\top$ as `nl.Linear` computes it ($x$ one example
# as a row, $W$ of shape $(n_{\text{out}}, n_{\text{in}})$), with $n = n_{\text{in}}$ inputs. Let
# the inputs $x_i$ be independent with mean 0 and variance $v$, and the weights independent of
# them, with mean 0 and variance $\sigma^2$. Then
#
# $$ \operatorname{Var}(y_j) = \sum_{i=1}^{n} \operatorname{Var}(W_{ji} x_i)
#    = n\,\sigma^2 v . $$
#
# (Only the weights need mean 0: for inputs with a nonzero mean, such as a ReLU's outputs, the
# same holds with $v = \mathbb{E}[x_i^2]$, their second moment.)
#
# Each layer multiplies the variance by $n\sigma^2$, so after $L$ layers it is $(n\sigma^2)^L v$:
# it **explodes** if $n\sigma^2 > 1$ and **vanishes** if $n\sigma^2 < 1$, geometrically. The
# backward pass is the same computation with $W$ in place of $W^\top$: the gradient
# $\delta_x = \delta_y W$ (a sum over the $n_{\text{out}}$ outputs) has variance
# $n_{\text{out}}\,\sigma^2$ times that of $\delta_y$.
#
# Thirty linear layers of width 100, for three weight scales:

# %%
width, depth = 100, 30
rng = np.random.default_rng(1)
x0 = rng.standard_normal((500, width))
layers = np.arange(1, depth + 1)
measured = {}
for gain in [0.8, 1.0, 1.2]:  # gain = n * sigma^2
    h, stds = x0, []
    for _ in range(depth):
        W = rng.normal(0.0, np.sqrt(gain / width), size=(width, width))
        h = h @ W.T
        stds.append(h.std())
    measured[gain] = np.array(stds)
    print(f"n sigma^2 = {gain}: std after layer 30 = {stds[-1]:.3g}, "
          f"predicted {gain ** (depth / 2):.3g}")

# 5 more seeds (new inputs and weights), n sigma^2 = 1: measured / predicted after layer 30
# (the same for every gain: the gain only rescales the same random weights)
ratios = []
for seed in range(10, 15):
    r = np.random.default_rng(seed)
    h = r.standard_normal((500, width))
    for _ in range(depth):
        h = h @ r.normal(0.0, np.sqrt(1.0 / width), size=(width, width)).T
    ratios.append(h.std())
print("measured / predicted after layer 30, on 5 other seeds:", np.round(ratios, 2))

# %%
fig, ax = plt.subplots(figsize=(9, 3.8))
for (gain, stds), color in zip(measured.items(), [nlplot.BLUE, nlplot.BLACK, nlplot.VERMILLION]):
    ax.semilogy(layers, stds, "o", ms=4, color=color, label=f"measured, n sigma^2 = {gain}")
    ax.semilogy(layers, gain ** (layers / 2), "-", color=color, lw=1,
                label=f"predicted {gain}^(l/2)")
ax.set_xlabel("layer l")
ax.set_ylabel("std of the activations")
ax.set_title("30 linear layers: the signal changes geometrically with depth")
fig.legend(loc="outside right center")
ax.set_ylim(1e-2, 1e2)  # the largest value is about 15: no empty decades above it
plt.show()

# %% [markdown]
# **Think! (2 min).** By what factor does the standard deviation change from one layer to the next
# for $n\sigma^2 = 0.8$ and for $1.2$? Why is the predicted line $0.8^{l/2}$ and not $0.8^{l}$?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Each layer multiplies the *variance* by $n\sigma^2$, so the standard deviation by its square
# root: $\sqrt{0.8} \approx 0.89$ and $\sqrt{1.2} \approx 1.10$ per layer, hence $0.8^{l/2}$. After
# 30 layers that predicts $0.8^{15} = 0.035$ (measured 0.0311) and $1.2^{15} = 15.4$ (measured
# 11.9); only $n\sigma^2 = 1$ keeps it at about 1 (1.03). A factor close to 1 per layer still grows
# or shrinks geometrically: on the log scale these are straight lines.
# ### END SOLUTION

# %% [markdown]
# The measured values sit off the prediction, here below it for both 0.8 and 1.2, and on other
# seeds on either side (the ratios printed above, from 0.7 to 1.33). The prediction is for the
# *average* of the variance over random weights, so a single run's std lies on average slightly
# below it (the average of square roots is below the square root of the average), by far less
# than the runs scatter: that both runs above lie below it is chance. One network multiplies its signal by 30 random factors, one per
# layer: each layer's actual gain depends on its own random weights and scatters around
# $n\sigma^2$, and 30 such deviations compound. The scatter grows with depth and shrinks with
# width (a wider layer averages over more weights), as the next cell measures on 10 seeds for each
# shape; the geometric trend is what survives. Its figure is a typical deviation (the spread of
# the log over the seeds), so a single seed can lie further off, as two of the five ratios above
# do (0.7 and 1.33, the same shape as the second line below), and 10 seeds give only a rough size
# of it.

# %%
def ratio_scatter(width, depth, seeds=range(10)):
    """How far measured / predicted (n sigma^2 = 1) typically is from 1 after `depth` linear
    layers of `width` units: exp(std over seeds of its log) - 1, so 0.1 means about 10% off."""
    logs = []
    for seed in seeds:
        r = np.random.default_rng(seed)
        h = r.standard_normal((500, width))
        for _ in range(depth):
            h = h @ r.normal(0.0, np.sqrt(1.0 / width), size=(width, width)).T
        logs.append(np.log(h.std()))
    return np.expm1(np.std(logs))


for width, depth in [(100, 10), (100, 30), (50, 30), (200, 30)]:
    print(f"width {width:3d}, depth {depth}: measured / predicted typically off by "
          f"{ratio_scatter(width, depth):.0%}")

# %% [markdown]
# ## Xavier/Glorot: for activations with slope 1 at zero
#
# *Time: about 1 min of reading.*
#
# Glorot and Bengio (2010) looked at activations that behave like the identity near zero, such as
# $\tanh$ ($\tanh'(0) = 1$) or no activation at all. Near zero the argument above applies
# unchanged: the forward pass keeps the variance if $n_{\text{in}} \sigma^2 = 1$, the backward pass
# if $n_{\text{out}} \sigma^2 = 1$ ($n_{\text{in}}$ and $n_{\text{out}}$ are the layer's **fan-in** and
# **fan-out**, `fan_in` and `fan_out` in code and in the exercises). Both cannot hold when $n_{\text{in}} \ne n_{\text{out}}$, so
# they take the compromise
#
# $$ \sigma^2 = \frac{2}{n_{\text{in}} + n_{\text{out}}} , $$
#
# often drawn from a uniform distribution on $[-a, a]$ instead of a normal one, with $a$ chosen so
# that the variance is this $\sigma^2$ (`nl.Linear(..., init="glorot")` does so; exercise 1 finds
# $a$). Frameworks write these rules with a **gain** $g$ per activation, $\sigma^2 = g^2 \cdot$
# (the rule for slope 1): PyTorch's `torch.nn.init.calculate_gain` gives 1 for the identity and
# the sigmoid, $5/3$ for tanh (a little larger, to make up for tanh flattening its larger inputs)
# and $\sqrt 2$ for ReLU (the factor 2 of the next section).
#
# ## He: for ReLU
#
# *Time: about 3 min of reading.*
#
# ReLU sets every negative input to 0. For a symmetric pre-activation $z$ with variance $s^2$,
# half of $z^2$'s mass is cut: $\mathbb{E}[\operatorname{relu}(z)^2] = s^2/2$. The next layer
# receives a signal whose second moment is halved, so the weights must make up a factor 2
# (He et al., 2015):
#
# $$ \sigma^2 = \frac{2}{n_{\text{in}}} \qquad (\texttt{nl.Linear}\text{'s default, } \texttt{init="he"}). $$
#
# The same paper treats pReLU, whose slope $\alpha$ on the negative side passes part of the
# negative half instead of cutting it; exercise 2 follows the same argument to its rule. Here, as
# in the paper's start and `nl.PReLU`'s default, $\alpha = 0.25$.
#
# Each rule for its own activation, and each for the other one, through 10 layers of width 64
# (weights $N(0, \text{scale}^2/n)$, so scale 1 is Glorot for these square layers and
# $\sqrt 2$ is He). `layer_statistics` builds the network from `nl.Linear` and activation layers
# and returns every layer's output and the size of the gradient that reaches it:

# %%
from nnlesson.viz.experiments import layer_statistics

RULES = {"Glorot": 1.0, "He": np.sqrt(2.0)}
fig, ax = plt.subplots(figsize=(7, 3.8))
for (activation, rule), style in zip(
        [("tanh", "Glorot"), ("tanh", "He"), ("ReLU", "Glorot"), ("ReLU", "He")],
        [(nlplot.BLUE, "-"), (nlplot.BLUE, "--"), (nlplot.VERMILLION, "-"),
         (nlplot.VERMILLION, "--")]):  # one line style per rule: Glorot solid, He dashed
    activations, _ = layer_statistics(activation, RULES[rule], depth=10)
    stds = [a.std() for a in activations]
    ax.semilogy(range(1, 11), stds, "o", color=style[0], ls=style[1],
                label=f"{activation} with {rule}")
    print(f"{activation:>4} with {rule:>6}: std of layer 1 {stds[0]:.3f}, of layer 5 {stds[4]:.3f}, "
          f"of layer 10 {stds[-1]:.3f}")
ax.set_xlabel("layer")
ax.set_ylabel("std of the activations")
ax.set_title("He keeps ReLU's signal, Glorot loses it;\n"
             "tanh shrinks under Glorot, settles near 0.55 under He")
ax.legend(loc="lower left", ncols=2, title="solid: Glorot, dashed: He")
ax.set_ylim(1e-2, 3)
plt.show()

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A misconception to watch for: "the larger the signal, the better". tanh with He
# keeps a larger signal than with Glorot (std 0.540 against 0.212 at layer 10, printed above), but
# a tanh unit with a large input is saturated, and its slope is near 0 there. What to do live: in
# the explorer at the end of the lesson, set tanh and the scale 2, and look at the heat map's
# bright columns at -1 and +1 (saturated units) before and after moving the scale back to 1.

# %% [markdown]
# ReLU with He keeps the size of its signal through all 10 layers, while ReLU with Glorot loses a
# factor $\sqrt 2$ per layer. tanh shrinks its signal slowly even with Glorot's rule: the rule
# holds near zero, where tanh's slope is 1, but tanh flattens everything larger (0.328 at layer 5,
# 0.212 at layer 10, printed). With He's larger weights the tanh signal stays larger and stops
# shrinking: 0.575 at layer 5, 0.540 at layer 10. The weights' factor 2 then balances tanh's
# flattening at a std near 0.55.
#
# ## Exploding and vanishing gradients, layer by layer
#
# *Time: about 10 min (reading 7 min + exercises 3 min).*
#
# The backward pass multiplies the gradient, layer after layer, by the derivative of the
# activation and by $W$ (the row $\delta_x = \delta_y W$, as above). We send a gradient of norm 1
# into the last of 20 layers and measure the norm of the gradient $\partial L / \partial h_l$
# that reaches each layer $l$, for four activations and four weight scales, on 5 seeds (each line
# is the median of the 5; how far apart the seeds lie is printed under the figure).

# %%
ACTIVATIONS = ["sigmoid", "tanh", "ReLU", "pReLU"]
SCALES = [0.5, 1.0, np.sqrt(2.0), 2.0]
DEPTH = 20
gradients = {(a, s): np.array([layer_statistics(a, s, depth=DEPTH, batch=128, seed=seed)[1]
                               for seed in SEEDS])
             for a in ACTIVATIONS for s in SCALES}  # each: (seeds, layers)

fig, axes = plt.subplots(1, 4, figsize=(9, 3.6), sharey=True)
for ax, activation in zip(axes, ACTIVATIONS):
    for scale, color in zip(SCALES, [nlplot.SKY, nlplot.BLUE, nlplot.GREEN, nlplot.VERMILLION]):
        ax.semilogy(range(1, DEPTH + 1), np.median(gradients[activation, scale], axis=0),
                    color=color,
                    label=f"scale {scale:.3g}")
    ax.set_title(activation)
    ax.set_xlabel("layer")
    ax.set_ylim(1e-20, 1e5)  # low enough for the sigmoid at scale 0.5
    ax.set_yticks([1e-20, 1e-15, 1e-10, 1e-5, 1])
axes[0].set_ylabel("||dL/dh|| (layer 20: 1)")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4)
fig.suptitle("The gradient reaching each of 20 layers (weights N(0, scale^2 / n); 5 seeds)")
plt.show()

spread = max((g.max(axis=0) / g.min(axis=0)).max() for g in gradients.values())
print(f"largest seed over smallest, at any layer, activation and scale: a factor {spread:.1f} "
      "(a sliver on this axis of 25 decades)")
print("median gradient norm reaching layer 1:")
print(f"{'scale':>8}" + "".join(f"{a:>10}" for a in ACTIVATIONS) + f"{'(scale/4)^19':>14}")
for scale in SCALES:
    print(f"{scale:>8.3g}" + "".join(f"{np.median(gradients[a, scale][:, 0]):>10.2g}"
                                     for a in ACTIVATIONS) + f"{(scale / 4) ** (DEPTH - 1):>14.2g}")
prelu_over_relu = [np.median(gradients["pReLU", s][:, 0]) / np.median(gradients["ReLU", s][:, 0])
                   for s in SCALES]
print("pReLU / ReLU at layer 1, per scale:", ", ".join(f"{r:.1f}" for r in prelu_over_relu))
# seed by seed (at scale 1: the ratio is the same at every scale), on our 5 seeds and 25 more
more_seeds = range(len(SEEDS), 30)
per_seed = np.concatenate([gradients["pReLU", 1.0][:, 0] / gradients["ReLU", 1.0][:, 0],
                           [layer_statistics("pReLU", 1.0, depth=DEPTH, batch=128, seed=seed)[1][0]
                            / layer_statistics("ReLU", 1.0, depth=DEPTH, batch=128, seed=seed)[1][0]
                            for seed in more_seeds]])
print("pReLU / ReLU at layer 1, seed by seed:", ", ".join(f"{r:.1f}" for r in per_seed[:5]),
      f"on our 5 seeds; median {np.median(per_seed):.2f} over 30 seeds")

SIGMOID_SCALES = [4.0, 6.0, 8.0]  # larger than any scale above: the sigmoid's slope is 1/4
sigmoid_large = {s: np.array([layer_statistics("sigmoid", s, depth=DEPTH, batch=128, seed=seed)[1]
                              for seed in SEEDS]) for s in SIGMOID_SCALES}
print("sigmoid at larger scales, median gradient norm reaching layer 1:",
      ", ".join(f"scale {s:g}: {np.median(g[:, 0]):.2g}" for s, g in sigmoid_large.items()))

# %% [markdown]
# **Think! (3 min).** Which weight scale keeps the gradient reaching layer 1 of order 1 for ReLU,
# and which for tanh? Why does none of the four scales save the sigmoid?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# ReLU: scale $\sqrt 2 \approx 1.41$ (He), median 0.74 at layer 1; at scale 1 it falls to 0.001 and
# at scale 2 it grows to 540. tanh: scales 1 (Glorot, 0.28) and 1.41 (2.1); at 0.5 it vanishes
# ($1.8 \cdot 10^{-6}$) and at 2 it grows (19). The sigmoid's gradient vanishes at all four of
# these scales: larger weights help a little ($5.2 \cdot 10^{-18}$ at scale 0.5,
# $4.3 \cdot 10^{-8}$ at scale 2), but its slope is at most $\tfrac14$: in mean square (averaged
# over random weights; one random $W$ can stretch some directions by more than $s$) a layer of
# scale $s$ multiplies the gradient's size by at most about $s/4$, less than 1 for all four
# scales. The mean-square estimate for 19 layers is therefore $(s/4)^{19}$ at best (last column),
# and every median lies below it. In the figure all four sigmoid lines fall straight from layer
# 20 to layer 1. Only much larger weights save it: the last printed line shows the gradient
# reaching layer 1 grow from $1.3 \cdot 10^{-4}$ at scale 4 to 0.092 at scale 8, twice the scale
# at which that estimate reaches 1 ($s/4 = 1$ at $s = 4$), since the sigmoid's outputs (centred
# on 1/2) and its flat tails lose more than the estimate counts.
# ### END SOLUTION

# %% [markdown]
# Read the table column by column:
# - **sigmoid** loses the gradient at every scale in the table: its slope is at most $1/4$, so in
#   mean square each layer multiplies the gradient by at most about scale/4 (the last column is
#   that estimate after 19 layers); its outputs, centred on 1/2 rather than 0, also push the next layer's
#   pre-activations away from 0, where its slope is largest. Only at a scale of about 8 (the last
#   printed line) is the gradient reaching layer 1 back to about 0.1; none of the usual rules
#   gives weights that large. Deep sigmoid networks are hard to train from the usual starts (lesson 3 showed the
#   same).
# - **tanh** keeps the gradient of order 1 at scales 1 (Glorot) and $\sqrt 2$; at 0.5 it
#   vanishes, at 2 it grows.
# - **ReLU** keeps it of order 1 at scale $\sqrt 2$ (He); at scale 1 it shrinks by $\sqrt 2$ per
#   layer ($2^{-19/2} \approx 0.0014$ after 19 layers), at scale 2 it grows by $\sqrt 2$ per
#   layer.
# - **pReLU** ($\alpha = 0.25$) keeps more of the gradient than ReLU at the same scale: its
#   negative side passes $\alpha$ of the gradient instead of none, so each layer keeps a little
#   more of it, and 19 layers compound that. About twice as much reaches layer 1: the median
#   ratio over 30 seeds is 1.85 (printed under the table, "seed by seed").
#
# **Explore.** Move the weight scale and pick an activation: the heat map shows how each layer's
# activations are distributed, on a log colour scale (one narrow yellow column at 0, at 0.5 for
# the sigmoid, with nearly all of a layer's values in one bin: the signal has died; a column
# that narrows layer by layer but stays several bins wide: the signal shrinks; bright columns at
# $\pm 1$ for tanh, or at 0 and 1 for the sigmoid: the units are saturated; bright end columns:
# a ReLU's signal has exploded past $+3$; ReLU outputs are never negative), the middle plot
# their size and the right plot the gradient that reaches each layer. (Opened without running, the notebook shows the
# explorer's starting setting: tanh at scale 1, Glorot.)

# %%
from nnlesson.viz.explorers import init_explorer

init_explorer()

# %% [markdown]
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - Equal starting weights give equal gradients: the units of a layer stay identical forever.
#   Random weights break the symmetry.
# - A linear layer multiplies the variance of its signal by $n_{\text{in}}\sigma^2$ forward and
#   by $n_{\text{out}}\sigma^2$ backward, so with depth it grows or shrinks geometrically.
# - Glorot, $\sigma^2 = 2/(n_{\text{in}} + n_{\text{out}})$, keeps both near 1 for the identity
#   in square layers ($n_{\text{in}} = n_{\text{out}}$; otherwise it is a compromise between the two);
#   with tanh, whose slope is 1 only at zero, the signal still shrinks slowly (std 0.629 at layer 1,
#   0.212 at layer 10, printed above); He, $\sigma^2 = 2/n_{\text{in}}$, makes up for ReLU
#   discarding half the signal.
# - The sigmoid loses the gradient at every usual scale (0.5 to 2 here); only with weights about 8
#   times Glorot's (scale 8) is the gradient reaching layer 1 of 20 back to about 0.1. A wrong
#   scale makes tanh, ReLU and pReLU explode or vanish too. Batch normalization (next lesson) is another way to keep the signal in range.
#
# References: X. Glorot and Y. Bengio, *Understanding the difficulty of training deep feedforward
# neural networks*, AISTATS 2010. K. He, X. Zhang, S. Ren and J. Sun, *Delving Deep into
# Rectifiers*, ICCV 2015. D2L, section 5.4 (Numerical Stability and Initialization).
#
# ## Exercises
#
# *Time: about 32 min (reading 2 min + exercises 30 min).*
#
# **Exercise 1 (code, 10 min).** Weights are often drawn uniformly from $[-a, a]$ rather than from a
# normal distribution. Write `my_uniform_bound(fan_in, fan_out, activation)`: the bound $a$ that
# gives the variance of Glorot's rule for `"tanh"` and of He's rule for `"relu"`. (First find the
# variance of a uniform distribution on $[-a, a]$: $\int_{-a}^{a} w^2 \frac{dw}{2a}$.)
# `nl.Linear(..., init="glorot")` draws its weights this way (its default, `init="he"`, draws
# from a normal distribution), and `help(nl.Linear)` states the Glorot bound: use it to check
# your `"tanh"` derivation, then derive the `"relu"` bound, which it does not give.

# %%
def my_uniform_bound(fan_in, fan_out, activation):
    ### BEGIN SOLUTION
    # the variance of U[-a, a] is a^2 / 3, so a = sqrt(3 * variance)
    if activation == "relu":
        return np.sqrt(3 * 2 / fan_in)
    return np.sqrt(3 * 2 / (fan_in + fan_out))
    ### END SOLUTION


checks.check_uniform_bound(my_uniform_bound)
### BEGIN HIDDEN TESTS
assert checks.check_uniform_bound(my_uniform_bound, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 15 min).** Follow He's argument for pReLU with slope `alpha` on the negative side:
# `my_prelu_init_std(fan_in, alpha)` returns the standard deviation of normal initial weights that
# keeps the second moment of the signal constant from layer to layer. (First: for a symmetric
# $z$ with variance $s^2$, what is $\mathbb{E}[\operatorname{prelu}(z)^2]$? Check: `alpha = 0`
# must give He's ReLU rule, and `alpha = 1`, the identity, Glorot's rule for a square layer; both
# limits also hold for some wrong formulas, so check one $\alpha$ in between too, e.g. compare
# your $\mathbb{E}[\operatorname{prelu}(z)^2]$ at `alpha = 0.5` with
# `np.mean(nl.prelu(z, 0.5) ** 2)` for a million samples `z` of $N(0, 1)$.) The
# cell then draws the signal's size through 10 pReLU layers ($\alpha = 0.25$) started with your
# rule, next to Glorot's and He's.

# %%
def my_prelu_init_std(fan_in, alpha):
    ### BEGIN SOLUTION
    return np.sqrt(2 / ((1 + alpha ** 2) * fan_in))
    ### END SOLUTION


checks.check_prelu_init_std(my_prelu_init_std)
### BEGIN HIDDEN TESTS
assert checks.check_prelu_init_std(my_prelu_init_std, quiet=True)
### END HIDDEN TESTS

# 10 pReLU layers of width 64: weights N(0, scale^2 / 64), so scale = std * sqrt(64)
# (The picture appears once your function is written.)
try:
    your_scale = my_prelu_init_std(64, 0.25) * 8
except NotImplementedError:
    your_scale = None
if your_scale is not None:
    starts = [("Glorot", 1.0, nlplot.BLUE), ("He", np.sqrt(2.0), nlplot.GREEN),
              ("your pReLU rule", your_scale, nlplot.VERMILLION)]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for label, scale, color in starts:
        activations, _ = layer_statistics("pReLU", scale, depth=10)
        ax.semilogy(range(1, 11), [a.std() for a in activations], "o-", color=color, label=label)
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the activations")
    ax.set_ylim(1e-2, 3)
    ax.set_title("10 pReLU layers (alpha = 0.25), seed 0: Glorot loses the signal")
    ax.legend(loc="lower left")
    plt.show()

# %%
# After exercise 2 (this cell uses its answer): one network scatters (section 2), so the ratio
# layer 10 / layer 1, median over 5 seeds, against the rule's prediction,
# sqrt((1 + alpha^2) scale^2 / 2) per layer for 9 layers
if your_scale is not None:
    for label, scale, _ in starts:
        ratios = [np.std(a[-1]) / np.std(a[0]) for a in
                  (layer_statistics("pReLU", scale, depth=10, seed=seed)[0] for seed in SEEDS)]
        print(f"{label:>15}: std at layer 10 / layer 1, median of 5 seeds {np.median(ratios):.2f}, "
              f"predicted {np.sqrt((1 + 0.25 ** 2) * scale ** 2 / 2) ** 9:.2f}")
# the gradient table's pReLU / ReLU ratio at the same scale: sqrt(1 + alpha^2) per layer, 19 layers
print(f"pReLU / ReLU gradient at layer 1: median over 30 seeds {np.median(per_seed):.2f}, "
      f"mean-square prediction {np.sqrt(1 + 0.25 ** 2) ** (DEPTH - 1):.2f}")

# %% [markdown]
# Glorot's start loses the signal (a factor of about 0.73 per layer); He's and yours both look flat
# in the picture. For $\alpha = 0.25$ He's start is too large by only $\sqrt{1 + \alpha^2} \approx
# 1.03$ per layer, a factor of about 1.3 after 9 layers (the median over 5 seeds above comes close
# to it); one network's own random weights move its signal by as much (section 2). Your rule is the
# one whose prediction is exactly 1; the difference from He's grows with depth and with $\alpha$.
#
# The same factor explains the pReLU column of the gradient table: at the same scale, pReLU keeps
# $\sqrt{1 + \alpha^2}$ times ReLU's gradient per layer in mean square, so
# $\sqrt{1 + \alpha^2}^{\,19} \approx 1.78$ after 19 layers, for the average over random networks;
# the median ratio over 30 seeds, 1.85 (both printed above), lies close to it.

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Students may ask why three pReLU / ReLU ratios are printed under the gradient
# table. The ratio of the medians is 2.3, and the same at every scale by necessity: each seed
# draws the same weights at every scale, and ReLU and pReLU pass a scaled input through scaled
# ($f(sz) = s f(z)$ for $s > 0$), so scaling every weight by $s$ scales the gradient at layer 1
# by $s^{19}$ for both (the ReLU column shows it: doubling the scale, 0.5 to 1 or 1 to 2,
# multiplies it by $2^{19} \approx 5 \cdot 10^5$). Seed by seed, our 5 seeds give 2.0 to 2.8
# (median 2.0), above the prediction 1.78, while the median over 30 seeds is 1.85: single
# networks of width 64 scatter, our 5 seeds happen to lie high, and five seeds are few for a
# ratio like this one. The table at scale $\sqrt 2$ shows where that excess comes from: pReLU's
# median (1.7) lies close to its mean-square prediction, $1.0625^{9.5} \approx 1.78$, while
# ReLU's (0.74) falls below its prediction of 1.

# %% [markdown]
# **Exercise 3 (short answer, 5 min).** A colleague initialises all weights of her network to zero,
# biases included. Which parameters receive a nonzero gradient in the first step of a network
# with one hidden ReLU layer, and which never will?

# %% [markdown]
# ### BEGIN SOLUTION
# With all weights zero every hidden pre-activation is 0, so every ReLU outputs 0 and has
# derivative 0 (at the kink, by the usual convention). The output layer's bias gets a gradient
# (it fits the class frequencies); the output weights get $\delta^\top h = 0$ since $h = 0$; the
# hidden weights and biases get 0 because the gradient reaching them is multiplied by $W_2 = 0$
# and by the ReLU's zero derivative. So only the output bias ever learns: the hidden layer is dead
# for good. (With tanh the same happens, since $\tanh 0 = 0$. With the sigmoid, $h = 1/2$: the
# output weights do learn, but all hidden units stay identical, as in the first section.)
# ### END SOLUTION

# %% [markdown]
# ## In PyTorch
#
# *Time: about 1 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). `torch.nn.init` has both
# rules of this lesson, `xavier_uniform_` (Glorot) and `kaiming_normal_` (He). Note that
# `torch.nn.Linear` starts with neither: its default (a uniform with std 1/sqrt(3 fan_in)) is
# smaller than He's by a factor sqrt(6), so choose the initialisation yourself:

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    torch.manual_seed(0)
    fan_in, fan_out = 400, 300
    weight = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.nn.init.kaiming_normal_(weight, nonlinearity="relu")
    print(f"He:      std {weight.std():.4f}, sqrt(2 / fan_in) = {np.sqrt(2 / fan_in):.4f}")
    torch.nn.init.xavier_uniform_(weight)
    print(f"Glorot:  std {weight.std():.4f}, sqrt(2 / (fan_in + fan_out)) = {np.sqrt(2 / (fan_in + fan_out)):.4f}")
    default = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64).weight
    print(f"default: std {default.std():.4f}, 1 / sqrt(3 fan_in) = {1 / np.sqrt(3 * fan_in):.4f}")
