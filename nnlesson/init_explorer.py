"""The initialisation explorer: a weight scale and an activation, and what ~10 layers make of them.

``init_explorer()`` shows, for a deep stack of ``Linear`` + activation layers whose weights are
drawn from N(0, scale^2 / fan_in), the distribution of the activations in every layer (one row of
a heat map per layer), their standard deviation, and the norm of the gradient dL/dh of every
layer, that is, how much of the gradient is left when backpropagation reaches it. Built like
the explorers in ``nnlesson.widgets``: one matplotlib figure made once, the moving artists
redrawn over a saved background, the PNG sent to an ``ipywidgets.Image``; a stored notebook shows
a picture of its last state.
"""

import base64
import io

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._util import check_number
from .layers import Linear, PReLU, ReLU, Sequential, Sigmoid, Tanh
from .plot import BLUE, DPI, GREY, ORANGE, STYLE, VERMILLION

ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "ReLU": ReLU, "pReLU": PReLU}
# The scale each classic rule gives square layers (std = scale / sqrt(fan_in)):
# Glorot: Var(w) = 2 / (fan_in + fan_out) = 1 / n; He: Var(w) = 2 / fan_in.
REFERENCE_SCALES = {"Glorot": 1.0, "He": np.sqrt(2.0)}
BINS = np.linspace(-3, 3, 61)  # activation values; values beyond +-3 count in the end bins
LOG_LIMITS = (1e-6, 1e4)  # fixed y-limits of the two log plots, so settings compare at a glance
HEAT_MAX = 0.1  # colour of a bin holding 10% of a layer's values or more (a spike)
LOG_TICKS = [1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4]


def layer_statistics(activation, scale, *, depth=10, width=64, batch=256, seed=0):
    """Activations and gradient norms of a deep net with weights N(0, scale^2 / fan_in).

    The net is ``depth`` blocks of Linear(width -> width, bias 0) + activation, fed N(0, 1)
    inputs of shape (batch, width); L = sum(h_depth * G) for a random G of norm 1, so that the
    gradient arriving at the last layer has norm 1. Returns ``(activations, grad_norms)``: a list
    of ``depth`` arrays h_l of shape (batch, width) (the output of each block, first block first)
    and the array of ||dL/dh_l|| for l = 1..depth (the last one is 1): how much of the gradient
    is left when backpropagation reaches layer l.
    """
    who = "layer_statistics"
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{who}: activation must be one of {list(ACTIVATIONS)}, got {activation!r}"
        )
    scale = check_number(scale, "scale", who, low=0, low_open=True)
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        linear = Linear(width, width, rng=rng)
        linear.W.data[...] = rng.normal(0.0, scale / np.sqrt(width), size=(width, width))
        layers += [linear, ACTIVATIONS[activation]()]
    model = Sequential(*layers)
    activations = [model.layers[1](model.layers[0](rng.standard_normal((batch, width))))]
    for linear, nonlinearity in zip(model.layers[2::2], model.layers[3::2]):
        activations.append(nonlinearity(linear(activations[-1])))
    G = rng.standard_normal((batch, width))
    grad = G / np.linalg.norm(G)  # dL/dh of the last layer has norm 1
    grad_norms = [1.0]
    for linear, nonlinearity in zip(model.layers[-2:1:-2], model.layers[-1:2:-2]):
        grad = linear.backward(nonlinearity.backward(grad))  # dL/dh of the layer below
        grad_norms.append(np.linalg.norm(grad))
    return activations, np.array(grad_norms[::-1])


