"""Instant feedback for the lessons' code exercises.

The lessons' checks live here; each assignment's in its own module beside this one
(``from nnlesson.checks import a1``), built from the same ``run_cases`` and ``diagnose``.

Each ``check_*`` function runs a student's function on a few seeded cases (edge cases included),
compares the results with nnlesson's own, and prints one short verdict: a single line when all
cases pass, otherwise the first failing case and what is wrong with it (shape, sign, scale, or
the worst element). It never shows the reference code. With ``quiet=True`` it prints nothing and
returns True or False instead (for grading: ``assert check_linear_forward(f, quiet=True)``).
Each call of the student's function gets ``TIME_LIMIT`` seconds, so an infinite loop ends with a
verdict instead of a kernel that hangs forever.
"""

import contextvars
import copy
import functools
import inspect
import math
import signal
import sys
import threading
import tracemalloc
from dataclasses import dataclass

import numpy as np

from .._util import no_grad
from ..activations import prelu, relu, sigmoid, sigmoid_derivative, softmax, tanh
from ..layers import Dropout, Linear, ReLU, Sequential, Tanh
from ..losses import SoftmaxCrossEntropy
from ..train import EarlyStopping
from .tripwire import NotYourOwnWork, forbid

PASS, FAIL = "\N{HEAVY CHECK MARK}", "\N{HEAVY BALLOT X}"
TIME_LIMIT = 5  # seconds for one call of the student's function
# Libraries whose implementation of an exercise is never the student's own (tripwire.py refuses
# them while the student's function runs; one that is not installed costs nothing).
OTHER_LIBRARIES = ("torch", "sklearn", "scipy", "tensorflow", "jax")
# What an exercise or a graded task refuses unless it says otherwise: all of nnlesson (so that no
# equivalent elsewhere in the package slips through a hand-picked list) and the other libraries.
# What a task hands the student (a model, a data helper) it names in ``allow``.
NOT_OWN_WORK = ("nnlesson", *OTHER_LIBRARIES)
# The forward activations lessons 01 to 03 teach, as functions: a lesson's exercise may use them
# wherever they are not its subject (a backward pass written with ``nl.tanh`` is the student's
# own backward pass), so its check refuses every other nnlesson function but allows these. Not
# the layer classes: their ``backward`` is what many exercises ask for. The exercises whose
# subject one of them is (softmax, cross-entropy) leave it out.
TAUGHT = (sigmoid, tanh, relu, prelu, softmax)
# (forbidden, allow, task) while a graded check runs: its case runner's default (graded.py)
_graded_rules = contextvars.ContextVar("graded_rules", default=None)


class TookTooLong(BaseException):
    """Raised into a student's function that ran past ``TIME_LIMIT``.

    A BaseException (like KeyboardInterrupt), so that an ``except Exception:`` in the student's
    loop cannot swallow it.
    """


def call_with_time_limit(fn, args, seconds=None):
    """``fn(*args)``, or TookTooLong after ``seconds`` (default ``TIME_LIMIT``).

    In the main thread on Linux and macOS (where a notebook runs its cells) a timer signal
    interrupts the function the way Ctrl-C does, so an infinite loop really stops. Elsewhere
    (Windows, or a check run from another thread) the function runs in a daemon thread and we
    stop waiting for it; Python cannot kill a thread from outside, so that loop keeps running in
    the background until the kernel is restarted. Python 3.10 never handles a signal just before
    entering a ``try`` block, so there a loop whose body starts with ``try:`` cannot be
    interrupted (Ctrl-C cannot stop it either); Python 3.11 and later handle it.
    """
    seconds = TIME_LIMIT if seconds is None else seconds
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def stop(signum, frame):
            raise TookTooLong

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    outcome = {}

    def target():
        try:
            outcome["result"] = fn(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TookTooLong
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _say(verdict, quiet):
    """Print the verdict; with ``quiet`` print nothing and return True or False instead."""
    ok, message = verdict
    if quiet:
        return ok
    print(f"{PASS if ok else FAIL} {message}")


# -- comparing an answer with the expected one ---------------------------------------------------
def _differing(expected, got):
    """The two numbers with just enough significant digits (6 at least) to tell them apart;
    beyond 6, trailing zeros are kept ("4.608910", not "4.60891"), so both show as many."""
    for digits in range(6, 18):
        style = "" if digits == 6 else "#"
        shown = f"{expected:{style}.{digits}g}", f"{got:{style}.{digits}g}"
        if shown[0] != shown[1]:
            break
    return shown


def _tolerance(dtype, rtol, atol, scale):
    """``(rtol, atol)`` for an answer of ``dtype``: a float32 answer is judged at float32
    precision (about 7 significant digits, and a sum of a few dozen terms loses a few more), its
    absolute tolerance relative to the largest expected value ``scale``."""
    if dtype.kind == "f" and dtype.itemsize < 8:
        tol = 128 * float(np.finfo(dtype).eps)  # float32: 1.5e-5
        return max(rtol, tol), max(atol, tol * scale)
    return rtol, atol


def _ratio_in_words(k, batch):
    """``(words, note)`` such as ``("2 times", "")`` when ``k`` is a ratio a mistake explains: 2,
    1/2, the number of examples N or 1/N (a sum for a mean, or the reverse); None for any other
    ratio (a random-looking factor says nothing about the cause)."""
    named = [(2, "2 times", ""), (0.5, "1/2 of", "")]
    if batch and batch > 2:
        note = f" (N = {batch} examples)"
        named = [(batch, f"{batch} times", note), (1 / batch, f"1/{batch} of", note)] + named
    for value, words, note in named:
        if np.isclose(k, value, rtol=1e-6):
            return words, note
    return None


def diagnose(expected, got, rtol=1e-6, atol=1e-9, *, batch=None):
    """What is wrong with ``got`` compared with ``expected``, in words; None if nothing is.

    A float32 answer is compared at float32 precision. ``batch``, the batch size when there is
    one, lets "N times the right value" be named.
    """
    if expected is None or isinstance(expected, (bool, int, np.integer)):
        whole = np.ndim(got) == 0 and np.asarray(got).dtype.kind in "biuf"
        same = got is None if expected is None else whole and got == expected
        return None if same else f"should be {expected!r}, got {got!r}"
    if got is None:
        return "is None: did you forget a `return`?"
    expected = np.asarray(expected, dtype=float)
    try:
        dtype = np.asarray(got).dtype
    except (TypeError, ValueError):  # ragged lists
        dtype = np.dtype(object)
    if dtype.kind == "c":
        return "should be real numbers, got complex numbers"
    if dtype.kind not in "biuf":
        return f"should be a number or an array of numbers, got {type(got).__name__}"
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape:
        hint = " (transposed?)" if got.shape == expected.shape[::-1] and got.ndim == 2 else ""
        return f"should have shape {expected.shape}, got shape {got.shape}{hint}"
    finite = np.isfinite(expected)
    scale = float(np.max(np.abs(expected[finite]), initial=0.0)) or 1.0
    rtol, atol = _tolerance(dtype, rtol, atol, scale)
    if np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        return None
    if dtype.kind == "f" and dtype.itemsize < 8 and np.allclose(got, expected, rtol=1e-3,
                                                                 atol=1e-3 * scale):
        return (f"is right to {dtype.name} precision only: computed in {dtype.name}: use float64 "
                f"(this check needs more than {dtype.name}'s "
                f"{np.finfo(dtype).precision} significant digits)")
    everywhere = " everywhere" if expected.size > 1 else ""
    if not np.any(got) and np.any(expected):
        return "is all zeros"
    if np.allclose(got, -expected, rtol=rtol, atol=atol):
        return f"has the wrong sign{everywhere}"
    nonzero = np.abs(expected) > atol
    if nonzero.any() and np.allclose(got[~nonzero], 0, atol=atol):
        ratios = got[nonzero] / expected[nonzero]
        named = np.allclose(ratios, ratios.flat[0], rtol=1e-6) and _ratio_in_words(
            ratios.flat[0], batch)
        if named:
            words, note = named
            return f"is {words} the right value{everywhere}{note}: check the scaling"
    error = np.abs(got - expected)
    error = np.where(np.isnan(error), np.inf, error)  # a nan is the worst element
    worst = np.unravel_index(np.argmax(error), error.shape) if error.ndim else ()
    rel = error[worst] / max(abs(expected[worst]), abs(got[worst]), 1e-12)
    where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
    shown_expected, shown_got = _differing(expected[worst], got[worst])
    return (f"is wrong{where}: expected {shown_expected}, got {shown_got} "
            f"(relative error {rel:.2g})")


# -- running a student's function on cases --------------------------------------------------------
@dataclass
class Case:
    """One seeded case: ``fn(*args)`` should give ``expected`` (a tuple, one value per output).

    ``mistakes``: ``(output index, test(got) -> bool, hint)``; when that output is wrong and the
    test recognises it, the hint (a typical mistake, by name) follows the diagnosis.
    ``nonfinite``: the hint for a nan or inf in the answer. ``seconds``: a time limit of its own
    (``TIME_LIMIT`` if None), ``slow``: what to say when it runs out. ``raised``: a hint added
    when the function raises an error (a numpy shape error, most often). ``batch``: the batch
    size, if the case has one (then "4 times the right value" can say that 4 is the batch size).
    """

    label: str
    args: tuple
    expected: tuple
    mistakes: tuple = ()
    nonfinite: str = ""
    seconds: float | None = None
    slow: str = ""
    raised: str = ""
    batch: int | None = None


_NONE = "<None>"  # a None, as tools/expected_values.py stores it


@functools.cache
def _stored_file(name):
    from pathlib import Path

    path = Path(__file__).with_name("expected") / f"{name}.npz"
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def stored(name, task):
    """The stored cases of one check, ``[{field: value}, ...]`` in order, from
    ``expected/NAME.npz`` (written by ``tools/expected_values.py``, which holds the reference
    solutions: the package holds only their results). A number or a label comes back as a
    Python number or string, a list as a list of arrays, a stored None as None. Each call gives
    fresh copies, so a student's function that changes its inputs changes nothing stored."""
    cases = {}
    for key, value in _stored_file(name).items():
        where, _, rest = key.partition("/")
        if where != task:
            continue
        index, _, field = rest.partition("/")
        field, _, item = field.partition("/")
        case = cases.setdefault(int(index), {})
        value = value.item() if value.ndim == 0 else value.copy()
        value = None if isinstance(value, str) and value == _NONE else value
        if item:
            case.setdefault(field, {})[int(item)] = value
        else:
            case[field] = value
    if not cases:
        raise KeyError(f"stored: no cases for {task!r} in {name}.npz: rerun "
                       f"tools/expected_values.py")
    return [{field: [v[j] for j in sorted(v)] if isinstance(v, dict) else v
             for field, v in cases[i].items()} for i in sorted(cases)]


def _as_case(case, outputs):
    """A :class:`Case`, from a Case or from a tuple ``(label, args, expected)`` whose
    ``expected`` is the value itself when there is one output, else a tuple of them."""
    if isinstance(case, Case):
        return case
    label, args, expected = case
    return Case(label, args, (expected,) if len(outputs) == 1 else tuple(expected))


def _nonfinite(got):
    """True for an array of real numbers holding a nan or an inf."""
    try:
        got = np.asarray(got)
    except (TypeError, ValueError):  # ragged lists
        return False
    return got.dtype.kind in "biuf" and not np.all(np.isfinite(got))


def _problem(case, index, expected, got):
    """What is wrong with output ``index`` of ``case``, a known mistake's hint included."""
    if got is not None and _nonfinite(got) and np.all(np.isfinite(expected)):
        return "contains nan or inf" + (f": {case.nonfinite}" if case.nonfinite else "")
    problem = diagnose(expected, got, batch=case.batch)
    if problem is None:
        return None
    for which, test, hint in case.mistakes:
        if which == index:
            try:
                recognised = bool(test(got))
            except Exception:  # noqa: BLE001 - a test that cannot apply recognises nothing
                recognised = False
            if recognised:
                return f"{problem}. {hint}"
    return problem


def _verdict(fn, cases, outputs, *, order=None, forbidden=None, allow=TAUGHT, task=""):
    """``(ok, message)`` for ``fn`` on ``cases`` (:class:`Case` objects or ``(label, args,
    expected)`` tuples); ``outputs`` names what ``fn`` returns, in the order it returns them.
    ``order``: the indices of the outputs in the order to compare them, when one explains another
    (dropout's mask before its output); ``forbidden`` and ``task`` go to :func:`attempt`."""
    name = getattr(fn, "__name__", "your function")
    cases = [_as_case(case, outputs) for case in cases]
    for case in cases:
        with np.errstate(all="ignore"):  # nan and inf are diagnosed from the answer, in words
            got, problem = attempt(fn, case.args, case.label, seconds=case.seconds,
                                   slow=case.slow, forbidden=forbidden, allow=allow, task=task)
        if problem:
            if case.raised and " raised " in problem:
                problem = f"{problem} ({case.raised})"
            return False, problem
        if len(outputs) == 1:
            got = (got,)
        elif not isinstance(got, (tuple, list)) or len(got) != len(outputs):
            length = f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""
            return False, (f"{name} should return a tuple ({', '.join(outputs)}), "
                           f"got {type(got).__name__}{length}")
        for index in range(len(outputs)) if order is None else order:
            problem = _problem(case, index, case.expected[index], got[index])
            if problem:
                return False, f"{name}, {case.label}: {outputs[index]} {problem}"
    labels = "; ".join(case.label for case in cases)
    return True, f"{name} is correct on all {len(cases)} cases ({labels})."


def run_cases(fn, cases, outputs, *, quiet=False, order=None, forbidden=None, allow=TAUGHT,
              task=""):
    """Run ``fn(*args)`` on every case and print one verdict (see :func:`_verdict`).

    ``cases``: :class:`Case` objects, or ``(label, args, expected)`` tuples. ``outputs`` names
    what ``fn`` returns: one name, or several when it returns a tuple. ``forbidden`` and
    ``allow``: what is refused while ``fn`` runs (all of nnlesson and the other libraries unless
    given) and what the exercise hands over (see :func:`attempt`).
    """
    return _say(_verdict(fn, cases, outputs, order=order, forbidden=forbidden, allow=allow,
                         task=task), quiet)


def attempt(fn, args, label, *, name=None, seconds=None, slow="", copy_args=True, hint="",
            forbidden=None, allow=TAUGHT, task=""):
    """Call the student's ``fn(*args)`` for the case ``label``: ``(result, None)``, or
    ``(None, message)`` saying why it did not return: too slow, not implemented yet (naming the
    unfinished function it calls, if that is the one), or the error it raised.

    The arguments are copied first, so that an in-place change cannot spoil later cases, unless
    ``copy_args`` is False (for a function whose job is to change them). ``name`` is the
    student's function's when ``fn`` wraps it; ``seconds`` the time limit (``TIME_LIMIT``),
    ``slow`` what to say when it is exceeded; ``hint`` ends the message of a limit or an error.
    ``forbidden`` lists the implementations the task ``task`` does not allow the student to call
    (see ``tripwire.py``): by default the running graded check's, else :data:`NOT_OWN_WORK`;
    ``allow`` what the task hands the student. The case runners of the lessons' and the
    assignments' checks all go through it.
    """
    if not callable(fn):
        return None, not_a_function("the check", fn)
    name = name or getattr(fn, "__name__", "your function")
    args = copy.deepcopy(args) if copy_args else args
    if forbidden is None:
        forbidden, allow, task = _graded_rules.get() or (NOT_OWN_WORK, allow, task)
    try:
        with forbid(*forbidden, allow=allow, task=task):
            return call_with_time_limit(fn, args, seconds), None
    except NotYourOwnWork as error:  # naming the caller only where it is not ``name`` itself
        return None, f"{name}, {label}: {error.plain if error.caller in (None, name) else error}."
    except TookTooLong:
        limit = TIME_LIMIT if seconds is None else seconds
        return None, (f"{name} took longer than {limit:g} s for {label}: "
                      f"{slow or 'is there an infinite loop?'}{hint}")
    except NotImplementedError as error:
        return None, not_implemented(name, fn, error)
    except RecursionError:
        return None, too_deep(name, label)
    except Exception as error:  # noqa: BLE001 - any error is the student's to see, briefly
        return None, f"{name} raised {type(error).__name__} for {label}: {error}{hint}"


def _raising_code(error):
    """The code that raised ``error`` (the last frame of its traceback), or None when numpy or
    nnlesson raised it (then it is not the student's)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or str(tb.tb_frame.f_globals.get("__name__")).startswith(("numpy", "nnlesson")):
        return None
    return tb.tb_frame.f_code


def raiser(error):
    """The name of the student's function that raised ``error``, or None."""
    code = _raising_code(error)
    return code and code.co_name


def not_implemented(name, fn, error):
    """The verdict for a NotImplementedError from the student's ``fn`` (named ``name``): ``fn``
    itself is unfinished, or another function of theirs that it calls."""
    code = _raising_code(error)
    callee = code and code.co_name
    fn = inspect.unwrap(fn)  # a check's wrapper names the student's function in __wrapped__
    if (callee and code is not getattr(fn, "__code__", None)
            and callee not in (name, getattr(fn, "__name__", None)) and callee[0] != "<"):
        return (f"{name} calls {callee}, which is not implemented yet: write {callee} first "
                f"(replace its `raise NotImplementedError()`).")
    return f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code."


def not_a_function(check, given):
    """The verdict for a check given something else than a function (most often the function's
    result: ``check(my_function(x))`` instead of ``check(my_function)``)."""
    what = (f"an array of shape {given.shape}" if isinstance(given, np.ndarray)
            else f"{type(given).__name__} {given!r}" if np.ndim(given) == 0 and
            isinstance(given, (int, float, np.number)) else type(given).__name__)
    return (f"{check} takes your function itself, not what it returns: write "
            f"{check}(my_function), without parentheses after my_function; got {what}.")


def _takes_functions(check):
    """``check`` (a lesson's ``check_*``), first making sure it was given functions."""
    @functools.wraps(check)
    def checked(*fns, quiet=False):
        for fn in fns:
            if not callable(fn):
                return _say((False, not_a_function(f"checks.{check.__name__}", fn)), quiet)
        return check(*fns, quiet=quiet)

    return checked


def too_deep(name, label):
    """The verdict for a function that recursed past Python's limit (one call per node)."""
    return (f"{name} (or a function it calls) uses recursion, one nested call per node, on "
            f"{label}: Python stops at about {sys.getrecursionlimit()} nested calls. Use an "
            f"explicit stack instead: a list you append nodes to and pop from.")


def _rng(seed):
    return np.random.default_rng(seed)


# -- lesson 1 ----------------------------------------------------------------------------------
def check_linear_forward(fn, *, quiet=False):
    """``fn(x, W, b)``: the output ``x @ W.T + b`` of a fully connected layer."""
    # the usual mistake, x @ W + b: a shape error for most layers, wrong numbers for a square one
    shapes = ("W has shape (out_features, in_features), one row per output: which way round must "
              "it meet x, of shape (batch, in_features)?")
    cases = []
    for label, (batch, n_in, n_out), seed in [("a batch of 5", (5, 3, 4), 0),
                                              ("a batch of 1", (1, 3, 2), 1),
                                              ("a square layer", (4, 6, 6), 2)]:
        r = _rng(seed)
        x, W, b = r.normal(size=(batch, n_in)), r.normal(size=(n_out, n_in)), r.normal(size=n_out)
        untransposed = (0, lambda got, x=x, W=W, b=b: np.allclose(got, x @ W + b),
                        "It equals x @ W + b: " + shapes)
        cases.append(Case(label, (x, W, b), (x @ W.T + b,), mistakes=(untransposed,),
                          raised=shapes))
    return run_cases(fn, cases, ["the output"], quiet=quiet)


# -- lesson 2 ----------------------------------------------------------------------------------
def check_collapse(fn, *, quiet=False):
    """``fn(W1, b1, W2, b2) -> (W, b)``: the single layer equal to two stacked linear layers."""
    bias = "b1 is part of layer 1's output, so it passes through layer 2's W2 before b2 is added."
    cases = []
    for label, (n, h, m), seed in [("2 -> 5 -> 3", (2, 5, 3), 0), ("4 -> 1 -> 2", (4, 1, 2), 1)]:
        r = _rng(seed)
        W1, b1 = r.normal(size=(h, n)), r.normal(size=h)
        W2, b2 = r.normal(size=(m, h)), r.normal(size=m)
        # b = b1 + b2 raises on 2 -> 5 -> 3 (shapes (5,) and (3,)) but broadcasts on 4 -> 1 -> 2
        added = (1, lambda got, b1=b1, b2=b2: (np.shape(got) == b2.shape
                                                and np.allclose(got, b1 + b2)),
                 "It equals b1 + b2: " + bias)
        cases.append(Case(label, (W1, b1, W2, b2), (W2 @ W1, W2 @ b1 + b2), mistakes=(added,),
                          raised="layer 1 acts on x first: which matrix must multiply x first? "
                                 "And if the error is in b: " + bias))
    return run_cases(fn, cases, ["W", "b"], quiet=quiet)


# -- lesson 3 ----------------------------------------------------------------------------------
def check_sigmoid_derivative(fn, *, quiet=False):
    """``fn(x)``: sigmoid'(x) element-wise."""
    r = _rng(0)
    cases = [(label, (x,), sigmoid_derivative(x)) for label, x in [
        ("an array of mixed signs", r.normal(0, 3, size=(4, 5))),
        ("negative inputs", -np.abs(r.normal(0, 3, size=7))),
        ("large inputs (+-50)", np.array([-50.0, 50.0])),
        # where np.exp(-x) overflows: exp(-x) / (1 + exp(-x))**2 gives inf / inf = nan there
        ("saturated inputs (+-1000: build it from nl.sigmoid, which never overflows)",
         np.array([-1000.0, 1000.0])),
        ("zero", np.zeros(1)),
    ]]
    # the exercise builds it from nl.sigmoid: only the derivatives are the student's to write
    return run_cases(fn, cases, ["the derivative"], quiet=quiet)  # nl.sigmoid: TAUGHT


def check_prelu_backward(fn, *, quiet=False):
    """``fn(x, alpha, dout) -> (dx, dalpha)``: the pReLU backward, alpha a scalar."""
    cases = []
    for label, shape, alpha, seed, sign in [("a batch of 4", (4, 3), 0.25, 0, 0),
                                            ("a batch of 1", (1, 5), 0.1, 1, 0),
                                            ("negative inputs only", (3, 3), 0.3, 2, -1),
                                            ("alpha = 0", (4, 3), 0.0, 3, 0),
                                            ("exact zeros (at x = 0 the slope is alpha)", (3, 4),
                                             0.25, 4, 0)]:
        r = _rng(seed)
        x = r.normal(size=shape)
        x = -np.abs(x) if sign < 0 else x
        if label.startswith("exact zeros"):
            x[:, ::2] = 0.0
        dout = r.normal(size=shape)
        negative = x <= 0
        expected = (np.where(negative, alpha * dout, dout), np.sum(dout * x * negative))
        cases.append((label, (x, alpha, dout), expected))
    return run_cases(fn, cases, ["dx", "dalpha"], quiet=quiet)


# -- lesson 4 ----------------------------------------------------------------------------------
def check_swish_derivative(fn, *, quiet=False):
    """``fn(x)``: d/dx [x sigmoid(x)] element-wise, the sum of the fork's two paths."""
    r = _rng(0)
    cases = []
    for label, x in [("an array of mixed signs", r.normal(0, 2, size=(3, 4))),
                     ("zero (only the direct path is non-zero there)", np.zeros(1)),
                     ("large inputs (+-30)", np.array([-30.0, 30.0]))]:
        s = sigmoid(x)
        paths = (0, lambda got, s=s: np.allclose(got, s),
                 "It equals sigmoid(x), the direct path only: add the path through the sigmoid "
                 "(gradients add at a fork)")
        through = (0, lambda got, s=s, x=x: np.allclose(got, x * s * (1 - s)),
                   "It equals x sigmoid'(x), the path through the sigmoid only: add the direct "
                   "path (gradients add at a fork)")
        cases.append(Case(label, (x,), (s + x * s * (1 - s),), mistakes=(paths, through)))
    return run_cases(fn, cases, ["the derivative"], quiet=quiet)  # sigmoid allowed: as lesson 04


def _forward_difference(f, x, eps=1e-6):
    """The one-sided (f(x + eps) - f(x)) / eps, to name that mistake."""
    x, grad = x.copy(), np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def _and_argument_after(fn, index):
    """``fn`` returning its result and, as one more output, its argument number ``index`` after
    the call: a case then compares that argument with its value before, so a function that
    changes its input (and does not put it back) fails, with the output's name saying so."""
    def call(*args):
        return fn(*args), args[index]

    call.__name__ = getattr(fn, "__name__", "your function")
    return call


def check_numerical_gradient(fn, *, quiet=False):
    """``fn(f, x, eps=1e-6)``: central differences of the scalar f at x; x left unchanged."""
    r = _rng(0)
    x1, x2 = r.normal(size=(3, 4)), r.normal(size=5)
    cases = []
    for label, f, x, exact in [
        ("f(x) = sum(x^3) on a 3 x 4 array", lambda v: float(np.sum(v ** 3)), x1, 3 * x1 ** 2),
        ("f(x) = sum(sigmoid(x)) on a vector", lambda v: float(np.sum(sigmoid(v))), x2,
         sigmoid_derivative(x2)),
        ("f(x) = x0 * x1 on two numbers", lambda v: float(v[0] * v[1]), np.array([2.0, -3.0]),
         np.array([-3.0, 2.0])),
    ]:
        one_sided = _forward_difference(f, x)
        forward = (0, lambda got, one_sided=one_sided, exact=exact:
                   np.max(np.abs(got - one_sided)) < np.max(np.abs(got - exact)) / 10,
                   "It matches the one-sided (f(x + eps) - f(x)) / eps, whose error shrinks only "
                   "like eps: use the central difference (f(x + eps) - f(x - eps)) / (2 eps)")
        cases.append(Case(label, (f, x), (exact, x.copy()), mistakes=(forward,)))
    # a step the function must use: for sum(x^3) the central difference is 3 x^2 + eps^2 exactly
    cube, eps = lambda v: float(np.sum(v ** 3)), 1e-2
    cases.append(Case("f(x) = sum(x^3) with eps = 0.01 (the central difference is 3 x^2 + eps^2)",
                      (cube, x2, eps), (3 * x2 ** 2 + eps ** 2, x2.copy()), mistakes=(
                          (0, lambda got: np.allclose(got, 3 * x2 ** 2, rtol=0, atol=1e-6),
                           "It is the exact derivative, not the central difference with the eps "
                           "given: use the eps argument, not a step of your own"),)))

    return run_cases(_and_argument_after(fn, 1), cases,
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
        cases.append(Case(label, (x, W, dout), (dout @ W, dout.T @ x, dout.sum(axis=0)),
                          batch=batch))
    return run_cases(fn, cases, ["dx", "dW", "db"], quiet=quiet)


# -- lesson 5 ----------------------------------------------------------------------------------
def check_cache_bytes(fn, *, quiet=False):
    """``fn(depth, batch, width)``: the bytes ``cache_nbytes()`` reports for depth x (Linear +
    Sigmoid) blocks in float64, each array counted once. The cases are stored
    (``tools/expected_values.py``), so reading this check does not give the answer away."""
    cases = []
    for case in stored("lesson05", "cache_bytes"):
        mistakes = (
            (0, lambda got, v=case["twice"]: got == v,
             "It counts every Linear's input as an array of its own: after the first Linear, "
             "each is the Sigmoid's output before it, one array (the Sigmoid returns it "
             "read-only, so the Linear keeps it without a copy), held in memory once"),
            (0, lambda got, v=case["no_input"]: got == v,
             "It leaves out one activation: count the first Linear's input (that Linear keeps "
             "a copy of the network's input) and each block's Sigmoid output, the last one "
             "included"),
            (0, lambda got, v=[int(b) for b in case["relu_mask"]]: got in v,
             "A Sigmoid keeps its float64 output, 8 bytes per element, not a 1-byte mask like "
             "the ReLU's"),
        )
        cases.append(Case(case["label"], (case["depth"], case["batch"], case["width"]),
                          (case["expected"],), mistakes=mistakes))
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
        draws = _rng(100 + seed).random(shape)
        mask = draws >= p
        # cs231n's idiom keeps a unit with the same probability 1 - p, but other units
        other_idiom = (1, lambda got, kept=draws < 1 - p: np.array_equal(got, kept),
                       "That is valid dropout (rng.random(x.shape) < 1 - p keeps a unit with the "
                       "same probability), but it keeps other units than the check's: draw the "
                       "mask as rng.random(x.shape) >= p, as the exercise asks, so that the "
                       "masks can be compared")
        forward_cases.append(Case(label, (x, p, _rng(100 + seed)), (x * mask / (1 - p), mask),
                                  mistakes=(other_idiom,)))
        backward_cases.append((label, (dout, mask, p), dout * mask / (1 - p)))

    # the mask is compared first: a wrong mask explains a wrong output
    verdict = _verdict(forward, forward_cases, ["out", "mask"], order=(1, 0))
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
        # Two rules that are not this one stop elsewhere on these two: comparing each loss with
        # the previous epoch's (never stops here), and moving the best loss on any lower loss,
        # min_delta or not (stops at epoch 3 here).
        ("a jump up, then a slow fall (compare with the best loss, not the last)",
         [1.0, 0.5, 0.9, 0.8, 0.7, 0.6], 2, 0.0),
        ("gains below min_delta (the best loss moves only on an improvement)",
         [1.0, 0.95, 0.88, 0.85, 0.7, 0.69, 0.68], 2, 0.1),
    ]:
        expected, _ = EarlyStopping(patience, min_delta).replay(losses)
        cases.append((label, (losses, patience, min_delta), expected))
    return run_cases(fn, cases, ["the stopping epoch"], quiet=quiet)



def check_decayed_step(fn, *, quiet=False):
    """``fn(w, grad, lr, weight_decay)``: one SGD step on the loss plus ``wd/2 * ||w||^2``, that
    is ``w - lr * (grad + weight_decay * w)`` (nl.SGD's convention, without momentum)."""
    cases = []
    for label, shape, lr, wd, seed in [("a (3, 4) weight matrix", (3, 4), 0.1, 0.01, 0),
                                       ("a bias vector", (5,), 0.05, 0.5, 1),
                                       ("no gradient: the decay alone", (2, 3), 0.5, 0.2, 2),
                                       ("weight decay 0: plain SGD", (4,), 0.1, 0.0, 3)]:
        r = _rng(seed)
        w = r.normal(size=shape)
        grad = np.zeros(shape) if label.startswith("no gradient") else r.normal(size=shape)

        def close(candidate):
            return lambda got: np.allclose(got, candidate, rtol=1e-9, atol=1e-12)

        expected = w - lr * (grad + wd * w)
        mistakes = () if wd == 0 else (
            (0, close(w - lr * grad - wd * w),
             f"the decay term is not multiplied by the learning rate: it shrinks w by "
             f"{wd:g} * w instead of lr * weight_decay * w = {lr * wd:g} * w"),
            (0, close(w - lr * (grad + 2 * wd * w)),
             "the decay is twice too strong: the gradient of wd/2 * ||w||^2 is wd * w, "
             "not 2 * wd * w"),
            (0, close(w - lr * (grad + wd / 2 * w)),
             "the decay is half too weak: the gradient of wd/2 * ||w||^2 is wd * w, not wd/2 * w"),
            (0, close(w - lr * (grad - wd * w)),
             "the decay has the wrong sign: it makes w grow; the step goes against wd * w"),
            (0, close(w - lr * grad),
             f"the weight decay is missing (weight_decay = {wd:g} here)"))
        cases.append(Case(label, (w, grad, lr, wd), (expected, w.copy()), mistakes=mistakes))

    return run_cases(_and_argument_after(fn, 0), cases,
                     ["the new weights", "w after the call (return a new array, leave w as it is)"],
                     quiet=quiet)

# == lessons 01-03: softmax, cross-entropy, SGD with momentum, decision lines, learning alpha ====
# (one block, added for issue 14; it reuses run_cases and diagnose like the checks above)
def check_softmax(fn, *, quiet=False):
    """``fn(logits) -> probabilities``: softmax over each row of a (batch, classes) array."""
    r = _rng(0)
    # the typical shape error: e.sum(axis=1) is (batch,), which does not broadcast against
    # (batch, classes); it raises on the first case (a batch of 1 would hide it)
    keepdims = ("reduce each row with keepdims=True, e.g. e.sum(axis=1, keepdims=True): its shape "
                "(batch, 1) broadcasts against (batch, classes), where (batch,) does not")
    # a softmax written row by row and returned as a list of rows is right in value, then breaks
    # Exercise 3's probs[rows, labels] (a list takes no tuple index) with an error that blames it
    a_list = ((1, lambda got: not got,
               "Right values, but not in a numpy array: return one array of shape (batch, "
               "classes), e.g. np.array(rows); Exercise 3 indexes it as probs[rows, labels], "
               "which a list does not allow"),)
    cases = [Case(label, (z,), (softmax(z), True), raised=keepdims, mistakes=a_list)
             for label, z in [
        ("a batch of 3 rows", r.normal(0, 2, size=(3, 4))),
        ("a batch of 1", np.array([[2.0, 1.0, 0.1]])),
        ("equal scores", np.zeros((2, 5))),
        ("scores near 1000 (np.exp(1000) overflows)", np.array([[1000.0, 1001.0, 999.0]])),
        ("scores near -1000", np.array([[-1000.0, -1002.0]])),
        ("one row near 1000, one near -1000 (shift each row by its own maximum)",
         np.array([[1000.0, 999.0], [-1000.0, -1001.0]])),
    ]]
    # The cases above cannot tell the maximum from any other per-row shift (the minimum, the
    # mean): a row whose scores spread over more than 2 * 709 overflows np.exp after any of them.
    wide = np.array([[0.0, 1500.0], [-1500.0, 0.0]])
    cases.append(Case("a row spread over 1500 (np.exp(750) overflows too)", (wide,),
                      (softmax(wide), True), mistakes=a_list,
                      nonfinite="shift each row by its own maximum, not its minimum or mean: "
                                "then every exponent is at most 0 and np.exp cannot overflow"))
    without_softmax = tuple(f for f in TAUGHT if f is not softmax)  # the exercise's subject
    return run_cases(_and_whether_an_array(fn), cases,
                     ["the softmax output", "whether it is a numpy array"], quiet=quiet,
                     allow=without_softmax)


def check_cross_entropy(fn, *, quiet=False):
    """``fn(logits, labels) -> (loss, dlogits)``: mean cross-entropy and its gradient."""
    cases = []
    for label, (batch, classes), seed, scale in [("a batch of 4, 3 classes", (4, 3), 0, 1.0),
                                                 ("a batch of 1", (1, 5), 1, 1.0),
                                                 ("a batch of 6, 10 classes", (6, 10), 2, 1.0),
                                                 ("large scores (about 20)", (3, 4), 3, 20.0)]:
        r = _rng(seed)
        logits = scale * r.normal(size=(batch, classes))
        labels = r.integers(0, classes, size=batch)
        loss_fn = SoftmaxCrossEntropy()
        loss = loss_fn(logits, labels)
        cases.append(Case(label, (logits, labels), (loss, loss_fn.backward()), batch=batch))
    without_softmax = tuple(f for f in TAUGHT if f is not softmax)  # it is the loss's core
    return run_cases(fn, cases, ["the loss", "dlogits"], quiet=quiet, allow=without_softmax)


def _and_whether_an_array(fn):
    """``fn`` returning its result and, as one more output, whether that result is a numpy
    array: the lesson's cell goes on to index it as one (``path[:, 0]``), and a list equal to it
    in value raises there, after the check has said it is right."""
    def call(*args):
        result = fn(*args)
        return result, isinstance(result, np.ndarray)

    call.__name__ = getattr(fn, "__name__", "your function")
    return call


def _momentum_reference(grad_fn, w0, lr, momentum, steps):
    w, v = np.array(w0, dtype=float), np.zeros(np.shape(w0))
    path = [w.copy()]
    for t in range(steps):
        v = momentum * v + grad_fn(w, t)
        w = w - lr * v
        path.append(w.copy())
    return np.array(path)


def check_sgd_momentum(fn, *, quiet=False):
    """``fn(grad_fn, w0, lr, momentum, steps)``: every point of SGD with momentum, w0 first.

    ``grad_fn(w, t)`` is the gradient at ``w`` on mini-batch ``t`` (t = 0, 1, ...); the result
    has shape ``(steps + 1, len(w0))``.
    """
    scales = np.array([1.0, 10.0])

    def bowl(w, t):  # the gradient of (w_1^2 + 10 w_2^2) / 2: the same for every batch
        return scales * w

    r = _rng(0)
    A, target = r.normal(size=(8, 2)), r.normal(size=8)

    def minibatch(w, t):  # mean squared error on the rows 2k, 2k + 1 of batch k = t mod 4
        rows = slice(2 * (t % 4), 2 * (t % 4) + 2)
        return A[rows].T @ (A[rows] @ w - target[rows])

    # the mistake the exercise warns about: w -= ... changes the one array the path holds again and
    # again, so every row of the path is the last point
    one_array = (0, lambda got: len(got) > 1 and np.allclose(got, got[-1]),
                 "every point of your path is the same array: w -= ... changes the array already "
                 "in the path, w = w - ... makes a new one")
    # the path collected in a list and returned without np.array(...): right in value, but the
    # cell then draws it with path[:, 0], which raises for a list (and nbgrader scores the cell 0)
    a_list = (1, lambda got: not got,
              "Right values, but not in a numpy array: return np.array(path), one array of "
              "shape (steps + 1, len(w0)); the cell draws it with path[:, 0], which a list does "
              "not allow")
    cases = []
    for label, grad_fn, w0, lr, momentum, steps in [
        ("momentum 0 (plain gradient descent)", bowl, [1.0, 1.0], 0.05, 0.0, 5),
        ("momentum 0.9 on a bowl", bowl, [1.0, -0.5], 0.05, 0.9, 8),
        ("momentum 0.5, four mini-batches in turn", minibatch, [0.0, 0.0], 0.1, 0.5, 9),
        ("zero steps", bowl, [2.0, 3.0], 0.1, 0.9, 0),
    ]:
        cases.append(Case(label, (grad_fn, np.array(w0), lr, momentum, steps),
                          (_momentum_reference(grad_fn, w0, lr, momentum, steps), True),
                          mistakes=(one_array, a_list)))
    return run_cases(_and_whether_an_array(fn), cases,
                     ["the path of w", "whether it is a numpy array"], quiet=quiet)


def check_boundary_line(fn, *, quiet=False):
    """``fn(layers) -> (slope, intercept)``: the decision line x2 = slope * x1 + intercept of a
    linear stack ``[(W1, b1), (W2, b2), ...]`` with 2 inputs and 2 classes."""
    cases = []
    for label, sizes, seed in [("one layer 2 -> 2", [2, 2], 0),
                               ("two layers 2 -> 5 -> 2", [2, 5, 2], 1),
                               ("three layers 2 -> 4 -> 3 -> 2", [2, 4, 3, 2], 2)]:
        r = _rng(seed)
        layers = [(r.normal(size=(m, n)), r.normal(size=m)) for n, m in zip(sizes, sizes[1:])]
        W, b = np.eye(2), np.zeros(2)
        for W_l, b_l in layers:
            W, b = W_l @ W, W_l @ b + b_l
        d, c = W[0] - W[1], b[0] - b[1]  # class 0 wins where d . x + c > 0
        cases.append((label, (layers,), (-d[0] / d[1], -c / d[1])))
    return run_cases(fn, cases, ["the slope", "the intercept"], quiet=quiet)


def check_alpha_descent(fn, *, quiet=False):
    """``fn(x, target, alpha0, lr, steps)``: the pReLU slopes alpha_0 ... alpha_steps of gradient
    descent on the mean squared error mean((prelu(x, alpha) - target)^2)."""
    def reference(x, target, alpha, lr, steps, count=None):
        """``count``: what the sum is divided by (the number of elements, x.size, for the mean)."""
        count = x.size if count is None else count
        alphas = [alpha]
        for _ in range(steps):
            grad = np.sum(2 * (prelu(x, alpha) - target) * np.where(x <= 0, x, 0.0)) / count
            alpha = alpha - lr * grad
            alphas.append(alpha)
        return np.array(alphas)

    r = _rng(0)
    x1 = r.normal(size=50)
    x2 = np.abs(r.normal(size=6))
    x3 = np.array([-2.0, -1.0, 0.0, 1.0])
    cases = [(label, (x, t, a0, lr, steps), reference(x, t, a0, lr, steps))
             for label, x, t, a0, lr, steps in [
                 ("targets made with alpha = 0.6", x1, prelu(x1, 0.6), 0.25, 0.5, 6),
                 ("positive inputs only (alpha gets no gradient)", x2, x2 + 0.1, 0.25, 0.5, 3),
                 # x = 0 adds 0 to dL/dalpha under either mask (x <= 0 or x < 0): both are right
                 ("a zero input (either mask is right) and a target above the line", x3,
                  np.array([0.5, 0.0, 0.0, 1.0]), 0.1, 0.2, 4),
             ]]
    # With a 1-D x, len(x) is the number of elements; with rows of several features it is not,
    # and a mean over the rows only makes every step 3 times too large here.
    x4 = r.normal(size=(10, 3))
    t4 = prelu(x4, 0.5)
    args = (x4, t4, 0.1, 0.3, 4)
    over_rows = reference(*args, count=len(x4))
    cases.append(Case("x of shape (10, 3): the mean is over all 30 elements", args,
                      (reference(*args),), mistakes=((0, lambda got: np.allclose(got, over_rows),
                                                      "divide by x.size (every element), not "
                                                      "len(x) (the rows)"),)))
    # the loss is written with nl.prelu (lesson 03): the gradient in alpha is the student's
    return run_cases(fn, cases, ["the array of alphas"], quiet=quiet)  # nl.prelu: TAUGHT


# == lessons 04-07: ReLU backward, MLP backward, checkpoints, dropout variance, label agreement ==
# One block: checks for the exercises added to lessons 4-7, easiest first within each lesson.
# They reuse run_cases / diagnose like every check above.

# -- lesson 4 ----------------------------------------------------------------------------------
def check_relu_backward(fn, *, quiet=False):
    """``fn(h, dout) -> dh``: the ReLU backward, ``dout`` where ``h > 0`` and 0 elsewhere."""
    r = _rng(0)
    cases = []
    for label, h in [("mixed signs", r.normal(size=(4, 5))),
                     ("all negative", -np.abs(r.normal(size=(2, 3)))),
                     ("exact zeros (the kink: gradient 0)", np.array([[0.0, 1.0, -1.0, 0.0]]))]:
        dout = r.normal(size=h.shape)
        cases.append((label, (h, dout), dout * (h > 0)))
    return run_cases(fn, cases, ["dh"], quiet=quiet)


def _mlp_reference(X, y, W1, b1, W2, b2, activation=ReLU):
    """Gradients of the mean cross-entropy of Linear -> activation -> Linear, by nnlesson's
    layers (ReLU unless another activation layer class is given)."""
    net = Sequential(Linear(W1.shape[1], W1.shape[0], rng=0), activation(),
                     Linear(W2.shape[1], W2.shape[0], rng=0))
    for p, value in zip(net.parameters(), (W1, b1, W2, b2)):
        p.data[...] = value
    loss_fn = SoftmaxCrossEntropy()
    loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    return tuple(p.grad.copy() for p in net.parameters())


def mlp_cases():
    """Seeded ``(label, X, y, [W1, b1, W2, b2])`` of a one-hidden-layer MLP, a batch of one
    among them (lesson 04's and assignment 1's checks)."""
    for label, (n, d, m, k), seed in [("a batch of 8, 3 -> 4 -> 2", (8, 3, 4, 2), 0),
                                      ("a batch of 1, 2 -> 5 -> 3", (1, 2, 5, 3), 1),
                                      ("a batch of 6, 4 -> 6 -> 4", (6, 4, 6, 4), 2)]:
        r = _rng(seed)
        X, y = r.normal(size=(n, d)), r.integers(0, k, size=n)
        yield label, X, y, [r.normal(size=(m, d)), r.normal(size=m), r.normal(size=(k, m)),
                            r.normal(size=k)]


def check_mlp_backward(fn, *, quiet=False):
    """``fn(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)`` of the mean cross-entropy loss of
    ``relu(X @ W1.T + b1) @ W2.T + b2``."""
    cases = [Case(label, (X, y, *params), _mlp_reference(X, y, *params), batch=len(X))
             for label, X, y, params in mlp_cases()]
    # the forward pass may use nl.softmax, nl.tanh (TAUGHT); the backward pass is the student's
    return run_cases(fn, cases, ["dW1", "db1", "dW2", "db2"], quiet=quiet)


def check_tanh_mlp_backward(fn, *, quiet=False):
    """``fn(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)`` of the mean cross-entropy loss of
    ``tanh(X @ W1.T + b1) @ W2.T + b2``."""
    cases = []
    for label, X, y, params in mlp_cases():
        relu_grads = _mlp_reference(X, y, *params)
        # the lesson's network has a ReLU: its mask in place of tanh's derivative is the mistake
        relu_mask = (0, lambda got, g=relu_grads[0]: np.allclose(got, g),
                     "It is the gradient of the ReLU network: through tanh multiply by "
                     "1 - tanh(H)^2, not by the mask H > 0")
        cases.append(Case(label, (X, y, *params), _mlp_reference(X, y, *params, activation=Tanh),
                          mistakes=(relu_mask,), batch=len(X)))
    # the forward pass may use nl.softmax, nl.tanh (TAUGHT); the backward pass is the student's
    return run_cases(fn, cases, ["dW1", "db1", "dW2", "db2"], quiet=quiet)


# -- lesson 5 ----------------------------------------------------------------------------------
def _peak_bytes(fn, *args):
    """``(fn(*args), the most memory fn held at once, in bytes)``, measured with tracemalloc
    (numpy reports its arrays' data to it)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    try:
        return fn(*args), tracemalloc.get_traced_memory()[1] - before
    finally:
        if started:
            tracemalloc.stop()


def check_array_bytes(fn, *, quiet=False):
    """``fn(shape, dtype)``: the bytes of an array of that shape and dtype, without creating it.

    The exercise asks for the count from the numbers alone: an answer that creates the array
    fails, seen by the memory it takes (tracemalloc) or, for the last case (7 PiB, more than any
    computer holds), by numpy's MemoryError.
    """
    name = getattr(fn, "__name__", "your function")
    # np.prod(shape) counts in numpy's default integer, 32 bits on Windows with numpy 1.x: there
    # the 7 PiB case wraps around, to an answer off by a multiple of 2**32
    hint = ("The count wrapped around: np.prod counts in a 32-bit integer on some systems "
            "(Windows with numpy 1.x); use math.prod(shape), or multiply Python ints")
    cases = []
    for shape, dtype in [((64, 256), np.float64), ((64, 256), np.float32), ((64, 256), bool),
                         ((3, 4, 5), np.float64), ((7,), np.int32),
                         ((100_000, 100_000, 100_000), np.float64)]:
        expected = math.prod(shape) * np.dtype(dtype).itemsize
        wrapped = (0, lambda got, e=expected: (int(got) - e) % 2 ** 32 == 0, hint)
        cases.append(Case(f"shape {shape}, {np.dtype(dtype).name}", (shape, dtype), (expected,),
                          mistakes=(wrapped,)))
    created = "creates the array: compute the bytes from the shape and the dtype alone"
    for case in cases:
        label, args, (expected,) = case.label, case.args, case.expected
        with np.errstate(all="ignore"):
            measured, problem = attempt(_peak_bytes, (fn, *args), label, name=name)
        if problem and "raised MemoryError" in problem:
            return _say((False, f"{name}, {label}: {created}; an array this large does not fit "
                                f"in memory."), quiet)
        if problem is None and expected >= 4096 and measured[1] >= expected:
            return _say((False, f"{name}, {label}: {created}; it took {measured[1]} bytes of "
                                f"memory."), quiet)
    return run_cases(fn, cases, ["the byte count"], quiet=quiet)


def check_best_checkpoint(fn, *, quiet=False):
    """``fn(L) -> (k, activations)``: the k in 1..L with the fewest ``ceil(L / k) + k``
    activations held at the peak of a checkpointed backward (the smallest such k on a tie)."""
    cases = []
    for L in (32, 16, 10, 1, 50):
        cost = {k: -(-L // k) + k for k in range(1, L + 1)}
        best = min(cost, key=lambda k: (cost[k], k))
        cases.append((f"L = {L}", (L,), (best, cost[best])))
    return run_cases(fn, cases, ["k", "the activations at the peak"], quiet=quiet)


# -- lesson 6 ----------------------------------------------------------------------------------
def check_dropout_variance(fn, *, quiet=False):
    """``fn(h, p)``: the variance of the inverted-dropout output h' (element-wise)."""
    r = _rng(0)
    cases = [(label, (h, p), h ** 2 * p / (1 - p)) for label, h, p in [
        ("p = 0.5 on a vector", r.normal(size=6), 0.5),
        ("p = 0.2 on a 3 x 4 array", r.normal(size=(3, 4)), 0.2),
        ("p = 0.8", np.array([1.0, -2.0, 3.0]), 0.8),
        ("p = 0 (no dropout)", np.array([1.0, 2.0]), 0.0),
    ]]
    return run_cases(fn, cases, ["the variance"], quiet=quiet)


def check_mc_dropout(fn, *, quiet=False):
    """``fn(model, x, T) -> (mean, std)``: T forward passes with dropout on (``model.train()``),
    their mean and standard deviation over the passes; the model left in eval mode afterwards."""
    cases, one_pass_late = [], []
    for label, (n, width, p, T), seed in [("5 points, p = 0.5, T = 20", (5, 8, 0.5, 20), 0),
                                          ("1 point, p = 0.2, T = 50", (1, 16, 0.2, 50), 1),
                                          ("4 points, p = 0.5, T = 2", (4, 4, 0.5, 2), 2)]:
        r = _rng(seed)
        model = Sequential(Linear(1, width, rng=r), ReLU(), Dropout(p, rng=r),
                           Linear(width, 1, rng=r))
        model.eval()  # as fit leaves it: the function must switch dropout on itself
        x = r.normal(size=(n, 1))
        twin = copy.deepcopy(model)  # the same weights and the same random state
        twin.train()
        passes = np.stack([twin(x) for _ in range(T + 1)])
        samples = passes[:T]
        # One extra model(x) in train mode before the T passes (to see the output's shape, say)
        # draws one set of masks more: the T passes then take the next sets, as random as the
        # first, so the estimate has the same distribution and is accepted.
        one_pass_late.append((x, (passes[1:].mean(axis=0), passes[1:].std(axis=0)),
                              (samples.mean(axis=0), samples.std(axis=0))))
        # One pass over x repeated T times, example by example (np.repeat), is Monte-Carlo dropout
        # too, but it takes the masks from the generator in another order than T passes in turn.
        repeated = copy.deepcopy(model)
        repeated.train()
        one_pass = repeated(np.repeat(x, T, axis=0)).reshape(n, T, -1).mean(axis=1)
        example_major = (0, lambda got, m=one_pass: np.allclose(got, m),
                         "That is Monte-Carlo dropout on np.repeat(x, T, axis=0) in one pass: "
                         "right in itself, but its masks come from the generator in another order "
                         "than T passes model(x) one after another, which the exercise asks for "
                         "and the check replays")
        flat = (0, lambda got, n=n: np.shape(got) == (n,),
                "That is the shape of model(x)[:, 0], which the lesson's mc_dropout takes for "
                "its plot: return the passes' mean with the shape of one output, (n, 1)")
        sample_std = (1, lambda got, s=samples: np.allclose(got, s.std(axis=0, ddof=1)),
                      "It matches std(ddof=1), the sample std: the exercise asks for numpy's "
                      "default, ddof=0, the spread of these T passes")
        cases.append(Case(label, (model, x, T), (samples.mean(axis=0), samples.std(axis=0), False),
                          mistakes=(flat, sample_std, example_major)))

    def with_mode_after(model, x, T):
        result = fn(model, x, T)
        if isinstance(result, tuple) and len(result) == 2:
            if np.ndim(result[1]) and np.allclose(result[1], 0):
                raise ValueError("every pass gave the same output (std 0): is dropout on? "
                                 "Call model.train() before the passes")
            for case_x, late, right in one_pass_late:  # found by x: args are copies
                if np.array_equal(case_x, x) and all(np.shape(got) == np.shape(want)
                                                     and np.allclose(got, want)
                                                     for got, want in zip(result, late)):
                    result = right
            return (*result, model.training)
        return result

    with_mode_after.__name__ = getattr(fn, "__name__", "your function")
    return run_cases(with_mode_after, cases,
                     ["the mean", "the std", "model.training after the call (call model.eval())"],
                     quiet=quiet, allow=(*TAUGHT, Sequential, no_grad))  # and its model


# -- lesson 7 ----------------------------------------------------------------------------------
def check_noise_fraction(fn, *, quiet=False):
    """``fn(y_true, y_given)``: the fraction of given labels that are wrong (y_true before
    y_given, as in check_label_agreement)."""
    r = _rng(0)
    y_true = r.integers(0, 10, size=200)
    y_given = y_true.copy()
    flip = r.random(200) < 0.3
    y_given[flip] = (y_true[flip] + r.integers(1, 10, size=flip.sum())) % 10
    cases = [Case("200 labels, some wrong", (y_true, y_given),
                  (float(np.mean(y_given != y_true)),), batch=200),
             ("no wrong label", (y_true, y_true), 0.0),
             ("all wrong", (y_true, (y_true + 1) % 10), 1.0)]
    return run_cases(fn, cases, ["the fraction"], quiet=quiet)


def check_label_agreement(fn, *, quiet=False):
    """``fn(predicted, y_true, y_given) -> (true_rate, given_rate)``: on the examples whose given
    label is wrong, the fraction predicted as the true label and as the given (wrong) label."""
    cases = []
    for label, n, seed in [("100 examples", 100, 0), ("12 examples", 12, 1)]:
        r = _rng(seed)
        y_true = r.integers(0, 10, size=n)
        y_given = np.where(r.random(n) < 0.4, (y_true + 1 + r.integers(0, 9, size=n)) % 10, y_true)
        predicted = np.where(r.random(n) < 0.5, y_true, np.where(r.random(n) < 0.5, y_given,
                                                                    r.integers(0, 10, size=n)))
        wrong = y_given != y_true
        true_rate = np.mean(predicted[wrong] == y_true[wrong])
        given_rate = np.mean(predicted[wrong] == y_given[wrong])

        def near(value):
            return lambda got: np.isclose(got, value, rtol=1e-9, atol=1e-12)

        # the two mistakes students make: counting every example, and the two rates swapped
        mistakes = ((0, near(np.mean(predicted == y_true)),
                     "That is the rate over all the examples: keep only those whose given label "
                     "is wrong (y_given differs from y_true), then compare"),
                    (0, near(given_rate),
                     "That is given_rate: return (true_rate, given_rate), in that order"))
        cases.append(Case(label, (predicted, y_true, y_given), (true_rate, given_rate),
                          mistakes=mistakes))
    return run_cases(fn, cases, ["true_rate", "given_rate"], quiet=quiet)


# == lessons 08-10: initialisation, batch normalization, the capstone =========================
# Checks for the exercises of lessons 8-10, easiest first within each lesson.

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
    outputs = ["running_mean", "running_var"]
    ok, message = _verdict(fn, cases, outputs)
    if not ok and "running_var" in message:  # the usual mistake: the batch's biased variance
        biased = [(label, args, (expected[0], (1 - args[3]) * args[1] + args[3] * args[2].var(0)))
                  for label, args, expected in cases]
        if _verdict(fn, biased, outputs)[0]:
            message += (" Your running_var uses the batch variance dividing by N; the running "
                        "variance takes the unbiased one, dividing by N - 1 "
                        "(x.var(axis=0, ddof=1)).")
    return _say((ok, message), quiet)


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



def check_uniform_bound(fn, *, quiet=False):
    """``fn(fan_in, fan_out, activation)``: the bound a of U[-a, a] with Glorot's variance ("tanh")
    or He's ("relu"); the variance of U[-a, a] is a^2 / 3."""
    cases = []
    for activation, fan_in, fan_out in [("tanh", 100, 100), ("tanh", 300, 100),
                                        ("relu", 300, 100), ("relu", 64, 256)]:
        variance = 2 / fan_in if activation == "relu" else 2 / (fan_in + fan_out)
        other = 2 / (fan_in + fan_out) if activation == "relu" else 2 / fan_in
        expected = np.sqrt(3 * variance)

        def near(value):
            return lambda got: np.isclose(got, value, rtol=1e-9)

        mistakes = (
            (0, near(np.sqrt(variance)),
             "that is the rule's standard deviation, not the bound: a uniform distribution on "
             "[-a, a] has variance a^2 / 3, so a = sqrt(3 * variance)"),
            (0, near(variance),
             "that is the rule's variance, not the bound a = sqrt(3 * variance)"),
            (0, near(np.sqrt(12 * variance)),
             "twice the bound: the variance of U[-a, a] is (2a)^2 / 12 = a^2 / 3 (the interval "
             "is 2a wide)"),
            (0, near(np.sqrt(3 * other)),
             f"that is {'Glorot' if activation == 'relu' else 'He'}'s rule: He's 2 / fan_in is "
             f"for relu, Glorot's 2 / (fan_in + fan_out) for tanh"
             + (" (the activation arrives as the lower-case string 'relu')"
                if activation == "relu" else "")))
        if activation == "tanh":  # lesson 08 has just shown PyTorch's gain for tanh
            mistakes += ((0, near(5 / 3 * expected),
                          "that includes PyTorch's tanh gain 5/3 (nn.init.calculate_gain): the "
                          "exercise asks for Glorot's rule itself, a = sqrt(6 / (fan_in + "
                          "fan_out)), without a gain"),)
        cases.append(Case(f"{activation}, {fan_in} -> {fan_out}", (fan_in, fan_out, activation),
                          (expected,), mistakes=mistakes))
    return run_cases(fn, cases, ["the bound"], quiet=quiet)

def check_prelu_init_std(fn, *, quiet=False):
    """``fn(fan_in, alpha)``: He's std generalised to pReLU, sqrt(2 / ((1 + alpha^2) fan_in))."""
    cases = []
    for fan_in, alpha in [(100, 0.25), (64, 0.0), (50, 1.0), (200, 0.5)]:
        # the usual slip: 1 + alpha (the slope) where the mean square of pReLU gives 1 + alpha^2
        squared = (0, lambda got, f=fan_in, a=alpha: np.isclose(got, np.sqrt(2 / ((1 + a) * f))),
                   "Yours is sqrt(2 / ((1 + alpha) fan_in)): the negative side's slope alpha "
                   "enters squared, E[prelu(z)^2] = (1 + alpha^2) / 2 E[z^2]")
        cases.append(Case(f"fan_in {fan_in}, alpha {alpha}", (fan_in, alpha),
                          (np.sqrt(2 / ((1 + alpha ** 2) * fan_in)),),
                          mistakes=(squared,) if alpha not in (0.0, 1.0) else ()))
    return run_cases(fn, cases, ["the std"], quiet=quiet)


def check_confusion_matrix(fn, *, quiet=False):
    """``fn(y_true, y_pred, classes)``: counts ``[i, j]`` of true class i predicted as class j,
    an integer array."""
    floats = ("The counts are right but stored as floats (np.zeros gives float64): a count is a "
              "whole number; create the matrix with np.zeros((classes, classes), dtype=int)")
    cases = []
    for label, n, classes, seed in [("30 labels, 4 classes", 30, 4, 0),
                                    ("a class never predicted", 12, 3, 1),
                                    ("one label", 1, 2, 2),
                                    ("5 classes, classes 2 and 4 never seen", 20, 5, 3)]:
        r = _rng(seed)
        y_true = r.integers(0, classes, size=n)
        y_pred = np.where(r.random(n) < 0.6, y_true, r.integers(0, classes, size=n))
        if label == "a class never predicted":
            y_pred = np.where(y_pred == 2, 0, y_pred)
        if label.endswith("never seen"):  # the matrix is sized by `classes`, not by the labels
            y_true, y_pred = (np.where(np.isin(y, (2, 4)), y - 1, y) for y in (y_true, y_pred))
        expected = np.zeros((classes, classes))
        np.add.at(expected, (y_true, y_pred), 1)
        cases.append(Case(label, (y_true, y_pred, classes), (expected, True), batch=n, mistakes=(
            (1, lambda got: not got, floats),
            (0, lambda got, e=expected: e.max() > 1 and np.array_equal(got, e > 0), (
                "Each pair is counted at most once: matrix[y_true, y_pred] += 1 adds 1 once per "
                "distinct (true, predicted) pair, however often it occurs; count in a loop over "
                "the labels (or with np.add.at)")),
            (0, lambda got, e=expected: not np.array_equal(e, e.T) and np.array_equal(got, e.T), (
                "The matrix is transposed: row i is the TRUE class i, column j the predicted "
                "class j (matrix[true, predicted])")))))
    # the lesson draws its matrix with nl.confusion_matrix: the exercise asks for the student's own
    return run_cases(_and_whether_integers(fn), cases, ["the matrix", "whether it holds integers"],
                     quiet=quiet)


def _and_whether_integers(fn):
    """``fn`` returning its result and, as one more output, whether that result is an array of
    integers: counts are whole numbers, and a float matrix equal to them in value is refused."""
    def call(*args):
        result = fn(*args)
        try:
            integers = np.asarray(result).dtype.kind in "iu"
        except (TypeError, ValueError):  # ragged lists: the matrix's own comparison says so
            integers = False
        return result, integers

    call.__name__ = getattr(fn, "__name__", "your function")
    return call


def check_recall(fn, *, quiet=False):
    """``fn(confusion)``: per class, the fraction of its images predicted correctly."""
    cases = []
    for label, matrix in [
        ("a 3-class matrix", np.array([[5, 1, 0], [2, 6, 2], [0, 0, 4]])),
        ("a perfect classifier", np.diag([3, 4])),
        ("a class never recognised", np.array([[0, 3], [1, 4]])),
    ]:
        precision = np.diag(matrix) / matrix.sum(axis=0)
        cases.append(Case(label, (matrix,), (np.diag(matrix) / matrix.sum(axis=1),), mistakes=(
            (0, lambda got, p=precision: np.allclose(got, p), (
                "This divides by the column sums, which gives the precision (of the images "
                "PREDICTED as class j, the fraction that are j); recall divides by the row sums, "
                "the images that truly ARE class i")),)))
    return run_cases(fn, cases, ["the recall"], quiet=quiet)



# -- lesson 11 ---------------------------------------------------------------------------------
def check_p_class1(fn, *, quiet=False):
    """``fn(F, W, b)``: p(class 1) of each point (row of ``F``) for a network without hidden
    layers: the softmax's class-1 column of the logits ``F @ W.T + b``, shape ``(points,)``."""
    shapes = ("W has shape (2 classes, features), one row per class: which way round must it meet "
              "F, of shape (points, features)?")
    cases = []
    for label, (points, features), seed, shift in [
            ("4 points, 2 features (a square W)", (4, 2), 0, 0.0),
            ("5 points, 7 features", (5, 7), 1, 0.0),
            ("1 point, 3 features", (1, 3), 2, 0.0),
            # both logits of every point large, their difference a few units
            ("logits near 1000 (np.exp(1000) overflows)", (3, 2), 3, 1000.0)]:
        r = _rng(seed)
        F, W, b = r.normal(size=(points, features)), r.normal(size=(2, features)), r.normal(size=2)
        b = b + shift
        z = F @ W.T + b
        p1 = sigmoid(z[:, 1] - z[:, 0])
        z_untransposed = F @ W + b if features == 2 else None
        cases.append(Case(label, (F, W, b), (p1,), raised=shapes, mistakes=(
            (0, lambda got, p1=p1: np.allclose(got, 1 - p1), (
                "That is p(class 0), the softmax's column 0: p(class 1) is the sigmoid of "
                "z1 - z0 (the logit of class 1 minus that of class 0)")),
            (0, lambda got, z=z: np.allclose(got, sigmoid(z[:, 1])), (
                "That is the sigmoid of z1 alone: p(class 1) depends on the difference of the "
                "two logits, the sigmoid of z1 - z0")),
            (0, lambda got, p1=p1: np.shape(got) == (len(p1), 2)
             and np.allclose(np.asarray(got)[:, 1], p1), (
                 "Both columns of the softmax: return only the column of class 1, one number "
                 "per point")),
            (0, lambda got, z=z: np.allclose(got, softmax(z.T)[1]), (
                "The softmax ran over the points (each column of z): it runs over each point's "
                "two logits (each row)")),
            (0, lambda got, zu=z_untransposed: zu is not None
             and np.allclose(got, sigmoid(zu[:, 1] - zu[:, 0])), "It uses F @ W + b: " + shapes),
            (0, lambda got, z=z - b: np.allclose(got, sigmoid(z[:, 1] - z[:, 0])), (
                "The bias is missing: the logits are F @ W.T + b"))),
            nonfinite=("np.exp overflowed: e^z1 / (e^z0 + e^z1) is inf / inf for logits near 1000; "
                       "use the form 1 / (1 + e^-(z1 - z0)), which needs only the difference")))
    return run_cases(fn, cases, ["p(class 1)"], quiet=quiet)

# Every check above first makes sure it was given functions (a student who passes the function's
# result, an array, reads so instead of "your function raised TypeError").
for _name, _check in list(globals().items()):
    if _name.startswith("check_") and inspect.isfunction(_check):
        globals()[_name] = _takes_functions(_check)
