"""The stored cases of the assignments' instant checks: ``python tools/expected_values.py``.

The checks in ``nnlesson/checks/a1.py`` (and the other assignments' modules that load stored
cases) compare a student's function with expected values for fixed inputs. Those values are
computed here, by reference solutions that live only in this file (never in the installed
package: a student who reads ``a1.check_linear_backward??`` finds inputs and numbers, not the
answer), and written to ``nnlesson/checks/expected/NAME.npz``:

    python tools/expected_values.py            # rewrite nnlesson/checks/expected/*.npz
    python tools/expected_values.py --out DIR  # write them into DIR instead (the test compares)

Each file holds, per check, its cases in order: ``TASK/CASE/FIELD`` is an array (a number, a
label as a 0-d string, a list as ``TASK/CASE/FIELD/0``, ``.../1``, ...); inputs, the expected
outputs, and the results of the typical mistakes that are close to the answer (so that the
check can still name the mistake without computing the answer). ``nnlesson.checks.stored``
reads them back. ``tests/tooling/test_expected_values.py`` regenerates the files in a temporary
folder and asserts they hold what is stored: change a case or a reference here, rerun this
script, and commit the .npz files with it.
"""

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "nnlesson" / "checks" / "expected"
NONE = "<None>"  # how a None is stored (npz holds arrays only)
SPEED_ROWS = 20  # a speed case's batch is these rows repeated (stored once, small)
SPEED_REPEATS = 100  # ... this many times: a batch of 2000


def rng(seed):
    return np.random.default_rng(seed)


# == the reference solutions of assignment 1 =====================================================
def linear_forward(x, W, b):
    return x @ W.T + b


def linear_backward(x, W, dout):
    return dout @ W, dout.T @ x, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(x, dout):
    return dout * (x > 0)


def log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(z, y):
    n = len(y)
    logp = log_softmax(z)
    dz = np.exp(logp)
    dz[np.arange(n), y] -= 1
    return -logp[np.arange(n), y].mean(), dz / n


def rel_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-8)


def momentum_steps(params, grad_steps, lr, momentum, *, rule="sum"):
    """Every step's [*params, *velocities] of SGD with momentum, v = m v + g, p -= lr v.
    ``rule``: "average" (v = m v + (1 - m) g) and "nesterov" (p -= lr (g + m v)) are mistakes."""
    params = [p.copy() for p in params]
    velocities = [np.zeros_like(p) for p in params]
    history = []
    for grads in grad_steps:
        for p, g, v in zip(params, grads, velocities):
            v[...] = momentum * v + ((1 - momentum) * g if rule == "average" else g)
            p[...] = p - lr * (g + momentum * v if rule == "nesterov" else v)
        history.append([p.copy() for p in params] + [v.copy() for v in velocities])
    return history


def mlp_loss_and_grads(params, X, y):
    """(loss, grads, dL/dh, dL/dscores): the last two make the stored mistakes."""
    W1, b1, W2, b2 = params
    z = X @ W1.T + b1
    h = np.maximum(z, 0)
    loss, ds = softmax_cross_entropy(h @ W2.T + b2, y)
    dh = ds @ W2
    dz = dh * (z > 0)
    return loss, [dz.T @ X, dz.sum(axis=0), ds.T @ h, ds.sum(axis=0)], dh, ds


# == assignment 1's cases =========================================================================
def _linear_data(batch, n_in, n_out, seed, *, whole=False):
    """x, W, b, dout of a linear layer; ``whole``: small whole numbers (a speed case: exact
    products, and the stored file compresses them to a few bits each)."""
    r = rng(seed)
    draw = (lambda size: r.integers(-3, 4, size=size).astype(float)) if whole else \
        (lambda size: r.normal(size=size))
    return draw((batch, n_in)), draw((n_out, n_in)), draw(n_out), draw((batch, n_out))


def _repeat(a):
    return np.tile(a, (SPEED_REPEATS, 1))


