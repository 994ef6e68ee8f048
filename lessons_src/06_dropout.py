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
# # Lesson 6: Dropout
#
# *Time: about 80 min (reading 30 min + exercises 50 min).*
#
# **Learning goals.** After this lesson you can
# - describe dropout as noise injected into the hidden units during training,
# - state the unbiased rule $h' = 0$ with probability $p$, $h / (1 - p)$ otherwise, and show that it
#   preserves the expected value,
# - explain why dropout is turned off at test time, and show its effect against over-fitting,
# - use Monte-Carlo dropout to estimate how uncertain a prediction is.

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
# ## Dropout as noise injection
#
# *Time: about 3 min of reading.*
#
# A large network can **over-fit**: it memorises its training points, noise included, rather
# than the pattern behind them, so its training loss keeps falling while its loss on new points
# (the validation set of lesson 1) rises; the gap between the two losses measures it. Inside the
# network, individual units learn to rely on very specific combinations of other units. Dropout
# breaks such co-adaptations by injecting noise: during training, every hidden unit is switched
# off at random, independently, on every forward pass.
#
# With **drop probability** $p$ each activation $h$ is replaced by
#
# $$ h' = \begin{cases} 0 & \text{with probability } p, \\ \dfrac{h}{1 - p} & \text{otherwise.} \end{cases} $$
#
# Dividing the survivors by $1 - p$ makes the noise **unbiased**:
#
# $$ \mathbb{E}[h'] = p \cdot 0 + (1 - p) \cdot \frac{h}{1 - p} = h. $$
#
# (In `nnlesson`, as in PyTorch, `p` is the probability of *dropping* a unit. Some texts, such as
# cs231n, use $p$ for the probability of *keeping* one. Always check which.)

# %%
layer = nl.Dropout(p=0.5, rng=0)
h = np.arange(1.0, 9.0).reshape(1, 8)
print("h      :", h)
print("h'     :", layer(h))
print("kept   :", layer.mask.astype(int))

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Before running this cell, ask students to predict `h'` for $p = 0.5$. The usual
# wrong prediction keeps the survivors unchanged (1, 5, 6, 7, 8); the printed values are doubled
# (2, 10, 12, 14, 16), the $1/(1-p)$ rule. Then ask which convention a PyTorch user and a cs231n
# reader would mean by "p = 0.8": dropping 80% of the units or keeping 80%.

# %% [markdown]
# One mask over a layer of 16 x 16 units whose activations are all 1, for three values of $p$.
# Dropped units are **white** (their value is 0, the white triangle at the bottom of the colour
# bar); the survivors are blue, darker the larger they are (the cell prints their value,
# $1/(1-p)$).

# %%
from matplotlib.colors import ListedColormap

# survivors (values 1 to 5) on a blue ramp that stays visibly darker than white; 0 falls below
# vmin = 1 and takes the "under" colour, white: a dropped unit looks empty
blues = ListedColormap(plt.get_cmap("Blues")(np.linspace(0.45, 1.0, 256))).with_extremes(under="white")
fig, axes = plt.subplots(1, 3, figsize=(9, 3.4))
for ax, p in zip(axes, [0.1, 0.5, 0.8]):
    out = nl.Dropout(p, rng=1)(np.ones((16, 16)))
    image = ax.imshow(out, cmap=blues, vmin=1, vmax=5)
    ax.set_title(f"p = {p}: {np.mean(out == 0):.0%} dropped")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(True)  # a frame, so white units at the border stay visible
    print(f"p = {p}: survivors 1/(1 - p) = {1 / (1 - p):.2f}")
fig.colorbar(image, ax=axes, extend="min", shrink=0.85,
             label="h' (white: 0, dropped)")
fig.suptitle("One dropout mask on 16 x 16 units, input all ones")
nlplot.describe("Three 16 x 16 grids of units after dropout, for p = 0.1, 0.5 and 0.8: more units are dropped (white) as p grows, and the survivors get darker, multiplied by 1 / (1 - p).")
plt.show()

# %% [markdown]
# ## Checking that the expectation is preserved
#
# *Time: about 1 min of reading.*
#
# Average the dropped-out output over many independent masks: it approaches the input.

