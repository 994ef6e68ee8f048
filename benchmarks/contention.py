"""The course and the train step on a crowded machine: quiet, then with N busy processes.

A shared Binder box or lab server runs other people's kernels on the same cores. This script
measures, in one run, the whole course (``course.py``: every lesson in a fresh kernel) and one
training step at both sizes of ``train_step.py`` (run as ``fit`` runs it, under nnlesson's thread
rule, see nnlesson/_threads.py): first on the machine as it is, then while N processes spin
(``while True: pass``), and prints each ratio loaded / quiet, for the course and each lesson.
Target: the course <= 1.25x.

The busy processes are started and stopped by this script, and each also stops itself after
``--max-seconds`` whatever happens to the script. "Quiet" means only what this script adds: the
load average printed at the start says how quiet the machine really was.
Run: python benchmarks/contention.py [--busy N] [--quick]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import course  # noqa: E402
import train_step  # noqa: E402

from nnlesson import _threads as threads  # noqa: E402

SPIN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def start_busy(n, seconds):
    """n processes that each keep one core busy, for at most ``seconds``."""
    return [subprocess.Popen([sys.executable, "-c", SPIN.format(seconds=seconds)])
            for _ in range(n)]


def stop_busy(processes):
    for p in processes:
        p.terminate()
    for p in processes:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def step_ms(name, repeats):
    """Median ms of one nnlesson SGD step of the given size, with fit's thread rule applied."""
    sizes, batch = train_step.SIZES[name]
    step = train_step.nnlesson_step(sizes, batch)
    work = batch * max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    with threads.limit_for(work):
        return train_step.median_ms(step, repeats)


def measure(paths, repeats):
    results = {f"  {path.stem} (s)": course.run(path)[0] for path in paths}
    results = {"course (s)": sum(results.values()), **(results if len(paths) > 1 else {})
               } if paths else {}
    for name in train_step.SIZES:
        reps = repeats if name == "teaching" else max(repeats // 5, 3)
        results[f"train step, {name} (ms)"] = step_ms(name, reps)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=None,
                        help="busy processes (default 2; 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="the train steps only, few repeats, one busy process (a smoke test "
                             "of this script; course.py --quick runs a lesson)")
    parser.add_argument("--max-seconds", type=float, default=900,
                        help="the busy processes stop themselves after this long (default 900)")
    args = parser.parse_args()
    paths = [] if args.quick else sorted(course.NOTEBOOKS.glob("*.ipynb"))
    if args.busy is None:
        args.busy = 1 if args.quick else 2
    repeats = 10 if args.quick else 300

    load = os.getloadavg()
    print(f"cores seen: {os.cpu_count()}, load average before: "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    quiet = measure(paths, repeats)
    busy = start_busy(args.busy, args.max_seconds)
    try:
        time.sleep(1)  # let them reach full speed
        loaded = measure(paths, repeats)
    finally:
        stop_busy(busy)

    print(f"{'':34} {'quiet':>9} {f'{args.busy} busy':>9} {'loaded/quiet':>13}")
    for key in quiet:
        print(f"{key:34} {quiet[key]:9.2f} {loaded[key]:9.2f} {loaded[key] / quiet[key]:13.2f}")
    return quiet, loaded


if __name__ == "__main__":
    main()
