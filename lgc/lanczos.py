"""Curvature at sampled points of a large network, without a Hessian at every step.

MNIST's network has d = 7,960 weights: its dense Hessian is 507 MB and
classifying it (Section 4.2) costs two LDL^T factorisations of 7,960 x 7,960,
too much at every step of every walk, which is why the paper reports no
curvature for MNIST. This module gives curvature at *sampled* points (a few
steps of a few walks), in two ways:

* :func:`extreme_eigenvalues`: the smallest and largest eigenvalue of each
  point's Hessian by the Lanczos method (ARPACK through
  scipy.sparse.linalg.eigsh) on Hessian-vector products
  (:func:`lgc.derivatives.hessian_operator`, O(P d) each), never forming H;
* :func:`point_classes`: the exact curvature class from the dense Hessian's
  inertia in float64 (:func:`lgc.curvature.curvature`), formed only on the
  directions in which the loss can change at all.

The null space. The loss at a point sees a set of patterns (MNIST: one
walk's mini-batch of 100). A hidden unit's incoming weights act only through
X~ W~1, so moving them in a direction orthogonal to the rows of X~ = [X, 1]
changes nothing: the Hessian has h (n_in + 1 - rank X~) eigenvalues that are
zero at every point, whatever the weights. Two parts of that null space are
removed here (``null_space``):

* ``"pixels"``: the weights of inputs that are 0 on every pattern
  (:func:`lgc.curvature.zero_input_weights`). Their Hessian rows are exactly
  zero; dropping them is indexing, exact. On MNIST 116 pixels are blank on
  all 10,000 test images and about 270 on a batch of 100: about 2,700 of
  the 7,960 directions. The rest of the null space (the dependence among
  the other inputs) is then counted, as :func:`lgc.curvature.structural_zeros`
  does, and discounted from the zero eigenvalues.
* ``"rows"`` (the default): the whole null space, by restricting the input
  weights to the row space of X~ (:func:`lgc.derivatives.input_basis`, as
  the walks do for Heart). A batch of P patterns has rank at most P, so on
  an MNIST batch of 100 the Hessian lives on h P + (h + 1) K = 1,110 of the
  7,960 directions: at least 6,850 of its eigenvalues are structural zeros,
  far more than the blank pixels account for.
* ``"none"``: the whole d x d Hessian.

The walks classify MNIST points the same way when asked for a Hessian
(lgc.walks: each point on its own batch's row space, every k-th step); this
module serves points sampled afterwards, and checks the walks' classes.

Because of the null space, the full Hessian's lambda_min is never above 0
nor its lambda_max below 0 on an MNIST batch; the extremes of the
restricted Hessian say how curved the loss is in the directions that matter.
"""
from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from . import derivatives
from .curvature import DEFAULT_RTOL, curvature, spectrum, zero_input_weights
from .network import Architecture

NULL_SPACES = ("rows", "pixels", "none")
#: ways to find lambda_min once lambda_max is known (see :func:`extreme_eigenvalues`)
LAMBDA_MIN_METHODS = ("shift", "SA")
DEFAULT_TOL = 1e-8


def input_directions(X, null_space: str = "rows"):
    """Orthonormal basis U (n_in+1, r) of the input-weight directions kept, or None
    for all of them.

    ``"rows"``: the row space of X~ = [X, 1] (:func:`lgc.derivatives.input_basis`;
    None when X~ has full column rank). ``"pixels"``: the columns of the
    identity for the inputs that are not 0 on every pattern, and the bias
    (None when no input is blank). ``"none"``: None.
    """
    _check_null_space(null_space)
    X = np.asarray(X, dtype=float)
    if null_space == "rows":
        return derivatives.input_basis(X)
    if null_space == "pixels":
        blank = zero_input_weights(X, 1)
        if not len(blank):
            return None
        keep = np.setdiff1d(np.arange(X.shape[1] + 1), blank)  # the bias row is last
        return np.eye(X.shape[1] + 1)[:, keep]
    return None


def _check_null_space(null_space):
    if null_space not in NULL_SPACES:
        raise ValueError(f"unknown null space {null_space!r}: choose one of {NULL_SPACES}")


def _check_lanczos(tol, method):
    if method not in LAMBDA_MIN_METHODS:
        raise ValueError(f"unknown lambda_min method {method!r}: choose one of "
                         f"{LAMBDA_MIN_METHODS}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0; got {tol!r}")


def _point_data(X, T, n):
    """(X_i, T_i) of point i: shared (P, .) data, or per point (n, P, .)."""
    X, T = np.asarray(X, dtype=float), np.asarray(T, dtype=float)
    if X.ndim == 3 and len(X) != n or T.ndim != X.ndim:
        raise ValueError(f"data must be X (P, n_in) and T (P, K), or one batch per point "
                         f"X ({n}, P, n_in) and T ({n}, P, K); got X {X.shape} and T {T.shape}")
    return (lambda i: (X, T)) if X.ndim == 2 else (lambda i: (X[i], T[i]))


