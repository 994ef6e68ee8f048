"""How many BLAS threads nnlesson's own work uses: one for teaching-size matrices.

numpy's BLAS (OpenBLAS) starts one thread per core it sees. On a shared machine (Binder, a lab
server) the container sees every core of the node but gets about one core's worth of CPU, other
people's kernels use the same cores, and the BLAS threads spin waiting for each other. For the
small matrices of a teaching network the threads cost far more than they save.

Measured (2 cores, numpy 2.4 with OpenBLAS 0.3.31):

- with two other busy processes, the whole course (``benchmarks/course.py``) took 61.5 s with
  numpy's default threads and 28.0 s with one thread (26.7 s on the quiet machine); building
  ``early_stopping_explorer()`` took 9.3 s against 3.4 s (2.5 s quiet);
- the three products of one layer's training step (``X @ W.T``, ``dY.T @ X``, ``dY @ W``), one
  thread against two, at a load of about 6: batch x in x out = 32 x 256 x 256 (2.1 million
  multiply-adds) 0.94x the time, 64 x 256 x 256 (4.2 million) 1.14x, 256 x 784 x 256 (51 million,
  the large benchmark size) 1.55x. Below about 4 million multiply-adds a second thread does not
  pay even on a quiet machine: 15 epochs of lesson 07's digits network (64-256-256-10, batch 32,
  2.1 million) took 0.30 s with one thread and 0.35 s with two, quiet (load 1.5).

The rule: work whose largest matrix product has fewer than :data:`SMALL_WORK` multiply-adds
(batch x in x out) runs with one BLAS thread. Larger work keeps numpy's default on a quiet
machine, so the 784-256-256-10 network is not slowed, but also runs with one thread where more
cannot help: when this process may use only one core (its CPU affinity, or a cgroup CPU quota
of about one core, as on Binder, whose containers see every core of the node), or when the
machine is busy (other processes' runnable threads at least fill the usable cores: spinning
threads would only wait for each other; with two busy processes the whole course took 1.45x its
quiet time when large work kept the default).
The limit holds only where nnlesson's own loops start (``fit``, the explorers, the playground),
never inside the layers a student reads: it is set on entry and the previous setting restored on
exit, so the user's own code (a hand-written loop over ``model(x)``) keeps whatever threads it
had. ``benchmarks/contention.py`` measures the effect (quiet against N busy processes).
"""

import contextvars
import functools
import os
import time

SMALL_WORK = 4_000_000  # multiply-adds of the largest product; below it, one BLAS thread

_LIBRARIES = []  # threadpoolctl's controllers of the loaded BLAS libraries, found on first use
_CORES = []  # the usable cores, read once
_CROWDED = []  # [when it was decided (time.monotonic), whether the machine was crowded then]
_LIMITED = contextvars.ContextVar("nnlesson_blas_limited", default=False)  # inside a limit already


def usable_cores():
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 CPU quota."""
    if not _CORES:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS, Windows
            cores = os.cpu_count() or 1
        try:
            with open("/sys/fs/cgroup/cpu.max") as f:  # "max 100000", or "150000 100000"
                quota, period = f.read().split()[:2]
            if quota != "max":
                cores = min(cores, max(1, round(int(quota) / int(period))))
        except (OSError, ValueError):
            pass
        _CORES.append(cores)
    return _CORES[0]


def _others_running():
    """Threads of other processes running or waiting for a core right now (Linux), else 0.

    /proc/loadavg counts every runnable thread of the machine, ours included; the 1-minute load
    average would also count our own recent work, and a busy nnlesson would then slow itself.
    """
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
        ours = 0
        for task in os.scandir("/proc/self/task"):
            with open(os.path.join(task.path, "stat")) as f:
                stat = f.read()
            ours += stat[stat.rindex(")") + 2] == "R"  # the state follows the command's name
        return running - ours
    except (OSError, ValueError, IndexError):  # not Linux
        return 0


def busy():
    """True when other processes keep every usable core busy."""
    return _others_running() >= usable_cores()


def crowded():
    """True where more BLAS threads cannot help: one usable core, or a busy machine.

    Decided at most once a second: an explorer may ask on every redraw.
    """
    now = time.monotonic()
    if not _CROWDED or now - _CROWDED[0] > 1.0:
        _CROWDED[:] = [now, usable_cores() == 1 or busy()]
    return _CROWDED[1]


def blas_threads(work):
    """The BLAS thread limit nnlesson uses for ``work`` multiply-adds: 1, or None (the default)."""
    return 1 if work < SMALL_WORK or crowded() else None


def model_work(model, batch_size):
    """Multiply-adds of the largest matrix product in one step: batch x the largest weight's size.

    Every 2-D parameter is a weight ``W`` of shape ``(out, in)``; ``X @ W.T`` costs
    ``batch x in x out``.
    """
    sizes = [p.data.size for p in model.parameters() if p.data.ndim == 2]
    return batch_size * max(sizes, default=0)


class limit_for:
    """``with limit_for(work):`` BLAS uses :func:`blas_threads` ``(work)`` threads; restored after.

    Calls nested inside a limit skip it. A class rather than a generator, and the libraries' own
    setters through threadpoolctl (about 0.5 us each) rather than ``threadpool_limits`` (about
    6 us): a redraw of a small explorer is short too.
    """

    def __init__(self, work):
        self.limit = None if _LIMITED.get() else blas_threads(work)
        self.before = self.token = None

    def __enter__(self):
        if self.limit is None:
            return self
        if not _LIBRARIES:
            from threadpoolctl import ThreadpoolController

            _LIBRARIES.extend(ThreadpoolController().select(user_api="blas").lib_controllers)
        self.before = [lib.get_num_threads() for lib in _LIBRARIES]
        self.token = _LIMITED.set(True)
        for lib, threads in zip(_LIBRARIES, self.before):
            if threads != self.limit:
                lib.set_num_threads(self.limit)
        return self

    def __exit__(self, *exception):
        if self.limit is None:
            return
        for lib, threads in zip(_LIBRARIES, self.before):
            if threads != self.limit:
                lib.set_num_threads(threads)
        _LIMITED.reset(self.token)


def limited(work_of):
    """Decorator: run the function under :func:`limit_for` ``(work_of(*args, **kwargs))``."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with limit_for(work_of(*args, **kwargs)):
                return function(*args, **kwargs)

        return wrapper

    return decorate


def fit_work(model, *args, batch_size=1, **kwargs):
    """The work of one step of :func:`nnlesson.fit` called with these arguments."""
    try:
        return model_work(model, int(batch_size))
    except Exception:  # bad arguments: keep the default threads and let fit report them
        return SMALL_WORK
