"""Specification of curvature on mini-batch walks (lgc.walks, issue 19 part 2) and of
lgc.mnist_curvature: each classified point's class is that of its Hessian on its own
batch, with the batch's row-space zeros set aside; a saved point's class can be
recomputed from its weights and its batch, replayed from the walk's stream.

Oracles: autograd's Hessian and numpy's eigvalsh (Iris with mini-batches), the
batch stream written out from lgc.batches' docstring (Generator.choice of B of P
patterns, the training batch then the test batch, at every step, from the stream
seeded [1, walk, seed]), and lgc.lanczos.point_classes."""
from dataclasses import replace

import numpy as np
import pytest

from lgc import lanczos, load_problem
from lgc.curvature import CURVATURES, classify
from lgc.experiment import SampleConfig, check_fits, run_sample
from lgc.network import Architecture, loss, loss_hessian
from lgc.walks import (WalkSettings, check_hessian_size, hessian_rows,
                       progressive_gradient_walk, walk_batch)

IRIS = load_problem("iris")



def _replayed_rows(problem, seed, walk, steps):
    """Training rows of each of ``steps`` steps of a "random"-pipeline walk, written
    out from the stream's law rather than taken from lgc.batches."""
    rng = np.random.default_rng([1, walk, seed])
    rows = []
    for _ in range(steps):
        rows.append(rng.choice(len(problem.X_train), problem.batch_size, replace=False))
        rng.choice(len(problem.X_test), problem.batch_size, replace=False)  # the test batch
    return rows


def _autograd_class(w, X, T, kind, hidden):
    """Class of autograd's whole Hessian on (X, T): its h (n_in + 1 - rank X~) smallest
    |eigenvalues| are the batch's structural zeros and are set aside; the tolerance
    is d eps ||H||_F (lgc.curvature's convention)."""
    H = loss_hessian(w, X, T, kind)
    lam = np.linalg.eigvalsh(H)
    n_struct = hidden * (X.shape[1] + 1 - np.linalg.matrix_rank(np.column_stack(
        [X, np.ones(len(X))])))
    kept = lam[np.sort(np.argsort(np.abs(lam))[n_struct:])]
    tol = len(w) * np.finfo(float).eps * np.linalg.norm(H)
    return int(classify((kept > tol).sum(), (kept < -tol).sum(),
                        (np.abs(kept) <= tol).sum())), kept, n_struct


@pytest.mark.parametrize("kind", ["sse", "ce"])
@pytest.mark.parametrize("batch_size", [3, 10])
def test_iris_with_mini_batches_and_the_full_hessian_classifies_each_walk_on_its_batch(
        batch_size, kind):
    """Iris with a batch size (each walk its own batch per step) and hessian='full' no
    longer fails, and every recorded class and eigenvalue count is that of autograd's
    Hessian of the walk's batch loss at the saved point, the batch's structural zeros
    discounted (a batch of 3 has rank 3 of the 5 augmented columns: 8 of them)."""
    batched = replace(IRIS, batch_size=batch_size)
    settings = WalkSettings(kind, 10.0, 2.0, 6, hessian="full", eigenvalues=True)
    out = progressive_gradient_walk(batched, settings, range(4), seed=7, weights_stride=1)
    seen_structural = set()
    for walk in range(4):
        for step, rows in enumerate(_replayed_rows(batched, 7, walk, 6)):
            X, T = batched.X_train[rows], batched.T_train[rows]
            w = out["weights"][walk, step]
            assert out["Et"][walk, step] == pytest.approx(loss(w, X, T, kind), rel=1e-12)
            code, kept, n_struct = _autograd_class(w, X, T, kind, batched.hidden)
            seen_structural.add(n_struct)
            assert out["curvature"][walk, step] == code
            assert out["n_pos"][walk, step] + out["n_neg"][walk, step] \
                + out["n_zero"][walk, step] == len(kept)
            size = np.abs(kept).max()
            assert abs(out["lambda_min"][walk, step] - kept[0]) < 1e-9 * size
            assert abs(out["lambda_max"][walk, step] - kept[-1]) < 1e-9 * size
    assert seen_structural == ({8} if batch_size == 3 else {0})


