"""Peak memory and time of a training step with and without gradient checkpointing.

Depth 16 blocks (Linear 512 -> 512 + ReLU, 32 layers), batch 256, float32. Peak memory is what
tracemalloc sees numpy allocate during one forward + backward, above the model's own parameters.
Run: python benchmarks/memory.py [--quick]
"""

import argparse
import time
import tracemalloc

import numpy as np

import nnlesson as nl


def model(depth, width, checkpoint_every):
    rng = np.random.default_rng(0)
    layers = []
    for _ in range(depth):
        layers += [nl.Linear(width, width, rng=rng, dtype=np.float32), nl.ReLU()]
    return nl.Sequential(*layers, checkpoint_every=checkpoint_every)


def measure(depth, width, batch, checkpoint_every, repeats):
    net = model(depth, width, checkpoint_every)
    x = np.random.default_rng(1).standard_normal((batch, width)).astype(np.float32)
    dout = np.ones_like(x)

    def step():
        net(x)
        net.backward_params(dout)

    step()  # warm-up
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return peak, float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small network (a smoke test)")
    args = parser.parse_args()
    depth, width, batch, repeats = (4, 64, 32, 2) if args.quick else (16, 512, 256, 10)
    k = int(round(np.sqrt(2 * depth)))  # every sqrt(layers) layers
    print(f"depth {depth} blocks ({2 * depth} layers), width {width}, batch {batch}, float32")
    print(f"{'':24} {'peak MB':>8} {'step ms':>8}")
    plain = measure(depth, width, batch, None, repeats)
    ckpt = measure(depth, width, batch, k, repeats)
    for name, (peak, seconds) in [("no checkpointing", plain), (f"checkpoint_every={k}", ckpt)]:
        print(f"{name:24} {peak / 1e6:8.1f} {1000 * seconds:8.1f}")
    print(f"memory ratio {ckpt[0] / plain[0]:.2f}, time ratio {ckpt[1] / plain[1]:.2f}")
    return plain, ckpt


if __name__ == "__main__":
    main()
