"""The student version: solutions out, stubs in, nothing leaks, the teacher's files are safe."""

import ast
import base64
import copy
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from nnlesson.teacher import (
    BEGIN_SOLUTION,
    EXPECTED_TAG,
    HIDE_TAGS,
    MARKERS,
    STUDENT_VIEW_TAG,
    TEACHER_NOTE,
    AssignError,
    Region,
    assign,
    build,
    check,
    instructor_notebook,
    main,
    nbgrader_notebook,
    parse_cell,
    student_notebook,
    student_source,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))
# every teacher notebook, the assignments in notebooks/assignments/ included (picked up when
# they appear); the student and instructor versions keep the same relative paths
ALL = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
QUIET = {"log": lambda message: None}


def rel(path):
    return path.relative_to(NOTEBOOKS)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assign(NOTEBOOKS, out, write_py=True, **QUIET)
    return out


@pytest.fixture(scope="module")
def instructor_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("instructor")
    assign(NOTEBOOKS, out, instructor=True, **QUIET)
    return out


def strip(source, cell_type="code"):
    return student_source(parse_cell(source), cell_type)


def secret_lines(source):
    """Every non-blank line inside a solution or hidden-test region."""
    return [line.strip() for part in parse_cell(source).parts if isinstance(part, Region)
            for line in part.lines if line.strip()]


def files_in(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
            if p.is_file()}


def write_teacher(folder, cells, name="lesson.ipynb", metadata=None):
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=cells, metadata=metadata or {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, folder / name)
    return folder / name


# ------------------------------------------------------------------ the lessons

def test_every_lesson_has_code_and_written_exercises():
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and BEGIN_SOLUTION in c.source]
        assert code, f"{path.name} has no code exercise"
        exercises = sum(c.source.count("**Exercise") for c in nb.cells if c.cell_type == "markdown")
        assert 2 <= exercises <= 4, f"{path.name} has {exercises} exercises"
        assert any("checks.check_" in c.source for c in code), f"{path.name}: no instant check"


def test_the_course_passes_the_check_for_both_versions():
    """The pre-commit hook's check: markers, and every code exercise gradable by nbgrader."""
    report = check(NOTEBOOKS)
    assert len(report) == len(ALL)
    for path in ALL:
        _, exercises = nbgrader_notebook(nbformat.read(path, as_version=4), path)
        autograded = [points for _, points, auto in exercises if auto]
        assert autograded, f"{path.name}: no autograded exercise"


def teacher_cells_as_students_see_them(nb):
    """The teacher's cells that the student version keeps (teaching notes are dropped)."""
    return [c for c in nb.cells if TEACHER_NOTE not in tags(c)]


def without_expected(cells):
    return [c for c in cells if EXPECTED_TAG not in tags(c)]


@pytest.mark.parametrize("path", ALL, ids=lambda p: rel(p).as_posix())
def test_student_version_has_no_solution_and_is_clean(path, student_dir):
    source = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / rel(path), as_version=4)
    nbformat.validate(student)
    kept = teacher_cells_as_students_see_them(source)
    assert len(without_expected(student.cells)) == len(kept)
    for teacher_cell, student_cell in zip(kept, without_expected(student.cells)):
        shown = {line.strip() for line in student_cell.source.splitlines()}
        for line in secret_lines(teacher_cell.source):
            assert line not in shown, f"solution line left in {path.name}: {line}"
        assert not any(marker in student_cell.source for marker in MARKERS)
        if BEGIN_SOLUTION in teacher_cell.source:
            stub = "raise NotImplementedError()" if teacher_cell.cell_type == "code" else "YOUR ANSWER HERE"
            assert stub in student_cell.source
        if student_cell.cell_type == "code":
            assert student_cell.outputs == [] and student_cell.execution_count is None
    for before, cell in zip(student.cells, student.cells[1:]):  # right after its exercise
        if EXPECTED_TAG in tags(cell):
            assert before.cell_type == "code" and "raise NotImplementedError()" in before.source
            assert cell.source.startswith("**Expected output** (from the teacher's run")
    assert set(student.metadata) <= {"kernelspec", "language_info", "jupytext", "nnlesson"}
    assert set(student.metadata["nnlesson"]) == {"generated_by", "cells"}  # the stamp: who, a digest
    paired = jupytext.read(student_dir / rel(path).with_suffix(".py"))
    assert [c.source for c in paired.cells] == [c.source for c in student.cells]


# The student version runs and each check says "not implemented": tests/e2e/test_grading.py reads
# that from the student version nbgrader hands out (the same cells, see the test below), which
# `nbgrader autograde` runs unchanged for its student "blank".
@pytest.mark.parametrize("path", ALL, ids=lambda p: rel(p).as_posix())
def test_every_exercise_is_a_stub_and_its_pictures_are_shown_as_expected_outputs(path,
                                                                                  student_dir):
    written = nbformat.read(student_dir / rel(path), as_version=4)
    stub_cells = [c for c in written.cells
                  if c.cell_type == "code" and "raise NotImplementedError()" in c.source]
    assert stub_cells
    assert any(re.search(r"\bcheck_\w+\(", c.source) for c in stub_cells), \
        f"{path.name}: no exercise calls a check"
    # each exercise that draws in the teacher's notebook shows its picture as an expected output
    teacher = nbformat.read(path, as_version=4)
    expected = [c for c in written.cells if EXPECTED_TAG in tags(c)]
    drew = [c for c in teacher.cells if c.cell_type == "code" and BEGIN_SOLUTION in c.source
            and "no-expected-output" not in tags(c)
            and any("image/png" in o.get("data", {}) and
                    "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
                    for o in c.outputs)]
    pictures = sum(len(c.get("attachments", {})) for c in expected)
    assert pictures >= len(drew), f"{path.name}: an exercise's picture is missing"


@pytest.mark.parametrize("path", ALL, ids=lambda p: rel(p).as_posix())
def test_nbgrader_makes_the_same_student_version(path, student_dir):
    ours = nbformat.read(student_dir / rel(path), as_version=4)
    theirs = nbgrader_clear(nbformat.read(path, as_version=4))
    assert [c.source for c in teacher_cells_as_students_see_them(theirs)] == \
        [c.source for c in without_expected(ours.cells)]


def nbgrader_clear(nb):
    from nbgrader import preprocessors  # in the test extras: never skipped
    resources = {"language": "python"}
    for step in (preprocessors.ClearSolutions(enforce_metadata=False),
                 preprocessors.ClearHiddenTests(enforce_metadata=False),
                 preprocessors.ClearOutput()):
        nb, resources = step.preprocess(nb, resources)
    return nb


# ------------------------------------------------------------------ the grammar

def test_code_stub_keeps_indentation_and_surrounding_code():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nprint(f)"
    assert strip(source) == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"
    assert strip("a = 1\n### BEGIN HIDDEN TESTS\nassert a\n### END HIDDEN TESTS") == "a = 1"
    assert strip("Q?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", "markdown") == "Q?\nYOUR ANSWER HERE"


def levenshtein(a, b):
    """The edit distance, the plain way (the tool's quick test must agree with it)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def test_the_quick_closeness_test_agrees_with_the_edit_distance():
    """The near-miss finder stops early and skips words of other lengths (it was 94% of the
    time); it must still find exactly what the full edit distance finds."""
    import random

    from nnlesson.teacher.markers import _close

    words = ["BEGIN", "END", "SOLUTION", "HIDDEN", "TESTS", "BEGINSOLUTION", "ENDHIDDEN"]
    rng = random.Random(0)
    for _ in range(3000):
        target = rng.choice(words)
        word = list(rng.choice(words))
        for _ in range(rng.randrange(5)):  # a few random edits, so many words are close
            at = rng.randrange(len(word) + 1)
            edit = rng.choice("insert delete change".split())
            if edit == "insert" or not word:
                word.insert(at, rng.choice("BEGINSOLUTHDX"))
            elif edit == "delete":
                del word[min(at, len(word) - 1)]
            else:
                word[min(at, len(word) - 1)] = rng.choice("BEGINSOLUTHDX")
        word = "".join(word)
        for limit in range(4):
            assert _close(word, target, limit) == (levenshtein(word, target) <= limit), (
                word, target, limit)


@pytest.mark.parametrize("begin, end", [
    ("### BEGIN SOLUTION (answer)", "### END SOLUTION"),
    ("### BEGIN SOLUTION  # exercise 3", "### END SOLUTION  # exercise 3"),
    ("###BEGIN SOLUTION", "###END SOLUTION"),
    ("BEGIN SOLUTION (answer)", "END SOLUTION"),
    ("x = 1  # BEGIN SOLUTION", "# END SOLUTION here"),
])
def test_every_line_nbgrader_treats_as_a_marker_is_one(begin, end):
    """nbgrader's rule is 'the line contains the words': the spellings that used to leak."""
    source = f"keep = 0\n{begin}\nsecret = 42\n{end}\nkeep = 1"
    assert strip(source) == "keep = 0\n# YOUR CODE HERE\nraise NotImplementedError()\nkeep = 1"
    nb = new_notebook(cells=[new_code_cell(source)])
    assert nbgrader_clear(nb).cells[0].source == strip(source)


