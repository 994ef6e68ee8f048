"""A class graded with the real nbgrader, end to end, following README's "For teachers".

One pipeline serves every test here (its steps' seconds are printed with `pytest -s`):

- The walk-through "A class with nbgrader, start to finish" is read from README.md itself and
  run command by command in a temporary folder, so the README cannot drift from what is tested:
  `nbgrader quickstart`, the configuration lines it names (course id, exchange), nnlesson-assign
  and nbgrader's generate, release, collect, autograde, generate_feedback, release_feedback and
  export on lesson 01, and the students' `fetch_assignment` and `submit` through nbgrader's own
  exchange (a temporary folder). Four students take part: "solved" (the teacher's answers),
  "partial" (one task right, one wrong, one blank, one right), "cheater" (calls the package's
  own softmax and loss where the lesson asks for the student's own) and "blank" (hands in the
  unchanged student version).
- Every other lesson and each assignment is an nbgrader assignment of its own (the README's
  default): nnlesson-assign writes its source version and nbgrader generates its release, whose
  gradebook entries (the points) and released notebooks (no solution, the expected outputs) are
  checked. They are not autograded here: what autograding them would add is tested where the
  lesson already runs once (the teacher's answers pass the hidden tests in the stored notebooks,
  which strict nbval re-runs; the unchanged student version runs, says "not implemented yet" and
  fails its hidden tests in tests/lessons/test_student_versions.py), and each autograde costs a
  kernel and the whole lesson per student.

Step 1 runs in a fresh virtual environment holding exactly what its `pip install` line names
(the instructor extra, installed editable from the clone as the README says; made with
conftest's ``fresh_venv``: without pip, filled by this Python's pip without compiling bytecode),
and every teacher's and student's command runs from that environment. Without matplotlib in that
extra, nbgrader exits 0 and scores every tests cell 0: the tests read the gradebook and the
export, never an exit code. Two commands are not run,
on purpose: `git clone` (the clone is a copy of this checkout, as nnlesson-course) and `jupyter lab`
(Formgrader is interactive: the tests grade the written answers in the gradebook instead).
Anything else the walk-through adds is run, or the test fails.

Points are read from the gradebook (per task) and from the CSV that `nbgrader export` writes
(per assignment). Nothing is written outside the temporary folder: HOME and Jupyter's folders
point into it.
"""

import ast
import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT, SOURCES, fresh_venv
from nbgrader.api import Gradebook  # in the test extras: a missing nbgrader fails, never skips

from nnlesson.teacher import EXPECTED_TAG, MARKERS, Region, assign, parse_cell

LESSONS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
FIRST = "lesson01"  # the README's walk-through: lesson 01 as nbgrader assignment "lesson01"
# every other lesson and each assignment notebook: an nbgrader assignment named after it
OTHERS = {**{p.stem: p for p in sorted(NOTEBOOKS.glob("*.ipynb"))[1:]},
          **{p.stem: p for p in sorted((NOTEBOOKS / "assignments").glob("*.ipynb"))}}
ASSIGNMENTS = {p.stem: p for p in sorted((NOTEBOOKS / "assignments").glob("*.ipynb"))}
OTHERS_GLOB = "[0-9A]*"  # nbgrader takes an assignment id as a glob: all of OTHERS, not lesson01
# (nbgrader assignment, notebook) for every notebook graded; its teacher notebook
GRADED = {(FIRST, LESSONS[0]): NOTEBOOKS / f"{LESSONS[0]}.ipynb",
          **{(name, name): path for name, path in OTHERS.items()}}
STUDENTS = ("solved", "partial", "cheater", "blank")  # lesson 01, through the exchange
NOT_RUN = ("git clone", "python3 -m venv", "pip install", "jupyter lab")  # see the docstring
# (the venv and pip lines of step 1 are run by the fixture itself, see ``teachers_venv``)
TIMES = {}  # seconds per step of the pipeline, printed by the last test


def timed(step, start):
    """Record (and print, for `pytest -s`, even if a later step fails) a step's seconds."""
    TIMES[step] = time.perf_counter() - start
    print(f"{TIMES[step]:7.1f} s  {step}", flush=True)


