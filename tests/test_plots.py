"""Tests for lgc.plots: l-g clouds, the paper's figure table and Figure 2."""
import io

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import LogNorm, to_hex

from lgc.basins import simulated_walk, stagnation_trace
from lgc.curvature import CURVATURES
from lgc.plots import (CLASS_COLOURS, FIGURES, NOT_COMPUTED, FigureSpec, Panel,
                       figure_filename, lg_cloud, lg_cloud_figure, save, stagnation_figure)
from lgc.problems import load_problem
from lgc.store import records_frame
from lgc.walks import WalkSettings, progressive_gradient_walk, step_size

matplotlib.use("Agg")


def _walks(loss="sse", granularity="micro", walks=6, steps=60):
    settings = WalkSettings(loss, 1.0, step_size(granularity, 1.0), steps)
    records = progressive_gradient_walk(load_problem("xor"), settings, range(walks), seed=3)
    return records_frame(records, range(walks))


@pytest.fixture(scope="module")
def frame():
    return _walks()


def _offsets(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections)


def test_four_panes_hold_each_class(frame):
    """Each curvature class gets its own pane holding exactly its points."""
    cloud = lg_cloud(frame, max_points=None)
    assert [ax.get_title().split("\n")[0] for ax in cloud.axes] == list(CURVATURES)
    for ax, name in zip(cloud.axes, CURVATURES):
        expected = int((frame["curvature"] == name).sum())
        assert _offsets(ax) == expected == cloud.counts[name] == cloud.shown[name]
        assert f"N = {expected:,}" in ax.get_title()
    assert sum(_offsets(ax) for ax in cloud.axes) == len(frame)


def test_panes_use_fixed_colours_and_rasterise(frame):
    """Every class is drawn in its own colour, as a rasterised scatter."""
    cloud = lg_cloud(frame, max_points=None)
    for ax, name in zip(cloud.axes, CURVATURES):
        (points,) = ax.collections
        assert points.get_rasterized()
        if len(points.get_offsets()):
            assert to_hex(points.get_facecolor()[0]) == CLASS_COLOURS[name].lower()


def test_subsample_caps_points_and_reports_total(frame):
    """max_points caps what is drawn; panes say "n shown of N"; the seed fixes the sample."""
    cloud = lg_cloud(frame, max_points=100, seed=1)
    assert sum(_offsets(ax) for ax in cloud.axes) == sum(cloud.shown.values()) == 100
    assert sum(cloud.counts.values()) == len(frame)
    assert any("shown of" in ax.get_title() for ax in cloud.axes)
    again = lg_cloud(frame, max_points=100, seed=1)
    other = lg_cloud(frame, max_points=100, seed=2)
    pts = [np.concatenate([ax.collections[0].get_offsets() for ax in c.axes]) for c in
           (cloud, again, other)]
    assert np.array_equal(pts[0], pts[1]) and not np.array_equal(pts[0], pts[2])


def test_sqrt_axis_on_request(frame):
    """sqrt_x puts the loss axis on a square-root scale; the default is linear."""
    assert lg_cloud(frame, sqrt_x=True).axes[0].get_xscale() == "function"
    assert lg_cloud(frame).axes[0].get_xscale() == "linear"


def test_no_curvature_gives_one_pane(frame):
    """With no curvature at all (MNIST) one pane holds every point."""
    blank = frame.assign(curvature=pd.Categorical([None] * len(frame), categories=CURVATURES))
    cloud = lg_cloud(blank, max_points=None)
    assert len(cloud.axes) == 1 and "curvature not computed" in cloud.axes[0].get_title()
    assert _offsets(cloud.axes[0]) == len(frame)


