"""The comparative claims of lessons 01-03 hold on 5 seeds, not just on the one the lesson prints.

Each test re-runs a lesson's experiment with the lesson's own functions (taken from its ``.py`` by
name, so the test follows the lesson when it changes) and the lesson's settings, for seeds 0-4,
and asserts the claim the prose makes for every seed. CONTRIBUTING.md states the rule.
"""

import math
import types

import numpy as np
import pytest
from conftest import from_lesson

import nnlesson as nl

SEEDS = range(5)
pytestmark = pytest.mark.usefixtures("one_blas_thread")


# -- lesson 01 -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits_split():
    images, labels = nl.load_digits()
    return images, labels


def nl_with_initial_weights(seed):
    """nnlesson, except that every nl.Linear draws its weights from ``seed``: the lessons fix
    ``rng=1`` inside their functions, and a claim must also hold for other initial weights."""
    rng = np.random.default_rng(seed)
    proxy = types.SimpleNamespace(**{name: getattr(nl, name) for name in dir(nl)
                                     if not name.startswith("_")})
    proxy.Linear = lambda *args, rng_=rng, **kwargs: nl.Linear(*args, **{**kwargs, "rng": rng_})
    return proxy


def lesson01(seed, images, labels, **context):
    (X_train, y_train), _ = nl.train_val_split(images, labels, val_fraction=0.2, rng=seed)
    return from_lesson("01_fully_connected", "train_by_hand", "training_curve",
                       X_train=X_train, y_train=y_train, loss_fn=nl.SoftmaxCrossEntropy(),
                       **context)


