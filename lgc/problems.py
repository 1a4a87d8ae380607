"""The paper's seven benchmark problems: data files, hashes, preprocessing, splits.

Every data file is fetched through :mod:`pooch` and checked against a known hash.
Offline (as in a classroom or on a cluster), point the environment variable
``LGC_DATA_DIR`` at a folder holding the files: they are then read from there and
never downloaded. With a network and no ``LGC_DATA_DIR``, the files are downloaded once
into the user cache (``pooch.os_cache("lgc")``) from the authors' repository
(github.com/annabosman/fla-in-tf, commit b51a1fb) and a public MNIST mirror.

Choices the paper leaves open, made here (docs/departures.md#d11-preprocessing-and-the-data-sets,
#d14-the-train-test-split, #d15-mnist):

* Inputs are z-scored per column over the *whole* data set (ddof 0) before the split,
  for every problem but XOR (left untouched) and MNIST (pixels / 255, see below).
  A constant column becomes all zeros rather than NaN.
* The 80/20 split permutes the patterns with ``numpy.random.default_rng(seed)`` and
  takes the first ``n_train = round(0.8 * P)`` of them for training (``0.8 * P`` never
  ends in .5 for an integer P, so the rounding is unambiguous).
* XOR trains and tests on the same four patterns.
* MNIST pixels are divided by 255 to lie in [0, 1]; they are not z-scored, because
  many border pixels are constant or nearly so and z-scoring would blow up noise.
  With the official training images available, MNIST uses the official 60,000 / 10,000
  split (the seed plays no part). Without them, it splits the 10,000 official test
  images 80/20 with the seed, logs a warning and says so in ``Problem.notes``.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import os
import types
from pathlib import Path

import numpy as np
import pooch

from ._readers import READERS as _READERS
from ._readers import freeze as _freeze
from ._readers import read_mnist as _read_mnist
from .vocabulary import n_weights

__all__ = [
    "REGISTRY",
    "PROBLEMS",
    "ProblemSpec",
    "Problem",
    "fetch",
    "file_hashes",
    "download_all",
    "load_problem",
    "zscore",
    "split_indices",
]

logger = logging.getLogger("lgc")

ENV_VAR = "LGC_DATA_DIR"
TRAIN_FRACTION = 0.8
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

_MNIST_TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_MNIST_TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


@dataclasses.dataclass(frozen=True)
class ProblemSpec:
    """One benchmark problem's network shape and data files (paper Table 2).

    Attributes
    ----------
    name : str
        Lower-case key, as in the paper's tables.
    n_in, hidden, n_out : int
        Layer widths of the one-hidden-layer network.
    files : tuple of str
        Data files in :data:`REGISTRY` the problem reads (none for XOR).
    n_patterns : int
        Patterns in the full data set.
    batch_size : int or None
        Patterns per step for train and test losses (paper: 100 for MNIST), None for all.
    """

    name: str
    n_in: int
    hidden: int
    n_out: int
    files: tuple[str, ...]
    n_patterns: int
    batch_size: int | None = None

    @property
    def dim(self) -> int:
        """Number of weights and biases: n_in*h + h + h*n_out + n_out."""
        return n_weights(self.n_in, self.hidden, self.n_out)


#: The seven problems, with Table 2's dimensions 9, 35, 81, 150, 321, 341 and 7960.
PROBLEMS = types.MappingProxyType({s.name: s for s in (
    ProblemSpec("xor", 2, 2, 1, (), 4),
    ProblemSpec("iris", 4, 4, 3, ("iris_training.csv",), 150),
    ProblemSpec("diabetes", 8, 8, 1, ("diabetes.csv",), 768),
    ProblemSpec("glass", 9, 9, 6, ("glass.csv",), 214),
    ProblemSpec("cancer", 30, 10, 1, ("cancer.csv",), 569),
    ProblemSpec("heart", 32, 10, 1, ("heart.csv",), 920),
    ProblemSpec("mnist", 784, 10, 10, _MNIST_TEST + _MNIST_TRAIN, 70000, batch_size=100),
)})


@dataclasses.dataclass(frozen=True, eq=False)
class Problem:
    """A loaded problem: preprocessed, split, with the provenance of its data.

    Arrays are float64 and read-only. Targets ``T`` have shape (P, n_out): 0/1 for one
    output, one-hot rows for several.

    Attributes
    ----------
    name : str
    X_train, T_train, X_test, T_test : numpy.ndarray
        Inputs (P, n_in) and targets (P, n_out).
    n_in, hidden, n_out : int
    seed : int
        Seed of the train/test split.
    hashes : dict
        sha256 of each data file used.
    notes : list of str
        Plain statements of anything that departs from the paper's setting.
    batch_size : int or None
        Patterns per step (MNIST: 100), None for the whole set.
    preprocessing : str
        What was done to the inputs and how the split was made.
    source : str
        Where train and test come from, e.g. "split-80/20" or "t10k-split-80/20".
    """

    name: str
    X_train: np.ndarray = dataclasses.field(repr=False)
    T_train: np.ndarray = dataclasses.field(repr=False)
    X_test: np.ndarray = dataclasses.field(repr=False)
    T_test: np.ndarray = dataclasses.field(repr=False)
    n_in: int
    hidden: int
    n_out: int
    seed: int
    hashes: dict = dataclasses.field(repr=False)
    notes: list = dataclasses.field(repr=False)
    batch_size: int | None
    preprocessing: str = dataclasses.field(repr=False)
    source: str

    @property
    def dim(self) -> int:
        """Number of weights and biases: n_in*h + h + h*n_out + n_out."""
        return n_weights(self.n_in, self.hidden, self.n_out)


# ---------------------------------------------------------------- files and hashes

def _env_dir() -> Path | None:
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
    folder = _env_dir()
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


# ------------------------------------------------------------------- preprocessing

def zscore(X: np.ndarray) -> np.ndarray:
    """Standardise each column to mean 0 and std 1 (ddof 0); constant columns become 0.

    Examples
    --------
    >>> zscore(np.array([[1.0, 5.0], [3.0, 5.0]]))
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    X = np.asarray(X, dtype=np.float64)
    constant = X.max(axis=0) == X.min(axis=0)  # exact test: std could round to 1e-17
    std = np.where(constant, 1.0, X.std(axis=0))
    Z = (X - X.mean(axis=0)) / std
    Z[:, constant] = 0.0
    return Z


