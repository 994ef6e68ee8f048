"""Regression tests for problems an adversarial review found: each failed before its fix."""


import numpy as np
import pytest

from nnlesson.gradcheck import gradcheck, numerical_gradient
from nnlesson.layers import BatchNorm, Linear

# ------------------------------------------------------------------ gradcheck


class TransposedW(Linear):
    """A wrong backward: dW transposed (its shape hides the mistake for a square layer)."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.W.grad[...] = self.W.grad.T.copy()
        return dx

    def backward_params(self, dout):
        self.backward(dout)


def test_gradcheck_catches_a_transposed_dW_when_x_comes_from_the_same_seed():
    # x from default_rng(0) was exactly gradcheck's G (rng=0): x^T G was symmetric, and the
    # transposed dW passed
    x = np.random.default_rng(0).standard_normal((4, 3))
    report = gradcheck(TransposedW(3, 3, rng=0), x)
    assert not report.passed and report.failed == ["W"]
    assert gradcheck(Linear(3, 3, rng=0), x).passed


def test_gradcheck_passes_a_correct_batchnorm_on_data_scaled_from_the_same_seed():
    # lesson 09's data: rng.normal(loc, scale) from seed 0 is G shifted and scaled column by
    # column; with G = dL/dy so aligned with x, the true dL/dx cancels to ~0 and a correct
    # BatchNorm failed at 1e-5
    rng = np.random.default_rng(0)
    x = rng.normal(loc=[5.0, -3.0, 0.0], scale=[4.0, 0.5, 1.0], size=(200, 3))
    assert gradcheck(BatchNorm(3), x[:8], tol=1e-7).passed
    assert gradcheck(BatchNorm(3), np.random.default_rng(0).standard_normal((4, 3))).passed


def test_gradcheck_refuses_an_empty_batch_instead_of_passing_anything():
    with pytest.raises(ValueError, match=r"gradcheck needs an input with at least one element, "
                                         r"got shape \(0, 3\)"):
        gradcheck(TransposedW(3, 3, rng=0), np.zeros((0, 3)))


def test_numerical_gradient_names_a_read_only_input():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="numerical_gradient: x is read-only"):
        numerical_gradient(lambda a: float(np.sum(a * a)), x)
