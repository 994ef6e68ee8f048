"""The package a student installs: its public API, `nnlesson course`, and the wheel itself.

The slow test builds the wheel with `python -m build` from a copy of the repository, installs it
(not editable) with the course extra in a fresh virtual environment, copies the course with the
`nnlesson` command and executes lesson 01 from the copy in that environment's kernel.
"""

import importlib.util
import json
import os
import pydoc
import re
import shutil
import subprocess
import sys
import types
import zipfile
from fnmatch import fnmatch

import nbformat
import pytest
from conftest import ROOT, fresh_venv, run_notebook_in

import nnlesson
from nnlesson.__main__ import main
from nnlesson.teacher import MARKERS, TEACHER_NOTE, Region, build, course, parse_cell
from nnlesson.teacher.files import cells_digest

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


def student_versions():
    """What nnlesson-assign writes for the lessons: the student's copy must be exactly this."""
    return build(ROOT / "notebooks", recursive=False)[0]


def test_course_writes_the_student_version_and_says_what_to_run(tmp_path):
    dest = tmp_path / "my course"  # a space in the name, as students' folders have
    said = []
    written = course.copy_course(dest, log=said.append)
    assert [p.name for p in written] == [p.name for p in LESSONS]
    expected = student_versions()
    assert all(p.read_bytes() == expected[p.name] for p in written)  # nnlesson-assign's, exactly
    for path in written:
        text = path.read_text()
        assert not any(marker in text for marker in MARKERS), path.name
        assert TEACHER_NOTE not in text and "Teacher note" not in text, path.name
    assert said[0] == f"wrote {len(LESSONS)} lesson(s) to {dest.resolve()}"
    assert said[1].startswith(f"next: jupyter lab '{dest}'")  # quoted: pasted, it works


def test_course_with_solutions_writes_the_worked_lessons(tmp_path):
    written = course.copy_course(tmp_path, solutions=True, log=lambda m: None)
    assert [p.name for p in written] == [p.name for p in LESSONS]
    for new, old in zip(written, LESSONS):
        copy, teacher = nbformat.read(new, as_version=4), nbformat.read(old, as_version=4)
        assert [c.source for c in copy.cells] == [c.source for c in teacher.cells]
        assert copy.metadata["nnlesson"]["generated_by"] == "nnlesson course --solutions"
    assert "BEGIN SOLUTION" in written[0].read_text()
    assert not (tmp_path / "assignments").exists()  # the lessons only


