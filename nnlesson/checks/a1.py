"""Instant checks and helpers for assignment 1, an MLP from scratch
(``notebooks/assignments/A1_mlp_from_scratch.ipynb``).

Each ``check_*`` runs a student's function on fixed cases and prints one line: that it is
correct, or the first failing case and what is wrong (shape, sign, scale, a known mistake by
name, nan or inf, a loop too slow). ``quiet=True`` prints nothing and returns True or False (the
hidden tests assert it). A function that still raises NotImplementedError gets "not implemented
yet".

No task's answer is computed here (``tests/tooling/test_expected_values.py`` checks): the cases'
inputs, expected outputs and the results of the typical mistakes that come close to the answer
are stored in ``expected/a1.npz``, written by ``tools/expected_values.py``, which holds the
reference solutions (outside the package). Task by task:

- 1.1, 1.2, 2.1, 3.1, 4.1, 5.1, 5.2, 6.1: stored inputs and expected values (a speed case stores
  20 rows that the check repeats into a batch of 2000).
- 4.2 (the gradient errors): the layers whose gradients are checked are nnlesson's own ``Linear``
  and ``relu`` (public, and not what the task asks for); their right gradients come from
  ``numerical_gradient``; the relative errors expected are stored.
- 6.2 (training): judged by properties (accuracy reached, seeded, each epoch's mean loss, a new
  order per epoch, nothing learnt from the validation set); the accuracy of the returned
  parameters is measured with nnlesson's own layers.

The helpers at the end (:func:`gradient_check_report`, :func:`run_training`,
:func:`plot_learning_curves`) run the student's code for the later parts of the notebook; they
print "not implemented yet" instead of raising, so that the student version runs top to bottom.
"""

import copy
import functools
import inspect
from contextlib import contextmanager

import numpy as np

import nnlesson as nl

from . import (
    FAIL,
    PASS,
    Case,
    TookTooLong,
    _say,
    _verdict,
    attempt,
    call_with_time_limit,
    diagnose,
    raiser,
    stored,
)
from .graded import graded
from .graded import own_work as _own_work

SPEED_LIMIT = 1.0  # seconds for the large "speed" cases: numpy needs milliseconds, loops seconds
TRAIN_BUDGET = 10  # seconds for train_mlp with its default settings (about 0.05 s vectorised)
GRAD_TOL = 1e-7  # a correct float64 layer's relative error is far below this
GOAL = 0.95  # the validation accuracy train_mlp must reach on the digits
SPLIT_SEED = 0  # nl.train_val_split(X, y, val_fraction=0.2, rng=SPLIT_SEED), as in the notebook


# What each graded task forbids and allows ({task: (forbidden, allow)}): all of nnlesson and the
# other libraries (checks.NOT_OWN_WORK), but what the task hands over; declared once, on its
# check below; the hidden tests read it through own_work.
FORBIDDEN = {}


def own_work(task):
    """``with a1.own_work("Task 3.1"):`` runs a hidden test's calls under the task's tripwires."""
    return _own_work(FORBIDDEN, task)


def _name(fn):
    return getattr(fn, "__name__", "your function")


def _functions(who, *fns):
    """TypeError unless every argument is a function: the student passes the function itself."""
    for fn in fns:
        if not callable(fn):
            raise TypeError(f"{who} expected your function itself, e.g. "
                            f"{who}(my_function) without calling it, got {type(fn).__name__}")


def _call(fn, args, label, *, seconds=None, slow="", copy_args=True, name=None):
    """:func:`nnlesson.checks.attempt`, with numpy's warnings silenced (nan and inf are
    diagnosed from the answer, in words), and the problem as a failed verdict:
    ``(result, None)`` or ``(None, (False, message))``."""
    with np.errstate(all="ignore"):
        got, problem = attempt(fn, args, label, name=name, seconds=seconds, slow=slow,
                               copy_args=copy_args)
    return got, None if problem is None else (False, problem)


def _close(a, b):
    try:
        return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-6, atol=1e-9)
    except TypeError:
        return False


def _rng(seed):
    return np.random.default_rng(seed)


# == Part 1: the linear layer ===================================================================
SLOW_LINEAR = ("numpy does this in milliseconds: replace Python loops over the elements with one "
               "matrix product (@)")


def _cases(task):
    """The stored cases of ``task`` (see the module docstring)."""
    return stored("a1", task)


def _speed(case, *names):
    """A speed case's batch: its stored rows repeated (``tools/expected_values.py``)."""
    return [np.tile(case[n], (case["repeats"], 1)) for n in names]


@graded(FORBIDDEN, "Task 1.1")
def check_linear_forward(fn, *, quiet=False):
    """``fn(x, W, b)``: ``x @ W.T + b`` for x of shape (batch, in), W (out, in), b (out,)."""
    _functions("a1.check_linear_forward", fn)
    cases = []
    for case in _cases("linear_forward"):
        x, y = _speed(case, "x", "y")
        W, b, seconds = case["W"], case["b"], SPEED_LIMIT if case["speed"] else None
        cases.append(Case(case["label"], (x, W, b), (y,), mistakes=(
            (0, lambda got, y=y, b=b: _close(got, y - b), "It equals x @ W.T: add the bias b"),
            (0, lambda got, x=x, W=W, b=b: _close(got, x @ W + b),
             "It equals x @ W + b: W has shape (out, in), so the product is x @ W.T"),
        ), seconds=seconds, slow=SLOW_LINEAR if seconds else "", batch=len(x),
            raised="line up the shapes: x is (N, in), W is (out, in), y must be (N, out)"))
    return _say(_verdict(fn, cases, ["the output"]), quiet)


