"""Time of gradcheck on a 2-layer MLP with about 1,000 parameters. Target: under 1 s.

Run: python benchmarks/gradcheck_time.py [--quick]
"""

import argparse
import time

import numpy as np

import nnlesson as nl


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run (a smoke test)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(20, 40, rng=rng), nl.Tanh(), nl.Linear(40, 5, rng=rng))
    n_params = sum(p.data.size for p in model.parameters())
    X, y = rng.standard_normal((16, 20)), rng.integers(0, 5, size=16)
    times = []
    for _ in range(1 if args.quick else 5):
        start = time.perf_counter()
        report = nl.gradcheck(model, X, nl.SoftmaxCrossEntropy(), y)
        times.append(time.perf_counter() - start)
    print(f"gradcheck of a {n_params}-parameter MLP (batch 16): {float(np.median(times)):.3f} s "
          f"(median of {len(times)}), max relative error {report.max_error:.1e}, "
          f"passed: {report.passed}")
    return float(np.median(times))


if __name__ == "__main__":
    main()
