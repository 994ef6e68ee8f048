"""Instant checks for assignment 2, an autodiff engine of your own (``A2_autograd_engine``).

Each backward rule is compared with central differences (``nnlesson.numerical_gradient``,
float64, eps = 1e-6) on seeded cases, broadcasting shapes and scalars included: a rule passes when
its relative error (``nnlesson.rel_error``) is at most ``TOL`` on every case. The graph checks run
the student's ``topological_order`` and ``backprop`` on graphs of the checks' own nodes (``Node``,
with the same attributes as the notebook's ``Var``), so each task is checked on its own. The last
part compares the student's whole engine with nnlesson's layers and ``nnlesson.graph``
(``AGREE``).

No backward rule is written here (``tests/tooling/test_expected_values.py`` checks), task by
task: Parts 1 and 2 (the rules) compare with central differences, stored with the inputs and the
results of the typical mistakes in ``expected/a2.npz`` by ``tools/expected_values.py``, which
holds the rules; Part 3's graphs of ``Node`` get each node's rule by central differences of its
own forward pass (:func:`_numerical_rule`); Part 4's formula is in the task's statement (the
graded work is the student's engine that runs it), so the check runs the same formula with
nnlesson's own layers and engine, public code, as its reference.

Every check prints one verdict naming what is wrong (the shape is not un-broadcast, the sign, a
missing factor, a gradient overwritten instead of accumulated, recursion, NaN, ...); with
``quiet=True`` it prints nothing and returns True or False (for the hidden tests). A function that
still raises ``NotImplementedError`` gets "not implemented yet".
"""

import inspect
import sys
from contextlib import contextmanager

import numpy as np

from .. import graph
from ..gradcheck import numerical_gradient, rel_error
from . import FAIL, PASS, TIME_LIMIT, _say, attempt, stored
from .graded import graded
from .graded import own_work as _own_work
from .tripwire import hand_over, handing_over

TOL = 1e-6  # relative error allowed between a rule and central differences (float64)
# the large cases of *, exp and log compare with the engine's formula: a formula agrees to
# round-off, while differences taken numerically (vectorised, any step) stay above 1e-11
EXACT = 1e-12
AGREE = 1e-8  # relative difference allowed between the student's engine and nnlesson's
CHAIN = 5000  # nodes in the deep chain: recursion would need 5000 nested calls
LADDER = 25  # diamonds stacked in the ladder: 2**25 paths from the root to the input
MAX_DEPTH = 100  # nested calls while visiting the chain that count as recursion

__all__ = ["PASS", "FAIL", "Node", "check_unbroadcast", "check_add_backward",
           "check_mul_backward", "check_matmul_backward", "check_sum_backward",
           "check_exp_backward", "check_log_backward", "check_relu_backward",
           "check_tanh_backward", "check_topological_order", "check_backprop", "check_mlp_loss",
           "check_train", "train_on_moons", "compare_gradients"]


# What each graded task forbids and allows ({task: (forbidden, allow)}): all of nnlesson and the
# other libraries (checks.NOT_OWN_WORK), but what the task hands over; declared once, on its
# check below; the hidden tests read it through own_work.
FORBIDDEN = {}
# Part 3 asks for the walk over the graph itself: the libraries that sort a graph do it instead
# (review r7: graphlib.TopologicalSorter and networkx.topological_sort passed Tasks 3.1 and 3.2).
GRAPH_SORTS = ("graphlib", "networkx")


def own_work(task):
    """``with a2.own_work("Task 1.1"):`` runs a hidden test's calls under the task's tripwires."""
    return _own_work(FORBIDDEN, task)


def _rng(seed):
    return np.random.default_rng(seed)


def _name(fn):
    return getattr(fn, "__name__", "your function")


class _Recursing(BaseException):
    """Raised from a deep node when the student's code nests one call per node.

    A BaseException, so that an ``except Exception:`` in the student's code cannot swallow it.
    """


def _call(fn, args, label, hint=""):
    """:func:`nnlesson.checks.attempt` on the arguments themselves (nodes are not copied), with
    numpy's warnings silenced (NaN and overflow are diagnosed) and a deep graph's own recursion
    guard: ``(result, None)``, or ``(None, verdict message)``."""
    try:
        with np.errstate(all="ignore"):
            return attempt(fn, args, label, copy_args=False, hint=hint)
    except _Recursing:
        return None, _recursing(_name(fn), label)


def _recursing(name, label):
    """The verdict when a node of the deep chain was reached through more than ``MAX_DEPTH``
    nested calls: the check stopped the walk there, Python's limit played no part (a student may
    have raised it with ``sys.setrecursionlimit``)."""
    limit = sys.getrecursionlimit()
    now = "" if limit == 1000 else f" (it is {limit} now: raising it lets the kernel crash instead)"
    return (f"{name} (or a function it calls) uses recursion, one nested call per node, on "
            f"{label}: the check stopped it {MAX_DEPTH} nested calls deep. A graph deeper than "
            f"Python's recursion limit, 1000 nested calls by default{now}, would end in "
            f"RecursionError. Use an explicit stack instead: a list you append nodes to and pop "
            f"from.")


def _as_array(got):
    """``got`` as a float array, or a message saying why it is not one."""
    if got is None:
        return None, "is None: did you forget a `return`?"
    if isinstance(got, tuple):
        return None, f"is a tuple of {len(got)}: return the array itself"
    try:
        kind = np.asarray(got).dtype.kind
    except (TypeError, ValueError):
        kind = "O"
    if kind == "c":
        return None, "should be real numbers, got complex numbers"
    if kind not in "biuf":
        return None, f"should be a number or an array of numbers, got {type(got).__name__}"
    return np.asarray(got, dtype=np.float64), None


def _close(a, b, tol=TOL):
    """Same shape, finite, and a relative error of at most ``tol``."""
    return (np.shape(a) == np.shape(b) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))
            and rel_error(a, b) <= tol)


def _numbers(expected, got):
    """`` (expected X at index i, got Y)`` where the two differ most, for a named mistake."""
    if expected.shape != got.shape or not np.all(np.isfinite(got)):
        return ""
    diff = np.abs(got - expected)
    worst = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
    return f" (expected {expected[worst]:.6g}{where}, got {got[worst]:.6g})"


