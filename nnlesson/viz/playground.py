"""The playground: TensorFlow Playground inside the notebook, trained live with nnlesson's layers.

``pg = playground()`` shows a data set, a network and its training, as Playground does: press play
and watch the decision boundary, every hidden unit and the loss curves change. Everything is
nnlesson's own code: ``Linear``, ``Tanh`` ... ``PReLU`` (its alpha is learned), ``Dropout``, ``SGD``
with momentum and ``EarlyStopping``.

What it adds to Playground:

- an activation per layer, dropout, pReLU, initialisation scheme and scale, momentum, early
  stopping (it watches a validation split carved from the training points, never the test
  points; after a restore the header shows the restored epoch);
- ``reset`` restores the same initial weights, bit for bit (the run is a function of the seed);
  ``new seed`` draws other ones;
- the divergence rule: a mini-batch loss that is not finite, or an epoch's training loss more
  than ``MAX_GROWTH_SINCE_START`` (10) times its start, pauses training and says so on the
  picture;
- the loss chart holds every loss, on a logarithmic axis once they span more than two decades;
  each hidden layer's maps are drawn on its activation's range, printed under the layer;
- ``pg.state`` is a plain dict of every setting, the seed and the epoch, and
  ``playground(**pg.state)`` rebuilds the same run (training settings changed during a run are
  logged in ``state["changes"]`` and replayed); ``hide=[...]`` hides controls for a focused
  exercise;
- the state as text (the ``state as text`` toggle, ``pg.describe()``: settings, losses, every
  unit's weights and bias); ``pg.weights()`` returns the arrays under the same names;
- a long ``epoch=`` or ``pg.train(n)`` prints its progress and stops cleanly at the last whole
  epoch when the kernel is interrupted;
- a picture you can touch, as Playground's: above it the data sets, the features and the number
  of hidden layers as buttons; in it, - and + under each hidden layer, every feature tile,
  unit and link a focusable button (named with its bias or weight), shown enlarged when hovered
  or focused; a click or Enter on a unit or link sets its bias or weight. Each goes through the
  same control (and checks) as the tabs, or ``pg.set_parameter``, logged in ``changes``.
  Each unit's bias is also drawn, as a small square on its lower-left corner.

Colours are TensorFlow Playground's: blue positive and class 1, orange negative and class 0.
Controls are grouped as Playground groups them (data, features, network, training, output), one
tab each. Every control has an accessible name (the sliders are nnlesson's own, labelled range
inputs: ``nnlesson/viz/controls.py``); the caption is a live region. Works with ipywidgets 8 and
7.7 (Colab).

The data live on the square [-6, 6]^2, as in Playground. The network sees each input feature
scaled to about [-1, 1]: x1 / 6, x2 / 6, x1^2 / 36, x2^2 / 36, x1 x2 / 36, sin x1, sin x2.
Classification data have two classes and the network two outputs (softmax cross-entropy); the
picture shows p(class 1), and the links into the output node show W[1] - W[0], the weights that
move p(class 1). Regression data have one output (mean squared error).

The picture is a PNG drawn by matplotlib in the kernel (also the static picture of an un-run
notebook); an ``anywidget`` (:class:`Picture`, front end in playground_picture.js) puts the
buttons over it from the pixel positions of the units and links, computed once per layout.

Animation: ``ipywidgets.Play`` (hidden; a named play / pause button drives it) ticks in the
browser; each tick trains ``epochs_per_frame`` epochs (one epoch: every training point once, in
mini-batches) and redraws. A tick that waited in the
kernel's queue for longer than one timer interval is dropped, so a slow kernel never builds a
backlog and pause takes effect within one frame.
"""

import base64
import functools
import html
import io
import pathlib
import re
import time

import anywidget
import ipywidgets as widgets
import matplotlib
import matplotlib.colors
import matplotlib.patches
import numpy as np
import PIL.Image
import traitlets
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle

from .._threads import limit_for
from .._util import check_choice, check_number
from ..activations import sigmoid
from ..data import make_circles, make_moons, make_xor
from ..layers import Dropout, Linear, PReLU, ReLU, Sequential, Sigmoid, Tanh, no_grad
from ..losses import MSELoss, SoftmaxCrossEntropy
from ..optim import SGD
from ..train import EarlyStopping, LossNotFinite, accuracy, train_epoch
from ._blit import Blitter, PixelImage
from ._png import png_bytes
from .controls import Menu, Slider
from .plot import BLACK, BLUE, GREY, MAX_WIDTH, ORANGE, PURPLE, STYLE, VERMILLION, figure_html

WHO = "playground"
CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons")
REGRESSION = ("plane", "bumps")
DATASETS = CLASSIFICATION + REGRESSION
FEATURES = {  # name -> (label in the diagram, function of the data's x1, x2 (on [-6, 6]))
    "x1": ("$x_1$", lambda a, b: a / 6),
    "x2": ("$x_2$", lambda a, b: b / 6),
    "x1^2": ("$x_1^2$", lambda a, b: a * a / 36),
    "x2^2": ("$x_2^2$", lambda a, b: b * b / 36),
    "x1x2": ("$x_1 x_2$", lambda a, b: a * b / 36),
    "sin x1": (r"$\sin x_1$", lambda a, b: np.sin(a)),
    "sin x2": (r"$\sin x_2$", lambda a, b: np.sin(b)),
}
ACTIVATIONS = {"linear": None, "sigmoid": Sigmoid, "tanh": Tanh, "ReLU": ReLU, "pReLU": PReLU}
INITS = ("glorot", "he", "uniform")
RATES = (1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # Playground's menu
INIT_SCALES = (0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 3.0, 10.0)
REGULARIZATIONS = ("none", "L1", "L2")
MAX_LAYERS, MAX_UNITS = 6, 8
# Settings that change the training of a running network; changing one during a run is logged in
# state["changes"] and replayed by playground(**state). Every other setting restarts the run.
TRAINING_SETTINGS = ("learning_rate", "momentum", "regularization", "reg_rate", "batch_size",
                     "patience")
# The divergence rule: training pauses when a mini-batch loss is not finite, or when an epoch's
# training loss is more than MAX_GROWTH_SINCE_START times the loss it started from (epoch 0).
# Not fit's rule (MAX_GROWTH_SINCE_EPOCH_1: 100 times epoch 1's running mean): the start here is
# the untrained network's loss on the whole training set (epoch 0, eval mode), about ln 2 = 0.69
# on the two-class sets, and ten times that is far worse than guessing. The playground should
# pause where a learner watches it blow up: Playground's largest learning rate, 10, pauses on the
# circle while 3 zig-zags below 10x and trains on (tests/tooling/test_playground.py). fit, on any
# data, leaves more room. Both stay as they were: stored lesson outputs depend on them.
MAX_GROWTH_SINCE_START = 10
# Early stopping watches a validation split carved from the training points (never the test
# points, which stay unseen): this share of them, at least one point.
VALIDATION_FRACTION = 0.2
PROGRESS_EPOCHS = 1000  # training to a later epoch than this at once prints its progress
# Controls: a label column of 130 px, so a slider of 380 px keeps a track of about 150 px
# beside its value (tests/e2e/test_playground_browser.py measures at 1280 x 800).
LABEL = {"description_width": "130px"}
SLIDER_WIDTH = "380px"
PICTURE_WIDTH = 900
GRID = 40  # heatmaps are computed on GRID x GRID points of the square
DOMAIN = 6.0

DEFAULTS = dict(dataset="circle", n=500, noise=0.0, train_fraction=0.5, batch_size=10,
                data_seed=0, features=("x1", "x2"), hidden=(4, 2), activations="tanh",
                dropout=0.0, init="glorot", init_scale=1.0, learning_rate=0.03, momentum=0.0,
                regularization="none", reg_rate=0.001, early_stopping=False, patience=10,
                seed=0, epoch=0, epochs_per_frame=1, unit_heatmaps=True, show_weights=False,
                show_test_data=True, discretize=False,
                interval=100, changes=(), hide=())
CONTROLS = ("dataset", "noise", "train_fraction", "batch_size", "regenerate", "features",
            "layers", "units", "activations", "dropout", "init", "init_scale", "learning_rate",
            "momentum", "regularization", "reg_rate", "early_stopping", "patience", "play",
            "step", "reset", "new_seed", "unit_heatmaps", "show_weights", "epochs_per_frame",
            "show_test_data", "discretize")


# -- data --------------------------------------------------------------------------------------
def make_data(dataset, n=500, *, noise=0.0, rng=None):
    """``X`` of shape (n, 2) on about [-6, 6]^2 and ``y``: classes (n,) or targets (n, 1).

    ``noise`` from 0 to 0.5 is Playground's 0-50 %; nnlesson's generators make circle, xor and
    moons, rescaled to Playground's square.
    """
    rng = np.random.default_rng(rng)
    if dataset == "circle":
        X, y = make_circles(n, noise=0.4 * noise, factor=0.45, rng=rng)
        return 5 * X, y  # the inner disc is class 1 (Playground's positive class), the ring 0
    if dataset == "xor":
        X, y = make_xor(n, noise=1.2 * noise + 0.35, rng=rng)
        return 3 * X, y
    if dataset == "spiral":  # Playground's: 1.75 turns (nnlesson's make_spirals turns less)
        y = rng.permutation(np.arange(n) % 2)
        r = rng.uniform(0, 1, size=n)
        t = 1.75 * 2 * np.pi * r + np.pi * y
        X = 5 * r[:, None] * np.column_stack([np.sin(t), np.cos(t)])
        return X + rng.uniform(-1, 1, size=(n, 2)) * 2 * noise, y
    if dataset == "moons":
        X, y = make_moons(n, noise=0.1 + 0.5 * noise, rng=rng)
        return 3.2 * (X - [0.5, 0.25]), y
    if dataset == "gauss":
        y = rng.permutation(np.arange(n) % 2)
        centre = np.where(y[:, None] == 1, 2.0, -2.0)
        return centre + rng.normal(0, 1.0 + 2 * noise, size=(n, 2)), y
    X = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2))
    if dataset == "plane":
        target = (X[:, 0] + X[:, 1]) / 12
    else:  # "bumps": a positive and a negative Gaussian bump
        target = (np.exp(-np.sum((X - 2.5) ** 2, axis=1) / 8)
                  - np.exp(-np.sum((X + 2.5) ** 2, axis=1) / 8))
    return X, (target + rng.normal(0, noise, size=n))[:, None]


