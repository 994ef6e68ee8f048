"""What a test sees of a lesson's one run: its figures, its variables and its student version.

A lesson runs once per test session. When nbval re-checks the stored notebook, that is the run:
a :class:`Recorder` installed in nbval's kernel (by tests/conftest.py, before the first cell)
watches each cell through IPython's events and, after the last one, writes what it saw to a file
the tests read (:func:`load`). Without nbval (``-p no:nbval``, or a test run on its own), the
lesson's source runs here instead, in this process (:func:`run_in_process`), with the same
Recorder. Either way a test gets a :class:`LessonRun`.

The Recorder, for each code cell, before it runs:
- an exercise cell (and a later cell that uses what an exercise defines) is also run as the
  student first runs it (:func:`attempt`), in a copy of the lesson's namespace, its output
  captured, so the lesson goes on with the teacher's answers and its own outputs are unchanged;
- each figure the cell shows with ``plt.show()`` is read by figlint first (:class:`Shown`).

This module is imported inside the kernel too: it imports only the standard library at the top.
"""

import ast
import contextlib
import importlib
import io
import pickle
import textwrap
import types
from dataclasses import asdict, dataclass, field


@dataclass
class Shown:
    """One figure a lesson showed with plt.show(), with what figlint found wrong in it."""

    cell: int  # the code cell's number, from 0
    title: str
    dpi: float
    problems: list  # figlint.figure_problems and figlint.annotations_over_lines, at show time


@dataclass
class Attempt:
    """A cell as a student first runs it: an exercise cell with the stub (``raise
    NotImplementedError()``) where the teacher's answer is and the hidden tests left out, then
    those hidden tests, as nbgrader runs them on the unchanged student version; or a later cell
    that uses what an exercise defines, with the stubs. Run in a copy of the lesson's namespace
    at that cell, so that the lesson goes on with the teacher's answers."""

    cell: int  # the code cell's number, from 0
    source: str  # the student's version of the cell
    printed: str  # what it printed or displayed (the check's verdict)
    error: str | None  # repr of what it raised: the check must catch the stub's error
    hidden: bool  # whether the cell has hidden tests
    hidden_failed: bool  # whether they fail on the stub (the blank scores 0)
    stubs: dict  # what the student's version defines (their functions, still stubs; from a
    # kernel, their names only)


@dataclass
class LessonRun:
    namespace: dict  # the lesson's globals after its last cell
    shown: list = field(default_factory=list)  # [Shown], in order
    leftover: int = 0  # figures left for the backend to show: plt.show() was never called for them
    attempts: list = field(default_factory=list)  # [Attempt]: the student version's cells
    ran_in: str = "this process"  # or "nbval's kernel"


def bound_names(source):
    """The names a cell's top level defines (functions, classes, assignments)."""
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return found


def attempt(lesson, number, parsed, namespace):
    """The student's first run of code cell ``number`` (see :class:`Attempt`) in a copy of
    ``namespace`` (the lesson's globals, with the stubs of earlier exercises). What it prints,
    displays or warns is captured: in a kernel, none of it reaches the cell's outputs."""
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    from nnlesson.teacher import student_source

    names, error, failed = dict(namespace), None, False
    source = student_source(parsed, "code")
    hidden = "\n".join(textwrap.dedent("\n".join(region.lines)) for region in parsed.hidden)
    before = set(plt.get_fignums())
    with capture_output() as captured:
        try:
            exec(compile(source, f"{lesson}.py, code cell {number} (student)", "exec"), names)
        except Exception as raised:
            error = raised
        try:
            exec(compile(hidden, f"{lesson}.py, code cell {number} (hidden tests)", "exec"), names)
        except Exception:
            failed = True
    for figure in set(plt.get_fignums()) - before:
        plt.close(figure)
    printed = captured.stdout + "".join(out.data.get("text/plain", "") for out in captured.outputs)
    stubs = {name: names[name] for name in bound_names(source) if name in names}
    return Attempt(number, source, printed, None if error is None else repr(error),
                   bool(parsed.hidden), failed, stubs)


class Recorder:
    """Watches a lesson's cells run (see the module's docstring); ``run`` holds what it saw."""

    def __init__(self, lesson, namespace):
        import matplotlib.pyplot as plt

        self.lesson, self.namespace = lesson, namespace
        self.run = LessonRun(namespace=namespace)
        self.current = None  # the cell whose figures plt.show() shows, None in an attempt
        self.stubs = {}  # the student's still unwritten functions: what later cells get
        self.real_show = plt.show

        def show(*args, **kwargs):  # a function: pyplot sets a __signature__ on its show
            return self.show(*args, **kwargs)

        plt.show = show

    def before(self, number, source):
        """Called before code cell ``number`` runs: its student attempt, if it has one."""
        from nnlesson.teacher import parse_cell

        self.current = None
        if "_explorer(" in source:  # tests/tooling/test_widgets.py checks the explorers
            return
        parsed = parse_cell(source, f"{self.lesson}.py, code cell {number}")
        used = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
        if parsed.solutions or self.stubs.keys() & used:
            tried = attempt(self.lesson, number, parsed, {**self.namespace, **self.stubs})
            self.run.attempts.append(tried)
            self.stubs.update(tried.stubs if parsed.solutions else {})
        self.current = number

    def show(self, *args, **kwargs):
        """plt.show(): each open figure read by figlint, then shown as the backend shows it."""
        import matplotlib.pyplot as plt

        from nnlesson.viz import figlint

        if self.current is None:  # a student's attempt: its figures are not the lesson's
            return self.real_show(*args, **kwargs)
        for number in plt.get_fignums():
            fig = plt.figure(number)
            title = fig.get_suptitle() or (fig.axes[0].get_title() if fig.axes else "")
            problems = figlint.figure_problems(fig) + figlint.annotations_over_lines(fig)
            self.run.shown.append(Shown(self.current, title, fig.dpi, problems))
        return self.real_show(*args, **kwargs)

    def stop(self):
        import matplotlib.pyplot as plt

        plt.show = self.real_show


