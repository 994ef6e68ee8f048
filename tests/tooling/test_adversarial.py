"""Regression tests for problems an adversarial review found: each failed before its fix."""

import base64
import re

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nnlesson.data import add_label_noise, batches, make_curve, train_val_split
from nnlesson.gradcheck import gradcheck, numerical_gradient
from nnlesson.graph import Tensor
from nnlesson.layers import BatchNorm, Linear
from nnlesson.teacher import AssignError, parse_cell, student_notebook

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


# ------------------------------------------------------------------ assign: no leaks


@pytest.mark.parametrize("begin", [
    "### BEGIN S0LUTION",  # a zero
    "### BEGIN S\N{CYRILLIC CAPITAL LETTER O}LUTION",
    "### BEG\N{ZERO WIDTH SPACE}IN SOLUTION",
    "### \N{FULLWIDTH LATIN CAPITAL LETTER B}EGIN SOLUTION",
    "### BEGIN SOL UTION",
    "### BEGIN H1DDEN TESTS",
    "### BEGIN TESTS",  # hidden tests without HIDDEN: nbgrader would show them
])
def test_a_disguised_marker_is_an_error_never_a_silent_copy(begin):
    end = "### END TESTS" if "TESTS" in begin else "### END SOLUTION"
    source = f"x = 1\n{begin}\nsecret = 'CANARY'\n{end}"
    if "END SOLUTION" in end:  # the END is a real marker: drop it to test the BEGIN alone
        source = source.replace(end, "### END S0LUTION")
    with pytest.raises(AssignError) as raised:
        parse_cell(source, "t.ipynb: cell 1 (code)")
    assert "line 2: " in str(raised.value) and "CANARY" not in str(raised.value)


def test_prose_near_the_new_rules_is_still_not_a_marker():
    for line in ["In the end, test accuracy drops.", "At the end test the model.",
                 "append(solution)", "We begin with a solution.".replace("begin", "start"),
                 "Section 2 begins: tests of the solver", "the end so far"]:
        assert parse_cell(line).parts == [line]


def _markdown_with(source, attachments):
    cell = new_markdown_cell(source)
    cell.attachments = {name: {"image/png": base64.b64encode(data).decode()}
                        for name, data in attachments.items()}
    return cell


def test_an_attachment_only_the_solution_shows_is_dropped_even_when_its_name_is_a_prefix():
    cell = _markdown_with("![question](attachment:plot.png)\n### BEGIN SOLUTION\n"
                          "![answer](attachment:plot)\n### END SOLUTION",
                          {"plot.png": b"question", "plot": b"CANARY"})
    student = student_notebook(new_notebook(cells=[cell]))[0]
    assert list(student.cells[0].attachments) == ["plot.png"]


def test_attachment_links_in_their_usual_forms_are_still_kept():
    for source, name in [("![q](attachment:my%20plot.png)", "my plot.png"),
                         ('<img src="attachment:a.png"/>', "a.png"),
                         ('![q](attachment:a.png "title")', "a.png")]:
        cell = _markdown_with(source, {name: b"question"})
        assert list(student_notebook(new_notebook(cells=[cell]))[0].cells[0].attachments) == [
            name]


def _exercise(answer, printed):
    cell = new_code_cell(f"def f():\n    ### BEGIN SOLUTION\n    return {answer}\n"
                         f"    ### END SOLUTION\nprint(f())\n### BEGIN HIDDEN TESTS\n"
                         f"assert abs(f() - {answer}) < 1e-9\n### END HIDDEN TESTS")
    cell.outputs = [new_output("stream", name="stdout", text=printed + "\n")]
    return new_notebook(cells=[cell])


@pytest.mark.parametrize("answer, printed", [
    ("0.69314718", "loss 0.6931"),  # rounded
    ("0.6931", "loss 0.69314718"),  # more digits than the test
    ("1797", "count 1797.0"),  # an integer printed as a float
    ("8.3e-05", "rate 8.30e-05"),  # scientific notation
    ("6291456", "6,291,456 bytes"),  # digit groups: comma,
    ("6291456", "6_291_456 bytes"),  # underscore,
    ("6291456", "6 291 456 bytes"),  # space,
    ("6291456", "6\u202f291\u202f456 bytes"),  # narrow no-break space (f"{n:n}" in some locales)
    ("6_291_456", "6291456 bytes"),  # the hidden test writes a Python literal with groups
    ("6_291_456", "6,291,456 bytes"),
    ("6291456", "6.291456e+06 bytes"),
])
def test_an_expected_output_showing_a_graded_number_in_another_form_is_refused(answer, printed):
    with pytest.raises(AssignError, match="shows a number that a hidden test checks"):
        student_notebook(_exercise(answer, printed))


