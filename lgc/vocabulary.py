"""The paper's vocabulary: every name a setting can take, defined once.

A loss, a step granularity, a Hessian mode, a singular test, a precision, a
curvature class: each word is listed here and nowhere else. Every other
module, the command line and the explorer read these tuples, and :func:`check`
turns an unknown name into one line naming the allowed ones. Nothing here
imports the rest of lgc, so any module may use it.

What a name *means* lives where its maths is: a loss's formula in
:mod:`lgc.network` and its derivatives in :mod:`lgc.derivatives` (each keeps
a table keyed by these names, and a test fails when a name here has no entry
there); what the paper *reported* for a setting lives with the paper's numbers
in :mod:`lgc.paper`.

>>> check("loss", "sse", LOSSES)
'sse'
>>> check("loss", "hinge", LOSSES)
Traceback (most recent call last):
...
ValueError: unknown loss 'hinge': choose one of ('sse', 'ce')

Beyond the paper (its future work, docs/activations.md): hidden activations
other than the sigmoid, a softmax output layer, and the hybrid loss
alpha SSE + (1 - alpha) CE, one loss with one parameter.
"""
from __future__ import annotations

from typing import NamedTuple

#: the losses of Section 3: sum-squared error and cross-entropy (the paper's samples)
LOSSES = ("sse", "ce")
#: the losses with a parameter, and its name: "hybrid" is alpha SSE + (1 - alpha) CE,
#: alpha in [0, 1] (lgc.walks.WalkOptions.alpha); alpha = 1 is SSE, alpha = 0 is CE
PARAMETRIC_LOSSES = {"hybrid": "alpha"}
#: every loss a walk can descend: the paper's two and the hybrid
WALK_LOSSES = LOSSES + tuple(PARAMETRIC_LOSSES)
#: hidden-layer activations: the paper's sigmoid, tanh, ReLU and ELU (alpha = 1)
ACTIVATIONS = ("sigmoid", "tanh", "relu", "elu")
#: output layers: the paper's sigmoid units, or a softmax over the outputs (with CE
#: only, which is then the categorical cross-entropy; multi-class problems)
OUTPUTS = ("sigmoid", "softmax")
#: the losses a softmax output layer takes
SOFTMAX_LOSSES = ("ce",)


class Granularity(NamedTuple):
    """A walk's step rule (Section 5.2): the largest step as a share of the
    range width 2r, and the number of recorded points of a walk."""

    step_fraction: float
    steps: int


#: micro walks step at most 1% of the range width for 1000 steps, macro 10% for 100
GRANULARITIES = {"micro": Granularity(0.01, 1000), "macro": Granularity(0.10, 100)}
#: the paper's two initialisation ranges r: walks start uniform in [-r, r]^d
INIT_RANGES = (1, 10)
#: curvature from the full Hessian, from its per-tensor diagonal blocks (the
#: authors' code), or not computed
HESSIAN_MODES = ("full", "blocks", "none")
#: how a zero eigenvalue is recognised: a relative tolerance, or the authors'
#: float32 saturation rule (lgc.curvature)
SINGULAR_TESTS = ("tolerance", "float32")
#: the arithmetic of a gradient-only walk's losses and gradients
PRECISIONS = ("float64", "float32")
#: how a walk moves: "gradient", the paper's progressive gradient walk (unbounded), or a
#: walk of GECCO'18 kept in [-b, b]^d (lgc.samplers): the progressive gradient walk
#: reflected at the bounds, the simple random walk, the progressive random walk and the
#: Manhattan progressive random walk
WALKS = ("gradient", "bounded-gradient", "random", "progressive-random", "manhattan")
#: which patterns an MNIST walk's losses see at each step (lgc.batches): a fresh
#: random batch per walk (the paper's text), the first B patterns, or tf.data's
#: shuffle buffer re-initialised every step (the authors' program)
BATCH_PIPELINES = ("random", "first-fixed", "shuffle-buffer")
#: the curvature classes of a point, in the order of their integer codes
CURVATURES = ("convex", "concave", "saddle", "singular")
#: the paper's sample size: 10 walks per dimension of the weight space (Section 5.2)
WALKS_PER_DIMENSION = 10

_DISPLAY = {"sse": "SSE", "ce": "CE", "hybrid": "Hybrid", "sigmoid": "Sigmoid",
            "tanh": "Tanh", "relu": "ReLU", "elu": "ELU", "softmax": "Softmax",
            "xor": "XOR", "iris": "Iris", "diabetes": "Diabetes", "glass": "Glass",
            "cancer": "Cancer", "heart": "Heart", "mnist": "MNIST"}


def check(what: str, name, allowed):
    """``name`` if it is one of ``allowed``, else a one-line ValueError naming both."""
    if name not in allowed:
        raise ValueError(f"unknown {what} {name!r}: choose one of {tuple(allowed)}")
    return name


def display(name: str) -> str:
    """How the paper writes a loss or problem name: ``display("ce") == "CE"``.

    >>> display("xor"), display("glass"), display("my-problem")
    ('XOR', 'Glass', 'my-problem')
    """
    return _DISPLAY.get(name, name)


def range_label(r: float) -> str:
    """The initialisation range as the paper writes it.

    >>> range_label(1), range_label(10.0), range_label(2.5)
    ('[-1, 1]', '[-10, 10]', '[-2.5, 2.5]')
    """
    return f"[-{r:g}, {r:g}]"


def n_weights(n_in: int, hidden: int, n_out: int) -> int:
    """Weights and biases of the one-hidden-layer network (Table 2).

    d = n_in h + h + h K + K.

    >>> n_weights(2, 2, 1), n_weights(784, 10, 10)
    (9, 7960)
    """
    return (n_in + 1) * hidden + (hidden + 1) * n_out


def default_walks(dim: int) -> int:
    """The paper's number of walks for a d-dimensional weight space: 10 d."""
    return WALKS_PER_DIMENSION * dim
