"""Specification of lgc.fla: landscape measures of recorded walks (GECCO'18, Table 2).

Every expected value is worked out by hand from the definitions (docs/fla.md) on a
sequence made for it; none is produced by the code under test.
"""
import math

import numpy as np
import pytest

from lgc.fla import (VARIANTS, entropy, epsilon_star, fdc, fdc_per_walk, fem, fem_schedule,
                     gradient_measure, m1, m2, mean_std, per_walk, symbols)

LOG6 = math.log(6)


def h(*shares):
    """-sum p log_6 p, the entropy of pair shares worked out by hand."""
    return -sum(p * math.log(p) / LOG6 for p in shares)


# ------------------------------------------------------------------------- symbols

def test_symbols_are_the_sign_of_each_change_beyond_eps():
    """s_t = 1 above eps, -1 below -eps, 0 within; a change of exactly eps is 0."""
    assert symbols([0.0, 2.0, 2.5, 1.5, 0.5, 0.0], 0.5).tolist() == [1, 0, -1, -1, 0]


# ----------------------------------------------------------------------------- FEM

@pytest.mark.parametrize("variant", VARIANTS)
def test_constant_walk_is_smooth(variant):
    """A walk whose fitness never changes has FEM 0."""
    assert fem(np.full(50, 0.3), variant) == 0.0


@pytest.mark.parametrize("variant", VARIANTS)
def test_walk_rising_by_equal_steps_is_smooth(variant):
    """Equal rises give one symbol at every eps: no pair of unequal symbols, FEM 0."""
    assert fem(0.25 * np.arange(40), variant) == 0.0


def test_alternating_walk_published_fem_is_log6_of_2():
    """f = 1, 0, 1, 0, ... (1002 points): symbols -1, 1, -1, ... (1001 of them) at every
    eps < 1, and all 0 from eps* = 1 on. Its 1000 pairs are 500 "-1 1" and 500 "1 -1":
    H = -2 (1/2) log_6 (1/2) = log_6 2 = 0.38685."""
    f = np.resize([1.0, 0.0], 1002)
    assert fem(f) == pytest.approx(math.log(2) / LOG6, abs=1e-12)
    assert fem(f) == pytest.approx(0.387, abs=5e-4)


def test_alternating_walk_authors_fem_leaves_out_the_down_up_pair():
    """The authors' sum never adds the pair "-1 then 1"; of the 999 pairs it counts
    (the last is left out) 499 are "1 -1": H = -(499/999) log_6 (499/999) = 0.193."""
    f = np.resize([1.0, 0.0], 1002)
    assert fem(f, "authors") == pytest.approx(h(499 / 999), abs=1e-12)
    assert fem(f, "authors") == pytest.approx(0.193, abs=1e-3)  # -> log_6(2) / 2


def test_authors_entropy_leaves_out_the_strings_last_pair():
    """f = 0, 0, 0, 0, 1: symbols 0, 0, 0, 1 (for eps < 1). Published: one "0 1" in three
    pairs, H = -(1/3) log_6 (1/3). The authors count the pairs but the last, so they
    never see the change: FEM 0."""
    f = [0.0, 0.0, 0.0, 0.0, 1.0]
    assert fem(f) == pytest.approx(h(1 / 3), abs=1e-12)
    assert fem(f, "authors") == 0.0


def test_entropy_is_one_when_all_six_pairs_occur_equally():
    """-1 0 1 -1 1 0 -1 holds each of the six unequal pairs once: H = log_6 6 = 1. The
    authors' five kinds of the first five pairs: four of them, H = (4/5) log_6 5."""
    S = [-1, 0, 1, -1, 1, 0, -1]
    assert entropy(S) == pytest.approx(1.0, abs=1e-12)
    assert entropy(S, "authors") == pytest.approx(h(*[1 / 5] * 4), abs=1e-12)


