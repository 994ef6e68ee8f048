"""Datasets for the lessons: small synthetic ones made from a seed, and the bundled 8x8 digits.

Nothing is downloaded. Every generator takes ``rng`` (a ``np.random.Generator`` or an integer
seed) and returns ``X`` of shape ``(n, features)`` and ``y``: integer classes of shape ``(n,)`` for
classification, or an ``(n, 1)`` column of targets for regression.
"""

from importlib import resources

import numpy as np

from ._util import as_rng, check_number, check_positive_int


def _check_noise(noise, who):
    check_number(noise, "noise", who, low=0)


def make_moons(n=200, *, noise=0.1, rng=None):
    """Two interleaving half circles, classes 0 and 1 (n // 2 points each; n - n // 2 in class 1).

    No straight line separates them, which is why lesson 02 uses them.
    """
    n = check_positive_int(n, "n", "make_moons")
    _check_noise(noise, "make_moons")
    rng = as_rng(rng)
    n0 = n // 2
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + rng.normal(0, noise, size=(n, 2))
    y = np.repeat([0, 1], [n0, n - n0])
    return _shuffled(X, y, rng)


def make_circles(n=200, *, noise=0.05, factor=0.5, rng=None):
    """A small circle (class 1, radius ``factor``) inside a big one (class 0, radius 1)."""
    n = check_positive_int(n, "n", "make_circles")
    _check_noise(noise, "make_circles")
    check_number(factor, "factor", "make_circles", low=0, high=1, low_open=True, high_open=True)
    rng = as_rng(rng)
    n0 = n // 2
    t = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.where(np.arange(n) < n0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]) + rng.normal(0, noise, (n, 2))
    y = np.repeat([0, 1], [n0, n - n0])
    return _shuffled(X, y, rng)


