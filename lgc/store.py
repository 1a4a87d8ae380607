"""Results store: one Parquet file per sample, a JSON sidecar, atomic writes.

Layout of a sample named NAME in a results folder::

    NAME.parquet        one row per (walk, step): walk, step, Et, Eg, Ct, Cg,
                        grad_norm, curvature, saturation (samples written
                        before lgc recorded it lack it), for hybrid or
                        switching walks Et_sse, Et_ce, Eg_sse, Eg_ce, and with
                        --eigenvalues lambda_min, lambda_max, n_pos, n_neg,
                        n_zero; the
                        provenance also sits in the file's schema metadata
                        under the key "lgc"
    NAME.json           the sidecar: config, seed, data hashes, lgc version,
                        timings, notes, and the Parquet file's sha256, bytes
                        and rows; written last, so its presence means the
                        sample is complete
    NAME.weights/       with --save-weights: walks-AAAAAA-BBBBBB.npy arrays of
                        shape (walks, recorded steps, d), one per chunk
    NAME.parts/         only while running: finished chunks, so that an
                        interrupted run resumes without redoing them
    .NAME.lock          held (flock) by the one run writing NAME

What survives what. Every file is written to a temporary name and renamed into
place, so a crash never leaves a half file under a final name; a later run of
the same sample removes the temporary files a killed one left. One run at a
time writes a sample: a second is refused at once (:meth:`Sample.lock`), and
the kernel releases the lock when its holder dies, however it dies. Finished
chunks are named by their walk range, and a resume keeps a set of them that do
not overlap, whatever chunk size it now uses (:meth:`Sample.usable_chunks`).
A reader checks the Parquet file against the sha256 its sidecar records and
that every (walk, step) appears exactly once (:meth:`Sample.frame`); a run
that finds a complete sample corrupted recomputes it.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import operator
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .curvature import CURVATURES, SPECTRUM
from .walks import LOSS_RECORDS

#: the columns of every sample lgc writes now; samples written before it recorded
#: the saturation lack that one and still load
COLUMNS = ("walk", "step", "Et", "Eg", "Ct", "Cg", "grad_norm", "curvature", "saturation")
_CHUNK = re.compile(r"^walks-(\d{6,})-(\d{6,})$")


class CorruptSample(ValueError):
    """A results file that does not hold what its sidecar says it holds."""


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes files private; results are not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, obj) -> Path:
    """Atomically write ``obj`` as indented, strict JSON (no NaN or Infinity)."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=_jsonable, allow_nan=False)
    return atomic_write(path, lambda tmp: tmp.write_text(text + "\n"))


def read_json(path: Path):
    """Parse a JSON file; a broken one is refused with its name."""
    try:
        return json.loads(Path(path).read_text(), parse_constant=_refuse_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptSample(f"{path} is not valid JSON ({err}); delete it and rerun "
                            f"the command that wrote it") from None


def _refuse_constant(name):
    raise json.JSONDecodeError(f"non-standard constant {name}", name, 0)


def _jsonable(x):
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"cannot write {type(x).__name__} to JSON")


def records_frame(records: dict, walk_ids) -> pd.DataFrame:
    """Long table, one row per (walk, step), from arrays of shape (walks, steps)."""
    n, steps = records["Et"].shape
    frame = pd.DataFrame({
        "walk": np.repeat(np.asarray(walk_ids, dtype=np.int32), steps),
        "step": np.tile(np.arange(steps, dtype=np.int32), n),
    })
    for name in ("Et", "Eg", "Ct", "Cg", "grad_norm"):
        frame[name] = records[name].reshape(-1)
    frame["curvature"] = pd.Categorical.from_codes(
        records["curvature"].reshape(-1).astype(np.int64), categories=list(CURVATURES))
    # recorded by walks of this lgc (saturation), of hybrid or switching losses
    # (both losses), or asked for eigenvalues; absent from older samples
    for name in ("saturation", *LOSS_RECORDS, *SPECTRUM):
        if name in records:
            frame[name] = records[name].reshape(-1)
    return frame


