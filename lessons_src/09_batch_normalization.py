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
# # Lesson 9: Batch normalization
#
# *Time: about 94 min (reading 39 min + exercises 55 min).*
#
# **Learning goals.** After this lesson you can
# - write down what a batch-normalization layer computes, and why it has a learnable scale and shift,
# - explain the difference between training mode (batch statistics) and eval mode (running
#   averages), and why a batch of one cannot be normalised in training,
# - measure its effect on a deep network: the same network, the same budget, with and without it,
#   and the learning rates each tolerates,
# - say what goes wrong with very small batches,
# - state honestly what is known, and what is not, about *why* it works.

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
# only wait for each other (measured: without it, lessons 05 and 06 took 2.2x and 2.4x their
# quiet time on a 2-core machine running two other busy processes).
threadpool_limits(1, user_api="blas")

nlplot.use_style()
np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## What it computes
#
# *Time: about 3 min of reading.*
#
# A batch-normalization layer (Ioffe and Szegedy, 2015) sits between a linear layer and its
# activation. It receives a batch of $N$ examples with $d$ features, $x$ of shape $(N, d)$, and
# normalises **each feature over the batch**:
#
# $$ \mu_j = \frac{1}{N}\sum_{i=1}^N x_{ij}, \qquad
#    \sigma_j^2 = \frac{1}{N}\sum_{i=1}^N (x_{ij} - \mu_j)^2, \qquad
#    \hat x_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}} $$
#
# so that every feature has mean 0 and variance (almost) 1 in the batch; $\epsilon$ (here
# $10^{-5}$) keeps a constant feature from dividing by zero. Then it scales and shifts each feature
# with two **learnable** vectors $\gamma$ and $\beta$ of length $d$:
#
# $$ y_{ij} = \gamma_j \hat x_{ij} + \beta_j . $$
#
# Three features on very different scales, a batch of 200:

# %%
rng = np.random.default_rng(0)
x = rng.normal(loc=[5.0, -3.0, 0.0], scale=[4.0, 0.5, 1.0], size=(200, 3))
bn = nl.BatchNorm(3)
y = bn(x)
print("mean of each feature, before:", x.mean(axis=0), " after:", y.mean(axis=0))
print("std of each feature,  before:", x.std(axis=0), "  after:", y.std(axis=0))

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 3.0))
for ax, data, title in [(axes[0], x, "the batch x"), (axes[1], y, "after BatchNorm (gamma=1, beta=0)")]:
    ax.scatter(data[:, 0], data[:, 1], s=8, color=nlplot.BLUE)
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    ax.set_title(title)
    ax.set_xlim(-12, 20)
    ax.set_ylim(-8, 8)
    ax.set_aspect("equal")  # one unit is as long on both axes: the shapes are true
fig.suptitle("Each feature is shifted to mean 0 and scaled to variance 1, over the batch")
plt.show()

# %% [markdown]
# Why $\gamma$ and $\beta$? Forcing every feature to mean 0 and variance 1 could take something
# away from the network (a sigmoid that only ever sees inputs near 0 is almost linear). With
# $\gamma_j = \sqrt{\sigma_j^2 + \epsilon}$ and $\beta_j = \mu_j$ the layer gives back its input
# exactly (for the batch whose $\mu_j$ and $\sigma_j^2$ these are, as the cell below shows on
# `x`; another batch in training mode has statistics of its own, and eval mode uses the running
# ones below), so the network loses nothing: it can learn to undo the normalisation where that
# helps.

# %%
bn.gamma.data[:] = np.sqrt(x.var(axis=0) + bn.eps)
bn.beta.data[:] = x.mean(axis=0)
undone = np.max(np.abs(bn(x) - x))
print(f"largest |y - x| with gamma = sqrt(var + eps), beta = mean: {undone:.2e}")

# %% [markdown]
# ## Training mode and eval mode
#
# *Time: about 4 min of reading.*
#
# In training mode the statistics come from the batch, so an example's output depends on the other
# examples in its batch. After training we want a prediction that depends on the example alone,
# even for a single example. So the layer keeps **running averages** of the batch statistics
# during training and uses them in eval mode:
#
# $$ \text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} + m\,\mu, \qquad
#    \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} + m\,\frac{N}{N-1}\sigma^2 $$
#
# with momentum $m = 0.1$ by default. This is PyTorch's convention, including the unbiased
# variance $\frac{N}{N-1}\sigma^2$ for the running average (Keras calls $1 - m$ its momentum).