def a1_cases():
    """{check: [case, ...]} of assignment 1, each case a dict of its fields."""
    cases = {name: [] for name in ("linear_forward", "linear_backward", "relu",
                                   "softmax_cross_entropy", "rel_error", "gradient_errors",
                                   "minibatches", "sgd_momentum_step", "mlp_loss_and_grads")}
    # Part 1: a speed case repeats SPEED_ROWS rows (the check tiles them): its batch of 2000
    # takes a loop seconds, while the file stores only 20 rows of x, dout, y and dx
    for label, sizes, seed, speed in [("a batch of 5, 3 -> 4", (5, 3, 4), 0, False),
                                      ("a batch of 1, 3 -> 2", (1, 3, 2), 1, False),
                                      ("a square layer, 4 -> 4", (6, 4, 4), 2, False),
                                      ("a batch of 2000, 100 -> 100 (speed)",
                                       (SPEED_ROWS, 100, 100), 3, True)]:
        x, W, b, _ = _linear_data(*sizes, seed, whole=speed)
        cases["linear_forward"].append({"label": label, "speed": speed,
                                        "repeats": SPEED_REPEATS if speed else 1, "x": x, "W": W,
                                        "b": b, "y": linear_forward(x, W, b)})
    for label, sizes, seed, speed in [("a batch of 6, 3 -> 4", (6, 3, 4), 0, False),
                                      ("a batch of 1, 4 -> 2", (1, 4, 2), 1, False),
                                      ("a square layer, 5 -> 5", (3, 5, 5), 2, False),
                                      ("a batch of 2000, 100 -> 100 (speed)",
                                       (SPEED_ROWS, 100, 100), 3, True)]:
        x, W, _, dout = _linear_data(*sizes, seed, whole=speed)
        full_x, full_dout = (_repeat(x), _repeat(dout)) if speed else (x, dout)
        dx, dW, db = linear_backward(full_x, W, full_dout)
        cases["linear_backward"].append({"label": label, "speed": speed,
                                         "repeats": SPEED_REPEATS if speed else 1, "x": x,
                                         "W": W, "dout": dout, "dx": dx[:len(x)], "dW": dW,
                                         "db": db})
    # Part 2
    r = rng(0)
    inputs = [("mixed signs", r.normal(size=(4, 5))),
              ("all negative", -np.abs(r.normal(size=(2, 3)))),
              ("exact zeros (the kink: output 0, gradient 0)", np.array([[0.0, 1.0, -1.0, 0.0]]))]
    r = rng(1)
    for label, x in inputs:
        dout = r.normal(size=x.shape)
        cases["relu"].append({"label": label, "x": x, "dout": dout, "out": relu_forward(x),
                              "dx": relu_backward(x, dout)})
    # Part 3
    for label, seed, hint in [("a batch of 4, 3 classes", 0, ""),
                              ("a batch of 1, 5 classes", 1, ""),
                              ("a batch of 6, 10 classes", 2, ""),
                              ("logits near 1000", 3, "overflow"),
                              ("a confident wrong answer (the true class 1000 below the best)", 4,
                               "log0")]:
        r = rng(seed)
        if seed == 3:
            z, y = 1000 + r.normal(size=(3, 4)), r.integers(0, 4, size=3)
        elif seed == 4:
            z, y = np.array([[1000.0, 0.0, 0.0], [0.5, 2.0, -1.0]]), np.array([1, 1])
        else:
            n, c = [(4, 3), (1, 5), (6, 10)][seed]
            z, y = r.normal(0, 2, size=(n, c)), r.integers(0, c, size=n)
        loss, dz = softmax_cross_entropy(z, y)
        # for the mistake of clipping p (log(p + 1e-12)): the examples whose true-class
        # probability underflows to 0, and the summed loss of the others
        true_log_p = log_softmax(z)[np.arange(len(y)), y]
        lost = np.exp(true_log_p) < 1e-300
        cases["softmax_cross_entropy"].append({"label": label, "hint": hint, "z": z, "y": y,
                                               "loss": loss, "dz": dz,
                                               "probs": np.exp(log_softmax(z)),
                                               "n_lost": int(lost.sum()),
                                               "kept_loss": float(-true_log_p[~lost].sum())})
    # Part 4
    r = rng(0)
    g = r.normal(size=(3, 4))
    pairs = [("two close arrays", g, g + 1e-6 * r.normal(size=g.shape)),
             ("b twice a", g, 2 * g),
             ("opposite signs", g, -g),
             ("different sizes (b larger): divide by the larger", np.array([1.0, 2.0]),
              np.array([1.0, 4.0])),
             ("a tiny entry next to a large one", np.array([1e-12, 1.0]), np.array([2e-12, 1.0])),
             ("two arrays of zeros (no division by zero)", np.zeros(3), np.zeros(3)),
             ("entries of about 1e-8 (where the floor must not be added)", np.array([5e-8]),
              np.array([2e-8]))]
    for label, a, b in pairs:
        cases["rel_error"].append({
            "label": label, "a": a, "b": b, "error": rel_error(a, b),
            # the typical mistakes: element by element, and max|a| alone as the scale
            "elementwise": np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)),
                                                             1e-8)),
            "by_a": (np.max(np.abs(a - b)) / np.max(np.abs(a)) if np.any(a) else np.nan),
            # and the element-wise formula many know (cs231n's), and the sum of the scales
            "cs231n": np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)),
            "by_sum": np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-8),
            # a sum over the entries as the scale (review r11): the L1 sums, or the norms
            "by_entry_sums": np.max(np.abs(a - b)) / max(np.sum(np.abs(a)), np.sum(np.abs(b)),
                                                         1e-8),
            "by_total": np.max(np.abs(a - b)) / max(np.sum(np.abs(a)) + np.sum(np.abs(b)), 1e-8),
            "by_norms": np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-8),
            "by_larger_norm": np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b),
                                                          1e-8),
            # the mean difference over the scale: one bad entry is averaged away
            "mean_difference": np.mean(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)),
                                                             1e-8),
            # the floor added to the scale instead of taken as its least value
            "floor_added": np.max(np.abs(a - b)) / (max(np.max(np.abs(a)), np.max(np.abs(b)))
                                                    + 1e-8)})
    from nnlesson.checks import a1

    for label, _, grads, right in a1._gradient_error_inputs():
        cases["gradient_errors"].append({"label": label, "errors": np.array(
            [rel_error(g, n) for g, n in zip(grads, right)])})
    # Part 5
    for label, n, batch_size, seed in [("10 examples in batches of 4", 10, 4, 0),
                                       ("8 examples in batches of 4", 8, 4, 1),
                                       ("5 examples, batch_size 8", 5, 8, 2),
                                       ("6 examples in batches of 1", 6, 1, 3)]:
        cases["minibatches"].append({"label": label, "n": n, "batch_size": batch_size,
                                     "seed": seed, "order": rng(seed).permutation(n)})
    for label, lr, momentum, seed in [("momentum 0.9, lr 0.1", 0.1, 0.9, 0),
                                      ("momentum 0 (plain SGD), lr 0.5", 0.5, 0.0, 1),
                                      ("momentum 0.5, lr 0.01", 0.01, 0.5, 2)]:
        r = rng(seed)
        params = [r.normal(size=(3, 2)), r.normal(size=3)]
        grad_steps = [[r.normal(size=p.shape) for p in params] for _ in range(3)]
        case = {"label": label, "lr": lr, "momentum": momentum, "params": params}
        for step, (grads, want, plain, average, nesterov) in enumerate(zip(
                grad_steps, momentum_steps(params, grad_steps, lr, momentum),
                momentum_steps(params, grad_steps, lr, 0.0),
                momentum_steps(params, grad_steps, lr, momentum, rule="average"),
                momentum_steps(params, grad_steps, lr, momentum, rule="nesterov")), 1):
            case.update({f"grads{step}": grads, f"expected{step}": want, f"plain{step}": plain,
                         f"average{step}": average, f"nesterov{step}": nesterov})
        cases["sgd_momentum_step"].append(case)
    # Part 6
    from nnlesson.checks import mlp_cases

    for label, X, y, params in mlp_cases():
        loss, grads, through, dscores = mlp_loss_and_grads(params, X, y)
        W1, b1 = params[:2]
        cases["mlp_loss_and_grads"].append({
            "label": label, "X": X, "y": y, "params": params, "loss": loss, "grads": grads,
            # the mistake "the ReLU lets every gradient through": dW1 from the unmasked dh
            "unmasked_dW1": through.T @ X,
            # the mistake "the second layer's input is z": dW2 from the pre-ReLU z
            "pre_relu_dW2": dscores.T @ (X @ W1.T + b1)})
    return cases