@pytest.mark.parametrize("seed", SEEDS)
def test_01_the_loop_by_hand_is_what_fit_runs(seed, digits_split):
    ns = lesson01(seed, *digits_split)
    by_hand = ns["train_by_hand"](batch_size=32, epochs=2, lr=0.1, seed=seed)
    with_fit = nl.Linear(64, 10, rng=1)
    nl.fit(with_fit, nl.SoftmaxCrossEntropy(), nl.SGD(with_fit.parameters(), lr=0.1),
           (ns["X_train"], ns["y_train"]), epochs=2, batch_size=32, rng=seed)
    np.testing.assert_allclose(by_hand.W.data, with_fit.W.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_01_smaller_batches_end_lower_after_the_same_epochs(seed, digits_split):
    # split, shuffling and the initial weights all move with the seed
    ns = lesson01(seed, *digits_split, nl=nl_with_initial_weights(seed + 10))
    final = {b: ns["training_curve"](b, seed=seed)[-1] for b in (len(ns["X_train"]), 64, 8)}
    losses = list(final.values())
    assert losses[0] > losses[1] > losses[2], final


@pytest.mark.parametrize("seed", SEEDS)
def test_01_an_untrained_mlp_scores_about_log_10(seed, digits_split):
    images, labels = digits_split
    r = np.random.default_rng(seed)
    mlp = nl.Sequential(nl.Linear(64, 32, rng=r), nl.ReLU(), nl.Linear(32, 16, rng=r), nl.ReLU(),
                        nl.Linear(16, 10, rng=r))
    some = r.choice(len(images), 256, replace=False)  # the lesson's first 256, or any 256
    loss = nl.SoftmaxCrossEntropy()(mlp(images[some]), labels[some])
    assert abs(loss - np.log(10)) < 0.5, loss


@pytest.mark.parametrize("seed", SEEDS)
def test_01_momentum_wins_at_small_learning_rates_and_gains_nothing_near_the_limit(seed):
    ns = from_lesson("01_fully_connected", "valley", "descend", "steps_to_reach")
    descend, steps = ns["descend"], ns["steps_to_reach"]
    start = np.random.default_rng(seed).uniform([-5, -1.5], [-2, 1.5])  # other starts in the valley
    for lr in (0.01, 0.02):
        plain, heavy = steps(descend(lr, 0.0, start=start)), steps(descend(lr, 0.9, start=start))
        assert heavy is not None and (plain is None or plain >= 2 * heavy), (lr, plain, heavy)
    plain, heavy = steps(descend(0.09, 0.0, start=start)), steps(descend(0.09, 0.9, start=start))
    assert plain < 1.5 * heavy, (plain, heavy)


@pytest.mark.parametrize("seed", SEEDS)
def test_01_above_the_plain_limit_only_momentum_converges(seed):
    """The teacher note's live experiment: learning rate 0.11, above 2 / 20 but below 0.19."""
    ns = from_lesson("01_fully_connected", "valley", "descend", "steps_to_reach")
    start = np.random.default_rng(seed).uniform([-5, -1.5], [-2, 1.5])
    plain = ns["descend"](0.11, 0.0, start=start)
    assert ns["steps_to_reach"](plain) is None and abs(plain[-1, 1]) > 1e20
    assert ns["steps_to_reach"](ns["descend"](0.11, 0.9, start=start)) is not None


@pytest.mark.parametrize("seed", SEEDS)
def test_01_with_momentum_every_direction_shrinks_by_sqrt_m_so_its_steps_barely_change(seed):
    """Cell 'Why sqrt(0.9)': at every rate of the table both coordinates of the heavy-ball
    recursion have complex roots of size sqrt(0.9), and the momentum column stays within 20%
    (90 to 94 steps from the lesson's start) where plain descent's changes 4 times over or more."""
    ns = from_lesson("01_fully_connected", "valley", "descend", "steps_to_reach")
    rates, m = (0.01, 0.02, 0.04, 0.09), 0.9
    for lr in rates:
        for h in ns["valley"]:
            roots = np.roots([1.0, -(1 + m - lr * h), m])
            assert np.iscomplexobj(roots) and np.allclose(abs(roots), math.sqrt(m)), (lr, h, roots)
    start = np.random.default_rng(seed).uniform([-5, -1.5], [-2, 1.5])
    heavy = [ns["steps_to_reach"](ns["descend"](lr, m, start=start)) for lr in rates]
    assert None not in heavy and max(heavy) <= 1.2 * min(heavy), heavy
    # "barely", next to plain descent's column, which changes several times over
    plain = [ns["steps_to_reach"](ns["descend"](lr, 0.0, start=start)) or 301 for lr in rates]
    assert max(plain) >= 4 * min(plain), plain


def test_01_from_the_lessons_start_plain_descent_is_faster_near_the_limit():
    ns = from_lesson("01_fully_connected", "valley", "descend", "steps_to_reach")
    assert ns["steps_to_reach"](ns["descend"](0.09, 0.0)) < ns["steps_to_reach"](ns["descend"](0.09, 0.9))


@pytest.mark.parametrize("seed", SEEDS)
def test_01_a_small_batchs_gradient_is_noisier_about_like_one_over_sqrt_b(seed, digits_split):
    ns = lesson01(seed, *digits_split, nl=nl_with_initial_weights(seed + 10))
    ns.update(from_lesson("01_fully_connected", "gradient_noise", X_train=ns["X_train"],
                          y_train=ns["y_train"], loss_fn=nl.SoftmaxCrossEntropy(),
                          nl=nl_with_initial_weights(seed + 10)))
    noise = {b: ns["gradient_noise"](b, seed=seed) for b in (8, 64, 512)}
    assert noise[8] > 1 > noise[64] > noise[512], noise  # batch 8: larger than the gradient
    assert 1.8 < noise[8] / noise[64] < 4.5, noise  # roughly sqrt(8) = 2.8
    # At 512 (a third of the set) the lesson says drawing without replacement shrinks the noise
    # by about sqrt(1 - B/N) = 0.80: the same model's batches drawn with replacement are off by
    # more. (Each call builds its model from the proxy's one generator: compare one model.)
    def noise_512(replace):
        fresh = from_lesson("01_fully_connected", "gradient_noise", X_train=ns["X_train"],
                            y_train=ns["y_train"], loss_fn=nl.SoftmaxCrossEntropy(),
                            nl=nl_with_initial_weights(seed + 10))
        return fresh["gradient_noise"](512, seed=seed, replace=replace)

    with_replacement = noise_512(replace=True)
    shrink = noise_512(replace=False) / with_replacement
    assert 0.75 < shrink < 0.85, (noise, shrink)
    # "drawn with replacement, the batch of 512 is off by 19%, as the rule says" (the rule:
    # batch 8's error times sqrt(8/512))
    rule = noise[8] * np.sqrt(8 / 512)
    assert 0.85 < with_replacement / rule < 1.15, (noise, with_replacement, rule)
    assert 0.7 < shrink < 0.9, (noise, shrink)


@pytest.mark.parametrize("seed", SEEDS)
def test_01_across_the_valley_momentum_swings_where_plain_descent_does_not(seed):
    ns = from_lesson("01_fully_connected", "valley", "descend")
    start = np.random.default_rng(seed).uniform([-5, -1.5], [-2, 1.5])

    def across(lr, momentum):
        w2 = ns["descend"](lr, momentum, steps=60, start=start)[:, 1]
        return int(np.sum(np.sign(w2[1:]) != np.sign(w2[:-1]))), abs(w2[20])

    (plain_changes, plain_size), (heavy_changes, heavy_size) = across(0.02, 0.0), across(0.02, 0.9)
    assert plain_changes == 0 and heavy_changes >= 10 and heavy_size > 100 * plain_size
    (plain_changes, plain_size), (heavy_changes, heavy_size) = across(0.09, 0.0), across(0.09, 0.9)
    assert plain_changes == 60 and heavy_changes < 40 and heavy_size > plain_size


@pytest.mark.parametrize("seed", SEEDS)
def test_01_the_squared_errors_push_fades_for_a_confident_wrong_answer_cross_entropys_does_not(seed):
    ns = from_lesson("01_fully_connected", "gradients_for_true_class")
    r = np.random.default_rng(seed)
    z, c = r.normal(size=10), int(r.integers(10))
    wrong = (c + 1) % 10
    pushes = []
    for raise_by in [0, 2, 4, 6, 8]:
        zz = z.copy()
        zz[wrong] += raise_by
        pushes.append(ns["gradients_for_true_class"](zz, c)[1:])
    ce, se = np.abs(np.array(pushes)).T
    assert np.all(np.diff(ce) > 0) and ce[-1] > 0.99, ce
    assert se[-1] < 0.05 and se[-1] < se[0] / 10, se  # the lesson's zeros: 0.0013


# -- lesson 02 -----------------------------------------------------------------------------------
def moons_experiment(seed):
    """The lesson's experiment with every seed moved: data, split, initial weights, shuffling."""
    ns = from_lesson("02_why_nonlinearity", "make_net", "best_line_accuracy")
    X, y = nl.make_moons(300, noise=0.1, rng=seed)
    (X_train, y_train), (X_val, y_val) = nl.train_val_split(X, y, val_fraction=0.3, rng=seed + 1)
    result = {}
    for name, activation in [("linear", None), ("relu", nl.ReLU)]:
        net = ns["make_net"](activation, np.random.default_rng(seed + 2))
        history = nl.fit(net, nl.SoftmaxCrossEntropy(),
                         nl.SGD(net.parameters(), lr=0.05, momentum=0.9),
                         (X_train, y_train), (X_val, y_val), epochs=100, batch_size=32,
                         rng=seed + 3)
        # the trained model's training accuracy, as the lesson now prints it
        result[name] = nl.accuracy(net(X_train), y_train), history.val_accuracy[-1]
    best = ns["best_line_accuracy"]
    return result, best(X_train, y_train), best(X_val, y_val), len(X_train)


@pytest.mark.parametrize("seed", SEEDS)
def test_02_the_linear_stack_is_held_by_the_best_line_and_relu_beats_it(seed):
    result, best_train, best_val, n_train = moons_experiment(seed)
    linear_train, linear_val = result["linear"]
    relu_train, relu_val = result["relu"]
    # "close to the best any line can reach" (seen: 0.4 to 3.3 points below it on 5 seeds; 0.4 in
    # the lesson's run), and above it by at most the one training point the 720 directions may miss
    assert best_train - 0.05 <= linear_train <= best_train + 1 / n_train, (linear_train, best_train)
    assert linear_val <= best_val + 0.02
    assert relu_val >= 0.95 and relu_val >= linear_val + 0.05, (relu_val, linear_val)


def test_02_best_line_accuracy_is_exact_on_separable_and_known_data():
    ns = from_lesson("02_why_nonlinearity", "best_line_accuracy")
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert ns["best_line_accuracy"](X, np.array([0, 0, 1, 1])) == 1.0  # a horizontal cut
    assert ns["best_line_accuracy"](X, np.array([1, 1, 0, 0])) == 1.0  # the classes swapped
    assert ns["best_line_accuracy"](X, np.array([0, 1, 1, 0])) == 0.75  # XOR: 3 of 4 at best


@pytest.mark.parametrize("seed", SEEDS)
def test_02_doubling_the_width_divides_the_interpolants_error_by_about_4(seed):
    ns = from_lesson("02_why_nonlinearity", "relu_interpolant")
    r = np.random.default_rng(seed)
    a, phase, slope = r.uniform(2, 4), r.uniform(0, np.pi), r.uniform(-1, 1)

    def curve(x):  # other smooth curves of the lesson's kind
        return np.sin(a * x + phase) + slope * x

    grid = np.linspace(-2, 2, 1001)[:, None]
    errors = [np.max(np.abs(ns["relu_interpolant"](curve, w)(grid) - curve(grid)))
              for w in (8, 16, 32, 64)]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(errors[-1] < 0.01) and np.all(ratios[1:] > 3.5) and np.all(ratios < 4.5), ratios


def pieces_on_the_interval(net):
    """Straight pieces of a relu_interpolant on [lo, hi]: the first unit's kink is at lo, so each
    other unit with a non-zero output weight adds one piece."""
    return 1 + int(np.sum(np.abs(net[2].W.data[0, 1:]) > 1e-9))


@pytest.mark.parametrize("seed", SEEDS)
def test_02_a_width_n_interpolant_has_at_most_n_pieces_and_n_minus_1_for_an_odd_curve_at_even_n(seed):
    ns = from_lesson("02_why_nonlinearity", "relu_interpolant", "curve")
    r = np.random.default_rng(seed)
    a, phase, slope = r.uniform(2, 4), r.uniform(0.3, 1.2), r.uniform(-1, 1)

    def not_odd(x):
        return np.sin(a * x + phase) + slope * x

    def odd(x):  # odd like the lesson's curve, so f(-h), f(0) = 0 and f(h) lie on one line
        return np.sin(a * x) + slope * x

    for width in range(2, 17):
        assert pieces_on_the_interval(ns["relu_interpolant"](not_odd, width)) == width
        expected = width - 1 if width % 2 == 0 else width  # the figure's odd widths: all n pieces
        assert pieces_on_the_interval(ns["relu_interpolant"](odd, width)) == expected, width
        assert pieces_on_the_interval(ns["relu_interpolant"](ns["curve"], width)) == expected, width


# -- lesson 03 -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gradient_table():
    images, labels = nl.load_digits()
    ns = from_lesson("03_activations", "deep_net", "gradient_norms")
    table = {}
    for seed in SEEDS:
        # the batch moves with the seed too (the lesson uses the first 256 images)
        some = np.random.default_rng(seed + 100).choice(len(images), 256, replace=False)
        X, y = images[some], labels[some]
        for init in ("glorot", "he"):
            for name, act in [("sigmoid", nl.Sigmoid), ("tanh", nl.Tanh), ("ReLU", nl.ReLU)]:
                net = ns["deep_net"](act, init, 12, 64, np.random.default_rng(seed))
                table[seed, name, init] = ns["gradient_norms"](net, X, y)
    return table


@pytest.mark.parametrize("seed", SEEDS)
def test_03_sigmoid_gradients_vanish_with_either_initialisation(seed, gradient_table):
    glorot, he = gradient_table[seed, "sigmoid", "glorot"], gradient_table[seed, "sigmoid", "he"]
    assert glorot[-1] / glorot[0] > 1e5 and he[-1] / he[0] > 1e4
    assert he[-1] / he[0] < glorot[-1] / glorot[0]  # He's larger weights shrink the ratio


def test_03_gelu_and_swish_are_negative_on_the_whole_negative_side_most_near_minus_1():
    """GELU's minimum is -0.17 at x = -0.75, Swish's -0.28 at x = -1.28 (the lesson's numbers),
    and their slope is 0 only there."""
    x = np.linspace(-8, -1e-3, 80_001)
    normal_cdf = 0.5 * np.vectorize(math.erfc)(-x / np.sqrt(2))  # erfc: accurate far out
    for f, (x_min, f_min) in [(x * normal_cdf, (-0.75, -0.17)),
                              (x / (1 + np.exp(-x)), (-1.28, -0.28))]:
        assert (f < 0).all()
        assert abs(x[np.argmin(f)] - x_min) < 0.005 and abs(f.min() - f_min) < 0.005
        # "their derivative is 0 only at that minimum": the slope changes sign once
        assert np.count_nonzero(np.diff(np.sign(np.diff(f)))) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_03_sigmoid_curves_are_close_to_straight_lines_about_4_per_layer_with_glorot(
        seed, gradient_table):
    """The Think! question and its answer: on a log scale the sigmoid's gradients lie close to a
    straight line (about the same factor at every layer), about 4 per layer with Glorot weights."""
    for init in ("glorot", "he"):
        g = gradient_table[seed, "sigmoid", init]
        factors = g[1:] / g[:-1]
        assert factors.min() > 2 and factors.max() < 6, (init, factors)
    glorot = gradient_table[seed, "sigmoid", "glorot"]
    assert 3.5 < (glorot[-1] / glorot[0]) ** (1 / (len(glorot) - 1)) < 4.5
    # "the weights are part of the factor": with He's larger weights the line is less steep
    he = gradient_table[seed, "sigmoid", "he"]
    assert (he[-1] / he[0]) < (glorot[-1] / glorot[0]) / 3
    # "about 3.1 per layer" with He (r7: the prose said 3.2 over a printed 3e5 = 3.1^11)
    assert 2.7 < (he[-1] / he[0]) ** (1 / (len(he) - 1)) < 3.5


@pytest.mark.parametrize("seed", SEEDS)
def test_03_tanh_with_glorot_and_relu_with_he_keep_the_size(seed, gradient_table):
    for name, init in [("tanh", "glorot"), ("ReLU", "he")]:
        g = gradient_table[seed, name, init]
        assert g.max() / g.min() < 5, (name, init, g)
        assert 0.1 < g.min() and g.max() < 10, (name, init, g)  # and that size is neither tiny nor huge


@pytest.mark.parametrize("seed", SEEDS)
def test_03_relu_with_glorot_weights_gets_much_smaller_gradients(seed, gradient_table):
    he, glorot = gradient_table[seed, "ReLU", "he"], gradient_table[seed, "ReLU", "glorot"]
    assert np.exp(np.mean(np.log(he / glorot))) > 20
    assert glorot.max() < he.min()
    assert glorot.max() / glorot.min() < 5  # "its curve is flat too"


@pytest.mark.parametrize("seed", SEEDS)
def test_03_prelu_learns_the_slope_of_the_data(seed):
    data_rng = np.random.default_rng(seed)
    x = data_rng.normal(size=(200, 1))
    y = nl.prelu(x, 0.6) + data_rng.normal(0, 0.05, size=x.shape)
    layer = nl.PReLU(alpha=0.25)
    alphas = [float(layer.alpha.data)]
    nl.fit(nl.Sequential(layer), nl.MSELoss(), nl.SGD(layer.parameters(), lr=0.1), (x, y),
           epochs=15, batch_size=20, rng=seed + 1,
           callback=lambda epoch, model: alphas.append(float(layer.alpha.data)))
    assert abs(alphas[3] - 0.6) < 0.05  # within a few epochs
    assert np.all(np.abs(np.array(alphas[5:]) - 0.6) < 0.02)  # and then it stays


@pytest.mark.parametrize("seed", SEEDS)
def test_03_tanh_keeps_its_gradients_flat_with_he_weights_too(seed, gradient_table):
    g = gradient_table[seed, "tanh", "he"]
    assert g.max() / g.min() < 5, g


@pytest.mark.parametrize("seed", SEEDS)
def test_03_relu_with_glorot_shrinks_the_forward_signal_he_keeps_it(seed):
    images, _ = nl.load_digits()
    ns = from_lesson("03_activations", "deep_net", "signal_sizes")
    X = images[np.random.default_rng(seed + 100).choice(len(images), 256, replace=False)]
    glorot, he = (ns["signal_sizes"](ns["deep_net"](nl.ReLU, init, 12, 64,
                                                    np.random.default_rng(seed)), X)
                  for init in ("glorot", "he"))
    assert glorot[-1] < glorot[0] / 10, glorot
    assert 0.4 < he[-1] / he[0] < 2.5, he  # "keeps its size": within a factor 2.5 on 5 seeds


@pytest.fixture(scope="module")
def dying_relus():
    images, labels = nl.load_digits()
    ns = from_lesson("03_activations", "dead_units", "train_relu_net", "units_with_gradient",
                     images=images, labels=labels)
    runs = {}
    for seed in SEEDS:
        for lr in (0.05, 1.0):
            net, before = ns["train_relu_net"](lr, seed=seed)
            runs[seed, lr] = before, ns["dead_units"](net[0], images), \
                ns["units_with_gradient"](net, images, labels)
        leaky, _ = ns["train_relu_net"](1.0, seed=seed, activation=lambda: nl.PReLU(alpha=0.01))
        runs[seed, "leaky"] = ns["units_with_gradient"](leaky, images, labels)
    return runs


@pytest.mark.parametrize("seed", SEEDS)
def test_03_a_large_learning_rate_kills_relus_and_dead_units_get_no_gradient(seed, dying_relus):
    before, slow_dead, _ = dying_relus[seed, 0.05]
    _, fast_dead, (dead, dead_moving, live, live_moving) = dying_relus[seed, 1.0]
    assert fast_dead >= slow_dead + 4 and fast_dead >= 5, (before, slow_dead, fast_dead)
    assert dead == fast_dead and dead_moving == 0 and live_moving == live


@pytest.mark.parametrize("seed", SEEDS)
def test_03_every_leaky_unit_gets_a_gradient(seed, dying_relus):
    below, below_moving, others, others_moving = dying_relus[seed, "leaky"]
    assert below_moving == below and others_moving == others


@pytest.mark.parametrize("seed", SEEDS)
def test_03_prelu_explorer_bars_left_of_0_are_about_1_over_alpha_higher(seed):
    from nnlesson.viz.explorers import prelu_explorer

    explorer = prelu_explorer(seed=seed)
    for alpha in (0.25, 0.5):
        explorer.alpha.value = alpha
        counts, edges = explorer.hist.get_data()[:2]
        # the two bars next to 0 (the bins' width is 0.1): about 4 (and 2) times higher on the left
        left, right = counts[np.searchsorted(edges, 0) - 1], counts[np.searchsorted(edges, 0)]
        assert 0.75 / alpha < left / right < 1.25 / alpha, (alpha, left, right)