# %%
bn = nl.BatchNorm(3)
example = x[:1]
in_batch_a = bn(np.vstack([example, x[1:20]]))[0]
in_batch_b = bn(np.vstack([example, x[100:120]]))[0]
print("training mode, same example in two batches:", in_batch_a, in_batch_b)
bn.eval()
print("eval mode, alone and inside a batch:       ", bn(example)[0], bn(x[:20])[0])
print("running mean and variance after 2 batches: ", bn.running_mean, bn.running_var)

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: in training mode the same example gives two different
# outputs in two batches ([0.094, -0.194, 0.601] and [0.006, 0.134, 0.851] above), and many read
# that as a bug. Ask them to say which numbers in the formula for $\hat x$ depend on the *other*
# examples ($\mu_j$ and $\sigma_j^2$). Keep this in mind for exercise 4, which asks about a model
# evaluated in the wrong mode on whole batches (the lesson shows below why one image at a time
# fails; the batched case is the exercise): do not give its answer away here.

# %% [markdown]
# In its first two features the eval-mode output above is far from the training-mode outputs of
# the same example (which were normalised by statistics near the data's), and that is not a bug:
# the layer has seen only 2 training batches, so its running averages (printed last) give only
# $1 - 0.9^2 = 19\%$ of their weight to those two batches' statistics and 81% to their starting
# values, mean 0 and variance 1. Those are far from the first two features' statistics (means
# 4.747 and -2.98, stds 4.055 and 0.499, printed at the top) but already close to the third's
# (mean -0.045, std 0.975): in feature 3 the eval output, 0.645, lies between the two
# training-mode outputs. The running averages move towards the data's statistics with every
# training batch. With momentum $m$ the starting value still weighs $(1-m)^t$ after $t$ batches: about $0.9^{20} = 0.12$ after 20 batches for $m = 0.1$.

# %%
stream = np.random.default_rng(1)
steps = np.arange(1, 61)
fig, ax = plt.subplots(figsize=(7, 3.6))
for momentum, color in [(0.02, nlplot.ORANGE), (0.1, nlplot.BLUE), (0.5, nlplot.GREEN)]:
    bn = nl.BatchNorm(1, momentum=momentum)
    trace = []
    for _ in steps:
        bn(stream.normal(4.0, 2.0, size=(16, 1)))
        trace.append(bn.running_mean[0])
    ax.plot(steps, trace, color=color, label=f"momentum {momentum}")
ax.axhline(4.0, color=nlplot.BLACK, ls="--", lw=1, label="true mean 4")
ax.set_xlabel("training batch (16 examples each)")
ax.set_ylabel("running mean")
ax.set_title("Running mean of one feature: slow and smooth, or fast and noisy")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# A small momentum averages over many batches (smooth, but slow to start); a large one follows the
# last few batches (fast, but noisy).
#
# A batch of **one** cannot be normalised in training mode: its variance is 0 and every feature
# would become 0. `nl.BatchNorm` refuses it with a clear message:

# %%
try:
    nl.BatchNorm(3)(x[:1])
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# ## The backward pass
#
# *Time: about 1 min of reading.*
#
# The parameters are the easy part: $y_{ij} = \gamma_j \hat x_{ij} + \beta_j$ gives
#
# $$ \frac{\partial L}{\partial \gamma_j} = \sum_i \frac{\partial L}{\partial y_{ij}} \hat x_{ij},
#    \qquad \frac{\partial L}{\partial \beta_j} = \sum_i \frac{\partial L}{\partial y_{ij}} . $$
#
# The input is harder. Every $x_{kj}$ reaches the loss three ways: through its own $\hat x_{kj}$,
# and through $\mu_j$ and $\sigma_j^2$, which all examples of the batch share. Summing the three
# paths gives a compact form that needs only $\hat x$ and $s_j = 1/\sqrt{\sigma_j^2 + \epsilon}$
# from the forward pass; exercise 3 derives it. `nl.BatchNorm` implements it, and gradient
# checking agrees:

# %%
print(nl.gradcheck(nl.BatchNorm(3), x[:8], tol=1e-7, rng=1))

# %% [markdown]
# ## A deep network with and without batch normalization
#
# *Time: about 15 min (reading 12 min + exercises 3 min).*
#
# The same network twice: 8 hidden layers of 32 ReLU units on the 8x8 digits (the image counts
# are printed below), plain SGD, 7 epochs of batches of 32. The only difference: one has
# a `BatchNorm` between each `Linear` and its `ReLU`. We try six learning rates, from 0.01 to 3,
# each on 5 seeds
# (the seed sets the weights and the order of the batches). A run that diverged (`nl.fit` stops
# it when a loss becomes NaN or infinite, or an epoch's loss grows past 100 times that of epoch
# 1) counts as an infinite loss: it is marked, not hidden; the median line is over the runs that
# finished. The "final training loss" is `History.train_loss` of the last epoch: the mean of that
# epoch's mini-batch losses, recorded while the weights still moved (and, for the BatchNorm
# network, with batch statistics). It is not the loss of the final model in eval mode, but it is
# measured the same way for both networks, which is what this comparison needs.