@graded(FORBIDDEN, "Task 1.2")
def check_linear_backward(fn, *, quiet=False):
    """``fn(x, W, dout) -> (dx, dW, db)``: the gradients of ``y = x @ W.T + b``."""
    _functions("a1.check_linear_backward", fn)
    cases = []
    for case in _cases("linear_backward"):
        x, dout, dx = _speed(case, "x", "dout", "dx")
        W, dW, db, seconds = case["W"], case["dW"], case["db"], \
            SPEED_LIMIT if case["speed"] else None
        n = len(x)
        cases.append(Case(case["label"], (x, W, dout), (dx, dW, db), mistakes=(
            (0, lambda got, W=W, d=dout: _close(got, d @ W.T),
             "It equals dout @ W.T, whose shape is right only because this layer is square: "
             "dout is (N, out), W is (out, in), dx must be (N, in)"),
            (1, lambda got, dW=dW: _close(got, dW.T),
             "dW must have W's shape (out, in), not (in, out)"),
            (1, lambda got, dW=dW, n=n: n > 1 and _close(got, dW / n),
             "Do not divide by the batch size here: the loss's gradient dout already holds "
             "the 1/N of the mean"),
            (2, lambda got: got is None or not np.any(got),
             "b gets a gradient too: b_j is added to output j of every example"),
            (2, lambda got, d=dout: np.shape(got) == d.shape,
             "b is shared by every example of the batch, so its gradient adds up over the batch"),
            (2, lambda got, db=db, n=n: n > 1 and _close(got, db / n),
             "db is the sum of dout over the batch, not its mean"),
        ), seconds=seconds, slow=SLOW_LINEAR if seconds else "", batch=n,
            raised="line up the shapes: x is (N, in), W is (out, in), dout is (N, out)"))
    return _say(_verdict(fn, cases, ["dx", "dW", "db"]), quiet)


# == Part 2: ReLU ===============================================================================
@graded(FORBIDDEN, "Task 2.1")
def check_relu(forward, backward, *, quiet=False):
    """``forward(x) -> max(x, 0)`` and ``backward(x, dout) -> dx`` (dout where x > 0, else 0)."""
    _functions("a1.check_relu", forward, backward)
    forward_cases, backward_cases = [], []
    for case in _cases("relu"):
        label, x, dout, out = case["label"], case["x"], case["dout"], case["out"]
        kept = (out != 0).astype(float)  # where the unit lets its input through
        forward_cases.append(Case(label, (x,), (out,), mistakes=(
            (0, lambda got, kept=kept: _close(got, kept),
             "That is the mask x > 0; the output is x itself where x > 0"),
        )))
        backward_cases.append(Case(label, (x, dout), (case["dx"],), mistakes=(
            (0, lambda got, kept=kept: _close(got, kept),
             "That is ReLU's derivative alone: multiply it by dout (the chain rule)"),
            (0, lambda got, x=x, d=dout: _close(got, d * (x >= 0)),
             "At x = 0 the gradient is 0 (the convention of nnlesson and PyTorch): use x > 0"),
            (0, lambda got, d=dout: _close(got, np.where(d > 0, d, 0.0)),
             "The mask comes from the input x, not from dout"),
        )))
    verdict = _verdict(forward, forward_cases, ["the output"])
    if verdict[0]:
        verdict = _verdict(backward, backward_cases, ["dx"])
    if verdict[0]:
        verdict = True, (f"{_name(forward)} and {_name(backward)} are correct on all "
                         f"{len(forward_cases)} cases.")
    return _say(verdict, quiet)


# == Part 3: softmax cross-entropy ==============================================================
OVERFLOW = ("np.exp overflows for logits near 1000: subtract each row's maximum before np.exp, "
            "z - z.max(axis=1, keepdims=True) (it changes nothing mathematically)")
LOG_OF_ZERO = ("a probability underflows to 0 and log(0) = -inf: compute the log-probabilities "
               "directly, log p = s - log(sum(exp(s))), with s = z - z.max(axis=1, "
               "keepdims=True), each row's own maximum (one maximum over the whole batch, "
               "z.max(), leaves a row far below it with exp(s) = 0 everywhere)")


CAPPED = ("The true class's probability underflows to 0 here, and clipping it, log(p + 1e-12) "
          "or np.maximum(p, floor), caps that example's loss at -log(floor) (27.6 for 1e-12, "
          "691 for 1e-300): it stays finite but is wrong; compute log p with the log-sum-exp "
          "form")


def _capped(got, case):
    """Whether ``got`` is the mean loss with each underflowed true-class probability replaced by
    a small floor (clipping, or log(p + eps)): the other examples keep their stored losses, and
    the capped ones share one loss between -log(1e-4) = 9.2 and -log(1e-320) = 737."""
    n_lost = int(case["n_lost"])
    if np.ndim(got) or not n_lost or not np.isfinite(got) or not got < case["loss"]:
        return False
    cap = (len(case["y"]) * float(got) - case["kept_loss"]) / n_lost
    return 9.2 < cap < 737


@graded(FORBIDDEN, "Task 3.1")
def check_softmax_cross_entropy(fn, *, quiet=False):
    """``fn(logits, labels) -> (loss, dlogits)``: the mean cross-entropy of softmax(logits) and its
    gradient, for logits of shape (N, C) and integer labels of shape (N,)."""
    _functions("a1.check_softmax_cross_entropy", fn)
    cases = []
    hints = {"": "", "overflow": OVERFLOW, "log0": LOG_OF_ZERO}
    for case in _cases("softmax_cross_entropy"):
        loss, dz, probs, n = case["loss"], case["dz"], case["probs"], len(case["y"])
        cases.append(Case(case["label"], (case["z"], case["y"]), (loss, dz),
                          nonfinite=hints[case["hint"]], batch=n, mistakes=(
            (0, lambda got, loss=loss, n=n: n > 1 and _close(got, n * loss),
             "That is the sum over the batch: the loss is the mean"),
            (0, lambda got, n=n: np.shape(got) == (n,),
             "The loss is one number, the mean over the batch, not one per example"),
            (0, lambda got, case=case: _capped(got, case), CAPPED),
            (1, lambda got, dz=dz, n=n: n > 1 and _close(got, n * dz),
             "Divide the gradient by the batch size N: the loss is a mean"),
            (1, lambda got, p=probs, n=n: _close(got, p / n) or _close(got, p),
             "Subtract 1 at each row's true class: dlogits = (softmax - onehot) / N"),
        )))
    return _say(_verdict(fn, cases, ["the loss", "dlogits"]), quiet)


