"""The checks of assignment 2 (nnlesson/checks/a2.py): each reference passes in one line, typical
wrong answers fail with a verdict naming the problem, stubs get "not implemented yet", a
topological sort that never ends gets a verdict, and the student version runs top to bottom.

The references are the teacher's solutions, read from the assignment's source (only its
imports, functions and classes are run), so the notebook's own `Var` class is tested too.
"""

import ast
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from nnlesson import checks
from nnlesson.checks import a2
from nnlesson.checks.tripwire import NotYourOwnWork

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "lessons_src" / "assignments" / "A2_autograd_engine.py"
NOTEBOOK = ROOT / "notebooks" / "assignments" / "A2_autograd_engine.ipynb"


def load_engine():
    """The teacher's definitions (Var, the rules, topological_order, backprop, ...) as a dict."""
    tree = ast.parse(SOURCE.read_text())
    keep = [node for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
    namespace = {}
    exec(compile(ast.Module(keep, type_ignores=[]), str(SOURCE), "exec"), namespace)
    return namespace


@pytest.fixture
def engine():
    return load_engine()


def run(check, *args, capsys):
    assert check(*args) is None  # prints, returns nothing (so a notebook shows no extra output)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out  # one short verdict
    assert check(*args, quiet=True) == out.startswith(checks.PASS)
    assert capsys.readouterr().out == ""  # quiet prints nothing
    return out.startswith(checks.PASS), out


def stub(name):
    """A function called ``name`` that still raises NotImplementedError, as in the student version."""
    namespace = {}
    exec(f"def {name}(*args):\n    raise NotImplementedError()", namespace)
    return namespace[name]


# -- wrong answers, as students write them ----------------------------------------------------
def unbroadcast_not_at_all(grad, shape):
    return grad


def unbroadcast_mean(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.mean(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.mean(axis=axis, keepdims=True)
    return grad


def unbroadcast_leading_only(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


def unbroadcast_no_keepdims(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=axes)


def mul_in_place(out_grad, a, b):
    out_grad *= b
    return a2._reference_unbroadcast(out_grad, a.shape), a2._reference_unbroadcast(out_grad / b * a, b.shape)


def add_not_unbroadcast(out_grad, a, b):
    return out_grad, out_grad


def add_without_out_grad(out_grad, a, b):
    ones = np.ones_like(out_grad)
    return a2._reference_unbroadcast(ones, a.shape), a2._reference_unbroadcast(ones, b.shape)


def add_minus(out_grad, a, b):
    return a2._reference_unbroadcast(out_grad, a.shape), -a2._reference_unbroadcast(out_grad, b.shape)


def mul_swapped(out_grad, a, b):
    return a2._reference_unbroadcast(out_grad * a, a.shape), a2._reference_unbroadcast(out_grad * b, b.shape)


def mul_not_unbroadcast(out_grad, a, b):
    return out_grad * b, out_grad * a


def mul_without_out_grad(out_grad, a, b):
    return (a2._reference_unbroadcast(b * np.ones_like(out_grad), a.shape),
            a2._reference_unbroadcast(a * np.ones_like(out_grad), b.shape))


def matmul_no_transposes(out_grad, a, b):
    return out_grad @ b, a @ out_grad


def matmul_db_transposed(out_grad, a, b):
    return out_grad @ b.T, out_grad.T @ a


def sum_returns_out_grad(out_grad, a, axis):
    return out_grad


def sum_without_expand_dims(out_grad, a, axis):
    return np.ones_like(a) * out_grad


def sum_mean(out_grad, a, axis):
    if axis is not None:
        out_grad = np.expand_dims(out_grad, axis)
    return np.ones_like(a) * out_grad / a.size


def exp_times_a(out_grad, a, out):
    return out_grad * a


def exp_without_out_grad(out_grad, a, out):
    return out


def log_divides_by_out(out_grad, a, out):
    return out_grad / out


def log_times_out(out_grad, a, out):  # exp's rule copied
    return out_grad * out


def log_nan_at_one(out_grad, a, out):
    return out_grad * out / (a * out)


def relu_masks_out_grad(out_grad, a, out):
    return out_grad * (out_grad > 0)


def relu_through_zero(out_grad, a, out):
    return out_grad * (a >= 0)


def relu_nan_at_zero(out_grad, a, out):
    return out_grad * out / a


def tanh_uses_a(out_grad, a, out):
    return out_grad * (1 - a ** 2)


def tanh_no_square(out_grad, a, out):
    return out_grad * (1 - out)


def tanh_plus(out_grad, a, out):
    return out_grad * (1 + out ** 2)


def topo_recursive(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


def topo_recursive_high_limit(root):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)
    try:
        return topo_recursive(root)
    finally:
        sys.setrecursionlimit(old)


def topo_no_visited_set(root):  # lists a node once per path
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents)
    return order


def topo_deduplicated_at_the_end(root):  # right order, but walks every path
    order = topo_no_visited_set(root)
    seen, unique = set(), []
    for node in order:
        if node not in seen:
            seen.add(node)
            unique.append(node)
    return unique


def topo_root_first(root):
    return topo_reference(root)[::-1]


def topo_seen_when_pushed(root):  # a node pushed but not yet expanded counts as done
    order, seen, stack = [], {root}, [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, False))
    return order


def topo_without_root(root):
    return topo_reference(root)[:-1]


def topo_forever(root):
    stack = [root]
    while stack:
        node = stack[-1]  # never pops
        del node


def topo_reference(root):
    """Kahn's algorithm, independent of the notebook's solution."""
    nodes, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in nodes:
                nodes[id(parent)] = parent
                stack.append(parent)
    children = {key: 0 for key in nodes}
    for node in nodes.values():
        for parent in node.parents:
            children[id(parent)] += 1
    ready, order = [root], []
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            children[id(parent)] -= 1
            if children[id(parent)] == 0:
                ready.append(parent)
    return order[::-1]


def make_backprop(order_of=topo_reference, *, mistake=None):
    def backprop(root):
        order = order_of(root)
        if mistake != "no zeroing":
            for node in order:
                node.grad = np.zeros_like(node.data)
        root.grad = (np.zeros_like if mistake == "zero seed" else np.ones_like)(root.data)
        for node in (order if mistake == "forward" else reversed(order)):
            if node.backward_rule is None and mistake != "calls leaves":
                continue
            for parent, grad in zip(node.parents, node.backward_rule(node.grad)):
                if mistake == "overwrite":
                    parent.grad = grad
                else:
                    parent.grad += grad

    backprop.__name__ = "backprop"
    return backprop


def backprop_micrograd_recursive(root):
    make_backprop(topo_recursive)(root)


def make_mlp_loss(engine, mistake):
    Var = engine["Var"]

    def mlp_loss(X, Y, W1, b1, W2, b2):
        H = Var(X) @ W1.T + b1
        H = H if mistake == "no relu" else H.tanh() if mistake == "tanh" else H.relu()
        if mistake == "hidden layer outside the graph":
            H = Var(H.data)
        S = H @ W2.T + b2
        Z = S if mistake == "unstable" else S - S.data.max(axis=1, keepdims=True)
        if mistake == "global max":  # a row far below the largest logit: its exps underflow
            Z = S - S.data.max()
        total = Z.exp().sum(axis=1).log().sum() - ((S if mistake == "Y term unshifted" else Z) * Y).sum()
        if mistake == "max added back":  # right, written another way: log-sum-exp of S itself
            m = S.data.max(axis=1)
            total = (Z.exp().sum(axis=1).log() + m).sum() - (S * Y).sum()
        if mistake == "float":
            return float(total.data) / len(X)
        return total if mistake == "sum" else total * (1.0 / len(X))

    return mlp_loss


def make_train(engine, mistake):
    def train(params, X, Y, lr, steps):
        losses = []
        for _ in range(steps):
            loss = engine["mlp_loss"](X, Y, *params)
            loss.backward()
            if mistake == "record after":
                loss = engine["mlp_loss"](X, Y, *[p - lr * p.grad for p in params])
            for p in params:
                if mistake == "ascent":
                    p.data += lr * p.grad
                elif mistake == "rebinds":
                    p = engine["Var"](p.data - lr * p.grad)  # noqa: PLW2901 - the mistake
                elif mistake == "lr twice":
                    p.data -= 2 * lr * p.grad
                elif mistake not in ("record after", "new Vars", "swapped in the list"):
                    p.data -= lr * p.grad
            if mistake == "record after":
                for p in params:
                    p.data -= lr * p.grad
            if mistake == "new Vars":  # right numbers, but on Vars the caller never sees
                params = [engine["Var"](p.data - lr * p.grad) for p in params]  # noqa: PLW2901
            if mistake == "swapped in the list":  # r11: right numbers, the given Vars lost
                for i, p in enumerate(params):
                    params[i] = engine["Var"](p.data - lr * p.grad)
            losses.append(loss if mistake == "Vars" else loss.data.item())
        return losses

    return train


# -- the rules -------------------------------------------------------------------------------
RULES = {
    "unbroadcast": (a2.check_unbroadcast, [
        (unbroadcast_not_at_all, "is still the gradient's shape"),
        (unbroadcast_mean, "averages over the stretched axes"),
        (unbroadcast_leading_only, "sums the leading axes but not the axes of size 1"),
        (unbroadcast_no_keepdims, "drops the axes of size 1"),
    ]),
    "add_backward": (a2.check_add_backward, [
        (add_not_unbroadcast, "has the output's shape (3, 4), not a's (3, 1): un-broadcast it"),
        (add_without_out_grad, "ignores out_grad"),
        (add_minus, ": db has the wrong sign: d(a + b)/db = +1"),
    ]),
    "mul_backward": (a2.check_mul_backward, [
        (mul_swapped, "multiplies by the wrong input"),
        (mul_not_unbroadcast, "has the output's shape"),
        (mul_without_out_grad, "ignores out_grad"),
        (mul_in_place, "changes its input out_grad in place"),
    ]),
    "matmul_backward": (a2.check_matmul_backward, [
        (matmul_no_transposes, "check the shapes: da has a's shape"),
        (matmul_db_transposed, "(transposed?)"),
    ]),
    "sum_backward": (a2.check_sum_backward, [
        (sum_returns_out_grad, "should have shape (3, 4), got shape ()"),
        (sum_without_expand_dims, "np.expand_dims(out_grad, 1)"),
        (sum_mean, "times the right value everywhere"),
    ]),
    "exp_backward": (a2.check_exp_backward, [
        (exp_times_a, "multiplies by a"),
        (exp_without_out_grad, "ignores out_grad"),
    ]),
    "log_backward": (a2.check_log_backward, [
        (log_divides_by_out, "divides by out = log(a)"),
        (log_times_out, "da multiplies by out, which is exp's rule: the derivative of log(a) is 1 / a"),
        (log_nan_at_one, "contains NaN or infinity"),
        (exp_times_a, "multiplies by a"),
    ]),
    "relu_backward": (a2.check_relu_backward, [
        (relu_masks_out_grad, "masks with the sign of out_grad"),
        (relu_through_zero, "at a = 0"),
        (relu_nan_at_zero, "contains NaN or infinity"),
    ]),
    "tanh_backward": (a2.check_tanh_backward, [
        (tanh_uses_a, "uses a where tanh(a) belongs"),
        (tanh_no_square, "forgets the square"),
        (tanh_plus, "has a sign wrong"),
    ]),
}


@pytest.mark.parametrize("name", RULES)
def test_reference_rule_passes_in_one_line(name, engine, capsys):
    check, _ = RULES[name]
    ok, out = run(check, engine[name], capsys=capsys)
    assert ok and "1e-06" in out, out
    # at a kink the answer is the rule's convention, which central differences do not give
    source = ("the expected gradients (central differences; at the kink, the rule's value)"
              if "kink" in out else "central differences")
    assert f"agrees with {source} on all" in out, out


@pytest.mark.parametrize("name", RULES)
def test_wrong_rules_fail_and_name_the_problem(name, capsys):
    check, wrongs = RULES[name]
    assert len(wrongs) >= 2
    for fn, phrase in wrongs:
        ok, out = run(check, fn, capsys=capsys)
        assert not ok and out.startswith(checks.FAIL), out
        assert phrase in out, f"{fn.__name__}: {phrase!r} not in {out!r}"


@pytest.mark.parametrize("name", RULES)
def test_a_rule_not_written_yet_gets_a_friendly_message(name, capsys):
    check, _ = RULES[name]
    ok, out = run(check, stub(name), capsys=capsys)
    assert not ok and f"{name} is not implemented yet" in out and "Traceback" not in out


def test_the_expected_gradients_are_central_differences_not_the_reference_formulas():
    # The wrong answers above are caught because the cases compare with numerical gradients:
    # a rule that is right up to 1e-7 passes, one that is off by 1e-4 fails. (tanh: the large
    # cases of *, exp and log expect the engine's formula to round-off, see below.)
    def nearly(out_grad, a, out):
        return out_grad * (1 - out ** 2) * (1 + 1e-9)

    def off(out_grad, a, out):
        return out_grad * (1 - out ** 2) * (1 + 1e-4)

    assert a2.check_tanh_backward(nearly, quiet=True)
    assert not a2.check_tanh_backward(off, quiet=True)


def test_rules_may_return_numbers_for_scalars_and_lists_are_diagnosed(capsys):
    def add_as_lists(out_grad, a, b):
        return list(np.ravel(out_grad)), list(np.ravel(out_grad))

    ok, out = run(a2.check_add_backward, add_as_lists, capsys=capsys)
    assert not ok and "should have shape (3, 4), got shape (12,)" in out


# -- the graph -------------------------------------------------------------------------------
TOPOLOGICAL = [
    (topo_recursive, "uses recursion"),
    (topo_recursive_high_limit, "uses recursion"),
    (topo_no_visited_set, "lists a node more than once"),
    (topo_root_first, "is reversed: list the inputs first"),
    (topo_seen_when_pushed, "puts a node before one of its parents"),
    (topo_without_root, "the root itself is missing"),
]


def topo_graphlib(root):  # r7: passed Task 3.1 (the standard library sorts the graph)
    import graphlib

    parents, stack = {root: root.parents}, [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in parents:
                parents[parent] = parent.parents
                stack.append(parent)
    return list(graphlib.TopologicalSorter(parents).static_order())


def topo_networkx(root):
    nx = pytest.importorskip("networkx")
    graph, stack = nx.DiGraph(), [root]
    graph.add_node(root)
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent not in graph:
                stack.append(parent)
            graph.add_edge(parent, node)
    return list(nx.topological_sort(graph))


@pytest.mark.parametrize("sort", [topo_graphlib, topo_networkx])
def test_a_library_topological_sort_is_refused_in_part_3(sort, engine, capsys):
    library = sort.__name__.removeprefix("topo_")
    ok, out = run(a2.check_topological_order, sort, capsys=capsys)
    assert not ok and f"Task 3.1 asks for your own implementation: `{library}` is not" in out, out
    ok, out = run(a2.check_backprop, make_backprop(sort), capsys=capsys)
    assert not ok and f"Task 3.2 asks for your own implementation: `{library}`" in out, out
    # the hidden tests' own calls too
    x = engine["Var"](np.array([1.0, 2.0]))
    with pytest.raises(NotYourOwnWork), a2.own_work("Task 3.1"):
        sort(x * x)
    # ... and the same walk with the student's own sort passes
    assert a2.check_backprop(make_backprop(topo_reference), quiet=True)


def test_a_wrong_order_names_the_node_and_its_parent(capsys):
    ok, out = run(a2.check_topological_order, topo_seen_when_pushed, capsys=capsys)
    assert not ok
    assert re.search(r"puts a node before one of its parents: .+ at position \d+, its parent .+ "
                     r"at \d+; every node must come after its parents", out), out


def test_a_named_mistake_shows_the_numbers_that_differ(capsys):
    ok, out = run(a2.check_exp_backward, exp_times_a, capsys=capsys)
    assert not ok and re.search(r"multiplies by a.*\(expected -?[\d.e+-]+ at index \(\d+, \d+\), "
                                r"got -?[\d.e+-]+\)", out), out


def test_topological_order_reference_passes(engine, capsys):
    ok, out = run(a2.check_topological_order, engine["topological_order"], capsys=capsys)
    assert ok and "5000 nodes, without recursion" in out
    assert run(a2.check_topological_order, topo_reference, capsys=capsys)[0]


@pytest.mark.parametrize("fn, phrase", TOPOLOGICAL, ids=[fn.__name__ for fn, _ in TOPOLOGICAL])
def test_wrong_topological_orders_fail_and_name_the_problem(fn, phrase, capsys):
    ok, out = run(a2.check_topological_order, fn, capsys=capsys)
    assert not ok and phrase in out, out
    assert sys.getrecursionlimit() < 50_000 or fn is topo_recursive_high_limit


def test_walking_every_path_of_the_ladder_ends_with_the_time_limit(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.5)  # 5 s in class; short here
    ok, out = run(a2.check_topological_order, topo_deduplicated_at_the_end, capsys=capsys)
    assert not ok and "took longer than 0.5 s for a ladder of 25 diamonds" in out
    assert "Without a set of visited nodes it walks all 33554432 paths" in out


def test_an_infinite_topological_sort_ends_with_a_verdict(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.3)
    ok, out = run(a2.check_topological_order, topo_forever, capsys=capsys)
    assert not ok and "took longer than 0.3 s for a single node: is there an infinite loop?" in out


def test_topological_order_not_written_yet(capsys):
    ok, out = run(a2.check_topological_order, stub("topological_order"), capsys=capsys)
    assert not ok and "topological_order is not implemented yet" in out


BACKPROP = [
    (make_backprop(mistake="overwrite"), "x * x (x used twice): the input's gradient lacks a contribution: a node that is used twice got only one of its contributions: add each"),
    (make_backprop(mistake="forward"), "gradient is wrong because the pass visits the nodes in the wrong order"),
    (make_backprop(mistake="zero seed"), "the root's gradient after the pass is wrong: expected 1, got 0 (relative error 1, tolerance 1e-06): seed it"),
    (make_backprop(mistake="no zeroing"), "calling it twice changed the gradients"),
    (make_backprop(mistake="calls leaves"), "inputs have backward_rule None: skip them"),
    (backprop_micrograd_recursive, "uses recursion"),
]


def make_dict_backprop(*, every_node):
    """Gradients kept in a dict, written to .grad at the end: for every node (right, written
    another way), or only for the inputs and the root (r7: passed, against the spec)."""
    def backprop(root):
        order = topo_reference(root)
        grads = {id(node): np.zeros_like(node.data) for node in order}
        grads[id(root)] = np.ones_like(root.data)
        for node in reversed(order):
            if node.backward_rule is not None:
                for parent, grad in zip(node.parents, node.backward_rule(grads[id(node)])):
                    grads[id(parent)] = grads[id(parent)] + grad
        for node in order:
            if every_node or node is root or node.backward_rule is None:
                node.grad = grads[id(node)]

    backprop.__name__ = "backprop"
    return backprop


def test_every_nodes_grad_is_checked_not_only_the_inputs(capsys):
    assert run(a2.check_backprop, make_dict_backprop(every_node=True), capsys=capsys)[0]
    ok, out = run(a2.check_backprop, make_dict_backprop(every_node=False), capsys=capsys)
    assert not ok and "the inputs' gradients are right, but not the" in out, out
    assert "every node's grad must hold dL/d(node)" in out, out


def test_backprop_reference_passes(engine, capsys):
    ok, out = run(a2.check_backprop, engine["backprop"], capsys=capsys)
    assert ok and "a second call gives the same gradients" in out
    assert run(a2.check_backprop, make_backprop(), capsys=capsys)[0]


@pytest.mark.parametrize("fn, phrase", BACKPROP, ids=[p for _, p in BACKPROP])
def test_wrong_backprops_fail_and_name_the_problem(fn, phrase, capsys):
    ok, out = run(a2.check_backprop, fn, capsys=capsys)
    assert not ok and phrase in out, out


def test_a_backprop_that_fails_on_its_second_call_fails_the_check(capsys):
    """Review r5: the second call's result was thrown away, so a backprop raising on it passed
    with the first call's gradients."""
    right, calls = make_backprop(), []

    def backprop(root):
        calls.append(root)
        if len(calls) % 2 == 0:  # the check's second call on "x * x" (run() checks twice)
            raise RuntimeError("only once")
        return right(root)

    ok, out = run(a2.check_backprop, backprop, capsys=capsys)
    assert not ok and "called a second time" in out and "only once" in out, out


def test_backprop_names_the_unwritten_function_it_calls(engine, capsys):
    engine["topological_order"] = stub("topological_order")
    ok, out = run(a2.check_backprop, engine["backprop"], capsys=capsys)
    assert not ok and "backprop calls topological_order, which is not implemented yet" in out


# -- the network ---------------------------------------------------------------------------
def test_mlp_loss_reference_passes_and_agrees_to_1e8(engine, capsys):
    ok, out = run(a2.check_mlp_loss, engine["mlp_loss"], engine["Var"], capsys=capsys)
    assert ok and "nnlesson's layers and nnlesson.graph" in out and "tolerance 1e-08" in out


@pytest.mark.parametrize("mistake, phrase", [
    ("unstable", "exp overflowed, or the log of an exp that underflowed"),
    ("global max", "Subtract each row's largest logit first"),
    ("sum", "is the sum over the batch: take the mean"),
    ("hidden layer outside the graph", "dW1 is 0 everywhere"),
    ("float", "should return a Var"),
    # r7: a wrong scalar was "k times the right value": any wrong number is; show the two
    ("no relu", "the loss is wrong: expected 1.24122, got 1.63127"),
    ("tanh", "the loss is wrong: expected 1.24122, got 0.847846"),
    # r8: Z in the log-sum-exp but S in the Y term
    ("Y term unshifted", "shifts only one of its two terms: subtract the same max from both"),
])
def test_wrong_mlp_losses_fail_and_name_the_problem(engine, mistake, phrase, capsys):
    ok, out = run(a2.check_mlp_loss, make_mlp_loss(engine, mistake), engine["Var"],
                  capsys=capsys)
    assert not ok and phrase in out, out
    assert "times the right value" not in out, out


def test_a_log_sum_exp_with_the_max_added_back_passes(engine, capsys):
    ok, out = run(a2.check_mlp_loss, make_mlp_loss(engine, "max added back"), engine["Var"],
                  capsys=capsys)
    assert ok, out


def test_a_single_number_is_compared_without_guessing_a_factor():
    assert a2.compare(2.0, 3.0) == "is wrong: expected 2, got 3 (relative error 0.33, tolerance 1e-06)"
    assert a2.compare(np.array([2.0]), np.array([-2.0])).startswith("is wrong: expected 2, got -2")
    assert "times the right value" in a2.compare(np.array([1.0, 2.0]), np.array([3.0, 6.0]))


def test_mlp_loss_names_an_unwritten_rule_of_the_engine(engine, capsys):
    engine["exp_backward"] = stub("exp_backward")
    ok, out = run(a2.check_mlp_loss, engine["mlp_loss"], engine["Var"], capsys=capsys)
    assert not ok and "Var.backward calls exp_backward, which is not implemented yet" in out


def test_mlp_loss_catches_a_wrong_rule_of_the_engine(engine, capsys):
    engine["relu_backward"] = relu_masks_out_grad
    ok, out = run(a2.check_mlp_loss, engine["mlp_loss"], engine["Var"], capsys=capsys)
    assert not ok and "dW1" in out and "compared with nnlesson's layers" in out


def test_train_reference_passes(engine, capsys):
    ok, out = run(a2.check_train, engine["train"], engine["Var"], capsys=capsys)
    assert ok and "same losses and parameters" in out


@pytest.mark.parametrize("mistake, phrase", [
    ("ascent", "the losses go up: step against"),
    ("rebinds", "the losses never change: update each parameter in place"),
    ("record after", "one step ahead"),
    ("Vars", "should return numbers, not Vars"),
    ("lr twice", "the list of losses is wrong at index"),  # r7: "the losses is wrong"
    ("new Vars", "the Vars you were given never changed: update each one in place"),  # r8
    ("swapped in the list", "the list now holds new Vars in place of the ones you were given"),
])
def test_wrong_training_loops_fail_and_name_the_problem(engine, mistake, phrase, capsys):
    ok, out = run(a2.check_train, make_train(engine, mistake), engine["Var"], capsys=capsys)
    assert not ok and phrase in out, out


@pytest.mark.parametrize("check", [a2.check_mlp_loss, a2.check_train])
def test_part_4_not_written_yet(check, engine, capsys):
    ok, out = run(check, stub("it"), engine["Var"], capsys=capsys)
    assert not ok and "it is not implemented yet" in out


def test_training_on_the_moons_matches_the_layers_and_draws_it(engine, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    plt.show = lambda: None  # keep the figure to inspect it (pytest's own process only)
    trained = a2.train_on_moons(engine["train"], engine["Var"])
    out = capsys.readouterr().out
    assert "training accuracy" in out and "nnlesson's layers, same start" in out
    assert [type(p).__name__ for p in trained] == ["Var"] * 4
    fig = plt.gcf()
    left, right = fig.axes[:2]
    yours, layers = (line.get_ydata() for line in left.get_lines())
    assert len(yours) == a2.MOONS["steps"] and np.max(np.abs(yours - layers)) < 1e-12
    assert yours[-1] < 0.5 * yours[0]  # the loss falls
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    # the shaded regions cover every data point and fill the axes (they stopped at x2 = -1.2,
    # under a point at -1.25: instructor review of A2)
    points = np.vstack([c.get_offsets() for c in right.collections if len(c.get_offsets())])
    (x_low, x_high), (y_low, y_high) = right.get_xlim(), right.get_ylim()
    assert np.all((points[:, 0] > x_low) & (points[:, 0] < x_high))
    assert np.all((points[:, 1] > y_low) & (points[:, 1] < y_high))
    # the grid contourf drew from: its first and last points are the axes' limits
    filled = [np.asarray(p.vertices) for c in right.collections if hasattr(c, "get_paths")
              for p in c.get_paths() if len(p.vertices)]
    corners = np.vstack(filled)
    np.testing.assert_allclose([corners[:, 0].min(), corners[:, 0].max(),
                                corners[:, 1].min(), corners[:, 1].max()],
                               [x_low, x_high, y_low, y_high])
    plt.close("all")

    a2.compare_gradients(engine["mlp_loss"], engine["Var"], trained)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6 and lines[-1].startswith(checks.PASS)
    for line in lines[1:5]:
        assert all(float(x) < a2.AGREE for x in line.split()[1:])


def test_the_training_helpers_say_not_implemented_and_return_none(engine, capsys):
    assert a2.train_on_moons(stub("train"), engine["Var"]) is None
    assert "train is not implemented yet" in capsys.readouterr().out
    assert a2.compare_gradients(stub("mlp_loss"), engine["Var"]) is None
    assert "mlp_loss is not implemented yet" in capsys.readouterr().out


# -- the notebook ----------------------------------------------------------------------------
def test_every_task_has_a_time_hidden_tests_and_points():
    import nbformat

    from nnlesson.teacher import nbgrader_notebook

    nb = nbformat.read(NOTEBOOK, as_version=4)
    _, exercises = nbgrader_notebook(nb, "A2")
    points = [p for _, p, _ in exercises]
    assert sum(points) == 38 and all(2 <= p <= 5 for p, (_, _, auto) in
                                     zip(points, exercises) if auto)
    import re

    lead = re.compile(r"^\*\*[^*]*?(\d+) min\)\.\*\*")  # CONVENTIONS point 1
    leads = [int(m.group(1)) for cell in nb.cells if cell.cell_type == "markdown"
             for paragraph in re.split(r"\n\s*\n", cell.source)
             for m in [lead.match(paragraph)] if m]
    assert len(leads) == len(exercises) == 15 and sum(leads) == 134


@pytest.mark.slow
def test_the_student_version_runs_top_to_bottom_with_every_check_not_implemented(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    from nnlesson.teacher import assign

    assign(NOTEBOOK, tmp_path / "student", log=lambda *a: None)
    nb = nbformat.read(tmp_path / "student" / NOTEBOOK.name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    verdicts = [line for cell in nb.cells if cell.cell_type == "code"
                for output in cell.get("outputs", []) if output.output_type == "stream"
                for line in output.text.splitlines()
                if line.startswith((checks.PASS, checks.FAIL))]
    errors = [o for cell in nb.cells for o in cell.get("outputs", [])
              if o.output_type == "error"]
    assert not errors
    assert len(verdicts) == 15  # 13 checks and the two helpers of Part 4
    assert all(line.startswith(checks.FAIL) and "is not implemented yet" in line
               for line in verdicts), verdicts


def test_numpy_arrays_on_the_left_of_a_var_give_a_var(engine):
    # Without __array_ufunc__ = None numpy would make an object array of Vars, element by element.
    Var = engine["Var"]
    product = np.ones((2, 3)) @ Var(np.ones((3, 1)))
    scaled = np.full(3, 2.0) * Var(np.arange(3.0))
    assert isinstance(product, Var) and product.data.shape == (2, 1)
    assert isinstance(scaled, Var) and scaled.data.tolist() == [0.0, 2.0, 4.0]


def test_a_graph_walk_using_the_wrong_attribute_is_told_the_attributes(engine, capsys):
    def backprop(root):
        for node in engine["topological_order"](root):
            node._backward()

    ok, out = run(a2.check_backprop, backprop, capsys=capsys)
    assert not ok and "has no attribute '_backward'" in out and "backward_rule" in out


def test_a_rule_right_except_where_the_known_mistake_is_infinite_gets_a_plain_verdict(capsys):
    # log's second case has a = 1, where the typical mistake out_grad / log(a) is infinite: no
    # known mistake matches, so the verdict names the worst element.
    def log_off_at_one(out_grad, a, out):
        return np.where(a == 1.0, 0.0, out_grad / a)

    ok, out = run(a2.check_log_backward, log_off_at_one, capsys=capsys)
    assert not ok and "small values and a = 1" in out and "is wrong at index (2,)" in out


def test_a_rule_taken_by_central_differences_is_not_accepted_as_derived(monkeypatch):
    """Review r6: a numerical helper passed every rule of Parts 1 and 2 but ReLU's, 18 points
    without deriving anything. Now each rule has a large case (too slow element by element) and
    log and tanh cases where central differences lose their digits."""
    def elementwise(f, h=1e-6):  # all elements at once: fast, but not exact where it matters
        return lambda g, a, out: g * (f(a + h) - f(a - h)) / (2 * h)

    assert not a2.check_tanh_backward(elementwise(np.tanh), quiet=True)
    assert not a2.check_log_backward(elementwise(np.log), quiet=True)

    def one_at_a_time(g, a, b, h=1e-6):  # a generic helper: exact enough, far too slow
        grads = []
        for k in range(2):
            args = [np.array(a, dtype=float), np.array(b, dtype=float)]
            d = np.zeros_like(args[k])
            for i in np.ndindex(d.shape):
                old = args[k][i]
                args[k][i] = old + h
                up = np.sum(g * args[0] * args[1])
                args[k][i] = old - h
                d[i] = (up - np.sum(g * args[0] * args[1])) / (2 * h)
                args[k][i] = old
            grads.append(d)
        return tuple(grads)

    monkeypatch.setattr(checks, "TIME_LIMIT", 0.5)  # the correct rules take milliseconds
    assert not a2.check_mul_backward(one_at_a_time, quiet=True)


STEP = 1e-5


@pytest.mark.parametrize("check, taken_numerically", [
    (a2.check_exp_backward,
     lambda g, a, out: g * (np.exp(a + STEP) - np.exp(a - STEP)) / (2 * STEP)),
    (a2.check_exp_backward,  # a smaller step: round-off instead of truncation
     lambda g, a, out: g * (np.exp(a + 1e-8) - np.exp(a - 1e-8)) / 2e-8),
    (a2.check_log_backward,  # a step relative to a, as near 0 it must be
     lambda g, a, out: g * (np.log(a * (1 + 1e-6)) - np.log(a * (1 - 1e-6))) / (2e-6 * a)),
    (a2.check_mul_backward, lambda g, a, b: (
        a2._reference_unbroadcast(g * ((a + STEP) * b - (a - STEP) * b) / (2 * STEP), np.shape(a)),
        a2._reference_unbroadcast(g * (a * (b + STEP) - a * (b - STEP)) / (2 * STEP),
                                  np.shape(b)))),
], ids=["exp", "exp small step", "log", "mul"])
def test_a_derivative_taken_numerically_over_whole_arrays_is_named(check, taken_numerically,
                                                                  capsys):
    # review r8: vectorised central differences passed Tasks 1.3, 2.3 and 2.4; the large case
    # now expects the formula's values to round-off (1e-12), which they do not reach
    assert not check(taken_numerically)
    out = capsys.readouterr().out
    assert "large" in out and "a derivative taken numerically? Write the rule's formula" in out


@pytest.mark.parametrize("check, formula", [
    (a2.check_exp_backward, lambda g, a, out: np.exp(a) * g),
    (a2.check_exp_backward, lambda g, a, out: g * out),
    (a2.check_log_backward, lambda g, a, out: g * np.reciprocal(a)),
    (a2.check_log_backward, lambda g, a, out: g * np.exp(-out)),
    (a2.check_log_backward, lambda g, a, out: np.divide(g, a)),
], ids=["exp(a) g", "g out", "reciprocal", "exp(-log a)", "divide"])
def test_the_formula_written_another_way_agrees_to_round_off(check, formula):
    assert check(formula, quiet=True)
