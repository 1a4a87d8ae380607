"""Summaries of finished samples beside the paper's numbers (Tables 3-9, B.10-B.15).

Reads what :mod:`lgc.store` wrote; never runs walks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .basins import basin_summary
from .paper import paper_value
from .store import Sample, read_json
from .walks import default_steps

SUMMARY_COLUMNS = ("problem", "loss", "init_range", "granularity", "sample", "metric",
                   "ours_mean", "ours_std", "paper_mean", "paper_std", "walks", "steps",
                   "seed", "split_seed")


def walk_matrix(frame: pd.DataFrame, column: str) -> np.ndarray:
    """One recorded quantity as an array (walks, steps)."""
    frame = frame.sort_values(["walk", "step"], kind="stable")
    n_walks = frame["walk"].nunique()
    return frame[column].to_numpy(dtype=float).reshape(n_walks, -1)


def summarise_sample(sample: Sample) -> pd.DataFrame:
    """nstag/lstag of Et and Eg and last-step Ct/Cg, mean (std) over walks.

    Each row also carries the paper's mean and std for the same setting when
    the paper reports it (NaN otherwise).
    """
    meta = sample.meta()
    cfg = meta["config"]
    frame = sample.frame()
    key = dict(problem=cfg["problem"], loss=cfg["loss"], init_range=cfg["init_range"],
               granularity=cfg["granularity"])
    rows = []
    for name in ("Et", "Eg"):
        for metric, (mean, std) in basin_summary(walk_matrix(frame, name)).items():
            rows.append(dict(key, sample=name, metric=metric, ours_mean=mean, ours_std=std))
    for name in ("Ct", "Cg"):
        last = walk_matrix(frame, name)[:, -1]
        rows.append(dict(key, sample=name, metric="accuracy_last_step",
                         ours_mean=float(last.mean()), ours_std=float(last.std())))
    for row in rows:
        row["steps"] = cfg["steps"]
        paper = _paper(row)
        row["paper_mean"], row["paper_std"] = paper if paper else (np.nan, np.nan)
        row.update(walks=cfg["walks"], steps=cfg["steps"], seed=cfg["seed"],
                   split_seed=cfg["split_seed"])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _paper(row):
    """The paper's cell for the same setting; None when the paper has none or our
    walks are not the paper's length (nstag and lstag depend on it)."""
    if row["init_range"] not in (1, 10) or row["granularity"] not in ("micro", "macro"):
        return None
    if row["steps"] != default_steps(row["granularity"]):
        return None
    return paper_value(row["problem"], row["sample"], row["loss"], int(row["init_range"]),
                       row["granularity"], row["metric"])


def completed_samples(folder) -> list[Sample]:
    """Complete samples in a results folder, in name order."""
    folder = Path(folder)
    names = sorted(p.stem for p in folder.glob("*.json"))
    samples = [Sample(folder, n) for n in names]
    return [s for s in samples if s.is_complete() and "config" in read_json(s.sidecar)]


def basins_table(folder) -> pd.DataFrame:
    """Printable "ours | paper" table for every complete sample in ``folder``."""
    samples = completed_samples(folder)
    if not samples:
        raise FileNotFoundError(f"no complete samples (NAME.json + NAME.parquet) in {folder}")
    table = pd.concat([summarise_sample(s) for s in samples], ignore_index=True)
    show = table[["problem", "loss", "init_range", "granularity", "sample", "metric"]].copy()
    show["init_range"] = show["init_range"].map(lambda r: f"{r:g}")
    show["ours"] = [_fmt(m, s) for m, s in zip(table.ours_mean, table.ours_std)]
    show["paper"] = [_fmt(m, s) for m, s in zip(table.paper_mean, table.paper_std)]
    show["walks"] = table["walks"]
    show["steps"] = table["steps"]
    return show


def _fmt(mean, std) -> str:
    if not np.isfinite(mean):
        return "-"
    return f"{mean:.5g} ({std:.5g})"
