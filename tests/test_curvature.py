"""Specification of lgc.curvature: classification by eigenvalue signs."""
import numpy as np
import pytest

from lgc.curvature import (CURVATURES, block_diagonal, classify, curvature, inertia,
                           spectrum, zero_tolerance)

NON_FINITE = r"Hessian has non-finite entries: H\[1, 0, 2\] = {} \(Hessian 1 of the stack"


def _sym(eigs, rng):
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigs), len(eigs))))
    return (Q * eigs) @ Q.T


def _name(H, **kw):
    return CURVATURES[curvature(H[None], **kw)[0]]


@pytest.mark.parametrize("eigs,expected", [([1, 2, 3], "convex"), ([-1, -2, -3], "concave"),
                                           ([1, -2, 3], "saddle"), ([1, 0, 3], "singular"),
                                           ([-1, 0, 1], "singular")])
def test_classes_follow_eigenvalue_signs(eigs, expected):
    """Positive definite is convex (a minimum), negative concave, mixed saddle, zero singular."""
    H = _sym(np.array(eigs, dtype=float), np.random.default_rng(0))
    assert _name(H) == expected


def test_singular_is_tested_before_saddle():
    """A matrix with mixed signs and a zero eigenvalue is singular (authors' order)."""
    assert CURVATURES[classify(2, 2, 1)] == "singular"


def test_eigenvalue_below_tolerance_counts_as_zero():
    """An eigenvalue below rtol * ||H||_F is zero; one above it is not."""
    rng = np.random.default_rng(1)
    tiny = _sym(np.array([1.0, 2.0, 1e-15]), rng)
    small = _sym(np.array([1.0, 2.0, 1e-12]), rng)
    assert _name(tiny) == "singular" and _name(small) == "convex"
    assert _name(tiny, rtol=0.0) == "convex"


@pytest.mark.parametrize("d", [4, 40, 120])
def test_ldl_inertia_equals_eigenvalue_counts(d):
    """Sylvester's law on LDL^T gives the same counts as eigvalsh, zeros included."""
    rng = np.random.default_rng(d)
    H = np.stack([_sym(rng.normal(size=d) * (rng.random(d) > 0.1), rng) for _ in range(6)])
    H[0] = _sym(np.abs(rng.normal(size=d)) + 0.1, rng)
    tol = zero_tolerance(H, 1e-6)
    for a, b in zip(inertia(H.copy(), tol, "ldl"), inertia(H.copy(), tol, "eigh")):
        np.testing.assert_array_equal(a, b)


def test_spectrum_reports_the_planted_extreme_eigenvalues_and_counts():
    """Matrices built as Q diag(lambda) Q^T give back their extremes and sign counts,
    and the same classes as the LDL^T test."""
    rng = np.random.default_rng(5)
    planted = [np.array([3.0, 1.0, 0.5, 2.0]), np.array([-1.0, 2.0, 0.0, 4.0]),
               np.array([-3.0, -1.0, -2.0, -0.5])]
    H = np.stack([_sym(eigs, rng) for eigs in planted])
    codes, summary = spectrum(H)
    assert [CURVATURES[c] for c in codes] == ["convex", "singular", "concave"]
    np.testing.assert_array_equal(codes, curvature(H.copy(), method="ldl"))
    np.testing.assert_allclose(summary["lambda_min"], [0.5, -1.0, -3.0], atol=1e-12)
    np.testing.assert_allclose(summary["lambda_max"], [3.0, 4.0, -0.5], atol=1e-12)
    assert list(summary["n_pos"]) == [4, 2, 0] and list(summary["n_neg"]) == [0, 1, 4]
    assert list(summary["n_zero"]) == [0, 1, 0]


def test_spectrum_discounts_structural_zeros_as_curvature_does():
    """With n_structural zeros discounted, a saddle with two exact zeros is a saddle
    again, and its counts leave them out."""
    H = _sym(np.array([2.0, -1.0, 0.0, 0.0]), np.random.default_rng(6))[None]
    codes, summary = spectrum(H, n_structural=2)
    assert CURVATURES[codes[0]] == "saddle" == _name(H[0], n_structural=2)
    assert (summary["n_pos"][0], summary["n_neg"][0], summary["n_zero"][0]) == (1, 1, 0)


def _with_bad_entry(bad, rng):
    """Three symmetric saddles, the second with entries (0, 2) and (2, 0) set to ``bad``."""
    H = np.stack([_sym(np.array([2.0, -1.0, 3.0, 1.0]), rng) for _ in range(3)])
    H[1, 2, 0] = H[1, 0, 2] = bad
    return H


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("mode", ["full", "blocks"])
@pytest.mark.parametrize("method", ["ldl", "eigh"])
def test_non_finite_hessian_is_refused_by_both_inertia_methods(method, mode, bad):
    """LDL^T and eigh raise one ValueError for a NaN or inf entry, not "singular" or LinAlgError."""
    H = _with_bad_entry(bad, np.random.default_rng(7))
    with pytest.raises(ValueError, match=NON_FINITE.format(bad)):
        curvature(H, mode=mode, sizes=(2, 2), method=method)


