"""Milliseconds per walk-step: lgc against the naive way, for every problem.

One walk-step records Et, Eg, Ct, Cg, the gradient norm and the curvature class
from the full Hessian (MNIST: gradient only, as the paper). "naive" is one walk
at a time with autograd.grad, autograd.hessian and numpy.linalg.eigvalsh.
"whole process" times `lgc run` as a user runs it, start-up included.
The roofline is the flop count of a Heart step over a float64 matmul rate
measured in this run. Prints medians of repeated runs; machines are noisy.

    python benchmarks/walk_step.py [--problems heart,iris] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from autograd import grad, hessian

import lgc
from lgc.network import Architecture, accuracy, forward, loss
from lgc.walks import WalkSettings, progressive_gradient_walk

SIZES = {"xor": (64, 50), "iris": (64, 50), "diabetes": (32, 30), "glass": (16, 20),
         "cancer": (8, 10), "heart": (8, 10), "mnist": (64, 50)}
#: walks x steps of the whole-process runs: enough work to amortise start-up
WHOLE = {"xor": (512, 200), "iris": (256, 200), "diabetes": (128, 200), "glass": (64, 200),
         "cancer": (64, 200), "heart": (64, 200), "mnist": (128, 400)}


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def lgc_ms(problem, walks, steps, repeats):
    hess = "none" if problem.name == "mnist" else "full"
    settings = WalkSettings("sse", 1.0, 0.02, steps, hessian=hess)
    run = lambda: progressive_gradient_walk(problem, settings, range(walks), seed=0)  # noqa
    return 1e3 * median_time(run, repeats) / (walks * steps)


def naive_ms(problem, steps, repeats):
    """One walk at a time: autograd gradient and Hessian, eigvalsh, four evaluations."""
    Xt, Tt, Xg, Tg = problem.X_train, problem.T_train, problem.X_test, problem.T_test
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    g, h = grad(loss), hessian(loss)
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, arch.dim)

    def walk():
        nonlocal w
        for _ in range(steps):
            loss(w, Xt, Tt, "sse"), loss(w, Xg, Tg, "sse")
            accuracy(forward(w, Xt, arch), Tt), accuracy(forward(w, Xg, arch), Tg)
            gw = g(w, Xt, Tt, "sse")
            if problem.name != "mnist":
                np.linalg.eigvalsh(h(w, Xt, Tt, "sse"))
            w = w - np.sign(gw) * rng.random(arch.dim) * 0.02
    return 1e3 * median_time(walk, repeats) / steps


def whole_process_ms(name, walks, steps, workers):
    """`lgc run` as a user runs it, start-up included, ms per walk-step."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "lgc", "run", "--problem", name, "--loss", "sse",
               "--range", "1", "--granularity", "micro", "--walks", str(walks), "--steps",
               str(steps), "--workers", str(workers), "--out", out, "--quiet",
               "--chunk-size", str(-(-walks // (2 * workers)))]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return 1e3 * (time.perf_counter() - start) / (walks * steps)


def matmul_gflops(n=1024, repeats=5):
    a, b = np.random.rand(n, n), np.random.rand(n, n)
    return 2 * n ** 3 / median_time(lambda: a @ b, repeats) / 1e9


def heart_flops(P=736, d=341, n_in=32, h=10):
    """Gram matrix (syrk, P d^2), sigma'' term (P (n_in+1)^2 h), two LDL^T (2 d^3 / 3)."""
    return P * d * d + P * (n_in + 1) ** 2 * h * 2 + 2 * (d ** 3 / 3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=",".join(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-steps", type=int, default=3)
    parser.add_argument("--whole-repeats", type=int, default=1,
                        help="runs of the whole-process column (median)")
    parser.add_argument("--no-whole", dest="whole", action="store_false",
                        help="skip the whole-process `lgc run --workers 2` column")
    args = parser.parse_args(argv)
    print(f"lgc {lgc.__version__}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'problem':9s} {'d':>5s} {'lgc ms':>9s} {'naive ms':>9s} {'speed-up':>9s} "
          f"{'lgc run, 2 workers':>19s}")
    for name in args.problems.split(","):
        problem = lgc.load_problem(name)
        walks, steps = SIZES[name]
        ours = lgc_ms(problem, walks, steps, args.repeats)
        naive = naive_ms(problem, args.naive_steps, args.repeats)
        whole = (float(np.median([whole_process_ms(name, *WHOLE[name], workers=2)
                                  for _ in range(args.whole_repeats)]))
                 if args.whole else float("nan"))
        print(f"{name:9s} {problem.dim:5d} {ours:9.3f} {naive:9.2f} {naive / ours:8.1f}x "
              f"{whole:19.3f}", flush=True)
    rate = matmul_gflops()
    roof = 1e3 * heart_flops() / (rate * 1e9)
    print(f"\nlgc ms: one process, median of {args.repeats}; lgc run: the whole command "
          f"(start-up, files) with --workers 2, median of {args.whole_repeats}, "
          f"ms per walk-step")
    print(f"Heart roofline: {heart_flops() / 1e6:.0f} MFLOP per step at {rate:.0f} GFLOP/s "
          f"(float64 matmul measured now) = {roof:.2f} ms per walk-step")


if __name__ == "__main__":
    main()
