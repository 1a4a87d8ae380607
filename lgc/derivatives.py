"""Closed-form loss, gradient and Hessian for a batch of networks at once.

The walks of Section 4.1 need, at every step of every walk, the loss, its
gradient and (for curvature) its Hessian. autograd computes these one network
at a time (:func:`lgc.network.loss_grad`, :func:`lgc.network.loss_hessian`);
here the same quantities are written out by hand for the one-hidden-layer
network and evaluated for n networks with a few large matrix products. The
tests check every function here against autograd and finite differences.

Notation. With the augmented input X~ = [X, 1] (P, n_in+1) and weights
W~1 = [W1; b1] (n_in+1, h), W~2 = [W2; b2] (h+1, K) — exactly the two halves
of the flat vector — the network is

    A = X~ W~1,  S = sigmoid(A),  S~ = [S, 1],  Z = S~ W~2.

The loss is sum over (p, k) of l(z_pk), with l the per-element loss divided by
P*K. Its Hessian has the Gauss-Newton part J^T diag(l'') J plus the part
sum l'(z) d2z/dw2, which is non-zero only between a hidden unit's incoming
weights and itself (through sigmoid'') and its outgoing weights (through
sigmoid').

Other activations (docs/activations.md). Nothing above needs the sigmoid but
its values f, f' and f'': the one code path takes them from :data:`ACTIVATIONS`,
a table keyed by lgc.vocabulary.ACTIVATIONS (ReLU: f'(0) = 0 and f'' = 0
everywhere; ELU: f'' = exp(a) for a <= 0, 0 above). A softmax output layer
(with CE, the categorical cross-entropy) has l'' = diag(y) - y y^T per
pattern instead of a diagonal: the Gauss-Newton part is taken with diag(y)
and the rank-one terms sum_p (J_p^T y_p)(J_p^T y_p)^T are subtracted
(:func:`_softmax_correction`).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._arrays import expit, log_expit, namespace
from . import vocabulary
from .network import Architecture, check_finite_weights, check_model


def _augment(M):
    """Append a column of ones: (..., P, m) -> (..., P, m+1)."""
    xp = namespace(M)
    ones = xp.ones(M.shape[:-1] + (1,), dtype=M.dtype)
    return xp.concat([M, ones], axis=-1)


def _split(Wb, arch: Architecture):
    """Flat batch (n, d) -> W~1 (n, n_in+1, h), W~2 (n, h+1, K), as views (numpy)."""
    n_in, h, K = arch
    m1 = (n_in + 1) * h
    n, xp = Wb.shape[0], namespace(Wb)
    return xp.reshape(Wb[:, :m1], (n, n_in + 1, h)), xp.reshape(Wb[:, m1:], (n, h + 1, K))


class Activation(NamedTuple):
    """A hidden activation's maths, as the closed forms use it.

    value(A) = f(A); slope(A, S) = f'(A); curve(A, S, S1) = f''(A), given
    S = f(A) and S1 = f'(A); chain(E, A, S) = E f'(A), the back-propagation
    product (written separately so that the sigmoid's keeps its order of
    operations, hence its bits); saturated(A, S): where a unit counts as
    saturated (:func:`saturation`).
    """

    value: Callable
    slope: Callable
    curve: Callable
    chain: Callable
    saturated: Callable


#: a sigmoid or tanh unit is saturated where its slope is below this share of
#: its largest slope (our own threshold, see :func:`saturation`)
SATURATED_SLOPE = 0.01
# ... that is, where |a| exceeds these: s (1 - s) = 0.25 SATURATED_SLOPE at
# s = (1 + sqrt(1 - SATURATED_SLOPE)) / 2 (|a| = 5.99); 1 - tanh^2 = SATURATED_SLOPE
# at tanh = sqrt(1 - SATURATED_SLOPE) (|a| = 2.99). Comparing |a| costs two array
# operations a walk-step, the slopes three or more.
_ROOT = np.sqrt(1.0 - SATURATED_SLOPE)
_SIGMOID_EDGE = float(np.log((1.0 + _ROOT) / (1.0 - _ROOT)))
_TANH_EDGE = float(np.arctanh(_ROOT))


def _tanh_slope(A):
    """tanh'(a) = 4 e / (1 + e)^2 with e = exp(-2|a|): accurate to rounding relative
    to the value where tanh rounds to +-1 (1 - tanh^2 would be 0 there)."""
    xp = namespace(A)
    e = xp.exp(-2.0 * xp.abs(A))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def _negative_exp(A):
    """exp(min(a, 0)): ELU's slope below zero, never overflowing above."""
    xp = namespace(A)
    return xp.exp(xp.minimum(A, xp.zeros_like(A)))


def _positive(A):
    """1.0 where a > 0, else 0.0 (ReLU's slope, with relu'(0) = 0)."""
    xp = namespace(A)
    return xp.astype(A > 0, A.dtype)