@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTON\nsecret = 42\n### END SOLUTION", "line 1: 'BEGIN SOLUTON' looks like a marker"),
    ("### begin solution\nsecret = 42\n### end solution", "line 1: 'begin solution' looks like a marker"),
    ("### BEGIN  SOLUTION\nsecret = 42\n### END SOLUTION", "line 1: 'BEGIN SOLUTION' looks like a marker"),
    ("### BEGIN_SOLUTION\nsecret = 42\n### END_SOLUTION", "line 1: 'BEGIN SOLUTION' looks like a marker"),
    ("### BEGIN HIDDEN TEST\nassert secret\n### END HIDDEN TEST", "line 1: 'BEGIN HIDDEN' looks like a marker"),
    ("### BEGINSOLUTION\nsecret = 42\n### ENDSOLUTION", "line 1: 'BEGINSOLUTION' looks like a marker"),
    # a marker broken over two lines: nbgrader sees neither half, so the solution would stay
    ("### BEGIN\n### SOLUTION\nsecret = 42\n### END SOLUTION",
     "line 1: 'BEGIN SOLUTION' looks like a marker broken over this line and the next"),
    ("### BEGIN SOLUTION\nsecret = 42\n### END\n### SOLUTION",
     "line 3: 'END SOLUTION' looks like a marker broken over this line and the next"),
    ("### BEGIN\n### HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS",
     "line 1: 'BEGIN HIDDEN' looks like a marker broken over this line and the next"),
    ("x = 1\nsecret = 42\n### END SOLUTION", "line 3: END SOLUTION without a BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\nsecret = 42", "line 1: the solution region opened here has no END SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\nsecret = 42\n### END SOLUTION",
     "line 2: BEGIN HIDDEN TESTS inside the solution region opened on line 1"),
    ("### BEGIN SOLUTION\nsecret = 1\n### BEGIN SOLUTION\nsecret = 2\n### END SOLUTION",
     "line 3: BEGIN SOLUTION inside the solution region opened on line 1"),
    ("### BEGIN HIDDEN TESTS\nassert secret\n### END SOLUTION",
     "line 3: END SOLUTION closes the hidden region opened on line 1"),
    ("### BEGIN SOLUTION secret = 42 ### END SOLUTION", "line 1: two markers on one line"),
    ("### BEGIN SOLUTION (two points)\nsecret = 42\n### END SOLUTION", "line 1: cannot read the points"),
    ("### BEGIN SOLUTION\nsecret = 42\n### END SOLUTION (2 points)", "line 3: points go on the BEGIN marker"),
    ("### BEGIN SOLUTION (1 point)\nsecret = 42\n### END SOLUTION\n### BEGIN HIDDEN TESTS (2 points)\n"
     "assert secret\n### END HIDDEN TESTS", "line 4: this cell already declared its points"),
])
def test_bad_markers_are_errors_naming_the_line_without_solution_text(source, problem):
    with pytest.raises(AssignError) as raised:
        parse_cell(source, "lesson.ipynb: cell 3 (code)")
    message = str(raised.value)
    assert message.startswith("lesson.ipynb: cell 3 (code), line ")
    assert problem in message
    assert "secret" not in message and "42" not in message


def test_points_are_read_from_a_begin_marker_and_default_to_one():
    assert parse_cell("### BEGIN SOLUTION (2 points)\nx\n### END SOLUTION").points == 2
    assert parse_cell("### BEGIN HIDDEN TESTS (0.5 points)\nx\n### END HIDDEN TESTS").points == 0.5
    assert parse_cell("### BEGIN SOLUTION (1 point)\nx\n### END SOLUTION").points == 1
    assert parse_cell("### BEGIN SOLUTION\nx\n### END SOLUTION").points is None


def test_ordinary_prose_and_code_are_not_mistaken_for_markers():
    for line in ["The end of the solution is near.", "We begin with a solution of the ODE.",
                 "append(solution)", "hidden = relu(x)", "# end: hidden layer sizes", "beginner",
                 "# begin\nx = solve(a)", "The end\nSolution of exercise 2 follows."]:
        assert strip(line, "markdown") == line


# ------------------------------------------------------------------ no leaks: the canary test

SVG = "<svg xmlns='http://www.w3.org/2000/svg'><text>CANARY-attachment</text></svg>"


def canary_cells():
    """Teacher cells with a unique canary in every solution, hidden test and place that could
    carry one. Returns (cells, canaries)."""
    cells, canaries = [], []

    def canary(tag):
        canaries.append(f"CANARY-{tag}")
        return canaries[-1]

    for i, (begin, end) in enumerate([
        ("### BEGIN SOLUTION", "### END SOLUTION"),
        ("### BEGIN SOLUTION (answer)", "### END SOLUTION"),
        ("### BEGIN SOLUTION  # exercise 3", "### END SOLUTION  # exercise 3"),
        ("###BEGIN SOLUTION", "###END SOLUTION"),
        ("    ### BEGIN SOLUTION (2 points)", "    ### END SOLUTION"),
        (f"### BEGIN SOLUTION {'CANARY-on-the-marker-line'}", "### END SOLUTION"),
    ]):
        cells.append(new_code_cell(f"def f{i}(x):\n{begin}\n    return '{canary(f'code-{i}')}'\n{end}\n\nf{i}(1)"))
    canaries.append("CANARY-on-the-marker-line")
    cells.append(new_code_cell(f"f0(1)\n### BEGIN HIDDEN TESTS\nassert f0(1) == '{canary('hidden')}'\n"
                               f"### END HIDDEN TESTS"))
    cells.append(new_code_cell(f"### BEGIN HIDDEN TESTS (2 points)\nassert '{canary('hidden-only')}'\n"
                               f"### END HIDDEN TESTS"))
    cells.append(new_code_cell("def g(x):\n    ### BEGIN SOLUTION\n    a = 1\n    ### END SOLUTION\n\n\n"
                               "def h(x):\n    ### BEGIN SOLUTION\n"
                               f"    return '{canary('second-region')}'\n    ### END SOLUTION\n"
                               f"\n\ng(1)\n### BEGIN HIDDEN TESTS\nassert '{canary('hidden-2')}'\n"
                               "### END HIDDEN TESTS"))
    cells.append(new_markdown_cell(f"**Exercise.** Why?\n\nBEGIN SOLUTION (answer)\n"
                                   f"{canary('markdown')}\nEND SOLUTION"))
    answer = new_markdown_cell(f"### BEGIN SOLUTION\n{canary('pasted')} ![figure](attachment:answer.svg)"
                               f"\n### END SOLUTION")
    answer.attachments = {"answer.svg": {"image/svg+xml": SVG}}
    canaries.append("CANARY-attachment")
    cells.append(answer)
    cells.append(new_raw_cell(f"### BEGIN SOLUTION\n{canary('raw')}\n### END SOLUTION"))
    windows = new_code_cell(f"x = 1\r\n### BEGIN SOLUTION\r\nx = '{canary('crlf')}'\r\n### END SOLUTION\r\n")
    cells.append(windows)
    by_metadata = new_code_cell(f"x = '{canary('nbgrader-metadata')}'")
    by_metadata.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                        "grade_id": "by-metadata", "schema_version": 3}
    cells.append(by_metadata)
    text_by_metadata = new_markdown_cell(canary("nbgrader-metadata-text"))
    text_by_metadata.metadata["nbgrader"] = dict(by_metadata.metadata["nbgrader"], grade_id="t")
    cells.append(text_by_metadata)
    # outputs, execution counts and metadata of the teacher's run
    for cell in cells[:3]:
        cell.execution_count = 7
        cell.outputs = [
            new_output("stream", name="stdout", text=canary("stdout")),
            new_output("execute_result", data={"text/plain": canary("result"),
                                               "image/png": base64.b64encode(b"png").decode()},
                       execution_count=7),
            new_output("display_data", data={"text/html": f"<b>{canary('html')}</b>"}),
            new_output("error", ename="E", evalue=canary("error"), traceback=[canary("tb")]),
        ]
    cells[0].metadata.update({"custom": canary("cell-metadata"), "tags": ["exercise"],
                              "jupyter": {"source_hidden": True}, "collapsed": True})
    cells[-4].metadata["custom"] = {"answer": canary("markdown-metadata")}
    return cells, canaries


def test_canaries_reach_no_student_file(tmp_path, capsys):
    """No canary anywhere in the output (.ipynb and .py), in any marker variant or place."""
    cells, canaries = canary_cells()
    teacher = tmp_path / "teacher"
    write_teacher(teacher, cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "widgets": {"state": {"m": {"value": "CANARY-widget"}}},
        "celltoolbar": "Create Assignment", "custom": {"notes": "CANARY-notebook-metadata"}})
    canaries += ["CANARY-widget", "CANARY-notebook-metadata"]
    everything = (teacher / "lesson.ipynb").read_text()
    assert all(c in everything for c in canaries)  # the test would see a leak
    assert main([str(teacher), str(tmp_path / "student"), "--py"]) == 0
    out = files_in(tmp_path / "student")
    assert set(out) == {Path("lesson.ipynb"), Path("lesson.py")}
    for name, data in out.items():
        text = data.decode()
        leaked = [c for c in canaries if c in text] + (["CANARY"] if "CANARY" in text else [])
        assert not leaked, f"{name}: {leaked}"
    assert "CANARY" not in capsys.readouterr().out
    student = nbformat.read(tmp_path / "student" / "lesson.ipynb", as_version=4)
    nbformat.validate(student)
    assert student.cells[0].metadata == {"tags": ["exercise"]}
    assert all(c.get("execution_count") is None and not c.get("outputs") for c in student.cells)
    assert all("attachments" not in c for c in student.cells)
    # the same regions as nbgrader's own ClearSolutions and ClearHiddenTests
    ours = [c.source for c in student.cells]
    theirs = [c.source for c in nbgrader_clear(nbformat.read(teacher / "lesson.ipynb", 4)).cells]
    assert ours == theirs