def test_partly_missing_curvature(frame):
    """Unclassified points among classified ones are dropped and counted, or get a pane."""
    mixed = frame.copy()
    mixed.loc[mixed["step"] % 10 != 0, "curvature"] = np.nan
    n_missing = int((frame.step % 10 != 0).sum())
    cloud = lg_cloud(mixed, max_points=None)
    assert len(cloud.axes) == 4 and cloud.dropped == n_missing
    assert sum(_offsets(ax) for ax in cloud.axes) == len(frame) - n_missing
    assert f"{n_missing:,} of {len(frame):,} points" in cloud.axes[0].figure.get_supxlabel()
    pane = lg_cloud(mixed, max_points=None, unclassified="pane")
    assert len(pane.axes) == 5 and pane.counts[NOT_COMPUTED] == n_missing
    assert sum(_offsets(ax) for ax in pane.axes) == len(frame) and pane.dropped == 0
    with pytest.raises(ValueError, match="unclassified must be"):
        lg_cloud(mixed, unclassified="keep")


def test_eg_colouring_with_threshold(frame):
    """color_by="Eg" colours by Eg with a colour bar, keeping only points under the bound."""
    bound = float(frame["Et"].median())
    cloud = lg_cloud(frame, color_by="Eg", thresholds={"Et": bound}, max_points=None)
    assert sum(cloud.counts.values()) == int((frame["Et"] < bound).sum())
    assert cloud.mappable is not None and len(cloud.axes[0].figure.axes) == 5  # + colour bar
    log = lg_cloud(frame, color_by="Eg", thresholds=bound, log_color=True)
    assert isinstance(log.mappable.norm, LogNorm)


def test_too_few_axes_is_an_error(frame):
    """Passing fewer axes than panes names both numbers."""
    fig = matplotlib.figure.Figure()
    with pytest.raises(ValueError, match="2 axes but the cloud needs 4 panes"):
        lg_cloud(frame, ax_row=fig.subplots(1, 2))


def test_figures_cover_the_paper():
    """FIGURES describes figures 1..22 with unique fig01..fig22 file names."""
    assert sorted(FIGURES) == list(range(1, 23))
    names = [figure_filename(n) for n in FIGURES]
    assert len(set(names)) == 22
    assert all(name.startswith(f"fig{n:02d}-") and name.endswith(".png")
               for n, name in zip(FIGURES, names))
    assert figure_filename(3) == "fig03-xor-r1-clouds.png"
    assert FIGURES[2].kind == "method" and FIGURES[2].windows == (6, 8, 12, 20)
    with pytest.raises(KeyError, match="figures 1 to 22"):
        figure_filename(23)


def test_eg_figures_carry_their_thresholds():
    """Eg-coloured figures have an Et bound per panel; the others none."""
    eg = [n for n, f in FIGURES.items() if f.kind == "eg_cloud"]
    assert eg == [7, 10, 13, 16, 19, 22]
    for n, spec in FIGURES.items():
        bounded = bool(spec.thresholds) and all(t is not None for t in spec.thresholds)
        assert bounded == (n in eg)
    assert FIGURES[10].thresholds == (0.2, 0.5, 0.2, 1.0)
    assert FIGURES[22].panels[1] == Panel("ce", "macro", 10.0, 0.25)
    assert [p.log_color for p in FIGURES[16].panels] == [False, True, False, True]


def test_caption_mistakes_use_range_ten():
    """Figures 9, 15 and 18 show the [-10, 10] walks
    (docs/departures.md#d12-three-captions-name-the-wrong-range)."""
    for n in (9, 15, 18):
        spec = FIGURES[n]
        assert spec.init_range == 10 and {p.init_range for p in spec.panels} == {10}
        assert "#d12-" in spec.notes and "-r10-" in figure_filename(n)


def test_only_figure_4_uses_a_square_root_axis():
    """Section 6.1 puts Figure 4's loss axis on a square-root scale."""
    assert [n for n, f in FIGURES.items() if f.sqrt_x] == [4]


