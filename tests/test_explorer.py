"""Tests for lgc.explorer: the widgets drive walks and pictures headlessly."""
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from lgc import explorer as ex  # noqa: E402
from lgc.basins import stagnation_trace  # noqa: E402
from lgc.explorer import Explorer, capped_size, step_cost  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def small():
    """An explorer that keeps its figures but skips rendering them (fast)."""
    return Explorer(walks=2, steps=40, window=8, draw=False)


def test_starts_with_a_sample_and_pictures():
    """A new explorer has run its walks and drawn both pictures; a new window redraws one."""
    e = Explorer(walks=2, steps=40, window=8)
    assert e.result["Et"].shape == (2, 40) and len(e.frame) == 80
    assert sum(e.cloud.counts.values()) == 80
    assert e.cloud_image.value[:8] == PNG and e.stagnation_image.value[:8] == PNG
    assert "2 walks x 40 steps" in e.status.value and e.runs == 1
    cloud, stagnation = e.cloud_image.value, e.stagnation_image.value
    e.window.value = 12
    assert e.cloud_image.value == cloud and e.stagnation_image.value[:8] == PNG
    assert e.stagnation_image.value != stagnation


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
    e = Explorer(walks=5, steps=100, budget=step_cost(9, "full") * 120, draw=False)
    assert e.size == (1, 100) and "capped" in e.status.value


def test_capped_size_rules():
    """The cap keeps what fits, keeps one walk, and keeps a full largest window."""
    assert capped_size(50, 1000, 9, "full") == (50, 1000)
    assert capped_size(10, 1000, 341, "full")[0] == 1
    assert capped_size(10, 1000, 7960, "full", budget=1) == (1, 20)
    assert step_cost(7960, "none") < step_cost(7960, "full")


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


def test_import_lgc_leaves_ipywidgets_alone():
    """`import lgc` does not import ipywidgets (nor the explorer)."""
    code = "import sys, lgc; print('ipywidgets' in sys.modules, 'lgc.explorer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]
