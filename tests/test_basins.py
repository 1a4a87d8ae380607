"""Tests for lgc.basins: nstag/lstag as the authors computed them (Section 4.3).

See docs/departures.md#d5-the-stagnation-threshold and
docs/departures.md#d6-table-1-prints-two-cells-swapped.
"""
import numpy as np
import pytest

from lgc.basins import (
    WINDOWS,
    Basins,
    _merge_runs,
    _stagnant_mask,
    basin_summary,
    ewma,
    moving_std,
    simulated_walk,
    stagnant_runs,
    stagnation,
    stagnation_table,
    stagnation_trace,
)
from lgc.paper import paper_table1, paper_value

# lstag per window from the authors' algorithm
# (docs/departures.md#d6-table-1-prints-two-cells-swapped)
TABLE1 = {6: 18.75, 8: 22.0, 10: 20.67, 12: 18.0, 14: 16.33, 16: 14.33, 18: 12.0, 20: 14.0}


def _loop_runs(seq, w):
    """Independent step-by-step oracle: Algorithm 2 with the code's rules
    (docs/departures.md#d5-the-stagnation-threshold)."""
    x = np.asarray(seq, dtype=float)
    span = x.max() - x.min()
    x = (x - x.min()) / span if span > 0 else np.zeros_like(x)
    alpha, smooth = 2.0 / (w + 1), [x[0]]
    for v in x[1:]:
        smooth.append(alpha * v + (1 - alpha) * smooth[-1])
    sig = [np.std(smooth[i:i + w]) for i in range(len(x) - w + 1)]
    thr = np.std(sig)
    if thr < 1e-8:
        return [len(sig)]
    runs, length, stuck = [], 0, False
    for s in sig:
        if stuck and s > thr:
            stuck = False
            if length > 5:
                runs.append(length)
                length = 0
        elif stuck or s < thr:
            stuck = True
            length += 1
    if length > 5:
        runs.append(length)
    return runs


def test_table1_lstag_per_window():
    """The simulated walk gives the authors' lstag for every window w = 6..20."""
    walk = simulated_walk()
    got = {w: round(stagnant_runs(walk, w)[1], 2) for w in TABLE1}
    assert got == TABLE1


def test_printed_table1_swaps_last_two_cells():
    """The paper's printed Table 1 equals ours except that w = 18 and w = 20 are swapped."""
    printed = paper_table1()
    assert printed[18] == TABLE1[20] and printed[20] == TABLE1[18]
    assert {w: v for w, v in printed.items() if w < 18} == {w: v for w, v in TABLE1.items() if w < 18}


def test_simulated_walk_best_window():
    """Window 8 maximises lstag on the simulated walk, with three basins."""
    assert stagnation(simulated_walk()) == Basins(nstag=3, lstag=22.0, window=8)


def test_short_runs_merge_into_next():
    """At w = 20 a short run carries into the next: 2 runs of mean 14, not 11.5 or 9.33."""
    assert stagnant_runs(simulated_walk(), 20) == (2, 14.0)


def test_merge_runs_by_hand():
    """Runs 3 and 4 merge into 7, 7 stands alone, a trailing 2 is dropped."""
    assert _merge_runs([3, 4, 7, 2]) == [7, 7]


def test_stagnant_mask_enters_strictly_stays_on_equality():
    """A run starts only below the threshold but survives steps equal to it."""
    sig = np.array([[1.0, 0.5, 0.2, 0.5, 0.5, 0.9, 0.5]])
    assert _stagnant_mask(sig, np.array([0.5])).tolist() == [[False, False, True, True, True, False, False]]


def test_flat_then_step_by_hand():
    """60 zeros then 60 ones: two basins, the first exactly the 61 - w all-zero windows."""
    seq = np.r_[np.zeros(60), np.ones(60)]
    for w in (6, 8):
        t = stagnation_trace(seq, w)
        # the first window holding the step has w - 1 zeros and one alpha
        alpha = 2.0 / (w + 1)
        assert t.moving_std[61 - w] == pytest.approx(alpha * np.sqrt(w - 1) / w)
        assert t.moving_std[61 - w] > t.threshold  # so the first run ends there
        assert t.nstag == 2 and t.runs[0] == 61 - w
        assert t.stagnant[: 61 - w].all() and t.stagnant[-1]


