"""Figures of GECCO'18's walk comparison (Figures 1-5), drawn from a study.

Pure plotting, like :mod:`lgc.plots`: every function takes what
:func:`lgc.gecco18.study` and :func:`lgc.gecco18.compare` returned and gives a
:class:`lgc.plots.Figure` (shown as a PNG by notebooks; save it with
:func:`lgc.plots.save`). Histograms are of the study's first run (100 walks at
the paper's size, as the paper draws one run); the numbers written on them are
the mean over runs of each run's statistic, beside the paper's.
"""
from __future__ import annotations

import numpy as np

from .gecco18 import (ACCURACY_LEVELS, BOUND, GRANULARITIES, LABELS, SAMPLERS,
                      accuracy_shares)
from .plots import Figure

_COLOURS = {"random": "#00BFC4", "progressive": "#F8766D", "gradient": "#C77CFF",
            "unbounded": "#7CAE00"}


def _grid(rows: int, cols: int, width: float = 3.4, height: float = 2.8):
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, cols, squeeze=False))
    return fig, axes


def _ours(comparison, sampler, granularity, metric):
    t = comparison
    row = t[(t.sampler == sampler) & (t.granularity == granularity) & (t.metric == metric)]
    return row.iloc[0]


def walk_traces_figure(first: dict, dims=(0, 1), walks: int = 3, title: str | None = None):
    """Figure 1: a few walks of each sampler drawn in the plane of two weights.

    One pane per (granularity, sampler); the dashed square is the space
    [-10, 10]^2 of the two weights (the unbounded walk may leave it).
    """
    i, j = dims
    fig, axes = _grid(len(GRANULARITIES), len(SAMPLERS))
    for r, granularity in enumerate(GRANULARITIES):
        for c, sampler in enumerate(SAMPLERS):
            ax = axes[r, c]
            P = first[sampler, granularity]["positions"]
            for k in range(min(walks, len(P))):
                ax.plot(P[k, :, i], P[k, :, j], lw=0.8, marker="." if granularity == "macro"
                        else None, ms=3, color=f"C{k}")
                ax.plot(P[k, 0, i], P[k, 0, j], "o", color=f"C{k}", ms=4)
            ax.plot([-BOUND, BOUND, BOUND, -BOUND, -BOUND],
                    [-BOUND, -BOUND, BOUND, BOUND, -BOUND], "k--", lw=0.6)
            if sampler != "unbounded":
                ax.set_xlim(-1.1 * BOUND, 1.1 * BOUND)
                ax.set_ylim(-1.1 * BOUND, 1.1 * BOUND)
            ax.set_title(f"{LABELS[sampler]}, {granularity}", fontsize=9)
            ax.set_xlabel(f"w{i + 1}", fontsize=8)
            ax.set_ylabel(f"w{j + 1}", fontsize=8)
    fig.suptitle(title or f"Figure 1: {walks} walks per sampler in the plane of weights "
                          f"w{i + 1}, w{j + 1} (dot: start)")
    return fig


def _histogram_panes(first, comparison, samplers, quantity: str, metric: str, xlabel: str,
                     title: str):
    fig, axes = _grid(len(GRANULARITIES), len(samplers))
    for r, granularity in enumerate(GRANULARITIES):
        for c, sampler in enumerate(samplers):
            ax = axes[r, c]
            _histogram(ax, first, comparison, sampler, granularity, quantity, metric, xlabel)
    axes[0, 0].set_ylabel("points")
    axes[1, 0].set_ylabel("points")
    fig.suptitle(title)
    return fig


def _histogram(ax, first, comparison, sampler, granularity, quantity, metric, xlabel):
    """One pane: 100-bin histogram of the first run, ours and the paper's mean, std."""
    values = first[sampler, granularity][quantity].ravel()
    ax.hist(values, bins=100, color=_COLOURS[sampler])
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the numbers above the bars
    m = _ours(comparison, sampler, granularity, f"{metric}_mean")
    s = _ours(comparison, sampler, granularity, f"{metric}_std")
    ax.text(0.02, 0.97, f"mean, std\nours  {m.ours_mean:.3f}, {s.ours_mean:.3f}\n"
                        f"paper {m.paper_mean:.3f}, {s.paper_mean:.3f}",
            transform=ax.transAxes, va="top", ha="left", fontsize=8, family="monospace")
    ax.set_title(f"{LABELS[sampler]}, {granularity}", fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)


def unbounded_figure(first: dict, comparison, title: str | None = None):
    """Figure 3: the unbounded gradient walk's coverage (left) and MSE (right),
    histograms with mean and std (ours: mean over runs; paper's)."""
    fig, axes = _grid(len(GRANULARITIES), 2)
    for r, granularity in enumerate(GRANULARITIES):
        _histogram(axes[r, 0], first, comparison, "unbounded", granularity, "positions",
                   "coverage", "weight")
        _histogram(axes[r, 1], first, comparison, "unbounded", granularity, "fitness",
                   "fitness", "MSE")
        axes[r, 0].set_ylabel("points")
    fig.suptitle(title or "Figure 3: the unbounded gradient walk's weights and MSE")
    return fig


def coverage_figure(first: dict, comparison, samplers=("random", "progressive", "gradient"),
                    title: str | None = None):
    """Figure 2 (bounded samplers) or 3 (``samplers=("unbounded",)``): histograms
    (100 bins) of every weight of every sampled point, with mean and std
    (ours: mean over runs; paper's)."""
    return _histogram_panes(first, comparison, samplers, "positions", "coverage", "weight",
                            title or "Figure 2: search space coverage (weights pooled; "
                                     "mean, std)")


def fitness_figure(first: dict, comparison, samplers=("random", "progressive", "gradient"),
                   title: str | None = None):
    """Figure 4 (or 3 for the unbounded walk): histograms of the MSE of every
    sampled point, with mean and std (ours: mean over runs; paper's)."""
    return _histogram_panes(first, comparison, samplers, "fitness", "fitness", "MSE",
                            title or "Figure 4: MSE of the sampled points (mean, std)")


def accuracy_figure(first: dict, title: str | None = None):
    """Figure 5: the share of sampled points at each accuracy level, per sampler;
    ours (filled, first run) beside the paper's (hatched, from its counts)."""
    fig, axes = _grid(1, len(GRANULARITIES), width=5.5, height=3.4)
    x = np.arange(len(ACCURACY_LEVELS))
    width = 0.2
    for c, granularity in enumerate(GRANULARITIES):
        ax = axes[0, c]
        for k, sampler in enumerate(SAMPLERS):
            acc = first[sampler, granularity]["accuracy"]
            ours = [np.mean(np.isclose(acc, level)) for level in ACCURACY_LEVELS]
            at = x + (k - 1.5) * width
            ax.bar(at - width / 4, ours, width / 2, color=_COLOURS[sampler],
                   label=f"{LABELS[sampler]} (ours)")
            ax.bar(at + width / 4, accuracy_shares(sampler, granularity), width / 2,
                   color="white", edgecolor=_COLOURS[sampler], hatch="///",
                   label=f"{LABELS[sampler]} (paper)")
        ax.set_xticks(x, [f"{level:g}" for level in ACCURACY_LEVELS])
        ax.set_xlabel("accuracy on XOR's four patterns")
        ax.set_title(granularity)
    axes[0, 0].set_ylabel("share of points")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8)
    fig.suptitle(title or "Figure 5: accuracy of the sampled points, ours (filled) and "
                          "the paper's (hatched)")
    return fig
