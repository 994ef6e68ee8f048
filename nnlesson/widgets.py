"""Interactive explorers for the lessons: sliders that redraw a plot at once.

Each ``*_explorer()`` returns a widget to display in one line. Its controls are attributes (for
example ``explorer.alpha``), so a test or a curious student can set ``explorer.alpha.value = 0.5``
from code. Figures are made once. A change of a control updates the data of the few artists that
move, redraws only those over a saved picture of everything else (blitting), and sends the result
as PNG bytes to an ``ipywidgets.Image``. That is fast, works with the plain inline backend
everywhere (JupyterLab, Notebook 7, VS Code, Colab), and keeps notebooks checkable by nbval. A
stored notebook shows a static picture of each explorer's last state.
"""

import base64
import io

import ipywidgets as widgets
import matplotlib
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure

from . import activations as act
from .data import add_label_noise, load_digits, make_curve, make_moons, train_val_split
from .layers import Dropout, Linear, PReLU, ReLU, Sequential, Sigmoid, Tanh, no_grad
from .losses import MSELoss, SoftmaxCrossEntropy
from .optim import SGD
from .plot import BLUE, GREY, ORANGE, PALETTE, SKY, VERMILLION, decision_grid
from .train import EarlyStopping, fit

DPI = 72
SLIDER_STYLE = {"description_width": "initial"}


class Explorer(widgets.VBox):
    """Controls above a matplotlib figure shown as a PNG image.

    ``controls`` are widgets whose ``value`` changes trigger :meth:`redraw`. ``update()`` changes
    the data of the ``animated`` artists in place (no new figure, no change of axis limits);
    everything else is drawn once and kept as a background.
    """

    def __init__(self, title, figure, controls, update, animated, *, width="720px"):
        self.title = title
        self.figure = figure
        self.animated = list(animated)
        self._update = update
        self._canvas = FigureCanvasAgg(figure)
        self._background = None
        for artist in self.animated:
            artist.set_animated(True)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=width))
        super().__init__([widgets.HBox(controls), self.image])
        for control in controls:
            if not isinstance(control, widgets.Button):
                control.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    def redraw(self):
        """Update the moving artists, draw them over the background, and show the PNG."""
        self._update()
        if self._background is None:
            self._canvas.draw()  # everything but the animated artists
            self._background = self._canvas.copy_from_bbox(self.figure.bbox)
        else:
            self._canvas.restore_region(self._background)
        for artist in self.animated:
            self.figure.draw_artist(artist)
        pixels = np.asarray(self._canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        # The live widget where widgets render; elsewhere (GitHub, nbviewer, a printout, an
        # un-run notebook) a picture of the current state, and a stable line of text for nbval.
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = f"{self.title} (run the cell to move the controls)"
        return bundle


def _slider(description, value, low, high, step):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               style=SLIDER_STYLE, continuous_update=True,
                               layout=widgets.Layout(width="340px"))


def _int_slider(description, value, low, high):
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             style=SLIDER_STYLE, layout=widgets.Layout(width="340px"))


# -- pReLU -------------------------------------------------------------------------------------
def prelu_explorer(alpha=0.25, *, seed=0):
    """Move alpha: pReLU and its derivative, and what a layer passes on for Gaussian inputs."""
    x = np.linspace(-4, 4, 401)
    z = np.random.default_rng(seed).standard_normal(20_000)  # pre-activations of a layer
    bins = np.linspace(-3, 3, 61)
    fig = Figure(figsize=(10, 3.6), dpi=DPI)
    ax_f, ax_h = fig.subplots(1, 2)
    line_f, = ax_f.plot(x, act.prelu(x, alpha), color=BLUE, label="prelu(x)")
    line_d, = ax_f.plot(x, act.prelu_derivative(x, alpha), color=VERMILLION, ls="--",
                        label="prelu'(x)")
    ax_f.axhline(0, color=GREY, lw=0.8)
    ax_f.set(xlabel="x", ylabel="value", ylim=(-3, 4), title="pReLU and its derivative")
    ax_f.legend(loc="upper left")
    counts, _ = np.histogram(act.prelu(z, alpha), bins=bins)
    bars = ax_h.bar(bins[:-1], counts, width=np.diff(bins), align="edge", color=SKY,
                    edgecolor="white", linewidth=0.3)
    ax_h.set(xlabel="output of the layer", ylabel="count", ylim=(0, len(z) / 8),
             title="Outputs for N(0, 1) inputs")
    note = ax_h.text(0.02, 0.95, "", transform=ax_h.transAxes, va="top", fontsize=9)
    fig.tight_layout()

    slider = _slider("alpha (slope for x <= 0)", alpha, -0.5, 1.0, 0.01)

    def update():
        a = slider.value
        line_f.set_ydata(act.prelu(x, a))
        line_d.set_ydata(act.prelu_derivative(x, a))
        out = act.prelu(z, a)
        for bar, count in zip(bars, np.histogram(out, bins=bins)[0]):
            bar.set_height(count)
        note.set_text(f"alpha = {a:.2f}\nmean output {out.mean():+.3f}\n"
                      f"gradient through x <= 0: {a:.2f} (ReLU: 0)")

    explorer = Explorer("pReLU explorer", fig, [slider], update,
                        [line_f, line_d, *bars, note])
    explorer.alpha, explorer.lines = slider, {"prelu": line_f, "derivative": line_d}
    explorer.x, explorer.bars = x, bars
    return explorer