def write_parquet(path: Path, frame: pd.DataFrame, meta: dict | None = None) -> Path:
    """Atomically write a frame, with ``meta`` as JSON in the schema metadata.

    Pages carry CRC checksums, verified by :func:`read_parquet`.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if meta is not None:
        extra = {b"lgc": json.dumps(meta, sort_keys=True, default=_jsonable,
                                    allow_nan=False).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp,
                                                         write_page_checksum=True))


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file, checking page checksums; a broken one names itself."""
    try:
        table = pq.read_table(path, page_checksum_verification=True)
    except (OSError, pa.ArrowException) as err:
        raise CorruptSample(f"{path} is not a readable Parquet file ({err})") from None
    return table.to_pandas()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_grid(frame: pd.DataFrame, walks, steps: int, where) -> None:
    """Refuse a frame unless it holds each (walk, step) of ``walks`` x range(steps)
    exactly once, in that order (the order lgc writes and readers sort into).

    Two comparisons with the expected columns: no sort, so reading a large
    sample costs no more than the columns themselves.
    """
    walks = np.asarray(walks, dtype=np.int64)
    w, s = frame["walk"].to_numpy(), frame["step"].to_numpy()
    expected = len(walks) * steps
    if (len(frame) == expected and np.array_equal(w, np.repeat(walks, steps))
            and np.array_equal(s, np.tile(np.arange(steps), len(walks)))):
        return
    dup = int(len(frame) - len(frame[["walk", "step"]].drop_duplicates()))
    raise CorruptSample(
        f"{where} holds {len(frame)} rows ({dup} duplicated (walk, step) pairs) where "
        f"{len(walks)} walks x {steps} steps = {expected} were expected, each once, in "
        f"(walk, step) order")


def walk_range_name(walk_ids) -> str:
    """File stem naming the walks a chunk holds, e.g. walks-000064-000127."""
    return f"walks-{int(walk_ids[0]):06d}-{int(walk_ids[-1]):06d}"


def walk_range(stem: str) -> tuple[int, int] | None:
    """(first, last) walk of a chunk named by :func:`walk_range_name`, or None."""
    match = _CHUNK.match(stem)
    return (int(match[1]), int(match[2])) if match else None


def save_array(path: Path, array) -> Path:
    """Atomically save one .npy array."""
    def write(tmp):
        with open(tmp, "wb") as fh:
            np.save(fh, array)
    return atomic_write(path, write)


