"""The exercise checks pass the reference solutions and catch typical mistakes, naming them."""

import sys

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks


def run(check, *fns, capsys):
    assert check(*fns) is None  # prints, returns nothing (so a notebook shows no extra output)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out  # one short verdict
    assert check(*fns, quiet=True) == out.startswith(checks.PASS)
    return out.startswith(checks.PASS), out


# Each entry: the check, the reference solution(s), and wrong versions with a phrase the verdict
# must contain. The references are written as a student would, independently of the checks.
def ref_linear_forward(x, W, b):
    return x @ W.T + b


def ref_collapse(W1, b1, W2, b2):
    return W2 @ W1, W2 @ b1 + b2


def ref_sigmoid_derivative(x):
    s = nl.sigmoid(x)
    return s * (1 - s)


def ref_prelu_backward(x, alpha, dout):
    negative = x <= 0
    return np.where(negative, alpha * dout, dout), np.sum(dout * x * negative)


def ref_numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def ref_linear_backward(x, W, dout):
    return dout @ W, dout.T @ x, dout.sum(axis=0)


def ref_cache_bytes(depth, batch, width):
    return (depth + 1) * batch * width * 8  # the input's copy, each Sigmoid's output once


def ref_dropout_forward(x, p, rng):
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask


def ref_dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)


def ref_stopping_epoch(val_losses, patience, min_delta):
    best, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return None


def not_implemented(*args):
    raise NotImplementedError()


def leaves_x_nudged(f, x, eps=1e-6):
    grad = ref_numerical_gradient(f, x, eps)
    x[0] += eps  # forgot to restore one element
    return grad


