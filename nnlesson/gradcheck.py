"""Gradient checking: compare a backward pass with numerical derivatives.

The derivative of f at x is approximated by central differences,
``(f(x + eps) - f(x - eps)) / (2 eps)``, whose error shrinks like eps^2. A correct float64 backward
agrees with it to a relative error of about 1e-7 or better; 1e-4 is suspicious; 1e-2 is a bug.
Central differences need float64: in float32 the round-off of f swamps a step of 1e-6.
"""

import copy

import numpy as np

from ._util import as_rng, check_number, float_array
from .checkpoint import random_states, set_states
from .layers import Module, Sequential


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of the scalar function ``f(x)`` with respect to the float64 array ``x``.

    Each element is nudged by +eps and -eps in place, then restored, so ``f`` may also read ``x``
    through another reference, such as a layer's ``W.data``. Returns an array of x's shape.
    """
    _check_arguments(f, x, eps, "numerical_gradient")
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


# -- below: the argument checks, and the diagnostics that explain a failed check --------------
def _check_arguments(f, x, eps, who):
    """Raise unless ``x`` is a writeable float64 array, ``eps`` > 0 and ``f`` a float64 loss."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = f"an array of {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{who} expected x to be a float64 numpy array (it is changed in place), got {got}"
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{who} needs x in float64, got {x.dtype}: with eps={eps:g} the round-off of "
            f"{x.dtype} swamps the difference. Use x.astype(np.float64) (and a float64 model)"
        )
    if not x.flags.writeable:
        raise ValueError(f"{who}: x is read-only, but it is nudged in place one element at a "
                         f"time (and restored); pass a writeable array such as x.copy()")
    check_number(eps, "eps", who, low=0, low_open=True)
    f_0 = f(x)
    if np.size(f_0) != 1 or np.asarray(f_0).dtype.kind not in "biuf":
        raise TypeError(f"{who} expected f(x) to return one real number (a loss), got "
                        f"{type(f_0).__name__} of shape {np.shape(f_0)}")
    if x.size and _computed_in_float32(f, x, f_0):
        raise TypeError(
            f"{who}: f(x) is computed in float32 (a float32 model turns x into float32), so its "
            f"round-off swamps a difference over eps={eps:g} and the gradient would be wrong by "
            f"about 1%; use a float64 model (dtype=np.float64), or nnlesson.gradcheck, which "
            f"checks a float64 copy of a model"
        )


def _computed_in_float32(f, x, f_0):
    """Whether f rounds to float32: it returns a float32, or two different non-integer values
    that are both exact float32 numbers (a float64 result almost never is one)."""
    if np.asarray(f_0).dtype == np.float32:
        return True
    old = x.copy()
    try:
        x *= 1.001  # a step large enough to change even a float32 f
        x += 0.001
        with np.errstate(all="ignore"):
            f_1 = f(x)
    except Exception:  # noqa: BLE001 - f undefined there (a log of a negative): no evidence
        return False
    finally:
        x[...] = old
    values = [float(f_0), float(f_1)]
    return (values[0] != values[1] and not all(v.is_integer() for v in values)
            and all(float(np.float32(v)) == v for v in values))


def _differences(f, x, eps):
    """(central differences, gap, round-off): ``gap`` is |right slope - left slope| per element,
    ``round-off`` the size of a slope central differences cannot tell from 0.

    The gap is about eps * f'' (tiny) where f is smooth and as large as the jump of the slope
    where a kink (ReLU at 0) lies within eps of x: there central differences are no derivative.
    A gap below the round-off of f (about 1e-16 |f| / eps) is no evidence of a kink: it is 0.
    """
    values = []  # f(x), then f(x + eps) and f(x - eps) for each element in turn

    def recording(v):
        value = f(v)
        values.append(float(value))
        return value

    grad = numerical_gradient(recording, x, eps)
    f_0 = values[0]
    ends = np.array(values[len(values) - 2 * x.size:]).reshape(x.shape + (2,))
    gap = np.array(np.abs((ends[..., 0] - f_0) - (f_0 - ends[..., 1])) / eps)
    round_off = 64 * np.finfo(np.float64).eps * max(abs(f_0), 1.0) / eps
    gap[gap < round_off] = 0.0
    return grad, gap, round_off


def rel_error(a, b, floor=1e-8):
    """The relative error between two arrays: max|a - b| / max(max|a|, max|b|, floor).

    Symmetric in a and b. It divides by the largest magnitude in either array, not element by
    element, because an element whose gradient is almost zero would turn harmless round-off into a
    huge "relative" error; ``floor`` keeps two all-zero arrays from dividing by zero.
    A NaN or infinity in either array gives NaN: never a pass.
    """
    floor = check_number(floor, "floor", "rel_error", low=0, low_open=True)
    a = float_array(a, "rel_error").astype(np.float64)
    b = float_array(b, "rel_error").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error expected arrays of the same shape, got {a.shape} and {b.shape}"
        )
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), floor)
    return float(np.max(np.abs(a - b)) / scale)


def _worst(errors):
    """The largest of ``errors``, NaN if any is NaN (Python's ``max`` would hide it)."""
    errors = np.asarray(list(errors), dtype=np.float64)
    return float("nan") if np.isnan(errors).any() else float(errors.max(initial=0.0))


class GradcheckReport:
    """The result of :func:`gradcheck`: one row per parameter and one for the input.

    ``errors`` maps each name ("0.W", "alpha", "input", ...) to its maximum relative error
    (NaN when the backward gave NaN or inf), ``max_error`` is the largest of them (NaN if any is),
    ``passed`` is True when all are below ``tol``, ``failed`` lists the names that are not.
    ``problems`` explains failures that have a known cause (a backward that adds into ``.grad``,
    ``backward_params`` disagreeing with ``backward``, an input on a kink). Printing the report
    shows a table. ``notes`` says what the check could not see (a mistake in a sum over the
    batch, on a batch of one example).
    """

    def __init__(self, title, rows, tol, problems=(), kinks=(), notes=()):
        self.title = title
        self.rows = rows  # (name, shape, error)
        self.tol = tol
        self.errors = {name: err for name, _, err in rows}
        self.problems = list(problems)
        self.kinks = list(kinks)  # names whose only mismatches lie within eps of a kink
        self.notes = list(notes)

    @property
    def failed(self):
        return [name for name, err in self.errors.items() if not err < self.tol]

    @property
    def passed(self):
        return not self.failed

    @property
    def max_error(self):
        return _worst(self.errors.values())

    def __repr__(self):
        width = max(len("parameter"), *(len(name) for name in self.errors))
        lines = [self.title, f"{'parameter':<{width}}  {'shape':<12}  max rel. error  ok"]
        for name, shape, err in self.rows:
            ok = "yes" if err < self.tol else "kink" if name in self.kinks else "NO"
            lines.append(f"{name:<{width}}  {str(shape):<12}  {err:<14.2e}  {ok}")
        verdict = "passed" if self.passed else "FAILED: " + ", ".join(self.failed)
        lines.append(f"{verdict} (tolerance {self.tol:g})")
        return "\n".join(lines + self.problems + self.notes)


