"""Small helpers shared by the modules: random generators and argument checks."""

import numbers

import numpy as np


def as_rng(rng):
    """A ``np.random.Generator`` from a Generator, an integer seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, numbers.Integral):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be a np.random.Generator, an integer seed or None, got {type(rng).__name__}"
    )


def check_positive_int(value, name, who):
    """Raise a ValueError naming ``who`` unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")
    return int(value)


def float_array(x, who):
    """``x`` as a floating-point numpy array; integers and booleans become float64."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        if x.dtype.kind not in "biu":
            raise TypeError(f"{who} expected a numeric array, got dtype {x.dtype}")
        x = x.astype(np.float64)
    return x


def check_number(value, name, who, *, low=None, high=None, low_open=False, high_open=False,
                 integer=False):
    """``value`` as a float (or int with ``integer=True``), or a clear error naming ``who``.

    The one check every scalar argument goes through (learning rates, probabilities, noise levels,
    explorer settings): a real number (not a bool, string or array), finite, and inside
    ``[low, high]`` (``low_open`` / ``high_open`` exclude an end). Out-of-range values raise; they
    are never clipped.
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = "an integer" if integer else "a number"
        raise TypeError(f"{who}: {name} must be {expected}, got {value!r} ({type(value).__name__})")
    value = int(value) if integer else float(value)
    if not np.isfinite(value):
        raise ValueError(f"{who}: {name} must be finite, got {value!r}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{lo}, {hi}{right}"
        raise ValueError(f"{who}: {name} must be in {interval}, got {value:g}")
    return value
