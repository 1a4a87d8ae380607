"""MNIST's curvature at sampled points: what it costs, and a first look.

The paper gives no curvature for MNIST (d = 7,960: a 507 MB Hessian at every
step). This times, per point, the two ways lgc.lanczos offers at a handful of
points of short MNIST gradient walks (hessian="none", weights saved every
``--stride`` steps):

* Lanczos: lambda_min and lambda_max by eigsh on Hessian-vector products,
  lambda_min by the shift (largest of lambda_max I - H) and by eigsh's "SA",
  with the number of products each took;
* exact: the class from the dense Hessian in float64, restricted to the
  batch's row space (1,110 x 1,110 on 100 patterns), by LDL^T inertia
  ("class") and by all eigenvalues ("spectrum", which gives the index);
  with ``--pixels N`` also on N points the literal way: the blank pixels'
  weights dropped, the rest of the null space discounted (about 5,200 x 5,200),
  and with ``--whole N`` from the whole 7,960 x 7,960 Hessian.

Each point's loss is taken on a batch of ``--batch`` training patterns drawn
for that point, not the batch its walk saw there (lgc.walks.walk_batch replays
that one; lgc.mnist_curvature's study uses it); ``--batch 0`` takes all training patterns (the exact class
is then skipped: its matrix has over 6,000 rows). Then per point: lambda_min,
lambda_max (Lanczos), the class, the eigenvalue counts and the index (share of
negative eigenvalues among those that are not structural zeros), with the
largest |weight| and the share of pattern-unit pairs whose hidden unit is
saturated (s' < 1e-10) on the point's batch. Prints
medians of wall-clock and CPU time; machines are noisy, and on a shared one the
CPU time is the steadier. One BLAS thread, as the walks use.

    python benchmarks/mnist_curvature.py [--walks 2] [--steps 100] [--stride 33]
        [--init-range 1] [--granularity macro] [--batch 100] [--pixels 1] [--whole 0]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.special import expit
from threadpoolctl import threadpool_limits

from lgc import derivatives, lanczos
from lgc.curvature import CURVATURES
from lgc.network import Architecture
from lgc.problems import load_problem
from lgc.walks import WalkSettings, default_steps, progressive_gradient_walk, step_size


def walk_points(problem, kind, args):
    """(walk, step, weights) of every saved point of ``args.walks`` short walks."""
    settings = WalkSettings(kind, args.init_range, step_size(args.granularity, args.init_range),
                            args.steps, hessian="none")
    out = progressive_gradient_walk(problem, settings, range(args.walks), seed=args.seed,
                                    weights_stride=args.stride)
    saved = out["weights"]  # (walks, points, d)
    return [(w, k * args.stride, saved[w, k]) for w in range(saved.shape[0])
            for k in range(saved.shape[1])]


def timed(fn, *a, **k):
    """fn's result and the (wall, CPU) milliseconds it took: on a shared machine the
    CPU time of this process (one BLAS thread) is the steadier measure."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*a, **k)
    return result, (1e3 * (time.perf_counter() - wall), 1e3 * (time.process_time() - cpu))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per walk (default: the granularity's, 100 for macro)")
    parser.add_argument("--stride", type=int, default=33)
    parser.add_argument("--init-range", type=float, default=1.0)
    parser.add_argument("--granularity", default="macro")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--pixels", type=int, default=1,
                        help="points per loss also classified the blank-pixel way (slow)")
    parser.add_argument("--whole", type=int, default=0,
                        help="points per loss also classified from the whole 7,960 x 7,960 "
                             "Hessian (slower still: about 13 s of CPU each)")
    parser.add_argument("--tol", type=float, default=lanczos.DEFAULT_TOL)
    parser.add_argument("--losses", default="sse,ce")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.steps = args.steps or default_steps(args.granularity)
    problem = load_problem("mnist")
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    print(f"MNIST {arch.n_in}-{arch.hidden}-{arch.n_out}, d = {arch.dim}; data: {problem.source}; "
          f"{args.walks} walks x {args.steps} steps ({args.granularity}, r = {args.init_range:g}),"
          f" a point every {args.stride} steps; loss on "
          + (f"a batch of {args.batch} per point" if args.batch else "all training patterns")
          + f"; Lanczos tol {args.tol:g}")
    rows, times = [], {}
    with threadpool_limits(1, user_api="blas"):
        for kind in args.losses.split(","):
            rng = np.random.default_rng([args.seed, len(kind)])
            for i, (walk, step, w) in enumerate(walk_points(problem, kind, args)):
                if args.batch:
                    idx = rng.choice(len(problem.X_train), args.batch, replace=False)
                    X, T = problem.X_train[idx], problem.T_train[idx]
                else:
                    X, T = problem.X_train, problem.T_train
                A, _ = derivatives.preactivations(w[None], X, arch)
                S = expit(A)
                # pattern-unit pairs where the hidden unit is saturated: s' below 1e-10
                row = dict(loss=kind, walk=walk, step=step, max_w=np.abs(w).max(),
                           saturated=float(np.mean(S * (1 - S) < 1e-10)))
                for method in lanczos.LAMBDA_MIN_METHODS:
                    (lo, hi, k), ms = timed(lanczos.extreme_eigenvalues, w, X, T, kind, arch,
                                            tol=args.tol, method=method, return_products=True)
                    times.setdefault(f"lanczos {method}", []).append(ms)
                    row[f"products {method}"] = int(k[0])
                    if method == "shift":
                        row["lambda_min"], row["lambda_max"] = lo[0], hi[0]
                if args.batch:
                    code, ms = timed(lanczos.point_classes, w, X, T, kind, arch)
                    times.setdefault("exact class (rows, LDL^T)", []).append(ms)
                    (code2, s), ms = timed(lanczos.point_classes, w, X, T, kind, arch,
                                           eigenvalues=True)
                    times.setdefault("exact spectrum (rows, eigvalsh)", []).append(ms)
                    row.update(curvature=CURVATURES[code[0]],
                               same=bool(code[0] == code2[0]),
                               n_neg=int(s["n_neg"][0]), n_pos=int(s["n_pos"][0]),
                               n_zero=int(s["n_zero"][0]),
                               index=s["n_neg"][0] / s["n_classified"][0],
                               dense_min=s["lambda_min"][0], dense_max=s["lambda_max"][0])
                    if i < args.pixels:
                        code3, ms = timed(lanczos.point_classes, w, X, T, kind, arch,
                                          null_space="pixels")
                        times.setdefault("exact class (pixels, LDL^T)", []).append(ms)
                        row["pixels agrees"] = bool(code3[0] == code[0])
                    if i < args.whole:
                        code4, ms = timed(lanczos.point_classes, w, X, T, kind, arch,
                                          null_space="none")
                        times.setdefault("exact class (whole, LDL^T)", []).append(ms)
                        row["whole agrees"] = bool(code4[0] == code[0])
                rows.append(row)
    print("\nms per point, median over points (n = points timed): wall clock, CPU time")
    for name, ms in times.items():
        wall, cpu = np.array(ms).T
        print(f"  {name:34s} wall {np.median(wall):9.1f}  CPU {np.median(cpu):9.1f}   "
              f"(n = {len(ms)}, CPU min {cpu.min():.1f}, max {cpu.max():.1f})")
    for method in lanczos.LAMBDA_MIN_METHODS:
        k = [r[f"products {method}"] for r in rows]
        print(f"  Hessian-vector products, lambda_min by {method}: median {np.median(k):.0f} "
              f"(min {min(k)}, max {max(k)}) for both extremes")
    print("\nper point (lambda by Lanczos, shift; class, counts and index from the dense "
          "restricted Hessian)")
    head = ["loss", "walk", "step", "max_w", "saturated", "lambda_min", "lambda_max",
            "curvature", "n_neg", "n_pos", "n_zero", "index"]
    print("  ".join(f"{h:>10s}" for h in head))
    for r in rows:
        cells = [f"{r[h]:>10.3e}" if isinstance(r.get(h), float) else f"{r.get(h, '-')!s:>10s}"
                 for h in head]
        print("  ".join(cells))
    if args.batch:
        err = max(max(abs(r["lambda_min"] - r["dense_min"]), abs(r["lambda_max"] - r["dense_max"]))
                  / max(abs(r["dense_min"]), abs(r["dense_max"])) for r in rows)
        print(f"\nLanczos against the dense eigenvalues: largest error {err:.1e} of |lambda|max; "
              f"LDL^T and eigvalsh classes agree at {sum(r['same'] for r in rows)} of "
              f"{len(rows)} points; the blank-pixel way agrees at "
              f"{sum(r.get('pixels agrees', False) for r in rows)} of "
              f"{sum('pixels agrees' in r for r in rows)}, the whole Hessian at "
              f"{sum(r.get('whole agrees', False) for r in rows)} of "
              f"{sum('whole agrees' in r for r in rows)}")
    return rows


if __name__ == "__main__":
    main()
