#!/usr/bin/env bash
# Runs every test: installs what is missing, checks that Python reads the
# shards with `safetensors` alone, then runs the Swift test suites.
#
#   Pipelines/test.sh [swift test arguments, e.g. --filter Label]
source "$(dirname "$0")/common.sh"

ensure_system_packages
build_vadprep debug

say "reading shards from Python (safetensors.numpy.load_file)"
python_venv "$ROOT/Pipelines/python/requirements.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$VADPREP" extract "$ROOT/Fixtures/corpus" --out "$work/dataset" --raw-frames --jobs 2 --quiet --shard-size 100k
"$PYTHON" "$ROOT/Pipelines/python/check_shards.py" "$work/dataset"

say "running the Swift tests"
cd "$ROOT"
swift test "$@"