def compare(expected, got, known=(), tol=TOL):
    """What is wrong with ``got`` in words, or None when it is within ``tol`` of ``expected``.

    ``known`` lists typical mistakes as ``(what that mistake gives, words)``: when ``got`` matches
    one, its words say what is wrong.
    """
    arr, problem = _as_array(got)
    if problem:
        return problem
    expected = np.asarray(expected, dtype=np.float64)
    right = arr.shape == expected.shape and _close(arr, expected, tol)
    for wrong, words in known:
        if not right and _close(arr, wrong, tol):
            return words + _numbers(expected, arr)
    if arr.shape != expected.shape:
        hint = " (transposed?)" if arr.shape == expected.shape[::-1] and arr.ndim == 2 else ""
        return f"should have shape {expected.shape}, got shape {arr.shape}{hint}"
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        where = f" at index {tuple(int(i) for i in bad[0])}" if arr.ndim else ""
        return (f"contains NaN or infinity{where} (expected {expected[tuple(bad[0])]:.6g}): a "
                f"division by zero, or an overflow?")
    error = rel_error(arr, expected)
    if error <= tol:
        return None
    if expected.size == 1:  # any wrong number is some factor times the right one: show both
        return (f"is wrong: expected {expected.item():.6g}, got {arr.item():.6g} (relative "
                f"error {error:.2g}, tolerance {tol:g})")
    if rel_error(-arr, expected) <= tol:
        return "has the wrong sign everywhere"
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and rel_error(arr.T, expected) <= tol:
        return "is the transpose of the right gradient"
    norm = float(np.sum(expected * expected))
    if norm > 0:
        k = float(np.sum(arr * expected)) / norm
        if abs(k - 1) > tol and rel_error(arr, k * expected) <= tol:
            if abs(k) < 1e-12:
                return "is 0 everywhere"
            return f"is {k:.4g} times the right value everywhere: a missing or extra factor"
    diff = np.abs(arr - expected)
    worst = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
    return (f"is wrong{where}: expected {expected[worst]:.6g}, got {arr[worst]:.6g} (relative "
            f"error {error:.2g}, tolerance {tol:g})")


def _verdict(fn, cases, outputs, hint=""):
    """(ok, message) for rule checks: ``cases`` are ``(label, args, expected, known)``.

    ``expected`` and ``known`` have one entry per output; ``known[i]`` lists the typical mistakes
    for output i as ``(value, words)``.
    """
    name = _name(fn)
    for label, args, expected, known, *exact in cases:
        tol = exact[0] if exact else TOL
        before = [np.copy(arg) if isinstance(arg, np.ndarray) else None for arg in args]
        got, problem = _call(fn, args, label, hint)
        if problem:
            return False, problem
        changed = [i for i, (arg, old) in enumerate(zip(args, before))
                   if old is not None and not np.array_equal(arg, old, equal_nan=True)]
        if changed:
            code = getattr(inspect.unwrap(fn), "__code__", None)  # the student's, not a guard's
            arg_name = code.co_varnames[changed[0]] if code and code.co_argcount > changed[0] \
                else f"argument {changed[0] + 1}"
            return False, (f"{name}, {label}: changes its input {arg_name} in place (e.g. with "
                           f"*= or +=): the engine still needs it; compute a new array instead")
        if len(outputs) > 1:
            if not isinstance(got, (tuple, list)) or len(got) != len(outputs):
                return False, (f"{name} should return a tuple ({', '.join(outputs)}), "
                               f"got {type(got).__name__}")
        else:
            got = (got,)
        for output, exp, g, kn in zip(outputs, expected, got, known):
            problem = compare(exp, g, kn, tol)
            if problem and tol < TOL and compare(exp, g, kn) is None:
                problem = (f"agrees with the derivative only to a relative error of "
                           f"{rel_error(np.asarray(g, dtype=float), exp):.1g}, where its formula "
                           f"agrees to round-off ({tol:g}): a derivative taken numerically? "
                           f"Write the rule's formula")
            if problem:
                return False, f"{name}, {label}: {output} {problem}"
    labels = "; ".join(label for label, *_ in cases)
    # "central differences" only where they are the answer: at a kink they give the mean of the
    # two slopes, and the case says which slope the rule takes there
    source = ("the expected gradients (central differences; at the kink, the rule's value)"
              if any("kink" in label for label, *_ in cases) else "central differences")
    exact = any(len(case) > 4 and case[4] < TOL for case in cases)
    engine = ("; the large case's values from nnlesson's engine"
              + (f", to round-off ({EXACT:g})" if exact else "")
              if any(", large (" in label for label, *_ in cases) else "")
    return True, (f"{name} agrees with {source} on all {len(cases)} cases "
                  f"({labels}; relative error <= {TOL:g}{engine}).")


def _numeric(f, x):
    """Central differences of the scalar ``f`` at a float64 copy of ``x``."""
    return numerical_gradient(f, np.array(x, dtype=np.float64))


def _partial(f, args, i):
    """Central differences of the scalar ``f(*args)`` with respect to ``args[i]``."""
    args = list(args)

    def f_i(value):
        return f(*args[:i], value, *args[i + 1:])

    return _numeric(f_i, args[i])


def _stored(task):
    """The stored cases of ``task`` (``tools/expected_values.py`` wrote them), every number a
    float64 array as the engine's rules receive them (a scalar as a 0-d array)."""
    return [{key: np.asarray(value, dtype=np.float64)
             if isinstance(value, (float, np.ndarray)) and key != "shape" else value
             for key, value in case.items()} for case in stored("a2", task)]


def _shape_words(shape):
    return "a scalar" if shape == () else str(shape)


# -- Part 1: broadcasting, add and multiply --------------------------------------------------
@graded(FORBIDDEN, "Task 1.1")
def check_unbroadcast(fn, *, quiet=False):
    """``fn(grad, shape)``: ``grad`` summed over the axes numpy stretched to broadcast ``shape``."""
    cases = []
    for case in _stored("unbroadcast"):
        grad, shape, expected = case["grad"], tuple(int(n) for n in case["shape"]), \
            case["expected"]
        grad_shape = grad.shape
        lead = grad.ndim - len(shape)
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1)
        known = [(grad, f"is still the gradient's shape {grad_shape}: sum it over the axes numpy "
                        f"stretched to make {_shape_words(shape)} fit"),
                 (expected * int(np.prod(shape)) / grad.size,
                  "averages over the stretched axes instead of summing: every copy of an element "
                  "passes its own gradient on, and the copies add up")]
        if stretched:
            known.append((case["leading_only"], "sums the leading axes but not the axes of "
                                                "size 1: sum those too, with keepdims=True"))
            known.append((np.squeeze(expected, axis=tuple(a for a in range(len(shape))
                                                          if shape[a] == 1)),
                          "drops the axes of size 1: sum them with keepdims=True"))
        cases.append((f"{grad_shape} to {_shape_words(shape)}", (grad, shape), [expected],
                      [known]))
    grad = _rng(91).normal(size=(2, *LARGE))
    cases.append(_large_case(f"{grad.shape} to {LARGE}", (grad, LARGE),
                             [graph.unbroadcast(grad, LARGE)]))
    return _say(_verdict(fn, cases, ["the result"]), quiet)


# One large case in each rule's check (review r6): the rule takes milliseconds on it, while a
# gradient taken by central differences one element at a time, which passes the small cases
# without deriving anything, takes minutes and meets the time limit. Its expected values come
# from nnlesson's engine (``nnlesson.graph``), not from a rule written here: the checks show
# inputs and numbers, never the answer.
LARGE = (300, 400)


