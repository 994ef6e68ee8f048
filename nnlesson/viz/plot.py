"""Plots the lessons share. ``import nnlesson`` alone does not load this module or matplotlib.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness.
"""

import struct
import zlib

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.colors import ListedColormap
from matplotlib.text import Text

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


def decision_grid(X, steps=150, margin=0.5):
    """A grid of points covering the 2-D data ``X``: returns (xx, yy, points of shape (n, 2))."""
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_boundary(model, X, y, ax=None, *, title=None, steps=150):
    """Colour the plane by the class ``model`` predicts, and scatter the data on top.

    ``model`` maps an (n, 2) array to (n, classes) scores. It is called in eval mode under
    ``no_grad()`` (it keeps no cache of the grid), and left in the mode it was in.
    """
    from .._util import no_grad

    ax = ax or plt.figure(figsize=(4.5, 4)).add_subplot()
    xx, yy, points = decision_grid(X, steps)
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            predicted = np.argmax(model(points), axis=1).reshape(xx.shape)
    finally:
        if was_training:
            model.train()
    classes = int(max(y.max(), predicted.max())) + 1
    colors = PALETTE[:classes]
    ax.contourf(xx, yy, predicted, levels=np.arange(classes + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.25)
    for c in range(classes):
        ax.scatter(*X[y == c].T, s=12, color=colors[c], edgecolor="white", linewidth=0.3,
                   label=f"class {c}")
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


def figure_problems(fig, *, max_width=MAX_WIDTH, min_fontsize=9):
    """What makes ``fig`` hard to read at notebook width, as a list of sentences (empty: none).

    Checked: the width (inches at :data:`DPI`, so that the figure shows at full size in a ~900 px
    output area), every visible text's size, text running off the figure, two texts overlapping
    each other, neighbouring tick labels of an axis touching, a text running over the edge of the
    box (an edged patch) it is written in, and a legend covering plotted points. Tests call it on
    every lesson figure and explorer.
    """
    problems = []
    width = fig.get_figwidth() * fig.dpi / DPI
    if width > max_width + 1e-9:
        problems.append(f"figure is {width:.1f} in wide at {DPI} dpi (at most {max_width})")
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)  # final positions, after constrained layout
    box = fig.bbox
    hidden = _undrawn_tick_labels(fig)
    texts = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or not _shown(t) or id(t) in hidden:
            continue
        extent = t.get_window_extent(renderer)
        if extent.width < 1 or extent.height < 1:
            continue
        label = repr(t.get_text()[:30])
        if t.get_fontsize() < min_fontsize - 1e-9:
            problems.append(f"text {label} is {t.get_fontsize():g} pt (at least {min_fontsize})")
        if (extent.x0 < box.x0 - 1 or extent.y0 < box.y0 - 1 or extent.x1 > box.x1 + 1
                or extent.y1 > box.y1 + 1):
            problems.append(f"text {label} runs off the figure")
        texts.append((label, extent))
    for i, (a, ea) in enumerate(texts):
        for b, eb in texts[i + 1:]:
            if ea.shrunk(0.95, 0.9).overlaps(eb.shrunk(0.95, 0.9)):
                problems.append(f"texts {a} and {b} overlap")
    problems += _crowded_tick_labels(fig, renderer, hidden)
    problems += _text_out_of_its_box(fig, renderer)
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        frame = legend.get_window_extent(renderer)
        for line in ax.get_lines():
            if not line.get_visible() or not len(line.get_xdata()):
                continue
            xy = line.get_transform().transform(line.get_xydata())
            inside = ((xy[:, 0] > frame.x0) & (xy[:, 0] < frame.x1)
                      & (xy[:, 1] > frame.y0) & (xy[:, 1] < frame.y1))
            if inside.any():
                problems.append(f"the legend of {ax.get_title()!r} covers {line.get_label()!r}")
    return problems


def _crowded_tick_labels(fig, renderer, hidden, *, gap=0.3):
    """Neighbouring tick labels of one axis closer than ``gap`` times their font size.

    The overlap test shrinks every text a little (a text's box is taller than its glyphs); two
    tick labels stacked with no space between them still read as one ("-2" over "-10").
    """
    problems = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        for axis, lo, hi in ((ax.xaxis, "x0", "x1"), (ax.yaxis, "y0", "y1")):
            for which in ("label1", "label2"):
                labels = [getattr(tick, which) for tick in axis.get_major_ticks()]
                labels = [t for t in labels if t.get_visible() and t.get_text().strip()
                          and id(t) not in hidden]
                extents = sorted(((t.get_window_extent(renderer), t) for t in labels),
                                 key=lambda e: getattr(e[0], lo))
                for (a, ta), (b, tb) in zip(extents[:-1], extents[1:]):
                    space = getattr(b, lo) - getattr(a, hi)
                    need = gap * tb.get_fontsize() * fig.dpi / 72
                    if space < need:
                        problems.append(f"tick labels {ta.get_text()!r} and {tb.get_text()!r} "
                                        f"touch ({space:.1f} px apart, at least {need:.1f})")
    return problems


