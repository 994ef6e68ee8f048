"""The bridge to PyTorch: the same model in nnlesson and in ``torch.nn``, parameters and all.

``to_torch(model)`` builds the ``torch.nn`` twin of an nnlesson model, ``from_torch(module)`` the
nnlesson twin of a ``torch.nn`` module. Both copy every parameter and buffer (copies: training one
does not change the other) and carry over training or eval mode and the dtype (a float64 model
becomes a float64 module). The twins, layer by layer:

==========================  =============================================================
nnlesson                    torch.nn
==========================  =============================================================
``Linear``: W, b            ``Linear``: weight, bias (W is ``(out, in)``, as weight is)
``Sigmoid``, ``Tanh``,      ``Sigmoid``, ``Tanh``, ``ReLU``
``ReLU``
``PReLU``: alpha (a scalar) ``PReLU(num_parameters=1)``: weight of shape ``(1,)``
``Dropout(p)``              ``Dropout(p)`` (p the DROP probability in both)
``BatchNorm``: gamma, beta, ``BatchNorm1d``: weight, bias, running_mean, running_var
running statistics          (the same momentum convention, see below)
``LayerNorm``: gamma, beta  ``LayerNorm(num_features)``: weight, bias
``Sequential``, nested      ``Sequential``, nested
==========================  =============================================================

BatchNorm's momentum needs no conversion: nnlesson uses PyTorch's convention,
``running = (1 - momentum) * running + momentum * batch_statistic`` with the unbiased batch
variance, so the number is copied as it is (Keras's ``momentum`` is ``1 - momentum``).
``num_batches_tracked``, which nnlesson does not keep, is set to 0: PyTorch reads it only when
``momentum=None`` (a cumulative average), which has no nnlesson twin and is refused.
``Sequential(..., checkpoint_every=k)`` becomes a plain ``nn.Sequential`` (same numbers; in
PyTorch, checkpointing is chosen where the model is called, with ``torch.utils.checkpoint``).

PyTorch is optional: ``import nnlesson`` never imports it, and ``nnlesson.to_torch`` imports this
room only when first used. Dropout masks are random in both and never equal: compare a model with
Dropout in eval mode.
"""

import numpy as np

from ..layers import (
    BatchNorm,
    Dropout,
    LayerNorm,
    Linear,
    Module,
    PReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

__all__ = ["to_torch", "from_torch", "optional_torch"]

SUPPORTED = "Linear, Sigmoid, Tanh, ReLU, PReLU, Dropout, BatchNorm, LayerNorm and Sequential"


def _torch(who):
    """The ``torch`` module, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{who} needs PyTorch, which is not installed in this Python. Install its CPU build "
            f"(no GPU needed for this course): pip install torch --index-url "
            f"https://download.pytorch.org/whl/cpu"
        ) from None
    return torch


def optional_torch():
    """``torch``, or None after printing how to install it: for the lessons' optional "In
    PyTorch" cells, which then skip their code instead of failing."""
    try:
        return _torch("This optional cell")
    except ImportError as error:
        print(error)
        return None


def to_torch(model):
    """The ``torch.nn`` twin of the nnlesson ``model``: same layers, parameters, buffers, mode
    and dtype. ``to_torch(model)(torch.from_numpy(x))`` equals ``model(x)`` (Dropout aside)."""
    torch = _torch("to_torch")
    if not isinstance(model, Module):
        raise TypeError(f"to_torch expected an nnlesson layer or model, got {type(model).__name__}")
    return _to_torch(torch, model, "model")


def _to_torch(torch, layer, where):
    nn = torch.nn

    def copy(tensor, array):  # the twin's own copy, of the array's shape (PReLU's (1,) included)
        with torch.no_grad():
            tensor.copy_(torch.from_numpy(np.array(array).reshape(tensor.shape)))

    if type(layer) is Sequential:
        twin = nn.Sequential(*(_to_torch(torch, inner, f"{where}[{i}]")
                               for i, inner in enumerate(layer)))
    elif type(layer) in (Sigmoid, Tanh, ReLU):
        twin = getattr(nn, type(layer).__name__)()
    elif type(layer) is Dropout:
        twin = nn.Dropout(layer.p)
    elif type(layer) is Linear:
        twin = nn.Linear(layer.in_features, layer.out_features, dtype=_dtype(torch, layer.W))
        copy(twin.weight, layer.W.data)  # W is (out, in), as nn.Linear's weight: no transpose
        copy(twin.bias, layer.b.data)
    elif type(layer) is PReLU:  # one alpha for every unit, as nnlesson's
        twin = nn.PReLU(num_parameters=1, dtype=_dtype(torch, layer.alpha))
        copy(twin.weight, layer.alpha.data)
    elif type(layer) is BatchNorm:
        twin = nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum,
                              dtype=_dtype(torch, layer.gamma))
        copy(twin.weight, layer.gamma.data)
        copy(twin.bias, layer.beta.data)
        copy(twin.running_mean, layer.running_mean)
        copy(twin.running_var, layer.running_var)
        twin.num_batches_tracked.zero_()  # not kept by nnlesson; unused with a momentum
    elif type(layer) is LayerNorm:
        twin = nn.LayerNorm(layer.num_features, eps=layer.eps, dtype=_dtype(torch, layer.gamma))
        copy(twin.weight, layer.gamma.data)
        copy(twin.bias, layer.beta.data)
    else:
        # (exact types: a subclass may compute something else, which a twin would silently drop)
        raise TypeError(f"to_torch: {where} is a {type(layer).__name__}, which has no torch.nn "
                        f"twin here; supported: {SUPPORTED}")
    twin.training = layer.training  # this module only: a nested one keeps its own mode
    return twin


