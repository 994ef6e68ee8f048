"""Instant feedback for the lessons' code exercises.

Each ``check_*`` function runs a student's function on a few seeded cases (edge cases included),
compares the results with nnlesson's own, and prints one short verdict: a single line when all
cases pass, otherwise the first failing case and what is wrong with it (shape, sign, scale, or
the worst element). It never shows the reference code. With ``quiet=True`` it prints nothing and
returns True or False instead (for grading: ``assert check_linear_forward(f, quiet=True)``).
"""

import copy

import numpy as np

from .activations import sigmoid, sigmoid_derivative
from .train import EarlyStopping

PASS, FAIL = "\N{HEAVY CHECK MARK}", "\N{HEAVY BALLOT X}"


def _say(verdict, quiet):
    """Print the verdict; with ``quiet`` print nothing and return True or False instead."""
    ok, message = verdict
    if quiet:
        return ok
    print(f"{PASS if ok else FAIL} {message}")


def diagnose(expected, got, rtol=1e-6, atol=1e-9):
    """What is wrong with ``got`` compared with ``expected``, in words; None if nothing is."""
    if expected is None or isinstance(expected, (bool, int, np.integer)):
        same = got is None if expected is None else np.ndim(got) == 0 and got == expected
        return None if same else f"should be {expected!r}, got {got!r}"
    if got is None:
        return "is None: did you forget a `return`?"
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"should be a number or an array, got {type(got).__name__}"
    if got.shape != expected.shape:
        hint = " (transposed?)" if got.shape == expected.shape[::-1] and got.ndim == 2 else ""
        return f"should have shape {expected.shape}, got shape {got.shape}{hint}"
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return None
    if np.allclose(got, -expected, rtol=rtol, atol=atol):
        return "has the wrong sign everywhere"
    nonzero = np.abs(expected) > atol
    if nonzero.any() and np.allclose(got[~nonzero], 0, atol=atol):
        ratios = got[nonzero] / expected[nonzero]
        if np.allclose(ratios, ratios.flat[0], rtol=1e-6):
            return f"is {ratios.flat[0]:.4g} times the right value everywhere: check the scaling"
    error = np.abs(got - expected)
    worst = np.unravel_index(np.argmax(error), error.shape) if error.ndim else ()
    rel = error[worst] / max(abs(expected[worst]), abs(got[worst]), 1e-12)
    where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
    return (f"is wrong{where}: expected {expected[worst]:.6g}, got {got[worst]:.6g} "
            f"(relative error {rel:.2g})")


def run_cases(fn, cases, outputs, *, quiet=False):
    """Run ``fn(*args)`` for every ``(label, args, expected)`` case and print one verdict.

    ``outputs`` names what ``fn`` returns: one name, or several when it returns a tuple.
    """
    return _say(_verdict(fn, cases, outputs), quiet)


def _verdict(fn, cases, outputs):
    """(ok, message) for :func:`run_cases`."""
    name = getattr(fn, "__name__", "your function")
    for label, args, expected in cases:
        try:
            got = fn(*copy.deepcopy(args))  # a copy: an in-place change cannot spoil later cases
        except NotImplementedError:
            return False, (f"{name} is not implemented yet: replace "
                           f"`raise NotImplementedError()` with your code.")
        except Exception as error:  # noqa: BLE001 - any error is the student's to see, briefly
            return False, f"{name} raised {type(error).__name__} for {label}: {error}"
        if len(outputs) == 1:
            got, expected = (got,), (expected,)
        elif not isinstance(got, tuple) or len(got) != len(outputs):
            return False, (f"{name} should return a tuple ({', '.join(outputs)}), "
                           f"got {type(got).__name__}")
        for output, exp, g in zip(outputs, expected, got):
            problem = diagnose(exp, g)
            if problem:
                return False, f"{name}, {label}: {output} {problem}"
    labels = "; ".join(label for label, _, _ in cases)
    return True, f"{name} is correct on all {len(cases)} cases ({labels})."


def _rng(seed):
    return np.random.default_rng(seed)


# -- lesson 1 ----------------------------------------------------------------------------------
def check_linear_forward(fn, *, quiet=False):
    """``fn(x, W, b)``: the output ``x @ W.T + b`` of a fully connected layer."""
    cases = []
    for label, (batch, n_in, n_out), seed in [("a batch of 5", (5, 3, 4), 0),
                                              ("a batch of 1", (1, 3, 2), 1),
                                              ("a square layer", (4, 6, 6), 2)]:
        r = _rng(seed)
        x, W, b = r.normal(size=(batch, n_in)), r.normal(size=(n_out, n_in)), r.normal(size=n_out)
        cases.append((label, (x, W, b), x @ W.T + b))
    return run_cases(fn, cases, ["the output"], quiet=quiet)


