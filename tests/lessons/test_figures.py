"""Every figure a lesson draws is readable at notebook width: ``figlint.figure_problems`` finds
nothing (width, font sizes, overlapping or clipped text, a legend over the data), and no
annotation sits on a plotted line (``figlint.annotations_over_lines``).

nbval never compares images, so this is the test that looks at the pictures. Every stored picture
carries a text alternative (an HTML ``<img alt=...>``, the only alt JupyterLab shows). Each lesson
runs once per test session (``lesson_run`` in tests/conftest.py, shared with the claims tests:
nbval's run when nbval runs the notebook), ``plt.show`` reading each open figure with figlint
before it is shown. Explorer cells' figures are not read here: tests/tooling/test_widgets.py
checks the explorers' own figures.
"""

import html
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import NOTEBOOKS, SOURCES, code_cells  # noqa: E402

from nnlesson.viz import figlint  # noqa: E402
from nnlesson.viz import plot as nlplot  # noqa: E402

# Every lesson and assignment that draws with matplotlib (11_playground's playground pictures are
# checked the same way by tests/tooling/test_playground.py; its one matplotlib figure is here).
LESSONS_CHECKED = sorted(str(p.relative_to(SOURCES).with_suffix(""))
                         for p in [*SOURCES.glob("*.py"), *SOURCES.glob("assignments/*.py")]
                         if "import matplotlib.pyplot" in p.read_text())


@pytest.mark.parametrize("lesson", LESSONS_CHECKED)
def test_every_figure_of_the_lesson_is_readable(lesson, lesson_run):
    run = lesson_run(lesson)
    plotting_cells = [i for i, source in enumerate(code_cells(lesson))
                      if "plt.show()" in source and "_explorer(" not in source]
    assert plotting_cells, f"{lesson} shows no figure: is LESSONS_CHECKED out of date?"
    assert sorted({shown.cell for shown in run.shown}) == plotting_cells, "a plt.show() showed nothing"
    assert not run.leftover, f"{lesson} leaves {run.leftover} figure(s) open without plt.show()"
    problems = [f"code cell {shown.cell}, figure {shown.title!r}: {p}"
                for shown in run.shown for p in shown.problems]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS_CHECKED)
def test_the_lesson_uses_the_course_style_once_at_the_top(lesson, lesson_run):
    cells = code_cells(lesson)
    calls = [i for i, source in enumerate(cells) if "nlplot.use_style()" in source]
    first_plot = min(i for i, source in enumerate(cells) if "plt." in source or "nlplot.draw" in source)
    assert len(calls) == 1 and sum(s.count("use_style(") for s in cells) == 1, calls
    assert calls[0] < first_plot and "import matplotlib.pyplot" in cells[calls[0]]
    assert all(shown.dpi == nlplot.DPI for shown in lesson_run(lesson).shown)


def test_an_annotation_on_a_line_is_reported_and_one_beside_it_is_not():
    with plt.rc_context(nlplot.STYLE):
        fig, ax = plt.subplots(figsize=(5, 3))
        x = np.linspace(0, 1, 50)
        ax.plot(x, x, label="diagonal")
        ax.set_title("t")
        on = ax.annotate("right on the diagonal", (0.5, 0.5), xytext=(-40, -3),
                         textcoords="offset points")
        problems = figlint.annotations_over_lines(fig)
        assert problems == ["annotation 'right on the diagonal' lies on the line 'diagonal' in 't'"]
        on.remove()
        ax.annotate("above the line", (0.2, 0.2), xytext=(-30, 40), textcoords="offset points")
        assert figlint.annotations_over_lines(fig) == []
    plt.close(fig)


