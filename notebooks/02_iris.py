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
# # Section 6.2: Iris
#
# Iris (4-4-3, d = 35). The paper sees one attractor of zero gradient near the global minimum for [-1, 1] walks, more stationary points (including flat, singular ones) for [-10, 10], and better generalisation near the minimum for SSE than CE (Figures 5-7, Table 4, Table B.10).
#
# This notebook runs (or reuses, from `results/<preset>/`) every sample this section needs,
# draws the section's figures into `figures/` and writes its tables beside the paper's.

# %% tags=["parameters"]
preset: str = "quick"  # tiny | quick | overnight | paper (see lgc.presets)
seed: int = 0
results: str = "../results"
figures: str = "../figures"
workers: int = 2

# %%
from lgc import reproduce as R

timer = R.Timer()
samples, table = R.section("iris", preset, results, figures, seed=seed,
                           workers=workers)
R.basins_table(table)

# %% [markdown]
# The standard landscape measures of the same walks, beside the clouds below
# (`lgc.landscape`, docs/fla.md): FEM (ruggedness) and M1, M2 (neutrality) of each main-split
# sample's training loss, mean (std) over its walks, as the authors' code computes them.

# %%
from lgc import landscape as L

L.companions(samples)

# %% [markdown]
# Accuracies at the last step (Appendix B; the paper's title says errors, its numbers are
# accuracies). Test-side cells are compared with our spread over split seeds.

# %%
R.accuracy_table(table)

# %%
R.draw_figure(5, samples, figures)

# %%
R.draw_figure(6, samples, figures)

# %%
R.draw_figure(7, samples, figures)

# %% [markdown]
# **Looking at Figures 5-7 beside the paper.** Matches: at [-1, 1] one attractor of zero
# gradient near the global minimum, reached through saddle points, with a few flat
# (singular) points at the bottom, as Section 6.2 says; [-10, 10] walks add many singular
# points and a more scattered cloud. How the two losses generalise near the minimum
# (Figure 7, Table B.10) is judged from the run in claims 37-40 below, and the convex
# share near the minimum in claim 30.

# %% [markdown]
# ## Does the paper's story hold here?
#
# One row per claim of this section (numbered as in the paper's claims list), each judged
# from this run's samples by `lgc.claims` (full Hessian test; the report adds the authors'
# test for the curvature claims): holds, holds in part, fails or cannot be judged, with the
# numbers behind it. 

# %%
from lgc import claims as C

C.show(C.section_claims("iris", samples))

# %%
print(f"section run time: {timer.seconds:.0f} s")