def code_cells_of(path):
    """The code cells' sources of a lesson's percent-format .py or its .ipynb."""
    import jupytext

    return [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]


def run_in_process(lesson, source_path, workdir):
    """Execute a lesson's .py cell by cell in ``workdir``, under the Agg backend, recorded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pytest
    from threadpoolctl import threadpool_limits

    recorder = Recorder(lesson, {"__name__": "__lesson__"})
    recorder.real_show = lambda *args, **kwargs: plt.close("all")  # Agg shows nothing
    try:
        # one BLAS thread: as fast for teaching-size matrices, and no spinning on a busy machine;
        # the lesson's use_style() must not leak into other tests
        with (threadpool_limits(limits=1, user_api="blas"), plt.rc_context(),
              pytest.MonkeyPatch.context() as places, contextlib.redirect_stdout(io.StringIO())):
            places.chdir(workdir)  # (contextlib.chdir needs Python 3.11)
            for number, source in enumerate(code_cells_of(source_path)):
                recorder.before(number, source)
                if recorder.current is not None:
                    exec(compile(source, f"{lesson}.py, code cell {number}", "exec"),
                         recorder.namespace)
            recorder.run.leftover = len(plt.get_fignums())
    finally:
        recorder.stop()
        plt.close("all")
    return recorder.run


# -- inside nbval's kernel ----------------------------------------------------------------------

class KernelRecorder(Recorder):
    """A Recorder driven by IPython's events in a kernel running the stored notebook."""

    def __init__(self, shell, lesson, sources):
        super().__init__(lesson, shell.user_ns)
        self.shell, self.sources, self.next = shell, sources, 0
        shell.events.register("pre_run_cell", self.pre_run_cell)

    def pre_run_cell(self, info):
        # the inline backend shows, at the end of a cell, each figure it was not asked to:
        # count them before it does (our callback first)
        callbacks = self.shell.events.callbacks["post_execute"]
        if self.post_execute in callbacks:
            callbacks.remove(self.post_execute)
        callbacks.insert(0, self.post_execute)
        source = info.raw_cell
        number = next((i for i in range(self.next, len(self.sources))
                       if self.sources[i].strip() == source.strip()), None)
        if number is None:  # not one of the lesson's cells
            self.current = None
            return
        self.next = number + 1
        self.before(number, source)

    def post_execute(self):
        import matplotlib.pyplot as plt

        self.run.leftover += len(plt.get_fignums())

    def dump(self, path):
        """Write the run to ``path``: the figures, the attempts (stubs by name), the leftover
        count, the modules by name, and each variable that pickles without the kernel's own
        ``__main__``, all in one pickle (two names for one object stay one object)."""
        namespace, modules = {}, {}
        for name, value in self.namespace.items():
            if name.startswith("_") or name in ("In", "Out", "exit", "quit", "get_ipython"):
                continue
            if isinstance(value, types.ModuleType):  # `import numpy as np`, `torch = ...`
                modules[name] = value.__name__
                continue
            try:
                _NoMain(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(value)
            except Exception:  # a function of the lesson, a widget: not carried over
                continue
            namespace[name] = value
        attempts = [{**asdict(a), "stubs": dict.fromkeys(a.stubs)} for a in self.run.attempts]
        with open(path, "wb") as file:
            pickle.dump({"shown": [asdict(s) for s in self.run.shown], "attempts": attempts,
                         "leftover": self.run.leftover, "namespace": namespace,
                         "modules": modules}, file, protocol=pickle.HIGHEST_PROTOCOL)


class _NoMain(pickle.Pickler):
    """Refuses what lives in the kernel's ``__main__`` (the lesson's own functions and classes):
    pickled by reference, they would not load elsewhere."""

    def reducer_override(self, obj):
        module = getattr(obj, "__module__", None) if isinstance(obj, type) or callable(obj) \
            else type(obj).__module__
        if module == "__main__":
            raise pickle.PicklingError("defined in the lesson")
        return NotImplemented


def install(lesson, notebook):
    """In nbval's kernel, before the first cell: record LESSON, the code cells of ``notebook``."""
    from IPython import get_ipython

    return KernelRecorder(get_ipython(), lesson, code_cells_of(notebook))


def load(path, lesson, source_path):
    """The :class:`LessonRun` a kernel wrote to ``path``. The namespace holds the modules and
    the variables that pickled, then the lesson's functions and classes defined anew among them
    (as ``from_lesson`` does), so that a test can call them with the lesson's globals."""
    with open(path, "rb") as file:
        record = pickle.load(file)
    namespace = {"__name__": "__lesson__"}
    for name, module in record["modules"].items():
        namespace[name] = importlib.import_module(module)
    namespace.update(record["namespace"])
    tree = ast.parse(source_path.read_text())
    definitions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    exec(compile(ast.Module(body=definitions, type_ignores=[]), f"{lesson}.py", "exec"), namespace)
    return LessonRun(namespace, [Shown(**s) for s in record["shown"]], record["leftover"],
                     [Attempt(**a) for a in record["attempts"]], ran_in="nbval's kernel")