def gradcheck(module, x, loss_fn=None, target=None, *, eps=1e-6, tol=1e-6, rng=0):
    """Check the backward pass of a layer or a whole model against numerical gradients.

    Compares dL/d(parameter) for every parameter and dL/dx for the input. With a ``loss_fn`` (and
    its ``target``) L is that loss; without, L = sum(output * G) for a fixed random G (drawn from
    ``rng``, and drawn again if it follows ``x``, as an input from the same seed would), which
    tests the backward for an arbitrary incoming gradient. The check runs on a float64 copy of
    ``module`` whatever its dtype, so the module itself is not changed. Random layers (Dropout)
    draw the same mask on every forward of the check.

    It also catches what a single backward on zeroed gradients cannot see: every ``.grad`` is
    filled with NaN before the backward, so a backward that adds into ``.grad`` (``+=``) instead
    of overwriting it fails; the backward runs a second time and must give the same gradients;
    ``backward_params`` must give the same parameter gradients as ``backward``. Each row's error
    is the worst of these runs. A mismatch that only appears where a kink (ReLU or PReLU at 0)
    lies within ``eps`` of the input is reported as such.

    Returns a :class:`GradcheckReport`; ``report.passed`` compares each maximum relative error
    with ``tol``.
    """
    if not isinstance(module, Module):
        raise TypeError(
            f"gradcheck expected a layer or model (such as Linear or Sequential) as its first "
            f"argument, got {type(module).__name__}"
        )
    if (loss_fn is None) != (target is None):
        raise ValueError("gradcheck: give both loss_fn and target, or neither")
    eps = check_number(eps, "eps", "gradcheck", low=0, low_open=True)
    tol = check_number(tol, "tol", "gradcheck", low=0, low_open=True)
    model = _float64_copy(module)
    x = np.array(float_array(x, "gradcheck"), dtype=np.float64)  # a copy: nudged in place below
    if x.size == 0:
        raise ValueError(f"gradcheck needs an input with at least one element, got shape "
                         f"{x.shape}: on an empty batch every gradient is 0 and any backward "
                         f"would pass")
    states = random_states([model])

    def forward():
        set_states([model], states)  # replay the same random numbers (Dropout's mask)
        return model(x)

    out = forward()
    if not isinstance(out, np.ndarray):
        raise TypeError(f"gradcheck: {module!r}.forward(x) should return a numpy array (the "
                        f"output), got {type(out).__name__}")
    if loss_fn is None:  # L = sum(output * G), so dL/d(output) is G
        G = _incoming_gradient(as_rng(rng), out.shape, x)
        dout = G

        def loss_of(out):
            return float(np.sum(out * G))
    else:
        loss_fn(out, target)
        dout = loss_fn.backward()

        def loss_of(out):
            return loss_fn(out, target)

    analytic = _analytic(model, x, dout, module)

    def f(_):  # the loss, with a parameter's data or x nudged in place
        return loss_of(forward())

    rows, problems, kinks, notes = [], [], [], []
    for name, data, grads in analytic:
        row, row_problems, row_notes, on_kink = _row(f, name, data, grads, eps, tol)
        rows.append(row)
        problems += row_problems
        notes += row_notes
        if on_kink:
            kinks.append(name)
    what = f"Sequential of {len(module)} layers" if isinstance(module, Sequential) else repr(module)
    title = f"gradcheck of {what}" + (f" with {loss_fn!r}" if loss_fn else "") + ", in float64"
    if x.ndim >= 2 and x.shape[0] == 1:
        notes.append("note: a batch of one example cannot show a mistake in a sum over the batch "
                     "(such as a bias gradient taken from the first row only): check a batch of "
                     "2 or more examples too")
    return GradcheckReport(title, rows, tol, problems, kinks, notes)


def _float64_copy(module):
    """A deep copy of ``module`` with every parameter and buffer in float64, its gradients 0."""
    model = copy.deepcopy(module)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
        p.grad = np.zeros_like(p.data)
    for m in model.modules():
        for name in m.buffer_names:  # BatchNorm's running statistics, used in eval mode
            setattr(m, name, getattr(m, name).astype(np.float64))
    return model


def _analytic(model, x, dout, module):
    """``[(name, data, [gradients])]`` for every parameter and the input: each gradient from one
    of the backward runs (see :func:`gradcheck`), which must all agree with the numbers.

    Runs: backward on .grad filled with NaN (one that adds keeps the NaN), again on .grad filled
    with 0 (it must repeat itself), and backward_params on NaN.
    """
    params = model.named_parameters()

    def run(backward, fill):
        for _, p in params:
            p.grad = np.full_like(p.data, fill)
        dx = backward(dout.copy())
        return dx, [np.array(p.grad, dtype=np.float64) for _, p in params]

    with np.errstate(invalid="ignore", over="ignore"):  # a NaN here is reported, not warned
        dx, poisoned = run(model.backward, np.nan)
        dx_again, zeroed = run(model.backward, 0.0)
        _, only_params = run(model.backward_params, np.nan)
    if dx is None or np.shape(dx) != x.shape:
        got = "None (a forgotten `return`?)" if dx is None else f"shape {np.shape(dx)}"
        raise ValueError(f"gradcheck: {module!r}.backward(dout) should return dL/dx of the "
                         f"input's shape {x.shape}, got {got}")
    analytic = [(name, p.data, [poisoned[i], zeroed[i], only_params[i]])
                for i, (name, p) in enumerate(params)]
    return analytic + [("input", x, [dx, dx_again])]


