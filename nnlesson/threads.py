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
(batch x in x out) runs with one BLAS thread; larger work keeps numpy's default, so the
784-256-256-10 network is not slowed. The limit holds only inside nnlesson's calls (``fit``, the
explorers, :func:`graph.draw`): it is set on entry and the previous setting restored on exit, so
the user's own code keeps whatever threads it had. ``benchmarks/contention.py`` measures the
effect (quiet against N busy processes).
"""

import contextlib
import functools

SMALL_WORK = 4_000_000  # multiply-adds of the largest product; below it, one BLAS thread

_CONTROLLER = []  # one threadpoolctl controller, made on first use (scanning libraries: ~0.2 ms)


def blas_threads(work):
    """The BLAS thread limit nnlesson uses for ``work`` multiply-adds: 1, or None (the default)."""
    return 1 if work < SMALL_WORK else None


def model_work(model, batch_size):
    """Multiply-adds of the largest matrix product in one step: batch x the largest weight's size.

    Every 2-D parameter is a weight ``W`` of shape ``(out, in)``; ``X @ W.T`` costs
    ``batch x in x out``.
    """
    sizes = [p.data.size for p in model.parameters() if p.data.ndim == 2]
    return batch_size * max(sizes, default=0)


@contextlib.contextmanager
def limit_for(work):
    """Inside the block, BLAS uses :func:`blas_threads` ``(work)`` threads; restored after."""
    if blas_threads(work) is None:
        yield
        return
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=blas_threads(work), user_api="blas"):
        yield


def small(function):
    """Decorator: ``function`` does only teaching-size matrix work, so it runs with one thread."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with limit_for(0):
            return function(*args, **kwargs)

    return wrapper


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