# == assignment 3: the reference solutions and the typical mistakes ==============================
# The typical mistakes are whole wrong implementations (each differs from the answer in one
# place), so they live here too: the file stores their results, "mistake_<id>", and the check
# names the mistake (by the same id) whose results equal the student's on every case.
DROPOUT_CASES = [("p = 0.5, a batch of 4", (4, 6), 0.5, 100),  # (label, shape, p, seed)
                 ("p = 0.2, a batch of 1", (1, 8), 0.2, 101),
                 ("p = 0 (nothing dropped)", (3, 3), 0.0, 102),
                 ("p = 0.9", (5, 5), 0.9, 103),
                 ("p = 0.95, every unit dropped", (1, 6), 0.95, 7)]  # seed 7 drops all 6


def dropout_forward(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return np.where(mask, x / (1 - p), 0.0), mask


def _dropout_variant(scale, *, keep=lambda u, p: u >= p, none_at_zero=False):
    def wrong(x, p, rng, training=True):
        if none_at_zero and p == 0:
            return x, None
        p = np.float64(p)  # numpy's division: 1 / 0 is inf, as in a student's numpy code
        mask = keep(rng.random(x.shape), p)
        return x * mask * scale(p, mask), mask
    return wrong


DROPOUT_FORWARD_MISTAKES = {
    "none_at_zero": _dropout_variant(lambda p, m: 1 / (1 - p), none_at_zero=True),
    "keep_with_p": _dropout_variant(lambda p, m: 1 / (1 - p), keep=lambda u, p: u < p),
    "unscaled": _dropout_variant(lambda p, m: 1),
    "times_keep": _dropout_variant(lambda p, m: 1 - p),
    "over_p": _dropout_variant(lambda p, m: 1 / p),
    "times_p": _dropout_variant(lambda p, m: p),
    "kept_fraction": _dropout_variant(lambda p, m: 1 / m.mean()),
    # cs231n's mask, scaled: (rng.random(x.shape) >= p) / (1 - p), returned as the mask
    "scaled_mask": lambda x, p, rng, training=True: (lambda out, mask: (
        out, mask / (1 - np.float64(p))))(*dropout_forward(x, p, rng)),
}
DROPOUT_EVAL_MISTAKES = {
    "drops_anyway": lambda x, p, rng, training=True: dropout_forward(x, p, rng, True),
    "scales_at_eval": lambda x, p, rng, training=True: (x * (1 - p), None),
}


def dropout_backward(dout, mask, p):
    return dout if mask is None else np.where(mask, dout / (1 - p), 0.0)


DROPOUT_BACKWARD_MISTAKES = {
    "no_mask": lambda dout, mask, p: dout / (1 - p),
    "unscaled": lambda dout, mask, p: dout if mask is None else dout * mask,
    "over_p": lambda dout, mask, p: dout if mask is None else dout * mask / p,
    "times_keep": lambda dout, mask, p: dout if mask is None else dout * mask * (1 - p),
}

STOPPING_CASES = [
    ("a loss that turns up, patience 2", [1.0, 0.8, 0.7, 0.75, 0.8, 0.9, 1.0], 2, 0.0),
    ("a plateau of equal losses (equal is not an improvement)",
     [1.0, 0.8, 0.8, 0.8, 0.7, 0.6], 2, 0.0),
    ("gains smaller than min_delta = 0.1", [1.0, 0.8, 0.75, 0.72, 0.5, 0.45], 2, 0.1),
    ("a gain of exactly min_delta = 0.25 (not more: no improvement)",
     [1.0, 0.75, 0.5, 0.3, 0.2], 2, 0.25),
    ("a loss that keeps falling (never stops)", [1.0, 0.9, 0.8, 0.7], 2, 0.0),
    ("never stops, its last improvement in epoch 3 of 5",
     [1.0, 0.8, 0.6, 0.65, 0.7], 3, 0.0),
    ("never stops, its lowest loss a gain smaller than min_delta = 0.1 (no improvement)",
     [1.0, 0.95, 0.92], 3, 0.1),
    ("a bump, patience 3 (compare with the best, not the previous epoch)",
     [1.0, 0.6, 0.9, 0.8, 0.7, 0.65, 0.62], 3, 0.0),
    ("patience 1", [1.0, 1.0, 0.5], 1, 0.0),
    ("patience runs out on the last epoch, patience 2", [1.0, 2.0, 3.0], 2, 0.0),
    ("a numpy array of 12 losses, patience 4", np.array(
        [2.3, 1.9, 1.6, 1.5, 1.45, 1.47, 1.44, 1.5, 1.52, 1.49, 1.6, 1.7]), 4, 0.02),
]


def early_stopping(losses, patience, min_delta, *, stop_after=None, improves=None, best_of=None,
                   against=None):
    """(stopped epoch or None, best epoch); the keywords swap one part, for the mistakes."""
    stop_after = stop_after or (lambda wait: wait >= patience)
    improves = improves or (lambda loss, best: loss < best - min_delta)
    best, best_epoch, wait, previous = np.inf, None, 0, np.inf
    for epoch, loss in enumerate(losses, start=1):
        reference = previous if against == "previous" else best
        if improves(loss, reference):
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
        previous = loss
        if stop_after(wait):
            break
    else:
        epoch = None
    if best_of == "last":
        return epoch, epoch if epoch is not None else len(losses)
    if best_of == "last_if_never":
        return epoch, best_epoch if epoch is not None else len(losses)
    if best_of == "argmin":
        seen = losses if epoch is None else losses[:epoch]
        return epoch, int(np.argmin(seen)) + 1
    return epoch, best_epoch


STOPPING_MISTAKES = {
    "late": lambda v, p, d: early_stopping(v, p, d, stop_after=lambda wait: wait > p),
    "early": lambda v, p, d: early_stopping(v, p, d, stop_after=lambda wait: wait >= p - 1),
    "restores_last": lambda v, p, d: early_stopping(v, p, d, best_of="last"),
    "last_if_never": lambda v, p, d: early_stopping(v, p, d, best_of="last_if_never"),
    "non_strict": lambda v, p, d: early_stopping(
        v, p, d, improves=lambda loss, best: loss <= best - d),
    "argmin": lambda v, p, d: early_stopping(v, p, d, best_of="argmin"),
    "previous": lambda v, p, d: early_stopping(v, p, d, against="previous"),
    "no_min_delta": lambda v, p, d: early_stopping(v, p, 0.0),
    # a relative threshold (PyTorch's threshold_mode='rel'): V_t < V* (1 - min_delta)
    "relative": lambda v, p, d: early_stopping(
        v, p, d, improves=lambda loss, best: loss < best * (1 - d)),
    # patience tested when the next epoch starts (Keras' `if wait >= patience` at the loop's top):
    # running out on the last epoch is then no stop
    "at_next_epoch": lambda v, p, d: (lambda stopped, best: (
        None if stopped == len(v) else stopped, best))(*early_stopping(v, p, d)),
    "none_if_never": lambda v, p, d: (lambda stopped, best: (
        stopped, None if stopped is None else best))(*early_stopping(v, p, d)),
}


def l2_penalty(params, lam, *, penalty_scale=1.0, grad_scale=2.0, biases=False,
               grad_biases=False, norm=False):
    """(lam * sum of the weights' squares, its gradient per parameter); the keywords: mistakes
    (``norm``: the penalty sums the weights' norms, not squared, with the right gradient)."""
    decayed = [w for w in params if biases or np.ndim(w) == 2]
    size = np.linalg.norm if norm else (lambda w: np.sum(w ** 2))
    penalty = penalty_scale * lam * sum(float(size(w)) for w in decayed)
    return penalty, [grad_scale * lam * w if biases or grad_biases or np.ndim(w) == 2
                     else np.zeros_like(w) for w in params]


def l2_of_norms(params, lam):
    """The unsquared norm's penalty with its own gradient, lam * W / ||W||."""
    penalty, _ = l2_penalty(params, lam, norm=True)
    return penalty, [lam * w / np.linalg.norm(w) if np.ndim(w) == 2 else np.zeros_like(w)
                     for w in params]


L2_MISTAKES = {
    "no_factor_2": lambda params, lam: l2_penalty(params, lam, grad_scale=1.0),
    "biases": lambda params, lam: l2_penalty(params, lam, biases=True),
    "biases_in_grad": lambda params, lam: l2_penalty(params, lam, grad_biases=True),
    "half": lambda params, lam: l2_penalty(params, lam, penalty_scale=0.5, grad_scale=1.0),
    "no_lam": lambda params, lam: (l2_penalty(params, 1.0)[0],
                                   [g * lam for g in l2_penalty(params, 1.0)[1]]),
    "norm": lambda params, lam: l2_penalty(params, lam, norm=True),
    "norm_grad": l2_of_norms,
}


def _mistakes(mistakes, args, *, single=False):
    """{"mistake_<id>": result} of each mistake that runs on ``args`` (a fresh copy each); a
    tuple result as a list, or with ``single`` the one array it returns."""
    import copy

    found = {}
    for name, wrong in mistakes.items():
        try:
            with np.errstate(all="ignore"):
                result = wrong(*copy.deepcopy(args))
            found[f"mistake_{name}"] = result if single else list(result)
        except Exception:  # noqa: BLE001 - a mistake that cannot run on a case matches nothing
            pass
    return found


def a3_cases():
    cases = {"dropout_forward": [], "dropout_eval": [], "dropout_backward": [],
             "early_stopping": [], "l2_penalty": []}
    for label, shape, p, seed in DROPOUT_CASES:
        x = rng(seed + 1000).normal(size=shape)
        out, mask = dropout_forward(x, p, rng(seed))
        mistakes = {key: value[::-1] for key, value in   # (mask, out): the check's order
                    _mistakes(DROPOUT_FORWARD_MISTAKES, (x, p, rng(seed))).items()}
        cases["dropout_forward"].append({"label": label, "x": x, "p": p, "seed": seed,
                                         "mask": mask, "out": out, **mistakes})
    for label, shape, p, seed in DROPOUT_CASES[:2]:
        x = rng(seed + 1000).normal(size=shape)
        mistakes = {key: [value[0], value[1] is None] for key, value in   # (out, mask is None)
                    _mistakes(DROPOUT_EVAL_MISTAKES, (x, p, rng(seed), False)).items()}
        cases["dropout_eval"].append({"label": f"{label}, eval mode (training=False)", "x": x,
                                      "p": p, "seed": seed, **mistakes})
    for label, shape, p, seed in DROPOUT_CASES:
        dout = rng(seed + 2000).normal(size=shape)
        mask = rng(seed).random(shape) >= p
        cases["dropout_backward"].append({
            "label": label, "dout": dout, "mask": mask, "p": p,
            "dx": dropout_backward(dout, mask, p),
            **_mistakes(DROPOUT_BACKWARD_MISTAKES, (dout, mask, p), single=True)})
    dout = rng(3000).normal(size=(2, 5))
    cases["dropout_backward"].append({
        "label": "eval mode (mask None)", "dout": dout, "mask": None, "p": 0.5, "dx": dout,
        **_mistakes(DROPOUT_BACKWARD_MISTAKES, (dout, None, 0.5), single=True)})
    for label, losses, patience, min_delta in STOPPING_CASES:
        cases["early_stopping"].append({
            "label": label, "losses": np.asarray(losses, dtype=float),
            "as_array": isinstance(losses, np.ndarray), "patience": patience,
            "min_delta": min_delta,
            "expected": list(early_stopping(losses, patience, min_delta)),
            **_mistakes(STOPPING_MISTAKES, (losses, patience, min_delta))})
    for label, sizes, lam, seed in [("two layers 4 -> 3 -> 2, lam = 0.01", [4, 3, 2], 0.01, 0),
                                    ("one layer 5 -> 3, lam = 0.5", [5, 3], 0.5, 1),
                                    ("three layers 2 -> 4 -> 4 -> 3, lam = 0.001",
                                     [2, 4, 4, 3], 0.001, 2),
                                    ("lam = 0 (no decay)", [3, 2], 0.0, 3)]:
        r = rng(seed)
        params = []
        for n_in, n_out in zip(sizes, sizes[1:]):
            params += [r.normal(size=(n_out, n_in)), r.normal(size=n_out)]
        penalty, grads = l2_penalty(params, lam)
        mistakes = {}
        for key, (wrong_penalty, wrong_grads) in _mistakes(L2_MISTAKES, (params, lam)).items():
            mistakes[f"{key}_penalty"], mistakes[f"{key}_grads"] = wrong_penalty, wrong_grads
        cases["l2_penalty"].append({"label": label, "params": params, "lam": lam,
                                    "penalty": penalty, "grads": grads, **mistakes})
    return cases


# == assignment 2: the backward rules of Parts 1 and 2 ===========================================
# The expected gradients are central differences (as the check computed them before); the
# rules below give the typical mistakes' results, stored by id ("a_<id>", "b_<id>" per output).
def _numeric(f, x):
    from nnlesson.gradcheck import numerical_gradient

    return numerical_gradient(f, np.array(x, dtype=np.float64))


def _partial(f, args, i):
    args = list(args)
    return _numeric(lambda value: f(*args[:i], value, *args[i + 1:]), args[i])


def unbroadcast(grad, shape):
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead))) if lead else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


