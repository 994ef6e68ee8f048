"""What every test lane shares: the repository's paths, and one run of each lesson per test session.

The two ways a test uses a lesson:
- ``lesson_run("09_...")``: the lesson's percent-format source (lessons_src/NAME.py) executed once
  per test session, in this process, under the Agg backend, each exercise cell also tried as the
  student first runs it (:class:`Attempt`); every test that looks at a lesson's figures, reads
  its variables after the run or its student version's attempts (tests/lessons/test_figures.py,
  the claims tests, test_student_versions.py) uses that one run. nbval re-executes the stored
  notebooks in a kernel on its own: it compares the stored outputs cell by cell.
- ``from_lesson(LESSON, *names, **context)``: a few of the lesson's functions, defined anew in a
  namespace of the test's making, to re-run an experiment on other seeds without running the rest.

This file imports only the standard library and pytest at the top: the core lane
(``python -m pytest -p no:nbval -o addopts="" tests/unit``) runs with the light ``unit`` extra,
which has no matplotlib or jupytext.
"""

import ast
import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"  # what a student opens; nbval re-checks their stored outputs
SOURCES = ROOT / "lessons_src"  # each notebook's percent-format .py, paired by jupytext.toml


def source_of(notebook):
    """The paired .py of a notebook: lessons_src/ mirrors notebooks/."""
    return SOURCES / Path(notebook).resolve().relative_to(NOTEBOOKS).with_suffix(".py")


def code_cells(lesson):
    """The code cells' sources of lessons_src/LESSON.py (LESSON may be "assignments/A1_...")."""
    import jupytext

    return [c.source for c in jupytext.read(SOURCES / f"{lesson}.py").cells
            if c.cell_type == "code"]


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
    printed: str  # what it printed (the check's verdict)
    error: BaseException | None  # what it raised: the check must catch the stub's error
    hidden: bool  # whether the cell has hidden tests
    hidden_failed: bool  # whether they fail on the stub (the blank scores 0)
    stubs: dict  # what the student's version defines (their functions, still stubs)


@dataclass
class LessonRun:
    namespace: dict  # the lesson's globals after its last cell
    shown: list = field(default_factory=list)  # [Shown], in order
    leftover: int = 0  # figures still open at the end: plt.show() was never called for them
    attempts: list = field(default_factory=list)  # [Attempt]: the student version's cells


def attempt(lesson, number, parsed, namespace):
    """The student's first run of code cell ``number`` (see :class:`Attempt`) in a copy of
    ``namespace`` (the lesson's globals, with the stubs of earlier exercises)."""
    import matplotlib.pyplot as plt

    from nnlesson.teacher import student_source

    names, printed, error, failed = dict(namespace), io.StringIO(), None, False
    source = student_source(parsed, "code")
    hidden = "\n".join(textwrap.dedent("\n".join(region.lines)) for region in parsed.hidden)
    before = set(plt.get_fignums())
    with contextlib.redirect_stdout(printed):
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
    stubs = {name: names[name] for name in bound_names(source) if name in names}
    return Attempt(number, source, printed.getvalue(), error, bool(parsed.hidden), failed, stubs)


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


