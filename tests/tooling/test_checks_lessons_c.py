"""The checks of lessons 8-11 (and lesson 7's weight-decay step) pass reference solutions and catch typical mistakes, naming them."""

import contextlib

import numpy as np
import pytest

from nnlesson import checks


def run(check, fn, capsys):
    assert check(fn) is None  # prints, returns nothing
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out
    assert check(fn, quiet=True) == out.startswith(checks.PASS)
    return out


# References written as a student would, independently of the checks.
def ref_batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def ref_running_update(running_mean, running_var, x, momentum):
    n = len(x)
    var = ((x - x.mean(axis=0)) ** 2).sum(axis=0) / (n - 1)
    return (1 - momentum) * running_mean + momentum * x.mean(axis=0), \
        (1 - momentum) * running_var + momentum * var


def ref_batchnorm_backward(dout, xhat, inv_std, gamma):
    # The long way: through xhat, the variance and the mean, one after the other.
    n = dout.shape[0]
    dxhat = dout * gamma
    centred = xhat / inv_std
    dvar = np.sum(dxhat * centred, axis=0) * -0.5 * inv_std ** 3
    dmu = -np.sum(dxhat * inv_std, axis=0) + dvar * -2 * centred.mean(axis=0)
    dx = dxhat * inv_std + dvar * 2 * centred / n + dmu / n
    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)


def ref_init_std(fan_in, fan_out, activation):
    variance = 2 / fan_in if activation == "relu" else 2 / (fan_in + fan_out)
    return variance ** 0.5


def ref_uniform_bound(fan_in, fan_out, activation):
    # from the uniform's variance (b - a)^2 / 12 with b - a = 2a
    gain = 2.0 if activation == "relu" else 1.0
    fan = fan_in if activation == "relu" else (fan_in + fan_out) / 2
    return np.sqrt(12 * gain / fan / 4)


def ref_prelu_init_std(fan_in, alpha):
    return (2 / (fan_in * (1 + alpha * alpha))) ** 0.5


def ref_decayed_step(w, grad, lr, weight_decay):
    # written another way: shrink first, then step
    return (1 - lr * weight_decay) * w - lr * grad


def in_place_decayed_step(w, grad, lr, weight_decay):
    # the right numbers, but the exercise asks for a new array and the student's w changes
    w -= lr * (grad + weight_decay * w)
    return w


def ref_confusion_matrix(y_true, y_pred, classes):
    return np.array([[np.sum((y_true == i) & (y_pred == j)) for j in range(classes)]
                     for i in range(classes)])


def ref_p_class1(F, W, b):
    # the softmax's class-1 column, each row shifted by its maximum (lesson 3's softmax)
    z = F @ W.T + b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e[:, 1] / e.sum(axis=1)


def ref_recall(confusion):
    return np.array([confusion[i, i] / confusion[i].sum() for i in range(len(confusion))])


def not_implemented(*args):
    raise NotImplementedError()


