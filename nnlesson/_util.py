"""Small helpers shared by the modules: random generators, argument checks and the grad mode."""

import contextvars
import numbers
from contextlib import contextmanager

import numpy as np

# Whether forwards keep what backward needs. A ContextVar, not a global: a ``no_grad()`` block in
# another thread (a widget callback, a background plot) must not switch off this thread's training.
_grad_enabled = contextvars.ContextVar("nnlesson_grad_enabled", default=True)


@contextmanager
def no_grad():
    """Inference mode: inside ``with no_grad():`` layers keep nothing for backward.

    A forward inside it also drops what an earlier forward kept, so a later backward cannot use
    stale values: it raises a RuntimeError instead. The mode belongs to the current thread (and
    asyncio task): other threads are not affected.
    """
    token = _grad_enabled.set(False)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def grad_enabled():
    """True unless the caller is inside ``with no_grad():``."""
    return _grad_enabled.get()


def as_rng(rng):
    """A ``np.random.Generator`` from a Generator, an integer seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be a np.random.Generator, an integer seed or None, got {type(rng).__name__}"
    )


def check_positive_int(value, name, who):
    """Raise a ValueError naming ``who`` unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")
    return int(value)


def float_array(x, who, dtype=None):
    """``x`` as a real floating-point numpy array, or a clear error naming ``who``.

    The one input check of every layer, loss and function. The dtype is decided here, once:
    ``dtype`` if given (a float32 model turns float64 data into float32); otherwise a float array
    keeps its dtype, and integers and booleans become float64. Complex numbers, strings, None and
    other objects are refused (numpy would drop an imaginary part or turn None into NaN).
    The array is the caller's own when no conversion was needed: do not change it in place.
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and (dtype is None or x.dtype == dtype):
        return x  # the common case, first: this check runs a dozen times per training step
    if not isinstance(who, str):
        who = repr(who)  # a layer names itself; its repr is only built when there is an error
    if x is None:
        raise TypeError(f"{who} expected a numeric array, got None")
    try:
        a = np.asarray(x)
    except (TypeError, ValueError) as error:  # ragged lists
        raise TypeError(
            f"{who} expected a numeric array, got {type(x).__name__}: {error}"
        ) from None
    if a.dtype.kind == "c":
        raise TypeError(f"{who} expected real numbers, got complex dtype {a.dtype}")
    if a.dtype.kind not in "fbiu":
        what = f"dtype {a.dtype}" if a.dtype.kind != "O" else "an array of Python objects"
        raise TypeError(f"{who} expected a numeric array, got {what} (from {type(x).__name__})")
    if dtype is None:
        dtype = a.dtype if a.dtype.kind == "f" else np.float64
    return a.astype(dtype, copy=False)


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


def private(a):
    """``a`` itself when nothing can change it in place, else a copy of it that only we hold.

    "Nothing can change it": ``a`` and every array it is a view of are read-only. Arrays a layer
    keeps from its caller for backward go through this, so that the caller changing an input in
    place later cannot silently change the gradients. (The copy stays writeable: nobody else has
    it, and making an array read-only costs more than copying a small one.)
    """
    base = a
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return a.copy()
        base = base.base
    return a


def check_choice(value, options, name, who):
    """The option equal to ``value`` (a string, or any real number such as ``np.int64(8)``),
    else a clear error listing the options."""
    for option in options:
        if isinstance(option, str) and isinstance(value, str) and value == option:
            return option
        if (not isinstance(option, str) and isinstance(value, numbers.Real)
                and not isinstance(value, bool) and value == option):
            return option
    raise ValueError(f"{who}: {name} must be one of {list(options)}, got {value!r}")
