"""Assignment 3 (regularisation study): the instant checks, and the study that runs on the
student's own pieces.

Checks (each prints one verdict; ``quiet=True`` returns True or False instead):

- :func:`check_dropout_forward`   ``fn(x, p, rng, training) -> (out, mask)``
- :func:`check_dropout_backward`  ``fn(dout, mask, p) -> dx``
- :func:`check_early_stopping`    ``fn(val_losses, patience, min_delta) -> (stopped, best)``
- :func:`check_l2_penalty`        ``fn(params, lam) -> (penalty, grads)``

A failing verdict names the first failing case and what is wrong; when the student's answers
match a typical mistake on every case (no 1/(1-p) scaling, an off-by-one patience, weight decay
on the biases, ...), the verdict names that mistake too.

No task's answer is computed here (``tests/tooling/test_expected_values.py`` checks): every
check's inputs, expected values and the results of its typical mistakes (whole wrong
implementations, each one change away from the answer) are stored in ``expected/a3.npz``,
written by ``tools/expected_values.py``, which holds the reference solutions and the mistakes.
Dropout's cases store the seed of the ``rng`` the student's function draws its mask from.

The study (:func:`run_study`) trains nnlesson's layers with nnlesson's ``fit`` and SGD; the
regularisers in it are the student's: their dropout functions inside the network
(:class:`DropoutFrom`), their L2 gradient added before every step (:class:`PenalisedSGD`) and
their stopping rule choosing the epoch to restore. A piece that still raises
NotImplementedError leaves its method out of the study, with a "not implemented yet" line.
"""

import copy
from dataclasses import dataclass, field

import numpy as np

from .._util import check_number
from ..layers import Linear, Module, ReLU, Sequential
from ..losses import SoftmaxCrossEntropy
from ..optim import SGD
from ..train import accuracy, fit
from . import (
    FAIL,
    PASS,
    TookTooLong,
    _verdict,
    attempt,
    call_with_time_limit,
    diagnose,
    stored,
)
from .graded import graded
from .graded import own_work as _own_work

NOT_IMPLEMENTED = "not implemented yet"


# What each graded task forbids and allows ({task: (forbidden, allow)}): all of nnlesson and the
# other libraries (checks.NOT_OWN_WORK), but what the task hands over; declared once, on its
# check below; the hidden tests read it through own_work.
FORBIDDEN = {}


def own_work(task):
    """``with a3.own_work("Task 2.1"):`` runs a hidden test's calls under the task's tripwires."""
    return _own_work(FORBIDDEN, task)


def _rng(seed):
    return np.random.default_rng(seed)


def _name(fn):
    return getattr(fn, "__name__", "your function")


def _same(a, b):
    """True when two results are equal: None, numbers, arrays (NaN equal to NaN) or tuples."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, list) or isinstance(b, list):
        return _same(tuple(a) if isinstance(a, list) else a, tuple(b) if isinstance(b, list) else b)
    if a is None or b is None:
        return a is None and b is None
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)


def _typical_mistake(fn, cases, mistakes):
    """The description of the first mistake whose stored results equal ``fn``'s on every case,
    except where the mistake gives no number (it raises, or divides by zero) and ``fn`` is right:
    a student who divides by p and guards p = 0 makes that mistake all the same.

    ``mistakes``: ``[(description, [its result on each case, or None where it cannot run])]``.
    """
    got = []
    for _, args, _ in cases:
        try:
            with np.errstate(all="ignore"):
                got.append(call_with_time_limit(fn, copy.deepcopy(args)))
        except (Exception, TookTooLong):  # noqa: BLE001 - no hint then; the verdict says why
            return None
    right = [_same(g, expected) for g, (_, _, expected) in zip(got, cases)]
    for description, theirs in mistakes:
        if len(theirs) == len(got) and not all(right) and all(
                _same(g, t) or (r and not _numbers(t))
                for g, t, r in zip(got, theirs, right)):
            return description
    return None


def _numbers(result):
    """Whether a stored result holds only finite numbers (or None), not a failure to run."""
    if result is _CANNOT_RUN:
        return False
    if isinstance(result, (tuple, list)):
        return all(_numbers(part) for part in result)
    try:
        return result is None or bool(np.all(np.isfinite(np.asarray(result, dtype=float))))
    except (TypeError, ValueError):
        return True  # not numbers at all (a label): judged by equality alone


_CANNOT_RUN = object()  # a typical mistake that raises on a case (matches nothing)


def _stored_mistakes(stored_cases, descriptions, *, split=None):
    """``[(description, results per case)]`` of the mistakes in ``descriptions`` ({id: words}),
    read from the stored cases (``tools/expected_values.py`` ran them). ``split``: the names of
    a mistake's results when it has several fields (``_penalty``, ``_grads``)."""
    found = []
    for key, words in descriptions.items():
        results = []
        for case in stored_cases:
            if split:
                fields = [f"mistake_{key}_{part}" for part in split]
                results.append(tuple(case[f] for f in fields) if all(f in case for f in fields)
                               else _CANNOT_RUN)
            else:
                result = case.get(f"mistake_{key}", _CANNOT_RUN)
                results.append(tuple(result) if isinstance(result, list) else result)
        found.append((words, results))
    return found


