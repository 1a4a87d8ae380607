"""Milliseconds per walk-step: lgc against the naive way, for every problem.

One walk-step records Et, Eg, Ct, Cg, the gradient norm and the curvature class
from the full Hessian (MNIST: gradient only, as the paper). "naive" is one walk
at a time with autograd.grad, autograd.hessian and numpy.linalg.eigvalsh.
"jax" is the same step for all walks at once as jit(vmap(jax.hessian)) and
eigvalsh, written from the equations (optional: `pip install jax`, or the
`bench` extra; the column reads n/a without it).
"whole process" times `lgc run` as a user runs it, start-up included.
A second table times the walk-steps of ``--activation-problems`` (default
Heart, full Hessian) once per hidden activation, against the sigmoid.
"roofline" is a walk-step's flop count (step_flops) over the float64 matmul
rate of both cores, measured in this run; "x roof" is the whole process over
it. Prints medians of repeated runs; machines are noisy.
``--backend cupy`` adds a column: the same walk-steps run on a GPU
(``--backend-walks`` of them at once), the Hessian built densely and its
curvature counted from eigenvalues there (lgc.derivatives._dense_hessian).

    python benchmarks/walk_step.py [--problems heart,iris] [--repeats 3] [--no-jax]
    python benchmarks/walk_step.py --problems heart,mnist --backend cupy --no-whole
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from autograd import grad, hessian

import lgc
from lgc.experiment import default_chunk_size, default_hessian
from lgc.network import Architecture, accuracy, forward, loss
from lgc.vocabulary import ACTIVATIONS
from lgc.walks import WalkSettings, progressive_gradient_walk

SIZES = {"xor": (64, 50), "iris": (64, 50), "diabetes": (32, 30), "glass": (16, 20),
         "cancer": (8, 10), "heart": (8, 10), "mnist": (64, 50)}
#: walks x steps of the whole-process runs: enough work to amortise start-up, as a
#: real run does (XOR and Iris: one sample of the paper's protocol, 10 d walks of 1000)
WHOLE = {"xor": (90, 1000), "iris": (350, 1000), "diabetes": (128, 200), "glass": (64, 200),
         "cancer": (64, 200), "heart": (64, 200), "mnist": (128, 400)}


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def lgc_ms(problem, walks, steps, repeats, backend="numpy", activation="sigmoid"):
    settings = WalkSettings("sse", 1.0, 0.02, steps, hessian=default_hessian(problem.name),
                            backend=backend, activation=activation)
    run = lambda: progressive_gradient_walk(problem, settings, range(walks), seed=0)  # noqa
    return 1e3 * median_time(run, repeats) / (walks * steps)


def naive_ms(problem, steps, repeats):
    """One walk at a time: autograd gradient and Hessian, eigvalsh, four evaluations."""
    Xt, Tt, Xg, Tg = problem.X_train, problem.T_train, problem.X_test, problem.T_test
    arch = Architecture(problem.n_in, problem.hidden, problem.n_out)
    g, h = grad(loss), hessian(loss)
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, arch.dim)

    def walk():
        nonlocal w
        for _ in range(steps):
            loss(w, Xt, Tt, "sse"), loss(w, Xg, Tg, "sse")
            accuracy(forward(w, Xt, arch), Tt), accuracy(forward(w, Xg, arch), Tg)
            gw = g(w, Xt, Tt, "sse")
            if problem.name != "mnist":
                np.linalg.eigvalsh(h(w, Xt, Tt, "sse"))
            w = w - np.sign(gw) * rng.random(arch.dim) * 0.02
    return 1e3 * median_time(walk, repeats) / steps


def jax_ms(problem, walks, steps, repeats):
    """The lgc walk-step in JAX: ``jit(vmap(...))`` over the walks, ms per walk-step.

    Parameters
    ----------
    problem : lgc problem
        Data and sizes; MNIST runs float32 on one mini-batch per walk and step,
        gradient only, the rest float64 with the full Hessian and its eigenvalues.
    walks, steps : int
        Walks advanced together, steps timed.
    repeats : int
        Timed runs; the median is returned. One untimed run first compiles.
    """
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    mnist = problem.name == "mnist"
    dtype = np.float32 if mnist else np.float64
    n_in, h, K = problem.n_in, problem.hidden, problem.n_out
    m1 = (n_in + 1) * h

    def sse(w, X, T):
        # w holds W1 with b1 as its last row, then W2 with b2 as its last row
        W1, W2 = w[:m1].reshape(n_in + 1, h), w[m1:].reshape(h + 1, K)
        Z = jax.nn.sigmoid(X @ W1[:-1] + W1[-1]) @ W2[:-1] + W2[-1]
        return jnp.mean((jax.nn.sigmoid(Z) - T) ** 2), Z

    def accuracy(Z, T):
        # on logits: sigmoid(Z) > 0.5 iff Z > 0, and sigmoid keeps the argmax
        hit = ((Z[:, 0] > 0) == (T[:, 0] > 0.5) if K == 1
               else jnp.argmax(Z, -1) == jnp.argmax(T, -1))
        return hit.mean()

    def record(w, Xt, Tt, Xg, Tg):
        (Et, Zt), g = jax.value_and_grad(sse, has_aux=True)(w, Xt, Tt)
        Eg, Zg = sse(w, Xg, Tg)
        out = (Et, Eg, accuracy(Zt, Tt), accuracy(Zg, Tg), jnp.linalg.norm(g))
        if not mnist:
            out += (jnp.linalg.eigvalsh(jax.hessian(lambda v: sse(v, Xt, Tt)[0])(w)),)
        return g, out

    @jax.jit
    def step(W, key, data, idx):
        Xt, Tt, Xg, Tg = data
        if mnist:
            (it, ig), axes = idx, 0
            Xt, Tt, Xg, Tg = Xt[it], Tt[it], Xg[ig], Tg[ig]  # (walks, batch, .)
        else:
            axes = None  # every walk sees the whole data set
        G, out = jax.vmap(record, (0, axes, axes, axes, axes))(W, Xt, Tt, Xg, Tg)
        key, sub = jax.random.split(key)
        sizes = 0.02 * jax.random.uniform(sub, W.shape, W.dtype)
        return W + jnp.where(G > 0, -sizes, sizes), key, out  # as lgc: g = 0 steps +

    data = tuple(jnp.asarray(a, dtype) for a in (problem.X_train, problem.T_train,
                                                  problem.X_test, problem.T_test))
    rngs = [np.random.default_rng(i) for i in range(walks)]

    def draw():
        """Mini-batch indices per walk, drawn on the host as lgc.batches does."""
        if not mnist:
            return None
        return tuple(np.stack([r.choice(len(X), problem.batch_size, replace=False)
                               for r in rngs]) for X in (problem.X_train, problem.X_test))

    def run():
        key = jax.random.key(0)
        W = jax.random.uniform(key, (walks, problem.dim), dtype, -1.0, 1.0)
        outs = []  # kept and waited for, so that no step's records are skipped
        for _ in range(steps):
            W, key, out = step(W, key, data, draw())
            outs.append(out)
        jax.block_until_ready((W, outs))

    run()  # compiles
    return 1e3 * median_time(run, repeats) / (walks * steps)


def whole_process_ms(name, walks, steps, workers):
    """`lgc run` as a user runs it, start-up included, ms per walk-step."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "lgc", "run", "--problem", name, "--loss", "sse",
               "--range", "1", "--granularity", "micro", "--walks", str(walks), "--steps",
               str(steps), "--workers", str(workers), "--out", out, "--quiet",
               "--chunk-size", str(-(-walks // (2 * workers)))]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return 1e3 * (time.perf_counter() - start) / (walks * steps)


def matmul_gflops(n=1024, repeats=5):
    """float64 matmul rate of one core (a worker process runs one BLAS thread)."""
    from threadpoolctl import threadpool_limits
    a, b = np.random.rand(n, n), np.random.rand(n, n)
    with threadpool_limits(1, user_api="blas"):
        return 2 * n ** 3 / median_time(lambda: a @ b, repeats) / 1e9


def hessian_step_flops(P, K, n_in, h, d=None):
    """A walk-step with the full Hessian's curvature, in flops: the Gram matrix of the
    Jacobian's non-zero entries (P K rows of (n_in + 1) h + h + 1, symmetric), the
    sigma'' term (P (n_in+1)^2 h, twice) and two LDL^T of d x d (2 d^3 / 3).
    For Heart (P = 736, K = 1, 32 inputs, 10 hidden, d = 341) this is issue 4's count."""
    m1 = (n_in + 1) * h
    d = m1 + (h + 1) * K if d is None else d
    return P * K * (m1 + h + 1) ** 2 + 2 * P * (n_in + 1) ** 2 * h + 2 * d ** 3 / 3


def mnist_flops(batch=100, n_in=784, h=10):
    """Three products per walk-step: X W1 on the training and the test batch, X^T delta."""
    return 3 * 2 * batch * n_in * h


def step_flops(problem):
    """The flops of one of this problem's walk-steps, as the benchmark runs it."""
    if problem.name == "mnist":
        return mnist_flops(problem.batch_size, problem.n_in, problem.hidden)
    return hessian_step_flops(len(problem.X_train), problem.n_out, problem.n_in,
                              problem.hidden)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=",".join(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-steps", type=int, default=3)
    parser.add_argument("--whole-repeats", type=int, default=1,
                        help="runs of the whole-process column (median)")
    parser.add_argument("--no-whole", dest="whole", action="store_false",
                        help="skip the whole-process `lgc run --workers 2` column")
    parser.add_argument("--no-jax", dest="jax", action="store_false",
                        help="skip the JAX reference column")
    parser.add_argument("--activation-problems", default="heart",
                        help="comma-separated problems timed once per hidden activation "
                             "(lgc.vocabulary.ACTIVATIONS), full Hessian; '' skips them")
    parser.add_argument("--backend", help="also time the walk-steps in this array "
                                          "library (cupy: on a GPU)")
    parser.add_argument("--backend-walks", type=int, default=None,
                        help="walks advanced together in --backend's column (default: "
                             "lgc's chunk size there, at most 4096)")
    args = parser.parse_args(argv)
    jax_version = None
    if args.jax:
        try:  # optional: the column reads n/a without JAX
            import jax
            jax_version = jax.__version__
        except ImportError:
            pass
    print(f"lgc {lgc.__version__}, numpy {np.__version__}, "
          f"jax {jax_version or 'not used'}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rate = 2 * matmul_gflops()  # both cores, as the whole-process column
    print(f"{'problem':9s} {'d':>5s} {'lgc ms':>9s} {'naive ms':>9s} {'jax ms':>9s} "
          f"{'speed-up':>9s} {'vs jax':>8s} {'lgc run, 2 workers':>19s} "
          f"{'roofline':>9s} {'x roof':>7s}"
          + (f" {args.backend + ' ms':>15s}" if args.backend else ""))
    for name in args.problems.split(","):
        problem = lgc.load_problem(name)
        walks, steps = SIZES[name]
        ours = lgc_ms(problem, walks, steps, args.repeats)
        naive = naive_ms(problem, args.naive_steps, args.repeats)
        jax_col, vs_jax = f"{'n/a':>9s}", f"{'n/a':>8s}"
        if jax_version:
            ref = jax_ms(problem, walks, steps, args.repeats)
            jax_col, vs_jax = f"{ref:9.3f}", f"{ref / ours:7.1f}x"
        whole = (float(np.median([whole_process_ms(name, *WHOLE[name], workers=2)
                                  for _ in range(args.whole_repeats)]))
                 if args.whole else float("nan"))
        roof = 1e3 * step_flops(problem) / (rate * 1e9)
        other = ""
        if args.backend:
            hess = default_hessian(problem.name)
            n = args.backend_walks or min(4096, default_chunk_size(problem.dim, hess,
                                                                   args.backend))
            other = f" {lgc_ms(problem, n, steps, args.repeats, args.backend):15.4f}"
        print(f"{name:9s} {problem.dim:5d} {ours:9.3f} {naive:9.2f} {jax_col} "
              f"{naive / ours:8.1f}x {vs_jax} {whole:19.3f} {roof:9.3g} {whole / roof:6.3g}x"
              f"{other}", flush=True)
    names = [p for p in args.activation_problems.split(",") if p]
    if names:
        print(f"\n{'problem':9s} {'activation':10s} {'lgc ms':>9s} {'x sigmoid':>9s}")
    for name in names:
        problem = lgc.load_problem(name)
        walks, steps = SIZES[name]
        base = None
        for act in ACTIVATIONS:
            ms = lgc_ms(problem, walks, steps, args.repeats, activation=act)
            base = base or ms
            print(f"{name:9s} {act:10s} {ms:9.3f} {ms / base:8.2f}x", flush=True)
    print(f"\nlgc ms: one process, median of {args.repeats}; lgc run: the whole command "
          f"(start-up, files) with --workers 2, median of {args.whole_repeats}, "
          f"ms per walk-step")
    if jax_version:
        print(f"jax ms: jit(vmap(jax.hessian)) + eigvalsh, same walks x steps, median of "
              f"{args.repeats} after a compiling run, on JAX's own threads (both cores; "
              f"lgc ms uses one); vs jax = jax ms / lgc ms")
    else:
        print("jax ms: n/a, " + ("skipped by --no-jax" if not args.jax
                                 else "JAX absent (`pip install jax` to enable)"))
    print(f"roofline: a walk-step's flops (Gram matrix of the Jacobian's non-zero "
          f"entries, sigma'' term, two LDL^T; MNIST: its three input-layer products) at "
          f"{rate:.0f} GFLOP/s (float64 matmul measured now, 2 cores), ms per walk-step; "
          f"x roof = lgc run / roofline")
    heart = hessian_step_flops(736, 1, 32, 10)
    print(f"Heart roofline: {heart / 1e6:.0f} MFLOP per step at {rate:.0f} GFLOP/s "
          f"= {1e3 * heart / (rate * 1e9):.2f} ms per walk-step; lgc factorises the "
          f"Hessian restricted to its 291 non-structural directions, "
          f"{hessian_step_flops(736, 1, 27, 10) / 1e6:.0f} MFLOP by the same count")
    print(f"MNIST roofline: {mnist_flops() / 1e6:.1f} MFLOP per step (its input-layer "
          f"products) at {rate:.0f} GFLOP/s = {1e3 * mnist_flops() / (rate * 1e9):.3f} ms "
          f"per walk-step in float64, before decoding pixels and drawing batches and steps")


if __name__ == "__main__":
    main()
