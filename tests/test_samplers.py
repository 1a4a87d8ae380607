"""Specification of lgc.samplers: the walks of GECCO'18 in a bounded space [-b, b]^d."""
import numpy as np
import pytest

from lgc import load_problem
from lgc.derivatives import loss_and_grad
from lgc.fla import gradient_measure
from lgc.network import Architecture
from lgc.samplers import (SAMPLERS, bounded_gradient_step, manhattan_step,
                          progressive_random_step, random_step, reflect, run_walks)
from lgc.steps import progressive_step, walk_rngs
from lgc.walks import WalkSettings, progressive_gradient_walk

XOR = load_problem("xor")
ARCH = Architecture(XOR.n_in, XOR.hidden, XOR.n_out)


def xor_loss_and_grad(X):
    loss, grad, _ = loss_and_grad(X, XOR.X_train, XOR.T_train, "sse", ARCH)
    return loss, grad


def towards_five(X):
    """Loss sum (x - 5)^2: its descent leaves [-1, 1]^d in every coordinate."""
    return np.sum((X - 5.0) ** 2, axis=1), 2 * (X - 5.0)


def _run(sampler, walk_ids, steps=60, d=5, s=0.5, b=1.0, seed=3):
    extra = {"loss_and_grad": towards_five} if sampler == "gradient" else {}
    return run_walks(sampler, walk_ids, steps, d, s, b, seed=seed, **extra)


# ------------------------------------------------------------------------ reflection

def test_reflect_flips_exactly_the_steps_that_would_leave_the_bounds():
    """|x + step| > b flips the step's sign; landing on the bound itself is allowed."""
    X = np.array([[0.9, -0.9, 0.9, 0.0, 0.8]])
    step = np.array([[0.2, -0.2, -0.2, 0.2, 0.2]])
    new, flipped = reflect(X, step, 1.0)
    assert flipped.tolist() == [[True, True, False, False, False]]
    assert new.tolist() == [[-0.2, 0.2, -0.2, 0.2, 0.2]]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_walks_stay_within_the_bounds(sampler):
    """Steps of half the bound, 60 of them: many reflections, never a point outside."""
    X = _run(sampler, range(6))["positions"]
    assert np.abs(X).max() <= 1.0


# ----------------------------------------------------------------------- random walk

def test_random_step_is_each_walks_uniform_draw_in_minus_s_to_s():
    """Away from the bounds the step is the walk's own U[-s, s] draws, bit for bit."""
    rngs = walk_rngs(0, range(3))
    step = random_step(rngs, np.zeros((3, 4)), 0.1, 1.0)
    expected = np.stack([r.uniform(-0.1, 0.1, 4) for r in walk_rngs(0, range(3))])
    assert np.array_equal(step, expected)


# ------------------------------------------------------------------ progressive walk

def test_progressive_step_follows_the_mask_and_flips_it_at_a_bound():
    """Steps U[0, s] with the mask's sign; a coordinate at the bound it heads for
    steps back, and its mask bit flips."""
    X = np.array([[0.0, 0.0, 1.0, -1.0]])
    mask = np.array([[1.0, -1.0, 1.0, -1.0]])
    step, new_mask = progressive_random_step(walk_rngs(1, [0]), X, mask, 0.3, 1.0)
    u = walk_rngs(1, [0])[0].uniform(0.0, 0.3, 4)
    assert np.array_equal(step[0], u * [1.0, -1.0, -1.0, 1.0])
    assert new_mask.tolist() == [[1.0, -1.0, -1.0, 1.0]]


def test_progressive_walk_starts_opposite_its_direction_and_turns_only_at_bounds():
    """Each coordinate starts in the half it moves away from, keeps its direction, and
    turns only within one step s of the bound it was heading for."""
    s, b = 0.2, 1.0
    X = run_walks("progressive", range(5), 200, 4, s, b, seed=11)["positions"]
    moves = np.sign(np.diff(X, axis=1))  # (walks, steps - 1, d)
    assert np.all(moves != 0)  # U[0, s] is 0 with probability 0
    first = moves[:, 0]
    assert np.all(X[:, 0] * first <= 0)  # started in the opposite half
    turns = moves[:, 1:] != moves[:, :-1]
    heading = moves[:, :-1][turns]  # the direction before each turn
    where = X[:, 1:-1][turns]  # the point at which it turned
    assert turns.sum(axis=1).min() >= 1  # every coordinate crosses and turns
    assert np.all(heading * where > b - s)