def test_cloud_figure_draws_every_panel(frame):
    """A paper figure has one sub-figure per panel; a missing sample says so."""
    macro = _walks("ce", "macro", walks=3, steps=20)
    fig = lg_cloud_figure({("sse", "micro"): frame, ("ce", "macro", 1.0): macro}, 3,
                          max_points=50)
    assert len(fig.subfigs) == 4
    titles = [sub._suptitle.get_text() for sub in fig.subfigs]
    assert titles[0] == "(a) SSE, micro, [-1, 1]" and titles[3] == "(d) CE, macro, [-1, 1]"
    assert any("no results" in t.get_text() for ax in fig.subfigs[1].axes for t in ax.texts)
    assert sum(_offsets(ax) for ax in fig.subfigs[3].axes) == 50
    assert any(f"shown of {len(macro)}" in ax.get_title() for ax in fig.subfigs[3].axes)
    fig.savefig(io.BytesIO(), format="png", dpi=30)


def test_eg_figure_and_sqrt_figure(frame):
    """Eg figures get colour bars; Figure 4 gets square-root loss axes."""
    fig = lg_cloud_figure({Panel("sse", "micro", 1.0, 0.05): frame}, 7)
    assert any(ax.get_label() == "<colorbar>" for ax in fig.subfigs[0].axes)
    fig4 = lg_cloud_figure({("sse", "micro"): frame}, FIGURES[4])
    assert fig4.subfigs[0].axes[0].get_xscale() == "function"
    with pytest.raises(ValueError, match="not an l-g cloud"):
        lg_cloud_figure({}, 2)


def test_custom_panel_list(frame):
    """A plain list of panels makes a figure without a spec."""
    fig = lg_cloud_figure({("sse", "micro"): frame}, [Panel("sse", "micro", 1.0)])
    assert len(fig.subfigs) == 1 and isinstance(FIGURES[1], FigureSpec)


def test_stagnation_figure_one_panel_per_window():
    """Figure 2 has one panel per window, titled with that window's nstag and lstag."""
    walk = simulated_walk()
    fig = stagnation_figure(walk)
    panels = [ax for ax in fig.axes if ax.get_label().startswith("window")]
    assert [ax.get_label() for ax in panels] == [f"window {w}" for w in (6, 8, 12, 20)]
    t = stagnation_trace(walk, 8)
    assert f"nstag = {t.nstag}, lstag = {t.lstag:.2f}" in panels[1].get_title()
    assert "Exp moving avg" in [line.get_label() for line in panels[0].get_lines()]
    single = stagnation_figure(walk, windows=(10,))
    assert len([ax for ax in single.axes if ax.get_label() == "window 10"]) == 1


def test_save_writes_a_png(tmp_path, frame):
    """save() writes a PNG file under the given name."""
    path = save(lg_cloud(frame).axes[0].figure, tmp_path / "cloud.png", dpi=30)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(tmp_path.iterdir()) == [path]


def test_empty_threshold_selection_says_why_in_the_pane():
    """A bound that no point meets leaves a note with the lowest value, not a blank pane."""
    import pandas as pd
    from lgc.plots import lg_cloud
    frame = pd.DataFrame({"walk": [0, 0], "step": [0, 1], "Et": [0.5, 0.4], "Eg": [0.6, 0.5],
                          "Ct": [0.5, 0.5], "Cg": [0.5, 0.5], "grad_norm": [0.1, 0.2],
                          "curvature": pd.Categorical([None, None],
                                                      categories=["convex", "concave",
                                                                  "saddle", "singular"])})
    cloud = lg_cloud(frame, color_by="Eg", thresholds={"Et": 0.25})
    texts = [t.get_text() for t in cloud.axes[0].texts]
    assert any("no point with Et < 0.25" in t and "0.4" in t for t in texts)


def test_a_figure_of_unknown_kind_has_no_file_name():
    """A figure kind outside 'method', 'cloud', 'eg_cloud' is an error naming it."""
    assert FigureSpec(3, "xor", 1.0, "eg_cloud").filename == "fig03-xor-r1-eg-clouds.png"
    with pytest.raises(ValueError, match=r"unknown figure kind 'heatmap'.*'eg_cloud'"):
        FigureSpec(3, "xor", 1.0, "heatmap").filename
