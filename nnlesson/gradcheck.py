"""Gradient checking: compare a backward pass with numerical derivatives.

The derivative of f at x is approximated by central differences,
``(f(x + eps) - f(x - eps)) / (2 eps)``, whose error shrinks like eps^2. A correct float64 backward
agrees with it to a relative error of about 1e-7 or better; 1e-4 is suspicious; 1e-2 is a bug.
"""

import copy

import numpy as np

from ._util import as_rng
from .checkpoint import random_generators
from .layers import Sequential


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of the scalar function ``f(x)`` with respect to the array ``x``, numerically.

    ``x`` (a float array) is changed in place, one element at a time, and always restored, so
    ``f`` may also read ``x`` through another reference, such as a layer's ``W.data``.
    Returns an array of the shape of ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = f"an array of {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"numerical_gradient expected x to be a float numpy array (it is changed in place), "
            f"got {got}"
        )
    if not eps > 0:
        raise ValueError(f"numerical_gradient: eps must be positive, got {eps!r}")
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + eps
            f_plus = f(x)
            x[i] = old - eps
            f_minus = f(x)
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b, floor=1e-8):
    """The relative error between two arrays: max|a - b| / max(max|a|, max|b|, floor).

    Symmetric in a and b. It divides by the largest magnitude in either array, not element by
    element, because an element whose gradient is almost zero would turn harmless round-off into a
    huge "relative" error; ``floor`` keeps two all-zero arrays from dividing by zero.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error expected arrays of the same shape, got {a.shape} and {b.shape}"
        )
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), floor)
    return float(np.max(np.abs(a - b)) / scale)


class GradcheckReport:
    """The result of :func:`gradcheck`: one row per parameter and one for the input.

    ``errors`` maps each name ("0.W", "alpha", "input", ...) to its maximum relative error,
    ``passed`` is True when all are below ``tol``, ``failed`` lists the names that are not.
    Printing the report shows a table.
    """

    def __init__(self, title, rows, tol):
        self.title = title
        self.rows = rows  # (name, shape, error)
        self.tol = tol
        self.errors = {name: err for name, _, err in rows}

    @property
    def failed(self):
        return [name for name, err in self.errors.items() if not err < self.tol]

    @property
    def passed(self):
        return not self.failed

    @property
    def max_error(self):
        return max(self.errors.values())

    def __repr__(self):
        width = max(len("parameter"), *(len(name) for name in self.errors))
        lines = [self.title, f"{'parameter':<{width}}  {'shape':<12}  max rel. error  ok"]
        for name, shape, err in self.rows:
            ok = "yes" if err < self.tol else "NO"
            lines.append(f"{name:<{width}}  {str(shape):<12}  {err:<14.2e}  {ok}")
        verdict = "passed" if self.passed else "FAILED: " + ", ".join(self.failed)
        lines.append(f"{verdict} (tolerance {self.tol:g})")
        return "\n".join(lines)


def gradcheck(module, x, loss_fn=None, target=None, *, eps=1e-6, tol=1e-6, rng=0):
    """Check the backward pass of a layer or a whole model against numerical gradients.

    Compares dL/d(parameter) for every parameter and dL/dx for the input. With a ``loss_fn`` (and
    its ``target``) L is that loss; without, L = sum(output * G) for a fixed random G, which tests
    the backward for an arbitrary incoming gradient. The check runs on a float64 copy of
    ``module`` whatever its dtype, so the module itself is not changed. Random layers (Dropout)
    draw the same mask on every forward of the check. Returns a :class:`GradcheckReport`;
    ``report.passed`` compares each maximum relative error with ``tol``.
    """
    model = copy.deepcopy(module)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
        p.grad = np.zeros_like(p.data)
    x = np.array(x, dtype=np.float64)  # a copy: numerical_gradient nudges it in place
    G = None
    generators = random_generators(model)
    states = [g.bit_generator.state for g in generators]

    def forward():
        for g, state in zip(generators, states):
            g.bit_generator.state = state  # replay the same random numbers (Dropout's mask)
        return model(x)

    def loss_of(out):
        if loss_fn is not None:
            return loss_fn(out, target)
        return float(np.sum(out * G))

    out = forward()
    if loss_fn is None:
        G = as_rng(rng).standard_normal(out.shape)
        dout = G
    else:
        loss_of(out)
        dout = loss_fn.backward()
    dx = model.backward(dout)

    def f(_):
        return loss_of(forward())

    rows = []
    for name, p in model.named_parameters():
        analytic = np.array(p.grad, dtype=np.float64)
        rows.append((name, p.data.shape, rel_error(analytic, numerical_gradient(f, p.data, eps))))
    rows.append(("input", x.shape, rel_error(dx, numerical_gradient(f, x, eps))))
    what = f"Sequential of {len(module)} layers" if isinstance(module, Sequential) else repr(module)
    title = f"gradcheck of {what}" + (f" with {loss_fn!r}" if loss_fn else "") + ", in float64"
    return GradcheckReport(title, rows, tol)

