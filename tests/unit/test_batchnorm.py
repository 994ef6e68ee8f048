"""BatchNorm: the formula, gradcheck, PyTorch parity, running statistics, float32 and errors."""

import numpy as np
import pytest
from unit_helpers import GRAD_TOL, TORCH_TOL, batch, with_random_affine

import nnlesson as nl


def test_training_forward_is_the_formula():
    x = batch((6, 3), 0)
    layer = with_random_affine(nl.BatchNorm(3), 1)
    y = layer(x)
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + layer.eps)
    np.testing.assert_allclose(y, layer.gamma.data * xhat + layer.beta.data, rtol=1e-12)
    plain = nl.BatchNorm(3)(x)  # gamma = 1, beta = 0: each feature has mean 0 and variance ~1
    np.testing.assert_allclose(plain.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(plain.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5))


def test_running_statistics_follow_the_momentum_convention():
    layer = nl.BatchNorm(2, momentum=0.3)
    x1, x2 = batch((5, 2), 1), batch((5, 2), 2)
    layer(x1)
    layer(x2)
    mean = 0.7 * (0.7 * 0 + 0.3 * x1.mean(0)) + 0.3 * x2.mean(0)
    var = 0.7 * (0.7 * 1 + 0.3 * x1.var(0, ddof=1)) + 0.3 * x2.var(0, ddof=1)  # unbiased
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-12)


def test_eval_uses_the_running_statistics_and_leaves_them_alone():
    layer = with_random_affine(nl.BatchNorm(3, momentum=0.5), 3)
    for seed in range(4):
        layer(batch((8, 3), seed))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    layer.eval()
    x = batch((1, 3), 9)  # a batch of one is fine in eval mode
    expected = layer.gamma.data * (x - mean) / np.sqrt(var + layer.eps) + layer.beta.data
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.running_mean, mean)
    np.testing.assert_array_equal(layer.running_var, var)
    # In eval mode an example's output does not depend on the rest of its batch.
    both = layer(np.vstack([x, batch((4, 3), 10)]))
    np.testing.assert_allclose(both[:1], expected, rtol=1e-12)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(2, 1), (5, 3), (9, 4)])
def test_gradcheck(shape, training):
    layer = with_random_affine(nl.BatchNorm(shape[1], momentum=0.4), shape[0])
    layer(batch(shape, 100))  # running statistics away from 0 and 1 for the eval-mode check
    if not training:
        layer.eval()
    # A batch of two normalises to +-1 whatever x is: its input gradient is of the order of
    # eps / var, which central differences resolve only when var is not much larger than eps.
    scale = 0.01 if shape[0] == 2 else 3.0
    report = nl.gradcheck(layer, batch(shape, shape[0] + 7, scale=scale))
    assert set(report.errors) == {"gamma", "beta", "input"}
    assert report.max_error < GRAD_TOL, report


def test_float32_stays_float32():
    layer = nl.BatchNorm(3, dtype=np.float32)
    y = layer(batch((6, 3), 0))  # float64 input becomes float32, as in Linear
    assert y.dtype == np.float32
    assert layer.backward(np.ones((6, 3))).dtype == np.float32
    assert layer.gamma.grad.dtype == np.float32 and layer.beta.grad.dtype == np.float32
    assert layer.running_mean.dtype == np.float32 and layer.running_var.dtype == np.float32
    layer.eval()
    assert layer(batch((2, 3), 1)).dtype == np.float32
    model = nl.Sequential(nl.Linear(3, 4, rng=0, dtype=np.float32), nl.BatchNorm(4, dtype=np.float32))
    assert model(np.ones((5, 3), dtype=np.float32)).dtype == np.float32


