"""The course figure style and the readability check every lesson figure and explorer goes through."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nnlesson.viz import figlint  # noqa: E402
from nnlesson.viz import plot as nlplot  # noqa: E402


def test_a_readable_figure_has_no_problems():
    with plt.rc_context(nlplot.STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(8, 3))
        for ax in axes:
            ax.plot([0, 1], [0, 1], label="a line")
            ax.set(title="a long title for a panel", xlabel="x", ylabel="y")
            ax.legend(loc="lower right")
        fig.suptitle("Three panels")
    assert figlint.figure_problems(fig) == []
    plt.close(fig)


def test_too_wide_too_small_and_overlapping_text_are_reported():
    with plt.rc_context(nlplot.STYLE):
        fig, ax = plt.subplots(figsize=(12, 3))
        ax.text(0.5, 0.5, "hello world", fontsize=6)
        ax.text(0.52, 0.5, "overlapping")
    problems = figlint.figure_problems(fig)
    assert any("12.0 in wide" in p for p in problems)
    assert any("'hello world' is 6 pt" in p for p in problems)
    assert any("overlap" in p for p in problems)
    plt.close(fig)


def test_crowded_titles_without_constrained_layout_are_reported():
    with plt.rc_context({**nlplot.STYLE, "figure.constrained_layout.use": False}):
        fig, axes = plt.subplots(1, 3, figsize=(6, 3))
        for ax in axes:
            ax.set_title("a very long title for a small panel")
    assert any("overlap" in p for p in figlint.figure_problems(fig))
    plt.close(fig)


def test_a_legend_over_the_data_is_reported():
    with plt.rc_context(nlplot.STYLE):
        fig, ax = plt.subplots(figsize=(5, 3))
        x = np.linspace(0, 1, 50)
        ax.plot(x, np.ones_like(x), label="flat line at the top")
        ax.set_ylim(0, 1.05)
        ax.legend(loc="upper center")
    assert any("legend" in p for p in figlint.figure_problems(fig))
    plt.close(fig)


def test_tick_labels_outside_a_log_axis_are_not_counted():
    with plt.rc_context(nlplot.STYLE):
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.semilogy([1, 2, 3], [1e-9, 1e-3, 1])
        ax.set(title="log axis", xlabel="x", ylabel="y")
        ax.set_yticks([1e-14, 1e-9, 1e-3, 1])  # 1e-14 lies below the view: not drawn
        ax.set_ylim(1e-10, 2)
    assert figlint.figure_problems(fig) == []
    plt.close(fig)


def test_the_tick_labels_of_an_axes_turned_off_are_not_counted():
    with plt.rc_context(nlplot.STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(4, 2))
        for ax in axes:
            ax.imshow(np.zeros((8, 8)))
            ax.set_xlim(-200, 200)  # tick labels far outside, but never drawn
            ax.axis("off")
            ax.set_title("image")
    assert figlint.figure_problems(fig) == []
    plt.close(fig)
