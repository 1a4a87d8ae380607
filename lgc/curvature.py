"""Local curvature of the loss from its Hessian (Section 4.2).

Where the text is wrong or silent: docs/departures.md#d2-positive-eigenvalues-mean-a-minimum,
docs/departures.md#d3-which-hessian-is-classified and
docs/departures.md#d4-when-an-eigenvalue-counts-as-zero.

A point is *convex* when every eigenvalue of the Hessian is positive (a
minimum: the paper's Section 4.2 words this backwards), *concave* when every
eigenvalue is negative, a *saddle* when there are both, and *singular* when
any eigenvalue is zero, the inconclusive case. As in the authors' code the
singular test comes first.

Zero tolerance. The authors worked in float32 and called an eigenvalue zero
only when it was exactly 0.0, which happens when sigmoid units saturate and
whole rows of the Hessian vanish in float32. In float64 such rows are tiny
rather than zero, so an eigenvalue counts as zero here when its magnitude is at
most ``rtol * ||H||_F``, with the default rtol = d * eps (eps = 2.2e-16): the
convention of numerical rank (as numpy.linalg.matrix_rank), i.e. an eigenvalue
the float64 computation cannot tell from zero. A looser tolerance was tried and
rejected: at float32's epsilon (1.2e-7), Cancer and Heart inputs, whose
columns are nearly collinear, have several genuine eigenvalues of about
1e-8 ||H|| at every point, and nearly every point became "singular", which
neither the paper's figures nor its float32 code (whose round-off noise there
is not exactly zero) show. The Frobenius norm is used rather than the largest
eigenvalue so that the tolerance is known *before* any factorisation, which lets
the cheap inertia test below use it.

Structural zeros. Linearly dependent inputs (Heart) make some eigenvalues
exactly zero at every point; :func:`structural_zeros` counts them and
:func:`curvature` can discount them (see there).

Two ways to count eigenvalues above ``tol``, below ``-tol`` and in between:
``"eigh"`` computes all eigenvalues; ``"ldl"`` uses Sylvester's law of inertia
on the LDL^T factorisations of H - tol I and H + tol I, which gives the same
counts without eigenvalues. Hessians in another array library than numpy (a
GPU's, lgc._arrays) are counted by "eigh" in that library, as the standard
has no LDL^T.

Deciding (:func:`classify`) is kept apart from the linear algebra
(:func:`inertia`).

Non-finite Hessians. A Hessian with a NaN or infinite entry has no curvature
class, and neither count notices one by itself: a NaN compares false with any
tolerance, so LDL^T would count a zero eigenvalue ("singular"), and LAPACK's
eigh fails to converge (LinAlgError). :func:`curvature`, :func:`spectrum` and
:func:`inertia` raise the same ValueError naming the entry
(:func:`check_finite_hessians`), before any block is cut out of H.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import lapack

from ._arrays import namespace, to_numpy
from .vocabulary import CURVATURES

CONVEX, CONCAVE, SADDLE, SINGULAR = range(4)
DEFAULT_RTOL = None  # None: d * float64 eps, the numerical-rank convention
#: what :func:`spectrum` reports of each Hessian, beside its curvature code
SPECTRUM = ("lambda_min", "lambda_max", "n_pos", "n_neg", "n_zero")


def classify(n_pos, n_neg, n_zero):
    """Curvature code from eigenvalue counts, in the authors' order of tests.

    Parameters
    ----------
    n_pos, n_neg, n_zero : int or array of int
        Numbers of eigenvalues above tol, below -tol and within [-tol, tol].

    Returns
    -------
    int8 array of codes indexing :data:`CURVATURES`.

    Examples
    --------
    >>> [CURVATURES[c] for c in classify([3, 0, 2, 2], [0, 3, 1, 0], [0, 0, 0, 1])]
    ['convex', 'concave', 'saddle', 'singular']
    """
    n_pos, n_neg, n_zero = (np.asarray(a) for a in (n_pos, n_neg, n_zero))
    code = np.full(np.broadcast(n_pos, n_neg, n_zero).shape, CONCAVE, dtype=np.int8)
    code[n_neg == 0] = CONVEX
    code[(n_pos > 0) & (n_neg > 0)] = SADDLE
    code[n_zero > 0] = SINGULAR
    return code


def check_finite_hessians(H) -> None:
    """Raise ValueError, naming the first non-finite entry, unless all of H is finite.

    Parameters
    ----------
    H : array (n, d, d)
        Stack of Hessians, numpy's or another array library's.

    Raises
    ------
    ValueError
        ``Hessian has non-finite entries: H[1, 0, 2] = nan (Hessian 1 of the
        stack; 3 non-finite in all), so it has no curvature class`` (Section
        4.2 classifies by eigenvalue signs, and a NaN has none). A NaN
        compares false with every tolerance, so it would otherwise be counted
        as a zero eigenvalue (LDL^T: "singular") or fail inside LAPACK (eigh).

    Examples
    --------
    >>> check_finite_hessians(np.array([[[1.0, np.nan], [np.nan, 1.0]]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Hessian has non-finite entries: H[0, 0, 1] = nan (Hessian 0 of the stack; ...
    """
    xp = namespace(H)
    if bool(xp.all(xp.isfinite(H))):
        return
    Hn = to_numpy(H)
    bad = np.argwhere(~np.isfinite(Hn))
    first = tuple(int(i) for i in bad[0])
    raise ValueError(f"Hessian has non-finite entries: H[{', '.join(map(str, first))}] = "
                     f"{Hn[first]} (Hessian {first[0]} of the stack; {len(bad)} non-finite "
                     f"in all), so it has no curvature class")


def zero_tolerance(H, rtol: float | None = DEFAULT_RTOL):
    """Per-matrix tolerance rtol * ||H||_F for a stack H (n, d, d).

    ``rtol=None`` means d * eps, the numerical-rank convention. The norm is
    finite for every finite H whose norm is: where the squares overflow
    (entries above ~1e154) it is taken again of H scaled by its largest entry.
    It is NaN or infinite where H has a NaN or infinite entry, which is how
    :func:`curvature` notices those for free.
    """
    if rtol is None:
        rtol = H.shape[-1] * np.finfo(float).eps
    if not rtol >= 0:
        raise ValueError(f"rtol must be a non-negative number; got {rtol!r}")
    xp = namespace(H)
    if xp is not np:  # the standard has no einsum
        norm = xp.sqrt(xp.sum(H * H, axis=(1, 2)))
    else:
        norm = np.sqrt(np.einsum("nij,nij->n", H, H))
    if not bool(xp.all(xp.isfinite(norm))):  # rare: only these matrices change
        big = xp.max(xp.abs(H), axis=(1, 2))
        big = xp.where(xp.isfinite(big) & (big > 0), big, xp.ones_like(big))
        scaled = H / big[:, None, None]
        norm = xp.where(xp.isfinite(norm), norm,
                        big * xp.sqrt(xp.sum(scaled * scaled, axis=(1, 2))))
    return rtol * norm


def block_diagonal(H, sizes):
    """Keep only the diagonal blocks of sizes ``sizes``
    (docs/departures.md#d3-which-hessian-is-classified).

    The authors classified curvature from the eigenvalues of the Hessian's
    per-tensor diagonal blocks (W1, b1, W2, b2). Those eigenvalues are the
    eigenvalues of this block-diagonal matrix, so "blocks" mode is the same
    classification applied to it.
    """
    if sum(sizes) != H.shape[-1]:
        raise ValueError(f"block sizes {tuple(sizes)} do not add up to d = {H.shape[-1]}")
    B = namespace(H).zeros_like(H)
    start = 0
    for size in sizes:
        block = slice(start, start + size)
        B[:, block, block] = H[:, block, block]
        start += size
    return B


@lru_cache(maxsize=None)
def _sytrf_lwork(d: int) -> int:
    """LAPACK's optimal workspace for dsytrf: the blocked code, 2x faster."""
    lwork, info = lapack.dsytrf_lwork(d, lower=1)
    return max(int(lwork), 1)


def _positive_pivots(A):
    """Number of positive eigenvalues of symmetric A, by LDL^T (Sylvester).

    D has 1x1 blocks and 2x2 blocks (marked by negative pivot indices, two
    per block). dsytrf pivots by Bunch-Kaufman, which takes a 2x2 block
    [[a, b], [b, c]] only when |a c| < alpha^2 b^2 (alpha = 0.64): its
    determinant is negative, so each 2x2 block holds one positive and one
    negative eigenvalue (Bunch & Kaufman 1977).
    """
    ldu, ipiv, info = lapack.dsytrf(A, lower=1, lwork=_sytrf_lwork(len(A)), overwrite_a=1)
    if info < 0:
        raise ValueError(f"dsytrf rejected argument {-info}")
    one = ipiv > 0
    return int(np.count_nonzero(np.diagonal(ldu)[one] > 0)) + (len(ipiv) - int(one.sum())) // 2


def inertia(H, tol, method: str = "auto"):
    """Counts of eigenvalues above tol, below -tol and in [-tol, tol].

    Parameters
    ----------
    H : array (n, d, d)
        Stack of symmetric matrices, numpy's or another array library's.
    tol : array (n,)
        Per-matrix zero tolerance.
    method : {"auto", "ldl", "eigh"}
        "ldl" needs numpy arrays (LAPACK); "auto" takes it for numpy from
        d = 25 on, "eigh" otherwise.

    Returns
    -------
    n_pos, n_neg, n_zero : numpy int arrays (n,)

    Raises
    ------
    ValueError
        When H has a NaN or infinite entry, whichever the method
        (:func:`check_finite_hessians`).
    """
    check_finite_hessians(H)
    return _inertia(H, tol, method)


def _inertia(H, tol, method):
    """:func:`inertia` of a stack already known to be finite."""
    n, d, _ = H.shape
    xp = namespace(H)
    if method == "auto":  # batched eigvalsh wins while Python overhead dominates
        method = "eigh" if d < 25 or xp is not np else "ldl"  # crossover: d = 20 to 35
    if method == "ldl" and xp is not np:
        raise ValueError("inertia method 'ldl' needs numpy arrays (LAPACK dsytrf); "
                         "use 'eigh' for another array library")
    if method == "eigh":
        _, n_pos, n_neg = _eigenvalue_counts(H, tol)
    elif method == "ldl":
        tol = np.broadcast_to(np.asarray(tol, dtype=float), (n,))
        n_pos = np.empty(n, dtype=int)
        n_neg = np.empty(n, dtype=int)
        A = np.empty((d, d), order="F")  # one work matrix, refilled: no allocations
        diag = A.reshape(-1, order="F")[::d + 1]  # a view of A's diagonal
        for i in range(n):
            # #eig(H) > tol = #eig(H - tol I) > 0; #eig(H) < -tol = #eig(-H - tol I) > 0.
            # H is symmetric, so H[i].T (Fortran-ordered) holds the same matrix.
            for sign, counts in ((1.0, n_pos), (-1.0, n_neg)):
                np.multiply(H[i].T, sign, out=A)
                diag -= tol[i]
                counts[i] = _positive_pivots(A)
    else:
        raise ValueError(f"unknown inertia method {method!r}: choose 'ldl' or 'eigh'")
    return n_pos, n_neg, d - n_pos - n_neg


def _eigenvalue_counts(H, tol):
    """(eigenvalues ascending (n, d), counts above tol, counts below -tol) of a stack
    H, in H's array library; the counts as numpy int arrays (n,)."""
    xp = namespace(H)
    tol = xp.broadcast_to(xp.asarray(tol, dtype=H.dtype), (H.shape[0],))[:, None]
    lam = xp.linalg.eigvalsh(H)
    n_pos = to_numpy(xp.sum(xp.astype(lam > tol, xp.int64), axis=1))
    n_neg = to_numpy(xp.sum(xp.astype(lam < -tol, xp.int64), axis=1))
    return lam, n_pos, n_neg


def structural_zeros(X, hidden: int, mode: str = "full") -> int:
    """Eigenvalues that are zero at *every* point because the inputs are dependent.

    If the training inputs (with a column of ones for the bias when the full
    Hessian couples W1 and b1) have rank r < m columns, moving a hidden unit's
    incoming weights along the m - r null directions changes no output: the
    Hessian has hidden * (m - r) exactly-zero eigenvalues everywhere (Heart's
    inputs, 32 columns with one-hot groups, have rank 28 with the bias). Those
    directions say nothing about the landscape, so :func:`curvature` can
    classify the rest (the Hessian restricted to directions that change the
    network function).
    """
    X = np.asarray(X, dtype=float)
    if mode == "full":
        X = np.column_stack([X, np.ones(len(X))])
    elif mode != "blocks":
        raise ValueError(f"unknown Hessian mode {mode!r}: choose 'full' or 'blocks'")
    return hidden * (X.shape[1] - np.linalg.matrix_rank(X))


def zero_input_weights(X, hidden: int):
    """Flat indices of the input weights whose Hessian row and column are exactly zero.

    An input that is 0 on every pattern the loss sees (a blank MNIST pixel)
    multiplies its weights by 0 in every pre-activation, so the loss does not
    depend on them at all: their gradient, Hessian row and Hessian column are
    exactly zero, also in floating point. They are the simplest part of the
    null space that :func:`structural_zeros` counts (which also holds any
    linear dependence among the other inputs and the bias), and they are found
    without a rank computation and removed by indexing, with no rounding.

    Parameters
    ----------
    X : array (P, n_in)
        The inputs the loss sees (MNIST: one walk's mini-batch).
    hidden : int
        Hidden units h; input i's weights are w[i h : (i + 1) h]
        (W1 row-major, :func:`lgc.network.unpack`).

    Returns
    -------
    int array (h * number of all-zero inputs,), ascending.

    Examples
    --------
    >>> zero_input_weights(np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]]), hidden=2)
    array([0, 1, 4, 5])
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (patterns, inputs) for one point's loss; "
                         f"got shape {X.shape}")
    if int(hidden) != hidden or hidden < 1:
        raise ValueError(f"hidden must be a positive whole number; got {hidden!r}")
    blank = np.flatnonzero(~X.any(axis=0))
    return (blank[:, None] * hidden + np.arange(hidden)).ravel()


def float32_dead_units(A, Z, activation: str = "sigmoid", output: str = "sigmoid"):
    """Networks with a unit whose slope is exactly zero in float32 on every pattern.

    The authors' float32 code saw an exactly-zero eigenvalue when a unit's
    sigmoid rounded to 1.0 (or underflowed to 0.0) on every training pattern:
    its derivative y (1 - y) is then exactly 0 and so is a whole row of the
    Hessian (the unit's incoming weights for a hidden unit, its bias for an
    output unit). This emulates that test from float64 pre-activations.

    Beyond the paper the same rule, "f'(a) is exactly 0 in float32 on every
    pattern", is applied to the other activations (docs/activations.md):
    a tanh unit is dead where tanh(a) rounds to +-1 (1 - y^2 = 0); a ReLU unit
    where a <= 0 on every pattern (output 0, slope 0: the "dying ReLU"); an ELU
    unit where its slope exp(a) underflows to 0 (a below about -103.3). A
    softmax output unit is dead, as a sigmoid one, where its output rounds to 0
    or 1 on every pattern: the row of its bias in diag(y) - y y^T is then zero.

    Parameters
    ----------
    A : array (n, P, h)
        Hidden pre-activations.
    Z : array (n, P, K)
        Output logits.
    activation : one of lgc.vocabulary.ACTIVATIONS
    output : one of lgc.vocabulary.OUTPUTS

    Returns
    -------
    bool array (n,)
    """
    from scipy.special import expit, softmax

    if activation not in _DEAD_SLOPE or output not in ("sigmoid", "softmax"):
        raise ValueError(f"no float32 dead-unit test for activation {activation!r} and output "
                         f"{output!r}: implemented are activations {tuple(_DEAD_SLOPE)} and "
                         f"outputs ('sigmoid', 'softmax')")

    def dead(y):
        return ((y == 0) | (y == 1)).all(axis=1).any(axis=-1)

    Y = softmax(Z, axis=-1) if output == "softmax" else expit(Z)
    hidden = _DEAD_SLOPE[activation](np.asarray(A))
    return hidden.all(axis=1).any(axis=-1) | dead(Y.astype(np.float32))


def _sigmoid_dead(A):
    from scipy.special import expit
    y = expit(A).astype(np.float32)
    return (y == 0) | (y == 1)


#: where a hidden unit's slope is exactly zero in float32, per activation
_DEAD_SLOPE = {
    "sigmoid": _sigmoid_dead,
    "tanh": lambda A: np.abs(np.tanh(A).astype(np.float32)) == 1,
    "relu": lambda A: A <= 0,
    "elu": lambda A: (A <= 0) & (np.exp(np.minimum(A, 0.0)).astype(np.float32) == 0),
}


def curvature(H, mode: str = "full", sizes=None, rtol: float = DEFAULT_RTOL,
              method: str = "auto", n_structural: int = 0, dead=None):
    """Curvature codes (n,) of a stack of Hessians H (n, d, d).

    ``mode="full"`` classifies the whole Hessian (the mathematically right
    choice); ``mode="blocks"`` its per-tensor diagonal blocks of ``sizes``, as
    the authors' code did. ``n_structural`` zero eigenvalues (see
    :func:`structural_zeros`) are discounted before classifying. ``dead``
    (bool, n) marks points singular whatever their eigenvalues: the float32
    emulation of :func:`float32_dead_units`, used with ``rtol=0``.

    Raises ValueError when H has a NaN or infinite entry (anywhere, also off
    the diagonal blocks in "blocks" mode): such a point has no class.
    """
    H, tol = _classified_matrix(H, mode, sizes, rtol)
    n_pos, n_neg, n_zero = _inertia(H, tol, method)
    return _codes(n_pos, n_neg, np.maximum(n_zero - n_structural, 0), dead)


def spectrum(H, mode: str = "full", sizes=None, rtol: float = DEFAULT_RTOL,
             n_structural: int = 0, dead=None):
    """Curvature codes, as :func:`curvature`, and the eigenvalues they rest on.

    The classes come from all eigenvalues (eigvalsh) rather than from LDL^T
    inertia: the same counts, but for an eigenvalue within rounding of the
    tolerance, which either may put on the other side.

    Returns
    -------
    codes : int8 array (n,)
    summary : dict of numpy arrays (n,)
        "lambda_min", "lambda_max": the extreme eigenvalues of the matrix
        classified (the block-diagonal one in "blocks" mode); "n_pos",
        "n_neg", "n_zero": its eigenvalues above tol, below -tol and within,
        ``n_structural`` of the zeros discounted, so that
        ``classify(n_pos, n_neg, n_zero)`` is the code (but for ``dead`` points).

    Raises ValueError when H has a NaN or infinite entry, as :func:`curvature`.
    """
    H, tol = _classified_matrix(H, mode, sizes, rtol)
    lam, n_pos, n_neg = _eigenvalue_counts(H, tol)
    n_zero = np.maximum(H.shape[-1] - n_pos - n_neg - n_structural, 0)
    summary = dict(zip(SPECTRUM, (to_numpy(lam[:, 0]), to_numpy(lam[:, -1]),
                                  n_pos, n_neg, n_zero)))
    return _codes(n_pos, n_neg, n_zero, dead), summary


def _classified_matrix(H, mode, sizes, rtol):
    """H itself (mode "full") or its per-tensor diagonal blocks (mode "blocks"),
    and their zero tolerance; ValueError if H is not finite.

    In full mode the check is free: the tolerance is a multiple of ||H||_F,
    which is finite only when every entry is (a NaN propagates through the
    sum of squares, an infinity makes it infinite), so H is scanned only when
    a tolerance is not finite, for the error message or to let a finite H
    whose norm overflowed through. In blocks mode the tolerance does not see
    the off-diagonal blocks, so all of H is scanned (~10 us for 64 Iris
    Hessians, under 0.2% of a walk-step).
    """
    if mode not in ("full", "blocks"):
        raise ValueError(f"unknown Hessian mode {mode!r}: choose 'full' or 'blocks'")
    if mode == "blocks":
        if sizes is None:
            raise ValueError("mode='blocks' needs the tensor sizes (W1, b1, W2, b2)")
        check_finite_hessians(H)
        B = block_diagonal(H, sizes)
        return B, zero_tolerance(B, rtol)
    tol = zero_tolerance(H, rtol)
    xp = namespace(tol)
    if not bool(xp.all(xp.isfinite(tol))):
        check_finite_hessians(H)
    return H, tol


def _codes(n_pos, n_neg, n_zero, dead):
    code = classify(n_pos, n_neg, n_zero)
    if dead is not None:
        code[np.asarray(dead)] = SINGULAR
    return code
