"""Specification of lgc.reproduce and lgc.presets: tables and the report
(the verdicts themselves: tests/test_verdicts.py)."""
import json

import pandas as pd
import pytest

from lgc import reproduce as R
from lgc.presets import PRESETS, get_preset


def test_table1_matches_all_but_the_two_swapped_cells():
    """Our Table 1 equals the paper's except w = 18 and 20, printed swapped
    (docs/departures.md#d6-table-1-prints-two-cells-swapped)."""
    t1 = R.table1().set_index("w")
    assert (t1.within == "NO").sum() == 2
    assert list(t1.index[t1.within == "NO"]) == [18, 20]
    assert t1.loc[18, "ours"] == t1.loc[20, "paper"]


def test_table2_dimensions_match_the_paper():
    """Every problem's dimension equals Table 2's."""
    assert (R.table2().within == "yes").all()


def _cells(folder, rows):
    cells = folder / "cells"
    cells.mkdir()
    base = dict(problem="iris", sample="Et", loss="SSE", init_range=1, granularity="micro",
                metric="nstag", ours_std=0.0, paper_std=0.0, walks=24, n_splits=1,
                spread_min=None, spread_max=None, table="4")
    pd.DataFrame([{**base, **r} for r in rows]).to_csv(cells / "iris.csv", index=False)


def test_report_lists_every_cell_with_the_required_fields(tmp_path):
    """REPORT.md opens with the count; report.json has one entry per compared cell."""
    _cells(tmp_path, [dict(ours_mean=1.0, paper_mean=1.0, within=True)])
    path = R.write_report(tmp_path, "tiny", seconds=12.0)
    text = path.read_text()
    assert "of 9 numeric cells within tolerance" in text and "12 s" in text
    report = json.loads((tmp_path / "report.json").read_text())
    keys = {"table", "problem", "sample", "loss", "init_range", "granularity", "metric",
            "paper_mean", "paper_std", "ours_mean", "ours_std", "within", "within_fixed"}
    assert all(keys <= set(c) for c in report["cells"]) and len(report["cells"]) == 9


def test_report_counts_both_verdicts_and_the_trivial_cells(tmp_path):
    """Three hand-made Iris cells beside Table 1's eight: an nstag of 1 on both sides
    (within both, trivial), an nstag 0.2 off with a wide spread of walks (within the
    statistical tolerance only) and an lstag 5 % off (within both). Table 1 adds six
    cells within both and two (the swapped ones) within neither."""
    _cells(tmp_path, [dict(ours_mean=1.0, paper_mean=1.0, within=True),
                      dict(ours_mean=2.2, paper_mean=2.0, within=True, ours_std=1.0),
                      dict(metric="lstag", ours_mean=105.0, paper_mean=100.0, within=True)])
    R.write_report(tmp_path, "tiny")
    report = json.loads((tmp_path / "report.json").read_text())
    iris = [c for c in report["cells"] if c["problem"] == "iris"]
    assert [c["within_fixed"] for c in iris] == [True, False, True]
    summary = report["summary"]
    assert (summary["cells"], summary["within"], summary["within_fixed"]) == (11, 9, 8)
    assert summary["nstag_one_both_sides"] == 1 and summary["nstag_cells"] == 2
    assert summary["stagnation_cells"] == 3  # Table 1 is the simulated walk, not counted
    assert summary["by_metric"]["nstag"] == {"cells": 2, "within": 2, "within_fixed": 1}
    text = (tmp_path / "REPORT.md").read_text()
    assert "**8 of 11 within the fixed tolerances**" in text
    assert "1 of the 2 nstag cells" in text


def test_quick_preset_caps_walks_and_keeps_full_length_walks():
    """quick runs min(10 d, 24) walks of the paper's lengths, three splits."""
    configs = get_preset("quick").configs("iris", 35)
    assert {c.walks for c in configs} == {24} and len(configs) == 8 * 3
    assert {c.steps for c in configs} == {None}  # resolved to 1000 / 100 later


def test_paper_preset_is_the_exact_protocol():
    """paper runs 10 x d walks with curvature at every step of the main split."""
    main = [c for c in get_preset("paper").configs("glass", 150) if c.split_seed == 0]
    assert {c.walks for c in main} == {1500} and {c.hessian_every for c in main} == {1}


def test_xor_runs_a_single_split():
    """XOR has no train/test split, so no split spread is run for it."""
    assert {c.split_seed for c in PRESETS["quick"].configs("xor", 9)} == {0}


def test_overrides_apply_to_the_main_split_only():
    """Variant settings (the authors' test) run only the main split, with those settings."""
    configs = PRESETS["quick"].configs("heart", 341, main_only=True, singular="float32")
    assert len(configs) == 8 and {c.singular for c in configs} == {"float32"}


def test_unknown_preset_lists_the_known_ones():
    """An unknown preset names the choices."""
    with pytest.raises(ValueError, match="unknown preset 'huge'.*quick"):
        get_preset("huge")


def test_each_granularity_gets_its_own_curvature_frequency(monkeypatch):
    """micro and macro walks check curvature at their own stride; a granularity the
    preset does not know is an error naming it, not the macro stride."""
    import lgc.presets as presets
    quick = get_preset("quick")
    every = {c.granularity: c.hessian_every for c in quick.configs("iris", 35)}
    assert every == {"micro": quick.micro_hessian_every, "macro": quick.macro_hessian_every}
    monkeypatch.setattr(presets, "GRANULARITIES", {"micro": 0, "macro": 0, "nano": 0})
    with pytest.raises(ValueError, match=r"unknown granularity 'nano'.*'micro', 'macro'"):
        quick.configs("iris", 35)


def test_a_problem_the_paper_did_not_run_has_no_paper_column_but_a_row(monkeypatch):
    """Table 2 lists a problem added to lgc with "-" for the paper's dimension."""
    import types

    import lgc.reproduce as R
    from lgc.problems import PROBLEMS, ProblemSpec
    toy = ProblemSpec("toy", 3, 2, 1, (), 10)
    monkeypatch.setattr(R, "PROBLEMS", types.MappingProxyType({**PROBLEMS, "toy": toy}))
    row = R.table2().set_index("problem").loc["toy"]
    assert (row["dimension"], row["paper dimension"], row["within"]) == (11, "-", "-")
    assert R.table2().set_index("problem").loc["iris", "within"] == "yes"
