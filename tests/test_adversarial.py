"""Regression tests for problems an adversarial review found: each failed before its fix."""

import re

import numpy as np
import pytest

from nnlesson.gradcheck import gradcheck, numerical_gradient
from nnlesson.graph import Tensor
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


# ------------------------------------------------------------------ graph


def test_graph_shapes_that_do_not_broadcast_name_the_operator():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones(3))
    for op, symbol in [(lambda: a + b, "+"), (lambda: a * b, "*"), (lambda: a - b, "-"),
                       (lambda: a / b, "/"), (lambda: np.ones(3) - a, "-")]:
        with pytest.raises(ValueError, match=f"Tensor {re.escape(symbol)}: shapes"):
            op()


def test_graph_power_refuses_a_complex_result_and_has_a_zero_derivative_for_n_0():
    with pytest.raises(ValueError, match=r"Tensor \*\* 0.5: a non-integer power of a negative"):
        Tensor(np.array([-1.0, 4.0])) ** 0.5
    assert (Tensor(np.array([-2.0])) ** 3).data[0] == -8.0  # integer powers stay allowed
    x = Tensor(np.array([0.0, 2.0]))
    (x ** 0).sum().backward()  # was 0 * 0**-1 = NaN at 0
    assert np.array_equal(x.grad, [0.0, 0.0])


def test_graph_mean_of_an_empty_tensor_is_an_error_not_nan():
    with pytest.raises(ValueError, match="Tensor.mean: the tensor is empty"):
        Tensor(np.zeros(0)).mean()


def test_graph_prelu_with_a_one_element_alpha_keeps_the_input_shape():
    x, alpha = Tensor(np.array([-1.0, 2.0, -3.0])), Tensor(np.array([[0.1]]))
    y = x.prelu(alpha)
    assert y.shape == (3,)
    y.sum().backward()
    assert alpha.grad.shape == (1, 1) and np.isclose(alpha.grad.item(), -4.0)
    assert np.allclose(x.grad, [0.1, 1.0, 0.1])