# -------------------------------------------------------------------- Manhattan walk

def test_manhattan_step_moves_one_coordinate_by_exactly_s():
    """One coordinate per walk, chosen by the walk's own draw, moves by exactly s."""
    X, mask = np.zeros((4, 6)), np.ones((4, 6))
    step, new_mask = manhattan_step(walk_rngs(2, range(4)), X, mask, 0.25, 1.0)
    j = [r.integers(0, 6) for r in walk_rngs(2, range(4))]
    expected = np.zeros((4, 6))
    expected[np.arange(4), j] = 0.25
    assert np.array_equal(step, expected)
    assert np.array_equal(new_mask, mask)


def test_manhattan_walk_changes_one_coordinate_by_s_at_every_step():
    X = run_walks("manhattan", range(4), 300, 3, 0.3, 1.0, seed=5)["positions"]
    dX = np.diff(X, axis=1)
    moved = np.abs(dX) > 1e-12
    assert np.all(moved.sum(axis=2) == 1)
    assert np.allclose(np.abs(dX[moved]), 0.3, rtol=0, atol=1e-12)


def test_manhattan_walk_on_a_plane_has_a_constant_gradient_measure():
    """On f = 0.5 sum(x) every Manhattan step changes f by exactly +-0.5 s, so |g_t| is
    the same at every step: G_dev = 0 and G_avg = (0.5 s / range) (2 n b / s)."""
    n, s, b = 4, 0.25, 1.0
    out = run_walks("manhattan", range(3), 200, n, s, b, seed=8,
                    fitness=lambda X: 0.5 * X.sum(axis=1))
    for f in out["fitness"]:
        assert np.allclose(np.abs(np.diff(f)), 0.5 * s, rtol=0, atol=1e-12)
        gavg, gdev = gradient_measure(f, n, s, b)
        assert gavg == pytest.approx(0.5 * s / np.ptp(f) * 2 * n * b / s, rel=1e-9)
        assert gdev == pytest.approx(0.0, abs=1e-9)


def test_manhattan_reflection_flips_the_chosen_coordinate_and_its_mask():
    """At the upper bound, heading up, the chosen coordinate steps down by s."""
    X, mask = np.ones((1, 1)), np.ones((1, 1))
    step, new_mask = manhattan_step(walk_rngs(0, [0]), X, mask, 0.5, 1.0)
    assert step.tolist() == [[-0.5]] and new_mask.tolist() == [[-1.0]]


# ---------------------------------------------------------------- bounded gradient

def test_bounded_gradient_step_is_lgcs_step_reflected():
    """The draws and signs of lgc.steps.progressive_step, flipped only where they leave."""
    X = np.array([[0.0, 0.95, -0.95], [0.5, -0.5, 0.99]])
    G = np.array([[1.0, -1.0, 1.0], [-1.0, 0.0, -1.0]])
    step = bounded_gradient_step(walk_rngs(4, [0, 1]), X, G, 0.2, 1.0)
    free = progressive_step(walk_rngs(4, [0, 1]), G, 0.2)
    leaves = np.abs(X + free) > 1.0
    assert leaves.any() and not leaves.all()
    assert np.array_equal(step, np.where(leaves, -free, free))


def test_bounded_gradient_walk_is_lgcs_walk_until_it_meets_a_bound():
    """Far from the bounds the bounded walk on XOR records lgc's walk's losses bit for bit
    (same streams, same start uniform in [-b, b])."""
    settings = WalkSettings(kind="sse", init_range=10.0, eps=0.001, steps=20, hessian="none")
    theirs = progressive_gradient_walk(XOR, settings, range(8), seed=9)
    ours = run_walks("gradient", range(8), 20, 9, 0.001, 10.0, seed=9,
                     loss_and_grad=xor_loss_and_grad)
    assert np.array_equal(ours["fitness"], theirs["Et"])


