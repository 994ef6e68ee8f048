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
# # Lesson 1: Fully connected layers, and how a network learns to classify
#
# *Time: about 93 min (reading 41 min + exercises 52 min).*
#
# **Learning goals.** After this lesson you can
# - describe a neuron as a weighted sum of its inputs plus a bias,
# - read a fully connected layer as a weighted directed graph and as the formula $y = Wx + b$,
# - compute a layer for one example and for a whole batch, and say the shape of every array,
# - build a multi-layer perceptron (MLP) with `nnlesson` and count its layers in the two ways in use,
# - turn a layer's outputs into class probabilities with **softmax**, score them with the
#   **cross-entropy** loss, and state its gradient (softmax minus one-hot),
# - explain **mini-batch stochastic gradient descent** and **momentum**, the training loop every
#   later lesson uses.

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
rng = np.random.default_rng(0)

# %% [markdown]
# ## One neuron
#
# *Time: about 1 min of reading.*
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
# *Time: about 2 min of reading.*
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
# *Time: about 1 min of reading.*
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

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: the lesson writes $y = Wx + b$ for one example and
# `x @ W.T + b` for a batch. Before Exercise 1, have them write the shape under every symbol of
# both formulas (`(N, n) @ (n, m) + (m,) -> (N, m)`). The two wrong answers to expect are
# `W @ x + b` on a batch (a shape error for almost every batch) and `x @ W + b`,
# which runs only when `W` is square and then silently computes with the transposed weights.

# %% [markdown]
# ## The same layer in nnlesson
#
# *Time: about 1 min of reading.*
#
# `nl.Linear(in_features, out_features)` holds $W$ and $b$ as `Parameter`s (each with `.data`, and
# `.grad`: zeros until a backward pass fills it). It draws $W$ at random from a seed and starts $b$ at zero.

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
# *Time: about 4 min of reading.*
#
# An MLP chains fully connected layers. Each layer's output is the next layer's input, so the
# shapes must line up: `out_features` of one layer is `in_features` of the next. Between the
# layers sits a nonlinear *activation* function; lesson 2 shows why it is needed. Here it is
# `nl.ReLU()`, the rectified linear unit $\mathrm{ReLU}(z) = \max(0, z)$ applied to every
# number (lesson 3 compares it with other activations). The last layer has one output per class
# (or per predicted value).
#
# Here is an MLP for the 8x8 digit images: 64 pixels in, two *hidden* layers (the layers between
# the input and the output, whose values no label prescribes), 10 classes out.
# `nl.Sequential(...)` holds the layers and calls them in order, each on the previous one's output.

# %%
mlp = nl.Sequential(
    nl.Linear(64, 32, rng=2), nl.ReLU(),  # the 64 inputs -> hidden layer 1
    nl.Linear(32, 16, rng=3), nl.ReLU(),  # hidden layer 1 -> hidden layer 2
    nl.Linear(16, 10, rng=4),             # hidden layer 2 -> output layer: one score per digit
)
print(mlp)

images, labels = nl.load_digits()
h = images[:8]
print(f"{'input':>22}: {h.shape}")
for layer in mlp:
    h = layer(h)
    print(f"{layer!r:>22}: {h.shape}")

# %% [markdown]
# ### How many layers is that? Two countings
#
# Books count the layers of an MLP in two ways, and both are in use:
#
# - **Layers of units** (many course notes and textbook figures): the *input layer* (the 64 pixels
#   themselves), the hidden layers, and the output layer. Counted this way an MLP has at least
#   three layers: an input layer, at least one hidden layer, an output layer.
# - **Layers with weights** (D2L, *Dive into Deep Learning*, section 5.1, and PyTorch code): the
#   input layer computes nothing and has no parameters, so it is not counted. An MLP with one hidden
#   layer is a *two-layer* MLP.
#
# Both count the same network. A fully connected layer in code (`nl.Linear`) is the connection
# **between** two layers of units: it holds the weights from one to the next. So the first
# `nl.Linear` is not "the input layer"; it maps the input layer to the first hidden layer.

# %%
n_linear = sum(isinstance(layer, nl.Linear) for layer in mlp)
print("layers with weights (nl.Linear modules, D2L's count):", n_linear)
print("layers of units (input, hidden..., output):", n_linear + 1)
print("hidden layers:", n_linear - 1)

# %% [markdown]
# Every weight and bias is a number to learn. Counting them shows where a network's size comes from:
# a layer from $n$ to $m$ units has $m \cdot n$ weights and $m$ biases. Each parameter is named by
# its layer's position in the `Sequential` (counted from 0, as `print(mlp)` showed above: `0.W` is the first
# `nl.Linear`'s weights, `2.b` the second one's biases; the ReLUs at 1 and 3 have none).

# %%
for name, p in mlp.named_parameters():
    print(f"{name:4} {str(p.shape):9} {p.data.size:5d} numbers")
print("total:", sum(p.data.size for p in mlp.parameters()))

