"""The package a student installs: its public API, `nnlesson course`, and the wheel itself.

The slow test builds the wheel with `python -m build` from a copy of the repository, installs it
(not editable) with the course extra in a fresh virtual environment, copies the course with the
`nnlesson` command and executes lesson 01 from the copy in that environment's kernel.
"""

import os
import pydoc
import re
import shutil
import subprocess
import sys
import types
import venv
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest

import nnlesson
from nnlesson import course
from nnlesson.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def public_names():
    """Names a user reaches as ``nnlesson.NAME``: no underscore, not a submodule."""
    return sorted(name for name, value in vars(nnlesson).items()
                  if not name.startswith("_") and not isinstance(value, types.ModuleType))


def readme_table_names():
    """Every name in the first column of the README's "The package at a glance" table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The package at a glance", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| ")]
    names = set()
    for span in re.findall(r"`([^`]+)`", " ".join(first_cells)):
        span = re.sub(r"\([^)]*\)", "", span)  # `Linear(in_features, ...)` names Linear only
        names.update(re.findall(r"[A-Za-z_*][\w*]*", span))
    return names - {"*"}


def test_every_public_name_is_in_all_and_in_the_readme_table():
    names = public_names()
    listed = readme_table_names()
    missing_from_all = [n for n in names if n not in nnlesson.__all__]
    missing_from_readme = [n for n in names if not any(fnmatch(n, pattern) for pattern in listed)]
    not_defined = [n for n in nnlesson.__all__ if not hasattr(nnlesson, n)]
    problems = []
    if missing_from_all:
        problems.append(f"missing from __all__ in nnlesson/__init__.py: {missing_from_all}")
    if missing_from_readme:
        problems.append(f"missing from the table under 'The package at a glance' in README.md: "
                        f"{missing_from_readme}")
    if not_defined:
        problems.append(f"in __all__ but not defined in nnlesson: {not_defined}")
    assert not problems, "\n".join(problems)
    assert len(set(nnlesson.__all__)) == len(nnlesson.__all__), "a name is in __all__ twice"


def test_help_lists_the_api():
    text = pydoc.render_doc(nnlesson, renderer=pydoc.plaintext)
    classes = text.split("\nCLASSES\n", 1)[1].split("\nFUNCTIONS\n", 1)[0]
    functions = text.split("\nFUNCTIONS\n", 1)[1]
    assert "class Linear(" in classes and "class EarlyStopping" in classes
    assert "accuracy(logits, labels)" in functions and "make_moons(" in functions


def test_the_lessons_are_the_repository_notebooks():
    assert course.lessons() == LESSONS
    assert len(LESSONS) >= 7 and LESSONS[0].name == "01_fully_connected.ipynb"


def test_course_copies_every_lesson_and_says_what_to_run(tmp_path):
    dest = tmp_path / "my course"  # a space in the name, as students' folders have
    said = []
    written = course.copy_course(dest, log=said.append)
    assert [p.name for p in written] == [p.name for p in LESSONS]
    assert all(new.read_bytes() == old.read_bytes() for new, old in zip(written, LESSONS))
    assert said[0] == f"copied {len(LESSONS)} lessons to {dest.resolve()}"
    assert said[1].startswith(f"next: jupyter lab '{dest}'")  # quoted: pasted, it works


def test_course_copies_into_an_existing_folder_without_lessons(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    course.copy_course(tmp_path, log=lambda m: None)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert len(list(tmp_path.glob("*.ipynb"))) == len(LESSONS)


def test_course_refuses_to_overwrite_a_students_work_and_writes_nothing(tmp_path):
    work = tmp_path / "03_activations.ipynb"
    work.write_text("a student's answers")
    with pytest.raises(course.CourseError,
                       match=r"already holds 03_activations\.ipynb; nothing was copied"):
        course.copy_course(tmp_path, log=lambda m: None)
    assert work.read_text() == "a student's answers"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["03_activations.ipynb"]


def test_course_refuses_a_file_as_destination(tmp_path):
    target = tmp_path / "course"
    target.write_text("not a folder")
    with pytest.raises(course.CourseError, match=r"is a file, not a folder"):
        course.copy_course(target, log=lambda m: None)
    assert target.read_text() == "not a folder"


def test_course_refuses_an_empty_name_and_an_unwritable_place(tmp_path):
    with pytest.raises(course.CourseError, match=r"the folder name is empty"):
        course.copy_course("  ", log=lambda m: None)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(course.CourseError, match=r"cannot write into .*a-file/course: "):
        course.copy_course(tmp_path / "a-file" / "course", log=lambda m: None)


def test_copies_are_writable_when_the_lessons_are_installed_read_only(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages"
    installed.mkdir()
    lesson = installed / "01_x.ipynb"
    lesson.write_text("{}")
    lesson.chmod(0o444)  # a system-wide install
    monkeypatch.setattr(course, "lessons_dir", lambda: installed)
    (copy,) = course.copy_course(tmp_path / "mine", log=lambda m: None)
    assert copy.stat().st_mode & 0o200, oct(copy.stat().st_mode)


def test_no_lessons_installed_is_a_clear_error(tmp_path, monkeypatch):
    fake = tmp_path / "nnlesson" / "course.py"
    fake.parent.mkdir()
    monkeypatch.setattr(course, "__file__", str(fake))
    with pytest.raises(course.CourseError, match=r"installed without its lessons"):
        course.lessons()


def test_nnlesson_without_arguments_says_version_lessons_and_next_command(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"nnlesson {nnlesson.__version__} ")
    assert f"{len(LESSONS)} lessons in {LESSONS[0].parent}:" in out
    assert all(f"  {p.name}\n" in out for p in LESSONS)
    assert "next: nnlesson course my-course" in out


def test_nnlesson_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"nnlesson {nnlesson.__version__}\n"


def test_nnlesson_course_refusal_exits_2_with_the_reason(tmp_path, capsys):
    assert main(["course", str(tmp_path)]) == 0
    assert main(["course", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"nnlesson course: {tmp_path} already holds 01_fully_connected.ipynb" in err


def test_python_dash_m_nnlesson_runs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nnlesson"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "lessons in" in done.stdout and "01_fully_connected.ipynb" in done.stdout


RUN_LESSON = """
import sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import sys, nnlesson; print(nnlesson.__file__, sys.executable)"))
NotebookClient(nb, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
print("errors:", len(errors), "code cells:", sum(c.cell_type == "code" for c in nb.cells))
print("kernel:", nb.cells[-1].outputs[0].text)
"""


@pytest.mark.slow
def test_the_wheel_carries_the_course_and_lesson_01_runs_from_a_copy(tmp_path):
    # Build from a copy of the repository, so the test leaves no build/ or egg-info behind.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".ipynb_checkpoints",
        "student"))
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("nnlesson-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    lessons = sorted(n for n in names if n.startswith("nnlesson/lessons/"))
    assert lessons == [f"nnlesson/lessons/{p.name}" for p in LESSONS]  # notebooks only
    assert "nnlesson/resources/digits.npz" in names
    assert "nnlesson/resources/README.md" in names  # the data's CC BY 4.0 notice travels with it
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet",
                              f"{wheel}[course]"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]

    described = subprocess.run([str(bin_dir / "python"), "-m", "nnlesson"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=60)
    assert described.returncode == 0, described.stderr
    assert f"{len(LESSONS)} lessons in {env_dir}" in described.stdout  # in site-packages, not the clone

    dest = tmp_path / "my course"
    copied = subprocess.run([str(bin_dir / "nnlesson"), "course", str(dest)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert copied.returncode == 0, copied.stderr
    assert f"copied {len(LESSONS)} lessons" in copied.stdout and "next: jupyter lab" in copied.stdout
    again = subprocess.run([str(bin_dir / "nnlesson"), "course", str(dest)], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "nothing was copied" in again.stderr

    lesson = dest / "01_fully_connected.ipynb"
    ran = subprocess.run([str(bin_dir / "python"), "-c", RUN_LESSON, str(lesson), str(dest)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "errors: 0" in ran.stdout, ran.stdout
    module_file, kernel_python = ran.stdout.split("kernel:", 1)[1].split()
    assert module_file.startswith(str(env_dir)) and kernel_python.startswith(str(env_dir))
