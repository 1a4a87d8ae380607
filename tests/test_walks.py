"""Specification of lgc.walks: progressive gradient walks (Section 4.1)."""
import numpy as np
import pytest

from lgc import load_problem
from lgc.curvature import CURVATURES
from lgc.curvature import classify
from lgc.network import loss, loss_grad
from lgc.walks import WalkSettings, progressive_gradient_walk, progressive_step, step_size

XOR = load_problem("xor")


def _settings(**kw):
    base = dict(kind="sse", init_range=1.0, eps=0.02, steps=30, hessian="full")
    return WalkSettings(**{**base, **kw})


@pytest.mark.parametrize("gran,r,eps", [("micro", 1, 0.02), ("micro", 10, 0.2),
                                        ("macro", 1, 0.2), ("macro", 10, 2.0)])
def test_step_size_is_a_fraction_of_the_range_width(gran, r, eps):
    """eps is 1% (micro) or 10% (macro) of the width 2r
    (docs/departures.md#d9-the-walk-protocol)."""
    assert step_size(gran, r) == pytest.approx(eps)


def test_negative_step_size_is_rejected():
    """A negative eps is an error naming the value."""
    with pytest.raises(ValueError, match=r"eps must be a positive number; got -0.1"):
        _settings(eps=-0.1)


def test_step_moves_against_the_gradient_by_at_most_eps():
    """Each coordinate moves by [0, eps) opposite to the gradient's sign; g = 0 moves +."""
    rngs = [np.random.default_rng(i) for i in range(3)]
    g = np.array([[1.0, -2.0, 0.0, 3.0]] * 3)
    dx = progressive_step(rngs, g, 0.5)
    assert np.all(dx[:, [0, 3]] <= 0) and np.all(dx[:, [1, 2]] >= 0)
    assert np.all(np.abs(dx) < 0.5)


def test_step_is_each_walks_own_uniform_draws_times_eps_with_the_descent_sign():
    """dx_j = -sign(g_j) eps u_j (+ for g_j = 0), u the walk's own stream, bit for bit."""
    g = np.array([[1.0, -2.0, 0.0, -0.0, 3.0, np.nan], [0.0, 5.0, -1.0, 2.0, -0.0, 1.0]])
    dx = progressive_step([np.random.default_rng(i) for i in range(2)], g, 0.3)
    u = np.stack([np.random.default_rng(i).random(6) for i in range(2)])
    expected = np.where(g > 0, -1.0, 1.0) * (u * 0.3)
    assert np.array_equal(dx.view(np.int64), expected.view(np.int64))


def test_first_record_is_the_uniform_start_and_walks_descend():
    """Records start inside [-r, r]^d and training loss falls over a walk on average."""
    out = progressive_gradient_walk(XOR, _settings(steps=200, hessian="none"), range(20),
                                    seed=1, weights_stride=1)
    assert np.all(np.abs(out["weights"][:, 0]) <= 1.0)
    assert out["Et"][:, -1].mean() < out["Et"][:, 0].mean()


def test_records_equal_an_independent_recomputation_from_saved_weights():
    """Et and the gradient norm at each saved point equal autograd's values there."""
    out = progressive_gradient_walk(XOR, _settings(kind="ce"), range(3), seed=2,
                                    weights_stride=7)
    for walk in range(3):
        for k, w in enumerate(out["weights"][walk]):
            step = 7 * k
            assert out["Et"][walk, step] == pytest.approx(
                float(loss(w, XOR.X_train, XOR.T_train, "ce")), rel=1e-12)
            assert out["grad_norm"][walk, step] == pytest.approx(
                np.linalg.norm(loss_grad(w, XOR.X_train, XOR.T_train, "ce")), rel=1e-10)


def test_recorded_eigenvalues_are_those_of_autograds_hessian_at_the_saved_points():
    """With eigenvalues=True the extreme eigenvalues at each point are eigvalsh's of
    autograd's Hessian there (Iris, 3 outputs: the structured build is checked too)."""
    from autograd import hessian
    iris = load_problem("iris")
    out = progressive_gradient_walk(iris, _settings(steps=6, eigenvalues=True), range(2),
                                    seed=1, weights_stride=1)
    for walk in range(2):
        for step, w in enumerate(out["weights"][walk]):
            lam = np.linalg.eigvalsh(hessian(loss)(w, iris.X_train, iris.T_train, "sse"))
            scale = np.abs(lam).max()
            assert abs(out["lambda_min"][walk, step] - lam[0]) < 1e-10 * scale
            assert abs(out["lambda_max"][walk, step] - lam[-1]) < 1e-10 * scale


