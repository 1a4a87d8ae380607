"""Specification of `lgc fla` and lgc.landscape: FLA measures of stored samples."""
import logging

import numpy as np
import pandas as pd
import pytest

from lgc import fla
from lgc.cli import main
from lgc.store import Sample

RUN = ["run", "--problem", "xor", "--loss", "sse", "--range", "10", "--walks", "4",
       "--steps", "20", "--workers", "1", "--quiet"]
MICRO = "xor-sse-r10-micro-seed0-split0"
MACRO = "xor-sse-r10-macro-seed0-split0"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two tiny real samples: micro with its weights saved, macro without."""
    out = tmp_path_factory.mktemp("fla")
    assert main(RUN + ["--granularity", "micro", "--save-weights", "--out", str(out)]) == 0
    assert main(RUN + ["--granularity", "macro", "--out", str(out)]) == 0
    assert main(["fla", str(out)]) == 0
    return out


def _et(folder, name) -> np.ndarray:
    """Et as (walks, steps), read from the Parquet file by pandas alone."""
    frame = pd.read_parquet(folder / f"{name}.parquet")
    return frame.pivot(index="walk", columns="step", values="Et").to_numpy()


def test_fla_csv_has_its_columns_and_one_row_per_sample_metric_and_variant(folder):
    """fla.csv: sample, metric, variant, mean, std; FEM named by granularity; M1 and M2
    in both variants; FDC only where weights were saved; no gradient measure for
    gradient walks."""
    table = pd.read_csv(folder / "fla.csv")
    assert list(table.columns) == ["sample", "metric", "variant", "mean", "std"]
    assert not table.duplicated(["sample", "metric", "variant"]).any()
    keys = set(zip(table["sample"], table["metric"], table["variant"]))
    expected = {(s, m, v) for s, g in ((MICRO, "micro"), (MACRO, "macro"))
                for m in (f"fem_{g}", "m1", "m2") for v in ("published", "authors")}
    expected.add((MICRO, "fdc", "-"))
    assert keys == expected


@pytest.mark.parametrize("name", [MICRO, MACRO])
@pytest.mark.parametrize("variant", ["published", "authors"])
def test_fla_csv_values_are_the_measures_of_the_stored_walks(folder, name, variant):
    """Each mean and std is lgc.fla's measure applied to each stored walk of Et, then
    averaged over walks (std with ddof 0)."""
    Et = _et(folder, name)
    assert Et.shape == (4, 20)
    table = pd.read_csv(folder / "fla.csv").set_index(["sample", "metric", "variant"])
    granularity = name.split("-")[3]
    for metric, measure in ((f"fem_{granularity}", fla.fem), ("m1", fla.m1), ("m2", fla.m2)):
        values = np.array([measure(walk, variant) for walk in Et])
        row = table.loc[(name, metric, variant)]
        assert row["mean"] == pytest.approx(values.mean(), abs=1e-15)
        assert row["std"] == pytest.approx(values.std(), abs=1e-15)


def test_fdc_pairs_each_saved_weight_vector_with_its_loss(folder):
    """FDC of a walk correlates Et at each saved point with that point's distance to
    the walk's lowest-loss point (numpy's Pearson r, by hand)."""
    Et = _et(folder, MICRO)
    W = np.concatenate([np.load(p) for p in sorted((folder / f"{MICRO}.weights").glob("*.npy"))])
    assert W.shape == (4, 20, 9)
    r = []
    for w, f in zip(W, Et):
        d = np.sqrt(((w - w[np.argmin(f)]) ** 2).sum(axis=1))
        r.append(np.corrcoef(f, d)[0, 1])
    row = pd.read_csv(folder / "fla.csv").query("sample == @MICRO and metric == 'fdc'")
    assert row["mean"].item() == pytest.approx(np.mean(r), abs=1e-12)


def test_fla_prints_the_measures_beside_nstag_and_lstag(folder, capsys):
    """The printed table has each sample's FEM, M1, M2 and Et's nstag and lstag."""
    assert main(["fla", str(folder)]) == 0
    out = capsys.readouterr().out
    for word in ("fem_micro", "fem_macro", "m1", "m2", "nstag (Et)", "lstag (Et)", MICRO):
        assert word in out


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_fla_on_a_bad_folder_fails_with_one_line(tmp_path, capsys, make):
    """A folder that is not there, or holds no sample: exit 1, one line, no fla.csv."""
    folder = tmp_path / "nothing" if make == "missing" else tmp_path
    assert main(["fla", str(folder)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(folder) in err
    assert not (tmp_path / "fla.csv").exists()


def test_a_corrupt_sample_is_skipped_with_a_warning_naming_it(folder, tmp_path, caplog):
    """A Parquet file that is not what its sidecar recorded is left out, by name; the
    other samples are still measured."""
    import shutil
    for name in (MICRO, MACRO):
        for ext in (".json", ".parquet"):
            shutil.copy(folder / f"{name}{ext}", tmp_path / f"{name}{ext}")
    with open(tmp_path / f"{MACRO}.parquet", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\0" * 8)
    with caplog.at_level(logging.WARNING, logger="lgc"):
        assert main(["fla", str(tmp_path)]) == 0
    assert any(MACRO in r.getMessage() for r in caplog.records)
    table = pd.read_csv(tmp_path / "fla.csv")
    assert set(table["sample"]) == {MICRO}


def test_companions_give_one_row_per_sample_with_its_fem_m1_m2(folder):
    """The helper the notebooks print beside a cloud: per sample, mean (std) over walks
    of FEM, M1 and M2 of Et in the chosen variant."""
    from lgc.landscape import companions
    table = companions([Sample(folder, MICRO), Sample(folder, MACRO)], variant="published")
    assert list(table["granularity"]) == ["micro", "macro"]
    Et = _et(folder, MACRO)
    fem = np.array([fla.fem(w) for w in Et])
    assert table.loc[1, "fem"] == f"{fem.mean():.4f} ({fem.std():.4f})"
    with pytest.raises(ValueError, match="unknown variant 'paper'"):
        companions([Sample(folder, MICRO)], variant="paper")


# ------------------------------------------------------- walks of GECCO'18 in lgc run

MANHATTAN = "xor-sse-r10-macro-seed0-split0-manhattan"


@pytest.fixture(scope="module")
def manhattan(tmp_path_factory):
    out = tmp_path_factory.mktemp("manhattan")
    assert main(RUN + ["--granularity", "macro", "--walk", "manhattan", "--save-weights",
                       "--out", str(out)]) == 0
    assert main(["fla", str(out)]) == 0
    return out


def test_a_manhattan_run_moves_one_weight_by_exactly_s_per_step_inside_the_bounds(manhattan):
    """lgc run --walk manhattan --range 10 --granularity macro: s = 2, b = 10."""
    W = np.load(manhattan / f"{MANHATTAN}.weights" / "walks-000000-000003.npy")
    moves = np.abs(np.diff(W, axis=1))
    assert np.allclose(np.sort(moves, axis=2)[:, :, -1], 2.0)
    assert (np.count_nonzero(moves > 1e-9, axis=2) == 1).all()
    assert np.abs(W).max() <= 10.0


def test_fla_gives_the_gradient_measures_of_manhattan_walks(manhattan):
    """G_avg, G_dev of each stored walk by the formula of Malan & Engelbrecht 2013 with
    n = 9, s = 2, b = 10, written out here: mean and std of |df / range| / (s / (2 n b))."""
    Et = _et(manhattan, MANHATTAN)
    g = np.abs(np.diff(Et, axis=1) / np.ptp(Et, axis=1, keepdims=True)) / (2.0 / (2 * 9 * 10))
    table = pd.read_csv(manhattan / "fla.csv").set_index(["sample", "metric", "variant"])
    assert table.loc[(MANHATTAN, "gavg", "-"), "mean"] == pytest.approx(g.mean(axis=1).mean())
    assert table.loc[(MANHATTAN, "gdev", "-"), "mean"] == pytest.approx(g.std(axis=1).mean())


def test_a_random_walk_sample_is_the_same_whatever_the_workers_and_chunks(tmp_path):
    """lgc run --walk random: 1 worker in chunks of 2 walks, or 2 workers in chunks of 3,
    write the same Parquet bytes."""
    name = "xor-sse-r10-micro-seed0-split0-random.parquet"
    for sub, extra in (("a", ["--chunk-size", "2"]), ("b", ["--chunk-size", "3"])):
        args = [a for a in RUN if a not in ("--workers", "1")]
        workers = ["--workers", "1"] if sub == "a" else ["--workers", "2"]
        assert main(args + workers + extra + ["--granularity", "micro", "--walk", "random",
                                              "--out", str(tmp_path / sub)]) == 0
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_bound_below_the_range_fails_before_any_file_is_written(tmp_path, capsys):
    assert main(RUN + ["--granularity", "micro", "--walk", "random", "--bound", "5",
                       "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert "init_range must be at most the bound b = 5.0" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()
