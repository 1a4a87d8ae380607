"""MNIST's curvature, which the paper skipped: a study on a stated sample of points.

The paper classifies the curvature of every sampled point (Section 4.2) for six
problems; its MNIST clouds (Figures 20-21) have one pane, "curvature not
computed". Here the same walks (784-10-10, d = 7,960, each walk its own batch of
100 patterns per step) classify every k-th step: each point's Hessian of its
batch loss, formed on that batch's row space (at most 1,110 x 1,110; the other
6,850 or more directions change no output on those patterns and are set aside
as structural zeros, as for Heart: lgc.walks, docs/mnist-curvature.md), with
all its eigenvalues, so that each point also has lambda_min, lambda_max and its
index, the share of negative eigenvalues among those that are not structural.

:func:`run` runs (or reuses) the study of a preset, prints its size, its cost
and the curvature it found, and checks a few stored points by recomputing their
class from their saved weights and their replayed batch; :func:`figures` draws
Figures 20 and 21 with their four curvature panes; :func:`summary` and
:func:`reference_words` compare the result with the finding that gradient
descent ends in regions of small negative curvature (Sagun et al., the
paper's reference [8]).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .experiment import SampleConfig, run_samples
from .figure_specs import FIGURES
from .vocabulary import GRANULARITIES, INIT_RANGES, LOSSES, display, range_label


@dataclass(frozen=True)
class StudyPreset:
    """How many points the study classifies.

    Attributes
    ----------
    name : preset name (the names of lgc.presets, so a notebook passes its own)
    walks : walks per setting (loss x range x granularity: 8 settings)
    steps : {"micro": steps, "macro": steps}; the paper's are 1000 and 100
    every : {"micro": k, "macro": k}; curvature at steps 0, k, 2k, ...
    """

    name: str
    walks: int
    steps: dict
    every: dict

    def points(self) -> int:
        """Classified points of the whole study."""
        per_walk = sum(-(-self.steps[g] // self.every[g]) for g in GRANULARITIES)
        return len(LOSSES) * len(INIT_RANGES) * self.walks * per_walk

    def describe(self) -> str:
        grans = "; ".join(f"{g} {self.steps[g]} steps, every {self.every[g]}th classified"
                          for g in GRANULARITIES)
        return (f"{self.walks} walks per setting, both losses, r = 1 and 10 ({grans}): "
                f"{self.points():,} classified points")


PRESETS = {
    "tiny": StudyPreset("tiny", 2, {"micro": 10, "macro": 10}, {"micro": 5, "macro": 5}),
    "quick": StudyPreset("quick", 8, {"micro": 100, "macro": 100},
                         {"micro": 10, "macro": 10}),
    "overnight": StudyPreset("overnight", 24, {"micro": 1000, "macro": 100},
                             {"micro": 50, "macro": 5}),
    "paper": StudyPreset("paper", 100, {"micro": 1000, "macro": 100},
                         {"micro": 50, "macro": 5}),
}


def get_preset(name: str) -> StudyPreset:
    """The study preset ``name``; an unknown one raises naming the others."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}") from None


def configs(preset: str, seed: int = 0) -> list[SampleConfig]:
    """The study's samples: MNIST, both losses, r = 1 and 10, micro and macro, the
    full Hessian every k-th step with its eigenvalues."""
    p = get_preset(preset)
    return [SampleConfig(problem="mnist", loss=loss, init_range=r, granularity=g,
                         walks=p.walks, steps=p.steps[g], seed=seed, hessian="full",
                         hessian_every=p.every[g], eigenvalues=True)
            for loss in LOSSES for r in INIT_RANGES for g in GRANULARITIES]


def folder(preset: str, results="results") -> Path:
    """Where the study's samples live: their names do not say hessian or
    hessian_every, so they are kept apart from the gradient-only MNIST samples."""
    return Path(results) / preset / "mnist-curvature"


