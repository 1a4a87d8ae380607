"""Progressive gradient walks (Section 4.1; NOTES.md items 1 and 9).

A walk starts at a uniform point of [-r, r]^d. At every step it records the
current point (training loss Et, test loss Eg, accuracies Ct and Cg, the norm
of the training gradient and the Hessian's curvature class) and then moves
each coordinate by a uniform draw from [0, eps) *against* the sign of the
gradient (the text's Section 4.1 says "with"; the authors' code descends,
and g_j == 0 steps +1). The walk is never bounded.

Many walks advance together as one batch: every array here has the walks on
its first axis. Each walk draws from its own random stream, seeded by
(seed, walk index), so a walk's numbers do not depend on which other walks
share its batch, on the batch size, or on the number of processes.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from . import derivatives
from ._runtime import keep_freed_memory
from .curvature import (DEFAULT_RTOL, HESSIAN_MODES, SINGULAR_TESTS, curvature,
                        float32_dead_units, structural_zeros)
from .network import LOSSES, Architecture, accuracy
from scipy.special import expit
from threadpoolctl import threadpool_limits

GRANULARITIES = {"micro": (0.01, 1000), "macro": (0.10, 100)}
RECORDS = ("Et", "Eg", "Ct", "Cg", "grad_norm", "curvature")
_INIT_STREAM, _BATCH_STREAM = 0, 1


def step_size(granularity: str, init_range: float) -> float:
    """Maximum step eps: 1% (micro) or 10% (macro) of the range width 2r.

    >>> step_size("micro", 1), step_size("macro", 10)
    (0.02, 2.0)
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}: choose one of "
                         f"{tuple(GRANULARITIES)}")
    if not init_range > 0:
        raise ValueError(f"init_range must be positive; got {init_range!r}")
    return GRANULARITIES[granularity][0] * 2 * init_range


def default_steps(granularity: str) -> int:
    """1000 steps for micro walks, 100 for macro walks (Section 5.2)."""
    step_size(granularity, 1)
    return GRANULARITIES[granularity][1]


@dataclass(frozen=True)
class WalkSettings:
    """What one sample of walks needs besides the data (Section 5.2).

    Attributes
    ----------
    kind : "sse" or "ce"
    init_range : r, walks start uniform in [-r, r]^d
    eps : maximum step per dimension
    steps : number of recorded points per walk
    hessian : "full", "blocks" or "none" (curvature not computed)
    rtol : zero-eigenvalue tolerance relative to ||H||_F (see lgc.curvature)
    hessian_every : classify curvature at every k-th step only (1 = every
        step, the paper's protocol); the other steps record no curvature
    """

    kind: str
    init_range: float
    eps: float
    steps: int
    hessian: str = "full"
    rtol: float = DEFAULT_RTOL
    hessian_every: int = 1
    discount_structural: bool = True
    singular: str = "tolerance"

    def __post_init__(self):
        if self.singular not in SINGULAR_TESTS:
            raise ValueError(f"unknown singular test {self.singular!r}: choose one of "
                             f"{SINGULAR_TESTS}")
        if self.kind not in LOSSES:
            raise ValueError(f"unknown loss {self.kind!r}: choose one of {LOSSES}")
        if not (np.isfinite(self.init_range) and self.init_range > 0):
            raise ValueError(f"init_range must be a positive number; got {self.init_range!r}")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"step size eps must be a positive number; got {self.eps!r}")
        if int(self.steps) != self.steps or self.steps < 1:
            raise ValueError(f"steps must be a positive whole number; got {self.steps!r}")
        if int(self.hessian_every) != self.hessian_every or self.hessian_every < 1:
            raise ValueError(f"hessian_every must be a positive whole number; got "
                             f"{self.hessian_every!r}")
        if self.hessian not in HESSIAN_MODES:
            raise ValueError(f"unknown Hessian mode {self.hessian!r}: choose one of "
                             f"{HESSIAN_MODES}")


def walk_rngs(seed: int, walk_ids, stream: int = _INIT_STREAM):
    """One independent generator per walk, keyed by (seed, walk, stream)."""
    return [np.random.default_rng([stream, int(w), int(seed)]) for w in walk_ids]


