"""What each of the paper's 22 figures shows, as data (captions of Sections 4-6).

:mod:`lgc.plots` draws them; this module only describes them: which problem,
which samples in which panel order, square-root axes, and the Et bounds of the
Eg-coloured figures, with notes where we read the paper one way rather than
another (docs/departures.md#d12-three-captions-name-the-wrong-range among them).
How the panels are drawn beyond that (axes shared by the panels of one loss, a
loss axis cut short of a few far points, with their count on the pane, the
colours of Eg) is :mod:`lgc.plots`' choice, the same for every figure.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import display, range_label


@dataclass(frozen=True)
class Panel:
    """One panel of a paper figure: the sample it draws and how.

    ``et_max`` keeps only points with Et below it (Eg-coloured figures);
    ``log_color`` records that the paper coloured Eg on a logarithmic scale
    (lgc draws every Eg panel by deciles of Eg unless asked for the paper's scales:
    :func:`lgc.plots.lg_cloud_figure`'s ``colour_scale="paper"``).
    """

    loss: str
    granularity: str
    init_range: float
    et_max: float | None = None
    log_color: bool = False

    @property
    def label(self) -> str:
        """E.g. "SSE, micro, [-1, 1], Et < 0.05", as the paper's sub-captions read."""
        text = f"{self.loss.upper()}, {self.granularity}, {range_label(self.init_range)}"
        return text + (f", Et < {self.et_max:g}" if self.et_max is not None else "")


@dataclass(frozen=True)
class FigureSpec:
    """What one of the paper's figures shows.

    Attributes
    ----------
    number : int
    problem : str or None
        None for Figure 2, drawn from the simulated walk.
    init_range : float or None
        The walks' range r when every panel shares it, else None.
    kind : "cloud", "eg_cloud" or "method"
        l-g clouds coloured by curvature class, coloured by Eg, or Figure 2.
    panels : tuple of Panel
        In the paper's order (a), (b), ...
    sqrt_x : bool
        Square-root scale on the loss axis.
    caption : str
        What the figure shows, in our words.
    notes : str
        Where we read the paper one way rather than another.
    windows : tuple of int
        Window sizes of a "method" figure's panels.
    """

    number: int
    problem: str | None
    init_range: float | None
    kind: str
    panels: tuple = ()
    sqrt_x: bool = False
    caption: str = ""
    notes: str = ""
    windows: tuple = ()

    @property
    def title(self) -> str:
        return self.caption.split(";")[0].rstrip(".")

    @property
    def thresholds(self) -> tuple:
        """Each panel's Et bound (None where there is none)."""
        return tuple(p.et_max for p in self.panels)

    @property
    def filename(self) -> str:
        stem = f"fig{self.number:02d}"
        if self.kind == "method":
            return f"{stem}-stagnation-windows.png"
        r = f"-r{self.init_range:g}" if self.init_range is not None else ""
        what = {"cloud": "clouds", "eg_cloud": "eg-clouds"}.get(self.kind)
        if what is None:
            raise ValueError(f"unknown figure kind {self.kind!r}: choose one of "
                             f"('method', 'cloud', 'eg_cloud')")
        if self.number == 1:
            what = "example-cloud"
        return f"{stem}-{self.problem}{r}-{what}.png"


_BY_LOSS = (("sse", "micro"), ("ce", "micro"), ("sse", "macro"), ("ce", "macro"))
_BY_STEP = (("sse", "micro"), ("sse", "macro"), ("ce", "micro"), ("ce", "macro"))
_CAPTION_12 = ("The paper's caption says [-1, 1] but its panels are the [-10, 10] walks; "
               "we draw r = 10 (docs/departures.md#d12-three-captions-name-the-wrong-range).")


def _clouds(n, problem, r, order=_BY_LOSS, notes="", sqrt_x=False):
    name = display(problem)
    return FigureSpec(
        n, problem, r, "cloud", tuple(Panel(loss, g, r) for loss, g in order), sqrt_x,
        f"{name}, walks started in {range_label(r)}; SSE and CE losses, micro (1% of the "
        f"range width) and macro (10%) steps, one pane per curvature class.", notes)


def _eg(n, problem, panels, notes=""):
    ranges = {p.init_range for p in panels}
    name = display(problem)
    return FigureSpec(
        n, problem, ranges.pop() if len(ranges) == 1 else None, "eg_cloud", tuple(panels),
        False, f"{name}, low-loss points coloured by their test loss Eg; only points under "
        f"each panel's Et bound are drawn, to look at generalisation near the attractors.",
        notes)


_MNIST = ("The paper computed no Hessians for MNIST: each panel has one pane, "
          "curvature not computed.")

#: The paper's 22 figures, by number (captions and sub-captions of Sections 4-6).
FIGURES = {f.number: f for f in (
    FigureSpec(1, "xor", 1.0, "cloud", (Panel("sse", "micro", 1.0),), False,
               "An example l-g cloud for XOR; loss on the x-axis, gradient norm on the "
               "y-axis, one pane per curvature class.",
               "The paper does not say which XOR sample it shows; we draw SSE, micro, [-1, 1]."),
    FigureSpec(2, None, None, "method", (), False,
               "The stagnation estimate on a simulated walk with three plateaus at four window "
               "sizes; EWMA in green, moving std against its threshold, stagnant steps shaded.",
               "The paper does not name the windows of panels (a)-(d); we use 6, 8, 12 and 20 "
               "(too little smoothing, the best window of Table 1, more, too much).",
               windows=(6, 8, 12, 20)),
    _clouds(3, "xor", 1.0),
    _clouds(4, "xor", 10.0, sqrt_x=True, notes=(
        "Section 6.1 says the horizontal axis is in square-root scale (while discussing "
        "panels b and d); we use it for all four panels.")),
    _clouds(5, "iris", 1.0),
    _clouds(6, "iris", 10.0),
    _eg(7, "iris", [Panel("sse", "micro", 1.0, 0.05), Panel("ce", "micro", 1.0, 0.05),
                    Panel("sse", "micro", 10.0, 0.05), Panel("ce", "micro", 10.0, 0.05)]),
    _clouds(8, "diabetes", 1.0),
    _clouds(9, "diabetes", 10.0, notes=_CAPTION_12),
    _eg(10, "diabetes", [Panel("sse", "micro", 1.0, 0.2), Panel("ce", "micro", 1.0, 0.5),
                         Panel("sse", "micro", 10.0, 0.2), Panel("ce", "micro", 10.0, 1.0)],
        "The text calls it a close-up of the convex attractors: the Et bounds do the zooming."),
    _clouds(11, "glass", 1.0),
    _clouds(12, "glass", 10.0),
    _eg(13, "glass", [Panel("sse", "micro", 10.0, 0.2), Panel("ce", "micro", 10.0, 1.0)]),
    _clouds(14, "cancer", 1.0, _BY_STEP),
    _clouds(15, "cancer", 10.0, notes=_CAPTION_12),
    _eg(16, "cancer", [Panel("sse", "micro", 1.0, 0.05), Panel("ce", "micro", 1.0, 0.05, True),
                       Panel("sse", "micro", 10.0, 0.05), Panel("ce", "micro", 10.0, 0.1, True)],
        "Section 6.5: CE panels are coloured on a logarithmic scale, their Eg values "
        "spanning orders of magnitude. We colour all Eg figures by deciles of Eg, which "
        "orders skewed values as the log scale does (colour_scale='paper' draws the log "
        "scale)."),
    _clouds(17, "heart", 1.0, _BY_STEP),
    _clouds(18, "heart", 10.0, _BY_STEP, notes=_CAPTION_12),
    _eg(19, "heart", [Panel("sse", "micro", 1.0, 0.2), Panel("ce", "micro", 1.0, 0.5)]),
    _clouds(20, "mnist", 1.0, notes=_MNIST),
    _clouds(21, "mnist", 10.0, notes=_MNIST),
    _eg(22, "mnist", [Panel("sse", "macro", 10.0, 0.2), Panel("ce", "macro", 10.0, 0.25)],
        _MNIST),
)}


def figure_filename(n: int) -> str:
    """File name of the paper's figure ``n``.

    >>> figure_filename(3)
    'fig03-xor-r1-clouds.png'
    """
    if n not in FIGURES:
        raise KeyError(f"the paper has figures 1 to {max(FIGURES)}; got {n!r}")
    return FIGURES[n].filename
