"""Explorers, headless: change each control and assert that what is drawn changed correctly.

Setting ``control.value`` in Python runs the observers synchronously, as a slider move would.
"""

import base64
import html
import io

import numpy as np
import pytest

import nnlesson as nl

widgets = pytest.importorskip("nnlesson.viz.explorers")
from nnlesson.graph import Tensor, cross_entropy  # noqa: E402
from nnlesson.viz import experiments, graph_draw  # noqa: E402
from nnlesson.viz.figlint import figure_problems  # noqa: E402
from nnlesson.viz.plot import DPI, MAX_WIDTH  # noqa: E402


def png_changes(explorer, control, value):
    before = explorer.image.value
    control.value = value
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    return explorer.image.value != before


def neuron_loss():
    """Lesson 04's single neuron with a squared error, as graph tensors."""
    w, x, b, t = (Tensor(v, name=n) for v, n in [(0.5, "w"), (2.0, "x"), (-0.5, "b"), (1.0, "t")])
    wx = w * x
    z = wx + b
    a = z.sigmoid()
    error = a - t
    loss = error ** 2
    for tensor, name in [(wx, "wx"), (z, "z"), (a, "a"), (error, "a-t"), (loss, "L")]:
        tensor.name = name
    return loss


def readable(explorer):
    """figure_problems of the explorer's figure, with the animated artists as last drawn."""
    for artist in explorer.animated:
        artist.set_animated(False)
    try:
        return figure_problems(explorer.figure)
    finally:
        for artist in explorer.animated:
            artist.set_animated(True)


def test_prelu_explorer_redraws_function_derivative_and_histogram():
    e = widgets.prelu_explorer()
    figure = e.figure
    assert "alpha (slope for x <= 0)" in e.alpha.description
    assert e.alpha.min < 0 and e.alpha.max >= 1
    for alpha in (0.0, 0.5, -0.3, 1.0):
        assert png_changes(e, e.alpha, alpha)
        np.testing.assert_allclose(e.lines["prelu"].get_ydata(), nl.prelu(e.x, alpha))
        np.testing.assert_allclose(e.lines["derivative"].get_ydata(), nl.prelu_derivative(e.x, alpha))
        assert f"alpha = {alpha:.2f}" in e.caption.value
        assert f"(alpha = {alpha:+.2f})" in e.figure.axes[0].get_title()  # review 01-03, c25
    e.alpha.value = 0.0
    heights_relu = e.hist.get_data().values.copy()
    e.alpha.value = 0.5
    heights = e.hist.get_data().values
    # With alpha = 0 every negative input maps to 0: the bin at 0 holds about half the samples.
    assert heights_relu.max() > 9000 and heights.max() < 2000
    assert e.figure is figure  # updated in place, never re-created


def test_no_histogram_bar_is_cut_by_the_axes():
    # Regression: the y-limit was 2,500 and the bar at 0 (about 10,000 at alpha = 0) was cut.
    e = widgets.prelu_explorer()
    top = e.hist.axes.get_ylim()[1]
    for alpha in np.arange(-0.5, 1.001, 0.05):
        e.alpha.value = round(float(alpha), 2)
        assert e.hist.get_data().values.max() < top, alpha
    # Review r2-01-04, c25: a symlog axis (linear to 4,000, log above) needed explaining; a plain
    # log axis holds every bar from a tail's 10 to the spike's 10,000 and needs none.
    assert e.hist.axes.get_yscale() == "log" and "log scale" in e.hist.axes.get_ylabel()


def test_the_png_is_exactly_the_drawn_canvas():
    PIL = pytest.importorskip("PIL.Image")
    e = widgets.prelu_explorer(alpha=0.3)
    decoded = np.asarray(PIL.open(io.BytesIO(e.image.value)).convert("RGB"))
    np.testing.assert_array_equal(decoded, np.asarray(e.blitter.canvas.buffer_rgba())[..., :3])


def test_a_setting_seen_before_shows_the_same_picture_as_a_fresh_explorer():
    e = widgets.prelu_explorer()
    e.alpha.value = 0.3
    first = e.image.value
    e.alpha.value = 0.6
    e.alpha.value = 0.3  # from the explorer's store of pictures
    assert e.image.value == first == widgets.prelu_explorer(alpha=0.3).image.value
    assert "alpha = 0.30" in e.caption.value  # the caption still follows
    d = widgets.dropout_explorer(p=0.3, samples=10)
    before = d.image.value
    d.resample.click()  # same p, new masks: a new picture, not the stored one
    assert d.image.value != before


