"""fit, EarlyStopping and the datasets: the quality bars of the core."""

import subprocess
import sys

import numpy as np
import pytest

import nnlesson as nl
from nnlesson.train import LossNotFinite, train_epoch


def mlp(sizes, rng, activation=nl.ReLU):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nl.Linear(n_in, n_out, rng=rng))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nl.Sequential(*layers)


def test_digits_mlp_reaches_95_percent_validation_accuracy():
    X, y = nl.load_digits()
    train, val = nl.train_val_split(X, y, val_fraction=0.2, rng=0)
    model = mlp([64, 64, 64, 10], np.random.default_rng(1))
    history = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1, momentum=0.9),
                     train, val, epochs=20, batch_size=32, rng=2)
    assert history.val_accuracy[-1] >= 0.95
    assert nl.accuracy(model(val[0]), val[1]) == history.val_accuracy[-1]


def test_two_moons_mlp_reaches_100_percent_training_accuracy():
    X, y = nl.make_moons(200, noise=0.1, rng=0)
    model = mlp([2, 32, 32, 2], np.random.default_rng(1))
    history = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1, momentum=0.9),
                     (X, y), epochs=150, batch_size=32, rng=2)
    assert nl.accuracy(model(X), y) == 1.0
    assert history.train_loss[-1] < history.train_loss[0] / 10


def test_fit_is_deterministic_given_the_seeds():
    X, y = nl.make_moons(100, rng=0)

    def run():
        model = nl.Sequential(nl.Linear(2, 8, rng=1), nl.ReLU(), nl.Dropout(0.2, rng=2), nl.Linear(8, 2, rng=3))
        h = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y), (X, y),
                   epochs=3, batch_size=16, rng=4)
        return h.train_loss, model[0].W.data

    (loss_a, w_a), (loss_b, w_b) = run(), run()
    assert loss_a == loss_b
    np.testing.assert_array_equal(w_a, w_b)


def test_early_stopping_patience_rule():
    stopper = nl.EarlyStopping(patience=2, min_delta=0.1)
    losses = [1.0, 0.8, 0.75, 0.72, 0.5, 0.45, 0.44]
    decisions = [stopper.step(v, epoch) for epoch, v in enumerate(losses, start=1)]
    # 0.75 and 0.72 do not beat 0.8 by more than 0.1: patience 2 runs out at epoch 4.
    assert decisions == [False, False, False, True, False, False, True]
    assert stopper.best_epoch == 5  # 0.5 was the last improvement by more than min_delta
    assert stopper.replay(losses) == (4, 2)  # from a fresh start: stops at epoch 4, best 2
    assert nl.EarlyStopping(patience=3).replay([3.0, 2.0, 1.0]) == (None, 3)


def test_fit_stops_early_and_restores_the_best_parameters():
    rng = np.random.default_rng(0)
    X, y = nl.make_curve(40, noise=0.3, rng=rng)
    X_val, y_val = nl.make_curve(40, noise=0.3, rng=rng)
    model = mlp([1, 64, 64, 1], rng)
    snapshots = {}

    def remember(epoch, m):
        snapshots[epoch] = [p.data.copy() for p in m.parameters()]

    stopper = nl.EarlyStopping(patience=5)
    history = nl.fit(model, nl.MSELoss(), nl.SGD(model.parameters(), lr=0.01, momentum=0.9), (X, y),
                     (X_val, y_val), epochs=500, batch_size=8, rng=1, early_stopping=stopper,
                     callback=remember)
    assert history.stopped_epoch < 500
    assert history.stopped_epoch - history.best_epoch == 5
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    for p, best in zip(model.parameters(), snapshots[history.best_epoch]):
        np.testing.assert_array_equal(p.data, best)
    assert nl.MSELoss()(model(X_val), y_val) == pytest.approx(min(history.val_loss))


