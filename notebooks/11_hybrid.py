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
# # Beyond the paper: a hybrid of SSE and CE
#
# The paper's conclusion suggests that "a hybrid of SSE and CE may produce a landscape
# that combines the searchability of CE with the robustness of SSE". Here walks descend
# the hybrid loss alpha SSE + (1 - alpha) CE for alpha in {0, 0.25, 0.5, 0.75, 1}
# (alpha = 0 is CE, alpha = 1 is SSE), and a schedule that descends SSE for the first
# half of each walk and CE from then on, on Iris, Glass and Cancer, both initialisation
# ranges, micro walks, over several train/test splits. Every walk records both losses at
# every point (Et_sse, Et_ce, Eg_sse, Eg_ce), so all settings are compared in the same
# currencies.
#
# * **Searchability**: fewer stationary attractors (nstag of the loss descended, mean over
#   walks, lgc.basins) and stronger gradients (median gradient norm of the loss descended).
# * **Robustness**: a smaller gap between training and test error at the end of the walk,
#   Eg - Et in SSE terms, in CE terms, and Ct - Cg in accuracy.
#
# Curvature is not needed for these questions, so the walks compute no Hessian.
# Samples go to `results/<preset>/hybrid/`, figures and tables to `figures/`.

# %% tags=["parameters"]
preset: str = "quick"  # tiny | quick | overnight | paper (see lgc.presets)
seed: int = 0
results: str = "../results"
figures: str = "../figures"
workers: int = 2

# %%
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lgc import load_problem
from lgc.basins import basin_summary
from lgc.experiment import SampleConfig, run_samples
from lgc.plots import Figure, save
from lgc.presets import get_preset
from lgc.report import walk_matrices
from lgc.vocabulary import INIT_RANGES, display, range_label

start = time.perf_counter()
P = get_preset(preset)
PROBLEMS = ("iris", "glass", "cancer")
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
steps = 100 if preset == "tiny" else None  # tiny: CI's smoke run
STEPS = steps or 1000  # micro walks
SWITCH = STEPS // 2
SETTINGS = [f"alpha={a:g}" for a in ALPHAS] + [f"SSE then CE at {SWITCH}"]
out = Path(results) / preset / "hybrid"
fig_dir = Path(figures)
fig_dir.mkdir(parents=True, exist_ok=True)


def config(problem, setting, r, split):
    """The sample of one loss setting: the hybrid with its alpha, or the switch."""
    if setting.startswith("alpha"):
        options = dict(loss="hybrid", alpha=ALPHAS[SETTINGS.index(setting)])
    else:
        options = dict(loss="sse", switch_step=SWITCH)
    return SampleConfig(problem=problem, init_range=r, granularity="micro", steps=steps,
                        walks=P.walks(load_problem(problem).dim), seed=seed,
                        split_seed=split, hessian="none", **options)


keys = [(p, s, r, split) for p in PROBLEMS for s in SETTINGS for r in INIT_RANGES
        for split in P.split_seeds]
configs = [config(*k) for k in keys]
samples = run_samples(configs, out, workers=workers, progress=False)
frames = dict(zip(keys, (s.frame() for s in samples)))
print(f"{len(samples)} samples in {out}: {len(PROBLEMS)} problems x {len(SETTINGS)} losses x "
      f"{len(INIT_RANGES)} ranges x {len(P.split_seeds)} splits, {STEPS} steps")

# %% [markdown]
# ## One row per sample, then mean (std over splits)
#
# nstag and lstag of Et, the loss descended (for the switch, whose Et jumps from the
# SSE to the CE scale at the switch step, of Et_ce, the continuous record of the loss
# it ends on), the median gradient norm, and at the last step the gaps Eg - Et in SSE
# and in CE terms and Ct - Cg.

# %%
rows = []
for (p, s, r, split), f in frames.items():
    m = walk_matrices(f, ("Et", "Ct", "Cg", "Et_sse", "Et_ce", "Eg_sse", "Eg_ce"))
    b = basin_summary(m["Et_ce" if s.startswith("SSE then") else "Et"])
    rows.append({"problem": p, "loss": s, "range": r, "split": split,
                 "nstag": b["nstag"][0], "lstag": b["lstag"][0],
                 "grad_median": f["grad_norm"].median(),
                 "gap_sse": (m["Eg_sse"] - m["Et_sse"])[:, -1].mean(),
                 "gap_ce": (m["Eg_ce"] - m["Et_ce"])[:, -1].mean(),
                 "gap_acc": (m["Ct"] - m["Cg"])[:, -1].mean(),
                 "Cg_last": m["Cg"][:, -1].mean(),
                 "Et_sse_last": m["Et_sse"][:, -1].mean(),
                 "Et_ce_last": m["Et_ce"][:, -1].mean()})
per_sample = pd.DataFrame(rows)
METRICS = ["nstag", "lstag", "grad_median", "gap_sse", "gap_ce", "gap_acc", "Cg_last"]
summary = per_sample.groupby(["problem", "range", "loss"])[METRICS].agg(["mean", "std"])
per_sample.to_csv(fig_dir / "table_hybrid_samples.csv", index=False)
summary.to_csv(fig_dir / "table_hybrid.csv")
pd.options.display.float_format = "{:.3g}".format
summary.reindex(SETTINGS, level="loss")


