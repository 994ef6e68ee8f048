"""The core's argument checks and longer error messages, out of the files a student reads.

``fit``'s checks of its arguments and its messages for a diverged training, the losses' message
for a NaN or infinite loss, ``SGD``'s for a gradient of the wrong shape: each says which function,
what it expected and what it got. Like ``_util``, not counted in the README's size of the core.
"""

import numpy as np

from ._util import as_rng, check_positive_int, float_array
from .layers import BatchNorm, Module


def diverged(what, epoch, optimizer, X):
    lr = getattr(optimizer, "lr", None)
    largest = float(np.max(np.abs(X)))
    # A first layer's weight gradient grows with its inputs, and so does the step.
    inputs = (f"; the inputs are large too (largest |x| = {largest:.3g}): scale them to mean 0 "
              f"and standard deviation 1" if largest > 1e3 else "")
    return FloatingPointError(
        f"fit: {what} in epoch {epoch}: training diverged; the steps are too large, try a "
        f"smaller learning rate" + ("" if lr is None else f" (now lr={lr:g})") + inputs
    )


def bad_start(loss, X):
    return FloatingPointError(
        f"fit: the loss of the first mini-batch is {loss}, before any training step: the inputs "
        f"(largest |x| = {np.max(np.abs(X)):.3g}) or the initial weights are too large for the "
        f"model; scale the inputs (e.g. to mean 0 and standard deviation 1)"
    )


def _has_batch_norm(model):
    """Whether ``model`` holds a BatchNorm at any depth (fit trains it in training mode, which
    needs at least 2 examples per mini-batch, whatever mode it is in now)."""
    return any(isinstance(m, BatchNorm) for m in model.modules())


def check_fit(model, loss_fn, optimizer, train_data, val_data, epochs, batch_size, rng,
              early_stopping):
    """fit's arguments checked: ``(X, y, val_data, epochs, batch_size, rng)`` as fit uses them."""
    _check_model_and_optimizer(model, loss_fn, optimizer, early_stopping)
    X, y = _check_data(train_data, "train_data")
    if val_data is not None:
        val_data = _check_data(val_data, "val_data")
    elif early_stopping is not None:
        raise ValueError("fit: early_stopping needs val_data to watch the validation loss")
    epochs = check_positive_int(epochs, "epochs", "fit")
    batch_size = check_positive_int(batch_size, "batch_size", "fit")
    rng = as_rng(rng)
    if _has_batch_norm(model) and (batch_size == 1 or len(X) % batch_size == 1):
        raise ValueError(
            f"fit: with {len(X)} training examples and batch_size={batch_size}, a mini-batch of "
            f"each epoch holds a single example, and BatchNorm needs at least 2 to compute its "
            f"statistics; choose a batch_size that leaves no batch of one"
        )
    return X, y, val_data, epochs, batch_size, rng


def _check_model_and_optimizer(model, loss_fn, optimizer, early_stopping):
    for name, given in (("model", model), ("loss_fn", loss_fn), ("optimizer", optimizer),
                        ("early_stopping", early_stopping)):
        if isinstance(given, type):  # SoftmaxCrossEntropy instead of SoftmaxCrossEntropy()
            example = {"optimizer": f"{given.__name__}(model.parameters(), lr=0.1)",
                       "early_stopping": f"{given.__name__}(patience=5)"}
            raise TypeError(f"fit: {name} is the class {given.__name__}, not an object of it; "
                            f"create one, e.g. {example.get(name, given.__name__ + '()')}")
    from .train import EarlyStopping  # (train imports this module)

    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(f"fit: early_stopping must be an EarlyStopping object such as "
                        f"EarlyStopping(patience=5), got {early_stopping!r}")
    if not isinstance(model, Module):
        raise TypeError(f"fit expected a layer or model such as Sequential as model, got "
                        f"{type(model).__name__}")
    if not callable(loss_fn) or not callable(getattr(loss_fn, "backward", None)):
        raise TypeError(f"fit expected a loss such as SoftmaxCrossEntropy() as loss_fn, got "
                        f"{type(loss_fn).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"fit expected an optimizer such as SGD as optimizer, got "
                        f"{type(optimizer).__name__}")
    held = getattr(optimizer, "parameters", None)
    if isinstance(held, (list, tuple)):
        own = {id(p) for p in model.parameters()}
        foreign = [i for i, p in enumerate(held) if id(p) not in own]
        if foreign:
            raise ValueError(
                f"fit: the optimizer holds {len(foreign)} of {len(held)} parameters that are not "
                f"the model's, so it would not train this model; build it with "
                f"SGD(model.parameters(), ...) on the model you pass to fit"
            )


def _check_data(data, name):
    if not isinstance(data, (tuple, list)) or len(data) != 2:  # a dict would unpack its keys
        raise TypeError(f"fit: {name} must be a pair (X, y), got {type(data).__name__}")
    X, y = data
    X, y = float_array(X, f"fit: {name} inputs"), np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"fit: {name} targets must be numbers, got dtype {y.dtype}")
    if len(X) != len(y):
        raise ValueError(f"fit: {name} has {len(X)} inputs but {len(y)} targets")
    if len(X) == 0:
        raise ValueError(f"fit: {name} is empty")
    for what, a in (("inputs", X), ("targets", y)):
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise ValueError(f"fit: {name} {what} contain NaN or inf; clean or impute them first")
    return X, y


def nonfinite_loss(loss, who, **inputs):
    """For a loss that is NaN or inf: a ValueError naming what in ``inputs`` caused it, unless
    the caller deals with NaN itself (``np.errstate(invalid="ignore")``, as in ``fit``).

    Called only when the loss is not finite: the normal path pays one ``math.isfinite``.
    """
    if np.geterr()["invalid"] == "ignore":
        return
    held = [f"{kind} in {name} ({count} of {a.size} elements)" for name, a in inputs.items()
            for kind, count in (("NaN", np.isnan(a).sum()), ("inf", np.isinf(a).sum())) if count]
    cause = ("from " + " and ".join(held) + " (did training diverge, or do the data hold "
             "missing values?)" if held else "every input is finite, but so large that the "
             "computation overflowed (scale the inputs or the targets down)")
    raise ValueError(f"{who}: the loss is {loss}, {cause}")


def bad_gradient(i, p):
    """SGD.step's error for parameter ``i`` whose .grad is None or not of its shape."""
    if p.grad is None:
        got = "is None (no backward has set it yet?)"
    elif hasattr(p.grad, "shape"):
        got = f"has shape {p.grad.shape}"
    else:
        got = f"is a {type(p.grad).__name__}, not an array"
    return ValueError(
        f"SGD.step: parameter {i} ({p.name or 'unnamed'}) has data of shape {p.data.shape} "
        f"but its .grad {got}; a layer's backward must set .grad to an array of the "
        f"parameter's shape"
    )
