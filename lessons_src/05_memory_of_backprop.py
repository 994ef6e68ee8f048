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
# # Lesson 5: The memory cost of backpropagation
#
# *Time: about 76 min (reading 31 min + exercises 45 min).*
#
# **Learning goals.** After this lesson you can
# - say which intermediate values each layer keeps for its backward pass, and count their bytes,
# - predict how that memory grows with batch size and depth, and check the prediction,
# - explain why training needs much more memory than prediction,
# - trade compute for memory with gradient checkpointing.

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
import math
import time
import tracemalloc

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
MB = 1e6

# %% [markdown]
# ## What backward needs
#
# *Time: about 3 min of reading.*
#
# Lesson 4 showed that the backward pass of each operator uses values from the forward pass: a
# linear layer needs its input $x$ to form $\partial L/\partial W = (\partial L/\partial y)^\top x$,
# a sigmoid needs its output $y$ for $\sigma' = y(1 - y)$, a ReLU only needs to know *where* $x > 0$.
# These values must be **kept** from the forward pass until the backward pass reaches the layer.
# Every `nnlesson` layer keeps them in `layer.cache` and reports their size with `cache_nbytes()`.

# %%
rng = np.random.default_rng(0)
batch, width = 64, 256
model = nl.Sequential(nl.Linear(width, width, rng=rng), nl.ReLU(),
                      nl.Linear(width, width, rng=rng), nl.Sigmoid(),
                      nl.Linear(width, 10, rng=rng))
x = rng.normal(size=(batch, width))
model(x)
per_layer = model.cache_nbytes(per_layer=True)
print(f"{'layer':20} {'keeps':32} {'bytes':>9}")
for layer, size in zip(model, per_layer):
    kept = ", ".join(f"{a.dtype}{a.shape}" for a in layer.cache)
    print(f"{layer!r:20} {kept:32} {size:9,d}")
print(f"{'sum of the rows':53} {sum(per_layer):9,d}")
print(f"{'total, each array once':53} {model.cache_nbytes():9,d}")
print("the Sigmoid's output is the last Linear's input, one array:",
      model[3].cache[0] is model[4].cache[0])

# %% [markdown]
# Each number is $\text{batch} \times \text{width} \times \text{bytes per element}$: $64 \times 256
# \times 8 = 131{,}072$ for a float64 array; the ReLU keeps a boolean mask, one byte per element.
# The Sigmoid's row and the last Linear's row are **one array, two references**: the Sigmoid
# returns its output read-only, so the Linear after it keeps that very array as its input instead
# of a copy (the last line prints `True`). Memory holds it once, so the total counts each array
# once: 409,600 bytes, 131,072 less than the sum of the rows. (After a ReLU there is no such
# sharing: its output can still be changed, so the next Linear keeps a copy.)
#
# ## Growth with batch size and depth
#
# *Time: about 6 min (reading 4 min + exercises 2 min).*
#
# For a network of $L$ blocks `Linear(w, w)` + `ReLU`, the analytic count is
#
# $$ \text{bytes} = L \times N \times w \times (8 + 1) $$
#
# for a batch of $N$: linear in the batch size and linear in the depth. We measure both and draw
# the formula beside the measurement.

# %%
# checkpoint_every: see "Gradient checkpointing" below; None keeps everything, as so far.
def block_net(depth, width, rng, checkpoint_every=None):
    layers = []
    for _ in range(depth):
        layers += [nl.Linear(width, width, rng=rng), nl.ReLU()]
    return nl.Sequential(*layers, checkpoint_every=checkpoint_every)


def analytic_bytes(depth, batch, width):
    return depth * batch * width * (8 + 1)


width = 256
batches = [16, 32, 64, 128, 256, 512]
depths = [2, 4, 8, 16, 32]


def kept_bytes(net, batch):
    net(np.ones((batch, width)))
    return net.cache_nbytes()


net8 = block_net(8, width, np.random.default_rng(1))
by_batch = [kept_bytes(net8, n) for n in batches]
by_depth = [kept_bytes(block_net(d, width, np.random.default_rng(1)), 64) for d in depths]

print("measured == analytic, over batch sizes:",
      by_batch == [analytic_bytes(8, n, width) for n in batches])
print("measured == analytic, over depths:     ",
      by_depth == [analytic_bytes(d, 64, width) for d in depths])

fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
axes[0].plot(batches, np.array(by_batch) / MB, "o", color=nlplot.BLUE, label="measured")
axes[0].plot([0, *batches], [analytic_bytes(8, n, width) / MB for n in [0, *batches]], "-",
             color=nlplot.ORANGE, label="L N w (8 + 1) bytes")
axes[0].set_xlabel("batch size N (depth L = 8)")
axes[0].set_title("Memory kept for backward vs batch size")
axes[1].plot(depths, np.array(by_depth) / MB, "o", color=nlplot.BLUE, label="measured")
axes[1].plot([0, *depths], [analytic_bytes(d, 64, width) / MB for d in [0, *depths]], "-",
             color=nlplot.ORANGE, label="L N w (8 + 1) bytes")
axes[1].set_xlabel("depth L in blocks (batch N = 64)")
axes[1].set_title("... vs depth")
for ax in axes:
    ax.set_ylabel("MB kept for backward")
    ax.set(xlim=(0, None), ylim=(0, None))  # show the origin: the lines pass through it
    ax.legend()
fig.suptitle("Width w = 256, float64")
plt.show()

# %% [markdown]
# **Think! (2 min).** Both panels are straight lines through the origin. What happens to the memory
# kept for backward when you double the batch size, or double the depth? Read from the figure:
# about how much does a batch of 512 keep at depth 8?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# It doubles in both cases: the memory is proportional to the batch size and to the depth (the
# measured points sit on the line $L N w (8 + 1)$). A batch of 512 at depth 8 keeps about 9.4 MB,
# the last point of the left panel ($8 \times 512 \times 256 \times 9$ bytes).
# ### END SOLUTION

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Where students get stuck: why the ReLU keeps 1 byte per element and the Sigmoid
# 8 (the table at the top), and, in Exercise 2, that a Linear after a Sigmoid keeps no array of
# its own (answers of 16 bytes per element count that array twice; the check says so). The ReLU's derivative needs only the sign of its input, a boolean mask;
# the sigmoid's derivative $\sigma(1 - \sigma)$ needs its float output. Ask what `nl.Tanh` must
# keep (its output, since $\tanh' = 1 - \tanh^2$: 8 bytes per element in float64, like the Sigmoid)
# and let them check with `cache_nbytes()`.

# %% [markdown]
# ## The process agrees: prediction vs training
#
# *Time: about 4 min of reading.*
#
# `cache_nbytes` is our own accounting. Python's `tracemalloc` measures what the process really
# allocates (numpy reports its arrays to it). Prediction needs no backward, so inside
# `with nl.no_grad():` the layers keep nothing and each intermediate is freed as soon as the next
# layer has used it. We measure the peak memory of one forward pass both ways.