# == Part 4: the gradient check =================================================================
BY_SUM = ("Divide by the larger magnitude, max(max|a|, max|b|), not by their sum")
BY_ENTRIES = ("Divide the largest difference, max|a - b|, by the largest magnitude, "
              "max(max|a|, max|b|), not by a sum over the entries (sum|a|, or a norm): a sum "
              "grows with the number of entries, so a large array's error would look small")
SUM_ELEMENTWISE = ("That is the element-wise formula |a - b| / (|a| + |b|): divide the largest "
                   "difference by the larger magnitude, max(max|a|, max|b|), not by the sum, "
                   "and not element by element")


@graded(FORBIDDEN, "Task 4.1")
def check_rel_error(fn, *, quiet=False):
    """``fn(a, b)``: ``max|a - b| / max(max|a|, max|b|, 1e-8)``, one number."""
    _functions("a1.check_rel_error", fn)
    cases = []
    for case in _cases("rel_error"):
        def stored(key, message, case=case):  # the mistake whose stored result is case[key]
            return 0, lambda got, wrong=case[key]: _close(got, wrong), message

        cases.append(Case(case["label"], (case["a"], case["b"]), (case["error"],), mistakes=(
            stored("elementwise", "Dividing element by element makes the round-off of a "
                   "near-zero entry look huge: divide by the largest magnitude in either array"),
            stored("by_a", "Divide by the larger of max|a| and max|b|, so that rel_error(a, b) = "
                   "rel_error(b, a)"),
            (0, lambda got: np.ndim(got) > 0,
             "The relative error is one number: take the max over all elements"),
            stored("cs231n", SUM_ELEMENTWISE),
            stored("by_sum", BY_SUM),
            *(stored(key, BY_ENTRIES)
              for key in ("by_entry_sums", "by_total", "by_norms", "by_larger_norm")),
            stored("mean_difference", "The numerator is the largest difference, max|a - b|, not "
                   "the mean: a mean averages one wrong entry away among many right ones"),
            stored("floor_added", "The 1e-8 is a floor inside the max, max(max|a|, max|b|, "
                   "1e-8), not a term added to the denominator: adding it changes the error of "
                   "small arrays"),
        ), nonfinite="two zero arrays must give 0: keep the 1e-8 floor in the denominator"))
    return _say(_verdict(fn, cases, ["the relative error"]), quiet)


def _linear(x, W, b):
    """The layer whose gradients Task 4.2 checks: nnlesson's own Linear, with W and b given
    (its forward pass is public; Task 4.2 asks for the errors, not for this)."""
    layer = nl.Linear(W.shape[1], W.shape[0])
    layer.W.data[...], layer.b.data[...] = W, b
    return layer.forward(x)


def _block(x, W, b):
    """A Linear -> ReLU block (nnlesson's own layers)."""
    return nl.relu(_linear(x, W, b))


def _gradient_error_inputs():
    """``[(label, args, grads, right)]``: the cases of Task 4.2, with the right gradients
    computed numerically (exact for these layers up to round-off) and the gradients given,
    some of them wrong on purpose. The relative errors expected are stored."""
    from ..gradcheck import numerical_gradient

    cases = []
    for label, forward, seed, wrong in [
        ("a correct linear layer", _linear, 0, None),
        ("a correct Linear -> ReLU block", _block, 1, None),
        ("a linear layer whose dW is twice the right value", _linear, 2, "dW"),
        ("a linear layer that forgot db (zeros)", _linear, 3, "db"),
        ("a linear layer with dx of the wrong sign", _linear, 4, "dx"),
    ]:
        r = _rng(seed)
        x, W, b = r.normal(size=(4, 3)), r.normal(size=(2, 3)), r.normal(size=2)
        dout = r.normal(size=(4, 2))
        arrays = [x.copy(), W.copy(), b.copy()]

        def loss(_, forward=forward, arrays=arrays, dout=dout):
            return float(np.sum(forward(*arrays) * dout))

        right = [numerical_gradient(loss, a) for a in arrays]
        grads = [g.copy() for g in right]
        if wrong == "dW":
            grads[1] = 2 * right[1]
        elif wrong == "db":
            grads[2] = np.zeros_like(right[2])
        elif wrong == "dx":
            grads[0] = -right[0]
        cases.append((label, (forward, x, W, b, dout, tuple(grads)), grads, right))
    return cases


