"""Tests for lgc.explorer: the widgets drive walks and pictures headlessly."""
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from lgc import explorer as ex  # noqa: E402
from lgc import network  # noqa: E402
from lgc.basins import stagnant_runs, stagnation_trace  # noqa: E402
from lgc.explorer import Explorer, capped_size, step_work  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def small():
    """An explorer that keeps its figures but skips rendering them (fast)."""
    return Explorer(walks=2, steps=40, window=8, draw=False)


def test_starts_with_a_sample_and_pictures():
    """A new explorer has run its walks and drawn its three pictures; a new window
    redraws only the stagnation picture."""
    e = Explorer(walks=2, steps=40, window=8)
    assert e.result["Et"].shape == (2, 40) and len(e.frame) == 80
    assert sum(e.cloud.counts.values()) == 80
    assert e.cloud_image.value[:8] == PNG and e.stagnation_image.value[:8] == PNG
    assert e.slice_image.value[:8] == PNG
    assert "2 walks x 40 steps" in e.status.value and e.runs == 1
    cloud, stagnation, slice_ = e.cloud_image.value, e.stagnation_image.value, \
        e.slice_image.value
    e.window.value = 12
    assert e.cloud_image.value == cloud and e.stagnation_image.value[:8] == PNG
    assert e.stagnation_image.value != stagnation
    assert e.slice_image.value == slice_  # the walks, so their slice, are kept


def test_draw_false_keeps_figures(small):
    """Without rendering the figures still exist and the images stay empty."""
    assert small.figure is not None and small.stagnation_fig is not None
    assert small.cloud_image.value == b""


def test_more_walks_more_points(small):
    """Moving the walks slider reruns the sample with more points in the cloud."""
    small.walks.value = 4
    assert small.runs == 2 and small.size == (4, 40)
    assert len(small.frame) == 160 and sum(small.cloud.counts.values()) == 160
    fewer = Explorer(walks=2, steps=40, draw=False)
    assert np.array_equal(small.result["Et"][:2], fewer.result["Et"])


def test_window_redraws_stagnation_only(small):
    """A new window recomputes the first walk's basins without rerunning walks."""
    before = small.status.value
    small.window.value = 6
    assert small.runs == 1 and small.trace.window == 6
    expected = stagnation_trace(small.result["Et"][0], 6)
    assert (small.trace.nstag, small.trace.lstag) == (expected.nstag, expected.lstag)
    assert "w = 6" in small.status.value and small.status.value != before


def test_settings_change_the_walks(small):
    """Seed, loss, range and granularity each give a different sample."""
    seen = [small.result["Et"].copy()]
    for widget, value in ((small.seed, 5), (small.loss, "ce"), (small.init_range, 10.0),
                          (small.granularity, "macro")):
        widget.value = value
        assert not any(np.array_equal(small.result["Et"], old) for old in seen)
        seen.append(small.result["Et"].copy())
    assert small.runs == 5


def test_budget_caps_walks_first():
    """Over budget, walks drop before steps and the status says so."""
    e = Explorer(walks=5, steps=100, budget=step_work(9, "full") * 120, draw=False)
    assert e.size == (1, 100) and "capped" in e.status.value


def test_capped_size_rules():
    """The cap keeps what fits, keeps one walk, and keeps a full largest window."""
    assert capped_size(50, 1000, 9, "full") == (50, 1000)
    assert capped_size(10, 1000, 341, "full")[0] == 1
    assert capped_size(10, 1000, 7960, "full", budget=1) == (1, 20)
    assert step_work(7960, "none") < step_work(7960, "full")


def test_walk_shorter_than_window_is_reported():
    """A walk shorter than the window gets no stagnation picture, and says why."""
    e = Explorer(walks=1, steps=10, window=20, draw=False)
    assert e.trace is None and e.stagnation_image.value == b""
    assert "no stagnation estimate at w = 20" in e.status.value


def test_failures_show_in_status(monkeypatch):
    """A problem that cannot load clears the pictures and reports the error."""
    small = Explorer(walks=2, steps=40, window=8)
    assert small.cloud_image.value and small.stagnation_image.value

    def missing(name):
        raise FileNotFoundError(f"no data for {name}")
    monkeypatch.setattr(ex, "_problem", missing)
    small.problem.value = "iris"
    assert small.error.startswith("FileNotFoundError") and "Could not run" in small.status.value
    assert small.runs == 1
    assert small.cloud_image.value == b"" and small.stagnation_image.value == b""
    assert small.slice_image.value == b"" and small.slice is None
    small.window.value = 12  # the old walks' pictures do not come back
    assert small.stagnation_image.value == b"" and "Could not run" in small.status.value


