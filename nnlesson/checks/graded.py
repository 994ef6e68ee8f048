"""The graded tasks of the assignments: what each one forbids, declared once, next to its check.

A graded task asks for the student's own implementation, so nnlesson's own implementation of
it (and torch's or scikit-learn's) earns no points. Each assignment module declares its tasks
with :func:`graded` on their checks::

    @graded(FORBIDDEN, "Task 6.2", allow=(nl.train_val_split,))
    def check_train(fn, *, quiet=False): ...

A task forbids all of nnlesson and the other libraries (:data:`nnlesson.checks.NOT_OWN_WORK`),
not a hand-picked list, so that no equivalent elsewhere in the package slips through (``nl.prelu``
for a ReLU, ``nnlesson.graph`` for a layer's gradients); ``allow`` names what the task itself
hands the student.

and both places that grade the task read that one declaration: the check runs every function
it is given under the task's tripwires (``tripwire.forbid``), and the hidden test runs its own
calls of the student's function inside ``with a1.own_work("Task 3.1"):``.
"""

import functools
import inspect

from . import FAIL, NOT_OWN_WORK, OTHER_LIBRARIES, _graded_rules
from .tripwire import NotYourOwnWork, forbid


def guarded(fn, forbidden, task, allow=()):
    """``fn`` running under the tripwires of ``task``; named like ``fn`` (``__wrapped__`` is
    ``fn``, so a verdict still names the student's function)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with forbid(*forbidden, allow=allow, task=task):
            return fn(*args, **kwargs)

    return run


def graded(registry, task, *, allow=(), also=()):
    """Declare ``task`` (e.g. ``"Task 3.1"``): it forbids :data:`nnlesson.checks.NOT_OWN_WORK`
    (one list, shared with the lessons' checks) but what ``allow`` names (functions, classes,
    package names), and ``also`` what else does this task's work (package names: the standard
    library's ``graphlib`` sorts a graph, which only Task 3.1 of A2 asks for). Returns a
    decorator for the task's check.

    The decorated check runs every function it is given (not classes, such as A2's ``Var``)
    under the task's tripwires, wherever it calls them; a forbidden call is its verdict: with
    ``quiet`` it returns False, otherwise it prints the tripwire's message.
    """
    forbidden, allow = (*NOT_OWN_WORK, *also), tuple(allow)
    if task in registry:
        raise ValueError(f"graded: {task} is declared twice")

    def decorate(check):
        registry[task] = forbidden, allow

        @functools.wraps(check)
        def checked(*fns, quiet=False, **kwargs):
            fns = [guarded(fn, forbidden, task, allow) if callable(fn) and not inspect.isclass(fn)
                   else fn for fn in fns]
            rules = _graded_rules.set((forbidden, allow, task))  # for its case runner
            try:
                return check(*fns, quiet=quiet, **kwargs)
            except NotYourOwnWork as error:  # a call the check made outside its case runner
                if quiet:
                    return False
                print(f"{FAIL} {error}.")
                return None
            finally:
                _graded_rules.reset(rules)

        checked.task, checked.forbidden, checked.allow = task, forbidden, allow
        return checked

    return decorate


def own_work(registry, task):
    """The tripwires of ``task`` as a ``with`` block, for a hidden test's own calls."""
    if task not in registry:
        raise KeyError(f"own_work: no graded task {task!r}; the tasks are {sorted(registry)}")
    forbidden, allow = registry[task]
    return forbid(*forbidden, allow=allow, task=task)


__all__ = ["NOT_OWN_WORK", "OTHER_LIBRARIES", "graded", "guarded", "own_work"]
