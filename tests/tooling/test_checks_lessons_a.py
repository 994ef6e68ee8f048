"""The checks of lessons 01-03's new exercises pass a reference solution written independently and
fail typical wrong answers with a message that names the problem."""

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks


def verdict(check, fn, capsys):
    assert check(fn) is None  # prints, returns nothing (a notebook shows no extra output)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out
    assert check(fn, quiet=True) == out.startswith(checks.PASS)
    return out


# -- reference solutions, written as a student would ----------------------------------------------
def ref_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def ref_cross_entropy(logits, labels):
    p = ref_softmax(logits)
    n = len(labels)
    loss = -np.mean(np.log(p[np.arange(n), labels]))
    onehot = np.zeros_like(p)
    onehot[np.arange(n), labels] = 1
    return loss, (p - onehot) / n


def ref_sgd_momentum(grad_fn, w0, lr, momentum, steps):
    w, v = w0.astype(float), np.zeros_like(w0, dtype=float)
    path = [w]
    for t in range(steps):
        v = momentum * v + grad_fn(w, t)
        w = w - lr * v
        path.append(w)
    return np.array(path)


def ref_boundary_line(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W_next @ W, W_next @ b + b_next
    # z0 = z1  <=>  (W[0] - W[1]) . x + (b[0] - b[1]) = 0, solved for x2
    d, c = W[0] - W[1], b[0] - b[1]
    return -d[0] / d[1], -c / d[1]


def ref_alpha_descent(x, target, alpha0, lr, steps):
    alphas = [alpha0]
    alpha = alpha0
    for _ in range(steps):
        y = nl.prelu(x, alpha)
        dalpha = np.sum(2 * (y - target) / x.size * x * (x <= 0))
        alpha -= lr * dalpha
        alphas.append(alpha)
    return alphas


# -- typical wrong answers -------------------------------------------------------------------------
def naive_softmax(logits):  # no shift: exp(1000) overflows
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def softmax_shifted_by_the_global_maximum(logits):  # right for one row, not for rows far apart
    e = np.exp(logits - logits.max())
    return e / e.sum(axis=1, keepdims=True)


def path_of_one_array_changed_in_place(grad_fn, w0, lr, momentum, steps):
    w, v = w0.astype(float), np.zeros(len(w0))
    path = [w]
    for t in range(steps):
        v = momentum * v + grad_fn(w, t)
        w -= lr * v  # changes the array already in the path: every entry ends up the last point
        path.append(w)
    return np.array(path)


def softmax_over_columns(logits):
    e = np.exp(logits - logits.max())
    return e / e.sum(axis=0, keepdims=True)


def cross_entropy_without_mean_in_gradient(logits, labels):
    loss, grad = ref_cross_entropy(logits, labels)
    return loss, grad * len(labels)


def cross_entropy_summed(logits, labels):
    loss, grad = ref_cross_entropy(logits, labels)
    return loss * len(labels), grad


def cross_entropy_without_onehot(logits, labels):
    loss, _ = ref_cross_entropy(logits, labels)
    return loss, ref_softmax(logits) / len(labels)


def momentum_forgotten(grad_fn, w0, lr, momentum, steps):
    return ref_sgd_momentum(grad_fn, w0, lr, 0.0, steps)


def always_first_batch(grad_fn, w0, lr, momentum, steps):
    return ref_sgd_momentum(lambda w, t: grad_fn(w, 0), w0, lr, momentum, steps)


def path_without_start(grad_fn, w0, lr, momentum, steps):
    return ref_sgd_momentum(grad_fn, w0, lr, momentum, steps)[1:]


def boundary_without_biases(layers):
    return ref_boundary_line([(W, np.zeros_like(b)) for W, b in layers])


def boundary_of_one_class(layers):  # where z0 = 0 instead of z0 = z1
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W_next @ W, W_next @ b + b_next
    return -W[0, 0] / W[0, 1], -b[0] / W[0, 1]


def alpha_gradient_without_mask(x, target, alpha0, lr, steps):
    alphas, alpha = [alpha0], alpha0
    for _ in range(steps):
        alpha -= lr * np.mean(2 * (nl.prelu(x, alpha) - target) * x)
        alphas.append(alpha)
    return alphas


def alpha_climbs_the_gradient(x, target, alpha0, lr, steps):
    return ref_alpha_descent(x, target, alpha0, -lr, steps)


CASES = {
    "softmax": (checks.check_softmax, ref_softmax, [
        (softmax_over_columns, "is wrong"),
        (lambda z: np.exp(z), "is wrong"),  # not normalised
        (lambda z: z.max(axis=1), "should have shape"),
    ]),
    "cross_entropy": (checks.check_cross_entropy, ref_cross_entropy, [
        (cross_entropy_without_mean_in_gradient, "dlogits is 4 times the right value everywhere"),
        (cross_entropy_summed, "the loss is 4 times the right value"),
        (cross_entropy_without_onehot, "dlogits is wrong"),
    ]),
    "sgd_momentum": (checks.check_sgd_momentum, ref_sgd_momentum, [
        (momentum_forgotten, "momentum 0.9 on a bowl: the path of w is wrong"),
        (path_of_one_array_changed_in_place, "momentum 0 (plain gradient descent): the path of w is wrong at index (0, "),
        (path_of_one_array_changed_in_place, "every point of your path is the same array: w -= ..."),
        (always_first_batch, "four mini-batches in turn: the path of w is wrong"),
        (path_without_start, "should have shape (6, 2), got shape (5, 2)"),
    ]),
    "boundary_line": (checks.check_boundary_line, ref_boundary_line, [
        (boundary_without_biases, "the intercept"),
        (boundary_of_one_class, "one layer 2 -> 2: the slope"),
        (lambda layers: ref_boundary_line(layers)[::-1], "the slope"),
    ]),
    "alpha_descent": (checks.check_alpha_descent, ref_alpha_descent, [
        (alpha_gradient_without_mask, "positive inputs only (alpha gets no gradient)"),
        (alpha_climbs_the_gradient, "is wrong"),
        (lambda x, t, a0, lr, steps: ref_alpha_descent(x, t, a0, lr, steps)[1:], "should have shape"),
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_reference_passes_in_one_line(name, capsys):
    check, reference, _ = CASES[name]
    out = verdict(check, reference, capsys)
    assert out.startswith(checks.PASS) and "correct on all" in out, out


@pytest.mark.parametrize("name", CASES)
def test_typical_mistakes_fail_and_are_named(name, capsys):
    check, _, wrongs = CASES[name]
    for wrong, phrase in wrongs:
        out = verdict(check, wrong, capsys)
        assert out.startswith(checks.FAIL), out
        assert phrase in out, f"{phrase!r} not in {out!r}"


@pytest.mark.parametrize("name", CASES)
def test_not_implemented_gets_a_friendly_message(name, capsys):
    check, _, _ = CASES[name]

    def stub(*args):
        raise NotImplementedError()

    out = verdict(check, stub, capsys)
    assert out.startswith(checks.FAIL) and "is not implemented yet" in out


def test_an_overflowing_softmax_is_caught_at_the_large_scores(capsys):
    with np.errstate(over="ignore", invalid="ignore"):
        out = verdict(checks.check_softmax, naive_softmax, capsys)
    assert out.startswith(checks.FAIL) and "scores near 1000 (np.exp(1000) overflows)" in out, out


def test_an_overflow_warning_is_reported_not_raised(capsys):
    with np.errstate(over="raise", invalid="raise"):  # as in a test run that turns warnings into errors
        out = verdict(checks.check_softmax, naive_softmax, capsys)
    # the check silences numpy's warnings and reads the overflow from the answer
    assert out == ("\N{HEAVY BALLOT X} naive_softmax, scores near 1000 (np.exp(1000) overflows): "
                   "the softmax output contains nan or inf"), out


def test_a_softmax_shifted_by_the_global_maximum_is_caught(capsys):
    with np.errstate(under="ignore", invalid="ignore"):
        out = verdict(checks.check_softmax, softmax_shifted_by_the_global_maximum, capsys)
    assert out.startswith(checks.FAIL) and "shift each row by its own maximum" in out, out


def test_the_checks_do_not_change_the_students_arrays():
    seen = []

    def softmax_that_scribbles(z):
        seen.append(z.copy())
        result = ref_softmax(z)
        z[...] = 0  # an in-place change must not spoil the expected answers
        return result

    assert checks.check_softmax(softmax_that_scribbles, quiet=True)
    assert len(seen) == 7


def softmax_shifted_by_the_row_minimum(logits):  # stable for every spread below 709, not above
    e = np.exp(logits - logits.min(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_shifted_by_the_row_mean(logits):  # stable for every spread below 2 * 709
    e = np.exp(logits - logits.mean(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong", [softmax_shifted_by_the_row_minimum,
                                   softmax_shifted_by_the_row_mean])
def test_a_softmax_shifted_by_another_row_statistic_is_refused_naming_the_maximum(wrong, capsys):
    # r7: the six first cases all spread below 709, so a minimum shift passed them all
    with np.errstate(over="ignore", invalid="ignore"):
        out = verdict(checks.check_softmax, wrong, capsys)
    assert out.startswith(checks.FAIL), out
    assert "a row spread over 1500" in out and "shift each row by its own maximum" in out, out


def test_a_max_shifted_softmax_written_another_way_passes(capsys):
    def softmax_by_logsumexp(z):  # p = exp(z - logsumexp(z)), logsumexp shifted by the maximum
        top = np.max(z, axis=-1, keepdims=True)
        log_total = top + np.log(np.sum(np.exp(z - top), axis=-1, keepdims=True))
        return np.exp(z - log_total)

    out = verdict(checks.check_softmax, softmax_by_logsumexp, capsys)
    assert out.startswith(checks.PASS) and "correct on all 7 cases" in out, out


def test_collapse_in_the_wrong_order_says_which_layer_acts_first(capsys):
    out = verdict(checks.check_collapse, lambda W1, b1, W2, b2: (W1 @ W2, W2 @ b1 + b2), capsys)
    assert out.startswith(checks.FAIL) and "raised ValueError" in out, out
    assert "layer 1 acts on x first" in out, out


def test_collapse_with_the_biases_added_names_layer_2s_weights(capsys):
    # review r11: b = b1 + b2 raises on the first case and broadcasts silently on the second
    out = verdict(checks.check_collapse, lambda W1, b1, W2, b2: (W2 @ W1, b1 + b2), capsys)
    assert out.startswith(checks.FAIL) and "passes through layer 2's W2" in out, out
    # the same mistake where the shapes do broadcast: the named-mistake hint, not the raised one
    out = verdict(checks.check_collapse,
                  lambda W1, b1, W2, b2: (W2 @ W1, b1 + b2 if b1.shape == (1,) else W2 @ b1 + b2),
                  capsys)
    assert out.startswith(checks.FAIL) and "4 -> 1 -> 2" in out and "It equals b1 + b2" in out, out


def test_collapse_written_another_way_passes(capsys):
    out = verdict(checks.check_collapse,
                  lambda W1, b1, W2, b2: (np.einsum("mh,hn->mn", W2, W1),
                                          b2 + np.einsum("mh,h->m", W2, b1)), capsys)
    assert out.startswith(checks.PASS), out


def softmax_without_keepdims(logits):  # e.sum(axis=1) has shape (batch,): it does not broadcast
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def softmax_shifted_without_keepdims(logits):
    e = np.exp(logits - logits.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong", [softmax_without_keepdims, softmax_shifted_without_keepdims])
def test_a_softmax_reduced_without_keepdims_is_refused_naming_keepdims(wrong, capsys):
    out = verdict(checks.check_softmax, wrong, capsys)
    assert out.startswith(checks.FAIL) and "a batch of 3 rows" in out, out
    assert "raised ValueError" in out and "keepdims=True" in out, out


def test_a_softmax_that_reshapes_its_row_sums_passes(capsys):
    def softmax_with_new_axes(z):  # the same broadcasting as keepdims, spelled with [:, None]
        e = np.exp(z - z.max(axis=1)[:, None])
        return e / e.sum(axis=1)[:, None]

    out = verdict(checks.check_softmax, softmax_with_new_axes, capsys)
    assert out.startswith(checks.PASS), out


def test_a_momentum_path_that_keeps_no_new_arrays_is_not_told_about_aliasing(capsys):
    # the hint names w -= ... only when every row is the last point; another wrong path does not
    # get it
    out = verdict(checks.check_sgd_momentum, momentum_forgotten, capsys)
    assert out.startswith(checks.FAIL) and "same array" not in out, out


def test_momentum_written_with_a_negative_velocity_passes(capsys):
    def velocity_as_a_step(grad_fn, w0, lr, momentum, steps):  # v = m v - lr g; w = w + v
        w, v = np.array(w0, dtype=float), np.zeros(len(w0))
        path = [w.copy()]
        for t in range(steps):
            v = momentum * v - lr * grad_fn(w, t)
            w += v  # in place, but the path keeps copies
            path.append(w.copy())
        return np.stack(path)

    out = verdict(checks.check_sgd_momentum, velocity_as_a_step, capsys)
    assert out.startswith(checks.PASS), out


def alpha_gradient_averaged_over_rows(x, target, alpha0, lr, steps):  # len(x): right for 1-D x only
    alphas, alpha = [alpha0], alpha0
    for _ in range(steps):
        dalpha = np.sum(2 * (nl.prelu(x, alpha) - target) * x * (x <= 0)) / len(x)
        alpha -= lr * dalpha
        alphas.append(alpha)
    return alphas


def test_an_alpha_gradient_averaged_over_the_rows_is_refused_naming_x_size(capsys):
    out = verdict(checks.check_alpha_descent, alpha_gradient_averaged_over_rows, capsys)
    assert out.startswith(checks.FAIL) and "x of shape (10, 3)" in out, out
    assert "divide by x.size" in out, out


def test_an_alpha_gradient_as_a_mean_of_the_masked_product_passes(capsys):
    def alpha_descent_with_mean(x, target, alpha0, lr, steps):
        alphas = np.empty(steps + 1)
        alphas[0] = alpha0
        for k in range(steps):
            dy = 2 * (nl.prelu(x, alphas[k]) - target)
            alphas[k + 1] = alphas[k] - lr * np.mean(dy * np.minimum(x, 0))
        return alphas

    out = verdict(checks.check_alpha_descent, alpha_descent_with_mean, capsys)
    assert out.startswith(checks.PASS) and "correct on all 4 cases" in out, out


def test_an_alpha_gradient_with_a_strict_mask_passes(capsys):
    # x = 0 adds 0 to dL/dalpha whichever side of the kink the mask puts it: x < 0 is right too
    def alpha_descent_strict_mask(x, target, alpha0, lr, steps):
        alphas = [alpha0]
        for _ in range(steps):
            dalpha = np.sum(2 * (nl.prelu(x, alphas[-1]) - target) * x * (x < 0)) / x.size
            alphas.append(alphas[-1] - lr * dalpha)
        return alphas

    out = verdict(checks.check_alpha_descent, alpha_descent_strict_mask, capsys)
    assert out.startswith(checks.PASS) and "either mask is right" in out, out


# -- a right answer in a list: the lesson's cell then indexes it as an array and raises ----------
def softmax_row_by_row(logits):  # each row right, the rows left in a list
    return [np.exp(row - row.max()) / np.exp(row - row.max()).sum() for row in logits]


def momentum_path_in_a_list(grad_fn, w0, lr, momentum, steps):  # np.array(path) forgotten
    return list(ref_sgd_momentum(grad_fn, w0, lr, momentum, steps))


@pytest.mark.parametrize("check, wrong, hint", [
    (checks.check_softmax, softmax_row_by_row, "e.g. np.array(rows); Exercise 3 indexes it"),
    (checks.check_softmax, lambda z: tuple(ref_softmax(z)), "e.g. np.array(rows)"),
    (checks.check_sgd_momentum, momentum_path_in_a_list, "return np.array(path)"),
    (checks.check_sgd_momentum, lambda *args: tuple(ref_sgd_momentum(*args)),
     "return np.array(path)"),
])
def test_a_right_answer_in_a_list_is_refused_naming_np_array(check, wrong, hint, capsys):
    # diagnose compares values through np.asarray, so only the extra output refuses a list; the
    # cell after the check indexes the answer as an array (path[:, 0], probs[rows, labels])
    out = verdict(check, wrong, capsys)
    assert out.startswith(checks.FAIL), out
    assert "not in a numpy array" in out and hint in out, out


def test_the_same_rows_in_one_array_pass(capsys):
    def softmax_row_by_row_stacked(logits):
        return np.array(softmax_row_by_row(logits))

    def momentum_into_a_preallocated_array(grad_fn, w0, lr, momentum, steps):  # v = m v + lr g
        path, v = np.empty((steps + 1, len(w0))), np.zeros(len(w0))
        path[0] = w0
        for t in range(steps):
            v = momentum * v + lr * grad_fn(path[t], t)
            path[t + 1] = path[t] - v
        return path

    assert verdict(checks.check_softmax, softmax_row_by_row_stacked, capsys).startswith(checks.PASS)
    out = verdict(checks.check_sgd_momentum, momentum_into_a_preallocated_array, capsys)
    assert out.startswith(checks.PASS), out


def test_a_wrong_path_in_a_list_is_told_about_the_numbers_first(capsys):
    out = verdict(checks.check_sgd_momentum, lambda *args: list(path_without_start(*args)), capsys)
    assert "should have shape (6, 2), got shape (5, 2)" in out and "numpy array" not in out, out