def run(preset: str = "quick", results="results", workers: int = 2, seed: int = 0,
        progress: bool = True, check: int = 4) -> list:
    """Run (or reuse) the study of ``preset`` and print what it cost and found.

    Weights are saved at every classified step, so any point's class can be
    recomputed (lgc.walks.walk_batch replays its batch); ``check`` of them are
    recomputed here with lgc.lanczos.point_classes, which also times a point's
    classification (the cost per point). Returns the lgc.store.Sample objects.
    """
    p = get_preset(preset)
    cfgs = configs(preset, seed)
    start = time.perf_counter()
    samples = _run(cfgs, p, results, preset, workers, progress)
    seconds = time.perf_counter() - start
    frames = _frames(samples)
    n_points = sum(int(f["curvature"].notna().sum()) for f in frames.values())
    steps = sum(len(f) for f in frames.values())
    ran = sum(s.walks_run or 0 for s in samples)
    print(f"MNIST curvature study, preset {preset!r}: {p.describe()}.")
    print(f"{n_points:,} points classified among {steps:,} walk-steps; "
          + (f"ran {ran:,} walks in {seconds:.1f} s with {workers} worker(s)" if ran else
             f"all {len(samples)} samples reused from {folder(preset, results)}"))
    agree, ms = recheck(samples, check)
    print(f"recomputed {len(agree)} stored points from their saved weights and replayed "
          f"batches (lgc.lanczos.point_classes): {sum(agree)} of {len(agree)} classes and "
          f"spectra agree; {np.median(ms):.0f} ms of CPU per point (median; Hessian on the "
          f"batch's row space and all its eigenvalues)")
    pts = points(samples)
    last = pts.groupby(["loss", "granularity", "init_range"])["step"].transform("max")
    print(f"index (share of negative eigenvalues among those not structural), median over "
          f"the {len(pts):,} points: {pts['index'].median():.2f}; over the starting points "
          f"{pts.loc[pts.step == 0, 'index'].median():.2f}, over the points of the last "
          f"classified step {pts.loc[pts.step == last, 'index'].median():.2f}")
    return samples