def _check(fn, cases, outputs, mistakes, quiet, *, verdict=None, fallback=None):
    """Like ``run_cases``, with the typical mistake (if one matches) added to a failing verdict.

    ``fallback(message)``: a hint for a failure that matches no typical mistake (or None).
    """
    ok, message = _verdict(fn, cases, outputs) if verdict is None else verdict
    if quiet:
        return ok
    if not ok and NOT_IMPLEMENTED not in message:
        hint = _typical_mistake(fn, cases, mistakes) or (fallback and fallback(message))
        if hint:
            end = "" if message.endswith(("?", ".")) else "."
            message = f"{message}{end} Likely cause: {hint}."
    print(f"{PASS if ok else FAIL} {message}")


# == Part 1: dropout =============================================================================
# The typical mistakes, by the id under which tools/expected_values.py stores their results.
DROPOUT_FORWARD_MISTAKES = {
    "none_at_zero": "at p = 0 the mask is still an array (all True) in training mode: backward "
                    "needs it, and rng.random must be drawn as for any p",
    "keep_with_p": "the mask keeps a unit with probability p, but p is the probability of "
                   "DROPPING it (keep where rng.random(x.shape) >= p)",
    "unscaled": "the kept units are not scaled by 1 / (1 - p) (inverted dropout keeps the "
                "expected value)",
    "times_keep": "the kept units are multiplied by (1 - p) instead of divided by it",
    "over_p": "the kept units are divided by p instead of by 1 - p, the probability of keeping "
              "a unit",
    "times_p": "the kept units are multiplied by p instead of divided by 1 - p",
    "kept_fraction": "the kept units are divided by the fraction actually kept, which is 0 when "
                     "every unit is dropped; divide by 1 - p",
    "scaled_mask": "the mask holds the scaling 1 / (1 - p) (cs231n's form): return the boolean "
                   "mask, True for a kept unit, and scale only out",
}
DROPOUT_EVAL_MISTAKES = {
    "drops_anyway": "dropout still drops units in eval mode (training=False): there it is the "
                    "identity",
    "scales_at_eval": "eval mode scales by (1 - p); with inverted dropout the scaling happens in "
                      "training and eval mode is the identity",
}


