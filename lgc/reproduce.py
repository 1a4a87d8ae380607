"""Reproduce the paper section by section: samples, tables, figures, the report.

The notebooks call these functions; each stays a thin narrative. Samples are
cached in a results folder by their config (see :mod:`lgc.experiment`), so
rerunning only computes what changed, and tables and figures are drawn from
the files alone. How a cell counts as reproduced (the statistical and the
fixed tolerance) is :mod:`lgc.verdicts`' job; this module runs a section,
writes its tables and collects every verdict into the report.

A section runs under one data pipeline at a time (:data:`lgc.presets.PIPELINES`):
the paper's text by default; MNIST's notebook runs it again under the pipeline
that best explains the paper's MNIST numbers (docs/mnist-pipelines.md). Every
compared cell carries its ``pipeline``; the other pipeline's tables and cells
files carry its suffix (:data:`lgc.presets.PIPELINE_SUFFIX`), and the report's
headline count is judged on the paper's text alone.
"""
from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from . import gecco18
from ._version import __version__
from .experiment import git_hash, run_samples
from .paper import ACCURACY_TABLE, BASIN_TABLE, DIMENSIONS, paper_tables
from .presets import MAIN_PIPELINE, PIPELINE_SUFFIX, PIPELINES, get_preset
from .datafiles import file_hashes
from .problems import PROBLEMS
from .report import summarise_sample
from .store import write_json
# the comparison and its tables, re-exported: the notebooks call them as R.<name>
from .verdicts import (FIXED, REL, Z, accuracy_table, basins_table,  # noqa: F401
                       compare, trivial_nstag, within, within_fixed, within_printed)



def run_problem(problem: str, preset: str = "quick", results="results", seed: int = 0,
                workers: int | None = None, progress: bool = True, backend: str = "numpy",
                pipeline: str = MAIN_PIPELINE, **overrides) -> list:
    """Run (or reuse) every sample one section needs; returns the Sample objects.

    ``overrides`` (e.g. ``singular="float32", hessian="blocks"``: the authors'
    curvature test) run only the main split with those settings. ``backend``
    runs every sample in that array library (lgc._arrays: "cupy" on a GPU).
    ``pipeline`` (lgc.presets.PIPELINES) is the data pipeline of every sample.
    """
    p = get_preset(preset)
    folder = Path(results) / preset
    dim = PROBLEMS[problem].dim
    configs = p.configs(problem, dim, seed, main_only=bool(overrides), backend=backend,
                        pipeline=pipeline, **overrides)
    return run_samples(configs, folder, workers=workers or p.workers, progress=progress)


def section(problem: str, preset: str = "quick", results="results", figures=None,
            seed: int = 0, workers: int | None = None, progress: bool = True,
            backend: str = "numpy", pipeline: str = MAIN_PIPELINE):
    """One section of the paper under one data pipeline: run its samples, compare
    them with the paper.

    Returns ``(samples, table)``, the table's cells carrying ``pipeline``; with
    ``figures`` the section's tables are also written there (see
    :func:`save_comparison`).
    """
    samples = run_problem(problem, preset, results, seed=seed, workers=workers,
                          progress=progress, backend=backend, pipeline=pipeline)
    table = compare(summary(samples))
    table["pipeline"] = pipeline
    if figures is not None:
        save_comparison(table, problem, figures, pipeline)
    return samples, table


def summary(samples) -> pd.DataFrame:
    """Long table of our numbers, one row per sample x cell (all split seeds)."""
    return pd.concat([summarise_sample(s) for s in samples], ignore_index=True)


def save_table(table: pd.DataFrame, stem: str, figures="figures") -> Path:
    """Write ``stem``.csv and ``stem``.md under ``figures``; returns the CSV path."""
    folder = Path(figures)
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / f"{stem}.csv", index=False)
    (folder / f"{stem}.md").write_text(table.to_markdown(index=False) + "\n")
    return folder / f"{stem}.csv"


