"""The paper's network and losses as pure functions of one flat weight vector.

One hidden layer of sigmoid units feeding sigmoid outputs, with biases on both
layers (Section 5.1, Table 2;
docs/departures.md#d8-the-network)::

    Y = sigmoid(sigmoid(X W1 + b1) W2 + b2)

Beyond the paper (docs/activations.md), the hidden units may be tanh, ReLU or
ELU (``activation``, lgc.vocabulary.ACTIVATIONS), the output layer a softmax
(``output``, with CE only: the categorical cross-entropy), and the loss the
hybrid alpha SSE + (1 - alpha) CE (``kind="hybrid"``, ``alpha``). Every
function takes these as keywords; their defaults are the paper's network.

The flat vector ``w`` holds W1 (n_in x h, row-major), b1 (h), W2 (h x K,
row-major), b2 (K), in that order. Because W1 is stored row by row, the first
(n_in + 1) * h entries are exactly the augmented matrix [W1; b1] row-major, and
the rest is [W2; b2]: the closed-form derivatives in :mod:`lgc.derivatives`
use that view.

Everything here is written with ``autograd.numpy`` so that :func:`loss_grad`
and :func:`loss_hessian` are autograd's own derivatives, the reference every
faster path is tested against. The reference holds for any finite weights:
the sigmoid and the log-sigmoid of the cross-entropy are autograd primitives
whose derivatives are written through themselves (sigmoid' = s(z) s(-z),
log-sigmoid' = s(-z)), so no derivative of any order overflows (autograd's own
derivative of tanh, 1 / cosh^2, made every Hessian with a saturated unit NaN
from |w| ~ 1000 on) or loses a saturated unit's tiny slope to rounding. The
other activations follow the same style: :func:`tanh`, :func:`relu` and
:func:`elu` are primitives whose derivatives are primitives again, each finite
for any finite input.
Non-finite weights are rejected with a ValueError naming one.
"""
from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import autograd.numpy as anp
import numpy as np
from autograd import grad, hessian
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from . import vocabulary
from ._arrays import namespace, to_numpy


class Architecture(NamedTuple):
    """Layer sizes of the one-hidden-layer network (Table 2)."""

    n_in: int
    hidden: int
    n_out: int

    @property
    def dim(self) -> int:
        """Number of weights d = n_in*h + h + h*K + K."""
        return vocabulary.n_weights(self.n_in, self.hidden, self.n_out)

    @property
    def tensor_sizes(self) -> tuple[int, int, int, int]:
        """Sizes of W1, b1, W2, b2 in the flat vector, in order."""
        h = self.hidden
        return (self.n_in * h, h, h * self.n_out, self.n_out)


def infer_architecture(w, X, T) -> Architecture:
    """Read the layer sizes off a weight vector and the data it is applied to.

    d = h (n_in + 1 + K) + K fixes the hidden width h once n_in and K are known.
    """
    X, T = anp.asarray(X), anp.asarray(T)
    if X.ndim != 2 or T.ndim != 2 or X.shape[0] != T.shape[0]:
        raise ValueError(
            f"X and T must be 2-D with the same number of rows (patterns); "
            f"got X {X.shape} and T {T.shape}")
    n_in, K = X.shape[1], T.shape[1]
    d = anp.shape(w)[-1]
    h, rest = divmod(d - K, n_in + 1 + K)
    if rest or h < 1:
        raise ValueError(
            f"a weight vector of length {d} does not fit a network with "
            f"{n_in} inputs and {K} outputs: need d = h*({n_in}+1+{K}) + {K} "
            f"for a whole number h of hidden units")
    return Architecture(n_in, h, K)


def unpack(w, arch: Architecture):
    """Split a flat vector (or a batch (..., d)) into W1, b1, W2, b2."""
    n_in, h, K = arch
    lead = anp.shape(w)[:-1]
    i1 = n_in * h
    i2 = i1 + h
    i3 = i2 + h * K
    W1 = anp.reshape(w[..., :i1], lead + (n_in, h))
    b1 = w[..., i1:i2]
    W2 = anp.reshape(w[..., i2:i3], lead + (h, K))
    b2 = w[..., i3:]
    return W1, b1, W2, b2


def pack(W1, b1, W2, b2):
    """Inverse of :func:`unpack` for a single network."""
    return anp.concatenate([anp.ravel(W1), b1, anp.ravel(W2), b2])