BROADCAST_CASES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((), (2, 3)),
                   ((2, 3), ()), ((2, 3, 4), (3, 1))]
BINARY = {  # forward, the rules before un-broadcasting, the op's own typical mistake
    "add": (np.add, lambda g, a, b: (g, g), lambda g, a, b: (g, -g)),
    "mul": (np.multiply, lambda g, a, b: (g * b, g * a), lambda g, a, b: (g * a, g * b)),
}
UNARY = {  # forward, derivative, the inputs' seed, the op's typical mistakes (by id)
    "exp": (np.exp, np.exp, {"times_a": lambda g, a, out: g * a}),
    "log": (np.log, lambda a: 1 / a, {"over_out": lambda g, a, out: g / out,
                                       "times_out": lambda g, a, out: g * out,
                                       "times_a": lambda g, a, out: g * a}),
    "relu": (lambda a: np.maximum(a, 0), lambda a: (a > 0).astype(float),
             {"dout_sign": lambda g, a, out: g * (g > 0), "times_a": lambda g, a, out: g * a,
              "at_zero": lambda g, a, out: g * (a >= 0)}),
    "tanh": (np.tanh, lambda a: 1 - np.tanh(a) ** 2,
             {"a_for_out": lambda g, a, out: g * (1 - a ** 2),
              "no_square": lambda g, a, out: g * (1 - out),
              "plus": lambda g, a, out: g * (1 + out ** 2)}),
}