def run_lesson(lesson, workdir):
    """Execute lessons_src/LESSON.py cell by cell in ``workdir`` with ``plt.show`` recording each
    open figure, and each exercise cell also as the student first runs it (:class:`Attempt`).
    Cells that build explorers are skipped: tests/tooling/test_widgets.py checks the explorers,
    and building them here would only cost time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from threadpoolctl import threadpool_limits

    from nnlesson.teacher import parse_cell
    from nnlesson.viz import figlint

    run = LessonRun(namespace={"__name__": "__lesson__"})
    current = [None]
    stubs = {}  # the student's still unwritten functions: what later cells get in their attempt

    def show(*args, **kwargs):
        if current[0] is None:  # a student's attempt: its figures are not the lesson's
            return
        for number in plt.get_fignums():
            fig = plt.figure(number)
            title = fig.get_suptitle() or (fig.axes[0].get_title() if fig.axes else "")
            problems = figlint.figure_problems(fig) + figlint.annotations_over_lines(fig)
            run.shown.append(Shown(current[0], title, fig.dpi, problems))
            plt.close(fig)  # the next plt.show() shows only the figures drawn after this one

    real_show = plt.show
    plt.show = show
    try:
        # one BLAS thread: as fast for teaching-size matrices, and no spinning on a busy machine;
        # the lesson's use_style() must not leak into other tests
        with (threadpool_limits(limits=1, user_api="blas"), plt.rc_context(),
              pytest.MonkeyPatch.context() as places, contextlib.redirect_stdout(io.StringIO())):
            places.chdir(workdir)  # (contextlib.chdir needs Python 3.11)
            for number, source in enumerate(code_cells(lesson)):
                if "_explorer(" in source:
                    continue
                parsed = parse_cell(source, f"{lesson}.py, code cell {number}")
                if parsed.solutions or stubs and stubs.keys() & {
                        n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}:
                    current[0] = None
                    tried = attempt(lesson, number, parsed, {**run.namespace, **stubs})
                    run.attempts.append(tried)
                    stubs.update(tried.stubs if parsed.solutions else {})
                current[0] = number
                exec(compile(source, f"{lesson}.py, code cell {number}", "exec"), run.namespace)
            run.leftover = len(plt.get_fignums())
    finally:
        plt.show = real_show
        plt.close("all")
    return run


def from_lesson(lesson, *names, **context):
    """The top-level functions, classes and constants ``names`` of a lesson's .py, defined in a namespace
    holding np, nl and ``context`` (the lesson's globals they use, given by the test): a global
    the test forgot is a NameError, never the lesson's own value passing for the test's."""
    import numpy as np

    import nnlesson as nl

    tree = ast.parse((SOURCES / f"{lesson}.py").read_text())
    wanted = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            wanted.append(node)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in names for t in node.targets):
            wanted.append(node)
    found = {n.targets[0].id if isinstance(n, ast.Assign) else n.name for n in wanted}
    assert found == set(names), f"{lesson}.py no longer defines {set(names) - found}"
    namespace = {"np": np, "nl": nl, **context}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), f"{lesson}.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def one_blas_thread():
    """Teaching-size matrices: one BLAS thread is as fast when the machine is quiet and does not
    spin when it is busy (see the shared notes on threads). For a module of experiments:
    ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def lesson_run(tmp_path_factory):
    """``lesson_run(LESSON)``: the session's one :class:`LessonRun` of that lesson (run on first use)."""
    runs = {}

    def get(lesson):
        if lesson not in runs:
            runs[lesson] = run_lesson(lesson, tmp_path_factory.mktemp(Path(lesson).name))
        return runs[lesson]

    return get


# -- the browser lane (tests/e2e/test_browser.py, test_accessibility.py, test_playground_browser.py)
# One JupyterLab, one Notebook 7 and one headless Chromium per test session, shared by the three
# files, which the scheduler below keeps on one worker: starting a server and a browser costs
# more than most of the tests that use them. Each server works on its own copy of notebooks/.
BROWSER_TESTS = ("tests/e2e/test_browser.py", "tests/e2e/test_accessibility.py",
                 "tests/e2e/test_playground_browser.py")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "nnlesson-browser-test"
SETTINGS = [("@jupyterlab/docmanager-extension/plugin", {"autosave": False}),
            ("@jupyterlab/apputils-extension/notification",
             {"fetchNews": "false", "checkForUpdates": False}),
            # render every cell, not only those in view, so that every slider exists
            ("@jupyterlab/notebook-extension/tracker", {"windowingMode": "none"})]


# -- fresh virtual environments (tests/e2e/test_extras.py, test_binder.py, tests/tooling/test_package.py)
BIN = "Scripts" if os.name == "nt" else "bin"


def fresh_venv(venv, *install, cwd=None):
    """A new virtual env at ``venv`` holding only what ``pip install *install`` brings (run in
    ``cwd``); its bin folder. Made without pip and filled by this Python's pip (``pip --python``)
    without compiling bytecode: for the course extra, 14 s of CPU against 43 s for ``python -m
    venv`` and the venv's own pip (measured on the 2-core CI machine, warm pip cache)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = Path(venv) / BIN / ("python.exe" if os.name == "nt" else "python")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--quiet", "--no-compile", *map(str, install)],
                          cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return Path(venv) / BIN


# Runs a notebook (argv[1]) in a kernel of the Python it is given to, in folder argv[2]; prints
# its errors, the file of the nnlesson and the Python the kernel used, and the versions of numpy,
# matplotlib, ipywidgets and jupytext installed there (- for one that is not).
RUN_NOTEBOOK = r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, importlib.metadata as m, nnlesson\n"
    "def version(name):\n"
    "    try:\n"
    "        return m.version(name)\n"
    "    except m.PackageNotFoundError:\n"
    "        return '-'\n"
    "print(nnlesson.__file__, sys.executable,\n"
    "      *map(version, ['numpy', 'matplotlib', 'ipywidgets', 'jupytext']))"))
NotebookClient(nb, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
print("errors:", len(errors), "code cells:", sum(c.cell_type == "code" for c in nb.cells))
print("kernel:", nb.cells[-1].outputs[0].text)
"""


def run_notebook_in(bin_, notebook, folder, env=None):
    """``notebook`` executed by the Python of the venv ``bin_``, with no error: [nnlesson's file,
    the kernel's Python, the versions of numpy, matplotlib, ipywidgets, jupytext] it saw."""
    done = subprocess.run([str(Path(bin_) / "python"), "-c", RUN_NOTEBOOK, str(notebook),
                           str(folder)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "errors: 0" in done.stdout, done.stdout
    return done.stdout.split("kernel:", 1)[1].split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app, tmp_path_factory):
    """Start JupyterLab ("jupyterlab") or Notebook 7 ("notebook") on a copy of the lessons."""
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    root = tmp_path_factory.mktemp(app)
    work = root / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)  # the test's edits never reach the repository
    for plugin, values in SETTINGS:
        path = root / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces")}
    expose = "LabApp" if app == "jupyterlab" else "JupyterNotebookApp"
    log_path = root / "server.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
         f"--FileCheckpoints.checkpoint_dir={root / 'checkpoints'}",
         f"--{expose}.workspaces_dir={root / 'workspaces'}",
         f"--{expose}.expose_app_in_browser=True", "--ServerApp.allow_root=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"{app} did not start: {log_path.read_text()[-2000:]}")
        yield base, root
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # only the server we started, and its kernels
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    yield from serve("jupyterlab", tmp_path_factory)


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory):
    yield from serve("notebook", tmp_path_factory)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# -- two worker processes (pytest-xdist, `-n 2` in pyproject's addopts) -------------------------
