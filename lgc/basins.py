"""Basins of attraction from a walk's loss sequence: nstag and lstag.

Section 4.3 and Appendix A of the paper, computed the way the authors' code
computed them, where that differs from Algorithm 1
(docs/departures.md#d5-the-stagnation-threshold):

1. min-max scale the walk to [0, 1];
2. smooth it with an EWMA (Eq. 3), alpha = 2 / (w + 1), starting at the first value;
3. take the population standard deviation (ddof 0) of every full window of w
   smoothed values: n - w + 1 of them, the "moving std" sigma;
4. the threshold is the standard deviation (ddof 0) of sigma itself, not of the
   smoothed walk as Algorithm 1 says;
5. a stagnant run starts at a step with sigma < threshold and goes on while
   sigma <= threshold (the code leaves a run only when sigma > threshold);
6. runs are counted with Algorithm 2 plus one rule it does not show: a run of
   5 or fewer steps is not reset when it ends, so its length is carried into the
   next run, and a run is counted only once the carried total exceeds 5.  A
   total of 5 or fewer left at the end of the walk is dropped.  If the threshold
   is below 1e-8 the whole sigma sequence is one run, whatever its length;
7. lstag is the mean counted run length (0 with no runs), nstag the count;
8. windows w = 20, 18, ..., 6 are tried in that order and the first window with
   a strictly larger lstag than every earlier one wins (starting from lstag 0,
   so a walk with no runs at all reports nstag 0, lstag 0 and window 20).

A constant walk has no range to scale: it is scaled to all zeros, every moving
std is 0, and so every window sees one run of n - w + 1 steps (w = 6 wins).

Per-setting summaries are mean and *population* std (ddof 0) over walks: the
paper's XOR Et SSE [-1, 1] micro cell reads nstag 1.88889 (0.31427) for 90 walks,
that is 80 walks with 2 and 10 with 1, whose ddof-0 std is sqrt(8) / 9 = 0.31427
(ddof 1 would give 0.31603).

Examples
--------
>>> [round(stagnant_runs(simulated_walk(), w)[1], 2) for w in (6, 8, 20)]
[18.75, 22.0, 14.0]
>>> stagnation(simulated_walk())
Basins(nstag=3, lstag=22.0, window=8)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "WINDOWS",
    "MIN_RUN",
    "FLAT_THRESHOLD",
    "Basins",
    "StagnationTrace",
    "simulated_walk",
    "ewma",
    "moving_std",
    "stagnation_trace",
    "stagnant_runs",
    "stagnation",
    "stagnation_table",
    "basin_summary",
]

WINDOWS = tuple(range(20, 5, -2))  # tried in this order (Section 4.3)
MIN_RUN = 5  # a stagnant run counts only when longer than this
FLAT_THRESHOLD = 1e-8  # below it the whole sequence is one run
_CHUNK = 256  # walks per batch: bounds the (walks, n, w) window view's memory


class Basins(NamedTuple):
    """nstag, lstag and the chosen window: scalars for one walk, arrays for many."""

    nstag: int | np.ndarray
    lstag: float | np.ndarray
    window: int | np.ndarray


@dataclass(frozen=True)
class StagnationTrace:
    """Every intermediate of one walk at one window, for plotting Figure 2.

    ``scaled`` and ``smoothed`` have the walk's length n; ``moving_std`` and
    ``stagnant`` have n - w + 1 entries, entry i covering steps i .. i + w - 1.
    ``runs`` holds the lengths of the counted (merged) runs.
    """

    window: int
    alpha: float
    scaled: np.ndarray
    smoothed: np.ndarray
    moving_std: np.ndarray
    threshold: float
    stagnant: np.ndarray
    runs: np.ndarray

    @property
    def nstag(self) -> int:
        """Number of counted stagnant runs."""
        return int(self.runs.size)

    @property
    def lstag(self) -> float:
        """Mean counted run length, 0 when there is none."""
        return float(self.runs.mean()) if self.runs.size else 0.0


def simulated_walk(seed: int = 0) -> np.ndarray:
    """The simulated walk of Figure 2 and Table 1: three noisy plateaus.

    33 steps at 3, 33 at 2 and 33 at 1, plus normal noise of std 0.15 drawn by
    ``numpy.random.RandomState(seed)`` (the authors' generator and seed 0).

    >>> simulated_walk().shape
    (99,)
    """
    levels = np.repeat([3.0, 2.0, 1.0], 33)
    return levels + np.random.RandomState(seed).normal(0.0, 0.15, levels.size)


def ewma(seq, alpha: float) -> np.ndarray:
    """Exponentially weighted moving average along the last axis (Eq. 3).

    ``out[0] = seq[0]`` and ``out[i] = alpha * seq[i] + (1 - alpha) * out[i-1]``.
    The paper uses ``alpha = 2 / (w + 1)`` for a window w.

    >>> ewma([0.0, 1.0, 1.0], 0.5).tolist()
    [0.0, 0.5, 0.75]
    """
    x = np.asarray(seq, dtype=float)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if x.shape[-1] == 0:
        return x.copy()
    # imported here: scipy.signal takes ~1 s to import, which every worker
    # process of a run paid for nothing
    from scipy.signal import lfilter

    # y[i] - (1 - alpha) y[i-1] = alpha x[i], with state chosen so y[0] = x[0]
    zi = ((1.0 - alpha) * x[..., :1])  # (..., 1)
    y, _ = lfilter([alpha], [1.0, alpha - 1.0], x, axis=-1, zi=zi)
    return y


def moving_std(seq, w: int) -> np.ndarray:
    """Population std (ddof 0) of every full window of ``w`` values, last axis.

    A sequence of n values gives n - w + 1 windows.

    >>> moving_std([0.0, 2.0, 2.0, 2.0], 2).tolist()
    [1.0, 0.0, 0.0]
    """
    x = np.asarray(seq, dtype=float)
    if not 1 <= w <= x.shape[-1]:
        raise ValueError(f"window w={w} needs 1 <= w <= sequence length {x.shape[-1]}")
    return sliding_window_view(x, w, axis=-1).std(axis=-1)


def _minmax(x: np.ndarray) -> np.ndarray:
    """Scale each row to [0, 1]; a constant row becomes all zeros."""
    lo = x.min(axis=-1, keepdims=True)
    span = x.max(axis=-1, keepdims=True) - lo
    return np.divide(x - lo, span, out=np.zeros_like(x), where=span > 0)


def _stagnant_mask(sig: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Steps inside a stagnant run: entered on sig < thr, kept while sig <= thr."""
    thr = thr[..., None]
    within = sig <= thr
    entered = np.cumsum(sig < thr, axis=-1)  # strict dips so far, inclusive
    # strict dips counted up to the last step that broke the run (sig > thr)
    base = np.maximum.accumulate(np.where(within, 0, entered), axis=-1)
    mask = within & (entered > base)
    mask[thr[..., 0] < FLAT_THRESHOLD] = True
    return mask


def _raw_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index and length of every maximal True run of a 2-D mask, row-major."""
    pad = np.zeros((mask.shape[0], 1), dtype=np.int8)
    edges = np.diff(np.concatenate([pad, mask.astype(np.int8), pad], axis=1), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return rows, ends - starts


def _merge_runs(lengths) -> list[int]:
    """Counted runs from raw runs: short ones (<= MIN_RUN) carry into the next."""
    counted, carry = [], 0
    for n in lengths:
        carry += int(n)
        if carry > MIN_RUN:
            counted.append(carry)
            carry = 0
    return counted  # a carry of MIN_RUN or fewer at the end is dropped


def _count_window(scaled: np.ndarray, w: int):
    """(nstag, total run length, smoothed, sigma, threshold, mask) for rows at w."""
    smoothed = ewma(scaled, 2.0 / (w + 1))  # (walks, n)
    sig = moving_std(smoothed, w)  # (walks, n - w + 1)
    thr = sig.std(axis=-1)  # (walks,)  std of the moving std, ddof 0
    mask = _stagnant_mask(sig, thr)
    rows, lengths = _raw_runs(mask)
    nstag = np.zeros(scaled.shape[0], dtype=np.int64)
    total = np.zeros(scaled.shape[0], dtype=np.int64)
    # runs of more than MIN_RUN close at once; only rows with short runs need the loop
    short_rows = np.unique(rows[lengths <= MIN_RUN])
    simple = ~np.isin(rows, short_rows)
    np.add.at(nstag, rows[simple], 1)
    np.add.at(total, rows[simple], lengths[simple])
    flat = thr < FLAT_THRESHOLD
    for r in short_rows:
        counted = [int(lengths[rows == r].sum())] if flat[r] else _merge_runs(lengths[rows == r])
        nstag[r], total[r] = len(counted), sum(counted)
    return nstag, total, smoothed, sig, thr, mask


def _as_walks(values, min_length: int, name: str) -> np.ndarray:
    """Validate a walk (1-D) or walks (2-D) and return a 2-D float array."""
    x = np.asarray(values, dtype=float)
    if x.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (one walk) or 2-D (walks, steps), got shape {x.shape}")
    bad = np.argwhere(~np.isfinite(x))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} must be finite, found {x[where]} at index {where} "
            f"({len(bad)} non-finite values); drop or repair diverged walks first"
        )
    if x.shape[-1] < min_length:
        raise ValueError(
            f"{name} has {x.shape[-1]} steps, the largest window needs at least {min_length}"
        )
    return np.atleast_2d(x)


def _check_windows(windows) -> tuple[int, ...]:
    ws = tuple(int(w) for w in windows)
    if not ws or min(ws) < 2:
        raise ValueError(f"windows must be a non-empty sequence of integers >= 2, got {windows!r}")
    return ws


def stagnation_trace(seq, w: int) -> StagnationTrace:
    """All intermediate arrays of the stagnation estimate of one walk at window ``w``.

    >>> t = stagnation_trace(simulated_walk(), 8)
    >>> t.nstag, t.lstag, t.moving_std.shape
    (3, 22.0, (92,))
    """
    w = _check_windows([w])[0]
    if np.ndim(seq) != 1:
        raise ValueError(f"seq must be one walk (1-D), got shape {np.shape(seq)}")
    x = _as_walks(seq, w, "seq")
    scaled = _minmax(x)
    _, _, smoothed, sig, thr, mask = _count_window(scaled, w)
    lengths = _raw_runs(mask)[1]
    runs = [int(lengths.sum())] if thr[0] < FLAT_THRESHOLD else _merge_runs(lengths)
    return StagnationTrace(
        window=w, alpha=2.0 / (w + 1), scaled=scaled[0], smoothed=smoothed[0],
        moving_std=sig[0], threshold=float(thr[0]), stagnant=mask[0],
        runs=np.asarray(runs, dtype=np.int64),
    )


def stagnant_runs(seq, w: int) -> tuple[int, float]:
    """(nstag, lstag) of one walk at one window ``w``."""
    t = stagnation_trace(seq, w)
    return t.nstag, t.lstag


def stagnation_table(walks, windows=WINDOWS) -> Basins:
    """Per-walk nstag, lstag and chosen window for an array of shape (walks, steps).

    Vectorised over walks (in batches of 256); returns a ``Basins`` of three arrays.

    >>> b = stagnation_table(np.stack([simulated_walk(0), simulated_walk(1)]))
    >>> b.nstag.tolist(), b.window.tolist()
    ([3, 3], [8, 6])
    """
    ws = _check_windows(windows)
    x = _as_walks(walks, max(ws), "walks")
    nstag = np.zeros(x.shape[0], dtype=np.int64)
    lstag = np.zeros(x.shape[0])
    window = np.full(x.shape[0], ws[0], dtype=np.int64)
    for lo in range(0, x.shape[0], _CHUNK):
        part = slice(lo, lo + _CHUNK)
        scaled = _minmax(x[part])
        for w in ws:
            n, total = _count_window(scaled, w)[:2]
            mean = np.divide(total, n, out=np.zeros(n.shape), where=n > 0)
            better = mean > lstag[part]  # strictly: the first maximal window wins
            nstag[part][better] = n[better]
            lstag[part][better] = mean[better]
            window[part][better] = w
    return Basins(nstag, lstag, window)


def stagnation(seq, windows=WINDOWS) -> Basins:
    """nstag, lstag and the window maximising lstag for one walk (Appendix A)."""
    x = np.asarray(seq, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"seq must be one walk (1-D), got shape {x.shape}; use stagnation_table")
    b = stagnation_table(x, windows)
    return Basins(int(b.nstag[0]), float(b.lstag[0]), int(b.window[0]))


def basin_summary(walks, windows=WINDOWS) -> dict[str, tuple[float, float]]:
    """Mean and population std (ddof 0) of nstag and lstag over walks, as the paper reports.

    ``walks`` is an array (walks, steps) or a ``Basins`` of per-walk arrays from
    ``stagnation_table``.  Returns ``{"nstag": (mean, std), "lstag": (mean, std)}``.
    """
    b = walks if isinstance(walks, Basins) else stagnation_table(walks, windows)
    out = {}
    for name in ("nstag", "lstag"):
        v = np.asarray(getattr(b, name), dtype=float)
        out[name] = (float(v.mean()), float(v.std(ddof=0)))
    return out
