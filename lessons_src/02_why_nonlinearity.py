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
# # Lesson 2: Why a nonlinearity is necessary
#
# *Time: about 62 min (reading 18 min + exercises 44 min).*
#
# **Learning goals.** After this lesson you can
# - prove that two stacked linear layers compute one linear layer, by algebra and by computation,
# - explain why a stack of linear layers can only draw a straight decision boundary,
# - show that a nonlinear activation between the layers lets the network bend the boundary,
# - state the universal approximation idea and see a wider hidden layer follow a curve more closely.

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
# ## Two linear layers are one linear layer
#
# *Time: about 2 min of reading.*
#
# Feed the output of a layer $h = W_1 x + b_1$ into a second layer $y = W_2 h + b_2$. Expanding,
#
# $$ y = W_2 (W_1 x + b_1) + b_2 = \underbrace{(W_2 W_1)}_{W} \, x + \underbrace{(W_2 b_1 + b_2)}_{b}. $$
#
# The product of two matrices is a matrix, and $W_2 b_1 + b_2$ is a vector: the two layers compute
# **exactly** what a single layer with $W = W_2 W_1$ and $b = W_2 b_1 + b_2$ computes. However many
# linear layers we stack, the result stays one linear map (plus a shift). Let us check it with
# `nnlesson`'s layers. (Strictly, a map $x \mapsto Wx + b$ with $b \neq 0$ is called *affine*;
# deep-learning texts call the layer *linear*, bias included, and so does this course.)

# %%
first, second = nl.Linear(2, 5, rng=1), nl.Linear(5, 3, rng=2)
first.b.data[:] = np.random.default_rng(3).normal(size=5)  # non-zero biases, to test them too
second.b.data[:] = np.random.default_rng(4).normal(size=3)

W = second.W.data @ first.W.data
b = second.W.data @ first.b.data + second.b.data
merged = nl.Linear(2, 3)
merged.W.data[:], merged.b.data[:] = W, b

x = np.random.default_rng(5).normal(size=(1000, 2))
stacked_out = second(first(x))
print("W = W2 W1 has shape", W.shape)
difference = np.max(np.abs(stacked_out - merged(x)))
print(f"largest difference over 1000 inputs: {difference:.2e} (below 1e-12: {difference < 1e-12})")

# %% [markdown]
# What difference there is (printed above) comes from floating-point round-off: the two
# computations are the same function.

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A misconception to watch for: "more layers means more power", even without
# activations. Ask the class how many numbers the single layer that the 2 -> 32 -> 32 -> 2 linear
# stack collapses into holds ($W$ of shape (2, 2) and $b$ of shape (2,): 6) against the stack's
# 1,218 parameters printed below. Extension question: are the stack's 1,218 parameters determined
# by the 6 they collapse to? (No: many different stacks collapse to the same $W$ and $b$, so most
# of the parameters are redundant.)

# %% [markdown]
# ## What this means for classification
#
# *Time: about 10 min (reading 6 min + exercises 4 min).*
#
# A linear classifier scores each class with a linear function of $x$, and the boundary between two
# classes is where two scores are equal: a straight line (a hyperplane in more dimensions). The
# *two moons* below cannot be separated by any straight line. We train two networks of the same
# shape on them: one with no activation between the layers, one with a ReLU.

# %%
X, y = nl.make_moons(300, noise=0.1, rng=0)
(X_train, y_train), (X_val, y_val) = nl.train_val_split(X, y, val_fraction=0.3, rng=1)


def make_net(activation, rng):
    """2 -> 32 -> 32 -> 2; `activation` is a layer class, or None for a purely linear stack."""
    layers = [nl.Linear(2, 32, rng=rng), nl.Linear(32, 32, rng=rng), nl.Linear(32, 2, rng=rng)]
    if activation is not None:
        layers = [layers[0], activation(), layers[1], activation(), layers[2]]
    return nl.Sequential(*layers)


nets = {"linear stack": make_net(None, np.random.default_rng(2)),
        "with ReLU": make_net(nl.ReLU, np.random.default_rng(2))}
accuracy = {}
for name, net in nets.items():
    history = nl.fit(net, nl.SoftmaxCrossEntropy(), nl.SGD(net.parameters(), lr=0.05, momentum=0.9),
                     (X_train, y_train), (X_val, y_val), epochs=100, batch_size=32, rng=3)
    # fit returns a History: per-epoch lists such as val_accuracy (on X_val after each epoch);
    # the trained model's accuracy (fit's history.train_accuracy averages over the last epoch,
    # while the weights were still moving)
    print(f"{name:13} training accuracy {nl.accuracy(net(X_train), y_train):6.1%}"
          f"   validation accuracy {history.val_accuracy[-1]:6.1%}")
    accuracy[name] = history.val_accuracy[-1]
