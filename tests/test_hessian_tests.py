"""Specification of lgc.hessian_tests: the full Hessian's test against the authors' blocks.

Oracles independent of the code under test: matrices whose eigenvalues are known on paper,
autograd's Hessian (lgc.loss_hessian) with numpy.linalg.eigvalsh, and the classes lgc's
own walks record.
"""
import numpy as np
import pandas as pd
import pytest

import lgc
from lgc import hessian_tests as ht
from lgc.curvature import CURVATURES, curvature
from lgc.network import Architecture, unpack

SQRT17 = np.sqrt(17.0)
# Diagonal blocks (sizes 2, 1, 1): [[2, 0], [0, 2]], [1], [1], all positive definite. The
# coupling 2 between coordinates 0 and 3 makes [[2, 2], [2, 1]] a principal submatrix,
# whose eigenvalues are (3 -+ sqrt 17) / 2: the matrix is indefinite.
COUPLED = np.array([[2.0, 0.0, 0.0, 2.0],
                    [0.0, 2.0, 0.0, 0.0],
                    [0.0, 0.0, 1.0, 0.0],
                    [2.0, 0.0, 0.0, 1.0]])
SIZES = (2, 1, 1)


def _names(spec, test, **kw):
    return [CURVATURES[c] for c in ht.codes(spec, test, **kw)]


def test_positive_definite_blocks_of_an_indefinite_matrix():
    """Every block positive definite, the matrix not: the block tests say convex, the
    full tests saddle, and the evidence is the lowest eigenvalue (3 - sqrt 17) / 2."""
    spec = ht.spectra(COUPLED[None], SIZES)
    assert _names(spec, "blocks+f32") == _names(spec, "blocks+tol") == ["convex"]
    assert _names(spec, "full+tol") == _names(spec, "full+f32") == ["saddle"]
    # the same verdicts from lgc.curvature itself (LDL^T inertia, not eigenvalues)
    assert CURVATURES[curvature(COUPLED[None], "blocks", SIZES)[0]] == "convex"
    assert CURVATURES[curvature(COUPLED[None])[0]] == "saddle"
    row = ht.evidence(spec).iloc[0]
    assert row.full_lambda_min == pytest.approx((3 - SQRT17) / 2, rel=1e-12)
    assert row.full_lambda_max == pytest.approx((3 + SQRT17) / 2, rel=1e-12)
    assert row.full_ratio == pytest.approx((3 - SQRT17) / (3 + SQRT17), rel=1e-12)
    # ||H||_F^2 = 4 + 4 + 1 + 1 + 2 * 2^2 = 18
    assert row.full_min_rel == pytest.approx((3 - SQRT17) / 2 / np.sqrt(18.0), rel=1e-12)
    assert (row.full_n_neg, row.full_n_pos) == (1, 3)
    assert (row.blocks_lambda_min, row.blocks_n_neg) == (pytest.approx(1.0), 0)
    np.testing.assert_allclose(spec.blocks[0], [1, 1, 2, 2], rtol=1e-14)


def test_block_eigenvalues_are_those_of_the_block_diagonal_matrix():
    """Block by block or as one block-diagonal matrix: the same eigenvalues and norm;
    in float32 the same to float32 rounding."""
    from lgc.curvature import block_diagonal

    rng = np.random.default_rng(3)
    A = rng.normal(size=(5, 9, 9))
    H = A + A.transpose(0, 2, 1)
    sizes = (4, 2, 2, 1)
    lam, norm = ht.block_eigenvalues(H, sizes)
    B = block_diagonal(H, sizes)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(B), atol=1e-12)
    np.testing.assert_allclose(norm, np.linalg.norm(B, axis=(1, 2)), rtol=1e-14)
    lam32, _ = ht.block_eigenvalues(H, sizes, "float32")
    np.testing.assert_allclose(lam32, lam, atol=1e-5 * np.abs(lam).max())
    assert not np.array_equal(lam32, lam)  # float32 really rounds
    with pytest.raises(ValueError, match="do not add up"):
        ht.block_eigenvalues(H, (4, 4))


