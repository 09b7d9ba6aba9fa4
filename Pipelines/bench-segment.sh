#!/usr/bin/env bash
# Times `vadprep segment` against `vadprep extract` on the default corpus,
# as whole processes (release build, best of REPEATS runs), and prints the
# sizes written. The corpus is extracted as Pipelines/prepare.sh extracts
# it, the noise mixed in by vadprep (one copy of every recording instead of
# the clean one). The extract time, and so the "x extract" ratios, now
# include the mixing, which the corpus generator used to do with sox before
# the clock started (bench.sh measures what it adds to a plain extract).
#
#   Pipelines/bench-segment.sh [REPEATS]     (default 5)
source "$(dirname "$0")/common.sh"
repeats="${1:-5}"
ensure_system_packages
build_vadprep release
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
generate_default_corpus "$work/corpus" --quiet >/dev/null

# best NAME COMMAND...: the fastest of $repeats runs, in seconds.
best() {
    local name="$1" fastest="" start end elapsed
    shift
    for _ in $(seq "$repeats"); do
        start=$(date +%s.%N)
        "$@" >/dev/null
        end=$(date +%s.%N)
        elapsed=$(echo "$end - $start" | bc -l)
        if [ -z "$fastest" ] || [ "$(echo "$elapsed < $fastest" | bc -l)" = 1 ]; then fastest=$elapsed; fi
    done
    printf '%s %s\n' "$name" "$fastest"
}

audio=$(awk -F'\t' 'NR > 1 { s += $5 } END { printf "%.1f", s }' "$work/corpus/clean/corpus.tsv")
printf 'default corpus: %s s of audio, %s, %s cores, vadprep %s\n' "$audio" "$(date -u +%F)" "$(nproc)" "$("$VADPREP" --version)"
printf '%-44s %10s %10s %12s\n' "command" "best s" "x extract" "written"
results=$(
    best "extract --jobs 2 (noise mixed)" "$VADPREP" extract "$work/corpus/clean" --noise "$work/corpus/noise" "${DEFAULT_MIX[@]}" \
        --out "$work/features" --force --quiet
    best "segment --len 3 (fixed)" "$VADPREP" segment "$work/features" --out "$work/fixed" --len 3 --force --quiet
    best "segment --mode random --len 3 --epochs 4" "$VADPREP" segment "$work/features" --out "$work/random" --mode random --len 3 --epochs 4 --force --quiet
    best "segment --mode whole" "$VADPREP" segment "$work/features" --out "$work/whole" --mode whole --force --quiet
    best "verify (features)" "$VADPREP" verify "$work/features" --quiet
)
extract=$(awk 'NR == 1 { print $NF }' <<< "$results")
dirs=("$work/features" "$work/fixed" "$work/random" "$work/whole" "-")
i=0
while read -r line; do
    seconds="${line##* }"
    name="${line% *}"
    size="-"
    if [ "${dirs[$i]}" != "-" ]; then size=$(du -sh "${dirs[$i]}" | cut -f1); fi
    printf '%-44s %10.3f %10.1f %12s\n' "$name" "$seconds" "$(echo "$extract / $seconds" | bc -l)" "$size"
    i=$((i + 1))
done <<< "$results"
