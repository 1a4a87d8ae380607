"""Specification of lgc.gecco18: GECCO'18's walk comparison on XOR, and its report."""
import json

import numpy as np
import pandas as pd
import pytest

from lgc import gecco18 as G
from lgc import load_problem
from lgc.derivatives import loss_and_grad
from lgc.network import Architecture
from lgc.walks import WalkSettings, progressive_gradient_walk

XOR = load_problem("xor")
ARCH = Architecture(XOR.n_in, XOR.hidden, XOR.n_out)


# ------------------------------------------------------------------- the paper's data

def test_figure5_counts_are_every_point_of_one_run_of_100_walks():
    """The published accuracy counts add up to 100 walks x 1000 (micro) or x 100 (macro)
    points: the data were typed in whole."""
    for (sampler, granularity), counts in G.ACCURACY_COUNTS.items():
        assert sum(counts) == 100 * G.GRANULARITIES[granularity].points, (sampler, granularity)


def test_accuracy_shares_are_the_counts_over_their_total():
    assert G.accuracy_shares("gradient", "micro")[-1] == 40522 / 100000


def test_table2_has_four_samplers_per_measure_and_granularity():
    assert len(G.TABLE2) == 6
    assert all(list(cells) == list(G.SAMPLERS) for cells in G.TABLE2.values())


# ----------------------------------------------------------------------- arithmetic

def test_tensorflow_arithmetic_agrees_with_lgcs_gradient_to_float32_precision():
    """Away from saturation the float32 emulation is lgc's MSE and gradient, rounded."""
    W = np.random.default_rng(0).uniform(-2, 2, (50, 9))
    loss, grad, Y = G.tf_loss_and_grad(W, XOR.X_train, XOR.T_train)
    loss64, grad64, Y64 = loss_and_grad(W, XOR.X_train, XOR.T_train, "sse", ARCH)
    assert np.allclose(loss, loss64, rtol=1e-5, atol=1e-7)
    assert np.allclose(grad, grad64, rtol=1e-4, atol=1e-6)
    assert np.allclose(Y, Y64, atol=1e-6)


def test_tensorflow_sigmoid_gradient_is_exactly_zero_where_the_output_rounds_to_one():
    """Output bias 30: y = 1 / (1 + e^-30) rounds to 1 in float32, so y (1 - y) = 0 and
    the output bias has no gradient; lgc's float64 gradient there is small but not 0."""
    W = np.zeros((1, 9))
    W[0, -1] = 30.0
    _, grad, _ = G.tf_loss_and_grad(W, XOR.X_train, XOR.T_train)
    _, grad64, _ = loss_and_grad(W, XOR.X_train, XOR.T_train, "sse", ARCH)
    assert grad[0, -1] == 0.0 and grad64[0, -1] != 0.0


def test_an_unknown_arithmetic_is_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown arithmetic 'float16'"):
        G.evaluator("float16")


# ---------------------------------------------------------------------------- walks

def test_the_unbounded_walk_in_float64_is_lgcs_progressive_gradient_walk():
    """Same streams, start and steps as lgc.walks with init_range 10 and hessian none."""
    settings = WalkSettings("sse", 10.0, 0.2, 50, hessian="none")
    lgc = progressive_gradient_walk(XOR, settings, range(3), seed=4, weights_stride=1)
    P = G.unbounded_walk(G.evaluator("float64"), range(3), 50, 9, 0.2, seed=4)
    assert np.allclose(P, lgc["weights"], rtol=0, atol=1e-12)
    loss, _, _ = loss_and_grad(P.reshape(-1, 9), XOR.X_train, XOR.T_train, "sse", ARCH)
    assert np.allclose(loss.reshape(3, 50), lgc["Et"], rtol=1e-12)


@pytest.mark.parametrize("sampler", ["random", "progressive", "gradient"])
def test_bounded_samplers_stay_in_the_space(sampler):
    P = G.walk_positions(sampler, "macro", range(4), G.evaluator("tensorflow"))
    assert P.shape == (4, 100, 9) and np.abs(P).max() <= G.BOUND


def test_unknown_sampler_or_granularity_is_refused():
    with pytest.raises(ValueError, match="unknown sampler 'levy'"):
        G.walk_positions("levy", "micro", range(2), G.evaluator("float64"))
    with pytest.raises(ValueError, match="unknown granularity 'meso'"):
        G.walk_positions("random", "meso", range(2), G.evaluator("float64"))


# ----------------------------------------------------------------------- statistics

def test_run_statistics_on_a_hand_made_run():
    """Two walks of four points in 1-D: weights -1, 0, 1, 2 and 1, 2, 3, 4 (mean 1.5,
    squared deviations 18 / 8 points: std 1.5); losses rising steadily (FEM 0, M1 0, M2 0 by the definitions);
    accuracies 0.5 four times, 1 twice."""
    P = np.array([[-1.0, 0.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0]])[:, :, None]
    F = np.array([[0.1, 0.2, 0.3, 0.4], [0.2, 0.4, 0.6, 0.8]])
    A = np.array([[0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]])
    stats = G.run_statistics(P, F, A)
    assert stats["coverage_mean", "-"] == pytest.approx(1.5)
    assert stats["coverage_std", "-"] == pytest.approx(1.5)
    assert stats["fitness_mean", "-"] == pytest.approx(0.375)
    assert stats["accuracy_0.5", "-"] == 6 / 8 and stats["accuracy_1", "-"] == 2 / 8
    assert stats["accuracy_0.25", "-"] == 0.0
    assert stats["fem", "published"] == 0.0 and stats["m1", "published"] == 0.0