def test_walk_with_two_sizes_of_rise_is_rugged_between_them():
    """Rises 1, 2, 1, 2, 1 (f = 0 1 3 4 6 7): at eps = eps*/2 = 1 the symbols are
    0 1 0 1 0, two "0 1" and two "1 0" of four pairs: FEM = log_6 2 (published)."""
    assert fem([0.0, 1.0, 3.0, 4.0, 6.0, 7.0]) == pytest.approx(math.log(2) / LOG6, abs=1e-12)


def test_published_epsilon_star_is_the_largest_change():
    """The smallest eps that makes every symbol 0 is max |f_t - f_{t-1}|."""
    assert epsilon_star([0.5, 0.52, 0.49, 0.5]) == pytest.approx(0.03, abs=1e-15)


@pytest.mark.parametrize("f, expected", [([0.5, 0.52, 0.49, 0.5], 0.1),  # order 10: 0.1s
                                         ([0.0, 0.35, 0.3], 0.4),
                                         ([0.0, 23.4, 20.0], 24.0),       # order 100: 1s
                                         ([0.0, 6.97, 7.2], 7.0)])
def test_authors_epsilon_star_rounds_up_to_a_hundredth_of_its_order(f, expected):
    """Their search finds the power of ten 10^k at which the string is flat and refines
    to steps of 10^(k-2): max |change| rounded up to that grid (floats summed)."""
    assert epsilon_star(f, "authors") == pytest.approx(expected, abs=1e-9)


def test_published_schedule_is_eps_star_over_powers_of_two():
    """Malan & Engelbrecht: {0, eps*/128, eps*/64, ..., eps*/2, eps*}."""
    assert fem_schedule(0.8).tolist() == pytest.approx(
        [0.0] + [0.8 / 2 ** k for k in range(7, -1, -1)], abs=1e-15)


def test_authors_schedule_scans_twenty_steps_below_eps_star():
    """The authors' program: 0, 0.05 eps*, ..., 0.95 eps* (eps* itself left out)."""
    assert fem_schedule(0.8, "authors").tolist() == pytest.approx(
        [0.04 * k for k in range(20)], abs=1e-12)


def test_schedule_decides_where_the_entropy_peaks_are_found():
    """Rises alternate 0.6 and 1: the symbols are 0 1 0 1 ... only for eps in [0.6, 1).
    No eps of the published schedule (..., 0.25, 0.5, eps* = 1) lies there: FEM 0. The
    authors' scan (eps* rounded up to 1.1, steps of 0.055) tries 0.66 ... 0.99 there:
    of the 37 pairs it counts of the 39 symbols, 19 are "0 1" and 18 "1 0"."""
    f = np.concatenate(([0.0], np.cumsum(np.resize([0.6, 1.0], 39))))  # rises 0.6, 1, ...
    assert fem(f) == 0.0
    assert fem(f, "authors") == pytest.approx(h(19 / 37, 18 / 37), abs=1e-12)


# ------------------------------------------------------------------------ neutrality

@pytest.mark.parametrize("variant", VARIANTS)
def test_constant_walk_is_all_neutral(variant):
    """Every window of a constant walk (and of its differences) is neutral: M1 = 1."""
    assert m1(np.full(30, 0.7), variant) == 1.0


def test_walk_with_one_neutral_stretch_published():
    """f = 0 1 3 3 3 3 4 6 5: of its 7 windows the 3rd and 4th (3 3 3) are neutral:
    M1 = 2/7, and they are one run: M2 = 2/7."""
    f = [0.0, 1.0, 3.0, 3.0, 3.0, 3.0, 4.0, 6.0, 5.0]
    assert m1(f) == pytest.approx(2 / 7, abs=1e-15)
    assert m2(f) == pytest.approx(2 / 7, abs=1e-15)