# -- lesson 2 ----------------------------------------------------------------------------------
def check_collapse(fn, *, quiet=False):
    """``fn(W1, b1, W2, b2) -> (W, b)``: the single layer equal to two stacked linear layers."""
    cases = []
    for label, (n, h, m), seed in [("2 -> 5 -> 3", (2, 5, 3), 0), ("4 -> 1 -> 2", (4, 1, 2), 1)]:
        r = _rng(seed)
        W1, b1 = r.normal(size=(h, n)), r.normal(size=h)
        W2, b2 = r.normal(size=(m, h)), r.normal(size=m)
        cases.append((label, (W1, b1, W2, b2), (W2 @ W1, W2 @ b1 + b2)))
    return run_cases(fn, cases, ["W", "b"], quiet=quiet)


# -- lesson 3 ----------------------------------------------------------------------------------
def check_sigmoid_derivative(fn, *, quiet=False):
    """``fn(x)``: sigmoid'(x) element-wise."""
    r = _rng(0)
    cases = [(label, (x,), sigmoid_derivative(x)) for label, x in [
        ("an array of mixed signs", r.normal(0, 3, size=(4, 5))),
        ("negative inputs", -np.abs(r.normal(0, 3, size=7))),
        ("large inputs (+-50)", np.array([-50.0, 50.0])),
        ("zero", np.zeros(1)),
    ]]
    return run_cases(fn, cases, ["the derivative"], quiet=quiet)


def check_prelu_backward(fn, *, quiet=False):
    """``fn(x, alpha, dout) -> (dx, dalpha)``: the pReLU backward, alpha a scalar."""
    cases = []
    for label, shape, alpha, seed, sign in [("a batch of 4", (4, 3), 0.25, 0, 0),
                                            ("a batch of 1", (1, 5), 0.1, 1, 0),
                                            ("negative inputs only", (3, 3), 0.3, 2, -1),
                                            ("alpha = 0", (4, 3), 0.0, 3, 0)]:
        r = _rng(seed)
        x = r.normal(size=shape)
        x = -np.abs(x) if sign < 0 else x
        dout = r.normal(size=shape)
        negative = x <= 0
        expected = (np.where(negative, alpha * dout, dout), np.sum(dout * x * negative))
        cases.append((label, (x, alpha, dout), expected))
    return run_cases(fn, cases, ["dx", "dalpha"], quiet=quiet)


# -- lesson 4 ----------------------------------------------------------------------------------
def check_numerical_gradient(fn, *, quiet=False):
    """``fn(f, x, eps=1e-6)``: central differences of the scalar f at x; x left unchanged."""
    r = _rng(0)
    x1, x2 = r.normal(size=(3, 4)), r.normal(size=5)
    cases = [
        ("f(x) = sum(x^3) on a 3 x 4 array", (lambda v: float(np.sum(v ** 3)), x1),
         (3 * x1 ** 2, x1)),
        ("f(x) = sum(sigmoid(x)) on a vector", (lambda v: float(np.sum(sigmoid(v))), x2),
         (sigmoid_derivative(x2), x2)),
        ("f(x) = x0 * x1 on two numbers", (lambda v: float(v[0] * v[1]), np.array([2.0, -3.0])),
         (np.array([-3.0, 2.0]), np.array([2.0, -3.0]))),
    ]

    def gradient_and_x_after(f, x):
        return fn(f, x), x

    gradient_and_x_after.__name__ = getattr(fn, "__name__", "your function")
    return run_cases(gradient_and_x_after, cases,
                     ["the gradient", "x after the call (put each element back)"], quiet=quiet)


def check_linear_backward(fn, *, quiet=False):
    """``fn(x, W, dout) -> (dx, dW, db)``: the backward pass of ``y = x @ W.T + b``."""
    cases = []
    for label, (batch, n_in, n_out), seed in [("a batch of 6", (6, 3, 4), 0),
                                              ("a batch of 1", (1, 4, 2), 1),
                                              ("a square layer", (3, 5, 5), 2)]:
        r = _rng(seed)
        x, W, dout = r.normal(size=(batch, n_in)), r.normal(size=(n_out, n_in)), \
            r.normal(size=(batch, n_out))
        cases.append((label, (x, W, dout), (dout @ W, dout.T @ x, dout.sum(axis=0))))
    return run_cases(fn, cases, ["dx", "dW", "db"], quiet=quiet)