def test_dropout_explorer_masks_track_p_and_the_band_widens_with_p():
    e = widgets.dropout_explorer(samples=60)
    assert e.p.description == "p (drop probability)" and e.p.max == 0.95
    spreads = []
    for p in (0.1, 0.5, 0.8):
        assert png_changes(e, e.p, p)
        dropped = np.ma.getmaskarray(e.image_artist.get_array())
        assert abs(dropped.mean() - p) < 0.15
        np.testing.assert_array_equal(dropped, ~e.state["keep"])
        assert f"{dropped.mean():.0%} of the grid's units dropped" in e.caption.value
        spreads.append(e.state["std"].mean())
    assert spreads[0] < spreads[1] < spreads[2]
    # The mean over many masks stays at the input (the expectation is preserved).
    mean = e.lines["mean"].get_ydata()
    np.testing.assert_allclose(mean, np.linspace(0.2, 2.0, 10), rtol=0.25)
    before = e.state["keep"].copy()
    e.resample.click()
    assert not np.array_equal(before, e.state["keep"])


def test_the_dropout_band_is_never_clipped_by_the_axes():
    # Regression: with fixed y-limits of (-5, 5) the band ran off the axes from p = 0.3 on.
    e = widgets.dropout_explorer()
    low, high = e.mc_axes.get_ylim()
    for p in np.arange(0.0, 0.951, 0.05):
        e.p.value = round(float(p), 2)
        for _ in range(3):
            band = e.band.get_paths()[0].vertices[:, 1]
            assert low < band.min() and band.max() < high, p
            e.resample.click()


def test_the_float32_copy_predicts_like_the_trained_network():
    net = experiments.dropout_regressor()
    x = np.linspace(-3, 3, 50)[:, None]
    np.testing.assert_allclose(net["model32"].eval()(x.astype(np.float32)),
                               net["model"].eval()(x), rtol=1e-4, atol=1e-5)


def test_the_dropout_explorer_says_whose_network_it_runs():
    e = widgets.dropout_explorer()
    title = e.mc_axes.get_title()
    assert "own net" in title and f"p = {experiments.TRAINED_P}" in title
    assert "above" not in title
    # the training data's range shaded, where the band is narrow (review r5 of lesson 06)
    labels = e.mc_axes.get_legend_handles_labels()[1]
    assert "range of the training data" in labels
    # and the p it predicts with, which a stored picture shows without its slider's value
    e.p.value = 0.7
    before = e.image.value
    assert e.mc_axes.get_title().endswith("predicting with dropout p = 0.70")
    e.p.value = 0.3
    assert e.mc_axes.get_title().endswith("predicting with dropout p = 0.30")
    assert e.image.value != before


def test_dropout_explorer_leaves_its_network_in_eval_mode():
    widgets.dropout_explorer()
    for model in (experiments.dropout_regressor()["model"], experiments.dropout_regressor()["model32"]):
        assert not any(layer.training for layer in model)


def test_the_dropout_mask_is_drawn_as_lesson_06_draws_it():
    # Regression: the explorer drew dropped units black on viridis, lesson 06 white on Blues.
    e = widgets.dropout_explorer(p=0.5, samples=10)
    image = e.image_artist
    colours = image.to_rgba(image.get_array())[..., :3]
    keep = e.state["keep"]
    assert (~keep).any() and keep.any()
    np.testing.assert_allclose(colours[~keep], 1.0)  # dropped: white
    kept = colours[keep]
    assert (kept[:, 2] > kept[:, 0] + 0.2).all()  # kept: blue ...
    assert (kept.sum(axis=1) < 2.4).all()  # ... and visibly darker than white
    assert "white: dropped" in image.axes.get_title()
    # the colour bar starts at the smallest survivor, its white triangle below is 0 (dropped)
    assert 0 < image.norm.vmin <= e.image_artist.get_array().min()
    assert image.colorbar.extend == "min" and "white: dropped" in image.colorbar.ax.get_ylabel()
    assert all(spine.get_visible() for spine in image.axes.spines.values())  # a frame


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
    np.testing.assert_allclose(norms, experiments.gradient_norms("sigmoid", 20))