def _text_out_of_its_box(fig, renderer, *, slack=0.5):
    """Texts written in a box (an edged patch under the text's centre) that run over its edge."""
    from matplotlib.patches import FancyArrowPatch

    problems = []
    for ax in fig.axes:
        boxes = [p for p in ax.patches if p.get_visible() and p.get_linewidth() > 0
                 and p.get_edgecolor()[3] > 0 and not isinstance(p, FancyArrowPatch)]
        if not boxes:
            continue
        outlines = [(p.get_zorder(), p.get_transform().transform_path(p.get_path()))
                    for p in boxes]
        for t in ax.texts:
            if not t.get_visible() or not t.get_text().strip():
                continue
            e = t.get_window_extent(renderer)
            centre = ((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2)
            corners = [(e.x0 + slack, e.y0 + slack), (e.x0 + slack, e.y1 - slack),
                       (e.x1 - slack, e.y0 + slack), (e.x1 - slack, e.y1 - slack)]
            for zorder, outline in outlines:
                if zorder <= t.get_zorder() and outline.contains_point(centre):
                    if not outline.contains_points(corners).all():
                        problems.append(f"text {t.get_text()[:30]!r} runs over the edge of "
                                        "its box")
                    break
    return problems


def _shown(text):
    """False for a text inside a hidden axes."""
    return text.axes is None or text.axes.get_visible()


def _undrawn_tick_labels(fig):
    """ids of tick labels matplotlib keeps but does not draw (ticks outside the axis limits)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not ax.axison:  # ax.axis("off"): no tick labels, axis labels or offsets drawn
                hidden.update(id(t) for t in axis.findobj(Text))
                continue
            scale = axis.get_transform()  # compare in the axis's own scale (log axes too)
            lo, hi = sorted(scale.transform(np.asarray(axis.get_view_interval(), float)))
            slack = 1e-9 * (hi - lo)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                at = np.nan if loc is None else scale.transform(np.array([float(loc)]))[0]
                if not lo - slack <= at <= hi + slack:  # False for NaN (log of 0 or less)
                    hidden.update((id(tick.label1), id(tick.label2)))
    return hidden


def annotations_over_lines(fig, *, pixels=2.0):
    """Annotations (``ax.annotate``) whose text sits on a plotted line, as sentences (empty: none).

    :func:`figure_problems` checks text against text; this checks a label placed next to the data
    against the lines of its axes, sampled every ``pixels`` display pixels along each segment.
    """
    from matplotlib.text import Annotation

    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    problems = []
    for ax in fig.axes:
        notes = [t for t in ax.texts if isinstance(t, Annotation) and t.get_visible()
                 and t.get_text().strip()]
        for note in notes:
            box = note.get_window_extent(renderer)
            for line in ax.get_lines():
                if not line.get_visible() or len(line.get_xdata()) < 2:
                    continue
                xy = line.get_transform().transform(line.get_xydata())
                xy = xy[np.all(np.isfinite(xy), axis=1)]
                for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
                    n = max(2, int(np.hypot(x1 - x0, y1 - y0) / pixels) + 1)
                    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
                    inside = ((xs > box.x0) & (xs < box.x1) & (ys > box.y0) & (ys < box.y1))
                    if inside.any():
                        problems.append(f"annotation {note.get_text()[:30]!r} lies on the line "
                                        f"{line.get_label()!r} in {ax.get_title()!r}")
                        break
                else:
                    continue
                break
    return problems


def png_bytes(rgba):
    """A (height, width, 4) uint8 RGBA array as PNG bytes (RGB, no filter, fastest zlib level).

    Most of a redraw used to be PIL's PNG encoder (its per-row filtering alone cost twice the
    drawing); without filters zlib level 1 makes files as small, 2 to 3 times faster.
    """
    height, width, _ = rgba.shape
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0  # each row starts with its filter type: 0, none
    rows[:, 1:].reshape(height, width, 3)[...] = rgba[..., :3]  # one copy, no temporary

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))