def test_flipping_tolerance_of_a_singular_point():
    """diag(3, 4, 5e-16): ||H||_F = 5, so the eigenvalue nearest zero is 1e-16 ||H||_F.
    Below rtol 1e-16 the point is convex, from it on singular; lgc's 3 eps calls it
    singular, an exact-zero rule convex."""
    H = np.diag([3.0, 4.0, 5e-16])[None]
    spec = ht.spectra(H, (3,))
    row = ht.evidence(spec).iloc[0]
    assert row.full_margin == pytest.approx(1e-16, rel=1e-12)
    assert _names(spec, "full+tol") == ["singular"]  # 3 eps = 6.7e-16 > 1e-16
    assert _names(spec, "full+tol", rtol=0.99e-16) == ["convex"]
    assert _names(spec, "full+tol", rtol=1.01e-16) == ["singular"]
    assert _names(spec, "full+f32") == ["convex"]  # no exact zero, no dead unit
    dead = ht.spectra(H, (3,), dead=[True])
    assert _names(dead, "full+f32") == _names(dead, "blocks+f32") == ["singular"]
    points = ht.evidence(spec).assign(problem="xor", loss="sse", init_range=1.0,
                                      granularity="micro")
    flips = ht.singular_flips(points, by=["problem"])
    assert flips.singular.tolist() == [1] and flips.exact_zero.tolist() == [0.0]
    assert flips.margin_max.iloc[0] == pytest.approx(1e-16, rel=1e-12)


def test_structural_zeros_are_left_out_of_the_margin():
    """With one structural zero discounted, the margin is the second-smallest |lambda|."""
    lam = np.array([[-1e-20, 2e-9, 1.0, -3.0]])
    norm = np.array([10.0])
    assert ht.zero_margin(lam, norm)[0] == pytest.approx(1e-21)
    assert ht.zero_margin(lam, norm, n_structural=1)[0] == pytest.approx(2e-10)


