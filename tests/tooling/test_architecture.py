"""The rooms of the package: the core a student reads imports none of the tooling.

- core: the modules directly in ``nnlesson/`` (layers, losses, training, the autodiff engine...);
  they import only the standard library, numpy and threadpoolctl, and each other;
- ``nnlesson.viz`` (pictures) and ``nnlesson.checks`` (exercise checks) build on the core;
- ``nnlesson.teacher`` (the teacher's tool) imports nothing from nnlesson at all, so that it can
  prepare any course's notebooks;
- ``nnlesson.bridge`` (``to_torch``, ``from_torch``) imports the core and torch, nothing from the
  other rooms, and torch only inside the functions that need it.

Every import counts, also one written inside a function, with two exemptions: ``__main__.py`` (the
command line's front door) and the single lazy import in ``nnlesson/__init__.py``'s module-level
``__getattr__``, the front door of ``nnlesson.to_torch`` / ``nnlesson.from_torch``: it imports
``nnlesson.bridge`` on first use, so ``import nnlesson`` imports neither the bridge nor torch
(checked below in a fresh interpreter).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nnlesson"
# __main__.py is the front door of `nnlesson` / `python -m nnlesson`, not code a student reads:
# its `course` command hands over to the teacher tool, since the student's copy of the lessons is
# the student version that tool writes (nnlesson/teacher/course.py).
CORE = sorted(p for p in PACKAGE.glob("*.py") if p.name != "__main__.py")
THIRD_PARTY_IN_CORE = {"numpy", "threadpoolctl"}
ROOMS = ("viz", "checks", "teacher", "bridge")
INIT = PACKAGE / "__init__.py"


def imports(path, skip_front_door=True):
    """Absolute names of every module ``path`` imports (relative imports resolved); without what
    ``nnlesson/__init__.py``'s ``__getattr__`` imports, unless ``skip_front_door=False``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts if path.name == "__init__.py" else parts[:-1]
    if package[-1:] == ["__init__"]:
        package = package[:-1]
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    if path == INIT and skip_front_door:
        tree.body = [node for node in tree.body if getattr(node, "name", "") != "__getattr__"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # from . import x: x may be a module
                found.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                found.add(module)
    return found


def test_the_rooms_exist():
    for room in ROOMS:
        assert (PACKAGE / room / "__init__.py").exists(), room
    assert {p.stem for p in CORE} >= {"layers", "losses", "optim", "train", "graph", "gradcheck"}


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_a_core_module_imports_no_tooling(path):
    for name in imports(path):
        top = name.split(".")[0]
        if top == "nnlesson":
            room = name.split(".")[1] if "." in name else ""
            assert room not in ROOMS, f"{path.name} imports {name}: the core must not use {room}"
        else:
            assert top in sys.stdlib_module_names or top in THIRD_PARTY_IN_CORE, (
                f"{path.name} imports {name}: the core needs only numpy and threadpoolctl"
            )


@pytest.mark.parametrize("path", sorted((PACKAGE / "teacher").glob("*.py")), ids=lambda p: p.name)
def test_the_teacher_tool_imports_nothing_from_nnlesson(path):
    own = {name for name in imports(path) if name.startswith("nnlesson")}
    assert all(name.startswith("nnlesson.teacher") for name in own), own


@pytest.mark.parametrize("path", sorted((PACKAGE / "viz").glob("*.py")), ids=lambda p: p.name)
def test_the_pictures_do_not_import_checks_or_teacher(path):
    for name in imports(path):
        assert not name.startswith(("nnlesson.checks", "nnlesson.teacher")), (path.name, name)


def test_the_import_finder_sees_relative_and_nested_imports():
    names = imports(PACKAGE / "viz" / "explorers.py")
    assert "nnlesson.layers" in names and "nnlesson._threads" in names
    assert "nnlesson.viz.graph_draw" in names


def front_door():
    """The imports inside ``nnlesson/__init__.py``'s module-level ``__getattr__``."""
    tree = ast.parse(INIT.read_text())
    (function,) = [n for n in tree.body if getattr(n, "name", "") == "__getattr__"]
    return {ast.unparse(n) for n in ast.walk(function) if isinstance(n, (ast.Import, ast.ImportFrom))}


def test_the_front_door_imports_the_bridge_only():
    assert front_door() == {"from . import bridge"}
    assert imports(INIT, skip_front_door=False) - imports(INIT) == {"nnlesson.bridge"}


@pytest.mark.parametrize("path", sorted((PACKAGE / "bridge").glob("*.py")), ids=lambda p: p.name)
def test_the_bridge_imports_the_core_and_torch_only(path):
    for name in imports(path):
        top = name.split(".")[0]
        if top == "nnlesson":
            room = name.split(".")[1] if "." in name else ""
            assert room not in ROOMS or room == "bridge", (path.name, name)
        else:
            assert top in sys.stdlib_module_names or top in {"numpy", "torch"}, (path.name, name)
    tree = ast.parse(path.read_text())
    top_level = {ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
    assert not any("torch" in line for line in top_level), "torch only inside the functions"


def test_importing_nnlesson_imports_neither_the_bridge_nor_torch():
    code = ("import sys, nnlesson; loaded = [m for m in ('torch', 'nnlesson.bridge') "
            "if m in sys.modules]; print(loaded); assert not loaded; "
            "assert callable(nnlesson.to_torch) and 'nnlesson.bridge' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stdout + done.stderr


UNIT_TESTS = PACKAGE.parent / "tests" / "unit"
# what the core lane has (pip install -e ".[unit]": numpy, threadpoolctl, pytest, hypothesis),
# its own helper module, and the core; torch only through pytest.importorskip
UNIT_LANE_HAS = {"numpy", "threadpoolctl", "pytest", "hypothesis", "unit_helpers", "nnlesson"}


@pytest.mark.parametrize("path", sorted(UNIT_TESTS.glob("*.py")), ids=lambda p: p.name)
def test_the_core_tests_import_only_what_the_core_lane_installs(path):
    # .ci/run runs tests/unit on three other Pythons with the `unit` extra alone: a core test
    # that imported nnlesson.viz (matplotlib) failed there and nowhere else (this session)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    outside = sorted(name for name in found if name.split(".")[0] not in UNIT_LANE_HAS
                     and name.split(".")[0] not in sys.stdlib_module_names
                     or name.split(".")[:2] in (["nnlesson", room] for room in ROOMS))
    assert not outside, f"{path.name} imports {outside}, which the core lane does not install"
