"""The graph autodiff: every operation against numerical gradients, deep graphs; and
backward after a tensor changed, in-place arithmetic and numpy functions (issue 25)."""

import re

import numpy as np
import pytest

import nnlesson as nl
from nnlesson.graph import Tensor, cross_entropy, mse, topological_order

TOL = 1e-7
rng = np.random.default_rng(0)


def check(build, *arrays):
    """Compare backward() with central differences for every input array of ``build``."""
    tensors = [Tensor(a.copy()) for a in arrays]
    loss = build(*tensors)
    loss.backward()
    for t in tensors:
        numeric = nl.numerical_gradient(lambda _: float(build(*tensors).data), t.data)
        assert nl.rel_error(t.grad, numeric) < TOL, (t, t.grad, numeric)


def weighted(out):
    """A scalar that weighs every output element differently, so no gradient is trivially 1."""
    w = np.arange(1, out.data.size + 1, dtype=float).reshape(out.shape) / out.data.size
    return (out * w).sum()


A, B = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
M = rng.normal(size=(4, 2))
POSITIVE = rng.uniform(0.5, 2.0, size=(3, 4))
AWAY_FROM_ZERO = np.where(np.abs(A) < 0.05, 0.3, A)


OPERATIONS = [
    ("add", lambda a, b: weighted(a + b), (A, B)),
    ("sub", lambda a, b: weighted(a - b), (A, B)),
    ("mul", lambda a, b: weighted(a * b), (A, B)),
    ("scalar ops", lambda a: weighted(2.0 * a - 1.5 + a * 3.0 - (1 - a)), (A,)),
    ("neg", lambda a: weighted(-a), (A,)),
    ("pow", lambda a: weighted(a ** 3 + a ** 2), (A,)),
    ("pow, fractional", lambda a: weighted(a ** 0.5), (POSITIVE,)),
    ("matmul", lambda a, m: weighted(a @ m), (A, M)),
    ("transpose", lambda a: weighted(a.T), (A,)),
    ("sum", lambda a: (a * a).sum(), (A,)),
    ("mean", lambda a: (a * a).mean(), (A,)),
    ("exp", lambda a: weighted(a.exp()), (A,)),
    ("log", lambda a: weighted(a.log()), (POSITIVE,)),
    ("relu", lambda a: weighted(a.relu()), (AWAY_FROM_ZERO,)),
    ("sigmoid", lambda a: weighted(a.sigmoid()), (A,)),
    ("tanh", lambda a: weighted(a.tanh()), (A,)),
    ("prelu", lambda a, alpha: weighted(a.prelu(alpha)), (AWAY_FROM_ZERO, np.array(0.2))),
    ("bias broadcast (n,) + (batch, n)", lambda x, b: weighted(x + b), (A, rng.normal(size=4))),
    ("broadcast (batch, 1) * (batch, n)", lambda x, c: weighted(x * c), (A, rng.normal(size=(3, 1)))),
    ("broadcast scalar tensor", lambda x, s: weighted(x * s), (A, np.array(1.7))),
    ("mse", lambda p, t: mse(p, t), (A, B)),
    ("cross_entropy", lambda z: cross_entropy(z, np.array([0, 3, 1])), (A,)),
    ("reuse of a node", lambda a: weighted(a * a + a), (A,)),
    ("divide", lambda a, p: weighted(a / p), (A, POSITIVE)),
    ("divide by a number, and a number by a tensor", lambda p: weighted(p / 2 + 3 / p), (POSITIVE,)),
    ("numpy array on the left", lambda a: weighted(np.full(A.shape, 2.0) * a - np.ones(A.shape) + a), (A,)),
    ("numpy array @ tensor, and over a tensor", lambda m: weighted(A @ (1.0 / (m * m + 1.0))), (M,)),
]


@pytest.mark.parametrize("name, build, arrays", OPERATIONS)
def test_every_operation_matches_numerical_gradients(name, build, arrays):
    check(build, *arrays)


def test_backward_twice_does_not_double_gradients():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    loss = (x * x).sum()
    loss.backward()
    first = x.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, first)
    np.testing.assert_array_equal(first, [2.0, 4.0, 6.0])


def test_a_2000_node_chain_backpropagates_without_recursion_error():
    x = Tensor(np.array(0.5))
    h = x
    for _ in range(2000):
        h = h * 1.0001
    h.backward()
    assert x.grad == pytest.approx(1.0001 ** 2000)
    assert len(topological_order(h)) == 4001  # x, 2000 constants, 2000 products


