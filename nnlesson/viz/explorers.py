"""Interactive explorers for the lessons: sliders that redraw a plot at once.

Each ``*_explorer()`` returns a widget to display in one line. Its controls are attributes (for
example ``explorer.alpha``), so a test or a curious student can set ``explorer.alpha.value = 0.5``
from code. Figures are made once. A change of a control updates the data of the few artists that
move, redraws only those over a saved picture of everything else (blitting), and sends the result
as PNG bytes to an ``ipywidgets.Image``. That is fast, works with the plain inline backend
everywhere (JupyterLab, Notebook 7, VS Code, Colab), and keeps notebooks checkable by nbval. A
setting seen before is shown from a store of the pictures already drawn. A stored notebook shows
a static picture of each explorer's last state. Figures follow the course style
(``nnlesson.viz.plot.STYLE``: 100 dpi, text of at least 9 pt, at most ``MAX_WIDTH`` inches wide) and
are shown at their own size, so that text reads as designed at notebook width.
"""

import base64
import collections
import functools
import html
import re

import ipywidgets as widgets
import matplotlib
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, LogNorm, to_rgb
from matplotlib.figure import Figure

from .. import activations as act
from .._threads import limit_for
from .._util import check_choice, check_number
from ..data import make_moons
from ..graph import Tensor, topological_order, unbroadcast
from ..layers import Dropout, Linear, ReLU, Sequential, no_grad
from ..losses import SoftmaxCrossEntropy
from ..optim import SGD
from ..train import EarlyStopping, accuracy, fit
from ._blit import Blitter
from .controls import Menu, Slider
from .experiments import (
    ACTIVATIONS,
    INIT_ACTIVATIONS,
    INITS,
    TRAINED_P,
    check_seed,
    dropout_regressor,
    gradient_norms,
    layer_statistics,
    noisy_digits_history,
)
from .graph_draw import FONT_SIZE, graph_geometry, paint_graph, short_values, variable_label
from .plot import (
    BLUE,
    DPI,
    GREY,
    ORANGE,
    PALETTE,
    SKY,
    STYLE,
    VERMILLION,
    decision_grid,
    figure_html,
    text_alternative,
)

SLIDER_STYLE = {"description_width": "initial"}
SLIDER_WIDTH = "340px"  # label, a track of at least 120 px and the value read out


def _explorer(function):
    """Build an explorer in the course style (100 dpi, readable text), with one BLAS thread.

    The style applies while the figure is made; the thread limit while it is made and trained
    (every explorer's matrices are small: see nnlesson/_threads.py). Both are restored after.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE), limit_for(0):
            return function(*args, **kwargs)

    return wrapper


def _figure(width, height):
    """A figure of ``width`` x ``height`` inches at the course's dpi, laid out once when drawn."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


class Explorer(widgets.VBox):
    """Controls above a matplotlib figure shown as a PNG image.

    ``controls`` are widgets whose ``value`` changes trigger :meth:`redraw`. ``update()`` changes
    the data of the ``animated`` artists in place (no new figure, no change of axis limits; a
    title's text with ``title.set_text``: ``set_title`` would restyle it with the rcParams in
    force at that move, not the course style the figure was made in);
    everything else is drawn once and kept as a background. Text that changes at every move and
    is more than a short title goes into ``caption`` (an HTML line under the picture), which the
    browser renders: matplotlib would spend most of the redraw drawing its glyphs.
    """

    FRAMES = 64  # pictures kept per explorer (about 50 KB each)

    def __init__(self, title, figure, controls, update, animated, caption=None, *,
                 extra_key=None):
        self.title = title
        self.figure = figure
        self.blitter = Blitter(figure, animated)
        self.animated = self.blitter.animated
        self._update = update
        # The picture is a function of the controls' values (and of ``extra_key()``, e.g. a
        # random seed): a setting seen before is shown again without drawing or encoding.
        self._controls = [c for c in controls if not isinstance(c, widgets.Button)]
        self._extra_key = extra_key or (lambda: None)
        self._frames = collections.OrderedDict()
        # Shown at its own size (one image pixel per screen pixel: text as large as designed),
        # shrunk only where the notebook is narrower.
        width = f"{round(figure.get_figwidth() * figure.dpi)}px"
        self.image = _Picture(format="png", layout=widgets.Layout(width=width, max_width="100%"))
        self.caption = caption
        super().__init__([widgets.HBox(controls), self.image, *([caption] if caption else [])])
        for control in controls:
            if not isinstance(control, widgets.Button):
                control.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    def redraw(self):
        """Update the moving artists, draw them over the background, and show the PNG."""
        key = (tuple(c.value for c in self._controls), self._extra_key())
        with limit_for(0):
            self._update()  # always: it also updates the explorer's state and caption
            # the live picture's text alternative (an <img> with a title: axe's image-alt)
            self.image.tooltip = self.text_alternative()
            if key in self._frames:
                self._frames.move_to_end(key)
                self.image.value = self._frames[key]
                return
            self.image.value = self._frames[key] = self.blitter.png()
            if len(self._frames) > self.FRAMES:
                self._frames.popitem(last=False)

    def text_alternative(self):
        """The picture's text alternative: the explorer's name, then what the figure shows."""
        return f"{self.title}. {text_alternative(self.figure)}"

    def prerender(self, control, values):
        """Draw the picture for each of ``values`` of ``control`` now, then go back.

        For explorers with a few settings: every later move is a look-up, not a redraw.
        """
        start = control.value
        for value in list(values)[:self.FRAMES]:
            control.value = value
        control.value = start

    def _repr_mimebundle_(self, **kwargs):
        # The live widget where widgets render; elsewhere (GitHub, nbviewer, a printout, an
        # un-run notebook) a picture of the current state, and a stable line of text for nbval.
        # The HTML <img> carries the picture's text alternative (JupyterLab shows no alt for an
        # image/png output; it prefers the HTML where there is no live widget).
        parent = getattr(super(), "_repr_mimebundle_", None)  # ipywidgets 7 has none
        bundle = (parent(**kwargs) if parent else None) or {}
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/html"] = figure_html(self.figure, self.image.value,
                                          alt=self.text_alternative())
        bundle["text/plain"] = f"{self.title} (run the cell to move the controls)"
        return bundle