def test_activation_explorer_lets_the_student_choose_the_initialisation():
    # Review 01-06, 03.7: the explorer hid the initialisation, which lesson 03 shows matters as
    # much as the activation.
    e = widgets.activation_explorer("ReLU", 12)
    assert e.init.value == "he"  # the one paired with ReLU, until the student changes it
    _, he = e.lines["gradients"].get_data()
    assert png_changes(e, e.init, "glorot")
    _, glorot = e.lines["gradients"].get_data()
    np.testing.assert_allclose(glorot, experiments.gradient_norms("ReLU", 12, init="glorot"))
    assert np.all(glorot < he / 10)  # lesson 03: flat in both, far lower with Glorot
    assert "Glorot weights" in e.caption.value and "Glorot" in e.figure.axes[1].get_title()
    assert widgets.activation_explorer("sigmoid", init="he").init.value == "he"


def test_activation_explorer_reports_last_over_first_like_lesson_03():
    # Regression: the explorer printed first / last while lesson 03 prints last / first.
    e = widgets.activation_explorer("sigmoid", 12)
    _, norms = e.lines["gradients"].get_data()
    assert norms[-1] / norms[0] > 1e3  # the last layer gets the large gradient
    assert f"last layer / the first = {norms[-1] / norms[0]:.1e}" in e.caption.value


def test_nonlinearity_explorer_shows_the_trained_boundary():
    e = widgets.nonlinearity_explorer()
    assert png_changes(e, e.activation, "ReLU")
    assert png_changes(e, e.width, 32)
    assert e.state["key"] == ("ReLU", 32)
    assert [key for key, region in e.regions.items() if region.get_visible()] == [("ReLU", 32)]
    assert e.accuracy["ReLU", 32] >= 0.95
    assert max(e.accuracy["identity", w] for w in widgets.WIDTHS) < 0.92
    assert "ReLU, width 32: " in e.figure.axes[0].get_title()
    e.activation.value = "identity"
    assert [key for key, region in e.regions.items() if region.get_visible()] == [("identity", 32)]


def test_the_nonlinearity_boundary_is_a_smooth_curve_not_a_staircase():
    # Regression: the boundary was an 80 x 80 grid of square cells drawn as an image.
    e = widgets.nonlinearity_explorer("identity", 8)
    boundary = e.regions["identity", 8]
    # Filled contours: their edge is the interpolated level-1/2 curve; for a linear model it is
    # a straight line, so every vertex on it lies on one line (a staircase would not).
    paths = [p for p in boundary.get_paths() if len(p.vertices)]
    inner = np.vstack([p.vertices for p in paths])
    xx, yy = e.grids["identity", 8].shape
    on_edge = inner[(inner[:, 0] > inner[:, 0].min() + 1e-9) & (inner[:, 0] < inner[:, 0].max() - 1e-9)
                    & (inner[:, 1] > inner[:, 1].min() + 1e-9) & (inner[:, 1] < inner[:, 1].max() - 1e-9)]
    assert len(on_edge) > 20
    slope, intercept = np.polyfit(on_edge[:, 0], on_edge[:, 1], 1)
    residual = on_edge[:, 1] - (slope * on_edge[:, 0] + intercept)
    assert np.abs(residual).max() < 0.01


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
        outline, box = e.outlines[1], e.boxes["var", id(node)]
        assert outline.get_x() < box.x0 and outline.get_y() < box.y0  # surrounds its box
        assert outline.get_x() + outline.get_width() > box.x1
        seen.append(outline.get_y())
    # Inputs at the top, the loss at the bottom: the backward pass climbs the picture.
    assert seen == sorted(seen) and len(set(seen)) == len(seen)


def test_backprop_explorer_reveals_gradients_step_by_step():
    # Regression: step 1 of 5 showed every node's final gradient, giving the answers away.
    loss = neuron_loss()
    e = widgets.backprop_explorer(loss)
    assert [node.op for node in e.steps] == ["**2", "-", "sigmoid", "+", "*"]
    e.step.value = 1
    texts = {name: text.get_text() for name, text in e.grad_texts.items()}
    assert texts["L"] == "grad 1" and texts["a-t"].startswith("grad -0.75")
    for name in ("a", "t", "z", "wx", "b", "w", "x"):
        assert texts[name] == "grad ?", name
    assert png_changes(e, e.step, 3)  # after the sigmoid: z has its gradient, wx and b not yet
    texts = {name: text.get_text() for name, text in e.grad_texts.items()}
    assert texts["z"] != "grad ?" and texts["wx"] == texts["b"] == texts["w"] == "grad ?"
    e.step.value = len(e.steps)  # the last step: every gradient, equal to backward()'s
    nodes = {n.name: n for n in nl.graph.topological_order(loss)}
    for name, text in e.grad_texts.items():
        assert text.get_text() == f"grad {graph_draw.short_values(nodes[name].grad)}", name
    assert "step 5 of 5" in e.caption.value and "passed on to w" in e.caption.value