def test_backward_needs_a_scalar():
    with pytest.raises(ValueError, match=r"backward\(\) starts from a scalar loss, got a tensor of shape \(2,\)"):
        Tensor(np.ones(2)).backward()


def test_matmul_shape_errors_are_clear():
    with pytest.raises(ValueError, match=r"Tensor @: shapes \(3, 4\) and \(3, 4\) do not match"):
        Tensor(A) @ Tensor(B)


def test_the_mlp_gives_the_same_gradients_three_ways():
    X, y = nl.make_moons(16, rng=1)
    net = nl.Sequential(nl.Linear(2, 5, rng=2), nl.ReLU(), nl.Linear(5, 3, rng=3))
    # 1) the layers' manual backward
    loss_fn = nl.SoftmaxCrossEntropy()
    manual_loss = loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    manual = [p.grad.copy() for p in net.parameters()]
    # 2) the graph autodiff, on the same weights
    W1, b1, W2, b2 = (Tensor(p.data.copy()) for p in net.parameters())
    graph_loss = cross_entropy(((Tensor(X) @ W1.T + b1).relu()) @ W2.T + b2, y)
    graph_loss.backward()
    assert float(graph_loss.data) == pytest.approx(manual_loss, rel=1e-12)
    # 3) numerical gradients
    for p, mine, theirs in zip(net.parameters(), manual, (W1, b1, W2, b2)):
        numeric = nl.numerical_gradient(lambda _: loss_fn(net(X), y), p.data)
        assert nl.rel_error(mine, theirs.grad) < 1e-12
        assert nl.rel_error(mine, numeric) < TOL


def test_a_numpy_array_on_the_left_gives_a_tensor_not_an_object_array():
    t = Tensor([1.0, 2.0])
    for result in (np.array([3.0, 4.0]) * t, np.array([3.0, 4.0]) + t, np.array([3.0, 4.0]) - t,
                   np.array([3.0, 4.0]) / t, np.eye(2) @ Tensor(np.ones((2, 2)))):
        assert isinstance(result, Tensor), type(result)  # was an object array of Tensors
    np.testing.assert_array_equal((np.array([3.0, 4.0]) / t).data, [3.0, 2.0])


def test_unsupported_operands_and_values_get_clear_errors():
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="Tensor \\*: the other operand must be a Tensor, a number or a numeric array, got str"):
        t * "2"
    with pytest.raises(TypeError, match="Tensor /: .*got NoneType"):
        t / None
    with pytest.raises(TypeError, match="Tensor expected real numbers, got complex"):
        Tensor([1 + 2j])
    with pytest.raises(TypeError, match="Tensor \\*\\*: the exponent must be a number, got '2'"):
        t ** "2"


def test_relu_of_minus_infinity_and_an_infinite_gradient_give_no_nan():
    x = Tensor([-np.inf, -1.0, 2.0])
    y = x.relu()
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 2.0])
    with np.errstate(invalid="ignore"):  # inf * 0 in the product node itself is not relu's
        loss = (y * Tensor([np.inf, np.inf, 1.0])).sum()
        loss.backward()
    assert not np.isnan(x.grad[1]) and x.grad[1] == 0.0  # a dead unit passes nothing back


def test_mse_rejects_mismatched_shapes_naming_both():
    with pytest.raises(ValueError, match=r"mse expected pred and target of the same shape, got pred \(3, 1\) and target \(3,\)"):
        mse(Tensor(np.ones((3, 1))), np.ones(3))  # broadcast to a (3, 3) table before


# -- backward uses the values of the forward that built the graph (issue 25) ----------------------

def _in_place(t):
    t.data *= 1.5  # the array itself changes, as in a training step's `w.data -= lr * w.grad`
    t.data += 0.25


def _item_assignment(t):
    t.data[...] = t.data * 1.5 + 0.25


def _new_array(t):
    t.data = t.data * 1.5 + 0.25


@pytest.mark.parametrize("change", [_in_place, _item_assignment, _new_array])
@pytest.mark.parametrize("name, build, arrays", OPERATIONS)
def test_changing_any_tensor_after_forward_leaves_the_gradients_of_that_forward(name, build, arrays, change):
    tensors = [Tensor(a.copy()) for a in arrays]
    loss = build(*tensors)
    loss.backward()
    before = [t.grad.copy() for t in tensors]
    value = loss.data.copy()
    for node in topological_order(loss):  # inputs, the constants, every intermediate, the loss
        old = node.data.copy()
        change(node)
        assert not np.array_equal(node.data, old)  # the numbers did change
    loss.backward()
    for t, grad in zip(tensors, before):
        np.testing.assert_array_equal(t.grad, grad)  # was a mix of old and new values for * / @ log
    # and those are the gradients of the forward that ran, whose loss value is the one recorded
    np.testing.assert_array_equal(value, build(*[Tensor(a) for a in arrays]).data)


