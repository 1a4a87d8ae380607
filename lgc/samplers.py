"""Random walk samplers of a bounded search space [-b, b]^d (GECCO'18, Section 2).

Step rules as pure batched functions: every array has the walks on its first
axis, and every walk draws from its own numpy Generator, one per walk from
:func:`lgc.steps.walk_rngs` (keyed by the sample's seed and the walk's index),
so a walk's numbers do not depend on which other walks share its batch.

* :func:`random_step`: the simple random walk, each coordinate moves by a
  uniform draw from [-s, s].
* :func:`progressive_random_step`: Malan & Engelbrecht's progressive random walk
  (CEC 2014, "A progressive random walk algorithm for sampling continuous
  fitness landscapes", Algorithm 1): a walk keeps a sign mask, one +-1 per
  coordinate, and moves each coordinate by a uniform draw from [0, s] in its
  mask's direction; it starts, per coordinate, in the half of the range
  opposite that direction (:func:`progressive_start`), so it crosses the space.
* :func:`manhattan_step`: the Manhattan progressive random walk of Malan &
  Engelbrecht's gradient measure (CEC 2013, "Ruggedness, funnels and gradients
  in fitness landscapes and the effect on PSO performance", Section III.C; CEC
  2014, Section IV): each step moves *one* coordinate, chosen uniformly, by
  exactly s in its mask's direction.
* :func:`bounded_gradient_step`: GECCO'18's bounded progressive gradient walk,
  lgc's gradient step (:func:`lgc.steps.progressive_step`, which descends) kept
  inside the bounds by :func:`reflect`.

Bounds are kept as the authors' program keeps them (github.com/annabosman/
fla-in-tf, ``random_samplers_tf.py``), by :func:`reflect`: a coordinate whose
step would take it outside [-b, b] takes the step with its sign flipped
instead, and a progressive walk's mask bit there flips with it, so the walk
heads back into the space. Steps must be at most b long, so that a reflected
step never leaves the space on the other side.
"""
from __future__ import annotations

import math

import numpy as np

from .steps import initial_points, progressive_step, walk_rngs

SAMPLERS = ("random", "progressive", "manhattan", "gradient")
#: the walks lgc's walk engine takes from here, by their names in
#: lgc.vocabulary.WALKS, and the sampler each one is
ENGINE_WALKS = {"bounded-gradient": "gradient", "random": "random",
                "progressive-random": "progressive", "manhattan": "manhattan"}


def _check_bounds(step_size, bound) -> None:
    for name, value in (("step_size", step_size), ("bound", bound)):
        if not (isinstance(value, (int, float, np.number)) and 0 < value < math.inf):
            raise ValueError(f"{name} must be a positive number; got {value!r}")
    if step_size > bound:
        raise ValueError(f"step_size must be at most the bound b = {bound!r}, so that a "
                         f"reflected step stays in [-b, b]; got {step_size!r}")


def reflect(X, step, bound: float):
    """The authors' bounds rule: flip the sign of each step coordinate that would
    leave [-b, b].

    Parameters
    ----------
    X : array (walks, d)
        Current points, inside [-b, b]^d.
    step : array (walks, d)
        Proposed steps, |step| <= b.
    bound : float
        b.

    Returns
    -------
    step : array (walks, d)
        The step to take: -step where |X + step| > b, else step.
    flipped : bool array (walks, d)
        Where the sign flipped (a progressive walk's mask flips there too).

    Examples
    --------
    >>> import numpy as np
    >>> X, step = np.array([[0.9, -0.9, 0.0]]), np.array([[0.2, -0.2, 0.2]])
    >>> step, flipped = reflect(X, step, 1.0)
    >>> step.tolist(), flipped.tolist()
    ([[-0.2, 0.2, 0.2]], [[True, True, False]])
    """
    flipped = np.abs(X + step) > bound
    return np.where(flipped, -step, step), flipped


def random_mask(rngs, d: int) -> np.ndarray:
    """One sign mask per walk, each coordinate +1 or -1 with equal chance (walks, d)."""
    return np.stack([1.0 - 2.0 * rng.integers(0, 2, d) for rng in rngs])


def progressive_start(rngs, mask, bound: float) -> np.ndarray:
    """Starting points of progressive walks: coordinate j uniform in the half of
    [-b, b] opposite to the mask's direction, mask_j * (u - b), u ~ U[0, b]
    (Malan & Engelbrecht 2014, Algorithm 1; the authors' ``init_progressive_pos``)."""
    return mask * np.stack([rng.uniform(0.0, bound, m.shape) - bound
                            for rng, m in zip(rngs, mask)])