def test_bounded_gradient_walk_descends_and_turns_back_at_the_bound():
    """On sum (x - 5)^2 in [-1, 1]^d every coordinate climbs to 1 and then oscillates
    just below it: the loss falls and the walk stays inside."""
    out = _run("gradient", range(3), steps=200, d=2, s=0.1, b=1.0)
    assert np.all(out["positions"][:, -20:] > 0.8)
    assert out["fitness"][:, -1].max() < out["fitness"][:, 0].min()


# ------------------------------------------------------------------------ the engine

@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_seed_same_walks_whatever_the_batch_split(sampler):
    """Walks 0..7 in one call equal walks 0..3 and 4..7 in two, bit for bit."""
    whole = _run(sampler, range(8))
    parts = [_run(sampler, ids) for ids in (range(4), range(4, 8))]
    for key in whole:
        assert np.array_equal(whole[key], np.concatenate([p[key] for p in parts]))


def test_fitness_is_recorded_at_every_point():
    """fitness(X) at each recorded point, the first being the start."""
    out = run_walks("random", range(3), 10, 2, 0.1, 1.0, seed=0,
                    fitness=lambda X: X[:, 0] - 2 * X[:, 1])
    P = out["positions"]
    assert np.array_equal(out["fitness"], P[..., 0] - 2 * P[..., 1])


def test_no_walks_give_empty_records():
    out = run_walks("progressive", [], 5, 3, 0.1, 1.0, fitness=lambda X: X[:, 0])
    assert out["positions"].shape == (0, 5, 3) and out["fitness"].shape == (0, 5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(sampler="levy"), r"unknown sampler 'levy': choose one of"),
    (dict(step_size=2.0), r"step_size must be at most the bound b = 1.0.*got 2.0"),
    (dict(step_size=0.0), r"step_size must be a positive number; got 0.0"),
    (dict(bound=float("nan")), r"bound must be a positive number; got nan"),
    (dict(steps=0), r"steps must be a positive whole number; got 0"),
    (dict(sampler="gradient"), r"loss_and_grad is needed by the 'gradient' sampler"),
])
def test_bad_arguments_are_one_line_value_errors(kwargs, message):
    args = dict(sampler="random", walk_ids=range(2), steps=5, d=3, step_size=0.1, bound=1.0)
    with pytest.raises(ValueError, match=message) as err:
        run_walks(**{**args, **kwargs})
    assert "\n" not in str(err.value)


# --------------------------------------------------------------- in the walk engine

@pytest.mark.parametrize("walk,sampler", [("bounded-gradient", "gradient"),
                                          ("random", "random"),
                                          ("progressive-random", "progressive"),
                                          ("manhattan", "manhattan")])
def test_the_engines_walks_are_run_walks_walks(walk, sampler):
    """lgc's walk engine with walk=... (r = b = 1, s = 0.1) visits exactly the points
    run_walks visits with the same seed and walk ids, and records their loss as Et."""
    settings = WalkSettings("sse", 1.0, 0.1, 40, hessian="none", walk=walk)
    engine = progressive_gradient_walk(XOR, settings, range(3), seed=2, weights_stride=1)
    extra = ({"loss_and_grad": xor_loss_and_grad} if sampler == "gradient"
             else {"fitness": lambda X: xor_loss_and_grad(X)[0]})
    out = run_walks(sampler, range(3), 40, 9, 0.1, 1.0, seed=2, **extra)
    assert np.allclose(engine["weights"], out["positions"], rtol=0, atol=1e-12)
    assert np.allclose(engine["Et"], out["fitness"], rtol=1e-12)
    assert np.abs(engine["weights"]).max() <= 1.0


@pytest.mark.parametrize("options,message", [
    ({"walk": "levy"}, "unknown walk 'levy'"),
    ({"bound": 2.0}, "bound is for bounded walks"),
    ({"walk": "random", "bound": 0.5}, "init_range must be at most the bound b = 0.5"),
    ({"walk": "random", "bound": -1.0}, "bound must be a positive number"),
    ({"walk": "manhattan", "backend": "array_api_strict"}, "runs in numpy only"),
])
def test_bad_walk_options_are_one_line_value_errors(options, message):
    with pytest.raises(ValueError, match=message):
        WalkSettings("sse", 1.0, 0.1, 10, hessian="none", **options)