def test_layer_contract():
    layer = with_random_affine(nl.BatchNorm(3), 2)
    assert layer.parameters() == [layer.gamma, layer.beta]
    assert [name for name, _ in layer.named_parameters()] == ["gamma", "beta"]
    assert repr(layer) == "BatchNorm(3)"
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((4, 3)))
    x, dout = batch((4, 3), 3), batch((4, 3), 4)
    layer(x)
    assert layer.cache_nbytes() == x.nbytes + 3 * 8  # xhat and 1/sqrt(var + eps)
    dx = layer.backward(dout)
    first = [p.grad.copy() for p in layer.parameters()]
    layer(x)
    assert layer.backward_params(dout) is None
    for g, p in zip(first, layer.parameters()):
        np.testing.assert_array_equal(p.grad, g)  # overwritten, not added
    layer(x)
    np.testing.assert_array_equal(layer.backward(dout), dx)
    with nl.no_grad():
        layer(x)
    assert layer.cache_nbytes() == 0
    with pytest.raises(RuntimeError, match="no_grad"):
        layer.backward(dout)


def test_sequential_train_and_eval_switch_it():
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.BatchNorm(3))
    model.eval()
    assert not model[1].training
    model(np.ones((1, 2)))  # eval mode: a single example works
    model.train()
    with pytest.raises(ValueError, match="at least 2"):
        model(np.ones((1, 2)))


@pytest.mark.parametrize("bad, match", [
    (np.ones((1, 3)), r"BatchNorm\(3\) in training mode needs a batch of at least 2 examples .* got shape \(1, 3\).*\.eval\(\)"),
    (np.ones((0, 3)), r"BatchNorm\(3\) in training mode needs a batch of at least 2 .* got shape \(0, 3\)"),
    (np.ones((4, 2)), r"BatchNorm\(3\) expected input with 3 features, of shape \(batch, 3\), got shape \(4, 2\)"),
    (np.ones(3), r"BatchNorm\(3\) expected input with 3 features.*got shape \(3,\).*reshape\(1, -1\)"),
    (np.ones((2, 3, 1)), r"got shape \(2, 3, 1\)"),
])
def test_bad_input_gets_a_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        nl.BatchNorm(3)(bad)


def test_bad_backward_and_arguments_get_clear_errors():
    layer = nl.BatchNorm(3)
    layer(np.arange(12.0).reshape(4, 3))
    with pytest.raises(ValueError, match=r"BatchNorm\(3\).backward expected dout of shape \(4, 3\).*got shape \(3, 4\)"):
        layer.backward(np.ones((3, 4)))
    with pytest.raises(TypeError, match=r"BatchNorm\(3\) expected a numeric array"):
        layer(np.array([["a", "b", "c"]] * 2))
    with pytest.raises(ValueError, match=r"BatchNorm\(0\): num_features must be a positive integer"):
        nl.BatchNorm(0)
    with pytest.raises(ValueError, match=r"BatchNorm\(3\): momentum must be in \[0, 1\], got 1.5"):
        nl.BatchNorm(3, momentum=1.5)
    with pytest.raises(TypeError, match=r"BatchNorm\(3\): momentum must be a number"):
        nl.BatchNorm(3, momentum="0.1")
    with pytest.raises(ValueError, match=r"BatchNorm\(3\): eps must be in \(0, inf\), got 0"):
        nl.BatchNorm(3, eps=0)
    with pytest.raises(ValueError, match=r"BatchNorm\(3\): dtype must be a floating-point type"):
        nl.BatchNorm(3, dtype=np.int64)


def test_a_constant_feature_gives_zeros_not_nan():
    x = np.column_stack([np.full(5, 7.0), np.arange(5.0)])
    layer = nl.BatchNorm(2)
    y = layer(x)
    np.testing.assert_array_equal(y[:, 0], 0)
    dx = layer.backward(np.ones((5, 2)))
    assert np.all(np.isfinite(dx)) and np.all(np.isfinite(y))