@graded(FORBIDDEN, "Task 1.1")
def check_dropout_forward(fn, *, quiet=False):
    """``fn(x, p, rng, training=True) -> (out, mask)``: inverted dropout.

    Training mode: ``mask = rng.random(x.shape) >= p`` (True for a kept unit),
    ``out = x * mask / (1 - p)``. Eval mode (``training=False``): ``(x, None)``, the identity.
    """
    name = _name(fn)
    stored_train, stored_eval = stored("a3", "dropout_forward"), stored("a3", "dropout_eval")
    train_cases = [(c["label"], (c["x"], c["p"], _rng(c["seed"]), True), (c["mask"], c["out"]))
                   for c in stored_train]
    eval_cases = [(c["label"], (c["x"], c["p"], _rng(c["seed"]), False), (c["x"], True))
                  for c in stored_eval]

    def mask_first(x, p, rng, training):  # a wrong mask explains a wrong output: compare it first
        result = fn(x, p, rng, training)
        return result[::-1] if isinstance(result, tuple) else result

    def mask_is_none(x, p, rng, training):
        result = fn(x, p, rng, training)
        if isinstance(result, tuple) and len(result) == 2:
            return result[0], result[1] is None
        return result

    def other_mask(message):
        if ": mask " in message:
            return ("the mask is not rng.random(x.shape) >= p: draw it exactly so, and draw "
                    "nothing else from rng before it")
        return None

    mask_first.__name__ = mask_is_none.__name__ = name
    mask_first.__wrapped__ = mask_is_none.__wrapped__ = fn  # the student's, for attempt()
    verdict = _pair_returned(fn, train_cases[0][1]) or _pair_returned(fn, eval_cases[0][1])
    if verdict:
        return _check(fn, [], [], [], quiet, verdict=verdict)
    verdict = _verdict(mask_first, train_cases, ["mask", "out"])
    if not verdict[0]:
        mistakes = _stored_mistakes(stored_train, DROPOUT_FORWARD_MISTAKES)
        return _check(mask_first, train_cases, [], mistakes, quiet, verdict=verdict,
                      fallback=other_mask)
    x = _rng(4000).normal(size=(3, 4))
    x_before = x.copy()
    try:
        call_with_time_limit(fn, (x, 0.5, _rng(4001), True))
    except (Exception, TookTooLong):  # noqa: BLE001 - the cases above ran; nothing new to say
        pass
    if not np.array_equal(x, x_before):
        return _check(fn, [], [], [], quiet, verdict=(
            False, f"{name} changed its input x in place: return a new array (the layer before "
                   f"dropout may still need its output for its own backward)"))
    verdict = _verdict(mask_is_none, eval_cases, ["out", "mask is None"])
    if not verdict[0]:
        mistakes = _stored_mistakes(stored_eval, DROPOUT_EVAL_MISTAKES)
        return _check(mask_is_none, eval_cases, [], mistakes, quiet, verdict=verdict)
    labels = "; ".join(label for label, _, _ in train_cases)
    return _check(fn, [], [], [], quiet, verdict=(
        True, f"{name} is correct on all {len(train_cases) + len(eval_cases)} cases ({labels}; "
              f"eval mode)."))


def _pair_returned(fn, args):
    """A failing verdict if ``fn(*args)`` returns something other than a pair (out, mask)."""
    try:
        result = call_with_time_limit(fn, copy.deepcopy(args))
    except (Exception, TookTooLong):  # noqa: BLE001 - the cases report errors with their label
        return None
    if isinstance(result, tuple) and len(result) == 2:
        return None
    what = f"tuple of length {len(result)}" if isinstance(result, tuple) else type(result).__name__
    mode = "training" if args[3] else "eval"
    return False, (f"{_name(fn)} should return a tuple (out, mask) in {mode} mode, got {what}"
                   + (" (in eval mode: return x, None)" if mode == "eval" else ""))


DROPOUT_BACKWARD_MISTAKES = {
    "no_mask": "the gradient flows through the dropped units: multiply by the mask (a dropped "
               "unit's output does not depend on its input)",
    "unscaled": "the gradient is not scaled by 1 / (1 - p), as the forward pass was",
    "over_p": "the gradient is divided by p instead of by 1 - p, the probability of keeping a "
              "unit",
    "times_keep": "the gradient is multiplied by (1 - p) instead of divided by it",
}


@graded(FORBIDDEN, "Task 1.2")
def check_dropout_backward(fn, *, quiet=False):
    """``fn(dout, mask, p) -> dx``: the gradient through inverted dropout.

    ``dx = dout * mask / (1 - p)``; ``mask`` None (eval mode): ``dx = dout``.
    """
    stored_cases = stored("a3", "dropout_backward")
    cases = [(c["label"], (c["dout"], c["mask"], c["p"]), c["dx"]) for c in stored_cases]
    mistakes = _stored_mistakes(stored_cases, DROPOUT_BACKWARD_MISTAKES)
    return _check(fn, cases, ["dx"], mistakes, quiet)