# -- dropout -----------------------------------------------------------------------------------
_REGRESSOR = {}


def _mc_regressor():
    """A 1-D regression net trained once with dropout (cached): data, model."""
    if not _REGRESSOR:
        X, y = make_curve(60, noise=0.1, x_range=(-2.5, 2.5), rng=3)
        rng = np.random.default_rng(4)
        model = Sequential(Linear(1, 64, rng=rng), ReLU(), Dropout(0.2, rng=rng),
                           Linear(64, 64, rng=rng), ReLU(), Dropout(0.2, rng=rng),
                           Linear(64, 1, rng=rng))
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.01, momentum=0.9), (X, y),
            epochs=400, batch_size=16, rng=5)
        _REGRESSOR.update(X=X, y=y, model=model)
    return _REGRESSOR


def dropout_explorer(p=0.5, *, seed=0, samples=100):
    """Move p: a dropout mask on a grid of units, the expectation check, Monte-Carlo dropout."""
    rng = np.random.default_rng(seed)
    units = rng.uniform(0.5, 1.5, size=(12, 12))  # a layer's activations
    h = np.linspace(0.2, 2.0, 10)  # a few activations for the expectation check
    net = _mc_regressor()
    x_grid = np.linspace(-6, 6, 121)[:, None]

    fig = Figure(figsize=(12, 3.6), dpi=DPI)
    ax_grid, ax_mean, ax_mc = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.3, 1.6]})
    cmap = matplotlib.colormaps["cividis"].with_extremes(bad="#E8E8E8")  # grey: dropped
    image = ax_grid.imshow(units, cmap=cmap, vmin=0, vmax=3)
    ax_grid.set(xticks=[], yticks=[])
    ax_mean.plot(h, "o-", color=BLUE, label="input h")
    line_mean, = ax_mean.plot(h, "s", color=ORANGE, label="mean of 2,000 dropout passes")
    line_one, = ax_mean.plot(h, "x", color=VERMILLION, label="one dropout pass")
    ax_mean.set(xlabel="unit", ylabel="activation", ylim=(-0.2, 8),
                title="Expectation preserved: E[h'] = h")
    ax_mean.legend(loc="upper left", fontsize=8)
    band = ax_mc.fill_between(x_grid[:, 0], 0, 0, color=SKY, alpha=0.5, label="mean +- 2 std")
    line_mc, = ax_mc.plot(x_grid, 0 * x_grid, color=BLUE, label="Monte-Carlo mean")
    data = ax_mc.scatter(net["X"], net["y"], s=8, color=ORANGE, label="training data")
    ax_mc.set(xlabel="x", ylabel="y", ylim=(-5, 5), title="Monte-Carlo dropout at this p")
    ax_mc.legend(loc="upper left", fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))  # the square grid's two-line title needs the room

    slider = _slider("p (drop probability)", p, 0.0, 0.95, 0.05)
    button = widgets.Button(description="resample", tooltip="draw new dropout masks")
    state = {"seed": seed}

    def update():
        p = slider.value
        draw = np.random.default_rng(state["seed"])
        keep = draw.random(units.shape) >= p
        image.set_data(np.ma.masked_where(~keep, units / (1 - p)))
        ax_grid.set_title(f"{np.mean(~keep):.0%} of units dropped (grey),\n"
                          f"survivors x {1 / (1 - p):.2f}")
        masks = draw.random((2000, h.size)) >= p
        line_mean.set_ydata((h * masks / (1 - p)).mean(axis=0))
        line_one.set_ydata(h * masks[0] / (1 - p))
        model = net["model"].train()
        for i, layer in enumerate(model):
            if isinstance(layer, Dropout):  # its own stream per layer, the same at every redraw
                layer.p, layer.rng = p, np.random.default_rng([state["seed"], i])
        with no_grad():
            runs = np.stack([model(x_grid)[:, 0] for _ in range(samples)])
        mean, std = runs.mean(axis=0), runs.std(axis=0)
        line_mc.set_ydata(mean)
        x = x_grid[:, 0]
        band.set_verts([np.concatenate([np.column_stack([x, mean - 2 * std]),
                                        np.column_stack([x[::-1], (mean + 2 * std)[::-1]])])])
        state.update(keep=keep, std=std)

    def resample(_):
        state["seed"] += 1
        explorer.redraw()

    button.on_click(resample)
    explorer = Explorer("Dropout explorer", fig, [slider, button], update,
                        [image, ax_grid.title, line_mean, line_one, band, line_mc, data],
                        width="900px")
    explorer.p, explorer.resample, explorer.state = slider, button, state
    explorer.image_artist, explorer.lines = image, {"mean": line_mean, "mc_mean": line_mc}
    return explorer