def check_finite_weights(w) -> None:
    """Raise ValueError, naming the first offending weight, unless every weight is finite.

    Parameters
    ----------
    w : array (d,) or (..., d)
        One flat weight vector, or a batch of them (the index then names the
        network too), in numpy or another array library (lgc._arrays).

    Raises
    ------
    ValueError
        ``weights must be finite: w[2, 5] = nan (3 non-finite in all)``:
        NaN or infinite weights have no loss, gradient or Hessian to speak of,
        and a NaN Hessian must not reach the curvature test (Section 4.2).

    Examples
    --------
    >>> import numpy as np
    >>> check_finite_weights(np.array([0.0, np.inf, 1.0]))
    Traceback (most recent call last):
    ...
    ValueError: weights must be finite: w[1] = inf (1 non-finite in all)
    """
    # The cheap test, once per call. For numpy, the sum of squares (one BLAS call,
    # ~0.5 us for a walk batch: 2.5x faster than isfinite(w).all()) is finite
    # exactly when every weight is (NaN and inf propagate), unless the squares
    # overflow (weights beyond ~1e154): then the element-wise test decides.
    if isinstance(w, np.ndarray):
        if math.isfinite(np.vdot(w, w)) or np.isfinite(w).all():
            return
    elif bool((xp := namespace(w)).all(xp.isfinite(w))):
        return
    bad = np.argwhere(~np.isfinite(to_numpy(w)))
    where = ", ".join(str(int(i)) for i in bad[0])
    raise ValueError(f"weights must be finite: w[{where}] = "
                     f"{to_numpy(w)[tuple(bad[0])]} ({len(bad)} non-finite in all)")


@primitive
def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), from e = exp(-|z|) so it never overflows.

    The activation of both layers (Section 5.1): 1 / (1 + e) for z >= 0 and
    e / (1 + e) below, accurate to rounding *relative* to the value on both
    tails (0.5 (1 + tanh(z / 2)) rounds to 0 from z ~ -37 on, which made the
    reference's tiny saturated derivatives 0 where the closed forms of
    lgc.derivatives keep them). An autograd primitive whose derivative is
    sigmoid(z) sigmoid(-z), itself made of this primitive: every derivative of
    every order is a product of numbers in [0, 1] (autograd's own derivative
    of tanh, 1 / cosh^2, is NaN at second order once cosh overflows).
    """
    e = np.exp(-np.abs(z))
    return np.where(np.asarray(z) >= 0, 1.0, e) / (1.0 + e)


defvjp(sigmoid, lambda ans, z: lambda g: g * ans * sigmoid(-z))


@primitive
def log_sigmoid(z):
    """log(sigmoid(z)) = -log(1 + exp(-z)), by logaddexp so it never overflows.

    An autograd primitive with derivative sigmoid(-z) (:func:`sigmoid`), so
    that its derivatives of every order are finite and accurate also for
    saturated units, where autograd's derivative of logaddexp, exp(x - ans),
    loses the small difference 1 - sigmoid(z) to rounding.
    """
    return -anp.logaddexp(0.0, -z)


defvjp(log_sigmoid, lambda ans, z: lambda g: g * sigmoid(-z))


@primitive
def tanh(z):
    """Hyperbolic tangent, a hidden activation beyond the paper.

    An autograd primitive whose derivative is :func:`tanh_slope`, itself a
    primitive, so no derivative of any order overflows (autograd's own
    1 / cosh^2 does) or rounds a saturated unit's slope to zero.
    """
    return np.tanh(z)


@primitive
def tanh_slope(z):
    """tanh'(z) = 1 - tanh(z)^2 = 4 e / (1 + e)^2 with e = exp(-2|z|): accurate to
    rounding relative to the value also where tanh(z) rounds to +-1."""
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


defvjp(tanh, lambda ans, z: lambda g: g * tanh_slope(z))
# tanh'' = -2 tanh tanh'
defvjp(tanh_slope, lambda ans, z: lambda g: g * -2.0 * tanh(z) * tanh_slope(z))


def _positive(z):
    """1.0 where z > 0, else 0.0: a constant to autograd (no derivative)."""
    return (np.asarray(getval(z)) > 0).astype(float)


@primitive
def relu(z):
    """max(z, 0). Its derivative is taken as 1 for z > 0 and 0 for z <= 0 (so
    relu'(0) = 0) and its second derivative as 0 everywhere, the kink included:
    the convention of lgc.derivatives too."""
    return np.where(np.asarray(z) > 0, z, 0.0)


defvjp(relu, lambda ans, z: lambda g: g * _positive(z))


@primitive
def elu(z):
    """Exponential linear unit with alpha = 1: z for z > 0, exp(z) - 1 below.

    Its derivatives are primitives: elu'(z) = 1 for z > 0, exp(z) for z <= 0
    (continuous: both are 1 at 0); elu''(z) = 0 for z > 0, exp(z) for z <= 0
    (taken from the negative side at z = 0, where it jumps from 1 to 0).
    """
    return np.where(np.asarray(z) > 0, z, np.expm1(np.minimum(z, 0.0)))


@primitive
def elu_slope(z):
    """elu'(z): 1 for z > 0, exp(z) for z <= 0 (never overflows)."""
    return np.where(np.asarray(z) > 0, 1.0, np.exp(np.minimum(z, 0.0)))


@primitive
def elu_curve(z):
    """elu''(z): 0 for z > 0, exp(z) for z <= 0; its own derivative has the same form."""
    return np.where(np.asarray(z) > 0, 0.0, np.exp(np.minimum(z, 0.0)))


defvjp(elu, lambda ans, z: lambda g: g * elu_slope(z))
defvjp(elu_slope, lambda ans, z: lambda g: g * elu_curve(z))
defvjp(elu_curve, lambda ans, z: lambda g: g * elu_curve(z))

#: the hidden activations written out, keyed by lgc.vocabulary.ACTIVATIONS
HIDDEN = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "elu": elu}


