"""What every test lane shares: the repository's paths, and one run of each lesson per test session.

The two ways a test uses a lesson:
- ``lesson_run("09_...")``: the lesson's one run per test session (tests/lesson_record.py): its
  figures as figlint reads them, its variables after the last cell and its student version's
  attempts (:class:`Attempt`), read by tests/lessons/test_figures.py, the claims tests and
  test_student_versions.py. When nbval re-checks the stored notebook (comparing its outputs cell
  by cell), that is the run, recorded in nbval's kernel; without nbval, the lesson's
  percent-format source (lessons_src/NAME.py) runs in this process instead.
- ``from_lesson(LESSON, *names, **context)``: a few of the lesson's functions, defined anew in a
  namespace of the test's making, to re-run an experiment on other seeds without running the rest.

This file imports only the standard library and pytest at the top: the core lane
(``python -m pytest -p no:nbval -o addopts="" tests/unit``) runs with the light ``unit`` extra,
which has no matplotlib or jupytext.
"""

import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import lesson_record
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"  # what a student opens; nbval re-checks their stored outputs
SOURCES = ROOT / "lessons_src"  # each notebook's percent-format .py, paired by jupytext.toml


def source_of(notebook):
    """The paired .py of a notebook: lessons_src/ mirrors notebooks/."""
    return SOURCES / Path(notebook).resolve().relative_to(NOTEBOOKS).with_suffix(".py")


def code_cells(lesson):
    """The code cells' sources of lessons_src/LESSON.py (LESSON may be "assignments/A1_...")."""
    return lesson_record.code_cells_of(SOURCES / f"{lesson}.py")


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
    """``lesson_run(LESSON)``: the session's one :class:`LessonRun` of that lesson: nbval's, if
    nbval ran the lesson's notebook in this process, else run here on first use."""
    runs = {}

    def get(lesson):
        if lesson not in runs:
            source = SOURCES / f"{lesson}.py"
            if lesson in KERNEL_RECORDS:
                runs[lesson] = lesson_record.load(KERNEL_RECORDS[lesson], lesson, source)
            else:
                runs[lesson] = lesson_record.run_in_process(
                    lesson, source, tmp_path_factory.mktemp(Path(lesson).name))
        return runs[lesson]

    return get


# -- nbval's run is the lesson's run (see tests/lesson_record.py) ------------------------------
# Before a notebook's first cell, a Recorder is installed in nbval's kernel; after its last cell,
# while the kernel still runs, the record is written to a file. Both are silent executions: no
# output, no execution count, and nbval skips their messages (not its cell's). A notebook with a
# failed cell leaves no record: its tests then run the lesson here and show what fails.
KERNEL_RECORDS = {}  # lesson -> the file its kernel wrote
FAILED_NOTEBOOKS = set()


def nbval_lesson(item):
    """The lesson ("09_batch_normalization", "assignments/A1_...") of an nbval cell, or None."""
    if type(item).__name__ != "IPyNbCell":
        return None
    path = Path(str(item.parent.fspath)).resolve()
    return path.relative_to(NOTEBOOKS).with_suffix("").as_posix() if path.is_relative_to(
        NOTEBOOKS) else None


def run_silently(item, code, timeout=300):
    """Run ``code`` in the kernel of nbval cell ``item``; its error, or None."""
    from queue import Empty

    client = item.parent.kernel.kc
    msg_id = client.execute(code, silent=True, store_history=False, allow_stdin=False)
    try:
        while True:
            reply = client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                content = reply["content"]
                return None if content["status"] == "ok" else content.get("evalue", "aborted")
    except Empty:
        return f"no reply in {timeout} s"


class KernelRecords:
    """The hooks that record nbval's run: a plugin, since a conftest's own hooks see only the
    tests below its folder, and notebooks/ is not."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item):
        yield  # the kernel starts in the notebook's setup
        lesson = nbval_lesson(item)
        if lesson and item.cell_num == 0 and item.parent.kernel.is_alive():
            notebook = NOTEBOOKS / f"{lesson}.ipynb"
            error = run_silently(item, "\n".join([
                "import sys",
                f"sys.path.insert(0, {str(ROOT / 'tests')!r})",
                "import lesson_record",
                f"sys.path.remove({str(ROOT / 'tests')!r})",
                f"__nnlesson_recorder = lesson_record.install({lesson!r}, {str(notebook)!r})"]))
            if error:
                FAILED_NOTEBOOKS.add(lesson)

    def pytest_runtest_logreport(self, report):
        if report.failed and "::Cell " in report.nodeid:
            FAILED_NOTEBOOKS.add(report.nodeid.split("::")[0])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        lesson = nbval_lesson(item)
        last = lesson and (nextitem is None or getattr(nextitem, "parent", None) is not item.parent)
        if last and item.parent.kernel.is_alive():
            notebook = f"notebooks/{lesson}.ipynb"
            if not {lesson, notebook} & FAILED_NOTEBOOKS:
                path = Path(item.config._tmp_path_factory.mktemp("record")) / "run.pickle"
                if run_silently(item, f"__nnlesson_recorder.dump({str(path)!r})") is None:
                    KERNEL_RECORDS[lesson] = path
        yield


def pytest_configure(config):
    config.pluginmanager.register(KernelRecords(), "nnlesson-kernel-records")


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
# a module's fixtures are built once. A lesson's run is nbval's (see above), read by tests in
# several files (test_figures, the claims tests), so the unit handed out is the lesson instead:
# its notebook's cells and the tests in tests/lessons/ that name it in their name (test_09_...)
# or their parameter ([09_batch_...]), the notebook's cells first. Each lesson then runs once
# per test session. The scheduler sees only these names, so collection checks that every test
# reading a lesson's run names that lesson.
LESSON_IN_NAME = re.compile(r"::test_(\d\d)_|\[(?:assignments/)?([0-9A-Z]\d)_")
NOTEBOOK_IN_NAME = re.compile(r"notebooks/(?:assignments/)?([0-9A-Z]\d)_[^/]*\.ipynb::")


def lesson_in_name(nodeid):
    """The lesson number ("08", "A1") of one of a notebook's cells or of a test in
    tests/lessons/ that names it, or None."""
    if nodeid.startswith("notebooks/"):
        found = NOTEBOOK_IN_NAME.match(nodeid)
        return found and found.group(1)
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
    items.sort(key=lambda item: nbval_lesson(item) is None)  # notebooks first, order kept
    wrong = [item.nodeid for item in items
             if lesson_read(item) not in (None, lesson_in_name(item.nodeid))
             or "lesson_run" in getattr(item, "fixturenames", ()) and lesson_in_name(item.nodeid) is None]
    if wrong:
        raise pytest.UsageError(
            "a test that reads lesson_run(LESSON) must sit in tests/lessons/ and say LESSON in its "
            "name (test_09_...) or its parameter ([09_...]), so that it runs on the worker that "
            "ran the lesson "
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
