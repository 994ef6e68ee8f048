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
# # Lesson 12: From nnlesson to PyTorch
#
# *Time: about 64 min (reading 37 min + exercises 27 min).*
#
# **Learning goals.** After this lesson you can
# - rebuild a model of your own in `torch.nn`, layer by layer, and show that both compute the same
#   outputs, losses and gradients, to the last digits of float64;
# - train it in PyTorch with the same steps as `nl.fit`, and say what each line of a PyTorch
#   training loop does that nnlesson did for you (`zero_grad`, `backward`, `step`);
# - use the PyTorch twins of what you know: `eval()`/`train()`, `no_grad`, the `DataLoader`,
#   `torch.autograd.gradcheck`, `torch.utils.checkpoint` and BatchNorm's momentum.
#
# Almost everything you wrote in lessons 1 to 11 is in PyTorch too, under other names (early
# stopping with its restore of the best weights, lesson 7, is a few lines of your own loop there:
# you will see it below). This lesson takes
# the capstone's network across and checks every number on the way. (The sections' times below
# leave out this introduction and the setup cells, which the lesson's time includes.)

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
from matplotlib.ticker import MaxNLocator

import nnlesson as nl
from nnlesson.checks import lesson12 as checks
from nnlesson.viz import plot as nlplot

nlplot.use_style()

try:
    import torch
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "This lesson needs PyTorch, which is not installed in this kernel. Its CPU build is "
        "enough: run `pip install torch --index-url https://download.pytorch.org/whl/cpu` in a "
        "terminal (or `%pip install torch --index-url https://download.pytorch.org/whl/cpu` in a "
        "cell), then restart the kernel. Binder and Colab have it already.") from None

torch.manual_seed(0)  # PyTorch's own random numbers (the DataLoader's shuffling, Dropout)
torch.set_num_threads(1)  # small matrices: one thread is as fast and gives the same sums each run
np.set_printoptions(precision=4, suppress=True)
print("PyTorch", torch.__version__.split("+")[0])

# %% [markdown]
# ## Tensors: numpy arrays that remember
#
# *Time: about 3 min of reading.*
#
# PyTorch's array is the **tensor**: shapes, dtypes, indexing and `@` work as in numpy. What it
# adds is autograd, the idea of `nnlesson.graph` (lesson 4): a tensor created with
# `requires_grad=True` is a leaf that PyTorch follows, every result computed from it records how
# (its `grad_fn`), and `.backward()` on a scalar result fills each leaf's `.grad`. The lesson
# crosses between the two libraries with a handful of calls, all in this cell:

# %%
a = np.array([[1.0, -2.0], [3.0, 0.5]])
t = torch.from_numpy(a)  # a tensor on the same memory as the array: float64, like a
w = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)  # a leaf autograd follows
s = (t @ w).sum()  # a 0-d tensor that records how it was computed
print(t.dtype, tuple(t.shape), "| s =", s, "| s.item() =", s.item())  # .item(): the Python float
s.backward()  # ds/dw, into w.grad: the column sums of t
print("w.grad:", w.grad)
print("back to numpy:", w.detach().numpy())  # .detach() first: a tensor that records has no .numpy()

# %% [markdown]
# `torch.from_numpy` and `.numpy()` share memory with the array they come from (no copy);
# `torch.tensor(...)` copies. `.item()` gives the number inside a one-element tensor, and
# `.detach()` the same numbers without the record, which `.numpy()` needs.
#
# One default differs: numpy's and nnlesson's floats are float64, PyTorch's are **float32**. A
# layer created without a dtype has float32 weights, and `torch.from_numpy` of a numpy array gives
# float64, so the first forward pass of most code that crosses over fails:

# %%
layer32 = torch.nn.Linear(2, 1)  # no dtype given: PyTorch's default, float32
print("weights:", layer32.weight.dtype, "| input:", t.dtype)
try:
    layer32(t)
except RuntimeError as error:
    print("RuntimeError:", error)
print("with t.float():", layer32(t.float()).dtype)

# %% [markdown]
# Either convert the input with `.float()` (the usual choice in PyTorch code: float32 takes half
# the memory, and is usually faster on large networks, which this lesson does not measure), or
# create the layers in float64 with `dtype=torch.float64` (or for every new tensor with
# `torch.set_default_dtype(torch.float64)`). This lesson does the second, to
# compare the two libraries to the last digits (a float32 twin agrees less closely: we print the
# difference below).
#
# ## The capstone's network in both libraries
#
# *Time: about 2 min of reading.*
#
# A network like lesson 10's, trained on the same digits, with BatchNorm and pReLU together (lesson
# 10 tried them one at a time), a smaller hidden layer (32 units) to keep this lesson quick, and an
# 80/20 split into training and validation images. `nl.to_torch` builds its `torch.nn` twin: the same
# layers, the weights copied. Everything runs in float64 in both libraries (nnlesson's default;
# `nl.to_torch` creates each torch layer in the dtype of the nnlesson layer it copies).