def _dtype(torch, parameter):
    return torch.from_numpy(np.empty(0, parameter.data.dtype)).dtype  # the same, in torch's name


def from_torch(module, *, rng=None):
    """The nnlesson twin of the ``torch.nn`` ``module``: same layers, parameters, buffers, mode and
    dtype. ``rng`` seeds the twin's Dropout layers (the module's masks cannot be carried over)."""
    torch = _torch("from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch expected a torch.nn.Module, got {type(module).__name__}")
    return _from_torch(torch, module, "module", np.random.default_rng(rng))


def _from_torch(torch, module, where, rng):
    nn, kind = torch.nn, type(module).__name__

    def array(tensor):
        return tensor.detach().cpu().numpy().copy()

    def refuse(why):
        raise TypeError(f"from_torch: {where} is {module!r}, which has no nnlesson twin: {why}")

    if type(module) is nn.Sequential:
        twin = Sequential(*(_from_torch(torch, inner, f"{where}[{i}]", rng)
                            for i, inner in enumerate(module)))
    elif type(module) in (nn.Sigmoid, nn.Tanh, nn.ReLU):
        twin = {"Sigmoid": Sigmoid, "Tanh": Tanh, "ReLU": ReLU}[kind]()
    elif type(module) is nn.Dropout:
        twin = Dropout(module.p, rng=rng)
    elif type(module) is nn.Linear:
        if module.bias is None:
            refuse("nnlesson's Linear always has a bias (bias=False is not supported)")
        twin = Linear(module.in_features, module.out_features, dtype=array(module.weight).dtype)
        twin.W.data[...] = array(module.weight)
        twin.b.data[...] = array(module.bias)
    elif type(module) is nn.PReLU:
        if module.num_parameters != 1:
            refuse("nnlesson's PReLU has one alpha for all units (num_parameters=1)")
        alpha = array(module.weight)
        twin = PReLU(float(alpha[0]), dtype=alpha.dtype)
    elif type(module) is nn.BatchNorm1d:
        if not (module.affine and module.track_running_stats) or module.momentum is None:
            refuse("nnlesson's BatchNorm needs affine=True, track_running_stats=True and a "
                   "momentum (not None)")
        twin = BatchNorm(module.num_features, momentum=module.momentum, eps=module.eps,
                         dtype=array(module.weight).dtype)
        twin.gamma.data[...] = array(module.weight)
        twin.beta.data[...] = array(module.bias)
        twin.running_mean[...] = array(module.running_mean)
        twin.running_var[...] = array(module.running_var)
    elif type(module) is nn.LayerNorm:
        if len(module.normalized_shape) != 1 or module.weight is None or module.bias is None:
            refuse("nnlesson's LayerNorm normalises one feature axis and learns gamma and beta "
                   "(elementwise_affine=True, bias=True)")
        twin = LayerNorm(module.normalized_shape[0], eps=module.eps,
                         dtype=array(module.weight).dtype)
        twin.gamma.data[...] = array(module.weight)
        twin.beta.data[...] = array(module.bias)
    else:
        raise TypeError(f"from_torch: {where} is a {kind}, which has no nnlesson twin; "
                        f"supported: torch.nn's {SUPPORTED} (BatchNorm1d for BatchNorm)")
    twin.training = module.training  # this module only: a nested one keeps its own mode
    return twin
