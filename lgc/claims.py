"""Every numbered claim of the paper, judged from the run (issue 15).

The paper makes 95 statements about its figures and tables (numbered as in the
project's claims list). This module holds one entry per statement: its number,
the section it belongs to, a short paraphrase, and a *judge*: a function of
what the run computed (a :class:`Run`) that returns a :class:`Verdict`, one of

- ``holds``: the statement is true of our run, by the measure given;
- ``holds in part``: true of some of the settings or problems it covers, or only
  of the part of it our data can decide, or only under one curvature test;
- ``fails``: false of our run;
- ``cannot be judged``: our figures and tables cannot decide it (the reason is
  given), or the data it needs was not computed in this run.

Each verdict carries the curvature test it was decided under (``full+tol``:
lgc's full Hessian with the d eps tolerance; ``blocks+f32``: the authors'
per-tensor blocks with the float32 zero, see :mod:`lgc.hessian_tests`; ``both``
when the two agree; ``X only`` when the statement holds under X alone; ``n/a``
when no curvature is involved) and an evidence string with the numbers.

Measures used throughout (the same for every problem; thresholds are named
constants below):

- *low gradient*: a point whose gradient norm is at most ``LOW_GRAD`` times the
  99th percentile of its setting's gradient norms;
- *attractor*: a cluster of low-gradient points in Et (a new cluster starts
  where sorted Et jumps by more than ``GAP`` times the setting's Et range)
  visited by at least two walks (one when a setting has fewer than 5 walks);
  its *level* is the median Et, the *global* attractor the lowest one;
- *convex attractor*: at least half of its classified points are convex;
- pair comparisons (SSE against CE in one setting) are paired by split seed: SSE
  is *better* when it is better on every split, *worse* when worse on every
  split, a *tie* otherwise.

Curvature statements are judged on the section samples' classes (full Hessian)
in the section notebooks, and on the points of :mod:`lgc.hessian_tests` (the
same walks, both tests) in the report; the 15 statements that module already
checks are judged by its checks.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

VERDICTS = ("holds", "holds in part", "fails", "cannot be judged")
HOLDS, PART, FAILS, CANNOT = VERDICTS
FULL, AUTHORS = "full+tol", "blocks+f32"
PROBLEMS = ("xor", "iris", "diabetes", "glass", "cancer", "heart", "mnist")
CURVATURE_PROBLEMS = PROBLEMS[:-1]  # MNIST has no Hessians
DIMS = {"xor": 9, "iris": 35, "diabetes": 81, "glass": 150, "cancer": 321, "heart": 341,
        "mnist": 7960}
#: section of each claim group, in the order of the paper
SECTIONS = ("general", "method", *PROBLEMS, "conclusions")
LOW_GRAD = 0.05   # low gradient: <= LOW_GRAD x the setting's 99th-percentile gradient norm
GAP = 0.05        # attractor clusters split where sorted Et jumps > GAP x Et range
LOW_ET = 0.25     # "near the minimum": the lowest LOW_ET of a setting's Et
CONVEX_SHARE = 0.5  # a convex attractor: at least this share of its classified points convex


@dataclass(frozen=True)
class Verdict:
    number: int
    section: str
    verdict: str
    test: str
    evidence: str

    def to_dict(self) -> dict:
        return {"number": self.number, "section": self.section, "verdict": self.verdict,
                "test": self.test, "evidence": self.evidence}


@dataclass(frozen=True)
class Claim:
    number: int
    section: str
    text: str
    judge: Callable


@dataclass
class Run:
    """What a run computed, for any subset of the problems.

    Attributes
    ----------
    splits : problem -> long summary table over every split seed
        (:func:`lgc.reproduce.summary`: problem, loss, init_range, granularity,
        sample, metric, ours_mean, ours_std, split_seed...)
    frames : problem -> {(loss, granularity, init_range): main-split frame}
        (columns walk, step, Et, Eg, Ct, Cg, grad_norm, curvature)
    points : the points of :func:`lgc.hessian_tests.compare_settings` (both
        tests' classes), or None
    """

    splits: dict = field(default_factory=dict)
    frames: dict = field(default_factory=dict)
    points: pd.DataFrame | None = None

    def main(self, problem: str) -> pd.DataFrame:
        """The main split's cells of ``problem`` (loss upper-case, range int)."""
        t = self.splits[problem]
        t = t[t.split_seed == t.split_seed.min()].copy()
        t["loss"] = t["loss"].str.upper()
        t["init_range"] = t["init_range"].astype(int)
        return t


class Missing(Exception):
    """The data a judge needs is not in this run."""


# ---------------------------------------------------------------- measures

def _frame(run: Run, problem: str, loss: str, gran: str, r: float, test: str | None = None):
    """One setting's points: the section sample's frame (every step) when ``test``
    is None, else points with a ``curvature`` column of ``test``'s classes
    (hessian_tests' points when the run has them)."""
    if test is None or (test == FULL and run.points is None) or problem == "mnist":
        frames = run.frames.get(problem)
        if frames is None:
            raise Missing(f"{problem} was not run")
        f = frames.get((loss, gran, float(r)))
        if f is None:
            raise Missing(f"no {problem} {loss} r = {r:g} {gran} sample")
        return f
    if run.points is None:
        raise Missing(f"no points classified by the authors' test ({AUTHORS})")
    p = run.points
    p = p[(p.problem == problem) & (p.loss == loss) & (p.granularity == gran)
          & (p.init_range == float(r))]
    if p.empty:
        raise Missing(f"no {problem} {loss} r = {r:g} {gran} points")
    return p.assign(curvature=p[test])


def low_cut(f: pd.DataFrame) -> float:
    return LOW_GRAD * float(f.grad_norm.quantile(0.99))


def attractors(f: pd.DataFrame) -> list[dict]:
    """Clusters of low-gradient points in Et, lowest first (see the module doc)."""
    low = f[f.grad_norm <= low_cut(f)].sort_values("Et")
    if low.empty:
        return []
    span = float(f.Et.max() - f.Et.min()) or 1.0
    et = low.Et.to_numpy()
    group = np.concatenate([[0], np.cumsum(np.diff(et) > GAP * span)])
    min_walks = 2 if f.walk.nunique() >= 5 else 1
    out = []
    for g in np.unique(group):
        here = low[group == g]
        if here.walk.nunique() < min_walks:
            continue
        cls = here.curvature.dropna() if "curvature" in here else pd.Series(dtype=object)
        shares = cls.value_counts(normalize=True) if len(cls) else pd.Series(dtype=float)
        out.append({"level": float(here.Et.median()), "walks": int(here.walk.nunique()),
                    "points": len(here), "grad": float(here.grad_norm.median()),
                    "classified": len(cls),
                    **{c: float(shares.get(c, 0.0)) for c in
                       ("convex", "saddle", "singular", "concave")}})
    return out


def _levels(att) -> str:
    return "[" + ", ".join(f"{a['level']:.3g}" for a in att) + "]"


def convex_attractors(att) -> list[dict]:
    return [a for a in att if a["classified"] and a["convex"] >= CONVEX_SHARE]


def shares(f: pd.DataFrame) -> dict:
    c = f.curvature.dropna()
    s = c.value_counts(normalize=True) if len(c) else pd.Series(dtype=float)
    return {k: float(s.get(k, 0.0)) for k in ("convex", "saddle", "singular", "concave")}


def spearman(a, b) -> float:
    a, b = pd.Series(np.asarray(a, float)), pd.Series(np.asarray(b, float))
    if len(a) < 3 or a.nunique() < 2 or b.nunique() < 2:
        return float("nan")
    return float(np.corrcoef(a.rank(), b.rank())[0, 1])


def near_min(f: pd.DataFrame, fraction: float = LOW_ET) -> pd.DataFrame:
    return f[f.Et <= f.Et.quantile(fraction)]


def median_grad(f) -> float:
    return float(f.grad_norm.median())


def _settings(run: Run, problem: str, ranges=(1, 10), grans=("micro", "macro")):
    if problem not in run.frames:
        raise Missing(f"{problem} was not run")
    return [(g, r) for r in ranges for g in grans]


def pair_compare(splits: pd.DataFrame, sample: str, better: str = "higher",
                 metric: str = "accuracy_last_step", gap: bool = False) -> pd.DataFrame:
    """SSE against CE per setting, paired by split seed.

    ``sample`` is compared (e.g. "Cg"), or with ``gap`` the train-test gap
    Ct - Cg (``better`` then "lower"). One row per (init_range, granularity):
    the mean SSE - CE difference over splits, its min and max, and ``who``:
    "SSE" (better on every split), "CE" (worse on every split) or "tie".
    """
    t = splits[splits.metric == metric].copy()
    t["loss"] = t["loss"].str.upper()
    if gap:
        wide = t.pivot_table(index=["init_range", "granularity", "split_seed", "loss"],
                             columns="sample", values="ours_mean").reset_index()
        wide["value"] = wide["Ct"] - wide["Cg"]
    else:
        wide = t[t["sample"] == sample].rename(columns={"ours_mean": "value"})
    v = wide.pivot_table(index=["init_range", "granularity", "split_seed"], columns="loss",
                         values="value").dropna()
    v["diff"] = v["SSE"] - v["CE"]
    sign = 1.0 if better == "higher" else -1.0
    rows = []
    for (r, g), d in v.groupby(level=["init_range", "granularity"], sort=True):
        s = sign * d["diff"].to_numpy()
        who = "SSE" if (s > 0).all() else "CE" if (s < 0).all() else "tie"
        rows.append({"init_range": r, "granularity": g, "diff": float(d["diff"].mean()),
                     "lo": float(d["diff"].min()), "hi": float(d["diff"].max()),
                     "splits": len(d), "who": who})
    return pd.DataFrame(rows)


def _pairs_text(c: pd.DataFrame, what: str) -> str:
    return "; ".join(f"r={r:g} {g}: {what} SSE-CE {d:+.3g} [{lo:+.3g}, {hi:+.3g}] -> {w}"
                     for r, g, d, lo, hi, w in zip(c.init_range, c.granularity, c["diff"],
                                                   c.lo, c.hi, c.who))


def majority(c: pd.DataFrame, who: str = "SSE") -> str:
    """holds when ``who`` wins most settings, in part when some, fails when none."""
    n = int((c.who == who).sum())
    if n * 2 > len(c):
        return HOLDS
    return PART if n else FAILS


def _splits(run: Run, problem: str) -> pd.DataFrame:
    if problem not in run.splits:
        raise Missing(f"{problem} was not run")
    return run.splits[problem]


def _cell(main: pd.DataFrame, sample, metric, loss, r, gran, col="ours_mean") -> float:
    t = main[(main["sample"] == sample) & (main.metric == metric) & (main.loss == loss)
             & (main.init_range == r) & (main.granularity == gran)]
    if t.empty:
        raise Missing(f"no {sample} {metric} cell for {loss} r = {r} {gran}")
    return float(t[col].iloc[0])


def _grade(ok: int, n: int) -> str:
    return HOLDS if n and ok == n else PART if ok else FAILS


# ------------------------------------------------- curvature under both tests

def curved(fn):
    """A judge ``fn(run, test) -> (verdict, evidence)`` decided under each test
    the run has (the authors' only with the hessian_tests points)."""
    def judge(run: Run):
        tests = (FULL, AUTHORS) if run.points is not None else (FULL,)
        out = {}
        for test in tests:
            try:
                out[test] = fn(run, test)
            except Missing as why:
                out[test] = (CANNOT, f"not computed in this run: {why}")
        return combine(out)
    return judge


def combine(out: dict) -> tuple[str, str, str]:
    """One verdict from each test's (verdict, evidence)."""
    if len(out) == 1:
        (test, (v, ev)), = out.items()
        return v, test, ev
    verdicts = {t: v for t, (v, _) in out.items()}
    ev = "; ".join(f"{t}: {v} ({e})" for t, (v, e) in out.items())
    if len(set(verdicts.values())) == 1:
        return next(iter(verdicts.values())), "both", ev
    rank = {HOLDS: 0, PART: 1, FAILS: 2, CANNOT: 3}
    best = min(verdicts, key=lambda t: rank[verdicts[t]])
    judged = [v for v in verdicts.values() if v != CANNOT]
    if len(judged) == 1:
        return judged[0], f"{best} only", ev
    return PART, f"{best} only", ev


def ht_check(number: int):
    """A judge from :func:`lgc.hessian_tests._claim_checks` (issue 15's 15 checks)."""
    from . import hessian_tests as ht

    check = {n: fn for n, _, fn in ht._claim_checks()}[number]

    def fn(run: Run, test: str):
        pts = _points(run, test)
        measure, ok = check(pts, test)
        if "nan" in measure:
            raise Missing("a problem or setting it needs was not run")
        return (HOLDS if ok else FAILS), measure
    return curved(fn)


def _points(run: Run, test: str) -> pd.DataFrame:
    """Points with a column named ``test``: hessian_tests' points, or (full test
    only) the section samples' classified points."""
    if run.points is not None:
        return run.points
    if test != FULL:
        raise Missing(f"no points classified by {test}")
    parts = []
    for problem, frames in run.frames.items():
        for (loss, gran, r), f in frames.items():
            if problem == "mnist":
                continue
            c = f[f.curvature.notna()]
            parts.append(pd.DataFrame({"problem": problem, "loss": loss,
                                       "init_range": float(r), "granularity": gran,
                                       "Et": c.Et.to_numpy(), FULL: c.curvature.astype(str)
                                       .to_numpy()}))
    if not parts:
        raise Missing("no curvature samples")
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------- judge helpers

def grads_ce_over_sse(run, problems, ranges=(1, 10)):
    rows = []
    for p in problems:
        for g, r in _settings(run, p, ranges):
            s = median_grad(_frame(run, p, "sse", g, r))
            c = median_grad(_frame(run, p, "ce", g, r))
            rows.append((p, g, r, s, c))
    ok = sum(c > s for *_, s, c in rows)
    ev = (f"CE's median gradient norm above SSE's in {ok} of {len(rows)} settings; "
          + ", ".join(f"{p} r={r:g} {g}: SSE {s:.3g} CE {c:.3g}" for p, g, r, s, c in rows[:8])
          + (" ..." if len(rows) > 8 else ""))
    return rows, ok, ev


def _present(run, problems):
    have = [p for p in problems if p in run.frames]
    if not have:
        raise Missing("none of " + ", ".join(problems) + " was run")
    return have


def _need_all(run, problems):
    missing = [p for p in problems if p not in run.frames]
    if missing:
        raise Missing("not run: " + ", ".join(missing))
    return list(problems)


def n_attr(run, p, loss, g, r, test=None):
    return attractors(_frame(run, p, loss, g, r, test))


def count_claim(run, p, expect: dict, g="micro", r=1, test=None, convex=False):
    """Attractor counts per loss against ``expect`` {loss: n}."""
    ok, parts = 0, []
    for loss, n in expect.items():
        att = n_attr(run, p, loss, g, r, test)
        k = len(convex_attractors(att)) if convex else len(att)
        ok += k == n
        parts.append(f"{loss.upper()} r={r:g} {g}: {k} {'convex ' if convex else ''}"
                     f"attractors (paper {n}), levels {_levels(att)}")
    return _grade(ok, len(expect)), "; ".join(parts)


def gen_near_min(f):
    """Spearman(Et, Eg) over the points nearest the minimum: < 0 means Eg rises
    as Et falls (generalisation worsens approaching the minimum)."""
    return spearman(near_min(f).Et, near_min(f).Eg)


def _loss_grade(values: dict, ok_fn, fmt) -> tuple[str, str]:
    ok = sum(bool(ok_fn(v)) for v in values.values())
    return _grade(ok, len(values)), "; ".join(f"{k}: {fmt(v)}" for k, v in values.items())


# ------------------------------------------------------------ the judges

def j_cannot(reason):
    def judge(run):
        return CANNOT, reason
    return judge


def wrap(fn, test="n/a"):
    """A judge ``fn(run) -> (verdict, evidence)`` without curvature."""
    def judge(run):
        try:
            v, ev = fn(run)
        except Missing as why:
            return CANNOT, test, f"not computed in this run: {why}"
        return v, test, ev
    return judge


# General claims ------------------------------------------------------

def g1(run):
    probs = _present(run, PROBLEMS)
    rows, ok, ev = grads_ce_over_sse(run, probs)
    return (HOLDS if ok == len(rows) else PART if ok * 2 > len(rows) else FAILS), ev


def g2(run):
    probs = _present(run, PROBLEMS)
    more = same = n = 0
    for p in probs:
        for g, r in _settings(run, p):
            a = len(n_attr(run, p, "sse", g, r))
            b = len(n_attr(run, p, "ce", g, r))
            more += a > b
            same += a == b
            n += 1
    v = HOLDS if more * 2 > n else PART if more else FAILS
    return v, (f"SSE has more low-gradient attractors than CE in {more} of {n} settings, as "
               f"many in {same}, fewer in {n - more - same} ({', '.join(probs)})")


def overfit_by_problem(run, problems):
    out = {}
    for p in problems:
        if p == "xor":
            continue  # XOR trains and tests on the same four patterns
        c = pair_compare(_splits(run, p), "Cg", better="lower", gap=True)
        out[p] = (c, majority(c, "SSE"), int((c.who == "SSE").sum()),
                  int((c.who == "CE").sum()))
    return out


def g3(run):
    probs = [p for p in _present(run, PROBLEMS) if p != "xor"]
    if not probs:
        raise Missing("no problem with a train/test split was run")
    res = overfit_by_problem(run, probs)
    sse_wins = [p for p, (_, v, s, c) in res.items() if s > c and v == HOLDS]
    ce_wins = [p for p, (_, v, s, c) in res.items() if c > s]
    ties = [p for p in res if p not in sse_wins and p not in ce_wins]
    ev = ("train-test accuracy gap Ct-Cg at the last step, SSE vs CE paired by split seed; "
          + "; ".join(f"{p}: SSE smaller gap in {s}, CE in {c}, tied in {len(t) - s - c} "
                      f"of {len(t)} settings" for p, (t, _, s, c) in res.items())
          + f". SSE overfits less on {len(sse_wins)} of {len(res)} problems "
            f"({', '.join(sse_wins) or 'none'}); CE less on {', '.join(ce_wins) or 'none'}; "
            f"tie on {', '.join(ties) or 'none'}")
    # in part only where SSE overfits less on more problems than CE does
    v = HOLDS if len(sse_wins) == len(res) else PART if len(sse_wins) > len(ce_wins) else FAILS
    return v, ev


def local_minima(run, test, problems, losses=("sse", "ce")):
    found = {}
    for p in problems:
        for loss in losses:
            for g, r in _settings(run, p):
                try:
                    att = n_attr(run, p, loss, g, r, test)
                except Missing:
                    continue
                if len(att) < 2:
                    continue
                local = [a for a in convex_attractors(att[1:])]
                if local:
                    found.setdefault(loss, []).append(
                        f"{p} r={r:g} {g} at Et {_levels(local)}")
    return found


def g4(run, test):
    probs = _present(run, CURVATURE_PROBLEMS)
    found = local_minima(run, test, probs)
    ok = sum(loss in found for loss in ("sse", "ce"))
    ev = "; ".join(f"{loss.upper()}: convex low-gradient attractors above the global one in "
                   f"{len(found.get(loss, []))} settings ({', '.join(found.get(loss, [])[:3])})"
                   for loss in ("sse", "ce"))
    return _grade(ok, 2), ev


def g5(run):
    probs = _need_all(run, PROBLEMS)
    counts = {p: np.mean([len(n_attr(run, p, loss, g, r)) for loss in ("sse", "ce")
                          for g, r in _settings(run, p)]) for p in probs}
    rho = spearman([DIMS[p] for p in probs], [counts[p] for p in probs])
    mono = all(a >= b for a, b in zip(list(counts.values()), list(counts.values())[1:]))
    v = HOLDS if mono else PART if rho < 0 else FAILS
    return v, ("mean low-gradient attractors per setting: "
               + ", ".join(f"{p} (d={DIMS[p]}) {c:.2f}" for p, c in counts.items())
               + f"; Spearman with d {rho:+.2f}")


# Method ---------------------------------------------------------------

def m6(run, test):
    ok, parts = 0, []
    for loss in ("sse", "ce"):
        att = n_attr(run, "xor", loss, "micro", 1, test)
        loc = convex_attractors(att[1:])
        ok += bool(loc)
        parts.append(f"{loss.upper()}: convex attractors above the global one at Et "
                     f"{_levels(loc)} of {_levels(att)}")
    return (HOLDS if ok else FAILS), "; ".join(parts)


def _sim():
    from .basins import WINDOWS, simulated_walk, stagnant_runs

    walk = simulated_walk(0)
    return {w: stagnant_runs(walk, w) for w in sorted(WINDOWS)}


def m7(run):
    n, l_ = _sim()[8]
    return (HOLDS if n == 3 else FAILS), f"at w = 8 the simulated walk stagnates {n} times, lstag {l_:.3g}"


def m8(run):
    s = _sim()
    w_lo, w_hi = min(s), max(s)
    many, few = s[w_lo][0] > s[8][0], s[w_hi][0] < s[8][0] or s[w_hi][1] < s[8][1]
    return _grade(many + few, 2), (f"nstag, lstag at w = {w_lo}: {s[w_lo][0]}, {s[w_lo][1]:.3g}; "
                                   f"w = 8: {s[8][0]}, {s[8][1]:.3g}; w = {w_hi}: {s[w_hi][0]}, "
                                   f"{s[w_hi][1]:.3g}")


def m9(run):
    s = _sim()
    ws = sorted(s)
    best = max(ws, key=lambda w: s[w][1])
    i = ws.index(8)
    falls = all(s[ws[k]][1] >= s[ws[k - 1]][1] for k in range(1, i + 1)) and all(
        s[ws[k]][1] <= s[ws[k - 1]][1] for k in range(i + 1, len(ws)))
    v = HOLDS if best == 8 and falls else PART if best == 8 else FAILS
    return v, "lstag by w: " + ", ".join(f"{w}: {s[w][1]:.3g}" for w in ws) + f"; peak at w = {best}"


# XOR --------------------------------------------------------------------

def x10(run):
    return count_claim(run, "xor", {"sse": 4, "ce": 4})


def x11(run, test):
    ok, parts = 0, []
    for loss in ("sse", "ce"):
        att = n_attr(run, "xor", loss, "micro", 1, test)
        cv = convex_attractors(att)
        ok += len(cv) == len(att) and len(att) > 0
        parts.append(f"{loss.upper()}: {len(cv)} of {len(att)} attractors convex "
                     "(convex shares " + ", ".join(f"{a['convex']:.2f}" for a in att) + ")")
    return _grade(ok, 2), "; ".join(parts)


def x13(run, test):
    parts, ok = [], 0
    for loss in ("sse", "ce"):
        att = n_attr(run, "xor", loss, "micro", 1, test)
        far = att[-2:] if len(att) >= 3 else []
        mixed = [a for a in far if a["convex"] > 0 and a["saddle"] > 0]
        ok += bool(mixed)
        parts.append(f"{loss.upper()}: two highest attractors {_levels(far)}, convex/saddle "
                     + ", ".join(f"{a['convex']:.2f}/{a['saddle']:.2f}" for a in far))
    return (HOLDS if ok == 2 else PART if ok else FAILS), "; ".join(parts)


def x14(run, test):
    s = {loss: shares(_frame(run, "xor", loss, "macro", 1, test))["singular"]
         for loss in ("sse", "ce")}
    return _loss_grade(s, lambda v: 0 < v <= 0.2, lambda v: f"singular share {v:.3f} "
                       f"(a few: 0 < share <= 0.2)")


def _walk_visits(f, att):
    """Per walk, the attractor indices its low-gradient points visit, in step order."""
    low = f[f.grad_norm <= low_cut(f)].sort_values(["walk", "step"])
    edges = [a["level"] for a in att]
    out = {}
    for w, d in low.groupby("walk"):
        idx = [int(np.argmin([abs(e - x) for e in edges])) for x in d.Et]
        out[w] = [k for i, k in enumerate(idx) if i == 0 or idx[i - 1] != k]
    return out


def x16(run):
    parts, ok = [], 0
    for loss in ("sse", "ce"):
        f = _frame(run, "xor", loss, "micro", 1)
        att = attractors(f)
        if len(att) < 2:
            parts.append(f"{loss.upper()}: {len(att)} attractor(s)")
            continue
        worst = len(att) - 1
        visits = _walk_visits(f, att)
        on = sum(1 for v in visits.values() if worst in v and v[-1] < worst)
        n = f.walk.nunique()
        ok += on * 2 > n
        parts.append(f"{loss.upper()}: {on} of {n} walks stop at the worst attractor "
                     f"(Et {att[-1]['level']:.3g}) and then move to a lower one")
    return (HOLDS if ok == 2 else PART if ok else FAILS), "; ".join(parts) + \
        " (a loss counts when more than half of its walks do; whether the minima are " \
        "joined by trajectories is not judged)"


def x17(run):
    m = run.main("xor")
    mic = {L: _cell(m, "Et", "nstag", L, 1, "micro") for L in ("SSE", "CE")}
    mac = {L: _cell(m, "Et", "nstag", L, 1, "macro") for L in ("SSE", "CE")}
    ok = sum(mic[L] <= 2.2 for L in mic) + sum(mac[L] < mic[L] for L in mic)
    return _grade(ok, 4), ("Et nstag r=1 micro " + ", ".join(f"{k} {v:.3g}" for k, v in mic.items())
                           + " (paper 1.89, 2.04; about two: <= 2.2); macro "
                           + ", ".join(f"{k} {v:.3g}" for k, v in mac.items())
                           + " (fewer than micro)")


def _skip_share(run, p, loss, g, r):
    f = _frame(run, p, loss, g, r)
    att = attractors(f)
    if len(att) < 2:
        return float("nan")
    visits = _walk_visits(f, att)
    n = f.walk.nunique()
    return 1 - sum(1 for v in visits.values() if len(att) - 1 in v) / n


def x18(run):
    s = {loss: (_skip_share(run, "xor", loss, "micro", 1),
                _skip_share(run, "xor", loss, "macro", 1)) for loss in ("sse", "ce")}
    return _loss_grade(s, lambda v: v[1] > v[0], lambda v: f"share of walks never stopping "
                       f"at the worst attractor: micro {v[0]:.2f}, macro {v[1]:.2f}")


def x19(run):
    rows, ok, ev = grads_ce_over_sse(run, ["xor"], (1,))
    return _grade(ok, len(rows)), ev


def x20(run, test):
    s = {}
    for loss in ("sse", "ce"):
        f = _frame(run, "xor", loss, "micro", 1, test)
        att = attractors(f)
        if len(att) < 2:
            raise Missing(f"XOR {loss} has no local attractor")
        low = f[(f.grad_norm <= low_cut(f)) & (f.Et > att[0]["level"]
                                               + GAP * float(f.Et.max() - f.Et.min()))]
        s[loss] = 1 - shares(low)["convex"]
    ok = s["sse"] > s["ce"]
    return (HOLDS if ok else FAILS), (f"non-convex share of low-gradient points above the "
                                      f"global minimum: SSE {s['sse']:.2f}, CE {s['ce']:.2f}")


def x21(run, test):
    att = n_attr(run, "xor", "sse", "micro", 10, test)
    cv = convex_attractors(att)
    ok = (len(att) == 6) + (len(cv) == 4)
    return _grade(ok, 2), (f"SSE r=10 micro: {len(att)} attractors (paper 6), {len(cv)} convex "
                           f"(paper 4), levels {_levels(att)}")


def x22(run, test):
    n = mixed = 0
    for loss in ("sse", "ce"):
        for r in (1, 10):
            for a in n_attr(run, "xor", loss, "micro", r, test):
                if a["convex"] > 0:
                    n += 1
                    mixed += (a["saddle"] + a["singular"]) > 0
    return _grade(mixed, n) if n else FAILS, (f"{mixed} of {n} attractors with convex points "
                                              f"also hold saddle or singular points")


def x23(run, test):
    a = {loss: n_attr(run, "xor", loss, "micro", 10, test) for loss in ("sse", "ce")}
    c = {k: len(convex_attractors(v)) for k, v in a.items()}
    ok = (len(a["ce"]) == 4) + (c["ce"] == 3) + (c["ce"] < c["sse"])
    return _grade(ok, 3), (f"r=10 micro: CE {len(a['ce'])} attractors (paper 4), {c['ce']} "
                           f"convex (paper 3); SSE {c['sse']} convex")


def x25(run):
    m = run.main("xor")
    ok, parts = 0, []
    for L in ("SSE", "CE"):
        for g in ("micro", "macro"):
            n1, n10 = (_cell(m, "Et", "nstag", L, r, g) for r in (1, 10))
            l1, l10 = (_cell(m, "Et", "lstag", L, r, g) for r in (1, 10))
            ok += (n10 < n1) + (l10 > l1)
            parts.append(f"{L} {g}: nstag {n1:.3g} -> {n10:.3g}, lstag {l1:.3g} -> {l10:.3g}")
    return _grade(ok, 8), f"{ok} of 8 comparisons as stated; " + "; ".join(parts)


def _corr(run, p, loss, g, r, a="Et", b="grad_norm"):
    f = _frame(run, p, loss, g, r)
    return spearman(f[a], f[b])


def x26(run):
    s = {L: _corr(run, "xor", L, "micro", 10) for L in ("sse", "ce")}
    return (HOLDS if s["ce"] > s["sse"] else FAILS), (
        f"Spearman(Et, gradient) r=10 micro: SSE {s['sse']:+.2f}, CE {s['ce']:+.2f}")


def _global_share(run, p, loss, g, r):
    f = _frame(run, p, loss, g, r)
    att = attractors(f)
    if not att:
        return 0.0
    last = f.sort_values("step").groupby("walk").tail(1)
    span = float(f.Et.max() - f.Et.min()) or 1.0
    return float((last.Et <= att[0]["level"] + GAP * span).mean())


def x27(run):
    s = {L: (_global_share(run, "xor", L, "micro", 10), _global_share(run, "xor", L, "macro", 10))
         for L in ("sse", "ce")}
    return _loss_grade(s, lambda v: 0 < v[1] < v[0], lambda v: f"walks ending at the lowest "
                       f"attractor: micro {v[0]:.2f}, macro {v[1]:.2f}")


def x28(run, test):
    s = {L: shares(_frame(run, "xor", L, "macro", 10, test))["saddle"] for L in ("sse", "ce")}
    return _loss_grade(s, lambda v: v >= 0.3, lambda v: f"saddle share {v:.2f} "
                       f"(prevalent: >= 0.3)")


# Iris ---------------------------------------------------------------------

def one_attractor_part(p, r=1, note="the non-zero-gradient attractors are not detected "
                       "by our measure"):
    def fn(run):
        v, ev = count_claim(run, p, {"sse": 1, "ce": 1}, r=r)
        return (PART if v == HOLDS else v), ev + f" ({note})"
    return fn


def i32(run):
    s = {}
    for L in ("sse", "ce"):
        q = []
        for g in ("micro", "macro"):
            n = near_min(_frame(run, "iris", L, g, 1))
            q.append(float(n.grad_norm.quantile(0.9) / max(n.grad_norm.quantile(0.1), 1e-300)))
        s[L] = q
    return _loss_grade(s, lambda v: v[1] > v[0], lambda v: f"q90/q10 gradient near the "
                       f"minimum: micro {v[0]:.3g}, macro {v[1]:.3g}")


def i33(run):
    m = run.main("iris")
    mic = [_cell(m, "Et", "nstag", L, 1, g) for L in ("SSE", "CE") for g in ("micro",)]
    mac = [(_cell(m, "Et", "nstag", L, 1, "macro"), _cell(m, "Et", "nstag", L, 1, "macro",
                                                          "ours_std")) for L in ("SSE", "CE")]
    ok = sum(abs(x - 1) <= 0.1 for x in mic) + sum(x == 1 and s == 0 for x, s in mac)
    return _grade(ok, 4), (f"Et nstag r=1 micro SSE {mic[0]:.3g}, CE {mic[1]:.3g}; macro "
                           f"SSE {mac[0][0]:.3g} (std {mac[0][1]:.3g}), CE {mac[1][0]:.3g} "
                           f"(std {mac[1][1]:.3g}) (one basin: micro within 0.1 of 1, "
                           f"macro exactly 1 with std 0)")


def i34(run, test):
    att = n_attr(run, "iris", "sse", "micro", 10, test)
    cv = convex_attractors(att)
    ok = (len(att) >= 2) + (len(cv) == 2)
    return _grade(ok, 2), (f"SSE r=10 micro: {len(att)} attractors at {_levels(att)}, "
                           f"{len(cv)} convex (paper 2)")


def i35(run):
    return count_claim(run, "iris", {"ce": 1}, r=10)


def two_clusters(p, loss="ce", r=10, g="micro"):
    def fn(run):
        f = near_min(_frame(run, p, loss, g, r), 0.5)
        rho = spearman(f.Et, f.grad_norm)
        return (HOLDS if rho < 0 else FAILS), (
            f"{loss.upper()} r={r} {g}, lower half of Et: Spearman(Et, gradient) {rho:+.2f} "
            f"(negative: lower error with higher gradient)")
    return fn


def i37(run):
    f = pd.concat([near_min(_frame(run, "iris", "ce", g, r), 0.1)
                   for g in ("micro", "macro") for r in (1, 10)])
    ratio = float(f.Eg.median() / max(f.Et.median(), 1e-300))
    v = HOLDS if ratio >= 10 else PART if ratio >= 3 else FAILS
    return v, (f"CE, lowest tenth of Et: median Eg / median Et = {ratio:.3g} (holds from "
               f"10, in part from 3)")


def overfit_problem(p):
    def fn(run):
        c = pair_compare(_splits(run, p), "Cg", better="lower", gap=True)
        return majority(c), _pairs_text(c, "gap Ct-Cg")
    return fn


def generalises(p, who="SSE", ranges=None):
    def fn(run):
        c = pair_compare(_splits(run, p), "Cg", better="higher")
        if ranges:
            c = c[c.init_range.isin(ranges)]
        return majority(c, who), _pairs_text(c, "Cg")
    return fn


def i40(run):
    s = {L: np.median([median_grad(near_min(_frame(run, "iris", L, g, r), 0.1))
                       for g in ("micro", "macro") for r in (1, 10)]) for L in ("sse", "ce")}
    c = pair_compare(_splits(run, "iris"), "Cg", better="lower", gap=True)
    ok = (s["ce"] > s["sse"]) + (majority(c, "SSE") == HOLDS)
    return _grade(ok, 2), (f"gradient near the minimum (lowest tenth of Et): SSE "
                           f"{s['sse']:.3g}, CE {s['ce']:.3g}; gap: SSE smaller in "
                           f"{int((c.who == 'SSE').sum())} of {len(c)} settings")


# Diabetes -------------------------------------------------------------------

_ARCH = "rises then falls: peak between 5% and 95% of the walk and above 1.1 x its start"


def arch_share(f):
    """Share of walks whose gradient peaks inside the walk, above 1.1 x its start."""
    n = ok = 0
    for _, d in f.sort_values("step").groupby("walk"):
        g = d.grad_norm.to_numpy()
        k = int(np.argmax(g))
        n += 1
        ok += 0.05 * len(g) < k < 0.95 * len(g) and g[k] > 1.1 * g[0]
    return ok / n if n else float("nan")


def d43(run):
    s = {g: arch_share(_frame(run, "diabetes", "sse", g, 1)) for g in ("micro", "macro")}
    ok = sum(v > 0.5 for v in s.values())
    return _grade(ok, 2), ("SSE r=1: share of walks whose gradient rises, then falls: "
                           + ", ".join(f"{g} {v:.2f}" for g, v in s.items())
                           + f" ({_ARCH}; holds above 0.5)")


def d44(run):
    s = {g: arch_share(_frame(run, "diabetes", "ce", g, 1)) for g in ("micro", "macro")}
    ok = sum(v <= 0.5 for v in s.values())
    return _grade(ok, 2), ("CE r=1: share of walks whose gradient rises, then falls: "
                           + ", ".join(f"{g} {v:.2f}" for g, v in s.items())
                           + f" ({_ARCH}; holds at 0.5 or below)")


def d45(run):
    return count_claim(run, "diabetes", {"sse": 3, "ce": 1}, r=10)


def d47(run, test):
    cv = {}
    for r in (1, 10):
        g = []
        for L in ("sse", "ce"):
            for gran in ("micro", "macro"):
                f = _frame(run, "diabetes", L, gran, r, test)
                low = f[(f.grad_norm <= low_cut(f)) & (f.curvature == "convex")]
                g.extend(low.grad_norm.tolist())
        cv[r] = float(np.std(g) / np.mean(g)) if len(g) > 1 else float("nan")
    if not all(np.isfinite(v) for v in cv.values()):
        return FAILS, (f"convex low-gradient points: too few to compare (CV r=1 {cv[1]:.3g}, "
                       f"r=10 {cv[10]:.3g})")
    return (HOLDS if cv[10] > cv[1] else FAILS), (
        f"coefficient of variation of the gradient at convex low-gradient points: "
        f"r=1 {cv[1]:.3g}, r=10 {cv[10]:.3g}")


def d48(run):
    m = run.main("diabetes")
    et = m[(m["sample"] == "Et") & (m.metric == "nstag")]
    one = int((et.ours_mean <= 1.5).sum())
    s_et = _cell(m, "Et", "nstag", "SSE", 1, "micro", "ours_std")
    s_eg = _cell(m, "Eg", "nstag", "SSE", 1, "micro", "ours_std")
    ok = (one * 2 > len(et)) + (s_eg > s_et)
    return _grade(ok, 2), (f"Et nstag <= 1.5 in {one} of {len(et)} cells (holds for more "
                           f"than half); SSE r=1 micro nstag std: Et {s_et:.3g}, "
                           f"Eg {s_eg:.3g}")


def gen_worsens(p, ranges=(1, 10), losses=("sse", "ce")):
    def fn(run):
        s = {L: np.nanmedian([gen_near_min(_frame(run, p, L, g, r))
                              for g in ("micro", "macro") for r in ranges]) for L in losses}
        return _loss_grade(s, lambda v: v < 0, lambda v: f"median Spearman(Et, Eg) near "
                           f"the minimum {v:+.2f}")
    return fn


def _low_gradient_spearman(run, problem: str) -> dict:
    """Spearman(Et, Eg) over the low-gradient points of each loss's r = 1 micro walks."""
    out = {}
    for L in ("sse", "ce"):
        f = _frame(run, problem, L, "micro", 1)
        low = f[f.grad_norm <= low_cut(f)]
        out[L] = spearman(low.Et, low.Eg)
    return out


def d50(run):
    s = _low_gradient_spearman(run, "diabetes")
    v, ev = _loss_grade(s, lambda v: v < 0, lambda v: f"low-gradient points, Spearman(Et, Eg)"
                        f" {v:+.2f}")
    return (PART if v == HOLDS else v), ev + " (the sudden drop of the gradient is not judged)"


def d51(run):
    s = {L: gen_near_min(_frame(run, "diabetes", L, "micro", 10)) for L in ("sse", "ce")}
    return _loss_grade(s, lambda v: abs(v) < 0.3, lambda v: f"r=10 micro near the minimum, "
                       f"Spearman(Et, Eg) {v:+.2f} (|rho| < 0.3: no order, so overlap)")


def d52(run):
    c = pair_compare(_splits(run, "diabetes"), "Cg", better="higher")
    r1, r10 = c[c.init_range == 1], c[c.init_range == 10]
    ok = (majority(r1, "CE") == HOLDS) + (majority(r10, "SSE") == HOLDS)
    return _grade(ok, 2), _pairs_text(c, "Cg")


# Glass ---------------------------------------------------------------------

def gl54(run):
    s = {}
    for L in ("sse", "ce"):
        f = _frame(run, "glass", L, "micro", 1)
        f = f[f.Et > f.Et.quantile(0.1)]
        s[L] = float(np.corrcoef(f.Et, f.grad_norm)[0, 1])
    v, ev = _loss_grade(s, lambda v: v >= 0.8, lambda v: f"Pearson(Et, gradient) above "
                        f"the lowest tenth {v:+.2f} (linear: >= 0.8)")
    return v, ev + " (one major attractor: see claim 56)"


def gl55(run):
    s = {L: (median_grad(near_min(_frame(run, "glass", L, "micro", 1), 0.1)),
             median_grad(near_min(_frame(run, "glass", L, "macro", 1), 0.1)))
         for L in ("sse", "ce")}
    return _loss_grade(s, lambda v: v[1] > v[0], lambda v: f"median gradient, lowest tenth "
                       f"of Et: micro {v[0]:.3g}, macro {v[1]:.3g}")


def one_per_walk(p, sample="Et", lstag_share=0.8):
    def fn(run):
        m = run.main(p)
        n = m[(m["sample"] == sample) & (m.metric == "nstag")]
        ls = m[(m["sample"] == sample) & (m.metric == "lstag")]
        ok1 = int((n.ours_mean <= 1.2).sum())
        ok2 = int((ls.ours_mean >= lstag_share * ls.steps).sum())
        v = _grade(ok1 + ok2, len(n) + len(ls))
        return v, (f"{sample} nstag <= 1.2 in {ok1} of {len(n)} cells; lstag >= "
                   f"{lstag_share:g} x steps in {ok2} of {len(ls)}")
    return fn


def eg_less_stable(p):
    def fn(run):
        m = run.main(p)
        a = m[(m["sample"] == "Et") & (m.metric == "lstag")].ours_std.to_numpy()
        b = m[(m["sample"] == "Eg") & (m.metric == "lstag")].ours_std.to_numpy()
        ok = int((b > a).sum())
        return (HOLDS if ok * 2 > len(a) else PART if ok else FAILS), (
            f"lstag std larger for Eg than Et in {ok} of {len(a)} settings")
    return fn


def gl57(run):
    v1, e1 = one_per_walk("glass", "Eg", 0.0)(run)
    v2, e2 = eg_less_stable("glass")(run)
    return (v2 if v1 == HOLDS else PART if HOLDS in (v1, v2) else FAILS), f"{e1}; {e2}"


def gl59(run, test):
    sse = n_attr(run, "glass", "sse", "micro", 10, test)
    ce = n_attr(run, "glass", "ce", "micro", 10, test)
    flat = [a for a in sse if a["singular"] >= 0.5]
    ok = (len(flat) >= 2) + (len(ce) == 1)
    return _grade(ok, 2), (f"SSE r=10 micro: {len(sse)} attractors, {len(flat)} mostly "
                           f"singular (singular share >= 0.5; holds from 2); CE: {len(ce)} "
                           f"attractors (two paths not judged)")


def gl60(run):
    f = _frame(run, "glass", "ce", "micro", 10)
    rho = gen_near_min(f)
    return (HOLDS if rho < 0 else FAILS), (f"CE r=10 micro near the minimum: Spearman(Et, Eg) "
                                           f"{rho:+.2f} (negative: lower error, worse Eg)")


def gl61(run):
    f = _frame(run, "glass", "sse", "micro", 10)
    at = float((f.Et <= f.Et.loc[f.Eg.idxmin()]).mean())
    return (HOLDS if at <= 0.1 else FAILS), (f"SSE r=10 micro: the point of least Eg lies at "
                                             f"the {100 * at:.0f}th percentile of Et (holds "
                                             f"at the 10th or below)")


def gl62(run):
    c = pair_compare(_splits(run, "glass"), "Cg", better="higher")
    m = run.main("glass")
    cg = {L: float(m[(m["sample"] == "Cg")].query("loss == @L").ours_mean.mean())
          for L in ("SSE", "CE")}
    ct = {L: float(m[(m["sample"] == "Ct")].query("loss == @L").ours_mean.mean())
          for L in ("SSE", "CE")}
    alike = (c.who == "tie").sum() * 2 > len(c)
    poor = all(ct[L] - cg[L] > 0.1 for L in cg)
    return _grade(alike + poor, 2), (_pairs_text(c, "Cg") + "; mean Ct / Cg: " + ", ".join(
        f"{L} {ct[L]:.3f} / {cg[L]:.3f}" for L in cg) + " (alike: ties in more than half "
        "the settings; poor: gap > 0.1)")


# Cancer ---------------------------------------------------------------------

def ca65(run):
    m = run.main("cancer")
    n = m[(m["sample"] == "Et") & (m.metric == "nstag")]
    ok = int((n.ours_mean <= 1.05).sum())
    return _grade(ok, len(n)), f"Et nstag <= 1.05 in {ok} of {len(n)} cells: " + ", ".join(
        f"{v:.3g}" for v in n.ours_mean)


def linear(p, loss, r=1, lim=0.9):
    def fn(run):
        s = {g: float(np.corrcoef(*_frame(run, p, loss, g, r)[["Et", "grad_norm"]]
                                  .to_numpy().T)[0, 1]) for g in ("micro", "macro")}
        return _loss_grade(s, lambda v: v >= lim, lambda v: f"{loss.upper()} r={r} "
                           f"Pearson(Et, gradient) {v:+.2f} (linear: >= {lim:g})")
    return fn


def ca69(run, test):
    s = [a for a in n_attr(run, "cancer", "sse", "micro", 10, test)[1:]]
    c = n_attr(run, "cancer", "ce", "micro", 10, test)[1:]
    ok = (len(convex_attractors(s)) == 2) + (len(convex_attractors(c)) == 0)
    return _grade(ok, 2), (f"r=10 micro convex attractors above the global one: SSE "
                           f"{len(convex_attractors(s))} (paper 2), CE "
                           f"{len(convex_attractors(c))} (paper 0)")


def ca70(run):
    m = run.main("cancer")
    et, eg = (_cell(m, s, "nstag", "CE", 10, "micro") for s in ("Et", "Eg"))
    return (HOLDS if eg > et + 1 else FAILS), (f"CE r=10 micro nstag: Et {et:.3g}, Eg {eg:.3g} "
                                               f"(paper Eg 4.14; holds when Eg exceeds Et "
                                               f"by more than 1)")


def ca71(run):
    s = {}
    for L in ("sse", "ce"):
        f = pd.concat([_frame(run, "cancer", L, g, r) for g in ("micro", "macro")
                       for r in (1, 10)])
        lo = f[f.Et <= f.Et.quantile(0.1)].Eg.median()
        mid = f[(f.Et >= f.Et.quantile(0.3)) & (f.Et <= f.Et.quantile(0.6))].Eg.median()
        s[L] = (float(lo), float(mid))
    return _loss_grade(s, lambda v: v[0] > v[1], lambda v: f"median Eg at the lowest tenth "
                       f"of Et {v[0]:.3g} vs the 30-60% band {v[1]:.3g}")


def ca72(run):
    s = {}
    for L in ("sse", "ce"):
        f = near_min(pd.concat([_frame(run, "cancer", L, g, 1) for g in ("micro", "macro")]))
        s[L] = spearman(f.grad_norm, f.Eg)
    ok = (s["sse"] < 0) + (s["ce"] > 0)
    return _grade(ok, 2), (f"near the minimum, Spearman(gradient, Eg): SSE {s['sse']:+.2f} "
                           f"(paper: negative), CE {s['ce']:+.2f} (paper: positive)")


def weaker_sse(p):
    def fn(run):
        rows, ok, ev = grads_ce_over_sse(run, [p])
        return (HOLDS if ok == len(rows) else PART if ok * 2 > len(rows) else FAILS), ev
    return fn


def ca74(run):
    out = {}
    for L in ("sse", "ce"):
        k = 0
        for g, r in _settings(run, "cancer"):
            k += len(n_attr(run, "cancer", L, g, r)) > 1
        out[L] = k
    ok = (out["sse"] > 0) + (out["ce"] == 0)
    return _grade(ok, 2), (f"settings with a low-gradient attractor above the global one: "
                           f"SSE {out['sse']} of 4, CE {out['ce']} of 4")


# Heart ---------------------------------------------------------------------

def h77(run):
    sse = len(n_attr(run, "heart", "sse", "macro", 10))
    ce = len(n_attr(run, "heart", "ce", "macro", 10))
    v, ev = two_clusters("heart", "ce", 10, "macro")(run)
    ok = (sse > 1) + (ce == 1) + (v == HOLDS)
    return _grade(ok, 3), f"r=10 macro attractors: SSE {sse}, CE {ce}; {ev}"


def h78(run):
    v1, e1 = one_per_walk("heart", "Et", 0.0)(run)
    v2, e2 = eg_less_stable("heart")(run)
    return _grade((v1 == HOLDS) + (v2 == HOLDS), 2), f"{e1}; {e2}"


def h79(run):
    s = _low_gradient_spearman(run, "heart")
    return _loss_grade(s, lambda v: v < 0, lambda v: f"r=1 low-gradient points, "
                       f"Spearman(Et, Eg) {v:+.2f} (negative: least Eg at the higher-error end)")


# MNIST ---------------------------------------------------------------------

def mn81(run):
    m = run.main("mnist")
    n = m[(m["sample"] == "Et") & (m.metric == "nstag")]
    ok = int((n.ours_mean <= 1.5).sum())
    return (HOLDS if ok * 2 > len(n) else PART if ok else FAILS), (
        f"Et nstag <= 1.5 in {ok} of {len(n)} cells (holds for more than half)")


def mn82(run):
    rows, ok, ev = grads_ce_over_sse(run, ["mnist"])
    return (PART if ok * 2 > len(rows) else FAILS), ev + (
        " (the sharp-minimum cluster is not judged)")


def mn83(run):
    s = {L: np.median([_corr(run, "mnist", L, g, r, "Et", "Eg") for g in ("micro", "macro")
                       for r in (1, 10)]) for L in ("sse", "ce")}
    return _loss_grade(s, lambda v: v > 0.5, lambda v: f"median Spearman(Et, Eg) {v:+.2f} "
                       f"(holds above 0.5)")


def mn85(run):
    c = pair_compare(_splits(run, "mnist"), "Cg", better="lower", gap=True)
    m = run.main("mnist")
    cg = {L: float(m[(m["sample"] == "Cg") & (m.loss == L)].ours_mean.mean())
          for L in ("SSE", "CE")}
    ok = (majority(c) == HOLDS) + (abs(cg["SSE"] - cg["CE"]) < 0.05)
    return _grade(ok, 2), (_pairs_text(c, "gap Ct-Cg") + f"; mean Cg SSE {cg['SSE']:.3f}, "
                           f"CE {cg['CE']:.3f} (alike: within 0.05)")


def mn86(run):
    s = {L: _corr(run, "mnist", L, "micro", 10) for L in ("sse", "ce")}
    ok = (s["sse"] < s["ce"] - 0.2) + (s["ce"] > 0.5)
    return _grade(ok, 2), (f"r=10 micro Spearman(Et, gradient): SSE {s['sse']:+.2f}, CE "
                           f"{s['ce']:+.2f} (holds when SSE is 0.2 or more below CE and CE "
                           f"above 0.5)")


# Conclusions ------------------------------------------------------------------

def c90(run):
    probs = _need_all(run, PROBLEMS)
    main = {}
    for p in probs:
        f = _frame(run, p, "sse", "micro", 1), _frame(run, p, "ce", "micro", 1)
        sh = []
        for x in f:
            att = attractors(x)
            sh.append(max((a["points"] for a in att), default=0)
                      / max(sum(a["points"] for a in att), 1))
        main[p] = float(np.mean(sh))
    ok = sum(v >= 0.5 for v in main.values())
    return (HOLDS if ok * 2 > len(main) else PART if ok else FAILS), (
        "share of low-gradient points in the largest attractor, r=1 micro: "
        + ", ".join(f"{p} {v:.2f}" for p, v in main.items())
        + " (one main attractor: >= 0.5; holds on more than half the problems)")


def c91(run):
    probs = _present(run, PROBLEMS)
    vals = [(p, g, r, _corr(run, p, "ce", g, r)) for p in probs for g, r in _settings(run, p)]
    ok = sum(v > 0 for *_, v in vals)
    return (HOLDS if ok * 2 > len(vals) else PART if ok else FAILS), (
        f"CE's Spearman(Et, gradient) positive in {ok} of {len(vals)} settings")


def c92(run):
    probs = _present(run, PROBLEMS)
    ok = n = 0
    for p in probs:
        for L in ("sse", "ce"):
            for g, r in _settings(run, p):
                f = _frame(run, p, L, g, r)
                last = f.sort_values("step").groupby("walk").tail(1).Et
                span = float(f.Et.max() - f.Et.min()) or 1.0
                n += 1
                ok += float(last.quantile(0.9) - last.quantile(0.1)) <= 0.1 * span
    return (HOLDS if ok * 2 > n else PART if ok else FAILS), (
        f"final Et of the walks within 10% of the setting's Et range (10th to 90th "
        f"percentile) in {ok} of {n} settings")


def _split_problems(run):
    probs = [p for p in _present(run, PROBLEMS) if p != "xor"]
    if not probs:
        raise Missing("no problem with a train/test split was run")
    return probs


def c93(run):
    probs = _split_problems(run)
    res = {}
    for p in probs:
        res[p] = gen_worsens(p)(run)
    ok = sum(v == HOLDS for v, _ in res.values())
    return (HOLDS if ok * 2 > len(res) else PART if ok else FAILS), (
        f"Eg rises as Et falls near the minimum for both losses on {ok} of {len(res)} "
        f"problems; " + "; ".join(f"{p}: {e}" for p, (_, e) in res.items()))


def c94(run):
    probs = _split_problems(run)
    ok, parts = 0, []
    for p in probs:
        f = near_min(pd.concat([_frame(run, p, "ce", g, r) for g, r in _settings(run, p)]))
        hi = f[f.grad_norm > f.grad_norm.median()].Eg.median()
        lo = f[f.grad_norm <= f.grad_norm.median()].Eg.median()
        ok += lo < hi
        parts.append(f"{p}: Eg {lo:.3g} (low gradient) vs {hi:.3g} (high)")
    v = HOLDS if ok * 2 > len(probs) else PART if ok else FAILS
    return (PART if v == HOLDS else v), (
        f"CE near the minimum: low-gradient (wide-valley) points generalise better on {ok} of "
        f"{len(probs)} problems; " + "; ".join(parts) + " (the two clusters themselves: see "
        "claims 36, 77)")


def c95(run):
    probs = _present(run, PROBLEMS)
    best = {p: float(run.main(p).query("sample == 'Ct'").ours_mean.max()) for p in probs}
    ok = sum(v >= 0.95 for v in best.values())
    return (HOLDS if ok * 2 > len(best) else PART if ok else FAILS), (
        "best last-step training accuracy Ct over settings: "
        + ", ".join(f"{p} {v:.3f}" for p, v in best.items()) + " (high: >= 0.95 on more "
        "than half the problems; test side: see B tables)")


# ------------------------------------------------------------- the registry

def _c(number, section, text, judge, curvature=False):
    return Claim(number, section, text, curved(judge) if curvature else wrap(judge))


_NOTRAJ = ("our samples record each walk's curvature only at every k-th step, and no "
           "measure of which attractors a trajectory joins is computed")

CLAIMS: tuple[Claim, ...] = (
    _c(1, "general", "Cross-entropy gradients are larger than squared-error ones everywhere",
       g1),
    _c(2, "general", "Squared error has more stationary attractors than cross-entropy", g2),
    _c(3, "general", "Squared error overfits less than cross-entropy", g3),
    _c(4, "general", "Both losses have local minima of non-zero loss", g4, True),
    _c(5, "general", "Fewer low-gradient attractors as the dimension grows", g5),
    _c(6, "method", "XOR samples include convex, stationary points above zero loss", m6, True),
    _c(7, "method", "The smoothed walk's spread drops under the threshold once per plateau",
       m7),
    _c(8, "method", "Under-smoothing sees noise as stagnation, over-smoothing misses plateaus",
       m8),
    _c(9, "method", "Stagnation length is largest at window 8 and smaller either side", m9),
    _c(10, "xor", "Small-range XOR walks: four stationary attractors per loss", x10),
    _c(11, "xor", "All four of them are convex", x11, True),
    Claim(12, "xor", "Curvature turns from saddle to convex as the loss falls", ht_check(12)),
    _c(13, "xor", "The two attractors furthest from the global one mix minima and saddles",
       x13, True),
    _c(14, "xor", "Small-range macro walks show a few singular points", x14, True),
    Claim(15, "xor", "The global minimum and its surroundings are convex", ht_check(15)),
    _c(16, "xor", "Walks stop first at the worst minimum, then move on to a better one", x16),
    _c(17, "xor", "Table 3: about two basins per micro walk at r = 1, fewer for macro", x17),
    _c(18, "xor", "Macro steps let some walks jump over the poor-loss region", x18),
    _c(19, "xor", "XOR: cross-entropy gradients are stronger", x19),
    _c(20, "xor", "Squared error is less convex around its local minima than cross-entropy",
       x20, True),
    _c(21, "xor", "Wide-range SSE: six stationary attractors, four of them convex", x21, True),
    _c(22, "xor", "Convex points mix with saddle and flat ones near the minima", x22, True),
    _c(23, "xor", "Wide-range CE: four attractors, three convex, fewer minima than SSE", x23,
       True),
    _c(24, "xor", "Convex minima are disconnected; transitions pass through saddles",
       j_cannot(_NOTRAJ)),
    _c(25, "xor", "Table 3: wide range gives fewer but longer stagnations", x25),
    _c(26, "xor", "Cross-entropy's loss-gradient relation is smoother than squared error's",
       x26),
    _c(27, "xor", "Wide-range macro walks reach the global optimum less often than micro",
       x27),
    _c(28, "xor", "Many wide-range macro points have indefinite Hessians", x28, True),
    _c(29, "iris", "Small range: one stationary attractor per loss, two more that are not "
       "minima", one_attractor_part("iris")),
    Claim(30, "iris", "Convex and saddle points near the global minimum, saddles dominant",
          ht_check(30)),
    Claim(31, "iris", "Some flat points near the optima, but not many", ht_check(31)),
    _c(32, "iris", "Macro walks show a wider gradient spread near the minima", i32),
    _c(33, "iris", "Table 4: one basin per small-range walk, exactly one for macro", i33),
    _c(34, "iris", "Wide-range SSE: several stationary points, two convex", i34, True),
    _c(35, "iris", "Wide-range CE: a single attractor", i35),
    _c(36, "iris", "Wide-range CE: low-error/high-gradient and high-error/low-gradient "
       "clusters", two_clusters("iris")),
    _c(37, "iris", "CE's test error at the minimum is ten times its training error", i37),
    _c(38, "iris", "Squared error overfits Iris less than cross-entropy",
       overfit_problem("iris")),
    _c(39, "iris", "Table B.10: squared error tests better in most Iris settings",
       generalises("iris")),
    _c(40, "iris", "Sharper cross-entropy minima go with more overfitting", i40),
    _c(41, "diabetes", "Small range: one near-stationary attractor per loss",
       one_attractor_part("diabetes", note="the width of the low-gradient area is not "
                          "judged")),
    Claim(42, "diabetes", "Convexity mainly in micro walks; saddles in the majority",
          ht_check(42)),
    _c(43, "diabetes", "SSE's gradient rises and then falls along a walk (an arch)", d43),
    _c(44, "diabetes", "CE's gradient shows no such arch", d44),
    _c(45, "diabetes", "Wide range: three near-stationary attractors for SSE, one for CE",
       d45),
    Claim(46, "diabetes", "Wide-range macro points are mostly saddles", ht_check(46)),
    _c(47, "diabetes", "Convex attractors vary more in gradient at the wide range", d47, True),
    _c(48, "diabetes", "Table 5: mostly one basin per walk; SSE micro test side unsteady", d48),
    _c(49, "diabetes", "Test error grows as walks near zero training error",
       gen_worsens("diabetes")),
    _c(50, "diabetes", "Among low-gradient points the higher-error ones generalise best", d50),
    _c(51, "diabetes", "Wide range: good and poor generalisation mix", d51),
    _c(52, "diabetes", "Table B.11: CE tests better at r = 1, SSE at r = 10", d52),
    Claim(53, "glass", "Convexity only near the minima and only in micro walks",
          ht_check(53)),
    _c(54, "glass", "Gradient falls nearly linearly with the error", gl54),
    _c(55, "glass", "Macro walks see larger gradients near zero error than micro", gl55),
    _c(56, "glass", "Table 6: one basin per walk, reached early", one_per_walk("glass")),
    _c(57, "glass", "Test side: one basin too, but a larger spread than training", gl57),
    Claim(58, "glass", "Wide range gives singular Hessians", ht_check(58)),
    _c(59, "glass", "Wide range: several flat SSE attractors, one CE attractor", gl59, True),
    _c(60, "glass", "CE: lower error with high gradient generalises worse", gl60),
    _c(61, "glass", "SSE: the best test error sits at the lowest training error", gl61),
    _c(62, "glass", "Table B.12: the two losses are alike and both test poorly", gl62),
    Claim(63, "cancer", "Small range: every point is a saddle", ht_check(63)),
    _c(64, "cancer", "One attractor at the global minimum; SSE has two more low-gradient ones",
       one_attractor_part("cancer", note="SSE's non-zero-gradient attractors are not "
                          "detected by our measure")),
    _c(65, "cancer", "Table 7: one training basin per walk", ca65),
    _c(66, "cancer", "CE's error and gradient are almost linear", linear("cancer", "ce")),
    Claim(67, "cancer", "Wide range: singular Hessians for both losses", ht_check(67)),
    Claim(68, "cancer", "Wide range: saddles are the majority", ht_check(68)),
    _c(69, "cancer", "Wide range: two SSE local minima, none for CE", ca69, True),
    _c(70, "cancer", "Table 7: the test-side basin counts disagree with the training side",
       ca70),
    _c(71, "cancer", "At the global optimum both losses generalise poorly", ca71),
    _c(72, "cancer", "Low-error, high-gradient points: good test error for SSE, poor for CE",
       ca72),
    _c(73, "cancer", "SSE's gradients are weaker than CE's", weaker_sse("cancer")),
    _c(74, "cancer", "SSE has stationary points above zero error, CE has none", ca74),
    Claim(75, "heart", "Small range: every point is a saddle", ht_check(75)),
    _c(76, "heart", "One flat attractor near the minima; SSE has two more at high error",
       one_attractor_part("heart", note="SSE's high-error attractors are not judged")),
    _c(77, "heart", "Wide range/macro: SSE reaches high-error attractors; CE splits in two",
       h77),
    _c(78, "heart", "Table 8: walks seldom change basin; the test side is less steady", h78),
    _c(79, "heart", "The best test error is at the higher-error end of the attractor", h79),
    _c(80, "mnist", "One attractor at the global minimum; SSE has two more",
       one_attractor_part("mnist", note="SSE's non-zero-gradient attractors are not "
                          "detected by our measure")),
    _c(81, "mnist", "Table 9: most walks find one basin", mn81),
    _c(82, "mnist", "Sharp minima for both; SSE's gradients are lower overall", mn82),
    _c(83, "mnist", "Test error falls as the training error nears zero", mn83),
    _c(84, "mnist", "SSE tests better than CE near the minima", generalises("mnist")),
    _c(85, "mnist", "Table B.15: SSE has a smaller train-test gap; accuracies alike", mn85),
    _c(86, "mnist", "Wide range: SSE's error-gradient correlation is far weaker than CE's",
       mn86),
    Claim(87, "conclusions", "Less convexity in higher dimensions", ht_check(87)),
    Claim(88, "conclusions", "Saddles dominate; some problems show only saddles",
          ht_check(88)),
    _c(89, "conclusions", "Paths between attractors are flat (singular)", j_cannot(_NOTRAJ)),
    _c(90, "conclusions", "Most problems have one main attractor at the global optimum", c90),
    _c(91, "conclusions", "CE's gradient mostly rises with its error", c91),
    _c(92, "conclusions", "Most optima have similar loss", c92),
    _c(93, "conclusions", "Moving along the valley floor to the minimum worsens test error",
       c93),
    _c(94, "conclusions", "CE's wide-valley cluster generalises better than its narrow one",
       c94),
    _c(95, "conclusions", "Final accuracy near 100% on most problems in some setting", c95),
)
BY_NUMBER = {c.number: c for c in CLAIMS}
#: claims whose section names a problem other than its own (curvature over all problems)
NEEDS_ALL = {4: CURVATURE_PROBLEMS, 5: PROBLEMS, 87: CURVATURE_PROBLEMS,
             88: CURVATURE_PROBLEMS, 90: PROBLEMS}


def judge(claim: Claim, run: Run) -> Verdict:
    """One claim's verdict; a judge that lacks data says so instead of guessing."""
    need = NEEDS_ALL.get(claim.number)
    if need and any(p not in run.frames for p in need):
        miss = [p for p in need if p not in run.frames]
        return Verdict(claim.number, claim.section, CANNOT, "n/a",
                       f"not computed in this run: needs every problem, missing "
                       f"{', '.join(miss)}")
    try:
        v, test, ev = claim.judge(run)
    except Missing as why:
        v, test, ev = CANNOT, "n/a", f"not computed in this run: {why}"
    except (KeyError, ValueError, IndexError, ZeroDivisionError) as err:
        v, test, ev = CANNOT, "n/a", f"not computed in this run: {type(err).__name__} {err}"
    if v not in VERDICTS:
        raise ValueError(f"claim {claim.number}: judge returned {v!r}")
    return Verdict(claim.number, claim.section, v, test, ev)


def judge_all(run: Run, sections=None) -> list[Verdict]:
    return [judge(c, run) for c in CLAIMS if sections is None or c.section in sections]


def verdict_table(verdicts) -> pd.DataFrame:
    """The verdicts as a table, with each claim's paraphrase."""
    return pd.DataFrame([{"claim": v.number, "statement": BY_NUMBER[v.number].text,
                          "verdict": v.verdict, "test": v.test, "evidence": v.evidence}
                         for v in verdicts])


def show(table: pd.DataFrame):
    """A verdict table as Markdown for a notebook (evidence in full, not truncated)."""
    from IPython.display import Markdown

    t = table.copy()
    t["evidence"] = t["evidence"].str.replace("|", "/", regex=False)
    return Markdown(t.to_markdown(index=False))


# ------------------------------------------------------- building a Run

def run_from_samples(samples) -> Run:
    """A :class:`Run` from section samples (lgc.reproduce.section)."""
    from .reproduce import frames_by_panel, summary

    run = Run()
    if not samples:
        return run
    s = summary(samples)
    for p, t in s.groupby("problem"):
        run.splits[p] = t.reset_index(drop=True)
    panels = frames_by_panel(samples)
    problem = s.problem.iloc[0]
    if s.problem.nunique() == 1:
        run.frames[problem] = panels
    else:  # frames_by_panel does not key by problem: split the samples
        for p in s.problem.unique():
            run.frames[p] = frames_by_panel(
                [x for x in samples if x.meta()["config"]["problem"] == p])
    return run


def section_claims(problem: str, samples, section: str | None = None) -> pd.DataFrame:
    """The verdicts of one section's claims, from its own samples (full Hessian)."""
    return verdict_table(judge_all(run_from_samples(samples), (section or problem,)))


def load_run(preset: str, results, seed: int = 0, points: bool = True,
             workers: int = 1) -> Run:
    """Every complete sample of a preset's main configs in ``results/<preset>``
    (nothing is run), plus the hessian_tests points (computed or reused, as
    notebook 09 does) for the problems that were run when ``points``."""
    from .presets import get_preset
    from .problems import PROBLEMS as SPECS
    from .store import Sample

    p = get_preset(preset)
    folder = Path(results) / preset
    samples = []
    for name in PROBLEMS:
        configs = p.configs(name, SPECS[name].dim, seed)
        found = [Sample(folder, c.name) for c in configs]
        if all(s.is_complete() for s in found):
            samples.extend(found)
    run = Run()
    for name in PROBLEMS:
        mine = [s for s in samples if s.name.startswith(name + "-")]
        if mine:
            part = run_from_samples(mine)
            run.splits.update(part.splits)
            run.frames.update(part.frames)
    if points:
        from . import hessian_tests as ht

        have = [q for q in ht.PROBLEMS if q in run.frames]
        if have:
            ppw = 5 if preset == "tiny" else 20  # notebook 09's default
            settings = ht.settings_for(preset, problems=have, points_per_walk=ppw, seed=seed)
            run.points, _ = ht.compare_settings_cached(settings, folder / "hessian-tests",
                                                      workers=workers)
    return run


# ------------------------------------------------------------ claims.json

def write_claims(verdicts, figures) -> Path:
    """figures/claims.json: {"claims": [{number, section, verdict, test, evidence}]}."""
    from .store import write_json

    path = Path(figures) / "claims.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"claims": [v.to_dict() for v in sorted(verdicts,
                                                              key=lambda v: v.number)]})
    return path


