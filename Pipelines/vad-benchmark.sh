#!/usr/bin/env bash
# vadprep's trained VAD against the usual ones on recordings unlike its
# training data: a test corpus in languages (sv, fi, ca, ro) and noises
# (mains hum, plucked music) that the training corpus never has, scored
# frame by frame (F1, ROC AUC) for webrtcvad (mode 3), Silero VAD (its ONNX
# model from its PyPI wheel, run with onnxruntime) and the model in RUN.
#
#   Pipelines/vad-benchmark.sh RUN [OUT] [--count N]
#   (RUN: a `vadprep train` run directory, e.g. experiment-output/runs/blstm-1)
source "$(dirname "$0")/common.sh"

run="${1:?usage: vad-benchmark.sh RUN [OUT] [--count N]}"
shift
out="$ROOT/vad-benchmark-output"
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { out="$1"; shift; }
count=100
[ "${1:-}" = "--count" ] && count="${2:?--count takes a number}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

ensure_system_packages
build_vadprep release
python_venv "$ROOT/Pipelines/python/requirements-vad.txt" "$ROOT/.build-vadvenv"
silero_version=6.2.3
silero="$out/silero_vad-$silero_version.onnx"
if [ ! -s "$silero" ]; then
    say "fetching Silero VAD $silero_version's ONNX model from its PyPI wheel"
    "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps "silero-vad==$silero_version" -d "$out/wheel"
    "$PYTHON" - "$out/wheel" "$silero" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(f"{sys.argv[1]}/silero_vad-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as f:
    f.write(z.read("silero_vad/data/silero_vad.onnx"))
PY
fi

corpus="$out/corpus"
stamp="$(sha256sum "$ROOT/Pipelines/make-corpus.sh" | cut -c1-16) $count"
if [ "$(cat "$corpus/.stamp" 2>/dev/null)" != "$stamp" ]; then
    say "generating $count held-out test recordings (sv, fi, ca, ro; hum, music)"
    rm -rf "$corpus"
    "$ROOT/Pipelines/make-corpus.sh" "$corpus" --count "$count" --seed 303 --languages sv,fi,ca,ro \
        --noises hum,music --min-seconds 8 --max-seconds 30 --quiet
    echo "$stamp" > "$corpus/.stamp"
fi
"$VADPREP" extract "$corpus" --out "$out/features" --raw-frames --force --quiet
mapfile -t audio < <(find "$corpus" -name 'utt-*' ! -name '*.txt' | sort)
"$VADPREP" predict "$run" "${audio[@]}" --out "$out/predictions" --quiet

say "scoring (frames of vadprep's grid; unknown labels skipped)"
"$PYTHON" "$ROOT/Pipelines/python/peer_vads.py" "$out/features" --silero "$silero" --predictions "$out/predictions" \
    --name "vadprep $(basename "$run")" --json "$out/results.json" | tee "$out/results.md"