def test_course_adds_what_is_missing_and_keeps_what_is_there(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    work = tmp_path / "03_activations.ipynb"
    work.write_text("a student's answers")
    said = []
    written = course.copy_course(tmp_path, log=said.append)
    assert work.read_text() == "a student's answers" and (tmp_path / "notes.txt").read_text() == "mine"
    assert len(written) == len(LESSONS) - 1 and work not in written
    assert said[0] == f"wrote {len(LESSONS) - 1} lesson(s) to {tmp_path.resolve()}"
    assert said[1] == (f"kept 1 lesson(s) already there, untouched: 03_activations.ipynb; for a "
                       f"newer version's lessons: nnlesson course {tmp_path} --update")
    # a deleted lesson comes back, and nothing else changes
    (tmp_path / "05_memory_of_backprop.ipynb").unlink()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (restored,) = course.copy_course(tmp_path, log=lambda m: None)
    assert restored.name == "05_memory_of_backprop.ipynb"
    assert all((tmp_path / name).read_bytes() == data for name, data in before.items())


def newer_versions(monkeypatch):
    """Pretend a newer nnlesson: every lesson's student version has one more cell."""
    real = course._versions

    def newer(solutions):
        files, generated_by = real(solutions)
        for name, data in files.items():
            nb = nbformat.reads(data.decode(), as_version=4)
            nb.cells.append(nbformat.v4.new_markdown_cell("New in 9.9.", id="new-in-9-9"))
            nb.metadata["nnlesson"]["cells"] = cells_digest(nb)
            files[name] = nbformat.writes(nb).encode() + b"\n"
        return files, generated_by

    monkeypatch.setattr(course, "_versions", newer)


def test_course_update_brings_new_lessons_and_keeps_the_students_edits(tmp_path, monkeypatch):
    course.copy_course(tmp_path, version="0.1.0", log=lambda m: None)
    mine = tmp_path / "03_activations.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells[0].source += "\n\nMy notes."
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    ran = tmp_path / "01_fully_connected.ipynb"  # only run: outputs, no edit
    nb = nbformat.read(ran, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nbformat.write(nb, ran)
    (tmp_path / "06_dropout.ipynb").unlink()
    newer_versions(monkeypatch)
    said = []
    course.copy_course(tmp_path, update=True, version="9.9", log=said.append)
    assert mine.read_bytes() == edited  # the student's edit: kept
    beside = tmp_path / "03_activations-nnlesson-9.9.ipynb"
    assert nbformat.read(beside, as_version=4).cells[-1].source == "New in 9.9."
    for path in LESSONS:  # every other lesson: this version's
        if path.name != mine.name:
            assert nbformat.read(tmp_path / path.name, as_version=4).cells[-1].source == "New in 9.9."
    assert said[0] == f"wrote 1 lesson(s) to {tmp_path.resolve()}"  # 06, deleted: back
    assert said[1].startswith(f"updated {len(LESSONS) - 2} lesson(s) you had not changed: "
                              "01_fully_connected.ipynb, ")
    assert ("kept 03_activations.ipynb (you changed it); the new version is beside it: "
            "03_activations-nnlesson-9.9.ipynb") in said
    # again: nothing to do, nothing changes
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    said = []
    course.copy_course(tmp_path, update=True, version="9.9", log=said.append)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert any(line.startswith(f"{len(LESSONS) - 1} lesson(s) already up to date: ")
               for line in said), said
    assert any(line.startswith("kept 03_activations.ipynb (you changed it)") for line in said)
    # without --update, the newer lessons replace nothing
    assert not course.copy_course(tmp_path, version="9.9", log=lambda m: None)


def test_course_update_to_the_same_version_writes_nothing_beside_an_edited_lesson(tmp_path):
    course.copy_course(tmp_path, version="0.1.0", log=lambda m: None)
    mine = tmp_path / "03_activations.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells[0].source += "\n\nMy notes."
    nbformat.write(nb, mine)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    said = []
    assert not course.copy_course(tmp_path, update=True, version="0.1.0", log=said.append)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no copy beside it
    assert ("kept 1 lesson(s) you changed; nnlesson 0.1.0 has nothing newer for them: "
            "03_activations.ipynb") in said, said
    # the others: up to date, and no advice to run the --update that has just run
    assert any(line.startswith("11 lesson(s) already up to date") for line in said), said
    assert not any("--update" in line for line in said), said


def test_course_without_jupyter_says_what_to_install(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    said = []
    course.copy_course(tmp_path / "c", log=said.append)
    assert said[-1] == ("next: install Jupyter, which is not installed here: pip install "
                        "\"nnlesson[course]\"; then: " + course.jupyter_lab_command(tmp_path / "c"))
    assert "jupyter lab" not in said[-1].split(";")[0]
    # without nbformat (a plain `pip install nnlesson`): nothing written, what to install said
    monkeypatch.setitem(sys.modules, "nbformat", None)
    with pytest.raises(course.CourseError, match=r"Jupyter is not installed here \(no 'nbformat'\); "
                       r"install the course's tools: pip install \"nnlesson\[course\]\""):
        course.copy_course(tmp_path / "d", log=lambda m: None)
    assert not (tmp_path / "d").exists()


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
    with pytest.raises(course.CourseError, match=r"cannot write into .*a-file: .*choose a folder"):
        course.copy_course(tmp_path / "a-file" / "course", log=lambda m: None)


def test_copies_are_writable_when_the_lessons_are_installed_read_only(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages"
    installed.mkdir()
    lesson = installed / LESSONS[0].name
    shutil.copyfile(LESSONS[0], lesson)
    lesson.chmod(0o444)  # a system-wide install
    monkeypatch.setattr(course, "lessons_dir", lambda: installed)
    (copy,) = course.copy_course(tmp_path / "mine", log=lambda m: None)
    assert copy.stat().st_mode & 0o200, oct(copy.stat().st_mode)


def test_no_lessons_installed_is_a_clear_error(tmp_path, monkeypatch):
    fake = tmp_path / "nnlesson" / "teacher" / "course.py"
    fake.parent.mkdir(parents=True)
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


def test_nnlesson_course_exits_0_keeping_what_is_there_and_2_with_a_reason(tmp_path, capsys):
    assert main(["course", str(tmp_path)]) == 0
    assert main(["course", str(tmp_path)]) == 0
    assert f"kept {len(LESSONS)} lesson(s) already there, untouched" in capsys.readouterr().out
    assert main(["course", str(tmp_path), "--update"]) == 0
    (tmp_path / "f").write_text("")
    assert main(["course", str(tmp_path / "f")]) == 2
    assert f"nnlesson course: {tmp_path / 'f'} is a file, not a folder" in capsys.readouterr().err


def test_python_dash_m_nnlesson_runs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nnlesson"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "lessons in" in done.stdout and "01_fully_connected.ipynb" in done.stdout


def copy_of_the_repository(dest):
    """The repository's files, to build from (so that no build/ or egg-info is left behind)."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".ipynb_checkpoints",
        "student"))
    return dest


def wheel_texts(wheel):
    """Every file of the wheel as text; a notebook as its cells' sources, one after another."""
    texts = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8", errors="replace")
            if name.endswith(".ipynb"):
                text = "\n".join("".join(c["source"]) if isinstance(c["source"], list)
                                 else c["source"] for c in json.loads(text)["cells"])
            texts[name] = text
    return texts


def assignment_regions():
    """Each solution and hidden-test region of the assignments (2 lines or more), whitespace
    squashed: none may be found in the wheel."""
    regions = []
    for path in sorted((ROOT / "notebooks" / "assignments").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for part in parse_cell(cell.source).parts:
                if isinstance(part, Region) and sum(bool(x.strip()) for x in part.lines) >= 2:
                    regions.append((path.name, re.sub(r"\s+", "", "".join(part.lines))))
    return regions


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel as a user builds it (``python -m build``: an sdist, then the wheel from it, in
    an isolated environment), from a copy of the repository so that no build/ or egg-info is
    left behind. One build serves every test here."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = copy_of_the_repository(tmp / "source")
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert "is absent from the `packages`" not in built.stdout + built.stderr
    (wheel,) = (tmp / "dist").glob("nnlesson-*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_carries_no_assignment_nor_any_of_their_solutions(wheel):
    texts = wheel_texts(wheel)
    assert not [n for n in texts if "assignment" in n.lower() or re.search(r"/A\d_", n)]
    assert sorted(n for n in texts if n.startswith("nnlesson/lessons/")) == [
        f"nnlesson/lessons/{p.name}" for p in LESSONS]
    regions = assignment_regions()
    assert len(regions) >= 20  # the canaries are there to be found
    squashed = {name: re.sub(r"\s+", "", text) for name, text in texts.items()}
    leaks = [(assignment, name) for assignment, region in regions
             for name, text in squashed.items() if region in text]
    assert not leaks, leaks


@pytest.mark.slow
def test_the_wheel_carries_the_course_and_lesson_01_runs_from_a_copy(wheel, tmp_path):
    names = zipfile.ZipFile(wheel).namelist()
    lessons = sorted(n for n in names if n.startswith("nnlesson/lessons/"))
    assert lessons == [f"nnlesson/lessons/{p.name}" for p in LESSONS]  # notebooks only
    assert "nnlesson/resources/digits.npz" in names
    assert "nnlesson/viz/playground_picture.js" in names  # the front end of the picture
    assert "nnlesson/resources/README.md" in names  # the data's CC BY 4.0 notice travels with it
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names

    env_dir = tmp_path / "env"
    bin_dir = fresh_venv(env_dir, f"{wheel}[course]", cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"

    described = subprocess.run([str(bin_dir / "python"), "-m", "nnlesson"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=60)
    assert described.returncode == 0, described.stderr
    assert f"{len(LESSONS)} lessons in {env_dir}" in described.stdout  # in site-packages, not the clone

    dest = tmp_path / "my course"
    copied = subprocess.run([str(bin_dir / "nnlesson"), "course", str(dest)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert copied.returncode == 0, copied.stderr
    assert f"wrote {len(LESSONS)} lesson(s)" in copied.stdout and "next: jupyter lab" in copied.stdout
    assert not any("BEGIN SOLUTION" in p.read_text() for p in dest.glob("*.ipynb"))  # student's
    again = subprocess.run([str(bin_dir / "nnlesson"), "course", str(dest)], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and f"kept {len(LESSONS)} lesson(s)" in again.stdout

    lesson = dest / "01_fully_connected.ipynb"
    module_file, kernel_python, *_ = run_notebook_in(bin_dir, lesson, dest, env)
    assert module_file.startswith(str(env_dir)) and kernel_python.startswith(str(env_dir))
