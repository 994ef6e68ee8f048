"""Grading the course with the real nbgrader, end to end, in a temporary course folder.

nnlesson-assign --nbgrader writes the lessons as nbgrader's source notebooks (one nbgrader
assignment, "course") and each notebooks/assignments/*.ipynb as an assignment of its own (picked
up when it appears); nbgrader generates the student version; two students submit it, one
unchanged and one with the teacher's solutions filled in; nbgrader autogrades both; the gradebook
must give the first 0 on every autograded cell and the second the full score (after the written
answers are graded by hand). Nothing is written outside the temporary folder: HOME and Jupyter's
folders point into it.
"""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import NOTEBOOKS
from nbgrader.api import Gradebook  # in the test extras: a missing nbgrader fails, never skips

from nnlesson.teacher import EXPECTED_TAG, MARKERS, Region, assign, parse_cell

LESSONS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
ASSIGNMENT = "course"  # the lessons, one nbgrader assignment
# each assignment notebook is an nbgrader assignment of its own, named after the notebook
ASSIGNMENTS = {p.stem: p for p in sorted((NOTEBOOKS / "assignments").glob("*.ipynb"))}
# (nbgrader assignment, notebook) for every notebook graded; its teacher notebook
GRADED = {**{(ASSIGNMENT, lesson): NOTEBOOKS / f"{lesson}.ipynb" for lesson in LESSONS},
          **{(name, name): path for name, path in ASSIGNMENTS.items()}}


def teacher_answer(source):
    """A solution cell's text as the teacher wrote it, without the marker lines."""
    return "\n".join(line for line in source.split("\n")
                     if not any(marker in line for marker in MARKERS))


def nbgrader(args, course, env):
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--debug"], cwd=course,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    course = root / "course"
    env = dict(os.environ)
    for name, sub in [("HOME", "home"), ("JUPYTER_CONFIG_DIR", "jupyter/config"),
                      ("JUPYTER_DATA_DIR", "jupyter/data"), ("JUPYTER_RUNTIME_DIR", "jupyter/run"),
                      ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
        (root / sub).mkdir(parents=True)
        env[name] = str(root / sub)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["OMP_NUM_THREADS"] = "1"  # see /work/shared notes: busy BLAS threads on 2 shared cores
    db = root / "gradebook.db"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(db)!r}\n"
        "c.CourseDirectory.course_id = 'nnlesson'\n"
        f"c.Exchange.root = {str(root / 'exchange')!r}\n"
        "c.ExecutePreprocessor.timeout = 300\n"
    )
    quiet = {"log": lambda message: None}
    assign(NOTEBOOKS, course / "source" / ASSIGNMENT, nbgrader=True, **quiet)
    for name, path in ASSIGNMENTS.items():
        assign(path, course / "source" / name, nbgrader=True, **quiet)
    # "*": every assignment in one nbgrader command (nbgrader takes the id as a glob); each
    # command costs seconds of start-up before it does anything
    nbgrader(["generate_assignment", "*"], course, env)
    for assignment in {assignment for assignment, _ in GRADED}:
        released = course / "release" / assignment
        for student in ("blank", "solved"):
            shutil.copytree(released, course / "submitted" / student / assignment)
    for assignment, notebook in GRADED:
        teacher = nbformat.read(course / "source" / assignment / f"{notebook}.ipynb", as_version=4)
        answers = {c.metadata.nbgrader["grade_id"]: teacher_answer(c.source)
                   for c in teacher.cells if c.metadata.get("nbgrader", {}).get("solution")}
        path = course / "submitted" / "solved" / assignment / f"{notebook}.ipynb"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        nbformat.write(nb, path)
    nbgrader(["autograde", "*", "--create"], course, env)
    return root, course, db, course / "source"


def grades(db, student, lesson, assignment=ASSIGNMENT):
    with Gradebook(f"sqlite:///{db}") as gb:
        nb = gb.find_submission_notebook(lesson, assignment, student)
        return {g.name: (g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade,
                         g.cell.cell_type) for g in nb.grades}