# %% [markdown]
# The same count for a bigger MLP, 784 -> 256 -> 10 (28x28 images): the first layer, which joins
# every one of the 784 inputs to every one of the 256 hidden units, holds almost all the numbers.

# %%
big = nl.Sequential(nl.Linear(784, 256, rng=0), nl.ReLU(), nl.Linear(256, 10, rng=0))
sizes = [p.data.size for p in big[0].parameters()], [p.data.size for p in big[2].parameters()]
total = sum(map(sum, sizes))
print(f"first layer {sum(sizes[0]):,}, second layer {sum(sizes[1]):,}, total {total:,} "
      f"({sum(sizes[0]) / total:.1%} in the first layer)")

# %% [markdown]
# ## From outputs to probabilities: softmax
#
# *Time: about 3 min of reading.*
#
# The MLP's last layer gives each image 10 numbers, one per digit: the **class scores** (also called
# *logits*). The predicted class is the one with the largest score. To train the network we want
# probabilities instead: numbers in $(0, 1)$ that sum to 1. **Softmax** makes them:
#
# $$ \mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j} e^{z_j}}. $$
#
# The exponential makes every score positive and keeps their order; dividing by the sum makes them
# add up to 1. Here are the scores of the (still untrained) MLP for the first image, and their
# softmax.

# %%
scores = mlp(images[:1])[0]
probs = np.exp(scores) / np.exp(scores).sum()
print(f"scores       : {scores}")
print(f"softmax      : {probs}")
print(f"sum          : {probs.sum():.6f}")  # rounded to 6 decimals
print("same as nl.softmax:", np.allclose(probs, nl.softmax(scores)))
print("largest score and largest probability at the same class:",
      np.argmax(scores) == np.argmax(probs))

# %%
fig, (ax_s, ax_p) = plt.subplots(1, 2, figsize=(9, 3.2))
digits = np.arange(10)
ax_s.bar(digits, scores, color=nlplot.BLUE)
ax_s.axhline(0, color=nlplot.GREY, lw=0.8)
ax_s.set(xticks=digits, xlabel="class (digit)", ylabel="score z", title="Scores: any real number")
ax_p.bar(digits, probs, color=nlplot.ORANGE)
ax_p.set(xticks=digits, xlabel="class (digit)", ylabel="softmax(z)",
         title="Probabilities: positive, sum to 1")
plt.show()

# %% [markdown]
# Adding the same number to every score changes nothing (it cancels between the top and the
# bottom of the fraction). Computers use this: $e^{1000}$ does not fit in a float64 and becomes
# `inf`, so `nl.softmax` first subtracts the largest score: every exponent is then at most 0, and
# every exponential it computes at most $e^0 = 1$.

# %%
with np.errstate(over="ignore"):
    print("np.exp(1000.0) =", np.exp(1000.0))
print("softmax(z + 1000) equals softmax(z):", np.allclose(nl.softmax(scores + 1000), probs))

# %% [markdown]
# ## Scoring the probabilities: cross-entropy
#
# *Time: about 9 min (reading 7 min + exercises 2 min).*
#
# For an example of class $c$ a good network gives $\mathrm{softmax}(z)_c$ close to 1. The
# **cross-entropy** loss is the negative log of that probability, averaged over a batch of $N$
# examples:
#
# $$ L = -\frac{1}{N}\sum_{i=1}^{N} \log \mathrm{softmax}(z^{(i)})_{c_i}, $$
#
# where $z^{(i)}$ holds the scores of example $i$ and $c_i$ is its class.
#
# It is 0 for a certain, correct prediction and grows without bound as the probability of the
# true class goes to 0:

# %%
p = np.linspace(0.005, 1, 400)
marks = np.array([0.05, 0.5, 0.9])
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(p, -np.log(p), color=nlplot.BLUE)
ax.plot(marks, -np.log(marks), "o", color=nlplot.VERMILLION)
for q, offset, align in zip(marks, [(10, 4), (8, 10), (0, 22)], ["left", "left", "center"]):
    ax.annotate(f"p = {q}: loss {-np.log(q):.2f}", (q, -np.log(q)), xytext=offset,
                textcoords="offset points", ha=align)
ax.set(xlabel="probability given to the true class", ylabel="cross-entropy  -log p",
       title="The loss punishes a confident wrong answer most")
plt.show()

# %% [markdown]
# **Think! (2 min).** Look at the three marked points. Raising the probability of the true class
# from 0.05 to 0.5, and from 0.5 to 0.9: which of the two lowers the loss more, by about how much,
# and what does that say about which examples dominate the loss of a batch?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# From 0.05 to 0.5 the loss falls from 3.00 to 0.69, by about 2.3; from 0.5 to 0.9 it falls from
# 0.69 to 0.11, by about 0.6. The curve is steepest near 0, so examples whose true class gets a
# small probability (confident wrong answers) contribute most to the mean loss, and training gains
# most by fixing them; an example already at 0.9 adds little.
# ### END SOLUTION

