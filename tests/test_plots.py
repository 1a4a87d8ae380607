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
    bound = float(frame.Et.median())  # so that the pane has points to colour
    fig = lg_cloud_figure({("sse", "micro"): frame}, [Panel("sse", "micro", 1.0, bound)])
    assert not any(ax.get_label() == "<colorbar>" for ax in fig.subfigs[0].axes)  # no Eg
    spec = FigureSpec(7, "xor", 1.0, "eg_cloud", (Panel("sse", "micro", 1.0, bound),))
    fig = lg_cloud_figure({("sse", "micro"): frame}, spec)
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


def _tiny(et, grad, curvature=None):
    """A hand-made frame: one walk, one step per (Et, grad_norm) pair."""
    n = len(et)
    return pd.DataFrame({"walk": [0] * n, "step": range(n), "Et": et,
                         "Eg": np.linspace(0.2, 0.9, n), "Ct": [0.5] * n, "Cg": [0.5] * n, "grad_norm": grad,
                         "curvature": pd.Categorical(curvature or [None] * n,
                                                     categories=list(CURVATURES))})


def test_empty_threshold_selection_says_no_points_without_axes_or_colour_bar():
    """A bound that no point meets leaves "no points" with the lowest value, no axes
    with made-up ranges and no colour bar mapping nothing."""
    frame = _tiny([0.5, 0.4], [0.1, 0.2])
    cloud = lg_cloud(frame, color_by="Eg", thresholds={"Et": 0.25})
    (ax,) = cloud.axes
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("no points") and "Et < 0.25" in t and "0.4" in t for t in texts)
    assert not ax.axison and cloud.mappable is None
    assert not any(a.get_label() == "<colorbar>" for a in ax.figure.axes)


def test_empty_panel_of_a_figure_has_no_colour_bar(frame):
    """In an Eg figure, the panel whose bound no point meets has no colour bar; the
    other panel keeps its own."""
    low = float(frame.Et.min()) / 2
    spec = FigureSpec(7, "xor", 1.0, "eg_cloud", (Panel("sse", "micro", 1.0, 1e9),
                                                  Panel("ce", "micro", 1.0, low)))
    fig = lg_cloud_figure({("sse", "micro"): frame, ("ce", "micro"): frame}, spec)
    bars = [sum(a.get_label() == "<colorbar>" for a in sub.axes) for sub in fig.subfigs[:2]]
    assert bars == [1, 0]


def _inside(ax, points, size) -> bool:
    """Whether every marker of area ``size`` (points^2) at ``points`` lies wholly
    inside the axes' box, in display coordinates."""
    fig = ax.figure
    fig.canvas.draw()  # settles the layout
    radius = np.sqrt(size) / 2 * fig.dpi / 72  # pixels
    xy = ax.transData.transform(points)
    box = ax.get_window_extent()
    return bool(((xy[:, 0] - radius >= box.x0) & (xy[:, 0] + radius <= box.x1)
                 & (xy[:, 1] - radius >= box.y0) & (xy[:, 1] + radius <= box.y1)).all())


@pytest.mark.parametrize("sqrt_x", [False, True])
def test_points_at_zero_loss_and_gradient_are_drawn_inside_the_pane(sqrt_x):
    """Points at exactly Et = 0 and grad = 0 (a stationary global minimum) sit wholly
    inside the visible area, not on the spines, on a linear and a square-root axis."""
    frame = _tiny([0.0, 0.0, 0.3, 0.6], [0.0, 0.0, 0.1, 0.2], ["singular"] * 2 + ["saddle"] * 2)
    cloud = lg_cloud(frame, max_points=None, sqrt_x=sqrt_x)
    ax = cloud.axes[CURVATURES.index("singular")]
    (points,) = ax.collections
    assert np.array_equal(points.get_offsets(), [[0.0, 0.0], [0.0, 0.0]])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < 0 < x1 and y0 < 0 < y1
    assert _inside(ax, np.asarray(points.get_offsets()), points.get_sizes()[0])


