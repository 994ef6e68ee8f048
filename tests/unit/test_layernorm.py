"""LayerNorm: the formula, gradcheck, the layer contract on random shapes, errors, PyTorch parity."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unit_helpers import GRAD_TOL, TORCH_TOL, batch, with_random_affine

import nnlesson as nl


def test_forward_is_the_formula_per_example():
    x = batch((6, 4), 0)
    layer = with_random_affine(nl.LayerNorm(4), 1)
    xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(layer(x), layer.gamma.data * xhat + layer.beta.data, rtol=1e-12)
    plain = nl.LayerNorm(4)(x)  # gamma = 1, beta = 0: each ROW has mean 0 and variance ~1
    np.testing.assert_allclose(plain.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(plain.var(axis=1), 1, rtol=1e-4)
    # one example's output does not depend on the others, in training and in eval mode alike
    np.testing.assert_array_equal(nl.LayerNorm(4)(x[2:3]), plain[2:3])
    np.testing.assert_array_equal(nl.LayerNorm(4).eval()(x), plain)


@pytest.mark.parametrize("shape", [(1, 3), (7, 5), (2, 1), (4, 2)])
def test_gradcheck(shape):
    layer = with_random_affine(nl.LayerNorm(shape[1]), shape[0])
    # Two features normalise to +-1 whatever x is (as a batch of two in BatchNorm): the input
    # gradient is of the order of eps / var, which central differences resolve at a small scale.
    scale = 0.01 if shape[1] == 2 else 3.0
    report = nl.gradcheck(layer, batch(shape, shape[0] + 7, scale=scale))
    assert set(report.errors) == {"gamma", "beta", "input"}
    assert report.max_error < GRAD_TOL, report


def test_a_constant_example_gives_zeros_not_nan():
    x = np.array([[7.0, 7.0, 7.0], [0.0, 1.0, 2.0]])
    layer = nl.LayerNorm(3)
    y = layer(x)
    np.testing.assert_array_equal(y[0], 0)
    assert np.all(np.isfinite(layer.backward(np.ones((2, 3)))))


# -- the layer contract on random shapes, batch sizes (1 included) and dtypes ------------------
@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from([np.float32, np.float64]),
       st.integers(0, 2 ** 16))
def test_the_layer_contract(n, features, dtype, seed):
    layer = with_random_affine(nl.LayerNorm(features, dtype=dtype), seed)
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal((n, features)).astype(dtype), rng.standard_normal((n, features))
    dout = dout.astype(dtype)
    before = x.copy(), dout.copy()
    y = layer(x)
    dx = layer.backward(dout)
    grads = [p.grad.copy() for p in layer.parameters()]
    assert y.shape == dx.shape == x.shape and {y.dtype, dx.dtype} == {np.dtype(dtype)}
    assert all(g.dtype == dtype for g in grads)
    np.testing.assert_array_equal(layer.backward(dout), dx)  # overwritten, never added
    for p, g in zip(layer.parameters(), grads):
        np.testing.assert_array_equal(p.grad, g)
    np.testing.assert_array_equal(x, before[0])  # the inputs are left alone
    np.testing.assert_array_equal(dout, before[1])
    twin = nl.LayerNorm(features, dtype=dtype).load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(twin(x), y)
    if dtype == np.float64 and features > 2:  # (2 features: see test_gradcheck)
        report = nl.gradcheck(layer, x, rng=seed)
        assert report.passed and report.max_error < 1e-6, report


def test_layer_contract_details():
    layer = with_random_affine(nl.LayerNorm(3), 2)
    assert layer.parameters() == [layer.gamma, layer.beta]
    assert layer.state_dict().keys() == {"gamma", "beta"}  # no buffers
    assert repr(layer) == "LayerNorm(3)"
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((4, 3)))
    x, dout = batch((4, 3), 3), batch((4, 3), 4)
    layer(x)
    assert layer.cache_nbytes() == x.nbytes + 4 * 8  # xhat and one 1/sqrt(var + eps) per example
    dx = layer.backward(dout)
    layer(x)
    assert layer.backward_params(dout) is None
    layer(x)
    np.testing.assert_array_equal(layer.backward(dout), dx)
    with nl.no_grad():
        layer(x)
    assert layer.cache_nbytes() == 0
    with pytest.raises(RuntimeError, match="no_grad"):
        layer.backward(dout)


# -- errors name the layer, what it expected and what it got -----------------------------------
@pytest.mark.parametrize("bad, match", [
    (np.ones((4, 2)), r"LayerNorm(3) expected input with 3 features, of shape (batch, 3), got shape (4, 2)"),
    (np.ones(3), r"got shape (3,) (for one example use x.reshape(1, -1))"),
    (np.ones((2, 3, 1)), r"LayerNorm(3) expected input with 3 features, of shape (batch, 3), got shape (2, 3, 1)"),
])
def test_bad_input_gets_a_clear_error(bad, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        nl.LayerNorm(3)(bad)


def test_bad_backward_and_arguments_get_clear_errors():
    layer = nl.LayerNorm(3)
    layer(np.arange(12.0).reshape(4, 3))
    with pytest.raises(ValueError, match=re.escape("LayerNorm(3).backward expected dout of shape (4, 3) (the shape of its last output), got shape (3, 4)")):
        layer.backward(np.ones((3, 4)))
    with pytest.raises(TypeError, match=re.escape("LayerNorm(3) expected a numeric array")):
        layer(np.array([["a", "b", "c"]] * 2))
    with pytest.raises(ValueError, match=re.escape("LayerNorm(0): num_features must be a positive integer, got 0")):
        nl.LayerNorm(0)
    with pytest.raises(ValueError, match=re.escape("LayerNorm(2.5): num_features must be a positive integer")):
        nl.LayerNorm(2.5)
    with pytest.raises(ValueError, match=re.escape("LayerNorm(3): eps must be in (0, inf), got 0")):
        nl.LayerNorm(3, eps=0)
    with pytest.raises(TypeError, match=re.escape("LayerNorm(3): eps must be a number")):
        nl.LayerNorm(3, eps="1e-5")
    with pytest.raises(ValueError, match=re.escape("LayerNorm(3): dtype must be a floating-point type, got int64")):
        nl.LayerNorm(3, dtype=np.int64)


# -- PyTorch parity (runs where torch is installed) ---------------------------------------------
@pytest.mark.parametrize("eps", [1e-5, 1e-2])
@pytest.mark.parametrize("shape", [(1, 4), (6, 4), (3, 1), (5, 9)])
def test_matches_torch_layernorm(shape, eps):
    torch = pytest.importorskip("torch")
    ours = with_random_affine(nl.LayerNorm(shape[1], eps=eps), 11)
    theirs = torch.nn.LayerNorm(shape[1], eps=eps, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.gamma.data))
        theirs.bias.copy_(torch.from_numpy(ours.beta.data))
    rng = np.random.default_rng(shape[0] * 10 + shape[1])
    x, dout = rng.normal(2.0, 3.0, size=shape), rng.standard_normal(shape)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(dout))
    pairs = {"forward": (ours(x), yt), "input gradient": (ours.backward(dout), xt.grad),
             "gamma gradient": (ours.gamma.grad, theirs.weight.grad),
             "beta gradient": (ours.beta.grad, theirs.bias.grad)}
    for what, (a, b) in pairs.items():
        b = b.detach().numpy()
        assert np.max(np.abs(a - b)) <= TORCH_TOL * max(1.0, np.max(np.abs(b))), what