# %% [markdown]
# An untrained network that knows nothing gives the 10 classes probabilities of the same order
# (0.045 to 0.196 in the softmax printed above), so its loss is close to
# $-\log \frac{1}{10} = \log 10$:

# %%
loss_fn = nl.SoftmaxCrossEntropy()
loss = loss_fn(mlp(images[:256]), labels[:256])
print(f"cross-entropy of the untrained MLP on 256 images: {loss:.3f};  log(10) = {np.log(10):.3f}")

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A misconception to watch for: that a loss of 2.469 (printed above) is "bad" in
# some absolute sense. Ask what loss a network with equal scores for all 10 classes has (exactly
# $\log 10 = 2.303$, whatever the labels) and why this untrained one is close to it but not equal
# (its random scores are not all equal). Students who can answer can read any first loss value as a
# sanity check: a first loss far above $\log(\text{classes})$ points at a bug or a bad
# initialisation.

# %% [markdown]
# **Its gradient.** Training needs $\partial L / \partial z$, how the loss changes with each score.
# For one example, write $p = \mathrm{softmax}(z)$ and $L = -\log p_c = \log \sum_j e^{z_j} - z_c$.
# The derivative of the first term with respect to $z_k$ is $e^{z_k} / \sum_j e^{z_j} = p_k$, and
# the second term contributes $-1$ for $k = c$ only:
#
# $$ \frac{\partial L}{\partial z_k} = p_k - [k = c], \qquad
#    \frac{\partial L}{\partial z} = \mathrm{softmax}(z) - \mathrm{onehot}(c), $$
#
# where $\mathrm{onehot}(c)$ is the vector with 1 at position $c$ and 0 elsewhere (`np.eye(K)[c]`
# for $K$ classes).
#
# For the mean over a batch each row is divided by $N$. The gradient pushes the true class's score
# up (its entry is negative) and every other score down, each in proportion to the probability it
# wrongly received. We check the formula against finite differences, nudging each score by
# $\pm 10^{-6}$: the slope of the chord $(L(z + h) - L(z - h)) / 2h$ through two points on
# either side of $z$ is the derivative up to a term in $h^2$, where the one-sided
# $(L(z + h) - L(z)) / h$ is off by a term in $h$ (lesson 4 measures the central difference's
# $h^2$ error). The loss object computes the formula too: `loss_fn.backward()` returns
# $\partial L / \partial z$ for the scores and labels of its last call `loss_fn(z, c)` (every
# `nnlesson` layer and loss has a `backward` like it; lesson 4 shows how they chain).

# %%
z, c = mlp(images[:4]), labels[:4]
onehot = np.eye(10)[c]
formula = (nl.softmax(z) - onehot) / len(c)

numeric = np.zeros_like(z)
for index in np.ndindex(z.shape):
    step = np.zeros_like(z)
    step[index] = 1e-6
    numeric[index] = (loss_fn(z + step, c) - loss_fn(z - step, c)) / 2e-6

loss_fn(z, c)  # forward on z again: backward() differentiates the last call, here z - step
print("largest difference, formula vs finite differences:", f"{np.abs(formula - numeric).max():.2e}")
print("nl.SoftmaxCrossEntropy().backward() gives the formula:", np.allclose(loss_fn.backward(), formula))

# %% [markdown]
# ### Why this loss: likelihood, and why not the squared error
#
# Read $\mathrm{softmax}(z)_k$ as the network's model of the probability that the image is a
# $k$. The probability the model gives to the labels of $N$ independent examples (their
# **likelihood**) is the product $\prod_i \mathrm{softmax}(z^{(i)})_{c_i}$. Its logarithm is the
# sum of $\log \mathrm{softmax}(z^{(i)})_{c_i}$, so the cross-entropy $L$ above is exactly the
# **negative log-likelihood** divided by $N$: minimising $L$ is *maximum likelihood*, the same
# principle that makes the squared error right for regression with Gaussian noise (d2l 3.1, 4.1).
#
# Why not score the probabilities with the squared error $\sum_k (p_k - [k = c])^2$, as for
# regression? Its gradient with respect to the scores passes through the softmax's slope, which
# is small exactly when the network is confidently wrong. That slope is the derivative of
# $p_k = e^{z_k} / \sum_i e^{z_i}$ with respect to $z_j$: the quotient rule gives
# $[k = j]\, e^{z_k} / \sum_i e^{z_i} - e^{z_k} e^{z_j} / (\sum_i e^{z_i})^2$, that is
#
# $$ \frac{\partial p_k}{\partial z_j} = p_k\,([k = j] - p_j), $$
#
# the matrix `np.diag(p) - np.outer(p, p)` in the code. Its diagonal entries are $p_k(1 - p_k)$ and
# the others $-p_k p_j$, so every entry vanishes when every probability is near 0 or 1. In the
# table below, the true class is 0, and every score is 0 except that of a wrong class 1, which we
# raise; we print both losses' gradients with respect to the true class's score $z_0$ (negative:
# raise $z_0$).