# %%
h = np.linspace(-2, 2, 9).reshape(1, 9)
layer = nl.Dropout(p=0.7, rng=2)
for n in [1, 10, 100, 10_000]:
    mean = np.mean([layer(h) for _ in range(n)], axis=0)
    print(f"mean of {n:6,d} masks: {mean[0]}  largest error {np.max(np.abs(mean - h)):.3f}")
print(f"{'the input h':22}: {h[0]}")

# %% [markdown]
# ## At test time dropout is off
#
# *Time: about 3 min of reading.*
#
# After training we want the network's best, deterministic prediction, not a noisy one. In eval
# mode (`model.eval()`) dropout is simply the identity; `model.train()` turns it back on. (`nl.fit`
# switches to eval mode for validation and leaves the model there.)

# %%
layer.eval()
print("eval mode:", layer(h)[0])

# %% [markdown]
# Is the network with every unit on the *average* of the networks seen in training? Only up to
# the next linear layer. A linear layer commutes with the expectation,
# $\mathbb{E}[h' W^\top + b] = \mathbb{E}[h']\,W^\top + b = h W^\top + b$, so its output in eval
# mode is exactly the average of its training outputs, as long as $h$ itself is fixed (as the
# input of the first dropout layer is; a later dropout layer gets an $h$ that earlier dropout
# already made random). A nonlinearity $f$ does not commute: in general
# $\mathbb{E}[f(h')] \ne f(\mathbb{E}[h'])$. Two output units after a dropout layer with
# $p = 0.5$ show both cases: unit 1 adds four activations of 1, unit 2 adds two and subtracts two
# (its input is 0 in eval mode).

# %%
h4 = np.ones((1, 4))
W = np.array([[1.0, 1.0, 1.0, 1.0],    # unit 1
              [1.0, -1.0, 1.0, -1.0]])  # unit 2
layer = nl.Dropout(p=0.5, rng=3)
z = np.concatenate([layer(np.repeat(h4, 10_000, axis=0)) @ W.T for _ in range(10)])
print(f"{'':30}{'unit 1':>8}{'unit 2':>8}")
print(f"{'eval:  h W^T':30}{(h4 @ W.T)[0, 0]:8.3f}{(h4 @ W.T)[0, 1]:8.3f}")
print(f"{'mean of h W^T over masks':30}{z.mean(axis=0)[0]:8.3f}{z.mean(axis=0)[1]:8.3f}")
print(f"{'eval:  relu(h W^T)':30}{nl.relu(h4 @ W.T)[0, 0]:8.3f}{nl.relu(h4 @ W.T)[0, 1]:8.3f}")
print(f"{'mean of relu(h W^T) over masks':30}{nl.relu(z).mean(axis=0)[0]:8.3f}"
      f"{nl.relu(z).mean(axis=0)[1]:8.3f}")

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: where unit 2's 0.756 comes from. It can be computed
# by hand, and that convinces better than the sampling: each $h'_i$ is 0 or 2 with probability 1/2,
# so $z_2 = 2(a - b)$ with $a, b$ the numbers of survivors among inputs 1, 3 and among 2, 4 (each
# 0, 1, 2 with probabilities 1/4, 1/2, 1/4). Then $P(a - b = 1) = 1/4$ and $P(a - b = 2) = 1/16$,
# so $\mathbb{E}[\mathrm{relu}(z_2)] = 2 (1 \cdot \tfrac14 + 2 \cdot \tfrac1{16}) = 0.75$, while
# the eval output is $\mathrm{relu}(0) = 0$.

# %% [markdown]
# Before the ReLU, eval mode and the average over 100,000 masks agree (up to sampling noise).
# After it they agree for unit 1, whose input is never negative whatever the mask, but not for
# unit 2: the ReLU cuts off the negative half of its noisy input, so its average is above 0 while
# the eval output is exactly 0. A whole network stacks many such nonlinearities, so eval mode is a
# cheap **approximation** of the average over sub-networks ("weight scaling"), good when the
# noise rarely pushes a unit across a kink. We measure the gap on a trained network below.