@functools.cache
def thumbnail(dataset, size=32):
    """A small picture of a data set (200 points coloured as in the picture), as PNG bytes: the
    picture's data-set buttons show it, as Playground's do. Drawn once per data set."""
    X, y = make_data(dataset, 200, rng=0)
    if dataset in CLASSIFICATION:
        colours = np.array([matplotlib.colors.to_rgba(c) for c in CLASS_COLOURS])[y]
    else:  # the target's value on the output map's colours, scaled to show in a small picture
        colours = ORANGE_BLUE((y[:, 0] / np.abs(y).max() + 1) / 2)
    pixels = np.full((size, size, 4), 255, np.uint8)
    col = np.clip(((X[:, 0] + DOMAIN) / (2 * DOMAIN) * size).astype(int), 0, size - 1)
    row = np.clip(((DOMAIN - X[:, 1]) / (2 * DOMAIN) * size).astype(int), 0, size - 1)
    pixels[row, col] = (255 * colours).astype(np.uint8)
    return png_bytes(pixels)


def feature_matrix(X, features):
    """The network's input: one column per feature name, computed from X of shape (n, 2)."""
    return np.column_stack([FEATURES[f][1](X[:, 0], X[:, 1]) for f in features])


# -- checks ------------------------------------------------------------------------------------
def _settings(given):
    """Every setting checked, with lists made plain (what ``state`` holds)."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"{WHO}: unknown setting(s) {unknown}; the settings are {list(DEFAULTS)}")
    s = {**DEFAULTS, **given}
    check_choice(s["dataset"], DATASETS, "dataset", WHO)
    s["n"] = check_number(s["n"], "n (number of points)", WHO, low=20, high=2000, integer=True)
    s["noise"] = check_number(s["noise"], "noise", WHO, low=0, high=0.5)
    s["train_fraction"] = check_number(s["train_fraction"], "train_fraction", WHO, low=0.1,
                                       high=0.9)
    s["data_seed"] = check_number(s["data_seed"], "data_seed", WHO, low=0, integer=True)
    if isinstance(s["features"], str):
        raise TypeError(f"{WHO}: features must be a list of names such as ['x1', 'x2'], "
                        f"got the string {s['features']!r}")
    features = list(s["features"])
    for f in features:
        check_choice(f, FEATURES, "each feature", WHO)
    if not features:
        raise ValueError(f"{WHO}: features needs at least one of {list(FEATURES)}, got []")
    s["features"] = [f for f in FEATURES if f in features]  # the diagram's fixed order
    if isinstance(s["hidden"], (int, np.integer)):
        raise TypeError(f"{WHO}: hidden must be a list of layer widths such as [4, 2], "
                        f"got {s['hidden']!r}")
    hidden = list(s["hidden"])
    if len(hidden) > MAX_LAYERS:
        raise ValueError(f"{WHO}: hidden may have 0 to {MAX_LAYERS} layers, got {len(hidden)}")
    s["hidden"] = [check_number(h, f"hidden[{i}] (units in layer {i + 1})", WHO, low=1,
                                high=MAX_UNITS, integer=True) for i, h in enumerate(hidden)]
    acts = s["activations"]
    acts = [acts] * len(hidden) if isinstance(acts, str) else list(acts)
    if len(acts) != len(hidden):
        raise ValueError(f"{WHO}: activations needs one name per hidden layer ({len(hidden)}), "
                         f"got {len(acts)}: {acts}")
    for a in acts:
        check_choice(a, ACTIVATIONS, "each activation", WHO)
    s["activations"] = acts
    s["dropout"] = check_number(s["dropout"], "dropout (drop probability)", WHO, low=0,
                                high=0.9)
    check_choice(s["init"], INITS, "init", WHO)
    s["init_scale"] = check_number(s["init_scale"], "init_scale", WHO, low=0.01, high=10)
    for name in TRAINING_SETTINGS:
        s[name] = _check_training_setting(name, s[name], WHO)
    if not isinstance(s["early_stopping"], (bool, np.bool_)):
        raise TypeError(f"{WHO}: early_stopping must be True or False, got {s['early_stopping']!r}")
    s["early_stopping"] = bool(s["early_stopping"])
    s["seed"] = check_number(s["seed"], "seed", WHO, low=0, integer=True)
    s["epoch"] = check_number(s["epoch"], "epoch", WHO, low=0, high=100_000, integer=True)
    s["epochs_per_frame"] = check_number(s["epochs_per_frame"], "epochs_per_frame", WHO, low=1,
                                         high=20, integer=True)
    s["interval"] = check_number(s["interval"], "interval (ms per frame)", WHO, low=20,
                                 high=5000, integer=True)
    for flag in ("unit_heatmaps", "show_weights", "show_test_data", "discretize"):
        s[flag] = bool(s[flag])
    changes = []
    for i, change in enumerate(s["changes"]):
        try:
            epoch, name, old, new = change
        except (TypeError, ValueError):
            raise ValueError(f"{WHO}: each change must be [epoch, setting, old, new], "
                             f"got {change!r}") from None
        who = f"{WHO}: changes[{i}]"
        if isinstance(name, str) and name.startswith(("hidden layer", "output layer")):
            # a weight or bias set by hand (in the picture, or with pg.set_parameter)
            _parameter_index(name, s, who)
            epoch = check_number(epoch, "its epoch", who, low=0, integer=True)
            changes.append([epoch, name, check_number(old, "the old value", who),
                            check_number(new, "the new value", who)])
            continue
        check_choice(name, TRAINING_SETTINGS, "a changed setting", who)
        epoch = check_number(epoch, "its epoch", who, low=1, integer=True)
        # the values a run is replayed with are checked exactly as the constructor checks them
        changes.append([epoch, name, _check_training_setting(name, old, who),
                        _check_training_setting(name, new, who)])
    if [c[0] for c in changes] != sorted(c[0] for c in changes):
        raise ValueError(f"{WHO}: changes must be in the order of their epochs, got epochs "
                         f"{[c[0] for c in changes]}")
    s["changes"] = changes
    hide = [s["hide"]] if isinstance(s["hide"], str) else list(s["hide"])
    for h in hide:
        check_choice(h, CONTROLS, "each name in hide", WHO)
    s["hide"] = hide
    return s


# A weight or bias set by hand (in the picture, or with pg.set_parameter) is logged in
# state["changes"] under its name in pg.weights() and its index, e.g. "hidden layer 1 W[1, 0]"
# (row: the unit, column: its input) or "output layer b[1]", and replayed at its epoch.
PARAMETER = re.compile(r"(hidden layer (\d+)|output layer) (W\[(\d+), (\d+)\]|b\[(\d+)\])$")


def _parameter_index(name, s, who):
    """``(linear layer number from 0, "W" or "b", index)`` of a parameter's entry named as in
    ``state["changes"]``, checked against the network of settings ``s``."""
    found = PARAMETER.match(name) if isinstance(name, str) else None
    if not found:
        raise ValueError(f"{who}: a parameter is named like 'hidden layer 1 W[1, 0]' or "
                         f"'output layer b[1]', got {name!r}")
    layer, unit = found[2], found[4] or found[6]
    sizes = [len(s["features"]), *s["hidden"], 2 if s["dataset"] in CLASSIFICATION else 1]
    n = len(s["hidden"]) if layer is None else int(layer) - 1
    if not 0 <= n <= len(s["hidden"]) or (layer is not None and n == len(s["hidden"])):
        raise ValueError(f"{who}: {name!r}: the network has {len(s['hidden'])} hidden layer(s)")
    index = (int(unit),) if found[6] else (int(unit), int(found[5]))
    if index[0] >= sizes[n + 1] or (len(index) == 2 and index[1] >= sizes[n]):
        raise ValueError(f"{who}: {name!r} is outside the layer: its W has shape "
                         f"({sizes[n + 1]}, {sizes[n]}), its b ({sizes[n + 1]},)")
    return n, "b" if found[6] else "W", index


def _check_training_setting(name, value, who):
    """One training setting checked: the constructor and every replayed change use this."""
    if name == "regularization":
        return check_choice(value, REGULARIZATIONS, name, who)
    low, high = {"learning_rate": (1e-5, 10), "momentum": (0, 0.99), "reg_rate": (1e-5, 10),
                 "batch_size": (1, 100), "patience": (1, 200)}[name]
    return check_number(value, name, who, low=low, high=high,
                        integer=name in ("batch_size", "patience"))


# -- the network -------------------------------------------------------------------------------
class Run:
    """One training run, with no widgets: data, model, optimiser, epoch and losses.

    Everything random comes from ``settings["data_seed"]`` (data, split) and ``settings["seed"]``
    (weights, batch order, dropout masks), so the same settings give the same run, bit for bit.
    """

    def __init__(self, settings):
        self.s = settings
        self.classify = settings["dataset"] in CLASSIFICATION
        X, y = make_data(settings["dataset"], settings["n"], noise=settings["noise"],
                         rng=settings["data_seed"])
        order = np.random.default_rng([settings["data_seed"], 1]).permutation(len(X))
        n_train = int(round(settings["train_fraction"] * len(X)))
        self.X_train, self.y_train = X[order[:n_train]], y[order[:n_train]]
        self.X_test, self.y_test = X[order[n_train:]], y[order[n_train:]]
        self.X_val = self.y_val = self.F_val = None
        if settings["early_stopping"]:  # the last training points become the validation split
            n_val = max(1, int(round(VALIDATION_FRACTION * n_train)))
            self.X_val, self.y_val = self.X_train[-n_val:], self.y_train[-n_val:]
            self.X_train, self.y_train = self.X_train[:-n_val], self.y_train[:-n_val]
            self.F_val = feature_matrix(self.X_val, settings["features"])
        self.F_train = feature_matrix(self.X_train, settings["features"])
        self.F_test = feature_matrix(self.X_test, settings["features"])
        self.restart()

    def restart(self):
        """Epoch 0: the initial weights drawn from the seed, a fresh optimiser and loss record."""
        s = self.s
        rng = np.random.default_rng([s["seed"], 0])
        layers, n_in = [], len(s["features"])
        for units, name in zip(s["hidden"], s["activations"]):
            layers.append(self._linear(n_in, units, rng))
            if ACTIVATIONS[name] is not None:
                layers.append(ACTIVATIONS[name]())
            if s["dropout"]:
                layers.append(Dropout(s["dropout"], rng=np.random.default_rng([s["seed"],
                                                                                 2 + len(layers)])))
            n_in = units
        layers.append(self._linear(n_in, 2 if self.classify else 1, rng))
        self.model = Sequential(*layers)
        self.linears = [layer for layer in layers if isinstance(layer, Linear)]
        self.loss_fn = SoftmaxCrossEntropy() if self.classify else MSELoss()
        self.optimizer = SGD(self.model.parameters(), lr=s["learning_rate"],
                             momentum=s["momentum"])
        if self.optimizer.velocity is None:  # so that momentum can be switched on during a run
            self.optimizer.velocity = [np.zeros_like(p.data) for p in self.optimizer.parameters]
        self.stopper = EarlyStopping(s["patience"])
        self.best = None  # the state_dict of the best epoch so far (early stopping)
        self.shuffle = np.random.default_rng([s["seed"], 1])
        self.epoch = 0
        self.shown = None  # the epoch whose weights the model holds, if not the last one
        self.halted = ""  # why training stopped (divergence, early stopping), or ""
        self.train_loss, self.test_loss, self.val_loss = [], [], []
        self._record_losses()

    def snapshot(self):
        """What an epoch changes, to go back to if the epoch is interrupted half-way."""
        stopper = self.stopper
        return dict(epoch=self.epoch, params=self.model.state_dict(),
                    velocity=[v.copy() for v in self.optimizer.velocity],
                    rngs=[rng.bit_generator.state for rng in self._rngs()],
                    stopper=(stopper.best, stopper.best_epoch, stopper.wait), best=self.best,
                    losses=len(self.train_loss), halted=self.halted, shown=self.shown)

    def restore(self, saved):
        """Back to a :meth:`snapshot`: the run as it was after that whole epoch."""
        self.model.load_state_dict(saved["params"])
        for v, data in zip(self.optimizer.velocity, saved["velocity"]):
            v[...] = data
        for rng, state in zip(self._rngs(), saved["rngs"]):
            rng.bit_generator.state = state
        self.stopper.best, self.stopper.best_epoch, self.stopper.wait = saved["stopper"]
        for losses in (self.train_loss, self.test_loss, self.val_loss):
            del losses[saved["losses"]:]
        self.epoch, self.best = saved["epoch"], saved["best"]
        self.halted, self.shown = saved["halted"], saved["shown"]

    def _rngs(self):
        return [self.shuffle] + [m.rng for m in self.model.modules() if isinstance(m, Dropout)]

    def _record_losses(self):
        """Each split's data loss (as :meth:`loss`), under one switch to eval mode (a walk over
        the model, a tenth of the time of one loss)."""
        self.model.eval()
        with no_grad(), np.errstate(all="ignore"):
            for losses, F, y in ((self.train_loss, self.F_train, self.y_train),
                                 (self.test_loss, self.F_test, self.y_test),
                                 (self.val_loss, self.F_val, self.y_val)):
                if F is not None:
                    losses.append(self.loss_fn(self.model(F), y))

    def _linear(self, n_in, n_out, rng):
        init = self.s["init"]
        layer = Linear(n_in, n_out, rng=rng, init="he" if init == "he" else "glorot")
        if init == "uniform":  # Playground's own: U(-0.5, 0.5)
            layer.W.data[...] = rng.uniform(-0.5, 0.5, size=layer.W.shape)
        layer.W.data *= self.s["init_scale"]
        return layer

    def loss(self, F, y):
        """The data loss (no regularisation term) of the model in eval mode."""
        self.model.eval()
        with no_grad(), np.errstate(all="ignore"):
            return self.loss_fn(self.model(F), y)

    def apply(self, name, value):
        """Change a training setting, or one weight or bias (named as in ``PARAMETER``), of the
        running network."""
        if name not in TRAINING_SETTINGS:
            n, kind, index = _parameter_index(name, self.s, WHO)
            getattr(self.linears[n], kind).data[index] = value
            return
        self.s[name] = value
        if name == "learning_rate":
            self.optimizer.lr = value
        elif name == "momentum":
            self.optimizer.momentum = value
        elif name == "patience":
            self.stopper.patience = value

    def train_epoch(self):
        """One epoch of mini-batch SGD (nnlesson.train.train_epoch, fit's: the same shuffle, the
        same slices); sets ``halted`` if the loss diverges or stops improving."""
        if self.halted:
            return
        s, model = self.s, self.model
        try:
            with np.errstate(all="ignore"):  # divergence is caught below and shown on the picture
                train_epoch(model, self.loss_fn, self.optimizer, self.F_train, self.y_train,
                            s["batch_size"], self.shuffle,
                            penalty=None if s["regularization"] == "none" else self._penalty)
        except LossNotFinite as bad:
            self.epoch += 1  # a part of an epoch ran: the curves get its losses too
            self._record_losses()
            self._halt(f"the training loss is {bad.loss:.3g} in epoch {self.epoch}")
            return
        self.epoch += 1
        self._record_losses()
        loss, start = self.train_loss[-1], self.train_loss[0]
        if not np.isfinite(loss):
            self._halt(f"the training loss is {loss:.3g} after epoch {self.epoch}")
        elif loss > MAX_GROWTH_SINCE_START * start:
            self._halt(f"the training loss {loss:.3g} after epoch {self.epoch} is more than "
                       f"{MAX_GROWTH_SINCE_START} times its start ({start:.3g})")
        elif s["early_stopping"]:
            stop = self.stopper.step(self.val_loss[-1], self.epoch)
            if self.stopper.best_epoch == self.epoch:
                self.best = model.state_dict()
            if stop:
                model.load_state_dict(self.best)
                self.shown = self.stopper.best_epoch
                self.halted = (f"Early stopping after epoch {self.epoch}: the validation loss "
                               f"has not improved for {self.stopper.patience} epochs; the "
                               f"weights of epoch {self.shown} are restored.")

    def _penalty(self):
        """The gradient of the regularisation term, on the weights only, as Playground has it."""
        rate, l1 = self.s["reg_rate"], self.s["regularization"] == "L1"
        return [(layer.W, rate * (np.sign(layer.W.data) if l1 else layer.W.data))
                for layer in self.linears]

    def _halt(self, why):
        self.halted = (f"Training paused: {why}: the steps are too large (learning rate "
                       f"{self.s['learning_rate']:g}). Lower it and press reset.")

    def activations_on(self, F):
        """Output per hidden layer (after its activation) and the final output, in eval mode."""
        self.model.eval()
        outputs = []
        with no_grad(), np.errstate(all="ignore"):
            x = F
            for layer in self.model:
                x = layer(x)
                if isinstance(layer, Linear):
                    outputs.append(x)
                elif not isinstance(layer, Dropout):
                    outputs[-1] = x
        return outputs


# -- the picture -------------------------------------------------------------------------------
# TensorFlow Playground's colours (its src/playground.ts and heatmap.ts map -1 to orange #f59322
# and +1 to blue #0877bd; its positive class is blue): blue is positive and class 1, orange
# negative and class 0, everywhere (units, links, output, points). The output p(class 1) is a
# sigmoid of a sum of the last hidden units weighted by the links, so a blue link from a blue unit
# makes the output bluer. One map for all: limits set per image (a unit's activation range, 0 to
# 1 for p(class 1)).
ORANGE_BLUE = LinearSegmentedColormap.from_list("orange_blue", [ORANGE, "#FFFFFF", BLUE])
POSITIVE, NEGATIVE = BLUE, ORANGE  # the links' colours
CLASS_COLOURS = (ORANGE, BLUE)  # class 0, class 1
# ... and shapes, so that a class never rests on its colour alone (WCAG 1.4.1): circles, squares
CLASS_MARKERS = ("o", "s")
# Data points: 6 pixels across at 100 dpi, so that their class colour shows on the pale (white)
# band of the output map as well, where a smaller point's white edge left almost nothing.
POINT_SIZE, POINT_EDGE = 22, 0.6  # points^2, points
LINK_WIDTH, MAX_LINK_WIDTH = 1.5, 4.0  # points of line width per unit of |weight|, and a cap
NODE = 0.72  # the side of a node's square, in the diagram's units (one unit between rows)
GAP = 1.8  # between columns: room for the links to show their width and colour


def _epoch_axis_end(epoch):
    """Where the loss chart's epoch axis ends: the first of 50, 75, 100, 150, 200, 300, 400, ...
    at or beyond ``epoch``. A live run lays the figure out again only when it passes the end (a
    new layout costs about 0.4 s); a run of 150 epochs ends its axis at 150, not 200."""
    base = 50
    while True:
        for end in (base, base * 3 // 2):
            if end >= epoch:
                return end
        base *= 2


def _loss_axis(run):
    """``(scale, bottom, top)`` of the loss chart: it holds every loss so far.

    Linear from 0 while the largest loss is less than 100 times the smallest, logarithmic (whole
    decades) beyond: then the chart spans decades and a linear axis would flatten the small end.
    The top is rounded up to 1, 2 or 5 times a power of ten, so the axis changes (and the figure
    is laid out again) only now and then.
    """
    losses = np.array(run.train_loss + run.test_loss + run.val_loss)
    losses = losses[np.isfinite(losses) & (losses > 0)]
    if not len(losses):
        return ("linear", 0.0, 1.0)
    low, high = losses.min(), losses.max()
    if high > 100 * low:
        return ("log", 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high)))
    power = 10.0 ** np.floor(np.log10(high))
    top = next(m * power for m in (1, 2, 5, 10, 20) if m * power >= 1.05 * high)
    return ("linear", 0.0, float(top))


FIXED_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}  # the others follow the values


def _activation_range(name, values):
    """The range of a hidden layer's values, whose maps are coloured from -high to high.

    tanh -1 to 1 and sigmoid 0 to 1 (a unit that only reaches 0.01 looks pale, not saturated);
    ReLU 0 to the largest value shown; linear and pReLU symmetric about 0 to the largest |value|.
    Zero is white in every map, so the colour always says the sign (blue +, orange -).
    """
    if name in FIXED_RANGES:
        return FIXED_RANGES[name]
    top = max(float(np.abs(values).max()), 1e-6)
    return (0.0, top) if name == "ReLU" else (-top, top)


def _range_text(low, high):
    """The label under a hidden layer: the range its maps are coloured on."""
    return f"±{high:.2g}" if low == -high else f"{low:g}..{high:.2g}"


def _architecture(s, classify):
    """The title of the diagram: the network as it is, e.g. '2 inputs, hidden 4-2 (tanh), ...'."""
    acts = s["activations"]
    names = acts[0] if len(set(acts)) == 1 and acts else ", ".join(acts)
    hidden = (f"hidden {'-'.join(map(str, s['hidden']))} ({names})" if s["hidden"]
              else "no hidden layer")
    output = "output p(class 1) from 2 logits" if classify else "1 output"
    text = f"{len(s['features'])} inputs, {hidden}\n{output}"
    if s["dropout"]:
        text += (f", dropout p = {s['dropout']:g}" if s["hidden"]
                 else f"\n(dropout p = {s['dropout']:g} does nothing: no hidden layer)")
    return text


def _header(run):
    """The epoch and its losses; after early stopping, those of the restored epoch."""
    k = run.epoch if run.shown is None else run.shown
    text = (f"epoch {k}: training loss {run.train_loss[k]:.3f}, test loss "
            f"{run.test_loss[k]:.3f}")
    if run.shown is not None:
        text = f"weights of {text}\n(restored; stopped after epoch {run.epoch})"
    return text


def _class_1_probability(out):
    """p(class 1) from the two outputs: softmax's second column is sigmoid(out[1] - out[0])."""
    with np.errstate(invalid="ignore"):  # inf - inf of a diverged network: NaN, shown as 1/2
        return sigmoid(out[:, 1] - out[:, 0])