# %%
X, y = nl.load_digits()
(X_train, y_train), (X_val, y_val) = nl.train_val_split(X, y, val_fraction=0.3, rng=0)
X_train, y_train = X_train[:600], y_train[:600]
print(f"{len(X_train)} training images, {len(X_val)} validation images")

SEEDS = range(5)
LEARNING_RATES = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
EPOCHS = 7


def deep_net(batch_norm, seed, depth=8, width=32):
    """64 -> (Linear [-> BatchNorm] -> ReLU) x depth -> 10."""
    rng = np.random.default_rng(seed)
    layers, n_in = [], 64
    for _ in range(depth):
        norm = [nl.BatchNorm(width)] if batch_norm else []
        layers += [nl.Linear(n_in, width, rng=rng), *norm, nl.ReLU()]
        n_in = width
    return nl.Sequential(*layers, nl.Linear(n_in, 10, rng=rng))


def train(batch_norm, lr, seed, *, data=(X_train, y_train), epochs=EPOCHS, batch_size=32):
    """The trained model and its History, or None if fit stopped it as diverged."""
    model = deep_net(batch_norm, seed)
    try:
        history = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=lr),
                         data, epochs=epochs, batch_size=batch_size, rng=100 + seed)
    except FloatingPointError:
        return None
    return model, history  # fit leaves the model in eval mode


runs = {(bn, lr, seed): train(bn, lr, seed)
        for bn in (False, True) for lr in LEARNING_RATES for seed in SEEDS}


def final_losses(bn, lr):
    """Final training loss of each seed; inf for a run that diverged."""
    return np.array([np.inf if runs[bn, lr, s] is None else runs[bn, lr, s][1].train_loss[-1]
                     for s in SEEDS])


CHANCE = np.log(10)  # the loss of a network that gives every digit probability 1/10
# Counts, not losses: at the larger learning rates we expect the final losses to differ a little
# from one CPU to another (see the text below the table).
BINS = ["<1.0", "1.0-2.25", "chance", ">chance", "diverged"]


def outcome(loss):
    """The range a final loss falls in; 'chance': within 0.05 of ln 10; '>chance': finite, above."""
    if not np.isfinite(loss):
        return "diverged"
    if abs(loss - CHANCE) < 0.05:
        return "chance"
    return "<1.0" if loss < 1.0 else "1.0-2.25" if loss < CHANCE else ">chance"


print(f"final training loss after {EPOCHS} epochs: how many of the 5 seeds ended below 1.0, "
      "between 1.0")
print(f"and 2.25, at the chance level (within 0.05 of ln 10 = {CHANCE:.2f}), above it, or diverged")
print(f"{'':>6}  {'without BatchNorm':^44}    {'with BatchNorm':^44}")
print(f"{'lr':>6}  " + "    ".join(" ".join(f"{b:>8}" for b in BINS) for _ in range(2)))
for lr in LEARNING_RATES:
    cells = []
    for bn in (False, True):
        found = [outcome(loss) for loss in final_losses(bn, lr)]
        cells.append(" ".join(f"{found.count(b):>8}" for b in BINS))
    print(f"{lr:>6}  {cells[0]}    {cells[1]}")

# %% [markdown]
# The table counts runs instead of printing their losses. Large steps can amplify a tiny
# difference, such as the last bit of one product, step after step (a later section shows a tiny
# difference growing, with batches of two). Different CPUs round sums of products slightly differently, so
# we expect the final losses at the largest learning rates, such as 3 with BatchNorm, to differ a
# little from one computer to another (the second figure below, over every learning rate, drawn
# on your computer, may differ a little from your neighbour's). The range a run ends in should
# not (only a run that ends near the edge of a range could cross it).
#
# The loss curves at the same learning rate, 0.1 (the line is the median of the 5 seeds, the band
# their range):

# %%
LR_CURVES = 0.1
epochs = np.arange(1, EPOCHS + 1)
fig, ax = plt.subplots(figsize=(7, 3.8))
for bn, color, label in [(False, nlplot.VERMILLION, "without BatchNorm"),
                         (True, nlplot.BLUE, "with BatchNorm")]:
    curves = np.array([runs[bn, LR_CURVES, s][1].train_loss for s in SEEDS])
    ax.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=color, alpha=0.2, lw=0)
    ax.plot(epochs, np.median(curves, axis=0), color=color, label=label)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (cross-entropy)")
