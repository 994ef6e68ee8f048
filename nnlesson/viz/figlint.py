"""The author's figure checker: what makes a figure hard to read at notebook width.

Tests run :func:`figure_problems` on every lesson figure and explorer, and
:func:`annotations_over_lines` on the lessons' figures. A student never needs this module.
"""

import numpy as np
from matplotlib.text import Text

from .plot import DPI, MAX_WIDTH


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
