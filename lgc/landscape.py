"""Fitness landscape analysis measures of stored samples (``lgc fla``).

Reads what :mod:`lgc.store` wrote and applies :mod:`lgc.fla` to every walk's
training loss Et, the walk's fitness sequence f_0, ..., f_{T-1}:

* ``fem_micro`` or ``fem_macro`` (the first entropic measure, named by the
  sample's granularity as GECCO'18 Table 2 names it FEM_0.01 and FEM_0.1),
  ``m1`` and ``m2``, each in both variants of :data:`lgc.fla.VARIANTS`;
* ``gavg`` and ``gdev`` (Malan & Engelbrecht's gradient measures) only for a
  sample of Manhattan progressive random walks: their formula divides each
  fitness change by a step of length exactly s in one coordinate, which a
  progressive gradient walk (steps of random length in every coordinate) does
  not take, so for it the number would have no meaning and is not written;
* ``fdc`` (fitness-distance correlation, each walk against its own best
  point) only when the sample's weights were saved (``lgc run
  --save-weights``), at the recorded points (every k-th step with
  ``--weights-stride k``).

Each measure is summarised as the mean and standard deviation (ddof 0) over a
sample's walks. Nothing here runs a walk.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from . import fla
from .report import completed_samples, summarise_sample, walk_matrix
from .store import CorruptSample, Sample, atomic_write
from .walks import step_size

log = logging.getLogger("lgc")

#: columns of ``fla.csv``
CSV_COLUMNS = ("sample", "metric", "variant", "mean", "std")
#: the variant column of a measure that has one definition only
ONE_VARIANT = "-"
#: measures of the neutrality and ruggedness of any walk, by name in the table
WALK_MEASURES = ("fem", "m1", "m2")


def _config(sample: Sample) -> dict:
    return sample.meta()["config"]


def fem_name(granularity: str) -> str:
    """``fem_micro`` or ``fem_macro``: FEM of a walk of that granularity.

    >>> fem_name("micro")
    'fem_micro'
    """
    return f"fem_{granularity}"


def walk_values(sample: Sample) -> dict[tuple[str, str], np.ndarray]:
    """Every measure of every walk of one sample, keyed by (metric, variant).

    Returns
    -------
    dict
        (metric, variant) -> array (walks,), in walk order. FEM, M1 and M2 in
        both variants; G_avg and G_dev for Manhattan walks only; FDC only when
        weights were saved (see the module doc).

    Raises
    ------
    CorruptSample, ValueError
        For a sample that cannot be read, or walks too short for a measure.
    """
    cfg = _config(sample)
    Et = walk_matrix(sample.frame(), "Et")
    out = {}
    for variant in fla.VARIANTS:
        out[fem_name(cfg["granularity"]), variant] = fla.per_walk(fla.fem, Et, variant)
        out["m1", variant] = fla.per_walk(fla.m1, Et, variant)
        out["m2", variant] = fla.per_walk(fla.m2, Et, variant)
    if cfg.get("walk") == "manhattan":
        bound = float(cfg.get("bound") or cfg["init_range"])
        g = fla.per_walk(fla.gradient_measure, Et, n=_dim(sample),
                         step_size=step_size(cfg["granularity"], cfg["init_range"]),
                         bound=bound)
        out["gavg", ONE_VARIANT], out["gdev", ONE_VARIANT] = g[:, 0], g[:, 1]
    positions = stored_weights(sample)
    if positions is not None:
        stride = -(-Et.shape[1] // positions.shape[1])  # the recorded points: steps 0, k, ...
        out["fdc", ONE_VARIANT] = fla.fdc_per_walk(positions, Et[:, ::stride])
    return out


def _dim(sample: Sample) -> int:
    from .problems import PROBLEMS
    return PROBLEMS[_config(sample)["problem"]].dim


def stored_weights(sample: Sample) -> np.ndarray | None:
    """The sample's saved weights, (walks, recorded points, d), or None if not saved."""
    if not sample.weights.is_dir():
        return None
    files = sorted(sample.weights.glob("walks-*.npy"))
    if not files:
        return None
    return np.concatenate([np.load(f) for f in files])


