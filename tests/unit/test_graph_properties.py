"""Property tests of ``nnlesson.graph`` over random shapes and values (hypothesis), as minitorch has.

- Every Tensor operation: ``backward()`` agrees with central differences (``numerical_gradient``,
  eps 1e-6) element by element, |backward - numerical| <= ATOL + RTOL |numerical|. The loss is
  the operation's output weighted by random numbers and summed, so no gradient is trivially 1.
- Broadcasting: for random pairs of broadcastable shapes, ``+ - * /`` give each operand a
  gradient of the operand's own shape, with the right values; and ``unbroadcast`` gives every
  element the sum of the gradient over the positions broadcasting copied it to.

Inputs keep away from where central differences are no derivative or the operation is undefined
(ReLU's and pReLU's kink at 0, log and fractional powers at 0 and below, a division by ~0).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

import nnlesson as nl
from nnlesson.graph import Tensor, cross_entropy, mse, unbroadcast

# Central differences with eps = 1e-6 in float64: truncation about eps² f''' ~ 1e-12, round-off
# about 1e-16 |loss| / eps ~ 1e-9 for the losses here (at most a few hundred).
RTOL, ATOL = 1e-6, 1e-7

# The same examples on every run (no flaky test), few of them: the unit lane stays fast.
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True)

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
ANY = st.floats(-2, 2)
POSITIVE = st.floats(0.1, 2)
AWAY_FROM_ZERO = st.one_of(st.floats(-2, -0.05), st.floats(0.05, 2))
NOT_SMALL = st.one_of(st.floats(-2, -0.5), st.floats(0.5, 2))  # a divisor


def values(shape, elements=ANY):
    return arrays(np.float64, shape, elements=elements)


def check_gradients(build, arrays_in, weights_seed):
    """backward() of sum(build(*tensors) * W), W random, against central differences."""
    tensors = [Tensor(a.copy()) for a in arrays_in]
    out_shape = build(*tensors).shape
    W = np.random.default_rng(weights_seed).uniform(-1, 1, size=out_shape)

    def loss():
        return (build(*tensors) * W).sum()

    loss().backward()
    for t in tensors:
        numeric = nl.numerical_gradient(lambda _: float(loss().data), t.data)
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, numeric, rtol=RTOL, atol=ATOL)


SEED = st.integers(0, 2 ** 16)

UNARY = {  # name -> (operation, the values it is checked on)
    "neg": (lambda a: -a, ANY),
    "T": (lambda a: a.T, ANY),
    "sum": (lambda a: a.sum(), ANY),
    "mean": (lambda a: a.mean(), ANY),
    "exp": (lambda a: a.exp(), ANY),
    "log": (lambda a: a.log(), POSITIVE),
    "relu": (lambda a: a.relu(), AWAY_FROM_ZERO),
    "sigmoid": (lambda a: a.sigmoid(), ANY),
    "tanh": (lambda a: a.tanh(), ANY),
    "number on the left": (lambda a: 2.5 - 1.5 * a + 0.5 / (a * a + 1.0), ANY),
}


@pytest.mark.parametrize("name", sorted(UNARY))  # each operation gets examples of its own
@SETTINGS
@given(shape=SHAPES, data=st.data(), seed=SEED)
def test_every_unary_operation_matches_central_differences(name, shape, data, seed):
    operation, elements = UNARY[name]
    check_gradients(operation, [data.draw(values(shape, elements))], seed)


@SETTINGS
@given(n=st.sampled_from([-2, -1, 0, 1, 2, 3]), shape=SHAPES, data=st.data(), seed=SEED)
def test_integer_powers_match_central_differences(n, shape, data, seed):
    check_gradients(lambda a: a ** n, [data.draw(values(shape, AWAY_FROM_ZERO))], seed)


@SETTINGS
@given(n=st.floats(0.5, 2.5), shape=SHAPES, data=st.data(), seed=SEED)
def test_fractional_powers_match_central_differences(n, shape, data, seed):
    check_gradients(lambda a: a ** n, [data.draw(values(shape, POSITIVE))], seed)


@SETTINGS
@given(sizes=st.tuples(*[st.integers(1, 4)] * 3), data=st.data(), seed=SEED)
def test_matmul_matches_central_differences(sizes, data, seed):
    n, k, m = sizes
    A, B = data.draw(values((n, k))), data.draw(values((k, m)))
    check_gradients(lambda a, b: a @ b, [A, B], seed)
    check_gradients(lambda b: A @ b, [B], seed)  # a numpy array on the left


@SETTINGS
@given(shape=SHAPES, data=st.data(), seed=SEED)
def test_prelu_matches_central_differences_for_the_input_and_alpha(shape, data, seed):
    x, alpha = data.draw(values(shape, AWAY_FROM_ZERO)), data.draw(values((), st.floats(0, 1)))
    check_gradients(lambda a, s: a.prelu(s), [x, alpha], seed)


@SETTINGS
@given(shape=SHAPES, data=st.data())
def test_mse_matches_central_differences(shape, data):
    pred, target = data.draw(values(shape)), data.draw(values(shape))
    check_gradients(lambda p, t: mse(p, t), [pred, target], 0)


@SETTINGS
@given(batch=st.integers(1, 5), classes=st.integers(1, 5), data=st.data())
def test_cross_entropy_matches_central_differences(batch, classes, data):
    logits = data.draw(values((batch, classes), st.floats(-5, 5)))
    labels = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=batch,
                                         max_size=batch)))
    check_gradients(lambda z: cross_entropy(z, labels), [logits], 0)


# -- broadcasting ----------------------------------------------------------------------------------
BROADCASTABLE = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
BINARY = {
    "+": (lambda a, b: a + b, ANY),
    "-": (lambda a, b: a - b, ANY),
    "*": (lambda a, b: a * b, ANY),
    "/": (lambda a, b: a / b, NOT_SMALL),
}


@pytest.mark.parametrize("symbol", sorted(BINARY))
@settings(max_examples=40, deadline=None, derandomize=True)
@given(shapes=BROADCASTABLE, data=st.data(), seed=SEED)
def test_broadcasting_operators_give_each_operand_the_gradient_of_its_own_shape(
        symbol, shapes, data, seed):
    operation, elements = BINARY[symbol]
    (shape_a, shape_b), result = shapes
    a, b = data.draw(values(shape_a)), data.draw(values(shape_b, elements))
    assert operation(Tensor(a), Tensor(b)).shape == result
    check_gradients(operation, [a, b], seed)  # shapes and values, for both operands


@settings(max_examples=60, deadline=None, derandomize=True)
@given(shapes=BROADCASTABLE, seed=SEED)
def test_unbroadcast_sums_the_gradient_over_the_copies_broadcasting_made(shapes, seed):
    (shape, _), result = shapes
    grad = np.random.default_rng(seed).normal(size=result)
    # Where each position of the broadcast result was copied from: the index into the original.
    source = np.broadcast_to(np.arange(int(np.prod(shape))).reshape(shape), result)
    expected = np.zeros(int(np.prod(shape)))
    np.add.at(expected, source.ravel(), grad.ravel())
    summed = unbroadcast(grad, shape)
    assert summed.shape == shape
    np.testing.assert_allclose(summed, expected.reshape(shape), rtol=1e-12, atol=1e-12)