def test_the_local_derivative_is_written_with_the_graphs_own_names():
    # Regression (review 04-06): the caption said "d(a * b)/da = b" in a graph where a is the
    # sigmoid's output and b the bias.
    e = widgets.backprop_explorer(neuron_loss())
    expected = ["d((a-t)^2)/d(a-t) = 2 (a-t)^1", "d(a - t)/da = 1,  d(a - t)/dt = -1",
                "d sigmoid(z)/dz = a (1 - a)", "d(wx + b)/dwx = 1,  d(wx + b)/db = 1",
                "d(w * x)/dw = x,  d(w * x)/dx = w"]
    for step, local in enumerate(expected, start=1):
        e.step.value = step
        assert f"local derivative: {html.escape(local)}<br>" in e.caption.value, step
    # A tensor without a name: the generic letters stay, the operator's own text
    x = Tensor(np.array([[1.0, 2.0]]), name="x")
    W = Tensor(np.array([[0.5, -1.0]]), name="W")
    loss = cross_entropy(x @ W.T, np.array([0]))  # W.T has no name
    matmul = next(node for node in widgets.backprop_explorer(loss).steps if node.op == "@")
    assert widgets._local_in_names(matmul) == matmul.local


def test_the_step_through_gradients_equal_backward_at_the_last_step():
    rng = np.random.default_rng(0)
    W1, b1 = Tensor(rng.normal(size=(3, 2)), name="W1"), Tensor(np.zeros(3), name="b1")
    x = Tensor(rng.normal(size=(2, 2)), name="x")
    loss = cross_entropy((x @ W1.T + b1).relu(), np.array([0, 2]))
    e = widgets.backprop_explorer(loss)
    e.step.value = len(e.steps)
    for node in nl.graph.topological_order(loss):
        np.testing.assert_allclose(e.state["grads"][id(node)], node.grad)


EXPLORERS = {
    "prelu": (lambda: widgets.prelu_explorer(), "alpha", [-0.5, 0.0, 1.0]),
    "dropout": (lambda: widgets.dropout_explorer(samples=20), "p", [0.0, 0.5, 0.95]),
    "activation": (lambda: widgets.activation_explorer(), "depth", [2, 30]),
    "nonlinearity": (lambda: widgets.nonlinearity_explorer(), "width", [2, 32]),
    "early_stopping": (lambda: widgets.early_stopping_explorer(
        list(np.linspace(1, 2, 60) + np.sin(np.arange(60)) / 5), list(np.linspace(0.6, 0.9, 60))),
        "patience", [1, 30]),
    "backprop": (lambda: widgets.backprop_explorer(neuron_loss()), "step", [1, 5]),
}


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_explorer_labels_the_axes_it_shows_numbers_on(name):
    # Regression: the activation explorer's left panel had no y-axis label.
    e = EXPLORERS[name][0]()
    for ax in e.figure.axes:
        if not ax.axison:
            continue
        for axis in (ax.xaxis, ax.yaxis):  # a twin's shared axis is not drawn: no label needed
            if axis.get_visible() and any(t.get_visible() for t in axis.get_ticklabels()):
                assert axis.get_label_text().strip(), (name, ax.get_title())


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_explorer_is_readable_at_notebook_width(name):
    make, control, values = EXPLORERS[name]
    e = make()
    assert e.figure.dpi == DPI and e.figure.get_figwidth() <= MAX_WIDTH
    # shown at its own size, so that 9 pt text is 9 pt on the screen
    assert e.image.layout.width == f"{round(e.figure.get_figwidth() * DPI)}px"
    for value in values:
        getattr(e, control).value = value
        assert readable(e) == [], (name, value)
    if name == "activation":
        for activation in experiments.ACTIVATIONS:
            e.activation.value = activation
            assert readable(e) == [], activation