def hidden_activation(name: str):
    """The function of a hidden activation named in lgc.vocabulary.ACTIVATIONS.

    An unknown name raises naming the allowed ones; a name listed there but
    given no formula here raises rather than falling back to the sigmoid.
    """
    vocabulary.check("activation", name, vocabulary.ACTIVATIONS)
    if name not in HIDDEN:
        raise ValueError(f"activation {name!r} is in lgc.vocabulary.ACTIVATIONS but has no "
                         f"formula in lgc.network: implemented are {tuple(HIDDEN)}")
    return HIDDEN[name]


def check_model(kind: str, activation: str = "sigmoid", output: str = "sigmoid",
                alpha: float | None = None) -> None:
    """Raise a one-line ValueError unless (loss, activation, output, alpha) go together.

    The loss is one of lgc.vocabulary.WALK_LOSSES; "hybrid" needs alpha in
    [0, 1] and the others take none; a softmax output layer takes CE only.
    """
    vocabulary.check("loss", kind, vocabulary.WALK_LOSSES)
    vocabulary.check("activation", activation, vocabulary.ACTIVATIONS)
    vocabulary.check("output layer", output, vocabulary.OUTPUTS)
    if kind in vocabulary.PARAMETRIC_LOSSES:
        if (isinstance(alpha, bool) or not isinstance(alpha, numbers.Real)
                or not 0.0 <= alpha <= 1.0):
            raise ValueError(f"the hybrid loss alpha SSE + (1 - alpha) CE needs alpha in "
                             f"[0, 1]; got alpha={alpha!r}")
    elif alpha is not None:
        raise ValueError(f"alpha weighs SSE against CE in the 'hybrid' loss only; got "
                         f"alpha={alpha!r} with loss {kind!r}")
    if output == "softmax" and kind not in vocabulary.SOFTMAX_LOSSES:
        raise ValueError(f"a softmax output layer takes loss {vocabulary.SOFTMAX_LOSSES} "
                         f"(the categorical cross-entropy); got loss {kind!r}")


def logits(w, X, arch: Architecture, activation: str = "sigmoid"):
    """Output pre-activations Z = f(X W1 + b1) W2 + b2, shape (P, K), f the hidden
    activation (the paper's sigmoid by default).

    Raises ValueError for non-finite weights (:func:`check_finite_weights`).
    """
    f = hidden_activation(activation)
    check_finite_weights(getval(w))  # the numbers under autograd's boxes
    W1, b1, W2, b2 = unpack(w, arch)
    return anp.dot(f(anp.dot(X, W1) + b1), W2) + b2


def log_softmax(Z):
    """log softmax over the outputs (last axis), never overflowing: the largest logit
    is subtracted first. It enters as a constant (no derivative), which is exact:
    log softmax(z - c) = log softmax(z) for any c. (autograd.scipy's logsumexp
    would do as well, but importing it costs half a second at every start.)"""
    top = np.max(getval(Z), axis=-1, keepdims=True)
    shifted = Z - top
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


def forward(w, X, arch: Architecture, activation: str = "sigmoid", output: str = "sigmoid"):
    """Network outputs Y in (0, 1), shape (P, K): sigmoid units, or a softmax."""
    vocabulary.check("output layer", output, vocabulary.OUTPUTS)
    Z = logits(w, X, arch, activation)
    return anp.exp(log_softmax(Z)) if output == "softmax" else sigmoid(Z)