@graded(FORBIDDEN, "Task 4.2", allow=(nl.numerical_gradient, _linear, _block))  # handed over
def check_gradient_errors(fn, *, quiet=False):
    """``fn(forward, x, W, b, dout, grads) -> (err_x, err_W, err_b)``: the relative errors between
    ``grads = (dx, dW, db)`` and the numerical gradients of ``sum(forward(x, W, b) * dout)``."""
    _functions("a1.check_gradient_errors", fn)
    name = _name(fn)
    cases = [(label, args, stored_case["errors"]) for (label, args, _, _), stored_case
             in zip(_gradient_error_inputs(), _cases("gradient_errors"), strict=True)]
    for label, args, expected in cases:
        got, failed = _call(fn, args, label)
        if failed:
            return _say(failed, quiet)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            length = f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""
            return _say((False, f"{name} should return a tuple (err_x, err_W, err_b), got "
                                f"{type(got).__name__}{length}"), quiet)
        for which, e, g in zip(["dx", "dW", "db"], expected, got):
            if np.ndim(g) != 0 or np.asarray(g).dtype.kind not in "biuf":
                return _say((False, f"{name}, {label}: the error for {which} should be one "
                                    f"number, got {np.shape(g) or type(g).__name__}"), quiet)
            g = float(g)
            if e < GRAD_TOL and not g < GRAD_TOL:
                hint = ("is the loss sum(forward(x, W, b) * dout)? And does "
                        "numerical_gradient nudge the very arrays forward reads (x, W, b, not "
                        "copies)?") if g == g else "it is nan"
                return _say((False, f"{name}, {label}: the gradients are right, so the error "
                                    f"for {which} should be below {GRAD_TOL:g}, got {g:.3g}: "
                                    f"{hint}"), quiet)
            if e >= GRAD_TOL and not abs(g - e) <= 1e-6 * max(1.0, e):
                hint = ("compare with grads, the gradients you were given"
                        if g < GRAD_TOL else "use your rel_error")
                return _say((False, f"{name}, {label}: the error for {which} should be "
                                    f"{e:.3g}, got {g:.3g}: {hint}"), quiet)
    labels = "; ".join(label for label, _, _ in cases)
    return _say((True, f"{name} is correct on all {len(cases)} cases ({labels})."), quiet)


# == Part 5: mini-batch SGD with momentum =======================================================
def _indexed_data(n):
    """X whose row i is (i, -i) and y = i, so a batch shows which examples it holds."""
    return np.stack([np.arange(n), -np.arange(n)], axis=1).astype(float), np.arange(n)


@graded(FORBIDDEN, "Task 5.1")
def check_minibatches(fn, *, quiet=False):
    """``fn(X, y, batch_size, rng) -> [(X_batch, y_batch), ...]``: the rows in the order
    ``rng.permutation(len(X))``, cut into batches of ``batch_size`` (the last may be smaller)."""
    _functions("a1.check_minibatches", fn)
    name = _name(fn)
    for case in _cases("minibatches"):
        label, n, batch_size, seed = case["label"], case["n"], case["batch_size"], case["seed"]
        X, y = _indexed_data(n)
        order = case["order"]
        expected = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        got, failed = _call(lambda *args: list(fn(*args)), (X, y, batch_size, _rng(seed)), label,
                            name=name)
        if failed:
            return _say(failed, quiet)
        where = f"{name}, {label}"
        if len(got) != len(expected):
            covered = sum(len(b[1]) for b in got if isinstance(b, (tuple, list)) and len(b) == 2)
            hint = (": keep the last, smaller batch" if len(got) == len(expected) - 1 and
                    n % batch_size else "")
            return _say((False, f"{where}: should give {len(expected)} batches, got {len(got)} "
                                f"(covering {covered} of the {n} examples){hint}"), quiet)
        for k, (batch, rows) in enumerate(zip(got, expected), 1):
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                return _say((False, f"{where}: batch {k} should be a pair (X_batch, y_batch)"),
                            quiet)
            xb, yb = np.asarray(batch[0]), np.asarray(batch[1])
            if xb.shape != (len(rows), 2) or yb.shape != (len(rows),):
                return _say((False, f"{where}: batch {k} should have X of shape "
                                    f"{(len(rows), 2)} and y of shape {(len(rows),)}, got "
                                    f"{xb.shape} and {yb.shape}"), quiet)
            if not np.array_equal(xb[:, 0], yb):
                return _say((False, f"{where}: in batch {k} the labels no longer belong to their "
                                    f"examples: index X and y with the same order"), quiet)
            if not np.array_equal(yb, rows):
                seen = np.concatenate([np.asarray(b[1]) for b in got])
                hint = ("the examples are not shuffled: take them in the order "
                        "rng.permutation(len(X))" if np.array_equal(seen, np.arange(n)) else
                        "use the order rng.permutation(len(X)), drawn once per call")
                return _say((False, f"{where}: batch {k} holds the wrong examples: {hint}"),
                            quiet)
    return _say((True, f"{name} is correct on all 4 cases (shuffled with rng.permutation, the "
                       f"last batch smaller, labels kept with their examples)."), quiet)


EMA_MOMENTUM = ("That is the moving average v = momentum * v + (1 - momentum) * g: here the "
                "velocity adds the gradients up, v = momentum * v + g, with no (1 - momentum)")
NESTEROV = ("That is Nesterov's step, p -= lr * (g + momentum * v): step with the velocity "
            "itself, p -= lr * v")


