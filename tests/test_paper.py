"""Tests for lgc.paper: the paper's published numbers."""
import math

import pytest

from lgc.paper import paper_table1, paper_tables, paper_value


def test_xor_et_sse_micro_nstag():
    """Table 3's first cell reads nstag 1.88889 (0.31427)."""
    assert paper_value("xor", "Et", "sse", 1, "micro", "nstag") == (1.88889, 0.31427)


def test_names_normalised():
    """Problem, sample, loss, granularity and metric are matched in any case."""
    assert paper_value("IRIS", "ct", "Ce", 10, "Macro", "Accuracy_Last_Step") == (0.92857, 0.05844)


def test_appendix_b_accuracy():
    """Appendix B's cells are accuracies under metric accuracy_last_step."""
    assert paper_value("mnist", "Cg", "CE", 10, "macro", "accuracy_last_step") == (0.44259, 0.06666)


def test_table1_has_no_std():
    """Table 1 cells have no loss or range, and std NaN."""
    mean, std = paper_value("simulated", "walk", None, None, "window_8", "lstag")
    assert mean == 22.0 and math.isnan(std)


def test_table1_as_printed():
    """paper_table1 returns all eight printed windows."""
    assert sorted(paper_table1()) == [6, 8, 10, 12, 14, 16, 18, 20]


def test_missing_setting_is_none():
    """XOR has no test set, so its Eg cell is None."""
    assert paper_value("xor", "Eg", "sse", 1, "micro", "nstag") is None


def test_unknown_problem_is_none():
    """A problem the paper did not study is None, not an error."""
    assert paper_value("wine", "Et", "ce", 1, "micro", "lstag") is None


@pytest.mark.parametrize("loss,init_range,granularity", [
    ("mse", 1, "micro"), ("softmax_ce", 10, "macro"),  # losses the paper never ran
    ("ce", 5, "micro"), ("sse", 0.5, "macro"), ("ce", True, "micro"),  # ranges
    ("sse", 1, "nano"), ("ce", 10, "window_8"),  # granularities (window_ is Table 1's)
])
def test_a_setting_the_paper_did_not_run_has_no_paper_value(loss, init_range, granularity):
    """A loss, range or granularity outside the paper is None, not an error: its
    paper column is simply empty."""
    assert paper_value("iris", "Et", loss, init_range, granularity, "nstag") is None


def test_the_paper_ranges_match_whatever_their_number_type():
    """1.0 and numpy's 10 find the same cells as 1 and 10."""
    import numpy as np
    assert paper_value("xor", "Et", "sse", 1.0, "micro", "nstag") == (1.88889, 0.31427)
    assert paper_value("iris", "Ct", "ce", np.int64(10), "macro", "accuracy_last_step") \
        == (0.92857, 0.05844)


@pytest.mark.parametrize("sample,metric,name", [("Et", "stagnation", "metric"),
                                                ("Ex", "nstag", "sample")])
def test_an_unknown_metric_or_sample_name_raises(sample, metric, name):
    """What was measured must be a known name: a typo there raises, naming the choices."""
    with pytest.raises(ValueError, match=rf"{name} must be one of \["):
        paper_value("xor", sample, "sse", 1, "micro", metric)


def test_tables_copy_is_independent():
    """Editing the returned DataFrame does not change later calls."""
    df = paper_tables()
    df.loc[:, "mean"] = 0.0
    assert paper_value("xor", "Et", "sse", 1, "micro", "nstag") == (1.88889, 0.31427)
    assert paper_tables()["mean"].ne(0).any()


def test_tables_cover_all_tables():
    """The CSV holds Tables 1, 3-9 and B.10-B.15."""
    tables = set(paper_tables()["table"])
    assert tables == {"1", *map(str, range(3, 10)), *(f"B.{i}" for i in range(10, 16))}