# -- PyTorch parity (runs where torch is installed) ---------------------------------------------
@pytest.mark.parametrize("momentum", [0.0, 0.1, 0.5, 1.0])
def test_matches_torch_batchnorm1d(momentum):
    torch = pytest.importorskip("torch")
    features, rng = 4, np.random.default_rng(int(momentum * 10))
    ours = with_random_affine(nl.BatchNorm(features, momentum=momentum, eps=1e-3), 11)
    theirs = torch.nn.BatchNorm1d(features, momentum=momentum, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.gamma.data))
        theirs.bias.copy_(torch.from_numpy(ours.beta.data))

    def close(a, b, what):
        b = b.detach().numpy() if hasattr(b, "detach") else b
        assert np.max(np.abs(a - b)) <= TORCH_TOL * max(1.0, np.max(np.abs(b))), what

    for step, n in enumerate([8, 3, 16, 2, 5]):  # several steps, batch sizes down to 2
        x = rng.normal(2.0, 3.0, size=(n, features))
        dout = rng.standard_normal((n, features))
        xt = torch.tensor(x, requires_grad=True)
        yt = theirs(xt)
        yt.backward(torch.from_numpy(dout))
        close(ours(x), yt, f"forward, step {step}")
        close(ours.backward(dout), xt.grad, f"input gradient, step {step}")
        close(ours.gamma.grad, theirs.weight.grad, f"gamma gradient, step {step}")
        close(ours.beta.grad, theirs.bias.grad, f"beta gradient, step {step}")
        close(ours.running_mean, theirs.running_mean, f"running mean, step {step}")
        close(ours.running_var, theirs.running_var, f"running variance, step {step}")
        theirs.weight.grad = theirs.bias.grad = None

    ours.eval()
    theirs.eval()
    x = rng.normal(2.0, 3.0, size=(6, features))
    dout = rng.standard_normal((6, features))
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(dout))
    close(ours(x), yt, "eval forward")
    close(ours.backward(dout), xt.grad, "eval input gradient")
    close(ours.gamma.grad, theirs.weight.grad, "eval gamma gradient")
    close(ours.beta.grad, theirs.bias.grad, "eval beta gradient")


def test_checkpointing_counts_each_batch_once_in_the_running_statistics():
    # The recomputing forward of a checkpointed backward runs in training mode too: without care it
    # would move BatchNorm's running averages a second time per step.
    x = np.random.default_rng(3).normal(size=(8, 4))
    dout = np.random.default_rng(4).normal(size=(8, 4))
    plain = nl.Sequential(nl.Linear(4, 4, rng=0), nl.BatchNorm(4), nl.ReLU())
    checkpointed = nl.Sequential(nl.Linear(4, 4, rng=0), nl.BatchNorm(4), nl.ReLU(),
                                 checkpoint_every=1)
    for model in (plain, checkpointed):
        for _ in range(3):
            model(x)
            model.backward(dout)
    np.testing.assert_array_equal(checkpointed[1].running_mean, plain[1].running_mean)
    np.testing.assert_array_equal(checkpointed[1].running_var, plain[1].running_var)
    np.testing.assert_array_equal(checkpointed[1].gamma.grad, plain[1].gamma.grad)


def test_gradcheck_passes_a_bias_before_batchnorm_whose_gradient_is_zero_and_says_why():
    """The bias has a true gradient of 0; round-off divided by a 1e-8 floor failed 18 of 20 seeds."""
    noted = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        model = nl.Sequential(nl.Linear(3, 4, rng=seed), nl.BatchNorm(4))
        report = nl.gradcheck(model, rng.standard_normal((5, 3)), rng=seed + 1)
        assert report.passed, (seed, report)
        if "note: 0.b has a gradient of 0" in repr(report):  # where round-off alone would fail
            assert report.errors["0.b"] == 0.0
            assert "BatchNorm, whose mean subtraction cancels it" in repr(report)
            noted += 1
    assert noted >= 15


def test_gradcheck_still_fails_a_wrong_gradient_where_the_true_one_is_zero():
    class BiasOfOnes(nl.Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.b.grad = np.ones_like(self.b.data)
            return dx

    model = nl.Sequential(BiasOfOnes(3, 4, rng=0), nl.BatchNorm(4))
    report = nl.gradcheck(model, np.random.default_rng(0).standard_normal((5, 3)))
    assert report.failed == ["0.b"] and "gradient of 0" not in repr(report)
