"""The graded tasks of the assignments: what each one forbids, declared once, next to its check.

A graded task asks for the student's own implementation, so nnlesson's own implementation of
it (and torch's or scikit-learn's) earns no points. Each assignment module declares its tasks
with :func:`graded` on their checks::

    @graded(FORBIDDEN, "Task 3.1", nl.SoftmaxCrossEntropy, nl.softmax, nl.log_softmax)
    def check_softmax_cross_entropy(fn, *, quiet=False): ...

and both places that grade the task read that one declaration: the check runs every function
it is given under the task's tripwires (``tripwire.forbid``), and the hidden test runs its own
calls of the student's function inside ``with a1.own_work("Task 3.1"):``.
"""

import functools
import inspect

from . import FAIL, OTHER_LIBRARIES
from .tripwire import NotYourOwnWork, forbid


def guarded(fn, forbidden, task):
    """``fn`` running under the tripwires of ``task``; named like ``fn`` (``__wrapped__`` is
    ``fn``, so a verdict still names the student's function)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with forbid(*forbidden, task=task):
            return fn(*args, **kwargs)

    return run


def graded(registry, task, *implementations):
    """Declare ``task`` (e.g. ``"Task 3.1"``): it forbids ``implementations`` and
    :data:`nnlesson.checks.OTHER_LIBRARIES` (one list, shared with the lessons' checks).
    Returns a decorator for the task's check.

    The decorated check runs every function it is given (not classes, such as A2's ``Var``)
    under the task's tripwires, wherever it calls them; a forbidden call is its verdict: with
    ``quiet`` it returns False, otherwise it prints the tripwire's message.
    """
    forbidden = (*implementations, *OTHER_LIBRARIES)
    if task in registry:
        raise ValueError(f"graded: {task} is declared twice")

    def decorate(check):
        registry[task] = forbidden

        @functools.wraps(check)
        def checked(*fns, quiet=False, **kwargs):
            fns = [guarded(fn, forbidden, task) if callable(fn) and not inspect.isclass(fn)
                   else fn for fn in fns]
            try:
                return check(*fns, quiet=quiet, **kwargs)
            except NotYourOwnWork as error:  # a call the check made outside its case runner
                if quiet:
                    return False
                print(f"{FAIL} {error}.")
                return None

        checked.task, checked.forbidden = task, forbidden
        return checked

    return decorate


def own_work(registry, task):
    """The tripwires of ``task`` as a ``with`` block, for a hidden test's own calls."""
    if task not in registry:
        raise KeyError(f"own_work: no graded task {task!r}; the tasks are {sorted(registry)}")
    return forbid(*registry[task], task=task)


__all__ = ["OTHER_LIBRARIES", "graded", "guarded", "own_work"]