class Sample:
    """The files of one sample NAME in a results folder (see the module doc)."""

    def __init__(self, folder, name: str):
        self.folder = Path(folder)
        self.name = name
        self.parquet = self.folder / f"{name}.parquet"
        self.sidecar = self.folder / f"{name}.json"
        self.parts = self.folder / f"{name}.parts"
        self.weights = self.folder / f"{name}.weights"
        self.lockfile = self.folder / f".{name}.lock"
        self.walks_run = None  # set by lgc.experiment: walks the last run computed
        self._frame = None

    def is_complete(self) -> bool:
        return self.sidecar.exists() and self.parquet.exists()

    def meta(self) -> dict:
        return read_json(self.sidecar)

    def verify(self, meta: dict | None = None) -> None:
        """Refuse a sample whose Parquet file is not the one its sidecar (``meta``,
        read if not given) recorded."""
        recorded = (meta or self.meta()).get("parquet")
        if recorded is None:  # written by an lgc before sidecars held a checksum
            return
        size = self.parquet.stat().st_size
        if size != recorded["bytes"] or sha256(self.parquet) != recorded["sha256"]:
            raise CorruptSample(
                f"{self.parquet} ({size} bytes) is not the file its sidecar "
                f"{self.sidecar.name} recorded ({recorded['bytes']} bytes, sha256 "
                f"{recorded['sha256'][:12]}...); rerun the command that wrote it to "
                f"recompute it")

    def frame(self) -> pd.DataFrame:
        """The sample's records, verified and read once.

        The file must match the sha256 in the sidecar and hold each (walk,
        step) exactly once (:class:`CorruptSample` otherwise). The same frame
        is returned on every call; copy it before modifying it.
        """
        if self._frame is None:
            meta = self.meta()
            self.verify(meta)
            frame = read_parquet(self.parquet)
            config = meta.get("config", {})
            if "walks" in config and "steps" in config:
                check_grid(frame, range(config["walks"]), config["steps"], self.parquet)
            self._frame = frame
        return self._frame

    @contextmanager
    def lock(self):
        """Hold this sample's lock, or refuse at once if another run holds it.

        An flock dies with its holder (a kill -9 too), so a lock is never left
        stale. The file stays: removing it would let two runs lock two files.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lockfile, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise FileExistsError(
                f"{self.name} is being written by another lgc run (pid {holder}) in "
                f"{self.folder}; wait for it to finish, then rerun to reuse its result"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield self
        finally:
            os.close(fd)

    def clean(self) -> None:
        """Remove what a killed run left: temporary files, and the parts folder of
        a sample that was completed (a kill during the last clean-up)."""
        for pattern in (f".{self.name}.*.tmp", f"{self.name}.parts/.*.tmp"):
            for path in self.folder.glob(pattern):
                path.unlink(missing_ok=True)
        if self.is_complete() and self.parts.exists():
            shutil.rmtree(self.parts)

    def discard(self) -> None:
        """Remove a sample's results (a corrupted one, before recomputing it)."""
        self.sidecar.unlink(missing_ok=True)
        self.parquet.unlink(missing_ok=True)
        shutil.rmtree(self.weights, ignore_errors=True)
        self._frame = None

    def start(self, config: dict, same=None) -> None:
        """Open the parts folder for ``config``; refuse one left by another config.

        ``same(stored, config)`` says whether the stamp an unfinished run left is
        this config (default: equal once written as JSON).
        """
        stamp = self.parts / "config.json"
        if stamp.exists():
            old = read_json(stamp)
            new = json.loads(json.dumps(config, default=_jsonable))
            if not (same or operator.eq)(old, new):
                raise FileExistsError(
                    f"{self.parts} holds an unfinished run with other settings "
                    f"({_differences(old, new)}); rerun with those settings to resume "
                    f"it, or delete that folder to start over")
        else:
            write_json(stamp, config)

    def usable_chunks(self, walks: int, steps: int) -> dict[tuple[int, int], Path]:
        """Finished chunks to keep, by (first, last) walk: of walks 0..walks-1,
        readable, complete, and no two overlapping. The others are deleted (with their weights), so the
        walks they held are run again.

        A chunk's walks are the same whatever chunk they were run in (each walk
        has its own random stream), so keeping any non-overlapping set is safe.
        """
        kept, last = {}, -1
        for stem, path in sorted(self._chunk_files(), key=lambda sp: walk_range(sp[0])):
            first, end = walk_range(stem)
            if (first > last and end < walks
                    and self._chunk_holds(path, range(first, end + 1), steps)):
                kept[(first, end)], last = path, end
            else:
                path.unlink()
                (self.parts / f"{stem}.weights.npy").unlink(missing_ok=True)
        return kept

    def _chunk_files(self):
        for path in self.parts.glob("walks-*.parquet"):
            if walk_range(path.stem) is not None:
                yield path.stem, path

    @staticmethod
    def _chunk_holds(path: Path, walks, steps: int) -> bool:
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException):
            return False
        return rows == len(walks) * steps

    def write_chunk(self, walk_ids, records: dict) -> None:
        stem = walk_range_name(walk_ids)
        if "weights" in records:
            save_array(self.parts / f"{stem}.weights.npy", records["weights"])
        write_parquet(self.parts / f"{stem}.parquet", records_frame(records, walk_ids))

    def finish(self, meta: dict, walks: int, steps: int) -> None:
        """Merge the chunks into NAME.parquet, move weights, write the sidecar last.

        The merged frame must hold each of ``walks`` x ``steps`` once. The
        sidecar records the Parquet file's sha256, size and rows; timings go
        to the sidecar only, so the same seed gives the same Parquet bytes.
        """
        kept = self.usable_chunks(walks, steps)
        chunks = [read_parquet(kept[key]) for key in sorted(kept)]
        frame = pd.concat(chunks, ignore_index=True).sort_values(["walk", "step"],
                                                                   kind="stable")
        check_grid(frame, range(walks), steps, self.parts)
        stable = {k: v for k, v in meta.items() if k != "timings"}
        write_parquet(self.parquet, frame.reset_index(drop=True), stable)
        weight_files = sorted(self.parts.glob("walks-*.weights.npy"))
        if weight_files:
            self.weights.mkdir(exist_ok=True)
            for path in weight_files:
                os.replace(path, self.weights / path.name.replace(".weights", ""))
        meta = {**meta, "parquet": {"sha256": sha256(self.parquet), "rows": len(frame),
                                    "bytes": self.parquet.stat().st_size}}
        write_json(self.sidecar, meta)
        shutil.rmtree(self.parts)


def _differences(old: dict, new: dict) -> str:
    """The fields that differ, flattened to dotted names: 'config.steps: 20 -> 21'.
    Only the keys of ``old`` are compared."""
    a, b = _flatten(old), _flatten({k: new.get(k) for k in old})
    diff = [f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k)]
    return "; ".join(diff) or "none"


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out