def test_sweep_ends_singular_and_counts_every_point():
    """|lambda| <= ||H||_F always, so at rtol = 1 every point is singular; at rtol 0 a
    matrix without an exact zero is not; every row counts every point once."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(7, 6, 6))
    spec = ht.spectra(A + A.transpose(0, 2, 1), (3, 3))
    for matrix in ("full", "blocks"):
        table = ht.sweep_counts(spec, matrix, [0.0, 1e-3, 1.0])
        assert (table.sum(axis=1) == 7).all()
        assert table[0, CURVATURES.index("singular")] == 0
        assert table[2, CURVATURES.index("singular")] == 7


@pytest.fixture(scope="module")
def iris_ce():
    """Iris, CE, [-1, 1], micro: 3 walks, every 100th step, both tests."""
    setting = ht.Setting("iris", "ce", 1.0, "micro", walks=3, stride=100)
    points, sweep = ht.compare_setting(setting)
    return setting, points, sweep


def test_classes_are_those_the_walks_record(iris_ce):
    """The full test and the authors' test give the classes lgc's walks record with
    hessian="full" and with hessian="blocks", singular="float32" (same seeds, same steps)."""
    setting, points, _ = iris_ce
    problem = lgc.load_problem("iris", 0)
    for test, (hessian, singular) in [(ht.DEFAULT_TEST, ("full", "tolerance")),
                                      (ht.AUTHORS_TEST, ("blocks", "float32"))]:
        settings = lgc.WalkSettings("ce", 1.0, lgc.step_size("micro", 1.0), 1000,
                                    hessian=hessian, singular=singular,
                                    hessian_every=setting.stride)
        out = lgc.progressive_gradient_walk(problem, settings, range(3), 0)
        recorded = out["curvature"][:, ::setting.stride].reshape(-1)
        np.testing.assert_array_equal(points[test].cat.codes.to_numpy(), recorded)
        np.testing.assert_allclose(points.Et, out["Et"][:, ::setting.stride].reshape(-1))


def test_evidence_against_autograds_hessian(iris_ce):
    """At real walk points: lambda_min, lambda_max, the negative count and the margin of
    the full Hessian, and the blocks' lambda_min, from autograd's Hessian and eigvalsh;
    at a point the authors' test calls convex, autograd's blocks are all positive
    definite and its full Hessian has a clearly negative eigenvalue."""
    setting, points, _ = iris_ce
    problem = lgc.load_problem("iris", 0)
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    _, W = ht.walk_points(problem, "ce", 1.0, "micro", 3, setting.stride)
    sizes = np.cumsum((0,) + arch.tensor_sizes)
    block_convex = points.index[points[ht.AUTHORS_TEST] == "convex"]
    assert len(block_convex), "no block-convex point to check"
    checked = sorted({0, len(points) - 1, int(block_convex[0]), int(block_convex[-1])})
    for i in checked:
        H = lgc.loss_hessian(W[i], problem.X_train, problem.T_train, "ce")
        lam = np.linalg.eigvalsh(H)
        norm = np.linalg.norm(H)
        tol = arch.dim * np.finfo(float).eps * norm
        row = points.loc[i]
        assert row.full_lambda_min == pytest.approx(lam[0], rel=1e-7, abs=1e-12 * norm)
        assert row.full_lambda_max == pytest.approx(lam[-1], rel=1e-9)
        assert row.full_n_neg == (lam < -tol).sum()
        assert row.full_margin == pytest.approx(np.abs(lam).min() / norm, rel=1e-6,
                                                abs=1e-13)
        blocks = [np.linalg.eigvalsh(H[a:b, a:b]) for a, b in zip(sizes, sizes[1:])]
        assert row.blocks_lambda_min == pytest.approx(min(b[0] for b in blocks), rel=1e-7,
                                                      abs=1e-12 * norm)
        if i in block_convex:
            assert all(b[0] > 0 for b in blocks)
            assert lam[0] < -1e-6 * norm and row[ht.DEFAULT_TEST] == "saddle"


def test_summaries_count_each_point_once(iris_ce):
    """Shares sum to one per test; the cross table holds every point; the evidence rows
    count the block-convex points."""
    _, points, sweep = iris_ce
    shares = ht.class_shares(points)
    np.testing.assert_allclose(shares[list(CURVATURES)].sum(axis=1), 1.0)
    assert set(shares.test) == set(ht.TESTS) and (shares.points == len(points)).all()
    assert ht.crosstab(points).to_numpy().sum() == len(points)
    ev = ht.block_convex_evidence(points)
    assert ev.block_convex.sum() == (points[ht.AUTHORS_TEST] == "convex").sum()
    pooled = ht.sweep_shares(sweep)
    total = pooled.groupby(["matrix", "precision", "rtol"]).share.sum()
    np.testing.assert_allclose(total, 1.0)
    assert set(pooled.precision) == {"float64", "float32"}


def test_cached_points_are_reused_and_a_new_setting_recomputed(tmp_path, monkeypatch):
    """The second call reads what the first wrote; a setting not seen before is run."""
    s = ht.Setting("xor", "sse", 1.0, "macro", walks=2, stride=25)
    first = ht.compare_settings_cached([s], tmp_path)
    calls = []
    real = ht.compare_setting
    monkeypatch.setattr(ht, "compare_setting", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = ht.compare_settings_cached([s], tmp_path)
    assert calls == []
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    other = ht.Setting("xor", "sse", 1.0, "macro", walks=2, stride=50)
    ht.compare_settings_cached([s, other], tmp_path)
    assert [a[0] for a in calls] == [other]


def test_a_claim_that_depends_on_the_test():
    """Claim 63 ("every Cancer r = 1 point is a saddle") holds under the test that calls
    every point a saddle and fails under the one that calls one singular."""
    n = 10
    points = pd.DataFrame({"problem": "cancer", "loss": "sse", "init_range": 1.0,
                           "granularity": "micro", "Et": np.linspace(0.1, 1, n),
                           ht.DEFAULT_TEST: ["saddle"] * (n - 1) + ["singular"],
                           ht.AUTHORS_TEST: ["saddle"] * n})
    claims = ht.curvature_claims(points).set_index("claim")
    assert not claims.loc[63, f"{ht.DEFAULT_TEST} holds"]
    assert claims.loc[63, f"{ht.AUTHORS_TEST} holds"] and claims.loc[63, "depends"]
    assert 75 not in claims.index  # no Heart points: no verdict on Heart


def test_settings_follow_the_preset():
    """Walks per setting from the preset; the stride is the preset's or steps / points per
    walk, whichever is larger; every problem with curvature, both losses, ranges, steps."""
    settings = ht.settings_for("quick", points_per_walk=20)
    assert len(settings) == 6 * 2 * 2 * 2
    micro = {s.stride for s in settings if s.granularity == "micro"}
    macro = {s.stride for s in settings if s.granularity == "macro"}
    assert (micro, macro) == ({50}, {5})
    assert {s.walks for s in settings} == {24}
    assert ht.settings_for("quick", points_per_walk=200)[0].stride == 10  # the preset's


def test_unknown_names_are_refused():
    spec = ht.spectra(COUPLED[None], SIZES)
    with pytest.raises(ValueError, match="unknown test"):
        ht.codes(spec, "hessian")
    with pytest.raises(ValueError, match="unknown matrix"):
        spec.eigenvalues("diagonal")


def test_weights_of_the_walk_points_are_the_walks_own():
    """walk_points returns the weights the walk was at: its loss there is the Et recorded."""
    problem = lgc.load_problem("xor", 0)
    frame, W = ht.walk_points(problem, "sse", 1.0, "macro", 2, 10)
    assert W.shape == (20, 9) and list(frame.step[:3]) == [0, 10, 20]
    for i in (0, 7, 19):
        assert lgc.loss(W[i], problem.X_train, problem.T_train, "sse") == pytest.approx(
            frame.Et[i], rel=1e-12)
    W1, *_ = unpack(W[0], Architecture(2, 2, 1))
    assert W1.shape == (2, 2)
