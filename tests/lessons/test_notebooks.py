"""Notebook hygiene: pairs agree, outputs are stored and clean, randomness is seeded.

nbval (run by the same pytest command) re-executes every lesson and compares the outputs; these
tests catch what nbval cannot: a .py edited without its .ipynb, a notebook stored without outputs.
"""

import re

import jupytext
import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT, SOURCES, source_of

LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))
ASSIGNMENTS = sorted(NOTEBOOKS.glob("assignments/*.ipynb"))
ALL = LESSONS + ASSIGNMENTS
MAX_BYTES = 2_000_000
MAX_PNG_BYTES = 400_000


def cells(notebook):
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in notebook.cells]


def test_the_lessons_are_there_in_order():
    assert [p.stem[:2] for p in LESSONS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]


def test_the_three_assignments_are_there():
    assert [p.stem[:2] for p in ASSIGNMENTS] == ["A1", "A2", "A3"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_ipynb_and_py_agree(path):
    paired = source_of(path)
    assert paired.exists(), f"{path.name} has no paired {paired} (run: jupytext --sync {path})"
    from_ipynb = cells(jupytext.read(path))
    from_py = cells(jupytext.read(paired))
    for i, (a, b) in enumerate(zip(from_ipynb, from_py)):
        assert a == b, (
            f"cell {i} differs between {path.name} and {paired.name}: edit the .py, then run "
            f"jupytext --sync and re-execute the notebook"
        )
    assert len(from_ipynb) == len(from_py), f"{path.name} and {paired.name} have different cell counts"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_notebook_is_stored_executed_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "every code cell must be executed"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run top to bottom"
    assert sum(len(c.outputs) for c in code) >= len(code) // 2, "outputs are missing"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"stored error output: {errors[0].ename}: {errors[0].evalue}"
    stderr = [o.text for c in code for o in c.outputs if o.get("name") == "stderr"]
    assert not stderr, f"stored warnings or stderr output: {stderr[0][:200]}"
    assert nb.metadata.kernelspec.name == "python3"
    assert path.stat().st_size < MAX_BYTES
    pngs = [o.data["image/png"] for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert all(len(png) * 3 / 4 < MAX_PNG_BYTES for png in pngs), "an image is too large: lower its dpi"
    assert "widgets" not in nb.metadata, "stored widget state churns: execute with store_widget_state=False"
    # one print can reach Jupyter in two pieces (when it lands is timing); stored so, GitHub and
    # nbconvert show the rest of the line on a line of its own (review r8)
    split = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" for a, b in
             zip(c.outputs, c.outputs[1:]) if a.output_type == b.output_type == "stream"
             and a.name == b.name and not a.text.endswith("\n")]
    assert not split, f"cells {split} store a line of output in two pieces: re-execute"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_no_control_character_hides_in_a_cell(path):
    """A "\\a" written in a string that was not raw becomes the bell character: $\\alpha$ showed
    as "lpha" (lesson 08). Newlines are text, and tabs in code; every other control character is a
    slip, and so is a tab in prose: "\\t" of $\\tfrac14$, $\\theta$ or $\\times$ (lesson 10)."""
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
        allowed = "\t\n\r" if cell.cell_type == "code" else "\n\r"
        slips = sorted({f"U+{ord(ch):04X}" for ch in cell.source
                        if ord(ch) < 32 and ch not in allowed})
        assert not slips, f"{path.name}, cell {number}: control characters {slips}"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_randomness_is_seeded_explicitly(path):
    source = source_of(path).read_text()
    assert "np.random.seed" not in source, "use np.random.default_rng(seed), not the global seed"
    assert not re.search(r"default_rng\(\s*\)", source), "every default_rng needs a seed"
    unseeded = re.findall(r"np\.random\.(?:rand|randn|normal|uniform|randint|choice|shuffle)\(", source)
    assert not unseeded, f"global-state random calls: {unseeded}"


def test_students_see_one_file_per_lesson():
    """notebooks/ is what a student opens: the lessons' .ipynb and nothing else."""
    others = sorted(p.name for p in NOTEBOOKS.iterdir()
                    if p.suffix != ".ipynb" and p.name != "assignments")  # issue 19's folder
    assert not others, f"move these out of notebooks/ (a student sees them): {others}"
    sources = sorted(p.stem for p in SOURCES.glob("*.py"))
    assert sources == [p.stem for p in LESSONS], "every lesson has one source in lessons_src/"
    sources = sorted(p.stem for p in SOURCES.glob("assignments/*.py"))
    assert sources == [p.stem for p in ASSIGNMENTS], "every assignment has one source"
    others = sorted(p.name for p in (NOTEBOOKS / "assignments").iterdir() if p.suffix != ".ipynb")
    assert not others, f"move these out of notebooks/assignments/: {others}"


def test_pairing_comes_from_jupytext_toml_not_from_the_notebooks():
    """A lesson that carried its own `formats` would pair with a .py next to it again, in the
    repository and in every student's copy (`nnlesson course`)."""
    import subprocess
    import sys

    carrying = [p.name for p in ALL if "formats" in jupytext.read(p).metadata.get("jupytext", {})]
    assert not carrying, f"remove jupytext's 'formats' from the metadata of: {carrying}"
    for path in (LESSONS[0], SOURCES / f"{LESSONS[0].stem}.py"):
        # (jupytext 1.19 exits with 1 after listing the paths: the listing is what counts)
        done = subprocess.run([sys.executable, "-m", "jupytext", "--paired-paths", str(path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        other = SOURCES / f"{path.stem}.py" if path.suffix == ".ipynb" else LESSONS[0]
        listed = [(ROOT / line).resolve() for line in done.stdout.split()]
        assert listed == [other], done.stdout + done.stderr


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: p.stem)
def test_the_readme_states_each_assignments_points(path):
    from nnlesson.teacher import nbgrader_notebook

    _, exercises = nbgrader_notebook(nbformat.read(path, as_version=4), path)
    auto = sum(points for _, points, autograded in exercises if autograded)
    manual = sum(points for _, points, autograded in exercises if not autograded)
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.split("\n") if line.startswith(f"| `{path.stem}` |"))
    assert f"| {auto + manual:g} ({auto:g} + {manual:g}) |" in row, row[-80:]