def read_claims(figures) -> list[dict]:
    return json.loads((Path(figures) / "claims.json").read_text())["claims"]


def summary_lines(claims: list[dict]) -> list[str]:
    """Markdown: counts per verdict, per section and per test, then every claim."""
    df = pd.DataFrame(claims)
    lines = ["## The paper's claims, judged", "",
             f"{len(df)} numbered claims, each judged from this run by `lgc.claims` "
             "(measures and thresholds in its module documentation; `claims.json` holds "
             "the evidence). Thresholds shared by many claims: a point has a *low "
             f"gradient* at <= {LOW_GRAD:g} x its setting's 99th-percentile gradient norm; "
             f"low-gradient points form separate *attractors* where their sorted Et jumps "
             f"by more than {GAP:g} x the Et range; *near the minimum* is the lowest "
             f"{LOW_ET:g} of a setting's Et; an attractor needs points of 2 walks (1 "
             f"when the setting has fewer than 5) and is *convex* when at least "
             f"{CONVEX_SHARE:g} of its classified points are. Each claim's own thresholds "
             "are in its evidence.", "", "| verdict | claims |", "|---|---|"]
    lines += [f"| {v} | {int((df.verdict == v).sum())} |" for v in VERDICTS]
    lines += ["", "| section | " + " | ".join(VERDICTS) + " |",
              "|---|" + "---|" * len(VERDICTS)]
    for s in SECTIONS:
        d = df[df.section == s]
        if len(d):
            lines.append(f"| {s} | " + " | ".join(str(int((d.verdict == v).sum()))
                                                   for v in VERDICTS) + " |")
    lines += ["", "| curvature test | " + " | ".join(VERDICTS) + " |",
              "|---|" + "---|" * len(VERDICTS)]
    for t, d in df.groupby("test", sort=True):
        lines.append(f"| {t} | " + " | ".join(str(int((d.verdict == v).sum()))
                                               for v in VERDICTS) + " |")
    lines += ["", "| # | section | verdict | test | evidence |", "|---|---|---|---|---|"]
    for c in sorted(claims, key=lambda c: c["number"]):
        ev = str(c["evidence"]).replace("|", "/")
        lines.append(f"| {c['number']} | {c['section']} | {c['verdict']} | {c['test']} | "
                     f"{ev} |")
    return lines
