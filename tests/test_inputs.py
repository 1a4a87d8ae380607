"""Specification of MNIST's input scaling (``inputs``: "unit" or "zscore") and of the
two data pipelines the MNIST section runs (lgc.presets.PIPELINES), down to the
report's cells (docs/mnist-pipelines.md)."""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lgc.batches
from lgc import reproduce as R
from lgc.batches import patterns, shuffle_buffer_rows
from lgc.experiment import SampleConfig, run_samples
from lgc.network import loss
from lgc.presets import PIPELINES, get_preset, pipelines
from lgc.problems import load_problem
from lgc.walks import WalkSettings, progressive_gradient_walk, walk_rngs

DEFAULT_DATA = Path(__file__).parents[1].parent / "shared" / "data"


@pytest.fixture
def mnist(monkeypatch):
    """MNIST's data folder (LGC_DATA_DIR, else ../shared/data), or skip."""
    folder = Path(os.environ.get("LGC_DATA_DIR") or DEFAULT_DATA)
    if not (folder / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST not found in {folder}")
    monkeypatch.setenv("LGC_DATA_DIR", str(folder))
    return folder


# ------------------------------------------------------------------ the scaling

def test_zscore_inputs_are_each_pixel_standardised_over_all_patterns_by_hand(mnist):
    """inputs="zscore": (x - mean) / std of each pixel over the training and test
    patterns together (ddof 0), written out here with sums; a pixel that never
    changes is 0 everywhere."""
    unit, z = load_problem("mnist"), load_problem("mnist", inputs="zscore")
    X = np.vstack([unit.X_train, unit.X_test])
    n = len(X)
    mean = X.sum(axis=0) / n
    std = np.sqrt(((X - mean) ** 2).sum(axis=0) / n)
    constant = std == 0
    assert 0 < constant.sum() < 784  # MNIST has never-inked border pixels
    by_hand = np.zeros_like(X)
    by_hand[:, ~constant] = (X[:, ~constant] - mean[~constant]) / std[~constant]
    Z = np.vstack([z.X_train, z.X_test])
    np.testing.assert_allclose(Z, by_hand, rtol=1e-12, atol=1e-12)
    assert np.all(Z[:, constant] == 0.0)
    assert len(z.X_train) == len(unit.X_train)  # the same split, the same patterns
    np.testing.assert_array_equal(z.T_train, unit.T_train)


def test_unit_inputs_are_the_default_pixels_k_over_255(mnist):
    """The default is today's scaling: the very arrays of load_problem("mnist")."""
    unit, default = load_problem("mnist", inputs="unit"), load_problem("mnist")
    np.testing.assert_array_equal(unit.X_train, default.X_train)
    codes = unit.X_train * 255
    np.testing.assert_array_equal(codes, np.rint(codes))
    assert unit.inputs == "unit" and "pixels / 255 to [0, 1]" in unit.preprocessing


def test_the_preprocessing_says_the_pixels_were_zscored(mnist):
    z = load_problem("mnist", inputs="zscore")
    assert z.inputs == "zscore"
    assert "z-scored per pixel over all 10000 patterns" in z.preprocessing
    assert "pixels constant over them (never inked) are 0" in z.preprocessing


@pytest.mark.parametrize("name,words", [("iris", "z-scored over all its patterns already"),
                                        ("xor", "XOR's four 0/1 patterns")])
def test_zscore_inputs_on_another_problem_are_refused_in_one_line(name, words):
    with pytest.raises(ValueError, match=f"inputs='zscore' is for mnist's pixels; {name}'s "
                                         f"inputs .*{words}") as err:
        load_problem(name, inputs="zscore")
    assert "\n" not in str(err.value)


def test_an_unknown_scaling_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown inputs 'minmax': choose one of "
                                         r"\('unit', 'zscore'\)"):
        load_problem("mnist", inputs="minmax")


# ------------------------------------------------------- batches of z-scored inputs

