"""BLAS threads: one inside nnlesson's teaching-size work, the user's own setting everywhere else."""

import ast
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import _threads as threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads_now():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


needs_blas = pytest.mark.skipif(not blas_threads_now(), reason="numpy's BLAS is not visible")
needs_two_threads = pytest.mark.skipif(
    not blas_threads_now() or max(blas_threads_now()) < 2,
    reason="BLAS runs one thread here already: nothing to limit")


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch):
    """Tests of the size rule run as on a quiet machine with several cores, whatever this one is."""
    monkeypatch.setattr(threads, "crowded", lambda: False)


def small_problem(width=16, n=64, features=2):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, features))
    y = (X[:, 0] > 0).astype(int)
    model = nl.Sequential(nl.Linear(features, width, rng=1), nl.ReLU(), nl.Linear(width, 2, rng=2))
    return model, X, y


def fit_recording_threads(model, X, y, batch_size):
    seen = []
    nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y),
           epochs=2, batch_size=batch_size, rng=0,
           callback=lambda epoch, m: seen.append(blas_threads_now()))
    return seen


def test_the_rule_one_thread_below_the_threshold_the_default_above():
    assert threads.blas_threads(0) == 1
    assert threads.blas_threads(threads.SMALL_WORK - 1) == 1
    assert threads.blas_threads(threads.SMALL_WORK) is None
    # the sizes the rule was measured on
    assert threads.blas_threads(32 * 256 * 256) == 1  # the digits network of lesson 07
    assert threads.blas_threads(256 * 784 * 256) is None  # the 784-256-256-10 benchmark


def test_model_work_is_the_batch_times_the_largest_weight():
    model = nl.Sequential(nl.Linear(784, 256, rng=0), nl.ReLU(), nl.Linear(256, 10, rng=1))
    assert threads.model_work(model, 256) == 256 * 784 * 256
    assert threads.model_work(nl.Sequential(nl.ReLU()), 32) == 0


@needs_two_threads
def test_fit_of_a_small_network_runs_with_one_thread_and_restores_the_setting():
    before = blas_threads_now()
    model, X, y = small_problem()
    seen = fit_recording_threads(model, X, y, batch_size=16)
    assert seen == [[1] * len(before)] * 2  # inside fit: one thread
    assert blas_threads_now() == before  # after fit: as it was


@needs_two_threads
def test_fit_of_a_large_network_keeps_the_default_threads():
    before = blas_threads_now()
    model, X, y = small_problem(width=256, n=64, features=784)  # 64 x 784 x 256 = 12.8 million
    seen = fit_recording_threads(model, X, y, batch_size=64)
    assert seen == [before] * 2
    assert blas_threads_now() == before


@needs_blas
def test_the_users_own_limit_is_kept_inside_and_after_fit():
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        model, X, y = small_problem(width=256, n=64, features=784)  # large: nnlesson sets nothing
        seen = fit_recording_threads(model, X, y, batch_size=64)
        assert seen == [[1] * len(blas_threads_now())] * 2
        assert all(n == 1 for n in blas_threads_now())


@needs_two_threads
def test_fit_restores_the_setting_when_it_raises():
    before = blas_threads_now()
    model, X, y = small_problem()
    with pytest.raises(ValueError, match="fit: train_data has 64 inputs but 3 targets"):
        nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1),
               (X, y[:3]), epochs=1, batch_size=8, rng=0)
    assert blas_threads_now() == before


def test_bad_fit_arguments_still_get_fits_own_errors():
    model, X, y = small_problem()
    with pytest.raises(ValueError, match="fit: batch_size must be a positive integer, got 'x'"):
        nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y),
               epochs=1, batch_size="x", rng=0)


def test_binder_start_makes_one_blas_thread_the_default_and_keeps_a_users_value():
    start = Path(__file__).resolve().parents[2] / "binder" / "start"
    assert os.access(start, os.X_OK)  # repo2docker runs it as a program
    show = ("import threadpoolctl; "
            "print([i['num_threads'] for i in threadpoolctl.threadpool_info() "
            "if i['user_api'] == 'blas'])")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run([str(start), sys.executable, "-c", f"import numpy; {show}"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert set(ast.literal_eval(done.stdout)) <= {1}
    env["OPENBLAS_NUM_THREADS"] = "2"
    done = subprocess.run([str(start), sys.executable, "-c",
                           "import os; print(os.environ['OPENBLAS_NUM_THREADS'])"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "2"


def test_a_busy_machine_or_a_single_core_gets_one_thread_for_large_work_too(monkeypatch):
    large = 256 * 784 * 256
    monkeypatch.undo()  # the real crowded(), fed with made-up machines
    for cores, others, expected in [(2, 0, None), (2, 1, None), (2, 2, 1), (4, 3, None),
                                    (1, 0, 1)]:  # one usable core: a CPU quota, as on Binder
        monkeypatch.setattr(threads, "_CROWDED", [])
        monkeypatch.setattr(threads, "_CORES", [cores])
        monkeypatch.setattr(threads, "_others_running", lambda others=others: others)
        assert threads.blas_threads(large) == expected, (cores, others)


@pytest.mark.skipif(not Path("/proc/loadavg").exists(), reason="Linux only")
def test_our_own_threads_do_not_count_as_others(monkeypatch):
    """This process runs (it is reading): the machine's running count includes it, ours excludes
    it. The machine's count is fixed here: read twice, it changed in between on a busy machine."""
    import builtins

    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda path, *a, **k: io.StringIO(
        "1.00 1.00 1.00 5/300 12345\n") if path == "/proc/loadavg" else real_open(path, *a, **k))
    assert threads._others_running() < 5


def test_the_cgroup_quota_caps_the_usable_cores(monkeypatch, tmp_path):
    import builtins

    real_open = builtins.open
    for text, expected in [("max 100000\n", 2), ("100000 100000\n", 1), ("150000 100000\n", 2)]:
        quota = tmp_path / "cpu.max"
        quota.write_text(text)
        monkeypatch.setattr(threads, "_CORES", [])
        monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
        monkeypatch.setattr(builtins, "open", lambda path, *a, _quota=quota, **k: real_open(
            _quota if path == "/sys/fs/cgroup/cpu.max" else path, *a, **k))
        assert threads.usable_cores() == expected, text
        monkeypatch.setattr(builtins, "open", real_open)


def test_a_sequential_leaves_the_threads_alone_even_on_a_crowded_machine(monkeypatch):
    """The thread policy lives where nnlesson's own loops start (fit, explorers), not in the
    layers a student reads: a Sequential's forward and backward never set a limit."""
    monkeypatch.setattr(threads, "crowded", lambda: True)
    entered = []
    monkeypatch.setattr(threads.limit_for, "__enter__", lambda self: entered.append(self))
    model = nl.Sequential(nl.Linear(4, 8, rng=0), nl.ReLU(), nl.Linear(8, 2, rng=1))
    model(np.ones((3, 4)))
    model.backward(np.ones((3, 2)))
    model.backward_params(np.ones((3, 2)))
    assert entered == []
    layers_source = Path(nl.layers.__file__).read_text()
    assert "_threads" not in layers_source and "when_crowded" not in layers_source