# %%
def gradients_for_true_class(z, c):
    """p_c, and d/dz_c of the cross-entropy and of the squared error sum_k (p_k - onehot_k)^2."""
    p, target = nl.softmax(z), np.eye(len(z))[c]
    softmax_jacobian = np.diag(p) - np.outer(p, p)  # d p_k / d z_j
    squared_error = softmax_jacobian @ (2 * (p - target))
    return p[c], (p - target)[c], squared_error[c]


print("score of wrong class 1   p(true class 0)   cross-entropy dL/dz_0   squared error dL/dz_0")
for wrong_score in [0, 2, 4, 6, 8]:
    z = np.zeros(10)
    z[1] = wrong_score
    p_true, ce_grad, se_grad = gradients_for_true_class(z, c=0)
    print(f"{wrong_score:22}   {p_true:15.4f}   {ce_grad:21.3f}   {se_grad:21.4f}")

# %% [markdown]
# The more confident the wrong answer, the weaker the squared error's push: at wrong score 8 the
# true class has probability 0.0003 and the squared error's gradient is -0.0013, almost nothing to
# learn from, while the cross-entropy's is -1.000, its largest. The $\log$ undoes the exponential
# in the softmax, so the cross-entropy's gradient $p - \mathrm{onehot}(c)$ never shrinks when it
# is most needed. That, with the likelihood reading, is why classifiers train on the cross-entropy.

# %% [markdown]
# ## Learning: mini-batch stochastic gradient descent
#
# *Time: about 10 min (reading 8 min + exercises 2 min).*
#
# Training moves every parameter $w$ a small step against its gradient,
# $w \leftarrow w - \eta\, \partial L / \partial w$, where $\eta$ is the **learning rate**. The
# gradient of the loss over all $N$ training examples costs a pass over all of them for a single
# step. **Mini-batch SGD** estimates it from a small random batch of $B$ examples instead: shuffle
# the data, cut it into batches, take one step per batch. One pass over the data (an **epoch**)
# then makes $\lceil N / B \rceil$ steps (the last batch is smaller when $B$ does not divide $N$),
# each cheap and a little noisy.
#
# Below is that loop, written out, for the simplest classifier: one `nl.Linear(64, 10)` whose
# outputs are the class scores (*softmax regression*). `layer.backward(dlogits)` turns
# $\partial L / \partial z$ into the gradients of $W$ and $b$ (lesson 4 derives it), and `nl.SGD`
# takes the step. `nl.fit`, used from lesson 2 on, runs exactly this loop: with the same seeds it
# ends at the same weights.
#
# First we set 20% of the images aside as a **validation set** (`nl.train_val_split`). Training
# never sees them, so the accuracy on them estimates how the model does on images it has not
# learned from; the accuracy on the training images themselves would flatter it.

# %%
(X_train, y_train), (X_val, y_val) = nl.train_val_split(images, labels, val_fraction=0.2, rng=0)


def train_by_hand(batch_size, epochs, lr, seed):
    layer = nl.Linear(64, 10, rng=1)
    optimizer = nl.SGD(layer.parameters(), lr=lr)
    shuffle = np.random.default_rng(seed)
    for _ in range(epochs):
        for X_batch, y_batch in nl.batches(X_train, y_train, batch_size, rng=shuffle):
            loss_fn(layer(X_batch), y_batch)   # forward: scores, then the loss
            layer.backward(loss_fn.backward())  # backward: fills layer.W.grad and layer.b.grad
            optimizer.step()                    # w <- w - lr * grad, for W and b
    return layer


by_hand = train_by_hand(batch_size=32, epochs=3, lr=0.1, seed=5)
with_fit = nl.Linear(64, 10, rng=1)
nl.fit(with_fit, loss_fn, nl.SGD(with_fit.parameters(), lr=0.1), (X_train, y_train),
       epochs=3, batch_size=32, rng=5)
print(f"{len(X_train)} training images, batches of 32: {-(-len(X_train) // 32)} steps per epoch")
print("same weights as nl.fit:", np.allclose(by_hand.W.data, with_fit.W.data))
print(f"validation accuracy after 3 epochs: {nl.accuracy(by_hand(X_val), y_val):.1%}")

# %% [markdown]
# How large should the batch be? We train the same layer for the same number of epochs (passes
# over the data) with the whole training set as one batch, with batches of 64, and with batches of
# 8, and measure the loss on the whole training set after every epoch.

# %%
def training_curve(batch_size, epochs=15, lr=0.1, seed=5):
    """The loss on the whole training set after every epoch of mini-batch SGD."""
    model, losses = nl.Linear(64, 10, rng=1), []
    nl.fit(model, loss_fn, nl.SGD(model.parameters(), lr=lr), (X_train, y_train), epochs=epochs,
           batch_size=batch_size, rng=seed,  # fit calls callback(epoch, model) after every epoch
           callback=lambda epoch, m: losses.append(loss_fn(m(X_train), y_train)))
    return losses