def test_hessian_every_k_on_mini_batches_classifies_only_those_steps():
    batched = replace(IRIS, batch_size=10)
    out = progressive_gradient_walk(batched, WalkSettings("sse", 1.0, 0.2, 10, hessian="full",
                                                          hessian_every=4), range(2), seed=0)
    np.testing.assert_array_equal(np.flatnonzero(out["curvature"][0] >= 0), [0, 4, 8])
    assert (out["curvature"][:, [0, 4, 8]] >= 0).all()


def test_asking_for_curvature_leaves_a_mini_batch_walk_unchanged():
    """The steps, losses and gradients of a walk with curvature are bit for bit those of
    the same walk without: classifying draws nothing from the walk's streams."""
    batched = replace(IRIS, batch_size=10)
    runs = [progressive_gradient_walk(batched, WalkSettings("ce", 1.0, 0.2, 9, hessian=h,
                                                            hessian_every=2),
                                      range(3), seed=4, weights_stride=1)
            for h in ("none", "full")]
    for name in ("Et", "Eg", "Ct", "Cg", "grad_norm", "weights"):
        np.testing.assert_array_equal(runs[0][name], runs[1][name])


@pytest.mark.parametrize("pipeline,buffer", [("random", 1000), ("shuffle-buffer", 20)])
def test_iris_walks_classes_equal_point_classes_on_the_batch_walk_batch_replays(pipeline,
                                                                                buffer):
    """Whatever the pipeline, each recorded class and count is point_classes' (rows)
    on the batch lgc.walks.walk_batch replays for that walk and step."""
    batched = replace(IRIS, batch_size=10)
    settings = WalkSettings("ce", 10.0, 2.0, 4, hessian="full", eigenvalues=True,
                            batches=pipeline, shuffle_buffer=buffer)
    out = progressive_gradient_walk(batched, settings, range(3), seed=2, weights_stride=1)
    arch = Architecture(batched.n_in, batched.hidden, batched.n_out)
    for walk in range(3):
        for step in range(4):
            X, T, _, _ = walk_batch(batched, 2, walk, step, pipeline, buffer)
            code, spec = lanczos.point_classes(out["weights"][walk, step], X, T, "ce", arch,
                                               eigenvalues=True)
            assert out["curvature"][walk, step] == code[0]
            assert out["n_neg"][walk, step] == spec["n_neg"][0]


def test_walk_batch_replays_the_walks_stream(mnist):
    """walk_batch gives the rows of the stream's law at any step, training and test."""
    for walk, step in ((0, 0), (3, 5)):
        rows = _replayed_rows(mnist, 11, walk, step + 1)[step]
        X, T, Xg, Tg = walk_batch(mnist, 11, walk, step)
        np.testing.assert_array_equal(X, mnist.X_train[rows])
        np.testing.assert_array_equal(T, mnist.T_train[rows])
        assert Xg.shape == (100, 784) and Tg.shape == (100, 10)
    with pytest.raises(ValueError, match="step must be a whole number >= 0; got -1"):
        walk_batch(mnist, 0, 0, -1)


@pytest.mark.parametrize("kind", ["sse", "ce"])
def test_a_saved_mnist_points_class_is_point_classes_on_its_weights_and_batch(mnist, kind,
                                                                              tmp_path):
    """`lgc run --problem mnist --hessian full --hessian-every 5 --eigenvalues
    --save-weights --weights-stride 5`, as run_sample: every stored class, eigenvalue
    count and extreme eigenvalue equals lanczos.point_classes recomputed from the saved
    weights and the walk's batch at that step, replayed from the walk's stream."""
    config = SampleConfig(problem="mnist", loss=kind, init_range=1.0, granularity="macro",
                          walks=2, steps=11, seed=3, hessian="full", hessian_every=5,
                          eigenvalues=True)
    sample = run_sample(config, tmp_path, weights_stride=5, progress=False)
    frame = sample.frame().set_index(["walk", "step"])
    weights = np.concatenate([np.load(p) for p in sorted(sample.weights.glob("*.npy"))])
    arch = Architecture(mnist.n_in, mnist.hidden, mnist.n_out)
    for walk in range(2):
        rows = _replayed_rows(mnist, 3, walk, 11)
        for k, step in enumerate((0, 5, 10)):
            X, T = mnist.X_train[rows[step]], mnist.T_train[rows[step]]
            code, summary = lanczos.point_classes(weights[walk, k], X, T, kind, arch,
                                                  eigenvalues=True)
            row = frame.loc[(walk, step)]
            assert row["curvature"] == CURVATURES[code[0]]
            for name in ("n_pos", "n_neg", "n_zero"):
                assert row[name] == summary[name][0]
            assert row["n_pos"] + row["n_neg"] + row["n_zero"] == summary["n_classified"][0]
            for name in ("lambda_min", "lambda_max"):
                assert row[name] == pytest.approx(summary[name][0], rel=1e-12)
    assert frame["curvature"].isin(CURVATURES).sum() == 6  # steps 0, 5, 10 of 2 walks