def test_fit_stops_on_nan_loss_naming_the_epoch_and_learning_rate():
    X, y = nl.make_curve(50, rng=0)
    model = mlp([1, 16, 1], np.random.default_rng(0))
    with pytest.raises(FloatingPointError, match=r"epoch \d+.*smaller learning rate \(now lr=1e\+06\)"):
        nl.fit(model, nl.MSELoss(), nl.SGD(model.parameters(), lr=1e6), (X, y * 1e3), epochs=5,
               batch_size=10, rng=0)


def test_fit_stops_when_the_loss_climbs_far_above_its_start_while_staying_finite():
    # The loss of this run climbs to about 1e56 and stays finite; before, all epochs ran silently.
    X, y = nl.make_curve(40, rng=0)
    model = nl.Sequential(nl.Linear(1, 1, rng=0))
    with pytest.raises(FloatingPointError, match=r"fit: the training loss grew from .* in epoch 1 to .*, more than 100 times in epoch (\d+): training diverged.*\(now lr=2\.5\)"):
        nl.fit(model, nl.MSELoss(), nl.SGD(model.parameters(), lr=2.5), (X, y), epochs=30,
               batch_size=40, rng=0)
    assert nl.train.MAX_GROWTH_SINCE_EPOCH_1 == 100


def test_an_epoch_of_fit_is_one_train_epoch():
    # fit's epoch 1 and one train_epoch from the same weights and shuffle: the same running loss
    # and accuracy, the same weights afterwards
    import copy

    X, y = nl.make_moons(100, noise=0.2, rng=0)
    model = nl.Sequential(nl.Linear(2, 8, rng=1), nl.ReLU(), nl.Dropout(0.2, rng=2),
                          nl.Linear(8, 2, rng=3))
    twin = copy.deepcopy(model)
    history = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y),
                     epochs=1, batch_size=16, rng=4)
    loss, fraction = train_epoch(twin, nl.SoftmaxCrossEntropy(), nl.SGD(twin.parameters(), lr=0.1),
                                 X, y, 16, np.random.default_rng(4))
    assert (loss, fraction) == (history.train_loss[0], history.train_accuracy[0])
    assert type(loss) is float and type(fraction) is float  # plain numbers, as lessons print
    assert twin.training  # left in training mode; fit switches to eval afterwards
    for mine, theirs in zip(twin.parameters(), model.parameters()):
        np.testing.assert_array_equal(mine.data, theirs.data)
    _, none = train_epoch(twin, nl.MSELoss(), nl.SGD(twin.parameters(), lr=0.1), X,
                          np.eye(2)[y], 16, np.random.default_rng(4))
    assert none is None  # no accuracy for a regression loss


def test_train_epoch_adds_a_penalty_into_new_gradient_arrays():
    # The penalty's gradient is added by a new array: a gradient the student kept from backward
    # keeps its value (an in-place += would change it behind their back).
    X, y = nl.make_moons(40, rng=0)
    model = nl.Sequential(nl.Linear(2, 3, rng=1), nl.Tanh(), nl.Linear(3, 2, rng=2))
    W = model[0].W
    kept, before = [], W.data.copy()

    def weight_decay():
        kept.append((W.grad, W.grad.copy()))  # what backward gave, as a student might keep it
        return [(W, 0.5 * W.data)]

    train_epoch(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), X, y, 40,
                np.random.default_rng(0), penalty=weight_decay)
    (grad, value), = kept  # one mini-batch
    np.testing.assert_array_equal(grad, value)
    np.testing.assert_allclose(W.data, before - 0.1 * (value + 0.5 * before))