def restricted_operator(w, X, T, kind: str, arch: Architecture, basis=None):
    """Q^T H Q as a scipy LinearOperator, H the Hessian at one point ``w`` (d,).

    Q maps the restricted coordinates (U^T W~1 row-major, then W~2, the
    coordinates of :func:`lgc.derivatives.hessian` with ``basis``) to the
    flat weights: the input weights are U C, the output weights are kept.
    With ``basis`` None, Q = I and this is H itself. Each product is one
    :func:`lgc.derivatives.hessian_operator` product and two small ones by U.

    Returns
    -------
    scipy.sparse.linalg.LinearOperator of shape (d', d'),
    d' = h r + (h + 1) K (d when ``basis`` is None).
    """
    w = np.asarray(w, dtype=float)
    matvec = derivatives.hessian_operator(w[None], X, T, kind, arch)
    h, m1 = arch.hidden, (arch.n_in + 1) * arch.hidden
    if basis is None:
        return LinearOperator((arch.dim, arch.dim), dtype=float,
                              matvec=lambda c: matvec(np.reshape(c, (1, -1)))[0])
    U = np.asarray(basis, dtype=float)
    A1, r = U.shape
    if A1 != arch.n_in + 1:
        raise ValueError(f"basis must have n_in + 1 = {arch.n_in + 1} rows; got {U.shape}")
    rh = r * h
    v = np.empty((1, arch.dim))

    def restricted(c):
        c = np.reshape(c, -1)
        np.matmul(U, c[:rh].reshape(r, h), out=v[0, :m1].reshape(A1, h))
        v[0, m1:] = c[rh:]
        Hv = matvec(v)[0]
        return np.concatenate([(U.T @ Hv[:m1].reshape(A1, h)).ravel(), Hv[m1:]])

    return LinearOperator((rh + arch.dim - m1,) * 2, dtype=float, matvec=restricted)


def extreme_eigenvalues(W, X, T, kind: str, arch: Architecture, tol: float = DEFAULT_TOL,
                        method: str = "shift", null_space: str = "rows", maxiter=None,
                        seed: int = 0, return_products: bool = False):
    """Smallest and largest eigenvalue of the Hessian at each point, by Lanczos.

    lambda_max comes from ``eigsh(..., k=1, which="LA")`` on the Hessian as a
    LinearOperator of Hessian-vector products (:func:`restricted_operator`).
    lambda_min then comes either from ``method="shift"``: the largest
    eigenvalue mu of lambda_max I - H, which is lambda_max - lambda_min, or
    from ``method="SA"``: eigsh's smallest algebraic eigenvalue of H
    directly. On MNIST points both took the same number of products
    (benchmarks/mnist_curvature.py); the shift is the default because its
    convergence test is relative to lambda_max - lambda_min, so it asks for
    no more products as lambda_min nears 0 ("SA"'s is relative to
    |lambda_min| itself; see ``tol``). The Hessian is first divided by
    max |H v0| / max |v0| (one product), so that ARPACK's convergence test, whose
    scale is never below eps^(2/3), stays relative also where saturated
    units make H tiny.

    Parameters
    ----------
    W : array (n, d)
        Points (flat weights, :mod:`lgc.network`).
    X, T : arrays (P, n_in), (P, K), or (n, P, n_in), (n, P, K)
        Data of the loss, shared or one batch per point (MNIST's walks).
    kind : {"sse", "ce"}
    arch : Architecture
    tol : float
        eigsh's tolerance: a Ritz value theta is accepted when its residual
        ||H x - theta x|| is at most tol |theta|, which bounds its error by
        the same. So lambda_max is within about tol |lambda_max|; lambda_min
        is within about tol |lambda_min| with "SA", and tol (lambda_max -
        lambda_min) + the error of lambda_max with "shift". 0 means machine
        precision.
    method : {"shift", "SA"}
    null_space : {"rows", "pixels", "none"}
        Directions removed before the eigenvalues are sought (module
        docstring): with "none" the extremes include the structural zeros.
    maxiter : int, optional
        eigsh's limit on Arnoldi restarts (its default: 10 d').
        scipy.sparse.linalg.ArpackNoConvergence is raised when it is reached.
    seed : int
        Seed of the start vector v0, the same for every point: a point's
        eigenvalues do not depend on the other points in the stack.
    return_products : bool
        Also return the number of Hessian-vector products made per point.

    Returns
    -------
    lambda_min, lambda_max : float arrays (n,)
    products : int array (n,), only with ``return_products``
    """
    _check_lanczos(tol, method)
    _check_null_space(null_space)
    W = np.atleast_2d(np.asarray(W, dtype=float))
    data = _point_data(X, T, len(W))
    lam = np.empty((2, len(W)))
    products = np.zeros(len(W), dtype=int)
    for i, w in enumerate(W):
        Xi, Ti = data(i)
        op = restricted_operator(w, Xi, Ti, kind, arch,
                                 input_directions(Xi, null_space))
        lam[0, i], lam[1, i], products[i] = operator_extremes(op, tol, method, maxiter, seed)
    return (lam[0], lam[1], products) if return_products else (lam[0], lam[1])


