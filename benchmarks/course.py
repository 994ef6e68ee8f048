"""Wall time and peak memory of executing every lesson headlessly, as a student's kernel would.

Each notebook runs in a fresh kernel (nbclient); a last cell added to a copy reads the kernel's
peak resident memory and the CPU time it used. Targets (wall time, quiet machine): each lesson
under 20 s, all under 60 s, every kernel under 500 MB. The kernel's CPU seconds change less than
the wall time when other work shares the cores: compare those between runs on a busy machine.
Run: python benchmarks/course.py [--quick] [NOTEBOOK ...]
"""

import argparse
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PEAK = ("import resource\nusage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)")


def run(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    peak_kb, cpu = nb.cells[-1].outputs[0]["text"].split()  # ru_maxrss in kilobytes on Linux
    return seconds, int(peak_kb) / 1024, float(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the first lesson (smoke test)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.quick:
        paths = paths[:1]
    print(f"{'lesson':28} {'seconds':>8} {'peak MB':>8} {'kernel CPU s':>13}")
    total, total_cpu, results = 0.0, 0.0, {}
    for path in paths:
        seconds, peak, cpu = run(path)
        total, total_cpu = total + seconds, total_cpu + cpu
        results[path.stem] = (seconds, peak, cpu)
        print(f"{path.stem:28} {seconds:8.1f} {peak:8.0f} {cpu:13.1f}")
    print(f"{'total':28} {total:8.1f} {'':8} {total_cpu:13.1f}")
    return results


if __name__ == "__main__":
    main()