def initial_points(rngs, d: int, init_range: float):
    """Uniform starting points in [-r, r]^d, one row per walk (Section 5.2)."""
    return np.stack([rng.uniform(-init_range, init_range, d) for rng in rngs])


def progressive_step(rngs, grad, eps: float):
    """One step of every walk: |dx_j| ~ U[0, eps), sign opposite to g_j.

    NOTES.md item 1: the authors' walk descends; a zero gradient steps +1.
    """
    sizes = np.stack([rng.random(grad.shape[1]) for rng in rngs]) * eps
    return np.where(grad > 0, -sizes, sizes)


_CODES = {}  # id(X) -> (weak reference to X, its bytes or None): once per array


def _pixel_codes(X):
    """X as bytes k when X is exactly k / 255 (MNIST's pixels), else None."""
    known = _CODES.get(id(X))
    if known is not None and known[0]() is X:
        return known[1]
    codes = np.rint(X * 255.0)
    exact = codes.min() >= 0 and codes.max() <= 255 and np.array_equal(codes / 255.0, X)
    codes = codes.astype(np.uint8) if exact else None
    _CODES[id(X)] = (weakref.ref(X), codes)
    return codes


class _Rows:
    """Gathers rows of X for many mini-batches into one reused buffer.

    MNIST's inputs are pixels k / 255 (k a byte). Gathering 100 rows of 784
    float64 per walk and step moved 8x more memory than the pixels hold and
    dominated the step; when X is exactly k / 255 the bytes k are gathered and
    divided by 255 again, which gives the very same float64 values.
    """

    def __init__(self, X, n: int, size: int):
        self.X, self.codes = X, _pixel_codes(X)
        self.out = np.empty((n, size, X.shape[1]))

    def take(self, index):
        """X[index] for index (n, size) of row numbers, in the reused buffer."""
        if self.codes is None:
            return np.take(self.X, index, axis=0, out=self.out)
        for rows, out in zip(index, self.out):  # a walk's bytes, then its floats, in cache
            np.divide(self.codes[rows], 255.0, out=out)
        return self.out


class _Batches:
    """One random mini-batch per walk and step (MNIST), drawn from the walk's stream."""

    def __init__(self, problem, rngs, size: int):
        self.problem, self.rngs, self.size = problem, rngs, size
        self.train = _Rows(problem.X_train, len(rngs), size)
        self.test = _Rows(problem.X_test, len(rngs), size)

    def draw(self):
        """(X_train, T_train, X_test, T_test) batches, (walks, size, .); valid until the next draw."""
        p, size = self.problem, self.size
        it = np.stack([r.choice(len(p.X_train), size, replace=False) for r in self.rngs])
        ig = np.stack([r.choice(len(p.X_test), size, replace=False) for r in self.rngs])
        return self.train.take(it), p.T_train[it], self.test.take(ig), p.T_test[ig]


def _evaluate(W, problem, arch, settings, batches, H=None, basis=None):
    """Loss, gradient and accuracies at the current points of all walks, and
    their Hessians into H when H is given (one forward pass for both)."""
    if batches is None:
        Xt, Tt, Xg, Tg = problem.X_train, problem.T_train, problem.X_test, problem.T_test
    else:
        Xt, Tt, Xg, Tg = batches.draw()
    if H is None:
        Et, G, Zt = derivatives.loss_and_grad(W, Xt, Tt, settings.kind, arch)
    else:
        Et, G, Zt, _ = derivatives.loss_grad_hessian(W, Xt, Tt, settings.kind, arch, H, basis)
    Eg, Zg = derivatives.batch_loss(W, Xg, Tg, settings.kind, arch)
    Ct, Cg = accuracy(expit(Zt), Tt), accuracy(expit(Zg), Tg)
    return Et, Eg, Ct, Cg, G, Xt


