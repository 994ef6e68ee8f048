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