@graded(FORBIDDEN, "Task 5.2")
def check_sgd_momentum_step(fn, *, quiet=False):
    """``fn(params, grads, velocities, lr, momentum)``: one step, in place, for every parameter:
    ``v = momentum * v + g`` then ``p = p - lr * v``. Returns nothing."""
    _functions("a1.check_sgd_momentum_step", fn)
    name = _name(fn)
    for case in _cases("sgd_momentum_step"):
        label, lr, momentum, params = case["label"], case["lr"], case["momentum"], case["params"]
        grad_steps = [case[f"grads{step}"] for step in (1, 2, 3)]
        expected = [case[f"expected{step}"] for step in (1, 2, 3)]
        plain = [case[f"plain{step}"] for step in (1, 2, 3)]
        ps = [p.copy() for p in params]
        vs = [np.zeros_like(p) for p in params]
        arrays = ps + vs  # the caller's arrays: the function must change these very arrays
        variants = {EMA_MOMENTUM: [case[f"average{step}"] for step in (1, 2, 3)],
                    NESTEROV: [case[f"nesterov{step}"] for step in (1, 2, 3)]}
        stale_first = False  # the parameters did not move in step 1, though the velocities did
        for step, grads in enumerate(grad_steps, 1):
            before = [p.copy() for p in ps]
            _, failed = _call(fn, (ps, [g.copy() for g in grads], vs, lr, momentum), label,
                              copy_args=False)
            if failed:
                return _say(failed, quiet)
            where = f"{name}, {label}, step {step}"
            if len(ps) != 2 or len(vs) != 2 or any(a is not b for a, b in zip(ps + vs, arrays)):
                return _say((False, f"{where}: params and velocities must stay lists of the "
                                    f"same arrays: `params[i] = ...` puts a new array in the "
                                    f"list, while the caller (an optimiser, a model) keeps the "
                                    f"old one; change the arrays themselves: `p -= lr * v`, "
                                    f"`v *= momentum; v += g`"), quiet)
            if all(np.array_equal(p, q) for p, q in zip(ps, before)):
                if step == 1 and any(np.any(v) for v in vs):
                    stale_first = True  # rebound, or stepped before v was updated: step 2 tells
                    continue
                return _say((False, f"{where}: the parameters did not change: `p = p - lr * v` "
                                    f"makes a new array and leaves params as it was; change it "
                                    f"in place: `p -= lr * v`"), quiet)
            if stale_first:
                return _say((False, f"{name}, {label}: the parameters did not move in step 1 "
                                    f"(the velocities were still zero) and each later step uses "
                                    f"the previous step's velocity: update the velocity first, "
                                    f"v = momentum * v + g, then step with it, p -= lr * v"),
                            quiet)
            want = expected[step - 1]
            if momentum and not any(np.any(v) for v in vs):
                return _say((False, f"{where}: the velocities are still zero: update them in "
                                    f"place (`v *= momentum; v += g`) so that the next step sees "
                                    f"them"), quiet)
            for k, (label_k, got) in enumerate(zip(["W", "b", "velocity of W", "velocity of b"],
                                                   ps + vs)):
                problem = diagnose(want[k], got)
                if problem:
                    if momentum and step > 1 and all(_close(a, b) for a, b in
                                                      zip(ps, plain[step - 1][:2])):
                        problem += (". The steps ignore the past: v = momentum * v + g, "
                                    "then p -= lr * v")
                    elif k < 2 and (rule := next((hint for hint, steps in variants.items()
                                                  if all(_close(a, b) for a, b in
                                                         zip(ps, steps[step - 1]))), None)):
                        problem += f". {rule}"
                    elif k < 2 and _close(got - before[k], before[k] - want[k]):
                        problem += ". The step goes up the gradient: subtract lr * v"
                    elif k >= 2 and (sign := next((s for s in (1, -1)
                                                   if _close(got, s * lr * want[k])), None)):
                        # v = m v + lr g; p -= v (or -lr g; p += v) moves p the same while lr
                        # is fixed, but it is another convention than the task's
                        problem += (f". Keep lr out of the velocity: v = momentum * v + g, "
                                    f"then p -= lr * v (the task's convention, nnlesson's and "
                                    f"PyTorch's); yours holds {'-' if sign < 0 else ''}lr * v")
                    return _say((False, f"{where}: {label_k} {problem}"), quiet)
    return _say((True, f"{name} is correct on all 3 cases, 3 steps each (momentum 0.9, 0, "
                       f"0.5)."), quiet)


# == Part 6: training the MLP ===================================================================
@graded(FORBIDDEN, "Task 6.1")
def check_mlp_loss_and_grads(fn, *, quiet=False):
    """``fn(params, X, y) -> (loss, [dW1, db1, dW2, db2])`` for ``params = [W1, b1, W2, b2]`` of
    the MLP ``Linear -> ReLU -> Linear`` with the mean softmax cross-entropy."""
    _functions("a1.check_mlp_loss_and_grads", fn)
    cases = []
    for case in _cases("mlp_loss_and_grads"):
        label, X, y, params = case["label"], case["X"], case["y"], case["params"]
        loss, grads, unmasked = case["loss"], case["grads"], case["unmasked_dW1"]
        pre_relu = case["pre_relu_dW2"]
        shapes = [p.shape for p in params]
        order = "The gradients go in the order of the parameters: [dW1, db1, dW2, db2]"
        cases.append(Case(label, (params, X, y), (loss, *grads), batch=len(X), mistakes=(
            (1, lambda got, unmasked=unmasked: _close(got, unmasked),
             "As if the ReLU let every gradient through: apply relu_backward on the way back"),
            (3, lambda got, pre_relu=pre_relu: _close(got, pre_relu),
             "dW2 needs the second layer's input h = relu(z), not z"),
            *((k, lambda got, k=k, shapes=shapes: np.shape(got) in shapes[:k - 1] + shapes[k:],
               order) for k in range(1, 5)),
        ), raised="line up the shapes: W1 is (hidden, in), W2 is (classes, hidden)"))

    def flat(params, X, y):
        result = fn(params, X, y)
        if (isinstance(result, tuple) and len(result) == 2
                and isinstance(result[1], (list, tuple)) and len(result[1]) == 4):
            return (result[0], *result[1])
        if isinstance(result, tuple) and len(result) == 2:
            raise ValueError(f"the grads should be a list of 4 arrays [dW1, db1, dW2, db2], got "
                             f"{type(result[1]).__name__}"
                             + (f" of length {len(result[1])}"
                                if isinstance(result[1], (list, tuple)) else ""))
        return result

    flat.__name__, flat.__wrapped__ = _name(fn), fn
    return _say(_verdict(flat, cases, ["the loss", "dW1", "db1", "dW2", "db2"]), quiet)


def digits_split():
    """The notebook's data: ``nl.train_val_split(*nl.load_digits(), val_fraction=0.2, rng=0)``."""
    from ..data import load_digits, train_val_split

    return train_val_split(*load_digits(), val_fraction=0.2, rng=SPLIT_SEED)


def _accuracy(params, X, y):
    """The accuracy of the MLP ``params = [W1, b1, W2, b2]`` on ``(X, y)``, computed with
    nnlesson's own layers (public; Task 6.2 asks for the training, not for this)."""
    W1, b1, W2, b2 = params
    hidden = nl.relu(_linear(X, np.asarray(W1), np.asarray(b1)))
    return float(np.mean(_linear(hidden, np.asarray(W2), np.asarray(b2)).argmax(axis=1) == y))


