"""Plots the lessons share. ``import nnlesson`` alone does not load this module or matplotlib.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness, three of them darkened to a contrast of at least 3:1 against the white
background (WCAG 2.1 AA for lines and marks, :func:`contrast`); classes differ by marker too.
The author's readability check of these figures is in ``figlint.py``; the PNG encoder the
explorers use is in ``_png.py``.
"""

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.colors import ListedColormap

from .._util import no_grad
from ..layers import Module, Sigmoid

# Okabe & Ito (2008), "Color Universal Design". Their orange (#E69F00), sky blue (#56B4E9) and
# yellow (#F0E442) have a contrast of 2.3, 2.3 and 1.3 against white: below the 3:1 that WCAG 2.1
# AA asks of lines and marks a reader needs (1.4.11). Here they keep their hue and saturation,
# darkened just enough for 3:1; GREY (reference lines, contours) too (was #BBBBBB, 1.9).
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#C68900", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW, BLACK = "#4B9CCA", "#CC79A7", "#9C9429", "#000000"
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK]
GREY = "#949494"


def contrast(colour, background="white"):
    """WCAG 2.1 contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    from matplotlib.colors import to_rgb

    def luminance(c):
        c = np.array(to_rgb(c))
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return c @ [0.2126, 0.7152, 0.0722]

    dark, light = sorted([luminance(colour), luminance(background)])
    return (light + 0.05) / (dark + 0.05)

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
    """Apply the course figure style (:data:`STYLE`) to pyplot; each lesson calls it at the top.

    In a notebook it also gives every figure shown from then on a text alternative
    (:func:`text_alternative`, opened by the author's :func:`describe` sentence).
    """
    plt.rcParams.update(STYLE)
    _show_with_text_alternatives()


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
    describe(f"A fully connected layer drawn as a graph: each of the {n_in} inputs on the left "
             f"joined to each of the {n_out} outputs on the right by one edge per weight, "
             f"{int((W >= 0).sum())} positive (blue) and {int((W < 0).sum())} negative "
             f"(vermilion); the widest edge is the largest |weight|, {_num(np.abs(W).max())}.", ax)
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


# Classes differ by colour (the palette) and by the marker of their points, so that colour is never
# the only difference (WCAG 1.4.1); each further 8 classes hatch their regions another way.
# Colour and marker cycle with periods 8 and 5: no two of the first 40 classes look alike.
MARKERS = ["o", "s", "^", "D", "v"]
HATCHES = [None, "//", "..", "\\\\", "xx"]
MAX_CLASSES = len(PALETTE) * len(MARKERS)


def class_style(c):
    """(colour, marker, hatch) of class ``c`` in :func:`plot_decision_boundary`."""
    return PALETTE[c % len(PALETTE)], MARKERS[c % len(MARKERS)], HATCHES[c // len(PALETTE)]


def _ends_in_sigmoid(model):
    """True when the last module of ``model`` (a Sequential's last layer, at any depth, or the
    last one a model of your own holds) is a Sigmoid."""
    return isinstance(model, Module) and isinstance(model.modules()[-1], Sigmoid)


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


# -- text alternatives -------------------------------------------------------------------------
# A screen reader cannot read a picture: every figure a lesson shows carries a text alternative,
# the author's sentence (describe) followed by a summary read from the figure's own data. Numbers
# are rounded to 2 significant digits: a listener needs their size, not their round-off. (nbval
# compares neither the picture nor its alt: tests/nbval_sanitize.cfg.)
def describe(text, fig=None, *, summary=True):
    """Say in one sentence what figure ``fig`` shows (default: pyplot's current figure).

    The sentence opens the figure's text alternative (the ``alt`` of its picture in the
    notebook); a summary of the axes, lines and images follows it. Write what a reader should
    see: "The loss falls fast for 5 epochs, then flattens near 0.1", not "A plot of the loss".
    ``fig`` may be a Figure or one of its Axes. ``summary=False`` leaves the data summary out:
    for a figure of measured times, whose numbers change at every run, so that the sentence
    says what is true on any machine. Returns the figure.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"describe: expected a sentence saying what the figure shows, "
                         f"got {text!r}")
    fig = plt.gcf() if fig is None else getattr(fig, "figure", fig)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"describe: expected a matplotlib Figure or Axes, got {type(fig).__name__}")
    fig.nnlesson_description = " ".join(filter(None, [getattr(fig, "nnlesson_description", ""),
                                                      text.strip()]))
    fig.nnlesson_summary = summary
    return fig


