"""Tests for lgc.slices: the grid's losses against autograd's loss, exact projections."""
import numpy as np
import pytest

from lgc import network
from lgc.problems import load_problem
from lgc.slices import CHUNK, loss_slice, project, slice_coordinates, slice_directions


@pytest.fixture(scope="module", params=["xor", "iris"])
def problem(request):
    return load_problem(request.param)


def _plane(problem, seed=0):
    """A centre and two unit directions, orthonormal, in the problem's weight space."""
    rng = np.random.default_rng(seed)
    centre = rng.uniform(-1, 1, problem.dim)
    q, _ = np.linalg.qr(rng.standard_normal((problem.dim, 2)))
    return centre, q[:, 0], q[:, 1]


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_centre_value_is_the_loss_at_the_centre(problem, kind):
    """The middle grid point is L(centre), as autograd's reference network computes it."""
    centre, d1, d2 = _plane(problem)
    grid = loss_slice(problem, kind, centre, d1, d2, extent=2.0, n=5)
    expected = network.loss(centre, problem.X_train, problem.T_train, kind)
    assert grid.shape == (5, 5)
    assert grid[2, 2] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_grid_points_are_the_losses_at_their_weights(problem, kind):
    """Entry [i, j] is L(centre + a_j d1 + b_i d2), a_j = -extent + 2 extent j / (n - 1):
    rows follow d2 and columns d1, also past the first chunk of the batched calls."""
    centre, d1, d2 = _plane(problem, seed=1)
    extent, n = 3.0, 41
    assert n * n > CHUNK  # the corner comes from a later call than the first
    grid = loss_slice(problem, kind, centre, d1, d2, extent, n)
    for i, j in ((0, 0), (3, 30), (30, 3), (40, 40), (20, 0)):
        a, b = -extent + 2 * extent * j / (n - 1), -extent + 2 * extent * i / (n - 1)
        w = centre + a * d1 + b * d2
        expected = network.loss(w, problem.X_train, problem.T_train, kind)
        assert grid[i, j] == pytest.approx(expected, rel=1e-10), (i, j)


def test_patterns_uses_the_first_training_patterns():
    """With patterns=k the loss is the mean over the first k training patterns only."""
    iris = load_problem("iris")
    centre, d1, d2 = _plane(iris, seed=2)
    grid = loss_slice(iris, "ce", centre, d1, d2, extent=1.0, n=3, patterns=7)
    expected = network.loss(centre, iris.X_train[:7], iris.T_train[:7], "ce")
    assert grid[1, 1] == pytest.approx(expected, rel=1e-12)
    whole = network.loss(centre, iris.X_train, iris.T_train, "ce")
    assert grid[1, 1] != pytest.approx(whole, rel=1e-6)


def test_coordinates_are_symmetric_with_an_exact_zero():
    """Each axis runs -extent .. extent in n even steps, its middle exactly 0."""
    coords = slice_coordinates(0.3, 41)
    assert coords[0] == -0.3 and coords[-1] == 0.3 and coords[20] == 0.0
    assert np.allclose(np.diff(coords), 0.6 / 40)


@pytest.mark.parametrize("orthonormal", [True, False])
def test_projection_of_a_point_in_the_plane_is_its_coordinates(orthonormal):
    """A point centre + a d1 + b d2 projects to exactly (a, b), orthonormal directions or not."""
    rng = np.random.default_rng(3)
    centre = rng.normal(size=35)
    d1, d2 = rng.normal(size=35), rng.normal(size=35)
    if orthonormal:
        q, _ = np.linalg.qr(np.stack([d1, d2], axis=1))
        d1, d2 = q[:, 0], q[:, 1]
    ab = rng.uniform(-5, 5, (6, 2))
    points = centre + ab[:, :1] * d1 + ab[:, 1:] * d2
    assert np.allclose(project(points, centre, d1, d2), ab, rtol=0, atol=1e-12)


def test_projection_drops_the_part_off_the_plane():
    """Adding a vector orthogonal to both directions leaves the coordinates unchanged."""
    rng = np.random.default_rng(4)
    centre = rng.normal(size=9)
    q, _ = np.linalg.qr(rng.normal(size=(9, 3)))
    d1, d2, off = q.T
    point = centre + 1.5 * d1 - 0.25 * d2 + 7.0 * off
    assert np.allclose(project(point, centre, d1, d2), [[1.5, -0.25]], rtol=0, atol=1e-12)