def test_train_epoch_stops_before_the_step_of_a_non_finite_loss():
    X, y = np.array([[1.0], [2.0], [np.inf], [3.0]]), np.zeros((4, 1))
    model, first = nl.Sequential(nl.Linear(1, 1, rng=0)), nl.Sequential(nl.Linear(1, 1, rng=0))
    with pytest.raises(LossNotFinite, match=r"train_epoch: the loss of mini-batch 2 is inf") as bad:
        train_epoch(model, nl.MSELoss(), nl.SGD(model.parameters(), lr=0.01), X, y, 2,
                    rng=None)  # in order: the second mini-batch holds the inf
    assert bad.value.steps == 1 and bad.value.loss == np.inf
    assert isinstance(bad.value, FloatingPointError)
    # the weights are those after the first mini-batch's step: the bad batch took none
    train_epoch(first, nl.MSELoss(), nl.SGD(first.parameters(), lr=0.01), X[:2], y[:2], 2, None)
    for mine, theirs in zip(model.parameters(), first.parameters()):
        np.testing.assert_array_equal(mine.data, theirs.data)


def test_fit_reports_a_non_finite_validation_loss():
    X, y = nl.make_curve(40, rng=0)
    X_val = np.full((5, 1), 1e200)  # finite inputs whose predictions overflow the squared error
    model = nl.Sequential(nl.Linear(1, 1, rng=0))
    with pytest.raises(FloatingPointError, match=r"fit: the validation loss became inf in epoch 1"):
        nl.fit(model, nl.MSELoss(), nl.SGD(model.parameters(), lr=0.01), (X, y), (X_val, y[:5]),
               epochs=3, batch_size=10, rng=0, early_stopping=nl.EarlyStopping(2))


def test_fit_rejects_an_optimizer_built_on_another_models_parameters():
    X, y = nl.make_moons(20, rng=0)
    model, other = mlp([2, 4, 2], np.random.default_rng(0)), mlp([2, 4, 2], np.random.default_rng(1))
    with pytest.raises(ValueError, match="fit: the optimizer holds 4 of 4 parameters that are not the model's"):
        nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(other.parameters(), lr=0.1), (X, y),
               epochs=1, batch_size=10, rng=0)
    # an optimizer on part of the model (the rest frozen) is fine
    nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model[2].parameters(), lr=0.1), (X, y),
           epochs=1, batch_size=10, rng=0)


@pytest.mark.parametrize("labels, hint", [
    (np.array([[0], [1], [1]]), "a column\\? pass labels.ravel\\(\\)"),
    (np.array([[1, 0], [0, 1], [0, 1]]), "one-hot labels\\? pass labels.argmax\\(axis=1\\)"),
    (np.array([0, 1]), ""),
    (np.array([0.0, 1.0, 1.0]), ""),
])
def test_accuracy_rejects_labels_that_would_broadcast(labels, hint):
    logits = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 2.0]])
    assert nl.accuracy(logits, np.array([0, 1, 1])) == 1.0
    with pytest.raises(ValueError, match=r"accuracy expected labels of shape \(3,\).*logits of shape \(3, 2\), got labels of shape .*" + hint):
        nl.accuracy(logits, labels)  # gave 0.333 or 0.5 for perfect predictions before


def test_fit_leaves_model_in_eval_mode_and_history_is_complete():
    X, y = nl.make_xor(80, rng=0)
    model = nl.Sequential(nl.Linear(2, 8, rng=0), nl.Tanh(), nl.Dropout(0.1, rng=0), nl.Linear(8, 2, rng=1))
    h = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y), (X, y),
               epochs=4, batch_size=16, rng=0)
    assert not model[2].training
    assert len(h.train_loss) == len(h.val_loss) == len(h.val_accuracy) == len(h.train_accuracy) == 4
    assert h.stopped_epoch == 4 and 1 <= h.best_epoch <= 4


# -- datasets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [nl.make_moons, nl.make_circles, nl.make_xor, nl.make_spirals])
def test_classification_sets_are_seeded_and_balanced(make):
    X, y = make(120, rng=3)
    X2, y2 = make(120, rng=3)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (120, 2) and y.shape == (120,) and y.dtype.kind == "i"
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 0.25 * counts.mean()
    assert not np.array_equal(X, make(120, rng=4)[0])