def save_comparison(table: pd.DataFrame, problem: str, figures="figures",
                    pipeline: str = MAIN_PIPELINE) -> None:
    """The problem's Table 3-9 and Appendix B table, plus the raw comparison cells.

    Under a pipeline other than the paper's text every file name carries the
    pipeline's suffix, e.g. ``table09-mnist-basins-shuffle100-zscore.csv`` and
    ``cells/mnist-shuffle100-zscore.csv``.
    """
    if pipeline not in PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}: choose one of {tuple(PIPELINES)}")
    tail = f"-{PIPELINE_SUFFIX[pipeline]}" if PIPELINE_SUFFIX[pipeline] else ""
    n = BASIN_TABLE.get(problem)  # a problem the paper did not run has no table number
    save_table(basins_table(table), (f"table{int(n):02d}-{problem}-basins" if n else
                                     f"table-{problem}-basins") + tail, figures)
    if problem in ACCURACY_TABLE or not n:  # the paper prints no accuracies for XOR
        b = ACCURACY_TABLE.get(problem, "").replace(".", "")
        save_table(accuracy_table(table), f"table{b}-{problem}-accuracy{tail}", figures)
    cells = Path(figures) / "cells"
    cells.mkdir(parents=True, exist_ok=True)
    table.assign(pipeline=pipeline).to_csv(cells / f"{problem}{tail}.csv", index=False)


_SETTING = ["loss", "init_range", "granularity"]


def pipelines_side_by_side(tables: dict, kind: str = "accuracy") -> pd.DataFrame:
    """One section's cells under several pipelines, side by side: per cell the
    paper's value, then each pipeline's ours, within and within (fixed).

    ``tables`` maps a pipeline (lgc.presets.PIPELINES) to its :func:`section`
    table; ``kind`` is "accuracy" (Tables B.10-B.15) or "basins" (Tables 3-9).
    """
    layout = {"accuracy": accuracy_table, "basins": basins_table}
    if kind not in layout:
        raise ValueError(f"unknown kind {kind!r}: choose one of {tuple(layout)}")
    key = ["sample"] + _SETTING + ["metric", "paper"]
    out = None
    for pipeline, table in tables.items():
        t = layout[kind](table)[key + ["ours", "within", "within (fixed)"]].rename(
            columns={c: f"{c} [{pipeline}]" for c in ("ours", "within", "within (fixed)")})
        out = t if out is None else out.merge(t, on=key, how="left")  # the first's order
    return out


def pipeline_verdicts(tables: dict) -> pd.DataFrame:
    """Per pipeline and table kind ("accuracy", "basins"): the cells compared, those
    within each tolerance, and which are within the statistical one and which are not
    (e.g. "Ct CE [-1, 1] micro")."""
    rows = []
    for pipeline, table in tables.items():
        for kind, metrics in (("accuracy", ["accuracy_last_step"]),
                              ("basins", ["nstag", "lstag"])):
            t = table[table.metric.isin(metrics) & table.paper_mean.notna()]
            ok = t.within.astype(bool)
            rows.append({"pipeline": pipeline, "cells": kind, "compared": len(t),
                         "within": int(ok.sum()),
                         "within_fixed": int(t.within_fixed.astype(bool).sum()),
                         "which_within": ", ".join(map(_cell_words, t[ok].itertuples())),
                         "which_outside": ", ".join(map(_cell_words,
                                                        t[~ok].itertuples()))})
    return pd.DataFrame(rows)


def _cell_words(r) -> str:
    from .vocabulary import range_label

    metric = "" if r.metric == "accuracy_last_step" else f" {r.metric}"
    return f"{r.sample}{metric} {r.loss} {range_label(r.init_range)} {r.granularity}"


def accuracy_gaps(tables: dict) -> pd.DataFrame:
    """The train/test gap Ct - Cg at the last step per setting: the paper's, and
    ours under each pipeline (main split's mean over walks)."""
    out = None
    for pipeline, table in tables.items():
        acc = table[table.metric == "accuracy_last_step"]
        wide = acc.pivot_table(index=_SETTING, columns="sample",
                               values=["ours_mean", "paper_mean"], sort=False)
        frame = pd.DataFrame({"paper": wide["paper_mean", "Ct"] - wide["paper_mean", "Cg"],
                              pipeline: wide["ours_mean", "Ct"] - wide["ours_mean", "Cg"]})
        out = frame if out is None else out.join(frame[[pipeline]])
    return out.reset_index()


def frames_by_panel(samples) -> dict:
    """Results frames of the main split keyed by (loss, granularity, init_range)."""
    out = {}
    for s in samples:
        cfg = s.meta()["config"]
        if cfg["hessian"] != "none" or cfg["problem"] == "mnist":
            key = (cfg["loss"], cfg["granularity"], float(cfg["init_range"]))
            out.setdefault(key, s.frame())
    return out


