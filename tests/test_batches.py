"""Specification of lgc.batches: which patterns a walk's losses see at each step."""
import ast
import itertools
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import lgc.batches
from lgc import load_problem
from lgc.batches import patterns, random_rows, shuffle_buffer_rows
from lgc.experiment import SampleConfig
from lgc.walks import WalkSettings, progressive_gradient_walk

B = 6


def _pixels(P=40, n_test=30, seed=0):
    """A small MNIST-like problem: k/255 pixels, one-hot targets, batches of B;
    row i of each split holds i in its first input, so a row reads its number."""
    rng = np.random.default_rng(seed)

    def split(n):
        X = rng.integers(0, 256, (n, 5)) / 255.0
        X[:, 0] = np.arange(n) / 255.0
        return X, np.eye(3)[rng.integers(0, 3, n)]
    (Xt, Tt), (Xg, Tg) = split(P), split(n_test)
    return SimpleNamespace(name="pixels", X_train=Xt, T_train=Tt, X_test=Xg, T_test=Tg,
                           n_in=5, hidden=2, n_out=3, batch_size=B)


def _rows_seen(X):
    """The row numbers held in the first input of a batch (walks, B, n_in)."""
    return np.rint(np.asarray(X)[..., 0] * 255).astype(int)


def _rngs(n, seed=0):
    return [np.random.default_rng([1, w, seed]) for w in range(n)]


def _settings(**kw):
    return WalkSettings(**{**dict(kind="ce", init_range=1.0, eps=0.2, steps=12,
                                  hessian="none"), **kw})


# ------------------------------------------------------------------ first-fixed

def test_first_fixed_serves_rows_0_to_B_minus_1_to_every_walk_at_every_step():
    problem = _pixels()
    walk_tiles, draw = patterns(problem, _rngs(5), "first-fixed")
    assert walk_tiles == [slice(0, 5)]
    for _ in range(3):
        Xt, Tt, Xg, Tg = draw(slice(0, 5))
        np.testing.assert_array_equal(Xt, problem.X_train[:B])
        np.testing.assert_array_equal(Tt, problem.T_train[:B])
        np.testing.assert_array_equal(Xg, problem.X_test[:B])
        np.testing.assert_array_equal(Tg, problem.T_test[:B])


def test_a_first_fixed_walk_is_the_whole_set_walk_on_the_first_B_patterns():
    """Et, Eg, Ct, Cg and the steps are those of the walk that sees all patterns of
    the problem cut to its first B training and B test patterns."""
    problem = _pixels()
    first = {name: getattr(problem, name)[:B]
             for name in ("X_train", "T_train", "X_test", "T_test")}
    cut = SimpleNamespace(**{**vars(problem), **first, "batch_size": None})
    fixed = progressive_gradient_walk(problem, _settings(batches="first-fixed"), range(4),
                                      seed=2, weights_stride=1)
    whole = progressive_gradient_walk(cut, _settings(), range(4), seed=2, weights_stride=1)
    for name in ("Et", "Eg", "Ct", "Cg", "grad_norm", "weights"):
        np.testing.assert_array_equal(fixed[name], whole[name], err_msg=name)


def test_first_fixed_mnist_walks_see_one_batch_so_their_accuracy_is_on_100_patterns():
    """On MNIST every recorded accuracy of a first-fixed walk is a multiple of 1/100."""
    mnist = load_problem("mnist")
    out = progressive_gradient_walk(mnist, _settings(batches="first-fixed", steps=3),
                                    range(2), seed=0)
    for name in ("Ct", "Cg"):
        np.testing.assert_allclose(out[name] * 100, np.rint(out[name] * 100), atol=1e-9)


# --------------------------------------------------------------- shuffle-buffer

def test_a_buffer_as_large_as_the_data_and_the_batch_serves_a_permutation_of_them():
    """N = B = P: the buffer holds the whole split and serves all of it."""
    rows = shuffle_buffer_rows(_rngs(50), n_rows=B, size=B, buffer=B)
    assert all(sorted(r) == list(range(B)) for r in rows.tolist())
    assert len({tuple(r) for r in rows.tolist()}) > 1  # shuffled, not in order


def test_a_buffer_of_one_serves_the_patterns_in_order():
    rows = shuffle_buffer_rows(_rngs(3), n_rows=50, size=B, buffer=1)
    np.testing.assert_array_equal(rows, np.tile(np.arange(B), (3, 1)))