# -- activations and vanishing gradients -------------------------------------------------------
_ACTIVATIONS = {
    "sigmoid": (act.sigmoid, act.sigmoid_derivative, Sigmoid, "glorot"),
    "tanh": (act.tanh, act.tanh_derivative, Tanh, "glorot"),
    "ReLU": (act.relu, act.relu_derivative, ReLU, "he"),
    "pReLU (alpha 0.25)": (lambda x: act.prelu(x, 0.25), lambda x: act.prelu_derivative(x, 0.25),
                           PReLU, "he"),
}


def gradient_norms(activation, depth, *, width=32, batch=64, seed=0):
    """||dL/dW|| per Linear layer (first layer first) of a deep net with one cross-entropy step."""
    _, _, layer, init = _ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    layers = [Linear(8, width, rng=rng, init=init), layer()]
    for _ in range(depth - 2):
        layers += [Linear(width, width, rng=rng, init=init), layer()]
    model = Sequential(*layers, Linear(width, 4, rng=rng, init=init))
    X = rng.standard_normal((batch, 8))
    loss = SoftmaxCrossEntropy()
    loss(model(X), rng.integers(0, 4, size=batch))
    model.backward(loss.backward())
    return np.array([np.linalg.norm(lay.W.grad) for lay in model if isinstance(lay, Linear)])


def activation_explorer(activation="sigmoid", depth=10):
    """Choose an activation and a depth: the function, its derivative, the gradient per layer."""
    x = np.linspace(-5, 5, 401)
    fig = Figure(figsize=(10, 3.6), dpi=DPI)
    ax_f, ax_g = fig.subplots(1, 2)
    line_f, = ax_f.plot(x, x, color=BLUE, label="f(x)")
    line_d, = ax_f.plot(x, x, color=VERMILLION, ls="--", label="f'(x)")
    ax_f.axhline(0, color=GREY, lw=0.8)
    ax_f.set(xlabel="x", ylim=(-1.5, 2.5), title=" ")  # titles are filled in by update()
    ax_f.legend(loc="upper left")
    line_g, = ax_g.semilogy([1], [1], "o-", color=BLUE)
    # Fixed limits, so that depths and activations compare at a glance (and the axes never
    # need redrawing).
    ax_g.set(xlabel="layer (1 = next to the input)", ylabel="||dL/dW|| (log scale)",
             xlim=(0.5, 30.5), ylim=(1e-20, 1e2), title=" ")
    fig.tight_layout()

    choice = widgets.Dropdown(options=list(_ACTIVATIONS), value=activation,
                              description="activation", style=SLIDER_STYLE)
    depth_slider = _int_slider("depth (layers)", depth, 2, 30)

    def update():
        f, df, _, _ = _ACTIVATIONS[choice.value]
        line_f.set_ydata(f(x))
        line_d.set_ydata(df(x))
        ax_f.set_title(f"{choice.value} and its derivative")
        norms = gradient_norms(choice.value, depth_slider.value)
        line_g.set_data(np.arange(1, len(norms) + 1), norms)
        ax_g.set_title(f"Gradient per layer: first / last = {norms[0] / norms[-1]:.1e}")

    explorer = Explorer("Activation explorer", fig, [choice, depth_slider], update,
                        [line_f, line_d, ax_f.title, line_g, ax_g.title])
    explorer.activation, explorer.depth = choice, depth_slider
    explorer.lines = {"function": line_f, "derivative": line_d, "gradients": line_g}
    explorer.x = x
    return explorer


# -- why a nonlinearity ------------------------------------------------------------------------
WIDTHS = (2, 4, 8, 16, 32)