# == Part 2: early stopping ======================================================================
STOPPING_MISTAKES = {
    "late": "patience is off by one: stop when `patience` epochs in a row brought no "
            "improvement (wait >= patience), not one epoch later",
    "early": "patience is off by one: stop when `patience` epochs in a row brought no "
             "improvement, not one epoch earlier",
    "restores_last": "the best epoch is the stopping epoch: restore the weights of the last "
                     "improvement, not the last epoch",
    "last_if_never": "when the rule never stops, the best epoch is still the last epoch that "
                     "improved, not the last epoch (nl.fit restores it at the end of training)",
    "non_strict": "an equal (or exactly min_delta smaller) loss counts as an improvement: it "
                  "must be strictly below best - min_delta",
    "argmin": "the best epoch is the lowest loss, but a gain of min_delta or less is not an "
              "improvement: restore the last epoch that improved",
    "previous": "each loss is compared with the previous epoch's instead of the best so far",
    "no_min_delta": "min_delta is ignored",
    "relative": "min_delta is absolute, not a fraction of the best loss: an epoch improves "
                "when V_t < V* - min_delta, not V_t < V* (1 - min_delta)",
    "at_next_epoch": "patience ran out on the last epoch: that is a stop too (test the patience "
                     "after each epoch's loss, not when the next epoch starts)",
    "none_if_never": "the best epoch is restored also when the rule never stops: return the last "
                     "epoch that improved, not None",
}


@graded(FORBIDDEN, "Task 2.1")
def check_early_stopping(fn, *, quiet=False):
    """``fn(val_losses, patience, min_delta) -> (stopped_epoch, best_epoch)``.

    Epochs count from 1. An epoch improves when its loss is below ``best - min_delta``;
    training stops after ``patience`` epochs in a row without an improvement
    (``stopped_epoch`` None if that never happens); ``best_epoch`` is the last epoch that
    improved, whose weights are restored. The same rule as ``nl.EarlyStopping``.
    """
    stored_cases = stored("a3", "early_stopping")
    cases = [(c["label"], (c["losses"] if c["as_array"] else c["losses"].tolist(), c["patience"],
                           c["min_delta"]), tuple(c["expected"])) for c in stored_cases]
    return _check(fn, cases, ["stopped_epoch", "best_epoch"],
                  _stored_mistakes(stored_cases, STOPPING_MISTAKES), quiet)


def same_stopping(got, expected):
    """Whether the check of Task 2.1 accepts ``got`` where ``expected`` is right: the hidden
    test's comparison is the check's own verdict, so an answer the check passes (a list as well
    as a tuple, numpy integers as well as ints) scores its points (review r4-A: ``==`` did not)."""
    return _verdict(lambda: got, [("a hidden case", (), tuple(expected))],
                    ["stopped_epoch", "best_epoch"], forbidden=())[0]


# == Part 3: L2 weight decay =====================================================================
def _l2_cases():
    return [(c["label"], (c["params"], c["lam"]), (c["penalty"], c["grads"]))
            for c in stored("a3", "l2_penalty")]


def _describe(params, i):
    layer = i // 2 + 1
    kind = "W" if np.ndim(params[i]) == 2 else "b"
    return f"the gradient of params[{i}] ({kind} of layer {layer}, shape {np.shape(params[i])})"


def _l2_verdict(fn, cases):
    name = _name(fn)
    for label, (params, lam), (penalty, grads) in cases:
        got, problem = attempt(fn, (params, lam), label)
        if problem:
            return False, problem
        if not isinstance(got, tuple) or len(got) != 2:
            return False, f"{name} should return a tuple (penalty, grads), got {type(got).__name__}"
        got_penalty, got_grads = got
        problem = diagnose(penalty, got_penalty)
        if problem:
            return False, f"{name}, {label}: the penalty {problem}"
        if not isinstance(got_grads, (list, tuple)) or len(got_grads) != len(grads):
            return False, (f"{name}, {label}: grads should be a list of {len(grads)} arrays, one "
                           f"per parameter, got {type(got_grads).__name__}"
                           + (f" of length {len(got_grads)}"
                              if isinstance(got_grads, (list, tuple)) else ""))
        for i, (expected, g) in enumerate(zip(grads, got_grads)):
            problem = diagnose(expected, g)
            if problem:
                return False, f"{name}, {label}: {_describe(params, i)} {problem}"
    labels = "; ".join(label for label, _, _ in cases)
    return True, f"{name} is correct on all {len(cases)} cases ({labels})."