n_params = sum(p.data.size for p in nets["linear stack"].parameters())
print(f"the linear stack has {n_params:,} parameters")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for ax, (name, net) in zip(axes, nets.items()):
    # steps=300 grid cells a side: the border is drawn cell by cell, and at the default 150 a
    # straight border shows as a staircase
    nlplot.plot_decision_boundary(net, X_val, y_val, ax=ax, steps=300,
                                  title=f"{name}: {accuracy[name]:.0%} correct")
axes[1].set_ylabel("")
axes[1].legend(title="true class", loc="upper left", bbox_to_anchor=(1.01, 1))
fig.suptitle("The same three layers, without and with a nonlinearity (validation points)")
nlplot.describe("Two pictures of the plane coloured by the class each network predicts, with the validation points on top: without a nonlinearity the border between the classes is one straight line, with ReLU it bends between the two moons.")
plt.show()

# %% [markdown]
# **Think! (2 min).** In the left panel, which validation points fall on the wrong side of the
# line? In the right panel, where did the ReLU network have to bend its boundary to classify every
# point correctly?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# The linear stack's errors (84% correct) are where the moons hook into each other: the left tip of
# the orange moon, which reaches up between the arms of the blue moon above the line, a few orange
# points at the right end of the orange moon, and the blue moon's lower right end, just below the
# line. Every straight line cuts through at least one of these interleaved tips.
#
# The ReLU network (100% correct) bends its boundary up over the orange tip (to about
# $x_2 = 0.65$ near $x_1 = 0$) and down under the blue moon's right end (to about $x_2 = -0.2$
# near $x_1 = 0.9$).
# ### END SOLUTION

# %% [markdown]
# However many parameters it has (printed above), the linear stack draws one straight line. How
# good can a straight line be on these moons? We try 720 directions and, for each, the best place
# to cut: the best line's share of correctly classified points is about the best any linear
# classifier can do on the same points (a search can only miss better lines: the exact best one,
# whose direction may lie between two of the 720 we try, can be a point or two better).

# %%
def best_line_accuracy(X, y, directions=720):
    """The highest accuracy of a straight line x . u = t on (X, y), over 720 directions u."""
    best = 0.0
    for angle in np.linspace(0, np.pi, directions, endpoint=False):
        labels = y[np.argsort(X @ np.array([np.cos(angle), np.sin(angle)]))]
        # cut after the k-th point: class 0 on the low side, class 1 on the high side
        zeros_below = np.concatenate([[0], np.cumsum(labels == 0)])
        ones_above = np.sum(labels == 1) - np.concatenate([[0], np.cumsum(labels == 1)])
        correct = (zeros_below + ones_above) / len(y)
        best = max(best, correct.max(), 1 - correct.min())  # 1 - ...: the classes swapped
    return best


print(f"best straight line on the {len(X_train)} training points: "
      f"{best_line_accuracy(X_train, y_train):.1%}; the linear stack: "
      f"{nl.accuracy(nets['linear stack'](X_train), y_train):.1%}")
print(f"best straight line on the {len(X_val)} validation points: "
      f"{best_line_accuracy(X_val, y_val):.1%}; the linear stack: {accuracy['linear stack']:.1%}")

# %% [markdown]
# **Think! (2 min).** Would training the linear stack for longer put its validation errors right?
# Use the two printed lines.

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# No, for three reasons. (a) On the training points the stack's line (91.0%) is already
# close to the best line the search found (91.4%), and training can only move that line. (b) Some
# of the validation errors are not the line's limit but come from fitting the training points: a
# line drawn for the validation points gets 93.3% of them right, against the stack's 84.4%, but
# training never sees those points. (c) Even that line, drawn for the validation points
# themselves, gets only 93.3% of them right, not 100%: no straight line gets them all, however
# long we train.
# ### END SOLUTION

# %% [markdown]
# The linear stack's training accuracy is close to the best any line can reach on those points
# (0.4 points below it, printed), and training cannot lift it above the best line (beyond the point
# or two the search may miss): the line is the limit, not the training. On
# the validation points it does worse than the best line drawn for them, since it was fitted to the
# training points. The ReLU network bends its boundary around the moons and does far better on
# the validation points (the printed accuracies above the figure).
#
# ## How much can one hidden layer do? The universal approximation idea
#
# *Time: about 5 min of reading.*
#
# A ReLU network is piecewise linear (Exercise 3 below asks why). With one input, each hidden unit
# $\mathrm{ReLU}(x - c)$ adds at most one kink, at $x = c$ (none if its output weight is 0), so a
# hidden layer of width $n$ has at most $n$ kinks and can draw a broken line of up to $n + 1$
# straight pieces. Take $n + 1$ evenly spaced points of $[-2, 2]$, put a kink at each but the last
# (the first unit's kink sits at $-2$, where the interval starts, so on $[-2, 2]$ the line has at
# most $n$ pieces), and choose the
# output weights so that the broken line passes through the values of a curve $f$ there: the
# network then follows $f$ between the points too, the closer the more units it has. We build
# these networks by hand (no training) for $f(x) = \sin 3x + x/2$. This $f$ is odd
# ($f(-x) = -f(x)$), so for an even width the points at $-h$, $0$ and $h$ lie on one line: the
# unit with its kink at 0 gets output weight 0 and the line has $n - 1$ pieces. The figure
# therefore draws odd widths, where you can count $n$ pieces.

