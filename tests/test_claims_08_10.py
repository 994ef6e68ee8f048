"""What lessons 8-10 say about their experiments holds, on 5 seeds, and their figures are readable.

Each lesson's source (the paired .py) runs once per module with a non-interactive backend; the
tests then read the numbers its prose relies on from the lesson's own variables, so a change to
the lesson that breaks a claim fails here, not silently in a stored output.
"""

import contextlib
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlesson import plot as nlplot  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_lesson(name):
    """Execute a lesson's .py; return its namespace and every figure it showed."""
    figures = []
    show = plt.show
    plt.show = lambda *args, **kwargs: figures.append(plt.gcf())
    namespace = {"__name__": "lesson"}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile((NOTEBOOKS / f"{name}.py").read_text(), name, "exec"), namespace)
    finally:
        plt.show = show
    return namespace, figures


@pytest.fixture(scope="module")
def lesson09():
    namespace, figures = run_lesson("09_batch_normalization")
    yield namespace, figures
    plt.close("all")


def test_09_every_figure_is_readable(lesson09):
    _, figures = lesson09
    assert len(figures) == 5
    for fig in figures:
        assert nlplot.figure_problems(fig) == [], fig.axes[0].get_title()


def test_09_batchnorm_reaches_a_lower_loss_on_every_seed(lesson09):
    ns, _ = lesson09
    final, rates, seeds = ns["final_losses"], ns["LEARNING_RATES"], list(ns["SEEDS"])
    assert len(seeds) >= 5
    best_with = np.min([final(True, lr) for lr in rates], axis=0)  # per seed, over learning rates
    best_without = np.min([final(False, lr) for lr in rates], axis=0)
    assert np.all(best_with < best_without)
    # "at its best learning rate ... than the network without at its own", and even the worst
    # seed with BatchNorm beats the best seed without, at their best learning rates
    b_with, b_without = ns["best_lr"](True), ns["best_lr"](False)
    assert final(True, b_with).max() < final(False, b_without).min()
    # "its seeds agree more closely"
    assert np.ptp(final(True, b_with)) < np.ptp(final(False, b_without))


def test_09_batchnorm_tolerates_larger_learning_rates(lesson09):
    ns, _ = lesson09
    final, chance = ns["final_losses"], ns["CHANCE"]
    assert ns["best_lr"](True) > ns["best_lr"](False)
    assert max(ns["tolerated"](True)) > max(ns["tolerated"](False), default=0)
    # at lr = 1 the plain network stalls at chance or diverges on every seed; BatchNorm trains
    assert np.all(final(False, 1.0) >= chance - 0.01)
    assert np.all(final(True, 1.0) < 1.0)
    assert np.all(np.isinf(final(False, 3.0))) and np.all(np.isfinite(final(True, 3.0)))


def test_09_curves_at_the_shared_learning_rate(lesson09):
    ns, _ = lesson09
    runs, lr = ns["runs"], ns["LR_CURVES"]
    for seed in ns["SEEDS"]:
        with_bn, without = runs[True, lr, seed][1].train_loss, runs[False, lr, seed][1].train_loss
        assert with_bn[-1] < without[-1]


def test_09_batch_size_claims(lesson09):
    ns, _ = lesson09
    acc = ns["val_accuracy"]
    assert all(len(v) >= 5 for v in acc.values())
    assert np.all(acc[True, 32] > acc[False, 32])  # "ahead on every seed" with batches of 32
    assert np.all(acc[True, 2] < 0.15)  # chance level with batches of 2
    assert np.all(acc[False, 2] > 0.15)  # while the plain network learns something


def test_09_scale_invariance_and_running_statistics(lesson09):
    ns, _ = lesson09
    # the last printed pair: weights scaled by 10 give the same output and a 10x smaller gradient
    linear, norm, batch = ns["linear"], ns["norm"], ns["batch"]
    out = norm(linear(batch))
    linear.W.data /= 10
    np.testing.assert_allclose(norm(linear(batch)), out, atol=1e-4)