# %% tags=["nbval-ignore-output"]
def peak_bytes(fn):
    """The peak memory numpy and Python allocated while fn() ran."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


net = block_net(16, 256, np.random.default_rng(2))
x = np.random.default_rng(3).normal(size=(256, 256))


def predict():
    with nl.no_grad():
        net(x)


def train_forward():
    net(x)


# The exact peaks depend on the numpy version; the comparisons below do not.
predict()  # drop any earlier cache
inference_peak = peak_bytes(predict)
training_peak = peak_bytes(train_forward)
print(f"peak during a prediction forward: {inference_peak / MB:5.1f} MB")
print(f"peak during a training forward:   {training_peak / MB:5.1f} MB")
print(f"difference:                       {(training_peak - inference_peak) / MB:5.1f} MB")
print(f"cache_nbytes() after training:    {net.cache_nbytes() / MB:5.1f} MB")
activation = x.nbytes  # one 256 x 256 float64 activation
print(f"in activations of {activation / MB:.2f} MB: prediction peak "
      f"{inference_peak / activation:.1f}, cache_nbytes() minus the difference "
      f"{(net.cache_nbytes() - (training_peak - inference_peak)) / activation:.1f}")


def prediction_peak(depth):
    """The peak of a prediction through `depth` blocks, in activations."""
    deeper = block_net(depth, 256, np.random.default_rng(2))

    def run():
        with nl.no_grad():
            deeper(x)

    run()  # drop any first-call cost, as above
    return peak_bytes(run) / activation


print("prediction peak at depth 4, 16, 64: "
      + ", ".join(f"{prediction_peak(depth):.1f}" for depth in (4, 16, 64)) + " activations")

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** A misconception to watch for: that a network's memory is its weights. The 16
# blocks of `Linear(256, 256)` hold $16 \times (256 \cdot 256 + 256) \times 8 \approx 8.4$ MB of
# parameters, while at batch 256 the layers keep 9.4 MB for backward (printed above). Extension
# question: above which batch size does the memory kept for backward exceed the weights? ($16
# \times 256 \times 9 = 36{,}864$ bytes per example: above about 228 examples.) Your students'
# peaks, and the checkpointing table's peaks and times, may differ a little from the stored ones
# (numpy versions differ in their temporaries); the claims the lesson states hold on every numpy
# version the course is tested on. The notebook runs numpy with one BLAS thread: on a 2-core
# machine busy with other processes, numpy's default threads can make a lesson run much
# slower (`benchmarks/contention.py` measures each lesson on a quiet and on a busy machine).

# %% [markdown]
# The last line counts in activations (one 256 x 256 float64 array). The extra memory of the
# training forward is what the layers report keeping, to within the last number printed there
# (a fraction of one activation). A prediction's peak is a few activations (3.1 printed: the
# output of the current layer, the one before it, a temporary). It does not grow with depth (the
# last line: 3.1 at 4, 16 and 64 blocks alike), since `no_grad` frees each intermediate once the
# next layer has used it; training holds every layer's intermediates.
# That is why a GPU that can *run* a large model often cannot *train* it at the same batch size.
#
# ## Everything training keeps: weights, gradients, optimizer state
#
# *Time: about 5 min of reading.*
#
# The activations are not the only memory of training. Every parameter also has a **gradient** of
# its own size (backward writes it), and the optimizer keeps **state** per parameter:
# `nl.SGD(..., momentum=0.9)` keeps the velocity $v$ of lesson 1, one array per parameter; Adam,
# the other common optimizer (PyTorch's `torch.optim.Adam`, not in nnlesson), keeps two (running
# means of the gradient and of its square). We count them for the 16-block network above, after
# one real step of `nl.SGD` with momentum. That network maps 256 numbers to 256; to have a loss to
# step on, we read its first 10 outputs as the scores of 10 classes (labels 0 to 9 in turn) and
# give the other 246 outputs zero gradient (`dscores` is zero outside the first 10 columns):

# %%
weights = sum(p.data.nbytes for p in net.parameters())
loss_fn = nl.SoftmaxCrossEntropy()
loss_fn(net(x)[:, :10], np.arange(len(x)) % 10)
dscores = np.zeros_like(x)
dscores[:, :10] = loss_fn.backward()
net.backward(dscores)
optimizer = nl.SGD(net.parameters(), lr=0.01, momentum=0.9)
optimizer.step()
gradients = sum(p.grad.nbytes for p in net.parameters())
velocity = sum(v.nbytes for v in optimizer.velocity)
print(f"weights                        {weights / MB:5.1f} MB")
print(f"gradients                      {gradients / MB:5.1f} MB")
print(f"SGD with momentum: velocity    {velocity / MB:5.1f} MB   (plain SGD: none; Adam: "
      f"{2 * weights / MB:.1f} MB)")
print(f"activations kept, batch {len(x)}   {net.cache_nbytes() / MB:5.1f} MB")
print("bytes per number: " + ", ".join(f"{np.dtype(t).name} {np.dtype(t).itemsize}"
                                       for t in (np.float64, np.float32, np.float16)))

# %% [markdown]
# For this network at batch 256, weights, gradients, velocity and kept activations are each
# between 8 and 10 MB (printed above): training with momentum holds about four times the weights,
# with Adam five. The activations grow with the batch, the other three do not. Everything here is
# float64 (8 bytes a number), chosen so that lesson 4's gradient checks are exact. Frameworks
# train in float32 (4 bytes): the weights, gradients and velocity above halve, and the kept
# activations nearly so (each ReLU's mask stays 1 byte: 4 + 1 bytes per element instead of
# 8 + 1). *Mixed precision* goes further for the activations, kept in a 2-byte format (float16,
# or bfloat16, which numpy lacks): about a third of the float64 count, (2 + 1) / (8 + 1). In its
# classic *master-weights* scheme the weights, gradients and optimizer state stay in float32, and
# a 2-byte copy of the weights is added for the forward pass; details vary by framework (PyTorch's
# `autocast` keeps no lasting 2-byte copy, and keeps some activations in float32).
#
# **Gradient accumulation.** When a batch does not fit, split it: the gradient of the mean loss
# over a batch of $2n$ examples is the average of the two halves' gradients (the loss is the mean
# over examples, so its gradient is the mean of theirs: the fork rule of lesson 4, scaled). Run backward on each
# half, average their gradients, and take one step: only one half's activations are kept at a time.

# %%
def batch_gradient(X, y):
    """The gradients of the mean cross-entropy of `net` (its first 10 outputs) on (X, y)."""
    loss_fn(net(X)[:, :10], y)
    dscores = np.zeros_like(X)
    dscores[:, :10] = loss_fn.backward()
    net.backward(dscores)
    return [p.grad.copy() for p in net.parameters()]


y_all = np.arange(len(x)) % 10
whole = batch_gradient(x, y_all)
halves = [batch_gradient(x[:128], y_all[:128]), batch_gradient(x[128:], y_all[128:])]
accumulated = [(a + b) / 2 for a, b in zip(*halves)]
print("largest difference, whole batch vs two accumulated halves:",
      f"{max(np.abs(w - a).max() for w, a in zip(whole, accumulated)):.1e}")

# %% [markdown]
# The two agree to float64's round-off (printed above): accumulation changes the memory, not the
# step.
#
# ## Gradient checkpointing: trade compute for memory
#
# *Time: about 12 min (reading 9 min + exercises 3 min).*
#
# We do not have to keep everything. With `checkpoint_every=k`, `nl.Sequential` keeps only the
# input of every $k$-th layer during the forward pass. During backward it recomputes one segment of
# $k$ layers at a time from its stored input, backpropagates through it, and frees it again. The
# gradients are identical (with the same 10-class loss on the first 10 outputs as above):

# %%
x_small = np.random.default_rng(4).normal(size=(32, 256))
labels = np.arange(32) % 10
grads = []
for k in (None, 4):
    model = block_net(16, 256, np.random.default_rng(5), checkpoint_every=k)
    loss_fn = nl.SoftmaxCrossEntropy()
    loss_fn(model(x_small)[:, :10], labels)
    dscores = np.zeros((32, 256))
    dscores[:, :10] = loss_fn.backward()
    model.backward(dscores)
    grads.append([p.grad for p in model.parameters()])
print("checkpointed gradients identical:", all(np.array_equal(a, b) for a, b in zip(*grads)))

# %% [markdown]
# Storing $L/k$ segment inputs and recomputing one segment of $k$ layers at a time, the peak memory
# of backward is about $L/k + k$ activations, smallest near $k = \sqrt{L}$ (the count is flat there:
# Exercise 3). The price is one extra
# forward pass: a third more arithmetic, since a `Linear` does one matrix product forward
# and two backward. We measure peak memory and time of a full training step (forward and backward) for
# every $k$ of a 32-layer network (16 blocks of `Linear` + `ReLU`), at batch 256 and a narrower
# width of 128, so that the 24 timed steps stay quick.

# %% tags=["nbval-ignore-output"]
depth_layers = 32
ks = [1, 2, 4, 6, 8, 16, 32]
x_big = np.random.default_rng(6).normal(size=(256, 128))  # batch 256, width 128
dout = np.ones_like(x_big)


def training_step(k):
    """One forward and backward of the 32-layer network, checkpointed every k layers."""
    model = block_net(depth_layers // 2, 128, np.random.default_rng(7), checkpoint_every=k)

    def step():
        model(x_big)
        model.backward(dout)

    return step


def fastest_times(steps, rounds=3):
    """The fastest of `rounds` runs of each step, taking turns so that a busy moment on the
    machine slows every step alike."""
    best = [np.inf] * len(steps)
    for _ in range(rounds):
        for i, step in enumerate(steps):
            start = time.perf_counter()
            step()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


# Times change from run to run, peaks with the numpy version; the comparisons below do not.
steps = [training_step(k) for k in [None, *ks]]
peaks = [peak_bytes(step) for step in steps]
times = fastest_times(steps)
plain_peak, plain_time = peaks[0], times[0]
costs = list(zip(peaks[1:], times[1:]))
memory = np.array([peak for peak, _ in costs]) / plain_peak
slowdown = np.array([t for _, t in costs]) / plain_time
print(f"no checkpointing: peak {plain_peak / MB:.1f} MB, {plain_time * 1e3:.0f} ms per step")
print(f"{'k':>3} {'peak (MB)':>10} {'peak / no checkpointing':>24} {'time / no checkpointing':>24}")
for k, (peak, _), m, t in zip(ks, costs, memory, slowdown):
    print(f"{k:3d} {peak / MB:10.1f} {m:24.0%} {t:24.2f}")
best = int(np.argmin(memory))
print(f"smallest peak at k = {ks[best]}: {memory[best]:.0%} of the peak without checkpointing; "
      f"time ratios from {slowdown.min():.2f} to {slowdown.max():.2f}")
gradient_bytes = sum(p.data.nbytes for layer in block_net(16, 128, np.random.default_rng(7))
                     for p in layer.parameters())
print(f"in every peak: {gradient_bytes / MB:.1f} MB of gradients (a new array per parameter, the "
      f"same for every k)")
linears = depth_layers // 2
print(f"matrix products per step: {3 * linears} without checkpointing (per Linear 1 forward, "
      f"2 backward), {4 * linears} with it for any k (one more forward): {4 / 3:.2f} times")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
axes[0].plot(ks, [c[0] / MB for c in costs], "o-", color=nlplot.BLUE, label="checkpointed")
axes[0].axhline(plain_peak / MB, color=nlplot.VERMILLION, ls="--", label="no checkpointing")
axes[0].axvline(np.sqrt(depth_layers), color=nlplot.GREY, ls=":", label="k = sqrt(32)")
axes[0].set_xlabel("checkpoint every k layers")
axes[0].set_ylabel("peak memory of a training step (MB)")
axes[0].set_ylim(0, None)  # from 0: the saving reads at its true size
axes[0].set_title("Memory: flat minimum around k = sqrt(depth)")
axes[0].legend(loc="upper center")
axes[1].plot(ks, slowdown, "o-", color=nlplot.BLUE, label="checkpointed")
axes[1].axhline(1, color=nlplot.VERMILLION, ls="--", label="no checkpointing")
axes[1].axhline(4 / 3, color=nlplot.GREY, ls=":", label="4/3: the arithmetic")
axes[1].set_xlabel("checkpoint every k layers")
axes[1].set_ylabel("time of a training step (relative)")
axes[1].set_ylim(0, max(2, 1.1 * slowdown.max()))  # a busy moment must not fall off the plot
axes[1].set_title("Time (fastest of 3 steps; noisy)")
axes[1].legend(loc="lower right")
nlplot.describe(f"Left: the peak memory of a training step against the checkpoint interval k, lowest in a flat region around sqrt(32), about 5.7, where it is well below the peak without checkpointing (the dashed line); for k = 1 it is well above that line ({memory[0]:.0%} of it), for k = 32 (one segment: nothing saved) about on it ({memory[-1]:.0%}). Right: the time of a step relative to no checkpointing, measured and so noisy: from {slowdown.min():.2f} to {slowdown.max():.2f} times, where the arithmetic says 4/3 = 1.33 (the dotted line; recomputing also reruns the ReLUs and allocates arrays, and other work on the machine adds noise).", summary=False)  # the numbers are this run's
plt.show()

# %% [markdown]
# **Think! (3 min).** Checkpointing every layer ($k = 1$) needs more memory than no checkpointing
# at all, and $k = 32$ saves nothing. Why? And why does the count of matrix products (the last
# printed line, the dotted line) give 4/3 of the plain step for every $k$, while the measured times
# differ from it?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# With $k = 1$ the network stores the input of every layer, and half of the layers are ReLUs, whose
# float64 input takes 8 bytes per element where the ReLU itself keeps a 1-byte mask: the peak
# is well above that without checkpointing (153% of it in the stored run). With $k = 32$ there is
# a single segment, the whole network: backward recomputes all of it and holds all its
# intermediates at once, so the peak is about that of no checkpointing (104% in the stored run).
# The count of the arithmetic is one more forward pass for any $k$: 64 matrix products instead of
# 48, 4/3 as many (the last printed line). The measured times are another matter: recomputing also
# allocates and frees arrays and reruns the ReLUs, which the count leaves out, and other work on
# the machine slows some steps more than others. So the measured ratios (the table's last column)
# differ from 4/3, more so on a busy machine, and change from run to run; the count does not.
# ### END SOLUTION

# %% [markdown]
# Read the table and its last line. The smallest peak is at $k = 8$, in the flat region around
# $k = \sqrt{32} \approx 5.7$, with $k = 4$ and $6$ close behind: about two thirds of the memory
# of the step without checkpointing (66% to 73% in the stored run). That is more than the simple
# count $(L/k + k)/L$ predicts, because the count treats every layer alike (here the ReLUs keep only
# 1-byte masks) and ignores what checkpointing cannot save: the gradients (2.1 MB of every peak,
# the line before the last: backward writes one new array per parameter) and the backward pass's
# own temporaries. The price is compute: one extra forward pass, whatever $k$ (the Think! above).
# Read the measured times as rough, the memory figures as exact for this numpy version: they do
# not change from run to run.
#
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - Backward needs values from the forward pass; each layer keeps them until its backward runs.
# - That memory is $\text{depth} \times \text{batch} \times \text{width} \times$ bytes per element:
#   linear in batch size and depth. Prediction (`no_grad`) keeps none of it.
# - Gradient checkpointing keeps every $k$-th input and recomputes the rest: with $k \approx
#   \sqrt{L}$ the kept activations fall from $L$ to about $2\sqrt{L}$ for about one extra
#   forward; the whole step's peak falls less (here to about two thirds): stored inputs are
#   float64 where a ReLU keeps 1 byte, and the gradients and backward's temporaries remain.
# - Training also holds a gradient per parameter and the optimizer's state (momentum: one array
#   per parameter, Adam: two). Gradient accumulation averages the gradients of smaller batches
#   to take the step of a larger one.
#
# ## Exercises
#
# *Time: about 41 min (reading 1 min + exercises 40 min).*
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it. The exercises rise in difficulty; the last
# code exercise takes several steps.
#
# **Exercise 1 (code, one line, 5 min).** Write `my_array_bytes(shape, dtype)`: the bytes of a numpy array
# of that shape and dtype, computed from the numbers alone (without creating the array).
# `np.dtype(dtype).itemsize` gives the bytes per element.

# %%
def my_array_bytes(shape, dtype):
    ### BEGIN SOLUTION
    return math.prod(shape) * np.dtype(dtype).itemsize  # Python's integers never wrap around
    ### END SOLUTION


checks.check_array_bytes(my_array_bytes)
### BEGIN HIDDEN TESTS
assert checks.check_array_bytes(my_array_bytes, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 10 min).** Write `my_cache_bytes(depth, batch, width)`: the bytes kept for backward
# by `depth` blocks of `Linear(width, width)` + `Sigmoid()` in float64, each array counted once,
# as `cache_nbytes()` counts them. (What does a Sigmoid keep? What does the Linear after it keep,
# and is that a new array? Look at the table at the top.)

# %%
def my_cache_bytes(depth, batch, width):
    ### BEGIN SOLUTION
    # the first Linear's copy of the input, then each Sigmoid's output (the next Linear's input)
    return (depth + 1) * batch * width * 8
    ### END SOLUTION


checks.check_cache_bytes(my_cache_bytes)
### BEGIN HIDDEN TESTS
assert checks.check_cache_bytes(my_cache_bytes, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3 (code, several steps, 20 min).** In the simple count of checkpointing, a network of $L$
# layers that keeps the input of every $k$-th layer holds, at the peak of its backward pass,
# $\lceil L/k \rceil$ stored segment inputs plus the $k$ activations of the segment being
# recomputed. Write `my_best_checkpoint(L)` returning `(k, activations)`: the $k$ from 1 to $L$
# with the fewest activations at the peak, and that number (on a tie, the smallest such $k$).
# Steps: the count for one $k$ (mind the ceiling), the count for every $k$, the best one. Is
# your $k$ for $L = 32$ near $\sqrt{32}$? Is it the $k$ the measurement above found, and why
# might they differ? The cell then draws your best $k$ for depths $L$ from 64 to 400: compare with
# the expected output. Near the best $k$ many values tie (the count is flat there), and the tie
# goes to the smallest, so the points sit at or below the $\sqrt{L}$ curve, not on it.

# %%
def my_best_checkpoint(L):
    ### BEGIN SOLUTION
    counts = [(-(-L // k) + k, k) for k in range(1, L + 1)]  # -(-a // b): ceil(a / b) in integers
    activations, k = min(counts)
    return k, activations
    ### END SOLUTION


checks.check_best_checkpoint(my_best_checkpoint)
# Your best k for depths from 64 to 400 (beyond the check's cases), beside sqrt(L): compare with
# the expected output
try:
    depths_L = np.arange(64, 401, 4)
    best_ks = [my_best_checkpoint(int(L))[0] for L in depths_L]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(depths_L, best_ks, "o", ms=3, color=nlplot.BLUE, label="your best k")
    ax.plot(depths_L, np.sqrt(depths_L), color=nlplot.ORANGE, label="sqrt(L)")
    ax.set(xlabel="layers L", ylabel="checkpoint every k layers",
           title="Best k (smallest on a tie): at or below sqrt(L)")
    ax.legend(loc="upper left")
    plt.show()
except NotImplementedError:
    print("nothing to draw until my_best_checkpoint is written")
### BEGIN HIDDEN TESTS
assert checks.check_best_checkpoint(my_best_checkpoint, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# ### BEGIN SOLUTION
# For $L = 32$ the count gives $k = 4$ with 12 activations, below $\sqrt{32} \approx 5.7$: every
# $k$ from 4 to 8 gives 12 ($8 + 4$, $7 + 5$, $6 + 6$, $5 + 7$, $4 + 8$), and the tie goes to the
# smallest. The measurement found $k = 8$, with 4 and 6 close behind. They differ because the
# count is flat over that tie and treats every layer alike, while in the measured network the
# ReLUs keep only 1-byte masks, and the peak also holds the gradients and backward's
# temporaries; such small differences decide between $k$s the count calls equal.
# ### END SOLUTION

# %% [markdown]
# **Exercise 4 (short answer, 5 min).** Your network trains with batch size 256 but runs out of memory
# at 512. Name two ways to train with the larger effective batch, and what each costs.

# %% [markdown]
# ### BEGIN SOLUTION
# Gradient accumulation: run two batches of 256, average their gradients (each is already a mean
# over 256: add them and halve, as the lesson's accumulation cell does), and step once (no extra
# compute, but one step now takes two batches' time, and layers that use batch statistics, such
# as batch normalization, still see batches of 256). Gradient checkpointing, if it cuts enough:
# about one extra forward pass of compute, but it shrinks only the activations (here the step's
# peak fell only to 66-73%: the gradients and backward's temporaries stay, and in a real step the
# weights and the optimizer's state stay too), so it may not make
# room for twice the batch. Using float32 instead of float64 halves the weights, gradients and
# optimizer state and nearly halves the activations (a ReLU's mask stays 1 byte), at some precision.
# ### END SOLUTION

# %% [markdown]
# ## In PyTorch
#
# *Time: about 1 min of reading.*
#
# Optional, where PyTorch is installed (lesson 12 crosses over for good). In PyTorch,
# `torch.no_grad()` is `nl.no_grad()`, and gradient checkpointing is chosen where the model is
# called, not when it is built:
#
# ```python
# from torch.utils.checkpoint import checkpoint_sequential
# checkpoint_sequential(model, segments, x, use_reentrant=False).sum().backward()
# ```
#
# keeps only the inputs of `segments` segments and recomputes the rest during backward, like
# `checkpoint_every`. Lesson 12 runs it and compares its input gradients with those of an
# `nl.Sequential` with `checkpoint_every`. (Its first call loads PyTorch's compiler, a second
# or more, which is why this lesson does not run it.)
# Here, `no_grad`:

# %%
from nnlesson.bridge import optional_torch

torch = optional_torch()  # None (with a message saying how to install it) where PyTorch is missing
if torch is not None:
    torch.manual_seed(0)
    deep = torch.nn.Sequential(*[layer for _ in range(8)
                                 for layer in (torch.nn.Linear(16, 16, dtype=torch.float64), torch.nn.Tanh())])
    x = torch.randn(4, 16, dtype=torch.float64)
    print("outside, the output records a graph for backward:", deep(x).requires_grad)
    with torch.no_grad():
        print("inside torch.no_grad(), the output records a graph for backward:", deep(x).requires_grad)