L2_MISTAKES = {
    "no_factor_2": "the factor 2 is missing: the derivative of lam * w^2 is 2 * lam * w",
    "biases": "the penalty and its gradient include the biases; this assignment decays only "
              "the weight matrices (2-D arrays), a bias gets a zero gradient",
    "biases_in_grad": "the gradient includes the biases; give each bias (1-D array) a zero "
                      "gradient",
    "half": "the penalty is lam / 2 * sum(W^2) (PyTorch's weight_decay convention); here it is "
            "lam * sum(W^2)",
    "no_lam": "the penalty is missing the factor lam",
    "norm": "the penalty sums the norms ||W||: square them, lam * sum(W**2)",
    "norm_grad": "the penalty sums the norms ||W||: square them, lam * sum(W**2), whose gradient "
                 "is 2 * lam * W",
}


@graded(FORBIDDEN, "Task 3.1")
def check_l2_penalty(fn, *, quiet=False):
    """``fn(params, lam) -> (penalty, grads)``: the L2 penalty ``lam * sum(W**2)`` over the weight
    matrices (the 2-D arrays in ``params``; biases are not decayed) and its gradient with respect
    to each parameter, in the order of ``params`` (zeros for a bias)."""
    cases = _l2_cases()
    mistakes = _stored_mistakes(stored("a3", "l2_penalty"), L2_MISTAKES,
                                split=("penalty", "grads"))
    return _check(fn, cases, [], mistakes, quiet, verdict=_l2_verdict(fn, cases))


# == Part 4: the study ===========================================================================
class DropoutFrom(Module):
    """A dropout layer that runs your functions: ``forward(x, p, rng, training) -> (out, mask)``
    and ``backward(dout, mask, p) -> dx``. Shapes: any; the output has the input's shape."""

    def __init__(self, forward, backward, p, *, rng):
        if not callable(forward) or not callable(backward):
            raise TypeError(f"DropoutFrom expected two functions (forward, backward), got "
                            f"{type(forward).__name__} and {type(backward).__name__}")
        self.p = check_number(p, "p (the drop probability)", "DropoutFrom", low=0, high=1,
                              high_open=True)
        self.forward_fn, self.backward_fn, self.rng = forward, backward, rng

    def forward(self, x):
        result = self.forward_fn(x, self.p, self.rng, self.training)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(f"{self!r}: {_name(self.forward_fn)} should return a tuple (out, "
                            f"mask), got {type(result).__name__}")
        out, mask = result
        self._check_shape(out, np.shape(x), self.forward_fn, "out")
        self.cache = (mask,)
        return out

    def backward(self, dout):
        (mask,) = self._cached()
        dx = self.backward_fn(dout, mask, self.p)
        self._check_shape(dx, np.shape(dout), self.backward_fn, "dx")
        return dx

    def _check_shape(self, got, shape, fn, what):
        if np.shape(got) != shape:
            raise ValueError(f"{self!r}: {_name(fn)} returned {what} of shape {np.shape(got)}, "
                             f"expected the shape of its input, {shape}")

    def __repr__(self):
        return f"DropoutFrom({_name(self.forward_fn)}, {_name(self.backward_fn)}, p={self.p:g})"


class PenalisedSGD(SGD):
    """SGD that adds the gradient of ``penalty(params, lam) -> (penalty, grads)`` to every
    parameter's gradient before each step (``params``: the parameters' arrays, in order)."""

    def __init__(self, parameters, lr, *, momentum=0.0, lam, penalty):
        super().__init__(parameters, lr, momentum=momentum)
        self.lam = check_number(lam, "lam", "PenalisedSGD", low=0)
        if not callable(penalty):
            raise TypeError(f"PenalisedSGD expected a function as penalty, got "
                            f"{type(penalty).__name__}")
        self.penalty = penalty

    def step(self):
        name = _name(self.penalty)
        result = self.penalty([p.data for p in self.parameters], self.lam)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(f"PenalisedSGD: {name} should return a tuple (penalty, grads), got "
                            f"{type(result).__name__}")
        _, grads = result
        if not isinstance(grads, (list, tuple)) or len(grads) != len(self.parameters):
            got = (f"{len(grads)} gradients" if isinstance(grads, (list, tuple))
                   else type(grads).__name__)
            raise ValueError(f"PenalisedSGD: {name} should return one gradient per parameter "
                             f"({len(self.parameters)}), got {got}")
        for i, (p, g) in enumerate(zip(self.parameters, grads)):
            if np.shape(g) != p.data.shape:
                raise ValueError(f"PenalisedSGD: {name} returned a gradient of shape "
                                 f"{np.shape(g)} for parameter {i} of shape {p.data.shape}")
        for p, g in zip(self.parameters, grads):
            p.grad += g  # backward overwrites .grad next time, so adding here is safe
        super().step()


