"""Assignment 1's checks (nnlesson.checks.a1): each passes a reference written independently, as a
student would, and fails typical wrong answers with a message naming the mistake; the helpers
cope with unfinished work; the student version of the notebook runs top to bottom."""

import itertools
import re
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks
from nnlesson.checks import a1

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "assignments" / "A1_mlp_from_scratch.ipynb"
SOURCE = ROOT / "lessons_src" / "assignments" / "A1_mlp_from_scratch.py"


def verdict(check, *fns, capsys):
    assert check(*fns) is None  # prints, returns nothing (a notebook shows no extra output)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out
    assert check(*fns, quiet=True) == out.startswith(checks.PASS)
    assert capsys.readouterr().out == ""  # quiet prints nothing
    return out


# -- reference solutions, written as a student would ----------------------------------------------
def linear_forward(x, W, b):
    return np.dot(x, W.T) + b[None, :]


def linear_backward(x, W, dout):
    return np.einsum("no,oi->ni", dout, W), np.einsum("no,ni->oi", dout, x), np.sum(dout, axis=0)


def relu_forward(x):
    return np.where(x > 0, x, 0.0)


def relu_backward(x, dout):
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    log_p = logits - lse
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), labels] = 1.0
    return -np.sum(log_p * onehot) / n, (np.exp(log_p) - onehot) / n


def rel_error(a, b):
    top = np.abs(a - b).max()
    return top / np.max([np.abs(a).max(), np.abs(b).max(), 1e-8])


def gradient_errors(forward, x, W, b, dout, grads):
    errors = []
    for array, grad in zip([x, W, b], grads):
        numeric = nl.numerical_gradient(lambda _: (forward(x, W, b) * dout).sum(), array)
        errors.append(rel_error(numeric, grad))
    return errors[0], errors[1], errors[2]


def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    out = []
    for chunk in np.array_split(order, np.arange(batch_size, len(X), batch_size)):
        out.append((X[chunk], y[chunk]))
    return out


def sgd_momentum_step(params, grads, velocities, lr, momentum):
    for i in range(len(params)):
        velocities[i][...] = momentum * velocities[i] + grads[i]
        params[i][...] = params[i] - lr * velocities[i]


def mlp_loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    z = linear_forward(X, W1, b1)
    h = relu_forward(z)
    loss, ds = softmax_cross_entropy(linear_forward(h, W2, b2), y)
    dh, dW2, db2 = linear_backward(h, W2, ds)
    _, dW1, db1 = linear_backward(X, W1, relu_backward(z, dh))
    return loss, [dW1, db1, dW2, db2]


def init_mlp(n_in, n_hidden, n_out, rng):  # as in the notebook
    W1 = rng.normal(0, np.sqrt(2 / n_in), size=(n_hidden, n_in))
    W2 = rng.normal(0, np.sqrt(2 / n_hidden), size=(n_out, n_hidden))
    return [W1, np.zeros(n_hidden), W2, np.zeros(n_out)]


def make_train(step=sgd_momentum_step, loss_and_grads=None, accuracy_on="val",
               seeded=True, batches=minibatches, mean_over="batches", as_arrays=False):
    # The mistake "not seeded" ignores the seed: every call draws other numbers. They come from
    # seeds 100, 101, ... rather than from the operating system's entropy, so that the test is
    # the same on every run (an unlucky draw once missed the goal, and the verdict was another).
    other_seeds = itertools.count(100)

    def train_mlp(X_train, y_train, X_val, y_val, *, hidden=64, epochs=10, batch_size=32,
                  lr=0.05, momentum=0.9, seed=0):
        rng = np.random.default_rng(seed if seeded else next(other_seeds))
        params = init_mlp(64, hidden, 10, rng)
        velocities = [np.zeros_like(p) for p in params]
        history = {"train_loss": [], "val_accuracy": []}
        X_acc, y_acc = (X_val, y_val) if accuracy_on == "val" else (X_train, y_train)
        for _ in range(epochs):
            losses = []
            for xb, yb in batches(X_train, y_train, batch_size, rng):
                # by its global name, as a student's loop calls it (the check records it)
                loss, grads = (loss_and_grads or mlp_loss_and_grads)(params, xb, yb)
                step(params, grads, velocities, lr, momentum)
                losses.append(loss)
            if mean_over != "batches":
                losses = []  # the mistake: the list emptied before its mean is taken
            history["train_loss"].append(np.mean(losses) if losses else np.nan)
            W1, b1, W2, b2 = params
            scores = linear_forward(relu_forward(linear_forward(X_acc, W1, b1)), W2, b2)
            history["val_accuracy"].append(np.mean(scores.argmax(1) == y_acc))
        if as_arrays:  # numpy arrays instead of lists: allowed
            history = {key: np.array(value) for key, value in history.items()}
        return params, history

    return train_mlp


train_mlp = make_train()


# -- typical wrong answers -------------------------------------------------------------------------
def forward_without_bias(x, W, b):
    return x @ W.T


def forward_with_W_untransposed(x, W, b):
    return x @ W + b


def forward_with_python_loops(x, W, b):
    y = np.zeros((x.shape[0], W.shape[0]))
    for n in range(x.shape[0]):
        for j in range(W.shape[0]):
            total = b[j]
            for i in range(x.shape[1]):
                total += x[n, i] * W[j, i]
            y[n, j] = total
    return y


def backward_dW_transposed(x, W, dout):
    return dout @ W, x.T @ dout, dout.sum(axis=0)


def backward_dW_averaged(x, W, dout):
    return dout @ W, dout.T @ x / len(x), dout.sum(axis=0)


