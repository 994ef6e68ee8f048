"""Loss functions: ``loss = loss_fn(pred, target)`` then ``dpred = loss_fn.backward()``.

Both reduce with a mean, as PyTorch's defaults do: the loss does not grow with the batch size.
A loss that comes out NaN or infinite raises a ValueError saying whether the input held NaN or inf,
except inside ``np.errstate(invalid="ignore")``: there the caller has said it deals with NaN itself
(``fit`` does, to report a diverged training with its learning rate) and gets the value as it is.
"""

import math

import numpy as np

from ._errors import nonfinite_loss
from ._util import float_array
from .activations import log_softmax


class MSELoss:
    """Mean squared error over all elements: L = mean((pred - target)^2).

    dL/dpred = 2 (pred - target) / N, where N is the number of elements.
    """

    cache = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        """pred, target: the same shape -> float. Cache: (pred - target,).

        The target is converted to the dtype of pred, so a float32 model stays float32.
        """
        pred = float_array(pred, "MSELoss")
        target = float_array(target, "MSELoss", pred.dtype)
        if pred.shape != target.shape:
            raise ValueError(
                f"MSELoss expected pred and target of the same shape, got pred {pred.shape} "
                f"and target {target.shape}"
            )
        if pred.size == 0:  # the mean of nothing is NaN
            raise ValueError(f"MSELoss got empty pred and target (shape {pred.shape})")
        diff = pred - target
        self.cache = (diff,)
        loss = float((diff * diff).mean())
        if not math.isfinite(loss):
            nonfinite_loss(loss, "MSELoss", pred=pred, target=target)
        return loss

    def backward(self):
        """-> dpred: the shape of pred."""
        if self.cache is None:
            raise RuntimeError("MSELoss.backward was called before forward")
        (diff,) = self.cache
        return 2 * diff / diff.size

    def __repr__(self):
        return "MSELoss()"


class SoftmaxCrossEntropy:
    """Softmax followed by the cross-entropy with integer class labels, averaged over the batch.

    For logits z of one example and its class c: L = -log softmax(z)_c = log(sum_j e^z_j) - z_c.
    The gradient of the mean over a batch of N is dL/dz = (softmax(z) - onehot(c)) / N.
    Computed through a stable log-softmax, so logits of size 1e4 give finite values.
    """

    cache = None

    def __call__(self, logits, labels):
        return self.forward(logits, labels)

    def forward(self, logits, labels):
        """logits: (batch, classes), labels: (batch,) integers in [0, classes) -> float.

        Cache: (probabilities, row indices, labels).
        """
        logits = float_array(logits, "SoftmaxCrossEntropy")
        labels = np.asarray(labels)
        if logits.ndim != 2:
            raise ValueError(
                f"SoftmaxCrossEntropy expected logits of shape (batch, classes), "
                f"got shape {logits.shape}"
            )
        batch, classes = logits.shape
        if labels.shape != (batch,):
            hint = " (one-hot labels? pass labels.argmax(axis=1))" if labels.shape == (
                batch, classes) else ""
            raise ValueError(
                f"SoftmaxCrossEntropy expected labels of shape ({batch},), one class index per "
                f"row of logits of shape {logits.shape}, got shape {labels.shape}{hint}"
            )
        if batch == 0 or classes == 0:  # the mean of nothing is NaN
            raise ValueError(f"SoftmaxCrossEntropy got empty logits (shape {logits.shape})")
        if labels.dtype.kind not in "iu":
            raise TypeError(
                f"SoftmaxCrossEntropy expected integer class labels, got dtype {labels.dtype}"
            )
        logp = log_softmax(logits)
        rows = np.arange(batch)
        try:  # indexing refuses a label >= classes; a negative one would count from the end
            picked = logp[rows, labels]
            out_of_range = labels.dtype.kind == "i" and labels.min() < 0
        except IndexError:
            out_of_range = True
        if out_of_range:
            raise ValueError(
                f"SoftmaxCrossEntropy: labels must lie in [0, {classes}) for {classes} classes, "
                f"got values from {labels.min()} to {labels.max()}"
            )
        self.cache = (np.exp(logp), rows, labels)
        loss = float(-picked.mean())
        if not math.isfinite(loss):
            nonfinite_loss(loss, "SoftmaxCrossEntropy", logits=logits)
        return loss

    def backward(self):
        """-> dlogits: (batch, classes)."""
        if self.cache is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward was called before forward")
        probs, rows, labels = self.cache
        dlogits = probs.copy()
        dlogits[rows, labels] -= 1
        return dlogits / len(labels)

    def __repr__(self):
        return "SoftmaxCrossEntropy()"

