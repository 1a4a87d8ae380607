"""A 2-D slice of the loss surface through a walk, and the walk's path on it.

The l-g cloud (Section 4.2) shows where walks went only through two numbers per
step, the loss and the gradient norm. A slice shows the loss itself around one
point: the training loss L(c + a d1 + b d2) on an n x n grid of (a, b) in
[-extent, extent]^2, for a centre c (here: a walk's end point) and two
directions d1, d2 in weight space. The walk is drawn on it by projecting its
weight vectors onto the plane; the walk is not *in* that plane, so the projected
line may seem to cross contours the walk itself never crossed.

Directions (:func:`slice_directions`): d1 is the walk's overall displacement,
start to end, so the walk's start lies on the plane's a-axis and the slice
shows the drop from start to end; d2 is a random direction orthogonal to it.
Both have unit length, so a and b are Euclidean distances in weight space.
(Li et al., "Visualizing the loss landscape of neural nets", NeurIPS 2018,
instead scale random directions filter by filter; with a single small hidden
layer and the walks' own scale set by the initialisation range, plain unit
directions keep the axes readable as distances.)

The grid's losses come from :func:`lgc.derivatives.batch_loss`, the closed form
that evaluates many weight vectors in one call, in chunks of :data:`CHUNK`
grid points; :func:`lgc.network.loss` (autograd) is the reference the tests
compare against.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .derivatives import batch_loss
from .network import Architecture, check_finite_weights

__all__ = ["CHUNK", "loss_slice", "slice_directions", "project", "slice_coordinates"]

#: Grid points per call of batch_loss: bounds the (points, P, h) hidden
#: activations' memory (Heart: 256 x 736 x 10 floats, 15 MB).
CHUNK = 256


def slice_coordinates(extent: float, n: int) -> np.ndarray:
    """The n coordinates -extent .. extent of each axis of the grid; the middle one is 0.

    Raises ValueError (one line) unless ``extent`` is a finite number > 0 and
    ``n`` an odd integer >= 3 (odd, so that the centre is a grid point).

    >>> slice_coordinates(1.0, 5).tolist()
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    if (isinstance(extent, bool) or not isinstance(extent, numbers.Real)
            or not math.isfinite(extent) or extent <= 0):
        raise ValueError(f"extent must be a finite number > 0, got {extent!r}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 3 or n % 2 == 0:
        raise ValueError(f"n must be an odd integer >= 3 (the centre is a grid point), "
                         f"got {n!r}")
    coords = np.linspace(-float(extent), float(extent), int(n))
    coords[n // 2] = 0.0  # exactly, whatever linspace's rounding
    return coords


def _vectors(d: int, **vectors) -> list[np.ndarray]:
    out = []
    for name, v in vectors.items():
        v = np.asarray(v, dtype=float)
        if v.shape != (d,):
            raise ValueError(f"{name} must be a weight vector of shape ({d},), got {v.shape}")
        check_finite_weights(v)
        out.append(v)
    return out


def loss_slice(problem, kind: str, centre, d1, d2, extent: float, n: int,
               patterns: int | None = None) -> np.ndarray:
    """Training losses on an n x n grid through ``centre`` spanned by ``d1`` and ``d2``.

    Entry [i, j] is L(centre + a_j d1 + b_i d2) with a = b =
    :func:`slice_coordinates` (extent, n): rows follow d2 and columns d1, as
    matplotlib's ``contour(a, b, grid)`` wants. L is the mean training loss of
    Section 5 (SSE or CE), evaluated by :func:`lgc.derivatives.batch_loss` for
    :data:`CHUNK` grid points per call.

    Parameters
    ----------
    problem : lgc.problems.Problem
        Its X_train, T_train and layer sizes.
    kind : {"sse", "ce"}
    centre, d1, d2 : array (d,)
        The grid's centre and its two directions (any length; see
        :func:`slice_directions` for unit ones).
    extent : float > 0
        Half the side of the square, in units of the directions' lengths.
    n : odd int >= 3
        Grid points per side.
    patterns : int, optional
        Use only the first ``patterns`` training patterns (for MNIST, whose
        full training set would make a classroom slice slow); all when None.

    Returns
    -------
    numpy.ndarray (n, n)
    """
    coords = slice_coordinates(extent, n)
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    centre, d1, d2 = _vectors(arch.dim, centre=centre, d1=d1, d2=d2)
    X, T = problem.X_train, problem.T_train
    if patterns is not None:
        if isinstance(patterns, bool) or not isinstance(patterns, numbers.Integral) \
                or patterns < 1:
            raise ValueError(f"patterns must be a whole number >= 1 or None, got {patterns!r}")
        X, T = X[:patterns], T[:patterns]
    b, a = np.meshgrid(coords, coords, indexing="ij")  # rows follow d2, columns d1
    a, b = a.reshape(-1, 1), b.reshape(-1, 1)
    losses = np.empty(n * n)
    for lo in range(0, n * n, CHUNK):  # weights made chunk by chunk (MNIST: 64 KB each)
        part = slice(lo, lo + CHUNK)
        W = centre + a[part] * d1 + b[part] * d2
        losses[part] = batch_loss(W, X, T, kind, arch)[0]
    return losses.reshape(n, n)


def slice_directions(path, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two orthonormal directions for a slice through a walk's path.

    d1 is the path's overall displacement, last point minus first, scaled to
    unit length (a random direction when the walk ended where it began); d2 is
    a standard normal draw from ``rng`` with its d1 component removed, scaled
    to unit length (Gram-Schmidt).

    Parameters
    ----------
    path : array (steps, d)
        A walk's weight vectors in order (at least one).
    rng : numpy.random.Generator
    """
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[0] < 1 or path.shape[1] < 2:
        raise ValueError(f"path must be an array (steps >= 1, d >= 2) of weight vectors, "
                         f"got shape {path.shape}")
    check_finite_weights(path)
    d1 = path[-1] - path[0]
    length = np.linalg.norm(d1)
    if not length > 0:
        d1 = rng.standard_normal(path.shape[1])
        length = np.linalg.norm(d1)
    d1 = d1 / length
    while True:  # a draw parallel to d1 has probability 0; redraw rather than divide by 0
        d2 = rng.standard_normal(path.shape[1])
        d2 -= (d2 @ d1) * d1
        d2 -= (d2 @ d1) * d1  # twice: one pass leaves rounding-sized overlap
        length = np.linalg.norm(d2)
        if length > 1e-8:
            return d1, d2 / length


def project(path, centre, d1, d2) -> np.ndarray:
    """Coordinates (steps, 2) of each point of ``path`` in the plane centre + a d1 + b d2.

    The least-squares (a, b) of every point minus the centre on the two
    directions: a point in the plane gets its exact coordinates; any other
    point, those of its orthogonal projection onto the plane. For orthonormal
    directions these are the dot products with d1 and d2.
    """
    path = np.asarray(path, dtype=float)
    if path.ndim == 1:
        path = path[None, :]
    centre, d1, d2 = _vectors(path.shape[-1], centre=centre, d1=d1, d2=d2)
    D = np.stack([d1, d2], axis=1)  # (d, 2)
    if np.linalg.matrix_rank(D) < 2:
        raise ValueError("d1 and d2 must be linearly independent to span a plane")
    coords, *_ = np.linalg.lstsq(D, (path - centre).T, rcond=None)
    return coords.T
