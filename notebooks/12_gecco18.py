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
# # GECCO'18 reproduced: the progressive gradient walk beside random walks
#
# Bosman, Engelbrecht & Helbig introduced the progressive gradient walk that lgc uses in
# *Progressive gradient walk for neural network fitness landscape analysis* (GECCO '18
# Companion, doi 10.1145/3205651.3208247). They sampled XOR's 2-2-1 network under the mean
# squared error in the space [-10, 10]^9 with four samplers (the simple random walk, the
# progressive random walk, the progressive gradient walk kept in the space by reflection,
# and the same walk unbounded) at micro and macro steps, and compared them by where the
# walks go (Figures 1-3), what loss and accuracy they find (Figures 3-5) and by the
# ruggedness (FEM) and neutrality (M1, M2) of their losses (Table 2).
#
# This notebook runs that experiment with `lgc.gecco18`, draws the five figures, sets
# every number the paper prints beside ours and checks the paper's claims. A number of
# ours is the mean, over independent runs, of a run's statistic, with its standard
# deviation over runs; it *agrees* with the paper's when the two differ by at most a few
# run-to-run standard deviations (for Table 2, the larger of ours and the paper's; the
# number is printed below).
# Histograms show the first run. docs/fla.md defines the measures and their two variants.

# %% tags=["parameters"]
preset: str = "quick"  # tiny (seconds) | quick (a few minutes) | paper (30 runs x 100 walks)
seed: int = 0
results: str = "../results"  # unused: this study keeps its walks in memory
figures: str = "../figures"
workers: int = 2  # unused: the study runs in one process

# %%
from pathlib import Path

import pandas as pd

from lgc import fla_plots as FP
from lgc import gecco18 as G
from lgc.plots import save
from lgc.reproduce import Timer

pd.set_option("display.width", 160)
timer = Timer()
size = G.PRESETS[preset]
out = Path(figures)
out.mkdir(parents=True, exist_ok=True)
study = G.study(size.runs, size.walks, seed=seed, arithmetic="tensorflow")
comparison = G.compare(study)
print(f"preset {preset!r}: {size.runs} runs of {size.walks} walks per sampler and "
      f"granularity; steps {', '.join(f'{g} s = {v.step:g} for {v.points} points' for g, v in G.GRANULARITIES.items())}; "
      f"space [-{G.BOUND:g}, {G.BOUND:g}]^9; arithmetic: {study.arithmetic} "
      f"(TensorFlow's float32 and sigmoid gradient, emulated); agreement: {G.TOLERANCE_SPREADS:g} "
      f"run-to-run standard deviations")

# %% [markdown]
# ## Figure 1: the walks
#
# A few walks of each sampler, drawn in the plane of the first two weights. The random
# walk wanders around its start; the progressive random walk crosses the space and turns
# back at its edges; the gradient walks run downhill, the bounded one reflected at the
# edges, the unbounded one free to leave.

# %%
fig1 = FP.walk_traces_figure(study.first)
save(fig1, out / "gecco18-fig1.png")
fig1

# %% [markdown]
# ## Figure 2: search space coverage
#
# Histograms of every weight of every sampled point (run 1), ours beside the paper's mean
# and standard deviation of the same pool.

# %%
fig2 = FP.coverage_figure(study.first, comparison)
save(fig2, out / "gecco18-fig2.png")
fig2

# %%
print(G.side_by_side(comparison, "GECCO18-F2").to_string())
print(G.agreement(comparison, "GECCO18-F2"))

# %% [markdown]
# ## Figure 3: the unbounded gradient walk
#
# Without bounds the gradient walk is free to leave [-10, 10]^9: the histograms show how
# far its weights spread (left) and the loss it finds (right); the table gives the numbers.

# %%
fig3 = FP.unbounded_figure(study.first, comparison)
save(fig3, out / "gecco18-fig3.png")
fig3

# %%
print(G.side_by_side(comparison, "GECCO18-F3").to_string())
print(G.agreement(comparison, "GECCO18-F3"))

# %% [markdown]
# ## Figure 4: the loss of the sampled points

# %%
fig4 = FP.fitness_figure(study.first, comparison)
save(fig4, out / "gecco18-fig4.png")
fig4

# %%
print(G.side_by_side(comparison, "GECCO18-F4").to_string())
print(G.agreement(comparison, "GECCO18-F4"))

