#!/usr/bin/env bash
# The report's experiment, reproduced on a corpus generated like its data:
# 510 training and 72 validation recordings (espeak-ng voices in seven
# languages and KTuberling's recorded words, silences between, white, pink,
# brown or babble noise at 20/10/5/0 dB SNR, labels from the clean speech),
# then every model x segment length under the report's equal-audio rule
# (1 s crops x 12 epochs = 3 s crops x 4 epochs = whole utterances x 1 epoch,
# batch 51, or 1 for whole utterances), each scored on the validation set.
# Writes OUT/results.md (our table beside the report's) with each run's
# learning curves, and OUT/results.tsv.
#
#   Pipelines/report-experiment.sh [OUT] [--models LIST] [--lengths LIST]
#        [--train N] [--valid N] [--threads T]
#   defaults: OUT=experiment-output, all five models, lengths 1,3,whole, 510/72
source "$(dirname "$0")/common.sh"

out="$ROOT/experiment-output"
models="lstm,blstm,lstm2,cdnn,cdnn-raw"
lengths="1,3,whole"
train_count=510 valid_count=72 threads="$(nproc)"
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { out="$1"; shift; }
while [ $# -gt 0 ]; do
    case "$1" in
        --models) models="$2" ;;
        --lengths) lengths="$2" ;;
        --train) train_count="$2" ;;
        --valid) valid_count="$2" ;;
        --threads) threads="$2" ;;
        *) echo "report-experiment.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"

ensure_system_packages
build_vadprep release

# Training and validation recordings from different seeds: no recording is in both.
generate_corpus "$out/corpus-train" --count "$train_count" --seed 101 --min-seconds 8 --max-seconds 30 --quiet
generate_corpus "$out/corpus-valid" --count "$valid_count" --seed 202 --min-seconds 8 --max-seconds 30 --quiet

for split in train valid; do
    say "extract $split"
    "$VADPREP" extract "$out/corpus-$split" --out "$out/features-$split" --raw-frames --resume --quiet
done

# Segmentations: 1 s and 3 s random crops (12 and 4 stored epochs), whole utterances.
segment() {  # LENGTH SPLIT
    local args
    case "$1" in
        whole) args=(--mode whole) ;;
        1) args=(--mode random --len 1 --epochs 12) ;;
        3) args=(--mode random --len 3 --epochs 4) ;;
        *) echo "unknown length $1" >&2; exit 2 ;;
    esac
    [ -f "$out/seg-$1/$2/index.json" ] ||
        "$VADPREP" segment "$out/features-$2" --out "$out/seg-$1/$2" "${args[@]}" --seed 1 --force --quiet
}
epochs_for() { case "$1" in 1) echo 12 ;; 3) echo 4 ;; whole) echo 1 ;; esac; }

printf 'model\tsegment\tepochs\tval_loss\tval_acc\tval_f1\tval_auc\ttrain_s\n' > "$out/results.tsv"
for length in ${lengths//,/ }; do
    segment "$length" train
    segment "$length" valid
    for model in ${models//,/ }; do
        run="$out/runs/$model-$length"
        say "train $model on $length segments"
        start=$(date +%s.%N)
        "$VADPREP" train "$out/seg-$length/train" --valid "$out/seg-$length/valid" --model "$model" \
            --epochs "$(epochs_for "$length")" --seed 1 --threads "$threads" --out "$run" --force
        seconds=$(echo "$(date +%s.%N) - $start" | bc)
        json="$("$VADPREP" eval "$run" "$out/features-valid" --json --threads "$threads")"
        field() { sed -E "s/.*\"$1\":([-0-9.e+]+).*/\1/" <<<"$json"; }
        printf '%s\t%s\t%s\t%.4f\t%.2f\t%.4f\t%.4f\t%.0f\n' "$model" "$length" "$(epochs_for "$length")" \
            "$(field loss)" "$(echo "$(field accuracy) * 100" | bc -l)" "$(field f1)" "$(field roc_auc)" "$seconds" >> "$out/results.tsv"
    done
done

# The Markdown report: ours beside the report's (its own data, validation accuracy).
{
    echo "# The report's experiment, reproduced with vadprep"
    echo
    echo "Training: $train_count recordings, validation: $valid_count (generated, see Pipelines/make-corpus.sh)."
    echo "Scores are on every frame of the validation recordings (whole utterances), after training on"
    echo "the segments named; equal audio per run: 1 s x 12 epochs = 3 s x 4 = whole x 1."
    echo
    echo "| model | segment | epochs | val loss | val acc | val F1 | val AUC | train time | report: val loss | report: val acc |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    tail -n +2 "$out/results.tsv" | while IFS=$'\t' read -r model length epochs loss acc f1 auc secs; do
        report=""
        case "$model/$length" in
            lstm/1) report="0.3067 | 86.89 %" ;;
            lstm/3) report="0.2872 | 88.31 %" ;;
            lstm/whole) report="0.2155 | 91.26 %" ;;
            blstm/3) report=" | 91.62 %" ;;
            blstm/1) report=" | 94 %" ;;
            lstm2/3) report=" | 88.85 %" ;;
            *) report=" | " ;;
        esac
        seg="$length s"; [ "$length" = whole ] && seg="whole (batch 1)"
        echo "| $model | $seg | $epochs | $loss | $acc % | $f1 | $auc | ${secs} s | $report |"
    done
    echo
    echo "Learning curves (loss and accuracy per epoch):"
    echo
    for run in "$out"/runs/*/; do
        name="$(basename "$run")"
        echo "![${name}](runs/${name}/curves.svg)"
    done
} > "$out/results.md"
say "done: $out/results.md"
cat "$out/results.md"
