"""What several core test files share: the gradient tolerance, the normalisation layers' inputs,
and the peak memory of one forward pass.

A plain module (not a test file, not a conftest): the test files import it by name, as pytest puts
this folder on sys.path.
"""

import tracemalloc

import numpy as np

import nnlesson as nl

GRAD_TOL = 1e-7  # the quality bar: every layer's float64 gradients agree with central differences
TORCH_TOL = 1e-10  # float64 agreement with PyTorch's layers


def batch(shape, seed, scale=3.0, shift=5.0):
    """Inputs far from mean 0 / variance 1, so that normalising them changes something."""
    return shift + scale * np.random.default_rng(seed).standard_normal(shape)


def with_random_affine(layer, seed):
    """gamma and beta away from 1 and 0, so a gradient that ignores them shows."""
    r = np.random.default_rng(seed)
    layer.gamma.data[:] = r.uniform(0.5, 2.0, layer.num_features)
    layer.beta.data[:] = r.normal(size=layer.num_features)
    return layer


def forward_peak(model, x, inference):
    """The peak bytes Python and numpy allocate during one forward of ``model`` on ``x`` in
    training mode, inside ``no_grad()`` if ``inference``; an earlier forward's cache dropped first."""
    model.train()
    with nl.no_grad():
        model(x[:1])  # drop what an earlier forward kept
    tracemalloc.start()
    if inference:
        with nl.no_grad():
            model(x)
    else:
        model(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak
