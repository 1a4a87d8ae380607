"""One sample of the paper's experiment, from configuration to results files.

This is the one module that wires the stages together (problems -> walks ->
curvature -> store); the command line and the notebooks call it.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import platform
import re
import subprocess
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ._version import __version__
from .batches import check_pipeline
from .problems import check_inputs, load_problem
from .vocabulary import default_walks
from ._arrays import backend as array_backend
from .store import CorruptSample, Sample, _differences
from .walks import (WalkOptions, WalkSettings, check_hessian_size, check_problem, default_steps,
                    hessian_bytes, per_walk_batches,
                    progressive_gradient_walk, step_size)

log = logging.getLogger("lgc")


@dataclass(frozen=True)
class SampleConfig(WalkOptions):
    """One setting of Section 5.2: problem x loss x range x granularity.

    ``walks`` defaults to 10 x d and ``steps`` to 1000 (micro) or 100 (macro),
    the paper's protocol; ``hessian`` defaults to "full", but to "none" for
    MNIST, where the paper computed no curvature. ``seed`` seeds the walks,
    ``split_seed`` the train/test split, and ``inputs`` (lgc.problems.INPUTS:
    "unit", the problem's own scaling, or "zscore", MNIST's pixels standardised)
    says how the problem's inputs are scaled: like the split, a property of the
    data the walks see, handed to :func:`lgc.problems.load_problem`. Every other
    option of the walk is a :class:`lgc.walks.WalkOptions` field, inherited, by
    keyword.
    """

    problem: str
    loss: str
    init_range: float
    granularity: str
    walks: int | None = None
    steps: int | None = None
    seed: int = 0
    split_seed: int = 0
    #: None: the paper's curvature for the problem (:func:`default_hessian`)
    hessian: str | None = field(default=None, kw_only=True)
    inputs: str = field(default="unit", kw_only=True)

    def resolved(self, dim: int) -> "SampleConfig":
        """Fill the defaults that depend on the problem."""
        return replace(
            self,
            problem=self.problem.lower(),
            walks=default_walks(dim) if self.walks is None else int(self.walks),
            steps=default_steps(self.granularity) if self.steps is None else int(self.steps),
            hessian=self.hessian or default_hessian(self.problem),
        )

    @property
    def name(self) -> str:
        r = f"{self.init_range:g}"
        tag = "" if self.singular == "tolerance" else f"-{self.singular}"
        tag += "-blocks" if self.hessian == "blocks" else ""
        tag += "" if self.precision == "float64" else f"-{self.precision}"
        tag += "" if self.backend == "numpy" else f"-{self.backend}"
        tag += "-eigenvalues" if self.eigenvalues else ""
        tag += "" if self.walk == "gradient" else f"-{self.walk}"
        tag += "" if self.bound is None else f"-b{self.bound:g}"
        tag += "" if self.batches == "random" else f"-{self.batches}"
        tag += f"{self.shuffle_buffer}" if self.batches == "shuffle-buffer" else ""
        # beyond the paper (docs/activations.md): tagged only when not the paper's
        tag += "" if self.activation == "sigmoid" else f"-{self.activation}"
        tag += "" if self.output == "sigmoid" else f"-{self.output}"
        tag += "" if self.alpha is None else f"-alpha{self.alpha:g}"
        tag += "" if self.switch_step is None else f"-switch{self.switch_step}"
        tag += "" if self.inputs == "unit" else f"-{self.inputs}"
        return (f"{self.problem.lower()}-{self.loss}-r{r}-{self.granularity}"
                f"-seed{self.seed}-split{self.split_seed}{tag}")

    def settings(self) -> WalkSettings:
        """The walk's settings of a :meth:`resolved` config."""
        return WalkSettings(self.loss, self.init_range,
                            step_size(self.granularity, self.init_range), self.steps,
                            **self.options())


def default_hessian(problem: str) -> str:
    """The paper's curvature: the full Hessian, none for MNIST (Section 5.2).

    MNIST's curvature is there when asked for (``hessian="full"``, best every
    k-th step: each point's Hessian on its own batch's row space, lgc.walks;
    docs/mnist-curvature.md), but not by default, as in the paper's protocol.
    """
    return "none" if problem.lower() == "mnist" else "full"


def validate(config: SampleConfig) -> None:
    """Raise ValueError on a bad setting before any work starts or file is written."""
    step_size(config.granularity, config.init_range)
    check_inputs(config.problem, config.inputs)
    if config.walks is not None and (int(config.walks) != config.walks or config.walks < 1):
        raise ValueError(f"walks must be a positive whole number; got {config.walks!r}")
    if config.steps is not None and (int(config.steps) != config.steps or config.steps < 1):
        raise ValueError(f"steps must be a positive whole number; got {config.steps!r}")
    options = config.options() | {"hessian": config.hessian or default_hessian(config.problem)}
    WalkSettings(config.loss, config.init_range, 1.0, config.steps or 1, **options)
    try:
        array_backend(config.backend)
    except ImportError as err:
        raise ValueError(str(err)) from None


#: bytes a recorded (walk, step) row takes in memory: two int32, six float64
#: (saturation included), the curvature code, both losses on train and test for
#: hybrid or switching walks, and the spectrum's five numbers when asked for
def _row_bytes(config: SampleConfig) -> int:
    both = config.records_both_losses(config.loss)
    return 4 + 4 + 6 * 8 + 1 + (4 * 8 if both else 0) + (5 * 8 if config.eigenvalues else 0)


def check_fits(config: SampleConfig, dim: int, weights_stride: int | None,
               memory: float | None = None, problem=None) -> None:
    """Refuse a sample that cannot fit in memory, before any work.

    Merging a sample's chunks holds its records about four times over (the
    chunks, their concatenation, the sorted copy, the Arrow table); one walk's
    saved weights are held whole while its chunk runs; and, with a
    ``problem``, a chunk's Hessians (:func:`lgc.walks.hessian_bytes`, the
    walks of a default chunk; MNIST: one walk's at a time, at most 1,110 x
    1,110 on its batch's row space). A Hessian too large to form at all (the
    whole 7,960 x 7,960 of MNIST) is refused by
    :func:`lgc.walks.check_hessian_size`, whatever the memory.
    """
    memory = memory or _physical_memory()
    rows = config.walks * config.steps
    parts = {"records to merge": 4 * rows * _row_bytes(config)}
    if weights_stride:
        parts["one walk's saved weights"] = -(-config.steps // weights_stride) * dim * 8
    if problem is not None and config.hessian != "none":
        settings = config.settings()
        check_hessian_size(problem, settings)
        walks = min(config.walks, default_chunk_size(dim, config.hessian, config.backend))
        parts["the Hessians held at once"] = hessian_bytes(problem, settings, walks)
    what, need = max(parts.items(), key=lambda item: item[1])
    if need > memory:
        raise ValueError(
            f"walks={config.walks} x steps={config.steps} ({rows:,} records) needs about "
            f"{need / 2**30:,.1f} GiB for {what}, more than this machine's "
            f"{memory / 2**30:,.0f} GiB of memory; run fewer walks or steps")


def _physical_memory() -> float:
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2.0**40  # unknown: assume plenty, the walk itself will say


_ADDRESS = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s/]+$")


def check_scheduler(address: str | None) -> None:
    """A Dask scheduler address must be a URL such as tcp://host:8786."""
    if address is not None and not _ADDRESS.match(address):
        raise ValueError(f"scheduler address must be a URL such as tcp://host:8786; "
                         f"got {address!r}")


def chunks(n_walks: int, size: int, done=()):
    """Consecutive walk-index ranges of at most ``size`` walks, skipping the walks
    of the finished (first, last) ranges ``done``."""
    missing = np.ones(n_walks, dtype=bool)
    for first, last in done:
        missing[first:last + 1] = False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], missing.view(np.int8), [0]])))
    return [np.arange(a, min(a + size, end))
            for start, end in zip(edges[::2], edges[1::2]) for a in range(start, end, size)]


