"""lgc: loss-gradient clouds for neural network loss surfaces.

A runnable reproduction of Bosman, Engelbrecht & Helbig (2020), "Visualising
basins of attraction for the cross-entropy and the squared error neural
network loss functions". Data flows one way:

vocabulary -> datafiles -> problems -> network / derivatives -> batches, steps ->
samplers -> walks -> curvature, basins, fla, lanczos, slices -> store -> report, landscape,
verdicts, claims -> plots -> command line, explorer and notebooks.
"""
import logging

from ._version import __version__
from .basins import (Basins, basin_summary, ewma, moving_std, simulated_walk, stagnation,
                     stagnation_table, stagnation_trace)
from . import curvature, vocabulary  # the modules, never shadowed by a function
from .curvature import CURVATURES, classify, spectrum
from .experiment import SampleConfig, run_sample, run_samples
from .network import Architecture, accuracy, forward, loss, loss_grad, loss_hessian
from .paper import paper_tables, paper_value
from .datafiles import download_all, fetch
from .problems import PROBLEMS, Problem, load_problem
from .report import samples_table, summarise_sample
from .store import Sample
from .walks import WalkSettings, progressive_gradient_walk, step_size

logging.getLogger("lgc").addHandler(logging.NullHandler())

__all__ = [
    "__version__", "Architecture", "Basins", "CURVATURES", "PROBLEMS", "Problem", "Sample",
    "SampleConfig", "WalkSettings", "accuracy", "basin_summary", "classify",
    "curvature", "download_all", "ewma", "fetch", "forward", "load_problem", "loss",
    "loss_grad", "loss_hessian", "moving_std", "paper_tables", "paper_value",
    "progressive_gradient_walk", "run_sample", "run_samples", "simulated_walk", "spectrum",
    "samples_table", "stagnation", "stagnation_table", "stagnation_trace", "step_size",
    "summarise_sample",
]