# pytest-xdist hands out whole files (--dist loadfile): a notebook's cells need their one kernel,
# a module's fixtures are built once. The tests that read one lesson's ``lesson_run`` sit in
# several files (test_figures, the claims tests), so in tests/lessons/ the unit handed out is the
# lesson instead, read from the test's name (test_09_...) or its parameter ([09_batch_...]): each
# lesson then runs once per test session, not once per worker. The scheduler sees only these
# names, so collection checks that every test reading a lesson's run names that lesson.
LESSON_IN_NAME = re.compile(r"::test_(\d\d)_|\[(?:assignments/)?([0-9A-Z]\d)_")


def lesson_in_name(nodeid):
    """The lesson number ("08", "A1") a test in tests/lessons/ names, or None."""
    found = LESSON_IN_NAME.search(nodeid) if nodeid.startswith("tests/lessons/") else None
    return found and (found.group(1) or found.group(2))


def lesson_read(item):
    """The lesson whose ``lesson_run`` a test reads, or None."""
    if "lesson_run" not in getattr(item, "fixturenames", ()):
        return None
    params = item.callspec.params if hasattr(item, "callspec") else {}
    if "lesson" in params:
        return Path(params["lesson"]).name.split("_")[0]
    numbered = [name[len("lesson"):] for name in item.fixturenames
                if name.startswith("lesson") and name[len("lesson"):].isdigit()]
    return numbered[0] if len(numbered) == 1 else None


def pytest_collection_modifyitems(config, items):
    wrong = [item.nodeid for item in items
             if lesson_read(item) not in (None, lesson_in_name(item.nodeid))]
    if wrong:
        raise pytest.UsageError(
            "a test that reads lesson_run(LESSON) must say LESSON in its name (test_09_...) or its "
            "parameter ([09_...]), so that it runs on the worker that ran the lesson "
            f"(tests/conftest.py): {wrong[:3]}")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent from the light unit extra
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadFileScheduling

    class ByFileOrLesson(LoadFileScheduling):
        def _split_scope(self, nodeid):
            lesson = lesson_in_name(nodeid)
            if nodeid.startswith(BROWSER_TESTS):
                return "browser"  # one server and one browser for the three files
            return f"lesson {lesson}" if lesson else super()._split_scope(nodeid)

    if config.getoption("dist") != "loadfile":
        return None  # another --dist given on the command line: pytest-xdist's own
    return ByFileOrLesson(config, log)
