"""Explorers, headless: change each control and assert that what is drawn changed correctly.

Setting ``control.value`` in Python runs the observers synchronously, as a slider move would.
"""

import base64

import numpy as np
import pytest

import nnlesson as nl

widgets = pytest.importorskip("nnlesson.widgets")


def png_changes(explorer, control, value):
    before = explorer.image.value
    control.value = value
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    return explorer.image.value != before


def test_prelu_explorer_redraws_function_derivative_and_histogram():
    e = widgets.prelu_explorer()
    figure = e.figure
    assert "alpha (slope for x <= 0)" in e.alpha.description
    assert e.alpha.min < 0 and e.alpha.max >= 1
    for alpha in (0.0, 0.5, -0.3, 1.0):
        assert png_changes(e, e.alpha, alpha)
        np.testing.assert_allclose(e.lines["prelu"].get_ydata(), nl.prelu(e.x, alpha))
        np.testing.assert_allclose(e.lines["derivative"].get_ydata(), nl.prelu_derivative(e.x, alpha))
    heights_relu = None
    e.alpha.value = 0.0
    heights_relu = np.array([bar.get_height() for bar in e.bars])
    e.alpha.value = 0.5
    heights = np.array([bar.get_height() for bar in e.bars])
    # With alpha = 0 every negative input maps to 0: the bar at 0 holds about half the samples.
    assert heights_relu.max() > 9000 and heights.max() < 2000
    assert e.figure is figure  # updated in place, never re-created


def test_dropout_explorer_masks_track_p_and_the_band_widens_with_p():
    e = widgets.dropout_explorer(samples=60)
    assert e.p.description == "p (drop probability)" and e.p.max == 0.95
    spreads = []
    for p in (0.1, 0.5, 0.8):
        assert png_changes(e, e.p, p)
        dropped = np.ma.getmaskarray(e.image_artist.get_array())
        assert abs(dropped.mean() - p) < 0.15
        np.testing.assert_array_equal(dropped, ~e.state["keep"])
        spreads.append(e.state["std"].mean())
    assert spreads[0] < spreads[1] < spreads[2]
    # The mean over many masks stays at the input (the expectation is preserved).
    mean = e.lines["mean"].get_ydata()
    np.testing.assert_allclose(mean, np.linspace(0.2, 2.0, 10), rtol=0.25)
    before = e.state["keep"].copy()
    e.resample.click()
    assert not np.array_equal(before, e.state["keep"])


def test_activation_explorer_switches_function_and_depth():
    e = widgets.activation_explorer()
    assert png_changes(e, e.activation, "ReLU")
    np.testing.assert_allclose(e.lines["function"].get_ydata(), nl.relu(e.x))
    np.testing.assert_allclose(e.lines["derivative"].get_ydata(), nl.relu_derivative(e.x))
    assert png_changes(e, e.depth, 20)
    layers, norms = e.lines["gradients"].get_data()
    assert len(layers) == 20
    relu_ratio = norms[0] / norms[-1]
    e.activation.value = "sigmoid"
    layers, norms = e.lines["gradients"].get_data()
    assert norms[0] / norms[-1] < 1e-6 < relu_ratio  # the sigmoid's gradient vanishes
    np.testing.assert_allclose(norms, widgets.gradient_norms("sigmoid", 20))


def test_nonlinearity_explorer_shows_the_trained_boundary():
    e = widgets.nonlinearity_explorer()
    assert png_changes(e, e.activation, "ReLU")
    assert png_changes(e, e.width, 32)
    np.testing.assert_array_equal(e.image_artist.get_array(), e.grids["ReLU", 32])
    assert e.accuracy["ReLU", 32] >= 0.95
    assert max(e.accuracy["identity", w] for w in widgets.WIDTHS) < 0.92
    e.activation.value = "identity"
    np.testing.assert_array_equal(e.image_artist.get_array(), e.grids["identity", 32])


def test_early_stopping_explorer_marks_stop_and_best_epoch():
    val = [1.0, 0.8, 0.7, 0.72, 0.69, 0.75, 0.8, 0.9, 1.0, 1.1]
    test_acc = list(np.linspace(0.5, 0.9, 10))
    e = widgets.early_stopping_explorer(val, test_acc, patience=2)
    assert e.result == {"stopped_epoch": 7, "best_epoch": 5}
    assert png_changes(e, e.patience, 3)
    assert e.result == {"stopped_epoch": 8, "best_epoch": 5}
    assert list(e.stop_line.get_xdata()) == [8, 8]
    assert list(e.best_marker.get_xdata()) == [5]
    e.min_delta.value = 0.05  # 0.7 -> 0.69 is no longer an improvement
    assert e.result == {"stopped_epoch": 6, "best_epoch": 3}
    assert "test accuracy" in e.figure.axes[0].get_title()


def test_backprop_explorer_moves_the_highlight_along_the_reverse_order():
    from nnlesson.graph import Tensor, cross_entropy

    X = Tensor(np.array([[1.0, -2.0]]), name="X")
    W = Tensor(np.array([[0.5, -0.3], [0.8, 0.2]]), name="W")
    S = X @ W.T
    S.name = "S"
    loss = cross_entropy(S.tanh(), np.array([1]))
    e = widgets.backprop_explorer(loss)
    assert [node.op for node in e.steps] == ["CE", "tanh", "@", "T"]
    seen = []
    for step in range(1, len(e.steps) + 1):
        e.step.value = step
        node = e.state["current"]
        assert node is e.steps[step - 1]
        outline = e.outlines[1]
        assert e.boxes["var", id(node)].x0 > outline.get_x()  # the outline surrounds its box
        seen.append(outline.get_x())
    assert len(set(seen)) == len(seen)  # a different node outlined at every step, right to left
    assert seen == sorted(seen, reverse=True)


def test_explorers_leave_a_static_picture_and_stable_text():
    e = widgets.prelu_explorer()
    bundle = e._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == e.image.value
    assert bundle["text/plain"] == "pReLU explorer (run the cell to move the controls)"
    assert "application/vnd.jupyter.widget-view+json" in bundle