def default_chunk_size(dim: int, hessian: str, backend: str = "numpy") -> int:
    """Walks per batch: keep a batch's Hessians and Jacobians near 100 MB.

    Gradient-only walks hold a few weight-sized arrays and, for MNIST, two
    mini-batches of 100 x 784 (about 1 MB a walk); batches of a few walks
    would leave every step to per-call overhead. A GPU (any backend but
    numpy) takes 40x more: it needs thousands of walks per call to be busy;
    there the Hessian is built from the dense Jacobian and the intermediates
    of its sums, about 4x more memory a walk (Heart: ~11 MB, 358 walks).
    """
    curved = hessian != "none"
    per_walk = dim * dim * 8 * 3 if curved else dim * 8 * 16
    if backend != "numpy":
        return int(np.clip(4e9 // (per_walk * (4 if curved else 1)), 1, 8192))
    return int(np.clip(100e6 // per_walk, 1, 256))


def chunk_walks(dim: int, hessian: str, walks: int, workers: int,
                backend: str = "numpy") -> int:
    """Walks per chunk of a sample of ``walks`` walks: near 100 MB (numpy), and one
    chunk per worker, or up to four per worker when each still holds at least
    :data:`MIN_SHARED_CHUNK` walks, so that the progress bar moves and a slow chunk
    delays less. The count stays a multiple of the workers: 3 chunks on 2 workers
    take as long as 4 (XOR, 90 walks: 15% slower in 32-walk chunks than in 45). A
    GPU (any backend but numpy) keeps its chunks whole: it needs every walk it can
    get in one call.
    """
    per_worker = 1 if backend != "numpy" else int(
        np.clip(walks // (MIN_SHARED_CHUNK * workers), 1, 4))
    return min(default_chunk_size(dim, hessian, backend), -(-walks // (workers * per_worker)))


#: below this many walks a chunk's batched steps lose speed to per-call overhead
#: (Heart: 9.3 s in chunks of 5 walks against 7.6 s in chunks of 20)
MIN_SHARED_CHUNK = 32


def _run_chunk(config: SampleConfig, walk_ids, weights_stride, callback=None):
    problem = load_problem(config.problem, seed=config.split_seed, inputs=config.inputs)
    return progressive_gradient_walk(problem, config.settings(), walk_ids, config.seed,
                                     weights_stride=weights_stride, callback=callback)


@contextmanager
def single_threaded_blas():
    """Worker processes each use one BLAS thread: the workers are the parallelism."""
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: "1" for k in names})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def provenance(config: SampleConfig, problem) -> dict:
    """What produced a result: config, data hashes, versions, machine."""
    import autograd
    import scipy

    return {
        "config": asdict(config),
        "name": config.name,
        "dim": problem.dim,
        "architecture": [problem.n_in, problem.hidden, problem.n_out],
        "eps": step_size(config.granularity, config.init_range),
        "data": {"hashes": dict(problem.hashes), "inputs": problem.inputs,
                 "preprocessing": problem.preprocessing,
                 "n_train": len(problem.X_train), "n_test": len(problem.X_test),
                 "batch_size": problem.batch_size, "notes": list(problem.notes)},
        "lgc_version": __version__,
        "git": git_hash(),
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "autograd": getattr(autograd, "__version__", "unknown"),
                     "python": platform.python_version()},
        "machine": platform.platform(),
    }


def git_hash() -> str | None:
    """The commit of the lgc checkout that runs, or None outside a git work tree."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


@dataclass
class _Job:
    """One sample to run: its files, resolved config, provenance and missing chunks."""

    sample: Sample
    config: SampleConfig
    meta: dict
    dim: int
    #: the Hessian mode chunks are sized for: "none" when each walk's Hessians are
    #: formed one point at a time on its own batch (lgc.walks.per_walk_batches)
    chunk_hessian: str = "none"
    todo: list | None = None
    size: int = 0
    start: float = 0.0


def _plan(config: SampleConfig, out_dir, weights_stride) -> _Job:
    """Check a sample's settings and resolve them; writes nothing."""
    validate(config)
    problem = load_problem(config.problem, seed=config.split_seed, inputs=config.inputs)
    check_pipeline(problem.batch_size, config.batches, config.problem)
    check_problem(config, problem)
    config = config.resolved(problem.dim)
    check_fits(config, problem.dim, weights_stride, problem=problem)
    meta = provenance(config, problem)
    meta["weights_stride"] = weights_stride
    chunk_hessian = "none" if per_walk_batches(problem, config) else config.hessian
    return _Job(Sample(out_dir, config.name), config, meta, problem.dim, chunk_hessian)


def _open(job: _Job, chunk_size, workers) -> None:
    """With the sample's lock held: reuse it if complete, else find what is left.

    A complete sample whose files fail their checks is recomputed.
    """
    sample, config = job.sample, job.config
    sample.clean()
    if sample.is_complete():
        try:
            stored = sample.meta().get("config")
            if _same_config(stored, job.meta["config"]):
                sample.frame()
                log.info("%s: already complete in %s", config.name, sample.folder)
                return
        except CorruptSample as err:
            log.warning("%s; recomputing it", err)
            sample.discard()
        else:
            raise FileExistsError(f"{sample.sidecar} holds a different run of {config.name}"
                                  f" ({_differences({'config': stored}, job.meta)}); "
                                  f"choose another output folder or delete it")
    sample.start({k: job.meta[k] for k in ("config", "weights_stride")}, same=_same_stamp)
    job.size = chunk_size or chunk_walks(job.dim, job.chunk_hessian, config.walks, workers,
                                         config.backend)
    done = sample.usable_chunks(config.walks, config.steps)
    job.todo = chunks(config.walks, job.size, done)
    job.start = time.perf_counter()


def _same_config(stored: dict | None, current: dict) -> bool:
    """Whether a stored config is this one; fields added to lgc since take their defaults."""
    if not stored or set(stored) - set(current):
        return False
    return asdict(SampleConfig(**stored)) == current


def _same_stamp(stored: dict, current: dict) -> bool:
    """Whether unfinished parts are this run's, begun perhaps by an older lgc."""
    return (stored.get("weights_stride") == current["weights_stride"]
            and _same_config(stored.get("config"), current["config"]))


def _finish(job: _Job, workers: int) -> None:
    job.meta["timings"] = {"seconds": time.perf_counter() - job.start,
                           "walks_run": int(sum(map(len, job.todo))), "workers": workers,
                           "chunk_size": job.size}
    job.sample.finish(job.meta, job.config.walks, job.config.steps)


def run_samples(configs, out_dir, *, chunk_size: int | None = None, workers: int = 1,
                weights_stride: int | None = None, progress: bool = True,
                executor=None, scheduler: str | None = None) -> list[Sample]:
    """Run (or resume, or reuse) several samples, sharing one pool of workers.

    Every setting is checked before any file is written. Finished chunks of
    walks are kept in ``NAME.parts`` as they complete, so an interrupted run
    picks up where it stopped, whatever chunk size or workers it resumes with;
    a complete sample with the same config is reused at once. One run at a
    time writes a sample: another run of it is refused (lgc.store). With
    ``workers > 1`` the chunks of all samples go to one pool of local
    processes; ``scheduler`` (a Dask distributed address) or ``executor`` (any
    ``concurrent.futures.Executor``, e.g. ``distributed.Client(...).get_executor()``)
    sends them elsewhere instead. Each walk's numbers depend only on the seed
    and its index, never on where or with what it ran.
    """
    check_scheduler(scheduler)
    if weights_stride is not None and (int(weights_stride) != weights_stride
                                       or weights_stride < 1):
        raise ValueError(f"weights_stride must be a positive whole number or None; "
                         f"got {weights_stride!r}")
    if not str(out_dir).strip():
        raise ValueError("the results folder must be named; got an empty path")
    jobs = [_plan(c, out_dir, weights_stride) for c in configs]
    with ExitStack() as locks:
        for job in jobs:
            locks.enter_context(job.sample.lock())
        for job in jobs:
            _open(job, chunk_size, workers)
        _run(jobs, workers, weights_stride, progress, executor, scheduler)
    for job in jobs:  # what this call ran: None for a sample reused as it was
        job.sample.walks_run = None if job.todo is None else int(sum(map(len, job.todo)))
    return [j.sample for j in jobs]


def _run(jobs, workers, weights_stride, progress, executor, scheduler) -> None:
    """Run the missing chunks of every job, finishing each job as its last ends."""
    pending = [j for j in jobs if j.todo is not None]
    left = {id(j): len(j.todo) for j in pending}
    n_chunks = sum(left.values())
    total = sum(len(ids) * j.config.steps for j in pending for ids in j.todo)
    label = pending[0].config.name if len(pending) == 1 else f"{len(pending)} samples"
    for job in pending:
        if not job.todo:  # every chunk was done: a kill came during the merge
            _finish(job, workers)
    with _progress_bar(label, total, progress and total > 0) as bar, \
            _executor(executor, scheduler, workers if n_chunks > 1 else 1) as pool:
        if pool is None:
            for job in pending:
                for ids in job.todo:
                    tick = lambda step, n=len(ids): bar.update(n)  # noqa: E731
                    job.sample.write_chunk(ids, _run_chunk(job.config, ids, weights_stride,
                                                           tick))
                if job.todo:
                    _finish(job, workers)
            return
        futures = {pool.submit(_run_chunk, j.config, ids, weights_stride): (j, ids)
                   for j in pending for ids in j.todo}
        for future in as_completed(futures):
            job, ids = futures[future]
            try:
                records = future.result()
            except BrokenProcessPool:
                raise ChildProcessError(
                    "a worker process died (killed, or out of memory); finished walks are "
                    "kept: rerun the same command to resume, perhaps with fewer --workers "
                    "or a smaller --chunk-size") from None
            job.sample.write_chunk(ids, records)
            bar.update(len(ids) * job.config.steps)
            left[id(job)] -= 1
            if left[id(job)] == 0:
                _finish(job, workers)


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit when the process that started us is gone.

    A parent killed by SIGKILL or the OOM killer cannot stop its workers; they
    would run (and hold memory) for minutes. Polling getppid is portable and
    cannot fire early, unlike PR_SET_PDEATHSIG, which follows a thread.
    """
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="lgc-parent-watch").start()


@contextmanager
def _executor(executor, scheduler, workers):
    """The pool chunks go to: given, a Dask cluster, local processes, or none."""
    if executor is not None:
        yield executor
    elif scheduler:
        try:
            from distributed import Client
        except ImportError as err:
            raise ImportError("--scheduler needs Dask: pip install 'lgc[dask]'") from err
        with Client(scheduler) as client:
            yield client.get_executor()
    elif workers > 1:
        with single_threaded_blas():  # workers start at the first submit
            pool = ProcessPoolExecutor(workers, initializer=_watch_parent,
                                       initargs=(os.getpid(),),
                                       mp_context=multiprocessing.get_context("spawn"))
            try:
                yield pool
            except BaseException:
                _stop(pool)
                raise
            pool.shutdown()
    else:
        yield None


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started, end the running chunks."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def run_sample(config: SampleConfig, out_dir, **kwargs) -> Sample:
    """Run (or resume, or reuse) one sample and return its files (see run_samples)."""
    return run_samples([config], out_dir, **kwargs)[0]


def _progress_bar(label, total, enabled):
    """Progress in walk-steps, a whole number, updated as each chunk (or, with one
    worker, each step) ends."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit=" walk-steps", unit_scale=True,
                disable=not enabled)
