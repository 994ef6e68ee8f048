"""One SGD step of a ReLU MLP in float32: nnlesson vs hand-written numpy vs PyTorch (if installed).

A step is forward, softmax cross-entropy, backward and the parameter update. Both numpy versions do
the same math; the difference is nnlesson's layers, checks and bookkeeping. Prints the median time
of repeated steps after a warm-up, the ratios, GFLOP/s, and the machine's float32 matmul GFLOP/s
(the ceiling). The two numpy steps run in alternation (one of each, then again), so that a change
in the machine's load hits them alike; PyTorch is timed on its own afterwards, since its OpenMP
threads keep spinning after each of its steps and would slow whichever step came next.
Run: python benchmarks/train_step.py [--quick]
"""

import argparse
import time

import numpy as np

import nnlesson as nl

SIZES = {"teaching": ([2, 16, 16, 2], 32), "realistic": ([784, 256, 256, 10], 256)}


def median_ms(step, repeats, warmup=20):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def interleaved_ms(steps, repeats, warmup=20):
    """Median ms of each step in ``steps`` (a dict), timing one of each in turn, repeatedly."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * float(np.median(t)) for name, t in times.items()}


def data(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    return X, y


def nnlesson_step(sizes, batch, lr=0.01):
    rng = np.random.default_rng(1)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nl.Linear(n_in, n_out, rng=rng, dtype=np.float32))
        if i < len(sizes) - 2:
            layers.append(nl.ReLU())
    model = nl.Sequential(*layers)
    loss_fn, opt = nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=lr)
    X, y = data(sizes, batch)

    def step():
        loss_fn(model(X), y)
        model.backward_params(loss_fn.backward())  # as fit does: no gradient for the data
        opt.step()

    return step


def numpy_step(sizes, batch, lr=0.01):
    """The same step written out by hand: no classes, no checks."""
    rng = np.random.default_rng(1)
    Ws = [(rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)).astype(np.float32)
          for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(n_out, dtype=np.float32) for n_out in sizes[1:]]
    X, y = data(sizes, batch)
    rows = np.arange(batch)

    def step():
        inputs, h = [], X
        for i, (W, b) in enumerate(zip(Ws, bs)):
            inputs.append(h)
            h = h @ W.T + b
            if i < len(Ws) - 1:
                h = np.maximum(h, 0)
        z = h - h.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[rows, y] -= 1
        d = p / batch
        for i in reversed(range(len(Ws))):
            dW, db = d.T @ inputs[i], d.sum(axis=0)
            if i:
                d = (d @ Ws[i]) * (inputs[i] > 0)
            Ws[i] -= lr * dW
            bs[i] -= lr * db

    return step


def torch_step(sizes, batch, lr=0.01):
    import torch

    torch.manual_seed(1)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    X, y = data(sizes, batch)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()

    return step


def flops(sizes, batch):
    """Multiply-adds x 2 of the matrix products: 1 forward + 2 backward per layer."""
    return sum(3 * 2 * batch * n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def matmul_gflops(n=1024, repeats=10):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    ms = median_ms(lambda: a @ a, repeats, warmup=3)
    return 2 * n ** 3 / (ms / 1000) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (a smoke test)")
    args = parser.parse_args()
    repeats = 5 if args.quick else 300
    try:
        import torch

        torch.set_num_threads(2)
        have_torch = True
    except ImportError:
        have_torch = False

    print(f"{'size':10} {'nnlesson ms':>12} {'numpy ms':>9} {'torch ms':>9} "
          f"{'nnl/numpy':>10} {'torch/nnl':>10} {'nnl GFLOP/s':>12}")
    results = {}
    for name, (sizes, batch) in SIZES.items():
        reps = repeats if name == "teaching" else max(repeats // 2, 3)
        steps = {"ours": nnlesson_step(sizes, batch), "plain": numpy_step(sizes, batch)}
        ms = interleaved_ms(steps, reps)
        ours, plain = ms["ours"], ms["plain"]
        theirs = median_ms(torch_step(sizes, batch), reps) if have_torch else float("nan")
        gflops = flops(sizes, batch) / (ours / 1000) / 1e9
        results[name] = (ours, plain, theirs)
        print(f"{name:10} {ours:12.3f} {plain:9.3f} {theirs:9.3f} {ours / plain:10.2f} "
              f"{theirs / ours:10.2f} {gflops:12.1f}")
    print(f"float32 matmul 1024 x 1024: {matmul_gflops(repeats=3 if args.quick else 10):.0f} "
          f"GFLOP/s (the ceiling)")
    if not have_torch:
        print("(PyTorch is not installed: its column is nan. pip install torch to fill it.)")
    return results


if __name__ == "__main__":
    main()
