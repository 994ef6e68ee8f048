"""The experiments the explorers show, in numpy alone: no matplotlib, no ipywidgets.

A lesson or a test can run them without a figure (lesson 08 calls :func:`layer_statistics`):

- :func:`layer_statistics`: activations and gradient norms of a deep net for a weight scale
  (lesson 08's initialisation explorer);
- :func:`gradient_norms`: ||dL/dW|| per layer of a deep net (lesson 03's activation explorer);
- :func:`dropout_regressor`: a small regression net trained with dropout (lesson 06's explorer);
- :func:`noisy_digits_history`: a training history on noisy labels (lesson 07's explorer).

Each runs its layers with the BLAS thread limit of its size (see ``nnlesson/_threads.py``): a
direct call from a lesson goes through no ``fit`` or explorer that would set it.
"""

import functools

import numpy as np

from .. import activations as act
from .._threads import limit_for, model_work
from .._util import check_choice, check_number
from ..data import add_label_noise, load_digits, make_curve, train_val_split
from ..layers import Dropout, Linear, PReLU, ReLU, Sequential, Sigmoid, Tanh, no_grad
from ..losses import MSELoss, SoftmaxCrossEntropy
from ..optim import SGD
from ..train import accuracy, fit


def check_seed(seed, who):
    """A seed for ``np.random.default_rng``: an integer of at least 0, or a clear error."""
    return check_number(seed, "seed", who, low=0, integer=True)


# -- initialisation (lesson 08) ----------------------------------------------------------------
INIT_ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "ReLU": ReLU, "pReLU": PReLU}
# The scale each classic rule gives square layers (std = scale / sqrt(fan_in)):
# Glorot: Var(w) = 2 / (fan_in + fan_out) = 1 / n; He: Var(w) = 2 / fan_in.
REFERENCE_SCALES = {"Glorot": 1.0, "He": np.sqrt(2.0)}


def layer_statistics(activation, scale, *, depth=10, width=64, batch=256, seed=0):
    """Activations and gradient norms of a deep net with weights N(0, scale^2 / fan_in).

    The net is ``depth`` blocks of Linear(width -> width, bias 0) + activation, fed N(0, 1)
    inputs of shape (batch, width); L = sum(h_depth * G) for a random G of norm 1, so that the
    gradient arriving at the last layer has norm 1. Returns ``(activations, grad_norms)``: a list
    of ``depth`` arrays h_l of shape (batch, width) (the output of each block, first block first)
    and the array of ||dL/dh_l|| for l = 1..depth (the last one is 1): how much of the gradient
    is left when backpropagation reaches layer l.
    """
    who = "layer_statistics"
    activation = check_choice(activation, INIT_ACTIVATIONS, "activation", who)
    scale = check_number(scale, "scale", who, low=0, low_open=True)
    depth = check_number(depth, "depth (number of layers)", who, low=1, integer=True)
    width = check_number(width, "width", who, low=1, integer=True)
    batch = check_number(batch, "batch", who, low=1, integer=True)
    rng = np.random.default_rng(check_seed(seed, who))
    blocks = []
    for _ in range(depth):
        linear = Linear(width, width, rng=rng)
        linear.W.data[...] = rng.normal(0.0, scale / np.sqrt(width), size=(width, width))
        blocks.append((linear, INIT_ACTIVATIONS[activation]()))
    h = rng.standard_normal((batch, width))
    activations = []
    # Layers called one by one, not through fit: the thread limit is set here. (Lesson 08 calls
    # this directly: under load, 13.2 s with numpy's default threads, 2.4 s with one.)
    with limit_for(batch * width * width):
        for linear, nonlinearity in blocks:
            h = nonlinearity(linear(h))
            activations.append(h)
        G = rng.standard_normal((batch, width))
        grad = G / np.linalg.norm(G)  # dL/dh of the last layer has norm 1
        grad_norms = [1.0]
        for linear, nonlinearity in reversed(blocks[1:]):
            grad = linear.backward(nonlinearity.backward(grad))  # dL/dh of the layer below
            grad_norms.append(np.linalg.norm(grad))
    return activations, np.array(grad_norms[::-1])


# -- activations and vanishing gradients (lesson 03) -------------------------------------------
# name -> (function, derivative, layer, the weight initialisation that suits it)
ACTIVATIONS = {
    "sigmoid": (act.sigmoid, act.sigmoid_derivative, Sigmoid, "glorot"),
    "tanh": (act.tanh, act.tanh_derivative, Tanh, "glorot"),
    "ReLU": (act.relu, act.relu_derivative, ReLU, "he"),
    "pReLU (alpha 0.25)": (lambda x: act.prelu(x, 0.25), lambda x: act.prelu_derivative(x, 0.25),
                           PReLU, "he"),
}


INITS = ("glorot", "he")  # the weight initialisations lesson 03 compares (nl.Linear's init=)