ax.set_title(f"8 hidden layers, lr = {LR_CURVES}: median and range over 5 seeds")
ax.legend(loc="upper right")
plt.show()

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
for bn, color, label in [(False, nlplot.VERMILLION, "without BatchNorm"),
                         (True, nlplot.BLUE, "with BatchNorm")]:
    losses = np.array([final_losses(bn, lr) for lr in LEARNING_RATES])  # (lrs, seeds)
    some = np.isfinite(losses).any(axis=1)  # learning rates where at least one seed finished
    finite = [row[np.isfinite(row)] for row in losses[some]]
    lrs = np.array(LEARNING_RATES)[some]
    ax.fill_between(lrs, [r.min() for r in finite], [r.max() for r in finite],
                    color=color, alpha=0.2, lw=0)
    ax.plot(lrs, [np.median(r) for r in finite], "o-", color=color, label=label)
    diverged = np.isinf(losses).sum(axis=1)
    for lr, count in zip(LEARNING_RATES, diverged):
        if count:
            ax.annotate(f"{count}/5\ndiverged", (lr, CHANCE), xytext=(0, 12),
                        textcoords="offset points", ha="center", color=color, fontsize=9)
ax.axhline(CHANCE, color=nlplot.BLACK, ls="--", lw=1, label="chance level (ln 10)")
ax.set_xscale("log")
ax.set_ylim(0, 3.3)
ax.set_xlabel("learning rate")
ax.set_ylabel(f"training loss after {EPOCHS} epochs")
ax.set_title("Which learning rates each network tolerates (5 seeds)")
fig.legend(loc="outside lower center", ncols=3)
plt.show()


def best_lr(bn):
    return min(LEARNING_RATES, key=lambda lr: np.median(final_losses(bn, lr)))


def tolerated(bn, level=1.0):
    """The learning rates at which every seed ends below ``level``."""
    return [lr for lr in LEARNING_RATES if np.all(final_losses(bn, lr) < level)]


for bn, name in [(False, "without"), (True, "with")]:
    best = final_losses(bn, best_lr(bn))
    print(f"{name} BatchNorm: best lr {best_lr(bn)}, final loss median {np.median(best):.2f} "
          f"[{best.min():.2f}, {best.max():.2f}]; all 5 seeds below 1.0 at lr {tolerated(bn)}")

# %% [markdown]
# **Think! (3 min).** At which learning rates does each network end below a loss of 1.0 on all 5
# seeds? What happens to the network without BatchNorm as the learning rate grows?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# With BatchNorm: at 0.1, 0.3 and 1.0 (printed under the figure), best at 0.3 (median 0.33,
# range 0.25 to 0.41: the seeds agree); at 0.01 and 0.03 (too small a step for 7 epochs) and at
# 3.0 all 5 seeds end between 1.0 and 2.25, and none diverged. Without BatchNorm: at none of them.
# At its best learning rate of those tried, 0.1, 2 of 5 seeds end below 1.0 (median 1.21, range
# 0.91 to 1.46); below it the steps are too small for 7 epochs: 1 seed ends below 1.0 at 0.03,
# none at 0.01; at 0.3 none, and two already sit at the chance level; at 1.0 three seeds sit at
# the chance level $\ln 10 \approx 2.3$ and two diverge, and all 5 diverge at 3.0. Its wide range
# says that its result depends a lot on the seed.
# ### END SOLUTION

# %% [markdown]
# Both networks are the same apart from `BatchNorm`, and they had the same budget. In the table
# and plots above, the network with batch normalization reaches a lower training loss at its best
# learning rate than the network without reaches at its own, its seeds agree more closely, and it
# keeps training at learning rates where the plain network stalls at the chance level or diverges.
# The price: the network now behaves differently in training and in eval mode, and, as the next
# section shows, it depends on the size of its batches.
#
# ## Batch size matters
#
# *Time: about 10 min (reading 8 min + exercises 2 min).*
#
# The batch statistics are *estimates* of the statistics of the data, and small batches make
# noisy estimates: the standard deviation of a batch mean is $\sigma/\sqrt{N}$. In the extreme
# case $N = 2$, $\hat x$ is $\pm 1$ for each feature whatever the two inputs are (up to $\epsilon$):
# the layer only passes on *which* of the two examples is larger.

# %%
print("BatchNorm of a batch of two:", nl.BatchNorm(3)(x[:2]))

# %% [markdown]
# We train both networks again with batches of 2, 16 and 32 on the same budget: 4 passes over 300
# training images, learning rate 0.05, 5 seeds, and measure the accuracy on the validation set in
# eval mode (running statistics for the BatchNorm network). At the chance level the exact accuracy
# is luck, so the table says "chance level" when every seed stays below 25%. The same budget in
# passes is not the same number of steps: with small batches the network takes many more (counted
# below the table), each from a noisier gradient. So compare the two networks at each batch size,
# not one batch size with another.

