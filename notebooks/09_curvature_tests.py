# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Which Hessian decides the curvature? The full one against the authors' blocks
#
# The paper's curvature classes (Section 4.2) come from the signs of the Hessian's
# eigenvalues. lgc's default classifies the **full Hessian** and calls an eigenvalue zero
# when |lambda| <= d eps ||H||_F. The authors' code (docs/departures.md, D3 and D4) classified the
# eigenvalues of the Hessian's **per-tensor diagonal blocks** (W1, b1, W2, b2) and called a
# point singular only on an exact float32 zero, which lgc emulates by a sigmoid unit stuck
# at exactly 0 or 1 in float32 on every training pattern.
#
# Each block can be positive definite while the whole Hessian is not: the blocks leave out
# the coupling between a hidden unit's incoming and outgoing weights. So the two tests can
# disagree at the same point, and a point the block test calls convex (a minimum when the
# gradient is zero) can be a saddle.
#
# This notebook classifies the *same points of the same walks* (the seeds of the section
# notebooks) by four tests: `full+tol` (lgc's default), `blocks+f32` (the authors'), and
# the two mixed ones, `full+f32` and `blocks+tol`, which change one thing at a time. It
# then shows what the full Hessian says where the blocks see a minimum, how far the
# singular points are from the tolerance, and how the classes move when the tolerance
# does. Everything is computed by `lgc.hessian_tests`; every number in the text below is
# printed from this run.

# %% tags=["parameters"]
preset: str = "quick"  # tiny | quick | overnight | paper (see lgc.presets)
seed: int = 0
results: str = "../results"
figures: str = "../figures"
workers: int = 2
points_per_walk: int = 0  # 0: 5 for the tiny preset, else 20

# %%
# %matplotlib inline
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown, display

from lgc import hessian_tests as ht
from lgc import plots
from lgc.problems import PROBLEMS
from lgc.reproduce import Timer, save_table

timer = Timer()
out = Path(figures)
out.mkdir(parents=True, exist_ok=True)


def show(fig, name):
    """Save a figure as figures/<name> and show the PNG written."""
    path = plots.save(fig, out / name)
    display(Image(filename=str(path)))


def pct(x):
    return f"{100 * x:.0f}%"


ppw = points_per_walk or (5 if preset == "tiny" else 20)
settings = ht.settings_for(preset, points_per_walk=ppw, seed=seed)
points, sweep = ht.compare_settings_cached(
    settings, Path(results) / preset / "hessian-tests", workers=workers)
stride = {s.granularity: s.stride for s in settings}
walks = {s.problem: s.walks for s in settings}
display(Markdown(
    f"**{len(settings)} settings, {len(points):,} points.** Preset `{preset}`: "
    f"{', '.join(f'{p} {w}' for p, w in walks.items())} walks per setting; every "
    f"{stride['micro']}th micro step and every {stride['macro']}th macro step is classified "
    f"(a subset of the steps the section notebooks classify, to keep this notebook fast)."))

# %% [markdown]
# ## How the classes are shared out, per test
#
# One row per setting and test; the columns are the share of the setting's points in each
# class. `tableC1-class-shares.csv` holds all four tests; the view below sets the two that
# matter side by side.

# %%
shares = ht.class_shares(points)
save_table(shares, "tableC1-class-shares", out)
main = shares[shares.test.isin([ht.DEFAULT_TEST, ht.AUTHORS_TEST])]
view = main.pivot_table(index=ht.KEY, columns="test", values=["convex", "saddle", "singular"],
                        sort=False).round(3)
view

# %%
pooled = ht.class_shares(points, by=["problem", "init_range"])
pooled["walks from"] = [f"[-{r:g}, {r:g}]" for r in pooled.init_range]
show(plots.class_share_bars(
    pooled, ["full+tol", "full+f32", "blocks+tol", "blocks+f32"], panel="walks from",
    title="Curvature classes of the same points under four tests (pooled over loss and step)"),
    "figC1-class-shares.png")


def convex_share(problem, test, r=1.0):
    row = pooled[(pooled.problem == problem) & (pooled.init_range == r) & (pooled.test == test)]
    return float(row.convex.iloc[0])


lines = [f"- {p}: {pct(convex_share(p, ht.DEFAULT_TEST))} convex by the full Hessian, "
         f"{pct(convex_share(p, ht.AUTHORS_TEST))} by the authors' blocks, "
         f"{pct(convex_share(p, 'blocks+tol'))} by the blocks with lgc's tolerance"
         for p in dict.fromkeys(points.problem)]
display(Markdown("**Convex points at r = 1** (pooled over both losses and step sizes):\n\n"
                 + "\n".join(lines)))

