"""Slider-to-redraw time of every explorer, headless: median and worst of repeated moves.

Setting a control's value runs the redraw synchronously (update the artists, blit, encode the
PNG), exactly what happens when a student drags the slider. Each explorer is moved through its
values several rounds. The first visit of a setting does all the work (update, draw, encode the
PNG); a setting seen before is shown from the explorer's store of pictures (explorers with
few settings draw them all when built). Both are printed. Targets on a quiet machine: median
under 20 ms, worst under 40 ms. The load average printed first says how quiet it was; on a busy
machine the "cpu" column (this process's CPU time, the redraw runs on one thread) is closer to
what a quiet machine would show than the wall-clock times.
Run: python benchmarks/widget_latency.py [--quick]
"""

import argparse
import os
import time

import numpy as np

from nnlesson.graph import Tensor, cross_entropy
from nnlesson.viz import explorers as widgets


def backprop_example():
    rng = np.random.default_rng(0)
    W1, b1 = Tensor(rng.normal(size=(4, 3)), name="W1"), Tensor(np.zeros(4), name="b1")
    W2, b2 = Tensor(rng.normal(size=(2, 4)), name="W2"), Tensor(np.zeros(2), name="b2")
    x = Tensor(rng.normal(size=(1, 3)), name="x")
    return cross_entropy((x @ W1.T + b1).relu() @ W2.T + b2, np.array([1]))


EXPLORERS = [
    ("prelu_explorer", widgets.prelu_explorer, "alpha", [0.0, 0.25, 0.5, 0.75, 1.0, -0.3]),
    ("dropout_explorer", widgets.dropout_explorer, "p", [0.1, 0.3, 0.5, 0.7, 0.9]),
    ("activation_explorer", widgets.activation_explorer, "depth", [4, 8, 12, 16, 20, 24]),
    ("nonlinearity_explorer", widgets.nonlinearity_explorer, "width", [2, 4, 8, 16, 32]),
    ("early_stopping_explorer",
     lambda: widgets.early_stopping_explorer(np.linspace(1, 2, 60) + np.sin(np.arange(60)) / 5,
                                             np.linspace(0.6, 0.9, 60)),
     "patience", [2, 5, 8, 11, 14]),
    ("backprop_explorer", lambda: widgets.backprop_explorer(backprop_example()), "step",
     [1, 2, 3, 4, 5, 6]),
    ("init_explorer", widgets.init_explorer, "scale", [0.5, 0.75, 1.25, 1.5, 2.0, 2.5]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one pass (a smoke test)")
    args = parser.parse_args()
    rounds = 1 if args.quick else 5
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'':26} {'first visits (ms)':>29} {'all moves (ms)':>17}")
    print(f"{'explorer':26} {'median':>9} {'worst':>9} {'cpu':>9} {'median':>8} {'worst':>8} "
          f"{'moves':>6}")
    results = {}
    for name, make, control, values in EXPLORERS:
        explorer = make()
        slider = getattr(explorer, control)
        times, cpu = [], []
        for _ in range(rounds):
            for value in values:
                start, start_cpu = time.perf_counter(), time.process_time()
                slider.value = value
                times.append(1000 * (time.perf_counter() - start))
                cpu.append(1000 * (time.process_time() - start_cpu))
        first = times[:len(values)]  # each setting drawn for the first time
        results[name] = (float(np.median(first)), max(first),
                         float(np.median(cpu[:len(values)])), float(np.median(times)), max(times))
        print(f"{name:26} " + " ".join(f"{v:{w}.1f}" for v, w in zip(results[name],
                                                                      (9, 9, 9, 8, 8)))
              + f" {len(times):6d}")
    return results


if __name__ == "__main__":
    main()


# -- the playground: one animation frame (its training plus the redraw) ------------------------
def playground_frame(frames=40):
    """Median time of one playground frame at Playground's default size, unit heatmaps on.

    The default: circle data, 500 points (250 for training, batch size 10: 25 SGD steps per
    epoch), hidden layers of 4 and 2 tanh units, one epoch per frame. Target: median <= 20 ms
    (#29's bar). Printed beside it, measured in the same run: the training alone, the redraw
    alone, and encoding the PNG alone (the floor of any redraw); each as wall-clock and as this
    process's CPU time (one thread: on a busy machine the CPU time is the closer estimate of a
    quiet machine's wall-clock time).

    Where a redraw's time goes (cProfile, 2026-12-07): the output map and the unit maps
    (resampling), the header's text (re-drawn every frame, without hinting: half the time),
    the links, and the PNG (zlib level 1 on about 1.2 MB of RGB rows). The data points are
    not drawn again: their pixels, drawn once per layout, are pasted (``_blit.Blitter``).
    """
    import io

    import PIL.Image

    from nnlesson.viz._png import png_bytes
    from nnlesson.viz.playground import playground

    pg = playground(n=500, hidden=[4, 2], unit_heatmaps=True, epochs_per_frame=1)
    for _ in range(5):  # warm up (first draw, caches)
        pg.step()
    pixels = np.asarray(PIL.Image.open(io.BytesIO(pg.image.value)).convert("RGBA"))
    times = {name: ([], []) for name in ("frame (train + redraw)", "train one epoch", "redraw",
                                         "encode the PNG only")}

    def timed(name, work):
        wall, cpu = times[name]
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))

    for _ in range(frames):
        timed("frame (train + redraw)", pg.step)  # what one tick of the Play timer does
        timed("train one epoch", pg.run.train_epoch)
        timed("redraw", pg.redraw)
        timed("encode the PNG only", lambda: png_bytes(pixels))
    print(f"\nplayground frame at the default size ({frames} frames, epoch {pg.epoch}; "
          "load average: {:.2f} {:.2f} {:.2f}):".format(*os.getloadavg()))
    print(f"{'part':26} {'median ms':>10} {'worst ms':>9} {'cpu ms':>7}")
    for name, (wall, cpu) in times.items():
        print(f"{name:26} {np.median(wall):10.1f} {max(wall):9.1f} {np.median(cpu):7.1f}")
    frame = float(np.median(times["frame (train + redraw)"][0]))
    frame_cpu = float(np.median(times["frame (train + redraw)"][1]))
    print(f"frame / PNG encoding: {frame / np.median(times['encode the PNG only'][0]):.1f}x; "
          f"target: frame median <= 20 ms: {'met' if frame <= 20 else 'NOT met'} "
          f"(cpu median {frame_cpu:.1f} ms)")
    return frame


if __name__ == "__main__":
    import sys

    playground_frame(frames=5 if "--quick" in sys.argv else 40)
