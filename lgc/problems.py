"""The paper's seven benchmark problems: their shapes, preprocessing, splits, loading.

A problem reads its files through :mod:`lgc.datafiles` (where they come from, their
hashes, ``LGC_DATA_DIR``) and parses them with :mod:`lgc._readers`; this module
scales the inputs, makes the targets and splits the patterns.

Choices the paper leaves open, made here (docs/departures.md#d11-preprocessing-and-the-data-sets,
#d14-the-train-test-split, #d15-mnist):

* Inputs are z-scored per column over the *whole* data set (ddof 0) before the split,
  for every problem but XOR (left untouched) and MNIST (pixels / 255, see below).
  A constant column becomes all zeros rather than NaN.
* The 80/20 split permutes the patterns with ``numpy.random.default_rng(seed)`` and
  takes the first ``n_train = round(0.8 * P)`` of them for training (``0.8 * P`` never
  ends in .5 for an integer P, so the rounding is unambiguous).
* XOR trains and tests on the same four patterns.
* MNIST pixels are divided by 255 to lie in [0, 1] by default (``inputs="unit"``).
  ``inputs="zscore"`` standardises them instead, as the paper's text says of its
  inputs: each pixel is z-scored over all the patterns, training and test together
  (ddof 0), as every tabular problem's columns are; a pixel constant over them (a
  border pixel never inked) is 0 (docs/mnist-pipelines.md: with the authors' data
  pipeline, standardised pixels explain Table B.15).
  With the official training images available, MNIST uses the official 60,000 / 10,000
  split (the seed plays no part). Without them, it splits the 10,000 official test
  images 80/20 with the seed, logs a warning and says so in ``Problem.notes``.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import types

import numpy as np

from ._readers import READERS as _READERS
from ._readers import freeze as _freeze
from ._readers import read_mnist as _read_mnist
from .datafiles import MNIST_TEST, MNIST_TRAIN, data_dir, fetch, file_hashes
# re-exported for users' code written before lgc.datafiles existed (lgc itself
# imports them from lgc.datafiles)
from .datafiles import REGISTRY, download_all  # noqa: F401
from .vocabulary import n_weights

__all__ = [
    "PROBLEMS",
    "ProblemSpec",
    "Problem",
    "load_problem",
    "zscore",
    "split_indices",
    "INPUTS",
    "check_inputs",
]

logger = logging.getLogger("lgc")

TRAIN_FRACTION = 0.8
#: how MNIST's pixels reach the network: k / 255 (the default), or z-scored per
#: pixel over all the patterns. Other problems have their own fixed preprocessing
#: (the default, "unit", stands for it) and refuse "zscore".
INPUTS = ("unit", "zscore")
#: the problems whose inputs ``inputs="zscore"`` changes
ZSCORE_INPUTS = ("mnist",)


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
        Data files in :data:`lgc.datafiles.REGISTRY` the problem reads (none for XOR).
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
    ProblemSpec("mnist", 784, 10, 10, MNIST_TEST + MNIST_TRAIN, 70000, batch_size=100),
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
    inputs : str
        The input scaling asked for, one of :data:`INPUTS` ("unit": the problem's own).
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
    inputs: str = "unit"

    @property
    def dim(self) -> int:
        """Number of weights and biases: n_in*h + h + h*n_out + n_out."""
        return n_weights(self.n_in, self.hidden, self.n_out)


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


def check_inputs(name: str, inputs: str) -> str:
    """``inputs`` if problem ``name`` accepts it, else a one-line ValueError.

    >>> check_inputs("iris", "zscore")
    Traceback (most recent call last):
    ...
    ValueError: inputs='zscore' is for mnist's pixels; iris's inputs are z-scored over all its patterns already: use inputs='unit'
    """
    if inputs not in INPUTS:
        raise ValueError(f"unknown inputs {inputs!r}: choose one of {INPUTS}")
    key = str(name).lower()
    if inputs == "zscore" and key not in ZSCORE_INPUTS:
        what = "are XOR's four 0/1 patterns" if key == "xor" else \
            "are z-scored over all its patterns already"
        raise ValueError(f"inputs='zscore' is for mnist's pixels; {key}'s inputs {what}: "
                         f"use inputs='unit'")
    return inputs


def _standardised(problem: "Problem") -> "Problem":
    """MNIST with its pixels standardised per pixel over all its patterns, training
    and test together, as :func:`zscore` does for the other problems before their
    split (a column-wise z-score, so stacking the splits equals z-scoring before)."""
    n = len(problem.X_train)
    X = np.vstack([problem.X_train, problem.X_test])
    Z = zscore(X)
    constant = int(np.sum(X.max(axis=0) == X.min(axis=0)))
    scaling = (f"pixels / 255, then z-scored per pixel over all {len(X)} patterns, "
               f"training and test together (ddof 0); the {constant} pixels constant "
               f"over them (never inked) are 0")
    X_train, X_test = _freeze(np.ascontiguousarray(Z[:n]), np.ascontiguousarray(Z[n:]))
    return dataclasses.replace(problem, X_train=X_train, X_test=X_test, inputs="zscore",
                               preprocessing=problem.preprocessing.replace(_UNIT_PIXELS,
                                                                           scaling))


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


# ----------------------------------------------------------------------- loading

_UNIT_PIXELS = "pixels / 255 to [0, 1], not z-scored (many constant border pixels)"
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
        return tuple(fetch(f) for f in MNIST_TRAIN), None
    except OSError as err:  # missing in LGC_DATA_DIR (FileNotFoundError) or no download
        return None, str(err)


def _load_mnist(spec: ProblemSpec, seed: int) -> Problem:
    test_img, test_lbl = (fetch(f) for f in MNIST_TEST)  # missing: an error, no fallback
    X_t, y_t = _read_mnist(test_img, test_lbl)
    T_t = _one_hot(y_t, spec.n_out, spec.name)
    scaling = _UNIT_PIXELS
    train_files, reason = _mnist_train_files()
    if train_files is not None:
        X, y = _read_mnist(*train_files)
        return _make(spec, X, _one_hot(y, spec.n_out, spec.name), X_t, T_t, seed,
                     MNIST_TEST + MNIST_TRAIN, [],
                     f"{scaling}; official 60,000 train / 10,000 test (seed unused)",
                     "official-60k/10k")
    note = ("MNIST training images absent: using the 10,000 official test images split "
            f"80/20 (8,000 train / 2,000 test) with seed {seed}, not the official "
            f"60,000/10,000 split. Reason: {reason}")
    logger.warning(note)
    train, test = split_indices(len(X_t), seed)
    return _make(spec, X_t[train], T_t[train], X_t[test], T_t[test], seed, MNIST_TEST,
                 [note], f"{scaling}; {_SPLIT_TEXT} of the 10,000 official test images",
                 "t10k-split-80/20")


@functools.lru_cache(maxsize=32)
def _load_cached(name: str, seed: int, data_dir: str | None, inputs: str = "unit") -> Problem:
    # data_dir is part of the key only: fetch() reads LGC_DATA_DIR itself.
    if inputs == "zscore":
        return _standardised(_load_cached(name, seed, data_dir, "unit"))
    spec = PROBLEMS[name]
    if name == "xor":
        return _load_xor(spec, seed)
    if name == "mnist":
        return _load_mnist(spec, seed)
    return _load_table(spec, seed)


def load_problem(name: str, seed: int = 0, inputs: str = "unit") -> Problem:
    """Load, preprocess and split one of the paper's problems.

    Results are cached per process, keyed on (name, seed, ``LGC_DATA_DIR``, inputs);
    the arrays are read-only so the cached copy cannot be changed by a caller.

    Parameters
    ----------
    name : str
        One of ``xor, iris, diabetes, glass, cancer, heart, mnist`` (any case).
    seed : int, default 0
        Seed of the 80/20 train/test split (unused by XOR and official MNIST).
    inputs : {"unit", "zscore"}, default "unit"
        MNIST's pixels k / 255, or z-scored per pixel over all its patterns (see
        the module's docstring). Other problems accept "unit" only, which
        stands for their own preprocessing.

    Returns
    -------
    Problem

    Raises
    ------
    ValueError
        Unknown name, bad seed, inputs "zscore" for a problem other than MNIST, or a
        data file that fails its hash or format checks.
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
    check_inputs(key, inputs)
    folder = data_dir()
    problem = _load_cached(key, int(seed), str(folder) if folder else None, inputs)
    # Fresh containers so a caller's edits to notes or hashes do not reach the cache.
    return dataclasses.replace(problem, hashes=dict(problem.hashes), notes=list(problem.notes))