def test_moons_and_circles_have_the_expected_geometry():
    X, y = nl.make_circles(400, noise=0.0, factor=0.4, rng=0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1], axis=1), 0.4)
    X, y = nl.make_moons(400, noise=0.0, rng=0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)


def test_make_curve_with_a_gap():
    X, y = nl.make_curve(300, noise=0.0, gap=(-1.0, 1.0), rng=0)
    assert X.shape == y.shape == (300, 1)
    assert not np.any((X > -1) & (X < 1)) and X.min() >= -3 and X.max() <= 3
    np.testing.assert_allclose(y, nl.curve(X))


def test_add_label_noise_flips_exactly_the_fraction_to_other_classes():
    y = np.repeat(np.arange(4), 50)
    noisy = nl.add_label_noise(y, 0.3, rng=0)
    assert np.sum(noisy != y) == 60
    assert set(np.unique(noisy)) <= {0, 1, 2, 3}
    np.testing.assert_array_equal(y, np.repeat(np.arange(4), 50))  # input untouched
    np.testing.assert_array_equal(noisy, nl.add_label_noise(y, 0.3, rng=0))


def test_train_val_split_and_batches_cover_everything_once():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    (Xt, yt), (Xv, yv) = nl.train_val_split(X, y, val_fraction=0.3, rng=0)
    assert len(yv) == 3 and sorted(np.concatenate([yt, yv])) == list(range(10))
    np.testing.assert_array_equal(Xt[:, 0] // 2, yt)
    seen = [yb for _, yb in nl.batches(X, y, 4, rng=1)]
    assert [len(b) for b in seen] == [4, 4, 2]
    assert sorted(np.concatenate(seen)) == list(range(10))
    assert [list(b) for _, b in nl.batches(X, y, 5)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_load_digits_is_the_bundled_uci_test_set():
    X, y = nl.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # The first image is a zero: a ring of ink with an empty middle.
    image = X[0].reshape(8, 8)
    assert y[0] == 0 and image[3:5, 3:5].max() < 0.2 and image[0].max() > 0.5


def test_import_does_not_load_matplotlib_or_ipywidgets():
    code = "import sys, nnlesson; print(sorted({'matplotlib', 'ipywidgets'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_confusion_matrix_counts_every_pair_and_is_sized_by_classes():
    labels, predicted = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2])
    matrix = nl.confusion_matrix(labels, predicted, 4)  # class 3 never occurs: still a row
    expected = np.zeros((4, 4), dtype=int)
    for t, p in zip(labels, predicted):
        expected[t, p] += 1
    assert matrix.dtype.kind == "i" and np.array_equal(matrix, expected)
    assert matrix[0, 1] == 1 and matrix[1, 0] == 0  # rows are true classes, columns predictions
    assert np.array_equal(nl.confusion_matrix(np.array([], int), np.array([], int), 2),
                          np.zeros((2, 2)))


@pytest.mark.parametrize("labels, predicted, classes, message", [
    (np.array([0, 1]), np.array([0, 1, 1]), 2, r"expected one prediction per label, got 2 labels and 3 predictions"),
    (np.array([0, 3]), np.array([0, 1]), 3, r"expected labels in range\(3\), got values from 0 to 3"),
    (np.array([0, 1]), np.array([-1, 1]), 3, r"expected predicted in range\(3\), got values from -1 to 1"),
    (np.array([0.0, 1.0]), np.array([0, 1]), 2, r"expected labels as a 1-D array of integer classes, got shape \(2,\) and dtype float64"),
    (np.array([[0, 1]]), np.array([0, 1]), 2, r"expected labels as a 1-D array of integer classes, got shape \(1, 2\)"),
])
def test_confusion_matrix_refuses_what_it_would_miscount(labels, predicted, classes, message):
    with pytest.raises(ValueError, match="confusion_matrix " + message):
        nl.confusion_matrix(labels, predicted, classes)
