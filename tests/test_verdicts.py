"""Specification of lgc.verdicts: a cell beside the paper's, under two tolerances.

Each cell here is made by hand; its verdict is worked out on paper in the docstring.
"""
from types import SimpleNamespace

import pandas as pd
import pytest

from lgc import verdicts as V


def _cell(**kw):
    base = dict(problem="iris", sample="Et", metric="nstag", paper_mean=10.0, paper_std=2.0,
                ours_mean=10.0, ours_std=2.0, walks=350, spread_min=10.0, spread_max=10.0,
                n_splits=1)
    return SimpleNamespace(**{**base, **kw})


# ------------------------------------------------------------ the statistical verdict

def test_train_side_cell_within_three_standard_errors_plus_ten_percent():
    """|ours - paper| <= 3 se + 0.1 |paper| is within; far beyond it is not.
    se = sqrt(4/350 + 4/350) = 0.151, so the tolerance is 0.45 + 1.0 = 1.45."""
    assert V.within(_cell(ours_mean=11.4))
    assert not V.within(_cell(ours_mean=11.5))


def test_few_walks_widen_the_tolerance():
    """The same gap is within for 4 walks but not for 350 (the standard error grows):
    4 walks: se = sqrt(9/4 + 4/350) = 1.504, tolerance 5.5 > 2.5."""
    assert V.within(_cell(ours_mean=12.5, ours_std=3.0, walks=4))
    assert not V.within(_cell(ours_mean=12.5, ours_std=3.0, walks=350))


def test_test_side_cell_is_judged_against_the_spread_over_splits():
    """An Eg cell is within when the paper's value lies in our split spread (widened)."""
    assert V.within(_cell(sample="Eg", ours_mean=8.0, spread_min=8.0, spread_max=12.0,
                          n_splits=3))
    assert not V.within(_cell(sample="Eg", ours_mean=20.0, spread_min=19.0,
                              spread_max=21.0, n_splits=3))


def test_cell_without_a_paper_value_has_no_verdict():
    """Cells the paper does not report (XOR's Eg) are neither within nor not."""
    assert V.within(_cell(paper_mean=float("nan"))) is None
    assert V.within_fixed(_cell(paper_mean=float("nan"))) is None


# ------------------------------------------------------------ the fixed verdict

def test_nstag_is_within_fixed_up_to_0_15_either_way():
    """nstag: paper 1.9; 1.76 and 2.04 are 0.14 away (within), 1.74 and 2.06 are 0.16."""
    for ours, ok in ((1.76, True), (2.04, True), (1.74, False), (2.06, False)):
        assert V.within_fixed(_cell(paper_mean=1.9, ours_mean=ours)) is ok, ours


def test_lstag_is_within_fixed_up_to_ten_percent_of_the_paper():
    """lstag: paper 200 allows 180..220; paper 20 allows 18..22 (the same 9 % gap is
    within for both, an 11 % gap for neither)."""
    for paper in (200.0, 20.0):
        assert V.within_fixed(_cell(metric="lstag", paper_mean=paper, ours_mean=1.09 * paper))
        assert not V.within_fixed(_cell(metric="lstag", paper_mean=paper,
                                        ours_mean=0.89 * paper))


def test_accuracy_is_within_fixed_up_to_0_05():
    """Accuracy: paper 0.90 allows 0.85..0.95."""
    cell = dict(sample="Ct", metric="accuracy_last_step", paper_mean=0.90)
    assert V.within_fixed(_cell(**cell, ours_mean=0.86))
    assert not V.within_fixed(_cell(**cell, ours_mean=0.84))


def test_fixed_tolerance_ignores_the_walks_spread():
    """A cell whose walks scatter widely (std 150, 4 walks) is within the statistical
    tolerance 3 * 75 + 10 = 235 but not the fixed 10 % of 100: a gap of 50 steps."""
    wide = _cell(metric="lstag", paper_mean=100.0, paper_std=150.0, ours_mean=150.0,
                 ours_std=150.0, walks=4)
    assert V.within(wide) and not V.within_fixed(wide)


def test_fixed_test_side_cell_uses_the_split_spread():
    """Cg over three splits spanning 0.70..0.80: paper 0.84 is within (0.80 + 0.05),
    paper 0.86 is not, whatever the main split's value."""
    cell = dict(sample="Cg", metric="accuracy_last_step", ours_mean=0.70, spread_min=0.70,
                spread_max=0.80, n_splits=3)
    assert V.within_fixed(_cell(**cell, paper_mean=0.84))
    assert not V.within_fixed(_cell(**cell, paper_mean=0.86))


def test_unknown_metric_has_no_fixed_tolerance():
    """A metric without a fixed tolerance is named in the error with the known ones."""
    with pytest.raises(ValueError, match="'window'.*accuracy_last_step"):
        V.fixed_tolerance("window", 1.0)


def test_nstag_of_one_on_both_sides_is_trivial():
    """Only nstag cells printed 1.00000 (0.00000) by the paper and by us are trivial:
    a mean of 1 with a spread (half the walks 0, half 2) is not."""
    one = dict(paper_mean=1.0, paper_std=0.0, ours_mean=1.0, ours_std=0.0)
    assert V.trivial_nstag(_cell(**one))
    assert not V.trivial_nstag(_cell(**{**one, "ours_mean": 1.04}))
    assert not V.trivial_nstag(_cell(**{**one, "paper_mean": 1.00125}))
    assert not V.trivial_nstag(_cell(**{**one, "ours_std": 1.0}))
    assert not V.trivial_nstag(_cell(**{**one, "metric": "lstag"}))
    assert not V.trivial_nstag(_cell(**{**one, "paper_std": None}))


def test_printed_precision_verdict():
    """Table 1 prints two decimals: 18.75 matches 18.754 but not 18.77."""
    assert V.within_printed(18.754, 18.75, 2) and not V.within_printed(18.77, 18.75, 2)


def test_compare_gives_both_verdicts_per_cell():
    """compare() puts the paper's Iris Et SSE r=1 micro nstag beside ours, with the
    spread over two splits and both verdicts judged from those numbers."""
    from lgc.paper import paper_value

    paper_mean, _ = paper_value("iris", "Et", "SSE", 1, "micro", "nstag")
    ours = pd.DataFrame([dict(problem="iris", loss="sse", init_range=1.0, granularity="micro",
                              sample="Et", metric="nstag", ours_mean=paper_mean + d,
                              ours_std=0.1, paper_mean=None, paper_std=None, walks=24,
                              steps=1000, seed=0, split_seed=s)
                         for s, d in ((0, 0.1), (1, 0.3))])
    table = V.compare(ours)
    assert len(table) == 1
    row = table.iloc[0]
    assert row.paper_mean == paper_mean and row.n_splits == 2
    assert row.spread_max - row.spread_min == pytest.approx(0.2)
    assert row.within_fixed and row.within  # main split is 0.1 from the paper
    shown = V.basins_table(table)
    assert list(shown.columns[-2:]) == ["within", "within (fixed)"]
    assert shown["within (fixed)"].iloc[0] == "yes"
