"""nnlesson: the basics of neural networks, in numpy, one readable page at a time.

Layers with an explicit forward and backward (``layers.py``; gradient checkpointing in
``checkpoint.py``), activations (``activations.py``), losses, SGD, a training loop with early
stopping (``train.py``), gradient checking (``gradcheck.py``) and datasets (``data.py``).
Imported on their own, when used: the tiny autodiff (``nnlesson.graph``). Beside the core, in
rooms of their own that the core never imports: the pictures (``nnlesson.viz``: plots, the graph
drawing, the explorers and the playground), the exercise checks (``nnlesson.checks``) and the
teacher's tool (``nnlesson.teacher``: student, nbgrader and instructor versions, ``nnlesson
course``) and the bridge to PyTorch (``nnlesson.bridge``: ``to_torch``, ``from_torch``).
"""

from .activations import (
    log_softmax,
    prelu,
    prelu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from .data import (
    add_label_noise,
    batches,
    curve,
    load_digits,
    make_circles,
    make_curve,
    make_moons,
    make_spirals,
    make_xor,
    train_val_split,
)
from .gradcheck import GradcheckReport, gradcheck, numerical_gradient, rel_error
from .layers import (
    BatchNorm,
    Dropout,
    LayerNorm,
    Linear,
    Module,
    Parameter,
    PReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    no_grad,
)
from .losses import MSELoss, SoftmaxCrossEntropy
from .optim import SGD
from .train import EarlyStopping, History, accuracy, confusion_matrix, fit

__version__ = "0.1.0"

# The public API, by topic: `help(nnlesson)` and `from nnlesson import *` list exactly these
# (tests/tooling/test_package.py checks that every public name is here and in the README's table).
__all__ = [
    # layers (layers.py)
    "Parameter", "Module", "Linear", "Sigmoid", "Tanh", "ReLU", "PReLU", "Dropout", "BatchNorm",
    "LayerNorm", "Sequential",
    "no_grad",
    # activation functions and their derivatives (activations.py)
    "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative",
    "prelu", "prelu_derivative", "softmax", "log_softmax",
    # losses, optimiser, training (losses.py, optim.py, train.py)
    "MSELoss", "SoftmaxCrossEntropy", "SGD", "fit", "EarlyStopping", "History", "accuracy",
    "confusion_matrix",
    # gradient checking (gradcheck.py)
    "numerical_gradient", "rel_error", "gradcheck", "GradcheckReport",
    # data (data.py)
    "make_moons", "make_circles", "make_spirals", "make_xor", "make_curve", "curve",
    "add_label_noise", "train_val_split", "batches", "load_digits",
    # the bridge to PyTorch (nnlesson/bridge/, imported when first used)
    "to_torch", "from_torch",
]
_BRIDGE = ("to_torch", "from_torch")


def __getattr__(name):
    """``nnlesson.to_torch`` and ``nnlesson.from_torch``: the bridge is imported on first use, so
    that ``import nnlesson`` stays numpy only (the bridge imports torch only when called)."""
    if name in _BRIDGE:
        from . import bridge  # the core's one import of a room (tests/tooling/test_architecture.py)
        return getattr(bridge, name)
    raise AttributeError(f"module 'nnlesson' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_BRIDGE])