def _unary_inputs():
    r = rng(50)
    exp = [("a (3, 4) of mixed signs", r.normal(0, 1.5, size=(3, 4))),
           ("very negative inputs", np.array([-30.0, -10.0, -1.0])), ("a scalar", np.array(0.7))]
    r = rng(51)
    log = [("a (3, 4) of positive values", r.uniform(0.2, 3.0, size=(3, 4))),
           ("small values and a = 1 (where log a = 0)", np.array([1e-3, 0.05, 1.0, 7.0])),
           ("a scalar", np.array(2.5))]
    r = rng(52)
    mixed = r.normal(size=(3, 4))
    mixed[np.abs(mixed) < 0.01] = 0.5  # central differences need a safe distance from the kink
    relu = [("a (3, 4) of mixed signs", mixed),
            ("all negative", -np.abs(r.normal(size=(2, 3))) - 0.01),
            ("exact zeros (the kink: derivative 0 there, as nnlesson's ReLU)",
             np.array([[0.0, 1.0, -1.0, 0.0]])),
            ("a scalar", np.array(1.3))]
    r = rng(53)
    tanh = [("a (3, 4) of mixed signs", r.normal(size=(3, 4))),
            ("large inputs (tanh near +-1)", np.array([-20.0, -3.0, 3.0, 20.0])),
            ("a scalar", np.array(-0.4))]
    return {"exp": exp, "log": log, "relu": relu, "tanh": tanh}