def test_a_text_running_over_the_edge_of_its_box_is_reported():
    # Regression: lesson 04's graph boxes were sized from a character count, and lines such as
    # "grad [0.786 0.42 0.0707]" ran over both edges; the overlap test compares texts only.
    from matplotlib.patches import Circle, FancyBboxPatch

    with plt.rc_context(nlplot.STYLE):
        fig = plt.figure(figsize=(4, 3), layout="none")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set(xlim=(0, 4), ylim=(0, 3))
        ax.axis("off")
        box = FancyBboxPatch((0.5, 1.8), 1.0, 0.5, boxstyle="round,pad=0", edgecolor="k",
                             facecolor="white", zorder=1)
        ax.add_patch(box)
        ax.add_patch(Circle((2, 0.8), 0.1, edgecolor="k", facecolor="white", zorder=1))
        ax.text(1.0, 2.05, "grad [0.786 0.42 0.0707]", ha="center", va="center", zorder=2)
        ax.text(2, 0.8, "relu", ha="center", va="center", zorder=2)
        ax.text(3.2, 2.5, "beside any box", ha="center", va="center")
        assert figlint.figure_problems(fig) == [
            "text 'grad [0.786 0.42 0.0707]' runs over the edge of its box",
            "text 'relu' runs over the edge of its box"]
        box.set_bounds(0.1, 1.8, 2.6, 0.5)  # now wide enough
        ax.patches[1].set_radius(0.4)
        assert figlint.figure_problems(fig) == []
    plt.close(fig)


def test_tick_labels_stacked_without_space_are_reported():
    # Regression: the dropout explorer's symlog axis had "-2" right on top of "-10".
    with plt.rc_context(nlplot.STYLE):
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([0, 1], [-1e4, 1e4])
        ax.set_yscale("symlog", linthresh=2, linscale=2)
        ax.set(ylim=(-1e4, 1e4), xlabel="x", ylabel="y", title="t")
        ax.minorticks_off()
        ticks = [-1000, -100, -10, -2, 0, 2, 10, 100, 1000]
        ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
        problems = figlint.figure_problems(fig)
        assert len(problems) == 2 and all(p.startswith("tick labels ") for p in problems)
        assert "'-10' and '-2' touch" in problems[0] and "'2' and '10' touch" in problems[1]
        ticks = [-2000, -200, -20, -2, 0, 2, 20, 200, 2000]  # a decade apart: room between
        ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
        assert figlint.figure_problems(fig) == []
    plt.close(fig)


def test_draw_layer_spells_vermilion_like_the_lessons():
    with plt.rc_context(nlplot.STYLE):
        ax = nlplot.draw_layer(np.array([[1.0, -1.0]]))
        assert "vermilion: negative" in ax.get_xlabel()
        assert "vermillion" not in ax.get_xlabel().lower()
        plt.close(ax.figure)


# -- text alternatives -------------------------------------------------------------------------
IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"/>')
# every notebook that shows a picture (the playground of lesson 11 gives its own <img alt>)
STORED = sorted([*NOTEBOOKS.glob("0*.ipynb"), *NOTEBOOKS.glob("1[01]_*.ipynb"),
                 *NOTEBOOKS.glob("assignments/*.ipynb")])


def pictures(path):
    """(code cell number, image/png, text/html) of every picture a stored notebook shows."""
    import nbformat

    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    return [(i, o.data["image/png"], o.data.get("text/html", ""))
            for i, c in enumerate(code) for o in c.outputs if "image/png" in o.get("data", {})]


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_every_stored_picture_has_a_text_alternative(path):
    shown = pictures(path)
    assert shown, f"{path.name} stores no picture: is STORED out of date?"
    for cell, png, page in shown:
        found = IMG.fullmatch(page.strip())
        assert found, (f"{path.name}, code cell {cell}: the picture has no HTML <img alt=...> "
                       f"(does the setup cell call nlplot.use_style() before the first figure?)")
        assert found[1] == png.replace("\n", ""), f"{path.name}, code cell {cell}: the HTML shows another picture"
        assert len(html.unescape(found[2]).split()) >= 8, (
            f"{path.name}, code cell {cell}: the text alternative says too little: {found[2]!r}")


def test_the_text_alternative_reads_the_figure_and_opens_with_the_authors_sentence():
    with plt.rc_context(nlplot.STYLE):
        fig, (ax, bars) = plt.subplots(1, 2, figsize=(6, 3))
        x = np.arange(1, 11)
        ax.plot(x, 1 / x, label="$1/x$")
        ax.axhline(0.5, label="half")
        ax.set(xlabel="epoch", ylabel="loss", title="Falling", yscale="log")
        bars.bar(["a", "b"], [3.0, 1e-17])
        alt = nlplot.text_alternative(fig)
        assert alt.startswith("Panel 'Falling': x axis epoch from ")
        assert "(log scale)" in alt and "'1/x': 10 points, from (1, 1) to (10, 0.1)" in alt
        assert "lowest y 0.1 at x = 10, highest y 1 at x = 1" in alt
        assert "'half': horizontal line at y = 0.5" in alt
        assert "ticks a, b" in alt and "2 bars, heights 3 0." in alt  # round-off reads as 0
        assert nlplot.describe("The loss falls tenfold.", ax) is fig
        assert nlplot.text_alternative(fig).startswith("The loss falls tenfold. Panel 'Falling'")
        nlplot.describe("Times vary.", fig, summary=False)
        assert nlplot.text_alternative(fig) == "The loss falls tenfold. Times vary."
        with pytest.raises(ValueError, match="describe: expected a sentence"):
            nlplot.describe("  ", fig)
        with pytest.raises(TypeError, match="describe: expected a matplotlib Figure or Axes, got list"):
            nlplot.describe("words", [fig])
        page = nlplot.figure_html(fig)
        assert IMG.fullmatch(page) and 'alt="The loss falls tenfold. Times vary."' in page
    plt.close(fig)