# %%
BATCH_SIZES = [2, 16, 32]
small = (X_train[:300], y_train[:300])


def after_4_epochs(bn, batch_size, seed):
    """The validation accuracy, and the training loss of the 4th epoch."""
    model, history = train(bn, 0.05, seed, data=small, epochs=4, batch_size=batch_size)
    # eval mode: BatchNorm uses its running statistics; the training loss is measured in
    # training mode, on the batches the network learns from
    return nl.accuracy(model(X_val), y_val), history.train_loss[-1]


results = {(bn, b): np.array([after_4_epochs(bn, b, s) for s in SEEDS])
           for bn in (False, True) for b in BATCH_SIZES}
val_accuracy = {key: r[:, 0] for key, r in results.items()}


def accuracy_range(v):
    # at the chance level the training of the BatchNorm network is chaotic (shown below): its
    # exact accuracies can differ from one CPU to another, the fact that all stay near 10% does not
    if v.max() < 0.25:
        return "chance level"
    return f"{np.median(v):.0%} [{v.min():.0%}, {v.max():.0%}]"


print("validation accuracy, median [min, max] over 5 seeds")
for b in BATCH_SIZES:
    cells = [accuracy_range(val_accuracy[bn, b]) for bn in (False, True)]
    print(f"batch {b:>2}: without BatchNorm {cells[0]:>16}, with BatchNorm {cells[1]:>16}")
print("SGD steps in the 4 epochs:", ", ".join(
    f"batch {b}: {4 * int(np.ceil(len(small[0]) / b))}" for b in BATCH_SIZES))
# (these runs are chaotic, see below: their exact losses can differ between CPUs, so only the band)
near_chance = np.all(np.abs(results[True, 2][:, 1] - CHANCE) < 0.2)
print(f"with BatchNorm, batches of 2: the training loss of the 4th epoch (training mode) is within "
      f"0.2 of ln 10 = {CHANCE:.2f}, the loss of guessing 1 in 10, on all 5 seeds: {near_chance}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
for bn, color, shift, label in [(False, nlplot.VERMILLION, -0.04, "without BatchNorm"),
                                (True, nlplot.BLUE, 0.04, "with BatchNorm")]:
    for i, b in enumerate(BATCH_SIZES):
        ax.scatter(np.full(5, i + shift), val_accuracy[bn, b], color=color, s=18,
                   label=label if i == 0 else None)
ax.axhline(0.1, color=nlplot.BLACK, ls="--", lw=1, label="chance level (1 in 10)")
ax.set_xticks(range(len(BATCH_SIZES)), [f"batch of {b}" for b in BATCH_SIZES])
ax.set_ylim(0, 1)
ax.set_xlabel("batch size (BatchNorm's statistics come from each batch)")
ax.set_ylabel("validation accuracy")
ax.set_title("Same budget (4 epochs), different batch sizes: one dot per seed")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# **Think! (2 min).** With batches of 2 the BatchNorm network stays at the chance level on every
# seed, while the plain network learns something. Why? Use the printed BatchNorm of a batch of two.

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# For a batch of two, BatchNorm turns every feature into about $+1$ for the larger example and $-1$
# for the smaller one, whatever their values (printed: [0.997, 1, 1] and [-0.997, -1, -1]). The
# layers after it only learn which of the two examples was larger, not how large the features are.
# And the layers below it hardly learn: $\hat x = d/\sqrt{d^2 + \epsilon}$, with $d$ half the
# difference of the two inputs, barely moves when $d$ moves (its slope, $\epsilon/(d^2 +
# \epsilon)^{3/2}$, is below 0.01 once $|d| > 0.1$, for $\epsilon = 10^{-5}$), so almost no gradient
# passes back through it. Both are reasons why the network learns nothing useful about the
# digits in our runs (lr 0.05, 4 epochs): every seed stays at the chance level
# (below 25% in the table; guessing gets 10%). That is not only the switch to running statistics
# in eval mode: even in training mode, on its own batches of two, the training loss stays at
# about $\ln 10$, the loss of guessing (printed under the table), so it has not fitted its
# training images either. The plain network has no such step and reaches 22% to 57%. With batches of 16 and 32 the batch statistics are meaningful and the BatchNorm network
# is ahead on every seed (60% to 65% against 18% to 52% with 16, 43% to 50% against 18% to 28%
# with 32).
# ### END SOLUTION

# %% [markdown]
# With batches of 16 and 32 the BatchNorm network is ahead on every seed; with batches of 2 it
# stays at the chance level in these runs while the plain network learns something. Batch normalization needs
# batches large enough for their statistics to mean something. With tiny batches its training is
# also *chaotic*: a change in the last bits grows into a different run. To see it, multiply one
# initial weight by $1 + 10^{-15}$ (a change in its last bits) and train the BatchNorm network
# again, on 3 seeds:

# %%
def nudged_final_loss(seed, batch_size, nudge):
    """The final training loss of the BatchNorm run above, one initial weight times 1 + nudge."""
    model = deep_net(True, seed)
    model.parameters()[0].data[0, 27] *= 1 + nudge  # the weight from a central pixel
    history = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.05), small,
                     epochs=4, batch_size=batch_size, rng=100 + seed)
    return history.train_loss[-1]


