"""Activations, losses, SGD and gradient checking."""

import warnings

import numpy as np
import pytest

import nnlesson as nl


def test_sigmoid_is_stable_and_correct():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail here
        assert nl.sigmoid(-1000.0) == 0.0
        assert nl.sigmoid(1000.0) == 1.0
        x = np.linspace(-30, 30, 601)
        np.testing.assert_allclose(nl.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14)
    assert nl.sigmoid(0.0) == 0.5


@pytest.mark.parametrize("f, df, args", [
    (nl.sigmoid, nl.sigmoid_derivative, ()),
    (nl.tanh, nl.tanh_derivative, ()),
    (nl.relu, nl.relu_derivative, ()),
    (nl.prelu, nl.prelu_derivative, (0.3,)),
    (nl.prelu, nl.prelu_derivative, (0.0,)),
])
def test_derivatives_match_central_differences(f, df, args):
    x = np.linspace(-4, 4, 80)  # no point lands exactly on the kink at 0
    h = 1e-6
    numeric = (f(x + h, *args) - f(x - h, *args)) / (2 * h)
    np.testing.assert_allclose(df(x, *args), numeric, atol=1e-8)


def test_ranges_and_kinks():
    x = np.linspace(-10, 10, 101)
    assert np.all((nl.sigmoid(x) > 0) & (nl.sigmoid(x) < 1))
    assert np.all(np.abs(nl.tanh(x[np.abs(x) < 5])) < 1)
    assert nl.relu_derivative(0.0) == 0.0
    assert nl.prelu_derivative(0.0, 0.1) == 0.1  # the lesson's rule: alpha for x <= 0
    assert nl.prelu_derivative(1e-9, 0.1) == 1.0
    assert nl.sigmoid_derivative(0.0) == 0.25


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]])
    p = nl.softmax(logits)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    assert p[0, 0] == 1.0


def test_mse_loss_value_and_gradient():
    pred, target = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 0.0], [0.0, 5.0]])
    loss = nl.MSELoss()
    numeric = nl.numerical_gradient(lambda p: loss(p, target), pred.copy())
    assert loss(pred, target) == pytest.approx((0 + 4 + 9 + 0) / 4)
    assert nl.rel_error(loss.backward(), numeric) < 1e-8


def test_cross_entropy_matches_definition_and_numerical_gradient():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    loss = nl.SoftmaxCrossEntropy()
    numeric = nl.numerical_gradient(lambda z: loss(z, labels), logits.copy())
    value = loss(logits, labels)  # after the numerical gradient: backward uses the last forward
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-np.mean(np.log(p[np.arange(6), labels])))
    assert nl.rel_error(loss.backward(), numeric) < 1e-7


def test_cross_entropy_is_stable_for_logits_of_size_1e4():
    loss = nl.SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(np.array([[1e4, -1e4], [-1e4, 1e4]]), np.array([1, 1]))
        grad = loss.backward()
    assert value == pytest.approx(1e4)  # the first row's true class is 2e4 below: loss 2e4, mean 1e4
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, [[0.5, -0.5], [0.0, 0.0]])


def test_sgd_plain_momentum_and_weight_decay():
    p = nl.Parameter(np.array([1.0, -2.0]))
    p.grad = np.array([0.5, 0.5])
    nl.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.05])

    q = nl.Parameter(np.array([1.0]))
    opt = nl.SGD([q], lr=0.1, momentum=0.9)
    q.grad = np.array([1.0])
    opt.step()  # v = 1
    opt.step()  # v = 0.9 + 1 = 1.9
    np.testing.assert_allclose(q.data, [1.0 - 0.1 - 0.19])

    r = nl.Parameter(np.array([2.0]))
    r.grad = np.array([0.0])
    nl.SGD([r], lr=0.5, weight_decay=0.1).step()  # grad + wd * data = 0.2
    np.testing.assert_allclose(r.data, [1.9])