def _run(cfgs, p: StudyPreset, results, preset, workers, progress):
    """run_samples, once per curvature stride, saving the weights of exactly the
    classified steps; one chunk of walks per worker, because MNIST's default chunk
    with a Hessian is one walk (lgc.experiment.default_chunk_size sizes it for the
    whole 7,960 x 7,960 matrix) and each chunk loads MNIST again."""
    samples = {}
    for every in sorted({c.hessian_every for c in cfgs}):
        group = [c for c in cfgs if c.hessian_every == every]
        done = run_samples(group, folder(preset, results), workers=workers,
                           weights_stride=every, progress=progress,
                           chunk_size=-(-p.walks // max(1, workers)))
        samples.update(zip(map(id, group), done))
    return [samples[id(c)] for c in cfgs]


def _frames(samples) -> dict:
    """Results frames keyed by (loss, granularity, init_range)."""
    out = {}
    for s in samples:
        cfg = s.meta()["config"]
        out[(cfg["loss"], cfg["granularity"], float(cfg["init_range"]))] = s.frame()
    return out


def points(samples) -> pd.DataFrame:
    """The classified points of the study, one row each, with their index."""
    rows = []
    for (loss, gran, r), frame in _frames(samples).items():
        f = frame[frame["curvature"].notna()].copy()
        f["loss"], f["granularity"], f["init_range"] = loss, gran, r
        counted = f["n_pos"] + f["n_neg"] + f["n_zero"]
        f["index"] = f["n_neg"] / counted
        f["zero_share"] = f["n_zero"] / counted
        rows.append(f)
    return pd.concat(rows, ignore_index=True)


def summary(samples) -> pd.DataFrame:
    """One row per setting: points, class shares, the index and the extreme
    eigenvalues, at all classified points and, as medians over the walks, at the
    first and the last classified step."""
    pts = points(samples)
    pts["neg_to_pos"] = -pts["lambda_min"] / pts["lambda_max"]
    out = []
    for (loss, gran, r), f in pts.groupby(["loss", "granularity", "init_range"], sort=False):
        first, last = f[f.step == f.step.min()], f[f.step == f.step.max()]
        shares = f["curvature"].value_counts(normalize=True)
        row = {"loss": loss, "granularity": gran, "init_range": r, "points": len(f),
               **{c: float(shares.get(c, 0.0)) for c in CLASSES},
               "negative_share": float((f["lambda_min"] < 0).mean()),
               "index": f["index"].median(), "last_step": int(f.step.max())}
        for name in ("index", "zero_share", "lambda_min", "lambda_max", "neg_to_pos", "Et"):
            row[f"{name}_first"], row[f"{name}_last"] = first[name].median(), last[name].median()
        out.append(row)
    return pd.DataFrame(out)


CLASSES = ("convex", "concave", "saddle", "singular")


def reference_words(table: pd.DataFrame) -> list[str]:
    """Sentences comparing the study (:func:`summary`'s table) with what is known of
    MNIST's Hessians along gradient descent: only saddle and singular points (as
    the paper reports its reference [8]), and regions of small negative curvature
    (Sagun et al.: most eigenvalues near zero, a few large positive ones, and small
    negative ones). Every number and every verdict is computed from the table."""
    n, points = len(table), int(table["points"].sum())
    shares = {c: float((table[c] * table["points"]).sum() / points) for c in CLASSES}
    definite = shares["convex"] + shares["concave"]
    lines = [f"Only saddle and singular points: {'holds' if definite == 0 else 'fails'}. Of "
             f"the {points:,} classified points {shares['saddle']:.1%} are saddles, "
             f"{shares['singular']:.1%} singular, {shares['convex']:.1%} convex and "
             f"{shares['concave']:.1%} concave."]
    neg = float((table["negative_share"] * table["points"]).sum() / points)
    lines.append(f"Negative curvature everywhere: lambda_min < 0 at {neg:.1%} of the points.")
    shrank = table["lambda_min_last"].abs() < table["lambda_min_first"].abs()
    factor = (table["lambda_min_first"] / table["lambda_min_last"]).median()
    relative = table["neg_to_pos_last"] < table["neg_to_pos_first"]
    verdict = ("holds" if shrank.all() and relative.all() else
               "holds in part" if shrank.any() or relative.any() else "fails")
    lines.append(
        f"Small negative curvature after descent: {verdict}. The median |lambda_min| is "
        f"smaller at the last classified step than at the start in {int(shrank.sum())} of "
        f"{n} settings (a median {factor:.1f} times smaller), and |lambda_min| / lambda_max "
        f"falls in {int(relative.sum())} of {n} (from a median {table['neg_to_pos_first'].median():.2f} "
        f"to {table['neg_to_pos_last'].median():.2f}); the index falls from "
        f"{table['index_first'].median():.2f} to {table['index_last'].median():.2f}.")
    lines.append(
        f"Most eigenvalues near zero: the share within the zero tolerance at the last step "
        f"is a median {table['zero_share_last'].median():.2f} (from "
        f"{table['zero_share_last'].min():.2f} to {table['zero_share_last'].max():.2f} over "
        f"settings; {table['zero_share_first'].median():.2f} at the start), the bulk that "
        f"makes the points singular.")
    for row in table.itertuples():
        lines.append(
            f"{display(row.loss)}, {row.granularity}, {range_label(row.init_range)}, steps "
            f"0 -> {row.last_step}: Et {row.Et_first:.3g} -> {row.Et_last:.3g}, lambda_min "
            f"{row.lambda_min_first:.3g} -> {row.lambda_min_last:.3g}, lambda_max "
            f"{row.lambda_max_first:.3g} -> {row.lambda_max_last:.3g}, index "
            f"{row.index_first:.2f} -> {row.index_last:.2f}, near-zero share "
            f"{row.zero_share_first:.2f} -> {row.zero_share_last:.2f}.")
    return lines


def pane_words(pts: pd.DataFrame) -> list[str]:
    """What the curvature panes of Figures 20-21 hold, per range, from
    :func:`points`' rows: the count of each class, where the saddles sit (at the
    start or later), and the share of near-zero eigenvalues at the start."""
    lines = []
    for r, f in pts.groupby("init_range", sort=True):
        counts = f["curvature"].value_counts()
        filled = [c for c in CLASSES if counts.get(c, 0)]
        empty = [c for c in CLASSES if not counts.get(c, 0)]
        start = f[f.step == 0]
        saddles = f[f.curvature == "saddle"]
        where = ""
        if len(saddles):
            at_start = int((saddles.step == 0).sum())
            where = (f"; {at_start} of the {len(saddles)} saddles are starting points "
                     f"({int((start.curvature == 'saddle').sum())} of the {len(start)} "
                     f"starts, the micro and macro walks of a loss sharing theirs), "
                     f"{len(saddles) - at_start} are later points")
        lines.append(
            f"{range_label(r)} (Figure {20 if r == 1 else 21}): "
            + ", ".join(f"{int(counts[c])} {c}" for c in filled)
            + (f"; the {_words(empty)} pane{'s are' if len(empty) > 1 else ' is'} empty"
               if empty else "")
            + where + f". At the start a median {start['zero_share'].median():.2f} of a "
            f"point's eigenvalues are within the zero tolerance, at the last classified "
            f"step {f[f.step == f.step.max()]['zero_share'].median():.2f}.")
    return lines


def _words(items) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def recheck(samples, n: int = 4):
    """Recompute ``n`` stored points' classes and spectra from their saved weights and
    replayed batches (lgc.lanczos.point_classes); returns ([agree], [CPU ms each])."""
    from .curvature import CURVATURES
    from .lanczos import point_classes
    from .network import Architecture
    from .problems import load_problem
    from .walks import walk_batch

    agree, ms = [], []
    problems = {}
    for s in samples[:n]:
        meta = s.meta()
        cfg, stride = meta["config"], meta["weights_stride"]
        problem = problems.setdefault(cfg["split_seed"], load_problem(
            "mnist", seed=cfg["split_seed"]))
        arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
        frame = s.frame().set_index(["walk", "step"])
        first = sorted(s.weights.glob("*.npy"))[0]
        saved = np.load(first)[0]  # the first walk of the first chunk
        walk = int(first.stem.split("-")[1])
        step = (len(saved) - 1) * stride  # the last saved point: stride = hessian_every
        X, T, _, _ = walk_batch(problem, cfg["seed"], walk, step, cfg["batches"],
                                cfg["shuffle_buffer"])
        cpu = time.process_time()
        code, spec = point_classes(saved[step // stride], X, T, cfg["loss"], arch,
                                   rtol=cfg["rtol"], eigenvalues=True)
        ms.append(1e3 * (time.process_time() - cpu))
        row = frame.loc[(walk, step)]
        agree.append(row["curvature"] == CURVATURES[code[0]]
                     and all(row[k] == spec[k][0] for k in ("n_pos", "n_neg", "n_zero")))
    return agree, ms


def figures(samples, figures_dir="figures", max_points: int = 200_000) -> list[Path]:
    """Figures 20 and 21 (MNIST, r = 1 and r = 10) with their four curvature panes,
    as fig20-mnist-r1-clouds-curvature.png and fig21-mnist-r10-clouds-curvature.png.

    Only the classified points are drawn (every k-th step); each pane's note
    says how many unclassified ones were left out. Returns the paths.
    """
    from .plots import lg_cloud_figure, save

    frames = _frames(samples)
    paths = []
    for n in (20, 21):
        spec = FIGURES[n]
        spec = replace(spec, caption=spec.caption.replace(
            "one pane per curvature class", "curvature of every classified step (Hessian "
            "on each point's batch, its row space)"), notes="")
        fig = lg_cloud_figure(frames, spec, max_points=max_points,
                              title=f"Figure {n} with curvature: MNIST, walks started in "
                                    f"{range_label(spec.init_range)}")
        paths.append(save(fig, Path(figures_dir) / spec.filename.replace(
            ".png", "-curvature.png")))
    return paths