def _one_blas_thread(method):
    """Run ``method`` with one BLAS thread, the user's setting restored after.

    Every matrix of the playground is small (at most 8 units, batches of at most 100, a 40 x 40
    grid): see nnlesson/_threads.py. Applied where the playground's own work starts (building
    it, a frame, a control's callback); a call nested in another costs nothing.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with limit_for(0):
            return method(*args, **kwargs)

    return wrapper


def _running(play):
    """The name of ``play``'s running state: ``playing`` in ipywidgets 8, ``_playing`` in 7.x.

    Colab has shipped ipywidgets 7.7, whose Play has no ``playing``: read and stop whichever
    this Play has (tests/tooling/test_playground.py plays with a Play of each kind).
    """
    return "playing" if play.has_trait("playing") else "_playing"


class Picture(anywidget.AnyWidget):
    """The playground's picture, PNG bytes drawn by matplotlib (``value``), with hot spots over it.

    Its front end (playground_picture.js) places focusable buttons over the units, links and
    hidden layers' headers from ``geometry`` (sent once per layout), names them with the weights
    and biases in ``numbers`` (sent every frame), and sends a click back as a message, which
    :meth:`Playground.touch` carries out: the training stays in Python.
    """

    _esm = pathlib.Path(__file__).with_name("playground_picture.js")
    value = traitlets.Bytes(b"").tag(sync=True)
    geometry = traitlets.Dict().tag(sync=True)
    numbers = traitlets.Dict().tag(sync=True)


PICTURE_PARTS = ("Playground picture: the network diagram (features on the left, each unit drawn "
                 "as its map over the plane), the output's map with the data points (class 0 "
                 "orange circles, class 1 blue squares), and the "
                 "loss chart.")
# What a message from the picture may ask for, and the control each one goes through (hidden
# with ``hide=``, the picture offers it neither).
TOUCHES = {"dataset": "dataset", "feature": "features", "layers": "layers", "units": "units",
           "weight": None, "bias": None}


class Playground(widgets.VBox):
    """The widget; build it with :func:`playground`. Controls are in ``pg.controls``."""

    @_one_blas_thread
    def __init__(self, settings):
        self.s = settings
        self.run = None
        self._blitter = None  # made with each new figure
        self._min_delay = None
        self.frames_dropped = 0
        self.frame_times = []
        self.note = ""  # an interrupted run says so in the caption
        self._build_controls()
        # the picture scales down with the notebook's width (900 px at most), keeping its shape
        self.image = Picture(layout=widgets.Layout(width="100%", max_width=f"{PICTURE_WIDTH}px",
                                                   height="auto"))
        self.image.on_msg(lambda _, message, buffers: self.touch(message))
        self.status = widgets.HTML()  # the caption: a live region, read out when it changes
        self.weights_html = widgets.HTML()
        super().__init__([self._top, self.status, self.tabs, self.image, self.weights_html],
                         layout=widgets.Layout(max_width=f"{PICTURE_WIDTH}px"))
        changes = settings["changes"]
        self._new_run()
        self.s["changes"] = changes
        self._train_to(settings["epoch"])
        self._hide(settings["hide"])
        self.redraw(full=True)

    # -- controls ------------------------------------------------------------------------------
    def _build_controls(self):
        s = self.s
        c = {}

        def slider(description, value, low, high):  # a whole number; a track of about 150 px
            return Slider(description, value, min=low, max=high, width=SLIDER_WIDTH,
                          description_width=LABEL["description_width"])

        def dropdown(description, options, value, width="220px"):
            return Menu(description, value, [(o, o) for o in options], width=width,
                        description_width=LABEL["description_width"])

        c["dataset"] = dropdown("data set", DATASETS, s["dataset"])
        c["noise"] = _exact_slider("noise", s["noise"], _steps(0, 0.5, 0.05))
        c["train_fraction"] = _exact_slider("training part", s["train_fraction"],
                                            _steps(0.1, 0.9, 0.1))
        c["batch_size"] = slider("batch size", s["batch_size"], 1, 100)
        c["regenerate"] = widgets.Button(description="regenerate data",
                                         tooltip="new data: the next data seed")
        c["features"] = widgets.SelectMultiple(options=list(FEATURES), value=s["features"],
                                               rows=7, description="input features",
                                               style=LABEL, layout=widgets.Layout(width="260px"))
        c["layers"] = slider("hidden layers", len(s["hidden"]), 0, MAX_LAYERS)
        units = s["hidden"] + [4] * (MAX_LAYERS - len(s["hidden"]))
        acts = s["activations"] + [s["activations"][-1] if s["activations"] else "tanh"] * (
            MAX_LAYERS - len(s["activations"]))
        c["units"] = [widgets.BoundedIntText(value=u, min=1, max=MAX_UNITS,
                                             description=f"layer {i + 1} units", style=LABEL,
                                             layout=widgets.Layout(width="170px"))
                      for i, u in enumerate(units)]
        # named for a screen reader; the label is hidden (the units box beside it says the layer)
        c["activations"] = [Menu(f"activation of hidden layer {i + 1}", a,
                                 [(name, name) for name in ACTIVATIONS], width="90px",
                                 description_width="0px")
                            for i, a in enumerate(acts)]
        c["dropout"] = _exact_slider("dropout p", s["dropout"], _steps(0, 0.9, 0.05))
        c["init"] = dropdown("initialisation", INITS, s["init"])
        # Playground's rates are a menu: a drop-down holds the exact values and names itself
        c["init_scale"] = _exact_dropdown("init scale", s["init_scale"], INIT_SCALES)
        c["learning_rate"] = _exact_dropdown("learning rate", s["learning_rate"], RATES)
        c["momentum"] = _exact_dropdown("momentum", s["momentum"],
                                        _steps(0, 0.9, 0.1) + [0.95, 0.99])
        c["regularization"] = dropdown("regularisation", REGULARIZATIONS, s["regularization"])
        c["reg_rate"] = _exact_dropdown("regularisation rate", s["reg_rate"], RATES)
        c["early_stopping"] = widgets.Checkbox(value=s["early_stopping"],
                                               description="early stopping (on a validation "
                                                           "part of the training data)",
                                               indent=False, layout=widgets.Layout(width="auto"))
        c["patience"] = slider("patience (epochs)", s["patience"], 1, 200)
        # The Play widget is the timer (it ticks in the browser); its own buttons are icons
        # without a name, so it stays hidden and a named play / pause button drives it.
        c["play"] = widgets.Play(value=0, min=0, max=10**9, step=1, interval=s["interval"],
                                 show_repeat=False, description="play")
        # no icon: Chromium reads an icon font's glyph into the button's accessible name
        self._play_button = widgets.ToggleButton(value=False, description="play",
                                                 tooltip="play / pause the training",
                                                 layout=widgets.Layout(width="90px"))
        c["step"] = widgets.Button(description="step", tooltip="train one frame",
                                   layout=widgets.Layout(width="70px"))
        c["reset"] = widgets.Button(description="reset",
                                    tooltip="back to epoch 0, the same initial weights",
                                    layout=widgets.Layout(width="70px"))
        c["new_seed"] = widgets.Button(description="new seed",
                                       tooltip="other initial weights (the next seed)",
                                       layout=widgets.Layout(width="90px"))
        c["unit_heatmaps"] = widgets.Checkbox(value=s["unit_heatmaps"],
                                              description="a map in every hidden unit",
                                              indent=False, layout=widgets.Layout(width="auto"))
        c["show_weights"] = widgets.ToggleButton(value=s["show_weights"],
                                                 description="state as text",
                                                 tooltip="the units, weights and losses as "
                                                         "text below the picture",
                                                 layout=widgets.Layout(width="120px"))
        # Playground's two output toggles
        c["show_test_data"] = widgets.Checkbox(value=s["show_test_data"],
                                               description="show test data", indent=False,
                                               layout=widgets.Layout(width="auto"))
        c["discretize"] = widgets.Checkbox(value=s["discretize"],
                                           description="discretize output", indent=False,
                                           layout=widgets.Layout(width="auto"))
        c["epochs_per_frame"] = slider("epochs per frame", s["epochs_per_frame"], 1, 20)
        self.controls = c
        for name in ("dataset", "noise", "train_fraction", "features", "layers", "dropout",
                     "init", "init_scale", "early_stopping"):
            c[name].observe(lambda change: self._restart_from_controls(), names="value")
        for widget in c["units"] + c["activations"]:
            widget.observe(lambda change: self._restart_from_controls(), names="value")
        for name in TRAINING_SETTINGS:
            c[name].observe(lambda change, name=name: self._training_setting(name, change.new),
                            names="value")
        c["regenerate"].on_click(lambda _: self._regenerate())
        c["reset"].on_click(lambda _: self.reset())
        c["new_seed"].on_click(lambda _: self.new_seed())
        c["step"].on_click(lambda _: self.step())
        c["play"].observe(self._tick, names="value")
        c["play"].observe(self._show_playing, names=_running(c["play"]))
        self._play_button.observe(self._press_play, names="value")
        c["unit_heatmaps"].observe(lambda change: self._flag("unit_heatmaps", change.new),
                                   names="value")
        for flag in ("show_weights", "show_test_data", "discretize"):
            c[flag].observe(lambda change, flag=flag: self._flag(flag, change.new),
                            names="value")
        c["epochs_per_frame"].observe(lambda change: self.s.update(epochs_per_frame=change.new),
                                      names="value")
        layer_box = [widgets.HBox([u, a]) for u, a in zip(c["units"], c["activations"])]
        self._layer_boxes = layer_box
        # grouped as Playground groups them; one group shows at a time, so that the controls,
        # the picture and its loss chart fit a laptop screen together
        self._groups = {
            "data": [c["dataset"], c["regenerate"], c["noise"], c["train_fraction"],
                     c["batch_size"]],
            "features": [c["features"]],
            "network": [c["layers"], c["dropout"], c["init"], c["init_scale"],
                        widgets.VBox(layer_box[:3]), widgets.VBox(layer_box[3:])],
            "training": [c["learning_rate"], c["momentum"], c["regularization"], c["reg_rate"],
                         c["early_stopping"], c["patience"]],
            "output": [c["show_test_data"], c["discretize"], c["unit_heatmaps"],
                       c["show_weights"], c["epochs_per_frame"]],
        }
        self.tabs = widgets.Tab(children=[
            widgets.HBox(group, layout=widgets.Layout(flex_flow="row wrap",
                                                      align_items="center"))
            for group in self._groups.values()])
        for i, title in enumerate(self._groups):
            self.tabs.set_title(i, title)
        self._top = widgets.HBox([self._play_button, c["step"], c["reset"], c["new_seed"],
                                  widgets.Box([c["play"]], layout=widgets.Layout(
                                      display="none"))])
        self._show_layer_boxes()

    def _press_play(self, change):
        play = self.controls["play"]
        if bool(getattr(play, _running(play))) != change.new:
            setattr(play, _running(play), change.new)

    def _show_playing(self, change):
        button = self._play_button
        button.value = bool(change.new)
        button.description = "pause" if change.new else "play"

    def _show_layer_boxes(self):
        for i, box in enumerate(self._layer_boxes):
            box.layout.display = None if i < self.controls["layers"].value else "none"

    def _hide(self, names):
        hidden = set(names)
        for name in CONTROLS:
            control = self.controls[name]
            control = control if isinstance(control, list) else [control]
            for widget in control + ([self._play_button] if name == "play" else []):
                if name in hidden:
                    widget.layout.display = "none"
                elif name not in ("units", "activations"):
                    widget.layout.display = None
        if "units" in hidden and "activations" in hidden:
            for box in self._layer_boxes:
                box.layout.display = "none"
        self.s["hide"] = [name for name in CONTROLS if name in hidden]

    # -- reacting to controls ------------------------------------------------------------------
    @_one_blas_thread
    def _restart_from_controls(self):
        c = self.controls
        n = c["layers"].value
        self._show_layer_boxes()
        if not c["features"].value:  # at least one input: keep the last one chosen
            c["features"].value = self.s["features"]
            return
        self.s.update(dataset=c["dataset"].value, noise=c["noise"].value,
                      train_fraction=c["train_fraction"].value,
                      features=[f for f in FEATURES if f in c["features"].value],
                      hidden=[w.value for w in c["units"][:n]],
                      activations=[w.value for w in c["activations"][:n]],
                      dropout=c["dropout"].value, init=c["init"].value,
                      init_scale=c["init_scale"].value,
                      early_stopping=c["early_stopping"].value)
        self._new_run()
        self.redraw(full=True)

    @_one_blas_thread
    def _training_setting(self, name, value):
        old = self.s[name]
        if value == old:
            return
        if self.run.epoch:  # logged, so that playground(**state) replays the same run
            self.s["changes"].append([self.run.epoch, name, old, value])
        self.run.apply(name, value)
        self.redraw()

    @_one_blas_thread
    def _flag(self, name, value):
        self.s[name] = value
        self.redraw(full=name == "unit_heatmaps")

    @_one_blas_thread
    def touch(self, message):
        """Do what a click in the picture asks (its front end sends ``message``, a dict):

        - ``{"action": "dataset", "name": "xor"}``, ``{"action": "feature", "name": "x1"}``
          (switches the feature on or off);
        - ``{"action": "layers", "change": 1}``, ``{"action": "units", "layer": 1, "change": -1}``
          (hidden layers counted from 1);
        - ``{"action": "weight", "layer": 1, "unit": 2, "input": 1, "value": 0.5}`` and
          ``{"action": "bias", "layer": 1, "unit": 2, "value": 0.5}``: ``layer`` counts the
          hidden layers from 1, the output is the last; ``unit`` and ``input`` count from 1 as
          the picture names them. The output of a classifier is one node, p(class 1): its link
          and bias are the differences that move p(class 1) (as drawn).

        Each goes through the control the tabs show (the constructor's checks, one path), or,
        for a weight or bias, :meth:`set_parameter`. A message that asks for something else, or
        for a control hidden with ``hide=``, is refused with an error saying what was expected.
        """
        who = f"{WHO}.touch"
        action = message.get("action") if isinstance(message, dict) else None
        if action not in TOUCHES:
            raise ValueError(f"{who}: expected a dict with 'action' one of {list(TOUCHES)}, "
                             f"got {message!r}")
        if TOUCHES[action] in self.s["hide"]:
            raise ValueError(f"{who}: {action!r}: the control {TOUCHES[action]!r} is hidden in "
                             f"this playground (hide={self.s['hide']})")
        c, hidden = self.controls, self.s["hidden"]
        if action == "dataset":
            c["dataset"].value = check_choice(message.get("name"), DATASETS, "the data set", who)
        elif action == "feature":
            name = check_choice(message.get("name"), FEATURES, "the feature", who)
            chosen = set(self.s["features"]) ^ {name}
            if not chosen:
                raise ValueError(f"{who}: {name!r} is the only feature: the network needs one")
            c["features"].value = [f for f in FEATURES if f in chosen]
        elif action in ("layers", "units"):
            change = check_choice(message.get("change"), (-1, 1), "change", who)
            if action == "layers":
                c["layers"].value = check_number(len(hidden) + change, "the number of hidden "
                                                 "layers", who, low=0, high=MAX_LAYERS,
                                                 integer=True)
            else:
                n = check_number(message.get("layer"), "layer", who, low=1, high=len(hidden),
                                 integer=True)
                c["units"][n - 1].value = check_number(hidden[n - 1] + change, f"the units of "
                                                       f"hidden layer {n}", who, low=1,
                                                       high=MAX_UNITS, integer=True)
        else:
            self._set_from_picture(action, message, who)

    def _set_from_picture(self, action, message, who):
        """A weight or bias given as the picture draws it, set with :meth:`set_parameter`."""
        n = check_number(message.get("layer"), "layer", who, low=1, high=len(self.run.linears),
                         integer=True) - 1
        sizes = self._link_shape  # the picture's columns: the classifier's output is one node
        j = check_number(message.get("unit"), "unit", who, low=1, high=sizes[n + 1],
                         integer=True) - 1
        value = check_number(message.get("value"), action, who)
        name = "output layer" if n == len(self.s["hidden"]) else f"hidden layer {n + 1}"
        row = 1 if name == "output layer" and self.run.classify else j
        layer = self.run.linears[n]
        if action == "weight":
            i = check_number(message.get("input"), "input", who, low=1, high=sizes[n],
                             integer=True) - 1
            index, array = (row, i), layer.W.data
        else:
            index, array = (row,), layer.b.data
        if row != j:  # the drawn link or bias is logit 1's minus logit 0's: move logit 1's
            value += float(array[(0,) + index[1:]])
        kind = "W" if action == "weight" else "b"
        self.set_parameter(f"{name} {kind}[{', '.join(map(str, index))}]", value)

    @_one_blas_thread
    def set_parameter(self, name, value):
        """Set one weight or bias of the running network by hand, e.g.
        ``pg.set_parameter("hidden layer 1 W[1, 0]", 0.5)`` (row: the unit, column: its input,
        counted from 0 as in ``pg.weights()``). Logged in ``state["changes"]``, so that
        ``playground(**pg.state)`` replays it at the same epoch."""
        who = f"{WHO}.set_parameter"
        n, kind, index = _parameter_index(name, self.s, who)
        value = check_number(value, name, who)
        old = float(getattr(self.run.linears[n], kind).data[index])
        self.s["changes"].append([self.run.epoch, name, old, value])
        self.run.apply(name, value)
        self.redraw()

    @_one_blas_thread
    def _regenerate(self):
        self.s["data_seed"] += 1
        self._new_run()
        self.redraw(full=True)

    @_one_blas_thread
    def reset(self):
        """Back to epoch 0 with the same initial weights (bit for bit) and the same data."""
        self._pause()
        self.s["changes"] = []
        self.run.restart()
        self.redraw(full=True)

    @_one_blas_thread
    def new_seed(self):
        """Other initial weights, batch orders and dropout masks: the next seed, at epoch 0."""
        self._pause()
        self.s["seed"] += 1
        self.s["changes"] = []
        self.run.restart()
        self.redraw(full=True)

    def _new_run(self):
        self._pause()
        self.s["changes"] = []
        self.run = Run(self.s)

    def _playing(self):
        play = self.controls["play"]
        return getattr(play, _running(play))

    def _pause(self):
        self.note = ""  # every pause starts something new (reset, new run, train)
        if self._playing():
            play = self.controls["play"]
            setattr(play, _running(play), False)

    # -- training ------------------------------------------------------------------------------
    def _train_to(self, epoch):
        """Train from epoch 0 to ``epoch``, replaying the logged setting changes."""
        changes = self.s["changes"]
        current = {name: self.s[name] for name in TRAINING_SETTINGS}
        for _, name, old, _ in reversed(changes):  # the settings the run started with
            if name in TRAINING_SETTINGS:
                self.run.apply(name, old)
        self.run.restart()
        self.s["changes"] = changes
        self._train_until(epoch, changes)
        for name, value in current.items():
            self.run.apply(name, value)

    def _train_until(self, target, changes=()):
        """Train to epoch ``target``, applying ``changes`` at their epochs.

        A long run (PROGRESS_EPOCHS or more) prints its progress; an interrupt (the kernel's
        stop button, Ctrl-C) stops it at the last whole epoch, in a state that ``pg.state``
        replays exactly, and the caption says so.
        """
        run, pending = self.run, list(changes)
        first, start, shown, saved = run.epoch, time.perf_counter(), 0.0, None
        self.note = ""

        def apply_due():  # the changes made once the run had reached its current epoch
            while pending and pending[0][0] <= run.epoch:
                _, name, _, new = pending.pop(0)
                run.apply(name, new)

        try:
            while run.epoch < target and not run.halted:
                apply_due()
                saved = run.snapshot()
                run.train_epoch()
                elapsed = time.perf_counter() - start
                if target - first >= PROGRESS_EPOCHS and elapsed - shown > 2:
                    shown = elapsed
                    left = elapsed / (run.epoch - first) * (target - run.epoch)
                    print(f"\r{WHO}: epoch {run.epoch} of {target}, about {left:.0f} s left "
                          f"(interrupt the kernel to stop at the last whole epoch)", end="",
                          flush=True)
            apply_due()  # a weight set at the last epoch, after its training
        except KeyboardInterrupt:
            if saved is not None and run.epoch != saved["epoch"] + 1:
                run.restore(saved)  # the epoch was cut half-way: back to the last whole one
            self.note = (f"Interrupted at epoch {run.epoch} of {target}: press play or step to "
                         f"go on.")
        if shown:
            print()

    @_one_blas_thread
    def step(self):
        """One frame: ``epochs_per_frame`` epochs of training, then the redraw."""
        start = time.perf_counter()
        self.note = ""
        for _ in range(self.s["epochs_per_frame"]):
            self.run.train_epoch()
        if self.run.halted:
            self._pause()
        self.redraw()
        self.frame_times.append(time.perf_counter() - start)

    @_one_blas_thread
    def train(self, epochs):
        """Train ``epochs`` more epochs without drawing in between (stops early if halted)."""
        epochs = check_number(epochs, "epochs", f"{WHO}.train", low=1, integer=True)
        self._pause()
        self._train_until(self.run.epoch + epochs)
        self.redraw()
        return self

    @_one_blas_thread
    def predict(self, X):
        """p(class 1) (classification) or the output (regression), shape (n,), for X (n, 2).

        ``X`` holds points of the picture's square (x1, x2), not features: the playground
        computes the features itself.
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"{WHO}.predict expected points of shape (n, 2), got {X.shape}")
        out = self.run.activations_on(feature_matrix(X, self.s["features"]))[-1]
        return _class_1_probability(out) if self.run.classify else out[:, 0]

    @_one_blas_thread
    def accuracy(self):
        """``(training accuracy, test accuracy)``: the fraction of points of the right class."""
        if not self.run.classify:
            raise ValueError(f"{WHO}.accuracy: {self.s['dataset']!r} is a regression problem; "
                             f"read pg.run.test_loss instead")
        run = self.run
        result = []
        for F, y in ((run.F_train, run.y_train), (run.F_test, run.y_test)):
            result.append(accuracy(run.activations_on(F)[-1], y))
        return tuple(result)

    def _tick(self, change):
        play = self.controls["play"]
        if change.new < change.old and change.new == play.min:
            self.reset()  # the square (stop) button rewinds the counter: back to epoch 0
            return
        if change.new <= change.old or not self._playing():
            return
        if self._stale():
            self.frames_dropped += 1
            return
        self.step()

    def _stale(self):
        """True for a tick that waited in the kernel's queue longer than one timer interval.

        The browser stamps every message with its clock; the smallest (arrival - stamp) seen is
        the delay of an empty queue (network and any clock offset); more than one interval on
        top of it means the kernel is behind, and this tick is dropped instead of queued work.
        """
        sent = _message_time()
        if sent is None:  # no kernel (tests, scripts): nothing queues
            return False
        delay = time.time() - sent
        self._min_delay = delay if self._min_delay is None else min(self._min_delay, delay)
        return delay - self._min_delay > self.controls["play"].interval / 1000

    # -- drawing -------------------------------------------------------------------------------
    def _layout_figure(self):
        """A new figure for the current architecture: the diagram, the output, the losses."""
        run = self.run
        with matplotlib.rc_context(STYLE):
            fig = Figure(figsize=(MAX_WIDTH, 4.6), dpi=STYLE["figure.dpi"], layout="constrained")
            grid = fig.add_gridspec(2, 2, width_ratios=[1.1, 1], height_ratios=[2.3, 1])
            ax_net = fig.add_subplot(grid[:, 0])
            ax_out = fig.add_subplot(grid[0, 1])
            ax_loss = fig.add_subplot(grid[1, 1])
            self._draw_diagram(ax_net)
            extent = (-DOMAIN, DOMAIN, -DOMAIN, DOMAIN)
            out_map = _heatmap(ax_out, np.zeros((GRID, GRID)), extent,
                               vmin=0 if run.classify else -1, interpolation="bilinear")
            colour = {} if run.classify else dict(cmap=ORANGE_BLUE, vmin=-1, vmax=1)
            points = []
            for X, y, edge in ((run.X_train, run.y_train, "white"),
                               (run.X_test, run.y_test, BLACK)):
                c = (np.where(y == 1, CLASS_COLOURS[1], CLASS_COLOURS[0]) if run.classify
                     else y[:, 0])
                points.append(ax_out.scatter(*X.T, c=c, s=POINT_SIZE, edgecolor=edge,
                                             linewidth=POINT_EDGE, **colour))
                if run.classify:  # one scatter, a marker per point: its class's shape
                    points[-1].set_paths(_marker_paths(
                        np.where(y == 1, CLASS_MARKERS[1], CLASS_MARKERS[0])))
            ax_out.set(xlim=(-DOMAIN, DOMAIN), ylim=(-DOMAIN, DOMAIN), xlabel="$x_1$",
                       ylabel="$x_2$", aspect="equal")
            # the colour legend: what the output map's colours mean
            legend = fig.colorbar(out_map, ax=ax_out, fraction=0.06, pad=0.03, aspect=15)
            legend.set_label("p(class 1)" if run.classify else "output")
            legend.set_ticks([0, 0.5, 1] if run.classify else [-1, 0, 1])
            ax_out.set_title(" ")
            status = ax_out.text(0, 0, "", ha="center", va="center", fontsize=9,
                                 bbox=dict(facecolor="white", edgecolor=VERMILLION, alpha=0.9))
            xmax = _epoch_axis_end(run.epoch)
            line_train, = ax_loss.plot([], [], color=BLACK, lw=1.5)
            line_test, = ax_loss.plot([], [], color=PURPLE, lw=1.5, ls="--")
            line_val, = ax_loss.plot([], [], color=GREY, lw=1.5, ls=":")
            self._loss_axis = _loss_axis(run)
            scale, bottom, top = self._loss_axis
            ax_loss.set_yscale(scale)
            ax_loss.set(xlim=(0, xmax), ylim=(bottom, top), xlabel="epoch", ylabel="loss",
                        title="training (solid), test (dashed)" + (
                            ", validation (dotted)" if run.F_val is not None else ""))
        self.figure, self._xmax = fig, xmax
        self.artists = dict(out_map=out_map, points=points, status=status,
                            line_train=line_train, line_test=line_test, line_val=line_val,
                            title=ax_out.title)
        self.axes = dict(net=ax_net, out=ax_out, loss=ax_loss)
        self._blitter = Blitter(fig, [self._links, self._biases, *self._unit_maps,
                                      *self._moving_labels,
                                      out_map, *points, status, line_train, line_test, line_val,
                                      ax_out.title],
                                pasted=points,  # the same points over every output map
                                # the header, re-drawn every frame: unhinted glyphs take half
                                # the time (3 instead of 5.7 ms), a look hard to tell apart
                                text_hinting="none")

    def _draw_diagram(self, ax):
        run, s = self.run, self.s
        widths = [len(s["features"]), *s["hidden"], 1]
        columns = len(widths)
        ys = [-(np.arange(w) - (w - 1) / 2) for w in widths]  # centred columns
        segments, ends = [], []
        for col in range(columns - 1):
            for j in range(widths[col + 1]):
                for i in range(widths[col]):
                    segments.append([(GAP * col + NODE / 2, ys[col][i]),
                                     (GAP * (col + 1) - NODE / 2, ys[col + 1][j])])
                    ends.append((col, j, i))  # from unit i of column col to unit j of the next
        links = LineCollection(segments, colors=POSITIVE, linewidths=1, alpha=0.85, zorder=1)
        ax.add_collection(links)
        grid = np.linspace(-DOMAIN, DOMAIN, GRID)
        xx, yy = np.meshgrid(grid, grid)
        self._grid_points = np.column_stack([xx.ravel(), yy.ravel()])
        F = feature_matrix(self._grid_points, s["features"])
        self._grid_features = F
        unit_maps, boxes = [], []
        for col in range(columns):
            for k, y in enumerate(ys[col]):
                x = GAP * col
                extent = (x - NODE / 2, x + NODE / 2, y - NODE / 2, y + NODE / 2)
                if col == 0 or s["unit_heatmaps"] or col == columns - 1:
                    data = F[:, k].reshape(GRID, GRID) if col == 0 else np.zeros((GRID, GRID))
                    image = _heatmap(ax, data, extent, interpolation="nearest", zorder=2)
                    if col > 0:
                        unit_maps.append(image)
                boxes.append(matplotlib.patches.Rectangle(
                    (extent[0], extent[2]), NODE, NODE, fill=not s["unit_heatmaps"] and 0 < col
                    < columns - 1, facecolor="white", edgecolor=GREY, lw=0.8, zorder=3))
                ax.add_patch(boxes[-1])
        # each unit's bias: a small square on its lower-left corner, coloured as the links
        # (saturated from |bias| = 1; the picture's hot spots and describe() give the number)
        corners = np.array([(GAP * col - NODE / 2, y - NODE / 2) for col in range(1, columns)
                            for y in ys[col]])
        biases = ax.scatter(*corners.T, marker="s", s=20, c=np.zeros(len(corners)),
                            cmap=ORANGE_BLUE, vmin=-1, vmax=1, edgecolors=GREY, linewidths=0.6,
                            zorder=4)
        for k, name in enumerate(s["features"]):
            ax.text(-NODE / 2 - 0.1, ys[0][k], FEATURES[name][0], ha="right", va="center",
                    fontsize=9)
        top = max(w for w in widths) / 2
        range_labels = []
        for col in range(1, columns - 1):
            ax.text(GAP * col, top + 0.1, f"{s['hidden'][col - 1]}\n{s['activations'][col - 1]}",
                    ha="center", va="bottom", fontsize=9)
            if s["unit_heatmaps"]:  # the colour scale of this layer's maps
                name = s["activations"][col - 1]
                range_labels.append(ax.text(
                    GAP * col, -top - 0.05, _range_text(*FIXED_RANGES.get(name, (0, 0))),
                    ha="center", va="top", fontsize=9))
        # redrawn every frame only where it changes (drawing a text costs about 1 ms)
        self._moving_labels = [label for label, name in zip(range_labels, s["activations"])
                               if name not in FIXED_RANGES]
        ax.text(GAP * (columns - 1) + NODE / 2 + 0.15, 0,
                "p(class 1)" if run.classify else "output", ha="left", va="center", fontsize=9)
        ax.set_xlim(-1.6, GAP * (columns - 1) + 2.1)
        ax.set_ylim(-top - 1.1, top + 1.3)  # room under the columns for the picture's +/-
        ax.set_aspect("equal")
        ax.set(xticks=[], yticks=[])  # no tick labels at all (set_axis_off only hides them)
        ax.set_axis_off()
        ax.set_title(_architecture(s, run.classify) + "\nlinks: blue solid +, orange dashed -",
                     fontsize=10)
        self._links, self._unit_maps, self._range_labels = links, unit_maps, range_labels
        self._biases, self._bottom = biases, -top - 0.05  # where the range labels hang
        self._link_shape, self._node_ys, self._link_ends = widths, ys, ends

    @_one_blas_thread
    def redraw(self, full=False):
        """Update the moving artists, blit them over the saved background, send the PNG."""
        run = self.run
        new_layout = (full or self._blitter is None or run.epoch > self._xmax
                      or _loss_axis(run) != self._loss_axis)  # the axes are in the background
        if new_layout:
            self._layout_figure()
        a = self.artists
        outputs = run.activations_on(self._grid_features)
        maps = self._unit_maps
        out = outputs[-1]
        value = _class_1_probability(out) if run.classify else out[:, 0]
        value = np.nan_to_num(value, nan=0.5 if run.classify else 0.0)
        if self.s["discretize"]:  # Playground's toggle: the decision, not the probability
            value = (value > 0.5).astype(float) if run.classify else np.sign(value)
        a["out_map"].set_data(value.reshape(GRID, GRID))
        a["points"][1].set_visible(self.s["show_test_data"])
        maps[-1].set_data(value.reshape(GRID, GRID))
        maps[-1].set_clim(*((0, 1) if run.classify else (-1, 1)))
        if self.s["unit_heatmaps"]:
            i = 0
            for layer_out, name, label in zip(outputs[:-1], self.s["activations"],
                                              self._range_labels):
                layer_out = np.nan_to_num(layer_out)
                low, high = _activation_range(name, layer_out)
                label.set_text(_range_text(low, high))
                for k in range(layer_out.shape[1]):
                    maps[i].set_data(layer_out[:, k].reshape(GRID, GRID))
                    maps[i].set_clim(-high, high)  # 0 is white: the colour is the sign
                    i += 1
        weights, biases = [], []
        for n, layer in enumerate(run.linears):
            W, b = layer.W.data, layer.b.data
            if n == len(run.linears) - 1 and run.classify:
                W, b = W[1:2] - W[0:1], b[1:2] - b[0:1]  # what moves p(class 1)
            weights.append(W.ravel())  # row j, column i: the order of the segments
            biases.append(b)
        w = np.nan_to_num(np.concatenate(weights))
        b = np.nan_to_num(np.concatenate(biases))
        self._links.set_linewidths(np.minimum(0.3 + LINK_WIDTH * np.abs(w), MAX_LINK_WIDTH))
        self._links.set_colors(np.where(w >= 0, POSITIVE, NEGATIVE))
        # the sign by the line's style as well as its colour (WCAG 1.4.1): negative dashed
        self._links.set_linestyles(["solid" if v >= 0 else (0, (2, 1)) for v in w])
        self._biases.set_array(b)
        epochs = np.arange(len(run.train_loss))
        a["line_train"].set_data(epochs, run.train_loss)
        a["line_test"].set_data(epochs, run.test_loss)
        a["line_val"].set_data(epochs[:len(run.val_loss)], run.val_loss)
        header = _header(run)
        a["title"].set_text(header)
        a["status"].set_text(_wrap(run.halted))
        a["status"].set_visible(bool(run.halted))
        png = self._blitter.png()
        with self.image.hold_sync():  # one message: the picture, its hot spots, their numbers
            self.image.value = png
            if new_layout:  # the first png() of a figure lays it out: now its pixels are known
                self.image.geometry = self._geometry()
            self.image.numbers = dict(weights=np.round(w, 4).tolist(),
                                      biases=np.round(b, 4).tolist())
        caption = header.replace("\n", " ") + "".join(
            f" &mdash; {text}" for text in (run.halted, self.note) if text)
        # a live region: a screen reader reads the caption out when it changes
        self.status.value = f"<div role='status' aria-live='polite'>{caption}</div>"
        self.weights_html.value = self._weights_text() if self.s["show_weights"] else ""

    def _geometry(self):
        """Where the diagram's units, links and hidden layers' headers are in the picture (the
        figure's pixels from its top-left corner), and what the picture's toolbar shows: sent
        to its front end once per layout (playground_picture.js places the hot spots)."""
        s, run, ax = self.s, self.run, self.axes["net"]
        height = self.figure.bbox.height

        def pixels(x, y):
            px, py = ax.transData.transform((x, y))
            return [round(float(px), 1), round(float(height - py), 1)]

        names = [[f"feature {f}" for f in s["features"]],
                 *[[f"hidden layer {n + 1}, unit {j + 1}" for j in range(w)]
                   for n, w in enumerate(s["hidden"])],
                 ["the output, p(class 1)" if run.classify else "the output"]]
        units, node = [], 0
        for col, column in enumerate(self._node_ys):
            for k, y in enumerate(column):
                x = GAP * col
                unit = dict(layer=col, unit=k + 1, name=names[col][k],
                            box=pixels(x - NODE / 2, y + NODE / 2) + pixels(x + NODE / 2,
                                                                            y - NODE / 2))
                if col == 0:
                    unit["feature"] = s["features"][k]
                else:  # its place in numbers["biases"]
                    unit["node"], node = node, node + 1
                units.append(unit)
        links = [dict(layer=col + 1, unit=j + 1, input=i + 1,
                      name=f"link from {names[col][i]} to {names[col + 1][j]}",
                      line=pixels(*segment[0]) + pixels(*segment[1]))
                 for (col, j, i), segment in zip(self._link_ends, self._links.get_segments())]
        # the +/- buttons sit either side of a hidden layer's header ("4 / tanh")
        headers = []  # the +/- buttons of each hidden layer hang under its range label
        for col in range(1, len(s["hidden"]) + 1):
            x, y = pixels(GAP * col, self._bottom)
            headers.append(dict(layer=col, x=x, y=y + 14))  # 14 px: a line of 9 pt text
        return dict(width=self.figure.bbox.width, height=height, units=units, links=links,
                    headers=headers, hidden=list(s["hidden"]), features=list(s["features"]),
                    all_features=[[f, f] for f in FEATURES], dataset=s["dataset"],
                    datasets=list(DATASETS), max_layers=MAX_LAYERS, max_units=MAX_UNITS,
                    thumbnails={name: base64.b64encode(thumbnail(name)).decode("ascii")
                                for name in DATASETS},
                    hide=list(s["hide"]), alt=PICTURE_PARTS)

    def _weights_text(self):
        return "<pre style='font-size: 11px'>" + html.escape(self.describe()) + "</pre>"

    def describe(self):
        """The playground's state as text: the run, the losses, then every unit's weights and
        bias under its layer's readable name (what the 'state as text' button shows)."""
        lines = self._summary()
        features = ", ".join(self.s["features"])
        for name, layer, inputs in self._named_layers(features):
            W, b = layer.W.data, layer.b.data
            lines.append(f"{name}: {W.shape[0]} unit(s), weights from {inputs}")
            output = name == "output layer" and self.run.classify
            for j in range(W.shape[0]):
                w = ", ".join(f"{v:+.3f}" for v in W[j])
                unit = f"logit of class {j}" if output else f"unit {j + 1}"
                lines.append(f"  {unit}: w = [{w}], bias {b[j]:+.3f}")
        for k, layer in enumerate(self.run.model):
            if isinstance(layer, PReLU):
                lines.append(f"pReLU alpha of hidden layer {self._layer_of(k)}: "
                             f"{float(np.ravel(layer.alpha.data)[0]):+.3f}")
        return "\n".join(lines)

    def text_alternative(self):
        """What the picture shows, in words: its parts, then the run in short (the settings and
        the losses); :meth:`describe` adds every weight."""
        return PICTURE_PARTS + " " + "; ".join(self._summary()) + "."

    def _summary(self):
        """The lines of :meth:`describe` before the weights: data, network, training, losses."""
        s, run = self.s, self.run
        features = ", ".join(s["features"])
        lines = [f"data: {s['dataset']}, {len(run.X_train)} training points"
                 + (f" ({len(run.X_val)} more for validation)" if run.X_val is not None else "")
                 + f", {len(run.X_test)} test points, noise {s['noise']:g}",
                 f"features: {features}",
                 "network: " + _architecture(s, run.classify).replace("\n", "; "),
                 f"training: learning rate {s['learning_rate']:g}, momentum {s['momentum']:g}, "
                 f"batch size {s['batch_size']}, regularisation {s['regularization']}"
                 + (f" (rate {s['reg_rate']:g})" if s["regularization"] != "none" else ""),
                 _header(run).replace("\n", " ")]
        if run.halted:
            lines.append(run.halted)
        return lines

    def _named_layers(self, features):
        """``(name, Linear, what its inputs are)`` per layer: 'hidden layer 1', ..., 'output'."""
        linears = self.run.linears
        for n, layer in enumerate(linears):
            name = "output layer" if n == len(linears) - 1 else f"hidden layer {n + 1}"
            yield name, layer, (features if n == 0 else f"hidden layer {n}'s units")

    def _layer_of(self, index):
        """The hidden layer (1, 2, ...) that the model's layer number ``index`` belongs to."""
        return sum(isinstance(layer, Linear) for layer in list(self.run.model)[:index + 1])

    # -- the public face -----------------------------------------------------------------------
    @property
    def state(self):
        """Every setting, the seeds and the epoch, as a plain dict: ``playground(**state)``."""
        state = {key: self.s[key] for key in DEFAULTS}
        state["epoch"] = self.run.epoch
        for key in ("features", "hidden", "activations", "hide"):
            state[key] = list(state[key])
        state["changes"] = [list(c) for c in self.s["changes"]]
        return state

    @property
    def epoch(self):
        return self.run.epoch

    @property
    def halted(self):
        """Why training stopped (NaN, explosion, early stopping), or "" while it can go on."""
        return self.run.halted

    def weights(self):
        """``{name: array}`` of every parameter, copies: ``'hidden layer 1 W'`` (one row per
        unit, one column per input), ``'hidden layer 1 b'``, ..., ``'output layer W'``,
        ``'output layer b'`` and, with pReLU, ``'hidden layer 1 alpha'``."""
        result = {}
        for name, layer, _ in self._named_layers(""):
            result[f"{name} W"], result[f"{name} b"] = layer.W.data.copy(), layer.b.data.copy()
        for k, layer in enumerate(self.run.model):
            if isinstance(layer, PReLU):
                result[f"hidden layer {self._layer_of(k)} alpha"] = layer.alpha.data.copy()
        return result

    def _repr_mimebundle_(self, **kwargs):
        # The live widget where widgets render; elsewhere (an un-run notebook, GitHub) a picture
        # of the current state, and a stable line of text for nbval.
        parent = getattr(super(), "_repr_mimebundle_", None)  # ipywidgets 7 has none
        bundle = (parent(**kwargs) if parent else None) or {}
        # 256 colours: a third of the bytes of the live frame (fast to encode, large), so a
        # lesson with several playgrounds stays small on disk.
        buffer = io.BytesIO()
        PIL.Image.open(io.BytesIO(self.image.value)).convert("RGB").quantize(256).save(
            buffer, format="png", optimize=True)
        bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        # JupyterLab shows no text alternative for an image/png: the same picture as an <img alt>
        bundle["text/html"] = figure_html(None, buffer.getvalue(), alt=self.text_alternative())
        bundle["text/plain"] = "Playground (run the cell to train it live)"
        return bundle