def _elu(A):
    xp = namespace(A)
    return xp.where(A > 0, A, xp.expm1(xp.minimum(A, xp.zeros_like(A))))


def _elu_slope(A):
    xp = namespace(A)
    return xp.where(A > 0, xp.ones_like(A), _negative_exp(A))


def _elu_curve(A):
    xp = namespace(A)
    return xp.where(A > 0, xp.zeros_like(A), _negative_exp(A))


#: each activation of lgc.vocabulary.ACTIVATIONS written out (lgc.network has the
#: same functions in autograd, the reference the tests hold these against)
ACTIVATIONS = {
    # sigmoid' = s (1 - s), sigmoid'' = s' (1 - 2 s): as the paper's code always had them
    "sigmoid": Activation(
        value=expit,
        slope=lambda A, S: S * (1.0 - S),
        curve=lambda A, S, S1: S1 * (1.0 - 2.0 * S),
        chain=lambda E, A, S: E * S * (1.0 - S),
        saturated=lambda A, S: namespace(A).abs(A) > _SIGMOID_EDGE),
    # tanh'' = -2 tanh tanh'
    "tanh": Activation(
        value=lambda A: namespace(A).tanh(A),
        slope=lambda A, S: _tanh_slope(A),
        curve=lambda A, S, S1: -2.0 * S * S1,
        chain=lambda E, A, S: E * _tanh_slope(A),
        saturated=lambda A, S: namespace(A).abs(A) > _TANH_EDGE),
    # relu'(0) = 0 and relu'' = 0, the kink included
    "relu": Activation(
        value=lambda A: namespace(A).where(A > 0, A, namespace(A).zeros_like(A)),
        slope=lambda A, S: _positive(A),
        curve=lambda A, S, S1: namespace(A).zeros_like(A),
        chain=lambda E, A, S: E * _positive(A),
        saturated=lambda A, S: A <= 0),
    # ELU, alpha = 1: elu' = exp(a), elu'' = exp(a) for a <= 0; 1 and 0 above
    "elu": Activation(
        value=_elu,
        slope=lambda A, S: _elu_slope(A),
        curve=lambda A, S, S1: _elu_curve(A),
        chain=lambda E, A, S: E * _elu_slope(A),
        saturated=lambda A, S: A < 0),
}


def get_activation(name: str) -> Activation:
    """The maths of a hidden activation named in lgc.vocabulary.ACTIVATIONS.

    An unknown name raises naming the allowed ones; a name listed there but
    not written out here raises rather than falling back to the sigmoid.
    """
    vocabulary.check("activation", name, vocabulary.ACTIVATIONS)
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} has no derivatives in lgc.derivatives: "
                         f"implemented are {tuple(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def saturation(A, S, name: str = "sigmoid"):
    """Share of the hidden layer's (pattern, unit) pairs that are saturated, per network.

    Our own definition, in the spirit of Rakitianskaia & Engelbrecht's saturation
    measure (2015: how close hidden outputs sit to the activation's asymptotes),
    but a plain share rather than their histogram statistic: a sigmoid or tanh
    unit is saturated on a pattern where its slope f'(a) is below
    :data:`SATURATED_SLOPE` (1%) of its largest slope (sigmoid: s (1 - s) <
    0.0025, i.e. |a| > 5.986; tanh: 1 - tanh^2 < 0.01, |a| > 2.993); a ReLU unit
    where its output is zero (a <= 0: no gradient flows through it); an ELU
    unit where it is in its negative regime (a < 0).

    Parameters
    ----------
    A, S : arrays (n, P, h)
        Hidden pre-activations and activations of n networks.
    name : one of lgc.vocabulary.ACTIVATIONS

    Returns
    -------
    array (n,) of shares in [0, 1]
    """
    xp = namespace(S)
    mask = get_activation(name).saturated(A, S)
    if xp is np:  # counting is 3x faster than a mean over two axes (XOR: ~2% of a step)
        return np.count_nonzero(mask.reshape(len(mask), -1), axis=1) / mask[0].size
    return xp.mean(xp.astype(mask, xp.float64), axis=(-2, -1))


class Model(NamedTuple):
    """What the closed forms need besides the weights and data: the loss (its
    parameter alpha for the hybrid), the hidden activation, the output layer."""

    kind: str
    activation: str = "sigmoid"
    output: str = "sigmoid"
    alpha: float | None = None


#: the losses whose per-element derivatives are written out below; a name in
#: lgc.vocabulary.WALK_LOSSES but not here raises rather than falling through to another
IMPLEMENTED = ("sse", "ce", "hybrid")


def _no_derivatives(kind):
    return ValueError(f"loss {kind!r} has no derivatives in lgc.derivatives: "
                      f"implemented are {IMPLEMENTED}")


def _log_softmax(Z):
    xp = namespace(Z)
    top = xp.max(Z, axis=-1, keepdims=True)
    return Z - top - xp.log(xp.sum(xp.exp(Z - top), axis=-1, keepdims=True))


