"""Every graded task of assignments 1-3 refuses nnlesson's own implementation of it (issue 26).

For each task: (a) it declares what it forbids; (b) a solution that calls a forbidden
implementation fails the instant check with the tripwire's message; (c) the task's hidden-test
region, cut from the teacher's source and run with that solution in its namespace, fails too, and
so do the region's own calls of the student's function (those outside the check). No notebook
runs: the regions are executed directly, with the teacher's definitions around them.
"""

import ast
import functools
import re
from pathlib import Path

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import graph
from nnlesson.checks import NOT_OWN_WORK, OTHER_LIBRARIES, a1, a2, a3
from nnlesson.checks.tripwire import NotYourOwnWork

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {a1: "A1_mlp_from_scratch", a2: "A2_autograd_engine", a3: "A3_regularization_study"}
TRIPWIRE = "for your own implementation"


def source(module):
    return (ROOT / "lessons_src" / "assignments" / f"{SOURCES[module]}.py").read_text()


@functools.cache
def teacher(module):
    """The teacher's definitions (imports, functions, classes) of an assignment, as a dict."""
    text = source(module)
    tree = ast.parse(text)
    keep = [node for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
    namespace = {}
    exec(compile(ast.Module(keep, type_ignores=[]), SOURCES[module], "exec"), namespace)
    return namespace


def hidden_regions(module):
    """{check name: the text of its hidden-test region} of an assignment's teacher source."""
    regions = re.findall(r"### BEGIN HIDDEN TESTS.*?\n(.*?)### END HIDDEN TESTS", source(module),
                         re.S)
    found = {}
    for region in regions:
        names = re.findall(r"a\d\.(check_\w+)\(", region)
        assert names, f"a hidden-test region that calls no check: {region!r}"
        found[names[0]] = region
    return found


def cheat(honest, *forbidden_calls):
    """``honest`` (the teacher's answer) that also calls the package: the tripwire alone must
    make it fail. Named like ``honest``, as the student's function is."""

    @functools.wraps(honest)
    def cheating(*args, **kwargs):
        for call in forbidden_calls:
            call(*args)
        return honest(*args, **kwargs)

    return cheating


def renamed(fn, name):
    """``fn`` under the student's function's name (never rename the package's own function)."""
    fn.__name__ = fn.__qualname__ = name
    return fn


def _linear(x, W, *rest):
    layer = nl.Linear(W.shape[1], W.shape[0], rng=0)
    layer.W.data[...] = W
    return layer(x)


def _cross_entropy(logits, labels):
    loss = nl.SoftmaxCrossEntropy()
    loss(logits, labels)
    return loss.backward()


def _tensor(*args):
    return graph.Tensor(np.zeros(2))


# (module, task, the check's name, the names of the student's functions it takes, the cheats)
def tasks():
    A1, A2, A3 = teacher(a1), teacher(a2), teacher(a3)
    engine = [("Var", A2["Var"])]
    return [
        (a1, "Task 1.1", "check_linear_forward", [cheat(A1["linear_forward"], _linear)]),
        (a1, "Task 1.2", "check_linear_backward", [cheat(A1["linear_backward"], _linear)]),
        (a1, "Task 2.1", "check_relu", [cheat(A1["relu_forward"], nl.relu),
                                        A1["relu_backward"]]),
        (a1, "Task 3.1", "check_softmax_cross_entropy", [
            cheat(A1["softmax_cross_entropy"], _cross_entropy)]),
        (a1, "Task 4.1", "check_rel_error", [cheat(A1["rel_error"], nl.rel_error)]),
        (a1, "Task 4.2", "check_gradient_errors", [cheat(
            A1["gradient_errors"], lambda *a: nl.gradcheck(nl.Linear(2, 2, rng=0),
                                                           np.ones((1, 2))))]),
        (a1, "Task 5.1", "check_minibatches", [cheat(
            A1["minibatches"], lambda X, y, n, rng: list(nl.batches(X, y, n, rng=0)))]),
        (a1, "Task 5.2", "check_sgd_momentum_step", [cheat(
            A1["sgd_momentum_step"], lambda *a: nl.SGD([nl.Parameter(np.zeros(1))], lr=0.1))]),
        (a1, "Task 6.1", "check_mlp_loss_and_grads", [cheat(
            A1["mlp_loss_and_grads"], lambda params, X, y: _cross_entropy(X[:, :3], y % 3))]),
        (a1, "Task 6.2", "check_train_mlp", [cheat(
            A1["train_mlp"], lambda X, y, *_: nl.Sequential(nl.Linear(64, 10, rng=0)))]),
        (a2, "Task 1.1", "check_unbroadcast", [cheat(A2["unbroadcast"], graph.unbroadcast)]),
        *[(a2, task, f"check_{rule}", [cheat(A2[rule], _tensor)])
          for task, rule in [("Task 1.2", "add_backward"), ("Task 1.3", "mul_backward"),
                             ("Task 2.1", "matmul_backward"), ("Task 2.2", "sum_backward"),
                             ("Task 2.3", "exp_backward"), ("Task 2.4", "log_backward"),
                             ("Task 2.5", "relu_backward"), ("Task 2.6", "tanh_backward"),
                             ("Task 3.2", "backprop")]],
        (a2, "Task 3.1", "check_topological_order", [
            renamed(lambda root: graph.topological_order(root), "topological_order")]),
        (a2, "Task 4.1", "check_mlp_loss", [cheat(A2["mlp_loss"], _tensor), *engine]),
        (a2, "Task 4.2", "check_train", [cheat(A2["train"], _tensor), *engine]),
        (a3, "Task 1.1", "check_dropout_forward", [cheat(
            A3["my_dropout_forward"], lambda x, p, rng, *_: nl.Dropout(p, rng=0))]),
        (a3, "Task 1.2", "check_dropout_backward", [cheat(
            A3["my_dropout_backward"], lambda *a: nl.Dropout(0.5, rng=0))]),
        (a3, "Task 2.1", "check_early_stopping", [
            renamed(lambda v, patience, min_delta: nl.EarlyStopping(patience, min_delta).replay(v),
                    "my_early_stopping")]),
        (a3, "Task 3.1", "check_l2_penalty", [cheat(
            A3["my_l2_penalty"], lambda *a: nl.SGD([nl.Parameter(np.zeros(1))], lr=0.1))]),
    ]


def _name(task):
    module, number, check, _ = task
    return f"{module.__name__.rsplit('.', 1)[1]}-{number}-{check}"


TASKS = tasks()


def test_every_graded_task_is_listed_here_and_has_one_check_and_one_hidden_region():
    for module in SOURCES:
        listed = {(number, check) for m, number, check, _ in TASKS if m is module}
        declared = {(number, getattr(module, check).task) for number, check in listed}
        assert {number for number, _ in listed} == set(module.FORBIDDEN)  # every task, once
        assert all(number == task for number, task in declared)
        called = set(re.findall(rf"^{module.__name__[-2:]}\.(check_\w+)\(", source(module), re.M))
        assert called == {check for _, check in listed}  # every check the notebook calls
        assert set(hidden_regions(module)) == called  # and one hidden-test region for each


# What a task may hand its student; anything else of nnlesson's is a tripwire (issue: a
# hand-picked forbid list let nl.prelu pass for a ReLU and nnlesson.graph for a layer's gradients).
# Task 4.2 hands over nl.numerical_gradient and the layers whose gradients it checks (the
# grader's private helpers, refused anywhere else).
ALLOWED = {(a1, "Task 4.2"): {nl.numerical_gradient, a1._linear, a1._block}}


@pytest.mark.parametrize("cheat", [
    (a1.check_linear_forward, lambda x, W, b: a1._linear(x, W, b), "a1._linear"),
    (a1.check_linear_forward, a1._linear, "nl.Linear"),  # the helper given as the answer
    (a2.check_unbroadcast, lambda g, s: a2._reference_unbroadcast(g, s),
     "a2._reference_unbroadcast"),
    (a2.check_backprop, lambda root: a2._variant_backprop(root, None), "a2._variant_backprop"),
], ids=["a1-linear", "a1-linear-given", "a2-unbroadcast", "a2-backprop"])
def test_the_graders_own_reference_code_is_refused_as_an_answer(cheat, capsys):
    """Review r5 (assignments): the grader's private helpers hold nnlesson's implementations
    (a1._linear is nl.Linear's forward pass); calling them is not the student's own work."""
    check, answer, named = cheat
    assert check(answer, quiet=True) is False
    check(answer)
    assert f"{named}` is not allowed here" in capsys.readouterr().out


ALSO = {(a2, "Task 3.1"): a2.GRAPH_SORTS, (a2, "Task 3.2"): a2.GRAPH_SORTS}


@pytest.mark.parametrize("task", TASKS, ids=_name)
def test_each_task_forbids_all_of_nnlesson_and_other_libraries_but_its_short_allowlist(task):
    module, number, check, _ = task
    forbidden, allow = module.FORBIDDEN[number]
    # ... and what else does the task's work (A2's Part 3: the libraries that sort a graph)
    assert forbidden == (*NOT_OWN_WORK, *ALSO.get((module, number), ())) and "nnlesson" in forbidden
    assert set(OTHER_LIBRARIES) <= set(forbidden)
    assert set(allow) == ALLOWED.get((module, number), set())
    assert getattr(module, check).forbidden == forbidden  # the check reads this declaration
    assert getattr(module, check).allow == allow


# Equivalents found elsewhere in the package (review r4-A, A1 Tasks 1.2 and 2.1, A2 Tasks 2.5
# and 2.6), and a call of some unrelated public function: each is refused by every task.
EQUIVALENTS = {
    "nl.prelu": lambda: nl.prelu(np.ones(2), 0.0),
    "nl.prelu_derivative": lambda: nl.prelu_derivative(np.ones(2), 0.0),
    "nl.PReLU": lambda: nl.PReLU(2),
    "graph.Tensor.relu": lambda: graph.Tensor(np.ones(2)).relu(),
    "nl.relu_derivative": lambda: nl.relu_derivative(np.ones(2)),
    "nl.tanh_derivative": lambda: nl.tanh_derivative(np.ones(2)),
    "nl.accuracy": lambda: nl.accuracy(np.ones((2, 2)), np.zeros(2, dtype=int)),
}


@pytest.mark.parametrize("equivalent", list(EQUIVALENTS))
@pytest.mark.parametrize("task", TASKS, ids=_name)
def test_every_task_refuses_an_equivalent_from_anywhere_in_the_package(task, equivalent, capsys):
    module, number, check, fns = task
    call = EQUIVALENTS[equivalent]
    fns = [(fn[0], fn[1]) if isinstance(fn, tuple) else cheat(getattr(fn, "__wrapped__", fn),
                                                                lambda *a: call())
           for fn in fns]
    fns = [fn for fn in fns if not isinstance(fn, tuple)] + [fn[1] for fn in fns
                                                             if isinstance(fn, tuple)]
    getattr(module, check)(*fns)
    out = capsys.readouterr().out
    assert TRIPWIRE in out and number in out, out
    with pytest.raises(NotYourOwnWork, match=number):
        with module.own_work(number):
            call()


@pytest.mark.parametrize("task", TASKS, ids=_name)
def test_a_solution_calling_the_package_fails_the_check_with_the_tripwire(task, capsys):
    module, number, check, fns = task
    fns = [fn for fn in fns if not isinstance(fn, tuple)] + [fn[1] for fn in fns
                                                             if isinstance(fn, tuple)]
    assert getattr(module, check)(*fns, quiet=True) is False
    getattr(module, check)(*fns)
    out = capsys.readouterr().out
    assert TRIPWIRE in out and number in out, out


@pytest.mark.parametrize("task", TASKS, ids=_name)
def test_a_solution_calling_the_package_fails_the_hidden_test(task):
    module, number, check, fns = task
    namespace = dict(teacher(module))
    for fn in fns:
        name, value = fn if isinstance(fn, tuple) else (fn.__name__, fn)
        namespace[name] = value
    region = hidden_regions(module)[check]
    with pytest.raises((AssertionError, NotYourOwnWork)):
        exec(region, namespace)
    # The region's own calls of the student's function (after the check's) run under the
    # task's tripwires too.
    own = "\n".join(line for line in region.splitlines()
                    if not line.startswith(f"assert {module.__name__[-2:]}.check_"))
    if own.strip():
        assert f'own_work("{number}")' in own
        with pytest.raises(NotYourOwnWork, match=number):
            exec(own, namespace)


@pytest.mark.parametrize("module", list(SOURCES), ids=lambda m: m.__name__)
def test_the_teachers_answers_pass_every_hidden_region(module):
    namespace = dict(teacher(module))
    for region in hidden_regions(module).values():
        exec(region, namespace)


def test_torch_is_refused_as_well():
    torch = pytest.importorskip("torch")

    def linear_forward(x, W, b):
        return (torch.from_numpy(x) @ torch.from_numpy(W).T + torch.from_numpy(b)).numpy()

    assert a1.check_linear_forward(linear_forward, quiet=True) is False


def test_a2_student_version_does_not_call_the_engines_topological_order():
    assert "graph.topological_order(" not in source(a2)


# -- checks that never pass a wrong rule (issue 26, item 5) ----------------------------------------
def a1_variant(name, old, new):
    """The teacher's A1 function ``name`` with ``old`` replaced by ``new`` in its source, defined
    among the teacher's other A1 functions (so it calls them by name, as a student's does)."""
    namespace = dict(teacher(a1))
    tree = ast.parse(source(a1))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    text = ast.get_source_segment(source(a1), node)
    assert old in text
    exec(text.replace(old, new), namespace)
    return namespace[name]


@pytest.mark.parametrize("old, new, phrase", [
    ("minibatches(X_train, y_train, batch_size, rng)", "minibatches(X_val, y_val, batch_size, rng)",
     "change when only the validation labels do"),
    ("minibatches(X_train, y_train, batch_size, rng)",
     "minibatches(X_train, y_train, batch_size, np.random.default_rng(seed))",
     "the same order"),
    ("float(np.mean(losses))", "float(losses[-1])", "last mini-batch"),
], ids=["trains on the validation set", "same batch order", "last batch's loss"])
def test_a1_train_mlp_wrong_rules_fail(old, new, phrase, capsys):
    wrong = a1_variant("train_mlp", old, new)
    assert a1.check_train_mlp(wrong, quiet=True) is False
    a1.check_train_mlp(wrong)
    out = capsys.readouterr().out
    assert phrase in out, out


def test_a1_train_mlp_teacher_answer_passes():
    assert a1.check_train_mlp(teacher(a1)["train_mlp"], quiet=True)


def replaces_list_items(params, grads, velocities, lr, momentum):
    for i, g in enumerate(grads):
        velocities[i] = momentum * velocities[i] + g
        params[i] = params[i] - lr * velocities[i]


def steps_before_updating_v(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        p -= lr * v
        v *= momentum
        v += g


def lr_in_velocity(params, grads, velocities, lr, momentum):  # v = m v - lr g; p += v
    for p, g, v in zip(params, grads, velocities):
        v *= momentum
        v -= lr * g
        p += v


def test_a1_momentum_step_replacing_list_items_fails(capsys):
    assert a1.check_sgd_momentum_step(replaces_list_items, quiet=True) is False
    a1.check_sgd_momentum_step(replaces_list_items)
    assert "same arrays" in capsys.readouterr().out


def test_a1_momentum_step_in_the_wrong_order_is_told_the_order_not_its_own_line(capsys):
    assert a1.check_sgd_momentum_step(steps_before_updating_v, quiet=True) is False
    a1.check_sgd_momentum_step(steps_before_updating_v)
    out = capsys.readouterr().out
    assert "update the velocity first" in out and "did not change: `p = p" not in out, out


def test_a1_momentum_with_lr_inside_the_velocity_fails_as_the_spec_fixes_the_convention(capsys):
    # The task's spec (and nl.SGD's, PyTorch's) keeps lr out of v: the velocities differ, so the
    # check names the convention rather than accepting it.
    assert a1.check_sgd_momentum_step(lr_in_velocity, quiet=True) is False
    a1.check_sgd_momentum_step(lr_in_velocity)
    assert "Keep lr out of the velocity" in capsys.readouterr().out


def test_a2_wrong_unbroadcast_costs_only_its_own_task(capsys):
    engine = teacher.__wrapped__(a2)  # a fresh namespace: the rules call its unbroadcast
    exec("def unbroadcast(grad, shape):\n    return grad\n", engine)  # wrong: never sums
    assert a2.check_unbroadcast(engine["unbroadcast"], quiet=True) is False
    for rule in ("add_backward", "mul_backward"):
        assert a2.check_add_backward(engine[rule], quiet=True) if rule == "add_backward" else \
            a2.check_mul_backward(engine[rule], quiet=True)
    a2.check_add_backward(engine["add_backward"])
    out = capsys.readouterr().out
    assert out.startswith(a2.PASS) and "does not pass its own check yet" in out, out
    assert engine["unbroadcast"].__name__ == "unbroadcast"  # the student's, restored after


def test_a2_recursion_message_says_what_happened_after_setrecursionlimit(capsys):
    import sys

    def visit_all(root, order=None, seen=None):
        order, seen = ([], set()) if order is None else (order, seen)
        for parent in root.parents:
            if parent not in seen:
                seen.add(parent)
                visit_all(parent, order, seen)
        order.append(root)
        return order

    visit_all.__name__ = "topological_order"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100000)
    try:
        a2.check_topological_order(visit_all)
    finally:
        sys.setrecursionlimit(limit)
    out = capsys.readouterr().out
    assert "stopped it 100 nested calls deep" in out and "it is 100000 now" in out, out
    assert "Python stops at about 100000" not in out


@pytest.mark.parametrize("variant", ["log-softmax", "float32"])
def test_a1_right_cross_entropy_written_another_way_passes(variant):
    def softmax_cross_entropy(logits, labels):
        n = len(labels)
        if variant == "float32":  # the whole answer computed in float32
            logits = logits.astype(np.float32)
        m = logits.max(axis=1, keepdims=True)
        log_probs = logits - m - np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
        onehot = np.eye(logits.shape[1])[labels]
        onehot = onehot.astype(logits.dtype)
        return -np.einsum("nc,nc->", onehot, log_probs) / n, (np.exp(log_probs) - onehot) / n

    assert a1.check_softmax_cross_entropy(softmax_cross_entropy, quiet=True)


def test_a1_einsum_linear_layer_passes():
    def linear_forward(x, W, b):
        return np.einsum("ni,ji->nj", x, W) + b

    def linear_backward(x, W, dout):
        return np.einsum("nj,ji->ni", dout, W), np.einsum("nj,ni->ji", dout, x), dout.sum(0)

    assert a1.check_linear_forward(linear_forward, quiet=True)
    assert a1.check_linear_backward(linear_backward, quiet=True)


def test_one_list_of_other_libraries_for_lessons_and_assignments():
    from nnlesson.checks import graded

    assert graded.OTHER_LIBRARIES is OTHER_LIBRARIES
    assert {"torch", "sklearn", "scipy", "tensorflow", "jax"} <= set(OTHER_LIBRARIES)
    assert all(set(OTHER_LIBRARIES) <= set(forbidden)
               for module in (a1, a2, a3) for forbidden, _ in module.FORBIDDEN.values())


# -- a check and its hidden test agree (review r4-A, A3 Task 2.1) ----------------------------------
def returning(honest, convert):
    """``honest`` (the teacher's answer) with its result passed through ``convert``."""

    @functools.wraps(honest)
    def variant(*args, **kwargs):
        return convert(honest(*args, **kwargs))

    return variant


def as_list(result):
    return list(result) if isinstance(result, tuple) else result


def as_numpy_ints(result):
    if isinstance(result, tuple):
        return tuple(np.int64(r) if isinstance(r, int) else r for r in result)
    return result


@pytest.mark.parametrize("convert", [as_list, as_numpy_ints], ids=["list", "numpy ints"])
@pytest.mark.parametrize("task", TASKS, ids=_name)
def test_an_answer_the_check_accepts_passes_the_hidden_test(task, convert):
    """A result written another way (a list for a tuple, numpy integers): if the check accepts
    it, the task's hidden-test region must too; a tick followed by 0 points is the bug."""
    module, number, check, fns = task
    namespace = dict(teacher(module))
    variants = []
    for fn in fns:
        if isinstance(fn, tuple):  # a class such as A2's Var: the teacher's own
            variants.append(fn[1])
            continue
        honest = namespace[fn.__name__]
        variant = returning(honest, convert)
        namespace[honest.__name__] = variant
        variants.append(variant)
    if getattr(module, check)(*variants, quiet=True):
        exec(hidden_regions(module)[check], namespace)


def test_a3_early_stopping_as_a_list_is_accepted_by_check_and_hidden_test_alike():
    namespace = dict(teacher(a3))
    as_a_list = returning(namespace["my_early_stopping"], as_list)
    namespace["my_early_stopping"] = as_a_list
    assert a3.check_early_stopping(as_a_list, quiet=True)  # the check accepts it ...
    exec(hidden_regions(a3)["check_early_stopping"], namespace)  # ... and so does the hidden test
    assert not a3.same_stopping([5, 3], (5, 2)) and not a3.same_stopping(5, (5, 3))


def test_a2_part_4_with_a_wrong_unbroadcast_names_it_not_mlp_loss(capsys):
    # Part 4 runs the student's whole engine (the teacher note says so): a wrong unbroadcast fails
    # Task 4.1 too, and the verdict names the earlier function instead of blaming mlp_loss alone.
    engine = teacher.__wrapped__(a2)  # a fresh namespace: the engine calls its unbroadcast
    exec("def unbroadcast(grad, shape):\n    return grad\n", engine)  # wrong: never sums
    assert a2.check_mlp_loss(engine["mlp_loss"], engine["Var"], quiet=True) is False
    a2.check_mlp_loss(engine["mlp_loss"], engine["Var"])
    out = capsys.readouterr().out
    assert "your unbroadcast (Task 1.1) does not pass its own check yet" in out, out
    assert "Part 4 runs your whole engine" in out


def test_a2_part_4_names_no_earlier_function_when_they_all_pass():
    engine = teacher.__wrapped__(a2)
    assert a2._earlier_failures(engine["mlp_loss"]) == ""


def test_the_graders_public_code_does_not_launder_a_forbidden_call(capsys):
    """Review r6: a3.PenalisedSGD (the grader's, public) stepping with nl.SGD passed A1 Task 5.2
    for a student who wrapped the parameters and called it."""
    def sgd_momentum_step(params, grads, velocities, lr, momentum):
        wrapped = []
        for p, g in zip(params, grads):
            q = object.__new__(nl.Parameter)
            q.data, q.grad = p, g
            wrapped.append(q)
        opt = a3.PenalisedSGD(wrapped, lr, momentum=momentum, lam=0.0,
                              penalty=lambda ps, lam: (0.0, [np.zeros_like(x) for x in ps]))
        opt.velocity = velocities
        opt.step()

    assert a1.check_sgd_momentum_step(sgd_momentum_step, quiet=True) is False
    a1.check_sgd_momentum_step(sgd_momentum_step)
    assert "is not allowed here" in capsys.readouterr().out
