"""Each benchmark still runs (with --quick, tiny sizes). No timing is asserted here."""

import subprocess
import sys

import pytest
from conftest import ROOT

BENCHMARKS = sorted((ROOT / "benchmarks").glob("*.py"))


def test_every_benchmark_is_listed_in_its_readme():
    readme = (BENCHMARKS[0].parent / "README.md").read_text()
    assert len(BENCHMARKS) == 8
    for script in BENCHMARKS:
        assert f"`{script.name}`" in readme


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_runs_and_prints_a_table(script):
    done = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines and any(ch.isdigit() for ch in done.stdout)