METHODS = ["no regularisation", "weight decay", "dropout", "early stopping"]


@dataclass
class Study:
    """The results of :func:`run_study`: ``test[method]`` and ``train[method]`` hold one accuracy
    per seed (test: clean labels; train: the noisy labels trained on); methods left out (their
    piece not implemented yet) are missing. ``stopped`` / ``restored``: early stopping's epochs."""

    seeds: list
    settings: dict
    test: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    stopped: list = field(default_factory=list)
    restored: list = field(default_factory=list)


def _net(hidden, rng, dropout=None):
    return Sequential(Linear(64, hidden, rng=rng), ReLU(), *([dropout] if dropout else []),
                      Linear(hidden, 10, rng=rng))


def _data(data):
    try:
        (X_train, y_train), (X_val, y_val), (X_test, y_test) = data
    except (TypeError, ValueError):
        raise TypeError("run_study: data must be ((X_train, y_train), (X_val, y_val), "
                        "(X_test, y_test))") from None
    return X_train, y_train, X_val, y_val, X_test, y_test


def _implemented(fn, args):
    """False if ``fn`` still raises NotImplementedError (any other error is the student's to
    see, so it propagates)."""
    try:
        fn(*copy.deepcopy(args))
    except NotImplementedError:
        return False
    return True


def run_study(data, dropout_forward, dropout_backward, early_stopping, l2_penalty, *, seeds,
              hidden, epochs, lr, batch_size, lam, p, patience, min_delta=0.0, momentum=0.9):
    """Train the same network with each method on every seed; return a :class:`Study`.

    ``data``: ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``. Per seed, one
    ``np.random.default_rng(seed)`` draws the weights, the batch order and the dropout masks.
    Early stopping needs no run of its own: it applies your rule to the validation losses of the
    unregularised run and takes the test accuracy of the epoch it restores (the weights after
    epoch k do not depend on what training does after epoch k).
    """
    _data(data)
    seeds = [check_number(s, "each seed", "run_study", low=0, integer=True) for s in seeds]
    if not seeds:
        raise ValueError("run_study: seeds is empty; give at least one seed")
    settings = dict(hidden=hidden, epochs=epochs, lr=lr, batch_size=batch_size, lam=lam, p=p,
                    patience=patience, min_delta=min_delta, momentum=momentum)
    study = Study(seeds=seeds, settings=settings)
    x = _rng(0).normal(size=(2, 3))
    trials = {  # each piece on a tiny input, to find the ones not written yet
        "weight decay": [(l2_penalty, ([x, x[0]], lam))],
        "dropout": [(dropout_forward, (x, p, _rng(0), True)),
                    (dropout_backward, (x, np.ones(x.shape, bool), p))],
        "early stopping": [(early_stopping, ([1.0, 0.5], patience, min_delta))],
    }
    use = {}
    for method, pieces in trials.items():
        missing = [_name(fn) for fn, args in pieces if not _implemented(fn, args)]
        use[method] = not missing
        if missing:
            print(f"{method}: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                  f"{NOT_IMPLEMENTED}; left out of the study")
    for method in METHODS:
        if method != "no regularisation" and not use[method]:
            continue
        study.test[method], study.train[method] = [], []
    for seed in seeds:
        for method in METHODS:
            if method not in study.test or method == "early stopping":
                continue
            rng = _rng(seed)
            dropout = (DropoutFrom(dropout_forward, dropout_backward, p, rng=rng)
                       if method == "dropout" else None)
            model = _net(hidden, rng, dropout)
            if method == "weight decay":
                optimizer = PenalisedSGD(model.parameters(), lr, momentum=momentum, lam=lam,
                                         penalty=l2_penalty)
            else:
                optimizer = SGD(model.parameters(), lr, momentum=momentum)
            # the unregularised run measures every epoch: early stopping picks one of them
            every_epoch = method == "no regularisation"
            history, test_curve, train_curve = _train(model, optimizer, data, every_epoch,
                                                      epochs=epochs, batch_size=batch_size,
                                                      rng=rng)
            study.test[method].append(test_curve[-1])
            study.train[method].append(train_curve[-1])
            if every_epoch and "early stopping" in study.test:
                stopped, best = _replay(early_stopping, history.val_loss, patience, min_delta)
                study.stopped.append(stopped)
                study.restored.append(best)
                study.test["early stopping"].append(test_curve[best - 1])
                study.train["early stopping"].append(train_curve[best - 1])
    return study


def _train(model, optimizer, data, every_epoch, **fit_args):
    """``fit`` on the noisy training labels; the test and training accuracies after every epoch
    (``every_epoch``) or after the last one only."""
    X_train, y_train, X_val, y_val, X_test, y_test = _data(data)
    test_curve, train_curve = [], []

    def measure(epoch, model):  # the model is in eval mode here
        test_curve.append(accuracy(model(X_test), y_test))
        train_curve.append(accuracy(model(X_train), y_train))

    history = fit(model, SoftmaxCrossEntropy(), optimizer, (X_train, y_train), (X_val, y_val),
                  callback=measure if every_epoch else None, **fit_args)
    if not every_epoch:
        measure(history.stopped_epoch, model)
    return history, test_curve, train_curve


def _replay(early_stopping, val_losses, patience, min_delta):
    """Your rule on a run's validation losses: (stopped_epoch, best_epoch), checked."""
    result = early_stopping(list(val_losses), patience, min_delta)
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{_name(early_stopping)} should return (stopped_epoch, best_epoch), got "
                        f"{result!r}")
    stopped, best = result
    n = len(val_losses)
    if not isinstance(best, (int, np.integer)) or not 1 <= best <= n:
        raise ValueError(f"{_name(early_stopping)} returned best_epoch {best!r}; expected an "
                         f"epoch from 1 to {n}")
    return (None if stopped is None else int(stopped)), int(best)