def test_first_fixed_batches_are_classified_on_the_fixed_batchs_row_space(mnist):
    """With the "first-fixed" pipeline every walk sees the first 100 patterns: the
    classes are point_classes' on those. (Restricted to the row space of all 8,000
    training images instead, the Hessian of the batch loss would keep 5,580 flat
    directions, and every point would be singular.)"""
    settings = WalkSettings("sse", 1.0, 0.2, 3, hessian="full", batches="first-fixed")
    out = progressive_gradient_walk(mnist, settings, range(2), seed=0, weights_stride=1)
    arch = Architecture(mnist.n_in, mnist.hidden, mnist.n_out)
    expected = lanczos.point_classes(out["weights"].reshape(-1, arch.dim),
                                     mnist.X_train[:100], mnist.T_train[:100], "sse", arch)
    np.testing.assert_array_equal(out["curvature"].reshape(-1), expected)
    assert "saddle" in {CURVATURES[c] for c in expected}


def test_the_restricted_mnist_hessian_has_h_p_plus_h_plus_1_k_rows(mnist):
    """On a batch of P = 100: h P + (h + 1) K = 10 * 100 + 11 * 10 = 1,110 rows at
    most, against d = 7,960 for the whole Hessian."""
    assert hessian_rows(mnist, WalkSettings("sse", 1.0, 0.2, 1, hessian="full")) == 1110
    assert hessian_rows(mnist, WalkSettings("sse", 1.0, 0.2, 1, hessian="blocks")) == 7960


@pytest.mark.parametrize("options", [dict(hessian="blocks"), dict(singular="float32"),
                                     dict(discount_structural=False)],
                         ids=["blocks", "float32 test", "no discount"])