SLOW_TRAINING = ("a vectorised loop needs well under a second: compute each mini-batch with "
                 "whole-array numpy, not one example or one element at a time")


def _train(fn, data, kwargs, label, seconds):
    """``(params, history)`` of one run, or ``(None, (False, message))``."""
    from .._threads import limit_for

    with limit_for(0):  # teaching-size products: one BLAS thread, steady on a busy machine
        got, failed = _call(lambda *args: fn(*args, **kwargs), data, label, seconds=seconds,
                            slow=SLOW_TRAINING, name=_name(fn))
    if failed:
        return None, failed
    if (not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict)
            or not {"train_loss", "val_accuracy"} <= set(got[1])):
        return None, (False, f"{_name(fn)} should return (params, history) with history a dict "
                             f"of the lists 'train_loss' and 'val_accuracy', got "
                             f"{type(got).__name__}")
    return got, None


def _training_verdict(fn, data, epochs=None):
    """(ok, message, history) for train_mlp run with its defaults on ``data``."""
    name = _name(fn)
    (X_train, y_train), (X_val, y_val) = data
    kwargs = {} if epochs is None else {"epochs": epochs}
    got, failed = _train(fn, (X_train, y_train, X_val, y_val), kwargs, "its default settings",
                         TRAIN_BUDGET)
    if failed:
        return (*failed, None)
    params, history = got
    losses, accuracies = history["train_loss"], history["val_accuracy"]
    try:
        losses, accuracies = np.asarray(losses, dtype=float), np.asarray(accuracies, dtype=float)
    except (TypeError, ValueError):
        return False, f"{name}: the history should hold numbers, one per epoch", None
    if losses.ndim != 1 or len(losses) == 0 or losses.shape != accuracies.shape:
        return (False, f"{name}: history['train_loss'] and history['val_accuracy'] should be "
                       f"lists with one number per epoch, got shapes {losses.shape} and "
                       f"{accuracies.shape}", None)
    if not np.all(np.isfinite(losses)):
        epoch = int(np.argmin(np.isfinite(losses))) + 1
        return (False, f"{name}: the training loss is nan or inf in epoch {epoch}: does your "
                       f"softmax_cross_entropy pass its check, and is each epoch's loss the mean "
                       f"of that epoch's mini-batch losses?", None)
    if not losses[-1] < losses[0]:
        return (False, f"{name}: the training loss did not fall (first epoch {losses[0]:.3g}, "
                       f"last {losses[-1]:.3g}): do the steps go against the gradient, and are "
                       f"the parameters updated in place?", None)
    try:
        final = _accuracy(params, X_val, y_val)
    except Exception:  # noqa: BLE001 - any malformed params
        return (False, f"{name}: the params returned should be [W1, b1, W2, b2] of the trained "
                       f"network", None)
    if abs(final - accuracies[-1] / 100) < 1e-9 < final:
        return (False, f"{name}: history['val_accuracy'][-1] is {accuracies[-1]:.3f}, 100 times "
                       f"the accuracy the returned params reach ({final:.3f}): append the "
                       f"accuracy as a fraction (0 to 1), not a percentage", None)
    if abs(final - accuracies[-1]) > 1e-9:
        return (False, f"{name}: history['val_accuracy'][-1] is {accuracies[-1]:.3f}, but the "
                       f"returned params reach {final:.3f} on the validation set: measure the "
                       f"accuracy on X_val, y_val after each epoch", None)
    if final < GOAL:
        return (False, f"{name}: validation accuracy {final:.1%} after {len(losses)} epochs, "
                       f"below the goal of {GOAL:.0%}: do the earlier parts pass their checks?",
                history)
    return (True, f"{name} reaches {final:.1%} validation accuracy in {len(losses)} epochs (goal "
                  f"{GOAL:.0%}) within the {TRAIN_BUDGET:g} s budget, its loss falling.", history)


def _same_numbers(a, b):
    try:
        return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    except (TypeError, ValueError):
        return False


@contextmanager
def _recording_losses(fn):
    """While the block runs, the ``mlp_loss_and_grads`` that the student's ``fn`` calls (by that
    name) is recorded: yields the list of ``(loss, y_batch)`` of its calls, empty if ``fn`` does
    not call it by that name."""
    names = getattr(inspect.unwrap(fn), "__globals__", {})
    theirs, calls = names.get("mlp_loss_and_grads"), []
    if not callable(theirs):
        yield calls
        return

    @functools.wraps(theirs)
    def recorded(params, X, y):
        result = theirs(params, X, y)
        calls.append((float(result[0]), np.atleast_1d(np.array(y, copy=True))))
        return result

    aliases = [name for name, value in names.items() if value is theirs]  # under any name
    for name in aliases:
        names[name] = recorded
    try:
        yield calls
    finally:
        for name in aliases:
            names[name] = theirs


def _batch_size(fn, default=32):
    """The default ``batch_size`` of the student's ``train_mlp`` (the check runs its defaults),
    else the task's 32."""
    try:
        value = inspect.signature(fn).parameters["batch_size"].default
    except (KeyError, TypeError, ValueError):
        return default
    return value if isinstance(value, (int, np.integer)) and value > 0 else default