def test_import_lgc_leaves_ipywidgets_alone():
    """`import lgc` does not import ipywidgets (nor the explorer)."""
    code = "import sys, lgc; print('ipywidgets' in sys.modules, 'lgc.explorer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_controls_disabled_while_running(monkeypatch):
    """While the walks run every control is disabled and the status says work started."""
    e = Explorer(walks=2, steps=40, draw=False)
    assert not any(w.disabled for w in e.controls)
    seen = []
    real = ex.progressive_gradient_walk

    def spy(*args, **kwargs):
        seen.append(([w.disabled for w in e.controls], e.status.value))
        return real(*args, **kwargs)
    monkeypatch.setattr(ex, "progressive_gradient_walk", spy)
    e.seed.value = 3
    (disabled, status), = seen
    assert all(disabled) and len(disabled) == 8 and "Running 2 walks x 40 steps" in status
    assert not any(w.disabled for w in e.controls) and "Running" not in e.status.value


def test_controls_enabled_again_after_an_error(monkeypatch):
    """A failed batch still gives the controls back, and clears the class table."""
    e = Explorer(walks=2, steps=40, draw=False)

    def broken(*args, **kwargs):
        raise ValueError("bad settings")
    monkeypatch.setattr(ex, "progressive_gradient_walk", broken)
    e.loss.value = "ce"
    assert e.error == "ValueError: bad settings" and e.classes.value == ""
    assert not any(w.disabled for w in e.controls)


def test_class_shares_beside_the_cloud(small):
    """Each class's share of the points, in the table beside the cloud and in the status."""
    shares = small.shares()
    assert list(shares) == list(small.cloud.counts) and sum(shares.values()) == pytest.approx(1)
    total = sum(small.cloud.counts.values())
    for name, count in small.cloud.counts.items():
        assert shares[name] == count / total
        assert f"{name} {count} ({count / total:.0%})" in small.status.value
        assert f"<td>{name}</td>" in small.classes.value
    assert "share" in small.classes.value
    assert small.classes in small.box.children[2].children  # beside the cloud image


def test_min_walks_keeps_several_walks():
    """min_walks stops the cap dropping walks below it; steps are shortened instead."""
    assert capped_size(50, 1000, 321, "full") == (1, 290)
    assert capped_size(50, 1000, 321, "full", min_walks=4) == (4, 72)
    assert capped_size(2, 1000, 321, "full", min_walks=4) == (2, 145)  # never more than asked
    assert capped_size(10, 1000, 7960, "full", budget=1, min_walks=4) == (4, 20)


@pytest.mark.parametrize("dim, hessian", [(9, "full"), (35, "full"), (81, "full"),
                                          (150, "full"), (321, "full"), (341, "full"),
                                          (7960, "none")])
def test_classroom_defaults_fit_and_show_several_walks(dim, hessian):
    """The classroom settings keep >= 4 walks of >= 20 steps within their budget."""
    c = ex.CLASSROOM
    walks, steps = capped_size(c["walks"], c["steps"], dim, hessian, c["budget"],
                               c["min_walks"])
    assert walks >= 4 and steps >= 20
    assert walks * steps * step_work(dim, hessian) <= c["budget"]
    assert c["granularity"] == "macro" and c["budget"] < ex.WORK_BUDGET


def test_classroom_explorer_is_quick():
    """classroom() makes a macro explorer that answers well within a few seconds."""
    import time
    start = time.perf_counter()
    e = ex.classroom()
    first = time.perf_counter() - start
    assert e.granularity.value == "macro" and e.size == (8, 100) and e.min_walks == 4
    assert e.cloud_image.value[:8] == PNG and e.error is None
    start = time.perf_counter()
    e.loss.value = "ce"
    again = time.perf_counter() - start
    # ~0.7 s of CPU (walks, the slice and three PNGs); generous for a loaded test machine
    assert again < 8, (first, again)
    assert ex.classroom(walks=3).size == (3, 100)