def _heatmap(ax, data, extent, *, vmin=-1, vmax=1, **kwargs):
    """``ax.imshow(data, origin="lower", extent=extent, cmap=ORANGE_BLUE, ...)``, as a
    :class:`PixelImage`: the maps are redrawn every frame, and it draws them 3 to 5 times faster."""
    image = PixelImage(ax, cmap=ORANGE_BLUE, origin="lower", extent=extent, **kwargs)
    image.set_data(data)
    image.set_clim(vmin, vmax)
    ax.add_image(image)
    return image


def _marker_paths(markers):
    """The paths of matplotlib markers (``"o"``, ``"s"``), one per point: a scatter's
    ``set_paths`` then draws each point with its own shape (a scatter call takes one marker)."""
    paths = {}
    for marker in set(markers):
        style = MarkerStyle(marker)
        paths[marker] = style.get_path().transformed(style.get_transform())
    return [paths[marker] for marker in markers]


def _steps(low, high, step):
    """low, low + step, ..., high, rounded to 2 decimals (0.3, not 0.30000000000000004)."""
    return [round(v, 2) for v in np.arange(low, high + step / 2, step)]


def _exact_dropdown(description, value, choices):
    """A drop-down over exact values (``choices`` and ``value`` itself), as Playground's menus."""
    options = sorted(set(choices) | {value})
    return Menu(description, value, [(f"{v:g}", v) for v in options], width="230px",
                description_width=LABEL["description_width"])