# %%
def relu_interpolant(f, width, lo=-2.0, hi=2.0):
    """1 -> width -> 1 ReLU network through f at width + 1 evenly spaced points of [lo, hi]."""
    knots = np.linspace(lo, hi, width + 1)
    slopes = np.diff(f(knots)) / np.diff(knots)  # of the broken line, piece by piece
    hidden, output = nl.Linear(1, width), nl.Linear(width, 1)
    hidden.W.data[:] = 1.0
    hidden.b.data[:] = -knots[:-1]  # unit k computes ReLU(x - knot_k): a kink at knot_k
    output.W.data[0] = np.concatenate([slopes[:1], np.diff(slopes)])  # each kink's change of slope
    output.b.data[:] = f(knots[:1])
    return nl.Sequential(hidden, nl.ReLU(), output)


def curve(x):
    return np.sin(3 * x) + x / 2


grid = np.linspace(-2, 2, 1001)[:, None]
for width in [2, 4, 8, 16, 32, 64]:
    error = np.max(np.abs(relu_interpolant(curve, width)(grid) - curve(grid)))
    print(f"width {width:2}: largest error on [-2, 2] {error:.4f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(grid, curve(grid), color=nlplot.BLACK, lw=2.5, label="f(x) = sin 3x + x/2")
for width, color in zip([3, 5, 15], [nlplot.VERMILLION, nlplot.ORANGE, nlplot.BLUE]):
    ax.plot(grid, relu_interpolant(curve, width)(grid), color=color, lw=1.3,
            label=f"one hidden layer, width {width}")
ax.set(xlabel="x", ylabel="output", title="Wider hidden layers follow the curve more closely")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()

# %% [markdown]
# Doubling the width divides the largest error by about 4 (printed above: from width 16 to 32 and
# from 32 to 64). This is the idea behind the **universal approximation theorem** (Cybenko 1989
# for sigmoids; Leshno et al. 1993 for every activation that is not a polynomial, ReLU included;
# d2l 5.1): a network with **one** hidden layer, wide enough, approximates any continuous function
# on a closed and bounded (compact) region as closely as we like. It says nothing about two things
# that matter in practice: whether training *finds* such weights (here we placed them by hand),
# and how many units it takes (with many inputs, the number can grow so fast that one layer is
# impractical, one reason networks are made deeper). A linear stack gets nothing from width: it
# stays one straight line.
#
# **Explore.** Toggle the activation between the identity (a purely linear stack) and ReLU, and
# change the width $w$ of the hidden layers. The explorer's networks have `make_net`'s shape, two
# hidden layers of $w$ units each: 2 -> $w$ -> $w$ -> 2. However wide the linear stack, its
# boundary stays a line; the ReLU network's boundary is made of straight pieces, and with more
# units it can bend more often (here training, not our hand, places the pieces).
# The explorer trains its own networks on another sample of 200 moons and reports the accuracy on
# those same training points, so its percentages are not comparable with the validation accuracies
# above.

# %%
from nnlesson.viz.explorers import nonlinearity_explorer

nonlinearity_explorer()

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** What to do live in a lab: in the explorer the identity network stays at 88-89%
# for every width from 2 to 32, while ReLU gives 89% at width 2 and 100% from width 4 on (training
# accuracy on the explorer's 200 moons, seed 0). Let students find the smallest ReLU width that separates the moons
# before you tell them, then ask why width 2 is not enough: have them count the straight pieces of
# the width-2 boundary and compare with the number of bends the moons need.

# %% [markdown]
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - $W_2 (W_1 x + b_1) + b_2 = (W_2 W_1) x + (W_2 b_1 + b_2)$: stacked linear layers collapse into one.
# - Depth without nonlinearity adds parameters but no expressive power: the decision boundary stays
#   a hyperplane.
# - An elementwise nonlinearity (ReLU, sigmoid, tanh, ...) between layers breaks the collapse and
#   lets the network represent bent boundaries (for ReLU, piecewise linear) that can approximate
#   curves.
# - One hidden layer of ReLUs, wide enough, approximates any continuous function on a closed and
#   bounded (compact) region (the universal approximation theorem): once the hand-built network
#   was wide enough to follow the curve (16, 32, 64 units), doubling its width divided its error
#   by about 4. The theorem does not say that training finds those weights.
#
# ## Exercises
#
# *Time: about 41 min (reading 1 min + exercises 40 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it. They get harder as they go.
#
# **Exercise 1 (code, 10 min).** Write `collapse(W1, b1, W2, b2)` returning the `(W, b)` of the single
# layer that computes the same function as layer 1 followed by layer 2.

# %%
def collapse(W1, b1, W2, b2):
    ### BEGIN SOLUTION
    return W2 @ W1, W2 @ b1 + b2
    ### END SOLUTION


checks.check_collapse(collapse)
### BEGIN HIDDEN TESTS
assert checks.check_collapse(collapse, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (short answer, 5 min).** Would inserting $h \mapsto 2h$ (multiply by two) between the
# layers help the linear stack? Why or why not?

# %% [markdown]
# ### BEGIN SOLUTION
# No: multiplying by 2 is itself linear, so the whole stack is still one linear map. The activation
# has to be nonlinear.
# ### END SOLUTION

# %% [markdown]
# **Exercise 3 (short answer, 5 min).** A network with ReLU activations is not a linear function of
# its input, but it is *piecewise* linear. Explain why: on which regions of input space is it
# linear, and what changes between one region and the next?

# %% [markdown]
# ### BEGIN SOLUTION
# On a region of input space where the pattern of active ReLUs (which units have a positive input)
# does not change, each ReLU acts either as the identity (active) or as 0 (inactive), both linear
# maps; the network is then a stack of linear layers, which collapses into one linear layer
# (Exercise 1). The regions are bounded by the hyperplanes where some unit's input is 0: crossing
# one switches that unit on or off, which changes the collapsed $W$ and $b$, so the slope changes
# there (the function stays continuous, since the unit's output is 0 on the boundary). Many small
# linear pieces can approximate a curved boundary.
# ### END SOLUTION

# %% [markdown]
# **Exercise 4 (code, several steps, 20 min).** A linear stack with 2 inputs and 2 classes predicts
# class 0 where its score $z_0$ is larger than $z_1$, so its decision boundary is the set where
# $z_0 = z_1$. Write `boundary_line(layers)`, where `layers` is a list `[(W1, b1), (W2, b2), ...]`,
# that returns `(slope, intercept)` of that boundary written as the line
# $x_2 = \text{slope} \cdot x_1 + \text{intercept}$. Steps: collapse the whole list into one
# `(W, b)` (your `collapse` helps), write $z_0 = z_1$ as one linear equation in $x_1, x_2$, and
# solve it for $x_2$. The cell then draws your line over the regions of the linear stack trained
# above: compare it with the expected output.

# %%
def boundary_line(layers):
    ### BEGIN SOLUTION
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = collapse(W, b, W_next, b_next)
    d, c = W[0] - W[1], b[0] - b[1]  # z0 - z1 = d . x + c
    return -d[0] / d[1], -c / d[1]
    ### END SOLUTION


checks.check_boundary_line(boundary_line)
# Your line for the linear stack trained above, over the regions it predicts: compare with the
# expected output (the line should run exactly along the border between the two colours)
try:
    slope, intercept = boundary_line([(layer.W.data, layer.b.data)
                                      for layer in nets["linear stack"]])
    ax = nlplot.plot_decision_boundary(nets["linear stack"], X_val, y_val, steps=300,
                                       title="boundary_line on the trained linear stack")
    limits = ax.get_xlim(), ax.get_ylim()
    ax.plot(limits[0], slope * np.array(limits[0]) + intercept, color=nlplot.BLACK, lw=2,
            label="your line")
    ax.set(xlim=limits[0], ylim=limits[1])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    plt.show()
except NotImplementedError:
    print("nothing to draw until boundary_line is written")
### BEGIN HIDDEN TESTS
assert checks.check_boundary_line(boundary_line, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## In PyTorch
#
# *Time: about 2 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). Two `torch.nn.Linear`
# layers with nothing between them are still one linear map, `W = W2 @ W1` and
# `b = W2 @ b1 + b2`; a `torch.nn.ReLU()` between them breaks the collapse:

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    torch.manual_seed(0)
    first, second = torch.nn.Linear(2, 8, dtype=torch.float64), torch.nn.Linear(8, 2, dtype=torch.float64)
    x = torch.randn(6, 2, dtype=torch.float64)
    with torch.no_grad():
        W = second.weight @ first.weight
        b = second.weight @ first.bias + second.bias
        stacked = second(first(x))
        with_relu = second(torch.relu(first(x)))
        print(f"two linear layers vs one: largest difference {(stacked - (x @ W.T + b)).abs().max():.2e}")
        print(f"with a ReLU between them: largest difference {(with_relu - (x @ W.T + b)).abs().max():.2f}")
