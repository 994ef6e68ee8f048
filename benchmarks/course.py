"""Wall time and peak memory of executing every lesson headlessly, as a student's kernel would.

Each notebook runs in a fresh kernel (nbclient); a last cell added to a copy reads the kernel's
peak resident memory. Targets: each lesson under 20 s, all under 60 s, every kernel under 500 MB.
Run: python benchmarks/course.py [--quick] [NOTEBOOK ...]
"""

import argparse
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PEAK = "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def run(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    peak_kb = int(nb.cells[-1].outputs[0]["text"])  # Linux reports ru_maxrss in kilobytes
    return seconds, peak_kb / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the first lesson (smoke test)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.quick:
        paths = paths[:1]
    print(f"{'lesson':28} {'seconds':>8} {'peak MB':>8}")
    total, results = 0.0, {}
    for path in paths:
        seconds, peak = run(path)
        total += seconds
        results[path.stem] = (seconds, peak)
        print(f"{path.stem:28} {seconds:8.1f} {peak:8.0f}")
    print(f"{'total':28} {total:8.1f}")
    return results


if __name__ == "__main__":
    main()