def test_zscored_batches_take_the_general_path_and_are_the_rows_of_X(mnist):
    """The byte fast path of lgc.batches applies to k / 255 only; z-scored pixels
    are gathered as floats, and every batch is exactly X[rows] for the rows each
    walk's stream draws (Generator.choice, written out here)."""
    z = load_problem("mnist", inputs="zscore")
    assert lgc.batches._pixel_codes(z.X_train) is None
    assert lgc.batches._pixel_codes(load_problem("mnist").X_train) is not None
    rngs = [np.random.default_rng([1, w, 0]) for w in range(3)]
    _, draw = patterns(z, rngs, "random")
    Xt, Tt, Xg, Tg = draw(slice(0, 3))
    again = [np.random.default_rng([1, w, 0]) for w in range(3)]
    it = np.stack([r.choice(len(z.X_train), 100, replace=False) for r in again])
    ig = np.stack([r.choice(len(z.X_test), 100, replace=False) for r in again])
    np.testing.assert_array_equal(Xt, z.X_train[it])
    np.testing.assert_array_equal(Xg, z.X_test[ig])
    np.testing.assert_array_equal(Tt, z.T_train[it])


def test_a_zscored_shuffle_buffer_walk_records_the_loss_of_its_zscored_batch(mnist):
    """End to end: Et and Eg at each step are the loss of the walk's weights on the
    z-scored rows of that step's shuffle(100) batch (network.loss, the plain formula)."""
    z = load_problem("mnist", inputs="zscore")
    settings = WalkSettings("ce", 1.0, 0.02, 3, hessian="none", batches="shuffle-buffer",
                            shuffle_buffer=100)
    out = progressive_gradient_walk(z, settings, [0, 5], seed=7, weights_stride=1)
    streams = walk_rngs(7, [0, 5], stream=1)  # the walks' batch streams
    for step in range(3):
        it = shuffle_buffer_rows(streams, len(z.X_train), 100, 100)
        ig = shuffle_buffer_rows(streams, len(z.X_test), 100, 100)
        assert it.max() < 199 and ig.max() < 199  # shuffle(100): the first 199 patterns
        for k in range(2):
            w = out["weights"][k, step]
            assert out["Et"][k, step] == pytest.approx(
                loss(w, z.X_train[it[k]], z.T_train[it[k]], "ce"), rel=1e-12)
            assert out["Eg"][k, step] == pytest.approx(
                loss(w, z.X_test[ig[k]], z.T_test[ig[k]], "ce"), rel=1e-12)


# ------------------------------------------------------------ samples and CLI

def test_zscore_inputs_tag_the_sample_name_the_default_does_not():
    base = dict(problem="mnist", loss="ce", init_range=1, granularity="micro")
    assert SampleConfig(**base).name == "mnist-ce-r1-micro-seed0-split0"
    assert SampleConfig(**base, inputs="unit").name == "mnist-ce-r1-micro-seed0-split0"
    assert SampleConfig(**base, batches="shuffle-buffer", shuffle_buffer=100,
                        inputs="zscore").name == \
        "mnist-ce-r1-micro-seed0-split0-shuffle-buffer100-zscore"


def test_a_sample_with_zscore_inputs_on_iris_is_refused_before_any_file(tmp_path):
    config = SampleConfig(problem="iris", loss="ce", init_range=1, granularity="macro",
                          walks=2, steps=2, inputs="zscore")
    with pytest.raises(ValueError, match="inputs='zscore' is for mnist's pixels"):
        run_samples([config], tmp_path, progress=False)
    assert not any(tmp_path.iterdir())


