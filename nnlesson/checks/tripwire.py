"""Tripwires: a graded task asks for the student's own implementation, not the package's.

nnlesson is public and holds an implementation of most tasks, often several (a ReLU is
``nl.relu``, ``nl.prelu(x, 0)``, ``nl.PReLU``, ``graph.Tensor.relu``); torch, scikit-learn or
scipy may be installed too. So a task does not list what it forbids, which would leave holes: it
forbids the whole package and names what it hands the student::

    with forbid("nnlesson", "torch", allow=(nl.Sequential,), task="Task 6.2"):
        train(student_step, model)  # the model runs; nl.relu, graph.Tensor raise NotYourOwnWork

Forbidden can be a package name (every Python function of it, and its built-in functions), a
function, or a class (every method defined in it). A profile hook (``sys.setprofile``) looks at
every function call while the block runs, in this thread and the threads it starts, and the
block raises when it ends: about 2.5x the time of a loop of small numpy calls, nothing after.

When a call counts:

- a forbidden function or class: wherever it is called (``nl.X``, an alias, ``from nnlesson
  import X``, or inside another nnlesson function);
- a package: where it is entered from outside it. The student's code calling ``nl.prelu`` is
  caught and named (``nl.prelu``); what ``nl.prelu`` calls inside the package is not looked at
  again. A package function given as the answer itself is caught as well;
- ``allow``: the functions, classes (with their inherited methods) or packages a task hands
  over may be called, and so may all they call; a student's function they call back is watched
  again;
- the grader (``nnlesson.checks``) is never a tripwire where it runs the student's code (its
  case runner, time limit) or where the block's own code calls it (a hidden test calling a
  check), nor is a lookup (a module's ``__getattr__``, an import). Where the student's code calls
  the grader, the grader's code is the student's: its private helpers (``a1._linear``) are
  refused, and so is what its other functions reach (``a3.PenalisedSGD`` stepping with
  ``nl.SGD``), unless the check hands them over: ``allow``, ``handing_over`` for a while (a
  correct rule put in place of the student's own), ``hand_over`` for good (a node's backward
  rule).

``NotYourOwnWork`` is a ``BaseException``, like ``KeyboardInterrupt``: an ``except Exception:``
in the student's code cannot swallow it.
"""

import functools
import inspect
import os
import site
import sys
import sysconfig
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


def _codes(obj, inherited=False):
    """The code objects of a function, of a class's own methods and properties (``inherited``:
    also those of its base classes), or of a method."""
    if inspect.isclass(obj):
        codes = set()
        for cls in inspect.getmro(obj) if inherited else (obj,):
            for value in vars(cls).values():
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if isinstance(value, property):
                    codes |= {f.__code__ for f in (value.fget, value.fset) if f is not None}
                elif inspect.isfunction(value):
                    codes.add(value.__code__)
        return codes
    function = inspect.unwrap(getattr(obj, "__func__", obj))
    if not inspect.isfunction(function):
        raise TypeError(f"forbid: cannot forbid {obj!r} (nor allow it): give a function, a class "
                        f"or a package name such as 'torch'")
    return {function.__code__}


def _packages(names):
    """A test whether a module name lies in one of the packages ``names``."""
    tops = frozenset(n for n in names if "." not in n)  # a set lookup: the hook runs on every call
    dotted = tuple(n for n in names if "." in n)

    def inside(module):
        return bool(module) and (module.partition(".")[0] in tops or any(
            module == n or module.startswith(n + ".") for n in dotted))

    return inside


def _called(frame, module):
    """How the student wrote the forbidden call that entered ``frame``: ``nl.prelu`` or
    ``nnlesson.graph.Tensor`` inside nnlesson, the package's name (``torch``) elsewhere."""
    if not module.startswith("nnlesson"):
        return module.split(".")[0]
    head = getattr(frame.f_code, "co_qualname", frame.f_code.co_name).split(".")[0]
    obj = frame.f_globals.get(head)
    return display_name(obj) if obj is not None and not isinstance(obj, str) else module


# The grader: never a tripwire where it runs the student's code (its time limit, its case runner)
# or the block's own code calls it; where the student's code calls it, see ``library`` in forbid.
GRADER = "nnlesson.checks"
# A package's lazy names and imports (``nl.to_torch`` loads nnlesson.bridge) are lookups, not
# implementations: the call of what they return is the one that counts.
_LOOKUPS = ("__getattr__", "__dir__", "<module>")
_active = threading.local()  # the rules of the blocks running in this thread
_handed = set()  # the code of the grader's private helpers a check hands over for now


def _library_folders():
    """The folders of Python's standard library and of the installed packages."""
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.update(site.getsitepackages() if hasattr(site, "getsitepackages") else ())
    folders.add(site.getusersitepackages())
    return tuple(os.path.join(os.path.realpath(folder), "") for folder in folders)


@functools.lru_cache(maxsize=256)
def _library_file(filename):
    """Whether code from ``filename`` is a library's, not the student's: a file of the standard
    library or of an installed package, or a frozen module (importlib). A notebook's cells, the
    student's own files and code given to ``exec`` or ``python -c`` are neither."""
    if filename.startswith("<frozen"):
        return True
    return os.path.realpath(filename).startswith(_library_folders())


def _private(code):
    """Whether ``code`` is a private helper (``_linear``), not a dunder method (``__init__``)."""
    return code.co_name.startswith("_") and not code.co_name.startswith("__")


def hand_over(function):
    """Mark ``function`` as the grader's code handed to the student for good (a node's backward
    rule in the graphs a check builds): the student's code may call it, and what it calls is the
    grader's. Returns ``function``."""
    _handed.add(function.__code__)
    return function