def test_walk_with_one_neutral_stretch_authors():
    """The same walk's changes 1 2 0 0 0 1 2 -1, scaled to [0, 1] ((d + 1) / 3), have 6
    windows, only 0 0 0 neutral: M1 = M2 = 1/6."""
    f = [0.0, 1.0, 3.0, 3.0, 3.0, 3.0, 4.0, 6.0, 5.0]
    assert m1(f, "authors") == pytest.approx(1 / 6, abs=1e-15)
    assert m2(f, "authors") == pytest.approx(1 / 6, abs=1e-15)


def test_authors_neutrality_is_of_the_changes_not_the_values():
    """A walk rising by equal steps: no window of its values is flat (M1 = 0), every
    window of its changes is (M1 = 1)."""
    f = 0.5 * np.arange(20)
    assert m1(f) == 0.0
    assert m1(f, "authors") == 1.0


def test_authors_neutrality_scales_to_unit_range_first():
    """Changes of 1e-9 are below eps = 1e-8 on the walk's own scale (published: all
    neutral) but span the whole [0, 1] once scaled (authors: none neutral)."""
    f = 1e-9 * np.resize([0.0, 1.0], 12)
    assert m1(f) == 1.0
    assert m1(f, "authors") == 0.0


def test_published_m2_counts_a_run_that_reaches_the_end():
    """f = 0 1 3 3 3 3: windows n n y y, the run of 2 ends the walk: M2 = 2/4."""
    assert m2([0.0, 1.0, 3.0, 3.0, 3.0, 3.0]) == pytest.approx(0.5, abs=1e-15)


def test_authors_m2_drops_a_run_that_reaches_the_end():
    """Changes 1 2 -1 0 0 0 (scaled 2/3 1 0 1/3 1/3 1/3): windows n n n y, the neutral
    one ends the walk and is dropped: M2 = 0 although M1 = 1/4. Followed by one more
    change (5), the run is ended by a non-neutral window and counts: M2 = 1/5."""
    f = [0.0, 1.0, 3.0, 2.0, 2.0, 2.0, 2.0]
    assert m1(f, "authors") == pytest.approx(1 / 4, abs=1e-15)
    assert m2(f, "authors") == 0.0
    assert m2(f + [7.0], "authors") == pytest.approx(1 / 5, abs=1e-15)


def test_neutrality_threshold_is_inclusive_and_settable():
    """A window whose range equals eps is neutral; one above it is not."""
    assert m1([0.0, 0.25, 0.5], eps=0.5) == 1.0
    assert m1([0.0, 0.25, 0.5], eps=0.49) == 0.0


# -------------------------------------------------------------------------- gradient

def test_gradient_of_a_linear_walk_is_its_manhattan_scaled_slope():
    """A Manhattan walk on f(x) = 0.5 * sum(x) that raises one coordinate by s = 0.2 at
    each of its 100 steps: every Delta f = 0.1, the range is 10, so g_t = (0.1 / 10) /
    (0.2 / (9 * 2 * 10)) = 9 at every step: G_avg = 9, G_dev = 0."""
    f = 0.1 * np.arange(101)
    gavg, gdev = gradient_measure(f, n=9, step_size=0.2, bound=10.0)
    assert gavg == pytest.approx(9.0, rel=1e-12)
    assert gdev == pytest.approx(0.0, abs=1e-12)


def test_gradient_measure_averages_absolute_scaled_changes():
    """Changes +1, -3 (range 3, n = 1, s = 1, b = 1.5: s / (2nb) = 1/3): |g| = 1, 3;
    G_avg = 2, G_dev = 1."""
    assert gradient_measure([0.0, 1.0, -2.0], 1, 1.0, 1.5) == pytest.approx((2.0, 1.0))


def test_gradient_of_a_flat_walk_is_zero():
    assert gradient_measure(np.ones(10), 3, 0.1, 1.0) == (0.0, 0.0)


# ------------------------------------------------------------ fitness and distance