def _element_loss(Z, T, kind, Y=None, output="sigmoid", alpha=None):
    """Per-element loss before averaging, shape of Z; Y = sigmoid(Z) when known.

    With a softmax output (CE only) the elements -T log softmax(Z), whose sum over
    the outputs is a pattern's categorical cross-entropy."""
    if output == "softmax":
        return -T * _log_softmax(Z)
    if kind == "sse":
        return ((expit(Z) if Y is None else Y) - T) ** 2
    if kind == "ce":
        return -T * log_expit(Z) - (1.0 - T) * log_expit(-Z)
    if kind == "hybrid":
        Y = expit(Z) if Y is None else Y
        return alpha * (Y - T) ** 2 + (1.0 - alpha) * (
            -T * log_expit(Z) - (1.0 - T) * log_expit(-Z))
    raise _no_derivatives(kind)


def _reduce(E, output="sigmoid"):
    """The loss from its elements (n, P, K): the mean over P*K (the paper's), or for
    a softmax output the sum over the outputs averaged over the P patterns."""
    xp = namespace(E)
    if output == "softmax":
        return xp.sum(E, axis=(-2, -1)) / E.shape[-2]
    return xp.mean(E, axis=(-2, -1))


def _element_derivatives(Z, T, kind, scale, output="sigmoid", alpha=None):
    """First and second derivatives of scale * element-loss w.r.t. the logit, and
    the outputs Y = sigmoid(Z) (or softmax(Z)) they are made of.

    For a softmax output the second derivative returned is the diagonal part y
    of diag(y) - y y^T; the Hessian subtracts the rest (:func:`_softmax_correction`).
    """
    if output == "softmax":
        Y = namespace(Z).exp(_log_softmax(Z))
        return scale * (Y - T), scale * Y, Y
    Y = expit(Z)
    Y1 = Y * expit(-Z)  # sigmoid'(z), exact also when saturated
    if kind == "sse":
        d1 = 2.0 * (Y - T) * Y1
        d2 = 2.0 * (Y1 * Y1 + (Y - T) * Y1 * (1.0 - 2.0 * Y))
    elif kind == "ce":
        d1 = Y - T
        d2 = Y1
    elif kind == "hybrid":
        d1 = alpha * (2.0 * (Y - T) * Y1) + (1.0 - alpha) * (Y - T)
        d2 = alpha * (2.0 * (Y1 * Y1 + (Y - T) * Y1 * (1.0 - 2.0 * Y))) + (1.0 - alpha) * Y1
    else:
        raise _no_derivatives(kind)
    return scale * d1, scale * d2, Y


def _check(Wb, X, T, kind, arch, model=None):
    model = Model(kind) if model is None else model
    check_model(model.kind, model.activation, model.output, model.alpha)
    if Wb.ndim != 2 or Wb.shape[1] != arch.dim:
        raise ValueError(f"weights must have shape (n, {arch.dim}); got {Wb.shape}")
    if (X.shape[-1], T.shape[-1]) != (arch.n_in, arch.n_out) or X.shape[:-1] != T.shape[:-1]:
        raise ValueError(
            f"data must be X ([n,] P, {arch.n_in}) and T ([n,] P, {arch.n_out}); "
            f"got X {X.shape} and T {T.shape}")
    check_finite_weights(Wb)  # ~0.7 us for a walk batch: under 1% of a step


def _forward(Wb, X, arch: Architecture, act: Activation):
    """Hidden pre-activations A, activations S = f(A) (n, P, h) and logits Z (n, P, K)."""
    W1a, W2a = _split(Wb, arch)
    A = X @ W1a[:, :-1, :] + W1a[:, -1:, :]
    S = act.value(A)
    Z = S @ W2a[:, :-1, :] + W2a[:, -1:, :]
    return A, S, Z


def forward_pass(Wb, X, arch: Architecture, activation: str = "sigmoid"):
    """Hidden activations S (n, P, h) and logits Z (n, P, K) for n networks.

    X may be shared (P, n_in) or per network (n, P, n_in), as for MNIST's
    per-walk mini-batches. X is never copied (no column of ones appended):
    with MNIST's 784 inputs that copy cost more than the products.
    """
    _, S, Z = _forward(Wb, X, arch, get_activation(activation))
    return S, Z


def preactivations(Wb, X, arch: Architecture, activation: str = "sigmoid"):
    """Hidden pre-activations A (n, P, h) and logits Z (n, P, K) for n networks."""
    A, _, Z = _forward(Wb, X, arch, get_activation(activation))
    return A, Z


