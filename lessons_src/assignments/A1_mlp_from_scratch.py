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
# # Assignment 1: A multi-layer perceptron from scratch
#
# *Time: about 196 min (reading 12 min + exercises 184 min).*
#
# In this assignment you build, in plain numpy, every piece of a small neural network and then
# train it to read handwritten digits: the fully connected layer (forward and backward), the ReLU,
# a numerically stable softmax cross-entropy, a gradient check of your own layers, mini-batch SGD
# with momentum, and finally the training loop. The lessons showed each piece inside `nnlesson`;
# here you write them yourself. Use numpy only in your answers (no `nl.Linear`, `nl.softmax` or
# `nl.SGD`); the one exception is `nl.numerical_gradient` in Part 4.
#
# **How it works.** Each task is a function with `# YOUR CODE HERE`. Replace
# `raise NotImplementedError()` with your code and run the cell: the check below your function
# tries it on a few small cases at once and prints either that it is correct or what is wrong
# (a wrong shape, a wrong sign, a missing term, a `nan`, a loop that is too slow). The checks
# never give marks; hidden tests do (they repeat the check; two tasks add a case), and each
# task says its points. The later parts use your earlier functions, so make each check pass
# before moving on. Two written
# questions are graded by hand.
#
# Every shape follows the course: a batch of $N$ examples is an array of shape `(N, features)`,
# and a layer from `n_in` to `n_out` features has `W` of shape `(n_out, n_in)` and `b` of shape
# `(n_out,)`.

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** 31 points are autograded (ten code tasks, 2 to 5 points each) and 2 points
# are graded by hand (two Think! answers with model answers); 33 in all. The instant checks name
# the typical mistakes: a forgotten bias or bias gradient, `dW` transposed or divided by the batch
# size, the ReLU's gradient not multiplied by `dout`, a softmax that overflows near 1000, a
# `log(0)` for a confident wrong answer or a loss clipped with `log(p + 1e-12)`, a relative error
# computed element by element or divided by a sum,
# parameters rebound (`p = p - ...`) instead of changed in place, a moving-average or Nesterov
# velocity, labels shuffled apart from their images, Python loops over matrix elements (the speed cases allow 1 s where numpy needs
# milliseconds). The training loop must reach 95% validation accuracy on the digits within 10 s
# with its default settings (checked by `a1.check_train_mlp`, its hidden test and
# `a1.run_training`); the check finds each epoch's mini-batch calls of `mlp_loss_and_grads` by
# their sizes, whatever else the loop calls, and names a history that records the whole
# training set's loss, the same order every epoch or percentages (an epoch's loss averaged with
# batch-size weights, the mean over its examples, is accepted as well as the plain mean).

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
from nnlesson.checks import a1
from nnlesson.viz import plot as nlplot

nlplot.use_style()
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Part 1: The linear layer
#
# *Time: about 26 min (reading 1 min + exercises 25 min).*
#
# A fully connected layer maps a batch `x` of shape `(N, n_in)` to `y` of shape `(N, n_out)`:
#
# $$ y = x W^\top + b, \qquad y_{nj} = \sum_i x_{ni} W_{ji} + b_j . $$
#
# Row $j$ of `W` holds the weights of output $j$, and `b` is added to every row of the batch.
#
# **Task 1.1 (code, 2 points, 5 min).** Write `linear_forward(x, W, b)` that returns `y`. One line, no
# Python loop: the check also times a batch of 2,000.

# %%
def linear_forward(x, W, b):
    """y = x @ W.T + b for x (N, n_in), W (n_out, n_in), b (n_out,); returns y (N, n_out)."""
    ### BEGIN SOLUTION
    return x @ W.T + b
    ### END SOLUTION


a1.check_linear_forward(linear_forward)
### BEGIN HIDDEN TESTS (2 points)
assert a1.check_linear_forward(linear_forward, quiet=True)
x_hidden = np.arange(6.0).reshape(2, 3)
with a1.own_work("Task 1.1"):  # nnlesson, torch, sklearn, scipy: not allowed here
    y_hidden = linear_forward(x_hidden, np.eye(3), np.ones(3))
assert np.allclose(y_hidden, x_hidden + 1)
### END HIDDEN TESTS