def _large(seed, shape=LARGE):
    """Two seeded arrays of ``shape``: an upstream gradient and an input."""
    r = _rng(seed)
    return r.normal(size=shape), r.normal(size=shape)


def _engine(build, g, *arrays):
    """The gradients of ``sum(g * build(*inputs))`` with respect to each input, by
    nnlesson.graph: what a rule given the upstream gradient ``g`` must return."""
    inputs = [graph.Tensor(np.array(a, dtype=np.float64)) for a in arrays]
    (build(*inputs) * graph.Tensor(g)).sum().backward()
    return [t.grad for t in inputs]


def _large_case(label, args, expected, tol=TOL):
    """A case of arrays too large for a rule that loops; ``tol=EXACT`` where the engine's formula
    is the expected value and a formula written another way agrees with it to round-off."""
    return (f"{label}, large (within {TIME_LIMIT:g} s)", args, expected, [[] for _ in expected],
            tol)


_BROADCAST_CASES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((), (2, 3)),
                    ((2, 3), ()), ((2, 3, 4), (3, 1))]


def _binary_cases(op, own_words):
    """The stored cases ``(out_grad, a, b)`` of an element-wise binary op (``"add"``,
    ``"mul"``) on broadcasting shapes, with the typical mistakes: the gradients left at the
    output's shape, the chain rule forgotten, and ``own_words``, the op's own mistake."""
    cases = []
    for case in _stored(op):
        g, a, b = case["g"], case["a"], case["b"]
        shape_a, shape_b = np.shape(a), np.shape(b)
        not_summed = "has the output's shape {}, not {}'s {}: un-broadcast it with unbroadcast"
        known_a = [(case["a_not_summed"], not_summed.format(g.shape, "a", _shape_words(shape_a))),
                   (case["a_chain"], _CHAIN_WORDS), (case["a_own"], own_words)]
        known_b = [(case["b_not_summed"], not_summed.format(g.shape, "b", _shape_words(shape_b))),
                   (case["b_chain"], _CHAIN_WORDS), (case["b_own"], own_words)]
        label = f"{_shape_words(shape_a)} and {_shape_words(shape_b)}"
        cases.append((label, (g, a, b), [case["da"], case["db"]], [known_a, known_b]))
    return cases


@contextmanager
def _correct_unbroadcast(fn):
    """While the block runs, the student's ``fn`` calls a correct ``unbroadcast`` in place of the
    student's own, so that a wrong ``unbroadcast`` costs only Task 1.1's points, not those of
    every rule that calls it. Yields a note for the verdict: empty, or saying that the student's
    own ``unbroadcast`` was set aside because it does not pass its check."""
    names = getattr(inspect.unwrap(fn), "__globals__", {})
    theirs = names.get("unbroadcast")
    if not callable(theirs) or theirs is _reference_unbroadcast:
        with handing_over(_reference_unbroadcast):
            yield ""
        return
    note = ("" if check_unbroadcast(theirs, quiet=True) else
            " (checked with a correct unbroadcast in place of yours, which does not pass its "
            "own check yet: see Task 1.1)")
    names["unbroadcast"] = _reference_unbroadcast
    try:
        with handing_over(_reference_unbroadcast):
            yield note
    finally:
        names["unbroadcast"] = theirs


def _reference_unbroadcast(grad, shape):
    """nnlesson's ``unbroadcast``, called from the grader's own code: what a check swaps in is
    not a call of the package's implementation by the student (see ``tripwire.GRADER``)."""
    return graph.unbroadcast(grad, shape)


def _binary_check(fn, cases, quiet):
    """The verdict of add_backward or mul_backward, judged on its own (see
    :func:`_correct_unbroadcast`)."""
    with _correct_unbroadcast(fn) as note:
        ok, message = _verdict(fn, cases, ["da", "db"])
    return _say((ok, message + note), quiet)


@graded(FORBIDDEN, "Task 1.2")
def check_add_backward(fn, *, quiet=False):
    """``fn(out_grad, a, b) -> (da, db)`` for ``out = a + b`` with numpy broadcasting."""
    cases = _binary_cases("add", "has the wrong sign: d(a + b)/db = +1")
    (g, a), (_, b) = _large(92), _large(93)
    cases.append(_large_case(f"{LARGE} and {LARGE}", (g, a, b),
                             _engine(lambda u, v: u + v, g, a, b)))
    return _binary_check(fn, cases, quiet)


@graded(FORBIDDEN, "Task 1.3")
def check_mul_backward(fn, *, quiet=False):
    """``fn(out_grad, a, b) -> (da, db)`` for ``out = a * b`` with numpy broadcasting."""
    cases = _binary_cases("mul", "multiplies by the wrong input: d(a * b)/da = b and "
                                 "d(a * b)/db = a")
    (g, a), (_, b) = _large(94), _large(95)
    cases.append(_large_case(f"{LARGE} and {LARGE}", (g, a, b),
                             _engine(lambda u, v: u * v, g, a, b), tol=EXACT))
    return _binary_check(fn, cases, quiet)


# -- Part 2: matmul, sum and the element-wise functions ----------------------------------------
@graded(FORBIDDEN, "Task 2.1")
def check_matmul_backward(fn, *, quiet=False):
    """``fn(out_grad, a, b) -> (da, db)`` for ``out = a @ b``, a of shape (n, k), b (k, m)."""
    cases = []
    for case in _stored("matmul"):
        g, a, b = case["g"], case["a"], case["b"]
        (n, k), m = a.shape, b.shape[1]
        # the forgotten transposes, where numpy can compute them at all
        known_a = [(case["a_no_transpose"], "is out_grad @ b: it needs b's transpose, "
                                            "out_grad @ b.T")] if "a_no_transpose" in case else []
        known_b = [(case["b_no_transpose"], "is a @ out_grad: it needs a's transpose, "
                                            "a.T @ out_grad")] if "b_no_transpose" in case else []
        cases.append((f"({n}, {k}) @ ({k}, {m})", (g, a, b), [case["da"], case["db"]],
                      [known_a, known_b]))
    r = _rng(96)
    g, a, b = r.normal(size=(200, 200)), r.normal(size=(200, 300)), r.normal(size=(300, 200))
    cases.append(_large_case("(200, 300) @ (300, 200)", (g, a, b),
                             _engine(lambda u, v: u @ v, g, a, b)))
    hint = " (check the shapes: da has a's shape, db has b's)"
    return _say(_verdict(fn, cases, ["da", "db"], hint), quiet)