def _exact_slider(description, value, choices, width=None):
    """A slider over exact values (``choices`` and ``value`` itself), never rounded.

    A FloatSlider or FloatLogSlider snaps its value to its step grid in the browser and sends the
    snapped value back (a learning rate of 0.03 became 10^-1.52 = 0.0302): runs would differ
    between the browser and a script. This one sends an index into exact values.
    """
    options = sorted(set(choices) | {value})
    return Slider(description, value, options=[(f"{v:g}", v) for v in options],
                  width=width or SLIDER_WIDTH, description_width=LABEL["description_width"])


def _wrap(text, width=44):
    words, lines = text.split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "\n".join(lines)


def _message_time():
    """The browser's send time (seconds since the epoch) of the message being handled, or None."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        date = kernel.get_parent()["header"]["date"] if kernel is not None else None
    except Exception:  # no IPython, no kernel, no parent message: not inside a widget message
        return None
    if date is None or not hasattr(date, "timestamp"):
        return None
    return date.timestamp()


def playground(dataset="circle", /, **settings):
    """TensorFlow Playground in the notebook, trained live with nnlesson's layers.

    Every setting is a keyword (defaults are Playground's: circle data, two hidden layers of 4 and
    2 tanh units, learning rate 0.03, batch size 10):

    - data: ``dataset`` (one of ``DATASETS``), ``n`` points, ``noise`` (0 to 0.5),
      ``train_fraction``, ``batch_size``, ``data_seed``;
    - network: ``features`` (names of ``FEATURES``), ``hidden`` (0 to 6 widths of 1 to 8),
      ``activations`` (one name or one per layer: linear, sigmoid, tanh, ReLU, pReLU),
      ``dropout`` (p, after every hidden layer), ``init`` (glorot, he, uniform), ``init_scale``;
    - training: ``learning_rate`` (1e-5 to 10), ``momentum``, ``regularization`` (none, L1, L2),
      ``reg_rate``, ``early_stopping``, ``patience``, ``seed``, ``epoch`` (trained to at once),
      ``epochs_per_frame``, ``interval`` (ms between frames), ``changes`` (see ``state``);
    - picture: ``unit_heatmaps``, ``show_weights`` (the state as text), ``show_test_data``,
      ``discretize`` (the output as a decision); ``hide``: names of controls to hide.

    The data set may also come first: ``playground("spiral", hidden=[8, 8])``.
    Returns the widget; ``pg.state`` gives the settings back, ``pg.step()`` trains one frame,
    ``pg.train(epochs)`` trains without drawing in between.
    """
    if "dataset" in settings:
        if dataset != "circle":
            raise TypeError(f"{WHO}: the data set was given twice: {dataset!r} and "
                            f"dataset={settings['dataset']!r}")
    else:
        settings["dataset"] = dataset
    return Playground(_settings(settings))
