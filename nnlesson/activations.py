"""Activation functions and their derivatives, as plain numpy functions.

Each function takes an array (or a number) and works element by element; each ``*_derivative``
returns d(activation)/dx at the same points. The layers in ``layers.py`` use these, and the lessons
plot them. Inputs go through the package's one input check (real numbers only; integers become
float64; a float array keeps its dtype).
"""

import numpy as np

from ._util import float_array


def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), which maps every real number into (0, 1).

    Computed without overflow: ``exp`` only ever sees ``-|x|``, so ``sigmoid(-1000.0)`` is 0.0 and
    ``sigmoid(1000.0)`` is 1.0 with no warning.
    """
    x = float_array(x, "sigmoid")
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    # For x >= 0: 1 / (1 + e^-x).  For x < 0 multiply top and bottom by e^x: e^x / (1 + e^x).
    return np.where(x >= 0, x.dtype.type(1), z) / (1 + z)


def sigmoid_derivative(x):
    """d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x)); at most 1/4, reached at x = 0."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x), which maps every real number into (-1, 1)."""
    return np.tanh(float_array(x, "tanh"))


def tanh_derivative(x):
    """d tanh / dx = 1 - tanh(x)^2; at most 1, reached at x = 0."""
    return 1 - np.tanh(float_array(x, "tanh_derivative")) ** 2


def relu(x):
    """relu(x) = max(0, x)."""
    return np.maximum(float_array(x, "relu"), 0)


def relu_derivative(x):
    """d relu / dx = 1 for x > 0 and 0 for x <= 0 (at the kink x = 0 we choose 0)."""
    return np.where(float_array(x, "relu_derivative") > 0, 1.0, 0.0)


def prelu(x, alpha):
    """prelu(x) = x for x > 0 and alpha * x for x <= 0: a ReLU with slope alpha on the left."""
    x = float_array(x, "prelu")
    return np.where(x > 0, x, alpha * x)


def prelu_derivative(x, alpha):
    """d prelu / dx = 1 for x > 0 and alpha for x <= 0 (at the kink x = 0 the slope is alpha)."""
    return np.where(float_array(x, "prelu_derivative") > 0, 1.0, alpha)


def log_softmax(logits):
    """log softmax over the last axis: logits - log(sum(exp(logits))), stable for huge logits.

    Subtracting the row maximum first changes nothing mathematically (it cancels) but keeps every
    ``exp`` argument <= 0, so logits of size 1e4 do not overflow.
    """
    logits = float_array(logits, "log_softmax")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits):
    """softmax over the last axis: exp(logits) / sum(exp(logits)); each row sums to 1."""
    return np.exp(log_softmax(logits))