def draw_figure(n: int, samples=None, figures="figures", max_points: int = 200_000,
                variant: str = ""):
    """Draw the paper's Figure ``n`` from samples and save it; returns the figure.

    A ``variant`` (e.g. "authors-test") is added to the file name and title.
    """
    from .basins import simulated_walk
    from .plots import FIGURES, lg_cloud_figure, save, stagnation_figure

    spec = FIGURES[n]
    if spec.kind == "method":
        fig = stagnation_figure(simulated_walk(0), windows=spec.windows)
    else:
        title = f"Figure {n}: {spec.title}" + (f" ({variant})" if variant else "")
        fig = lg_cloud_figure(frames_by_panel(samples), n, max_points=max_points, title=title)
    name = spec.filename.replace(".png", f"-{variant}.png") if variant else spec.filename
    save(fig, Path(figures) / name)
    return fig


# ---------------------------------------------------------------- the report

def write_report(figures="figures", preset: str = "quick", seconds: float | None = None,
                 seed: int = 0) -> Path:
    """Collect every compared cell into figures/REPORT.md and figures/report.json.

    Each cell carries both verdicts of :mod:`lgc.verdicts`: ``within`` (the
    statistical tolerance) and ``within_fixed`` (the fixed one), and its data
    ``pipeline`` (lgc.presets.PIPELINES; "paper-text" for every cell but MNIST's
    second run, Table 1's simulated walk included). The summary counts the cells
    of the paper's text, both verdicts, per metric too, and the nstag cells that
    are 1 on both sides; ``summary["pipelines"]`` counts each pipeline's cells
    apart, problem by problem.
    """
    folder = Path(figures)
    cells = pd.concat([pd.read_csv(p) for p in sorted((folder / "cells").glob("*.csv"))],
                      ignore_index=True) if (folder / "cells").exists() else pd.DataFrame()
    # the paper's text first, another pipeline's cells after all of them (stable)
    rows = sorted(_cells_json(cells) + _table1_cells(),
                  key=lambda r: r["pipeline"] != MAIN_PIPELINE)
    summary = _summary([r for r in rows if r["pipeline"] == MAIN_PIPELINE])
    summary["pipelines"] = _pipeline_counts(rows)
    meta = {"preset": preset, "seed": seed, "lgc_version": __version__, "git": git_hash(),
            "seconds": seconds, "data_hashes": _all_hashes(),
            "tolerance": {"z": Z, "relative": REL,
                          "fixed": {m: {"kind": k, "size": v} for m, (k, v) in FIXED.items()}}}
    gecco = gecco18.report_json(folder)  # notebook 12's comparison, counted on its own
    write_json(folder / "report.json", {"summary": summary, "meta": meta, "cells": rows}
               | ({"gecco18": gecco} if gecco else {}))
    n, ok, fixed = summary["cells"], summary["within"], summary["within_fixed"]
    lines = [f"# Reproduction report ({preset} preset)", "",
             f"**{ok} of {n} numeric cells within tolerance** (Tables 1, 3-9, B.10-B.15 "
             f"that our run covers); **{fixed} of {n} within the fixed tolerances**. "
             f"These counts are of the paper's text (pipeline `{MAIN_PIPELINE}`); "
             f"MNIST's cells under the other pipeline are counted apart below.", "",
             f"- preset: `{preset}`, seed {seed}, lgc {__version__} (git {meta['git']})",
             f"- run time: {seconds:.0f} s" if seconds else "- run time: see notebooks",
             f"- tolerance (`within`): train side |ours - paper| <= {Z:g} se + {REL:g} "
             f"|paper|; test side (Eg, Cg): paper inside our spread over split seeds, "
             f"widened alike",
             f"- fixed tolerance (`fixed`): {_fixed_words()}, whatever the spread of the "
             f"walks; test side again against our spread over split seeds",
             f"- {summary['nstag_one_both_sides']} of the {summary['nstag_cells']} nstag cells "
             f"(of {summary['stagnation_cells']} stagnation cells, nstag and lstag) are 1 "
             f"with std 0 on both sides, paper and ours: every walk found one stagnant "
             f"stretch, so they agree trivially. Without them {summary['within_nontrivial']} and "
             f"{summary['within_fixed_nontrivial']} of {n - summary['nstag_one_both_sides']} "
             f"cells are within the two tolerances.", "",
             "| metric | cells | within | within (fixed) |", "|---|---|---|---|"]
    lines += [f"| {m} | {c['cells']} | {c['within']} | {c['within_fixed']} |"
              for m, c in summary["by_metric"].items()]
    lines += [""] + _pipeline_lines(summary["pipelines"])
    lines += ["", "- data files (sha256):"]
    lines += [f"  - `{k}`: `{v}`" for k, v in sorted(meta["data_hashes"].items())]
    lines += ["", "Table 1's last two printed cells (w = 18, 20) are swapped in the paper "
              "(docs/departures.md#d6-table-1-prints-two-cells-swapped): our values are the "
              "authors' algorithm's, so those two cells show as not within.", "",
              "| table | problem | pipeline | sample | loss | r | granularity | metric | paper "
              "| ours | within | fixed |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    words = {True: "yes", False: "**no**", None: ""}
    for r in rows:
        ours = "-" if r["ours_mean"] is None else f"{r['ours_mean']:.4g}" + (
            f" ({r['ours_std']:.3g})" if r["ours_std"] is not None else "")
        paper = f"{r['paper_mean']:.4g}" + (
            f" ({r['paper_std']:.3g})" if r["paper_std"] is not None else "")
        lines.append(f"| {r['table']} | {r['problem']} | {r['pipeline']} | {r['sample']} | "
                     f"{r['loss']} | "
                     f"{r['init_range']} | {r['granularity']} | {r['metric']} | {paper} | "
                     f"{ours} | {words[r['within']]} | {words[r['within_fixed']]} |")
    if (folder / "claims.json").exists():  # written by lgc.claims.write_claims
        from .claims import read_claims, summary_lines

        lines += [""] + summary_lines(read_claims(folder))
    if gecco:
        lines += [""] + gecco18.report_lines(folder)
    path = folder / "REPORT.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _fixed_words() -> str:
    """E.g. "nstag +-0.15, lstag +-10% of the paper's value, accuracy_last_step +-0.05"."""
    return ", ".join(f"{m} +-{v:g}" if k == "absolute" else f"{m} +-{100 * v:g}% of the "
                     f"paper's value" for m, (k, v) in FIXED.items())


def _summary(rows: list[dict]) -> dict:
    """Counts of report.json: cells with a verdict, within under each tolerance,
    per metric, and the nstag cells that are 1 on both sides."""
    counted = [r for r in rows if r["within"] is not None]
    trivial = [r for r in counted if r["trivial"]]
    by_metric = {}
    for r in counted:
        c = by_metric.setdefault(r["metric"], {"cells": 0, "within": 0, "within_fixed": 0})
        c["cells"] += 1
        c["within"] += bool(r["within"])
        c["within_fixed"] += bool(r["within_fixed"])
    return {"cells": len(counted),
            "within": sum(bool(r["within"]) for r in counted),
            "within_fixed": sum(bool(r["within_fixed"]) for r in counted),
            "stagnation_cells": sum(r["metric"] in ("nstag", "lstag") and r["table"] != "1"
                                    for r in counted),
            "nstag_cells": sum(r["metric"] == "nstag" for r in counted),
            "nstag_one_both_sides": len(trivial),
            "within_nontrivial": sum(bool(r["within"]) for r in counted if not r["trivial"]),
            "within_fixed_nontrivial": sum(bool(r["within_fixed"]) for r in counted
                                           if not r["trivial"]),
            "by_metric": by_metric}


def _pipeline_counts(rows: list[dict]) -> dict:
    """Cells with a verdict and those within each tolerance, per pipeline and problem
    that ran more than the paper's text (MNIST), e.g.
    ``{"mnist": {"paper-text": {"cells": 48, ...}, "shuffle-buffer-100+zscore": ...}}``."""
    counted = [r for r in rows if r["within"] is not None]
    several = {r["problem"] for r in counted if r["pipeline"] != MAIN_PIPELINE}
    out = {}
    for r in counted:
        if r["problem"] in several:
            c = out.setdefault(r["problem"], {}).setdefault(
                r["pipeline"], {"cells": 0, "within": 0, "within_fixed": 0})
            c["cells"] += 1
            c["within"] += bool(r["within"])
            c["within_fixed"] += bool(r["within_fixed"])
    return out


def _pipeline_lines(counts: dict) -> list[str]:
    """REPORT.md's paragraph on the problems judged under several pipelines."""
    if not counts:
        return []
    lines = ["Data pipelines (docs/mnist-pipelines.md): the paper's text (`paper-text`) and "
             "the pipeline that best explains the paper's MNIST numbers "
             "(`shuffle-buffer-100+zscore`: tf.data's shuffle(100) restarted every step, "
             "pixels z-scored). Only `paper-text` enters the headline count above; each "
             "pipeline's cells of the same tables:", "",
             "| problem | pipeline | cells | within | within (fixed) |", "|---|---|---|---|---|"]
    for problem, by in counts.items():
        lines += [f"| {problem} | {p} | {c['cells']} | {c['within']} | {c['within_fixed']} |"
                  for p, c in by.items()]
    return lines


def _num(x):
    return None if x is None or not np.isfinite(x) else float(x)


def _cells_json(cells: pd.DataFrame) -> list[dict]:
    """One report.json entry per compared cell of the sections' cells/*.csv; the
    fixed verdict is judged here from the cell's numbers (older cells files
    have no column for it), and a cell without a ``pipeline`` (older files) is of
    the paper's text."""
    out = []
    has_pipeline = "pipeline" in cells.columns
    for r in cells.itertuples():
        if not np.isfinite(r.paper_mean):
            continue
        stat = None if pd.isna(r.within) else bool(r.within in (True, "True"))
        table = (ACCURACY_TABLE if r.sample in ("Ct", "Cg") else BASIN_TABLE)[r.problem]
        pipeline = r.pipeline if has_pipeline and isinstance(r.pipeline, str) else MAIN_PIPELINE
        out.append({"table": table, "problem": r.problem, "pipeline": pipeline,
                    "sample": r.sample,
                    "loss": r.loss, "init_range": int(r.init_range),
                    "granularity": r.granularity, "metric": r.metric,
                    "paper_mean": _num(r.paper_mean), "paper_std": _num(r.paper_std),
                    "ours_mean": _num(r.ours_mean), "ours_std": _num(r.ours_std),
                    "within": stat, "within_fixed": within_fixed(r),
                    "trivial": trivial_nstag(r)})
    return out


def _table1_cells() -> list[dict]:
    """Table 1: lstag of the simulated walk per window, ours vs the printed table
    (within: equal at the two decimals printed; fixed: lstag's +-10%)."""
    from .basins import simulated_walk, stagnant_runs

    paper = paper_tables()
    paper = paper[paper.table.astype(str) == "1"]
    walk = simulated_walk(0)
    out = []
    for r in paper.itertuples():
        w = int(str(r.granularity).split("_")[1])
        ours = float(stagnant_runs(walk, w)[1])
        cell = {"table": "1", "problem": "simulated", "pipeline": MAIN_PIPELINE,
                "sample": "walk", "loss": "",
                "init_range": None, "granularity": r.granularity, "metric": "lstag",
                "paper_mean": float(r.mean), "paper_std": None, "ours_mean": ours,
                "ours_std": None, "within": within_printed(ours, float(r.mean), 2)}
        cell["within_fixed"] = within_fixed(SimpleNamespace(**cell))
        cell["trivial"] = False
        out.append(cell)
    return out


def table1() -> pd.DataFrame:
    """Table 1 beside ours (the paper swaps the last two cells:
    docs/departures.md#d6-table-1-prints-two-cells-swapped)."""
    cells = _table1_cells()
    return pd.DataFrame({"w": [int(c["granularity"].split("_")[1]) for c in cells],
                         "paper": [c["paper_mean"] for c in cells],
                         "ours": [round(c["ours_mean"], 2) for c in cells],
                         "within": ["yes" if c["within"] else "NO" for c in cells],
                         "within (fixed)": ["yes" if c["within_fixed"] else "NO"
                                            for c in cells]})


def table2() -> pd.DataFrame:
    """Table 2: architectures and dimensions, ours beside the paper's."""
    return pd.DataFrame([{"problem": s.name, "input": s.n_in, "hidden": s.hidden,
                          "output": s.n_out, "dimension": s.dim,
                          "paper dimension": DIMENSIONS.get(s.name, "-"),
                          "within": "yes" if s.dim == DIMENSIONS.get(s.name) else "-"}
                         for s in PROBLEMS.values()])


def _all_hashes() -> dict:
    """sha256 of every data file that is present (MNIST's training images may not be)."""
    out = {}
    for name in sorted({f for s in PROBLEMS.values() for f in s.files}):
        try:
            out.update(file_hashes([name]))
        except (OSError, ValueError):
            out[name] = "absent"
    return out


class Timer:
    """Wall time of a notebook, to put in the report."""

    def __init__(self):
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start