def test_the_issue_example_a_step_before_backward_gives_the_gradients_of_the_loss_computed():
    x, w = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    loss = (x * w).sum() + x.exp().sum()
    x.data -= 1.0
    loss.backward()
    np.testing.assert_allclose(x.grad, [3.0 + np.e, 4.0 + np.e ** 2])
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])  # was [0, 1]: the x of after the step


def test_cross_entropy_keeps_the_labels_of_its_forward():
    z, labels = Tensor(A.copy()), np.array([0, 3, 1])
    loss = cross_entropy(z, labels)
    loss.backward()
    before = z.grad.copy()
    labels[:] = [2, 2, 2]
    loss.backward()
    np.testing.assert_array_equal(z.grad, before)


def test_a_tensor_keeps_its_shape():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Tensor.data: a tensor keeps its shape \(2, 3\), got new data of shape \(3,\): make a new Tensor"):
        t.data = np.ones(3)
    t.data = [[1, 2, 3], [4, 5, 6]]  # new numbers of the same shape are fine, and become float64
    assert t.data.dtype == np.float64 and t.data[1, 2] == 6.0


# -- in-place arithmetic on a Tensor is refused, the idiom works (issue 25) ------------------------

@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "@", "**"])
def test_in_place_arithmetic_on_a_tensor_is_refused_naming_the_idiom(symbol):
    w = Tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"Tensor \+=, -=, \*=, /=, @=, \*\*=: a Tensor cannot be changed in place\..*"
                                        r"the graph would grow at every training step.*`w\.data -= lr \* w\.grad`"):
        exec(f"w {symbol}= 2.0", {}, {"w": w})
    np.testing.assert_array_equal(w.data, np.ones((2, 2)))
    assert w.parents == () and w.op == ""


def test_the_update_idiom_keeps_the_graph_the_same_size_and_learns():
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    w = Tensor(np.zeros((3, 1)))
    sizes, losses = [], []
    for _ in range(30):
        loss = mse(Tensor(X) @ w, y)
        loss.backward()
        w.data -= 0.1 * w.grad
        sizes.append(len(topological_order(loss)))
        losses.append(float(loss.data))
    assert set(sizes) == {sizes[0]}  # `w = w - lr * w.grad` would add two nodes per step
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))  # it learns


# -- numpy functions on a Tensor name the method; arrays still combine with it (issue 25) ----------

@pytest.mark.parametrize("call, way", [
    (np.exp, "t.exp()"), (np.log, "t.log()"), (np.tanh, "t.tanh()"),
    (lambda t: np.maximum(t, 0), "t.relu()"), (np.sqrt, "t ** 0.5"),
    (np.sum, "t.sum()"), (np.mean, "t.mean()"), (lambda t: np.dot(np.ones(2), t), "a @ b"),
])
def test_a_numpy_function_on_a_tensor_names_the_tensor_method(call, way):
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"np\.\w+ does not work on a Tensor: numpy would compute with the numbers alone.*"
                                        rf"use {re.escape(way)}"):
        call(t)


def test_a_numpy_function_without_a_tensor_method_lists_the_methods():
    with pytest.raises(TypeError, match=r"np\.sin does not work on a Tensor: .* \.exp\(\), \.log\(\),.* t\.data gives"):
        np.sin(Tensor([1.0]))


def test_numpy_cannot_write_a_tensor_into_an_array():
    a = np.zeros(2)
    with pytest.raises(TypeError, match=r"np\.add does not work on a Tensor: numpy cannot store a Tensor in an array \(got out=\): write a \+ b"):
        a += Tensor([1.0, 2.0])
    np.testing.assert_array_equal(a, [0.0, 0.0])


def test_numpy_numbers_and_arrays_on_the_left_still_enter_the_graph():
    t = Tensor([1.0, 2.0])
    loss = (np.float64(3.0) * t + np.array([1.0, -1.0]) * t - np.array([5.0, 5.0]) / t).sum()
    loss.backward()
    np.testing.assert_allclose(t.grad, [3.0 + 1.0 + 5.0, 3.0 - 1.0 + 5.0 / 4])
    assert isinstance(np.negative(t), Tensor) and (np.eye(2) @ Tensor(np.ones((2, 2)))).op == "@"
