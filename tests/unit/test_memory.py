"""The memory kept for backward: cache_nbytes, no_grad and gradient checkpointing."""

import numpy as np
import pytest
from unit_helpers import forward_peak

import nnlesson as nl


def deep_mlp(depth, width, rng, checkpoint_every=None, dropout=0.0):
    layers = []
    for _ in range(depth):
        layers += [nl.Linear(width, width, rng=rng), nl.ReLU()]
        if dropout:
            layers.append(nl.Dropout(dropout, rng=rng.integers(1 << 30)))
    return nl.Sequential(*layers, checkpoint_every=checkpoint_every)


def test_cache_nbytes_is_the_nbytes_of_what_each_layer_keeps():
    batch, width = 32, 10
    model = nl.Sequential(nl.Linear(4, width, rng=0), nl.ReLU(), nl.Linear(width, width, rng=1),
                          nl.Sigmoid(), nl.Tanh(), nl.PReLU(), nl.Dropout(0.5, rng=2))
    model(np.ones((batch, 4)))
    per_layer = model.cache_nbytes(per_layer=True)
    for layer, size in zip(model, per_layer):
        assert size == sum(a.nbytes for a in layer.cache)
    # The analytic count: batch x width x bytes per element, one array per layer.
    f64, boolean = 8, 1
    assert per_layer == [batch * 4 * f64, batch * width * boolean, batch * width * f64,
                         batch * width * f64, batch * width * f64, batch * width * f64,
                         batch * width * boolean]
    # Tanh's read-only output is the very array PReLU keeps as its input: counted once in all.
    assert model.cache_nbytes() == sum(per_layer) - batch * width * f64


def test_no_grad_keeps_nothing_and_drops_an_earlier_cache():
    model = deep_mlp(3, 16, np.random.default_rng(0))
    x = np.ones((8, 16))
    y_train = model(x)
    assert model.cache_nbytes() > 0
    with nl.no_grad():
        y_pred = model(x)
    np.testing.assert_array_equal(y_pred, y_train)
    assert model.cache_nbytes() == 0
    with pytest.raises(RuntimeError, match=r"ReLU\(\)\.backward: the last forward ran inside no_grad\(\)"):
        model.backward(np.ones((8, 16)))


def test_no_grad_restores_the_mode_even_after_an_error():
    layer = nl.Linear(2, 2, rng=0)
    with pytest.raises(ValueError), nl.no_grad():
        layer(np.ones((1, 3)))
    layer(np.ones((1, 2)))
    assert layer.cache_nbytes() == 16


@pytest.mark.parametrize("k", [1, 2, 3, 5, 100])
def test_checkpointed_gradients_equal_the_normal_ones(k):
    x = np.random.default_rng(9).normal(size=(16, 12))
    labels = np.arange(16) % 12
    results = []
    for checkpoint_every in (None, k):
        model = deep_mlp(5, 12, np.random.default_rng(1), checkpoint_every, dropout=0.2)
        loss_fn = nl.SoftmaxCrossEntropy()
        loss = loss_fn(model(x), labels)
        dx = model.backward(loss_fn.backward())
        next_out = model(x)  # the random streams go on as without checkpointing
        results.append((loss, dx, [p.grad.copy() for p in model.parameters()], next_out))
    (loss_a, dx_a, grads_a, next_a), (loss_b, dx_b, grads_b, next_b) = results
    assert loss_a == loss_b
    np.testing.assert_array_equal(dx_a, dx_b)
    for ga, gb in zip(grads_a, grads_b):
        np.testing.assert_array_equal(ga, gb)
    np.testing.assert_array_equal(next_a, next_b)


def test_checkpointing_keeps_only_the_segment_inputs():
    batch, width, depth, k = 64, 32, 8, 4
    plain = deep_mlp(depth, width, np.random.default_rng(0))
    ckpt = deep_mlp(depth, width, np.random.default_rng(0), checkpoint_every=k)
    x = np.ones((batch, width))
    plain(x)
    ckpt(x)
    segments = len(ckpt) // k  # 16 layers in segments of 4
    assert ckpt.cache_nbytes() == segments * batch * width * 8
    assert plain.cache_nbytes() == depth * (batch * width * 8 + batch * width)
    per_layer = ckpt.cache_nbytes(per_layer=True)
    assert [i for i, size in enumerate(per_layer) if size] == [0, 4, 8, 12]
    assert "checkpoint_every=4" in repr(ckpt)


def test_checkpointed_backward_after_no_grad_forward_fails_clearly():
    model = deep_mlp(2, 4, np.random.default_rng(0), checkpoint_every=1)
    with nl.no_grad():
        model(np.ones((2, 4)))
    with pytest.raises(RuntimeError, match="no_grad"):
        model.backward(np.ones((2, 4)))


def test_tracemalloc_sees_the_cache_a_training_forward_keeps():
    model = deep_mlp(8, 256, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(128, 256))

    inference, training = forward_peak(model, x, True), forward_peak(model, x, False)
    model(x)
    cached = model.cache_nbytes()  # 8 layers x (128 x 256 float64 input + a bool mask): 2.4 MB
    # Slack: the inference forward's own peak holds about two activations at once (input and
    # output of a layer); the training peak may reuse those. Allow two activations of slack.
    slack = 2 * x.nbytes
    assert training - inference >= cached - slack
    assert training > 2 * inference


# -- the grad mode belongs to one thread (issue 12) ------------------------------------------------

def test_no_grad_in_another_thread_does_not_switch_off_this_threads_training():
    import threading

    inside, release = threading.Event(), threading.Event()

    def background_plot():
        with nl.no_grad():
            inside.set()
            release.wait(10)  # hold no_grad while the main thread trains

    worker = threading.Thread(target=background_plot)
    worker.start()
    try:
        assert inside.wait(10)
        layer = nl.Linear(2, 3, rng=0)
        layer(np.ones((4, 2)))
        assert layer.cache_nbytes() == 4 * 2 * 8  # with one global flag the cache was dropped
        layer.backward(np.ones((4, 3)))
    finally:
        release.set()
        worker.join()


def test_fit_validates_under_no_grad_and_keeps_no_cache_of_the_validation_set():
    X, y = nl.make_moons(200, rng=0)
    model = deep_mlp(2, 2, np.random.default_rng(0))
    nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X[:20], y[:20]),
           (X, y), epochs=1, batch_size=20, rng=0)
    assert model.cache_nbytes() == 0  # before: a cache of all 200 validation rows
