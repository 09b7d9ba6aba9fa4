#!/usr/bin/env bash
# Fuzzes vadprep's readers of untrusted input with libFuzzer (and
# AddressSanitizer) for SECONDS each: the label parsers, the shard header
# and index readers, the audio front end, whole datasets through the
# segment and training readers, and Kaldi data directories and Lhotse
# manifests through the input layer. Seeds come from Fixtures/fuzz-seeds/TARGET.
# Prints each target's executions; fails if any input crashes, and leaves
# the input in .build-fuzz/crash-TARGET-* (replay it with the normal build:
# VADPREP_FUZZ_TARGET=TARGET .build/debug/VADPrepFuzz FILE).
#
#   Pipelines/fuzz.sh [SECONDS]      (default 60)
source "$(dirname "$0")/common.sh"
seconds="${1:-60}"
ensure_system_packages
cd "$ROOT"

say "building the fuzz targets (-sanitize=fuzzer,address)"
flags=(--scratch-path .build-fuzz --product VADPrepFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library)
swift build "${flags[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
fuzzer="$(swift build "${flags[@]}" --show-bin-path)/VADPrepFuzz"

# Seeds: Fixtures/fuzz-seeds/TARGET (label files, audio, a small dataset's
# index and shards, and whole small datasets as index + shard).
rm -rf .build-fuzz/crash-*

status=0
for target in labels shard audio dataset kaldi lhotse; do
    say "fuzzing $target for $seconds s"
    mkdir -p ".build-fuzz/corpus-$target"
    log=".build-fuzz/$target.log"
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 VADPREP_FUZZ_TARGET=$target \
        "$fuzzer" ".build-fuzz/corpus-$target" "Fixtures/fuzz-seeds/$target" -max_total_time="$seconds" -max_len=65536 \
        -print_final_stats=1 -artifact_prefix=".build-fuzz/crash-$target-" > "$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        corpus=$(ls ".build-fuzz/corpus-$target" | wc -l)
        printf 'fuzz %-7s %8s executions in %s s, %s corpus entries, no crash\n' "$target" "$runs" "$seconds" "$corpus"
    else
        printf 'fuzz %-7s CRASHED; input kept as %s\n' "$target" "$(ls .build-fuzz/crash-$target-* 2>/dev/null | head -1)"
        grep -E "ERROR|Fatal|deadly" "$log" | head -5
        status=1
    fi
done
exit $status