curves = {}
for batch_size in [len(X_train), 64, 8]:
    curves[batch_size] = losses = training_curve(batch_size)
    steps = -(-len(X_train) // batch_size)
    print(f"batch {batch_size:4}: {steps:3} step(s) per epoch, training loss after 15 epochs "
          f"{losses[-1]:.3f}")

fig, ax = plt.subplots(figsize=(6.5, 3.8))
for (batch_size, losses), color in zip(curves.items(), [nlplot.BLACK, nlplot.BLUE, nlplot.ORANGE]):
    name = "all (one step per epoch)" if batch_size == len(X_train) else str(batch_size)
    ax.plot(np.arange(1, 16), losses, "o-", ms=3, color=color, label=f"batch {name}")
ax.set(xlabel="epoch (passes over the training data)", ylabel="training loss",
       title="Same passes over the data, smaller batches: more steps")
ax.legend(loc="center right")
plt.show()

# %% [markdown]
# **Think! (2 min).** All three runs made the same 15 passes over the training data with the same
# learning rate. Why does the batch-8 curve end lowest and the whole-batch curve highest?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# The number of steps differs, not the data seen: per epoch the whole batch takes 1 step, batches
# of 64 take 23 and batches of 8 take 180 (printed above). Each step moves the weights by the
# learning rate times a gradient, so after 15 epochs the batch-8 run has taken 2700 steps against
# 15 for the whole batch, and its training loss is 0.169 against 0.526 (batch 64) and 2.089 (whole
# batch).
# ### END SOLUTION

# %% [markdown]
# With the same learning rate and the same number of passes over the data, the smaller batches
# end lower (the printed losses above): they take many more steps for the same work. The price is
# noise: each step follows the gradient of a few examples, not of the whole training set. We
# measure it at the starting weights: how far a batch's gradient is from the whole set's, relative
# to the whole set's, on average over 200 random batches.

# %%
def gradient_noise(batch_size, draws=200, seed=0, replace=False):
    """Mean of |g_batch - g_all| / |g_all| for the weights W of the untrained softmax regression."""
    model, pick = nl.Linear(64, 10, rng=1), np.random.default_rng(seed)

    def gradient(X, y):
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        return model.W.grad.copy()

    g_all = gradient(X_train, y_train)
    errors = []
    for _ in range(draws):
        rows = pick.choice(len(X_train), batch_size, replace=replace)
        errors.append(np.linalg.norm(gradient(X_train[rows], y_train[rows]) - g_all))
    return np.mean(errors) / np.linalg.norm(g_all)


for batch_size in [8, 64, 512]:
    print(f"batch {batch_size:3}: the batch gradient is off by {gradient_noise(batch_size):.0%} "
          f"of the whole set's gradient, on average")
print(f"batch 512 drawn with replacement: off by {gradient_noise(512, replace=True):.0%}")

# %% [markdown]
# A batch of 8 gives a gradient whose error (149%) is larger than the gradient itself; a batch of 64
# about a third of that (51%): the error of a mean of $B$ random examples shrinks roughly like
# $1/\sqrt{B}$, and $1/\sqrt{8} = 0.35$. At 512 it is 15%, below the rule's
# $149\% \cdot \sqrt{8/512} = 19\%$.
#
# *Why below the rule?* A batch of 512 is a third of the 1,438 training examples. `fit` draws a
# batch without replacement (each example at most once), which covers more of a small set than
# the rule's independent draws. That shrinks the error by a further $\sqrt{1 - B/N} =
# \sqrt{1 - 512/1438} = 0.80$ (0.98 at 64). The last line measures it: drawn with replacement,
# the batch of 512 is off by 19%, as the rule says.
#
# Batches of tens to hundreds are the usual compromise: cheap steps, each still pointing roughly
# downhill.
#
# ## Momentum
#
# *Time: about 11 min (reading 8 min + exercises 3 min).*
#
# Plain gradient descent is slow in a long narrow valley: the learning rate must stay small
# enough for the steep walls (a larger one makes the steps zig-zag between them and blow up), and
# with so small a rate the steps creep along the nearly flat floor. **Momentum** keeps a
# running velocity $v$ of past gradients and steps along it:
#
# $$ v \leftarrow m\, v + \frac{\partial L}{\partial w}, \qquad w \leftarrow w - \eta\, v, $$
#
# with $m$ between 0 and 1 (0.9 is common; $m = 0$ is plain gradient descent). Along the floor
# successive gradients agree and add up in $v$, so the steps grow (up to $1/(1-m) = 10$ times a
# plain step). Across the valley gradients that change sign partly cancel in $v$, but $v$ also
# carries the path on, so there momentum can swing back and forth longer than plain descent
# does: the measurements below show both. `nl.SGD(parameters, lr, momentum=0.9)` does exactly this. We try it on the valley
# $f(w) = \tfrac12 (w_1^2 + 20\, w_2^2)$, whose gradient is $(w_1, 20\, w_2)$. A plain step
# multiplies $w_2$ by $1 - 20\,\eta$ (and $w_1$ by $1 - \eta$): above $\eta = 2/20 = 0.1$ that
# factor is below $-1$, and plain descent diverges along $w_2$. This is the **limit** the steep
# direction sets on the learning rate; we try rates up to 0.09, just under it.
#
# *How the table below counts:* a momentum path can dip below the level $f(w) = 0.001$ and swing
# back out before it stays, so the table counts the steps until the path stays below it.

# %%
valley = np.array([1.0, 20.0])


def descend(lr, momentum, steps=300, start=(-4.0, 1.0)):
    """The path of nl.SGD on the valley."""
    w = nl.Parameter(np.array(start))
    optimizer = nl.SGD([w], lr=lr, momentum=momentum)
    path = [w.data.copy()]
    for _ in range(steps):
        w.grad[...] = valley * w.data  # the gradient of f at w
        optimizer.step()
        path.append(w.data.copy())
    return np.array(path)


def steps_to_reach(path, level=1e-3):
    """The step from which f(w) stays below level (a path that dips below and swings back out
    has not arrived), or None if it is not below at the end."""
    above = 0.5 * (valley * path ** 2).sum(axis=1) >= level
    if above[-1]:
        return None
    return int(np.nonzero(above)[0][-1]) + 1 if above.any() else 0


print("steps until f(w) stays below 0.001 (at most 300 tried)")
print("learning rate   momentum 0   momentum 0.9   plain / momentum")
for lr in [0.01, 0.02, 0.04, 0.09]:
    plain, heavy = steps_to_reach(descend(lr, 0.0)), steps_to_reach(descend(lr, 0.9))
    ratio = f"> {300 / heavy:.1f}" if plain is None else f"{plain / heavy:.1f}"
    print(f"{lr:13}   {plain or '> 300':>10}   {heavy:>12}   {ratio:>16}")

# %%
def draw_valley(paths, lr):
    """The valley's contour lines and one path per momentum: ``paths`` maps momentum -> path."""
    w1, w2 = np.meshgrid(np.linspace(-4.5, 2.6, 200), np.linspace(-1.3, 1.3, 200))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.contour(w1, w2, 0.5 * (w1 ** 2 + 20 * w2 ** 2), levels=[0.1, 0.5, 2, 5, 10, 20],
               colors=nlplot.GREY, linewidths=0.8)
    for (momentum, path), color in zip(paths.items(), [nlplot.VERMILLION, nlplot.BLUE]):
        ax.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=1, color=color,
                label=f"momentum {momentum}")
    ax.plot(0, 0, "*", ms=12, color=nlplot.BLACK, label="minimum")
    steps = len(next(iter(paths.values()))) - 1
    ax.set(xlabel="$w_1$", ylabel="$w_2$",
           title=f"{steps} steps with learning rate {lr} in a narrow valley")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: the paths fill the valley


