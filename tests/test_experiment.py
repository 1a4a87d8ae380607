"""Specification of lgc.experiment and lgc.store: results files, provenance, resume."""
import json

import numpy as np
import pandas as pd
import pytest

from lgc import experiment
from lgc.experiment import SampleConfig, run_sample
from lgc.store import COLUMNS

CFG = SampleConfig(problem="xor", loss="sse", init_range=1, granularity="macro", walks=10,
                   steps=20)


def test_sample_writes_one_row_per_walk_and_step(tmp_path):
    """The Parquet file has the documented columns and walks x steps rows."""
    frame = run_sample(CFG, tmp_path, progress=False).frame()
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 10 * 20
    assert frame.groupby("walk").step.apply(list).map(lambda s: s == list(range(20))).all()


def test_sidecar_records_config_hashes_and_version(tmp_path):
    """The JSON sidecar holds the full config, lgc version and data provenance."""
    meta = run_sample(CFG, tmp_path, progress=False).meta()
    assert meta["config"]["walks"] == 10 and meta["config"]["seed"] == 0
    assert meta["lgc_version"] and "hashes" in meta["data"] and meta["timings"]["seconds"] > 0


def test_parquet_carries_provenance_in_its_metadata(tmp_path):
    """The Parquet file alone also says what produced it."""
    import pyarrow.parquet as pq
    sample = run_sample(CFG, tmp_path, progress=False)
    meta = json.loads(pq.read_schema(sample.parquet).metadata[b"lgc"])
    assert meta["config"] == sample.meta()["config"]


def test_same_seed_gives_identical_files_whatever_the_chunk_size(tmp_path):
    """Chunking walks differently changes no number."""
    a = run_sample(CFG, tmp_path / "a", chunk_size=3, progress=False).frame()
    b = run_sample(CFG, tmp_path / "b", chunk_size=10, progress=False).frame()
    pd.testing.assert_frame_equal(a, b)


def test_same_seed_gives_identical_files_with_two_workers(tmp_path):
    """Two worker processes give the same numbers as one."""
    cfg = SampleConfig(problem="iris", loss="ce", init_range=1, granularity="macro",
                       walks=6, steps=10)
    a = run_sample(cfg, tmp_path / "a", chunk_size=2, progress=False).frame()
    b = run_sample(cfg, tmp_path / "b", chunk_size=2, workers=2, progress=False).frame()
    pd.testing.assert_frame_equal(a, b)


def _interrupted_run(monkeypatch, folder, chunk_size, crash_on):
    """Run CFG until chunk number ``crash_on`` (from 1) raises KeyboardInterrupt."""
    real, calls = experiment._run_chunk, []

    def crash(config, ids, stride, callback=None):
        calls.append(int(ids[0]))
        if len(calls) == crash_on:
            raise KeyboardInterrupt
        return real(config, ids, stride, callback)

    monkeypatch.setattr(experiment, "_run_chunk", crash)
    with pytest.raises(KeyboardInterrupt):
        run_sample(CFG, folder, chunk_size=chunk_size, progress=False)
    monkeypatch.setattr(experiment, "_run_chunk", real)


def test_interrupted_run_resumes_without_redoing_finished_walks(tmp_path, monkeypatch):
    """After a crash mid-run, a rerun computes only the missing chunks and matches."""
    _interrupted_run(monkeypatch, tmp_path / "r", chunk_size=3, crash_on=3)
    assert not (tmp_path / "r" / f"{CFG.name}.parquet").exists()
    resumed = run_sample(CFG, tmp_path / "r", chunk_size=3, progress=False)
    assert resumed.meta()["timings"]["walks_run"] == 10 - 6
    fresh = run_sample(CFG, tmp_path / "f", chunk_size=3, progress=False).frame()
    pd.testing.assert_frame_equal(resumed.frame(), fresh)


def test_leftover_parts_of_another_config_are_refused(tmp_path, monkeypatch):
    """An unfinished run with other settings is never mixed into a new one."""
    monkeypatch.setattr(experiment, "_run_chunk", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run_sample(CFG, tmp_path, progress=False)
    monkeypatch.undo()
    from dataclasses import replace
    with pytest.raises(FileExistsError) as err:
        run_sample(replace(CFG, steps=21), tmp_path, progress=False)
    message = str(err.value)
    assert "other settings (config.steps: 20 -> 21)" in message  # only what differs
    assert "delete that folder to start over" in message and "\n" not in message


def test_a_run_begun_before_a_config_field_existed_resumes(tmp_path, monkeypatch):
    """Parts stamped by an older lgc, whose config lacks a field added since (here
    eigenvalues, default False), are this config's: the run resumes from them."""
    _interrupted_run(monkeypatch, tmp_path, chunk_size=5, crash_on=2)
    stamp = tmp_path / f"{CFG.name}.parts" / "config.json"
    old = json.loads(stamp.read_text())
    del old["config"]["eigenvalues"]
    stamp.write_text(json.dumps(old))
    resumed = run_sample(CFG, tmp_path, chunk_size=5, progress=False)
    assert resumed.meta()["timings"]["walks_run"] == 5


def test_saved_weights_are_named_by_walks_and_strided(tmp_path):
    """--save-weights stores (walks, steps/stride, d) arrays named by their walk range."""
    sample = run_sample(CFG, tmp_path, chunk_size=4, weights_stride=5, progress=False)
    files = sorted(p.name for p in sample.weights.iterdir())
    assert files == ["walks-000000-000003.npy", "walks-000004-000007.npy",
                     "walks-000008-000009.npy"]
    assert np.load(sample.weights / files[0]).shape == (4, 4, 9)


def test_default_protocol_is_ten_d_walks_and_paper_steps():
    """Unset walks and steps resolve to 10 x d and 1000 (micro) / 100 (macro)."""
    cfg = SampleConfig("iris", "sse", 1, "micro").resolved(35)
    assert (cfg.walks, cfg.steps, cfg.hessian) == (350, 1000, "full")
    assert SampleConfig("mnist", "sse", 1, "macro").resolved(7960).hessian == "none"


def test_dask_cluster_gives_the_same_numbers_bit_for_bit(tmp_path):
    """Chunks run on a Dask LocalCluster give exactly the local run's Parquet."""
    distributed = pytest.importorskip("distributed")
    cfg = SampleConfig(problem="iris", loss="sse", init_range=1, granularity="macro",
                       walks=6, steps=10)
    local = run_sample(cfg, tmp_path / "local", chunk_size=2, progress=False).frame()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = run_sample(cfg, tmp_path / "dask", chunk_size=2, progress=False,
                          executor=client.get_executor()).frame()
    pd.testing.assert_frame_equal(local, dask)


def test_sample_written_before_a_new_config_field_is_reused(tmp_path):
    """A complete sample whose sidecar lacks a later-added field (at its default) is reused."""
    import json
    sample = run_sample(CFG, tmp_path, progress=False)
    meta = json.loads(sample.sidecar.read_text())
    del meta["config"]["singular"]
    sample.sidecar.write_text(json.dumps(meta))
    again = run_sample(CFG, tmp_path, progress=False)
    assert "singular" not in again.meta()["config"]  # reused, not rerun


@pytest.mark.parametrize("walks,expected", [(4, 2), (24, 12), (90, 45), (350, 44),
                                            (1500, 188)])
def test_large_samples_get_four_chunks_per_worker_small_ones_one(walks, expected):
    """With 2 workers: one chunk per worker until each of 4 would hold 32 walks, so
    big runs report progress often and small ones keep their batches whole."""
    assert experiment.chunk_walks(9, "full", walks, workers=2) == expected
