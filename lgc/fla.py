"""Fitness landscape analysis measures of recorded walks (GECCO'18, Table 2).

Pure functions of the sequence of fitness values f_0, ..., f_{T-1} that one walk
recorded (and, for fitness-distance correlation, of its positions). Bosman,
Engelbrecht & Helbig (GECCO'18 Companion, doi 10.1145/3205651.3208247) report
the first entropic measure (FEM) for ruggedness and the neutrality measures M1
and M2 of walks of two granularities; a micro FEM and a macro FEM are the same
:func:`fem` applied to a micro walk and to a macro walk.

FEM, M1 and M2 come in two variants (``variant=``):

``"published"``
    the measures as their papers define them;
``"authors"``
    as the authors' program (github.com/annabosman/fla-in-tf, ``fla_metrics.py``)
    computes them, re-implemented here from the facts of that program: FEM's
    entropy sums five of the six kinds of symbol pairs, leaves the string's
    last pair out, finds eps* in powers of ten down to 1% of its order and
    scans eps in steps of eps*/20; M1 and M2 are taken of the walk's fitness
    *differences* scaled to [0, 1], and M2 drops a neutral run that reaches
    the walk's end.

docs/fla.md sets the definitions side by side. Every function here checks its
input: a walk must be one-dimensional, finite and long enough, and a variant
must be one of :data:`VARIANTS`; anything else raises a one-line ValueError.
"""
from __future__ import annotations

import math

import numpy as np

VARIANTS = ("published", "authors")
#: Malan & Engelbrecht's (2009) schedule of eps, as fractions of eps*
FEM_SCHEDULE = (0.0, 1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0)
#: the authors' program scans eps over [0, eps*) in steps of this fraction of eps*
AUTHORS_FEM_INCREMENT = 0.05
#: neutrality threshold eps of the authors' program (on a sequence scaled to [0, 1])
NEUTRAL_EPS = 1e-8

# A pair (p, q) of symbols in {-1, 0, 1} is coded 3 (p + 1) + (q + 1), 0..8; the
# six unequal pairs are all but 0 (-1-1), 4 (00) and 8 (11).
_UNEQUAL = np.array([1, 2, 3, 5, 6, 7])
_DOWN_UP = 2  # the pair "-1 then 1", which the authors' sum leaves out
_AUTHORS_KINDS = _UNEQUAL[_UNEQUAL != _DOWN_UP]


def _check_variant(variant) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: choose one of {VARIANTS}")
    return variant


def _walk(f, least: int, what: str = "walk") -> np.ndarray:
    """f as a 1-D float array of at least ``least`` finite values, else ValueError."""
    f = np.asarray(f, dtype=float)
    if f.ndim != 1:
        raise ValueError(f"a {what} must be a 1-D sequence of fitness values; got shape "
                         f"{f.shape} (use per_walk for a batch)")
    if len(f) < least:
        raise ValueError(f"a {what} needs at least {least} fitness values here; got "
                         f"{len(f)}")
    if not np.isfinite(f).all():
        bad = int(np.flatnonzero(~np.isfinite(f))[0])
        raise ValueError(f"fitness values must be finite: f[{bad}] = {f[bad]}")
    return f


