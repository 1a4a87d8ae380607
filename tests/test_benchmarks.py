"""The speed benchmark runs from a fresh clone and prints what the README shows."""
import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name="walk_step"):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_prints_a_row_with_lgc_naive_and_the_roofline(capsys):
    """One small problem, JAX skipped: a row with lgc and naive times, then the roofline."""
    _load().main(["--problems", "xor", "--repeats", "1", "--naive-steps", "1",
                  "--no-whole", "--no-jax"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("xor"))
    lgc_ms, naive_ms = (float(x) for x in row.split()[2:4])
    assert 0 < lgc_ms < naive_ms
    assert float(row.split()[-2]) > 0  # XOR's own roofline, ms per walk-step
    assert "skipped by --no-jax" in out and "Heart roofline" in out
    assert "MNIST roofline: 4.7 MFLOP per step" in out


def test_heart_step_is_issue_4s_130_mflop():
    """Issue 4 counts a Heart walk-step (736 patterns, d = 341) at about 130 MFLOP:
    the Gram matrix P d^2, the sigma'' term and two LDL^T of 341 x 341."""
    flops = _load().hessian_step_flops(736, 1, 32, 10)
    assert flops == 736 * 341 ** 2 + 2 * 736 * 33 ** 2 * 10 + 2 * 341 ** 3 / 3
    assert 125e6 < flops < 135e6


def test_roofline_counts_only_the_jacobians_non_zero_entries_for_several_outputs():
    """With K outputs a Jacobian row (p, k) touches the input weights and output k's
    h + 1 weights only: Iris (4 inputs, 4 hidden, 3 outputs) has 20 + 5 of d = 35."""
    bench = _load()
    per_pattern = bench.hessian_step_flops(1, 3, 4, 4) - bench.hessian_step_flops(0, 3, 4, 4)
    assert per_pattern == 3 * (20 + 5) ** 2 + 2 * 5 ** 2 * 4


def test_backend_column_times_every_problem_in_that_library(capsys):
    """--backend (cupy on a GPU; array_api_strict here) times the same walk-steps
    there, MNIST's gradient-only and XOR's with the full Hessian."""
    _load().main(["--problems", "xor,mnist", "--repeats", "1", "--naive-steps", "1",
                  "--no-whole", "--no-jax", "--backend", "array_api_strict",
                  "--backend-walks", "4"])
    out = capsys.readouterr().out
    assert "array_api_strict ms" in out.splitlines()[1]
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:4]}
    assert float(rows["xor"][-1]) > 0 and float(rows["mnist"][-1]) > 0


def test_float32_comparison_prints_every_reported_mnist_cell_in_both_precisions(
        capsys, tmp_path):
    """Tables 9 and B.15 hold 48 cells; each is printed in float64 and float32."""
    _load("mnist_float32").main(["--preset", "tiny", "--results", str(tmp_path)])
    out = capsys.readouterr().out
    assert "of 48 reported cells unchanged in float32" in out
    rows = [line for line in out.splitlines() if line.rstrip().endswith(("True", "False"))]
    assert len(rows) == 48


def test_backend_check_prints_numpys_walks_found_again_in_a_standard_library(capsys):
    """benchmarks/backend_check.py (run with cupy on a GPU): here array_api_strict
    must find every XOR walk, its weights and its curvature classes again."""
    _load("backend_check").main(["--backend", "array_api_strict", "--problems", "xor",
                                 "--walks", "4", "--steps", "10"])
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("xor")).split()
    assert row[3:6] == ["4", "of", "4"] and float(row[6]) < 1e-12 and row[7] == "1.0000"


def test_backend_check_counts_a_walk_that_parted_and_a_class_that_differs():
    """The agreement measure itself: one walk's weights moved, one class changed."""
    import numpy as np
    rng = np.random.default_rng(0)
    ref = {"weights": rng.random((4, 3, 5)), "curvature": np.zeros((4, 10), dtype=np.int8)}
    ref.update({k: rng.random((4, 10)) + 1 for k in ("Et", "Eg", "grad_norm")})
    out = {k: v.copy() for k, v in ref.items()}
    out["weights"][2, 1, 0] += 1e-9
    out["Et"][2] *= 2  # on the walk that parted: not counted as rounding
    out["Eg"][0] *= 1 + 1e-15
    out["curvature"][1, 3] = 2
    same, rel, classes = _load("backend_check").agreement(ref, out)
    assert same == 3 and 0 < rel < 1e-14 and classes == 39 / 40
