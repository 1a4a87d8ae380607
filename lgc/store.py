"""Results store: one Parquet file per sample, a JSON sidecar, atomic writes.

Layout of a sample named NAME in a results folder::

    NAME.parquet        one row per (walk, step): walk, step, Et, Eg, Ct, Cg,
                        grad_norm, curvature (and with --eigenvalues
                        lambda_min, lambda_max, n_pos, n_neg, n_zero); the
                        provenance also sits in the file's schema metadata
                        under the key "lgc"
    NAME.json           the sidecar: config, seed, data hashes, lgc version,
                        timings, notes; written last, so its presence means
                        the sample is complete
    NAME.weights/       with --save-weights: walks-AAAAAA-BBBBBB.npy arrays of
                        shape (walks, recorded steps, d), one per chunk
    NAME.parts/         only while running: finished chunks, so that an
                        interrupted run resumes without redoing them

Every file is written to a temporary name and renamed into place, so a crash
never leaves a half file under a final name.
"""
from __future__ import annotations

import json
import operator
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .curvature import CURVATURES, SPECTRUM

COLUMNS = ("walk", "step", "Et", "Eg", "Ct", "Cg", "grad_norm", "curvature")


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
    """Atomically write ``obj`` as indented JSON."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=_jsonable)
    return atomic_write(path, lambda tmp: tmp.write_text(text + "\n"))


def read_json(path: Path):
    return json.loads(Path(path).read_text())


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
    for name in SPECTRUM:  # recorded when the walks were asked for eigenvalues
        if name in records:
            frame[name] = records[name].reshape(-1)
    return frame


def write_parquet(path: Path, frame: pd.DataFrame, meta: dict | None = None) -> Path:
    """Atomically write a frame, with ``meta`` as JSON in the schema metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if meta is not None:
        extra = {b"lgc": json.dumps(meta, sort_keys=True, default=_jsonable).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def read_parquet(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def walk_range_name(walk_ids) -> str:
    """File stem naming the walks a chunk holds, e.g. walks-000064-000127."""
    return f"walks-{int(walk_ids[0]):06d}-{int(walk_ids[-1]):06d}"


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
        self._frame = None

    def is_complete(self) -> bool:
        return self.sidecar.exists() and self.parquet.exists()

    def meta(self) -> dict:
        return read_json(self.sidecar)

    def frame(self) -> pd.DataFrame:
        """The sample's records, read once: a complete sample's files never change.

        The same frame is returned on every call; copy it before modifying it.
        """
        if self._frame is None:
            self._frame = read_parquet(self.parquet)
        return self._frame

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
                    f"{self.parts} holds an unfinished run with different settings "
                    f"({_differences(old, config)}); choose another output folder or "
                    f"delete that folder to start over")
        else:
            write_json(stamp, config)

    def done_chunks(self) -> dict[str, Path]:
        """Finished chunk files by walk-range stem."""
        return {p.stem: p for p in sorted(self.parts.glob("walks-*.parquet"))}

    def write_chunk(self, walk_ids, records: dict) -> None:
        stem = walk_range_name(walk_ids)
        if "weights" in records:
            save_array(self.parts / f"{stem}.weights.npy", records["weights"])
        write_parquet(self.parts / f"{stem}.parquet", records_frame(records, walk_ids))

    def finish(self, meta: dict) -> None:
        """Merge the chunks into NAME.parquet, move weights, write the sidecar last."""
        chunks = [read_parquet(p) for p in self.done_chunks().values()]
        frame = pd.concat(chunks, ignore_index=True).sort_values(["walk", "step"],
                                                                   kind="stable")
        write_parquet(self.parquet, frame.reset_index(drop=True), meta)
        weight_files = sorted(self.parts.glob("walks-*.weights.npy"))
        if weight_files:
            self.weights.mkdir(exist_ok=True)
            for path in weight_files:
                os.replace(path, self.weights / path.name.replace(".weights", ""))
        write_json(self.sidecar, meta)
        for path in self.parts.iterdir():
            path.unlink()
        self.parts.rmdir()


def _differences(old: dict, new: dict) -> str:
    keys = sorted(set(old) | set(new))
    diff = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]
    return "; ".join(diff) or "none"