def test_reading_a_twin_axes_figure_changes_nothing_it_draws():
    # Regression: reading the tick labels of a twin's hidden x axis gave them text, and figlint
    # then found '0' over '0' in the early-stopping explorer; its hidden axis is not described.
    from nnlesson.viz.figlint import figure_problems

    with plt.rc_context(nlplot.STYLE):
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot([0, 10, 20], [3, 2, 1])
        ax.set(xlabel="epoch", ylabel="loss")
        twin = ax.twinx()
        twin.plot([0, 10, 20], [0.5, 0.7, 0.9])
        twin.set_ylabel("accuracy")
        before = figure_problems(fig)
        alt = nlplot.text_alternative(fig)
        assert figure_problems(fig) == before
        assert alt.count("x axis epoch") == 1 and "y axis accuracy" in alt
    plt.close(fig)


def test_the_palette_and_text_have_aa_contrast_against_white():
    # WCAG 2.1 AA: 3:1 for the lines and marks a reader needs (1.4.11), 4.5:1 for text (1.4.3)
    for colour in [*nlplot.PALETTE, nlplot.GREY]:
        assert nlplot.contrast(colour) >= 3.0, colour
    with plt.rc_context(nlplot.STYLE):
        for key in ("text.color", "axes.labelcolor", "xtick.labelcolor", "ytick.labelcolor"):
            colour = plt.rcParams[key]
            colour = plt.rcParams["xtick.color"] if colour == "inherit" else colour
            assert nlplot.contrast(colour) >= 4.5, (key, colour)
    assert round(nlplot.contrast("#E69F00"), 2) == 2.25  # Okabe-Ito's own orange: too light
    assert nlplot.contrast("black") == pytest.approx(21)


def test_classes_differ_by_marker_not_by_colour_alone():
    looks = [nlplot.class_style(c) for c in range(nlplot.MAX_CLASSES)]
    assert len({marker for _, marker, _ in looks[:5]}) == 5  # the first classes: all markers
    assert len(set(looks)) == nlplot.MAX_CLASSES


def test_11_the_unit_maps_name_orange_only_where_a_map_can_be_negative(lesson_run):
    # review r9 (c16, c22): the ReLU maps are never negative, so their label says nothing of orange
    ns = lesson_run("11_playground").namespace
    labels = {}
    for name in ("tanh", "ReLU"):
        figure = ns["draw_units"](ns["playground"](hidden=[2], activations=name), name)
        labels[name] = figure.get_supxlabel()
        plt.close(figure)
    assert "orange negative" in labels["tanh"], labels
    assert "orange" not in labels["ReLU"] and "blue positive, white 0" in labels["ReLU"], labels


def test_11_the_unit_maps_mark_a_dead_unit_and_only_it(lesson_run):
    # review r10 (c22_1): several maps of the run without dropout look white; the one that is 0
    # everywhere (the unit the near-copy count leaves out) is named under its map
    ns = lesson_run("11_playground").namespace
    # the lesson's run without dropout, made again (a playground, with its widgets, is not
    # carried out of nbval's kernel)
    figure = ns["draw_units"](ns["playground"](dropout=0.0, epoch=200, **ns["clusters"]), "p = 0")
    labels = [[tick.get_text() for tick in ax.get_xticklabels()] for ax in figure.axes]
    plt.close(figure)
    dead = [(row, label) for row, names in enumerate(labels) for label in names
            if "(0 everywhere)" in label]
    assert dead == [(2, "unit 7\n(0 everywhere)")], labels  # layer 3's unit 7, as drawn