def sample_table(sample: Sample) -> pd.DataFrame:
    """One row per (metric, variant) of a sample: mean and std over its walks."""
    rows = [dict(sample=sample.name, metric=metric, variant=variant,
                 mean=float(values.mean()), std=float(values.std()))
            for (metric, variant), values in walk_values(sample).items()]
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def fla_table(folder) -> pd.DataFrame:
    """The FLA measures of every complete sample in ``folder`` (columns
    :data:`CSV_COLUMNS`).

    A sample that cannot be measured (corrupted, or walks too short) is left
    out with a warning naming it and why, as ``lgc basins`` does.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no results folder {folder}")
    tables = []
    for sample in completed_samples(folder):
        try:
            tables.append(sample_table(sample))
        except (CorruptSample, ValueError) as err:
            log.warning("skipped %s: %s", sample.name, err)
    if not tables:
        raise FileNotFoundError(f"no complete samples (NAME.json + NAME.parquet) in {folder}")
    return pd.concat(tables, ignore_index=True)


def write_fla_csv(folder, table: pd.DataFrame) -> Path:
    """Write ``table`` to FOLDER/fla.csv (atomically); returns the path."""
    return atomic_write(Path(folder) / "fla.csv",
                        lambda tmp: table.to_csv(tmp, index=False, columns=list(CSV_COLUMNS)))


def printable(folder, table: pd.DataFrame) -> pd.DataFrame:
    """The FLA table with Et's nstag and lstag beside it, "mean (std)" per row.

    nstag and lstag come from :func:`lgc.report.summarise_sample`; a sample too
    short for them shows only its FLA rows.
    """
    rows = []
    for name, part in table.groupby("sample", sort=False):
        for r in part.itertuples():
            rows.append(dict(sample=name, metric=r.metric, variant=r.variant,
                             value=f"{r.mean:.5g} ({r.std:.3g})"))
        try:
            basins = summarise_sample(Sample(folder, name))
        except (CorruptSample, ValueError):
            continue
        for r in basins[basins["sample"] == "Et"].itertuples():
            if r.metric in ("nstag", "lstag"):
                rows.append(dict(sample=name, metric=f"{r.metric} (Et)", variant=ONE_VARIANT,
                                 value=f"{r.ours_mean:.5g} ({r.ours_std:.3g})"))
    return pd.DataFrame(rows)


GRADIENT_NOTE = ("gavg/gdev are computed for Manhattan progressive random walks only "
                 "(their formula assumes steps of length s in one coordinate); fdc needs "
                 "saved weights (lgc run --save-weights)")


def companions(samples, variant: str = "authors", main_split: bool = True) -> pd.DataFrame:
    """FEM, M1 and M2 of Et for each sample, one row per sample, to print beside
    its l-g cloud.

    Parameters
    ----------
    samples : iterable of lgc.store.Sample
        E.g. the samples :func:`lgc.reproduce.section` returns.
    variant : {"published", "authors"}
        Which definition of the measures (:data:`lgc.fla.VARIANTS`); the
        authors' variant is the one GECCO'18's Table 2 was computed with
        (docs/fla.md).
    main_split : bool
        Only the samples of the first sample's train/test split (a section's
        main split, the one its clouds draw); False: every sample.

    Returns
    -------
    DataFrame
        problem, loss, init_range, granularity, split_seed, walks, and
        ``fem``, ``m1``, ``m2`` as "mean (std)" over the walks.
    """
    fla._check_variant(variant)
    rows, samples = [], list(samples)
    split = _config(samples[0])["split_seed"] if samples else None
    for sample in samples:
        cfg = _config(sample)
        if main_split and cfg["split_seed"] != split:
            continue
        Et = walk_matrix(sample.frame(), "Et")
        row = dict(problem=cfg["problem"], loss=cfg["loss"], init_range=cfg["init_range"],
                   granularity=cfg["granularity"], split_seed=cfg["split_seed"],
                   walks=Et.shape[0])
        for name in WALK_MEASURES:
            mean, std = fla.mean_std(fla.per_walk(getattr(fla, name), Et, variant))
            row[name] = f"{mean:.4f} ({std:.4f})"
        rows.append(row)
    return pd.DataFrame(rows)
