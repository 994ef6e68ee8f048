"""Tripwires: a check that runs a student's function refuses the package's own implementation,
however the student reached it, and leaves everything as it was after."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

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


def test_a_forbidden_call_inside_another_student_function_names_that_function():
    def my_softmax(logits):
        return nl.softmax(logits)

    def my_cross_entropy(logits, labels):  # right, through a softmax that is not the student's own
        p = my_softmax(logits)
        return -np.log(p[np.arange(len(labels)), labels]).mean()

    args = (np.zeros((2, 3)), np.array([0, 2]))
    _, problem = checks.attempt(my_cross_entropy, args, "case 1", forbidden=(nl.softmax,))
    assert problem == ("my_cross_entropy, case 1: this task asks for your own implementation: "
                       "`nl.softmax` is not allowed here (your `my_softmax` calls it).")
    with pytest.raises(NotYourOwnWork) as raised:
        with forbid(nl.softmax):
            my_cross_entropy(*args)
    assert raised.value.caller == "my_softmax"


def test_the_caller_named_is_the_students_function_not_a_library_frame_between():
    # copy.deepcopy (the standard library) calls torch's Tensor.__deepcopy__: the student's
    # function is the one calling deepcopy, not deepcopy
    torch = pytest.importorskip("torch")
    import copy

    def my_copy(t):
        return copy.deepcopy(t)

    tensor = torch.zeros(2)
    with pytest.raises(NotYourOwnWork) as raised:
        with forbid("torch", task="Task 3.1"):
            my_copy(tensor)
    assert raised.value.caller == "my_copy", str(raised.value)


def test_torch_imported_inside_the_students_function_names_that_function():
    # The first import of torch runs torch's code through importlib and dataclasses (whose
    # generated __init__, in `_create_fn`, was once named as the student's function): a fresh
    # interpreter, where torch is not imported yet
    pytest.importorskip("torch")
    code = (
        "import numpy as np\n"
        "from nnlesson.checks.tripwire import NotYourOwnWork, forbid\n"
        "def my_cross_entropy(z, y):\n"
        "    import torch\n"
        "    return torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y)).item()\n"
        "try:\n"
        "    with forbid('nnlesson', 'torch', task='Task 3.1'):\n"
        "        my_cross_entropy(np.zeros((2, 3)), np.array([0, 2]))\n"
        "except NotYourOwnWork as e:\n"
        "    print(e)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.stdout.strip() == ("Task 3.1 asks for your own implementation: `torch` is not "
                                     "allowed here (your `my_cross_entropy` calls it)"), result


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


# -- the lessons' checks refuse the package's own implementation of their exercise -----------------

def test_lesson_01s_softmax_check_refuses_nl_softmax_however_it_is_reached(capsys):
    def my_softmax(logits):
        return nl.softmax(logits)

    def my_softmax_by_log(logits):
        return np.exp(nl.log_softmax(logits))

    for fn in (my_softmax, my_softmax_by_log, nl.softmax):
        assert checks.check_softmax(fn, quiet=True) is False
    checks.check_softmax(my_softmax)
    assert capsys.readouterr().out == (
        f"{checks.FAIL} my_softmax, a batch of 3 rows: this task asks for your own "
        f"implementation: `nl.softmax` is not allowed here.\n")


def test_lesson_07s_stopping_check_refuses_early_stopping_and_passes_own_work(capsys):
    def my_stopping_epoch(val_losses, patience, min_delta):
        return nl.EarlyStopping(patience, min_delta).replay(val_losses)[0]

    checks.check_stopping_epoch(my_stopping_epoch)
    assert capsys.readouterr().out == (
        f"{checks.FAIL} my_stopping_epoch, a loss that turns up: this task asks for your own "
        f"implementation: `nl.EarlyStopping` is not allowed here.\n")

    def own(val_losses, patience, min_delta):
        best, wait = np.inf, 0
        for epoch, loss in enumerate(val_losses, start=1):
            best, wait = (loss, 0) if loss < best - min_delta else (best, wait + 1)
            if wait >= patience:
                return epoch
        return None

    assert checks.check_stopping_epoch(own, quiet=True) is True


def package_tanh_mlp(X, y, params):
    """Lesson 04 Ex 4 answered with nnlesson's own layers (which the check refuses)."""
    W1, b1, W2, b2 = params
    net = nl.Sequential(nl.Linear(W1.shape[1], W1.shape[0]), nl.Tanh(),
                        nl.Linear(W2.shape[1], W2.shape[0]))
    for p, value in zip(net.parameters(), params):
        p.data[...] = value
    loss_fn = nl.SoftmaxCrossEntropy()
    loss_fn(net(X), y)
    net.backward(loss_fn.backward())
    return tuple(p.grad for p in net.parameters())


@pytest.mark.parametrize("check, package_answer, name", [
    (checks.check_sigmoid_derivative, lambda x: nl.sigmoid_derivative(x), "nl.sigmoid_derivative"),
    (checks.check_relu_backward, lambda h, d: d * nl.relu_derivative(h), "nl.relu_derivative"),
    (checks.check_numerical_gradient, lambda f, x, eps=1e-6: nl.numerical_gradient(f, x, eps),
     "nl.numerical_gradient"),
    (checks.check_cross_entropy, lambda z, y: (nl.SoftmaxCrossEntropy()(z, y), z), "nl."),
    (checks.check_batchnorm_forward,
     lambda x, g, b, eps: nl.BatchNorm(x.shape[1], eps=eps)(x) * g + b, "nl.BatchNorm"),
    (checks.check_tanh_mlp_backward, lambda X, y, *params: package_tanh_mlp(X, y, params), "nl."),
])
def test_every_lesson_check_of_a_package_function_refuses_it(check, package_answer, name, capsys):
    check(package_answer)
    out = capsys.readouterr().out
    assert f"this task asks for your own implementation: `{name}" in out, out