def test_far_high_loss_points_are_cut_and_counted_on_their_pane():
    """99 saddle points with Et in [0, 1] and one at Et = 25: the loss axis ends near
    the 99th percentile, not at 25, and the saddle pane says "1 beyond"; with a
    square-root axis (Figure 4) nothing is cut."""
    et = np.r_[np.linspace(0.0, 1.0, 99), 25.0]
    frame = _tiny(et, et / 10, ["saddle"] * 100)
    cloud = lg_cloud(frame, max_points=None)
    ax = cloud.axes[CURVATURES.index("saddle")]
    q = np.quantile(et, 0.99)
    assert q < ax.get_xlim()[1] < 1.1 * q
    notes = [t.get_text() for t in ax.texts if t.get_label() == "beyond"]
    assert notes == [f"1 beyond Et = {q:.3g} \u2192"]
    other = cloud.axes[CURVATURES.index("convex")]
    assert not [t for t in other.texts if t.get_label() == "beyond"]
    whole = lg_cloud(frame, max_points=None, sqrt_x=True).axes[CURVATURES.index("saddle")]
    assert whole.get_xlim()[1] > 25 and not [t for t in whole.texts if t.get_label() == "beyond"]


def test_no_cut_without_far_points(frame):
    """A cloud without a far tail keeps every point in view and names no cut."""
    cloud = lg_cloud(frame, max_points=None)
    for ax in cloud.axes:
        assert not [t for t in ax.texts if t.get_label() == "beyond"]
        assert ax.get_xlim()[1] >= frame.Et.max() and ax.get_ylim()[1] >= frame.grad_norm.max()


def test_empty_class_pane_says_no_points(frame):
    """A class without points says so in its pane (XOR micro walks have no concave point)."""
    cloud = lg_cloud(frame, max_points=None)
    for ax, name in zip(cloud.axes, CURVATURES):
        assert (cloud.counts[name] == 0) == ("no points" in [t.get_text() for t in ax.texts])


def test_panels_of_the_same_loss_share_their_axes():
    """In a figure, the micro and macro panels of one loss have equal limits, and those
    cover both samples' points; the other loss has its own."""
    sse_micro, sse_macro = _walks("sse", "micro", 4, 40), _walks("sse", "macro", 4, 40)
    ce_micro, ce_macro = _walks("ce", "micro", 4, 40), _walks("ce", "macro", 4, 40)
    frames = {("sse", "micro"): sse_micro, ("sse", "macro"): sse_macro,
              ("ce", "micro"): ce_micro, ("ce", "macro"): ce_macro}
    fig = lg_cloud_figure(frames, 3)
    a, b, c, d = ([ax for ax in sub.axes if ax.get_label() != "<colorbar>"]
                  for sub in fig.subfigs[:4])
    assert a[0].get_xlim() == c[0].get_xlim() and a[0].get_ylim() == c[0].get_ylim()
    assert b[0].get_xlim() == d[0].get_xlim() and b[0].get_ylim() == d[0].get_ylim()
    assert a[0].get_xlim() != b[0].get_xlim()
    top = max(sse_micro.grad_norm.max(), sse_macro.grad_norm.max())
    assert a[0].get_ylim()[1] >= top


def test_full_and_block_cells_of_one_loss_share_axes():
    """cloud_grid gives the same points under two tests the same limits per loss."""
    from lgc.plots import cloud_grid

    sse = _walks("sse", "micro", 4, 40).assign(loss="sse")
    ce = _walks("ce", "micro", 4, 40).assign(loss="ce")
    blocks = sse.assign(curvature=pd.Categorical(["convex"] * len(sse),
                                                 categories=list(CURVATURES)))
    fig = cloud_grid({"sse full": sse, "sse blocks": blocks, "ce full": ce})
    first = [sub.axes[0] for sub in fig.subfigs[:3]]
    assert first[0].get_xlim() == first[1].get_xlim() != first[2].get_xlim()