@pytest.mark.parametrize("mode", ["full", "blocks"])
def test_spectrum_refuses_a_non_finite_hessian(mode):
    """spectrum() raises the same ValueError as curvature() for a NaN entry."""
    H = _with_bad_entry(np.nan, np.random.default_rng(8))
    with pytest.raises(ValueError, match=NON_FINITE.format("nan")):
        spectrum(H, mode=mode, sizes=(2, 2))


@pytest.mark.parametrize("method", ["ldl", "eigh"])
def test_inertia_refuses_a_non_finite_hessian(method):
    """inertia() called directly, with a finite tolerance, still refuses a NaN entry."""
    H = _with_bad_entry(np.nan, np.random.default_rng(9))
    with pytest.raises(ValueError, match=NON_FINITE.format("nan")):
        inertia(H, np.full(3, 1e-12), method)


def test_finite_hessian_whose_squares_overflow_is_classified():
    """Entries of 1e200 (||H||_F^2 overflows) give a finite tolerance and the true class."""
    H = 1e200 * _sym(np.array([2.0, -1.0, 3.0]), np.random.default_rng(10))[None]
    assert np.isfinite(zero_tolerance(H, 0.0)).all() and np.isfinite(zero_tolerance(H)).all()
    assert _name(H[0], rtol=0.0) == _name(H[0]) == "saddle"
    assert CURVATURES[spectrum(H)[0][0]] == "saddle"


def test_blocks_mode_ignores_off_diagonal_blocks():
    """Blocks mode classifies the per-tensor diagonal blocks only
    (docs/departures.md#d3-which-hessian-is-classified)."""
    H = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1: a saddle
    assert _name(H) == "saddle"
    assert _name(H, mode="blocks", sizes=(1, 1)) == "convex"


def test_block_diagonal_rejects_sizes_not_adding_to_d():
    """Block sizes must add up to the Hessian's dimension."""
    with pytest.raises(ValueError, match=r"do not add up to d = 3"):
        block_diagonal(np.zeros((1, 3, 3)), (1, 1))


def test_unknown_mode_is_rejected():
    """An unknown Hessian mode names the allowed ones."""
    with pytest.raises(ValueError, match="unknown Hessian mode 'diag'"):
        curvature(np.eye(2)[None], mode="diag")


def test_dependent_inputs_give_structural_zero_eigenvalues():
    """Inputs of rank r < m give hidden * (m - r) zero Hessian eigenvalues everywhere."""
    from lgc import derivatives
    from lgc.network import Architecture
    rng = np.random.default_rng(5)
    X = rng.normal(size=(20, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # one dependent column
    T = rng.integers(0, 2, (20, 1)).astype(float)
    arch = Architecture(4, 3, 1)
    from lgc.curvature import structural_zeros
    assert structural_zeros(X, 3) == 3
    H = derivatives.hessian(rng.normal(size=(2, arch.dim)), X, T, "sse", arch)
    n_zero = inertia(H, zero_tolerance(H), "eigh")[2]
    np.testing.assert_array_equal(n_zero, [3, 3])
    assert set(curvature(H, n_structural=3)) <= {0, 1, 2}  # no longer singular


def test_float32_dead_units_flag_a_unit_saturated_on_every_pattern():
    """A hidden unit at sigmoid 1.0 in float32 on all patterns marks the point."""
    from lgc.curvature import float32_dead_units
    A = np.zeros((3, 5, 2))
    A[1, :, 0] = 20.0  # saturated everywhere: float32 sigmoid is exactly 1
    A[2, :4, 0] = 20.0  # saturated on four patterns of five only
    Z = np.zeros((3, 5, 1))
    np.testing.assert_array_equal(float32_dead_units(A, Z), [False, True, False])


def test_float32_dead_unit_hessian_row_is_zero_in_float32_terms():
    """Such a unit's incoming weights have Hessian rows below float32 resolution."""
    from lgc import derivatives
    from lgc.network import Architecture
    arch = Architecture(2, 2, 1)
    X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    T = np.array([[0.], [1.], [1.], [0.]])
    w = np.array([1.0, 0.5, 1.0, -0.5, 30.0, 0.0, 1.0, 1.0, 0.0])  # b1[0] = 30
    H = derivatives.hessian(w[None], X, T, "sse", arch)[0]
    rows = [0, 2, 4]  # W1[0, 0], W1[1, 0], b1[0]: unit 0's incoming weights
    assert np.abs(H[rows]).max() < np.finfo(np.float32).eps * np.abs(H).max()


def test_structural_zeros_rejects_an_unknown_mode():
    """Only 'full' and 'blocks' have a structural-zero count; anything else raises."""
    from lgc.curvature import structural_zeros
    X = np.ones((5, 2))
    assert structural_zeros(X, 3, "blocks") == 3  # two equal columns: rank 1
    assert structural_zeros(X, 3, "full") == 6  # and the bias column too: rank 1 of 3
    with pytest.raises(ValueError, match=r"unknown Hessian mode 'diag'.*'full'.*'blocks'"):
        structural_zeros(X, 3, "diag")