def batch_loss(Wb, X, T, kind: str, arch: Architecture, activation: str = "sigmoid",
               output: str = "sigmoid", alpha: float | None = None):
    """Loss (n,) and outputs sigmoid(Z) (or softmax(Z)) (n, P, K) of n networks
    (docs/departures.md#d7-both-losses-are-means-and-ce-is-binary).

    Raises ValueError for non-finite weights, as :func:`loss_and_grad`.
    """
    model = Model(kind, activation, output, alpha)
    check_model(kind, activation, output, alpha)
    check_finite_weights(Wb)
    _, _, Z = _forward(Wb, X, arch, get_activation(activation))
    return losses_from_logits(Z, T, model)


def losses_from_logits(Z, T, model: Model):
    """Loss (n,) and outputs (n, P, K) of networks whose logits are Z (n, P, K)."""
    if model.output == "softmax":
        Y = namespace(Z).exp(_log_softmax(Z))
    else:
        Y = expit(Z)
    E = _element_loss(Z, T, model.kind, Y, model.output, model.alpha)
    return _reduce(E, model.output), Y


def loss_and_grad(Wb, X, T, kind: str, arch: Architecture, activation: str = "sigmoid",
                  output: str = "sigmoid", alpha: float | None = None):
    """Loss (n,), gradient (n, d) and outputs sigmoid(Z) (n, P, K) for n networks.

    Back-propagation written as matrix products over the whole batch. NaN or
    infinite weights raise ValueError naming the first, ``w[network, weight]``
    (:func:`lgc.network.check_finite_weights`), here and in :func:`hessian`,
    :func:`loss_grad_hessian` and :func:`batch_loss`: they have no loss to
    speak of, and their NaN Hessian would otherwise reach the curvature test.
    ``activation``, ``output`` and ``alpha`` choose the network and loss
    beyond the paper's (lgc.network.loss); the defaults are the paper's.
    """
    loss, grad, Y, _ = _backprop(Wb, X, T, kind, arch, Model(kind, activation, output, alpha))
    return loss, grad, Y


def _prepare(Wb, X, T, model: Model, arch: Architecture):
    """What every closed form starts from at the points Wb: the weights as floats,
    the activation, the forward pass (A, S, Z) and the per-element loss
    derivatives l'(Z), l''(Z) with the outputs Y, each (n, P, K)."""
    xp = namespace(Wb)
    Wb = xp.asarray(Wb)
    Wb = Wb if Wb.dtype in (xp.float32, xp.float64) else xp.astype(Wb, xp.float64)
    _check(Wb, X, T, model.kind, arch, model)
    act = get_activation(model.activation)
    A, S, Z = _forward(Wb, X, arch, act)
    P, K = Z.shape[-2], Z.shape[-1]
    scale = 1.0 / P if model.output == "softmax" else 1.0 / (P * K)
    d1, d2, Y = _element_derivatives(Z, T, model.kind, scale, model.output, model.alpha)
    return Wb, act, A, S, Z, d1, d2, Y


def _backprop(Wb, X, T, kind, arch, model=None):
    """loss_and_grad's results and what the Hessian and the walks reuse:
    (A, S, Z, l'(Z), l''(Z)).

    Written against the array API standard, so that walks run in any array
    library (lgc._arrays); on numpy these are the same operations as ever.
    """
    model = Model(kind) if model is None else model
    xp = namespace(Wb)
    Wb, act, A, S, Z, d1, d2, Y = _prepare(Wb, X, T, model, arch)
    K = Z.shape[-1]
    _, W2a = _split(Wb, arch)
    delta1 = act.chain(d1 @ xp.matrix_transpose(W2a[:, :-1, :]), A, S)  # (n, P, h)
    n, (n_in, h, _) = Wb.shape[0], arch
    # the flat gradient is dW1, db1, dW2, db2 side by side (lgc.network.unpack)
    grad = xp.empty_like(Wb)
    i1, i2, i3 = n_in * h, (n_in + 1) * h, (n_in + 1) * h + h * K
    grad[:, :i1] = xp.reshape(xp.matrix_transpose(X) @ delta1, (n, i1))
    grad[:, i1:i2] = xp.sum(delta1, axis=1)
    grad[:, i2:i3] = xp.reshape(xp.matrix_transpose(S) @ d1, (n, h * K))
    grad[:, i3:] = xp.sum(d1, axis=1)
    loss = _reduce(_element_loss(Z, T, kind, Y, model.output, model.alpha), model.output)
    return loss, grad, Y, (A, S, Z, d1, d2)


def _pair_index(m: int):
    """Pairs a <= b of range(m) as (rows, cols), and the (m, m) map to pair numbers."""
    rows, cols = np.triu_indices(m)
    index = np.empty((m, m), dtype=np.intp)
    index[rows, cols] = index[cols, rows] = np.arange(len(rows))
    return rows, cols, index


