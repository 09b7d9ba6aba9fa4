#!/usr/bin/env bash
# Runs the Swift tests under AddressSanitizer and ThreadSanitizer, each in
# its own build directory (.build-asan, .build-tsan). The end-to-end tests
# run the instrumented vadprep binary too, and any sanitizer report on its
# standard error fails them (they compare it exactly).
#
# Leak detection is off: LeakSanitizer reports objects that XCTest,
# Foundation's Process and swift-argument-parser (on its exit() path) leave
# at exit, none of them vadprep's. Memory errors (out-of-bounds, use after
# free, double free) are all still caught.
#
#   Pipelines/sanitizers.sh [address|thread]...    (default: both)
source "$(dirname "$0")/common.sh"
ensure_system_packages
cd "$ROOT"
for sanitizer in "${@:-address thread}"; do
    for name in $sanitizer; do
        say "swift test --sanitize=$name"
        ASAN_OPTIONS=detect_leaks=0 swift test --sanitize="$name" --scratch-path ".build-${name:0:1}san" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]'
        [ "${PIPESTATUS[0]}" -eq 0 ] || { say "tests failed under the $name sanitizer"; exit 1; }
    done
done