def bn_forward_no_eps(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / x.std(axis=0) + beta


CASES = {
    "decayed_step": (checks.check_decayed_step, ref_decayed_step, [
        (lambda w, g, lr, wd: w - lr * g - wd * w, "not multiplied by the learning rate"),
        (lambda w, g, lr, wd: w - lr * (g + 2 * wd * w), "twice too strong"),
        (lambda w, g, lr, wd: w - lr * (g + wd / 2 * w), "half too weak"),
        (lambda w, g, lr, wd: w - lr * (g - wd * w), "wrong sign"),
        (lambda w, g, lr, wd: w - lr * g, "weight decay is missing"),
        (lambda w, g, lr, wd: w * (1 - wd) - lr * g, "a (3, 4) weight matrix: the new weights"),
        (in_place_decayed_step, "w after the call (return a new array, leave w as it is)"),
    ]),
    "confusion_matrix": (checks.check_confusion_matrix, ref_confusion_matrix, [
        (lambda t, p, c: ref_confusion_matrix(p, t, c), "the matrix is wrong"),  # axes swapped
        (lambda t, p, c: ref_confusion_matrix(t, p, c) / len(t), "the matrix is 1/30 of the right value everywhere (N = 30 examples): check the scaling"),  # fractions
        (lambda t, p, c: ref_confusion_matrix(t, p, c.max() if hasattr(c, "max") else c - 1),
         "should have shape"),  # one class short
    ]),
    "recall": (checks.check_recall, ref_recall, [
        (lambda m: np.diag(m) / m.sum(axis=0), "the recall is wrong"),  # precision
        (lambda m: np.full(len(m), np.trace(m) / m.sum()), "the recall is wrong"),  # accuracy
        (lambda m: np.diag(m), "the recall is"),  # counts, not fractions
    ]),
    "p_class1": (checks.check_p_class1, ref_p_class1, [
        (lambda F, W, b: 1 - ref_p_class1(F, W, b), "That is p(class 0)"),
        (lambda F, W, b: 1 / (1 + np.exp(-(F @ W.T + b)[:, 1])), "the sigmoid of z1 alone"),
        (lambda F, W, b: ref_p_class1(F, W, 0 * b), "The bias is missing"),
    ]),
    "init_std": (checks.check_init_std, ref_init_std, [
        (lambda i, o, a: np.sqrt(2 / i) if a == "tanh" else np.sqrt(2 / (i + o)), "tanh, 100 -> 100: the std is wrong: expected 0.1, got 0.141421"),  # swapped
        (lambda i, o, a: 2 / i if a == "relu" else 2 / (i + o), "100 -> 100: the std is wrong: expected 0.1, got 0.01 "),  # the variance
        (lambda i, o, a: np.sqrt(6 / (i + o)) if a == "tanh" else np.sqrt(2 / i),
         "tanh, 100 -> 100: the std is wrong: expected 0.1, got 0.173205"),  # the uniform limit a, not the std
        (lambda i, o, a: np.sqrt(2 / i) if a == "relu" else np.sqrt(1 / i), "tanh, 300 -> 100"),  # fan_in only
    ]),
    "uniform_bound": (checks.check_uniform_bound, ref_uniform_bound, [
        (ref_init_std, "the rule's standard deviation, not the bound"),
        (lambda i, o, a: 2 * ref_uniform_bound(i, o, a), "twice the bound"),
        (lambda i, o, a: ref_uniform_bound(i, o, "tanh" if a == "relu" else "relu"),
         "tanh, 100 -> 100: the bound is wrong: expected 0.173205, got 0.244949 (relative error "
         "0.29). that is He's rule"),
        # the lesson's code spells it "ReLU": this student's relu gets Glorot's rule
        (lambda i, o, a: ref_uniform_bound(i, o, "relu" if a == "ReLU" else "tanh"),
         "that is Glorot's rule: He's 2 / fan_in is for relu, Glorot's 2 / (fan_in + fan_out) for "
         "tanh (the activation arrives as the lower-case string 'relu')"),
        (lambda i, o, a: ref_init_std(i, o, a) ** 2, "the rule's variance"),
        (lambda i, o, a: np.sqrt(6 / (i + o)), "relu, 300 -> 100: the bound is wrong"),
        # lesson 08 shows PyTorch's tanh gain just before (review r4-05-08, lesson 08 EXERCISE)
        (lambda i, o, a: (5 / 3 if a == "tanh" else 1) * ref_uniform_bound(i, o, a),
         "that includes PyTorch's tanh gain 5/3 (nn.init.calculate_gain): the exercise asks for "
         "Glorot's rule itself"),
    ]),
    "prelu_init_std": (checks.check_prelu_init_std, ref_prelu_init_std, [
        (lambda i, a: np.sqrt(2 / i), "fan_in 100, alpha 0.25: the std is"),  # ignores alpha
        (lambda i, a: np.sqrt(2 / ((1 + a) * i)), "alpha 0.25: the std is wrong: expected 0.137199, got 0.126491"),  # alpha, not alpha^2
        (lambda i, a: np.sqrt(2 / (1 + a ** 2) / i) if a else None, "forget a `return`"),
    ]),
    "batchnorm_forward": (checks.check_batchnorm_forward, ref_batchnorm_forward, [
        (lambda x, g, b, eps=1e-5: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
         "y is wrong"),  # the unbiased variance
        (lambda x, g, b, eps=1e-5: g * (x - x.mean(1, keepdims=True))
         / np.sqrt(x.var(1, keepdims=True) + eps) + b, "y is wrong"),  # over the features
        (bn_forward_no_eps, "a batch of 6, 3 features: y is wrong"),  # forgot eps
        (lambda x, g, b, eps=1e-5: (x - x.mean(0)) / np.sqrt(x.var(0) + eps), "y is wrong"),
    ]),
    "running_update": (checks.check_running_update, ref_running_update, [
        (lambda m, v, x, mom: (mom * m + (1 - mom) * x.mean(0), mom * v + (1 - mom) * x.var(0, ddof=1)),
         "running_mean is wrong"),  # Keras's convention
        (lambda m, v, x, mom: ((1 - mom) * m + mom * x.mean(0), (1 - mom) * v + mom * x.var(0)),
         "dividing by N - 1 (x.var(axis=0, ddof=1))"),  # the biased variance, named
        (lambda m, v, x, mom: (x.mean(0), x.var(0, ddof=1)), "running_mean is wrong"),
    ]),
    "batchnorm_backward": (checks.check_batchnorm_backward, ref_batchnorm_backward, [
        (lambda d, xh, s, g: (d * g * s, np.sum(d * xh, 0), d.sum(0)), "dx is wrong"),  # no mean/var paths
        (lambda d, xh, s, g: (ref_batchnorm_backward(d, xh, s, g)[0] / g, *ref_batchnorm_backward(d, xh, s, g)[1:]),
         "dx is wrong"),  # forgot gamma
        (lambda d, xh, s, g: (*ref_batchnorm_backward(d, xh, s, g)[:2], d.mean(0)), "dbeta is"),
        (lambda d, xh, s, g: ref_batchnorm_backward(d, xh, s, g)[0], "should return a tuple"),
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_reference_passes_in_one_line(name, capsys):
    check, reference, _ = CASES[name]
    out = run(check, reference, capsys)
    assert out.startswith(checks.PASS) and "correct on all" in out, out


@pytest.mark.parametrize("name", CASES)
def test_typical_mistakes_fail_and_name_the_problem(name, capsys):
    check, _, wrongs = CASES[name]
    assert len(wrongs) >= 2
    for fn, phrase in wrongs:
        out = run(check, fn, capsys)
        assert out.startswith(checks.FAIL), out
        assert phrase in out, f"{phrase!r} not in {out!r}"


@pytest.mark.parametrize("name", CASES)
def test_not_implemented_gets_a_friendly_message(name, capsys):
    check, _, _ = CASES[name]
    out = run(check, not_implemented, capsys)
    assert "is not implemented yet" in out


def test_checks_agree_with_the_layer_and_refuse_it(capsys, monkeypatch):
    # The checks' expected values and nnlesson.BatchNorm are two implementations of one formula.
    import nnlesson as nl

    def layer_for(gamma, beta, eps=1e-5, momentum=0.1):
        layer = nl.BatchNorm(len(gamma), eps=eps, momentum=momentum)
        layer.gamma.data[:], layer.beta.data[:] = gamma, beta
        return layer

    def forward(x, gamma, beta, eps=1e-5):
        return layer_for(gamma, beta, eps)(x)

    def backward(dout, xhat, inv_std, gamma):
        layer = layer_for(gamma, np.zeros_like(gamma))
        layer(xhat / inv_std)  # the same batch up to its mean: the same xhat
        layer.cache = (xhat, inv_std)
        return layer.backward(dout), layer.gamma.grad, layer.beta.grad

    def running(mean, var, x, momentum):
        layer = layer_for(np.ones(x.shape[1]), np.zeros(x.shape[1]), momentum=momentum)
        layer.running_mean, layer.running_var = mean, var
        layer(x)
        return layer.running_mean, layer.running_var

    # The checks refuse the layer (the exercise asks for the student's own batch norm) ...
    for check, fn in [(checks.check_batchnorm_forward, forward),
                      (checks.check_batchnorm_backward, backward),
                      (checks.check_running_update, running)]:
        check(fn)
        assert capsys.readouterr().out.strip().endswith(
            "this task asks for your own implementation: `nl.BatchNorm` is not allowed here "
            "(your `layer_for` calls it).")
    # ... and, with the tripwire lifted, agree with it.
    monkeypatch.setattr(checks, "forbid", lambda *implementations, **rules: contextlib.nullcontext())
    assert checks.check_batchnorm_forward(forward, quiet=True)
    assert checks.check_batchnorm_backward(backward, quiet=True)
    assert checks.check_running_update(running, quiet=True)


@pytest.mark.parametrize("floats", [
    lambda t, p, c: ref_confusion_matrix(t, p, c).astype(float),
    lambda t, p, c: (np.eye(c)[t].T @ np.eye(c)[p]).astype(np.float32),
])
def test_a_confusion_matrix_of_floats_fails_and_says_to_count_in_integers(floats, capsys):
    # the exercise asks for an integer array: counts equal in value but stored as floats (the
    # usual np.zeros((classes, classes)) without dtype=int) are named, not accepted
    out = run(checks.check_confusion_matrix, floats, capsys)
    assert out.startswith(f"{checks.FAIL} <lambda>, 30 labels, 4 classes: whether it holds "
                          f"integers should be True, got False. The counts are right but stored "
                          f"as floats")
    assert "dtype=int" in out


def test_the_confusion_matrix_check_refuses_the_package_own_and_agrees_with_it(monkeypatch, capsys):
    # lesson 10 draws its matrix with nl.confusion_matrix, so Exercise 1 asks for the student's
    # own: a call to the package's is named, and, with the tripwire lifted, it passes
    import nnlesson as nl

    def wrapped(y_true, y_pred, classes):
        return nl.confusion_matrix(y_true, y_pred, classes)

    out = run(checks.check_confusion_matrix, wrapped, capsys)
    assert out.endswith("this task asks for your own implementation: `nl.confusion_matrix` is not "
                        "allowed here.")
    monkeypatch.setattr(checks, "forbid", lambda *implementations, **rules: contextlib.nullcontext())
    assert checks.check_confusion_matrix(wrapped, quiet=True)


def confusion_sized_by_the_labels_seen(y_true, y_pred, classes):
    k = max(y_true.max(), y_pred.max()) + 1  # ignores `classes`: passed before issue 26
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def test_a_confusion_matrix_sized_by_the_labels_seen_fails(capsys):
    out = run(checks.check_confusion_matrix, confusion_sized_by_the_labels_seen, capsys)
    assert out == (f"{checks.FAIL} confusion_sized_by_the_labels_seen, 5 classes, classes 2 and 4 "
                   f"never seen: the matrix should have shape (5, 5), got shape (4, 4)")


@pytest.mark.parametrize("right", [
    lambda t, p, c: np.bincount(t * c + p, minlength=c * c).reshape(c, c),
    lambda t, p, c: (np.eye(c, dtype=int)[t].T @ np.eye(c, dtype=int)[p]).astype(np.uint16),
    lambda t, p, c: np.einsum("ni,nj->ij", np.eye(c)[t], np.eye(c)[p]).astype(int),
    lambda t, p, c: [[int(np.sum((t == i) & (p == j))) for j in range(c)] for i in range(c)],
])
def test_a_confusion_matrix_written_another_way_passes(right, capsys):
    out = run(checks.check_confusion_matrix, right, capsys)
    assert out.startswith(checks.PASS), out


def confusion_by_fancy_indexing(y_true, y_pred, classes):
    matrix = np.zeros((classes, classes), dtype=int)
    matrix[y_true, y_pred] += 1  # a repeated (true, predicted) pair adds 1 only once
    return matrix


def confusion_transposed(y_true, y_pred, classes):
    return ref_confusion_matrix(y_true, y_pred, classes).T


@pytest.mark.parametrize("wrong, named", [
    (confusion_by_fancy_indexing, "Each pair is counted at most once: matrix[y_true, y_pred] += 1"),
    (confusion_transposed, "The matrix is transposed: row i is the TRUE class i"),
])
def test_the_confusion_matrix_mistakes_are_named(wrong, named, capsys):
    # review r7: both were refused without a word on why
    out = run(checks.check_confusion_matrix, wrong, capsys)
    assert out.startswith(f"{checks.FAIL} {wrong.__name__}, 30 labels, 4 classes: the matrix is "
                          f"wrong at index"), out
    assert named in out


def test_precision_for_recall_is_named_and_recall_written_another_way_passes(capsys):
    def precision(confusion):
        return np.diag(confusion) / confusion.sum(axis=0)

    out = run(checks.check_recall, precision, capsys)
    assert out.startswith(f"{checks.FAIL} precision, a 3-class matrix: the recall is wrong"), out
    assert "gives the precision" in out and "row sums" in out
    recall = run(checks.check_recall, lambda c: np.array(
        [c[i, i] / sum(c[i]) for i in range(len(c))]), capsys)
    assert recall.startswith(checks.PASS), recall


# -- lesson 11, Exercise 1 (review r9: lesson 1's exercise verbatim became p(class 1)) ----------
def p_class1_naive(F, W, b):
    e = np.exp(F @ W.T + b)
    return e[:, 1] / e.sum(axis=1)


def p_class1_both_columns(F, W, b):
    e = np.exp(F @ W.T + b)
    return e / e.sum(axis=1, keepdims=True)


def p_class1_over_the_points(F, W, b):
    e = np.exp(F @ W.T + b)
    return (e / e.sum(axis=0))[:, 1]


def p_class1_untransposed(F, W, b):
    z = F @ W + b
    return 1 / (1 + np.exp(-(z[:, 1] - z[:, 0])))


@pytest.mark.parametrize("wrong, named", [
    (p_class1_naive, "logits near 1000 (np.exp(1000) overflows): p(class 1) contains nan or inf: "
                     "np.exp overflowed"),
    (p_class1_both_columns, "should have shape (4,), got shape (4, 2). Both columns of the softmax"),
    (p_class1_over_the_points, "The softmax ran over the points"),
    (p_class1_untransposed, "It uses F @ W + b: W has shape (2 classes, features)"),
])
def test_the_p_class1_mistakes_are_named(wrong, named, capsys):
    out = run(checks.check_p_class1, wrong, capsys)
    assert out.startswith(f"{checks.FAIL} {wrong.__name__}, "), out
    assert named in out, out


def test_p_class1_written_as_a_sigmoid_or_with_nl_softmax_passes(capsys):
    import nnlesson as nl

    def as_a_sigmoid(F, W, b):
        z = F @ W.T + b
        return 1 / (1 + np.exp(z[:, 0] - z[:, 1]))

    def with_nl_softmax(F, W, b):  # a function the lessons taught: allowed
        return nl.softmax(F @ W.T + b)[:, 1]

    for right in (as_a_sigmoid, with_nl_softmax):
        out = run(checks.check_p_class1, right, capsys)
        assert out.startswith(checks.PASS), out


def test_p_class1_on_the_playground_agrees_with_its_predict():
    # the exercise's cell compares the student's p(class 1) with squares.predict: the check's
    # formula and the playground's must be the same
    from nnlesson.viz.playground import feature_matrix, playground

    pg = playground(hidden=[], features=["x1^2", "x2^2"], learning_rate=0.1, epoch=5)
    points = np.random.default_rng(0).uniform(-6, 6, size=(50, 2))
    W, b = pg.weights()["output layer W"], pg.weights()["output layer b"]
    mine = ref_p_class1(feature_matrix(points, pg.state["features"]), W, b)
    assert np.allclose(mine, pg.predict(points), rtol=0, atol=1e-12)
    assert checks.check_p_class1(ref_p_class1, quiet=True)