def _gauss_newton(Xa, C, Sa, d2, m1, out=None):
    """J^T diag(l'') J using the structure of J, for any number of outputs.

    Row (p, k) of J on the input weights is x~_p (x) c_pk (a Kronecker
    product), so that block of J^T D J is
    sum_p (x~_p x~_p^T) (x) (sum_k D_pk c_pk c_pk^T). Only the distinct products
    x~_pa x~_pb (a <= b, the same for every walk) and sum_k D_pk c_pkj c_pkl
    (j <= l) are formed and combined by one matrix product per walk: about half
    the flops of the Gram matrix of J for Heart and Cancer. The rest of J is
    sparse: output k's weights meet only output k's.
    """
    n, P, K, h = C.shape
    A1, H1 = Xa.shape[1], Sa.shape[-1]
    ia, ib, pair_a = _pair_index(A1)
    ij, _, pair_j = _pair_index(h)
    U = Xa[:, ia] * Xa[:, ib]  # (P, A1(A1+1)/2)
    DC = d2[..., None] * C  # (n, P, K, h)
    # one product per walk (a stacked matmul), never across walks: a walk's
    # rounding must not depend on which walks share its batch
    M = U.T @ _hidden_pairs(DC, C)  # (n, pairs a, pairs j)
    d = m1 + H1 * K
    G = np.empty((n, d, d)) if out is None else out  # every entry is written below
    # Entry ((a, j), (b, l)) of the block is M[pair(a, b), pair(j, l)]: one flat
    # index, gathered walk by walk so that source and result stay in cache.
    flat = (pair_a[:, None, :, None] * len(ij) + pair_j[None, :, None, :]).reshape(m1, m1)
    for i in range(n):
        np.take(M[i], flat, out=G[i, :m1, :m1])
    _output_blocks(G, Xa, DC, Sa, d2, m1)
    return G