# %%
X, y = nl.load_digits()
(X_train, y_train), (X_val, y_val) = nl.train_val_split(X, y, val_fraction=0.2, rng=0)


def digits_net(seed=0, hidden=32):
    rng = np.random.default_rng(seed)
    return nl.Sequential(nl.Linear(64, hidden, rng=rng), nl.BatchNorm(hidden), nl.PReLU(),
                         nl.Linear(hidden, hidden, rng=rng), nl.BatchNorm(hidden), nl.PReLU(),
                         nl.Linear(hidden, 10, rng=rng))


model = digits_net(seed=0)
twin = nl.to_torch(model)
print(model)
print(twin)

# %% [markdown]
# Read the two printouts line by line: `Linear(64 -> 32)` is `Linear(in_features=64,
# out_features=32)`, `BatchNorm` is `BatchNorm1d` (the 1d is for `(batch, features)` inputs), and
# `PReLU(num_parameters=1)` learns one alpha, as nnlesson's does. The weight matrix has the same
# layout in both, one row per output neuron:

# %%
print("nnlesson W:", model[0].W.data.shape, "  torch weight:", tuple(twin[0].weight.shape))
print("same numbers:", np.array_equal(model[0].W.data, twin[0].weight.detach().numpy()))

# %% [markdown]
# ## Outputs, loss and every gradient, side by side
#
# *Time: about 4 min of reading.*
#
# One batch of 32 training images through both, in training mode. In nnlesson the backward is a
# call we make, layer by layer; in PyTorch every operation records itself while the forward runs
# (autograd, as `nnlesson.graph` does in lesson 4), and `loss.backward()` walks that record back.

# %%
xb, yb = X_train[:32], y_train[:32]

loss_fn = nl.SoftmaxCrossEntropy()
logits = model(xb)
loss = loss_fn(logits, yb)
model.backward(loss_fn.backward())

xb_t, yb_t = torch.from_numpy(xb), torch.from_numpy(yb)
logits_t = twin(xb_t)
loss_t = torch.nn.functional.cross_entropy(logits_t, yb_t)  # softmax + cross-entropy, the mean
loss_t.backward()

print(f"loss:   nnlesson {loss:.12f}   torch {loss_t.item():.12f}")
print(f"logits: largest difference {np.max(np.abs(logits - logits_t.detach().numpy())):.2e}")
print(f"{'nnlesson':>10} {'torch':>16} {'shape':>9} {'largest |grad|':>15} {'difference':>11}")
for (name, p), (torch_name, q) in zip(model.named_parameters(), twin.named_parameters()):
    difference = np.max(np.abs(p.grad - q.grad.numpy().reshape(p.grad.shape)))
    print(f"{name:>10} {torch_name:>16} {str(p.grad.shape):>9} {np.max(np.abs(p.grad)):15.4f} "
          f"{difference:11.2e}")

# %% [markdown]
# The two losses printed above agree in every printed digit, the logits differ by round-off, and
# so does every gradient: each largest difference is below 1e-14, where the gradients themselves
# are of order 0.1. (The biases just before a BatchNorm, `0.b` and `3.b`, have a gradient of 0 in
# both, up to round-off: the batch mean subtracts them away, lesson 9.) Two libraries that share no code compute
# the same function and the same derivatives: your backward passes from lessons 1 to 9 are
# PyTorch's autograd, written out by hand. The names
# differ only: `W`/`b` are `weight`/`bias`, BatchNorm's `gamma` and `beta` are its `weight` and
# `bias` too, and pReLU's `alpha` is its `weight` (a pReLU has no bias).
#
# In float32, PyTorch's default and the usual choice in PyTorch code, each number keeps about 7
# significant digits instead of 16. A float32 copy of the twin, on the same batch:

# %%
import copy