def _boundaries(seed):
    """Predicted classes on a grid for every (activation, width): trained once, then looked up."""
    X, y = make_moons(200, noise=0.1, rng=seed)
    xx, yy, points = decision_grid(X, steps=80)
    grids, accuracy = {}, {}
    for name in ("identity", "ReLU"):
        for width in WIDTHS:
            rng = np.random.default_rng(seed + 1)
            layers = [Linear(2, width, rng=rng), Linear(width, width, rng=rng),
                      Linear(width, 2, rng=rng)]
            if name == "ReLU":
                layers = [layers[0], ReLU(), layers[1], ReLU(), layers[2]]
            model = Sequential(*layers)
            fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1, momentum=0.9),
                (X, y), epochs=60, batch_size=32, rng=seed + 2)
            with no_grad():
                grids[name, width] = np.argmax(model(points), axis=1).reshape(xx.shape)
                accuracy[name, width] = float(np.mean(np.argmax(model(X), axis=1) == y))
    return X, y, (xx, yy), grids, accuracy


def nonlinearity_explorer(activation="identity", width=8, *, seed=0):
    """Toggle identity/ReLU and the hidden width: the decision boundary on two moons."""
    X, y, (xx, yy), grids, accuracy = _boundaries(seed)
    fig = Figure(figsize=(5.2, 4.4), dpi=DPI)
    ax = fig.subplots()
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    light = [0.75 + 0.25 * np.array(to_rgb(c)) for c in PALETTE[:2]]  # opaque pastel tints
    image = ax.imshow(grids[activation, width], origin="lower", extent=extent, aspect="auto",
                      cmap=ListedColormap(light), vmin=0, vmax=1)
    points = [ax.scatter(*X[y == c].T, s=10, color=PALETTE[c], edgecolor="white", linewidth=0.3)
              for c in (0, 1)]
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=" ")
    fig.tight_layout()

    toggle = widgets.ToggleButtons(options=["identity", "ReLU"], value=activation,
                                   description="activation", style=SLIDER_STYLE)
    width_slider = widgets.SelectionSlider(options=list(WIDTHS), value=width,
                                           description="hidden width", style=SLIDER_STYLE)

    def update():
        key = (toggle.value, width_slider.value)
        image.set_data(grids[key])
        ax.set_title(f"{toggle.value} between 3 layers of width {key[1]}: "
                     f"{accuracy[key]:.0%} correct", fontsize=10)

    explorer = Explorer("Nonlinearity explorer", fig, [toggle, width_slider], update,
                        [image, *points, ax.title], width="480px")
    explorer.activation, explorer.width = toggle, width_slider
    explorer.image_artist, explorer.grids, explorer.accuracy = image, grids, accuracy
    return explorer


# -- early stopping ----------------------------------------------------------------------------
def noisy_digits_history(epochs=60, noise=0.4, seed=0):
    """Validation loss and test accuracy per epoch of a digits net trained on noisy labels."""
    X, y = load_digits()
    (X_rest, y_rest), (X_test, y_test) = train_val_split(X, y, val_fraction=0.25, rng=seed)
    (X_tr, y_tr), (X_val, y_val) = train_val_split(X_rest, y_rest, val_fraction=0.2, rng=seed + 1)
    rng = np.random.default_rng(seed + 4)
    model = Sequential(Linear(64, 256, rng=rng), ReLU(), Linear(256, 256, rng=rng), ReLU(),
                       Linear(256, 10, rng=rng))
    test_accuracy = []
    history = fit(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.05, momentum=0.9),
                  (X_tr, add_label_noise(y_tr, noise, rng=seed + 2)),
                  (X_val, add_label_noise(y_val, noise, rng=seed + 3)), epochs=epochs,
                  batch_size=32, rng=seed + 5,
                  callback=lambda e, m: test_accuracy.append(
                      float(np.mean(np.argmax(m(X_test), axis=1) == y_test))))
    return history.val_loss, test_accuracy


