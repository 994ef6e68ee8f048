"""What lessons 8-10 say about their experiments holds, on 5 seeds, and they show their figures.

Each lesson's source (the paired .py) runs once per test session with a non-interactive backend
(``lesson_run`` in tests/conftest.py, the run tests/lessons/test_figures.py looks at); the tests
then read the numbers its prose relies on from the lesson's own variables, so a change to
the lesson that breaks a claim fails here, not silently in a stored output.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlesson.viz import figlint  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.mark.parametrize("lesson, count", [("08_initialization", 5), ("09_batch_normalization", 6),
                                           ("10_capstone_digits", 8)])
def test_the_lesson_shows_the_figures_its_prose_describes(lesson, count, lesson_run):
    # each one readable: tests/lessons/test_figures.py checks that on the same run
    assert len(lesson_run(lesson).shown) == count


@pytest.fixture(scope="module")
def lesson09(lesson_run):
    return lesson_run("09_batch_normalization").namespace


def test_09_batchnorm_reaches_a_lower_loss_on_every_seed(lesson09):
    ns = lesson09
    final, rates, seeds = ns["final_losses"], ns["LEARNING_RATES"], list(ns["SEEDS"])
    assert len(seeds) >= 5
    best_with = np.min([final(True, lr) for lr in rates], axis=0)  # per seed, over learning rates
    best_without = np.min([final(False, lr) for lr in rates], axis=0)
    assert np.all(best_with < best_without)
    # "at its best learning rate ... than the network without at its own", and even the worst
    # seed with BatchNorm beats the best seed without, at their best learning rates
    b_with, b_without = ns["best_lr"](True), ns["best_lr"](False)
    assert final(True, b_with).max() < final(False, b_without).min()
    # "its seeds agree more closely"
    assert np.ptp(final(True, b_with)) < np.ptp(final(False, b_without))


def test_09_batchnorm_wins_on_other_splits_too(lesson09):
    # the lesson's split is one draw: move it with the seed, and compare each network at the
    # learning rates where the table shows its best (0.03 and 0.1 without, 0.1 and 0.3 with)
    ns = lesson09
    nl = ns["nl"]
    for seed in range(5):
        (X_train, y_train), _ = nl.train_val_split(ns["X"], ns["y"], val_fraction=0.3,
                                                   rng=50 + seed)
        data = (X_train[:600], y_train[:600])
        best = {bn: min(ns["train"](bn, lr, seed, data=data)[1].train_loss[-1] for lr in lrs)
                for bn, lrs in [(False, (0.03, 0.1)), (True, (0.1, 0.3))]}
        assert best[True] < best[False], (seed, best)


def test_09_batchnorm_tolerates_larger_learning_rates(lesson09):
    ns = lesson09
    final, chance = ns["final_losses"], ns["CHANCE"]
    assert ns["best_lr"](True) > ns["best_lr"](False)
    assert max(ns["tolerated"](True)) > max(ns["tolerated"](False), default=0)
    # at lr = 1 the plain network stalls at chance or diverges on every seed; BatchNorm trains
    assert np.all(final(False, 1.0) >= chance - 0.01)
    assert np.all(final(True, 1.0) < 1.0)
    assert np.all(np.isinf(final(False, 3.0))) and np.all(np.isfinite(final(True, 3.0)))
    # the table's counts, which the Think! answer reads: runs at lr 3 (with) and 0.3 (without)
    # amplify round-off (the next test), so each must sit well inside its range, not only on this
    # CPU's round-off
    assert np.all((final(True, 3.0) > 1.1) & (final(True, 3.0) < chance - 0.15))
    assert np.all(final(False, 0.3) > 1.1)
    assert [np.sum(final(False, lr) < 1.0) for lr in (0.03, 0.1, 0.3)] == [1, 2, 0]
    # the plain network's best learning rate lies inside the grid, not at its edge: at the
    # smallest, 0.01, every seed ends above 1.0 (the Think! answer)
    assert min(ns["LEARNING_RATES"]) < ns["best_lr"](False) < max(ns["LEARNING_RATES"])
    assert np.all(final(False, 0.01) > 1.0)
    assert np.sum(np.isinf(final(False, 1.0))) == 2


def nudged_run(ns, seed, nudge, *, lr, data, epochs, batch_size):
    """The final training loss of lesson 9's BatchNorm network, trained as the lesson's ``train``
    trains it, after one initial weight is multiplied by ``1 + nudge``."""
    nl = ns["nl"]
    model = ns["deep_net"](True, seed)
    model.parameters()[0].data[0, 27] *= 1 + nudge  # a central pixel
    history = nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=lr), data,
                     epochs=epochs, batch_size=batch_size, rng=100 + seed)
    return history.train_loss[-1]


def test_09_chaos_a_last_bit_change_grows_at_large_learning_rates_only(lesson09):
    # "a difference in the last bit of one product grows, step after step, into a different run":
    # moving one initial weight by a relative 1e-15 (its last few bits) leaves the final loss of a
    # run at lr 0.1 the same to round-off, and grows by many orders of magnitude at lr 3 with
    # BatchNorm (seen after 7 epochs: 1e-8 to 2e-4 on seeds 0-4, depending on the seed and the
    # BLAS code path; after 10 epochs, between CPUs, the same runs differed by up to 0.12).
    # The runs without the nudge are the lesson's own.
    data, runs = (lesson09["X_train"], lesson09["y_train"]), lesson09["runs"]
    for seed in range(3):
        finals = {(lr, nudge): nudged_run(lesson09, seed, nudge, lr=lr, data=data,
                                          epochs=lesson09["EPOCHS"], batch_size=32)
                  for lr in (0.1, 3.0) for nudge in (1e-15,)}
        finals.update({(lr, 0.0): runs[True, lr, seed][1].train_loss[-1] for lr in (0.1, 3.0)})
        assert abs(finals[0.1, 0.0] - finals[0.1, 1e-15]) < 1e-12, (seed, finals)
        assert abs(finals[3.0, 0.0] - finals[3.0, 1e-15]) > 1e-9, (seed, finals)


def test_09_chaos_with_batches_of_two(lesson09):
    # the lesson's printed bands: "with batches of 2 ... moves the final loss by more than 0.001 on
    # every seed; with batches of 32 the loss stays the same to round-off" (seen: 0.020, 0.005,
    # 0.027 on seeds 0-2; chaotic, so the upper bound leaves room for another CPU)
    moves = lesson09["nudge_moves"]
    assert len(moves[2]) == 3
    # the lesson compares each nudged run with the batch-size table's run of the same seed: that
    # is the run it would get with no nudge, to the last bit
    assert lesson09["nudged_final_loss"](0, 32, 0.0) == lesson09["results"][True, 32][0, 1]
    assert np.all((moves[2] > 1e-3) & (moves[2] < 0.06)), moves
    assert np.all(moves[32] < 1e-12), moves


def test_09_a_batch_of_two_passes_back_almost_no_gradient(lesson09):
    # r9, c30: "x_hat = d / sqrt(d^2 + eps) ... its slope, eps / (d^2 + eps)^(3/2), is below 0.01
    # once |d| > 0.1": nl.BatchNorm's own backward on batches of two, for d from tiny to large
    nl = lesson09["nl"]
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=(2, 5)) * [0.003, 0.05, 0.2, 1.0, 3.0]
        bn = nl.BatchNorm(5)
        bn(x)
        dx = bn.backward(np.array([[1.0] * 5, [-1.0] * 5]))  # dL/dy: +1 and -1, (g1 - g2) / 2 = 1
        d = (x[0] - x[1]) / 2
        np.testing.assert_allclose(dx[0], bn.eps / (d ** 2 + bn.eps) ** 1.5, rtol=1e-6)
        np.testing.assert_allclose(dx[1], -dx[0], rtol=1e-6)
        assert np.all(dx[0][np.abs(d) > 0.1] < 0.01), (d, dx)


def test_09_the_table_bins_a_loss_by_its_range(lesson09):
    # "chance" is a window around ln 10, not everything above 2.25
    outcome, chance = lesson09["outcome"], lesson09["CHANCE"]
    assert [outcome(x) for x in (0.5, 1.5, chance - 0.04, chance + 0.04, 3.0, np.inf)] == \
        ["<1.0", "1.0-2.25", "chance", "chance", ">chance", "diverged"]


def test_09_curves_at_the_shared_learning_rate(lesson09):
    ns = lesson09
    runs, lr = ns["runs"], ns["LR_CURVES"]
    for seed in ns["SEEDS"]:
        with_bn, without = runs[True, lr, seed][1].train_loss, runs[False, lr, seed][1].train_loss
        assert with_bn[-1] < without[-1]


def test_09_batch_size_claims(lesson09):
    ns = lesson09
    acc = ns["val_accuracy"]
    assert all(len(v) >= 5 for v in acc.values())
    for b in (16, 32):
        assert np.all(acc[True, b] > acc[False, b]), b  # "ahead on every seed" with 16 and 32
    # chance level with batches of 2: these runs are chaotic (their exact accuracies differ from
    # CPU to CPU), so the table's "below 25%" must hold with room to spare, and the median be
    # near the 10% of guessing
    assert np.all(acc[True, 2] < 0.2) and np.median(acc[True, 2]) < 0.15
    assert np.all(acc[False, 2] > 0.2)  # while the plain network learns something
    # "even in training mode ... the training loss stays at about ln 10" (seen 2.23 to 2.35),
    # while the plain network's falls below it on every seed
    losses = ns["results"]
    assert np.all(np.abs(losses[True, 2][:, 1] - np.log(10)) < 0.2)
    assert np.all(losses[False, 2][:, 1] < losses[True, 2][:, 1].min())
    # every other cell is printed with its numbers: none may fall under the "chance level" rule
    assert all(acc[bn, b].max() >= 0.25 for bn in (False, True) for b in ns["BATCH_SIZES"]
               if (bn, b) != (True, 2))


def test_09_scale_invariance(lesson09):
    ns = lesson09
    # "the output does not change when the weights before it are multiplied by a positive number,
    # and their gradient shrinks by that number": for several scales, not only the lesson's 10
    nl = ns["nl"]
    rng = np.random.default_rng(3)
    batch, dout = rng.standard_normal((16, 3)), rng.standard_normal((16, 4))
    outputs, grads = [], []
    for scale in [1.0, 10.0, 100.0]:  # (eps breaks the invariance for tiny weights)
        linear, norm = nl.Linear(3, 4, rng=4), nl.BatchNorm(4)
        linear.W.data *= scale
        outputs.append(norm(linear(batch)))
        linear.backward(norm.backward(dout))
        grads.append(linear.W.grad.copy() * scale)
    for out, grad in zip(outputs[1:], grads[1:]):
        np.testing.assert_allclose(out, outputs[0], atol=1e-3)
        np.testing.assert_allclose(grad, grads[0], rtol=1e-3, atol=1e-6)


# -- lesson 08 ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lesson08(lesson_run):
    return lesson_run("08_initialization").namespace


def test_08_a_constant_start_keeps_the_units_identical_on_every_seed(lesson08):
    ns = lesson08
    X, y = ns["X"], ns["y"]
    assert len(ns["SEEDS"]) >= 5
    for seed in ns["SEEDS"]:
        trace = ns["symmetric"][seed][1]  # (epochs, units, inputs)
        assert np.all(trace == trace[:, :1, :])  # every epoch, every unit equal to unit 1
        random_trace = ns["random_init"][seed][1]
        assert np.ptp(random_trace[-1], axis=0).max() > 0.5
        # "the network fits the moons worse": on every seed
        acc_constant = np.mean(np.argmax(ns["symmetric"][seed][0](X), axis=1) == y)
        acc_random = np.mean(np.argmax(ns["random_init"][seed][0](X), axis=1) == y)
        assert acc_constant < acc_random


def test_08_a_constant_start_fits_worse_on_other_moons_too(lesson08):
    # the lesson's moons are one draw: the claim must not depend on it (data moved with the seed)
    ns = lesson08
    nl, saved = ns["nl"], (ns["X"], ns["y"])
    try:
        for data_seed in range(100, 105):
            ns["X"], ns["y"] = nl.make_moons(300, noise=0.15, rng=data_seed)
            acc = {}
            for constant in (True, False):
                runs = [ns["train_moons"](constant, seed) for seed in ns["SEEDS"]]
                acc[constant] = np.array([nl.accuracy(net(ns["X"]), ns["y"]) for net, _ in runs])
                if constant:
                    assert all(np.all(trace == trace[:, :1, :]) for _, trace in runs)
            # a random start can get stuck where the constant one is (seen: 88.7% for both on
            # one run), but it never does worse, and its median is clearly better
            assert np.all(acc[True] <= acc[False]), (data_seed, acc)
            assert np.median(acc[False]) > np.median(acc[True]) + 0.05, (data_seed, acc)
    finally:
        ns["X"], ns["y"] = saved


def test_08_variance_grows_geometrically_as_predicted(lesson08):
    ns = lesson08
    measured, depth = ns["measured"], ns["depth"]
    for gain, stds in measured.items():
        predicted = gain ** (depth / 2)
        assert 0.5 < stds[-1] / predicted < 2, (gain, stds[-1], predicted)
    assert measured[0.8][-1] < 0.1 and measured[1.2][-1] > 5 and 0.5 < measured[1.0][-1] < 2


def test_08_a_single_run_lies_on_average_slightly_below_the_prediction(lesson08):
    # review r9, c14: "the prediction is for the average of the variance ..., so a single run's std
    # lies on average slightly below it (the average of square roots is below the square root of
    # the average), by far less than the runs scatter". On 100 other seeds (seen: root mean square
    # 1.01, mean 1.00, scatter of the log 0.14). The gap (about 1%) is smaller than what 100 seeds
    # can resolve against the prediction itself (seeds 1100-1199: mean square 0.92), so the test
    # compares the mean std with the sample's own root mean square, which the prediction matches
    width, depth = 100, lesson08["depth"]

    def ratio(seed):
        r = np.random.default_rng(seed)
        h = r.standard_normal((500, width))
        for _ in range(depth):
            h = h @ r.normal(0.0, np.sqrt(1.0 / width), size=(width, width)).T
        return h.std()

    ratios = np.array([ratio(seed) for seed in range(1000, 1100)])
    root_mean_square = np.sqrt(np.mean(ratios ** 2))
    assert abs(root_mean_square - 1) < 0.1  # the prediction holds for the average variance
    below = root_mean_square - np.mean(ratios)
    assert 0.002 < below < np.std(np.log(ratios)) / 4  # slightly below, far less than the scatter


def test_08_the_scatter_around_the_prediction_grows_with_depth_and_shrinks_with_width(lesson08):
    # review r2-05-08, c14: measured, not only stated; 5 groups of 10 other seeds (seen: depth 10
    # 5-6%, depth 30 12-20%; width 50 27-38%, width 200 6-12%)
    scatter = lesson08["ratio_scatter"]
    for first in range(100, 150, 10):
        seeds = range(first, first + 10)
        deeper = scatter(100, 30, seeds)
        assert scatter(100, 10, seeds) < deeper / 1.5, first
        assert scatter(200, 30, seeds) < deeper < scatter(50, 30, seeds), first


def test_08_each_rule_for_its_activation(lesson08):
    ns = lesson08
    stats = ns["layer_statistics"]
    for seed in range(5):
        he = [a.std() for a in stats("ReLU", np.sqrt(2), depth=10, seed=seed)[0]]
        glorot = [a.std() for a in stats("ReLU", 1.0, depth=10, seed=seed)[0]]
        assert 0.5 < he[-1] / he[0] < 2  # He keeps ReLU's signal
        assert glorot[-1] / glorot[0] < 0.1  # Glorot loses ~sqrt(2) per layer: 2^(-4.5) = 0.044
        # "tanh shrinks its signal slowly even with Glorot's rule ... with He's larger weights the
        # tanh signal stays larger"
        tanh_glorot = [a.std() for a in stats("tanh", 1.0, depth=10, seed=seed)[0]]
        tanh_he = [a.std() for a in stats("tanh", np.sqrt(2), depth=10, seed=seed)[0]]
        assert np.all(np.diff(tanh_glorot) < 0) and tanh_glorot[-1] > 0.1
        assert np.all(np.array(tanh_he) > np.array(tanh_glorot))
        # the title (r7): "tanh shrinks under Glorot, settles near 0.55 under He": from layer 5 to
        # 10 Glorot's loses a third (seen 0.65-0.72), He's stays within 10% (0.93-1.01)
        assert tanh_glorot[9] / tanh_glorot[4] < 0.8
        assert abs(tanh_he[9] / tanh_he[4] - 1) < 0.1 and 0.5 < tanh_he[9] < 0.6


def test_08_gradient_table_claims_on_every_seed(lesson08):
    ns = lesson08
    g = {key: value[:, 0] for key, value in ns["gradients"].items()}  # layer 1, one per seed
    assert all(len(v) >= 5 for v in g.values())
    for scale in ns["SCALES"]:
        assert np.all(g["sigmoid", scale] < 1e-6)  # lost at every scale
        # "every median lies below" the mean-square estimate (scale/4)^19: on every seed, not only
        # the median (r10: an estimate, not a strict bound, so this is measured, not implied)
        assert np.all(g["sigmoid", scale] < (scale / 4) ** (ns["DEPTH"] - 1)), scale
        # teacher note: "the ratio of the medians is 2.3, and the same at every scale" (seen: 2.3),
        # and on every seed about twice (seen: 2.0 to 2.8)
        ratio = g["pReLU", scale] / g["ReLU", scale]
        assert 2.1 < np.median(g["pReLU", scale]) / np.median(g["ReLU", scale]) < 2.5, scale
        assert np.all((1.8 < ratio) & (ratio < 3.2)), (scale, ratio)
    assert np.all((g["tanh", 1.0] > 0.1) & (g["tanh", 1.0] < 10))
    assert np.all((g["tanh", np.sqrt(2)] > 0.1) & (g["tanh", np.sqrt(2)] < 10))
    assert np.all(g["tanh", 0.5] < 1e-3) and np.all(g["tanh", 2.0] > 5)
    assert np.all((g["ReLU", np.sqrt(2)] > 0.1) & (g["ReLU", np.sqrt(2)] < 10))
    np.testing.assert_allclose(np.median(g["ReLU", 1.0]), 2 ** (-19 / 2), rtol=0.5)
    assert np.all(g["ReLU", 2.0] > 100)
    # teacher note after exercise 2 (r7): "at scale sqrt 2 pReLU's median (1.7) lies close to its
    # mean-square prediction 1.78, while ReLU's (0.74) falls below its prediction of 1"
    he = np.sqrt(2)
    assert abs(np.median(g["pReLU", he]) / 1.0625 ** (19 / 2) - 1) < 0.1
    assert np.median(g["ReLU", he]) < 0.85
    assert np.median(g["ReLU", he]) < np.median(g["pReLU", he]) / 1.0625 ** (19 / 2) - 0.1


def test_08_the_prelu_relu_ratio_is_one_measurement_and_our_seeds_lie_high(lesson08):
    # r8: "the four ratios printed per scale are one measurement ... scaling every weight by s
    # scales the gradient at layer 1 by s^19 for both", on every seed, to round-off
    ns = lesson08
    grads = ns["gradients"]
    for activation in ("ReLU", "pReLU"):
        for scale in ns["SCALES"]:
            np.testing.assert_allclose(grads[activation, scale][:, 0] / grads[activation, 1.0][:, 0],
                                       scale ** (ns["DEPTH"] - 1), rtol=1e-9)
    # teacher note: "our 5 seeds give 2.0 to 2.8 ... while the median over 30 seeds is 1.85"; after
    # exercise 2: 1.85 "lies close to" the mean-square prediction 1.78
    per_seed = ns["per_seed"]
    assert len(per_seed) == 30
    assert np.all(per_seed[:5] > 1.95) and per_seed[:5].max() < 2.85
    # r9: "the median of the 5 per-seed ratios printed below it is 2.0", below the 2.3 of the medians
    assert 1.95 <= np.median(per_seed[:5]) < 2.05
    assert abs(np.median(per_seed) / 1.0625 ** 9.5 - 1) < 0.05
    # r10, the table's reading: "about twice as much reaches layer 1" (the 30-seed median ratio)
    assert 1.7 < np.median(per_seed) < 2.3
    assert np.median(per_seed[5:]) < per_seed[:5].min()  # the other 25 lie lower



def test_08_only_much_larger_weights_let_the_sigmoid_gradient_through(lesson08):
    # "grows from 1.3e-4 at scale 4 to 0.092 at scale 8": on every seed, monotone in the scale,
    # and a usable gradient (>= 0.01) only at scale 8
    g = {s: v[:, 0] for s, v in lesson08["sigmoid_large"].items()}
    assert len(g[8.0]) >= 5
    assert np.all(g[4.0] < g[6.0]) and np.all(g[6.0] < g[8.0])
    assert np.all(g[4.0] < 1e-3) and np.all(g[8.0] > 0.01)
    # tanh's signal is smaller at layer 10 than at layer 1 under both rules
    stats = lesson08["layer_statistics"]
    for seed in range(5):
        for rule in (1.0, np.sqrt(2)):
            tanh = [a.std() for a in stats("tanh", rule, depth=10, seed=seed)[0]]
            assert tanh[-1] < tanh[0]


def test_08_the_prelu_rule_keeps_the_signal_like_he_for_relu(lesson08):
    # what exercise 2's picture shows: with the pReLU rule the size stays within a factor 2
    stats = lesson08["layer_statistics"]
    scale = lesson08["my_prelu_init_std"](64, 0.25) * 8
    for seed in range(5):
        stds = [a.std() for a in stats("pReLU", scale, depth=10, seed=seed)[0]]
        assert 0.5 < stds[-1] / stds[0] < 2
    # the printed medians of 5 seeds come close to the predictions (1.00 for the rule, 1.31 for
    # He, 0.058 for Glorot), and He's start is larger by the predicted factor on every seed
    # (pReLU is positively homogeneous: same weights, scaled)
    ratios = {s: [np.std(a[-1]) / np.std(a[0]) for a in
                  (stats("pReLU", s, depth=10, seed=seed)[0] for seed in range(5))]
              for s in (1.0, np.sqrt(2), scale)}
    assert 0.8 < np.median(ratios[scale]) < 1.25
    assert 1.1 < np.median(ratios[np.sqrt(2)]) < 1.6
    assert np.median(ratios[1.0]) < 0.1
    np.testing.assert_allclose(np.array(ratios[np.sqrt(2)]) / ratios[scale], 1.0625 ** 4.5,
                               rtol=1e-6)


def test_08_the_seeds_spread_is_a_sliver_on_the_gradient_figure(lesson08):
    # "a sliver on this axis of 25 decades": the printed factor (seen 2.0) is half a decade at most
    assert lesson08["spread"] < 3

# -- the initialisation explorer ----------------------------------------------------------------
def test_init_explorer_slider_and_menu_change_what_is_drawn():
    from nnlesson.viz.experiments import REFERENCE_SCALES, layer_statistics
    from nnlesson.viz.explorers import init_explorer

    e = init_explorer()
    assert figlint.figure_problems(e.figure) == []
    figure, png = e.figure, e.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    e.activation.value = "ReLU"
    e.scale.value = REFERENCE_SCALES["He"]
    he = e.state["stds"].copy()
    assert e.image.value != png
    e.scale.value = 0.5
    assert e.image.value != png and e.figure is figure  # redrawn in place
    small = e.state["stds"]
    assert small[-1] < 1e-3 * he[-1]  # the signal dies with small weights
    # the drawn line is the state, clipped to the fixed limits; the right panel is the gradient
    std_line, grad_line = e.figure.axes[1].lines[0], e.figure.axes[2].lines[0]
    np.testing.assert_allclose(std_line.get_ydata(), np.clip(small, 1e-6, 1e4))
    _, expected = layer_statistics("ReLU", 0.5, depth=10, width=64)
    np.testing.assert_allclose(grad_line.get_ydata(), np.clip(expected, 1e-6, 1e4))
    assert grad_line.get_ydata()[0] < 1e-3 and grad_line.get_ydata()[-1] == 1.0
    # a dead signal is one bright column at 0 in the heat map
    counts = e.state["counts"]
    assert counts[-1].max() == counts[-1].sum()
    e.activation.value = "sigmoid"
    assert e.state["grad_norms"][0] < 1e-3
    bundle = e._repr_mimebundle_()
    assert bundle["text/plain"] == "Initialisation explorer (run the cell to move the controls)"
    assert bundle["image/png"]


def test_init_explorer_rejects_bad_settings():
    from nnlesson.viz.experiments import layer_statistics
    from nnlesson.viz.explorers import init_explorer

    with pytest.raises(ValueError, match=r"init_explorer: scale must be in \[0.1, 3\], got 5"):
        init_explorer(scale=5)
    with pytest.raises(ValueError, match=r"init_explorer: activation must be one of .*got 'elu'"):
        init_explorer(activation="elu")
    with pytest.raises(ValueError, match=r"layer_statistics: scale must be in \(0, inf\), got -1"):
        layer_statistics("tanh", -1)


# -- lesson 10 ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lesson10(lesson_run):
    return lesson_run("10_capstone_digits").namespace


def test_10_splits_are_disjoint_and_cover_the_data(lesson10):
    ns = lesson10
    sets = [ns["X_train"], ns["X_val"], ns["X_test"]]
    assert sum(len(s) for s in sets) == len(ns["X"])
    rows = [{row.tobytes() for row in s} for s in sets]
    # the digits contain a few duplicate images; the split itself must not copy any row twice
    assert len(rows[0] & rows[2]) <= 3 and len(rows[1] & rows[2]) <= 3


def test_10_activation_claims_on_every_seed(lesson10):
    ns = lesson10
    runs, seeds = ns["by_activation"], list(ns["SEEDS"])
    assert len(seeds) >= 5
    # the final model measured on the training set, as the lesson prints it
    final = {name: np.array([ns["final_training_loss"](m) for m, _, _ in r])
             for name, r in runs.items()}
    for name in ("tanh", "ReLU", "pReLU"):
        assert final["sigmoid"].min() > 3 * final[name].max()  # much higher, on every seed
        assert final[name].max() < 0.05  # "fit the training set almost perfectly"
    acc = {name: ns["val_accuracies"](r) for name, r in runs.items()}
    # "below every seed of tanh and ReLU"; pReLU's best seed as good as theirs
    assert acc["sigmoid"].max() < min(acc["tanh"].min(), acc["ReLU"].min())
    assert acc["pReLU"].max() >= min(acc["tanh"].max(), acc["ReLU"].max())
    assert np.median(acc["pReLU"]) < np.median(acc["ReLU"])
    # "most of its seeds are below every seed of tanh and ReLU" (seen: 3 of 5)
    assert np.sum(acc["pReLU"] < min(acc["tanh"].min(), acc["ReLU"].min())) >= 3
    # "a lower training loss is not a better network: pReLU's median final training loss is 9
    # times below the sigmoid's ..., yet its median validation accuracy is lower"
    assert np.median(final["sigmoid"]) > 5 * np.median(final["pReLU"])
    assert np.median(acc["pReLU"]) < np.median(acc["sigmoid"])


@pytest.mark.parametrize("start", [0, 256, 512])  # the lesson's images, and two other batches
def test_10_the_sigmoid_gradient_shrinks_towards_the_input(lesson10, start):
    # "through the sigmoid layers the backward signal shrinks on its way from the output layer to
    # the first ... while through tanh and ReLU it keeps its size": |dL/dz| (seen, medians:
    # sigmoid 0.009, 0.013, 0.061; tanh 0.061, 0.069, 0.060; ReLU 0.063, 0.065, 0.061), and "its
    # weight gradient starts several times smaller than theirs (3.4 and 4.3 times), and the
    # signal arriving there about 7 times smaller", on every seed (seen |dL/dW|: sigmoid 0.16,
    # 0.28, 1.15; tanh 0.56, 0.57, 0.43; ReLU 0.70, 0.80, 0.75; on images 256 to 511 ReLU's first
    # layer is 5 times the sigmoid's)
    ns = lesson10
    batch = (ns["X_train"][start:start + 256], ns["y_train"][start:start + 256])
    norms = {name: np.array([ns["gradient_norms"](ns["digits_net"](name, seed), *batch)
                             for seed in ns["SEEDS"]])
             for name in ("sigmoid", "tanh", "ReLU")}  # [seed, dz or dW, layer]
    for what in (0, 1):  # the signal dL/dz, then the weight gradient dL/dW
        sigmoid = norms["sigmoid"][:, what]
        assert np.all((sigmoid[:, 0] < sigmoid[:, 1]) & (sigmoid[:, 1] < sigmoid[:, 2])), sigmoid
        assert np.all(sigmoid[:, 0] < sigmoid[:, 2] / 3), sigmoid
        for name in ("tanh", "ReLU"):
            other = norms[name][:, what]
            ratio = other[:, 0] / other[:, 2]  # first layer against the output layer
            assert np.all((ratio > 0.5) & (ratio < 2)), (name, what, ratio)
            assert np.all(sigmoid[:, 0] < other[:, 0] / 2), (name, what, sigmoid, other)
    if start == 0:  # the printed medians: the lesson's images
        medians = {name: np.median(n, axis=0) for name, n in norms.items()}
        for name in ("tanh", "ReLU"):
            assert 2.5 <= medians[name][1, 0] / medians["sigmoid"][1, 0] < 4.5, name
            assert 6 <= medians[name][0, 0] / medians["sigmoid"][0, 0] < 8, name  # "about 7"
        # "0.060 to 0.069 in every layer"
        assert np.all((medians["tanh"][0] > 0.0595) & (medians["tanh"][0] < 0.0695))
        assert np.all((medians["ReLU"][0] > 0.0595) & (medians["ReLU"][0] < 0.0695))


def test_10_sigmoid_claims_hold_on_other_splits(lesson10):
    # the lesson's split is fixed (one test set); the activation claims must not depend on it
    ns = lesson10
    nl, names = ns["nl"], ("X_train", "y_train", "X_val", "y_val")
    saved = {k: ns[k] for k in names}
    try:
        for seed in range(5):
            (X_rest, y_rest), _ = nl.train_val_split(ns["X"], ns["y"], val_fraction=0.2,
                                                     rng=10 + seed)
            (ns["X_train"], ns["y_train"]), (ns["X_val"], ns["y_val"]) = nl.train_val_split(
                X_rest, y_rest, val_fraction=0.25, rng=20 + seed)
            final = {a: ns["final_training_loss"](ns["train"](seed, activation=a)[0])
                     for a in ("sigmoid", "tanh", "ReLU", "pReLU")}
            for a in ("tanh", "ReLU", "pReLU"):
                assert final["sigmoid"] > 3 * final[a] and final[a] < 0.05, (seed, final)
    finally:
        ns.update(saved)


def test_10_alpha_is_learned(lesson10):
    ns = lesson10
    for _, _, alphas in ns["by_activation"]["pReLU"]:
        assert alphas.shape == (ns["EPOCHS"], 2)
        assert np.all(np.abs(alphas - 0.25).max(axis=0) > 0.1)  # each layer's alpha moved
        assert np.all(np.abs(np.diff(alphas, axis=0)).max(axis=0) > 0.01)  # and kept moving


def test_10_verdicts_match_the_seeds_and_the_test_set_is_used_once(lesson10):
    ns = lesson10
    reference = ns["reference"]
    for name, verdict in ns["verdicts"].items():
        acc = ns["val_accuracies"](ns["by_regulariser"][name])
        assert len(acc) >= 5
        expected = ("better" if acc.min() > reference.max()
                    else "worse" if acc.max() < reference.min() else "within the spread")
        assert verdict == expected
    assert ns["verdicts"]["none"] == "within the spread"
    # "little over-fitting to fight": every training image right on every seed, and the
    # validation accuracy about 98% (within 3 points of it on every seed)
    assert np.all(ns["train_accuracy"] == 1.0)
    assert np.all(ns["train_accuracy"] - reference < 0.03)
    # early stopping ran fewer epochs on some seed; the others used the full budget
    stopped = [h.stopped_epoch for _, h, _ in ns["by_regulariser"]["early stopping"]]
    assert min(stopped) < ns["EPOCHS"]
    chosen = ns["chosen"]
    medians = {k: np.median(ns["val_accuracies"](r)) for k, r in ns["candidates"].items()}
    assert medians[chosen] == max(medians.values())
    assert len(ns["test_accuracy"]) == 5 and ns["test_accuracy"].min() > 0.9


def test_10_confusion_matrix_and_mistakes(lesson10):
    ns = lesson10
    confusion, predicted, y_test = ns["confusion"], ns["predicted"], ns["y_test"]
    assert confusion.sum() == len(y_test)
    assert np.trace(confusion) == np.sum(predicted == y_test)
    assert len(ns["wrong"]) == len(y_test) - np.trace(confusion)


def test_10_the_weight_decay_search(lesson10):
    ns = lesson10
    acc = ns["decay_accuracy"]
    assert list(acc) == [0.0, 1e-4, 1e-3, 1e-2] and all(len(a) >= 5 for a in acc.values())
    # "at 1e-2 every seed is below every seed of the smaller values"
    assert acc[1e-2].max() < min(acc[wd].min() for wd in (0.0, 1e-4, 1e-3))
    # "among the small values the medians differ by less than the spread of the winner's seeds"
    medians = [np.median(acc[wd]) for wd in (0.0, 1e-4, 1e-3)]
    assert ns["best_decay"] == max(acc, key=lambda wd: np.median(acc[wd]))
    assert max(medians) - min(medians) < np.ptp(acc[ns["best_decay"]])
    # the runs at 0 and 1e-3 are the ones of the regulariser section, not trained twice
    assert ns["by_decay"][0.0] is ns["by_regulariser"]["none"]
