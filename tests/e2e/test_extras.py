"""Each extra does what the README says it is for, installed alone into a fresh virtual env.

- ``teacher``: ``nnlesson-assign`` writes the student version of a lesson (and its ``.py``), with
  nothing of Jupyter or nbgrader installed.
- ``instructor``: tested in tests/e2e/test_grading.py, whose teacher installs exactly it, as the
  README's walk-through says, grades a class with it and imports everything the graded notebooks
  import.

The venv is made without pip and filled by this Python's pip (``pip --python``, no bytecode
compiled): about 15 s with a warm pip cache. Nothing is written outside the temporary folder: HOME and Jupyter's folders point
into it, and the repository is installed from a copy.
"""

import json
import os
import shutil
import subprocess

import pytest
from conftest import NOTEBOOKS, ROOT, fresh_venv

pytestmark = pytest.mark.slow
LESSON = "02_why_nonlinearity"  # a short lesson with two code exercises (1.9 s to run)


def isolated_env(root, bin_):
    """The environment of a shell with the venv activated, its homes inside root/homes."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = str(bin_) + os.pathsep + env.get("PATH", "")  # nbgrader runs `alembic`
    homes = root / "homes"  # not root itself: `python -c` imports from its folder
    for name, sub in [("HOME", "home"), ("JUPYTER_CONFIG_DIR", "jupyter/config"),
                      ("JUPYTER_DATA_DIR", "jupyter/data"), ("JUPYTER_RUNTIME_DIR", "jupyter/run"),
                      ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
        (homes / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(homes / sub)
    env["OMP_NUM_THREADS"] = "1"
    return env


def venv_with(extra, root):
    """A fresh venv at root/venv holding nnlesson[extra] and nothing else; its bin folder."""
    source = root / "nnlesson-src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    bin_ = fresh_venv(root / "venv", f"{source}[{extra}]")
    shutil.rmtree(source)
    return bin_


def run(command, cwd, env, timeout=300):
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def has_module(bin_, name, env, cwd):
    return subprocess.run([bin_ / "python", "-c", f"import {name}"], cwd=cwd, env=env,
                          capture_output=True, timeout=60).returncode == 0


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    root = tmp_path_factory.mktemp("teacher-extra")
    bin_ = venv_with("teacher", root)
    return bin_, root, isolated_env(root, bin_)


def test_the_teacher_extra_writes_the_student_version_and_stays_light(teacher):
    bin_, root, env = teacher
    run([bin_ / "nnlesson-assign", "--py", NOTEBOOKS / f"{LESSON}.ipynb", root / "student"],
        cwd=root, env=env)
    written = json.loads((root / "student" / f"{LESSON}.ipynb").read_text())
    text = json.dumps(written)
    assert "NotImplementedError" in text and "BEGIN SOLUTION" not in text
    assert (root / "student" / f"{LESSON}.py").exists()  # --py: jupytext is in the extra
    for heavy in ("nbgrader", "jupyterlab", "matplotlib"):  # writing versions runs no notebook
        assert not has_module(bin_, heavy, env, root), f"{heavy} came with the teacher extra"
