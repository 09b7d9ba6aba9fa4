#!/usr/bin/env bash
# Corpus -> features -> the report's segmentations, each split 88/12 into
# train and valid the same way (the split depends only on the utterance ids
# and the seed):
#
#   OUT/features        vadprep extract (20 MFCC + deltas, raw-waveform frames);
#                       a CORPUS_DIR holding clean/ and noise/ (the default
#                       corpus, Pipelines/common.sh) is mixed: every recording
#                       of clean/ once, with noise from noise/ at a
#                       speech-active SNR of 0, 5, 10 or 20 dB, as ID~aug1
#                       (no clean copy); any other CORPUS_DIR is extracted
#                       as it is
#   OUT/seg-1s          random 1 s crops, 12 epochs     (the report's equal-audio rule:
#   OUT/seg-3s          random 3 s crops, 4 epochs       12 x 1 s = 4 x 3 s = 1 x 30 s
#   OUT/seg-30s         fixed 30 s segments, padded      per utterance)
#   OUT/seg-whole       whole utterances, for batch size 1
#   OUT/seg-3s-fixed    consecutive 3 s segments
#
#   Pipelines/prepare.sh CORPUS_DIR OUT_DIR [--seed S]
# Needs VADPREP (the vadprep binary) in the environment or on the PATH.
source "$(dirname "$0")/common.sh"
corpus="${1:?usage: prepare.sh CORPUS_DIR OUT_DIR [--seed S]}"
out="${2:?usage: prepare.sh CORPUS_DIR OUT_DIR [--seed S]}"
seed=1
if [ "${3:-}" = "--seed" ]; then seed="${4:?--seed takes a number}"; fi
vadprep="${VADPREP:-vadprep}"

mkdir -p "$out"
if [ -d "$corpus/clean" ] && [ -d "$corpus/noise" ]; then
    "$vadprep" extract "$corpus/clean" --noise "$corpus/noise" "${DEFAULT_MIX[@]}" --out "$out/features" --raw-frames --force
else
    "$vadprep" extract "$corpus" --out "$out/features" --raw-frames --force
fi

split=(--split valid=0.12 --seed "$seed" --force)
"$vadprep" segment "$out/features" --out "$out/seg-1s"       --mode random --len 1 --epochs 12 "${split[@]}"
"$vadprep" segment "$out/features" --out "$out/seg-3s"       --mode random --len 3 --epochs 4  "${split[@]}"
"$vadprep" segment "$out/features" --out "$out/seg-30s"      --mode fixed  --len 30           "${split[@]}"
"$vadprep" segment "$out/features" --out "$out/seg-whole"    --mode whole                     "${split[@]}"
"$vadprep" segment "$out/features" --out "$out/seg-3s-fixed" --mode fixed  --len 3            "${split[@]}"
