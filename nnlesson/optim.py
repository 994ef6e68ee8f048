"""Stochastic gradient descent."""

import numpy as np

from ._errors import bad_gradient
from ._util import check_number
from .layers import Parameter


class SGD:
    """Gradient descent on a list of parameters: ``param.data -= lr * param.grad``.

    With ``momentum`` m, a velocity v remembers past steps: ``v = m * v + grad`` and
    ``param.data -= lr * v`` (PyTorch's convention). ``weight_decay`` wd adds ``wd * param.data``
    to the gradient, the gradient of the L2 penalty ``wd/2 * ||param||^2``.
    """

    def __init__(self, parameters, lr, momentum=0.0, weight_decay=0.0):
        if callable(parameters):  # SGD(model.parameters, ...): the method, not its list
            name = getattr(parameters, "__qualname__", parameters)
            raise TypeError(f"SGD: got the method {name} itself instead of its list of "
                            f"parameters; call it: SGD(model.parameters(), lr=...)")
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError("SGD: got an empty parameter list (did you pass model.parameters()?)")
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Parameter):
                raise TypeError(f"SGD: parameter {i} must be a Parameter, got {type(p).__name__}")
        first = {}  # id(parameter) -> its first index
        for i, p in enumerate(self.parameters):
            if first.setdefault(id(p), i) != i:
                raise ValueError(
                    f"SGD: a parameter appears twice in the list: parameter {i} ({p!r}) is "
                    f"parameter {first[id(p)]}; it would move twice (the same layer at two "
                    f"places of a model?)"
                )
        self.lr = check_number(lr, "lr (the learning rate)", "SGD", low=0, low_open=True)
        self.momentum = check_number(momentum, "momentum", "SGD", low=0, high=1, high_open=True)
        self.weight_decay = check_number(weight_decay, "weight_decay", "SGD", low=0)
        self.velocity = [np.zeros_like(p.data) for p in self.parameters] if momentum else None

    def step(self):
        """Move every parameter one step against its gradient."""
        for i, p in enumerate(self.parameters):
            grad = p.grad
            if getattr(grad, "shape", None) != p.data.shape:  # else numpy would broadcast it
                raise bad_gradient(i, p)
            if self.weight_decay:
                grad = grad + self.weight_decay * p.data
            if self.velocity is not None:
                self.velocity[i] *= self.momentum
                self.velocity[i] += grad
                grad = self.velocity[i]
            p.data -= self.lr * grad

    def __repr__(self):
        return (f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, "
                f"weight_decay={self.weight_decay:g})")