@pytest.mark.parametrize("answer, printed", [
    ("0.69314718", "loss 0.7"),  # one significant digit: no answer
    ("0.69314718", "tolerance 1e-09"),
    ("1797", "count 1798"),
    ("6291456", "6,291,457 bytes"),  # another number, grouped
    ("6291456", "shape (6, 291, 456)"),  # a tuple, not a grouped number
])
def test_an_expected_output_with_other_numbers_is_kept(answer, printed):
    assert student_notebook(_exercise(answer, printed))[3] == 1


def test_an_expected_output_printing_a_solution_line_with_other_spacing_is_refused():
    cell = new_code_cell("def f(x, W):\n    ### BEGIN SOLUTION\n    return x.T @ W\n"
                         "    ### END SOLUTION")
    cell.outputs = [new_output("stream", name="stdout", text="return x.T  @  W\n")]
    with pytest.raises(AssignError, match="contains a line or a string of a solution"):
        student_notebook(new_notebook(cells=[cell]))


# ------------------------------------------------------------------ data


@pytest.mark.parametrize("kwargs, message", [
    ({"gap": (0,)}, r"gap must be a pair of numbers \(low, high\), got \(0,\)"),
    ({"x_range": 3}, r"x_range must be a pair of numbers \(low, high\), got 3"),
    ({"x_range": (0, 1, 2)}, r"x_range must be a pair of numbers"),
    ({"gap": (-3, 3)}, r"gap must be \(a, b\) with -3 <= a < b <= 3, leaving some of x_range"),
])
def test_make_curve_names_a_bad_range_or_gap(kwargs, message):
    # were an IndexError, unpacking errors, and (for a gap over the whole range) every x at -3
    with pytest.raises((TypeError, ValueError), match="make_curve: " + message):
        make_curve(10, rng=0, **kwargs)


def test_train_val_split_never_leaves_an_empty_training_set():
    for n, fraction in [(1, 0.2), (2, 0.9)]:
        with pytest.raises(ValueError, match=f"train_val_split: {n} example.s. with "
                                             f"val_fraction={fraction:g} leave no training"):
            train_val_split(np.ones((n, 2)), np.ones(n), val_fraction=fraction, rng=0)
    (X_train, _), (X_val, _) = train_val_split(np.ones((2, 2)), np.ones(2), rng=0)
    assert len(X_train) == len(X_val) == 1


def test_batches_take_lists_and_name_a_scalar():
    assert [b[1].tolist() for b in batches([[1], [2], [3]], [0, 1, 0], 2)] == [[0, 1], [0]]
    with pytest.raises(ValueError, match=r"batches: X and y must hold one example per row"):
        list(batches(1.0, 1.0, 2))
    with pytest.raises(ValueError, match=r"train_val_split: X and y must hold one example"):
        train_val_split(1.0, 1.0, rng=0)


def test_add_label_noise_of_no_labels_is_no_labels():
    assert add_label_noise(np.array([], dtype=int), 0.5, rng=0).shape == (0,)


class BiasFromFirstRow(Linear):
    """A wrong backward that a batch of one example cannot show: b.grad is dout[0], no sum."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.b.grad[...] = dout[0]
        return dx

    def backward_params(self, dout):
        self.backward(dout)


def test_gradcheck_on_a_batch_of_one_says_what_it_cannot_see():
    x = np.random.default_rng(5).normal(size=(6, 3))
    assert not gradcheck(BiasFromFirstRow(3, 2, rng=0), x).passed
    one = gradcheck(BiasFromFirstRow(3, 2, rng=0), x[:1])
    assert one.passed  # central differences on one example agree with it ...
    assert "a batch of one example cannot show a mistake in a sum over the batch" in repr(one)
    assert "batch of one" not in repr(gradcheck(Linear(3, 2, rng=0), x))  # ... so it says so


def test_gradcheck_names_a_forward_that_returns_no_array():
    class ToList(Linear):
        def forward(self, x):
            return super().forward(x).tolist()

    with pytest.raises(TypeError, match=r"gradcheck: Linear\(3 -> 2\).forward\(x\) should return "
                                        r"a numpy array \(the output\), got list"):
        gradcheck(ToList(3, 2, rng=0), np.ones((2, 3)))