def test_the_command_line_refuses_zscore_inputs_on_iris_in_one_line(tmp_path, capsys):
    from lgc.cli import main
    assert main(["run", "--problem", "iris", "--loss", "sse", "--range", "1",
                 "--granularity", "macro", "--walks", "2", "--steps", "2", "--quiet",
                 "--workers", "1", "--inputs", "zscore", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "inputs='zscore' is for mnist's pixels" in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_the_command_line_records_zscore_inputs_in_the_sample(mnist, tmp_path):
    from lgc.cli import main
    assert main(["run", "--problem", "mnist", "--loss", "ce", "--range", "1",
                 "--granularity", "macro", "--walks", "2", "--steps", "2", "--quiet",
                 "--workers", "1", "--inputs", "zscore", "--out", str(tmp_path)]) == 0
    meta = json.loads((tmp_path / "mnist-ce-r1-macro-seed0-split0-zscore.json").read_text())
    assert meta["config"]["inputs"] == "zscore" and meta["data"]["inputs"] == "zscore"
    assert "z-scored per pixel" in meta["data"]["preprocessing"]


# ------------------------------------------------------------------ the presets

def test_the_mnist_section_runs_a_second_pipeline_with_the_same_walks_and_splits():
    quick = get_preset("quick")
    text = quick.configs("mnist", 7960)
    other = quick.configs("mnist", 7960, pipeline="shuffle-buffer-100+zscore")
    assert pipelines("mnist") == tuple(PIPELINES) and pipelines("iris") == ("paper-text",)
    assert [(c.walks, c.split_seed, c.loss, c.init_range, c.granularity) for c in text] == \
        [(c.walks, c.split_seed, c.loss, c.init_range, c.granularity) for c in other]
    assert all((c.batches, c.shuffle_buffer, c.inputs) == ("random", 1000, "unit")
               for c in text)
    assert all((c.batches, c.shuffle_buffer, c.inputs) == ("shuffle-buffer", 100, "zscore")
               for c in other)
    assert not {c.name for c in text} & {c.name for c in other}


def test_another_pipeline_is_refused_for_a_problem_without_one():
    with pytest.raises(ValueError, match="pipeline 'shuffle-buffer-100\\+zscore' is for "
                                         "mnist; iris runs \\('paper-text',\\)"):
        get_preset("quick").configs("iris", 35, pipeline="shuffle-buffer-100+zscore")


# ------------------------------------------------------------------ the report

def _cell(**kw):
    base = dict(problem="mnist", sample="Ct", loss="CE", init_range=1, granularity="micro",
                metric="accuracy_last_step", ours_mean=0.99, ours_std=0.01, paper_mean=0.998,
                paper_std=0.004, walks=24, n_splits=3, spread_min=0.98, spread_max=0.99,
                within=True, table="B.15")
    return {**base, **kw}


def test_report_cells_carry_their_pipeline_and_older_cells_are_the_papers_text():
    with_column = pd.DataFrame([_cell(pipeline="shuffle-buffer-100+zscore")])
    without = pd.DataFrame([_cell()])
    assert R._cells_json(with_column)[0]["pipeline"] == "shuffle-buffer-100+zscore"
    assert R._cells_json(without)[0]["pipeline"] == "paper-text"
    assert all(c["pipeline"] == "paper-text" for c in R._table1_cells())


def test_the_headline_counts_the_papers_text_and_the_other_pipeline_apart(tmp_path):
    """Two MNIST cells of the paper's text (one within, one not) and two of the other
    pipeline (both within): the headline counts Table 1's eight and the first two."""
    cells = tmp_path / "cells"
    cells.mkdir()
    pd.DataFrame([_cell(pipeline="paper-text"),
                  _cell(sample="Cg", ours_mean=0.86, spread_min=0.85, spread_max=0.87,
                        paper_mean=0.573, paper_std=0.048, within=False,
                        pipeline="paper-text")]).to_csv(cells / "mnist.csv", index=False)
    pd.DataFrame([_cell(pipeline="shuffle-buffer-100+zscore"),
                  _cell(sample="Cg", ours_mean=0.58, spread_min=0.55, spread_max=0.6,
                        paper_mean=0.573, paper_std=0.048, within=True,
                        pipeline="shuffle-buffer-100+zscore")]).to_csv(
        cells / "mnist-shuffle100-zscore.csv", index=False)
    R.write_report(tmp_path, "tiny")
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["summary"]["cells"], report["summary"]["within"]) == (10, 7)
    assert report["summary"]["pipelines"] == {"mnist": {
        "paper-text": {"cells": 2, "within": 1, "within_fixed": 1},
        "shuffle-buffer-100+zscore": {"cells": 2, "within": 2, "within_fixed": 2}}}
    assert sorted(c["pipeline"] for c in report["cells"] if c["problem"] == "mnist") == \
        ["paper-text", "paper-text", "shuffle-buffer-100+zscore", "shuffle-buffer-100+zscore"]
    text = (tmp_path / "REPORT.md").read_text()
    assert "These counts are of the paper's text (pipeline `paper-text`)" in text
    assert "| mnist | shuffle-buffer-100+zscore | 2 | 2 | 2 |" in text


def test_the_other_pipelines_tables_are_written_beside_the_papers_with_a_suffix(tmp_path):
    table = pd.DataFrame([_cell(), _cell(sample="Et", metric="nstag", ours_mean=1.0,
                                         ours_std=0.0, paper_mean=1.0, paper_std=0.0)])
    table["within_fixed"] = True
    R.save_comparison(table, "mnist", tmp_path, "shuffle-buffer-100+zscore")
    R.save_comparison(table, "mnist", tmp_path)
    names = {p.name for p in tmp_path.glob("*.csv")}
    assert names == {"table09-mnist-basins.csv", "tableB15-mnist-accuracy.csv",
                     "table09-mnist-basins-shuffle100-zscore.csv",
                     "tableB15-mnist-accuracy-shuffle100-zscore.csv"}
    other = pd.read_csv(tmp_path / "cells" / "mnist-shuffle100-zscore.csv")
    assert set(other.pipeline) == {"shuffle-buffer-100+zscore"}
    assert set(pd.read_csv(tmp_path / "cells" / "mnist.csv").pipeline) == {"paper-text"}
    assert list(pd.read_csv(tmp_path / "tableB15-mnist-accuracy.csv").columns) == \
        list(R.accuracy_table(table).columns)  # the paper's format, no pipeline column


# ------------------------------------------------------- the notebook's helpers

def _two_pipelines():
    def table(ct, cg, cg_within):
        t = pd.DataFrame([_cell(ours_mean=ct),
                          _cell(sample="Cg", ours_mean=cg, spread_min=cg, spread_max=cg,
                                paper_mean=0.573, paper_std=0.048, within=cg_within)])
        t["within_fixed"] = [True, cg_within]
        return t
    return {"paper-text": table(0.90, 0.86, False),
            "shuffle-buffer-100+zscore": table(0.99, 0.58, True)}


def test_side_by_side_puts_each_pipelines_cells_beside_the_papers():
    t = R.pipelines_side_by_side(_two_pipelines(), "accuracy").set_index("sample")
    assert t.loc["Cg", "paper"] == "0.573 (0.048)"
    assert t.loc["Cg", "ours [paper-text]"].startswith("0.86 ")
    assert t.loc["Cg", "within [paper-text]"] == "NO"
    assert t.loc["Cg", "ours [shuffle-buffer-100+zscore]"].startswith("0.58 ")
    assert t.loc["Cg", "within [shuffle-buffer-100+zscore]"] == "yes"


def test_the_gap_is_ct_minus_cg_for_the_paper_and_each_pipeline():
    gaps = R.accuracy_gaps(_two_pipelines()).iloc[0]
    assert gaps["paper"] == pytest.approx(0.998 - 0.573)
    assert gaps["paper-text"] == pytest.approx(0.90 - 0.86)
    assert gaps["shuffle-buffer-100+zscore"] == pytest.approx(0.99 - 0.58)


def test_pipeline_verdicts_count_and_name_the_cells_within():
    v = R.pipeline_verdicts(_two_pipelines()).set_index(["pipeline", "cells"])
    assert v.loc[("paper-text", "accuracy"), "within"] == 1
    assert v.loc[("paper-text", "accuracy"), "which_within"] == "Ct CE [-1, 1] micro"
    assert v.loc[("shuffle-buffer-100+zscore", "accuracy"), "within"] == 2
    assert v.loc[("shuffle-buffer-100+zscore", "basins"), "compared"] == 0
