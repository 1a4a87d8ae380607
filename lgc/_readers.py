"""Readers for the benchmark files, each returning (inputs, labels) as stored.

The file formats are described in ``docs/data.md``; where the files come
from and how they are checked lives in :mod:`lgc.datafiles`, what the
problems do with the arrays (scaling, splits, targets) in :mod:`lgc.problems`.
"""
from __future__ import annotations

import functools
import gzip
from pathlib import Path

import numpy as np


def freeze(*arrays):
    """Make arrays read-only (they are cached and shared)."""
    for a in arrays:
        a.setflags(write=False)
    return arrays


def read_counted_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Files whose first line is ``P,n_in,<class names>``: (P, n_in) inputs, (P,) labels."""
    with open(path) as f:
        head = f.readline().split(",")
    n_rows, n_in = int(head[0]), int(head[1])
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if data.shape != (n_rows, n_in + 1):
        raise ValueError(
            f"{path.name}: header promises {n_rows} rows of {n_in} inputs + label, "
            f"got shape {data.shape}"
        )
    return data[:, :-1], data[:, -1]


def read_heart(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return data[:, :-1], data[:, -1]


def read_cancer(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Header row; columns id, diagnosis (M = 1, B = 0), 30 features; trailing comma."""
    lines = path.read_text().splitlines()
    header = [h.strip('"') for h in lines[0].rstrip(",").split(",")]
    if header[:2] != ["id", "diagnosis"]:
        raise ValueError(f"{path.name}: expected columns id, diagnosis first, got {header[:2]}")
    rows = [line.rstrip(",").split(",") for line in lines[1:] if line.strip()]
    diagnosis = {"M": 1.0, "B": 0.0}
    labels = np.array([diagnosis[r[1]] for r in rows])
    X = np.array([[float(v) for v in r[2:]] for r in rows])
    return X, labels


READERS = {
    "iris": read_counted_csv,
    "diabetes": read_counted_csv,
    "glass": read_counted_csv,
    "heart": read_heart,
    "cancer": read_cancer,
}


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read a gzipped IDX file of unsigned bytes (2049: labels, 2051: 28x28 images)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(
            f"{path.name}: IDX magic number {found}, expected {magic}; "
            "not an MNIST file of that kind. Fix: replace it with the official file."
        )
    ndim = magic - 2048
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)) or (ndim == 3 and shape[1:] != (28, 28)):
        raise ValueError(f"{path.name}: header shape {shape} does not fit {body.size} bytes")
    return body.reshape(shape)


@functools.lru_cache(maxsize=4)  # official MNIST is ~380 MB as float64: share it across seeds
def read_mnist(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read-only (P, 784) pixels / 255 in [0, 1] and (P,) labels 0..9."""
    X = read_idx(images, 2051)
    y = read_idx(labels, 2049)
    if len(X) != len(y):
        raise ValueError(f"{images.name} has {len(X)} images but {labels.name} {len(y)} labels")
    return freeze(X.reshape(len(X), -1) / 255.0, y.astype(np.float64))