def operator_extremes(op, tol: float = DEFAULT_TOL, method: str = "shift", maxiter=None,
                      seed: int = 0):
    """Smallest and largest eigenvalue of one symmetric LinearOperator, by Lanczos.

    The work of :func:`extreme_eigenvalues` for one point (see there for
    ``tol``, ``method``, ``maxiter`` and ``seed``), for any symmetric
    operator.

    Returns
    -------
    lambda_min, lambda_max : float
    products : int
        Products with ``op`` made.
    """
    _check_lanczos(tol, method)
    dim = op.shape[0]
    v0 = np.random.default_rng(seed).standard_normal(dim)
    count = [1]
    # max norm, not 2-norm: the squares of a saturated Hessian's 1e-239 underflow
    scale = np.abs(op.matvec(v0)).max() / np.abs(v0).max()
    if scale == 0.0:  # H v0 = 0 for a random v0: H = 0 (every unit saturated exactly)
        return 0.0, 0.0, 1

    def scaled(sign, shift):
        def mv(c):
            count[0] += 1
            return sign * op.matvec(c) / scale + shift * np.reshape(c, -1)
        return LinearOperator((dim, dim), dtype=float, matvec=mv)

    def largest(A, which="LA"):
        return float(eigsh(A, k=1, which=which, tol=tol, v0=v0, maxiter=maxiter,
                           return_eigenvectors=False)[0])

    top = largest(scaled(1.0, 0.0))
    if method == "shift":
        bottom = top - largest(scaled(-1.0, top))
    else:
        bottom = largest(scaled(1.0, 0.0), "SA")
    return bottom * scale, top * scale, count[0]


def point_classes(W, X, T, kind: str, arch: Architecture, null_space: str = "rows",
                  rtol: float | None = DEFAULT_RTOL, eigenvalues: bool = False):
    """Exact curvature class of each point from its dense Hessian in float64.

    The Hessian is formed (:func:`lgc.derivatives.hessian`) only on the
    directions ``null_space`` keeps, and classified by its inertia
    (:func:`lgc.curvature.curvature`, LDL^T) or, with ``eigenvalues``, by
    all its eigenvalues (:func:`lgc.curvature.spectrum`). The null-space
    directions left in (all of them with "none", the dependence among the
    non-blank inputs with "pixels", none with "rows") are counted as
    :func:`lgc.curvature.structural_zeros` does and discounted from the zero
    eigenvalues, so the three choices classify alike; "rows" forms the
    smallest matrix (1,110 x 1,110 on an MNIST batch of 100, against
    about 5,200 with "pixels" and 7,960 with "none").

    The zero tolerance is that of the whole d x d Hessian, rtol ||H||_F with
    rtol = d eps by default, as in the walks (lgc.curvature): restricting to
    an orthonormal basis that holds H's range leaves ||H||_F unchanged.

    Parameters
    ----------
    W : array (n, d)
    X, T : arrays (P, n_in), (P, K), or (n, P, n_in), (n, P, K)
    kind : {"sse", "ce"}
    arch : Architecture
    null_space : {"rows", "pixels", "none"}
    rtol : float, optional
    eigenvalues : bool
        Also return the spectrum's summary.

    Returns
    -------
    codes : int8 array (n,) indexing lgc.curvature.CURVATURES
    summary : dict of arrays (n,), only with ``eigenvalues``
        As :func:`lgc.curvature.spectrum` ("lambda_min", "lambda_max",
        "n_pos", "n_neg", "n_zero", structural zeros discounted), and
        "n_classified": n_pos + n_neg + n_zero, the eigenvalues not
        structural (the denominator of the index, the share of negative ones).
    """
    _check_null_space(null_space)
    W = np.atleast_2d(np.asarray(W, dtype=float))
    data = _point_data(X, T, len(W))
    rtol = arch.dim * np.finfo(float).eps if rtol is None else rtol
    codes = np.empty(len(W), dtype=np.int8)
    rows = []
    for i, w in enumerate(W):
        Xi, Ti = data(i)
        U = input_directions(Xi, null_space)
        kept = np.column_stack([Xi, np.ones(len(Xi))])
        if U is not None:
            kept = kept @ U
        # null directions left in the matrix: the rank deficiency of the kept inputs
        n_structural = arch.hidden * (kept.shape[1] - np.linalg.matrix_rank(kept))
        H = derivatives.hessian(w[None], Xi, Ti, kind, arch, basis=U)
        if eigenvalues:
            code, summary = spectrum(H, "full", rtol=rtol, n_structural=n_structural)
            summary["n_classified"] = np.array([H.shape[-1] - n_structural])
            rows.append(summary)
        else:
            code = curvature(H, "full", rtol=rtol, n_structural=n_structural)
        codes[i] = code[0]
    if not eigenvalues:
        return codes
    return codes, {name: np.concatenate([r[name] for r in rows]) for name in rows[0]}