def make_spirals(n=300, *, classes=3, noise=0.2, rng=None):
    """``classes`` interleaved spiral arms (cs231n's spiral set), about n / classes points each."""
    n = check_positive_int(n, "n", "make_spirals")
    classes = check_positive_int(classes, "classes", "make_spirals")
    _check_noise(noise, "make_spirals")
    rng = as_rng(rng)
    counts = [len(range(c, n, classes)) for c in range(classes)]
    y = np.repeat(np.arange(classes), counts)
    r = np.concatenate([np.linspace(0.05, 1, k) for k in counts])  # radius grows along an arm
    angle = y * 2 * np.pi / classes + 4 * r + rng.normal(0, noise, n)
    X = r[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    return _shuffled(X, y, rng)


def make_xor(n=200, *, noise=0.1, rng=None):
    """Points around the four corners (+-1, +-1); class 1 where the signs of x1 and x2 differ."""
    n = check_positive_int(n, "n", "make_xor")
    _check_noise(noise, "make_xor")
    rng = as_rng(rng)
    corners = rng.choice([-1.0, 1.0], size=(n, 2))
    X = corners + rng.normal(0, noise, size=(n, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return X, y


def make_curve(n=100, *, noise=0.1, x_range=(-3.0, 3.0), gap=None, rng=None):
    """A noisy 1-D regression set: y = sin(x) + x / 3 + noise, x uniform on ``x_range``.

    ``gap=(a, b)`` leaves out the points with a < x < b: a region without data, where a model
    should be uncertain (lesson 06, Monte-Carlo dropout). Returns X and y of shape (n, 1).
    """
    n = check_positive_int(n, "n", "make_curve")
    _check_noise(noise, "make_curve")
    lo, hi = _pair(x_range, "x_range")
    if not lo < hi:
        raise ValueError(f"make_curve: x_range must be (low, high), low < high, got {x_range!r}")
    if gap is not None:
        a, b = _pair(gap, "gap")
        if not lo <= a < b <= hi or (a, b) == (lo, hi):
            raise ValueError(f"make_curve: gap must be (a, b) with {lo:g} <= a < b <= {hi:g}, "
                             f"leaving some of x_range, got {gap!r}")
    rng = as_rng(rng)
    width = hi - lo - (0 if gap is None else gap[1] - gap[0])
    x = lo + rng.uniform(0, width, size=n)  # drawn on the line with the gap cut out ...
    if gap is not None:
        x = np.where(x > gap[0], x + gap[1] - gap[0], x)  # ... then the gap opened up again
    x = np.sort(x)
    y = curve(x) + rng.normal(0, noise, size=n)
    return x[:, None], y[:, None]


def _pair(value, name):
    """``value`` as two finite numbers ``(low, high)``, or a clear error naming make_curve."""
    try:
        low, high = value
    except (TypeError, ValueError):
        raise TypeError(f"make_curve: {name} must be a pair of numbers (low, high), got "
                        f"{value!r}") from None
    return check_number(low, name, "make_curve"), check_number(high, name, "make_curve")


def curve(x):
    """The noise-free function behind :func:`make_curve`."""
    return np.sin(x) + x / 3


def add_label_noise(y, fraction, *, rng=None, classes=None):
    """A copy of ``y`` in which a ``fraction`` of the labels, chosen at random, is changed.

    Every chosen label is changed to a different class, picked uniformly, so exactly
    ``round(fraction * len(y))`` labels are wrong and ``y_noisy != y`` marks them.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(
            f"add_label_noise expected a 1-D array of integer labels, got shape {y.shape} "
            f"and dtype {y.dtype}"
        )
    check_number(fraction, "fraction", "add_label_noise", low=0, high=1)
    if y.size == 0 and classes is None:
        return y.copy()  # no label to change (and no largest label to count the classes by)
    classes = int(y.max()) + 1 if classes is None else check_number(
        classes, "classes", "add_label_noise", integer=True)
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"add_label_noise: labels must lie in [0, {classes}), got values from "
                         f"{y.min()} to {y.max()}")
    if classes < 2:
        raise ValueError(f"add_label_noise: needs at least 2 classes, got {classes}")
    rng = as_rng(rng)
    flip = rng.choice(len(y), size=round(fraction * len(y)), replace=False)
    noisy = y.copy()
    # Adding 1..classes-1 modulo classes always lands on another class, each equally likely.
    noisy[flip] = (y[flip] + rng.integers(1, classes, size=len(flip))) % classes
    return noisy


def train_val_split(X, y, *, val_fraction=0.2, rng=None):
    """Shuffle and split into ``(X_train, y_train), (X_val, y_val)``."""
    X, y = _rows(X, y, "train_val_split")
    check_number(val_fraction, "val_fraction", "train_val_split", low=0, high=1, low_open=True,
                 high_open=True)
    order = as_rng(rng).permutation(len(X))
    n_val = max(1, round(val_fraction * len(X)))
    if n_val >= len(X):
        raise ValueError(f"train_val_split: {len(X)} example(s) with val_fraction={val_fraction:g} "
                         f"leave no training example; give more data or a smaller val_fraction")
    val, train = order[:n_val], order[n_val:]
    return (X[train], y[train]), (X[val], y[val])


def batches(X, y, batch_size, *, rng=None):
    """Yield ``(X_batch, y_batch)`` mini-batches covering the data once; shuffled when given rng.

    The last batch is smaller when ``batch_size`` does not divide the number of examples.
    """
    batch_size = check_positive_int(batch_size, "batch_size", "batches")
    X, y = _rows(X, y, "batches")
    order = np.arange(len(X)) if rng is None else as_rng(rng).permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def load_digits():
    """The 8x8 handwritten digits: 1,797 images of the classes 0..9.

    Returns ``X`` of shape (1797, 64), pixels scaled to [0, 1] (``X.reshape(-1, 8, 8)`` gives the
    images), and ``y`` of shape (1797,). Source: the test set of the UCI "Optical Recognition of
    Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998), CC BY 4.0, shipped with this package
    (see ``nnlesson/resources/README.md``).
    """
    with resources.files("nnlesson").joinpath("resources/digits.npz").open("rb") as f:
        data = np.load(f)
        images, labels = data["images"], data["labels"]
    return images.reshape(len(images), 64) / 16.0, labels.astype(np.int64)


def _rows(X, y, who):
    """``X`` and ``y`` as arrays of examples (one per row) of the same length, or a clear error."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{who}: X and y must hold one example per row, got shapes {X.shape} "
                         f"and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"{who}: X has {len(X)} rows but y has {len(y)}")
    return X, y


def _shuffled(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]
