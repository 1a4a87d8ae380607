"""Specification of the command line (lgc and python -m lgc)."""
import os
import subprocess
import sys

import pytest

from lgc.cli import main

RUN = ["run", "--problem", "xor", "--loss", "sse", "--range", "1", "--granularity", "macro",
       "--walks", "4", "--steps", "100", "--quiet"]


@pytest.mark.parametrize("bad,message", [
    (["--problem", "spam"], "unknown problem 'spam'"),
    (["--steps", "0"], "--steps: must be at least 1"),
    (["--walks", "-3"], "--walks: must be at least 1"),
    (["--loss", "mse"], "invalid choice: 'mse'"),
    (["--range", "-1"], "--range: must be a positive"),
    (["--backend", "jax"], "invalid choice: 'jax'"),
])
def test_bad_arguments_exit_nonzero_with_one_line(bad, message, tmp_path, capsys):
    """Bad arguments fail before any work, with one clear line."""
    args = RUN + ["--out", str(tmp_path)]
    for flag in bad[::2]:
        if flag in args:
            i = args.index(flag)
            del args[i:i + 2]
    with pytest.raises(SystemExit) as exit_:
        main(args + bad)
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and message in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_run_then_basins_prints_ours_beside_the_paper(tmp_path, capsys):
    """lgc run writes a sample; lgc basins prints nstag/lstag and the paper's numbers."""
    assert main(RUN + ["--out", str(tmp_path)]) == 0
    assert main(["basins", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "nstag" in out and "lstag" in out and "1.3333 (0.49441)" in out  # paper, XOR SSE r1 macro


def test_run_on_another_array_backend_names_it_in_the_file_and_its_config(tmp_path):
    """lgc run --backend: a result of another library never passes for numpy's."""
    import json
    args = RUN + ["--hessian", "none", "--backend", "array_api_strict", "--workers", "1"]
    assert main(args + ["--out", str(tmp_path)]) == 0
    sidecar = tmp_path / "xor-sse-r1-macro-seed0-split0-array_api_strict.json"
    assert json.loads(sidecar.read_text())["config"]["backend"] == "array_api_strict"


def test_run_with_eigenvalues_stores_them_beside_the_records_under_their_own_name(
        tmp_path):
    """lgc run --eigenvalues: the sample's Parquet has the spectrum columns, its name
    and config say so, and it is read back like any other sample."""
    import json
    import pandas as pd
    assert main(RUN + ["--eigenvalues", "--workers", "1", "--out", str(tmp_path)]) == 0
    name = "xor-sse-r1-macro-seed0-split0-eigenvalues"
    frame = pd.read_parquet(tmp_path / f"{name}.parquet")
    assert {"lambda_min", "lambda_max", "n_pos", "n_neg", "n_zero"} <= set(frame.columns)
    assert (frame["lambda_min"] <= frame["lambda_max"]).all() and len(frame) == 4 * 100
    assert json.loads((tmp_path / f"{name}.json").read_text())["config"]["eigenvalues"]
    assert main(["basins", str(tmp_path)]) == 0


def test_eigenvalues_without_a_hessian_fail_with_one_line(tmp_path, capsys):
    """--eigenvalues with --hessian none is refused before any work, saying why."""
    assert main(RUN + ["--hessian", "none", "--eigenvalues", "--out", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert "eigenvalues=True needs a Hessian; got hessian='none'" in err
    assert len(err.splitlines()) == 1 and not any(tmp_path.iterdir())


def test_basins_on_an_empty_folder_fails_clearly(tmp_path, capsys):
    """lgc basins on a folder with no samples exits 1 and says why."""
    assert main(["basins", str(tmp_path)]) == 1
    assert "no complete samples" in capsys.readouterr().err


def test_python_dash_m_runs_the_same_cli():
    """python -m lgc is the same command line."""
    out = subprocess.run([sys.executable, "-m", "lgc", "problems"], capture_output=True,
                         text=True, env=os.environ.copy(), check=True).stdout
    assert "heart" in out and "d = 341" in out


def test_estimate_prints_a_prediction_per_sample(capsys):
    """lgc estimate calibrates and prints each sample's predicted time and a total."""
    assert main(["estimate", "--preset", "tiny", "--problems", "xor", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "predicted_s" in out and "total:" in out and out.count("xor") == 8


def test_estimate_on_another_backend_times_walks_there_in_its_chunks(capsys, monkeypatch):
    """lgc estimate --backend (cupy on a GPU) calibrates with the walks in that library,
    in chunks as large as a run there makes them."""
    import lgc.estimate
    seen = []
    real = lgc.estimate.progressive_gradient_walk
    monkeypatch.setattr(lgc.estimate, "progressive_gradient_walk", lambda p, s, ids, **kw: (
        seen.append((s.backend, len(ids))), real(p, s, ids, **kw))[1])
    assert main(["estimate", "--preset", "paper", "--problems", "iris", "--workers", "1",
                 "--backend", "array_api_strict"]) == 0
    assert "total:" in capsys.readouterr().out
    # all of Iris's 350 walks in one chunk, where numpy's chunks hold 256
    assert {b for b, _ in seen} == {"array_api_strict"} and max(n for _, n in seen) == 350


def test_reproduce_on_another_backend_runs_every_sample_there_with_numpys_verdicts(
        tmp_path, capsys):
    """lgc reproduce --backend (cupy on a GPU): every sample of the section runs in
    that library, under its own file names, and the comparison with the paper reads
    as numpy's."""
    base = ["reproduce", "--problem", "iris", "--preset", "tiny", "--workers", "1"]
    assert main(base + ["--results", str(tmp_path / "np")]) == 0
    ours = capsys.readouterr().out
    assert main(base + ["--results", str(tmp_path / "xp"), "--backend", "array_api_strict"]) == 0
    assert capsys.readouterr().out == ours
    names = sorted(p.name for p in (tmp_path / "xp" / "tiny").glob("*.parquet"))
    assert len(names) == 16 and all(n.endswith("-array_api_strict.parquet") for n in names)


def test_run_with_dask_scheduler_matches_local_run(tmp_path):
    """lgc run --scheduler ADDRESS on a loopback cluster writes the local run's numbers."""
    import pandas as pd
    distributed = pytest.importorskip("distributed")
    args = RUN + ["--chunk-size", "2", "--workers", "1"]
    assert main(args + ["--out", str(tmp_path / "local")]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert main(args + ["--out", str(tmp_path / "dask"),
                            "--scheduler", cluster.scheduler_address]) == 0
    name = "xor-sse-r1-macro-seed0-split0.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "local" / name),
                                  pd.read_parquet(tmp_path / "dask" / name))


def test_basins_shows_no_paper_value_for_walks_of_another_length(tmp_path, capsys):
    """nstag/lstag depend on walk length: shorter walks are not set beside the paper."""
    args = [a if a != "100" else "40" for a in RUN]
    assert main(args + ["--out", str(tmp_path)]) == 0
    assert main(["basins", str(tmp_path)]) == 0
    assert "0.49441" not in capsys.readouterr().out


def test_estimate_calibrates_each_task_in_every_worker_at_once():
    """calibrate with 2 workers gives one positive cost per task, in the tasks' order,
    and a failing task is an error rather than a worker left waiting."""
    from lgc.estimate import calibrate
    costs = calibrate([("xor", "full", 16), ("xor", "none", 16)], workers=2)
    assert len(costs) == 2 and all(c > 0 for c in costs)
    with pytest.raises(ValueError, match="unknown Hessian mode"):
        calibrate([("xor", "diagonal", 16)], workers=2)


def test_version_and_examples_are_printed(capsys):
    """lgc --version names the installed version; lgc run --help shows an example."""
    import lgc
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"lgc {lgc.__version__}"
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "examples:\n  lgc run --problem" in capsys.readouterr().out


def test_run_ends_with_one_summary_line_and_the_next_command(tmp_path, capsys):
    """Without --quiet, lgc run prints the file (stdout) and one line on stderr saying
    what the sample holds and what to run next."""
    args = [a for a in RUN if a != "--quiet"] + ["--workers", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith(".parquet")
    last = err.strip().splitlines()[-1]
    assert last.startswith("lgc run: 4 walks x 100 steps (4 run in ")
    assert last.endswith(f"next: lgc basins {tmp_path}")
    assert main(args) == 0
    assert "(complete already: reused)" in capsys.readouterr().err
