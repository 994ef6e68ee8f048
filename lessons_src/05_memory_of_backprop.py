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
# **Learning goals.** After this lesson you can
# - say which intermediate values each layer keeps for its backward pass, and count their bytes,
# - predict how that memory grows with batch size and depth, and check the prediction,
# - explain why training needs much more memory than prediction,
# - trade compute for memory with gradient checkpointing.

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
import time
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np

import nnlesson as nl
from nnlesson import checks
from nnlesson import plot as nlplot

MB = 1e6

# %% [markdown]
# ## What backward needs
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
print(f"{'layer':20} {'keeps':32} {'bytes':>9}")
for layer, size in zip(model, model.cache_nbytes(per_layer=True)):
    kept = ", ".join(f"{a.dtype}{a.shape}" for a in layer.cache)
    print(f"{layer!r:20} {kept:32} {size:9,d}")
print(f"{'total':53} {model.cache_nbytes():9,d}")

# %% [markdown]
# Each number is $\text{batch} \times \text{width} \times \text{bytes per element}$: $64 \times 256
# \times 8 = 131{,}072$ for a float64 array; the ReLU keeps a boolean mask, one byte per element.
#
# ## Growth with batch size and depth
#
# For a network of $L$ blocks `Linear(w, w)` + `ReLU`, the analytic count is
#
# $$ \text{bytes} = L \times N \times w \times (8 + 1) $$
#
# for a batch of $N$: linear in the batch size and linear in the depth. We measure both and draw
# the formula beside the measurement.

# %%
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

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].plot(batches, np.array(by_batch) / MB, "o", color=nlplot.BLUE, label="measured")
axes[0].plot(batches, [analytic_bytes(8, n, width) / MB for n in batches], "-",
             color=nlplot.ORANGE, label="L N w (8 + 1) bytes")
axes[0].set_xlabel("batch size N (depth L = 8)")
axes[0].set_title("Memory kept for backward vs batch size")
axes[1].plot(depths, np.array(by_depth) / MB, "o", color=nlplot.BLUE, label="measured")
axes[1].plot(depths, [analytic_bytes(d, 64, width) / MB for d in depths], "-",
             color=nlplot.ORANGE, label="L N w (8 + 1) bytes")
axes[1].set_xlabel("depth L in blocks (batch N = 64)")
axes[1].set_title("... vs depth")
for ax in axes:
    ax.set_ylabel("MB kept for backward (width w = 256)")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The process agrees: prediction vs training
#
# `cache_nbytes` is our own accounting. Python's `tracemalloc` measures what the process really
# allocates (numpy reports its arrays to it). Prediction needs no backward, so inside
# `with nl.no_grad():` the layers keep nothing and each intermediate is freed as soon as the next
# layer has used it. We measure the peak memory of one forward pass both ways.

# %%
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


# NBVAL_IGNORE_OUTPUT
# (the exact peaks depend on the numpy version; tests/test_memory.py checks the claim below)
predict()  # drop any earlier cache
inference_peak = peak_bytes(predict)
training_peak = peak_bytes(train_forward)
print(f"peak during a prediction forward: {inference_peak / MB:5.1f} MB")
print(f"peak during a training forward:   {training_peak / MB:5.1f} MB")
print(f"difference:                       {(training_peak - inference_peak) / MB:5.1f} MB")
print(f"cache_nbytes() after training:    {net.cache_nbytes() / MB:5.1f} MB")

# %% [markdown]
# The extra memory of the training forward is, to within one or two activations, exactly what the
# layers report keeping. A prediction holds about two activations at any moment (the input and the
# output of the current layer), whatever the depth; training holds every layer's intermediates.
# That is why a GPU that can *run* a large model often cannot *train* it at the same batch size.
#
# ## Gradient checkpointing: trade compute for memory
#
# We do not have to keep everything. With `checkpoint_every=k`, `nl.Sequential` keeps only the
# input of every $k$-th layer during the forward pass. During backward it recomputes one segment of
# $k$ layers at a time from its stored input, backpropagates through it, and frees it again. The
# gradients are identical:

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
# of backward is about $L/k + k$ activations, smallest at $k = \sqrt{L}$. The price is one extra
# forward pass. We measure peak memory and time of a full training step (forward and backward) for
# every $k$ of a 32-layer network (16 blocks of `Linear` + `ReLU`).