def test_nothing_forbidden_installs_no_hook():
    """Every check runs the student's code through forbid(); with nothing forbidden it must not
    pay for a profile hook."""
    before = sys.getprofile()
    with forbid():
        assert sys.getprofile() is before
    assert sys.getprofile() is before


# -- every lesson check refuses all of nnlesson, not a hand-picked list ----------------------------
def lesson_checks():
    """(check, its reference solutions) of every lesson check, from the checks' own test files."""
    import test_checks
    import test_checks_lessons_a
    import test_checks_lessons_b
    import test_checks_lessons_c

    for module in (test_checks, test_checks_lessons_a, test_checks_lessons_b,
                   test_checks_lessons_c):
        for name, (check, reference, _) in module.CASES.items():
            yield pytest.param(check, reference if isinstance(reference, list) else [reference],
                               id=name)


def my_swish_derivative(x):
    s = nl.sigmoid(x)  # lesson 04 hands over nl.sigmoid
    return s + x * s * (1 - s)


def my_tanh_mlp_backward(X, y, W1, b1, W2, b2):
    A = np.tanh(X @ W1.T + b1)
    dS = nl.softmax(A @ W2.T + b2)  # lesson 04 hands over nl.softmax for the forward pass
    dS[np.arange(len(y)), y] -= 1
    dS /= len(y)
    dH = (dS @ W2) * (1 - A ** 2)
    return dH.T @ X, dH.sum(axis=0), dS.T @ A, dS.sum(axis=0)


LESSON_CHECKS = [*lesson_checks(),  # and the two whose tests have no CASES entry
                 pytest.param(checks.check_swish_derivative, [my_swish_derivative], id="swish"),
                 pytest.param(checks.check_tanh_mlp_backward, [my_tanh_mlp_backward],
                              id="tanh_mlp_backward")]


def also_calls_the_package(honest):
    """``honest`` that first calls a public nnlesson function no exercise hands over: the
    tripwire alone must fail it. Named like ``honest``."""

    def cheating(*args, **kwargs):
        nl.accuracy(np.eye(2), np.arange(2))
        return honest(*args, **kwargs)

    cheating.__name__ = getattr(honest, "__name__", "cheating")
    return cheating


def test_every_lesson_check_is_walked_below():
    public = {name for name in dir(checks) if name.startswith("check_")}
    walked = {param.values[0].__name__ for param in LESSON_CHECKS}
    assert public <= walked, public - walked


@pytest.mark.parametrize("check, references", LESSON_CHECKS)
def test_every_lesson_check_refuses_a_call_of_any_other_nnlesson_function(check, references,
                                                                          capsys):
    assert check(*references, quiet=True)  # the honest answer passes ...
    check(*[also_calls_the_package(r) for r in references])  # ... and with one more call fails
    out = capsys.readouterr().out
    assert "for your own implementation: `nl.accuracy` is not allowed here" in out, out


def test_a_package_function_given_as_the_answer_itself_is_refused():
    # the grader's runner calls it, not the student's code: still the package's implementation
    assert checks.check_relu_backward(lambda x, dout: dout * nl.relu_derivative(x),
                                      quiet=True) is False
    assert checks.check_sigmoid_derivative(nl.sigmoid_derivative, quiet=True) is False


def test_allow_lets_through_what_a_task_hands_over_and_what_it_calls():
    model = nl.Sequential(nl.Linear(2, 2, rng=0), nl.ReLU())
    with forbid("nnlesson", allow=(nl.Sequential,)):
        model(np.ones((1, 2)))  # Module.__call__, then Linear and ReLU inside the package
    with pytest.raises(NotYourOwnWork, match=r"`nl.relu` is not allowed here \(your `step`"):
        def step(x):
            model(x)
            return nl.relu(x)

        with forbid("nnlesson", allow=(nl.Sequential,)):
            step(np.ones((1, 2)))


def test_a_package_is_entered_from_outside_only_once():
    # nl.prelu's own calls inside nnlesson are not looked at again: one name in the message
    def relu(x):
        return nl.prelu(x, 0.0)

    with pytest.raises(NotYourOwnWork, match=r"`nl.prelu` is not allowed here \(your `relu`"):
        with forbid("nnlesson"):
            relu(np.ones(3))


def test_a_package_function_given_as_the_answer_is_refused_where_the_time_limit_uses_a_thread():
    # off the main thread (Windows, a kernel's other thread) the time limit runs the student's
    # function in a thread of its own: the package's function is still not the student's work
    import threading

    results = []
    worker = threading.Thread(target=lambda: results.append(
        (checks.check_sigmoid_derivative(nl.sigmoid_derivative, quiet=True),
         checks.check_sigmoid_derivative(lambda x: nl.sigmoid(x) * (1 - nl.sigmoid(x)),
                                         quiet=True))))
    worker.start()
    worker.join()
    assert results == [(False, True)]