def split_indices(n: int, seed: int, train_fraction: float = TRAIN_FRACTION):
    """Seeded random split of ``range(n)``: the first ``round(train_fraction * n)``
    indices of ``default_rng(seed).permutation(n)`` train, the rest test.

    Examples
    --------
    >>> [len(part) for part in split_indices(150, seed=0)]
    [120, 30]
    """
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    return order[:n_train], order[n_train:]


def _one_hot(labels: np.ndarray, n_out: int, name: str) -> np.ndarray:
    """(P,) labels -> (P, n_out) targets: a 0/1 column for n_out == 1, else one-hot."""
    classes = np.unique(labels)
    if n_out == 1:
        if not set(classes) <= {0.0, 1.0}:
            raise ValueError(f"{name}: labels must be 0/1, got classes {classes.tolist()}")
        return labels.reshape(-1, 1).astype(np.float64)
    if len(classes) != n_out:
        raise ValueError(
            f"{name}: expected {n_out} classes, got {len(classes)}: {classes.tolist()}"
        )
    return (labels[:, None] == classes[None, :]).astype(np.float64)  # sorted order


# ----------------------------------------------------------------------- readers

# ----------------------------------------------------------------------- loading

_SPLIT_TEXT = "seeded 80/20 split, n_train = round(0.8 * P), rng = numpy default_rng(seed)"


def _make(spec, X_train, T_train, X_test, T_test, seed, files, notes, preprocessing, source):
    X_train, T_train, X_test, T_test = _freeze(
        *(np.ascontiguousarray(a, dtype=np.float64) for a in (X_train, T_train, X_test, T_test))
    )
    return Problem(
        name=spec.name, X_train=X_train, T_train=T_train, X_test=X_test, T_test=T_test,
        n_in=spec.n_in, hidden=spec.hidden, n_out=spec.n_out, seed=seed,
        hashes=file_hashes(files), notes=notes, batch_size=spec.batch_size,
        preprocessing=preprocessing, source=source,
    )


def _load_xor(spec: ProblemSpec, seed: int) -> Problem:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    return _make(spec, X, T, X.copy(), T.copy(), seed, (), [],
                 "none: the four XOR patterns, inputs 0/1", "xor-4-patterns(train=test)")