@graded(FORBIDDEN, "Task 2.2")
def check_sum_backward(fn, *, quiet=False):
    """``fn(out_grad, a, axis) -> da`` for ``out = a.sum(axis=axis)``, axis None or an int."""
    cases = []
    for case in _stored("sum"):
        g, a, axis = case["g"], case["a"], case["axis"]
        shape = np.shape(a)
        known = [(case["unexpanded"],
                  f"sends each sum's gradient to the wrong elements: put the summed axis back "
                  f"with np.expand_dims(out_grad, {axis}) before broadcasting")] \
            if "unexpanded" in case else []
        label = (f"the sum of a {shape}" if shape else "the sum of a scalar") if axis is None \
            else f"a {shape} summed over axis {axis}"
        cases.append((label, (g, a, axis), [case["da"]], [known]))
    g, a = _large(97)
    ones = np.ones((1, LARGE[0]))  # the engine's sum over axis 0: a product with a row of ones
    cases.append(_large_case(f"a {LARGE} summed over axis 0", (g[0], a, 0),
                             _engine(lambda u: graph.Tensor(ones) @ u, g[:1], a)))
    hint = (" (the gradient of a sum over an axis has lost that axis: put it back with "
            "np.expand_dims(out_grad, axis) before broadcasting)")
    return _say(_verdict(fn, cases, ["da"], hint), quiet)


_CHAIN_WORDS = "ignores out_grad: by the chain rule, multiply the local derivative by out_grad"


def _unary_check(fn, op, mistakes, quiet, large=None, tol=TOL):
    """An element-wise rule ``fn(out_grad, a, out) -> da`` on the stored cases of ``op``;
    ``mistakes``: ``{id: words}`` of its typical mistakes (stored as ``mistake_<id>``), after
    the chain rule forgotten (the local derivative alone). ``large``: ``(label, a)``, the input
    of a large case (see ``LARGE``), for the engine's operator ``op``."""
    cases = []
    for case in _stored(f"unary_{op}"):
        known = [(case["chain"], _CHAIN_WORDS),
                 *((case[f"mistake_{key}"], words) for key, words in mistakes.items())]
        cases.append((case["label"], (case["g"], case["a"], case["out"]), [case["da"]], [known]))
    if large is not None:
        label, a = large
        g = _rng(98).normal(size=a.shape)
        out = getattr(graph.Tensor(a), op)().data
        cases.append(_large_case(label, (g, a, out),
                                 _engine(lambda u: getattr(u, op)(), g, a), tol))
    return _say(_verdict(fn, cases, ["da"]), quiet)


@graded(FORBIDDEN, "Task 2.3")
def check_exp_backward(fn, *, quiet=False):
    """``fn(out_grad, a, out) -> da`` for ``out = np.exp(a)``."""
    return _unary_check(fn, "exp", {
        "times_a": "multiplies by a: the derivative of exp(a) is exp(a) itself, which is out"},
        quiet, large=(f"a {LARGE}", _large(99)[1]), tol=EXACT)


@graded(FORBIDDEN, "Task 2.4")
def check_log_backward(fn, *, quiet=False):
    """``fn(out_grad, a, out) -> da`` for ``out = np.log(a)``, a > 0."""
    # near 0, where a step of central differences leaves log's domain
    near_zero = 1e-9 * (1 + np.abs(_large(100)[1]))
    return _unary_check(fn, "log", {
        "over_out": "divides by out = log(a): the derivative of log(a) is 1 / a",
        "times_out": "multiplies by out, which is exp's rule: the derivative of log(a) is 1 / a",
        "times_a": "multiplies by a: the derivative of log(a) is 1 / a"}, quiet,
        large=(f"a {LARGE} of values from 1e-9 to 5e-9", near_zero), tol=EXACT)


@graded(FORBIDDEN, "Task 2.5")
def check_relu_backward(fn, *, quiet=False):
    """``fn(out_grad, a, out) -> da`` for ``out = max(a, 0)``; the derivative at 0 is 0."""
    return _unary_check(fn, "relu", {
        "dout_sign": "masks with the sign of out_grad: the mask comes from the input, a > 0",
        "times_a": "multiplies by a: ReLU's derivative is 1 where a > 0, else 0",
        "at_zero": "lets the gradient through at a = 0: take the derivative 0 there, as "
                   "nnlesson's ReLU does"}, quiet)


@graded(FORBIDDEN, "Task 2.6")
def check_tanh_backward(fn, *, quiet=False):
    """``fn(out_grad, a, out) -> da`` for ``out = np.tanh(a)``."""
    a = _large(101)[1]
    saturated = np.sign(a) * (8.5 + np.abs(a) % 1)  # where central differences lose their digits
    return _unary_check(fn, "tanh", {
        "a_for_out": "uses a where tanh(a) belongs: the derivative is 1 - out**2",
        "no_square": "forgets the square: the derivative is 1 - out**2",
        "plus": "has a sign wrong: the derivative is 1 - out**2"}, quiet,
        large=(f"a {LARGE} of saturated values, |a| from 8.5 to 9.5", saturated))


# -- Part 3: the graph -------------------------------------------------------------------------
class Node:
    """A node of the checks' own graphs, with the attributes of the notebook's ``Var``.

    ``data`` (float64 array), ``grad`` (same shape, zeros at first), ``parents`` (the nodes it was
    computed from, a tuple), ``op`` (a symbol, "" for an input) and ``backward_rule`` (None for
    an input, else a function ``out_grad -> one gradient per parent``, already un-broadcast).
    """

    def __init__(self, data, parents=(), op="", backward_rule=None, name=""):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._parents = tuple(parents)
        self.op = op
        self.backward_rule = backward_rule
        self.name = name

    @property
    def parents(self):
        return self._parents

    def __repr__(self):
        return f"Node({self.name or self.op or 'input'}, shape={self.data.shape})"


class _DeepNode(Node):
    """A Node that notices when it is visited from deep inside nested calls (recursion)."""

    base = None  # the frame of the check that called the student's function

    @property
    def parents(self):
        frame, depth = sys._getframe(1), 0
        while frame is not None and frame is not _DeepNode.base and depth <= MAX_DEPTH:
            frame, depth = frame.f_back, depth + 1
        if frame is not None and depth > MAX_DEPTH:
            raise _Recursing
        return self._parents


def _numerical_rule(forward, *parents):
    """A node's backward rule, ``out_grad -> (gradient for each parent)``, by central differences
    of the node's own forward pass. The checks' graphs (Part 3) need working rules to test the
    student's order and backward pass; written out, they would be the answers of Parts 1 and 2.
    Exact for the linear operators up to round-off, about 1e-10 relative for tanh and exp."""
    datas = [p.data for p in parents]

    def rule(g):
        return tuple(_partial(lambda *a: float(np.sum(g * forward(*a))), datas, i)
                     for i in range(len(datas)))

    return hand_over(rule)  # the student's backprop calls it: its numerical_gradient is ours


def _node(forward, symbol, *parents, cls=Node):
    return cls(forward(*(p.data for p in parents)), parents, symbol,
               _numerical_rule(forward, *parents))


def _add(a, b):
    return _node(np.add, "+", a, b)


