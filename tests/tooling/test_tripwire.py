"""Tripwires: a check that runs a student's function refuses the package's own implementation,
however the student reached it, and leaves everything as it was after."""

import json
import math
import sys

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks
from nnlesson.checks.tripwire import NotYourOwnWork, display_name, forbid


def test_a_forbidden_function_is_caught_by_its_name_an_alias_or_a_caller():
    from nnlesson import rel_error as my_error

    a, b = np.ones(3), np.ones(3) + 1e-3
    for call in (lambda: nl.rel_error(a, b), lambda: my_error(a, b)):
        with pytest.raises(NotYourOwnWork, match=r"Task 4\.1 asks for your own implementation: `nl\.rel_error` is not allowed here"):
            with forbid(nl.rel_error, task="Task 4.1"):
                call()
    # reached through another nnlesson function: SoftmaxCrossEntropy uses log_softmax
    with pytest.raises(NotYourOwnWork, match="nl.log_softmax"):
        with forbid(nl.log_softmax):
            nl.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 1]))


def test_a_forbidden_class_is_caught_through_any_of_its_methods():
    with pytest.raises(NotYourOwnWork, match="nl.SoftmaxCrossEntropy"):
        with forbid(nl.SoftmaxCrossEntropy):
            loss = nl.SoftmaxCrossEntropy.__new__(nl.SoftmaxCrossEntropy)
            loss.forward(np.zeros((2, 3)), np.array([0, 1]))


def test_a_bare_except_in_the_students_code_cannot_hide_the_call():
    def sneaky(a, b):
        try:
            return nl.rel_error(a, b)
        except:  # noqa: E722 - what a student might write
            return 0.0

    with pytest.raises(NotYourOwnWork):
        with forbid(nl.rel_error):
            sneaky(np.ones(2), np.ones(2))
            sneaky(np.ones(2), np.ones(2))  # and a second call is seen as well


def test_a_forbidden_package_catches_its_python_and_built_in_functions():
    with pytest.raises(NotYourOwnWork, match="`json`"):
        with forbid("json"):
            json.dumps([1, 2])
    with pytest.raises(NotYourOwnWork, match="`math`"):
        with forbid("math"):
            math.sqrt(2.0)


def test_torch_is_caught_where_it_is_installed():
    torch = pytest.importorskip("torch")
    with pytest.raises(NotYourOwnWork, match="`torch`"):
        with forbid("torch"):
            torch.tensor([1.0, 2.0]).sum()


def test_allowed_work_runs_and_everything_is_restored_after():
    def own_rel_error(a, b):
        return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b))))

    before = sys.getprofile()
    with forbid(nl.rel_error, nl.SoftmaxCrossEntropy, "torch"):
        result = own_rel_error(np.ones(3), np.full(3, 2.0))
        inner = sys.getprofile()
    assert result == 0.5 and inner is not before
    assert sys.getprofile() is before
    assert nl.rel_error(np.ones(3), np.full(3, 2.0)) == 0.5  # no tripwire left behind


def test_nested_blocks_keep_the_outer_tripwires():
    with pytest.raises(NotYourOwnWork, match="nl.rel_error"):
        with forbid(nl.rel_error):
            with forbid(nl.softmax):
                pass
            nl.rel_error(np.ones(2), np.ones(2))


def test_the_check_runner_turns_a_forbidden_call_into_a_verdict():
    def uses_the_package(a, b):
        return nl.rel_error(a, b)

    got, problem = checks.attempt(uses_the_package, (np.ones(2), np.ones(2)), "case 1",
                                  forbidden=(nl.rel_error,), task="Task 4.1")
    assert got is None
    assert problem == ("uses_the_package, case 1: Task 4.1 asks for your own implementation: "
                       "`nl.rel_error` is not allowed here.")
    got, problem = checks.attempt(lambda a, b: 1.0, (np.ones(2), np.ones(2)), "case 1",
                                  forbidden=(nl.rel_error,))
    assert (got, problem) == (1.0, None)


def test_display_names_are_what_a_student_writes():
    assert display_name(nl.fit) == "nl.fit"
    assert display_name(nl.SoftmaxCrossEntropy) == "nl.SoftmaxCrossEntropy"
    assert display_name("torch") == "torch"
    from nnlesson.graph import unbroadcast

    assert display_name(unbroadcast) == "nnlesson.graph.unbroadcast"


def test_forbidding_something_that_is_not_code_is_refused():
    with pytest.raises(TypeError, match="cannot forbid 3"):
        with forbid(3):
            pass
