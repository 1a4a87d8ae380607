"""How long will a preset take? Calibrate on a few steps, then extrapolate.

For each problem a short batch of walks is timed twice, with and without the
Hessian; a sample's cost is then walks x (steps with curvature x the first
rate + other steps x the second), divided by the worker processes.
"""
from __future__ import annotations

import time

import pandas as pd

from .presets import get_preset
from .problems import PROBLEMS, load_problem
from .walks import WalkSettings, progressive_gradient_walk


def step_costs(name: str, walks: int = 8, steps: int = 4) -> tuple[float, float]:
    """Seconds per walk-step (with full Hessian, gradient only) for one problem."""
    problem = load_problem(name)
    costs = []
    for hessian in ("full", "none"):
        if hessian == "full" and problem.dim > 2000:
            costs.append(float("nan"))  # the paper computes no Hessian for MNIST
            continue
        settings = WalkSettings("sse", 1.0, 0.02, steps, hessian=hessian)
        progressive_gradient_walk(problem, settings, range(walks), seed=0)  # warm up
        start = time.perf_counter()
        progressive_gradient_walk(problem, settings, range(walks), seed=0)
        costs.append((time.perf_counter() - start) / (walks * steps))
    return costs[0], costs[1]


def estimate_preset(preset: str, problems, workers: int = 1) -> pd.DataFrame:
    """Predicted wall time of every sample of ``preset`` for ``problems``."""
    p = get_preset(preset)
    rows = []
    for name in problems:
        with_h, grad_only = step_costs(name)
        dim = PROBLEMS[name].dim
        for cfg in p.configs(name, dim):
            cfg = cfg.resolved(dim)
            n_h = 0 if cfg.hessian == "none" else -(-cfg.steps // cfg.hessian_every)
            seconds = cfg.walks * (n_h * with_h + (cfg.steps - n_h) * grad_only) / workers
            rows.append({"problem": name, "loss": cfg.loss, "range": cfg.init_range,
                         "granularity": cfg.granularity, "split": cfg.split_seed,
                         "walks": cfg.walks, "steps": cfg.steps, "hessian_steps": n_h,
                         "predicted_s": round(seconds, 1)})
    return pd.DataFrame(rows)