def _mul(a, b):
    return _node(np.multiply, "*", a, b)


def _matmul(a, b):
    return _node(np.matmul, "@", a, b)


def _sum(a):
    return _node(np.sum, "sum", a)


def _tanh(a):
    return _node(np.tanh, "tanh", a)


def _exp(a):
    return _node(np.exp, "exp", a)


def _relu(a):
    return _node(lambda v: np.maximum(v, 0), "relu", a)


def _scale(a, c, cls=Node):
    return cls(a.data * c, (a,), f"*{c:g}", lambda g: (g * c,))


def _square_graph(x):
    """L = sum(x * x): x is both parents of one node."""
    return _sum(_mul(x, x))


def _broadcast_graph(u, v, w):
    """L = sum(relu(u + v) * w): (3, 1) + (1, 4), times a (4,) row."""
    return _sum(_mul(_relu(_add(u, v)), w))


def _network_graph(x, W, b):
    """L = sum(tanh(h) * exp(h)), h = x @ W + b: h is used by two operators."""
    h = _add(_matmul(x, W), b)
    return _sum(_mul(_tanh(h), _exp(h)))


def _ladder(depth, cls=Node):
    """``depth`` diamonds on top of each other: x -> (a = x / 2, b = x / 4) -> a + b -> ..."""
    x = cls(np.ones(1), name="x")
    node = x
    for _ in range(depth):
        a, b = _scale(node, 0.5, cls), _scale(node, 0.25, cls)
        node = _node(np.add, "+", a, b, cls=cls)
    return node, x


def _chain(length, cls=Node):
    x = cls(np.array([0.5, -1.0]), name="x")
    node = x
    for _ in range(length):
        node = _scale(node, 1.0002, cls)
    return node, x


def _reachable(root):
    """Every node root depends on (by identity), root included."""
    seen, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop()._parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return seen


def _node_words(node):
    """A node as a verdict names it: its name, else its operation."""
    return node.name or (f"the {node.op} node" if node.op else "an input")


def _order_problem(order, root):
    """What is wrong with ``order`` as a topological order of root's graph, or None."""
    if order is None:
        return "returned None: did you forget a `return`?"
    try:
        order = list(order)
    except TypeError:
        return f"should return a list of nodes, got {type(order).__name__}"
    nodes = _reachable(root)
    ids = [id(node) for node in order]
    if any(i not in nodes for i in ids):
        stray = next(node for node in order if id(node) not in nodes)
        return f"returned something that is not a node of the graph: {type(stray).__name__}"
    if len(set(ids)) < len(ids):
        return ("lists a node more than once (a node reached along two paths): remember the "
                "nodes you have visited, e.g. in a set")
    missing = len(nodes) - len(set(ids))
    if missing:
        which = " (the root itself is missing)" if id(root) not in set(ids) else ""
        return f"misses {missing} of the {len(nodes)} nodes{which}"

    def first_wrong(sequence):
        position = {id(node): i for i, node in enumerate(sequence)}
        return any(position[id(p)] > position[id(node)] for node in sequence
                   for p in node._parents)

    if first_wrong(order):
        if not first_wrong(order[::-1]):
            return "is reversed: list the inputs first and the root last"
        position = {id(node): i for i, node in enumerate(order)}
        i, node, parent = next((i, node, p) for i, node in enumerate(order) for p in node._parents
                               if position[id(p)] > i)
        return (f"puts a node before one of its parents: {_node_words(node)} at position {i}, "
                f"its parent {_node_words(parent)} at {position[id(parent)]}; every node must "
                f"come after its parents")
    return None


@graded(FORBIDDEN, "Task 3.1", also=GRAPH_SORTS)
def check_topological_order(fn, *, quiet=False):
    """``fn(root)``: every node root depends on, each after all of its parents, root last.

    Without recursion: a chain of ``CHAIN`` nodes must not need one nested call per node. A node
    reached along many paths is listed once (a ladder of ``LADDER`` diamonds has 2**25 paths).
    """
    name = _name(fn)

    def builders():
        x = Node(np.array([1.0, 2.0]), name="x")
        yield "a single node", x
        yield "a chain of 3 nodes", _tanh(_exp(x))
        yield "x * x (one parent twice)", _mul(x, x)
        yield "x + tanh(x) (x is a parent of both)", _add(x, _tanh(x))
        a, b, c = (Node(np.full(2, v), name=n) for v, n in [(1.0, "a"), (2.0, "b"), (3.0, "c")])
        d = _add(a, b)
        yield "a diamond", _mul(_tanh(d), _exp(d))
        yield "a graph where inputs are shared", _mul(_add(d, _mul(d, c)), a)
        yield f"a ladder of {LADDER} diamonds ({2 ** LADDER} paths)", _ladder(LADDER)[0]
        yield f"a chain of {CHAIN} nodes", _chain(CHAIN, _DeepNode)[0]

    count = 0
    for label, root in builders():
        count += 1
        hint = (f" Without a set of visited nodes it walks all {2 ** LADDER} paths."
                if "ladder" in label else "")
        _DeepNode.base = sys._getframe()
        try:
            got, problem = _call(fn, (root,), label, hint)
        finally:
            _DeepNode.base = None
        if problem is None:
            problem = _order_problem(got, root)
            problem = problem and f"{name}, {label}: the order {problem}"
        else:
            problem = _graph_hint(problem)
        if problem:
            return _say((False, problem), quiet)
    return _say((True, f"{name} is correct on all {count} cases (a chain of {CHAIN} nodes, "
                       f"without recursion; a ladder of {LADDER} diamonds, each node once)."),
                quiet)


def _graph_hint(problem):
    """``problem`` with a hint for the errors a graph walk typically raises."""
    if "AttributeError" in problem:
        return problem + (" (the check's nodes have the attributes of Var: data, grad, parents, "
                          "op, backward_rule)")
    if "'NoneType' object is not callable" in problem:
        return problem + " (inputs have backward_rule None: skip them)"
    return problem


def _variant_backprop(root, mistake):
    """The backward pass with one typical mistake, on nodes of the checks (for diagnosis)."""
    from ..graph import topological_order

    order = topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in (order if mistake == "forward" else reversed(order)):
        if node.backward_rule is not None:
            for parent, grad in zip(node.parents, node.backward_rule(node.grad)):
                if mistake == "overwrite":
                    parent.grad = np.array(grad, dtype=np.float64)
                else:
                    parent.grad = parent.grad + grad


# predicates of "input 0's gradient ..." (compare's words for a known mistake follow the subject)
_BACKPROP_MISTAKES = {
    "overwrite": ("lacks a contribution: a node that is used twice got only one of its "
                  "contributions: add each contribution to parent.grad with +=, do not "
                  "overwrite it"),
    "forward": ("is wrong because the pass visits the nodes in the wrong order: go through the "
                "topological order in reverse (root first), so that a node has all of its "
                "gradient before it passes it on"),
}


