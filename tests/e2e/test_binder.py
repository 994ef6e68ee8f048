"""Binder: the pinned environment installs in a fresh virtual environment and runs lesson 01.

This is what repo2docker does, minus Docker: install binder/requirements.txt (which installs this
repository with `-e .`), then run a lesson in that environment. Slow (about a minute): it is
marked `slow`, and .ci/run runs it with everything else.
"""

import re
import subprocess
import sys

import pytest
from conftest import ROOT, fresh_venv, run_notebook_in


def test_binder_files_exist_and_pin_exactly():
    requirements = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    packages = [line for line in requirements if line and not line.startswith("#")]
    assert "-e ." in packages
    assert all("==" in line for line in packages if line != "-e .")
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")


def test_binder_installs_the_cpu_build_of_the_torch_ci_installs():
    post_build = ROOT / "binder" / "postBuild"
    script = post_build.read_text()
    assert post_build.stat().st_mode & 0o100, "repo2docker runs postBuild only if executable"
    pinned = re.findall(r"torch==([\d.]+)", script)
    assert pinned and pinned == re.findall(r"torch==([\d.]+)", (ROOT / ".ci" / "run").read_text())
    assert "--index-url https://download.pytorch.org/whl/cpu" in script


@pytest.mark.slow
def test_lesson_01_runs_in_the_binder_environment(tmp_path):
    # repo2docker's base image brings the notebook server and kernel; add what runs one
    bin_ = fresh_venv(tmp_path / "binder-env", "-r", "binder/requirements.txt", "ipykernel",
                      "nbclient", "nbformat", cwd=ROOT)
    module_file, _, *versions = run_notebook_in(
        bin_, ROOT / "notebooks" / "01_fully_connected.ipynb", tmp_path)
    pins = dict(line.split("==") for line in (ROOT / "binder" / "requirements.txt").read_text()
                .splitlines() if "==" in line)
    assert versions == [pins["numpy"], pins["matplotlib"], pins["ipywidgets"], pins["jupytext"]]
    assert module_file.startswith(str(ROOT))  # the repository's own package, installed editable


def test_pre_commit_refuses_a_notebook_with_an_error_output(tmp_path):
    yaml = pytest.importorskip("yaml")
    import nbformat

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hook = next(h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "no-error-outputs")
    code = hook["entry"].split('"', 1)[1].rsplit('"', 1)[0]
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0", outputs=[
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                               traceback=[])])])
    nbformat.write(broken, tmp_path / "broken.ipynb")
    lessons = sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    bad = subprocess.run([sys.executable, "-c", code, str(tmp_path / "broken.ipynb")],
                         capture_output=True, text=True)
    good = subprocess.run([sys.executable, "-c", code, *lessons], capture_output=True, text=True)
    assert bad.returncode == 1 and "error output stored in" in bad.stdout
    assert good.returncode == 0, good.stdout