def _nonnegative(eps, name: str = "eps") -> float:
    if not (isinstance(eps, (int, float, np.number)) and math.isfinite(eps) and eps >= 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {eps!r}")
    return float(eps)


# ----------------------------------------------------------------------------- FEM

def symbols(f, eps: float) -> np.ndarray:
    """The symbol string S(eps) of a walk: one symbol in {-1, 0, 1} per step.

    s_t = -1 if f_t - f_{t-1} < -eps, 1 if it is > eps, and 0 otherwise
    (Vassilev, Fogarty & Miller 2000, Section 3; Malan & Engelbrecht 2009,
    Section III).

    Parameters
    ----------
    f : array (T,)
        Fitness values of one walk, T >= 2.
    eps : float
        Threshold >= 0 below which a change counts as no change.

    Returns
    -------
    int8 array (T - 1,)

    Examples
    --------
    >>> symbols([0.0, 1.0, 1.0, 0.5, 0.4], 0.2).tolist()
    [1, 0, -1, 0]
    """
    d = np.diff(_walk(f, 2))
    eps = _nonnegative(eps)
    return ((d > eps).astype(np.int8) - (d < -eps).astype(np.int8))


def _pair_counts(S: np.ndarray) -> np.ndarray:
    """How often each of the nine pairs (S_t, S_{t+1}) occurs, by code 3(p+1)+(q+1)."""
    codes = 3 * (S[:-1].astype(np.intp) + 1) + (S[1:] + 1)
    return np.bincount(codes, minlength=9)


def entropy(S, variant: str = "published") -> float:
    """Entropy H of a symbol string: how varied its changes of symbol are.

    ``"published"`` (Vassilev, Fogarty & Miller 2000, Eq. 1; Malan & Engelbrecht
    2009, Eq. 2): H = -sum over the six pairs pq with p != q of
    P[pq] log_6 P[pq], with P[pq] the share of the string's n - 1 consecutive
    pairs (s_t, s_{t+1}) that are pq (n symbols). Zero for a string without a
    change of symbol, at most 1.

    ``"authors"`` (the authors' ``compute_h``): the pairs are counted over
    (s_1, s_2) ... (s_{n-2}, s_{n-1}) only (the last pair is left out, and the
    shares are of those n - 2 pairs), and the sum runs over five kinds: the pair
    -1 then 1 is never added. An alternating string -1, 1, -1, ... thus has
    about half the published entropy (0.193 against log_6 2 = 0.387).

    Parameters
    ----------
    S : array of {-1, 0, 1}, (n,)
        A symbol string (:func:`symbols`); n >= 2 (published) or n >= 3 (authors).
    variant : {"published", "authors"}

    Examples
    --------
    >>> round(entropy([-1, 1, -1, 1, -1]), 5)  # two kinds, two pairs each: log_6 2
    0.38685
    >>> round(entropy([-1, 1, -1, 1, -1], "authors"), 5)  # 1, -1 once in three pairs
    0.20438
    """
    variant = _check_variant(variant)
    S = np.asarray(S)
    least = 2 if variant == "published" else 3
    if S.ndim != 1 or len(S) < least or not np.isin(S, (-1, 0, 1)).all():
        raise ValueError(f"a symbol string must be 1-D, of at least {least} symbols in "
                         f"{{-1, 0, 1}} for variant {variant!r}; got {S!r}")
    S = S.astype(np.int8)
    if variant == "published":
        counts, kinds = _pair_counts(S), _UNEQUAL
    else:
        counts, kinds = _pair_counts(S[:-1]), _AUTHORS_KINDS
    P = counts[kinds] / counts.sum()
    P = P[P > 0]
    return float(0.0 - np.sum(P * np.log(P)) / np.log(6))  # 0.0, not -0.0, for no pairs


def epsilon_star(f, variant: str = "published") -> float:
    """eps*: the smallest eps for which the walk's symbol string is all zeros.

    ``"published"`` (Vassilev, Fogarty & Miller 2000; Malan & Engelbrecht 2009,
    Section III): exactly max_t |f_t - f_{t-1}|.

    ``"authors"`` (the authors' ``get_epsilon_star``): a search that tries
    eps = 0, 10, 100, ... until the string is flat at 10^k, then walks down
    one power of ten at a time, stepping up from below by that power, down to
    steps of 10^(k-2). So eps* is max |f_t - f_{t-1}| rounded *up* to a multiple
    of 10^(k-2): for differences below 10, to a multiple of 0.1 (the running sum
    of the steps, rounded as floats add).

    Examples
    --------
    >>> epsilon_star([0.0, 0.02, 0.01])
    0.02
    >>> round(epsilon_star([0.0, 0.02, 0.01], "authors"), 12)
    0.1
    >>> round(epsilon_star([0.0, 0.35, 0.3], "authors"), 12)
    0.4
    """
    variant = _check_variant(variant)
    largest = float(np.max(np.abs(np.diff(_walk(f, 2)))))
    if variant == "published" or largest == 0:
        return largest
    if largest > 1e300:  # its powers of ten would overflow
        raise ValueError(f"the authors' eps* search needs changes of at most 1e300; got "
                         f"{largest:g}")

    def flat(eps):  # all |d| <= eps, the symbols' zero band
        return largest <= eps

    eps, step, order = 0.0, 10.0, 0
    while not flat(eps):  # find the order: eps = 10, 100, ...
        eps = step
        order += 1
        step *= 10.0
    step /= 10.0
    smallest = 0.01 * 10.0 ** order
    while True:  # refine: from the last flat eps, back one step, finer steps upward
        if flat(eps):
            if step <= smallest:
                return eps
            eps -= step
            step /= 10.0
            eps += step
        else:
            eps += step


def fem_schedule(eps_star: float, variant: str = "published") -> np.ndarray:
    """The values of eps at which :func:`fem` evaluates the entropy.

    ``"published"`` (Malan & Engelbrecht 2009, Section III):
    {0, eps*/128, eps*/64, ..., eps*/2, eps*}. ``"authors"``: 0, eps*/20,
    2 eps*/20, ... below eps* (numpy.arange(0, eps*, 0.05 eps*)).

    Examples
    --------
    >>> fem_schedule(1.0).tolist()
    [0.0, 0.0078125, 0.015625, 0.03125, 0.0625, 0.125, 0.25, 0.5, 1.0]
    >>> len(fem_schedule(1.0, "authors"))
    20
    """
    variant = _check_variant(variant)
    eps_star = _nonnegative(eps_star, "eps*")
    if variant == "published":
        return eps_star * np.array(FEM_SCHEDULE)
    if eps_star == 0:
        return np.zeros(1)
    return np.arange(0.0, eps_star, AUTHORS_FEM_INCREMENT * eps_star)


def fem(f, variant: str = "published") -> float:
    """First entropic measure of ruggedness, FEM = max over eps of H(S(eps)).

    The information content H of Vassilev, Fogarty & Miller (2000, 2003), made
    a ruggedness measure of continuous landscapes by Malan & Engelbrecht
    (CEC 2009, "Quantifying ruggedness of continuous landscapes using
    entropy"): the maximum of :func:`entropy` of :func:`symbols` over the eps
    of :func:`fem_schedule` up to :func:`epsilon_star`. 0 for a walk whose
    fitness never changes or changes in one direction only; near 1 for a
    maximally rugged one. Applied to a walk of micro steps it is FEM_0.01
    (``fem_micro``), to a walk of macro steps FEM_0.1 (``fem_macro``); GECCO'18
    Table 2 reports both.

    Parameters
    ----------
    f : array (T,)
        Fitness values of one walk: T >= 3 (published) or T >= 4 (authors).
    variant : {"published", "authors"}
        ``"authors"`` takes eps*, the schedule and the entropy as the authors'
        program does (see those functions).

    Examples
    --------
    >>> fem([0.0, 1.0, 2.0, 3.0])  # smooth: one kind of symbol
    0.0
    >>> round(fem([1.0, 0.0, 1.0, 0.0, 1.0, 0.0]), 5)  # down-up-down-up-down
    0.38685
    """
    variant = _check_variant(variant)
    f = _walk(f, 3 if variant == "published" else 4)
    eps_star = epsilon_star(f, variant)
    if eps_star == 0:  # a flat walk: every S(eps) is all zeros
        return 0.0
    return max(entropy(symbols(f, eps), variant) for eps in fem_schedule(eps_star, variant))


# ------------------------------------------------------------------------ neutrality

def _neutral_windows(f, variant: str, eps) -> np.ndarray:
    """Whether each 3-point window of the (published) walk or (authors) of its
    scaled differences is neutral: its range is at most eps."""
    variant = _check_variant(variant)
    eps = _nonnegative(NEUTRAL_EPS if eps is None else eps)
    x = _walk(f, 3 if variant == "published" else 4)
    if variant == "authors":
        x = np.diff(x)
        span = x.max() - x.min()
        if span > 0:  # a constant sequence is left as it is
            x = (x - x.min()) / span
    w = np.lib.stride_tricks.sliding_window_view(x, 3)
    return w.max(axis=1) - w.min(axis=1) <= eps


def m1(f, variant: str = "published", eps: float | None = None) -> float:
    """Neutrality measure M1: the share of neutral 3-point windows of a walk.

    van Aardt, Bosman & Malan (CEC 2017, "Characterising neutrality in neural
    network error landscapes"): the window (f_t, f_{t+1}, f_{t+2}) is neutral
    when max - min <= eps; M1 = (neutral windows) / (T - 2).

    ``"authors"`` (the authors' ``calc_ms``): the same count taken of the
    sequence of fitness differences f_{t+1} - f_t (T - 1 values, T - 3 windows)
    scaled to [0, 1] (left as it is when constant): a window is then neutral
    where the walk keeps one slope over four points, flat or not.

    Parameters
    ----------
    f : array (T,)
        Fitness values of one walk: T >= 3 (published) or T >= 4 (authors).
    variant : {"published", "authors"}
    eps : float, optional
        Neutrality threshold; default :data:`NEUTRAL_EPS` (1e-8), the authors'.

    Examples
    --------
    >>> m1([1.0, 1.0, 1.0, 1.0])
    1.0
    >>> m1([0.0, 1.0, 2.0, 3.0]), m1([0.0, 1.0, 2.0, 3.0], "authors")  # one slope
    (0.0, 1.0)
    """
    return float(np.mean(_neutral_windows(f, variant, eps)))


def _longest_run(neutral: np.ndarray, to_the_end: bool) -> int:
    """Longest run of True; with ``to_the_end`` False a run that reaches the end
    of the sequence does not count."""
    edges = np.diff(np.concatenate(([0], neutral.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = stops - starts
    if not to_the_end and len(lengths) and stops[-1] == len(neutral):
        lengths = lengths[:-1]
    return int(lengths.max()) if len(lengths) else 0


def m2(f, variant: str = "published", eps: float | None = None) -> float:
    """Neutrality measure M2: the longest run of neutral 3-point windows, as a share.

    van Aardt, Bosman & Malan (CEC 2017): M2 = (the largest number of
    consecutive neutral windows, as in :func:`m1`) / (number of windows).

    ``"authors"`` (the authors' ``compute_m2``): of the scaled differences, as
    :func:`m1`'s authors' variant, and a run counts only when a non-neutral
    window ends it: a run reaching the walk's end is dropped.

    Examples
    --------
    >>> m2([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0])  # a run of 3 of the 6 windows
    0.5
    >>> m2([1.0, 1.0, 1.0, 1.0])
    1.0
    """
    neutral = _neutral_windows(f, variant, eps)
    return _longest_run(neutral, to_the_end=variant == "published") / len(neutral)


# -------------------------------------------------------------------------- gradient

def gradient_measure(f, n: int, step_size: float, bound: float) -> tuple[float, float]:
    """Gradient measures (G_avg, G_dev) of a Manhattan progressive random walk.

    Malan & Engelbrecht (CEC 2013, "Ruggedness, funnels and gradients in
    fitness landscapes and the effect on PSO performance", Section III.C):

        g_t = (Delta f_t / (f_max - f_min)) / (s / (n * 2 * b)),

    the step's fitness change over the walk's fitness range, per step length s
    over the Manhattan width n * 2b of the space [-b, b]^n. G_avg is the mean of
    |g_t| over the walk's T - 1 steps, G_dev their standard deviation (ddof 0).
    A walk whose fitness never changes has G_avg = G_dev = 0. Meaningful for
    walks whose every step has length s in one coordinate
    (:func:`lgc.samplers.manhattan_step`).

    Parameters
    ----------
    f : array (T,)
        Fitness values of one walk, T >= 2.
    n : int
        Dimension of the search space.
    step_size : float
        The walk's step s.
    bound : float
        b of the search space [-b, b]^n.

    Examples
    --------
    >>> gradient_measure([0.0, 0.5, 1.0], n=1, step_size=0.5, bound=1.0)  # g = 2, 2
    (2.0, 0.0)
    """
    f = _walk(f, 2)
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n must be a whole number of dimensions >= 1; got {n!r}")
    for name, value in (("step_size", step_size), ("bound", bound)):
        if not (isinstance(value, (int, float, np.number)) and 0 < value < math.inf):
            raise ValueError(f"{name} must be a positive number; got {value!r}")
    span = f.max() - f.min()
    if span == 0:
        return 0.0, 0.0
    g = np.abs(np.diff(f) / span / (step_size / (n * 2 * bound)))
    return float(g.mean()), float(g.std())


# ------------------------------------------------------------- fitness and distance

def fdc(positions, f, best=None) -> float:
    """Fitness-distance correlation of a sample (Jones & Forrest, ICGA 1995).

    The Pearson correlation r = cov(f, d) / (sigma_f sigma_d) between the
    fitness f_i of each sampled point x_i and its distance d_i to a reference
    point. Jones & Forrest take the distance to the nearest global optimum;
    where that is unknown, as for a network's loss, the reference here is the
    best point of the sample, the one of *lowest* fitness (a loss is
    minimised), and the distance is Euclidean, d_i = ||x_i - x_best||_2. For
    minimisation r near 1 means the fitness falls steadily toward the best
    point (easy), r near -1 that it rises (deceptive).

    Parameters
    ----------
    positions : array (N, d)
        The sampled points (one walk's, or any sample's).
    f : array (N,)
        Their fitness values.
    best : array (d,), optional
        The reference point; default the sampled point of lowest fitness.

    Raises
    ------
    ValueError
        For shapes that do not match, non-finite values, or a sample whose
        fitness or distance does not vary (r is then undefined).

    Examples
    --------
    >>> x = [[0.0], [1.0], [2.0], [3.0]]
    >>> round(fdc(x, [0.0, 1.0, 4.0, 9.0]), 5)  # f = d^2 rises with d
    0.95831
    """
    f = _walk(f, 2, "sample")
    X = np.asarray(positions, dtype=float)
    if X.ndim != 2 or X.shape[0] != len(f) or not np.isfinite(X).all():
        raise ValueError(f"positions must be a finite (N, d) array for N = {len(f)} "
                         f"fitness values; got shape {X.shape}")
    ref = X[np.argmin(f)] if best is None else np.asarray(best, dtype=float)
    if ref.shape != X.shape[1:] or not np.isfinite(ref).all():
        raise ValueError(f"best must be a finite point of dimension {X.shape[1]}; got "
                         f"{best!r}")
    d = np.linalg.norm(X - ref, axis=1)
    if np.ptp(f) == 0 or np.ptp(d) == 0:
        raise ValueError("fdc is undefined for a sample whose fitness or distance to the "
                         "best point does not vary")
    return float(np.corrcoef(f, d)[0, 1])


# ------------------------------------------------------------------------- batches

def per_walk(measure, walks, *args, **kwargs) -> np.ndarray:
    """``measure`` of every walk of a batch (walks, steps): one value (or row) per walk.

    Examples
    --------
    >>> F = [[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]
    >>> per_walk(m1, F).tolist()
    [1.0, 0.0]
    >>> per_walk(gradient_measure, F, n=1, step_size=1.0, bound=1.0).tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    F = np.asarray(walks, dtype=float)
    if F.ndim != 2:
        raise ValueError(f"a batch of walks must be a 2-D array (walks, steps); got shape "
                         f"{F.shape}")
    return np.array([measure(row, *args, **kwargs) for row in F])


def fdc_per_walk(positions, walks, best=None) -> np.ndarray:
    """:func:`fdc` of every walk: positions (walks, steps, d), fitness (walks, steps)."""
    X, F = np.asarray(positions, dtype=float), np.asarray(walks, dtype=float)
    if X.ndim != 3 or F.shape != X.shape[:2]:
        raise ValueError(f"positions (walks, steps, d) and fitness (walks, steps) must "
                         f"match; got {X.shape} and {F.shape}")
    return np.array([fdc(x, f, best) for x, f in zip(X, F)])


def mean_std(values, axis: int = 0) -> tuple:
    """Mean and standard deviation (ddof 0, as the authors' numpy.std) along ``axis``.

    Examples
    --------
    >>> mean_std([1.0, 3.0])
    (2.0, 1.0)
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"mean_std needs finite values; got {v!r}")
    mean, std = v.mean(axis=axis), v.std(axis=axis)
    return (float(mean), float(std)) if np.ndim(mean) == 0 else (mean, std)