def backward_forgets_db(x, W, dout):
    return dout @ W, dout.T @ x, np.zeros(W.shape[0])


def backward_db_not_summed(x, W, dout):
    return dout @ W, dout.T @ x, dout


def backward_db_averaged(x, W, dout):
    return dout @ W, dout.T @ x, dout.mean(axis=0)


def backward_dx_with_W_transposed(x, W, dout):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def backward_dx_square(x, W, dout):  # dout @ W.T where the shapes allow it
    dx = dout @ W.T if W.shape[0] == W.shape[1] else dout @ W
    return dx, dout.T @ x, dout.sum(axis=0)


def relu_backward_without_dout(x, dout):
    return (x > 0).astype(float)


def relu_backward_at_zero(x, dout):
    return dout * (x >= 0)


def relu_backward_masks_dout(x, dout):
    return np.maximum(dout, 0)


def relu_forward_mask(x):
    return (x > 0).astype(float)


def cross_entropy_naive(logits, labels):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    n = len(labels)
    onehot = np.eye(logits.shape[1])[labels]
    return -np.mean(np.log(p[np.arange(n), labels])), (p - onehot) / n


def cross_entropy_log_of_softmax(logits, labels):  # shifted, but log(0) for a confident miss
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    n = len(labels)
    onehot = np.eye(logits.shape[1])[labels]
    return -np.mean(np.log(p[np.arange(n), labels])), (p - onehot) / n


def cross_entropy_one_max_for_the_batch(logits, labels):  # z.max() with no axis
    n = len(labels)
    shifted = logits - logits.max()
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1
    return -log_p[np.arange(n), labels].mean(), dlogits / n


def cross_entropy_gradient_not_averaged(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss, d * len(labels)


def cross_entropy_summed(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss * len(labels), d


def cross_entropy_per_example(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels], softmax_cross_entropy(logits, labels)[1]


def cross_entropy_without_onehot(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return loss, p / len(labels)


def cross_entropy_wrong_sign(logits, labels):
    loss, d = softmax_cross_entropy(logits, labels)
    return loss, -d


def cross_entropy_clipped(logits, labels):  # finite, but a confident miss is capped
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    dz = p.copy()
    dz[np.arange(n), labels] -= 1
    return -np.log(p[np.arange(n), labels] + 1e-12).mean(), dz / n


def cross_entropy_floored(logits, labels):  # a far smaller floor: the cap is 691, not 27.6
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    dz = p.copy()
    dz[np.arange(n), labels] -= 1
    return -np.log(np.maximum(p[np.arange(n), labels], 1e-300)).mean(), dz / n


def cross_entropy_clipped_otherwise(logits, labels):  # np.clip at another floor
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    dz = p.copy()
    dz[np.arange(n), labels] -= 1
    return -np.log(np.clip(p[np.arange(n), labels], 1e-30, 1)).mean(), dz / n


def rel_error_cs231n(a, b):  # the element-wise formula many students know
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def rel_error_by_the_sum(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-8)


def rel_error_by_the_entries_sums(a, b):  # review r11: the L1 sums as the scale
    return np.max(np.abs(a - b)) / max(np.sum(np.abs(a)), np.sum(np.abs(b)), 1e-8)


def rel_error_by_the_norms(a, b):  # review r11: ||a - b|| / (||a|| + ||b||)
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-8)


def rel_error_mean_difference(a, b):
    return np.mean(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-8)


def rel_error_floor_added(a, b):  # passed every case before review r8
    return np.max(np.abs(a - b)) / (max(np.max(np.abs(a)), np.max(np.abs(b))) + 1e-8)


def rel_error_elementwise(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-8))


def rel_error_divides_by_a(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(a))


def rel_error_without_floor(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)))


def rel_error_not_reduced(a, b):
    return np.abs(a - b) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-8)


def gradient_errors_without_dout(forward, x, W, b, dout, grads):
    return tuple(rel_error(nl.numerical_gradient(lambda _: forward(x, W, b).sum(), a), g)
                 for a, g in zip((x, W, b), grads))


def gradient_errors_on_copies(forward, x, W, b, dout, grads):
    return tuple(rel_error(nl.numerical_gradient(lambda _: (forward(x, W, b) * dout).sum(),
                                                 a.copy()), g)
                 for a, g in zip((x, W, b), grads))


def gradient_errors_numeric_against_numeric(forward, x, W, b, dout, grads):
    errors = []
    for a in (x, W, b):
        numeric = nl.numerical_gradient(lambda _: (forward(x, W, b) * dout).sum(), a)
        errors.append(rel_error(numeric, numeric))
    return tuple(errors)