def _epochs_batches(calls, n_train, epochs, batch_size):
    """Each epoch's mini-batches among the recorded ``(loss, labels)`` calls: a list per epoch of
    ``(loss, labels)`` per mini-batch, or None when they cannot be found.

    Calls on more than ``batch_size`` examples (a loss on the whole training or validation set,
    say) are not steps and are left out. The rest are put together into mini-batches of at most
    ``batch_size`` examples, so that a loop that calls once per example inside each mini-batch
    is judged on the same mini-batches (a mini-batch's loss is then the mean of its examples'
    losses); the smaller batch may come anywhere. Each epoch must hold ``n_train`` examples."""
    found, batches, pending, seen = [], [], [], 0

    def size():
        return sum(len(y) for _, y in pending)

    def close():  # the pending calls make one mini-batch
        batches.append((np.average([loss for loss, _ in pending],
                                   weights=[max(len(y), 1) for _, y in pending]),
                        np.concatenate([y for _, y in pending])))
        pending.clear()

    for loss, labels in calls:
        if len(labels) > batch_size:
            continue
        if pending and size() + len(labels) > batch_size:
            seen += size()
            close()
        pending.append((loss, labels))
        if seen + size() > n_train:
            return None
        if size() == batch_size or seen + size() == n_train:
            seen += size()
            close()
        if seen == n_train:
            found.append(batches)
            batches, seen = [], 0
    return found if len(found) == epochs and not (batches or pending) else None


def _epochs_problem(name, history, calls, y_train, epochs, batch_size):
    """What is wrong with the per-epoch bookkeeping of a run, seen through its recorded
    mini-batch losses ``calls``; None when it is right. When the mini-batches cannot be found
    among the calls, that is the problem (the checks below must not be skipped)."""
    if not calls:  # then nothing shows what each epoch's mini-batch losses were
        return (f"{name} does not call your mlp_loss_and_grads (Task 6.1): compute each "
                f"mini-batch's loss and gradients with it, as step 2 says (the check reads each "
                f"epoch's mini-batch losses through it)")
    epochs_batches = _epochs_batches(calls, len(y_train), epochs, batch_size)
    covered = epochs_batches is not None and all(
        np.array_equal(np.sort(np.concatenate([y for _, y in batches])), np.sort(y_train))
        for batches in epochs_batches)
    if not covered:
        sizes = sorted({len(y) for _, y in calls})
        return (f"{name}: in a run of {epochs} epochs the check could not find, among your "
                f"{len(calls)} calls of mlp_loss_and_grads (on {', '.join(map(str, sizes))} "
                f"examples), {epochs} passes over the {len(y_train)} training examples in "
                f"mini-batches of batch_size={batch_size}, each example once per epoch: call it "
                f"once for each pair that minibatches(X_train, y_train, batch_size, rng) returns")
    means = np.array([np.mean([loss for loss, _ in batches]) for batches in epochs_batches])
    # the mean over the examples (batches weighted by their sizes) differs from the plain mean
    # only through the smaller last batch, by about 0.1%: both are right (review r8)
    weighted = np.array([np.average([loss for loss, _ in batches],
                                    weights=[len(y) for _, y in batches])
                         for batches in epochs_batches])
    recorded = np.asarray(history["train_loss"], dtype=float)
    if not (_close(recorded, means) or _close(recorded, weighted)):
        if _close(recorded, np.array([batches[-1][0] for batches in epochs_batches])):
            return (f"{name}: history['train_loss'] holds the loss of each epoch's last "
                    f"mini-batch: append the mean of all of that epoch's mini-batch losses")
        whole = [loss for loss, y in calls if len(y) == len(y_train)]
        if len(whole) == epochs and _close(recorded, np.array(whole)):
            return (f"{name}: history['train_loss'] holds the loss on the whole training set "
                    f"after each epoch: append the mean of that epoch's mini-batch losses, "
                    f"which the loop has already computed")
        return (f"{name}: history['train_loss'] is not the mean of each epoch's mini-batch "
                f"losses (first epoch: {recorded[0]:.6g}, the mean of its batches "
                f"{means[0]:.6g})")
    orders = [np.concatenate([y for _, y in batches]) for batches in epochs_batches]
    if all(np.array_equal(orders[0], order) for order in orders[1:]):
        return (f"{name}: every epoch sees the mini-batches in the same order: create rng once, "
                f"before the loop, and pass that same rng to minibatches every epoch (a new "
                f"default_rng(seed) per epoch draws the same permutation again)")
    return None


def _params_equal(a, b):
    try:
        return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))
    except TypeError:
        return False


@graded(FORBIDDEN, "Task 6.2")
def check_train_mlp(fn, *, quiet=False):
    """``fn(X_train, y_train, X_val, y_val) -> (params, history)`` trains the MLP with its default
    settings; it must reach :data:`GOAL` validation accuracy within :data:`TRAIN_BUDGET` seconds,
    give the same history when run twice (everything seeded), report each epoch's mean
    mini-batch loss, shuffle every epoch anew, and learn nothing from the validation set."""
    _functions("a1.check_train_mlp", fn)
    data = digits_split()
    ok, message, history = _training_verdict(fn, data)
    if not ok:
        return _say((ok, message), quiet)
    (X_train, y_train), (X_val, y_val) = data
    name, epochs = _name(fn), 2
    with _recording_losses(fn) as calls:
        first, failed = _train(fn, (X_train, y_train, X_val, y_val), {"epochs": epochs},
                               "a first run", TRAIN_BUDGET)
    if failed:
        return _say(failed, quiet)
    again, failed = _train(fn, (X_train, y_train, X_val, y_val), {"epochs": epochs},
                           "a second run", TRAIN_BUDGET)
    if failed:
        return _say(failed, quiet)
    if not _same_numbers(again[1]["train_loss"], first[1]["train_loss"]):
        return _say((False, f"{name}: two runs with the same seed give different losses: draw "
                            f"everything from rng = np.random.default_rng(seed), passed to "
                            f"init_mlp and minibatches"), quiet)
    # Validation labels scrambled: the trained parameters must not change at all.
    scrambled = _rng(1).permutation(y_val)
    blind, failed = _train(fn, (X_train, y_train, X_val, scrambled), {"epochs": epochs},
                           "a run with other validation labels", TRAIN_BUDGET)
    if failed:
        return _say(failed, quiet)
    if not _params_equal(blind[0], first[0]):
        return _say((False, f"{name}: the trained parameters change when only the validation "
                            f"labels do: train on X_train, y_train only, and use X_val, y_val "
                            f"just to measure the accuracy after each epoch"), quiet)
    # After the run with other validation labels, whose message names a loop over X_val (where
    # no mini-batches of X_train can be found)
    problem = _epochs_problem(name, first[1], calls, y_train, epochs, _batch_size(fn))
    if problem:
        return _say((False, problem), quiet)
    # The settings are used (review r11: plain SGD steps, momentum never used, reached the goal
    # too): another momentum, or another learning rate, trains other parameters.
    for setting, value in [("momentum", 0.0), ("lr", 0.01)]:
        other, failed = _train(fn, (X_train, y_train, X_val, y_val),
                               {"epochs": epochs, setting: value}, f"a run with {setting}={value}",
                               TRAIN_BUDGET)
        if failed:
            return _say(failed, quiet)
        if _params_equal(other[0], first[0]):
            return _say((False, f"{name}: {setting}={value} trains exactly the parameters that "
                                f"the default {setting} trains: {setting} is not used; pass it "
                                f"on to sgd_momentum_step"), quiet)
    return _say((ok, message), quiet)