def test_slice_goes_through_the_first_walks_end():
    """The slice's centre is the first walk's last point: its grid value is that step's
    training loss (the walk's record, and autograd's loss at the recorded weights), and
    the walk's start projects onto the a-axis at minus its distance from the end."""
    e = Explorer(walks=2, steps=40, draw=False)
    s, path, xor = e.slice, e.path, ex._problem("xor")
    n = ex.SLICE_POINTS
    assert s["grid"].shape == (n, n) and path.shape == (40, 9) and s["patterns"] is None
    middle = s["grid"][n // 2, n // 2]
    assert middle == pytest.approx(e.result["Et"][0, -1], rel=1e-12)
    assert middle == pytest.approx(network.loss(path[-1], xor.X_train, xor.T_train, "sse"),
                                   rel=1e-12)
    distance = np.linalg.norm(path[-1] - path[0])
    assert np.allclose(s["path_xy"][[0, -1]], [[-distance, 0], [0, 0]], atol=1e-9)
    assert s["extent"] == pytest.approx(ex.SLICE_MARGIN * np.abs(s["path_xy"]).max())
    assert e.slice_fig is not None and e.slice_image.value == b""


def test_slice_image_changes_with_the_problem():
    """Another problem gives another slice picture, in the same place on the page."""
    e = Explorer(walks=2, steps=40)
    before, grid = e.slice_image.value, e.slice["grid"]
    assert before[:8] == PNG and e.slice_image in e.box.children[3].children
    e.problem.value = "iris"
    assert e.slice_image.value[:8] == PNG and e.slice_image.value != before
    assert e.path.shape[1] == ex._problem("iris").dim
    assert not np.allclose(e.slice["grid"], grid)


def test_slice_follows_the_seed_and_the_loss():
    """Same settings, same slice; another loss evaluates the other loss on the grid."""
    one = Explorer(walks=2, steps=40, draw=False)
    again = Explorer(walks=2, steps=40, draw=False)
    assert np.array_equal(one.slice["grid"], again.slice["grid"])
    one.loss.value = "ce"
    xor = ex._problem("xor")
    n = ex.SLICE_POINTS
    assert one.slice["grid"][n // 2, n // 2] == pytest.approx(
        network.loss(one.path[-1], xor.X_train, xor.T_train, "ce"), rel=1e-12)


def test_minibatch_problem_slices_its_first_patterns():
    """MNIST's walks see mini-batches; its slice uses the first SLICE_PATTERNS patterns."""
    e = Explorer(problem="mnist", walks=1, steps=20, window=6, draw=False)
    mnist, n, k = ex._problem("mnist"), ex.SLICE_POINTS, ex.SLICE_PATTERNS
    assert e.error is None and e.slice["patterns"] == k < len(mnist.X_train)
    expected = network.loss(e.path[-1], mnist.X_train[:k], mnist.T_train[:k], "sse")
    assert e.slice["grid"][n // 2, n // 2] == pytest.approx(expected, rel=1e-10)


def test_batch_nstag_lstag_shown(small):
    """The batch's mean nstag and lstag at the chosen window, from every walk's own
    estimate, are in the status and in the table beside the cloud; a new window updates them."""
    for w in (8, 14):
        small.window.value = w
        runs = [stagnant_runs(et, w) for et in small.result["Et"]]
        nstag, lstag = np.mean([r[0] for r in runs]), np.mean([r[1] for r in runs])
        assert small.basin_means() == pytest.approx({"nstag": nstag, "lstag": lstag,
                                                     "walks": 2})
        assert (f"batch at w = {w} (mean of 2 walks): nstag = {nstag:.2f}, "
                f"lstag = {lstag:.2f}") in small.status.value
        assert f"at w = {w}" in small.classes.value
        assert f"<td>nstag</td><td align='right'>{nstag:.2f}</td>" in small.classes.value
        assert f"<td>lstag</td><td align='right'>{lstag:.2f}</td>" in small.classes.value


def test_landscape_measures_of_the_batch_are_shown_beside_the_cloud(small):
    """FEM, M1 and M2 of every walk's training loss (published definitions), averaged
    over the batch, sit in the table beside the cloud under the granularity's FEM name."""
    from lgc import fla
    et = small.result["Et"]
    fem = np.mean([fla.fem(row) for row in et])
    name = "FEM_0.01" if small.granularity.value == "micro" else "FEM_0.1"
    measures = small.landscape_measures()
    assert measures == pytest.approx({name: fem, "M1": np.mean([fla.m1(r) for r in et]),
                                      "M2": np.mean([fla.m2(r) for r in et]), "walks": 2})
    assert f"<td>{name}</td><td align='right'>{fem:.3f}</td>" in small.classes.value
