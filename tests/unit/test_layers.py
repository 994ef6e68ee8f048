"""Layers: forward against the formula, backward against numerical gradients, the contract."""

import numpy as np
import pytest
from unit_helpers import GRAD_TOL

import nnlesson as nl


def away_from_kink(shape, rng, margin=1e-2):
    """Random inputs with no element within ``margin`` of 0, where ReLU/PReLU have a kink."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin * 2, x)


LAYERS = {
    "Linear": lambda rng, n: nl.Linear(n, 4, rng=rng),
    "Sigmoid": lambda rng, n: nl.Sigmoid(),
    "Tanh": lambda rng, n: nl.Tanh(),
    "ReLU": lambda rng, n: nl.ReLU(),
    "PReLU": lambda rng, n: nl.PReLU(alpha=0.3),
    "Dropout": lambda rng, n: nl.Dropout(0.4, rng=rng),
    "LayerNorm": lambda rng, n: nl.LayerNorm(n),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("shape", [(1, 3), (7, 5), (2, 1)])
def test_every_layer_passes_gradcheck(name, shape):
    rng = np.random.default_rng(sum(map(ord, name)) + shape[0])
    layer = LAYERS[name](rng, shape[1])
    report = nl.gradcheck(layer, away_from_kink(shape, rng))
    assert report.max_error < GRAD_TOL, report
    expected = {"Linear": {"W", "b", "input"}, "PReLU": {"alpha", "input"},
                "LayerNorm": {"gamma", "beta", "input"}}.get(name, {"input"})
    assert set(report.errors) == expected


@pytest.mark.parametrize("loss", ["mse", "ce"])
def test_mlp_with_loss_passes_gradcheck(loss):
    rng = np.random.default_rng(1)
    model = nl.Sequential(nl.Linear(3, 6, rng=rng), nl.PReLU(), nl.Linear(6, 6, rng=rng), nl.Tanh(),
                          nl.Dropout(0.3, rng=rng), nl.Linear(6, 3, rng=rng))
    x = rng.standard_normal((5, 3))
    if loss == "mse":
        report = nl.gradcheck(model, x, nl.MSELoss(), rng.standard_normal((5, 3)))
    else:
        report = nl.gradcheck(model, x, nl.SoftmaxCrossEntropy(), np.array([0, 2, 1, 1, 0]))
    assert report.passed and report.max_error < GRAD_TOL, report
    assert list(report.errors) == ["0.W", "0.b", "1.alpha", "2.W", "2.b", "5.W", "5.b", "input"]


def test_linear_computes_y_equals_Wx_plus_b_per_example():
    rng = np.random.default_rng(0)
    layer = nl.Linear(3, 2, rng=rng)
    layer.b.data[:] = [0.5, -1.0]
    x = rng.standard_normal((4, 3))
    y = layer(x)
    assert y.shape == (4, 2)
    for xi, yi in zip(x, y):
        np.testing.assert_allclose(yi, layer.W.data @ xi + layer.b.data)


def test_linear_shapes_and_parameter_order():
    layer = nl.Linear(3, 5, rng=0)
    W, b = layer.parameters()
    assert W is layer.W and b is layer.b
    assert W.shape == (5, 3) and b.shape == (5,)
    assert W.grad.shape == W.data.shape and b.grad.shape == b.data.shape
    assert repr(layer) == "Linear(3 -> 5)"


def test_linear_he_and_glorot_initialisation():
    he = nl.Linear(400, 300, rng=0)
    assert np.std(he.W.data) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert abs(np.mean(he.W.data)) < 0.002
    assert np.all(he.b.data == 0)
    glorot = nl.Linear(400, 300, rng=0, init="glorot")
    limit = np.sqrt(6 / 700)
    assert np.max(np.abs(glorot.W.data)) <= limit
    assert np.std(glorot.W.data) == pytest.approx(limit / np.sqrt(3), rel=0.02)  # uniform's std


def test_linear_same_seed_same_weights_and_dtype():
    a, b = nl.Linear(4, 3, rng=7), nl.Linear(4, 3, rng=7)
    np.testing.assert_array_equal(a.W.data, b.W.data)
    f32 = nl.Linear(4, 3, rng=7, dtype=np.float32)
    assert f32.W.data.dtype == np.float32 and f32(np.ones((2, 4))).dtype == np.float32


def test_backward_overwrites_gradients_instead_of_adding():
    rng = np.random.default_rng(3)
    model = nl.Sequential(nl.Linear(3, 4, rng=rng), nl.PReLU(), nl.Linear(4, 2, rng=rng))
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    model(x)
    model.backward(dout)
    first = [p.grad.copy() for p in model.parameters()]
    model(x)
    model.backward(dout)
    for g1, p in zip(first, model.parameters()):
        np.testing.assert_array_equal(p.grad, g1)


def test_prelu_derivative_is_alpha_for_x_at_most_zero_and_one_above():
    layer = nl.PReLU(alpha=0.2)
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(layer(x), [[-0.4, -0.1, 0.0, 0.5, 3.0]])
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_allclose(dx, [[0.2, 0.2, 0.2, 1.0, 1.0]])
    assert layer.alpha.grad == pytest.approx(-2.5)  # sum of x over x <= 0
    assert layer.parameters() == [layer.alpha] and layer.alpha.shape == ()


def test_relu_caches_a_boolean_mask_only():
    layer = nl.ReLU()
    layer(np.ones((10, 10)))
    (mask,) = layer.cache
    assert mask.dtype == bool and layer.cache_nbytes() == 100


def test_dropout_preserves_the_expectation():
    p, x = 0.6, np.linspace(-2, 2, 50).reshape(1, 50)
    layer = nl.Dropout(p, rng=0)
    mean = np.mean([layer(x) for _ in range(20000)], axis=0)
    # Each output is x/(1-p) with probability 1-p: its std is |x| sqrt(p/(1-p)); the mean of 20,000
    # draws has std |x| * 1.22 / 141 < 0.018 for |x| <= 2. Allow five of those.
    np.testing.assert_allclose(mean, x, atol=0.09)
    assert abs(np.mean(mean - x)) < 0.01


def test_dropout_drops_fraction_p_and_scales_survivors():
    layer = nl.Dropout(0.25, rng=1)
    y = layer(np.ones((200, 100)))
    assert 1 - layer.mask.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75])
    np.testing.assert_array_equal(y == 0, ~layer.mask)


def test_dropout_eval_mode_is_identity_and_backward_passes_through():
    layer = nl.Dropout(0.9, rng=0).eval()
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(layer(x), x)
    assert layer.mask is None
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_same_seed_same_mask():
    x = np.ones((8, 8))
    a, b = nl.Dropout(0.5, rng=42), nl.Dropout(0.5, rng=42)
    a(x), b(x)
    np.testing.assert_array_equal(a.mask, b.mask)
    c = nl.Dropout(0.5, rng=43)
    c(x)
    assert not np.array_equal(a.mask, c.mask)


def test_sequential_container():
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.ReLU(), nl.Dropout(0.5), nl.Linear(3, 1, rng=1))
    assert len(model) == 4 and isinstance(model[1], nl.ReLU)
    assert [type(layer).__name__ for layer in model] == ["Linear", "ReLU", "Dropout", "Linear"]
    assert model.parameters() == [model[0].W, model[0].b, model[3].W, model[3].b]
    head = model[:2]
    assert isinstance(head, nl.Sequential) and head[0] is model[0]
    model.eval()
    assert not model[2].training and not model.training
    model.train()
    assert model[2].training
    assert repr(model).splitlines()[1] == "  (0): Linear(2 -> 3)"


def test_float32_model_stays_float32():
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(4, 8, rng=rng, dtype=np.float32), nl.PReLU(), nl.Dropout(0.2, rng=0),
                          nl.Sigmoid(), nl.Linear(8, 3, rng=rng, dtype=np.float32))
    x = rng.standard_normal((5, 4)).astype(np.float32)
    loss = nl.SoftmaxCrossEntropy()
    loss(model(x), np.array([0, 1, 2, 0, 1]))
    dx = model.backward(loss.backward())
    assert dx.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters() if p.data.ndim)


@pytest.mark.parametrize("checkpoint_every", [None, 2])
def test_backward_params_gives_the_same_gradients_and_skips_the_input_gradient(checkpoint_every):
    rng = np.random.default_rng(5)
    x, dout = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    grads = []
    for method in ("backward", "backward_params"):
        model = nl.Sequential(nl.Linear(3, 5, rng=1), nl.Tanh(), nl.Dropout(0.3, rng=2),
                              nl.Linear(5, 2, rng=3), checkpoint_every=checkpoint_every)
        model(x)
        result = getattr(model, method)(dout)
        assert (result is None) == (method == "backward_params")
        grads.append([p.grad.copy() for p in model.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)
    activation_first = nl.Sequential(nl.ReLU(), nl.Linear(3, 2, rng=0))
    activation_first(x)
    assert activation_first.backward_params(dout) is None


# -- no silent wrong answer (issue 12) -------------------------------------------------------------

def test_relu_of_minus_infinity_is_zero_and_a_dead_unit_passes_no_gradient():
    relu = nl.ReLU()
    y = relu(np.array([[-np.inf, -1.0, 2.0, np.inf]]))
    np.testing.assert_array_equal(y, [[0.0, 0.0, 2.0, np.inf]])  # was nan for -inf
    dx = relu.backward(np.array([[np.inf, np.inf, 1.0, 1.0]]))
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 1.0, 1.0]])  # inf * 0 was nan
    np.testing.assert_array_equal(y, nl.relu(np.array([[-np.inf, -1.0, 2.0, np.inf]])))


def test_relu_backward_near_the_largest_float32_and_with_nan_at_a_dead_unit():
    relu = nl.ReLU()
    relu(np.array([[1.0, -1.0, 2.0, -2.0]], dtype=np.float32))
    big = np.float32(3e38)
    dx = relu.backward(np.array([[big, big, big, np.nan]], dtype=np.float32))
    np.testing.assert_array_equal(dx, np.array([[big, 0, big, 0]], dtype=np.float32))
    assert dx.dtype == np.float32


def test_changing_the_callers_input_after_forward_does_not_change_the_gradients():
    rng = np.random.default_rng(0)
    for layer in (nl.Linear(3, 2, rng=0), nl.PReLU(0.2)):
        x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3 if isinstance(layer, nl.PReLU) else 2))
        layer(x)
        expected = layer.backward(dout), [p.grad.copy() for p in layer.parameters()]
        layer(x)
        x[...] = 0.0  # the caller reuses its buffer before backward
        got = layer.backward(dout), [p.grad.copy() for p in layer.parameters()]
        np.testing.assert_array_equal(got[0], expected[0])
        for a, b in zip(got[1], expected[1]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("layer", [nl.Sigmoid(), nl.Tanh()], ids=repr)
def test_an_output_kept_for_backward_cannot_be_changed_in_place(layer):
    x = np.random.default_rng(0).standard_normal((3, 2))
    y = layer(x)
    with pytest.raises(ValueError, match="read-only"):
        y *= 2  # before: silently changed the cache, so backward gave wrong gradients
    copy = y.copy()
    copy *= 2  # a copy is the student's to change
    expected = nl.Sigmoid()(x) if isinstance(layer, nl.Sigmoid) else np.tanh(x)
    np.testing.assert_array_equal(layer.cache[0], expected)


def test_eval_mode_dropout_output_is_not_the_callers_array():
    x = np.ones((2, 3))
    out = nl.Dropout(0.5, rng=0).eval()(x)
    out[...] = 0.0
    np.testing.assert_array_equal(x, np.ones((2, 3)))  # zeroing the output zeroed x before


def test_dropout_backward_checks_the_shape_against_its_mask():
    layer = nl.Dropout(0.5, rng=0)
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\).backward expected dout of shape \(2, 3\)"):
        layer.backward(np.ones((5, 5)))
    assert layer.eval()(np.ones((4, 3))).shape == (4, 3) and layer.cache == ()  # the identity
    assert layer.cache_nbytes() == 0  # eval mode keeps no array for backward
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\).backward expected dout of shape \(4, 3\)"):
        layer.backward(np.ones((7, 9)))  # eval mode checks the shape too
    dout = np.ones((4, 3), dtype=np.float32)
    dx = layer.backward(dout)
    assert dx.dtype == np.float32 and dx is not dout
    np.testing.assert_array_equal(dx, dout)


def test_float32_model_stays_float32_with_float64_targets_and_prelu():
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(1, 8, rng=rng, dtype=np.float32), nl.PReLU(dtype=np.float32),
                          nl.ReLU(), nl.Dropout(0.2, rng=0), nl.Linear(8, 1, rng=rng, dtype=np.float32))
    X, y = nl.make_curve(20, rng=0)  # float64 data and targets, as the datasets give them
    loss = nl.MSELoss()
    out = model(X)
    loss(out, y)
    dout = loss.backward()
    assert out.dtype == dout.dtype == np.float32  # the float64 target made dout float64 before
    assert model.backward(dout).dtype == np.float32
    assert model[1].alpha.data.dtype == model[1].alpha.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    # a float64 dout is brought to the layer's dtype
    assert model.backward(dout.astype(np.float64)).dtype == np.float32


def test_sequential_rejects_the_same_layer_at_two_positions_through_nesting():
    shared = nl.Linear(2, 2, rng=0)
    with pytest.raises(ValueError, match=r"Sequential: layer 2.0 is the same object as layer 0.0 \(Linear\(2 -> 2\)\)"):
        nl.Sequential(nl.Sequential(shared), nl.Tanh(), nl.Sequential(shared))
    inner = nl.Sequential(nl.Tanh())
    with pytest.raises(ValueError, match="layer 1 is the same object as layer 0"):
        nl.Sequential(inner, inner)
    with pytest.raises(ValueError, match="layer 1.1 is the same object as layer 0"):
        nl.Sequential(shared, nl.Sequential(nl.Tanh(), shared))
