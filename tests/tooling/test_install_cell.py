"""The install cell at the top of every lesson and assignment: one cell, the package's version.

tools/install_cell.py holds the cell's one template; every source and every notebook must hold
exactly it, pinned to ``nnlesson.__version__``, with an extra that brings ipywidgets (7.7 or 8); where
nnlesson is missing, it runs pip with pip's messages printed in the cell.
"""

import importlib.util
import os
import re
import subprocess
import sys

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

import nnlesson


def load_tool():
    spec = importlib.util.spec_from_file_location("install_cell", ROOT / "tools" / "install_cell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = load_tool()
CELL = TOOL.cell()
CODE = CELL.removeprefix("# %%\n").rstrip("\n")  # the cell's code, as a notebook holds it


def test_every_source_holds_the_one_install_cell():
    sources = TOOL.sources()
    assert len(sources) >= 14  # 11 lessons and 3 assignments
    assert TOOL.stale() == [], "run python tools/install_cell.py --write, then jupytext --sync"


def test_every_notebook_holds_it_as_its_first_code_cell():
    notebooks = sorted(NOTEBOOKS.rglob("*.ipynb"))
    assert len(notebooks) == len(TOOL.sources())
    for path in notebooks:
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert code[0] == CODE, path.relative_to(ROOT)


def test_the_cell_installs_this_version_with_an_extra_that_keeps_colabs_ipywidgets():
    tomllib = pytest.importorskip("tomllib")
    match = re.search(r'"nnlesson\[(\w+)\] @ git\+https://github\.com/[\w.-]+/[\w.-]+@v([^"]+)"',
                      CODE)
    assert match, CODE
    extra, version = match.groups()
    assert version == nnlesson.__version__
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    # the version has one source, nnlesson/__init__.py, which pyproject.toml reads (dynamic)
    assert "version" not in project and "version" in project["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nnlesson.__version__"}
    requirements = project["optional-dependencies"][extra]
    # Colab's own ipywidgets 7.7 is enough (tested in .ci/run's lane): the cell keeps it
    assert "ipywidgets>=7.7" in requirements and any(r.startswith("matplotlib") for r in requirements)
    # nothing of Jupyter itself: on Colab that would replace the runtime's own packages
    assert not any(r.split(">")[0] in {"jupyterlab", "notebook", "ipykernel"} for r in requirements)


def run_cell(tmp_path, pip_exit):
    """The cell's code where nnlesson is missing, with a stand-in for pip that exits pip_exit."""
    fake = tmp_path / "fake-python"
    fake.write_text(f'#!/bin/sh\necho "fake pip got: $*"\necho "ERROR: a message of pip\'s own"\n'
                    f"exit {pip_exit}\n")
    fake.chmod(0o755)
    program = ("import sys\n"
               "sys.modules['nnlesson'] = None  # import nnlesson raises ModuleNotFoundError\n"
               f"sys.executable = {str(fake)!r}\n"
               f"exec({CODE!r})\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_where_nnlesson_is_missing_pip_runs_with_its_messages_shown(tmp_path):
    done = run_cell(tmp_path, pip_exit=0)
    assert done.returncode == 0, done.stderr
    assert f"fake pip got: -m pip install {TOOL.spec()}" in done.stdout
    assert "ERROR: a message of pip's own" in done.stdout


def test_a_failing_pip_shows_its_own_message_and_stops_the_cell(tmp_path):
    done = run_cell(tmp_path, pip_exit=1)
    assert done.returncode != 0
    assert "ERROR: a message of pip's own" in done.stdout  # pip's reason, in the cell
    assert "RuntimeError: pip could not install nnlesson: see its messages above" in done.stderr
    assert "CalledProcessError" not in done.stderr
