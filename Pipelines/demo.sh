#!/usr/bin/env bash
# The main job, end to end, on the default corpus: installs what is missing,
# builds vadprep, generates the corpus (60 recordings of clean speech with
# exact labels and a library of white, pink, brown and babble noise;
# deterministic), extracts it with the noise mixed in by vadprep, cuts it
# into the report's segments (Pipelines/prepare.sh), shows and verifies the
# datasets, then runs a small version of the report's experiment: trains its
# LSTM on the 3 s segments and scores it on the validation split; last,
# marks speech in one recording with the bundled model and compares the
# marks with the recording's labels.
#
#   Pipelines/demo.sh [OUT_DIR]        (default: demo-output/)
source "$(dirname "$0")/common.sh"

out="${1:-$ROOT/demo-output}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

ensure_system_packages
build_vadprep release

corpus="$out/corpus"
# A corpus of the older layout (mixed recordings at the top) is replaced.
[ ! -f "$corpus/corpus.tsv" ] || rm -rf "$corpus"
generate_default_corpus "$corpus"

say "extract and segment (Pipelines/prepare.sh)"
"$ROOT/Pipelines/prepare.sh" "$corpus" "$out"

say "vadprep inspect"
"$VADPREP" inspect "$out/features"
"$VADPREP" inspect "$out/seg-3s/train"

say "vadprep verify"
for dataset in "$out/features" "$out"/seg-*/train "$out"/seg-*/valid; do "$VADPREP" verify "$dataset"; done

say "vadprep train (the report's lstm, 3 s segments, 4 epochs)"
"$VADPREP" train "$out/seg-3s/train" --valid "$out/seg-3s/valid" --model lstm --epochs 4 --seed 1 --out "$out/run-lstm-3s" --force
say "vadprep eval"
"$VADPREP" eval "$out/run-lstm-3s" "$out/seg-3s/valid"
say "vadprep predict (the bundled model) on a recording it never heard, against its labels"
first="$(find "$corpus/clean" -name '*.wav' | sort | head -n 1)"
"$VADPREP" predict "$first" --out "$out/predictions"
marked="$out/predictions/$(basename "${first%.*}").txt"
# Frame by frame (10 ms, over the whole recording: the .npy holds one float32
# per frame after its 128-byte header), how often the marks agree with the labels.
frames=$(( ($(stat -c %s "${marked%.txt}.npy") - 128) / 4 ))
awk -F'\t' -v n="$frames" 'function mark(track, a, b,   i) { for (i = int(a * 100 + 0.5); i < int(b * 100 + 0.5); i++) frames[track, i] = 1 }
    FNR == 1 { track++ } { mark(track, $1, $2) }
    END { for (i = 0; i < n; i++) same += (frames[1, i] == frames[2, i])
          printf "labels and marks agree on %d of %d frames (%.1f %%)\n", same, n, 100 * same / n }' \
    "${first%.*}.txt" "$marked"
paste <(echo "labels"; cut -f1,2 "${first%.*}.txt") <(echo "marked"; cut -f1,2 "$marked") | column -t

say "done: features in $out/features, segments in $out/seg-*/{train,valid}, a trained model in $out/run-lstm-3s (curves.svg), speech marked in $marked"