# -- lesson 5 ----------------------------------------------------------------------------------
def check_cache_bytes(fn, *, quiet=False):
    """``fn(depth, batch, width)``: bytes kept by depth x (Linear + Sigmoid) blocks in float64."""
    cases = [(f"depth {d}, batch {n}, width {w}", (d, n, w), d * n * w * 16)
             for d, n, w in [(3, 7, 20), (1, 1, 1), (10, 256, 512)]]
    return run_cases(fn, cases, ["the byte count"], quiet=quiet)


# -- lesson 6 ----------------------------------------------------------------------------------
def check_dropout(forward, backward, *, quiet=False):
    """``forward(x, p, rng) -> (out, mask)`` and ``backward(dout, mask, p) -> dx``.

    The mask must be drawn as ``rng.random(x.shape) >= p`` (True for kept units).
    """
    names = [getattr(fn, "__name__", "your function") for fn in (forward, backward)]
    forward_cases, backward_cases = [], []
    for label, shape, p, seed in [("p = 0.5", (4, 6), 0.5, 0),
                                  ("p = 0.2, batch of 1", (1, 8), 0.2, 1),
                                  ("p = 0", (3, 3), 0.0, 2), ("p = 0.9", (5, 5), 0.9, 3)]:
        r = _rng(seed)
        x, dout = r.normal(size=shape), r.normal(size=shape)
        mask = _rng(100 + seed).random(shape) >= p
        forward_cases.append((label, (x, p, _rng(100 + seed)), (mask, x * mask / (1 - p))))
        backward_cases.append((label, (dout, mask, p), dout * mask / (1 - p)))

    def mask_first(x, p, rng):  # compare the mask first: a wrong mask explains a wrong output
        result = forward(x, p, rng)
        return result[::-1] if isinstance(result, tuple) else result

    mask_first.__name__ = getattr(forward, "__name__", "forward")
    verdict = _verdict(mask_first, forward_cases, ["mask", "out"])
    if verdict[0]:
        verdict = _verdict(backward, backward_cases, ["dx"])
    if verdict[0]:
        verdict = True, f"{' and '.join(names)} are correct on all {len(forward_cases)} cases."
    return _say(verdict, quiet)


# -- lesson 7 ----------------------------------------------------------------------------------
def check_stopping_epoch(fn, *, quiet=False):
    """``fn(val_losses, patience, min_delta)``: the epoch (from 1) where the patience rule stops."""
    cases = []
    for label, losses, patience, min_delta in [
        ("a loss that turns up", [1.0, 0.8, 0.7, 0.75, 0.8, 0.9, 1.0], 2, 0.0),
        ("small gains below min_delta", [1.0, 0.8, 0.75, 0.72, 0.5, 0.45, 0.44], 2, 0.1),
        ("a loss that keeps falling", [1.0, 0.9, 0.8, 0.7], 2, 0.0),
        ("patience 1", [1.0, 1.0, 0.5], 1, 0.0),
    ]:
        expected, _ = EarlyStopping(patience, min_delta).replay(losses)
        cases.append((label, (losses, patience, min_delta), expected))
    return run_cases(fn, cases, ["the stopping epoch"], quiet=quiet)


# == lessons 8-10 (initialisation, batch normalization, capstone) ==============================
# One block, kept together at the end of the file.

