"""The data files of the benchmark problems: where they come from, their hashes, fetching.

This module is the data's provenance. Every file a problem reads is listed in
:data:`REGISTRY` with a known hash, fetched through :mod:`pooch` and checked
against that hash before anything reads it (docs/data.md describes each file).
Offline (as in a classroom or on a cluster), point the environment variable
``LGC_DATA_DIR`` at a folder holding the files: they are then read from there and
never downloaded. With a network and no ``LGC_DATA_DIR``, the files are downloaded once
into the user cache (``pooch.os_cache("lgc")``) from the authors' repository
(github.com/annabosman/fla-in-tf, commit b51a1fb) and a public MNIST mirror.

What the problems do with the files (parsing, scaling, splits) lives in
:mod:`lgc._readers` and :mod:`lgc.problems`.
"""
from __future__ import annotations

import os
import types
from pathlib import Path

import pooch

__all__ = ["ENV_VAR", "REGISTRY", "MNIST_TEST", "MNIST_TRAIN", "data_dir", "fetch",
           "file_hashes", "download_all"]

ENV_VAR = "LGC_DATA_DIR"
_CSV_URL = (
    "https://raw.githubusercontent.com/annabosman/fla-in-tf/"
    "b51a1fb7ed484c57f447b7e6f3de08eb96fb2920/data/input/"
)
_MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

#: Known hash of every data file ("alg:hex"), as pooch wants it.
REGISTRY = types.MappingProxyType({
    "cancer.csv": "sha256:1425d9affa78ba8e53afc81d0ef8a19069ee10c4b21fe89b3cf514071b12ee33",
    "diabetes.csv": "sha256:58c24703efd5f20292cdb5de9d1f0bf0240bc4cb977e467643168947dea9eaea",
    "glass.csv": "sha256:9f0d18fad1ddea73f62f491d666a813ea4a96bddfda46b91318eb20110d6a5ce",
    "heart.csv": "sha256:3648813c955b894641bc0869636eb499cba22b412a3ce290f3c0050f05fed00f",
    "iris_training.csv": "sha256:59338155bd4b28662231091824b3ecd56404b2a004ec2f6599a1c041f1ab61a4",
    "t10k-images-idx3-ubyte.gz": "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "train-labels-idx1-ubyte.gz": "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    # Only the md5 of the canonical file is known here: pooch checks md5 as well.
    "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
})
_URLS = {name: (_MNIST_URL if name.endswith(".gz") else _CSV_URL) + name for name in REGISTRY}

#: the official MNIST files: 10,000 test images and labels, 60,000 training ones
MNIST_TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MNIST_TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


def data_dir() -> Path | None:
    """The folder named by ``LGC_DATA_DIR``, or None when it is unset or empty."""
    value = os.environ.get(ENV_VAR)
    return Path(value) if value else None


def _check_registered(name: str) -> None:
    if name not in REGISTRY:
        raise ValueError(
            f"unknown data file {name!r}; known files are {sorted(REGISTRY)}. "
            "Fix: use one of those names."
        )


def _verify(path: Path, name: str) -> None:
    """Raise ValueError if the file at `path` does not have the registered hash."""
    alg, expected = REGISTRY[name].split(":")
    actual = pooch.file_hash(str(path), alg=alg)
    if actual != expected:
        raise ValueError(
            f"{alg} hash of data file {name!r} at {path} does not match: "
            f"expected {expected}, got {actual}. The file is corrupted or a different "
            "version. Fix: replace it with a fresh copy (or delete it and unset "
            f"{ENV_VAR} so it is downloaded again)."
        )


def fetch(name: str) -> Path:
    """Return the local path of a data file, downloading it if needed.

    With ``LGC_DATA_DIR`` set, the file must be in that folder: nothing is downloaded.
    Otherwise it is downloaded once into ``pooch.os_cache("lgc")``. Either way the
    file's hash is checked against :data:`REGISTRY`.

    Parameters
    ----------
    name : str
        A file name from :data:`REGISTRY`, e.g. ``"iris_training.csv"``.

    Returns
    -------
    pathlib.Path
        The verified local file.

    Raises
    ------
    FileNotFoundError
        ``LGC_DATA_DIR`` is set and the file is not in it.
    ValueError
        Unknown name, or the file's hash differs from the registered one.
    OSError
        The download failed.
    """
    _check_registered(name)
    folder = data_dir()
    if folder is not None:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"data file {name!r} is not in {ENV_VAR}={folder}. Fix: copy {name} "
                f"into that folder, or unset {ENV_VAR} to download it from {_URLS[name]}."
            )
        _verify(path, name)
    store = pooch.create(
        path=pooch.os_cache("lgc"), base_url=_CSV_URL, registry=dict(REGISTRY),
        urls=_URLS, env=ENV_VAR, retry_if_failed=2,
    )
    try:
        return Path(store.fetch(name))
    except ValueError as err:  # pooch: hash of the downloaded file differs
        raise ValueError(
            f"downloaded data file {name!r} failed its hash check ({err}). Fix: delete "
            f"{store.path / name} and try again, or set {ENV_VAR} to a verified copy."
        ) from err
    except OSError as err:
        raise OSError(
            f"could not get data file {name!r} from {_URLS[name]} into {store.path}: "
            f"{err}. Fix: check the network, or download the file elsewhere and set "
            f"{ENV_VAR} to the folder holding it."
        ) from err


def file_hashes(names) -> dict:
    """Return ``{file name: sha256}`` of the local copies of `names`, for provenance.

    Parameters
    ----------
    names : iterable of str
        File names from :data:`REGISTRY`; each is fetched (and verified) first.

    Returns
    -------
    dict
        sha256 hex digest per file name.
    """
    return {name: pooch.file_hash(str(fetch(name)), alg="sha256") for name in names}


def download_all() -> dict:
    """Fetch every registered data file, e.g. to prepare a machine for going offline.

    Returns
    -------
    dict
        ``{file name: pathlib.Path}``. Copy that folder and point ``LGC_DATA_DIR`` at it.
    """
    return {name: fetch(name) for name in REGISTRY}