@pytest.mark.parametrize("N", [1, 6, 10, 25])
def test_shuffle_buffer_draws_come_from_the_first_N_plus_k_patterns(N):
    """Draw k (0-based) picks from the buffer after k refills: rows < N + k, all
    distinct; so the batch lies in the first N + B - 1 rows, and row N + j, which
    enters after draw j, is never served before draw j + 1."""
    rows = shuffle_buffer_rows(_rngs(300), n_rows=100, size=B, buffer=N)
    assert all(len(set(r)) == B for r in rows.tolist())
    assert np.all(rows < N + np.arange(B))
    assert rows.max() == N + B - 2  # the last row that can enter does enter


def _frequencies(n_rows, size, buffer, n=8000):
    rows = shuffle_buffer_rows(_rngs(n, seed=7), n_rows, size, buffer)
    counts = Counter(map(tuple, rows.tolist()))
    return {k: v / n for k, v in counts.items()}


@pytest.mark.parametrize("n_rows,size,buffer,law", [
    # P = 4, N = 2, B = 2: 0 or 1 first, then the other one or row 2, each 1/4
    (4, 2, 2, {(0, 1): 1 / 4, (0, 2): 1 / 4, (1, 0): 1 / 4, (1, 2): 1 / 4}),
    # P = 3, N = 2, B = 3: row 2 enters after the first draw, then the input ends
    (3, 3, 2, {(0, 1, 2): 1 / 4, (0, 2, 1): 1 / 4, (1, 0, 2): 1 / 4, (1, 2, 0): 1 / 4}),
    # N >= P: a uniform random ordered pair of the three rows
    (3, 2, 5, {p: 1 / 6 for p in itertools.permutations(range(3), 2)}),
])
def test_shuffle_buffer_batches_follow_tf_datas_law_worked_out_by_hand(n_rows, size,
                                                                       buffer, law):
    """The ordered batches and their probabilities, enumerated on paper from the
    buffer's rule (fill to N in order, serve a uniform element, refill)."""
    seen = _frequencies(n_rows, size, buffer)
    assert set(seen) == set(law)
    for batch, p in law.items():
        assert abs(seen[batch] - p) < 4 * np.sqrt(p * (1 - p) / 8000), batch


def test_random_batches_are_distinct_rows_of_the_whole_split():
    rows = random_rows(_rngs(200), n_rows=40, size=B)
    assert all(len(set(r)) == B for r in rows.tolist())
    assert rows.max() >= 30  # drawn from the whole split, not its beginning


@pytest.mark.parametrize("pipeline", ["random", "shuffle-buffer"])
def test_served_batches_are_the_rows_the_pipeline_draws(pipeline):
    """draw(tile) gathers exactly the rows the pipeline's row numbers name, train
    from the walk's stream first, then test."""
    problem = _pixels()
    _, draw = patterns(problem, _rngs(4), pipeline, buffer=10)
    Xt, Tt, Xg, Tg = draw(slice(0, 4))
    rngs = _rngs(4)
    rows = lgc.batches._PER_WALK_ROWS[pipeline]
    it, ig = rows(rngs, 40, B, 10), rows(rngs, 30, B, 10)
    np.testing.assert_array_equal(_rows_seen(Xt), it)
    np.testing.assert_array_equal(_rows_seen(Xg), ig)
    np.testing.assert_array_equal(Tt, problem.T_train[it])
    np.testing.assert_array_equal(Tg, problem.T_test[ig])


# ---------------------------------------------------------------- reproducible

@pytest.mark.parametrize("pipeline", ["random", "shuffle-buffer"])
def test_a_walks_batches_do_not_depend_on_the_walks_beside_it_or_the_tile(pipeline,
                                                                         monkeypatch):
    """Same seed, same batches: walk 3 alone, in a chunk of 6, in tiles of 1 or 2."""
    problem = _pixels()
    settings = _settings(batches=pipeline,
                         shuffle_buffer=10 if pipeline == "shuffle-buffer" else 1000)
    alone = progressive_gradient_walk(problem, settings, [3], seed=4)
    runs = []
    for tile_bytes in (1.0, 600.0, 1e9):  # 1, 2 or all 6 walks per tile
        monkeypatch.setattr(lgc.batches, "_TILE_BYTES", tile_bytes)
        runs.append(progressive_gradient_walk(problem, settings, range(6), seed=4))
    for run in runs:
        for name in ("Et", "Eg", "Ct", "Cg", "grad_norm"):
            np.testing.assert_array_equal(run[name][3], alone[name][0], err_msg=name)


