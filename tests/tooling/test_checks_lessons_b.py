"""The checks of the exercises added to lessons 4-7: each reference solution passes in one line,
typical wrong answers fail with a verdict naming the problem, and nothing prints code."""

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks


def run(check, fn, capsys):
    assert check(fn) is None  # prints, returns nothing (so a notebook shows no extra output)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out  # one short verdict
    assert check(fn, quiet=True) == out.startswith(checks.PASS)
    return out.startswith(checks.PASS), out


# References written as a student would, independently of the checks.
def ref_relu_backward(h, dout):
    return np.where(h > 0, dout, 0.0)


def ref_mlp_backward(X, y, W1, b1, W2, b2):
    H = X @ W1.T + b1
    A = np.maximum(H, 0)
    S = A @ W2.T + b2
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dS = P.copy()
    dS[np.arange(len(y)), y] -= 1
    dS /= len(y)
    dA = dS @ W2
    dH = dA * (H > 0)
    return dH.T @ X, dH.sum(axis=0), dS.T @ A, dS.sum(axis=0)


def mlp_without_mean(X, y, *params):
    return tuple(g * len(y) for g in ref_mlp_backward(X, y, *params))


def mlp_relu_on_gradient(X, y, W1, b1, W2, b2):  # masks with dA > 0 instead of H > 0
    H = X @ W1.T + b1
    A = np.maximum(H, 0)
    S = A @ W2.T + b2
    P = nl.softmax(S)
    dS = P.copy()
    dS[np.arange(len(y)), y] -= 1
    dS /= len(y)
    dA = dS @ W2
    dH = dA * (dA > 0)
    return dH.T @ X, dH.sum(axis=0), dS.T @ A, dS.sum(axis=0)


def ref_array_bytes(shape, dtype):
    n = 1
    for size in shape:
        n *= size
    return n * np.dtype(dtype).itemsize


def ref_best_checkpoint(L):
    best = None
    for k in range(1, L + 1):
        count = int(np.ceil(L / k)) + k
        if best is None or count < best[1]:
            best = (k, count)
    return best


