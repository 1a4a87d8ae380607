"""Loss-gradient clouds and the stagnation picture, drawn from stored results.

Pure plotting: every function here takes data (a results frame as written by
:mod:`lgc.store`, or one walk's loss sequence) and returns matplotlib artists.
Nothing here runs a walk, and nothing calls ``pyplot``: figures are
:class:`Figure` objects (matplotlib's, shown as a PNG by Jupyter, papermill and
Voila wherever they are a cell's value or passed to ``display``), so they draw
the same way on a headless server (Agg) as in a notebook, and never pop up on
their own.

A results *frame* has one row per (walk, step) and the columns walk, step, Et,
Eg, Ct, Cg, grad_norm and curvature (categorical: convex, concave, saddle,
singular; NaN where the curvature was not computed, as for MNIST).

The l-g cloud (Section 4.2) puts the loss on the x-axis and the gradient norm
on the y-axis, one pane per curvature class with a fixed colour per class.
:data:`FIGURES` says, for each of the paper's 22 figures, what it shows.

So that a reader can trust what a pane shows and what it does not: both axes
start a little below zero (points at zero loss or gradient are drawn whole, not
under the spines); a loss axis stretched by a few far points is cut, and each
pane says how many of its points lie beyond (:func:`cloud_limits`); the panels
of one loss in a figure share their limits; a class without points says "no
points", and a pane with no point at all has no axes and no colour bar; the Eg
colours are deciles, with a bar that says so.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, LogNorm, Normalize
from matplotlib import figure as _figure
from matplotlib.patches import Patch

from .basins import MIN_RUN, stagnation_trace
from .curvature import CURVATURES
from .figure_specs import FIGURES, FigureSpec, Panel, figure_filename

__all__ = [
    "CLASS_COLOURS", "NOT_COMPUTED", "Cloud", "FIGURES", "FigureSpec", "Panel",
    "figure_filename", "lg_cloud", "lg_cloud_figure", "stagnation_figure", "save",
]

class Figure(_figure.Figure):
    """A matplotlib figure that IPython shows as a PNG.

    Without pyplot no inline backend registers a display for figures, and a
    notebook cell would print ``<Figure size ...>`` instead of the picture.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


#: One fixed colour per curvature class (ggplot's default four hues, as the paper's
#: figures were drawn with ggplot), and grey for points without a curvature.
CLASS_COLOURS = {"convex": "#7CAE00", "concave": "#F8766D", "saddle": "#00BFC4",
                 "singular": "#C77CFF"}
NOT_COMPUTED = "not computed"
_GREY = "#7f7f7f"
_SHADE = "#fdd9a0"
_LABELS = {"Et": "training loss Et", "Eg": "test loss Eg"}


class Cloud(NamedTuple):
    """What :func:`lg_cloud` drew: its panes and how many points each holds.

    ``counts[c]`` is the number of points of class c (after any threshold),
    ``shown[c]`` how many of them were drawn (fewer when subsampled).
    ``mappable`` is the colour-mapped scatter (None without ``color_by``);
    ``dropped`` counts points left out for want of a curvature.
    """

    axes: tuple
    counts: dict
    shown: dict
    mappable: object = None
    dropped: int = 0


def _class_codes(curv: pd.Series) -> np.ndarray:
    """Index into CURVATURES per point, -1 where no curvature was computed."""
    if not isinstance(curv.dtype, pd.CategoricalDtype) or list(curv.cat.categories) != list(
            CURVATURES):
        curv = pd.Series(pd.Categorical(curv, categories=CURVATURES), index=curv.index)
    return curv.cat.codes.to_numpy()


def _panes(codes: np.ndarray) -> list[str]:
    """Pane names: the four classes, plus "not computed" when some points lack one."""
    missing = codes < 0
    if missing.all():
        return [NOT_COMPUTED]
    return list(CURVATURES) + ([NOT_COMPUTED] if missing.any() else [])


def _select(frame: pd.DataFrame, thresholds) -> pd.DataFrame:
    """Rows with frame[column] < bound for every (column, bound) in ``thresholds``."""
    keep = np.ones(len(frame), dtype=bool)
    for column, bound in (thresholds or {}).items():
        if bound is not None:
            keep &= frame[column].to_numpy() < bound
    return frame[keep]


def _subsample(n: int, max_points: int | None, seed: int) -> np.ndarray:
    """Sorted indices of at most ``max_points`` of n rows (all of them if n fits)."""
    if max_points is None or n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, int(max_points), replace=False))