# the runs without the nudge are those of the table above (the same network, seed and batches):
# their final training losses are in `results`, so only the nudged runs are new
nudge_moves = {b: np.array([abs(nudged_final_loss(s, b, 1e-15) - results[True, b][s, 1])
                            for s in range(3)]) for b in (2, 32)}
# bands, not the exact changes: these depend on how the CPU rounds (see below)
for b, moved in nudge_moves.items():
    print(f"batches of {b:>2}: the final loss moved by more than 0.001 on {np.sum(moved > 1e-3)} "
          f"of 3 seeds, by less than 1e-12 on {np.sum(moved < 1e-12)} of 3")

# %% [markdown]
# With batches of 2, a change in the last bits of one weight out of thousands moves the final
# loss by more than 0.001 on each of the 3 seeds tried; with batches of 32 the loss stays the
# same to round-off.
# The comparison is at equal epochs, not equal steps: batches of 2 take 600 SGD steps in the 4
# epochs, batches of 32 take 40 (printed under the table), and each step gives a small difference
# another chance to grow, so this test does not tell the batch size and the number of steps apart.
# Two CPUs
# that round a sum differently make such changes too, so the exact accuracies of those runs can
# differ from one computer to another (which is why the table prints only "chance level" for
# them).
#
# Two more facts about BatchNorm in practice. Because the statistics of each batch are noisy, an
# example's output in training depends on which other examples share its batch: a kind of noise
# that acts somewhat like a regulariser (we have not measured that here). And where it goes is a
# convention: the original paper, and this lesson, put it between the linear layer and the
# activation; putting it after the activation is also common.
#
# ## Layer normalization: the same, over the features
#
# *Time: about 2 min of reading.*
#
# **Layer normalization** (Ba et al., 2016) normalises each *example* over its $d$ features,
# instead of each feature over the batch: the same formula with the sums over $j$ instead of $i$,
#
# $$ \mu_i = \frac{1}{d}\sum_{j=1}^d x_{ij}, \qquad
#    \sigma_i^2 = \frac{1}{d}\sum_{j=1}^d (x_{ij} - \mu_i)^2, \qquad
#    y_{ij} = \gamma_j \frac{x_{ij} - \mu_i}{\sqrt{\sigma_i^2 + \epsilon}} + \beta_j , $$
#
# still with one $\gamma_j$ and $\beta_j$ per feature. It needs no batch at all: no running
# averages, no difference between training and eval mode, and it works on a batch of one. That is
# why it, not BatchNorm, is used in transformers and recurrent networks, where batches are small or
# examples have different lengths. `nl.LayerNorm` computes it (you write BatchNorm's forward
# yourself in Exercise 1; LayerNorm's code follows from it, which makes a good extension):

# %%
layer_norm = nl.LayerNorm(3)  # gamma starts at 1 and beta at 0, as in nl.BatchNorm
print("LayerNorm, the first example alone:   ", layer_norm(x[:1])[0])
print("LayerNorm, the same inside a batch:   ", layer_norm(x[:20])[0])
print("mean and std of each row (3 examples):", layer_norm(x[:3]).mean(axis=1),
      layer_norm(x[:3]).std(axis=1))

# %% [markdown]
# The output of an example is the same alone and inside a batch: it depends on that example only.
# Group normalization (Wu and He, 2018) sits between the two, normalising groups of features of
# each example. (With only 3 features, as here, each row is normalised over 3 numbers: layer
# normalization makes sense when each example has many features, like a hidden layer's.)
#
# ## Why does it work? An open question, stated honestly
#
# *Time: about 3 min of reading.*
#
# - **Internal covariate shift.** The original paper (Ioffe and Szegedy, 2015) argued that each
#   layer's input distribution keeps changing as the layers below it learn, and that fixing its
#   mean and variance removes this "internal covariate shift". Its title names this idea.
# - **Evidence against that explanation.** Santurkar et al. (2018, "How does batch normalization
#   help optimization?") added random noise *after* each BatchNorm, so that the distributions
#   shifted even more than in the network without BatchNorm, and the network still trained
#   about as well. They measured
#   that BatchNorm makes the loss and its gradient change more smoothly from step to step, which
#   allows larger steps. Bjorck et al. (2018) likewise found that the benefit comes mostly from the
#   larger learning rates it permits.
# - **Scale invariance.** The output of a BatchNorm does not change when the weights before it are
#   multiplied by a positive number (the normalisation divides it out), and their gradient shrinks by
#   that number. Arora et al. (2019) showed that this tunes the effective step size automatically.
#   You can check the invariance yourself:

# %%
rng = np.random.default_rng(2)
linear, norm = nl.Linear(3, 4, rng=rng), nl.BatchNorm(4)
batch, dout = rng.standard_normal((16, 3)), rng.standard_normal((16, 4))
for scale in [1.0, 10.0]:
    linear.W.data *= scale
    out = norm(linear(batch))
    linear.backward(norm.backward(dout))
    print(f"weights x{scale:>4}: output[0] = {out[0]}, |dL/dW| = {np.linalg.norm(linear.W.grad):.4f}")

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A good extension question: the gradient norm fell from 9.11 to 0.911 when the
# weights were multiplied by 10, while the output did not change. By how much does one SGD step
# change the weights *relative to their size* after the scaling? (The step is 10 times smaller and
# the weights 10 times larger: 100 times smaller relative change.) This is the automatic tuning of
# the effective step size that Arora et al. analyse.

# %% [markdown]
# (The bias of the linear layer before a BatchNorm is useless too: the mean subtraction removes
# it, and its gradient is 0, since the gradient a BatchNorm passes back sums to 0 over the batch,
# $\sum_k \partial L/\partial x_{kj} = 0$ (your exercise 3 can confirm it).
# That is why networks with BatchNorm often drop it.) What our experiment above showed is the part
# everyone agrees on: with BatchNorm a deep network trains at larger learning rates. Why exactly
# is still debated.
#
# References: S. Ioffe and C. Szegedy, *Batch Normalization: Accelerating Deep Network Training by
# Reducing Internal Covariate Shift*, ICML 2015. S. Santurkar, D. Tsipras, A. Ilyas and A. Madry,
# *How Does Batch Normalization Help Optimization?*, NeurIPS 2018. J. Bjorck, C. Gomes, B. Selman
# and K. Weinberger, *Understanding Batch Normalization*, NeurIPS 2018. S. Arora, Z. Li and
# K. Lyu, *Theoretical Analysis of Auto Rate-Tuning by Batch Normalization*, ICLR 2019.
# J. L. Ba, J. R. Kiros and G. E. Hinton, *Layer Normalization*, 2016. Y. Wu and K. He, *Group
# Normalization*, ECCV 2018. D2L, section 8.5 (Batch Normalization).
#
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - BatchNorm normalises each feature over the batch to mean 0 and variance 1, then applies a
#   learnable scale $\gamma$ and shift $\beta$ (which can undo the normalisation).
# - Training mode uses the batch's statistics and updates running averages with a momentum;
#   eval mode uses the running averages, so a prediction depends on its example alone.
# - Its backward has a compact form that needs only $\hat x$ and $1/\sqrt{\sigma^2 + \epsilon}$.
# - On our deep network it allowed larger learning rates and, each network at its own best learning
#   rate of the grid tried (0.01 to 3; the plain network's best, 0.1, lies inside it), reached
#   a lower loss on the same budget, on every seed; with batches of 2 (in our runs: lr 0.05,
#   4 epochs, 300 images) it stayed at the chance level on every seed.
# - Why it helps is debated: the original "internal covariate shift" story is contested; a
#   smoother loss landscape and automatic tuning of the step size are the main alternatives.
# - Layer normalization normalises each example over its features instead: it does not depend on
#   the batch, and behaves the same in training and eval mode.
#
# ## Exercises
#
# *Time: about 51 min (reading 1 min + exercises 50 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it.
#
# **Exercise 1 (code, 10 min).** Write the training-mode forward pass. `my_batchnorm_forward(x, gamma, beta,
# eps)` takes `x` of shape `(N, d)` and returns `y` of the same shape.

# %%
def my_batchnorm_forward(x, gamma, beta, eps=1e-5):
    ### BEGIN SOLUTION
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return gamma * xhat + beta
    ### END SOLUTION


checks.check_batchnorm_forward(my_batchnorm_forward)
### BEGIN HIDDEN TESTS
assert checks.check_batchnorm_forward(my_batchnorm_forward, quiet=True)
### END HIDDEN TESTS

# Your forward on the batch of the first section, with the learnable scale and shift set by hand
# (The picture appears once your function is written.)
settings = [(np.ones(3), np.zeros(3)), (np.array([2.0, 0.5, 1.0]), np.array([3.0, -2.0, 0.0]))]
try:
    outputs = [my_batchnorm_forward(x, gamma, beta) for gamma, beta in settings]
