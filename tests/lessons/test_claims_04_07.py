"""Every comparative claim in the prose of lessons 04-07, re-run and asserted.

A lesson shows one run; where its sentence depends on randomness, these tests re-run the
experiment on 5 seeds (new data, weights, batches and masks) and assert the claim on each.
Experiments are the lessons' own, at the lessons' sizes, except where a docstring says it was
shrunk. About 35 s of CPU in all, with one BLAS thread.
"""

import functools
import tracemalloc

import numpy as np
import pytest
from conftest import from_lesson

import nnlesson as nl
from nnlesson.graph import Tensor, cross_entropy

SEEDS = [0, 1, 2, 3, 4]
pytestmark = pytest.mark.usefixtures("one_blas_thread")


# -- lesson 04 ---------------------------------------------------------------------------------
def lesson04_net():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = rng.integers(0, 2, size=8)
    return X, y, nl.Sequential(nl.Linear(3, 4, rng=1), nl.ReLU(), nl.Linear(4, 2, rng=2))


def test_04_the_drawn_row_has_pre_activations_of_both_signs_and_relu_blocks_their_gradient():
    X, y, net = lesson04_net()
    W1, b1, W2, b2 = (Tensor(p.data) for p in net.parameters())
    H = Tensor(X[3:4]) @ W1.T + b1  # row 3, as in the lesson
    A = H.relu()
    cross_entropy(A @ W2.T + b2, y[3:4]).backward()
    negative = H.data[0] < 0
    assert 0 < negative.sum() < 4  # "two of its four pre-activations are negative"
    assert negative.sum() == 2
    assert np.all(H.grad[0][negative] == 0) and np.all(A.grad[0][negative] != 0)
    assert np.all(H.grad[0][~negative] == A.grad[0][~negative])


def lesson04_sized_net(seed):
    """Lesson 04's 3-4-2 ReLU network and a batch of 8, all drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
    net = nl.Sequential(nl.Linear(3, 4, rng=seed + 10), nl.ReLU(), nl.Linear(4, 2, rng=seed + 20))
    return X, y, net


@pytest.mark.parametrize("seed", SEEDS)
def test_04_a_correct_backward_gives_1e8_or_less_and_the_bias_bug_is_the_only_failure(seed):
    X, y, net = lesson04_sized_net(seed)
    loss_fn = nl.SoftmaxCrossEntropy()
    report = nl.gradcheck(net, X, loss_fn, y)
    assert report.passed and report.tol == 1e-6  # the lesson quotes the default tolerance
    assert report.max_error < 1e-8

    class ForgetfulLinear(nl.Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.b.grad = dout[0]  # the lesson's bug
            return dx

    buggy = nl.Sequential(nl.Linear(3, 4, rng=seed + 10), nl.ReLU(),
                          ForgetfulLinear(4, 2, rng=seed + 20))
    assert nl.gradcheck(buggy, X, loss_fn, y).failed == ["2.b"]


def test_04_layers_and_graph_agree_to_float64_resolution_numerical_to_about_1e10():
    X, y, net = lesson04_net()
    loss_fn = nl.SoftmaxCrossEntropy()
    params = [Tensor(p.data) for p in net.parameters()]
    W1, b1, W2, b2 = params
    cross_entropy((Tensor(X) @ W1.T + b1).relu() @ W2.T + b2, y).backward()
    loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    for p, t in zip(net.parameters(), params):
        assert nl.rel_error(p.grad, t.grad) < 1e-15
        numeric = nl.numerical_gradient(lambda _: loss_fn(net(X), y), p.data)
        assert 1e-11 < nl.rel_error(p.grad, numeric) < 1e-9  # "about 1e-10"


@pytest.mark.parametrize("seed", SEEDS)
def test_04_one_sgd_step_of_the_lessons_size_lowers_the_loss(seed):
    X, y, net = lesson04_sized_net(seed)
    loss_fn = nl.SoftmaxCrossEntropy()
    before = loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    nl.SGD(net.parameters(), lr=0.5).step()
    assert loss_fn(net(X), y) < before


# -- lesson 05 ---------------------------------------------------------------------------------
def block_net(depth, width, rng, checkpoint_every=None):
    layers = []
    for _ in range(depth):
        layers += [nl.Linear(width, width, rng=rng), nl.ReLU()]
    return nl.Sequential(*layers, checkpoint_every=checkpoint_every)


def step_peak(k, seed):
    """The peak of one training step of the lesson's checkpointing sweep (batch 256, width 128)."""
    model = block_net(16, 128, np.random.default_rng(seed), checkpoint_every=k)
    x = np.random.default_rng(seed + 100).normal(size=(256, 128))
    tracemalloc.start()
    model(x)
    model.backward(np.ones_like(x))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_05_a_predictions_peak_is_a_few_activations_at_any_depth():
    """"A prediction's peak is a few activations (3.1 printed) ... It does not grow with depth":
    under no_grad the peak stays between 2 and 4 activations at depth 4, 16 and 64."""
    x = np.random.default_rng(3).normal(size=(256, 256))
    for depth in (4, 16, 64):
        model = block_net(depth, 256, np.random.default_rng(2))
        tracemalloc.start()
        with nl.no_grad():
            model(x)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert 2 < peak / x.nbytes < 4, (depth, peak / x.nbytes)