def walkthrough():
    """README's walk-through: its fenced command blocks, the students' inline commands of step
    4 and the configuration lines (``c.X.y = "..."``) of step 2, as written there."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("**A class with nbgrader, start to finish.**"):
                   text.index("**What is public")]
    blocks = [[line.strip() for line in block.strip().split("\n")]
              for block in re.findall(r"```\n(.*?)```", section, re.S)]
    prose = re.sub(r"```\n.*?```", "", section, flags=re.S)
    inline = [" ".join(code.split()) for code in re.findall(r"`([^`]+)`", prose, re.S)]
    students = [code for code in inline if code.startswith(("nbgrader fetch_assignment",
                                                            "nbgrader submit"))]
    config = [code for code in inline if re.fullmatch(r"c\.\w+\.\w+ = .+", code)]
    return blocks, students, config


def teacher_answer(source):
    """A solution cell's text as the teacher wrote it, without the marker lines."""
    return "\n".join(line for line in source.split("\n")
                     if not any(marker in line for marker in MARKERS))


def run(command, cwd, env, timeout=900):
    """One shell command as a teacher types it; its output in the failure message."""
    done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{command} (in {cwd}) failed:\n{done.stdout}\n{done.stderr}"
    return done


def background(command, cwd, env):
    """``command`` started (a student on their own account, or a long teacher's command)."""
    process = subprocess.Popen(command, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    process.command = command
    return process


def finish(*processes):
    """Wait for ``processes``; each must succeed."""
    for process in processes:
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, f"{process.command} failed:\n{output}"


def isolated_env(root):
    """The environment of a user whose HOME and Jupyter folders are under ``root``."""
    env = dict(os.environ)
    for name, sub in [("HOME", "home"), ("JUPYTER_CONFIG_DIR", "home/.jupyter"),
                      ("JUPYTER_DATA_DIR", "jupyter/data"), ("JUPYTER_RUNTIME_DIR", "jupyter/run"),
                      ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
        (root / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(root / sub)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["OMP_NUM_THREADS"] = "1"  # see /work/shared notes: busy BLAS threads on 2 shared cores
    return env


def teachers_venv(install, root):
    """README step 1's venv, made as its lines say (``python3 -m venv NAME``, then ``pip install
    ...`` of exactly the extra it names, from the clone in ``root``): its bin folder. (Step 1's
    PyTorch is for grading lesson 12, which is not autograded here.)"""
    assert [line.split()[0] for line in install] == ["git", "python3", "pip"], install
    venv_line, pip_line = install[1], install[2]
    name = venv_line.split("&&")[0].split()[3]  # python3 -m venv NAME && . NAME/bin/activate
    return fresh_venv(root / name, *shlex.split(pip_line)[2:], cwd=root)


def answers(teacher_path):
    """{grade id: the teacher's answer} of an nbgrader source notebook's solution cells."""
    teacher = nbformat.read(teacher_path, as_version=4)
    return {c.metadata.nbgrader["grade_id"]: teacher_answer(c.source)
            for c in teacher.cells if c.metadata.get("nbgrader", {}).get("solution")}


def fill(path, answer_of):
    """Write into the notebook at ``path`` the answer ``answer_of(grade id, stub)`` gives for
    each answer cell (None: leave the stub)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and cell.metadata.nbgrader.get("solution"):
            answer = answer_of(grade_id, cell.source)
            if answer is not None:
                cell.source = answer
    nbformat.write(nb, path)


# Lesson 01's answers other than the teacher's, by the function the answer cell defines.
WRONG_SOFTMAX = """def my_softmax(logits):
    e = np.exp(logits)  # no shift: overflows for scores near 1000
    return e / e.sum(axis=1, keepdims=True)
"""
CHEATS = {  # the package's implementation where the lesson asks for the student's own
    "my_softmax": "def my_softmax(logits):\n    return nl.softmax(logits)\n",
    "my_cross_entropy": ("def my_cross_entropy(logits, labels):\n"
                         "    loss_fn = nl.SoftmaxCrossEntropy()\n"
                         "    return loss_fn(logits, labels), loss_fn.backward()\n"),
}
# what each student writes for each of lesson 01's code exercises ("teacher": the teacher's
# answer, None: the stub unchanged), and the points that should earn
PLAN = {
    "solved": {"my_linear_forward": "teacher", "my_softmax": "teacher",
               "my_cross_entropy": "teacher", "my_sgd_momentum": "teacher",
               "written answers": "teacher"},
    "partial": {"my_linear_forward": "teacher", "my_softmax": WRONG_SOFTMAX,
                "my_cross_entropy": None, "my_sgd_momentum": "teacher"},
    "cheater": {"my_linear_forward": "teacher", "my_softmax": CHEATS["my_softmax"],
                "my_cross_entropy": CHEATS["my_cross_entropy"], "my_sgd_momentum": None},
    "blank": {"my_linear_forward": None, "my_softmax": None, "my_cross_entropy": None,
              "my_sgd_momentum": None},
}
POINTS = {"my_linear_forward": 2, "my_softmax": 1, "my_cross_entropy": 1, "my_sgd_momentum": 1}


def defined(source):
    """The name of the function an answer cell defines."""
    return re.search(r"def (\w+)\(", source).group(1)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    env = isolated_env(root / "teacher")
    exchange = root / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # README: a folder every student's account can read and write
    # the README's clone: a copy of this checkout (step 1's editable install writes into it)
    shutil.copytree(ROOT, root / "nnlesson-course", ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    blocks, student_commands, config = walkthrough()
    install, make_course, release, grade = blocks
    cwd, clock = root, time.perf_counter()

    def teacher(lines):
        nonlocal cwd
        for line in lines:
            if line.startswith(NOT_RUN):
                continue
            if line.startswith("cd "):
                cwd = cwd / line.split()[1]
                continue
            start = time.perf_counter()
            run(line, cwd, env)
            timed(line.split("#")[0].strip(), start)

    bin_ = teachers_venv(install, root)
    timed("step 1: the teacher's venv with the instructor extra", clock)
    env["PATH"] = str(bin_) + os.pathsep + env["PATH"]  # as after `. teach/bin/activate`
    # nbgrader quickstart spends seconds of CPU writing its config: meanwhile, nnlesson-assign
    # writes every other notebook as an assignment of its own (moved into source/ after)
    quickstart = background(make_course[0], cwd, env)
    staging = root / "staging"
    for name, path in OTHERS.items():
        assign(path, staging / name, nbgrader=True, log=lambda message: None)
    finish(quickstart)
    teacher(make_course[1:])
    course = root / "mycourse"
    for name in OTHERS:
        (staging / name).rename(course / "source" / name)
    assert {line.split(" = ")[0] for line in config} == {"c.CourseDirectory.course_id",
                                                          "c.Exchange.root"}, config
    with open(course / "nbgrader_config.py", "a") as out:
        out.write("\n".join(line.replace("/srv/nbgrader/exchange", str(exchange))
                            for line in config) + "\nc.ExecutePreprocessor.timeout = 300\n"
                  # nbgrader's default gradebook, with sqlite's wait for a lock raised from 5 s
                  f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}?timeout=60'\n")
    teacher(release)
    assert cwd == course
    timed("up to the release of lesson01", clock)

    # every other notebook generated as an assignment of its own (README step 3, in one command)
    start = time.perf_counter()
    run(f"nbgrader generate_assignment {shlex.quote(OTHERS_GLOB)}", course, env)
    timed("generate the others", start)

    # the students of lesson 01, on their own accounts, through the exchange
    lesson = LESSONS[0]
    teacher_answers = answers(course / "source" / FIRST / f"{lesson}.ipynb")
    homes = {}
    for student in STUDENTS:
        student_env = isolated_env(root / "students" / student)
        student_env["PATH"] = env["PATH"]  # the machine's Jupyter, with nbgrader (README step 4)
        home = Path(student_env["HOME"])
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            "c = get_config()\n" + "\n".join(
                line.replace("/srv/nbgrader/exchange", str(exchange)) for line in config) + "\n")
        homes[student] = (home, student_env)
    fetch, submit = student_commands
    start = time.perf_counter()
    finish(*[background(fetch, home, student_env) for home, student_env in homes.values()])
    for student, (home, _) in homes.items():
        plan = PLAN[student]

        def answer_of(grade_id, stub, plan=plan):
            what = plan.get(defined(stub) if "def " in stub else "written answers")
            return teacher_answers[grade_id] if what == "teacher" else what

        fill(home / FIRST / f"{lesson}.ipynb", answer_of)
    # `--student`: on a shared machine nbgrader takes the id from the student's account
    finish(*[background(f"{submit} --student={student}", home, student_env)
             for student, (home, student_env) in homes.items()])
    timed(f"{len(STUDENTS)} students fetch and submit (at once)", start)
    teacher(grade)
    timed("total", clock)
    return root, course, course / "gradebook.db", course / "source", (bin_, env)


def grades(db, student, lesson, assignment):
    with Gradebook(f"sqlite:///{db}") as gb:
        nb = gb.find_submission_notebook(lesson, assignment, student)
        return {g.name: (g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade,
                         g.cell.cell_type) for g in nb.grades}


@pytest.mark.slow
def test_every_lesson_is_graded_with_its_declared_points(graded):
    _, _, db, _, _ = graded
    lessons = {notebook: assignment for assignment, notebook in GRADED
               if notebook not in ASSIGNMENTS}
    assert sorted(lessons) == LESSONS
    with Gradebook(f"sqlite:///{db}") as gb:
        for lesson, assignment in lessons.items():
            [nb] = gb.find_assignment(assignment).notebooks
            assert nb.name == lesson
            # the lesson's own declarations, "(2 points)" on a BEGIN marker, 1 when none
            assert nb.max_score == sum(declared_points(NOTEBOOKS / f"{lesson}.ipynb")) > 0, lesson
            assert any(c.cell_type == "code" for c in nb.grade_cells), f"{lesson}: no autograding"
            # code exercises are autograded, written answers graded by hand
            assert {c.cell_type for c in nb.grade_cells} <= {"code", "markdown"}, lesson
    # lesson 01's Exercise 1 declares 2 points (### BEGIN HIDDEN TESTS (2 points)); grade ids are
    # named after the lesson's leads, so Formgrader says "exercise-1" where the student read it
    marks = grades(db, "blank", LESSONS[0], FIRST)
    assert sorted(marks) == ["exercise-1-tests", "exercise-2-tests", "exercise-3-tests",
                             "exercise-4-tests", "think-1", "think-2", "think-3"]
    assert marks["exercise-1-tests"][2] == 2


def declared_points(teacher):
    """The points a teacher notebook declares: "(2 points)" on a BEGIN marker, 1 when none."""
    nb = nbformat.read(teacher, as_version=4)
    return [1 if p.points is None else p.points for p in (parse_cell(c.source) for c in nb.cells)
            if p.solutions or p.hidden]


def ids(key):
    return key[1] if key[1] not in ASSIGNMENTS else f"assignments/{key[1]}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_each_assignment_is_graded_on_its_own_with_its_declared_points(graded, assignment):
    _, _, db, _, _ = graded
    with Gradebook(f"sqlite:///{db}") as gb:
        [nb] = gb.find_assignment(assignment).notebooks
        assert nb.name == assignment
        assert nb.max_score == sum(declared_points(ASSIGNMENTS[assignment])) > 0
        assert any(c.cell_type == "code" for c in nb.grade_cells), f"{assignment}: no autograding"


@pytest.mark.slow
def test_the_unchanged_student_version_runs_and_each_check_says_not_implemented(graded):
    """nbgrader's run of lesson 01's unchanged student version, the blank student's: no cell but
    the hidden tests fails, and each exercise's check says it is not implemented yet."""
    _, course, _, _, _ = graded
    assignment, notebook = FIRST, LESSONS[0]
    ran = nbformat.read(course / "autograded" / "blank" / assignment / f"{notebook}.ipynb",
                        as_version=4)
    checked = 0
    for cell in ran.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        tests = meta.get("grade") and not meta.get("solution")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        # a tests cell fails on an empty answer (its hidden tests): that is its job
        assert tests or not errors, \
            f"{notebook}: {errors[0].ename}: {errors[0].evalue}\n{cell.source}"
        if (tests or "raise NotImplementedError()" in cell.source) and \
                re.search(r"\bcheck_\w+\(", cell.source):
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "is not implemented yet" in text, f"{notebook}: no verdict for\n{cell.source}"
            checked += 1
    assert checked, f"{notebook}: no exercise calls a check"


@pytest.mark.slow
def test_the_teachers_solutions_score_full_marks(graded):
    _, _, db, _, _ = graded
    assignment, notebook = FIRST, LESSONS[0]
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
    _, course, _, source, _ = graded
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


def tasks(source_notebook):
    """{tests cell's grade id: the function its answer cell defines} of an nbgrader source
    notebook (each code exercise: an answer cell, then its tests cell)."""
    found, last = {}, None
    for cell in nbformat.read(source_notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            last = defined(cell.source)
        elif meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            found[meta["grade_id"]] = last
    return found


@pytest.mark.slow
@pytest.mark.parametrize("student", STUDENTS)
def test_each_student_through_the_exchange_gets_the_points_of_their_own_work(graded, student):
    _, _, db, source, _ = graded
    by_task = tasks(source / FIRST / f"{LESSONS[0]}.ipynb")
    assert sorted(by_task.values()) == sorted(POINTS), "lesson 01's code exercises changed"
    marks = grades(db, student, LESSONS[0], FIRST)
    got = {by_task[name]: marks[name][0] for name in by_task}
    expected = {task: POINTS[task] if PLAN[student][task] == "teacher" else 0 for task in POINTS}
    assert got == expected
    if student == "cheater":  # the tasks done with the package's own implementation: none
        assert all(got[task] == 0 for task in CHEATS)


@pytest.mark.slow
def test_the_exported_csv_gives_each_student_their_score(graded):
    _, course, _, _, _ = graded
    with open(course / "grades.csv", newline="") as f:
        rows = {(row["assignment"], row["student_id"]): row for row in csv.DictReader(f)}
    total = sum(declared_points(NOTEBOOKS / f"{LESSONS[0]}.ipynb"))
    for student in STUDENTS:
        row = rows[(FIRST, student)]
        # the written answers await the teacher (Formgrader): the export counts the code only
        earned = sum(POINTS[task] for task in POINTS if PLAN[student][task] == "teacher")
        assert float(row["score"]) == earned and float(row["max_score"]) == total, row


@pytest.mark.slow
def test_feedback_is_released_to_the_exchange_and_tells_the_cheater_why(graded):
    root, course, _, _, _ = graded
    for student in STUDENTS:
        assert (course / "feedback" / student / FIRST / f"{LESSONS[0]}.html").is_file(), student
    released = list((root / "exchange").rglob("*.html"))
    assert len(released) == len(STUDENTS), released  # release_feedback: one per submission
    cheater = (course / "feedback" / "cheater" / FIRST / f"{LESSONS[0]}.html").read_text()
    assert "for your own implementation" in cheater  # the tripwire's verdict, in the feedback


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


@pytest.mark.slow
def test_the_instructor_extra_imports_everything_the_graded_notebooks_import(graded):
    """What nbgrader's kernel does first in every graded notebook, in the teacher's venv of step
    1 (exactly the instructor extra), without a kernel: lesson 01's grading alone would not
    notice a package that only a later lesson imports."""
    root, _, _, _, (bin_, env) = graded
    # PyTorch stays optional (several GB): the "In PyTorch" cells run without it, and lesson 12
    # says how to install it; the README tells a teacher who grades lesson 12 to install it
    statements = [s for s in import_statements() if "torch" not in s.replace("optional_torch", "")]
    assert {"import matplotlib.pyplot as plt",
            "from nnlesson.viz.playground import ORANGE_BLUE, feature_matrix, playground",
            "from nnlesson import checks", "from nnlesson.bridge import optional_torch"
            } <= set(statements), statements
    assert "torch" in (ROOT / "README.md").read_text().split("## For teachers")[1]
    done = subprocess.run([str(bin_ / "python"), "-c", "\n".join(statements)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_the_pipeline_times(graded):
    """Not an assertion of speed: the measured steps, for `pytest -s` and the README."""
    for step, seconds in TIMES.items():
        print(f"{seconds:7.1f} s  {step}")
    assert TIMES["total"] > 0
