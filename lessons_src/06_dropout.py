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
# **Learning goals.** After this lesson you can
# - describe dropout as noise injected into the hidden units during training,
# - state the unbiased rule $h' = 0$ with probability $p$, $h / (1 - p)$ otherwise, and show that it
#   preserves the expected value,
# - explain why dropout is turned off at test time, and show its effect against over-fitting,
# - use Monte-Carlo dropout to estimate how uncertain a prediction is.

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
# ## Dropout as noise injection
#
# A large network can memorise its training set: individual units learn to rely on very specific
# combinations of other units. Dropout breaks such co-adaptations by injecting noise: during
# training, every hidden unit is switched off at random, independently, on every forward pass.
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

# %% [markdown]
# One mask over a layer of 16 x 16 units, for three values of $p$: dropped units are grey, the
# survivors are scaled up by $1/(1-p)$.

# %%
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
for ax, p in zip(axes, [0.1, 0.5, 0.8]):
    out = nl.Dropout(p, rng=1)(np.ones((16, 16)))
    ax.imshow(out, cmap="cividis", vmin=0, vmax=5)
    ax.set_title(f"p = {p}: {np.mean(out == 0):.0%} dropped,\nsurvivors = {1 / (1 - p):.2f}")
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Dropout masks on a layer of 16 x 16 units (input all ones)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Checking that the expectation is preserved
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
# After training we want the network's best, deterministic prediction, not a noisy one. Because the
# training-time noise was unbiased, the network with every unit on already produces the expected
# activations: in eval mode (`model.eval()`) dropout is simply the identity. (`nl.fit` switches to
# eval mode for validation and leaves the model there.)

# %%
layer.eval()
print("eval mode:", layer(h)[0])

# %% [markdown]
# ## Dropout against over-fitting
#
# A network with two hidden layers of 256 units trained on only 60 noisy two-moons points will
# memorise them. We train it with and without dropout ($p = 0.5$ after each hidden layer) and
# measure on 1,000 fresh points.

# %%
X, y = nl.make_moons(1060, noise=0.35, rng=0)
X_train, y_train, X_val, y_val = X[:60], y[:60], X[60:], y[60:]


def moons_net(p, rng):
    """2 -> 256 -> 256 -> 2 with ReLUs, and a Dropout(p) after each hidden layer if p > 0."""
    def hidden(n_in):
        dropout = [nl.Dropout(p, rng=rng)] if p else []
        return [nl.Linear(n_in, 256, rng=rng), nl.ReLU(), *dropout]

    return nl.Sequential(*hidden(2), *hidden(256), nl.Linear(256, 2, rng=rng))