def a2_cases():
    cases = {"unbroadcast": [], "add": [], "mul": [], "matmul": [], "sum": [],
             **{f"unary_{name}": [] for name in UNARY}}
    for seed, (grad_shape, shape) in enumerate([((3, 4), (4,)), ((2, 3, 4), (3, 1)),
                                                ((3, 4), (3, 1)), ((3, 4), (1, 4)),
                                                ((3, 4), ()), ((3, 4), (3, 4)),
                                                ((2, 3, 4), (1, 1, 4))]):
        r = rng(seed)
        grad, a = r.normal(size=grad_shape), r.normal(size=shape)
        lead = grad.ndim - len(shape)
        cases["unbroadcast"].append({
            "grad": grad, "shape": np.array(shape, dtype=int),
            "expected": _numeric(lambda v, g=grad: np.sum(g * np.broadcast_to(v, g.shape)), a),
            "leading_only": grad.sum(axis=tuple(range(lead))) if lead else grad})
    for name, (forward, rules, own) in BINARY.items():
        for seed, (shape_a, shape_b) in enumerate(BROADCAST_CASES):
            r = rng(10 + seed)
            a, b = r.normal(size=shape_a), r.normal(size=shape_b)
            g = r.normal(size=np.broadcast_shapes(shape_a, shape_b))
            da, db = (_partial(lambda a_, b_, g_, f=forward: np.sum(g_ * f(a_, b_)), (a, b, g), i)
                      for i in (0, 1))
            full_a, full_b = rules(g, a, b)
            free_a, free_b = rules(np.ones_like(g), a, b)
            own_a, own_b = own(g, a, b)
            cases[name].append({
                "g": g, "a": a, "b": b, "da": da, "db": db,
                "a_not_summed": full_a, "b_not_summed": full_b,
                "a_chain": unbroadcast(free_a, shape_a), "b_chain": unbroadcast(free_b, shape_b),
                "a_own": unbroadcast(own_a, shape_a), "b_own": unbroadcast(own_b, shape_b)})
    for seed, (n, k, m) in enumerate([(3, 4, 2), (1, 3, 1), (4, 4, 4), (2, 5, 3)]):
        r = rng(20 + seed)
        a, b, g = r.normal(size=(n, k)), r.normal(size=(k, m)), r.normal(size=(n, m))
        da, db = (_partial(lambda a_, b_, g_: np.sum(g_ * (a_ @ b_)), (a, b, g), i)
                  for i in (0, 1))
        case = {"g": g, "a": a, "b": b, "da": da, "db": db}
        if k == m:  # the forgotten transposes, where numpy can compute them at all
            case["a_no_transpose"] = g @ b
        if n == k:
            case["b_no_transpose"] = a @ g
        cases["matmul"].append(case)
    for seed, (shape, axis) in enumerate([((3, 4), None), ((3, 4), 0), ((4, 4), 1), ((3, 4), 1),
                                          ((2, 3, 4), 1), ((5,), 0), ((), None)]):
        r = rng(30 + seed)
        a = r.normal(size=shape)
        g = r.normal(size=np.shape(np.sum(a, axis=axis)))
        case = {"g": g, "a": a, "axis": axis, "da": _partial(
            lambda a_, g_, axis_: np.sum(g_ * np.sum(a_, axis=axis_)), (a, g, axis), 0)}
        try:  # the forgotten np.expand_dims, where numpy broadcasts it at all
            unexpanded = np.ones(shape) * g if axis is not None and np.ndim(g) else None
        except ValueError:
            unexpanded = None
        if unexpanded is not None and unexpanded.shape == shape:
            case["unexpanded"] = unexpanded
        cases["sum"].append(case)
    for name, inputs in _unary_inputs().items():
        forward, derivative, mistakes = UNARY[name]
        for seed, (label, a) in enumerate(inputs):
            a = np.asarray(a, dtype=np.float64)
            g = rng(40 + seed).normal(size=a.shape)
            out = forward(a)
            with np.errstate(all="ignore"):
                da = (g * derivative(a) if "kink" in label
                      else _partial(lambda a_, g_, f=forward: np.sum(g_ * f(a_)), (a, g), 0))
                cases[f"unary_{name}"].append({
                    "label": label, "g": g, "a": a, "out": out, "da": da,
                    "chain": derivative(a),
                    **{f"mistake_{key}": wrong(g, a, out) for key, wrong in mistakes.items()}})
    return cases


