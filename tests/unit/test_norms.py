"""What BatchNorm and LayerNorm share, tested on both: the same checks along each one's axis.

BatchNorm normalises each feature over the batch (axis 0), LayerNorm each example over its
features (axis 1); the layer-specific tests are in test_batchnorm.py and test_layernorm.py.
"""

import numpy as np
import pytest
from unit_helpers import GRAD_TOL, batch, with_random_affine

import nnlesson as nl

NORMS = {"BatchNorm": (nl.BatchNorm, 0), "LayerNorm": (nl.LayerNorm, 1)}  # class, the axis it averages


@pytest.mark.parametrize("name, activation", [("BatchNorm", nl.Tanh), ("LayerNorm", nl.ReLU)])
def test_gradcheck_inside_a_model_with_a_loss(name, activation):
    norm, _ = NORMS[name]
    rng = np.random.default_rng(4)
    model = nl.Sequential(nl.Linear(3, 6, rng=rng), with_random_affine(norm(6), 5),
                          activation(), nl.Linear(6, 3, rng=rng))
    report = nl.gradcheck(model, rng.standard_normal((7, 3)), nl.SoftmaxCrossEntropy(),
                          np.array([0, 1, 2, 0, 1, 2, 0]))
    assert report.max_error < GRAD_TOL, report
    assert list(report.errors) == ["0.W", "0.b", "1.gamma", "1.beta", "3.W", "3.b", "input"]


@pytest.mark.parametrize("name, shape", [("BatchNorm", (10, 4)), ("LayerNorm", (3, 5))])
def test_input_gradient_sums_to_zero_along_the_normalised_axis(name, shape):
    # y does not change when one number is added to every element that shares a mean (a
    # feature of every example, or every feature of an example), so the gradient summed over
    # them is 0: a backward that forgets the mean's path fails this.
    norm, axis = NORMS[name]
    layer = with_random_affine(norm(shape[1]), 6)
    layer(batch(shape, 6))
    dx = layer.backward(np.random.default_rng(7).standard_normal(shape))
    np.testing.assert_allclose(dx.sum(axis=axis), 0, atol=1e-12)


@pytest.mark.parametrize("name, shape", [("BatchNorm", (64, 3)), ("LayerNorm", (5, 64))])
def test_float32_is_stable_for_a_large_offset(name, shape):
    # Values of 1e4 + noise of size 1: E[x^2] - mu^2 would lose every digit in float32.
    norm, _ = NORMS[name]
    rng = np.random.default_rng(8)
    x64, dout = 1e4 + rng.standard_normal(shape), rng.standard_normal(shape)
    results = {}
    for dtype in (np.float32, np.float64):
        layer = norm(shape[1], dtype=dtype)
        y = layer(x64.astype(dtype))
        results[dtype] = (y, layer.backward(dout.astype(dtype)))
        assert {a.dtype for a in (*results[dtype], layer.gamma.grad, layer.beta.grad)} == {np.dtype(dtype)}
    for a, b in zip(results[np.float32], results[np.float64]):
        assert nl.rel_error(a, b) < 1e-3