@contextmanager
def handing_over(*functions):
    """While the block runs, the student's code may call these private helpers of the grader
    (a correct rule a check puts in place of the student's own, to judge one task alone).
    Every thread sees them: the time limit runs the student's code in a thread of its own."""
    codes = {function.__code__ for function in functions} - _handed
    _handed.update(codes)
    try:
        yield
    finally:
        _handed.difference_update(codes)


@contextmanager
def forbid(*implementations, allow=(), task=""):
    """While the block runs, every call of one of ``implementations`` is noted; when the block ends
    (returning or raising), the first one noted is raised as :class:`NotYourOwnWork`. A package
    counts where it is entered from outside it, a function or class wherever it is called;
    ``allow`` lists what the task hands the student (see the module's docstring).

    The hook only takes notes: a hook that raised would be switched off by Python at once, and a
    bare ``except:`` in the student's code could then call the forbidden function unseen. Nested
    blocks keep the outer block's hook running; the previous hook is restored after. A block
    inside a block with the same rules (a check's case runner around a guarded function) adds
    no second hook.
    """
    rules = (implementations, allow, task)
    running = getattr(_active, "rules", [])
    if not implementations or rules in running:  # nothing new to watch: full speed
        yield
        return
    by_code, packages, allowed, allowed_packages = {}, [], set(), []
    for obj in implementations:
        if isinstance(obj, str):
            packages.append(obj)
        else:
            by_code.update(dict.fromkeys(_codes(obj), display_name(obj)))
    for obj in allow:
        if isinstance(obj, str):
            allowed_packages.append(obj)
        else:
            allowed |= _codes(obj, inherited=True)
    in_package, in_allowed = _packages(packages), _packages(allowed_packages)
    grader = _packages((GRADER,))
    entry = sys._getframe(0).f_back  # contextlib's __enter__, then the frame of the ``with``
    while entry is not None and entry.f_globals.get("__name__") == "contextlib":
        entry = entry.f_back
    previous = sys.getprofile()
    seen = []  # the display name of the first forbidden call, and the student's function calling it

    def library(frame):
        """Whether ``frame`` runs a package's own code (forbidden or allowed), not the student's.
        The grader's code counts where the block's own code calls it (a hidden test calling a
        check) or the student's code calls what the task hands over (``allow``, ``handing_over``),
        not where it runs the student's function: there the function is the package's own
        (``check_softmax(nl.softmax)``); nor where the student's code calls another of its
        functions (``a3.PenalisedSGD`` to reach ``nl.SGD``)."""
        while grader(frame.f_globals.get("__name__") or "") and frame is not entry:
            called = frame  # the grader's function called from outside the grader, so far
            frame = frame.f_back
            if frame is None or frame.f_globals.get("__name__") == "threading":
                return False  # the time limit's thread runs the student's function itself
            if not grader(frame.f_globals.get("__name__") or ""):
                return frame is entry or called.f_code in allowed or called.f_code in _handed
        module = frame.f_globals.get("__name__") or ""
        return (frame is not entry and (in_package(module) or in_allowed(module))
                or frame.f_code in allowed)

    def student_function(frame):
        """The name of the first function up the stack that is the student's code, not
        nnlesson's, a forbidden package's or another library's (``import torch`` runs torch's
        code through importlib and dataclasses): the student's function that made the call
        (my_softmax inside my_cross_entropy)."""
        while frame is not None:
            module = frame.f_globals.get("__name__") or ""
            if not (module.startswith("nnlesson") or in_package(module)
                    or _library_file(frame.f_code.co_filename)):
                name = frame.f_code.co_name
                return None if name.startswith("<") else name  # a lambda, a cell's top level
            frame = frame.f_back
        return None

    def hook(frame, event, arg):
        if not seen:
            if event == "call":
                name = by_code.get(frame.f_code)
                if name is None and packages:
                    module = frame.f_globals.get("__name__") or ""
                    if (in_package(module) and not in_allowed(module) and not grader(module)
                            and frame.f_code.co_name not in _LOOKUPS
                            and frame.f_code not in allowed
                            and (frame.f_back is None or not library(frame.f_back))):
                        name = _called(frame, module)
                if (name is None and _private(frame.f_code)
                        and frame.f_code not in _handed and frame.f_code not in allowed
                        and grader(frame.f_globals.get("__name__") or "")
                        and frame.f_back is not None and frame.f_back is not entry
                        and not grader(frame.f_back.f_globals.get("__name__") or "")
                        and not library(frame.f_back)):  # the student's code calls it
                    name = (f"{frame.f_globals['__name__']}."
                            f"{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}")
                if name is not None:
                    seen.extend([name, student_function(frame.f_back)])
            elif event == "c_call" and packages:
                module = (getattr(arg, "__module__", None)
                          or type(getattr(arg, "__self__", None)).__module__)
                if (in_package(module) and not in_allowed(module) and not grader(module)
                        and not library(frame)):
                    seen.extend([module.split(".")[0], student_function(frame)])
        if previous is not None:
            previous(frame, event, arg)

    previous_in_threads = threading.getprofile()
    sys.setprofile(hook)
    threading.setprofile(hook)  # where the time limit runs the student's code in a thread
    _active.rules = [*running, rules]
    try:
        yield
    finally:
        _active.rules = running
        sys.setprofile(previous)
        threading.setprofile(previous_in_threads)
        if seen:
            name, caller = seen
            raise NotYourOwnWork(name, task, caller)
