"""Which batch pipeline explains the paper's MNIST accuracies (Table B.15)?

The paper's Table B.15 shows MNIST walks that fit their training batches (Ct up
to 0.998) and fail on their test batches (Cg 0.44 to 0.62): a train/test gap
of 0.3 to 0.4. Walks that see a fresh random batch of the whole split at every
step (the paper's text, lgc's default) show no such gap. The authors' program
re-initialises its tf.data iterator before every step, so its walks may have
seen the first patterns of each split only (docs/mnist-pipelines.md).

For each pipeline (lgc.batches: random, first-fixed, and shuffle-buffer with
N = 100, the shuffle(batch_size) of every public driver of the authors, and
N = 1000, the shuffle(1000) of their later MNIST script) and
each of the eight settings (loss x r x granularity), this runs a few gradient-
only walks of the paper's length (micro 1000 steps, macro 100) for several
seeds, and prints the last-step accuracies Ct, Cg and the gap Ct - Cg beside
the paper's. Seed s seeds the walks and the 80/20 split (for first-fixed the
split decides which patterns come first). "ours" is the mean over seeds of the
mean over walks, "+-" the std over seeds of those means; "paper" is the
paper's mean (its std over walks in parentheses). A cell is "in" when ours
lies within the paper's std of the paper's mean.

    python benchmarks/mnist_pipelines.py [--walks 8] [--seeds 3] [--first-seed 0] [--buffers 100,1000]
        [--pipelines random,first-fixed,shuffle-buffer] [--granularities micro,macro]
        [--precision float64] [--inputs pixels] [--basins] [--steps-scale 1.0]

5 to 15 minutes of one core with the defaults, depending on the load.
"""
from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from lgc import load_problem
from lgc.basins import stagnation_table
from lgc.paper import paper_value
from lgc.problems import zscore
from lgc.vocabulary import (BATCH_PIPELINES, GRANULARITIES, INIT_RANGES, LOSSES, PRECISIONS,
                            display)
from lgc.walks import WalkSettings, progressive_gradient_walk, step_size

SETTINGS = list(itertools.product(LOSSES, INIT_RANGES, GRANULARITIES))


def mnist(seed, inputs="pixels"):
    """MNIST split with ``seed``; its inputs pixels / 255 (lgc), or z-scored per
    column over all its patterns as the paper's text says of its inputs
    (lgc.problems.zscore: constant border pixels become 0)."""
    problem = load_problem("mnist", seed=seed)
    if inputs == "pixels":
        return problem
    Z = zscore(np.vstack([problem.X_train, problem.X_test]))
    n = len(problem.X_train)
    return replace(problem, X_train=Z[:n], X_test=Z[n:])


def run_cell(pipeline, buffer, loss, r, granularity, walks, seed, scale=1.0,
             precision="float64", inputs="pixels", basins=False):
    """Mean Ct and Cg over ``walks`` walks at their last step, and with ``basins``
    each walk's nstag and lstag of Et and Eg (lgc.basins, Table 9)."""
    problem = mnist(seed, inputs)
    steps = max(1, round(GRANULARITIES[granularity].steps * scale))
    settings = WalkSettings(loss, r, step_size(granularity, r), steps, hessian="none",
                            precision=precision, batches=pipeline,
                            **({"shuffle_buffer": buffer} if buffer is not None else {}))
    out = progressive_gradient_walk(problem, settings, range(walks), seed=seed)
    cell = dict(Ct=float(out["Ct"][:, -1].mean()), Cg=float(out["Cg"][:, -1].mean()))
    for sample in ("Et", "Eg") if basins else ():
        b = stagnation_table(out[sample])
        cell.update({f"{sample} nstag": b.nstag, f"{sample} lstag": b.lstag})
    return cell


def variants(pipelines, buffers):
    """(label, pipeline, buffer): shuffle-buffer once per buffer size."""
    return [(f"shuffle{n}", p, n) if p == "shuffle-buffer" else (p, p, None)
            for p in pipelines for n in (buffers if p == "shuffle-buffer" else [None])]


def measure(variants, walks, seeds, scale=1.0, granularities=tuple(GRANULARITIES),
            first_seed=0, **options) -> pd.DataFrame:
    """One row per (pipeline, setting, seed): mean last-step Ct and Cg."""
    rows = []
    settings = [s for s in SETTINGS if s[2] in granularities]
    for (label, pipeline, buffer), (loss, r, gran), seed in itertools.product(
            variants, settings, range(first_seed, first_seed + seeds)):
        cell = run_cell(pipeline, buffer, loss, r, gran, walks, seed, scale, **options)
        rows.append(dict(pipeline=label, loss=loss, r=r, granularity=gran, seed=seed,
                         gap=cell["Ct"] - cell["Cg"], **cell))
    return pd.DataFrame(rows)


def _paper(loss, r, gran):
    (ct, sct), (cg, scg) = (paper_value("mnist", s, loss, r, gran, "accuracy_last_step")
                            for s in ("Ct", "Cg"))
    return dict(Ct=(ct, sct), Cg=(cg, scg), gap=(ct - cg, None))