# %% [markdown]
# ## Dropout against over-fitting
#
# *Time: about 11 min (reading 8 min + exercises 3 min).*
#
# A network with two hidden layers of 128 units has far more weights than needed for 60 noisy
# two-moons points, and can fit their noise: over-fit, with a growing gap between the training
# and the validation loss. We train it for 150 epochs with and without dropout
# ($p = 0.5$ after each hidden layer) and measure on 1,000 fresh points. `nl.fit` trains with
# mini-batch SGD: every epoch it shuffles the 60 points into 3 batches of 20 and takes one step
# per batch; with `momentum=0.9` each step follows the velocity of lesson 1, a running *sum* of
# the recent gradients in which each older one is scaled down by 0.9 per step (about 10 times one
# gradient when they agree), which smooths the noise of small batches.
#
# Two training losses appear below. `nl.fit`'s `history.train_loss` is the **average of the
# mini-batch losses over each epoch**, computed while the weights move and, with dropout, on
# random sub-networks; the **final model's** training loss is computed once after training, in
# eval mode (every unit on). Only the second compares the two networks as they end.

# %%
X, y = nl.make_moons(1060, noise=0.35, rng=0)
X_train, y_train, X_val, y_val = X[:60], y[:60], X[60:], y[60:]


def moons_net(p, rng):
    """2 -> 128 -> 128 -> 2 with ReLUs, and a Dropout(p) after each hidden layer if p > 0."""
    def hidden(n_in):
        dropout = [nl.Dropout(p, rng=rng)] if p else []
        return [nl.Linear(n_in, 128, rng=rng), nl.ReLU(), *dropout]

    return nl.Sequential(*hidden(2), *hidden(128), nl.Linear(128, 2, rng=rng))