def _classify(W, H, X, arch, settings, n_structural):
    """Curvature codes of the current points, by the chosen singular test."""
    if settings.singular == "tolerance":
        # the tolerance of the whole d x d Hessian, also when H is its restriction
        rtol = arch.dim * np.finfo(float).eps if settings.rtol is None else settings.rtol
        return curvature(H, settings.hessian, arch.tensor_sizes, rtol,
                         n_structural=n_structural)
    A, Z = derivatives.preactivations(W, X, arch)
    return curvature(H, settings.hessian, arch.tensor_sizes, 0.0,
                     n_structural=n_structural, dead=float32_dead_units(A, Z))


def _curvature_setup(problem, settings, arch):
    """(basis, n_structural, d) of this sample's curvature test.

    With the full Hessian and the tolerance test, structural zeros are
    discounted by never forming them: the Hessian is taken restricted to the
    input-weight directions that change the network (``basis``, see
    lgc.derivatives.input_basis), for Heart a 291 x 291 matrix instead of
    341 x 341 with the same other eigenvalues. Otherwise the full d x d
    Hessian's ``n_structural`` zero eigenvalues are discounted when counted.
    """
    if settings.hessian == "none" or not settings.discount_structural:
        return None, 0, arch.dim
    if (settings.hessian, settings.singular) == ("full", "tolerance"):
        basis = derivatives.input_basis(problem.X_train)
        if basis is not None:
            return basis, 0, arch.dim - arch.hidden * (len(basis) - basis.shape[1])
    return None, structural_zeros(problem.X_train, arch.hidden, settings.hessian), arch.dim


def progressive_gradient_walk(problem, settings: WalkSettings, walk_ids, seed: int = 0,
                              weights_stride: int | None = None, callback=None):
    """Run a batch of progressive gradient walks and record every step.

    Parameters
    ----------
    problem : lgc.problems.Problem
        Data (X_train, T_train, X_test, T_test) and layer sizes.
    settings : WalkSettings
    walk_ids : sequence of int
        Global indices of the walks in this batch; they seed the walks.
    seed : int
        Seed of the whole sample.
    weights_stride : int, optional
        Also return the weight vector of every ``weights_stride``-th step.
    callback : callable, optional
        Called as ``callback(step)`` after each step.

    Returns
    -------
    dict of arrays with the walks on axis 0: "Et", "Eg", "Ct", "Cg",
    "grad_norm" (walks, steps) float64, "curvature" (walks, steps) int8
    (-1 when not computed), and "weights" (walks, ceil(steps/stride), d)
    when asked for.
    """
    keep_freed_memory()
    # Small batched products and LAPACK calls run faster on one BLAS thread than
    # on several (measured 2x on Heart); parallelism comes from worker processes.
    with threadpool_limits(1, user_api="blas"):
        return _walk(problem, settings, walk_ids, seed, weights_stride, callback)


def _walk(problem, settings, walk_ids, seed, weights_stride, callback):
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    walk_ids = np.asarray(walk_ids, dtype=np.int64)
    n, steps = len(walk_ids), int(settings.steps)
    rngs = walk_rngs(seed, walk_ids)
    size = getattr(problem, "batch_size", None)
    batches = _Batches(problem, walk_rngs(seed, walk_ids, _BATCH_STREAM), size) if size else None
    W = initial_points(rngs, arch.dim, settings.init_range)
    basis, flat, d = _curvature_setup(problem, settings, arch)
    out = {name: np.empty((n, steps)) for name in RECORDS[:-1]}
    out["curvature"] = np.full((n, steps), -1, dtype=np.int8)
    if weights_stride:
        out["weights"] = np.empty((n, -(-steps // weights_stride), arch.dim))
    H = np.empty((n, d, d)) if settings.hessian != "none" else None
    for step in range(steps):
        curved = H is not None and step % settings.hessian_every == 0
        Et, Eg, Ct, Cg, G, Xt = _evaluate(W, problem, arch, settings, batches,
                                          H if curved else None, basis)
        for name, value in zip(RECORDS, (Et, Eg, Ct, Cg, np.linalg.norm(G, axis=1))):
            out[name][:, step] = value
        if curved:
            out["curvature"][:, step] = _classify(W, H, Xt, arch, settings, flat)
        if weights_stride and step % weights_stride == 0:
            out["weights"][:, step // weights_stride] = W
        W = W + progressive_step(rngs, G, settings.eps)
        if callback is not None:
            callback(step)
    return out
