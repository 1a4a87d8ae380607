"""GECCO'18's Table 2 on XOR, quickly: FEM, M1 and M2 of four walk samplers.

Bosman, Engelbrecht & Helbig (GECCO'18 Companion, doi 10.1145/3205651.3208247) sample
XOR's 2-2-1 network (sigmoid units, biases, d = 9) under the mean squared error in
[-10, 10]^9 with 100 walks of micro steps (s = 0.2, 1000 points) and of macro steps
(s = 2.0, 100 points), by four samplers: the simple random walk, the progressive random
walk, the progressive gradient walk kept in the bounds by reflection, and the same walk
unbounded (lgc's walk, lgc.walks.progressive_gradient_walk). Table 2 gives the mean
(std) over 30 independent runs of the mean over a run's 100 walks.

This script runs ``--runs`` such runs (distinct walks each) and prints, beside the
paper's numbers, each measure under both variants of lgc.fla ("published": as the
measures' papers define them; "authors": as the authors' program computes them), and
the mean (std) of the MSE over all sampled points (the paper's Figures 3 and 4). It is
a study, not a test; see docs/fla.md for what it found.

    python benchmarks/gecco18_quick.py [--runs 30] [--walks 100] [--seed 0]
        [--precision float32] [--tf-gradient]
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from lgc import fla, gecco18, load_problem
from lgc.derivatives import batch_loss, loss_and_grad
from lgc.network import Architecture
from lgc.samplers import run_walks
from lgc.walks import (WalkSettings, initial_points, progressive_gradient_walk,
                       progressive_step, walk_rngs)

BOUND = 10.0
GRANULARITIES = {"micro": (0.2, 1000), "macro": (2.0, 100)}
SAMPLERS = gecco18.SAMPLERS
# the paper's numbers (lgc.gecco18): Table 2 per (measure, granularity), then sampler;
# the MSE of the sampled points per (sampler, granularity)
TABLE2, FITNESS = gecco18.TABLE2, gecco18.FITNESS
MEASURES = {"fem": fla.fem, "m1": fla.m1, "m2": fla.m2}


def tf_loss_and_grad(W, X, T):
    """MSE and its gradient as TensorFlow 1 computes them in float32, sigmoid' taken as
    y (1 - y) (lgc.gecco18.tf_loss_and_grad, without the outputs)."""
    return gecco18.tf_loss_and_grad(W, X, T)[:2]


def unbounded_walk(lg, walk_ids, steps: int, d: int, s: float, seed: int) -> np.ndarray:
    """lgc's unbounded walk (same streams, start and steps) with another gradient."""
    rngs = walk_rngs(seed, walk_ids)
    W, F = initial_points(rngs, d, BOUND), np.empty((len(rngs), steps))
    for t in range(steps):
        F[:, t], G = lg(W)
        W = W + progressive_step(rngs, G, s)
    return F


def sample(problem, sampler: str, granularity: str, walk_ids, seed: int,
           precision: str = "float64", tf_gradient: bool = False) -> np.ndarray:
    """MSE (walks, points) of the walks of one sampler, the network evaluated in
    ``precision`` (the walk's position is kept in float64 either way), or with
    ``tf_gradient`` the gradient walks' loss and gradient by :func:`tf_loss_and_grad`."""
    s, steps = GRANULARITIES[granularity]
    dtype = np.dtype(precision)
    X, T = problem.X_train.astype(dtype), problem.T_train.astype(dtype)
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    tf = (lambda W: tf_loss_and_grad(W, problem.X_train, problem.T_train)) \
        if tf_gradient else None
    if sampler == "unbounded" and tf:
        return unbounded_walk(tf, walk_ids, steps, arch.dim, s, seed)
    if sampler == "gradient" and tf:
        return run_walks("gradient", walk_ids, steps, arch.dim, s, BOUND, seed,
                         loss_and_grad=tf)["fitness"]
    if sampler == "unbounded":
        settings = WalkSettings(kind="sse", init_range=BOUND, eps=s, steps=steps,
                                hessian="none", precision=precision)
        return progressive_gradient_walk(problem, settings, walk_ids, seed)["Et"]
    if sampler == "gradient":
        def lg(W):
            loss, grad, _ = loss_and_grad(W.astype(dtype), X, T, "sse", arch)
            return loss, grad.astype(float)
        out = run_walks("gradient", walk_ids, steps, arch.dim, s, BOUND, seed,
                        loss_and_grad=lg)
    else:
        out = run_walks(sampler, walk_ids, steps, arch.dim, s, BOUND, seed,
                        fitness=lambda W: batch_loss(W.astype(dtype), X, T, "sse", arch)[0])
    return out["fitness"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--walks", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", choices=("float64", "float32"), default="float64",
                        help="evaluate the network in float32, as the authors' TensorFlow "
                             "program did (the walk's position stays float64)")
    parser.add_argument("--tf-gradient", action="store_true",
                        help="gradient walks: loss and gradient in float32 with sigmoid' = "
                             "y (1 - y), as TensorFlow 1 computes them")
    args = parser.parse_args(argv)
    problem = load_problem("xor")
    start = time.perf_counter()
    # run means[(measure, granularity, sampler, variant)] = one value per run
    means, fitness = {}, {}
    for granularity in GRANULARITIES:
        for sampler in SAMPLERS:
            points = []
            for run in range(args.runs):
                ids = range(run * args.walks, (run + 1) * args.walks)
                F = sample(problem, sampler, granularity, ids, args.seed, args.precision,
                           args.tf_gradient)
                points.append(F)
                for name, measure in MEASURES.items():
                    for variant in fla.VARIANTS:
                        means.setdefault((name, granularity, sampler, variant), []).append(
                            fla.per_walk(measure, F, variant).mean())
            fitness[granularity, sampler] = fla.mean_std(np.concatenate(points).ravel())
            print(f"  {granularity} {sampler}: {time.perf_counter() - start:.0f} s",
                  file=sys.stderr)

    tf = "; gradient walks with TensorFlow's float32 gradient" if args.tf_gradient else ""
    print(f"XOR 2-2-1, MSE in {args.precision}{tf}, [-10, 10]^9; {args.runs} runs of "
          f"{args.walks} walks, seed {args.seed}; mean (std) over runs of the mean over a "
          f"run's walks\n")
    head = f"{'measure':10} {'sampler':12} {'GECCO18 Table 2':>18} {'published':>18} " \
           f"{'authors':>18}"
    print(head)
    print("-" * len(head))
    for (name, granularity), paper in TABLE2.items():
        for sampler, (pm, ps) in paper.items():
            cells = [f"{pm:.5f} ({ps:.5f})"]
            for variant in fla.VARIANTS:
                m, sd = fla.mean_std(means[name, granularity, sampler, variant])
                cells.append(f"{m:.5f} ({sd:.5f})")
            print(f"{name + ' ' + granularity:10} {sampler:12} " +
                  " ".join(f"{c:>18}" for c in cells))
        print()
    print("MSE of the sampled points, mean (std) over all points")
    print(f"{'granularity':12} {'sampler':12} {'paper':>16} {'lgc':>16}")
    for granularity in GRANULARITIES:
        for sampler in SAMPLERS:
            (pm, ps), (m, sd) = FITNESS[sampler, granularity], fitness[granularity, sampler]
            print(f"{granularity:12} {sampler:12} {f'{pm:.3f} ({ps:.3f})':>16} "
                  f"{f'{m:.3f} ({sd:.3f})':>16}")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
