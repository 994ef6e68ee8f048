"""The assignments' instant checks compare with stored values, and the package holds no answer.

``tools/expected_values.py`` computes the stored cases with reference solutions that live only
in tools/; the checks in nnlesson/checks load them (issue 26, item 3). Here: the stored files are
exactly what the script writes (regenerated in a temporary folder), and the checks' source holds
none of the graded tasks' key operations (so ``a1.check_linear_backward??`` shows inputs and
numbers, never the answer).
"""

import ast
import importlib.util
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import nnlesson as nl
from nnlesson import checks
from nnlesson.checks import a1, a2, a3

ROOT = Path(__file__).resolve().parents[2]
STORED = ROOT / "nnlesson" / "checks" / "expected"


def tool():
    spec = importlib.util.spec_from_file_location("expected_values",
                                                  ROOT / "tools" / "expected_values.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stored_cases_are_what_the_tool_writes(tmp_path):
    written = tool().write(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in STORED.glob("*.npz"))
    for path in written:
        with np.load(path) as fresh, np.load(STORED / path.name) as kept:
            assert sorted(fresh.files) == sorted(kept.files), path.name
            for key in fresh.files:
                a, b = fresh[key], kept[key]
                assert a.dtype == b.dtype and a.shape == b.shape, key
                # floats to 1e-9 (another machine's BLAS may differ in the last bits, which a
                # central difference divides by its eps of 1e-6; a stale stored value differs
                # by far more, and the checks' own tolerance is 1e-6), everything else exactly
                same = (np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)
                        if a.dtype.kind == "f" else np.array_equal(a, b))
                assert same, (
                    f"{path.name}: {key} differs from what tools/expected_values.py computes: "
                    f"rerun it and commit the .npz files")


def test_the_stored_files_are_small_and_travel_with_the_package():
    sizes = {p.name: p.stat().st_size for p in STORED.glob("*.npz")}
    assert sizes and all(size < 200_000 for size in sizes.values()), sizes
    assert '"nnlesson.checks.expected" = ["*.npz"]' in (ROOT / "pyproject.toml").read_text()


def test_stored_gives_fresh_copies_and_names_a_missing_check():
    first = checks.stored("a1", "linear_forward")[0]
    first["x"][...] = 0  # a student's function that changes its input changes nothing stored
    assert np.any(checks.stored("a1", "linear_forward")[0]["x"])
    assert isinstance(first["label"], str) and isinstance(first["speed"], bool)
    with pytest.raises(KeyError, match="no cases for 'nothing' in a1.npz"):
        checks.stored("a1", "nothing")


# Each graded task of assignment 1 and the operations that compute its answer (source with all
# whitespace removed). A mistake the checks recognise is stored as its result, or written with
# other operations than the answer's.
A1_ANSWERS = {
    "Task 1.1 (x @ W.T + b)": r"@\w+\.T\+",
    "Task 1.2 (dout.T @ x, dout @ W)": r"\w+\.T@\w+|dout@W\b(?!\.)",
    "Task 1.2 (the sum over the batch)": r"\.sum\(axis=0\)",
    "Task 2.1 (max(x, 0))": r"np\.maximum\(\w+,0",
    "Task 2.1 (dout * (x > 0))": r"\*\(\w+>0\)",
    "Task 3.1 (softmax, log)": r"np\.exp\(|np\.log\(|logsumexp",
    "Task 4.1 (the relative error)": r"np\.max\(np\.abs\(",
    "Task 5.1 (the shuffled order)": r"permutation\((n|len\()",
    "Task 5.2 (v = momentum * v + g)": r"momentum\*\w+\+",
}


class _NoText(ast.NodeTransformer):
    """Strings (messages, docstrings) out: they may name the answer; only code computes it."""

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):
        return ast.Constant("")


def code_of(module):
    """A module's code, strings emptied and all whitespace removed (for A2, its Parts 1-3: Part
    4 runs the formula its statement gives with nnlesson's own layers; see a2's docstring)."""
    source = inspect.getsource(module)
    if module is a2:
        source = source[:source.index("# -- Part 4")]
    tree = _NoText().visit(ast.parse(source))
    return re.sub(r"\s+", "", ast.unparse(tree))


A3_ANSWERS = {
    "Task 1.1 (the mask rng.random(x.shape) >= p)": r"\.random\([^)]*\)>=p",
    "Task 1.1, 1.2 (the scale 1 / (1 - p))": r"/\(1-p\)",
    "Task 1.2 (dout * mask)": r"dout\*mask",
    "Task 2.1 (the patience rule)": r"wait>=patience|<best-min_delta",
    "Task 2.1 (nnlesson's own rule, called)": r"EarlyStopping\(",
    "Task 3.1 (lam * sum(W**2) and 2 * lam * W)": r"2\*lam\*|\*\*2\)",
}
# Assignment 2's backward rules (its Parts 3 and 4 compare with nnlesson's own engine and layers,
# public code that computes no part of the student's engine in the check's source)
A2_ANSWERS = {
    "Task 1.2, 1.3 (the rules of add and mul)": r"\(g,g\)|g\*b,g\*a",
    "Task 2.1 (out_grad @ b.T, a.T @ out_grad)": r"@\w+\.T\b|\w+\.T@",
    "Task 2.2 (np.expand_dims)": r"expand_dims\(",
    "Task 2.3-2.6 (the local derivatives)": r"lambdaa:1/a|np\.tanh\(a\)\*\*2|\(a>0\)\.astype",
}
ANSWERS = [(a1, task, pattern) for task, pattern in A1_ANSWERS.items()] + \
          [(a2, task, pattern) for task, pattern in A2_ANSWERS.items()] + \
          [(a3, task, pattern) for task, pattern in A3_ANSWERS.items()]


@pytest.mark.parametrize("module, task, pattern", ANSWERS,
                         ids=[f"{m.__name__[-2:]} {t}" for m, t, _ in ANSWERS])
def test_no_function_of_the_assignments_checks_computes_a_graded_answer(module, task, pattern):
    found = re.findall(pattern, code_of(module))
    assert not found, f"{module.__file__} computes {task}: {found}"


def test_the_stored_stopping_epochs_are_nnlessons_rule():
    """The tool's reference and the package's EarlyStopping agree on every stored case."""
    for case in checks.stored("a3", "early_stopping"):
        replay = nl.EarlyStopping(case["patience"], case["min_delta"]).replay(case["losses"])
        assert list(replay) == case["expected"], case["label"]


def test_the_reference_functions_left_the_package():
    for module, name in [(a1, "_log_softmax"), (a1, "_cross_entropy"), (a1, "_rel_error"),
                         (a1, "_momentum_reference"), (a1, "_mlp_reference"),
                         (a1, "_linear_data"), (a3, "_stopping"), (a3, "_l2_reference"),
                         (a3, "_keep"), (a3, "_dropout_forward_mistakes")]:
        assert not hasattr(module, name), name
    # ... and live in the tool, which the checks' tests may use
    assert {"softmax_cross_entropy", "rel_error", "momentum_steps",
            "mlp_loss_and_grads"} <= set(vars(tool()))