# %%
depth_layers = 32
ks = [1, 2, 4, 6, 8, 16, 32]
x_big = np.random.default_rng(6).normal(size=(256, 256))
dout = np.ones_like(x_big)


def step_cost(k):
    model = block_net(depth_layers // 2, 256, np.random.default_rng(7), checkpoint_every=k)

    def step():
        model(x_big)
        model.backward(dout)

    peak = peak_bytes(step)
    start = time.perf_counter()
    for _ in range(3):
        step()
    return peak, (time.perf_counter() - start) / 3


plain_peak, plain_time = step_cost(None)
costs = [step_cost(k) for k in ks]

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].plot(ks, [c[0] / MB for c in costs], "o-", color=nlplot.BLUE, label="checkpointed")
axes[0].axhline(plain_peak / MB, color=nlplot.VERMILLION, ls="--", label="no checkpointing")
axes[0].axvline(np.sqrt(depth_layers), color=nlplot.GREY, ls=":", label="k = sqrt(32)")
axes[0].set_xlabel("checkpoint every k layers")
axes[0].set_ylabel("peak memory of a training step (MB)")
axes[0].set_title("Memory: smallest near k = sqrt(depth)")
axes[0].legend()
axes[1].plot(ks, [c[1] / plain_time for c in costs], "o-", color=nlplot.BLUE, label="checkpointed")
axes[1].axhline(1, color=nlplot.VERMILLION, ls="--", label="no checkpointing")
axes[1].set_xlabel("checkpoint every k layers")
axes[1].set_ylabel("time of a training step (relative)")
axes[1].set_ylim(0, 2.5)
axes[1].set_title("Compute: about one extra forward pass")
axes[1].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Near $k = \sqrt{32} \approx 6$ the step needs about half the memory it needs without
# checkpointing, for about 1.2 to 1.5 times the time (the extra forward pass). Checkpointing *every* layer ($k = 1$) is worse
# than none here: it stores every ReLU's float input, where the ReLU itself keeps only a 1-byte mask.
#
# ## Summary
#
# - Backward needs values from the forward pass; each layer keeps them until its backward runs.
# - That memory is $\text{depth} \times \text{batch} \times \text{width} \times$ bytes per element:
#   linear in batch size and depth. Prediction (`no_grad`) keeps none of it.
# - Gradient checkpointing keeps every $k$-th input and recomputes the rest: with $k \approx
#   \sqrt{L}$ memory falls from $L$ to about $2\sqrt{L}$ activations for about one extra forward.
#
# ## Exercises
#
# Each code exercise ends with a check: run the cell and it tells you at once whether your
# function is right and, if not, what is wrong with it.
#
# **Exercise 1 (code).** Write `my_cache_bytes(depth, batch, width)`: the bytes kept for backward
# by `depth` blocks of `Linear(width, width)` + `Sigmoid()` in float64. (What does a Sigmoid keep?)

# %%
def my_cache_bytes(depth, batch, width):
    ### BEGIN SOLUTION
    return depth * batch * width * (8 + 8)  # Linear keeps its input, Sigmoid its output
    ### END SOLUTION


checks.check_cache_bytes(my_cache_bytes)

# %% [markdown]
# **Exercise 2 (short answer).** Your network trains with batch size 256 but runs out of memory
# at 512. Name two ways to train with the larger effective batch, and what each costs.

# %% [markdown]
# ### BEGIN SOLUTION
# Gradient checkpointing (about one extra forward pass of compute), or gradient accumulation: run
# two batches of 256, add their gradients, and step once (no extra compute, but twice the steps'
# latency and care with layers that depend on the batch). Using float32 instead of float64 also
# halves the memory, at some precision.
# ### END SOLUTION