def test_an_attachment_the_remaining_text_still_shows_is_kept(tmp_path):
    cell = new_markdown_cell("![question](attachment:q.svg)\n\n### BEGIN SOLUTION\n"
                             "![answer](attachment:a.svg)\n### END SOLUTION")
    cell.attachments = {"q.svg": {"image/svg+xml": "<svg>question</svg>"},
                        "a.svg": {"image/svg+xml": SVG}}
    write_teacher(tmp_path / "t", [cell])
    assign(tmp_path / "t", tmp_path / "s", **QUIET)
    student = nbformat.read(tmp_path / "s" / "lesson.ipynb", as_version=4)
    assert list(student.cells[0].attachments) == ["q.svg"]


BAD_CELLS = {
    "misspelled": "### BEGIN SOLUTON\nx = 'CANARY-1'\n### END SOLUTION",
    "lower case": "### begin solution\nx = 'CANARY-2'\n### end solution",
    "nested": "### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\nx = 'CANARY-3'\n### END SOLUTION",
    "doubled": "### BEGIN SOLUTION\nx = 'CANARY-4'\n### BEGIN SOLUTION\nx = 'CANARY-5'\n### END SOLUTION",
    "not closed": "def f():\n    ### BEGIN SOLUTION\n    return 'CANARY-6'",
    "orphan end": "x = 'CANARY-7'\n### END SOLUTION",
    "overlap": "### BEGIN HIDDEN TESTS\nassert 'CANARY-8'\n### END SOLUTION",
    "double space": "### BEGIN  SOLUTION\nx = 'CANARY-9'\n### END SOLUTION",
}