draw_valley({momentum: descend(0.02, momentum, steps=60) for momentum in (0.0, 0.9)}, lr=0.02)
plt.show()

# %% [markdown]
# Across the valley ($w_2$) the two paths behave very differently. We count how often $w_2$
# changes sign in the 60 steps (a zig-zag across the floor) and print $|w_2|$ after 20 steps, at
# the figure's learning rate and at 0.09, close to the limit:

# %%
def across_the_valley(lr, momentum, steps=60):
    """(sign changes of w2 in the first `steps` steps, |w2| after 20 steps)."""
    w2 = descend(lr, momentum, steps=steps)[:, 1]
    return int(np.sum(np.sign(w2[1:]) != np.sign(w2[:-1]))), abs(w2[20])


print("learning rate   momentum   sign changes of w2 in 60 steps   |w2| after 20 steps")
for lr in [0.02, 0.09]:
    for momentum in [0.0, 0.9]:
        changes, size = across_the_valley(lr, momentum)
        print(f"{lr:13}   {momentum:8}   {changes:30}   {size:19.4f}")

# %% [markdown]
# **Across the valley (the steep direction, $w_2$).** At 0.02 plain descent does not zig-zag at
# all: each step multiplies $w_2$ by $1 - 0.02 \cdot 20 = 0.6$, so $w_2$ shrinks without changing
# sign; momentum's velocity carries $w_2$ across the floor 14 times, and after 20 steps it is still
# 0.2329 away. At 0.09 the factor is $1 - 1.8 = -0.8$: plain descent zig-zags at every step (60 sign
# changes). There momentum's path changes sign less often (29): gradients of opposite sign partly
# cancel in $v$, so it swings more slowly, but its swings also die out more slowly ($|w_2|$ 0.4442
# after 20 steps, against 0.0115). Momentum does not make the steep direction faster.
#
# **Along the valley (the flat direction, $w_1$).** At small learning rates momentum makes the flat
# direction faster (2.5 times at 0.02 in the table above), at the price of swinging across the steep
# one; near the limit it is slower (94 steps against 48 at 0.09): with momentum 0.9 every direction
# shrinks by only about $\sqrt{0.9} \approx 0.95$ a step, while plain descent shrinks $w_1$ by
# $1 - 0.09 = 0.91$.

