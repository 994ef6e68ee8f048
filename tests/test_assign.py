"""The student version: solutions out, stubs in, and every exercise raises NotImplementedError."""

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from nnlesson.assign import BEGIN_SOLUTION, _marker, assign, strip_source

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assign(NOTEBOOKS, out, write_py=True, log=lambda message: None)
    return out


def solution_lines(source):
    """Every non-blank line inside a solution or hidden-test region."""
    inside, lines = False, []
    for line in source.splitlines():
        marker = _marker(line)
        if marker:
            inside = "BEGIN" in marker
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def test_every_lesson_has_code_and_written_exercises():
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and BEGIN_SOLUTION in c.source]
        assert code, f"{path.name} has no code exercise"
        exercises = sum(c.source.count("**Exercise") for c in nb.cells if c.cell_type == "markdown")
        assert 2 <= exercises <= 4, f"{path.name} has {exercises} exercises"
        assert any("checks.check_" in c.source for c in code), f"{path.name}: no instant check"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_student_version_has_no_solution_and_is_clean(path, student_dir):
    source = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    nbformat.validate(student)
    assert len(student.cells) == len(source.cells)
    for teacher_cell, student_cell in zip(source.cells, student.cells):
        kept = {line.strip() for line in student_cell.source.splitlines()}
        for line in solution_lines(teacher_cell.source):
            assert line not in kept, f"solution line left in {path.name}: {line}"
        assert "### BEGIN" not in student_cell.source and "### END" not in student_cell.source
        if BEGIN_SOLUTION in teacher_cell.source:
            stub = "raise NotImplementedError()" if teacher_cell.cell_type == "code" else "YOUR ANSWER HERE"
            assert stub in student_cell.source
        if student_cell.cell_type == "code":
            assert student_cell.outputs == [] and student_cell.execution_count is None
    assert "widgets" not in student.metadata
    paired = jupytext.read(student_dir / path.with_suffix(".py").name)
    assert [c.source for c in paired.cells] == [c.source for c in student.cells]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_student_notebook_runs_and_every_exercise_raises_not_implemented(path, student_dir):
    nb = nbformat.read(student_dir / path.name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(student_dir)}}).execute()
    stub_cells = [c for c in nb.cells if c.cell_type == "code" and "raise NotImplementedError()" in c.source]
    assert stub_cells
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}\n{cell.source}"
    for cell in stub_cells:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "is not implemented yet" in text, f"{path.name}: no verdict for\n{cell.source}"


def test_code_stub_keeps_indentation_and_surrounding_code():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nprint(f)"
    text, solutions, hidden = strip_source(source, "code")
    assert text == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"
    assert (solutions, hidden) == (1, 0)
    text, _, hidden = strip_source("a = 1\n### BEGIN HIDDEN TESTS\nassert a\n### END HIDDEN TESTS", "code")
    assert text == "a = 1" and hidden == 1
    text, _, _ = strip_source("Q?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", "markdown")
    assert text == "Q?\nYOUR ANSWER HERE"
    with pytest.raises(ValueError, match="not closed"):
        strip_source("### BEGIN SOLUTION\nx = 1", "code")


def test_assign_is_idempotent(tmp_path, student_dir):
    first, second = tmp_path / "a", tmp_path / "b"
    assign(NOTEBOOKS, first, log=lambda m: None)
    assign(NOTEBOOKS, first, log=lambda m: None)  # again, over its own output
    assign(first, second, log=lambda m: None)  # the student version of the student version
    for path in LESSONS:
        assert (first / path.name).read_bytes() == (student_dir / path.name).read_bytes()
        assert (second / path.name).read_bytes() == (first / path.name).read_bytes()


def test_command_line_reports_and_refuses_the_source_folder(tmp_path):
    cmd = [sys.executable, "-m", "nnlesson.assign"]
    done = subprocess.run(cmd + [str(NOTEBOOKS), str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrote ") == len(LESSONS)
    assert "01_fully_connected.ipynb: 4 solution(s) cleared, 4 hidden test(s) removed" in done.stdout
    refused = subprocess.run(cmd + [str(NOTEBOOKS), str(NOTEBOOKS / ".")], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "refusing to write into the source folder" in refused.stderr


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_nbgrader_makes_the_same_student_version(path, student_dir):
    preprocessors = pytest.importorskip("nbgrader.preprocessors")
    nb = nbformat.read(path, as_version=4)
    resources = {"language": "python"}
    for step in (preprocessors.ClearSolutions(enforce_metadata=False),
                 preprocessors.ClearHiddenTests(enforce_metadata=False),
                 preprocessors.ClearOutput()):
        nb, resources = step.preprocess(nb, resources)
    ours = nbformat.read(student_dir / path.name, as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in ours.cells]