@graded(FORBIDDEN, "Task 3.2", also=GRAPH_SORTS)
def check_backprop(fn, *, quiet=False):
    """``fn(root)``: fill ``.grad`` of every node of root's graph (root a scalar).

    Seed root.grad with ones, visit the nodes in reverse topological order, and add each
    node's ``backward_rule(node.grad)`` to its parents' grads. Compared with central differences.
    """
    name = _name(fn)
    r = _rng(60)
    x1 = r.normal(size=3)
    u, v, w = r.normal(size=(3, 1)), r.normal(size=(1, 4)), r.normal(size=4)
    x, W, b = r.normal(size=(2, 3)), r.normal(size=(3, 2)), r.normal(size=2)
    cases = [("x * x (x used twice)", _square_graph, [x1]),
             ("relu(u + v) * w with u (3, 1), v (1, 4), w (4,)", _broadcast_graph, [u, v, w]),
             ("tanh(h) * exp(h), h = x @ W + b (h used twice)", _network_graph, [x, W, b]),
             (f"a chain of {CHAIN} nodes", None, None)]
    for label, build, arrays in cases:
        if build is None:
            root, leaf = _chain(CHAIN)
            leaves, expected = [leaf], [np.full(2, 1.0002 ** CHAIN)]
        else:
            leaves = [Node(a, name=f"input {i}") for i, a in enumerate(arrays)]
            root = build(*leaves)
            expected = [_partial(lambda *a, build_=build: float(build_(*map(Node, a)).data),
                                 arrays, i) for i in range(len(arrays))]
        result, problem = _call(fn, (root,), label)
        if problem:
            return _say((False, _graph_hint(problem)), quiet)
        seed = compare(np.ones_like(root.data), root.grad)
        if seed:
            return _say((False, f"{name}, {label}: the root's gradient after the pass {seed}: "
                                f"seed it with ones (dL/dL = 1)"), quiet)
        mistakes = {}
        if build is not None:
            for mistake in _BACKPROP_MISTAKES:
                twins = [Node(a) for a in arrays]
                _variant_backprop(build(*twins), mistake)
                mistakes[mistake] = [t.grad for t in twins]
        for i, (leaf, exp) in enumerate(zip(leaves, expected)):
            known = [(mistakes[m][i], words) for m, words in _BACKPROP_MISTAKES.items()
                     if m in mistakes]
            problem = compare(exp, leaf.grad, known)
            if problem:
                what = "the input's gradient" if len(leaves) == 1 else f"input {i}'s gradient"
                return _say((False, f"{name}, {label}: {what} {problem}"), quiet)
        if build is not None:  # every node's grad, not only the inputs' (the spec's words)
            twin = build(*[Node(a) for a in arrays])
            _variant_backprop(twin, None)
            for node, right in zip(_reachable(root).values(), _reachable(twin).values()):
                if node.backward_rule is not None and node is not root and not _close(
                        node.grad, right.grad):
                    return _say((False, f"{name}, {label}: the inputs' gradients are right, but "
                                        f"not {_node_words(node)}'s: when backprop returns, "
                                        f"every node's grad must hold dL/d(node)"), quiet)
        if build is _square_graph:  # a second pass must give the same gradients
            _, problem = _call(fn, (root,), f"{label}, called a second time")
            if problem:
                return _say((False, _graph_hint(problem)), quiet)
            if not _close(leaves[0].grad, expected[0]):
                return _say((False, f"{name}, {label}: calling it twice changed the gradients: "
                                    f"set every node's grad to zeros before the pass"), quiet)
    return _say((True, f"{name} agrees with central differences on all {len(cases)} cases "
                       f"(a node used twice, broadcasting, a small network, a chain of {CHAIN} "
                       f"nodes; relative error <= {TOL:g}), and a second call gives the same "
                       f"gradients."), quiet)


# -- Part 4: a network trained with the student's engine ---------------------------------------
def _one_hot(y, classes):
    return np.eye(classes)[y]


def _layers_reference(X, y, params):
    """(loss, [dW1, db1, dW2, db2]) of the mean cross-entropy by nnlesson's layers."""
    from ..layers import Linear, ReLU, Sequential
    from ..losses import SoftmaxCrossEntropy

    W1, _, W2, _ = params
    net = Sequential(Linear(W1.shape[1], W1.shape[0], rng=0), ReLU(),
                     Linear(W2.shape[1], W2.shape[0], rng=0))
    for p, value in zip(net.parameters(), params):
        p.data[...] = value
    loss_fn = SoftmaxCrossEntropy()
    loss = loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    return loss, [p.grad.copy() for p in net.parameters()]


def _graph_reference(X, y, params):
    """(loss, gradients) of the same loss computed with ``nnlesson.graph``."""
    from ..graph import Tensor, cross_entropy

    W1, b1, W2, b2 = (Tensor(p) for p in params)
    loss = cross_entropy((Tensor(X) @ W1.T + b1).relu() @ W2.T + b2, y)
    loss.backward()
    return float(loss.data), [t.grad.copy() for t in (W1, b1, W2, b2)]


PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _mlp_case(seed, n, sizes, scale=1.0):
    r = _rng(seed)
    d, m, k = sizes
    X, y = r.normal(size=(n, d)), r.integers(0, k, size=n)
    params = [scale * r.normal(size=(m, d)), r.normal(size=m), scale * r.normal(size=(k, m)),
              r.normal(size=k)]
    return X, y, params


def _engine_gradients(fn, Var, X, y, params, label):
    """(loss value, [grads], None) from the student's ``fn`` and ``Var``, or a message."""
    name = _name(fn)
    variables = [Var(p.copy()) for p in params]
    Y = _one_hot(y, params[2].shape[0])
    loss, problem = _call(fn, (X, Y, *variables), label)
    if problem:
        return None, None, problem
    if not isinstance(loss, Var):
        return None, None, (f"{name} should return a {Var.__name__} (your engine's scalar loss), "
                            f"got {type(loss).__name__}")
    if np.size(loss.data) != 1:
        return None, None, (f"{name}, {label}: the loss should be a scalar (the mean over the "
                            f"batch), got shape {np.shape(loss.data)}")
    _, problem = _call(lambda: loss.backward(), (), label)
    if problem:
        return None, None, problem.replace("<lambda>", f"{Var.__name__}.backward", 1)
    return float(loss.data), [np.asarray(v.grad, dtype=np.float64) for v in variables], None


def _earlier_failures(fn):
    """The words naming the student's earlier functions (the notebook's globals beside ``fn``)
    that do not pass their own checks: Part 4 runs the whole engine, so their mistakes show up
    there as a wrong gradient, which is then not ``fn``'s fault. Empty when all pass."""
    names = getattr(inspect.unwrap(fn), "__globals__", {})
    failing = [f"{name} (Task {task})" for name, task, check in _EARLIER
               if callable(names.get(name)) and not check(names[name], quiet=True)]
    if not failing:
        return ""
    return (f" (your {', '.join(failing)} {'does' if len(failing) == 1 else 'do'} not pass "
            f"{'its' if len(failing) == 1 else 'their'} own check yet: Part 4 runs your whole "
            f"engine, so fix {'it' if len(failing) == 1 else 'them'} first)")


