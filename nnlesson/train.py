"""The training loop, with early stopping.

Epochs are counted from 1: ``history.train_loss[0]`` is the loss of epoch 1.
"""

from dataclasses import dataclass, field

import numpy as np

from ._util import as_rng, check_positive_int
from .data import batches
from .losses import SoftmaxCrossEntropy
from .threads import fit_work, limited


def accuracy(logits, labels):
    """The fraction of rows whose largest logit is at the true class."""
    return float(np.mean(np.argmax(logits, axis=1) == labels))


class EarlyStopping:
    """The patience rule: stop when the validation loss has not decreased by more than ``min_delta``
    for ``patience`` epochs in a row.

    An epoch counts as an improvement when ``val_loss < best - min_delta`` (``min_delta`` is the
    lesson's epsilon). :func:`fit` then restores the parameters of the best epoch.
    """

    def __init__(self, patience, min_delta=0.0):
        self.patience = check_positive_int(patience, "patience", "EarlyStopping")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        self.min_delta = float(min_delta)
        self.reset()

    def reset(self):
        self.best = np.inf
        self.best_epoch = None
        self.wait = 0  # epochs since the last improvement

    def step(self, val_loss, epoch):
        """Record one epoch's validation loss; True when training should stop."""
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
    """What :func:`fit` measured, one entry per epoch (epochs count from 1)."""

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)  # empty unless the loss is a classifier's
    val_accuracy: list = field(default_factory=list)
    best_epoch: int = None  # lowest validation loss; with early stopping, the restored epoch
    stopped_epoch: int = None  # the last epoch that ran

    def __repr__(self):
        last = f", val_loss={self.val_loss[-1]:.4g}" if self.val_loss else ""
        return (f"History(epochs={len(self.train_loss)}, best_epoch={self.best_epoch}, "
                f"stopped_epoch={self.stopped_epoch}{last})")


@limited(fit_work)  # one BLAS thread for teaching-size networks (see nnlesson/threads.py)
def fit(model, loss_fn, optimizer, train_data, val_data=None, *, epochs, batch_size, rng,
        early_stopping=None, callback=None):
    """Train ``model`` with mini-batch gradient descent and return a :class:`History`.

    ``train_data`` and ``val_data`` are ``(X, y)`` pairs. Each epoch shuffles the training set with
    ``rng``, runs forward, loss, backward and ``optimizer.step()`` on every mini-batch (model in
    training mode), then measures the validation loss in eval mode. With ``early_stopping``
    training ends when its patience runs out, and the parameters of the best epoch are restored.
    ``callback(epoch, model)``, if given, runs after every epoch (to record more measurements).
    The model is left in eval mode, ready to predict.
    """
    X, y = _check_data(train_data, "train_data")
    if val_data is not None:
        X_val, y_val = _check_data(val_data, "val_data")
    elif early_stopping is not None:
        raise ValueError("fit: early_stopping needs val_data to watch the validation loss")
    epochs = check_positive_int(epochs, "epochs", "fit")
    batch_size = check_positive_int(batch_size, "batch_size", "fit")
    rng = as_rng(rng)
    classify = isinstance(loss_fn, SoftmaxCrossEntropy)
    history = History()
    best_params = None
    if early_stopping is not None:
        early_stopping.reset()

    for epoch in range(1, epochs + 1):
        model.train()
        total, correct = 0.0, 0
        for X_batch, y_batch in batches(X, y, batch_size, rng=rng):
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                out = model(X_batch)
                loss = loss_fn(out, y_batch)
                if not np.isfinite(loss):
                    lr = getattr(optimizer, "lr", None)
                    raise FloatingPointError(
                        f"fit: the training loss became {loss} in epoch {epoch}: the steps are "
                        f"too large, try a smaller learning rate"
                        + ("" if lr is None else f" (now lr={lr:g})")
                    )
                model.backward_params(loss_fn.backward())  # dL/dX of the data is not needed
                optimizer.step()
            total += loss * len(X_batch)
            if classify:
                correct += int((out.argmax(axis=1) == y_batch).sum())
        history.train_loss.append(total / len(X))
        if classify:
            history.train_accuracy.append(correct / len(X))

        model.eval()
        if val_data is not None:
            out = model(X_val)
            history.val_loss.append(loss_fn(out, y_val))
            if classify:
                history.val_accuracy.append(accuracy(out, y_val))
        history.stopped_epoch = epoch
        if callback is not None:
            callback(epoch, model)
        if early_stopping is not None:
            stop = early_stopping.step(history.val_loss[-1], epoch)
            if early_stopping.best_epoch == epoch:
                best_params = [p.data.copy() for p in model.parameters()]
            if stop:
                break

    if early_stopping is not None and best_params is not None:
        for p, data in zip(model.parameters(), best_params):
            p.data[...] = data
        history.best_epoch = early_stopping.best_epoch
    elif history.val_loss:
        history.best_epoch = int(np.argmin(history.val_loss)) + 1
    model.eval()
    return history


def _check_data(data, name):
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(f"fit: {name} must be a pair (X, y), got {type(data).__name__}") from None
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"fit: {name} has {len(X)} inputs but {len(y)} targets")
    if len(X) == 0:
        raise ValueError(f"fit: {name} is empty")
    for what, a in (("inputs", X), ("targets", y)):
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise ValueError(f"fit: {name} {what} contain NaN or inf; clean or impute them first")
    return X, y