# %% [markdown]
# **Think! (3 min).** After 60 steps the plain path (vermilion) is still far from the minimum,
# near $w_1 \approx -1.2$ on the valley floor, while the momentum path (blue) has gone past the
# minimum and come back. Why is the plain path so slow along $w_1$, and why does the momentum path
# overshoot?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Along $w_1$ the gradient is only $w_1$ (slope 1, against 20 for $w_2$), so each plain step
# shrinks $w_1$ by the factor $1 - 0.02 = 0.98$: after 60 steps $w_1 = -4 \cdot 0.98^{60} \approx
# -1.2$, where the path ends. Momentum adds up the gradients along $w_1$, which all point the same
# way, so its velocity grows and carries it past $w_1 = 0$ (to about 1.2 in the figure); the
# gradient then points back, the velocity decays by 0.9 per step, and the path swings in towards
# the minimum. Across the valley ($w_2$) the velocity makes the path swing too (14 sign changes of
# $w_2$, printed above), where plain descent at this rate never changes sign.
# ### END SOLUTION

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Live in a lab: set the learning rate of the table to 0.11, just above the limit
# $2/20 = 0.1$ the lesson gives for plain descent, and let students predict before running. Plain
# descent diverges along $w_2$ (its $w_2$ reaches about $6 \cdot 10^{23}$ after 300 steps), while
# momentum 0.9 still converges (its column then shows 95 steps): for the heavy-ball method
# the limit is $2(1 + m)/20 = 0.19$. Extension question: why does momentum tolerate a larger
# learning rate here, yet gain nothing at 0.09?
#
# Going further: at every learning rate in the table momentum's factor per step is the same,
# $\sqrt{m} = \sqrt{0.9}$, which is why the momentum column of the table barely changes with the
# learning rate. For students who ask why: writing $v$ as $(w_{t-1} - w_t)/\eta$, each
# coordinate with slope $h$ (1 or 20) follows $w_{t+1} = (1 + m - \eta h)\, w_t - m\, w_{t-1}$. Its solutions are combinations of
# $\lambda^t$ for the two roots of $\lambda^2 - (1 + m - \eta h)\lambda + m = 0$, whose product
# is $m$. At every rate in the table both coordinates give complex roots, of equal size, so each
# has size $\sqrt m$ whatever the rate.

# %% [markdown]
# Read the last column of the table. At the small learning rates (0.01 and 0.02) momentum settles
# at the bottom 2.5 to more than 3 times sooner. Close to the limit (0.09) plain gradient descent
# is already fast, and momentum, which overshoots and swings back, gains nothing (from this start
# it takes twice as many steps). The figure shows both behaviours at 0.02: plain steps creep along
# the floor, the momentum path swings past the minimum and settles.
#
# Later lessons train with `nl.SGD(..., momentum=0.9)` and a moderate learning rate.
#
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - A neuron computes $w^\top x + b$; a fully connected layer stacks $m$ neurons: $y = Wx + b$ with
#   $W$ of shape $(m, n)$, one row per output neuron.
# - For a batch stored as rows, $Y = XW^\top + b$; `nl.Linear` computes exactly this.
# - An MLP chains layers whose shapes line up, with activations in between; its size is the number
#   of weights and biases. Counted by layers of units it has one layer more than counted by layers
#   with weights.
# - Softmax turns class scores into probabilities; the cross-entropy $-\log p_c$, the negative
#   log-likelihood of the labels, scores them (unlike the squared error, its gradient stays large
#   for a confident wrong answer); its
#   gradient with respect to the scores is $\mathrm{softmax}(z) - \mathrm{onehot}(c)$ (over $N$ for
#   a batch mean).
# - Mini-batch SGD steps against the gradient of a small random batch; momentum steps along a
#   running sum of past gradients in which each older gradient is scaled down by $m$ per step.
#
# ## Exercises
#
# *Time: about 46 min (reading 1 min + exercises 45 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it. They get harder as they go. A check
# refuses nnlesson's own implementation of what it asks for (calling `nl.softmax` in
# `my_softmax` fails with "not allowed here"), and nnlesson's other functions too; it lets you
# call the activations lessons 01-03 teach (`nl.relu`, the function `nl.ReLU()` computes;
# `nl.softmax`; and from lesson 03 `nl.sigmoid`, `nl.tanh`, `nl.prelu`) wherever they are not the exercise's subject (so not
# `nl.softmax` in Exercise 3 either: the cross-entropy's softmax is its subject). numpy is always
# allowed.
#
# **Exercise 1 (code, 5 min).** Write `my_linear_forward(x, W, b)` that returns the output of a fully
# connected layer for a batch `x` of shape `(batch, in_features)`, with `W` of shape
# `(out_features, in_features)` and `b` of shape `(out_features,)`.

