#!/usr/bin/env bash
# The main job, end to end, on the bundled default corpus: installs what is
# missing, builds vadprep, generates the corpus (60 labelled recordings,
# deterministic), extracts it, cuts it into the report's segments
# (Pipelines/prepare.sh), and shows and verifies the datasets.
#
#   Pipelines/demo.sh [OUT_DIR]        (default: demo-output/)
source "$(dirname "$0")/common.sh"

out="${1:-$ROOT/demo-output}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

ensure_system_packages
build_vadprep release

# The corpus is regenerated only when the generator or its arguments change.
corpus="$out/corpus"
corpus_args=(--count 60 --seed 1)
stamp="$(sha256sum "$ROOT/Pipelines/make-corpus.sh" | cut -c1-16) ${corpus_args[*]}"
if [ "$(cat "$corpus/.stamp" 2>/dev/null)" != "$stamp" ]; then
    say "generating the default corpus in $corpus"
    rm -rf "$corpus"
    "$ROOT/Pipelines/make-corpus.sh" "$corpus" "${corpus_args[@]}"
    echo "$stamp" > "$corpus/.stamp"
fi

say "extract and segment (Pipelines/prepare.sh)"
"$ROOT/Pipelines/prepare.sh" "$corpus" "$out"

say "vadprep inspect"
"$VADPREP" inspect "$out/features"
"$VADPREP" inspect "$out/seg-3s/train"

say "vadprep verify"
for dataset in "$out/features" "$out"/seg-*/train "$out"/seg-*/valid; do "$VADPREP" verify "$dataset"; done

say "done: features in $out/features, segments in $out/seg-*/{train,valid}"
