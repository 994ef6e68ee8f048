"""Wall and CPU time of the teacher's tool on the whole course, as a teacher runs it.

`nnlesson-assign notebooks OUT` (the student version of every lesson and assignment) and
`nnlesson course DIR` (a student's copy of the course), each a fresh process, against the least
any such tool pays: Python starting, reading every notebook as JSON and writing it back.
Target: each command under 2 s on a quiet 2-core machine.
Run: python benchmarks/assign_time.py [--quick]
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
COPY_JSON = f"""
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
out.mkdir()
for path in pathlib.Path({str(NOTEBOOKS)!r}).rglob("*.ipynb"):
    (out / path.name).write_text(json.dumps(json.loads(path.read_text()), indent=1))
"""
COMMANDS = {
    "read and write the notebooks as JSON": [sys.executable, "-c", COPY_JSON],
    "nnlesson-assign notebooks OUT": [sys.executable, "-m", "nnlesson.teacher", str(NOTEBOOKS)],
    "nnlesson course DIR": [sys.executable, "-m", "nnlesson", "course"],
}


def median_seconds(command, repeats):
    """Median wall and CPU seconds of ``command OUT`` (a new empty folder each time)."""
    walls, cpus = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([*command, str(Path(out) / "course")], check=True,
                           capture_output=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return float(np.median(walls)), float(np.median(cpus))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each (a smoke test)")
    args = parser.parse_args()
    repeats = 1 if args.quick else 7
    print(f"{'command':40} {'wall s':>7} {'CPU s':>7} {'x reference':>12}")
    results = {}
    for name, command in COMMANDS.items():
        wall, cpu = median_seconds(command, repeats)
        reference = results.setdefault("reference", wall)
        print(f"{name:40} {wall:7.2f} {cpu:7.2f} {wall / reference:12.2f}")
        results[name] = wall
    return results


if __name__ == "__main__":
    main()