# history holds one number per epoch: train_loss (see above), val_loss and val_accuracy (on the
# validation set); history.best_epoch is the epoch (counted from 1) of the lowest validation loss
runs = {}
for p in [0.0, 0.5]:
    net = moons_net(p, np.random.default_rng(1))
    history = nl.fit(net, nl.SoftmaxCrossEntropy(), nl.SGD(net.parameters(), lr=0.04, momentum=0.9),
                     (X_train, y_train), (X_val, y_val), epochs=150, batch_size=20, rng=2)
    runs[p] = (net, history)
    print(f"p = {p}: final model (eval mode): training loss "
          f"{nl.SoftmaxCrossEntropy()(net(X_train), y_train):.2f}, training accuracy "
          f"{nl.accuracy(net(X_train), y_train):.0%}")
    print(f"        validation loss lowest {min(history.val_loss):.2f} (epoch "
          f"{history.best_epoch}, accuracy {history.val_accuracy[history.best_epoch - 1]:.1%}), "
          f"final {history.val_loss[-1]:.2f} (accuracy {history.val_accuracy[-1]:.1%})")
    print(f"        fit's training loss of the last epoch (average over its batches): "
          f"{history.train_loss[-1]:.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
for ax, (p, (_, history)) in zip(axes, runs.items()):
    epochs = np.arange(1, len(history.val_loss) + 1)
    ax.plot(epochs, history.train_loss, color=nlplot.BLUE, label="training loss (epoch average)")
    ax.plot(epochs, history.val_loss, color=nlplot.ORANGE, label="validation loss")
    ax.set_title("without dropout" if p == 0 else f"with dropout, p = {p}")
    ax.set_xlabel("epoch")
    ax.legend(loc="upper right")
axes[0].set_ylabel("cross-entropy")
axes[0].set_ylim(0, 1.5)
fig.suptitle("The gap between training and validation loss")
plt.show()

# %% [markdown]
# **Think! (3 min).** In the left panel the training loss keeps falling while the validation loss,
# after its lowest point early on, stays near it for a while and then climbs to the end. What is
# the network doing with the 60 training points? With dropout, how do the final models' training
# and validation losses (printed above the figure) compare with those without, and why does
# dropout keep the training loss higher?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Without dropout the network fits the noise of its 60 points: the final model's training loss is
# 0.14 (97% of the training points right) while the validation loss, lowest (0.34) at epoch 5,
# climbs back to 0.63. The validation accuracy falls much less, from 84.3% to 79.4%: the loss
# nearly doubles partly because the network grows confident in its wrong answers on new points,
# and the loss punishes a confident mistake hard. With dropout the final
# model fits the training points more loosely (training loss 0.26, 87% right) and ends with a
# lower validation loss, 0.35: every step trains a different random half of the hidden units, so
# units can rely less on particular others to memorise single points. Compare final models, not the
# plotted curves: the plotted training loss is fit's epoch average over mini-batches while the
# weights move (0.15 without dropout, against the final model's 0.14) and, with dropout, over
# random sub-networks (0.29).
# ### END SOLUTION

# %% [markdown]
# Read the printed numbers. Without dropout the validation loss reaches its lowest value early
# (the epoch printed above), stays near it for a while, then **rises** to the end, while the
# training loss keeps falling: the network fits the noise of its 60 points, and its loss on new
# ones grows far more than its errors do (the validation accuracy falls by less than 5 points).
# With dropout the final model's training loss is higher (its first printed line) and the
# validation loss stays near its lowest (0.33, then 0.35 at the end: its second printed line).
# (The plotted training curve with dropout is that of random sub-networks, averaged over an
# epoch; the final model, every unit on, still fits the training points more loosely than
# without dropout.)
#
# One run can mislead. We repeat the experiment with four more seeds (new data, weights and
# batches; seed 0 is the run above) and print the final models' numbers:

# %%
def final_models(seed):
    """The experiment above with its randomness drawn from `seed` (seed 0: the lesson's run): for
    p = 0 and 0.5, the final model's (validation loss, training loss, validation accuracy)."""
    X, y = nl.make_moons(1060, noise=0.35, rng=seed)
    (X_tr, y_tr), (X_v, y_v) = (X[:60], y[:60]), (X[60:], y[60:])
    loss_fn, numbers = nl.SoftmaxCrossEntropy(), {}
    for p in [0.0, 0.5]:
        net = moons_net(p, np.random.default_rng(seed + 1))
        nl.fit(net, loss_fn, nl.SGD(net.parameters(), lr=0.04, momentum=0.9), (X_tr, y_tr),
               epochs=150, batch_size=20, rng=seed + 2)  # fit leaves it in eval mode
        numbers[p] = loss_fn(net(X_v), y_v), loss_fn(net(X_tr), y_tr), nl.accuracy(net(X_v), y_v)
    return numbers


print("       validation loss      training loss       validation accuracy")
print("seed   none   dropout       none   dropout      none    dropout")
lesson_run = {p: (history.val_loss[-1], nl.SoftmaxCrossEntropy()(net(X_train), y_train),
                  history.val_accuracy[-1]) for p, (net, history) in runs.items()}  # seed 0
table = [lesson_run] + [final_models(seed) for seed in range(1, 5)]
for seed, numbers in enumerate(table):
    (val, train, acc), (val_d, train_d, acc_d) = numbers[0.0], numbers[0.5]
    print(f"{seed:4}   {val:4.2f}   {val_d:7.2f}       {train:4.2f}   {train_d:7.2f}      "
          f"{acc:5.1%}   {acc_d:7.1%}")
lower_val = sum(n[0.5][0] < n[0.0][0] for n in table)
higher_train = sum(n[0.5][1] > n[0.0][1] for n in table)
better, worse = (sum(n[0.5][2] > n[0.0][2] for n in table),
                 sum(n[0.5][2] < n[0.0][2] for n in table))
print(f"with dropout: validation loss lower on {lower_val} of 5 seeds, training loss higher on "
      f"{higher_train} of 5; validation accuracy better on {better}, worse on {worse}")

# %% [markdown]
# On every seed the final model with dropout has the lower validation loss and the higher
# training loss (the last line): those comparisons hold beyond the one run. The validation
# *accuracy* does not: dropout was better on 4 seeds and worse on 1, by under 5 points each, so
# we claim nothing about it.
#
# ## Where dropout goes, and how much
#
# *Time: about 1 min of reading.*
#
# Practice, as the dropout paper (Srivastava et al., 2014) and d2l (5.6) describe it:
#
# - **Where:** on the outputs of hidden layers, after their activation, as in `moons_net` above
#   (`Linear`, `ReLU`, `Dropout`). Never on the output layer: its scores are the prediction.
#   Dropout on the input features is possible but rarer and gentler.
# - **How much:** $p = 0.5$ is the classic value for large fully connected hidden layers (it is
#   ours); near the input, and for small layers, less: 0.1 to 0.2 (the paper used 0.2 on inputs).
#   d2l's advice is to drop less in the layers closer to the input. $p$ is a hyperparameter:
#   choose it on the validation set like the learning rate.
# - **With what:** the paper combined dropout with a limit on the size of the weights; a penalty
#   on their size (*weight decay*, `nl.SGD(..., weight_decay=...)`, taught in lesson 7) plays the
#   same role and is often used beside dropout. Networks with batch normalization (lesson 9)
#   often need less dropout, or none.
#
# ## Monte-Carlo dropout: how sure is the network?
#
# *Time: about 11 min (reading 9 min + exercises 2 min).*
#
# Dropout can do more. If we **keep it on at prediction time**, every forward pass samples a
# different sub-network, and the spread of their predictions tells us how much the networks
# disagree. Where training data constrained them, they agree; far from the data, they do not.
# Averaging $T$ such passes gives a prediction (the mean) and an uncertainty (the standard
# deviation). This is *Monte-Carlo dropout* (Gal and Ghahramani, 2016).
#
# We train a regression network with dropout on noisy samples of a curve on $[-2.5, 2.5]$ and ask
# it about $[-6, 6]$.

# %%
def curve_regressor(seed):
    """1 -> 64 -> 64 -> 1 with ReLUs and Dropout(0.2), trained on 60 noisy points of the curve."""
    X_curve, y_curve = nl.make_curve(60, noise=0.1, x_range=(-2.5, 2.5), rng=seed)
    rng = np.random.default_rng(seed + 1)
    regressor = nl.Sequential(nl.Linear(1, 64, rng=rng), nl.ReLU(), nl.Dropout(0.2, rng=rng),
                              nl.Linear(64, 64, rng=rng), nl.ReLU(), nl.Dropout(0.2, rng=rng),
                              nl.Linear(64, 1, rng=rng))
    nl.fit(regressor, nl.MSELoss(), nl.SGD(regressor.parameters(), lr=0.01, momentum=0.9),
           (X_curve, y_curve), epochs=700, batch_size=16, rng=seed + 2)
    return regressor, X_curve, y_curve


def mc_dropout(model, x, passes=300):
    """Mean and standard deviation of `passes` forward passes with dropout on."""
    model.train()  # keep dropout on at prediction time
    with nl.no_grad():  # no backward follows: keep no intermediates
        samples = np.stack([model(x)[:, 0] for _ in range(passes)])
    model.eval()
    return samples.mean(axis=0), samples.std(axis=0)


regressor, X_curve, y_curve = curve_regressor(3)
x_grid = np.linspace(-6, 6, 241)[:, None]
mean, std = mc_dropout(regressor, x_grid)

fig, ax = plt.subplots(figsize=(8, 4))
ax.fill_between(x_grid[:, 0], mean - 2 * std, mean + 2 * std, color=nlplot.SKY, alpha=0.4,
                label="mean +- 2 std of 300 dropout passes")
ax.plot(x_grid, mean, color=nlplot.BLUE, label="Monte-Carlo mean")
ax.plot(x_grid, nl.curve(x_grid), "--", color=nlplot.BLACK, lw=1, label="true curve")
ax.scatter(X_curve, y_curve, s=10, color=nlplot.ORANGE, label="training data", zorder=3)
ax.axvspan(-2.5, 2.5, color=nlplot.GREY, alpha=0.15, lw=0, label="range of the training data")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Monte-Carlo dropout: the band widens away from the training range")
ax.legend(loc="upper left")
plt.show()

inside = np.abs(x_grid[:, 0]) <= 2.5
missed = np.abs(nl.curve(x_grid[:, 0]) - mean) > 2 * std
print(f"average std where there is data: {std[inside].mean():.2f}")
print(f"average std away from the data:  {std[~inside].mean():.2f}")
print(f"grid points where the true curve lies outside mean +- 2 std: "
      f"{missed[inside].mean():.0%} inside the data, {missed[~inside].mean():.0%} outside it")

# %% [markdown]
# **Think! (2 min).** Where is the band narrow and where is it wide? Away from the data (outside
# the grey range of the training data), does the band contain the true curve?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# The band is narrow over the training data, in $[-2.5, 2.5]$ (average std 0.23), and widens away
# from it (average std 0.58). Away from the data it often misses the true curve: near $x = -4.5$
# the true curve (about -0.5) lies above the band, and near $x = 4.5$ (about 0.5) below it; the
# cell counts 57% of the grid points outside the data where the curve is outside mean $\pm$ 2 std,
# against 0% inside. A wide band says that the sub-networks disagree, not where the truth is.
# ### END SOLUTION

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A good discussion for a lab, with the 5-seed table below: the band misses the
# true curve away from the data on 29% of those grid points for seed 13 and on 84% for seed 33,
# while the average widths (std outside about 0.49 to 0.60) change far less. Ask whether a doctor or
# an engineer could use this band as a 95% interval, and what one would have to do to check
# calibration (compare with held-out data in the region of interest).

# %% [markdown]
# **What the band is, and what it is not.** It is the spread of the predictions of the random
# sub-networks dropout samples: where they disagree, the one network we trained is not
# determined by the data. It is *not* a calibrated confidence interval. A calibrated 95% band
# would miss the true curve on about 5% of the grid; the last line above shows how often this one
# misses it, inside the data and away from it. Nothing in training made the sub-networks' spread
# match the real error far from the data: their disagreement there depends on $p$, the
# architecture and the seed. Five seeds (new data, weights and masks) show how much:

# %%
print(f"{'seed':>4} {'std in data':>12} {'std outside':>12} {'band misses curve: in data':>27}"
      f" {'outside data':>13} {'max |eval - MC mean| in data':>29}")
misses_in, misses_out = [], []
for seed in [3, 13, 23, 33, 43]:
    if seed == 3:  # the run above: its network and band, not trained again
        model, m, sd = regressor, mean, std
    else:
        model, _, _ = curve_regressor(seed)
        m, sd = mc_dropout(model, x_grid)
    outside = np.abs(nl.curve(x_grid[:, 0]) - m) > 2 * sd
    misses_in.append(outside[inside].mean())
    misses_out.append(outside[~inside].mean())
    gap = np.abs(model(x_grid)[:, 0] - m)  # model(...) in eval mode: every unit on
    print(f"{seed:4d} {sd[inside].mean():12.2f} {sd[~inside].mean():12.2f} "
          f"{misses_in[-1]:27.0%} {misses_out[-1]:13.0%} {gap[inside].max():29.3f}")
print(f"pooled over the 5 seeds: the band misses the curve at {np.mean(misses_in):.0%} of the "
      f"grid points in the data and {np.mean(misses_out):.0%} outside it (a calibrated 95% band: 5%)")

# %% [markdown]
# On every seed the band is wider away from the data than on it: that much we can rely on. It is
# not calibrated on either side. Away from the data it misses the true curve far more often than
# 5% (pooled over the seeds, the last line), and how often changes a lot from seed to seed
# (compare the fifth column), so the band's width there is a warning sign, not a measurement of
# the error. In the data it never misses the curve on any of the 5 seeds (pooled 0%, against a
# calibrated 95% band's 5%): there, on every grid point and every seed, 2 std exceeds the
# network's error, so it tends to over-state the uncertainty. Five seeds are few, and
# neighbouring grid points err together, so read these rates as rough.
# The last column is the gap between the eval-mode prediction (every unit on) and the average of
# the 300 dropout passes, *on the training range*: the approximation of the section "At test time
# dropout is off", measured: its largest value on the training range. It is not zero, and on one
# seed of the five (33) it exceeds the band's own average std in the data (compare it with the
# second column): eval mode and Monte-Carlo averaging are different predictions.

# %% [markdown]
# **Explore.** Move $p$: the grid shows one mask on a layer of units (its title says how dropped
# units are drawn), the plot beside it that the mean over many masks stays at the input whatever
# $p$, and the bottom plot the Monte-Carlo prediction of a small regression network like ours,
# which the explorer trains itself once (with $p = 0.2$) and then runs with dropout $p$ switched on
# at prediction time: the band widens as $p$ grows (beyond $\pm 2$ its y-axis is logarithmic, so
# that even a very wide band fits). "resample" draws new masks. Beware what large $p$ shows: the
# network was trained at $p = 0.2$, so at $p = 0.9$ it runs sub-networks far smaller than any it
# learned with; its mean then wanders far from the data and the band is wide because the network
# is broken, not because it is uncertain. Monte-Carlo dropout uses the $p$ of training. The
# explorer starts at that $p = 0.2$; the bottom plot's title names the $p$ it predicts with.

# %%
from nnlesson.viz.explorers import dropout_explorer

dropout_explorer(p=0.2)  # starts at the p its network was trained with

# %% [markdown]
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - Dropout zeroes each hidden unit with probability $p$ during training and scales the survivors by
#   $1/(1-p)$, which keeps every expected activation unchanged.
# - At test time it is off (`model.eval()`). After the first dropout layer, the full network
#   gives the next linear layer exactly its expected input; after a nonlinearity (and so at every
#   later dropout layer) $\mathbb{E}[f(h')] \ne f(\mathbb{E}[h'])$, so the eval prediction only
#   approximates the average over sub-networks.
# - It fights over-fitting: the final validation loss is lower than without dropout on every
#   one of the 5 seeds printed (in the plotted run it hardly rises: 0.33 at its lowest, 0.35 at
#   the end); the accuracy gain depends on the seed.
# - Kept on at prediction time, it turns one network into many: the spread of their predictions is
#   wider where there was no training data, but it is not a calibrated error bar.
# - Dropout goes after the activations of hidden layers, not on the output; $p = 0.5$ for large
#   hidden layers, less (0.1 to 0.2) near the input and for small layers.
#
# ## Exercises
#
# *Time: about 46 min (reading 1 min + exercises 45 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it.
#
# The exercises rise in difficulty; the last code exercise takes several steps.
#
# **Exercise 1 (code, one line, 5 min).** The mean of $h'$ is $h$. Its variance is
# $\mathbb{E}[h'^2] - h^2$. Write `my_dropout_variance(h, p)` returning it element-wise.
# (Which values does $h'^2$ take, with which probabilities?)

# %%
def my_dropout_variance(h, p):
    ### BEGIN SOLUTION
    return h ** 2 * p / (1 - p)  # E[h'^2] = (1 - p) h^2 / (1 - p)^2
    ### END SOLUTION


checks.check_dropout_variance(my_dropout_variance)
### BEGIN HIDDEN TESTS
assert checks.check_dropout_variance(my_dropout_variance, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 15 min).** Implement the dropout forward and backward. `my_dropout_forward(x, p, rng)`
# returns `(out, mask)` where `mask` is True for kept units, drawn as `rng.random(x.shape) >= p`
# (as `nl.Dropout` does, so that the check can compare masks: cs231n's `rng.random(x.shape) < 1 - p`
# keeps units with the same probability, but other ones);
# `my_dropout_backward(dout, mask, p)` returns the gradient with respect to `x`.

# %%
def my_dropout_forward(x, p, rng):
    ### BEGIN SOLUTION
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask
    ### END SOLUTION


def my_dropout_backward(dout, mask, p):
    ### BEGIN SOLUTION
    return dout * mask / (1 - p)
    ### END SOLUTION


checks.check_dropout(my_dropout_forward, my_dropout_backward)
### BEGIN HIDDEN TESTS
assert checks.check_dropout(my_dropout_forward, my_dropout_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3 (code, several steps, 15 min).** Write Monte-Carlo dropout yourself:
# `my_mc_dropout(model, x, T)` returns `(mean, std)` of `T` forward passes of `model` on `x` with
# dropout switched on. The spec:
#
# - **Shapes:** mean and std are taken over the passes (axis 0 of the stacked outputs), so both
#   have the shape of one output, `(len(x), 1)`. (The lesson's `mc_dropout` keeps only `[:, 0]`
#   for its plot; do not.)
# - **The std** is numpy's default, the spread of these T passes: `ddof=0`.
# - **The passes:** run `model(x)` T times, one after another, and stack the outputs. The check
#   replays the same masks in that order; a single pass over `np.repeat(x, T, axis=0)` draws them
#   in another.
# - **The mode:** the model arrives in eval mode (as `fit` leaves it). Switch dropout on
#   (`model.train()`) for the passes and leave the model in eval mode when you return.
#
# The cell then draws your band for the lesson's regressor: compare with the expected output (and
# with the lesson's figure: the masks differ, the shape should not).

# %%
def my_mc_dropout(model, x, T):
    ### BEGIN SOLUTION
    model.train()
    with nl.no_grad():
        samples = np.stack([model(x) for _ in range(T)])
    model.eval()
    return samples.mean(axis=0), samples.std(axis=0)
    ### END SOLUTION


checks.check_mc_dropout(my_mc_dropout)
# Your Monte-Carlo band for the regressor trained above: compare with the expected output
try:
    my_mean, my_std = my_mc_dropout(regressor, x_grid, 300)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.fill_between(x_grid[:, 0], my_mean[:, 0] - 2 * my_std[:, 0],
                    my_mean[:, 0] + 2 * my_std[:, 0], color=nlplot.SKY, alpha=0.4,
                    label="your mean +- 2 std")
    ax.plot(x_grid, my_mean[:, 0], color=nlplot.BLUE, label="your Monte-Carlo mean")
    ax.scatter(X_curve, y_curve, s=10, color=nlplot.ORANGE, label="training data", zorder=3)
    ax.set(xlabel="x", ylabel="y", title="my_mc_dropout on the lesson's regressor, T = 300")
    ax.legend(loc="upper left")
    plt.show()
except NotImplementedError:
    print("nothing to draw until my_mc_dropout is written")
### BEGIN HIDDEN TESTS
assert checks.check_mc_dropout(my_mc_dropout, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 4 (short answer, 10 min).** (a) What would go wrong at test time if training dropped units
# with probability $p$ but did *not* scale the survivors by $1/(1-p)$? (b) In the Monte-Carlo
# dropout plot, why is the band narrow over the training data even though every pass uses a
# different sub-network?

# %% [markdown]
# ### BEGIN SOLUTION
# (a) During training each unit's expected output would be $(1-p)h$; at test time, with all units on,
# the next layer would receive $h$ from every unit, $1/(1-p)$ times what it received on average in
# training: its pre-activations would be systematically too large (each surviving unit passed $h$
# in training too, but only a share $1-p$ of them did).
# (The original dropout paper fixed this by scaling the weights by $1-p$ at test time; inverted
# dropout scales during training instead, so that testing needs no change.)
#
# (b) Training pushed *every* sub-network towards the training targets, so near the data they agree.
# Nothing constrained their behaviour far from the data, so there they extrapolate differently
# and their predictions spread out.
# ### END SOLUTION

# %% [markdown]
# ## In PyTorch
#
# *Time: about 1 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). `torch.nn.Dropout(p)`
# is inverted dropout with `p` the probability of dropping, as `nl.Dropout`: in training mode the
# survivors are scaled by 1/(1-p); after `.eval()` it is the identity.

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    torch.manual_seed(0)
    dropout = torch.nn.Dropout(p=0.25)
    y = dropout(torch.ones(1000, 100))
    print(f"training mode: kept {(y != 0).double().mean():.1%} of the units, "
          f"the survivors are {y.max():.4f} = 1 / (1 - 0.25)")
    dropout.eval()
    print("eval mode: the identity:", torch.equal(dropout(torch.ones(3)), torch.ones(3)))