def minibatches_drop_last(X, y, batch_size, rng):
    return minibatches(X, y, batch_size, rng)[:len(X) // batch_size]


def minibatches_shuffled_apart(X, y, batch_size, rng):
    ox, oy = rng.permutation(len(X)), rng.permutation(len(X))
    return [(X[ox[i:i + batch_size]], y[oy[i:i + batch_size]])
            for i in range(0, len(X), batch_size)]


def minibatches_unshuffled(X, y, batch_size, rng):
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


def step_rebinds(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v = momentum * v + g
        p = p - lr * v  # noqa: F841 - the mistake: a new array, params unchanged


def step_forgets_velocity(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v = momentum * v + g  # a new array: the velocity is lost
        p -= lr * v


def step_ignores_momentum(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v[...] = g
        p -= lr * v


def step_lr_in_velocity(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v *= momentum
        v -= lr * g
        p += v


def step_lr_in_velocity_added(params, grads, velocities, lr, momentum):  # Sutskever's, TF's
    for p, g, v in zip(params, grads, velocities):
        v *= momentum
        v += lr * g
        p -= v


def step_climbs(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v *= momentum
        v += g
        p += lr * v


def step_moving_average(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v[...] = momentum * v + (1 - momentum) * g
        p -= lr * v


def step_nesterov(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v[...] = momentum * v + g
        p -= lr * (g + momentum * v)


def step_written_another_way(params, grads, velocities, lr, momentum):
    """Right: the velocity as a sum, updated with np.add's out=, and the step with np.subtract."""
    for p, g, v in zip(params, grads, velocities):
        np.add(momentum * v, g, out=v)
        np.subtract(p, lr * v, out=p)


def mlp_without_relu_backward(params, X, y):
    W1, b1, W2, b2 = params
    z = linear_forward(X, W1, b1)
    h = relu_forward(z)
    loss, ds = softmax_cross_entropy(linear_forward(h, W2, b2), y)
    dh, dW2, db2 = linear_backward(h, W2, ds)
    _, dW1, db1 = linear_backward(X, W1, dh)
    return loss, [dW1, db1, dW2, db2]


def mlp_second_layer_from_z(params, X, y):  # review r10: the pre-ReLU z into linear_backward
    W1, b1, W2, b2 = params
    z = linear_forward(X, W1, b1)
    loss, ds = softmax_cross_entropy(linear_forward(relu_forward(z), W2, b2), y)
    dh, dW2, db2 = linear_backward(z, W2, ds)
    _, dW1, db1 = linear_backward(X, W1, relu_backward(z, dh))
    return loss, [dW1, db1, dW2, db2]


def mlp_gradient_not_averaged(params, X, y):
    loss, grads = mlp_loss_and_grads(params, X, y)
    return loss, [len(X) * g for g in grads]


def mlp_grads_in_wrong_order(params, X, y):
    loss, (dW1, db1, dW2, db2) = mlp_loss_and_grads(params, X, y)
    return loss, [dW2, db2, dW1, db1]


def mlp_grads_as_dict(params, X, y):
    loss, grads = mlp_loss_and_grads(params, X, y)
    return loss, dict(zip(["W1", "b1", "W2", "b2"], grads))


CASES = {
    "linear_forward": (a1.check_linear_forward, [linear_forward], [
        ([forward_without_bias], "It equals x @ W.T: add the bias b"),
        ([forward_with_W_untransposed], "raised ValueError for a batch of 5, 3 -> 4: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 4 is different from 3) (line up the shapes: x is (N, in), W is (out, in), y must be (N, out))"),
        ([lambda x, W, b: (x @ W.T + b).T], "should have shape (5, 4), got shape (4, 5) (transposed?)"),
    ]),
    "linear_backward": (a1.check_linear_backward, [linear_backward], [
        ([backward_dW_transposed], "dW should have shape (4, 3), got shape (3, 4) (transposed?). "
                                   "dW must have W's shape (out, in), not (in, out)"),
        ([backward_dW_averaged], "Do not divide by the batch size here"),
        ([backward_forgets_db], "db is all zeros. b gets a gradient too"),
        ([backward_db_not_summed], "db should have shape (4,), got shape (6, 4). b is shared by every example of the batch, so its gradient adds up"),
        ([backward_db_averaged], "db is the sum of dout over the batch, not its mean"),
        ([backward_dx_with_W_transposed], "raised ValueError for a batch of 6, 3 -> 4"),
        ([backward_dx_square], "a square layer, 5 -> 5: dx is wrong at index (2, 2): expected -1.24273, got 6.86376 (relative error 1.2). It equals dout @ W.T, whose shape is right only because this layer is square"),
    ]),
    "relu": (a1.check_relu, [relu_forward, relu_backward], [
        ([relu_forward_mask, relu_backward], "That is the mask x > 0"),
        ([relu_forward, relu_backward_without_dout], "multiply it by dout (the chain rule)"),
        ([relu_forward, relu_backward_at_zero], "exact zeros (the kink: output 0, gradient 0): dx is wrong"),
        ([relu_forward, relu_backward_masks_dout], "The mask comes from the input x, not from dout"),
    ]),
    "softmax_cross_entropy": (a1.check_softmax_cross_entropy, [softmax_cross_entropy], [
        ([cross_entropy_naive], "logits near 1000: the loss contains nan or inf: np.exp overflows"),
        ([cross_entropy_log_of_softmax], "a confident wrong answer (the true class 1000 below the best): the loss contains nan or inf: a probability underflows to 0 and log(0) = -inf: compute the log-probabilities directly"),
        ([cross_entropy_one_max_for_the_batch], "the loss contains nan or inf: a probability underflows to 0 and log(0) = -inf: compute the log-probabilities directly, log p = s - log(sum(exp(s))), with s = z - z.max(axis=1, keepdims=True), each row's own maximum (one maximum over the whole batch, z.max(), leaves a row far below it"),
        ([cross_entropy_gradient_not_averaged], "dlogits is 4 times the right value everywhere (N = 4 examples): check the scaling. Divide the gradient by the batch size N"),
        ([cross_entropy_summed], "the loss is 4 times the right value (N = 4 examples): check the scaling. That is the sum over the batch"),
        ([cross_entropy_per_example], "the loss should have shape (), got shape (4,). The loss is one number"),
        ([cross_entropy_without_onehot], "Subtract 1 at each row's true class"),
        ([cross_entropy_wrong_sign], "dlogits has the wrong sign everywhere"),
        ([cross_entropy_clipped], "expected 500.121, got 13.9362 (relative error 0.97). The true class's probability underflows to 0 here, and clipping it, log(p + 1e-12) or np.maximum(p, floor), caps"),
        ([cross_entropy_floored], "expected 500.121, got 345.508 (relative error 0.31). The true class's probability underflows to 0 here, and clipping it, log(p + 1e-12) or np.maximum(p, floor), caps that example's loss at -log(floor) (27.6 for 1e-12, 691 for 1e-300)"),
        ([cross_entropy_clipped_otherwise], "caps that example's loss"),
    ]),
    "rel_error": (a1.check_rel_error, [rel_error], [
        ([rel_error_elementwise], "the relative error is wrong: expected 1.783e-06, got 1.84922e-05 (relative error 0.9). Dividing element by element"),
        ([rel_error_divides_by_a], "so that rel_error(a, b) = rel_error(b, a)"),
        ([rel_error_without_floor], "two arrays of zeros (no division by zero): the relative error contains nan or inf: two zero arrays must give 0"),
        ([rel_error_not_reduced], "The relative error is one number"),
        ([rel_error_cs231n], "expected 1.783e-06, got 9.24619e-06 (relative error 0.81). That is the element-wise formula |a - b| / (|a| + |b|)"),
        ([rel_error_by_the_sum], "the relative error is 1/2 of the right value: check the scaling. Divide by the larger magnitude, max(max|a|, max|b|), not by their sum"),
        ([rel_error_by_the_entries_sums], "expected 1.783e-06, got 3.42659e-07 (relative error 0.81). Divide the largest difference, max|a - b|, by the largest magnitude, max(max|a|, max|b|), not by a sum over the entries"),
        ([rel_error_by_the_norms], "not by a sum over the entries (sum|a|, or a norm)"),
        ([rel_error_mean_difference], "expected 1.783e-06, got 5.97418e-07 (relative error 0.66). The numerator is the largest difference, max|a - b|, not the mean"),
        ([rel_error_floor_added], "entries of about 1e-8 (where the floor must not be added): the relative error is wrong: expected 0.6, got 0.5 (relative error 0.17). The 1e-8 is a floor inside the max"),
    ]),
    "gradient_errors": (a1.check_gradient_errors, [gradient_errors], [
        ([gradient_errors_without_dout], "a correct linear layer: the gradients are right, so the error for dx should be below 1e-07, got"),
        ([gradient_errors_on_copies], "the error for dx should be below 1e-07, got 1: is the loss sum(forward(x, W, b) * dout)? And does numerical_gradient nudge the very arrays"),
        ([gradient_errors_numeric_against_numeric], "a linear layer whose dW is twice the right value: the error for dW should be 0.5, got 0: compare with grads"),
        ([lambda *args: gradient_errors(*args)[:2]], "should return a tuple (err_x, err_W, err_b), got tuple of length 2"),
    ]),
    "minibatches": (a1.check_minibatches, [minibatches], [
        ([minibatches_drop_last], "10 examples in batches of 4: should give 3 batches, got 2 (covering 8 of the 10 examples): keep the last, smaller batch"),
        ([minibatches_shuffled_apart], "the labels no longer belong to their examples: index X and y with the same order"),
        ([minibatches_unshuffled], "the examples are not shuffled: take them in the order rng.permutation(len(X))"),
    ]),
    "sgd_momentum_step": (a1.check_sgd_momentum_step, [step_written_another_way], [
        ([step_rebinds], "step 1: the parameters did not change: `p = p - lr * v` makes a new array"),
        ([step_forgets_velocity], "momentum 0.9, lr 0.1, step 1: the velocities are still zero: update them in place"),
        ([step_ignores_momentum], "momentum 0.9, lr 0.1, step 2: W is wrong"),
        ([step_lr_in_velocity], "velocity of W is wrong at index (1, 1): expected -2.32503, got 0.232503 (relative error 1.1). Keep lr out of the velocity: v = momentum * v + g, then p -= lr * v (the task's convention, nnlesson's and PyTorch's); yours holds -lr * v"),
        ([step_lr_in_velocity_added], "velocity of W is wrong at index (1, 1): expected -2.32503, got -0.232503 (relative error 0.9). Keep lr out of the velocity: v = momentum * v + g, then p -= lr * v (the task's convention, nnlesson's and PyTorch's); yours holds lr * v"),
        ([step_climbs], "momentum 0.9, lr 0.1, step 1: W is wrong at index (1, 1): expected 0.337403, got -0.127603 (relative error 1.4). The step goes up the gradient"),
        ([step_moving_average], "expected 0.337403, got 0.12815 (relative error 0.62). That is the moving average v = momentum * v + (1 - momentum) * g"),
        ([step_nesterov], "got 0.546656 (relative error 0.38). That is Nesterov's step"),
    ]),
    "mlp_loss_and_grads": (a1.check_mlp_loss_and_grads, [mlp_loss_and_grads], [
        ([mlp_without_relu_backward], "dW1 is wrong"),
        ([mlp_second_layer_from_z], "dW2 needs the second layer's input h = relu(z), not z"),
        ([mlp_grads_in_wrong_order], "dW1 should have shape (4, 3), got shape (2, 4). The gradients go in the order of the parameters"),
        ([mlp_grads_as_dict], "the grads should be a list of 4 arrays [dW1, db1, dW2, db2], got dict"),
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_reference_passes_in_one_line(name, capsys):
    check, reference, _ = CASES[name]
    out = verdict(check, *reference, capsys=capsys)
    assert out.startswith(checks.PASS) and "correct on all" in out, out


@pytest.mark.parametrize("name", CASES)
def test_typical_mistakes_fail_and_are_named(name, capsys):
    check, _, wrongs = CASES[name]
    assert len(wrongs) >= 2
    for fns, phrase in wrongs:
        out = verdict(check, *fns, capsys=capsys)
        assert out.startswith(checks.FAIL), out
        assert phrase in out, f"{phrase!r} not in {out!r}"


def cross_entropy_logaddexp(logits, labels):  # right, written another way
    n, classes = logits.shape
    lse = np.logaddexp.reduce(logits, axis=1)
    loss = np.mean(lse - logits[np.arange(n), labels])
    return loss, (np.exp(logits - lse[:, None]) - np.eye(classes)[labels]) / n


def rel_error_from_a_list(a, b):  # right, written another way
    return np.max(np.abs(a - b)) / np.max([np.abs(a).max(), np.abs(b).max(), 1e-8])


def step_lr_kept_out_with_slices(params, grads, velocities, lr, momentum):  # right
    for p, g, v in zip(params, grads, velocities):
        v[...] = momentum * v + g
        p[...] = p - lr * v


@pytest.mark.parametrize("check, fn", [
    (a1.check_softmax_cross_entropy, cross_entropy_logaddexp),
    (a1.check_rel_error, rel_error_from_a_list),
    (a1.check_sgd_momentum_step, step_lr_kept_out_with_slices)])
def test_a_right_answer_written_another_way_passes(check, fn, capsys):
    out = verdict(check, fn, capsys=capsys)
    assert out.startswith(checks.PASS), out


def stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("name", [*CASES, "train_mlp"])
def test_not_implemented_gets_a_friendly_message(name, capsys):
    if name == "train_mlp":
        check, n = a1.check_train_mlp, 1
    else:
        check, n = CASES[name][0], len(CASES[name][1])
    out = verdict(check, *[stub] * n, capsys=capsys)
    assert out.startswith(checks.FAIL) and "stub is not implemented yet: replace" in out, out


def test_a_function_that_calls_an_unfinished_one_names_it(capsys):
    def unfinished_relu(x):
        raise NotImplementedError()

    def mlp_loss_and_grads(params, X, y):  # finished, but its helper is not
        unfinished_relu(X)

    out = verdict(a1.check_mlp_loss_and_grads, mlp_loss_and_grads, capsys=capsys)
    assert "mlp_loss_and_grads calls unfinished_relu, which is not implemented yet" in out, out


def test_a_python_loop_over_elements_is_too_slow(monkeypatch, capsys):
    monkeypatch.setattr(a1, "SPEED_LIMIT", 0.2)  # 1 s in class; the loop needs seconds either way
    start = time.perf_counter()
    out = verdict(a1.check_linear_forward, forward_with_python_loops, capsys=capsys)
    assert ("took longer than 0.2 s for a batch of 2000, 100 -> 100 (speed): numpy does this in "
            "milliseconds: replace Python loops") in out, out
    assert time.perf_counter() - start < 5  # interrupted, not run to the end


@pytest.mark.parametrize("name", CASES)
def test_an_infinite_loop_ends_with_a_verdict(name, monkeypatch, capsys):
    check, n = CASES[name][0], len(CASES[name][1])
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.2)

    def forever(*args):
        while True:
            pass

    out = verdict(check, *[forever] * n, capsys=capsys)
    assert "forever took longer than 0.2 s" in out and "infinite loop" in out, out


def test_an_endless_training_loop_ends_at_the_budget(monkeypatch, capsys):
    monkeypatch.setattr(a1, "TRAIN_BUDGET", 0.3)

    def train_mlp(*args, **kwargs):
        while True:
            pass

    out = verdict(a1.check_train_mlp, train_mlp, capsys=capsys)
    assert "train_mlp took longer than 0.3 s for its default settings: a vectorised loop" in out


def test_overflow_is_diagnosed_without_a_warning(capsys):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # as strict as a test run
        out = verdict(a1.check_softmax_cross_entropy, cross_entropy_naive, capsys=capsys)
    assert "np.exp overflows" in out, out


def test_the_checks_leave_the_students_arrays_alone_except_the_step():
    seen = []

    def scribbling_forward(x, W, b):
        y = x @ W.T + b
        seen.append(W.copy())
        x[...] = 0
        W[...] = 0  # an in-place change must not spoil the expected answers
        return y

    assert a1.check_linear_forward(scribbling_forward, quiet=True)
    assert len(seen) == 4 and all(np.any(W) for W in seen)


# -- the training loop ----------------------------------------------------------------------------
def test_the_reference_loop_passes_and_reaches_the_goal(capsys):
    out = verdict(a1.check_train_mlp, train_mlp, capsys=capsys)
    assert out.startswith(checks.PASS), out
    assert verdict(a1.check_train_mlp, make_train(as_arrays=True), capsys=capsys) == out
    assert f"(goal {a1.GOAL:.0%}) within the {a1.TRAIN_BUDGET:g} s budget" in out, out


@pytest.mark.parametrize("seed", range(5))
def test_the_notebooks_claims_hold_on_five_seeds(seed):
    """The goal is reached with the default settings; most of the accuracy comes in the first
    epoch, the later epochs add the rest; the training loss falls."""
    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    _, history = train_mlp(X_train, y_train, X_val, y_val, seed=seed)
    acc, loss = history["val_accuracy"], history["train_loss"]
    assert acc[-1] >= a1.GOAL
    assert 0.8 <= acc[0] < acc[-1]
    assert loss[-1] < loss[0] / 5


@pytest.mark.parametrize("wrong, phrase", [
    (make_train(step=step_climbs), "the training loss did not fall"),
    (make_train(step=step_rebinds), "the training loss did not fall"),
    (make_train(accuracy_on="train"), "measure the accuracy on X_val, y_val after each epoch"),
    (make_train(seeded=False), "two runs with the same seed give different losses"),
    (make_train(batches=minibatches_shuffled_apart), "below the goal of 95%"),
    (make_train(loss_and_grads=mlp_gradient_not_averaged), "below the goal of 95%"),
    (make_train(mean_over="nothing"), "the training loss is nan or inf in epoch 1"),
    (lambda *args, **kwargs: make_train()(*args, **kwargs)[1], "should return (params, history)"),
    (make_train(as_arrays=True, seeded=False), "two runs with the same seed give different losses"),
    # review r11: plain steps, the momentum never used, reach the goal too
    (make_train(step=lambda params, grads, velocities, lr, momentum: sgd_momentum_step(
        params, grads, velocities, lr, 0.0)), "momentum=0.0 trains exactly the parameters that "
                                              "the default momentum trains: momentum is not used"),
    (make_train(step=lambda params, grads, velocities, lr, momentum: sgd_momentum_step(
        params, grads, velocities, 0.05, momentum)), "lr=0.01 trains exactly the parameters"),
])
def test_typical_training_mistakes_are_named(wrong, phrase, capsys):
    wrong.__name__ = "train_mlp"
    with np.errstate(all="ignore"):
        out = verdict(a1.check_train_mlp, wrong, capsys=capsys)
    assert out.startswith(checks.FAIL) and phrase in out, out


def test_the_split_is_the_notebooks():
    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    (X2, y2), (X3, y3) = nl.train_val_split(*nl.load_digits(), val_fraction=0.2, rng=0)
    assert np.array_equal(X_train, X2) and np.array_equal(y_val, y3)
    source = re.sub(r"\s+", "", SOURCE.read_text())
    assert "nl.train_val_split(*nl.load_digits(),val_fraction=0.2,rng=0)" in source


# -- the helpers of the notebook's later cells ----------------------------------------------------
def test_gradient_check_report_passes_right_layers_and_flags_a_wrong_one(capsys):
    a1.gradient_check_report(gradient_errors, linear_forward, linear_backward, relu_forward,
                             relu_backward)
    out = capsys.readouterr().out
    assert out.count(checks.PASS) == 6 and checks.FAIL not in out, out
    a1.gradient_check_report(gradient_errors, linear_forward, backward_dW_averaged, relu_forward,
                             relu_backward)
    lines = capsys.readouterr().out.splitlines()
    assert all(f"dW {checks.FAIL} above the tolerance" in line for line in lines[1:]), lines
    assert all(f"dx {checks.PASS}" in line for line in lines[1:]), lines


def test_gradient_check_report_copes_with_unfinished_work(capsys):
    a1.gradient_check_report(gradient_errors, linear_forward, stub, relu_forward, relu_backward)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all("stub is not implemented yet" in line for line in lines[1:])


def test_run_training_prints_the_goal_and_returns_the_history(capsys):
    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    history = a1.run_training(train_mlp, X_train, y_train, X_val, y_val)
    out = capsys.readouterr().out
    assert f"(goal: at least {a1.GOAL:.0%}) {checks.PASS}" in out
    assert f"finished within the budget of {a1.TRAIN_BUDGET:g} s {checks.PASS}" in out
    assert len(history["val_accuracy"]) == 10 and f"{history['val_accuracy'][-1]:.1%}" in out


def test_run_training_and_the_plot_cope_with_an_unfinished_loop(capsys):
    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    history = a1.run_training(stub, X_train, y_train, X_val, y_val)
    assert history is None
    assert a1.plot_learning_curves(history) is None
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "Nothing to plot yet" in out


def test_the_learning_curves_plot_the_history():
    history = {"train_loss": [1.0, 0.5, 0.2], "val_accuracy": [0.9, 0.95, 0.97]}
    fig = a1.plot_learning_curves(history)
    try:
        ax_loss, ax_acc = fig.axes
        assert np.allclose(ax_loss.lines[0].get_ydata(), history["train_loss"])
        assert np.allclose(ax_acc.lines[0].get_ydata(), [90, 95, 97])
        assert np.allclose(ax_acc.lines[1].get_ydata(), 100 * a1.GOAL)  # the goal line
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        from nnlesson.viz.figlint import figure_problems

        assert not figure_problems(fig)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


# -- the notebook as a whole ----------------------------------------------------------------------
def test_nbgrader_version_has_the_stated_points():
    from nnlesson.teacher import nbgrader_notebook
    from nnlesson.teacher.files import _read_notebook

    _, exercises = nbgrader_notebook(_read_notebook(NOTEBOOK), NOTEBOOK)
    auto = [points for _, points, autograded in exercises if autograded]
    by_hand = [points for _, points, autograded in exercises if not autograded]
    assert auto == [2, 4, 2, 4, 2, 3, 2, 3, 4, 5] and by_hand == [1, 1]
    teacher_note = SOURCE.read_text()
    assert "31 points are autograded" in teacher_note and "33 in all" in teacher_note


def test_every_task_states_its_time_and_every_section_is_a_part():
    text = SOURCE.read_text()
    leads = re.findall(r"^# \*\*[^*]*?(\d+) min\)\.\*\*", text, re.M)
    tasks = re.findall(r"^# \*\*(Task \d\.\d|Think!)", text, re.M)
    assert len(leads) == len(tasks) == 12
    assert re.findall(r"^# ## (.*)", text, re.M)[:6] == [
        "Part 1: The linear layer", "Part 2: ReLU",
        "Part 3: A numerically stable softmax cross-entropy", "Part 4: Check your gradients",
        "Part 5: Mini-batch SGD with momentum", "Part 6: Train the network"]


@pytest.mark.slow
def test_the_student_version_runs_top_to_bottom(tmp_path):
    """nnlesson-assign's student version executes without an error; every check and helper says
    "not implemented yet"."""
    import nbformat
    from nbclient import NotebookClient

    from nnlesson.teacher import assign

    assign(NOTEBOOK, tmp_path, log=lambda line: None)
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    texts, errors = [], []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors.append(output.ename)
            texts.append(output.get("text", ""))
    assert not errors
    out = "".join(texts)
    verdicts = [line for line in out.splitlines() if line.startswith((checks.PASS, checks.FAIL))]
    assert len(verdicts) == 11  # ten checks and run_training
    assert all("not implemented yet" in line for line in verdicts), verdicts
    assert checks.PASS not in out
    assert "Nothing to plot yet" in out


@pytest.mark.parametrize("check", [a1.check_linear_forward, a1.check_softmax_cross_entropy,
                                   a1.check_train_mlp, a1.run_training])
def test_a_called_function_instead_of_the_function_is_a_clear_error(check):
    called = linear_forward(np.ones((2, 3)), np.ones((4, 3)), np.zeros(4))  # f(...) for f
    args = (called, *a1.digits_split()[0], *a1.digits_split()[1]) if check is a1.run_training \
        else (called,)
    with pytest.raises(TypeError, match=rf"a1\.{check.__name__} expected your function itself, "
                                        rf"e\.g\. .* without calling it, got ndarray"):
        check(*args)


def test_the_plot_refuses_what_is_not_a_history():
    with pytest.raises(TypeError, match="a1.plot_learning_curves expected the history that "
                                        "a1.run_training returns .* got tuple"):
        a1.plot_learning_curves(({}, {}))


def test_a_training_loop_that_skips_mlp_loss_and_grads_is_told_to_use_it(capsys):
    """Review r6: with the forward and backward pass inlined the check could not see each
    epoch's mini-batch losses, and accepted a history of each epoch's last batch loss."""
    import nnlesson as nl

    def train_mlp(X_train, y_train, X_val, y_val, *, hidden=64, epochs=10, batch_size=32,
                  lr=0.05, momentum=0.9, seed=0):
        rng = np.random.default_rng(seed)
        W1 = rng.normal(0, np.sqrt(2 / 64), (hidden, 64))
        b1, W2 = np.zeros(hidden), rng.normal(0, np.sqrt(1 / hidden), (10, hidden))
        b2 = np.zeros(10)
        params = [W1, b1, W2, b2]
        velocities = [np.zeros_like(p) for p in params]
        history = {"train_loss": [], "val_accuracy": []}
        for _ in range(epochs):
            order = rng.permutation(len(X_train))
            for start in range(0, len(X_train), batch_size):
                idx = order[start:start + batch_size]
                X, y = X_train[idx], y_train[idx]
                H = X @ W1.T + b1
                A = np.maximum(H, 0)
                Z = A @ W2.T + b2
                Z = Z - Z.max(axis=1, keepdims=True)
                P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
                loss = -np.log(P[np.arange(len(y)), y]).mean()
                P[np.arange(len(y)), y] -= 1
                dZ = P / len(y)
                dH = (dZ @ W2) * (H > 0)
                grads = [dH.T @ X, dH.sum(0), dZ.T @ A, dZ.sum(0)]
                for p, g, v in zip(params, grads, velocities):
                    v *= momentum
                    v += g
                    p -= lr * v
            history["train_loss"].append(loss)  # the last batch's: the mistake
            history["val_accuracy"].append(
                float(np.mean((np.maximum(X_val @ W1.T + b1, 0) @ W2.T + b2).argmax(1) == y_val)))
        return params, history

    assert nl is not None
    assert a1.check_train_mlp(train_mlp, quiet=True) is False
    a1.check_train_mlp(train_mlp)
    assert "does not call your mlp_loss_and_grads" in capsys.readouterr().out


# -- the per-epoch bookkeeping is judged on the mini-batch calls, whatever else is called (r7) ----
def make_loop(record="mean", whole_loss_call=False, order="new", per_example=False,
              accuracy_scale=1):
    """A training loop written another way than make_train's: it may also call
    mlp_loss_and_grads on the whole training set after each epoch (``whole_loss_call``), call it
    once per example inside each mini-batch (``per_example``), record another loss, reuse one
    order, or record percentages."""
    def train_mlp(X_train, y_train, X_val, y_val, *, hidden=64, epochs=10, batch_size=32,
                  lr=0.05, momentum=0.9, seed=0):
        rng = np.random.default_rng(seed)
        params = init_mlp(64, hidden, 10, rng)
        velocities = [np.zeros_like(p) for p in params]
        history = {"train_loss": [], "val_accuracy": []}
        for _ in range(epochs):
            losses, sizes = [], []
            epoch_rng = np.random.default_rng(seed + 1) if order == "same" else rng
            for xb, yb in minibatches(X_train, y_train, batch_size, epoch_rng):
                if per_example:  # slow but right: the mean of the examples' losses and grads
                    results = [mlp_loss_and_grads(params, xb[i:i + 1], yb[i:i + 1])
                               for i in range(len(yb))]
                    loss = np.mean([r[0] for r in results])
                    grads = [np.mean(g, axis=0) for g in zip(*[r[1] for r in results])]
                else:
                    loss, grads = mlp_loss_and_grads(params, xb, yb)
                sgd_momentum_step(params, grads, velocities, lr, momentum)
                losses.append(loss)
                sizes.append(len(yb))
            whole = mlp_loss_and_grads(params, X_train, y_train)[0] if whole_loss_call else None
            history["train_loss"].append({"mean": np.mean(losses), "whole": whole,
                                          "weighted": np.average(losses, weights=sizes)}[record])
            W1, b1, W2, b2 = params
            scores = linear_forward(relu_forward(linear_forward(X_val, W1, b1)), W2, b2)
            history["val_accuracy"].append(accuracy_scale * np.mean(scores.argmax(1) == y_val))
        return params, history

    return train_mlp


@pytest.mark.parametrize("wrong, phrase", [
    (make_loop(record="whole", whole_loss_call=True), "the loss on the whole training set"),
    (make_loop(whole_loss_call=True, order="same"), "every epoch sees the mini-batches in the same"),
    (make_loop(record="whole", whole_loss_call=True, order="same"), "the whole training set"),
    (make_loop(accuracy_scale=100), "a fraction (0 to 1), not a percentage"),
], ids=["whole-set loss", "same order, extra call", "both", "percentage"])
def test_an_extra_loss_call_does_not_turn_off_the_bookkeeping_checks(wrong, phrase, capsys):
    """The r7 bypass: one more mlp_loss_and_grads call per epoch made the number of calls differ
    from epochs x batches, and the mean and order checks were skipped (full points)."""
    wrong.__name__ = "train_mlp"
    out = verdict(a1.check_train_mlp, wrong, capsys=capsys)
    assert out.startswith(checks.FAIL) and phrase in out, out


def test_a_loop_with_an_extra_whole_set_loss_passes(capsys):
    right = make_loop(whole_loss_call=True)  # the extra call's loss printed, say, not recorded
    right.__name__ = "train_mlp"
    out = verdict(a1.check_train_mlp, right, capsys=capsys)
    assert out.startswith(checks.PASS), out


def test_one_call_per_example_is_judged_on_its_mini_batches():
    """A loop over the examples of each mini-batch is slow but right (the notebook says it
    passes): its calls are grouped back into mini-batches of 32. Judged on two epochs directly,
    as the check does, without the check's four default runs (seconds each)."""
    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    for right in [make_loop(per_example=True), make_loop(), make_loop(record="weighted")]:
        with a1._recording_losses(right) as calls:
            _, history = right(X_train, y_train, X_val, y_val, epochs=2)
        assert a1._epochs_problem("train_mlp", history, calls, y_train, 2, 32) is None
    wrong = make_loop(per_example=True, order="same")
    with a1._recording_losses(wrong) as calls:
        _, history = wrong(X_train, y_train, X_val, y_val, epochs=2)
    assert "the same order" in a1._epochs_problem("train_mlp", history, calls, y_train, 2, 32)


def test_an_epoch_loss_neither_mean_is_refused_and_the_weighted_mean_passes():
    """Review r8: the mean weighted by the batch sizes (the mean over the examples) differs from
    the plain mean by about 0.1% and is right too; a loss that is neither is still refused."""
    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    right = make_loop(record="weighted")
    with a1._recording_losses(right) as calls:
        params, history = right(X_train, y_train, X_val, y_val, epochs=2)
    assert a1._epochs_problem("train_mlp", history, calls, y_train, 2, 32) is None
    history["train_loss"] = [1.001 * loss for loss in history["train_loss"]]
    problem = a1._epochs_problem("train_mlp", history, calls, y_train, 2, 32)
    assert "is not the mean of each epoch's mini-batch losses" in problem


def test_a_loop_whose_mini_batches_cannot_be_found_fails(capsys):
    """Mini-batches of 64 under a default of 32: the calls do not show the epochs the check
    judges, and it says so rather than passing unchecked."""
    loop = make_loop()

    def train_mlp(X_train, y_train, X_val, y_val, *, hidden=64, epochs=10, batch_size=32,
                  lr=0.05, momentum=0.9, seed=0):
        return loop(X_train, y_train, X_val, y_val, hidden=hidden, epochs=epochs,
                    batch_size=2 * batch_size, lr=lr, momentum=momentum, seed=seed)

    out = verdict(a1.check_train_mlp, train_mlp, capsys=capsys)
    assert out.startswith(checks.FAIL), out
    assert "could not find" in out and "mini-batches of batch_size=32" in out, out


def test_the_mini_batches_are_found_with_the_smaller_batch_first():
    """A minibatches that puts the smaller batch first (not what Task 5.1 asks, but not what
    Task 6.2 grades): its calls are still told apart, one per mini-batch."""
    def smaller_first(X, y, batch_size, rng):
        batches = minibatches(X, y, batch_size, rng)
        return batches[-1:] + batches[:-1]

    (X_train, y_train), (X_val, y_val) = a1.digits_split()
    right = make_train(batches=smaller_first)
    with a1._recording_losses(right) as calls:
        _, history = right(X_train, y_train, X_val, y_val, epochs=2)
    assert [len(y) for _, y in calls[:2]] == [len(y_train) % 32, 32]
    assert a1._epochs_problem("train_mlp", history, calls, y_train, 2, 32) is None
