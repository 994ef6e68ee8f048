"""The explorers' experiments run in numpy alone, check their input, and cache honestly."""

import subprocess
import sys

import numpy as np
import pytest

from nnlesson.viz import experiments


def test_the_experiments_import_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, nnlesson.viz.experiments; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'ipywidgets', 'PIL')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("depth", [0, -1])
def test_layer_statistics_refuses_a_net_without_layers(depth):
    # Regression: depth 0 returned no activations and a gradient norm of 1 for a layer that
    # does not exist.
    with pytest.raises(ValueError, match=r"layer_statistics: depth \(number of layers\) must be "
                                         rf"in \[1, inf\), got {depth}"):
        experiments.layer_statistics("tanh", 1.0, depth=depth)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"depth": 2.5}, TypeError, "layer_statistics: depth .* must be an integer"),
    ({"width": 0}, ValueError, r"layer_statistics: width must be in \[1, inf\), got 0"),
    ({"batch": 0}, ValueError, r"layer_statistics: batch must be in \[1, inf\), got 0"),
    ({"seed": -1}, ValueError, r"layer_statistics: seed must be in \[0, inf\), got -1"),
])
def test_layer_statistics_checks_its_sizes(kwargs, error, match):
    with pytest.raises(error, match=match):
        experiments.layer_statistics("tanh", 1.0, **kwargs)


def test_one_layer_gives_one_activation_and_the_unit_gradient():
    activations, grad_norms = experiments.layer_statistics("ReLU", 1.0, depth=1, width=8, batch=4)
    assert len(activations) == 1 and activations[0].shape == (4, 8)
    np.testing.assert_allclose(grad_norms, [1.0])


def test_gradient_norms_hands_out_copies_of_its_cache():
    first = experiments.gradient_norms("tanh", 4)
    first[:] = -1  # a caller changing its result must not change the next caller's
    again = experiments.gradient_norms("tanh", 4)
    assert (again > 0).all() and len(again) == 4


def test_the_dropout_regressor_is_trained_once():
    net = experiments.dropout_regressor()
    assert experiments.dropout_regressor() is net  # the cache: the same trained objects
    assert set(net) == {"X", "y", "model", "model32"}
    assert net["model32"].parameters()[0].data.dtype == np.float32