@graded(FORBIDDEN, "Task 4.1")
def check_mlp_loss(fn, Var, *, quiet=False):
    """``fn(X, Y, W1, b1, W2, b2) -> Var``: the mean softmax cross-entropy of
    ``relu(X @ W1.T + b1) @ W2.T + b2`` with one-hot labels ``Y``, built from ``Var`` operations.

    The loss and, through ``Var.backward()``, the gradients must agree with nnlesson's layers and
    with ``nnlesson.graph`` to a relative difference of ``AGREE``.
    """
    name = _name(fn)
    large = _mlp_case(72, 6, (2, 4, 3), scale=100.0)
    X, _, (W1, b1, W2, b2) = large
    biggest = np.abs(np.maximum(X @ W1.T + b1, 0) @ W2.T + b2).max()
    cases = [("a batch of 8, 2 -> 4 -> 2", _mlp_case(70, 8, (2, 4, 2))),
             ("a batch of 1, 3 -> 5 -> 3", _mlp_case(71, 1, (3, 5, 3))),
             (f"large logits (weights x 100: logits up to {biggest:.0f})", large)]
    worst = 0.0
    for label, (X, y, params) in cases:
        loss, grads, problem = _engine_gradients(fn, Var, X, y, params, label)
        if problem:
            return _say((False, problem + _earlier_failures(fn)), quiet)
        ref_loss, ref_grads = _layers_reference(X, y, params)
        graph_loss, graph_grads = _graph_reference(X, y, params)
        where = f"{name}, {label}: the loss"
        if not np.isfinite(loss):
            return _say((False, f"{where} is {loss}: exp overflowed, or the log of an exp that "
                                f"underflowed to 0 was taken. Subtract each row's largest logit "
                                f"first (a constant: S.data.max(axis=1, keepdims=True)), then "
                                f"take the true class's log-probability as its shifted logit "
                                f"minus log(sum(exp(shifted logits))), never log(exp(...)) of "
                                f"one class alone"), quiet)
        if rel_error(loss, ref_loss) > AGREE:
            # shifting only one of the two terms by the row maxima moves the loss by their mean
            W1, b1, W2, b2 = params
            shift = (np.maximum(X @ W1.T + b1, 0) @ W2.T + b2).max(axis=1).mean()
            one_term = ("shifts only one of its two terms: subtract the same max from both "
                        "(use Z in the Y * Z term too)")
            words = compare(ref_loss, loss, [(ref_loss * len(y), "is the sum over the batch: "
                                              "take the mean (multiply by 1 / N)"),
                                             (ref_loss - shift, one_term),
                                             (ref_loss + shift, one_term)], tol=AGREE)
            return _say((False, f"{where} {words}"), quiet)
        for p_name, g, ref, graph_g in zip(PARAM_NAMES, grads, ref_grads, graph_grads):
            words = compare(ref, g, [(np.zeros_like(ref), "is 0 everywhere: is the loss built "
                                      "from the Vars you were given (not from their .data)?")],
                            tol=AGREE)
            if words:
                return _say((False, f"{name}, {label}: d{p_name} {words} (compared with "
                                    f"nnlesson's layers){_earlier_failures(fn)}"), quiet)
            worst = max(worst, rel_error(g, ref), rel_error(g, graph_g))
    labels = "; ".join(label for label, _ in cases)
    return _say((True, f"{name} is correct on all {len(cases)} cases ({labels}): loss and "
                       f"gradients agree "
                       f"with nnlesson's layers and nnlesson.graph (largest relative difference "
                       f"{_fmt_diff(worst)}; tolerance {AGREE:g})."), quiet)


def _fmt_diff(d):
    return "0" if d == 0 else f"{d:.2e}"


def _reference_training(X, y, params, lr, steps):
    """Losses of ``steps`` full-batch gradient-descent steps with the layers, and the params."""
    params = [p.copy() for p in params]
    losses = []
    for _ in range(steps):
        loss, grads = _layers_reference(X, y, params)
        losses.append(loss)
        params = [p - lr * g for p, g in zip(params, grads)]
    return np.array(losses), params


@graded(FORBIDDEN, "Task 4.2")
def check_train(fn, Var, *, quiet=False):
    """``fn(params, X, Y, lr, steps) -> losses``: ``steps`` steps of full-batch gradient
    descent on ``mlp_loss``; ``params`` ([W1, b1, W2, b2] as ``Var``) are updated in place."""
    name = _name(fn)
    cases = [("5 steps, lr 0.5, a batch of 8", _mlp_case(80, 8, (2, 4, 2)), 0.5, 5),
             ("3 steps, lr 0.1, a batch of 1", _mlp_case(81, 1, (3, 5, 3)), 0.1, 3)]
    for label, (X, y, params), lr, steps in cases:
        variables = [Var(p.copy()) for p in params]
        given = list(variables)   # the Vars themselves: a rebinding puts others in the list
        Y = _one_hot(y, params[2].shape[0])
        got, problem = _call(fn, (variables, X, Y, lr, steps), label)
        if problem:
            return _say((False, problem + _earlier_failures(fn)), quiet)
        if got is None:
            return _say((False, f"{name} returned None: return the list of losses"), quiet)
        if isinstance(got, (list, tuple)) and got and isinstance(got[0], Var):
            return _say((False, f"{name} should return numbers, not {Var.__name__}s: append "
                                f"loss.data.item()"), quiet)
        try:
            losses = [float(np.asarray(v)) for v in got]
        except (TypeError, ValueError):
            return _say((False, f"{name} should return a list of numbers (one loss per step), "
                                f"got {type(got).__name__}"), quiet)
        ref, ref_params = _reference_training(X, y, params, lr, steps)
        if len(losses) != steps:
            return _say((False, f"{name}, {label}: should return one loss per step ({steps}), "
                                f"got {len(losses)}"), quiet)
        up, _ = _reference_training(X, y, params, -lr, steps)
        ahead, _ = _reference_training(X, y, params, lr, steps + 1)
        known = [(np.full(steps, ref[0]), "never change: update each parameter in place, "
                                          "p.data -= lr * p.grad"),
                 (up, "go up: step against the gradient, p.data -= lr * p.grad"),
                 (ahead[1:], "are one step ahead: record each loss before the update")]
        words = compare(ref, np.array(losses), known, tol=AGREE)
        if words:
            # the known mistakes' words take a plural verb, compare's own words a singular one
            subject = ("the losses" if any(words.startswith(w) for _, w in known)
                       else "the list of losses")
            return _say((False, f"{name}, {label}: {subject} {words}"
                                f"{_earlier_failures(fn)}"), quiet)
        if any(v is not g for v, g in zip(variables, given)):
            return _say((False, f"{name}, {label}: the list now holds new Vars in place of the "
                                f"ones you were given: update each one in place, "
                                f"p.data -= lr * p.grad, so that whoever else holds a parameter "
                                f"(a layer, an optimizer) sees the step"), quiet)
        if all(np.array_equal(v.data, p) for v, p in zip(variables, params)):
            return _say((False, f"{name}, {label}: the losses are right but the Vars you were "
                                f"given never changed: update each one in place, "
                                f"p.data -= lr * p.grad, rather than making new Vars"), quiet)
        for p_name, v, p in zip(PARAM_NAMES, variables, ref_params):
            words = compare(p, v.data, tol=AGREE)
            if words:
                return _say((False, f"{name}, {label}: {p_name} after training {words}"
                                f"{_earlier_failures(fn)}"), quiet)
    return _say((True, f"{name} is correct on all {len(cases)} cases: the same losses and "
                       f"parameters as gradient descent with nnlesson's layers."), quiet)