# %%
def panels(metric, label):
    """One panel per problem and range: the metric against the loss setting, mean and
    std over splits."""
    fig = Figure(figsize=(4.2 * len(PROBLEMS), 6.4), layout="constrained")
    axes = fig.subplots(len(INIT_RANGES), len(PROBLEMS), squeeze=False)
    x = np.arange(len(SETTINGS))
    for i, r in enumerate(INIT_RANGES):
        for j, p in enumerate(PROBLEMS):
            ax = axes[i, j]
            s = summary.loc[(p, r)].loc[SETTINGS][metric]
            ax.errorbar(x, s["mean"], yerr=s["std"].fillna(0), fmt="o-", capsize=3)
            ax.set_xticks(x, [t.replace(" then ", "\nthen ") for t in SETTINGS],
                          fontsize=7, rotation=30)
            ax.set_title(f"{display(p)}, {range_label(r)}", fontsize=9)
            ax.set_ylabel(label, fontsize=8)
    fig.suptitle(f"{label}: mean and std over {len(P.split_seeds)} train/test splits",
                 fontsize=10)
    save(fig, fig_dir / f"hybrid_{metric}.png")
    return fig


# %%
panels("nstag", "nstag of Et (stationary attractors)")

# %%
panels("grad_median", "median gradient norm")

# %%
panels("gap_ce", "Eg - Et in CE terms, last step")

# %%
panels("gap_sse", "Eg - Et in SSE terms, last step")

# %% [markdown]
# What the four figures show, computed: whether the median gradient norm falls
# steadily from CE (alpha = 0) to SSE (alpha = 1), where the switch's nstag and gradient
# sit, and whether the differences in the two gaps between loss settings exceed the
# spread over splits.

# %%
for p in PROBLEMS:
    for r in INIT_RANGES:
        s = summary.loc[(p, r)].loc[SETTINGS]
        g = s[("grad_median", "mean")].to_numpy()[:len(ALPHAS)]
        falls = bool(np.all(np.diff(g) < 0))
        words = [f"{display(p)} {range_label(r)}: median |g| "
                 f"{'falls at every step' if falls else 'does not fall steadily'} from "
                 f"CE {g[0]:.3g} to SSE {g[-1]:.3g} (switch {s[('grad_median', 'mean')].iloc[-1]:.3g}); "
                 f"nstag from {s[('nstag', 'mean')].min():.2f} to {s[('nstag', 'mean')].max():.2f}"]
        for gap in ("gap_sse", "gap_ce"):
            spread = s[(gap, "mean")].max() - s[(gap, "mean")].min()
            noise = s[(gap, "std")].mean()
            words.append(f"{gap} differs by {spread:.3g} between settings, "
                         f"{'less' if spread < noise else 'more'} than its split std {noise:.3g}")
        print("; ".join(words))

# %% [markdown]
# ## Does the hybrid combine CE's searchability with SSE's robustness?
#
# Per problem and range, CE is alpha = 0 and SSE alpha = 1. The hybrid "combines" them
# when some alpha strictly between 0 and 1 (or the switch) has
# (a) nstag no higher than CE's plus one split-std of CE's,
# (b) a median gradient norm at least CE's minus one split-std, and
# (c) a CE-measured gap Eg - Et no larger than SSE's plus one split-std of SSE's.
# First the premise: is CE more searchable and SSE more robust here at all?

# %%
lines, verdicts = [], []
for p in PROBLEMS:
    for r in INIT_RANGES:
        s = summary.loc[(p, r)]
        ce, sse = s.loc["alpha=0"], s.loc["alpha=1"]
        premise = (ce[("nstag", "mean")] <= sse[("nstag", "mean")],
                   ce[("grad_median", "mean")] >= sse[("grad_median", "mean")],
                   sse[("gap_ce", "mean")] <= ce[("gap_ce", "mean")])
        both = []
        for name in [t for t in SETTINGS if t not in ("alpha=0", "alpha=1")]:
            h = s.loc[name]
            ok = (h[("nstag", "mean")] <= ce[("nstag", "mean")] + np.nan_to_num(ce[("nstag", "std")]),
                  h[("grad_median", "mean")] >= ce[("grad_median", "mean")]
                  - np.nan_to_num(ce[("grad_median", "std")]),
                  h[("gap_ce", "mean")] <= sse[("gap_ce", "mean")]
                  + np.nan_to_num(sse[("gap_ce", "std")]))
            if all(ok):
                both.append(name)
        verdicts.append({"problem": display(p), "range": range_label(r),
                         "CE fewer attractors": premise[0], "CE stronger gradients": premise[1],
                         "SSE smaller gap": premise[2],
                         "hybrids that combine both": ", ".join(both) or "none"})
        fmt = lambda row, m: f"{row[(m, 'mean')]:.3g} ({row[(m, 'std')]:.2g})"  # noqa: E731
        lines.append(f"{display(p)} {range_label(r)}: nstag CE {fmt(ce, 'nstag')}, "
                     f"SSE {fmt(sse, 'nstag')}; median |g| CE {fmt(ce, 'grad_median')}, "
                     f"SSE {fmt(sse, 'grad_median')}; CE gap CE {fmt(ce, 'gap_ce')}, "
                     f"SSE {fmt(sse, 'gap_ce')}; combining: {', '.join(both) or 'none'}")
verdicts = pd.DataFrame(verdicts)
verdicts.to_csv(fig_dir / "table_hybrid_verdicts.csv", index=False)
print("\n".join(lines))
print()
print(verdicts.to_string(index=False))

# %%
n = len(verdicts)
premise = verdicts[["CE fewer attractors", "CE stronger gradients", "SSE smaller gap"]]
print(f"premise per setting (of {n}): CE fewer attractors {premise.iloc[:, 0].sum()}, "
      f"CE stronger gradients {premise.iloc[:, 1].sum()}, SSE smaller CE-gap "
      f"{premise.iloc[:, 2].sum()}")
combined = (verdicts["hybrids that combine both"] != "none").sum()
print(f"a hybrid or the switch combines both in {combined} of {n} (problem, range) settings")
print(f"notebook run time: {time.perf_counter() - start:.0f} s (preset {preset!r})")
