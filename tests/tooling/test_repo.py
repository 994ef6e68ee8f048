"""Repository promises: the README's test command is what CI runs."""

import re
import subprocess

from conftest import ROOT


def readme_commands():
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def ci_test_line():
    """The line of .ci/run that runs the README's test command, and that command."""
    tests = [c for c in readme_commands() if "pytest" in c]
    assert len(tests) == 1, tests
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    found = [line for line in ci_lines if line.startswith(tests[0])]
    assert len(found) == 1, f".ci/run does not run {tests[0]!r} word for word"
    return found[0], tests[0]


def test_ci_runs_the_readme_test_command():
    line, command = ci_test_line()
    assert line in (command, f"{command} || status=$?")


def test_ci_keeps_the_status_of_a_failed_install_or_test_run():
    # under `set -e` a failure on the left of `&&` does not stop a script: a failed install
    # would skip the tests and CI would exit 0 (review r7); the line must keep the status
    line, _ = ci_test_line()
    for pip, pytest in [(1, 0), (0, 1), (0, 0)]:
        script = (f"set -euo pipefail\npip() {{ return {pip}; }}\npython() {{ return {pytest}; }}\n"
                  f"status=0\n{line}\necho \"status $status\"")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
        assert ("status 0" in done.stdout) == (pip == pytest == 0), (pip, pytest, done)
    assert 'exit "$status"' in (ROOT / ".ci" / "run").read_text()


def test_readme_lists_every_lesson():
    readme = (ROOT / "README.md").read_text()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"`{notebook.stem}`" in readme, notebook.name


def test_ruff_finds_nothing():
    import subprocess
    import sys

    # ruff from this Python's environment, where the test extra installs it: a missing ruff
    # fails here instead of skipping without a word
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert "No module named ruff" not in done.stderr, "ruff is in the test extra: pip install -e \".[test]\""
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


# The repository's address: one setting in pyproject.toml, and tools/fork.py rewrites every link.
COURSE_LINK = re.compile(r"(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github|"
                         r"git\+https://github\.com)/([\w.-]+/[\w.-]+?)(?=\.git\b|[^\w.-]|$)")


def load_fork():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fork", ROOT / "tools" / "fork.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def course_links(root):
    """(file, OWNER/NAME) for every Binder, Colab and pip-from-git link in the course."""
    return [(path.relative_to(root).as_posix(), match.group(1))
            for path in load_fork().course_files(root)
            for match in COURSE_LINK.finditer(path.read_text(encoding="utf-8"))]


def test_every_link_points_at_the_repository_setting():
    setting = load_fork().repository(ROOT)
    links = course_links(ROOT)
    wrong = [(path, target) for path, target in links if target != setting]
    assert not wrong, f"links that disagree with pyproject's Repository ({setting}): {wrong}"
    linked = {path for path, _ in links}
    assert "README.md" in linked  # the Binder badge and the Colab links
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    missing = [name for name in lessons if f"notebooks/{name}" not in linked]
    assert not missing, f"lessons without the install cell's link: {missing}"


def test_fork_rewrites_every_link_and_nothing_else(tmp_path):
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "dist",
                                                              "*.egg-info", "__pycache__"))
    old = load_fork().repository(ROOT)
    before = {p: p.read_text(encoding="utf-8") for p in load_fork().course_files(copy)}
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "fork.py"), "a-teacher/nn.course",
                           "--root", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert load_fork().repository(copy) == "a-teacher/nn.course"
    links = course_links(copy)
    assert links and all(target == "a-teacher/nn.course" for _, target in links), links
    for path, text in before.items():
        after = path.read_text(encoding="utf-8")
        changed = [(a, b) for a, b in zip(text.splitlines(), after.splitlines()) if a != b]
        assert len(text.splitlines()) == len(after.splitlines()), path
        assert all(a.replace(old, "a-teacher/nn.course") == b for a, b in changed), (path, changed)
    if (copy / "notebooks").exists():
        import nbformat

        for notebook in (copy / "notebooks").glob("*.ipynb"):
            nbformat.validate(nbformat.read(notebook, as_version=4))  # still valid JSON


def test_fork_refuses_an_address_that_is_not_owner_slash_name(tmp_path):
    import subprocess
    import sys

    for bad in ["nnlesson", "https://github.com/a/b", "a/b.git"]:
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "fork.py"), bad, "--root",
                               str(tmp_path)], capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and "expected OWNER/NAME" in done.stderr, (bad, done.stderr)


def test_the_readme_counts_the_lessons_exercises_and_points_as_they_are():
    """"33 of the 34 code exercises give the default 1 point ... each of the 38 written answers":
    recounted from the lessons' markers, so an added exercise cannot leave the README behind."""
    import jupytext

    from nnlesson.teacher import parse_cell

    code, written, points = 0, 0, []
    for source in sorted((ROOT / "lessons_src").glob("[0-9]*.py")):
        for cell in jupytext.read(source).cells:
            parsed = parse_cell(cell.source)
            if parsed.solutions or parsed.hidden:
                code += cell.cell_type == "code"
                written += cell.cell_type == "markdown"
                if cell.cell_type == "code":
                    points.append(1 if parsed.points is None else parsed.points)
    readme = " ".join((ROOT / "README.md").read_text().split())
    ones = points.count(1)
    assert (f"In the lessons, {ones} of the {code} code exercises give the default 1 point"
            in readme), (ones, code)
    assert f'lessons_src/*.py` counts {code}' in readme
    assert f"each of the {written} written answers gives 1" in readme, written



CORE_MODULES = ("layers", "activations", "losses", "optim", "train", "gradcheck", "checkpoint",
                "graph")


def test_the_readme_states_the_core_size_as_it_is_and_it_stays_small():
    # issue 25: the core a student reads stays under 2,250 lines (its size before the checks
    # and speed tweaks moved out); the README's figure is the `wc -l` it names
    lines = sum(len((ROOT / "nnlesson" / f"{m}.py").read_text().splitlines()) for m in CORE_MODULES)
    readme = " ".join((ROOT / "README.md").read_text().split())
    stated = re.search(r"What a student reads is eight modules, ([\d,]+) lines", readme)
    assert stated and int(stated.group(1).replace(",", "")) == lines, (stated, lines)
    assert "wc -l nnlesson/{" + ",".join(CORE_MODULES) + "}.py" in readme
    assert lines < 2250