def test_fdc_is_one_when_fitness_grows_linearly_with_distance_to_the_best():
    """f = 2 ||x - x*|| + 1 for any points: r = 1 (Jones & Forrest's correlation)."""
    X = np.random.default_rng(0).normal(size=(50, 3))
    f = 2 * np.linalg.norm(X, axis=1) + 1
    assert fdc(X, f, best=np.zeros(3)) == pytest.approx(1.0, abs=1e-12)


def test_fdc_measures_distance_to_the_lowest_fitness_point_by_default():
    """Points 0..3 on a line with f = x^2: the best is 0, d = 0 1 2 3, and
    r = cov / (sd sd) = 15 / (7 sqrt 5) by hand."""
    X = np.arange(4.0)[:, None]
    assert fdc(X, X[:, 0] ** 2) == pytest.approx(15 / (7 * math.sqrt(5)), abs=1e-12)


def test_fdc_per_walk_takes_each_walks_own_best():
    X = np.stack([np.arange(4.0)[:, None], -np.arange(4.0)[:, None]])
    F = np.stack([np.arange(4.0), np.arange(4.0)])
    assert fdc_per_walk(X, F).tolist() == pytest.approx([1.0, 1.0])


def test_fdc_of_a_flat_sample_is_an_error():
    with pytest.raises(ValueError, match="fdc is undefined"):
        fdc(np.arange(3.0)[:, None], np.ones(3))


# ------------------------------------------------------------------------- batches

def test_per_walk_gives_one_value_per_row():
    """A batch of a constant, a linear and an alternating walk, M1 and FEM per walk."""
    F = np.stack([np.ones(10), np.arange(10.0), np.resize([1.0, 0.0], 10)])
    assert per_walk(m1, F).tolist() == [1.0, 0.0, 0.0]
    assert per_walk(fem, F, "published").tolist() == pytest.approx(
        [0.0, 0.0, math.log(2) / LOG6])  # 9 symbols, 8 pairs: 4 and 4


def test_mean_std_is_population_std():
    assert mean_std([1.0, 2.0, 3.0, 4.0]) == pytest.approx((2.5, math.sqrt(1.25)))


# ----------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, message", [
    (lambda: fem([0.0, 1.0, 0.5], "paper"), r"unknown variant 'paper': choose one of"),
    (lambda: m1([0.0, 1.0, 0.5], "Authors"), r"unknown variant 'Authors'"),
    (lambda: fem([0.0, np.nan, 0.5, 1.0]), r"finite: f\[1\] = nan"),
    (lambda: m2([0.0, 1.0, np.inf, 1.0]), r"finite: f\[2\] = inf"),
    (lambda: fem([0.0, 1.0]), r"at least 3 fitness values here; got 2"),
    (lambda: fem([0.0, 1.0, 0.0], "authors"), r"at least 4 fitness values here; got 3"),
    (lambda: m1([0.0, 1.0, 0.0], "authors"), r"at least 4 fitness values here; got 3"),
    (lambda: fem(np.ones((3, 4))), r"1-D sequence .* got shape \(3, 4\)"),
    (lambda: m1(np.ones(5), eps=-1.0), r"eps must be a finite number >= 0; got -1.0"),
    (lambda: symbols(np.ones(5), float("nan")), r"eps must be a finite number >= 0; got nan"),
    (lambda: gradient_measure(np.ones(5), 0, 0.1, 1.0), r"n must be .* got 0"),
    (lambda: gradient_measure(np.ones(5), 2, -0.1, 1.0),
     r"step_size must be a positive number; got -0.1"),
    (lambda: per_walk(m1, np.ones(5)), r"2-D array \(walks, steps\); got shape \(5,\)"),
    (lambda: entropy([0, 2, 1]), r"symbol string must be 1-D"),
    (lambda: epsilon_star([0.0, 1e301], "authors"), r"at most 1e300; got 1e\+301"),
])
def test_bad_input_is_a_one_line_value_error(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert "\n" not in str(err.value)
