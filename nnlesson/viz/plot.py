"""Plots the lessons share. ``import nnlesson`` alone does not load this module or matplotlib.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness. The author's readability check of these figures is in ``figlint.py``; the PNG
encoder the explorers use is in ``_png.py``.
"""

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.colors import ListedColormap

from .._util import no_grad
from ..layers import Sequential, Sigmoid

# Okabe & Ito (2008), "Color Universal Design".
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW, BLACK = "#56B4E9", "#CC79A7", "#F0E442", "#000000"
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK]
GREY = "#BBBBBB"

# One look for every lesson figure and explorer. A notebook's output area is about 900 px wide:
# at 100 dpi a figure up to MAX_WIDTH inches shows at full size, so a 9 pt label stays 9 pt.
DPI = 100
MAX_WIDTH = 9.0
STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.constrained_layout.use": True,  # titles, labels and colour bars never overlap
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def use_style():
    """Apply the course figure style (:data:`STYLE`) to pyplot; each lesson calls it at the top."""
    plt.rcParams.update(STYLE)


def draw_layer(W, ax=None, *, input_names=None, output_names=None):
    """Draw a fully connected layer as a weighted directed graph, inputs on the left.

    One edge per weight ``W[j, i]`` from input i to output j: its width grows with ``|W[j, i]|``,
    blue for positive weights and vermilion for negative ones. Returns the axes.
    """
    W = np.asarray(W)
    n_out, n_in = W.shape
    ax = ax or plt.figure(figsize=(4.5, 3.2)).add_subplot()
    y_in = np.linspace(1, 0, n_in) if n_in > 1 else np.array([0.5])
    y_out = np.linspace(1, 0, n_out) if n_out > 1 else np.array([0.5])
    scale = 4 / max(np.abs(W).max(), 1e-12)
    for j in range(n_out):
        for i in range(n_in):
            w = W[j, i]
            ax.plot([0, 1], [y_in[i], y_out[j]], color=BLUE if w >= 0 else VERMILLION,
                    lw=0.3 + scale * abs(w), alpha=0.8, zorder=1)
    ax.scatter(np.zeros(n_in), y_in, s=600, color="white", edgecolor=BLACK, zorder=2)
    ax.scatter(np.ones(n_out), y_out, s=600, color="white", edgecolor=BLACK, zorder=2)
    for names, xs, ys in ((input_names or [f"$x_{i + 1}$" for i in range(n_in)], 0, y_in),
                          (output_names or [f"$y_{j + 1}$" for j in range(n_out)], 1, y_out)):
        for name, yy in zip(names, ys):
            ax.text(xs, yy, name, ha="center", va="center", zorder=3)
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.15, 1.15)
    ax.set_xticks([0, 1], ["inputs x", "outputs y = Wx + b"])
    ax.set_yticks([])
    ax.set_xlabel("edge width: |weight|; blue: positive, vermilion: negative")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"A fully connected {n_in} -> {n_out} layer")
    return ax