def test_constant_walk_is_one_run():
    """A constant walk is one run of n - w + 1 steps; window 6 gives the longest."""
    assert stagnation(np.full(50, 3.0)) == Basins(nstag=1, lstag=45.0, window=6)


def test_constant_walk_trace_has_no_nan():
    """Scaling a constant walk gives zeros, not NaN."""
    t = stagnation_trace(np.full(30, -2.0), 6)
    assert np.all(t.scaled == 0) and t.threshold == 0.0 and t.stagnant.all()


def test_matches_loop_oracle_on_random_walks():
    """The vectorised runs equal a plain step-by-step loop on assorted walks."""
    rng = np.random.default_rng(7)
    for i in range(60):
        n = int(rng.integers(20, 200))
        if i % 3 == 0:
            seq = rng.normal(size=n).cumsum()
        elif i % 3 == 1:
            seq = np.exp(-np.arange(n) / rng.uniform(5, 60)) + rng.normal(0, 0.03, n)
        else:
            seq = np.round(rng.normal(size=n).cumsum() / 3)  # plateaus with exact ties
        for w in WINDOWS:
            assert stagnation_trace(seq, w).runs.tolist() == _loop_runs(seq, w)


def test_table_matches_single_walks():
    """stagnation_table gives, row by row, what stagnation gives for each walk."""
    rng = np.random.default_rng(3)
    walks = rng.normal(size=(5, 120)).cumsum(axis=1)
    table = stagnation_table(walks)
    for i, walk in enumerate(walks):
        assert stagnation(walk) == (table.nstag[i], table.lstag[i], table.window[i])


def test_ewma_closed_form():
    """EWMA equals (1-a)^t x0 + sum_k a (1-a)^(t-k) x_k, weights summing to one."""
    x = np.array([0.3, -1.0, 2.0, 0.5, 4.0])
    a = 2.0 / 7
    expected = [(1 - a) ** t * x[0] + sum(a * (1 - a) ** (t - k) * x[k] for k in range(1, t + 1))
                for t in range(len(x))]
    np.testing.assert_allclose(ewma(x, a), expected, rtol=1e-14)


def test_ewma_rejects_bad_alpha():
    """alpha outside (0, 1] raises."""
    with pytest.raises(ValueError, match="alpha must be in"):
        ewma([1.0, 2.0], 0.0)


def test_moving_std_against_numpy():
    """moving_std equals numpy.std (ddof 0) of each explicit window."""
    x = np.random.default_rng(0).normal(size=30)
    expected = [np.std(x[i:i + 7]) for i in range(30 - 7 + 1)]
    np.testing.assert_allclose(moving_std(x, 7), expected, rtol=1e-12)


def test_nan_raises():
    """A NaN in the walk raises, naming the problem."""
    walk = simulated_walk()
    walk[10] = np.nan
    with pytest.raises(ValueError, match="must be finite.*index \\(10,\\)"):
        stagnation(walk)


def test_inf_raises():
    """An infinite value in walks raises."""
    walks = np.zeros((2, 40))
    walks[1, 3] = np.inf
    with pytest.raises(ValueError, match="walks must be finite"):
        stagnation_table(walks)


def test_too_short_raises():
    """A walk shorter than the largest window raises with its length and the minimum."""
    with pytest.raises(ValueError, match="has 19 steps.*at least 20"):
        stagnation(np.arange(19.0))


def test_two_dimensional_seq_raises():
    """stagnation takes one walk; a 2-D array points to stagnation_table."""
    with pytest.raises(ValueError, match="stagnation_table"):
        stagnation(np.zeros((2, 40)))


def test_summary_uses_population_std():
    """basin_summary's std is ddof 0, matching the paper's XOR Et SSE [-1, 1] micro nstag."""
    nstag = np.r_[np.full(80, 2), np.full(10, 1)]
    summary = basin_summary(Basins(nstag, np.ones(90), np.full(90, 8)))
    paper = paper_value("xor", "Et", "sse", 1, "micro", "nstag")
    np.testing.assert_allclose(summary["nstag"], paper, atol=5e-6)