# %% [markdown]
# ## The same points, two tests: l-g clouds side by side
#
# For each problem, micro walks from [-1, 1] and from [-10, 10] (the two ranges whose
# curvature the paper draws): the left column classifies the points by the full Hessian,
# the right column by the authors' blocks. The points and their positions are the same,
# and so are the axes of one loss; only the pane (class) each point lands in differs.

# %%
for r in sorted(set(points.init_range)):
    for problem in dict.fromkeys(points.problem):
        show(plots.cloud_grid(ht.paired_cells(points, problem, r), title=(
            f"{problem}, walks from [-{r:g}, {r:g}]: the same walk points under the two tests")),
            f"figC2-{problem}-r{r:g}-full-vs-blocks.png")

# %% [markdown]
# ## Where the blocks see a minimum: what the full Hessian says
#
# At every point the authors' test calls convex: how many of them the full test calls a
# saddle, how many have a negative eigenvalue beyond the tolerance (`with_negative`), how
# many negative eigenvalues (`n_neg_*`), and how far the lowest eigenvalue is from zero,
# relative to the largest (`ratio_*` = lambda_min / lambda_max) and to ||H||_F
# (`min_rel_*`). `*_max` is the point closest to being convex.

# %%
ev = ht.block_convex_evidence(points, by=["problem", "init_range"])
save_table(ev, "tableC3-block-convex-evidence", out)
save_table(ht.block_convex_evidence(points), "tableC3-block-convex-evidence-by-setting", out)
ev

# %%
tolerance = {p: ht.default_rtol(PROBLEMS[p].dim) for p in PROBLEMS}
r1 = points[points.init_range == 1]
show(plots.negative_curvature_figure(r1, test=ht.AUTHORS_TEST, tolerance=tolerance, title=(
    "Points the authors' block test calls convex (r = 1): the full Hessian's lowest eigenvalue")),
    "figC3-block-convex-evidence.png")

beyond = points[points.problem != "xor"]
bc = beyond[beyond[ht.AUTHORS_TEST] == "convex"]
xor_bc = points[(points.problem == "xor") & (points[ht.AUTHORS_TEST] == "convex")]
text = [f"Beyond XOR (both ranges) the authors' test calls {len(bc):,} of {len(beyond):,} "
        f"points convex ({pct(len(bc) / len(beyond))})."]
if len(bc):
    neg = bc[bc.full_n_neg > 0]
    text.append(
        f"At {pct(len(neg) / len(bc))} of them the full Hessian has at least one negative "
        f"eigenvalue beyond the tolerance (median {bc.full_n_neg.median():.0f}, at most "
        f"{bc.full_n_neg.max()}), and the full test calls "
        f"{pct((bc[ht.DEFAULT_TEST] == 'saddle').mean())} of them saddles, "
        f"{pct((bc[ht.DEFAULT_TEST] == 'convex').mean())} convex and "
        f"{pct((bc[ht.DEFAULT_TEST] == 'singular').mean())} singular.")
    if len(neg):
        rel = neg.full_min_rel.abs()
        times = (rel / neg.problem.map(tolerance)).min()
        text.append(
            f"Where it is negative, lambda_min is a median {neg.full_ratio.median():.2g} times "
            f"lambda_max and {rel.median():.2g} times ||H||_F; at {pct((rel > 1e-6).mean())} of "
            f"these points |lambda_min| exceeds 1e-6 ||H||_F, beyond the rounding of float64 "
            f"and of float32 alike. The one nearest zero is {times:.3g} times lgc's zero "
            f"tolerance.")
if len(xor_bc):
    text.append(
        f"On XOR the block test calls {len(xor_bc):,} points convex, of which the full test "
        f"agrees at {pct((xor_bc[ht.DEFAULT_TEST] == 'convex').mean())}.")
display(Markdown(" ".join(text)))

# %% [markdown]
# ### Every point by both tests
#
# Rows: the full test; columns: the authors' test (all problems and settings together).

# %%
table = ht.crosstab(points)
save_table(table.reset_index().rename(columns={ht.DEFAULT_TEST: "full+tol \\ blocks+f32"}),
           "tableC6-crosstab", out)
table

# %% [markdown]
# ## Singular points: how much does the tolerance decide?
#
# A point is singular under the tolerance rule when its eigenvalue nearest zero has
# |lambda| <= rtol ||H||_F, so |lambda| / ||H||_F (`margin`) is the tolerance below which
# it would no longer be singular. The table gives, per problem and range, how many points
# the full test calls singular, how many are exact zeros, the median and largest margin
# against lgc's d eps, and what the authors' test calls them (`other_*`).