def gradient_norms(activation, depth, *, init=None, width=32, batch=64, seed=0):
    """||dL/dW|| per Linear layer (first layer first) of a deep net with one cross-entropy step.

    ``init`` is "glorot" or "he"; None takes the one usually paired with the activation.
    """
    who = "gradient_norms"
    activation = check_choice(activation, ACTIVATIONS, "activation", who)
    depth = check_number(depth, "depth", who, low=2, high=100, integer=True)
    init = ACTIVATIONS[activation][3] if init is None else check_choice(init, INITS, "init", who)
    width = check_number(width, "width", who, low=1, high=1024, integer=True)
    batch = check_number(batch, "batch", who, low=1, high=4096, integer=True)
    return _gradient_norms(activation, depth, init, width, batch, check_seed(seed, who)).copy()


@functools.lru_cache(maxsize=256)
def _gradient_norms(activation, depth, init, width, batch, seed):
    # Cached: the explorer computes each (activation, init, depth) once, later moves only look it
    # up. The caller gets a copy, so the cached array cannot be changed from outside.
    layer = ACTIVATIONS[activation][2]
    rng = np.random.default_rng(seed)
    layers = [Linear(8, width, rng=rng, init=init), layer()]
    for _ in range(depth - 2):
        layers += [Linear(width, width, rng=rng, init=init), layer()]
    model = Sequential(*layers, Linear(width, 4, rng=rng, init=init))
    X = rng.standard_normal((batch, 8))
    loss = SoftmaxCrossEntropy()
    with limit_for(model_work(model, batch)):
        loss(model(X), rng.integers(0, 4, size=batch))
        model.backward(loss.backward())
    return np.array([np.linalg.norm(lay.W.grad) for lay in model if isinstance(lay, Linear)])


# -- dropout (lesson 06) -----------------------------------------------------------------------
TRAINED_P = 0.2  # the dropout rate the explorer's own regression net is trained with


@functools.lru_cache(maxsize=1)
def dropout_regressor():
    """A 1-D regression net trained once with dropout p = 0.2, and its data.

    Returns ``{"X", "y", "model", "model32"}``: 60 noisy points of a curve, the trained net, and a
    float32 copy in eval mode for Monte-Carlo passes (half the time of float64; the band's width
    needs no more than float32's 7 digits). Training takes about a second, so the result is
    cached: every call returns the same objects. A caller that changes the copy's dropout rate or
    mode (the dropout explorer does, before each batch of passes) sets them before each use.
    """
    X, y = make_curve(60, noise=0.1, x_range=(-2.5, 2.5), rng=3)
    rng = np.random.default_rng(4)
    model = Sequential(Linear(1, 64, rng=rng), ReLU(), Dropout(TRAINED_P, rng=rng),
                       Linear(64, 64, rng=rng), ReLU(), Dropout(TRAINED_P, rng=rng),
                       Linear(64, 1, rng=rng))
    with limit_for(model_work(model, 16)):
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.01, momentum=0.9), (X, y),
            epochs=400, batch_size=16, rng=5)
    layers = [Linear(lay.in_features, lay.out_features, rng=0, dtype=np.float32)
              if isinstance(lay, Linear) else Dropout(TRAINED_P) if isinstance(lay, Dropout)
              else ReLU() for lay in model]
    model32 = Sequential(*layers)
    for mine, theirs in zip(model32.parameters(), model.parameters()):
        mine.data[...] = theirs.data
    return {"X": X, "y": y, "model": model, "model32": model32.eval()}


# -- early stopping (lesson 07) ----------------------------------------------------------------
def noisy_digits_history(epochs=60, noise=0.4, seed=0):
    """Validation loss and test accuracy per epoch of a digits net trained on noisy labels."""
    who = "noisy_digits_history"
    epochs = check_number(epochs, "epochs", who, low=1, integer=True)
    noise = check_number(noise, "noise", who, low=0, high=1)
    seed = check_seed(seed, who)
    X, y = load_digits()
    (X_rest, y_rest), (X_test, y_test) = train_val_split(X, y, val_fraction=0.25, rng=seed)
    (X_tr, y_tr), (X_val, y_val) = train_val_split(X_rest, y_rest, val_fraction=0.2, rng=seed + 1)
    rng = np.random.default_rng(seed + 4)
    model = Sequential(Linear(64, 256, rng=rng), ReLU(), Linear(256, 256, rng=rng), ReLU(),
                       Linear(256, 10, rng=rng))
    test_accuracy = []

    def measure(epoch, model):
        with no_grad():
            test_accuracy.append(accuracy(model(X_test), y_test))

    with limit_for(model_work(model, 32)):
        history = fit(model, SoftmaxCrossEntropy(),
                      SGD(model.parameters(), lr=0.05, momentum=0.9),
                      (X_tr, add_label_noise(y_tr, noise, rng=seed + 2)),
                      (X_val, add_label_noise(y_val, noise, rng=seed + 3)), epochs=epochs,
                      batch_size=32, rng=seed + 5, callback=measure)
    return history.val_loss, test_accuracy