def forward_differences(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        base = f(x)
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


CASES = {
    "linear_forward": (checks.check_linear_forward, [ref_linear_forward], [
        (lambda x, W, b: x @ W + b, "raised ValueError"),  # transposed weight
        (lambda x, W, b: x @ W.T, "is wrong"),  # forgot the bias
        (lambda x, W, b: (x @ W.T + b).T, "transposed?"),
        (lambda x, W, b: None, "forget a `return`"),
    ]),
    "collapse": (checks.check_collapse, [ref_collapse], [
        (lambda W1, b1, W2, b2: (W1.T @ W2.T, W2 @ b1 + b2), "W should have shape"),
        (lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1), "b is wrong"),  # forgot b2
    ]),
    "sigmoid_derivative": (checks.check_sigmoid_derivative, [ref_sigmoid_derivative], [
        (lambda x: nl.sigmoid(x) * (1 + nl.sigmoid(x)), "is wrong at index"),
        (lambda x: 2 * ref_sigmoid_derivative(x), "2 times the right value"),
        (lambda x: -ref_sigmoid_derivative(x), "wrong sign"),
        # review r11: the closed form from np.exp, right up to +-709, is nan where exp overflows
        (lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
         "saturated inputs (+-1000: build it from nl.sigmoid, which never overflows): the "
         "derivative contains nan or inf"),
    ]),
    "prelu_backward": (checks.check_prelu_backward, [ref_prelu_backward], [
        (lambda x, a, d: (np.where(x <= 0, a * d, d), np.sum(d * x)), "dalpha"),  # all x, not x <= 0
        (lambda x, a, d: (np.where(x <= 0, a, 1.0), np.sum(d * x * (x <= 0))), "dx"),  # forgot dout
        (lambda x, a, d: (np.where(x <= 0, d, a * d), np.sum(d * x * (x <= 0))), "dx"),  # swapped
    ]),
    "numerical_gradient": (checks.check_numerical_gradient, [ref_numerical_gradient], [
        (leaves_x_nudged, "x after the call (put each element back)"),
        (forward_differences, "the gradient is wrong"),
        (lambda f, x, eps=1e-6: -ref_numerical_gradient(f, x, eps), "wrong sign"),
        # a step of its own, the eps argument ignored (accepted before the eps case existed)
        (lambda f, x, eps=1e-6: ref_numerical_gradient(f, x), "use the eps argument"),
    ]),
    "linear_backward": (checks.check_linear_backward, [ref_linear_backward], [
        (lambda x, W, d: (d @ W, x.T @ d, d.sum(axis=0)), "dW should have shape"),  # transposed
        (lambda x, W, d: (d @ W, d.T @ x, d.mean(axis=0)), "db is"),  # mean instead of sum
        (lambda x, W, d: (d @ W.T, d.T @ x, d.sum(axis=0)), "raised ValueError for a batch of 6"),
    ]),
    "cache_bytes": (checks.check_cache_bytes, [ref_cache_bytes], [
        (lambda d, n, w: d * n * w * 16, "counts every Linear's input as an array of its own"),  # review r7
        (lambda d, n, w: d * n * w * 8, "leaves out one activation: count the first Linear's input"),
        (lambda d, n, w: d * n * w * 9, "not a 1-byte mask like the ReLU's"),
        (lambda d, n, w: (d + 1) * n * w * 4, "the byte count should be 4480, got 2240"),  # f32
    ]),
    "dropout": (checks.check_dropout, [ref_dropout_forward, ref_dropout_backward], [
        ((lambda x, p, rng: ((x * (m := rng.random(x.shape) >= p)), m)), ref_dropout_backward,
         "check the scaling"),  # forgot 1/(1-p) in forward
        ((lambda x, p, rng: ((x * (m := rng.random(x.shape) < p)) / (1 - p), m)), ref_dropout_backward,
         "mask"),  # p used as the keep probability
        (ref_dropout_forward, lambda d, m, p: d * m, "check the scaling"),  # backward without 1/(1-p)
        # cs231n's idiom: valid dropout, other units; the message names it (review r2-05-08)
        ((lambda x, p, rng: ((x * (m := rng.random(x.shape) < 1 - p)) / (1 - p), m)),
         ref_dropout_backward, "That is valid dropout (rng.random(x.shape) < 1 - p"),
    ]),
    "stopping_epoch": (checks.check_stopping_epoch, [ref_stopping_epoch], [
        (lambda v, patience, min_delta: ref_stopping_epoch(v, patience + 1, min_delta), "should be"),
        (lambda v, patience, min_delta: ref_stopping_epoch(v, patience, 0.0), "small gains below min_delta"),
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_reference_solution_passes_in_one_line(name, capsys):
    check, reference, _ = CASES[name]
    ok, out = run(check, *reference, capsys=capsys)
    assert ok and out.startswith(checks.PASS) and "correct on all" in out


@pytest.mark.parametrize("name", CASES)
def test_wrong_solutions_fail_and_name_the_problem(name, capsys):
    check, reference, wrongs = CASES[name]
    assert len(wrongs) >= 2
    for *fns, phrase in wrongs:
        if len(reference) == 2 and len(fns) == 1:
            fns = [fns[0], reference[1]]
        ok, out = run(check, *fns, capsys=capsys)
        assert not ok and out.startswith(checks.FAIL), out
        assert phrase in out, f"{phrase!r} not in {out!r}"


@pytest.mark.parametrize("name", CASES)
def test_not_implemented_gets_a_friendly_message(name, capsys):
    check, reference, _ = CASES[name]
    ok, out = run(check, *[not_implemented] * len(reference), capsys=capsys)
    assert not ok and "is not implemented yet" in out and "Traceback" not in out


def test_checks_never_print_code(capsys):
    for check, reference, wrongs in CASES.values():
        for *fns, _ in wrongs:
            check(*fns, *reference[len(fns):])
    out = capsys.readouterr().out
    for fragment in ["@ W", "@ x", "W2 @ W1", "(1 - p)", "(1 - s)", "np.sum", "np.where", "mean("]:
        assert fragment not in out


def test_quiet_mode_returns_without_printing(capsys):
    assert checks.check_linear_forward(ref_linear_forward, quiet=True) is True
    assert checks.check_linear_forward(lambda x, W, b: x @ W.T, quiet=True) is False
    assert capsys.readouterr().out == ""


def test_diagnose_reports_the_worst_element():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = expected.copy()
    got[1, 0] = 3.5
    assert checks.diagnose(expected, got) == "is wrong at index (1, 0): expected 3, got 3.5 (relative error 0.14)"
    assert checks.diagnose(expected, expected) is None
    assert checks.diagnose(4, np.int64(4)) is None and checks.diagnose(None, None) is None
    assert checks.diagnose(4, np.array([4, 5])) == "should be 4, got array([4, 5])"
    assert checks.diagnose(None, 3) == "should be None, got 3"


# -- a student's infinite loop or complex answer (issue 12) ----------------------------------------

def forever(*args):
    while True:
        pass


def forever_swallowing_errors(*args):
    while True:
        try:
            pass
        except Exception:  # a student's broad except must not swallow the time limit
            pass


@pytest.mark.parametrize("fn", [forever, pytest.param(
    forever_swallowing_errors, marks=pytest.mark.skipif(
        sys.version_info < (3, 11),
        reason="Python 3.10 handles no signal just before a try block (see call_with_time_limit)"))])
def test_an_infinite_loop_ends_with_a_verdict_naming_the_time_limit(fn, monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.3)  # 5 s in class; short here to keep tests fast
    ok, out = run(checks.check_linear_forward, fn, capsys=capsys)
    assert not ok
    assert f"{fn.__name__} took longer than 0.3 s for a batch of 5: is there an infinite loop?" in out
    assert checks.TIME_LIMIT == 0.3


def test_the_time_limit_is_five_seconds_and_stated(monkeypatch):
    import time

    assert checks.TIME_LIMIT == 5
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.2)  # the default is read at call time
    start = time.perf_counter()
    with pytest.raises(checks.TookTooLong):
        checks.call_with_time_limit(forever, ())
    assert time.perf_counter() - start < 2


def test_the_time_limit_also_works_outside_the_main_thread():
    import threading
    import time

    verdicts = []

    def grade():
        start = time.perf_counter()
        verdicts.append((checks.call_with_time_limit(lambda: 42, (), seconds=1), None))
        try:
            checks.call_with_time_limit(time.sleep, (5,), seconds=0.2)
        except checks.TookTooLong:
            verdicts.append(("stopped", time.perf_counter() - start))

    worker = threading.Thread(target=grade)
    worker.start()
    worker.join(10)
    assert verdicts[0][0] == 42 and verdicts[1][0] == "stopped" and verdicts[1][1] < 2


def test_errors_raised_in_time_limited_functions_still_reach_the_student(capsys):
    def broken(x, W, b):
        raise IndexError("index 7 is out of bounds")

    ok, out = run(checks.check_linear_forward, broken, capsys=capsys)
    assert not ok and "broken raised IndexError for a batch of 5: index 7 is out of bounds" in out


@pytest.mark.parametrize("answer, phrase", [
    (lambda x, W, b: (x @ W.T + b).astype(complex) + 1j, "should be real numbers, got complex numbers"),
    (lambda x, W, b: (x @ W.T + b).astype(complex), "should be real numbers, got complex numbers"),
    (lambda x, W, b: (x @ W.T + b).astype(object), "should be a number or an array of numbers, got ndarray"),
    (lambda x, W, b: "x @ W.T + b", "should be a number or an array of numbers, got str"),
])
def test_complex_or_object_answers_are_the_wrong_type(answer, phrase, capsys):
    ok, out = run(checks.check_linear_forward, answer, capsys=capsys)
    assert not ok and phrase in out  # the real part was compared before: "correct"
    assert checks.diagnose(3, 3 + 0j) is not None


def test_a_lesson_check_names_the_unfinished_function_that_the_students_function_calls(capsys):
    def my_softmax(logits):
        raise NotImplementedError()

    def my_cross_entropy(logits, labels):  # as in lesson 01: step 1 uses my_softmax
        probs = my_softmax(logits)
        return probs, probs

    ok, out = run(checks.check_cross_entropy, my_cross_entropy, capsys=capsys)
    assert not ok and "my_cross_entropy calls my_softmax, which is not implemented yet" in out
    ok, out = run(checks.check_softmax, my_softmax, capsys=capsys)
    assert not ok and "my_softmax is not implemented yet" in out  # the function itself


def test_a_recursion_too_deep_gets_advice_instead_of_recursionerror(capsys):
    def deep(x, W, b, depth=0):
        return deep(x, W, b, depth + 1)

    ok, out = run(checks.check_linear_forward, deep, capsys=capsys)
    assert not ok and "deep (or a function it calls) uses recursion" in out and "explicit stack" in out


# -- messages that never mislead (issue 26) ----------------------------------------------------------

def test_a_float32_answer_is_judged_at_float32_precision(capsys):
    ok, out = run(checks.check_linear_forward,
                  lambda x, W, b: x.astype(np.float32) @ W.T.astype(np.float32) + b.astype(np.float32),
                  capsys=capsys)
    assert ok, out
    # the number the issue quotes: right in float32, rejected before as "expected -4.6089, got -4.6089"
    assert checks.diagnose(np.float64(-4.608912345), np.float32(-4.608912345)) is None
    assert checks.diagnose(np.array([1.0, 2.0]), np.array([1.0, 2.0001], dtype=np.float32)) == (
        "is right to float32 precision only: computed in float32: use float64 (this check needs "
        "more than float32's 6 significant digits)")
    # a real mistake in float32 is still named as one
    assert checks.diagnose(np.array([1.0, 2.0]), np.array([1.0, 2.5], dtype=np.float32)) == (
        "is wrong at index (1,): expected 2, got 2.5 (relative error 0.2)")


def test_expected_and_got_show_digits_enough_to_differ():
    assert checks.diagnose(4.6089101, 4.6089149) == (
        "is wrong: expected 4.608910, got 4.608915 (relative error 1e-06)")
    assert checks.diagnose(np.array([3.0]), np.array([3.5])) == (
        "is wrong at index (0,): expected 3, got 3.5 (relative error 0.14)")


@pytest.mark.parametrize("k, batch, message", [
    (2, None, "is 2 times the right value everywhere: check the scaling"),
    (0.5, None, "is 1/2 of the right value everywhere: check the scaling"),
    (-1, None, "has the wrong sign everywhere"),
    (4, 4, "is 4 times the right value everywhere (N = 4 examples): check the scaling"),
    (0.25, 4, "is 1/4 of the right value everywhere (N = 4 examples): check the scaling"),
    (0, None, "is all zeros"),  # was "0 times the right value"
    # any other factor explains nothing: the element that failed, with its values
    (0.7154, None, "is wrong at index (1, 1): expected 3, got 2.1462 (relative error 0.28)"),
    (-2.451, None, "is wrong at index (1, 1): expected 3, got -7.353 (relative error 1.4)"),
    (4, None, "is wrong at index (1, 1): expected 3, got 12 (relative error 0.75)"),
])
def test_a_factor_is_named_only_where_a_mistake_explains_it(k, batch, message):
    expected = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert checks.diagnose(expected, k * expected, batch=batch) == message


def test_a_single_number_is_not_wrong_everywhere():
    assert checks.diagnose(2.0, 4.0) == "is 2 times the right value: check the scaling"
    assert checks.diagnose(2.0, -4.902) == "is wrong: expected 2, got -4.902 (relative error 1.4)"
    assert checks.diagnose(2.0, 0.0) == "is all zeros"


def test_an_array_instead_of_a_function_is_named_plainly(capsys):
    ok, out = run(checks.check_linear_forward, np.ones((5, 4)), capsys=capsys)
    assert out == ("\N{HEAVY BALLOT X} checks.check_linear_forward takes your function itself, not "
                   "what it returns: write checks.check_linear_forward(my_function), without "
                   "parentheses after my_function; got an array of shape (5, 4).")
    ok, out = run(checks.check_dropout, ref_dropout_forward, 3.0, capsys=capsys)
    assert not ok and out.endswith("without parentheses after my_function; got float 3.0.")
    got, problem = checks.attempt(np.ones(3), (), "case 1")  # the runner's own guard
    assert got is None and problem.endswith("got an array of shape (3,).")


def test_check_dropout_asks_for_the_specs_order(capsys):
    def out_only(x, p, rng):
        return x * (rng.random(x.shape) >= p) / (1 - p)

    ok, out = run(checks.check_dropout, out_only, ref_dropout_backward, capsys=capsys)
    assert out == "\N{HEAVY BALLOT X} out_only should return a tuple (out, mask), got ndarray"


# -- one case runner: Case objects and (label, args, expected) tuples --------------------------------

def test_the_runner_takes_case_objects_and_tuples_alike():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    tuples = [("a batch of 2", (x,), (x.sum(axis=0), x.mean()))]
    cases = [checks.Case("a batch of 2", (x,), (x.sum(axis=0), x.mean()), batch=2,
                         mistakes=((0, lambda got: np.allclose(got, x.mean(axis=0)),
                                    "Sum over the batch, do not average"),))]
    outputs = ["the sums", "the mean"]

    def right(a):
        return a.sum(axis=0), a.mean()

    def averages(a):
        return a.mean(axis=0), a.mean()

    assert checks._verdict(right, tuples, outputs) == checks._verdict(right, cases, outputs) == (
        True, "right is correct on all 1 cases (a batch of 2).")
    assert checks._verdict(averages, tuples, outputs) == (
        False, "averages, a batch of 2: the sums is 1/2 of the right value everywhere: check the "
               "scaling")
    assert checks._verdict(averages, cases, outputs) == (
        False, "averages, a batch of 2: the sums is 1/2 of the right value everywhere: check the "
               "scaling. Sum over the batch, do not average")
    assert checks._verdict(lambda a: right(a)[::-1], cases, outputs, order=(1, 0))[1].startswith(
        "<lambda>, a batch of 2: the mean should have shape (), got shape (2,)")
    assert checks.run_cases(right, cases, outputs, quiet=True) is True


# -- lesson checks that passed wrong work (issue 26): the wrong rule fails, right ones written
# -- another way pass ---------------------------------------------------------------------------------

def previous_epoch_rule(val_losses, patience, min_delta):
    previous, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait = 0 if loss < previous - min_delta else wait + 1
        if wait >= patience:
            return epoch
        previous = loss
    return None


def best_on_any_lower_loss(val_losses, patience, min_delta):
    best, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait = 0 if loss < best - min_delta else wait + 1
        best = min(best, loss)
        if wait >= patience:
            return epoch
    return None


def prelu_mask_below_zero(x, alpha, dout):
    negative = x < 0  # the lesson's slope at 0 is alpha: x <= 0
    return np.where(negative, alpha * dout, dout), np.sum(dout * x * negative)


@pytest.mark.parametrize("check, wrong, message", [
    (checks.check_stopping_epoch, previous_epoch_rule,
     "previous_epoch_rule, a jump up, then a slow fall (compare with the best loss, not the last): "
     "the stopping epoch should be 4, got None"),
    (checks.check_stopping_epoch, best_on_any_lower_loss,
     "best_on_any_lower_loss, gains below min_delta (the best loss moves only on an improvement): "
     "the stopping epoch should be 7, got 3"),
    (checks.check_prelu_backward, prelu_mask_below_zero,
     "prelu_mask_below_zero, exact zeros (at x = 0 the slope is alpha): dx is wrong at index (1, 0): "
     "expected -0.478911, got -1.91565 (relative error 0.75)"),
])
def test_a_wrong_rule_that_passed_before_fails(check, wrong, message, capsys):
    ok, out = run(check, wrong, capsys=capsys)
    assert out == f"{checks.FAIL} {message}"


def stopping_epoch_with_a_while_loop(val_losses, patience, min_delta):
    best, best_epoch, epoch = float("inf"), 0, 0
    while epoch < len(val_losses):
        epoch += 1
        if val_losses[epoch - 1] < best - min_delta:
            best, best_epoch = val_losses[epoch - 1], epoch
        elif epoch - best_epoch >= patience:
            return epoch
    return None


def prelu_backward_einsum_float32(x, alpha, dout):
    x, dout = x.astype(np.float32), dout.astype(np.float32)
    slope = np.where(x > 0, np.float32(1), np.float32(alpha))
    return slope * dout, np.einsum("ij,ij->", dout, np.minimum(x, 0))


def prelu_backward_loop(x, alpha, dout):
    dx, dalpha = np.empty_like(x), 0.0
    for i in np.ndindex(x.shape):
        dx[i] = dout[i] if x[i] > 0 else alpha * dout[i]
        dalpha += 0.0 if x[i] > 0 else dout[i] * x[i]
    return dx, dalpha


@pytest.mark.parametrize("check, right", [
    (checks.check_stopping_epoch, stopping_epoch_with_a_while_loop),
    (checks.check_prelu_backward, prelu_backward_einsum_float32),
    (checks.check_prelu_backward, prelu_backward_loop),
])
def test_a_right_answer_written_another_way_passes(check, right, capsys):
    ok, out = run(check, right, capsys=capsys)
    assert ok, out


def test_linear_forward_names_the_untransposed_weights(capsys):
    # x @ W + b: numpy's shape error for a non-square layer, wrong numbers for a square one;
    # both verdicts say which way round W goes
    ok, out = run(checks.check_linear_forward, lambda x, W, b: x @ W + b, capsys=capsys)
    assert not ok and "raised ValueError for a batch of 5" in out
    assert "W has shape (out_features, in_features)" in out
    ok, out = run(checks.check_linear_forward,
                  lambda x, W, b: x @ W + b if W.shape[0] == W.shape[1] else x @ W.T + b,
                  capsys=capsys)
    assert not ok and "a square layer: the output is wrong" in out and "It equals x @ W + b" in out


def test_swish_derivative_names_the_missing_path_of_the_fork(capsys):
    def sig(x):
        return nl.sigmoid(x)

    ok, _ = run(checks.check_swish_derivative, lambda x: sig(x) + x * sig(x) * (1 - sig(x)),
                capsys=capsys)
    assert ok
    # a right answer written another way: d/dx x sigma(x) = sigma(x) (1 + x sigma(-x))
    ok, _ = run(checks.check_swish_derivative, lambda x: sig(x) * (1 + x * sig(-x)), capsys=capsys)
    assert ok
    ok, out = run(checks.check_swish_derivative, sig, capsys=capsys)
    assert not ok and "the direct path only" in out and "gradients add at a fork" in out
    ok, out = run(checks.check_swish_derivative, lambda x: x * sig(x) * (1 - sig(x)),
                  capsys=capsys)
    assert not ok and "the path through the sigmoid only" in out


def test_numerical_gradient_names_the_forward_difference(capsys):
    def forward_difference(f, x, eps=1e-6):
        grad, base = np.zeros_like(x), f(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + eps
            grad[i] = (f(x) - base) / eps
            x[i] = old
        return grad

    ok, out = run(checks.check_numerical_gradient, forward_difference, capsys=capsys)
    assert not ok and "sum(x^3)" in out and "use the central difference" in out


def test_tanh_mlp_backward_accepts_the_derivation_and_names_the_relu_mask(capsys):
    def backward(X, y, W1, b1, W2, b2, derivative):
        H = X @ W1.T + b1
        A = np.tanh(H) if derivative != "relu" else np.maximum(H, 0)
        dS = nl.softmax(A @ W2.T + b2)
        dS[np.arange(len(y)), y] -= 1
        dS /= len(y)
        dA = dS @ W2
        dH = dA * (1 - np.tanh(H) ** 2) if derivative == "tanh" else dA * (H > 0)
        return dH.T @ X, dH.sum(axis=0), dS.T @ A, dS.sum(axis=0)

    ok, _ = run(checks.check_tanh_mlp_backward,
                lambda *args: backward(*args, derivative="tanh"), capsys=capsys)
    assert ok
    # a right answer written another way: einsum, 1 / cosh^2 for tanh'
    def with_einsum(X, y, W1, b1, W2, b2):
        A = np.tanh(np.einsum("nd,md->nm", X, W1) + b1)
        P = nl.softmax(A @ W2.T + b2)
        dS = (P - np.eye(W2.shape[0])[y]) / len(y)
        dH = (dS @ W2) / np.cosh(X @ W1.T + b1) ** 2
        return np.einsum("nm,nd->md", dH, X), dH.sum(axis=0), dS.T @ A, dS.sum(axis=0)

    ok, _ = run(checks.check_tanh_mlp_backward, with_einsum, capsys=capsys)
    assert ok
    ok, out = run(checks.check_tanh_mlp_backward,
                  lambda *args: backward(*args, derivative="relu"), capsys=capsys)
    assert not ok and "not by the mask H > 0" in out


def _mlp_backward(activation, derivative):
    def mlp_backward(X, y, W1, b1, W2, b2):
        H = X @ W1.T + b1
        A = activation(H)  # a function lessons 01-03 taught: the student may use it
        P = nl.softmax(A @ W2.T + b2)
        P[np.arange(len(X)), y] -= 1
        dZ = P / len(X)
        dH = (dZ @ W2) * derivative(H, A)
        return dH.T @ X, dH.sum(axis=0), dZ.T @ A, dZ.sum(axis=0)
    return mlp_backward


def test_a_right_answer_may_use_the_activations_the_lessons_taught():
    """Review r5 (lesson 04): a tanh network's backward pass written with nl.tanh was refused
    ("`nl.tanh` is not allowed here"); the forward activations are not the exercise's subject."""
    assert checks.check_tanh_mlp_backward(
        _mlp_backward(nl.tanh, lambda H, A: 1 - A ** 2), quiet=True)
    assert checks.check_mlp_backward(_mlp_backward(nl.relu, lambda H, A: H > 0), quiet=True)
    assert checks.check_sigmoid_derivative(lambda x: nl.sigmoid(x) * (1 - nl.sigmoid(x)),
                                           quiet=True)


def test_an_exercise_still_refuses_its_own_subject_and_the_layers_backward(capsys):
    assert not checks.check_softmax(nl.softmax, quiet=True)
    assert not checks.check_cross_entropy(
        lambda z, y: (nl.SoftmaxCrossEntropy()(z, y), None), quiet=True)
    checks.check_tanh_mlp_backward(_mlp_backward(nl.tanh, lambda H, A: nl.tanh_derivative(H)))
    assert "`nl.tanh_derivative` is not allowed here" in capsys.readouterr().out


def test_prelu_init_std_names_alpha_not_squared(capsys):
    """Review r5 (lesson 08): 1 + alpha for 1 + alpha^2 passes the alpha = 0 and 1 self-checks
    the lesson suggests; the check names it."""
    checks.check_prelu_init_std(lambda fan_in, alpha: np.sqrt(2 / ((1 + alpha) * fan_in)))
    out = capsys.readouterr().out
    assert out.startswith(checks.FAIL) and "Yours is sqrt(2 / ((1 + alpha) fan_in))" in out
    assert checks.check_prelu_init_std(
        lambda fan_in, alpha: (2 / (fan_in + alpha ** 2 * fan_in)) ** 0.5, quiet=True)