# == helpers for the notebook's later cells =====================================================
def gradient_check_report(gradient_errors, linear_forward, linear_backward, relu_forward,
                          relu_backward, *, tol=GRAD_TOL):
    """Gradient-check the student's layers with the student's ``gradient_errors``: a linear layer
    and a Linear -> ReLU block, float64, seeded. Prints one verdict per gradient."""
    _functions("a1.gradient_check_report", gradient_errors, linear_forward, linear_backward,
               relu_forward, relu_backward)
    def block_forward(x, W, b):
        return relu_forward(linear_forward(x, W, b))

    def block_backward(x, W, b, dout):
        return linear_backward(x, W, relu_backward(linear_forward(x, W, b), dout))

    r = _rng(7)
    x, W, b, dout = r.normal(size=(5, 4)), r.normal(size=(3, 4)), r.normal(size=3), \
        r.normal(size=(5, 3))
    print(f"Gradient check in float64, tolerance {tol:g} (a batch of 5, 4 -> 3):")
    for what, forward, backward in [
        ("linear layer", linear_forward, lambda x, W, b, d: linear_backward(x, W, d)),
        ("Linear -> ReLU", block_forward, block_backward),
    ]:
        try:
            with np.errstate(all="ignore"):
                grads = backward(*copy.deepcopy((x, W, b, dout)))
                errors = call_with_time_limit(gradient_errors,
                                              (forward, *copy.deepcopy((x, W, b, dout)), grads))
            verdicts = [f"{which} {PASS if float(e) < tol else FAIL + ' above the tolerance'}"
                        for which, e in zip(["dx", "dW", "db"], errors)]
            if len(verdicts) != 3:
                raise ValueError("gradient_errors should return three errors (err_x, err_W, "
                                 "err_b)")
            print(f"  {what:15} " + ", ".join(verdicts))
        except NotImplementedError as error:
            print(f"  {what:15} {FAIL} {raiser(error) or 'a function'} is not implemented yet")
        except TookTooLong:
            print(f"  {what:15} {FAIL} gradient_errors took too long: is there an infinite loop?")
        except Exception as error:  # noqa: BLE001 - the student's to see, briefly
            print(f"  {what:15} {FAIL} {type(error).__name__}: {error}")


def run_training(train_mlp, X_train, y_train, X_val, y_val):
    """Train with the student's ``train_mlp`` (its defaults); print the validation accuracy reached
    against :data:`GOAL` and whether it finished within :data:`TRAIN_BUDGET`. Returns the history,
    or None when there is none (not implemented yet, or an error, printed)."""
    _functions("a1.run_training", train_mlp)
    data = ((X_train, y_train), (X_val, y_val))
    ok, message, history = _training_verdict(train_mlp, data)
    if history is None:
        print(f"{FAIL} {message}" + (" Nothing to train yet." if "not implemented yet" in
                                     message else ""))
        return None
    final = history["val_accuracy"][-1]
    print(f"validation accuracy after the first epoch: {history['val_accuracy'][0]:.1%}")
    print(f"validation accuracy after {len(history['val_accuracy'])} epochs: {final:.1%} "
          f"(goal: at least {GOAL:.0%}) {PASS if final >= GOAL else FAIL}")
    print(f"training loss: {history['train_loss'][0]:.3f} in the first epoch, "
          f"{history['train_loss'][-1]:.3f} in the last")
    print(f"finished within the budget of {TRAIN_BUDGET:g} s {PASS}")
    return history


def plot_learning_curves(history):
    """The training loss and the validation accuracy per epoch, side by side; with no history
    (``run_training`` gave None) it says so and draws nothing. Returns the figure or None."""
    if history is None:
        print("Nothing to plot yet: train_mlp has not run.")
        return None
    if not isinstance(history, dict) or not {"train_loss", "val_accuracy"} <= set(history):
        raise TypeError(f"a1.plot_learning_curves expected the history that a1.run_training "
                        f"returns (a dict with 'train_loss' and 'val_accuracy') or None, got "
                        f"{type(history).__name__}")
    import matplotlib.pyplot as plt

    from ..viz import plot as nlplot

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    ax_loss.plot(epochs, history["train_loss"], "o-", ms=3, color=nlplot.BLUE)
    ax_loss.set(xlabel="epoch", ylabel="training loss (mean over the batches)",
                title="The training loss falls")
    ax_acc.plot(epochs, 100 * np.asarray(history["val_accuracy"]), "o-", ms=3,
                color=nlplot.ORANGE, label="validation accuracy")
    ax_acc.axhline(100 * GOAL, color=nlplot.GREY, ls="--", label=f"goal {GOAL:.0%}")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy (%)",
               title="Validation accuracy per epoch")
    ax_acc.legend(loc="lower right")
    return fig
