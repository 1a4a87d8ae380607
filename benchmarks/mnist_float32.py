"""Does float32 change a reported MNIST figure? Runs a preset's MNIST samples in
float64 (lgc's default) and in float32, and prints every reported cell of
Tables 9 and B.15 side by side, as the tables print them.

Issue 4 allows float32 for MNIST's gradient-only walks only where it changes no
reported figure. It does change them (measured, see the README): in float32 a
saturated sigmoid's tiny gradient rounds to exactly zero more often (at r = 10,
39.0% of gradient components against 36.8% in float64, most of them the
always-blank pixels' weights), and a zero gradient steps +1 instead of
descending, so the walks drift differently. lgc therefore keeps float64 for
every preset; ``lgc run --precision float32`` stays available to study it.

    python benchmarks/mnist_float32.py [--preset quick] [--results results] [--workers 2]

Reuses finished samples in RESULTS/PRESET, as ``make paper`` does.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from lgc import reproduce
from lgc.experiment import run_samples
from lgc.presets import get_preset
from lgc.problems import PROBLEMS


def tables(configs, folder, workers):
    """Tables 9 and B.15 of these samples, as reproduce prints them."""
    table = reproduce.compare(reproduce.summary(run_samples(configs, folder, workers=workers,
                                                            progress=False)))
    return pd.concat([reproduce.basins_table(table), reproduce.accuracy_table(table)],
                     ignore_index=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    configs = get_preset(args.preset).configs("mnist", PROBLEMS["mnist"].dim)
    folder = args.results / args.preset
    runs = {}  # precision -> (its tables, seconds taken)
    for precision in ("float64", "float32"):
        start = time.perf_counter()
        runs[precision] = (tables([replace(c, precision=precision) for c in configs],
                                  folder, args.workers), time.perf_counter() - start)
    (f64, t64), (f32, t32) = runs["float64"], runs["float32"]
    cells = f64[["sample", "loss", "init_range", "granularity", "metric"]].copy()
    cells["float64"], cells["float32"] = f64["ours"], f32["ours"]
    cells["same"] = f64["ours"] == f32["ours"]
    print(cells.to_string(index=False))
    print(f"\n{int(cells.same.sum())} of {len(cells)} reported cells unchanged in float32 "
          f"({args.preset} preset; run or reused in {t64:.0f} s and {t32:.0f} s)")


if __name__ == "__main__":
    main()
