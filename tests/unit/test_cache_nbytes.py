"""cache_nbytes counts each array a model keeps for backward once (review r7, lesson 05).

A Sigmoid's (or Tanh's) output is returned read-only, so the next Linear keeps that very array
as its input instead of a copy: one array, two references. The total must count it once, as
memory holds it once; ``per_layer=True`` still says what each layer keeps.
"""

import numpy as np
from unit_helpers import forward_peak

import nnlesson as nl


def sigmoid_blocks(blocks, width, rng, checkpoint_every=None):
    layers = []
    for _ in range(blocks):
        layers += [nl.Linear(width, width, rng=rng), nl.Sigmoid()]
    return nl.Sequential(*layers, checkpoint_every=checkpoint_every)


def test_an_array_two_layers_share_is_counted_once():
    batch, width = 64, 256
    model = sigmoid_blocks(2, width, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(batch, width))
    model(x)
    assert model[1].cache[0] is model[2].cache[0]  # the shared array the count must see once
    activation = batch * width * 8
    # Linear 0 keeps a copy of x; Sigmoid 1's output is Linear 2's input; Sigmoid 3's output.
    assert model.cache_nbytes() == 3 * activation
    assert model.cache_nbytes(per_layer=True) == [activation] * 4  # what each layer keeps


def test_relu_nets_share_nothing_and_the_total_is_the_sum_of_the_layers():
    model = nl.Sequential(nl.Linear(8, 8, rng=0), nl.ReLU(), nl.Linear(8, 8, rng=1))
    model(np.ones((4, 8)))
    per_layer = model.cache_nbytes(per_layer=True)
    assert per_layer == [4 * 8 * 8, 4 * 8, 4 * 8 * 8]  # ReLU's output is writeable: Linear copies
    assert model.cache_nbytes() == sum(per_layer)


def test_nested_sequentials_count_a_shared_array_once_across_the_nesting():
    inner = nl.Sequential(nl.Linear(8, 8, rng=0), nl.Tanh())
    model = nl.Sequential(inner, nl.Linear(8, 2, rng=1))
    model(np.ones((4, 8)))
    assert inner[1].cache[0] is model[1].cache[0]
    assert model.cache_nbytes() == 2 * 4 * 8 * 8  # x's copy and tanh's output, once each
    assert model.cache_nbytes(per_layer=True) == [2 * 4 * 8 * 8, 4 * 8 * 8]


def test_the_total_agrees_with_tracemalloc_on_a_sigmoid_net():
    # The review's measurement: training-minus-inference peak about 262 kB where the old count
    # said 524 kB. The model's output (Sigmoid 3's, kept for backward) is held by the caller in
    # both runs, so the difference is the distinct total less that one activation.
    model = sigmoid_blocks(2, 256, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(64, 256))

    difference = forward_peak(model, x, False) - forward_peak(model, x, True)
    model(x)
    activation = x.nbytes
    assert abs(model.cache_nbytes() - activation - difference) < 0.05 * activation
    old_count = sum(model.cache_nbytes(per_layer=True))  # the shared array twice
    assert old_count - activation - difference > 0.9 * activation


def test_checkpointing_counts_the_segment_inputs_once_each():
    batch, width = 16, 32
    rng = np.random.default_rng(0)
    ckpt = sigmoid_blocks(4, width, rng, checkpoint_every=2)
    x = np.ones((batch, width))
    ckpt(x)
    activation = batch * width * 8
    assert ckpt.cache_nbytes() == 4 * activation  # four segments of 2 layers: 4 inputs kept
    per_layer = ckpt.cache_nbytes(per_layer=True)
    assert per_layer == [activation, 0] * 4
    # Inside a recomputed segment the first layer keeps the stored input itself (read-only, no
    # copy), as the Linear after a Sigmoid does: counted once while both hold it.
    ckpt.backward(np.ones((batch, width)))
    assert ckpt.cache_nbytes() == 4 * activation  # the backward freed what it recomputed
    first = ckpt[0]
    first.cache = (ckpt.cache[0][0],)  # as during the recompute of segment 0
    assert ckpt.cache_nbytes() == 4 * activation
    assert ckpt.cache_nbytes(per_layer=True)[0] == 2 * activation  # what layer 0 is charged


def test_nothing_kept_counts_nothing():
    model = sigmoid_blocks(2, 8, np.random.default_rng(0))
    assert model.cache_nbytes() == 0 and model.cache_nbytes(per_layer=True) == [0] * 4
    with nl.no_grad():
        model(np.ones((2, 8)))
    assert model.cache_nbytes() == 0