@pytest.mark.parametrize("name", EXPLORERS)
def test_a_title_redrawn_after_a_move_keeps_the_course_style(name):
    # Regression: update() called ax.set_title, which outside the explorer's style context set
    # the title in matplotlib's default 12 pt (the course uses 11): a picture seen again after
    # other moves differed from a fresh explorer's.
    make, control, values = EXPLORERS[name]
    e = make()
    sizes = [ax.title.get_fontsize() for ax in e.figure.axes]
    getattr(e, control).value = values[-1]
    assert [ax.title.get_fontsize() for ax in e.figure.axes] == sizes


def test_the_explorer_is_the_lesson_graph_readable_as_well():
    # the backprop explorer on the MLP graph of lesson 04 (13 tensors)
    rng = np.random.default_rng(0)
    W1, b1 = Tensor(rng.normal(size=(4, 3)), name="W1"), Tensor(np.zeros(4), name="b1")
    W2, b2 = Tensor(rng.normal(size=(2, 4)), name="W2"), Tensor(np.zeros(2), name="b2")
    x = Tensor(rng.normal(size=(1, 3)), name="x")
    e = widgets.backprop_explorer(cross_entropy((x @ W1.T + b1).relu() @ W2.T + b2, np.array([1])))
    for step in (1, len(e.steps)):
        e.step.value = step
        assert readable(e) == []


@pytest.mark.parametrize("call, error, match", [
    (lambda: widgets.prelu_explorer(alpha=5), ValueError, r"prelu_explorer: alpha must be in \[-0.5, 1\], got 5"),
    (lambda: widgets.prelu_explorer(alpha="0.3"), TypeError, "prelu_explorer: alpha must be a number, got '0.3'"),
    (lambda: widgets.prelu_explorer(alpha=np.nan), ValueError, "alpha must be finite"),
    (lambda: widgets.prelu_explorer(seed=-1), ValueError, r"seed must be in \[0, inf\)"),
    (lambda: widgets.dropout_explorer(p=1.0), ValueError, r"dropout_explorer: p must be in \[0, 0.95\], got 1"),
    (lambda: widgets.dropout_explorer(p=[0.5]), TypeError, "p must be a number"),
    (lambda: widgets.dropout_explorer(samples=0), ValueError, r"samples must be in \[2, 2000\]"),
    (lambda: widgets.dropout_explorer(samples=2.5), TypeError, "samples must be an integer"),
    (lambda: widgets.activation_explorer("softmax"), ValueError, r"activation must be one of \['sigmoid', 'tanh', 'ReLU'"),
    (lambda: widgets.activation_explorer(depth=31), ValueError, r"depth must be in \[2, 30\], got 31"),
    (lambda: widgets.activation_explorer(depth=True), TypeError, "depth must be an integer"),
    (lambda: widgets.activation_explorer(init="xavier"), ValueError, "activation_explorer: init must be one of"),
    (lambda: experiments.gradient_norms("tanh", 1), ValueError, r"gradient_norms: depth must be in \[2, 100\]"),
    (lambda: widgets.nonlinearity_explorer("relu"), ValueError, r"activation must be one of \['identity', 'ReLU'\], got 'relu'"),
    (lambda: widgets.nonlinearity_explorer(width=5), ValueError, r"width must be one of \[2, 4, 8, 16, 32\], got 5"),
    (lambda: widgets.early_stopping_explorer([1.0, 0.5], patience=0), ValueError, r"patience must be in \[1, 30\], got 0"),
    (lambda: widgets.early_stopping_explorer([1.0, 0.5], min_delta=-0.1), ValueError, r"min_delta must be in \[0, 0.2\]"),
    (lambda: widgets.early_stopping_explorer([1.0, np.nan, 0.5]), ValueError, "val_losses must be finite, got NaN or inf at epoch 2"),
    (lambda: widgets.early_stopping_explorer([[1.0, 0.5]]), ValueError, r"val_losses must be a 1-D list .* got shape \(1, 2\)"),
    (lambda: widgets.early_stopping_explorer(["a", "b"]), TypeError, "val_losses must be a list of numbers"),
    (lambda: widgets.early_stopping_explorer([1.0, 0.5, 0.4], [0.5, 0.6]), ValueError, "test_accuracy has 2 entries but val_losses has 3"),
    (lambda: widgets.nonlinearity_explorer(width=True), ValueError, "width must be one of .* got True"),
    (lambda: widgets.early_stopping_explorer([1.0, 0.5], [60.0, 70.0]), ValueError, r"test_accuracy must be fractions in \[0, 1\] \(not percentages\), got values up to 70"),
    (lambda: widgets.backprop_explorer(np.ones(3)), TypeError, "backprop_explorer expects a scalar graph Tensor .* got ndarray"),
    (lambda: widgets.backprop_explorer(Tensor(np.ones(3)) * 2), ValueError, r"expects a scalar loss, got a tensor of shape \(3,\)"),
    (lambda: widgets.backprop_explorer(Tensor(1.0)), ValueError, "no backward step"),
])
def test_bad_explorer_arguments_raise_clear_errors(call, error, match):
    # Regression: prelu_explorer(alpha=5) silently showed alpha = 1.0 (the slider clipped it).
    with pytest.raises(error, match=match):
        call()


def test_arguments_at_the_ends_of_a_range_are_accepted():
    assert widgets.prelu_explorer(alpha=-0.5).alpha.value == -0.5
    assert widgets.prelu_explorer(alpha=1).alpha.value == 1.0
    assert widgets.activation_explorer("tanh", 30).depth.value == 30
    # numpy numbers are numbers: a width from np.arange or a seed from an array work
    assert widgets.nonlinearity_explorer(width=np.int64(16)).width.value == 16
    assert widgets.nonlinearity_explorer(width=8.0).width.value == 8
    assert widgets.activation_explorer(depth=np.int64(5)).depth.value == 5


def test_explorers_leave_a_static_picture_and_stable_text():
    e = widgets.prelu_explorer()
    bundle = e._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == e.image.value
    assert bundle["text/plain"] == "pReLU explorer (run the cell to move the controls)"
    import ipywidgets

    if ipywidgets.__version__ >= "8":  # ipywidgets 7 shows the live widget by _ipython_display_
        assert "application/vnd.jupyter.widget-view+json" in bundle


def test_init_explorer_tells_a_narrow_signal_from_a_dead_one_and_names_its_setting():
    # r7: on a linear colour scale clipped at 0.10 the default setting (tanh, Glorot: std 0.21 at
    # layer 10, alive) saturated the bin at 0 like a dead signal, and the image named no setting.
    e = widgets.init_explorer(depth=10, width=64)
    heat, title = e.figure.axes[0].images[0], e.figure.axes[0].title
    assert title.get_text() == "tanh, scale 1.00: activations"
    alive = heat.get_array()[-1]  # layer 10's fractions per bin
    assert png_changes(e, e.activation, "ReLU") and png_changes(e, e.scale, 0.5)
    assert title.get_text() == "ReLU, scale 0.50: activations"
    dead = heat.get_array()[-1]
    assert dead.max() == 1.0 and alive.max() < 0.5  # nearly all in one bin, against a spread
    # and the colours differ: the alive signal's busiest bin is not drawn as the dead one's
    colour = heat.cmap(heat.norm(np.array([alive.max(), dead.max()])))
    assert np.abs(colour[0] - colour[1]).max() > 0.2
    # several bins of the alive layer are visibly lit (above the scale's 0.1% floor)
    assert np.count_nonzero(alive > 1e-2) >= 5


def test_the_expectation_panel_is_filled_at_small_p_and_holds_every_pass_at_large_p():
    # Regression (review r8, lesson 06): a linear axis up to 8.5 left the panel mostly empty at
    # the lesson's p = 0.2 and still clipped one pass beyond p = 0.76.
    e = widgets.dropout_explorer(p=0.2, samples=10)
    ax = e.lines["mean"].axes
    to_height = ax.transAxes.inverted().transform
    for p in np.arange(0.0, 0.951, 0.05):
        e.p.value = round(float(p), 2)
        for line in ax.get_lines():
            heights = to_height(ax.transData.transform(line.get_xydata()))[:, 1]
            assert 0 <= heights.min() and heights.max() <= 1, (p, line.get_label())
    e.p.value = 0.2
    heights = to_height(ax.transData.transform(e.lines["mean"].get_xydata()))[:, 1]
    assert heights.max() - heights.min() > 0.5  # the inputs span over half the panel