# %% [markdown]
# ## Figure 5: the accuracy of the sampled points
#
# XOR has four patterns, so a network's accuracy is one of 0, 0.25, 0.5, 0.75 and 1. The
# paper's shares come from the counts its authors published with their program.

# %%
fig5 = FP.accuracy_figure(study.first)
save(fig5, out / "gecco18-fig5.png")
fig5

# %%
print(G.side_by_side(comparison, "GECCO18-F5").to_string())
print(G.agreement(comparison, "GECCO18-F5"))

# %% [markdown]
# ## Table 2: ruggedness and neutrality
#
# FEM (micro and macro), M1 and M2 of each walk's loss, the mean over a run's walks,
# mean (std) over runs; each measure in both variants of `lgc.fla`: `published` (the
# measures as their papers define them) and `authors` (as the authors' program computes
# them; docs/fla.md lists the differences).

# %%
print(G.side_by_side(comparison, "GECCO18-2").to_string())
for variant in ("published", "authors"):
    print(G.agreement(comparison, "GECCO18-2", variant))
matched = G.matching_variant(comparison)
print(f"\nThe paper's Table 2 matches the {matched!r} variant.")

# %% [markdown]
# **Why the published definitions do not give the paper's numbers.** The authors' FEM adds
# five of the six kinds of symbol pairs (never "down then up"), rounds eps* up to a
# multiple of a power of ten and scans eps in twentieths of it; leaving out one kind of
# pair lowers the entropy of walks that turn from down to up. Their M1 and M2 look at the walk's fitness
# *differences*, scaled to [0, 1], and their M2 drops a neutral run that reaches the end
# of the walk, which the unbounded walks' final saturated plateau is. The rows above
# differ between the two variants by exactly these rules.
#
# ## What decides the neutrality numbers: the arithmetic
#
# The run above emulates the authors' arithmetic: the network evaluated in float32, each
# sigmoid differentiated as y (1 - y), which is exactly 0 once y rounds to 1. The same
# study in lgc's float64 arithmetic (same walks, same seeds) shows how much M1 and M2
# depend on it: in float32 the loss of a saturated network stops changing at all, and a
# zero gradient sends the bounded walk to the upper bound, where the loss is constant.

# %%
study64 = G.study(size.runs, size.walks, seed=seed, arithmetic="float64")
comparison64 = G.compare(study64)
both = comparison[(comparison.table == "GECCO18-2") & (comparison.variant == matched)]
both64 = comparison64[(comparison64.table == "GECCO18-2") & (comparison64.variant == matched)]
arith = both[["sampler", "granularity", "metric", "paper_mean"]].copy()
arith["float32 (TensorFlow)"] = both["ours_mean"].to_numpy()
arith["float64 (lgc)"] = both64["ours_mean"].to_numpy()
arith["float64 within"] = both64["within"].map({True: "yes", False: "NO"}).to_numpy()
print(arith.to_string(index=False))
print(G.agreement(comparison64, "GECCO18-2", matched).replace("GECCO18-2", "GECCO18-2 in float64"))
neutral = both.metric.isin(["m1", "m2"]).to_numpy()
n32, n64 = int(both["within"][neutral].sum()), int(both64["within"][neutral].sum())
fem32, fem64 = int(both["within"][~neutral].sum()), int(both64["within"][~neutral].sum())
print(f"\nM1 and M2: {n32} of {neutral.sum()} cells agree in float32, {n64} in float64; "
      f"FEM: {fem32} of {(~neutral).sum()} in float32, {fem64} in float64. "
      + ("The neutrality measures need the authors' arithmetic." if n64 < n32 else
         "At this size the arithmetic does not change how many neutrality cells agree."))

# %% [markdown]
# ## Does the paper's story hold here?
#
# The paper's claims about these walks, judged from this run (the measures in the variant
# that matches the paper).

# %%
for sentence in G.claims(study, comparison, variant=matched):
    print(sentence)

# %% [markdown]
# ## For the report
#
# The comparison goes to `gecco18.json` beside the figures; lgc's report reads it
# (tables GECCO18-2 and GECCO18-F2 to F5).

# %%
path = G.write_json(comparison, out / "gecco18.json", preset=preset, result=study)
print(f"wrote {path}")
print(f"notebook run time: {timer.seconds:.0f} s")