def _plane_points(X, who):
    """``X`` as an (n, 2) float array: one point of the plane per row, or a clear error."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        features = f"{X.shape[1]} features" if X.ndim == 2 else f"shape {X.shape}"
        raise ValueError(f"{who}: the plot is of a plane, so it needs data with 2 input features "
                         f"(x1, x2): X of shape (n, 2); the data has {features}")
    return X


def decision_grid(X, steps=150, margin=0.5):
    """A grid of points covering the 2-D data ``X``: returns (xx, yy, points of shape (n, 2))."""
    X = _plane_points(X, "decision_grid")
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


# Up to 8 classes differ by colour (the palette); each further 8 repeat the colours with another
# marker for the points and another hatching for the regions, so no two classes look alike.
MARKERS = ["o", "s", "^", "D", "v"]
HATCHES = [None, "//", "..", "\\\\", "xx"]
MAX_CLASSES = len(PALETTE) * len(MARKERS)


def class_style(c):
    """(colour, marker, hatch) of class ``c`` in :func:`plot_decision_boundary`."""
    cycle = c // len(PALETTE)
    return PALETTE[c % len(PALETTE)], MARKERS[cycle], HATCHES[cycle]


def _ends_in_sigmoid(model):
    """True when the last layer of ``model`` (inside nested Sequentials) is a Sigmoid."""
    while isinstance(model, Sequential) and len(model.layers):
        model = model.layers[-1]
    return isinstance(model, Sigmoid)


def predicted_classes(model, points, who="predicted_classes"):
    """The class ``model`` predicts for each row of ``points``: an integer array of shape (n,).

    Several output columns: the largest score wins. One output column is a binary classifier:
    class 1 where the output is above 0.5 if the model ends in a ``Sigmoid`` (a probability),
    above 0 otherwise (a logit: its sigmoid is above 0.5 exactly there).
    """
    scores = np.asarray(model(points), dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.ndim != 2 or len(scores) != len(points):
        raise ValueError(f"{who}: the model should map ({len(points)}, 2) points to scores of "
                         f"shape ({len(points)}, classes), but gave shape {scores.shape}")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{who}: the model's outputs are NaN or inf on part of the plane "
                         f"(did training diverge?)")
    if scores.shape[1] == 1:
        return (scores[:, 0] > (0.5 if _ends_in_sigmoid(model) else 0.0)).astype(int)
    return np.argmax(scores, axis=1)


def plot_decision_boundary(model, X, y, ax=None, *, title=None, steps=150):
    """Colour the plane by the class ``model`` predicts, and scatter the data on top.

    ``model`` maps an (n, 2) array to (n, classes) scores (see :func:`predicted_classes`: a
    single output column is a binary classifier). It is called in eval mode under ``no_grad()``
    (it keeps no cache of the grid), and left in the mode it was in. ``y`` holds one integer
    class per row of ``X``. Classes beyond the palette's 8 colours differ by marker and hatching
    too (:func:`class_style`), up to :data:`MAX_CLASSES`.
    """
    who = "plot_decision_boundary"
    X = _plane_points(X, who)
    y = np.asarray(y)
    if y.shape != (len(X),) or y.dtype.kind not in "biu" or (len(y) and y.min() < 0):
        raise ValueError(f"{who}: y must hold one class (an integer of at least 0) per row of X: "
                         f"shape ({len(X)},), got shape {y.shape} and dtype {y.dtype}")
    ax = ax or plt.figure(figsize=(4.5, 4)).add_subplot()
    xx, yy, points = decision_grid(X, steps)
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            predicted = predicted_classes(model, points, who).reshape(xx.shape)
    finally:
        if was_training:
            model.train()
    classes = int(max(y.max(initial=0), predicted.max())) + 1
    if classes > MAX_CLASSES:
        raise ValueError(f"{who}: at most {MAX_CLASSES} classes can be told apart in one "
                         f"picture (colour, marker and hatching), got {classes}")
    styles = [class_style(c) for c in range(classes)]
    ax.contourf(xx, yy, predicted, levels=np.arange(classes + 1) - 0.5,
                cmap=ListedColormap([colour for colour, _, _ in styles]), alpha=0.25,
                hatches=[hatch for _, _, hatch in styles])
    for c, (colour, marker, _) in enumerate(styles):
        ax.scatter(*X[y == c].T, s=12, color=colour, marker=marker, edgecolor="white",
                   linewidth=0.3, label=f"class {c}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title or "Decision boundary")
    return ax


def plot_history(history, ax=None, *, title="Loss per epoch"):
    """Training and validation loss per epoch, with the best epoch marked."""
    ax = ax or plt.figure(figsize=(5.5, 3.5)).add_subplot()
    epochs = np.arange(1, len(history.train_loss) + 1)
    ax.plot(epochs, history.train_loss, color=BLUE, label="training loss")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, color=ORANGE, label="validation loss")
    if history.best_epoch:
        ax.axvline(history.best_epoch, color=BLACK, ls="--", lw=1,
                   label=f"best epoch ({history.best_epoch})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    return ax