def _row(f, name, data, grads, eps, tol):
    """One row of the report: ``((name, shape, error), problems, notes, on_kink)``, comparing
    the backward runs' ``grads`` of ``data`` with central differences of ``f``."""
    first, *others = grads
    if first.shape != data.shape:
        return (name, data.shape, float("nan")), [
            f"{name}: its .grad has shape {first.shape}; it must have the shape of the "
            f"parameter, {data.shape}"], [], False
    numeric, gap, round_off = _differences(f, data, eps)
    errors = [rel_error(g, numeric) for g in grads]
    notes = []
    largest = _worst(np.max(np.abs(g), initial=0.0) for g in (numeric, *grads))
    if not _worst(errors) < tol and largest <= round_off:
        errors = [0.0]  # round-off on both sides: a true gradient of 0, a pass
        notes.append(
            f"note: {name} has a gradient of 0 (every element, numerical and from backward, "
            f"is at most {largest:.1e}, below the {round_off:.1e} central differences can "
            f"tell from 0): the loss does not depend on it here, as for a bias just before "
            f"a BatchNorm, whose mean subtraction cancels it"
        )
    problems = _explain(name, first, others, tol)
    on_kink = (not _worst(errors) < tol and np.isfinite(errors).all()
               and _on_kink(grads, numeric, gap, tol))
    if on_kink:
        problems.append(
            f"{name}: every mismatch sits within eps={eps:g} of a kink (such as a ReLU or "
            f"PReLU input at 0), where central differences are no derivative: probably not "
            f"a bug; check again with inputs away from the kink"
        )
    return (name, data.shape, _worst(errors)), problems, notes, on_kink


def _incoming_gradient(rng, shape, x):
    """The fixed random dL/d(output) G: standard normal, and unrelated to the input ``x``.

    An input drawn from the same seed as G (``default_rng(0)`` for both, the most common seed)
    would be G itself, or G scaled and shifted column by column (``rng.normal(loc, scale)``).
    Then x^T G is symmetric, so a transposed dW passes, and for a BatchNorm the true dL/dx
    cancels to almost 0, so a correct backward fails. Such a G is drawn again.
    """
    for _ in range(8):
        G = rng.standard_normal(shape)
        if not _follows(G, x):
            return G
    return G


def _follows(G, x):
    """Whether G and x (same shape) are almost proportional, as a whole or column by column
    after removing each column's mean."""
    if G.shape != x.shape or G.size < 2 or not np.isfinite(x).all():
        return False

    def collinear(a, b):
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        return na > 0 and nb > 0 and abs(np.vdot(a, b)) >= 0.99 * na * nb

    if collinear(G.ravel(), x.ravel()):
        return True
    if G.ndim < 2 or G.shape[0] < 3:
        return False
    G2, x2 = G.reshape(G.shape[0], -1), x.reshape(x.shape[0], -1)
    G2, x2 = G2 - G2.mean(axis=0), x2 - x2.mean(axis=0)
    return all(collinear(G2[:, j], x2[:, j]) for j in range(G2.shape[1]))


def _explain(name, first, others, tol):
    """Sentences naming a known cause of a failed row (empty when the row passed)."""
    if name == "input":
        if not np.array_equal(first, others[0], equal_nan=True):
            return ["input: a second backward(dout) gave a different dL/dx: does backward "
                    "change its cache or dout in place?"]
        return []
    zeroed, only_params = others
    problems = []
    if np.isnan(first).any() and np.isfinite(zeroed).all():
        problems.append(
            f"{name}: backward adds into .grad (`p.grad += ...`) or never sets it: .grad was "
            f"filled with NaN before backward and still holds NaN. Set it to a new array "
            f"instead: `p.grad = <the new array>`, such as `self.W.grad = dout.T @ x`"
        )
    elif not np.array_equal(first, zeroed, equal_nan=True):
        problems.append(f"{name}: a second backward(dout) gave a different gradient: does "
                        f"backward change its cache or dout in place?")
    if not rel_error(only_params, first) < tol and not np.isnan(first).any():
        problems.append(f"{name}: backward_params(dout) gives a different gradient than "
                        f"backward(dout) (relative error {rel_error(only_params, first):.2e})")
    return problems


def _on_kink(analytics, numeric, gap, tol):
    """True when every element that fails lies within eps of a kink.

    At a kink the central difference misses the one-sided slope by half the gap between the right
    and left slopes; where f is smooth that gap is tiny, so a larger error there is a real bug.
    """
    scale = max(np.max(np.abs(numeric), initial=0.0), 1e-8)
    any_failing = False
    for g in analytics:
        error = np.abs(g - numeric)
        failing = error / scale >= tol
        if (error[failing] > gap[failing]).any():
            return False
        any_failing = any_failing or failing.any()
    return any_failing