def table(runs: pd.DataFrame) -> pd.DataFrame:
    """Ours (mean +- std over seeds) beside the paper, one row per pipeline and setting."""
    rows = []
    keys = ["pipeline", "loss", "r", "granularity"]
    for key, group in runs.groupby(keys, sort=False):
        paper = _paper(*key[1:])
        row = dict(zip(keys, key))
        row["loss"] = display(row["loss"])
        for name in ("Ct", "Cg", "gap"):
            mean, spread = group[name].mean(), group[name].std(ddof=1)
            value, std = paper[name]
            row[f"{name} ours"] = f"{mean:.3f} +-{spread:.3f}"
            row[f"{name} paper"] = f"{value:.3f}" + (f" ({std:.3f})" if std else "")
            if std:
                row[f"{name} in"] = abs(mean - value) <= std
            row[f"_{name}"] = mean - value
        rows.append(row)
    return pd.DataFrame(rows)


def basins_table(runs: pd.DataFrame) -> pd.DataFrame:
    """nstag and lstag of Et and Eg, mean (population std) over all walks of all
    seeds as the paper's Table 9 reports them, beside the paper's."""
    rows = []
    keys = ["pipeline", "loss", "r", "granularity"]
    for key, group in runs.groupby(keys, sort=False):
        row = dict(zip(keys, key), loss=display(key[1]))
        for sample, metric in itertools.product(("Et", "Eg"), ("nstag", "lstag")):
            v = np.concatenate(group[f"{sample} {metric}"].to_list()).astype(float)
            paper = paper_value("mnist", sample, key[1], key[2], key[3], metric)
            row[f"{sample} {metric} ours"] = f"{v.mean():.2f} ({v.std():.2f})"
            row[f"{sample} {metric} paper"] = f"{paper[0]:.2f} ({paper[1]:.2f})"
        rows.append(row)
    return pd.DataFrame(rows)


def verdict(cells: pd.DataFrame) -> pd.DataFrame:
    """Per pipeline: cells (of 16 Ct and Cg) within the paper's std, and the RMS
    distance to the paper's Ct, Cg and gap."""
    out = []
    for pipeline, g in cells.groupby("pipeline", sort=False):
        out.append(dict(pipeline=pipeline,
                        within_paper_std=f"{int(g['Ct in'].sum() + g['Cg in'].sum())} of "
                                         f"{2 * len(g)}",
                        rms_Ct=np.sqrt((g["_Ct"] ** 2).mean()),
                        rms_Cg=np.sqrt((g["_Cg"] ** 2).mean()),
                        rms_gap=np.sqrt((g["_gap"] ** 2).mean())))
    return pd.DataFrame(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", default=",".join(BATCH_PIPELINES))
    parser.add_argument("--buffers", default="100,1000",
                        help="the N of the shuffle-buffer pipeline to try (default 100,1000)")
    parser.add_argument("--walks", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds first-seed, ..., first-seed + seeds - 1 (fresh seeds "
                             "check a finding made on others)")
    parser.add_argument("--granularities", default=",".join(GRANULARITIES))
    parser.add_argument("--precision", default="float64", choices=PRECISIONS,
                        help="arithmetic of the losses and gradients (the authors': float32)")
    parser.add_argument("--inputs", default="pixels", choices=("pixels", "zscore"),
                        help="pixels / 255 (lgc) or z-scored columns (the paper's text)")
    parser.add_argument("--basins", action="store_true",
                        help="also print Table 9's nstag and lstag of Et and Eg")
    parser.add_argument("--steps-scale", type=float, default=1.0,
                        help="fraction of the paper's steps (for a quick look only)")
    args = parser.parse_args(argv)
    runs = variants(args.pipelines.split(","), [int(n) for n in args.buffers.split(",")])
    for _, pipeline, buffer in runs:  # unknown names, bad sizes: one line, before any walk
        WalkSettings("sse", 1, 0.02, 1, hessian="none", batches=pipeline,
                     **({"shuffle_buffer": buffer} if buffer is not None else {}))
    problem = load_problem("mnist")
    print(f"MNIST: {len(problem.X_train)} training / {len(problem.X_test)} test patterns "
          f"({problem.source}); batches of {problem.batch_size}")
    for note in problem.notes:
        print(f"note: {note}")
    start = time.perf_counter()
    measured = measure(runs, args.walks, args.seeds, args.steps_scale,
                       args.granularities.split(","), args.first_seed,
                       precision=args.precision, inputs=args.inputs, basins=args.basins)
    cells = table(measured)
    shown = [c for c in cells.columns if not c.startswith("_")]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(cells[shown].to_string(index=False))
        print()
        print(verdict(cells).to_string(index=False, float_format="%.3f"))
        if args.basins:
            print()
            print(basins_table(measured).to_string(index=False))
    print(f"\n{args.walks} walks x seeds {args.first_seed}..{args.first_seed + args.seeds - 1}"
          f" per cell, last-step accuracies, "
          f"{args.precision}, inputs {args.inputs}; "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
