"""Presets: how much of the paper's protocol a run of the whole paper does.

``paper`` is the exact protocol of Section 5.2: 10 x d walks per setting,
1000 (micro) or 100 (macro) steps, curvature at every step (not for MNIST).
``quick`` keeps every walk full length (nstag/lstag need the whole walk) but
runs fewer walks and classifies curvature on every 10th micro step, so that
``make paper`` finishes in minutes on two cores. ``overnight`` is between.

Test-side numbers (Eg, Cg) depend on the unknown train/test split more than on
anything else (docs/departures.md#d14-the-train-test-split),
so every preset also reruns each setting
with ``split_seeds`` other splits, curvature off, to measure that spread.

MNIST's section runs every setting under two data pipelines (:data:`PIPELINES`):
the paper's text, and the pipeline that best explains the paper's MNIST numbers
(docs/mnist-pipelines.md), with the same walks, splits and seeds.
"""
from __future__ import annotations

from dataclasses import dataclass

from .experiment import SampleConfig
from .vocabulary import GRANULARITIES, INIT_RANGES, LOSSES, check, default_walks

#: The data pipelines a section can run, by name: the sample options each sets on
#: every split. "paper-text" is what the paper's Section 5.2 says (for MNIST: a
#: fresh random batch of 100 from the whole split at every step, pixels / 255);
#: "shuffle-buffer-100+zscore" is tf.data's shuffle(100) restarted before every
#: step, as the authors' program does, with pixels standardised, as the paper's
#: text says of its inputs: the pipeline that explains Table B.15 and Table 9's
#: MNIST cells best (docs/mnist-pipelines.md).
PIPELINES = {
    "paper-text": {},
    "shuffle-buffer-100+zscore": {"batches": "shuffle-buffer", "shuffle_buffer": 100,
                                  "inputs": "zscore"},
}
#: how a pipeline's tables and figures are told apart in their file names: the
#: paper's text keeps the plain names
PIPELINE_SUFFIX = {"paper-text": "", "shuffle-buffer-100+zscore": "shuffle100-zscore"}
#: the pipeline the headline count of the report is judged on
MAIN_PIPELINE = "paper-text"


def pipelines(problem: str) -> tuple[str, ...]:
    """The pipelines a section of ``problem`` runs: both for MNIST, the only problem
    with mini-batches and pixels; the paper's text alone for the others.

    >>> pipelines("mnist"), pipelines("iris")
    (('paper-text', 'shuffle-buffer-100+zscore'), ('paper-text',))
    """
    return tuple(PIPELINES) if problem.lower() == "mnist" else (MAIN_PIPELINE,)


@dataclass(frozen=True)
class Preset:
    """Walk counts and curvature frequency for a whole-paper run.

    Attributes
    ----------
    name : preset name
    max_walks : walks per setting are min(10 d, max_walks); None = 10 d
    micro_hessian_every, macro_hessian_every : curvature every k-th step
    split_seeds : train/test splits for the test-side spread (first is the main)
    workers : default worker processes
    """

    name: str
    max_walks: int | None
    micro_hessian_every: int
    macro_hessian_every: int
    split_seeds: tuple[int, ...]
    workers: int = 2

    def walks(self, dim: int) -> int:
        n = default_walks(dim)
        return n if self.max_walks is None else min(n, self.max_walks)

    def configs(self, problem: str, dim: int, seed: int = 0, main_only: bool = False,
                backend: str = "numpy", pipeline: str = MAIN_PIPELINE, **overrides):
        """Sample configs of one problem: the main split with curvature, then spreads.

        ``overrides`` (e.g. singular="float32", hessian="blocks") change the main
        split's curvature settings, for the authors'-test variant. ``backend``
        (lgc._arrays: "cupy" on a GPU) is the array library of every sample.
        ``pipeline`` (:data:`PIPELINES`) sets the data pipeline of every sample,
        every split; :func:`pipelines` names those a problem runs.
        """
        check("pipeline", pipeline, PIPELINES)
        if pipeline not in pipelines(problem):
            raise ValueError(f"pipeline {pipeline!r} is for mnist; {problem} runs "
                             f"{pipelines(problem)}")
        out = []
        # XOR trains and tests on its four patterns: there is no split to vary
        one_split = main_only or problem == "xor"
        for split in self.split_seeds[:1] if one_split else self.split_seeds:
            for loss in LOSSES:
                for r in INIT_RANGES:
                    for gran in GRANULARITIES:
                        every = self._hessian_every(gran)
                        main = split == self.split_seeds[0]
                        settings = dict(hessian=None if main else "none",
                                        hessian_every=every, backend=backend,
                                        **PIPELINES[pipeline])
                        settings.update(overrides if main else {})
                        out.append(SampleConfig(
                            problem=problem, loss=loss, init_range=r, granularity=gran,
                            walks=self.walks(dim), seed=seed, split_seed=split, **settings))
        return out

    def _hessian_every(self, granularity: str) -> int:
        """Steps between curvature checks for a walk of this granularity."""
        strides = {"micro": self.micro_hessian_every, "macro": self.macro_hessian_every}
        return strides[check("granularity", granularity, strides)]


PRESETS = {
    "tiny": Preset("tiny", max_walks=4, micro_hessian_every=50, macro_hessian_every=10,
                   split_seeds=(0, 1)),
    "quick": Preset("quick", max_walks=24, micro_hessian_every=10, macro_hessian_every=1,
                    split_seeds=(0, 1, 2)),
    "overnight": Preset("overnight", max_walks=300, micro_hessian_every=1,
                        macro_hessian_every=1, split_seeds=(0, 1, 2, 3, 4)),
    "paper": Preset("paper", max_walks=None, micro_hessian_every=1, macro_hessian_every=1,
                    split_seeds=(0, 1, 2, 3, 4)),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; a clear error lists the others."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}") from None