def _new_axes(fig, n_panes: int, ncols: int):
    rows = -(-n_panes // ncols)
    grid = fig.subplots(rows, min(ncols, n_panes), sharex=True, sharey=True, squeeze=False)
    axes = list(grid.flat)
    for ax in axes[n_panes:]:
        ax.set_visible(False)
    return axes[:n_panes]


def _sqrt_scale(ax) -> None:
    """Square-root x-axis (the paper's Figure 4). Odd-symmetric, sign(x) sqrt(|x|),
    so the small margin left of zero (see :func:`cloud_limits`) exists on it too;
    losses themselves are never negative."""
    ax.set_xscale("function", functions=(lambda x: np.sign(x) * np.sqrt(np.abs(x)),
                                         lambda y: np.sign(y) * np.square(y)))


#: When the farthest loss lies beyond CLIP_FACTOR times the CLIP_QUANTILE of the
#: losses, the loss axis ends at that quantile and each pane counts what lies beyond.
#: A few high-loss start points (CE at r = 10 reaches Et = 9 to 26 while 99% of the
#: points lie below 1 to 8) would otherwise squeeze the clusters the paper describes
#: into the first tenth of the axis. The paper draws such an axis on a square-root
#: scale only in Figure 4; elsewhere its axes are linear, so we keep them linear and
#: cut them, saying how many points are cut.
CLIP_QUANTILE, CLIP_FACTOR = 0.99, 3.0
#: Share of each axis' span left beyond the data on both sides. Points at exactly
#: zero loss or zero gradient (the stationary points the clouds are for) would sit
#: on the axes' spines, half clipped and hidden under them; a margin on the low side
#: too keeps them in view while the axes stay linear, as the paper draws them (a
#: symlog axis would show zero as well, but would bend the clusters the paper reads).
MARGIN = 0.04


class Limits(NamedTuple):
    """Axis limits of an l-g cloud and the loss beyond which points are cut."""

    x: tuple
    y: tuple
    x_cut: float  # points with a loss above it lie outside the pane (inf: none)


def cloud_limits(x, y, sqrt_x: bool = False) -> Limits:
    """Limits that show every point but a few far high-loss ones, with zero in view.

    ``x`` (loss) and ``y`` (gradient norm) are every point the limits are for (all
    panes, and all panels that share them). The loss axis ends at the
    CLIP_QUANTILE of x when the largest x lies beyond CLIP_FACTOR times it (never on
    a square-root axis, which is there to bring those points in); the gradient axis
    then covers the points that are left. Both axes start a MARGIN below zero.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if not x.size:
        return Limits((-MARGIN, 1 + MARGIN), (-MARGIN, 1 + MARGIN), np.inf)
    x_hi, cut = float(x.max()), np.inf
    q = float(np.quantile(x, CLIP_QUANTILE))
    if not sqrt_x and x_hi > CLIP_FACTOR * q and q > 0:
        x_hi = cut = q
    y_hi = float(y[x <= x_hi].max())
    return Limits(_padded(min(x.min(), 0.0), x_hi, sqrt_x), _padded(min(y.min(), 0.0), y_hi),
                  cut)


def _padded(lo: float, hi: float, sqrt_x: bool = False) -> tuple:
    """(lo, hi) widened by MARGIN of the span each way (measured in sqrt units on a
    square-root axis, so the margin looks the same)."""
    if sqrt_x:
        span = np.sqrt(hi) - np.sqrt(max(lo, 0.0)) or 1.0
        pad = MARGIN * span
        return (-pad ** 2, (np.sqrt(hi) + pad) ** 2)
    pad = MARGIN * (hi - lo or 1.0)
    return (lo - pad, hi + pad)


def _colour_norm(colour, scale: str):
    """The colour scale over ``colour`` (every value it is for).

    "deciles" (the default of the Eg figures): ten colours, each holding a tenth of
    the points, bounded by the deciles of Eg. Eg is skewed (a few points generalise
    far worse than the rest): on a linear scale they take the bright end and leave
    the rest one dark colour, hiding e.g. that Glass' lowest-Et CE points have the
    highest Eg (overfitting). Deciles show any such ordering whatever the skew; the
    colour bar still reads in Eg. "linear" and "log" (positive values) span
    [min, max].
    """
    if scale not in COLOUR_SCALES:
        raise ValueError(f"colour scale must be one of {COLOUR_SCALES}; got {scale!r}")
    finite = colour[np.isfinite(colour) & ((colour > 0) if scale == "log" else True)]
    if not finite.size:
        return None
    lo, hi = finite.min(), finite.max()
    if scale == "log":
        return LogNorm(lo, hi)
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, 11)))
    if scale == "linear" or edges.size < 3:
        return Normalize(lo, hi if hi > lo else lo + 1)
    return BoundaryNorm(edges, 256)


COLOUR_SCALES = ("deciles", "linear", "log")


def lg_cloud(frame: pd.DataFrame, ax_row=None, loss: str = "Et", sqrt_x: bool = False,
             color_by: str | None = None, thresholds=None, max_points: int | None = 200_000,
             seed: int = 0, title: str | None = None, log_color: bool = False,
             ncols: int = 2, unclassified: str = "drop", limits: Limits | None = None,
             colour_scale: str | None = None) -> Cloud:
    """Draw the loss-gradient cloud of one sample, one pane per curvature class.

    Parameters
    ----------
    frame : pandas.DataFrame
        Results frame (see the module doc); needs ``loss``, grad_norm, curvature.
    ax_row : sequence of Axes, Figure or SubFigure, optional
        Where to draw: one Axes per pane, or a (sub)figure to make the panes in
        (``ncols`` per row). By default a new Figure.
    loss : "Et" or "Eg"
        The column on the x-axis.
    sqrt_x : bool
        Square-root scale on the x-axis.
    color_by : str, optional
        Colour points by this column (e.g. "Eg", Figures 7, 10, 13, 16, 19, 22)
        instead of by curvature class; a colour bar is added.
    thresholds : float or dict, optional
        Keep only rows with ``frame[column] < bound``: a dict {column: bound}, or a
        number, read as an upper bound on ``loss``.
    max_points : int or None
        At most this many points are drawn, a seeded uniform sample of all of them;
        each pane then says "n shown of N". None draws everything.
    seed : int
        Seed of that subsample.
    title : str, optional
        Title over the panes (a figure or sub-figure title).
    log_color : bool
        Logarithmic colour scale (the paper's Figure 16, CE panels); the same as
        ``colour_scale="log"``.
    ncols : int
        Panes per row when the panes are made here.
    unclassified : "drop" or "pane"
        What to do with points that have no curvature when others have one (a
        sample that classified only every k-th step): leave them out and say how
        many under the panes, or draw them in a fifth, grey "not computed" pane.
    limits : Limits, optional
        Axis limits (e.g. shared with other clouds, :func:`cloud_limits`); by
        default this cloud's own. Points beyond ``limits.x_cut`` are counted on
        their pane ("k beyond").
    colour_scale : "deciles", "linear" or "log", optional
        How ``color_by`` maps to colours (see :func:`_colour_norm`); by default
        "log" with ``log_color``, else "linear".

    Returns
    -------
    Cloud
        The panes and the number of points per pane, counted and drawn.

    When no point has a curvature (MNIST, as in the paper) a single pane,
    "curvature not computed", holds them all. A class without points says "no
    points" in its pane; when no point is left at all (a bound none meets) the
    pane says so with no axes and no colour bar.
    """
    if not isinstance(thresholds, (dict, type(None))):
        thresholds = {loss: float(thresholds)}
    scale = colour_scale or ("log" if log_color else "linear")
    data, codes, dropped = _classified(_select(frame, thresholds), unclassified)
    panes = _panes(codes)
    holder, axes, per_row = _pane_axes(ax_row, panes, ncols)
    x_all, y_all = data[loss].to_numpy(float), data["grad_norm"].to_numpy(float)  # (N,)
    limits = limits or cloud_limits(x_all, y_all, sqrt_x)
    keep = _subsample(len(data), max_points, seed)  # (n,)
    x, y, shown_codes = x_all[keep], y_all[keep], codes[keep]
    colour = data[color_by].to_numpy(float) if color_by is not None else None
    norm = _colour_norm(colour, scale) if colour is not None else None
    counts, shown, mappable = {}, {}, None
    for ax, name in zip(axes, panes):
        code = CURVATURES.index(name) if name in CURVATURES else -1
        here = shown_codes == code
        counts[name], shown[name] = int((codes == code).sum()), int(here.sum())
        style = _marker_style(shown[name])
        if colour is None:
            ax.scatter(x[here], y[here], color=CLASS_COLOURS.get(name, _GREY), **style)
        else:
            mappable = ax.scatter(x[here], y[here], c=colour[keep][here], cmap="viridis",
                                  norm=norm, **style)
        label = "curvature not computed" if panes == [NOT_COMPUTED] else name
        count = (f"{shown[name]:,} shown of {counts[name]:,}" if shown[name] < counts[name]
                 else f"N = {counts[name]:,}")
        ax.set_title(f"{label}\n{count}", fontsize=9, color=CLASS_COLOURS.get(name, "k"))
        if sqrt_x:
            _sqrt_scale(ax)
        ax.set_xlim(*limits.x)
        ax.set_ylim(*limits.y)
        ax.tick_params(labelsize=7)
        if counts[name] == 0 and not data.empty:
            _note(ax, "no points")
        beyond = int((x_all[codes == code] > limits.x_cut).sum())
        if beyond:
            ax.text(0.98, 0.97, f"{beyond:,} beyond {loss} = {limits.x_cut:.3g} \u2192",
                    transform=ax.transAxes, ha="right", va="top", fontsize=7, label="beyond",
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1))
    _label_axes(axes, len(panes), per_row,
                _LABELS.get(loss, loss) + (" (square-root scale)" if sqrt_x else ""))
    if data.empty:
        _say_empty(axes, frame, thresholds)
    elif mappable is not None:
        _colour_bar(holder, axes, mappable, color_by)
    if title:
        holder.suptitle(title, fontsize=10)
    if dropped:
        holder.supxlabel(f"{dropped:,} of {dropped + len(data):,} points have no curvature "
                         f"and are not drawn", fontsize=7, color=_GREY)
    return Cloud(tuple(axes), counts, shown, mappable if not data.empty else None, dropped)


def _classified(data: pd.DataFrame, unclassified: str):
    """(rows, their class codes, how many were dropped for want of a curvature)."""
    if unclassified not in ("drop", "pane"):
        raise ValueError(f"unclassified must be 'drop' or 'pane'; got {unclassified!r}")
    codes = _class_codes(data["curvature"])  # (N,)
    dropped = int((codes < 0).sum())
    if unclassified == "drop" and 0 < dropped < len(codes):
        return data[codes >= 0], codes[codes >= 0], dropped
    return data, codes, 0


def _pane_axes(ax_row, panes: list, ncols: int):
    """(figure holding the panes, one Axes per pane, panes per row) from what
    :func:`lg_cloud` was given: nothing, a (sub)figure, or Axes."""
    if ax_row is None:
        ax_row = Figure(figsize=(3.2 * min(ncols, len(panes)), 2.8 * -(-len(panes) // ncols)),
                        layout="constrained")
    if hasattr(ax_row, "subplots"):  # a Figure or SubFigure to fill
        return ax_row, _new_axes(ax_row, len(panes), ncols), ncols
    axes = list(np.ravel(ax_row))
    if len(axes) < len(panes):
        raise ValueError(f"ax_row has {len(axes)} axes but the cloud needs {len(panes)} "
                         f"panes ({', '.join(panes)}); pass more axes or a figure")
    return axes[0].figure, axes, len(axes)


def _label_axes(axes, n_panes: int, per_row: int, xlabel: str) -> None:
    """x labels under the bottom panes, y labels on the left ones."""
    for i, ax in enumerate(axes):
        if i + per_row >= n_panes:  # nothing drawn below this pane
            ax.set_xlabel(xlabel, fontsize=8)
            ax.xaxis.set_tick_params(labelbottom=True)
        if i % per_row == 0:
            ax.set_ylabel("gradient norm", fontsize=8)


def _colour_bar(holder, axes, mappable, column: str) -> None:
    """A colour bar that says what the colour is and which way it goes."""
    norm = mappable.norm
    deciles = isinstance(norm, BoundaryNorm)
    words = ("each colour a tenth of the points" if deciles else
             "log scale" if isinstance(norm, LogNorm) else "linear scale")
    bar = holder.colorbar(mappable, ax=axes, shrink=0.8,
                          spacing="uniform" if deciles else "proportional")
    if deciles:  # the decile edges, as Eg values, with digits enough to tell them apart
        bar.set_ticks(norm.boundaries, labels=_distinct_labels(norm.boundaries))
    name = _LABELS.get(column, column)
    bar.set_label(f"{name} ({words});\nbrighter: higher {column}", fontsize=8)
    bar.solids.set_alpha(1)
    bar.ax.tick_params(labelsize=7)


def _distinct_labels(values) -> list[str]:
    """Labels of increasing values with the fewest significant digits (3 to 6) that
    keep neighbours apart.

    >>> _distinct_labels([0.0351, 0.03514, 0.04])
    ['0.0351', '0.03514', '0.04']
    """
    for digits in range(3, 7):
        labels = [f"{v:.{digits}g}" for v in values]
        if len(set(labels)) == len(labels):
            break
    return labels


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=8,
            color=_GREY)


def _say_empty(axes, frame: pd.DataFrame, thresholds) -> None:
    """No point to draw: say so, and why for a bound, with no axes to misread."""
    for ax in axes:
        ax.set_axis_off()
    text = "no points"
    if thresholds:
        lowest = ", ".join(f"lowest {c} here: {frame[c].min():.3g}" for c in thresholds)
        bounds = ", ".join(f"{c} < {b:g}" for c, b in thresholds.items())
        text = f"no points: none with {bounds}\n({lowest})"
    axes[0].text(0.5, 0.5, text, ha="center", va="center", transform=axes[0].transAxes,
                 fontsize=8, color=_GREY)


def _marker_style(n: int) -> dict:
    """Small, translucent, rasterised dots for big clouds; visible ones for a few points."""
    size, alpha = (2, 0.5) if n > 5000 else (5, 0.7) if n > 200 else (12, 0.9)
    return dict(s=size, linewidths=0, alpha=alpha, rasterized=True)


def _frame_for(frames: dict, panel: Panel):
    """Look a panel's frame up by Panel, (loss, granularity, range) or (loss, granularity)."""
    for key in (panel, (panel.loss, panel.granularity, panel.init_range),
                (panel.loss, panel.granularity)):
        if key in frames:
            return frames[key]
    return None


def _shared(selected: list, sqrt_x: bool) -> Limits:
    """Limits over every point of several clouds: the panels compared in one
    figure share them, so that equal positions mean equal values."""
    data = [_classified(frame, "drop")[0] for frame in selected]
    return cloud_limits(np.concatenate([d["Et"].to_numpy(float) for d in data]),
                        np.concatenate([d["grad_norm"].to_numpy(float) for d in data]), sqrt_x)


def lg_cloud_figure(frames: dict, layout, *, max_points: int | None = 200_000, seed: int = 0,
                    sqrt_x: bool | None = None, ncols: int = 2, title: str | None = None,
                    figsize=None, colour_scale: str = "deciles") -> Figure:
    """A whole multi-panel l-g cloud figure, e.g. (a) SSE micro ... (d) CE macro.

    Parameters
    ----------
    frames : dict
        Results frames keyed by :class:`Panel`, by (loss, granularity, init_range)
        or by (loss, granularity).
    layout : int, FigureSpec or sequence of Panel
        A figure number of :data:`FIGURES`, its spec, or the panels to draw.
    max_points : int or None
        Cap on the points drawn per panel (see :func:`lg_cloud`).
    sqrt_x : bool, optional
        Square-root loss axis; by default the figure spec's choice.
    ncols : int
        Panels per row.
    title : str, optional
        Figure title; by default "Figure n: <short caption>" for a spec.
    colour_scale : "deciles", "linear", "log" or "paper"
        Colours of the Eg figures (see :func:`_colour_norm`); "paper" is each
        panel's own choice (linear, or log where ``Panel.log_color``).

    Returns
    -------
    matplotlib.figure.Figure
        One sub-figure per panel, each with its curvature panes. A panel without
        a frame in ``frames`` shows "no results" rather than failing. Panels of
        the same loss and Et bound share their axis limits, as the paper compares
        them: micro with macro steps, r = 1 with r = 10.
    """
    spec = FIGURES[layout] if isinstance(layout, int) else layout
    if isinstance(spec, FigureSpec):
        if spec.kind == "method":
            raise ValueError(f"Figure {spec.number} is not an l-g cloud; draw it with "
                             f"stagnation_figure(simulated_walk())")
        panels, colour = spec.panels, spec.kind == "eg_cloud"
        sqrt_x = spec.sqrt_x if sqrt_x is None else sqrt_x
        title = title if title is not None else f"Figure {spec.number}: {spec.title}"
    else:
        panels, colour = tuple(spec), False
    ncols = min(ncols, len(panels))
    rows = -(-len(panels) // ncols)
    fig = Figure(figsize=figsize or (5.2 * ncols, 4.6 * rows), layout="constrained")
    subfigs = np.ravel(fig.subfigures(rows, ncols, squeeze=False))
    if colour_scale not in COLOUR_SCALES + ("paper",):
        raise ValueError(f"colour_scale must be one of {COLOUR_SCALES + ('paper',)}; "
                         f"got {colour_scale!r}")
    scales = {p: ("log" if p.log_color else "linear") if colour_scale == "paper"
              else colour_scale for p in panels}
    selected = {p: _select(f, {"Et": p.et_max} if colour else None)
                for p in panels if (f := _frame_for(frames, p)) is not None}
    # panels of one loss (and one Et bound: a tighter bound is the paper's close-up)
    # share their limits; each keeps its own colour scale, as the Eg figures ask a
    # question inside each panel (do the lowest-Et points generalise worst?) and
    # pooled deciles would leave a panel of low Eg in one dark colour
    group = {p: (p.loss, p.et_max) for p in panels}
    limits = {key: _shared([f for p, f in selected.items() if group[p] == key], bool(sqrt_x))
              for key in dict.fromkeys(group[p] for p in selected)}
    for letter, panel, sub in zip("abcdefgh", panels, subfigs):
        frame = selected.get(panel)
        label = f"({letter}) {panel.label}"
        if frame is None:
            ax = sub.subplots()
            ax.text(0.5, 0.5, "no results for this panel", ha="center", va="center",
                    transform=ax.transAxes)
            ax.set_axis_off()
            sub.suptitle(label, fontsize=10)
            continue
        lg_cloud(_frame_for(frames, panel), sub,
                 sqrt_x=bool(sqrt_x), title=label, max_points=max_points, seed=seed,
                 color_by="Eg" if colour else None,
                 thresholds={"Et": panel.et_max} if colour else None,
                 limits=limits[group[panel]], colour_scale=scales[panel])
    for sub in subfigs[len(panels):]:
        sub.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def _runs(mask: np.ndarray):
    """(start, stop) of every True run of a 1-D mask, stop exclusive."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))


def stagnation_figure(seq, windows=(6, 8, 12, 20), ncols: int = 2, title: str | None = None
                      ) -> Figure:
    """Figure 2: the stagnation estimate of one walk at several window sizes.

    Each panel shows the min-max scaled walk, its EWMA (green, "Exp moving avg"),
    and on the right-hand axis the moving standard deviation with the threshold
    it is compared with; stagnant stretches are shaded, each labelled with its
    length in steps. A moving std covering steps i .. i + w - 1 is drawn at step
    i + w - 1, the end of its window. Where short stretches merge into the next
    (lgc.basins: a run of MIN_RUN steps or fewer carries into the next), so that
    nstag is not the number of shaded stretches, the panel says so.

    Parameters
    ----------
    seq : 1-D array
        One walk's loss values (e.g. ``lgc.basins.simulated_walk()``).
    windows : sequence of int
        One panel per window w, labelled (a), (b), ...

    Returns
    -------
    matplotlib.figure.Figure
        Its left-hand axes carry the label "window <w>".

    Examples
    --------
    >>> from lgc.basins import simulated_walk
    >>> fig = stagnation_figure(simulated_walk(), windows=(8,))
    >>> [ax.get_label() for ax in fig.axes if ax.get_label().startswith("window")]
    ['window 8']
    """
    windows = tuple(int(w) for w in windows)
    ncols = min(ncols, len(windows))
    rows = -(-len(windows) // ncols)
    fig = Figure(figsize=(5.0 * ncols, 3.4 * rows), layout="constrained")
    axes = np.ravel(fig.subplots(rows, ncols, squeeze=False))
    for ax in axes[len(windows):]:
        ax.set_visible(False)
    for letter, w, ax in zip("abcdefghijkl", windows, axes):
        t = stagnation_trace(seq, w)
        steps = np.arange(t.scaled.size)
        at = steps[w - 1:]  # each moving std sits at the end of its window
        raw = []
        for start, stop in _runs(t.stagnant):
            ax.axvspan(at[start], at[stop - 1], color=_SHADE, alpha=0.6, lw=0)
            ax.text((at[start] + at[stop - 1]) / 2, 1.03, str(stop - start), ha="center",
                    va="top", fontsize=7, color="#a0522d")
            raw.append(int(stop - start))
        if raw != t.runs.tolist():
            _merge_note(ax, raw, t.runs.tolist())
        ax.plot(steps, t.scaled, color="#4c72b0", lw=0.8, label="walk (scaled)")
        ax.plot(steps, t.smoothed, color="green", lw=1.5, label="Exp moving avg")
        ax.set_ylim(-0.05, 1.08)  # room above 1 for the run lengths
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylabel("scaled loss", fontsize=8)
        ax.set_label(f"window {w}")
        right = ax.twinx()
        right.plot(at, t.moving_std, color="#d62728", lw=1.0, label="moving std")
        right.axhline(t.threshold, color="k", ls="--", lw=0.9, label="threshold")
        top = max(float(t.moving_std.max()), t.threshold) * 1.6 or 1.0
        right.set_ylim(-0.05 * top, 1.05 * top)  # zero level with the left axis' zero
        right.set_ylabel("moving std", fontsize=8)
        for a in (ax, right):
            a.tick_params(labelsize=7)
        prefix = f"({letter}) " if len(windows) > 1 else ""
        ax.set_title(f"{prefix}w = {w}, alpha = {t.alpha:.3f}: nstag = {t.nstag}, "
                     f"lstag = {t.lstag:.2f}", fontsize=9)
        if ax is axes[0]:
            handles = [Patch(color=_SHADE, alpha=0.6, label="stagnant")]
            handles += ax.get_lines() + right.get_lines()
            fig.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=8,
                       frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def _merge_note(ax, raw: list, counted: list) -> None:
    """Say on the panel why its shaded stretches and its nstag differ: lgc.basins
    counts a stagnant run only once it is longer than MIN_RUN steps; a shorter
    one carries its length into the next run, and one left at the end is dropped."""
    ax.text(0.98, 0.88, f"shaded runs of {', '.join(map(str, raw))} steps are counted as "
            f"{', '.join(map(str, counted)) or 'none'}:\na run of {MIN_RUN} steps or fewer "
            f"is not counted on its own but\ncarries its length into the next run (one "
            f"left at the end is dropped)", transform=ax.transAxes, fontsize=6.5, va="top",
            ha="right", bbox=dict(facecolor="white", edgecolor=_GREY, lw=0.5, alpha=0.9),
            label="merge rule")


def save(fig: Figure, path, dpi: int = 150) -> Path:
    """Write ``fig`` as a PNG, atomically (a crash leaves no half file)."""
    from .store import atomic_write

    return atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))


# ------------------------------------------------- two curvature tests side by side


def cloud_grid(cells: dict, *, ncols: int = 2, title: str | None = None,
               max_points: int | None = 200_000, seed: int = 0, sqrt_x: bool = False
               ) -> Figure:
    """l-g clouds side by side, one sub-figure per entry of ``cells``.

    ``cells`` maps a label to a results frame (Et, grad_norm, curvature), in
    the order to draw them, ``ncols`` per row: e.g. the same points classified
    by the full Hessian and by its diagonal blocks (lgc.hessian_tests). Cells
    of the same loss (a frame's ``loss`` column, when it has one) share their
    axis limits, so the same point sits at the same place in both.
    """
    rows = -(-len(cells) // ncols)
    fig = Figure(figsize=(5.2 * ncols, 4.6 * rows), layout="constrained")
    subfigs = np.ravel(fig.subfigures(rows, ncols, squeeze=False))
    loss_of = {label: (frame["loss"].iloc[0] if "loss" in frame and len(frame) else None)
               for label, frame in cells.items()}
    limits = {loss: _shared([f for k, f in cells.items() if loss_of[k] == loss], sqrt_x)
              for loss in set(loss_of.values())}
    for (label, frame), sub in zip(cells.items(), subfigs):
        lg_cloud(frame, sub, title=label, max_points=max_points, seed=seed, sqrt_x=sqrt_x,
                 limits=limits[loss_of[label]])
    for sub in subfigs[len(cells):]:
        sub.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def class_share_bars(shares: pd.DataFrame, tests, *, panel: str = "init_range",
                     group: str = "problem", title: str | None = None) -> Figure:
    """Stacked bars of curvature-class shares: one panel per value of ``panel``,
    a cluster of bars per ``group`` (in order of appearance), one bar per test.

    ``shares`` has the columns ``panel``, ``group``, ``test`` and one per
    curvature class (lgc.hessian_tests.class_shares); each bar is labelled with
    its test's position in ``tests`` (1, 2, ...), explained under the figure.
    """
    panels = list(dict.fromkeys(shares[panel]))
    groups = list(dict.fromkeys(shares[group]))
    tests = list(tests)
    fig = Figure(figsize=(1.25 * len(groups) * len(tests) / 2 + 1.5, 3.4 * len(panels)),
                 layout="constrained")
    axes = np.ravel(fig.subplots(len(panels), 1, squeeze=False))
    width = 0.8 / len(tests)
    for ax, value in zip(axes, panels):
        here = shares[shares[panel] == value]
        for g, name in enumerate(groups):
            for t, test in enumerate(tests):
                row = here[(here[group] == name) & (here.test == test)]
                if row.empty:
                    continue
                x, bottom = g + (t - (len(tests) - 1) / 2) * width, 0.0
                for c in CURVATURES:
                    share = float(row[c].iloc[0])
                    ax.bar(x, share, width * 0.92, bottom=bottom, color=CLASS_COLOURS[c])
                    bottom += share
                ax.text(x, -0.03, str(t + 1), ha="center", va="top", fontsize=6)
        ax.set_xticks(range(len(groups)), [str(g) for g in groups], fontsize=8)
        ax.tick_params(axis="x", pad=10, length=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of points", fontsize=8)
        ax.set_title(f"{panel}: {value:g}" if isinstance(value, float) else f"{panel}: {value}",
                     fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    handles = [Patch(color=CLASS_COLOURS[c], label=c) for c in CURVATURES]
    fig.legend(handles=handles, loc="outside upper right", ncols=4, fontsize=8, frameon=False)
    fig.supxlabel("bars: " + ", ".join(f"{i + 1} = {t}" for i, t in enumerate(tests)),
                  fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def negative_curvature_figure(points: pd.DataFrame, *, test: str, tolerance: dict,
                              group: str = "problem",
                              title: str | None = None) -> Figure:
    """Where ``test`` calls a point convex: the full Hessian's lowest eigenvalue.

    Left: lambda_min / ||H||_F of the full Hessian at those points, per
    ``group``, on a logarithmic scale of its magnitude (negative values, which
    make the point no minimum, in the saddle colour, positive ones in the convex
    colour), with each group's zero tolerance as a dash. Right: how many
    eigenvalues of the full Hessian are negative there. ``points`` needs the
    columns ``test``, ``full_min_rel`` and ``full_n_neg``
    (lgc.hessian_tests.evidence); ``tolerance`` maps a group to its rtol.
    """
    here = points[points[test] == "convex"]
    groups = [g for g in dict.fromkeys(points[group]) if (here[group] == g).any()]
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    rng = np.random.default_rng(0)
    top = 1
    for i, name in enumerate(groups):
        rows = here[here[group] == name]
        rel = rows.full_min_rel.to_numpy(float)
        x = i + rng.uniform(-0.3, 0.3, len(rel))
        neg = rel < 0
        for mask, colour in ((neg, CLASS_COLOURS["saddle"]), (~neg, CLASS_COLOURS["convex"])):
            left.scatter(x[mask], np.abs(rel[mask]), s=6, color=colour, linewidths=0,
                         alpha=0.6, rasterized=True)
        left.hlines(tolerance[name], i - 0.4, i + 0.4, color="k", lw=1.2)
        n_neg = rows.full_n_neg.to_numpy(int)
        values, count = np.unique(n_neg, return_counts=True)
        right.scatter(np.full(len(values), i), values, s=8 + 120 * count / count.sum(),
                      color=[CLASS_COLOURS["saddle" if v else "convex"] for v in values],
                      alpha=0.7, linewidths=0)
        top = max(top, int(n_neg.max()))
    for ax in (left, right):
        ax.set_xticks(range(len(groups)), groups, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    left.set_yscale("log")
    left.set_ylabel("|lambda_min| / ||H||_F of the full Hessian", fontsize=8)
    left.set_title("(a) lowest eigenvalue: teal below zero, green above;\n"
                   "black line: the zero tolerance d eps", fontsize=9)
    right.set_ylim(-0.5, top + 0.5)
    right.set_ylabel("negative eigenvalues of the full Hessian", fontsize=8)
    right.set_title("(b) how many are negative (dot area: share of the points;\n"
                    "green: none, the full Hessian agrees)", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def tolerance_sweep_figure(sweep: pd.DataFrame, *, rows: str = "problem",
                           variants=None, marks: dict | None = None,
                           title: str | None = None) -> Figure:
    """Curvature-class shares against the zero tolerance rtol (stacked areas).

    ``sweep`` has the columns ``rows`` (one row of panels per value), matrix,
    precision, rtol, curvature and share (lgc.hessian_tests.sweep_shares); one
    column of panels per (matrix, precision) of ``variants``. rtol = 0 (exact
    zeros) cannot sit on a logarithmic axis and is left out. ``marks`` maps a
    label to an rtol drawn as a vertical line in every panel, or to a dict
    {row value: rtol} for one per row.
    """
    from matplotlib.lines import Line2D

    sweep = sweep[sweep.rtol > 0]
    names = list(dict.fromkeys(sweep[rows]))
    variants = list(variants or dict.fromkeys(zip(sweep.matrix, sweep.precision)))
    fig = Figure(figsize=(2.6 * len(variants) + 0.6, 1.7 * len(names) + 0.9),
                 layout="constrained")
    axes = fig.subplots(len(names), len(variants), sharex=True, sharey=True, squeeze=False)
    styles = ("--", ":", "-.")
    for r, name in enumerate(names):
        for c, (matrix, precision) in enumerate(variants):
            ax = axes[r, c]
            here = sweep[(sweep[rows] == name) & (sweep.matrix == matrix)
                         & (sweep.precision == precision)]
            table = here.pivot_table(index="rtol", columns="curvature", values="share",
                                     aggfunc="sum", observed=False).reindex(
                columns=list(CURVATURES), fill_value=0.0).fillna(0.0)
            ax.stackplot(table.index, *(table[k] for k in CURVATURES),
                         colors=[CLASS_COLOURS[k] for k in CURVATURES], linewidth=0)
            for (label, where), style in zip((marks or {}).items(), styles):
                at = where.get(name) if isinstance(where, dict) else where
                if at is not None:
                    ax.axvline(at, color="k", lw=0.9, ls=style)
            ax.set_xscale("log")
            ax.set_ylim(0, 1)
            ax.tick_params(labelsize=7)
            if r == 0:
                ax.set_title(f"{matrix} Hessian, {precision}", fontsize=9)
            if c == 0:
                ax.set_ylabel(f"{name}\nshare", fontsize=8)
            if r == len(names) - 1:
                ax.set_xlabel("rtol (zero if |lambda| <= rtol ||H||_F)", fontsize=8)
    handles = [Patch(color=CLASS_COLOURS[k], label=k) for k in CURVATURES]
    handles += [Line2D([], [], color="k", lw=0.9, ls=s, label=label)
                for label, s in zip(marks or {}, styles)]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8,
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
