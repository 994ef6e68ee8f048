"""Each extra does what the README says it is for, installed alone into a fresh virtual env.

- ``teacher``: ``nnlesson-assign`` writes the student version of a lesson (and its ``.py``), with
  nothing of Jupyter or nbgrader installed.
- ``instructor``: everything the graded notebooks import imports (checked without a kernel), and
  nbgrader autogrades a solved submission of one lesson with full marks on its code exercises.
  Without matplotlib in this extra, nbgrader exits 0 and scores every tests cell 0: the test reads
  the exported grades, never the exit code.

One venv per extra (module scope), made without pip and filled by this Python's pip
(``pip --python``, no bytecode compiled): about 15 s for teacher and 45 s for instructor with a
warm pip cache. Nothing is written outside the temporary folder: HOME and Jupyter's folders point
into it, and the repository is installed from a copy.
"""

import ast
import csv
import json
import os
import shutil
import subprocess

import pytest
from conftest import NOTEBOOKS, ROOT, SOURCES, fresh_venv

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


def import_statements():
    """Every import statement of a lesson's or an assignment's code cells, top-level or inside."""
    import jupytext

    statements = set()
    for source in sorted(SOURCES.rglob("*.py")):
        for cell in jupytext.read(source).cells:
            if cell.cell_type != "code":
                continue
            code = "\n".join(line for line in cell.source.splitlines()
                             if not line.lstrip().startswith(("%", "!")))
            statements.update(ast.unparse(node) for node in ast.walk(ast.parse(code))
                              if isinstance(node, (ast.Import, ast.ImportFrom)))
    return sorted(statements)


@pytest.fixture(scope="module")
def instructor(tmp_path_factory):
    root = tmp_path_factory.mktemp("instructor-extra")
    bin_ = venv_with("instructor", root)
    return bin_, root, isolated_env(root, bin_)


def test_the_instructor_extra_imports_everything_the_graded_notebooks_import(instructor):
    bin_, root, env = instructor
    # PyTorch stays optional (several GB): the "In PyTorch" cells run without it, and lesson 12
    # says how to install it; the README tells a teacher who grades lesson 12 to install it
    statements = [s for s in import_statements() if "torch" not in s.replace("optional_torch", "")]
    assert {"import matplotlib.pyplot as plt",
            "from nnlesson.viz.playground import ORANGE_BLUE, feature_matrix, playground",
            "from nnlesson import checks", "from nnlesson.bridge import optional_torch"
            } <= set(statements), statements
    assert "torch" in (ROOT / "README.md").read_text().split("## For teachers")[1]
    # what nbgrader's kernel does first in every graded notebook, without a kernel
    run([bin_ / "python", "-c", "\n".join(statements)], cwd=root, env=env)


def test_the_instructor_extra_grades_a_solved_lesson_with_nbgrader(instructor):
    bin_, root, env = instructor
    course = root / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'nnlesson'\n"
        f"c.Exchange.root = {str(root / 'exchange')!r}\n")
    run([bin_ / "nnlesson-assign", "--nbgrader", NOTEBOOKS / f"{LESSON}.ipynb",
         course / "source" / "lesson02"], cwd=course, env=env)
    run([bin_ / "nbgrader", "generate_assignment", "lesson02"], cwd=course, env=env)
    source = json.loads((course / "source" / "lesson02" / f"{LESSON}.ipynb").read_text())
    answers = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
               for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}
    autograded = sum(c["metadata"]["nbgrader"]["points"] for c in source["cells"]
                     if c["metadata"].get("nbgrader", {}).get("grade")
                     and not c["metadata"]["nbgrader"].get("solution"))
    released = course / "release" / "lesson02" / f"{LESSON}.ipynb"
    submitted = course / "submitted" / "solved" / "lesson02" / f"{LESSON}.ipynb"
    submitted.parent.mkdir(parents=True)
    nb = json.loads(released.read_text())
    for cell in nb["cells"]:  # the teacher's answers, marker lines left out, in the release
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell["cell_type"] == "code":
            cell["source"] = "\n".join(line for line in answers[grade_id].splitlines()
                                       if "BEGIN SOLUTION" not in line
                                       and "END SOLUTION" not in line)
    submitted.write_text(json.dumps(nb))
    run([bin_ / "nbgrader", "autograde", "lesson02", "--create"], cwd=course, env=env)
    run([bin_ / "nbgrader", "export"], cwd=course, env=env)
    with open(course / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["student_id"] for r in rows] == ["solved"]
    assert autograded >= 2
    # the written answers wait for a hand grade; every code exercise's points are there
    assert float(rows[0]["score"]) == autograded, rows

