"""What the results store survives: kills at every phase, concurrent runs, other
chunking, corrupted and truncated files, full and read-only disks, dead workers.

Each test does to a run what a hostile world does, then asserts that no walk is
lost or duplicated, that the final data equal an uninterrupted run's, and that
where the user must act they get one clear line.
"""
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from lgc import experiment, store
from lgc.cli import main
from lgc.experiment import SampleConfig, run_sample
from lgc.report import samples_table, walk_matrix
from lgc.store import CorruptSample, Sample

CFG = SampleConfig(problem="xor", loss="sse", init_range=1, granularity="macro", walks=12,
                   steps=25)
ROWS = 12 * 25
ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of CFG: its frame and its Parquet bytes."""
    sample = run_sample(CFG, tmp_path_factory.mktemp("reference"), chunk_size=12,
                        progress=False)
    return sample.frame(), sample.parquet.read_bytes()


def _assert_whole(sample: Sample, reference):
    """No walk lost or duplicated, and the very data (and bytes) of a clean run."""
    frame = Sample(sample.folder, sample.name).frame()
    assert len(frame) == ROWS
    pd.testing.assert_frame_equal(frame, reference[0])
    assert sample.parquet.read_bytes() == reference[1]
    leftovers = [p.name for p in sample.folder.iterdir()
                 if p.name.endswith(".tmp") or p.name.endswith(".parts")]
    assert leftovers == []


def _python(code: str, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


# -- kill -9 at every phase ---------------------------------------------------------

_KILL = """
import os, signal, shutil
from lgc import experiment, store
from lgc.experiment import SampleConfig, run_sample
CFG = SampleConfig(problem="xor", loss="sse", init_range=1, granularity="macro",
                   walks=12, steps=25)
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
calls = []
def after(n, real):
    def wrapped(*a, **k):
        calls.append(1)
        if len(calls) == n:
            die()
        return real(*a, **k)
    return wrapped
{patch}
run_sample(CFG, {folder!r}, chunk_size=4, progress=False)
"""

PHASES = {
    "during a chunk": "experiment._run_chunk = after(2, experiment._run_chunk)",
    "between chunks": "store.Sample.write_chunk = lambda *a, _w=store.Sample.write_chunk: "
                      "(_w(*a), calls.append(1), len(calls) == 2 and die())",
    "during the merge": "real = store.pq.write_table\n"
                        "def half(table, where, **k):\n"
                        "    real(table, where, **k)\n"
                        "    if 'parts' not in str(where):\n"
                        "        open(where, 'r+b').truncate(100); die()\n"
                        "store.pq.write_table = half",
    "between Parquet and JSON": "real = store.write_json\n"
                                "store.write_json = lambda p, o: die() "
                                "if str(p).endswith('0.json') else real(p, o)",
    "during cleanup": "real = shutil.rmtree\n"
                      "def part(path, *a, **k):\n"
                      "    next(p for p in sorted(path.iterdir())).unlink(); die()\n"
                      "store.shutil.rmtree = part",
}


@pytest.mark.parametrize("phase", PHASES)
def test_kill_at_any_phase_then_rerun_gives_the_uninterrupted_files(phase, tmp_path,
                                                                      reference):
    """kill -9 anywhere; the same command (here with another chunk size) completes the
    sample with every walk once, the data and bytes of an uninterrupted run."""
    done = _python(_KILL.format(patch=PHASES[phase], folder=str(tmp_path)))
    assert done.returncode == -signal.SIGKILL, done.stderr
    sample = run_sample(CFG, tmp_path, chunk_size=5, progress=False)
    _assert_whole(sample, reference)


# -- resumes with other chunking ------------------------------------------------------

def _interrupt_after(monkeypatch, folder, chunk_size, chunks_done):
    real, calls = experiment._run_chunk, []

    def crash(config, ids, stride, callback=None):
        if len(calls) == chunks_done:
            raise KeyboardInterrupt
        calls.append(1)
        return real(config, ids, stride, callback)

    monkeypatch.setattr(experiment, "_run_chunk", crash)
    with pytest.raises(KeyboardInterrupt):
        run_sample(CFG, folder, chunk_size=chunk_size, progress=False)
    monkeypatch.setattr(experiment, "_run_chunk", real)


@pytest.mark.parametrize("first,then", [(3, 5), (5, 3), (2, 12), (7, None)])
def test_resume_with_another_chunk_size_reuses_walks_and_duplicates_none(
        first, then, tmp_path, monkeypatch, reference):
    """Finished walks are reused whatever the new chunking, never run twice."""
    _interrupt_after(monkeypatch, tmp_path, first, chunks_done=1)
    sample = run_sample(CFG, tmp_path, chunk_size=then, workers=2 if then is None else 1,
                        progress=False)
    assert sample.meta()["timings"]["walks_run"] == 12 - first
    _assert_whole(sample, reference)


def test_overlapping_chunks_left_in_parts_are_never_merged(tmp_path, monkeypatch,
                                                           reference):
    """Parts holding walks 0-3 and 2-5 (an older lgc's resume) give each walk once."""
    _interrupt_after(monkeypatch, tmp_path, 4, chunks_done=1)
    parts = tmp_path / f"{CFG.name}.parts"
    frame = pd.read_parquet(parts / "walks-000000-000003.parquet")
    store.write_parquet(parts / "walks-000002-000005.parquet",
                        frame.assign(walk=frame.walk + 2))
    _assert_whole(run_sample(CFG, tmp_path, chunk_size=4, progress=False), reference)


def test_same_seed_gives_byte_identical_parquet_whatever_the_workers(tmp_path, reference):
    """Timings live in the sidecar only: one worker or two, the same file."""
    two = run_sample(CFG, tmp_path, chunk_size=3, workers=2, progress=False)
    assert two.parquet.read_bytes() == reference[1]
    assert two.meta()["timings"]["workers"] == 2


# -- concurrent runs ------------------------------------------------------------------

def test_a_second_writer_of_a_sample_is_refused_in_one_line(tmp_path):
    """While one run holds a sample, another is refused at once, naming the holder."""
    with Sample(tmp_path, "s").lock():
        with pytest.raises(FileExistsError) as err:
            with Sample(tmp_path, "s").lock():
                pass
    assert f"another lgc run (pid {os.getpid()})" in str(err.value)
    assert "\n" not in str(err.value)
    with Sample(tmp_path, "s").lock():  # released on exit
        pass


def test_a_lock_dies_with_its_holder(tmp_path):
    """A run killed with -9 leaves no lock behind: the next run proceeds."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom lgc.store import Sample\n"
         f"with Sample({str(tmp_path)!r}, 's').lock():\n"
         "    print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(FileExistsError):
        with Sample(tmp_path, "s").lock():
            pass
    holder.kill()
    holder.wait()
    with Sample(tmp_path, "s").lock():
        pass


def test_two_identical_commands_at_once_lose_no_walk(tmp_path):
    """Two `lgc run` into one folder: one writes, the other says why it did not;
    the sample holds all its walks."""
    cmd = [sys.executable, "-m", "lgc", "run", "--problem", "iris", "--loss", "sse",
           "--range", "1", "--granularity", "macro", "--walks", "16", "--steps", "200",
           "--chunk-size", "2", "--workers", "1", "--quiet", "--out", str(tmp_path)]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    name = "iris-sse-r1-macro-seed0-split0"
    _wait_for(lambda: (tmp_path / f"{name}.parts" / "config.json").exists())
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert "being written by another lgc run" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    frame = Sample(tmp_path, name).frame()
    assert frame.walk.nunique() == 16 and len(frame) == 16 * 200


def _wait_for(condition, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


# -- corrupted files ------------------------------------------------------------------

def test_a_zero_byte_parquet_is_refused_on_read_and_recomputed(tmp_path, reference):
    """A zero-byte NAME.parquet beside its sidecar is not complete: reading it names
    the file, and a rerun recomputes every walk."""
    sample = run_sample(CFG, tmp_path, progress=False)
    sample.parquet.write_bytes(b"")
    with pytest.raises(CorruptSample, match=sample.parquet.name):
        Sample(tmp_path, sample.name).frame()
    again = run_sample(CFG, tmp_path, progress=False)
    assert again.meta()["timings"]["walks_run"] == 12
    _assert_whole(again, reference)


def test_flipped_bytes_in_a_data_page_are_caught(tmp_path, reference, caplog):
    """8 flipped bytes in the Parquet: readers refuse it, lgc basins skips it saying
    so, a rerun recomputes it."""
    sample = run_sample(CFG, tmp_path, progress=False)
    data = bytearray(sample.parquet.read_bytes())
    for i in range(200, 208):
        data[i] ^= 0xFF
    sample.parquet.write_bytes(bytes(data))
    with pytest.raises(CorruptSample, match="sha256"):
        Sample(tmp_path, sample.name).frame()
    with pytest.raises(FileNotFoundError):
        samples_table(tmp_path)
    assert f"skipped {sample.name}" in caplog.text
    _assert_whole(run_sample(CFG, tmp_path, progress=False), reference)


def test_a_truncated_sidecar_is_named_and_recomputed(tmp_path, reference, caplog):
    """A half-written JSON names its file; the rerun recomputes the sample."""
    sample = run_sample(CFG, tmp_path, progress=False)
    sample.sidecar.write_text(sample.sidecar.read_text()[:40])
    with pytest.raises(CorruptSample, match=sample.sidecar.name):
        Sample(tmp_path, sample.name).meta()
    _assert_whole(run_sample(CFG, tmp_path, progress=False), reference)
    assert "recomputing" in caplog.text


def test_readers_refuse_duplicated_walk_steps():
    """walk_matrix never reshapes a frame that holds a (walk, step) twice."""
    frame = pd.DataFrame({"walk": [0, 0, 0, 1, 1, 1], "step": [0, 1, 1, 0, 1, 2],
                          "Et": range(6)})
    with pytest.raises(CorruptSample, match="1 duplicated"):
        walk_matrix(frame, "Et")


def test_sidecars_are_strict_json(tmp_path):
    """No NaN or Infinity ever reaches a sidecar: strict parsers read every one."""
    with pytest.raises(ValueError):
        store.write_json(tmp_path / "x.json", {"rtol": float("inf")})
    assert not (tmp_path / "x.json").exists()
    sample = run_sample(CFG, tmp_path, progress=False)

    def refuse(name):
        raise AssertionError(name)
    json.loads(sample.sidecar.read_text(), parse_constant=refuse)


# -- full and read-only disks, dead workers ---------------------------------------------

@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["full", "read-only"])
def test_a_disk_that_refuses_writes_keeps_finished_walks(code, tmp_path, monkeypatch,
                                                         capsys, reference):
    """The disk fails on the third chunk: one line, no temporary file left, the
    finished chunks kept, and the rerun completes the sample."""
    real, calls = store.pq.write_table, []

    def refuse(table, where, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            Path(where).write_bytes(b"partial")
            raise OSError(code, os.strerror(code))
        return real(table, where, **kwargs)

    monkeypatch.setattr(store.pq, "write_table", refuse)
    args = ["run", "--problem", "xor", "--loss", "sse", "--range", "1", "--granularity",
            "macro", "--walks", "12", "--steps", "25", "--chunk-size", "4", "--workers",
            "1", "--quiet", "--out", str(tmp_path)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert os.strerror(code) in err and len(err.splitlines()) == 1
    parts = tmp_path / f"{CFG.name}.parts"
    assert sorted(p.name for p in parts.iterdir()) == [
        "config.json", "walks-000000-000003.parquet", "walks-000004-000007.parquet"]
    monkeypatch.setattr(store.pq, "write_table", real)
    _assert_whole(run_sample(CFG, tmp_path, chunk_size=4, progress=False), reference)


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_pool_run(tmp_path):
    cmd = [sys.executable, "-m", "lgc", "run", "--problem", "iris", "--loss", "ce",
           "--range", "1", "--granularity", "micro", "--walks", "8", "--steps", "4000",
           "--chunk-size", "2", "--workers", "2", "--quiet", "--out", str(tmp_path)]
    run = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    _wait_for(lambda: len([c for c in _children(run.pid) if _is_worker(c)]) == 2)
    return run


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    """kill -9 of the main process: its workers and resource tracker exit too."""
    run = _start_pool_run(tmp_path)
    children = _children(run.pid)
    run.kill()
    run.wait()
    _wait_for(lambda: not any(_alive(c) for c in children), timeout=20)


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_sigterm_stops_a_run_like_ctrl_c(tmp_path):
    """SIGTERM: one line saying finished walks are kept, and no worker left behind."""
    run = _start_pool_run(tmp_path)
    children = _children(run.pid)
    run.terminate()
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130
    assert err.strip().splitlines() == [
        "lgc: interrupted; finished walks are kept, rerun the same command to resume"]
    _wait_for(lambda: not any(_alive(c) for c in children), timeout=20)


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_a_dead_worker_is_reported_in_one_line_and_the_rerun_completes(tmp_path):
    """A worker killed (say by the OOM killer): one line, then the rerun completes."""
    run = _start_pool_run(tmp_path)
    os.kill(next(c for c in _children(run.pid) if _is_worker(c)), signal.SIGKILL)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 1
    assert "a worker process died" in err and len(err.strip().splitlines()) == 1


# -- bad input: one line, nothing written ---------------------------------------------

RUN = ["run", "--problem", "xor", "--loss", "sse", "--range", "1", "--granularity", "macro",
       "--walks", "4", "--steps", "30", "--workers", "1", "--quiet"]


@pytest.mark.parametrize("bad,message", [
    (["--range", "1e308"], "init_range must be a positive number at most"),
    (["--steps", str(10**12)], "more than this machine's"),
    (["--walks", str(10**12)], "more than this machine's"),
    (["--rtol", "-1"], "rtol must be a finite number >= 0"),
    (["--rtol", "nan"], "rtol must be a finite number >= 0"),
    (["--rtol", "inf"], "rtol must be a finite number >= 0"),
    (["--scheduler", "notaurl"], "scheduler address must be a URL"),
    (["--weights-stride", "5"], "--weights-stride 5 needs --save-weights"),
])
def test_bad_values_get_one_line_before_any_file_is_written(bad, message, tmp_path,
                                                            capsys):
    """Values the walk would only reject later are refused up front."""
    args = list(RUN)
    for flag in bad[::2]:
        if flag in args:
            del args[args.index(flag):args.index(flag) + 2]
    assert main(args + bad + ["--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_a_missing_array_library_is_one_line(tmp_path, capsys):
    """--backend cupy where CuPy is not installed: one line saying how to get it."""
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed here")
    except ImportError:
        pass
    assert main(RUN + ["--backend", "cupy", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "'cupy' is not installed" in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv,message", [
    (["estimate", "--problems", "foo"], "unknown problem 'foo'"),
    (["estimate", "--problems", ""], "is not a comma-separated list of problems"),
    (RUN + ["--out", ""], "--out: must name a folder"),
])
def test_bad_arguments_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and message in err and len(err.splitlines()) == 1


def test_a_corrected_command_is_not_blocked_by_the_bad_one(tmp_path):
    """A bad --rtol leaves no stamp, so the corrected command simply runs."""
    assert main(RUN + ["--rtol", "-1", "--out", str(tmp_path)]) == 1
    assert main(RUN + ["--rtol", "1e-12", "--out", str(tmp_path)]) == 0


# -- lgc basins on mixed folders ----------------------------------------------------------

def test_basins_names_what_it_skips_and_counts_walks_from_the_data(tmp_path, monkeypatch,
                                                                   caplog):
    """An interrupted sample and a too-short one are named, not silently dropped; the
    others are summarised with walks counted in their data."""
    run_sample(CFG, tmp_path, progress=False)
    run_sample(replace(CFG, steps=10), tmp_path / "short", progress=False)
    for p in (tmp_path / "short").iterdir():
        p.rename(tmp_path / p.name.replace("split0", "split0-short"))
    other = replace(CFG, seed=1)
    _interrupt_after_config(monkeypatch, tmp_path, other)
    table = samples_table(tmp_path)
    assert set(table.walks) == {12} and set(table.steps) == {25}
    assert f"skipped {other.name}: not complete" in caplog.text
    assert "skipped xor-sse-r1-macro-seed0-split0-short" in caplog.text


def _interrupt_after_config(monkeypatch, folder, config):
    real = experiment._run_chunk
    calls = []

    def crash(cfg, ids, stride, callback=None):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return real(cfg, ids, stride, callback)

    monkeypatch.setattr(experiment, "_run_chunk", crash)
    with pytest.raises(KeyboardInterrupt):
        run_sample(config, folder, chunk_size=4, progress=False)
    monkeypatch.setattr(experiment, "_run_chunk", real)