def _num(v):
    """A number as it reads aloud, to 2 significant digits."""
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if abs(v) < 1e-12:
        return "0"
    return f"{float(f'{v:.2g}'):g}"


def _plain(text):
    """Matplotlib's mathtext without the dollars and backslashes: "$w_1$" reads "w_1"."""
    return " ".join(text.replace("$", "").replace("\\", "").split())


def _range(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    lo, hi = values.min(), values.max()
    return _num(lo) if _num(lo) == _num(hi) else f"{_num(lo)} to {_num(hi)}"


def _line_summary(line):
    label = line.get_label()
    name = f"'{_plain(label)}'" if label and not label.startswith("_") else "a line"
    x = np.asarray(line.get_xdata(), dtype=float).ravel()
    y = np.asarray(line.get_ydata(), dtype=float).ravel()
    if not x.size or not y.size:
        return None
    if x.size != y.size:
        return name
    if np.all(x == x[0]) and x.size > 1 and not line.axes.transData == line.get_transform():
        return f"{name}: vertical line at x = {_num(x[0])}"
    if np.all(y == y[0]) and y.size > 1 and not line.axes.transData == line.get_transform():
        return f"{name}: horizontal line at y = {_num(y[0])}"
    if x.size == 1:
        return f"{name}: a point at ({_num(x[0])}, {_num(y[0])})"
    ok = np.isfinite(y)
    if not ok.any():
        return None
    xs, ys = x[ok], y[ok]
    i, j = np.argmin(ys), np.argmax(ys)
    return (f"{name}: {xs.size} points, from ({_num(xs[0])}, {_num(ys[0])}) to "
            f"({_num(xs[-1])}, {_num(ys[-1])}), lowest y {_num(ys[i])} at x = {_num(xs[i])}, "
            f"highest y {_num(ys[j])} at x = {_num(xs[j])}")


def _axes_summary(ax):
    from matplotlib.collections import PathCollection
    from matplotlib.image import AxesImage
    from matplotlib.patches import Rectangle, StepPatch

    parts = []
    title = _plain(ax.get_title())
    head = f"Panel '{title}'" if title else "Panel"
    if ax.axison:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            if not axis.get_visible():  # a twin's shared axis: drawn by the other axes
                continue
            label = _plain(axis.get_label_text())
            lo, hi = axis.get_view_interval()
            scale = "" if axis.get_scale() == "linear" else f" ({axis.get_scale()} scale)"
            # tick labels only when they are words (classes, names), not the numbers of the axis
            ticks = [_plain(t.get_text()) for t in axis.get_ticklabels() if t.get_text()]
            labelled = (f", ticks {', '.join(ticks)}" if ticks and not
                        any(_is_number(t) or "mathdefault" in t for t in ticks) else "")
            if label or labelled:
                parts.append(f"{name} axis {label or '(no label)'} from {_num(lo)} to "
                             f"{_num(hi)}{scale}{labelled}")
            elif (lo, hi) != (0, 1) and len(axis.get_ticklocs()):  # no ticks: nothing to read
                parts.append(f"{name} from {_num(lo)} to {_num(hi)}{scale}")
    named = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    unnamed = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    lines = [s for s in map(_line_summary, named[:8] + unnamed[:2]) if s]
    more = len(named[8:]) + len(unnamed[2:])
    parts += lines + ([f"and {more} more lines"] if more else [])
    for c in ax.collections:
        label = c.get_label()
        name = f"'{_plain(label)}'" if label and not label.startswith("_") else None
        if isinstance(c, PathCollection) and len(c.get_offsets()):
            xy = np.asarray(c.get_offsets(), dtype=float)
            parts.append(f"{len(xy)} points{' ' + name if name else ''}, x {_range(xy[:, 0])}, "
                         f"y {_range(xy[:, 1])}")
        elif name:
            parts.append(f"shaded area {name}")
    for image in ax.images:
        if isinstance(image, AxesImage):
            data = np.ma.masked_invalid(np.asarray(image.get_array(), dtype=float))
            rows, cols = data.shape[:2]
            lo, hi = image.get_clim()
            parts.append(f"image of {rows} x {cols} values from {_num(data.min())} to "
                         f"{_num(data.max())} (colour scale {_num(lo)} to {_num(hi)})"
                         if data.count() else f"image of {rows} x {cols} values, all empty")
    bars = [p for container in ax.containers for p in getattr(container, "patches", [])
            if isinstance(p, Rectangle)]
    if bars:
        heights = [b.get_height() for b in bars]
        parts.append(f"{len(bars)} bars, heights {' '.join(_num(h) for h in heights[:12])}"
                     + (" ..." if len(bars) > 12 else ""))
    for p in ax.patches:
        if isinstance(p, StepPatch):
            values = p.get_data().values
            parts.append(f"histogram of {len(values)} bins, counts {_range(values)}, tallest at "
                         f"{_num(p.get_data().edges[np.argmax(values)])}")
    notes = [_plain(t.get_text()) for t in ax.texts if t.get_visible() and t.get_text().strip()]
    if notes:
        parts.append("labels: " + "; ".join(notes[:12]) + (" ..." if len(notes) > 12 else ""))
    legend = ax.get_legend()
    if legend is not None and lines == []:
        parts.append("legend: " + ", ".join(_plain(t.get_text()) for t in legend.get_texts()))
    return f"{head}: {'; '.join(parts)}." if parts else (f"{head}." if title else "")


def _is_number(text):
    try:
        float(text.replace("\N{MINUS SIGN}", "-"))
    except ValueError:
        return False
    return True


def text_alternative(fig):
    """What ``fig`` shows, as text: the author's sentence (:func:`describe`), then a summary of
    each panel from the figure's own data (title, axes and their ranges, each line's ends and
    extremes, points, images, bars, labels). A colour bar's axes reads as its label and range."""
    parts = [getattr(fig, "nnlesson_description", "")]
    if not getattr(fig, "nnlesson_summary", True):
        return parts[0]
    suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if suptitle:
        parts.append(f"Figure '{_plain(suptitle)}'.")
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        colorbar = getattr(ax, "_colorbar", None)
        if colorbar is not None:
            axis = ax.yaxis if colorbar.orientation == "vertical" else ax.xaxis
            parts.append(f"Colour bar {_plain(axis.get_label_text()) or ''} from "
                         f"{_num(colorbar.vmin)} to {_num(colorbar.vmax)}.".replace("  ", " "))
            continue
        parts.append(_axes_summary(ax))
    return " ".join(p for p in parts if p)


def figure_png(fig):
    """The PNG bytes the notebook shows for ``fig``: as the inline backend draws it."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def figure_html(fig, png=None, alt=None):
    """``<img>`` of ``fig`` (or of its PNG bytes ``png``) with its text alternative ``alt``
    (default: :func:`text_alternative`): what JupyterLab, Notebook 7 and the HTML export show
    (JupyterLab ignores an ``alt`` given with an ``image/png`` output)."""
    import base64
    import html

    png = figure_png(fig) if png is None else png
    alt = text_alternative(fig) if alt is None else alt
    return (f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
            f'alt="{html.escape(alt, quote=True)}"/>')


def _show_with_text_alternatives():
    """In IPython, show every figure as an HTML ``<img alt=...>`` beside its ``image/png``.

    The picture is drawn once: the HTML formatter runs first and keeps the PNG for the PNG
    formatter, which stays for what reads ``image/png`` (the student version's expected
    outputs, nbval's image comparison with --nbdime). Nothing happens outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    import matplotlib
    from matplotlib.figure import Figure

    # The inline backend resets every formatter of Figure when it starts, at the first figure:
    # start it now (switching to the backend already chosen), so that it does not undo ours.
    if not plt.get_fignums():  # (switching closes open figures: none yet in a setup cell)
        plt.switch_backend(matplotlib.get_backend())
    formatters = shell.display_formatter.formatters
    drawn = {}

    keep = Figure in formatters["image/png"].type_printers  # the inline backend shows PNGs

    def as_html(fig):
        if not fig.axes:  # as the inline backend: an empty figure shows nothing
            return None
        png = figure_png(fig)
        if keep:
            drawn[id(fig)] = png
        return figure_html(fig, png)

    def as_png(fig):
        if not fig.axes:
            return None
        png = drawn.pop(id(fig), None)
        return figure_png(fig) if png is None else png

    formatters["text/html"].for_type(Figure, as_html)
    if keep:
        formatters["image/png"].for_type(Figure, as_png)