def test_heart_eigenvalues_from_its_row_space_are_the_full_hessians_but_its_zeros():
    """Heart's Hessian is classified restricted to the 291 directions that change the
    network; its extremes and sign counts are those of autograd's full 341 x 341
    Hessian, whose 50 structural zeros are left out."""
    from autograd import hessian
    heart = load_problem("heart")
    out = progressive_gradient_walk(heart, _settings(steps=2, eigenvalues=True), [0],
                                    seed=0, weights_stride=1)
    for step, w in enumerate(out["weights"][0]):
        H = hessian(loss)(w, heart.X_train, heart.T_train, "sse")
        lam = np.linalg.eigvalsh(H)
        tol = heart.dim * np.finfo(float).eps * np.linalg.norm(H)
        assert out["lambda_min"][0, step] == pytest.approx(lam[0], rel=1e-9)
        assert out["lambda_max"][0, step] == pytest.approx(lam[-1], rel=1e-9)
        assert out["n_pos"][0, step] == np.sum(lam > tol)
        assert out["n_neg"][0, step] == np.sum(lam < -tol)
        assert out["n_pos"][0, step] + out["n_neg"][0, step] + out["n_zero"][0, step] == 291


def test_recorded_eigenvalue_counts_give_the_recorded_class_and_add_up_to_d():
    """n_pos + n_neg + n_zero = d at every point, and classify() of them is its class."""
    out = progressive_gradient_walk(XOR, _settings(init_range=10.0, eps=0.2, steps=60,
                                                   eigenvalues=True), range(4), seed=3)
    counts = [out[k] for k in ("n_pos", "n_neg", "n_zero")]
    assert np.all(sum(counts) == 9)
    np.testing.assert_array_equal(classify(*counts), out["curvature"])


def test_asking_for_eigenvalues_leaves_the_walks_and_their_classes_unchanged():
    """The eigenvalues are extra records: the same walks, and the same classes as
    LDL^T's (Iris, d = 35, is classified by LDL^T by default), saddles and singular
    points included."""
    iris = load_problem("iris")
    kw = dict(init_range=10.0, eps=2.0, steps=100)
    plain = progressive_gradient_walk(iris, _settings(**kw), range(6), seed=3)
    more = progressive_gradient_walk(iris, _settings(**kw, eigenvalues=True), range(6),
                                     seed=3)
    assert {CURVATURES[c] for c in np.unique(plain["curvature"])} >= {"saddle", "singular"}
    for name in ("Et", "Eg", "Ct", "Cg", "grad_norm", "curvature"):
        np.testing.assert_array_equal(plain[name], more[name])
    assert "lambda_min" not in plain and np.all(np.isfinite(more["lambda_min"]))


def test_eigenvalues_without_a_hessian_are_rejected():
    """eigenvalues=True with hessian='none' is an error naming both."""
    with pytest.raises(ValueError, match=r"eigenvalues=True needs a Hessian; got "
                                         r"hessian='none'"):
        _settings(hessian="none", eigenvalues=True)


def test_a_listed_singular_test_without_an_implementation_raises(monkeypatch):
    """A singular-test name added to SINGULAR_TESTS but not to the walk's dispatch
    is an error naming it, not the float32 test in disguise."""
    from lgc import walks
    monkeypatch.setattr(walks, "SINGULAR_TESTS", walks.SINGULAR_TESTS + ("exact",))
    settings = _settings(singular="exact", steps=2)
    with pytest.raises(ValueError, match=r"unknown singular test 'exact'.*'tolerance'"):
        progressive_gradient_walk(XOR, settings, range(2))


def test_consecutive_points_differ_by_at_most_eps_per_dimension():
    """The walk is unbounded but each step is at most eps in every dimension."""
    out = progressive_gradient_walk(XOR, _settings(eps=0.2, init_range=10.0), range(4),
                                    seed=3, weights_stride=1)
    assert np.abs(np.diff(out["weights"], axis=1)).max() < 0.2


def test_walk_does_not_depend_on_its_batch():
    """A walk's numbers are the same alone or in a batch with other walks."""
    together = progressive_gradient_walk(XOR, _settings(), [0, 1, 2, 3], seed=5)
    alone = progressive_gradient_walk(XOR, _settings(), [2], seed=5)
    for name in ("Et", "grad_norm", "curvature"):
        np.testing.assert_array_equal(together[name][2], alone[name][0])


def test_different_seeds_give_different_walks():
    """Changing the seed changes the starting points."""
    a = progressive_gradient_walk(XOR, _settings(steps=2), [0], seed=0)
    b = progressive_gradient_walk(XOR, _settings(steps=2), [0], seed=1)
    assert a["Et"][0, 0] != b["Et"][0, 0]


def test_curvature_classes_are_recorded_and_none_mode_skips_them():
    """Curvature holds valid class codes; hessian='none' records -1 everywhere."""
    out = progressive_gradient_walk(XOR, _settings(), range(5), seed=0)
    assert set(np.unique(out["curvature"])) <= set(range(len(CURVATURES)))
    none = progressive_gradient_walk(XOR, _settings(hessian="none"), range(5), seed=0)
    assert np.all(none["curvature"] == -1)


def test_wide_range_walks_meet_saddles_and_singular_points():
    """XOR walks from [-10, 10] find saddles and flat singular regions (Figure 4)."""
    out = progressive_gradient_walk(XOR, _settings(init_range=10.0, eps=0.2, steps=100),
                                    range(30), seed=0)
    names = {CURVATURES[c] for c in np.unique(out["curvature"])}
    assert {"saddle", "singular"} <= names