# %%
def my_linear_forward(x, W, b):
    ### BEGIN SOLUTION
    return x @ W.T + b
    ### END SOLUTION


checks.check_linear_forward(my_linear_forward)
### BEGIN HIDDEN TESTS (2 points)
assert checks.check_linear_forward(my_linear_forward, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 10 min).** Write `my_softmax(logits)` for a batch of scores of shape
# `(batch, classes)`: the softmax of every row. It must work for scores near 1000 too (subtract
# each row's largest score first).

# %%
def my_softmax(logits):
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


checks.check_softmax(my_softmax)
### BEGIN HIDDEN TESTS
assert checks.check_softmax(my_softmax, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3 (code, three steps, 15 min).** Write `my_cross_entropy(logits, labels)` that returns
# `(loss, dlogits)`: (1) the probabilities with your `my_softmax`, (2) the loss, the mean over the
# batch of $-\log$ of each row's probability at its label, (3) the gradient of that mean with
# respect to the logits, of the shape of `logits`.

# %%
def my_cross_entropy(logits, labels):
    ### BEGIN SOLUTION
    probs = my_softmax(logits)
    rows = np.arange(len(labels))
    loss = -np.mean(np.log(probs[rows, labels]))
    dlogits = probs.copy()
    dlogits[rows, labels] -= 1
    return loss, dlogits / len(labels)
    ### END SOLUTION


checks.check_cross_entropy(my_cross_entropy)
### BEGIN HIDDEN TESTS
assert checks.check_cross_entropy(my_cross_entropy, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 4 (code, a loop, 15 min).** Write `my_sgd_momentum(grad_fn, w0, lr, momentum, steps)`: start
# at `w0` with velocity 0, and for each step `t = 0, 1, ..., steps - 1` get the mini-batch gradient
# `grad_fn(w, t)`, update the velocity, then `w`. Return every point of the path as an array of
# shape `(steps + 1, len(w0))`, `w0` first. With `momentum = 0` it must be plain gradient descent.
# (Make a new `w` each step, `w = w - ...`: after `w -= ...` every point kept in the path would be
# the same array.) The cell then draws your paths on the valley for 60 steps at learning rate
# 0.09, with and without momentum: compare them with the expected output. The plain path's
# zig-zag soon shrinks out of sight, so count its sign changes in code, not by eye:
# `np.sum(np.sign(p[1:, 1]) != np.sign(p[:-1, 1]))` on your path `p`, against those printed for
# 60 steps at 0.09 in the momentum section.

# %%
def my_sgd_momentum(grad_fn, w0, lr, momentum, steps):
    ### BEGIN SOLUTION
    w, v = np.array(w0, dtype=float), np.zeros(len(w0))
    path = [w]
    for t in range(steps):
        v = momentum * v + grad_fn(w, t)
        w = w - lr * v
        path.append(w)
    return np.array(path)
    ### END SOLUTION


checks.check_sgd_momentum(my_sgd_momentum)
# Your function's paths at learning rate 0.09 on the valley above: compare with the expected output
try:
    draw_valley({momentum: my_sgd_momentum(lambda w, t: valley * w, np.array([-4.0, 1.0]), 0.09,
                                           momentum, 60) for momentum in (0.0, 0.9)}, lr=0.09)
    plt.show()
except NotImplementedError:
    print("nothing to draw until my_sgd_momentum is written")
### BEGIN HIDDEN TESTS
assert checks.check_sgd_momentum(my_sgd_momentum, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ## In PyTorch
#
# *Time: about 2 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). `torch.nn.Linear` is
# this lesson's layer: its `weight` is `W`, of shape `(out, in)`, and `y = x @ W.T + b`. And the
# gradient of the mean cross-entropy with respect to the logits is (softmax - one-hot) / N, as
# derived above; PyTorch's autograd finds the same:

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    rng = np.random.default_rng(0)
    layer = nl.Linear(3, 4, rng=rng)
    linear = nl.to_torch(layer)  # a torch.nn.Linear with the same W and b
    x = rng.standard_normal((5, 3))
    print("weight shape:", tuple(linear.weight.shape), "| W shape:", layer.W.data.shape)
    y_torch = linear(torch.from_numpy(x)).detach().numpy()
    print(f"largest difference of the outputs: {np.max(np.abs(layer(x) - y_torch)):.2e}")
    logits, labels = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True), [0, 3, 1, 1, 2]
    torch.nn.functional.cross_entropy(logits, torch.tensor(labels)).backward()
    by_hand = (nl.softmax(logits.detach().numpy()) - np.eye(4)[labels]) / 5
    print(f"largest difference of the gradients: {np.max(np.abs(logits.grad.numpy() - by_hand)):.2e}")