# %% [markdown]
# **The backward pass.** During training the layer receives `dout`, the gradient of the loss $L$
# with respect to its output $y$ (shape `(N, n_out)`), and must return the gradients with respect
# to its input and its parameters:
#
# $$ dx = \frac{\partial L}{\partial x}, \qquad dW = \frac{\partial L}{\partial W}, \qquad
#    db = \frac{\partial L}{\partial b}. $$
#
# Derive them with the chain rule from $y_{nj} = \sum_i x_{ni} W_{ji} + b_j$: for example
# $\partial L / \partial W_{ji} = \sum_n \frac{\partial L}{\partial y_{nj}}\, x_{ni}$, because
# $W_{ji}$ takes part in output $j$ of every example $n$. Then write each sum as one matrix
# product or one `sum`. Shapes are your friend: every gradient has the shape of the thing it is
# the gradient of (`dx` like `x`, `dW` like `W`, `db` like `b`). The loss is a mean over the
# batch, and its gradient `dout` already contains that $1/N$: the layer does not divide again.
#
# **Task 1.2 (code, 4 points, 20 min).** Write `linear_backward(x, W, dout)` that returns the tuple
# `(dx, dW, db)`. (`b` is not needed: the gradients do not depend on it.)

# %%
def linear_backward(x, W, dout):
    """Gradients of y = x @ W.T + b: returns dx (N, n_in), dW (n_out, n_in), db (n_out,)."""
    ### BEGIN SOLUTION
    dx = dout @ W
    dW = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dW, db
    ### END SOLUTION


