"""Compare our numbers with the paper's: one verdict per cell, under two tolerances.

A *cell* is one number of the paper's Tables 3-9 (nstag, lstag of Et and Eg)
or B.10-B.15 (last-step accuracy Ct, Cg) for one problem, loss, range r and
step size, set beside our mean over walks. Two verdicts are given for each:

Statistical (``within``, :func:`within`)
    A train-side cell (Et, Ct) is within when |ours - paper| <= Z se + REL
    |paper|, with se the standard error of the difference of two means (our
    std over our walks, the paper's over its 10 d walks) and Z = 3, REL = 0.10.
    It widens for presets with few walks, and for cells whose walks scatter
    widely (lstag stds of a hundred steps are common), so it says whether our
    run *contradicts* the paper, not whether it pins the number down.

Fixed (``within_fixed``, :func:`within_fixed`)
    The same comparison against a tolerance that depends on the metric only:
    nstag +-0.15 (about one walk in seven with one basin more or less),
    lstag +-10 % of the paper's value, accuracy +-0.05. It does not grow
    with the spread of the walks, so it says whether we *match* the number.

A test-side cell (Eg, Cg) depends on the unknown train/test split
(docs/departures.md#d14-the-train-test-split): under either rule it is
within when the paper's value lies inside our spread over split seeds,
[min, max] of the per-split means, widened by that rule's tolerance.

A cell the paper does not report (XOR's Eg) has no verdict (None).

Examples
--------
>>> from types import SimpleNamespace as Cell
>>> cell = Cell(problem="iris", sample="Et", metric="nstag", paper_mean=1.0,
...             paper_std=0.0, ours_mean=1.1, ours_std=0.3, walks=24, n_splits=1,
...             spread_min=1.1, spread_max=1.1)
>>> within(cell), within_fixed(cell)
(True, True)
>>> within_fixed(Cell(**{**vars(cell), "ours_mean": 1.2, "spread_min": 1.2, "spread_max": 1.2}))
False
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .paper import DIMENSIONS, paper_tables
from .vocabulary import default_walks

__all__ = ["Z", "REL", "FIXED", "KEY", "compare", "within", "within_fixed",
           "fixed_tolerance", "within_printed", "trivial_nstag", "basins_table", "accuracy_table"]

Z, REL = 3.0, 0.10
#: Fixed tolerance per metric: (kind, size); "absolute" is |ours - paper| <= size,
#: "relative" is |ours - paper| <= size |paper|.
FIXED = {"nstag": ("absolute", 0.15), "lstag": ("relative", 0.10),
         "accuracy_last_step": ("absolute", 0.05)}
KEY = ["problem", "sample", "loss", "init_range", "granularity", "metric"]
#: The paper prints five decimals: a cell equal to 1 within this is printed "1.00000".
_PRINTED = 5e-6


def compare(ours: pd.DataFrame) -> pd.DataFrame:
    """Our cells beside the paper's, with the spread over splits and both verdicts.

    ``ours`` is the long summary of :func:`lgc.report.summarise_sample` (all split
    seeds); the result has one row per cell of the main (lowest) split seed, with
    spread_min, spread_max and n_splits over the seeds, the paper's mean and std,
    its table, ``within`` and ``within_fixed``.
    """
    ours = ours.copy()
    ours["loss"] = ours["loss"].str.upper()
    ours["init_range"] = ours["init_range"].astype(int)
    main_split = ours["split_seed"].min()
    main = ours[ours.split_seed == main_split].drop(columns=["paper_mean", "paper_std"])
    spread = ours.groupby(KEY).ours_mean.agg(spread_min="min", spread_max="max",
                                             n_splits="count").reset_index()
    table = main.merge(spread, on=KEY, how="left")
    paper = paper_tables()[KEY + ["mean", "std", "table"]].rename(
        columns={"mean": "paper_mean", "std": "paper_std"})
    table = table.merge(paper, on=KEY, how="left")
    table["within"] = [within(r) for r in table.itertuples()]
    table["within_fixed"] = [within_fixed(r) for r in table.itertuples()]
    return table


def _judge(r, tol: float) -> bool:
    """|ours - paper| <= tol, or for a test-side cell over several splits, the
    paper inside our spread widened by tol."""
    if r.sample in ("Eg", "Cg") and getattr(r, "n_splits", 1) > 1:
        return bool(r.spread_min - tol <= r.paper_mean <= r.spread_max + tol)
    return bool(abs(r.ours_mean - r.paper_mean) <= tol)


def within(r) -> bool | None:
    """The statistical verdict of one cell (see the module doc); None without a paper value.

    ``r`` has problem, sample, paper_mean, paper_std, ours_mean, ours_std, walks,
    and for test-side cells n_splits, spread_min and spread_max.
    """
    if not np.isfinite(r.paper_mean):
        return None
    n_paper = default_walks(DIMENSIONS[r.problem])
    se = np.sqrt(r.ours_std ** 2 / r.walks + r.paper_std ** 2 / n_paper)
    return _judge(r, Z * se + REL * abs(r.paper_mean))


def fixed_tolerance(metric: str, paper_mean: float) -> float:
    """The fixed tolerance of a cell of ``metric`` whose paper value is ``paper_mean``.

    >>> fixed_tolerance("lstag", 250.0), fixed_tolerance("nstag", 250.0)
    (25.0, 0.15)
    """
    if metric not in FIXED:
        raise ValueError(f"no fixed tolerance for metric {metric!r}; known: {sorted(FIXED)}")
    kind, size = FIXED[metric]
    return size * abs(paper_mean) if kind == "relative" else size


def within_fixed(r) -> bool | None:
    """The fixed-tolerance verdict of one cell (see the module doc); None without
    a paper value. ``r`` needs sample, metric, paper_mean, ours_mean, and for
    test-side cells n_splits, spread_min and spread_max."""
    if r.paper_mean is None or not np.isfinite(r.paper_mean):
        return None
    return _judge(r, fixed_tolerance(r.metric, r.paper_mean))


def within_printed(ours: float, paper: float, decimals: int) -> bool:
    """Whether ``ours`` equals ``paper`` at the precision the paper prints it
    (Table 1's verdict: its lstag values carry two decimals).

    >>> within_printed(22.004, 22.0, 2), within_printed(22.02, 22.0, 2)
    (True, False)
    """
    return bool(abs(ours - paper) <= 10.0 ** -decimals)


def trivial_nstag(r) -> bool:
    """Whether a cell is an nstag of 1 with std 0 on both sides (paper and ours, as
    printed to five decimals): every walk, in the paper and ours, found exactly one
    stagnant stretch, so the cell agrees whatever else differs."""
    values = (r.paper_mean, r.paper_std, r.ours_mean, r.ours_std)
    if r.metric != "nstag" or any(v is None or not np.isfinite(v) for v in values):
        return False
    return (abs(r.paper_mean - 1.0) <= _PRINTED and abs(r.ours_mean - 1.0) <= _PRINTED
            and r.paper_std <= _PRINTED and r.ours_std <= _PRINTED)


# ------------------------------------------------------------ the printed tables

_YES_NO = {True: "yes", False: "NO", None: ""}


def basins_table(table: pd.DataFrame) -> pd.DataFrame:
    """Tables 3-9 layout: nstag and lstag of Et and Eg, ours | paper | verdicts.

    ``table`` is what :func:`compare` returns.
    """
    return _layout(table[table.metric.isin(["nstag", "lstag"])])


def accuracy_table(table: pd.DataFrame) -> pd.DataFrame:
    """Tables B.10-B.15 layout: Ct and Cg at the last step, ours | paper | verdicts."""
    return _layout(table[table.metric == "accuracy_last_step"])


def _layout(t: pd.DataFrame) -> pd.DataFrame:
    show = t[["sample", "loss", "init_range", "granularity", "metric"]].copy()
    show["ours"] = [_cell_text(m, s) for m, s in zip(t.ours_mean, t.ours_std)]
    show["paper"] = [_cell_text(m, s) for m, s in zip(t.paper_mean, t.paper_std)]
    show["split spread"] = [f"{a:.4g} to {b:.4g}" if s in ("Eg", "Cg") else ""
                            for a, b, s in zip(t.spread_min, t.spread_max, t["sample"])]
    show["within"] = t["within"].map(_YES_NO)
    fixed = t["within_fixed"] if "within_fixed" in t else [within_fixed(r) for r in
                                                           t.itertuples()]
    show["within (fixed)"] = pd.Series(list(fixed), index=t.index).map(_YES_NO)
    return show.reset_index(drop=True)


def _cell_text(mean, std) -> str:
    """A table cell as the comparison tables print it: "mean (std)", 4 and 3 digits."""
    return "-" if not np.isfinite(mean) else f"{mean:.4g} ({std:.3g})"