# %%
flips = ht.singular_flips(points, by=["problem", "init_range"])
save_table(flips, "tableC4-singular-flips", out)
flips

# %%
sing = points[points[ht.DEFAULT_TEST] == "singular"]
if len(sing):
    rtol_of = sing.problem.map(tolerance)
    deep = (sing.full_margin < 1e-3 * rtol_of).mean()
    edge = (sing.full_margin > 0.1 * rtol_of).mean()
    display(Markdown(
        f"The full test calls {len(sing):,} points ({pct(len(sing) / len(points))}) singular. "
        f"At {pct(deep)} of them the nearest-zero eigenvalue is more than 1000 times below "
        f"the tolerance (no tolerance a float64 computation can justify makes them regular); "
        f"at {pct(edge)} it lies within a factor 10 of it, where the tolerance decides. "
        f"{pct((sing.full_n_neg > 0).mean())} of them also have a negative eigenvalue beyond "
        f"the tolerance, so they are no minima whatever their zeros. The authors' test calls "
        f"{pct((sing[ht.AUTHORS_TEST] == 'singular').mean())} of them singular and "
        f"{pct((sing[ht.AUTHORS_TEST] == 'saddle').mean())} saddles."))
else:
    display(Markdown("The full test calls no point singular in this run."))

# %% [markdown]
# ## The tolerance swept
#
# Class shares against rtol (zero when |lambda| <= rtol ||H||_F, no dead-unit rule), for the
# full and the block Hessian, with eigenvalues of the float64 Hessian and of the Hessian
# rounded to float32 (and decomposed in float32). Dashed: lgc's d eps; dotted: float32's
# machine epsilon. `tableC5-tolerance-sweep.csv` also holds rtol = 0 (exact zeros only).

# %%
swept = ht.sweep_shares(sweep)
save_table(swept, "tableC5-tolerance-sweep", out)
eps32 = 2.0 ** -23
for r in (1.0, 10.0):
    show(plots.tolerance_sweep_figure(
        swept[swept.init_range == r], rows="problem", variants=ht.SWEEP_VARIANTS,
        marks={"d eps (lgc)": tolerance, "float32 eps": eps32},
        title=f"Class shares against the zero tolerance, walks from [-{r:g}, {r:g}]"),
        f"figC5-tolerance-sweep-r{r:g}.png")


def share_at(problem, r, matrix, precision, rtol, cls):
    """Share of class ``cls`` at the sweep's rtol nearest to ``rtol``."""
    here = swept[(swept.problem == problem) & (swept.init_range == r) & (swept.matrix == matrix)
                 & (swept.precision == precision)]
    nearest = here.rtol.iloc[(here.rtol - rtol).abs().argmin()]
    return float(here[(here.rtol == nearest) & (here.curvature == cls)].share.sum())


lines = []
for p in dict.fromkeys(points.problem):
    lo, hi = share_at(p, 1.0, "full", "float64", 1e-16, "convex"), share_at(
        p, 1.0, "full", "float64", 1e-4, "convex")
    blo = share_at(p, 1.0, "blocks", "float64", 1e-16, "convex")
    s32 = share_at(p, 1.0, "full", "float32", eps32, "singular")
    z32 = share_at(p, 1.0, "full", "float32", 0.0, "saddle")
    lines.append(f"- {p}, r = 1: full Hessian convex {pct(lo)} at rtol 1e-16 and {pct(hi)} at "
                 f"1e-4; blocks convex {pct(blo)} at 1e-16; the full Hessian in float32 is "
                 f"singular at {pct(s32)} of the points at rtol = float32 eps, and a saddle at "
                 f"{pct(z32)} with exact zeros only (rtol 0)")
display(Markdown("**Read off the sweep:**\n\n" + "\n".join(lines)))

# %% [markdown]
# ## The paper's curvature statements under both tests
#
# Each statement of the paper about curvature (numbered as in the project's list of the
# paper's claims) checked on these points under lgc's test and the authors'; `depends` says
# whether the verdict changes with the test. The measures use the classified subset of
# steps stated above.

# %%
claims = ht.curvature_claims(points)
save_table(claims, "tableC7-curvature-claims", out)
with pd.option_context("display.max_colwidth", 120):
    display(claims)
if len(claims):
    dep = claims[claims.depends]
    display(Markdown(
        f"{len(dep)} of {len(claims)} checked statements change verdict with the test: "
        + ", ".join(f"{c} ({'holds' if h else 'fails'} under the authors' test)"
                    for c, h in zip(dep.claim, dep[f"{ht.AUTHORS_TEST} holds"])) + "."))
print(f"notebook run time: {timer.seconds:.0f} s")
