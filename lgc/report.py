"""Summaries of finished samples beside the paper's numbers (Tables 3-9, B.10-B.15).

Reads what :mod:`lgc.store` wrote; never runs walks.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .basins import basin_summary
from .paper import paper_value, ran
from .store import CorruptSample, Sample, check_grid, read_json
from .walks import default_steps

log = logging.getLogger("lgc")

SUMMARY_COLUMNS = ("problem", "loss", "init_range", "granularity", "sample", "metric",
                   "ours_mean", "ours_std", "paper_mean", "paper_std", "walks", "steps",
                   "seed", "split_seed")


def walk_matrix(frame: pd.DataFrame, column: str) -> np.ndarray:
    """One recorded quantity as an array (walks, steps) (see :func:`walk_matrices`)."""
    return walk_matrices(frame, (column,))[column]


def walk_matrices(frame: pd.DataFrame, columns) -> dict[str, np.ndarray]:
    """Recorded quantities as arrays (walks, steps), the frame sorted and checked once.

    The frame must hold every step of each of its walks exactly once
    (:class:`lgc.store.CorruptSample` otherwise).
    """
    frame = frame.sort_values(["walk", "step"], kind="stable")
    walks = np.unique(frame["walk"].to_numpy())
    steps = int(frame["step"].max()) + 1 if len(frame) else 0
    check_grid(frame, walks, steps, "the frame")
    return {c: frame[c].to_numpy(dtype=float).reshape(len(walks), steps) for c in columns}


def summarise_sample(sample: Sample) -> pd.DataFrame:
    """nstag/lstag of Et and Eg and last-step Ct/Cg, mean (std) over walks.

    Each row also carries the paper's mean and std for the same setting when
    the paper reports it (NaN otherwise, also for a network or walk the paper
    did not run: :func:`lgc.paper.ran`).
    """
    cfg = sample.meta()["config"]
    frame = sample.frame()
    key = dict(problem=cfg["problem"], loss=cfg["loss"], init_range=cfg["init_range"],
               granularity=cfg["granularity"])
    rows = []
    matrices = walk_matrices(frame, ("Et", "Eg", "Ct", "Cg"))
    for name in ("Et", "Eg"):
        for metric, (mean, std) in basin_summary(matrices[name]).items():
            rows.append(dict(key, sample=name, metric=metric, ours_mean=mean, ours_std=std))
    for name in ("Ct", "Cg"):
        last = matrices[name][:, -1]
        rows.append(dict(key, sample=name, metric="accuracy_last_step",
                         ours_mean=float(last.mean()), ours_std=float(last.std())))
    n_walks, n_steps = matrices["Et"].shape  # counted in the data, not the sidecar
    for row in rows:
        row["steps"] = n_steps
        paper = _paper(row) if ran(cfg) else None
        row["paper_mean"], row["paper_std"] = paper if paper else (np.nan, np.nan)
        row.update(walks=n_walks, seed=cfg["seed"], split_seed=cfg["split_seed"])
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
    """Complete samples in a results folder, in name order.

    Each sample left out is named in a warning (the ``lgc`` logger): one still
    running or interrupted (a ``.parts`` folder and no sidecar), or a JSON file
    that is not a sample's sidecar.
    """
    folder = Path(folder)
    samples = []
    for parts in sorted(folder.glob("*.parts")):
        if not Sample(folder, parts.name[:-len(".parts")]).is_complete():
            log.warning("skipped %s: not complete (running, or interrupted: rerun its "
                        "command to resume)", parts.name[:-len(".parts")])
    for path in sorted(folder.glob("*.json")):
        sample = Sample(folder, path.stem)
        if not sample.parquet.exists():
            log.warning("skipped %s: no %s beside it", path.name, sample.parquet.name)
        elif "config" not in read_json(path):
            log.warning("skipped %s: not a sample's sidecar (no config)", path.name)
        else:
            samples.append(sample)
    return samples


def samples_table(folder) -> pd.DataFrame:
    """Printable "ours | paper" table for every complete sample in ``folder``
    (every metric of every sample, no verdict: ``lgc.verdicts.basins_table``
    lays out one section's comparison as the paper's Tables 3-9).

    A sample that cannot be summarised (corrupted, or too short for the
    stagnation windows) is left out with a warning naming it and why.
    """
    tables = []
    for sample in completed_samples(folder):
        try:
            tables.append(summarise_sample(sample))
        except (CorruptSample, ValueError) as err:
            log.warning("skipped %s: %s", sample.name, err)
    if not tables:
        raise FileNotFoundError(f"no complete samples (NAME.json + NAME.parquet) in {folder}")
    table = pd.concat(tables, ignore_index=True)
    show = table[["problem", "loss", "init_range", "granularity", "sample", "metric"]].copy()
    show["init_range"] = show["init_range"].map(lambda r: f"{r:g}")
    show["ours"] = [_mean_std(m, s) for m, s in zip(table.ours_mean, table.ours_std)]
    show["paper"] = [_mean_std(m, s) for m, s in zip(table.paper_mean, table.paper_std)]
    show["walks"] = table["walks"]
    show["steps"] = table["steps"]
    return show



def _mean_std(mean, std) -> str:
    """A cell as "mean (std)" to five significant digits, "-" without a value."""
    if not np.isfinite(mean):
        return "-"
    return f"{mean:.5g} ({std:.5g})"
