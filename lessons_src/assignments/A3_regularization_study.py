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
# # Assignment 3: A regularisation study
#
# *Time: about 113 min (reading 8 min + exercises 105 min).*
#
# Lessons 6 and 7 showed dropout and early stopping one at a time. In this assignment you build
# three regularisers yourself, then put them side by side in a small, seeded study: a network
# trained on digits whose training labels are 40% wrong, with no regularisation, with weight
# decay, with dropout and with early stopping, five seeds each. Finally you write about what the
# study shows, and what it does not.
#
# **How it works.** Write each function between the lines `# YOUR CODE HERE` and run its cell:
# the check below it tells you at once whether your function is right and, if not, what is
# wrong. The checks never give marks; hidden tests do (the check's cases and a few more), and your written
# answers are graded by hand. The first line of each task gives its points and about how long it
# takes: 18 points in all, 10 for code (graded automatically) and 8 for written answers (graded by
# hand).
#
# **What is yours and what is nnlesson's.** The network (`nl.Linear`, `nl.ReLU`), the loss, SGD
# and the training loop `nl.fit` are nnlesson's: they are not the point here. The regularisers
# are yours: the study runs *your* dropout inside the network, adds *your* weight-decay gradient
# before every SGD step and lets *your* stopping rule choose the epoch to keep. A part you have
# not written yet is left out of the study (it says so), so the notebook runs from top to bottom
# at any stage.

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
from nnlesson.checks import a3
from nnlesson.viz import plot as nlplot

nlplot.use_style()
np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## Part 1: Dropout, forward and backward
#
# *Time: about 26 min (reading 1 min + exercises 25 min).*
#
# Inverted dropout (lesson 6) with **drop probability** $p$: in training, each unit is kept with
# probability $1 - p$ and the kept ones are divided by $1 - p$, so that every unit keeps its
# expected value; in evaluation it is the identity.
#
# $$ \text{mask} = (u \ge p),\quad u \sim \text{Uniform}[0, 1), \qquad
#    \text{out} = \frac{x \odot \text{mask}}{1 - p}. $$
#
# **Task 1.1 (code, 3 points, 15 min).** Write `my_dropout_forward(x, p, rng, training=True)`. In
# training mode draw the mask as exactly `rng.random(x.shape) >= p` (True for a kept unit; draw
# nothing else from `rng`) and return `(out, mask)`. In eval mode (`training=False`) return
# `(x, None)`. $p$ is in $[0, 1)$; your function must also work for $p = 0$ and for $p$ close to
# 1, even when every unit of the batch is dropped.

# %%
def my_dropout_forward(x, p, rng, training=True):
    ### BEGIN SOLUTION
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask
    ### END SOLUTION


a3.check_dropout_forward(my_dropout_forward)
### BEGIN HIDDEN TESTS (3 points)
assert a3.check_dropout_forward(my_dropout_forward, quiet=True)
# on a large batch: about 1 - p of the units kept, and the mean of the output preserved
with a3.own_work("Task 1.1"):  # nnlesson, torch, sklearn, scipy: not allowed here
    out, mask = my_dropout_forward(np.ones((400, 50)), 0.3, np.random.default_rng(5))
assert abs(np.mean(mask) - 0.7) < 0.02 and abs(np.mean(out) - 1) < 0.03
### END HIDDEN TESTS

# %% [markdown]
# **Task 1.2 (code, 2 points, 10 min).** Write `my_dropout_backward(dout, mask, p)`: the gradient
# of the loss with respect to dropout's input, given `dout`, the gradient with respect to its
# output, and the mask of the forward pass. `mask` is None when the forward ran in eval mode.

# %%
def my_dropout_backward(dout, mask, p):
    ### BEGIN SOLUTION
    if mask is None:
        return dout
    return dout * mask / (1 - p)
    ### END SOLUTION


