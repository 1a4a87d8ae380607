"""The speed benchmark runs from a fresh clone and prints what the README shows."""
import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "walk_step.py"


def _load():
    spec = importlib.util.spec_from_file_location("walk_step", BENCH)
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
    assert "skipped by --no-jax" in out and "Heart roofline" in out