# == lesson 5's Exercise 2 =======================================================================
def cache_bytes(depth, batch, width):
    """What ``cache_nbytes()`` reports for depth x (Linear + Sigmoid) in float64: the first
    Linear's copy of the input and each Sigmoid's output, which the next Linear keeps as its
    input (one array, counted once)."""
    return (depth + 1) * batch * width * 8


def lesson05_cases():
    cases = []
    for d, n, w in [(3, 7, 20), (10, 256, 512), (1, 1, 1)]:  # depth 1 last: it shares nothing
        cases.append(dict(label=f"depth {d}, batch {n}, width {w}", depth=d, batch=n, width=w,
                          expected=cache_bytes(d, n, w),
                          twice=2 * d * n * w * 8,  # every Linear's input as its own array
                          no_input=d * n * w * 8,  # the first Linear's copy left out
                          relu_mask=[d * n * w * 9, (d + 1) * n * w * 9]))  # 8 + 1 copied
    return {"cache_bytes": cases}


ASSIGNMENTS = {"a1": a1_cases, "a2": a2_cases, "a3": a3_cases,
               "lesson05": lesson05_cases}  # and lessons whose check would show the answer


def flatten(cases):
    """{``TASK/CASE/FIELD[/J]``: array} of ``{task: [case dict]}``."""
    arrays = {}
    for task, task_cases in cases.items():
        for i, case in enumerate(task_cases):
            for field, value in case.items():
                key = f"{task}/{i}/{field}"
                if isinstance(value, (list, tuple)):
                    for j, item in enumerate(value):
                        arrays[f"{key}/{j}"] = np.asarray(NONE if item is None else item)
                else:
                    arrays[key] = np.asarray(NONE if value is None else value)
    return arrays


def write(out=OUT):
    """Write every assignment's (and lesson 5's) stored cases into ``out``; returns the paths
    written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in ASSIGNMENTS.items():
        path = out / f"{name}.npz"
        np.savez_compressed(path, **flatten(make()))
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=OUT, help=f"the folder to write (default {OUT})")
    for path in write(parser.parse_args(argv).out):
        print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
