"""The training loop, with early stopping.

Epochs are counted from 1: ``history.train_loss[0]`` is the loss of epoch 1.
"""

from dataclasses import dataclass, field

import numpy as np

from ._errors import bad_start, check_fit, diverged
from ._threads import fit_work, limited
from ._util import check_number, check_positive_int, float_array, no_grad
from .data import batches
from .losses import SoftmaxCrossEntropy

# fit's divergence rule: it stops when an epoch's mean training loss is more than this many times
# the mean of epoch 1 (the playground has a rule of its own, viz/playground.py says why).
MAX_GROWTH_SINCE_EPOCH_1 = 100


def accuracy(logits, labels):
    """The fraction of rows whose largest logit is at the true class.

    logits: (n, classes) scores; labels: (n,) integer classes. Anything else (a column of labels,
    one-hot rows) raises instead of broadcasting into a plausible wrong number.
    """
    logits = float_array(logits, "accuracy")
    labels = np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"accuracy expected logits of shape (n, classes), got shape "
                         f"{logits.shape}")
    if labels.shape != (len(logits),) or labels.dtype.kind not in "biu":
        hint = ""
        if labels.shape == logits.shape:
            hint = " (one-hot labels? pass labels.argmax(axis=1))"
        elif labels.shape == (len(logits), 1):
            hint = " (a column? pass labels.ravel())"
        raise ValueError(
            f"accuracy expected labels of shape ({len(logits)},), one integer class per row of "
            f"logits of shape {logits.shape}, got labels of shape {labels.shape} and dtype "
            f"{labels.dtype}{hint}"
        )
    if not np.isfinite(logits).all():  # argmax would pick a NaN as the largest: a made-up answer
        raise ValueError(f"accuracy: the logits contain NaN or inf ({np.sum(~np.isfinite(logits))} "
                         f"of {logits.size}), so no class is the largest; did training diverge?")
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def confusion_matrix(labels, predicted, classes):
    """Counts of each (true class, predicted class) pair: ``matrix[i, j]`` is the number of
    examples of class i predicted as class j, an integer array of shape ``(classes, classes)``.

    labels, predicted: (n,) integer classes in ``range(classes)``. The size comes from
    ``classes``, not from the labels, so a class that never occurs still gets its row and column.
    (Lesson 10's Exercise 1 writes this function; its check refuses a call to this one.)
    """
    classes = check_positive_int(classes, "classes", "confusion_matrix")
    pair = [np.asarray(labels), np.asarray(predicted)]
    for name, values in zip(("labels", "predicted"), pair):
        if values.ndim != 1 or values.dtype.kind not in "biu":
            raise ValueError(f"confusion_matrix expected {name} as a 1-D array of integer "
                             f"classes, got shape {values.shape} and dtype {values.dtype}")
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise ValueError(f"confusion_matrix expected {name} in range({classes}), got values "
                             f"from {values.min()} to {values.max()}")
    if pair[0].shape != pair[1].shape:
        raise ValueError(f"confusion_matrix expected one prediction per label, got "
                         f"{pair[0].shape[0]} labels and {pair[1].shape[0]} predictions")
    # bincount over the flattened index i * classes + j counts every pair, repeats included
    return np.bincount(pair[0] * classes + pair[1], minlength=classes * classes).reshape(
        classes, classes)