def _batchnorm_reference(x, gamma, beta, eps):
    """(y, xhat, 1/sqrt(var + eps)) of a training-mode batch-norm forward."""
    inv_std = 1 / np.sqrt(x.var(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) * inv_std
    return gamma * xhat + beta, xhat, inv_std


def _batchnorm_cases():
    """(label, x, gamma, beta, eps) for the batch-norm checks, edge cases included."""
    cases = []
    # The first batch has a small spread (variance ~0.003), so that a forgotten eps shows.
    for label, shape, eps, spread, seed in [("a batch of 6, 3 features", (6, 3), 1e-5, 0.05, 0),
                                            ("a batch of 2", (2, 4), 1e-5, 3.0, 1),
                                            ("eps = 0.1", (5, 2), 0.1, 3.0, 2),
                                            ("a constant feature", (4, 3), 1e-5, 3.0, 3)]:
        r = _rng(seed)
        x = 2.0 + spread * r.normal(size=shape)
        if label == "a constant feature":
            x[:, 1] = 7.0
        cases.append((label, x, r.uniform(0.5, 2.0, shape[1]), r.normal(size=shape[1]), eps))
    return cases


def check_batchnorm_forward(fn, *, quiet=False):
    """``fn(x, gamma, beta, eps) -> y``: batch normalization in training mode, x of shape (N, d)."""
    cases = [(label, (x, gamma, beta, eps), _batchnorm_reference(x, gamma, beta, eps)[0])
             for label, x, gamma, beta, eps in _batchnorm_cases()]
    return run_cases(fn, cases, ["y"], quiet=quiet)


def check_running_update(fn, *, quiet=False):
    """``fn(running_mean, running_var, x, momentum) -> (running_mean, running_var)``.

    PyTorch's convention: ``(1 - momentum) * running + momentum * batch``, with the unbiased
    (N - 1) batch variance for the running variance.
    """
    cases = []
    for label, shape, momentum, seed in [("momentum 0.1, a batch of 8", (8, 3), 0.1, 0),
                                         ("momentum 0.5, a batch of 2", (2, 3), 0.5, 1),
                                         ("momentum 1", (5, 2), 1.0, 2)]:
        r = _rng(seed)
        x = 1.0 + 2.0 * r.normal(size=shape)
        mean, var = r.normal(size=shape[1]), r.uniform(0.5, 2.0, shape[1])
        expected = ((1 - momentum) * mean + momentum * x.mean(axis=0),
                    (1 - momentum) * var + momentum * x.var(axis=0, ddof=1))
        cases.append((label, (mean, var, x, momentum), expected))
    return run_cases(fn, cases, ["running_mean", "running_var"], quiet=quiet)


def check_batchnorm_backward(fn, *, quiet=False):
    """``fn(dout, xhat, inv_std, gamma) -> (dx, dgamma, dbeta)``: the training-mode backward."""
    cases = []
    for label, x, gamma, beta, eps in _batchnorm_cases():
        _, xhat, inv_std = _batchnorm_reference(x, gamma, beta, eps)
        n = x.shape[0]
        dout = _rng(10 + n).normal(size=x.shape)
        g = dout * gamma
        dx = inv_std / n * (n * g - g.sum(axis=0) - xhat * np.sum(g * xhat, axis=0))
        cases.append((label, (dout, xhat, inv_std, gamma),
                      (dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0))))
    return run_cases(fn, cases, ["dx", "dgamma", "dbeta"], quiet=quiet)


def check_init_std(fn, *, quiet=False):
    """``fn(fan_in, fan_out, activation)``: a normal init's std, Glorot ("tanh") or He ("relu")."""
    cases = [(f"{activation}, {fan_in} -> {fan_out}", (fan_in, fan_out, activation),
              np.sqrt(2 / fan_in) if activation == "relu" else np.sqrt(2 / (fan_in + fan_out)))
             for activation, fan_in, fan_out in [("tanh", 100, 100), ("tanh", 300, 100),
                                                 ("relu", 300, 100), ("relu", 64, 256)]]
    return run_cases(fn, cases, ["the std"], quiet=quiet)


def check_prelu_init_std(fn, *, quiet=False):
    """``fn(fan_in, alpha)``: He's std generalised to pReLU, sqrt(2 / ((1 + alpha^2) fan_in))."""
    cases = [(f"fan_in {fan_in}, alpha {alpha}", (fan_in, alpha),
              np.sqrt(2 / ((1 + alpha ** 2) * fan_in)))
             for fan_in, alpha in [(100, 0.25), (64, 0.0), (50, 1.0), (200, 0.5)]]
    return run_cases(fn, cases, ["the std"], quiet=quiet)


def check_confusion_matrix(fn, *, quiet=False):
    """``fn(y_true, y_pred, classes)``: counts ``[i, j]`` of true class i predicted as class j."""
    cases = []
    for label, n, classes, seed in [("30 labels, 4 classes", 30, 4, 0),
                                    ("a class never predicted", 12, 3, 1),
                                    ("one label", 1, 2, 2)]:
        r = _rng(seed)
        y_true = r.integers(0, classes, size=n)
        y_pred = np.where(r.random(n) < 0.6, y_true, r.integers(0, classes, size=n))
        if label == "a class never predicted":
            y_pred = np.where(y_pred == 2, 0, y_pred)
        expected = np.zeros((classes, classes))
        np.add.at(expected, (y_true, y_pred), 1)
        cases.append((label, (y_true, y_pred, classes), expected))
    return run_cases(fn, cases, ["the matrix"], quiet=quiet)


def check_recall(fn, *, quiet=False):
    """``fn(confusion)``: per class, the fraction of its images predicted correctly."""
    cases = []
    for label, matrix in [
        ("a 3-class matrix", np.array([[5, 1, 0], [2, 6, 2], [0, 0, 4]])),
        ("a perfect classifier", np.diag([3, 4])),
        ("a class never recognised", np.array([[0, 3], [1, 4]])),
    ]:
        cases.append((label, (matrix,), np.diag(matrix) / matrix.sum(axis=1)))
    return run_cases(fn, cases, ["the recall"], quiet=quiet)