def test_the_pipelines_show_the_walks_different_patterns():
    problem = _pixels()
    out = {p: progressive_gradient_walk(problem, _settings(batches=p, steps=3), range(2),
                                        seed=0)["Et"]
           for p in ("random", "first-fixed", "shuffle-buffer")}
    assert not np.array_equal(out["random"], out["first-fixed"])
    assert not np.array_equal(out["shuffle-buffer"], out["random"])


# ------------------------------------------------------------------ bad input

def test_a_problem_without_batches_refuses_another_pipeline_in_one_line():
    with pytest.raises(ValueError, match=r"^batches='first-fixed' needs a problem with "
                                         r"mini-batches \(mnist\); iris .*'random'$"):
        progressive_gradient_walk(load_problem("iris"), _settings(batches="first-fixed"),
                                  range(2))


@pytest.mark.parametrize("bad,message", [
    (dict(batches="sequential"), r"unknown batch pipeline 'sequential': choose one of "
                                 r"\('random', 'first-fixed', 'shuffle-buffer'\)"),
    (dict(batches="shuffle-buffer", shuffle_buffer=0), "shuffle_buffer must be a positive"),
    (dict(batches="shuffle-buffer", shuffle_buffer=2.5), "shuffle_buffer must be a positive"),
    (dict(shuffle_buffer=100), r"shuffle_buffer=100 is for batches='shuffle-buffer' only"),
])
def test_bad_pipeline_options_are_one_line_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        _settings(**bad)


def test_a_pipeline_name_without_per_walk_rows_is_an_error(monkeypatch):
    """A name added to the vocabulary but not to lgc.batches is refused, not
    served as random batches in disguise."""
    monkeypatch.setattr(lgc.batches, "BATCH_PIPELINES",
                        lgc.batches.BATCH_PIPELINES + ("sequential",))
    with pytest.raises(ValueError, match="'sequential' gives no per-walk batches"):
        patterns(_pixels(), _rngs(2), "sequential")


# ------------------------------------------------------------- names and CLI

def test_the_default_pipeline_leaves_the_sample_name_as_it_was():
    base = dict(problem="mnist", loss="ce", init_range=1, granularity="micro")
    assert SampleConfig(**base).name == "mnist-ce-r1-micro-seed0-split0"
    assert SampleConfig(**base, batches="first-fixed").name.endswith("split0-first-fixed")
    assert SampleConfig(**base, batches="shuffle-buffer", shuffle_buffer=100).name \
        .endswith("split0-shuffle-buffer100")


@pytest.mark.parametrize("args,message", [
    (["--problem", "iris", "--batches", "first-fixed"],
     "batches='first-fixed' needs a problem with mini-batches"),
    (["--problem", "mnist", "--shuffle-buffer", "50"],
     "shuffle_buffer=50 is for batches='shuffle-buffer' only"),
])
def test_the_command_line_refuses_a_pipeline_in_one_line_before_any_work(args, message,
                                                                          tmp_path, capsys):
    from lgc.cli import main
    run = ["run", "--loss", "sse", "--range", "1", "--granularity", "macro", "--walks", "2",
           "--steps", "2", "--quiet", "--workers", "1", "--out", str(tmp_path)]
    assert main(run + args) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_the_command_line_runs_a_first_fixed_mnist_sample_under_its_own_name(tmp_path):
    import json
    from lgc.cli import main
    assert main(["run", "--problem", "mnist", "--loss", "ce", "--range", "1",
                 "--granularity", "macro", "--walks", "2", "--steps", "3", "--quiet",
                 "--workers", "1", "--batches", "first-fixed", "--out", str(tmp_path)]) == 0
    sidecar = tmp_path / "mnist-ce-r1-macro-seed0-split0-first-fixed.json"
    assert json.loads(sidecar.read_text())["config"]["batches"] == "first-fixed"


def test_batches_sit_below_the_walks():
    """lgc.batches imports only the vocabulary and the array helpers of lgc."""
    tree = ast.parse(Path(lgc.batches.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level
                 and n.module is None for a in n.names}
    assert imported - {None} <= {"vocabulary", "_arrays"}