a1.check_linear_backward(linear_backward)
### BEGIN HIDDEN TESTS (4 points)
assert a1.check_linear_backward(linear_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: ReLU
#
# *Time: about 11 min (reading 1 min + exercises 10 min).*
#
# The ReLU activation keeps positive inputs and sets negative ones to zero,
# $\mathrm{relu}(x) = \max(x, 0)$, element by element. Its derivative is 1 where $x > 0$ and 0
# where $x < 0$; at $x = 0$ exactly we use 0, as nnlesson and PyTorch do. By the chain rule the
# backward pass multiplies `dout` by that derivative, element by element.
#
# **Task 2.1 (code, 2 points, 10 min).** Write `relu_forward(x)` and `relu_backward(x, dout)`, where `x`
# is the input the forward pass received.

# %%
def relu_forward(x):
    """max(x, 0) element-wise, any shape."""
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION


def relu_backward(x, dout):
    """The gradient with respect to the ReLU's input x: dout where x > 0, else 0."""
    ### BEGIN SOLUTION
    return dout * (x > 0)
    ### END SOLUTION


a1.check_relu(relu_forward, relu_backward)
### BEGIN HIDDEN TESTS (2 points)
assert a1.check_relu(relu_forward, relu_backward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3: A numerically stable softmax cross-entropy
#
# *Time: about 27 min (reading 2 min + exercises 25 min).*
#
# The network's last layer gives each example $C$ scores (logits) $z$. Softmax turns them into
# probabilities, and the cross-entropy loss of an example of class $c$ is minus the log of the
# probability of its class, averaged over the batch:
#
# $$ p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad
#    L = -\frac{1}{N} \sum_{n=1}^{N} \log p^{(n)}_{c_n}, \qquad
#    \frac{\partial L}{\partial z^{(n)}} = \frac{1}{N}\left(p^{(n)} - \mathrm{onehot}(c_n)\right). $$
#
# Written this way it breaks in floating point, in two places. `np.exp` overflows above about
# 709 (printed below), so logits near 1000 give `inf / inf = nan`. And when the true class's score is far below
# the best one, its probability underflows to exactly 0 and $\log 0 = -\infty$, although the
# loss is a perfectly ordinary number:

# %%
print(f"largest x with a finite np.exp(x): {np.log(np.finfo(np.float64).max):.2f}")
z = np.array([[1000.0, 0.0]])  # the true class is 1: a confident wrong answer
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    p_naive = np.exp(z) / np.exp(z).sum()
    shifted = z - z.max(axis=1, keepdims=True)  # each row's own maximum
    p_shifted = np.exp(shifted) / np.exp(shifted).sum()
    print("softmax as written      :", p_naive)
    print("softmax, max subtracted :", p_shifted, " log:", np.log(p_shifted))
print("log-softmax, stable     :", shifted - np.log(np.exp(shifted).sum()))

# %% [markdown]
# Subtracting each row's maximum $m$ changes nothing mathematically (it cancels) and keeps every
# `exp` at most 1: that fixes the overflow. Taking the log of the formula directly fixes the
# second problem: with $s = z - m$,
#
# $$ \log p_k = s_k - \log \sum_j e^{s_j}, $$
#
# the *log-sum-exp* form, which gives $-1000$ for the example above instead of $-\infty$, so its
# loss is 1000.
#
# **Task 3.1 (code, 4 points, 25 min).** Write `softmax_cross_entropy(logits, labels)` for logits of shape
# `(N, C)` and integer labels of shape `(N,)`. Return `(loss, dlogits)`: the loss as one number
# (the mean over the batch) and its gradient with respect to the logits, of shape `(N, C)`. The
# loss must be exact for logits near 1000 (1000 for the example above: use the log-sum-exp form;
# clipping, `log(p + 1e-12)`, keeps it finite but wrong) and finite for a confident wrong answer.

# %%
def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) with integer labels; returns (loss, dlogits)."""
    ### BEGIN SOLUTION
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), labels].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1
    return loss, dlogits / n
    ### END SOLUTION


a1.check_softmax_cross_entropy(softmax_cross_entropy)
### BEGIN HIDDEN TESTS (4 points)
assert a1.check_softmax_cross_entropy(softmax_cross_entropy, quiet=True)
with a1.own_work("Task 3.1"):  # nnlesson, torch, sklearn, scipy: not allowed here
    loss_hidden, _ = softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9]))
assert np.isclose(loss_hidden, np.log(10))
### END HIDDEN TESTS

# %% [markdown]
# ## Part 4: Check your gradients
#
# *Time: about 34 min (reading 2 min + exercises 32 min).*
#
# A backward pass can be wrong in ways no error message shows: a transposed matrix that happens
# to have the right shape, a forgotten term, a factor of 2. A **gradient check** compares it with
# the derivative measured numerically, by central differences:
#
# $$ \frac{\partial L}{\partial a_i} \approx \frac{L(a + \epsilon e_i) - L(a - \epsilon e_i)}{2\epsilon},
#    \qquad \epsilon = 10^{-6}. $$
#
# `nl.numerical_gradient(f, a)` does exactly this: it nudges each element of the float64 array
# `a` **in place**, calls `f(a)` each time, puts the element back, and returns the array of
# differences. Because it changes `a` itself, `f` may ignore its argument and read `a` through
# any other name.
#
# To compare two gradients we use the **relative error**
#
# $$ \mathrm{rel\_error}(a, b) = \frac{\max_i |a_i - b_i|}{\max\left(\max_i |a_i|,\ \max_i |b_i|,\ 10^{-8}\right)}, $$
#
# one number for the whole array. It divides by the largest magnitude, not element by element,
# because an element whose gradient is nearly 0 would turn harmless round-off into a huge ratio;
# the $10^{-8}$ keeps two arrays of zeros from dividing by zero. Our tolerance: a correct float64
# backward pass gives a relative error **below $10^{-7}$**; around $10^{-2}$ or more means a
# bug.
#
# **Task 4.1 (code, 2 points, 10 min).** Write `rel_error(a, b)` as defined above.

# %%
def rel_error(a, b):
    """max|a - b| / max(max|a|, max|b|, 1e-8), one number."""
    ### BEGIN SOLUTION
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-8)
    ### END SOLUTION


a1.check_rel_error(rel_error)
### BEGIN HIDDEN TESTS (2 points)
assert a1.check_rel_error(rel_error, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# A layer's output is an array, not one number. To check its backward pass for a given `dout`,
# check the scalar
#
# $$ L(x, W, b) = \sum_{n,j} \mathrm{forward}(x, W, b)_{nj}\ \mathrm{dout}_{nj}, $$
#
# whose gradient with respect to the output is exactly `dout`: so its gradients with respect to
# `x`, `W` and `b` are what the backward pass should return for that `dout`.
#
# **Task 4.2 (code, 3 points, 20 min).** Write `gradient_errors(forward, x, W, b, dout, grads)`.
# `forward(x, W, b)` is a layer's forward pass and `grads = (dx, dW, db)` the gradients its
# backward pass gave for `dout`. Return the tuple `(err_x, err_W, err_b)`: your `rel_error`
# between each of them and `nl.numerical_gradient` of $L$ with respect to `x`, `W` and `b`.

# %%
def gradient_errors(forward, x, W, b, dout, grads):
    """Relative errors (err_x, err_W, err_b) of grads = (dx, dW, db) against numerical gradients
    of L = sum(forward(x, W, b) * dout)."""
    ### BEGIN SOLUTION
    def loss(_):  # numerical_gradient nudges x, W or b in place; read them directly
        return np.sum(forward(x, W, b) * dout)

    return tuple(rel_error(nl.numerical_gradient(loss, array), grad)
                 for array, grad in zip((x, W, b), grads))
    ### END SOLUTION


a1.check_gradient_errors(gradient_errors)
### BEGIN HIDDEN TESTS (3 points)
assert a1.check_gradient_errors(gradient_errors, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# Now the real test of Parts 1 and 2: your `gradient_errors` checks your linear layer, and a
# linear layer followed by your ReLU, on random float64 inputs (the helper builds the block's
# backward pass from your `linear_backward` and `relu_backward`):

# %%
a1.gradient_check_report(gradient_errors, linear_forward, linear_backward, relu_forward,
                         relu_backward)

# %% [markdown]
# **Think! (2 min).** `nl.numerical_gradient` refuses float32 arrays. Why does a gradient check
# need float64, when float32 is precise enough to train the network?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# The numerical derivative divides a tiny difference by a tiny step: $L(a + \epsilon) - L(a -
# \epsilon)$ is about $2\epsilon \cdot \partial L/\partial a = 2 \cdot 10^{-6}$ times the
# derivative, while each value of $L$ carries a round-off error of about the machine epsilon
# times $|L|$. In float32 that epsilon is about $10^{-7}$: when $|L|$ and the derivative are of
# similar size, the round-off of the two values is about $2 \cdot 10^{-7} / (2 \cdot 10^{-6})
# = 10^{-1}$ of their difference, so even a correct layer shows relative errors around $10^{-1}$,
# a million times the $10^{-7}$ that tells a correct backward pass from a wrong one (and more
# where $|L|$ is larger than the derivative). A larger step shrinks the round-off's share but lets
# the curvature in: the central difference is exact only up to terms in $\epsilon^2$. In float64
# the epsilon is about $10^{-16}$ and the round-off is some $10^{-10}$ of the difference, so a
# correct backward pass shows errors below $10^{-7}$. Training needs no such precision: a gradient
# with a relative error of $10^{-7}$ points in the same direction.
# ### END SOLUTION

# %% [markdown]
# ## Part 5: Mini-batch SGD with momentum
#
# *Time: about 33 min (reading 1 min + exercises 32 min).*
#
# Training takes many small steps, each on the gradient of a small random **mini-batch**. One
# **epoch** is one pass over the training set: shuffle it, cut it into batches of `batch_size`
# (the last batch smaller when `batch_size` does not divide $N$), and take one step per batch.
#
# **Task 5.1 (code, 2 points, 15 min).** Write `minibatches(X, y, batch_size, rng)` that returns the list
# of pairs `(X_batch, y_batch)` of one epoch: take the examples in the order
# `order = rng.permutation(len(X))` and cut that order into consecutive batches. Each label must
# stay with its example.

# %%
def minibatches(X, y, batch_size, rng):
    """One epoch's mini-batches [(X_batch, y_batch), ...] in the order rng.permutation(len(X))."""
    ### BEGIN SOLUTION
    order = rng.permutation(len(X))
    return [(X[order[start:start + batch_size]], y[order[start:start + batch_size]])
            for start in range(0, len(X), batch_size)]
    ### END SOLUTION


a1.check_minibatches(minibatches)
### BEGIN HIDDEN TESTS (2 points)
assert a1.check_minibatches(minibatches, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Momentum** keeps for every parameter $w$ a velocity $v$ (an array of $w$'s shape, zero at
# the start), a running sum of past gradients $g$, and steps along it:
#
# $$ v \leftarrow \mu\, v + g, \qquad w \leftarrow w - \eta\, v, $$
#
# with the momentum $\mu$ (0.9 is common; $\mu = 0$ is plain SGD) and the learning rate $\eta$.
# This is the convention of `nl.SGD` and PyTorch: $v$ holds no learning rate. (The cs231n notes
# store $-\eta v$ instead, `v = mu * v - lr * g; w += v`; the steps are the same, the velocity
# is not, and the check compares the velocity too.)
#
# **Task 5.2 (code, 3 points, 15 min).** Write `sgd_momentum_step(params, grads, velocities, lr, momentum)`
# that takes one step for every parameter. `params`, `grads` and `velocities` are lists of arrays
# in the same order. Change the arrays in `params` and `velocities` **in place** (`p -= ...`, or
# `p[...] = ...`) and return nothing: the caller keeps the same arrays from step to step.

# %%
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    """One step of SGD with momentum, in place: v = momentum * v + g, then p -= lr * v."""
    ### BEGIN SOLUTION
    for p, g, v in zip(params, grads, velocities):
        v *= momentum
        v += g
        p -= lr * v
    ### END SOLUTION


a1.check_sgd_momentum_step(sgd_momentum_step)
### BEGIN HIDDEN TESTS (3 points)
assert a1.check_sgd_momentum_step(sgd_momentum_step, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Think! (2 min).** Suppose the gradient stays the same, $g$, step after step. What does the
# velocity approach with momentum $\mu = 0.9$, and how long is the step then compared with plain
# SGD at the same learning rate?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# The velocity is $v_t = g(1 + \mu + \mu^2 + \dots + \mu^{t-1})$, which approaches
# $g / (1 - \mu) = 10\,g$ for $\mu = 0.9$. The step $\eta v$ is then 10 times the plain SGD step
# $\eta g$: along a direction where the gradients agree, momentum multiplies the learning rate
# by $1/(1-\mu)$, while gradients that change sign from step to step cancel in $v$. (That is
# also why a learning rate that works with momentum 0.9 is often about 10 times smaller than one
# that works without.)
# ### END SOLUTION

# %% [markdown]
# ## Part 6: Train the network
#
# *Time: about 62 min (reading 2 min + exercises 60 min).*
#
# Everything comes together in an MLP with one hidden layer for the 8x8 digit images (64 pixels,
# 10 classes): `Linear(64 -> hidden) -> ReLU -> Linear(hidden -> 10)` and the softmax
# cross-entropy. Its parameters are the list `[W1, b1, W2, b2]`. We split the 1,797 images into a
# training and a validation set, and start the weights at random with the He initialisation
# (standard deviation $\sqrt{2 / n_{in}}$, lesson 8) and the biases at zero:

# %%
(X_train, y_train), (X_val, y_val) = nl.train_val_split(*nl.load_digits(), val_fraction=0.2,
                                                        rng=0)
print(f"{len(X_train) + len(X_val)} images; training:", X_train.shape, y_train.shape,
      " validation:", X_val.shape, y_val.shape)


def init_mlp(n_in, n_hidden, n_out, rng):
    """[W1, b1, W2, b2] of Linear(n_in -> n_hidden) -> ReLU -> Linear(n_hidden -> n_out)."""
    W1 = rng.normal(0, np.sqrt(2 / n_in), size=(n_hidden, n_in))
    W2 = rng.normal(0, np.sqrt(2 / n_hidden), size=(n_out, n_hidden))
    return [W1, np.zeros(n_hidden), W2, np.zeros(n_out)]


print("parameter shapes:", [p.shape for p in init_mlp(64, 64, 10, np.random.default_rng(0))])

# %% [markdown]
# **Task 6.1 (code, 4 points, 20 min).** Write `mlp_loss_and_grads(params, X, y)` with your functions from
# Parts 1 to 3: the forward pass through the two layers and the ReLU, the loss, then the backward
# pass in the reverse order. Return `(loss, [dW1, db1, dW2, db2])`, the gradients in the order of
# the parameters. (Keep what the backward pass needs from the forward pass: each layer's input.)

# %%
def mlp_loss_and_grads(params, X, y):
    """The loss of Linear -> ReLU -> Linear with softmax cross-entropy, and its gradients."""
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = params
    z = linear_forward(X, W1, b1)
    h = relu_forward(z)
    scores = linear_forward(h, W2, b2)
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(h, W2, dscores)
    dz = relu_backward(z, dh)
    _, dW1, db1 = linear_backward(X, W1, dz)
    return loss, [dW1, db1, dW2, db2]
    ### END SOLUTION


a1.check_mlp_loss_and_grads(mlp_loss_and_grads)
### BEGIN HIDDEN TESTS (4 points)
assert a1.check_mlp_loss_and_grads(mlp_loss_and_grads, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Task 6.2 (code, 5 points, 40 min).** Write the training loop `train_mlp`. With its default settings it
# must reach **at least 95% validation accuracy** and finish **within 10 seconds** (the check
# measures both; a loop over matrix elements is too slow, and a loop over single examples is
# slow too, some seconds, but passes). Steps:
#
# 1. `rng = np.random.default_rng(seed)`; the parameters from `init_mlp(64, hidden, 10, rng)`;
#    one velocity of zeros per parameter.
# 2. For each epoch: for each pair of `minibatches(X_train, y_train, batch_size, rng)`, compute
#    the loss and gradients with your `mlp_loss_and_grads` (Task 6.1) and take one
#    `sgd_momentum_step`.
# 3. After each epoch append to `history["train_loss"]` the mean of that epoch's mini-batch
#    losses (weighting them by the batch sizes is also accepted), and to
#    `history["val_accuracy"]` the fraction of `X_val` whose largest score is at the right class.
#
# Return `(params, history)`. Use the one `rng` for everything random, so that the same seed
# gives the same run. The cell then runs your loop with the default settings and draws its
# learning curves.

# %%
def train_mlp(X_train, y_train, X_val, y_val, *, hidden=64, epochs=10, batch_size=32, lr=0.05,
              momentum=0.9, seed=0):
    """Train the MLP; returns (params, history), history = {"train_loss": [...],
    "val_accuracy": [...]} with one number per epoch."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = init_mlp(X_train.shape[1], hidden, 10, rng)
    velocities = [np.zeros_like(p) for p in params]
    history = {"train_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        losses = []
        for X_batch, y_batch in minibatches(X_train, y_train, batch_size, rng):
            loss, grads = mlp_loss_and_grads(params, X_batch, y_batch)
            sgd_momentum_step(params, grads, velocities, lr, momentum)
            losses.append(loss)
        W1, b1, W2, b2 = params
        scores = linear_forward(relu_forward(linear_forward(X_val, W1, b1)), W2, b2)
        history["train_loss"].append(float(np.mean(losses)))
        history["val_accuracy"].append(float(np.mean(scores.argmax(axis=1) == y_val)))
    return params, history
    ### END SOLUTION


a1.check_train_mlp(train_mlp)
history = a1.run_training(train_mlp, X_train, y_train, X_val, y_val)  # the run, default settings
a1.plot_learning_curves(history)
plt.show()
### BEGIN HIDDEN TESTS (5 points)
assert a1.check_train_mlp(train_mlp, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# The run reaches the goal of the assignment (at least 95%, within the budget). Most of its accuracy
# is there after the first epoch (printed above too); the later epochs add the last points, and
# the training loss falls from the first epoch to the last.
#
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - A linear layer's backward pass is matrix products and a sum; each gradient has the shape of
#   the array it is the gradient of, which tells you which product to write.
# - ReLU passes the gradient where its input was positive and blocks it elsewhere.
# - A stable cross-entropy subtracts each row's maximum and works with log-probabilities
#   (log-sum-exp), so that large logits give neither `nan` nor `inf`.
# - A gradient check compares a backward pass with central differences in float64 through one
#   relative error; below $10^{-7}$ is right.
# - Mini-batch SGD with momentum, a few epochs over shuffled batches, trains the digit classifier
#   to the accuracy printed above, within the time budget.
