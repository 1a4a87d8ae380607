#!/usr/bin/env bash
# Everything issue 4 measures on a GPU, in one call of a lent machine (< 10 min).
#
#   make gpu-kit            # here, once: .gpu/ holds the data files and the wheels
#                           # the GPU image lacks (autograd, pooch); git-ignored
#   bash benchmarks/gpu.sh  # there, from the repository root, carrying .gpu
#
# Writes to $OUT (default gpu-out/): device.txt, backend_check.txt (numpy against
# the GPU on the same walks), walk_step.txt (ms per walk-step, with a cupy column),
# estimate.txt (the paper's protocol predicted there) and runs.txt (whole `lgc run`
# samples on the GPU, timed). BACKEND (default cupy),
# PROBLEMS, RUN_SECONDS and PYTHON may be set; BACKEND=array_api_strict tries it
# all on a CPU.
set -euo pipefail
OUT=${OUT:-gpu-out}
PY=${PYTHON:-python3}
BACKEND=${BACKEND:-cupy}
PROBLEMS=${PROBLEMS:-iris,heart,mnist}
RUN_SECONDS=${RUN_SECONDS:-150}
mkdir -p "$OUT"
if compgen -G ".gpu/whl/*.whl" > /dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/lgc-site .gpu/whl/*.whl
fi
export PYTHONPATH="/tmp/lgc-site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export LGC_DATA_DIR="${LGC_DATA_DIR:-$PWD/.gpu/data}" PYTHONUNBUFFERED=1

{ nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
  "$PY" -c "import lgc, numpy; print('lgc', lgc.__version__, 'numpy', numpy.__version__)"
  "$PY" -c "import $BACKEND as xp; print('$BACKEND', getattr(xp, '__version__', '?'))"
} | tee "$OUT/device.txt"
"$PY" benchmarks/backend_check.py --backend "$BACKEND" --problems "$PROBLEMS" \
  | tee "$OUT/backend_check.txt"
"$PY" benchmarks/walk_step.py --problems "$PROBLEMS" --backend "$BACKEND" --no-whole \
  --no-jax --naive-steps 1 | tee "$OUT/walk_step.txt"
# the paper's whole protocol there, predicted from a calibration as `lgc estimate` does
"$PY" -m lgc estimate --preset paper --problems "$PROBLEMS" --backend "$BACKEND" \
  --workers 1 | tee "$OUT/estimate.txt"
# whole samples as a user runs them (10 d walks, 20 steps each), timed from the
# command line; cut at RUN_SECONDS, so that the call ends in time
for problem in heart mnist; do
  case ",$PROBLEMS," in *",$problem,"*) ;; *) continue ;; esac
  rm -rf /tmp/lgc-gpu-results
  start=$(date +%s%N)
  status=0
  timeout "$RUN_SECONDS" "$PY" -m lgc run --problem $problem --granularity macro --steps 20 \
    --loss sse --range 1 --backend "$BACKEND" --workers 1 --out /tmp/lgc-gpu-results \
    --quiet || status=$?
  "$PY" - "$problem" "$BACKEND" "$status" "$start" "$(date +%s%N)" <<'PY' | tee -a "$OUT/runs.txt"
import json, pathlib, sys
problem, backend, status, start, end = sys.argv[1:]
status, seconds = int(status), (int(end) - int(start)) / 1e9
done = [json.loads(p.read_text())["config"] for p in pathlib.Path("/tmp/lgc-gpu-results").glob("*.json")]
line = f"lgc run --problem {problem} --backend {backend}: exit {status}, {seconds:.1f} s"
if done:
    n = done[0]["walks"] * done[0]["steps"]
    line += f", {n} walk-steps, {1e3 * seconds / n:.4f} ms per walk-step (whole command)"
print(line)
PY
done