runs = {}
for p in [0.0, 0.5]:
    net = moons_net(p, np.random.default_rng(1))
    history = nl.fit(net, nl.SoftmaxCrossEntropy(), nl.SGD(net.parameters(), lr=0.02, momentum=0.9),
                     (X_train, y_train), (X_val, y_val), epochs=300, batch_size=20, rng=2)
    runs[p] = (net, history)
    print(f"p = {p}: train accuracy {history.train_accuracy[-1]:.0%}, "
          f"validation accuracy {history.val_accuracy[-1]:.1%}, "
          f"validation loss {history.val_loss[-1]:.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
for ax, (p, (_, history)) in zip(axes, runs.items()):
    epochs = np.arange(1, len(history.val_loss) + 1)
    ax.plot(epochs, history.train_loss, color=nlplot.BLUE, label="training loss")
    ax.plot(epochs, history.val_loss, color=nlplot.ORANGE, label="validation loss")
    ax.set_title("without dropout" if p == 0 else f"with dropout, p = {p}")
    ax.set_xlabel("epoch")
    ax.legend()
axes[0].set_ylabel("cross-entropy")
axes[0].set_ylim(0, 1.5)
fig.suptitle("The gap between training and validation loss")
fig.tight_layout()
plt.show()

# %% [markdown]
# Without dropout the training loss goes to almost zero while the validation loss climbs: the
# network memorises the noise in its 60 points. With dropout the training loss stays higher (every
# step sees a different random sub-network), the validation loss stays much lower, and the
# accuracy on new points is a little higher.
#
# ## Monte-Carlo dropout: how sure is the network?
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
X_curve, y_curve = nl.make_curve(60, noise=0.1, x_range=(-2.5, 2.5), rng=3)
rng = np.random.default_rng(4)
regressor = nl.Sequential(nl.Linear(1, 64, rng=rng), nl.ReLU(), nl.Dropout(0.2, rng=rng),
                          nl.Linear(64, 64, rng=rng), nl.ReLU(), nl.Dropout(0.2, rng=rng),
                          nl.Linear(64, 1, rng=rng))
nl.fit(regressor, nl.MSELoss(), nl.SGD(regressor.parameters(), lr=0.01, momentum=0.9),
       (X_curve, y_curve), epochs=1000, batch_size=16, rng=5)

x_grid = np.linspace(-6, 6, 241)[:, None]
regressor.train()  # keep dropout on at prediction time
with nl.no_grad():  # no backward follows: keep no intermediates
    samples = np.stack([regressor(x_grid)[:, 0] for _ in range(300)])
mean, std = samples.mean(axis=0), samples.std(axis=0)

fig, ax = plt.subplots(figsize=(8, 4))
ax.fill_between(x_grid[:, 0], mean - 2 * std, mean + 2 * std, color=nlplot.SKY, alpha=0.4,
                label="mean +- 2 std of 300 dropout passes")
ax.plot(x_grid, mean, color=nlplot.BLUE, label="Monte-Carlo mean")
ax.plot(x_grid, nl.curve(x_grid), "--", color=nlplot.BLACK, lw=1, label="true curve")
ax.scatter(X_curve, y_curve, s=10, color=nlplot.ORANGE, label="training data", zorder=3)
ax.axvspan(-2.5, 2.5, color=nlplot.GREY, alpha=0.15, lw=0)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Monte-Carlo dropout: the band widens away from the data (shaded: data range)")
ax.legend(loc="upper left", fontsize=8)
plt.show()

inside = np.abs(x_grid[:, 0]) <= 2.5
print(f"average std where there is data: {std[inside].mean():.2f}")
print(f"average std away from the data:  {std[~inside].mean():.2f}")

# %% [markdown]
# **Explore.** Move $p$: the grid shows one mask (grey units are dropped, the survivors brighter
# by $1/(1-p)$), the middle plot that the mean over many masks stays at the input whatever $p$,
# and the right plot the Monte-Carlo prediction of the network above with dropout $p$ at
# prediction time: the band widens as $p$ grows. "resample" draws new masks.

# %%
from nnlesson.widgets import dropout_explorer

dropout_explorer()

# %% [markdown]
# ## Summary
#
# - Dropout zeroes each hidden unit with probability $p$ during training and scales the survivors by
#   $1/(1-p)$, which keeps every expected activation unchanged.
# - At test time it is off (`model.eval()`): the full network gives the expected output.
# - It fights over-fitting: a much smaller gap between training and validation loss.
# - Kept on at prediction time, it turns one network into many: the spread of their predictions is
#   an estimate of uncertainty, large where there was no training data.
#
# ## Exercises
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it.
#
# **Exercise 1 (code).** Implement the dropout forward and backward. `my_dropout_forward(x, p, rng)`
# returns `(out, mask)` where `mask` is True for kept units (draw it with `rng.random(x.shape)`);
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

# %% [markdown]
# **Exercise 2 (short answer).** What would go wrong at test time if training dropped units with
# probability $p$ but did *not* scale the survivors by $1/(1-p)$?

# %% [markdown]
# ### BEGIN SOLUTION
# During training each unit's expected output would be $(1-p)h$; at test time, with all units on,
# the next layer would receive $h$, larger by a factor $1/(1-p)$ than anything it saw in training.
# (The original dropout paper fixed this by scaling the weights by $1-p$ at test time; inverted
# dropout scales during training instead, so that testing needs no change.)
# ### END SOLUTION

# %% [markdown]
# **Exercise 3 (short answer).** In the Monte-Carlo dropout plot, why is the band narrow over the
# training data even though every pass uses a different sub-network?

# %% [markdown]
# ### BEGIN SOLUTION
# Training pushed *every* sub-network towards the training targets, so near the data they agree.
# Nothing constrained their behaviour far from the data, so there they extrapolate differently
# and their predictions spread out.
# ### END SOLUTION
