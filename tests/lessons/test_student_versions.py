"""Every lesson and assignment as a student first runs it: the unchanged student version.

The student version (what ``nnlesson course`` and nbgrader hand out) has a stub, ``raise
NotImplementedError()``, where each exercise's answer is, and no hidden tests. It must run from
top to bottom without an error; each exercise's check must say that the exercise "is not
implemented yet"; the hidden tests must fail on it, so that the unchanged version scores 0.

These tests read the attempts recorded by the session's one run of the lesson (``lesson_run``,
tests/conftest.py): each exercise cell is run a second time there with its stub, in a copy of the
lesson's namespace at that cell, and so is every later cell that uses what an exercise defines.
No other cell changes in the student version (tests/tooling/test_assign.py), so these attempts
are the student version's run without running the whole lesson again. nbgrader's own handling of
the versions is tested once, end to end, on lesson 01 (tests/e2e/test_grading.py).
"""

import re

import pytest
from conftest import SOURCES, lesson_in_name, nbval_lesson

LESSONS = sorted(str(p.relative_to(SOURCES).with_suffix("")) for p in SOURCES.rglob("*.py"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_unchanged_student_version_runs_says_not_implemented_and_scores_zero(lesson_run,
                                                                                   lesson):
    attempts = lesson_run(lesson).attempts
    exercises = [a for a in attempts if a.stubs or a.hidden]
    assert exercises, f"{lesson}: no code exercise"
    checked = 0
    for tried in attempts:
        where = f"{lesson}, code cell {tried.cell} (student version)"
        assert tried.error is None, f"{where} raised {tried.error!r}:\n{tried.source}"
        if re.search(r"\bcheck_\w+\(", tried.source):
            assert "is not implemented yet" in tried.printed, f"{where}: {tried.printed!r}"
            checked += 1
        if tried.hidden:  # nbgrader runs them on the unchanged version: no point for a stub
            assert tried.hidden_failed, f"{where}: its hidden tests pass on the stub"
    assert checked, f"{lesson}: no exercise calls a check"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lesson_runs_once_its_notebook_run_by_nbval_is_the_tests_run(lesson, lesson_run,
                                                                          request):
    """Where nbval runs the lesson's notebook in this session, the figure, claims and student
    tests read that run (recorded in nbval's kernel, tests/conftest.py), not a second one."""
    if not any(nbval_lesson(item) == lesson for item in request.session.items):
        pytest.skip("nbval does not run this notebook in this session")
    assert lesson_run(lesson).ran_in == "nbval's kernel"


def test_a_lessons_notebook_cells_and_its_tests_go_to_one_worker():
    """What the test above relies on: the scheduler's unit is the lesson, read from the names."""
    named = {"notebooks/09_batch_normalization.ipynb::Cell 3": "09",
             "notebooks/assignments/A1_mlp_from_scratch.ipynb::Cell 0": "A1",
             "tests/lessons/test_figures.py::test_every_figure_of_the_lesson_is_readable"
             "[assignments/A1_mlp_from_scratch]": "A1",
             "tests/lessons/test_claims_08_10.py::test_09_batchnorm_wins_on_other_splits_too": "09",
             "tests/tooling/test_playground.py::test_09_x": None,  # only tests/lessons/
             "notebooks/README.ipynb::Cell 0": None}
    assert {nodeid: lesson_in_name(nodeid) for nodeid in named} == named


def test_an_attempt_sees_an_error_the_check_lets_through_and_hidden_tests_that_pass_a_stub():
    """What the test above relies on: an attempt runs the stub, not the teacher's answer."""
    from lesson_record import attempt

    from nnlesson.teacher import parse_cell

    cell = parse_cell("def double(x):\n"
                      "    ### BEGIN SOLUTION\n"
                      "    return 2 * x\n"
                      "    ### END SOLUTION\n"
                      "print(double(3))\n"  # no check around it: the stub's error escapes
                      "### BEGIN HIDDEN TESTS\n"
                      "assert True\n"  # a hidden test that passes whatever the answer
                      "### END HIDDEN TESTS")
    tried = attempt("example", 0, cell, {})
    assert tried.error == "NotImplementedError()" and tried.printed == ""
    assert tried.hidden and not tried.hidden_failed
    assert "return 2 * x" not in tried.source and "raise NotImplementedError()" in tried.source
    later = attempt("example", 1, parse_cell("double(1)"), tried.stubs)  # a later cell using it
    assert later.error == "NotImplementedError()"
