"""Specifications of lgc.claims: the registry, the judges' answers on hand-made data,
and the claims.json written for the report."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lgc import claims as C


def test_registry_holds_each_of_the_95_numbers_once():
    numbers = [c.number for c in C.CLAIMS]
    assert sorted(numbers) == list(range(1, 96))
    assert len(set(numbers)) == len(numbers) == 95


def test_each_claim_has_a_known_section_and_its_own_words():
    for c in C.CLAIMS:
        assert c.section in C.SECTIONS
        assert c.text and len(c.text) < 100
    # claims list numbers sections as in the paper: spot checks
    assert C.BY_NUMBER[3].section == "general"
    assert C.BY_NUMBER[39].section == "iris"
    assert C.BY_NUMBER[95].section == "conclusions"


def test_every_judge_returns_one_of_the_four_verdicts_on_an_empty_run():
    verdicts = C.judge_all(C.Run())
    assert len(verdicts) == 95
    for v in verdicts:
        assert v.verdict in C.VERDICTS
        assert isinstance(v.evidence, str) and v.evidence
    # with nothing run, a judge that needs data says so rather than guessing
    assert C.judge(C.BY_NUMBER[39], C.Run()).verdict == C.CANNOT
    assert "not computed" in C.judge(C.BY_NUMBER[39], C.Run()).evidence


def _splits(problem, cg_sse, cg_ce, ct=1.0, seeds=(0, 1, 2)):
    """Hand-made summary rows: Ct and Cg for every setting and split seed;
    ``cg_sse``/``cg_ce`` are lists, one test accuracy per split seed."""
    rows = []
    for seed_i, seed in enumerate(seeds):
        for r in (1, 10):
            for g in ("micro", "macro"):
                for loss, cg in (("sse", cg_sse), ("ce", cg_ce)):
                    for sample, value in (("Ct", ct), ("Cg", cg[seed_i])):
                        rows.append(dict(problem=problem, loss=loss, init_range=r,
                                         granularity=g, sample=sample,
                                         metric="accuracy_last_step", ours_mean=value,
                                         ours_std=0.0, split_seed=seed, walks=4, steps=1000))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("cg_sse, cg_ce, expected", [
    ([0.9, 0.92, 0.91], [0.8, 0.81, 0.79], C.HOLDS),   # SSE clearly better on every split
    ([0.8, 0.81, 0.79], [0.9, 0.92, 0.91], C.FAILS),   # SSE clearly worse
    ([0.9, 0.8, 0.85], [0.85, 0.85, 0.85], C.FAILS),   # tied: better on one split, worse on one
])
def test_pair_claim_is_judged_on_the_comparison(cg_sse, cg_ce, expected):
    run = C.Run(splits={"iris": _splits("iris", cg_sse, cg_ce)})
    v = C.judge(C.BY_NUMBER[39], run)  # SSE generalises better in most Iris settings
    assert v.verdict == expected
    assert "SSE-CE" in v.evidence


def test_pair_compare_is_paired_by_split_seed():
    c = C.pair_compare(_splits("iris", [0.9, 0.8, 0.85], [0.85, 0.85, 0.85]), "Cg")
    assert set(c.who) == {"tie"}
    assert np.allclose(c.lo, -0.05) and np.allclose(c.hi, 0.05)
    c = C.pair_compare(_splits("iris", [0.9] * 3, [0.8] * 3), "Cg", better="lower", gap=True)
    assert set(c.who) == {"SSE"}  # smaller train-test gap


def test_overfitting_claim_says_where_it_fails():
    # SSE overfits less on Iris and Cancer, ties on Glass: the claim holds only in part
    run = C.Run(splits={"iris": _splits("iris", [0.9] * 3, [0.8] * 3),
                        "cancer": _splits("cancer", [0.9] * 3, [0.8] * 3),
                        "glass": _splits("glass", [0.9, 0.7, 0.8], [0.8] * 3)},
                frames={"iris": {}, "glass": {}, "cancer": {}})
    v = C.judge(C.BY_NUMBER[3], run)
    assert v.verdict == C.PART
    assert "iris" in v.evidence and "glass" in v.evidence
    # SSE less on one problem, CE less on another: no majority for SSE, the claim fails
    run.splits["cancer"] = _splits("cancer", [0.7] * 3, [0.8] * 3)
    assert C.judge(C.BY_NUMBER[3], run).verdict == C.FAILS
    run.splits["iris"] = _splits("iris", [0.8] * 3, [0.8] * 3)
    assert C.judge(C.BY_NUMBER[3], run).verdict == C.FAILS
    for p in run.splits:
        run.splits[p] = _splits(p, [0.9] * 3, [0.8] * 3)
    assert C.judge(C.BY_NUMBER[3], run).verdict == C.HOLDS


def _walks(levels, walks=6, steps=200, curvature="convex"):
    """Walks that each fall to one of ``levels`` (cycled) and stay there."""
    rows = []
    for w in range(walks):
        level = levels[w % len(levels)]
        for s in range(steps):
            t = min(s / (steps / 2), 1.0)
            et = 1.0 + (level - 1.0) * t
            rows.append(dict(walk=w, step=s, Et=et, Eg=et, Ct=1.0, Cg=1.0,
                             grad_norm=1.0 - t + 1e-6, curvature=curvature))
    f = pd.DataFrame(rows)
    f["curvature"] = pd.Categorical(f.curvature, categories=["convex", "concave", "saddle",
                                                              "singular"])
    return f


def test_attractor_count_claim_known_on_paper():
    four = _walks([0.0, 0.2, 0.4, 0.6], walks=8)
    frames = {("sse", "micro", 1.0): four, ("ce", "micro", 1.0): four}
    v = C.judge(C.BY_NUMBER[10], C.Run(frames={"xor": frames}))
    assert v.verdict == C.HOLDS, v.evidence
    two = _walks([0.0, 0.4], walks=8)
    frames[("ce", "micro", 1.0)] = two
    assert C.judge(C.BY_NUMBER[10], C.Run(frames={"xor": frames})).verdict == C.PART
    frames[("sse", "micro", 1.0)] = two
    assert C.judge(C.BY_NUMBER[10], C.Run(frames={"xor": frames})).verdict == C.FAILS


def test_convexity_claim_depends_on_the_classes():
    convex = _walks([0.0, 0.2, 0.4, 0.6], walks=8)
    saddle = _walks([0.0, 0.2, 0.4, 0.6], walks=8, curvature="saddle")
    run = C.Run(frames={"xor": {("sse", "micro", 1.0): convex, ("ce", "micro", 1.0): convex}})
    v = C.judge(C.BY_NUMBER[11], run)
    assert (v.verdict, v.test) == (C.HOLDS, C.FULL)
    run.frames["xor"][("ce", "micro", 1.0)] = saddle
    assert C.judge(C.BY_NUMBER[11], run).verdict == C.PART


def test_combine_names_the_test_that_decides():
    assert C.combine({C.FULL: (C.HOLDS, "a"), C.AUTHORS: (C.HOLDS, "b")})[:2] == (C.HOLDS,
                                                                                   "both")
    v, test, ev = C.combine({C.FULL: (C.FAILS, "a"), C.AUTHORS: (C.HOLDS, "b")})
    assert (v, test) == (C.PART, f"{C.AUTHORS} only")
    assert "a" in ev and "b" in ev


def test_method_claims_from_the_simulated_walk():
    run = C.Run()
    assert C.judge(C.BY_NUMBER[7], run).verdict == C.HOLDS  # three stagnations at w = 8
    assert C.judge(C.BY_NUMBER[9], run).verdict in (C.HOLDS, C.PART)


def test_claims_json_schema(tmp_path):
    path = C.write_claims(C.judge_all(C.Run()), tmp_path)
    data = json.loads(Path(path).read_text())
    assert set(data) == {"claims"}
    assert [c["number"] for c in data["claims"]] == list(range(1, 96))
    for c in data["claims"]:
        assert set(c) == {"number", "section", "verdict", "test", "evidence"}
        assert c["verdict"] in C.VERDICTS
    lines = "\n".join(C.summary_lines(data["claims"]))
    assert re.search(r"\| cannot be judged \| \d+ \|", lines)
    assert "| general |" in lines


def test_report_gets_the_claims_section(tmp_path):
    from lgc import reproduce as R

    C.write_claims(C.judge_all(C.Run()), tmp_path)
    text = R.write_report(tmp_path, "tiny").read_text()
    assert "## The paper's claims, judged" in text
    assert text.count("| cannot be judged |") >= 1


def _with_singular(share, walks=8, steps=100):
    """XOR-like walks whose first ``share`` of points (by step) are singular, the rest saddles."""
    f = _walks([0.0], walks=walks, steps=steps, curvature="saddle")
    f.loc[f.step < share * steps, "curvature"] = "singular"
    return f


@pytest.mark.parametrize("share, verdict", [(0.1, C.HOLDS), (0.3, C.FAILS), (0.0, C.FAILS)])
def test_few_singular_points_claim_states_its_threshold(share, verdict):
    """Claim 14 ("a few singular points"): a singular share of 0.1 is a few, 0.3 and 0
    are not; the evidence names the bound it was judged against."""
    f = _with_singular(share)
    run = C.Run(frames={"xor": {("sse", "macro", 1.0): f, ("ce", "macro", 1.0): f}})
    v = C.judge(C.BY_NUMBER[14], run)
    assert v.verdict == verdict, v.evidence
    assert "0 < share <= 0.2" in v.evidence


def test_ratio_claim_states_its_grades():
    """Claim 37: median Eg / median Et of Iris CE's lowest tenth; Eg = 20 Et holds,
    Eg = 5 Et holds in part, Eg = Et fails, and the evidence names both cut-offs."""
    for factor, verdict in ((20.0, C.HOLDS), (5.0, C.PART), (1.0, C.FAILS)):
        f = _walks([0.1], walks=6, steps=50)
        f["Eg"] = factor * f.Et
        frames = {("ce", g, r): f for g in ("micro", "macro") for r in (1.0, 10.0)}
        v = C.judge(C.BY_NUMBER[37], C.Run(frames={"iris": frames}))
        assert v.verdict == verdict, v.evidence
        assert "holds from 10, in part from 3" in v.evidence


def test_report_states_the_shared_thresholds():
    """The claims section names the measures' thresholds with their values."""
    text = "\n".join(C.summary_lines([{"number": 1, "section": "general", "verdict": C.HOLDS,
                                       "test": "-", "evidence": "x"}]))
    assert f"<= {C.LOW_GRAD:g} x its setting's 99th-percentile gradient norm" in text
    assert f"more than {C.GAP:g} x the Et range" in text
    assert f"lowest {C.LOW_ET:g} of a setting's Et" in text
    assert f"at least {C.CONVEX_SHARE:g} of its classified points" in text