def test_a_dense_whole_mnist_hessian_is_refused_in_one_line(mnist, options, tmp_path):
    """Every combination that would form the whole 7,960 x 7,960 Hessian (507 MB a
    walk) is refused by the walk and by the experiment, before any file is written."""
    settings = WalkSettings("sse", 1.0, 0.2, 2, **{"hessian": "full", **options})
    with pytest.raises(ValueError, match=r"^a dense 7,960 x 7,960 Hessian \(507 MB a walk\) "
                                         r"is too large for mnist's walks: [^\n]*1,110 x "
                                         r"1,110[^\n]*$"):
        progressive_gradient_walk(mnist, settings, range(1))
    config = SampleConfig(problem="mnist", loss="sse", init_range=1.0, granularity="macro",
                          walks=1, steps=2, **{"hessian": "full", **options})
    with pytest.raises(ValueError, match="too large for mnist's walks"):
        run_sample(config, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_small_problems_with_mini_batches_keep_every_curvature_option():
    """The refusal is about memory, not batches: Iris with batches takes the blocks,
    the float32 test and the undiscounted Hessian (35 x 35)."""
    batched = replace(IRIS, batch_size=10)
    for options in (dict(hessian="blocks"), dict(singular="float32"),
                    dict(discount_structural=False)):
        settings = WalkSettings("sse", 1.0, 0.2, 2, **{"hessian": "full", **options})
        check_hessian_size(batched, settings)
        out = progressive_gradient_walk(batched, settings, range(2), seed=0)
        assert (out["curvature"] >= 0).all()


def test_check_fits_counts_the_hessians_a_chunk_holds(mnist):
    """MNIST's curvature holds one walk's restricted Hessian and its copy at a time:
    2 x 8 x 1,110^2 bytes = 19.7 MB. A machine of 19 MB is refused, naming the
    Hessians; one of 21 MB is not (the records of 2 x 3 steps are a few kB)."""
    config = SampleConfig(problem="mnist", loss="sse", init_range=1.0, granularity="macro",
                          walks=2, steps=3, hessian="full").resolved(mnist.dim)
    with pytest.raises(ValueError, match="GiB for the Hessians held at once"):
        check_fits(config, mnist.dim, None, memory=19e6, problem=mnist)
    check_fits(config, mnist.dim, None, memory=21e6, problem=mnist)


# ------------------------------------------------------------ lgc.mnist_curvature

def test_study_presets_state_their_number_of_points():
    """tiny: 2 losses x 2 ranges x 2 walks x (micro: steps 0, 5 + macro: steps 0, 5)
    = 32 points; quick: 2 x 2 x 8 x (10 + 10) = 640."""
    from lgc import mnist_curvature as MC
    assert MC.get_preset("tiny").points() == 32
    assert MC.get_preset("quick").points() == 640
    assert len(MC.configs("tiny")) == 8
    with pytest.raises(ValueError, match="unknown preset 'huge': choose one of tiny, quick"):
        MC.get_preset("huge")


def _table(**changes):
    """A summary table of two settings whose verdicts are known on paper."""
    import pandas as pd
    rows = [dict(loss="sse", granularity="micro", init_range=1.0, points=10, convex=0.0,
                 concave=0.0, saddle=0.2, singular=0.8, negative_share=1.0, index=0.3,
                 last_step=90, index_first=0.5, index_last=0.3, zero_share_first=0.0,
                 zero_share_last=0.1, lambda_min_first=-0.4, lambda_min_last=-0.1,
                 lambda_max_first=0.5, lambda_max_last=0.5, neg_to_pos_first=0.8,
                 neg_to_pos_last=0.2, Et_first=0.3, Et_last=0.1)] * 2
    frame = pd.DataFrame(rows)
    for name, values in changes.items():
        frame[name] = values
    return frame


def test_reference_words_judge_from_the_numbers():
    """Saddles and singular points only: holds; |lambda_min| four times smaller and its
    ratio to lambda_max falling in both settings: holds. One convex point in ten:
    fails; the ratio rising in one setting: holds in part."""
    from lgc.mnist_curvature import reference_words
    words = reference_words(_table())
    assert words[0].startswith("Only saddle and singular points: holds. Of the 20 ")
    assert "after descent: holds. " in words[2] and "(a median 4.0 times smaller)" in words[2]
    words = reference_words(_table(convex=[0.1, 0.0], saddle=[0.1, 0.2],
                                   neg_to_pos_last=[0.2, 0.9]))
    assert words[0].startswith("Only saddle and singular points: fails.")
    assert "5.0% convex" in words[0]
    assert "after descent: holds in part." in words[2]
    assert "falls in 1 of 2" in words[2]


def test_mnist_chunks_are_sized_as_gradient_walks_when_hessians_are_formed_per_point(tmp_path):
    """A walk on its own batches forms one small Hessian at a time, so its chunks are
    not cut to one walk for a 7,960 x 7,960 matrix it never holds; a walk on the
    whole training set still sizes its chunks by its Hessians."""
    from lgc.experiment import SampleConfig, _plan, chunk_walks
    mnist = _plan(SampleConfig("mnist", "ce", 1, "macro", walks=64, steps=10,
                               hessian="full", hessian_every=5), tmp_path, None)
    iris = _plan(SampleConfig("iris", "ce", 1, "macro", walks=64, steps=10), tmp_path, None)
    assert (mnist.chunk_hessian, iris.chunk_hessian) == ("none", "full")
    assert chunk_walks(mnist.dim, mnist.chunk_hessian, 64, 2) > 1
    assert not any(tmp_path.iterdir())  # planning writes nothing