a3.check_dropout_backward(my_dropout_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a3.check_dropout_backward(my_dropout_backward, quiet=True)
# against the numerical gradient of a dropout forward with a fixed mask (not the student's forward)
x, g = np.random.default_rng(6).normal(size=(2, 3, 4))
kept = np.random.default_rng(7).random(x.shape) >= 0.4
with a3.own_work("Task 1.2"):
    dx = my_dropout_backward(g, kept, 0.4)
assert np.allclose(dx, nl.numerical_gradient(lambda v: np.sum(v * kept / 0.6 * g), x), atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: The early-stopping rule
#
# *Time: about 21 min (reading 1 min + exercises 20 min).*
#
# Lesson 7's patience rule: after each epoch $t$ (counted from 1) compare the validation loss
# $V_t$ with the best so far, $V^\ast$. Epoch $t$ **improves** if $V_t < V^\ast - \epsilon$
# (strictly; $\epsilon$ is `min_delta`, an amount of loss, not a fraction of $V^\ast$), and then
# becomes the best epoch. After `patience`
# epochs in a row without an improvement, training stops, and the weights of the best epoch are
# restored.
#
# **Task 2.1 (code, 3 points, 20 min).** Write `my_early_stopping(val_losses, patience, min_delta)`:
# given the validation loss of every epoch (epoch 1 first), return `(stopped_epoch, best_epoch)`:
# the epoch after which the rule stops training (`None` if it never stops) and the epoch whose
# weights it restores: the last epoch that improved, also when the rule never stops (`nl.fit`
# then restores it at the end of training). Ignore the losses after the stopping epoch:
# training never saw them.

# %%
def my_early_stopping(val_losses, patience, min_delta):
    ### BEGIN SOLUTION
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return None, best_epoch
    ### END SOLUTION


a3.check_early_stopping(my_early_stopping)
### BEGIN HIDDEN TESTS (3 points)
assert a3.check_early_stopping(my_early_stopping, quiet=True)
# 50 random loss curves: the same epochs as nnlesson's EarlyStopping
rng = np.random.default_rng(9)
for _ in range(50):
    losses = list(3 + np.cumsum(rng.normal(-0.05, 0.1, size=30)))
    patience, min_delta = int(rng.integers(1, 6)), float(rng.choice([0.0, 0.01, 0.05]))
    with a3.own_work("Task 2.1"):  # nnlesson, torch, sklearn, scipy: not allowed here
        theirs = my_early_stopping(losses, patience, min_delta)
    assert a3.same_stopping(theirs, nl.EarlyStopping(patience, min_delta).replay(losses))
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3: The gradient of L2 weight decay
#
# *Time: about 16 min (reading 1 min + exercises 15 min).*
#
# Weight decay (lesson 7) adds a penalty on large weights to the loss. In this assignment the
# penalty is
#
# $$ R = \lambda \sum_{\text{layers}} \lVert W \rVert^2 = \lambda \sum_{\text{layers}} \sum_{i,j}
#    W_{ij}^2 $$
#
# over the **weight matrices only**: the biases are not decayed (they shift a unit's output and
# do not make the network more complex). (Conventions differ: `nl.SGD(weight_decay=wd)`, as in
# lesson 7, and PyTorch use $\frac{wd}{2}\lVert\theta\rVert^2$ over every parameter, biases
# included, whose gradient is $wd\,\theta$; the penalty here has no $\frac12$, so its gradient is
# $2\lambda W$. Always check which one a paper or a library means.)
#
# **Task 3.1 (code, 2 points, 15 min).** Write `my_l2_penalty(params, lam)`: `params` is a list of
# arrays, the parameters of a network in order (`[W1, b1, W2, b2, ...]`, the 2-D ones are weight
# matrices, the 1-D ones biases). Return `(penalty, grads)`: the number $R$ and a list with the
# gradient $\partial R / \partial \theta$ of each parameter, in the order of `params` (an array of
# zeros for a bias). The study adds these gradients to the loss's gradients before every SGD step.

# %%
def my_l2_penalty(params, lam):
    ### BEGIN SOLUTION
    penalty = lam * sum(np.sum(w ** 2) for w in params if w.ndim == 2)
    grads = [2 * lam * w if w.ndim == 2 else np.zeros_like(w) for w in params]
    return penalty, grads
    ### END SOLUTION


a3.check_l2_penalty(my_l2_penalty)
### BEGIN HIDDEN TESTS (2 points)
assert a3.check_l2_penalty(my_l2_penalty, quiet=True)
# the gradient agrees with the numerical gradient of the penalty itself, on a real network
model = nl.Sequential(nl.Linear(5, 4, rng=10), nl.ReLU(), nl.Linear(4, 3, rng=11))
params = [p.data.copy() for p in model.parameters()]
with a3.own_work("Task 3.1"):
    _, grads = my_l2_penalty(params, 0.02)
for i in range(len(params)):
    def penalty_of(v, i=i):
        with a3.own_work("Task 3.1"):
            return float(my_l2_penalty(params[:i] + [v] + params[i + 1:], 0.02)[0])
    assert np.allclose(grads[i], nl.numerical_gradient(penalty_of, params[i].copy()), atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 4: The study
#
# *Time: about 8 min (reading 3 min + exercises 5 min).*
#
# **The data.** The bundled 8x8 digits, split once (the same split for every method and seed)
# into a training, a validation and a test set. 40% of the **training** labels are changed to a
# random other digit with `nl.add_label_noise`. The **validation and test labels are clean**
# (the true digits): the test set measures what we care about, recognising digits, and the
# validation set is what early stopping watches. (Lesson 7 made the validation labels noisy too;
# question 5.4 asks what that would change.)

# %%
X, y = nl.load_digits()
(X_rest, y_rest), (X_test, y_test) = nl.train_val_split(X, y, val_fraction=0.25, rng=0)
(X_train, y_train_clean), (X_val, y_val) = nl.train_val_split(X_rest, y_rest, val_fraction=0.2,
                                                              rng=1)
y_train = nl.add_label_noise(y_train_clean, 0.4, rng=2)  # the labels the networks train on
print(f"training: {len(y_train)} images, {np.mean(y_train != y_train_clean):.0%} of the labels "
      f"wrong; validation: {len(y_val)} images, test: {len(y_test)} images (clean labels)")

# %% [markdown]
# **The runs.** Every method trains the same network, 64 -> 128 -> 10 with a ReLU, with SGD
# (learning rate 0.1, momentum 0.9, batches of 64) for 30 epochs:
#
# - **no regularisation**: the plain network; the test accuracy after the last epoch;
# - **weight decay**: your `my_l2_penalty` with $\lambda = 0.003$, its gradient added before
#   every step;
# - **dropout**: your dropout functions after the hidden ReLU, $p = 0.5$ (off for validation
#   and testing, which run in eval mode);
# - **early stopping**: your rule with patience 5 and `min_delta` 0, on the validation loss.
#   It needs no run of its own: the weights after epoch $k$ do not depend on anything training
#   does later, so stopping at an epoch and restoring the best one gives the same network as
#   taking that epoch's weights from the unregularised run. The study applies your rule to that
#   run's validation losses and reports the test accuracy of the epoch it restores.
#
# Each seed is one `np.random.default_rng(seed)` that draws the initial weights, the order of
# the batches and the dropout masks; five seeds give five runs of every method. The settings
# were picked by hand, once for the whole study, to make it quick; they were not tuned per method
# on the validation set (question 5.3).
#
# **Task 4.1 (run and read, 5 min).** Run the study (a few seconds) and read the table: one
# column per seed, then the mean and the standard deviation over the seeds; the last column,
# "train (noisy)", is the mean accuracy on the noisy labels the networks were trained on.

# %%
SEEDS = [0, 1, 2, 3, 4]
SETTINGS = dict(hidden=128, epochs=30, lr=0.1, batch_size=64, lam=0.003, p=0.5, patience=5,
                min_delta=0.0)
data = ((X_train, y_train), (X_val, y_val), (X_test, y_test))
study = a3.run_study(data, my_dropout_forward, my_dropout_backward, my_early_stopping,
                     my_l2_penalty, seeds=SEEDS, **SETTINGS)
a3.print_table(study)

# %%
a3.plot_study(study)
plt.show()

# %% [markdown]
# ## Part 5: What the study shows
#
# *Time: about 41 min (reading 1 min + exercises 40 min).*
#
# Answer in a few sentences each, citing the numbers in the table or the plot. Claims about
# "better" need the seeds: say on how many seeds a difference holds, not just the means.
#
# **Question 5.1 (written, 2 points, 10 min).** How does the unregularised network do on the
# clean test set, compared with each regularised one? Is the difference the same on every seed?

# %% [markdown]
# ### BEGIN SOLUTION (2 points)
# Without regularisation the test accuracy is clearly the lowest: mean 77.6% against 92.1%
# (weight decay), 91.0% (dropout) and 93.1% (early stopping), and on each of the five seeds the
# unregularised run has the lowest test accuracy of the four (every regularised run beats it on the
# same seed: its best seed, 81.1%, is below the worst seed of any regulariser, 84.9% for weight
# decay on seed 4). The gap, 13.4 to 15.5 points in the means, is large next to the spread over
# seeds (standard deviations 1.3 to 4.5); the smallest gap on one seed is dropout's on seed 2,
# 90.0% against 81.1%, still 8.9 points.
#
# Rubric: 1 point for "lowest, far below all three" with the means or per-seed numbers; 1 point
# for "on every seed" (or the smallest per-seed gap), not the means alone.
# ### END SOLUTION

# %% [markdown]
# **Question 5.2 (written, 2 points, 10 min).** The last column is the accuracy on the *noisy*
# training labels. 60% of those labels are correct. What does the unregularised network's value
# there tell you, and why is it a bad sign although it is a high training accuracy?

# %% [markdown]
# ### BEGIN SOLUTION (2 points)
# The unregularised network agrees with more than 60% of the noisy training labels, more than
# the correct ones alone could give, so it has learned (memorised) some of the wrong labels: an
# image of a 3 labelled 7 is now predicted as 7. Memorising wrong labels cannot help on new
# images; it bends the decision boundaries around individual mislabelled images, and the test
# accuracy (clean labels) pays for it. The regularised networks stay just below 60% on the noisy
# labels, about what a network that predicted the true digit of every training image would get:
# little sign of memorised wrong labels (this column alone cannot rule some out), and they do
# better on the test set. A high training accuracy on noisy labels is a symptom of over-fitting,
# not of a good model.
#
# Rubric: 1 point for "above 60%, so it has fitted some wrong labels (memorised)"; 1 point for
# why that is bad: it cannot help on new images, and the clean test accuracy drops.
# ### END SOLUTION

# %% [markdown]
# **Question 5.3 (written, 3 points, 15 min).** Can you name the *best* of the three
# regularisers from this study? Discuss the differences between their means against the spread
# over seeds, and what the study fixed once that a fair comparison would have to tune (name at
# least two settings). What would you run next to decide?

# %% [markdown]
# ### BEGIN SOLUTION (3 points)
# Not from this study. Seed by seed: early stopping beats dropout on all five seeds (by 0.9 to 4.7
# points), weight decay beats dropout on four of five, and early stopping beats weight decay on
# only two of five. Weight decay has the widest spread (84.9 to 96.0, standard deviation 4.5), so
# its mean, 1 point below early stopping's and 1 above dropout's, settles nothing; only "early
# stopping over dropout" holds on every seed, and early stopping alone also uses the clean
# validation labels (question 5.4). Moreover each
# method used a single setting chosen once: $\lambda = 0.003$, $p = 0.5$, patience 5, and the same
# learning rate, number of epochs and network for all. Another $\lambda$ or $p$ could change the
# order, and a method's best setting with 40% wrong labels need not be its best with clean labels.
# A fair comparison would tune each method's own setting on the validation set (never the test
# set), then compare the tuned methods on more seeds (and other splits and noise draws), reporting
# mean and spread; also combinations (weight decay plus early stopping) are worth a row.
#
# Rubric: 1 point for "not decidable", backed by per-seed counts (or means against the spread);
# 1 point for two settings fixed once that a fair comparison would tune ($\lambda$, $p$, the
# patience, the learning rate, the epochs); 1 point for a next experiment that could decide
# (tune each on validation, then more seeds or splits).
# ### END SOLUTION

# %% [markdown]
# **Question 5.4 (written, 1 point, 5 min).** Here the validation labels are clean. Which of
# the four methods uses the validation set at all? What changes if its labels were noisy like
# the training labels, as in lesson 7?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Only early stopping uses it (to choose the epoch to restore); the other methods only report
# the last epoch. With noisy validation labels the validation loss is a noisier, biased estimate
# of the loss on clean data: its values are higher and it may turn up earlier or later, so the
# rule may restore a worse epoch (in lesson 7, with noisy validation labels, it still restored a
# network from before the memorisation). A clean validation set is a luxury that real data
# rarely gives; the test set, though, must stay clean to measure what we want.
#
# Rubric: the point needs both parts: only early stopping, and that noisy labels make its
# choice of epoch less reliable.
# ### END SOLUTION