def test_eg_colours_are_deciles_with_a_labelled_bar(frame):
    """Eg figures colour by deciles of Eg by default: ten colours of a tenth of the points
    each, the bar ticked in Eg and saying what the colour means."""
    from matplotlib.colors import BoundaryNorm

    bound = float(frame.Et.max()) + 1
    spec = FigureSpec(7, "xor", 1.0, "eg_cloud", (Panel("sse", "micro", 1.0, bound),))
    fig = lg_cloud_figure({("sse", "micro"): frame}, spec, max_points=None)
    (bar,) = [ax for ax in fig.subfigs[0].axes if ax.get_label() == "<colorbar>"]
    pane = fig.subfigs[0].axes[0]
    norm = pane.collections[0].norm
    assert isinstance(norm, BoundaryNorm)
    assert np.allclose(norm.boundaries, np.quantile(frame.Eg, np.linspace(0, 1, 11)))
    assert "tenth of the points" in bar.get_ylabel() and "higher Eg" in bar.get_ylabel()
    paper = lg_cloud_figure({("sse", "micro"): frame}, spec, colour_scale="paper")
    assert not isinstance(paper.subfigs[0].axes[0].collections[0].norm, BoundaryNorm)
    with pytest.raises(ValueError, match="colour_scale must be one of"):
        lg_cloud_figure({("sse", "micro"): frame}, spec, colour_scale="rainbow")


def test_stagnation_panel_explains_merged_runs():
    """Figure 2 at w = 20: three shaded stretches but nstag = 2, because a stretch of
    5 steps or fewer carries into the next; the panel says so with the lengths. At
    w = 8 every stretch counts and nothing is said."""
    walk = simulated_walk()
    fig = stagnation_figure(walk, windows=(8, 20))
    w8, w20 = [ax for ax in fig.axes if ax.get_label().startswith("window")]
    t = stagnation_trace(walk, 20)
    notes = [x.get_text() for x in w20.texts if x.get_label() == "merge rule"]
    assert t.nstag == 2 and len(notes) == 1
    assert notes[0].startswith("shaded runs of 17, 5, 6 steps are counted as 17, 11")
    assert not [x for x in w8.texts if x.get_label() == "merge rule"]


def test_a_figure_of_unknown_kind_has_no_file_name():
    """A figure kind outside 'method', 'cloud', 'eg_cloud' is an error naming it."""
    assert FigureSpec(3, "xor", 1.0, "eg_cloud").filename == "fig03-xor-r1-eg-clouds.png"
    with pytest.raises(ValueError, match=r"unknown figure kind 'heatmap'.*'eg_cloud'"):
        FigureSpec(3, "xor", 1.0, "heatmap").filename


def test_paired_cells_hold_the_same_points_under_each_test():
    """hessian_tests.paired_cells: one cell per loss and test, the same points in each
    with that test's classes; a setting without points is an error naming what there is."""
    from lgc import hessian_tests as ht

    n = 4
    points = pd.DataFrame({
        "problem": ["iris"] * 2 * n, "loss": ["sse"] * n + ["ce"] * n,
        "init_range": [10.0] * 2 * n, "granularity": ["micro"] * 2 * n,
        "Et": np.arange(2 * n) / 10, "grad_norm": np.arange(2 * n) / 100,
        ht.DEFAULT_TEST: ["saddle"] * 2 * n, ht.AUTHORS_TEST: ["convex"] * 2 * n})
    cells = ht.paired_cells(points, "iris", 10.0)
    assert [label.split(":")[0] for label in cells] == ["SSE, micro, [-10, 10]"] * 2 + [
        "CE, micro, [-10, 10]"] * 2
    full, blocks = list(cells.values())[:2]
    assert np.array_equal(full.Et, blocks.Et) and list(full.Et) == [0.0, 0.1, 0.2, 0.3]
    assert set(full.curvature) == {"saddle"} and set(blocks.curvature) == {"convex"}
    with pytest.raises(ValueError, match="no points for iris, r = 1, micro"):
        ht.paired_cells(points, "iris", 1.0)


def test_eg_panels_with_different_bounds_keep_their_own_zoom(frame):
    """Eg panels of one loss share limits only under the same Et bound: a tighter
    bound is a close-up (the paper's Figure 10) and keeps its narrower loss axis."""
    wide, tight = float(frame.Et.max()) + 1, float(frame.Et.quantile(0.5))
    spec = FigureSpec(10, "xor", 1.0, "eg_cloud", (
        Panel("sse", "micro", 1.0, wide), Panel("sse", "micro", 1.0, wide),
        Panel("sse", "micro", 1.0, tight)))
    fig = lg_cloud_figure({("sse", "micro"): frame}, spec)
    a, b, c = (sub.axes[0] for sub in fig.subfigs[:3])
    assert a.get_xlim() == b.get_xlim()
    assert a.get_xlim()[1] >= frame.Et.max() > c.get_xlim()[1]
