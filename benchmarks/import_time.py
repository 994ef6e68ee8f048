"""Wall time of `python -c "import nnlesson"` as a ratio to `python -c "import numpy"`.

Plots and widgets load on first use, so importing nnlesson should cost little more than numpy.
Target: under 1.5x. Run: python benchmarks/import_time.py [--quick]
"""

import argparse
import subprocess
import sys
import time

import numpy as np


def median_seconds(code, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (a smoke test)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 21
    median_seconds("import nnlesson", 2)  # warm the file cache
    python = median_seconds("pass", repeats)
    numpy = median_seconds("import numpy", repeats)
    ours = median_seconds("import nnlesson", repeats)
    print(f"python -c pass:            {1000 * python:6.1f} ms")
    print(f"python -c 'import numpy':    {1000 * numpy:6.1f} ms")
    print(f"python -c 'import nnlesson': {1000 * ours:6.1f} ms")
    print(f"ratio nnlesson / numpy:      {ours / numpy:6.2f}")
    return ours / numpy


if __name__ == "__main__":
    main()