def test_directions_are_orthonormal_and_d1_follows_the_walk():
    """d1 is the unit displacement start -> end, d2 a unit vector orthogonal to it;
    so the walk's start projects to (-|end - start|, 0) and its end to (0, 0)."""
    rng = np.random.default_rng(5)
    path = np.cumsum(rng.normal(size=(30, 35)), axis=0)
    d1, d2 = slice_directions(path, np.random.default_rng(0))
    assert np.linalg.norm(d1) == pytest.approx(1, abs=1e-14)
    assert np.linalg.norm(d2) == pytest.approx(1, abs=1e-14)
    assert abs(d1 @ d2) < 1e-14
    displacement = path[-1] - path[0]
    assert np.allclose(d1 * np.linalg.norm(displacement), displacement, rtol=0, atol=1e-12)
    ends = project(path[[0, -1]], path[-1], d1, d2)
    assert np.allclose(ends, [[-np.linalg.norm(displacement), 0.0], [0.0, 0.0]], atol=1e-12)


def test_directions_depend_only_on_the_path_and_the_seed():
    """The same path and seed give the same directions; another seed another d2 only."""
    path = np.random.default_rng(6).normal(size=(10, 9))
    one = slice_directions(path, np.random.default_rng(1))
    again = slice_directions(path, np.random.default_rng(1))
    other = slice_directions(path, np.random.default_rng(2))
    assert all(np.array_equal(x, y) for x, y in zip(one, again))
    assert np.array_equal(one[0], other[0]) and not np.allclose(one[1], other[1])


def test_a_walk_that_did_not_move_still_gets_two_directions():
    """No displacement: d1 is drawn at random, and the pair is still orthonormal."""
    path = np.ones((5, 9))
    d1, d2 = slice_directions(path, np.random.default_rng(0))
    assert np.allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1, 1, 0], atol=1e-14)


@pytest.mark.parametrize("extent", [0, -1.0, float("nan"), float("inf"), "1", True, None])
def test_bad_extent_raises_one_line(extent):
    xor = load_problem("xor")
    with pytest.raises(ValueError, match=r"^extent must be a finite number > 0, got") as err:
        loss_slice(xor, "sse", np.zeros(9), np.eye(9)[0], np.eye(9)[1], extent, 5)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("n", [1, 2, 4, 40, 3.0, True, "41"])
def test_bad_n_raises_one_line(n):
    xor = load_problem("xor")
    with pytest.raises(ValueError, match=r"^n must be an odd integer >= 3") as err:
        loss_slice(xor, "sse", np.zeros(9), np.eye(9)[0], np.eye(9)[1], 1.0, n)
    assert "\n" not in str(err.value) and repr(n) in str(err.value)


def test_wrong_sized_or_non_finite_vectors_raise():
    """Vectors of the wrong length, and non-finite ones, are named in one line."""
    xor = load_problem("xor")
    with pytest.raises(ValueError, match=r"^d2 must be a weight vector of shape \(9,\)"):
        loss_slice(xor, "sse", np.zeros(9), np.eye(9)[0], np.ones(8), 1.0, 3)
    with pytest.raises(ValueError, match="weights must be finite"):
        loss_slice(xor, "sse", np.full(9, np.nan), np.eye(9)[0], np.eye(9)[1], 1.0, 3)
    with pytest.raises(ValueError, match="linearly independent"):
        project(np.zeros((2, 9)), np.zeros(9), np.eye(9)[0], 2 * np.eye(9)[0])


def test_unknown_loss_raises():
    xor = load_problem("xor")
    with pytest.raises(ValueError, match="'mse'"):
        loss_slice(xor, "mse", np.zeros(9), np.eye(9)[0], np.eye(9)[1], 1.0, 3)


@pytest.mark.parametrize("patterns", [0, -3, 2.5, True])
def test_bad_patterns_raise(patterns):
    xor = load_problem("xor")
    with pytest.raises(ValueError, match=r"^patterns must be a whole number >= 1 or None"):
        loss_slice(xor, "sse", np.zeros(9), np.eye(9)[0], np.eye(9)[1], 1.0, 3, patterns)
