"""GECCO'18 reproduced: the progressive gradient walk beside random walks on XOR.

Bosman, Engelbrecht & Helbig, *Progressive gradient walk for neural network
fitness landscape analysis*, GECCO '18 Companion, pp. 1473-1480 (doi
10.1145/3205651.3208247), sample XOR's 2-2-1 network (sigmoid units, biases,
d = 9) under the mean squared error in [-10, 10]^9 with four samplers (the
simple random walk, the progressive random walk, the progressive gradient walk
kept in the space by reflection, and the same walk unbounded) at two
granularities (micro: s = 0.2, 1000 points; macro: s = 2.0, 100 points).

This module holds

* the paper's numbers as data (:data:`TABLE2`, :data:`COVERAGE`,
  :data:`FITNESS`, :data:`ACCURACY_COUNTS`);
* the study: :func:`study` runs ``runs`` independent runs of ``walks`` walks
  per sampler and granularity and keeps, per run, every statistic the paper
  reports (Table 2's FEM, M1 and M2 in both variants of :mod:`lgc.fla`; the
  mean and std of the sampled weights, Figures 2-3; of the MSE, Figures 3-4;
  the shares of accuracy levels, Figure 5), and the first run's points for
  the figures;
* the comparison: :func:`compare` sets the mean (std over runs) of each
  statistic beside the paper's, and calls it *within* when the two differ by
  at most :data:`TOLERANCE_SPREADS` run-to-run standard deviations (the
  larger of ours and, for Table 2, the paper's);
* :func:`write_json` (FIGURES/gecco18.json) and :func:`report_cells`, which
  turn the comparison into cells of lgc's reproduction report.

Arithmetic (``arithmetic=``). The authors' program evaluated the network in
TensorFlow's float32 and differentiated each sigmoid as y (1 - y), which is
exactly 0 once y rounds to 1; the neutrality measures depend on both
(docs/fla.md). ``"tensorflow"`` emulates that arithmetic
(:func:`tf_loss_and_grad`); ``"float64"`` is lgc's own
(:func:`lgc.derivatives.loss_and_grad`). Walk positions are float64 either way.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import fla
from .derivatives import loss_and_grad
from .network import Architecture, accuracy
from .problems import load_problem
from .samplers import run_walks
from .store import read_json, write_json as _write_json
from .steps import initial_points, progressive_step, walk_rngs

#: b of the search space [-b, b]^9
BOUND = 10.0


class Granularity(NamedTuple):
    step: float
    points: int


#: micro: 1% of the space's width per step, 1000 points; macro: 10%, 100 points
GRANULARITIES = {"micro": Granularity(0.2, 1000), "macro": Granularity(2.0, 100)}
#: the four samplers, in the paper's column order
SAMPLERS = ("random", "progressive", "gradient", "unbounded")
LABELS = {"random": "random", "progressive": "progressive random",
          "gradient": "bounded gradient", "unbounded": "unbounded gradient"}
ARITHMETICS = ("tensorflow", "float64")
#: the accuracy levels of XOR's four patterns (Figure 5)
ACCURACY_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: a statistic is within when |ours - paper| <= this many run-to-run std
TOLERANCE_SPREADS = 2.0


class Size(NamedTuple):
    runs: int
    walks: int


#: tiny: seconds (tests); quick: a few minutes on two cores; paper: 30 runs x 100 walks
PRESETS = {"tiny": Size(2, 5), "quick": Size(10, 100), "paper": Size(30, 100)}

# ------------------------------------------------------------------ the paper's numbers

#: Table 2: mean (std) over 30 runs of the run's mean over 100 walks; sampler -> cell
TABLE2 = {
    ("fem", "micro"): ((0.41178, 0.02238), (0.30623, 0.00989), (0.20239, 0.00263),
                       (0.20234, 0.00263)),
    ("fem", "macro"): ((0.47964, 0.01450), (0.46006, 0.00611), (0.65177, 0.00707),
                       (0.56348, 0.01880)),
    ("m1", "micro"): ((0.01897, 0.01192), (0.02956, 0.00502), (0.01003, 0.01287),
                      (0.36281, 0.03622)),
    ("m1", "macro"): ((0.00310, 0.00194), (0.00238, 0.00084), (0.00967, 0.00964),
                      (0.12001, 0.02479)),
    ("m2", "micro"): ((0.00635, 0.00398), (0.01095, 0.00162), (0.00003, 0.00003),
                      (0.00142, 0.00026)),
    ("m2", "macro"): ((0.00252, 0.00149), (0.00188, 0.00064), (0.00000, 0.00002),
                      (0.01999, 0.01042)),
}
TABLE2 = {key: dict(zip(SAMPLERS, cells)) for key, cells in TABLE2.items()}
#: Figures 2 (bounded samplers) and 3 (unbounded): mean, std of all sampled weights
COVERAGE = {
    ("random", "micro"): (-0.114, 5.727), ("progressive", "micro"): (-0.002, 5.721),
    ("gradient", "micro"): (-0.239, 7.808), ("unbounded", "micro"): (-1.007, 35.276),
    ("random", "macro"): (0.160, 5.319), ("progressive", "macro"): (0.006, 5.381),
    ("gradient", "macro"): (-0.320, 6.438), ("unbounded", "macro"): (-3.645, 33.387),
}
#: Figures 3 (unbounded) and 4: mean, std of the MSE of all sampled points
FITNESS = {
    ("random", "micro"): (0.457, 0.082), ("progressive", "micro"): (0.451, 0.087),
    ("gradient", "micro"): (0.092, 0.089), ("unbounded", "micro"): (0.098, 0.098),
    ("random", "macro"): (0.457, 0.082), ("progressive", "macro"): (0.450, 0.086),
    ("gradient", "macro"): (0.174, 0.110), ("unbounded", "macro"): (0.146, 0.128),
}
#: Figure 5: how many sampled points had each accuracy of :data:`ACCURACY_LEVELS`
ACCURACY_COUNTS = {
    ("random", "micro"): (31, 5942, 88810, 5217, 0),
    ("progressive", "micro"): (113, 5854, 88144, 5761, 128),
    ("gradient", "micro"): (4, 89, 2943, 56442, 40522),
    ("unbounded", "micro"): (0, 77, 3950, 56693, 39280),
    ("random", "macro"): (4, 645, 8878, 470, 3),
    ("progressive", "macro"): (7, 556, 8868, 560, 9),
    ("gradient", "macro"): (0, 31, 2107, 5810, 2052),
    ("unbounded", "macro"): (0, 45, 1571, 5110, 3274),
}
#: the figure whose statistics a report table holds
FIGURE_OF = {"coverage": {"random": "F2", "progressive": "F2", "gradient": "F2",
                          "unbounded": "F3"},
             "fitness": {"random": "F4", "progressive": "F4", "gradient": "F4",
                         "unbounded": "F3"},
             "accuracy": dict.fromkeys(SAMPLERS, "F5")}


def accuracy_shares(sampler: str, granularity: str) -> np.ndarray:
    """Figure 5's counts of a sampler as shares of its points (sum 1).

    >>> accuracy_shares("gradient", "macro").round(4).tolist()
    [0.0, 0.0031, 0.2107, 0.581, 0.2052]
    """
    counts = np.asarray(ACCURACY_COUNTS[sampler, granularity], dtype=float)
    return counts / counts.sum()


# ----------------------------------------------------------------------- arithmetic

def tf_loss_and_grad(W, X, T):
    """MSE, its gradient and the outputs of a batch of n_in-h-1 sigmoid networks, as
    TensorFlow 1 computes them in float32.

    Forward pass and back-propagation in float32, each sigmoid's derivative
    taken as y (1 - y) from its rounded output y, as TensorFlow differentiates
    ``tf.sigmoid``: exactly 0 once y rounds to 1 (lgc's output layer takes
    sigmoid(z) sigmoid(-z), which stays positive). A zero gradient makes the
    progressive gradient step +1 in that coordinate (lgc.steps.progressive_step),
    which is how the authors' bounded walks reach the upper bound and stay.

    Parameters
    ----------
    W : array (n, d)
        Weights in lgc's layout (lgc.network.unpack).
    X : array (P, n_in), T : array (P, 1)

    Returns
    -------
    loss (n,), grad (n, d), Y (n, P, 1): float64 arrays of float32 values.
    """
    W = np.asarray(W, dtype=np.float32)
    X, T = np.asarray(X, np.float32), np.asarray(T, np.float32)[None, :, 0]  # (1, P)
    n, (P, n_in) = len(W), X.shape
    h = (W.shape[1] - 1) // (n_in + 2)
    W1 = W[:, :n_in * h].reshape(n, n_in, h)
    b1 = W[:, n_in * h:(n_in + 1) * h]
    w2, b2 = W[:, (n_in + 1) * h:(n_in + 2) * h], W[:, -1]
    with np.errstate(over="ignore"):  # exp(-z) = inf for z < -88 gives sigmoid 0, rightly
        S = 1 / (1 + np.exp(-(X @ W1 + b1[:, None, :])))  # (n, P, h)
        Y = 1 / (1 + np.exp(-(np.einsum("nph,nh->np", S, w2) + b2[:, None])))  # (n, P)
    d2 = 2 * (Y - T) / np.float32(P) * Y * (1 - Y)  # dMSE/dz2, (n, P)
    d1 = d2[:, :, None] * w2[:, None, :] * S * (1 - S)  # dMSE/dz1, (n, P, h)
    grad = np.concatenate([np.einsum("pi,nph->nih", X, d1).reshape(n, n_in * h),
                           d1.sum(axis=1), np.einsum("nph,np->nh", S, d2),
                           d2.sum(axis=1)[:, None]], axis=1)
    loss = np.mean((Y - T) ** 2, axis=1)
    return loss.astype(float), grad.astype(float), Y[:, :, None].astype(float)


def evaluator(arithmetic: str, problem=None):
    """``evaluate(W) -> (MSE (n,), gradient (n, d), outputs (n, P, 1))`` on XOR's
    training patterns, in the given arithmetic (see the module doc)."""
    if arithmetic not in ARITHMETICS:
        raise ValueError(f"unknown arithmetic {arithmetic!r}: choose one of {ARITHMETICS}")
    problem = problem or load_problem("xor")
    X, T = problem.X_train, problem.T_train
    if arithmetic == "tensorflow":
        return lambda W: tf_loss_and_grad(W, X, T)
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    return lambda W: loss_and_grad(np.asarray(W, dtype=float), X, T, "sse", arch)


# ----------------------------------------------------------------------------- walks

def unbounded_walk(evaluate, walk_ids, points: int, d: int, step: float,
                   seed: int = 0) -> np.ndarray:
    """Positions (walks, points, d) of lgc's progressive gradient walk, unbounded,
    with the loss and gradient of ``evaluate``: the same streams, start (uniform
    in [-b, b]^d) and step as :func:`lgc.walks.progressive_gradient_walk` with
    init_range b, so in float64 the same walk."""
    rngs = walk_rngs(seed, np.asarray(walk_ids, dtype=np.int64))
    W = initial_points(rngs, d, BOUND)
    out = np.empty((len(rngs), points, d))
    for t in range(points):
        out[:, t] = W
        if t < points - 1:
            W = W + progressive_step(rngs, np.asarray(evaluate(W)[1]), step)
    return out


def walk_positions(sampler: str, granularity: str, walk_ids, evaluate,
                   seed: int = 0) -> np.ndarray:
    """Positions (walks, points, d) of one sampler's walks in [-10, 10]^9
    (the unbounded walk may leave it)."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}: choose one of {SAMPLERS}")
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}: choose one of "
                         f"{tuple(GRANULARITIES)}")
    step, points = GRANULARITIES[granularity]
    d = 9
    if sampler == "unbounded":
        return unbounded_walk(evaluate, walk_ids, points, d, step, seed)
    extra = {}
    if sampler == "gradient":
        extra["loss_and_grad"] = lambda W: evaluate(W)[:2]
    return run_walks(sampler, walk_ids, points, d, step, BOUND, seed, **extra)["positions"]


