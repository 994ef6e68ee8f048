"""plot_decision_boundary draws the classes the model predicts, for every kind of classifier."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlesson as nl  # noqa: E402
from nnlesson.viz import plot as nlplot  # noqa: E402
from nnlesson.viz.figlint import figure_problems  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def plane(n=200, seed=0):
    X = np.random.default_rng(seed).uniform(-3, 3, size=(n, 2))
    return X, (X[:, 0] > 0).astype(int)


def x1_model(*ending):
    """A model whose one output is x1 (a logit), followed by ``ending`` (e.g. a Sigmoid)."""
    linear = nl.Linear(2, 1, rng=0)
    linear.W.data[...] = [[1.0, 0.0]]
    linear.b.data[...] = 0.0
    return nl.Sequential(linear, *ending)


def filled(ax):
    """For each class level of the filled contour: whether any region of that class is drawn."""
    contour = next(c for c in ax.collections if hasattr(c, "levels"))
    return [len(path.vertices) > 0 for path in contour.get_paths()]


@pytest.mark.parametrize("ending", [(nl.Sigmoid(),), ()], ids=["sigmoid", "logit"])
def test_a_one_output_classifier_is_binary_with_its_own_threshold(ending):
    # Regression: argmax over one column is always 0, so the whole plane was drawn as class 0.
    X, y = plane()
    model = x1_model(*ending)
    xx, yy, points = nlplot.decision_grid(X, steps=40)
    predicted = nlplot.predicted_classes(model, points)
    np.testing.assert_array_equal(predicted, (points[:, 0] > 0).astype(int))
    ax = nlplot.plot_decision_boundary(model, X, y, steps=40)
    assert filled(ax) == [True, True]


def test_the_threshold_comes_from_the_model_not_the_values():
    # A sigmoid output is a probability (threshold 0.5); the same numbers as logits would be
    # class 1 everywhere they are above 0: points with 0 < x1 < 0.5 tell the two apart.
    points = np.array([[0.25, 0.0], [0.75, 0.0], [-0.25, 0.0]])
    shifted = x1_model()
    shifted.layers[0].b.data[...] = 0.5  # outputs 0.75, 1.25, 0.25 as logits: all above 0
    assert list(nlplot.predicted_classes(shifted, points)) == [1, 1, 1]
    assert list(nlplot.predicted_classes(x1_model(nl.Sigmoid()), points)) == [1, 1, 0]
    nested = nl.Sequential(nl.Linear(2, 2, rng=0), nl.Sequential(x1_model(nl.Sigmoid())))
    assert nlplot._ends_in_sigmoid(nested)


def test_two_outputs_still_take_the_largest_score():
    X, y = nl.make_moons(100, rng=0)
    model = nl.Sequential(nl.Linear(2, 2, rng=0))
    xx, yy, points = nlplot.decision_grid(X, steps=20)
    with nl.no_grad():
        expected = np.argmax(model(points), axis=1)
    np.testing.assert_array_equal(nlplot.predicted_classes(model, points), expected)


def test_twelve_classes_are_drawn_and_told_apart():
    # Regression: an IndexError from the 8-colour palette.
    rng = np.random.default_rng(0)
    centres = 6 * np.column_stack([np.cos(np.arange(12) * np.pi / 6),
                                   np.sin(np.arange(12) * np.pi / 6)])
    y = np.arange(240) % 12
    X = centres[y] + rng.normal(0, 0.5, size=(240, 2))
    model = nl.Sequential(nl.Linear(2, 12, rng=0))
    model.layers[0].W.data[...] = centres  # class c scores highest near centre c
    model.layers[0].b.data[...] = -0.5 * (centres ** 2).sum(axis=1)
    ax = nlplot.plot_decision_boundary(model, X, y, steps=80)
    assert all(filled(ax))  # every class has a region
    scatters = [c for c in ax.collections if not hasattr(c, "levels")]
    assert len(scatters) == 12
    looks = {nlplot.class_style(c)[:2] for c in range(12)}
    assert len(looks) == 12  # no two classes share colour and marker
    hatches = [nlplot.class_style(c)[2] for c in range(12)]
    assert hatches[:8] == [None] * 8 and all(hatches[8:])  # regions 8-11 are hatched
    assert figure_problems(ax.figure) == []


def test_too_many_classes_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.arange(50) % 50
    model = nl.Sequential(nl.Linear(2, 50, rng=0))
    with pytest.raises(ValueError, match=rf"plot_decision_boundary: at most "
                                         rf"{nlplot.MAX_CLASSES} classes .* got 50"):
        nlplot.plot_decision_boundary(model, X, y, steps=10)


@pytest.mark.parametrize("X, said", [(np.zeros((5, 3)), "the data has 3 features"),
                                     (np.zeros(5), r"the data has shape \(5,\)")])
def test_data_with_other_than_two_features_names_the_input_size(X, said):
    # Regression: with 3 features the error quoted the grid's shape (n, 2) as the model's input.
    model = nl.Sequential(nl.Linear(3, 2, rng=0))
    with pytest.raises(ValueError, match=r"plot_decision_boundary: the plot is of a plane, so it "
                                         r"needs data with 2 input features .*" + said):
        nlplot.plot_decision_boundary(model, X, np.zeros(len(X), int))


@pytest.mark.parametrize("y", [np.zeros((5, 1), int), np.zeros(5), np.zeros(4, int),
                               -np.ones(5, int)])
def test_labels_must_be_one_class_per_point(y):
    with pytest.raises(ValueError, match=r"plot_decision_boundary: y must hold one class"):
        nlplot.plot_decision_boundary(nl.Sequential(nl.Linear(2, 2, rng=0)), np.zeros((5, 2)), y)


def test_a_diverged_model_is_named_not_drawn_as_class_0():
    model = nl.Sequential(nl.Linear(2, 2, rng=0))
    model.layers[0].W.data[...] = np.nan
    with pytest.raises(ValueError, match="outputs are NaN or inf"):
        nlplot.plot_decision_boundary(model, *plane(20), steps=10)


def test_plot_decision_boundary_keeps_no_cache_and_restores_the_mode():
    X, y = nl.make_moons(40, rng=0)
    model = nl.Sequential(nl.Linear(2, 4, rng=0), nl.Dropout(0.5, rng=0), nl.Linear(4, 2, rng=1))
    nlplot.plot_decision_boundary(model, X, y, steps=30)
    plt.close("all")
    assert model.training and model[1].training  # was left in eval mode
    assert model.cache_nbytes() == 0  # was a cache of the 900 grid points
    model.eval()
    nlplot.plot_decision_boundary(model, X, y, steps=30)
    plt.close("all")
    assert not model.training


def test_a_users_model_ending_in_sigmoid_is_thresholded_at_one_half():
    from nnlesson.viz.plot import predicted_classes  # (tooling: the core lane has no matplotlib)

    class SigNet(nl.Module):
        def __init__(self):
            self.lin, self.out = nl.Linear(2, 1, rng=0), nl.Sigmoid()

        def forward(self, x):
            return self.out(self.lin(x))

    X = np.random.default_rng(0).normal(size=(200, 2))
    model = SigNet()
    probabilities = model(X)[:, 0]
    assert 0.2 < (probabilities > 0.5).mean() < 0.8  # both classes occur
    np.testing.assert_array_equal(predicted_classes(model, X), probabilities > 0.5)
    as_sequential = nl.Sequential(nl.Sequential(model.lin, nl.Sigmoid()))
    np.testing.assert_array_equal(predicted_classes(as_sequential, X), probabilities > 0.5)

