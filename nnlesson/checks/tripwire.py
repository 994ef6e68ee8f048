"""Tripwires: a graded task asks for the student's own implementation, not the package's.

nnlesson is public and already holds an implementation of most tasks (``nl.SoftmaxCrossEntropy``,
``nl.rel_error``, ``nl.fit``...); torch or scikit-learn may be installed too. While a check or a
hidden test runs the student's function, the implementations its task forbids are tripwires::

    with forbid(nl.SoftmaxCrossEntropy, nl.log_softmax, "torch", task="Task 3.1"):
        loss = student_loss(z, y)   # calling any of them stops with NotYourOwnWork

A forbidden implementation is a function, a class (every method defined in it) or a module name
(``"torch"``: every Python function of that package, and its built-in functions). It is caught
however the student reached it (``nl.X``, ``from nnlesson import X``, an alias, or through
another nnlesson function that uses it): a profile hook (``sys.setprofile``) looks at every
function call while the student's code runs, in this thread only, and the block raises when it
ends. That costs about 1.6x in a loop of small numpy calls, nothing once the block ends.

``NotYourOwnWork`` is a ``BaseException``, like ``KeyboardInterrupt``: an ``except Exception:``
in the student's code cannot swallow it.
"""

import inspect
import sys
import threading
from contextlib import contextmanager

__all__ = ["NotYourOwnWork", "forbid", "display_name"]


class NotYourOwnWork(BaseException):
    """Raised where the student's code calls an implementation its task forbids."""

    def __init__(self, name, task="", caller=None):
        self.name, self.task, self.caller = name, task, caller
        which = f"{task} asks" if task else "this task asks"
        # without the caller: for a check that names the student's function itself
        self.plain = f"{which} for your own implementation: `{name}` is not allowed here"
        super().__init__(self.plain + (f" (your `{caller}` calls it)" if caller else ""))


def display_name(obj):
    """How a student would write ``obj``: ``nl.fit`` for nnlesson's public names, else its path."""
    if isinstance(obj, str):
        return obj
    module, name = getattr(obj, "__module__", "") or "", getattr(obj, "__qualname__", repr(obj))
    if module.startswith("nnlesson"):
        import nnlesson

        if getattr(nnlesson, name, None) is obj:
            return f"nl.{name}"
    return f"{module}.{name}" if module else name


def _codes(obj):
    """The code objects of a function, of a class's own methods and properties, or of a method."""
    if inspect.isclass(obj):
        codes = set()
        for value in vars(obj).values():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property):
                codes |= {f.__code__ for f in (value.fget, value.fset) if f is not None}
            elif inspect.isfunction(value):
                codes.add(value.__code__)
        return codes
    function = inspect.unwrap(getattr(obj, "__func__", obj))
    if not inspect.isfunction(function):
        raise TypeError(f"forbid: cannot forbid {obj!r}: give a function, a class or a module "
                        f"name such as 'torch'")
    return {function.__code__}


def _packages(names):
    """A test whether a module name lies in one of the packages ``names``."""
    names = tuple(names)

    def inside(module):
        return bool(module) and any(module == n or module.startswith(n + ".") for n in names)

    return inside


@contextmanager
def forbid(*implementations, task=""):
    """While the block runs, every call of one of ``implementations`` is noted; when the block ends
    (returning or raising), the first one noted is raised as :class:`NotYourOwnWork`.

    The hook only takes notes: a hook that raised would be switched off by Python at once, and a
    bare ``except:`` in the student's code could then call the forbidden function unseen. Nested
    blocks keep the outer block's hook running; the previous hook is restored after.
    """
    if not implementations:  # nothing forbidden: no hook, so the student's code runs at full speed
        yield
        return
    by_code, packages = {}, []
    for obj in implementations:
        if isinstance(obj, str):
            packages.append(obj)
        else:
            by_code.update(dict.fromkeys(_codes(obj), display_name(obj)))
    in_package = _packages(packages)
    previous = sys.getprofile()
    seen = []  # the display name of the first forbidden call, and the student's function calling it

    def student_function(frame):
        """The name of the first function up the stack that is neither nnlesson's nor forbidden:
        the student's function that made the call (my_softmax inside my_cross_entropy)."""
        while frame is not None:
            module = frame.f_globals.get("__name__") or ""
            if not (module.startswith("nnlesson") or in_package(module)):
                name = frame.f_code.co_name
                return None if name.startswith("<") else name  # a lambda, a cell's top level
            frame = frame.f_back
        return None

    def hook(frame, event, arg):
        if not seen:
            if event == "call":
                name = by_code.get(frame.f_code)
                module = frame.f_globals.get("__name__")
                if name is None and packages and in_package(module):
                    name = module.split(".")[0]
                if name is not None:
                    seen.extend([name, student_function(frame.f_back)])
            elif event == "c_call" and packages:
                module = (getattr(arg, "__module__", None)
                          or type(getattr(arg, "__self__", None)).__module__)
                if in_package(module):
                    seen.extend([module.split(".")[0], student_function(frame)])
        if previous is not None:
            previous(frame, event, arg)

    previous_in_threads = threading.getprofile()
    sys.setprofile(hook)
    threading.setprofile(hook)  # where the time limit runs the student's code in a thread
    try:
        yield
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_in_threads)
        if seen:
            name, caller = seen
            raise NotYourOwnWork(name, task, caller)
