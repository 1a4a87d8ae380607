"""A classroom explorer: change a setting, see the l-g cloud and the basins move.

Built on ipywidgets (install the ``notebooks`` extra). In a notebook::

    from lgc.explorer import explore
    explore()                      # XOR, SSE, [-1, 1], micro steps

Every change of problem, loss, range, granularity, walks, steps or seed runs a
*small* batch of progressive gradient walks (Section 4.1) with the curvature of
the full Hessian (none for MNIST, as in the paper) and redraws the l-g cloud
(Section 4.2) and a slice of the loss surface through the first walk's end point
with that walk's path projected on it (:mod:`lgc.slices`). Changing the window w
only redraws the stagnation picture of the first walk's training loss (Figure 2
style, Section 4.3) and the batch's mean nstag and lstag; the walks are kept.

To keep every answer within a few seconds the batch is capped: walks x steps x
(cost of one step for the problem's dimension) stays under ``budget``. Steps are
kept first (basins need long walks), walks are dropped first, down to ``min_walks``.
While a batch runs the controls are disabled and the status says so.

:data:`CLASSROOM` holds settings that answer within about 2 s on one laptop core
for every problem (macro walks, fewer steps, a cap that keeps several walks);
``explore(**CLASSROOM)`` or :func:`classroom` makes such an explorer, and
``app/classroom.py`` serves it as a Voila page.

Nothing here is needed by ``import lgc``, which does not import ipywidgets.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import time

import numpy as np

from . import fla
from .basins import WINDOWS, stagnation_table, stagnation_trace
from .experiment import default_hessian
from .plots import lg_cloud, stagnation_figure
from .problems import PROBLEMS, load_problem
from .slice_plot import slice_figure
from .slices import loss_slice, project, slice_coordinates, slice_directions
from .store import records_frame
from .vocabulary import INIT_RANGES, display, range_label
from .walks import WalkSettings, progressive_gradient_walk, step_size

__all__ = ["CLASSROOM", "WORK_BUDGET", "SLICE_POINTS", "SLICE_MARGIN", "SLICE_PATTERNS",
           "Explorer", "classroom", "explore", "capped_size", "step_work"]

log = logging.getLogger("lgc")

#: Work units per answer, about 3 s on one laptop core: one unit is ~0.1 us,
#: measured on XOR to Heart (one full-Hessian walk step costs ~ d^2 + 400 units).
WORK_BUDGET = 3e7
_RANGES = tuple((range_label(r), float(r)) for r in INIT_RANGES)

#: Classroom defaults: macro steps (a walk crosses the space in few steps), 8 walks
#: of 100 steps, two thirds of the budget, and at least 4 walks kept by the cap
#: (Cancer and Heart: 4 walks of ~45 steps rather than one long thin line).
CLASSROOM = {"granularity": "macro", "walks": 8, "steps": 100, "budget": 2e7,
             "min_walks": 4}

#: The loss slice: SLICE_POINTS x SLICE_POINTS grid points (odd: the walk's end is
#: the middle one), reaching SLICE_MARGIN times the path's farthest projected point
#: from that end; problems whose walks see mini-batches (MNIST) evaluate it on their
#: first SLICE_PATTERNS training patterns. Measured CPU time of one slice, 41 x 41:
#: 0.01 s (XOR) to 0.3 s (Heart, 736 patterns; MNIST, 200).
SLICE_POINTS = 41
SLICE_MARGIN = 1.25
SLICE_PATTERNS = 200


def step_work(dim: int, hessian: str) -> float:
    """Work units of one walk step: the Hessian's d^2 dominates, else the batch's d."""
    return dim * dim + 400.0 if hessian != "none" else dim / 2 + 400.0


def capped_size(walks: int, steps: int, dim: int, hessian: str,
                budget: float = WORK_BUDGET, min_walks: int = 1) -> tuple[int, int]:
    """(walks, steps) no larger than asked, with walks x steps x step_work <= budget.

    Walks are dropped before steps, but never below ``min_walks`` (or the walks
    asked, if fewer); then steps are shortened, never below the largest window
    (20) so the stagnation estimate still has a full window.

    >>> capped_size(50, 1000, 9, "full")
    (50, 1000)
    >>> capped_size(50, 1000, 321, "full")
    (1, 290)
    >>> capped_size(50, 1000, 321, "full", min_walks=4)
    (4, 72)
    """
    total = max(int(budget // step_work(dim, hessian)), 1)  # walk steps we can afford
    n = min(walks, max(total // steps, min_walks, 1))
    return n, min(steps, max(total // n, max(WINDOWS)))


@functools.lru_cache(maxsize=8)
def _problem(name: str):
    return load_problem(name)


def _png(fig, dpi: int = 90) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class Explorer:
    """Widgets for one small sample of walks, and what they last drew.

    Parameters are the widgets' starting values; ``budget`` caps the work per
    answer and ``min_walks`` the walks the cap may drop to (see
    :func:`capped_size`), ``max_points`` caps the points drawn.
    ``draw=False`` builds the figures but skips rendering them to the image
    widgets (most of an answer's time), for scripted or headless use.

    Attributes
    ----------
    problem, loss, init_range, granularity, walks, steps, window, seed : widgets
        Set ``.value`` to change a setting; the explorer redraws at once.
    box : ipywidgets.VBox
        The whole explorer; an Explorer also displays itself in a notebook.
    result : dict
        Records of the last batch (:func:`lgc.walks.progressive_gradient_walk`).
    frame : pandas.DataFrame
        The same records as a results frame.
    size : (int, int)
        Walks and steps actually run (after the cap).
    cloud : lgc.plots.Cloud
        The last l-g cloud, with its per-pane counts.
    figure, stagnation_fig, slice_fig : matplotlib.figure.Figure
        The last l-g cloud figure, stagnation figure and loss-slice figure.
    trace : lgc.basins.StagnationTrace or None
        The first walk's stagnation estimate at the chosen window.
    basins : lgc.basins.Basins or None
        Per-walk nstag and lstag of the batch's training losses at the chosen
        window (walks with a non-finite loss left out); None when no walk has
        a full window.
    path : numpy.ndarray (steps, d)
        The first walk's weight vectors, step by step.
    slice : dict or None
        The first walk's loss slice: "coords" (n,), "grid" (n, n) training
        losses, "path_xy" (steps, 2) the path's projection, "d1", "d2" the
        directions, "extent", "patterns" (None: all training patterns) and
        "seconds" (time to compute the grid). None if it could not be made.
    runs : int
        How many batches of walks have been run (a window change runs none).
    controls : list of widgets
        The setting widgets, disabled while a batch runs or a picture is redrawn.
    classes : ipywidgets.HTML
        Beside the cloud: each curvature class's points and share of all points.
    error : str or None
        Why the last update failed, if it did.
    """

    def __init__(self, problem: str = "xor", loss: str = "sse", init_range: float = 1.0,
                 granularity: str = "micro", walks: int = 10, steps: int = 1000,
                 window: int = 8, seed: int = 0, budget: float = WORK_BUDGET,
                 max_points: int = 50_000, draw: bool = True, min_walks: int = 1):
        try:
            import ipywidgets as widgets
        except ImportError as err:
            raise ImportError("the explorer needs ipywidgets: pip install 'lgc[notebooks]'"
                              ) from err
        self.budget, self.max_points, self.draw = budget, max_points, draw
        self.min_walks = min_walks
        self.result = self.frame = self.cloud = self.figure = None
        self.stagnation_fig = self.trace = self.error = None
        self.slice = self.slice_fig = self.basins = self.path = None
        self.size, self.runs, self.seconds = (0, 0), 0, 0.0
        wide = {"description_width": "80px"}
        self.problem = widgets.Dropdown(options=list(PROBLEMS), value=problem,
                                        description="problem", style=wide)
        self.loss = widgets.ToggleButtons(options=[("SSE", "sse"), ("CE", "ce")], value=loss,
                                          description="loss", style=wide)
        self.init_range = widgets.ToggleButtons(options=_RANGES, value=float(init_range),
                                                description="range", style=wide)
        self.granularity = widgets.ToggleButtons(options=["micro", "macro"], value=granularity,
                                                 description="steps of", style=wide)
        # a batch runs when a slider is let go, not at every value it passes
        once = {"style": wide, "continuous_update": False}
        self.walks = widgets.IntSlider(walks, min=1, max=50, description="walks", **once)
        self.steps = widgets.IntSlider(steps, min=10, max=1000, step=10, description="steps",
                                       **once)
        self.window = widgets.IntSlider(window, min=min(WINDOWS), max=max(WINDOWS), step=2,
                                        description="window w", **once)
        self.seed = widgets.BoundedIntText(seed, min=0, max=2**31 - 1, description="seed",
                                           style=wide)
        self.status = widgets.HTML()
        self.classes = widgets.HTML(layout={"min_width": "170px", "margin": "0 0 0 8px"})
        # shown at the pixel size drawn (never stretched), shrunk only to fit
        natural = {"width": "auto", "max_width": "100%", "height": "auto",
                   "align_self": "flex-start"}  # a flex column would stretch it
        self.cloud_image = widgets.Image(format="png", layout=natural)
        self.stagnation_image = widgets.Image(format="png", layout=natural)
        self.slice_image = widgets.Image(format="png", layout=natural)
        self.controls = controls = [self.problem, self.loss, self.init_range,
                                    self.granularity, self.walks, self.steps, self.seed,
                                    self.window]
        self.box = widgets.VBox([widgets.HBox([widgets.VBox(controls[:4]),
                                               widgets.VBox(controls[4:])]),
                                 self.status,
                                 widgets.HBox([self.cloud_image, self.classes]),
                                 # side by side where the page is wide enough
                                 widgets.HBox([self.stagnation_image, self.slice_image],
                                              layout={"flex_flow": "row wrap"})])
        # CSS classes name the parts for a page's styles and for browser tests
        for widget, name in ((self.problem, "problem"), (self.loss, "loss"),
                             (self.init_range, "range"), (self.granularity, "granularity"),
                             (self.walks, "walks"), (self.steps, "steps"), (self.seed, "seed"),
                             (self.window, "window"), (self.status, "status"),
                             (self.classes, "classes"), (self.cloud_image, "cloud"),
                             (self.stagnation_image, "stagnation"),
                             (self.slice_image, "slice"), (self.box, "explorer")):
            widget.add_class(f"lgc-{name}")
        for widget in controls:
            widget.observe(self._changed, names="value")
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)

    def _changed(self, change) -> None:
        if change["owner"] is self.window:
            with self._busy():
                self._draw_stagnation()
            self._report()
        else:
            self.update()

    @contextlib.contextmanager
    def _busy(self):
        """Disable the controls while work runs, and enable them again however it ends."""
        for widget in self.controls:
            widget.disabled = True
        try:
            yield
        finally:
            for widget in self.controls:
                widget.disabled = False

    def settings(self):
        """The problem and WalkSettings the widgets ask for, after the cap."""
        problem = _problem(self.problem.value)
        hessian = default_hessian(problem.name)
        walks, steps = capped_size(self.walks.value, self.steps.value, problem.dim, hessian,
                                   self.budget, self.min_walks)
        r = float(self.init_range.value)
        settings = WalkSettings(kind=self.loss.value, init_range=r,
                                eps=step_size(self.granularity.value, r), steps=steps,
                                hessian=hessian)
        return problem, settings, walks

    def update(self) -> None:
        """Run the walks the widgets ask for and redraw all three pictures.

        The status says at once that work started (the widget message goes out
        before the walks run); on failure the pictures are cleared, so no old
        picture stands under the new choice.
        """
        try:
            with self._busy():
                self._run()
            self.error = None
        except (OSError, ValueError) as err:  # missing data files, bad settings
            log.warning("explorer: %s", err)
            self.error = f"{type(err).__name__}: {err}"
            self.cloud_image.value = self.stagnation_image.value = b""
            self.slice_image.value = b""
            self.classes.value = ""
            # a new window must not redraw the last batch's pictures under this choice
            self.result = self.slice = self.slice_fig = self.basins = self.trace = None
        self._report()

    def _run(self) -> None:
        problem, settings, walks = self.settings()
        self.status.value = (f"<i>&#8987; Running {walks} walks x {settings.steps} steps on "
                             f"{problem.name}... (controls are off until it is done)</i>")
        start = time.perf_counter()
        result = progressive_gradient_walk(problem, settings, range(walks),
                                           seed=int(self.seed.value), weights_stride=1)
        self.path = result.pop("weights")[0]  # the first walk's, for its slice
        self.result = result
        self.seconds = time.perf_counter() - start
        self.runs += 1
        self.size = (walks, settings.steps)
        self.frame = records_frame(self.result, range(walks))
        self._draw_cloud(problem, settings)
        self._draw_stagnation()
        self._draw_slice(problem, settings)

    def _draw_cloud(self, problem, settings) -> None:
        name = display(problem.name)
        title = (f"{name}, {settings.kind.upper()}, {self.granularity.value}, "
                 f"[-{settings.init_range:g}, {settings.init_range:g}]: "
                 f"{self.size[0]} walks x {self.size[1]} steps")
        self.cloud = lg_cloud(self.frame, loss="Et", max_points=self.max_points, ncols=4,
                              title=title)
        self.figure = self.cloud.axes[0].figure
        self.figure.set_size_inches(max(2.8 * len(self.cloud.axes) + 0.6, 6.0), 3.2)
        if self.draw:
            self.cloud_image.value = _png(self.figure)

    def shares(self) -> dict:
        """Each curvature class's share of the last cloud's points (0 to 1)."""
        if self.cloud is None:
            return {}
        total = sum(self.cloud.counts.values())
        return {k: (v / total if total else 0.0) for k, v in self.cloud.counts.items()}

    def _class_table(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td align='right'>{v:,}</td>"
                       f"<td align='right'>{share:.0%}</td></tr>"
                       for (k, v), share in zip(self.cloud.counts.items(),
                                                self.shares().values()))
        table = ("<b>Curvature classes</b><table><tr><th align='left'>class</th>"
                 f"<th>points</th><th>share</th></tr>{rows}</table>")
        means, measures = self.basin_means(), self.landscape_measures()
        if means:
            table += (f"<br><b>Basins</b> at w = {int(self.window.value)}<br>"
                      f"mean over {means['walks']} walks:<table>"
                      f"<tr><td>nstag</td><td align='right'>{means['nstag']:.2f}</td></tr>"
                      f"<tr><td>lstag</td><td align='right'>{means['lstag']:.2f}</td></tr>"
                      "</table>")
        if measures:
            rows = "".join(f"<tr><td>{name}</td><td align='right'>{value:.3f}</td></tr>"
                           for name, value in measures.items() if name != "walks")
            table += (f"<br><b>Landscape</b> (docs/fla.md)<br>mean over {measures['walks']} "
                      f"walks:<table>{rows}</table>")
        return table

    def _draw_stagnation(self) -> None:
        """Figure 2 for the first walk's Et at the chosen window, and the batch's
        nstag and lstag there (no walks run)."""
        if self.result is None:
            return
        w, et = int(self.window.value), self.result["Et"][0]
        self.trace = self.stagnation_fig = None
        self.basins = self._batch_basins(w)
        self.classes.value = self._class_table()
        if et.size < w:
            self.stagnation_image.value = b""
            return
        try:
            self.trace = stagnation_trace(et, w)
        except ValueError as err:  # a diverged walk (non-finite loss)
            log.warning("explorer: %s", err)
            self.stagnation_image.value = b""
            return
        self.stagnation_fig = stagnation_figure(et, windows=(w,),
                                                title="first walk's training loss Et")
        self.stagnation_fig.set_size_inches(7, 3.6)
        if self.draw:
            self.stagnation_image.value = _png(self.stagnation_fig)

    def _batch_basins(self, w: int):
        """Per-walk nstag, lstag of every walk's Et with a full window and finite
        losses, at window w alone (lgc.basins.stagnation_table); None if none."""
        et = self.result["Et"]
        finite = et[np.isfinite(et).all(axis=1)]
        if et.shape[1] < w or not len(finite):
            return None
        return stagnation_table(finite, windows=(w,))

    def basin_means(self) -> dict:
        """Mean nstag and lstag over the batch's walks at the chosen window
        (as :func:`lgc.basins.basin_summary`'s means, Section 4.3), and the walks
        counted; empty when there is no estimate."""
        if self.basins is None:
            return {}
        return {"nstag": float(np.mean(self.basins.nstag)),
                "lstag": float(np.mean(self.basins.lstag)),
                "walks": int(len(self.basins.nstag))}

    def landscape_measures(self) -> dict:
        """Mean ruggedness (FEM) and neutrality (M1, M2) of the batch's training
        losses over walks with finite losses, by their published definitions
        (lgc.fla; FEM_0.01 for micro walks, FEM_0.1 for macro), and the walks
        counted; empty when no walk has three points."""
        et = self.result["Et"] if self.result is not None else np.empty((0, 0))
        finite = et[np.isfinite(et).all(axis=1)]
        if not len(finite) or finite.shape[1] < 3:
            return {}
        fem = "FEM_0.01" if self.granularity.value == "micro" else "FEM_0.1"
        return {fem: float(np.mean(fla.per_walk(fla.fem, finite))),
                "M1": float(np.mean(fla.per_walk(fla.m1, finite))),
                "M2": float(np.mean(fla.per_walk(fla.m2, finite))),
                "walks": int(len(finite))}

    def _draw_slice(self, problem, settings) -> None:
        """The training loss on a plane through the first walk's end point, spanned by
        its displacement and a random orthogonal direction (seeded by the seed), with
        its path projected on it (lgc.slices)."""
        self.slice = self.slice_fig = None
        self.slice_image.value = b""
        path = self.path
        if not np.isfinite(path).all():
            log.warning("explorer: the first walk's weights are not finite: no slice")
            return
        start = time.perf_counter()
        d1, d2 = slice_directions(path, np.random.default_rng(int(self.seed.value)))
        centre = path[-1]
        path_xy = project(path, centre, d1, d2)
        # the whole path on the grid with a margin; a walk that never moved gets
        # a square as wide as its initial range
        reach = float(np.abs(path_xy).max())
        extent = SLICE_MARGIN * reach if reach > 0 else settings.init_range
        patterns = SLICE_PATTERNS if problem.batch_size else None
        grid = loss_slice(problem, settings.kind, centre, d1, d2, extent, SLICE_POINTS,
                          patterns=patterns)
        self.slice = {"coords": slice_coordinates(extent, SLICE_POINTS), "grid": grid,
                      "path_xy": path_xy, "d1": d1, "d2": d2, "extent": extent,
                      "patterns": patterns, "seconds": time.perf_counter() - start}
        on = (f"its first {patterns} training patterns" if patterns else "the training set")
        self.slice_fig = slice_figure(
            self.slice["coords"], grid, path_xy,
            title=(f"first walk's {settings.kind.upper()} loss on a plane through its end\n"
                   f"({on}; {SLICE_POINTS} x {SLICE_POINTS} points; "
                   f"|end - start| = {float(np.linalg.norm(centre - path[0])):.3g})"))
        if self.draw:
            self.slice_image.value = _png(self.slice_fig)

    def _report(self) -> None:
        """One line of what was run and found, in the status widget."""
        if self.error:
            self.status.value = f"<b>Could not run:</b> {self.error}"
            return
        walks, steps = self.size
        capped = (walks, steps) != (self.walks.value, self.steps.value)
        text = (f"{walks} walks x {steps} steps in {self.seconds:.1f} s"
                + (" (capped to keep the answer quick)" if capped else ""))
        counts = ", ".join(f"{k} {v} ({share:.0%})" for (k, v), share
                           in zip(self.cloud.counts.items(), self.shares().values()))
        text += f"; points: {counts}"
        w = int(self.window.value)
        means = self.basin_means()
        if means:
            text += (f"; batch at w = {w} (mean of {means['walks']} walks): "
                     f"nstag = {means['nstag']:.2f}, lstag = {means['lstag']:.2f}")
        if self.trace is None:
            text += f"; no stagnation estimate at w = {w} (walk too short or not finite)"
        else:
            text += (f"; first walk at w = {w}: nstag = {self.trace.nstag}, "
                     f"lstag = {self.trace.lstag:.2f}")
        self.status.value = text


def explore(**kwargs) -> Explorer:
    """Make an :class:`Explorer` (it displays itself as the last line of a cell)."""
    return Explorer(**kwargs)


def classroom(**kwargs) -> Explorer:
    """An :class:`Explorer` with the :data:`CLASSROOM` defaults (``kwargs`` override them)."""
    return Explorer(**{**CLASSROOM, **kwargs})