def best_checkpoint_no_ceiling(L):
    counts = {k: L // k + k for k in range(1, L + 1)}
    k = min(counts, key=counts.get)
    return k, counts[k]


def best_checkpoint_largest_tie(L):
    counts = [(-(-L // k) + k, -k) for k in range(1, L + 1)]
    count, minus_k = min(counts)
    return -minus_k, count


def ref_dropout_variance(h, p):
    return (1 - p) * (h / (1 - p)) ** 2 - h ** 2


def ref_mc_dropout(model, x, T):
    model.train()
    outputs = [model(x) for _ in range(T)]
    model.eval()
    return np.mean(outputs, axis=0), np.std(outputs, axis=0)


def mc_dropout_stays_in_train_mode(model, x, T):
    model.train()
    outputs = [model(x) for _ in range(T)]
    return np.mean(outputs, axis=0), np.std(outputs, axis=0)


def mc_dropout_never_switches_on(model, x, T):
    outputs = [model(x) for _ in range(T)]
    return np.mean(outputs, axis=0), np.std(outputs, axis=0)


def mc_dropout_flattened(model, x, T):
    model.train()
    outputs = [model(x)[:, 0] for _ in range(T)]
    model.eval()
    return np.mean(outputs, axis=0), np.std(outputs, axis=0)


def mc_dropout_one_repeated_pass(model, x, T):
    # review r2-05-08: right in itself, but other masks than T passes in turn; named
    model.train()
    outputs = model(np.repeat(x, T, axis=0)).reshape(len(x), T, -1)
    model.eval()
    return outputs.mean(axis=1), outputs.std(axis=1)


def mc_dropout_one_tiled_pass(model, x, T):
    # the whole x T times in one pass draws the very masks of T passes in turn: accepted
    model.train()
    outputs = model(np.tile(x, (T, 1))).reshape(T, len(x), -1)
    model.eval()
    return outputs.mean(axis=0), outputs.std(axis=0)


def test_mc_dropout_accepts_one_pass_over_x_tiled_t_times(capsys):
    ok, out = run(checks.check_mc_dropout, mc_dropout_one_tiled_pass, capsys)
    assert ok and "correct on all" in out, out


def mc_dropout_one_extra_call_first(model, x, T):
    # review r10 (06, c38): one model(x) to see the output's shape draws one set of masks more;
    # the T passes after it are as random, so the estimate is as good: accepted
    model.train()
    _ = model(x).shape
    outputs = [model(x) for _ in range(T)]
    model.eval()
    return np.mean(outputs, axis=0), np.std(outputs, axis=0)


def mc_dropout_averages_t_plus_one_passes(model, x, T):
    # the extra pass counted in the estimate: T + 1 passes, not T; refused
    model.train()
    outputs = [model(x) for _ in range(T + 1)]
    model.eval()
    return np.mean(outputs, axis=0), np.std(outputs, axis=0)


def test_mc_dropout_accepts_one_extra_call_before_the_passes(capsys):
    ok, out = run(checks.check_mc_dropout, mc_dropout_one_extra_call_first, capsys)
    assert ok and "correct on all" in out, out


def test_mc_dropout_refuses_t_plus_one_passes_in_the_estimate(capsys):
    ok, out = run(checks.check_mc_dropout, mc_dropout_averages_t_plus_one_passes, capsys)
    assert not ok and "the mean" in out, out


def mc_dropout_sample_std(model, x, T):
    model.train()
    outputs = [model(x) for _ in range(T)]
    model.eval()
    return np.mean(outputs, axis=0), np.std(outputs, axis=0, ddof=1)


def ref_noise_fraction(y_true, y_given):
    return np.count_nonzero(y_given != y_true) / len(y_true)


def ref_label_agreement(predicted, y_true, y_given):
    wrong = np.flatnonzero(y_given != y_true)
    return (np.mean(predicted[wrong] == y_true[wrong]),
            np.mean(predicted[wrong] == y_given[wrong]))


def agreement_on_all_examples(predicted, y_true, y_given):
    return np.mean(predicted == y_true), np.mean(predicted == y_given)


def agreement_by_counting(predicted, y_true, y_given):
    """Right, written another way: counts over the wrongly labelled examples, as floats."""
    wrong = [i for i in range(len(y_true)) if y_given[i] != y_true[i]]
    true_hits = sum(int(predicted[i] == y_true[i]) for i in wrong)
    given_hits = sum(int(predicted[i] == y_given[i]) for i in wrong)
    return true_hits / len(wrong), given_hits / len(wrong)


def test_label_agreement_written_another_way_passes(capsys):
    ok, out = run(checks.check_label_agreement, agreement_by_counting, capsys)
    assert ok and "correct on all" in out, out


def not_implemented(*args):
    raise NotImplementedError()


# Each entry: the check, the reference, wrong versions with a phrase the verdict must contain.
CASES = {
    "relu_backward": (checks.check_relu_backward, ref_relu_backward, [
        (lambda h, d: d * (h >= 0), "exact zeros"),  # derivative 1 at the kink
        (lambda h, d: (h > 0).astype(float), "dh is wrong"),  # forgot dout
        (lambda h, d: d * (h < 0), "dh is wrong"),  # mask reversed
    ]),
    "mlp_backward": (checks.check_mlp_backward, ref_mlp_backward, [
        (mlp_without_mean, "is 8 times the right value everywhere (N = 8 examples): check the scaling"),
        (mlp_relu_on_gradient, "dW1"),
        (lambda X, y, W1, b1, W2, b2: ref_mlp_backward(X, y, W1, b1, W2, b2)[::-1],
         "dW1 should have shape"),  # returned in the wrong order
    ]),
    "array_bytes": (checks.check_array_bytes, ref_array_bytes, [
        (lambda shape, dtype: int(np.prod(shape)), "float64: the byte count should be"),  # elements
        (lambda shape, dtype: int(np.prod(shape)) * 8, "float32: the byte count should be"),
        # the exercise says: without creating the array (issue 26: this passed)
        (lambda shape, dtype: np.zeros(shape, dtype).nbytes,
         "shape (64, 256), float64: creates the array: compute the bytes from the shape and the "
         "dtype alone; it took"),
    ]),
    "best_checkpoint": (checks.check_best_checkpoint, ref_best_checkpoint, [
        (best_checkpoint_no_ceiling, "L = 32: k should be 4, got 5"),
        (best_checkpoint_largest_tie, "L = 32: k should be 4"),
        (lambda L: (int(round(np.sqrt(L))), 2 * int(round(np.sqrt(L)))), "k should be 4, got 6"),
    ]),
    "dropout_variance": (checks.check_dropout_variance, ref_dropout_variance, [
        (lambda h, p: h ** 2 * p, "the variance is 1/2 of the right value everywhere: check the scaling"),  # forgot the 1/(1-p) scaling
        (lambda h, p: h ** 2 * p * (1 - p), "the variance is wrong at index (2,): expected 0.410141, got 0.102535"),  # Bernoulli variance of h
        (lambda h, p: h * p / (1 - p), "the variance is wrong"),  # h, not h^2
    ]),
    "mc_dropout": (checks.check_mc_dropout, ref_mc_dropout, [
        (mc_dropout_stays_in_train_mode, "model.training after the call (call model.eval())"),
        (mc_dropout_never_switches_on, "Call model.train() before the passes"),
        (mc_dropout_sample_std, "the std is wrong at index (3, 0): expected 1.34166, got 1.37651 "
                                "(relative error 0.025). It matches std(ddof=1)"),
        (mc_dropout_flattened, "the mean should have shape (5, 1), got shape (5,). That is the "
                               "shape of model(x)[:, 0]"),  # copied from the lesson's mc_dropout
        (mc_dropout_one_repeated_pass, "That is Monte-Carlo dropout on np.repeat(x, T, axis=0) in "
                                       "one pass: right in itself"),
    ]),
    "noise_fraction": (checks.check_noise_fraction, ref_noise_fraction, [
        (lambda y_true, y_given: np.mean(y_given == y_true), "some wrong: the fraction is"),
        (lambda y_true, y_given: np.count_nonzero(y_given != y_true), "the fraction is 200 times the right value (N = 200 examples): check the scaling"),
    ]),
    "label_agreement": (checks.check_label_agreement, ref_label_agreement, [
        (agreement_on_all_examples, "100 examples: true_rate is"),
        (agreement_on_all_examples, "the rate over all the examples: keep only those whose "
                                    "given label is wrong"),
        (lambda p, t, g: ref_label_agreement(p, t, g)[::-1],
         "That is given_rate: return (true_rate, given_rate), in that order"),
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_reference_solution_passes_in_one_line(name, capsys):
    check, reference, _ = CASES[name]
    ok, out = run(check, reference, capsys)
    assert ok and "correct on all" in out, out


@pytest.mark.parametrize("name", CASES)
def test_wrong_solutions_fail_and_name_the_problem(name, capsys):
    check, _, wrongs = CASES[name]
    assert len(wrongs) >= 2
    for fn, phrase in wrongs:
        ok, out = run(check, fn, capsys)
        assert not ok and out.startswith(checks.FAIL), out
        assert phrase in out, f"{phrase!r} not in {out!r}"


@pytest.mark.parametrize("name", CASES)
def test_not_implemented_gets_a_friendly_message(name, capsys):
    check, _, _ = CASES[name]
    ok, out = run(check, not_implemented, capsys)
    assert not ok and "is not implemented yet" in out and "Traceback" not in out


def test_checks_never_print_code(capsys):
    for check, _, wrongs in CASES.values():
        for fn, _ in wrongs:
            check(fn)
    out = capsys.readouterr().out
    for fragment in ["@ W", ".T", "(1 - p)", "itemsize", "np.mean", "np.std", "//", "model.train()\n"]:
        assert fragment not in out


def test_mc_dropout_check_gives_each_case_a_fresh_model(capsys):
    # a solution that spoils the model it was given must not change the next case's reference
    def spoils_the_model(model, x, T):
        result = ref_mc_dropout(model, x, T)
        for p in model.parameters():
            p.data[...] = 0
        return result

    ok, out = run(checks.check_mc_dropout, spoils_the_model, capsys)
    assert ok, out


def test_checks_of_the_lessons_exercises_accept_float32_answers(capsys):
    ok, out = run(checks.check_dropout_variance,
                  lambda h, p: (h ** 2 * p / (1 - p)).astype(np.float32), capsys)
    assert ok, out


def array_bytes_created_only_when_small(shape, dtype):
    if np.prod(shape, dtype=float) > 1e9:
        return int(np.prod(shape)) * np.dtype(dtype).itemsize
    return np.ones(shape, dtype).nbytes


def array_bytes_created_only_when_huge(shape, dtype):
    if np.prod(shape, dtype=float) > 1e9:
        return np.empty(shape, dtype).nbytes
    return int(np.prod(shape)) * np.dtype(dtype).itemsize


def test_creating_the_array_is_seen_however_it_is_done(capsys):
    _, out = run(checks.check_array_bytes, array_bytes_created_only_when_small, capsys)
    assert out.startswith(f"{checks.FAIL} array_bytes_created_only_when_small, shape (64, 256), "
                          f"float64: creates the array: compute the bytes from the shape and the "
                          f"dtype alone; it took 13"), out  # 131072 bytes and numpy's header
    _, out = run(checks.check_array_bytes, array_bytes_created_only_when_huge, capsys)
    assert out == (f"{checks.FAIL} array_bytes_created_only_when_huge, shape (100000, 100000, "
                   f"100000), float64: creates the array: compute the bytes from the shape and "
                   f"the dtype alone; an array this large does not fit in memory.")


def array_bytes_with_a_loop(shape, dtype):
    count = 1
    for n in shape:
        count *= n
    return count * np.dtype(dtype).itemsize


def array_bytes_in_a_32_bit_integer(shape, dtype):
    # what int(np.prod(shape)) gives on Windows with numpy 1.x (its default integer is 32-bit)
    return int(np.prod(shape, dtype=np.int32)) * np.dtype(dtype).itemsize


def test_a_count_that_wraps_around_is_refused(capsys):
    # review r7: the check's own expected value used np.prod, so there it wrapped around too
    with np.errstate(all="ignore"):
        _, out = run(checks.check_array_bytes, array_bytes_in_a_32_bit_integer, capsys)
    assert out.startswith(f"{checks.FAIL} array_bytes_in_a_32_bit_integer, shape (100000, "
                          f"100000, 100000), float64: the byte count should be "), out


def test_array_bytes_written_another_way_passes(capsys):
    import math

    for fn in (array_bytes_with_a_loop,
               lambda shape, dtype: math.prod(shape) * np.dtype(dtype).itemsize):
        _, out = run(checks.check_array_bytes, fn, capsys)
        assert out.startswith(checks.PASS), out


def test_the_cache_bytes_check_reads_stored_values_and_holds_no_formula():
    # review r7: the answer ((depth + 1) activations) changed with cache_nbytes; the check keeps
    # it in nnlesson/checks/expected/lesson05.npz, so `check_cache_bytes??` does not show it
    import inspect

    source = inspect.getsource(checks.check_cache_bytes)
    assert 'stored("lesson05", "cache_bytes")' in source
    assert "* 8" not in source and "+ 1" not in source and "depth *" not in source


def test_a_count_that_wraps_around_is_named(capsys):
    # review r11: the student saw only "expected 8000000000000000, got ...", with no reason
    with np.errstate(all="ignore"):
        _, out = run(checks.check_array_bytes, array_bytes_in_a_32_bit_integer, capsys)
    assert "The count wrapped around: np.prod counts in a 32-bit integer" in out, out
    assert "use math.prod(shape)" in out, out
    _, out = run(checks.check_array_bytes, lambda shape, dtype: int(np.prod(shape)), capsys)
    assert "wrapped" not in out, out  # elements, not bytes: another mistake, not this one
