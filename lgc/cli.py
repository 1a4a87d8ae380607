"""Command line: ``lgc run``, ``lgc basins``, ``lgc fla``, ``lgc problems`` (also ``python -m lgc``)."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from ._arrays import BACKENDS
from ._version import __version__
from .batches import DEFAULT_BUFFER, check_pipeline
from .curvature import DEFAULT_RTOL
from .problems import INPUTS, PROBLEMS
from .vocabulary import (ACTIVATIONS, BATCH_PIPELINES, GRANULARITIES, HESSIAN_MODES,
                         OUTPUTS, PRECISIONS, SINGULAR_TESTS, WALK_LOSSES, WALKS)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line and exits 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _nonnegative_int(text):
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _folder(text):
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got ''")
    return Path(text)


def _problem_list(text):
    names = [p.strip() for p in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of problems; choose from "
            f"{', '.join(PROBLEMS)}")
    return [_problem(p) for p in names]


def _problem(text):
    name = text.lower()
    if name not in PROBLEMS:
        raise argparse.ArgumentTypeError(
            f"unknown problem {text!r}; choose one of {', '.join(PROBLEMS)}")
    return name


class _Help(argparse.RawDescriptionHelpFormatter):
    """Examples kept as written; each option's default shown where its help does not
    already say it (no default for flags and options without one)."""

    def _get_help_string(self, action):
        help = action.help or ""
        if (action.default is not None and action.default is not False
                and action.default != argparse.SUPPRESS and action.option_strings
                and "default" not in help):
            help += " (default: %(default)s)"
        return help


def _examples(*lines):
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lgc", description=__doc__.splitlines()[0], formatter_class=_Help,
                     epilog=_examples("lgc problems", "lgc run --help",
                                      "lgc reproduce --problem xor --preset tiny"))
    parser.add_argument("--version", action="version", version=f"lgc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser(
        "run", help="run one sample of progressive gradient walks", formatter_class=_Help,
        epilog="examples:\n"
               "  lgc run --problem iris --loss ce --range 1 --granularity micro --out results/demo\n"
               "  lgc run --problem heart --loss sse --range 10 --granularity macro --walks 50 \\\n"
               "          --hessian blocks --singular float32 --out results/authors-test\n"
               "  lgc run --problem iris --loss hybrid --alpha 0.5 --activation tanh --range 1 \\\n"
               "          --granularity macro --out results/beyond\n"
               "rerun the same command to resume an interrupted run; a complete sample is reused")
    run.add_argument("--problem", required=True, type=_problem,
                     help=f"one of {', '.join(PROBLEMS)}")
    run.add_argument("--loss", required=True, choices=WALK_LOSSES,
                     help="sse or ce (the paper's), or hybrid: alpha SSE + (1 - alpha) CE "
                          "(give --alpha)")
    run.add_argument("--range", dest="init_range", required=True, type=_positive_float,
                     help="walks start uniform in [-r, r]^d; the paper uses 1 and 10")
    run.add_argument("--granularity", required=True, choices=tuple(GRANULARITIES))
    run.add_argument("--walks", type=_positive_int, help="number of walks (default 10 x d)")
    run.add_argument("--steps", type=_positive_int,
                     help="recorded points per walk (default 1000 micro, 100 macro)")
    run.add_argument("--seed", type=_nonnegative_int, default=0, help="seed of the walks")
    run.add_argument("--split-seed", type=_nonnegative_int, default=0,
                     help="seed of the 80/20 train/test split")
    run.add_argument("--hessian", choices=HESSIAN_MODES,
                     help="curvature from the full Hessian, its per-tensor blocks (the "
                          "authors' code) or none (default full; none for MNIST, where "
                          "full classifies each point on its batch's row space)")
    run.add_argument("--rtol", type=float, default=DEFAULT_RTOL,
                     help="zero-eigenvalue tolerance relative to ||H||_F (default d * float64 eps)")
    run.add_argument("--singular", choices=SINGULAR_TESTS, default="tolerance",
                     help="singular test: eigenvalue within rtol*||H||_F of zero (default), "
                          "or the authors' float32 exact-zero test, emulated")
    run.add_argument("--precision", choices=PRECISIONS, default="float64",
                     help="float32: losses and gradients in float32, for gradient-only "
                          "walks (--hessian none)")
    run.add_argument("--backend", choices=BACKENDS, default="numpy",
                     help="array library of the walks: numpy (default), or cupy on an "
                          "NVIDIA GPU (use --workers 1; curvature from eigenvalues there)")
    run.add_argument("--eigenvalues", action="store_true",
                     help="also record the Hessian's extreme eigenvalues and eigenvalue "
                          "counts at every classified point (columns lambda_min, "
                          "lambda_max, n_pos, n_neg, n_zero; eigvalsh: 1.3-1.4x the time)")
    run.add_argument("--batches", choices=BATCH_PIPELINES, default="random",
                     help="MNIST only: the patterns a walk's losses see at each step: a "
                          "fresh random batch per walk (default, the paper's text), the "
                          "first 100, or tf.data's shuffle buffer re-initialised every "
                          "step (the authors' program; docs/mnist-pipelines.md)")
    run.add_argument("--shuffle-buffer", type=_positive_int, default=DEFAULT_BUFFER,
                     help=f"N of --batches shuffle-buffer (default {DEFAULT_BUFFER})")
    run.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                     help="hidden units (default sigmoid, the paper's; ELU with alpha 1)")
    run.add_argument("--output", choices=OUTPUTS, default="sigmoid",
                     help="output layer: sigmoid units (default, the paper's) or softmax "
                          "(with --loss ce only: categorical cross-entropy; several outputs)")
    run.add_argument("--alpha", type=float,
                     help="with --loss hybrid: the weight of SSE, in [0, 1] (1: SSE, 0: CE)")
    run.add_argument("--switch-step", type=_positive_int, metavar="K",
                     help="descend --loss (sse or hybrid) for the first K steps, then CE; "
                          "both losses are recorded at every point (Et_sse, Et_ce, ...)")
    run.add_argument("--inputs", choices=INPUTS, default="unit",
                     help="MNIST only: pixels / 255 (default), or zscore: each pixel "
                          "standardised over all patterns, as the paper's text says "
                          "(docs/mnist-pipelines.md)")
    run.add_argument("--hessian-every", type=_positive_int, default=1,
                     help="classify curvature at every k-th step only (default 1: all)")
    run.add_argument("--workers", type=_positive_int, default=min(os.cpu_count() or 1, 4),
                     help="worker processes (default: the cores, at most 4)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="send chunks of walks to a Dask distributed scheduler "
                          "(e.g. tcp://host:8786) instead of local processes")
    run.add_argument("--chunk-size", type=_positive_int, help="walks per batch")
    run.add_argument("--save-weights", action="store_true",
                     help="also store every recorded weight vector as .npy")
    run.add_argument("--weights-stride", type=_positive_int,
                     help="with --save-weights, keep every k-th step (default 1)")
    run.add_argument("--walk", choices=WALKS, default="gradient",
                     help="how each step moves: the paper's progressive gradient walk, or a "
                          "walk of GECCO'18 kept in [-b, b]^d (docs/fla.md)")
    run.add_argument("--bound", type=_positive_float,
                     help="b of a bounded walk's space [-b, b]^d (default: the --range r)")
    run.add_argument("--out", required=True, type=_folder, help="results folder")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    basins = sub.add_parser("basins", help="nstag/lstag and accuracies of finished samples",
                            formatter_class=_Help,
                            epilog=_examples("lgc basins results/demo",
                                             "lgc basins results/quick   # every sample make paper ran"))
    basins.add_argument("folder", type=Path, help="results folder written by lgc run")

    fla = sub.add_parser("fla", help="FEM, M1, M2 (and G_avg/G_dev, FDC where they apply) "
                                     "of finished samples; writes FOLDER/fla.csv",
                         formatter_class=_Help,
                         epilog=_examples("lgc fla results/demo",
                                          "lgc fla results/quick   # every sample make paper ran"))
    fla.add_argument("folder", type=Path, help="results folder written by lgc run")

    sub.add_parser("problems", help="list the benchmark problems and their dimensions",
                   formatter_class=_Help,
                   epilog=_examples("lgc problems"))

    rep = sub.add_parser("reproduce", help="run one section of the paper at a preset and "
                                           "print ours beside the paper",
                         formatter_class=_Help,
                         epilog=_examples("lgc reproduce --problem xor --preset tiny",
                                          "lgc reproduce --problem iris --preset paper --workers 2",
                                          "rerun to resume; samples are cached by config in "
                                          "RESULTS/PRESET/"))
    rep.add_argument("--problem", required=True, type=_problem,
                     help=f"one of {', '.join(PROBLEMS)}")
    rep.add_argument("--preset", default="quick", help="tiny, quick, overnight or paper")
    rep.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    rep.add_argument("--workers", type=_positive_int, default=min(os.cpu_count() or 1, 4),
                     help="worker processes (default: the cores, at most 4; here %(default)s)")
    rep.add_argument("--backend", choices=BACKENDS, default="numpy",
                     help="array library of every sample: numpy (default), or cupy on an "
                          "NVIDIA GPU (use --workers 1)")

    est = sub.add_parser("estimate", help="predict the wall time of a preset, per problem "
                                          "and setting, from a short calibration run",
                         formatter_class=_Help,
                         epilog=_examples("lgc estimate --preset paper --problems iris,glass",
                                          "lgc estimate --preset quick --workers 2"))
    est.add_argument("--preset", default="paper", help="tiny, quick, overnight or paper")
    est.add_argument("--problems", default=list(PROBLEMS), type=_problem_list,
                     help="comma-separated problems (default all)")
    est.add_argument("--workers", type=_positive_int, default=min(os.cpu_count() or 1, 4),
                     help="worker processes (default: the cores, at most 4; here %(default)s)")
    est.add_argument("--backend", choices=BACKENDS, default="numpy",
                     help="array library the walks would run in (cupy: on a GPU, with "
                          "--workers 1)")
    return parser


def _cmd_run(args) -> int:
    from .experiment import SampleConfig, run_sample

    if args.weights_stride is not None and not args.save_weights:
        raise ValueError(f"--weights-stride {args.weights_stride} needs --save-weights")
    check_pipeline(PROBLEMS[args.problem].batch_size, args.batches, args.problem)
    config = SampleConfig(problem=args.problem, loss=args.loss, init_range=args.init_range,
                          granularity=args.granularity, walks=args.walks, steps=args.steps,
                          seed=args.seed, split_seed=args.split_seed, hessian=args.hessian,
                          rtol=args.rtol, hessian_every=args.hessian_every,
                          singular=args.singular, precision=args.precision,
                          backend=args.backend, eigenvalues=args.eigenvalues,
                          walk=args.walk, bound=args.bound,
                          batches=args.batches, shuffle_buffer=args.shuffle_buffer,
                          activation=args.activation, output=args.output, alpha=args.alpha,
                          switch_step=args.switch_step,
                          inputs=args.inputs)
    sample = run_sample(config, args.out, chunk_size=args.chunk_size, workers=args.workers,
                        weights_stride=(args.weights_stride or 1) if args.save_weights else None,
                        progress=not args.quiet, scheduler=args.scheduler)
    print(sample.parquet)
    if not args.quiet:
        print(_run_summary(sample), file=sys.stderr)
    return 0


def _run_summary(sample) -> str:
    """One line: what the sample holds, what this run did, and the next command."""
    meta = sample.meta()
    walks, steps = meta["config"]["walks"], meta["config"]["steps"]
    if sample.walks_run is None:
        how = "complete already: reused"
    else:
        how = f"{sample.walks_run} run in {meta['timings']['seconds']:.1f} s"
    return (f"lgc run: {walks} walks x {steps} steps ({how}) in {sample.folder}; "
            f"next: lgc basins {sample.folder}")


def _cmd_basins(args) -> int:
    from .report import samples_table

    if not args.folder.is_dir():
        raise FileNotFoundError(f"no results folder {args.folder}")
    print(samples_table(args.folder).to_string(index=False))
    return 0


def _cmd_fla(args) -> int:
    from .landscape import GRADIENT_NOTE, fla_table, printable, write_fla_csv

    table = fla_table(args.folder)
    print(printable(args.folder, table).to_string(index=False))
    print(f"\n{GRADIENT_NOTE}\nwrote {write_fla_csv(args.folder, table)}")
    return 0


def _cmd_reproduce(args) -> int:
    from . import reproduce

    from .presets import pipelines

    for pipeline in pipelines(args.problem):  # MNIST: the paper's text and the authors'
        _, table = reproduce.section(args.problem, args.preset, args.results,
                                     workers=args.workers, backend=args.backend,
                                     pipeline=pipeline)
        print(f"pipeline: {pipeline}")
        print(reproduce.basins_table(table).to_string(index=False))
        print(reproduce.accuracy_table(table).to_string(index=False))
    return 0


def _cmd_estimate(args) -> int:
    from .estimate import estimate_preset

    table = estimate_preset(args.preset, args.problems, workers=args.workers, backend=args.backend)
    print(table.to_string(index=False))
    total = table["predicted_s"].sum()
    print(f"\ntotal: {total:,.0f} s = {total / 3600:.1f} h with {args.workers} workers")
    return 0


def _cmd_problems(args) -> int:
    for spec in PROBLEMS.values():
        print(f"{spec.name:9s} {spec.n_in:4d}-{spec.hidden}-{spec.n_out:<3d} d = {spec.dim}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="lgc: %(message)s")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    command = {"run": _cmd_run, "basins": _cmd_basins, "fla": _cmd_fla, "problems": _cmd_problems,
               "reproduce": _cmd_reproduce, "estimate": _cmd_estimate}
    try:
        return command[args.command](args)
    except (ValueError, ImportError, OSError) as err:
        print(f"lgc {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lgc: interrupted; finished walks are kept, rerun the same command to resume",
              file=sys.stderr)
        return 130


def _interrupt(signum, frame):
    """SIGTERM (a scheduler's, or kill) stops a run as Ctrl-C does."""
    raise KeyboardInterrupt
