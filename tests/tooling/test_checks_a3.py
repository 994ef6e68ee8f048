"""Assignment 3: the checks pass the reference answers and name typical mistakes; the study runs
on the student's pieces (and on none of them); the prose's comparative claims hold on more seeds;
the student version executes top to bottom."""

import copy
import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks
from nnlesson.checks import a3
from nnlesson.viz import figlint

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "assignments" / "A3_regularization_study.ipynb"


def run(check, fn, capsys):
    assert check(fn) is None  # prints, returns nothing (no extra output in the notebook)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out  # one short verdict
    assert check(fn, quiet=True) == out.startswith(checks.PASS)
    assert capsys.readouterr().out == ""  # quiet prints nothing
    return out.startswith(checks.PASS), out


# -- the reference answers, written as a student would ---------------------------------------
def ref_dropout_forward(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask


def ref_dropout_backward(dout, mask, p):
    return dout if mask is None else dout * mask / (1 - p)


def ref_early_stopping(val_losses, patience, min_delta,
                       improves=lambda loss, best, min_delta: loss < best - min_delta):
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if improves(loss, best, min_delta):
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return None, best_epoch


def ref_l2_penalty(params, lam):
    penalty = lam * sum(np.sum(w ** 2) for w in params if w.ndim == 2)
    return penalty, [2 * lam * w if w.ndim == 2 else np.zeros_like(w) for w in params]


def stub(*args, **kwargs):
    raise NotImplementedError()


# -- typical wrong answers ---------------------------------------------------------------------
def fwd_keeps_with_p(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) < p
    return x * mask / (1 - p), mask


def fwd_unscaled(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask, mask


def fwd_times_p(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask * p, mask


def fwd_over_p(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask / p, mask


def fwd_over_p_guarded(x, p, rng, training=True):  # right at p = 0, where 1 / p fails
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return (x * mask / p if p else x * mask), mask


def fwd_where_and_uniform(x, p, rng, training=True):  # right, written another way
    if not training:
        return x, None
    mask = rng.uniform(size=x.shape) >= p
    return np.where(mask, x / (1 - p), 0.0), mask


def fwd_kept_fraction(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask / mask.mean(), mask


def fwd_shortcut_at_zero(x, p, rng, training=True):
    if not training or p == 0:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask


def fwd_ignores_training(x, p, rng, training=True):
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask


def fwd_scales_at_eval(x, p, rng, training=True):
    if not training:
        return x * (1 - p), None
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask


def fwd_scaled_mask(x, p, rng, training=True):  # r10: cs231n's mask, returned scaled
    if not training:
        return x, None
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask


def fwd_binomial_mask(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.binomial(1, 1 - p, size=x.shape).astype(bool)
    return x * mask / (1 - p), mask


def fwd_in_place(x, p, rng, training=True):
    if not training:
        return x, None
    mask = rng.random(x.shape) >= p
    x *= mask / (1 - p)
    return x, mask


def bwd_no_mask(dout, mask, p):
    return dout / (1 - p)


def bwd_unscaled(dout, mask, p):
    return dout if mask is None else dout * mask


def bwd_crashes_at_eval(dout, mask, p):
    return dout * mask / (1 - p)


def es_late(val_losses, patience, min_delta):  # stops when wait > patience
    return ref_early_stopping(val_losses, patience + 1, min_delta)


def fwd_out_only(x, p, rng, training=True):
    if not training:
        return x
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p), mask


def es_restores_last(val_losses, patience, min_delta):
    stopped, _ = ref_early_stopping(val_losses, patience, min_delta)
    return stopped, stopped if stopped is not None else len(val_losses)


def es_last_if_never(val_losses, patience, min_delta):  # r7: passed the check, not the hidden test
    stopped, best = ref_early_stopping(val_losses, patience, min_delta)
    return (stopped, best) if stopped is not None else (None, len(val_losses))


def es_argmin_if_never(val_losses, patience, min_delta):  # r9: passed the check and the hidden curves
    stopped, best = ref_early_stopping(val_losses, patience, min_delta)
    return (stopped, best) if stopped is not None else (None, int(np.argmin(val_losses)) + 1)


def es_patience_at_next_epoch(val_losses, patience, min_delta):  # r10: passed both
    """Keras-style: patience tested when the next epoch starts, so running out on the last
    epoch is no stop."""
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if wait >= patience:
            return epoch - 1, best_epoch
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
    return None, best_epoch


def es_none_if_never(val_losses, patience, min_delta):
    stopped, best = ref_early_stopping(val_losses, patience, min_delta)
    return stopped, None if stopped is None else best


def test_a_rule_that_never_stops_restores_its_last_improvement_not_its_lowest_loss(capsys):
    ok, out = run(a3.check_early_stopping, es_argmin_if_never, capsys)
    assert not ok and ("never stops, its lowest loss a gain smaller than min_delta = 0.1 (no "
                       "improvement): best_epoch should be 1, got 3") in out
    # right where it stops: no hint of a mistake it makes on one case only ("the best epoch is
    # the stopping epoch" gives 3 there too)
    assert "Likely cause" not in out, out


def es_improvements_list(val_losses, patience, min_delta):  # right, written another way
    improved, best = [], float("inf")
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            improved.append(epoch)
            best = loss
        if epoch - improved[-1] >= patience:
            return [epoch, improved[-1]]
    return [None, improved[-1]]


def es_non_strict(val_losses, patience, min_delta):
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss <= best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return None, best_epoch


def es_relative(val_losses, patience, min_delta):  # review r11: PyTorch's threshold_mode='rel'
    return ref_early_stopping(val_losses, patience, min_delta,
                              improves=lambda loss, best, d: loss < best * (1 - d))


def es_gain_above_min_delta(val_losses, patience, min_delta):  # right, written another way
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait = 0 if best - loss > min_delta else wait + 1
        if wait == 0:
            best, best_epoch = loss, epoch
        if wait >= patience:
            return epoch, best_epoch
    return None, best_epoch


def es_argmin(val_losses, patience, min_delta):
    stopped, _ = ref_early_stopping(val_losses, patience, min_delta)
    seen = val_losses if stopped is None else val_losses[:stopped]
    return stopped, int(np.argmin(seen)) + 1


def es_previous(val_losses, patience, min_delta):
    previous, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < previous - min_delta:
            best_epoch, wait = epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
        previous = loss
    return None, best_epoch


def l2_no_two(params, lam):
    penalty, grads = ref_l2_penalty(params, lam)
    return penalty, [g / 2 for g in grads]


def l2_biases(params, lam):
    return lam * sum(np.sum(w ** 2) for w in params), [2 * lam * w for w in params]


def l2_bias_gradient_only(params, lam):
    penalty, _ = ref_l2_penalty(params, lam)
    return penalty, [2 * lam * w for w in params]


def l2_pytorch_convention(params, lam):
    penalty = lam / 2 * sum(np.sum(w ** 2) for w in params if w.ndim == 2)
    return penalty, [lam * w if w.ndim == 2 else np.zeros_like(w) for w in params]


def l2_norm_not_squared(params, lam):  # review r8: ||W|| where ||W||^2 belongs
    penalty = lam * sum(np.linalg.norm(w) for w in params if w.ndim == 2)
    return penalty, [2 * lam * w if w.ndim == 2 else np.zeros_like(w) for w in params]


def l2_norm_with_its_gradient(params, lam):
    penalty = lam * sum(np.linalg.norm(w) for w in params if w.ndim == 2)
    return penalty, [lam * w / np.linalg.norm(w) if w.ndim == 2 else np.zeros_like(w)
                     for w in params]


def l2_with_vdot_and_a_loop(params, lam):  # right, written another way
    penalty, grads = 0.0, []
    for w in params:
        decayed = np.ndim(w) == 2
        penalty += lam * np.vdot(w, w) if decayed else 0.0
        grads.append(2 * lam * w if decayed else 0 * w)
    return penalty, grads


def l2_one_array(params, lam):
    penalty, grads = ref_l2_penalty(params, lam)
    return penalty, np.concatenate([g.ravel() for g in grads])


REFERENCES = [(a3.check_dropout_forward, ref_dropout_forward),
              (a3.check_dropout_forward, fwd_where_and_uniform),
              (a3.check_dropout_backward, ref_dropout_backward),
              (a3.check_early_stopping, ref_early_stopping),
              (a3.check_early_stopping, es_gain_above_min_delta),
              (a3.check_l2_penalty, ref_l2_penalty), (a3.check_l2_penalty, l2_with_vdot_and_a_loop)]

WRONG = [
    (a3.check_dropout_forward, fwd_keeps_with_p, "the probability of DROPPING"),
    (a3.check_dropout_forward, fwd_unscaled, "not scaled by 1 / (1 - p)"),
    (a3.check_dropout_forward, fwd_times_p, "multiplied by p instead of divided by 1 - p"),
    (a3.check_dropout_forward, fwd_over_p, "divided by p instead of by 1 - p, the probability of keeping a unit"),
    (a3.check_dropout_forward, fwd_over_p_guarded, "divided by p instead of by 1 - p"),
    (a3.check_dropout_forward, fwd_kept_fraction, "every unit is dropped"),
    (a3.check_dropout_forward, fwd_shortcut_at_zero,
     "mask is None: did you forget a `return`? Likely cause: at p = 0 the mask is still an array"),
    (a3.check_dropout_forward, fwd_ignores_training, "still drops units in eval mode"),
    (a3.check_dropout_forward, fwd_scales_at_eval, "eval mode scales by (1 - p)"),
    (a3.check_dropout_forward, fwd_binomial_mask, "the mask is not rng.random(x.shape) >= p"),
    (a3.check_dropout_forward, fwd_scaled_mask,
     "mask is 2 times the right value everywhere: check the scaling. Likely cause: the mask holds "
     "the scaling 1 / (1 - p) (cs231n's form)"),
    (a3.check_dropout_forward, fwd_in_place, "changed its input x in place"),
    (a3.check_dropout_forward, fwd_out_only,
     "should return a tuple (out, mask) in eval mode, got ndarray (in eval mode: return x, None)"),
    (a3.check_dropout_backward, bwd_no_mask, "multiply by the mask"),
    (a3.check_dropout_backward, bwd_unscaled, "not scaled by 1 / (1 - p)"),
    (a3.check_dropout_backward, bwd_crashes_at_eval, "raised TypeError for eval mode (mask None)"),
    (a3.check_early_stopping, es_late, "off by one"),
    (a3.check_early_stopping, es_restores_last, "restore the weights of the last improvement"),
    (a3.check_early_stopping, es_last_if_never,
     "never stops, its last improvement in epoch 3 of 5: best_epoch should be 3, got 5. Likely "
     "cause: when the rule never stops, the best epoch is still the last epoch that improved"),
    (a3.check_early_stopping, es_non_strict, "strictly below best - min_delta"),
    (a3.check_early_stopping, es_argmin, "a gain of min_delta or less is not an improvement"),
    (a3.check_early_stopping, es_previous, "compared with the previous epoch's"),
    (a3.check_early_stopping, es_relative,
     "stopped_epoch should be 4, got None. Likely cause: min_delta is absolute, not a fraction of "
     "the best loss"),
    (a3.check_early_stopping, es_patience_at_next_epoch,
     "patience runs out on the last epoch, patience 2: stopped_epoch should be 3, got None. "
     "Likely cause: patience ran out on the last epoch: that is a stop too"),
    (a3.check_early_stopping, es_none_if_never,
     "the best epoch is restored also when the rule never stops"),
    (a3.check_l2_penalty, l2_no_two, "the factor 2 is missing"),
    (a3.check_l2_penalty, l2_biases, "include the biases"),
    (a3.check_l2_penalty, l2_bias_gradient_only, "give each bias (1-D array) a zero gradient"),
    (a3.check_l2_penalty, l2_pytorch_convention, "PyTorch's weight_decay convention"),
    (a3.check_l2_penalty, l2_one_array, "grads should be a list of 4 arrays"),
    (a3.check_l2_penalty, l2_norm_not_squared, "the penalty sums the norms ||W||: square them"),
    (a3.check_l2_penalty, l2_norm_with_its_gradient, "whose gradient is 2 * lam * W"),
]


@pytest.mark.parametrize("check, fn", REFERENCES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_reference_passes(check, fn, capsys):
    ok, out = run(check, fn, capsys)
    assert ok, out
    assert "correct on all" in out


@pytest.mark.parametrize("check, fn, phrase", WRONG, ids=lambda v: getattr(v, "__name__", str(v)))
def test_a_typical_mistake_fails_and_is_named(check, fn, phrase, capsys):
    ok, out = run(check, fn, capsys)
    assert not ok, out
    assert phrase in out, out


@pytest.mark.parametrize("check", [c for c, _ in REFERENCES], ids=lambda c: c.__name__)
def test_a_stub_is_not_implemented_yet(check, capsys):
    stub.__name__ = "my_function"
    ok, out = run(check, stub, capsys)
    assert not ok
    assert "my_function is not implemented yet" in out


def hidden_curves():
    """The hidden test's 50 random curves (lessons_src A3, Task 2.1)."""
    rng = np.random.default_rng(9)
    for _ in range(50):
        losses = list(3 + np.cumsum(rng.normal(-0.05, 0.1, size=30)))
        yield losses, int(rng.integers(1, 6)), float(rng.choice([0.0, 0.01, 0.05]))


@pytest.mark.parametrize("fn, right", [(es_last_if_never, False), (es_improvements_list, True),
                                       (ref_early_stopping, True)])
def test_the_public_check_and_the_hidden_curves_agree(fn, right):
    """r7: `(None, len(val_losses))` for a rule that never stops passed the check (its cases
    that never stop all improved last in their last epoch) and failed the hidden test."""
    hidden = all(a3.same_stopping(fn(*curve), nl.EarlyStopping(*curve[1:]).replay(curve[0]))
                 for curve in hidden_curves())
    assert a3.check_early_stopping(fn, quiet=True) == hidden == right


def test_the_verdict_names_the_case_and_the_output(capsys):
    _, out = run(a3.check_dropout_forward, fwd_unscaled, capsys)
    assert "p = 0.5, a batch of 4: out is 1/2 of the right value everywhere: check the scaling" in out
    _, out = run(a3.check_l2_penalty, l2_no_two, capsys)
    assert "the gradient of params[0] (W of layer 1, shape (3, 4))" in out
    _, out = run(a3.check_early_stopping, es_late, capsys)
    assert "a loss that turns up, patience 2: stopped_epoch should be 5, got 6" in out


def test_a_wrong_answer_matching_no_typical_mistake_gets_no_made_up_cause(capsys):
    def off(val_losses, patience, min_delta):
        return 3, 1

    _, out = run(a3.check_early_stopping, off, capsys)
    assert "Likely cause" not in out


def test_the_check_cases_include_the_edge_cases():
    cases = checks.stored("a3", "dropout_forward")
    assert any("p = 0 " in case["label"] for case in cases)
    last = cases[-1]
    assert last["p"] >= 0.9 and not last["mask"].any()  # every unit dropped, as labelled
    # ... and the stored mask is the one the spec draws: rng.random(x.shape) >= p
    assert np.array_equal(last["mask"], np.random.default_rng(last["seed"]).random(
        last["x"].shape) >= last["p"])


# -- the study's pieces ------------------------------------------------------------------------
def test_dropout_from_gives_the_numerical_gradient():
    x = np.random.default_rng(0).normal(size=(4, 6))
    g = np.random.default_rng(1).normal(size=(4, 6))
    layer = a3.DropoutFrom(ref_dropout_forward, ref_dropout_backward, 0.3,
                           rng=np.random.default_rng(2))
    state = copy.deepcopy(layer.rng)

    def f(v):  # the same mask on every call: restart the generator
        layer.rng = copy.deepcopy(state)
        return float(np.sum(layer(v) * g))

    f(x)
    dx = layer.backward(g)
    numeric = nl.numerical_gradient(f, x.copy())
    assert np.max(np.abs(dx - numeric)) < 1e-6
    assert layer.eval()(x) is x or np.array_equal(layer(x), x)  # eval mode: the identity


def test_dropout_from_rejects_bad_input():
    with pytest.raises(ValueError, match=r"DropoutFrom: p \(the drop probability\) must be in"):
        a3.DropoutFrom(ref_dropout_forward, ref_dropout_backward, 1.0, rng=0)
    with pytest.raises(TypeError, match="DropoutFrom expected two functions"):
        a3.DropoutFrom(ref_dropout_forward, None, 0.5, rng=0)


def test_penalised_sgd_adds_the_penalty_gradient_to_the_weights_only():
    model = nl.Sequential(nl.Linear(3, 2, rng=0))
    W, b = model.parameters()
    b.data[...] = 1.0
    W.grad[...], b.grad[...] = 0.5, 0.25
    before_W, before_b = W.data.copy(), b.data.copy()
    a3.PenalisedSGD(model.parameters(), 0.1, lam=0.2, penalty=ref_l2_penalty).step()
    assert np.allclose(W.data, before_W - 0.1 * (0.5 + 2 * 0.2 * before_W))
    assert np.allclose(b.data, before_b - 0.1 * 0.25)


def test_the_study_names_a_piece_that_returns_the_wrong_thing():
    layer = a3.DropoutFrom(lambda x, p, rng, training: x, ref_dropout_backward, 0.5, rng=0)
    with pytest.raises(TypeError, match=r"<lambda> should return a tuple \(out, mask\), got ndarray"):
        layer(np.ones((2, 3)))
    layer = a3.DropoutFrom(lambda x, p, rng, training: (x[0], None), ref_dropout_backward, 0.5,
                           rng=0)
    with pytest.raises(ValueError, match=r"returned out of shape \(3,\), expected the shape of its "
                                         r"input, \(2, 3\)"):
        layer(np.ones((2, 3)))
    layer = a3.DropoutFrom(ref_dropout_forward, lambda dout, mask, p: dout.sum(), 0.5,
                           rng=np.random.default_rng(0))
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"returned dx of shape \(\)"):
        layer.backward(np.ones((2, 3)))
    model = nl.Sequential(nl.Linear(3, 2, rng=0))
    with pytest.raises(ValueError, match=r"l2_one_array should return one gradient per parameter "
                                         r"\(2\), got ndarray"):
        a3.PenalisedSGD(model.parameters(), 0.1, lam=0.1, penalty=l2_one_array).step()
    with pytest.raises(ValueError, match=r"a gradient of shape \(2, 3\) for parameter 1 of shape "
                                         r"\(2,\)"):
        a3.PenalisedSGD(model.parameters(), 0.1, lam=0.1,
                        penalty=lambda ps, lam: (0.0, [ps[0], ps[0]])).step()


def small_data(rng=0):
    X, y = nl.load_digits()
    (X_rest, y_rest), (X_test, y_test) = nl.train_val_split(X, y, val_fraction=0.25, rng=rng)
    (X_train, y_clean), (X_val, y_val) = nl.train_val_split(X_rest, y_rest, val_fraction=0.2,
                                                            rng=rng + 1)
    y_train = nl.add_label_noise(y_clean, 0.4, rng=rng + 2)
    return (X_train, y_train), (X_val, y_val), (X_test, y_test)


# The notebook's settings (read from its source, so the tests follow any change there).
def notebook_settings():
    source = (ROOT / "lessons_src" / "assignments" / "A3_regularization_study.py").read_text()
    settings = re.search(r"SETTINGS = (dict\(.*?\))\n", source, re.S).group(1)
    seeds = re.search(r"SEEDS = (\[.*?\])", source).group(1)
    return eval(settings), eval(seeds)  # noqa: S307 - our own notebook's literals


REFS = (ref_dropout_forward, ref_dropout_backward, ref_early_stopping, ref_l2_penalty)


def test_early_stopping_by_replay_is_the_network_fit_would_restore():
    """The study's shortcut: the rule applied to the unregularised run's validation losses
    gives the same test accuracy as training with nl.EarlyStopping and restoring."""
    data = small_data()
    settings = dict(notebook_settings()[0], epochs=20)
    study = a3.run_study(data, *REFS, seeds=[3], **settings)
    (X_train, y_train), (X_val, y_val), (X_test, y_test) = data
    rng = np.random.default_rng(3)
    model = a3._net(settings["hidden"], rng)
    history = nl.fit(model, nl.SoftmaxCrossEntropy(),
                     nl.SGD(model.parameters(), settings["lr"], momentum=0.9),
                     (X_train, y_train), (X_val, y_val), epochs=settings["epochs"],
                     batch_size=settings["batch_size"], rng=rng,
                     early_stopping=nl.EarlyStopping(settings["patience"], settings["min_delta"]))
    assert study.restored == [history.best_epoch]
    assert study.stopped == [history.stopped_epoch if history.stopped_epoch < 20 else None]
    assert study.test["early stopping"] == [nl.accuracy(model(X_test), y_test)]


def test_the_study_with_nothing_implemented_runs_the_baseline_only(capsys):
    study = a3.run_study(small_data(), stub, stub, stub, stub, seeds=[0, 1],
                         **dict(notebook_settings()[0], epochs=3))
    out = capsys.readouterr().out
    assert out.count("not implemented yet") == 3
    assert list(study.test) == ["no regularisation"] and len(study.test["no regularisation"]) == 2
    a3.print_table(study)
    fig = a3.plot_study(study)
    assert figlint.figure_problems(fig) == []
    plt.close(fig)


def test_run_study_rejects_bad_input():
    settings = dict(notebook_settings()[0], epochs=1)
    with pytest.raises(ValueError, match="run_study: seeds is empty"):
        a3.run_study(small_data(), *REFS, seeds=[], **settings)
    with pytest.raises(TypeError, match=r"run_study: data must be \(\(X_train, y_train\)"):
        a3.run_study(small_data()[:2], *REFS, seeds=[0], **settings)
    with pytest.raises(ValueError, match="returned best_epoch 0; expected an epoch from 1 to 1"):
        a3.run_study(small_data(), ref_dropout_forward, ref_dropout_backward,
                     lambda v, p, d: (None, 0), ref_l2_penalty, seeds=[0], **settings)


@pytest.fixture(scope="module")
def notebook_study():
    settings, seeds = notebook_settings()
    return a3.run_study(small_data(), *REFS, seeds=seeds, **settings)


def test_the_figure_is_readable_and_shows_every_seed(notebook_study):
    fig = a3.plot_study(notebook_study)
    assert figlint.figure_problems(fig) == []
    ax = fig.axes[0]
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections
                             if c.get_offsets().shape[1] == 2 and len(c.get_offsets()) > 1])
    expected = np.concatenate([100 * np.asarray(v) for v in notebook_study.test.values()])
    assert np.allclose(np.sort(points), np.sort(expected))
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    plt.close(fig)


def test_the_stored_table_is_the_study(notebook_study, capsys):
    """The notebook's stored table is what run_study prints with the reference answers."""
    a3.print_table(notebook_study)
    printed = capsys.readouterr().out
    nb = json.loads(NOTEBOOK.read_text())
    stored = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []))
    assert printed in stored


# -- the written answers' comparative claims, on the notebook's seeds and 5 more ---------------
def claims(study, seeds):
    test, train = study.test, study.train
    regularisers = ["weight decay", "dropout", "early stopping"]
    for i, seed in enumerate(seeds):
        none = test["no regularisation"][i]
        # 5.1: the unregularised run is the lowest of the four on every seed
        assert all(test[m][i] > none for m in regularisers), (seed, {m: test[m][i] for m in test})
        # 5.2: it fits more than the 60% correct labels; each regularised run fits fewer
        assert train["no regularisation"][i] > 0.6, seed
        assert all(train[m][i] < train["no regularisation"][i] for m in regularisers), seed


def test_the_claims_hold_on_the_notebooks_seeds(notebook_study):
    claims(notebook_study, notebook_study.seeds)
    # 5.2 (the table's means): the regularised runs stay below 60% on the noisy labels
    assert all(np.mean(notebook_study.train[m]) < 0.6
               for m in ["weight decay", "dropout", "early stopping"])
    # 5.3 (the model answer counts seeds): early stopping beats dropout on all five, weight decay
    # beats dropout on four, early stopping beats weight decay on two; weight decay's spread is
    # the widest
    regularisers = ["weight decay", "dropout", "early stopping"]
    test = {m: np.array(notebook_study.test[m]) for m in regularisers}
    assert np.sum(test["early stopping"] > test["dropout"]) == 5
    assert np.sum(test["weight decay"] > test["dropout"]) == 4
    assert np.sum(test["early stopping"] > test["weight decay"]) == 2
    means = [np.mean(notebook_study.test[m]) for m in regularisers]
    spreads = [np.std(notebook_study.test[m], ddof=1) for m in regularisers]
    assert np.argmax(spreads) == 0
    # 5.1: the gap to no regularisation is large next to every method's spread over seeds
    none = notebook_study.test["no regularisation"]
    assert min(means) - np.mean(none) > 2 * max(spreads + [np.std(none, ddof=1)])
    orders = {tuple(np.argsort([notebook_study.test[m][i] for m in regularisers]))
              for i in range(len(notebook_study.seeds))}
    assert len(orders) > 1


@pytest.mark.slow
def test_the_claims_hold_on_five_more_seeds_and_another_noise_draw():
    settings, _ = notebook_settings()
    seeds = [10, 11, 12, 13, 14]
    claims(a3.run_study(small_data(), *REFS, seeds=seeds, **settings), seeds)
    claims(a3.run_study(small_data(rng=20), *REFS, seeds=seeds, **settings), seeds)


# -- the student version -----------------------------------------------------------------------
@pytest.mark.slow
def test_the_student_version_runs_top_to_bottom_saying_not_implemented_yet(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    from nnlesson.teacher import cli as assign  # assign.main: the command line

    assert assign.main([str(NOTEBOOK), str(tmp_path / "student")]) in (0, None)
    path = tmp_path / "student" / NOTEBOOK.name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    verdicts = [line for line in text.splitlines() if line.startswith(checks.FAIL)
                or line.startswith(checks.PASS)]
    assert len(verdicts) == 4 and all("is not implemented yet" in v for v in verdicts), verdicts
    assert text.count("not implemented yet; left out of the study") == 3
    assert "no regularisation" in text  # the baseline still runs and prints its row
    assert any("image/png" in o.get("data", {}) for o in outputs)  # and the plot is drawn


# -- the notebook's own bookkeeping ------------------------------------------------------------
def test_each_task_states_the_points_its_markers_declare_and_the_total_is_right():
    from nnlesson.teacher import parse_cell

    nb = json.loads(NOTEBOOK.read_text())
    lead = re.compile(r"^\*\*(?:Task|Question) [\d.]+ \([^)]*?(\d+(?:\.\d+)?) points?, \d+ min\)\.\*\*",
                      re.M)
    stated, declared = [], {"code": [], "markdown": []}
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        stated += [float(m.group(1)) for m in lead.finditer(source)]
        parsed = parse_cell(source)
        if parsed.solutions or parsed.hidden:
            declared[cell["cell_type"]].append(float(1 if parsed.points is None else parsed.points))
    assert stated == declared["code"] + declared["markdown"]  # code tasks first, then questions
    assert sum(declared["code"]) == 10 and sum(declared["markdown"]) == 8
    intro = "".join(nb["cells"][0]["source"])
    assert "18 points in all, 10 for code (graded automatically) and 8 for written" in \
        " ".join(intro.split())