def test_numerical_gradient_restores_x_and_is_accurate():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = nl.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-8)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])
    seen = []

    def f(v):  # raises only with one element nudged by eps, after the argument checks' calls
        nudged = v - [1.0, 2.0]
        if np.count_nonzero(nudged) == 1 and np.abs(nudged).max() < 1e-5:
            seen.append(v.copy())
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        nl.numerical_gradient(f, x)
    assert seen and seen[0][0] == 1.0 + 1e-6  # it raised with x[0] nudged ...
    np.testing.assert_array_equal(x, [1.0, 2.0])  # ... and x is back as it was


def test_rel_error_is_symmetric_with_a_floor():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.2])
    assert nl.rel_error(a, b) == pytest.approx(0.2 / 2.2)
    assert nl.rel_error(a, b) == nl.rel_error(b, a)
    assert nl.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert nl.rel_error(np.zeros(1), np.array([1e-12])) == pytest.approx(1e-4)  # floor 1e-8


class BrokenLinear(nl.Linear):
    """A Linear whose backward forgets to sum the bias gradient over the batch (a classic bug)."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.b.grad = dout[0]
        return dx


def test_gradcheck_reports_a_wrong_backward_naming_the_parameter():
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(3, 4, rng=rng), nl.Tanh(), BrokenLinear(4, 2, rng=rng))
    report = nl.gradcheck(model, rng.standard_normal((5, 3)))
    assert not report.passed
    assert report.failed == ["2.b"]
    assert report.errors["2.b"] > 1e-2 and report.errors["2.W"] < 1e-7
    text = str(report)
    assert "FAILED: 2.b" in text and "2.W" in text and "input" in text


def test_gradcheck_works_in_float64_on_a_float32_model_and_leaves_it_alone():
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(3, 4, rng=rng, dtype=np.float32), nl.Sigmoid())
    before = model[0].W.data.copy()
    report = nl.gradcheck(model, rng.standard_normal((2, 3)))
    assert report.max_error < 1e-7  # float32 central differences could not get near this
    assert model[0].W.data.dtype == np.float32
    np.testing.assert_array_equal(model[0].W.data, before)


# -- gradcheck catches the bugs students make (issue 12) -------------------------------------------

class AccumulatingLinear(nl.Linear):
    """The micrograd habit: backward ADDS into .grad. Right once on zeroed gradients only."""

    def backward(self, dout):
        (x,) = self._cached()
        self.W.grad += dout.T @ x
        self.b.grad += dout.sum(axis=0)
        return dout @ self.W.data


def test_gradcheck_fails_a_backward_that_adds_into_grad():
    x = np.random.default_rng(0).standard_normal((4, 3))
    report = nl.gradcheck(AccumulatingLinear(3, 2, rng=0), x)
    assert not report.passed and set(report.failed) == {"W", "b"}
    assert not report.max_error < 1e-6  # a test asserting max_error < tol fails too
    assert "backward adds into .grad (`p.grad += ...`)" in repr(report)
    # the advice keeps the contract: a new array (a student may keep the old one), not p.grad[...]
    assert "Set it to a new array instead: `p.grad = <the new array>`" in repr(report)
    assert "p.grad[...]" not in repr(report)
    # ... while the same layer written with overwriting passes
    assert nl.gradcheck(nl.Linear(3, 2, rng=0), x).passed


class NaNBackward(nl.Linear):
    def backward(self, dout):
        dx = super().backward(dout)
        self.W.grad[0, 0] = np.nan
        return dx


def test_a_nan_gradient_fails_and_shows_in_max_error():
    report = nl.gradcheck(NaNBackward(3, 2, rng=0), np.random.default_rng(0).standard_normal((4, 3)))
    assert np.isnan(report.max_error) and not report.max_error < 1e-6
    assert report.failed == ["W"] and "nan" in repr(report)
    assert np.isnan(nl.rel_error(np.array([1.0, np.nan]), np.array([1.0, 2.0])))
    assert np.isnan(nl.rel_error(np.array([np.inf]), np.array([np.inf])))


class BrokenBackwardParams(nl.Linear):
    def backward_params(self, dout):
        super().backward_params(dout)
        self.b.grad *= 2  # a bug only the training path (fit) would see


def test_gradcheck_checks_backward_params_as_well_as_backward():
    x = np.random.default_rng(0).standard_normal((4, 3))
    report = nl.gradcheck(nl.Sequential(BrokenBackwardParams(3, 2, rng=0), nl.Tanh()), x)
    assert report.failed == ["0.b"]
    assert "0.b: backward_params(dout) gives a different gradient than backward(dout)" in repr(report)


class StatefulSigmoid(nl.Sigmoid):
    """Changes its cache in place during backward: right once, wrong on a second backward."""

    def backward(self, dout):
        (y,) = self._cached()
        dx = dout * y * (1 - y)
        self.cache = (y * 0.5,)
        return dx


def test_gradcheck_runs_backward_twice():
    report = nl.gradcheck(StatefulSigmoid(), np.random.default_rng(0).standard_normal((3, 2)))
    assert report.failed == ["input"]
    assert "a second backward(dout) gave a different dL/dx" in repr(report)


def test_gradcheck_says_when_a_mismatch_sits_on_a_relu_kink():
    model = nl.Sequential(nl.Linear(3, 4, rng=1), nl.ReLU(), nl.Linear(4, 2, rng=2))
    x = np.random.default_rng(0).standard_normal((4, 3))
    x[0] = 0.0  # b = 0, so every pre-activation of row 0 is exactly 0: ReLU's kink
    report = nl.gradcheck(model, x)
    assert not report.passed and report.kinks and set(report.kinks) <= set(report.failed)
    assert "within eps=1e-06 of a kink" in repr(report) and "kink" in repr(report).splitlines()[2 + 4]
    # A real bug on the same point is not excused as a kink
    buggy = nl.gradcheck(nl.Sequential(AccumulatingLinear(3, 4, rng=1), nl.ReLU()), x)
    assert "0.W" not in buggy.kinks and "0.W" in buggy.failed


def test_numerical_gradient_refuses_float32_naming_float64():
    x = np.array([0.1, 0.01], dtype=np.float32)
    for dtype in (np.float32, np.float16):
        with pytest.raises(TypeError, match=f"numerical_gradient needs x in float64, got {np.dtype(dtype)}.*astype\\(np.float64\\)"):
            nl.numerical_gradient(lambda v: float(np.sum(v ** 2)), x.astype(dtype))


class ForgetsToReturn(nl.Tanh):
    def backward(self, dout):
        super().backward(dout)


def test_gradcheck_names_a_backward_that_returns_nothing_and_a_non_scalar_f():
    with pytest.raises(ValueError, match=r"gradcheck: ForgetsToReturn\(\).backward\(dout\) should return dL/dx of the input's shape \(2, 2\), got None \(a forgotten `return`\?\)"):
        nl.gradcheck(ForgetsToReturn(), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"numerical_gradient expected f\(x\) to return one real number \(a loss\), got ndarray of shape \(3,\)"):
        nl.numerical_gradient(lambda v: v ** 2, np.ones(3))


class KeepdimsBias(nl.Module):
    """A student's own layer y = x @ W.T + b whose bias gradient keeps a batch axis."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.W, self.b = nl.Parameter(rng.standard_normal((2, 3)), "W"), nl.Parameter(np.zeros(2), "b")

    def forward(self, x):
        self.cache = (x,)
        return x @ self.W.data.T + self.b.data

    def backward(self, dout):
        (x,) = self.cache
        self.W.grad = dout.T @ x
        self.b.grad = dout.sum(axis=0, keepdims=True)  # shape (1, 2): broadcasts silently in SGD
        return dout @ self.W.data

    def parameters(self):
        return [self.W, self.b]


def test_gradcheck_names_a_gradient_of_the_wrong_shape():
    report = nl.gradcheck(KeepdimsBias(), np.random.default_rng(0).standard_normal((4, 3)))
    assert report.failed == ["b"] and np.isnan(report.max_error)
    assert "b: its .grad has shape (1, 2); it must have the shape of the parameter, (2,)" in repr(report)
