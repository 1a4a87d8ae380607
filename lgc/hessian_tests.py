"""Which Hessian decides the curvature: the full one against the authors' blocks (issue 15).

lgc classifies a point from the eigenvalues of the whole Hessian and calls an
eigenvalue zero within ``d eps ||H||_F`` (:mod:`lgc.curvature`). The authors'
code classified the eigenvalues of the Hessian's per-tensor diagonal blocks
(W1, b1, W2, b2) and called a point singular only on an exact float32 zero
(docs/departures.md#d3-which-hessian-is-classified and
#d4-when-an-eigenvalue-counts-as-zero), which lgc emulates by a sigmoid unit stuck at exactly
0 or 1 in float32 on every training pattern. The two tests can disagree at
the same point: every block of a symmetric matrix can be positive definite while
the matrix is indefinite, because the blocks leave out the coupling between the
tensors (for this network, the sum over patterns of l'(z) s'(a) x between a
hidden unit's incoming and outgoing weights, which vanishes only where the
residuals do). This module puts the tests side by side on the same points of
the same walks and reports what the full Hessian says where the blocks see a
minimum.

Four tests, each a matrix and a singular rule (:data:`TESTS`):

- ``full+tol``: lgc's default, the whole Hessian and the tolerance.
- ``blocks+f32``: the authors' test as lgc emulates it.
- ``full+f32`` and ``blocks+tol``: one change at a time, to tell which of the
  two makes the difference.

Everything is computed from the eigenvalues of each point's Hessian (numpy's
``eigvalsh``), once per point, so that all four tests, every tolerance of a
sweep and the evidence columns come from one decomposition. The Hessians are
lgc's (:func:`lgc.derivatives.hessian`); the classes follow
:func:`lgc.curvature.classify` from the same counts as :func:`lgc.curvature.curvature`
(the tests check that they agree with the classes the walks record).

For Heart, whose inputs are linearly dependent, the full test takes the Hessian
restricted to the directions that change the network (as the walks do), and the
block test discounts its structural zeros as :func:`lgc.curvature.structural_zeros`
counts them.

The walk points come from gradient-only walks with the same seeds as the
samples of :mod:`lgc.experiment` (a walk's path does not depend on its curvature
test), so ``full+tol`` at a point is the class the section notebooks draw there.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from . import derivatives
from .curvature import CURVATURES, SINGULAR, classify, float32_dead_units, structural_zeros
from .network import Architecture
from .problems import load_problem
from .walks import WalkSettings, default_steps, progressive_gradient_walk, step_size

#: name -> (matrix, singular rule). The first is lgc's default, the second the authors'.
TESTS = {
    "full+tol": ("full", "tolerance"),
    "blocks+f32": ("blocks", "float32"),
    "full+f32": ("full", "float32"),
    "blocks+tol": ("blocks", "tolerance"),
}
DEFAULT_TEST, AUTHORS_TEST = "full+tol", "blocks+f32"
#: tolerances of the sweep: exact zero, then 1e-18 to 1e-2 in half decades
SWEEP_RTOLS = np.concatenate([[0.0], 10.0 ** np.arange(-18.0, -1.75, 0.5)])
#: (matrix, precision) of the sweep's four curves
SWEEP_VARIANTS = (("full", "float64"), ("full", "float32"), ("blocks", "float64"),
                  ("blocks", "float32"))
#: the settings of the paper's curvature figures (MNIST has none)
PROBLEMS = ("xor", "iris", "diabetes", "glass", "cancer", "heart")
_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Spectra:
    """The eigenvalues each test classifies, for a stack of n points.

    Attributes
    ----------
    full : (n, d') ascending eigenvalues of the full Hessian (Heart: restricted
        to the directions that change the network, d' = d - 50)
    full_norm : (n,) its Frobenius norm
    blocks : (n, d) ascending eigenvalues of the per-tensor diagonal blocks
        (W1, b1, W2, b2), all blocks' together
    blocks_norm : (n,) Frobenius norm of the block-diagonal part
    dead : (n,) bool, a sigmoid unit at exactly 0 or 1 in float32 on every pattern
    structural : (zeros discounted by the full test, by the block test)
    dim : d, the number of weights (the default tolerance is d eps)
    """

    full: np.ndarray
    full_norm: np.ndarray
    blocks: np.ndarray
    blocks_norm: np.ndarray
    dead: np.ndarray
    structural: tuple
    dim: int

    def eigenvalues(self, matrix: str):
        """(eigenvalues, norms, structural zeros) of ``matrix``: "full" or "blocks"."""
        if matrix == "full":
            return self.full, self.full_norm, self.structural[0]
        if matrix == "blocks":
            return self.blocks, self.blocks_norm, self.structural[1]
        raise ValueError(f"unknown matrix {matrix!r}: choose 'full' or 'blocks'")


def _frobenius(H):
    return np.sqrt(np.einsum("nij,nij->n", H, H, dtype=np.float64))


def block_eigenvalues(H, sizes, precision: str = "float64"):
    """Ascending eigenvalues (n, d) of the diagonal blocks of ``sizes`` of H (n, d, d)
    taken together, and the Frobenius norms (n,) of the block-diagonal part.

    These are the eigenvalues of :func:`lgc.curvature.block_diagonal` (H), found
    block by block. ``precision="float32"`` rounds each block to float32 and
    takes its eigenvalues in float32 (LAPACK ssyevd), as a float32 code would.
    """
    if sum(sizes) != H.shape[-1]:
        raise ValueError(f"block sizes {tuple(sizes)} do not add up to d = {H.shape[-1]}")
    parts, squares, start = [], 0.0, 0
    for size in sizes:
        block = np.ascontiguousarray(H[:, start:start + size, start:start + size],
                                     dtype=np.dtype(precision))
        parts.append(np.linalg.eigvalsh(block).astype(np.float64))
        squares = squares + _frobenius(block) ** 2
        start += size
    return np.sort(np.concatenate(parts, axis=1), axis=1), np.sqrt(squares)


def full_eigenvalues(H, precision: str = "float64"):
    """Ascending eigenvalues (n, d) of H (n, d, d) and its Frobenius norms (n,);
    ``precision="float32"`` rounds H to float32 first and decomposes it in float32."""
    H = np.asarray(H, dtype=np.dtype(precision))
    return np.linalg.eigvalsh(H).astype(np.float64), _frobenius(H)


def spectra(H, sizes, *, restricted=None, structural=(0, 0), dead=None,
            precision: str = "float64", dim: int | None = None) -> Spectra:
    """What each test sees of a stack of Hessians H (n, d, d).

    ``restricted`` (n, d', d'), if given, is the Hessian the full test
    classifies instead of H (Heart's restriction, lgc.derivatives.input_basis);
    ``structural`` the zero eigenvalues the full and the block test discount;
    ``dead`` the float32 dead-unit flags (none by default).
    """
    full, full_norm = full_eigenvalues(H if restricted is None else restricted, precision)
    blocks, blocks_norm = block_eigenvalues(H, sizes, precision)
    dead = np.zeros(len(H), bool) if dead is None else np.asarray(dead, bool)
    return Spectra(full, full_norm, blocks, blocks_norm, dead, tuple(structural),
                   int(dim or H.shape[-1]))


def point_spectra(problem, W, kind: str, precisions=("float64",)) -> dict:
    """{precision: :class:`Spectra`} of the training loss's Hessians at weights W (n, d).

    The Hessians are lgc's closed-form ones, built once in float64; the full
    test gets, like the walks, the Hessian restricted to the inputs' row space
    when the inputs are dependent (Heart), the block test the d x d one. A
    "float32" precision rounds them to float32 before the eigenvalues.
    """
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    X, T = problem.X_train, problem.T_train
    W = np.asarray(W, dtype=np.float64)
    basis = derivatives.input_basis(X)
    H = derivatives.hessian(W, X, T, kind, arch)
    restricted = None if basis is None else derivatives.hessian(W, X, T, kind, arch,
                                                                basis=basis)
    full_zeros = 0 if basis is not None else structural_zeros(X, arch.hidden, "full")
    A, Z = derivatives.preactivations(W, X, arch)
    dead = float32_dead_units(A, Z)
    return {p: spectra(H, arch.tensor_sizes, restricted=restricted,
                       structural=(full_zeros, structural_zeros(X, arch.hidden, "blocks")),
                       dead=dead, precision=p, dim=arch.dim) for p in precisions}


def default_rtol(dim: int) -> float:
    """lgc's zero tolerance relative to ||H||_F: d eps (lgc.curvature)."""
    return dim * _EPS


def counts(lam, norm, rtol: float, n_structural: int = 0):
    """(n_pos, n_neg, n_zero) of eigenvalues above rtol ||H||_F, below minus it and
    within, ``n_structural`` zeros discounted, as lgc.curvature counts them."""
    tol = (rtol * np.asarray(norm, dtype=np.float64))[:, None]
    n_pos = (lam > tol).sum(axis=1)
    n_neg = (lam < -tol).sum(axis=1)
    return n_pos, n_neg, np.maximum(lam.shape[1] - n_pos - n_neg - n_structural, 0)


def codes(spec: Spectra, test: str, rtol: float | None = None):
    """Curvature codes (n,) (indices into CURVATURES) of ``test`` (a key of TESTS).

    The tolerance rule uses ``rtol`` (default d eps); the float32 rule counts only
    exactly-zero eigenvalues and marks dead-unit points singular, as
    lgc.walks does with ``singular="float32"``.
    """
    try:
        matrix, rule = TESTS[test]
    except KeyError:
        raise ValueError(f"unknown test {test!r}: choose one of {tuple(TESTS)}") from None
    lam, norm, flat = spec.eigenvalues(matrix)
    if rule == "tolerance":
        code = classify(*counts(lam, norm, default_rtol(spec.dim) if rtol is None else rtol,
                                flat))
    else:
        code = classify(*counts(lam, norm, 0.0, flat))
        code[spec.dead] = SINGULAR
    return code


def zero_margin(lam, norm, n_structural: int = 0):
    """|lambda| / ||H||_F of the eigenvalue nearest zero, structural zeros left out.

    A point is singular under the tolerance rule exactly when rtol >= this
    margin, so for a singular point it is the tolerance below which it would
    no longer be singular (0 for an exact zero: never).
    """
    scaled = np.sort(np.abs(lam) / np.asarray(norm, dtype=np.float64)[:, None], axis=1)
    return scaled[:, min(n_structural, lam.shape[1] - 1)]


def evidence(spec: Spectra) -> pd.DataFrame:
    """Per point: the classes of all four tests and what the full Hessian says.

    Columns: one per test (its class name); ``full_lambda_min``,
    ``full_lambda_max``, ``full_n_neg``, ``full_n_pos`` (at the default
    tolerance), ``full_ratio`` = lambda_min / lambda_max, ``full_min_rel`` =
    lambda_min / ||H||_F, ``full_margin`` (:func:`zero_margin`: the flipping
    tolerance), ``full_norm``; ``blocks_lambda_min``, ``blocks_n_neg`` (below
    exactly zero) and ``blocks_margin`` likewise for the blocks; ``dead``.
    """
    out = {test: pd.Categorical.from_codes(codes(spec, test).astype(np.int64),
                                           categories=list(CURVATURES)) for test in TESTS}
    rtol = default_rtol(spec.dim)
    n_pos, n_neg, _ = counts(spec.full, spec.full_norm, rtol, spec.structural[0])
    lo, hi = spec.full[:, 0], spec.full[:, -1]
    out.update(full_lambda_min=lo, full_lambda_max=hi, full_n_neg=n_neg, full_n_pos=n_pos,
               full_ratio=lo / np.where(hi != 0, hi, np.nan), full_min_rel=lo / spec.full_norm,
               full_margin=zero_margin(spec.full, spec.full_norm, spec.structural[0]),
               full_norm=spec.full_norm, blocks_lambda_min=spec.blocks[:, 0],
               blocks_n_neg=counts(spec.blocks, spec.blocks_norm, 0.0, spec.structural[1])[1],
               blocks_margin=zero_margin(spec.blocks, spec.blocks_norm, spec.structural[1]),
               dead=spec.dead)
    return pd.DataFrame(out)


def sweep_counts(spec: Spectra, matrix: str, rtols=SWEEP_RTOLS) -> np.ndarray:
    """Points of each class (len(rtols), 4) under the tolerance rule at each rtol."""
    lam, norm, flat = spec.eigenvalues(matrix)
    return np.stack([np.bincount(classify(*counts(lam, norm, r, flat)), minlength=4)
                     for r in rtols])


def walk_points(problem, kind: str, init_range: float, granularity: str, walks: int,
                stride: int, seed: int = 0, steps: int | None = None):
    """Every ``stride``-th point of ``walks`` progressive gradient walks.

    Gradient-only walks with lgc's seeds: the same paths as a sample of
    :mod:`lgc.experiment` with the same seed, whatever its curvature test.

    Returns
    -------
    frame : DataFrame, one row per point: walk, step, Et, Eg, grad_norm
    W : (points, d) their weights
    """
    steps = default_steps(granularity) if steps is None else int(steps)
    settings = WalkSettings(kind, float(init_range), step_size(granularity, init_range), steps,
                            hessian="none")
    out = progressive_gradient_walk(problem, settings, range(walks), seed,
                                    weights_stride=stride)
    at = np.arange(0, steps, stride)
    frame = pd.DataFrame({"walk": np.repeat(np.arange(walks), len(at)),
                          "step": np.tile(at, walks)})
    for name in ("Et", "Eg", "grad_norm"):
        frame[name] = out[name][:, at].reshape(-1)
    return frame, out["weights"].reshape(-1, out["weights"].shape[-1])


@dataclass(frozen=True)
class Setting:
    """One sample of walks whose points are classified by every test."""

    problem: str
    loss: str
    init_range: float
    granularity: str
    walks: int
    stride: int
    seed: int = 0
    split_seed: int = 0
    steps: int | None = None

    @property
    def key(self) -> dict:
        return dict(problem=self.problem, loss=self.loss, init_range=float(self.init_range),
                    granularity=self.granularity)


def compare_setting(setting: Setting, rtols=SWEEP_RTOLS, float32: bool = True,
                    chunk_size: int = 256):
    """Classify the points of one setting by every test, and sweep the tolerance.

    Returns
    -------
    points : DataFrame, one row per point: the setting, walk, step, Et, Eg,
        grad_norm and the :func:`evidence` columns
    sweep : DataFrame, one row per (matrix, precision, rtol, curvature): the
        setting, ``count`` and ``share`` of the points (float32 only when asked)
    """
    problem = load_problem(setting.problem, seed=setting.split_seed)
    frame, W = walk_points(problem, setting.loss, setting.init_range, setting.granularity,
                           setting.walks, setting.stride, setting.seed, setting.steps)
    rtols = np.asarray(rtols, dtype=float)
    variants = [v for v in SWEEP_VARIANTS if float32 or v[1] == "float64"]
    tally = {v: np.zeros((len(rtols), len(CURVATURES)), dtype=np.int64) for v in variants}
    parts = []
    with threadpool_limits(1, user_api="blas"):  # workers are the parallelism
        for start in range(0, len(W), chunk_size):
            chunk = W[start:start + chunk_size]
            by_precision = point_spectra(problem, chunk, setting.loss,
                                         ("float64", "float32") if float32 else ("float64",))
            parts.append(evidence(by_precision["float64"]))
            for matrix, precision in variants:
                tally[matrix, precision] += sweep_counts(by_precision[precision], matrix, rtols)
    points = pd.concat([frame, pd.concat(parts, ignore_index=True)], axis=1)
    points = pd.concat([pd.DataFrame(setting.key, index=points.index), points], axis=1)
    rows = [dict(setting.key, matrix=m, precision=p, rtol=r, curvature=c, count=int(n),
                 share=n / len(W))
            for (m, p), table in tally.items() for r, row in zip(rtols, table)
            for c, n in zip(CURVATURES, row)]
    return points, pd.DataFrame(rows)


def settings_for(preset, problems=PROBLEMS, points_per_walk: int = 20, seed: int = 0,
                 losses=("sse", "ce"), ranges=(1, 10), granularities=("micro", "macro")):
    """The settings of a preset (lgc.presets): its walks per setting, and every
    k-th step with k the preset's curvature stride or steps / points_per_walk,
    whichever is larger."""
    from .presets import get_preset
    from .problems import PROBLEMS as SPECS

    p = get_preset(preset) if isinstance(preset, str) else preset
    out = []
    for name in problems:
        for loss in losses:
            for r in ranges:
                for gran in granularities:
                    every = p.micro_hessian_every if gran == "micro" else p.macro_hessian_every
                    stride = max(every, default_steps(gran) // points_per_walk)
                    out.append(Setting(name, loss, float(r), gran, p.walks(SPECS[name].dim),
                                       stride, seed, p.split_seeds[0]))
    return out


def compare_settings(settings, workers: int = 1, rtols=SWEEP_RTOLS, float32: bool = True):
    """:func:`compare_setting` for many settings, in ``workers`` processes;
    returns (points, sweep) of all of them, in the order given."""
    results = list(_compare_each(list(settings), workers, rtols, float32))
    return (pd.concat([r[0] for r in results], ignore_index=True),
            pd.concat([r[1] for r in results], ignore_index=True))


def _compare_each(settings: list, workers: int, rtols, float32: bool):
    """(points, sweep) of each setting, in order, as each is done."""
    if workers > 1 and len(settings) > 1:
        from .experiment import single_threaded_blas

        with single_threaded_blas(), ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield from pool.map(compare_setting, settings, [rtols] * len(settings),
                                [float32] * len(settings))
    else:
        for s in settings:
            yield compare_setting(s, rtols, float32)


def setting_name(setting: Setting) -> str:
    """File stem of a setting's cached points,
    e.g. ``iris-ce-r1-micro-w24-every50-seed0-split0``."""
    steps = "" if setting.steps is None else f"-steps{setting.steps}"
    return (f"{setting.problem}-{setting.loss}-r{setting.init_range:g}-{setting.granularity}"
            f"-w{setting.walks}-every{setting.stride}{steps}-seed{setting.seed}"
            f"-split{setting.split_seed}")


def _stamp(setting: Setting, rtols, float32: bool) -> dict:
    from dataclasses import asdict

    from ._version import __version__

    return {"setting": asdict(setting), "rtols": [float(r) for r in rtols],
            "float32": bool(float32), "lgc_version": __version__}


def _cached(path, stamp: dict):
    import json

    import pyarrow.parquet as pq

    from .store import read_parquet

    sweep = path.with_name(path.stem + "-sweep.parquet")
    if not (path.exists() and sweep.exists()):
        return None
    meta = pq.read_schema(path).metadata or {}
    if json.loads(meta.get(b"lgc", b"{}")) != stamp:
        return None
    points = read_parquet(path)
    for test in TESTS:
        points[test] = pd.Categorical(points[test], categories=list(CURVATURES))
    return points, read_parquet(sweep)


def compare_settings_cached(settings, folder, workers: int = 1, rtols=SWEEP_RTOLS,
                            float32: bool = True):
    """:func:`compare_settings`, keeping each setting's points and sweep in
    ``folder`` (Parquet, stamped with the setting, the tolerances and the lgc
    version) and reusing them when the stamp is the same."""
    from pathlib import Path

    from .store import write_parquet

    folder = Path(folder)
    settings = list(settings)
    paths = [folder / f"{setting_name(s)}.parquet" for s in settings]
    stamps = [_stamp(s, rtols, float32) for s in settings]
    found = [_cached(p, st) for p, st in zip(paths, stamps)]
    todo = [i for i, f in enumerate(found) if f is None]
    if todo:  # each setting is kept as soon as it is done: an interrupted run resumes
        fresh = _compare_each([settings[i] for i in todo], workers, rtols, float32)
        for i, result in zip(todo, fresh):
            found[i] = result
            write_parquet(paths[i].with_name(paths[i].stem + "-sweep.parquet"), found[i][1],
                          stamps[i])
            write_parquet(paths[i], found[i][0], stamps[i])  # written last: marks it done
    return (pd.concat([f[0] for f in found], ignore_index=True),
            pd.concat([f[1] for f in found], ignore_index=True))


# ----------------------------------------------------------------- summaries

KEY = ["problem", "loss", "init_range", "granularity"]


def class_shares(points: pd.DataFrame, by=KEY, tests=tuple(TESTS)) -> pd.DataFrame:
    """Share of each class per group and test: one row per (group, test), a column
    per curvature, and ``points``, the number of points in the group."""
    rows = []
    for key, group in points.groupby(list(by), sort=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        for test in tests:
            share = group[test].value_counts(normalize=True)
            rows.append({**dict(zip(by, key)), "test": test, "points": len(group),
                         **{c: float(share.get(c, 0.0)) for c in CURVATURES}})
    return pd.DataFrame(rows)


def block_convex_evidence(points: pd.DataFrame, by=KEY, test: str = AUTHORS_TEST
                          ) -> pd.DataFrame:
    """What the full Hessian says where ``test`` (the authors') sees a minimum.

    One row per group with at least one such point: how many points the block
    test calls convex, the share of them the full test calls saddle, convex
    and singular, the share with a negative eigenvalue beyond the tolerance,
    the median and largest number of such eigenvalues, and the median and
    largest (closest to zero) lambda_min / lambda_max and lambda_min / ||H||_F.
    """
    rows = []
    for key, group, here in _groups_where(points, by, test, "convex"):
        full = here[DEFAULT_TEST]
        rows.append({**dict(zip(by, key)), "points": len(group), "block_convex": len(here),
                     "full_saddle": float((full == "saddle").mean()),
                     "full_convex": float((full == "convex").mean()),
                     "full_singular": float((full == "singular").mean()),
                     "with_negative": float((here.full_n_neg > 0).mean()),
                     "n_neg_median": float(here.full_n_neg.median()),
                     "n_neg_max": int(here.full_n_neg.max()),
                     "ratio_median": float(here.full_ratio.median()),
                     "ratio_max": float(here.full_ratio.max()),
                     "min_rel_median": float(here.full_min_rel.median()),
                     "min_rel_max": float(here.full_min_rel.max())})
    return pd.DataFrame(rows)


def _groups_where(points: pd.DataFrame, by, column: str, value: str):
    """(key tuple, group, its points with ``column == value``) for every group of
    ``by`` that has such points."""
    for key, group in points.groupby(list(by), sort=False, observed=True):
        here = group[group[column] == value]
        if not here.empty:
            yield (key if isinstance(key, tuple) else (key,)), group, here


def singular_flips(points: pd.DataFrame, by=KEY, test: str = DEFAULT_TEST) -> pd.DataFrame:
    """The tolerance that decides the points ``test`` calls singular.

    One row per group with such points: how many, the share of them that are
    exact zeros (margin 0: singular at any tolerance), the median and largest
    flipping tolerance (:func:`zero_margin`) against the default d eps, the share
    with a negative eigenvalue as well (``with_negative``: no minimum, whatever
    the zeros), and what the other test (the authors', or lgc's) says at them.
    """
    matrix = TESTS[test][0]
    rows = []
    for key, group, here in _groups_where(points, by, test, "singular"):
        margin = here[f"{matrix}_margin"]
        other = here[AUTHORS_TEST if test != AUTHORS_TEST else DEFAULT_TEST]
        rows.append({**dict(zip(by, key)), "points": len(group), "singular": len(here),
                     "exact_zero": float((margin == 0).mean()),
                     "with_negative": float((here[f"{matrix}_n_neg"] > 0).mean())
                     if f"{matrix}_n_neg" in here else float("nan"),
                     "margin_median": float(margin.median()),
                     "margin_max": float(margin.max()),
                     "default_rtol": default_rtol(_dim(group)),
                     "dead_unit": float(here.dead.mean()),
                     **{f"other_{c}": float((other == c).mean()) for c in CURVATURES}})
    return pd.DataFrame(rows)


def _dim(group: pd.DataFrame) -> int:
    from .problems import PROBLEMS as SPECS

    return SPECS[group.problem.iloc[0]].dim


def crosstab(points: pd.DataFrame, rows: str = DEFAULT_TEST, cols: str = AUTHORS_TEST
             ) -> pd.DataFrame:
    """Points by their class under two tests (rows: ``rows``, columns: ``cols``)."""
    return pd.crosstab(points[rows], points[cols], dropna=False).reindex(
        index=list(CURVATURES), columns=list(CURVATURES), fill_value=0)


def sweep_shares(sweep: pd.DataFrame, by=("problem", "init_range")) -> pd.DataFrame:
    """Class shares against rtol pooled over the other setting columns."""
    cols = [*by, "matrix", "precision", "rtol", "curvature"]
    out = sweep.groupby(cols, sort=False, observed=True)["count"].sum().reset_index()
    out["share"] = out["count"] / out.groupby([*by, "matrix", "precision", "rtol"],
                                              sort=False)["count"].transform("sum")
    return out


# ------------------------------------------------ the paper's curvature statements

#: How the paired figures name the two tests.
TEST_WORDS = {DEFAULT_TEST: "full Hessian, d eps tolerance (lgc)",
              AUTHORS_TEST: "diagonal blocks, float32 zero (authors)"}


def paired_cells(points: pd.DataFrame, problem: str, init_range: float,
                 granularity: str = "micro", tests=(DEFAULT_TEST, AUTHORS_TEST)) -> dict:
    """The same points classified by each test, for :func:`lgc.plots.cloud_grid`.

    One entry per loss and test, SSE first, the tests in the order given: a label
    ("SSE, micro, [-10, 10]: full Hessian, ...") and the setting's points with
    their ``curvature`` column set to that test's classes. Raises ValueError when
    ``points`` holds no point of the setting.
    """
    setting = (points.problem == problem) & (points.init_range == init_range) & (
        points.granularity == granularity)
    if not setting.any():
        raise ValueError(f"no points for {problem}, r = {init_range:g}, {granularity}; "
                         f"the points hold problems {sorted(set(points.problem))}, ranges "
                         f"{sorted(set(points.init_range))}")
    cells = {}
    for loss in ("sse", "ce"):
        here = points[setting & (points.loss == loss)]
        for test in tests:
            label = (f"{loss.upper()}, {granularity}, [-{init_range:g}, {init_range:g}]: "
                     f"{TEST_WORDS.get(test, test)}")
            cells[label] = here.assign(curvature=here[test])
    return cells


def _share(points, test, cls, **where) -> float:
    here = points
    for column, value in where.items():
        here = here[here[column] == value]
    return float((here[test] == cls).mean()) if len(here) else float("nan")


def _lowest(points, fraction: float = 0.1):
    """Each loss's points in the lowest ``fraction`` of its Et."""
    cut = points.groupby("loss").Et.transform(lambda e: e.quantile(fraction))
    return points[points.Et <= cut]


def _claim_checks():
    """(number, statement, measure, function(points, test) -> (value text, holds))."""
    def xor_low(p, t):
        low = _lowest(p[(p.problem == "xor") & (p.init_range == 1)])
        s = _share(low, t, "convex")
        return f"convex {s:.2f} of the lowest-Et tenth", s >= 0.9

    def xor_falls(p, t):
        x = p[(p.problem == "xor") & (p.init_range == 1)]
        low, high = _lowest(x, 1 / 3), x[x.Et > x.groupby("loss").Et.transform(
            lambda e: e.quantile(2 / 3))]
        a, b = _share(low, t, "convex"), _share(high, t, "convex")
        return f"convex {a:.2f} (lowest Et third) vs {b:.2f} (highest)", a > b

    def prevalent(problem, r, granularity=None, low=0.5):  # more than half saddles
        def check(p, t):
            where = dict(problem=problem, init_range=r)
            if granularity:
                where["granularity"] = granularity
            s = _share(p, t, "saddle", **where)
            return f"saddle {s:.2f}", s > low
        return check

    def every_saddle(problem, r):
        def check(p, t):
            s = _share(p, t, "saddle", problem=problem, init_range=r)
            return f"saddle {s:.3f}", s == 1.0
        return check

    def iris_around(p, t):
        low = _lowest(p[(p.problem == "iris") & (p.init_range == 1)])
        c, s = _share(low, t, "convex"), _share(p, t, "saddle", problem="iris", init_range=1)
        return f"convex {c:.2f} of the lowest-Et tenth; saddle {s:.2f} of all", c > 0 and s > 0.5

    def iris_flat(p, t):
        s = _share(p, t, "singular", problem="iris", init_range=1)
        return f"singular {s:.3f}", 0 < s < 0.5

    def diabetes_micro(p, t):
        a = _share(p, t, "convex", problem="diabetes", init_range=1, granularity="micro")
        b = _share(p, t, "convex", problem="diabetes", init_range=1, granularity="macro")
        s = _share(p, t, "saddle", problem="diabetes", init_range=1)
        return f"convex micro {a:.2f}, macro {b:.2f}; saddle {s:.2f}", a > b and a > 0 and s > 0.5

    def glass_micro_only(p, t):
        a = _share(p, t, "convex", problem="glass", init_range=1, granularity="micro")
        b = _share(p, t, "saddle", problem="glass", init_range=1, granularity="macro")
        return f"convex micro {a:.3f}; saddle macro {b:.3f}", a > 0 and b == 1.0

    def singular_at(problem, both=False):
        def check(p, t):
            shares = {loss: _share(p, t, "singular", problem=problem, init_range=10, loss=loss)
                      for loss in ("sse", "ce")}
            text = ", ".join(f"{k.upper()} {v:.2f}" for k, v in shares.items())
            ok = all(v > 0 for v in shares.values()) if both else any(
                v > 0 for v in shares.values())
            return f"singular {text}", ok
        return check

    def falls_with_d(p, t):
        order = [q for q in PROBLEMS if (p.problem == q).any()]
        s = [_share(p, t, "convex", problem=q) for q in order]
        return ("convex " + ", ".join(f"{q} {v:.2f}" for q, v in zip(order, s)),
                all(a >= b for a, b in zip(s, s[1:])))

    def saddles_most(p, t):
        share = p[t].value_counts(normalize=True)
        only = [q for q in PROBLEMS if _share(p, t, "saddle", problem=q, init_range=1) == 1.0]
        return (f"saddle {share.get('saddle', 0):.2f} of all points, most common: "
                f"{share.idxmax()}; only saddles at r = 1: {', '.join(only) or 'none'}",
                share.idxmax() == "saddle" and bool(only))

    return [
        (11, "XOR r = 1: the attractors are convex (local minima)", xor_low),
        (12, "XOR r = 1: saddle to convex as the loss falls", xor_falls),
        (15, "XOR r = 1: the global minimum is convex", xor_low),
        (30, "Iris r = 1: convex and saddle points around the global minimum, saddles "
             "prevalent", iris_around),
        (31, "Iris r = 1: flat (singular) points, but not prevalent", iris_flat),
        (42, "Diabetes r = 1: convexity mostly in micro walks; saddles the majority",
         diabetes_micro),
        (46, "Diabetes r = 10 macro: most points are saddles",
         prevalent("diabetes", 10, "macro")),
        (53, "Glass r = 1: convexity only in micro walks; macro all saddles", glass_micro_only),
        (58, "Glass r = 10: singular Hessians", singular_at("glass")),
        (63, "Cancer r = 1: every point is a saddle", every_saddle("cancer", 1)),
        (67, "Cancer r = 10: singular Hessians for both losses", singular_at("cancer", True)),
        (68, "Cancer r = 10: most points are saddles", prevalent("cancer", 10)),
        (75, "Heart r = 1: every point is a saddle", every_saddle("heart", 1)),
        (87, "Convexity falls as the dimension rises", falls_with_d),
        (88, "Saddles are the most common class; some problems show only saddles",
         saddles_most),
    ]


def curvature_claims(points: pd.DataFrame, tests=(DEFAULT_TEST, AUTHORS_TEST)
                     ) -> pd.DataFrame:
    """The paper's curvature statements (CLAIMS.md numbers) checked on ``points``
    under each test: one row per statement, a measure and a verdict per test,
    and ``depends`` = whether the verdicts differ. Statements about a problem
    absent from ``points`` are left out."""
    rows = []
    for number, text, check in _claim_checks():
        row = {"claim": number, "statement": text}
        try:
            for test in tests:
                measure, holds = check(points, test)
                row[f"{test} measure"] = measure
                row[f"{test} holds"] = bool(holds)
        except (KeyError, ValueError, IndexError):
            continue
        if any("nan" in str(row[f"{t} measure"]) for t in tests):
            continue
        row["depends"] = len({row[f"{t} holds"] for t in tests}) > 1
        rows.append(row)
    return pd.DataFrame(rows)