def random_step(rngs, X, step_size: float, bound: float) -> np.ndarray:
    """Simple random walk step: each coordinate uniform in [-s, s], reflected at the bounds.

    Examples
    --------
    >>> import numpy as np
    >>> step = random_step([np.random.default_rng(0)], np.zeros((1, 3)), 0.1, 1.0)
    >>> bool(np.all(np.abs(step) <= 0.1))
    True
    """
    step = np.stack([rng.uniform(-step_size, step_size, x.shape) for rng, x in zip(rngs, X)])
    return reflect(X, step, bound)[0]


def progressive_random_step(rngs, X, mask, step_size: float, bound: float):
    """Progressive random walk step: each coordinate uniform in [0, s] with its
    mask's sign; where that would leave the bounds, the step and the mask flip.

    Returns
    -------
    step, mask : arrays (walks, d)
        The step to take and the walks' masks after it.
    """
    sizes = np.stack([rng.uniform(0.0, step_size, x.shape) for rng, x in zip(rngs, X)])
    step, flipped = reflect(X, sizes * mask, bound)
    return step, np.where(flipped, -mask, mask)


def manhattan_step(rngs, X, mask, step_size: float, bound: float):
    """Manhattan progressive random walk step: one coordinate j, uniform among the
    d, moves by exactly s in mask_j's direction (reflected, with mask_j, at the
    bounds); the others stay.

    Returns
    -------
    step, mask : arrays (walks, d)
    """
    n, d = X.shape
    j = np.array([rng.integers(0, d) for rng in rngs], dtype=np.intp)
    step = np.zeros((n, d))
    step[np.arange(n), j] = step_size * mask[np.arange(n), j]
    step, flipped = reflect(X, step, bound)
    return step, np.where(flipped, -mask, mask)


def bounded_gradient_step(rngs, X, grad, step_size: float, bound: float) -> np.ndarray:
    """GECCO'18's bounded progressive gradient walk step.

    lgc's unbounded step (:func:`lgc.steps.progressive_step`: |dx_j| ~ U[0, s),
    sign opposite to g_j, +1 for g_j = 0), then :func:`reflect`. It draws
    exactly what the unbounded step draws, so a bounded and an unbounded walk of
    the same seed agree until the first reflection.

    Examples
    --------
    >>> import numpy as np
    >>> X, g = np.array([[1.0, 0.0]]), np.array([[-1.0, 1.0]])  # at b, descent points out
    >>> step = bounded_gradient_step([np.random.default_rng(3)], X, g, 0.2, 1.0)
    >>> (step < 0).tolist()  # the first coordinate's step turned back inside
    [[True, True]]
    """
    return reflect(X, progressive_step(rngs, grad, step_size), bound)[0]