def test_mnist_style_batches_differ_per_walk_and_step():
    """With a batch size, each walk-step draws its own mini-batch of patterns."""
    from dataclasses import replace
    iris = load_problem("iris")
    batched = replace(iris, batch_size=10)
    out = progressive_gradient_walk(batched, _settings(hessian="none", steps=5), range(3), seed=0)
    full = progressive_gradient_walk(iris, _settings(hessian="none", steps=5), range(3), seed=0)
    assert not np.allclose(out["Et"], full["Et"])
    assert np.isfinite(out["Et"]).all()


def test_hessian_every_k_classifies_only_those_steps():
    """With hessian_every=3 curvature is recorded at steps 0, 3, 6, ... only."""
    out = progressive_gradient_walk(XOR, _settings(steps=10, hessian_every=3), range(2), seed=0)
    recorded = out["curvature"][0] >= 0
    np.testing.assert_array_equal(np.flatnonzero(recorded), [0, 3, 6, 9])


@pytest.mark.parametrize("init_range,eps,steps", [(30.0, 6.0, 12), (2.0, 0.2, 60)])
def test_curvature_with_dependent_inputs_discounts_exactly_the_structural_zeros(
        init_range, eps, steps):
    """Walks on rank-deficient inputs record the class that the eigenvalues of
    autograd's full Hessian give once the structural zeros are set aside."""
    from types import SimpleNamespace
    from lgc.curvature import classify
    from lgc.network import loss_hessian
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    X = np.column_stack([X, X[:, 1] + X[:, 2]])
    T = rng.integers(0, 2, (30, 1)).astype(float)
    problem = SimpleNamespace(X_train=X, T_train=T, X_test=X, T_test=T,
                              n_in=4, hidden=3, n_out=1)
    settings = _settings(init_range=init_range, eps=eps, steps=steps)
    out = progressive_gradient_walk(problem, settings, range(6), seed=1, weights_stride=3)
    codes = out["curvature"][:, ::3].reshape(-1)
    assert len(np.unique(codes)) == 2  # saddles and singular points; minima and saddles
    for w, code in zip(out["weights"].reshape(-1, 19), codes):
        lam = np.linalg.eigvalsh(loss_hessian(w, X, T, "sse"))
        lam = lam[np.argsort(np.abs(lam))[3:]]  # 3 structural zeros
        tol = 19 * np.finfo(float).eps * np.sqrt((lam ** 2).sum())
        assert code == classify((lam > tol).sum(), (lam < -tol).sum(),
                                (np.abs(lam) <= tol).sum())


@pytest.mark.parametrize("pixels", [True, False], ids=["k/255 pixels", "z-scored"])
def test_gathered_batches_equal_plain_indexing_bit_for_bit(pixels):
    """Mini-batches gathered through the byte copy of k/255 pixels (or directly
    for any other inputs) are exactly X[index]: the same float64 values."""
    from lgc.batches import _Rows
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, (50, 6)) / 255.0 if pixels else rng.normal(size=(50, 6))
    rows = _Rows(X, n=3, size=7)
    assert (rows.codes is not None) == pixels
    index = np.stack([rng.choice(50, 7, replace=False) for _ in range(3)])
    np.testing.assert_array_equal(rows.take(index), X[index])


def test_mini_batch_walks_give_the_same_numbers_whatever_the_tile_size(monkeypatch):
    """Mini-batch walks are evaluated a few at a time (lgc.batches.tiles); the tile
    size, from one walk to all of them, changes no number."""
    from dataclasses import replace
    from lgc import batches
    batched = replace(load_problem("iris"), batch_size=10)
    settings = _settings(hessian="none", steps=8)
    runs, n_tiles = [], []
    for tile_bytes in (1.0, 1300.0, 1e9):  # 1, 2 or all 7 walks per tile
        monkeypatch.setattr(batches, "_TILE_BYTES", tile_bytes)
        n_tiles.append(len(batches.tiles(7, batched)))
        runs.append(progressive_gradient_walk(batched, settings, range(7), seed=2))
    assert n_tiles == [7, 4, 1]
    for run in runs[1:]:
        for name in ("Et", "Eg", "Ct", "Cg", "grad_norm"):
            np.testing.assert_array_equal(run[name], runs[0][name])


def test_float32_walks_record_the_start_to_float32_accuracy():
    """precision='float32' evaluates the same first point as float64, to float32's
    accuracy (later points may part: a gradient that rounds to zero steps +1)."""
    iris = load_problem("iris")
    f64 = progressive_gradient_walk(iris, _settings(hessian="none", steps=2), range(4))
    f32 = progressive_gradient_walk(iris, _settings(hessian="none", steps=2,
                                                    precision="float32"), range(4))
    for name in ("Et", "Eg", "grad_norm"):
        np.testing.assert_allclose(f32[name][:, 0], f64[name][:, 0], rtol=1e-5)
        assert not np.array_equal(f32[name][:, 0], f64[name][:, 0])


@pytest.mark.parametrize("bad", [dict(precision="float16"),
                                 dict(precision="float32", hessian="full")])
def test_bad_precision_is_rejected_with_the_allowed_choices(bad):
    with pytest.raises(ValueError, match="precision"):
        _settings(**bad)