def run_statistics(positions: np.ndarray, fitness: np.ndarray, acc: np.ndarray) -> dict:
    """Every statistic the paper reports of one run of one sampler and granularity.

    Parameters
    ----------
    positions : (walks, points, d); fitness, acc : (walks, points)

    Returns
    -------
    dict
        (metric, variant) -> value: ("fem" | "m1" | "m2", variant) the mean over
        walks (Table 2); ("coverage_mean" | "coverage_std", "-") of all weights;
        ("fitness_mean" | "fitness_std", "-") of all MSE values;
        ("accuracy_<level>", "-") the share of points at each accuracy level.
    """
    out = {}
    for name in ("fem", "m1", "m2"):
        for variant in fla.VARIANTS:
            out[name, variant] = float(fla.per_walk(getattr(fla, name), fitness, variant).mean())
    out["coverage_mean", "-"], out["coverage_std", "-"] = fla.mean_std(positions.ravel())
    out["fitness_mean", "-"], out["fitness_std", "-"] = fla.mean_std(fitness.ravel())
    for level in ACCURACY_LEVELS:
        out[f"accuracy_{level:g}", "-"] = float(np.mean(np.isclose(acc, level)))
    return out


@dataclass
class Study:
    """What :func:`study` found.

    Attributes
    ----------
    runs : DataFrame
        One row per (run, sampler, granularity, metric, variant) with its value.
    first : dict
        (sampler, granularity) -> dict of the first run's "positions"
        (walks, points, 9), "fitness" and "accuracy" (walks, points), for the
        figures (the paper draws one run of 100 walks).
    runs_n, walks, seed, arithmetic : the study's size and settings.
    """

    runs: pd.DataFrame
    first: dict
    runs_n: int
    walks: int
    seed: int
    arithmetic: str