def _hidden_pairs(DC, C):
    """V (n, P, h(h+1)/2): sum_k D_pk c_pkj c_pkl for the pairs j <= l, in
    _pair_index's order, where the pairs (j, j..h-1) are consecutive: filled by
    slices, not by a gather."""
    n, P, K, h = C.shape
    V = np.empty((n, P, h * (h + 1) // 2))
    if K > 1:  # a (h, K) x (K, h) product per pattern sums over the outputs
        F = np.matmul(DC.transpose(0, 1, 3, 2), C)  # (n, P, h, h)
    start = 0
    for j in range(h):
        pairs = V[:, :, start:start + h - j]
        if K > 1:
            pairs[...] = F[:, :, j, j:]
        else:
            np.multiply(DC[:, :, 0, j, None], C[:, :, 0, j:], out=pairs)
        start += h - j
    return V


def _output_blocks(G, Xa, DC, Sa, d2, m1):
    """Fill the Gauss-Newton blocks of G (n, d, d) that involve output weights."""
    n, _, K, h = DC.shape
    A1, H1 = Xa.shape[1], Sa.shape[-1]
    # input-output block: sum_p D_pk (x~_pa c_pkj) s~_pl at row (a, j), column (l, k)
    G12 = G[:, :m1, m1:].reshape(n, A1, h, H1, K)  # a view into G
    for j in range(h):
        for k in range(K):
            G12[:, :, j, :, k] = Xa.T @ (DC[:, :, k, j, None] * Sa)
    G[:, m1:, :m1] = G[:, :m1, m1:].transpose(0, 2, 1)
    # output block: output k's weights meet only themselves
    G22 = G[:, m1:, m1:]
    G22[...] = 0.0
    for k in range(K):
        G22.reshape(n, H1, K, H1, K)[:, :, k, :, k] = \
            Sa.transpose(0, 2, 1) @ (d2[:, :, k, None] * Sa)


def input_basis(X):
    """Orthonormal basis (n_in+1, r) of the row space of X~ = [X, 1], or None.

    When the augmented inputs have rank r < n_in+1 (Heart), a hidden unit's
    incoming weights matter only through their projection on this basis; the
    other directions change no output and add exactly-zero eigenvalues to the
    Hessian (:func:`lgc.curvature.structural_zeros`). Returns None when X~ has
    full column rank. The rank is numpy.linalg.matrix_rank's, as there.
    """
    Xa = _augment(np.asarray(X, dtype=float))
    _, _, Vt = np.linalg.svd(Xa, full_matrices=False)
    rank = np.linalg.matrix_rank(Xa)
    return None if rank == Xa.shape[1] else np.ascontiguousarray(Vt[:rank].T)


def hessian(Wb, X, T, kind: str, arch: Architecture, out=None, basis=None,
            activation: str = "sigmoid", output: str = "sigmoid", alpha: float | None = None):
    """Full Hessian of the loss for each of n networks, shape (n, d, d).

    H = J^T diag(l'') J + sum_pk l'_pk d2z_pk/dw2 (see the module docstring).
    ``out`` (n, d, d) is overwritten with the result: a walk reuses one buffer
    rather than paying for fresh memory at every step (numpy; other array
    libraries return a new array, see :func:`_dense_hessian`).

    With ``basis`` U (n_in+1, r) from :func:`input_basis`, the Hessian is taken
    in the coordinates V1 = U^T W~1 of the input weights that change the
    network function (the restriction Q^T H Q, with Q orthonormal): shape
    (n, d', d') with d' = d - h (n_in+1-r). Its eigenvalues are those of H
    without the h (n_in+1-r) structural zeros, and it is cheaper to build and
    to factorise. ``activation``, ``output`` and ``alpha`` as in
    :func:`loss_and_grad`.
    """
    return loss_grad_hessian(Wb, X, T, kind, arch, out, basis, activation, output, alpha)[3]


def loss_grad_hessian(Wb, X, T, kind: str, arch: Architecture, out=None, basis=None,
                      activation: str = "sigmoid", output: str = "sigmoid",
                      alpha: float | None = None):
    """Loss, gradient, outputs (as :func:`loss_and_grad`) and :func:`hessian`,
    from one forward pass."""
    model = Model(kind, activation, output, alpha)
    point = evaluate(Wb, X, T, model, arch, hessian=True, out=out, basis=basis)
    return point.loss, point.grad, point.Y, point.H


class Point(NamedTuple):
    """What :func:`evaluate` computes at n networks: loss (n,), gradient (n, d),
    outputs Y (n, P, K), Hessians H (n, d, d) or None, hidden pre-activations A
    and activations S (n, P, h), logits Z (n, P, K)."""

    loss: object
    grad: object
    Y: object
    H: object
    A: object
    S: object
    Z: object


def evaluate(Wb, X, T, model: Model, arch: Architecture, hessian: bool = False, out=None,
             basis=None) -> Point:
    """Loss, gradient and (with ``hessian``) the Hessian of n networks from one
    forward pass, with the hidden layer and logits a walk records more from
    (:func:`saturation`, :func:`losses_from_logits`). ``out`` and ``basis`` as
    in :func:`hessian`."""
    loss, grad, Y, (A, S, Z, d1, d2) = _backprop(Wb, X, T, model.kind, arch, model)
    if not hessian:
        return Point(loss, grad, Y, None, A, S, Z)
    xp = namespace(S)
    act = get_activation(model.activation)
    S1 = act.slope(A, S)
    S2 = act.curve(A, S, S1)
    Xa = _augment(X)  # (P, n_in+1)
    if basis is not None:
        # X~ W~1 = (X~ U)(U^T W~1): in V1's coordinates the inputs are X~ U
        Xa = Xa @ xp.asarray(basis)
    _, W2a = _split(xp.asarray(Wb), arch)
    # a softmax's l'' = scale (diag(y) - y y^T): d2 holds scale y, the rest follows
    softmax = (Y, 1.0 / Z.shape[-2]) if model.output == "softmax" else None
    if xp is np:
        H = _hessian(Xa, S, S1, S2, W2a, d1, d2, out, softmax)
    else:
        H = _dense_hessian(Xa, S, S1, S2, W2a, d1, d2, softmax)
    return Point(loss, grad, Y, H, A, S, Z)


def _hessian(Xa, S, S1, S2, W2a, d1, d2, out, softmax=None):
    """The Hessian from the (augmented) inputs, hidden activations S and their
    first and second derivatives S1, S2, and l', l'' (``softmax``: (Y, scale) of
    a softmax output, whose rank-one terms are then subtracted)."""
    n, P, h = S.shape
    A1, K = Xa.shape[1], W2a.shape[-1]
    m1 = A1 * h
    Sa = _augment(S)  # (n, P, h+1)

    C = S1[:, :, None, :] * W2a[:, None, :-1, :].transpose(0, 1, 3, 2)  # (n, P, K, h)
    H = _gauss_newton(Xa, C, Sa, d2, m1, out)
    if softmax is not None:
        _softmax_correction(H, Xa, C, Sa, *softmax)

    # Second-order part. Hidden unit j couples its incoming weights W~1[:, j]
    # with themselves (f'') and with its outgoing weights W2[j, :] (f').
    E = d1 @ W2a[:, :-1, :].transpose(0, 2, 1)  # (n, P, h)
    ES2 = E * S2
    H11 = H[:, :m1, :m1].reshape(n, A1, h, A1, h)  # a view into H
    H12 = H[:, :m1, m1:].reshape(n, A1, h, h + 1, K)
    H21 = H[:, m1:, :m1].reshape(n, h + 1, K, A1, h)
    C = Xa.T @ (S1[:, :, :, None] * d1[:, :, None, :]).reshape(n, P, h * K)
    C = C.reshape(n, A1, h, K)
    # sum_p e_pj s''_pj X~_pa X~_pb for all j at once: one product (per walk, see
    # _gauss_newton) with the distinct products X~_pa X~_pb, a <= b.
    ia, ib, pair_a = _pair_index(A1)
    M = ((Xa[:, ia] * Xa[:, ib]).T @ ES2)[:, pair_a]  # (n, A1, A1, h)
    for j in range(h):
        H11[:, :, j, :, j] += M[..., j]
        H12[:, :, j, j, :] += C[:, :, j, :]
        H21[:, j, :, :, j] += C[:, :, j, :].transpose(0, 2, 1)
    return H


def _softmax_correction(H, Xa, C, Sa, Y, scale):
    """Subtract scale sum_p v_p v_p^T from H (n, d, d), v_p = J_p^T y_p: with the
    Gauss-Newton part taken with diag(y), this makes it J^T (diag(y) - y y^T) J.

    Row k of J_p on the input weights is x~_p (x) c_pk, on the output weights
    s~_p on output k's, so v_p is x~_p (x) sum_k y_pk c_pk, then s~_p (x) y_p.
    """
    n, P, K, h = C.shape
    A1, H1 = Xa.shape[1], Sa.shape[-1]
    CY = np.matmul(Y[:, :, None, :], C)[:, :, 0, :]  # (n, P, h): sum_k y_pk c_pkj
    V = np.concatenate([(Xa[None, :, :, None] * CY[:, :, None, :]).reshape(n, P, A1 * h),
                        (Sa[:, :, :, None] * Y[:, :, None, :]).reshape(n, P, H1 * K)],
                       axis=-1)
    H -= scale * np.matmul(V.transpose(0, 2, 1), V)


def _dense_hessian(Xa, S, S1, S2, W2a, d1, d2, softmax=None):
    """:func:`_hessian` in any array library, from the array API standard alone.

    Where _hessian saves flops with numpy-only gathers and in-place writes into
    views, this forms the Jacobian J (n, P K, d) of the logits and takes
    J^T diag(l'') J as one stacked product: more flops, which a GPU has to
    spare, in a few large calls. The second-order terms are the same sums,
    placed by products with identity matrices (hidden unit j meets only
    itself) instead of by index.
    """
    xp = namespace(S)
    n, P, h = S.shape
    A1, K = Xa.shape[1], W2a.shape[-1]
    m1, H1 = A1 * h, h + 1
    Sa = _augment(S)  # (n, P, h+1)
    W2t = xp.matrix_transpose(W2a[:, :-1, :])  # (n, K, h)
    eye_h, eye_K = xp.eye(h, dtype=S.dtype), xp.eye(K, dtype=S.dtype)

    # dz_pk / dW~1[a, j] = x~_pa s'_pj W2[j, k];  dz_pk / dW~2[l, k'] = s~_pl [k = k']
    C = S1[:, :, None, :] * W2t[:, None, :, :]  # (n, P, K, h)
    J1 = xp.reshape(Xa[None, :, None, :, None] * C[:, :, :, None, :], (n, P * K, m1))
    J2 = xp.reshape(Sa[:, :, None, :, None] * eye_K[:, None, :], (n, P * K, H1 * K))
    J = xp.concat([J1, J2], axis=-1)
    H = xp.matrix_transpose(J) @ (xp.reshape(d2, (n, P * K, 1)) * J)
    if softmax is not None:  # l'' = scale (diag(y) - y y^T): subtract the y y^T part
        Y, scale = softmax
        V = xp.sum(xp.reshape(J, (n, P, K, m1 + H1 * K)) * Y[..., None], axis=2)
        H = H - scale * (xp.matrix_transpose(V) @ V)

    # second order: sum_p e_pj s''_pj x~_pa x~_pb at ((a, j), (b, j)) ...
    E = d1 @ W2t  # (n, P, h)
    XXE = Xa[None, :, :, None] * (E * S2)[:, :, None, :]  # (n, P, A1, h)
    M = xp.reshape(xp.matrix_transpose(Xa) @ xp.reshape(XXE, (n, P, m1)), (n, A1, A1, h))
    H11 = xp.permute_dims(M, (0, 1, 3, 2))[..., None] * eye_h[:, None, :]  # (n, a, j, b, l)
    # ... and sum_p x~_pa s'_pj l'_pk at ((a, j), (j, k)), the outgoing weights of j
    XSD = xp.reshape(S1[:, :, :, None] * d1[:, :, None, :], (n, P, h * K))
    C2 = xp.reshape(xp.matrix_transpose(Xa) @ XSD, (n, A1, h, K))
    H12 = C2[:, :, :, None, :] * xp.eye(h, H1, dtype=S.dtype)[:, :, None]  # (n, a, j, l, k)
    H11, H12 = xp.reshape(H11, (n, m1, m1)), xp.reshape(H12, (n, m1, H1 * K))
    zeros = xp.zeros((n, H1 * K, H1 * K), dtype=S.dtype)
    second = xp.concat([xp.concat([H11, H12], axis=-1),
                        xp.concat([xp.matrix_transpose(H12), zeros], axis=-1)], axis=1)
    return H + second


def hessian_vector_product(Wb, V, X, T, kind: str, arch: Architecture, model=None):
    """H v for each of n networks without forming H: shape (n, d), O(P d) each.

    Row i is the Hessian of the loss at ``Wb[i]`` times ``V[i]``: the
    R-operator (Pearlmutter 1994, "Fast exact multiplication by the Hessian")
    of back-propagation, written out for the one-hidden-layer network in the
    module docstring's notation. With the direction split as V~1 (n_in+1, h)
    and V~2 (h+1, K) like the weights, and R{.} the directional derivative
    along it,

        R{A} = X~ V~1,  R{S} = s' R{A},  R{Z} = R{S} W2 + S~ V~2,
        R{l'} = l'' R{Z},
        (H v)_2 = S~^T R{l'} + [R{S}; 0]^T l',
        (H v)_1 = X~^T (s' (R{l'} W2^T + l' V2^T) + s'' (l' W2^T) R{A}),

    where V2 is V~2 without its bias row. Costs a few products of the size
    of a forward pass, against P d^2 for the dense :func:`hessian`; for
    MNIST (d = 7,960) the Hessian is 507 MB a network.

    Parameters
    ----------
    Wb : array (n, d)
        Weight vectors, flat as in :mod:`lgc.network`.
    V : array (n, d)
        One direction per network.
    X : array (P, n_in) or (n, P, n_in)
        Inputs, shared or one batch per network (as :func:`forward_pass`).
    T : array (P, K) or (n, P, K)
        Targets.
    kind : {"sse", "ce"}
    arch : Architecture
    model : Model, optional
        The activation (and hybrid alpha) of the network; default the paper's
        sigmoid network with loss ``kind`` (see :func:`hessian_operator`).

    Returns
    -------
    array (n, d)

    Raises
    ------
    ValueError
        For non-finite weights, an unknown loss, or weights, directions or
        data of the wrong shape.

    See Also
    --------
    hessian_operator : the same product, with the forward pass done once
        for many directions (Lanczos iterations).
    """
    return hessian_operator(Wb, X, T, kind, arch, model)(V)


def hessian_operator(Wb, X, T, kind: str, arch: Architecture, model=None):
    """The map V -> H V of :func:`hessian_vector_product` at fixed points ``Wb``.

    The forward pass and the per-pattern derivatives l', l'', s', s'' at the
    points are computed once, here; each call of the returned function then
    costs only the R-operator's products (four of the size of a forward
    pass). Used by :mod:`lgc.lanczos`, which multiplies by the Hessian at one
    point a few hundred times. ``model`` (a :class:`Model`; default the
    paper's sigmoid network with loss ``kind``) chooses the hidden activation,
    whose f' and f'' stand for s' and s''; a softmax output layer, whose
    l'' is not diagonal in the outputs, is refused.

    Returns
    -------
    callable
        ``matvec(V)`` with V of shape (n, d), returning H V of shape (n, d).
    """
    model = Model(kind) if model is None else model
    if model.output != "sigmoid":
        raise ValueError(f"Hessian-vector products are written for sigmoid output units; "
                         f"got output={model.output!r}")
    xp = namespace(Wb)
    Wb, act, A, S, Z, d1, d2, _ = _prepare(Wb, X, T, model, arch)
    K = Z.shape[-1]
    W2t = xp.matrix_transpose(_split(Wb, arch)[1][:, :-1, :])  # (n, K, h)
    S1 = act.slope(A, S)
    S2 = act.curve(A, S, S1)
    ES2 = (d1 @ W2t) * S2  # l' W2^T s'', the sigma'' term's weight (n, P, h)
    Xt = xp.matrix_transpose(X)
    n, (n_in, h, _) = Wb.shape[0], arch

    def matvec(V):
        V = xp.asarray(V)
        if V.shape != Wb.shape:
            raise ValueError(f"directions must have the weights' shape {tuple(Wb.shape)}; "
                             f"got {tuple(V.shape)}")
        V1a, V2a = _split(V, arch)
        V2 = V2a[:, :-1, :]
        RA = X @ V1a[:, :-1, :] + V1a[:, -1:, :]  # (n, P, h), X never augmented
        RS = S1 * RA
        Rd1 = d2 * (RS @ xp.matrix_transpose(W2t) + S @ V2 + V2a[:, -1:, :])  # l'' R{Z}
        Rdelta = S1 * (Rd1 @ W2t + d1 @ xp.matrix_transpose(V2)) + ES2 * RA  # (n, P, h)
        HV = xp.empty_like(Wb)
        i1, i2, i3 = n_in * h, (n_in + 1) * h, (n_in + 1) * h + h * K
        HV[:, :i1] = xp.reshape(Xt @ Rdelta, (n, i1))
        HV[:, i1:i2] = xp.sum(Rdelta, axis=-2)
        HV[:, i2:i3] = xp.reshape(xp.matrix_transpose(S) @ Rd1
                                  + xp.matrix_transpose(RS) @ d1, (n, h * K))
        HV[:, i3:] = xp.sum(Rd1, axis=-2)
        return HV

    return matvec
