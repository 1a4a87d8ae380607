"""Which patterns a walk's losses see at each step (Section 5.2).

A problem without a batch size (every problem but MNIST) shows every walk the
whole training and test set at every step. MNIST (``batch_size`` 100) shows
each walk a mini-batch of B training and B test patterns per step, served by
one of the pipelines of :data:`lgc.vocabulary.BATCH_PIPELINES`:

``"random"``
    The paper's text (Section 5.2) and the default: at every step each walk
    draws B distinct patterns uniformly from the whole split, from its own
    random stream (``Generator.choice(P, B, replace=False)``).
``"first-fixed"``
    The first B patterns of each split, the same at every step and for every
    walk.
``"shuffle-buffer"``
    ``Dataset.from_tensor_slices(data).shuffle(N).repeat().batch(B)`` whose
    iterator is re-initialised before every step, as the authors' TensorFlow
    program does (docs/mnist-pipelines.md), emulated. tf.data's shuffle keeps
    a buffer of up to N elements. Before each element it serves, it tops the
    buffer up with the next elements of its input, in order, until it holds N
    or the input is exhausted; it then serves one buffer element chosen
    uniformly at random and removes it. ``repeat`` starts a freshly filled
    buffer only once the buffer of an epoch is empty, and ``batch(B)`` groups B
    consecutive elements. A re-initialised iterator consumes one batch, so
    draw k = 0, ..., B - 1 picks uniformly among the min(N, P - k) patterns
    then in the buffer: the first min(N + k, P) patterns less the k already
    served. The first draw comes from the first N patterns, the whole batch
    from the first N + B - 1; with N >= P the batch is a uniform random subset
    in random order (the "random" pipeline's law), with N = B = P a
    permutation of the split. The choices come from the walk's own stream.

The draws of a walk depend only on (seed, walk), never on which walks share
its batch or its tile. Nothing here changes the patterns themselves.
"""
from __future__ import annotations

import functools
import weakref

import numpy as np

from . import vocabulary
from ._arrays import namespace
from .vocabulary import BATCH_PIPELINES

#: the pipeline of the paper's text, and lgc's default
DEFAULT_PIPELINE = BATCH_PIPELINES[0]
#: N of the "shuffle-buffer" pipeline: the authors' later MNIST script's shuffle(1000)
DEFAULT_BUFFER = 1000
#: decoded mini-batches of one tile of walks stay below this: a few MB fit in cache
_TILE_BYTES = 8e6
#: a GPU has no cache to fit: its tiles only bound the memory the batches take
_DEVICE_TILE_BYTES = 1e9


def check_pipeline(batch_size: int | None, pipeline: str, name: str = "this problem") -> None:
    """Raise a one-line ValueError when ``pipeline`` is unknown, or is not the
    default on a problem that has no mini-batches (``batch_size`` None).

    >>> check_pipeline(None, "first-fixed", "iris")
    Traceback (most recent call last):
    ...
    ValueError: batches='first-fixed' needs a problem with mini-batches (mnist); iris shows every walk all its patterns: use batches='random'
    """
    vocabulary.check("batch pipeline", pipeline, BATCH_PIPELINES)
    if not batch_size and pipeline != DEFAULT_PIPELINE:
        raise ValueError(f"batches={pipeline!r} needs a problem with mini-batches (mnist); "
                         f"{name} shows every walk all its patterns: use "
                         f"batches={DEFAULT_PIPELINE!r}")


def shuffle_buffer_rows(rngs, n_rows: int, size: int, buffer: int) -> np.ndarray:
    """Row numbers (walks, size) of the first batch of a re-initialised
    ``shuffle(buffer).repeat().batch(size)`` over ``n_rows`` patterns, one row
    per walk from its generator in ``rngs`` (see the module's docstring).

    A buffer of one serves the patterns in order:

    >>> shuffle_buffer_rows([np.random.default_rng(0)], 10, 4, buffer=1).tolist()
    [[0, 1, 2, 3]]
    """
    if not 1 <= size <= n_rows:
        raise ValueError(f"a batch of {size} patterns needs 1 to {n_rows}; got {size}")
    if buffer < 1:
        raise ValueError(f"shuffle_buffer must be at least 1; got {buffer!r}")
    # draw k chooses among the min(buffer, n_rows - k) patterns the buffer then holds
    held = np.minimum(buffer, n_rows - np.arange(size))
    choices = np.stack([rng.integers(0, held) for rng in rngs])
    slots = np.tile(np.arange(held[0]), (len(rngs), 1))  # buffer slot -> row number
    out = np.empty((len(rngs), size), dtype=np.int64)
    walks = np.arange(len(rngs))
    for k, j in enumerate(choices.T):
        out[:, k] = slots[walks, j]
        # the next pattern in order takes the served one's place; once the input
        # is exhausted the buffer shrinks: its last held slot moves into the gap
        refill = buffer + k
        slots[walks, j] = refill if refill < n_rows else slots[walks, held[k] - 1]
    return out


def random_rows(rngs, n_rows: int, size: int, buffer=None) -> np.ndarray:
    """Row numbers (walks, size): ``size`` distinct rows of ``n_rows`` per walk,
    uniformly from its generator in ``rngs`` (the "random" pipeline)."""
    return np.stack([r.choice(n_rows, size, replace=False) for r in rngs])


#: the pipelines that give every walk its own batch, and how they draw its rows
_PER_WALK_ROWS = {"random": random_rows, "shuffle-buffer": shuffle_buffer_rows}

_CODES = {}  # id(X) -> (weak reference to X, its bytes or None): once per array


