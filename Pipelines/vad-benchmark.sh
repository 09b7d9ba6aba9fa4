#!/usr/bin/env bash
# vadprep's trained VAD against the usual ones on recordings unlike its
# training data, scored frame by frame (F1, ROC AUC) for webrtcvad (mode 3),
# Silero VAD (its ONNX model from its PyPI wheel, run with onnxruntime) and
# vadprep, on four test sets in languages and noises the training corpus
# never has:
#   A: Swedish, Finnish, Catalan, Romanian; mains hum, plucked-chord music;
#   B: Danish, Russian, Greek; traffic, cafe (murmur and clinks);
#   C: Ukrainian, Lithuanian, Slovenian; rain, fan, typing;
#   D: Irish, Serbian; birds, vacuum cleaner.
# All at 0 to 20 dB SNR.
#
# Without --run, vadprep's model is trained here first: 1500 generated
# recordings (8.4 h; the seven default languages; white, pink, brown,
# babble, tones, engine, melody, chords and wind noise or none, at -5 to
# 20 dB SNR, half of the noises randomly band-passed, equalised and
# drifting), 150 for validation, 1 s random crops, a bidirectional LSTM on
# MFCC + deltas, 36 epochs with a cosine learning rate. About 25 minutes on
# 2 cores.
#
#   Pipelines/vad-benchmark.sh [OUT] [--run RUN] [--count N]
#   (RUN: an existing `vadprep train` run directory to score instead)
source "$(dirname "$0")/common.sh"

out="$ROOT/vad-benchmark-output"
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { out="$1"; shift; }
run="" count=100
while [ $# -gt 0 ]; do
    case "$1" in
        --run) run="$2" ;;
        --count) count="$2" ;;
        *) echo "vad-benchmark.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
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

# The training recipe of vadprep's model (skipped with --run).
if [ -z "$run" ]; then
    train=(--noises white,pink,brown,babble,tones,engine,melody,chords,wind,none --snr=-5,0,5,10,20 --noise-shaping 0.5
        --min-seconds 6 --max-seconds 30 --quiet)
    generate_corpus "$out/train-corpus" --count 1500 --seed 505 "${train[@]}"
    generate_corpus "$out/valid-corpus" --count 150 --seed 606 "${train[@]}"
    for split in train valid; do
        # Features and segments are kept between runs only while they come from this very corpus.
        if ! cmp -s "$out/$split-corpus/.stamp" "$out/$split.corpus-stamp"; then
            rm -rf "$out/$split-features" "$out/$split-segments"
            cp "$out/$split-corpus/.stamp" "$out/$split.corpus-stamp"
        fi
        "$VADPREP" extract "$out/$split-corpus" --out "$out/$split-features" --resume --quiet
        [ -f "$out/$split-segments/index.json" ] ||
            "$VADPREP" segment "$out/$split-features" --out "$out/$split-segments" --mode random --len 1 --epochs 12 --seed 1 --quiet
    done
    run="$out/run-blstm"
    say "training vadprep's VAD (blstm, MFCC + deltas, 36 epochs, cosine learning rate) in $run"
    "$VADPREP" train "$out/train-segments" --valid "$out/valid-segments" --model blstm --inputs 40 --epochs 36 --seed 1 --lr-schedule cosine \
        --out "$run" --force
fi

# test_set NAME MAKE-CORPUS-OPTIONS...: generate, extract (with the waveform
# the peers hear), predict with vadprep's model, score all three.
test_set() {
    local name="$1" audio
    shift
    generate_corpus "$out/corpus-$name" --count "$count" "$@" --min-seconds 8 --max-seconds 30 --quiet
    "$VADPREP" extract "$out/corpus-$name" --out "$out/features-$name" --raw-frames --force --quiet
    mapfile -t audio < <(find "$out/corpus-$name" -name 'utt-*' ! -name '*.txt' | sort)
    "$VADPREP" predict "$run" "${audio[@]}" --out "$out/predictions-$name" --quiet
    say "scoring test set $name (frames of vadprep's grid; unknown labels skipped)"
    "$PYTHON" "$ROOT/Pipelines/python/peer_vads.py" "$out/features-$name" --silero "$silero" \
        --predictions "$out/predictions-$name" --name "vadprep $(basename "$run")" --json "$out/results-$name.json" \
        --corpus-tsv "$out/corpus-$name/corpus.tsv" |
        tee "$out/results-$name.md"
}
test_set A --seed 303 --languages sv,fi,ca,ro --noises hum,music
test_set B --seed 404 --languages da,ru,el --noises traffic,cafe
test_set C --seed 707 --languages uk,lt,sl --noises rain,fan,typing
test_set D --seed 808 --languages ga,sr --noises birds,vacuum