def test_05_checkpointing_memory_claims():
    """Smallest peak near sqrt(32) (k = 8, with 4 and 6 close), about two thirds of the plain
    step (66% to 73% for k = 4, 6, 8: every peak holds the 2.1 MB of new gradients, which no k
    saves), and k = 1 needs more than no checkpointing. Memory does not depend on the seed: two
    seeds are enough to show it."""
    for seed in (7, 8):
        plain = step_peak(None, seed)
        ratio = {k: step_peak(k, seed) / plain for k in (1, 2, 4, 6, 8, 16, 32)}
        assert min(ratio, key=ratio.get) == 8
        assert all(0.6 < ratio[k] < 0.78 for k in (4, 6, 8)), ratio
        assert ratio[1] > 1.3 and ratio[32] > 1.0
        assert (32 / 8 + 8) / 32 < ratio[8]  # more than the simple count predicts


def test_05_the_best_k_of_the_simple_count_sits_at_or_below_sqrt_l_because_ties_go_to_the_smallest():
    """Exercise 3's figure: for L from 64 to 400 the best k is never above sqrt(L), often well
    below (the count is flat near its minimum: several k tie, the smallest wins)."""
    best = from_lesson("05_memory_of_backprop", "my_best_checkpoint")["my_best_checkpoint"]
    for L in range(64, 401, 4):
        k, fewest = best(L)
        tied = [j for j in range(1, L + 1) if -(-L // j) + j == fewest]
        assert k == min(tied) <= np.sqrt(L) <= max(tied), (L, tied)  # sqrt(L) inside the tie
    assert np.sqrt(260) - best(260)[0] > 3  # "well below": 13 against 16.1


@pytest.mark.parametrize("seed", SEEDS)
def test_05_checkpointed_gradients_are_identical(seed):
    r = np.random.default_rng(seed)
    x, dout = r.normal(size=(16, 32)), r.normal(size=(16, 32))
    grads = []
    for k in (None, 4):
        model = block_net(8, 32, np.random.default_rng(seed + 1), checkpoint_every=k)
        model(x)
        dx = model.backward(dout)
        grads.append([dx] + [p.grad.copy() for p in model.parameters()])
    assert all(np.array_equal(a, b) for a, b in zip(*grads))


# -- lesson 06 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_06_a_linear_layer_commutes_with_the_mean_over_masks_a_relu_does_not(seed):
    h4, W = np.ones((1, 4)), np.array([[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0]])
    layer = nl.Dropout(p=0.5, rng=seed)
    z = np.concatenate([layer(np.repeat(h4, 10_000, axis=0)) @ W.T for _ in range(10)])
    np.testing.assert_allclose(z.mean(axis=0), (h4 @ W.T)[0], atol=0.05)
    relu_mean = nl.relu(z).mean(axis=0)
    assert abs(relu_mean[0] - 4) < 0.05  # unit 1: positive whatever the mask
    assert 0.65 < relu_mean[1] < 0.85  # unit 2: eval gives 0; exactly 0.75 in expectation


@functools.cache
def lesson06():
    """The lesson's own network and Monte-Carlo functions, so that the tests follow its sizes."""
    return from_lesson("06_dropout", "moons_net", "curve_regressor", "mc_dropout")


@functools.cache
def moons_runs(seed):
    """The lesson's experiment (seed 0 is the lesson's run), once per seed for the tests below:
    for p = 0 and 0.5, ``(training losses, {epoch: validation loss}, final validation accuracy,
    final training loss in eval mode)``. Its network is the lesson's ``moons_net``; the data and
    the training (150 epochs, lr 0.04) are those of the lesson's ``final_models``.

    Shrunk for speed: the same training, but the validation loss is measured at every epoch up to
    50 and every 10th after (the lesson measures every epoch); the training itself is identical,
    since measuring in eval mode draws no random numbers."""
    X, y = nl.make_moons(1060, noise=0.35, rng=seed)
    (X_train, y_train), (X_val, y_val) = (X[:60], y[:60]), (X[60:], y[60:])
    loss_fn = nl.SoftmaxCrossEntropy()
    runs = {}
    for p in (0.0, 0.5):
        val_loss = {}

        def measure(epoch, model, val_loss=val_loss):
            if epoch <= 50 or epoch % 10 == 0:
                val_loss[epoch] = loss_fn(model(X_val), y_val)

        net = lesson06()["moons_net"](p, np.random.default_rng(seed + 1))
        history = nl.fit(net, loss_fn, nl.SGD(net.parameters(), lr=0.04, momentum=0.9),
                         (X_train, y_train), epochs=150, batch_size=20, rng=seed + 2,
                         callback=measure)
        # fit leaves the model in eval mode: every unit on
        runs[p] = (history.train_loss, val_loss, nl.accuracy(net(X_val), y_val),
                   loss_fn(net(X_train), y_train))
    return runs


@pytest.mark.parametrize("seed", SEEDS)
def test_06_dropout_ends_with_a_lower_validation_loss_on_every_seed(seed):
    """Without dropout the validation loss rises after its minimum while the training loss keeps
    falling; with dropout the training loss stays higher (also with every unit on) and the final
    validation loss is lower."""
    runs = moons_runs(seed)
    (plain_train, plain_val, _, plain_eval_train), (drop_train, drop_val, _, drop_eval_train) = \
        runs[0.0], runs[0.5]
    best_epoch = min(plain_val, key=plain_val.get)
    assert plain_val[150] > min(plain_val.values()) + 0.15  # it rises
    assert best_epoch < 50  # "early", in the first third of the 150 epochs
    assert plain_train[-1] < plain_train[best_epoch - 1]  # while the training loss falls on
    assert drop_train[-1] > plain_train[-1]
    # the plotted training loss with dropout is that of random sub-networks; the full network
    # (eval mode) still fits the training points less closely than the one without dropout
    assert drop_eval_train > plain_eval_train
    assert drop_val[150] < plain_val[150]
    # the rise with dropout is smaller than without
    assert drop_val[150] - min(drop_val.values()) < plain_val[150] - min(plain_val.values())


def test_06_dropout_wins_on_validation_accuracy_on_4_seeds_of_5_by_less_than_5_points():
    """The lesson: "dropout was better on 4 seeds and worse on 1, by under 5 points each" (so it
    claims nothing about it)."""
    gains = [moons_runs(seed)[0.5][2] - moons_runs(seed)[0.0][2] for seed in SEEDS]
    assert (sum(g > 0 for g in gains), sum(g < 0 for g in gains)) == (4, 1), gains
    assert max(abs(g) for g in gains) < 0.05, gains


def mc_band(seed):
    """The lesson's Monte-Carlo dropout regressor and band (seed 3 is the lesson's run)."""
    model, _, _ = lesson06()["curve_regressor"](seed)
    x = np.linspace(-6, 6, 241)[:, None]
    eval_prediction = model(x)[:, 0]
    mean, std = lesson06()["mc_dropout"](model, x)  # 300 passes, and back to eval mode
    inside = np.abs(x[:, 0]) <= 2.5
    missed = np.abs(nl.curve(x[:, 0]) - mean) > 2 * std
    return inside, std, missed, np.abs(eval_prediction - mean)


def test_06_mc_band_is_wider_away_from_the_data_but_not_calibrated():
    """The lesson's 5 seeds (3, 13, ..., 43): the band is wider outside the data on every seed;
    how often it misses the true curve outside the data varies widely between seeds (so it is no
    calibrated interval; pooled, it misses too often outside the data and too rarely inside);
    eval mode differs from the Monte-Carlo mean on the data, on some seeds by more than the
    band's own std."""
    missed_inside, missed_outside, gap_above_std = [], [], []
    for seed in (3, 13, 23, 33, 43):
        inside, std, missed, gap = mc_band(seed)
        assert std[~inside].mean() > 1.5 * std[inside].mean()
        missed_inside.append(missed[inside].mean())
        missed_outside.append(missed[~inside].mean())
        assert gap[inside].max() > 0.02  # "not zero"
        gap_above_std.append(gap[inside].max() > std[inside].mean())
    assert max(missed_outside) - min(missed_outside) > 0.3
    # pooled: far more than a calibrated 95% band's 5% outside the data, fewer inside it
    assert np.mean(missed_outside) > 0.2 and np.mean(missed_inside) < 0.05
    # in the data it never misses on any of the 5 seeds (review r2-05-08, c30)
    assert all(m == 0 for m in missed_inside), missed_inside
    assert sum(gap_above_std) == 1  # "on one seed of the five it exceeds the band's average std"


# == issue 28: new claims of lessons 04-06 (forks, the derived linear backward, memory of the
# optimizer, dropout's placement); lesson 07's claims follow in their own section =============
@pytest.mark.parametrize("seed", SEEDS)
def test_04_at_a_fork_the_two_paths_add_and_either_alone_is_wrong(seed):
    u = float(np.random.default_rng(seed).normal(0, 2))
    s = nl.sigmoid(u)
    direct, through = s, u * s * (1 - s)
    u_ = Tensor(u)
    loss = u_ * u_.sigmoid()
    loss.backward()
    numeric = ((u + 1e-6) * nl.sigmoid(u + 1e-6) - (u - 1e-6) * nl.sigmoid(u - 1e-6)) / 2e-6
    assert abs(float(u_.grad) - (direct + through)) < 1e-12
    assert abs(numeric - (direct + through)) < 1e-8
    assert min(abs(numeric - direct), abs(numeric - through)) > 1e-3 or abs(u) < 1e-3


@pytest.mark.parametrize("seed", SEEDS)
def test_04_the_linear_backward_entry_sums_are_the_matrix_formulas(seed):
    r = np.random.default_rng(seed)
    X, W, b, dY = r.normal(size=(5, 3)), r.normal(size=(4, 3)), r.normal(size=4), r.normal(size=(5, 4))
    dW = np.array([[sum(dY[i, j] * X[i, k] for i in range(5)) for k in range(3)] for j in range(4)])
    dX = np.array([[sum(dY[i, j] * W[j, k] for j in range(4)) for k in range(3)] for i in range(5)])
    layer = nl.Linear(3, 4, rng=0)
    layer.W.data[...], layer.b.data[...] = W, b
    layer(X)
    np.testing.assert_allclose(layer.backward(dY), dX, rtol=1e-12)
    np.testing.assert_allclose(layer.W.grad, dW, rtol=1e-12)
    np.testing.assert_allclose(layer.b.grad, dY.sum(axis=0), rtol=1e-12)


def cross_entropy_gradients(net, X, y):
    """The parameter gradients of the mean cross-entropy of net's first 10 outputs (lesson 05)."""
    loss_fn, scores = nl.SoftmaxCrossEntropy(), net(X)
    loss_fn(scores[:, :10], y)
    dscores = np.zeros_like(scores)
    dscores[:, :10] = loss_fn.backward()
    net.backward(dscores)
    return [p.grad.copy() for p in net.parameters()]


@pytest.mark.parametrize("seed", SEEDS)
def test_05_gradients_and_momentum_each_hold_as_much_as_the_weights(seed):
    r = np.random.default_rng(seed)
    net, x = block_net(16, 256, r), r.normal(size=(256, 256))
    grads = cross_entropy_gradients(net, x, np.arange(256) % 10)
    optimizer = nl.SGD(net.parameters(), lr=0.01, momentum=0.9)
    optimizer.step()
    weights = sum(p.data.nbytes for p in net.parameters())
    assert sum(g.nbytes for g in grads) == weights == sum(v.nbytes for v in optimizer.velocity)
    assert 8e6 < weights < 10e6 and 8e6 < net.cache_nbytes() < 10e6  # "each between 8 and 10 MB"


@pytest.mark.parametrize("seed", SEEDS)
def test_05_two_accumulated_halves_give_the_whole_batchs_gradient(seed):
    r = np.random.default_rng(seed)
    net, x, y = block_net(4, 64, r), r.normal(size=(32, 64)), r.integers(0, 10, size=32)
    whole = cross_entropy_gradients(net, x, y)
    halves = [cross_entropy_gradients(net, x[:16], y[:16]),
              cross_entropy_gradients(net, x[16:], y[16:])]
    for w, a, b in zip(whole, *halves):
        np.testing.assert_allclose((a + b) / 2, w, rtol=1e-10, atol=1e-14)


# -- lesson 07 ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return digits_split()


@functools.cache
def digits_split():
    X, y = nl.load_digits()
    (X_rest, y_rest), (X_test, y_test) = nl.train_val_split(X, y, val_fraction=0.25, rng=0)
    (X_train, y_train), (X_val, y_val) = nl.train_val_split(X_rest, y_rest, val_fraction=0.2,
                                                            rng=1)
    return X_train, y_train, X_val, y_val, X_test, y_test


EPOCHS_07 = 60  # the length of the lesson's runs


def digits_net(seed):
    """The lesson's network (seed 0 is the lesson's digits_net(4))."""
    rng = np.random.default_rng(seed + 4)
    return nl.Sequential(nl.Linear(64, 256, rng=rng), nl.ReLU(), nl.Linear(256, 256, rng=rng),
                         nl.ReLU(), nl.Linear(256, 10, rng=rng))


def weight_size(model):
    return np.sqrt(sum(np.sum(p.data ** 2) for p in model.parameters()))


@functools.cache  # two tests read each seed's run: it trains once (the file stays on one worker)
def noisy_run(seed):
    """The lesson's 60-epoch run on 40% wrong labels (seed 0 is the lesson's run)."""
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split()
    y_train_noisy = nl.add_label_noise(y_train, 0.4, rng=seed + 2)
    y_val_noisy = nl.add_label_noise(y_val, 0.4, rng=seed + 3)
    noisy = y_train_noisy != y_train
    curves = {"clean": [], "noisy": [], "noisy_true": [], "test": [], "size": []}

    def measure(epoch, model):
        predicted = np.argmax(model(X_train), axis=1)
        curves["clean"].append(np.mean(predicted[~noisy] == y_train[~noisy]))
        curves["noisy"].append(np.mean(predicted[noisy] == y_train_noisy[noisy]))
        curves["noisy_true"].append(np.mean(predicted[noisy] == y_train[noisy]))
        curves["test"].append(nl.accuracy(model(X_test), y_test))
        curves["size"].append(weight_size(model))  # the lesson's ||theta||

    model = digits_net(seed)
    history = nl.fit(model, nl.SoftmaxCrossEntropy(),
                     nl.SGD(model.parameters(), lr=0.05, momentum=0.9),
                     (X_train, y_train_noisy), (X_val, y_val_noisy), epochs=EPOCHS_07,
                     batch_size=32, rng=seed + 5, callback=measure)
    return history, {k: np.array(v) for k, v in curves.items()}


@pytest.mark.parametrize("seed", SEEDS)
def test_07_clean_labels_first_wrong_labels_later_and_early_stopping_keeps_the_true_digits(
        seed):
    history, curves = noisy_run(seed)
    i = history.best_epoch - 1  # chosen by the validation loss, as in the lesson
    # at the validation-chosen epoch: most clean labels fitted, few wrong ones memorised, and the
    # true digit predicted for most wrongly labelled images
    assert curves["clean"][i] > 0.85
    assert curves["noisy"][i] < 0.2
    assert curves["noisy_true"][i] > 0.7
    # later the clean labels are all fitted, the wrong labels are memorised and the test accuracy
    # falls
    assert curves["clean"][-1] > 0.99
    assert curves["noisy"][-1] > 0.9 and curves["noisy_true"][-1] < 0.1
    # the training loss goes to about 0 while the validation loss ends far above where it started
    # (History.train_loss, the running mean of the last epoch; seen 0.005 to 0.024 after 60 epochs)
    assert history.train_loss[-1] < 0.03
    assert history.val_loss[-1] > 2 * history.val_loss[0]
    assert curves["test"][-1] < curves["test"][i] - 0.1
    assert curves["test"][i] - curves["test"][-1] < 0.3  # "about a fifth of the test set"
    # the patience rule (patience 10, min_delta 0.001) stops patience epochs after its best
    # epoch, long before the last, and that best epoch is within a few of the lowest loss
    stopped, best = nl.EarlyStopping(10, 0.001).replay(history.val_loss)
    assert stopped == best + 10 and stopped < 40
    assert curves["test"][best - 1] > curves["test"][-1] + 0.1
    # the restored model "mostly predicts the true digit, rarely the wrong label"
    assert curves["noisy_true"][best - 1] > 0.7 and curves["noisy"][best - 1] < 0.2
    # the validation choice comes close to the oracle (the best test accuracy)
    assert curves["test"].max() - curves["test"][i] < 0.05


def test_07_the_lowest_validation_loss_falls_on_an_early_epoch_that_changes_with_the_seed():
    """The lesson (review r9): after the fall, epochs 2 to 8 move by about as much from one epoch
    to the next as over all of them, so which is lowest "is partly luck: on the 5 seeds of the
    course's claims tests the lowest validation loss comes at epoch 2, 3 or 6" (seen: 6, 3, 3, 2,
    2; one-epoch moves 0.04 to 0.14 against ranges of 0.09 to 0.26)."""
    best_epochs = []
    for seed in SEEDS:
        history, _ = noisy_run(seed)
        early = np.array(history.val_loss[1:8])  # epochs 2 to 8
        assert np.abs(np.diff(early)).max() > 0.3 * np.ptp(early)
        best_epochs.append(history.best_epoch)
    assert set(best_epochs) <= {2, 3, 4, 5, 6} and len(set(best_epochs)) >= 3, best_epochs


@pytest.mark.parametrize("seed", SEEDS)
def test_07_with_clean_labels_training_too_long_costs_little(digits, seed):
    X_train, y_train, X_val, y_val, X_test, y_test = digits
    model = digits_net(seed)
    test = []
    history = nl.fit(model, nl.SoftmaxCrossEntropy(),
                     nl.SGD(model.parameters(), lr=0.05, momentum=0.9),
                     (X_train, y_train), (X_val, y_val), epochs=EPOCHS_07, batch_size=32,
                     rng=seed + 5,
                     callback=lambda epoch, m: test.append(nl.accuracy(m(X_test), y_test)))
    assert max(history.val_accuracy) - history.val_accuracy[-1] < 0.02
    # like with like, as the noisy run: the test accuracy at the epoch of lowest validation loss
    # against the last epoch moves by "a couple of test images", while the noisy
    # run loses about a fifth of the test set (asserted in the test above: more than 0.1)
    assert abs(test[-1] - test[history.best_epoch - 1]) < 0.01


# -- lesson 07, issue 28: the dip and recovery of the test accuracy, and weight decay ------------
# (a separate block: the runs above are re-used through noisy_run; weight decay is a new run)
@pytest.mark.parametrize("seed", SEEDS)
def test_07_test_accuracy_dips_then_partly_recovers_and_weight_decay_slows_memorising(
        digits, seed):
    history, curves = noisy_run(seed)
    i = history.best_epoch - 1
    low = int(np.argmin(curves["test"]))
    # "falls ... to its lowest, then partly recovers": the low point lies after the validation
    # choice, well below both it and the last epoch (seen: 58.6% at epoch 26, 70.8% at 60)
    assert i < low < EPOCHS_07 - 1
    assert curves["test"][low] < curves["test"][-1] - 0.03 < curves["test"][i] - 0.1
    # memorising the wrong labels costs some clean ones for a while, before both reach 100%: while
    # 30% to 90% of the wrong labels are memorised, the clean fit falls below its level at the
    # validation choice (seen: 96% at epoch 6, 88% at epoch 26; on 5 seeds 3.5 to 8 points lower)
    memorising = (curves["noisy"] > 0.3) & (curves["noisy"] < 0.9)
    assert curves["clean"][memorising].min() < curves["clean"][i] - 0.03
    assert curves["clean"][-1] > 0.99 and curves["noisy"][-1] > 0.9
    X_train, y_train, X_val, y_val, X_test, y_test = digits
    y_train_noisy = nl.add_label_noise(y_train, 0.4, rng=seed + 2)
    y_val_noisy = nl.add_label_noise(y_val, 0.4, rng=seed + 3)
    noisy = y_train_noisy != y_train
    # weight decay 0.01, 60 epochs: fewer wrong labels memorised, higher test accuracy than
    # without (whether above or below the early-stopped model's depends on the epoch and the
    # seed: the lesson says its jagged curve does not tell)
    model, test_curve_wd = digits_net(seed), []
    nl.fit(model, nl.SoftmaxCrossEntropy(),
           nl.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01),
           (X_train, y_train_noisy), (X_val, y_val_noisy), epochs=EPOCHS_07, batch_size=32,
           rng=seed + 5,
           callback=lambda epoch, m: test_curve_wd.append(nl.accuracy(m(X_test), y_test)))
    # the figure's title: with weight decay the lowest test accuracy stays far above the lowest of
    # the run without (seen on 5 seeds: 8.5 to 15.6 points above); the prose reads both curves
    # from epoch 10 on, after the first epochs of learning the digits, and says the same there
    assert min(test_curve_wd) > curves["test"].min() + 0.05
    assert min(test_curve_wd[9:]) > curves["test"][9:].min() + 0.05
    memorised = np.mean(np.argmax(model(X_train[noisy]), axis=1) == y_train_noisy[noisy])
    test_wd = nl.accuracy(model(X_test), y_test)
    assert memorised < 0.5 and memorised < curves["noisy"][-1] - 0.4  # "far fewer"
    assert test_wd > curves["test"][-1] + 0.1
    _, best = nl.EarlyStopping(10, 0.001).replay(history.val_loss)
    # the sizes ||theta|| (seen 32.3 at the start, 33.4 early-stopped, 51.6 after 60 epochs, 7.1
    # with weight decay): memorising grew the weights by more than half, the early-stopped model
    # "barely moved" from its start, weight decay shrank them far below it
    start = weight_size(digits_net(seed))
    assert curves["size"][-1] > 1.5 * start
    assert abs(curves["size"][best - 1] - start) < 0.1 * start
    assert weight_size(model) < 0.5 * start
