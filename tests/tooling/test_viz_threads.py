"""The pictures run their own work with one BLAS thread and give the user's setting back.

``Sequential`` does not limit BLAS threads by itself: the limit is set where nnlesson's own loops
start in ``viz`` (an explorer's construction and each of its callbacks, the experiments, the
playground's construction, frames and callbacks). Every layer's work goes through
``Linear.forward``, which records the threads it ran with.
"""

import numpy as np
import pytest

import nnlesson as nl

threadpoolctl = pytest.importorskip("threadpoolctl")
explorers = pytest.importorskip("nnlesson.viz.explorers")
from nnlesson.graph import Tensor  # noqa: E402
from nnlesson.viz import experiments  # noqa: E402
from nnlesson.viz import playground as pgmod  # noqa: E402

TWO = 2  # the user's setting in these tests: more than the one thread nnlesson's work uses


def blas_threads_now():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


@pytest.fixture
def user_threads():
    """The user's BLAS setting is TWO threads (whatever OMP_NUM_THREADS said); restored after."""
    if not blas_threads_now():
        pytest.skip("numpy's BLAS is not visible to threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=TWO, user_api="blas"):
        if set(blas_threads_now()) != {TWO}:
            pytest.skip("this BLAS cannot run two threads here")
        yield [TWO] * len(blas_threads_now())


@pytest.fixture
def seen(monkeypatch):
    """The BLAS threads of every ``Linear.forward`` call, in order. The libraries are found once
    (threadpool_info() searches the loaded libraries each time, a millisecond per call); each
    call then asks each library for its current setting."""
    blas = [lib for lib in threadpoolctl.ThreadpoolController().lib_controllers
            if lib.user_api == "blas"]
    record = []
    forward = nl.Linear.forward

    def recording(self, x):
        record.append([lib.num_threads for lib in blas])
        return forward(self, x)

    monkeypatch.setattr(nl.Linear, "forward", recording)
    return record


def one_thread_throughout(seen, user_threads):
    assert seen, "no layer ran: the test checked nothing"
    assert all(threads == [1] * len(user_threads) for threads in seen)
    assert blas_threads_now() == user_threads  # given back
    seen.clear()


# -- explorers ---------------------------------------------------------------------------------
def test_an_explorer_that_trains_is_built_with_one_thread(user_threads, seen):
    experiments.dropout_regressor.cache_clear()  # trained again, under the test's eyes
    e = explorers.dropout_explorer(samples=5)
    one_thread_throughout(seen, user_threads)
    e.p.value = 0.35  # a slider's callback: Monte-Carlo passes through the regressor
    one_thread_throughout(seen, user_threads)
    e.resample.click()  # a button's callback
    one_thread_throughout(seen, user_threads)


def test_an_explorer_redraw_runs_with_one_thread(user_threads):
    e = explorers.prelu_explorer()
    assert blas_threads_now() == user_threads
    inside = []
    update = e._update

    def recording_update():
        inside.append(blas_threads_now())
        update()

    e._update = recording_update
    e.alpha.value = 0.7
    assert inside == [[1] * len(user_threads)]
    assert blas_threads_now() == user_threads


def test_the_init_and_activation_explorers_callbacks_run_with_one_thread(user_threads, seen):
    e = explorers.init_explorer(depth=3, width=8)
    one_thread_throughout(seen, user_threads)
    e.scale.value = 1.55
    e.activation.value = "ReLU"
    one_thread_throughout(seen, user_threads)
    e = explorers.activation_explorer(depth=5)
    e.depth.value = 7  # a depth not computed (cached) before
    one_thread_throughout(seen, user_threads)


def test_the_backprop_explorer_gives_the_setting_back(user_threads):
    a, b = Tensor(np.array([1.0, 2.0]), name="a"), Tensor(np.array([0.5, -1.0]), name="b")
    e = explorers.backprop_explorer((a * b).sum())
    e.step.value = 2
    assert blas_threads_now() == user_threads


# -- experiments -------------------------------------------------------------------------------
def test_layer_statistics_runs_its_layers_with_one_thread(user_threads, seen):
    experiments.layer_statistics("tanh", 1.0, depth=3, width=16, batch=8)
    one_thread_throughout(seen, user_threads)


def test_gradient_norms_runs_with_one_thread(user_threads, seen):
    experiments.gradient_norms("ReLU", 3, width=9, batch=7, seed=12)  # not in the cache
    one_thread_throughout(seen, user_threads)


def test_noisy_digits_history_runs_with_one_thread(user_threads, seen):
    experiments.noisy_digits_history(epochs=1)
    one_thread_throughout(seen, user_threads)


# -- the playground ----------------------------------------------------------------------------
def test_the_playground_is_built_with_one_thread(user_threads, seen):
    pgmod.playground(n=60, epoch=2)  # trains two epochs while it is built
    one_thread_throughout(seen, user_threads)


def test_a_playground_frame_runs_with_one_thread_and_gives_the_setting_back(user_threads, seen):
    pg = pgmod.playground(n=60)
    seen.clear()
    pg.step()  # one frame: training and the redraw under one limit
    one_thread_throughout(seen, user_threads)
    pg.controls["play"].playing = True
    pg.controls["play"].value += 1  # a tick of the Play timer: a frame
    one_thread_throughout(seen, user_threads)


@pytest.mark.parametrize("control, value", [
    ("learning_rate", 0.1), ("dataset", "xor"), ("layers", 1), ("unit_heatmaps", False),
])
def test_every_kind_of_playground_callback_runs_with_one_thread(user_threads, seen, control,
                                                                value):
    pg = pgmod.playground(n=60)
    seen.clear()
    pg.controls[control].value = value
    one_thread_throughout(seen, user_threads)


@pytest.mark.parametrize("button", ["reset", "new_seed", "regenerate", "step"])
def test_the_playground_buttons_run_with_one_thread(user_threads, seen, button):
    pg = pgmod.playground(n=60)
    seen.clear()
    pg.controls[button].click()
    one_thread_throughout(seen, user_threads)


def test_the_playground_methods_run_with_one_thread(user_threads, seen):
    pg = pgmod.playground(n=60)
    seen.clear()
    pg.train(2)
    pg.predict(np.zeros((3, 2)))
    pg.accuracy()
    pg.touch({"action": "units", "layer": 1, "change": 1})  # a click in the picture
    pg.set_parameter("hidden layer 1 W[0, 0]", 0.5)
    one_thread_throughout(seen, user_threads)