def study(runs: int, walks: int, seed: int = 0, arithmetic: str = "tensorflow",
          samplers=SAMPLERS, granularities=tuple(GRANULARITIES)) -> Study:
    """Run the paper's experiment: ``runs`` independent runs of ``walks`` walks of
    every sampler and granularity (run k has walks k*walks ... (k+1)*walks - 1)."""
    for name, value in (("runs", runs), ("walks", walks)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive whole number; got {value!r}")
    evaluate = evaluator(arithmetic)
    problem = load_problem("xor")
    rows, first = [], {}
    for granularity in granularities:
        for sampler in samplers:
            for run in range(runs):
                ids = range(run * walks, (run + 1) * walks)
                P = walk_positions(sampler, granularity, ids, evaluate, seed)
                n, T, d = P.shape
                loss, _, Y = evaluate(P.reshape(n * T, d))
                F = loss.reshape(n, T)
                A = accuracy(Y, problem.T_train).reshape(n, T)
                if run == 0:
                    first[sampler, granularity] = {"positions": P, "fitness": F,
                                                   "accuracy": A}
                for (metric, variant), value in run_statistics(P, F, A).items():
                    rows.append((run, sampler, granularity, metric, variant, value))
    frame = pd.DataFrame(rows, columns=["run", "sampler", "granularity", "metric",
                                        "variant", "value"])
    return Study(frame, first, int(runs), int(walks), int(seed), arithmetic)


# ------------------------------------------------------------------------ comparison

COMPARISON_COLUMNS = ("table", "sampler", "granularity", "metric", "variant", "paper_mean",
                      "paper_std", "ours_mean", "ours_std", "within")


def _paper_cells():
    """(table, sampler, granularity, metric, variant-or-None, paper mean, paper std)."""
    for (metric, granularity), cells in TABLE2.items():
        for sampler, (mean, std) in cells.items():
            yield "GECCO18-2", sampler, granularity, metric, None, mean, std
    for (sampler, granularity), (mean, std) in COVERAGE.items():
        table = f"GECCO18-{FIGURE_OF['coverage'][sampler]}"
        yield table, sampler, granularity, "coverage_mean", "-", mean, np.nan
        yield table, sampler, granularity, "coverage_std", "-", std, np.nan
    for (sampler, granularity), (mean, std) in FITNESS.items():
        table = f"GECCO18-{FIGURE_OF['fitness'][sampler]}"
        yield table, sampler, granularity, "fitness_mean", "-", mean, np.nan
        yield table, sampler, granularity, "fitness_std", "-", std, np.nan
    for sampler, granularity in ACCURACY_COUNTS:
        for level, share in zip(ACCURACY_LEVELS, accuracy_shares(sampler, granularity)):
            yield "GECCO18-F5", sampler, granularity, f"accuracy_{level:g}", "-", share, np.nan


def within(paper_mean, paper_std, ours_mean, ours_std) -> bool:
    """|ours - paper| <= TOLERANCE_SPREADS x the run-to-run std (the larger of ours
    and the paper's, where the paper gives one).

    >>> within(0.5, 0.01, 0.515, 0.005), within(0.5, float("nan"), 0.515, 0.005)
    (True, False)
    """
    spread = ours_std if not np.isfinite(paper_std) else max(ours_std, paper_std)
    return bool(abs(ours_mean - paper_mean) <= TOLERANCE_SPREADS * spread)


def compare(result: Study) -> pd.DataFrame:
    """Each of the paper's numbers beside ours: mean (std over runs) of the run's
    statistic, and whether they agree (:func:`within`).

    Table 2 rows come in both variants of the measures; the figures' rows have
    variant "-".
    """
    stats = result.runs.groupby(["sampler", "granularity", "metric", "variant"])["value"]
    mean, std = stats.mean(), stats.std(ddof=0)
    rows = []
    for table, sampler, granularity, metric, variant, pm, ps in _paper_cells():
        for v in (fla.VARIANTS if variant is None else (variant,)):
            key = (sampler, granularity, metric, v)
            if key not in mean.index:
                continue
            om, os_ = float(mean[key]), float(std[key])
            rows.append((table, sampler, granularity, metric, v, pm, ps, om, os_,
                         within(pm, ps, om, os_)))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def agreement(comparison: pd.DataFrame, table: str, variant: str | None = None) -> str:
    """A sentence: how many of a table's numbers agree with the paper's, and which
    do not."""
    t = comparison[comparison["table"] == table]
    if variant is not None:
        t = t[t["variant"] == variant]
    bad = t[~t["within"]]
    what = f" ({variant} variant)" if variant else ""
    sentence = (f"{table}{what}: {int(t['within'].sum())} of {len(t)} numbers agree with "
                f"the paper within {TOLERANCE_SPREADS:g} run-to-run standard deviations")
    if len(bad):
        sentence += "; not: " + ", ".join(
            f"{r.metric}{'' if r.variant == '-' else ' ' + r.variant} {r.sampler} "
            f"{r.granularity} ({r.ours_mean:.4g} against "
            f"{r.paper_mean:.4g})" for r in bad.itertuples())
    return sentence + "."


def matching_variant(comparison: pd.DataFrame) -> str:
    """The variant of FEM, M1 and M2 whose Table 2 agrees with the paper more often."""
    t = comparison[comparison["table"] == "GECCO18-2"]
    counts = t.groupby("variant")["within"].sum()
    return str(counts.idxmax())


def side_by_side(comparison: pd.DataFrame, table: str) -> pd.DataFrame:
    """A printable table: paper | ours, "mean (std)", and within yes/NO."""
    t = comparison[comparison["table"] == table]
    out = t[["sampler", "granularity", "metric", "variant"]].copy()
    out["paper"] = [f"{m:.5g}" + (f" ({s:.3g})" if np.isfinite(s) else "")
                    for m, s in zip(t.paper_mean, t.paper_std)]
    out["ours"] = [f"{m:.5g} ({s:.3g})" for m, s in zip(t.ours_mean, t.ours_std)]
    out["within"] = t["within"].map({True: "yes", False: "NO"})
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------- claims

def claims(result: Study, comparison: pd.DataFrame, variant: str = "authors") -> list[str]:
    """The paper's claims about its Table 2 and figures, judged from this run.

    Each sentence starts HOLDS or DOES NOT HOLD and gives the numbers.
    """
    def ours(metric, sampler, granularity, v="-"):
        t = comparison
        row = t[(t.metric == metric) & (t.sampler == sampler) & (t.granularity == granularity)
                & (t.variant == v)]
        return float(row["ours_mean"].iloc[0])

    def verdict(ok):
        return "HOLDS" if ok else "DOES NOT HOLD"

    out = []
    low = 0.1  # an MSE this low fits at least three of XOR's four patterns well
    shares = {(s, g): float(np.mean(result.first[s, g]["fitness"] < low))
              for s in SAMPLERS for g in GRANULARITIES if (s, g) in result.first}
    rand = [ours("fitness_mean", s, g) for s in ("random", "progressive") for g in GRANULARITIES]
    grad = [ours("fitness_mean", s, g) for s in ("gradient", "unbounded") for g in GRANULARITIES]
    rand_low = max(shares[s, g] for s in ("random", "progressive") for g in GRANULARITIES)
    out.append(f"{verdict(min(rand) > 2 * max(grad) and rand_low < 0.01)}: random walks "
               f"never reach low error while gradient walks do (mean MSE of the random and "
               f"progressive walks {min(rand):.3f} to {max(rand):.3f}, of the gradient "
               f"walks {min(grad):.3f} to {max(grad):.3f}; share of random-walk points with "
               f"MSE < {low:g}: at most {rand_low:.4f}, of bounded gradient micro points: "
               f"{shares['gradient', 'micro']:.3f}).")
    gap = {s: abs(ours("fem", s, "macro", variant) - ours("fem", s, "micro", variant))
           for s in SAMPLERS}
    ok = min(gap["gradient"], gap["unbounded"]) > max(gap["random"], gap["progressive"])
    out.append(f"{verdict(ok)}: the gradient walks' FEM differs more between micro and "
               f"macro steps than the random walks' ({variant} variant; |macro - micro| = "
               + ", ".join(f"{s} {gap[s]:.3f}" for s in SAMPLERS) + ").")
    m1 = {s: max(ours("m1", s, g, variant) for g in GRANULARITIES) for s in SAMPLERS}
    others = max(m1[s] for s in SAMPLERS if s != "unbounded")
    out.append(f"{verdict(m1['unbounded'] > 3 * others)}: only the unbounded walk shows "
               f"high neutrality M1 ({variant} variant; largest M1 of the unbounded walks "
               f"{m1['unbounded']:.4f}, of any other {others:.4f}).")
    m2 = max(ours("m2", s, g, variant) for s in SAMPLERS for g in GRANULARITIES)
    out.append(f"{verdict(m2 < 0.05)}: no walk shows long neutral stretches ({variant} "
               f"variant; the largest mean M2 of any sampler is {m2:.4f} of a walk).")
    return out


# --------------------------------------------------------------------------- report

def write_json(comparison: pd.DataFrame, path, *, preset: str, result: Study) -> Path:
    """Write the comparison to ``path`` (FIGURES/gecco18.json) for the report.

    The file holds ``meta`` (preset, runs, walks, seed, arithmetic,
    tolerance), ``tables`` (per report table: numbers and how many are within)
    and ``cells`` in the shape of :func:`report_cells`.
    """
    cells = report_cells_of(comparison)
    tables = {}
    for cell in cells:
        if cell["within"] is None:
            continue
        t = tables.setdefault(cell["table"], {"cells": 0, "within": 0})
        t["cells"] += 1
        t["within"] += int(cell["within"])
    meta = {"preset": preset, "runs": result.runs_n, "walks": result.walks,
            "seed": result.seed, "arithmetic": result.arithmetic,
            "counted_variant": matching_variant(comparison),
            "tolerance": f"|ours - paper| <= {TOLERANCE_SPREADS:g} run-to-run std"}
    return _write_json(Path(path), {"meta": meta, "tables": tables, "cells": cells})


def report_cells_of(comparison: pd.DataFrame) -> list[dict]:
    """Comparison rows as report cells. Table 2 counts the variant that matches
    the paper (:func:`matching_variant`); the other variant's cells are listed
    with ``within`` None (shown, not counted)."""
    counted = matching_variant(comparison)
    out = []
    for r in comparison.itertuples():
        metric = r.metric if r.variant == "-" else f"{r.metric} ({r.variant})"
        shown_only = r.table == "GECCO18-2" and r.variant != counted
        out.append({"table": r.table, "problem": "xor", "sample": r.sampler, "loss": "mse",
                    "init_range": int(BOUND), "granularity": r.granularity,
                    "metric": metric, "paper_mean": float(r.paper_mean),
                    "paper_std": None if not np.isfinite(r.paper_std) else float(r.paper_std),
                    "ours_mean": float(r.ours_mean), "ours_std": float(r.ours_std),
                    "within": None if shown_only else bool(r.within),
                    # the shape of lgc's report cells: these numbers have one tolerance,
                    # and no nstag cell to be trivially 1
                    "within_fixed": None if shown_only else bool(r.within), "trivial": False})
    return out


def report_json(figures) -> dict | None:
    """FIGURES/gecco18.json as written by :func:`write_json` (meta, tables, cells),
    or None when notebook 12 has not written it."""
    path = Path(figures) / "gecco18.json"
    return read_json(path) if path.exists() else None


def report_cells(figures) -> list[dict]:
    """The GECCO'18 cells of FIGURES/gecco18.json in the shape of report.json's
    cells (table, problem, sample, loss, init_range, granularity, metric,
    paper_mean, paper_std, ours_mean, ours_std, within, within_fixed, trivial);
    [] when the notebook has not written the file."""
    data = report_json(figures)
    return [] if data is None else data["cells"]


def report_lines(figures) -> list[str]:
    """REPORT.md's GECCO'18 section: its own counts per table and a table of every
    number, paper | ours; [] when notebook 12 has not written gecco18.json."""
    data = report_json(figures)
    if data is None:
        return []
    meta, words = data["meta"], {True: "yes", False: "**no**", None: ""}
    n = sum(t["cells"] for t in data["tables"].values())
    ok = sum(t["within"] for t in data["tables"].values())
    lines = ["## GECCO'18: the progressive gradient walk beside random walks (notebook 12)",
             "", f"**{ok} of {n} numbers within tolerance** ({meta['tolerance']}; "
             f"{meta['runs']} runs of {meta['walks']} walks, preset `{meta['preset']}`, "
             f"arithmetic {meta['arithmetic']}; Table 2 counted in the "
             f"{meta['counted_variant']!r} variant, the other shown).", "",
             "| table | cells | within |", "|---|---|---|"]
    lines += [f"| {name} | {t['cells']} | {t['within']} |"
              for name, t in data["tables"].items()]
    lines += ["", "| table | sampler | granularity | metric | paper | ours | within |",
              "|---|---|---|---|---|---|---|"]
    for c in data["cells"]:
        paper = f"{c['paper_mean']:.4g}" + (
            f" ({c['paper_std']:.3g})" if c["paper_std"] is not None else "")
        lines.append(f"| {c['table']} | {c['sample']} | {c['granularity']} | {c['metric']} "
                     f"| {paper} | {c['ours_mean']:.4g} ({c['ours_std']:.3g}) | "
                     f"{words[c['within']]} |")
    return lines