MOONS = {"n": 200, "noise": 0.2, "seed": 0, "hidden": 16, "lr": 0.5, "steps": 300}


def _moons():
    from ..data import make_moons
    from ..layers import Linear

    X, y = make_moons(MOONS["n"], noise=MOONS["noise"], rng=MOONS["seed"])
    first, second = Linear(2, MOONS["hidden"], rng=1), Linear(MOONS["hidden"], 2, rng=2)
    return X, y, [p.data.copy() for layer in (first, second) for p in layer.parameters()]


def train_on_moons(train, Var):
    """Train a 2-16-2 ReLU network on make_moons with the student's ``train`` and ``Var``.

    Prints the losses and the training accuracy next to the same training with nnlesson's
    layers, draws the loss curve and the decision regions, and returns the trained parameters
    (a list of Var), or None when a part of the engine is not written yet.
    """
    import matplotlib.pyplot as plt

    from ..viz import plot as nlplot

    X, y, params = _moons()
    variables = [Var(p.copy()) for p in params]
    steps, lr = MOONS["steps"], MOONS["lr"]
    got, problem = _call(train, (variables, X, _one_hot(y, 2), lr, steps), "the moons")
    if problem:
        print(f"{FAIL} {problem}")
        return None
    try:
        losses = np.array([float(np.asarray(v)) for v in got], dtype=np.float64)
    except (TypeError, ValueError):
        losses = np.array([])
    if losses.shape != (steps,):
        print(f"{FAIL} train should return one loss (a number) per step: check it with "
              f"a2.check_train first")
        return None
    ref, _ = _reference_training(X, y, params, lr, steps)
    W1, b1, W2, b2 = (v.data for v in variables)

    def logits(points):
        return np.maximum(points @ W1.T + b1, 0) @ W2.T + b2

    accuracy = np.mean(logits(X).argmax(axis=1) == y)
    print(f"{MOONS['n']} moons (noise {MOONS['noise']}, seed {MOONS['seed']}), a 2-"
          f"{MOONS['hidden']}-2 ReLU network, full-batch gradient descent:")
    print(f"your engine: loss {losses[0]:.4f} at the start, {losses[-1]:.4f} after {steps} "
          f"steps of gradient descent (lr {lr}); training accuracy {accuracy:.1%}")
    print(f"nnlesson's layers, same start: loss {ref[-1]:.4f} after {steps} steps; largest "
          f"difference between the two loss curves {_fmt_diff(np.max(np.abs(losses - ref)))}")
    nlplot.use_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(np.arange(1, steps + 1), losses, color=nlplot.BLUE, label="your engine")
    left.plot(np.arange(1, steps + 1), ref, "--", color=nlplot.ORANGE, label="nnlesson's layers")
    left.set_xlabel("gradient-descent step")
    left.set_ylabel("training loss (cross-entropy)")
    left.set_title("Loss: your engine and the layers")
    left.legend()
    # the regions cover every point with a margin, and the axes show exactly the regions
    low, high = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 150))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    regions = logits(grid).argmax(axis=1).reshape(xx.shape)
    right.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5], colors=[nlplot.BLUE, nlplot.ORANGE],
                   alpha=0.25)
    for c, colour in enumerate([nlplot.BLUE, nlplot.ORANGE]):
        right.scatter(*X[y == c].T, s=12, color=colour, label=f"class {c}")
    right.set_xlim(low[0], high[0])
    right.set_ylim(low[1], high[1])
    right.set_xlabel("x1")
    right.set_ylabel("x2")
    right.set_title("Decision regions after training")
    right.legend(loc="lower left")
    plt.show()
    return variables


def compare_gradients(mlp_loss, Var, params=None):
    """Print the relative differences between the student's gradients of ``mlp_loss`` on the
    moons and those of ``nnlesson.graph`` and of the layers, at ``params`` (a list of Var, e.g.
    the trained ones; default: the untrained weights), and a verdict against ``AGREE``."""
    X, y, start = _moons()
    weights = start if params is None else [np.array(p.data, dtype=np.float64) for p in params]
    loss, grads, problem = _engine_gradients(mlp_loss, Var, X, y, weights, "the moons")
    if problem:
        print(f"{FAIL} {problem}")
        return
    _, ref_grads = _layers_reference(X, y, weights)
    _, graph_grads = _graph_reference(X, y, weights)
    print("relative difference of   your engine vs nnlesson.graph   your engine vs the layers")
    worst = 0.0
    for p_name, g, graph_g, ref in zip(PARAM_NAMES, grads, graph_grads, ref_grads):
        to_graph, to_layers = rel_error(g, graph_g), rel_error(g, ref)
        worst = max(worst, to_graph, to_layers)
        print(f"{'d' + p_name:<24}{_fmt_diff(to_graph):>31}{_fmt_diff(to_layers):>28}")
    if worst <= AGREE:
        print(f"{PASS} your engine's gradients agree with both (all below {AGREE:g}).")
    else:
        print(f"{FAIL} the largest difference {worst:.2g} is above {AGREE:g}: compare the rules "
              f"your mlp_loss uses.")


# The tasks Part 4 builds on, in the notebook's order: (the student's function, task, its check).
_EARLIER = [("unbroadcast", "1.1", check_unbroadcast), ("add_backward", "1.2", check_add_backward),
            ("mul_backward", "1.3", check_mul_backward),
            ("matmul_backward", "2.1", check_matmul_backward),
            ("sum_backward", "2.2", check_sum_backward),
            ("exp_backward", "2.3", check_exp_backward),
            ("log_backward", "2.4", check_log_backward),
            ("relu_backward", "2.5", check_relu_backward),
            ("tanh_backward", "2.6", check_tanh_backward),
            ("topological_order", "3.1", check_topological_order),
            ("backprop", "3.2", check_backprop)]
