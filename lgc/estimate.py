"""How long will a preset take? Calibrate on a few steps, then extrapolate.

For each problem one chunk of walks, as large as a run's chunks, is timed for a
few steps, with the Hessian its samples use and without; a sample's cost is then walks x
(steps with curvature x the first rate + other steps x the second), divided by
the worker processes.
"""
from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from .experiment import chunk_walks
from .presets import get_preset
from .problems import PROBLEMS, load_problem
from .walks import WalkSettings, progressive_gradient_walk


def step_cost(problem, hessian: str, walks: int, steps: int = 8) -> float:
    """Seconds per walk-step of one chunk of ``walks`` walks, as a run batches them.

    The chunk has the size a run gives it: per-step overhead is shared by the
    walks of a chunk, so timing fewer walks would overestimate small problems.
    """
    settings = WalkSettings("sse", 1.0, 0.02, steps, hessian=hessian)
    warm = replace(settings, steps=1)  # caches and allocations, untimed
    progressive_gradient_walk(problem, warm, range(walks), seed=0)
    start = time.perf_counter()
    progressive_gradient_walk(problem, settings, range(walks), seed=0)
    return (time.perf_counter() - start) / (walks * steps)


def estimate_preset(preset: str, problems, workers: int = 1) -> pd.DataFrame:
    """Predicted wall time of every sample of ``preset`` for ``problems``."""
    p = get_preset(preset)
    rows = []
    for name in problems:
        problem, dim = load_problem(name), PROBLEMS[name].dim
        configs = [cfg.resolved(dim) for cfg in p.configs(name, dim)]
        # only the Hessian modes the samples use (MNIST's: none, as in the paper)
        cost = {h: step_cost(problem, h, chunk_walks(dim, h, p.walks(dim), workers))
                for h in sorted({cfg.hessian for cfg in configs} | {"none"})}
        for cfg in configs:
            n_h = 0 if cfg.hessian == "none" else -(-cfg.steps // cfg.hessian_every)
            seconds = cfg.walks * (n_h * cost[cfg.hessian]
                                   + (cfg.steps - n_h) * cost["none"]) / workers
            rows.append({"problem": name, "loss": cfg.loss, "range": cfg.init_range,
                         "granularity": cfg.granularity, "split": cfg.split_seed,
                         "walks": cfg.walks, "steps": cfg.steps, "hessian_steps": n_h,
                         "predicted_s": round(seconds, 1)})
    return pd.DataFrame(rows)
