"""How long will a preset take? Calibrate on a few steps, then extrapolate.

For each problem one chunk of walks, as large as a run's chunks, is timed for a
few steps, with the Hessian its samples use and without; a sample's cost is then walks x
(steps with curvature x the first rate + other steps x the second), divided by
the worker processes. With several workers the chunk is timed in that many
processes at once, as a run's workers share the memory bandwidth and caches.
Measured against paper-protocol runs on two cores (Iris 196 s, Diabetes 1799 s,
Glass 3809 s): calibrating one process alone predicted 8-16% too little, this 2-8%.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from .experiment import chunk_walks, single_threaded_blas
from .presets import get_preset
from .problems import PROBLEMS, load_problem
from .walks import WalkSettings, progressive_gradient_walk


def step_seconds(problem, hessian: str, walks: int, steps: int = 8, barrier=None,
                 backend: str = "numpy") -> float:
    """Seconds per walk-step of one chunk of ``walks`` walks, as a run batches them.

    The chunk has the size a run gives it: per-step overhead is shared by the
    walks of a chunk, so timing fewer walks would overestimate small problems.
    ``barrier``, if given, is waited at before the timing starts; ``backend``
    is the array library the walks run in (lgc._arrays: "cupy" on a GPU).
    """
    settings = WalkSettings("sse", 1.0, 0.02, steps, hessian=hessian, backend=backend)
    warm = replace(settings, steps=1)  # caches and allocations, untimed
    progressive_gradient_walk(problem, warm, range(walks), seed=0)
    if barrier is not None:
        barrier.wait()
    start = time.perf_counter()
    progressive_gradient_walk(problem, settings, range(walks), seed=0)
    return (time.perf_counter() - start) / (walks * steps)


_barrier = None  # set in each calibration worker


def _keep_barrier(barrier):
    global _barrier
    _barrier = barrier


def _costs_in_worker(tasks, backend="numpy"):
    """step_seconds of every (problem, hessian, walks) task, each started with the others."""
    try:
        return [step_seconds(load_problem(name), hessian, walks, barrier=_barrier,
                             backend=backend) for name, hessian, walks in tasks]
    except BaseException:
        if _barrier is not None:
            _barrier.abort()  # the other workers stop waiting and fail too
        raise


def calibrate(tasks, workers: int = 1, backend: str = "numpy") -> list:
    """Seconds per walk-step of each (problem, hessian, walks) task.

    With ``workers`` > 1 every task is timed in that many processes at once and
    their mean is taken: they compete for memory and cache as a run's do.
    """
    if workers == 1:
        return _costs_in_worker(tasks, backend)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(workers)
    with single_threaded_blas(), spawn.Pool(workers, _keep_barrier, (barrier,)) as pool:
        # a worker holds its list until all are at the barrier: one list per process
        per_worker = pool.starmap(_costs_in_worker, [(tasks, backend)] * workers,
                                  chunksize=1)
    return list(np.mean(per_worker, axis=0))


def estimate_preset(preset: str, problems, workers: int = 1,
                    backend: str = "numpy") -> pd.DataFrame:
    """Predicted wall time of every sample of ``preset`` for ``problems``, its walks
    run in ``workers`` processes on ``backend`` (lgc._arrays)."""
    p = get_preset(preset)
    dims = {name: PROBLEMS[name].dim for name in problems}
    configs = {name: [cfg.resolved(d) for cfg in p.configs(name, d)] for name, d in dims.items()}
    # only the Hessian modes the samples use (MNIST's: none, as in the paper)
    tasks = [(name, h, chunk_walks(d, h, p.walks(d), workers, backend))
             for name, d in dims.items()
             for h in sorted({cfg.hessian for cfg in configs[name]} | {"none"})]
    cost = {task[:2]: c for task, c in zip(tasks, calibrate(tasks, workers, backend))}
    rows = []
    for name in problems:
        for cfg in configs[name]:
            n_h = 0 if cfg.hessian == "none" else -(-cfg.steps // cfg.hessian_every)
            seconds = cfg.walks * (n_h * cost[name, cfg.hessian]
                                   + (cfg.steps - n_h) * cost[name, "none"]) / workers
            rows.append({"problem": name, "loss": cfg.loss, "range": cfg.init_range,
                         "granularity": cfg.granularity, "split": cfg.split_seed,
                         "walks": cfg.walks, "steps": cfg.steps, "hessian_steps": n_h,
                         "predicted_s": round(seconds, 1)})
    return pd.DataFrame(rows)