def print_table(study):
    """One row per method: each seed's test accuracy (%), their mean and standard deviation
    (ddof=1), and the mean accuracy on the noisy labels the network was trained on."""
    seeds = study.seeds
    head = "".join(f"{'seed ' + str(s):>8}" for s in seeds)
    print(f"Test accuracy (%) on the clean test labels, {len(seeds)} seeds")
    print(f"{'method':<18}{head}{'mean':>7}{'std':>6}{'train (noisy)':>15}")
    for method, accs in study.test.items():
        a = 100 * np.asarray(accs)
        std = a.std(ddof=1) if len(a) > 1 else 0.0
        cells = "".join(f"{v:8.1f}" for v in a)
        print(f"{method:<18}{cells}{a.mean():7.1f}{std:6.1f}"
              f"{100 * np.mean(study.train[method]):15.1f}")
    if study.restored:
        stopped = [str(s) if s is not None else "never" for s in study.stopped]
        print(f"early stopping (patience {study.settings['patience']}): restored epochs "
              f"{', '.join(map(str, study.restored))}; stopped after epochs {', '.join(stopped)} "
              f"of {study.settings['epochs']}")


COLOURS = {"no regularisation": "#000000", "weight decay": "#0072B2", "dropout": "#E69F00",
           "early stopping": "#009E73"}  # Okabe-Ito, as nnlesson.viz.plot's palette


def plot_study(study, ax=None):
    """Test accuracy per method: one dot per seed, a bar at the mean. Returns the figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    methods = list(study.test)
    n = len(study.seeds)
    offsets = np.linspace(-0.15, 0.15, n) if n > 1 else np.zeros(1)
    for i, method in enumerate(methods):
        a = 100 * np.asarray(study.test[method])
        ax.scatter(i + offsets, a, s=30, color=COLOURS[method], zorder=3,
                   label="one seed" if i == 0 else None)
        ax.hlines(a.mean(), i - 0.3, i + 0.3, color=COLOURS[method], lw=2.5,
                  label="mean over seeds" if i == 0 else None)
    ax.set_xticks(range(len(methods)), methods)
    ax.set_xlim(-0.6, len(methods) - 0.4)
    ax.set_xlabel(f"method (dots left to right: seeds {', '.join(map(str, study.seeds))})")
    ax.set_ylabel("test accuracy (%), clean labels")
    ax.set_title(f"Training on noisy labels: test accuracy per method, {n} seeds")
    ax.legend(loc="lower right")
    return ax.figure