twin32 = copy.deepcopy(twin).float()  # the same weights, each rounded to float32
logits32 = twin32(xb_t.float())
loss32 = torch.nn.functional.cross_entropy(logits32, yb_t)
logits64 = logits_t.detach().numpy()
print(f"loss: float64 {loss_t.item():.12f}   float32 {loss32.item():.12f}")
difference32 = np.max(np.abs(logits64 - logits32.detach().numpy()))
print(f"logits: largest difference float32 - float64 {difference32:.1e} "
      f"(the logits' size: up to {np.max(np.abs(logits64)):.1f})")

# %% [markdown]
# The float32 twin computes the same network, but agrees only to about 1e-6 (printed above), not
# to round-off in the 16th digit: to compare two implementations digit by digit, use float64. To
# train, PyTorch code usually uses float32, which takes half the memory; that its round-off does
# not hurt training and that it is faster on large networks are not measured in this lesson (every
# run here is float64).
#
# ## One epoch of training in each
#
# *Time: about 3 min of reading.*
#
# Now train both for one epoch, on the same batches in the same order, with SGD (learning rate
# 0.05, momentum 0.9; `nl.SGD` uses PyTorch's momentum convention). Each loop does one step per
# batch, and we keep each step's loss.

# %%
model = digits_net(seed=1)
twin = nl.to_torch(model)
optimizer = nl.SGD(model.parameters(), lr=0.05, momentum=0.9)
optimizer_t = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)

losses, losses_t = [], []
for xb, yb in nl.batches(X_train, y_train, 32, rng=2):
    # nnlesson: forward, loss, backward, step
    loss = loss_fn(model(xb), yb)
    model.backward(loss_fn.backward())
    optimizer.step()
    losses.append(loss)
    # PyTorch: the same, plus zero_grad (see below)
    optimizer_t.zero_grad()
    loss_t = torch.nn.functional.cross_entropy(twin(torch.from_numpy(xb)), torch.from_numpy(yb))
    loss_t.backward()
    optimizer_t.step()
    losses_t.append(loss_t.item())

losses, losses_t = np.array(losses), np.array(losses_t)
print(f"{len(losses)} steps")
print(f"{'step':>5} {'nnlesson loss':>15} {'torch loss':>15}")
for step in [*range(0, len(losses), 6), len(losses) - 1]:
    print(f"{step:5d} {losses[step]:15.10f} {losses_t[step]:15.10f}")
print(f"largest difference over all steps: {np.max(np.abs(losses - losses_t)):.2e}")
weights_apart = max(np.max(np.abs(p.data - q.detach().numpy().reshape(p.shape)))
                    for p, q in zip(model.parameters(), twin.parameters()))
print(f"largest difference between the weights after the epoch: {weights_apart:.2e}")

# %% [markdown]
# Step by step the printed losses are the same in both columns, from the first step to the last,
# and the weights after the epoch differ only by round-off (the last two lines). Same data, same
# order, same update rule: same network.
#
# ## The PyTorch idioms, each next to the nnlesson line it replaces
#
# *Time: about 19 min (reading 17 min + exercises 2 min).*
#
# | nnlesson | PyTorch | what it does |
# | --- | --- | --- |
# | `model.backward(loss_fn.backward())` | `loss.backward()` | gradients of the loss |
# | (nothing) | `optimizer.zero_grad()` | PyTorch **adds** into `.grad`: reset it each step |
# | `model.eval()`, `model.train()` | `model.eval()`, `model.train()` | the same |
# | `with nl.no_grad():` | `with torch.no_grad():` | a forward that keeps nothing for backward |
# | `nl.batches(X, y, 32, rng=0)` | `DataLoader(TensorDataset(X, y), 32, shuffle=True)` | mini-batches |
# | `nl.gradcheck(model, x)` | `torch.autograd.gradcheck(f, (x, *weights))` | gradients against finite differences (torch's: of the tensors passed only) |
# | `nl.Sequential(..., checkpoint_every=k)` | `torch.utils.checkpoint.checkpoint_sequential` | recompute instead of keep |
# | `nl.BatchNorm(n, momentum=0.1)` | `nn.BatchNorm1d(n, momentum=0.1)` | the same convention |
# | (nothing: numpy computes on the CPU) | `model.to(device)`, `xb.to(device)` | move the weights and the data to a GPU, if there is one |
#
# ### Why PyTorch needs `zero_grad` and nnlesson does not
#
# nnlesson's backward *replaces* each `.grad` (the layer contract, lesson 4). PyTorch's *adds*
# to it, so that a parameter used twice in one forward (a shared weight, two branches that meet)
# collects the gradients of both uses, added. Two backward passes without
# `zero_grad` in between give twice the gradient:

# %%
small = nl.Sequential(nl.Linear(3, 2, rng=0))
small_t = nl.to_torch(small)
x3 = np.random.default_rng(0).standard_normal((4, 3))
for _ in range(2):
    small(x3)
    small.backward(np.ones((4, 2)))
    small_t(torch.from_numpy(x3)).sum().backward()  # d(sum)/d(output) = ones, as above
ratio = small_t[0].weight.grad.numpy() / small[0].W.grad
print("torch's gradient / nnlesson's after two backward passes:", np.unique(ratio.round(12)))

# %% [markdown]
# The ratio printed above is 2 for every weight. In a training loop that forgets
# `optimizer.zero_grad()`, each step would use the sum of all the gradients so far.

# %% [markdown]
# **Think! (2 min).** nnlesson's `fit` calls nothing like `zero_grad`. Where in nnlesson's code
# is that work done, and what does nnlesson give up by doing it there?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# In every layer's backward: it sets each parameter's gradient to a new array
# (`self.W.grad = dout.T @ x` in `Linear.backward`) instead of adding to it, so the gradient of the
# last backward is always the gradient of the last batch alone. The price: a parameter used twice
# in one forward would keep only the gradient of its last use, not the sum of both. That is one
# of the two reasons why `nl.Sequential` refuses the same layer object at two positions; the other
# is that each nnlesson layer keeps the cache of its *last* forward for its backward, so a second
# use would overwrite the inputs the first use's backward needs. PyTorch, which adds into `.grad`
# and records every use separately in its graph, can share weights freely.
# ### END SOLUTION

# %% [markdown] tags=["teacher-note"]
# **Teacher note.** Students who learnt on nnlesson often forget `zero_grad` in their first
# PyTorch loop: nothing fails, the steps just grow (exercise 3). Ask them to predict
# the ratio printed above before running the cell, and then what it would be after ten backward
# passes (10). Exercise 2's check names one bug at a time: a student who fixes the momentum sees
# it name the second (the running statistics that were never copied).

# %% [markdown]
# ### `eval()`, `train()` and `no_grad()`
#
# Both libraries use the same words for the same things: `eval()` makes Dropout the identity and
# BatchNorm use its running statistics; `no_grad()` keeps nothing for backward (less memory, as in
# lesson 5). The two are independent: a validation pass wants both.

# %%
model.eval()
twin.eval()
with nl.no_grad():
    val_logits = model(X_val)
with torch.no_grad():
    val_logits_t = twin(torch.from_numpy(X_val))
print(f"validation accuracy after one epoch: nnlesson {nl.accuracy(val_logits, y_val):.1%}, "
      f"torch {nl.accuracy(val_logits_t.numpy(), y_val):.1%}")
print("bytes kept for backward: nnlesson", model.cache_nbytes(),
      "| torch output requires grad:", val_logits_t.requires_grad)
model.train()
_ = twin.train()  # (torch's train() returns the module, which a cell would print)

# %% [markdown]
# ### A model as an `nn.Module` subclass
#
# `nn.Sequential` is enough for a chain of layers, but most PyTorch code (and the PyTorch
# tutorials) writes a model as a class: the layers are created in `__init__` and stored as
# attributes, which registers their parameters with the model, and `forward` says how they are
# applied, any Python you like. Calling the model runs `forward`; autograd records the backward
# from it, so there is no `backward` to write. The twin as such a class, given the twin's weights
# and running statistics (its `state_dict`). The twin numbers its layers (`1.running_mean`), the
# class names them (`bn1.running_mean`), so we rename each entry; `load_state_dict` then checks
# that every name the class expects is there, and no other:

# %%
class DigitsNet(torch.nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        f64 = torch.float64
        self.fc1 = torch.nn.Linear(64, hidden, dtype=f64)
        self.bn1 = torch.nn.BatchNorm1d(hidden, dtype=f64)
        self.act1 = torch.nn.PReLU(dtype=f64)
        self.fc2 = torch.nn.Linear(hidden, hidden, dtype=f64)
        self.bn2 = torch.nn.BatchNorm1d(hidden, dtype=f64)
        self.act2 = torch.nn.PReLU(dtype=f64)
        self.out = torch.nn.Linear(hidden, 10, dtype=f64)

    def forward(self, x):
        x = self.act1(self.bn1(self.fc1(x)))
        x = self.act2(self.bn2(self.fc2(x)))
        return self.out(x)


net_t = DigitsNet()
layer_names = ["fc1", "bn1", "act1", "fc2", "bn2", "act2", "out"]  # in the twin's order
renamed = {}
for key, value in twin.state_dict().items():  # e.g. "1.running_mean"
    position, rest = key.split(".", 1)
    renamed[f"{layer_names[int(position)]}.{rest}"] = value  # -> "bn1.running_mean"
net_t.load_state_dict(renamed)
net_t.eval()
twin.eval()
with torch.no_grad():
    same = torch.equal(net_t(torch.from_numpy(X_val)), twin(torch.from_numpy(X_val)))
_ = twin.train()
print("parameters:", [name for name, _ in net_t.named_parameters()][:4], "...")
print("the class and the twin give the same validation logits:", same)

# %% [markdown]
# ### The `DataLoader` for `nl.batches`
#
# `nl.batches` shuffles with a numpy generator; PyTorch's `DataLoader` does the same with a
# `torch.Generator`, which we seed for a reproducible order:

# %%
from torch.utils.data import DataLoader, TensorDataset

loader = DataLoader(TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
                    batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
ours = list(nl.batches(X_train, y_train, 32, rng=0))
theirs = list(loader)
print(f"nl.batches: {len(ours)} batches, the first of shape {ours[0][0].shape}, "
      f"the last {ours[-1][0].shape}")
print(f"DataLoader: {len(theirs)} batches, the first of shape {tuple(theirs[0][0].shape)}, "
      f"the last {tuple(theirs[-1][0].shape)}")
print("labels of the first batch's first 8 images: nl.batches", ours[0][1][:8],
      "| DataLoader", theirs[0][1][:8].numpy())

# %% [markdown]
# Same number of batches, same sizes (the last batch is the smaller remainder in both); the order
# differs (the first labels printed above), since the two draw from different random generators.
#
# ### All together: a PyTorch training loop with early stopping
#
# `nl.fit` did all of this for you. In PyTorch you write it: per epoch, the steps on the
# `DataLoader`'s batches in training mode, then a validation pass in eval mode without a record
# for backward, and back to training mode. Early stopping (lesson 7) keeps a copy of the best
# weights and stops after `patience` epochs without a better validation loss.
#
# PyTorch computes where its tensors are: on the CPU, or on a GPU (called `"cuda"`) once moved
# there with `.to(device)`. The model's weights and each batch must be on the same device
# (otherwise PyTorch raises an error that names both), and `.cpu()` brings a result back before
# `.numpy()`. The loop below picks a GPU if there is one; on a machine without one (`device` is
# printed at the end) every `.to(device)` leaves its tensor where it is:

# %%
device = "cuda" if torch.cuda.is_available() else "cpu"  # a GPU if there is one


def fit_torch(model, loader, X_val, y_val, *, lr=0.05, max_epochs=50, patience=5):
    """SGD with early stopping; returns the best epoch and the number of epochs run."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    best_loss, best_epoch = float("inf"), 0
    best = copy.deepcopy(model.state_dict())  # a loss that is never finite restores the start
    for epoch in range(1, max_epochs + 1):
        model.train()  # BatchNorm: batch statistics (and Dropout on)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)  # the batch to where the weights are
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        model.eval()  # BatchNorm: running statistics (and Dropout off)
        with torch.no_grad():
            val_loss = torch.nn.functional.cross_entropy(model(X_val), y_val).item()
        if val_loss < best_loss:
            # a deep copy: state_dict() returns the model's own tensors, which the next steps change
            best_loss, best_epoch, best = val_loss, epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch == patience:
            break
    model.load_state_dict(best)  # restore the best weights
    return best_epoch, epoch


X_val_t, y_val_t = torch.from_numpy(X_val).to(device), torch.from_numpy(y_val).to(device)
fitted = nl.to_torch(digits_net(seed=2)).to(device)  # moves every weight (a model changes in place)
best_epoch, epochs_run = fit_torch(fitted, loader, X_val_t, y_val_t)
with torch.no_grad():  # fit_torch leaves the model in eval mode
    val_accuracy = nl.accuracy(fitted(X_val_t).cpu().numpy(), y_val)
print(f"stopped after {epochs_run} epochs; restored the weights of epoch {best_epoch}, "
      f"validation accuracy {val_accuracy:.1%} (device: {device})")

# %% [markdown]
# The validation loss was best after epoch 7; five epochs without a better one later, the loop
# stopped (after epoch 12) and put back the weights of epoch 7 (printed above). Every step of
# `fit_torch` is one of the idioms of the table, in the order `nl.fit` runs them, plus the copy of
# the best `state_dict` that early stopping keeps and the `load_state_dict` that restores it.
#
# ### `torch.autograd.gradcheck` for `nl.gradcheck`
#
# Both compare the backward with central differences in float64 (lesson 4). `nl.gradcheck`
# checks the input and every parameter of the model. PyTorch's takes a function of tensors and
# checks the gradients of the tensors you pass it (with `requires_grad=True`), and only those:
# given `x` alone it never looks at the weights. To check them too, pass them as inputs as well;
# `torch.func.functional_call` runs the model with the weights it is given. (A method whose name
# ends in `_`, such as `requires_grad_()` below or `copy_()`, changes its tensor in place.) It
# returns True, or raises with the Jacobians that differ:

# %%
net = nl.Sequential(nl.Linear(4, 5, rng=3), nl.Tanh(), nl.Linear(5, 2, rng=4))
x4 = np.random.default_rng(5).standard_normal((3, 4))
print(nl.gradcheck(net, x4))

twin = nl.to_torch(net)
names = [name for name, _ in twin.named_parameters()]


def twin_with(x, *weights):
    """The twin's output for x, with the given tensors as its weights (same order as names)."""
    return torch.func.functional_call(twin, dict(zip(names, weights)), (x,))


inputs = (torch.tensor(x4, requires_grad=True),
          *(p.detach().clone().requires_grad_() for p in twin.parameters()))
print("torch.autograd.gradcheck of x and", ", ".join(names) + ":",
      torch.autograd.gradcheck(twin_with, inputs))

# %% [markdown]
# ### `torch.utils.checkpoint` for `checkpoint_every`
#
# Lesson 5 traded compute for memory: keep only some layers' inputs, recompute the rest during
# backward. In nnlesson it is a setting of the model; in PyTorch it is chosen where the model is
# called, and counted in segments rather than layers: the 8 layers below (4 `Linear`, 4 `Tanh`)
# with a checkpoint every 2 layers make 4 segments of 2. The same input gradient either way:

# %%
from torch.utils.checkpoint import checkpoint_sequential

deep = nl.Sequential(*[layer for i in range(4) for layer in (nl.Linear(8, 8, rng=i), nl.Tanh())],
                     checkpoint_every=2)
deep_t = nl.to_torch(deep)
x8 = np.random.default_rng(6).standard_normal((5, 8))
deep(x8)
dx = deep.backward(np.ones((5, 8)))
x8_t = torch.tensor(x8, requires_grad=True)
# use_reentrant=False: PyTorch's recommended variant of checkpointing, said explicitly because
# without it PyTorch warns that the argument should be passed
segments = len(deep_t) // 2  # 8 layers / checkpoint_every 2 = 4 segments
checkpoint_sequential(deep_t, segments, x8_t, use_reentrant=False).sum().backward()
print(f"input gradients, largest difference: {np.max(np.abs(dx - x8_t.grad.numpy())):.2e}")

# %% [markdown]
# ### BatchNorm's momentum
#
# nnlesson and PyTorch both move the running mean by `momentum` of the way towards each batch's
# mean, `running = (1 - momentum) * running + momentum * batch_mean`, so `momentum=0.1` means the
# same in both. The running variance moves the same way, towards the batch's *unbiased* variance
# (the sum of squares divided by $N - 1$, not $N$), in both libraries too. Keras calls
# `1 - momentum` its momentum (its default 0.99 is PyTorch's 0.01): a number copied from a Keras
# model needs that conversion.

# %%
bn = nl.BatchNorm(3, momentum=0.1)
bn_t = nl.to_torch(bn)
x5 = np.random.default_rng(7).normal(5.0, 1.0, size=(8, 3))
bn(x5)
bn_t(torch.from_numpy(x5))
print(f"batch mean:            {x5.mean(axis=0)}")
print(f"nnlesson running mean: {bn.running_mean}")
print(f"torch running mean:    {bn_t.running_mean.numpy()}")
print("running variances equal:",
      np.allclose(bn.running_var, bn_t.running_var.numpy(), rtol=1e-12), "| both 0.9 + 0.1 * the batch's unbiased variance:",
      np.allclose(bn.running_var, 0.9 + 0.1 * x5.var(axis=0, ddof=1), rtol=1e-12))

# %% [markdown]
# Both running means printed above are a tenth of the batch mean, one step of 0.1 from 0; both
# running variances took one step of 0.1 from 1 towards the batch's unbiased variance.
#
# ## Summary
#
# *Time: about 1 min of reading.*
#
# - A network in nnlesson and its `torch.nn` twin compute the same outputs, losses and gradients;
#   `weight` is `W`, laid out `(out, in)` in both.
# - A PyTorch step is `zero_grad`, forward, loss, `backward`, `step`: its `.grad` adds up, so it
#   must be reset each step; nnlesson's is replaced. A whole training loop with validation and
#   early stopping is about twenty lines (`fit_torch`).
# - `eval()`/`train()`, `no_grad()` and BatchNorm's momentum mean the same in both; the
#   `DataLoader`, `torch.autograd.gradcheck` and `torch.utils.checkpoint` do the jobs of
#   `nl.batches`, `nl.gradcheck` and `checkpoint_every`.
# - PyTorch's default float is float32, numpy's float64: convert the input with `.float()`, or
#   create the layers with `dtype=torch.float64`.
# - Most PyTorch models are `nn.Module` subclasses: layers made in `__init__`, applied in
#   `forward`; autograd writes the backward.
#
# ## Exercises
#
# *Time: about 29 min (reading 4 min + exercises 25 min).*
#
# **Exercise 1 (code, 10 min).** Write `my_torch_twin(model)`, by hand (without `nl.to_torch`): it
# takes an `nl.Sequential` of `nl.Linear`, `nl.Tanh` and `nl.ReLU` layers in float64 and returns a
# `torch.nn.Sequential` that computes the same outputs. Create each `nn.Linear` in float64
# (`dtype=torch.float64`) and copy `W` and `b` into its `weight` and `bias` inside
# `torch.no_grad()` (`tensor.copy_(torch.from_numpy(array))`: the trailing `_` means in place;
# outside `no_grad()` PyTorch refuses to change a parameter in place).

# %%
def my_torch_twin(model):
    ### BEGIN SOLUTION
    layers = []
    for layer in model:
        if isinstance(layer, nl.Linear):
            linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.W.data))
                linear.bias.copy_(torch.from_numpy(layer.b.data))
            layers.append(linear)
        elif isinstance(layer, nl.Tanh):
            layers.append(torch.nn.Tanh())
        else:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)
    ### END SOLUTION