def _slider(description, value, low, high, step, who):
    value = check_number(value, description.split(" (")[0], who, low=low, high=high)
    return Slider(description, value, min=low, max=high, step=step, width=SLIDER_WIDTH)


def _int_slider(description, value, low, high, who):
    value = check_number(value, description.split(" (")[0], who, low=low, high=high,
                         integer=True)
    return Slider(description, value, min=low, max=high, width=SLIDER_WIDTH)


class _Picture(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` reaches the page as the ``<img>``'s title: its
    text alternative for a screen reader (axe's image-alt accepts a title).

    ipywidgets 8.1's front end sets a widget's title only when its ``description`` is empty, and
    an Image has no description: the view fails ("Cannot read properties of undefined (reading
    'length')") and shows an error instead of the picture. An empty description fixes that.
    """

    description = traitlets.Unicode("").tag(sync=True)


class _Caption(widgets.HTML):
    """The line under an explorer's picture that says what changed: a live region, so that a
    screen reader reads it out after each move of a control (it is not focused)."""

    @traitlets.validate("value")
    def _live(self, proposal):
        text = proposal["value"]
        if not text or text.startswith('<div role="status"'):
            return text
        return f'<div role="status" aria-live="polite">{text}</div>'


def _caption():
    return _Caption(layout=widgets.Layout(margin="0 0 0 10px"))


# -- pReLU -------------------------------------------------------------------------------------
def _prelu_title(alpha):
    return f"pReLU (alpha = {alpha:+.2f}) and its derivative"


@_explorer
def prelu_explorer(alpha=0.25, *, seed=0):
    """Move alpha: pReLU and its derivative, and what a layer passes on for Gaussian inputs."""
    who = "prelu_explorer"
    slider = _slider("alpha (slope for x <= 0)", alpha, -0.5, 1.0, 0.01, who)
    x = np.linspace(-4, 4, 401)
    z = np.random.default_rng(check_seed(seed, who)).standard_normal(20_000)  # a layer's inputs
    bins = np.linspace(-3, 3, 61)
    fig = _figure(9, 3.4)
    ax_f, ax_h = fig.subplots(1, 2)
    line_f, = ax_f.plot(x, act.prelu(x, alpha), color=BLUE, label="prelu(x)")
    line_d, = ax_f.plot(x, act.prelu_derivative(x, alpha), color=VERMILLION, ls="--",
                        label="prelu'(x)")
    ax_f.axhline(0, color=GREY, lw=0.8)
    # The title gives alpha: it is redrawn at every move, and always as long (a sign, 2 decimals)
    ax_f.set(xlabel="x", ylabel="value", ylim=(-3, 4.5), title=_prelu_title(alpha))
    ax_f.legend(loc="upper left")
    # One artist for the whole histogram (a bar per bin would be 60 artists to redraw). The counts
    # span four decades: about 10 in the tails, 800 per bin for x > 0, and near alpha = 0 about half
    # of the outputs (10,000) in the bin at 0. A plain log axis shows them all, the spike included,
    # with nothing cut (a linear axis tall enough for the spike flattened every other bar). The bars
    # start at 1, so an empty bin draws nothing; the top is all the outputs, which no bin exceeds.
    hist = ax_h.stairs(np.histogram(act.prelu(z, alpha), bins=bins)[0], bins, fill=True,
                       color=SKY, baseline=1)
    ax_h.set_yscale("log")
    ticks = [1, 10, 100, 1000, 10_000]
    ax_h.set_yticks(ticks, [f"{t:,}" for t in ticks])
    ax_h.minorticks_off()
    ax_h.set(xlabel="output of the layer", ylabel="count (log scale)",
             ylim=(1, len(z)), title="Outputs for N(0, 1) inputs")
    caption = _caption()

    def update():
        a = slider.value
        ax_f.title.set_text(_prelu_title(a))
        line_f.set_ydata(act.prelu(x, a))
        line_d.set_ydata(act.prelu_derivative(x, a))
        out = act.prelu(z, a)
        hist.set_data(np.histogram(out, bins=bins)[0])
        caption.value = (f"alpha = {a:.2f}: mean output of the layer {out.mean():+.3f}; "
                         f"gradient through x <= 0: {a:.2f} (ReLU: 0)")

    explorer = Explorer("pReLU explorer", fig, [slider], update,
                        [line_f, line_d, hist, ax_f.title], caption)
    explorer.alpha, explorer.lines = slider, {"prelu": line_f, "derivative": line_d}
    explorer.x, explorer.hist = x, hist
    return explorer


# -- dropout -----------------------------------------------------------------------------------
@_explorer
def dropout_explorer(p=0.5, *, seed=0, samples=50):
    """Move p: a dropout mask on a grid of units, the expectation check, Monte-Carlo dropout.

    The Monte-Carlo panel uses the explorer's own small regression net (60 noisy points of a
    curve, trained once with dropout p = 0.2), run ``samples`` times with dropout p switched on.
    Its y-axis is linear within +-2 (the data) and logarithmic beyond, up to +-10,000: a band that
    grows a thousandfold as p nears 1 stays inside the axes, without the axes changing.
    """
    who = "dropout_explorer"
    slider = _slider("p (drop probability)", p, 0.0, 0.95, 0.05, who)
    seed = check_seed(seed, who)
    samples = check_number(samples, "samples", who, low=2, high=2000, integer=True)
    rng = np.random.default_rng(seed)
    units = rng.uniform(0.5, 1.5, size=(12, 12))  # a layer's activations
    h = np.linspace(0.2, 2.0, 10)  # a few activations for the expectation check
    net = dropout_regressor()
    x_grid = np.linspace(-5, 5, 81)[:, None]
    x_runs = np.tile(x_grid, (samples, 1)).astype(np.float32)  # every pass in one batch

    fig = _figure(9, 6.2)
    axes = fig.subplot_mosaic([["grid", "mean"], ["mc", "mc"]],
                              gridspec_kw={"width_ratios": [1, 1.6]})
    ax_grid, ax_mean, ax_mc = axes["grid"], axes["mean"], axes["mc"]
    # As lesson 06 draws a mask: survivors (scaled up by 1 / (1 - p)) on a blue ramp that stays
    # visibly darker than white, dropped units (NaN, the colour map's "bad") white, empty. The
    # ramp starts at the smallest survivor (0.5, at p = 0), not at 0: a bar from 0 made light
    # blue read as 0 (review 04-06); 0 is the white triangle below it, as in lesson 06.
    cmap = ListedColormap(matplotlib.colormaps["Blues"](np.linspace(0.45, 1.0, 256)),
                          name="survivors").with_extremes(bad="white", under="white")
    image = ax_grid.imshow(units, cmap=cmap, vmin=units.min().round(1), vmax=4)
    fig.colorbar(image, ax=ax_grid, extend="min", shrink=0.9,
                 label="a kept unit's activation\n(white: dropped, 0)")
    ax_grid.set(xticks=[], yticks=[], title="One dropout mask\n(white: dropped)")
    ax_grid.spines[:].set_visible(True)  # a frame, so white units at the border stay visible
    ax_mean.plot(h, "o-", color=BLUE, label="input h")
    line_mean, = ax_mean.plot(h, "s", color=ORANGE, label="mean of 2,000\ndropout passes")
    line_one, = ax_mean.plot(h, "x", color=VERMILLION, label="one dropout pass")
    # Linear up to 2 (the inputs h and their means), logarithmic beyond, up to one pass's largest
    # value at p = 0.95 (2 / 0.05 = 40): the axes never change (blitting), yet at small p the
    # points fill the panel (a linear axis up to 40, or 8.5, left it mostly empty; review r8).
    ax_mean.set_yscale("symlog", linthresh=2, linscale=2)
    ax_mean.set_yticks([0, 1, 2, 10, 40], ["0", "1", "2", "10", "40"])
    ax_mean.minorticks_off()
    ax_mean.set(xlabel="unit", ylabel="activation\n(log scale beyond 2)", ylim=(-0.2, 50),
                title="Expectation preserved: E[h'] = h")
    ax_mean.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    # the training data's range, as lesson 06's own figure shades it: the band widens outside it
    ax_mc.axvspan(net["X"].min(), net["X"].max(), color=GREY, alpha=0.15, lw=0,
                  label="range of the training data")
    band = ax_mc.fill_between(x_grid[:, 0], 0, 0, color=SKY, alpha=0.5, label="mean +- 2 std")
    line_mc, = ax_mc.plot(x_grid, 0 * x_grid, color=BLUE, label="Monte-Carlo mean")
    data = ax_mc.scatter(net["X"], net["y"], s=8, color=ORANGE, label="training data", zorder=3)
    ax_mc.set_yscale("symlog", linthresh=2, linscale=2)
    # A decade apart beyond +-2 (2, 20, 200, ...): "10" sat so close to "2" that they touched.
    ticks = [-2000, -200, -20, -2, 0, 2, 20, 200, 2000]
    ax_mc.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax_mc.minorticks_off()
    ax_mc.set(xlabel="x", ylabel="y (log scale beyond +-2)", xlim=(-5, 5), ylim=(-1e4, 1e4),
              title=f"The explorer's own net (trained with p = {TRAINED_P}), predicting with "
                    "dropout p = 0.00")  # the p shown: set by update(), as the title moves
    ax_mc.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))

    button = widgets.Button(description="resample", tooltip="draw new dropout masks")
    state = {"seed": seed}
    caption = _caption()
    runs_cache = {}  # (p, seed) -> (mean, std): moving back to a p costs no forward passes

    def update():
        p = slider.value
        draw = np.random.default_rng(state["seed"])
        keep = draw.random(units.shape) >= p
        image.set_data(np.where(keep, units / (1 - p), np.nan))  # NaN: drawn white
        caption.value = (f"p = {p:.2f}: {np.mean(~keep):.0%} of the grid's units dropped, the "
                         f"survivors multiplied by 1 / (1 - p) = {1 / (1 - p):.2f}")
        masks = draw.random((2000, h.size)) >= p
        line_mean.set_ydata((h * masks / (1 - p)).mean(axis=0))
        line_one.set_ydata(h * masks[0] / (1 - p))
        key = (p, state["seed"])
        if key not in runs_cache:
            model = net["model32"].train()
            for i, layer in enumerate(model):
                if isinstance(layer, Dropout):  # its own stream per layer, the same every time
                    layer.p, layer.rng = p, np.random.default_rng([state["seed"], i])
            with no_grad():
                runs = model(x_runs)[:, 0].reshape(samples, -1)
            model.eval()
            runs_cache[key] = runs.mean(axis=0), runs.std(axis=0)
        mean, std = runs_cache[key]
        ax_mc.title.set_text(f"The explorer's own net (trained with p = {TRAINED_P}), "
                             f"predicting with dropout p = {p:.2f}")
        line_mc.set_ydata(mean)
        x = x_grid[:, 0]
        band.set_verts([np.concatenate([np.column_stack([x, mean - 2 * std]),
                                        np.column_stack([x[::-1], (mean + 2 * std)[::-1]])])])
        state.update(keep=keep, std=std, mean=mean)

    def resample(_):
        state["seed"] += 1
        explorer.redraw()

    button.on_click(resample)
    explorer = Explorer("Dropout explorer", fig, [slider, button], update,
                        [image, line_mean, line_one, band, line_mc, data, ax_mc.title],
                        caption,
                        extra_key=lambda: state["seed"])
    explorer.p, explorer.resample, explorer.state = slider, button, state
    explorer.image_artist, explorer.lines = image, {"mean": line_mean, "mc_mean": line_mc}
    explorer.band, explorer.mc_axes = band, ax_mc
    return explorer


# -- activations and vanishing gradients -------------------------------------------------------
@_explorer
def activation_explorer(activation="sigmoid", depth=10, init=None):
    """Choose an activation, the weights' initialisation and a depth: the function, its
    derivative, the gradient per layer.

    ``init`` ("glorot" or "he") starts the drop-down; None takes the one usually paired with the
    starting activation. The line under the picture gives the ratio last layer / first layer,
    as lesson 03 prints it.
    """
    who = "activation_explorer"
    activation = check_choice(activation, ACTIVATIONS, "activation", who)
    init = ACTIVATIONS[activation][3] if init is None else check_choice(init, INITS, "init", who)
    depth_slider = _int_slider("depth (layers)", depth, 2, 30, who)
    x = np.linspace(-5, 5, 401)
    fig = _figure(9, 3.6)
    ax_f, ax_g = fig.subplots(1, 2)
    line_f, = ax_f.plot(x, x, color=BLUE, label="f(x)")
    line_d, = ax_f.plot(x, x, color=VERMILLION, ls="--", label="f'(x)")
    ax_f.axhline(0, color=GREY, lw=0.8)
    ax_f.set(xlabel="x", ylabel="value", ylim=(-1.5, 3.0),
             title=" ")  # titles are filled in by update()
    ax_f.legend(loc="upper left")
    line_g, = ax_g.semilogy([1], [1], "o-", color=BLUE, ms=4)
    # Fixed limits, so that depths and activations compare at a glance (and the axes never
    # need redrawing).
    ax_g.set(xlabel="layer (1 = next to the input)", ylabel="||dL/dW|| (log scale)",
             xlim=(0.5, 30.5), ylim=(1e-20, 1e2), yticks=10.0 ** np.arange(-20, 1, 5),
             title=" ")
    caption = _caption()

    choice = Menu("activation", activation, [(name, name) for name in ACTIVATIONS])
    # Lesson 03 shows that the weights' scale matters as much as the activation (ReLU's
    # gradients are 146 times smaller with Glorot's than with He's): the student chooses it.
    init_choice = Menu("weights", init, [("Glorot", "glorot"), ("He", "he")])

    def update():
        f, df, _, _ = ACTIVATIONS[choice.value]
        line_f.set_ydata(f(x))
        line_d.set_ydata(df(x))
        ax_f.title.set_text(f"{choice.value} and its derivative")
        norms = gradient_norms(choice.value, depth_slider.value, init=init_choice.value)
        line_g.set_data(np.arange(1, len(norms) + 1), norms)
        ax_g.title.set_text(f"Gradient per layer, {init_choice.label} weights")
        caption.value = (f"{choice.value}, {init_choice.label} weights, {depth_slider.value} "
                         f"layers: gradient of the last layer / the first = "
                         f"{norms[-1] / norms[0]:.1e}")

    explorer = Explorer("Activation explorer", fig, [choice, init_choice, depth_slider], update,
                        [line_f, line_d, ax_f.title, line_g, ax_g.title], caption)
    explorer.activation, explorer.init, explorer.depth = choice, init_choice, depth_slider
    explorer.lines = {"function": line_f, "derivative": line_d, "gradients": line_g}
    explorer.x = x
    return explorer


# -- why a nonlinearity ------------------------------------------------------------------------
WIDTHS = (2, 4, 8, 16, 32)


@functools.lru_cache(maxsize=4)
def _boundaries(seed):
    """Predicted classes on a grid for every (activation, width): trained once, then looked up."""
    X, y = make_moons(200, noise=0.1, rng=seed)
    xx, yy, points = decision_grid(X, steps=160)
    grids, probability, accuracies = {}, {}, {}
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
                scores = model(points)
                accuracies[name, width] = accuracy(model(X), y)
            grids[name, width] = np.argmax(scores, axis=1).reshape(xx.shape)
            # P(class 1): the boundary is where it crosses 1/2, which contouring interpolates
            # between grid points (a smooth curve, not the grid's staircase).
            probability[name, width] = act.softmax(scores)[:, 1].reshape(xx.shape)
    return X, y, (xx, yy), grids, probability, accuracies


@_explorer
def nonlinearity_explorer(activation="identity", width=8, *, seed=0):
    """Toggle identity/ReLU and the hidden width: the decision boundary on two moons."""
    who = "nonlinearity_explorer"
    activation = check_choice(activation, ("identity", "ReLU"), "activation", who)
    width = check_choice(width, WIDTHS, "width", who)
    X, y, (xx, yy), grids, probability, accuracy = _boundaries(check_seed(seed, who))
    toggle = widgets.ToggleButtons(options=["identity", "ReLU"], value=activation,
                                   description="activation", style=SLIDER_STYLE)
    width_slider = Slider("hidden width", width, options=[(str(w), w) for w in WIDTHS],
                          width=SLIDER_WIDTH)
    fig = _figure(6.4, 5.0)
    ax = fig.subplots()
    light = [0.75 + 0.25 * np.array(to_rgb(c)) for c in PALETTE[:2]]  # opaque pastel tints
    # One pair of filled regions per setting, made once; a move only shows another pair (two
    # polygons draw in a millisecond, where resampling an image took ten).
    regions = {key: ax.contourf(xx, yy, p, levels=[0, 0.5, 1], colors=light)
               for key, p in probability.items()}
    points = [ax.scatter(*X[y == c].T, s=14, color=PALETTE[c], edgecolor="white", linewidth=0.3,
                         label=f"class {c}") for c in (0, 1)]
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=" ")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="training data")

    def update():
        key = (toggle.value, width_slider.value)
        for other, region in regions.items():
            region.set_visible(other == key)
        state["key"] = key
        ax.title.set_text(f"{toggle.value}, width {key[1]}: {accuracy[key]:.0%} correct")

    state = {}
    explorer = Explorer("Nonlinearity explorer", fig, [toggle, width_slider], update,
                        [*regions.values(), *points, ax.title])
    explorer.activation, explorer.width, explorer.state = toggle, width_slider, state
    for option in toggle.options:  # ten pictures: draw them all now, moves are then instant
        toggle.value = option
        explorer.prerender(width_slider, WIDTHS)
    toggle.value = activation
    explorer.regions, explorer.grids, explorer.accuracy = regions, grids, accuracy
    return explorer


# -- early stopping ----------------------------------------------------------------------------
def _curve(values, name, who, length=None):
    """A 1-D array of finite numbers (at least 2), of ``length`` if given, or a clear error."""
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {name} must be a list of numbers, got "
                        f"{type(values).__name__}") from None
    if a.ndim != 1 or len(a) < 2:
        raise ValueError(f"{who}: {name} must be a 1-D list of at least 2 numbers (one per "
                         f"epoch), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{who}: {name} must be finite, got NaN or inf at epoch "
                         f"{int(np.flatnonzero(~np.isfinite(a))[0]) + 1}")
    if length is not None and len(a) != length:
        raise ValueError(f"{who}: {name} has {len(a)} entries but val_losses has {length}")
    return a


@_explorer
def early_stopping_explorer(val_losses=None, test_accuracy=None, *, patience=5, min_delta=0.0):
    """Move patience and min_delta over a training history: where it stops, what it restores.

    Without arguments it trains a digits network on 40% wrong labels first (a few seconds).
    """
    who = "early_stopping_explorer"
    patience_slider = _int_slider("patience (epochs)", patience, 1, 30, who)
    delta_slider = _slider("min_delta (epsilon)", min_delta, 0.0, 0.2, 0.005, who)
    if val_losses is None:
        val_losses, test_accuracy = noisy_digits_history()
    val_losses = _curve(val_losses, "val_losses", who)
    if test_accuracy is not None:
        test_accuracy = _curve(test_accuracy, "test_accuracy", who, len(val_losses))
        if test_accuracy.min() < 0 or test_accuracy.max() > 1:
            raise ValueError(f"{who}: test_accuracy must be fractions in [0, 1] (not "
                             f"percentages), got values up to {test_accuracy.max():g}")
    epochs = np.arange(1, len(val_losses) + 1)
    fig = _figure(8, 3.8)
    ax = fig.subplots()
    ax.plot(epochs, val_losses, color=ORANGE, label="validation loss")
    stop_line = ax.axvline(1, color=VERMILLION, ls="--", label="training stops")
    best_marker, = ax.plot([1], [val_losses[0]], "o", ms=9, color=BLUE, label="restored epoch")
    ax.set(xlabel="epoch", ylabel="validation loss", title=" ")
    if test_accuracy is not None:
        ax_acc = ax.twinx()
        ax_acc.plot(epochs, test_accuracy, color=PALETTE[2], ls=":", label="test accuracy")
        ax_acc.set_ylabel("test accuracy")
        ax_acc.spines["right"].set_visible(True)
        handles = ax.get_legend_handles_labels()[0] + ax_acc.get_legend_handles_labels()[0]
    else:
        handles = ax.get_legend_handles_labels()[0]
    # Below the plot, where no curve or marker can be hidden behind it.
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    result = {}

    def update():
        stop, best = EarlyStopping(patience_slider.value, delta_slider.value).replay(val_losses)
        stop = stop or len(val_losses)  # never stopped: the run went to its last epoch
        stop_line.set_xdata([stop, stop])
        best_marker.set_data([best], [val_losses[best - 1]])
        text = f"stops at epoch {stop}, restores epoch {best}"
        if test_accuracy is not None:
            text += f" (test accuracy {test_accuracy[best - 1]:.1%})"
        ax.title.set_text(text)
        result.update(stopped_epoch=stop, best_epoch=best)

    explorer = Explorer("Early-stopping explorer", fig, [patience_slider, delta_slider], update,
                        [stop_line, best_marker, ax.title])
    explorer.patience, explorer.min_delta, explorer.result = patience_slider, delta_slider, result
    explorer.stop_line, explorer.best_marker = stop_line, best_marker
    return explorer


# -- backpropagation, step by step -------------------------------------------------------------
def _shares(node):
    """[(parent, the gradient ``node``'s operator passes to it)], summed to the parent's shape.

    The one place the pictures read ``Tensor._backward``, the engine's own step (graph.py keeps
    it private). Called after ``loss.backward()``: ``node.grad`` is final.
    """
    return [(parent, unbroadcast(contribution, parent.shape))
            for parent, contribution in node._backward()]


def _gradients_by_step(loss, steps):
    """For each step k (1-based), {node id: gradient} of every node reached by steps 1..k.

    The backward pass replayed one operator at a time: a tensor's gradient appears once an
    operator that uses it has passed its share back (and grows as more operators do).
    """
    grads = {id(loss): np.ones_like(loss.data)}
    per_step = []
    for node in steps:
        for parent, share in _shares(node):
            grads[id(parent)] = grads.get(id(parent), 0) + share
        per_step.append(dict(grads))
    return per_step


# The generic names in an operator's ``local`` text (graph.py): a, b (A, B for a matrix
# product) for its inputs, y for its output; with "d" in front, a derivative by that input.
_GENERIC = re.compile(r"(?<![A-Za-z0-9])(d?)([abABy])(?![A-Za-z0-9])")


def _local_in_names(node):
    """``node.local`` with the generic names replaced by the names of the tensors of the graph.

    In lesson 04's neuron "a" is the sigmoid's output and "b" the bias: "d(a * b)/da = b" would
    read as a statement about them. Left as written where a tensor involved has no name.
    """
    operands = {"a": 0, "b": 1, "A": 0, "B": 1}
    names = {generic: node.parents[i].name for generic, i in operands.items()
             if i < len(node.parents)}
    names["y"] = node.name
    used = {m.group(2) for m in _GENERIC.finditer(node.local)}
    if not all(names.get(generic) for generic in used):
        return node.local

    def name(match):
        d, generic = match.groups()
        text = names[generic]
        if not text.isidentifier():
            text = f"({text})"  # a-t: d(a-t), not da-t
        return d + text

    return _GENERIC.sub(name, node.local)


@_explorer
def backprop_explorer(loss):
    """Step through the backward pass of a graph Tensor ``loss`` (see ``nnlesson.graph``).

    Step k outlines the k-th operator the backward pass processes (reverse topological order)
    and the tensor it made, and shows the gradient that tensor received, the operator's local
    derivative, and the product passed on to each input: the chain rule, one node at a time.
    The boxes show only the gradients computed so far ("grad ?" for the others).
    """
    from matplotlib.patches import Rectangle


    who = "backprop_explorer"
    if not isinstance(loss, Tensor):
        raise TypeError(f"{who} expects a scalar graph Tensor (a loss), got "
                        f"{type(loss).__name__}")
    if loss.data.size != 1:
        raise ValueError(f"{who} expects a scalar loss, got a tensor of shape {loss.shape}")
    loss.backward()
    steps = [node for node in reversed(topological_order(loss)) if node.op]
    if not steps:
        raise ValueError(f"{who}: the loss was not computed from anything: no backward step")
    variables = topological_order(loss)
    per_step = _gradients_by_step(loss, steps)
    # Each box's last line is left blank and the gradient written over it by a small text of its
    # own, so that a step redraws a few short texts, not every box.
    shown = [n for n in variables if variable_label(n).count("\n") == 2]  # value and grad lines
    grad_lines = {id(n): [f"grad {short_values(g[id(n)]) if id(n) in g else '?'}" for g in per_step]
                  for n in shown}
    labels = {("var", id(n)): variable_label(n, grad="?" * max(map(len, grad_lines[id(n)])))
              for n in shown}  # sized for the longest gradient line
    geometry = graph_geometry(loss, label_sets=[labels])
    fig_w, fig_h = max(geometry["width"], 4.6), geometry["height"]
    fig = Figure(figsize=(fig_w, fig_h), dpi=DPI, layout="none")
    FigureCanvasAgg(fig)
    ax_graph = fig.add_axes((0, 0, geometry["width"] / fig_w, 1))
    texts = paint_graph(ax_graph, geometry)
    grad_texts = {}
    line = 1.2 * FONT_SIZE / 72  # inches between two lines of a label
    for n in shown:
        cx, cy = geometry["centres"]["var", id(n)]
        texts["var", id(n)].set(text=variable_label(n, with_grad=False), y=cy + line / 2)
        grad_texts[id(n)] = ax_graph.text(cx, cy - line, "", ha="center", va="center",
                                          fontsize=FONT_SIZE, family="monospace", zorder=4)
    to_figure = ax_graph.transData + fig.transFigure.inverted()
    boxes = {}
    for key, (cx, cy) in geometry["centres"].items():
        w, h = geometry["size"][key]
        (x0, y0), (x1, y1) = to_figure.transform([(cx - w / 2, cy - h / 2),
                                                  (cx + w / 2, cy + h / 2)])
        boxes[key] = matplotlib.transforms.Bbox([[x0, y0], [x1, y1]])
    outlines = [Rectangle((0, 0), 0, 0, transform=fig.transFigure, fill=False,
                          edgecolor=VERMILLION, linewidth=3, zorder=5) for _ in range(2)]
    for outline in outlines:
        fig.add_artist(outline)

    slider = _int_slider("backward step", 1, 1, len(steps), who)
    caption = _caption()

    def update():
        k = slider.value
        node = steps[k - 1]
        for n in shown:
            grad_texts[id(n)].set_text(grad_lines[id(n)][k - 1])
        for outline, key in zip(outlines, [("op", id(node)), ("var", id(node))]):
            box = boxes[key].expanded(1.12, 1.2)
            outline.set_bounds(box.x0, box.y0, box.width, box.height)
        name = node.name or "a tensor"
        shape = node.shape if node.shape else "(scalar)"
        lines = [f"<b>step {k} of {len(steps)}</b>: the operator '{node.op}' that made "
                 f"{name} {shape}",
                 f"gradient it received: dL/d{node.name or 'out'} = {short_values(node.grad)}",
                 f"local derivative: {_local_in_names(node)}"]
        for parent, share in _shares(node):
            lines.append(f"passed on to {parent.name or 'a tensor'} (received x local): "
                         f"{short_values(share)}")
        caption.value = "<br>".join(html.escape(line).replace("&lt;b&gt;", "<b>")
                                    .replace("&lt;/b&gt;", "</b>") for line in lines)
        state["current"], state["grads"] = node, per_step[k - 1]

    state = {}
    explorer = Explorer("Backpropagation step-through", fig, [slider], update,
                        [*grad_texts.values(), *outlines], caption)
    explorer.step, explorer.steps, explorer.state = slider, steps, state
    explorer.outlines, explorer.boxes, explorer.texts = outlines, boxes, texts
    explorer.grad_texts = {n.name or id(n): grad_texts[id(n)] for n in shown}
    explorer.prerender(slider, range(1, len(steps) + 1))
    return explorer


# -- initialisation (lesson 08) ----------------------------------------------------------------
_BINS = np.linspace(-3, 3, 61)  # activation values; values beyond +-3 count in the end bins
# The heat map's colours on a log scale from 0.1% to 100% of a layer's values in one bin: on a
# linear scale clipped at 10% (r7) every layer with a std below about 0.4 saturated the bin at 0
# and a healthy narrow signal (tanh with Glorot, std 0.2) looked like a dead one (all in one bin).
_FRACTIONS = LogNorm(vmin=1e-3, vmax=1.0, clip=True)
_LOG_LIMITS = (1e-6, 1e4)  # fixed y-limits of the two log plots, so settings compare at a glance


@_explorer
def init_explorer(scale=1.0, activation="tanh", *, depth=10, width=64, seed=0):
    """Move the weight scale, pick an activation: the activations and gradients of every layer.

    Weights are N(0, scale^2 / fan_in): scale 1 is Glorot's rule for these square layers,
    sqrt(2) ~ 1.41 is He's. Left, the distribution of each layer's activations (one row of a heat
    map per layer, the fraction of values in each bin on a log colour scale, the setting in its
    title); middle, their standard deviation; right, the norm of the gradient dL/dh that
    backpropagation brings to each layer. ``explorer.state`` holds the last ``stds``,
    ``grad_norms`` and histogram ``counts``.
    """
    who = "init_explorer"
    scale_slider = _slider("scale (weight std x sqrt(fan_in))", scale, 0.1, 3.0, 0.05, who)
    activation = check_choice(activation, INIT_ACTIVATIONS, "activation", who)
    depth = check_number(depth, "depth", who, low=2, high=30, integer=True)
    width = check_number(width, "width", who, low=2, high=512, integer=True)
    layers = np.arange(1, depth + 1)
    fig = _figure(9, 3.6)
    fig.get_layout_engine().set(wspace=0.08)  # room between the colour bar and the next label
    ax_hist, ax_std, ax_grad = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 1, 1]})
    empty_is_dark = matplotlib.colormaps["cividis"].with_extremes(bad=matplotlib.colormaps[
        "cividis"](0.0))  # a bin with no values (log 0) gets the colour of the smallest fraction
    heat = ax_hist.imshow(np.zeros((depth, len(_BINS) - 1)), aspect="auto", cmap=empty_is_dark,
                          norm=_FRACTIONS, origin="lower",
                          extent=(_BINS[0], _BINS[-1], 0.5, depth + 0.5))
    fig.colorbar(heat, ax=ax_hist, label="fraction of values in a bin", ticks=[1e-3, 1e-2, 0.1, 1])
    ax_hist.set(xlabel="activation value", ylabel="layer", title="Activations per layer")
    std_line, = ax_std.semilogy(layers, np.ones(depth), "o-", color=BLUE)
    ax_std.axhline(1.0, color=GREY, lw=1, ls="--")
    ax_std.set(xlabel="layer", ylabel="std of the activations", title="Signal size")
    grad_line, = ax_grad.semilogy(layers, np.ones(depth), "o-", color=VERMILLION)
    ax_grad.set(xlabel="layer", ylabel=f"||dL/dh|| (layer {depth}: 1)",
                title="Gradient at each layer")
    for ax in (ax_std, ax_grad):  # fixed limits: settings compare at a glance
        ax.set(ylim=_LOG_LIMITS, yticks=10.0 ** np.arange(-6, 5, 2),
               xticks=range(2, depth + 1, 2))
    caption = _caption()
    choice = Menu("activation", activation, [(name, name) for name in INIT_ACTIVATIONS])
    state = {}

    def update():
        activations, grad_norms = layer_statistics(choice.value, scale_slider.value, depth=depth,
                                                   width=width, seed=seed)
        counts = np.array([np.histogram(np.clip(a, _BINS[0], _BINS[-1]), bins=_BINS)[0]
                           for a in activations], dtype=float)
        heat.set_data(counts / counts.sum(axis=1, keepdims=True))  # fractions per layer
        # the setting in the picture itself, so that a stored or copied image says what it shows
        ax_hist.title.set_text(f"{choice.value}, scale {scale_slider.value:.2f}: activations")
        stds = np.array([a.std() for a in activations])
        std_line.set_ydata(np.clip(stds, *_LOG_LIMITS))  # off-scale values sit on the edge
        grad_line.set_ydata(np.clip(grad_norms, *_LOG_LIMITS))
        caption.value = (f"{choice.value}, weight scale {scale_slider.value:.2f}: std of the "
                         f"last layer {stds[-1]:.2g}; gradient at layer 1 = {grad_norms[0]:.2g} "
                         f"x the gradient at layer {depth}")
        state.update(stds=stds, grad_norms=grad_norms, counts=counts)

    explorer = Explorer("Initialisation explorer", fig, [scale_slider, choice], update,
                        [heat, ax_hist.title, std_line, grad_line], caption)
    explorer.scale, explorer.activation, explorer.state = scale_slider, choice, state
    return explorer

