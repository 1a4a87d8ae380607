"""Progressive gradient walks (Section 4.1).

Where the text is wrong or silent: docs/departures.md#d1-the-walk-steps-downhill
and docs/departures.md#d9-the-walk-protocol.

A walk starts at a uniform point of [-r, r]^d. At every step it records the
current point (training loss Et, test loss Eg, accuracies Ct and Cg, the norm
of the training gradient, the hidden layer's saturation and the Hessian's
curvature class) and then moves
each coordinate by a uniform draw from [0, eps) *against* the sign of the
gradient (the text's Section 4.1 says "with"; the authors' code descends,
and g_j == 0 steps +1). The walk is never bounded.

Many walks advance together as one batch: every array here has the walks on
its first axis. Each walk draws from its own random stream, seeded by
(seed, walk index), so a walk's numbers do not depend on which other walks
share its batch, on the batch size, or on the number of processes. Which
patterns the losses see at each step (all of them, or MNIST's mini-batches)
is lgc.batches' business.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, fields

import numpy as np

from . import batches, derivatives, vocabulary
from ._arrays import backend, check_backend, namespace, to_numpy
from ._runtime import keep_freed_memory
from .batches import DEFAULT_BUFFER
# how a walk starts and steps, and its random streams (lgc.steps): Section 4.1's
# rule is progressive_step; lgc.samplers holds GECCO'18's bounded ones
from .samplers import Stepper
from .steps import BATCH_STREAM, initial_points, progressive_step, walk_rngs
from .curvature import (DEFAULT_RTOL, SPECTRUM, curvature, float32_dead_units, spectrum,
                        structural_zeros)
from .network import Architecture, accuracy, check_model
from .vocabulary import (ACTIVATIONS, BATCH_PIPELINES, GRANULARITIES, HESSIAN_MODES,
                         OUTPUTS, PRECISIONS, SINGULAR_TESTS, WALKS)
from threadpoolctl import threadpool_limits

#: what a walk records at every point; "saturation" is the share of the hidden
#: layer's (pattern, unit) pairs that are saturated (lgc.derivatives.saturation)
RECORDS = ("Et", "Eg", "Ct", "Cg", "grad_norm", "saturation", "curvature")
#: recorded besides, by hybrid-loss and switching walks: both losses at every point,
#: so that a cloud can be drawn in either (training and test, SSE and CE, as means)
LOSS_RECORDS = ("Et_sse", "Et_ce", "Eg_sse", "Eg_ce")
#: the largest r of [-r, r]^d accepted: far beyond where every sigmoid saturates
MAX_RANGE = 1e6


def step_size(granularity: str, init_range: float) -> float:
    """Maximum step eps: 1% (micro) or 10% (macro) of the range width 2r.

    >>> step_size("micro", 1), step_size("macro", 10)
    (0.02, 2.0)
    """
    vocabulary.check("granularity", granularity, GRANULARITIES)
    if not init_range > 0:
        raise ValueError(f"init_range must be positive; got {init_range!r}")
    return GRANULARITIES[granularity].step_fraction * 2 * init_range


def default_steps(granularity: str) -> int:
    """1000 steps for micro walks, 100 for macro walks (Section 5.2)."""
    step_size(granularity, 1)
    return GRANULARITIES[granularity].steps


@dataclass(frozen=True, kw_only=True)
class WalkOptions:
    """How a sample's walks are recorded, besides the setting (Section 5.2).

    A new option of the walk is added here, once: :class:`WalkSettings` and
    :class:`lgc.experiment.SampleConfig` both inherit it (the CLI adds its flag).

    Attributes
    ----------
    hessian : "full", "blocks" or "none" (curvature not computed)
    rtol : zero-eigenvalue tolerance relative to ||H||_F (see lgc.curvature)
    hessian_every : classify curvature at every k-th step only (1 = every
        step, the paper's protocol); the other steps record no curvature
    discount_structural : leave out the directions of inputs that are zero
        on every training pattern (lgc.curvature.structural_zeros)
    singular : how a zero eigenvalue is recognised (lgc.vocabulary.SINGULAR_TESTS)
    precision : "float64", or "float32" for gradient-only walks: the losses,
        accuracies and gradients are computed in float32 (1.4x faster for
        MNIST), the walk's position is kept and moved in float64. It changes
        results: more gradients round to exactly zero, and those coordinates
        step +1 (benchmarks/mnist_float32.py)
    backend : the array library the walks run in (lgc._arrays): "numpy", the
        reference, or "cupy" for a GPU. Every walk still draws from its own
        numpy stream on the host; the library's own exp and matrix products
        round differently in the last bits, and its curvature classes come
        from eigenvalues (lgc.curvature.inertia), not LDL^T.
    eigenvalues : also record, at every point with a curvature, the extreme
        eigenvalues of the Hessian classified and its eigenvalue counts
        (lgc.curvature.SPECTRUM); the classes then come from eigvalsh, not
        LDL^T (1.4x the time of a Heart walk-step)
    walk : how each step moves (lgc.vocabulary.WALKS): "gradient", the paper's
        unbounded progressive gradient walk, or a walk of lgc.samplers kept in
        [-b, b]^d (GECCO'18); every point is recorded alike (numpy only)
    bound : b of those walks' space [-b, b]^d, at least the init range r;
        None: b = r. Only for walks other than "gradient"
    batches : which patterns an MNIST walk's losses see at each step
        (lgc.vocabulary.BATCH_PIPELINES, lgc.batches): "random", a fresh
        random batch per walk and step (the paper's text), "first-fixed" or
        "shuffle-buffer" (the authors' program, docs/mnist-pipelines.md)
    shuffle_buffer : N, the buffer of the "shuffle-buffer" pipeline
    activation : the hidden units (lgc.vocabulary.ACTIVATIONS): the paper's
        "sigmoid", or "tanh", "relu", "elu" (docs/activations.md)
    output : the output layer (lgc.vocabulary.OUTPUTS): the paper's "sigmoid"
        units, or "softmax" (loss "ce" only: the categorical cross-entropy;
        problems with several outputs)
    alpha : the weight of SSE in the loss "hybrid", alpha SSE + (1 - alpha) CE,
        in [0, 1]; None for the other losses
    switch_step : descend the sample's loss ("sse" or "hybrid") for the first
        k steps, then CE; None: one loss throughout. Hybrid and switching walks
        record both losses at every point (:data:`LOSS_RECORDS`)
    """

    hessian: str = "full"
    rtol: float = DEFAULT_RTOL
    hessian_every: int = 1
    discount_structural: bool = True
    singular: str = "tolerance"
    precision: str = "float64"
    backend: str = "numpy"
    eigenvalues: bool = False
    walk: str = "gradient"
    bound: float | None = None
    batches: str = "random"
    shuffle_buffer: int = DEFAULT_BUFFER
    activation: str = "sigmoid"
    output: str = "sigmoid"
    alpha: float | None = None
    switch_step: int | None = None

    def options(self) -> dict:
        """The :class:`WalkOptions` fields of this object, by name."""
        return {f.name: getattr(self, f.name) for f in fields(WalkOptions)}

    def check_options(self) -> None:
        """Raise a one-line ValueError on an option outside its allowed values."""
        vocabulary.check("singular test", self.singular, SINGULAR_TESTS)
        vocabulary.check("Hessian mode", self.hessian, HESSIAN_MODES)
        vocabulary.check("precision", self.precision, PRECISIONS)
        if self.rtol is not None and not (0 <= self.rtol < np.inf):
            raise ValueError(f"rtol must be a finite number >= 0 (or None: d * eps); "
                             f"got {self.rtol!r}")
        if int(self.hessian_every) != self.hessian_every or self.hessian_every < 1:
            raise ValueError(f"hessian_every must be a positive whole number; got "
                             f"{self.hessian_every!r}")
        if self.precision == "float32" and self.hessian != "none":
            raise ValueError(f"precision 'float32' is for gradient-only walks; got "
                             f"hessian={self.hessian!r}: use hessian='none' or 'float64'")
        check_backend(self.backend)
        if self.eigenvalues and self.hessian == "none":
            raise ValueError("eigenvalues=True needs a Hessian; got hessian='none': use "
                             "'full' or 'blocks'")
        vocabulary.check("walk", self.walk, WALKS)
        if self.walk == "gradient" and self.bound is not None:
            raise ValueError(f"bound is for bounded walks; got bound={self.bound!r} with "
                             f"walk='gradient' (choose one of {WALKS[1:]})")
        if self.bound is not None and not (0 < self.bound < np.inf):
            raise ValueError(f"bound must be a positive number; got {self.bound!r}")
        if self.walk != "gradient" and self.backend != "numpy":
            raise ValueError(f"walk {self.walk!r} runs in numpy only; got backend "
                             f"{self.backend!r}")
        vocabulary.check("batch pipeline", self.batches, BATCH_PIPELINES)
        buffer = self.shuffle_buffer
        if isinstance(buffer, bool) or int(buffer) != buffer or buffer < 1:
            raise ValueError(f"shuffle_buffer must be a positive whole number; got "
                             f"{self.shuffle_buffer!r}")
        if self.shuffle_buffer != DEFAULT_BUFFER and self.batches != "shuffle-buffer":
            raise ValueError(f"shuffle_buffer={self.shuffle_buffer!r} is for "
                             f"batches='shuffle-buffer' only; got batches={self.batches!r}")
        vocabulary.check("activation", self.activation, ACTIVATIONS)
        vocabulary.check("output layer", self.output, OUTPUTS)
        if self.alpha is not None and (isinstance(self.alpha, bool) or not (
                isinstance(self.alpha, numbers.Real) and 0.0 <= self.alpha <= 1.0)):
            raise ValueError(f"alpha must be a number in [0, 1] (alpha SSE + (1 - alpha) "
                             f"CE); got alpha={self.alpha!r}")
        if self.switch_step is not None and (
                isinstance(self.switch_step, bool) or int(self.switch_step) != self.switch_step
                or self.switch_step < 1):
            raise ValueError(f"switch_step must be a positive whole number (the step from "
                             f"which CE is descended) or None; got {self.switch_step!r}")

    def check_model(self, loss: str) -> None:
        """Raise a one-line ValueError unless ``loss`` goes with these options: the
        rules of lgc.network.check_model, and a switch to CE needs another loss first."""
        check_model(loss, self.activation, self.output, self.alpha)
        if self.switch_step is not None and loss not in ("sse", "hybrid"):
            raise ValueError(f"switch_step switches from SSE (or the hybrid) to CE; got "
                             f"loss {loss!r}: use 'sse' or 'hybrid'")

    def model(self, loss: str, step: int = 0) -> derivatives.Model:
        """The loss, activation and output layer descended at ``step``."""
        if self.switch_step is not None and step >= self.switch_step:
            return derivatives.Model("ce", self.activation, self.output)
        return derivatives.Model(loss, self.activation, self.output, self.alpha)

    def records_both_losses(self, loss: str) -> bool:
        """Whether walks of ``loss`` record :data:`LOSS_RECORDS`: hybrid or switching."""
        return loss in vocabulary.PARAMETRIC_LOSSES or self.switch_step is not None


@dataclass(frozen=True)
class WalkSettings(WalkOptions):
    """What one sample of walks needs besides the data (Section 5.2).

    Attributes
    ----------
    kind : the loss, one of lgc.vocabulary.WALK_LOSSES
    init_range : r, walks start uniform in [-r, r]^d
    eps : maximum step per dimension
    steps : number of recorded points per walk
    and the options of :class:`WalkOptions`, by keyword.
    """

    kind: str
    init_range: float
    eps: float
    steps: int

    def __post_init__(self):
        self.check_options()
        self.check_model(self.kind)
        if not (0 < self.init_range <= MAX_RANGE):
            raise ValueError(f"init_range must be a positive number at most {MAX_RANGE:g}; "
                             f"got {self.init_range!r}")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"step size eps must be a positive number; got {self.eps!r}")
        if int(self.steps) != self.steps or self.steps < 1:
            raise ValueError(f"steps must be a positive whole number; got {self.steps!r}")
        if self.walk != "gradient" and not self.init_range <= self.space_bound:
            raise ValueError(f"init_range must be at most the bound b = {self.bound!r} of a "
                             f"bounded walk; got {self.init_range!r}")

    @property
    def space_bound(self) -> float:
        """b of a bounded walk's space [-b, b]^d: ``bound``, or the init range r."""
        return self.init_range if self.bound is None else float(self.bound)


def check_problem(settings: WalkOptions, problem) -> None:
    """Raise a one-line ValueError when the options do not fit the problem: a
    softmax output layer needs several outputs."""
    if settings.output == "softmax" and problem.n_out < 2:
        raise ValueError(f"a softmax output layer needs several outputs; {problem.name!r} "
                         f"has {problem.n_out}: use output='sigmoid'")


def _evaluate(W, data, arch, settings, curved=False, out=None, basis=None, step=0):
    """Loss, gradient and accuracies at the current points W of walks on ``data``
    (Xt, Tt, Xg, Tg), and when ``curved`` their Hessians H (into ``out`` if
    given) from the same forward pass; H is None otherwise. Also the hidden
    layer's saturation, the training pre-activations and logits (A, Z), and
    with ``settings.records_both_losses`` the losses of :data:`LOSS_RECORDS`."""
    Xt, Tt, Xg, Tg = data
    xp = namespace(W)
    W = xp.astype(W, getattr(xp, settings.precision), copy=False)
    model = settings.model(settings.kind, step)
    point = derivatives.evaluate(W, Xt, Tt, model, arch, curved, out, basis)
    _, Zg = derivatives.preactivations(W, Xg, arch, model.activation)
    Eg, Yg = derivatives.losses_from_logits(Zg, Tg, model)
    Ct, Cg = accuracy(point.Y, Tt), accuracy(Yg, Tg)
    sat = derivatives.saturation(point.A, point.S, model.activation)
    both = {}
    if settings.records_both_losses(settings.kind):
        for kind in ("sse", "ce"):
            both[f"Et_{kind}"] = derivatives.losses_from_logits(
                point.Z, Tt, derivatives.Model(kind))[0]
            both[f"Eg_{kind}"] = derivatives.losses_from_logits(
                Zg, Tg, derivatives.Model(kind))[0]
    return point.loss, Eg, Ct, Cg, point.grad, point.H, sat, (point.A, point.Z), both


def _classify(H, AZ, arch, settings, n_structural):
    """Curvature codes of the current points, by the chosen singular test, and with
    ``settings.eigenvalues`` the summary of their spectra (else None). AZ: the
    training pre-activations and logits, for the float32 test."""
    dead = None
    if settings.singular == "tolerance":
        # the tolerance of the whole d x d Hessian, also when H is its restriction
        rtol = arch.dim * np.finfo(float).eps if settings.rtol is None else settings.rtol
    elif settings.singular == "float32":
        A, Z = AZ
        rtol, dead = 0.0, float32_dead_units(to_numpy(A), to_numpy(Z), settings.activation,
                                             settings.output)
    else:
        raise ValueError(f"unknown singular test {settings.singular!r}: choose one of "
                         f"{SINGULAR_TESTS}")
    if settings.eigenvalues:
        return spectrum(H, settings.hessian, arch.tensor_sizes, rtol, n_structural, dead)
    return curvature(H, settings.hessian, arch.tensor_sizes, rtol,
                     n_structural=n_structural, dead=dead), None


def _curvature_setup(X, settings, arch):
    """(basis, n_structural, d) of the curvature test on the inputs ``X`` (P, n_in)
    the loss sees: the training set, or one walk's mini-batch.

    With the full Hessian and the tolerance test, structural zeros are
    discounted by never forming them: the Hessian is taken restricted to the
    input-weight directions that change the network on those patterns
    (``basis``, see lgc.derivatives.input_basis), for Heart a 291 x 291 matrix
    instead of 341 x 341 with the same other eigenvalues, for an MNIST batch of
    100 at most 1,110 x 1,110 instead of 7,960 x 7,960. Otherwise the full
    d x d Hessian's ``n_structural`` zero eigenvalues are discounted when counted.
    """
    if settings.hessian == "none" or not settings.discount_structural:
        return None, 0, arch.dim
    shift = softmax_zeros(settings, arch)
    if _restricted(settings):
        basis = derivatives.input_basis(X)
        if basis is not None:
            return basis, shift, arch.dim - arch.hidden * (len(basis) - basis.shape[1])
    return None, structural_zeros(X, arch.hidden, settings.hessian) + shift, arch.dim


def softmax_zeros(settings: WalkOptions, arch: Architecture) -> int:
    """Eigenvalues a softmax output layer makes zero at every point: h + 1.

    softmax(z + c 1) = softmax(z), so adding the same c_l to the K outgoing
    weights of hidden unit l (or to the K output biases) changes no output:
    h + 1 directions along which the loss is constant, in the full Hessian as
    in its W2 and b2 blocks. Like the inputs' structural zeros they say nothing
    about the landscape and are discounted (sigmoid outputs have none).
    """
    return arch.hidden + 1 if settings.output == "softmax" else 0


def _restricted(settings) -> bool:
    """Whether the Hessian is formed only on the row space of the inputs seen."""
    return (settings.hessian, settings.singular, settings.discount_structural) == (
        "full", "tolerance", True)


def per_walk_batches(problem, settings) -> bool:
    """Whether each walk sees its own patterns at each step (MNIST's mini-batches)."""
    return bool(getattr(problem, "batch_size", None)) and settings.batches != "first-fixed"


def _seen_inputs(problem, settings):
    """The training inputs every walk's loss sees when they are shared: all of
    them, or the first B ("first-fixed" mini-batches)."""
    return problem.X_train[:getattr(problem, "batch_size", None) or len(problem.X_train)]


#: a dense Hessian above this many bytes a walk is refused (MNIST's whole
#: 7,960 x 7,960 Hessian is 507 MB, and about 11 s to factorise at each point)
MAX_HESSIAN_BYTES = 2**28


def hessian_rows(problem, settings) -> int:
    """Rows of the largest Hessian a walk forms at a point (0 without curvature).

    d, or with the row-space restriction (full Hessian, tolerance test,
    structural zeros discounted) at most h min(P, n_in + 1) + (h + 1) K, P the
    training patterns the loss sees: 1,110 for an MNIST batch of 100.
    """
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    if settings.hessian == "none":
        return 0
    if not _restricted(settings):
        return arch.dim
    seen = getattr(problem, "batch_size", None) or len(problem.X_train)
    return min(arch.dim, arch.hidden * min(seen, arch.n_in + 1) + (arch.hidden + 1) * arch.n_out)


def hessian_bytes(problem, settings, walks: int) -> int:
    """Bytes of the Hessians a batch of ``walks`` walks holds at once.

    Walks that share their patterns build their Hessians into one buffer
    (walks, d', d'), and LDL^T works on one more matrix; walks that each see
    their own batch are classified one at a time, the Hessian and its copy.
    """
    size = 8 * hessian_rows(problem, settings) ** 2
    return 2 * size if per_walk_batches(problem, settings) else (int(walks) + 1) * size


def check_hessian_size(problem, settings) -> None:
    """Refuse, in one line, a walk whose dense Hessian exceeds :data:`MAX_HESSIAN_BYTES`.

    On MNIST (d = 7,960) only the full Hessian restricted to each batch's row
    space (hessian="full", singular="tolerance", discount_structural=True) is
    small enough; the blocks, the float32 test and the undiscounted Hessian
    would form the whole d x d matrix at every classified point.
    """
    rows = hessian_rows(problem, settings)
    if 8 * rows ** 2 <= MAX_HESSIAN_BYTES:
        return
    name = getattr(problem, "name", "this problem")
    restricted = hessian_rows(problem, WalkOptions(hessian="full"))
    fix = (f"hessian='full' with singular='tolerance' and discount_structural=True forms it "
           f"only on each batch's row space ({restricted:,} x {restricted:,} at most), or "
           f"hessian='none'" if 8 * restricted ** 2 <= MAX_HESSIAN_BYTES
           else "use hessian='none'")
    raise ValueError(f"a dense {rows:,} x {rows:,} Hessian ({8 * rows ** 2 / 1e6:,.0f} MB a "
                     f"walk) is too large for {name}'s walks: {fix}; got "
                     f"hessian={settings.hessian!r}, singular={settings.singular!r}, "
                     f"discount_structural={settings.discount_structural!r}")


def _classify_batches(W, data, arch, settings, step=0):
    """Curvature codes (and with ``settings.eigenvalues`` the spectra's summary) of
    points that each see their own mini-batch, ``data`` = (X, T, ...) with X
    (n, P, n_in): each point's Hessian on its own batch, with that batch's
    structural zeros set aside (:func:`_curvature_setup` on the batch, as a walk
    on a whole data set does once). On numpy, on the host, one point at a time.
    """
    W, X, T = to_numpy(W), to_numpy(data[0]), to_numpy(data[1])
    model = settings.model(settings.kind, step)
    codes, summaries = np.empty(len(W), dtype=np.int8), []
    for i in range(len(W)):
        basis, n_structural, _ = _curvature_setup(X[i], settings, arch)
        point = derivatives.evaluate(W[i:i + 1], X[i], T[i], model, arch, True, basis=basis)
        code, summary = _classify(point.H, (point.A, point.Z), arch, settings, n_structural)
        codes[i] = code[0]
        summaries.append(summary)
    if not settings.eigenvalues:
        return codes, None
    return codes, {name: np.concatenate([s[name] for s in summaries]) for name in SPECTRUM}


def progressive_gradient_walk(problem, settings: WalkSettings, walk_ids, seed: int = 0,
                              weights_stride: int | None = None, callback=None):
    """Run a batch of progressive gradient walks and record every step.

    Parameters
    ----------
    problem : lgc.problems.Problem
        Data (X_train, T_train, X_test, T_test) and layer sizes.
    settings : WalkSettings
    walk_ids : sequence of int
        Global indices of the walks in this batch; they seed the walks.
    seed : int
        Seed of the whole sample.
    weights_stride : int, optional
        Also return the weight vector of every ``weights_stride``-th step.
    callback : callable, optional
        Called as ``callback(step)`` after each step.

    Returns
    -------
    dict of arrays with the walks on axis 0: "Et", "Eg", "Ct", "Cg",
    "grad_norm", "saturation" (walks, steps) float64, "curvature" (walks,
    steps) int8 (-1 when not computed), for hybrid or switching walks
    "Et_sse", "Et_ce", "Eg_sse", "Eg_ce" float64, with ``settings.eigenvalues`` "lambda_min",
    "lambda_max" float64 (NaN) and "n_pos", "n_neg", "n_zero" int16 (-1), and
    "weights" (walks, ceil(steps/stride), d) when asked for.
    """
    keep_freed_memory()
    # Small batched products and LAPACK calls run faster on one BLAS thread than
    # on several (measured 2x on Heart); parallelism comes from worker processes.
    with threadpool_limits(1, user_api="blas"):
        return _walk(problem, settings, walk_ids, seed, weights_stride, callback)


def _records(n: int, steps: int, d: int, weights_stride: int | None,
             eigenvalues: bool = False, both_losses: bool = False) -> dict:
    """Empty records of n walks of ``steps`` points (curvature -1: not computed;
    so are the eigenvalues' NaN and their counts' -1)."""
    out = {name: np.empty((n, steps)) for name in RECORDS[:-1]}
    if both_losses:
        out.update({name: np.empty((n, steps)) for name in LOSS_RECORDS})
    out["curvature"] = np.full((n, steps), -1, dtype=np.int8)
    if eigenvalues:
        out.update({name: np.full((n, steps), np.nan) for name in SPECTRUM[:2]})
        out.update({name: np.full((n, steps), -1, dtype=np.int16) for name in SPECTRUM[2:]})
    if weights_stride:
        out["weights"] = np.empty((n, -(-steps // weights_stride), d))
    return out


def _walk(problem, settings, walk_ids, seed, weights_stride, callback):
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    check_problem(settings, problem)
    check_hessian_size(problem, settings)
    xp = backend(settings.backend)
    walk_ids = np.asarray(walk_ids, dtype=np.int64)
    n, steps = len(walk_ids), int(settings.steps)
    rngs = walk_rngs(seed, walk_ids)
    dtype = np.dtype(settings.precision)
    walk_tiles, draw = batches.patterns(problem, walk_rngs(seed, walk_ids, BATCH_STREAM),
                                        settings.batches, settings.shuffle_buffer, dtype, xp)
    stepper = None
    if settings.walk != "gradient":  # a bounded walk of GECCO'18 (lgc.samplers)
        stepper = Stepper(settings.walk, rngs, arch.dim, settings.init_range, settings.eps,
                          settings.space_bound)
    W = xp.asarray(initial_points(rngs, arch.dim, settings.init_range) if stepper is None
                   else stepper.start)
    # each walk sees its own batch: its Hessians are formed point by point, on that
    # batch (_classify_batches); otherwise once for all walks, as ever
    per_walk = settings.hessian != "none" and per_walk_batches(problem, settings)
    basis, flat, d = (None, 0, 0) if per_walk else _curvature_setup(
        _seen_inputs(problem, settings), settings, arch)
    basis = None if basis is None else xp.asarray(basis)
    out = _records(n, steps, arch.dim, weights_stride, settings.eigenvalues,
                   settings.records_both_losses(settings.kind))
    hessians = settings.hessian != "none" and not per_walk
    # numpy's Hessians are built into one reused buffer; other libraries' are new arrays
    H = np.empty((n, d, d)) if hessians and xp is np else None
    G, dW = xp.empty_like(W), np.empty(W.shape)  # the step is drawn on the host
    for step in range(steps):
        curved = hessians and step % settings.hessian_every == 0
        classified = curved or per_walk and step % settings.hessian_every == 0
        for t in walk_tiles:
            data = draw(t)
            Et, Eg, Ct, Cg, G[t, :], Ht, sat, AZ, both = _evaluate(
                W[t, :], data, arch, settings, curved, None if H is None else H[t], basis,
                step)
            norm = xp.sqrt(xp.sum(G[t, :] * G[t, :], axis=1))  # numpy's linalg.norm, bit for bit
            for name, value in zip(RECORDS, (Et, Eg, Ct, Cg, norm, sat)):
                out[name][t, step] = to_numpy(value)
            for name, value in both.items():
                out[name][t, step] = to_numpy(value)
            if classified:
                code, summary = (_classify_batches(W[t, :], data, arch, settings, step)
                                 if per_walk else _classify(Ht, AZ, arch, settings, flat))
                out["curvature"][t, step] = code
                for name, value in (summary or {}).items():
                    out[name][t, step] = value
        if weights_stride and step % weights_stride == 0:
            out["weights"][:, step // weights_stride] = to_numpy(W)
        if stepper is None:
            W += progressive_step(rngs, G, settings.eps, out=dW)
        else:
            W += stepper.step(W, G)
        if callback is not None:
            callback(step)
    return out


def walk_batch(problem, seed: int, walk: int, step: int, pipeline: str = "random",
               shuffle_buffer: int = DEFAULT_BUFFER):
    """(X_train, T_train, X_test, T_test): the patterns walk ``walk`` of a sample
    seeded ``seed`` saw at ``step``, replayed from its own batch stream.

    With a point's saved weights (``weights_stride``) this recomputes anything
    recorded at it, its curvature class included (on MNIST: its batch's loss).
    ``pipeline`` and ``shuffle_buffer`` are the sample's ``batches`` and
    ``shuffle_buffer`` options. Without mini-batches, or with "first-fixed"
    ones, every step sees the same.
    Copies, (P, .) each; costs ``step + 1`` draws.
    """
    if int(step) != step or step < 0:
        raise ValueError(f"step must be a whole number >= 0; got {step!r}")
    _, draw = batches.patterns(problem, walk_rngs(seed, [walk], BATCH_STREAM), pipeline,
                               shuffle_buffer)
    for _ in range(int(step) + 1):
        data = draw(slice(0, 1))
    return tuple(np.array(a[0] if a.ndim == 3 else a) for a in data)
