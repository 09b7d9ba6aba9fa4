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
# Each set is clean generated speech mixed by `vadprep extract --noise` with
# its own noise library at 0 to 20 dB (speech-active SNR); every VAD hears the
# mix as extract wrote it (--write-audio).
#
# Without --run, vadprep's model is trained here first, with the recipe the
# bundled model comes from: 1500 generated clean recordings (the seven default
# languages, 6-30 s, 8.4 h) mixed by vadprep with a library of white, pink,
# brown, tones, engine, melody, chords and wind noise at -5 to 30 dB, half of
# the copies' noise randomly band-passed, equalised and drifting
# (--noise-shaping 0.5), 30 % of them with a murmur of 3 to 7 background
# talkers (--babble, labelled non-speech); 150 more for validation; random
# 1 s crops; a causal LSTM (one layer of 64 cells, 27k parameters) on MFCC +
# deltas, 36 epochs, cosine learning rate. --clean trains on the clean speech
# alone instead, to show what the augmentation brings. Then the model is run
# over each test set as one sequence per recording (--window 0, what --stream
# gives; --window W for W-second windows, as a bidirectional model wants) and
# its speed printed next to Silero's, both on one thread.
# --bundle copies the trained model over the one vadprep predict runs by
# default (Sources/VADInference/BundledModel/model.safetensors).
#
#   Pipelines/vad-benchmark.sh [OUT] [--run RUN] [--seed S] [--model M]
#       [--hidden H] [--layers L] [--epochs E] [--window W] [--clean] [--count N] [--bundle]
#   (RUN: an existing `vadprep train` run directory to score instead)
source "$(dirname "$0")/common.sh"

out="$ROOT/vad-benchmark-output"
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { out="$1"; shift; }
run="" count=100 seed=1 model=lstm hidden=64 layers=1 epochs=36 clean=0 bundle=0 window=0
while [ $# -gt 0 ]; do
    case "$1" in
        --run) run="$2" ;;
        --count) count="$2" ;;
        --seed) seed="$2" ;;
        --model) model="$2" ;;
        --hidden) hidden="$2" ;;
        --layers) layers="$2" ;;
        --epochs) epochs="$2" ;;
        --window) window="$2" ;;
        --clean) clean=1; shift; continue ;;
        --bundle) bundle=1; shift; continue ;;
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

# extract_once CORPUS OUT ARGS...: extracts unless OUT was made from this very
# corpus with these arguments (the stamp of the corpus and the arguments).
extract_once() {
    local corpus="$1" features="$2" stamp
    shift 2
    stamp="$(cat "$corpus/.stamp") $*"
    if [ "$(cat "$features.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$features/index.json" ]; then
        rm -rf "$features" "$features.stamp"
        "$VADPREP" extract "$corpus" --out "$features" --quiet "$@"
        echo "$stamp" > "$features.stamp"
    fi
}

# The training recipe of vadprep's model (skipped with --run).
if [ -z "$run" ]; then
    speech=(--min-seconds 6 --max-seconds 30 --quiet)
    generate_speech "$out/train-speech" --count 1500 --seed 505 "${speech[@]}"
    generate_speech "$out/valid-speech" --count 150 --seed 606 "${speech[@]}"
    generate_noise "$out/train-noise" --kinds white,pink,brown,babble,tones,engine,melody,chords,wind \
        --per-kind 12 --seconds 60 --seed 505 --quiet
    variant=aug
    [ "$clean" = 1 ] && variant=clean
    for split in train valid; do
        augment_seed=505
        [ "$split" = valid ] && augment_seed=606
        noises=$(printf "$out/train-noise/%s," white pink brown tones engine melody chords wind)
        mix=(--noise "${noises%,}" --snr=-5,0,5,10,20,30 --noise-shaping 0.5 --babble "$out/train-noise/babble" --babble-prob 0.3
             --copies 1 --no-clean --augment-seed "$augment_seed")
        [ "$clean" = 1 ] && mix=()
        extract_once "$out/$split-speech" "$out/$split-features-$variant" "${mix[@]}"
        [ -f "$out/$split-segments-$variant/index.json" ] && cmp -s "$out/$split-features-$variant.stamp" "$out/$split-segments-$variant.stamp" ||
            { "$VADPREP" segment "$out/$split-features-$variant" --out "$out/$split-segments-$variant" --mode random --len 1 --epochs 12 \
                --seed 1 --quiet --force
              cp "$out/$split-features-$variant.stamp" "$out/$split-segments-$variant.stamp"; }
    done
    run="$out/run-$model-$hidden-$layers-$variant-seed$seed"
    say "training vadprep's VAD ($model, $layers x $hidden, MFCC + deltas, $epochs epochs, cosine learning rate, seed $seed, $variant) in $run"
    "$VADPREP" train "$out/train-segments-$variant" --valid "$out/valid-segments-$variant" --model "$model" --hidden "$hidden" \
        --layers "$layers" --inputs 40 --epochs "$epochs" --seed "$seed" --lr-schedule cosine --out "$run" --force --quiet
    if [ "$bundle" = 1 ]; then
        say "bundling $run/model.safetensors as the model vadprep predict runs by default"
        cp "$run/model.safetensors" "$ROOT/Sources/VADInference/BundledModel/model.safetensors"
    fi
fi
name="vadprep $(basename "$run")"

# test_set NAME SEED LANGUAGES NOISES: generate, mix, predict with vadprep's
# model (one thread, timed), score all three.
test_set() {
    local set="$1" seed="$2" languages="$3" noises="$4" audio started finished
    generate_speech "$out/speech-$set" --count "$count" --seed "$seed" --languages "$languages" --min-seconds 8 --max-seconds 30 --quiet
    generate_noise "$out/noise-$set" --kinds "$noises" --per-kind 6 --seconds 60 --seed "$seed" --quiet
    extract_once "$out/speech-$set" "$out/features-$set" --noise "$out/noise-$set" --snr 0:20 --copies 1 --no-clean \
        --augment-seed "$seed" --raw-frames --write-audio "$out/audio-$set"
    mapfile -t audio < <(find "$out/audio-$set" -name '*.wav' | sort)
    rm -rf "$out/predictions-$set"
    started=$(date +%s.%N)
    "$VADPREP" predict --model "$run" "${audio[@]}" --out "$out/predictions-$set" --window "$window" --threads 1 --quiet
    finished=$(date +%s.%N)
    say "scoring test set $set (frames of vadprep's grid; unknown labels skipped)"
    {
        "$PYTHON" "$ROOT/Pipelines/python/peer_vads.py" "$out/features-$set" --silero "$silero" \
            --predictions "$out/predictions-$set" --name "$name" --json "$out/results-$set.json" --scores "$out/scores-$set.npz"
        "$PYTHON" - "$out/features-$set/index.json" "$started" "$finished" "$window" <<'PY'
import json, sys
seconds = sum(u["duration_seconds"] for u in json.load(open(sys.argv[1]))["utterances"])
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"vadprep predict (--window {sys.argv[4]} --threads 1, whole process: decode, features, model): {seconds:.1f} s of audio in {wall:.2f} s, {seconds / wall:.0f} x real time")
PY
    } | tee "$out/results-$set.md"
}
test_set A 303 sv,fi,ca,ro hum,music
test_set B 404 da,ru,el traffic,cafe
test_set C 707 uk,lt,sl rain,fan,typing
test_set D 808 ga,sr birds,vacuum

say "the four sets pooled"
"$PYTHON" "$ROOT/Pipelines/python/peer_vads.py" --pool "$out"/scores-{A,B,C,D}.npz | tee "$out/results-pooled.md"