checks.check_torch_twin(my_torch_twin)
### BEGIN HIDDEN TESTS
assert checks.check_torch_twin(my_torch_twin, quiet=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2 (code, 10 min).** A classmate wrote the twin of a network with BatchNorm below. On a
# training batch both give the same output (printed below the code), yet in eval mode the two
# "equal" models disagree. Find the bugs (there are two) and write the corrected
# `fixed_torch_twin(model)`; the check compares the two on a fresh model, a trained one, and in
# eval mode. (Once it passes, `disagreement(fixed_torch_twin)` shows both differences at round-off.)
# The cell then follows the first feature's running mean over 20 training batches in the model,
# the classmate's twin and yours. Expected: your twin's dotted line on the model's thick one.

# %%
def buggy_torch_twin(model):
    """The twin of nl.Sequential(Linear, BatchNorm, ReLU, Linear), float64."""
    linear1, bn, _, linear2 = model
    twin = torch.nn.Sequential(
        torch.nn.Linear(linear1.in_features, linear1.out_features, dtype=torch.float64),
        torch.nn.BatchNorm1d(bn.num_features, eps=bn.eps, momentum=1 - bn.momentum,
                             dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(linear2.in_features, linear2.out_features, dtype=torch.float64))
    with torch.no_grad():
        for ours, theirs in [(linear1, twin[0]), (linear2, twin[3])]:
            theirs.weight.copy_(torch.from_numpy(ours.W.data))
            theirs.bias.copy_(torch.from_numpy(ours.b.data))
        twin[1].weight.copy_(torch.from_numpy(bn.gamma.data))
        twin[1].bias.copy_(torch.from_numpy(bn.beta.data))
    return twin.train(model.training)


def disagreement(make_twin, seed=0):
    """Largest output difference between a BatchNorm model and make_twin's twin of it: on a
    training batch, then in eval mode after 4 more training batches."""
    rng = np.random.default_rng(seed)
    ours = nl.Sequential(nl.Linear(3, 4, rng=rng), nl.BatchNorm(4), nl.ReLU(),
                         nl.Linear(4, 2, rng=rng))
    for _ in range(5):  # a model that has trained a little: running statistics away from 0 and 1
        ours(rng.normal(1.0, 2.0, size=(6, 3)))
    theirs = make_twin(ours)
    differences = []
    for i in range(6):
        if i == 5:
            ours.eval()
            theirs.eval()
        xb = rng.normal(1.0, 2.0, size=(6, 3))
        with torch.no_grad():
            differences.append(np.max(np.abs(ours(xb) - theirs(torch.from_numpy(xb)).numpy())))
    return differences[0], differences[-1]


first, last = disagreement(buggy_torch_twin)
print(f"largest output difference: a training batch {first:.2e}, "
      f"in eval mode after 4 more training batches {last:.3f}")


# %%
def fixed_torch_twin(model):
    ### BEGIN SOLUTION
    linear1, bn, _, linear2 = model
    twin = torch.nn.Sequential(
        torch.nn.Linear(linear1.in_features, linear1.out_features, dtype=torch.float64),
        torch.nn.BatchNorm1d(bn.num_features, eps=bn.eps, momentum=bn.momentum,
                             dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(linear2.in_features, linear2.out_features, dtype=torch.float64))
    with torch.no_grad():
        for ours, theirs in [(linear1, twin[0]), (linear2, twin[3])]:
            theirs.weight.copy_(torch.from_numpy(ours.W.data))
            theirs.bias.copy_(torch.from_numpy(ours.b.data))
        twin[1].weight.copy_(torch.from_numpy(bn.gamma.data))
        twin[1].bias.copy_(torch.from_numpy(bn.beta.data))
        twin[1].running_mean.copy_(torch.from_numpy(bn.running_mean))
        twin[1].running_var.copy_(torch.from_numpy(bn.running_var))
    return twin.train(model.training)
    ### END SOLUTION


checks.check_fixed_twin(fixed_torch_twin)
### BEGIN HIDDEN TESTS
assert checks.check_fixed_twin(fixed_torch_twin, quiet=True)
### END HIDDEN TESTS


def running_means(make_twin, batches=20, seed=1):
    """The first feature's running mean after each training batch: (the model's, the twin's)."""
    rng = np.random.default_rng(seed)
    ours = nl.Sequential(nl.Linear(3, 4, rng=rng), nl.BatchNorm(4), nl.ReLU(),
                         nl.Linear(4, 2, rng=rng))
    for _ in range(5):  # trained a little, as in disagreement()
        ours(rng.normal(1.0, 2.0, size=(6, 3)))
    theirs = make_twin(ours)
    bn_twin = next(m for m in theirs.modules() if isinstance(m, torch.nn.BatchNorm1d))
    means = []
    for _ in range(batches):
        xb = rng.normal(1.0, 2.0, size=(6, 3))
        ours(xb)
        theirs(torch.from_numpy(xb))  # the running statistics move in training mode
        means.append((ours[1].running_mean[0], bn_twin.running_mean[0].item()))
    return np.array(means)


# (The picture appears once your function is written.)
try:
    yours = running_means(fixed_torch_twin)
except NotImplementedError:
    yours = None
if yours is not None:
    classmates = running_means(buggy_torch_twin)
    fig, ax = plt.subplots(figsize=(7, 3.4))
    batches = np.arange(1, len(yours) + 1)
    ax.plot(batches, yours[:, 0], color=nlplot.BLACK, lw=4, alpha=0.4, label="the nnlesson model")
    ax.plot(batches, classmates[:, 1], "--", color=nlplot.VERMILLION, label="the classmate's twin")
    ax.plot(batches, yours[:, 1], ":", color=nlplot.BLUE, lw=2, label="your twin")
    ax.set_xlabel("training batch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # batches are whole numbers
    ax.set_ylabel("running mean, feature 1")
    ax.set_title("BatchNorm's running mean in the model and in two twins")
    ax.legend(loc="best")
    plt.show()

# %% [markdown]
# **Exercise 3 (short answer, 5 min).** A PyTorch training loop that forgets
# `optimizer.zero_grad()` still runs without an error. What does each step do instead, and why
# does the loss often still fall for a while?

# %% [markdown]
# ### BEGIN SOLUTION (1 point)
# Without `zero_grad`, `.grad` holds the sum of the gradients of every batch so far, so step t
# moves the weights by the learning rate times that sum (with plain SGD; with momentum these
# growing gradients are added up once more in the velocity): the first step is right, the later ones
# can grow ever larger and point along an average of old gradients (like a momentum of 1 that never
# forgets). While the old gradients still roughly agree with the current one, the loss falls,
# faster even; as the sum grows, the steps become too large and the loss rises or diverges.
# nnlesson's backward replaces `.grad`, so it has no such step to forget.
# ### END SOLUTION