def _png(canvas):
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class InitExplorer(widgets.VBox):
    """A weight-scale slider and an activation menu above the figure (see the module docstring).

    Controls: ``explorer.scale`` and ``explorer.activation``; ``explorer.state`` holds the last
    ``stds`` (std of the activations per layer) and ``grad_norms``; ``explorer.figure`` the figure.
    """

    title = "Initialisation explorer"

    def __init__(self, scale=1.0, activation="tanh", *, depth=10, width=64, seed=0):
        scale = check_number(scale, "scale", "init_explorer", low=0.1, high=3.0)
        if activation not in ACTIVATIONS:
            raise ValueError(f"init_explorer: activation must be one of {list(ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.depth, self.width, self.seed = depth, width, seed
        self.state = {}
        layers = np.arange(1, depth + 1)
        with _style():
            fig = Figure(figsize=(9, 3.6), dpi=DPI, layout="constrained")
            ax_hist, ax_std, ax_grad = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 1, 1]})
            self._heat = ax_hist.imshow(np.zeros((depth, len(BINS) - 1)), aspect="auto",
                                        cmap="cividis", vmin=0, vmax=HEAT_MAX, origin="lower",
                                        extent=(BINS[0], BINS[-1], 0.5, depth + 0.5))
            fig.colorbar(self._heat, ax=ax_hist, label="fraction of values", ticks=[0, 0.05, 0.1])
            ax_hist.set(xlabel="activation value", ylabel="layer", title="Activations per layer")
            self._std, = ax_std.semilogy(layers, np.ones(depth), "o-", color=BLUE)
            ax_std.axhline(1.0, color=GREY, lw=1, ls="--")
            ax_std.set(xlabel="layer", ylabel="std of the activations", ylim=LOG_LIMITS,
                       title="Signal size")
            self._grad, = ax_grad.semilogy(layers, np.ones(depth), "o-", color=VERMILLION)
            ax_grad.set(xlabel="layer", ylabel="||dL/dh|| (layer 10: 1)", ylim=LOG_LIMITS,
                        title="Gradient at each layer")
            self._note = ax_grad.text(0.04, 0.04, " ", transform=ax_grad.transAxes, fontsize=9,
                                      color=ORANGE)
            for ax in (ax_std, ax_grad):
                ax.set_yticks(LOG_TICKS)  # only ticks inside the fixed limits
                ax.set_xticks(range(2, depth + 1, 2))
        self.figure = fig
        self._canvas = FigureCanvasAgg(fig)
        self._animated = [self._heat, self._std, self._grad, self._note]
        for artist in self._animated:
            artist.set_animated(True)
        self._background = None

        self.scale = widgets.FloatSlider(
            value=scale, min=0.1, max=3.0, step=0.05, continuous_update=True,
            description="weight scale (std x sqrt(fan_in))", style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"))
        self.activation = widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                           description="activation",
                                           layout=widgets.Layout(width="200px"))
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="900px"))
        super().__init__([widgets.HBox([self.scale, self.activation]), self.image])
        for control in (self.scale, self.activation):
            control.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    def _update(self):
        activations, grad_norms = layer_statistics(
            self.activation.value, self.scale.value, depth=self.depth, width=self.width,
            seed=self.seed)
        clipped = [np.clip(a, BINS[0], BINS[-1]) for a in activations]
        counts = np.array([np.histogram(a, bins=BINS)[0] for a in clipped], dtype=float)
        self._heat.set_data(counts / counts.sum(axis=1, keepdims=True))  # fractions per layer
        stds = np.array([a.std() for a in activations])
        low, high = LOG_LIMITS
        self._std.set_ydata(np.clip(stds, low, high))  # off-scale values sit on the edge
        self._grad.set_ydata(np.clip(grad_norms, low, high))
        self._note.set_text(f"at layer 1: {grad_norms[0]:.2g}")
        self.state.update(stds=stds, grad_norms=grad_norms, counts=counts)

    def redraw(self):
        """Recompute the statistics, draw the moving artists over the background, show the PNG."""
        self._update()
        if self._background is None:
            self._canvas.draw()
            self._background = self._canvas.copy_from_bbox(self.figure.bbox)
        else:
            self._canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        self.image.value = _png(self._canvas)

    def _repr_mimebundle_(self, **kwargs):
        # The live widget where widgets render; elsewhere a picture of the current state, and a
        # stable line of text for nbval.
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = f"{self.title} (run the cell to move the controls)"
        return bundle


def _style():
    import matplotlib

    return matplotlib.rc_context(STYLE)


def init_explorer(scale=1.0, activation="tanh", *, depth=10, width=64, seed=0):
    """Move the weight scale, pick an activation: activations and gradients in each layer.

    Weights are N(0, scale^2 / fan_in): scale 1 is Glorot's rule for these square layers,
    sqrt(2) ~ 1.41 is He's.
    """
    return InitExplorer(scale, activation, depth=depth, width=width, seed=seed)