def run_walks(sampler: str, walk_ids, steps: int, d: int, step_size: float, bound: float,
              seed: int = 0, fitness=None, loss_and_grad=None) -> dict:
    """Run walks of one sampler in [-b, b]^d and record every point.

    Point t is recorded before step t moves it, as in lgc.walks: ``steps``
    points, ``steps - 1`` moves. The random and gradient walks start uniform in
    [-b, b]^d (:func:`lgc.steps.initial_points`, as lgc's gradient walk with
    r = b), the progressive and Manhattan walks at :func:`progressive_start`
    after drawing their masks.

    Parameters
    ----------
    sampler : {"random", "progressive", "manhattan", "gradient"}
    walk_ids : sequence of int
        Global indices of the walks; with ``seed`` they seed each walk's stream.
    steps : int
        Points recorded per walk, >= 1.
    d : int
        Dimension.
    step_size : float
        s, 0 < s <= b.
    bound : float
        b.
    seed : int
    fitness : callable, optional
        ``fitness(X)`` -> (walks,) values for the points X (walks, d); recorded
        at every point when given.
    loss_and_grad : callable
        For ``"gradient"`` only: ``loss_and_grad(X)`` -> (loss (walks,),
        gradient (walks, d)); the loss is recorded as the fitness.

    Returns
    -------
    dict
        "positions" (walks, steps, d), and "fitness" (walks, steps) when a
        fitness (or loss) is evaluated.

    Examples
    --------
    >>> out = run_walks("manhattan", range(2), 4, 3, 0.5, 1.0, seed=7)
    >>> out["positions"].shape
    (2, 4, 3)
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}: choose one of {SAMPLERS}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive whole number; got {steps!r}")
    if int(d) != d or d < 1:
        raise ValueError(f"d must be a positive whole number; got {d!r}")
    _check_bounds(step_size, bound)
    if (sampler == "gradient") != (loss_and_grad is not None):
        raise ValueError(f"loss_and_grad is needed by the 'gradient' sampler and only by "
                         f"it; got sampler {sampler!r} with loss_and_grad={loss_and_grad!r}")
    rngs = walk_rngs(seed, np.asarray(walk_ids, dtype=np.int64))
    n, steps, d = len(rngs), int(steps), int(d)
    positions = np.empty((n, steps, d))
    recorded = fitness is not None or loss_and_grad is not None
    F = np.empty((n, steps)) if recorded else None
    if n == 0:
        return {"positions": positions, **({"fitness": F} if recorded else {})}
    mask = None
    if sampler in ("random", "gradient"):
        X = initial_points(rngs, d, bound)
    else:
        mask = random_mask(rngs, d)
        X = progressive_start(rngs, mask, bound)
    for t in range(steps):
        positions[:, t] = X
        if sampler == "gradient":
            F[:, t], G = loss_and_grad(X)
        elif fitness is not None:
            F[:, t] = fitness(X)
        if t == steps - 1:
            break  # the last point is recorded, not moved
        if sampler == "random":
            X = X + random_step(rngs, X, step_size, bound)
        elif sampler == "progressive":
            step, mask = progressive_random_step(rngs, X, mask, step_size, bound)
            X = X + step
        elif sampler == "manhattan":
            step, mask = manhattan_step(rngs, X, mask, step_size, bound)
            X = X + step
        else:
            X = X + bounded_gradient_step(rngs, X, np.asarray(G), step_size, bound)
    out = {"positions": positions}
    if recorded:
        out["fitness"] = F
    return out


class Stepper:
    """One of these samplers inside lgc's walk engine (:func:`lgc.walks.progressive_gradient_walk`
    with ``walk=`` other than "gradient"): its starting points and its step rule.

    The engine records every point as for its own walk (losses, accuracies,
    gradient norm, curvature) and moves it by :meth:`step` instead of its
    unbounded gradient step. The draws are those of :func:`run_walks`: the
    random and bounded gradient walks start uniform in [-r, r]^d (r the
    sample's init range, at most b), the progressive and Manhattan walks at
    :func:`progressive_start` in [-b, b]^d after drawing their masks; with
    r = b the engine's walks are :func:`run_walks`' walks.

    Parameters
    ----------
    walk : one of :data:`ENGINE_WALKS`
    rngs : the walks' generators (lgc.steps.walk_rngs)
    d : dimension
    init_range : r
    step_size : s, at most b
    bound : b, at least r
    """

    def __init__(self, walk: str, rngs, d: int, init_range: float, step_size: float,
                 bound: float):
        if walk not in ENGINE_WALKS:
            raise ValueError(f"unknown walk {walk!r}: choose one of {tuple(ENGINE_WALKS)}")
        _check_bounds(step_size, bound)
        if not 0 < init_range <= bound:
            raise ValueError(f"init_range must be in (0, bound = {bound!r}], so that walks "
                             f"start inside [-b, b]^d; got {init_range!r}")
        self.sampler, self.rngs = ENGINE_WALKS[walk], rngs
        self.step_size, self.bound = float(step_size), float(bound)
        self.mask = None
        if self.sampler in ("random", "gradient"):
            self.start = initial_points(rngs, d, init_range)
        else:
            self.mask = random_mask(rngs, d)
            self.start = progressive_start(rngs, self.mask, bound)

    def step(self, X, grad) -> np.ndarray:
        """The step of every walk from X (walks, d), given the gradient there."""
        s, b = self.step_size, self.bound
        if self.sampler == "random":
            return random_step(self.rngs, X, s, b)
        if self.sampler == "gradient":
            return bounded_gradient_step(self.rngs, X, np.asarray(grad), s, b)
        rule = progressive_random_step if self.sampler == "progressive" else manhattan_step
        step, self.mask = rule(self.rngs, X, self.mask, s, b)
        return step