#: the losses written out below, keyed by lgc.vocabulary.WALK_LOSSES
IMPLEMENTED = ("sse", "ce", "hybrid")


def loss_from_logits(Z, T, kind: str, output: str = "sigmoid", alpha: float | None = None):
    """Mean loss over patterns and outputs
    (docs/departures.md#d7-both-losses-are-means-and-ce-is-binary).

    ``sse``: mean of (sigmoid(Z) - T)^2.
    ``ce``: mean element-wise binary cross-entropy of sigmoid(Z), computed from
    the logits as -T log sigmoid(Z) - (1 - T) log sigmoid(-Z) with
    :func:`log_sigmoid`, so that saturated units give no log(0) and no
    difference of two large numbers.
    ``hybrid``: alpha ``sse`` + (1 - alpha) ``ce``, both as above.
    With ``output="softmax"`` (CE only): the categorical cross-entropy
    -sum_k T_k log softmax(Z)_k, averaged over the patterns (not over P*K).
    """
    check_model(kind, output=output, alpha=alpha)
    if output == "softmax":
        return -anp.sum(T * log_softmax(Z)) / anp.shape(Z)[0]
    if kind not in IMPLEMENTED:
        raise ValueError(f"loss {kind!r} is in lgc.vocabulary.WALK_LOSSES but has no "
                         f"formula in lgc.network.loss_from_logits: implemented are "
                         f"{IMPLEMENTED}")
    sse = ce = 0.0
    if kind in ("sse", "hybrid"):
        sse = anp.mean((sigmoid(Z) - T) ** 2)
    if kind in ("ce", "hybrid"):
        ce = anp.mean(-T * log_sigmoid(Z) - (1.0 - T) * log_sigmoid(-Z))
    if kind == "hybrid":
        return alpha * sse + (1.0 - alpha) * ce
    return sse if kind == "sse" else ce


def loss(w, X, T, kind: str, activation: str = "sigmoid", output: str = "sigmoid",
         alpha: float | None = None):
    """Training loss of weights ``w`` on data (X, T): Section 5,
    docs/departures.md#d7-both-losses-are-means-and-ce-is-binary.

    Parameters
    ----------
    w : array (d,)
        Flat weights in the order W1, b1, W2, b2.
    X : array (P, n_in)
        Inputs.
    T : array (P, K)
        Targets in {0, 1} (one-hot when K > 1).
    kind : {"sse", "ce", "hybrid"}
        Squared error or binary cross-entropy, both averaged over P*K terms,
        or alpha SSE + (1 - alpha) CE (:func:`loss_from_logits`).
    activation : one of lgc.vocabulary.ACTIVATIONS
        The hidden units (default the paper's sigmoid).
    output : {"sigmoid", "softmax"}
        The output layer; softmax takes CE only (categorical cross-entropy).
    alpha : float in [0, 1], for ``kind="hybrid"`` only.

    Raises
    ------
    ValueError
        For an unknown ``kind``, activation or output, a bad alpha, softmax with
        another loss than CE, and for NaN or infinite weights, naming the
        first (:func:`check_finite_weights`); so do :func:`loss_grad` and
        :func:`loss_hessian`, which differentiate this function.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> T = np.array([[0.], [1.], [1.], [0.]])
    >>> float(loss(np.zeros(9), X, T, "sse"))  # every output is 0.5
    0.25
    """
    check_model(kind, activation, output, alpha)
    arch = infer_architecture(w, X, T)
    return loss_from_logits(logits(w, X, arch, activation), T, kind, output, alpha)


#: Gradient of :func:`loss` with respect to ``w``, by autograd (the reference);
#: finite for any finite weights.
loss_grad = grad(loss)

#: Full Hessian of :func:`loss` with respect to ``w``, by autograd (the reference);
#: finite for any finite weights.
loss_hessian = hessian(loss)


def accuracy(Y, T):
    """Fraction of patterns classified correctly
    (docs/departures.md#d10-appendix-b-reports-accuracies).

    One output: round(y) == t. Several outputs: argmax(y) == argmax(t).
    Works on a batch: Y of shape (..., P, K) gives shape (...).
    """
    xp = namespace(Y)
    Y, T = xp.asarray(Y), xp.asarray(T)
    if Y.shape[-1] == 1:
        hit = (Y[..., 0] > 0.5) == (T[..., 0] > 0.5)
    else:
        hit = xp.argmax(Y, axis=-1) == xp.argmax(T, axis=-1)
    return xp.mean(xp.astype(hit, xp.float64), axis=-1)