def test_within_is_two_run_to_run_standard_deviations():
    assert G.within(1.0, np.nan, 1.19, 0.1)
    assert not G.within(1.0, np.nan, 1.21, 0.1)
    assert G.within(1.0, 0.2, 1.39, 0.1)  # the paper's larger spread counts


def _hand_study():
    """Two runs; Table 2's FEM random micro: published 0.6 and 0.8 (mean 0.7, std 0.1),
    authors 0.41 and 0.42 (mean 0.415, std 0.005)."""
    rows = [(run, "random", "micro", "fem", v, value)
            for run, values in enumerate(((0.6, 0.41), (0.8, 0.42)))
            for v, value in zip(("published", "authors"), values)]
    runs = pd.DataFrame(rows, columns=["run", "sampler", "granularity", "metric", "variant",
                                       "value"])
    return G.Study(runs, {}, 2, 5, 0, "tensorflow")


def test_compare_sets_the_mean_and_std_over_runs_beside_the_paper():
    """FEM random micro in the paper: 0.41178 (0.02238). Published: |0.7 - 0.41178| >
    2 x 0.1; authors: |0.415 - 0.41178| <= 2 x 0.02238."""
    c = G.compare(_hand_study()).set_index("variant")
    assert list(c["table"]) == ["GECCO18-2"] * 2
    assert c.loc["published", "ours_mean"] == pytest.approx(0.7)
    assert c.loc["published", "ours_std"] == pytest.approx(0.1)
    assert c.loc["published", "paper_mean"] == 0.41178
    assert not c.loc["published", "within"] and c.loc["authors", "within"]
    assert G.matching_variant(c.reset_index()) == "authors"
    assert "1 of 1 numbers agree" in G.agreement(c.reset_index(), "GECCO18-2", "authors")


def test_json_for_the_report_counts_the_matching_variant_only(tmp_path):
    """gecco18.json: the authors' cell counted (within), the published cell shown with
    within None; report_cells reads the cells back; no file gives no cells."""
    result = _hand_study()
    c = G.compare(result)
    path = G.write_json(c, tmp_path / "gecco18.json", preset="tiny", result=result)
    data = json.loads(path.read_text())
    assert data["tables"] == {"GECCO18-2": {"cells": 1, "within": 1}}
    assert data["meta"]["counted_variant"] == "authors" and data["meta"]["runs"] == 2
    cells = G.report_cells(tmp_path)
    assert {c["metric"]: c["within"] for c in cells} == {"fem (published)": None,
                                                         "fem (authors)": True}
    keys = {"table", "problem", "sample", "loss", "init_range", "granularity", "metric",
            "paper_mean", "paper_std", "ours_mean", "ours_std", "within", "within_fixed",
            "trivial"}
    assert all(set(c) == keys for c in cells)
    assert G.report_cells(tmp_path / "elsewhere") == []


def test_report_lines_give_the_tables_own_count_and_every_number(tmp_path):
    result = _hand_study()
    G.write_json(G.compare(result), tmp_path / "gecco18.json", preset="tiny", result=result)
    lines = G.report_lines(tmp_path)
    assert "**1 of 1 numbers within tolerance**" in lines[2]
    assert "| GECCO18-2 | 1 | 1 |" in lines
    assert any("fem (published) | 0.4118 (0.0224) | 0.7 (0.1) |  |" in l for l in lines)
    assert G.report_lines(tmp_path / "elsewhere") == []


# ---------------------------------------------------------------------------- study

@pytest.fixture(scope="module")
def tiny():
    return G.study(2, 3, seed=1, granularities=("macro",))


def test_a_study_keeps_every_statistic_of_every_run(tiny):
    """2 runs x 4 samplers x (6 Table 2 values + 4 moments + 5 accuracy shares)."""
    assert len(tiny.runs) == 2 * 4 * (6 + 4 + 5)
    assert tiny.first["gradient", "macro"]["positions"].shape == (3, 100, 9)


def test_same_seed_same_study(tiny):
    again = G.study(2, 3, seed=1, granularities=("macro",))
    assert again.runs.equals(tiny.runs)


def test_runs_are_independent_walks(tiny):
    """Run 2 holds walks 3..5, run 1 walks 0..2: their statistics differ."""
    fem = tiny.runs.query("metric == 'fem' and variant == 'authors' and sampler == 'random'")
    assert fem["value"].nunique() == 2


def test_a_bad_size_is_refused_in_one_line():
    with pytest.raises(ValueError, match="runs must be a positive whole number; got 0"):
        G.study(0, 5)