except NotImplementedError:
    outputs = []
if outputs:
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharex=True, sharey=True)
    for ax, (gamma, beta), out in zip(axes, settings, outputs):
        ax.scatter(out[:, 0], out[:, 1], s=8, color=nlplot.BLUE)
        ax.set_title(f"gamma = {gamma[:2]}, beta = {beta[:2]}", fontsize=10)
        ax.set_xlabel("feature 1")
        ax.set_aspect("equal")
    axes[0].set_ylabel("feature 2")
    axes[0].set_xlim(-6, 10)
    axes[0].set_ylim(-6, 4)
    fig.suptitle("Your BatchNorm forward (first two features of each output)")
    plt.show()

# %% [markdown]
# **Exercise 2 (code, 10 min).** Write the update of the running statistics after one training batch `x`:
# `my_running_update(running_mean, running_var, x, momentum)` returns the new
# `(running_mean, running_var)`, with the convention of this lesson.

# %%
def my_running_update(running_mean, running_var, x, momentum):
    ### BEGIN SOLUTION
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return new_mean, new_var
    ### END SOLUTION


checks.check_running_update(my_running_update)
### BEGIN HIDDEN TESTS
assert checks.check_running_update(my_running_update, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3 (code, 25 min).** Derive and write the training-mode backward pass.
# `my_batchnorm_backward(dout, xhat, inv_std, gamma)` takes $\partial L/\partial y$ of shape
# `(N, d)`, the normalised input $\hat x$, $s = 1/\sqrt{\sigma^2 + \epsilon}$ of shape `(d,)` and
# $\gamma$, and returns `(dx, dgamma, dbeta)`. Steps: with
# $g = \partial L/\partial \hat x = \gamma\, \partial L/\partial y$, find
# $\partial L/\partial \sigma_j^2$, then $\partial L/\partial \mu_j$ (it has a term through
# $\sigma_j^2$, which depends on $\mu_j$; that term turns out to be 0: why?), then add the three paths to each $x_{kj}$. Any correct
# form passes the check, the long one or a simplified one. The function does not get $x$: where
# the long form needs $x - \mu$, use $x - \mu = \hat x / s$.

# %%
def my_batchnorm_backward(dout, xhat, inv_std, gamma):
    ### BEGIN SOLUTION
    n = dout.shape[0]
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(axis=0) - xhat * np.sum(g * xhat, axis=0))
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)
    ### END SOLUTION


checks.check_batchnorm_backward(my_batchnorm_backward)
### BEGIN HIDDEN TESTS
assert checks.check_batchnorm_backward(my_batchnorm_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 4 (short answer, 5 min).** A colleague trains a network with BatchNorm, then evaluates it
# on the test set *in training mode* (one image at a time is refused, as the lesson showed), so
# she feeds the whole test set as one batch. What happens, and why? Would the predictions for the
# first 100 test images change if she fed those 100 as a batch of their own?

# %% [markdown]
# ### BEGIN SOLUTION
# With the whole test set as one batch the statistics come from the test set rather than from the
# running averages: the predictions depend on which other images are in the batch, and differ
# from those of eval mode, especially if the test set's statistics differ from the training
# set's. So yes, the first 100 images fed on their own get other statistics and can get other
# predictions (a prediction for one image changes when others are added or removed). The right
# way is `model.eval()`: then each image's prediction depends on that image alone.
# ### END SOLUTION

# %% [markdown]
# ## In PyTorch
#
# *Time: about 2 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). `torch.nn.BatchNorm1d`
# is `nl.BatchNorm`: the same formula, the same momentum convention (`momentum=0.1` in both),
# the unbiased batch variance in the running variance, `train()`/`eval()` alike:

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    rng = np.random.default_rng(0)
    bn = nl.BatchNorm(3, momentum=0.1)
    bn_torch = nl.to_torch(bn)  # a torch.nn.BatchNorm1d(3, momentum=0.1)
    for _ in range(3):
        xb = rng.normal(5.0, 2.0, size=(8, 3))
        out, out_torch = bn(xb), bn_torch(torch.from_numpy(xb)).detach().numpy()
    print(f"training mode, outputs: largest difference {np.max(np.abs(out - out_torch)):.2e}")
    print("running variance: nnlesson", ", ".join(f"{v:.4f}" for v in bn.running_var),
          "| torch", ", ".join(f"{v:.4f}" for v in bn_torch.running_var.numpy()))
    bn.eval()
    bn_torch.eval()
    print(f"eval mode, outputs: largest difference "
          f"{np.max(np.abs(bn(xb) - bn_torch(torch.from_numpy(xb)).detach().numpy())):.2e}")