@pytest.mark.parametrize("kind", BAD_CELLS)
def test_a_bad_marker_anywhere_writes_nothing_and_prints_no_solution(kind, tmp_path, capsys):
    teacher = tmp_path / "teacher"
    write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nok = 'CANARY-0'\n### END SOLUTION")],
                  name="a_good.ipynb")
    write_teacher(teacher, [new_markdown_cell("# Title"), new_code_cell(BAD_CELLS[kind])],
                  name="b_bad.ipynb")
    for argv in ([str(teacher), str(tmp_path / "out")], ["--check", str(teacher)],
                 ["--nbgrader", str(teacher), str(tmp_path / "out")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "b_bad.ipynb: cell 2 (code), line " in err, err
        assert "CANARY" not in err
        assert not (tmp_path / "out").exists()


def test_a_corrupt_notebook_or_a_lesson_without_notebook_writes_nothing(tmp_path, capsys):
    teacher = tmp_path / "teacher"
    write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    (teacher / "z_broken.ipynb").write_text('{"cells": [')
    assert main([str(teacher), str(tmp_path / "out")]) == 2
    assert "z_broken.ipynb: cannot read this notebook" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    (teacher / "z_broken.ipynb").unlink()
    (teacher / "08_new.py").write_text("# %% [markdown]\n# # Lesson 8\n\n# %%\nx = 1\n")
    (teacher / "helper.py").write_text("def helper():\n    return 1\n")  # not a lesson: fine
    assert main([str(teacher), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "08_new.py: a lesson without its notebook 08_new.ipynb" in err
    assert "helper" not in err and not (tmp_path / "out").exists()


# ------------------------------------------------------------------ the teacher's files are safe

def test_swapped_arguments_leave_the_teachers_files_untouched(tmp_path, capsys):
    teacher = tmp_path / "notebooks"
    write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    jupytext.write(nbformat.read(teacher / "lesson.ipynb", 4), teacher / "lesson.py", fmt="py:percent")
    before = files_in(teacher)
    assert main([str(teacher), str(tmp_path / "student"), "--py"]) == 0
    capsys.readouterr()
    assert main([str(tmp_path / "student"), str(teacher), "--py"]) == 2  # swapped
    assert "are SOURCE and OUT swapped?" in capsys.readouterr().err
    assert files_in(teacher) == before


def test_files_that_hold_solutions_are_never_overwritten(tmp_path, capsys):
    teacher, other = tmp_path / "notebooks", tmp_path / "other_teacher"
    write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    write_teacher(other, [new_code_cell("### BEGIN SOLUTION\nx = 'mine'\n### END SOLUTION")])
    (other / "lesson.py").write_text("# %%\n### BEGIN SOLUTION\nx = 'mine'\n### END SOLUTION\n")
    before = files_in(other)
    assert main([str(teacher), str(other), "--py"]) == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite" in err and "lesson.ipynb" in err and "lesson.py" in err
    assert main(["--nbgrader", str(teacher), str(other)]) == 2  # not written by --nbgrader
    assert "refusing to overwrite" in capsys.readouterr().err
    assert files_in(other) == before
    student = tmp_path / "student"
    student.mkdir()
    (student / "lesson.ipynb").symlink_to(other / "lesson.ipynb")  # a link to a teacher's file
    assert main([str(teacher), str(student)]) == 2
    assert files_in(other) == before and (student / "lesson.ipynb").is_symlink()


def test_out_inside_equal_to_or_containing_the_source_is_refused(tmp_path, capsys):
    teacher = tmp_path / "course" / "notebooks"
    write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    link = tmp_path / "link"
    link.symlink_to(teacher)
    before = files_in(tmp_path / "course")
    for out, says in [(teacher, "refusing to write into the source folder"),
                      (teacher / ".", "refusing to write into the source folder"),
                      (teacher / "sub", "inside it"),
                      (link, "refusing to write into the source folder"),
                      (link / "sub", "inside it"),
                      (tmp_path / "course", "it contains the source folder"),
                      (tmp_path, "it contains the source folder")]:
        assert main([str(teacher), str(out)]) == 2, out
        assert says in capsys.readouterr().err
    assert main([str(link), str(teacher / "x")]) == 2  # SOURCE through a symlink
    capsys.readouterr()
    assert files_in(tmp_path / "course") == before and not (teacher / "sub").exists()


def test_out_being_a_file_is_a_clear_error(tmp_path, capsys):
    teacher = tmp_path / "notebooks"
    write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    (tmp_path / "student").write_text("my notes")
    assert main([str(teacher), str(tmp_path / "student")]) == 2
    err = capsys.readouterr().err
    assert "is a file; give a folder" in err and "Traceback" not in err
    assert (tmp_path / "student").read_text() == "my notes"


def test_assign_is_idempotent_and_refuses_the_student_folder(tmp_path, student_dir):
    first = tmp_path / "a"
    assign(NOTEBOOKS, first, **QUIET)
    before = files_in(first)
    assign(NOTEBOOKS, first, **QUIET)  # again, over its own output
    assert files_in(first) == before
    for path in LESSONS:
        assert (first / path.name).read_bytes() == (student_dir / path.name).read_bytes()
    with pytest.raises(AssignError, match="looks like a student version already"):
        assign(first, tmp_path / "b", **QUIET)
    assert not (tmp_path / "b").exists()
    assert not [p for p in first.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_command_line_reports_checks_and_refuses_the_source_folder(tmp_path):
    cmd = [sys.executable, "-m", "nnlesson.teacher"]
    done = subprocess.run(cmd + [str(NOTEBOOKS), str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrote ") == len(ALL)
    assert "01_fully_connected.ipynb: 7 exercise(s): solutions cleared, 4 hidden test(s) removed" in done.stdout
    refused = subprocess.run(cmd + [str(NOTEBOOKS), str(NOTEBOOKS / ".")], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "refusing to write into the source folder" in refused.stderr
    checked = subprocess.run(cmd + ["--check", str(NOTEBOOKS)], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count("ok ") == len(ALL)
    usage = subprocess.run(cmd + [str(NOTEBOOKS)], capture_output=True, text=True)
    assert usage.returncode == 2 and "give SOURCE and OUT, or --check SOURCE" in usage.stderr


@pytest.mark.parametrize("command", [["nnlesson.teacher", "--check", str(NOTEBOOKS)],
                                     ["nnlesson", "course", "COPY"]], ids=["assign", "course"])
def test_the_commands_skip_the_iri_parsers_nbformat_never_uses(command, tmp_path):
    # jsonschema builds them at import when rfc3987_syntax is installed: 1.3 s of CPU per command
    # (benchmarks/assign_time.py); the commands mark the module absent before nbformat loads
    run = ("import runpy, sys\nsys.argv = sys.argv[1:]\ntry:\n"
           "    runpy.run_module(sys.argv[0], run_name='__main__')\nexcept SystemExit:\n    pass\n"
           "print('iri parsers built:', sys.modules.get('rfc3987_syntax') is not None)")
    args = [str(tmp_path / a) if a == "COPY" else a for a in command]
    done = subprocess.run([sys.executable, "-c", run, *args], capture_output=True, text=True)
    assert "iri parsers built: False" in done.stdout, done.stdout + done.stderr
    assert "nbformat" in subprocess.run(
        [sys.executable, "-c", "import sys, nbformat; print(*sys.modules)"],
        capture_output=True, text=True).stdout  # (the check above runs where nbformat loads)


def test_pre_commit_runs_the_check():
    config = (NOTEBOOKS.parent / ".pre-commit-config.yaml").read_text()
    assert "python -m nnlesson.teacher --check notebooks" in config


def pyproject(key):
    """The value of a one-line ``key = ...`` of pyproject.toml (tomllib is not in Python 3.10)."""
    return re.search(rf"^{key} = (.*?)\s*(#.*)?$", (ROOT / "pyproject.toml").read_text(),
                     re.M).group(1)


def entry_point():
    """The module and function pyproject.toml installs as ``nnlesson-assign``."""
    return pyproject("nnlesson-assign").strip('"').split(":")


@pytest.mark.parametrize("missing, args", [
    ("nbformat", ["SOURCE", "OUT"]),
    ("nbformat", ["--check", "SOURCE"]),
    ("jupytext", ["--py", "SOURCE", "OUT"]),  # only --py needs it
])
def test_without_the_teacher_extra_the_command_says_what_to_install(tmp_path, missing, args):
    """After a plain `pip install nnlesson` (no nbformat): one clear line, no traceback, nothing
    written. The package is hidden from the child process as an uninstalled one would be."""
    source = tmp_path / "teacher"
    write_teacher(source, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    module, function = entry_point()
    argv = [{"SOURCE": str(source), "OUT": str(tmp_path / "out")}.get(a, a) for a in args]
    code = (f"import sys; sys.modules[{missing!r}] = None; from {module} import {function}; "
            f"sys.exit({function}(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"nnlesson-assign: needs the package '{missing}', which is not installed; install the "
        f'teacher\'s tools with: pip install "nnlesson[teacher]"'], done.stderr
    assert not (tmp_path / "out").exists()


def imports_of(path):
    """(relative level, module) of every import in a file, those inside functions included."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_the_teacher_tool_imports_only_itself_the_standard_library_and_its_extra():
    """It needs nothing of nnlesson's core (nor numpy), and its extra declares what it imports."""
    declared = set(re.findall(r'"([\w-]+)', pyproject("teacher")))
    assert re.search(r"nnlesson\[[\w,]*\bteacher\b", pyproject("instructor"))  # instructor has it
    third_party = set()
    for path in sorted((ROOT / "nnlesson" / "teacher").glob("*.py")):
        for level, module in imports_of(path):
            assert level <= 1, f"{path.name} imports from outside nnlesson/teacher/: {module}"
            top = module.partition(".")[0]
            assert level == 1 or top != "nnlesson", f"{path.name} imports {module}"
            if level == 0 and top not in sys.stdlib_module_names:
                third_party.add(top)
    assert third_party == declared == {"nbformat", "jupytext"}


# ------------------------------------------------------------------ nbgrader's source version

def test_nbgrader_version_splits_a_code_exercise_into_answer_and_tests(tmp_path):
    code = ("def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\n\n"
            "checks.check_f(f)\n### BEGIN HIDDEN TESTS (3 points)\nassert f(1) == 2\n### END HIDDEN TESTS")
    cells = [new_markdown_cell("# Lesson"), new_code_cell(code),
             new_markdown_cell("### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
             new_code_cell("if True:\n    ### BEGIN SOLUTION\n    y = 1\n    ### END SOLUTION\n"
                           "else:\n    y = 2")]
    nb, exercises = nbgrader_notebook(new_notebook(cells=cells))
    from nbgrader.nbgraderformat import MetadataValidator
    MetadataValidator().validate_nb(nb)
    assert [c.source for c in nb.cells][1:3] == [code.split("\n\n\n")[0], code.split("\n\n\n")[1]]
    answer, tests, written, by_hand = (c.metadata.nbgrader for c in nb.cells[1:])
    assert answer["solution"] and not answer["grade"]
    assert tests["grade"] and tests["locked"] and tests["points"] == 3
    assert written["solution"] and written["grade"] and written["points"] == 1  # the default
    assert by_hand["solution"] and by_hand["grade"]  # nothing after the solution: graded by hand
    assert nb.cells[4].source.endswith("else:\n    y = 2")  # a statement is never cut in two
    assert exercises == [("answer-1-tests", 3, True), ("answer-2", 1, False),
                         ("answer-3", 1, False)]  # no lead above them: see the test below
    assert nb.metadata["nnlesson"] == {"generated_by": "nnlesson-assign --nbgrader"}


def test_nbgrader_grade_ids_say_what_the_lesson_calls_each_exercise():
    written = "### BEGIN SOLUTION\nBecause.\n### END SOLUTION"
    code = ("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
            "### BEGIN HIDDEN TESTS\nassert f(1) == 1\n### END HIDDEN TESTS")
    cells = [new_markdown_cell("**Think!** Why?"), new_markdown_cell(written),
             new_markdown_cell("**Think!** And this?"), new_markdown_cell(written),
             new_markdown_cell("## Exercises\n\n**Exercise 1 (code).** Write f."),
             new_code_cell(code),
             new_markdown_cell("**Exercise 2 (written).** Say why.\n\n" + written),
             new_markdown_cell("**Task 4.1** Three answers."), new_markdown_cell(written),
             new_markdown_cell(written)]
    _, exercises = nbgrader_notebook(new_notebook(cells=cells))
    assert [grade_id for grade_id, _, _ in exercises] == [
        "think-1", "think-2", "exercise-1-tests", "exercise-2", "task-4-1", "task-4-1-2"]


def test_nbgrader_version_refuses_a_code_exercise_that_would_grade_an_empty_answer():
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n\nchecks.check_f(f)"
    with pytest.raises(AssignError, match="cell 1 \\(code\\): a code exercise without hidden tests"):
        nbgrader_notebook(new_notebook(cells=[new_code_cell(code)]))
    hidden_first = "### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS\n### BEGIN SOLUTION\nx\n### END SOLUTION"
    with pytest.raises(AssignError, match="hidden tests before or inside the solution"):
        nbgrader_notebook(new_notebook(cells=[new_code_cell(hidden_first)]))


def test_nbgrader_version_overwrites_only_its_own_output(tmp_path):
    files, report = build(NOTEBOOKS, nbgrader=True)
    out = tmp_path / "source" / "lessons"
    assign(NOTEBOOKS, out, nbgrader=True, **QUIET)
    assign(NOTEBOOKS, out, nbgrader=True, **QUIET)  # again: our own stamped files
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files
    # one line per notebook, its points split into autograded and by hand
    counts = [re.search(r"(\d+) point\(s\) \((\d+) autograded, (\d+) graded by hand\)", line)
              for line in report if "point(s)" in line]
    assert len(counts) == len(files) and all(counts), report
    assert all(int(c[1]) == int(c[2]) + int(c[3]) for c in counts), report


def test_nbgrader_version_never_reuses_a_grade_id_the_teacher_set(tmp_path):
    by_hand = new_code_cell("assert True")
    by_hand.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                    "grade_id": "exercise-1-tests", "points": 5,
                                    "schema_version": 3}
    lead = new_markdown_cell("**Exercise 1.** Write f.")  # its id would be exercise-1
    ours = new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
                         "### BEGIN HIDDEN TESTS\nassert f() == 1\n### END HIDDEN TESTS")
    nb, exercises = nbgrader_notebook(new_notebook(cells=[by_hand, lead, ours]))
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids == ["exercise-1-tests", None, "exercise-1-2", "exercise-1-2-tests"]
    assert [points for _, points, _ in exercises] == [5, 1]


def test_one_notebook_as_source_and_a_folder_in_the_way(tmp_path, capsys):
    teacher = tmp_path / "notebooks"
    path = write_teacher(teacher, [new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    write_teacher(teacher, [new_markdown_cell("no exercise")], name="other.ipynb")
    assert main([str(path), str(tmp_path / "one")]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["lesson.ipynb"]
    assert main([str(path), str(teacher / "out")]) == 2  # still inside the teacher's folder
    (tmp_path / "two" / "lesson.ipynb").mkdir(parents=True)
    assert main([str(path), str(tmp_path / "two")]) == 2
    assert "is in the way: a folder" in capsys.readouterr().err
    assert main([str(teacher / "other.ipynb"), str(tmp_path / "three")]) == 2  # no marker at all
    assert not (tmp_path / "three").exists()


@pytest.mark.parametrize("language", ["R", "julia"])
def test_a_notebook_in_another_language_is_refused_not_given_pythons_stub(tmp_path, language):
    cell = new_code_cell("x <- 1\n### BEGIN SOLUTION\ny <- 2\n### END SOLUTION")
    kernel = {"name": language.lower(), "language": language, "display_name": language}
    write_teacher(tmp_path / "t", [cell], metadata={"kernelspec": kernel})
    for mode in ({}, {"instructor": True}):  # the two versions that show the stub
        with pytest.raises(AssignError, match=f"no code stub for the kernel language '{language}'"):
            assign(tmp_path / "t", tmp_path / "s", **mode, **QUIET)
    assert not (tmp_path / "s").exists()


# ------------------------------------------------------------------ expected outputs (issue 20)

def png(text=None):
    """A real 1 x 1 PNG; with ``text``, a tEXt chunk holding it (as matplotlib writes 'Software')."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    chunks = [chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))]
    if text is not None:
        chunks.append(chunk(b"tEXt", b"Comment\0" + text.encode()))
    chunks += [chunk(b"IDAT", zlib.compress(b"\0\xff\0\0")), chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def b64(data):
    return base64.b64encode(data).decode()


def picture(data=None, **metadata):
    return new_output("display_data", data={"image/png": b64(data or png()),
                                            "text/plain": "<Figure size 640x480 with 1 Axes>"},
                      metadata=metadata)


def stdout(text):
    return new_output("stream", name="stdout", text=text)


def exercise(outputs, body="    return x + 1", tags_=None, check="checks.check_f(f)"):
    cell = new_code_cell(f"def f(x):\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION\n\n\n"
                         f"{check}\n### BEGIN HIDDEN TESTS\nassert f(1) == 2\n### END HIDDEN TESTS",
                         metadata={"tags": tags_} if tags_ else {})
    cell.outputs, cell.execution_count = outputs, 3
    return cell


TABLE = "epoch  loss\n    1  0.693\n    2  0.512\n"
VERDICT = "\N{HEAVY CHECK MARK} f is correct on all 3 cases (a batch of 5; a batch of 1).\n"


def student_of(tmp_path, cells, *flags):
    teacher = tmp_path / "teacher"
    write_teacher(teacher, cells)
    out = tmp_path / ("out" + "".join(flags))
    assert main([*flags, str(teacher), str(out)]) == 0
    return nbformat.read(out / "lesson.ipynb", as_version=4)


def attachment_bytes(cell):
    return [base64.b64decode(a["image/png"]) for a in cell.get("attachments", {}).values()]


def test_an_exercise_keeps_its_picture_and_short_table_as_expected_output(tmp_path):
    cells = [new_markdown_cell("**Exercise 1 (code, 5 min).** Write f."),
             exercise([stdout(TABLE + VERDICT), picture(png("Software: matplotlib"))])]
    student = student_of(tmp_path, cells)
    stub, shown = student.cells[1], student.cells[2]
    assert "raise NotImplementedError()" in stub.source and stub.outputs == []
    assert shown.cell_type == "markdown" and tags(shown) == [EXPECTED_TAG]
    assert shown.source.startswith("**Expected output** (from the teacher's run of the exercise "
                                   "above; run your cell and compare. This is not your result.)")
    assert f"```text\n{TABLE.rstrip()}\n```" in shown.source  # the table, without the verdict
    assert "correct" not in shown.source and "Figure size" not in shown.source
    [kept] = attachment_bytes(shown)
    assert kept == png() and b"matplotlib" not in kept  # the pixels, not the text chunks
    assert "![expected output 1](attachment:expected-output-1.png)" in shown.source
    # nbgrader's source version shows it after the exercise's answer and tests cells
    first = (tmp_path / "out" / "lesson.ipynb").read_bytes()
    assert main([str(tmp_path / "teacher"), str(tmp_path / "out")]) == 0  # again: the same bytes
    assert (tmp_path / "out" / "lesson.ipynb").read_bytes() == first
    nbg = student_of(tmp_path, cells, "--nbgrader")
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nbg.cells[1:]] == \
        ["exercise-1", "exercise-1-tests", None]
    assert nbg.cells[3].source == shown.source and nbg.cells[3].attachments == shown.attachments


def test_an_expected_picture_keeps_its_text_alternative_unless_it_tells_the_answer(tmp_path):
    def shown_with(alt):
        out = picture()
        out.data["text/html"] = f'<img src="data:image/png;base64,{b64(png())}" alt="{alt}"/>'
        cells = [new_markdown_cell("**Exercise 1 (code, 5 min).** Write f."),
                 exercise([out], body="    return x + 41")]
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        return student_of(folder, cells).cells[2].source

    # the lessons show each figure as an <img alt> beside its PNG: a screen reader reads the
    # same words from the student's expected output (brackets escaped for markdown)
    assert ("![expected output 1: Loss per epoch \\[log\\]: falls from 2.3 to 0.1.]"
            "(attachment:expected-output-1.png)") in shown_with(
        "Loss per epoch [log]: falls from 2.3 to 0.1.")
    # an alt that shows a line of the solution: only the plain label is kept
    assert "![expected output 1](attachment:" in shown_with("the curve of: return x + 41")


def test_nbgraders_own_clearing_keeps_the_expected_output_as_written(tmp_path):
    """The steps of nbgrader's generate_assignment that change cells leave it alone."""
    nbg = student_of(tmp_path, [exercise([stdout(TABLE), picture()])], "--nbgrader")
    cleared = nbgrader_clear(copy.deepcopy(nbg))
    expected = [c for c in cleared.cells if EXPECTED_TAG in tags(c)]
    assert expected == [c for c in nbg.cells if EXPECTED_TAG in tags(c)] and len(expected) == 1
    assert attachment_bytes(expected[0]) == [png()]


@pytest.mark.parametrize("outputs, why", [
    ([], "a notebook that was never run"),
    ([stdout(VERDICT)], "only the check's verdict"),
    ([stdout("\N{HEAVY BALLOT X} f is not implemented yet: replace raise\n")], "not implemented"),
    ([stdout("\N{HEAVY BALLOT X} f is wrong: got array([[1, 2],\n       [3, 4]])\n")],
     "a verdict whose array runs over two lines"),
    ([stdout("\n".join(f"row {i}" for i in range(16)))], "16 lines: not a short table"),
    ([stdout(TABLE), new_output("error", ename="ValueError", evalue="bad", traceback=["tb"])],
     "the teacher's run failed"),
    ([new_output("stream", name="stderr", text="UserWarning: careful\n")], "stderr"),
    ([new_output("display_data", data={"text/html": "<table>t</table>"})], "HTML only"),
    ([new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2},
        "image/png": b64(png()), "text/plain": "Explorer(...)"})], "a widget (with its picture)"),
    ([new_output("execute_result", data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f>]"},
                 execution_count=3)], "an object's repr"),
    ([stdout("\x1b[31mred\x1b[0m\n")], "terminal colours"),
    ([new_output("display_data", data={"image/png": b64(b"GIF89a not a png")})], "not a PNG"),
    ([new_output("display_data", data={"image/png": b64(png())[:-8]})], "a truncated PNG"),
])
def test_what_is_never_an_expected_output(tmp_path, outputs, why):
    student = student_of(tmp_path, [exercise(outputs)])
    assert len(student.cells) == 1, why
    assert not [c for c in student.cells if EXPECTED_TAG in tags(c)], why
    ta = student_of(tmp_path, [exercise(outputs)], "--instructor")  # the teacher's outputs stay
    assert ta.cells[1].outputs == outputs and tags(ta.cells[0]) == [STUDENT_VIEW_TAG]


def test_fifteen_lines_are_kept_and_a_result_counts_as_printed_text(tmp_path):
    lines = "\n".join(f"row {i}" for i in range(15))
    result = new_output("execute_result", data={"text/plain": "array([1, 2, 3])"},
                        execution_count=3)
    student = student_of(tmp_path, [exercise([stdout(lines + "\n")]), exercise([result])])
    assert lines in student.cells[1].source
    assert "```text\narray([1, 2, 3])\n```" in student.cells[3].source


def test_no_expected_output_tag_and_non_exercise_cells_keep_nothing(tmp_path):
    plot = new_code_cell("plt.plot([1, 2])\nplt.show()")  # not an exercise: outputs cleared
    plot.outputs = [picture()]
    cells = [exercise([stdout(TABLE), picture()], tags_=["no-expected-output"]), plot]
    student = student_of(tmp_path, cells)
    assert len(student.cells) == 2 and all(c.get("outputs") == [] for c in student.cells)
    assert "no-expected-output" in tags(student.cells[0])


def test_a_table_with_an_indented_header_after_a_passing_verdict_is_kept_whole(tmp_path):
    table = "   epoch   loss\n0      1  0.693\n1      2  0.512"  # as pandas prints a DataFrame
    student = student_of(tmp_path, [exercise([stdout(VERDICT + table + "\n")])])
    assert f"```text\n{table}\n```" in student.cells[1].source


def test_a_text_with_backticks_gets_a_longer_fence(tmp_path):
    student = student_of(tmp_path, [exercise([stdout("use ``` to fence\n")])])
    assert "````text\nuse ``` to fence\n````" in student.cells[1].source


@pytest.mark.parametrize("body, printed", [
    # a solution that prints its own source (inspect.getsource) ...
    ("    value = x + 1  # add the bias\n    return value",
     "def f(x):\n    value = x + 1  # add the bias\n    return value\n"),
    # ... or a string it holds (a canary, or the answer in words)
    ("    return 'CANARY-printed-by-the-solution'", "f(1) = CANARY-printed-by-the-solution\n"),
])
def test_an_output_showing_solution_text_is_refused_not_leaked(tmp_path, capsys, body, printed):
    cells = [new_markdown_cell("# Lesson"), exercise([stdout(printed)], body=body)]
    write_teacher(tmp_path / "teacher", cells)
    for flags in ([], ["--nbgrader"], ["--check"]):
        args = [str(tmp_path / "teacher")] + ([] if flags == ["--check"] else [str(tmp_path / "o")])
        assert main(flags + args) == 2
        err = capsys.readouterr().err
        assert "lesson.ipynb: cell 2 (code): the teacher's printed output" in err
        assert "no-expected-output" in err
        assert "CANARY" not in err and "add the bias" not in err
        assert not (tmp_path / "o").exists()
    cells[1].metadata["tags"] = ["no-expected-output"]  # the teacher opts out: fine
    write_teacher(tmp_path / "teacher", cells)
    assert main([str(tmp_path / "teacher"), str(tmp_path / "o")]) == 0
    assert "CANARY" not in (tmp_path / "o" / "lesson.ipynb").read_text()


def test_a_solution_that_prints_its_answer_is_refused(tmp_path, capsys):
    """The printed number is the one the hidden test checks: showing it gives the answer away."""
    cell = exercise([stdout("f(2) = 200960\n")], check="print('f(2) =', f(2))")
    cell.source = cell.source.replace("f(1) == 2", "f(2) == 200960")
    write_teacher(tmp_path / "answer", [cell])
    assert main([str(tmp_path / "answer"), str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "cell 1 (code): the teacher's printed output of this exercise shows a number that a " \
           "hidden test checks" in err and "200960" not in err
    assert not (tmp_path / "o").exists()
    cell.outputs = [stdout("f(2) = 200961\n")]  # not the graded number: an expected output
    write_teacher(tmp_path / "answer", [cell])
    assert main([str(tmp_path / "answer"), str(tmp_path / "o")]) == 0
    assert "f(2) = 200961" in (tmp_path / "o" / "lesson.ipynb").read_text()


# ------------------------------------------------------------------ tags

@pytest.mark.parametrize("cell, problem", [
    (new_markdown_cell("Note", metadata={"tags": ["teacher_note"]}),
     "cell 2 (markdown): tag 'teacher_note' is not 'teacher-note'"),
    (new_markdown_cell("Note", metadata={"tags": ["Teacher-Note"]}),
     "cell 2 (markdown): tag 'Teacher-Note' is not 'teacher-note'"),
    (new_markdown_cell("Note", metadata={"tags": ["teacher-notes"]}),
     "tag 'teacher-notes' is not 'teacher-note'"),
    (new_markdown_cell("Note", metadata={"tags": ["instructor-only"]}),
     "tag 'instructor-only' is not 'teacher-note'"),
    (exercise([], tags_=["no_expected_output"]), "tag 'no_expected_output' is not 'no-expected-output'"),
    (exercise([], tags_=["expected-output"]), "tag 'expected-output' is not 'no-expected-output'"),
    (new_code_cell("print('for the TA')", metadata={"tags": ["teacher-note"]}),
     "cell 2 (code): the 'teacher-note' tag goes on markdown cells only"),
    (new_markdown_cell("### BEGIN SOLUTION\nCANARY\n### END SOLUTION", metadata={"tags": ["teacher-note"]}),
     "a 'teacher-note' cell holds a solution or hidden tests"),
    (new_code_cell("x = 1", metadata={"tags": ["no-expected-output"]}),
     "the 'no-expected-output' tag is on a cell that is not a code exercise"),
])
def test_a_misspelt_or_misplaced_tag_is_an_error_not_a_leak(tmp_path, capsys, cell, problem):
    cell.source = cell.source.replace("Note", "CANARY-note")
    write_teacher(tmp_path / "teacher", [exercise([]), cell])
    for flags in ([], ["--nbgrader"], ["--instructor"]):
        assert main(flags + [str(tmp_path / "teacher"), str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert "lesson.ipynb: " in err and problem in err, err
        assert "CANARY" not in err and not (tmp_path / "o").exists()
    assert main(["--check", str(tmp_path / "teacher")]) == 2


@pytest.mark.parametrize("tag", ["hide-input", "nbval-ignore-output", "raises-exception",
                                 "remove-output", "exercise"])
def test_other_tags_are_left_alone(tag):
    """A tag that is not the tool's (nor a near miss of one) is no error, and every version keeps
    its cell as the teacher wrote it, tag included: not dropped or labelled as a teacher note."""
    cells = [new_markdown_cell("Some prose.", metadata={"tags": [tag]}),
             new_code_cell("x = 1", metadata={"tags": [tag]}), exercise([])]
    nb = new_notebook(cells=cells)
    for version in (student_notebook(nb)[0], nbgrader_notebook(nb)[0], instructor_notebook(nb)[0]):
        kept = [(c.cell_type, c.source, tags(c)) for c in version.cells[:2]]
        assert kept == [("markdown", "Some prose.", [tag]), ("code", "x = 1", [tag])], kept
        assert len(version.cells) >= 3  # the exercise follows


# ------------------------------------------------------------------ the instructor version

def test_instructor_version_shows_the_students_stub_and_keeps_the_solution(tmp_path, capsys):
    note = new_markdown_cell("Students often forget the bias.", metadata={"tags": ["teacher-note"]})
    labelled = new_markdown_cell("**Teacher note.** Ten minutes here.", metadata={"tags": ["teacher-note"]})
    answer = new_markdown_cell("### BEGIN SOLUTION (2 points)\nBecause ReLU is linear per region.\n"
                               "### END SOLUTION")
    ex = exercise([stdout(TABLE + VERDICT), picture()])
    ex.metadata["nbgrader"] = {"grade": False, "solution": True}  # never copied to the TA
    cells = [new_markdown_cell("# Lesson"), note, ex, new_markdown_cell("**Think! (2 min).** Why?"),
             answer, labelled]
    write_teacher(tmp_path / "teacher", cells)
    student = student_of(tmp_path, cells)
    ours = student_of(tmp_path, cells, "--instructor")
    sources = [c.source for c in ours.cells]
    assert sources[1] == "**Teacher note.** Students often forget the bias."
    view = ours.cells[2]
    assert tags(view) == [STUDENT_VIEW_TAG]
    assert view.source.startswith("**What the student sees** (1 point; the cell below is the solution")
    assert f"```python\n{student.cells[1].source}\n```" in view.source  # exactly the student's stub
    solution = ours.cells[3]
    assert solution.source == ("def f(x):\n    return x + 1\n\n\ncheckss.check_f(f)\nassert f(1) == 2"
                               .replace("checkss", "checks"))
    assert solution.outputs == ex.outputs and solution.execution_count == 3
    assert "nbgrader" not in solution.metadata
    assert sources[5] == ("**Model answer** (2 points; the student version shows `YOUR ANSWER HERE`):"
                          "\n\nBecause ReLU is linear per region.")
    assert sources[6] == "**Teacher note.** Ten minutes here."  # labelled once
    assert not any(m in s for m in MARKERS for s in sources)
    assert ours.metadata["nnlesson"] == {"generated_by": "nnlesson-assign --instructor"}
    # the student and nbgrader versions drop both notes
    nbg = student_of(tmp_path, cells, "--nbgrader")
    for version in (student, nbg):
        assert not any("forget the bias" in c.source or "Ten minutes" in c.source
                       for c in version.cells)


def test_instructor_version_has_the_same_safety_rules(tmp_path, capsys):
    teacher = tmp_path / "notebooks"
    write_teacher(teacher, [exercise([])])
    before = files_in(teacher)
    assert main(["--instructor", str(teacher), str(teacher / "ta")]) == 2
    assert "refusing to write into the source folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: not allowed together
        main(["--instructor", "--py", str(teacher), str(tmp_path / "ta")])
    assert "--py: not allowed with argument --instructor" in capsys.readouterr().err
    with pytest.raises(AssignError, match="--py and --instructor do not go together"):
        assign(teacher, tmp_path / "ta", write_py=True, instructor=True, **QUIET)
    assert main(["--instructor", str(teacher), str(tmp_path / "ta")]) == 0
    first = files_in(tmp_path / "ta")
    assert main(["--instructor", str(teacher), str(tmp_path / "ta")]) == 0  # its own files: fine
    assert files_in(tmp_path / "ta") == first
    assert main([str(teacher), str(tmp_path / "student")]) == 0
    # the instructor version never overwrites a student's file, nor the reverse
    assert main(["--instructor", str(teacher), str(tmp_path / "student")]) == 2
    assert "did not write it" in capsys.readouterr().err
    assert main([str(teacher), str(tmp_path / "ta")]) == 2
    assert "it is an instructor version" in capsys.readouterr().err
    assert main(["--instructor", str(tmp_path / "ta"), str(tmp_path / "x")]) == 2  # no markers
    assert files_in(teacher) == before and files_in(tmp_path / "ta") == first


def python_of(source):
    """The program a code cell runs, comments and layout aside: IPython's translation of its
    magics, parsed. Two cells with the same ``python_of`` run the same code."""
    from IPython.core.inputtransformer2 import TransformerManager

    return ast.dump(ast.parse(TransformerManager().transform_cell(source)))


@pytest.mark.parametrize("path", ALL, ids=lambda p: rel(p).as_posix())
def test_instructor_version_runs_the_teachers_code_with_its_outputs(path, instructor_dir,
                                                                    student_dir):
    """The instructor version's code cells are the teacher's, marker lines (comments) removed,
    with the teacher's outputs: the same program as the teacher notebook, which strict nbval runs
    and compares cell by cell. So it runs without error and every check in it passes, without
    executing it a second time here."""
    nb = nbformat.read(instructor_dir / rel(path), as_version=4)
    teacher = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    teachers_code = [c for c in teacher.cells if c.cell_type == "code"]
    assert len(code) == len(teachers_code)
    for cell, original in zip(code, teachers_code):
        assert not any(marker in cell.source for marker in MARKERS)
        assert python_of(cell.source) == python_of(original.source), cell.source
        assert cell.outputs == original.outputs
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}\n{cell.source}"
        if "checks" in cell.source and "check_" in cell.source:
            assert "not implemented yet" not in "".join(o.get("text", "") for o in cell.outputs)
    # above each code exercise, its cell exactly as in the student version
    student = nbformat.read(student_dir / rel(path), as_version=4)
    stubs = [s.source for t, s in zip(teacher_cells_as_students_see_them(teacher),
                                      without_expected(student.cells))
             if t.cell_type == "code" and any(m in t.source for m in MARKERS)]
    views = [c.source for c in nb.cells if STUDENT_VIEW_TAG in tags(c)]
    assert len(views) == len(stubs) > 0
    for view, stub in zip(views, stubs):
        assert f"```python\n{stub}\n```" in view
    notes = [c for c in teacher.cells if TEACHER_NOTE in tags(c)]
    assert len([c for c in nb.cells if TEACHER_NOTE in tags(c)]) == len(notes)


# ------------------------------------------------------------------ canaries: issue 20's places

def test_canaries_in_instructor_only_places_reach_no_student_or_nbgrader_file(tmp_path):
    """Teaching notes, model answers, the teacher's outputs (text, pictures and their metadata)
    reach the instructor version and never the student or nbgrader version."""
    note = new_markdown_cell("**Teacher note.** CANARY-note ![x](attachment:n.svg)",
                             metadata={"tags": ["teacher-note"], "custom": "CANARY-note-metadata"})
    note.attachments = {"n.svg": {"image/svg+xml": "<svg>CANARY-note-attachment</svg>"}}
    model = new_markdown_cell("### BEGIN SOLUTION\nCANARY-model-answer\n### END SOLUTION")
    ex = exercise([
        stdout(TABLE + VERDICT.replace("f is", "CANARY-verdict is")),
        picture(png("CANARY-png-text-chunk"), custom="CANARY-image-metadata"),
        new_output("display_data", data={"image/svg+xml": "<svg>CANARY-svg</svg>"}),
        new_output("display_data", data={"text/html": "<b>CANARY-html</b>"}),
        new_output("stream", name="stderr", text="CANARY-stderr\n"),
        new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {
            "model_id": "CANARY-widget-view"}, "image/png": b64(png("CANARY-widget-png"))}),
    ], body="    return x + 1  # CANARY-solution")
    failed = exercise([stdout("almost\n"), new_output("error", ename="E", evalue="CANARY-evalue",
                                                      traceback=["CANARY-traceback"])])
    plot = new_code_cell("draw()  # not an exercise")
    plot.outputs = [picture(png("CANARY-non-exercise-png"))]
    write_teacher(tmp_path / "teacher", [new_markdown_cell("# L"), note, ex, model, failed, plot])
    canaries = ["CANARY-note", "CANARY-note-metadata", "CANARY-note-attachment",
                "CANARY-model-answer", "CANARY-verdict", "CANARY-png-text-chunk",
                "CANARY-image-metadata", "CANARY-svg", "CANARY-html", "CANARY-stderr",
                "CANARY-widget-view", "CANARY-widget-png", "CANARY-solution", "CANARY-evalue",
                "CANARY-traceback", "CANARY-non-exercise-png"]

    def everything(folder):
        """All text of the files, and every attachment and output decoded."""
        found = []
        for path in Path(folder).rglob("*.ipynb"):
            found.append(path.read_text())
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                for attachment in cell.get("attachments", {}).values():
                    found += [base64.b64decode(v).decode("latin-1") if k == "image/png" else str(v)
                              for k, v in attachment.items()]
                for out in cell.get("outputs", []):
                    found += [base64.b64decode(v).decode("latin-1") for k, v in
                              out.get("data", {}).items() if k == "image/png"]
        return "\n".join(found)

    for flags in ([], ["--nbgrader"], ["--instructor"]):
        assert main(flags + [str(tmp_path / "teacher"), str(tmp_path / f"out{len(flags)}{flags}")]) == 0
    # nbgrader's source notebooks hold the solutions between markers (nbgrader clears them):
    # nothing else of the teacher's may be there
    for flags, allowed in (([], []), (["--nbgrader"], ["CANARY-model-answer", "CANARY-solution"])):
        text = everything(tmp_path / f"out{len(flags)}{flags}")
        for canary in allowed:
            text = text.replace(canary, "")
        assert "CANARY" not in text, [c for c in canaries if c in text]
        assert "Expected output" in text and "almost" not in text  # kept what it may
    instructor = everything(tmp_path / "out1['--instructor']")
    assert [c for c in canaries if c not in instructor] == []


# ------------------------------------------------------------------ folders with subfolders

def test_a_folder_source_includes_its_subfolders(tmp_path, capsys):
    teacher = tmp_path / "notebooks"
    write_teacher(teacher, [exercise([])], name="01_lesson.ipynb")
    write_teacher(teacher / "assignments", [exercise([stdout(TABLE)])], name="A1_mlp.ipynb")
    write_teacher(teacher / ".ipynb_checkpoints", [exercise([])], name="01_lesson-checkpoint.ipynb")
    before = files_in(teacher)
    assert main([str(teacher), str(tmp_path / "student"), "--py"]) == 0
    assert "wrote " + str(tmp_path / "student" / "assignments" / "A1_mlp.ipynb") in capsys.readouterr().out
    assert sorted(files_in(tmp_path / "student")) == [
        Path("01_lesson.ipynb"), Path("01_lesson.py"),
        Path("assignments/A1_mlp.ipynb"), Path("assignments/A1_mlp.py")]
    a1 = nbformat.read(tmp_path / "student" / "assignments" / "A1_mlp.ipynb", as_version=4)
    assert EXPECTED_TAG in tags(a1.cells[1])
    assert main(["--instructor", str(teacher), str(tmp_path / "ta")]) == 0
    assert (tmp_path / "ta" / "assignments" / "A1_mlp.ipynb").is_file()
    assert len(check(teacher)) == 2
    # nbgrader grades one folder per assignment: the subfolder is left out, and the tool says so
    assert main(["--nbgrader", str(teacher), str(tmp_path / "course" / "source" / "l")]) == 0
    out = capsys.readouterr().out
    assert "note: left out" in out and "nnlesson-assign --nbgrader" in out and "A1_mlp" in out
    assert sorted(files_in(tmp_path / "course" / "source" / "l")) == [Path("01_lesson.ipynb")]
    assert files_in(teacher) == before


def test_subfolders_keep_every_refusal(tmp_path, capsys):
    teacher = tmp_path / "notebooks"
    write_teacher(teacher, [exercise([])], name="01_lesson.ipynb")
    write_teacher(teacher / "assignments", [exercise([])], name="A1.ipynb")
    (teacher / "assignments" / "A2.py").write_text("# %%\nx = 1\n")  # a lesson without notebook
    assert main([str(teacher), str(tmp_path / "s")]) == 2
    assert "A2.py: a lesson without its notebook A2.ipynb" in capsys.readouterr().err
    (teacher / "assignments" / "A2.py").unlink()
    (teacher / "assignments" / "bad.ipynb").write_text("{")
    assert main([str(teacher), str(tmp_path / "s")]) == 2
    assert "bad.ipynb: cannot read this notebook" in capsys.readouterr().err
    (teacher / "assignments" / "bad.ipynb").unlink()
    assert not (tmp_path / "s").exists()
    # OUT/assignments is a file, or a link back into the teacher's folder
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "assignments").write_text("notes")
    assert main([str(teacher), str(tmp_path / "s")]) == 2
    assert "assignments is in the way: a file, not a folder" in capsys.readouterr().err
    (tmp_path / "s" / "assignments").unlink()
    (tmp_path / "s" / "assignments").symlink_to(teacher / "assignments")
    before = files_in(teacher)
    assert main([str(teacher), str(tmp_path / "s")]) == 2
    assert "leads out of" in capsys.readouterr().err
    assert files_in(teacher) == before and not (tmp_path / "s" / "01_lesson.ipynb").exists()
    # a subfolder's teacher file in OUT is never overwritten
    (tmp_path / "s" / "assignments").unlink()
    write_teacher(tmp_path / "s" / "assignments", [exercise([])], name="A1.ipynb")
    assert main([str(teacher), str(tmp_path / "s")]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err


def test_an_instructor_version_inside_the_source_is_refused_not_copied(tmp_path, capsys):
    """It holds the solutions without markers: a student version would hand them out."""
    teacher = tmp_path / "notebooks"
    write_teacher(teacher, [exercise([])], name="01_lesson.ipynb")
    write_teacher(teacher / "assignments", [exercise([])], name="A1.ipynb")
    # allowed: OUT is beside the assignment's folder, though inside the teacher's tree
    assert main(["--instructor", str(teacher / "assignments" / "A1.ipynb"), str(teacher / "ta")]) == 0
    assert main(["--nbgrader", str(teacher / "assignments" / "A1.ipynb"), str(teacher / "nbg")]) == 0
    capsys.readouterr()
    for flags in ([], ["--instructor"], ["--check"]):
        out = [] if flags == ["--check"] else [str(tmp_path / "out")]
        assert main(flags + [str(teacher)] + out) == 2
        err = capsys.readouterr().err
        assert "ta/A1.ipynb: written by nnlesson-assign --instructor, not a teacher's notebook" in err
        assert "nbg/A1.ipynb: written by nnlesson-assign --nbgrader" in err
        assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ issue 26: the teacher tool's holes

@pytest.mark.parametrize("tag", [*HIDE_TAGS, "Solution", "answers", "staff_only"])
@pytest.mark.parametrize("cell_type", ["markdown", "code"])
def test_a_cell_tagged_to_be_hidden_elsewhere_is_refused_not_shown(tmp_path, capsys, tag,
                                                                   cell_type):
    """Other tools' hide tags: refused (the tool drops no cell by tag), never copied silently."""
    make = new_markdown_cell if cell_type == "markdown" else new_code_cell
    hidden = make("CANARY the key is 42", metadata={"tags": [tag]})
    write_teacher(tmp_path / "teacher", [hidden, exercise([])])
    for flags in ([], ["--nbgrader"], ["--instructor"]):
        assert main(flags + [str(tmp_path / "teacher"), str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert f"cell 1 ({cell_type}): tag {tag!r} hides a cell in other tools" in err, err
        assert "teacher-note" in err and "BEGIN SOLUTION" in err and "CANARY" not in err
        assert not (tmp_path / "o").exists()
    assert main(["--check", str(tmp_path / "teacher")]) == 2


def test_student_mode_never_replaces_a_file_it_did_not_write_or_a_student_changed(tmp_path, capsys):
    teacher, out = tmp_path / "teacher", tmp_path / "student"
    write_teacher(teacher, [exercise([])])
    assert main([str(teacher), str(out), "--py"]) == 0
    assert main([str(teacher), str(out), "--py"]) == 0  # its own, unchanged files: replaced
    nb = nbformat.read(out / "lesson.ipynb", as_version=4)
    assert nb.metadata["nnlesson"]["generated_by"] == "nnlesson-assign"
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="2\n")]  # only ran it
    nbformat.write(nb, out / "lesson.ipynb")
    assert main([str(teacher), str(out)]) == 0
    capsys.readouterr()
    # the student's finished work: the stub replaced by an answer
    nb = nbformat.read(out / "lesson.ipynb", as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("raise NotImplementedError()", "return x + 1")
    nbformat.write(nb, out / "lesson.ipynb")
    before = files_in(out)
    assert main([str(teacher), str(out)]) == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite" in err and "changed since (a student's own work?)" in err
    # a notebook and a .py of the same name that the tool never wrote (no stamp)
    mine = tmp_path / "mine"
    write_teacher(mine, [new_code_cell("def f(x):\n    return x + 1")])
    (mine / "lesson.py").write_text("# %%\ndef f(x):\n    return x + 1\n")
    assert main([str(teacher), str(mine), "--py"]) == 2
    err = capsys.readouterr().err
    assert err.count("did not write it, or it was changed since") == 2, err
    assert files_in(out) == before
    # a .py edited on its own, beside an unchanged notebook
    assert main([str(teacher), str(tmp_path / "s2"), "--py"]) == 0
    (tmp_path / "s2" / "lesson.py").write_text((tmp_path / "s2" / "lesson.py").read_text() + "# mine\n")
    assert main([str(teacher), str(tmp_path / "s2"), "--py"]) == 2
    assert "lesson.py: nnlesson-assign did not write it" in capsys.readouterr().err


def test_nbgrader_version_refuses_a_written_answer_in_a_raw_cell(tmp_path, capsys):
    """nbgrader's generate_assignment stops with LookupError: 'raw' on a graded raw cell."""
    raw = new_raw_cell("### BEGIN SOLUTION\nThe answer.\n### END SOLUTION")
    write_teacher(tmp_path / "teacher", [raw, exercise([])])
    assert main(["--nbgrader", str(tmp_path / "teacher"), str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "cell 1 (raw): an exercise in a raw cell" in err and "make it a markdown cell" in err
    assert main(["--check", str(tmp_path / "teacher")]) == 2
    capsys.readouterr()
    assert main([str(tmp_path / "teacher"), str(tmp_path / "s")]) == 0  # the student version: fine


def test_a_linked_subfolder_of_source_is_refused_not_skipped(tmp_path, capsys):
    teacher, shared = tmp_path / "teacher", tmp_path / "shared"
    write_teacher(teacher, [exercise([])], name="01_lesson.ipynb")
    write_teacher(shared, [exercise([])], name="A1.ipynb")
    (teacher / "assignments").symlink_to(shared)
    for args in ([str(teacher), str(tmp_path / "s")], ["--check", str(teacher)],
                 ["--instructor", str(teacher), str(tmp_path / "s")]):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert f"{teacher / 'assignments'}: a link to the folder {shared}" in err, err
        assert "does not follow links" in err
    assert not (tmp_path / "s").exists()
    # nbgrader takes the top level only: the linked folder is left out, and said so
    assert main(["--nbgrader", str(teacher), str(tmp_path / "n")]) == 0
    assert f"note: left out {teacher / 'assignments'}" in capsys.readouterr().out


def test_an_unwritable_subfolder_of_out_changes_nothing_and_is_named(tmp_path, capsys, monkeypatch):
    from nnlesson.teacher import files

    teacher, out = tmp_path / "teacher", tmp_path / "student"
    write_teacher(teacher, [exercise([])], name="01_lesson.ipynb")
    write_teacher(teacher / "assignments", [exercise([])], name="A1.ipynb")
    write_teacher(teacher / "more" / "deep", [exercise([])], name="A2.ipynb")
    assert main([str(teacher), str(out)]) == 0
    (out / "01_lesson.ipynb").unlink()  # so that the rerun has something new to write
    before = files_in(out)
    write = files._write_beside

    def read_only_assignments(target, data):  # as chmod 555 would (the tests may run as root)
        if target.parent.name == "assignments":
            raise PermissionError(13, "Permission denied", str(target.with_name(".tmp")))
        return write(target, data)

    monkeypatch.setattr(files, "_write_beside", read_only_assignments)
    shutil.rmtree(out / "more")
    assert main([str(teacher), str(out)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write into {out / 'assignments'}: Permission denied; nothing was written" in err
    assert ".nnlesson-assign" not in err and "tmp" not in err.replace(str(tmp_path), "")
    assert files_in(out) == {k: v for k, v in before.items() if k.parts[0] != "more"}
    assert not (out / "more").exists()  # the folders it made are gone again
    assert not [p for p in out.rglob(".*")]  # no temporary file left


def test_a_notebook_of_nbformat_4_4_gets_cell_ids_quietly(tmp_path, capsys):
    old = new_notebook(cells=[new_markdown_cell("Intro"), exercise([])],
                       metadata={"kernelspec": {"name": "python3", "display_name": "P",
                                                "language": "python"}})
    old.nbformat_minor = 4
    for cell in old.cells:
        del cell["id"]
    (tmp_path / "teacher").mkdir()
    (tmp_path / "teacher" / "lesson.ipynb").write_text(nbformat.writes(old, version=4))
    done = subprocess.run([sys.executable, "-W", "error::Warning", "-m", "nnlesson.teacher"]
                          + [str(tmp_path / "teacher"), str(tmp_path / "o")],
                          capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "default"})
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    for flags in (["--nbgrader"], ["--instructor"]):
        done = subprocess.run([sys.executable, "-m", "nnlesson.teacher", *flags,
                               str(tmp_path / "teacher"), str(tmp_path / flags[0][2:])],
                              capture_output=True, text=True)
        assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    student = nbformat.read(tmp_path / "o" / "lesson.ipynb", as_version=4)
    assert student.nbformat_minor == 5 and student.cells[0].id == "cell-1"
    assert student.cells[1].id == "cell-2"


def test_every_mode_counts_the_exercises_the_same_way(tmp_path, capsys):
    two_regions = new_code_cell("### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = 2\n"
                                "### BEGIN SOLUTION\nc = 3\n### END SOLUTION\n"
                                "### BEGIN HIDDEN TESTS\nassert c == 3\n### END HIDDEN TESTS")
    write_teacher(tmp_path / "t", [two_regions, exercise([]),
                                   new_markdown_cell("### BEGIN SOLUTION\nWords.\n### END SOLUTION")])
    for flags in ([], ["--nbgrader"], ["--instructor"]):
        assert main(flags + [str(tmp_path / "t"), str(tmp_path / f"o{len(flags)}{flags}")]) == 0
        assert "lesson.ipynb: 3 exercise(s)" in capsys.readouterr().out, flags