def early_stopping_explorer(val_losses=None, test_accuracy=None, *, patience=5, min_delta=0.0):
    """Move patience and min_delta over a training history: where it stops, what it restores.

    Without arguments it trains a digits network on 40% wrong labels first (a few seconds).
    """
    if val_losses is None:
        val_losses, test_accuracy = noisy_digits_history()
    val_losses = np.asarray(val_losses)
    epochs = np.arange(1, len(val_losses) + 1)
    fig = Figure(figsize=(8, 3.8), dpi=DPI)
    ax = fig.subplots()
    ax.plot(epochs, val_losses, color=ORANGE, label="validation loss")
    stop_line = ax.axvline(1, color=VERMILLION, ls="--", label="training stops")
    best_marker, = ax.plot([1], [val_losses[0]], "o", ms=9, color=BLUE, label="restored epoch")
    ax.set(xlabel="epoch", ylabel="validation loss", title=" ")
    ax.legend(loc="upper left")
    if test_accuracy is not None:
        ax_acc = ax.twinx()
        ax_acc.plot(epochs, test_accuracy, color=PALETTE[2], alpha=0.6, ls=":")
        ax_acc.set_ylabel("test accuracy (dotted)")
    fig.tight_layout()

    patience_slider = _int_slider("patience (epochs)", patience, 1, 30)
    delta_slider = _slider("min_delta (epsilon)", min_delta, 0.0, 0.2, 0.005)
    result = {}

    def update():
        stop, best = EarlyStopping(patience_slider.value, delta_slider.value).replay(val_losses)
        stop = stop or len(val_losses)  # never stopped: the run went to its last epoch
        stop_line.set_xdata([stop, stop])
        best_marker.set_data([best], [val_losses[best - 1]])
        text = f"stops after epoch {stop}, restores epoch {best}"
        if test_accuracy is not None:
            text += f": test accuracy {test_accuracy[best - 1]:.1%}"
        ax.set_title(text, fontsize=10)
        result.update(stopped_epoch=stop, best_epoch=best)

    explorer = Explorer("Early-stopping explorer", fig, [patience_slider, delta_slider], update,
                        [stop_line, best_marker, ax.title])
    explorer.patience, explorer.min_delta, explorer.result = patience_slider, delta_slider, result
    explorer.stop_line, explorer.best_marker = stop_line, best_marker
    return explorer


# -- backpropagation, step by step -------------------------------------------------------------
def backprop_explorer(loss):
    """Step through the backward pass of a graph Tensor ``loss`` (see ``nnlesson.graph``).

    Step k outlines the k-th operator the backward pass processes (reverse topological order)
    and the tensor it made, and shows the gradient that tensor received, the operator's local
    derivative, and the product passed on to each input: the chain rule, one node at a time.
    """
    from matplotlib.patches import Rectangle

    from .graph import _draw, _fmt, layout, topological_order, unbroadcast

    loss.backward()
    steps = [node for node in reversed(topological_order(loss)) if node.op]
    columns = 1 + max(col for col, _ in layout(loss)["variables"].values())
    fig = Figure(figsize=(max(6.0, 1.3 * columns), 3.6), dpi=DPI)
    ax_graph = fig.add_axes((0.0, 0.36, 1.0, 0.58))
    _, texts = _draw(loss, ax_graph, True)
    panel = fig.text(0.01, 0.02, "", family="monospace", fontsize=9, va="bottom")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # lay the graph out once, to know where each node's box is
    to_figure = fig.transFigure.inverted()
    boxes = {key: to_figure.transform_bbox(text.get_bbox_patch().get_window_extent())
             for key, text in texts.items()}
    outlines = [Rectangle((0, 0), 0, 0, transform=fig.transFigure, fill=False,
                          edgecolor=VERMILLION, linewidth=3) for _ in range(2)]
    for outline in outlines:
        fig.add_artist(outline)

    slider = _int_slider("backward step", 1, 1, len(steps))

    def fmt(a):  # the drawing's number format, on one line
        return _fmt(a).replace("\n", "")

    def update():
        node = steps[slider.value - 1]
        for outline, key in zip(outlines, [("op", id(node)), ("var", id(node))]):
            box = boxes[key].expanded(1.15, 1.15)
            outline.set_bounds(box.x0, box.y0, box.width, box.height)
        name = node.name or "a tensor"
        shape = node.shape if node.shape else "(scalar)"
        lines = [f"step {slider.value} of {len(steps)}: the operator '{node.op}' that made "
                 f"{name} {shape}",
                 f"  gradient {name} received: dL/d{node.name or 'out'} = {fmt(node.grad)}",
                 f"  local derivative: {node.local}"]
        for parent, contribution in node._backward():
            lines.append(f"  passed on to {parent.name or 'a tensor'} (received x local): "
                         f"{fmt(unbroadcast(contribution, parent.shape))}")
        panel.set_text("\n".join(lines))
        state["current"] = node

    state = {}
    explorer = Explorer("Backpropagation step-through", fig, [slider], update,
                        [*outlines, panel], width="100%")
    explorer.step, explorer.steps, explorer.state = slider, steps, state
    explorer.outlines, explorer.boxes = outlines, boxes
    return explorer


from .playground import playground  # noqa: E402,F401  (the live playground, its own module)