class EarlyStopping:
    """The patience rule: stop when the validation loss has not decreased by more than ``min_delta``
    for ``patience`` epochs in a row.

    An epoch counts as an improvement when ``val_loss < best - min_delta`` (``min_delta`` is the
    lesson's epsilon). :func:`fit` then restores the parameters of the best epoch.
    """

    def __init__(self, patience, min_delta=0.0):
        self.patience = check_positive_int(patience, "patience", "EarlyStopping")
        self.min_delta = check_number(min_delta, "min_delta", "EarlyStopping", low=0)
        self.reset()

    def reset(self):
        self.best = np.inf
        self.best_epoch = None
        self.wait = 0  # epochs since the last improvement

    def step(self, val_loss, epoch):
        """Record one epoch's validation loss; True when training should stop."""
        val_loss = check_number(val_loss, "val_loss", "EarlyStopping.step")  # NaN never improves
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, epoch, 0
        else:
            self.wait += 1
        return self.wait >= self.patience

    def replay(self, val_losses):
        """Apply the rule to a list of validation losses (epoch 1 first), from a fresh start.

        Returns ``(stopped_epoch, best_epoch)``; ``stopped_epoch`` is None if it never stops.
        """
        self.reset()
        for epoch, loss in enumerate(val_losses, start=1):
            if self.step(loss, epoch):
                return epoch, self.best_epoch
        return None, self.best_epoch

    def __repr__(self):
        return f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta:g})"


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch (epochs count from 1).

    The two kinds of measurement differ. ``train_loss`` and ``train_accuracy`` are running
    averages over the epoch's mini-batches, each measured in training mode (dropout on, BatchNorm
    on batch statistics) by the weights *before* that batch's step: the weights move while they
    are recorded, so they describe no single model (early in training they lag behind it). The
    validation entries are measured once, after the epoch's last step, in eval mode: they describe
    the model as it stands at the end of the epoch. To compare a training loss with validation or
    test numbers, evaluate the final model on the training set instead (``loss_fn(model(X), y)``
    after ``model.eval()``).
    """

    train_loss: list = field(default_factory=list)  # running mean over the epoch's batches
    val_loss: list = field(default_factory=list)  # the end-of-epoch model, eval mode
    # running fraction correct over the epoch's batches; empty unless the loss is a classifier's
    train_accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)  # the end-of-epoch model, eval mode
    best_epoch: int = None  # lowest validation loss; with early stopping, the restored epoch
    stopped_epoch: int = None  # the last epoch that ran

    def __repr__(self):
        last = f", val_loss={self.val_loss[-1]:.4g}" if self.val_loss else ""
        return (f"History(epochs={len(self.train_loss)}, best_epoch={self.best_epoch}, "
                f"stopped_epoch={self.stopped_epoch}{last})")


class LossNotFinite(FloatingPointError):
    """A mini-batch loss came out NaN or infinite: :func:`train_epoch` stops before that batch's
    step. ``loss`` is the value; ``steps`` the number of steps the epoch had taken before it."""

    def __init__(self, loss, steps):
        super().__init__(f"train_epoch: the loss of mini-batch {steps + 1} is {loss}")
        self.loss, self.steps = loss, steps


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng, penalty=None):
    """One epoch: every training example once, in shuffled mini-batches, the model in training
    mode. On each mini-batch: forward, loss, backward, ``optimizer.step()``.

    Returns ``(loss, accuracy)``: running means over the mini-batches, each measured before its
    step (see :class:`History`); ``accuracy`` is None unless the loss is a classifier's.
    ``rng`` shuffles (None keeps the order; see :func:`nnlesson.data.batches`). ``penalty``, if
    given, is a function of no arguments returning ``(parameter, gradient)`` pairs: the gradient
    of an extra term of the loss (an L1 or L2 penalty), added to those parameters' gradients
    before each step. Raises :class:`LossNotFinite` when a mini-batch loss is NaN or infinite.
    :func:`fit` calls this once an epoch, after checking its arguments.
    """
    model.train()
    classify = isinstance(loss_fn, SoftmaxCrossEntropy)
    total, correct, steps = 0.0, 0, 0
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported instead
        for X_batch, y_batch in batches(X, y, batch_size, rng=rng):
            out = model(X_batch)
            loss = loss_fn(out, y_batch)
            if not np.isfinite(loss):
                raise LossNotFinite(loss, steps)
            model.backward_params(loss_fn.backward())  # dL/dX of the data is not needed
            if penalty is not None:
                for p, grad in penalty():
                    p.grad = p.grad + grad  # a new array: a gradient kept earlier stays as it was
            optimizer.step()
            steps += 1
            total += loss * len(X_batch)
            if classify:
                correct += int(np.count_nonzero(out.argmax(axis=1) == y_batch))
    return total / len(X), (correct / len(X) if classify else None)


@limited(fit_work)  # one BLAS thread for teaching-size networks (see nnlesson/_threads.py)
def fit(model, loss_fn, optimizer, train_data, val_data=None, *, epochs, batch_size, rng,
        early_stopping=None, callback=None):
    """Train ``model`` with mini-batch gradient descent and return a :class:`History`.

    ``train_data`` and ``val_data`` are ``(X, y)`` pairs. Each epoch shuffles the training set with
    ``rng``, runs forward, loss, backward and ``optimizer.step()`` on every mini-batch (model in
    training mode: :func:`train_epoch`), then measures the validation loss in eval mode. With
    ``early_stopping`` training ends when its patience runs out, and the parameters of the best
    epoch are restored. ``callback(epoch, model)``, if given, runs after every epoch (to record
    more measurements). The model is left in eval mode, ready to predict. The validation forward
    runs under ``no_grad()``: it keeps no cache.

    Divergence: training stops with a FloatingPointError naming the epoch and the learning rate
    when a mini-batch loss is NaN or infinite, when an epoch's mean training loss is more than
    ``MAX_GROWTH_SINCE_EPOCH_1`` (100) times that of epoch 1, or when the validation loss is NaN
    or infinite. ``optimizer`` must hold only parameters of ``model`` (an optimizer built on
    another model's parameters would train nothing).
    """
    X, y, val_data, epochs, batch_size, rng = check_fit(
        model, loss_fn, optimizer, train_data, val_data, epochs, batch_size, rng, early_stopping)
    history = History()
    best_state = None
    if early_stopping is not None:
        early_stopping.reset()

    for epoch in range(1, epochs + 1):
        _fit_epoch(model, loss_fn, optimizer, (X, y), batch_size, rng, epoch, history)
        model.eval()
        if val_data is not None:
            val_loss = _validate(model, loss_fn, val_data, history)
            if not np.isfinite(val_loss):
                raise diverged(f"the validation loss became {val_loss}", epoch, optimizer, X)
        history.stopped_epoch = epoch
        if callback is not None:
            callback(epoch, model)
        if early_stopping is not None:
            stop = early_stopping.step(history.val_loss[-1], epoch)
            if early_stopping.best_epoch == epoch:
                best_state = model.state_dict()  # buffers too: BatchNorm's statistics
            if stop:
                break

    if early_stopping is not None and best_state is not None:
        model.load_state_dict(best_state)
        history.best_epoch = early_stopping.best_epoch
    elif history.val_loss:
        history.best_epoch = int(np.argmin(history.val_loss)) + 1
    model.eval()
    return history


def _fit_epoch(model, loss_fn, optimizer, train_data, batch_size, rng, epoch, history):
    """One epoch of :func:`fit`: train, record the running loss and accuracy, judge divergence."""
    X, y = train_data
    try:
        loss, fraction = train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng)
    except LossNotFinite as bad:
        if epoch == 1 and bad.steps == 0:  # no step yet: the learning rate cannot be the cause
            raise bad_start(bad.loss, X) from None
        raise diverged(f"the training loss became {bad.loss}", epoch, optimizer, X) from None
    history.train_loss.append(loss)
    if loss > MAX_GROWTH_SINCE_EPOCH_1 * history.train_loss[0]:
        raise diverged(f"the training loss grew from {history.train_loss[0]:.4g} in epoch 1 "
                        f"to {loss:.4g}, more than {MAX_GROWTH_SINCE_EPOCH_1} times", epoch,
                        optimizer, X)
    if fraction is not None:
        history.train_accuracy.append(fraction)


def _validate(model, loss_fn, val_data, history):
    """Record the validation loss (and accuracy) of the model as it stands, in eval mode, keeping
    no cache. Returns the loss; a NaN or infinite one is returned unrecorded, for fit to report."""
    X_val, y_val = val_data
    with no_grad(), np.errstate(over="ignore", invalid="ignore"):
        out = model(X_val)
        val_loss = loss_fn(out, y_val)
    if np.isfinite(val_loss):
        history.val_loss.append(val_loss)
        if isinstance(loss_fn, SoftmaxCrossEntropy):
            history.val_accuracy.append(accuracy(out, y_val))
    return val_loss