@pytest.mark.slow
def test_every_lesson_is_graded_with_its_declared_points(graded):
    _, _, db, _ = graded
    with Gradebook(f"sqlite:///{db}") as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        assert sorted(n.name for n in assignment.notebooks) == LESSONS
        for nb in assignment.notebooks:
            # the lesson's own declarations, "(2 points)" on a BEGIN marker, 1 when none
            lesson = nbformat.read(NOTEBOOKS / f"{nb.name}.ipynb", as_version=4)
            declared = [1 if p.points is None else p.points
                        for p in (parse_cell(c.source) for c in lesson.cells)
                        if p.solutions or p.hidden]
            assert nb.max_score == sum(declared) > 0, nb.name
            assert any(c.cell_type == "code" for c in nb.grade_cells), f"{nb.name}: no autograding"
        # code exercises are autograded, written answers graded by hand
        assert {c.cell_type for nb in assignment.notebooks for c in nb.grade_cells} == {"code", "markdown"}
    # lesson 01's first code exercise declares 2 points (### BEGIN HIDDEN TESTS (2 points)); grade
    # ids are numbered in cell order, so the Think! answers before it come first
    marks = grades(db, "blank", "01_fully_connected")
    first = min((name for name in marks if name.endswith("-tests")),
                key=lambda name: int(name.split("-")[1]))
    assert marks[first][2] == 2


def declared_points(teacher):
    """The points a teacher notebook declares: "(2 points)" on a BEGIN marker, 1 when none."""
    nb = nbformat.read(teacher, as_version=4)
    return [1 if p.points is None else p.points for p in (parse_cell(c.source) for c in nb.cells)
            if p.solutions or p.hidden]


def ids(key):
    return key[1] if key[0] == ASSIGNMENT else f"assignments/{key[1]}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_each_assignment_is_graded_on_its_own_with_its_declared_points(graded, assignment):
    _, _, db, _ = graded
    with Gradebook(f"sqlite:///{db}") as gb:
        [nb] = gb.find_assignment(assignment).notebooks
        assert nb.name == assignment
        assert nb.max_score == sum(declared_points(ASSIGNMENTS[assignment])) > 0
        assert any(c.cell_type == "code" for c in nb.grade_cells), f"{assignment}: no autograding"


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(GRADED), ids=ids)
def test_the_unchanged_student_version_scores_zero(graded, key):
    _, _, db, _ = graded
    assignment, notebook = key
    for name, (auto, _, top, _, _) in grades(db, "blank", notebook, assignment).items():
        assert auto == 0, f"{notebook} {name}: {auto} of {top} points for an empty answer"


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(GRADED), ids=ids)
def test_the_teachers_solutions_score_full_marks(graded, key):
    _, _, db, _ = graded
    assignment, notebook = key
    marks = grades(db, "solved", notebook, assignment)
    for name, (auto, _, top, needs_hand, cell_type) in marks.items():
        if cell_type == "code" and name.endswith("-tests"):
            assert auto == top and not needs_hand, f"{notebook} {name}: {auto} of {top}"
        else:  # a written answer: nbgrader leaves it to the teacher
            assert needs_hand and auto is None, f"{notebook} {name}"
    with Gradebook(f"sqlite:///{db}") as gb:  # the teacher grades the written answers
        for name, (_, _, top, needs_hand, _) in marks.items():
            if needs_hand:
                grade = gb.find_grade(name, notebook, assignment, "solved")
                grade.manual_score = top
        gb.db.commit()
        nb = gb.find_submission_notebook(notebook, assignment, "solved")
        assert nb.score == nb.max_score > 0


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(GRADED), ids=ids)
def test_nbgraders_student_version_hides_every_solution_and_keeps_expected_outputs(graded, key):
    _, course, _, source = graded
    assignment, notebook = key
    teacher = nbformat.read(source / assignment / f"{notebook}.ipynb", as_version=4)
    parts = [part for cell in teacher.cells for part in parse_cell(cell.source).parts]
    secret = {line.strip() for region in parts if isinstance(region, Region)
              for line in region.lines if line.strip()}
    # a line the lesson also shows outside every region (`return np.array(path)`) is no secret
    secret -= {line.strip() for line in parts if isinstance(line, str)}
    assert secret, notebook
    released = nbformat.read(course / "release" / assignment / f"{notebook}.ipynb", as_version=4)
    shown = {line.strip() for cell in released.cells for line in cell.source.split("\n")}
    assert not secret & shown, f"{notebook}: {sorted(secret & shown)[:3]}"
    for marker in MARKERS:
        assert all(marker not in cell.source for cell in released.cells), (notebook, marker)
    # nbgrader hands out the expected outputs as nnlesson wrote them (pictures included)
    def expected(nb):
        return [(c.source, c.get("attachments")) for c in nb.cells
                if EXPECTED_TAG in c.metadata.get("tags", [])]
    assert expected(released) == expected(teacher)