def _load_table(spec: ProblemSpec, seed: int) -> Problem:
    (path,) = (fetch(f) for f in spec.files)
    X, labels = _READERS[spec.name](path)
    if X.shape != (spec.n_patterns, spec.n_in):
        raise ValueError(
            f"{path.name}: expected {spec.n_patterns} patterns of {spec.n_in} inputs, "
            f"got {X.shape}. Fix: replace the file with the registered version."
        )
    X, T = zscore(X), _one_hot(labels, spec.n_out, spec.name)  # z-score before split
    train, test = split_indices(len(X), seed)
    preprocessing = f"z-score each input column over all {len(X)} patterns (ddof 0, " \
                    f"constant columns -> 0), then {_SPLIT_TEXT}"
    return _make(spec, X[train], T[train], X[test], T[test], seed, spec.files, [],
                 preprocessing, "split-80/20")


def _mnist_train_files():
    """Paths of the official training images and labels, or None with the reason."""
    try:
        return tuple(fetch(f) for f in _MNIST_TRAIN), None
    except OSError as err:  # missing in LGC_DATA_DIR (FileNotFoundError) or no download
        return None, str(err)


def _load_mnist(spec: ProblemSpec, seed: int) -> Problem:
    test_img, test_lbl = (fetch(f) for f in _MNIST_TEST)  # missing: an error, no fallback
    X_t, y_t = _read_mnist(test_img, test_lbl)
    T_t = _one_hot(y_t, spec.n_out, spec.name)
    scaling = "pixels / 255 to [0, 1], not z-scored (many constant border pixels)"
    train_files, reason = _mnist_train_files()
    if train_files is not None:
        X, y = _read_mnist(*train_files)
        return _make(spec, X, _one_hot(y, spec.n_out, spec.name), X_t, T_t, seed,
                     _MNIST_TEST + _MNIST_TRAIN, [],
                     f"{scaling}; official 60,000 train / 10,000 test (seed unused)",
                     "official-60k/10k")
    note = ("MNIST training images absent: using the 10,000 official test images split "
            f"80/20 (8,000 train / 2,000 test) with seed {seed}, not the official "
            f"60,000/10,000 split. Reason: {reason}")
    logger.warning(note)
    train, test = split_indices(len(X_t), seed)
    return _make(spec, X_t[train], T_t[train], X_t[test], T_t[test], seed, _MNIST_TEST,
                 [note], f"{scaling}; {_SPLIT_TEXT} of the 10,000 official test images",
                 "t10k-split-80/20")


@functools.lru_cache(maxsize=32)
def _load_cached(name: str, seed: int, data_dir: str | None) -> Problem:
    # data_dir is part of the key only: fetch() reads LGC_DATA_DIR itself.
    spec = PROBLEMS[name]
    if name == "xor":
        return _load_xor(spec, seed)
    if name == "mnist":
        return _load_mnist(spec, seed)
    return _load_table(spec, seed)


def load_problem(name: str, seed: int = 0) -> Problem:
    """Load, preprocess and split one of the paper's problems.

    Results are cached per process, keyed on (name, seed, ``LGC_DATA_DIR``); the
    arrays are read-only so the cached copy cannot be changed by a caller.

    Parameters
    ----------
    name : str
        One of ``xor, iris, diabetes, glass, cancer, heart, mnist`` (any case).
    seed : int, default 0
        Seed of the 80/20 train/test split (unused by XOR and official MNIST).

    Returns
    -------
    Problem

    Raises
    ------
    ValueError
        Unknown name, bad seed, or a data file that fails its hash or format checks.
    FileNotFoundError
        ``LGC_DATA_DIR`` is set and a needed file is not in it.

    Examples
    --------
    >>> xor = load_problem("XOR")
    >>> xor.dim, xor.X_train.shape, xor.T_train.ravel().tolist()
    (9, (4, 2), [0.0, 1.0, 1.0, 0.0])
    """
    key = str(name).lower()
    if key not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r}; known problems are {list(PROBLEMS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    folder = _env_dir()
    problem = _load_cached(key, int(seed), str(folder) if folder else None)
    # Fresh containers so a caller's edits to notes or hashes do not reach the cache.
    return dataclasses.replace(problem, hashes=dict(problem.hashes), notes=list(problem.notes))
