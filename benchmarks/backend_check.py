"""The same walks in numpy and in another array library: how far apart, how fast.

Run it where the other library lives (``--backend cupy`` on a GPU; the tests run it
with ``array_api_strict``). For each problem it runs one sample of walks twice, from
the same seed, and prints

- the walks whose weights stay identical to numpy's at every recorded step (a walk
  parts from numpy's only when some gradient component differs in sign: near zero,
  where the two libraries' rounding decides),
- the largest relative difference of Et, Eg and the gradient norm while the weights
  are still identical (rounding only),
- the share of curvature classes equal to numpy's (a point whose eigenvalue lies
  within rounding of the zero tolerance may fall either side),
- milliseconds per walk-step in each (one process; a GPU wants many walks at once).

    python benchmarks/backend_check.py --backend cupy [--problems iris,heart,mnist]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

import lgc
from lgc.experiment import default_hessian
from lgc.walks import WalkSettings, progressive_gradient_walk

#: walks x steps per problem: macro walks, Hessian every step (MNIST: gradient only)
SIZES = {"xor": (90, 100), "iris": (350, 100), "diabetes": (256, 50), "glass": (256, 50),
         "cancer": (128, 20), "heart": (128, 20), "mnist": (512, 50)}


def timed_walks(problem, settings, walks, seed):
    progressive_gradient_walk(problem, replace(settings, steps=2), range(2), seed=seed)
    start = time.perf_counter()  # after a warm-up: one-time set-up and GPU kernels
    # every 10th step's weights: MNIST's every step would take GBs
    out = progressive_gradient_walk(problem, settings, range(walks), seed=seed,
                                    weights_stride=max(1, settings.steps // 10))
    return out, 1e3 * (time.perf_counter() - start) / (walks * settings.steps)


def agreement(ref, out):
    """(walks with identical weights, max relative record difference on them,
    share of equal curvature classes) of two runs of the same walks."""
    same = np.all(ref["weights"] == out["weights"], axis=(1, 2))
    rel = 0.0
    for name in ("Et", "Eg", "grad_norm"):
        a, b = ref[name][same], out[name][same]
        if a.size:
            rel = max(rel, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
    curved = ref["curvature"] >= 0
    classes = (float(np.mean(ref["curvature"][curved] == out["curvature"][curved]))
               if curved.any() else float("nan"))
    return int(same.sum()), rel, classes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="cupy")
    parser.add_argument("--problems", default="iris,heart,mnist")
    parser.add_argument("--walks", type=int, help="walks per problem (default: SIZES)")
    parser.add_argument("--steps", type=int, help="steps per walk (default: SIZES)")
    parser.add_argument("--loss", default="sse", choices=("sse", "ce"))
    parser.add_argument("--range", type=float, default=1.0)
    args = parser.parse_args(argv)
    print(f"lgc {lgc.__version__}, numpy {np.__version__}, backend {args.backend}")
    print(f"{'problem':9s} {'walks':>6s} {'steps':>6s} {'same weights':>13s} "
          f"{'max rel diff':>13s} {'same class':>11s} {'numpy ms':>9s} "
          f"{args.backend + ' ms':>12s}")
    for name in args.problems.split(","):
        problem = lgc.load_problem(name)
        walks, steps = SIZES[name]
        walks, steps = args.walks or walks, args.steps or steps
        settings = WalkSettings(args.loss, args.range, 0.2 * args.range, steps,
                                hessian=default_hessian(name))
        ref, ms_ref = timed_walks(problem, settings, walks, seed=0)
        out, ms_out = timed_walks(problem, replace(settings, backend=args.backend), walks,
                                  seed=0)
        same, rel, classes = agreement(ref, out)
        print(f"{name:9s} {walks:6d} {steps:6d} {same:7d} of {walks:<4d}{rel:13.1e} "
              f"{classes:11.4f} {ms_ref:9.3f} {ms_out:12.4f}", flush=True)


if __name__ == "__main__":
    main()
