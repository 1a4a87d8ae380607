"""The picture of a loss slice (:mod:`lgc.slices`) with a walk's projected path on it.

Pure plotting, as :mod:`lgc.plots`: data in, a :class:`lgc.plots.Figure` out,
no pyplot, no walks run.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm

from .plots import Figure

__all__ = ["PROJECTED_NOTE", "slice_figure"]

#: What the caption says about the path: it is a shadow of the walk, not the walk.
PROJECTED_NOTE = ("The walk is projected onto this plane; it does not lie in it, so its "
                  "line may seem to cross contours the walk never crossed.")


def slice_figure(coords, grid, path_xy, *, title: str | None = None,
                 xlabel: str = "a: along the walk's displacement (start to end)",
                 ylabel: str = "b: a random direction orthogonal to it",
                 levels: int = 18, caption: str | None = PROJECTED_NOTE) -> Figure:
    """Filled contours of a loss slice and the walk's projected path.

    The colours are on a log scale (losses near a minimum differ by orders of
    magnitude) when every loss is positive and they span more than a few per
    cent; else linear. The path is a line from a circle (its start) to a star
    (its end, the slice's centre (0, 0) when the slice is centred there).

    Parameters
    ----------
    coords : array (n,)
        The grid's coordinates on both axes (:func:`lgc.slices.slice_coordinates`).
    grid : array (n, n)
        Losses, rows along the second axis (:func:`lgc.slices.loss_slice`).
    path_xy : array (steps, 2)
        The walk's coordinates in the plane (:func:`lgc.slices.project`).
    title, xlabel, ylabel : str
    levels : int
        Number of colour levels.
    caption : str or None
        Printed under the axes; by default :data:`PROJECTED_NOTE`.

    Returns
    -------
    lgc.plots.Figure
        One axes labelled "slice" (and its colour bar).

    Examples
    --------
    >>> import numpy as np
    >>> c = np.linspace(-1, 1, 5)
    >>> fig = slice_figure(c, 1 + np.add.outer(c**2, c**2), np.array([[-1, 0.2], [0, 0]]))
    >>> [ax.get_label() for ax in fig.axes][:1]
    ['slice']
    """
    coords, grid = np.asarray(coords, dtype=float), np.asarray(grid, dtype=float)
    path_xy = np.asarray(path_xy, dtype=float).reshape(-1, 2)
    if grid.shape != (coords.size, coords.size):
        raise ValueError(f"grid must have shape ({coords.size}, {coords.size}) to match "
                         f"coords, got {grid.shape}")
    fig = Figure(figsize=(5.6, 4.8), layout="constrained")
    ax = fig.subplots()
    ax.set_label("slice")
    finite = grid[np.isfinite(grid)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low > 0 and high > low * 1.05:
        steps, norm = np.geomspace(low, high, levels + 1), LogNorm(low, high)
        label = "training loss (log scale)"
    else:
        steps = np.linspace(low, high if high > low else low + 1.0, levels + 1)
        norm, label = None, "training loss"
    filled = ax.contourf(coords, coords, grid, levels=steps, norm=norm, cmap="viridis",
                         extend="neither")
    ax.contour(coords, coords, grid, levels=steps[::3], norm=norm, colors="white",
               linewidths=0.4, alpha=0.6)
    bar = fig.colorbar(filled, ax=ax, ticks=steps[::3], format="%.3g")  # short labels
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.plot(path_xy[:, 0], path_xy[:, 1], color="#d62728", lw=1.4, label="walk (projected)")
    ax.plot(*path_xy[0], "o", ms=7, mfc="white", mec="#d62728", mew=1.6, label="start")
    ax.plot(*path_xy[-1], "*", ms=13, mfc="#ffdd55", mec="k", mew=0.8, label="end")
    ax.set_xlim(coords[0], coords[-1])
    ax.set_ylim(coords[0], coords[-1])
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    if title:
        ax.set_title(title, fontsize=9)
    if caption:
        # a figure-level label: the constrained layout keeps room for it
        fig.supxlabel(caption, fontsize=7, style="italic", wrap=True)
    return fig
