#!/usr/bin/env bash
# One training step of the report's `lstm` model (batch 51, 300 frames, 20
# inputs: forward + backward + Adam), vadprep's against PyTorch's CPU LSTM
# on this machine with the same number of threads, in the same run, plus
# the GFLOP/s the step reaches against OpenBLAS sgemm alone on its shapes.
# Each side runs three times (a median of 10 steps each) and keeps its best.
#
#   Pipelines/bench-train.sh [THREADS...]      (default: 1 and all cores)
source "$(dirname "$0")/common.sh"
ensure_system_packages
say "building VADTrainBench (release)"
(cd "$ROOT" && swift build -c release --product VADTrainBench 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2)
bench="$(cd "$ROOT" && swift build -c release --show-bin-path)/VADTrainBench"
python_venv "$ROOT/Pipelines/python/requirements.txt"
if ! "$PYTHON" -c "import torch" 2>/dev/null; then  # as test.sh: local +cpu wheels, else PyPI's
    "$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/Pipelines/python/requirements-torch.txt" \
        || "$PYTHON" -m pip install -q --disable-pip-version-check torch==2.13.0
fi

threads=("$@")
[ ${#threads[@]} -eq 0 ] && threads=(1 "$(nproc)")
printf '%-8s %12s %12s %8s %14s %14s\n' threads "vadprep ms" "PyTorch ms" ratio "step GFLOP/s" "sgemm GFLOP/s"
best() {  # the run with the lowest median of three (this machine's timings come in two modes)
    local line="" out
    for _ in 1 2 3; do out="$("$@" | tail -n 1)"; line="$(printf '%s\n%s\n' "$line" "$out" | sed '/^$/d')"; done
    "$PYTHON" -c 'import json, sys
runs = [json.loads(l) for l in sys.stdin.read().splitlines()]
print(json.dumps(min(runs, key=lambda r: r.get("step_ms", r.get("median_ms")))))' <<<"$line"
}
for t in "${threads[@]}"; do
    ours="$(best "$bench" --threads "$t" --steps 10)"
    theirs="$(best "$PYTHON" "$ROOT/Pipelines/python/torch_lstm_step.py" --threads "$t" --steps 10)"
    "$PYTHON" - "$t" "$ours" "$theirs" <<'PY'
import json, sys
t, ours, theirs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
torch_ms = theirs["median_ms"]
print(f"{t:<8} {ours['step_ms']:12.1f} {torch_ms:12.1f} {ours['step_ms'] / torch_ms:8.2f} {ours['step_gflops']:14.1f} {ours['sgemm_gflops']:14.1f}")
PY
done
echo "ratio = vadprep's step time / PyTorch's (target: 0.8 or less)"