def _pixel_codes(X):
    """X as bytes k when X is exactly k / 255 (MNIST's pixels), else None."""
    known = _CODES.get(id(X))
    if known is not None and known[0]() is X:
        return known[1]
    codes = np.rint(X * 255.0)
    exact = codes.min() >= 0 and codes.max() <= 255 and np.array_equal(codes / 255.0, X)
    codes = codes.astype(np.uint8) if exact else None
    _CODES[id(X)] = (weakref.ref(X), codes)
    return codes


def _take_rows(A, index):
    """A[index] for a numpy array (m, size) of row numbers: (m, size, columns)."""
    xp = namespace(A)
    rows = xp.take(A, xp.asarray(index.reshape(-1)), axis=0)
    return xp.reshape(rows, index.shape + A.shape[1:])


class _Rows:
    """Gathers rows of X for many mini-batches.

    MNIST's inputs are pixels k / 255 (k a byte). Gathering 100 rows of 784
    float64 per walk and step moved 8x more memory than the pixels hold and
    dominated the step; so in numpy, when X is exactly k / 255, the bytes k are
    gathered into one reused buffer and divided by 255 again, which gives the
    very same float64 values. Any other X (MNIST's z-scored pixels,
    ``inputs="zscore"``) is gathered as it is, and so is X in other array
    libraries.
    """

    def __init__(self, X, n: int, size: int, dtype=np.float64, xp=np):
        self.codes = _pixel_codes(X) if xp is np else None
        if self.codes is None:
            self.X = xp.asarray(np.asarray(X, dtype=dtype))
        else:
            self.out = np.empty((n, size, X.shape[1]), dtype=dtype)
            self.scale = self.out.dtype.type(255)  # k / 255 rounded once, in the buffer's type

    def take(self, index):
        """X[index] for a numpy array index (m <= n, size) of row numbers."""
        if self.codes is None:
            return _take_rows(self.X, index)
        out = self.out[:len(index)]
        for rows, walk in zip(index, out):  # a walk's bytes, then its floats, in cache
            np.divide(self.codes[rows], self.scale, out=walk)
        return out


class _Batches:
    """One mini-batch per walk and step, its row numbers drawn from the walk's stream.

    The walks are evaluated a tile at a time (:func:`tiles`): a tile's decoded
    batches are still in cache when the gradient's product X^T delta reads
    them again, where all walks' batches (about 1.25 MB a walk) would not be.
    """

    def __init__(self, problem, rngs, size: int, tile: int, dtype=np.float64, xp=np,
                 pipeline: str = DEFAULT_PIPELINE, buffer: int = DEFAULT_BUFFER):
        if pipeline not in _PER_WALK_ROWS:
            raise ValueError(f"batch pipeline {pipeline!r} gives no per-walk batches; "
                             f"those that do: {tuple(_PER_WALK_ROWS)}")
        self.rngs, self.size = rngs, size
        self.rows = functools.partial(_PER_WALK_ROWS[pipeline], size=size, buffer=buffer)
        self.train = _Rows(problem.X_train, tile, size, dtype, xp)
        self.test = _Rows(problem.X_test, tile, size, dtype, xp)
        self.T_train = xp.asarray(np.asarray(problem.T_train, dtype=dtype))
        self.T_test = xp.asarray(np.asarray(problem.T_test, dtype=dtype))

    def draw(self, walks: slice):
        """(X_train, T_train, X_test, T_test) batches of these walks, (walks, size, .);
        valid until the next draw."""
        rngs = self.rngs[walks]
        it = self.rows(rngs, self.T_train.shape[0])
        ig = self.rows(rngs, self.T_test.shape[0])
        return (self.train.take(it), _take_rows(self.T_train, it),
                self.test.take(ig), _take_rows(self.T_test, ig))


def tiles(n: int, problem, itemsize: int = 8, budget: float | None = None) -> list:
    """Slices of the n walks evaluated together: all of them, but for mini-batches
    (MNIST) tiles whose two batches fit in ``budget`` bytes (default _TILE_BYTES)."""
    size = getattr(problem, "batch_size", None)
    if not size:
        return [slice(0, n)]
    per_walk = 2 * size * problem.X_train.shape[1] * itemsize
    k = max(1, int((budget or _TILE_BYTES) // per_walk))
    return [slice(a, min(a + k, n)) for a in range(0, n, k)]


def patterns(problem, rngs, pipeline: str = DEFAULT_PIPELINE, buffer: int = DEFAULT_BUFFER,
             dtype=np.float64, xp=np):
    """(tiles, draw) of a batch of walks: the slices of walks evaluated together,
    and ``draw(tile) -> (X_train, T_train, X_test, T_test)``, what those walks
    see at this step, converted to ``dtype`` in the array library ``xp``.

    ``rngs`` are the walks' batch streams, one per walk. Without a batch size
    every walk sees the whole data set; "first-fixed" shows all walks the
    first B patterns (one shared array, like a whole data set); "random" and
    "shuffle-buffer" give each walk its own (walks, B, .) batch.
    """
    size = getattr(problem, "batch_size", None)
    check_pipeline(size, pipeline, getattr(problem, "name", "this problem"))
    n = len(rngs)
    if size and pipeline != "first-fixed":
        walk_tiles = tiles(n, problem, np.dtype(dtype).itemsize,
                           None if xp is np else _DEVICE_TILE_BYTES)
        return walk_tiles, _Batches(problem, rngs, size, walk_tiles[0].stop, dtype, xp,
                                    pipeline, buffer).draw
    rows = slice(0, size)  # first-fixed: the first B patterns; no batch size: all
    data = tuple(xp.asarray(np.asarray(a[rows], dtype)) for a in (
        problem.X_train, problem.T_train, problem.X_test, problem.T_test))
    return [slice(0, n)], lambda walks: data
